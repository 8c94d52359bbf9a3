// Reductions over axes, forward and backward side by side. `axis` is a number, a list, or
// undefined/null for all axes; `keepDims` keeps reduced axes as size 1.
//
// sum and broadcastTo are an adjoint pair: the backward of a sum broadcasts dy back, and the
// backward of a broadcast sums dy down (sumTo, which the tape walker also uses to un-broadcast
// when it records). Every backward here is a call of ops, so it can be differentiated again.

import { isRecording, record, sumToShape } from '../autograd/tape.js';
import { argReduceTensor, binaryTensor, broadcastToTensor, reduceTensor, reductionLayout, transposeTensor } from '../tensor/compute.js';
import { formatShape, normalizeAxes } from '../tensor/shape.js';
import { Tensor, toTensor, type TensorLike } from '../tensor/tensor.js';
import { add, div, mul } from './arithmetic.js';
import { reshape, transpose } from './shape.js';

/** The axes a reduction runs over: one axis, a list (negative counts from the end), or null/undefined for all. */
export type Axis = number | number[] | null | undefined;

/**
 * Repeats `x` along its size-1 (and missing leading) axes to `shape`.   d/dx = sumTo(dy, x.shape)
 *
 * @example
 * ```ts
 * tk.broadcastTo(tk.tensor([1, 2]), [2, 2]).toArray();   // [[1, 2], [1, 2]]
 * ```
 */
export function broadcastTo(x: TensorLike, shape: readonly number[]): Tensor {
  const t = toTensor(x, 'broadcastTo');
  return record('broadcastTo', [t], broadcastToTensor(t, shape), (dy) => [sumTo(dy, t.shape)], { shape: shape.slice() }, false);
}

/**
 * Sums `x` down to `shape`, the inverse of broadcasting `shape` to x's shape: leading extra axes
 * are summed away, and axes where `shape` has 1 are summed keeping the axis.
 * d/dx = broadcastTo(dy, x.shape)
 *
 * @example
 * ```ts
 * tk.sumTo(tk.tensor([[1, 2], [3, 4]]), [2]).toArray();      // [4, 6]
 * tk.sumTo(tk.tensor([[1, 2], [3, 4]]), [2, 1]).toArray();   // [[3], [7]]
 * ```
 */
export function sumTo(x: TensorLike, shape: readonly number[]): Tensor {
  const t = toTensor(x, 'sumTo');
  let out: Tensor;
  try {
    out = sumToShape(t, shape, 'sumTo', 0);
  } catch {
    throw new Error(`sumTo: ${formatShape(t.shape)} does not sum down to ${formatShape(shape)} (it must broadcast to ${formatShape(t.shape)})`);
  }
  if (out === t) out = new Tensor(t.data, t.shape); // a node of its own, never on x's tensor
  return record('sumTo', [t], out, (dy) => [broadcastTo(dy, t.shape)], { shape: shape.slice() }, false);
}

/** dy of a reduction, shaped back to broadcast against the input. */
function expandGrad(dy: Tensor, keptShape: readonly number[], inputShape: readonly number[]): Tensor {
  return broadcastTo(reshape(dy, keptShape), inputShape);
}

/**
 * Sum over `axis` (all axes by default), accumulated in float64.   d/dx = dy broadcast back
 *
 * @example
 * ```ts
 * tk.sum(tk.tensor([[1, 2], [3, 4]]), 0).toArray();   // [4, 6]
 * ```
 */
export function sum(x: TensorLike, axis?: Axis, keepDims = false): Tensor {
  const t = toTensor(x, 'sum');
  const out = reduceTensor('sum', t, axis, keepDims, 'sum');
  const kept = keptShapeOf(t, axis, 'sum');
  return record('sum', [t], out, (dy) => [expandGrad(dy, kept, t.shape)], { axis, keepDims }, false);
}

/** x's shape with the reduced axes set to 1: dy reshaped to it broadcasts back over x. */
function keptShapeOf(t: Tensor, axis: Axis, op: string): number[] {
  const axes = normalizeAxes(axis, t.rank, op);
  return t.shape.map((d, i) => (axes.includes(i) ? 1 : d));
}

/**
 * Mean over `axis` (all axes by default).   d/dx = dy/n broadcast back (n = elements averaged)
 *
 * NOTE: a primitive, not the composite `sum(x)·(1/n)`: that rounds the sum to float32 and then
 * the product again, which is often 1 ulp off. The kernel divides the float64 sum by n before
 * the one rounding, so the mean of a million float32 values is exact to float32. The mean of an
 * empty axis is NaN (0/0), as NumPy.
 *
 * @example
 * ```ts
 * tk.mean(tk.tensor([[1, 2], [3, 4]]), 1).toArray();   // [1.5, 3.5]
 * ```
 */
export function mean(x: TensorLike, axis?: Axis, keepDims = false): Tensor {
  const t = toTensor(x, 'mean');
  const out = reduceTensor('mean', t, axis, keepDims, 'mean');
  const kept = keptShapeOf(t, axis, 'mean');
  const count = normalizeAxes(axis, t.rank, 'mean').reduce((n, a) => n * t.shape[a]!, 1);
  return record('mean', [t], out, (dy) => [div(expandGrad(dy, kept, t.shape), new Tensor(new Float32Array([count]), []))], { axis, keepDims }, false);
}

/**
 * Maximum over `axis`.   d/dx = dy where x equals the max, shared equally between ties
 * (as TensorFlow), 0 elsewhere.
 *
 * @example
 * ```ts
 * tk.max(tk.tensor([[1, 5], [7, 2]]), 1).toArray();   // [5, 7]
 * ```
 */
export function max(x: TensorLike, axis?: Axis, keepDims = false): Tensor {
  return extremum('max', x, axis, keepDims);
}

/**
 * Minimum over `axis`.   d/dx = dy where x equals the min, shared equally between ties.
 *
 * @example
 * ```ts
 * tk.min(tk.tensor([[1, 5], [7, 2]]), 1).toArray();   // [1, 2]
 * ```
 */
export function min(x: TensorLike, axis?: Axis, keepDims = false): Tensor {
  return extremum('min', x, axis, keepDims);
}

function extremum(op: 'max' | 'min', x: TensorLike, axis: Axis, keepDims: boolean): Tensor {
  const t = toTensor(x, op);
  const out = reduceTensor(op, t, axis, keepDims, op);
  const kept = keptShapeOf(t, axis, op);
  return record(op, [t], out, (dy) => {
    // Where x is the extremum (a constant mask: its derivative is 0 almost everywhere), ties share.
    const hit = binaryTensor('equal', t, new Tensor(out.data, kept));
    const ties = reduceTensor('sum', hit, axis, true);
    return [mul(hit, div(reshape(dy, kept), ties))];
  }, { axis, keepDims });
}

/**
 * Product over `axis`, accumulated in float64.   d/dx_i = dy·Π_{j≠i} x_j
 * (computed from prefix and suffix products, so zeros in x are handled exactly).
 *
 * NOTE: Π_{j≠i} x_j is a fused loop when the backward is not recorded. A recorded backward (a
 * second derivative is wanted) computes it as the `prod` of x with x_i replaced by 1, for every i:
 * n times the memory of x along the axis, but ops all the way down, zeros included.
 *
 * @example
 * ```ts
 * tk.prod(tk.tensor([[1, 2], [3, 4]]), 1).toArray();   // [2, 12]
 * ```
 */
export function prod(x: TensorLike, axis?: Axis, keepDims = false): Tensor {
  const t = toTensor(x, 'prod');
  const out = reduceTensor('prod', t, axis, keepDims, 'prod');
  const kept = keptShapeOf(t, axis, 'prod');
  return record('prod', [t], out, (dy) => {
    if (isRecording()) return [mul(othersRecorded(t, axis), expandGrad(dy, kept, t.shape))];
    // Move the reduced axes last (as the forward did), take products of the others per group,
    // then scatter back through the same permutation.
    const L = reductionLayout(t, axis, 'prod');
    const others = new Float32Array(t.size);
    const { outer, reduced, inner } = L;
    for (let o = 0; o < outer; o++) {
      for (let i = 0; i < inner; i++) {
        const base = o * reduced * inner + i;
        let prefix = 1;
        for (let r = 0; r < reduced; r++) {
          others[base + r * inner] = prefix;
          prefix *= L.data[base + r * inner]!;
        }
        let suffix = 1;
        for (let r = reduced - 1; r >= 0; r--) {
          others[base + r * inner]! *= suffix;
          suffix *= L.data[base + r * inner]!;
        }
      }
    }
    // reductionLayout hands back x's own array when the reduced axes were already neighbours.
    const othersInX = L.data === t.data ? new Tensor(others, t.shape) : untransposeReduced(others, t, axis);
    return [binaryTensor('mul', othersInX, expandGrad(dy, kept, t.shape))];
  }, { axis, keepDims });
}

/**
 * Π_{j≠i} x_j over the reduced axes, for every element i, with recorded ops: the reduced axes
 * moved last and flattened to R, each row repeated R times with its own entry set to 1 (an
 * [R, R] mask), the product of each copy, and the permutation undone.
 */
function othersRecorded(t: Tensor, axis: Axis): Tensor {
  const reducedAxes = normalizeAxes(axis, t.rank, 'prod');
  const keptAxes = t.shape.map((_, i) => i).filter((i) => !reducedAxes.includes(i));
  const perm = [...keptAxes, ...reducedAxes];
  const keptShape = keptAxes.map((i) => t.shape[i]!);
  const R = reducedAxes.reduce((n, i) => n * t.shape[i]!, 1);
  const rows = reshape(transpose(t, perm), [...keptShape, 1, R]); // [..., 1, R]
  const eye = new Float32Array(R * R);
  for (let i = 0; i < R; i++) eye[i * R + i] = 1;
  const I = new Tensor(eye, [R, R]);
  const offDiagonal = new Tensor(Float32Array.from(eye, (v) => 1 - v), [R, R]);
  const others = prod(add(mul(rows, offDiagonal), I), -1); // [..., R]: copy i has a 1 at i
  const inverse = new Array<number>(perm.length);
  perm.forEach((p, i) => { inverse[p] = i; });
  return transpose(reshape(others, perm.map((p) => t.shape[p]!)), inverse);
}

/** Undo reductionLayout's permutation (kept axes first, reduced axes last). */
function untransposeReduced(data: Float32Array, t: Tensor, axis: Axis): Tensor {
  const reducedAxes = normalizeAxes(axis, t.rank, 'prod');
  const perm = t.shape.map((_, i) => i).filter((i) => !reducedAxes.includes(i)).concat(reducedAxes);
  const inverse = new Array<number>(perm.length);
  perm.forEach((p, i) => { inverse[p] = i; });
  return transposeTensor(new Tensor(data, perm.map((p) => t.shape[p]!)), inverse);
}

/**
 * Index of the largest value along `axis` (of the flattened tensor when omitted); ties give the
 * first index. Returned as float32 indices. Not differentiable.
 *
 * @example
 * ```ts
 * tk.argmax(tk.tensor([[1, 5], [7, 2]]), 1).toArray();   // [1, 0]
 * ```
 */
export function argmax(x: TensorLike, axis?: number): Tensor {
  return argReduceTensor('argmax', toTensor(x, 'argmax'), axis);
}

/**
 * Index of the smallest value along `axis` (of the flattened tensor when omitted).
 *
 * @example
 * ```ts
 * tk.argmin(tk.tensor([[1, 5], [7, 2]]), 1).toArray();   // [0, 1]
 * ```
 */
export function argmin(x: TensorLike, axis?: number): Tensor {
  return argReduceTensor('argmin', toTensor(x, 'argmin'), axis);
}
