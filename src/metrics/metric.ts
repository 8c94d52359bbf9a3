// Stateful metrics, as Keras (keras/src/metrics/{metric,reduction_metrics}.py): `update` adds a
// batch, `result` reads the running value, `reset` starts over (fit resets every epoch).
//
// Per-sample metrics aggregate as Keras's MeanMetricWrapper: per batch
//   total += Σ values·w,   count += Σ w   (or the number of samples when unweighted),
// and result = total / count (0 while count is 0). So an epoch's value weights each batch by its
// size, and a partial last batch counts for what it holds.
//
// Metrics never record on the autograd tape: every update runs inside noGrad.

import { noGrad } from '../autograd/tape.js';
import { combineMasks, lossMaskOf, setLossMask, squeezeOrExpandToSameRank } from '../losses/loss.js';
import { maskOf } from '../layers/mask.js';
import * as ops from '../ops/index.js';
import { formatShape } from '../tensor/shape.js';
import { Tensor, toTensor, type TensorLike } from '../tensor/tensor.js';

/** Whether larger values are better ('max': accuracy) or smaller ('min': errors, losses). */
export type MetricDirection = 'max' | 'min';

/** A metric function: per-sample values (reduced to one value per sample by averaging). */
export type MetricFunction = (yTrue: Tensor, yPred: Tensor) => Tensor;

/**
 * The base of every metric.
 *
 * @example
 * ```ts
 * const m = new tk.metrics.BinaryAccuracy();
 * m.update(tk.tensor([[1], [0]]), tk.tensor([[0.9], [0.7]]));
 * m.result();   // 0.5
 * m.reset();
 * ```
 */
export abstract class Metric {
  /** The metric's name: the key in `History.history` and in the progress bar. */
  name: string;
  /** 'max' when larger is better (used by EarlyStopping's 'auto' mode). */
  readonly direction: MetricDirection;

  constructor(name: string, direction: MetricDirection) {
    this.name = name;
    this.direction = direction;
  }

  /** Adds one batch. */
  abstract update(yTrue: TensorLike, yPred: TensorLike, sampleWeight?: TensorLike | null): void;
  /** The value over every batch since the last reset. */
  abstract result(): number;
  /** Forgets every batch. */
  abstract reset(): void;
}

function sumOf(t: Tensor): number {
  let s = 0;
  for (let i = 0; i < t.size; i++) s += t.data[i]!;
  return s;
}

/**
 * Keras's `reduce_to_samplewise_values`: weights merged with the values' mask, aligned to the
 * values, values multiplied by them; then both averaged over every axis but the first.
 */
function reduceToSamplewise(values: Tensor, sampleWeight: Tensor | undefined): { values: Tensor; weight: Tensor | undefined } {
  let v = values;
  let w = sampleWeight;
  const mask = lossMaskOf(values);
  if (mask !== undefined) {
    if (w === undefined) w = mask;
    else {
      const [m, ww] = squeezeOrExpandToSameRank(mask, w);
      w = ops.mul(ww, m);
    }
  }
  if (w !== undefined) {
    [v, w] = squeezeOrExpandToSameRank(v, w);
    const wRank = w.rank;
    if (v.rank > wRank) v = ops.mean(v, range(wRank, v.rank));
    try {
      w = ops.broadcastTo(w, v.shape);
    } catch {
      throw new Error(`metric: sample weights of shape ${formatShape(w.shape)} do not fit the per-sample values of shape ${formatShape(v.shape)}`);
    }
    v = ops.mul(v, w);
    if (wRank > 1) w = ops.mean(w, range(1, wRank));
  }
  if (v.rank > 1) v = ops.mean(v, range(1, v.rank));
  return { values: v, weight: w };
}

function range(from: number, to: number): number[] {
  return Array.from({ length: to - from }, (_, i) => from + i);
}

/**
 * The (weighted) mean of every value given: Keras's `Mean`, the loss tracker of `fit`.
 * `update(values, sampleWeight?)` — values of any shape (one per sample after averaging the
 * other axes); weights one per sample or a scalar (the batch loss weighted by the batch size).
 *
 * @example
 * ```ts
 * const m = new tk.metrics.Mean({ name: 'loss' });
 * m.update(0.5, 32);   // a batch of 32 with loss 0.5
 * m.update(0.2, 8);    // a last batch of 8
 * m.result();          // (0.5·32 + 0.2·8) / 40 = 0.44
 * ```
 */
export class Mean extends Metric {
  /** Σ values·w over every batch since the last reset (float64). */
  protected total = 0;
  /** Σ w, or the number of samples when unweighted, since the last reset. */
  protected count = 0;

  constructor(options: { name?: string; direction?: MetricDirection } = {}) {
    super(options.name ?? 'mean', options.direction ?? 'min');
  }

  /** Adds `values` (weighted by `sampleWeight`). */
  override update(values: TensorLike, sampleWeight?: TensorLike | null): void {
    if (typeof values === 'number' && (sampleWeight === undefined || sampleWeight === null || typeof sampleWeight === 'number')) {
      // A plain number (the batch loss): accumulate in float64, no tensor needed.
      const w = typeof sampleWeight === 'number' ? sampleWeight : 1;
      this.total += values * w;
      this.count += w;
      return;
    }
    noGrad(() => this.accumulate(toTensor(values, this.name), sampleWeight === undefined || sampleWeight === null ? undefined : toTensor(sampleWeight, this.name)));
  }

  /** total += Σ values·w; count += Σ w, or the number of samples. */
  protected accumulate(values: Tensor, sampleWeight: Tensor | undefined): void {
    const r = reduceToSamplewise(values, sampleWeight);
    this.total += sumOf(r.values);
    if (r.weight !== undefined) this.count += sumOf(r.weight);
    else this.count += r.values.rank >= 1 ? r.values.shape[0]! : 1;
  }

  result(): number {
    return this.count === 0 ? 0 : this.total / this.count;
  }

  reset(): void {
    this.total = 0;
    this.count = 0;
  }
}

/**
 * A metric from a function `(yTrue, yPred) => per-sample values`, averaged over every sample
 * seen (Keras's MeanMetricWrapper). Every per-sample metric below is one of these.
 *
 * @example
 * ```ts
 * const maxError = new tk.metrics.MeanMetricWrapper((t, p) => t.sub(p).abs().max(-1), { name: 'max_error' });
 * maxError.update(tk.tensor([[0, 1]]), tk.tensor([[0.5, 3]]));
 * maxError.result();   // 2
 * ```
 */
export class MeanMetricWrapper extends Mean {
  /** The function giving per-sample values from `(yTrue, yPred)`. */
  readonly fn: MetricFunction;

  constructor(fn: MetricFunction, options: { name?: string; direction?: MetricDirection } = {}) {
    const name = options.name ?? (fn.name !== '' ? fn.name : 'metric');
    super({ name, direction: options.direction ?? (/acc/i.test(name) ? 'max' : 'min') });
    this.fn = fn;
  }

  /** Adds one batch: the function's per-sample values, weighted by `sampleWeight` if given. */
  override update(yTrue: TensorLike, yPred?: TensorLike, sampleWeight?: TensorLike | null): void {
    if (yPred === undefined) throw new Error(`metric '${this.name}': update(yTrue, yPred, sampleWeight?) needs predictions`);
    noGrad(() => {
      const pred = toTensor(yPred, this.name);
      const values = this.fn(toTensor(yTrue, this.name), pred);
      if (!(values instanceof Tensor)) throw new Error(`metric '${this.name}': the metric function must return a Tensor, got ${typeof values}`);
      // A mask the model attached to its output weights the samples, as in the loss (Keras).
      const mask = combineMasks(lossMaskOf(values), maskOf(pred));
      if (mask !== undefined) setLossMask(values, mask);
      this.accumulate(values, sampleWeight === undefined || sampleWeight === null ? undefined : toTensor(sampleWeight, this.name));
    });
  }
}
