// Resampling and border layers for images (keras/src/layers/reshaping/up_sampling2d.py,
// zero_padding2d.py, cropping2d.py): UpSampling2D, ZeroPadding2D, Cropping2D. No weights; they are
// compositions of ops (upSampling2d / resizeBilinear in src/ops/resize.ts, pad and slice), whose
// gradients come with them.

import * as ops from '../ops/index.js';
import type { Tensor } from '../tensor/tensor.js';
import { dataFormatConfig, tuple } from './conv_options.js';
import { normalizeDataFormat, type DataFormat } from './flatten.js';
import { Layer, formatSymbolicShape, type CallArgs, type LayerArgs, type LayerConfig, type SymbolicShape } from './layer.js';
import { LAYER_ARG_KEYS, checkOptions, describe, layerWho } from './options.js';

/** The methods UpSampling2D computes. */
export type UpSamplingInterpolation = 'nearest' | 'bilinear';

/** Options of {@link UpSampling2D}. */
export interface UpSampling2DOptions extends LayerArgs {
  /** The factors for rows and columns: a number or [rows, columns]. Default [2, 2]. */
  size?: number | readonly number[];
  /** 'nearest' (default: each pixel repeated) or 'bilinear' (half-pixel centres, as Keras 3), any case. */
  interpolation?: string;
  /** Default: `tk.backend.imageDataFormat()` ('channels_last'). */
  dataFormat?: DataFormat;
}

/** Where the two spatial axes of a rank-4 image batch are. */
function spatialAxes(format: 'channels_last' | 'channels_first'): [number, number] {
  return format === 'channels_first' ? [2, 3] : [1, 2];
}

/** Splits `new X(value, options)` from `new X(options)` for layers whose one argument may also be a key. */
function firstOrOptions<O extends object>(who: string, key: string, first: unknown, options: O | undefined): { value: unknown; options: O } {
  if (first === undefined || first === null || typeof first === 'number' || Array.isArray(first)) {
    const opts = options ?? ({} as O);
    if (first !== undefined && first !== null && (opts as Record<string, unknown>)[key] !== undefined) throw new Error(`${who}: give ${key} once, positionally or in the options`);
    return { value: first ?? (opts as Record<string, unknown>)[key], options: opts };
  }
  if (options !== undefined) throw new Error(`${who}: give the options once`);
  return { value: (first as Record<string, unknown>)[key], options: first as O };
}

/**
 * Up-samples images by whole factors: `[batch, h, w, c]` → `[batch, h·size[0], w·size[1], c]`.
 * 'nearest' repeats every pixel (exact copies); 'bilinear' interpolates with half-pixel centres
 * as Keras 3 (TF.js's bilinear up-sampling uses the older mapping src = dst·in/out, so its values
 * differ; nearest is identical). Keras's other resize methods (bicubic, lanczos) are not
 * implemented and are an error.
 *
 * @example
 * ```ts
 * new tk.layers.UpSampling2D({ size: 2 }).apply(tk.zeros([1, 7, 7, 16])).shape;                // [1, 14, 14, 16]
 * new tk.layers.UpSampling2D({ size: [2, 3], interpolation: 'bilinear' }).apply(tk.zeros([1, 4, 4, 1])).shape;   // [1, 8, 12, 1]
 * ```
 */
export class UpSampling2D extends Layer {
  static override readonly className: string = 'UpSampling2D';

  /** The factors [rows, columns] (default [2, 2]). */
  readonly size: [number, number];
  /** 'nearest' (default) or 'bilinear'. */
  readonly interpolation: UpSamplingInterpolation;
  /** Where the channels axis is: 'channels_last' (NHWC, default) or 'channels_first' (NCHW). */
  readonly dataFormat: 'channels_last' | 'channels_first';

  /**
   * @param size the factors, a number or [rows, columns] (or the options object)
   * @param options everything else
   */
  constructor(size?: number | readonly number[] | UpSampling2DOptions, options?: UpSampling2DOptions) {
    const probe = size !== null && typeof size === 'object' && !Array.isArray(size) ? (size as UpSampling2DOptions) : options;
    const who = layerWho('UpSampling2D', probe);
    const split = firstOrOptions(who, 'size', size, options);
    const opts = split.options;
    checkOptions(who, opts, [...LAYER_ARG_KEYS, 'size', 'interpolation', 'dataFormat']);
    const factors = tuple(who, 'size', split.value ?? 2, 2) as [number, number];
    const method = typeof opts.interpolation === 'string' ? opts.interpolation.toLowerCase() : opts.interpolation ?? 'nearest';
    if (method !== 'nearest' && method !== 'bilinear') {
      const keras = ['bicubic', 'lanczos3', 'lanczos5', 'area'].includes(String(method));
      throw new Error(`${who}: interpolation must be 'nearest' or 'bilinear', got ${describe(opts.interpolation)}${keras ? ' (a Keras resize method tensorkit does not implement)' : ''}`);
    }
    const dataFormat = normalizeDataFormat(who, opts.dataFormat);
    super(opts);
    this.size = factors;
    this.interpolation = method;
    this.dataFormat = dataFormat;
    this.inputSpec = { ndim: 4 };
  }

  call(x: Tensor, _args: CallArgs): Tensor {
    return ops.upSampling2d(x, this.size, this.interpolation, this.dataFormat);
  }

  override computeOutputShape(inputShape: SymbolicShape): SymbolicShape {
    const shape = inputShape.slice();
    spatialAxes(this.dataFormat).forEach((axis, i) => {
      const n = inputShape[axis] ?? null;
      shape[axis] = n === null ? null : n * this.size[i]!;
    });
    return shape;
  }

  override getConfig(): LayerConfig {
    return { ...super.getConfig(), size: this.size.slice(), dataFormat: dataFormatConfig(this.dataFormat), interpolation: this.interpolation };
  }
}

/** Padding or cropping per side, Keras's three forms: n, [rows, columns], [[top, bottom], [left, right]]. */
export type Border2D = number | readonly [number | readonly [number, number], number | readonly [number, number]];

/**
 * Keras's argument forms for ZeroPadding2D's padding and Cropping2D's cropping (keras-facts-2
 * §15.5): a number n is n on all four sides; [a, b] is a above and below, b left and right; each
 * of the two entries may itself be a pair [before, after]. Non-negative integers only.
 */
function border(who: string, what: string, value: unknown): [[number, number], [number, number]] {
  const count = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v) && v >= 0;
  const side = (v: unknown, which: string): [number, number] => {
    if (count(v)) return [v, v];
    if (Array.isArray(v) && v.length === 2 && count(v[0]) && count(v[1])) return [v[0], v[1]];
    throw new Error(`${who}: the ${which} entry of ${what} must be a non-negative integer or a pair [before, after] of them, got ${describe(v)} (in ${describe(value)})`);
  };
  if (count(value)) return [[value, value], [value, value]];
  if (Array.isArray(value)) {
    if (value.length !== 2) throw new Error(`${who}: ${what} should have two entries (rows, columns), got ${describe(value)}`);
    return [side(value[0], 'first (rows)'), side(value[1], 'second (columns)')];
  }
  throw new Error(`${who}: ${what} must be a non-negative integer, a pair [rows, columns], or [[top, bottom], [left, right]], got ${describe(value)}`);
}

/** Options of {@link ZeroPadding2D}. */
export interface ZeroPadding2DOptions extends LayerArgs {
  /** n, [rows, columns] or [[top, bottom], [left, right]]. Default 1 (one on every side). */
  padding?: Border2D;
  /** Default: `tk.backend.imageDataFormat()` ('channels_last'). */
  dataFormat?: DataFormat;
}

/**
 * Adds rows and columns of zeros around images: `[batch, h, w, c]` → `[batch, top + h + bottom,
 * left + w + right, c]`. `padding`: a number n (n on every side), `[a, b]` (a above and below, b
 * left and right) or `[[top, bottom], [left, right]]`.
 *
 * @example
 * ```ts
 * new tk.layers.ZeroPadding2D().apply(tk.ones([1, 2, 2, 1])).shape;                        // [1, 4, 4, 1]
 * new tk.layers.ZeroPadding2D({ padding: [[1, 0], [0, 2]] }).apply(tk.ones([1, 2, 2, 1])).shape;   // [1, 3, 4, 1]
 * ```
 */
export class ZeroPadding2D extends Layer {
  static override readonly className: string = 'ZeroPadding2D';

  /** [[top, bottom], [left, right]]. */
  readonly padding: [[number, number], [number, number]];
  /** Where the channels axis is: 'channels_last' (NHWC, default) or 'channels_first' (NCHW). */
  readonly dataFormat: 'channels_last' | 'channels_first';

  /**
   * @param padding n, [rows, columns] or [[top, bottom], [left, right]] (or the options object)
   * @param options everything else
   */
  constructor(padding?: Border2D | ZeroPadding2DOptions, options?: ZeroPadding2DOptions) {
    const probe = padding !== null && typeof padding === 'object' && !Array.isArray(padding) ? (padding as ZeroPadding2DOptions) : options;
    const who = layerWho('ZeroPadding2D', probe);
    const split = firstOrOptions(who, 'padding', padding, options);
    checkOptions(who, split.options, [...LAYER_ARG_KEYS, 'padding', 'dataFormat']);
    const pads = border(who, 'padding', split.value ?? 1);
    const dataFormat = normalizeDataFormat(who, split.options.dataFormat);
    super(split.options);
    this.padding = pads;
    this.dataFormat = dataFormat;
    this.inputSpec = { ndim: 4 };
  }

  call(x: Tensor, _args: CallArgs): Tensor {
    const [rows, cols] = this.padding;
    return ops.pad(x, this.dataFormat === 'channels_first' ? [[0, 0], [0, 0], rows, cols] : [[0, 0], rows, cols, [0, 0]]);
  }

  override computeOutputShape(inputShape: SymbolicShape): SymbolicShape {
    const shape = inputShape.slice();
    spatialAxes(this.dataFormat).forEach((axis, i) => {
      const n = inputShape[axis] ?? null;
      shape[axis] = n === null ? null : n + this.padding[i]![0] + this.padding[i]![1];
    });
    return shape;
  }

  override getConfig(): LayerConfig {
    return { ...super.getConfig(), padding: this.padding.map((p) => p.slice()), dataFormat: dataFormatConfig(this.dataFormat) };
  }
}

/** Options of {@link Cropping2D}. */
export interface Cropping2DOptions extends LayerArgs {
  /** n, [rows, columns] or [[top, bottom], [left, right]]. Default 0 (nothing cropped). */
  cropping?: Border2D;
  /** Default: `tk.backend.imageDataFormat()` ('channels_last'). */
  dataFormat?: DataFormat;
}

/**
 * Removes rows and columns at the borders of images: `[batch, h, w, c]` → `[batch, h − top −
 * bottom, w − left − right, c]`; `cropping` in the forms of {@link ZeroPadding2D}'s padding. What
 * is cropped must leave at least one row and one column.
 *
 * @example
 * ```ts
 * new tk.layers.Cropping2D({ cropping: [[2, 2], [4, 4]] }).apply(tk.ones([1, 28, 28, 3])).shape;   // [1, 24, 20, 3]
 * new tk.layers.Cropping2D({ cropping: 1 }).apply(tk.ones([1, 5, 5, 1])).shape;                     // [1, 3, 3, 1]
 * ```
 */
export class Cropping2D extends Layer {
  static override readonly className: string = 'Cropping2D';

  /** [[top, bottom], [left, right]]. */
  readonly cropping: [[number, number], [number, number]];
  /** Where the channels axis is: 'channels_last' (NHWC, default) or 'channels_first' (NCHW). */
  readonly dataFormat: 'channels_last' | 'channels_first';

  /**
   * @param cropping n, [rows, columns] or [[top, bottom], [left, right]] (or the options object)
   * @param options everything else
   */
  constructor(cropping?: Border2D | Cropping2DOptions, options?: Cropping2DOptions) {
    const probe = cropping !== null && typeof cropping === 'object' && !Array.isArray(cropping) ? (cropping as Cropping2DOptions) : options;
    const who = layerWho('Cropping2D', probe);
    const split = firstOrOptions(who, 'cropping', cropping, options);
    checkOptions(who, split.options, [...LAYER_ARG_KEYS, 'cropping', 'dataFormat']);
    const crops = border(who, 'cropping', split.value ?? 0);
    const dataFormat = normalizeDataFormat(who, split.options.dataFormat);
    super(split.options);
    this.cropping = crops;
    this.dataFormat = dataFormat;
    this.inputSpec = { ndim: 4 };
  }

  call(x: Tensor, _args: CallArgs): Tensor {
    this.computeOutputShape(x.shape); // the layer's own error for an input too small to crop
    const begin = [0, 0, 0, 0];
    const size = x.shape.slice();
    spatialAxes(this.dataFormat).forEach((axis, i) => {
      begin[axis] = this.cropping[i]![0];
      size[axis] = x.shape[axis]! - this.cropping[i]![0] - this.cropping[i]![1];
    });
    return ops.slice(x, begin, size);
  }

  override computeOutputShape(inputShape: SymbolicShape): SymbolicShape {
    const shape = inputShape.slice();
    spatialAxes(this.dataFormat).forEach((axis, i) => {
      const n = inputShape[axis] ?? null;
      const removed = this.cropping[i]![0] + this.cropping[i]![1];
      if (n !== null && removed >= n) {
        throw new Error(`${this.name}: cropping ${describe(this.cropping)} removes ${removed} of the ${n} ${i === 0 ? 'rows' : 'columns'} of input ${formatSymbolicShape(inputShape)}; it must leave at least one`);
      }
      shape[axis] = n === null ? null : n - removed;
    });
    return shape;
  }

  override getConfig(): LayerConfig {
    return { ...super.getConfig(), cropping: this.cropping.map((p) => p.slice()), dataFormat: dataFormatConfig(this.dataFormat) };
  }
}
