// Turning user data into batches: validation of sample counts, row gathering for shuffled
// batches, validation splits, and per-sample weights from classWeight/sampleWeight.

import { Tensor, toTensor, type TensorLike } from '../tensor/tensor.js';
import { formatShape } from '../tensor/shape.js';

/** A Tensor or nested number arrays, as fit / evaluate / predict accept. */
export type DataLike = TensorLike;

/** Converts user data, naming the argument in errors (`fit: x ...`). */
export function asBatchTensor(data: DataLike, who: string): Tensor {
  const t = toTensor(data, who); // its errors already start with `who`
  if (t.rank === 0) throw new Error(`${who}: expected an array with one row per sample, got a scalar`);
  return t;
}

/** x and y must have the same number of rows. */
export function checkSameSamples(x: Tensor, y: Tensor, who: string, yName = 'y'): void {
  if (x.shape[0] !== y.shape[0]) {
    throw new Error(`${who}: x and ${yName} have different numbers of samples: x has ${x.shape[0]} (shape ${formatShape(x.shape)}), ${yName} has ${y.shape[0]} (shape ${formatShape(y.shape)})`);
  }
}

/** Rows `indices[start .. end)` of `t`, copied into a new tensor. */
export function takeRows(t: Tensor, indices: Int32Array | null, start: number, end: number): Tensor {
  const rowSize = t.shape[0] === 0 ? 0 : t.size / t.shape[0]!;
  const shape = [end - start, ...t.shape.slice(1)];
  if (indices === null) {
    // Contiguous rows: a view, no copy (tensors are immutable from the user's side).
    return new Tensor(t.data.subarray(start * rowSize, end * rowSize), shape);
  }
  const out = new Float32Array((end - start) * rowSize);
  for (let i = start; i < end; i++) {
    const src = indices[i]! * rowSize;
    out.set(t.data.subarray(src, src + rowSize), (i - start) * rowSize);
  }
  return new Tensor(out, shape);
}

/** The training/validation split of keras-facts §8.2: the LAST fraction, before shuffling. */
export function splitForValidation(n: number, split: number, who: string): number {
  if (!(split > 0 && split < 1)) throw new Error(`${who}: validationSplit must be in (0, 1), got ${split}`);
  const splitAt = Math.floor(n * (1 - split));
  if (splitAt === 0 || splitAt === n) {
    throw new Error(`${who}: validationSplit ${split} of ${n} samples leaves ${splitAt === 0 ? 'no training' : 'no validation'} samples`);
  }
  return splitAt;
}

/**
 * Per-sample weights from `sampleWeight` (one number per sample) and/or `classWeight`
 * ({class: weight}; the class of a sample is the argmax of a one-hot y, or its integer id;
 * classes not listed weigh 1). Null when neither is given.
 */
export function sampleWeights(y: Tensor, sampleWeight: DataLike | undefined, classWeight: Record<number, number> | undefined, who: string): Float32Array | null {
  if (sampleWeight === undefined && classWeight === undefined) return null;
  if (sampleWeight !== undefined && classWeight !== undefined) {
    // As Keras: "You cannot `class_weight` and `sample_weight` at the same time."
    throw new Error(`${who}: cannot use classWeight and sampleWeight at the same time; fold the class weights into sampleWeight`);
  }
  const n = y.shape[0]!;
  const w = new Float32Array(n).fill(1);
  if (sampleWeight !== undefined) {
    const sw = asBatchTensor(sampleWeight, `${who}: sampleWeight`);
    if (sw.shape[0] !== n || sw.size !== n) {
      throw new Error(`${who}: sampleWeight must hold one weight per sample: expected shape [${n}], got ${formatShape(sw.shape)}`);
    }
    w.set(sw.data);
  }
  if (classWeight !== undefined) {
    const rowSize = n === 0 ? 1 : y.size / n;
    for (let i = 0; i < n; i++) {
      let cls: number;
      if (rowSize > 1) {
        let best = 0;
        for (let j = 1; j < rowSize; j++) if (y.data[i * rowSize + j]! > y.data[i * rowSize + best]!) best = j;
        cls = best;
      } else {
        cls = Math.round(y.data[i]!);
      }
      const cw = classWeight[cls];
      if (cw !== undefined) {
        if (typeof cw !== 'number' || !Number.isFinite(cw)) throw new Error(`${who}: classWeight[${cls}] must be a finite number, got ${String(cw)}`);
        w[i]! *= cw;
      }
    }
  }
  return w;
}

/** Waits for the event loop to turn once, so a server or a page stays responsive during fit. */
export function yieldToEventLoop(): Promise<void> {
  const g = globalThis as { setImmediate?: (f: () => void) => unknown };
  if (typeof g.setImmediate === 'function') return new Promise((resolve) => g.setImmediate!(resolve));
  return new Promise((resolve) => setTimeout(resolve, 0));
}

// ---- models with several inputs or outputs ----------------------------------------------------

/**
 * What fit / evaluate / predict take for x (or y): one array for a model with one input, else a
 * list in the inputs' order or an object keyed by input name. The rule for JS arrays: an array is
 * a list of inputs only when the model has more than one input (or when its items are Tensors);
 * otherwise it is one tensor's nested values.
 */
export type ModelData = DataLike | readonly DataLike[] | { readonly [name: string]: DataLike | null };

/** True for a plain object (a per-name dict), as opposed to arrays, tensors and typed arrays. */
export function isPlainObject(v: unknown): v is Record<string, unknown> {
  if (v === null || typeof v !== 'object' || Array.isArray(v) || v instanceof Tensor || ArrayBuffer.isView(v)) return false;
  const proto = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}

/**
 * The data of each named slot (the model's inputs, or its outputs), as tensors in `names` order.
 * `what` names the argument in errors (`x`, `y`, `validationData y`). A slot in `optional` may be
 * left out of a dict or given as null (an output without a loss needs no labels).
 */
export function standardizeData(data: ModelData, names: readonly string[], who: string, what: string, optional: readonly boolean[] = []): (Tensor | null)[] {
  const n = names.length;
  const label = (i: number): string => (n === 1 ? what : `${what} '${names[i]}'`);
  const convert = (v: DataLike | null | undefined, i: number): Tensor | null => {
    if (v === null || v === undefined) {
      if (optional[i] === true) return null;
      throw new Error(`${who}: ${label(i)} is missing`);
    }
    return asBatchTensor(v, `${who}: ${label(i)}`);
  };
  if (isPlainObject(data)) {
    const dict = data as Record<string, DataLike | null>;
    for (const key of Object.keys(dict)) {
      if (!names.includes(key)) {
        throw new Error(`${who}: ${what} has the key '${key}', which is not one of the model's ${what === 'y' || what.endsWith(' y') ? 'outputs' : 'inputs'} (${names.map((s) => `'${s}'`).join(', ')})`);
      }
    }
    return names.map((name, i) => convert(Object.hasOwn(dict, name) ? dict[name] : undefined, i));
  }
  const asList = Array.isArray(data) && (n > 1 || (data.length > 0 && data.every((v) => v instanceof Tensor)));
  if (!asList) {
    if (n > 1) {
      const shape = data instanceof Tensor ? ` (shape [${data.shape.join(',')}])` : '';
      throw new Error(`${who}: the model has ${n} ${what === 'y' || what.endsWith(' y') ? 'outputs' : 'inputs'} (${names.map((s) => `'${s}'`).join(', ')}), but ${what} is one array${shape}; give a list of ${n} arrays in that order, or an object keyed by those names`);
    }
    return [convert(data as DataLike, 0)];
  }
  const list = data as readonly (DataLike | null)[];
  if (list.length !== n) {
    throw new Error(`${who}: the model has ${n} ${what === 'y' || what.endsWith(' y') ? 'outputs' : 'inputs'} (${names.map((s) => `'${s}'`).join(', ')}), but ${what} is a list of ${list.length}`);
  }
  return list.map((v, i) => convert(v, i));
}

/** One batch: a tensor per input, and per output its labels and sample weights (null: none). */
export interface Batch {
  readonly xs: Tensor[];
  readonly ys: (Tensor | null)[];
  readonly weights: (Tensor | null)[];
  /** Number of samples. */
  readonly size: number;
}

/** Samples held in memory: tensors per input, labels and weights per output, all with the same rows. */
export class ArrayData {
  constructor(
    readonly xs: Tensor[],
    readonly ys: (Tensor | null)[],
    readonly weights: (Float32Array | null)[],
  ) {}

  /** Number of samples. */
  get size(): number {
    return this.xs[0]?.shape[0] ?? this.ys.find((y) => y !== null)?.shape[0] ?? 0;
  }

  /** Rows `[start, end)`, as views. */
  slice(start: number, end: number): ArrayData {
    return new ArrayData(
      this.xs.map((x) => takeRows(x, null, start, end)),
      this.ys.map((y) => (y === null ? null : takeRows(y, null, start, end))),
      this.weights.map((w) => (w === null ? null : w.subarray(start, end))),
    );
  }

  /** The batch of rows `order[start .. end)` (or rows start..end in order, with no `order`). */
  batch(order: Int32Array | null, start: number, end: number): Batch {
    return {
      xs: this.xs.map((x) => takeRows(x, order, start, end)),
      ys: this.ys.map((y) => (y === null ? null : takeRows(y, order, start, end))),
      weights: this.weights.map((w) => (w === null ? null : gatherRows(w, order, start, end))),
      size: end - start,
    };
  }

  /** The batches of one pass in `order` (null: in order), `batchSize` samples each, the last one smaller. */
  *batches(batchSize: number, order: Int32Array | null = null): Generator<Batch, void, undefined> {
    const n = this.size;
    for (let start = 0; start < n; start += batchSize) yield this.batch(order, start, Math.min(n, start + batchSize));
  }
}

function gatherRows(w: Float32Array, order: Int32Array | null, start: number, end: number): Tensor {
  if (order === null) return new Tensor(w.slice(start, end), [end - start]);
  const out = new Float32Array(end - start);
  for (let i = start; i < end; i++) out[i - start] = w[order[i]!]!;
  return new Tensor(out, [end - start]);
}

/** Every tensor of x and y must have the same number of rows. */
export function checkSameRows(xs: readonly (Tensor | null)[], ys: readonly (Tensor | null)[], inputNames: readonly string[], outputNames: readonly string[], who: string): void {
  const all: [string, Tensor][] = [];
  xs.forEach((t, i) => t !== null && all.push([xs.length === 1 ? 'x' : `x '${inputNames[i]}'`, t]));
  ys.forEach((t, i) => t !== null && all.push([ys.length === 1 ? 'y' : `y '${outputNames[i]}'`, t]));
  if (all.length === 2 && xs.length === 1 && ys.length === 1 && xs[0] && ys[0]) {
    checkSameSamples(xs[0], ys[0], who); // the single-input, single-output wording
    return;
  }
  const [firstName, first] = all[0]!;
  for (const [name, t] of all.slice(1)) {
    if (t.shape[0] !== first.shape[0]) {
      throw new Error(`${who}: ${firstName} and ${name} have different numbers of samples: ${firstName} has ${first.shape[0]} (shape ${formatShape(first.shape)}), ${name} has ${t.shape[0]} (shape ${formatShape(t.shape)})`);
    }
  }
}

// ---- datasets -----------------------------------------------------------------------------------

/**
 * Batches from a (async) iterable: `{ xs, ys }` objects (TF.js) or `[xs, ys]` / `[xs, ys, sampleWeight]`
 * arrays. Arrays and typed arrays are iterable too, but they are samples, not datasets: the type
 * leaves out whatever has a `length`.
 */
export type Dataset<T = unknown> = (Iterable<T> | AsyncIterable<T>) & {
  /** Never present: what has a length is an array of samples. */
  readonly length?: never;
};

/**
 * True for data given as a dataset: any iterable or async iterable that is not an array, a
 * tensor or a typed array (those are arrays of samples).
 */
export function isDataset(v: unknown): v is Dataset {
  if (v === null || typeof v !== 'object' || Array.isArray(v) || v instanceof Tensor || ArrayBuffer.isView(v)) return false;
  return typeof (v as { [Symbol.iterator]?: unknown })[Symbol.iterator] === 'function' ||
    typeof (v as { [Symbol.asyncIterator]?: unknown })[Symbol.asyncIterator] === 'function';
}

/** A dataset's iterator, sync or async. */
export type AnyIterator<T> = Iterator<T> | AsyncIterator<T>;

/** A fresh iterator of the dataset: the async one when there is one. */
export function iterate<T>(dataset: Dataset<T>): AnyIterator<T> {
  const asyncIt = (dataset as AsyncIterable<T>)[Symbol.asyncIterator];
  if (typeof asyncIt === 'function') return asyncIt.call(dataset);
  return (dataset as Iterable<T>)[Symbol.iterator]();
}

/**
 * The parts of one dataset element: `{ xs, ys, sampleWeight }` or `[xs, ys, sampleWeight]`, so that
 * one dataset serves fit, evaluate and predict (which ignores ys); for predict also a bare
 * Tensor as xs. A multi-input model's xs inside an element is a list or a dict: `{ xs: [a, b], ys }`.
 */
export function elementParts(element: unknown, who: string, step: number, forPredict: boolean): { xs: ModelData; ys: ModelData | undefined; sw: ModelData | undefined } {
  if (isPlainObject(element) && Object.hasOwn(element, 'xs')) {
    for (const key of Object.keys(element)) {
      if (!['xs', 'ys', 'sampleWeight'].includes(key)) throw new Error(`${who}: dataset element ${step} has the key '${key}'; expected { xs, ys } (and sampleWeight)`);
    }
    return { xs: element.xs as ModelData, ys: element.ys as ModelData | undefined, sw: element.sampleWeight as ModelData | undefined };
  }
  if (Array.isArray(element)) {
    if (element.length < 1 || element.length > 3) throw new Error(`${who}: dataset element ${step} is a list of ${element.length}; expected [xs, ys] or [xs, ys, sampleWeight]`);
    return { xs: element[0] as ModelData, ys: element[1] as ModelData | undefined, sw: element[2] as ModelData | undefined };
  }
  if (forPredict && element instanceof Tensor) return { xs: element, ys: undefined, sw: undefined };
  throw new Error(`${who}: dataset element ${step} is ${element === null ? 'null' : typeof element}; expected { xs, ys } or [xs, ys]`);
}
