// The one-page calculus: every primitive op the tape records, and its derivative.
// Composites (sub, softmax, stack, expandDims, squeeze, ...) are built from these and get
// their gradients for free. `dy` is the gradient arriving at the op's output; the tape walker
// sums every gradient back to its input's shape (un-broadcasting), so rules are written in the
// broadcast shape.

import { bindTensorOps } from '../tensor/tensor.js';
import * as self from './index.js';

export { add, sub, mul, div, pow, maximum, minimum, squaredDifference, neg, equal, notEqual, greater, greaterEqual, less, lessEqual } from './arithmetic.js';
export { abs, exp, log, log1p, expm1, sqrt, rsqrt, square, reciprocal, sigmoid, tanh, relu, relu6, softplus, softsign, elu, selu, erf, sin, cos, sign, floor, ceil, round, clip } from './unary.js';
export { sum, mean, max, min, prod, argmax, argmin, broadcastTo, type Axis } from './reduce.js';
export { matmul } from './matmul.js';
export { reshape, transpose, expandDims, squeeze, slice, concat, stack, gather, oneHot, pad, where } from './shape.js';
export { softmax, logSoftmax } from './softmax.js';
export { softmaxCrossEntropyWithLogits, sigmoidCrossEntropyWithLogits } from './crossentropy.js';
export { conv2d, type Conv2DOptions } from './conv2d.js';
export { maxPool2d, avgPool2d, globalAvgPool2d, globalMaxPool2d } from './pool.js';
export { conv2dTranspose, type Conv2DTransposeOptions } from './conv2d_transpose.js';
export { depthwiseConv2d, depthwiseConv2dBackpropInput, depthwiseConv2dBackpropFilter, separableConv2d } from './depthwise_conv2d.js';
export { conv3d, conv3dBackpropInput, conv3dBackpropFilter, type Conv3DOptions } from './conv3d.js';
export { maxPool3d, avgPool3d } from './pool3d.js';
export { resizeBilinear, upSampling2d } from './resize.js';
export { backward } from '../autograd/tape.js';

/** One row of the derivative table. */
export interface PrimitiveRule {
  /** The op name recorded on the tape. */
  readonly op: string;
  /** Its vector-Jacobian product, in the notation of the op's source file. */
  readonly derivative: string;
  /** The file that holds the forward and the backward. */
  readonly file: string;
}

/** Every primitive recorded on the tape, with its derivative. */
export const primitives: readonly PrimitiveRule[] = [
  { op: 'add', derivative: 'da = dy;  db = dy', file: 'arithmetic.ts' },
  { op: 'mul', derivative: 'da = dy·b;  db = dy·a', file: 'arithmetic.ts' },
  { op: 'div', derivative: 'da = dy/b;  db = −dy·a/b²', file: 'arithmetic.ts' },
  { op: 'pow', derivative: 'da = dy·b·a^(b−1);  db = dy·a^b·ln a  (0 where a ≤ 0)', file: 'arithmetic.ts' },
  { op: 'maximum', derivative: 'da = dy·[a ≥ b];  db = dy·[a < b]', file: 'arithmetic.ts' },
  { op: 'minimum', derivative: 'da = dy·[a ≤ b];  db = dy·[a > b]', file: 'arithmetic.ts' },
  { op: 'squaredDifference', derivative: 'da = 2·dy·(a−b);  db = −2·dy·(a−b)', file: 'arithmetic.ts' },
  { op: 'neg', derivative: 'dx = −dy', file: 'arithmetic.ts' },
  { op: 'abs', derivative: 'dx = dy·sign(x)', file: 'unary.ts' },
  { op: 'exp', derivative: 'dx = dy·y', file: 'unary.ts' },
  { op: 'log', derivative: 'dx = dy/x', file: 'unary.ts' },
  { op: 'log1p', derivative: 'dx = dy/(1+x)', file: 'unary.ts' },
  { op: 'expm1', derivative: 'dx = dy·(y+1)', file: 'unary.ts' },
  { op: 'sqrt', derivative: 'dx = dy/(2y)', file: 'unary.ts' },
  { op: 'rsqrt', derivative: 'dx = −dy·y³/2', file: 'unary.ts' },
  { op: 'square', derivative: 'dx = 2·dy·x', file: 'unary.ts' },
  { op: 'reciprocal', derivative: 'dx = −dy·y²', file: 'unary.ts' },
  { op: 'sigmoid', derivative: 'dx = dy·y·(1−y)', file: 'unary.ts' },
  { op: 'tanh', derivative: 'dx = dy·(1−y²)', file: 'unary.ts' },
  { op: 'relu', derivative: 'dx = dy·[x > 0]', file: 'unary.ts' },
  { op: 'relu6', derivative: 'dx = dy·[0 < x < 6]', file: 'unary.ts' },
  { op: 'softplus', derivative: 'dx = dy·sigmoid(x)', file: 'unary.ts' },
  { op: 'softsign', derivative: 'dx = dy/(1+|x|)²', file: 'unary.ts' },
  { op: 'elu', derivative: 'dx = dy for x > 0, else dy·(y+1)', file: 'unary.ts' },
  { op: 'selu', derivative: 'dx = dy·scale for x > 0, else dy·(y + scale·alpha)', file: 'unary.ts' },
  { op: 'erf', derivative: 'dx = dy·(2/√π)·e^(−x²)', file: 'unary.ts' },
  { op: 'sin', derivative: 'dx = dy·cos x', file: 'unary.ts' },
  { op: 'cos', derivative: 'dx = −dy·sin x', file: 'unary.ts' },
  { op: 'sign', derivative: 'dx = 0', file: 'unary.ts' },
  { op: 'floor', derivative: 'dx = 0', file: 'unary.ts' },
  { op: 'ceil', derivative: 'dx = 0', file: 'unary.ts' },
  { op: 'round', derivative: 'dx = 0', file: 'unary.ts' },
  { op: 'clip', derivative: 'dx = dy·[lo ≤ x ≤ hi]', file: 'unary.ts' },
  { op: 'sum', derivative: 'dx = dy broadcast back over the summed axes', file: 'reduce.ts' },
  { op: 'mean', derivative: 'dx = dy/n broadcast back over the averaged axes (n elements averaged)', file: 'reduce.ts' },
  { op: 'max', derivative: 'dx = dy·[x = max]/(number of ties)', file: 'reduce.ts' },
  { op: 'min', derivative: 'dx = dy·[x = min]/(number of ties)', file: 'reduce.ts' },
  { op: 'prod', derivative: 'dx_i = dy·Π_{j≠i} x_j', file: 'reduce.ts' },
  { op: 'broadcastTo', derivative: 'dx = dy summed back to x’s shape', file: 'reduce.ts' },
  { op: 'matmul', derivative: 'dA = dy·Bᵀ;  dB = Aᵀ·dy', file: 'matmul.ts' },
  { op: 'reshape', derivative: 'dx = dy reshaped to x’s shape', file: 'shape.ts' },
  { op: 'transpose', derivative: 'dx = dy transposed by the inverse permutation', file: 'shape.ts' },
  { op: 'slice', derivative: 'dx = zeros with dy in the sliced box', file: 'shape.ts' },
  { op: 'concat', derivative: 'dx_i = the part of dy that x_i filled', file: 'shape.ts' },
  { op: 'gather', derivative: 'dx = dy scatter-added to the gathered rows', file: 'shape.ts' },
  { op: 'pad', derivative: 'dx = the unpadded box of dy', file: 'shape.ts' },
  { op: 'where', derivative: 'da = dy·[cond];  db = dy·[¬cond]', file: 'shape.ts' },
  { op: 'logSoftmax', derivative: 'dx = dy − softmax(x)·Σ dy', file: 'softmax.ts' },
  { op: 'softmaxCrossEntropyWithLogits', derivative: 'dx = dy·(softmax(x)·Σy − y);  dlabels = −dy·logSoftmax(x)', file: 'crossentropy.ts' },
  { op: 'sigmoidCrossEntropyWithLogits', derivative: 'dx = dy·(σ(x) − y);  dlabels = −dy·x', file: 'crossentropy.ts' },
  { op: 'conv2d', derivative: 'dz = dy·[y > 0] if relu fused, else dy;  dx = col2im(dz·Wᵀ);  dW = cols(x)ᵀ·dz;  db = Σ dz over N, H, W', file: 'conv2d.ts' },
  { op: 'maxPool2d', derivative: 'dx[argmax of each window] += dy', file: 'pool.ts' },
  { op: 'avgPool2d', derivative: 'dx[each real cell of the window] += dy / (real cells)', file: 'pool.ts' },
  { op: 'conv2dTranspose', derivative: 'dx = conv2d(dy, W) = cols(dy)·W;  dW = conv2dBackpropFilter(dy, x) = cols(dy)ᵀ·x;  db = Σ dy over N, H, W', file: 'conv2d_transpose.ts' },
  { op: 'depthwiseConv2d', derivative: 'dx = depthwiseConv2dBackpropInput(dy, W);  dW = depthwiseConv2dBackpropFilter(dy, x);  db = Σ dy over N, H, W', file: 'depthwise_conv2d.ts' },
  { op: 'depthwiseConv2dBackpropInput', derivative: 'to dy: depthwiseConv2d(g, W);  to W: depthwiseConv2dBackpropFilter(dy, g)', file: 'depthwise_conv2d.ts' },
  { op: 'depthwiseConv2dBackpropFilter', derivative: 'to dy: depthwiseConv2d(x, g);  to x: depthwiseConv2dBackpropInput(dy, g)', file: 'depthwise_conv2d.ts' },
  { op: 'conv3d', derivative: 'dx = conv3dBackpropInput(dy, W) = col2vol(dy·Wᵀ);  dW = conv3dBackpropFilter(dy, x) = cols(x)ᵀ·dy;  db = Σ dy over N, D, H, W', file: 'conv3d.ts' },
  { op: 'conv3dBackpropInput', derivative: 'to dy: conv3d(g, W);  to W: conv3dBackpropFilter(dy, g)', file: 'conv3d.ts' },
  { op: 'conv3dBackpropFilter', derivative: 'to dy: conv3d(x, g);  to x: conv3dBackpropInput(dy, g)', file: 'conv3d.ts' },
  { op: 'maxPool3d', derivative: 'dx = maxPool3dGrad(dy): dx[argmax of each window] += dy', file: 'pool3d.ts' },
  { op: 'maxPool3dGrad', derivative: 'to dy: maxPool3dGradGrad(g) = g[argmax];  to x: 0', file: 'pool3d.ts' },
  { op: 'maxPool3dGradGrad', derivative: 'to g: maxPool3dGrad(dy);  to x: 0', file: 'pool3d.ts' },
  { op: 'avgPool3d', derivative: 'dx = avgPool3dGrad(dy): dx[each real cell of the window] += dy / (real cells)', file: 'pool3d.ts' },
  { op: 'avgPool3dGrad', derivative: 'to dy: avgPool3d(g)', file: 'pool3d.ts' },
  { op: 'resizeBilinear', derivative: 'dx = resizeBilinearGrad(dy): each output pixel’s four weights sent back to their inputs', file: 'resize.ts' },
  { op: 'resizeBilinearGrad', derivative: 'to dy: resizeBilinear(g)', file: 'resize.ts' },
];

bindTensorOps(self);
