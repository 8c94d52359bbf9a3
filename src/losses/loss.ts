// The Loss base class and Keras's reduction pipeline (keras/src/losses/loss.py):
//   1. call(yTrue, yPred) gives per-sample values (every loss reduces the LAST axis);
//   2. a mask set by the loss (sparse crossentropy's ignoreClass) is merged into the weights;
//   3. values are multiplied by the sample weights (ranks aligned first);
//   4. reduced: 'sum' = Σ; 'sum_over_batch_size' and 'mean' = Σ / (number of values) — the
//      divisor is NOT Σw; 'mean_with_sample_weight' = Σ / Σw; 'none' = unreduced.
//      A scalar or an empty [0] result is returned as it is.

import { maskOf } from '../layers/mask.js';
import { noGrad } from '../autograd/tape.js';
import * as ops from '../ops/index.js';
import { toSnakeCase, uniqueName } from '../naming.js';
import { formatShape } from '../tensor/shape.js';
import { Tensor, toTensor, type TensorLike } from '../tensor/tensor.js';

/** How per-sample loss values become the loss: Keras's five reductions. */
export type Reduction = 'sum_over_batch_size' | 'sum' | 'mean' | 'mean_with_sample_weight' | 'none';

/**
 * The reductions a Loss accepts (`null` is also accepted and means 'none', as Keras's None).
 *
 * @example
 * ```ts
 * tk.losses.REDUCTIONS;   // ['sum_over_batch_size', 'sum', 'mean', 'mean_with_sample_weight', 'none']
 * ```
 */
export const REDUCTIONS: readonly Reduction[] = ['sum_over_batch_size', 'sum', 'mean', 'mean_with_sample_weight', 'none'];

/** A loss function: per-sample values, the last axis reduced (shape [batch] for [batch, n] inputs). */
export type LossFunction = (yTrue: Tensor, yPred: Tensor) => Tensor;

/** Options every Loss takes. */
export interface LossOptions {
  /** The loss's name (defaults to the class's Keras name, e.g. 'categorical_crossentropy'). */
  name?: string;
  /** Default 'sum_over_batch_size'. */
  reduction?: Reduction | null;
}

/**
 * Checks a reduction name; `null`/'none' give 'none'.
 *
 * @example
 * ```ts
 * standardizeReduction('sum');   // 'sum'
 * ```
 */
export function standardizeReduction(reduction: Reduction | null | undefined, who = 'Loss'): Reduction {
  if (reduction === undefined) return 'sum_over_batch_size';
  if (reduction === null) return 'none';
  if (!REDUCTIONS.includes(reduction)) {
    throw new Error(`${who}: invalid reduction '${String(reduction)}'; expected one of ${REDUCTIONS.map((r) => `'${r}'`).join(', ')} (or null)`);
  }
  return reduction;
}

// ---- masks --------------------------------------------------------------------------------

// A loss can mark some of its per-sample values as not counting (sparse crossentropy's
// ignoreClass), as Keras's `_keras_mask`: the reduction then leaves them out of the mean.
const masks = new WeakMap<Tensor, Tensor>();

/** Marks which entries of `values` count (1) and which do not (0). Returns `values`. */
export function setLossMask(values: Tensor, mask: Tensor): Tensor {
  masks.set(values, mask);
  return values;
}

/** The mask a loss set on its values, if any. */
export function lossMaskOf(values: Tensor): Tensor | undefined {
  return masks.get(values);
}

/** Both masks (1 = counts) when both are there, else the one that is. */
export function combineMasks(a: Tensor | undefined, b: Tensor | null): Tensor | undefined {
  if (b === null) return a;
  if (a === undefined) return b;
  return ops.minimum(a, b);
}

/** The base options (name, reduction) out of a class's options, without undefined entries. */
export function pickLossOptions(options: LossOptions): LossOptions {
  const out: LossOptions = {};
  if (options.name !== undefined) out.name = options.name;
  if (options.reduction !== undefined) out.reduction = options.reduction;
  return out;
}

// ---- rank alignment -----------------------------------------------------------------------

/**
 * Keras's `squeeze_or_expand_to_same_rank`: when the ranks differ by exactly one and the longer
 * one ends in a 1, that axis is squeezed — or, when the shorter one has rank 1, the shorter is
 * expanded instead. Anything else is returned unchanged.
 *
 * @example
 * ```ts
 * squeezeOrExpandToSameRank(tk.zeros([4]), tk.zeros([4, 1]));   // shapes [4,1] and [4,1]
 * ```
 */
export function squeezeOrExpandToSameRank(x1: Tensor, x2: Tensor, expandRank1 = true): [Tensor, Tensor] {
  const r1 = x1.rank;
  const r2 = x2.rank;
  if (r1 === r2) return [x1, x2];
  if (r1 === r2 + 1 && x1.shape[r1 - 1] === 1) {
    if (r2 === 1 && expandRank1) return [x1, ops.expandDims(x2, -1)];
    return [ops.squeeze(x1, -1), x2];
  }
  if (r2 === r1 + 1 && x2.shape[r2 - 1] === 1) {
    if (r1 === 1 && expandRank1) return [ops.expandDims(x1, -1), x2];
    return [x1, ops.squeeze(x2, -1)];
  }
  return [x1, x2];
}

/**
 * yTrue and yPred as tensors with aligned ranks ({@link squeezeOrExpandToSameRank}), checked to
 * broadcast together; `who` (the loss's Keras name) leads the error, which names both shapes.
 */
export function alignLabels(who: string, yTrue: TensorLike, yPred: TensorLike): [Tensor, Tensor] {
  const [y, p] = squeezeOrExpandToSameRank(toTensor(yTrue, who), toTensor(yPred, who));
  const rank = Math.max(y.rank, p.rank);
  for (let i = 1; i <= rank; i++) {
    const a = y.shape[y.rank - i] ?? 1;
    const b = p.shape[p.rank - i] ?? 1;
    if (a !== b && a !== 1 && b !== 1) {
      throw new Error(`${who}: labels of shape ${formatShape(y.shape)} and predictions of shape ${formatShape(p.shape)} do not broadcast`);
    }
  }
  return [y, p];
}

// ---- the reduction pipeline ---------------------------------------------------------------

/** divide-no-nan: 0 when the divisor is 0. */
function divideNoNan(total: Tensor, divisor: number): Tensor {
  return divisor === 0 ? ops.mul(total, 0) : ops.mul(total, 1 / divisor);
}

/**
 * Reduces per-sample loss values as Keras's `reduce_weighted_values`: merges the mask into the
 * weights, multiplies by the weights, then reduces.
 *
 * @example
 * ```ts
 * reduceWeightedValues(tk.tensor([1, 3]), tk.tensor([1, 0]), undefined, 'sum_over_batch_size').item();   // 0.5
 * ```
 */
export function reduceWeightedValues(values: Tensor, sampleWeight: Tensor | undefined, mask: Tensor | undefined, reduction: Reduction): Tensor {
  let weight = sampleWeight;
  if (mask !== undefined) {
    let m = mask;
    if (reduction === 'mean' || reduction === 'sum_over_batch_size') {
      // Valid entries get weight total/valid, so the final Σ/total is Σ(valid)/valid.
      const valid = noGrad(() => ops.sum(m).item());
      m = ops.mul(m, valid === 0 ? 0 : m.size / valid);
    }
    if (weight !== undefined) {
      const [mm, ww] = squeezeOrExpandToSameRank(m, weight);
      weight = ops.mul(ww, mm);
    } else {
      weight = m;
    }
  }
  let v = values;
  if (weight !== undefined) {
    [v, weight] = squeezeOrExpandToSameRank(v, weight);
    weight = alignWeightToValues(v, weight);
    v = ops.mul(v, weight);
  }
  return reduceValues(v, weight, reduction);
}

/**
 * NOTE (an extension): Keras multiplies with plain broadcasting, which fails (or, when the sizes
 * happen to agree, silently pairs the wrong entries) for weights [N] against values [N, T].
 * Weights whose shape is a leading part of the values' shape are given trailing 1s instead, so
 * one weight per sample applies to all of that sample's values.
 */
function alignWeightToValues(values: Tensor, weight: Tensor): Tensor {
  const vs = values.shape;
  const ws = weight.shape;
  if (ws.length < vs.length && ws.length > 0 && ws.every((d, i) => d === vs[i])) {
    return ops.reshape(weight, [...ws, ...new Array<number>(vs.length - ws.length).fill(1)]);
  }
  const rank = Math.max(vs.length, ws.length);
  for (let i = 1; i <= rank; i++) {
    const a = vs[vs.length - i] ?? 1;
    const b = ws[ws.length - i] ?? 1;
    if (a !== b && a !== 1 && b !== 1) {
      throw new Error(`loss: sample weights of shape ${formatShape(ws)} do not fit the per-sample loss values of shape ${formatShape(vs)}`);
    }
  }
  return weight;
}

/** Keras's `reduce_values`. */
function reduceValues(values: Tensor, sampleWeight: Tensor | undefined, reduction: Reduction): Tensor {
  if (reduction === 'none' || values.rank === 0 || (values.rank === 1 && values.shape[0] === 0)) return values;
  const total = ops.sum(values);
  if (reduction === 'sum') return total;
  if (reduction === 'mean_with_sample_weight' && sampleWeight !== undefined) {
    return divideNoNan(total, noGrad(() => ops.sum(sampleWeight).item()));
  }
  return divideNoNan(total, values.size);
}

// ---- the base class -----------------------------------------------------------------------

/**
 * The base of every loss: `call(yTrue, yPred)` gives per-sample values (the last axis reduced),
 * `compute(yTrue, yPred, sampleWeight?)` weights and reduces them (a scalar unless the reduction
 * is 'none'). Subclass it and implement `call` for a custom loss.
 *
 * @example
 * ```ts
 * class MyMse extends tk.losses.Loss {
 *   call(yTrue: tk.Tensor, yPred: tk.Tensor) { return yTrue.sub(yPred).square().mean(-1); }
 * }
 * new MyMse().compute(tk.tensor([[1, 2]]), tk.tensor([[1, 4]])).item();   // 2
 * ```
 */
export abstract class Loss {
  /** The name (Keras's default for the class, or the string it was looked up by). */
  name: string;
  /** How `compute` reduces the per-sample values. */
  readonly reduction: Reduction;

  constructor(options: LossOptions = {}) {
    this.name = options.name ?? uniqueName(toSnakeCase(this.constructor.name));
    this.reduction = standardizeReduction(options.reduction, this.constructor.name);
  }

  /** Per-sample loss values: the last axis reduced, e.g. shape [batch]. */
  abstract call(yTrue: Tensor, yPred: Tensor): Tensor;

  /**
   * The loss: per-sample values from `call`, weighted by `sampleWeight` (one per sample, or any
   * shape that broadcasts against the values), then reduced by `this.reduction`.
   */
  compute(yTrue: TensorLike, yPred: TensorLike, sampleWeight?: TensorLike | null): Tensor {
    const pred = toTensor(yPred, this.name);
    const values = this.call(toTensor(yTrue, this.name), pred);
    const weight = sampleWeight === undefined || sampleWeight === null ? undefined : toTensor(sampleWeight, this.name);
    // As Keras: the mask a model attached to its output (after Embedding(maskZero) or Masking)
    // leaves the masked steps out of the loss, together with any mask of the loss's own.
    return reduceWeightedValues(values, weight, combineMasks(lossMaskOf(values), maskOf(pred)), this.reduction);
  }

  /** The constructor options, Keras spelling (`{ name, reduction, ... }`). */
  getConfig(): Record<string, unknown> {
    return { name: this.name, reduction: this.reduction };
  }
}

/**
 * A Loss made from a function `(yTrue, yPred) => per-sample values`: the ranks of yTrue and
 * yPred are aligned first (a trailing 1 squeezed or added, see {@link squeezeOrExpandToSameRank}).
 *
 * @example
 * ```ts
 * const l1 = new tk.losses.LossFunctionWrapper((t, p) => t.sub(p).abs().sum(-1), { name: 'l1' });
 * l1.compute(tk.tensor([[1, 2]]), tk.tensor([[0, 0]])).item();   // 3
 * ```
 */
export class LossFunctionWrapper extends Loss {
  /** The function giving per-sample losses from `(yTrue, yPred)` (ranks already aligned). */
  readonly fn: LossFunction;

  constructor(fn: LossFunction, options: LossOptions = {}) {
    super({ ...options, name: options.name ?? (fn.name !== '' ? fn.name : 'loss') });
    this.fn = fn;
  }

  call(yTrue: Tensor, yPred: Tensor): Tensor {
    const [t, p] = squeezeOrExpandToSameRank(yTrue, yPred);
    const values = this.fn(t, p);
    if (!(values instanceof Tensor)) throw new Error(`loss '${this.name}': the loss function must return a Tensor, got ${typeof values}`);
    return values;
  }
}
