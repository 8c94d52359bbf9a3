// EarlyStopping (keras/src/callbacks/early_stopping.py): stop when the monitored quantity has
// stopped improving.
//
// At each epoch end (from `startFromEpoch` on, and only when the monitored key is in the logs):
//   wait += 1
//   if it improved on the best so far: best = current (and, with restoreBestWeights, keep a copy
//     of the weights); wait = 0 only if it ALSO beats the baseline (when one is given)
//   otherwise, if wait >= patience and epoch > 0: stop training.
// With restoreBestWeights the best weights are restored at TRAIN END whenever some were recorded,
// even if training ran to the last epoch (Keras 3; tf.keras 2 restored only on an early stop).
// The first monitored epoch always counts as best, so there is always something to restore.

import { Callback, type Logs } from './callback.js';
import { checkOptionKeys, isImprovement, numberArg, resolveMode, WarnOnce, type MonitorMode } from './monitor.js';
import type { Tensor } from '../tensor/tensor.js';

/** Options of {@link EarlyStopping} (Keras's arguments, camelCased). */
export interface EarlyStoppingOptions {
  /** The log key to watch, such as 'val_loss' or 'val_accuracy'. Default 'val_loss'. */
  monitor?: string;
  /** The smallest change that counts as an improvement (its absolute value is used). Default 0. */
  minDelta?: number;
  /** Epochs without improvement before stopping. Default 0. */
  patience?: number;
  /** 1: print a message when stopping / restoring. Default 0. */
  verbose?: number;
  /** Default 'auto': from the metric's name (loss → min, accuracy → max). */
  mode?: MonitorMode;
  /** A value the quantity must beat; until it does, the patience keeps running. Default none. */
  baseline?: number | null;
  /** Restore the weights of the best epoch at the end of training. Default false. */
  restoreBestWeights?: boolean;
  /** Epochs to ignore at the start (warm-up). Default 0. */
  startFromEpoch?: number;
}

const KEYS = ['monitor', 'minDelta', 'patience', 'verbose', 'mode', 'baseline', 'restoreBestWeights', 'startFromEpoch'];

/**
 * Stops training when a monitored quantity has stopped improving.
 *
 * @example
 * ```ts
 * const stop = new tk.callbacks.EarlyStopping({ monitor: 'val_loss', patience: 3, restoreBestWeights: true });
 * await model.fit(x, y, { epochs: 100, validationSplit: 0.2, callbacks: [stop] });
 * stop.stoppedEpoch;   // the 0-based epoch it stopped at (0 if it did not)
 * ```
 */
export class EarlyStopping extends Callback {
  /** The log key watched (default 'val_loss'). */
  readonly monitor: string;
  /** The smallest change that counts as an improvement (non-negative; default 0). */
  readonly minDelta: number;
  /** Epochs without improvement tolerated before stopping (default 0). */
  readonly patience: number;
  /** 1 prints a message when stopping or restoring weights; 0 is silent (default). */
  readonly verbose: number;
  /** Whether lower ('min') or higher ('max') is better; 'auto' (default) decides from the key's name. */
  readonly mode: MonitorMode;
  /** A value the quantity must beat before the patience resets, or null (default) for none. */
  readonly baseline: number | null;
  /** Whether the best epoch's weights are restored when training ends (default false). */
  readonly restoreBestWeights: boolean;
  /** Epochs ignored at the start before monitoring begins (default 0). */
  readonly startFromEpoch: number;
  /** Epochs since the last improvement (that also beat the baseline). */
  wait = 0;
  /** The 0-based epoch training was stopped at, or 0. */
  stoppedEpoch = 0;
  /** The best value seen, or null. */
  best: number | null = null;
  /** The 0-based epoch of the best value. */
  bestEpoch = 0;
  /** Copies of the weights at the best epoch (with restoreBestWeights). */
  bestWeights: Tensor[] | null = null;
  private readonly direction: 'min' | 'max';
  private readonly signedMinDelta: number;
  private readonly warnings = new WarnOnce();

  constructor(options: EarlyStoppingOptions = {}) {
    super();
    checkOptionKeys('EarlyStopping', options, KEYS);
    this.monitor = options.monitor ?? 'val_loss';
    this.minDelta = Math.abs(numberArg('EarlyStopping', 'minDelta', options.minDelta, 0));
    this.patience = numberArg('EarlyStopping', 'patience', options.patience, 0);
    this.verbose = numberArg('EarlyStopping', 'verbose', options.verbose, 0);
    this.mode = options.mode ?? 'auto';
    this.baseline = options.baseline ?? null;
    if (this.baseline !== null) numberArg('EarlyStopping', 'baseline', this.baseline, 0);
    this.restoreBestWeights = options.restoreBestWeights ?? false;
    this.startFromEpoch = numberArg('EarlyStopping', 'startFromEpoch', options.startFromEpoch, 0);
    this.direction = resolveMode('EarlyStopping', this.monitor, this.mode);
    this.signedMinDelta = this.direction === 'min' ? -this.minDelta : this.minDelta;
  }

  override onTrainBegin(_logs?: Logs): void {
    // The same instance may be used for several fits.
    this.wait = 0;
    this.stoppedEpoch = 0;
    this.best = null;
    this.bestWeights = null;
    this.bestEpoch = 0;
  }

  override onEpochEnd(epoch: number, logs: Logs): void {
    const current = this.monitorValue(logs);
    if (current === undefined || epoch < this.startFromEpoch) return;
    const model = this.requireModel();
    if (this.restoreBestWeights && this.bestWeights === null) {
      // Nothing recorded yet: the current weights are the best so far.
      this.bestWeights = copyWeights(model.getWeights());
      this.bestEpoch = epoch;
    }
    this.wait += 1;
    if (isImprovement(this.direction, this.signedMinDelta, current, this.best)) {
      this.best = current;
      this.bestEpoch = epoch;
      if (this.restoreBestWeights) this.bestWeights = copyWeights(model.getWeights());
      // Only restart the wait when it beats both the previous best and the baseline.
      if (this.baseline === null || isImprovement(this.direction, this.signedMinDelta, current, this.baseline)) this.wait = 0;
      return;
    }
    if (this.wait >= this.patience && epoch > 0) {
      this.stoppedEpoch = epoch;
      model.stopTraining = true;
    }
  }

  override onTrainEnd(_logs?: Logs): void {
    if (this.stoppedEpoch > 0 && this.verbose > 0) console.log(`Epoch ${this.stoppedEpoch + 1}: early stopping`);
    if (this.restoreBestWeights && this.bestWeights !== null) {
      if (this.verbose > 0) console.log(`Restoring model weights from the end of the best epoch: ${this.bestEpoch + 1}.`);
      this.requireModel().setWeights(this.bestWeights);
    }
  }

  private monitorValue(logs: Logs): number | undefined {
    const value = logs?.[this.monitor];
    if (value === undefined || value === null) {
      this.warnings.warn(
        `Early stopping conditioned on metric \`${this.monitor}\` which is not available. ` +
        `Available metrics are: ${Object.keys(logs ?? {}).join(',')}`,
      );
      return undefined;
    }
    return value;
  }
}

/** Copies, so that later in-place updates of the model's variables do not change them. */
function copyWeights(weights: Tensor[]): Tensor[] {
  return weights.map((w) => w.clone());
}
