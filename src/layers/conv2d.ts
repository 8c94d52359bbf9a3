// Conv2D: y = act(conv(x, kernel) + bias) (keras/src/layers/convolutional/base_conv.py, conv2d.py).
// Kernel [kh, kw, inChannels, filters] and bias [filters], as Keras and TF.js store them, for both
// data formats. The convolution itself, forward and backward, is src/ops/conv2d.ts.

import * as ops from '../ops/index.js';
import { normalizePadding, pair } from '../ops/conv2d.js';
import type { Tensor } from '../tensor/tensor.js';
import type { ActivationIdentifier } from './activations.js';
import { BaseConv, finishActivation, fusedActivation, parseConvKernel, parseConvOutput, splitFiltersAndKernel, windowOutputShape, type ConvKernelOptions } from './base_conv.js';
import { checkStridesWithDilation } from './conv_options.js';
import type { DataFormat } from './flatten.js';
import type { CallArgs, SymbolicShape } from './layer.js';
import { LAYER_ARG_KEYS, checkOptions, layerWho, positiveInteger } from './options.js';

/** Options of {@link Conv2D} (TF.js spelling). */
export interface Conv2DLayerOptions extends ConvKernelOptions {
  /** Step between windows: a number or [height, width]. Default 1. */
  strides?: number | readonly number[];
  /** 'valid' (default) or 'same', in any case ('SAME' works: Keras lower-cases it). */
  padding?: string;
  /** Default: `tk.backend.imageDataFormat()` ('channels_last'). Also TF.js 'channelsLast'/'channelsFirst'. */
  dataFormat?: DataFormat;
  /** Spacing between kernel taps: a number or [height, width]. Default 1; > 1 needs strides 1. */
  dilationRate?: number | readonly number[];
  /** Applied to the output; default none (linear). 'relu' is fused into the convolution. */
  activation?: ActivationIdentifier;
}

/** The TF.js form `new Conv2D({ filters, kernelSize, ... })`. */
export interface Conv2DLayerArgs extends Conv2DLayerOptions {
  /** The number of output channels, a positive integer. */
  filters: number;
  /** The window: a number or [height, width]. */
  kernelSize: number | readonly number[];
}

const CONV_KEYS = [...LAYER_ARG_KEYS, 'strides', 'padding', 'dataFormat', 'dilationRate', 'activation', 'useBias',
  'kernelInitializer', 'biasInitializer', 'kernelRegularizer', 'biasRegularizer', 'activityRegularizer'];

/**
 * A 2-D convolution layer: `activation(conv(x, kernel) + bias)` over images `[batch, h, w, c]`
 * (or `[batch, c, h, w]` with `dataFormat: 'channels_first'`), producing `filters` channels.
 * Output size per spatial axis: 'valid' `floor((n − d·(k−1) − 1)/s) + 1`, 'same' `ceil(n/s)`
 * with TensorFlow's padding split (the odd pixel at the bottom/right). The kernel is
 * `[kh, kw, inChannels, filters]`.
 *
 * @example
 * ```ts
 * const conv = new tk.layers.Conv2D(32, 3, { activation: 'relu', inputShape: [28, 28, 1] });
 * conv.apply(tk.zeros([8, 28, 28, 1])).shape;   // [8, 26, 26, 32]
 * conv.countParams();                            // 320 = 3·3·1·32 + 32
 * new tk.layers.Conv2D({ filters: 8, kernelSize: [3, 2], padding: 'SAME' });   // TF.js form
 * ```
 */
export class Conv2D extends BaseConv<[number, number]> {
  static override readonly className: string = 'Conv2D';

  /**
   * @param filters the number of output channels, a positive integer (or the TF.js args object)
   * @param kernelSize the window: a number or [height, width]
   * @param options everything else
   */
  constructor(filters: number | Conv2DLayerArgs, kernelSize?: number | readonly number[], options: Conv2DLayerOptions = {}) {
    const split = splitFiltersAndKernel('Conv2D', filters, kernelSize, options);
    const opts = split.options;
    // Everything is resolved before the base constructor takes an automatic name, so a bad
    // argument uses up no name.
    const who = layerWho('Conv2D', opts);
    checkOptions(who, opts, CONV_KEYS);
    const nFilters = positiveInteger(who, 'filters', split.filters);
    if (split.kernelSize === undefined) throw new Error(`${who}: kernelSize is required (a number or [height, width])`);
    const kernel = pair(who, 'kernelSize', split.kernelSize);
    const strides = pair(who, 'strides', opts.strides ?? 1);
    const dilationRate = pair(who, 'dilationRate', opts.dilationRate ?? 1);
    checkStridesWithDilation(who, strides, dilationRate);
    const padding = normalizePadding(who, opts.padding ?? 'valid');
    const output = parseConvOutput(who, opts);
    super(2, { layerArgs: opts, filters: nFilters, kernelSize: kernel, strides, padding, dilationRate, ...output, ...parseConvKernel(who, opts) });
  }

  protected override kernelShape(inChannels: number): number[] {
    return [...this.kernelSize, inChannels, this.filters];
  }

  call(x: Tensor, _args: CallArgs): Tensor {
    this.computeOutputShape(x.shape); // the layer's own error for a too-small input
    const fused = fusedActivation(this.activation);
    const y = ops.conv2d(x, this.kernel!, {
      strides: this.strides, padding: this.padding, dilations: this.dilationRate, dataFormat: this.dataFormat,
    }, this.bias, fused);
    return finishActivation(y, fused, this.activation);
  }

  override computeOutputShape(inputShape: SymbolicShape): SymbolicShape {
    return windowOutputShape(this.name, inputShape, this.dataFormat, this.kernelSize, this.strides, this.dilationRate, this.padding, 'kernel', () => this.filters);
  }
}

export { windowOutputLength } from './base_conv.js';
