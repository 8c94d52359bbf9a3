// Sequential: a stack of layers, with Keras's compile / fit / evaluate / predict / summary.
// Semantics follow Keras 3 (keras-facts §1, §7, §8); option names follow TF.js.

import { variableGrads, noGrad } from '../autograd/tape.js';
import { Layer, formatSymbolicShape, type SymbolicShape, type CallArgs } from '../layers/layer.js';
import { InputLayer } from '../layers/input_layer.js';
import { getLoss, type Loss, type LossIdentifier } from '../losses/index.js';
import { getMetric, type Metric, type MetricIdentifier } from '../metrics/index.js';
import { getOptimizer, type Optimizer } from '../optimizers/index.js';
import { CallbackList, History, ProgbarLogger, sortLogs, type CallbackLike, type CallbackParams, type Logs } from '../callbacks/index.js';
import { toSnakeCase, uniqueName } from '../naming.js';
import { suggest } from '../identifiers.js';
import * as ops from '../ops/index.js';
import { Tensor, Variable, toTensor, type TensorLike } from '../tensor/tensor.js';
import { formatShape } from '../tensor/shape.js';
import { Random, randomSource } from '../tensor/random.js';
import { asBatchTensor, checkSameSamples, sampleWeights, splitForValidation, takeRows, yieldToEventLoop, type DataLike } from './data.js';
import { renderSummary, type SummaryOptions, type SummaryRow } from './summary.js';
import { modelToArtifacts, saveModel, saveModelWeights } from './io/save.js';
import { loadModelWeights, type LoadOptions, type ModelSource } from './io/load_weights.js';
import type { IOHandler, ModelArtifacts, SaveOptions, SaveResult } from './io/artifacts.js';

/** Options of `compile`. */
export interface CompileArgs {
  /** An optimizer name (`'adam'`, `'sgd'`, ...; any case) or instance. Default `'rmsprop'`, as Keras. */
  optimizer?: string | Optimizer;
  /** A loss name, instance or function `(yTrue, yPred) => per-sample values`. */
  loss: LossIdentifier;
  /** Metrics to track: names (`'accuracy'`, `'mae'`, ...), instances or functions. */
  metrics?: readonly MetricIdentifier[];
}

/** Options of `fit` (TF.js spelling, Keras 3 semantics). */
export interface FitArgs {
  /** Samples per gradient step (default 32); the last batch may be smaller and is kept. */
  batchSize?: number;
  /** Index of the last epoch + 1 (default 1). */
  epochs?: number;
  /** 0 silent, 1 progress bar (default), 2 one line per epoch. */
  verbose?: 0 | 1 | 2;
  /** Callback objects or instances (EarlyStopping, ...). */
  callbacks?: readonly CallbackLike[];
  /** Fraction of the data, taken from the END before shuffling, used for validation. */
  validationSplit?: number;
  /** `[xVal, yVal]` or `[xVal, yVal, sampleWeightVal]`; overrides validationSplit. */
  validationData?: readonly [DataLike, DataLike] | readonly [DataLike, DataLike, DataLike];
  /** Reshuffle the training samples every epoch (default true). */
  shuffle?: boolean;
  /** Epoch to start from (for resuming; default 0). */
  initialEpoch?: number;
  /** `{classIndex: weight}`: weights the loss of each sample by its class. */
  classWeight?: Record<number, number>;
  /** One weight per training sample, multiplying its loss. */
  sampleWeight?: DataLike;
  /** Batch size for validation (default: batchSize). */
  validationBatchSize?: number;
  /** Stops training between two batches; the promise then rejects with the signal's reason. */
  signal?: AbortSignal;
}

/** Options of `evaluate`. */
export interface EvaluateArgs {
  /** Samples per batch (default 32). */
  batchSize?: number;
  /** 0 silent, 1 progress bar (default), 2 one line at the end. */
  verbose?: 0 | 1 | 2;
  /** One weight per sample, multiplying its loss and metrics. */
  sampleWeight?: DataLike;
  /** Callbacks whose test hooks run (onTestBegin, onTestBatchBegin/End, onTestEnd); synchronous ones. */
  callbacks?: readonly CallbackLike[];
  /** Return `{ loss, ...metrics }` with sorted keys instead of `[loss, ...metrics]` (Keras's `return_dict`). */
  returnDict?: boolean;
}

/** Options of `predict`. */
export interface PredictArgs {
  /** Samples per batch (default 32). */
  batchSize?: number;
  /** 0 silent (default), 1 progress bar, 2 one line at the end. */
  verbose?: 0 | 1 | 2;
  /** Callbacks whose predict hooks run (onPredictBegin, onPredictBatchBegin/End, onPredictEnd); synchronous ones. */
  callbacks?: readonly CallbackLike[];
}

/** Options of `trainOnBatch` and `testOnBatch` (`classWeight` for training only). */
export interface OnBatchArgs {
  /** One weight per sample, multiplying its loss. */
  sampleWeight?: DataLike;
  /** `{classIndex: weight}`: weights the loss of each sample by its class (trainOnBatch only). */
  classWeight?: Record<number, number>;
  /** Return `{ loss, ...metrics }` with sorted keys instead of `[loss, ...metrics]` (Keras's `return_dict`). */
  returnDict?: boolean;
}

/** Sequential's constructor arguments: a list of layers, or `{ layers, name }` (TF.js). */
export interface SequentialArgs {
  /** The layers, in order (more can be added with `add`). */
  layers?: readonly Layer[];
  /** The model's name; default `sequential`, made unique (`sequential_1`, ...). */
  name?: string;
}

/**
 * A linear stack of layers.
 *
 * @example
 * ```ts
 * const model = new tk.Sequential([
 *   new tk.layers.Dense(64, { activation: 'relu', inputShape: [784] }),
 *   new tk.layers.Dense(10, 'softmax'),
 * ]);
 * model.compile({ optimizer: 'adam', loss: 'categorical_crossentropy', metrics: ['accuracy'] });
 * const history = await model.fit(x, y, { epochs: 5, batchSize: 32, validationSplit: 0.1 });
 * console.table(history.toRows());
 * ```
 */
export class Sequential {
  /** The Keras class name, `'Sequential'` (saved in model.json). */
  static readonly className = 'Sequential';

  /** The model's name (`sequential`, `sequential_1`, ...). */
  readonly name: string;
  /** Set true (e.g. by a callback) to stop `fit` after the current batch. */
  stopTraining = false;
  /** The History of the latest `fit`. */
  history: History | null = null;

  private readonly stack: Layer[] = [];
  /** Declared input shape with batch axis, from an InputLayer or the first layer's inputShape. */
  private inputShape: SymbolicShape | null = null;
  /** Output shape of each layer, once built. */
  private outputShapes: (SymbolicShape | null)[] = [];
  private builtFlag = false;
  private compiled: { optimizer: Optimizer; loss: Loss; metrics: Metric[] } | null = null;

  constructor(args: readonly Layer[] | SequentialArgs = {}) {
    if (!Array.isArray(args)) {
      // A single layer (or anything else) would otherwise read as an options object without `layers`.
      if (args === null || typeof args !== 'object' || args instanceof Layer) {
        const hint = args instanceof Layer ? '; put the layer in a list: new Sequential([layer])' : '';
        throw new Error(`Sequential: expected a list of layers or { layers, name }, got ${describe(args)}${hint}`);
      }
      checkOptions(args, ['layers', 'name'], 'Sequential');
    }
    const layers = Array.isArray(args) ? (args as readonly Layer[]) : (args as SequentialArgs).layers ?? [];
    const name = Array.isArray(args) ? undefined : (args as SequentialArgs).name;
    this.name = name ?? uniqueName(toSnakeCase(Sequential.className));
    for (const layer of layers) this.addWithoutBuild(layer);
    this.tryBuild();
  }

  // ---- structure ----------------------------------------------------------------------------

  /**
   * Appends a layer. The first layer may declare `inputShape`; then the model builds at once.
   *
   * @example
   * ```ts
   * model.add(new tk.layers.Dense(5, 'relu'));
   * ```
   */
  add(layer: Layer): void {
    this.addWithoutBuild(layer);
    this.tryBuild();
  }

  private addWithoutBuild(layer: Layer): void {
    if (!(layer instanceof Layer)) {
      throw new Error(`${this.name}: add() expects a Layer instance, got ${describe(layer)}`);
    }
    if (layer instanceof InputLayer) {
      if (this.inputShape !== null || this.stack.length > 0) {
        throw new Error(`${this.name}: an InputLayer must come first, and only once (the model already has ${this.stack.length > 0 ? 'layers' : 'an input shape'})`);
      }
      this.inputShape = layer.batchInputShape;
      return;
    }
    if (this.stack.some((l) => l.name === layer.name)) {
      throw new Error(`${this.name}: all layers must have unique names; '${layer.name}' is already in the model`);
    }
    if (this.stack.length === 0 && this.inputShape === null && layer.batchInputShape !== null) {
      this.inputShape = layer.batchInputShape;
    }
    this.stack.push(layer);
    this.builtFlag = false;
  }

  /**
   * Removes and returns the last layer.
   *
   * @example
   * ```ts
   * const last = model.pop();
   * ```
   */
  pop(): Layer {
    const layer = this.stack.pop();
    if (layer === undefined) throw new Error(`${this.name}: pop() on a model with no layers`);
    this.builtFlag = false;
    this.outputShapes.pop();
    this.tryBuild();
    return layer;
  }

  /** The layers, in order (the input layer is not listed, as Keras). */
  get layers(): Layer[] {
    return this.stack.slice();
  }

  /** True once every layer has its weights. */
  get built(): boolean {
    return this.builtFlag;
  }

  /** Builds when the input shape is known (declared) and there is at least one layer. */
  private tryBuild(): void {
    if (this.inputShape !== null && this.stack.length > 0) this.build(this.inputShape);
  }

  /**
   * Builds every layer for inputs of `inputShape` (batch axis included; `null` = any).
   *
   * @example
   * ```ts
   * model.build([null, 784]);
   * ```
   */
  build(inputShape?: SymbolicShape): void {
    const shape = inputShape ?? this.inputShape;
    if (shape === null) throw new Error(`${this.name}: build() needs an input shape (batch axis included), e.g. build([null, 784])`);
    if (this.inputShape !== null && inputShape !== undefined && !sameSymbolic(this.inputShape, inputShape)) {
      throw new Error(`${this.name}: build(${formatSymbolicShape(inputShape)}) does not match the declared input shape ${formatSymbolicShape(this.inputShape)}`);
    }
    let current: SymbolicShape = shape;
    const shapes: SymbolicShape[] = [];
    for (const layer of this.stack) {
      if (!layer.built) layer.buildFrom(current);
      current = layer.computeOutputShape(current);
      shapes.push(current);
    }
    this.inputShape = shape.slice();
    this.outputShapes = shapes;
    this.builtFlag = this.stack.length > 0;
  }

  /** Builds from the first data seen (Keras's deferred build uses the concrete batch shape). */
  private ensureBuilt(x: Tensor): void {
    if (!this.builtFlag) this.build(this.inputShape ?? x.shape);
  }

  // ---- weights ------------------------------------------------------------------------------

  /** All weights, layer by layer in Keras order (kernel then bias; BN's gamma, beta, moving stats). */
  get weights(): Variable[] {
    return unique(this.stack.flatMap((l) => l.weights));
  }

  /** The weights the optimizer trains. */
  get trainableWeights(): Variable[] {
    return unique(this.stack.flatMap((l) => l.trainableWeights));
  }

  /** The weights not trained by gradients. */
  get nonTrainableWeights(): Variable[] {
    return unique(this.stack.flatMap((l) => l.nonTrainableWeights));
  }

  /** Number of weight values. */
  countParams(): number {
    if (!this.builtFlag) throw new Error(`${this.name}: countParams() needs the model built (give the first layer an inputShape, call build(), or fit on data first)`);
    return this.weights.reduce((n, w) => n + w.size, 0);
  }

  /** Copies of all weight values, in `weights` order. */
  getWeights(): Tensor[] {
    return this.weights.map((w) => w.clone());
  }

  /**
   * Sets all weights, in `weights` order (Keras layouts). The count and every shape are checked
   * before anything changes.
   *
   * @example
   * ```ts
   * other.setWeights(model.getWeights());
   * ```
   */
  setWeights(values: readonly TensorLike[]): void {
    const ws = this.weights;
    if (values.length !== ws.length) {
      const hint = this.builtFlag ? '' : ' (the model is not built yet, so it has no weights: give the first layer an inputShape, or call build() first)';
      throw new Error(`${this.name}: setWeights expected ${ws.length} arrays, got ${values.length}${hint}`);
    }
    const tensors = values.map((v, i) => toTensor(v, `${this.name}: setWeights: weight ${i}`));
    tensors.forEach((t, i) => {
      const w = ws[i]!;
      if (t.rank !== w.rank || t.shape.some((d, j) => d !== w.shape[j])) {
        throw new Error(`${this.name}: setWeights: weight ${i} ('${w.name}') has shape ${formatShape(w.shape)}, got ${formatShape(t.shape)}`);
      }
    });
    tensors.forEach((t, i) => ws[i]!.assign(t));
  }

  // ---- computing ------------------------------------------------------------------------------

  /**
   * Runs the layers on `x` (building the model on first use). Records on the tape when weights
   * require gradients, so it serves custom training loops.
   *
   * @example
   * ```ts
   * const y = model.apply(x, { training: false });
   * ```
   */
  apply(x: TensorLike, args: CallArgs = {}): Tensor {
    const input = asBatchTensor(x, `${this.name}`);
    if (this.stack.length === 0) throw new Error(`${this.name}: the model has no layers`);
    this.checkInput(input);
    this.ensureBuilt(input);
    let y = input;
    for (const layer of this.stack) y = layer.apply(y, args);
    return y;
  }

  /** Checks `x` against the input shape, every axis but the batch axis (as Keras's input spec). */
  private checkInput(x: Tensor, who: string = this.name): void {
    const declared = this.inputShape;
    if (declared === null) return;
    const ok = declared.length === x.rank && declared.every((d, i) => i === 0 || d === null || d === x.shape[i]);
    if (!ok) {
      // The batch axis is shown as None: it is not checked (a deferred build pins the first batch's size).
      throw new Error(`${who}: expected input shape ${formatSymbolicShape([null, ...declared.slice(1)])}, got ${formatShape(x.shape)}`);
    }
  }

  /**
   * Prints Keras 3's summary table and returns its text. Called as `summary()`, with options, or
   * TF.js-style `summary(lineLength, positions, printFn)`.
   *
   * @example
   * ```ts
   * const text = model.summary({ printFn: () => {} });
   * ```
   */
  summary(options?: SummaryOptions | number, positions?: readonly number[], printFn?: (text: string) => void): string {
    const o: SummaryOptions = typeof options === 'number' ? { lineLength: options, positions, printFn } : options ?? {};
    const rows: SummaryRow[] = this.stack.map((layer, i) => ({ layer, outputShape: layer.built ? this.outputShapes[i] ?? null : null }));
    const count = (ws: Variable[]): number => ws.reduce((n, w) => n + w.size, 0);
    const optimizer = this.compiled?.optimizer;
    const text = renderSummary(this.name, rows, {
      trainable: count(this.trainableWeights),
      nonTrainable: count(this.nonTrainableWeights),
      optimizer: optimizer !== undefined && optimizer.built ? optimizer.summaryParams() : null,
    }, o);
    (o.printFn ?? ((s: string) => console.log(s)))(text);
    return text;
  }

  // ---- training -------------------------------------------------------------------------------

  /**
   * Configures training: optimizer, loss and metrics.
   *
   * @example
   * ```ts
   * model.compile({ optimizer: 'adam', loss: 'categorical_crossentropy', metrics: ['accuracy', 'mae'] });
   * ```
   */
  compile(args: CompileArgs): void {
    if (args === null || typeof args !== 'object') throw new Error(`${this.name}: compile() expects { optimizer, loss, metrics }, got ${describe(args)}`);
    const known = new Set(['optimizer', 'loss', 'metrics']);
    for (const key of Object.keys(args)) {
      if (!known.has(key)) throw new Error(`${this.name}: compile() got an unknown option '${key}' (expected optimizer, loss, metrics)`);
    }
    if (args.loss === undefined || args.loss === null) throw new Error(`${this.name}: compile() needs a loss, e.g. loss: 'categorical_crossentropy'`);
    const optimizer = getOptimizer(args.optimizer ?? 'rmsprop');
    const loss = getLoss(args.loss);
    const metrics = (args.metrics ?? []).map((m) => getMetric(m));
    const names = new Set<string>(['loss']);
    for (const m of metrics) {
      if (names.has(m.name)) throw new Error(`${this.name}: compile() got the metric name '${m.name}' twice (or it clashes with 'loss')`);
      names.add(m.name);
    }
    this.compiled = { optimizer, loss, metrics };
  }

  /** The optimizer given to `compile`, or null. */
  get optimizer(): Optimizer | null {
    return this.compiled?.optimizer ?? null;
  }

  /** The loss given to `compile`, or null. */
  get loss(): Loss | null {
    return this.compiled?.loss ?? null;
  }

  /** Names of what `evaluate` returns: `['loss', ...metric names]`. */
  get metricsNames(): string[] {
    return ['loss', ...(this.compiled?.metrics ?? []).map((m) => m.name)];
  }

  private requireCompiled(who: string): { optimizer: Optimizer; loss: Loss; metrics: Metric[] } {
    if (this.compiled === null) {
      throw new Error(`${this.name}: call compile({ optimizer, loss, metrics }) before ${who}()`);
    }
    return this.compiled;
  }

  /**
   * Trains for `epochs` epochs and resolves with the History. Between batches it yields to the
   * event loop, so a server or a page stays responsive.
   *
   * @example
   * ```ts
   * const history = await model.fit(x, y, { epochs: 5, batchSize: 32, validationSplit: 0.1, verbose: 1 });
   * history.history.loss;   // one number per epoch
   * ```
   */
  async fit(x: DataLike, y: DataLike, args: FitArgs = {}): Promise<History> {
    const who = `${this.name}.fit`;
    const compiled = this.requireCompiled('fit');
    checkFitArgs(args, who);
    let X = asBatchTensor(x, `${who}: x`);
    let Y = asBatchTensor(y, `${who}: y`);
    checkSameSamples(X, Y, who);
    let W = sampleWeights(Y, args.sampleWeight, args.classWeight, who);

    // Validation data: explicit, or the last fraction taken before shuffling.
    let validation: { x: Tensor; y: Tensor; w: Float32Array | null } | null = null;
    if (args.validationData !== undefined) {
      const [vx, vy, vw] = args.validationData;
      const VX = asBatchTensor(vx, `${who}: validationData x`);
      const VY = asBatchTensor(vy, `${who}: validationData y`);
      checkSameSamples(VX, VY, `${who}: validationData`);
      validation = { x: VX, y: VY, w: sampleWeights(VY, vw, undefined, `${who}: validationData`) };
    } else if (args.validationSplit !== undefined && args.validationSplit !== 0) {
      const n = X.shape[0]!;
      const at = splitForValidation(n, args.validationSplit, who);
      // The validation part keeps its sampleWeight, but not classWeight: Keras applies class
      // weights to the training data only. (The two are never both given.)
      const valWeights = args.sampleWeight === undefined || W === null ? null : W.subarray(at);
      validation = { x: takeRows(X, null, at, n), y: takeRows(Y, null, at, n), w: valWeights };
      X = takeRows(X, null, 0, at);
      Y = takeRows(Y, null, 0, at);
      if (W !== null) W = W.subarray(0, at);
    }

    const n = X.shape[0]!;
    const batchSize = args.batchSize ?? 32;
    const epochs = args.epochs ?? 1;
    const initialEpoch = args.initialEpoch ?? 0;
    const verbose = args.verbose ?? 1;
    const steps = Math.ceil(n / batchSize);
    const history = new History();
    const callbacks = new CallbackList([...withProgbar(args.callbacks ?? [], verbose), history]);
    callbacks.setModel(this);
    callbacks.setParams({ epochs, steps, verbose, samples: n, batchSize });
    // Fail before the first update rather than after an epoch of training: build a deferred model
    // from a first batch's shape (as Keras's symbolic build does), and when the validation samples
    // are not shaped like the training samples (whose labels the first batch's loss checks before
    // any update), try the loss and metrics on one validation sample.
    this.checkInput(X, `${who}: x`);
    if (n > 0) this.ensureBuilt(takeRows(X, null, 0, Math.min(n, batchSize)));
    if (args.validationData !== undefined && validation !== null) this.checkInput(validation.x, `${who}: validationData x`);
    const sameSampleShape = (a: Tensor, b: Tensor): boolean => a.rank === b.rank && a.shape.every((d, i) => i === 0 || d === b.shape[i]);
    if (validation !== null && validation.x.shape[0]! > 0 && !(sameSampleShape(validation.x, X) && sameSampleShape(validation.y, Y))) {
      const w0 = validation.w === null ? null : new Tensor(validation.w.slice(0, 1), [1]);
      this.testStep(compiled, takeRows(validation.x, null, 0, 1), takeRows(validation.y, null, 0, 1), w0, { loss: 0, count: 0 });
      this.resetMetrics();
    }
    this.history = history;
    this.stopTraining = false;
    const order = new Int32Array(n);
    for (let i = 0; i < n; i++) order[i] = i;
    const rng: Random = randomSource();
    let trainingLogs: Logs = {};
    await callbacks.onTrainBegin({});
    for (let epoch = initialEpoch; epoch < epochs; epoch++) {
      this.resetMetrics();
      await callbacks.onEpochBegin(epoch, {});
      if (args.shuffle ?? true) rng.shuffle(order);
      const tracker = { loss: 0, count: 0 };
      let logs: Logs = {};
      for (let step = 0; step < steps; step++) {
        throwIfAborted(args.signal);
        const start = step * batchSize;
        const end = Math.min(n, start + batchSize);
        await callbacks.onBatchBegin(step, { batch: step, size: end - start });
        const xb = takeRows(X, order, start, end);
        const yb = takeRows(Y, order, start, end);
        const wb = W === null ? null : gatherWeights(W, order, start, end);
        const lossValue = this.trainStep(compiled, xb, yb, wb);
        tracker.loss += lossValue * (end - start);
        tracker.count += end - start;
        logs = this.currentLogs(compiled, tracker);
        await callbacks.onBatchEnd(step, logs);
        if (this.stopTraining) break;
        await yieldToEventLoop();
        await callbacks.onYield(epoch, step, logs); // TF.js's hook, after each yield
      }
      if (validation !== null) {
        const valLogs = await this.validate(compiled, validation, args.validationBatchSize ?? batchSize, callbacks, args.signal);
        logs = { ...logs, ...valLogs };
      }
      trainingLogs = await callbacks.onEpochEnd(epoch, sortLogs(logs)); // sorted, as Keras (keras-facts §7.4)
      if (this.stopTraining) break;
    }
    // As Keras: an optimizer keeping a weight EMA (useEma) writes it into the weights now, before
    // onTrainEnd, which receives the last epoch's logs (with the keys callbacks added).
    if (epochs > 0) compiled.optimizer.finalizeVariableValues(this.trainableWeights);
    await callbacks.onTrainEnd(trainingLogs);
    return history;
  }

  /** One gradient step; returns the batch loss (computed before the update, as Keras). */
  private trainStep(compiled: { optimizer: Optimizer; loss: Loss; metrics: Metric[] }, xb: Tensor, yb: Tensor, wb: Tensor | null): number {
    this.checkInput(xb);
    this.ensureBuilt(xb);
    for (const layer of this.stack) layer.clearActivityLoss();
    const weights = this.trainableWeights;
    let yPred: Tensor | null = null;
    let loss: Tensor | null = null;
    // The gradients are those of the scaled loss (optimizer.lossScaleFactor, unscaled again by
    // applyGradients); the loss reported is the loss itself, as Keras.
    const { grads } = variableGrads(() => {
      yPred = this.apply(xb, { training: true });
      loss = this.totalLoss(compiled.loss, yb, yPred, wb);
      return compiled.optimizer.scaleLoss(loss);
    }, weights);
    const predictions = yPred as Tensor | null;
    const value = loss as Tensor | null;
    // NOTE: sample weights weight the loss only, not `metrics` (Keras's weighted_metrics would);
    // the predictions are passed undetached so crossentropy metrics can still find the logits.
    // The metrics see the same pre-update predictions as in Keras, but are updated BEFORE the
    // weights: a metric that rejects the labels then leaves the model unchanged.
    noGrad(() => {
      for (const m of compiled.metrics) m.update(yb, predictions!);
    });
    compiled.optimizer.applyGradients(grads.map((g, i) => [g, weights[i]!] as [Tensor, Variable]));
    return value!.item();
  }

  /** The compiled loss plus every layer's regularization penalties (keras-facts §8.1). */
  private totalLoss(loss: Loss, yTrue: Tensor, yPred: Tensor, weights: Tensor | null): Tensor {
    let total = loss.compute(yTrue, yPred, weights ?? undefined);
    for (const layer of this.stack) for (const penalty of layer.losses) total = ops.add(total, penalty);
    return total;
  }

  private resetMetrics(): void {
    for (const m of this.compiled?.metrics ?? []) m.reset();
  }

  private currentLogs(compiled: { metrics: Metric[] }, tracker: { loss: number; count: number }): Logs {
    const logs: Logs = { loss: tracker.count === 0 ? 0 : tracker.loss / tracker.count };
    for (const m of compiled.metrics) logs[m.name] = m.result();
    return logs;
  }

  /** Loss and metrics of one batch with `training: false`, added to `tracker` and the metrics. */
  private testStep(compiled: { loss: Loss; metrics: Metric[] }, xb: Tensor, yb: Tensor, wb: Tensor | null, tracker: { loss: number; count: number }): void {
    noGrad(() => {
      this.checkInput(xb);
      this.ensureBuilt(xb);
      for (const layer of this.stack) layer.clearActivityLoss();
      const yPred = this.apply(xb, { training: false });
      const n = xb.shape[0]!;
      tracker.loss += this.totalLoss(compiled.loss, yb, yPred, wb).item() * n;
      tracker.count += n;
      for (const m of compiled.metrics) m.update(yb, yPred);
    });
  }

  /**
   * Loss and metrics over data in batches, with `training: false`. `callbacks` (evaluate's, its
   * progress bar included) get their test hooks, synchronously, with the running logs.
   */
  private evaluateLogs(compiled: { loss: Loss; metrics: Metric[] }, x: Tensor, y: Tensor, w: Float32Array | null, batchSize: number,
    callbacks: CallbackList | null = null): Logs {
    this.resetMetrics();
    callbacks?.callSync('onTestBegin', {});
    const n = x.shape[0]!;
    const steps = Math.ceil(n / batchSize);
    const tracker = { loss: 0, count: 0 };
    for (let step = 0; step < steps; step++) {
      const start = step * batchSize;
      const end = Math.min(n, start + batchSize);
      callbacks?.callSync('onTestBatchBegin', step, {});
      const wb = w === null ? null : new Tensor(w.slice(start, end), [end - start]);
      this.testStep(compiled, takeRows(x, null, start, end), takeRows(y, null, start, end), wb, tracker);
      if (callbacks !== null) callbacks.callSync('onTestBatchEnd', step, this.currentLogs(compiled, tracker));
    }
    const logs = this.currentLogs(compiled, tracker);
    callbacks?.callSync('onTestEnd', logs);
    return logs;
  }

  /** `[loss, ...metrics in compile order]`, a number alone without metrics; or with `returnDict` the logs, keys sorted (Keras). */
  private results(compiled: { metrics: Metric[] }, logs: Logs, returnDict: boolean | undefined): number | number[] | Logs {
    if (returnDict === true) return sortLogs(logs);
    const values = [logs.loss!, ...compiled.metrics.map((m) => logs[m.name]!)];
    return values.length === 1 ? values[0]! : values;
  }

  /**
   * fit's validation at the end of an epoch: Keras runs `evaluate` with fit's callbacks, so the
   * test hooks (onTestBegin, onTestBatchBegin/End, onTestEnd) fire, with un-prefixed logs.
   */
  private async validate(
    compiled: { loss: Loss; metrics: Metric[] },
    data: { x: Tensor; y: Tensor; w: Float32Array | null },
    batchSize: number,
    callbacks: CallbackList,
    signal: AbortSignal | undefined,
  ): Promise<Logs> {
    this.resetMetrics();
    await callbacks.onTestBegin({});
    const n = data.x.shape[0]!;
    const steps = Math.ceil(n / batchSize);
    const tracker = { loss: 0, count: 0 };
    for (let step = 0; step < steps; step++) {
      throwIfAborted(signal);
      const start = step * batchSize;
      const end = Math.min(n, start + batchSize);
      await callbacks.onTestBatchBegin(step, {});
      const wb = data.w === null ? null : new Tensor(data.w.slice(start, end), [end - start]);
      this.testStep(compiled, takeRows(data.x, null, start, end), takeRows(data.y, null, start, end), wb, tracker);
      await callbacks.onTestBatchEnd(step, this.currentLogs(compiled, tracker));
      await yieldToEventLoop();
    }
    const logs = this.currentLogs(compiled, tracker);
    await callbacks.onTestEnd(logs);
    return prefixed(logs, 'val_');
  }

  /**
   * Loss and metrics on test data: a number when there are no metrics, else
   * `[loss, ...metrics in compile order]`, as Keras.
   *
   * @example
   * ```ts
   * const [loss, acc, mae] = model.evaluate(xTest, yTest, { verbose: 2 }) as number[];
   * const { accuracy } = model.evaluate(xTest, yTest, { returnDict: true });
   * ```
   */
  evaluate(x: DataLike, y: DataLike, args: EvaluateArgs & { returnDict: true }): Logs;
  evaluate(x: DataLike, y: DataLike, args?: EvaluateArgs & { returnDict?: false }): number | number[];
  evaluate(x: DataLike, y: DataLike, args?: EvaluateArgs): number | number[] | Logs;
  evaluate(x: DataLike, y: DataLike, args: EvaluateArgs = {}): number | number[] | Logs {
    const who = `${this.name}.evaluate`;
    const compiled = this.requireCompiled('evaluate');
    checkOptions(args, ['batchSize', 'verbose', 'sampleWeight', 'callbacks', 'returnDict'], who);
    const X = asBatchTensor(x, `${who}: x`);
    const Y = asBatchTensor(y, `${who}: y`);
    checkSameSamples(X, Y, who);
    this.checkInput(X, `${who}: x`);
    const W = sampleWeights(Y, args.sampleWeight, undefined, who);
    const batchSize = checkBatchSize(args.batchSize ?? 32, who);
    const verbose = args.verbose ?? 1;
    const steps = Math.ceil(X.shape[0]! / batchSize);
    const callbacks = this.syncCallbacks(args.callbacks, verbose, steps);
    return this.results(compiled, this.evaluateLogs(compiled, X, Y, W, batchSize, callbacks), args.returnDict);
  }

  /**
   * evaluate's and predict's callbacks with a progress bar when `verbose` asks for one and none
   * is given (as Keras), told the model and the run's parameters; null when there is none.
   */
  private syncCallbacks(list: readonly CallbackLike[] | undefined, verbose: number, steps: number): CallbackList | null {
    const all = withProgbar(list ?? [], verbose);
    if (all.length === 0) return null;
    const callbacks = new CallbackList(all);
    callbacks.setModel(this);
    callbacks.setParams({ verbose, epochs: 1, steps });
    return callbacks;
  }

  /**
   * Outputs for `x`, computed in batches with `training: false`, concatenated into one tensor.
   *
   * @example
   * ```ts
   * const probs = model.predict(xTest);   // [n, classes]
   * ```
   */
  predict(x: DataLike, args: PredictArgs = {}): Tensor {
    const who = `${this.name}.predict`;
    checkOptions(args, ['batchSize', 'verbose', 'callbacks'], who);
    const X = asBatchTensor(x, `${who}: x`);
    this.checkInput(X, `${who}: x`);
    const batchSize = checkBatchSize(args.batchSize ?? 32, who);
    const n = X.shape[0]!;
    const steps = Math.ceil(n / batchSize);
    const verbose = args.verbose ?? 0;
    const callbacks = this.syncCallbacks(args.callbacks, verbose, steps);
    return noGrad(() => {
      callbacks?.callSync('onPredictBegin', {});
      const parts: Tensor[] = [];
      for (let step = 0; step < steps; step++) {
        const start = step * batchSize;
        const end = Math.min(n, start + batchSize);
        callbacks?.callSync('onPredictBatchBegin', step, {});
        const outputs = this.apply(takeRows(X, null, start, end), { training: false });
        parts.push(outputs);
        callbacks?.callSync('onPredictBatchEnd', step, { outputs });
      }
      callbacks?.callSync('onPredictEnd', {});
      if (parts.length === 0) {
        this.ensureBuilt(X);
        const outShape = this.outputShapes[this.outputShapes.length - 1]!;
        return new Tensor(new Float32Array(0), [0, ...outShape.slice(1).map((d) => d ?? 0)]);
      }
      return parts.length === 1 ? parts[0]! : ops.concat(parts, 0);
    });
  }

  /**
   * One gradient step on one batch; returns the loss (and metrics) for that batch.
   *
   * @example
   * ```ts
   * const loss = model.trainOnBatch(xBatch, yBatch);
   * ```
   */
  trainOnBatch(x: DataLike, y: DataLike, args: OnBatchArgs & { returnDict: true }): Logs;
  trainOnBatch(x: DataLike, y: DataLike, args?: OnBatchArgs & { returnDict?: false }): number | number[];
  trainOnBatch(x: DataLike, y: DataLike, args?: OnBatchArgs): number | number[] | Logs;
  trainOnBatch(x: DataLike, y: DataLike, args: OnBatchArgs = {}): number | number[] | Logs {
    const who = `${this.name}.trainOnBatch`;
    const compiled = this.requireCompiled('trainOnBatch');
    checkOptions(args, ['sampleWeight', 'classWeight', 'returnDict'], who);
    const X = asBatchTensor(x, `${who}: x`);
    const Y = asBatchTensor(y, `${who}: y`);
    checkSameSamples(X, Y, who);
    this.checkInput(X, `${who}: x`);
    const W = sampleWeights(Y, args.sampleWeight, args.classWeight, who);
    this.resetMetrics();
    const loss = this.trainStep(compiled, X, Y, W === null ? null : new Tensor(W, [W.length]));
    const logs: Logs = { loss };
    for (const m of compiled.metrics) logs[m.name] = m.result();
    return this.results(compiled, logs, args.returnDict);
  }

  /**
   * Loss (and metrics) on one batch, without training.
   *
   * @example
   * ```ts
   * const loss = model.testOnBatch(xBatch, yBatch);
   * ```
   */
  testOnBatch(x: DataLike, y: DataLike, args: Omit<OnBatchArgs, 'classWeight'> & { returnDict: true }): Logs;
  testOnBatch(x: DataLike, y: DataLike, args?: Omit<OnBatchArgs, 'classWeight'> & { returnDict?: false }): number | number[];
  testOnBatch(x: DataLike, y: DataLike, args?: Omit<OnBatchArgs, 'classWeight'>): number | number[] | Logs;
  testOnBatch(x: DataLike, y: DataLike, args: Omit<OnBatchArgs, 'classWeight'> = {}): number | number[] | Logs {
    const who = `${this.name}.testOnBatch`;
    const compiled = this.requireCompiled('testOnBatch');
    checkOptions(args, ['sampleWeight', 'returnDict'], who);
    const X = asBatchTensor(x, `${who}: x`);
    const Y = asBatchTensor(y, `${who}: y`);
    checkSameSamples(X, Y, who);
    this.checkInput(X, `${who}: x`);
    const W = sampleWeights(Y, args.sampleWeight, undefined, who);
    return this.results(compiled, this.evaluateLogs(compiled, X, Y, W, Math.max(1, X.shape[0]!)), args.returnDict);
  }

  /**
   * Outputs for one batch (`training: false`).
   *
   * @example
   * ```ts
   * const out = model.predictOnBatch(xBatch);
   * ```
   */
  predictOnBatch(x: DataLike): Tensor {
    const X = asBatchTensor(x, `${this.name}.predictOnBatch: x`);
    this.checkInput(X, `${this.name}.predictOnBatch: x`);
    return noGrad(() => this.apply(X, { training: false }));
  }

  /** The model's configuration: its name and each layer's class and config (TF.js camelCase). */
  getConfig(): {
    /** The model's name. */
    name: string;
    /** One entry per layer, in order. */
    layers: {
      /** The layer's Keras class name (`'Dense'`). */
      className: string;
      /** The layer's `getConfig()`. */
      config: Record<string, unknown>;
    }[];
  } {
    return { name: this.name, layers: this.stack.map((l) => ({ className: l.getClassName(), config: l.getConfig() })) };
  }

  // ---- saving (src/models/io) -------------------------------------------------------------------

  /**
   * Saves the model in the TF.js layers-model format: `model.json` (topology in Keras snake_case,
   * training config, weights manifest) and little-endian float32 weight files, written atomically
   * to a directory; or to any IOHandler. `includeOptimizer` also saves the optimizer state.
   *
   * @example
   * ```ts
   * await model.save('models/mnist', { includeOptimizer: true });
   * const again = await tk.loadModel('models/mnist');
   * ```
   */
  async save(destination: string | IOHandler, options: SaveOptions = {}): Promise<SaveResult> {
    return saveModel(this, this.inputShape, destination, options);
  }

  /**
   * The saved form in memory (TF.js's ModelArtifacts), for browsers: `tk.loadModel(artifacts)`
   * reads it back; TF.js reads it with `tf.loadLayersModel(tf.io.fromMemory(artifacts))`.
   *
   * @example
   * ```ts
   * const copy = await tk.loadModel(model.toArtifacts());
   * ```
   */
  toArtifacts(options: SaveOptions = {}): ModelArtifacts {
    return modelToArtifacts(this, this.inputShape, options);
  }

  /**
   * Saves the weights alone: `weights_manifest.json` and weight files in a directory, or
   * artifacts without a topology to an IOHandler.
   *
   * @example
   * ```ts
   * await model.saveWeights('checkpoints/best');
   * ```
   */
  async saveWeights(destination: string | IOHandler): Promise<SaveResult> {
    return saveModelWeights(this, destination);
  }

  /**
   * Loads weights saved by `saveWeights` or `save` (or by TF.js) into this built model, matched
   * by name or else by layer order, as Keras; all shapes are checked before anything changes.
   *
   * @example
   * ```ts
   * await model.loadWeights('checkpoints/best');
   * ```
   */
  async loadWeights(source: ModelSource, options: LoadOptions = {}): Promise<void> {
    return loadModelWeights(this, source, options);
  }
}

// ---- helpers --------------------------------------------------------------------------------

/** A copy of `logs` with every key prefixed (`val_`). */
function prefixed(logs: Logs, prefix: string): Logs {
  const out: Logs = {};
  for (const [k, v] of Object.entries(logs)) out[prefix + k] = v;
  return out;
}

function unique<T>(items: T[]): T[] {
  return [...new Set(items)];
}

function sameSymbolic(a: SymbolicShape, b: SymbolicShape): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (typeof v === 'object') return (v as object).constructor?.name ?? 'an object';
  // Not String(v): that would print a whole class's source.
  if (typeof v === 'function') return `the function ${v.name || '(anonymous)'} (a class not instantiated? use new)`;
  return `${typeof v} ${String(v)}`;
}

function gatherWeights(w: Float32Array, order: Int32Array, start: number, end: number): Tensor {
  const out = new Float32Array(end - start);
  for (let i = start; i < end; i++) out[i - start] = w[order[i]!]!;
  return new Tensor(out, [end - start]);
}

/** The callbacks plus a progress bar when `verbose` asks for one and none is among them (as Keras). */
function withProgbar(list: readonly CallbackLike[], verbose: number): CallbackLike[] {
  const has = list.some((cb) => cb instanceof ProgbarLogger);
  return verbose > 0 && !has ? [...list, new ProgbarLogger({ verbose })] : [...list];
}

function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) {
    throw signal.reason ?? new Error('fit: aborted');
  }
}

function checkBatchSize(batchSize: number, who: string): number {
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new Error(`${who}: batchSize must be a positive integer, got ${batchSize}`);
  return batchSize;
}

function checkOptions(args: object, known: readonly string[], who: string): void {
  for (const key of Object.keys(args)) {
    if (!known.includes(key)) {
      const nearest = suggest(key, known); // 'batch_size' → 'batchSize'
      throw new Error(`${who}: unknown option '${key}'${nearest === null ? '' : `. Did you mean '${nearest}'?`} (expected one of ${known.join(', ')})`);
    }
  }
}

function checkFitArgs(args: FitArgs, who: string): void {
  checkOptions(args, ['batchSize', 'epochs', 'verbose', 'callbacks', 'validationSplit', 'validationData', 'shuffle', 'initialEpoch', 'classWeight', 'sampleWeight', 'validationBatchSize', 'signal'], who);
  checkBatchSize(args.batchSize ?? 32, who);
  const vbs = args.validationBatchSize;
  if (vbs !== undefined && (!Number.isInteger(vbs) || vbs < 1)) throw new Error(`${who}: validationBatchSize must be a positive integer, got ${vbs}`);
  const epochs = args.epochs ?? 1;
  if (!Number.isInteger(epochs) || epochs < 0) throw new Error(`${who}: epochs must be a non-negative integer, got ${epochs}`);
  const initial = args.initialEpoch ?? 0;
  if (!Number.isInteger(initial) || initial < 0) throw new Error(`${who}: initialEpoch must be a non-negative integer, got ${initial}`);
  if (args.verbose !== undefined && ![0, 1, 2].includes(args.verbose)) throw new Error(`${who}: verbose must be 0, 1 or 2, got ${String(args.verbose)}`);
  if (args.validationData !== undefined && (!Array.isArray(args.validationData) || args.validationData.length < 2 || args.validationData.length > 3)) {
    throw new Error(`${who}: validationData must be [xVal, yVal] or [xVal, yVal, sampleWeightVal]`);
  }
}
