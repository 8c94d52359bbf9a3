// Regression losses (keras-facts §5.2). Each function aligns the ranks of yTrue and yPred (a
// trailing 1 squeezed or added), broadcasts them, and reduces the last axis: per-sample values.

import { epsilon } from '../backend.js';
import * as ops from '../ops/index.js';
import type { Tensor, TensorLike } from '../tensor/tensor.js';
import { alignLabels, LossFunctionWrapper, pickLossOptions, type LossOptions } from './loss.js';

/**
 * Mean squared error over the last axis: `mean((y − p)²)`.
 *
 * @example
 * ```ts
 * tk.losses.meanSquaredError(tk.tensor([[0, 1], [0, 0]]), tk.tensor([[1, 1], [1, 0]])).toArray();   // [0.5, 0.5]
 * ```
 */
export function meanSquaredError(yTrue: TensorLike, yPred: TensorLike): Tensor {
  const [y, p] = alignLabels('mean_squared_error', yTrue, yPred);
  return ops.mean(ops.squaredDifference(y, p), -1);
}

/**
 * Mean absolute error over the last axis: `mean(|y − p|)`.
 *
 * @example
 * ```ts
 * tk.losses.meanAbsoluteError(tk.tensor([[0, 1]]), tk.tensor([[1, 3]])).toArray();   // [1.5]
 * ```
 */
export function meanAbsoluteError(yTrue: TensorLike, yPred: TensorLike): Tensor {
  const [y, p] = alignLabels('mean_absolute_error', yTrue, yPred);
  return ops.mean(ops.abs(ops.sub(y, p)), -1);
}

/**
 * Mean absolute percentage error over the last axis: `100·mean(|y − p| / max(|y|, ε))`.
 *
 * @example
 * ```ts
 * tk.losses.meanAbsolutePercentageError(tk.tensor([[2, 4]]), tk.tensor([[1, 5]])).toArray();   // [37.5]
 * ```
 */
export function meanAbsolutePercentageError(yTrue: TensorLike, yPred: TensorLike): Tensor {
  const [y, p] = alignLabels('mean_absolute_percentage_error', yTrue, yPred);
  const diff = ops.abs(ops.div(ops.sub(y, p), ops.maximum(ops.abs(y), epsilon())));
  return ops.mul(ops.mean(diff, -1), 100);
}

/**
 * Mean squared logarithmic error over the last axis:
 * `mean((log(max(p, ε) + 1) − log(max(y, ε) + 1))²)`.
 *
 * @example
 * ```ts
 * tk.losses.meanSquaredLogarithmicError(tk.tensor([[0, 1]]), tk.tensor([[1, 1]])).toArray();   // [0.2402]
 * ```
 */
export function meanSquaredLogarithmicError(yTrue: TensorLike, yPred: TensorLike): Tensor {
  const [y, p] = alignLabels('mean_squared_logarithmic_error', yTrue, yPred);
  const eps = epsilon();
  const first = ops.log1p(ops.maximum(p, eps));
  const second = ops.log1p(ops.maximum(y, eps));
  return ops.mean(ops.squaredDifference(first, second), -1);
}

/**
 * Huber loss over the last axis, with e = p − y: `0.5·e²` where |e| ≤ δ, else `δ·|e| − 0.5·δ²`.
 *
 * @example
 * ```ts
 * tk.losses.huber(tk.tensor([[0, 0]]), tk.tensor([[0.5, 3]])).toArray();   // [1.3125] = mean(0.125, 2.5)
 * ```
 */
export function huber(yTrue: TensorLike, yPred: TensorLike, delta = 1): Tensor {
  if (typeof delta !== 'number' || !(delta >= 0)) throw new Error(`huber: delta must be a non-negative number, got ${String(delta)}`);
  const [y, p] = alignLabels('huber', yTrue, yPred);
  const error = ops.sub(p, y);
  const absError = ops.abs(error);
  const quadratic = ops.mul(ops.square(error), 0.5);
  const linear = ops.sub(ops.mul(absError, delta), 0.5 * delta * delta);
  return ops.mean(ops.where(ops.lessEqual(absError, delta), quadratic, linear), -1);
}

/**
 * log(cosh(p − y)) averaged over the last axis, in the stable form
 * `x + softplus(−2x) − log 2` (cosh overflows past |x| ≈ 89 in float32; this does not).
 *
 * @example
 * ```ts
 * tk.losses.logCosh(tk.tensor([[0, 0]]), tk.tensor([[1, 1000]])).toArray();   // [499.87…] = mean(0.4338, 1000 − ln 2), finite
 * ```
 */
export function logCosh(yTrue: TensorLike, yPred: TensorLike): Tensor {
  const [y, p] = alignLabels('log_cosh', yTrue, yPred);
  const x = ops.sub(p, y);
  return ops.mean(ops.sub(ops.add(x, ops.softplus(ops.mul(x, -2))), Math.LN2), -1);
}

/** `x / ‖x‖` along `axis`, as Keras: x·rsqrt(max(Σx², ε²)), so a zero vector stays 0. */
export function l2Normalize(x: Tensor, axis: number): Tensor {
  const eps = epsilon();
  return ops.mul(x, ops.rsqrt(ops.maximum(ops.sum(ops.square(x), axis, true), eps * eps)));
}

/**
 * Negative cosine similarity along `axis`: `−Σ l2normalize(y)·l2normalize(p)`, in [−1, 1];
 * −1 means the same direction (so minimising it aligns the vectors), 0 orthogonal or a zero vector.
 *
 * @example
 * ```ts
 * tk.losses.cosineSimilarity(tk.tensor([[0, 1], [1, 1]]), tk.tensor([[1, 0], [1, 1]])).toArray();   // [-0, -1]
 * ```
 */
export function cosineSimilarity(yTrue: TensorLike, yPred: TensorLike, axis = -1): Tensor {
  const [y, p] = alignLabels('cosine_similarity', yTrue, yPred);
  return ops.neg(ops.sum(ops.mul(l2Normalize(y, axis), l2Normalize(p, axis)), axis));
}

// ---- classes -------------------------------------------------------------------------------

/**
 * Mean squared error as a Loss (default name 'mean_squared_error').
 *
 * @example
 * ```ts
 * new tk.losses.MeanSquaredError().compute(tk.tensor([[0, 1]]), tk.tensor([[1, 1]])).item();   // 0.5
 * ```
 */
export class MeanSquaredError extends LossFunctionWrapper {
  constructor(options: LossOptions = {}) {
    super(meanSquaredError, { name: 'mean_squared_error', ...pickLossOptions(options) });
  }
}

/**
 * Mean absolute error as a Loss (default name 'mean_absolute_error').
 *
 * @example
 * ```ts
 * new tk.losses.MeanAbsoluteError({ reduction: 'sum' }).compute([[0], [1]], [[1], [3]]).item();   // 3
 * ```
 */
export class MeanAbsoluteError extends LossFunctionWrapper {
  constructor(options: LossOptions = {}) {
    super(meanAbsoluteError, { name: 'mean_absolute_error', ...pickLossOptions(options) });
  }
}

/**
 * Mean absolute percentage error as a Loss (default name 'mean_absolute_percentage_error').
 *
 * @example
 * ```ts
 * new tk.losses.MeanAbsolutePercentageError().compute([[2, 4]], [[1, 5]]).item();   // 37.5
 * ```
 */
export class MeanAbsolutePercentageError extends LossFunctionWrapper {
  constructor(options: LossOptions = {}) {
    super(meanAbsolutePercentageError, { name: 'mean_absolute_percentage_error', ...pickLossOptions(options) });
  }
}

/**
 * Mean squared logarithmic error as a Loss (default name 'mean_squared_logarithmic_error').
 *
 * @example
 * ```ts
 * new tk.losses.MeanSquaredLogarithmicError().compute([[0, 1]], [[1, 1]]).item();   // 0.2402
 * ```
 */
export class MeanSquaredLogarithmicError extends LossFunctionWrapper {
  constructor(options: LossOptions = {}) {
    super(meanSquaredLogarithmicError, { name: 'mean_squared_logarithmic_error', ...pickLossOptions(options) });
  }
}

/**
 * Huber loss as a Loss (default name 'huber_loss', as Keras 3; `delta` default 1).
 *
 * @example
 * ```ts
 * new tk.losses.Huber({ delta: 2 }).compute([[0]], [[3]]).item();   // 2·3 − 0.5·4 = 4
 * ```
 */
export class Huber extends LossFunctionWrapper {
  /** Where the loss turns from quadratic to linear, in units of the error (default 1). */
  readonly delta: number;
  constructor(options: LossOptions & { delta?: number } = {}) {
    const delta = options.delta ?? 1;
    super((t, p) => huber(t, p, delta), { name: 'huber_loss', ...pickLossOptions(options) });
    this.delta = delta;
  }
  override getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), delta: this.delta };
  }
}

/**
 * log-cosh as a Loss (default name 'log_cosh').
 *
 * @example
 * ```ts
 * new tk.losses.LogCosh().compute([[0]], [[1]]).item();   // log(cosh 1) = 0.4338
 * ```
 */
export class LogCosh extends LossFunctionWrapper {
  constructor(options: LossOptions = {}) {
    super(logCosh, { name: 'log_cosh', ...pickLossOptions(options) });
  }
}

/**
 * Negative cosine similarity as a Loss (default name 'cosine_similarity').
 *
 * @example
 * ```ts
 * new tk.losses.CosineSimilarity({ axis: -1 }).compute([[1, 1]], [[2, 2]]).item();   // -1
 * ```
 */
export class CosineSimilarity extends LossFunctionWrapper {
  /** The axis along which the vectors are compared (default -1, the last). */
  readonly axis: number;
  constructor(options: LossOptions & { axis?: number } = {}) {
    const axis = options.axis ?? -1;
    super((t, p) => cosineSimilarity(t, p, axis), { name: 'cosine_similarity', ...pickLossOptions(options) });
    this.axis = axis;
  }
  override getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), axis: this.axis };
  }
}
