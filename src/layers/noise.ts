// The noise layers (keras/src/layers/regularization/gaussian_noise.py, gaussian_dropout.py,
// alpha_dropout.py; keras-facts-2 §17.1), active only when called with `training: true` (the
// identity otherwise, the same tensor returned), with no weights:
//   GaussianNoise(stddev)    y = x + n,           n ~ N(0, stddev²)
//   GaussianDropout(rate)    y = x·n,             n ~ N(1, rate/(1 − rate))
//   AlphaDropout(rate)       y = a·(x·k + α'(1 − k)) + b,   k ~ Bernoulli(1 − rate) per noise cell,
//                            α' = −λα of SELU, a = ((1 − rate)(1 + rate·α'²))^(−1/2), b = −a·α'·rate
// The noise is drawn into a Float32Array and enters the tape as a constant, so the gradient is
// the noise itself (1, n, a·k). A seed gives the layer its own generator, started once: the same
// seed gives the same sequence of draws. Without, the global generator (`tk.setSeed`) is used.

import * as ops from '../ops/index.js';
import { Random, randomSource } from '../tensor/random.js';
import { Tensor } from '../tensor/tensor.js';
import { positionalOrArgs } from './conv_options.js';
import { concreteNoiseShape } from './dropout.js';
import { Layer, type CallArgs, type LayerArgs, type LayerConfig, type SymbolicShape } from './layer.js';
import { LAYER_ARG_KEYS, checkOptions, describe, layerWho, seedOption } from './options.js';

/** Options of {@link GaussianNoise} and {@link GaussianDropout}. */
export interface NoiseOptions extends LayerArgs {
  /** A seed for the layer's own generator (default none: the global one). */
  seed?: number | null;
}

/** Options of {@link AlphaDropout}. */
export interface AlphaDropoutOptions extends NoiseOptions {
  /**
   * The shape of the keep/drop draws, broadcast against the input (a null entry takes the
   * input's size); default null, one draw per value.
   */
  noiseShape?: readonly (number | null)[] | null;
}

/** What the three share: the seeded generator, masks passed on, the shape kept. */
abstract class NoiseLayer extends Layer {
  /** The seed of the layer's own generator, or null to use the global one. */
  readonly seed: number | null;
  private readonly rng: Random | null;

  constructor(who: string, options: NoiseOptions) {
    const seed = seedOption(who, options.seed);
    super(options);
    this.supportsMasking = true; // elementwise: the input's mask passes on, as Keras
    this.seed = seed;
    this.rng = seed === null ? null : new Random(seed);
  }

  /** The generator of this call: the layer's own, or the global one. */
  protected generator(): Random {
    return this.rng ?? randomSource();
  }

  /** `size` standard normal draws scaled by `stddev` and shifted by `mean`. */
  protected normals(size: number, mean: number, stddev: number): Float32Array {
    const rng = this.generator();
    const out = new Float32Array(size);
    for (let i = 0; i < size; i++) out[i] = mean + stddev * rng.normal();
    return out;
  }

  override computeOutputShape(inputShape: SymbolicShape): SymbolicShape {
    return inputShape;
  }
}

/** A number in [0, 1] (the noise layers' `stddev` and `rate`, as Keras checks them). */
function unitInterval(who: string, arg: string, value: unknown, open: boolean): number {
  const ok = typeof value === 'number' && value >= 0 && (open ? value < 1 : value <= 1);
  if (!ok) throw new Error(`${who}: ${arg} must be a number in [0, 1${open ? ')' : ']'}, got ${describe(value)}`);
  return value as number;
}

/**
 * Adds zero-mean Gaussian noise of standard deviation `stddev` in training; the identity
 * otherwise. `stddev` must be in [0, 1], as Keras 3 checks (TF.js accepts any).
 *
 * @example
 * ```ts
 * const noise = new tk.layers.GaussianNoise(0.1, { seed: 1 });
 * noise.apply(tk.zeros([2, 3]), { training: true });   // values of N(0, 0.01)
 * noise.apply(tk.zeros([2, 3]));                       // zeros: inactive outside training
 * ```
 */
export class GaussianNoise extends NoiseLayer {
  static override readonly className: string = 'GaussianNoise';

  /**
   * Builds the layer from its `getConfig()` (stddev is positional in the constructor).
   *
   * @example
   * ```ts
   * const copy = tk.layers.GaussianNoise.fromConfig(layer.getConfig());
   * ```
   */
  static override fromConfig(config: LayerConfig): GaussianNoise {
    const { stddev, ...options } = config;
    return new GaussianNoise(stddev as number, options as NoiseOptions);
  }

  /** The standard deviation of the noise, in [0, 1]. */
  readonly stddev: number;

  /**
   * @param stddev the noise's standard deviation, or TF.js's args object `{ stddev, ...options }`
   * @param options the seed and the common layer options
   */
  constructor(stddev: number | (NoiseOptions & { stddev: number }), options?: NoiseOptions) {
    const split = positionalOrArgs((o: NoiseOptions) => layerWho('GaussianNoise', o), 'stddev', stddev, options);
    const who = layerWho('GaussianNoise', split.options);
    checkOptions(who, split.options, [...LAYER_ARG_KEYS, 'seed']);
    const s = unitInterval(who, 'stddev', split.value, false);
    super(who, split.options);
    this.stddev = s;
  }

  call(x: Tensor, args: CallArgs): Tensor {
    if (args.training !== true || this.stddev === 0) return x;
    return ops.add(x, new Tensor(this.normals(x.size, 0, this.stddev), x.shape));
  }

  /** The configuration: stddev and seed. */
  override getConfig(): LayerConfig {
    return { ...super.getConfig(), stddev: this.stddev, seed: this.seed };
  }
}

/**
 * Multiplies by Gaussian noise of mean 1 and standard deviation √(rate/(1 − rate)) in training;
 * the identity otherwise. `rate` in [0, 1) (rate 1 would be an infinite deviation).
 *
 * @example
 * ```ts
 * const drop = new tk.layers.GaussianDropout(0.2, { seed: 3 });
 * drop.apply(tk.ones([2, 3]), { training: true });   // values of N(1, 0.25)
 * ```
 */
export class GaussianDropout extends NoiseLayer {
  static override readonly className: string = 'GaussianDropout';

  /**
   * Builds the layer from its `getConfig()` (rate is positional in the constructor).
   *
   * @example
   * ```ts
   * const copy = tk.layers.GaussianDropout.fromConfig(layer.getConfig());
   * ```
   */
  static override fromConfig(config: LayerConfig): GaussianDropout {
    const { rate, ...options } = config;
    return new GaussianDropout(rate as number, options as NoiseOptions);
  }

  /** The drop probability the noise variance rate/(1 − rate) corresponds to, in [0, 1). */
  readonly rate: number;

  /**
   * @param rate the drop rate, or TF.js's args object `{ rate, ...options }`
   * @param options the seed and the common layer options
   */
  constructor(rate: number | (NoiseOptions & { rate: number }), options?: NoiseOptions) {
    const split = positionalOrArgs((o: NoiseOptions) => layerWho('GaussianDropout', o), 'rate', rate, options);
    const who = layerWho('GaussianDropout', split.options);
    checkOptions(who, split.options, [...LAYER_ARG_KEYS, 'seed']);
    const r = unitInterval(who, 'rate', split.value, true);
    super(who, split.options);
    this.rate = r;
  }

  call(x: Tensor, args: CallArgs): Tensor {
    if (args.training !== true || this.rate === 0) return x;
    return ops.mul(x, new Tensor(this.normals(x.size, 1, Math.sqrt(this.rate / (1 - this.rate))), x.shape));
  }

  /** The configuration: rate and seed. */
  override getConfig(): LayerConfig {
    return { ...super.getConfig(), rate: this.rate, seed: this.seed };
  }
}

/** SELU's α and λ (keras activations.selu); α' = −λα is the value SELU saturates to. */
const SELU_ALPHA = 1.6732632423543772;
const SELU_SCALE = 1.0507009873554805;
const ALPHA_P = -SELU_ALPHA * SELU_SCALE;

/**
 * Dropout for SELU networks: in training each value (or noise cell) is set to SELU's saturation
 * value α' ≈ −1.7581 with probability `rate`, then an affine map a·x + b restores the mean and
 * variance of a zero-mean unit-variance input. The identity otherwise. (TF.js sets dropped units
 * to +1.7581; this follows Keras 3.)
 *
 * @example
 * ```ts
 * const drop = new tk.layers.AlphaDropout(0.5, { seed: 2 });
 * drop.apply(tk.zeros([1, 4]), { training: true });   // each 0.7792 (kept) or −0.7792 (dropped)
 * ```
 */
export class AlphaDropout extends NoiseLayer {
  static override readonly className: string = 'AlphaDropout';

  /**
   * Builds the layer from its `getConfig()` (rate is positional in the constructor).
   *
   * @example
   * ```ts
   * const copy = tk.layers.AlphaDropout.fromConfig(layer.getConfig());
   * ```
   */
  static override fromConfig(config: LayerConfig): AlphaDropout {
    const { rate, ...options } = config;
    return new AlphaDropout(rate as number, options as AlphaDropoutOptions);
  }

  /** The drop probability, in [0, 1) (rate 1 drops everything and leaves 0·∞). */
  readonly rate: number;
  /** The shape of the draws (null entries: the input's size), or null for one per value. */
  readonly noiseShape: readonly (number | null)[] | null;

  /**
   * @param rate the drop rate, or TF.js's args object `{ rate, ...options }`
   * @param options noiseShape, the seed and the common layer options
   */
  constructor(rate: number | (AlphaDropoutOptions & { rate: number }), options?: AlphaDropoutOptions) {
    const split = positionalOrArgs((o: AlphaDropoutOptions) => layerWho('AlphaDropout', o), 'rate', rate, options);
    options = split.options;
    const who = layerWho('AlphaDropout', options);
    checkOptions(who, options, [...LAYER_ARG_KEYS, 'seed', 'noiseShape']);
    const r = unitInterval(who, 'rate', split.value, true);
    const noiseShape = options.noiseShape ?? null;
    if (noiseShape !== null && (!Array.isArray(noiseShape) || noiseShape.some((d) => d !== null && (!Number.isInteger(d) || d <= 0)))) {
      throw new Error(`${who}: noiseShape must be a list of positive integers (or nulls) or null, got ${describe(noiseShape)}`);
    }
    super(who, options);
    this.rate = r;
    this.noiseShape = noiseShape === null ? null : noiseShape.slice();
  }

  call(x: Tensor, args: CallArgs): Tensor {
    if (args.training !== true || this.rate === 0) return x;
    const shape = concreteNoiseShape(this.name, this.noiseShape, x.shape);
    const rate = this.rate;
    const a = 1 / Math.sqrt((1 - rate) * (1 + rate * ALPHA_P * ALPHA_P));
    const b = -a * ALPHA_P * rate;
    // y = a·(x·k + α'(1 − k)) + b = x·(a·k) + (a·α'(1 − k) + b): a scale and an offset per cell.
    const size = shape.reduce((p, d) => p * d, 1);
    const scale = new Float32Array(size);
    const offset = new Float32Array(size);
    const rng = this.generator();
    const dropped = a * ALPHA_P + b;
    for (let i = 0; i < size; i++) {
      const keep = rng.next() >= rate; // Keras: kept where U[0, 1) ≥ rate
      scale[i] = keep ? a : 0;
      offset[i] = keep ? b : dropped;
    }
    return ops.add(ops.mul(x, new Tensor(scale, shape)), new Tensor(offset, shape));
  }

  /** The configuration: rate, noiseShape and seed. */
  override getConfig(): LayerConfig {
    return { ...super.getConfig(), rate: this.rate, noiseShape: this.noiseShape === null ? null : this.noiseShape.slice(), seed: this.seed };
  }
}
