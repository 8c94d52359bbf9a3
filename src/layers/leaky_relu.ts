// LeakyReLU as a layer (keras/src/layers/activations/leaky_relu.py). Default slope 0.3, unlike
// the leaky_relu function's 0.2, as Keras.

import type { Tensor } from '../tensor/tensor.js';
import { leakyRelu } from './activations.js';
import { Layer, type CallArgs, type LayerArgs, type LayerConfig, type SymbolicShape } from './layer.js';
import { LAYER_ARG_KEYS, checkOptions, finiteNumber, layerWho } from './options.js';

/** Options of {@link LeakyReLU}. */
export interface LeakyReLUOptions extends LayerArgs {
  /** Slope for x < 0, ≥ 0; default 0.3. */
  negativeSlope?: number;
  /** TF.js's and Keras 2's name of `negativeSlope`. */
  alpha?: number;
}

/**
 * `x` for x > 0, `negativeSlope·x` otherwise (default slope 0.3).
 *
 * @example
 * ```ts
 * new tk.layers.LeakyReLU().apply(tk.tensor([[-1, 2]])).toArray();   // [[-0.3, 2]]
 * new tk.layers.LeakyReLU({ alpha: 0.1 });                            // TF.js spelling
 * ```
 */
export class LeakyReLU extends Layer {
  static override readonly className: string = 'LeakyReLU';
  /** The slope for x < 0 (default 0.3). */
  readonly negativeSlope: number;

  constructor(options: LeakyReLUOptions = {}) {
    const who = layerWho('LeakyReLU', options);
    checkOptions(who, options, [...LAYER_ARG_KEYS, 'negativeSlope', 'alpha']);
    if (options.negativeSlope !== undefined && options.alpha !== undefined) {
      throw new Error(`${who}: give negativeSlope or its old name alpha, not both`);
    }
    const negativeSlope = finiteNumber(who, options.alpha !== undefined ? 'alpha' : 'negativeSlope', options.negativeSlope ?? options.alpha ?? 0.3);
    if (negativeSlope < 0) throw new Error(`${who}: negativeSlope cannot be negative, got ${negativeSlope}`);
    super(options);
    this.supportsMasking = true; // passes its input's mask on, as Keras
    this.negativeSlope = negativeSlope;
  }

  override computeOutputShape(inputShape: SymbolicShape): SymbolicShape {
    return inputShape;
  }

  call(x: Tensor, _args: CallArgs): Tensor {
    return leakyRelu(x, this.negativeSlope);
  }

  override getConfig(): LayerConfig {
    return { ...super.getConfig(), negativeSlope: this.negativeSlope };
  }
}
