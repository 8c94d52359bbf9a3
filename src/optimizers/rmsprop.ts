// RMSprop (keras/src/optimizers/rmsprop.py):
//   s ← ρ·s + (1 − ρ)·g²
//   centered: ḡ ← ρ·ḡ + (1 − ρ)·g;  den = s − ḡ² + ε      otherwise den = s + ε
//   inc = lr·g / √den
//   momentum > 0: mom ← momentum·mom + inc;  w ← w − mom      otherwise w ← w − inc
// NOTE: ε is INSIDE the square root (Keras 3 and tf.keras 2; standalone Keras ≤ 2.3 and the
// textbook put it outside). With ε = 1e-7 the first step is lr/√(1−ρ)·sign(g) ≈ 3.16·lr.

import { booleanOption, numberOption, Optimizer, optionsOf, type LearningRate, type OptimizerOptions, type Slots } from './optimizer.js';

/** Options of {@link RMSprop}: the common ones plus the decay rate, momentum and centering. */
export interface RMSpropOptions extends OptimizerOptions {
  /** Decay rate ρ of the running average of g². Default 0.9. */
  rho?: number;
  /** Momentum factor applied to the increments. Default 0 (no momentum slot). */
  momentum?: number;
  /** ε added inside the square root. Default 1e-7. */
  epsilon?: number;
  /** Normalize by the estimated variance (s − ḡ²) instead of s. Default false. */
  centered?: boolean;
}

/**
 * RMSprop. Keras 3 defaults: learningRate 0.001, rho 0.9, momentum 0, epsilon 1e-7, centered
 * false. It is Keras's default optimizer for `compile()`.
 *
 * @example
 * ```ts
 * const opt = new tk.optimizers.RMSprop({ learningRate: 1e-3, centered: true });
 * ```
 */
export class RMSprop extends Optimizer {
  static override readonly className = 'RMSprop';
  /** Decay rate of the running average of g² (default 0.9). */
  readonly rho: number;
  /** Momentum factor (default 0). */
  readonly momentum: number;
  /** ε added inside the square root (default 1e-7). */
  readonly epsilon: number;
  /** Whether the centered variant is used (default false). */
  readonly centered: boolean;

  constructor(arg: RMSpropOptions | LearningRate = {}) {
    const options = optionsOf(arg);
    super(options, ['rho', 'momentum', 'epsilon', 'centered'], 0.001);
    this.rho = numberOption('RMSprop', 'rho', options.rho, 0.9);
    this.momentum = numberOption('RMSprop', 'momentum', options.momentum, 0);
    this.epsilon = numberOption('RMSprop', 'epsilon', options.epsilon, 1e-7);
    this.centered = booleanOption('RMSprop', 'centered', options.centered, false);
  }

  protected slotGroups(): string[][] {
    const groups = [['velocity']];
    if (this.momentum > 0) groups.push(['momentum']);
    if (this.centered) groups.push(['average_gradient']);
    return groups;
  }

  protected updateStep(g: Float32Array, w: Float32Array, slots: Slots, lr: number): void {
    const { rho, epsilon: eps } = this;
    const s = slots.velocity!;
    const mom = this.momentum > 0 ? slots.momentum! : null;
    const avg = this.centered ? slots.average_gradient! : null;
    for (let i = 0; i < w.length; i++) {
      s[i] = rho * s[i]! + (1 - rho) * g[i]! * g[i]!;
      let den: number;
      if (avg !== null) {
        avg[i] = rho * avg[i]! + (1 - rho) * g[i]!;
        den = s[i]! - avg[i]! * avg[i]! + eps;
      } else {
        den = s[i]! + eps;
      }
      const inc = (lr * g[i]!) / Math.sqrt(den);
      if (mom !== null) {
        mom[i] = this.momentum * mom[i]! + inc;
        w[i] = w[i]! - mom[i]!;
      } else {
        w[i] = w[i]! - inc;
      }
    }
  }

  protected override ownConfig(): Record<string, unknown> {
    return { rho: this.rho, momentum: this.momentum, epsilon: this.epsilon, centered: this.centered };
  }
}
