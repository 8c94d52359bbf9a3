// Adadelta (keras/src/optimizers/adadelta.py):
//   Eg  ← ρ·Eg + (1 − ρ)·g²
//   Δ   = −√(Edx + ε) / √(Eg + ε) · g
//   Edx ← ρ·Edx + (1 − ρ)·Δ²
//   w   ← w + lr·Δ
// NOTE: Keras 3 (and tf.keras 2) default the learning rate to 0.001, not the paper's 1.0 used by
// standalone Keras ≤ 2.3; with 0.001 Adadelta moves very slowly. Pass 1.0 to match the paper.

import { numberOption, Optimizer, optionsOf, type LearningRate, type OptimizerOptions, type Slots } from './optimizer.js';

/** Options of {@link Adadelta}: the common ones plus the decay rate. */
export interface AdadeltaOptions extends OptimizerOptions {
  /** Decay rate ρ of the running averages of g² and Δ². Default 0.95. */
  rho?: number;
  /** ε added inside both square roots. Default 1e-7. */
  epsilon?: number;
}

/**
 * Adadelta. Keras 3 defaults: learningRate 0.001, rho 0.95, epsilon 1e-7.
 *
 * @example
 * ```ts
 * const opt = new tk.optimizers.Adadelta({ learningRate: 1.0 });   // the paper's setting
 * ```
 */
export class Adadelta extends Optimizer {
  static override readonly className = 'Adadelta';
  /** Decay rate of the running averages (default 0.95). */
  readonly rho: number;
  /** ε added inside the square roots (default 1e-7). */
  readonly epsilon: number;

  constructor(arg: AdadeltaOptions | LearningRate = {}) {
    const options = optionsOf(arg);
    super(options, ['rho', 'epsilon'], 0.001);
    this.rho = numberOption('Adadelta', 'rho', options.rho, 0.95);
    this.epsilon = numberOption('Adadelta', 'epsilon', options.epsilon, 1e-7);
  }

  protected slotGroups(): string[][] {
    return [['accumulated_grad', 'accumulated_delta_var']];
  }

  protected updateStep(g: Float32Array, w: Float32Array, slots: Slots, lr: number): void {
    const { rho, epsilon: eps } = this;
    const eg = slots.accumulated_grad!;
    const edx = slots.accumulated_delta_var!;
    for (let i = 0; i < w.length; i++) {
      eg[i] = rho * eg[i]! + (1 - rho) * g[i]! * g[i]!;
      const delta = -(Math.sqrt(edx[i]! + eps) * g[i]!) / Math.sqrt(eg[i]! + eps);
      edx[i] = rho * edx[i]! + (1 - rho) * delta * delta;
      w[i] = w[i]! + lr * delta;
    }
  }

  protected override ownConfig(): Record<string, unknown> {
    return { rho: this.rho, epsilon: this.epsilon };
  }
}
