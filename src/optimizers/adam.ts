// Adam (keras/src/optimizers/adam.py), with t = iterations + 1:
//   m ← m + (g − m)(1 − β1)
//   v ← v + (g² − v)(1 − β2)
//   α = lr·√(1 − β2^t) / (1 − β1^t)
//   amsgrad: v̂ ← max(v̂, v), and v̂ replaces v below
//   w ← w − α·m / (√v + ε)
// NOTE: ε is the "epsilon hat" of the paper's section 2: it is added to √v of the UNcorrected v,
// the bias correction being folded into α. So ε weighs more than in the textbook form
// m̂/(√v̂ + ε); Keras and TF do it this way and we match them, not the textbook.

import { booleanOption, numberOption, Optimizer, optionsOf, type LearningRate, type OptimizerOptions, type Slots } from './optimizer.js';

/** Options of {@link Adam} (and {@link AdamW}): the common ones plus the moment decay rates. */
export interface AdamOptions extends OptimizerOptions {
  /** Decay rate β1 of the first-moment (mean) estimate m. Default 0.9. */
  beta1?: number;
  /** Decay rate β2 of the second-moment (uncentered variance) estimate v. Default 0.999. */
  beta2?: number;
  /** ε added to √v for stability (Keras's "epsilon hat"). Default 1e-7 (Keras), not TF.js's 1e-8. */
  epsilon?: number;
  /** Use the AMSGrad variant (divide by the running maximum of v). Default false. */
  amsgrad?: boolean;
}

export const ADAM_KEYS = ['beta1', 'beta2', 'epsilon', 'amsgrad'] as const;

/**
 * Adam. Keras 3 defaults: learningRate 0.001, beta1 0.9, beta2 0.999, epsilon 1e-7, amsgrad false.
 *
 * @example
 * ```ts
 * model.compile({ optimizer: new tk.optimizers.Adam({ learningRate: 1e-3 }), loss: 'mse' });
 * ```
 */
export class Adam extends Optimizer {
  static override readonly className: string = 'Adam';
  /** Decay rate of the first-moment estimate (default 0.9). */
  readonly beta1: number;
  /** Decay rate of the second-moment estimate (default 0.999). */
  readonly beta2: number;
  /** ε added to √v (default 1e-7). */
  readonly epsilon: number;
  /** Whether the AMSGrad variant is used (default false). */
  readonly amsgrad: boolean;

  constructor(arg: AdamOptions | LearningRate = {}) {
    const options = optionsOf(arg);
    super(options, ADAM_KEYS, 0.001);
    const cls = this.className;
    this.beta1 = numberOption(cls, 'beta1', options.beta1, 0.9);
    this.beta2 = numberOption(cls, 'beta2', options.beta2, 0.999);
    this.epsilon = numberOption(cls, 'epsilon', options.epsilon, 1e-7);
    this.amsgrad = booleanOption(cls, 'amsgrad', options.amsgrad, false);
  }

  protected slotGroups(): string[][] {
    return this.amsgrad ? [['momentum', 'velocity'], ['velocity_hat']] : [['momentum', 'velocity']];
  }

  protected updateStep(g: Float32Array, w: Float32Array, slots: Slots, lr: number): void {
    const { beta1: b1, beta2: b2, epsilon: eps } = this;
    const t = this.iterations + 1;
    const alpha = (lr * Math.sqrt(1 - b2 ** t)) / (1 - b1 ** t);
    const m = slots.momentum!;
    const v = slots.velocity!;
    const vHat = this.amsgrad ? slots.velocity_hat! : null;
    for (let i = 0; i < w.length; i++) {
      m[i] = m[i]! + (g[i]! - m[i]!) * (1 - b1);
      v[i] = v[i]! + (g[i]! * g[i]! - v[i]!) * (1 - b2);
      let vi = v[i]!;
      if (vHat !== null) vi = vHat[i] = Math.max(vHat[i]!, vi);
      w[i] = w[i]! - (alpha * m[i]!) / (Math.sqrt(vi) + eps);
    }
  }

  protected override ownConfig(): Record<string, unknown> {
    return { beta_1: this.beta1, beta_2: this.beta2, epsilon: this.epsilon, amsgrad: this.amsgrad };
  }
}
