// BatchNormalization (keras/src/layers/normalization/batch_normalization.py):
//   y = (x − mean) / √(var + ε) · γ + β      per feature along `axis`
// In training (and only if the layer is trainable) mean and var are the batch's (biased
// variance, over every axis but `axis`), and the moving statistics are updated in place:
//   moving = moving·momentum + batch·(1 − momentum)
// Otherwise the moving statistics are used. The gradient flows through the batch statistics
// (they are composites of tensorkit ops), as in every framework.

import { noGrad } from '../autograd/tape.js';
import * as ops from '../ops/index.js';
import { normalizeAxis } from '../tensor/shape.js';
import { Tensor, type Variable } from '../tensor/tensor.js';
import { getInitializer, serializeInitializer, type Initializer, type InitializerIdentifier } from './initializers.js';
import { Layer, formatSymbolicShape, type CallArgs, type LayerArgs, type LayerConfig, type SymbolicShape } from './layer.js';
import { LAYER_ARG_KEYS, boolean, checkOptions, describe, finiteNumber, layerWho } from './options.js';
import { regularizerOrNull, serializeRegularizer, type Regularizer, type RegularizerIdentifier } from './regularizers.js';

/** Options of {@link BatchNormalization} (TF.js spelling, Keras 3 defaults). */
export interface BatchNormalizationOptions extends LayerArgs {
  /** The feature axis (default -1). */
  axis?: number;
  /** Moving-average momentum (default 0.99). */
  momentum?: number;
  /** Added to the variance (default 1e-3). */
  epsilon?: number;
  /** Learn the offset β (default true). */
  center?: boolean;
  /** Learn the scale γ (default true). */
  scale?: boolean;
  /** Default 'zeros'. */
  betaInitializer?: InitializerIdentifier;
  /** Default 'ones'. */
  gammaInitializer?: InitializerIdentifier;
  /** Default 'zeros'. */
  movingMeanInitializer?: InitializerIdentifier;
  /** Default 'ones'. */
  movingVarianceInitializer?: InitializerIdentifier;
  /** Penalty on β added to the loss; default none. */
  betaRegularizer?: RegularizerIdentifier | null;
  /** Penalty on γ added to the loss; default none. */
  gammaRegularizer?: RegularizerIdentifier | null;
}

const KEYS = [
  ...LAYER_ARG_KEYS, 'axis', 'momentum', 'epsilon', 'center', 'scale', 'betaInitializer', 'gammaInitializer',
  'movingMeanInitializer', 'movingVarianceInitializer', 'betaRegularizer', 'gammaRegularizer',
];

/**
 * Normalises each feature with batch statistics in training and moving statistics otherwise.
 * Weights, in Keras order: gamma, beta (trainable; omitted when `scale`/`center` is false),
 * moving_mean, moving_variance (non-trainable), each of shape `[features]`.
 *
 * @example
 * ```ts
 * const bn = new tk.layers.BatchNormalization();
 * bn.apply(x, { training: true });   // batch statistics; moving averages updated
 * bn.apply(x);                       // moving statistics
 * bn.weights.map((w) => w.name);     // ['batch_normalization/gamma', '.../beta', '.../moving_mean', '.../moving_variance']
 * ```
 */
export class BatchNormalization extends Layer {
  static override readonly className: string = 'BatchNormalization';
  /** The feature axis normalized per feature (default -1, the last). */
  readonly axis: number;
  /** The weight of the old value in the moving averages (default 0.99). */
  readonly momentum: number;
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
  /** How the moving mean is initialized (default 'zeros'). */
  readonly movingMeanInitializer: Initializer;
  /** How the moving variance is initialized (default 'ones'). */
  readonly movingVarianceInitializer: Initializer;
  /** The penalty on β, or null (default). */
  readonly betaRegularizer: Regularizer | null;
  /** The penalty on γ, or null (default). */
  readonly gammaRegularizer: Regularizer | null;
  /** The learned scale γ `[features]`, created by `build` (null before, or when `scale` is false). */
  gamma: Variable | null = null;
  /** The learned offset β `[features]`, created by `build` (null before, or when `center` is false). */
  beta: Variable | null = null;
  /** The moving mean `[features]` used outside training (non-trainable); null before `build`. */
  movingMean: Variable | null = null;
  /** The moving variance `[features]` used outside training (non-trainable); null before `build`. */
  movingVariance: Variable | null = null;
  /** The axis, made non-negative at build. */
  private featureAxis = -1;

  constructor(options: BatchNormalizationOptions = {}) {
    const who = layerWho('BatchNormalization', options);
    checkOptions(who, options, KEYS);
    const axis = options.axis ?? -1;
    if (typeof axis !== 'number' || !Number.isInteger(axis)) throw new Error(`${who}: axis must be an integer, got ${describe(axis)}`);
    const momentum = finiteNumber(who, 'momentum', options.momentum ?? 0.99);
    const epsilon = finiteNumber(who, 'epsilon', options.epsilon ?? 1e-3);
    if (epsilon < 0) throw new Error(`${who}: epsilon must be >= 0, got ${epsilon}`);
    const center = boolean(who, 'center', options.center ?? true);
    const scale = boolean(who, 'scale', options.scale ?? true);
    const betaInitializer = getInitializer(options.betaInitializer ?? 'zeros', `${who} betaInitializer`);
    const gammaInitializer = getInitializer(options.gammaInitializer ?? 'ones', `${who} gammaInitializer`);
    const movingMeanInitializer = getInitializer(options.movingMeanInitializer ?? 'zeros', `${who} movingMeanInitializer`);
    const movingVarianceInitializer = getInitializer(options.movingVarianceInitializer ?? 'ones', `${who} movingVarianceInitializer`);
    const betaRegularizer = regularizerOrNull(options.betaRegularizer, `${who} betaRegularizer`);
    const gammaRegularizer = regularizerOrNull(options.gammaRegularizer, `${who} gammaRegularizer`);
    super(options);
    this.axis = axis;
    this.momentum = momentum;
    this.epsilon = epsilon;
    this.center = center;
    this.scale = scale;
    this.betaInitializer = betaInitializer;
    this.gammaInitializer = gammaInitializer;
    this.movingMeanInitializer = movingMeanInitializer;
    this.movingVarianceInitializer = movingVarianceInitializer;
    this.betaRegularizer = betaRegularizer;
    this.gammaRegularizer = gammaRegularizer;
  }

  override build(inputShape: SymbolicShape): void {
    if (this.axis < -inputShape.length || this.axis >= inputShape.length || inputShape.length < 2) {
      throw new Error(`${this.name}: axis ${this.axis} is out of range for input shape ${formatSymbolicShape(inputShape)}`);
    }
    const axis = normalizeAxis(this.axis, inputShape.length, this.name);
    const features = inputShape[axis];
    if (features === null || features === undefined) {
      throw new Error(`${this.name}: the size of axis ${this.axis} must be known, got input shape ${formatSymbolicShape(inputShape)}`);
    }
    this.featureAxis = axis;
    const shape = [features];
    if (this.scale) this.gamma = this.addWeight('gamma', shape, this.gammaInitializer, { regularizer: this.gammaRegularizer });
    if (this.center) this.beta = this.addWeight('beta', shape, this.betaInitializer, { regularizer: this.betaRegularizer });
    this.movingMean = this.addWeight('moving_mean', shape, this.movingMeanInitializer, { trainable: false });
    this.movingVariance = this.addWeight('moving_variance', shape, this.movingVarianceInitializer, { trainable: false });
    this.inputSpec = { ndim: inputShape.length, axes: { [axis]: features } };
    super.build(inputShape);
  }

  override computeOutputShape(inputShape: SymbolicShape): SymbolicShape {
    return inputShape;
  }

  call(x: Tensor, args: CallArgs): Tensor {
    const axis = this.featureAxis;
    const reduction = x.shape.map((_, i) => i).filter((i) => i !== axis);
    // [1, ..., C, ..., 1]: the per-feature vectors broadcast against x.
    const broadcast = x.shape.map((d, i) => (i === axis ? d : 1));
    const asBroadcast = (v: Tensor): Tensor => ops.reshape(v, broadcast);
    let mean: Tensor;
    let variance: Tensor;
    if (args.training === true && this.trainable) {
      mean = ops.mean(x, reduction, true);
      variance = ops.mean(ops.square(ops.sub(x, mean)), reduction, true); // biased, as Keras
      this.updateMovingStatistics(mean, variance);
    } else {
      mean = asBroadcast(this.movingMean!);
      variance = asBroadcast(this.movingVariance!);
    }
    // NOTE: ε is added to the variance inside the square root, as Keras and TF.js.
    let inv = ops.rsqrt(ops.add(variance, this.epsilon));
    if (this.gamma !== null) inv = ops.mul(inv, asBroadcast(this.gamma));
    let y = ops.mul(ops.sub(x, mean), inv);
    if (this.beta !== null) y = ops.add(y, asBroadcast(this.beta));
    return y;
  }

  /** moving = moving·momentum + batch·(1 − momentum), in place and off the tape. */
  private updateMovingStatistics(mean: Tensor, variance: Tensor): void {
    noGrad(() => {
      const m = this.momentum;
      const update = (moving: Variable, batch: Tensor): void => {
        const next = new Float32Array(moving.size);
        for (let i = 0; i < next.length; i++) next[i] = moving.data[i]! * m + batch.data[i]! * (1 - m);
        moving.assign(new Tensor(next, moving.shape));
      };
      update(this.movingMean!, mean);
      update(this.movingVariance!, variance);
    });
  }

  override getConfig(): LayerConfig {
    return {
      ...super.getConfig(),
      axis: this.axis,
      momentum: this.momentum,
      epsilon: this.epsilon,
      center: this.center,
      scale: this.scale,
      betaInitializer: serializeInitializer(this.betaInitializer),
      gammaInitializer: serializeInitializer(this.gammaInitializer),
      movingMeanInitializer: serializeInitializer(this.movingMeanInitializer),
      movingVarianceInitializer: serializeInitializer(this.movingVarianceInitializer),
      betaRegularizer: serializeRegularizer(this.betaRegularizer),
      gammaRegularizer: serializeRegularizer(this.gammaRegularizer),
    };
  }
}
