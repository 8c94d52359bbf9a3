// Small checks for untrusted data. Each one names the field by its path in the file
// (`model.json: modelTopology.config.layers[2].config.units`), says what was expected and
// shows what came, shortened.

import { ModelFileError } from './errors.js';
import type { JsonObject } from './json.js';

/** Limits on what a loader accepts; every one can be raised through `loadModel(..., { limits })`. */
export interface LoadLimits {
  /** Largest model.json (or weights manifest) in characters. Default 64 MiB. */
  maxJsonBytes: number;
  /** Deepest nesting of arrays and objects in it. Default 100. */
  maxJsonDepth: number;
  /** Largest total size of the weight data in bytes. Default 1 GiB. */
  maxWeightBytes: number;
  /** Most weight entries in the manifest. Default 100,000. */
  maxWeights: number;
  /** Most weight files (shards) in the manifest. Default 10,000. */
  maxFiles: number;
  /** Most layers in the topology. Default 10,000. */
  maxLayers: number;
  /** Highest rank of a weight or input shape. Default 16. */
  maxRank: number;
  /** Longest name (layer, weight, file path). Default 1,024 characters. */
  maxNameLength: number;
}

/** The default {@link LoadLimits}. */
export const DEFAULT_LIMITS: Readonly<LoadLimits> = Object.freeze({
  maxJsonBytes: 64 * 1024 * 1024,
  maxJsonDepth: 100,
  maxWeightBytes: 1024 * 1024 * 1024,
  maxWeights: 100_000,
  maxFiles: 10_000,
  maxLayers: 10_000,
  maxRank: 16,
  maxNameLength: 1024,
});

/** The limits with the caller's overrides, each checked to be a positive integer. */
export function resolveLimits(overrides: Partial<LoadLimits> | undefined): LoadLimits {
  const limits: LoadLimits = { ...DEFAULT_LIMITS };
  if (overrides === undefined) return limits;
  if (overrides === null || typeof overrides !== 'object') throw new Error(`loadModel: limits must be an object, got ${show(overrides)}`);
  for (const [key, value] of Object.entries(overrides)) {
    if (!Object.hasOwn(DEFAULT_LIMITS, key)) throw new Error(`loadModel: unknown limit '${key}' (valid: ${Object.keys(DEFAULT_LIMITS).join(', ')})`);
    if (value === undefined) continue;
    if (typeof value !== 'number' || !Number.isSafeInteger(value) || value <= 0) throw new Error(`loadModel: limits.${key} must be a positive integer, got ${show(value)}`);
    limits[key as keyof LoadLimits] = value;
  }
  return limits;
}

/** A short rendering of an untrusted value for an error message (at most ~80 characters). */
export function show(value: unknown): string {
  let text: string;
  if (typeof value === 'string') text = JSON.stringify(value);
  else if (value === undefined) text = 'nothing (the field is missing)';
  else if (typeof value === 'number' || typeof value === 'boolean' || value === null) text = String(value);
  else if (typeof value === 'object') {
    try {
      text = JSON.stringify(value) ?? String(value);
    } catch {
      text = Array.isArray(value) ? 'an array' : 'an object';
    }
  } else text = `a ${typeof value}`;
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

export function fail(path: string, message: string): never {
  throw new ModelFileError(`${path}: ${message}`);
}

export function isObject(value: unknown): value is JsonObject {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** An own property of a parsed object (never an inherited one such as `constructor`). */
export function get(obj: JsonObject, key: string): unknown {
  return Object.hasOwn(obj, key) ? obj[key] : undefined;
}

export function expectObject(value: unknown, path: string): JsonObject {
  if (!isObject(value)) fail(path, `expected an object, got ${show(value)}`);
  return value;
}

export function expectArray(value: unknown, path: string, maxLength: number): unknown[] {
  if (!Array.isArray(value)) fail(path, `expected an array, got ${show(value)}`);
  if (value.length > maxLength) fail(path, `has ${value.length} entries, more than the limit of ${maxLength}`);
  return value;
}

export function expectString(value: unknown, path: string, maxLength: number): string {
  if (typeof value !== 'string') fail(path, `expected a string, got ${show(value)}`);
  if (value.length > maxLength) fail(path, `is ${value.length} characters long, more than the limit of ${maxLength}`);
  return value;
}

/** A name: a non-empty string within the length limit, without control characters. */
export function expectName(value: unknown, path: string, maxLength: number): string {
  const s = expectString(value, path, maxLength);
  if (s === '') fail(path, 'expected a non-empty name, got ""');
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(s)) fail(path, `contains control characters: ${show(s)}`);
  return s;
}

export function expectBoolean(value: unknown, path: string): boolean {
  if (typeof value !== 'boolean') fail(path, `expected true or false, got ${show(value)}`);
  return value;
}

export function expectFiniteNumber(value: unknown, path: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value)) fail(path, `expected a finite number, got ${show(value)}`);
  return value;
}

export function expectInteger(value: unknown, path: string, min: number, max: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    fail(path, `expected an integer in [${min}, ${max}], got ${show(value)}`);
  }
  return value;
}

/** A weight shape: at most `maxRank` non-negative integers, each below 2^31. */
export function expectShape(value: unknown, path: string, maxRank: number): number[] {
  const dims = expectArray(value, path, maxRank);
  return dims.map((d, i) => expectInteger(d, `${path}[${i}]`, 0, 2 ** 31 - 1));
}

/** An input shape with its batch axis: positive integers or null (unknown), rank 1 to maxRank. */
export function expectSymbolicShape(value: unknown, path: string, maxRank: number): (number | null)[] {
  const dims = expectArray(value, path, maxRank);
  if (dims.length === 0) fail(path, 'expected a shape with at least the batch axis, got []');
  return dims.map((d, i) => (d === null ? null : expectInteger(d, `${path}[${i}]`, 1, 2 ** 31 - 1)));
}

/** Number of elements of a shape, or an error when it is not a safe integer. */
export function elementCount(shape: readonly number[], path: string): number {
  let n = 1;
  for (const d of shape) n *= d;
  if (!Number.isSafeInteger(n)) fail(path, `shape [${shape.join(', ')}] has too many elements`);
  return n;
}
