// The public metrics namespace (tk.metrics): stateful metrics (update / result / reset) as
// Keras, the per-sample metric functions, and getMetric for names.

export { Metric, Mean, MeanMetricWrapper, type MetricDirection, type MetricFunction } from './metric.js';
export {
  accuracy, binaryAccuracy, categoricalAccuracy, sparseCategoricalAccuracy,
  Accuracy, BinaryAccuracy, CategoricalAccuracy, SparseCategoricalAccuracy,
} from './accuracy.js';
export {
  cosineSimilarity, MeanSquaredError, MeanAbsoluteError, MeanAbsolutePercentageError, MeanSquaredLogarithmicError,
  RootMeanSquaredError, CosineSimilarity, LogCoshError, type MetricOptions,
} from './regression.js';
export {
  BinaryCrossentropy, CategoricalCrossentropy, SparseCategoricalCrossentropy, KLDivergence, Poisson,
  Hinge, SquaredHinge, CategoricalHinge,
} from './probabilistic.js';
export { getMetric, METRIC_NAMES, type MetricIdentifier } from './get.js';
// The loss functions that double as metric functions (as tf.metrics.* in TF.js).
export {
  meanSquaredError, meanAbsoluteError, meanAbsolutePercentageError, meanSquaredLogarithmicError,
  meanSquaredError as mse, meanAbsoluteError as mae, meanAbsolutePercentageError as mape, meanSquaredLogarithmicError as msle,
} from '../losses/regression.js';
export { binaryCrossentropy, categoricalCrossentropy, sparseCategoricalCrossentropy } from '../losses/crossentropy.js';
export { klDivergence, poisson } from '../losses/probabilistic.js';
export { hinge, squaredHinge, categoricalHinge } from '../losses/hinge.js';
