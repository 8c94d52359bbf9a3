// The public losses namespace (tk.losses): Keras's losses as functions (per-sample values),
// as classes with options, and by name through getLoss.

export { Loss, LossFunctionWrapper, REDUCTIONS, reduceWeightedValues, squeezeOrExpandToSameRank, type LossFunction, type LossOptions, type Reduction } from './loss.js';
export {
  binaryCrossentropy, categoricalCrossentropy, sparseCategoricalCrossentropy,
  BinaryCrossentropy, CategoricalCrossentropy, SparseCategoricalCrossentropy,
  type CrossentropyOptions, type SparseCrossentropyOptions,
} from './crossentropy.js';
export {
  meanSquaredError, meanAbsoluteError, meanAbsolutePercentageError, meanSquaredLogarithmicError, huber, logCosh, cosineSimilarity,
  MeanSquaredError, MeanAbsoluteError, MeanAbsolutePercentageError, MeanSquaredLogarithmicError, Huber, LogCosh, CosineSimilarity,
  // Keras's and TF.js's short spellings of the same functions
  meanSquaredError as mse, meanAbsoluteError as mae, meanAbsolutePercentageError as mape, meanSquaredLogarithmicError as msle,
  logCosh as logcosh,
} from './regression.js';
export { hinge, squaredHinge, categoricalHinge, Hinge, SquaredHinge, CategoricalHinge } from './hinge.js';
export { klDivergence, klDivergence as kld, klDivergence as kullbackLeiblerDivergence, poisson, KLDivergence, Poisson } from './probabilistic.js';
export { getLoss, isBinaryOrSparseCategorical, LOSS_NAMES, type LossIdentifier } from './get.js';
