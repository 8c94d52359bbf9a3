// Transposed 2-D convolution (Keras's conv_transpose, Conv2DTranspose's op), forward and backward
// side by side: conv2d's input-gradient path, GEMM then col2im, run forward.
//
//   y = convᵀ(x, W) + b      x [N, H, W, C] (NHWC)   W [kh, kw, F, C]   b [F]   y [N, OH, OW, F]
//
// W is the kernel of an ordinary convolution conv(·, W): [OH, OW, F] → [H, W, C] (same strides and
// dilations, padding chosen so the sizes fit; see transposeGeometry), and the transposed
// convolution is that convolution's adjoint: every input pixel spreads its C numbers, through W,
// over the kh×kw window it would have been computed from.
//
//   Y = col2im(X[N·H·W, C] · Wᵀ[C, kh·kw·F])       (X read in place, the patches scattered back)
//   dx = conv(dy, W) = cols(dy)·W        dW = cols(dy)ᵀ·X        db = Σ dy over N, OH, OW
//
// NOTE: the forward is exactly conv2d's input gradient (src/ops/conv2d.ts: dx = col2im(dz·Wᵀ)),
// the same engine call (gemmCol2im) on the same geometry. conv2d's dx and this op are ONE gradient
// primitive, conv2dBackpropInput, whose derivatives are a conv2d (for dy) and a
// conv2dBackpropFilter (for W); this file keeps its own copy, on an explicit geometry (Keras's
// output_padding and 'same' split need pads conv2d's padding modes cannot name), only until it and
// conv2d's backward are folded together.
//
// The backward, when it is itself recorded (a gradient of a gradient), is written as calls of ops:
// a conv2d of dy for dx and a conv2d with batch and channels swapped for dW (conv2dBackpropFilter
// as a convolution), on dy padded or cropped to the window walk. Otherwise it is one fused pass per
// chunk of images through the engine (im2colGemm, im2colGemmT), SIMD and threads included.

import { isRecording, record } from '../autograd/tape.js';
import type { Conv2DGeometry, Padding } from '../tensor/kernels/conv_geometry.js';
import { gemmCol2im, im2colGemm, im2colGemmT } from '../tensor/kernels/engine.js';
import { columnSums } from '../tensor/kernels/epilogue.js';
import { formatShape } from '../tensor/shape.js';
import { Tensor, toTensor, type TensorLike } from '../tensor/tensor.js';
import { MAX_COLS_FLOATS, conv2d, normalizeDataFormat, normalizePadding, pair } from './conv2d.js';
import { sum } from './reduce.js';
import { pad, slice, transpose } from './shape.js';

/** Options of {@link conv2dTranspose} (TF.js spelling; Keras's names in the comments). */
export interface Conv2DTransposeOptions {
  /** Step of the windows in the output (Keras `strides`): a number or [height, width]. Default 1. */
  strides?: number | readonly number[];
  /** 'valid' (default) or 'same' (output n·s), in any case. */
  padding?: string;
  /**
   * Extra rows/columns at the bottom/right of the output (Keras `output_padding`): a number or
   * [height, width], each < its stride; default null (Keras's sizes, see {@link conv2dTransposeLength}).
   */
  outputPadding?: number | readonly number[] | null;
  /** Spacing between kernel taps (Keras `dilation_rate`): a number or [height, width]. Default 1. */
  dilations?: number | readonly number[];
  /** 'channels_last' (NHWC, default) or 'channels_first' (NCHW); also 'channelsLast'/'NHWC'/... */
  dataFormat?: string;
}

/**
 * Output length of a transposed convolution along one axis (Keras `compute_conv_transpose_output_shape`),
 * with `kEff = d·(k − 1) + 1`:
 * 'valid' `(n − 1)·s + max(kEff, s)`, or `(n − 1)·s + kEff + p` with an output padding p;
 * 'same' `n·s`, or `(n − 1)·s + (kEff mod 2) + p`. Null for an unknown n.
 *
 * @example
 * ```ts
 * conv2dTransposeLength(4, 3, 2, 1, 'same', null);    // 8
 * conv2dTransposeLength(4, 3, 2, 1, 'valid', null);   // 9
 * conv2dTransposeLength(4, 3, 2, 1, 'same', 1);       // 8 = 3·2 + 1 + 1
 * ```
 */
export function conv2dTransposeLength(n: number | null, k: number, s: number, d: number, padding: Padding, outputPadding: number | null): number | null {
  if (n === null) return null;
  const kEff = d * (k - 1) + 1;
  if (padding === 'valid') return (n - 1) * s + (outputPadding === null ? Math.max(kEff, s) : kEff + outputPadding);
  return outputPadding === null ? n * s : (n - 1) * s + (kEff % 2) + outputPadding;
}

/**
 * Where the first output row sits before the first tap of the first window, along one axis: the
 * top padding of the convolution whose adjoint the transposed convolution is. Keras pads the
 * stride-dilated input with L zeros in front (`_convert_conv_transpose_padding_args_from_keras_to_jax`);
 * output row o then receives input i through tap t when o = i·s + t·d − (kEff − 1 − L).
 */
function transposePadBefore(k: number, s: number, d: number, padding: Padding, outputPadding: number | null): number {
  const kEff = d * (k - 1) + 1;
  if (padding === 'valid') return 0; // L = kEff − 1
  const total = outputPadding === null ? s + kEff - 2 : kEff + (kEff % 2) - 2 + outputPadding;
  const before = Math.min(Math.floor(total / 2) + (total % 2), kEff - 1);
  return kEff - 1 - before;
}

/** The window geometry of the convolution whose adjoint maps x [N, H, W, C] to [N, OH, OW, F]. */
function transposeGeometry(N: number, H: number, W: number, F: number, kH: number, kW: number,
  strides: [number, number], dilations: [number, number], padding: Padding, outputPadding: [number, number] | null): Conv2DGeometry {
  const [sH, sW] = strides;
  const [dH, dW] = dilations;
  const outH = conv2dTransposeLength(H, kH, sH, dH, padding, outputPadding?.[0] ?? null)!;
  const outW = conv2dTransposeLength(W, kW, sW, dW, padding, outputPadding?.[1] ?? null)!;
  const padTop = transposePadBefore(kH, sH, dH, padding, outputPadding?.[0] ?? null);
  const padLeft = transposePadBefore(kW, sW, dW, padding, outputPadding?.[1] ?? null);
  // As a convolution: its input is the transposed output (OH × OW × F), its output the transposed
  // input (H × W). The bottom/right pads are what the window walk reaches past the image (negative
  // when rows at the end get nothing, as output padding's); only the kernels' bounds use them.
  return {
    batch: N, inH: outH, inW: outW, inC: F, kH, kW, strideH: sH, strideW: sW, dilationH: dH, dilationW: dW,
    padTop, padLeft, padBottom: (H - 1) * sH + (kH - 1) * dH + 1 - outH - padTop, padRight: (W - 1) * sW + (kW - 1) * dW + 1 - outW - padLeft,
    outH: H, outW: W,
  };
}

/**
 * Transposed 2-D convolution (sometimes called deconvolution) of a batch of images with a Keras
 * Conv2DTranspose kernel `[kh, kw, filters, inChannels]`, plus an optional bias `[filters]`: the
 * adjoint of the convolution with the same kernel, strides, padding and dilations, which maps
 * `[N, H, W, inChannels]` to `[N, OH, OW, filters]` with Keras's output sizes
 * ({@link conv2dTransposeLength}). One primitive on the tape.
 *
 * d/dx = conv2d(dy, W);  d/dW = conv2dBackpropFilter(dy, x);  d/db = Σ dy over N, OH, OW
 *
 * @example
 * ```ts
 * // one pixel of value 1 spread over a 2×2 window of ones, stride 2: a 2×2 block of ones
 * conv2dTranspose(tk.ones([1, 1, 1, 1]), tk.ones([2, 2, 1, 1]), { strides: 2 }).toArray();   // [[[[1], [1]], [[1], [1]]]]
 * conv2dTranspose(tk.zeros([2, 4, 4, 3]), tk.zeros([3, 3, 8, 3]), { strides: 2, padding: 'same' }).shape;   // [2, 8, 8, 8]
 * ```
 */
export function conv2dTranspose(x: TensorLike, kernel: TensorLike, options: Conv2DTransposeOptions = {}, bias?: TensorLike | null): Tensor {
  const op = 'conv2dTranspose';
  const strides = pair(op, 'strides', options.strides ?? 1);
  const dilations = pair(op, 'dilations', options.dilations ?? 1);
  const padding = normalizePadding(op, options.padding ?? 'valid');
  const outputPadding = normalizeOutputPadding(op, options.outputPadding, strides);
  const channelsFirst = normalizeDataFormat(op, options.dataFormat) === 'channels_first';
  let t = toTensor(x, op);
  const w = toTensor(kernel, op);
  const b = bias === undefined || bias === null ? null : toTensor(bias, op);
  if (t.rank !== 4) throw new Error(`${op}: expected a rank-4 input [batch, ${channelsFirst ? 'channels, height, width' : 'height, width, channels'}], got shape ${formatShape(t.shape)}`);
  if (w.rank !== 4) throw new Error(`${op}: expected a rank-4 kernel [kh, kw, filters, inChannels], got shape ${formatShape(w.shape)}`);
  const C = t.shape[channelsFirst ? 1 : 3]!;
  const [kH, kW, F, kC] = w.shape as [number, number, number, number];
  if (kC !== C) throw new Error(`${op}: input ${formatShape(t.shape)} has ${C} channels but kernel ${formatShape(w.shape)} expects ${kC} (kernel layout [kh, kw, filters, inChannels])`);
  if (kH < 1 || kW < 1 || F < 1) throw new Error(`${op}: kernel ${formatShape(w.shape)} must have kh, kw and filters ≥ 1`);
  if (b !== null && (b.rank !== 1 || b.shape[0] !== F)) {
    throw new Error(`${op}: bias ${formatShape(b.shape)} must have shape [${F}] to match the ${F} filters of kernel ${formatShape(w.shape)}`);
  }
  if (channelsFirst) t = transpose(t, [0, 2, 3, 1]);
  const [N, H, W] = t.shape as [number, number, number, number];
  const g = transposeGeometry(N, H, W, F, kH, kW, strides, dilations, padding, outputPadding);
  const y = conv2dTransposeNHWC(t, w, b, g, { strides, padding, outputPadding, dilations });
  return channelsFirst ? transpose(y, [0, 3, 1, 2]) : y;
}

/**
 * The conv2dTranspose primitive on NHWC data and an explicit geometry `g` (the convolution whose
 * adjoint it is). `maxColsFloats` bounds the patch buffer (tests pass a small one to exercise
 * chunking). Exported for tests and benchmarks; use {@link conv2dTranspose}.
 */
export function conv2dTransposeNHWC(x: Tensor, kernel: Tensor, bias: Tensor | null, g: Conv2DGeometry,
  attrs: Record<string, unknown> = {}, maxColsFloats = MAX_COLS_FLOATS): Tensor {
  const C = kernel.shape[3]!; // the adjoint convolution's filters: x's channels
  const F = g.inC; // its input channels: y's channels
  const P = g.outH * g.outW; // x's pixels per image: rows of the patch matrix
  const K = g.kH * g.kW * F; // its columns
  const perChunk = Math.max(1, Math.floor(maxColsFloats / Math.max(1, P * K)));
  const chunk = Math.ceil(g.batch / Math.max(1, Math.ceil(g.batch / perChunk)));
  const imageOut = g.inH * g.inW * F;
  const y = new Float32Array(g.batch * imageOut);
  if (bias !== null) for (let r = 0; r < y.length; r += F) y.set(bias.data, r); // col2im adds onto the bias
  const cols = colsBuffer(chunk * P * K, maxColsFloats);
  for (let b0 = 0; b0 < g.batch; b0 += chunk) {
    // dcols = X·Wᵀ for this chunk, scatter-added into y: the adjoint convolution's input gradient.
    gemmCol2im(x.data, g, b0, Math.min(chunk, g.batch - b0), cols, kernel.data, C, y);
  }
  const out = new Tensor(y, [g.batch, g.inH, g.inW, F]);
  return record('conv2dTranspose', bias === null ? [x, kernel] : [x, kernel, bias], out, (dy) => {
    if (isRecording()) {
      // The backward on the tape, as calls of ops (see the file comment).
      return [
        x.requiresGrad ? convOverWindows(dy, kernel, g) : null,
        kernel.requiresGrad ? filterGradOverWindows(dy, x, g, kernel.shape) : null,
        bias !== null && bias.requiresGrad ? sum(dy, [0, 1, 2]) : null,
      ];
    }
    const dx = x.requiresGrad ? new Float32Array(x.size) : null;
    const dW = kernel.requiresGrad ? new Float32Array(kernel.size) : null;
    const scratch = colsBuffer(chunk * P * K, maxColsFloats);
    for (let b0 = 0; b0 < g.batch; b0 += chunk) {
      const count = Math.min(chunk, g.batch - b0);
      // dx = cols(dy)·W: the adjoint convolution's forward; dW += cols(dy)ᵀ·X, the patches recomputed.
      if (dx !== null) im2colGemm(dy.data, g, b0, count, scratch, kernel.data, C, dx, NO_EPILOGUE);
      if (dW !== null) im2colGemmT(dy.data, g, b0, count, scratch, x.data, C, dW, b0 > 0);
    }
    let db: Tensor | null = null;
    if (bias !== null && bias.requiresGrad) {
      const sums = new Float64Array(F);
      columnSums(dy.data, F, sums);
      db = new Tensor(Float32Array.from(sums), bias.shape);
    }
    return [dx === null ? null : new Tensor(dx, x.shape), dW === null ? null : new Tensor(dW, kernel.shape), db];
  }, attrs);
}

// ---- the recorded backward, as ops ------------------------------------------------------------

/**
 * `a` ([N, inH, inW, ch] of g) cropped or zero-padded to exactly the rows and columns g's window
 * walk reads, [−padTop, −padTop + (outH − 1)·sH + (kH − 1)·dH + 1) and likewise across, so a
 * 'valid' walk over the result reads what g's padded walk reads over `a`.
 */
function windowed(a: Tensor, g: Conv2DGeometry): Tensor {
  const needH = (g.outH - 1) * g.strideH + (g.kH - 1) * g.dilationH + 1;
  const needW = (g.outW - 1) * g.strideW + (g.kW - 1) * g.dilationW + 1;
  const keepH = Math.min(g.inH, needH - g.padTop);
  const keepW = Math.min(g.inW, needW - g.padLeft);
  const [N, , , ch] = a.shape as [number, number, number, number];
  const kept = keepH < g.inH || keepW < g.inW ? slice(a, [0, 0, 0, 0], [N, keepH, keepW, ch]) : a;
  return pad(kept, [[0, 0], [g.padTop, needH - g.padTop - keepH], [g.padLeft, needW - g.padLeft - keepW], [0, 0]]);
}

/** conv(a, W) on g's windows, by ops: the transposed convolution's input gradient. */
function convOverWindows(a: Tensor, kernel: Tensor, g: Conv2DGeometry): Tensor {
  return conv2d(windowed(a, g), kernel, { strides: [g.strideH, g.strideW], dilations: [g.dilationH, g.dilationW] });
}

/**
 * cols(a)ᵀ·z on g's windows, by ops: dW[i, j, f, c] = Σ_{n, h, w} a'[n, h·s + i·d, w·s + j·d, f]·z[n, h, w, c]
 * is a convolution of a' (a windowed) with batch and channels swapped, [f, rows, cols, n], by z read
 * as a kernel [h, w, n, c], whose strides are g's dilations and dilations g's strides.
 */
function filterGradOverWindows(a: Tensor, z: Tensor, g: Conv2DGeometry, kernelShape: readonly number[]): Tensor {
  const images = transpose(windowed(a, g), [3, 1, 2, 0]);
  const taps = conv2d(images, transpose(z, [1, 2, 0, 3]), { strides: [g.dilationH, g.dilationW], dilations: [g.strideH, g.strideW] });
  const dW = transpose(taps, [1, 2, 0, 3]);
  if (dW.shape.some((d, i) => d !== kernelShape[i])) throw new Error(`conv2dTranspose: internal: filter gradient ${formatShape(dW.shape)} for kernel ${formatShape(kernelShape)}`);
  return dW;
}

// ---- helpers -------------------------------------------------------------------------------------

const NO_EPILOGUE = { bias: null, relu: false };

/**
 * Keras's output_padding: null, or a non-negative integer (or pair) below each stride, as
 * [height, width]; errors name `who`.
 *
 * @example
 * ```ts
 * normalizeOutputPadding('Conv2DTranspose', 1, [2, 2]);   // [1, 1]
 * ```
 */
export function normalizeOutputPadding(who: string, value: unknown, strides: [number, number]): [number, number] | null {
  if (value === undefined || value === null) return null;
  const v = typeof value === 'number' ? [value, value] : value;
  if (!Array.isArray(v) || v.length !== 2 || !v.every((d) => typeof d === 'number' && Number.isInteger(d) && d >= 0)) {
    throw new Error(`${who}: outputPadding must be null, a non-negative integer or a pair of them, got ${JSON.stringify(value)}`);
  }
  const p = [v[0] as number, v[1] as number] as [number, number];
  p.forEach((d, i) => {
    if (d >= strides[i]!) throw new Error(`${who}: outputPadding must be less than strides in every dimension, got outputPadding ${JSON.stringify(p)} with strides ${JSON.stringify(strides)}`);
  });
  return p;
}

// The patch buffer of the JavaScript path, reused by every call (as conv2d's); kept only up to the
// bound, a single image larger than that gets a buffer of its own.
let sharedCols = new Float32Array(0);

function colsBuffer(floats: number, bound: number): Float32Array {
  if (floats > Math.max(bound, MAX_COLS_FLOATS)) return new Float32Array(floats);
  if (sharedCols.length < floats) sharedCols = new Float32Array(floats);
  return sharedCols;
}
