// Looking a metric up by string, instance or function (Keras's `metrics.get` + compile's
// `get_metric`).
//
// 'accuracy' / 'acc' (any case) and 'crossentropy' / 'ce' are resolved by SHAPES ONLY at the first
// update, as Keras 3 (keras-facts §7.1): binary when yPred's last axis is 1; else sparse when yTrue
// has a lower rank than yPred, or yTrue's last axis is 1 and yPred's is larger; else categorical.
// Other strings: class names, their snake_case, Keras's aliases ('mse', 'MAE', 'bce', ...), the
// loss names, and camelCase (TF.js) spellings. A string metric is named by the string given
// ('acc' stays 'acc'): that is its key in History.history.

import { KERAS_SHORT_NAMES, normalizeIdentifier, unknownIdentifierError } from '../identifiers.js';
import { isBinaryOrSparseCategorical, kerasLossName } from '../losses/get.js';
import { cosineSimilarity as cosineSimilarityLoss, huber } from '../losses/regression.js';
import type { TensorLike } from '../tensor/tensor.js';
import { accuracy, Accuracy, BinaryAccuracy, binaryAccuracy, CategoricalAccuracy, categoricalAccuracy, SparseCategoricalAccuracy, sparseCategoricalAccuracy } from './accuracy.js';
import { Metric, MeanMetricWrapper, type MetricFunction } from './metric.js';
import {
  BinaryCrossentropy, CategoricalCrossentropy, CategoricalHinge, Hinge, KLDivergence, Poisson,
  SparseCategoricalCrossentropy, SquaredHinge,
} from './probabilistic.js';
import {
  CosineSimilarity, cosineSimilarity, LogCoshError, MeanAbsoluteError, MeanAbsolutePercentageError, MeanSquaredError,
  MeanSquaredLogarithmicError, RootMeanSquaredError,
} from './regression.js';

/** What `getMetric` and `compile({ metrics })` accept. */
export type MetricIdentifier = string | Metric | MetricFunction;

/**
 * A metric chosen by the shapes of the first batch it sees: 'accuracy' → binary, sparse or
 * categorical accuracy; 'crossentropy' → the matching crossentropy. Named by the string given.
 */
class ShapeResolvedMetric extends Metric {
  private inner: Metric | null = null;

  constructor(name: string, private readonly kind: 'accuracy' | 'crossentropy') {
    super(name, kind === 'accuracy' ? 'max' : 'min');
  }

  update(yTrue: TensorLike, yPred: TensorLike, sampleWeight?: TensorLike | null): void {
    if (this.inner === null) this.inner = this.resolve(shapeOf(yTrue), shapeOf(yPred));
    this.inner.update(yTrue, yPred, sampleWeight);
  }

  private resolve(yTrue: readonly number[], yPred: readonly number[]): Metric {
    const { isBinary, isSparse } = isBinaryOrSparseCategorical(yTrue, yPred);
    const name = this.name;
    if (this.kind === 'accuracy') {
      if (isBinary) return new BinaryAccuracy({ name });
      return isSparse ? new SparseCategoricalAccuracy({ name }) : new CategoricalAccuracy({ name });
    }
    if (isBinary) return new BinaryCrossentropy({ name });
    return isSparse ? new SparseCategoricalCrossentropy({ name }) : new CategoricalCrossentropy({ name });
  }

  /** Which metric the shapes chose (null before the first update). */
  get resolved(): Metric | null {
    return this.inner;
  }

  result(): number {
    return this.inner === null ? 0 : this.inner.result();
  }

  reset(): void {
    this.inner?.reset();
  }
}

/** The shape of a tensor-like value without copying a Tensor. */
function shapeOf(x: TensorLike): readonly number[] {
  if (typeof x === 'number') return [];
  if (x instanceof Float32Array) return [x.length];
  if ('shape' in x && Array.isArray(x.shape)) return x.shape;
  const shape: number[] = [];
  let v: unknown = x;
  while (Array.isArray(v)) {
    shape.push(v.length);
    v = v[0];
  }
  return shape;
}

type Factory = (name: string) => Metric;

// Keras's metric strings: class names, their snake_case, and the short aliases.
const CANONICAL: Record<string, Factory> = {
  binary_accuracy: (name) => new BinaryAccuracy({ name }),
  categorical_accuracy: (name) => new CategoricalAccuracy({ name }),
  sparse_categorical_accuracy: (name) => new SparseCategoricalAccuracy({ name }),
  mean_squared_error: (name) => new MeanSquaredError({ name }),
  mean_absolute_error: (name) => new MeanAbsoluteError({ name }),
  mean_absolute_percentage_error: (name) => new MeanAbsolutePercentageError({ name }),
  mean_squared_logarithmic_error: (name) => new MeanSquaredLogarithmicError({ name }),
  root_mean_squared_error: (name) => new RootMeanSquaredError({ name }),
  cosine_similarity: (name) => new CosineSimilarity({ name }),
  log_cosh_error: (name) => new LogCoshError({ name }),
  binary_crossentropy: (name) => new BinaryCrossentropy({ name }),
  categorical_crossentropy: (name) => new CategoricalCrossentropy({ name }),
  sparse_categorical_crossentropy: (name) => new SparseCategoricalCrossentropy({ name }),
  kl_divergence: (name) => new KLDivergence({ name }),
  poisson: (name) => new Poisson({ name }),
  hinge: (name) => new Hinge({ name }),
  squared_hinge: (name) => new SquaredHinge({ name }),
  categorical_hinge: (name) => new CategoricalHinge({ name }),
};

const ALIASES: Record<string, string> = {
  ...KERAS_SHORT_NAMES,
  // beyond Keras 3's metric table: the loss names and TF.js spellings
  logcosh: 'log_cosh_error', log_cosh: 'log_cosh_error', rmse: 'root_mean_squared_error',
  // class names
  BinaryAccuracy: 'binary_accuracy', CategoricalAccuracy: 'categorical_accuracy',
  SparseCategoricalAccuracy: 'sparse_categorical_accuracy', MeanSquaredError: 'mean_squared_error',
  MeanAbsoluteError: 'mean_absolute_error', MeanAbsolutePercentageError: 'mean_absolute_percentage_error',
  MeanSquaredLogarithmicError: 'mean_squared_logarithmic_error', RootMeanSquaredError: 'root_mean_squared_error',
  CosineSimilarity: 'cosine_similarity', LogCoshError: 'log_cosh_error', BinaryCrossentropy: 'binary_crossentropy',
  CategoricalCrossentropy: 'categorical_crossentropy', SparseCategoricalCrossentropy: 'sparse_categorical_crossentropy',
  KLDivergence: 'kl_divergence', Poisson: 'poisson', Hinge: 'hinge', SquaredHinge: 'squared_hinge',
  CategoricalHinge: 'categorical_hinge',
};

// Loss functions that are metrics only here (not in Keras 3's metric table).
const EXTRA: Record<string, Factory> = {
  huber: (name) => new MeanMetricWrapper((t, p) => huber(t, p), { name, direction: 'min' }),
  // TF.js's 'cosineProximity' is the NEGATIVE cosine (the loss), unlike Keras's cosine_similarity metric.
  cosineProximity: (name) => new MeanMetricWrapper((t, p) => cosineSimilarityLoss(t, p), { name, direction: 'min' }),
};

/**
 * Every metric string accepted ('accuracy', 'acc', 'crossentropy' and 'ce' in any case). Other
 * spellings that differ only in case or underscores are accepted too.
 *
 * @example
 * ```ts
 * tk.metrics.METRIC_NAMES.includes('mse');   // true
 * ```
 */
export const METRIC_NAMES: readonly string[] = ['accuracy', 'acc', 'crossentropy', 'ce', ...Object.keys(CANONICAL), ...Object.keys(EXTRA), ...Object.keys(ALIASES)];

function lookup(name: string): Factory | undefined {
  const canonical = CANONICAL[name] ?? (ALIASES[name] !== undefined ? CANONICAL[ALIASES[name]!] : undefined) ?? EXTRA[name];
  return canonical;
}

const FUNCTION_METRICS = new Map<unknown, { name: string; direction: 'max' | 'min' }>([
  [accuracy, { name: 'accuracy', direction: 'max' }],
  [binaryAccuracy, { name: 'binary_accuracy', direction: 'max' }],
  [categoricalAccuracy, { name: 'categorical_accuracy', direction: 'max' }],
  [sparseCategoricalAccuracy, { name: 'sparse_categorical_accuracy', direction: 'max' }],
  [cosineSimilarity, { name: 'cosine_similarity', direction: 'max' }],
]);

/**
 * The Metric for a string, a Metric instance (returned as is) or a function
 * `(yTrue, yPred) => per-sample values` (averaged over every sample; named after the function).
 *
 * @example
 * ```ts
 * tk.metrics.getMetric('acc').name;                 // 'acc' (binary/sparse/categorical chosen by shapes)
 * tk.metrics.getMetric('mae');                      // MeanAbsoluteError named 'mae'
 * tk.metrics.getMetric('binaryAccuracy');           // TF.js spelling
 * tk.metrics.getMetric(function maxError(t, p) { return t.sub(p).abs().max(-1); }).name;   // 'maxError'
 * ```
 */
export function getMetric(identifier: MetricIdentifier): Metric {
  if (identifier instanceof Metric) return identifier;
  if (typeof identifier === 'function') {
    const known = FUNCTION_METRICS.get(identifier);
    if (known !== undefined) return new MeanMetricWrapper(identifier, known);
    const lossName = kerasLossName(identifier);
    if (lossName !== undefined) return new MeanMetricWrapper(identifier, { name: lossName, direction: 'min' });
    return new MeanMetricWrapper(identifier);
  }
  if (typeof identifier !== 'string') {
    throw new Error(`getMetric: expected a metric name, a Metric instance or a function (yTrue, yPred) => Tensor, got ${identifier === null ? 'null' : typeof identifier}`);
  }
  const lower = identifier.toLowerCase();
  if (lower === 'accuracy' || lower === 'acc') return new ShapeResolvedMetric(identifier, 'accuracy');
  if (lower === 'crossentropy' || lower === 'ce') return new ShapeResolvedMetric(identifier, 'crossentropy');
  let make = lookup(identifier);
  if (make === undefined) {
    const key = normalizeIdentifier(identifier);
    const match = METRIC_NAMES.find((n) => normalizeIdentifier(n) === key);
    if (match !== undefined) make = lookup(match);
  }
  if (make === undefined) {
    throw unknownIdentifierError('metric', identifier, ['accuracy', 'acc', 'crossentropy', ...Object.keys(CANONICAL), 'mse', 'mae', 'mape', 'msle', 'bce', 'huber']);
  }
  return make(identifier);
}

export { ShapeResolvedMetric };
