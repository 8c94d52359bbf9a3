// Pooling layers (keras/src/layers/pooling/*.py): MaxPooling2D, AveragePooling2D and the global
// poolings. They hold no weights; the ops, forward and backward, are in src/ops/pool.ts.

import * as ops from '../ops/index.js';
import { normalizePadding, pair } from '../ops/conv2d.js';
import type { Padding } from '../tensor/kernels/conv_geometry.js';
import type { Tensor } from '../tensor/tensor.js';
import { windowOutputLength } from './conv2d.js';
import { normalizeDataFormat, type DataFormat } from './flatten.js';
import { Layer, formatSymbolicShape, type CallArgs, type LayerArgs, type LayerConfig, type SymbolicShape } from './layer.js';
import { LAYER_ARG_KEYS, boolean, checkOptions, describe, layerWho } from './options.js';

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

const POOL_KEYS = [...LAYER_ARG_KEYS, 'poolSize', 'strides', 'padding', 'dataFormat'];

/** What MaxPooling2D and AveragePooling2D share: arguments, output shape, config. */
abstract class Pooling2D extends Layer {
  /** The window, [height, width] (default [2, 2]). */
  readonly poolSize: [number, number];
  /** The step between windows, [height, width] (default: the pool size). */
  readonly strides: [number, number];
  /** 'valid' (default: windows inside the input) or 'same' (output size ceil(n/stride)). */
  readonly padding: Padding;
  /** Where the channels axis is: 'channels_last' (NHWC, default) or 'channels_first' (NCHW). */
  readonly dataFormat: 'channels_last' | 'channels_first';

  constructor(className: string, poolSizeOrOptions: number | readonly number[] | Pooling2DOptions | undefined, options: Pooling2DOptions) {
    let opts = options;
    let size: unknown = poolSizeOrOptions;
    if (poolSizeOrOptions !== null && typeof poolSizeOrOptions === 'object' && !Array.isArray(poolSizeOrOptions)) {
      // The TF.js / Keras-keyword form: new MaxPooling2D({ poolSize: [2, 2], strides: 1 }).
      opts = poolSizeOrOptions as Pooling2DOptions;
      size = undefined;
    }
    const who = layerWho(className, opts);
    checkOptions(who, opts, POOL_KEYS);
    if (size !== undefined && opts.poolSize !== undefined) throw new Error(`${who}: give poolSize once, positionally or in the options`);
    const poolSize = pair(who, 'poolSize', size ?? opts.poolSize ?? 2);
    const strides = opts.strides === undefined || opts.strides === null ? poolSize : pair(who, 'strides', opts.strides);
    const padding = normalizePadding(who, opts.padding ?? 'valid');
    const dataFormat = normalizeDataFormat(who, opts.dataFormat);
    super(opts);
    this.poolSize = poolSize;
    this.strides = strides;
    this.padding = padding;
    this.dataFormat = dataFormat;
    this.inputSpec = { ndim: 4 };
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

  call(x: Tensor, _args: CallArgs): Tensor {
    this.computeOutputShape(x.shape); // the layer's own error for a too-small input
    return this.pool(x);
  }

  /** Pools `x` with the layer's window (the op differs per subclass). */
  protected abstract pool(x: Tensor): Tensor;

  override getConfig(): LayerConfig {
    return {
      ...super.getConfig(),
      poolSize: this.poolSize.slice(),
      padding: this.padding,
      strides: this.strides.slice(),
      dataFormat: this.dataFormat === 'channels_last' ? 'channelsLast' : 'channelsFirst',
    };
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

/** What the global poolings share. */
abstract class GlobalPooling2D extends Layer {
  /** Where the channels axis is: 'channels_last' (NHWC, default) or 'channels_first' (NCHW). */
  readonly dataFormat: 'channels_last' | 'channels_first';
  /** Whether the spatial axes are kept as size 1 (default false: the output is `[batch, channels]`). */
  readonly keepdims: boolean;

  constructor(className: string, options: GlobalPooling2DOptions) {
    const who = layerWho(className, options);
    checkOptions(who, options, [...LAYER_ARG_KEYS, 'dataFormat', 'keepdims', 'keepDims']);
    if (options.keepdims !== undefined && options.keepDims !== undefined && options.keepdims !== options.keepDims) {
      throw new Error(`${who}: keepdims and keepDims disagree (${describe(options.keepdims)} vs ${describe(options.keepDims)})`);
    }
    const keepdims = boolean(who, 'keepdims', options.keepdims ?? options.keepDims ?? false);
    const dataFormat = normalizeDataFormat(who, options.dataFormat);
    super(options);
    this.dataFormat = dataFormat;
    this.keepdims = keepdims;
    this.inputSpec = { ndim: 4 };
  }

  override computeOutputShape(inputShape: SymbolicShape): SymbolicShape {
    const first = this.dataFormat === 'channels_first';
    const batch = inputShape[0] ?? null;
    const channels = inputShape[first ? 1 : 3] ?? null;
    if (!this.keepdims) return [batch, channels];
    return first ? [batch, channels, 1, 1] : [batch, 1, 1, channels];
  }

  override getConfig(): LayerConfig {
    return {
      ...super.getConfig(),
      dataFormat: this.dataFormat === 'channels_last' ? 'channelsLast' : 'channelsFirst',
      keepdims: this.keepdims,
    };
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
