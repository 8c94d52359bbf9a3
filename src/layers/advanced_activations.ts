// Activation layers (keras/src/layers/activations/prelu.py, elu.py, layers/core/identity.py,
// keras/src/legacy/layers.py for ThresholdedReLU; keras-facts-2 §17.2), composed of tape ops:
//   PReLU            y = relu(x) − α·relu(−x)   α learned, shaped like one sample (shared axes 1)
//   ELU              y = x if x > 0, else α(eˣ − 1)
//   ThresholdedReLU  y = x·[x > θ]  (strict; Keras 3 keeps it as a legacy layer)
//   Identity         y = x

import * as ops from '../ops/index.js';
import type { Tensor, Variable } from '../tensor/tensor.js';
import { getInitializer, serializeInitializer, type Initializer, type InitializerIdentifier } from './initializers.js';
import { Layer, formatSymbolicShape, type CallArgs, type LayerArgs, type LayerConfig, type SymbolicShape } from './layer.js';
import { LAYER_ARG_KEYS, checkOptions, describe, finiteNumber, layerWho } from './options.js';
import { regularizerOrNull, serializeRegularizer, type Regularizer, type RegularizerIdentifier } from './regularizers.js';

/** Options of {@link PReLU} (Keras 3 defaults). */
export interface PReLUOptions extends LayerArgs {
  /** How α starts (default 'zeros': the layer starts as ReLU). */
  alphaInitializer?: InitializerIdentifier;
  /** Penalty on α added to the loss; default none. */
  alphaRegularizer?: RegularizerIdentifier | null;
  /** Only null: tensorkit has no weight constraints (an error names any other value). */
  alphaConstraint?: null;
  /** Axes (1-based, the batch axis excluded) along which one α is shared, e.g. [1, 2] for images. */
  sharedAxes?: number | number[] | null;
}

/** Options of {@link ELU}. */
export interface ELUOptions extends LayerArgs {
  /** The scale of the negative part (default 1). */
  alpha?: number;
}

/** Options of {@link ThresholdedReLU}. */
export interface ThresholdedReLUOptions extends LayerArgs {
  /** The threshold, ≥ 0 (default 1): values at or below it become 0. */
  theta?: number;
}

/**
 * Parametric ReLU: `relu(x) − α·relu(−x)` with a learned slope α for negative inputs. The weight
 * `alpha` has the shape of one sample, with 1 on each of `sharedAxes`.
 *
 * @example
 * ```ts
 * const prelu = new tk.layers.PReLU({ sharedAxes: [1, 2], alphaInitializer: { className: 'Constant', config: { value: 0.25 } } });
 * prelu.apply(tk.ones([2, 4, 4, 3]).mul(-1));   // all −0.25
 * prelu.weights[0].shape;                      // [1, 1, 3]
 * ```
 */
export class PReLU extends Layer {
  static override readonly className: string = 'PReLU';
  /** How α is initialized (default 'zeros'). */
  readonly alphaInitializer: Initializer;
  /** The penalty on α, or null (default). */
  readonly alphaRegularizer: Regularizer | null;
  /** The 1-based axes sharing one α, or null (default). */
  readonly sharedAxes: number[] | null;
  /** The learned slopes, created by `build` (null before). */
  alpha: Variable | null = null;

  constructor(options: PReLUOptions = {}) {
    const who = layerWho('PReLU', options);
    checkOptions(who, options, [...LAYER_ARG_KEYS, 'alphaInitializer', 'alphaRegularizer', 'alphaConstraint', 'sharedAxes']);
    if (options.alphaConstraint !== undefined && options.alphaConstraint !== null) {
      throw new Error(`${who}: alphaConstraint is not supported (tensorkit has no weight constraints); got ${describe(options.alphaConstraint)}, expected null`);
    }
    const shared = options.sharedAxes ?? null;
    const list = shared === null ? null : typeof shared === 'number' ? [shared] : shared;
    if (list !== null && (!Array.isArray(list) || list.some((a) => typeof a !== 'number' || !Number.isInteger(a) || a < 1))) {
      throw new Error(`${who}: sharedAxes must be a positive integer or a list of them (1-based, the batch axis excluded), got ${describe(shared)}`);
    }
    const alphaInitializer = getInitializer(options.alphaInitializer ?? 'zeros', `${who} alphaInitializer`);
    const alphaRegularizer = regularizerOrNull(options.alphaRegularizer, `${who} alphaRegularizer`);
    super(options);
    this.supportsMasking = true;
    this.alphaInitializer = alphaInitializer;
    this.alphaRegularizer = alphaRegularizer;
    this.sharedAxes = list === null ? null : [...list];
  }

  override build(inputShape: SymbolicShape): void {
    const shared = this.sharedAxes ?? [];
    for (const a of shared) {
      if (a >= inputShape.length) throw new Error(`${this.name}: sharedAxes ${describe(this.sharedAxes)} has axis ${a}, out of range for input shape ${formatSymbolicShape(inputShape)}`);
    }
    const axes: Record<number, number> = {};
    const shape = inputShape.slice(1).map((d, i) => {
      if (shared.includes(i + 1)) return 1;
      if (d === null) throw new Error(`${this.name}: the size of axis ${i + 1} must be known (or the axis shared), got input shape ${formatSymbolicShape(inputShape)}`);
      axes[i + 1] = d;
      return d;
    });
    this.alpha = this.addWeight('alpha', shape, this.alphaInitializer, { regularizer: this.alphaRegularizer });
    this.inputSpec = { ndim: inputShape.length, axes };
    super.build(inputShape);
  }

  override computeOutputShape(inputShape: SymbolicShape): SymbolicShape {
    return inputShape;
  }

  call(x: Tensor, _args: CallArgs): Tensor {
    return ops.sub(ops.relu(x), ops.mul(this.alpha!, ops.relu(ops.neg(x))));
  }

  /** The configuration: alphaInitializer, alphaRegularizer, sharedAxes (TF.js camelCase). */
  override getConfig(): LayerConfig {
    return {
      ...super.getConfig(),
      alphaInitializer: serializeInitializer(this.alphaInitializer),
      alphaRegularizer: serializeRegularizer(this.alphaRegularizer),
      sharedAxes: this.sharedAxes === null ? null : [...this.sharedAxes],
    };
  }
}

/**
 * Exponential linear unit: `x` for x > 0, `α(eˣ − 1)` otherwise (default α = 1; TF.js supports
 * only α = 1, Keras any).
 *
 * @example
 * ```ts
 * new tk.layers.ELU({ alpha: 0.5 }).apply(tk.tensor([[-1, 2]]));   // [[-0.316, 2]]
 * ```
 */
export class ELU extends Layer {
  static override readonly className: string = 'ELU';
  /** The scale of the negative part (default 1). */
  readonly alpha: number;

  constructor(options: ELUOptions = {}) {
    const who = layerWho('ELU', options);
    checkOptions(who, options, [...LAYER_ARG_KEYS, 'alpha']);
    const alpha = finiteNumber(who, 'alpha', options.alpha ?? 1);
    super(options);
    this.supportsMasking = true;
    this.alpha = alpha;
  }

  override computeOutputShape(inputShape: SymbolicShape): SymbolicShape {
    return inputShape;
  }

  call(x: Tensor, _args: CallArgs): Tensor {
    if (this.alpha === 1) return ops.elu(x);
    // relu(x) + α·elu(min(x, 0)): elu of a non-positive input is eˣ − 1, and 0 where x > 0.
    return ops.add(ops.relu(x), ops.mul(ops.elu(ops.minimum(x, 0)), this.alpha));
  }

  /** The configuration: alpha. */
  override getConfig(): LayerConfig {
    return { ...super.getConfig(), alpha: this.alpha };
  }
}

/**
 * `x` where x > θ, else 0 (strict; default θ = 1). Keras 3 keeps it as a legacy layer;
 * `ReLU({ threshold: θ })` is its modern form.
 *
 * @example
 * ```ts
 * new tk.layers.ThresholdedReLU({ theta: 0.5 }).apply(tk.tensor([[0.5, 0.6, -2]]));   // [[0, 0.6, 0]]
 * ```
 */
export class ThresholdedReLU extends Layer {
  static override readonly className: string = 'ThresholdedReLU';
  /** The threshold (default 1). */
  readonly theta: number;

  constructor(options: ThresholdedReLUOptions = {}) {
    const who = layerWho('ThresholdedReLU', options);
    checkOptions(who, options, [...LAYER_ARG_KEYS, 'theta']);
    const theta = finiteNumber(who, 'theta', options.theta ?? 1);
    if (theta < 0) throw new Error(`${who}: theta cannot be negative, got ${theta}`);
    super(options);
    this.supportsMasking = true;
    this.theta = theta;
  }

  override computeOutputShape(inputShape: SymbolicShape): SymbolicShape {
    return inputShape;
  }

  call(x: Tensor, _args: CallArgs): Tensor {
    // The 0/1 mask is a constant of the tape: the gradient is dy·[x > θ].
    return ops.mul(x, ops.greater(x, this.theta));
  }

  /** The configuration: theta. */
  override getConfig(): LayerConfig {
    return { ...super.getConfig(), theta: this.theta };
  }
}

/**
 * Returns its input unchanged (the same tensor); passes masks on; no weights. Not in TF.js.
 *
 * @example
 * ```ts
 * const x = tk.ones([2, 3]);
 * new tk.layers.Identity().apply(x) === x;   // true
 * ```
 */
export class Identity extends Layer {
  static override readonly className: string = 'Identity';

  constructor(options: LayerArgs = {}) {
    checkOptions(layerWho('Identity', options), options, LAYER_ARG_KEYS);
    super(options);
    this.supportsMasking = true;
  }

  override computeOutputShape(inputShape: SymbolicShape): SymbolicShape {
    return inputShape;
  }

  call(x: Tensor, _args: CallArgs): Tensor {
    return x;
  }
}
