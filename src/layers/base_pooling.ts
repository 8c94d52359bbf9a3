// What the pooling layers share, folded as Keras folds them (keras/src/layers/pooling/
// base_pooling.py, base_global_pooling.py): the windowed poolings of rank 1, 2 and 3 hold the
// same fields, take their pool size in the same two forms and write the same config; the global
// poolings differ only in how many spatial axes they reduce. Each concrete layer keeps its own
// argument parsing (its rank's tuples and messages), its output size and the op it calls.

import type { Tensor } from '../tensor/tensor.js';
import { dataFormatConfig } from './conv_options.js';
import { normalizeDataFormat, type DataFormat } from './flatten.js';
import { Layer, type CallArgs, type LayerArgs, type LayerConfig, type SymbolicShape } from './layer.js';
import { LAYER_ARG_KEYS, boolean, checkOptions, describe, layerWho } from './options.js';

/** The options of every windowed pooling layer; `poolSize` is also the first argument. */
interface PoolingArgs extends LayerArgs {
  poolSize?: number | readonly number[];
  strides?: number | readonly number[] | null;
  padding?: string;
  dataFormat?: DataFormat;
}

const POOL_KEYS = [...LAYER_ARG_KEYS, 'poolSize', 'strides', 'padding', 'dataFormat'];

/**
 * Splits the two forms of a pooling constructor, `new X(poolSize, options)` and the TF.js /
 * Keras-keyword form `new X({ poolSize, ... })`, checks the option names, and returns the layer's
 * `who`, the options and the pool size (default 2); giving poolSize both ways is an error.
 *
 * @example
 * ```ts
 * poolingArgs('MaxPooling2D', { poolSize: 3, strides: 1 }, {}).poolSize;   // 3
 * ```
 */
export function poolingArgs<O extends PoolingArgs>(className: string, poolSizeOrOptions: number | readonly number[] | O | undefined,
  options: O): { who: string; options: O; poolSize: unknown } {
  let opts = options;
  let size: unknown = poolSizeOrOptions;
  if (poolSizeOrOptions !== null && typeof poolSizeOrOptions === 'object' && !Array.isArray(poolSizeOrOptions)) {
    opts = poolSizeOrOptions as O; // the TF.js / Keras-keyword form: new MaxPooling2D({ poolSize: [2, 2], strides: 1 })
    size = undefined;
  }
  const who = layerWho(className, opts);
  checkOptions(who, opts, POOL_KEYS);
  if (size !== undefined && opts.poolSize !== undefined) throw new Error(`${who}: give poolSize once, positionally or in the options`);
  return { who, options: opts, poolSize: size ?? opts.poolSize ?? 2 };
}

/** Everything a {@link BasePooling} is constructed from, resolved before the Layer constructor takes a name. */
export interface BasePoolingSpec<T extends number | number[], P extends string> {
  /** The options the Layer constructor takes (name, inputShape, ...). */
  readonly layerArgs: LayerArgs;
  readonly poolSize: T;
  readonly strides: T;
  readonly padding: P;
  /** The data format as given (resolved by the base with `tk.backend.imageDataFormat()` as default). */
  readonly dataFormat: DataFormat | undefined;
  /** The layer's `who` for error messages. */
  readonly who: string;
}

/**
 * The base of MaxPooling1D/2D/3D and AveragePooling1D/2D/3D (Keras's BasePooling): the window,
 * strides, padding and data format, the config, and a `call` that checks the output size then
 * pools. `T` is how the layer stores a per-axis size (a number in 1-D, a tuple otherwise).
 *
 * @example
 * ```ts
 * new tk.layers.MaxPooling2D(2) instanceof BasePooling;   // true
 * ```
 */
export abstract class BasePooling<T extends number | number[], P extends string> extends Layer {
  /** The window, per spatial axis (default 2 on every axis). */
  readonly poolSize: T;
  /** The step between windows, per spatial axis (default: the pool size). */
  readonly strides: T;
  /** 'valid' (default: windows inside the input) or 'same' (output size ceil(n/stride)). */
  readonly padding: P;
  /** Where the channels axis is: 'channels_last' (default) or 'channels_first'. */
  readonly dataFormat: 'channels_last' | 'channels_first';

  /**
   * @param rank the number of spatial axes
   * @param spec the resolved options
   */
  protected constructor(rank: number, spec: BasePoolingSpec<T, P>) {
    const dataFormat = normalizeDataFormat(spec.who, spec.dataFormat);
    super(spec.layerArgs);
    this.poolSize = spec.poolSize;
    this.strides = spec.strides;
    this.padding = spec.padding;
    this.dataFormat = dataFormat;
    this.inputSpec = { ndim: rank + 2 };
  }

  call(x: Tensor, _args: CallArgs): Tensor {
    this.computeOutputShape(x.shape); // the layer's own error for a too-small input
    return this.pool(x);
  }

  /** Pools `x` with the layer's window (the op differs per subclass). */
  protected abstract pool(x: Tensor): Tensor;

  override getConfig(): LayerConfig {
    // Configs store per-axis sizes as lists, the 1-D ones too (Keras and TF.js write [p]).
    const list = (v: T): number[] => (typeof v === 'number' ? [v] : v.slice());
    return {
      ...super.getConfig(),
      poolSize: list(this.poolSize),
      padding: this.padding,
      strides: list(this.strides),
      dataFormat: dataFormatConfig(this.dataFormat),
    };
  }
}

/** The options of every global pooling layer. */
interface GlobalPoolingArgs extends LayerArgs {
  dataFormat?: DataFormat;
  keepdims?: boolean;
  keepDims?: boolean;
}

/**
 * The base of the global poolings (Keras's BaseGlobalPooling): a reduction over all `rank`
 * spatial axes, keeping them as size 1 with `keepdims` (TF.js spelling `keepDims` too).
 *
 * @example
 * ```ts
 * new tk.layers.GlobalMaxPooling2D() instanceof BaseGlobalPooling;   // true
 * ```
 */
export abstract class BaseGlobalPooling extends Layer {
  /** Where the channels axis is: 'channels_last' (default) or 'channels_first'. */
  readonly dataFormat: 'channels_last' | 'channels_first';
  /** Whether the spatial axes are kept as size 1 (default false: the output is `[batch, channels]`). */
  readonly keepdims: boolean;
  /** The number of spatial axes: 1 or 2. */
  protected readonly rank: number;

  /**
   * @param rank the number of spatial axes
   * @param className the layer's Keras class name, for errors
   * @param options the layer's options
   */
  protected constructor(rank: number, className: string, options: GlobalPoolingArgs) {
    const who = layerWho(className, options);
    checkOptions(who, options, [...LAYER_ARG_KEYS, 'dataFormat', 'keepdims', 'keepDims']);
    if (options.keepdims !== undefined && options.keepDims !== undefined && options.keepdims !== options.keepDims) {
      throw new Error(`${who}: keepdims and keepDims disagree (${describe(options.keepdims)} vs ${describe(options.keepDims)})`);
    }
    const keepdims = boolean(who, 'keepdims', options.keepdims ?? options.keepDims ?? false);
    const dataFormat = normalizeDataFormat(who, options.dataFormat);
    const { keepDims: _k, ...base } = options;
    super(base);
    this.rank = rank;
    this.dataFormat = dataFormat;
    this.keepdims = keepdims;
    this.inputSpec = { ndim: rank + 2 };
  }

  override computeOutputShape(inputShape: SymbolicShape): SymbolicShape {
    const first = this.dataFormat === 'channels_first';
    const batch = inputShape[0] ?? null;
    const channels = inputShape[first ? 1 : this.rank + 1] ?? null;
    if (!this.keepdims) return [batch, channels];
    const ones = new Array<number>(this.rank).fill(1);
    return first ? [batch, channels, ...ones] : [batch, ...ones, channels];
  }

  override getConfig(): LayerConfig {
    return { ...super.getConfig(), dataFormat: dataFormatConfig(this.dataFormat), keepdims: this.keepdims };
  }
}
