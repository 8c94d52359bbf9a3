// Regression metrics (keras/src/metrics/regression_metrics.py): the regression losses averaged
// over every sample seen, plus RootMeanSquaredError and the (positive) cosine similarity.

import * as ops from '../ops/index.js';
import { squeezeOrExpandToSameRank } from '../losses/loss.js';
import { l2Normalize, logCosh, meanAbsoluteError, meanAbsolutePercentageError, meanSquaredError, meanSquaredLogarithmicError } from '../losses/regression.js';
import { noGrad } from '../autograd/tape.js';
import { toTensor, type Tensor, type TensorLike } from '../tensor/tensor.js';
import { MeanMetricWrapper } from './metric.js';

/** Options of a metric: its name. */
export interface MetricOptions {
  /** The key under which the metric is reported (`History.history`, logs); each class has a Keras default. */
  name?: string;
}

/**
 * Mean squared error over every sample seen (default name 'mean_squared_error').
 *
 * @example
 * ```ts
 * const m = new tk.metrics.MeanSquaredError();
 * m.update(tk.tensor([[0, 1]]), tk.tensor([[1, 1]]));
 * m.result();   // 0.5
 * ```
 */
export class MeanSquaredError extends MeanMetricWrapper {
  constructor(options: MetricOptions = {}) {
    super((t, p) => meanSquaredError(t, p), { name: options.name ?? 'mean_squared_error', direction: 'min' });
  }
}

/**
 * Mean absolute error over every sample seen (default name 'mean_absolute_error').
 *
 * @example
 * ```ts
 * const m = new tk.metrics.MeanAbsoluteError();
 * m.update(tk.tensor([[0, 1]]), tk.tensor([[1, 3]]));
 * m.result();   // 1.5
 * ```
 */
export class MeanAbsoluteError extends MeanMetricWrapper {
  constructor(options: MetricOptions = {}) {
    super((t, p) => meanAbsoluteError(t, p), { name: options.name ?? 'mean_absolute_error', direction: 'min' });
  }
}

/**
 * Mean absolute percentage error (default name 'mean_absolute_percentage_error').
 *
 * @example
 * ```ts
 * const m = new tk.metrics.MeanAbsolutePercentageError();
 * m.update(tk.tensor([[2, 4]]), tk.tensor([[1, 5]]));
 * m.result();   // 37.5
 * ```
 */
export class MeanAbsolutePercentageError extends MeanMetricWrapper {
  constructor(options: MetricOptions = {}) {
    super((t, p) => meanAbsolutePercentageError(t, p), { name: options.name ?? 'mean_absolute_percentage_error', direction: 'min' });
  }
}

/**
 * Mean squared logarithmic error (default name 'mean_squared_logarithmic_error').
 *
 * @example
 * ```ts
 * const m = new tk.metrics.MeanSquaredLogarithmicError();
 * m.update(tk.tensor([[0, 1]]), tk.tensor([[1, 1]]));
 * m.result();   // 0.2402
 * ```
 */
export class MeanSquaredLogarithmicError extends MeanMetricWrapper {
  constructor(options: MetricOptions = {}) {
    super((t, p) => meanSquaredLogarithmicError(t, p), { name: options.name ?? 'mean_squared_logarithmic_error', direction: 'min' });
  }
}

/**
 * √(mean squared error over every value seen) (default name 'root_mean_squared_error').
 *
 * @example
 * ```ts
 * const m = new tk.metrics.RootMeanSquaredError();
 * m.update(tk.tensor([[0, 1], [1, 1]]), tk.tensor([[1, 1], [1, 1]]));
 * m.result();   // √0.25 = 0.5
 * ```
 */
export class RootMeanSquaredError extends MeanMetricWrapper {
  constructor(options: MetricOptions = {}) {
    super((t, p) => {
      const [y, q] = squeezeOrExpandToSameRank(t, p);
      return ops.squaredDifference(y, q);
    }, { name: options.name ?? 'root_mean_squared_error', direction: 'min' });
  }
  override result(): number {
    return Math.sqrt(super.result());
  }
}

/**
 * Cosine similarity `Σ l2normalize(y)·l2normalize(p)` along `axis`, in [−1, 1] (1 = same
 * direction). Positive, unlike the loss of the same name.
 *
 * @example
 * ```ts
 * tk.metrics.cosineSimilarity(tk.tensor([[0, 1], [1, 1]]), tk.tensor([[1, 0], [1, 1]])).toArray();   // [0, 1]
 * ```
 */
export function cosineSimilarity(yTrue: TensorLike, yPred: TensorLike, axis = -1): Tensor {
  return noGrad(() => {
    const [y, p] = squeezeOrExpandToSameRank(toTensor(yTrue, 'cosine_similarity'), toTensor(yPred, 'cosine_similarity'));
    return ops.sum(ops.mul(l2Normalize(y, axis), l2Normalize(p, axis)), axis);
  });
}

/**
 * Mean cosine similarity over every sample seen (default name 'cosine_similarity'; larger is better).
 *
 * @example
 * ```ts
 * const m = new tk.metrics.CosineSimilarity();
 * m.update(tk.tensor([[0, 1], [1, 1]]), tk.tensor([[1, 0], [1, 1]]));
 * m.result();   // 0.5
 * ```
 */
export class CosineSimilarity extends MeanMetricWrapper {
  /** The axis along which the vectors are compared (default -1, the last). */
  readonly axis: number;
  constructor(options: MetricOptions & { axis?: number } = {}) {
    const axis = options.axis ?? -1;
    super((t, p) => cosineSimilarity(t, p, axis), { name: options.name ?? 'cosine_similarity', direction: 'max' });
    this.axis = axis;
  }
}

/**
 * Mean log(cosh(p − y)) over every sample seen (default name 'logcosh', as Keras).
 *
 * @example
 * ```ts
 * const m = new tk.metrics.LogCoshError();
 * m.update(tk.tensor([[0]]), tk.tensor([[1]]));
 * m.result();   // 0.4338
 * ```
 */
export class LogCoshError extends MeanMetricWrapper {
  constructor(options: MetricOptions = {}) {
    super((t, p) => logCosh(t, p), { name: options.name ?? 'logcosh', direction: 'min' });
  }
}
