// Activation: applies an activation function as a layer (keras/src/layers/activations/activation.py).

import type { Tensor } from '../tensor/tensor.js';
import { getActivation, serializeActivation, type Activation as ActivationFn, type ActivationIdentifier } from './activations.js';
import { Layer, type CallArgs, type LayerArgs, type LayerConfig, type SymbolicShape } from './layer.js';
import { LAYER_ARG_KEYS, checkOptions, layerWho } from './options.js';

/** TF.js's form: `{ activation: 'relu', ...layer options }`. */
export interface ActivationLayerOptions extends LayerArgs {
  /** The activation: a name ('relu', 'tanh', ...) or a function. */
  activation: ActivationIdentifier;
}

/**
 * Applies an activation to its input; the output has the input's shape.
 *
 * @example
 * ```ts
 * new tk.layers.Activation('relu').apply(tk.tensor([[-1, 2]])).toArray();   // [[0, 2]]
 * new tk.layers.Activation({ activation: 'tanh', name: 'squash' });
 * ```
 */
export class Activation extends Layer {
  static override readonly className: string = 'Activation';

  /**
   * Builds an Activation layer from its `getConfig()`.
   *
   * @example
   * ```ts
   * const copy = tk.layers.Activation.fromConfig(layer.getConfig());
   * ```
   */
  static override fromConfig(config: LayerConfig): Activation {
    if (!Object.hasOwn(config, 'activation')) throw new Error("Activation.fromConfig: the required option 'activation' is missing");
    return new Activation(config as unknown as ActivationLayerOptions);
  }
  /** The activation function applied elementwise. */
  readonly activation: ActivationFn;

  constructor(activation: ActivationIdentifier | ActivationLayerOptions, options: LayerArgs = {}) {
    const merged: LayerArgs & { activation?: ActivationIdentifier } = isLayerOptions(activation) ? { ...activation } : { ...options, activation };
    const who = layerWho('Activation', merged);
    if (isLayerOptions(activation)) {
      checkOptions(who, activation, [...LAYER_ARG_KEYS, 'activation']);
      if (Object.keys(options).length > 0) throw new Error(`${who}: give the options once (in the first argument)`);
    } else {
      checkOptions(who, options, LAYER_ARG_KEYS);
    }
    let fn: ActivationFn;
    try {
      fn = getActivation(merged.activation);
    } catch (e) {
      throw new Error(`${who}: ${(e as Error).message}`);
    }
    super(merged);
    this.supportsMasking = true; // passes its input's mask on, as Keras
    this.activation = fn;
  }

  override computeOutputShape(inputShape: SymbolicShape): SymbolicShape {
    return inputShape;
  }

  call(x: Tensor, _args: CallArgs): Tensor {
    return this.activation.apply(x);
  }

  override getConfig(): LayerConfig {
    return { ...super.getConfig(), activation: serializeActivation(this.activation) };
  }
}

function isLayerOptions(value: unknown): value is ActivationLayerOptions {
  return value !== null && typeof value === 'object' && 'activation' in value;
}
