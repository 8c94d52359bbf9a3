// Looking a loss up by string, instance or function (Keras's `losses.get` + compile's `get_loss`).
//
// Accepted strings: the Keras function names (snake_case), their aliases ('mse', 'MSE', 'bce',
// 'kld', ...), the class names ('CategoricalCrossentropy'), the TF.js camelCase names
// ('meanSquaredError', 'kullbackLeiblerDivergence', 'logcosh', 'cosineProximity', ...), and
// 'crossentropy' / 'ce', resolved by shapes at the first call as Keras's compile does.
// An exact match wins; otherwise the name is compared in normalised form (case, '_' ignored).
//
// Naming follows Keras's compile: a string naming a FUNCTION gives a loss named by that string
// ('mse' → 'mse'); a string naming a CLASS gives an instance with the class's default name
// ('Huber' → 'huber_loss'); a function gives its name.

import { KERAS_SHORT_NAMES, normalizeIdentifier, unknownIdentifierError } from '../identifiers.js';
import type { Tensor } from '../tensor/tensor.js';
import { BinaryCrossentropy, binaryCrossentropy, CategoricalCrossentropy, categoricalCrossentropy, SparseCategoricalCrossentropy, sparseCategoricalCrossentropy } from './crossentropy.js';
import { CategoricalHinge, categoricalHinge, Hinge, hinge, SquaredHinge, squaredHinge } from './hinge.js';
import { Loss, LossFunctionWrapper, squeezeOrExpandToSameRank, type LossFunction } from './loss.js';
import { KLDivergence, klDivergence, Poisson, poisson } from './probabilistic.js';
import {
  CosineSimilarity, cosineSimilarity, Huber, huber, LogCosh, logCosh, MeanAbsoluteError, meanAbsoluteError,
  MeanAbsolutePercentageError, meanAbsolutePercentageError, MeanSquaredError, meanSquaredError,
  MeanSquaredLogarithmicError, meanSquaredLogarithmicError,
} from './regression.js';

/** What `getLoss` and `compile({ loss })` accept. */
export type LossIdentifier = string | Loss | LossFunction;

// The loss functions under their Keras names (per-sample values, default options).
const FUNCTIONS: Record<string, LossFunction> = {
  mean_squared_error: (t, p) => meanSquaredError(t, p),
  mean_absolute_error: (t, p) => meanAbsoluteError(t, p),
  mean_absolute_percentage_error: (t, p) => meanAbsolutePercentageError(t, p),
  mean_squared_logarithmic_error: (t, p) => meanSquaredLogarithmicError(t, p),
  huber: (t, p) => huber(t, p),
  log_cosh: (t, p) => logCosh(t, p),
  cosine_similarity: (t, p) => cosineSimilarity(t, p),
  binary_crossentropy: (t, p) => binaryCrossentropy(t, p),
  categorical_crossentropy: (t, p) => categoricalCrossentropy(t, p),
  sparse_categorical_crossentropy: (t, p) => sparseCategoricalCrossentropy(t, p),
  kl_divergence: (t, p) => klDivergence(t, p),
  poisson: (t, p) => poisson(t, p),
  hinge: (t, p) => hinge(t, p),
  squared_hinge: (t, p) => squaredHinge(t, p),
  categorical_hinge: (t, p) => categoricalHinge(t, p),
};

// Keras's short aliases and legacy names, and TF.js's camelCase loss strings.
const ALIASES: Record<string, string> = {
  ...KERAS_SHORT_NAMES,
  logcosh: 'log_cosh',
  huber_loss: 'huber',
  // TF.js (tfjs-layers/src/losses.ts lossesMap)
  meanSquaredError: 'mean_squared_error',
  meanAbsoluteError: 'mean_absolute_error',
  meanAbsolutePercentageError: 'mean_absolute_percentage_error',
  meanSquaredLogarithmicError: 'mean_squared_logarithmic_error',
  squaredHinge: 'squared_hinge',
  categoricalHinge: 'categorical_hinge',
  categoricalCrossentropy: 'categorical_crossentropy',
  sparseCategoricalCrossentropy: 'sparse_categorical_crossentropy',
  binaryCrossentropy: 'binary_crossentropy',
  kullbackLeiblerDivergence: 'kl_divergence',
  cosineProximity: 'cosine_similarity',
  klDivergence: 'kl_divergence',
  logCosh: 'log_cosh',
  cosineSimilarity: 'cosine_similarity',
};

const CLASSES: Record<string, () => Loss> = {
  MeanSquaredError: () => new MeanSquaredError(),
  MeanAbsoluteError: () => new MeanAbsoluteError(),
  MeanAbsolutePercentageError: () => new MeanAbsolutePercentageError(),
  MeanSquaredLogarithmicError: () => new MeanSquaredLogarithmicError(),
  Huber: () => new Huber(),
  LogCosh: () => new LogCosh(),
  CosineSimilarity: () => new CosineSimilarity(),
  BinaryCrossentropy: () => new BinaryCrossentropy(),
  CategoricalCrossentropy: () => new CategoricalCrossentropy(),
  SparseCategoricalCrossentropy: () => new SparseCategoricalCrossentropy(),
  KLDivergence: () => new KLDivergence(),
  Poisson: () => new Poisson(),
  Hinge: () => new Hinge(),
  SquaredHinge: () => new SquaredHinge(),
  CategoricalHinge: () => new CategoricalHinge(),
};

/**
 * Every string a loss can be named by (Keras names first). Other spellings of these that differ
 * only in case or underscores are accepted too.
 *
 * @example
 * ```ts
 * tk.losses.LOSS_NAMES.includes('kullbackLeiblerDivergence');   // true
 * ```
 */
export const LOSS_NAMES: readonly string[] = [
  ...Object.keys(FUNCTIONS), 'crossentropy', 'ce', ...Object.keys(ALIASES), ...Object.keys(CLASSES),
];

/** The public functions, so a loss given as `tk.losses.meanSquaredError` is named 'mean_squared_error' as Keras. */
const FUNCTION_NAMES = new Map<unknown, string>([
  [meanSquaredError, 'mean_squared_error'], [meanAbsoluteError, 'mean_absolute_error'],
  [meanAbsolutePercentageError, 'mean_absolute_percentage_error'], [meanSquaredLogarithmicError, 'mean_squared_logarithmic_error'],
  [huber, 'huber'], [logCosh, 'log_cosh'], [cosineSimilarity, 'cosine_similarity'],
  [binaryCrossentropy, 'binary_crossentropy'], [categoricalCrossentropy, 'categorical_crossentropy'],
  [sparseCategoricalCrossentropy, 'sparse_categorical_crossentropy'], [klDivergence, 'kl_divergence'],
  [poisson, 'poisson'], [hinge, 'hinge'], [squaredHinge, 'squared_hinge'], [categoricalHinge, 'categorical_hinge'],
]);

/** The Keras name of one of the public loss functions ('mean_squared_error' for meanSquaredError), else undefined. */
export function kerasLossName(fn: unknown): string | undefined {
  return FUNCTION_NAMES.get(fn);
}

/**
 * Keras's shape rule for 'accuracy' and 'crossentropy' (compile_utils.is_binary_or_sparse_categorical):
 * binary when yPred's last axis is 1; sparse when yTrue has a lower rank than yPred, or yTrue's
 * last axis is 1 while yPred's is larger.
 *
 * @example
 * ```ts
 * isBinaryOrSparseCategorical([32], [32, 10]);   // { isBinary: false, isSparse: true }
 * ```
 */
export function isBinaryOrSparseCategorical(yTrueShape: readonly number[], yPredShape: readonly number[]): {
  /** yPred's last axis is 1: one probability (or logit) per sample. */
  isBinary: boolean;
  /** The labels are integer class ids, not one-hot. */
  isSparse: boolean;
} {
  const tLast = yTrueShape[yTrueShape.length - 1];
  const pLast = yPredShape[yPredShape.length - 1];
  const isBinary = pLast === 1;
  const isSparse = yTrueShape.length < yPredShape.length || (tLast === 1 && pLast !== undefined && pLast > 1);
  return { isBinary, isSparse };
}

/**
 * 'crossentropy' / 'ce': binary, sparse or categorical crossentropy, chosen by the shapes of the
 * first batch (Keras's compile), then fixed.
 */
class ShapeResolvedCrossentropy extends Loss {
  private resolved: LossFunction | null = null;

  call(yTrue: Tensor, yPred: Tensor): Tensor {
    if (this.resolved === null) {
      const { isBinary, isSparse } = isBinaryOrSparseCategorical(yTrue.shape, yPred.shape);
      this.resolved = isBinary ? FUNCTIONS.binary_crossentropy! : isSparse ? FUNCTIONS.sparse_categorical_crossentropy! : FUNCTIONS.categorical_crossentropy!;
    }
    const [t, p] = squeezeOrExpandToSameRank(yTrue, yPred);
    return this.resolved(t, p);
  }
}

function lookup(name: string): ((given: string) => Loss) | undefined {
  if (name === 'crossentropy' || name === 'ce') return (given) => new ShapeResolvedCrossentropy({ name: given });
  const fnName = FUNCTIONS[name] !== undefined ? name : ALIASES[name];
  if (fnName !== undefined) return (given) => new LossFunctionWrapper(FUNCTIONS[fnName]!, { name: given });
  const cls = CLASSES[name];
  if (cls !== undefined) return () => cls();
  return undefined;
}

/**
 * The Loss for a string (any of the names above), a Loss instance (returned as is) or a function
 * `(yTrue, yPred) => per-sample values` (wrapped, named after the function).
 *
 * @example
 * ```ts
 * tk.losses.getLoss('mse').name;                               // 'mse'
 * tk.losses.getLoss('CategoricalCrossentropy').name;           // 'categorical_crossentropy'
 * tk.losses.getLoss(new tk.losses.Huber({ delta: 2 }));         // that instance
 * tk.losses.getLoss(function myLoss(t, p) { return t.sub(p).abs().mean(-1); }).name;   // 'myLoss'
 * tk.losses.getLoss('msee');   // throws: Unknown loss 'msee'. Did you mean 'mse'? Valid names: ...
 * ```
 */
export function getLoss(identifier: LossIdentifier): Loss {
  if (identifier instanceof Loss) return identifier;
  if (typeof identifier === 'function') {
    const name = FUNCTION_NAMES.get(identifier) ?? (identifier.name !== '' ? identifier.name : 'loss');
    return new LossFunctionWrapper(identifier, { name });
  }
  if (typeof identifier !== 'string') {
    throw new Error(`getLoss: expected a loss name, a Loss instance or a function (yTrue, yPred) => Tensor, got ${identifier === null ? 'null' : typeof identifier}`);
  }
  let make = lookup(identifier);
  if (make === undefined) {
    const key = normalizeIdentifier(identifier);
    const match = LOSS_NAMES.find((n) => normalizeIdentifier(n) === key);
    if (match !== undefined) make = lookup(match);
  }
  if (make === undefined) throw unknownIdentifierError('loss', identifier, [...Object.keys(FUNCTIONS), 'crossentropy', 'mse', 'mae', 'mape', 'msle', 'bce', 'kld']);
  return make(identifier);
}
