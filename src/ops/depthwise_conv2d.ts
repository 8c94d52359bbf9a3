// Depthwise and separable 2-D convolutions, forward and backward side by side.
//
//   y = depthwise(x, W) + b     x [N, H, W, C] (NHWC)   W [kh, kw, C, M]   b [C·M]   y [N, oh, ow, C·M]
//
// Each input channel c is convolved with its own M filters into the output channels c·M … c·M+M−1
// (kernels/depthwise.ts: the loops, one pass over each tap's contiguous channels). The op is
// bilinear, like conv2d, so its two gradients are ops of the same kind, each other's derivatives:
//
//   dx = depthwiseConv2dBackpropInput(dy, W)     (the adjoint in x: each dy spread back over its window)
//   dW = depthwiseConv2dBackpropFilter(dy, x)    (Σ over the batch and the windows of x·dy, per tap)
//   db = Σ dy over N, oh, ow
//
//   depthwiseConv2dBackpropInput:   d/ddy = depthwiseConv2d(g, W);   d/dW = depthwiseConv2dBackpropFilter(dy, g)
//   depthwiseConv2dBackpropFilter:  d/ddy = depthwiseConv2d(x, g);   d/dx = depthwiseConv2dBackpropInput(dy, g)
//
// A separable convolution is a depthwise step followed by a pointwise (1×1) convolution, which is
// one GEMM (conv2d with a 1×1 kernel): separableConv2d composes the two ops.

import { record } from '../autograd/tape.js';
import { conv2dGeometry, type Conv2DGeometry } from '../tensor/kernels/conv_geometry.js';
import { depthwiseBackwardFilter, depthwiseBackwardInput, depthwiseForward } from '../tensor/kernels/engine.js';
import { formatShape, shapesEqual, sizeOf } from '../tensor/shape.js';
import { Tensor, toTensor, type TensorLike } from '../tensor/tensor.js';
import { conv2d, normalizeDataFormat, normalizePadding, pair, type Conv2DOptions, type ConvWindow } from './conv2d.js';
import { sum } from './reduce.js';
import { transpose } from './shape.js';

/**
 * Depthwise 2-D convolution of a batch of images with a Keras kernel `[kh, kw, inChannels,
 * depthMultiplier]`, plus an optional bias `[inChannels·depthMultiplier]`: output channel
 * `c·M + m` is input channel c convolved with filter m (TF's and Keras's order). Strides,
 * padding ('valid' or 'same', TF's split), dilations and data formats as {@link conv2d}.
 *
 * d/dx = depthwiseConv2dBackpropInput(dy, W);  d/dW = depthwiseConv2dBackpropFilter(dy, x);  d/db = Σ dy
 *
 * @example
 * ```ts
 * // two channels, a 2×2 kernel of ones per channel: each channel's window sums, separately
 * const x = tk.tensor([1, 10, 2, 20, 3, 30, 4, 40], [1, 2, 2, 2]);
 * depthwiseConv2d(x, tk.ones([2, 2, 2, 1])).toArray();   // [[[[10, 100]]]]
 * depthwiseConv2d(x, tk.ones([2, 2, 2, 3])).shape;       // [1, 1, 1, 6]: depth multiplier 3
 * ```
 */
export function depthwiseConv2d(x: TensorLike, kernel: TensorLike, options: Conv2DOptions = {}, bias?: TensorLike | null): Tensor {
  const op = 'depthwiseConv2d';
  const window = windowOf(op, options);
  const channelsFirst = normalizeDataFormat(op, options.dataFormat) === 'channels_first';
  let t = toTensor(x, op);
  const w = toTensor(kernel, op);
  const b = bias === undefined || bias === null ? null : toTensor(bias, op);
  if (t.rank !== 4) throw new Error(`${op}: expected a rank-4 input [batch, ${channelsFirst ? 'channels, height, width' : 'height, width, channels'}], got shape ${formatShape(t.shape)}`);
  if (channelsFirst) t = transpose(t, [0, 2, 3, 1]);
  const g = geometryOf(op, t.shape, w.shape, window);
  const M = w.shape[3]!;
  if (b !== null && (b.rank !== 1 || b.shape[0] !== g.inC * M)) {
    throw new Error(`${op}: bias ${formatShape(b.shape)} must have shape [${g.inC * M}] (inChannels·depthMultiplier = ${g.inC}·${M}) for kernel ${formatShape(w.shape)}`);
  }
  const y = depthwiseNHWC(t, w, b, g, window);
  return channelsFirst ? transpose(y, [0, 3, 1, 2]) : y;
}

/**
 * depthwiseConv2d's gradient for its input (NHWC): `dy` (`[N, oh, ow, C·M]`) spread back over the
 * windows through the kernel `[kh, kw, C, M]`, into a tensor of `inputShape` `[N, H, W, C]`; the
 * window geometry is the forward's, given by `options`.
 *
 * d/ddy = depthwiseConv2d(g, W);  d/dW = depthwiseConv2dBackpropFilter(dy, g)
 *
 * @example
 * ```ts
 * // how many 2×2 windows of a 3×3 image cover each pixel
 * depthwiseConv2dBackpropInput(tk.ones([1, 2, 2, 1]), tk.ones([2, 2, 1, 1]), [1, 3, 3, 1]).reshape([9]).toArray();
 * // [1, 2, 1, 2, 4, 2, 1, 2, 1]
 * ```
 */
export function depthwiseConv2dBackpropInput(dy: TensorLike, kernel: TensorLike, inputShape: readonly number[], options: Conv2DOptions = {}): Tensor {
  const op = 'depthwiseConv2dBackpropInput';
  const window = nhwcWindowOf(op, options);
  const d = toTensor(dy, op);
  const w = toTensor(kernel, op);
  const g = geometryOf(op, inputShape, w.shape, window);
  checkOutputShape(op, d, g, w.shape[3]!);
  return backpropInput(d, w, inputShape, g, window);
}

/**
 * depthwiseConv2d's gradient for its kernel (NHWC): for every tap, channel and multiplier,
 * Σ over the batch and the windows of `x · dy`, into a kernel of `kernelShape` `[kh, kw, C, M]`.
 *
 * d/ddy = depthwiseConv2d(x, g);  d/dx = depthwiseConv2dBackpropInput(dy, g)
 *
 * @example
 * ```ts
 * const x = tk.tensor([1, 2, 3, 4, 5, 6, 7, 8, 9], [1, 3, 3, 1]);
 * depthwiseConv2dBackpropFilter(tk.ones([1, 2, 2, 1]), x, [2, 2, 1, 1]).reshape([4]).toArray();   // [12, 16, 24, 28]
 * ```
 */
export function depthwiseConv2dBackpropFilter(dy: TensorLike, x: TensorLike, kernelShape: readonly number[], options: Conv2DOptions = {}): Tensor {
  const op = 'depthwiseConv2dBackpropFilter';
  const window = nhwcWindowOf(op, options);
  const d = toTensor(dy, op);
  const t = toTensor(x, op);
  const g = geometryOf(op, t.shape, kernelShape, window);
  checkOutputShape(op, d, g, kernelShape[3]!);
  return backpropFilter(d, t, kernelShape, g, window);
}

/**
 * Separable 2-D convolution (Keras `separable_conv`): a depthwise convolution with
 * `depthwiseKernel` `[kh, kw, C, M]` (the strides, padding and dilations apply here), then a
 * pointwise 1×1 convolution with `pointwiseKernel` `[1, 1, C·M, filters]`, plus an optional bias
 * `[filters]`. A composite of {@link depthwiseConv2d} and conv2d (one GEMM).
 *
 * @example
 * ```ts
 * separableConv2d(tk.ones([1, 5, 5, 3]), tk.ones([3, 3, 3, 2]), tk.ones([1, 1, 6, 4]), { padding: 'same' }).shape;   // [1, 5, 5, 4]
 * ```
 */
export function separableConv2d(x: TensorLike, depthwiseKernel: TensorLike, pointwiseKernel: TensorLike, options: Conv2DOptions = {}, bias?: TensorLike | null): Tensor {
  const op = 'separableConv2d';
  const pw = toTensor(pointwiseKernel, op);
  const dw = toTensor(depthwiseKernel, op);
  if (pw.rank !== 4 || pw.shape[0] !== 1 || pw.shape[1] !== 1) {
    throw new Error(`${op}: expected a pointwise kernel [1, 1, inChannels·depthMultiplier, filters], got shape ${formatShape(pw.shape)}`);
  }
  if (dw.rank === 4 && pw.shape[2] !== dw.shape[2]! * dw.shape[3]!) {
    throw new Error(`${op}: pointwise kernel ${formatShape(pw.shape)} must take ${dw.shape[2]! * dw.shape[3]!} channels (inChannels·depthMultiplier of depthwise kernel ${formatShape(dw.shape)})`);
  }
  const depthwise = depthwiseConv2d(x, dw, options);
  return conv2d(depthwise, pw, { dataFormat: options.dataFormat }, bias);
}

// ---- the three primitives ------------------------------------------------------------------------

function depthwiseNHWC(x: Tensor, kernel: Tensor, bias: Tensor | null, g: Conv2DGeometry, window: ConvWindow): Tensor {
  const M = kernel.shape[3]!;
  const y = new Float32Array(g.batch * g.outH * g.outW * g.inC * M);
  depthwiseForward(x.data, g, kernel.data, M, bias === null ? null : bias.data, y);
  const out = new Tensor(y, [g.batch, g.outH, g.outW, g.inC * M]);
  return record('depthwiseConv2d', bias === null ? [x, kernel] : [x, kernel, bias], out, (dy) => [
    x.requiresGrad ? backpropInput(dy, kernel, x.shape, g, window) : null,
    kernel.requiresGrad ? backpropFilter(dy, x, kernel.shape, g, window) : null,
    bias !== null && bias.requiresGrad ? sum(dy, [0, 1, 2]) : null,
  ], attrsOf(window));
}

function backpropInput(dy: Tensor, kernel: Tensor, inputShape: readonly number[], g: Conv2DGeometry, window: ConvWindow): Tensor {
  const dx = new Float32Array(sizeOf(inputShape));
  depthwiseBackwardInput(dy.data, g, kernel.data, kernel.shape[3]!, dx);
  return record('depthwiseConv2dBackpropInput', [dy, kernel], new Tensor(dx, inputShape), (gx) => [
    dy.requiresGrad ? depthwiseNHWC(gx, kernel, null, g, window) : null,
    kernel.requiresGrad ? backpropFilter(dy, gx, kernel.shape, g, window) : null,
  ], attrsOf(window));
}

function backpropFilter(dy: Tensor, x: Tensor, kernelShape: readonly number[], g: Conv2DGeometry, window: ConvWindow): Tensor {
  const dW64 = new Float64Array(sizeOf(kernelShape));
  depthwiseBackwardFilter(x.data, dy.data, g, kernelShape[3]!, dW64);
  return record('depthwiseConv2dBackpropFilter', [dy, x], new Tensor(Float32Array.from(dW64), kernelShape), (gw) => [
    dy.requiresGrad ? depthwiseNHWC(x, gw, null, g, window) : null,
    x.requiresGrad ? backpropInput(dy, gw, x.shape, g, window) : null,
  ], attrsOf(window));
}

// ---- argument checks ---------------------------------------------------------------------------

function windowOf(op: string, options: Conv2DOptions): ConvWindow {
  return {
    strides: pair(op, 'strides', options.strides ?? 1),
    dilations: pair(op, 'dilations', options.dilations ?? 1),
    padding: normalizePadding(op, options.padding ?? 'valid'),
  };
}

/** The window of a gradient primitive's options (NHWC only: depthwiseConv2d transposes channels_first itself). */
function nhwcWindowOf(op: string, options: Conv2DOptions): ConvWindow {
  if (normalizeDataFormat(op, options.dataFormat) !== 'channels_last') {
    throw new Error(`${op}: works on NHWC (channels_last) tensors; transpose channels_first data to NHWC first, as depthwiseConv2d does`);
  }
  return windowOf(op, options);
}

function attrsOf(window: ConvWindow): Record<string, unknown> {
  return { strides: window.strides, padding: window.padding, dilations: window.dilations };
}

function geometryOf(op: string, xShape: readonly number[], kernelShape: readonly number[], window: ConvWindow): Conv2DGeometry {
  if (xShape.length !== 4) throw new Error(`${op}: expected a rank-4 input [batch, height, width, channels], got shape ${formatShape(xShape)}`);
  if (kernelShape.length !== 4) throw new Error(`${op}: expected a rank-4 kernel [kh, kw, inChannels, depthMultiplier], got shape ${formatShape(kernelShape)}`);
  const [N, H, W, C] = xShape as [number, number, number, number];
  const [kH, kW, kC, M] = kernelShape as [number, number, number, number];
  if (kC !== C) {
    throw new Error(`${op}: input ${formatShape(xShape)} has ${C} channels but kernel ${formatShape(kernelShape)} expects ${kC} (kernel layout [kh, kw, inChannels, depthMultiplier])`);
  }
  if (kH < 1 || kW < 1 || M < 1) throw new Error(`${op}: kernel ${formatShape(kernelShape)} must have kh, kw and depthMultiplier ≥ 1`);
  const [sH, sW] = window.strides;
  const [dH, dW] = window.dilations;
  const g = conv2dGeometry(N, H, W, C, kH, kW, sH, sW, dH, dW, window.padding);
  if (g.outH <= 0 || g.outW <= 0) {
    throw new Error(`${op}: input ${formatShape(xShape)} with kernel ${kH}×${kW} (strides ${sH}×${sW}, dilations ${dH}×${dW}), padding '${window.padding}' gives output size ${g.outH}×${g.outW}`);
  }
  return g;
}

function checkOutputShape(op: string, dy: Tensor, g: Conv2DGeometry, M: number): void {
  const expected = [g.batch, g.outH, g.outW, g.inC * M];
  if (!shapesEqual(dy.shape, expected)) {
    throw new Error(`${op}: dy has shape ${formatShape(dy.shape)}, expected the depthwise convolution's output shape ${formatShape(expected)}`);
  }
}
