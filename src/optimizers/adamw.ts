// AdamW (keras/src/optimizers/adamw.py): Adam plus decoupled weight decay, applied by the base
// class before each update: w ← w − w·weightDecay·lr. Default weightDecay 0.004; null is refused.

import { Adam, type AdamOptions } from './adam.js';
import { optionsOf, type LearningRate } from './optimizer.js';

/** Options of {@link AdamW}: Adam's; `weightDecay` defaults to 0.004 and may not be null. */
export type AdamWOptions = AdamOptions;

/**
 * Adam with decoupled weight decay. Keras 3 defaults: Adam's, plus weightDecay 0.004.
 *
 * @example
 * ```ts
 * const opt = new tk.optimizers.AdamW({ learningRate: 1e-3, weightDecay: 0.01 });
 * opt.excludeFromWeightDecay({ varNames: ['bias'] });
 * ```
 */
export class AdamW extends Adam {
  static override readonly className: string = 'AdamW';

  constructor(arg: AdamWOptions | LearningRate = {}) {
    const options = optionsOf(arg);
    if (options === null || typeof options !== 'object') {
      super(options); // the base class reports the bad argument
      return;
    }
    if ('weightDecay' in options && options.weightDecay === null) {
      throw new Error('AdamW: option weightDecay must be a number (default 0.004), got null');
    }
    super({ ...options, weightDecay: options.weightDecay ?? 0.004 });
  }
}
