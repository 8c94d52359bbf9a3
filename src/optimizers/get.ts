// String identifiers and configs → optimizers (keras/src/optimizers/__init__.py: `get`).
// Names are case-insensitive, as Keras: 'adam', 'Adam', 'ADAM'. A string gives the optimizer
// with its Keras 3 defaults (not TF.js's: tf.train.sgd has no default learning rate, TF.js Adam
// uses epsilon 1e-8 ...).

import { unknownIdentifierError } from '../identifiers.js';
import { Optimizer } from './optimizer.js';
import { SGD } from './sgd.js';
import { Adam } from './adam.js';
import { AdamW } from './adamw.js';
import { Adadelta } from './adadelta.js';
import { RMSprop } from './rmsprop.js';
import { Adagrad } from './adagrad.js';
import { Adamax } from './adamax.js';
import { Nadam } from './nadam.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type OptimizerClass = new (options?: any) => Optimizer;

const CLASSES: Record<string, OptimizerClass> = {
  sgd: SGD,
  adam: Adam,
  adamw: AdamW,
  adadelta: Adadelta,
  rmsprop: RMSprop,
  adagrad: Adagrad,
  adamax: Adamax,
  nadam: Nadam,
};

/** What `getOptimizer` accepts: a name, an instance, or a serialized `{ className, config }`. */
export type OptimizerIdentifier = string | Optimizer | {
  /** The Keras class name, any case: `'Adam'`, `'sgd'`, ... */
  className: string;
  /** The constructor arguments with Keras snake_case keys (`{ learning_rate: 0.01 }`); default `{}`. */
  config?: Record<string, unknown>;
};

/**
 * An optimizer from a case-insensitive name (Keras 3 defaults), an instance (returned as is), or
 * a `{ className, config }` object (see `optimizerFromConfig`).
 *
 * @example
 * ```ts
 * tk.optimizers.getOptimizer('Adam');   // new Adam() — learningRate 0.001, epsilon 1e-7
 * tk.optimizers.getOptimizer('adm');    // throws: Unknown optimizer 'adm'. Did you mean 'adam'? ...
 * ```
 */
export function getOptimizer(identifier: OptimizerIdentifier): Optimizer {
  if (identifier instanceof Optimizer) return identifier;
  if (typeof identifier === 'string') {
    const Cls = CLASSES[identifier.toLowerCase()];
    if (Cls === undefined) throw unknownIdentifierError('optimizer', identifier, Object.keys(CLASSES));
    return new Cls();
  }
  if (identifier !== null && typeof identifier === 'object' && typeof (identifier as { className?: unknown }).className === 'string') {
    const { className, config = {} } = identifier as { className: string; config?: Record<string, unknown> };
    return optimizerFromConfig(className, config);
  }
  throw new Error(`getOptimizer: expected an optimizer name such as 'adam', an Optimizer, or { className, config }; got ${String(identifier)}`);
}

const CAMEL: Record<string, string> = {
  learning_rate: 'learningRate',
  weight_decay: 'weightDecay',
  global_clipnorm: 'globalClipnorm',
  beta_1: 'beta1',
  beta_2: 'beta2',
  initial_accumulator_value: 'initialAccumulatorValue',
  use_ema: 'useEma',
  ema_momentum: 'emaMomentum',
  ema_overwrite_frequency: 'emaOverwriteFrequency',
  loss_scale_factor: 'lossScaleFactor',
  gradient_accumulation_steps: 'gradientAccumulationSteps',
};

/**
 * Rebuilds an optimizer (without its state) from its class name (any case) and a config with
 * Keras snake_case keys (`getConfig()`'s output, or a Keras file's) or TF.js camelCase keys.
 *
 * @example
 * ```ts
 * const opt = tk.optimizers.optimizerFromConfig('Adam', { learning_rate: 0.01, beta_1: 0.8 });
 * ```
 */
export function optimizerFromConfig(className: string, config: Record<string, unknown>): Optimizer {
  const Cls = CLASSES[className.toLowerCase()];
  if (Cls === undefined) throw unknownIdentifierError('optimizer', className, Object.keys(CLASSES));
  const options: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(config)) {
    const name = CAMEL[key] ?? key;
    // Keras writes null for unset options; tensorkit's options take undefined for "default".
    if (value === null && name !== 'weightDecay') continue;
    options[name] = value;
  }
  if (Cls === AdamW && options.weightDecay === null) delete options.weightDecay;
  return new Cls(options);
}
