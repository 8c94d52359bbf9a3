// Softmax as a layer (keras/src/layers/activations/softmax.py).

import type { Tensor } from '../tensor/tensor.js';
import { softmax } from './activations.js';
import { Layer, type CallArgs, type LayerArgs, type LayerConfig, type SymbolicShape } from './layer.js';
import { LAYER_ARG_KEYS, checkOptions, describe, layerWho } from './options.js';

/** Options of {@link Softmax}. */
export interface SoftmaxOptions extends LayerArgs {
  /** The axis (or axes) normalised over; default -1. */
  axis?: number | readonly number[];
}

/**
 * Softmax along `axis` (default last), shifted by the max so it never overflows.
 *
 * @example
 * ```ts
 * new tk.layers.Softmax().apply(tk.tensor([[1, 2, 1]])).toArray();   // [[0.2119, 0.5761, 0.2119]]
 * ```
 */
export class Softmax extends Layer {
  static override readonly className: string = 'Softmax';
  /** The axis (or axes) normalized over (default -1, the last). */
  readonly axis: number | readonly number[];

  constructor(options: SoftmaxOptions = {}) {
    const who = layerWho('Softmax', options);
    checkOptions(who, options, [...LAYER_ARG_KEYS, 'axis']);
    const axis = options.axis ?? -1;
    const axes = typeof axis === 'number' ? [axis] : axis;
    if (!Array.isArray(axes) || axes.length === 0 || axes.some((a) => typeof a !== 'number' || !Number.isInteger(a))) {
      throw new Error(`${who}: axis must be an integer or a non-empty list of integers, got ${describe(axis)}`);
    }
    super(options);
    this.axis = typeof axis === 'number' ? axis : axis.slice();
  }

  override computeOutputShape(inputShape: SymbolicShape): SymbolicShape {
    return inputShape;
  }

  call(x: Tensor, _args: CallArgs): Tensor {
    return softmax(x, this.axis);
  }

  override getConfig(): LayerConfig {
    return { ...super.getConfig(), axis: typeof this.axis === 'number' ? this.axis : this.axis.slice() };
  }
}
