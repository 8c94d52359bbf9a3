// 2-D convolution, forward and backward side by side: im2col + GEMM.
//
//   y = act(conv(x, W) + b)      x [N, H, W, C] (NHWC)   W [kh, kw, C, F]   b [F]   act: linear | relu
//
// Unrolling every receptive field of x into one row of a matrix (im2col) turns the convolution
// into ONE matrix product, with a row per output pixel and a column per filter:
//
//   Y[N·oh·ow, F] = cols(x)[N·oh·ow, kh·kw·C] · W[kh·kw·C, F]          (W read in place)
//   dz = dy·[y > 0] with relu fused, else dz = dy
//   dx = col2im(dz · Wᵀ)        dW = cols(x)ᵀ · dz        db = Σ dz over N, oh, ow
//
// The batch is processed in chunks of whole images so the im2col buffer stays bounded (see
// MAX_COLS_FLOATS); the forward adds the bias and applies relu to each chunk's output right after
// its GEMM, while that block is still in cache. The backward recomputes each chunk's patches
// instead of keeping the forward's: keeping them would hold about kh·kw times the size of x per
// layer until the backward pass (9× for 3×3: 4.5 MB for the second MNIST layer at batch 32) and
// unbound the memory the chunks bound, while a second im2col costs ~2% of the layer's GEMMs
// (0.6 ms next to 25 ms there).
//
// The engine (kernels/engine.ts: convForward, convBackward) runs these steps in WebAssembly with
// the SIMD kernels; with the JavaScript kernels, 3×3 stride-1 layers of ≥ 16 channels go through
// Winograd's F(2×2, 3×3) instead (kernels/winograd.ts): the same convolution in 2.25× fewer
// multiply-adds, its backward the adjoint of each of its steps.
//
// Gradients of gradients. The two halves of the backward are gradient primitives, ops of their
// own that call the same engine entry point (convBackward, with the other half switched off):
//
//   conv2dBackpropInput(dz, W)    = col2im(dz·Wᵀ): a TRANSPOSED convolution of dz with W
//                                   (Conv2DTranspose's forward is exactly this op)
//   conv2dBackpropFilter(dz, x)   = cols(x)ᵀ·dz: a CONVOLUTION of x with dz (the output pixels
//                                   and the batch are summed over)
//
// The three are bilinear and each other's derivatives: conv2d's dx is conv2dBackpropInput and
// its dW conv2dBackpropFilter; conv2dBackpropInput's d/ddz is conv2d(g, W) and its d/dW
// conv2dBackpropFilter(dz, g); conv2dBackpropFilter's d/ddz is conv2d(x, g) and its d/dx
// conv2dBackpropInput(dz, g). A recorded backward (a second derivative is wanted) calls them, with
// reluGrad for a fused relu and a sum for the bias; otherwise the backward stays one fused pass:
// the relu mask and the bias sums together (reluBackward), and dx and dW from one walk over the
// chunks (convBackward, sharing Winograd's transform of dz).

import { isRecording, record } from '../autograd/tape.js';
import { conv2dGeometry, type Conv2DGeometry, type Padding } from '../tensor/kernels/conv_geometry.js';
import { convBackward, convForward, convUsesWinograd, reluBackward } from '../tensor/kernels/engine.js';
import { columnSums } from '../tensor/kernels/epilogue.js';
import { formatShape, shapesEqual, sizeOf } from '../tensor/shape.js';
import { Tensor, toTensor, type TensorLike } from '../tensor/tensor.js';
import { sum } from './reduce.js';
import { transpose } from './shape.js';
import { reluGrad } from './unary.js';

/**
 * The im2col buffer holds at most this many floats (2²⁰ floats = 4 MiB): a chunk is as many images
 * as fit, or ONE image if a single image's patches exceed it (then the buffer is that image's
 * size). 4 MiB keeps the whole MNIST batch of 32 in one or two chunks; smaller chunks measured no
 * faster (GEMM cost dominates), and much larger ones only cost memory.
 */
export const MAX_COLS_FLOATS = 1 << 20;

/** Window geometry of a convolution, per spatial axis (height, width). */
export interface ConvWindow {
  strides: [number, number];
  dilations: [number, number];
  padding: Padding;
}

/** Options of {@link conv2d}, in TF.js spelling. */
export interface Conv2DOptions {
  /** Step between windows: a number or [height, width]. Default 1. */
  strides?: number | readonly number[];
  /** 'valid' (default: no padding) or 'same' (output ceil(n/s), TF's split), in any case. */
  padding?: string;
  /** Spacing between kernel taps (atrous convolution): a number or [height, width]. Default 1. */
  dilations?: number | readonly number[];
  /** 'channels_last' (NHWC, default) or 'channels_first' (NCHW); also 'channelsLast'/'NHWC'/... */
  dataFormat?: string;
}

/**
 * 2-D convolution (cross-correlation, as every deep-learning library) of a batch of images with a
 * Keras kernel `[kh, kw, inChannels, filters]`, plus an optional bias `[filters]` and an optional
 * fused relu. One primitive on the tape: forward = im2col + GEMM + bias/relu epilogue; backward =
 * GEMM + col2im (input), GEMM over the patches (filter), a column sum (bias). (With the 'js'
 * kernels, 3×3 stride-1 layers of ≥ 16 channels compute the same by Winograd's F(2×2, 3×3).)
 *
 * With `dataFormat: 'channels_first'` the input `[N, C, H, W]` is transposed to NHWC, convolved,
 * and the result transposed back to `[N, F, oh, ow]` (two `transpose` ops on the tape); the kernel
 * layout is the same for both formats, as Keras.
 *
 * @example
 * ```ts
 * const x = tk.ones([1, 3, 3, 1]);
 * const w = tk.ones([2, 2, 1, 1]);
 * conv2d(x, w).toArray();                                 // [[[[4], [4]], [[4], [4]]]]
 * conv2d(x, w, { padding: 'same' }, [-5], 'relu').shape;  // [1, 3, 3, 1]: max(window sum − 5, 0)
 * ```
 */
export function conv2d(
  x: TensorLike,
  kernel: TensorLike,
  options: Conv2DOptions = {},
  bias?: TensorLike | null,
  activation: 'relu' | 'linear' = 'linear',
): Tensor {
  const window: ConvWindow = {
    strides: pair('conv2d', 'strides', options.strides ?? 1),
    dilations: pair('conv2d', 'dilations', options.dilations ?? 1),
    padding: normalizePadding('conv2d', options.padding ?? 'valid'),
  };
  if (activation !== 'relu' && activation !== 'linear') {
    throw new Error(`conv2d: activation must be 'relu' or 'linear' (others are applied after the op), got '${String(activation)}'`);
  }
  let t = toTensor(x, 'conv2d');
  const w = toTensor(kernel, 'conv2d');
  const b = bias === undefined || bias === null ? null : toTensor(bias, 'conv2d');
  const channelsFirst = normalizeDataFormat('conv2d', options.dataFormat) === 'channels_first';
  if (t.rank !== 4) throw new Error(`conv2d: expected a rank-4 input [batch, ${channelsFirst ? 'channels, height, width' : 'height, width, channels'}], got shape ${formatShape(t.shape)}`);
  if (channelsFirst) t = transpose(t, [0, 2, 3, 1]);
  const y = conv2dNHWC(t, w, b, window, activation === 'relu');
  return channelsFirst ? transpose(y, [0, 3, 1, 2]) : y;
}

/**
 * The conv2d primitive on NHWC data. `maxColsFloats` bounds the im2col buffer (tests pass a small
 * one to exercise chunking). Exported for tests and benchmarks; use {@link conv2d}.
 */
export function conv2dNHWC(x: Tensor, kernel: Tensor, bias: Tensor | null, window: ConvWindow, relu: boolean, maxColsFloats = MAX_COLS_FLOATS): Tensor {
  const g = geometryOf(x, kernel, bias, window);
  const F = kernel.shape[3]!;
  const P = g.outH * g.outW; // output pixels (rows of cols) per image
  const K = g.kH * g.kW * g.inC; // patch length (columns of cols)
  const chunk = chunkOf(g, maxColsFloats);
  const cols = convUsesWinograd(g) ? NO_COLS : colsBuffer(chunk * P * K, maxColsFloats);
  const w = kernel.data;
  const y = new Float32Array(g.batch * P * F);

  // Forward, chunk by chunk: patches, one GEMM with bias and relu fused (applied to each block of
  // the product while it is in cache).
  const epilogue = { bias: bias === null ? null : bias.data, relu };
  for (let b0 = 0; b0 < g.batch; b0 += chunk) {
    const count = Math.min(chunk, g.batch - b0);
    convForward(x.data, g, b0, count, cols, w, F, y, epilogue); // cols = im2col(x); y = act(cols·W + b)
  }

  const out = new Tensor(y, [g.batch, g.outH, g.outW, F]);
  const attrs = { strides: window.strides, padding: window.padding, dilations: window.dilations };
  return record('conv2d', bias === null ? [x, kernel] : [x, kernel, bias], out, (dy) => {
    if (isRecording()) {
      // The backward on the tape, as gradient primitives (see the file comment).
      const dz = relu ? reluGrad(dy, out) : dy; // [y > 0] is [z > 0]
      return [
        x.requiresGrad ? backpropInput(dz, kernel, x.shape, g, window, maxColsFloats) : null,
        kernel.requiresGrad ? backpropFilter(dz, x, kernel.shape, g, window, maxColsFloats) : null,
        bias !== null && bias.requiresGrad ? sum(dz, [0, 1, 2]) : null,
      ];
    }
    // relu fused: dz = dy·[y > 0], into a reused buffer; with it, db = Σ dz over N, oh, ow.
    const db = bias !== null && bias.requiresGrad ? new Float64Array(F) : null;
    let dz = dy.data;
    if (relu) {
      dz = dzBuffer(dy.size);
      reluBackward(dy.data, y, dz, F, db);
    } else if (db !== null) {
      columnSums(dz, F, db);
    }
    const dx = x.requiresGrad ? new Float32Array(x.size) : null;
    const dW = kernel.requiresGrad ? new Float32Array(K * F) : null;
    // The forward's buffer may be gone; the kernel choice may have changed since (then a chunk
    // sized for Winograd gets a buffer of its own).
    const scratch = convUsesWinograd(g) ? NO_COLS : colsBuffer(chunk * P * K, maxColsFloats);
    for (let b0 = 0; b0 < g.batch; b0 += chunk) {
      const count = Math.min(chunk, g.batch - b0);
      // dW += colsᵀ·dz over this chunk's patches (recomputed, see the file comment);
      // dcols = dz·Wᵀ, then scatter-added back into the image: dx.
      convBackward(x.data, dz, g, b0, count, scratch, w, F, dW, b0 > 0, dx);
    }
    return [
      dx === null ? null : new Tensor(dx, x.shape),
      dW === null ? null : new Tensor(dW, kernel.shape),
      db === null || bias === null ? null : new Tensor(Float32Array.from(db), bias.shape),
    ];
  }, { ...attrs, activation: relu ? 'relu' : 'linear' });
}

/**
 * Images per chunk: as many as the im2col bound allows (at least one), spread evenly over the
 * chunks. Winograd (the 'js' kernels on 3×3 stride-1 layers) uses no patches and bounds its own memory.
 */
function chunkOf(g: Conv2DGeometry, maxColsFloats: number): number {
  const P = g.outH * g.outW;
  const K = g.kH * g.kW * g.inC;
  const perChunk = convUsesWinograd(g) ? g.batch : Math.max(1, Math.floor(maxColsFloats / Math.max(1, P * K)));
  return Math.ceil(g.batch / Math.max(1, Math.ceil(g.batch / perChunk)));
}

/** The engine's scratch for a chunk of this convolution (none for Winograd). */
function scratchOf(g: Conv2DGeometry, chunk: number, maxColsFloats: number): Float32Array {
  return convUsesWinograd(g) ? NO_COLS : colsBuffer(chunk * g.outH * g.outW * g.kH * g.kW * g.inC, maxColsFloats);
}

// ---- gradient primitives: the two halves of conv2d's backward -----------------------------------

/**
 * conv2d's gradient for its input: `col2im(dy·Wᵀ)`, a TRANSPOSED convolution of dy (`[N, oh, ow,
 * F]`) with the kernel `[kh, kw, C, F]`, into a tensor of `inputShape` `[N, H, W, C]` (NHWC; the
 * geometry is the forward convolution's, given by `options`). Conv2DTranspose's forward is this op.
 *
 * d/ddy = conv2d(g, kernel);  d/dkernel = conv2dBackpropFilter(dy, g, kernel.shape)
 *
 * @example
 * ```ts
 * // how many 2×2 windows of a 3×3 image cover each pixel
 * tk.conv2dBackpropInput(tk.ones([1, 2, 2, 1]), tk.ones([2, 2, 1, 1]), [1, 3, 3, 1]).toArray();
 * // [[[[1], [2], [1]], [[2], [4], [2]], [[1], [2], [1]]]]
 * ```
 */
export function conv2dBackpropInput(dy: TensorLike, kernel: TensorLike, inputShape: readonly number[], options: Conv2DOptions = {}): Tensor {
  const op = 'conv2dBackpropInput';
  const window = windowOf(op, options);
  const d = toTensor(dy, op);
  const w = toTensor(kernel, op);
  const g = geometryOfShapes(op, inputShape, w.shape, null, window);
  checkOutputShape(op, d, g, w.shape[3]!);
  return backpropInput(d, w, inputShape, g, window, MAX_COLS_FLOATS);
}

/**
 * conv2d's gradient for its kernel: `cols(x)ᵀ·dy`, a CONVOLUTION of x (`[N, H, W, C]`) with dy
 * (`[N, oh, ow, F]`) summed over the batch, into a kernel of `kernelShape` `[kh, kw, C, F]` (NHWC;
 * the geometry is the forward convolution's, given by `options`).
 *
 * d/ddy = conv2d(x, g);  d/dx = conv2dBackpropInput(dy, g, x.shape)
 *
 * @example
 * ```ts
 * const x = tk.tensor([1, 2, 3, 4, 5, 6, 7, 8, 9], [1, 3, 3, 1]);
 * tk.conv2dBackpropFilter(tk.ones([1, 2, 2, 1]), x, [2, 2, 1, 1]).reshape([4]).toArray();   // [12, 16, 24, 28]
 * ```
 */
export function conv2dBackpropFilter(dy: TensorLike, x: TensorLike, kernelShape: readonly number[], options: Conv2DOptions = {}): Tensor {
  const op = 'conv2dBackpropFilter';
  const window = windowOf(op, options);
  const d = toTensor(dy, op);
  const t = toTensor(x, op);
  const g = geometryOfShapes(op, t.shape, kernelShape, null, window);
  checkOutputShape(op, d, g, kernelShape[3]!);
  return backpropFilter(d, t, kernelShape, g, window, MAX_COLS_FLOATS);
}

function backpropInput(dz: Tensor, kernel: Tensor, inputShape: readonly number[], g: Conv2DGeometry, window: ConvWindow, maxColsFloats: number): Tensor {
  const F = kernel.shape[3]!;
  const dx = new Float32Array(sizeOf(inputShape));
  const chunk = chunkOf(g, maxColsFloats);
  const scratch = scratchOf(g, chunk, maxColsFloats);
  for (let b0 = 0; b0 < g.batch; b0 += chunk) {
    // dcols = dz·Wᵀ, scatter-added back into the image (x is not read for dx alone).
    convBackward(NO_COLS, dz.data, g, b0, Math.min(chunk, g.batch - b0), scratch, kernel.data, F, null, false, dx);
  }
  return record('conv2dBackpropInput', [dz, kernel], new Tensor(dx, inputShape), (gx) => [
    dz.requiresGrad ? conv2dNHWC(gx, kernel, null, window, false, maxColsFloats) : null,
    kernel.requiresGrad ? backpropFilter(dz, gx, kernel.shape, g, window, maxColsFloats) : null,
  ], windowAttrs(window));
}

function backpropFilter(dz: Tensor, x: Tensor, kernelShape: readonly number[], g: Conv2DGeometry, window: ConvWindow, maxColsFloats: number): Tensor {
  const F = kernelShape[3]!;
  const dW = new Float32Array(sizeOf(kernelShape));
  const chunk = chunkOf(g, maxColsFloats);
  const scratch = scratchOf(g, chunk, maxColsFloats);
  for (let b0 = 0; b0 < g.batch; b0 += chunk) {
    // dW += colsᵀ·dz over this chunk's patches (the kernel is not read for dW alone).
    convBackward(x.data, dz.data, g, b0, Math.min(chunk, g.batch - b0), scratch, NO_COLS, F, dW, b0 > 0, null);
  }
  return record('conv2dBackpropFilter', [dz, x], new Tensor(dW, kernelShape), (gw) => [
    dz.requiresGrad ? conv2dNHWC(x, gw, null, window, false, maxColsFloats) : null,
    x.requiresGrad ? backpropInput(dz, gw, x.shape, g, window, maxColsFloats) : null,
  ], windowAttrs(window));
}

function windowAttrs(window: ConvWindow): Record<string, unknown> {
  return { strides: window.strides, padding: window.padding, dilations: window.dilations };
}

/** The window of a gradient primitive's options (NHWC only: conv2d transposes channels_first itself). */
function windowOf(op: string, options: Conv2DOptions): ConvWindow {
  if (normalizeDataFormat(op, options.dataFormat) !== 'channels_last') {
    throw new Error(`${op}: works on NHWC (channels_last) tensors; transpose channels_first data to NHWC first, as conv2d does`);
  }
  return {
    strides: pair(op, 'strides', options.strides ?? 1),
    dilations: pair(op, 'dilations', options.dilations ?? 1),
    padding: normalizePadding(op, options.padding ?? 'valid'),
  };
}

function checkOutputShape(op: string, dy: Tensor, g: Conv2DGeometry, F: number): void {
  const expected = [g.batch, g.outH, g.outW, F];
  if (!shapesEqual(dy.shape, expected)) {
    throw new Error(`${op}: dy has shape ${formatShape(dy.shape)}, expected the convolution's output shape ${formatShape(expected)}`);
  }
}

// ---- scratch buffers ----------------------------------------------------------------------------

// The im2col buffer, reused by every call (JS is single-threaded and no kernel calls back out).
// It is kept only up to the bound; a single image larger than that gets a buffer of its own.
let sharedCols = new Float32Array(0);
const NO_COLS = new Float32Array(0);

function colsBuffer(floats: number, bound: number): Float32Array {
  if (floats > Math.max(bound, MAX_COLS_FLOATS)) return new Float32Array(floats);
  if (sharedCols.length < floats) sharedCols = new Float32Array(floats);
  return sharedCols;
}

// The backward's dz = dy·[y > 0], reused likewise (it never leaves the backward). A fresh 2.8 MB
// array (the first MNIST layer at batch 32) cost 1.2 ms of page faults on first touch, as much
// as the masking itself in JavaScript. Kept up to 4·MAX_COLS_FLOATS floats.
let sharedDz = new Float32Array(0);

function dzBuffer(floats: number): Float32Array {
  if (floats > 4 * MAX_COLS_FLOATS) return new Float32Array(floats);
  if (sharedDz.length < floats) sharedDz = new Float32Array(floats);
  return sharedDz;
}

// ---- argument checks, shared with the pooling ops ---------------------------------------------

/** Checks x, kernel and bias against each other and returns the NHWC window geometry. */
function geometryOf(x: Tensor, kernel: Tensor, bias: Tensor | null, window: ConvWindow): Conv2DGeometry {
  return geometryOfShapes('conv2d', x.shape, kernel.shape, bias?.shape ?? null, window);
}

function geometryOfShapes(op: string, xShape: readonly number[], kernelShape: readonly number[], biasShape: readonly number[] | null, window: ConvWindow): Conv2DGeometry {
  if (xShape.length !== 4) throw new Error(`${op}: expected a rank-4 input [batch, height, width, channels], got shape ${formatShape(xShape)}`);
  if (kernelShape.length !== 4) throw new Error(`${op}: expected a rank-4 kernel [kh, kw, inChannels, filters], got shape ${formatShape(kernelShape)}`);
  const [N, H, W, C] = xShape as [number, number, number, number];
  const [kH, kW, kC, F] = kernelShape as [number, number, number, number];
  if (kC !== C) {
    throw new Error(`${op}: input ${formatShape(xShape)} has ${C} channels but kernel ${formatShape(kernelShape)} expects ${kC} (kernel layout [kh, kw, inChannels, filters])`);
  }
  if (kH < 1 || kW < 1 || F < 1) throw new Error(`${op}: kernel ${formatShape(kernelShape)} must have kh, kw and filters ≥ 1`);
  if (biasShape !== null && (biasShape.length !== 1 || biasShape[0] !== F)) {
    throw new Error(`${op}: bias ${formatShape(biasShape)} must have shape [${F}] to match the ${F} filters of kernel ${formatShape(kernelShape)}`);
  }
  const [sH, sW] = window.strides;
  const [dH, dW] = window.dilations;
  const g = conv2dGeometry(N, H, W, C, kH, kW, sH, sW, dH, dW, window.padding);
  if (g.outH <= 0 || g.outW <= 0) {
    throw new Error(`${op}: input ${formatShape(xShape)} with kernel ${kH}×${kW} (kernel ${formatShape(kernelShape)}, strides ${sH}×${sW}, dilations ${dH}×${dW}), padding '${window.padding}' gives output size ${g.outH}×${g.outW}`);
  }
  return g;
}

/** A positive integer or a pair of them, as [height, width]. */
export function pair(who: string, what: string, value: unknown): [number, number] {
  const v = typeof value === 'number' ? [value, value] : value;
  if (!Array.isArray(v) || v.length !== 2 || !v.every((d) => typeof d === 'number' && Number.isInteger(d) && d >= 1)) {
    throw new Error(`${who}: ${what} must be a positive integer or a pair of them, got ${JSON.stringify(value)}`);
  }
  return [v[0] as number, v[1] as number];
}

/** 'valid' or 'same' in any case (Keras lower-cases padding). */
export function normalizePadding(who: string, padding: unknown): Padding {
  const p = typeof padding === 'string' ? padding.toLowerCase() : padding;
  if (p !== 'valid' && p !== 'same') throw new Error(`${who}: padding must be 'valid' or 'same' (any case), got ${JSON.stringify(padding)}`);
  return p;
}

/** 'channels_last' | 'channels_first' from Keras, TF.js ('channelsLast') or TF ('NHWC') spelling. */
export function normalizeDataFormat(who: string, format: unknown): 'channels_last' | 'channels_first' {
  if (format === undefined || format === null) return 'channels_last';
  if (typeof format === 'string') {
    const key = format.replace(/_/g, '').toLowerCase();
    if (key === 'channelslast' || key === 'nhwc') return 'channels_last';
    if (key === 'channelsfirst' || key === 'nchw') return 'channels_first';
  }
  throw new Error(`${who}: dataFormat must be 'channels_last' or 'channels_first' (also 'channelsLast', 'NHWC', ...), got ${JSON.stringify(format)}`);
}
