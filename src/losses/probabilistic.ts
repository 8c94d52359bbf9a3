// Losses between distributions or counts: Kullback-Leibler divergence and Poisson (keras-facts §5.2).

import { epsilon } from '../backend.js';
import * as ops from '../ops/index.js';
import type { Tensor, TensorLike } from '../tensor/tensor.js';
import { alignLabels, LossFunctionWrapper, pickLossOptions, type LossOptions } from './loss.js';

/**
 * Kullback-Leibler divergence over the last axis: `Σ y·log(y/p)` with y and p clipped to [ε, 1].
 *
 * NOTE: the clipped y multiplies too (as Keras), so a label 0 adds ε·log(ε/p), a tiny negative
 * number, where TF.js (which multiplies by the unclipped y) adds exactly 0.
 *
 * @example
 * ```ts
 * tk.losses.klDivergence(tk.tensor([[0.5, 0.5]]), tk.tensor([[0.25, 0.75]])).toArray();   // [0.1438]
 * ```
 */
export function klDivergence(yTrue: TensorLike, yPred: TensorLike): Tensor {
  const [t, p] = alignLabels('kl_divergence', yTrue, yPred);
  const eps = epsilon();
  const y = ops.clip(t, eps, 1);
  const q = ops.clip(p, eps, 1);
  return ops.sum(ops.mul(y, ops.log(ops.div(y, q))), -1);
}

/**
 * Poisson loss over the last axis: `mean(p − y·log(p + ε))` (p a predicted rate).
 *
 * @example
 * ```ts
 * tk.losses.poisson(tk.tensor([[1, 2]]), tk.tensor([[1, 1]])).toArray();   // [1]
 * ```
 */
export function poisson(yTrue: TensorLike, yPred: TensorLike): Tensor {
  const [y, p] = alignLabels('poisson', yTrue, yPred);
  return ops.mean(ops.sub(p, ops.mul(y, ops.log(ops.add(p, epsilon())))), -1);
}

/**
 * Kullback-Leibler divergence as a Loss (default name 'kl_divergence').
 *
 * @example
 * ```ts
 * new tk.losses.KLDivergence().compute([[0.5, 0.5]], [[0.25, 0.75]]).item();   // 0.1438
 * ```
 */
export class KLDivergence extends LossFunctionWrapper {
  constructor(options: LossOptions = {}) {
    super(klDivergence, { name: 'kl_divergence', ...pickLossOptions(options) });
  }
}

/**
 * Poisson loss as a Loss (default name 'poisson').
 *
 * @example
 * ```ts
 * new tk.losses.Poisson().compute([[1, 2]], [[1, 1]]).item();   // 1
 * ```
 */
export class Poisson extends LossFunctionWrapper {
  constructor(options: LossOptions = {}) {
    super(poisson, { name: 'poisson', ...pickLossOptions(options) });
  }
}
