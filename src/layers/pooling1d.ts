// 1-D pooling layers (keras/src/layers/pooling/{max,average}_pooling1d.py, base_pooling.py,
// global_{average,max}_pooling1d.py): MaxPooling1D, AveragePooling1D, GlobalAveragePooling1D,
// GlobalMaxPooling1D. They hold no weights. The windowed ones view [B, T, C] as an image of
// height 1, [B, 1, T, C], and run the 2-D pooling ops of src/ops/pool.ts with a 1 × p window
// (forward, backward and higher-order backward come from there). The global ones are a mean or
// a max over the steps axis; GlobalAveragePooling1D leaves masked steps out of the mean.

import * as ops from '../ops/index.js';
import type { Tensor } from '../tensor/tensor.js';
import { windowOutputLength } from './base_conv.js';
import { BaseGlobalPooling, BasePooling, poolingArgs } from './base_pooling.js';
import { normalizePadding1D } from './conv1d.js';
import { tuple } from './conv_options.js';
import type { DataFormat } from './flatten.js';
import { formatSymbolicShape, type CallArgs, type LayerArgs, type Mask, type SymbolicShape } from './layer.js';

/** Options of {@link MaxPooling1D} and {@link AveragePooling1D} (TF.js spelling). */
export interface Pooling1DOptions extends LayerArgs {
  /** The window length, a number (or [p], as configs write it). Default 2. (Also the first argument.) */
  poolSize?: number | readonly number[];
  /** Step between windows; default (or null): the pool size. */
  strides?: number | readonly number[] | null;
  /** 'valid' (default) or 'same', in any case. */
  padding?: string;
  /** Default: `tk.backend.imageDataFormat()` ('channels_last': `[batch, steps, channels]`). */
  dataFormat?: DataFormat;
}

/** What MaxPooling1D and AveragePooling1D share beyond {@link BasePooling}: arguments, output shape, the height-1 view. */
abstract class Pooling1D extends BasePooling<number, 'valid' | 'same'> {
  constructor(className: string, poolSizeOrOptions: number | readonly number[] | Pooling1DOptions | undefined, options: Pooling1DOptions) {
    const { who, options: opts, poolSize: size } = poolingArgs(className, poolSizeOrOptions, options);
    const [poolSize] = tuple(who, 'poolSize', size, 1);
    const [strides] = opts.strides === undefined || opts.strides === null ? [poolSize] : tuple(who, 'strides', opts.strides, 1);
    const padding = normalizePadding1D(who, opts.padding ?? 'valid', false) as 'valid' | 'same';
    super(1, { layerArgs: opts, poolSize: poolSize!, strides: strides!, padding, dataFormat: opts.dataFormat, who });
  }

  override computeOutputShape(inputShape: SymbolicShape): SymbolicShape {
    const stepAxis = this.dataFormat === 'channels_first' ? 2 : 1;
    const out = windowOutputLength(inputShape[stepAxis] ?? null, this.poolSize, this.strides, 1, this.padding);
    if (out !== null && out <= 0) {
      throw new Error(`${this.name}: input ${formatSymbolicShape(inputShape)} with pool ${this.poolSize} (strides ${this.strides}), padding '${this.padding}' gives output length ${out}`);
    }
    const shape = inputShape.slice();
    shape[stepAxis] = out;
    return shape;
  }

  protected pool(x: Tensor): Tensor {
    const [b, d1, d2] = x.shape as [number, number, number];
    // [B, T, C] → [B, 1, T, C] (channels_first: [B, C, T] → [B, C, 1, T]): one row of height 1.
    const first = this.dataFormat === 'channels_first';
    const y = this.poolImage(ops.reshape(x, first ? [b, d1, 1, d2] : [b, 1, d1, d2]));
    return ops.reshape(y, first ? [b, d1, y.shape[3]!] : [b, y.shape[2]!, d2]);
  }

  /** Pools a height-1 image (the layer's data format) with a 1 × poolSize window (the op differs per subclass). */
  protected abstract poolImage(image: Tensor): Tensor;
}

/**
 * Max pooling over windows of `poolSize` steps (default 2, strides = poolSize, padding 'valid'):
 * `[batch, steps, channels]` → `[batch, ⌊(steps − p)/s⌋ + 1, channels]`. The gradient goes to
 * the step that held each window's max. Takes no mask (a mask is dropped with a warning, as Keras).
 *
 * @example
 * ```ts
 * new tk.layers.MaxPooling1D(2).apply(tk.zeros([8, 50, 16])).shape;             // [8, 25, 16]
 * new tk.layers.MaxPooling1D({ poolSize: 3, strides: 1, padding: 'same' });     // TF.js form
 * ```
 */
export class MaxPooling1D extends Pooling1D {
  static override readonly className: string = 'MaxPooling1D';

  constructor(poolSize?: number | readonly number[] | Pooling1DOptions, options: Pooling1DOptions = {}) {
    super('MaxPooling1D', poolSize, options);
  }

  /** Max-pools the height-1 image (`tk.maxPool2d`, window 1 × poolSize). */
  protected poolImage(image: Tensor): Tensor {
    return ops.maxPool2d(image, [1, this.poolSize], [1, this.strides], this.padding, this.dataFormat);
  }
}

/**
 * Average pooling over windows of `poolSize` steps; with 'same' padding each window averages the
 * steps inside the sequence only (as Keras/TF). Takes no mask (dropped with a warning, as Keras).
 *
 * NOTE: `poolSize` defaults to 2 as in TF.js (Keras 3 makes it required), as AveragePooling2D does.
 *
 * @example
 * ```ts
 * new tk.layers.AveragePooling1D(3, { strides: 1, padding: 'same' }).apply(tk.zeros([2, 10, 4])).shape;   // [2, 10, 4]
 * ```
 */
export class AveragePooling1D extends Pooling1D {
  static override readonly className: string = 'AveragePooling1D';

  constructor(poolSize?: number | readonly number[] | Pooling1DOptions, options: Pooling1DOptions = {}) {
    super('AveragePooling1D', poolSize, options);
  }

  /** Average-pools the height-1 image (`tk.avgPool2d`, window 1 × poolSize). */
  protected poolImage(image: Tensor): Tensor {
    return ops.avgPool2d(image, [1, this.poolSize], [1, this.strides], this.padding, this.dataFormat);
  }
}

/** Options of {@link GlobalAveragePooling1D} and {@link GlobalMaxPooling1D}. */
export interface GlobalPooling1DOptions extends LayerArgs {
  /** Default: `tk.backend.imageDataFormat()` ('channels_last': `[batch, steps, channels]`). */
  dataFormat?: DataFormat;
  /** Keep the steps axis as size 1: `(batch, 1, C)` (Keras `keepdims`; default false). */
  keepdims?: boolean;
  /** TF.js-style spelling of `keepdims`. */
  keepDims?: boolean;
}

/** What the global 1-D poolings share: {@link BaseGlobalPooling} over the steps axis. */
abstract class GlobalPooling1D extends BaseGlobalPooling {
  constructor(className: string, options: GlobalPooling1DOptions) {
    super(1, className, options);
  }

  /** The steps axis: 1 for channels_last, 2 for channels_first. */
  protected get stepAxis(): number {
    return this.dataFormat === 'channels_first' ? 2 : 1;
  }
}

/**
 * The mean over the steps: `(batch, steps, c)` → `(batch, c)` (`(batch, 1, c)` with `keepdims`).
 * With a mask (after Embedding with `maskZero`, or Masking) the mean is over the unmasked steps
 * only, `Σ_t m_t·x_t / Σ_t m_t`, as Keras 3; a sample with every step masked gives 0/0 = NaN, as
 * Keras. The output carries no mask. (TF.js ignores the mask and averages every step.)
 *
 * @example
 * ```ts
 * const ids = tk.tensor([[5, 2, 0, 0]]);   // two tokens, two padding steps
 * const e = new tk.layers.Embedding(10, 8, { maskZero: true });
 * new tk.layers.GlobalAveragePooling1D().apply(e.apply(ids)).shape;   // [1, 8]: the mean of 2 steps
 * ```
 */
export class GlobalAveragePooling1D extends GlobalPooling1D {
  static override readonly className: string = 'GlobalAveragePooling1D';

  constructor(options: GlobalPooling1DOptions = {}) {
    super('GlobalAveragePooling1D', options);
    this.supportsMasking = true;
  }

  call(x: Tensor, args: CallArgs): Tensor {
    const mask = (args.mask ?? null) as Mask;
    if (mask === null) return ops.mean(x, this.stepAxis, this.keepdims);
    const [b, d1, d2] = x.shape as [number, number, number];
    const steps = this.dataFormat === 'channels_first' ? d2 : d1;
    if (mask.rank !== 2 || mask.shape[0] !== b || mask.shape[1] !== steps) {
      throw new Error(`${this.name}: the mask must be [batch, steps] = [${b}, ${steps}], got ${JSON.stringify(mask.shape)}`);
    }
    // The mask is a constant (0/1): the gradient reaches the kept steps only, each m_t / Σ m.
    const m = ops.expandDims(mask, this.dataFormat === 'channels_first' ? 1 : 2);
    return ops.div(ops.sum(ops.mul(x, m), this.stepAxis, this.keepdims), ops.sum(m, this.stepAxis, this.keepdims));
  }

  /** The pooled output has no steps left to mask: none, as Keras. */
  override computeMask(_x: Tensor | Tensor[], _mask: Mask | Mask[] | undefined): Mask {
    return null;
  }
}

/**
 * The max over the steps: `(batch, steps, c)` → `(batch, c)` (`(batch, 1, c)` with `keepdims`).
 * As Keras 3 it takes no mask: after Embedding with `maskZero` or Masking the mask is dropped
 * (with a warning) and every step counts, padding included.
 *
 * @example
 * ```ts
 * new tk.layers.GlobalMaxPooling1D().apply(tk.tensor([[[1, 5], [3, 2]]])).toArray();   // [[3, 5]]
 * ```
 */
export class GlobalMaxPooling1D extends GlobalPooling1D {
  static override readonly className: string = 'GlobalMaxPooling1D';

  constructor(options: GlobalPooling1DOptions = {}) {
    super('GlobalMaxPooling1D', options);
  }

  call(x: Tensor, _args: CallArgs): Tensor {
    return ops.max(x, this.stepAxis, this.keepdims);
  }
}
