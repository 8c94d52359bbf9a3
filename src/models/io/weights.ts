// Weight specs and weight bytes in the TF.js layers-model format (keras-facts §11.2): a list of
// `{ name, shape, dtype, group?, quantization? }` and one buffer holding every tensor's bytes in
// that order, little-endian, with no headers or padding. Writing produces float32 (and int32 for
// the optimizer's step counter); reading also accepts int32 and the converter's quantized
// uint8 / uint16 / float16 weights, and turns everything into float32.

import { ModelFileError } from './errors.js';
import type { JsonObject } from './json.js';
import { elementCount, expectArray, expectFiniteNumber, expectName, expectObject, expectShape, expectString, fail, get, show, type LoadLimits } from './validate.js';

/** One entry of a weights manifest. */
export interface WeightSpec {
  /** `<layer name>/<weight name>`, e.g. `dense/kernel`. */
  name: string;
  /** The weight's shape. */
  shape: number[];
  /** 'float32' or 'int32' (tensorkit writes these); the format also knows bool, string, complex64. */
  dtype: string;
  /** 'model' (default) or 'optimizer'. */
  group?: 'model' | 'optimizer';
  /** Set by the TF.js converter's `--quantize_*` options: stored as uint8/uint16/float16. */
  quantization?: {
    /** The stored type. */
    dtype: 'uint8' | 'uint16' | 'float16';
    /** Integer types: value = stored·scale + min. */
    scale?: number;
    /** Integer types: the value of a stored 0. */
    min?: number;
    /** The weight's type before quantization ('float32' or 'int32'). */
    original_dtype?: string;
  };
}

/** A group of the manifest in model.json: the files holding its bytes, and its weights. */
export interface WeightsManifestGroup {
  /** The weight files of the group, relative to model.json, whose bytes are read in order and joined. */
  paths: string[];
  /** The weights stored in those bytes, in order. */
  weights: WeightSpec[];
}

/** A weight read back: float32 values, plus the exact integers of an int32 weight. */
export interface DecodedWeight {
  name: string;
  shape: number[];
  group: 'model' | 'optimizer';
  values: Float32Array;
  ints: Int32Array | null;
}

/** What to write: a name, the values, the dtype on disk, the group. */
export interface WeightToWrite {
  name: string;
  shape: readonly number[];
  values: Float32Array | Int32Array;
  dtype: 'float32' | 'int32';
  group?: 'model' | 'optimizer';
}

const LITTLE_ENDIAN_HOST = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** Bytes per stored element, by dtype (quantization dtype when quantized). */
const BYTES: Record<string, number> = { float32: 4, int32: 4, uint8: 1, uint16: 2, float16: 2 };

/**
 * Encodes weights as manifest specs and one little-endian buffer, in the order given.
 *
 * @example
 * ```ts
 * const { specs, data } = encodeWeights([{ name: 'dense/bias', shape: [2], values: new Float32Array([1, 2]), dtype: 'float32' }]);
 * data.byteLength;   // 8
 * ```
 */
export function encodeWeights(weights: readonly WeightToWrite[]): { specs: WeightSpec[]; data: Uint8Array } {
  let total = 0;
  for (const w of weights) total += w.values.length * 4;
  const data = new Uint8Array(total);
  const view = new DataView(data.buffer);
  const specs: WeightSpec[] = [];
  let offset = 0;
  for (const w of weights) {
    const spec: WeightSpec = { name: w.name, shape: w.shape.slice(), dtype: w.dtype };
    if (w.group === 'optimizer') spec.group = 'optimizer';
    specs.push(spec);
    if (LITTLE_ENDIAN_HOST) {
      data.set(new Uint8Array(w.values.buffer, w.values.byteOffset, w.values.byteLength), offset);
      offset += w.values.byteLength;
    } else {
      for (let i = 0; i < w.values.length; i++, offset += 4) {
        if (w.dtype === 'int32') view.setInt32(offset, w.values[i]!, true);
        else view.setFloat32(offset, w.values[i]!, true);
      }
    }
  }
  return { specs, data };
}

/**
 * Checks one manifest entry (from a file or from memory) and returns it typed. `path` locates it
 * in errors (`model.json: weightsManifest[0].weights[3]`).
 */
export function checkWeightSpec(value: unknown, path: string, limits: LoadLimits): WeightSpec {
  const o = expectObject(value, path);
  const name = expectName(get(o, 'name'), `${path}.name`, limits.maxNameLength);
  const shape = expectShape(get(o, 'shape'), `${path}.shape`, limits.maxRank);
  elementCount(shape, `${path}.shape`);
  const dtype = expectString(get(o, 'dtype'), `${path}.dtype`, 32);
  if (dtype !== 'float32' && dtype !== 'int32') {
    if (['bool', 'string', 'complex64'].includes(dtype)) {
      fail(`${path}.dtype`, `weight '${name}' has dtype '${dtype}'; tensorkit reads float32 and int32 weights (and quantized uint8/uint16/float16 ones)`);
    }
    fail(`${path}.dtype`, `unknown dtype ${show(dtype)} for weight '${name}' (expected 'float32' or 'int32')`);
  }
  const spec: WeightSpec = { name, shape, dtype };
  const group = get(o, 'group');
  if (group !== undefined && group !== null) {
    if (group !== 'model' && group !== 'optimizer') fail(`${path}.group`, `expected 'model' or 'optimizer', got ${show(group)}`);
    spec.group = group;
  }
  const q = get(o, 'quantization');
  if (q !== undefined && q !== null) spec.quantization = checkQuantization(q, `${path}.quantization`, name);
  return spec;
}

function checkQuantization(value: unknown, path: string, name: string): NonNullable<WeightSpec['quantization']> {
  const q: JsonObject = expectObject(value, path);
  const dtype = get(q, 'dtype');
  if (dtype !== 'uint8' && dtype !== 'uint16' && dtype !== 'float16') {
    fail(`${path}.dtype`, `weight '${name}': expected 'uint8', 'uint16' or 'float16', got ${show(dtype)}`);
  }
  const out: NonNullable<WeightSpec['quantization']> = { dtype };
  if (dtype !== 'float16') {
    out.scale = expectFiniteNumber(get(q, 'scale'), `${path}.scale`);
    out.min = expectFiniteNumber(get(q, 'min'), `${path}.min`);
  }
  const original = get(q, 'original_dtype');
  if (original !== undefined && original !== null && original !== 'float32' && original !== 'int32') {
    fail(`${path}.original_dtype`, `weight '${name}': expected 'float32' or 'int32', got ${show(original)}`);
  }
  return out;
}

/** Bytes a spec occupies in the weight data. */
export function specByteLength(spec: WeightSpec): number {
  const count = spec.shape.reduce((a, b) => a * b, 1);
  return count * BYTES[spec.quantization?.dtype ?? spec.dtype]!;
}

/**
 * Total bytes of `specs`, checked against the limits (count and total size) before anything is
 * read. `what` names the manifest in errors.
 */
export function totalByteLength(specs: readonly WeightSpec[], what: string, limits: LoadLimits): number {
  let total = 0;
  for (const spec of specs) {
    total += specByteLength(spec);
    if (total > limits.maxWeightBytes) {
      throw new ModelFileError(`${what}: the weights need more than ${limits.maxWeightBytes} bytes (limits.maxWeightBytes); reached at weight '${spec.name}'`);
    }
  }
  return total;
}

/**
 * Reads every weight of `specs` out of `data` (little-endian, in order). The data must hold
 * exactly the bytes the specs need: a short file is truncated, a long one is not what the
 * manifest describes.
 */
export function decodeWeights(specs: readonly WeightSpec[], data: Uint8Array, what: string, limits: LoadLimits): DecodedWeight[] {
  const need = totalByteLength(specs, what, limits);
  if (data.byteLength !== need) {
    const how = data.byteLength < need ? 'truncated: it holds' : 'too long: it holds';
    throw new ModelFileError(`${what}: the weight data is ${how} ${data.byteLength} bytes, but the manifest's ${specs.length} weights need exactly ${need}`);
  }
  const seen = new Set<string>();
  const out: DecodedWeight[] = [];
  let offset = 0;
  for (const spec of specs) {
    const group = spec.group ?? 'model';
    const key = `${group}\u0000${spec.name}`;
    if (seen.has(key)) throw new ModelFileError(`${what}: the weight name '${spec.name}' appears twice in the ${group} group`);
    seen.add(key);
    const count = spec.shape.reduce((a, b) => a * b, 1);
    const bytes = specByteLength(spec);
    const view = new DataView(data.buffer, data.byteOffset + offset, bytes);
    const values = new Float32Array(count);
    let ints: Int32Array | null = null;
    const q = spec.quantization;
    if (q === undefined) {
      if (spec.dtype === 'int32') {
        ints = new Int32Array(count);
        for (let i = 0; i < count; i++) ints[i] = view.getInt32(4 * i, true);
        for (let i = 0; i < count; i++) values[i] = ints[i]!;
      } else if (LITTLE_ENDIAN_HOST) {
        new Uint8Array(values.buffer).set(data.subarray(offset, offset + bytes));
      } else {
        for (let i = 0; i < count; i++) values[i] = view.getFloat32(4 * i, true);
      }
    } else if (q.dtype === 'float16') {
      for (let i = 0; i < count; i++) values[i] = halfToFloat(view.getUint16(2 * i, true));
    } else {
      // Affine dequantization, as the converter defines it: value = q·scale + min.
      const { scale = 1, min = 0 } = q;
      if (q.dtype === 'uint8') for (let i = 0; i < count; i++) values[i] = view.getUint8(i) * scale + min;
      else for (let i = 0; i < count; i++) values[i] = view.getUint16(2 * i, true) * scale + min;
    }
    out.push({ name: spec.name, shape: spec.shape.slice(), group, values, ints });
    offset += bytes;
  }
  return out;
}

/** IEEE 754 half precision → number. */
export function halfToFloat(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exponent = (h >> 10) & 0x1f;
  const fraction = h & 0x3ff;
  if (exponent === 0) return sign * 2 ** -14 * (fraction / 1024);
  if (exponent === 0x1f) return fraction === 0 ? sign * Infinity : NaN;
  return sign * 2 ** (exponent - 15) * (1 + fraction / 1024);
}

/** Cuts `data` into pieces of at most `shardBytes` (the converter's 4 MiB by default). */
export function splitShards(data: Uint8Array, shardBytes = 4 * 1024 * 1024): Uint8Array[] {
  if (data.byteLength === 0) return [new Uint8Array(0)];
  const out: Uint8Array[] = [];
  for (let start = 0; start < data.byteLength; start += shardBytes) out.push(data.subarray(start, Math.min(data.byteLength, start + shardBytes)));
  return out;
}

/** Joins buffers into one. */
export function concatBytes(parts: readonly Uint8Array[]): Uint8Array {
  if (parts.length === 1) return parts[0]!;
  const out = new Uint8Array(parts.reduce((n, p) => n + p.byteLength, 0));
  let offset = 0;
  for (const p of parts) {
    out.set(p, offset);
    offset += p.byteLength;
  }
  return out;
}

/** Reads a manifest (`[{ paths, weights }]`), checking every field. */
export function checkManifest(value: unknown, path: string, limits: LoadLimits): WeightsManifestGroup[] {
  const groups = expectArray(value, path, limits.maxFiles);
  let files = 0;
  let weights = 0;
  return groups.map((g, i) => {
    const gp = `${path}[${i}]`;
    const o = expectObject(g, gp);
    const paths = expectArray(get(o, 'paths'), `${gp}.paths`, limits.maxFiles).map((p, j) => expectName(p, `${gp}.paths[${j}]`, limits.maxNameLength));
    files += paths.length;
    if (files > limits.maxFiles) fail(gp, `the manifest lists more than ${limits.maxFiles} weight files (limits.maxFiles)`);
    const specs = expectArray(get(o, 'weights'), `${gp}.weights`, limits.maxWeights).map((w, j) => checkWeightSpec(w, `${gp}.weights[${j}]`, limits));
    weights += specs.length;
    if (weights > limits.maxWeights) fail(gp, `the manifest lists more than ${limits.maxWeights} weights (limits.maxWeights)`);
    if (paths.length === 0 && specs.some((s) => specByteLength(s) > 0)) fail(`${gp}.paths`, 'the group has weights but lists no files');
    return { paths, weights: specs };
  });
}

// ---- matching file weights to a model's variables ---------------------------------------------

/** A weight the model expects: its full name, short name (`kernel`), shape and layer. */
export interface ExpectedWeight {
  name: string;
  shortName: string;
  /** Another short name the weight goes by in files (Keras 3's `kernel` for TF.js's `depthwise_kernel`). */
  otherShortName?: string;
  shape: readonly number[];
  layer: string;
}

/**
 * Pairs the model's weights with the file's (model group), returning the file weight for each
 * expected weight in order. First by exact name (tensorkit, TF.js and the Keras 2 converter name
 * weights `<layer>/<weight>` after the layers in the topology). Failing that, by structure, as
 * Keras's `load_weights` does for H5 files: the file's weights are grouped by their name up to
 * the last '/', groups taken in order of first appearance, and matched to the model's layers
 * that have weights, in order; inside a layer by short name when they all agree (`kernel`,
 * `bias`), else by position. This reads names such as `sequential/dense/kernel` or Keras 3's
 * `layers/dense/vars/0`, and weights saved from a model whose layers were named differently.
 * Every shape must match; any mismatch is an error naming both sides.
 */
export function matchWeights(expected: readonly ExpectedWeight[], file: readonly DecodedWeight[], what: string): DecodedWeight[] {
  const byName = new Map(file.map((w) => [w.name, w]));
  if (file.length === expected.length && expected.every((e) => byName.has(e.name))) {
    return expected.map((e) => checkShape(e, byName.get(e.name)!, what));
  }
  const structural = matchByStructure(expected, file);
  if (structural !== null) return structural.map((w, i) => checkShape(expected[i]!, w, what));
  const missing = expected.filter((e) => !byName.has(e.name)).map((e) => e.name);
  const extra = file.filter((w) => !expected.some((e) => e.name === w.name)).map((w) => w.name);
  const parts: string[] = [];
  if (missing.length > 0) parts.push(`the model's weights ${list(missing)} are not in the file`);
  if (extra.length > 0) parts.push(`the file's weights ${list(extra)} belong to no weight of the model`);
  if (parts.length === 0) parts.push(`the model has ${expected.length} weights, the file ${file.length}`);
  throw new ModelFileError(`${what}: the weights do not fit the model: ${parts.join('; ')}. The model expects ${list(expected.map((e) => `${e.name} [${e.shape.join(',')}]`))}`);
}

function matchByStructure(expected: readonly ExpectedWeight[], file: readonly DecodedWeight[]): DecodedWeight[] | null {
  const prefix = (name: string): string => (name.includes('/') ? name.slice(0, name.lastIndexOf('/')) : '');
  const fileGroups = new Map<string, DecodedWeight[]>();
  for (const w of file) {
    const key = prefix(w.name);
    if (!fileGroups.has(key)) fileGroups.set(key, []);
    fileGroups.get(key)!.push(w);
  }
  const layers: ExpectedWeight[][] = [];
  for (const e of expected) {
    const last = layers[layers.length - 1];
    if (last !== undefined && last[0]!.layer === e.layer) last.push(e);
    else layers.push([e]);
  }
  const groups = [...fileGroups.values()];
  if (groups.length !== layers.length || groups.some((g, i) => g.length !== layers[i]!.length)) return null;
  const out: DecodedWeight[] = [];
  for (const [i, g] of groups.entries()) {
    const layer = layers[i]!;
    const short = (name: string): string => name.slice(name.lastIndexOf('/') + 1).replace(/:\d+$/, '');
    const byShort = new Map(g.map((w) => [short(w.name), w]));
    const shortOf = (e: ExpectedWeight): string => (!byShort.has(e.shortName) && e.otherShortName !== undefined && byShort.has(e.otherShortName) ? e.otherShortName : e.shortName);
    const named = layer.every((e) => byShort.has(shortOf(e))) && byShort.size === g.length;
    // By position only when the file's names say nothing (Keras 3's vars/0, vars/1): a mix such
    // as kernel + gamma for kernel + bias is a different layer, not a renamed one.
    const anonymous = layer.every((e) => !byShort.has(shortOf(e)));
    if (!named && !anonymous) return null;
    for (let j = 0; j < layer.length; j++) out.push(named ? byShort.get(shortOf(layer[j]!))! : g[j]!);
  }
  // Structural matching is a guess: it stands only if every shape agrees.
  return out.every((w, i) => sameShape(w.shape, expected[i]!.shape)) ? out : null;
}

function checkShape(e: ExpectedWeight, w: DecodedWeight, what: string): DecodedWeight {
  if (!sameShape(e.shape, w.shape)) {
    throw new ModelFileError(`${what}: weight '${w.name}' has shape [${w.shape.join(', ')}] in the file, but the model's '${e.name}' has shape [${e.shape.join(', ')}]`);
  }
  return w;
}

function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

function list(names: readonly string[]): string {
  const shown = names.slice(0, 12).map((n) => `'${n}'`).join(', ');
  return names.length > 12 ? `${shown} and ${names.length - 12} more` : shown;
}
