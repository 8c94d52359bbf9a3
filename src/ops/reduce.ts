// Reductions over axes, forward and backward side by side. `axis` is a number, a list, or
// undefined/null for all axes; `keepDims` keeps reduced axes as size 1.

import { record } from '../autograd/tape.js';
import { argReduceTensor, binaryTensor, broadcastToTensor, reduceTensor, reductionLayout, transposeTensor } from '../tensor/compute.js';
import { normalizeAxes } from '../tensor/shape.js';
import { Tensor, toTensor, type TensorLike } from '../tensor/tensor.js';

/** The axes a reduction runs over: one axis, a list (negative counts from the end), or null/undefined for all. */
export type Axis = number | number[] | null | undefined;

/**
 * Repeats `x` along its size-1 (and missing leading) axes to `shape`.
 * d/dx = dy summed back to x's shape (the tape walker does that for every op).
 *
 * @example
 * ```ts
 * tk.broadcastTo(tk.tensor([1, 2]), [2, 2]).toArray();   // [[1, 2], [1, 2]]
 * ```
 */
export function broadcastTo(x: TensorLike, shape: readonly number[]): Tensor {
  const t = toTensor(x, 'broadcastTo');
  return record('broadcastTo', [t], broadcastToTensor(t, shape), (dy) => [dy], { shape: shape.slice() }, false);
}

/** dy of a reduction, shaped back to broadcast against the input. */
function expandGrad(dy: Tensor, keptShape: readonly number[], inputShape: readonly number[]): Tensor {
  return broadcastToTensor(new Tensor(dy.data, keptShape), inputShape);
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
  return record('mean', [t], out, (dy) => [binaryTensor('div', expandGrad(dy, kept, t.shape), new Tensor(new Float32Array([count]), []))], { axis, keepDims }, false);
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
    const hit = binaryTensor('equal', t, new Tensor(out.data, kept));
    const ties = reduceTensor('sum', hit, axis, true);
    const share = binaryTensor('div', new Tensor(dy.data, kept), ties);
    return [binaryTensor('mul', hit, share)];
  }, { axis, keepDims });
}

/**
 * Product over `axis`, accumulated in float64.   d/dx_i = dy·Π_{j≠i} x_j
 * (computed from prefix and suffix products, so zeros in x are handled exactly).
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
