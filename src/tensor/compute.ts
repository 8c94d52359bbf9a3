// Tensor-level wrappers of the kernels: shapes checked, output allocated, nothing recorded.
// Ops (src/ops) call these for their forward passes and add the tape on top.

import { Tensor } from './tensor.js';
import { broadcastShapes, formatShape, normalizeAxes, sizeOf, type Shape } from './shape.js';
import { binary, unary, type BinaryKernelOp, type UnaryKernelOp } from './kernels/elementwise.js';
import { argReduce, reduce, type ArgReduceKernelOp, type ReduceKernelOp } from './kernels/reduce.js';
import { transpose } from './kernels/transpose.js';

/** a ∘ b with NumPy broadcasting; `name` is the op named in a broadcast error. */
export function binaryTensor(op: BinaryKernelOp, a: Tensor, b: Tensor, name: string = op): Tensor {
  const shape = broadcastShapes(a.shape, b.shape, name);
  const out = new Float32Array(sizeOf(shape));
  binary(op, a.data, a.shape, b.data, b.shape, out, shape);
  return new Tensor(out, shape);
}

/** f(x) elementwise. */
export function unaryTensor(op: UnaryKernelOp, x: Tensor): Tensor {
  const out = new Float32Array(x.size);
  unary(op, x.data, out);
  return new Tensor(out, x.shape);
}

/** Axes permuted: output axis i is input axis perm[i]. */
export function transposeTensor(x: Tensor, perm: readonly number[]): Tensor {
  const shape = perm.map((p) => x.shape[p]!);
  const out = new Float32Array(x.size);
  transpose(x.data, x.shape, perm, out);
  return new Tensor(out, shape);
}

/**
 * How a reduction over `axes` sees `x`: as a contiguous [outer, reduced, inner] array. When the
 * axes are not neighbours, the kept axes are moved to the front and the reduced ones to the
 * back first (one transpose), so inner = 1.
 */
export interface ReductionLayout {
  data: Float32Array;
  outer: number;
  reduced: number;
  inner: number;
  /** The result's shape without the reduced axes. */
  outShape: number[];
  /** The result's shape with the reduced axes kept as 1 (for broadcasting back). */
  keptShape: number[];
}

export function reductionLayout(x: Tensor, axis: number | readonly number[] | null | undefined, op: string): ReductionLayout {
  const axes = normalizeAxes(axis, x.rank, op);
  const isReduced = x.shape.map((_, i) => axes.includes(i));
  const outShape = x.shape.filter((_, i) => !isReduced[i]);
  const keptShape = x.shape.map((d, i) => (isReduced[i] ? 1 : d));
  const reduced = axes.reduce((s, a) => s * x.shape[a]!, 1);
  const contiguous = axes.length === 0 || axes[axes.length - 1]! - axes[0]! === axes.length - 1;
  if (contiguous) {
    const first = axes.length === 0 ? x.rank : axes[0]!;
    const last = axes.length === 0 ? x.rank : axes[axes.length - 1]! + 1;
    return {
      data: x.data,
      outer: sizeOf(x.shape.slice(0, first)),
      reduced,
      inner: sizeOf(x.shape.slice(last)),
      outShape,
      keptShape,
    };
  }
  const perm = [...x.shape.keys()].filter((i) => !isReduced[i]).concat(axes);
  const moved = transposeTensor(x, perm);
  return { data: moved.data, outer: sizeOf(outShape), reduced, inner: 1, outShape, keptShape };
}

/** sum/prod/max/min over `axis` (all by default). */
export function reduceTensor(op: ReduceKernelOp, x: Tensor, axis: number | readonly number[] | null | undefined, keepDims: boolean, name: string = op): Tensor {
  const L = reductionLayout(x, axis, name);
  if (L.reduced === 0 && (op === 'max' || op === 'min')) {
    throw new Error(`${name}: cannot take the ${op} over an empty axis of a tensor with shape ${formatShape(x.shape)}`);
  }
  const out = new Float32Array(L.outer * L.inner);
  reduce(op, L.data, L.outer, L.reduced, L.inner, out);
  return new Tensor(out, keepDims ? L.keptShape : L.outShape);
}

/** argmax/argmin along one axis (the flattened tensor when `axis` is undefined). */
export function argReduceTensor(op: ArgReduceKernelOp, x: Tensor, axis: number | undefined): Tensor {
  const flat = axis === undefined;
  const src = flat ? new Tensor(x.data, [x.size]) : x;
  const L = reductionLayout(src, flat ? 0 : axis, op);
  if (L.reduced === 0) throw new Error(`${op}: cannot take the ${op} over an empty axis of a tensor with shape ${formatShape(x.shape)}`);
  const out = new Float32Array(L.outer * L.inner);
  argReduce(op, L.data, L.outer, L.reduced, L.inner, out);
  return new Tensor(out, L.outShape);
}

/** x repeated along its size-1 (or missing leading) axes to fill `shape`. */
export function broadcastToTensor(x: Tensor, shape: Shape, name = 'broadcastTo'): Tensor {
  const target = broadcastShapes(x.shape, shape, name);
  if (target.length !== shape.length || target.some((d, i) => d !== shape[i])) {
    throw new Error(`${name}: cannot broadcast ${formatShape(x.shape)} to ${formatShape(shape)}`);
  }
  const out = new Float32Array(sizeOf(shape));
  // NOTE: adding -0 (not +0) is the identity for every float, -0 included (-0 + +0 is +0).
  const zero = new Float32Array([-0]);
  binary('add', x.data, x.shape, zero, [], out, shape);
  return new Tensor(out, shape);
}
