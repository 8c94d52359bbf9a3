// 3-D convolution, forward and backward side by side: vol2col + GEMM, conv2d one dimension up.
//
//   y = conv3d(x, W) + b     x [N, D, H, W, C] (NDHWC)   W [kd, kh, kw, C, F]   b [F]
//
//   Y[N·oD·oH·oW, F] = cols(x)[N·oD·oH·oW, kd·kh·kw·C] · W[kd·kh·kw·C, F]      (kernels/vol2col.ts)
//   dx = col2vol(dy·Wᵀ) = conv3dBackpropInput(dy, W)      dW = cols(x)ᵀ·dy = conv3dBackpropFilter(dy, x)
//   db = Σ dy over N, oD, oH, oW
//
// The three are bilinear and each other's derivatives, as conv2d's:
//   conv3dBackpropInput:   d/ddy = conv3d(g, W);   d/dW = conv3dBackpropFilter(dy, g)
//   conv3dBackpropFilter:  d/ddy = conv3d(x, g);   d/dx = conv3dBackpropInput(dy, g)
// The products run on the engine's GEMM (gemmAuto: SIMD and threads when chosen), the batch in
// chunks of whole volumes so the patch buffer stays bounded (MAX_COLS_FLOATS, as conv2d).

import { record } from '../autograd/tape.js';
import { gemmAuto } from '../tensor/kernels/engine.js';
import { col2vol, conv3dGeometry, vol2col, type Conv3DGeometry } from '../tensor/kernels/vol2col.js';
import { formatShape, shapesEqual, sizeOf } from '../tensor/shape.js';
import { Tensor, toTensor, type TensorLike } from '../tensor/tensor.js';
import { MAX_COLS_FLOATS, normalizeDataFormat, normalizePadding } from './conv2d.js';
import { sum } from './reduce.js';
import { transpose } from './shape.js';
import type { Padding } from '../tensor/kernels/conv_geometry.js';

/** Options of {@link conv3d} (TF.js spelling). */
export interface Conv3DOptions {
  /** Step between windows: a number or [depth, height, width]. Default 1. */
  strides?: number | readonly number[];
  /** 'valid' (default) or 'same' (output ceil(n/s), TF's split), in any case. */
  padding?: string;
  /** Spacing between kernel taps: a number or [depth, height, width]. Default 1. */
  dilations?: number | readonly number[];
  /** 'channels_last' (NDHWC, default) or 'channels_first' (NCDHW); also 'channelsLast'/'NDHWC'/... */
  dataFormat?: string;
}

/** The window of a 3-D convolution: strides, dilations and padding per axis (depth, height, width). */
interface Window3D {
  strides: number[];
  dilations: number[];
  padding: Padding;
}

/**
 * 3-D convolution of a batch of volumes with a Keras kernel `[kd, kh, kw, inChannels, filters]`,
 * plus an optional bias `[filters]`. Output size per axis as conv2d's: 'valid'
 * `floor((n − d·(k−1) − 1)/s) + 1`, 'same' `ceil(n/s)` with TF's split. One primitive on the tape.
 *
 * d/dx = conv3dBackpropInput(dy, W);  d/dW = conv3dBackpropFilter(dy, x);  d/db = Σ dy
 *
 * @example
 * ```ts
 * conv3d(tk.ones([1, 3, 3, 3, 1]), tk.ones([2, 2, 2, 1, 1])).reshape([8]).toArray();   // eight 8s: each window sums 8 ones
 * conv3d(tk.zeros([2, 8, 8, 8, 3]), tk.zeros([3, 3, 3, 3, 4]), { strides: 2, padding: 'same' }).shape;   // [2, 4, 4, 4, 4]
 * ```
 */
export function conv3d(x: TensorLike, kernel: TensorLike, options: Conv3DOptions = {}, bias?: TensorLike | null): Tensor {
  const op = 'conv3d';
  const window = windowOf(op, options);
  const channelsFirst = dataFormatOf(op, options.dataFormat) === 'channels_first';
  let t = toTensor(x, op);
  const w = toTensor(kernel, op);
  const b = bias === undefined || bias === null ? null : toTensor(bias, op);
  if (t.rank !== 5) throw new Error(`${op}: expected a rank-5 input [batch, ${channelsFirst ? 'channels, depth, height, width' : 'depth, height, width, channels'}], got shape ${formatShape(t.shape)}`);
  if (channelsFirst) t = transpose(t, [0, 2, 3, 4, 1]);
  const g = geometryOf(op, t.shape, w.shape, window);
  const F = w.shape[4]!;
  if (b !== null && (b.rank !== 1 || b.shape[0] !== F)) {
    throw new Error(`${op}: bias ${formatShape(b.shape)} must have shape [${F}] to match the ${F} filters of kernel ${formatShape(w.shape)}`);
  }
  const y = conv3dNDHWC(t, w, b, g, window, MAX_COLS_FLOATS);
  return channelsFirst ? transpose(y, [0, 4, 1, 2, 3]) : y;
}

/**
 * conv3d's gradient for its input (NDHWC): `col2vol(dy·Wᵀ)`, a transposed 3-D convolution of dy
 * (`[N, oD, oH, oW, F]`) with the kernel `[kd, kh, kw, C, F]`, into a tensor of `inputShape`
 * `[N, D, H, W, C]`; the window geometry is the forward's, given by `options`.
 *
 * d/ddy = conv3d(g, W);  d/dW = conv3dBackpropFilter(dy, g)
 *
 * @example
 * ```ts
 * conv3dBackpropInput(tk.ones([1, 1, 1, 1, 1]), tk.ones([2, 2, 2, 1, 1]), [1, 2, 2, 2, 1]).reshape([8]).toArray();   // eight 1s
 * ```
 */
export function conv3dBackpropInput(dy: TensorLike, kernel: TensorLike, inputShape: readonly number[], options: Conv3DOptions = {}): Tensor {
  const op = 'conv3dBackpropInput';
  const window = nhwcWindowOf(op, options);
  const d = toTensor(dy, op);
  const w = toTensor(kernel, op);
  const g = geometryOf(op, inputShape, w.shape, window);
  checkOutputShape(op, d, g, w.shape[4]!);
  return backpropInput(d, w, inputShape, g, window, MAX_COLS_FLOATS);
}

/**
 * conv3d's gradient for its kernel (NDHWC): `cols(x)ᵀ·dy` summed over the batch, into a kernel of
 * `kernelShape` `[kd, kh, kw, C, F]`.
 *
 * d/ddy = conv3d(x, g);  d/dx = conv3dBackpropInput(dy, g)
 *
 * @example
 * ```ts
 * conv3dBackpropFilter(tk.ones([1, 1, 1, 1, 1]), tk.tensor([1, 2, 3, 4, 5, 6, 7, 8], [1, 2, 2, 2, 1]), [2, 2, 2, 1, 1]).reshape([8]).toArray();
 * // [1, 2, 3, 4, 5, 6, 7, 8]: one window, each tap sees one voxel
 * ```
 */
export function conv3dBackpropFilter(dy: TensorLike, x: TensorLike, kernelShape: readonly number[], options: Conv3DOptions = {}): Tensor {
  const op = 'conv3dBackpropFilter';
  const window = nhwcWindowOf(op, options);
  const d = toTensor(dy, op);
  const t = toTensor(x, op);
  const g = geometryOf(op, t.shape, kernelShape, window);
  checkOutputShape(op, d, g, kernelShape[4]!);
  return backpropFilter(d, t, kernelShape, g, window, MAX_COLS_FLOATS);
}

// ---- the three primitives ------------------------------------------------------------------------

/**
 * The conv3d primitive on NDHWC data. `maxColsFloats` bounds the patch buffer (tests pass a small
 * one to exercise chunking). Exported for tests; use {@link conv3d}.
 */
export function conv3dNDHWC(x: Tensor, kernel: Tensor, bias: Tensor | null, g: Conv3DGeometry, window: Window3D, maxColsFloats: number): Tensor {
  const F = kernel.shape[4]!;
  const { P, K, chunk } = chunking(g, maxColsFloats);
  const y = new Float32Array(g.batch * P * F);
  const cols = colsBuffer(chunk * P * K, maxColsFloats);
  const epilogue = bias === null ? null : { bias: bias.data, relu: false };
  for (let b0 = 0; b0 < g.batch; b0 += chunk) {
    const count = Math.min(chunk, g.batch - b0);
    vol2col(x.data, g, b0, count, cols); // cols = vol2col(x); y = cols·W + b
    gemmAuto(false, false, count * P, F, K, cols, 0, K, kernel.data, 0, F, y, b0 * P * F, F, false, epilogue);
  }
  const out = new Tensor(y, [g.batch, g.outD, g.outH, g.outW, F]);
  return record('conv3d', bias === null ? [x, kernel] : [x, kernel, bias], out, (dy) => [
    x.requiresGrad ? backpropInput(dy, kernel, x.shape, g, window, maxColsFloats) : null,
    kernel.requiresGrad ? backpropFilter(dy, x, kernel.shape, g, window, maxColsFloats) : null,
    bias !== null && bias.requiresGrad ? sum(dy, [0, 1, 2, 3]) : null,
  ], attrsOf(window));
}

function backpropInput(dy: Tensor, kernel: Tensor, inputShape: readonly number[], g: Conv3DGeometry, window: Window3D, maxColsFloats: number): Tensor {
  const F = kernel.shape[4]!;
  const { P, K, chunk } = chunking(g, maxColsFloats);
  const dx = new Float32Array(sizeOf(inputShape));
  const cols = colsBuffer(chunk * P * K, maxColsFloats);
  for (let b0 = 0; b0 < g.batch; b0 += chunk) {
    const count = Math.min(chunk, g.batch - b0);
    // dcols = dy·Wᵀ for this chunk, scatter-added back into the volume.
    gemmAuto(false, true, count * P, K, F, dy.data, b0 * P * F, F, kernel.data, 0, F, cols, 0, K, false);
    col2vol(cols, g, b0, count, dx);
  }
  return record('conv3dBackpropInput', [dy, kernel], new Tensor(dx, inputShape), (gx) => [
    dy.requiresGrad ? conv3dNDHWC(gx, kernel, null, g, window, maxColsFloats) : null,
    kernel.requiresGrad ? backpropFilter(dy, gx, kernel.shape, g, window, maxColsFloats) : null,
  ], attrsOf(window));
}

function backpropFilter(dy: Tensor, x: Tensor, kernelShape: readonly number[], g: Conv3DGeometry, window: Window3D, maxColsFloats: number): Tensor {
  const F = kernelShape[4]!;
  const { P, K, chunk } = chunking(g, maxColsFloats);
  const dW = new Float32Array(sizeOf(kernelShape));
  const cols = colsBuffer(chunk * P * K, maxColsFloats);
  for (let b0 = 0; b0 < g.batch; b0 += chunk) {
    const count = Math.min(chunk, g.batch - b0);
    vol2col(x.data, g, b0, count, cols); // dW += colsᵀ·dy over this chunk
    gemmAuto(true, false, K, F, count * P, cols, 0, K, dy.data, b0 * P * F, F, dW, 0, F, b0 > 0);
  }
  return record('conv3dBackpropFilter', [dy, x], new Tensor(dW, kernelShape), (gw) => [
    dy.requiresGrad ? conv3dNDHWC(x, gw, null, g, window, maxColsFloats) : null,
    x.requiresGrad ? backpropInput(dy, gw, x.shape, g, window, maxColsFloats) : null,
  ], attrsOf(window));
}

/** Rows (output voxels per volume) and columns of the patch matrix, and volumes per chunk. */
function chunking(g: Conv3DGeometry, maxColsFloats: number): { P: number; K: number; chunk: number } {
  const P = g.outD * g.outH * g.outW;
  const K = g.kD * g.kH * g.kW * g.inC;
  const perChunk = Math.max(1, Math.floor(maxColsFloats / Math.max(1, P * K)));
  return { P, K, chunk: Math.ceil(g.batch / Math.max(1, Math.ceil(g.batch / perChunk))) };
}

// The patch buffer, reused by every call (as conv2d's); kept only up to the bound.
let sharedCols = new Float32Array(0);

function colsBuffer(floats: number, bound: number): Float32Array {
  if (floats > Math.max(bound, MAX_COLS_FLOATS)) return new Float32Array(floats);
  if (sharedCols.length < floats) sharedCols = new Float32Array(floats);
  return sharedCols;
}

// ---- argument checks -----------------------------------------------------------------------------

/** A positive integer or a list of three, as [depth, height, width]. */
export function triple(who: string, what: string, value: unknown): number[] {
  const v = typeof value === 'number' ? [value, value, value] : value;
  if (!Array.isArray(v) || v.length !== 3 || !v.every((d) => typeof d === 'number' && Number.isInteger(d) && d >= 1)) {
    throw new Error(`${who}: ${what} must be a positive integer or a list of 3 of them, got ${JSON.stringify(value)}`);
  }
  return v.slice() as number[];
}

/** 'channels_last' | 'channels_first' from Keras, TF.js ('channelsLast') or TF ('NDHWC') spelling. */
function dataFormatOf(who: string, format: unknown): 'channels_last' | 'channels_first' {
  if (typeof format === 'string') {
    const key = format.toLowerCase();
    if (key === 'ndhwc') return 'channels_last';
    if (key === 'ncdhw') return 'channels_first';
  }
  try {
    return normalizeDataFormat(who, format);
  } catch {
    throw new Error(`${who}: dataFormat must be 'channels_last' or 'channels_first' (also 'channelsLast', 'NDHWC', ...), got ${JSON.stringify(format)}`);
  }
}

function windowOf(op: string, options: Conv3DOptions): Window3D {
  return {
    strides: triple(op, 'strides', options.strides ?? 1),
    dilations: triple(op, 'dilations', options.dilations ?? 1),
    padding: normalizePadding(op, options.padding ?? 'valid'),
  };
}

function nhwcWindowOf(op: string, options: Conv3DOptions): Window3D {
  if (dataFormatOf(op, options.dataFormat) !== 'channels_last') {
    throw new Error(`${op}: works on NDHWC (channels_last) tensors; transpose channels_first data first, as conv3d does`);
  }
  return windowOf(op, options);
}

function attrsOf(window: Window3D): Record<string, unknown> {
  return { strides: window.strides, padding: window.padding, dilations: window.dilations };
}

function geometryOf(op: string, xShape: readonly number[], kernelShape: readonly number[], window: Window3D): Conv3DGeometry {
  if (xShape.length !== 5) throw new Error(`${op}: expected a rank-5 input [batch, depth, height, width, channels], got shape ${formatShape(xShape)}`);
  if (kernelShape.length !== 5) throw new Error(`${op}: expected a rank-5 kernel [kd, kh, kw, inChannels, filters], got shape ${formatShape(kernelShape)}`);
  const [N, D, H, W, C] = xShape as [number, number, number, number, number];
  const [kD, kH, kW, kC, F] = kernelShape as [number, number, number, number, number];
  if (kC !== C) {
    throw new Error(`${op}: input ${formatShape(xShape)} has ${C} channels but kernel ${formatShape(kernelShape)} expects ${kC} (kernel layout [kd, kh, kw, inChannels, filters])`);
  }
  if (kD < 1 || kH < 1 || kW < 1 || F < 1) throw new Error(`${op}: kernel ${formatShape(kernelShape)} must have kd, kh, kw and filters ≥ 1`);
  const g = conv3dGeometry(N, D, H, W, C, [kD, kH, kW], window.strides, window.dilations, window.padding);
  if (g.outD <= 0 || g.outH <= 0 || g.outW <= 0) {
    throw new Error(`${op}: input ${formatShape(xShape)} with kernel ${kD}×${kH}×${kW} (strides ${window.strides.join('×')}, dilations ${window.dilations.join('×')}), padding '${window.padding}' gives output size ${g.outD}×${g.outH}×${g.outW}`);
  }
  return g;
}

function checkOutputShape(op: string, dy: Tensor, g: Conv3DGeometry, F: number): void {
  const expected = [g.batch, g.outD, g.outH, g.outW, F];
  if (!shapesEqual(dy.shape, expected)) {
    throw new Error(`${op}: dy has shape ${formatShape(dy.shape)}, expected the convolution's output shape ${formatShape(expected)}`);
  }
}
