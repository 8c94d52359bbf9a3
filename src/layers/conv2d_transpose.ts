// Conv2DTranspose: y = act(convᵀ(x, kernel) + bias) (keras/src/layers/convolutional/
// conv2d_transpose.py, base_conv_transpose.py). Kernel [kh, kw, filters, inChannels] — filters
// BEFORE the input channels, the layout of the convolution it transposes — and bias [filters], as
// Keras and TF.js store them. The op, forward and backward, is src/ops/conv2d_transpose.ts.

import * as ops from '../ops/index.js';
import { normalizePadding } from '../ops/conv2d.js';
import { conv2dTransposeLength, normalizeOutputPadding } from '../ops/conv2d_transpose.js';
import type { Padding } from '../tensor/kernels/conv_geometry.js';
import type { Tensor, Variable } from '../tensor/tensor.js';
import { getActivation, serializeActivation, type Activation, type ActivationIdentifier } from './activations.js';
import { checkStridesWithDilation, dataFormatConfig, tuple } from './conv_options.js';
import { normalizeDataFormat, type DataFormat } from './flatten.js';
import { getInitializer, serializeInitializer, type Initializer, type InitializerIdentifier } from './initializers.js';
import { Layer, formatSymbolicShape, type CallArgs, type LayerArgs, type LayerConfig, type SymbolicShape } from './layer.js';
import { LAYER_ARG_KEYS, boolean, checkOptions, layerWho, positiveInteger, withWho } from './options.js';
import { regularizerOrNull, serializeRegularizer, type Regularizer, type RegularizerIdentifier } from './regularizers.js';

/** Options of {@link Conv2DTranspose} (TF.js spelling). */
export interface Conv2DTransposeLayerOptions extends LayerArgs {
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
  /** Whether to add a bias (default true). */
  useBias?: boolean;
  /** Default 'glorot_uniform' (Keras 3; TF.js uses glorotNormal). */
  kernelInitializer?: InitializerIdentifier;
  /** Default 'zeros'. */
  biasInitializer?: InitializerIdentifier;
  /** Penalty on the kernel, added to the loss. */
  kernelRegularizer?: RegularizerIdentifier | null;
  /** Penalty on the bias. */
  biasRegularizer?: RegularizerIdentifier | null;
  /** Penalty on the output, divided by the batch size. */
  activityRegularizer?: RegularizerIdentifier | null;
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
export class Conv2DTranspose extends Layer {
  static override readonly className: string = 'Conv2DTranspose';

  /** The number of output channels. */
  readonly filters: number;
  /** The window, [height, width]. */
  readonly kernelSize: [number, number];
  /** The step of the windows in the output, [height, width] (default [1, 1]). */
  readonly strides: [number, number];
  /** 'valid' (default) or 'same'. */
  readonly padding: Padding;
  /** Extra output rows/columns at the bottom/right, [height, width], or null (default). */
  readonly outputPadding: [number, number] | null;
  /** Where the channels axis is: 'channels_last' (NHWC, default) or 'channels_first' (NCHW). */
  readonly dataFormat: 'channels_last' | 'channels_first';
  /** The spacing between kernel taps, [height, width] (default [1, 1]). */
  readonly dilationRate: [number, number];
  /** The activation applied to the output (linear by default). */
  readonly activation: Activation;
  /** Whether a bias is added (default true). */
  readonly useBias: boolean;
  /** How the kernel is initialized in `build` (default 'glorot_uniform'). */
  readonly kernelInitializer: Initializer;
  /** How the bias is initialized in `build` (default 'zeros'). */
  readonly biasInitializer: Initializer;
  /** The penalty on the kernel added to the loss, or null (default). */
  readonly kernelRegularizer: Regularizer | null;
  /** The penalty on the bias added to the loss, or null (default). */
  readonly biasRegularizer: Regularizer | null;
  /** The kernel, `[kh, kw, filters, inChannels]`, once built. */
  kernel: Variable | null = null;
  /** The bias, `[filters]`, once built (null without bias). */
  bias: Variable | null = null;

  /**
   * @param filters the number of output channels, a positive integer (or the TF.js args object)
   * @param kernelSize the window: a number or [height, width]
   * @param options everything else
   */
  constructor(filters: number | Conv2DTransposeLayerArgs, kernelSize?: number | readonly number[], options: Conv2DTransposeLayerOptions = {}) {
    let opts: Conv2DTransposeLayerOptions = options;
    let count: unknown = filters;
    let size: unknown = kernelSize;
    if (filters !== null && typeof filters === 'object') {
      const { filters: f, kernelSize: k, ...rest } = filters;
      if (kernelSize !== undefined) throw new Error(`${layerWho('Conv2DTranspose', filters)}: give kernelSize in the args object or positionally, not both`);
      opts = rest;
      count = f;
      size = k;
    }
    const who = layerWho('Conv2DTranspose', opts);
    checkOptions(who, opts, KEYS);
    const nFilters = positiveInteger(who, 'filters', count);
    if (size === undefined) throw new Error(`${who}: kernelSize is required (a number or [height, width])`);
    const kernel = tuple(who, 'kernelSize', size, 2) as [number, number];
    const strides = tuple(who, 'strides', opts.strides ?? 1, 2) as [number, number];
    const dilationRate = tuple(who, 'dilationRate', opts.dilationRate ?? 1, 2) as [number, number];
    checkStridesWithDilation(who, strides, dilationRate);
    const outputPadding = normalizeOutputPadding(who, opts.outputPadding, strides);
    const padding = normalizePadding(who, opts.padding ?? 'valid');
    const dataFormat = normalizeDataFormat(who, opts.dataFormat);
    const activation = withWho(who, () => getActivation(opts.activation));
    const useBias = boolean(who, 'useBias', opts.useBias ?? true);
    const kernelInitializer = getInitializer(opts.kernelInitializer ?? 'glorot_uniform', `${who} kernelInitializer`);
    const biasInitializer = getInitializer(opts.biasInitializer ?? 'zeros', `${who} biasInitializer`);
    const kernelRegularizer = regularizerOrNull(opts.kernelRegularizer, `${who} kernelRegularizer`);
    const biasRegularizer = regularizerOrNull(opts.biasRegularizer, `${who} biasRegularizer`);
    const activityRegularizer = regularizerOrNull(opts.activityRegularizer, `${who} activityRegularizer`);
    super(opts);
    this.filters = nFilters;
    this.kernelSize = kernel;
    this.strides = strides;
    this.padding = padding;
    this.outputPadding = outputPadding;
    this.dataFormat = dataFormat;
    this.dilationRate = dilationRate;
    this.activation = activation;
    this.useBias = useBias;
    this.kernelInitializer = kernelInitializer;
    this.biasInitializer = biasInitializer;
    this.kernelRegularizer = kernelRegularizer;
    this.biasRegularizer = biasRegularizer;
    this.activityRegularizer = activityRegularizer;
    this.inputSpec = { ndim: 4 };
  }

  private get channelAxis(): number {
    return this.dataFormat === 'channels_first' ? 1 : 3;
  }

  override build(inputShape: SymbolicShape): void {
    const inC = inputShape[this.channelAxis];
    if (inputShape.length !== 4 || inC === null || inC === undefined) {
      throw new Error(`${this.name}: expected a rank-4 input ${this.dataFormat === 'channels_first' ? '(batch, channels, height, width)' : '(batch, height, width, channels)'} with a known channel dimension, got ${formatSymbolicShape(inputShape)}`);
    }
    const [kh, kw] = this.kernelSize;
    this.kernel = this.addWeight('kernel', [kh, kw, this.filters, inC], this.kernelInitializer, { regularizer: this.kernelRegularizer });
    if (this.useBias) this.bias = this.addWeight('bias', [this.filters], this.biasInitializer, { regularizer: this.biasRegularizer });
    this.inputSpec = { ndim: 4, axes: { [this.channelAxis]: inC } };
    super.build(inputShape);
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

  override getConfig(): LayerConfig {
    return {
      ...super.getConfig(),
      filters: this.filters,
      kernelSize: this.kernelSize.slice(),
      strides: this.strides.slice(),
      padding: this.padding,
      outputPadding: this.outputPadding === null ? null : this.outputPadding.slice(),
      dataFormat: dataFormatConfig(this.dataFormat),
      dilationRate: this.dilationRate.slice(),
      activation: serializeActivation(this.activation),
      useBias: this.useBias,
      kernelInitializer: serializeInitializer(this.kernelInitializer),
      biasInitializer: serializeInitializer(this.biasInitializer),
      kernelRegularizer: serializeRegularizer(this.kernelRegularizer),
      biasRegularizer: serializeRegularizer(this.biasRegularizer),
      activityRegularizer: serializeRegularizer(this.activityRegularizer),
    };
  }
}
