// What the convolution layers share, folded as Keras folds them (keras/src/layers/convolutional/
// base_conv.py: one BaseConv parameterised by the rank). BaseConv holds the options, fields,
// build of kernel and bias, and config of Conv1D, Conv2D, Conv3D and Conv2DTranspose, whose
// weights are 'kernel' then 'bias'; each concrete layer keeps its kernel shape, the op it calls,
// its output size and its extra options. DepthwiseConv2D and SeparableConv2D name their kernels
// differently (Keras has base_depthwise_conv.py and base_separable_conv.py for them) and take the
// smaller pieces below: the two constructor forms, the output-side options, the input check and
// the fused relu.

import type { Padding } from '../tensor/kernels/conv_geometry.js';
import type { Tensor, Variable } from '../tensor/tensor.js';
import { getActivation, serializeActivation, type Activation, type ActivationIdentifier } from './activations.js';
import { dataFormatConfig } from './conv_options.js';
import { normalizeDataFormat, type DataFormat } from './flatten.js';
import { getInitializer, serializeInitializer, type Initializer, type InitializerIdentifier } from './initializers.js';
import { Layer, formatSymbolicShape, type LayerArgs, type LayerConfig, type SymbolicShape } from './layer.js';
import { boolean, layerWho, withWho } from './options.js';
import { regularizerOrNull, serializeRegularizer, type Regularizer, type RegularizerIdentifier } from './regularizers.js';

/** The options about the bias, the activation and the data format, common to every convolution layer (TF.js spelling). */
export interface ConvOutputOptions extends LayerArgs {
  /** Whether to add a bias (default true). */
  useBias?: boolean;
  /** Default 'zeros'. */
  biasInitializer?: InitializerIdentifier;
  /** Penalty on the bias. */
  biasRegularizer?: RegularizerIdentifier | null;
  /** Penalty on the output, divided by the batch size. */
  activityRegularizer?: RegularizerIdentifier | null;
}

/** The options about the one kernel of Conv1D, Conv2D, Conv3D and Conv2DTranspose (TF.js spelling). */
export interface ConvKernelOptions extends ConvOutputOptions {
  /** Default 'glorot_uniform' (Keras 3; TF.js uses glorotNormal). */
  kernelInitializer?: InitializerIdentifier;
  /** Penalty on the kernel, added to the loss. */
  kernelRegularizer?: RegularizerIdentifier | null;
}

/**
 * Splits the two constructor forms `new X(filters, kernelSize, options)` and the TF.js args
 * object `new X({ filters, kernelSize, ...options })`; giving kernelSize both ways is an error.
 *
 * @example
 * ```ts
 * splitFiltersAndKernel('Conv2D', { filters: 8, kernelSize: 3, padding: 'same' }, undefined, {});
 * // { options: { padding: 'same' }, filters: 8, kernelSize: 3 }
 * ```
 */
export function splitFiltersAndKernel<O extends LayerArgs>(className: string, filters: number | (O & { filters: number; kernelSize: unknown }),
  kernelSize: unknown, options: O): { options: O; filters: unknown; kernelSize: unknown } {
  if (filters !== null && typeof filters === 'object') {
    const { filters: f, kernelSize: k, ...rest } = filters;
    if (kernelSize !== undefined) throw new Error(`${layerWho(className, filters)}: give kernelSize in the args object or positionally, not both`);
    return { options: rest as unknown as O, filters: f, kernelSize: k };
  }
  return { options, filters, kernelSize };
}

/** The resolved output-side options of a convolution layer (see {@link parseConvOutput}). */
export interface ConvOutputSpec {
  readonly dataFormat: 'channels_last' | 'channels_first';
  readonly activation: Activation;
  readonly useBias: boolean;
  readonly biasInitializer: Initializer;
  readonly biasRegularizer: Regularizer | null;
  readonly activityRegularizer: Regularizer | null;
}

/**
 * Resolves dataFormat, activation, useBias and the bias's initializer and regularizer and the
 * activity regularizer with Keras's defaults; errors name `who` and the option.
 *
 * @example
 * ```ts
 * parseConvOutput('Conv2D', { activation: 'relu' }).useBias;   // true
 * ```
 */
export function parseConvOutput(who: string, opts: ConvOutputOptions & { dataFormat?: DataFormat; activation?: ActivationIdentifier }): ConvOutputSpec {
  return {
    dataFormat: normalizeDataFormat(who, opts.dataFormat),
    activation: withWho(who, () => getActivation(opts.activation)),
    useBias: boolean(who, 'useBias', opts.useBias ?? true),
    biasInitializer: getInitializer(opts.biasInitializer ?? 'zeros', `${who} biasInitializer`),
    biasRegularizer: regularizerOrNull(opts.biasRegularizer, `${who} biasRegularizer`),
    activityRegularizer: regularizerOrNull(opts.activityRegularizer, `${who} activityRegularizer`),
  };
}

/** The spatial axis names of a rank-1, -2 or -3 convolution's input, for error messages. */
const SPATIAL_NAMES = ['', 'steps', 'height, width', 'depth, height, width'];

/**
 * The channel count of a convolution layer's input `[batch, ...spatial, channels]` (or channels
 * first), which must have `rank + 2` axes and a known channel dimension; an Error names the layer
 * and the expected axes otherwise.
 *
 * @example
 * ```ts
 * convInputChannels('conv2d', [null, 28, 28, 3], 2, 'channels_last');   // 3
 * ```
 */
export function convInputChannels(name: string, inputShape: SymbolicShape, rank: number, dataFormat: 'channels_last' | 'channels_first'): number {
  const first = dataFormat === 'channels_first';
  const inC = inputShape[first ? 1 : rank + 1];
  if (inputShape.length !== rank + 2 || inC === null || inC === undefined) {
    const spatial = SPATIAL_NAMES[rank]!;
    throw new Error(`${name}: expected a rank-${rank + 2} input ${first ? `(batch, channels, ${spatial})` : `(batch, ${spatial}, channels)`} with a known channel dimension, got ${formatSymbolicShape(inputShape)}`);
  }
  return inC;
}

/**
 * Which activation a convolution op can apply in its output pass: 'relu' (and linear) run fused
 * there, any other activation is applied after the op by {@link finishActivation}.
 *
 * @example
 * ```ts
 * fusedActivation(getActivation('relu'));   // 'relu'
 * ```
 */
export function fusedActivation(activation: Activation): 'relu' | 'linear' {
  return activation === getActivation('relu') ? 'relu' : 'linear';
}

/**
 * The layer's output from an op's output `y` computed with the fused activation `fused`.
 *
 * @example
 * ```ts
 * const fused = fusedActivation(layer.activation);
 * finishActivation(ops.conv2d(x, kernel, {}, bias, fused), fused, layer.activation);
 * ```
 */
export function finishActivation(y: Tensor, fused: 'relu' | 'linear', activation: Activation): Tensor {
  return fused === 'relu' ? y : activation.apply(y);
}

/** Everything a {@link BaseConv} is constructed from, resolved before the Layer constructor takes a name. */
export interface BaseConvSpec<T extends number | number[], P extends string> extends ConvOutputSpec {
  /** The options the Layer constructor takes (name, inputShape, ...). */
  readonly layerArgs: LayerArgs;
  readonly filters: number;
  readonly kernelSize: T;
  readonly strides: T;
  readonly padding: P;
  readonly dilationRate: T;
  readonly kernelInitializer: Initializer;
  readonly kernelRegularizer: Regularizer | null;
}

/**
 * Resolves the kernel's initializer and regularizer (Keras defaults: 'glorot_uniform', none).
 *
 * @example
 * ```ts
 * parseConvKernel('Conv2D', { kernelInitializer: 'he_normal' }).kernelRegularizer;   // null
 * ```
 */
export function parseConvKernel(who: string, opts: ConvKernelOptions): { kernelInitializer: Initializer; kernelRegularizer: Regularizer | null } {
  return {
    kernelInitializer: getInitializer(opts.kernelInitializer ?? 'glorot_uniform', `${who} kernelInitializer`),
    kernelRegularizer: regularizerOrNull(opts.kernelRegularizer, `${who} kernelRegularizer`),
  };
}

/**
 * The base of the convolution layers with one 'kernel' and a 'bias' `[filters]` (Keras's
 * BaseConv): Conv1D, Conv2D, Conv3D, Conv2DTranspose. `T` is how the layer stores a per-axis
 * size (a number for Conv1D, a tuple otherwise), `P` its padding modes. A subclass gives its
 * kernel's shape, its `call` and its `computeOutputShape`.
 *
 * @example
 * ```ts
 * new tk.layers.Conv2D(8, 3) instanceof BaseConv;   // true
 * ```
 */
export abstract class BaseConv<T extends number | number[], P extends string = Padding> extends Layer {
  /** The number of output channels (the bias's length). */
  readonly filters: number;
  /** The window, one size per spatial axis. */
  readonly kernelSize: T;
  /** The step between windows, per spatial axis (default 1). */
  readonly strides: T;
  /** 'valid' (default: no padding) or 'same' (output size ceil(n/stride)); Conv1D also has 'causal'. */
  readonly padding: P;
  /** Where the channels axis is: 'channels_last' (default) or 'channels_first'. */
  readonly dataFormat: 'channels_last' | 'channels_first';
  /** The spacing between kernel taps, per spatial axis (default 1). */
  readonly dilationRate: T;
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
  /** The kernel, once built (its shape is the subclass's, see its TSDoc). */
  kernel: Variable | null = null;
  /** The bias, `[filters]`, once built (null without bias). */
  bias: Variable | null = null;
  /** The number of spatial axes: 1, 2 or 3. */
  protected readonly rank: number;

  /**
   * @param rank the number of spatial axes
   * @param spec the resolved options
   */
  protected constructor(rank: number, spec: BaseConvSpec<T, P>) {
    super(spec.layerArgs);
    this.rank = rank;
    this.filters = spec.filters;
    this.kernelSize = spec.kernelSize;
    this.strides = spec.strides;
    this.padding = spec.padding;
    this.dataFormat = spec.dataFormat;
    this.dilationRate = spec.dilationRate;
    this.activation = spec.activation;
    this.useBias = spec.useBias;
    this.kernelInitializer = spec.kernelInitializer;
    this.biasInitializer = spec.biasInitializer;
    this.kernelRegularizer = spec.kernelRegularizer;
    this.biasRegularizer = spec.biasRegularizer;
    this.activityRegularizer = spec.activityRegularizer;
    this.inputSpec = { ndim: rank + 2 };
  }

  /** The kernel's shape for `inChannels` input channels (Keras's layout for this layer). */
  protected abstract kernelShape(inChannels: number): number[];

  override build(inputShape: SymbolicShape): void {
    const inC = convInputChannels(this.name, inputShape, this.rank, this.dataFormat);
    this.computeOutputShape(inputShape); // throws the layer's clear error for an output size ≤ 0
    this.kernel = this.addWeight('kernel', this.kernelShape(inC), this.kernelInitializer, { regularizer: this.kernelRegularizer });
    if (this.useBias) this.bias = this.addWeight('bias', [this.filters], this.biasInitializer, { regularizer: this.biasRegularizer });
    this.inputSpec = { ndim: this.rank + 2, axes: { [this.dataFormat === 'channels_first' ? 1 : this.rank + 1]: inC } };
    super.build(inputShape);
  }

  /** The config entries that follow `padding` (Conv2DTranspose adds `outputPadding`). */
  protected paddingConfig(): LayerConfig {
    return { padding: this.padding };
  }

  override getConfig(): LayerConfig {
    // Configs store per-axis sizes as lists, Conv1D's too (Keras and TF.js write [k]).
    const list = (v: T): number[] => (typeof v === 'number' ? [v] : v.slice());
    return {
      ...super.getConfig(),
      filters: this.filters,
      kernelSize: list(this.kernelSize),
      strides: list(this.strides),
      ...this.paddingConfig(),
      dataFormat: dataFormatConfig(this.dataFormat),
      dilationRate: list(this.dilationRate),
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

/**
 * Output length of a window op along one axis (keras-facts §2.3/§2.4), null for an unknown input:
 * 'valid' `floor((n − d·(k−1) − 1)/s) + 1` (pooling: d = 1), 'same' `ceil(n/s)`.
 *
 * @example
 * ```ts
 * windowOutputLength(28, 3, 1, 1, 'valid');   // 26
 * windowOutputLength(5, 4, 2, 1, 'same');     // 3
 * ```
 */
export function windowOutputLength(n: number | null, k: number, s: number, d: number, padding: Padding): number | null {
  if (n === null) return null;
  return padding === 'same' ? Math.ceil(n / s) : Math.floor((n - d * (k - 1) - 1) / s) + 1;
}

/**
 * The output shape of a convolution or pooling layer of any rank (`window.length` spatial axes):
 * sizes per spatial axis by {@link windowOutputLength}, the channel count given by
 * `channels(inputChannels)`; an output size ≤ 0 is an error naming `who`, the window (`what`:
 * 'kernel' or 'pool') and the shapes.
 *
 * @example
 * ```ts
 * windowOutputShape('conv2d', [null, 8, 8, 3], 'channels_last', [3, 3], [1, 1], [1, 1], 'valid', 'kernel', () => 5);
 * // [null, 6, 6, 5]
 * ```
 */
export function windowOutputShape(who: string, inputShape: SymbolicShape, dataFormat: 'channels_last' | 'channels_first',
  window: readonly number[], strides: readonly number[], dilationRate: readonly number[], padding: Padding, what: string,
  channels: (inputChannels: number | null) => number | null): SymbolicShape {
  const rank = window.length;
  const first = dataFormat === 'channels_first';
  const out = window.map((k, i) => windowOutputLength(inputShape[(first ? 2 : 1) + i] ?? null, k, strides[i]!, dilationRate[i]!, padding));
  if (out.some((d) => d !== null && d <= 0)) {
    const extra = strides.some((s) => s > 1) ? `, strides ${strides.join('×')}` : dilationRate.some((d) => d > 1) ? `, dilationRate ${dilationRate.join('×')}` : '';
    throw new Error(`${who}: input ${formatSymbolicShape(inputShape)} with ${what} ${window.join('×')}${extra}, padding '${padding}' gives output size ${out.map((d) => d ?? 'None').join('×')}`);
  }
  const batch = inputShape[0] ?? null;
  const c = channels(inputShape[first ? 1 : rank + 1] ?? null);
  return first ? [batch, c, ...out] : [batch, ...out, c];
}
