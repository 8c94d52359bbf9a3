// 3-D pooling, forward and backward side by side, over NDHWC windows (channels_first is transposed
// to NDHWC and back): pool.ts one dimension up, with its semantics.
//
//   max:      y = max over the window            dx[argmax] += dy   (the forward keeps the argmax)
//   average:  y = Σ window / (real cells)        dx[cell] += dy / (real cells)
//
// The backwards are gradient primitives with derivatives of their own, linear in dy, in adjoint
// pairs (so a gradient through a pooling layer can be differentiated again):
//   maxPool3dGrad    dx[argmax] += dy        ↔  maxPool3dGradGrad   y = g[argmax]   (a gather)
//   avgPool3dGrad    dx[cell] += dy / cells  ↔  avgPool3d itself
// The argmax is piecewise constant in x, so none of them has a gradient for x (0 almost everywhere).

import { record } from '../autograd/tape.js';
import { maxPoolBackward } from '../tensor/kernels/pool.js';
import { avgPool3dBackward, avgPool3dForward, maxPool3dForward } from '../tensor/kernels/pool3d.js';
import { conv3dGeometry, type Conv3DGeometry } from '../tensor/kernels/vol2col.js';
import { formatShape, sizeOf } from '../tensor/shape.js';
import { Tensor, toTensor, type TensorLike } from '../tensor/tensor.js';
import { normalizeDataFormat, normalizePadding } from './conv2d.js';
import { triple } from './conv3d.js';
import { transpose } from './shape.js';

/**
 * Max pooling over `poolSize` windows of volumes: `[N, D, H, W, C]` → `[N, oD, oH, oW, C]` (or
 * NCDHW with `dataFormat: 'channels_first'`). `strides` defaults to `poolSize`, `padding` to
 * 'valid'. d/dx: dy routed to the chosen (argmax, first on ties) cell of each window.
 *
 * @example
 * ```ts
 * const x = tk.tensor([3, 1, 4, 1, 5, 9, 2, 6], [1, 2, 2, 2, 1]);
 * maxPool3d(x, 2).reshape([1]).toArray();   // [9]
 * ```
 */
export function maxPool3d(x: TensorLike, poolSize: number | readonly number[], strides?: number | readonly number[] | null, padding = 'valid', dataFormat?: string): Tensor {
  return pooled('maxPool3d', x, poolSize, strides, padding, dataFormat, (t, g, attrs) => {
    const y = new Float32Array(g.batch * g.outD * g.outH * g.outW * g.inC);
    const argmax = new Int32Array(y.length);
    maxPool3dForward(t.data, g, y, argmax);
    return record('maxPool3d', [t], new Tensor(y, pooledShape(g)), (dy) => [maxPool3dGrad(dy, t, g, argmax, attrs)], attrs, false);
  });
}

/**
 * Average pooling over `poolSize` windows of volumes; with 'same' padding each window is divided
 * by its cells inside the volume only (Keras/TF). d/dx: dy spread equally over the real cells.
 *
 * @example
 * ```ts
 * avgPool3d(tk.tensor([1, 2, 3, 4, 5, 6, 7, 8], [1, 2, 2, 2, 1]), 2).reshape([1]).toArray();   // [4.5]
 * ```
 */
export function avgPool3d(x: TensorLike, poolSize: number | readonly number[], strides?: number | readonly number[] | null, padding = 'valid', dataFormat?: string): Tensor {
  return pooled('avgPool3d', x, poolSize, strides, padding, dataFormat, (t, g, attrs) => avgPool3dNDHWC(t, g, attrs));
}

function avgPool3dNDHWC(t: Tensor, g: Conv3DGeometry, attrs: Record<string, unknown>): Tensor {
  const y = new Float32Array(g.batch * g.outD * g.outH * g.outW * g.inC);
  avgPool3dForward(t.data, g, y);
  return record('avgPool3d', [t], new Tensor(y, pooledShape(g)), (dy) => [avgPool3dGrad(dy, t.shape, g, attrs)], attrs, false);
}

// ---- gradient primitives -------------------------------------------------------------------------

/** Max pooling's backward: each dy added to the cell its window chose.  d/ddy = maxPool3dGradGrad(g);  d/dx = 0 */
function maxPool3dGrad(dy: Tensor, x: Tensor, g: Conv3DGeometry, argmax: Int32Array, attrs: Record<string, unknown>): Tensor {
  const dx = new Float32Array(x.size);
  maxPoolBackward(dy.data, argmax, dx);
  return record('maxPool3dGrad', [dy, x], new Tensor(dx, x.shape), (gg) => [
    dy.requiresGrad ? maxPool3dGradGrad(gg, x, g, argmax, attrs) : null,
    null,
  ], attrs, false);
}

/** The adjoint of maxPool3dGrad: the value of g at each window's chosen cell.  d/dg = maxPool3dGrad(dy);  d/dx = 0 */
function maxPool3dGradGrad(gg: Tensor, x: Tensor, g: Conv3DGeometry, argmax: Int32Array, attrs: Record<string, unknown>): Tensor {
  const y = new Float32Array(argmax.length);
  const src = gg.data;
  for (let i = 0; i < y.length; i++) {
    const j = argmax[i]!;
    if (j >= 0) y[i] = src[j]!;
  }
  return record('maxPool3dGradGrad', [gg, x], new Tensor(y, pooledShape(g)), (dy) => [
    gg.requiresGrad ? maxPool3dGrad(dy, x, g, argmax, attrs) : null,
    null,
  ], attrs, false);
}

/** Average pooling's backward (its exact adjoint), into a tensor of `inputShape`.  d/ddy = avgPool3d(g) */
function avgPool3dGrad(dy: Tensor, inputShape: readonly number[], g: Conv3DGeometry, attrs: Record<string, unknown>): Tensor {
  const dx = new Float32Array(sizeOf(inputShape));
  avgPool3dBackward(dy.data, g, dx);
  return record('avgPool3dGrad', [dy], new Tensor(dx, inputShape), (gg) => [avgPool3dNDHWC(gg, g, attrs)], attrs, false);
}

// ---- shared plumbing ------------------------------------------------------------------------------

function pooledShape(g: Conv3DGeometry): number[] {
  return [g.batch, g.outD, g.outH, g.outW, g.inC];
}

/** Checks the arguments, moves channels_first to NDHWC and back, and runs `body` on NDHWC data. */
function pooled(
  op: string,
  x: TensorLike,
  poolSize: number | readonly number[],
  strides: number | readonly number[] | null | undefined,
  padding: string,
  dataFormat: string | undefined,
  body: (t: Tensor, g: Conv3DGeometry, attrs: Record<string, unknown>) => Tensor,
): Tensor {
  const pool = triple(op, 'poolSize', poolSize);
  const step = strides === undefined || strides === null ? pool : triple(op, 'strides', strides);
  const pad = normalizePadding(op, padding);
  const channelsFirst = normalizeDataFormat(op, dataFormat) === 'channels_first';
  let t = toTensor(x, op);
  if (t.rank !== 5) throw new Error(`${op}: expected a rank-5 input [batch, ${channelsFirst ? 'channels, depth, height, width' : 'depth, height, width, channels'}], got shape ${formatShape(t.shape)}`);
  if (channelsFirst) t = transpose(t, [0, 2, 3, 4, 1]);
  const [N, D, H, W, C] = t.shape as [number, number, number, number, number];
  const g = conv3dGeometry(N, D, H, W, C, pool, step, [1, 1, 1], pad);
  if (g.outD <= 0 || g.outH <= 0 || g.outW <= 0) {
    const shown = channelsFirst ? [N, C, D, H, W] : t.shape;
    throw new Error(`${op}: input ${formatShape(shown)} with pool ${pool.join('×')} (strides ${step.join('×')}), padding '${pad}' gives output size ${g.outD}×${g.outH}×${g.outW}`);
  }
  const y = body(t, g, { poolSize: pool, strides: step, padding: pad });
  return channelsFirst ? transpose(y, [0, 4, 1, 2, 3]) : y;
}
