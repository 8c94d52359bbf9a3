// SGD with optional momentum and Nesterov momentum (keras/src/optimizers/sgd.py).
//   no momentum:  w ← w − lr·g
//   momentum:     v ← μ·v − lr·g;  w ← w + v
//   nesterov:     v ← μ·v − lr·g;  w ← w + μ·v − lr·g   (with the new v)

import { booleanOption, numberOption, Optimizer, optionsOf, type LearningRate, type OptimizerOptions, type Slots } from './optimizer.js';

/** Options of {@link SGD}: the common ones plus momentum. */
export interface SGDOptions extends OptimizerOptions {
  /** The step size: a number, a schedule or a function. Default 0.01. */
  learningRate?: OptimizerOptions['learningRate'];
  /** In [0, 1]; default 0 (plain gradient descent, no slot). */
  momentum?: number;
  /** Use Nesterov momentum (the update looks ahead by μ·v). Default false. */
  nesterov?: boolean;
}

/**
 * Gradient descent, with momentum and Nesterov momentum. Keras 3 defaults: learningRate 0.01,
 * momentum 0, nesterov false.
 *
 * @example
 * ```ts
 * const opt = new tk.optimizers.SGD({ learningRate: 0.1, momentum: 0.9, nesterov: true });
 * ```
 */
export class SGD extends Optimizer {
  static override readonly className = 'SGD';
  /** The momentum factor μ in [0, 1] (default 0: plain gradient descent). */
  readonly momentum: number;
  /** Whether the momentum is Nesterov's (default false). */
  readonly nesterov: boolean;

  constructor(arg: SGDOptions | LearningRate = {}) {
    const options = optionsOf(arg);
    super(options, ['momentum', 'nesterov'], 0.01);
    this.momentum = numberOption('SGD', 'momentum', options.momentum, 0);
    if (this.momentum < 0 || this.momentum > 1) throw new Error(`SGD: option momentum must be a number in [0, 1], got ${this.momentum}`);
    this.nesterov = booleanOption('SGD', 'nesterov', options.nesterov, false);
  }

  protected slotGroups(): string[][] {
    return this.momentum !== 0 ? [['momentum']] : [];
  }

  protected updateStep(g: Float32Array, w: Float32Array, slots: Slots, lr: number): void {
    if (this.momentum === 0) {
      for (let i = 0; i < w.length; i++) w[i] = w[i]! - lr * g[i]!;
      return;
    }
    const mu = this.momentum;
    const v = slots.momentum!;
    for (let i = 0; i < w.length; i++) {
      v[i] = mu * v[i]! - lr * g[i]!;
      w[i] = this.nesterov ? w[i]! + mu * v[i]! - lr * g[i]! : w[i]! + v[i]!;
    }
  }

  protected override ownConfig(): Record<string, unknown> {
    return { momentum: this.momentum, nesterov: this.nesterov };
  }
}
