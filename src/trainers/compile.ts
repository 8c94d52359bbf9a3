// What `compile` sets up, per output (Keras 3's trainers/compile_utils.py): a loss, its weight,
// the metrics, and the names they are logged under.
//
//   total loss = Σ_i w_i · L_i(y_i, ŷ_i)  +  Σ regularization penalties
//
// a sum over the outputs that have a loss (w_i defaults to 1), each L_i reduced by its own Loss
// (sum over the batch size by default). Logged keys (keras-facts-2 §13.5): `loss` is the total;
// `<output>_loss` holds the unweighted L_i, only when two or more outputs have a loss; metrics are
// `<output>_<metric>` when the model has several outputs, and plain `<metric>` when it has one.
// Every value is a running mean over the batches, weighted by their sizes.

import { noGrad } from '../autograd/tape.js';
import { getLoss, type Loss, type LossIdentifier } from '../losses/index.js';
import { getMetric, Metric, type MetricIdentifier } from '../metrics/index.js';
import { getOptimizer, type Optimizer } from '../optimizers/index.js';
import * as ops from '../ops/index.js';
import type { Tensor } from '../tensor/tensor.js';
import type { Logs } from '../callbacks/index.js';
import { isPlainObject } from './data.js';

/** The losses of `compile`: one for every output, a list in output order, or an object keyed by output name (null: no loss). */
export type LossSpec = LossIdentifier | readonly (LossIdentifier | null)[] | { readonly [output: string]: LossIdentifier | null };

/**
 * The metrics of `compile`: a flat list applies to every output (as TF.js and tf.keras 2); per
 * output, an object keyed by output name or a list of lists in output order.
 */
export type MetricsSpec =
  | readonly MetricIdentifier[]
  | readonly (readonly MetricIdentifier[] | null)[]
  | { readonly [output: string]: MetricIdentifier | readonly MetricIdentifier[] | null };

/** Options of `compile`. */
export interface CompileArgs {
  /** An optimizer name (`'adam'`, `'sgd'`, ...; any case) or instance. Default `'rmsprop'`, as Keras. */
  optimizer?: string | Optimizer;
  /** A loss name, instance or function `(yTrue, yPred) => per-sample values`; per output: a list or an object keyed by output name. */
  loss: LossSpec;
  /** Metrics to track: names (`'accuracy'`, `'mae'`, ...), instances or functions; per output: an object or a list of lists. */
  metrics?: MetricsSpec;
  /** Weights of the outputs' losses in the total (default 1 each): a list in output order or an object keyed by output name. */
  lossWeights?: readonly number[] | { readonly [output: string]: number } | number;
}

/** One output's share of the compiled setup. */
export interface CompiledOutput {
  /** The output's name (its layer's name). */
  readonly name: string;
  /** Its loss, or null when it is not trained. */
  readonly loss: Loss | null;
  /** Its weight in the total loss. */
  readonly weight: number;
  /** Its metrics, each a fresh instance of its own. */
  readonly metrics: Metric[];
  /** Its per-output loss key (`dense_1_loss`), or null when not logged. */
  readonly lossKey: string | null;
  /** The log key of each metric, in order. */
  readonly metricKeys: string[];
}

/** The result of `compile`. */
export class Compiled {
  /** The optimizer. */
  readonly optimizer: Optimizer;
  /** Per output, in the model's output order. */
  readonly outputs: CompiledOutput[];

  constructor(optimizer: Optimizer, outputs: CompiledOutput[]) {
    this.optimizer = optimizer;
    this.outputs = outputs;
  }

  /** Every metric, in output then compile order. */
  get metrics(): Metric[] {
    return this.outputs.flatMap((o) => o.metrics);
  }

  /** The loss of a single-output model (or the first output's), or null. */
  get loss(): Loss | null {
    return this.outputs.find((o) => o.loss !== null)?.loss ?? null;
  }

  /** Names in `evaluate`'s order: `loss`, the per-output losses, then the metrics (compile order for one output, sorted for several, as Keras). */
  get metricsNames(): string[] {
    const lossKeys = this.outputs.flatMap((o) => (o.lossKey === null ? [] : [o.lossKey]));
    const metricKeys = this.outputs.flatMap((o) => o.metricKeys);
    return ['loss', ...lossKeys, ...(this.outputs.length > 1 ? metricKeys.slice().sort() : metricKeys)];
  }

  /** Forgets every metric's state. */
  resetMetrics(): void {
    for (const m of this.metrics) m.reset();
  }

  /**
   * The total loss of a batch and each output's own loss (null without one). `penalties` are the
   * model's regularization losses, added to the total.
   */
  computeLoss(ys: readonly (Tensor | null)[], preds: readonly Tensor[], weights: readonly (Tensor | null)[], penalties: readonly Tensor[]): { total: Tensor; perOutput: (Tensor | null)[] } {
    let total: Tensor | null = null;
    const perOutput = this.outputs.map((o, i) => {
      if (o.loss === null) return null;
      const y = ys[i];
      if (y === null || y === undefined) throw new Error(`the output '${o.name}' has a loss but no labels were given for it`);
      const value = o.loss.compute(y, preds[i]!, weights[i] ?? undefined);
      const weighted = o.weight === 1 ? value : ops.mul(value, o.weight);
      total = total === null ? weighted : ops.add(total, weighted);
      return value;
    });
    if (total === null) throw new Error('no output has a loss');
    let sum: Tensor = total;
    for (const p of penalties) sum = ops.add(sum, p);
    return { total: sum, perOutput };
  }

  /** Updates every output's metrics with the batch (outside the tape). */
  updateMetrics(ys: readonly (Tensor | null)[], preds: readonly Tensor[]): void {
    noGrad(() => {
      this.outputs.forEach((o, i) => {
        const y = ys[i];
        if (o.metrics.length > 0 && (y === null || y === undefined)) throw new Error(`the output '${o.name}' has metrics but no labels were given for it`);
        for (const m of o.metrics) m.update(y!, preds[i]!);
      });
    });
  }

  /** The logs of the running means in `tracker` and the metrics' results. */
  logs(tracker: LossTracker): Logs {
    const logs: Logs = { loss: tracker.count === 0 ? 0 : tracker.total / tracker.count };
    this.outputs.forEach((o, i) => {
      if (o.lossKey !== null) logs[o.lossKey] = tracker.count === 0 ? 0 : tracker.perOutput[i]! / tracker.count;
      o.metrics.forEach((m, j) => (logs[o.metricKeys[j]!] = m.result()));
    });
    return logs;
  }

  /** `evaluate`'s array: the values in `metricsNames` order; a number alone when that is just the loss. */
  results(logs: Logs): number | number[] {
    const values = this.metricsNames.map((k) => logs[k]!);
    return values.length === 1 ? values[0]! : values;
  }
}

/** Running sums of a loop's losses, weighted by batch size. */
export interface LossTracker {
  total: number;
  perOutput: number[];
  count: number;
}

/** A tracker at zero for `outputs` outputs. */
export function newTracker(outputs: number): LossTracker {
  return { total: 0, perOutput: new Array<number>(outputs).fill(0), count: 0 };
}

/** Adds one batch's losses (scalars) to a tracker. */
export function track(tracker: LossTracker, size: number, total: number, perOutput: readonly (number | null)[]): void {
  tracker.total += total * size;
  perOutput.forEach((v, i) => {
    if (v !== null) tracker.perOutput[i]! += v * size;
  });
  tracker.count += size;
}

/**
 * `compile`'s arguments resolved against the model's outputs: every loss, weight and metric found,
 * every name checked, each output given its own metric instances.
 */
export function compileFor(args: CompileArgs, outputNames: readonly string[], who: string, outputsByName?: boolean): Compiled;
export function compileFor(args: CompileArgs, outputNames: null, who: string): null;
export function compileFor(args: CompileArgs, outputNames: readonly string[] | null, who: string, outputsByName = false): Compiled | null {
  if (args === null || typeof args !== 'object') throw new Error(`${who}: compile() expects { optimizer, loss, metrics }, got ${String(args)}`);
  for (const key of Object.keys(args)) {
    if (!['optimizer', 'loss', 'metrics', 'lossWeights'].includes(key)) {
      throw new Error(`${who}: compile() got an unknown option '${key}' (expected optimizer, loss, metrics), or lossWeights to weight several outputs' losses`);
    }
  }
  if (args.loss === undefined || args.loss === null) throw new Error(`${who}: compile() needs a loss, e.g. loss: 'categorical_crossentropy'`);
  const optimizer = getOptimizer(args.optimizer ?? 'rmsprop');
  if (outputNames === null) {
    // The outputs are not known yet (a subclassed model before its first call): check what can be.
    if (!Array.isArray(args.loss) && !isPlainObject(args.loss)) getLoss(args.loss as LossIdentifier);
    if (Array.isArray(args.metrics)) for (const m of args.metrics) if (!Array.isArray(m) && m !== null) getMetric(m as MetricIdentifier);
    return null;
  }
  const n = outputNames.length;
  const losses = perOutput(args.loss as unknown, outputNames, who, 'loss', outputsByName).map((l) => (l === null ? null : getLoss(l as LossIdentifier)));
  if (losses.every((l) => l === null)) throw new Error(`${who}: compile() got no loss for any output`);
  const weights = resolveLossWeights(args.lossWeights, outputNames, who);
  const metricLists = resolveMetrics(args.metrics, outputNames, who);
  const lossKeyed = losses.filter((l) => l !== null).length >= 2;
  const taken = new Set<string>(['loss']);
  const unique = (key: string): string => {
    let k = key;
    for (let i = 1; taken.has(k); i++) k = `${key}_${i}`;
    taken.add(k);
    return k;
  };
  const lossKeys = outputNames.map((name, i) => (lossKeyed && losses[i] !== null ? unique(`${name}_loss`) : null));
  const outputs = outputNames.map((name, i): CompiledOutput => {
    const metrics = metricLists[i]!.map((m) => getMetric(m));
    const metricKeys = metrics.map((m) => {
      const key = n > 1 ? `${name}_${m.name}` : m.name;
      if (n === 1 && taken.has(key)) throw new Error(`${who}: compile() got the metric name '${m.name}' twice (or it clashes with 'loss')`);
      return unique(key);
    });
    return { name, loss: losses[i]!, weight: weights[i]!, metrics, lossKey: lossKeys[i]!, metricKeys };
  });
  return new Compiled(optimizer, outputs);
}

/**
 * Spreads one value, a list or a dict over the outputs. With outputs given as a list, a dict must
 * name every output (Keras 3); with outputs given by name, it may leave some out.
 */
function perOutput(value: unknown, names: readonly string[], who: string, what: string, outputsByName: boolean): unknown[] {
  if (Array.isArray(value)) {
    const list = value as unknown[];
    if (list.length !== names.length) {
      throw new Error(`${who}: compile() ${what}: a list needs one entry per output (${names.map((s) => `'${s}'`).join(', ')}), got ${list.length}`);
    }
    return list.map((v) => v ?? null);
  }
  if (isPlainObject(value)) {
    checkKeys(value, names, who, what);
    const missing = names.filter((name) => !Object.hasOwn(value, name));
    if (missing.length > 0 && what === 'loss' && !outputsByName) {
      // Keras: with list outputs, the dict must name every output (null for no loss).
      throw new Error(`${who}: compile() loss: the object names no loss for ${missing.map((s) => `'${s}'`).join(', ')}; give every output a key (null for an output without a loss)`);
    }
    return names.map((name) => (Object.hasOwn(value, name) ? value[name] ?? null : null));
  }
  return names.map(() => value);
}

function checkKeys(value: Record<string, unknown>, names: readonly string[], who: string, what: string): void {
  for (const key of Object.keys(value)) {
    if (!names.includes(key)) throw new Error(`${who}: compile() ${what}: '${key}' is not an output of the model (outputs: ${names.map((s) => `'${s}'`).join(', ')})`);
  }
}

function resolveLossWeights(value: CompileArgs['lossWeights'], names: readonly string[], who: string): number[] {
  if (value === undefined || value === null) return names.map(() => 1);
  let weights: unknown[];
  if (typeof value === 'number') {
    if (names.length !== 1) throw new Error(`${who}: compile() lossWeights: a single number fits a single-output model; give a list or an object for ${names.length} outputs`);
    weights = [value];
  } else if (Array.isArray(value)) {
    if (value.length !== names.length) throw new Error(`${who}: compile() lossWeights: a list needs one weight per output (${names.length}), got ${value.length}`);
    weights = value.slice();
  } else if (isPlainObject(value)) {
    checkKeys(value, names, who, 'lossWeights');
    weights = names.map((name) => (Object.hasOwn(value, name) ? value[name] : 1));
  } else {
    throw new Error(`${who}: compile() lossWeights: expected a list or an object of numbers, got ${typeof value}`);
  }
  return weights.map((w, i) => {
    if (typeof w !== 'number' || !Number.isFinite(w)) throw new Error(`${who}: compile() lossWeights: the weight of '${names[i]}' must be a finite number, got ${String(w)}`);
    return w;
  });
}

function resolveMetrics(value: MetricsSpec | undefined, names: readonly string[], who: string): MetricIdentifier[][] {
  if (value === undefined || value === null) return names.map(() => []);
  const asList = (v: unknown): MetricIdentifier[] => (v === null || v === undefined ? [] : Array.isArray(v) ? v.slice() : [v as MetricIdentifier]);
  let lists: MetricIdentifier[][];
  if (isPlainObject(value)) {
    checkKeys(value, names, who, 'metrics');
    lists = names.map((name) => asList(Object.hasOwn(value, name) ? value[name] : null));
  } else if (Array.isArray(value)) {
    const nested = value.filter((v) => Array.isArray(v) || v === null).length;
    if (nested === value.length && value.length > 0) {
      if (value.length !== names.length) throw new Error(`${who}: compile() metrics: a list of lists needs one list per output (${names.length}), got ${value.length}`);
      lists = value.map(asList);
    } else if (nested === 0) {
      lists = names.map(() => (value as MetricIdentifier[]).slice()); // a flat list: every output
    } else {
      throw new Error(`${who}: compile() metrics: give either a flat list (for every output) or a list of lists (one per output), not a mix`);
    }
  } else {
    throw new Error(`${who}: compile() metrics: expected a list of metrics or an object keyed by output name, got ${typeof value}`);
  }
  // A Metric instance keeps state: one object cannot serve two outputs.
  const seen = new Set<Metric>();
  for (const list of lists) {
    for (const m of list) {
      if (m instanceof Metric) {
        if (seen.has(m)) throw new Error(`${who}: compile() metrics: the metric instance '${m.name}' is given for two outputs; give each output its own instance (or a name such as '${m.name}')`);
        seen.add(m);
      }
    }
  }
  return lists;
}
