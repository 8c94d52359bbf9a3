// Conv2D: y = act(conv(x, kernel) + bias) (keras/src/layers/convolutional/base_conv.py, conv2d.py).
// Kernel [kh, kw, inChannels, filters] and bias [filters], as Keras and TF.js store them, for both
// data formats. The convolution itself, forward and backward, is src/ops/conv2d.ts.

import * as ops from '../ops/index.js';
import { normalizePadding, pair } from '../ops/conv2d.js';
import type { Padding } from '../tensor/kernels/conv_geometry.js';
import type { Tensor, Variable } from '../tensor/tensor.js';
import { getActivation, serializeActivation, type Activation, type ActivationIdentifier } from './activations.js';
import { normalizeDataFormat, type DataFormat } from './flatten.js';
import { getInitializer, serializeInitializer, type Initializer, type InitializerIdentifier } from './initializers.js';
import { Layer, formatSymbolicShape, type CallArgs, type LayerArgs, type LayerConfig, type SymbolicShape } from './layer.js';
import { LAYER_ARG_KEYS, boolean, checkOptions, describe, layerWho, positiveInteger, withWho } from './options.js';
import { regularizerOrNull, serializeRegularizer, type Regularizer, type RegularizerIdentifier } from './regularizers.js';

/** Options of {@link Conv2D} (TF.js spelling). */
export interface Conv2DLayerOptions extends LayerArgs {
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
 * with TensorFlow's padding split (the odd pixel at the bottom/right).
 *
 * @example
 * ```ts
 * const conv = new tk.layers.Conv2D(32, 3, { activation: 'relu', inputShape: [28, 28, 1] });
 * conv.apply(tk.zeros([8, 28, 28, 1])).shape;   // [8, 26, 26, 32]
 * conv.countParams();                            // 320 = 3·3·1·32 + 32
 * new tk.layers.Conv2D({ filters: 8, kernelSize: [3, 2], padding: 'SAME' });   // TF.js form
 * ```
 */
export class Conv2D extends Layer {
  static override readonly className: string = 'Conv2D';

  /** The number of output channels (the kernel's last axis). */
  readonly filters: number;
  /** The window, [height, width]. */
  readonly kernelSize: [number, number];
  /** The step between windows, [height, width] (default [1, 1]). */
  readonly strides: [number, number];
  /** 'valid' (default: no padding) or 'same' (output size ceil(n/stride)). */
  readonly padding: Padding;
  /** Where the channels axis is: 'channels_last' (NHWC, default) or 'channels_first' (NCHW). */
  readonly dataFormat: 'channels_last' | 'channels_first';
  /** The spacing between kernel taps, [height, width] (default [1, 1]). */
  readonly dilationRate: [number, number];
  /** The activation applied to the output (linear by default; 'relu' is fused into the op). */
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
  /** The kernel, `[kh, kw, inChannels, filters]`, once built. */
  kernel: Variable | null = null;
  /** The bias, `[filters]`, once built (null without bias). */
  bias: Variable | null = null;

  /**
   * @param filters the number of output channels, a positive integer (or the TF.js args object)
   * @param kernelSize the window: a number or [height, width]
   * @param options everything else
   */
  constructor(filters: number | Conv2DLayerArgs, kernelSize?: number | readonly number[], options: Conv2DLayerOptions = {}) {
    let opts: Conv2DLayerOptions = options;
    let count: unknown = filters;
    let size: unknown = kernelSize;
    if (filters !== null && typeof filters === 'object') {
      const { filters: f, kernelSize: k, ...rest } = filters;
      if (kernelSize !== undefined) throw new Error(`${layerWho('Conv2D', filters)}: give kernelSize in the args object or positionally, not both`);
      opts = rest;
      count = f;
      size = k;
    }
    // Everything is resolved before the base constructor takes an automatic name, so a bad
    // argument uses up no name.
    const who = layerWho('Conv2D', opts);
    checkOptions(who, opts, CONV_KEYS);
    const nFilters = positiveInteger(who, 'filters', count);
    if (size === undefined) throw new Error(`${who}: kernelSize is required (a number or [height, width])`);
    const kernel = pair(who, 'kernelSize', size);
    const strides = pair(who, 'strides', opts.strides ?? 1);
    const dilationRate = pair(who, 'dilationRate', opts.dilationRate ?? 1);
    if (Math.max(...strides) > 1 && Math.max(...dilationRate) > 1) {
      throw new Error(`${who}: strides > 1 and dilationRate > 1 cannot be combined (as Keras), got strides ${describe(strides)} and dilationRate ${describe(dilationRate)}`);
    }
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
    this.computeOutputShape(inputShape); // throws a clear error for an output size ≤ 0
    const [kh, kw] = this.kernelSize;
    this.kernel = this.addWeight('kernel', [kh, kw, inC, this.filters], this.kernelInitializer, { regularizer: this.kernelRegularizer });
    if (this.useBias) this.bias = this.addWeight('bias', [this.filters], this.biasInitializer, { regularizer: this.biasRegularizer });
    this.inputSpec = { ndim: 4, axes: { [this.channelAxis]: inC } };
    super.build(inputShape);
  }

  call(x: Tensor, _args: CallArgs): Tensor {
    this.computeOutputShape(x.shape); // the layer's own error for a too-small input
    // relu (and linear) run fused inside the convolution's output pass; any other activation after.
    const fused = this.activation === getActivation('relu') ? 'relu' : 'linear';
    const y = ops.conv2d(x, this.kernel!, {
      strides: this.strides, padding: this.padding, dilations: this.dilationRate, dataFormat: this.dataFormat,
    }, this.bias, fused);
    return fused === 'relu' ? y : this.activation.apply(y);
  }

  override computeOutputShape(inputShape: SymbolicShape): SymbolicShape {
    const [hAxis, wAxis] = this.dataFormat === 'channels_first' ? [2, 3] : [1, 2];
    const out = [hAxis, wAxis].map((axis, i) =>
      windowOutputLength(inputShape[axis] ?? null, this.kernelSize[i]!, this.strides[i]!, this.dilationRate[i]!, this.padding));
    if (out.some((d) => d !== null && d <= 0)) {
      const [kh, kw] = this.kernelSize;
      const extra = this.strides.some((s) => s > 1) ? `, strides ${this.strides.join('×')}` : this.dilationRate.some((d) => d > 1) ? `, dilationRate ${this.dilationRate.join('×')}` : '';
      throw new Error(`${this.name}: input ${formatSymbolicShape(inputShape)} with kernel ${kh}×${kw}${extra}, padding '${this.padding}' gives output size ${out.map((d) => d ?? 'None').join('×')}`);
    }
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
      dataFormat: this.dataFormat === 'channels_last' ? 'channelsLast' : 'channelsFirst',
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
