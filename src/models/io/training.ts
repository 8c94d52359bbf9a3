// The training configuration (loss, metrics, optimizer) and the optimizer's state.
//
// tensorkit writes `training_config` inside `modelTopology`, where TensorFlow's converter puts it,
// as `{ loss, metrics, optimizer_config: { class_name, config } }` with Keras's snake_case config.
// The optimizer state (with `includeOptimizer`) goes into the weights manifest with
// `group: 'optimizer'`, in Keras 3's order and with self-describing names: `iteration` (int32),
// `learning_rate` (when it is a number), then `<variable>/<slot>` such as `dense/kernel/momentum`.
//
// NOTE: TF.js compiles a loaded model only from a top-level `trainingConfig`, and only then hands
// it the optimizer group, which it reads by position in its own layout. Keeping tensorkit's
// training config inside the topology means TF.js loads tensorkit's files as uncompiled models
// and never misreads tensorkit's optimizer state. tensorkit reads both places, and TF.js's own
// optimizer state (`iter`, then each slot for every variable) when it fits.

import { normalizeIdentifier } from '../../identifiers.js';
import {
  BinaryCrossentropy, CategoricalCrossentropy, CategoricalHinge, CosineSimilarity, getLoss, Hinge, Huber, KLDivergence, LogCosh, Loss,
  MeanAbsoluteError, MeanAbsolutePercentageError, MeanSquaredError, MeanSquaredLogarithmicError, Poisson,
  SparseCategoricalCrossentropy, SquaredHinge,
} from '../../losses/index.js';
import { getMetric, type Metric } from '../../metrics/index.js';
import { optimizerFromConfig, type Optimizer, type OptimizerWeight } from '../../optimizers/index.js';
import { Tensor, type Variable } from '../../tensor/tensor.js';
import type { DecodedWeight, WeightToWrite } from './weights.js';
import { camel, dict } from './topology.js';
import type { JsonObject, JsonValue } from './json.js';
import { get, isObject, show } from './validate.js';

/** One output's training setup, as compile resolved it. */
export interface OutputSetup {
  readonly name: string;
  readonly loss: Loss | null;
  readonly weight: number;
  readonly metrics: readonly Metric[];
}

/** What the io module needs of a model to save or restore its training setup. */
export interface TrainableModel {
  readonly optimizer: Optimizer | null;
  readonly outputNames: readonly string[];
  readonly trainableWeights: Variable[];
  /** Per output, its loss, weight and metrics; null before compile. */
  trainingSetup(): OutputSetup[] | null;
  compile(args: {
    optimizer: Optimizer;
    loss: Loss | (Loss | null)[];
    metrics: Metric[] | Metric[][];
    lossWeights?: number[];
  }): void;
}

// ---- writing ----------------------------------------------------------------------------------

/** Loss names as TF.js reads them (it camelCases the string and knows only these spellings). */
const FILE_LOSS_NAMES: Record<string, string> = {
  mse: 'mean_squared_error', meansquarederror: 'mean_squared_error',
  mae: 'mean_absolute_error', meanabsoluteerror: 'mean_absolute_error',
  mape: 'mean_absolute_percentage_error', meanabsolutepercentageerror: 'mean_absolute_percentage_error',
  msle: 'mean_squared_logarithmic_error', meansquaredlogarithmicerror: 'mean_squared_logarithmic_error',
  bce: 'binary_crossentropy', binarycrossentropy: 'binary_crossentropy',
  categoricalcrossentropy: 'categorical_crossentropy',
  sparsecategoricalcrossentropy: 'sparse_categorical_crossentropy',
  kld: 'kullback_leibler_divergence', kldivergence: 'kullback_leibler_divergence', kullbackleiblerdivergence: 'kullback_leibler_divergence',
  logcosh: 'logcosh', cosinesimilarity: 'cosine_proximity', cosineproximity: 'cosine_proximity',
  hinge: 'hinge', squaredhinge: 'squared_hinge', categoricalhinge: 'categorical_hinge', poisson: 'poisson', huber: 'huber',
};

type LossClass = new (options?: Record<string, unknown>) => Loss;
const LOSS_CLASSES = new Map<string, LossClass>([
  ['MeanSquaredError', MeanSquaredError], ['MeanAbsoluteError', MeanAbsoluteError],
  ['MeanAbsolutePercentageError', MeanAbsolutePercentageError], ['MeanSquaredLogarithmicError', MeanSquaredLogarithmicError],
  ['Huber', Huber], ['LogCosh', LogCosh], ['CosineSimilarity', CosineSimilarity], ['BinaryCrossentropy', BinaryCrossentropy],
  ['CategoricalCrossentropy', CategoricalCrossentropy], ['SparseCategoricalCrossentropy', SparseCategoricalCrossentropy],
  ['KLDivergence', KLDivergence], ['Poisson', Poisson], ['Hinge', Hinge], ['SquaredHinge', SquaredHinge], ['CategoricalHinge', CategoricalHinge],
] as [string, LossClass][]);

/**
 * The `training_config` of a compiled model, or null when it is not compiled. A model with one
 * output writes its loss and metric names; with several, as tf.keras 2 does: the loss and metrics
 * as objects keyed by output name, and `loss_weights` when any is not 1.
 */
export function trainingConfigToJson(model: TrainableModel): JsonObject | null {
  const optimizer = model.optimizer;
  const setup = model.trainingSetup();
  if (optimizer === null || setup === null) return null;
  const optimizerConfig = dict({ class_name: optimizer.className, config: jsonCopy(optimizer.getConfig()) });
  if (setup.length === 1) {
    const one = dict({ loss: lossToJson(setup[0]!.loss!), metrics: setup[0]!.metrics.map((m) => m.name), optimizer_config: optimizerConfig });
    if (setup[0]!.weight !== 1) one.loss_weights = setup[0]!.weight;
    return one;
  }
  const out = dict({
    loss: dict(Object.fromEntries(setup.map((o) => [o.name, o.loss === null ? null : lossToJson(o.loss)]))),
    metrics: dict(Object.fromEntries(setup.map((o) => [o.name, o.metrics.map((m) => m.name)]))),
    optimizer_config: optimizerConfig,
  });
  if (setup.some((o) => o.weight !== 1)) out.loss_weights = dict(Object.fromEntries(setup.map((o) => [o.name, o.weight])));
  return out;
}

function lossToJson(loss: Loss): JsonValue {
  const entry = [...LOSS_CLASSES].find(([, Cls]) => loss.constructor === Cls);
  if (entry !== undefined) {
    const [className, Cls] = entry;
    const config = jsonCopy(loss.getConfig());
    // A class instance with nothing but defaults is written as the plain function name, which TF.js reads too.
    if (JSON.stringify(config) === JSON.stringify(jsonCopy(new Cls().getConfig()))) return FILE_LOSS_NAMES[normalizeIdentifier(loss.name)] ?? loss.name;
    return dict({ class_name: className, config });
  }
  return FILE_LOSS_NAMES[normalizeIdentifier(loss.name)] ?? loss.name;
}

function jsonCopy(value: unknown): JsonObject {
  return JSON.parse(JSON.stringify(value)) as JsonObject;
}

/** The optimizer state as weights to write, in Keras's order (see the file header). */
export function optimizerWeightsToWrite(optimizer: Optimizer): WeightToWrite[] {
  return optimizer.getWeights().map((w: OptimizerWeight) => {
    if (w.name === 'iteration') return { name: w.name, shape: [], values: new Int32Array([w.tensor.data[0]!]), dtype: 'int32', group: 'optimizer' };
    return { name: w.name, shape: w.tensor.shape.slice(), values: w.tensor.data, dtype: 'float32', group: 'optimizer' };
  });
}

// ---- reading ----------------------------------------------------------------------------------

/**
 * Compiles `model` from a training config (any of the accepted forms) and restores the
 * optimizer state from `optimizerWeights`. Anything that cannot be restored is reported through
 * `warn` and leaves the model uncompiled, as Keras does: the architecture and weights are
 * still usable for inference.
 */
export function restoreTraining(model: TrainableModel, config: unknown, optimizerWeights: readonly DecodedWeight[], warn: (message: string) => void): void {
  if (config === undefined || config === null) {
    if (optimizerWeights.length > 0) warn('loadModel: the file holds optimizer weights but no training configuration; the optimizer state was not restored and the model is not compiled');
    return;
  }
  let compiled: ReturnType<typeof compileArgs>;
  try {
    compiled = compileArgs(config, model.outputNames);
    model.compile({ optimizer: compiled.optimizer, loss: compiled.loss, metrics: compiled.metrics, ...(compiled.lossWeights !== undefined ? { lossWeights: compiled.lossWeights } : {}) });
  } catch (e) {
    warn(`loadModel: the training configuration could not be restored (${(e as Error).message}); the model is returned uncompiled, call compile() before training`);
    return;
  }
  if (optimizerWeights.length > 0) {
    // NOTE: TF.js's Momentum accumulates a ← μa + g and steps w ← w − lr·a; Keras's SGD keeps
    // m ← μm − lr·g and steps w ← w + m. With a constant learning rate m = −lr·a, step by step.
    const slotScale = compiled.source === 'Momentum' ? -compiled.optimizer.currentLearningRate() : 1;
    const problem = restoreOptimizerState(compiled.optimizer, model.trainableWeights, optimizerWeights, slotScale);
    if (problem !== null) warn(`loadModel: the optimizer state was not restored (${problem}); training continues from a fresh ${compiled.optimizer.className} optimizer`);
  }
}

/**
 * The compile arguments a training config describes. `outputs` names the model's outputs: a loss,
 * metrics or loss weights given per output (an object keyed by name, or a list in output order)
 * are spread over them.
 */
function compileArgs(raw: unknown, outputs: readonly string[]): {
  optimizer: Optimizer; loss: Loss | (Loss | null)[]; metrics: Metric[] | Metric[][]; lossWeights?: number[]; source: string;
} {
  if (!isObject(raw)) throw new Error(`expected an object, got ${show(raw)}`);
  for (const key of ['weighted_metrics', 'sample_weight_mode']) {
    const v = get(raw, key);
    if (v !== undefined && v !== null) throw new Error(`'${key}' is not supported`);
  }
  const optimizerConfig = get(raw, 'optimizer_config') ?? get(raw, 'optimizerConfig') ?? get(raw, 'optimizer');
  const { optimizer, source } = optimizerFromFile(optimizerConfig);
  const several = outputs.length > 1;
  const perOutput = <T>(value: unknown, what: string, read: (v: unknown) => T, missing: T): T[] => {
    if (isObject(value)) {
      for (const key of Object.keys(value)) if (!outputs.includes(key)) throw new Error(`${what}: '${key}' is not an output of the model (${outputs.join(', ')})`);
      return outputs.map((name) => (Object.hasOwn(value, name) ? read(value[name]) : missing));
    }
    if (Array.isArray(value) && value.length === outputs.length) return value.map(read);
    throw new Error(`${what}: expected one entry per output (${outputs.join(', ')}), got ${show(value)}`);
  };
  const rawLoss = get(raw, 'loss');
  const loss = several && (isObject(rawLoss) && get(rawLoss, 'class_name') === undefined || Array.isArray(rawLoss) && rawLoss.length > 1)
    ? perOutput(rawLoss, 'loss', (v) => (v === null ? null : lossFromFile(v)), null)
    : lossFromFile(rawLoss);
  let metricsRaw = get(raw, 'metrics') ?? [];
  if (isObject(metricsRaw) && Object.keys(metricsRaw).length === 0) metricsRaw = []; // TF.js writes {} for none
  let metrics: Metric[] | Metric[][];
  if (several && (isObject(metricsRaw) || (Array.isArray(metricsRaw) && metricsRaw.length > 0 && metricsRaw.every(Array.isArray)))) {
    metrics = perOutput(metricsRaw, 'metrics', (v) => metricList(v ?? []), []);
  } else {
    if (Array.isArray(metricsRaw) && metricsRaw.length === 1 && Array.isArray(metricsRaw[0])) metricsRaw = metricsRaw[0]; // Keras 2: one list per output
    metrics = metricList(metricsRaw);
  }
  const rawWeights = get(raw, 'loss_weights') ?? get(raw, 'lossWeights');
  let lossWeights: number[] | undefined;
  if (rawWeights !== undefined && rawWeights !== null) {
    const num = (v: unknown): number => {
      if (typeof v !== 'number' || !Number.isFinite(v)) throw new Error(`loss_weights: expected numbers, got ${show(v)}`);
      return v;
    };
    lossWeights = typeof rawWeights === 'number' && !several ? [rawWeights] : perOutput(rawWeights, 'loss_weights', num, 1);
  }
  return { optimizer, loss, metrics, ...(lossWeights !== undefined ? { lossWeights } : {}), source };
}

function metricList(metricsRaw: unknown): Metric[] {
  if (!Array.isArray(metricsRaw)) throw new Error(`metrics: expected a list of metric names, got ${show(metricsRaw)}`);
  if (metricsRaw.length > 1000) throw new Error(`metrics: ${metricsRaw.length} metrics is too many`);
  return metricsRaw.map((m) => {
    if (typeof m === 'string') return getMetric(m);
    // Keras 2 writes { class_name: 'MeanMetricWrapper', config: { name: 'accuracy', fn: 'categorical_accuracy' } }.
    if (isObject(m)) {
      const config = get(m, 'config');
      const candidates = [isObject(config) ? get(config, 'name') : undefined, isObject(config) ? get(config, 'fn') : undefined, get(m, 'class_name')];
      for (const name of candidates) {
        if (typeof name !== 'string') continue;
        try {
          return getMetric(name);
        } catch {
          // try the next spelling
        }
      }
    }
    throw new Error(`metrics: cannot restore the metric ${show(m)}`);
  });
}

function lossFromFile(raw: unknown): Loss {
  let value = raw;
  if (Array.isArray(value) && value.length === 1) value = value[0];
  if (typeof value === 'string') return getLoss(value);
  if (isObject(value)) {
    const className = get(value, 'class_name');
    const Cls = typeof className === 'string' ? LOSS_CLASSES.get(className) : undefined;
    if (Cls === undefined) throw new Error(`unknown loss class ${show(className)}`);
    return new Cls(camelKeys(get(value, 'config'), 'loss config'));
  }
  throw new Error(`loss: expected a loss name, got ${show(raw)}`);
}

/** TF.js's optimizer spellings that differ from Keras's. */
const TFJS_OPTIMIZERS: Record<string, string> = { RMSProp: 'RMSprop', Momentum: 'SGD' };

/** The optimizer of a training config, and the class name the file gave. */
function optimizerFromFile(raw: unknown): { optimizer: Optimizer; source: string } {
  if (!isObject(raw)) throw new Error(`optimizer_config: expected { class_name, config }, got ${show(raw)}`);
  const given = get(raw, 'class_name') ?? get(raw, 'className');
  if (typeof given !== 'string') throw new Error(`optimizer_config.class_name: expected a string, got ${show(given)}`);
  const config = Object.create(null) as Record<string, unknown>;
  const rawConfig = get(raw, 'config') ?? {};
  if (!isObject(rawConfig)) throw new Error(`optimizer_config.config: expected an object, got ${show(rawConfig)}`);
  for (const key of Object.keys(rawConfig)) config[key] = rawConfig[key];
  // TF.js's RMSProp calls rho 'decay'; its Momentum optimizer is Keras's SGD with momentum.
  if (given === 'RMSProp' && 'decay' in config) {
    config.rho = config.decay;
    delete config.decay;
  }
  if ('useNesterov' in config) {
    config.nesterov = config.useNesterov;
    delete config.useNesterov;
  }
  // Keras 2's legacy learning-rate decay (only its "off" value) and bookkeeping keys.
  if ('decay' in config) {
    if (config.decay !== 0 && config.decay !== null) throw new Error(`the optimizer's legacy 'decay' = ${show(config.decay)} is not supported`);
    delete config.decay;
  }
  for (const key of ['jit_compile', 'is_legacy_optimizer', 'jitCompile', 'isLegacyOptimizer']) delete config[key];
  return { optimizer: optimizerFromConfig(TFJS_OPTIMIZERS[given] ?? given, config), source: given };
}

function camelKeys(raw: unknown, what: string): Record<string, unknown> {
  const out = Object.create(null) as Record<string, unknown>;
  if (raw === undefined || raw === null) return out;
  if (!isObject(raw)) throw new Error(`${what}: expected an object, got ${show(raw)}`);
  for (const key of Object.keys(raw)) out[camel(key)] = raw[key];
  return out;
}

/**
 * Sets the optimizer state from the file's optimizer group; returns null on success, else why
 * not (nothing is changed then). Two layouts are understood: tensorkit's (the names and order of
 * `optimizer.getWeights()`), and TF.js's (`iter`, then each slot for every variable in turn).
 */
export function restoreOptimizerState(optimizer: Optimizer, variables: readonly Variable[], file: readonly DecodedWeight[], slotScale: number): string | null {
  optimizer.build(variables);
  const current = optimizer.getWeights();
  const tensorOf = (w: DecodedWeight): Tensor => new Tensor(w.values, w.shape);
  const exact = (w: DecodedWeight | undefined, name: string): boolean => w !== undefined && w.name === name;
  const iteration = file[0]!;
  if (iteration.shape.length !== 0 || !(iteration.name === 'iteration' || iteration.name === 'iter')) {
    return `the first optimizer weight should be the scalar 'iteration', got '${iteration.name}' with shape [${iteration.shape.join(', ')}]`;
  }
  const step = iteration.ints !== null ? iteration.ints[0]! : iteration.values[0]!;
  if (!Number.isInteger(step) || step < 0) return `the iteration count ${step} is not a non-negative integer`;
  const stepTensor = new Tensor(new Float32Array([step]), []);
  // tensorkit's layout: the same names in the same order (or only the counters, when the
  // optimizer had not been built yet at save time).
  if (file.length <= current.length && file.every((w, i) => exact(w, current[i]!.name) && sameShape(w.shape, current[i]!.tensor.shape))) {
    const values = current.map((w, i) => (i === 0 ? stepTensor : i < file.length ? tensorOf(file[i]!) : w.tensor));
    if (file.length === current.length || file.every((w) => !w.name.includes('/'))) {
      optimizer.setWeights(values);
      return null;
    }
  }
  // TF.js's layout: [iter, slot A of every variable, slot B of every variable, ...].
  const slots = current.slice(1).filter((w) => w.name.includes('/'));
  const slotNames: string[] = [];
  const positions = slots.map((w) => {
    const v = variables.findIndex((variable) => w.name.startsWith(`${variable.name}/`));
    const slot = v < 0 ? w.name : w.name.slice(variables[v]!.name!.length + 1);
    if (!slotNames.includes(slot)) slotNames.push(slot);
    return { v, s: slotNames.indexOf(slot) };
  });
  const rest = file.slice(1);
  if (positions.some((p) => p.v < 0) || rest.length !== slotNames.length * variables.length || current.length - 1 - slots.length > 1) {
    return `the file holds ${file.length} optimizer weights (${file.slice(0, 4).map((w) => `'${w.name}'`).join(', ')}${file.length > 4 ? ', ...' : ''}), which do not match the ${current.length} of ${optimizer.className} (${current.slice(0, 4).map((w) => `'${w.name}'`).join(', ')}${current.length > 4 ? ', ...' : ''})`;
  }
  const values = current.map((w) => w.tensor);
  values[0] = stepTensor;
  let k = 0;
  for (let i = 1; i < current.length; i++) {
    if (!current[i]!.name.includes('/')) continue;
    const { v, s } = positions[k++]!;
    const source = rest[s * variables.length + v]!;
    if (!sameShape(source.shape, current[i]!.tensor.shape)) {
      return `optimizer weight '${source.name}' has shape [${source.shape.join(', ')}], expected [${current[i]!.tensor.shape.join(', ')}] for '${current[i]!.name}'`;
    }
    values[i] = slotScale === 1 ? tensorOf(source) : new Tensor(source.values.map((v) => v * slotScale), source.shape);
  }
  optimizer.setWeights(values);
  return null;
}

function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}
