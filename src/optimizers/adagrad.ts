// Adagrad (keras/src/optimizers/adagrad.py):
//   acc ← acc + g²          (acc starts at initialAccumulatorValue = 0.1, not 0)
//   w   ← w − lr·g / √(acc + ε)
// NOTE: ε is inside the square root, and the accumulator starts at 0.1, so the first step is
// lr·g/√(0.1 + g² + ε), not lr·sign(g). Standalone Keras ≤ 2.3 started at 0 with ε outside.

import { numberOption, Optimizer, optionsOf, type LearningRate, type OptimizerOptions, type Slots } from './optimizer.js';

/** Options of {@link Adagrad}: the common ones plus the accumulator's start. */
export interface AdagradOptions extends OptimizerOptions {
  /** The value the sum of squared gradients starts at. Default 0.1. */
  initialAccumulatorValue?: number;
  /** ε added inside the square root. Default 1e-7. */
  epsilon?: number;
}

/**
 * Adagrad. Keras 3 defaults: learningRate 0.001, initialAccumulatorValue 0.1, epsilon 1e-7.
 *
 * @example
 * ```ts
 * const opt = new tk.optimizers.Adagrad({ learningRate: 0.01 });
 * ```
 */
export class Adagrad extends Optimizer {
  static override readonly className = 'Adagrad';
  /** The value the sum of squared gradients starts at (default 0.1). */
  readonly initialAccumulatorValue: number;
  /** ε added inside the square root (default 1e-7). */
  readonly epsilon: number;

  constructor(arg: AdagradOptions | LearningRate = {}) {
    const options = optionsOf(arg);
    super(options, ['initialAccumulatorValue', 'epsilon'], 0.001);
    this.initialAccumulatorValue = numberOption('Adagrad', 'initialAccumulatorValue', options.initialAccumulatorValue, 0.1);
    this.epsilon = numberOption('Adagrad', 'epsilon', options.epsilon, 1e-7);
  }

  protected slotGroups(): string[][] {
    return [['accumulator']];
  }

  protected override initialSlotValue(): number {
    return this.initialAccumulatorValue;
  }

  protected updateStep(g: Float32Array, w: Float32Array, slots: Slots, lr: number): void {
    const acc = slots.accumulator!;
    const eps = this.epsilon;
    for (let i = 0; i < w.length; i++) {
      acc[i] = acc[i]! + g[i]! * g[i]!;
      w[i] = w[i]! - (lr * g[i]!) / Math.sqrt(acc[i]! + eps);
    }
  }

  protected override ownConfig(): Record<string, unknown> {
    return { initial_accumulator_value: this.initialAccumulatorValue, epsilon: this.epsilon };
  }
}
