// Conv3D: y = act(conv3d(x, kernel) + bias) over volumes (keras/src/layers/convolutional/conv3d.py,
// base_conv.py). Kernel [kd, kh, kw, inChannels, filters] and bias [filters], as Keras and TF.js
// store them, for both data formats. The op, forward and backward, is src/ops/conv3d.ts.

import * as ops from '../ops/index.js';
import { normalizePadding } from '../ops/conv2d.js';
import type { Padding } from '../tensor/kernels/conv_geometry.js';
import type { Tensor, Variable } from '../tensor/tensor.js';
import { getActivation, serializeActivation, type Activation, type ActivationIdentifier } from './activations.js';
import { windowOutputLength } from './conv2d.js';
import { checkStridesWithDilation, dataFormatConfig, tuple } from './conv_options.js';
import { normalizeDataFormat, type DataFormat } from './flatten.js';
import { getInitializer, serializeInitializer, type Initializer, type InitializerIdentifier } from './initializers.js';
import { Layer, formatSymbolicShape, type CallArgs, type LayerArgs, type LayerConfig, type SymbolicShape } from './layer.js';
import { LAYER_ARG_KEYS, boolean, checkOptions, layerWho, positiveInteger, withWho } from './options.js';
import { regularizerOrNull, serializeRegularizer, type Regularizer, type RegularizerIdentifier } from './regularizers.js';

/** Options of {@link Conv3D} (TF.js spelling). */
export interface Conv3DLayerOptions extends LayerArgs {
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
 * `[batch, od, oh, ow, filters]` (or channels first), sizes per axis as Conv2D's.
 *
 * @example
 * ```ts
 * const conv = new tk.layers.Conv3D(8, 3, { padding: 'same', activation: 'relu' });
 * conv.apply(tk.zeros([2, 6, 16, 16, 1])).shape;   // [2, 6, 16, 16, 8]
 * conv.countParams();                               // 224 = 3·3·3·1·8 + 8
 * ```
 */
export class Conv3D extends Layer {
  static override readonly className: string = 'Conv3D';

  /** The number of output channels. */
  readonly filters: number;
  /** The window, [depth, height, width]. */
  readonly kernelSize: [number, number, number];
  /** The step between windows (default [1, 1, 1]). */
  readonly strides: [number, number, number];
  /** 'valid' (default) or 'same'. */
  readonly padding: Padding;
  /** Where the channels axis is: 'channels_last' (NDHWC, default) or 'channels_first' (NCDHW). */
  readonly dataFormat: 'channels_last' | 'channels_first';
  /** The spacing between kernel taps (default [1, 1, 1]). */
  readonly dilationRate: [number, number, number];
  /** The activation applied to the output (linear by default). */
  readonly activation: Activation;
  /** Whether a bias is added (default true). */
  readonly useBias: boolean;
  /** How the kernel is initialized (default 'glorot_uniform'). */
  readonly kernelInitializer: Initializer;
  /** How the bias is initialized (default 'zeros'). */
  readonly biasInitializer: Initializer;
  /** The penalty on the kernel, or null (default). */
  readonly kernelRegularizer: Regularizer | null;
  /** The penalty on the bias, or null (default). */
  readonly biasRegularizer: Regularizer | null;
  /** The kernel, `[kd, kh, kw, inChannels, filters]`, once built. */
  kernel: Variable | null = null;
  /** The bias, `[filters]`, once built (null without bias). */
  bias: Variable | null = null;

  /**
   * @param filters the number of output channels, a positive integer (or the TF.js args object)
   * @param kernelSize the window: a number or [depth, height, width]
   * @param options everything else
   */
  constructor(filters: number | Conv3DLayerArgs, kernelSize?: number | readonly number[], options: Conv3DLayerOptions = {}) {
    let opts: Conv3DLayerOptions = options;
    let count: unknown = filters;
    let size: unknown = kernelSize;
    if (filters !== null && typeof filters === 'object') {
      const { filters: f, kernelSize: k, ...rest } = filters;
      if (kernelSize !== undefined) throw new Error(`${layerWho('Conv3D', filters)}: give kernelSize in the args object or positionally, not both`);
      opts = rest;
      count = f;
      size = k;
    }
    const who = layerWho('Conv3D', opts);
    checkOptions(who, opts, KEYS);
    const nFilters = positiveInteger(who, 'filters', count);
    if (size === undefined) throw new Error(`${who}: kernelSize is required (a number or [depth, height, width])`);
    const kernel = tuple(who, 'kernelSize', size, 3) as [number, number, number];
    const strides = tuple(who, 'strides', opts.strides ?? 1, 3) as [number, number, number];
    const dilationRate = tuple(who, 'dilationRate', opts.dilationRate ?? 1, 3) as [number, number, number];
    checkStridesWithDilation(who, strides, dilationRate);
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
    this.dataFormat = dataFormat;
    this.dilationRate = dilationRate;
    this.activation = activation;
    this.useBias = useBias;
    this.kernelInitializer = kernelInitializer;
    this.biasInitializer = biasInitializer;
    this.kernelRegularizer = kernelRegularizer;
    this.biasRegularizer = biasRegularizer;
    this.activityRegularizer = activityRegularizer;
    this.inputSpec = { ndim: 5 };
  }

  private get channelAxis(): number {
    return this.dataFormat === 'channels_first' ? 1 : 4;
  }

  override build(inputShape: SymbolicShape): void {
    const inC = inputShape[this.channelAxis];
    if (inputShape.length !== 5 || inC === null || inC === undefined) {
      throw new Error(`${this.name}: expected a rank-5 input ${this.dataFormat === 'channels_first' ? '(batch, channels, depth, height, width)' : '(batch, depth, height, width, channels)'} with a known channel dimension, got ${formatSymbolicShape(inputShape)}`);
    }
    this.computeOutputShape(inputShape);
    this.kernel = this.addWeight('kernel', [...this.kernelSize, inC, this.filters], this.kernelInitializer, { regularizer: this.kernelRegularizer });
    if (this.useBias) this.bias = this.addWeight('bias', [this.filters], this.biasInitializer, { regularizer: this.biasRegularizer });
    this.inputSpec = { ndim: 5, axes: { [this.channelAxis]: inC } };
    super.build(inputShape);
  }

  call(x: Tensor, _args: CallArgs): Tensor {
    this.computeOutputShape(x.shape);
    const y = ops.conv3d(x, this.kernel!, { strides: this.strides, padding: this.padding, dilations: this.dilationRate, dataFormat: this.dataFormat }, this.bias);
    return this.activation.apply(y);
  }

  override computeOutputShape(inputShape: SymbolicShape): SymbolicShape {
    return volumeOutputShape(this.name, inputShape, this.dataFormat, this.kernelSize, this.strides, this.dilationRate, this.padding, 'kernel', () => this.filters);
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
  const first = dataFormat === 'channels_first';
  const axes = first ? [2, 3, 4] : [1, 2, 3];
  const out = axes.map((axis, i) => windowOutputLength(inputShape[axis] ?? null, window[i]!, strides[i]!, dilationRate[i]!, padding));
  if (out.some((d) => d !== null && d <= 0)) {
    const extra = strides.some((s) => s > 1) ? `, strides ${strides.join('×')}` : dilationRate.some((d) => d > 1) ? `, dilationRate ${dilationRate.join('×')}` : '';
    throw new Error(`${who}: input ${formatSymbolicShape(inputShape)} with ${what} ${window.join('×')}${extra}, padding '${padding}' gives output size ${out.map((d) => d ?? 'None').join('×')}`);
  }
  const batch = inputShape[0] ?? null;
  const c = channels(inputShape[first ? 1 : 4] ?? null);
  return first ? [batch, c, out[0]!, out[1]!, out[2]!] : [batch, out[0]!, out[1]!, out[2]!, c];
}
