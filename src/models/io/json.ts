// Reading untrusted JSON: a size limit, a nesting-depth limit checked before parsing (so a file of
// a million '[' cannot exhaust the stack), and objects rebuilt with a null prototype, so keys
// such as `__proto__`, `constructor` or `toString` are plain data that can neither reach nor
// change Object.prototype. Nothing read from a file is ever evaluated.

import { ModelFileError } from './errors.js';

/** A JSON object read from a file: a null-prototype record. */
export type JsonObject = { [key: string]: JsonValue };
export type JsonValue = null | boolean | number | string | JsonValue[] | JsonObject;

/**
 * The deepest nesting of `[` and `{` in `text` (outside strings), scanning once without parsing.
 *
 * @example
 * ```ts
 * jsonDepth('{"a": [1, [2]]}');   // 3
 * ```
 */
export function jsonDepth(text: string): number {
  let depth = 0;
  let max = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i++; // backslash: skip the escaped character
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) {
      inString = true;
    } else if (c === 0x5b || c === 0x7b) {
      depth++;
      if (depth > max) max = depth;
    } else if (c === 0x5d || c === 0x7d) {
      depth--;
    }
  }
  return max;
}

/**
 * Parses untrusted JSON text. Every object comes back with a null prototype; the text must be at
 * most `maxBytes` long and nest at most `maxDepth` levels. `what` names the file in errors.
 *
 * @example
 * ```ts
 * const o = parseJson('{"__proto__": {"polluted": 1}}', 'model.json', { maxBytes: 1e6, maxDepth: 64 });
 * Object.getPrototypeOf(o);   // null — and ({}).polluted is still undefined
 * ```
 */
export function parseJson(text: string, what: string, limits: { maxBytes: number; maxDepth: number }): JsonValue {
  if (typeof text !== 'string') throw new ModelFileError(`${what}: expected JSON text, got ${typeof text}`);
  if (text.length > limits.maxBytes) {
    throw new ModelFileError(`${what}: the file is ${text.length} characters long, more than the limit of ${limits.maxBytes} (raise limits.maxJsonBytes to read it)`);
  }
  const depth = jsonDepth(text);
  if (depth > limits.maxDepth) {
    throw new ModelFileError(`${what}: JSON nested ${depth} levels deep, more than the limit of ${limits.maxDepth}`);
  }
  let value: unknown;
  try {
    value = JSON.parse(text, (_key, v: unknown) => (v !== null && typeof v === 'object' && !Array.isArray(v) ? nullPrototypeCopy(v as Record<string, unknown>) : v));
  } catch (e) {
    throw new ModelFileError(`${what} is not valid JSON (${(e as Error).message})${text.trim() === '' ? ': the file is empty' : ''}`);
  }
  return value as JsonValue;
}

/** A copy of `o`'s own enumerable properties on a null-prototype object. */
export function nullPrototypeCopy(o: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = Object.create(null) as Record<string, unknown>;
  for (const key of Object.keys(o)) {
    // NOTE: on a null-prototype object `out['__proto__'] = v` defines an ordinary own property
    // (there is no inherited __proto__ setter), so the key stays inert data.
    out[key] = o[key];
  }
  return out;
}

/**
 * Deep copy of a value handed to us in memory (not from JSON text): plain data only. Objects
 * become null-prototype records, functions, symbols, class instances (other than arrays and
 * plain objects) and cycles are rejected, and the depth and node count are bounded.
 */
export function copyPlainData(value: unknown, what: string, limits: { maxDepth: number; maxNodes: number }): JsonValue {
  let nodes = 0;
  const seen = new Set<object>();
  const visit = (v: unknown, path: string, depth: number): JsonValue => {
    if (++nodes > limits.maxNodes) throw new ModelFileError(`${what}: more than ${limits.maxNodes} values`);
    if (depth > limits.maxDepth) throw new ModelFileError(`${what}: nested more than ${limits.maxDepth} levels deep at ${path}`);
    if (v === null || typeof v === 'boolean' || typeof v === 'string') return v;
    if (typeof v === 'number') {
      if (!Number.isFinite(v)) throw new ModelFileError(`${what}: ${path} is ${v}; JSON numbers must be finite`);
      return v;
    }
    if (typeof v !== 'object') throw new ModelFileError(`${what}: ${path} is a ${typeof v}; only JSON data (objects, arrays, strings, numbers, booleans, null) is accepted`);
    if (seen.has(v)) throw new ModelFileError(`${what}: ${path} refers back to itself (a cycle)`);
    seen.add(v);
    try {
      if (Array.isArray(v)) return v.map((item, i) => visit(item, `${path}[${i}]`, depth + 1));
      const proto = Object.getPrototypeOf(v) as unknown;
      if (proto !== Object.prototype && proto !== null) {
        throw new ModelFileError(`${what}: ${path} is a ${(v as object).constructor?.name ?? 'class instance'}; only plain objects are accepted`);
      }
      const out = Object.create(null) as JsonObject;
      for (const key of Object.keys(v)) out[key] = visit((v as Record<string, unknown>)[key], `${path}.${key}`, depth + 1);
      return out;
    } finally {
      seen.delete(v);
    }
  };
  return visit(value, what, 0);
}
