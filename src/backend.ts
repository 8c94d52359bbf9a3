// Keras backend-style helpers, the `K` of `import tensorflow.keras.backend as K`:
// thin, documented aliases of tensorkit ops plus the backend configuration (epsilon, floatx,
// image data format), so Keras snippets port line by line.

import * as ops from './ops/index.js';
import { randomNormal as randomNormalTensor, randomUniform as randomUniformTensor, truncatedNormal as truncatedNormalTensor } from './tensor/creation.js';
import type { Tensor, TensorLike } from './tensor/tensor.js';

let epsilonValue = 1e-7;
let imageDataFormatValue: 'channels_last' | 'channels_first' = 'channels_last';

/**
 * The fuzz factor used across losses and optimizers: 1e-7 by default, as Keras.
 *
 * @example
 * ```ts
 * tk.backend.epsilon();   // 1e-7
 * ```
 */
export function epsilon(): number {
  return epsilonValue;
}

/** Sets the value returned by {@link epsilon} (used by losses and optimizers created afterwards). @example `K.setEpsilon(1e-6)` */
export function setEpsilon(value: number): void {
  if (!(value > 0) || !Number.isFinite(value)) throw new Error(`setEpsilon: expected a positive finite number, got ${value}`);
  epsilonValue = value;
}

/** Always `'float32'`: the only float type tensorkit stores. @example `K.floatx()  // 'float32'` */
export function floatx(): 'float32' {
  return 'float32';
}

/** The default image layout: `'channels_last'` unless changed. @example `K.imageDataFormat()` */
export function imageDataFormat(): 'channels_last' | 'channels_first' {
  return imageDataFormatValue;
}

/** Sets the default image layout used by Conv2D, pooling and Flatten when none is given. @example `K.setImageDataFormat('channels_first')` */
export function setImageDataFormat(format: 'channels_last' | 'channels_first'): void {
  if (format !== 'channels_last' && format !== 'channels_first') {
    throw new Error(`setImageDataFormat: expected 'channels_last' or 'channels_first', got '${String(format)}'`);
  }
  imageDataFormatValue = format;
}

/**
 * Mean over `axis` (all axes by default); 0/1 tensors from comparisons average to a rate.
 *
 * @example
 * ```ts
 * const K = tk.backend;
 * const yTrue = tk.tensor([[0, 1], [1, 0], [1, 0], [0, 1]]);
 * const yPred = tk.tensor([[0.4, 0.6], [0.3, 0.7], [0.05, 0.95], [0.33, 0.67]]);
 * K.mean(K.equal(yTrue, K.round(yPred))).item();   // 0.5
 * ```
 */
export function mean(x: TensorLike, axis?: number | number[] | null, keepDims = false): Tensor { return ops.mean(x, axis, keepDims); }
/** Sum over `axis`. @example `K.sum(x, 1)` */
export function sum(x: TensorLike, axis?: number | number[] | null, keepDims = false): Tensor { return ops.sum(x, axis, keepDims); }
/** Maximum over `axis`. @example `K.max(x)` */
export function max(x: TensorLike, axis?: number | number[] | null, keepDims = false): Tensor { return ops.max(x, axis, keepDims); }
/** Minimum over `axis`. @example `K.min(x)` */
export function min(x: TensorLike, axis?: number | number[] | null, keepDims = false): Tensor { return ops.min(x, axis, keepDims); }
/** Product over `axis`. @example `K.prod(x)` */
export function prod(x: TensorLike, axis?: number | number[] | null, keepDims = false): Tensor { return ops.prod(x, axis, keepDims); }
/** Index of the max along `axis` (default last, as Keras). @example `K.argmax(probs)` */
export function argmax(x: TensorLike, axis = -1): Tensor { return ops.argmax(x, axis); }
/** Index of the min along `axis` (default last). @example `K.argmin(x)` */
export function argmin(x: TensorLike, axis = -1): Tensor { return ops.argmin(x, axis); }
/** 1 where equal, else 0 (Keras returns booleans; tensorkit's are float32 0/1 so they average directly). @example `K.equal(a, b)` */
export function equal(a: TensorLike, b: TensorLike): Tensor { return ops.equal(a, b); }
/** 1 where not equal, else 0. @example `K.notEqual(a, b)` */
export function notEqual(a: TensorLike, b: TensorLike): Tensor { return ops.notEqual(a, b); }
/** Round half to even, as Keras: 0.5 → 0, 1.5 → 2. @example `K.round(x)` */
export function round(x: TensorLike): Tensor { return ops.round(x); }
/** `|x|`. @example `K.abs(x)` */
export function abs(x: TensorLike): Tensor { return ops.abs(x); }
/** `x²`. @example `K.square(x)` */
export function square(x: TensorLike): Tensor { return ops.square(x); }
/** `√x`. @example `K.sqrt(x)` */
export function sqrt(x: TensorLike): Tensor { return ops.sqrt(x); }
/** `e^x`. @example `K.exp(x)` */
export function exp(x: TensorLike): Tensor { return ops.exp(x); }
/** Natural log. @example `K.log(x)` */
export function log(x: TensorLike): Tensor { return ops.log(x); }
/** Clamp into [minValue, maxValue]. @example `K.clip(p, K.epsilon(), 1 - K.epsilon())` */
export function clip(x: TensorLike, minValue: number, maxValue: number): Tensor { return ops.clip(x, minValue, maxValue); }
/** Matrix product. @example `K.dot(a, b)` */
export function dot(a: TensorLike, b: TensorLike): Tensor { return ops.matmul(a, b); }
/** Transpose (reverse the axes). @example `K.transpose(a)` */
export function transpose(x: TensorLike): Tensor { return ops.transpose(x); }
/** Reshape. @example `K.reshape(x, [-1, 4])` */
export function reshape(x: TensorLike, shape: number[]): Tensor { return ops.reshape(x, shape); }
/** Insert a size-1 axis (default last, as Keras). @example `K.expandDims(x)` */
export function expandDims(x: TensorLike, axis = -1): Tensor { return ops.expandDims(x, axis); }
/** Softmax along the last axis. @example `K.softmax(logits)` */
export function softmax(x: TensorLike, axis = -1): Tensor { return ops.softmax(x, axis); }

/** The options-object form of {@link randomNormal} and {@link truncatedNormal} (instead of Keras's positional arguments). */
export type RandomArgs = {
  /** Mean of the distribution (default 0). */
  mean?: number;
  /** Standard deviation (default 1); the truncated normal redraws values beyond 2 of them. */
  stddev?: number;
  /** Seed of this draw's own generator; omitted: the global generator (`tk.setSeed`). */
  seed?: number;
};

/**
 * Normal draws, called as Keras (`K.random_normal(shape, mean, stddev, dtype, seed)`) or with an
 * options object.
 *
 * @example
 * ```ts
 * const myInit = (shape: number[], dtype?: string) => K.randomNormal(shape, 0, 1, dtype);
 * K.randomNormal([2, 2], { stddev: 0.1, seed: 3 });
 * ```
 */
export function randomNormal(shape: readonly number[], meanOrOptions: number | RandomArgs = 0, stddev = 1, dtype?: string, seed?: number): Tensor {
  checkDtype(dtype, 'randomNormal');
  const o = typeof meanOrOptions === 'number' ? { mean: meanOrOptions, stddev, seed } : meanOrOptions;
  return randomNormalTensor(shape, o);
}

/** Truncated normal draws (beyond 2σ redrawn), Keras order `(shape, mean, stddev, dtype, seed)`. @example `K.truncatedNormal([3], 0, 0.05)` */
export function truncatedNormal(shape: readonly number[], meanOrOptions: number | RandomArgs = 0, stddev = 1, dtype?: string, seed?: number): Tensor {
  checkDtype(dtype, 'truncatedNormal');
  const o = typeof meanOrOptions === 'number' ? { mean: meanOrOptions, stddev, seed } : meanOrOptions;
  return truncatedNormalTensor(shape, o);
}

/**
 * Uniform draws in [minval, maxval), Keras order `(shape, minval, maxval, dtype, seed)` or an
 * options object.
 *
 * @example
 * ```ts
 * K.randomUniform([2], -1, 1);
 * ```
 */
export function randomUniform(shape: readonly number[], minvalOrOptions: number | { minval?: number; maxval?: number; seed?: number } = 0, maxval = 1, dtype?: string, seed?: number): Tensor {
  checkDtype(dtype, 'randomUniform');
  const o = typeof minvalOrOptions === 'number' ? { minval: minvalOrOptions, maxval, seed } : minvalOrOptions;
  return randomUniformTensor(shape, o);
}

function checkDtype(dtype: string | undefined | null, op: string): void {
  if (dtype !== undefined && dtype !== null && dtype !== 'float32') {
    throw new Error(`${op}: tensorkit stores float32 only, got dtype '${dtype}'`);
  }
}
