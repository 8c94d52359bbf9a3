// 3-D pooling layers (keras/src/layers/pooling/max_pooling3d.py, average_pooling3d.py): the pool
// size first, as the 2-D ones. No weights; the ops, forward and backward, are src/ops/pool3d.ts.

import * as ops from '../ops/index.js';
import { normalizePadding } from '../ops/conv2d.js';
import type { Padding } from '../tensor/kernels/conv_geometry.js';
import type { Tensor } from '../tensor/tensor.js';
import { windowOutputShape } from './base_conv.js';
import { BasePooling, poolingArgs } from './base_pooling.js';
import { tuple } from './conv_options.js';
import type { DataFormat } from './flatten.js';
import type { LayerArgs, SymbolicShape } from './layer.js';

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

/** What MaxPooling3D and AveragePooling3D share beyond {@link BasePooling}: arguments and output shape. */
abstract class Pooling3D extends BasePooling<[number, number, number], Padding> {
  constructor(className: string, poolSizeOrOptions: number | readonly number[] | Pooling3DOptions | undefined, options: Pooling3DOptions) {
    const { who, options: opts, poolSize: size } = poolingArgs(className, poolSizeOrOptions, options);
    const poolSize = tuple(who, 'poolSize', size, 3) as [number, number, number];
    const strides = opts.strides === undefined || opts.strides === null ? poolSize : tuple(who, 'strides', opts.strides, 3) as [number, number, number];
    const padding = normalizePadding(who, opts.padding ?? 'valid');
    super(3, { layerArgs: opts, poolSize, strides, padding, dataFormat: opts.dataFormat, who });
  }

  override computeOutputShape(inputShape: SymbolicShape): SymbolicShape {
    return windowOutputShape(this.name, inputShape, this.dataFormat, this.poolSize, this.strides, [1, 1, 1], this.padding, 'pool', (c) => c);
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
