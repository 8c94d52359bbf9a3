// Elementwise functions of one tensor, forward and backward side by side.
// Where the derivative is cheapest from the output (exp, sqrt, sigmoid, tanh), the backward
// reuses the output instead of saving anything else.
//
// Every backward is a call of ops, so it is on the tape when a second derivative is wanted. The
// activations whose backward is one fused pass (relu, relu6, sigmoid, tanh, elu, selu, clip) call
// a *gradient primitive* (reluGrad, ...: the end of this file): an op whose forward is that fused
// kernel and which has a derivative of its own. A composite backward (a comparison, then a
// product) was measured 2–8× slower than the fused kernel, and the fused kernel is what runs.

import { record, zeroGradient } from '../autograd/tape.js';
import { binaryTensor, unaryTensor } from '../tensor/compute.js';
import { activationGrad, clip as clipKernel, SELU_ALPHA, SELU_SCALE, type ActivationGradOp } from '../tensor/kernels/elementwise.js';
import { formatShape, shapesEqual } from '../tensor/shape.js';
import { Tensor, toTensor, type TensorLike } from '../tensor/tensor.js';
import { add, div, mul, neg, sub } from './arithmetic.js';
import { markFromLogits } from './logits.js';

/** `|x|`.   d/dx = dy·sign(x)  (0 at 0) @example `tk.abs(tk.tensor([-2, 3])).toArray()  // [2, 3]` */
export function abs(x: TensorLike): Tensor {
  const t = toTensor(x, 'abs');
  return record('abs', [t], unaryTensor('abs', t), (dy) => [mul(dy, unaryTensor('sign', t))]);
}

/** `e^x`.   d/dx = dy·e^x = dy·y @example `tk.exp(tk.tensor([0])).toArray()  // [1]` */
export function exp(x: TensorLike): Tensor {
  const t = toTensor(x, 'exp');
  const y = unaryTensor('exp', t);
  return record('exp', [t], y, (dy) => [mul(dy, y)]);
}

/** Natural logarithm.   d/dx = dy/x @example `tk.log(tk.tensor([1])).toArray()  // [0]` */
export function log(x: TensorLike): Tensor {
  const t = toTensor(x, 'log');
  return record('log', [t], unaryTensor('log', t), (dy) => [div(dy, t)]);
}

/** `ln(1 + x)`, accurate for small x.   d/dx = dy/(1+x) @example `tk.log1p(tk.tensor([0])).toArray()  // [0]` */
export function log1p(x: TensorLike): Tensor {
  const t = toTensor(x, 'log1p');
  return record('log1p', [t], unaryTensor('log1p', t), (dy) => [div(dy, add(t, 1))]);
}

/** `e^x - 1`, accurate for small x.   d/dx = dy·e^x = dy·(y+1) @example `tk.expm1(tk.tensor([0])).toArray()  // [0]` */
export function expm1(x: TensorLike): Tensor {
  const t = toTensor(x, 'expm1');
  const y = unaryTensor('expm1', t);
  return record('expm1', [t], y, (dy) => [mul(dy, add(y, 1))]);
}

/** Square root.   d/dx = dy/(2·√x) = dy/(2y) @example `tk.sqrt(tk.tensor([4, 9])).toArray()  // [2, 3]` */
export function sqrt(x: TensorLike): Tensor {
  const t = toTensor(x, 'sqrt');
  const y = unaryTensor('sqrt', t);
  return record('sqrt', [t], y, (dy) => [div(dy, mul(y, 2))]);
}

/** `1/√x`.   d/dx = -dy/(2·x^1.5) = -dy·y³/2 @example `tk.rsqrt(tk.tensor([4])).toArray()  // [0.5]` */
export function rsqrt(x: TensorLike): Tensor {
  const t = toTensor(x, 'rsqrt');
  const y = unaryTensor('rsqrt', t);
  return record('rsqrt', [t], y, (dy) => [mul(dy, mul(mul(y, mul(y, y)), -0.5))]);
}

/** `x²`.   d/dx = 2·dy·x @example `tk.square(tk.tensor([3])).toArray()  // [9]` */
export function square(x: TensorLike): Tensor {
  const t = toTensor(x, 'square');
  return record('square', [t], unaryTensor('square', t), (dy) => [mul(dy, mul(t, 2))]);
}

/** `1/x`.   d/dx = -dy/x² = -dy·y² @example `tk.reciprocal(tk.tensor([4])).toArray()  // [0.25]` */
export function reciprocal(x: TensorLike): Tensor {
  const t = toTensor(x, 'reciprocal');
  const y = unaryTensor('reciprocal', t);
  return record('reciprocal', [t], y, (dy) => [neg(mul(dy, mul(y, y)))]);
}

/**
 * `1/(1+e^-x)`, finite for every input (no overflow at ±100).   d/dx = dy·y·(1-y)
 *
 * @example
 * ```ts
 * tk.sigmoid(tk.tensor([0])).toArray();   // [0.5]
 * ```
 */
export function sigmoid(x: TensorLike): Tensor {
  const t = toTensor(x, 'sigmoid');
  const y = unaryTensor('sigmoid', t);
  markFromLogits(y, { activation: 'sigmoid', logits: t, axis: -1 });
  return record('sigmoid', [t], y, (dy) => [sigmoidGrad(dy, y)]);
}

/** Hyperbolic tangent.   d/dx = dy·(1-y²) @example `tk.tanh(tk.tensor([0])).toArray()  // [0]` */
export function tanh(x: TensorLike): Tensor {
  const t = toTensor(x, 'tanh');
  const y = unaryTensor('tanh', t);
  return record('tanh', [t], y, (dy) => [tanhGrad(dy, y)]);
}

/**
 * `max(x, 0)`.   d/dx = dy·[x > 0]
 *
 * NOTE: relu'(0) is taken as 0, as TensorFlow and PyTorch.
 *
 * @example
 * ```ts
 * tk.relu(tk.tensor([-1, 2])).toArray();   // [0, 2]
 * ```
 */
export function relu(x: TensorLike): Tensor {
  const t = toTensor(x, 'relu');
  return record('relu', [t], unaryTensor('relu', t), (dy) => [reluGrad(dy, t)]);
}

/** `min(max(x, 0), 6)`.   d/dx = dy·[0 < x < 6] @example `tk.relu6(tk.tensor([-1, 3, 9])).toArray()  // [0, 3, 6]` */
export function relu6(x: TensorLike): Tensor {
  const t = toTensor(x, 'relu6');
  return record('relu6', [t], unaryTensor('relu6', t), (dy) => [relu6Grad(dy, t)]);
}

/** `log(1 + e^x)`, stable for large |x|.   d/dx = dy·sigmoid(x) @example `tk.softplus(tk.tensor([0])).item()  // ln 2` */
export function softplus(x: TensorLike): Tensor {
  const t = toTensor(x, 'softplus');
  return record('softplus', [t], unaryTensor('softplus', t), (dy) => [mul(dy, sigmoid(t))]);
}

/** `x/(1+|x|)`.   d/dx = dy/(1+|x|)² @example `tk.softsign(tk.tensor([1])).toArray()  // [0.5]` */
export function softsign(x: TensorLike): Tensor {
  const t = toTensor(x, 'softsign');
  return record('softsign', [t], unaryTensor('softsign', t), (dy) => {
    const d = add(abs(t), 1);
    return [div(dy, mul(d, d))];
  });
}

/**
 * `x` for x > 0, else `e^x - 1` (ELU with alpha 1).   d/dx = dy for x > 0, else dy·(y+1)
 *
 * @example
 * ```ts
 * tk.elu(tk.tensor([-1, 2])).toArray();   // [-0.632…, 2]
 * ```
 */
export function elu(x: TensorLike): Tensor {
  const t = toTensor(x, 'elu');
  const y = unaryTensor('elu', t);
  return record('elu', [t], y, (dy) => [eluGrad(dy, y)]); // NOTE: y > 0 exactly where x > 0
}

/**
 * SELU: `scale·x` for x > 0, else `scale·alpha·(e^x - 1)`, with Keras's constants.
 * d/dx = dy·scale for x > 0, else dy·(y + scale·alpha)
 *
 * @example
 * ```ts
 * tk.selu(tk.tensor([1])).toArray();   // [1.0507…]
 * ```
 */
export function selu(x: TensorLike): Tensor {
  const t = toTensor(x, 'selu');
  const y = unaryTensor('selu', t);
  return record('selu', [t], y, (dy) => [seluGrad(dy, y)]); // NOTE: y > 0 exactly where x > 0
}

/** The error function.   d/dx = dy·(2/√π)·e^(-x²) @example `tk.erf(tk.tensor([0])).toArray()  // [0]` */
export function erf(x: TensorLike): Tensor {
  const t = toTensor(x, 'erf');
  return record('erf', [t], unaryTensor('erf', t), (dy) => [mul(dy, mul(exp(neg(square(t))), 2 / Math.sqrt(Math.PI)))]);
}

/** Sine.   d/dx = dy·cos x @example `tk.sin(tk.tensor([0])).toArray()  // [0]` */
export function sin(x: TensorLike): Tensor {
  const t = toTensor(x, 'sin');
  return record('sin', [t], unaryTensor('sin', t), (dy) => [mul(dy, cos(t))]);
}

/** Cosine.   d/dx = -dy·sin x @example `tk.cos(tk.tensor([0])).toArray()  // [1]` */
export function cos(x: TensorLike): Tensor {
  const t = toTensor(x, 'cos');
  return record('cos', [t], unaryTensor('cos', t), (dy) => [neg(mul(dy, sin(t)))]);
}

// ---- step functions: their derivative is 0 almost everywhere --------------------------------

function step(op: 'sign' | 'floor' | 'ceil' | 'round', x: TensorLike): Tensor {
  const t = toTensor(x, op);
  return record(op, [t], unaryTensor(op, t), () => [zeroGradient(t.shape)]);
}

/** -1, 0 or 1 (NaN stays NaN).   d/dx = 0 @example `tk.sign(tk.tensor([-3, 0, 2])).toArray()  // [-1, 0, 1]` */
export function sign(x: TensorLike): Tensor { return step('sign', x); }
/** Round down.   d/dx = 0 @example `tk.floor(tk.tensor([1.7, -1.2])).toArray()  // [1, -2]` */
export function floor(x: TensorLike): Tensor { return step('floor', x); }
/** Round up.   d/dx = 0 @example `tk.ceil(tk.tensor([1.2])).toArray()  // [2]` */
export function ceil(x: TensorLike): Tensor { return step('ceil', x); }
/**
 * Round half to even, as NumPy, TensorFlow and Keras (`K.round`): 0.5 → 0, 1.5 → 2, 2.5 → 2.
 * JavaScript's `Math.round` rounds halves up and is not what Keras does.   d/dx = 0
 *
 * @example
 * ```ts
 * tk.round(tk.tensor([0.5, 1.5, 2.5, -0.5])).toArray();   // [0, 2, 2, -0]
 * ```
 */
export function round(x: TensorLike): Tensor { return step('round', x); }

/**
 * Clamps into [lo, hi].   d/dx = dy where lo ≤ x ≤ hi, else 0 (as TensorFlow's clipByValue)
 *
 * @example
 * ```ts
 * tk.clip(tk.tensor([-2, 0.5, 3]), 0, 1).toArray();   // [0, 0.5, 1]
 * ```
 */
export function clip(x: TensorLike, lo: number, hi: number): Tensor {
  const t = toTensor(x, 'clip');
  if (!(lo <= hi)) throw new Error(`clip: lo must be <= hi, got lo=${lo}, hi=${hi}`);
  const out = new Float32Array(t.size);
  clipKernel(t.data, lo, hi, out);
  return record('clip', [t], new Tensor(out, t.shape), (dy) => [clipGrad(dy, t, lo, hi)], { lo, hi });
}

// ---- gradient primitives: the fused backward passes above, each an op with its own derivative ----
// Each is linear in dy, so its derivative for dy is itself applied to the incoming gradient g; the
// masks ([x > 0], ...) are constants, whose derivative is 0 almost everywhere.

/** dy and the saved tensor of a gradient primitive, checked to have one shape. */
function gradArgs(op: string, dy: TensorLike, saved: TensorLike, savedName: 'x' | 'y'): [Tensor, Tensor] {
  const d = toTensor(dy, op);
  const s = toTensor(saved, op);
  if (!shapesEqual(d.shape, s.shape)) throw new Error(`${op}: dy ${formatShape(d.shape)} and ${savedName} ${formatShape(s.shape)} must have the same shape`);
  return [d, s];
}

function fused(op: ActivationGradOp, dy: Tensor, saved: Tensor): Tensor {
  const dx = new Float32Array(dy.size);
  activationGrad(op, dy.data, saved.data, dx);
  return new Tensor(dx, dy.shape);
}

/** A constant mask: 1 where y ≤ 0 (the exponential branch of elu and selu), else 0. */
function atMostZero(y: Tensor): Tensor {
  return binaryTensor('lessEqual', y, new Tensor(new Float32Array(1), []));
}

/**
 * relu's backward, `dy·[x > 0]`, in one pass.   d/ddy = reluGrad(g, x);  d/dx = 0
 *
 * @example
 * ```ts
 * reluGrad(tk.tensor([5, 5]), tk.tensor([-1, 2])).toArray();   // [0, 5]
 * ```
 */
export function reluGrad(dy: TensorLike, x: TensorLike): Tensor {
  const [d, t] = gradArgs('reluGrad', dy, x, 'x');
  return record('reluGrad', [d, t], fused('reluGrad', d, t), (g) => [d.requiresGrad ? reluGrad(g, t) : null, null]);
}

/**
 * relu6's backward, `dy·[0 < x < 6]`, in one pass.   d/ddy = relu6Grad(g, x);  d/dx = 0
 *
 * @example
 * ```ts
 * relu6Grad(tk.tensor([5, 5, 5]), tk.tensor([-1, 2, 7])).toArray();   // [0, 5, 0]
 * ```
 */
export function relu6Grad(dy: TensorLike, x: TensorLike): Tensor {
  const [d, t] = gradArgs('relu6Grad', dy, x, 'x');
  return record('relu6Grad', [d, t], fused('relu6Grad', d, t), (g) => [d.requiresGrad ? relu6Grad(g, t) : null, null]);
}

/**
 * sigmoid's backward from its output y, `dy·y·(1−y)`, in one pass.
 * d/ddy = sigmoidGrad(g, y);  d/dy = g·dy·(1 − 2y)
 *
 * @example
 * ```ts
 * sigmoidGrad(tk.tensor([1]), tk.tensor([0.5])).toArray();   // [0.25]
 * ```
 */
export function sigmoidGrad(dy: TensorLike, y: TensorLike): Tensor {
  const [d, s] = gradArgs('sigmoidGrad', dy, y, 'y');
  return record('sigmoidGrad', [d, s], fused('sigmoidGrad', d, s), (g) => [
    d.requiresGrad ? sigmoidGrad(g, s) : null,
    s.requiresGrad ? mul(mul(g, d), sub(1, mul(s, 2))) : null,
  ]);
}

/**
 * tanh's backward from its output y, `dy·(1−y²)`, in one pass.   d/ddy = tanhGrad(g, y);  d/dy = −2·g·dy·y
 *
 * @example
 * ```ts
 * tanhGrad(tk.tensor([1]), tk.tensor([0.5])).toArray();   // [0.75]
 * ```
 */
export function tanhGrad(dy: TensorLike, y: TensorLike): Tensor {
  const [d, s] = gradArgs('tanhGrad', dy, y, 'y');
  return record('tanhGrad', [d, s], fused('tanhGrad', d, s), (g) => [
    d.requiresGrad ? tanhGrad(g, s) : null,
    s.requiresGrad ? mul(mul(g, d), mul(s, -2)) : null,
  ]);
}

/**
 * elu's backward from its output y: `dy` where y > 0, else `dy·(y+1)`.
 * d/ddy = eluGrad(g, y);  d/dy = g·dy·[y ≤ 0]
 *
 * @example
 * ```ts
 * eluGrad(tk.tensor([2, 2]), tk.tensor([-0.5, 3])).toArray();   // [1, 2]
 * ```
 */
export function eluGrad(dy: TensorLike, y: TensorLike): Tensor {
  const [d, s] = gradArgs('eluGrad', dy, y, 'y');
  const dx = new Float32Array(d.size);
  const g0 = d.data;
  const y0 = s.data;
  for (let i = 0; i < dx.length; i++) dx[i] = y0[i]! > 0 ? g0[i]! : g0[i]! * (y0[i]! + 1);
  return record('eluGrad', [d, s], new Tensor(dx, d.shape), (g) => [
    d.requiresGrad ? eluGrad(g, s) : null,
    s.requiresGrad ? mul(mul(g, d), atMostZero(s)) : null,
  ]);
}

/**
 * selu's backward from its output y: `dy·scale` where y > 0, else `dy·(y + scale·alpha)`.
 * d/ddy = seluGrad(g, y);  d/dy = g·dy·[y ≤ 0]
 *
 * @example
 * ```ts
 * seluGrad(tk.tensor([1]), tk.tensor([2])).toArray();   // [1.0507…]: the scale
 * ```
 */
export function seluGrad(dy: TensorLike, y: TensorLike): Tensor {
  const [d, s] = gradArgs('seluGrad', dy, y, 'y');
  const dx = new Float32Array(d.size);
  const g0 = d.data;
  const y0 = s.data;
  for (let i = 0; i < dx.length; i++) dx[i] = y0[i]! > 0 ? g0[i]! * SELU_SCALE : g0[i]! * (y0[i]! + SELU_SCALE * SELU_ALPHA);
  return record('seluGrad', [d, s], new Tensor(dx, d.shape), (g) => [
    d.requiresGrad ? seluGrad(g, s) : null,
    s.requiresGrad ? mul(mul(g, d), atMostZero(s)) : null,
  ]);
}

/**
 * clip's backward, `dy·[lo ≤ x ≤ hi]`, in one pass.   d/ddy = clipGrad(g, x);  d/dx = 0
 *
 * @example
 * ```ts
 * clipGrad(tk.tensor([3, 3, 3]), tk.tensor([-2, 0.5, 2]), 0, 1).toArray();   // [0, 3, 0]
 * ```
 */
export function clipGrad(dy: TensorLike, x: TensorLike, lo: number, hi: number): Tensor {
  const [d, t] = gradArgs('clipGrad', dy, x, 'x');
  const dx = new Float32Array(d.size);
  for (let i = 0; i < dx.length; i++) {
    const v = t.data[i]!;
    dx[i] = v >= lo && v <= hi ? d.data[i]! : 0;
  }
  return record('clipGrad', [d, t], new Tensor(dx, d.shape), (g) => [d.requiresGrad ? clipGrad(g, t, lo, hi) : null, null], { lo, hi });
}
