// The trainer: compile, fit, evaluate, predict and the single-batch methods, written once for
// every model (Sequential, functional, subclassed) against the small `TrainableModel` interface
// (Keras 3 keeps the same split: keras/src/trainers/trainer.py and its epoch iterator).
//
// Who does what:
// - data.ts turns what the user gave (arrays, tensors, lists or dicts per input, datasets) into
//   batches: a Batch holds a tensor per input and labels and weights per output;
// - compile.ts holds the per-output losses, weights and metrics and names their logs;
// - here, three steps (trainStep, testStep, predictStep) and three loops (fit's epochs, the test
//   loop, the predict loop) over a BatchSource, with the callbacks around them.
//
// One loop, two drivers. `evaluate` and `predict` on arrays are synchronous (as TF.js); `fit`, and
// anything on a dataset, awaits (its callbacks, an async iterator, the event loop between
// batches). Each loop is a generator that yields every value it may have to wait for; runSync
// takes the values as they are, runAsync awaits them. So the batch loop exists once.

import { noGrad, variableGrads } from '../autograd/tape.js';
import { CallbackList, History, ProgbarLogger, sortLogs, type CallbackLike, type CallbackModel, type Logs, type SyncHook } from '../callbacks/index.js';
import { suggest } from '../identifiers.js';
import type { Optimizer } from '../optimizers/index.js';
import * as ops from '../ops/index.js';
import { randomSource } from '../tensor/random.js';
import { Tensor, type Variable } from '../tensor/tensor.js';
import { compileFor, newTracker, track, type Compiled, type CompileArgs, type LossTracker } from './compile.js';
import {
  ArrayData, checkSameRows, elementParts, isDataset, isPlainObject, iterate, sampleWeights, splitForValidation, standardizeData, takeRows, yieldToEventLoop,
  type AnyIterator, type Batch, type Dataset, type DataLike, type ModelData,
} from './data.js';

/** What the trainer needs of a model. */
export interface TrainableModel extends CallbackModel {
  /** The model's name, used in errors (`sequential.fit: ...`). */
  readonly name: string;
  /** The names data dicts are keyed by, in order: one per input. */
  readonly inputNames: readonly string[];
  /** One name per output (the output layers' names). */
  readonly outputNames: readonly string[];
  /** The weights the optimizer trains. */
  readonly trainableWeights: Variable[];
  /** The regularization penalties of the latest forward pass, added to the loss. */
  readonly losses: Tensor[];
  /** Checks inputs against the model's input shapes; errors start with `${who}: ${what}`. */
  checkInputs(xs: readonly Tensor[], who: string, what: string): void;
  /** Builds a model that is still deferred from the shapes of `xs`. */
  ensureBuilt(xs: readonly Tensor[]): void;
  /** The forward pass, one tensor per output. */
  forward(xs: readonly Tensor[], training: boolean): Tensor[];
  /** Forgets the activity penalties of the previous step. */
  clearActivityLoss(): void;
  /** What predict returns for zero samples: an empty tensor per output. */
  emptyOutputs(xs: readonly Tensor[]): Tensor[];
  /** Reads x as the model takes it (one array, or per input a list or a dict); errors start with `${who}: ${what}`. */
  standardizeInputs(x: ModelData, who: string, what: string): Tensor[];
  /** False while the model cannot tell yet how many outputs it has (a subclassed model before its first call). */
  readonly outputsKnown: boolean;
  /** True when the outputs were given by name (compile's loss object may then leave some out). */
  readonly outputsByName?: boolean;
}

/** Options of `fit` (TF.js spelling, Keras 3 semantics). */
export interface FitArgs {
  /** Samples per gradient step (default 32); the last batch may be smaller and is kept. Arrays only: a dataset's batches are its own. */
  batchSize?: number;
  /** Index of the last epoch + 1 (default 1). */
  epochs?: number;
  /** 0 silent, 1 progress bar (default), 2 one line per epoch. */
  verbose?: 0 | 1 | 2;
  /** Callback objects or instances (EarlyStopping, ...). */
  callbacks?: readonly CallbackLike[];
  /** Fraction of the data, taken from the END before shuffling, used for validation (arrays only). */
  validationSplit?: number;
  /** `[xVal, yVal]` or `[xVal, yVal, sampleWeightVal]`, or a dataset; overrides validationSplit. */
  validationData?: readonly [ModelData, ModelData] | readonly [ModelData, ModelData, ModelData] | Dataset;
  /** Reshuffle the training samples every epoch (default true; arrays only). */
  shuffle?: boolean;
  /** Epoch to start from (for resuming; default 0). */
  initialEpoch?: number;
  /** `{classIndex: weight}`: weights the loss of each sample by its class (single-output models). */
  classWeight?: Record<number, number>;
  /** One weight per training sample, multiplying its loss (per output: a list or an object). Arrays only. */
  sampleWeight?: ModelData;
  /** Batch size for validation (default: batchSize; arrays only). */
  validationBatchSize?: number;
  /** Stops training between two batches; the promise then rejects with the signal's reason. */
  signal?: AbortSignal;
  /** Datasets: batches per epoch. Each epoch then continues the same iterator; without it, an epoch runs the dataset to its end. */
  stepsPerEpoch?: number;
  /** A validation dataset: batches to draw from it at each validation (default: all of it). */
  validationSteps?: number;
}

/** Options of `evaluate`. */
export interface EvaluateArgs {
  /** Samples per batch (default 32; arrays only). */
  batchSize?: number;
  /** 0 silent, 1 progress bar (default), 2 one line at the end. */
  verbose?: 0 | 1 | 2;
  /** One weight per sample, multiplying its loss and metrics (arrays only). */
  sampleWeight?: ModelData;
  /** Callbacks whose test hooks run (onTestBegin, onTestBatchBegin/End, onTestEnd); synchronous ones with arrays. */
  callbacks?: readonly CallbackLike[];
  /** Return `{ loss, ...metrics }` with sorted keys instead of `[loss, ...metrics]` (Keras's `return_dict`). */
  returnDict?: boolean;
  /** Datasets: batches to evaluate (default: the whole dataset). */
  steps?: number;
}

/** Options of `predict`. */
export interface PredictArgs {
  /** Samples per batch (default 32; arrays only). */
  batchSize?: number;
  /** 0 silent (default), 1 progress bar, 2 one line at the end. */
  verbose?: 0 | 1 | 2;
  /** Callbacks whose predict hooks run (onPredictBegin, onPredictBatchBegin/End, onPredictEnd); synchronous ones with arrays. */
  callbacks?: readonly CallbackLike[];
  /** Datasets: batches to predict (default: the whole dataset). */
  steps?: number;
}

/** Options of `trainOnBatch` and `testOnBatch` (`classWeight` for training only). */
export interface OnBatchArgs {
  /** One weight per sample, multiplying its loss. */
  sampleWeight?: ModelData;
  /** `{classIndex: weight}`: weights the loss of each sample by its class (trainOnBatch only). */
  classWeight?: Record<number, number>;
  /** Return `{ loss, ...metrics }` with sorted keys instead of `[loss, ...metrics]` (Keras's `return_dict`). */
  returnDict?: boolean;
}

/** A loop written once for both drivers: it yields each value it may need to wait for. */
type Loop<T> = Generator<unknown, T, unknown>;

/** Runs a loop synchronously: every yielded value is used as it is. */
function runSync<T>(loop: Loop<T>): T {
  let r = loop.next();
  while (!r.done) r = loop.next(r.value);
  return r.value;
}

/** Runs a loop asynchronously: every yielded value is awaited; a rejection is thrown into the loop. */
async function runAsync<T>(loop: Loop<T>): Promise<T> {
  let r = loop.next();
  while (!r.done) {
    let value: unknown;
    try {
      value = await r.value;
    } catch (e) {
      r = loop.throw(e);
      continue;
    }
    r = loop.next(value);
  }
  return r.value;
}

/** Where a loop's batches come from: arrays (synchronous) or a dataset's iterator (maybe async). */
interface BatchSource {
  next(): IteratorResult<Batch> | Promise<IteratorResult<Batch>>;
}

/** The callbacks of a loop, called synchronously (evaluate and predict on arrays) or awaited. */
class Hooks {
  constructor(readonly list: CallbackList | null, readonly sync: boolean) {}

  call(hook: keyof CallbackList & string, ...args: unknown[]): unknown {
    if (this.list === null) return undefined;
    if (this.sync) {
      (this.list.callSync as (h: SyncHook, ...a: unknown[]) => void)(hook as SyncHook, ...args);
      return undefined;
    }
    return (this.list[hook] as (...a: unknown[]) => unknown).apply(this.list, args);
  }
}

/**
 * compile / fit / evaluate / predict for one model. A model holds one Trainer; `compile` replaces
 * its setup.
 */
export class Trainer {
  /** The compiled setup, or null before compile (or before a subclassed model's first call tells its outputs). */
  private setup: Compiled | null = null;
  /** compile's arguments, kept until the outputs are known. */
  private pending: CompileArgs | null = null;
  /** True while a `fit` runs: a second one is refused. */
  private fitting = false;

  constructor(private readonly model: TrainableModel) {}

  /**
   * Configures training: optimizer, loss(es), loss weights and metrics. Resolved against the
   * outputs at once; for a subclassed model that has not run yet, at its first batch.
   */
  compile(args: CompileArgs): void {
    if (this.model.outputsKnown) {
      this.setup = compileFor(args, this.model.outputNames, this.model.name, this.model.outputsByName);
      this.pending = null;
    } else {
      compileFor(args, null, this.model.name); // the checks that need no outputs, now
      this.setup = null;
      this.pending = args;
    }
  }

  /** The compiled setup, or null. */
  get compiled(): Compiled | null {
    if (this.setup === null && this.pending !== null && this.model.outputsKnown) {
      this.setup = compileFor(this.pending, this.model.outputNames, this.model.name, this.model.outputsByName);
      this.pending = null;
    }
    return this.setup;
  }

  /** The compiled optimizer, or null. */
  get optimizer(): Optimizer | null {
    return this.compiled?.optimizer ?? null;
  }

  /**
   * The compiled setup. A subclassed model compiled before it ever ran is first built on one row of
   * `x`, so that its outputs are known.
   */
  private requireCompiled(who: string, x?: ModelData | Dataset): Compiled {
    if (this.compiled === null && this.pending !== null && x !== undefined && !isDataset(x)) {
      const xs = this.inputs(x as ModelData, `${this.model.name}.${who}`);
      this.model.ensureBuilt(xs.map((t) => takeRows(t, null, 0, Math.min(1, t.shape[0]!))));
    }
    const compiled = this.compiled;
    if (compiled === null) {
      if (this.pending !== null) throw new Error(`${this.model.name}: ${who}() on a dataset needs the subclassed model built first, so that its outputs are known: call model.build(inputShape) or apply it to a batch`);
      throw new Error(`${this.model.name}: call compile({ optimizer, loss, metrics }) before ${who}()`);
    }
    return compiled;
  }

  private refuseWhileFitting(who: string): void {
    if (this.fitting) {
      throw new Error(`${this.model.name}.${who}: the model is still training (a fit() has not finished); await it before calling ${who}() again, so that two runs do not interleave their updates on the same weights`);
    }
  }

  // ---- arrays → tensors ---------------------------------------------------------------------

  private inputs(x: ModelData, who: string, what = 'x'): Tensor[] {
    return this.model.standardizeInputs(x, who, what);
  }

  /** Labels per output; an output without a loss or metrics may go without. */
  private labels(y: ModelData, compiled: Compiled, who: string, what = 'y'): (Tensor | null)[] {
    const optional = compiled.outputs.map((o) => o.loss === null && o.metrics.length === 0);
    return standardizeData(y, this.model.outputNames, who, what, optional);
  }

  /**
   * Per-output sample weights: `sampleWeight` is one array for every output, or per output a list
   * (of arrays) or an object keyed by output name; `classWeight` is for single-output models.
   */
  private weights(ys: readonly (Tensor | null)[], sampleWeight: ModelData | undefined, classWeight: Record<number, number> | undefined, who: string): (Float32Array | null)[] {
    if (classWeight !== undefined && ys.length > 1) throw new Error(`${who}: classWeight is for models with one output (as Keras); give per-output sampleWeight instead`);
    if (ys.length === 1) return [ys[0] === null ? null : sampleWeights(ys[0]!, sampleWeight as DataLike | undefined, classWeight, who)];
    if (sampleWeight === undefined) return ys.map(() => null);
    const isArrayish = (v: unknown): boolean => v === null || Array.isArray(v) || v instanceof Tensor || ArrayBuffer.isView(v);
    const perOutput = isPlainObject(sampleWeight) || (Array.isArray(sampleWeight) && sampleWeight.some(isArrayish));
    const given = perOutput ? standardizeData(sampleWeight, this.model.outputNames, who, 'sampleWeight', ys.map(() => true)) : ys.map(() => sampleWeight as DataLike);
    return ys.map((y, i) => (y === null || given[i] === null ? null : sampleWeights(y, given[i]!, undefined, who)));
  }

  private arrayData(x: ModelData, y: ModelData, compiled: Compiled, sampleWeight: ModelData | undefined, classWeight: Record<number, number> | undefined, who: string, what = ''): ArrayData {
    const xs = this.inputs(x, who, `${what}x`);
    const ys = this.labels(y, compiled, who, `${what}y`);
    checkSameRows(xs, ys, this.model.inputNames, this.model.outputNames, what === '' ? who : `${who}: ${what.trim()}`);
    return new ArrayData(xs, ys, this.weights(ys, sampleWeight, classWeight, what === '' ? who : `${who}: ${what.trim()}`));
  }

  // ---- the three steps ----------------------------------------------------------------------

  /** One gradient step on a batch; returns its losses (computed before the update, as Keras). */
  private trainStep(compiled: Compiled, batch: Batch): { total: number; perOutput: (number | null)[] } {
    const model = this.model;
    model.ensureBuilt(batch.xs);
    model.clearActivityLoss();
    const weights = model.trainableWeights;
    const step: { preds: Tensor[]; total: Tensor | null; perOutput: (Tensor | null)[] } = { preds: [], total: null, perOutput: [] };
    // The gradients are those of the scaled loss (optimizer.lossScaleFactor, unscaled again by
    // applyGradients); the loss reported is the loss itself, as Keras.
    const { grads } = variableGrads(() => {
      step.preds = model.forward(batch.xs, true);
      const { total, perOutput } = compiled.computeLoss(batch.ys, step.preds, batch.weights, model.losses);
      step.total = total;
      step.perOutput = perOutput;
      return compiled.optimizer.scaleLoss(total);
    }, weights);
    // NOTE: sample weights weight the loss only, not `metrics` (Keras's weighted_metrics would);
    // the predictions are passed undetached so crossentropy metrics can still find the logits.
    // The metrics see the same pre-update predictions as in Keras, but are updated BEFORE the
    // weights: a metric that rejects the labels then leaves the model unchanged.
    compiled.updateMetrics(batch.ys, step.preds);
    compiled.optimizer.applyGradients(grads.map((g, i) => [g, weights[i]!] as [Tensor, Variable]));
    return { total: step.total!.item(), perOutput: step.perOutput.map((l) => (l === null ? null : l.item())) };
  }

  /** Losses and metrics of a batch with `training: false`, added to `tracker` and the metrics. */
  private testStep(compiled: Compiled, batch: Batch, tracker: LossTracker): void {
    noGrad(() => {
      const model = this.model;
      model.ensureBuilt(batch.xs);
      model.clearActivityLoss();
      const preds = model.forward(batch.xs, false);
      const { total, perOutput } = compiled.computeLoss(batch.ys, preds, batch.weights, model.losses);
      track(tracker, batch.size, total.item(), perOutput.map((l) => (l === null ? null : l.item())));
      compiled.updateMetrics(batch.ys, preds);
    });
  }

  private predictStep(batch: Batch): Tensor[] {
    this.model.ensureBuilt(batch.xs);
    return noGrad(() => this.model.forward(batch.xs, false));
  }

  // ---- the loops --------------------------------------------------------------------------------

  /** Evaluation over a source: fit's validation (async) and evaluate (either). */
  private *testLoop(compiled: Compiled, source: BatchSource, steps: number | null, hooks: Hooks, yieldBetween: boolean, signal?: AbortSignal): Loop<Logs> {
    compiled.resetMetrics();
    yield hooks.call('onTestBegin', {});
    const tracker = newTracker(compiled.outputs.length);
    for (let step = 0; steps === null || step < steps; step++) {
      throwIfAborted(signal);
      const r = (yield source.next()) as IteratorResult<Batch>;
      if (r.done) {
        // A dataset that gives nothing would log a loss of 0: say so instead.
        if (step === 0 && source instanceof DatasetSource) {
          throw new Error(`${source.who}: the dataset gave no batches (a generator can be iterated only once: give an iterable whose [Symbol.iterator]() starts afresh)`);
        }
        break;
      }
      yield hooks.call('onTestBatchBegin', step, {});
      this.testStep(compiled, r.value, tracker);
      yield hooks.call('onTestBatchEnd', step, compiled.logs(tracker));
      if (yieldBetween) yield yieldToEventLoop();
    }
    const logs = compiled.logs(tracker);
    yield hooks.call('onTestEnd', logs);
    return logs;
  }

  private *predictLoop(source: BatchSource, steps: number | null, hooks: Hooks): Loop<Tensor[][]> {
    yield hooks.call('onPredictBegin', {});
    const parts: Tensor[][] = [];
    for (let step = 0; steps === null || step < steps; step++) {
      const r = (yield source.next()) as IteratorResult<Batch>;
      if (r.done) break;
      yield hooks.call('onPredictBatchBegin', step, {});
      const outputs = this.predictStep(r.value);
      parts.push(outputs);
      yield hooks.call('onPredictBatchEnd', step, { outputs: outputs.length === 1 ? outputs[0]! : outputs });
    }
    yield hooks.call('onPredictEnd', {});
    return parts;
  }

  // ---- fit --------------------------------------------------------------------------------------

  /** `fit(x, y, args)` on arrays, or `fit(dataset, args)`. */
  async fit(x: ModelData | Dataset, y: ModelData | FitArgs | undefined, maybeArgs: FitArgs = {}): Promise<History> {
    const model = this.model;
    const who = `${model.name}.fit`;
    const dataset = isDataset(x);
    const args = (dataset ? y ?? {} : maybeArgs) as FitArgs;
    // A subclassed model compiled before it ever ran, fitted on a dataset: its first batch builds
    // it (Keras does the same), and goes back in front of the others.
    let first: AnyIterator<unknown> | null = null;
    if (dataset && this.compiled === null && this.pending !== null) {
      const it = iterate(x as Dataset);
      const head = await it.next();
      if (head.done !== true) {
        const xs = this.inputs(elementParts(head.value, who, 0, false).xs, who, 'dataset element 0 xs');
        this.model.ensureBuilt(xs.map((t) => takeRows(t, null, 0, Math.min(1, t.shape[0]!))));
      }
      first = prepend(head, it);
    }
    const compiled = this.requireCompiled('fit', x);
    this.refuseWhileFitting('fit');
    checkFitArgs(args, who, dataset);
    const epochs = args.epochs ?? 1;
    const initialEpoch = args.initialEpoch ?? 0;
    const verbose = args.verbose ?? 1;
    const batchSize = args.batchSize ?? 32;

    // The training data: arrays in memory, or the batches of a dataset.
    let train: ArrayData | null = null;
    let validation: ArrayData | Dataset | null = null;
    if (!dataset) {
      if (y === undefined) throw new Error(`${who}: give y (the labels) after x, or pass a dataset of { xs, ys } batches`);
      train = this.arrayData(x as ModelData, y as ModelData, compiled, args.sampleWeight, args.classWeight, who);
    }
    if (args.validationData !== undefined) {
      if (isDataset(args.validationData)) {
        validation = args.validationData;
      } else {
        const [vx, vy, vw] = args.validationData as readonly ModelData[];
        validation = this.arrayData(vx!, vy!, compiled, vw, undefined, who, 'validationData ');
      }
    } else if (train !== null && args.validationSplit !== undefined && args.validationSplit !== 0) {
      const n = train.size;
      const at = splitForValidation(n, args.validationSplit, who);
      // The validation part keeps its sampleWeight, but not classWeight: Keras applies class
      // weights to the training data only. (The two are never both given.)
      const tail = train.slice(at, n);
      const vWeights = train.weights.map((w) => (args.sampleWeight === undefined || w === null ? null : w.subarray(at)));
      validation = new ArrayData(tail.xs, tail.ys, vWeights);
      train = train.slice(0, at);
    }

    const n = train?.size ?? 0;
    const steps = train !== null ? Math.ceil(n / batchSize) : args.stepsPerEpoch ?? null;
    const history = new History();
    const callbacks = new CallbackList([...withProgbar(args.callbacks ?? [], verbose), history]);
    callbacks.setModel(model);
    callbacks.setParams(train !== null ? { epochs, steps, verbose, samples: n, batchSize } : { epochs, steps, verbose });

    // Fail before the first update rather than after an epoch of training: build a deferred model
    // from a first batch's shape (as Keras's symbolic build does), and when the validation samples
    // are not shaped like the training samples (whose labels the first batch's loss checks before
    // any update), try the loss and metrics on one validation sample.
    if (train !== null) {
      model.checkInputs(train.xs, who, 'x');
      if (n > 0) model.ensureBuilt(train.slice(0, Math.min(n, batchSize)).xs);
    }
    if (validation instanceof ArrayData) {
      if (args.validationData !== undefined) model.checkInputs(validation.xs, who, 'validationData x');
      const sameSampleShape = (a: Tensor | null, b: Tensor | null): boolean =>
        a === null || b === null || (a.rank === b.rank && a.shape.every((d, i) => i === 0 || d === b.shape[i]));
      const alike = train !== null && validation.xs.every((t, i) => sameSampleShape(t, train!.xs[i]!)) && validation.ys.every((t, i) => sameSampleShape(t, train!.ys[i]!));
      if (validation.size > 0 && !alike) {
        this.testStep(compiled, validation.batch(null, 0, 1), newTracker(compiled.outputs.length));
        compiled.resetMetrics();
      }
    }

    this.fitting = true;
    try {
      return await runAsync(this.fitLoop(compiled, train, x as Dataset, first, validation, args, { epochs, initialEpoch, batchSize, steps }, callbacks, history));
    } finally {
      this.fitting = false;
    }
  }

  private *fitLoop(compiled: Compiled, train: ArrayData | null, dataset: Dataset, first: AnyIterator<unknown> | null, validation: ArrayData | Dataset | null, args: FitArgs,
    plan: { epochs: number; initialEpoch: number; batchSize: number; steps: number | null }, callbacks: CallbackList, history: History): Loop<History> {
    const model = this.model;
    const who = `${model.name}.fit`;
    const hooks = new Hooks(callbacks, false);
    const n = train?.size ?? 0;
    const order = new Int32Array(n);
    for (let i = 0; i < n; i++) order[i] = i;
    const rng = randomSource();
    const stepsPerEpoch = train === null ? args.stepsPerEpoch ?? null : plan.steps;
    // With stepsPerEpoch, a dataset's epochs continue one iterator (as Keras and TF.js).
    // Every dataset iterator this fit opens, closed at the end however it ends (an async generator's cleanup runs).
    const opened: AnyIterator<unknown>[] = [];
    const open = (): AnyIterator<unknown> => {
      const it = first ?? iterate(dataset);
      first = null;
      opened.push(it);
      return it;
    };
    const shared: AnyIterator<unknown> | null = train === null && stepsPerEpoch !== null ? open() : null;
    try {
      let trainingLogs: Logs = {};
      model.stopTraining = false;
      this.history = history;
      yield hooks.call('onTrainBegin', {});
      for (let epoch = plan.initialEpoch; epoch < plan.epochs; epoch++) {
        compiled.resetMetrics();
        yield hooks.call('onEpochBegin', epoch, {});
        let source: BatchSource;
        if (train !== null) {
          if (args.shuffle ?? true) rng.shuffle(order);
          source = train.batches(plan.batchSize, order);
        } else {
          source = new DatasetSource(this, shared ?? open(), compiled, args.classWeight, who, false);
        }
        const tracker = newTracker(compiled.outputs.length);
        let logs: Logs = {};
        let step = 0;
        let ranOut = false;
        for (; stepsPerEpoch === null || step < stepsPerEpoch; step++) {
          throwIfAborted(args.signal);
          const r = (yield source.next()) as IteratorResult<Batch>;
          if (r.done) {
            ranOut = train === null && (stepsPerEpoch !== null || step === 0);
            break;
          }
          const batch = r.value;
          yield hooks.call('onBatchBegin', step, { batch: step, size: batch.size });
          const losses = this.trainStep(compiled, batch);
          track(tracker, batch.size, losses.total, losses.perOutput);
          logs = compiled.logs(tracker);
          yield hooks.call('onBatchEnd', step, logs);
          if (model.stopTraining) break;
          yield yieldToEventLoop();
          yield hooks.call('onYield', epoch, step, logs); // TF.js's hook, after each yield
        }
        if (ranOut) {
          // Keras: "Your input ran out of data; interrupting training."
          console.warn(`${who}: the dataset ran out of batches at epoch ${epoch + 1}, step ${step} (${stepsPerEpoch === null ? 'it gave none this epoch' : `stepsPerEpoch is ${stepsPerEpoch}`}); training stops here. Make sure the dataset can give stepsPerEpoch × epochs batches, or leave stepsPerEpoch out to run each epoch to the dataset's end.`);
          if (step === 0) break;
          model.stopTraining = true;
        }
        if (validation !== null) {
          const valLogs = yield* this.validate(compiled, validation, args, plan.batchSize, callbacks);
          logs = { ...logs, ...valLogs };
        }
        trainingLogs = (yield hooks.call('onEpochEnd', epoch, sortLogs(logs))) as Logs; // sorted, as Keras (keras-facts §7.4)
        if (model.stopTraining) break;
      }
      // As Keras: an optimizer keeping a weight EMA (useEma) writes it into the weights now, before
      // onTrainEnd, which receives the last epoch's logs (with the keys callbacks added).
      if (plan.epochs > 0) compiled.optimizer.finalizeVariableValues(model.trainableWeights);
      yield hooks.call('onTrainEnd', trainingLogs);
      return history;
    } finally {
      for (const it of opened) void Promise.resolve(it.return?.()).catch(() => {});
    }
  }

  /**
   * fit's validation at the end of an epoch: Keras runs `evaluate` with fit's callbacks, so the
   * test hooks (onTestBegin, onTestBatchBegin/End, onTestEnd) fire, with un-prefixed logs.
   */
  private *validate(compiled: Compiled, validation: ArrayData | Dataset, args: FitArgs, batchSize: number, callbacks: CallbackList): Loop<Logs> {
    const hooks = new Hooks(callbacks, false);
    const source: BatchSource = validation instanceof ArrayData
      ? validation.batches(args.validationBatchSize ?? batchSize)
      : new DatasetSource(this, iterate(validation), compiled, undefined, `${this.model.name}.fit: validationData`, false);
    const logs = yield* this.testLoop(compiled, source, args.validationSteps ?? null, hooks, true, args.signal);
    return prefixed(logs, 'val_');
  }

  /** The History of the latest fit, for the model to expose. */
  history: History | null = null;

  // ---- evaluate and predict -----------------------------------------------------------------------

  /** `evaluate(x, y, args)` on arrays (synchronous) or `evaluate(dataset, args)` (a Promise). */
  evaluate(x: ModelData | Dataset, y: ModelData | EvaluateArgs | undefined, maybeArgs: EvaluateArgs = {}): number | number[] | Logs | Promise<number | number[] | Logs> {
    const who = `${this.model.name}.evaluate`;
    const dataset = isDataset(x);
    const args = (dataset ? y ?? {} : maybeArgs) as EvaluateArgs;
    const compiled = this.requireCompiled('evaluate', x);
    checkOptions(args, ['batchSize', 'verbose', 'sampleWeight', 'callbacks', 'returnDict'], who, ['steps'], dataset);
    const verbose = args.verbose ?? 1;
    const finish = (logs: Logs): number | number[] | Logs => (args.returnDict === true ? sortLogs(logs) : compiled.results(logs));
    if (dataset) {
      for (const key of ['batchSize', 'sampleWeight'] as const) if (args[key] !== undefined) throw new Error(`${who}: ${key} is for arrays; a dataset's batches bring their own`);
      const steps = optionalSteps(args.steps, 'steps', who);
      const hooks = new Hooks(this.eventCallbacks(args.callbacks, verbose, steps), false);
      const source = new DatasetSource(this, iterate(x as Dataset), compiled, undefined, who, false);
      return runAsync(this.testLoop(compiled, source, steps, hooks, true)).then(finish);
    }
    if (y === undefined) throw new Error(`${who}: give y (the labels) after x, or pass a dataset of { xs, ys } batches`);
    const data = this.arrayData(x as ModelData, y as ModelData, compiled, args.sampleWeight, undefined, who);
    this.model.checkInputs(data.xs, who, 'x');
    const batchSize = checkBatchSize(args.batchSize ?? 32, who);
    const steps = Math.ceil(data.size / batchSize);
    const hooks = new Hooks(this.eventCallbacks(args.callbacks, verbose, steps), true);
    return finish(runSync(this.testLoop(compiled, data.batches(batchSize), null, hooks, false)));
  }

  /** `predict(x, args)` on arrays (synchronous) or on a dataset (a Promise): one tensor per output. */
  predict(x: ModelData | Dataset, args: PredictArgs = {}): Tensor[] | Promise<Tensor[]> {
    const who = `${this.model.name}.predict`;
    checkOptions(args, ['batchSize', 'verbose', 'callbacks'], who, ['steps'], isDataset(x));
    const verbose = args.verbose ?? 0;
    if (isDataset(x)) {
      if (args.batchSize !== undefined) throw new Error(`${who}: batchSize is for arrays; a dataset's batches bring their own`);
      const steps = optionalSteps(args.steps, 'steps', who);
      const hooks = new Hooks(this.eventCallbacks(args.callbacks, verbose, steps), false);
      const source = new DatasetSource(this, iterate(x), null, undefined, who, true);
      return runAsync(this.predictLoop(source, steps, hooks)).then((parts) => {
        if (parts.length === 0) throw new Error(`${who}: the dataset gave no batches`);
        return joinBatches(parts);
      });
    }
    const xs = this.inputs(x, who);
    checkSameRows(xs, [], this.model.inputNames, [], who);
    this.model.checkInputs(xs, who, 'x');
    const batchSize = checkBatchSize(args.batchSize ?? 32, who);
    const data = new ArrayData(xs, [], []);
    const steps = Math.ceil(data.size / batchSize);
    const hooks = new Hooks(this.eventCallbacks(args.callbacks, verbose, steps), true);
    const parts = runSync(this.predictLoop(data.batches(batchSize), null, hooks));
    if (parts.length === 0) {
      this.model.ensureBuilt(xs);
      return this.model.emptyOutputs(xs);
    }
    return joinBatches(parts);
  }

  /**
   * evaluate's and predict's callbacks with a progress bar when `verbose` asks for one and none
   * is given (as Keras), told the model and the run's parameters; null when there is none.
   */
  private eventCallbacks(list: readonly CallbackLike[] | undefined, verbose: number, steps: number | null): CallbackList | null {
    const all = withProgbar(list ?? [], verbose);
    if (all.length === 0) return null;
    const callbacks = new CallbackList(all);
    callbacks.setModel(this.model);
    callbacks.setParams({ verbose, epochs: 1, steps });
    return callbacks;
  }

  // ---- single batches -----------------------------------------------------------------------------

  /** One gradient step on one batch; its loss (and metrics), as evaluate returns them. */
  trainOnBatch(x: ModelData, y: ModelData, args: OnBatchArgs = {}): number | number[] | Logs {
    const who = `${this.model.name}.trainOnBatch`;
    const compiled = this.requireCompiled('trainOnBatch', x);
    this.refuseWhileFitting('trainOnBatch');
    checkOptions(args, ['sampleWeight', 'classWeight', 'returnDict'], who);
    const data = this.arrayData(x, y, compiled, args.sampleWeight, args.classWeight, who);
    this.model.checkInputs(data.xs, who, 'x');
    compiled.resetMetrics();
    const tracker = newTracker(compiled.outputs.length);
    const losses = this.trainStep(compiled, data.batch(null, 0, data.size));
    track(tracker, Math.max(1, data.size), losses.total, losses.perOutput);
    const logs = compiled.logs(tracker);
    return args.returnDict === true ? sortLogs(logs) : compiled.results(logs);
  }

  /** Loss (and metrics) on one batch, without training. */
  testOnBatch(x: ModelData, y: ModelData, args: Omit<OnBatchArgs, 'classWeight'> = {}): number | number[] | Logs {
    const who = `${this.model.name}.testOnBatch`;
    const compiled = this.requireCompiled('testOnBatch', x);
    checkOptions(args, ['sampleWeight', 'returnDict'], who);
    const data = this.arrayData(x, y, compiled, args.sampleWeight, undefined, who);
    this.model.checkInputs(data.xs, who, 'x');
    const logs = runSync(this.testLoop(compiled, data.batches(Math.max(1, data.size)), null, new Hooks(null, true), false));
    return args.returnDict === true ? sortLogs(logs) : compiled.results(logs);
  }

  /** Outputs for one batch (`training: false`), one per output. */
  predictOnBatch(x: ModelData): Tensor[] {
    const who = `${this.model.name}.predictOnBatch`;
    const xs = this.inputs(x, who);
    checkSameRows(xs, [], this.model.inputNames, [], who);
    this.model.checkInputs(xs, who, 'x');
    return this.predictStep({ xs, ys: [], weights: [], size: xs[0]?.shape[0] ?? 0 });
  }

  /** @internal A dataset element as a batch (DatasetSource calls it). */
  toBatch(element: unknown, compiled: Compiled | null, classWeight: Record<number, number> | undefined, who: string, step: number, forPredict: boolean): Batch {
    const { xs: ex, ys: ey, sw } = elementParts(element, who, step, forPredict);
    const what = `dataset element ${step}`;
    const xs = this.inputs(ex, who, `${what} xs`);
    if (forPredict || compiled === null) {
      checkSameRows(xs, [], this.model.inputNames, [], who);
      return { xs, ys: [], weights: [], size: xs[0]?.shape[0] ?? 0 };
    }
    if (ey === undefined) throw new Error(`${who}: ${what} has no ys (labels); expected { xs, ys } or [xs, ys]`);
    const ys = this.labels(ey, compiled, who, `${what} ys`);
    checkSameRows(xs, ys, this.model.inputNames, this.model.outputNames, `${who}: ${what}`);
    const weights = this.weights(ys, sw, classWeight, `${who}: ${what}`);
    return { xs, ys, weights: weights.map((w) => (w === null ? null : new Tensor(w, [w.length]))), size: xs[0]?.shape[0] ?? 0 };
  }
}

/** A dataset's elements as batches, checked one by one. */
class DatasetSource implements BatchSource {
  private step = 0;
  constructor(
    private readonly trainer: Trainer,
    private readonly iterator: AnyIterator<unknown>,
    private readonly compiled: Compiled | null,
    private readonly classWeight: Record<number, number> | undefined,
    readonly who: string,
    private readonly forPredict: boolean,
  ) {}

  next(): IteratorResult<Batch> | Promise<IteratorResult<Batch>> {
    const r = this.iterator.next();
    if (r !== null && typeof (r as Promise<unknown>).then === 'function') return (r as Promise<IteratorResult<unknown>>).then((v) => this.convert(v));
    return this.convert(r as IteratorResult<unknown>);
  }

  private convert(r: IteratorResult<unknown>): IteratorResult<Batch> {
    if (r.done === true) return { done: true, value: undefined };
    const batch = this.trainer.toBatch(r.value, this.compiled, this.classWeight, this.who, this.step++, this.forPredict);
    return { done: false, value: batch };
  }
}

// ---- helpers --------------------------------------------------------------------------------

/** An iterator that gives `head` (already taken from `rest`) first, then the rest. */
function prepend<T>(head: IteratorResult<T>, rest: AnyIterator<T>): AnyIterator<T> {
  let given = false;
  return {
    next: () => {
      if (given) return rest.next();
      given = true;
      return head;
    },
    return: (value?: unknown) => (rest.return?.(value) ?? { done: true, value: undefined }),
  } as AnyIterator<T>;
}

/** The per-batch outputs joined along the batch axis: one tensor per output. */
function joinBatches(parts: Tensor[][]): Tensor[] {
  return parts[0]!.map((_, i) => (parts.length === 1 ? parts[0]![i]! : ops.concat(parts.map((p) => p[i]!), 0)));
}

/** A copy of `logs` with every key prefixed (`val_`). */
function prefixed(logs: Logs, prefix: string): Logs {
  const out: Logs = {};
  for (const [k, v] of Object.entries(logs)) out[prefix + k] = v;
  return out;
}

/** The callbacks plus a progress bar when `verbose` asks for one and none is among them (as Keras). */
function withProgbar(list: readonly CallbackLike[], verbose: number): CallbackLike[] {
  const has = list.some((cb) => cb instanceof ProgbarLogger);
  return verbose > 0 && !has ? [...list, new ProgbarLogger({ verbose })] : [...list];
}

function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw signal.reason ?? new Error('fit: aborted');
}

function checkBatchSize(batchSize: number, who: string): number {
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new Error(`${who}: batchSize must be a positive integer, got ${batchSize}`);
  return batchSize;
}

function optionalSteps(steps: number | undefined, name: string, who: string): number | null {
  if (steps === undefined) return null;
  if (!Number.isInteger(steps) || steps < 1) throw new Error(`${who}: ${name} must be a positive integer, got ${String(steps)}`);
  return steps;
}

/**
 * Throws on an option name not in `known` (nor in `forDatasets` when the data is a dataset),
 * suggesting the nearest and listing the valid ones.
 */
export function checkOptions(args: object, known: readonly string[], who: string, forDatasets: readonly string[] = [], dataset = false): void {
  if (args === null || typeof args !== 'object') throw new Error(`${who}: expected an options object, got ${String(args)}`);
  const all = [...known, ...forDatasets];
  const valid = dataset ? all : known;
  for (const key of Object.keys(args)) {
    if (!valid.includes(key)) {
      const nearest = suggest(key, valid); // 'batch_size' → 'batchSize'
      const datasets = forDatasets.length === 0 ? '' : `; with a dataset also ${forDatasets.join(', ')}`;
      throw new Error(`${who}: unknown option '${key}'${nearest === null ? '' : `. Did you mean '${nearest}'?`} (expected one of ${known.join(', ')})${datasets}`);
    }
  }
}

function checkFitArgs(args: FitArgs, who: string, dataset: boolean): void {
  checkOptions(args, ['batchSize', 'epochs', 'verbose', 'callbacks', 'validationSplit', 'validationData', 'shuffle', 'initialEpoch', 'classWeight',
    'sampleWeight', 'validationBatchSize', 'signal'], who, ['stepsPerEpoch', 'validationSteps'], dataset);
  checkBatchSize(args.batchSize ?? 32, who);
  const vbs = args.validationBatchSize;
  if (vbs !== undefined && (!Number.isInteger(vbs) || vbs < 1)) throw new Error(`${who}: validationBatchSize must be a positive integer, got ${vbs}`);
  const epochs = args.epochs ?? 1;
  if (!Number.isInteger(epochs) || epochs < 0) throw new Error(`${who}: epochs must be a non-negative integer, got ${epochs}`);
  const initial = args.initialEpoch ?? 0;
  if (!Number.isInteger(initial) || initial < 0) throw new Error(`${who}: initialEpoch must be a non-negative integer, got ${initial}`);
  if (args.verbose !== undefined && ![0, 1, 2].includes(args.verbose)) throw new Error(`${who}: verbose must be 0, 1 or 2, got ${String(args.verbose)}`);
  const vd: unknown = args.validationData;
  if (vd !== undefined && !isDataset(vd) && (!Array.isArray(vd) || vd.length < 2 || vd.length > 3)) {
    throw new Error(`${who}: validationData must be [xVal, yVal] or [xVal, yVal, sampleWeightVal], or a dataset of { xs, ys } batches`);
  }
  optionalSteps(args.stepsPerEpoch, 'stepsPerEpoch', who);
  optionalSteps(args.validationSteps, 'validationSteps', who);
  if (args.validationBatchSize !== undefined && isDataset(vd)) {
    throw new Error(`${who}: validationBatchSize is for validation arrays; a validation dataset's batches are its own`);
  }
  if (dataset) {
    // As Keras: these describe arrays; a dataset brings its own batches.
    for (const key of ['batchSize', 'validationSplit', 'sampleWeight'] as const) {
      if (args[key] !== undefined) throw new Error(`${who}: ${key} is for arrays; with a dataset, its batches are the batches (weights go in them as sampleWeight)`);
    }
    if (args.shuffle === true) throw new Error(`${who}: shuffle is for arrays; shuffle the dataset itself`);
  }
  if (args.validationSteps !== undefined && (args.validationData === undefined || !isDataset(args.validationData))) {
    throw new Error(`${who}: validationSteps is for a validationData dataset`);
  }
}
