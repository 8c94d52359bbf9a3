// Masking: marks the time steps whose every feature equals maskValue as padding
// (keras/src/layers/core/masking.py). The output mask at step t is any(x[..., t, :] != maskValue)
// over the last axis; the output is the input with the masked steps set to 0 (Keras and TF.js
// multiply by the mask, which changes the values only where maskValue ≠ 0).

import * as ops from '../ops/index.js';
import type { Tensor } from '../tensor/tensor.js';
import { Layer, type CallArgs, type LayerArgs, type LayerConfig, type Mask, type SymbolicShape } from './layer.js';
import { LAYER_ARG_KEYS, checkOptions, finiteNumber, layerWho } from './options.js';

/** Options of {@link Masking}. */
export interface MaskingOptions extends LayerArgs {
  /** The padding value: a step whose features all equal it is masked (default 0). */
  maskValue?: number;
}

/**
 * Masks padded time steps: for `[batch, steps, features]` (or any rank ≥ 2) a step whose every
 * feature equals `maskValue` gets mask 0, and is output as zeros; the mask travels with the output
 * to the layers that take one (recurrent layers skip those steps, GlobalAveragePooling1D leaves
 * them out of the mean).
 *
 * @example
 * ```ts
 * const x = tk.tensor([[[1, 2], [0, 0], [3, 0]]]);   // [1, 3, 2]: step 1 is padding
 * const y = new tk.layers.Masking().apply(x);
 * tk.layers.maskOf(y)?.toArray();                      // [[1, 0, 1]]
 * ```
 */
export class Masking extends Layer {
  static override readonly className: string = 'Masking';

  /** The padding value (default 0). */
  readonly maskValue: number;

  constructor(options: MaskingOptions = {}) {
    const who = layerWho('Masking', options);
    checkOptions(who, options, [...LAYER_ARG_KEYS, 'maskValue']);
    const maskValue = finiteNumber(who, 'maskValue', options.maskValue ?? 0);
    const { maskValue: _m, ...base } = options;
    super(base);
    this.maskValue = maskValue;
    this.supportsMasking = true;
    this.inputSpec = { minNdim: 2 };
  }

  /** 1 for the steps with some feature ≠ maskValue, else 0: the input's shape without its last axis. */
  private stepMask(x: Tensor): Tensor {
    return ops.max(ops.notEqual(x, this.maskValue), -1);
  }

  call(x: Tensor, _args: CallArgs): Tensor {
    // The mask is a constant of x (a comparison): the gradient flows through the kept steps only.
    return ops.mul(x, ops.expandDims(this.stepMask(x), -1));
  }

  override computeMask(x: Tensor | Tensor[], _mask: Mask | Mask[] | undefined): Mask {
    return this.stepMask(x as Tensor);
  }

  override computeOutputShape(inputShape: SymbolicShape): SymbolicShape {
    return inputShape;
  }

  override getConfig(): LayerConfig {
    return { ...super.getConfig(), maskValue: this.maskValue };
  }
}
