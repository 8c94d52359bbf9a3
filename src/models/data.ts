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
