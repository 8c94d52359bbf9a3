// Conv1D: y = act(conv1d(x, kernel) + bias) over sequences (keras/src/layers/convolutional/conv1d.py).
// Kernel [k, inChannels, filters] and bias [filters], as Keras and TF.js store them.
//
// A 1-D convolution is a 2-D one on an image of height 1: [B, T, C] is viewed as [B, 1, T, C] and
// the kernel [k, C, F] as [1, k, C, F] (both reshapes share the row-major layout), so the
// im2col + GEMM of src/ops/conv2d.ts, its fused backward and its recorded higher-order backward
// serve Conv1D with no primitive of its own. 'causal' padding: (k−1)·d zeros on the left of the
// time axis and none on the right, then a 'valid' convolution, so output step t sees inputs ≤ t
// only and the output keeps the input's length (with stride s: ceil(T/s) steps).

import * as ops from '../ops/index.js';
import type { Tensor, Variable } from '../tensor/tensor.js';
import { getActivation, serializeActivation, type Activation, type ActivationIdentifier } from './activations.js';
import { windowOutputLength } from './conv2d.js';
import { checkStridesWithDilation, dataFormatConfig, tuple } from './conv_options.js';
import { normalizeDataFormat, type DataFormat } from './flatten.js';
import { getInitializer, serializeInitializer, type Initializer, type InitializerIdentifier } from './initializers.js';
import { Layer, formatSymbolicShape, type CallArgs, type LayerArgs, type LayerConfig, type SymbolicShape } from './layer.js';
import { LAYER_ARG_KEYS, boolean, checkOptions, describe, layerWho, positiveInteger, withWho } from './options.js';
import { regularizerOrNull, serializeRegularizer, type Regularizer, type RegularizerIdentifier } from './regularizers.js';

/** Padding of a 1-D window op: Conv1D also has 'causal'. */
export type Padding1D = 'valid' | 'same' | 'causal';

/** Options of {@link Conv1D} (TF.js spelling). */
export interface Conv1DLayerOptions extends LayerArgs {
  /** Step between windows: a number or [s]. Default 1. */
  strides?: number | readonly number[];
  /** 'valid' (default), 'same' or 'causal', in any case. */
  padding?: string;
  /** Default: `tk.backend.imageDataFormat()` ('channels_last': `[batch, steps, channels]`). */
  dataFormat?: DataFormat;
  /** Spacing between kernel taps: a number or [d]. Default 1; > 1 needs strides 1. */
  dilationRate?: number | readonly number[];
  /** Only 1: grouped convolutions are not supported (an Error says so). */
  groups?: number;
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
  /** Only null: tensorkit has no weight constraints. */
  kernelConstraint?: null;
  /** Only null: tensorkit has no weight constraints. */
  biasConstraint?: null;
}

/** The TF.js form `new Conv1D({ filters, kernelSize, ... })`. */
export interface Conv1DLayerArgs extends Conv1DLayerOptions {
  /** The number of output channels, a positive integer. */
  filters: number;
  /** The window length: a number or [k]. */
  kernelSize: number | readonly number[];
}

const CONV1D_KEYS = [...LAYER_ARG_KEYS, 'strides', 'padding', 'dataFormat', 'dilationRate', 'groups', 'activation', 'useBias',
  'kernelInitializer', 'biasInitializer', 'kernelRegularizer', 'biasRegularizer', 'activityRegularizer', 'kernelConstraint', 'biasConstraint'];

/** 'valid', 'same' or (when allowed) 'causal', in any case; an Error names `who` otherwise. */
export function normalizePadding1D(who: string, padding: unknown, causal: boolean): Padding1D {
  const p = typeof padding === 'string' ? padding.toLowerCase() : padding;
  if (p === 'valid' || p === 'same' || (causal && p === 'causal')) return p;
  throw new Error(`${who}: padding must be 'valid', 'same'${causal ? " or 'causal'" : ''} (any case), got ${describe(padding)}`);
}

/**
 * A 1-D convolution layer over sequences `[batch, steps, channels]` (or `[batch, channels,
 * steps]` with `dataFormat: 'channels_first'`), producing `filters` channels. Output length:
 * 'valid' `floor((T − d·(k−1) − 1)/s) + 1`, 'same' and 'causal' `ceil(T/s)`. With 'causal'
 * padding output step t depends on input steps ≤ t only (WaveNet-style temporal models).
 * Conv1D takes no mask: a masked input's mask is dropped with a warning, as Keras.
 *
 * @example
 * ```ts
 * const conv = new tk.layers.Conv1D(16, 3, { padding: 'causal', dilationRate: 2, activation: 'relu' });
 * conv.apply(tk.zeros([8, 50, 4])).shape;   // [8, 50, 16]
 * conv.countParams();                        // 208 = 3·4·16 + 16
 * new tk.layers.Conv1D({ filters: 8, kernelSize: 5, strides: 2 });   // TF.js form
 * ```
 */
export class Conv1D extends Layer {
  static override readonly className: string = 'Conv1D';

  /**
   * Builds a Conv1D from its `getConfig()` (filters and kernelSize are positional).
   *
   * @example
   * ```ts
   * const copy = tk.layers.Conv1D.fromConfig(layer.getConfig());
   * ```
   */
  static override fromConfig(config: LayerConfig): Conv1D {
    const { filters, kernelSize, ...options } = config;
    return new Conv1D(filters as number, kernelSize as number, options as Conv1DLayerOptions);
  }

  /** The number of output channels (the kernel's last axis). */
  readonly filters: number;
  /** The window length. */
  readonly kernelSize: number;
  /** The step between windows (default 1). */
  readonly strides: number;
  /** 'valid' (default), 'same' (output length ceil(T/s)) or 'causal' (left padding only). */
  readonly padding: Padding1D;
  /** Where the channels axis is: 'channels_last' (default) or 'channels_first'. */
  readonly dataFormat: 'channels_last' | 'channels_first';
  /** The spacing between kernel taps (default 1). */
  readonly dilationRate: number;
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
  /** The kernel, `[kernelSize, inChannels, filters]`, once built. */
  kernel: Variable | null = null;
  /** The bias, `[filters]`, once built (null without bias). */
  bias: Variable | null = null;

  /**
   * @param filters the number of output channels, a positive integer (or the TF.js args object)
   * @param kernelSize the window length: a number or [k]
   * @param options everything else
   */
  constructor(filters: number | Conv1DLayerArgs, kernelSize?: number | readonly number[], options: Conv1DLayerOptions = {}) {
    let opts: Conv1DLayerOptions = options;
    let count: unknown = filters;
    let size: unknown = kernelSize;
    if (filters !== null && typeof filters === 'object') {
      const { filters: f, kernelSize: k, ...rest } = filters;
      if (kernelSize !== undefined) throw new Error(`${layerWho('Conv1D', filters)}: give kernelSize in the args object or positionally, not both`);
      opts = rest;
      count = f;
      size = k;
    }
    const who = layerWho('Conv1D', opts);
    checkOptions(who, opts, CONV1D_KEYS);
    const nFilters = positiveInteger(who, 'filters', count);
    if (size === undefined) throw new Error(`${who}: kernelSize is required (a number or [k])`);
    const [k] = tuple(who, 'kernelSize', size, 1);
    const [s] = tuple(who, 'strides', opts.strides ?? 1, 1);
    const [d] = tuple(who, 'dilationRate', opts.dilationRate ?? 1, 1);
    checkStridesWithDilation(who, [s!], [d!]);
    if (opts.groups !== undefined && opts.groups !== 1) throw new Error(`${who}: groups must be 1 (grouped convolutions are not supported), got ${describe(opts.groups)}`);
    for (const key of ['kernelConstraint', 'biasConstraint'] as const) {
      if (opts[key] !== undefined && opts[key] !== null) throw new Error(`${who}: ${key} is not supported (tensorkit has no weight constraints), got ${describe(opts[key])}`);
    }
    const padding = normalizePadding1D(who, opts.padding ?? 'valid', true);
    const dataFormat = normalizeDataFormat(who, opts.dataFormat);
    const activation = withWho(who, () => getActivation(opts.activation));
    const useBias = boolean(who, 'useBias', opts.useBias ?? true);
    const kernelInitializer = getInitializer(opts.kernelInitializer ?? 'glorot_uniform', `${who} kernelInitializer`);
    const biasInitializer = getInitializer(opts.biasInitializer ?? 'zeros', `${who} biasInitializer`);
    const kernelRegularizer = regularizerOrNull(opts.kernelRegularizer, `${who} kernelRegularizer`);
    const biasRegularizer = regularizerOrNull(opts.biasRegularizer, `${who} biasRegularizer`);
    const activityRegularizer = regularizerOrNull(opts.activityRegularizer, `${who} activityRegularizer`);
    const { groups: _g, kernelConstraint: _kc, biasConstraint: _bc, ...base } = opts;
    super(base);
    this.filters = nFilters;
    this.kernelSize = k!;
    this.strides = s!;
    this.padding = padding;
    this.dataFormat = dataFormat;
    this.dilationRate = d!;
    this.activation = activation;
    this.useBias = useBias;
    this.kernelInitializer = kernelInitializer;
    this.biasInitializer = biasInitializer;
    this.kernelRegularizer = kernelRegularizer;
    this.biasRegularizer = biasRegularizer;
    this.activityRegularizer = activityRegularizer;
    this.inputSpec = { ndim: 3 };
  }

  private get channelAxis(): number {
    return this.dataFormat === 'channels_first' ? 1 : 2;
  }

  override build(inputShape: SymbolicShape): void {
    const inC = inputShape[this.channelAxis];
    if (inputShape.length !== 3 || inC === null || inC === undefined) {
      throw new Error(`${this.name}: expected a rank-3 input ${this.dataFormat === 'channels_first' ? '(batch, channels, steps)' : '(batch, steps, channels)'} with a known channel dimension, got ${formatSymbolicShape(inputShape)}`);
    }
    this.computeOutputShape(inputShape); // throws a clear error for an output length ≤ 0
    this.kernel = this.addWeight('kernel', [this.kernelSize, inC, this.filters], this.kernelInitializer, { regularizer: this.kernelRegularizer });
    if (this.useBias) this.bias = this.addWeight('bias', [this.filters], this.biasInitializer, { regularizer: this.biasRegularizer });
    this.inputSpec = { ndim: 3, axes: { [this.channelAxis]: inC } };
    super.build(inputShape);
  }

  call(x: Tensor, _args: CallArgs): Tensor {
    this.computeOutputShape(x.shape); // the layer's own error for a too-short input
    let t = this.dataFormat === 'channels_first' ? ops.transpose(x, [0, 2, 1]) : x; // → [B, T, C]
    if (this.padding === 'causal') t = ops.pad(t, [[0, 0], [this.dilationRate * (this.kernelSize - 1), 0], [0, 0]]);
    const [b, steps, c] = t.shape as [number, number, number];
    const kernel = this.kernel!;
    const fused = this.activation === getActivation('relu') ? 'relu' : 'linear';
    const y4 = ops.conv2d(ops.reshape(t, [b, 1, steps, c]), ops.reshape(kernel, [1, ...kernel.shape]), {
      strides: [1, this.strides], padding: this.padding === 'same' ? 'same' : 'valid', dilations: [1, this.dilationRate],
    }, this.bias, fused);
    let y = ops.reshape(y4, [b, y4.shape[2]!, this.filters]);
    if (fused !== 'relu') y = this.activation.apply(y);
    return this.dataFormat === 'channels_first' ? ops.transpose(y, [0, 2, 1]) : y;
  }

  override computeOutputShape(inputShape: SymbolicShape): SymbolicShape {
    const first = this.dataFormat === 'channels_first';
    const n = inputShape[first ? 2 : 1] ?? null;
    const out = windowOutputLength(n, this.kernelSize, this.strides, this.dilationRate, this.padding === 'valid' ? 'valid' : 'same');
    if (out !== null && out <= 0) {
      const extra = this.strides > 1 ? `, strides ${this.strides}` : this.dilationRate > 1 ? `, dilationRate ${this.dilationRate}` : '';
      throw new Error(`${this.name}: input ${formatSymbolicShape(inputShape)} with kernel ${this.kernelSize}${extra}, padding '${this.padding}' gives output length ${out}`);
    }
    const batch = inputShape[0] ?? null;
    return first ? [batch, this.filters, out] : [batch, out, this.filters];
  }

  override getConfig(): LayerConfig {
    return {
      ...super.getConfig(),
      filters: this.filters,
      kernelSize: [this.kernelSize],
      strides: [this.strides],
      padding: this.padding,
      dataFormat: dataFormatConfig(this.dataFormat),
      dilationRate: [this.dilationRate],
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
