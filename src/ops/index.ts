// The one-page calculus: every primitive op the tape records, and its derivative.
// Composites (sub, softmax, stack, expandDims, squeeze, ...) are built from these and get
// their gradients for free. `dy` is the gradient arriving at the op's output; the tape walker
// sums every gradient back to its input's shape (un-broadcasting), so rules are written in the
// broadcast shape.

import { bindTensorOps } from '../tensor/tensor.js';
import * as self from './index.js';

export { add, sub, mul, div, pow, maximum, minimum, squaredDifference, neg, equal, notEqual, greater, greaterEqual, less, lessEqual } from './arithmetic.js';
export { abs, exp, log, log1p, expm1, sqrt, rsqrt, square, reciprocal, sigmoid, tanh, relu, relu6, softplus, softsign, elu, selu, erf, sin, cos, sign, floor, ceil, round, clip } from './unary.js';
export { reluGrad, relu6Grad, sigmoidGrad, tanhGrad, eluGrad, seluGrad, clipGrad } from './unary.js';
export { sum, mean, max, min, prod, argmax, argmin, broadcastTo, sumTo, type Axis } from './reduce.js';
export { matmul } from './matmul.js';
export { identity, reshape, transpose, expandDims, squeeze, slice, concat, stack, gather, scatterAdd, oneHot, pad, where } from './shape.js';
export { softmax, logSoftmax, logSoftmaxGrad } from './softmax.js';
export { softmaxCrossEntropyWithLogits, sigmoidCrossEntropyWithLogits, softmaxCrossEntropyGrad, sigmoidCrossEntropyGrad } from './crossentropy.js';
export { conv2d, conv2dBackpropInput, conv2dBackpropFilter, type Conv2DOptions } from './conv2d.js';
export { maxPool2d, avgPool2d, globalAvgPool2d, globalMaxPool2d, maxPoolGrad, maxPoolGradGrad, avgPoolGrad } from './pool.js';
export { conv2dTranspose, type Conv2DTransposeOptions } from './conv2d_transpose.js';
export { depthwiseConv2d, depthwiseConv2dBackpropInput, depthwiseConv2dBackpropFilter, separableConv2d } from './depthwise_conv2d.js';
export { conv3d, conv3dBackpropInput, conv3dBackpropFilter, type Conv3DOptions } from './conv3d.js';
export { maxPool3d, avgPool3d } from './pool3d.js';
export { resizeBilinear, upSampling2d } from './resize.js';
// Recurrent sequences (issue 13): one fused primitive per cell family, forward and backward through time.
export { lstmSequence, lstmSequenceComposite, type LSTMSequenceOptions } from './lstm.js';
export { gruSequence, gruSequenceComposite, type GRUSequenceOptions } from './gru.js';
export { simpleRnnSequence, simpleRnnSequenceComposite, type SimpleRNNSequenceOptions } from './simple_rnn.js';
export { backward } from '../autograd/tape.js';

/**
 * What the recorded backward of a recurrent sequence op puts on the tape: its recurrence replayed
 * as ops (slices of the projection, matmul, the gate activations, where for masked steps), then
 * differentiated (pad for the slices' rules, the activations' Grad ops). With tanh and sigmoid.
 */
const LSTM_RECORDS: readonly string[] = ['add', 'matmul', 'mul', 'pad', 'reshape', 'sigmoid', 'sigmoidGrad', 'slice', 'tanh', 'tanhGrad', 'where'];
const GRU_RECORDS: readonly string[] = ['add', 'matmul', 'mul', 'neg', 'pad', 'reshape', 'sigmoid', 'sigmoidGrad', 'slice', 'sumTo', 'tanh', 'tanhGrad', 'where'];
const SIMPLE_RNN_RECORDS: readonly string[] = ['add', 'matmul', 'pad', 'reshape', 'slice', 'tanh', 'tanhGrad', 'where'];

/** One row of the derivative table. */
export interface PrimitiveRule {
  /** The op name recorded on the tape. */
  readonly op: string;
  /** Its vector-Jacobian product, in the notation of the op's source file. */
  readonly derivative: string;
  /** The file that holds the forward and the backward (relative to src/ops). */
  readonly file: string;
  /**
   * The primitives its backward calls: what a recorded backward (a second derivative is wanted)
   * puts on the tape. Empty when the rule passes dy on as it is (add, identity) or returns an
   * exact zero (the step functions). Each of these has a row of its own, so the backward of a
   * backward is in this table too.
   */
  readonly records: readonly string[];
  /**
   * Set when the backward runs as one fused pass of its own when it is NOT recorded (plain
   * training), and calls the ops of `records` only when it is: what that fused pass is.
   */
  readonly fused?: string;
}

/**
 * Every primitive recorded on the tape, with its derivative. The rows after the forward ops of a
 * file whose names end in `Grad` (and conv2d's two `Backprop` ops) are *gradient primitives*: a
 * fused backward pass made an op of its own, with a derivative of its own.
 */
export const primitives: readonly PrimitiveRule[] = [
  { op: 'add', derivative: 'da = dy;  db = dy', file: 'arithmetic.ts', records: [] },
  { op: 'mul', derivative: 'da = dy·b;  db = dy·a', file: 'arithmetic.ts', records: ['mul'] },
  { op: 'div', derivative: 'da = dy/b;  db = −dy·a/b²', file: 'arithmetic.ts', records: ['div', 'mul', 'neg'] },
  { op: 'pow', derivative: 'da = dy·b·a^(b−1);  db = dy·a^b·ln a  (0 where a ≤ 0)', file: 'arithmetic.ts', records: ['mul', 'pow', 'add', 'log'] },
  { op: 'maximum', derivative: 'da = dy·[a ≥ b];  db = dy·[a < b]', file: 'arithmetic.ts', records: ['mul'] },
  { op: 'minimum', derivative: 'da = dy·[a ≤ b];  db = dy·[a > b]', file: 'arithmetic.ts', records: ['mul'] },
  { op: 'squaredDifference', derivative: 'da = 2·dy·(a−b);  db = −2·dy·(a−b)', file: 'arithmetic.ts', records: ['mul', 'add', 'neg'] },
  { op: 'neg', derivative: 'dx = −dy', file: 'arithmetic.ts', records: ['neg'] },
  { op: 'abs', derivative: 'dx = dy·sign(x)', file: 'unary.ts', records: ['mul'] },
  { op: 'exp', derivative: 'dx = dy·y', file: 'unary.ts', records: ['mul'] },
  { op: 'log', derivative: 'dx = dy/x', file: 'unary.ts', records: ['div'] },
  { op: 'log1p', derivative: 'dx = dy/(1+x)', file: 'unary.ts', records: ['div', 'add'] },
  { op: 'expm1', derivative: 'dx = dy·(y+1)', file: 'unary.ts', records: ['mul', 'add'] },
  { op: 'sqrt', derivative: 'dx = dy/(2y)', file: 'unary.ts', records: ['div', 'mul'] },
  { op: 'rsqrt', derivative: 'dx = −dy·y³/2', file: 'unary.ts', records: ['mul'] },
  { op: 'square', derivative: 'dx = 2·dy·x', file: 'unary.ts', records: ['mul'] },
  { op: 'reciprocal', derivative: 'dx = −dy·y²', file: 'unary.ts', records: ['mul', 'neg'] },
  { op: 'sigmoid', derivative: 'dx = sigmoidGrad(dy, y) = dy·y·(1−y)', file: 'unary.ts', records: ['sigmoidGrad'] },
  { op: 'tanh', derivative: 'dx = tanhGrad(dy, y) = dy·(1−y²)', file: 'unary.ts', records: ['tanhGrad'] },
  { op: 'relu', derivative: 'dx = reluGrad(dy, x) = dy·[x > 0]', file: 'unary.ts', records: ['reluGrad'] },
  { op: 'relu6', derivative: 'dx = relu6Grad(dy, x) = dy·[0 < x < 6]', file: 'unary.ts', records: ['relu6Grad'] },
  { op: 'softplus', derivative: 'dx = dy·sigmoid(x)', file: 'unary.ts', records: ['mul', 'sigmoid'] },
  { op: 'softsign', derivative: 'dx = dy/(1+|x|)²', file: 'unary.ts', records: ['div', 'mul', 'add', 'abs'] },
  { op: 'elu', derivative: 'dx = eluGrad(dy, y) = dy for x > 0, else dy·(y+1)', file: 'unary.ts', records: ['eluGrad'] },
  { op: 'selu', derivative: 'dx = seluGrad(dy, y) = dy·scale for x > 0, else dy·(y + scale·alpha)', file: 'unary.ts', records: ['seluGrad'] },
  { op: 'erf', derivative: 'dx = dy·(2/√π)·e^(−x²)', file: 'unary.ts', records: ['mul', 'exp', 'neg', 'square'] },
  { op: 'sin', derivative: 'dx = dy·cos x', file: 'unary.ts', records: ['mul', 'cos'] },
  { op: 'cos', derivative: 'dx = −dy·sin x', file: 'unary.ts', records: ['neg', 'mul', 'sin'] },
  { op: 'sign', derivative: 'dx = 0', file: 'unary.ts', records: [] },
  { op: 'floor', derivative: 'dx = 0', file: 'unary.ts', records: [] },
  { op: 'ceil', derivative: 'dx = 0', file: 'unary.ts', records: [] },
  { op: 'round', derivative: 'dx = 0', file: 'unary.ts', records: [] },
  { op: 'clip', derivative: 'dx = clipGrad(dy, x) = dy·[lo ≤ x ≤ hi]', file: 'unary.ts', records: ['clipGrad'] },
  { op: 'reluGrad', derivative: 'to dy: reluGrad(g, x);  to x: 0', file: 'unary.ts', records: ['reluGrad'] },
  { op: 'relu6Grad', derivative: 'to dy: relu6Grad(g, x);  to x: 0', file: 'unary.ts', records: ['relu6Grad'] },
  { op: 'sigmoidGrad', derivative: 'to dy: sigmoidGrad(g, y);  to y: g·dy·(1 − 2y)', file: 'unary.ts', records: ['sigmoidGrad', 'mul', 'add', 'neg'] },
  { op: 'tanhGrad', derivative: 'to dy: tanhGrad(g, y);  to y: −2·g·dy·y', file: 'unary.ts', records: ['tanhGrad', 'mul'] },
  { op: 'eluGrad', derivative: 'to dy: eluGrad(g, y);  to y: g·dy·[y ≤ 0]', file: 'unary.ts', records: ['eluGrad', 'mul'] },
  { op: 'seluGrad', derivative: 'to dy: seluGrad(g, y);  to y: g·dy·[y ≤ 0]', file: 'unary.ts', records: ['seluGrad', 'mul'] },
  { op: 'clipGrad', derivative: 'to dy: clipGrad(g, x);  to x: 0', file: 'unary.ts', records: ['clipGrad'] },
  { op: 'sum', derivative: 'dx = dy broadcast back over the summed axes', file: 'reduce.ts', records: ['reshape', 'broadcastTo'] },
  { op: 'mean', derivative: 'dx = dy/n broadcast back over the averaged axes (n elements averaged)', file: 'reduce.ts', records: ['reshape', 'broadcastTo', 'div'] },
  { op: 'max', derivative: 'dx = dy·[x = max]/(number of ties)', file: 'reduce.ts', records: ['reshape', 'div', 'mul'] },
  { op: 'min', derivative: 'dx = dy·[x = min]/(number of ties)', file: 'reduce.ts', records: ['reshape', 'div', 'mul'] },
  { op: 'prod', derivative: 'dx_i = dy·Π_{j≠i} x_j', file: 'reduce.ts', records: ['mul', 'add', 'prod', 'reshape', 'transpose', 'broadcastTo'], fused: 'Π_{j≠i} x_j from prefix and suffix products' },
  { op: 'broadcastTo', derivative: 'dx = sumTo(dy, x.shape)', file: 'reduce.ts', records: ['sumTo'] },
  { op: 'sumTo', derivative: 'dx = broadcastTo(dy, x.shape)', file: 'reduce.ts', records: ['broadcastTo'] },
  { op: 'matmul', derivative: 'dA = dy·Bᵀ;  dB = Aᵀ·dy', file: 'matmul.ts', records: ['matmul'] },
  { op: 'identity', derivative: 'dx = dy', file: 'shape.ts', records: [] },
  { op: 'reshape', derivative: 'dx = dy reshaped to x’s shape', file: 'shape.ts', records: ['reshape'] },
  { op: 'transpose', derivative: 'dx = dy transposed by the inverse permutation', file: 'shape.ts', records: ['transpose'] },
  { op: 'slice', derivative: 'dx = pad(dy): zeros with dy in the sliced box', file: 'shape.ts', records: ['pad'] },
  { op: 'concat', derivative: 'dx_i = slice(dy): the part of dy that x_i filled', file: 'shape.ts', records: ['slice'] },
  { op: 'gather', derivative: 'dx = scatterAdd(dy): dy added to the gathered rows', file: 'shape.ts', records: ['scatterAdd'] },
  { op: 'scatterAdd', derivative: 'dupdates = gather(dy, indices)', file: 'shape.ts', records: ['gather'] },
  { op: 'pad', derivative: 'dx = slice(dy): the unpadded box of dy', file: 'shape.ts', records: ['slice'] },
  { op: 'where', derivative: 'da = where(cond, dy, 0);  db = where(cond, 0, dy)', file: 'shape.ts', records: ['where'] },
  { op: 'logSoftmax', derivative: 'dx = logSoftmaxGrad(dy, y) = dy − softmax(x)·Σ dy', file: 'softmax.ts', records: ['logSoftmaxGrad'] },
  { op: 'logSoftmaxGrad', derivative: 'to dy: g − Σ(g·e^y);  to y: −g·e^y·Σ dy  (Σ along the axis)', file: 'softmax.ts', records: ['exp', 'mul', 'sum', 'add', 'neg'] },
  {
    op: 'softmaxCrossEntropyWithLogits', derivative: 'dx = dy·(softmax(x)·Σy − y);  dlabels = −dy·logSoftmax(x)', file: 'crossentropy.ts',
    records: ['softmaxCrossEntropyGrad', 'logSoftmax', 'reshape', 'mul', 'neg', 'broadcastTo'], fused: 'dlabels from the forward’s saved logSoftmax(x)',
  },
  {
    op: 'softmaxCrossEntropyGrad', derivative: 'to dy: Σ g·(p·S − y);  to labels: dy·(Σ g·p − g);  to logits: dy·S·p·(g − Σ g·p)  (p = softmax(logits), S = Σ labels)', file: 'crossentropy.ts',
    records: ['exp', 'logSoftmax', 'sum', 'reshape', 'mul', 'add', 'neg', 'broadcastTo'],
  },
  { op: 'sigmoidCrossEntropyWithLogits', derivative: 'dx = dy·(σ(x) − y);  dlabels = −dy·x', file: 'crossentropy.ts', records: ['sigmoidCrossEntropyGrad', 'mul', 'neg'] },
  {
    op: 'sigmoidCrossEntropyGrad', derivative: 'to dy: g·(σ(x) − y);  to labels: −g·dy;  to logits: g·dy·σ(x)·(1 − σ(x))', file: 'crossentropy.ts',
    records: ['sigmoidCrossEntropyGrad', 'mul', 'neg', 'sigmoidGrad', 'sigmoid', 'broadcastTo'],
  },
  {
    op: 'conv2d', derivative: 'dz = reluGrad(dy, y) if relu fused, else dy;  dx = conv2dBackpropInput(dz, W);  dW = conv2dBackpropFilter(dz, x);  db = Σ dz over N, H, W',
    file: 'conv2d.ts', records: ['reluGrad', 'conv2dBackpropInput', 'conv2dBackpropFilter', 'sum'], fused: 'the relu mask with the bias sums, and dx with dW in one walk over the chunks',
  },
  { op: 'conv2dBackpropInput', derivative: 'to dy: conv2d(g, W);  to W: conv2dBackpropFilter(dy, g)', file: 'conv2d.ts', records: ['conv2d', 'conv2dBackpropFilter'] },
  { op: 'conv2dBackpropFilter', derivative: 'to dy: conv2d(x, g);  to x: conv2dBackpropInput(dy, g)', file: 'conv2d.ts', records: ['conv2d', 'conv2dBackpropInput'] },
  { op: 'maxPool2d', derivative: 'dx = maxPoolGrad(dy, x): dx[argmax of each window] += dy', file: 'pool.ts', records: ['maxPoolGrad'] },
  { op: 'avgPool2d', derivative: 'dx = avgPoolGrad(dy): dx[each real cell of the window] += dy / (real cells)', file: 'pool.ts', records: ['avgPoolGrad'] },
  { op: 'maxPoolGrad', derivative: 'to dy: maxPoolGradGrad(g, x), g at the argmax of each window;  to x: 0', file: 'pool.ts', records: ['maxPoolGradGrad'] },
  { op: 'maxPoolGradGrad', derivative: 'to g: maxPoolGrad(dy, x);  to x: 0', file: 'pool.ts', records: ['maxPoolGrad'] },
  { op: 'avgPoolGrad', derivative: 'to dy: avgPool2d(g)', file: 'pool.ts', records: ['avgPool2d'] },
  {
    op: 'sparsemax', derivative: 'dx = on the support S: dy − mean_S(dy); 0 elsewhere', file: '../layers/activations.ts',
    records: ['mul', 'sum', 'div', 'add', 'neg'], fused: 'one pass over each row',
  },
  { op: 'conv2dTranspose', derivative: 'dx = conv2d(dy, W) = cols(dy)·W;  dW = conv2dBackpropFilter(dy, x) = cols(dy)ᵀ·x;  db = Σ dy over N, H, W', file: 'conv2d_transpose.ts', records: ['conv2d', 'slice', 'pad', 'transpose', 'sum'], fused: 'dx = cols(dy)·W and dW = cols(dy)ᵀ·X in one im2col + GEMM pass, db by column sums' },
  { op: 'depthwiseConv2d', derivative: 'dx = depthwiseConv2dBackpropInput(dy, W);  dW = depthwiseConv2dBackpropFilter(dy, x);  db = Σ dy over N, H, W', file: 'depthwise_conv2d.ts', records: ['depthwiseConv2dBackpropInput', 'depthwiseConv2dBackpropFilter', 'sum'] },
  { op: 'depthwiseConv2dBackpropInput', derivative: 'to dy: depthwiseConv2d(g, W);  to W: depthwiseConv2dBackpropFilter(dy, g)', file: 'depthwise_conv2d.ts', records: ['depthwiseConv2d', 'depthwiseConv2dBackpropFilter'] },
  { op: 'depthwiseConv2dBackpropFilter', derivative: 'to dy: depthwiseConv2d(x, g);  to x: depthwiseConv2dBackpropInput(dy, g)', file: 'depthwise_conv2d.ts', records: ['depthwiseConv2d', 'depthwiseConv2dBackpropInput'] },
  { op: 'conv3d', derivative: 'dx = conv3dBackpropInput(dy, W) = col2vol(dy·Wᵀ);  dW = conv3dBackpropFilter(dy, x) = cols(x)ᵀ·dy;  db = Σ dy over N, D, H, W', file: 'conv3d.ts', records: ['conv3dBackpropInput', 'conv3dBackpropFilter', 'sum'] },
  { op: 'conv3dBackpropInput', derivative: 'to dy: conv3d(g, W);  to W: conv3dBackpropFilter(dy, g)', file: 'conv3d.ts', records: ['conv3d', 'conv3dBackpropFilter'] },
  { op: 'conv3dBackpropFilter', derivative: 'to dy: conv3d(x, g);  to x: conv3dBackpropInput(dy, g)', file: 'conv3d.ts', records: ['conv3d', 'conv3dBackpropInput'] },
  { op: 'maxPool3d', derivative: 'dx = maxPool3dGrad(dy): dx[argmax of each window] += dy', file: 'pool3d.ts', records: ['maxPool3dGrad'] },
  { op: 'maxPool3dGrad', derivative: 'to dy: maxPool3dGradGrad(g) = g[argmax];  to x: 0', file: 'pool3d.ts', records: ['maxPool3dGradGrad'] },
  { op: 'maxPool3dGradGrad', derivative: 'to g: maxPool3dGrad(dy);  to x: 0', file: 'pool3d.ts', records: ['maxPool3dGrad'] },
  { op: 'avgPool3d', derivative: 'dx = avgPool3dGrad(dy): dx[each real cell of the window] += dy / (real cells)', file: 'pool3d.ts', records: ['avgPool3dGrad'] },
  { op: 'avgPool3dGrad', derivative: 'to dy: avgPool3d(g)', file: 'pool3d.ts', records: ['avgPool3d'] },
  { op: 'resizeBilinear', derivative: 'dx = resizeBilinearGrad(dy): each output pixel’s four weights sent back to their inputs', file: 'resize.ts', records: ['resizeBilinearGrad'] },
  { op: 'resizeBilinearGrad', derivative: 'to dy: resizeBilinear(g)', file: 'resize.ts', records: ['resizeBilinear'] },
  // Recurrent sequences: the fused backward through time; recorded, the recurrence replayed as ops and differentiated.
  {
    op: 'lstmSequence', derivative: 'per step, back in time: dc += dh·o·act′(c);  dz = [dc·g·σ′(i), dc·c₋₁·σ′(f), dc·i·act′(g), dh·act(c)·σ′(o)];  dh₋₁ = dz·Uᵀ;  dc₋₁ = dc·f;  dxW = dz;  dU = Hᵀ·DZ',
    file: 'lstm.ts', records: LSTM_RECORDS, fused: 'one GEMM a step for dh, one GEMM for dU over all steps',
  },
  {
    op: 'gruSequence', derivative: 'per step, back in time: da = dh·(1−z)·act′(ĥ);  dz = dh·(h₋₁−ĥ)·σ′(z);  dr = da·R_h·σ′(r);  dxW = [dz, dr, da];  dR = [dz, dr, da·r];  dh₋₁ = dh·z + dR·Uᵀ;  dU = Hᵀ·DR;  db¹ = Σ dR',
    file: 'gru.ts', records: GRU_RECORDS, fused: 'one GEMM a step for dh, one GEMM for dU over all steps',
  },
  {
    op: 'simpleRnnSequence', derivative: 'per step, back in time: dz = dh·act′(h);  dxW = dz;  dh₋₁ = dz·Uᵀ;  dU = Hᵀ·DZ',
    file: 'simple_rnn.ts', records: SIMPLE_RNN_RECORDS, fused: 'one GEMM a step for dh, one GEMM for dU over all steps',
  },
];

bindTensorOps(self);
