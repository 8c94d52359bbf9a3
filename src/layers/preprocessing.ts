// Preprocessing layers that run inside a model and are saved with it (keras/src/layers/
// preprocessing/rescaling.py, image_preprocessing/resizing.py, center_crop.py, normalization.py,
// category_encoding.py; keras-facts-2 §15.6, §17.3):
//   Rescaling          y = x·scale + offset
//   Resizing           resample NHWC (or NCHW) images to [height, width]: bilinear or nearest with
//                      half-pixel centres as Keras 3 (TF.js aligns corners), optionally after a
//                      centred crop (or a padding) to the target's aspect ratio
//   CenterCrop         the centred [height, width] window; an input smaller on either side is
//                      cropped to the aspect ratio and resized bilinearly (Keras's smart_resize)
//   Normalization      y = (x − mean)/max(√variance, 1e-7) per kept axis, `adapt` computing the
//                      statistics; `invert` maps back
//   CategoryEncoding   integer ids → one-hot, multi-hot or count vectors of numTokens
// All but CategoryEncoding are composed of tape ops (slice, gather, pad, resizeBilinear, sub, div,
// mul, add), so gradients flow through them; CategoryEncoding's output is a constant of its
// integer input.

import * as ops from '../ops/index.js';
import { formatShape } from '../tensor/shape.js';
import { Tensor, tensor, type Variable } from '../tensor/tensor.js';
import { isDataset, iterate, type Dataset } from '../trainers/data.js';
import { dataFormatConfig } from './conv_options.js';
import { normalizeDataFormat, type DataFormat } from './flatten.js';
import { Layer, formatSymbolicShape, type CallArgs, type LayerArgs, type LayerConfig, type SymbolicShape } from './layer.js';
import { LAYER_ARG_KEYS, boolean, checkOptions, describe, finiteNumber, layerWho, positiveInteger } from './options.js';

// ---- Rescaling ----------------------------------------------------------------------------------

/** Options of {@link Rescaling}. */
export interface RescalingOptions extends LayerArgs {
  /** The factor (required), e.g. 1/255. */
  scale?: number;
  /** Added after scaling (default 0). */
  offset?: number;
}

/**
 * `y = x·scale + offset`, e.g. pixels 0..255 to 0..1 with `scale: 1/255`, or to −1..1 with
 * `scale: 1/127.5, offset: -1`. Passes masks on.
 *
 * @example
 * ```ts
 * new tk.layers.Rescaling({ scale: 1 / 255 }).apply(tk.tensor([[0, 255]]));   // [[0, 1]]
 * ```
 */
export class Rescaling extends Layer {
  static override readonly className: string = 'Rescaling';
  /** The factor. */
  readonly scale: number;
  /** The offset added after scaling (default 0). */
  readonly offset: number;

  constructor(options: RescalingOptions = {}) {
    const who = layerWho('Rescaling', options);
    checkOptions(who, options, [...LAYER_ARG_KEYS, 'scale', 'offset']);
    if (options.scale === undefined) throw new Error(`${who}: scale is required (a number, e.g. 1/255)`);
    const scale = finiteNumber(who, 'scale', options.scale);
    const offset = finiteNumber(who, 'offset', options.offset ?? 0);
    super(options);
    this.supportsMasking = true;
    this.scale = scale;
    this.offset = offset;
  }

  override computeOutputShape(inputShape: SymbolicShape): SymbolicShape {
    return inputShape;
  }

  call(x: Tensor, _args: CallArgs): Tensor {
    const y = ops.mul(x, this.scale);
    return this.offset === 0 ? y : ops.add(y, this.offset);
  }

  /** The configuration: scale and offset. */
  override getConfig(): LayerConfig {
    return { ...super.getConfig(), scale: this.scale, offset: this.offset };
  }
}

// ---- Resizing and CenterCrop --------------------------------------------------------------------

/** The interpolations Resizing implements. */
export type ResizeInterpolation = 'bilinear' | 'nearest';

/** Options of {@link Resizing}. */
export interface ResizingOptions extends LayerArgs {
  /** 'bilinear' (default) or 'nearest'; Keras's 'bicubic', 'lanczos3', 'lanczos5', 'area' are errors. */
  interpolation?: ResizeInterpolation;
  /** Crop the centred window of the target's aspect ratio first, so nothing is stretched (default false). */
  cropToAspectRatio?: boolean;
  /** Pad with `fillValue` (rows above and below, columns left and right) to the target's aspect ratio first (default false). */
  padToAspectRatio?: boolean;
  /** Only 'constant' (Keras's default), the padding mode of padToAspectRatio. */
  fillMode?: 'constant';
  /** The padding value of padToAspectRatio (default 0). */
  fillValue?: number;
  /** Only false (Keras's default): no antialiasing filter when down-sampling. */
  antialias?: false;
  /** Default 'channels_last' (NHWC). */
  dataFormat?: DataFormat;
}

/** Options of {@link CenterCrop}. */
export interface CenterCropOptions extends LayerArgs {
  /** Default 'channels_last' (NHWC). */
  dataFormat?: DataFormat;
}

/** [axis of height, axis of width] of a rank-4 batch. */
function spatialAxes(format: 'channels_last' | 'channels_first'): [number, number] {
  return format === 'channels_first' ? [2, 3] : [1, 2];
}

/** The rows [h0, h0 + h) and columns [w0, w0 + w) of a rank-4 batch. */
function window(x: Tensor, format: 'channels_last' | 'channels_first', h0: number, w0: number, h: number, w: number): Tensor {
  const [ha, wa] = spatialAxes(format);
  const begin = [0, 0, 0, 0];
  const size = [...x.shape];
  begin[ha] = h0;
  begin[wa] = w0;
  size[ha] = h;
  size[wa] = w;
  return ops.slice(x, begin, size);
}

/** Keras's crop to the target aspect ratio (smart_resize, crop_to_aspect_ratio): the centred box. */
function cropToAspect(x: Tensor, format: 'channels_last' | 'channels_first', height: number, width: number): Tensor {
  const [ha, wa] = spatialAxes(format);
  const H = x.shape[ha]!;
  const W = x.shape[wa]!;
  const cropH = Math.max(Math.min(H, Math.trunc((W * height) / width)), 1);
  const cropW = Math.max(Math.min(W, Math.trunc((H * width) / height)), 1);
  return window(x, format, Math.trunc((H - cropH) / 2), Math.trunc((W - cropW) / 2), cropH, cropW);
}

/** Nearest-neighbour resize with half-pixel centres: source index floor((i + 0.5)·in/out), clamped. */
function resizeNearest(x: Tensor, format: 'channels_last' | 'channels_first', height: number, width: number): Tensor {
  const [ha, wa] = spatialAxes(format);
  const picks = (inSize: number, outSize: number): Tensor => {
    const idx = new Float32Array(outSize);
    for (let i = 0; i < outSize; i++) idx[i] = Math.min(Math.floor(((i + 0.5) * inSize) / outSize), inSize - 1);
    return new Tensor(idx, [outSize]);
  };
  const rows = ops.gather(x, picks(x.shape[ha]!, height), ha);
  return ops.gather(rows, picks(x.shape[wa]!, width), wa);
}

/** Resamples a rank-4 batch to [height, width] (identity when already that size). */
function resize(x: Tensor, format: 'channels_last' | 'channels_first', height: number, width: number, interpolation: ResizeInterpolation): Tensor {
  const [ha, wa] = spatialAxes(format);
  if (x.shape[ha] === height && x.shape[wa] === width) return x;
  return interpolation === 'nearest' ? resizeNearest(x, format, height, width) : ops.resizeBilinear(x, [height, width], format);
}

/** The output shape of a resize of `inputShape` to [height, width] (rank 4 required). */
function resizedShape(who: string, inputShape: SymbolicShape, format: 'channels_last' | 'channels_first', height: number, width: number): SymbolicShape {
  if (inputShape.length !== 4) throw new Error(`${who}: expected a batch of images of rank 4, got input shape ${formatSymbolicShape(inputShape)}`);
  const [ha, wa] = spatialAxes(format);
  const out = [...inputShape];
  out[ha] = height;
  out[wa] = width;
  return out;
}

/** Resizing's and CenterCrop's positional height and width. */
function sizeArgs(who: string, height: unknown, width: unknown): [number, number] {
  return [positiveInteger(who, 'height', height), positiveInteger(who, 'width', width)];
}

/**
 * Resizes a batch of images to `[height, width]`: bilinear (default) or nearest, with half-pixel
 * centres as Keras 3 (`tf.image.resize`); TF.js's own layer aligns corners instead. With
 * `cropToAspectRatio` the centred window of the target's aspect ratio is resized (nothing
 * stretched); with `padToAspectRatio` the image is padded to it.
 *
 * @example
 * ```ts
 * const resize = new tk.layers.Resizing(64, 64, { cropToAspectRatio: true });
 * resize.apply(tk.zeros([1, 100, 200, 3])).shape;   // [1, 64, 64, 3]: the centred 100×100, resized
 * ```
 */
export class Resizing extends Layer {
  static override readonly className: string = 'Resizing';

  /**
   * Builds the layer from its `getConfig()` (height and width are positional).
   *
   * @example
   * ```ts
   * const copy = tk.layers.Resizing.fromConfig(layer.getConfig());
   * ```
   */
  static override fromConfig(config: LayerConfig): Resizing {
    const { height, width, ...options } = config;
    return new Resizing(height as number, width as number, options as ResizingOptions);
  }

  /** The output height. */
  readonly height: number;
  /** The output width. */
  readonly width: number;
  /** 'bilinear' (default) or 'nearest'. */
  readonly interpolation: ResizeInterpolation;
  /** Whether the centred window of the target aspect ratio is cropped first (default false). */
  readonly cropToAspectRatio: boolean;
  /** Whether the image is padded to the target aspect ratio first (default false). */
  readonly padToAspectRatio: boolean;
  /** The padding value (default 0). */
  readonly fillValue: number;
  /** Where the channels axis is. */
  readonly dataFormat: 'channels_last' | 'channels_first';

  constructor(height: number, width: number, options: ResizingOptions = {}) {
    const who = layerWho('Resizing', options);
    checkOptions(who, options, [...LAYER_ARG_KEYS, 'interpolation', 'cropToAspectRatio', 'padToAspectRatio', 'fillMode', 'fillValue', 'antialias', 'dataFormat']);
    const [h, w] = sizeArgs(who, height, width);
    const interpolation = options.interpolation ?? 'bilinear';
    if (interpolation !== 'bilinear' && interpolation !== 'nearest') {
      throw new Error(`${who}: interpolation must be 'bilinear' or 'nearest' (tensorkit has no other), got ${describe(interpolation)}`);
    }
    const crop = boolean(who, 'cropToAspectRatio', options.cropToAspectRatio ?? false);
    const pad = boolean(who, 'padToAspectRatio', options.padToAspectRatio ?? false);
    if (crop && pad) throw new Error(`${who}: cropToAspectRatio and padToAspectRatio cannot both be true`);
    if (options.fillMode !== undefined && options.fillMode !== 'constant') throw new Error(`${who}: fillMode must be 'constant' (tensorkit has no other), got ${describe(options.fillMode)}`);
    const fillValue = finiteNumber(who, 'fillValue', options.fillValue ?? 0);
    if (options.antialias !== undefined && options.antialias !== false) throw new Error(`${who}: antialias is not supported; got ${describe(options.antialias)}, expected false`);
    const dataFormat = normalizeDataFormat(who, options.dataFormat);
    super(options);
    this.height = h;
    this.width = w;
    this.interpolation = interpolation;
    this.cropToAspectRatio = crop;
    this.padToAspectRatio = pad;
    this.fillValue = fillValue;
    this.dataFormat = dataFormat;
    this.inputSpec = { ndim: 4 };
  }

  override computeOutputShape(inputShape: SymbolicShape): SymbolicShape {
    return resizedShape(this.name, inputShape, this.dataFormat, this.height, this.width);
  }

  call(x: Tensor, _args: CallArgs): Tensor {
    let t = x;
    if (this.cropToAspectRatio) t = cropToAspect(t, this.dataFormat, this.height, this.width);
    if (this.padToAspectRatio) {
      // Keras: pad_h = max(H, int(W·h/w)), pad_w = max(W, int(H·w/h)); int((pad − size)/2) on each side.
      const [ha, wa] = spatialAxes(this.dataFormat);
      const H = t.shape[ha]!;
      const W = t.shape[wa]!;
      const dh = Math.trunc((Math.max(H, Math.trunc((W * this.height) / this.width)) - H) / 2);
      const dw = Math.trunc((Math.max(W, Math.trunc((H * this.width) / this.height)) - W) / 2);
      const paddings: [number, number][] = [[0, 0], [0, 0], [0, 0], [0, 0]];
      paddings[ha] = [dh, dh];
      paddings[wa] = [dw, dw];
      if (dh > 0 || dw > 0) t = ops.pad(t, paddings, this.fillValue);
    }
    return resize(t, this.dataFormat, this.height, this.width, this.interpolation);
  }

  /** The configuration: height, width, interpolation, cropToAspectRatio, dataFormat (padding keys when set). */
  override getConfig(): LayerConfig {
    const config: LayerConfig = {
      ...super.getConfig(),
      height: this.height,
      width: this.width,
      interpolation: this.interpolation,
      cropToAspectRatio: this.cropToAspectRatio,
      dataFormat: dataFormatConfig(this.dataFormat),
    };
    // Written only when used: TF.js's Resizing has neither.
    return this.padToAspectRatio ? { ...config, padToAspectRatio: true, fillValue: this.fillValue } : config;
  }
}

/**
 * Crops the centred `[height, width]` window of each image (rows from floor((H − height)/2)). An
 * image smaller than the target on either side is cropped to the target's aspect ratio and
 * resized bilinearly instead, as Keras 3 (TF.js crops through cropAndResize).
 *
 * @example
 * ```ts
 * new tk.layers.CenterCrop(2, 2).apply(tk.range(0, 16).reshape([1, 4, 4, 1])).reshape([2, 2]);   // [[5, 6], [9, 10]]
 * ```
 */
export class CenterCrop extends Layer {
  static override readonly className: string = 'CenterCrop';

  /**
   * Builds the layer from its `getConfig()` (height and width are positional).
   *
   * @example
   * ```ts
   * const copy = tk.layers.CenterCrop.fromConfig(layer.getConfig());
   * ```
   */
  static override fromConfig(config: LayerConfig): CenterCrop {
    const { height, width, ...options } = config;
    return new CenterCrop(height as number, width as number, options as CenterCropOptions);
  }

  /** The output height. */
  readonly height: number;
  /** The output width. */
  readonly width: number;
  /** Where the channels axis is. */
  readonly dataFormat: 'channels_last' | 'channels_first';

  constructor(height: number, width: number, options: CenterCropOptions = {}) {
    const who = layerWho('CenterCrop', options);
    checkOptions(who, options, [...LAYER_ARG_KEYS, 'dataFormat']);
    const [h, w] = sizeArgs(who, height, width);
    const dataFormat = normalizeDataFormat(who, options.dataFormat);
    super(options);
    this.height = h;
    this.width = w;
    this.dataFormat = dataFormat;
    this.inputSpec = { ndim: 4 };
  }

  override computeOutputShape(inputShape: SymbolicShape): SymbolicShape {
    return resizedShape(this.name, inputShape, this.dataFormat, this.height, this.width);
  }

  call(x: Tensor, _args: CallArgs): Tensor {
    const [ha, wa] = spatialAxes(this.dataFormat);
    const H = x.shape[ha]!;
    const W = x.shape[wa]!;
    if (H >= this.height && W >= this.width) {
      return window(x, this.dataFormat, Math.floor((H - this.height) / 2), Math.floor((W - this.width) / 2), this.height, this.width);
    }
    return resize(cropToAspect(x, this.dataFormat, this.height, this.width), this.dataFormat, this.height, this.width, 'bilinear');
  }

  /** The configuration: height, width, dataFormat. */
  override getConfig(): LayerConfig {
    return { ...super.getConfig(), height: this.height, width: this.width, dataFormat: dataFormatConfig(this.dataFormat) };
  }
}

// ---- Normalization ------------------------------------------------------------------------------

/** A number or a nested array of numbers (Normalization's given mean and variance). */
export type NumberTree = number | NumberTree[];

/** Options of {@link Normalization}. */
export interface NormalizationOptions extends LayerArgs {
  /**
   * The axes that keep their own statistics (default -1: one mean and variance per feature of
   * the last axis); null: one scalar mean and variance for everything.
   */
  axis?: number | number[] | null;
  /** A fixed mean (with `variance`): no weights, no `adapt`. Broadcast against the kept axes. */
  mean?: NumberTree | null;
  /** A fixed variance (with `mean`). */
  variance?: NumberTree | null;
  /** Map normalized values back: y = mean + x·√variance (default false). */
  invert?: boolean;
}

/** What `adapt` reads: a tensor or nested array of samples, or a dataset of batches. */
export type AdaptData = Tensor | NumberTree[] | Dataset;

/** Keras's backend epsilon, the floor of the standard deviation. */
const STD_FLOOR = 1e-7;

/**
 * Standardizes features: `y = (x − mean)/max(√variance, 1e-7)`, per index of the kept `axis`
 * (default the last). The statistics are either given (`mean`, `variance`) or computed from
 * data by `adapt` into the non-trainable weights `mean`, `variance` (and Keras's `count`), which
 * save with the model. Not in TF.js 4.22 (Keras has it).
 *
 * @example
 * ```ts
 * const norm = new tk.layers.Normalization();
 * norm.adapt(tk.tensor([[1, 10], [3, 30]]));        // mean [2, 20], variance [1, 100]
 * norm.apply(tk.tensor([[3, 10]]));                  // [[1, -1]]
 * new tk.layers.Normalization({ mean: 5, variance: 4 }).apply(tk.tensor([7]));   // [1]
 * ```
 */
export class Normalization extends Layer {
  static override readonly className: string = 'Normalization';
  /** The kept axes as given: a list (an int becomes a one-element list; null becomes []). */
  readonly axis: number[];
  /** Whether the layer maps normalized values back (default false). */
  readonly invert: boolean;
  /** The given mean, or null when adapted. */
  readonly inputMean: NumberTree | null;
  /** The given variance, or null when adapted. */
  readonly inputVariance: NumberTree | null;
  /** The adapted mean (non-trainable), created at build when no mean was given. */
  adaptMean: Variable | null = null;
  /** The adapted variance (non-trainable), created at build when no variance was given. */
  adaptVariance: Variable | null = null;
  /** Keras's `count` weight (a scalar kept for file compatibility; Keras never updates it). */
  count: Variable | null = null;
  private keepAxes: number[] = [];
  private broadcastShape: number[] = [];
  /** The given statistics broadcast to `broadcastShape`, fixed at build. */
  private fixed: { mean: Tensor; variance: Tensor } | null = null;

  constructor(options: NormalizationOptions = {}) {
    const who = layerWho('Normalization', options);
    checkOptions(who, options, [...LAYER_ARG_KEYS, 'axis', 'mean', 'variance', 'invert']);
    const axis = options.axis === undefined ? -1 : options.axis;
    let list: number[];
    if (axis === null) list = [];
    else if (typeof axis === 'number' && Number.isInteger(axis)) list = [axis];
    else if (Array.isArray(axis) && axis.every((a) => typeof a === 'number' && Number.isInteger(a))) list = [...axis];
    else throw new Error(`${who}: axis must be an integer, a list of integers or null, got ${describe(axis)}`);
    const mean = options.mean ?? null;
    const variance = options.variance ?? null;
    if ((mean === null) !== (variance === null)) {
      throw new Error(`${who}: mean and variance must be given together (or neither, then adapt computes them); got mean ${describe(mean)}, variance ${describe(variance)}`);
    }
    if (mean !== null) {
      const m = tensor(mean as number);
      const v = tensor(variance as number);
      if (m.shape.join() !== v.shape.join()) throw new Error(`${who}: mean and variance must have the same shape, got ${formatShape(m.shape)} and ${formatShape(v.shape)}`);
    }
    const invert = boolean(who, 'invert', options.invert ?? false);
    super(options);
    this.supportsMasking = true;
    this.axis = list;
    this.invert = invert;
    this.inputMean = mean;
    this.inputVariance = variance;
  }

  override build(inputShape: SymbolicShape): void {
    const ndim = inputShape.length;
    for (const a of this.axis) {
      if (a < -ndim || a >= ndim) throw new Error(`${this.name}: axis ${describe(this.axis)} is out of range for input shape ${formatSymbolicShape(inputShape)}`);
    }
    const keep = [...new Set(this.axis.map((a) => (a < 0 ? a + ndim : a)))].sort((a, b) => a - b);
    for (const d of keep) {
      if (inputShape[d] === null) throw new Error(`${this.name}: the kept axis ${d} must have a known size, got input shape ${formatSymbolicShape(inputShape)}`);
    }
    this.keepAxes = keep;
    this.broadcastShape = inputShape.map((d, i) => (keep.includes(i) ? d! : 1));
    const statShape = keep.map((d) => inputShape[d]!);
    if (this.inputMean === null) {
      this.adaptMean = this.addWeight('mean', statShape, 'zeros', { trainable: false });
      this.adaptVariance = this.addWeight('variance', statShape, 'ones', { trainable: false });
      this.count = this.addWeight('count', [], 'zeros', { trainable: false });
    } else {
      // A scalar broadcasts everywhere; otherwise the given dims align with the kept axes from
      // the right (Keras), the others of the broadcast shape being 1.
      const expand = (tree: NumberTree): Tensor => {
        const t = tensor(tree as number);
        if (t.rank === 0) return ops.broadcastTo(ops.reshape(t, this.broadcastShape.map(() => 1)), this.broadcastShape);
        if (t.rank > keep.length) throw new Error(`${this.name}: the given mean has shape ${formatShape(t.shape)}, more axes than the kept axes ${describe(keep)}`);
        const shape = this.broadcastShape.map(() => 1);
        for (let i = 1; i <= t.rank; i++) shape[keep[keep.length - i]!] = t.shape[t.rank - i]!;
        try {
          return ops.broadcastTo(ops.reshape(t, shape), this.broadcastShape);
        } catch {
          throw new Error(`${this.name}: the given mean/variance of shape ${formatShape(t.shape)} does not broadcast to the kept axes of input shape ${formatSymbolicShape(inputShape)}`);
        }
      };
      this.fixed = { mean: expand(this.inputMean), variance: expand(this.inputVariance!) };
    }
    super.build(inputShape);
  }

  override computeOutputShape(inputShape: SymbolicShape): SymbolicShape {
    return inputShape;
  }

  call(x: Tensor, _args: CallArgs): Tensor {
    const mean = this.fixed?.mean ?? ops.reshape(this.adaptMean!, this.broadcastShape);
    const variance = this.fixed?.variance ?? ops.reshape(this.adaptVariance!, this.broadcastShape);
    const std = ops.maximum(ops.sqrt(variance), STD_FLOOR);
    return this.invert ? ops.add(mean, ops.mul(x, std)) : ops.div(ops.sub(x, mean), std);
  }

  /**
   * Computes the mean and the biased (population) variance of `data` over every axis but the
   * kept ones, into the weights `mean` and `variance` (building the layer from the data's shape
   * if needed). A tensor or array is read at once; a dataset (of tensors, `{ xs }` or
   * `[xs, ...]` batches) batch by batch, the statistics merged exactly (Chan's parallel
   * update, in float64). Returns a promise for an async dataset, else nothing.
   *
   * @example
   * ```ts
   * const norm = new tk.layers.Normalization({ axis: -1 });
   * norm.adapt([[0, 1], [2, 3], [4, 5]]);
   * norm.getWeights()[0].toArray();   // [2, 3]
   * ```
   */
  adapt(data: AdaptData): void | Promise<void> {
    if (this.inputMean !== null) throw new Error(`${this.name}: adapt cannot be used with a given mean and variance`);
    const stats = new RunningMoments();
    const take = (batch: unknown, step: number): void => {
      const t = batchTensor(this.name, batch, step);
      if (!this.built) this.build([null, ...t.shape.slice(1)]);
      this.accumulate(stats, t);
    };
    if (isDataset(data)) {
      const it = iterate(data as Dataset);
      const finish = (): void => this.store(stats);
      const first = it.next();
      if (first instanceof Promise) {
        return (async () => {
          let step = 0;
          for (let r = await first; r.done !== true; r = await (it.next() as Promise<IteratorResult<unknown>>)) take(r.value, step++);
          finish();
        })();
      }
      let step = 0;
      for (let r = first as IteratorResult<unknown>; r.done !== true; r = it.next() as IteratorResult<unknown>) take(r.value, step++);
      finish();
      return;
    }
    take(data, 0);
    this.store(stats);
  }

  /** Adds one batch's per-cell moments to `stats` (two-pass within the batch, float64). */
  private accumulate(stats: RunningMoments, t: Tensor): void {
    const rank = this.broadcastShape.length;
    if (t.rank !== rank || this.keepAxes.some((a) => t.shape[a] !== this.broadcastShape[a])) {
      throw new Error(`${this.name}: adapt data of shape ${formatShape(t.shape)} does not fit the layer's input shape ${formatSymbolicShape(this.builtInputShape ?? [])}`);
    }
    const cells = this.broadcastShape.reduce((p, d) => p * d, 1);
    // The cell of each flat index: its coordinates on the kept axes, in row-major order.
    const strides = t.shape.map((_, i) => t.shape.slice(i + 1).reduce((p, d) => p * d, 1));
    const cellStrides = this.broadcastShape.map((_, i) => this.broadcastShape.slice(i + 1).reduce((p, d) => p * d, 1));
    const cellOf = new Int32Array(t.size);
    for (let i = 0; i < t.size; i++) {
      let c = 0;
      for (const a of this.keepAxes) c += (Math.floor(i / strides[a]!) % t.shape[a]!) * cellStrides[a]!;
      cellOf[i] = c;
    }
    const n = t.size / cells;
    if (n === 0) return;
    const mean = new Float64Array(cells);
    const m2 = new Float64Array(cells);
    for (let i = 0; i < t.size; i++) mean[cellOf[i]!]! += t.data[i]!;
    for (let c = 0; c < cells; c++) mean[c]! /= n;
    for (let i = 0; i < t.size; i++) {
      const d = t.data[i]! - mean[cellOf[i]!]!;
      m2[cellOf[i]!]! += d * d;
    }
    stats.merge(n, mean, m2);
  }

  private store(stats: RunningMoments): void {
    if (stats.count === 0 || stats.mean === null) throw new Error(`${this.name}: adapt got no data`);
    const shape = this.adaptMean!.shape;
    this.adaptMean!.assign(new Tensor(Float32Array.from(stats.mean), shape));
    this.adaptVariance!.assign(new Tensor(Float32Array.from(stats.m2!, (q) => q / stats.count), shape));
  }

  /** The configuration: axis (a list), invert, mean and variance (null when adapted). */
  override getConfig(): LayerConfig {
    return { ...super.getConfig(), axis: [...this.axis], invert: this.invert, mean: this.inputMean, variance: this.inputVariance };
  }
}

/** Count, mean and M2 (sum of squared deviations) per cell, merged batch by batch (Chan et al.). */
class RunningMoments {
  count = 0;
  mean: Float64Array | null = null;
  m2: Float64Array | null = null;

  merge(n: number, mean: Float64Array, m2: Float64Array): void {
    if (this.mean === null || this.m2 === null) {
      this.count = n;
      this.mean = mean;
      this.m2 = m2;
      return;
    }
    const total = this.count + n;
    for (let c = 0; c < mean.length; c++) {
      const delta = mean[c]! - this.mean[c]!;
      this.mean[c]! += (delta * n) / total;
      this.m2[c]! += m2[c]! + (delta * delta * this.count * n) / total;
    }
    this.count = total;
  }
}

/** One adapt batch as a tensor: a Tensor, a nested array, or a dataset element `{ xs }` / `[xs, ...]`. */
function batchTensor(who: string, batch: unknown, step: number): Tensor {
  let b = batch;
  if (b !== null && typeof b === 'object' && !(b instanceof Tensor) && !Array.isArray(b) && Object.hasOwn(b, 'xs')) b = (b as { xs: unknown }).xs;
  if (b instanceof Tensor) return b;
  if (Array.isArray(b) && b.length > 0 && b[0] instanceof Tensor) return b[0] as Tensor;
  if (Array.isArray(b)) return tensor(b as number[]);
  throw new Error(`${who}: adapt batch ${step} is ${describe(b)}; expected a Tensor, a nested number array, or a dataset of them`);
}

// ---- CategoryEncoding ---------------------------------------------------------------------------

/** CategoryEncoding's output modes (Keras's snake_case names; 'binary' is Keras's alias of 'multi_hot'). */
export type CategoryOutputMode = 'one_hot' | 'multi_hot' | 'count';

/** Options of {@link CategoryEncoding}. */
export interface CategoryEncodingOptions extends LayerArgs {
  /** The number of ids, ≥ 1 (required): ids run over [0, numTokens). */
  numTokens?: number;
  /** 'multi_hot' (default), 'one_hot' or 'count'; TF.js's 'multiHot', 'oneHot' and Keras's 'binary' are read too. */
  outputMode?: CategoryOutputMode | 'binary' | 'multiHot' | 'oneHot';
  /** Only false: outputs are dense. */
  sparse?: false;
}

/**
 * Encodes integer ids as vectors of length `numTokens`: 'one_hot' (one vector per id; an input
 * `[B]` or `[B, 1]` gives `[B, numTokens]`), 'multi_hot' (1 where an id of the row occurs; the
 * last axis is consumed) or 'count' (how often). Ids ≥ numTokens contribute nothing (as Keras on
 * TensorFlow); negative or fractional ids are an error.
 *
 * @example
 * ```ts
 * new tk.layers.CategoryEncoding({ numTokens: 4, outputMode: 'count' }).apply(tk.tensor([[0, 1, 1], [3, 3, 2]]));
 * // [[1, 2, 0, 0], [0, 0, 1, 2]]
 * ```
 */
export class CategoryEncoding extends Layer {
  static override readonly className: string = 'CategoryEncoding';
  /** The number of ids. */
  readonly numTokens: number;
  /** The output mode. */
  readonly outputMode: CategoryOutputMode;

  constructor(options: CategoryEncodingOptions = {}) {
    const who = layerWho('CategoryEncoding', options);
    checkOptions(who, options, [...LAYER_ARG_KEYS, 'numTokens', 'outputMode', 'sparse']);
    if (options.numTokens === undefined || options.numTokens === null) throw new Error(`${who}: numTokens is required (a positive integer)`);
    const numTokens = positiveInteger(who, 'numTokens', options.numTokens);
    const given = options.outputMode ?? 'multi_hot';
    const modes: Record<string, CategoryOutputMode> = { one_hot: 'one_hot', oneHot: 'one_hot', multi_hot: 'multi_hot', multiHot: 'multi_hot', binary: 'multi_hot', count: 'count' };
    const outputMode = typeof given === 'string' ? modes[given] : undefined;
    if (outputMode === undefined) throw new Error(`${who}: outputMode must be 'one_hot', 'multi_hot' or 'count', got ${describe(given)}`);
    if (options.sparse !== undefined && options.sparse !== false) throw new Error(`${who}: sparse outputs are not supported; got sparse ${describe(options.sparse)}, expected false`);
    super(options);
    this.numTokens = numTokens;
    this.outputMode = outputMode;
  }

  override computeOutputShape(inputShape: SymbolicShape): SymbolicShape {
    if (inputShape.length === 0) return [this.numTokens];
    if (this.outputMode === 'one_hot' && inputShape[inputShape.length - 1] !== 1) return [...inputShape, this.numTokens];
    return [...inputShape.slice(0, -1), this.numTokens];
  }

  call(x: Tensor, _args: CallArgs): Tensor {
    const shape = this.computeOutputShape(x.shape) as number[];
    const k = this.numTokens;
    const out = new Float32Array(shape.reduce((p, d) => p * d, 1));
    // Each output row of k gathers the ids of one input row: one id (one_hot) or the last axis.
    const perRow = this.outputMode === 'one_hot' ? 1 : x.rank === 0 ? 1 : x.shape[x.rank - 1]!;
    for (let i = 0; i < x.size; i++) {
      const id = x.data[i]!;
      if (!Number.isInteger(id) || id < 0) throw new Error(`${this.name}: ids must be non-negative integers, got ${id} at index ${i} of input shape ${formatShape(x.shape)}`);
      if (id >= k) continue;
      const at = Math.floor(i / perRow) * k + id;
      out[at] = this.outputMode === 'count' ? out[at]! + 1 : 1;
    }
    return new Tensor(out, shape);
  }

  /** The configuration: numTokens, outputMode (Keras's snake_case), sparse false. */
  override getConfig(): LayerConfig {
    return { ...super.getConfig(), numTokens: this.numTokens, outputMode: this.outputMode, sparse: false };
  }
}
