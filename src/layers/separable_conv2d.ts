// SeparableConv2D: y = act(pointwise(depthwise(x, depthwiseKernel), pointwiseKernel) + bias)
// (keras/src/layers/convolutional/separable_conv2d.py, base_separable_conv.py). Weights, in Keras's
// order: depthwise_kernel [kh, kw, in, M], pointwise_kernel [1, 1, in·M, filters], bias [filters].
// The ops are src/ops/depthwise_conv2d.ts (separableConv2d) and src/ops/conv2d.ts (the 1×1 GEMM).

import * as ops from '../ops/index.js';
import { normalizePadding } from '../ops/conv2d.js';
import type { Padding } from '../tensor/kernels/conv_geometry.js';
import type { Tensor, Variable } from '../tensor/tensor.js';
import { serializeActivation, type Activation, type ActivationIdentifier } from './activations.js';
import { convInputChannels, finishActivation, fusedActivation, parseConvOutput, splitFiltersAndKernel, type ConvOutputOptions } from './base_conv.js';
import { dataFormatConfig, tuple } from './conv_options.js';
import { convOutputShape } from './depthwise_conv2d.js';
import type { DataFormat } from './flatten.js';
import { getInitializer, serializeInitializer, type Initializer, type InitializerIdentifier } from './initializers.js';
import { Layer, type CallArgs, type LayerConfig, type SymbolicShape } from './layer.js';
import { LAYER_ARG_KEYS, checkOptions, layerWho, positiveInteger } from './options.js';
import { regularizerOrNull, serializeRegularizer, type Regularizer, type RegularizerIdentifier } from './regularizers.js';

/** Options of {@link SeparableConv2D} (TF.js spelling). */
export interface SeparableConv2DOptions extends ConvOutputOptions {
  /** Step between windows of the depthwise step: a number or [height, width]. Default 1. */
  strides?: number | readonly number[];
  /** 'valid' (default) or 'same', in any case. */
  padding?: string;
  /** Default: `tk.backend.imageDataFormat()` ('channels_last'). */
  dataFormat?: DataFormat;
  /** Spacing between kernel taps: a number or [height, width]. Default 1. */
  dilationRate?: number | readonly number[];
  /** Depthwise filters per input channel. Default 1. */
  depthMultiplier?: number;
  /** Applied to the output; default none (linear). 'relu' is fused into the pointwise step. */
  activation?: ActivationIdentifier;
  /** Default 'glorot_uniform'. */
  depthwiseInitializer?: InitializerIdentifier;
  /** Default 'glorot_uniform'. */
  pointwiseInitializer?: InitializerIdentifier;
  /** Penalty on the depthwise kernel. */
  depthwiseRegularizer?: RegularizerIdentifier | null;
  /** Penalty on the pointwise kernel. */
  pointwiseRegularizer?: RegularizerIdentifier | null;
}

/** The TF.js form `new SeparableConv2D({ filters, kernelSize, ... })`. */
export interface SeparableConv2DArgs extends SeparableConv2DOptions {
  /** The number of output channels, a positive integer. */
  filters: number;
  /** The window: a number or [height, width]. */
  kernelSize: number | readonly number[];
}

const KEYS = [...LAYER_ARG_KEYS, 'strides', 'padding', 'dataFormat', 'dilationRate', 'depthMultiplier', 'activation', 'useBias',
  'depthwiseInitializer', 'pointwiseInitializer', 'biasInitializer', 'depthwiseRegularizer', 'pointwiseRegularizer', 'biasRegularizer', 'activityRegularizer'];

/**
 * A depthwise-separable 2-D convolution: a depthwise convolution (each input channel with its own
 * `depthMultiplier` filters, with the layer's strides, padding and dilation), then a pointwise
 * 1×1 convolution mixing the `in·depthMultiplier` channels into `filters`, then the bias and the
 * activation. Far fewer weights than a Conv2D of the same size: `kh·kw·in·M + in·M·filters`.
 *
 * @example
 * ```ts
 * const sep = new tk.layers.SeparableConv2D(32, 3, { padding: 'same', activation: 'relu' });
 * sep.apply(tk.zeros([2, 16, 16, 8])).shape;   // [2, 16, 16, 32]
 * sep.weights.map((w) => w.shape);              // [[3, 3, 8, 1], [1, 1, 8, 32], [32]]
 * ```
 */
export class SeparableConv2D extends Layer {
  static override readonly className: string = 'SeparableConv2D';

  /** The number of output channels. */
  readonly filters: number;
  /** The window of the depthwise step, [height, width]. */
  readonly kernelSize: [number, number];
  /** The step between windows, [height, width] (default [1, 1]). */
  readonly strides: [number, number];
  /** 'valid' (default) or 'same'. */
  readonly padding: Padding;
  /** Where the channels axis is: 'channels_last' (NHWC, default) or 'channels_first' (NCHW). */
  readonly dataFormat: 'channels_last' | 'channels_first';
  /** The spacing between kernel taps, [height, width] (default [1, 1]). */
  readonly dilationRate: [number, number];
  /** Depthwise filters per input channel (default 1). */
  readonly depthMultiplier: number;
  /** The activation applied to the output (linear by default; 'relu' is fused). */
  readonly activation: Activation;
  /** Whether a bias is added (default true). */
  readonly useBias: boolean;
  /** How the depthwise kernel is initialized (default 'glorot_uniform'). */
  readonly depthwiseInitializer: Initializer;
  /** How the pointwise kernel is initialized (default 'glorot_uniform'). */
  readonly pointwiseInitializer: Initializer;
  /** How the bias is initialized (default 'zeros'). */
  readonly biasInitializer: Initializer;
  /** The penalty on the depthwise kernel, or null (default). */
  readonly depthwiseRegularizer: Regularizer | null;
  /** The penalty on the pointwise kernel, or null (default). */
  readonly pointwiseRegularizer: Regularizer | null;
  /** The penalty on the bias, or null (default). */
  readonly biasRegularizer: Regularizer | null;
  /** `[kh, kw, inChannels, depthMultiplier]`, once built. */
  depthwiseKernel: Variable | null = null;
  /** `[1, 1, inChannels·depthMultiplier, filters]`, once built. */
  pointwiseKernel: Variable | null = null;
  /** `[filters]`, once built (null without bias). */
  bias: Variable | null = null;

  /**
   * @param filters the number of output channels, a positive integer (or the TF.js args object)
   * @param kernelSize the window: a number or [height, width]
   * @param options everything else
   */
  constructor(filters: number | SeparableConv2DArgs, kernelSize?: number | readonly number[], options: SeparableConv2DOptions = {}) {
    const split = splitFiltersAndKernel('SeparableConv2D', filters, kernelSize, options);
    const opts = split.options;
    const who = layerWho('SeparableConv2D', opts);
    checkOptions(who, opts, KEYS);
    const nFilters = positiveInteger(who, 'filters', split.filters);
    if (split.kernelSize === undefined) throw new Error(`${who}: kernelSize is required (a number or [height, width])`);
    const kernel = tuple(who, 'kernelSize', split.kernelSize, 2) as [number, number];
    const strides = tuple(who, 'strides', opts.strides ?? 1, 2) as [number, number];
    const dilationRate = tuple(who, 'dilationRate', opts.dilationRate ?? 1, 2) as [number, number];
    const depthMultiplier = positiveInteger(who, 'depthMultiplier', opts.depthMultiplier ?? 1);
    const padding = normalizePadding(who, opts.padding ?? 'valid');
    const output = parseConvOutput(who, opts);
    const depthwiseInitializer = getInitializer(opts.depthwiseInitializer ?? 'glorot_uniform', `${who} depthwiseInitializer`);
    const pointwiseInitializer = getInitializer(opts.pointwiseInitializer ?? 'glorot_uniform', `${who} pointwiseInitializer`);
    const depthwiseRegularizer = regularizerOrNull(opts.depthwiseRegularizer, `${who} depthwiseRegularizer`);
    const pointwiseRegularizer = regularizerOrNull(opts.pointwiseRegularizer, `${who} pointwiseRegularizer`);
    super(opts);
    this.filters = nFilters;
    this.kernelSize = kernel;
    this.strides = strides;
    this.padding = padding;
    this.dataFormat = output.dataFormat;
    this.dilationRate = dilationRate;
    this.depthMultiplier = depthMultiplier;
    this.activation = output.activation;
    this.useBias = output.useBias;
    this.depthwiseInitializer = depthwiseInitializer;
    this.pointwiseInitializer = pointwiseInitializer;
    this.biasInitializer = output.biasInitializer;
    this.depthwiseRegularizer = depthwiseRegularizer;
    this.pointwiseRegularizer = pointwiseRegularizer;
    this.biasRegularizer = output.biasRegularizer;
    this.activityRegularizer = output.activityRegularizer;
    this.inputSpec = { ndim: 4 };
  }

  override build(inputShape: SymbolicShape): void {
    const inC = convInputChannels(this.name, inputShape, 2, this.dataFormat);
    this.computeOutputShape(inputShape);
    const [kh, kw] = this.kernelSize;
    const M = this.depthMultiplier;
    this.depthwiseKernel = this.addWeight('depthwise_kernel', [kh, kw, inC, M], this.depthwiseInitializer, { regularizer: this.depthwiseRegularizer });
    this.pointwiseKernel = this.addWeight('pointwise_kernel', [1, 1, inC * M, this.filters], this.pointwiseInitializer, { regularizer: this.pointwiseRegularizer });
    if (this.useBias) this.bias = this.addWeight('bias', [this.filters], this.biasInitializer, { regularizer: this.biasRegularizer });
    this.inputSpec = { ndim: 4, axes: { [this.dataFormat === 'channels_first' ? 1 : 3]: inC } };
    super.build(inputShape);
  }

  call(x: Tensor, _args: CallArgs): Tensor {
    this.computeOutputShape(x.shape);
    const depthwise = ops.depthwiseConv2d(x, this.depthwiseKernel!, { strides: this.strides, padding: this.padding, dilations: this.dilationRate, dataFormat: this.dataFormat });
    // The pointwise step is one GEMM (a 1×1 conv2d), with the bias and a relu fused into it.
    const fused = fusedActivation(this.activation);
    const y = ops.conv2d(depthwise, this.pointwiseKernel!, { dataFormat: this.dataFormat }, this.bias, fused);
    return finishActivation(y, fused, this.activation);
  }

  override computeOutputShape(inputShape: SymbolicShape): SymbolicShape {
    return convOutputShape(this.name, inputShape, this.dataFormat, this.kernelSize, this.strides, this.dilationRate, this.padding, () => this.filters);
  }

  override getConfig(): LayerConfig {
    return {
      ...super.getConfig(),
      filters: this.filters,
      kernelSize: this.kernelSize.slice(),
      strides: this.strides.slice(),
      padding: this.padding,
      dataFormat: dataFormatConfig(this.dataFormat),
      dilationRate: this.dilationRate.slice(),
      depthMultiplier: this.depthMultiplier,
      activation: serializeActivation(this.activation),
      useBias: this.useBias,
      depthwiseInitializer: serializeInitializer(this.depthwiseInitializer),
      pointwiseInitializer: serializeInitializer(this.pointwiseInitializer),
      biasInitializer: serializeInitializer(this.biasInitializer),
      depthwiseRegularizer: serializeRegularizer(this.depthwiseRegularizer),
      pointwiseRegularizer: serializeRegularizer(this.pointwiseRegularizer),
      biasRegularizer: serializeRegularizer(this.biasRegularizer),
      activityRegularizer: serializeRegularizer(this.activityRegularizer),
    };
  }
}
