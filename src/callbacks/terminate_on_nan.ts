// TerminateOnNaN (keras/src/callbacks/terminate_on_nan.py): after each training batch, a loss
// that is NaN or ±Infinity stops training (or throws, with raiseError).

import { Callback, type Logs } from './callback.js';
import { checkOptionKeys } from './monitor.js';
import { pythonFloatRepr } from './format.js';

/**
 * Stops training when the loss becomes NaN or infinite.
 *
 * @example
 * ```ts
 * await model.fit(x, y, { epochs: 10, callbacks: [new tk.callbacks.TerminateOnNaN()] });
 * // or throw at once instead of stopping gracefully:
 * new tk.callbacks.TerminateOnNaN({ raiseError: true });
 * ```
 */
export class TerminateOnNaN extends Callback {
  /** Throw an Error instead of setting `stopTraining` (onTrainEnd hooks then do not run). */
  readonly raiseError: boolean;

  constructor(options: { raiseError?: boolean } = {}) {
    super();
    checkOptionKeys('TerminateOnNaN', options, ['raiseError']);
    this.raiseError = options.raiseError ?? false;
  }

  override onBatchEnd(batch: number, logs: Logs): void {
    const loss = logs?.loss;
    if (loss === undefined || loss === null || Number.isFinite(loss)) return;
    if (this.raiseError) {
      throw new Error(`NaN or Inf loss encountered at batch ${batch}. Loss value: ${pythonFloatRepr(loss)}. Terminating training immediately.`);
    }
    console.log(`Batch ${batch}: Invalid loss, terminating training`);
    this.requireModel().stopTraining = true;
  }
}
