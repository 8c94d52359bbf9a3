// Nadam (keras/src/optimizers/nadam.py), with t = iterations + 1:
//   μ_t   = β1·(1 − ½·0.96^t),   μ_{t+1} = β1·(1 − ½·0.96^(t+1))
//   Π_t   = Π_{i≤t} μ_i   (a running product kept in the optimizer, updated once per step
//                          before the variables; it starts at 1)
//   m ← m + (g − m)(1 − β1);   v ← v + (g² − v)(1 − β2)
//   m̂ = μ_{t+1}·m / (1 − Π_t·μ_{t+1}) + (1 − μ_t)·g / (1 − Π_t)
//   v̂ = v / (1 − β2^t)
//   w ← w − lr·m̂ / (√v̂ + ε)

import { numberOption, Optimizer, optionsOf, type LearningRate, type OptimizerOptions, type Slots } from './optimizer.js';

/** Options of {@link Nadam}: the common ones plus the moment decay rates. */
export interface NadamOptions extends OptimizerOptions {
  /** Decay rate β1 of the first-moment estimate (and base of the momentum schedule μ_t). Default 0.9. */
  beta1?: number;
  /** Decay rate β2 of the second-moment estimate. Default 0.999. */
  beta2?: number;
  /** ε added to √v̂ for stability. Default 1e-7. */
  epsilon?: number;
}

/**
 * Nadam, Adam with Nesterov momentum. Keras 3 defaults: learningRate 0.001, beta1 0.9,
 * beta2 0.999, epsilon 1e-7.
 *
 * @example
 * ```ts
 * const opt = new tk.optimizers.Nadam();
 * ```
 */
export class Nadam extends Optimizer {
  static override readonly className = 'Nadam';
  /** Decay rate of the first-moment estimate (default 0.9). */
  readonly beta1: number;
  /** Decay rate of the second-moment estimate (default 0.999). */
  readonly beta2: number;
  /** ε added to √v̂ (default 1e-7). */
  readonly epsilon: number;
  /** Π_t, kept in float32 as Keras's `u_product` variable (part of the saved state). */
  private readonly uProduct = new Float32Array([1]);

  constructor(arg: NadamOptions | LearningRate = {}) {
    const options = optionsOf(arg);
    super(options, ['beta1', 'beta2', 'epsilon'], 0.001);
    this.beta1 = numberOption('Nadam', 'beta1', options.beta1, 0.9);
    this.beta2 = numberOption('Nadam', 'beta2', options.beta2, 0.999);
    this.epsilon = numberOption('Nadam', 'epsilon', options.epsilon, 1e-7);
  }

  protected slotGroups(): string[][] {
    return [['momentum', 'velocity']];
  }

  protected override beforeUpdates(): void {
    const t = this.iterations + 1;
    this.uProduct[0] = this.uProduct[0]! * this.beta1 * (1 - 0.5 * 0.96 ** t);
  }

  protected override extraState(): {
    /** `'u_product'`. */
    name: string;
    /** The running product of the momentum schedule μ_1·…·μ_t (one float). */
    data: Float32Array;
  }[] {
    return this.built ? [{ name: 'u_product', data: this.uProduct }] : [];
  }

  protected updateStep(g: Float32Array, w: Float32Array, slots: Slots, lr: number): void {
    const { beta1: b1, beta2: b2, epsilon: eps } = this;
    const t = this.iterations + 1;
    const muT = b1 * (1 - 0.5 * 0.96 ** t);
    const muNext = b1 * (1 - 0.5 * 0.96 ** (t + 1));
    const prodT = this.uProduct[0]!;
    const prodNext = prodT * muNext;
    const vCorrection = 1 - b2 ** t;
    const m = slots.momentum!;
    const v = slots.velocity!;
    for (let i = 0; i < w.length; i++) {
      m[i] = m[i]! + (g[i]! - m[i]!) * (1 - b1);
      v[i] = v[i]! + (g[i]! * g[i]! - v[i]!) * (1 - b2);
      const mHat = (muNext * m[i]!) / (1 - prodNext) + ((1 - muT) * g[i]!) / (1 - prodT);
      const vHat = v[i]! / vCorrection;
      w[i] = w[i]! - (lr * mHat) / (Math.sqrt(vHat) + eps);
    }
  }

  protected override ownConfig(): Record<string, unknown> {
    return { beta_1: this.beta1, beta_2: this.beta2, epsilon: this.epsilon };
  }
}
