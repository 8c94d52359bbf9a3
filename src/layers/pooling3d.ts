// 3-D pooling layers (keras/src/layers/pooling/max_pooling3d.py, average_pooling3d.py): the pool
// size first, as the 2-D ones. No weights; the ops, forward and backward, are src/ops/pool3d.ts.

import * as ops from '../ops/index.js';
import { normalizePadding } from '../ops/conv2d.js';
import type { Padding } from '../tensor/kernels/conv_geometry.js';
import type { Tensor } from '../tensor/tensor.js';
import { dataFormatConfig, tuple } from './conv_options.js';
import { volumeOutputShape } from './conv3d.js';
import { normalizeDataFormat, type DataFormat } from './flatten.js';
import { Layer, type CallArgs, type LayerArgs, type LayerConfig, type SymbolicShape } from './layer.js';
import { LAYER_ARG_KEYS, checkOptions, layerWho } from './options.js';

/** Options of {@link MaxPooling3D} and {@link AveragePooling3D} (TF.js spelling). */
export interface Pooling3DOptions extends LayerArgs {
  /** The window: a number or [depth, height, width]. Default [2, 2, 2]. (Also the first argument.) */
  poolSize?: number | readonly number[];
  /** Step between windows; default (or null): the pool size. */
  strides?: number | readonly number[] | null;
  /** 'valid' (default) or 'same', in any case. */
  padding?: string;
  /** Default: `tk.backend.imageDataFormat()` ('channels_last': `[batch, d, h, w, c]`). */
  dataFormat?: DataFormat;
}

const KEYS = [...LAYER_ARG_KEYS, 'poolSize', 'strides', 'padding', 'dataFormat'];

/** What MaxPooling3D and AveragePooling3D share: arguments, output shape, config. */
abstract class Pooling3D extends Layer {
  /** The window, [depth, height, width] (default [2, 2, 2]). */
  readonly poolSize: [number, number, number];
  /** The step between windows (default: the pool size). */
  readonly strides: [number, number, number];
  /** 'valid' (default) or 'same'. */
  readonly padding: Padding;
  /** Where the channels axis is: 'channels_last' (NDHWC, default) or 'channels_first' (NCDHW). */
  readonly dataFormat: 'channels_last' | 'channels_first';

  constructor(className: string, poolSizeOrOptions: number | readonly number[] | Pooling3DOptions | undefined, options: Pooling3DOptions) {
    let opts = options;
    let size: unknown = poolSizeOrOptions;
    if (poolSizeOrOptions !== null && typeof poolSizeOrOptions === 'object' && !Array.isArray(poolSizeOrOptions)) {
      opts = poolSizeOrOptions as Pooling3DOptions; // the TF.js / Keras-keyword form
      size = undefined;
    }
    const who = layerWho(className, opts);
    checkOptions(who, opts, KEYS);
    if (size !== undefined && opts.poolSize !== undefined) throw new Error(`${who}: give poolSize once, positionally or in the options`);
    const poolSize = tuple(who, 'poolSize', size ?? opts.poolSize ?? 2, 3) as [number, number, number];
    const strides = opts.strides === undefined || opts.strides === null ? poolSize : tuple(who, 'strides', opts.strides, 3) as [number, number, number];
    const padding = normalizePadding(who, opts.padding ?? 'valid');
    const dataFormat = normalizeDataFormat(who, opts.dataFormat);
    super(opts);
    this.poolSize = poolSize;
    this.strides = strides;
    this.padding = padding;
    this.dataFormat = dataFormat;
    this.inputSpec = { ndim: 5 };
  }

  override computeOutputShape(inputShape: SymbolicShape): SymbolicShape {
    return volumeOutputShape(this.name, inputShape, this.dataFormat, this.poolSize, this.strides, [1, 1, 1], this.padding, 'pool', (c) => c);
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
      dataFormat: dataFormatConfig(this.dataFormat),
    };
  }
}

/**
 * Max pooling over `poolSize` windows of volumes (default 2×2×2, strides = poolSize, 'valid').
 * The gradient goes to the cell that held each window's max (the first on a tie).
 *
 * @example
 * ```ts
 * new tk.layers.MaxPooling3D([2, 2, 2]).apply(tk.zeros([1, 8, 16, 16, 4])).shape;   // [1, 4, 8, 8, 4]
 * new tk.layers.MaxPooling3D({ poolSize: 3, strides: 1, padding: 'same' });           // TF.js form
 * ```
 */
export class MaxPooling3D extends Pooling3D {
  static override readonly className: string = 'MaxPooling3D';

  constructor(poolSize?: number | readonly number[] | Pooling3DOptions, options: Pooling3DOptions = {}) {
    super('MaxPooling3D', poolSize, options);
  }

  /** Max-pools `x` with the layer's window (`maxPool3d`). */
  protected pool(x: Tensor): Tensor {
    return ops.maxPool3d(x, this.poolSize, this.strides, this.padding, this.dataFormat);
  }
}

/**
 * Average pooling over `poolSize` windows of volumes; with 'same' padding each window averages
 * the cells inside the volume only.
 *
 * NOTE: `poolSize` defaults to [2, 2, 2] as in TF.js; Keras 3 makes it required (as for
 * AveragePooling2D, see pooling.ts).
 *
 * @example
 * ```ts
 * new tk.layers.AveragePooling3D(2, { padding: 'same' }).apply(tk.zeros([1, 5, 5, 5, 3])).shape;   // [1, 3, 3, 3, 3]
 * ```
 */
export class AveragePooling3D extends Pooling3D {
  static override readonly className: string = 'AveragePooling3D';

  constructor(poolSize?: number | readonly number[] | Pooling3DOptions, options: Pooling3DOptions = {}) {
    super('AveragePooling3D', poolSize, options);
  }

  /** Average-pools `x` with the layer's window (`avgPool3d`). */
  protected pool(x: Tensor): Tensor {
    return ops.avgPool3d(x, this.poolSize, this.strides, this.padding, this.dataFormat);
  }
}
