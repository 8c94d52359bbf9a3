// GradientStats: per-layer gradient norms and update-to-weight ratios while a model trains, the
// instrument for seeing vanishing and exploding gradients.
//
// It listens to the optimizer (Optimizer.updateObservers): before each update it measures every
// gradient and keeps a copy of the weights; after it, it measures how far the weights moved.
// A layer's numbers pool its variables: 'dense_1/kernel' and 'dense_1/bias' are layer 'dense_1'.
//
// Reading the numbers (rules of thumb, not laws):
//   - update/weight ‖Δw‖/‖w‖ around 1e-3 per step is healthy for SGD-like training; far below
//     (1e-6 and less) the layer barely learns, far above (1e-1 and more) it is thrown around;
//   - gradient norms shrinking layer after layer toward the input mean vanishing gradients
//     (saturated sigmoid/tanh, too deep); growing by orders of magnitude mean exploding ones.

import type { Tensor, Variable } from '../tensor/tensor.js';
import type { UpdateObserver } from '../optimizers/optimizer.js';
import { Callback, type Logs } from './callback.js';

/** Options of {@link GradientStats}. */
export interface GradientStatsOptions {
  /** 1 (default): print a table at the end of each printed epoch; 0: only collect `history`. */
  verbose?: 0 | 1;
  /** Print every this many epochs (default 1); the last epoch of `fit` is always printed. */
  printEvery?: number;
  /** Where the tables go (default `console.log`). */
  print?: (text: string) => void;
}

/** One variable's statistics over one epoch. */
export interface VariableGradientStats {
  /** The variable's name (`'dense/kernel'`). */
  readonly variable: string;
  /** Mean over the epoch's steps of the gradient's L2 norm ‖g‖. */
  readonly gradNorm: number;
  /** The largest ‖g‖ of the epoch. */
  readonly maxGradNorm: number;
  /**
   * Mean over the epoch's steps of ‖Δw‖/‖w‖, w before the step. Steps from an all-zero w (a fresh
   * bias) have no ratio and are left out; NaN when every step was.
   */
  readonly updateRatio: number;
  /** ‖w‖ at the end of the epoch. */
  readonly weightNorm: number;
}

/** One layer's statistics over one epoch: its variables pooled into one vector. */
export interface LayerGradientStats {
  /** The layer's name: the variables' name up to the last '/' (`'dense'`). */
  readonly layer: string;
  /** Its variables' names. */
  readonly variables: readonly string[];
  /** Mean over the epoch's steps of √(Σ over its variables of ‖g‖²). */
  readonly gradNorm: number;
  /** The largest per-step value of that norm. */
  readonly maxGradNorm: number;
  /** Mean over the epoch's steps of √Σ‖Δw‖² / √Σ‖w‖² (w before the step; zero-w steps left out). */
  readonly updateRatio: number;
  /** √Σ‖w‖² at the end of the epoch. */
  readonly weightNorm: number;
}

/** The statistics of one epoch. */
export interface GradientStatsEpoch {
  /** The epoch, counted from 1 (as `history.toRows()`). */
  readonly epoch: number;
  /** The number of optimizer steps averaged. */
  readonly steps: number;
  /** One entry per layer (its variables grouped by the name before their last '/'). */
  readonly layers: readonly LayerGradientStats[];
  /** One entry per variable the optimizer updated during the epoch. */
  readonly variables: readonly VariableGradientStats[];
}

/** Per-variable running sums over the current epoch. */
interface Accumulator {
  readonly variable: Variable;
  /** The weights before the current step (reused every step). */
  readonly before: Float32Array;
  gradSq: number;
  weightSq: number;
  sumGradNorm: number;
  maxGradNorm: number;
  sumRatio: number;
  ratioSteps: number;
  steps: number;
}

/** Per-layer running sums over the current epoch. */
interface LayerAccumulator {
  sumGradNorm: number;
  maxGradNorm: number;
  sumRatio: number;
  ratioSteps: number;
  steps: number;
}

/**
 * A callback that measures, per layer and per variable, the gradient norm ‖g‖ and the
 * update-to-weight ratio ‖Δw‖/‖w‖ of every optimizer step, and reports each epoch's means
 * (averaged over the epoch's batches; also the largest gradient norm). Printed as a table
 * (`verbose: 1`) and kept as data in `history`.
 *
 * Works with any optimizer: it observes `optimizer.applyGradients` (raw gradients, before
 * clipping; Δw is the whole change, weight decay included). Each step copies the trained weights
 * once into arrays allocated on the first step.
 *
 * @example
 * ```ts
 * const stats = new tk.callbacks.GradientStats({ printEvery: 10 });
 * await model.fit(x, y, { epochs: 50, callbacks: [stats], verbose: 0 });
 * stats.history.at(-1)!.layers;   // [{ layer: 'dense', gradNorm: 0.012, updateRatio: 0.0009, ... }, ...]
 * ```
 */
export class GradientStats extends Callback implements UpdateObserver {
  /** One entry per finished epoch. */
  readonly history: GradientStatsEpoch[] = [];

  private readonly verbose: 0 | 1;
  private readonly printEvery: number;
  private readonly print: (text: string) => void;
  private readonly accumulators = new Map<Variable, Accumulator>();
  private layerSums = new Map<string, LayerAccumulator>();
  private observed: UpdateObserver[] | null = null;

  constructor(options: GradientStatsOptions = {}) {
    super();
    const every = options.printEvery ?? 1;
    if (!Number.isInteger(every) || every < 1) throw new Error(`GradientStats: printEvery must be a positive integer, got ${String(every)}`);
    if (options.verbose !== undefined && options.verbose !== 0 && options.verbose !== 1) {
      throw new Error(`GradientStats: verbose must be 0 or 1, got ${String(options.verbose)}`);
    }
    this.verbose = options.verbose ?? 1;
    this.printEvery = every;
    this.print = options.print ?? ((text) => console.log(text));
  }

  override onTrainBegin(_logs: Logs): void {
    const optimizer = this.requireModel().optimizer;
    if (optimizer === null) throw new Error('GradientStats: the model has no optimizer; compile it before fit');
    this.detach();
    optimizer.updateObservers.push(this);
    this.observed = optimizer.updateObservers;
  }

  override onTrainEnd(_logs: Logs): void {
    this.detach();
  }

  override onEpochBegin(_epoch: number, _logs: Logs): void {
    for (const a of this.accumulators.values()) Object.assign(a, { sumGradNorm: 0, maxGradNorm: 0, sumRatio: 0, ratioSteps: 0, steps: 0 });
    this.layerSums = new Map();
  }

  override onEpochEnd(epoch: number, _logs: Logs): void {
    const entry = this.summarize(epoch + 1);
    this.history.push(entry);
    const last = typeof this.params.epochs === 'number' && epoch + 1 >= this.params.epochs;
    if (this.verbose === 1 && entry.steps > 0 && ((epoch + 1) % this.printEvery === 0 || last)) this.print(formatEpoch(entry));
  }

  /** Optimizer hook: measures each gradient and keeps the weights before they change. */
  beforeUpdate(pairs: readonly (readonly [Tensor, Variable])[]): void {
    for (const [g, v] of pairs) {
      let a = this.accumulators.get(v);
      if (a === undefined) {
        a = { variable: v, before: new Float32Array(v.size), gradSq: 0, weightSq: 0, sumGradNorm: 0, maxGradNorm: 0, sumRatio: 0, ratioSteps: 0, steps: 0 };
        this.accumulators.set(v, a);
      }
      a.before.set(v.data);
      a.gradSq = sumSquares(g.data);
      a.weightSq = sumSquares(v.data);
    }
  }

  /** Optimizer hook: measures how far each weight moved, per variable and per layer. */
  afterUpdate(pairs: readonly (readonly [Tensor, Variable])[]): void {
    const layers = new Map<string, { gradSq: number; deltaSq: number; weightSq: number }>();
    for (const [, v] of pairs) {
      const a = this.accumulators.get(v)!;
      let deltaSq = 0;
      for (let i = 0; i < v.size; i++) {
        const d = v.data[i]! - a.before[i]!;
        deltaSq += d * d;
      }
      const gradNorm = Math.sqrt(a.gradSq);
      a.sumGradNorm += gradNorm;
      a.maxGradNorm = Math.max(a.maxGradNorm, gradNorm);
      if (a.weightSq > 0) {
        a.sumRatio += Math.sqrt(deltaSq / a.weightSq);
        a.ratioSteps++;
      }
      a.steps++;
      const name = layerOf(v);
      const l = layers.get(name) ?? { gradSq: 0, deltaSq: 0, weightSq: 0 };
      l.gradSq += a.gradSq;
      l.deltaSq += deltaSq;
      l.weightSq += a.weightSq;
      layers.set(name, l);
    }
    for (const [name, l] of layers) {
      const sums = this.layerSums.get(name) ?? { sumGradNorm: 0, maxGradNorm: 0, sumRatio: 0, ratioSteps: 0, steps: 0 };
      const gradNorm = Math.sqrt(l.gradSq);
      sums.sumGradNorm += gradNorm;
      sums.maxGradNorm = Math.max(sums.maxGradNorm, gradNorm);
      if (l.weightSq > 0) {
        sums.sumRatio += Math.sqrt(l.deltaSq / l.weightSq);
        sums.ratioSteps++;
      }
      sums.steps++;
      this.layerSums.set(name, sums);
    }
  }

  private summarize(epoch: number): GradientStatsEpoch {
    const variables: VariableGradientStats[] = [];
    const members = new Map<string, Accumulator[]>();
    let steps = 0;
    for (const a of this.accumulators.values()) {
      if (a.steps === 0) continue;
      steps = Math.max(steps, a.steps);
      variables.push({
        variable: nameOf(a.variable),
        gradNorm: a.sumGradNorm / a.steps,
        maxGradNorm: a.maxGradNorm,
        updateRatio: a.ratioSteps === 0 ? NaN : a.sumRatio / a.ratioSteps,
        weightNorm: Math.sqrt(sumSquares(a.variable.data)),
      });
      const layer = layerOf(a.variable);
      members.set(layer, [...(members.get(layer) ?? []), a]);
    }
    const layers: LayerGradientStats[] = [];
    for (const [layer, s] of this.layerSums) {
      const vs = members.get(layer) ?? [];
      layers.push({
        layer,
        variables: vs.map((a) => nameOf(a.variable)),
        gradNorm: s.sumGradNorm / s.steps,
        maxGradNorm: s.maxGradNorm,
        updateRatio: s.ratioSteps === 0 ? NaN : s.sumRatio / s.ratioSteps,
        weightNorm: Math.sqrt(vs.reduce((sum, a) => sum + sumSquares(a.variable.data), 0)),
      });
    }
    return { epoch, steps, layers, variables };
  }

  private detach(): void {
    if (this.observed === null) return;
    const i = this.observed.indexOf(this);
    if (i >= 0) this.observed.splice(i, 1);
    this.observed = null;
  }
}

/** The table printed for one epoch. */
export function formatEpoch(entry: GradientStatsEpoch): string {
  const rows = entry.layers.map((l) => [l.layer, sci(l.gradNorm), sci(l.maxGradNorm), sci(l.updateRatio), sci(l.weightNorm)]);
  const header = ['layer', 'grad norm', 'max grad norm', 'update/weight', 'weight norm'];
  const widths = header.map((h, c) => Math.max(h.length, ...rows.map((r) => r[c]!.length)));
  const line = (cells: string[]): string => '  ' + cells.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]!) : cell.padStart(widths[c]!))).join('   ');
  const title = `gradient stats, epoch ${entry.epoch} (mean over ${entry.steps} step${entry.steps === 1 ? '' : 's'})`;
  return [title, line(header), ...rows.map(line)].join('\n');
}

function sci(v: number): string {
  return Number.isFinite(v) ? v.toExponential(2) : String(v);
}

function sumSquares(x: Float32Array): number {
  let s = 0;
  for (let i = 0; i < x.length; i++) s += x[i]! * x[i]!;
  return s;
}

function nameOf(v: Variable): string {
  return v.name ?? `variable t${v.id}`;
}

function layerOf(v: Variable): string {
  const name = nameOf(v);
  const slash = name.lastIndexOf('/');
  return slash > 0 ? name.slice(0, slash) : name;
}
