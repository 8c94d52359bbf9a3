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
import type { Tensor } from '../tensor/tensor.js';
import type { ActivationIdentifier } from './activations.js';
import { BaseConv, finishActivation, fusedActivation, parseConvKernel, parseConvOutput, splitFiltersAndKernel, type ConvKernelOptions } from './base_conv.js';
import { windowOutputLength } from './conv2d.js';
import { checkStridesWithDilation, tuple } from './conv_options.js';
import type { DataFormat } from './flatten.js';
import { formatSymbolicShape, type CallArgs, type LayerConfig, type SymbolicShape } from './layer.js';
import { LAYER_ARG_KEYS, checkOptions, describe, layerWho, positiveInteger } from './options.js';

/** Padding of a 1-D window op: Conv1D also has 'causal'. */
export type Padding1D = 'valid' | 'same' | 'causal';

/** Options of {@link Conv1D} (TF.js spelling). */
export interface Conv1DLayerOptions extends ConvKernelOptions {
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
 * Conv1D takes no mask: a masked input's mask is dropped with a warning, as Keras. The kernel is
 * `[kernelSize, inChannels, filters]`.
 *
 * @example
 * ```ts
 * const conv = new tk.layers.Conv1D(16, 3, { padding: 'causal', dilationRate: 2, activation: 'relu' });
 * conv.apply(tk.zeros([8, 50, 4])).shape;   // [8, 50, 16]
 * conv.countParams();                        // 208 = 3·4·16 + 16
 * new tk.layers.Conv1D({ filters: 8, kernelSize: 5, strides: 2 });   // TF.js form
 * ```
 */
export class Conv1D extends BaseConv<number, Padding1D> {
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

  /**
   * @param filters the number of output channels, a positive integer (or the TF.js args object)
   * @param kernelSize the window length: a number or [k]
   * @param options everything else
   */
  constructor(filters: number | Conv1DLayerArgs, kernelSize?: number | readonly number[], options: Conv1DLayerOptions = {}) {
    const split = splitFiltersAndKernel('Conv1D', filters, kernelSize, options);
    const opts = split.options;
    const who = layerWho('Conv1D', opts);
    checkOptions(who, opts, CONV1D_KEYS);
    const nFilters = positiveInteger(who, 'filters', split.filters);
    if (split.kernelSize === undefined) throw new Error(`${who}: kernelSize is required (a number or [k])`);
    const [k] = tuple(who, 'kernelSize', split.kernelSize, 1);
    const [s] = tuple(who, 'strides', opts.strides ?? 1, 1);
    const [d] = tuple(who, 'dilationRate', opts.dilationRate ?? 1, 1);
    checkStridesWithDilation(who, [s!], [d!]);
    if (opts.groups !== undefined && opts.groups !== 1) throw new Error(`${who}: groups must be 1 (grouped convolutions are not supported), got ${describe(opts.groups)}`);
    for (const key of ['kernelConstraint', 'biasConstraint'] as const) {
      if (opts[key] !== undefined && opts[key] !== null) throw new Error(`${who}: ${key} is not supported (tensorkit has no weight constraints), got ${describe(opts[key])}`);
    }
    const padding = normalizePadding1D(who, opts.padding ?? 'valid', true);
    const output = parseConvOutput(who, opts);
    const { groups: _g, kernelConstraint: _kc, biasConstraint: _bc, ...base } = opts;
    super(1, { layerArgs: base, filters: nFilters, kernelSize: k!, strides: s!, padding, dilationRate: d!, ...output, ...parseConvKernel(who, opts) });
  }

  protected override kernelShape(inChannels: number): number[] {
    return [this.kernelSize, inChannels, this.filters];
  }

  call(x: Tensor, _args: CallArgs): Tensor {
    this.computeOutputShape(x.shape); // the layer's own error for a too-short input
    let t = this.dataFormat === 'channels_first' ? ops.transpose(x, [0, 2, 1]) : x; // → [B, T, C]
    if (this.padding === 'causal') t = ops.pad(t, [[0, 0], [this.dilationRate * (this.kernelSize - 1), 0], [0, 0]]);
    const [b, steps, c] = t.shape as [number, number, number];
    const kernel = this.kernel!;
    const fused = fusedActivation(this.activation);
    const y4 = ops.conv2d(ops.reshape(t, [b, 1, steps, c]), ops.reshape(kernel, [1, ...kernel.shape]), {
      strides: [1, this.strides], padding: this.padding === 'same' ? 'same' : 'valid', dilations: [1, this.dilationRate],
    }, this.bias, fused);
    const y = finishActivation(ops.reshape(y4, [b, y4.shape[2]!, this.filters]), fused, this.activation);
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
}
