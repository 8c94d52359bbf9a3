// Adamax (keras/src/optimizers/adamax.py), with t = iterations + 1:
//   m ← m + (g − m)(1 − β1)
//   u ← max(β2·u, |g|)
//   w ← w − lr·m / ((1 − β1^t)(u + ε))

import { numberOption, Optimizer, optionsOf, type LearningRate, type OptimizerOptions, type Slots } from './optimizer.js';

/** Options of {@link Adamax}: the common ones plus the decay rates. */
export interface AdamaxOptions extends OptimizerOptions {
  /** Decay rate β1 of the first-moment estimate m. Default 0.9. */
  beta1?: number;
  /** Decay rate β2 of the exponentially weighted infinity norm u. Default 0.999. */
  beta2?: number;
  /** ε added to u for stability. Default 1e-7. */
  epsilon?: number;
}

/**
 * Adamax, Adam with the infinity norm. Keras 3 defaults: learningRate 0.001, beta1 0.9,
 * beta2 0.999, epsilon 1e-7.
 *
 * @example
 * ```ts
 * const opt = new tk.optimizers.Adamax({ learningRate: 0.002 });
 * ```
 */
export class Adamax extends Optimizer {
  static override readonly className = 'Adamax';
  /** Decay rate of the first-moment estimate (default 0.9). */
  readonly beta1: number;
  /** Decay rate of the infinity norm (default 0.999). */
  readonly beta2: number;
  /** ε added to u (default 1e-7). */
  readonly epsilon: number;

  constructor(arg: AdamaxOptions | LearningRate = {}) {
    const options = optionsOf(arg);
    super(options, ['beta1', 'beta2', 'epsilon'], 0.001);
    this.beta1 = numberOption('Adamax', 'beta1', options.beta1, 0.9);
    this.beta2 = numberOption('Adamax', 'beta2', options.beta2, 0.999);
    this.epsilon = numberOption('Adamax', 'epsilon', options.epsilon, 1e-7);
  }

  protected slotGroups(): string[][] {
    return [['momentum', 'norm']];
  }

  protected updateStep(g: Float32Array, w: Float32Array, slots: Slots, lr: number): void {
    const { beta1: b1, beta2: b2, epsilon: eps } = this;
    const correction = 1 - b1 ** (this.iterations + 1);
    const m = slots.momentum!;
    const u = slots.norm!;
    for (let i = 0; i < w.length; i++) {
      m[i] = m[i]! + (g[i]! - m[i]!) * (1 - b1);
      u[i] = Math.max(b2 * u[i]!, Math.abs(g[i]!));
      w[i] = w[i]! - (lr * m[i]!) / (correction * (u[i]! + eps));
    }
  }

  protected override ownConfig(): Record<string, unknown> {
    return { beta_1: this.beta1, beta_2: this.beta2, epsilon: this.epsilon };
  }
}
