// Conv3D: y = act(conv3d(x, kernel) + bias) over volumes (keras/src/layers/convolutional/conv3d.py,
// base_conv.py). Kernel [kd, kh, kw, inChannels, filters] and bias [filters], as Keras and TF.js
// store them, for both data formats. The op, forward and backward, is src/ops/conv3d.ts.

import * as ops from '../ops/index.js';
import { normalizePadding } from '../ops/conv2d.js';
import type { Padding } from '../tensor/kernels/conv_geometry.js';
import type { Tensor } from '../tensor/tensor.js';
import type { ActivationIdentifier } from './activations.js';
import { BaseConv, parseConvKernel, parseConvOutput, splitFiltersAndKernel, windowOutputShape, type ConvKernelOptions } from './base_conv.js';
import { checkStridesWithDilation, tuple } from './conv_options.js';
import type { DataFormat } from './flatten.js';
import type { CallArgs, SymbolicShape } from './layer.js';
import { LAYER_ARG_KEYS, checkOptions, layerWho, positiveInteger } from './options.js';

/** Options of {@link Conv3D} (TF.js spelling). */
export interface Conv3DLayerOptions extends ConvKernelOptions {
  /** Step between windows: a number or [depth, height, width]. Default 1. */
  strides?: number | readonly number[];
  /** 'valid' (default) or 'same', in any case. */
  padding?: string;
  /** Default: `tk.backend.imageDataFormat()` ('channels_last': `[batch, d, h, w, c]`). */
  dataFormat?: DataFormat;
  /** Spacing between kernel taps: a number or [depth, height, width]. Default 1; > 1 needs strides 1. */
  dilationRate?: number | readonly number[];
  /** Applied to the output; default none (linear). */
  activation?: ActivationIdentifier;
}

/** The TF.js form `new Conv3D({ filters, kernelSize, ... })`. */
export interface Conv3DLayerArgs extends Conv3DLayerOptions {
  /** The number of output channels, a positive integer. */
  filters: number;
  /** The window: a number or [depth, height, width]. */
  kernelSize: number | readonly number[];
}

const KEYS = [...LAYER_ARG_KEYS, 'strides', 'padding', 'dataFormat', 'dilationRate', 'activation', 'useBias',
  'kernelInitializer', 'biasInitializer', 'kernelRegularizer', 'biasRegularizer', 'activityRegularizer'];

/**
 * A 3-D convolution layer over volumes (video, medical scans): `[batch, d, h, w, c]` →
 * `[batch, od, oh, ow, filters]` (or channels first), sizes per axis as Conv2D's. The kernel is
 * `[kd, kh, kw, inChannels, filters]`.
 *
 * @example
 * ```ts
 * const conv = new tk.layers.Conv3D(8, 3, { padding: 'same', activation: 'relu' });
 * conv.apply(tk.zeros([2, 6, 16, 16, 1])).shape;   // [2, 6, 16, 16, 8]
 * conv.countParams();                               // 224 = 3·3·3·1·8 + 8
 * ```
 */
export class Conv3D extends BaseConv<[number, number, number]> {
  static override readonly className: string = 'Conv3D';

  /**
   * @param filters the number of output channels, a positive integer (or the TF.js args object)
   * @param kernelSize the window: a number or [depth, height, width]
   * @param options everything else
   */
  constructor(filters: number | Conv3DLayerArgs, kernelSize?: number | readonly number[], options: Conv3DLayerOptions = {}) {
    const split = splitFiltersAndKernel('Conv3D', filters, kernelSize, options);
    const opts = split.options;
    const who = layerWho('Conv3D', opts);
    checkOptions(who, opts, KEYS);
    const nFilters = positiveInteger(who, 'filters', split.filters);
    if (split.kernelSize === undefined) throw new Error(`${who}: kernelSize is required (a number or [depth, height, width])`);
    const kernel = tuple(who, 'kernelSize', split.kernelSize, 3) as [number, number, number];
    const strides = tuple(who, 'strides', opts.strides ?? 1, 3) as [number, number, number];
    const dilationRate = tuple(who, 'dilationRate', opts.dilationRate ?? 1, 3) as [number, number, number];
    checkStridesWithDilation(who, strides, dilationRate);
    const padding = normalizePadding(who, opts.padding ?? 'valid');
    const output = parseConvOutput(who, opts);
    super(3, { layerArgs: opts, filters: nFilters, kernelSize: kernel, strides, padding, dilationRate, ...output, ...parseConvKernel(who, opts) });
  }

  protected override kernelShape(inChannels: number): number[] {
    return [...this.kernelSize, inChannels, this.filters];
  }

  call(x: Tensor, _args: CallArgs): Tensor {
    this.computeOutputShape(x.shape);
    const y = ops.conv3d(x, this.kernel!, { strides: this.strides, padding: this.padding, dilations: this.dilationRate, dataFormat: this.dataFormat }, this.bias);
    return this.activation.apply(y);
  }

  override computeOutputShape(inputShape: SymbolicShape): SymbolicShape {
    return windowOutputShape(this.name, inputShape, this.dataFormat, this.kernelSize, this.strides, this.dilationRate, this.padding, 'kernel', () => this.filters);
  }
}

/**
 * The output shape of a 3-D window layer (Conv3D, the 3-D poolings): sizes per spatial axis as
 * Conv2D's, channels given by `channels(inputChannels)`; an output size ≤ 0 is an error naming
 * `who`, the window (`what`: 'kernel' or 'pool') and the shapes.
 *
 * @example
 * ```ts
 * volumeOutputShape('conv3d', [null, 4, 8, 8, 2], 'channels_last', [3, 3, 3], [1, 1, 1], [1, 1, 1], 'valid', 'kernel', () => 5);
 * // [null, 2, 6, 6, 5]
 * ```
 */
export function volumeOutputShape(who: string, inputShape: SymbolicShape, dataFormat: 'channels_last' | 'channels_first',
  window: readonly number[], strides: readonly number[], dilationRate: readonly number[], padding: Padding, what: string,
  channels: (inputChannels: number | null) => number | null): SymbolicShape {
  return windowOutputShape(who, inputShape, dataFormat, window, strides, dilationRate, padding, what, channels);
}
