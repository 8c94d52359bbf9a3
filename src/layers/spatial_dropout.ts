// SpatialDropout1D and SpatialDropout2D: dropout of whole feature maps, active in training only
// (keras/src/layers/regularization/spatial_dropout.py). Inverted dropout as Dropout (dropout.ts),
// with one keep/drop draw per sample and channel, shared by every step or pixel of that channel:
// noise shape [batch, 1, channels] (1-D), [batch, 1, 1, channels] or [batch, channels, 1, 1] (2-D).

import { Random, randomSource } from '../tensor/random.js';
import type { Tensor } from '../tensor/tensor.js';
import { dataFormatConfig } from './conv_options.js';
import { invertedDropout } from './dropout.js';
import { normalizeDataFormat, type DataFormat } from './flatten.js';
import { Layer, type CallArgs, type LayerArgs, type LayerConfig, type SymbolicShape } from './layer.js';
import { LAYER_ARG_KEYS, checkOptions, describe, layerWho, seedOption } from './options.js';

/** Options of {@link SpatialDropout1D}. */
export interface SpatialDropout1DOptions extends LayerArgs {
  /**
   * With a seed the layer owns a generator started once from it (as Dropout): the same seed gives
   * the same sequence of masks. Without, masks come from the global generator (`tk.setSeed`).
   */
  seed?: number | null;
  /** Only null, as TF.js configs write it: the noise shape is the layer's (one draw per channel). */
  noiseShape?: null;
}

/** Options of {@link SpatialDropout2D}. */
export interface SpatialDropout2DOptions extends SpatialDropout1DOptions {
  /** Default: `tk.backend.imageDataFormat()` ('channels_last'). */
  dataFormat?: DataFormat;
}

/** What both share: the rate, the seeded generator, the masked multiply. */
abstract class SpatialDropout extends Layer {
  /** The fraction of channels zeroed per sample in training, in [0, 1]; the others are scaled by 1/(1 − rate). */
  readonly rate: number;
  /** The seed of the layer's own mask generator, or null to use the global one. */
  readonly seed: number | null;
  private readonly rng: Random | null;

  constructor(className: string, rate: unknown, options: SpatialDropout2DOptions, extraKeys: readonly string[]) {
    const who = layerWho(className, options);
    checkOptions(who, options, [...LAYER_ARG_KEYS, 'seed', 'noiseShape', ...extraKeys]);
    if (typeof rate !== 'number' || !(rate >= 0 && rate <= 1)) throw new Error(`${who}: rate must be a number in [0, 1], got ${describe(rate)}`);
    if (options.noiseShape !== undefined && options.noiseShape !== null) {
      throw new Error(`${who}: noiseShape is fixed (one draw per sample and channel); got ${describe(options.noiseShape)}`);
    }
    const seed = seedOption(who, options.seed);
    super(options);
    this.supportsMasking = true; // passes its input's mask on, as Dropout
    this.rate = rate;
    this.seed = seed;
    this.rng = seed === null ? null : new Random(seed);
  }

  /** The noise shape for a concrete input: 1 on the axes whose values share a draw. */
  protected abstract noiseShape(shape: readonly number[]): number[];

  call(x: Tensor, args: CallArgs): Tensor {
    if (args.training !== true || this.rate === 0) return x;
    return invertedDropout(x, this.rate, this.noiseShape(x.shape), this.rng ?? randomSource());
  }

  override computeOutputShape(inputShape: SymbolicShape): SymbolicShape {
    return inputShape;
  }

  override getConfig(): LayerConfig {
    return { ...super.getConfig(), rate: this.rate, seed: this.seed };
  }
}

/**
 * Dropout of whole 1-D feature maps: for `[batch, steps, channels]` each sample's channel is
 * dropped (every step of it) with probability `rate` in training, the kept ones scaled by
 * 1/(1 − rate); the identity outside training.
 *
 * @example
 * ```ts
 * const drop = new tk.layers.SpatialDropout1D(0.5, { seed: 1 });
 * drop.apply(tk.ones([2, 5, 4]), { training: true });   // per sample, each column all 0 or all 2
 * ```
 */
export class SpatialDropout1D extends SpatialDropout {
  static override readonly className: string = 'SpatialDropout1D';

  /**
   * Builds the layer from its `getConfig()` (rate is positional in the constructor).
   *
   * @example
   * ```ts
   * const copy = tk.layers.SpatialDropout1D.fromConfig(layer.getConfig());
   * ```
   */
  static override fromConfig(config: LayerConfig): SpatialDropout1D {
    const { rate, ...options } = config;
    return new SpatialDropout1D(rate as number, options as SpatialDropout1DOptions);
  }

  constructor(rate: number, options: SpatialDropout1DOptions = {}) {
    super('SpatialDropout1D', rate, options, []);
    this.inputSpec = { ndim: 3 };
  }

  protected noiseShape(shape: readonly number[]): number[] {
    return [shape[0]!, 1, shape[2]!];
  }
}

/**
 * Dropout of whole 2-D feature maps: for images each sample's channel is dropped (every pixel of
 * it) with probability `rate` in training, the kept ones scaled by 1/(1 − rate); the identity
 * outside training. Not in TF.js (Keras has it).
 *
 * @example
 * ```ts
 * const drop = new tk.layers.SpatialDropout2D(0.25, { seed: 7 });
 * drop.apply(tk.ones([2, 4, 4, 8]), { training: true }).shape;   // [2, 4, 4, 8]: whole channels 0 or 4/3
 * ```
 */
export class SpatialDropout2D extends SpatialDropout {
  static override readonly className: string = 'SpatialDropout2D';

  /**
   * Builds the layer from its `getConfig()` (rate is positional in the constructor).
   *
   * @example
   * ```ts
   * const copy = tk.layers.SpatialDropout2D.fromConfig(layer.getConfig());
   * ```
   */
  static override fromConfig(config: LayerConfig): SpatialDropout2D {
    const { rate, ...options } = config;
    return new SpatialDropout2D(rate as number, options as SpatialDropout2DOptions);
  }

  /** Where the channels axis is: 'channels_last' (default) or 'channels_first'. */
  readonly dataFormat: 'channels_last' | 'channels_first';

  constructor(rate: number, options: SpatialDropout2DOptions = {}) {
    const dataFormat = normalizeDataFormat(layerWho('SpatialDropout2D', options), options?.dataFormat);
    super('SpatialDropout2D', rate, options, ['dataFormat']);
    this.dataFormat = dataFormat;
    this.inputSpec = { ndim: 4 };
  }

  protected noiseShape(shape: readonly number[]): number[] {
    return this.dataFormat === 'channels_first' ? [shape[0]!, shape[1]!, 1, 1] : [shape[0]!, 1, 1, shape[3]!];
  }

  /** The layer's configuration: rate, seed and data format (TF.js camelCase). */
  override getConfig(): LayerConfig {
    return { ...super.getConfig(), dataFormat: dataFormatConfig(this.dataFormat) };
  }
}
