// Dense: the fully connected layer, y = act(x·W + b) over the last axis (keras/src/layers/core/dense.py).
// Kernel W is [inputDim, units] and bias b is [units], as Keras and TF.js store them.

import * as ops from '../ops/index.js';
import type { Tensor, Variable } from '../tensor/tensor.js';
import { getActivation, serializeActivation, type Activation, type ActivationIdentifier } from './activations.js';
import { getInitializer, serializeInitializer, type Initializer, type InitializerIdentifier } from './initializers.js';
import { Layer, formatSymbolicShape, type CallArgs, type LayerArgs, type LayerConfig, type SymbolicShape } from './layer.js';
import { LAYER_ARG_KEYS, boolean, checkOptions, describe, layerWho, withWho } from './options.js';
import { regularizerOrNull, serializeRegularizer, type Regularizer, type RegularizerIdentifier } from './regularizers.js';

/** Options of {@link Dense} (TF.js spelling). */
export interface DenseOptions extends LayerArgs {
  /** Applied to the output; default none (linear). */
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
}

const DENSE_KEYS = [
  ...LAYER_ARG_KEYS, 'activation', 'useBias', 'kernelInitializer', 'biasInitializer', 'kernelRegularizer', 'biasRegularizer', 'activityRegularizer',
];

/**
 * A fully connected layer: `y = activation(x·kernel + bias)` applied over the last axis, for
 * inputs of any rank ≥ 2 (`[batch, ..., inputDim]` → `[batch, ..., units]`).
 *
 * @example
 * ```ts
 * const layer = new tk.layers.Dense(10, 'softmax');
 * const layer2 = new tk.layers.Dense(5, { activation: 'relu', kernelInitializer: 'he_uniform', inputShape: [784] });
 * layer2.apply(tk.zeros([32, 784])).shape;   // [32, 5]
 * ```
 */
export class Dense extends Layer {
  static override readonly className: string = 'Dense';

  /**
   * Builds a Dense layer from its `getConfig()` (units is positional in the constructor).
   *
   * @example
   * ```ts
   * const copy = tk.layers.Dense.fromConfig(layer.getConfig());
   * ```
   */
  static override fromConfig(config: LayerConfig): Dense {
    const { units, ...options } = config;
    return new Dense(units as number, options as DenseOptions);
  }

  /** The number of outputs per sample (the kernel is `[inputDim, units]`). */
  readonly units: number;
  /** The activation applied to `x·kernel + bias` (linear by default). */
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
  /** The kernel, `[inputDim, units]`, once built. */
  kernel: Variable | null = null;
  /** The bias, `[units]`, once built (null without bias). */
  bias: Variable | null = null;

  /**
   * @param units the number of outputs, a positive integer
   * @param activationOrOptions an activation name/function, or the options object
   */
  constructor(units: number, activationOrOptions: ActivationIdentifier | DenseOptions = {}) {
    const options: DenseOptions = isOptions(activationOrOptions) ? activationOrOptions : { activation: activationOrOptions };
    const who = layerWho('Dense', options);
    checkOptions(who, options, DENSE_KEYS);
    if (typeof units !== 'number' || !Number.isInteger(units) || units <= 0) {
      throw new Error(`${who}: units must be a positive integer, got ${describe(units)}`);
    }
    // Everything is resolved before the base constructor takes an automatic name, so a bad
    // argument uses up no name.
    const activation = withWho(who, () => getActivation(options.activation));
    const useBias = boolean(who, 'useBias', options.useBias ?? true);
    const kernelInitializer = getInitializer(options.kernelInitializer ?? 'glorot_uniform', `${who} kernelInitializer`);
    const biasInitializer = getInitializer(options.biasInitializer ?? 'zeros', `${who} biasInitializer`);
    const kernelRegularizer = regularizerOrNull(options.kernelRegularizer, `${who} kernelRegularizer`);
    const biasRegularizer = regularizerOrNull(options.biasRegularizer, `${who} biasRegularizer`);
    const activityRegularizer = regularizerOrNull(options.activityRegularizer, `${who} activityRegularizer`);
    super(options);
    this.supportsMasking = true; // passes its input's mask on, as Keras
    this.units = units;
    this.activation = activation;
    this.useBias = useBias;
    this.kernelInitializer = kernelInitializer;
    this.biasInitializer = biasInitializer;
    this.kernelRegularizer = kernelRegularizer;
    this.biasRegularizer = biasRegularizer;
    this.activityRegularizer = activityRegularizer;
    this.inputSpec = { minNdim: 2 };
  }

  override build(inputShape: SymbolicShape): void {
    const inputDim = inputShape[inputShape.length - 1];
    if (inputShape.length < 2 || inputDim === null || inputDim === undefined) {
      throw new Error(`${this.name}: expected an input of rank >= 2 with a known last dimension, got ${formatSymbolicShape(inputShape)}`);
    }
    this.kernel = this.addWeight('kernel', [inputDim, this.units], this.kernelInitializer, { regularizer: this.kernelRegularizer });
    if (this.useBias) this.bias = this.addWeight('bias', [this.units], this.biasInitializer, { regularizer: this.biasRegularizer });
    this.inputSpec = { minNdim: 2, axes: { [-1]: inputDim } };
    super.build(inputShape);
  }

  call(x: Tensor, _args: CallArgs): Tensor {
    const kernel = this.kernel!;
    let y: Tensor;
    if (x.rank === 2) {
      y = ops.matmul(x, kernel);
    } else {
      // [..., in] → [N, in] · [in, units] → [..., units]: one GEMM instead of one per leading index.
      const lead = x.shape.slice(0, -1);
      y = ops.reshape(ops.matmul(ops.reshape(x, [-1, kernel.shape[0]!]), kernel), [...lead, this.units]);
    }
    if (this.bias !== null) y = ops.add(y, this.bias);
    return this.activation.apply(y);
  }

  override computeOutputShape(inputShape: SymbolicShape): SymbolicShape {
    return [...inputShape.slice(0, -1), this.units];
  }

  override getConfig(): LayerConfig {
    return {
      ...super.getConfig(),
      units: this.units,
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

/** True for an options object (as opposed to an activation name, function, Activation or null). */
function isOptions(value: unknown): value is DenseOptions {
  if (value === null || typeof value !== 'object') return false;
  const looksLikeActivation = typeof (value as { apply?: unknown }).apply === 'function' && typeof (value as { name?: unknown }).name === 'string';
  return !looksLikeActivation;
}
