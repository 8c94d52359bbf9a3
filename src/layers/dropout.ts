// Dropout: inverted dropout, active in training only (keras/src/layers/regularization/dropout.py).

import * as ops from '../ops/index.js';
import { Random, randomSource } from '../tensor/random.js';
import { formatShape } from '../tensor/shape.js';
import { Tensor } from '../tensor/tensor.js';
import { Layer, type CallArgs, type LayerArgs, type LayerConfig, type SymbolicShape } from './layer.js';
import { LAYER_ARG_KEYS, checkOptions, describe, layerWho, seedOption } from './options.js';

/** Options of {@link Dropout}. */
export interface DropoutOptions extends LayerArgs {
  /**
   * Shape of the keep/drop mask, broadcast over the input (`null` entries take the input's
   * size): `[null, 1, null]` drops whole time steps' features alike.
   */
  noiseShape?: readonly (number | null)[] | null;
  /**
   * With a seed, the layer owns a generator started once from it: two layers with the same seed
   * produce the same sequence of masks, and consecutive calls still get different masks. Without,
   * masks come from the global generator (`tk.setSeed`).
   */
  seed?: number | null;
}

/**
 * Inverted dropout: in training (`apply(x, { training: true })`, as `fit` calls it) each value
 * is kept with probability 1 − rate and scaled by 1/(1 − rate), else set to 0, so the expected
 * output equals the input; `rate = 1` outputs zeros. Outside training it is the identity.
 *
 * @example
 * ```ts
 * const drop = new tk.layers.Dropout(0.5, { seed: 42 });
 * drop.apply(tk.ones([2, 4]), { training: true });   // about half 0, the rest 2
 * drop.apply(tk.ones([2, 4]));                       // unchanged
 * ```
 */
export class Dropout extends Layer {
  static override readonly className: string = 'Dropout';

  /**
   * Builds a Dropout layer from its `getConfig()` (rate is positional in the constructor).
   *
   * @example
   * ```ts
   * const copy = tk.layers.Dropout.fromConfig(layer.getConfig());
   * ```
   */
  static override fromConfig(config: LayerConfig): Dropout {
    const { rate, ...options } = config;
    return new Dropout(rate as number, options as DropoutOptions);
  }
  /** The fraction of inputs zeroed during training, in [0, 1]; kept inputs are scaled by 1/(1 − rate). */
  readonly rate: number;
  /** The shape of the keep/drop mask, broadcast over the input (null entries take the input size), or null for the input shape. */
  readonly noiseShape: readonly (number | null)[] | null;
  /** The seed of the layer's own mask generator, or null to use the global one. */
  readonly seed: number | null;
  /** The layer's own generator when seeded, created once. */
  private readonly rng: Random | null;

  constructor(rate: number, options: DropoutOptions = {}) {
    const who = layerWho('Dropout', options);
    checkOptions(who, options, [...LAYER_ARG_KEYS, 'noiseShape', 'seed']);
    if (typeof rate !== 'number' || !(rate >= 0 && rate <= 1)) {
      throw new Error(`${who}: rate must be a number in [0, 1], got ${describe(rate)}`);
    }
    const noiseShape = options.noiseShape ?? null;
    if (noiseShape !== null && (!Array.isArray(noiseShape) || noiseShape.some((d) => d !== null && (!Number.isInteger(d) || d <= 0)))) {
      throw new Error(`${who}: noiseShape must be a list of positive integers or null, got ${describe(noiseShape)}`);
    }
    const seed = seedOption(who, options.seed);
    super(options);
    this.supportsMasking = true; // passes its input's mask on, as Keras
    this.rate = rate;
    this.noiseShape = noiseShape === null ? null : noiseShape.slice();
    this.seed = seed;
    this.rng = seed === null ? null : new Random(seed);
  }

  override computeOutputShape(inputShape: SymbolicShape): SymbolicShape {
    return inputShape;
  }

  call(x: Tensor, args: CallArgs): Tensor {
    if (args.training !== true || this.rate === 0) return x;
    return invertedDropout(x, this.rate, concreteNoiseShape(this.name, this.noiseShape, x.shape), this.rng ?? randomSource());
  }

  override getConfig(): LayerConfig {
    return { ...super.getConfig(), rate: this.rate, noiseShape: this.noiseShape === null ? null : this.noiseShape.slice(), seed: this.seed };
  }
}

/**
 * Inverted dropout of `x` (Dropout, SpatialDropout1D/2D): a keep/drop mask of `shape`, broadcast
 * over `x`, each cell kept with probability 1 − rate and scaled by 1/(1 − rate), else 0 (all 0
 * for rate 1). One draw of `rng` per mask cell, in row-major order, so a seeded layer repeats.
 *
 * @example
 * ```ts
 * invertedDropout(tk.ones([2, 4]), 0.5, [2, 1], new Random(1));   // each row all 0 or all 2
 * ```
 */
export function invertedDropout(x: Tensor, rate: number, shape: readonly number[], rng: Random): Tensor {
  const keep = 1 - rate;
  const mask = new Float32Array(shape.reduce((a, b) => a * b, 1));
  if (keep > 0) {
    const scale = 1 / keep;
    for (let i = 0; i < mask.length; i++) mask[i] = rng.next() < keep ? scale : 0;
  }
  return ops.mul(x, new Tensor(mask, shape));
}

/**
 * The concrete noise shape of a layer's `noiseShape` option for an input: the input's shape when
 * null, else `noiseShape` with its nulls taking the input's sizes; each entry must be 1 or the
 * input's size (it broadcasts), and the ranks must agree. Errors name the layer (`name`).
 *
 * @example
 * ```ts
 * concreteNoiseShape('dropout', [null, 1, null], [8, 10, 4]);   // [8, 1, 4]
 * ```
 */
export function concreteNoiseShape(name: string, noiseShape: readonly (number | null)[] | null, inputShape: readonly number[]): number[] {
  if (noiseShape === null) return inputShape.slice();
  if (noiseShape.length !== inputShape.length) {
    throw new Error(`${name}: noiseShape ${describe(noiseShape)} must have the input's rank, got input shape ${formatShape(inputShape)}`);
  }
  return noiseShape.map((d, i) => {
    const n = d ?? inputShape[i]!;
    if (n !== 1 && n !== inputShape[i]) {
      throw new Error(`${name}: noiseShape ${describe(noiseShape)} does not broadcast to input shape ${formatShape(inputShape)}`);
    }
    return n;
  });
}
