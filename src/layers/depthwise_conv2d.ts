// DepthwiseConv2D: y = act(depthwise(x, kernel) + bias) (keras/src/layers/convolutional/
// depthwise_conv2d.py, base_depthwise_conv.py). Kernel [kh, kw, inChannels, depthMultiplier] named
// 'kernel' (Keras 3; TF.js and tf.keras 2 call it 'depthwise_kernel', which the TF.js-format files
// use, see src/models/io/topology.ts) and bias [inChannels·depthMultiplier]. The op, forward and
// backward, is src/ops/depthwise_conv2d.ts.

import * as ops from '../ops/index.js';
import { normalizePadding } from '../ops/conv2d.js';
import type { Padding } from '../tensor/kernels/conv_geometry.js';
import type { Tensor, Variable } from '../tensor/tensor.js';
import { serializeActivation, type Activation, type ActivationIdentifier } from './activations.js';
import { convInputChannels, parseConvOutput, windowOutputShape, type ConvOutputOptions } from './base_conv.js';
import { dataFormatConfig, positionalOrArgs, tuple } from './conv_options.js';
import { setFileWeightName } from './file_names.js';
import type { DataFormat } from './flatten.js';
import { getInitializer, serializeInitializer, type Initializer, type InitializerIdentifier } from './initializers.js';
import { Layer, type CallArgs, type LayerConfig, type SymbolicShape } from './layer.js';
import { LAYER_ARG_KEYS, checkOptions, layerWho, positiveInteger } from './options.js';
import { regularizerOrNull, serializeRegularizer, type Regularizer, type RegularizerIdentifier } from './regularizers.js';

/** Options of {@link DepthwiseConv2D} (TF.js spelling). */
export interface DepthwiseConv2DOptions extends ConvOutputOptions {
  /** Filters per input channel: the output has inChannels·depthMultiplier channels. Default 1. */
  depthMultiplier?: number;
  /** Step between windows: a number or [height, width]. Default 1. */
  strides?: number | readonly number[];
  /** 'valid' (default) or 'same', in any case. */
  padding?: string;
  /** Default: `tk.backend.imageDataFormat()` ('channels_last'). */
  dataFormat?: DataFormat;
  /** Spacing between kernel taps: a number or [height, width]. Default 1. */
  dilationRate?: number | readonly number[];
  /** Applied to the output; default none (linear). */
  activation?: ActivationIdentifier;
  /** Default 'glorot_uniform' (Keras 3; TF.js uses glorotNormal). */
  depthwiseInitializer?: InitializerIdentifier;
  /** Penalty on the kernel, added to the loss. */
  depthwiseRegularizer?: RegularizerIdentifier | null;
}

/** The TF.js form `new DepthwiseConv2D({ kernelSize, depthMultiplier, ... })`. */
export interface DepthwiseConv2DArgs extends DepthwiseConv2DOptions {
  /** The window: a number or [height, width]. */
  kernelSize: number | readonly number[];
}

const KEYS = [...LAYER_ARG_KEYS, 'depthMultiplier', 'strides', 'padding', 'dataFormat', 'dilationRate', 'activation', 'useBias',
  'depthwiseInitializer', 'biasInitializer', 'depthwiseRegularizer', 'biasRegularizer', 'activityRegularizer'];

/**
 * A depthwise 2-D convolution layer: every input channel is convolved with its own
 * `depthMultiplier` filters, channels never mix (the first half of a MobileNet block).
 * `[batch, h, w, c]` → `[batch, oh, ow, c·depthMultiplier]`, output channel `c·M + m` being
 * channel c under filter m; sizes as Conv2D ('valid' `floor((n − d·(k−1) − 1)/s) + 1`, 'same' `ceil(n/s)`).
 *
 * @example
 * ```ts
 * const dw = new tk.layers.DepthwiseConv2D(3, { depthMultiplier: 2, padding: 'same' });
 * dw.apply(tk.zeros([4, 16, 16, 8])).shape;   // [4, 16, 16, 16]
 * dw.weights.map((w) => [w.name, w.shape]);   // [['depthwise_conv2d/kernel', [3, 3, 8, 2]], ['depthwise_conv2d/bias', [16]]]
 * new tk.layers.DepthwiseConv2D({ kernelSize: [3, 3], strides: 2 });   // TF.js form
 * ```
 */
export class DepthwiseConv2D extends Layer {
  static override readonly className: string = 'DepthwiseConv2D';

  /** The window, [height, width]. */
  readonly kernelSize: [number, number];
  /** Filters per input channel (default 1). */
  readonly depthMultiplier: number;
  /** The step between windows, [height, width] (default [1, 1]). */
  readonly strides: [number, number];
  /** 'valid' (default) or 'same'. */
  readonly padding: Padding;
  /** Where the channels axis is: 'channels_last' (NHWC, default) or 'channels_first' (NCHW). */
  readonly dataFormat: 'channels_last' | 'channels_first';
  /** The spacing between kernel taps, [height, width] (default [1, 1]). */
  readonly dilationRate: [number, number];
  /** The activation applied to the output (linear by default). */
  readonly activation: Activation;
  /** Whether a bias is added (default true). */
  readonly useBias: boolean;
  /** How the kernel is initialized in `build` (default 'glorot_uniform'). */
  readonly depthwiseInitializer: Initializer;
  /** How the bias is initialized in `build` (default 'zeros'). */
  readonly biasInitializer: Initializer;
  /** The penalty on the kernel added to the loss, or null (default). */
  readonly depthwiseRegularizer: Regularizer | null;
  /** The penalty on the bias added to the loss, or null (default). */
  readonly biasRegularizer: Regularizer | null;
  /** The kernel, `[kh, kw, inChannels, depthMultiplier]`, once built. */
  kernel: Variable | null = null;
  /** The bias, `[inChannels·depthMultiplier]`, once built (null without bias). */
  bias: Variable | null = null;

  /**
   * @param kernelSize the window: a number or [height, width] (or the TF.js args object)
   * @param options everything else
   */
  constructor(kernelSize: number | readonly number[] | DepthwiseConv2DArgs, options?: DepthwiseConv2DOptions) {
    const split = positionalOrArgs((o: DepthwiseConv2DOptions) => layerWho('DepthwiseConv2D', o), 'kernelSize', kernelSize, options);
    const opts = split.options;
    const who = layerWho('DepthwiseConv2D', opts);
    checkOptions(who, opts, KEYS);
    if (split.value === undefined) throw new Error(`${who}: kernelSize is required (a number or [height, width])`);
    const kernel = tuple(who, 'kernelSize', split.value, 2) as [number, number];
    const depthMultiplier = positiveInteger(who, 'depthMultiplier', opts.depthMultiplier ?? 1);
    const strides = tuple(who, 'strides', opts.strides ?? 1, 2) as [number, number];
    const dilationRate = tuple(who, 'dilationRate', opts.dilationRate ?? 1, 2) as [number, number];
    const padding = normalizePadding(who, opts.padding ?? 'valid');
    const output = parseConvOutput(who, opts);
    const depthwiseInitializer = getInitializer(opts.depthwiseInitializer ?? 'glorot_uniform', `${who} depthwiseInitializer`);
    const depthwiseRegularizer = regularizerOrNull(opts.depthwiseRegularizer, `${who} depthwiseRegularizer`);
    super(opts);
    this.kernelSize = kernel;
    this.depthMultiplier = depthMultiplier;
    this.strides = strides;
    this.padding = padding;
    this.dataFormat = output.dataFormat;
    this.dilationRate = dilationRate;
    this.activation = output.activation;
    this.useBias = output.useBias;
    this.depthwiseInitializer = depthwiseInitializer;
    this.biasInitializer = output.biasInitializer;
    this.depthwiseRegularizer = depthwiseRegularizer;
    this.biasRegularizer = output.biasRegularizer;
    this.activityRegularizer = output.activityRegularizer;
    this.inputSpec = { ndim: 4 };
  }

  override build(inputShape: SymbolicShape): void {
    const inC = convInputChannels(this.name, inputShape, 2, this.dataFormat);
    this.computeOutputShape(inputShape); // throws a clear error for an output size ≤ 0
    const [kh, kw] = this.kernelSize;
    this.kernel = this.addWeight('kernel', [kh, kw, inC, this.depthMultiplier], this.depthwiseInitializer, { regularizer: this.depthwiseRegularizer });
    setFileWeightName(this.kernel, 'depthwise_kernel'); // TF.js's name in model files (file_names.ts)
    if (this.useBias) this.bias = this.addWeight('bias', [inC * this.depthMultiplier], this.biasInitializer, { regularizer: this.biasRegularizer });
    this.inputSpec = { ndim: 4, axes: { [this.dataFormat === 'channels_first' ? 1 : 3]: inC } };
    super.build(inputShape);
  }

  call(x: Tensor, _args: CallArgs): Tensor {
    this.computeOutputShape(x.shape); // the layer's own error for a too-small input
    const y = ops.depthwiseConv2d(x, this.kernel!, { strides: this.strides, padding: this.padding, dilations: this.dilationRate, dataFormat: this.dataFormat }, this.bias);
    return this.activation.apply(y);
  }

  override computeOutputShape(inputShape: SymbolicShape): SymbolicShape {
    return convOutputShape(this.name, inputShape, this.dataFormat, this.kernelSize, this.strides, this.dilationRate, this.padding,
      (c) => (c === null ? null : c * this.depthMultiplier));
  }

  override getConfig(): LayerConfig {
    return {
      ...super.getConfig(),
      kernelSize: this.kernelSize.slice(),
      depthMultiplier: this.depthMultiplier,
      strides: this.strides.slice(),
      padding: this.padding,
      dataFormat: dataFormatConfig(this.dataFormat),
      dilationRate: this.dilationRate.slice(),
      activation: serializeActivation(this.activation),
      useBias: this.useBias,
      depthwiseInitializer: serializeInitializer(this.depthwiseInitializer),
      biasInitializer: serializeInitializer(this.biasInitializer),
      depthwiseRegularizer: serializeRegularizer(this.depthwiseRegularizer),
      biasRegularizer: serializeRegularizer(this.biasRegularizer),
      activityRegularizer: serializeRegularizer(this.activityRegularizer),
    };
  }
}

/**
 * The output shape of a 2-D window layer (Conv2D's sizes per spatial axis), the channel count
 * given by `channels(inputChannels)`; an output size ≤ 0 is an error naming `who` and the shapes.
 *
 * @example
 * ```ts
 * convOutputShape('dw', [null, 8, 8, 3], 'channels_last', [3, 3], [1, 1], [1, 1], 'valid', (c) => c);   // [null, 6, 6, 3]
 * ```
 */
export function convOutputShape(who: string, inputShape: SymbolicShape, dataFormat: 'channels_last' | 'channels_first',
  kernelSize: readonly number[], strides: readonly number[], dilationRate: readonly number[], padding: Padding,
  channels: (inputChannels: number | null) => number | null): SymbolicShape {
  return windowOutputShape(who, inputShape, dataFormat, kernelSize, strides, dilationRate, padding, 'kernel', channels);
}
