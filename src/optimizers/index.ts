// The public optimizers namespace (tk.optimizers): Keras 3's optimizers with their defaults,
// learning-rate schedules, and string lookup.

export { Optimizer, type OptimizerOptions, type OptimizerWeight, type GradientPair, type LearningRate, type Slots, type UpdateObserver } from './optimizer.js';
export { SGD, type SGDOptions } from './sgd.js';
export { Adam, type AdamOptions } from './adam.js';
export { AdamW, type AdamWOptions } from './adamw.js';
export { Adadelta, type AdadeltaOptions } from './adadelta.js';
export { RMSprop, type RMSpropOptions } from './rmsprop.js';
export { Adagrad, type AdagradOptions } from './adagrad.js';
export { Adamax, type AdamaxOptions } from './adamax.js';
export { Nadam, type NadamOptions } from './nadam.js';
export { getOptimizer, optimizerFromConfig, type OptimizerIdentifier } from './get.js';
export * as schedules from './schedules.js';
export { LearningRateSchedule, ExponentialDecay, InverseTimeDecay, PiecewiseConstantDecay, PolynomialDecay, CosineDecay } from './schedules.js';
