// LayerNormalization, GroupNormalization and UnitNormalization (keras/src/layers/normalization/
// layer_normalization.py, group_normalization.py, unit_normalization.py; keras-facts-2 §16.1):
//   LayerNormalization   y = (x − μ)/√(σ² + ε)·γ + β   μ, σ² per sample over `axis`
//   GroupNormalization   the same per sample and group of contiguous channels, over every
//                        non-batch axis but the channel axis; γ, β per channel
//   UnitNormalization    y = x/max(‖x‖₂, 1e-12) along `axis`, as x·rsqrt(max(Σx², 1e-24))
//
// Implementation choice: the three are composed of existing tape primitives (mean, sub, square,
// add, rsqrt, mul, sum, maximum, reshape), not fused into new ones. The variance is two-pass
// (the mean first, then the mean of squared deviations from it), which has none of the
// cancellation of E[x²] − E[x]² when |μ| ≫ σ, with the mean corrected by a second pass (see
// `normalize`); `mean` accumulates in float64. Composition gives the exact gradient (the gradient through μ and σ² included) and
// every higher-order gradient for free, through ops that are each finite-difference checked;
// bench/norm.bench.ts measures it against TF.js, whose own LayerNormalization is composed the same
// way (moments, then batchNormalization).

import * as ops from '../ops/index.js';
import { Tensor, type Variable } from '../tensor/tensor.js';
import { getInitializer, serializeInitializer, type Initializer, type InitializerIdentifier } from './initializers.js';
import { Layer, formatSymbolicShape, type LayerArgs, type LayerConfig, type SymbolicShape } from './layer.js';
import { LAYER_ARG_KEYS, boolean, checkOptions, describe, finiteNumber, layerWho } from './options.js';
import { regularizerOrNull, serializeRegularizer, type Regularizer, type RegularizerIdentifier } from './regularizers.js';

/** The options shared by LayerNormalization and GroupNormalization (Keras 3 defaults). */
interface NormalizationWeightsOptions extends LayerArgs {
  /** Added to the variance inside the square root (default 1e-3). */
  epsilon?: number;
  /** Learn the offset β (default true). */
  center?: boolean;
  /** Learn the scale γ (default true). */
  scale?: boolean;
  /** Default 'zeros'. */
  betaInitializer?: InitializerIdentifier;
  /** Default 'ones'. */
  gammaInitializer?: InitializerIdentifier;
  /** Penalty on β added to the loss; default none. */
  betaRegularizer?: RegularizerIdentifier | null;
  /** Penalty on γ added to the loss; default none. */
  gammaRegularizer?: RegularizerIdentifier | null;
  /** Only null: tensorkit has no weight constraints (an error names any other value). */
  betaConstraint?: null;
  /** Only null: tensorkit has no weight constraints (an error names any other value). */
  gammaConstraint?: null;
}

/** Options of {@link LayerNormalization}. */
export interface LayerNormalizationOptions extends NormalizationWeightsOptions {
  /** The axis or axes normalized over, per sample (default -1, the last). */
  axis?: number | number[];
  /**
   * Keras's deprecated `rms_scaling`: y = x/√(σ² + ε)·γ (the variance, with no mean subtracted
   * from x and no β; `center` and `scale` are then ignored, as Keras). Default false.
   */
  rmsScaling?: boolean;
}

/** Options of {@link GroupNormalization}. */
export interface GroupNormalizationOptions extends NormalizationWeightsOptions {
  /** The number of contiguous channel groups (default 32); -1 is one group per channel. */
  groups?: number;
  /** The channel axis (default -1, the last). */
  axis?: number;
}

/** Options of {@link UnitNormalization}. */
export interface UnitNormalizationOptions extends LayerArgs {
  /** The axis or axes whose L2 norm becomes 1 (default -1, the last). */
  axis?: number | number[];
}

const WEIGHT_KEYS = [
  ...LAYER_ARG_KEYS, 'epsilon', 'center', 'scale', 'betaInitializer', 'gammaInitializer', 'betaRegularizer', 'gammaRegularizer',
  'betaConstraint', 'gammaConstraint',
];

/** An int or a non-empty list of ints, else an error naming the layer and `axis`. */
function axisOption(who: string, value: unknown): number | number[] {
  if (typeof value === 'number' && Number.isInteger(value)) return value;
  if (Array.isArray(value) && value.length > 0 && value.every((a) => typeof a === 'number' && Number.isInteger(a))) return [...(value as number[])];
  throw new Error(`${who}: axis must be an integer or a non-empty list of integers, got ${describe(value)}`);
}

/** The axes made non-negative and sorted; out-of-range or repeated axes are errors. */
function canonicalAxes(who: string, axis: number | number[], inputShape: SymbolicShape): number[] {
  const rank = inputShape.length;
  const list = typeof axis === 'number' ? [axis] : axis;
  const out = list.map((a) => {
    if (a < -rank || a >= rank) throw new Error(`${who}: axis ${describe(axis)} is out of range for input shape ${formatSymbolicShape(inputShape)}`);
    return a < 0 ? a + rank : a;
  });
  if (new Set(out).size !== out.length) throw new Error(`${who}: axis ${describe(axis)} repeats an axis (duplicate axes are not allowed)`);
  return out.sort((a, b) => a - b);
}

/** What LayerNormalization and GroupNormalization share: ε, γ, β and their options. */
abstract class WeightedNormalization extends Layer {
  /** ε added to the variance before the square root (default 1e-3). */
  readonly epsilon: number;
  /** Whether the offset β is learned (default true). */
  readonly center: boolean;
  /** Whether the scale γ is learned (default true). */
  readonly scale: boolean;
  /** How β is initialized (default 'zeros'). */
  readonly betaInitializer: Initializer;
  /** How γ is initialized (default 'ones'). */
  readonly gammaInitializer: Initializer;
  /** The penalty on β, or null (default). */
  readonly betaRegularizer: Regularizer | null;
  /** The penalty on γ, or null (default). */
  readonly gammaRegularizer: Regularizer | null;
  /** The learned scale γ, created by `build` (null before, or without one). */
  gamma: Variable | null = null;
  /** The learned offset β, created by `build` (null before, or without one). */
  beta: Variable | null = null;

  constructor(className: string, options: NormalizationWeightsOptions, extraKeys: readonly string[]) {
    const who = layerWho(className, options);
    checkOptions(who, options, [...WEIGHT_KEYS, ...extraKeys]);
    const epsilon = finiteNumber(who, 'epsilon', options.epsilon ?? 1e-3);
    if (epsilon < 0) throw new Error(`${who}: epsilon must be >= 0, got ${epsilon}`);
    for (const key of ['betaConstraint', 'gammaConstraint'] as const) {
      const v = options[key];
      if (v !== undefined && v !== null) throw new Error(`${who}: ${key} is not supported (tensorkit has no weight constraints); got ${describe(v)}, expected null`);
    }
    const center = boolean(who, 'center', options.center ?? true);
    const scale = boolean(who, 'scale', options.scale ?? true);
    const betaInitializer = getInitializer(options.betaInitializer ?? 'zeros', `${who} betaInitializer`);
    const gammaInitializer = getInitializer(options.gammaInitializer ?? 'ones', `${who} gammaInitializer`);
    const betaRegularizer = regularizerOrNull(options.betaRegularizer, `${who} betaRegularizer`);
    const gammaRegularizer = regularizerOrNull(options.gammaRegularizer, `${who} gammaRegularizer`);
    super(options);
    this.supportsMasking = true; // elementwise per sample: the input's mask passes on, as Keras
    this.epsilon = epsilon;
    this.center = center;
    this.scale = scale;
    this.betaInitializer = betaInitializer;
    this.gammaInitializer = gammaInitializer;
    this.betaRegularizer = betaRegularizer;
    this.gammaRegularizer = gammaRegularizer;
  }

  /** γ then β, Keras's order, each of `shape`; `withGamma`/`withBeta` say which exist. */
  protected addScaleAndOffset(shape: number[], withGamma: boolean, withBeta: boolean): void {
    if (withGamma) this.gamma = this.addWeight('gamma', shape, this.gammaInitializer, { regularizer: this.gammaRegularizer });
    if (withBeta) this.beta = this.addWeight('beta', shape, this.betaInitializer, { regularizer: this.betaRegularizer });
  }

  /**
   * (x − μ)·rsqrt(σ² + ε)·γ + β with μ, σ² over `axes` (keepdims), two-pass; γ and β reshaped to
   * `paramShape` (broadcast against x). `subtractMean` false is Keras's rms_scaling numerator.
   */
  protected normalize(x: Tensor, axes: number[], paramShape: number[], subtractMean = true): Tensor {
    // Corrected two-pass: μ rounded to float32 is off by up to half an ulp of |μ|, which is all
    // of σ when |μ| ≫ σ (1e4 ± 0.1). The deviations x − μ are exact (Sterbenz), so their own mean
    // (float64-accumulated, tiny) is that rounding error, and subtracting it recentres them.
    // In exact arithmetic the second term is 0 and the function (and its gradient) unchanged.
    const first = ops.sub(x, ops.mean(x, axes, true));
    const centered = ops.sub(first, ops.mean(first, axes, true));
    const variance = ops.mean(ops.square(centered), axes, true); // biased, as Keras (ops.moments)
    // NOTE: ε goes inside the square root, added to the variance, as Keras (rsqrt(σ² + ε)) and
    // TF.js; not added to the standard deviation.
    let inv = ops.rsqrt(ops.add(variance, this.epsilon));
    if (this.gamma !== null) inv = ops.mul(inv, ops.reshape(this.gamma, paramShape));
    let y = ops.mul(subtractMean ? centered : x, inv);
    if (this.beta !== null) y = ops.add(y, ops.reshape(this.beta, paramShape));
    return y;
  }

  override computeOutputShape(inputShape: SymbolicShape): SymbolicShape {
    return inputShape;
  }

  override getConfig(): LayerConfig {
    return {
      ...super.getConfig(),
      epsilon: this.epsilon,
      center: this.center,
      scale: this.scale,
      betaInitializer: serializeInitializer(this.betaInitializer),
      gammaInitializer: serializeInitializer(this.gammaInitializer),
      betaRegularizer: serializeRegularizer(this.betaRegularizer),
      gammaRegularizer: serializeRegularizer(this.gammaRegularizer),
    };
  }
}

/**
 * Normalizes each sample over `axis` (default the last): y = (x − μ)/√(σ² + ε)·γ + β, with the
 * sample's mean μ and biased variance σ². Weights, in Keras order: gamma (ones), beta (zeros),
 * each shaped like the input on the normalized axes (`[features]` for the default axis).
 *
 * @example
 * ```ts
 * const ln = new tk.layers.LayerNormalization();
 * const y = ln.apply(tk.tensor([[1, 2, 3], [10, 20, 30]]));   // each row: mean 0, variance ≈ 1
 * ln.weights.map((w) => w.name);   // ['layer_normalization/gamma', 'layer_normalization/beta']
 * ```
 */
export class LayerNormalization extends WeightedNormalization {
  static override readonly className: string = 'LayerNormalization';
  /** The axis or axes normalized over, as given (default -1). */
  readonly axis: number | number[];
  /** Keras's deprecated variance scaling (default false): no mean subtracted, no β. */
  readonly rmsScaling: boolean;
  /** The axes, non-negative and sorted, fixed at build. */
  private axes: number[] = [];
  /** γ and β reshaped so that they broadcast against the input, fixed at build. */
  private paramShape: number[] = [];

  constructor(options: LayerNormalizationOptions = {}) {
    const who = layerWho('LayerNormalization', options);
    super('LayerNormalization', options, ['axis', 'rmsScaling']);
    this.axis = axisOption(who, options.axis ?? -1);
    this.rmsScaling = boolean(who, 'rmsScaling', options.rmsScaling ?? false);
  }

  override build(inputShape: SymbolicShape): void {
    const axes = canonicalAxes(this.name, this.axis, inputShape);
    if (axes.includes(0) && inputShape.length > 1 && inputShape[0] === null) {
      throw new Error(`${this.name}: axis ${describe(this.axis)} includes the batch axis, whose size is unknown in input shape ${formatSymbolicShape(inputShape)}`);
    }
    const shape = axes.map((a) => {
      const d = inputShape[a];
      if (d === null || d === undefined) throw new Error(`${this.name}: the size of axis ${a} must be known, got input shape ${formatSymbolicShape(inputShape)}`);
      return d;
    });
    this.axes = axes;
    this.paramShape = inputShape.map((d, i) => (axes.includes(i) ? d! : 1));
    // rms_scaling keeps γ whatever `scale` says and drops β whatever `center` says (Keras).
    this.addScaleAndOffset(shape, this.scale || this.rmsScaling, this.center && !this.rmsScaling);
    super.build(inputShape);
  }

  call(x: Tensor): Tensor {
    if (x.shape.length !== this.paramShape.length) {
      throw new Error(`${this.name}: expected an input of rank ${this.paramShape.length} (as built), got shape [${x.shape.join(', ')}]`);
    }
    return this.normalize(x, this.axes, this.paramShape, !this.rmsScaling);
  }

  /** The configuration: axis, epsilon, center, scale, the initializers and regularizers (TF.js camelCase; rmsScaling when set). */
  override getConfig(): LayerConfig {
    const config: LayerConfig = { ...super.getConfig(), axis: this.axis };
    return this.rmsScaling ? { ...config, rmsScaling: true } : config;
  }
}

/**
 * Group normalization: the channels (along `axis`, default the last) split into `groups`
 * contiguous blocks; each sample's block is normalized over its channels and every spatial
 * position, then scaled and shifted per channel: y = (x − μ_g)/√(σ²_g + ε)·γ_c + β_c. `groups`
 * equal to the channel count (or -1) is instance normalization, 1 is layer normalization over all
 * non-batch axes. Weights: gamma, beta `[channels]`. Not in TF.js (Keras 3 has it).
 *
 * @example
 * ```ts
 * const gn = new tk.layers.GroupNormalization({ groups: 2 });
 * gn.apply(tk.randomNormal([2, 4, 4, 6])).shape;   // [2, 4, 4, 6]: groups of 3 channels
 * ```
 */
export class GroupNormalization extends WeightedNormalization {
  static override readonly className: string = 'GroupNormalization';
  /** The number of channel groups as given (default 32; -1 = one per channel). */
  readonly groups: number;
  /** The channel axis (default -1). */
  readonly axis: number;
  /** x reshaped to split the channel axis into [groups, channels/groups], fixed at build. */
  private groupedAxis = -1;
  private groupCount = 0;

  constructor(options: GroupNormalizationOptions = {}) {
    const who = layerWho('GroupNormalization', options);
    super('GroupNormalization', options, ['groups', 'axis']);
    const groups = options.groups ?? 32;
    if (typeof groups !== 'number' || !Number.isInteger(groups) || !(groups > 0 || groups === -1)) {
      throw new Error(`${who}: groups must be a positive integer (or -1 for one group per channel), got ${describe(groups)}`);
    }
    const axis = options.axis ?? -1;
    if (typeof axis !== 'number' || !Number.isInteger(axis)) throw new Error(`${who}: axis must be an integer, got ${describe(axis)}`);
    this.groups = groups;
    this.axis = axis;
  }

  override build(inputShape: SymbolicShape): void {
    const [axis] = canonicalAxes(this.name, this.axis, inputShape);
    if (axis === 0) throw new Error(`${this.name}: axis ${this.axis} is the batch axis; expected a channel axis`);
    const channels = inputShape[axis!];
    if (channels === null || channels === undefined) {
      throw new Error(`${this.name}: the size of axis ${this.axis} must be known, got input shape ${formatSymbolicShape(inputShape)}`);
    }
    const groups = this.groups === -1 ? channels : this.groups;
    if (channels < groups) throw new Error(`${this.name}: groups (${groups}) cannot be more than the number of channels (${channels}) of input shape ${formatSymbolicShape(inputShape)}`);
    if (channels % groups !== 0) throw new Error(`${this.name}: the number of channels (${channels}) must be a multiple of groups (${groups})`);
    this.groupedAxis = axis!;
    this.groupCount = groups;
    this.inputSpec = { ndim: inputShape.length, axes: { [axis!]: channels } };
    this.addScaleAndOffset([channels], this.scale, this.center);
    super.build(inputShape);
  }

  call(x: Tensor): Tensor {
    const a = this.groupedAxis;
    const g = this.groupCount;
    const c = x.shape[a]!;
    // [B, ..., C, ...] → [B, ..., G, C/G, ...]: the statistics run over every axis but the batch
    // and the group axis; γ, β become [1, ..., G, C/G, 1, ...].
    const grouped = [...x.shape.slice(0, a), g, c / g, ...x.shape.slice(a + 1)];
    const axes = grouped.map((_, i) => i).filter((i) => i !== 0 && i !== a);
    const paramShape = grouped.map((d, i) => (i === a || i === a + 1 ? d : 1));
    const y = this.normalize(ops.reshape(x, grouped), axes, paramShape);
    return ops.reshape(y, x.shape);
  }

  /** The configuration: groups, axis, epsilon, center, scale, the initializers and regularizers. */
  override getConfig(): LayerConfig {
    return { ...super.getConfig(), groups: this.groups, axis: this.axis };
  }
}

/**
 * Scales each sample to unit L2 norm along `axis` (default the last): y = x/max(‖x‖₂, 1e-12).
 * No weights. Not in TF.js (Keras 3 has it).
 *
 * @example
 * ```ts
 * new tk.layers.UnitNormalization().apply(tk.tensor([[3, 4]]));   // [[0.6, 0.8]]
 * ```
 */
export class UnitNormalization extends Layer {
  static override readonly className: string = 'UnitNormalization';
  /** The axis or axes normalized (default -1). */
  readonly axis: number | number[];

  constructor(options: UnitNormalizationOptions = {}) {
    const who = layerWho('UnitNormalization', options);
    checkOptions(who, options, [...LAYER_ARG_KEYS, 'axis']);
    const axis = axisOption(who, options.axis ?? -1);
    super(options);
    this.supportsMasking = true;
    this.axis = axis;
  }

  call(x: Tensor): Tensor {
    const axes = canonicalAxes(this.name, this.axis, x.shape);
    // 1e-24 = (1e-12)²: the floor on the norm applied to the squared norm, so rsqrt never sees 0
    // (an all-zero row stays zero, with a finite gradient).
    const squared = ops.sum(ops.square(x), axes, true);
    return ops.mul(x, ops.rsqrt(ops.maximum(squared, 1e-24)));
  }

  override computeOutputShape(inputShape: SymbolicShape): SymbolicShape {
    canonicalAxes(this.name, this.axis, inputShape);
    return inputShape;
  }

  /** The configuration: axis. */
  override getConfig(): LayerConfig {
    return { ...super.getConfig(), axis: this.axis };
  }
}
