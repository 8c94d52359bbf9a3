// 2-D pooling, forward and backward side by side, over NHWC windows (channels_first is transposed
// to NHWC and back, as in conv2d.ts).
//
//   max:      y = max over the window            dx[argmax] += dy   (the forward keeps the argmax)
//   average:  y = Σ window / (real cells)        dx[cell] += dy / (real cells)
//   global:   mean / max over the spatial axes   (composites of the reductions)
//
// Max pooling semantics (in the kernel): windows start at −Infinity, ties go to the FIRST cell
// in scan order, padded cells are never chosen, and overlapping windows that chose the same cell
// accumulate. Average pooling with 'same' padding divides by the number of cells inside the image.
// With the SIMD kernels the max pool forward runs in WebAssembly (engine.ts: maxPoolForward,
// the same bits and argmax as the JavaScript kernel); the backward is a JavaScript scatter-add.
//
// The backwards are gradient primitives, ops with derivatives of their own, so a gradient through
// a pooling layer can be differentiated again. Both are linear in dy, in adjoint pairs:
//   maxPoolGrad      dx[argmax] += dy        ↔  maxPoolGradGrad   y = g[argmax]   (a gather)
//   avgPoolGrad      dx[cell] += dy / cells  ↔  avgPool2d itself (avgPoolBackward is its exact adjoint)
// The argmax is piecewise constant in x, so none of them has a gradient for x (0 almost everywhere).

import { record } from '../autograd/tape.js';
import { poolGeometry, type Conv2DGeometry } from '../tensor/kernels/conv_geometry.js';
import { maxPoolForward } from '../tensor/kernels/engine.js';
import { avgPoolBackward, avgPoolForward, maxPoolBackward } from '../tensor/kernels/pool.js';
import { formatShape, shapesEqual, sizeOf } from '../tensor/shape.js';
import { Tensor, toTensor, type TensorLike } from '../tensor/tensor.js';
import { normalizeDataFormat, normalizePadding, pair } from './conv2d.js';
import { max, mean } from './reduce.js';
import { transpose } from './shape.js';

/**
 * Max pooling over `poolSize` windows: `[N, H, W, C]` → `[N, oh, ow, C]` (or NCHW with
 * `dataFormat: 'channels_first'`). `strides` defaults to `poolSize`, `padding` to 'valid'.
 * d/dx: dy routed to the chosen (argmax) cell of each window.
 *
 * @example
 * ```ts
 * const x = tk.tensor([1, 5, 3, 2, 8, 0, 4, 6, 7], [1, 3, 3, 1]);
 * maxPool2d(x, 2, 1).toArray();   // [[[[8], [8]], [[8], [8]]]]: the 8 is in all four windows
 * ```
 */
export function maxPool2d(
  x: TensorLike,
  poolSize: number | readonly number[],
  strides?: number | readonly number[] | null,
  padding = 'valid',
  dataFormat?: string,
): Tensor {
  return pooled('maxPool2d', x, poolSize, strides, padding, dataFormat, (t, g) => {
    const attrs = attrsOf(g, padding);
    const { y, argmax } = maxPoolWindows(t, g);
    return record('maxPool2d', [t], y, (dy) => [maxPoolGradOf(dy, t, g, argmax, attrs)], attrs, false);
  });
}

/** The max of each window and where it is (flat indices into x; −1 for an empty window). */
function maxPoolWindows(t: Tensor, g: Conv2DGeometry): { y: Tensor; argmax: Int32Array } {
  const y = new Float32Array(g.batch * g.outH * g.outW * g.inC);
  const argmax = new Int32Array(y.length);
  maxPoolForward(t.data, g, y, argmax);
  return { y: new Tensor(y, pooledShape(g)), argmax };
}

function pooledShape(g: Conv2DGeometry): number[] {
  return [g.batch, g.outH, g.outW, g.inC];
}

/**
 * Average pooling over `poolSize` windows; with 'same' padding each window is divided by its
 * cells inside the image only (Keras/TF). d/dx: dy spread equally over the window's real cells.
 *
 * @example
 * ```ts
 * avgPool2d(tk.tensor([1, 2, 3, 6], [1, 2, 2, 1]), 2).toArray();   // [[[[3]]]]
 * ```
 */
export function avgPool2d(
  x: TensorLike,
  poolSize: number | readonly number[],
  strides?: number | readonly number[] | null,
  padding = 'valid',
  dataFormat?: string,
): Tensor {
  return pooled('avgPool2d', x, poolSize, strides, padding, dataFormat, (t, g) => avgPoolNHWC(t, g, attrsOf(g, padding)));
}

function avgPoolNHWC(t: Tensor, g: Conv2DGeometry, attrs: Record<string, unknown>): Tensor {
  const y = new Float32Array(g.batch * g.outH * g.outW * g.inC);
  avgPoolForward(t.data, g, y);
  return record('avgPool2d', [t], new Tensor(y, pooledShape(g)), (dy) => [avgPoolGradOf(dy, t.shape, g, attrs)], attrs, false);
}

// ---- gradient primitives -------------------------------------------------------------------------

/**
 * Max pooling's backward (NHWC): each `dy` value added to the cell of x its window chose (the
 * first maximum in scan order), as a scatter-add.   d/ddy = maxPoolGradGrad(g, x);  d/dx = 0
 *
 * @example
 * ```ts
 * const x = tk.tensor([1, 5, 3, 2], [1, 2, 2, 1]);
 * maxPoolGrad(tk.tensor([7], [1, 1, 1, 1]), x, 2).toArray();   // [[[[0], [7]], [[0], [0]]]]
 * ```
 */
export function maxPoolGrad(dy: TensorLike, x: TensorLike, poolSize: number | readonly number[], strides?: number | readonly number[] | null, padding = 'valid'): Tensor {
  const [d, t, g, attrs] = poolGradArgs('maxPoolGrad', dy, x, poolSize, strides, padding);
  return maxPoolGradOf(d, t, g, maxPoolWindows(t, g).argmax, attrs);
}

/**
 * The adjoint of {@link maxPoolGrad} (NHWC): for each window of x, the value of `g` at the cell the
 * window chose, a gather (TensorFlow's MaxPoolGradGrad).   d/dg = maxPoolGrad(dy, x);  d/dx = 0
 *
 * @example
 * ```ts
 * const x = tk.tensor([1, 5, 3, 2], [1, 2, 2, 1]);
 * maxPoolGradGrad(tk.tensor([10, 20, 30, 40], [1, 2, 2, 1]), x, 2).toArray();   // [[[[20]]]]
 * ```
 */
export function maxPoolGradGrad(g: TensorLike, x: TensorLike, poolSize: number | readonly number[], strides?: number | readonly number[] | null, padding = 'valid'): Tensor {
  const op = 'maxPoolGradGrad';
  const gt = toTensor(g, op);
  const t = toTensor(x, op);
  const geometry = nhwcGeometry(op, t.shape, poolSize, strides, padding);
  if (!shapesEqual(gt.shape, t.shape)) throw new Error(`${op}: g ${formatShape(gt.shape)} must have x's shape ${formatShape(t.shape)}`);
  return maxPoolGradGradOf(gt, t, geometry, maxPoolWindows(t, geometry).argmax, attrsOf(geometry, padding));
}

function maxPoolGradOf(dy: Tensor, x: Tensor, g: Conv2DGeometry, argmax: Int32Array, attrs: Record<string, unknown>): Tensor {
  const dx = new Float32Array(x.size);
  maxPoolBackward(dy.data, argmax, dx);
  return record('maxPoolGrad', [dy, x], new Tensor(dx, x.shape), (gg) => [
    dy.requiresGrad ? maxPoolGradGradOf(gg, x, g, argmax, attrs) : null,
    null,
  ], attrs, false);
}

function maxPoolGradGradOf(gg: Tensor, x: Tensor, g: Conv2DGeometry, argmax: Int32Array, attrs: Record<string, unknown>): Tensor {
  const y = new Float32Array(argmax.length);
  const src = gg.data;
  for (let i = 0; i < y.length; i++) {
    const j = argmax[i]!;
    if (j >= 0) y[i] = src[j]!;
  }
  return record('maxPoolGradGrad', [gg, x], new Tensor(y, pooledShape(g)), (dy) => [
    gg.requiresGrad ? maxPoolGradOf(dy, x, g, argmax, attrs) : null,
    null,
  ], attrs, false);
}

/**
 * Average pooling's backward (NHWC): each `dy` value spread equally over the real cells of its
 * window, into a tensor of `inputShape` (the exact adjoint of the average pool).
 * d/ddy = avgPool2d(g)
 *
 * @example
 * ```ts
 * avgPoolGrad(tk.tensor([8], [1, 1, 1, 1]), [1, 2, 2, 1], 2).toArray();   // [[[[2], [2]], [[2], [2]]]]
 * ```
 */
export function avgPoolGrad(dy: TensorLike, inputShape: readonly number[], poolSize: number | readonly number[], strides?: number | readonly number[] | null, padding = 'valid'): Tensor {
  const op = 'avgPoolGrad';
  const d = toTensor(dy, op);
  const g = nhwcGeometry(op, inputShape, poolSize, strides, padding);
  return avgPoolGradOf(d, inputShape, g, attrsOf(g, padding));
}

function avgPoolGradOf(dy: Tensor, inputShape: readonly number[], g: Conv2DGeometry, attrs: Record<string, unknown>): Tensor {
  if (!shapesEqual(dy.shape, pooledShape(g))) {
    throw new Error(`avgPoolGrad: dy has shape ${formatShape(dy.shape)}, expected the pooled shape ${formatShape(pooledShape(g))}`);
  }
  const dx = new Float32Array(sizeOf(inputShape));
  avgPoolBackward(dy.data, g, dx);
  return record('avgPoolGrad', [dy], new Tensor(dx, inputShape), (gg) => [avgPoolNHWC(gg, g, attrs)], { ...attrs, inputShape: inputShape.slice() }, false);
}

/** The checked arguments of maxPoolGrad: dy in the pooled shape of x's windows. */
function poolGradArgs(op: string, dy: TensorLike, x: TensorLike, poolSize: number | readonly number[], strides: number | readonly number[] | null | undefined, padding: string): [Tensor, Tensor, Conv2DGeometry, Record<string, unknown>] {
  const d = toTensor(dy, op);
  const t = toTensor(x, op);
  const g = nhwcGeometry(op, t.shape, poolSize, strides, padding);
  if (!shapesEqual(d.shape, pooledShape(g))) {
    throw new Error(`${op}: dy has shape ${formatShape(d.shape)}, expected the pooled shape ${formatShape(pooledShape(g))} of x ${formatShape(t.shape)}`);
  }
  return [d, t, g, attrsOf(g, padding)];
}

/** The window geometry of an NHWC input shape (the gradient primitives are NHWC only). */
function nhwcGeometry(op: string, shape: readonly number[], poolSize: number | readonly number[], strides: number | readonly number[] | null | undefined, padding: string): Conv2DGeometry {
  const [pH, pW] = pair(op, 'poolSize', poolSize);
  const [sH, sW] = strides === undefined || strides === null ? [pH, pW] : pair(op, 'strides', strides);
  const pad = normalizePadding(op, padding);
  if (shape.length !== 4) throw new Error(`${op}: expected a rank-4 input shape [batch, height, width, channels], got ${formatShape(shape)}`);
  const [N, H, W, C] = shape as [number, number, number, number];
  const g = poolGeometry(N, H, W, C, pH, pW, sH, sW, pad);
  if (g.outH <= 0 || g.outW <= 0) {
    throw new Error(`${op}: input ${formatShape(shape)} with pool ${pH}×${pW} (strides ${sH}×${sW}), padding '${pad}' gives output size ${g.outH}×${g.outW}`);
  }
  return g;
}

/**
 * Mean over the spatial axes: `[N, H, W, C]` → `[N, C]` (`[N, 1, 1, C]` with keepDims; NCHW
 * with 'channels_first'). A composite of `mean`.
 *
 * @example
 * ```ts
 * globalAvgPool2d(tk.ones([2, 4, 4, 3])).shape;   // [2, 3]
 * ```
 */
export function globalAvgPool2d(x: TensorLike, dataFormat?: string, keepDims = false): Tensor {
  const t = toTensor(x, 'globalAvgPool2d');
  return mean(t, spatialAxes('globalAvgPool2d', t, dataFormat), keepDims);
}

/**
 * Max over the spatial axes: `[N, H, W, C]` → `[N, C]`. A composite of `max` (whose gradient
 * shares dy between tied maxima, as TensorFlow's reduce-max).
 *
 * @example
 * ```ts
 * globalMaxPool2d(tk.ones([2, 4, 4, 3]), 'channels_last', true).shape;   // [2, 1, 1, 3]
 * ```
 */
export function globalMaxPool2d(x: TensorLike, dataFormat?: string, keepDims = false): Tensor {
  const t = toTensor(x, 'globalMaxPool2d');
  return max(t, spatialAxes('globalMaxPool2d', t, dataFormat), keepDims);
}

// ---- shared plumbing ------------------------------------------------------------------------------

/** Checks the arguments, moves channels_first to NHWC and back, and runs `body` on NHWC data. */
function pooled(
  op: string,
  x: TensorLike,
  poolSize: number | readonly number[],
  strides: number | readonly number[] | null | undefined,
  padding: string,
  dataFormat: string | undefined,
  body: (t: Tensor, g: Conv2DGeometry) => Tensor,
): Tensor {
  const [pH, pW] = pair(op, 'poolSize', poolSize);
  const [sH, sW] = strides === undefined || strides === null ? [pH, pW] : pair(op, 'strides', strides);
  const pad = normalizePadding(op, padding);
  const channelsFirst = normalizeDataFormat(op, dataFormat) === 'channels_first';
  let t = toTensor(x, op);
  if (t.rank !== 4) throw new Error(`${op}: expected a rank-4 input [batch, ${channelsFirst ? 'channels, height, width' : 'height, width, channels'}], got shape ${formatShape(t.shape)}`);
  if (channelsFirst) t = transpose(t, [0, 2, 3, 1]);
  const [N, H, W, C] = t.shape as [number, number, number, number];
  const g = poolGeometry(N, H, W, C, pH, pW, sH, sW, pad);
  if (g.outH <= 0 || g.outW <= 0) {
    const shown = channelsFirst ? [N, C, H, W] : t.shape;
    throw new Error(`${op}: input ${formatShape(shown)} with pool ${pH}×${pW} (strides ${sH}×${sW}), padding '${pad}' gives output size ${g.outH}×${g.outW}`);
  }
  const y = body(t, g);
  return channelsFirst ? transpose(y, [0, 3, 1, 2]) : y;
}

/** What the tape shows a learner about a pooling node. */
function attrsOf(g: Conv2DGeometry, padding: string): Record<string, unknown> {
  return { poolSize: [g.kH, g.kW], strides: [g.strideH, g.strideW], padding: padding.toLowerCase() };
}

/** The height and width axes of a rank-4 input. */
function spatialAxes(op: string, t: Tensor, dataFormat: string | undefined): number[] {
  if (t.rank !== 4) throw new Error(`${op}: expected a rank-4 input, got shape ${formatShape(t.shape)}`);
  return normalizeDataFormat(op, dataFormat) === 'channels_first' ? [2, 3] : [1, 2];
}
