// ReLU as a layer, with Keras's max value, negative slope and threshold
// (keras/src/layers/activations/relu.py).

import type { Tensor } from '../tensor/tensor.js';
import { relu } from './activations.js';
import { Layer, type CallArgs, type LayerArgs, type LayerConfig, type SymbolicShape } from './layer.js';
import { LAYER_ARG_KEYS, checkOptions, finiteNumber, layerWho } from './options.js';

/** Options of {@link ReLU}. */
export interface ReLUOptions extends LayerArgs {
  /** Upper cap, ≥ 0; default none. */
  maxValue?: number | null;
  /** Slope below the threshold, ≥ 0; default 0. */
  negativeSlope?: number;
  /** Values at or below it are damped, ≥ 0; default 0. */
  threshold?: number;
}

/**
 * `f(x) = maxValue` for x ≥ maxValue, `x` for threshold < x < maxValue, else
 * `negativeSlope·(x − threshold)`.
 *
 * @example
 * ```ts
 * new tk.layers.ReLU({ maxValue: 6 }).apply(tk.tensor([[-1, 3, 9]])).toArray();   // [[0, 3, 6]]
 * ```
 */
export class ReLU extends Layer {
  static override readonly className: string = 'ReLU';
  /** The upper cap of the output, or null (default) for none. */
  readonly maxValue: number | null;
  /** The slope below the threshold (default 0). */
  readonly negativeSlope: number;
  /** Values at or below it are damped by `negativeSlope` (default 0). */
  readonly threshold: number;

  constructor(options: ReLUOptions = {}) {
    const who = layerWho('ReLU', options);
    checkOptions(who, options, [...LAYER_ARG_KEYS, 'maxValue', 'negativeSlope', 'threshold']);
    const maxValue = options.maxValue === undefined || options.maxValue === null ? null : finiteNumber(who, 'maxValue', options.maxValue);
    const negativeSlope = finiteNumber(who, 'negativeSlope', options.negativeSlope ?? 0);
    const threshold = finiteNumber(who, 'threshold', options.threshold ?? 0);
    if (maxValue !== null && maxValue < 0) throw new Error(`${who}: maxValue cannot be negative, got ${maxValue}`);
    if (negativeSlope < 0) throw new Error(`${who}: negativeSlope cannot be negative, got ${negativeSlope}`);
    if (threshold < 0) throw new Error(`${who}: threshold cannot be negative, got ${threshold}`);
    super(options);
    this.supportsMasking = true; // passes its input's mask on, as Keras
    this.maxValue = maxValue;
    this.negativeSlope = negativeSlope;
    this.threshold = threshold;
  }

  override computeOutputShape(inputShape: SymbolicShape): SymbolicShape {
    return inputShape;
  }

  call(x: Tensor, _args: CallArgs): Tensor {
    return relu(x, { maxValue: this.maxValue, negativeSlope: this.negativeSlope, threshold: this.threshold });
  }

  override getConfig(): LayerConfig {
    return { ...super.getConfig(), maxValue: this.maxValue, negativeSlope: this.negativeSlope, threshold: this.threshold };
  }
}
