// Checks of constructor options shared by layers, initializers and regularizers. An option that
// tensorkit does not implement must fail loudly, never be accepted and ignored: a Keras user
// typing `use_bias` or `kernelConstraint` gets an error naming the option, not a silent default.

import { suggest } from '../identifiers.js';

/** The options every layer accepts (see `LayerArgs` in layer.ts). */
export const LAYER_ARG_KEYS = ['name', 'trainable', 'inputShape', 'inputDim', 'batchInputShape', 'batchSize', 'dtype', 'weights'] as const;

/**
 * Throws unless `options` is undefined or an object whose keys (with a defined value) are all in
 * `allowed`; the error names `who`, the unknown key and the nearest valid one.
 */
export function checkOptions(who: string, options: unknown, allowed: readonly string[]): void {
  if (options === undefined || options === null) return;
  if (typeof options !== 'object' || Array.isArray(options)) {
    throw new Error(`${who}: expected an options object, got ${describe(options)}`);
  }
  for (const [key, value] of Object.entries(options)) {
    if (value === undefined || allowed.includes(key)) continue;
    const nearest = suggest(key, allowed);
    const hint = nearest === null ? '' : ` Did you mean '${nearest}'?`;
    throw new Error(`${who}: unknown option '${key}'.${hint} Valid options: ${allowed.join(', ')}`);
  }
}

/** A short rendering of a user value for error messages. */
export function describe(value: unknown): string {
  if (typeof value === 'string') return `'${value}'`;
  if (typeof value === 'function') return `function ${value.name || '(anonymous)'}`;
  if (Array.isArray(value)) return JSON.stringify(value);
  if (value !== null && typeof value === 'object') {
    try {
      return JSON.stringify(value);
    } catch {
      return String(value);
    }
  }
  return String(value);
}

/** `value` if it is a finite number, else an error naming `who` and the argument. */
export function finiteNumber(who: string, arg: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    throw new Error(`${who}: ${arg} must be a finite number, got ${describe(value)}`);
  }
  return value;
}

/** `value` if it is a finite number ≥ 0. */
export function nonNegativeNumber(who: string, arg: string, value: unknown): number {
  const v = finiteNumber(who, arg, value);
  if (v < 0) throw new Error(`${who}: ${arg} must be >= 0, got ${v}`);
  return v;
}

/** `value` if it is an integer > 0. */
export function positiveInteger(who: string, arg: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value <= 0) {
    throw new Error(`${who}: ${arg} must be a positive integer, got ${describe(value)}`);
  }
  return value;
}

/** `value` if it is a boolean. */
export function boolean(who: string, arg: string, value: unknown): boolean {
  if (typeof value !== 'boolean') throw new Error(`${who}: ${arg} must be true or false, got ${describe(value)}`);
  return value;
}

/** A seed: undefined/null (none) or a finite number. */
export function seedOption(who: string, value: unknown): number | null {
  if (value === undefined || value === null) return null;
  return finiteNumber(who, 'seed', value);
}

/** How errors raised before a layer has its name refer to it: `Dense` or `Dense 'my_dense'`. */
export function layerWho(className: string, options: { name?: unknown } | null | undefined): string {
  const name = options?.name;
  return typeof name === 'string' && name !== '' ? `${className} '${name}'` : className;
}

/** Runs `f`, prefixing any error it throws with `who: `. */
export function withWho<T>(who: string, f: () => T): T {
  try {
    return f();
  } catch (e) {
    throw new Error(`${who}: ${(e as Error).message}`);
  }
}
