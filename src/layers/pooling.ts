// Pooling layers (keras/src/layers/pooling/*.py): MaxPooling2D, AveragePooling2D and the global
// poolings. They hold no weights; the ops, forward and backward, are in src/ops/pool.ts.

import * as ops from '../ops/index.js';
import { normalizePadding, pair } from '../ops/conv2d.js';
import type { Padding } from '../tensor/kernels/conv_geometry.js';
import type { Tensor } from '../tensor/tensor.js';
import { windowOutputLength } from './base_conv.js';
import { BaseGlobalPooling, BasePooling, poolingArgs } from './base_pooling.js';
import type { DataFormat } from './flatten.js';
import { formatSymbolicShape, type CallArgs, type LayerArgs, type SymbolicShape } from './layer.js';

/** Options of {@link MaxPooling2D} and {@link AveragePooling2D} (TF.js spelling). */
export interface Pooling2DOptions extends LayerArgs {
  /** The window: a number or [height, width]. Default [2, 2]. (Also the first argument.) */
  poolSize?: number | readonly number[];
  /** Step between windows; default (or null): the pool size. */
  strides?: number | readonly number[] | null;
  /** 'valid' (default) or 'same', in any case. */
  padding?: string;
  /** Default: `tk.backend.imageDataFormat()` ('channels_last'). */
  dataFormat?: DataFormat;
}

/** What MaxPooling2D and AveragePooling2D share beyond {@link BasePooling}: arguments and output shape. */
abstract class Pooling2D extends BasePooling<[number, number], Padding> {
  constructor(className: string, poolSizeOrOptions: number | readonly number[] | Pooling2DOptions | undefined, options: Pooling2DOptions) {
    const { who, options: opts, poolSize: size } = poolingArgs(className, poolSizeOrOptions, options);
    const poolSize = pair(who, 'poolSize', size);
    const strides = opts.strides === undefined || opts.strides === null ? poolSize : pair(who, 'strides', opts.strides);
    const padding = normalizePadding(who, opts.padding ?? 'valid');
    super(2, { layerArgs: opts, poolSize, strides, padding, dataFormat: opts.dataFormat, who });
  }

  override computeOutputShape(inputShape: SymbolicShape): SymbolicShape {
    const [hAxis, wAxis] = this.dataFormat === 'channels_first' ? [2, 3] : [1, 2];
    const out = [hAxis, wAxis].map((axis, i) => windowOutputLength(inputShape[axis] ?? null, this.poolSize[i]!, this.strides[i]!, 1, this.padding));
    if (out.some((d) => d !== null && d <= 0)) {
      throw new Error(`${this.name}: input ${formatSymbolicShape(inputShape)} with pool ${this.poolSize.join('×')} (strides ${this.strides.join('×')}), padding '${this.padding}' gives output size ${out.map((d) => d ?? 'None').join('×')}`);
    }
    const shape = inputShape.slice();
    shape[hAxis] = out[0]!;
    shape[wAxis] = out[1]!;
    return shape;
  }
}

/**
 * Max pooling over `poolSize` windows (default 2×2, strides = poolSize, padding 'valid'). The
 * backward pass sends each window's gradient to the cell that held the max (the first one on a
 * tie); 'same' padding never selects a padded cell.
 *
 * @example
 * ```ts
 * new tk.layers.MaxPooling2D([2, 2]).apply(tk.zeros([8, 26, 26, 32])).shape;   // [8, 13, 13, 32]
 * new tk.layers.MaxPooling2D({ poolSize: 3, strides: 1, padding: 'same' });    // TF.js form
 * ```
 */
export class MaxPooling2D extends Pooling2D {
  static override readonly className: string = 'MaxPooling2D';

  constructor(poolSize?: number | readonly number[] | Pooling2DOptions, options: Pooling2DOptions = {}) {
    super('MaxPooling2D', poolSize, options);
  }

  /** Max-pools `x` with the layer's window (`tk.maxPool2d`). */
  protected pool(x: Tensor): Tensor {
    return ops.maxPool2d(x, this.poolSize, this.strides, this.padding, this.dataFormat);
  }
}

/**
 * Average pooling over `poolSize` windows; with 'same' padding each window averages the cells
 * inside the image only (Keras/TF, count_include_pad = false).
 *
 * NOTE: `poolSize` defaults to [2, 2] as in TF.js and tf.keras 2.x; Keras 3 makes it required.
 * A default costs nothing and keeps TF.js code (`tf.layers.averagePooling2d({})`) working.
 *
 * @example
 * ```ts
 * new tk.layers.AveragePooling2D(2, { padding: 'same' }).apply(tk.zeros([1, 5, 5, 3])).shape;   // [1, 3, 3, 3]
 * ```
 */
export class AveragePooling2D extends Pooling2D {
  static override readonly className: string = 'AveragePooling2D';

  constructor(poolSize?: number | readonly number[] | Pooling2DOptions, options: Pooling2DOptions = {}) {
    super('AveragePooling2D', poolSize, options);
  }

  /** Average-pools `x` with the layer's window (`tk.avgPool2d`). */
  protected pool(x: Tensor): Tensor {
    return ops.avgPool2d(x, this.poolSize, this.strides, this.padding, this.dataFormat);
  }
}

/** Options of the global pooling layers. */
export interface GlobalPooling2DOptions extends LayerArgs {
  /** Default: `tk.backend.imageDataFormat()` ('channels_last'). */
  dataFormat?: DataFormat;
  /** Keep the spatial axes as size 1: `(batch, 1, 1, C)` (Keras `keepdims`; default false). */
  keepdims?: boolean;
  /** TF.js-style spelling of `keepdims`. */
  keepDims?: boolean;
}

/** What the global 2-D poolings share: {@link BaseGlobalPooling} over height and width. */
abstract class GlobalPooling2D extends BaseGlobalPooling {
  constructor(className: string, options: GlobalPooling2DOptions) {
    super(2, className, options);
  }
}

/**
 * The mean over the spatial axes: `(batch, h, w, c)` → `(batch, c)`, or `(batch, 1, 1, c)` with
 * `keepdims: true` (`(batch, c, 1, 1)` for channels_first).
 *
 * @example
 * ```ts
 * new tk.layers.GlobalAveragePooling2D().apply(tk.ones([2, 7, 7, 64])).shape;   // [2, 64]
 * ```
 */
export class GlobalAveragePooling2D extends GlobalPooling2D {
  static override readonly className: string = 'GlobalAveragePooling2D';

  constructor(options: GlobalPooling2DOptions = {}) {
    super('GlobalAveragePooling2D', options);
  }

  call(x: Tensor, _args: CallArgs): Tensor {
    return ops.globalAvgPool2d(x, this.dataFormat, this.keepdims);
  }
}

/**
 * The max over the spatial axes: `(batch, h, w, c)` → `(batch, c)` (or keepdims, as
 * {@link GlobalAveragePooling2D}).
 *
 * @example
 * ```ts
 * new tk.layers.GlobalMaxPooling2D({ keepdims: true }).apply(tk.ones([2, 7, 7, 64])).shape;   // [2, 1, 1, 64]
 * ```
 */
export class GlobalMaxPooling2D extends GlobalPooling2D {
  static override readonly className: string = 'GlobalMaxPooling2D';

  constructor(options: GlobalPooling2DOptions = {}) {
    super('GlobalMaxPooling2D', options);
  }

  call(x: Tensor, _args: CallArgs): Tensor {
    return ops.globalMaxPool2d(x, this.dataFormat, this.keepdims);
  }
}
