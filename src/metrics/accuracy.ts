// Accuracy metrics (keras/src/metrics/accuracy_metrics.py): functions returning 1 where a
// prediction is right and 0 where it is wrong, and the classes that average them.

import * as ops from '../ops/index.js';
import { squeezeOrExpandToSameRank } from '../losses/loss.js';
import { toTensor, type Tensor, type TensorLike } from '../tensor/tensor.js';
import { MeanMetricWrapper } from './metric.js';

/**
 * 1 where `yTrue == yPred` exactly, else 0 (ranks aligned first): Keras's `accuracy`, for
 * predictions that are already labels.
 *
 * @example
 * ```ts
 * tk.metrics.accuracy(tk.tensor([1, 2, 3]), tk.tensor([1, 2, 4])).toArray();   // [1, 1, 0]
 * ```
 */
export function accuracy(yTrue: TensorLike, yPred: TensorLike): Tensor {
  const [y, p] = squeezeOrExpandToSameRank(toTensor(yTrue, 'accuracy'), toTensor(yPred, 'accuracy'));
  return ops.equal(y, p);
}

/**
 * 1 where the thresholded prediction `yPred > threshold` (strictly) equals the 0/1 label, else 0,
 * elementwise (ranks aligned first). For p in [0, 1] and threshold 0.5 this is Keras 2.2.4's
 * `mean(equal(y, round(p)))`: round(0.5) = 0 (half to even), and 0.5 > 0.5 is false.
 *
 * @example
 * ```ts
 * tk.metrics.binaryAccuracy(tk.tensor([[1], [0]]), tk.tensor([[0.6], [0.5]])).toArray();   // [[1], [1]]
 * ```
 */
export function binaryAccuracy(yTrue: TensorLike, yPred: TensorLike, threshold = 0.5): Tensor {
  const [y, p] = squeezeOrExpandToSameRank(toTensor(yTrue, 'binary_accuracy'), toTensor(yPred, 'binary_accuracy'));
  return ops.equal(y, ops.greater(p, threshold));
}

/**
 * 1 where `argmax(yTrue) == argmax(yPred)` along the last axis (one-hot labels), else 0: one
 * value per sample. Ties go to the first index.
 *
 * @example
 * ```ts
 * tk.metrics.categoricalAccuracy(tk.tensor([[0, 1], [1, 0]]), tk.tensor([[0.3, 0.7], [0.4, 0.6]])).toArray();   // [1, 0]
 * ```
 */
export function categoricalAccuracy(yTrue: TensorLike, yPred: TensorLike): Tensor {
  const y = toTensor(yTrue, 'categorical_accuracy');
  const p = toTensor(yPred, 'categorical_accuracy');
  let ids = ops.argmax(y, -1);
  if (ids.rank === p.rank) ids = ops.squeeze(ids, -1);
  return ops.equal(ids, ops.argmax(p, -1));
}

/**
 * 1 where the integer label equals `argmax(yPred)` along the last axis, else 0: one value per
 * sample. Labels of shape [N] or [N, 1].
 *
 * @example
 * ```ts
 * tk.metrics.sparseCategoricalAccuracy(tk.tensor([1, 0]), tk.tensor([[0.3, 0.7], [0.4, 0.6]])).toArray();   // [1, 0]
 * ```
 */
export function sparseCategoricalAccuracy(yTrue: TensorLike, yPred: TensorLike): Tensor {
  let y = toTensor(yTrue, 'sparse_categorical_accuracy');
  const p = toTensor(yPred, 'sparse_categorical_accuracy');
  if (y.rank === p.rank && y.shape[y.rank - 1] === 1) y = ops.squeeze(y, -1);
  let matches = ops.equal(y, ops.argmax(p, -1));
  if (matches.rank > 1 && matches.shape[matches.rank - 1] === 1) matches = ops.squeeze(matches, -1);
  return matches;
}

/**
 * The rate of exact matches `yTrue == yPred` (default name 'accuracy'). Note: the STRING
 * 'accuracy' in `compile` / `getMetric` is resolved by shapes instead (binary, sparse or
 * categorical accuracy), as Keras.
 *
 * @example
 * ```ts
 * const m = new tk.metrics.Accuracy();
 * m.update(tk.tensor([1, 2, 3, 4]), tk.tensor([0, 2, 3, 4]));
 * m.result();   // 0.75
 * ```
 */
export class Accuracy extends MeanMetricWrapper {
  constructor(options: { name?: string } = {}) {
    super(accuracy, { name: options.name ?? 'accuracy', direction: 'max' });
  }
}

/**
 * The rate of right 0/1 predictions, a prediction being 1 when `p > threshold` (default 0.5).
 *
 * @example
 * ```ts
 * const m = new tk.metrics.BinaryAccuracy({ threshold: 0.5 });
 * m.update(tk.tensor([[1], [1], [0], [0]]), tk.tensor([[0.98], [1], [0], [0.6]]));
 * m.result();   // 0.75
 * ```
 */
export class BinaryAccuracy extends MeanMetricWrapper {
  /** A prediction counts as 1 when it is above this (default 0.5). */
  readonly threshold: number;
  constructor(options: { name?: string; threshold?: number } = {}) {
    const threshold = options.threshold ?? 0.5;
    super((t, p) => binaryAccuracy(t, p, threshold), { name: options.name ?? 'binary_accuracy', direction: 'max' });
    this.threshold = threshold;
  }
}

/**
 * The rate of samples whose predicted class (argmax) is the one-hot label's class.
 *
 * @example
 * ```ts
 * const m = new tk.metrics.CategoricalAccuracy();
 * m.update(tk.tensor([[0, 0, 1], [0, 1, 0]]), tk.tensor([[0.1, 0.9, 0.8], [0.05, 0.95, 0]]));
 * m.result();   // 0.5
 * ```
 */
export class CategoricalAccuracy extends MeanMetricWrapper {
  constructor(options: { name?: string } = {}) {
    super(categoricalAccuracy, { name: options.name ?? 'categorical_accuracy', direction: 'max' });
  }
}

/**
 * The rate of samples whose predicted class (argmax) is the integer label.
 *
 * @example
 * ```ts
 * const m = new tk.metrics.SparseCategoricalAccuracy();
 * m.update(tk.tensor([[2], [1]]), tk.tensor([[0.1, 0.6, 0.3], [0.05, 0.95, 0]]));
 * m.result();   // 0.5
 * ```
 */
export class SparseCategoricalAccuracy extends MeanMetricWrapper {
  constructor(options: { name?: string } = {}) {
    super(sparseCategoricalAccuracy, { name: options.name ?? 'sparse_categorical_accuracy', direction: 'max' });
  }
}
