// Conv2DTranspose: y = act(convᵀ(x, kernel) + bias) (keras/src/layers/convolutional/
// conv2d_transpose.py, base_conv_transpose.py). Kernel [kh, kw, filters, inChannels] — filters
// BEFORE the input channels, the layout of the convolution it transposes — and bias [filters], as
// Keras and TF.js store them. The op, forward and backward, is src/ops/conv2d_transpose.ts.

import * as ops from '../ops/index.js';
import { normalizePadding } from '../ops/conv2d.js';
import { conv2dTransposeLength, normalizeOutputPadding } from '../ops/conv2d_transpose.js';
import type { Tensor } from '../tensor/tensor.js';
import type { ActivationIdentifier } from './activations.js';
import { BaseConv, parseConvKernel, parseConvOutput, splitFiltersAndKernel, type ConvKernelOptions } from './base_conv.js';
import { checkStridesWithDilation, tuple } from './conv_options.js';
import type { DataFormat } from './flatten.js';
import type { CallArgs, LayerConfig, SymbolicShape } from './layer.js';
import { LAYER_ARG_KEYS, checkOptions, layerWho, positiveInteger } from './options.js';

/** Options of {@link Conv2DTranspose} (TF.js spelling). */
export interface Conv2DTransposeLayerOptions extends ConvKernelOptions {
  /** Step of the windows in the output: a number or [height, width]. Default 1. */
  strides?: number | readonly number[];
  /** 'valid' (default: output (n−1)·s + max(k, s)) or 'same' (output n·s), in any case. */
  padding?: string;
  /**
   * Extra rows/columns at the bottom/right of the output: a number or [height, width], each less
   * than its stride; default null (Keras's sizes above). Keras `output_padding`; TF.js has none.
   */
  outputPadding?: number | readonly number[] | null;
  /** Default: `tk.backend.imageDataFormat()` ('channels_last'). */
  dataFormat?: DataFormat;
  /** Spacing between kernel taps: a number or [height, width]. Default 1; > 1 needs strides 1. */
  dilationRate?: number | readonly number[];
  /** Applied to the output; default none (linear). */
  activation?: ActivationIdentifier;
}

/** The TF.js form `new Conv2DTranspose({ filters, kernelSize, ... })`. */
export interface Conv2DTransposeLayerArgs extends Conv2DTransposeLayerOptions {
  /** The number of output channels, a positive integer. */
  filters: number;
  /** The window: a number or [height, width]. */
  kernelSize: number | readonly number[];
}

const KEYS = [...LAYER_ARG_KEYS, 'strides', 'padding', 'outputPadding', 'dataFormat', 'dilationRate', 'activation', 'useBias',
  'kernelInitializer', 'biasInitializer', 'kernelRegularizer', 'biasRegularizer', 'activityRegularizer'];

/**
 * A transposed 2-D convolution layer (often called deconvolution): the adjoint of a Conv2D with
 * the same kernel, strides, padding and dilation, used to upsample (autoencoders' and U-Nets'
 * decoders). `[batch, h, w, c]` → `[batch, oh, ow, filters]` with, per spatial axis and
 * `kEff = d·(k − 1) + 1`: 'valid' `(n − 1)·s + max(kEff, s)`, 'same' `n·s`; with `outputPadding`
 * p: 'valid' `(n − 1)·s + kEff + p`, 'same' `(n − 1)·s + (kEff mod 2) + p` (Keras 3).
 *
 * The kernel is `[kh, kw, filters, inChannels]` (filters first, unlike Conv2D), so the weights of
 * Keras and TF.js load unchanged.
 *
 * @example
 * ```ts
 * const up = new tk.layers.Conv2DTranspose(16, 3, { strides: 2, padding: 'same', activation: 'relu' });
 * up.apply(tk.zeros([8, 7, 7, 32])).shape;                     // [8, 14, 14, 16]
 * up.weights.map((w) => w.shape);                               // [[3, 3, 16, 32], [16]]
 * new tk.layers.Conv2DTranspose({ filters: 1, kernelSize: 3, strides: 2 });   // TF.js form: 7 → 15 ('valid')
 * ```
 */
export class Conv2DTranspose extends BaseConv<[number, number]> {
  static override readonly className: string = 'Conv2DTranspose';

  /** Extra output rows/columns at the bottom/right, [height, width], or null (default). */
  readonly outputPadding: [number, number] | null;

  /**
   * @param filters the number of output channels, a positive integer (or the TF.js args object)
   * @param kernelSize the window: a number or [height, width]
   * @param options everything else
   */
  constructor(filters: number | Conv2DTransposeLayerArgs, kernelSize?: number | readonly number[], options: Conv2DTransposeLayerOptions = {}) {
    const split = splitFiltersAndKernel('Conv2DTranspose', filters, kernelSize, options);
    const opts = split.options;
    const who = layerWho('Conv2DTranspose', opts);
    checkOptions(who, opts, KEYS);
    const nFilters = positiveInteger(who, 'filters', split.filters);
    if (split.kernelSize === undefined) throw new Error(`${who}: kernelSize is required (a number or [height, width])`);
    const kernel = tuple(who, 'kernelSize', split.kernelSize, 2) as [number, number];
    const strides = tuple(who, 'strides', opts.strides ?? 1, 2) as [number, number];
    const dilationRate = tuple(who, 'dilationRate', opts.dilationRate ?? 1, 2) as [number, number];
    checkStridesWithDilation(who, strides, dilationRate);
    const outputPadding = normalizeOutputPadding(who, opts.outputPadding, strides);
    const padding = normalizePadding(who, opts.padding ?? 'valid');
    const output = parseConvOutput(who, opts);
    super(2, { layerArgs: opts, filters: nFilters, kernelSize: kernel, strides, padding, dilationRate, ...output, ...parseConvKernel(who, opts) });
    this.outputPadding = outputPadding;
  }

  /** Filters before the input channels: the layout of the convolution this one transposes. */
  protected override kernelShape(inChannels: number): number[] {
    return [...this.kernelSize, this.filters, inChannels];
  }

  call(x: Tensor, _args: CallArgs): Tensor {
    const y = ops.conv2dTranspose(x, this.kernel!, {
      strides: this.strides, padding: this.padding, outputPadding: this.outputPadding, dilations: this.dilationRate, dataFormat: this.dataFormat,
    }, this.bias);
    return this.activation.apply(y);
  }

  override computeOutputShape(inputShape: SymbolicShape): SymbolicShape {
    const [hAxis, wAxis] = this.dataFormat === 'channels_first' ? [2, 3] : [1, 2];
    const out = [hAxis, wAxis].map((axis, i) => conv2dTransposeLength(inputShape[axis] ?? null, this.kernelSize[i]!, this.strides[i]!,
      this.dilationRate[i]!, this.padding, this.outputPadding?.[i] ?? null));
    const batch = inputShape[0] ?? null;
    return this.dataFormat === 'channels_first' ? [batch, this.filters, out[0]!, out[1]!] : [batch, out[0]!, out[1]!, this.filters];
  }

  protected override paddingConfig(): LayerConfig {
    return { padding: this.padding, outputPadding: this.outputPadding === null ? null : this.outputPadding.slice() };
  }
}
