// Hinge losses (keras-facts §5.2), for classifiers with labels in {−1, 1} (or {0, 1}, converted).

import { noGrad } from '../autograd/tape.js';
import * as ops from '../ops/index.js';
import type { Tensor, TensorLike } from '../tensor/tensor.js';
import { alignLabels, LossFunctionWrapper, pickLossOptions, type LossOptions } from './loss.js';

/**
 * Keras's `convert_binary_labels_to_hinge`: when EVERY label is 0 or 1 they become −1 or 1
 * (2y − 1); otherwise the labels are used as they are.
 */
function toHingeLabels(y: Tensor): Tensor {
  const binary = y.data.every((v) => v === 0 || v === 1);
  return binary ? noGrad(() => ops.sub(ops.mul(y, 2), 1)) : y;
}

/**
 * Hinge loss over the last axis: `mean(max(1 − y·p, 0))`, labels in {−1, 1} ({0, 1} converted).
 *
 * @example
 * ```ts
 * tk.losses.hinge(tk.tensor([[0, 1]]), tk.tensor([[0.5, 0.2]])).toArray();   // [mean(1.5, 0.8)] = [1.15]
 * ```
 */
export function hinge(yTrue: TensorLike, yPred: TensorLike): Tensor {
  const [t, p] = alignLabels('hinge', yTrue, yPred);
  const y = toHingeLabels(t);
  return ops.mean(ops.maximum(ops.sub(1, ops.mul(y, p)), 0), -1);
}

/**
 * Squared hinge loss over the last axis: `mean(max(1 − y·p, 0)²)`.
 *
 * @example
 * ```ts
 * tk.losses.squaredHinge(tk.tensor([[0, 1]]), tk.tensor([[0.5, 0.2]])).toArray();   // [(2.25 + 0.64)/2] = [1.445]
 * ```
 */
export function squaredHinge(yTrue: TensorLike, yPred: TensorLike): Tensor {
  const [t, p] = alignLabels('squared_hinge', yTrue, yPred);
  const y = toHingeLabels(t);
  return ops.mean(ops.square(ops.maximum(ops.sub(1, ops.mul(y, p)), 0)), -1);
}

/**
 * Categorical hinge over the last axis: `max(neg − pos + 1, 0)` with `pos = Σ y·p` and
 * `neg = max((1 − y)·p)`; labels one-hot.
 *
 * @example
 * ```ts
 * tk.losses.categoricalHinge(tk.tensor([[0, 1]]), tk.tensor([[0.3, 0.6]])).toArray();   // [0.7]
 * ```
 */
export function categoricalHinge(yTrue: TensorLike, yPred: TensorLike): Tensor {
  const [y, p] = alignLabels('categorical_hinge', yTrue, yPred);
  const pos = ops.sum(ops.mul(y, p), -1);
  const neg = ops.max(ops.mul(ops.sub(1, y), p), -1);
  return ops.maximum(ops.add(ops.sub(neg, pos), 1), 0);
}

/**
 * Hinge loss as a Loss (default name 'hinge').
 *
 * @example
 * ```ts
 * new tk.losses.Hinge().compute([[1], [-1]], [[0.3], [0.4]]).item();   // mean(0.7, 1.4) = 1.05
 * ```
 */
export class Hinge extends LossFunctionWrapper {
  constructor(options: LossOptions = {}) {
    super(hinge, { name: 'hinge', ...pickLossOptions(options) });
  }
}

/**
 * Squared hinge loss as a Loss (default name 'squared_hinge').
 *
 * @example
 * ```ts
 * new tk.losses.SquaredHinge().compute([[1]], [[0.5]]).item();   // 0.25
 * ```
 */
export class SquaredHinge extends LossFunctionWrapper {
  constructor(options: LossOptions = {}) {
    super(squaredHinge, { name: 'squared_hinge', ...pickLossOptions(options) });
  }
}

/**
 * Categorical hinge as a Loss (default name 'categorical_hinge').
 *
 * @example
 * ```ts
 * new tk.losses.CategoricalHinge().compute([[0, 1]], [[0.3, 0.6]]).item();   // 0.7
 * ```
 */
export class CategoricalHinge extends LossFunctionWrapper {
  constructor(options: LossOptions = {}) {
    super(categoricalHinge, { name: 'categorical_hinge', ...pickLossOptions(options) });
  }
}
