// ReduceLROnPlateau (keras/src/callbacks/reduce_lr_on_plateau.py). At each epoch end:
//   logs.learning_rate = the learning rate used during the epoch (float32, as Keras reads it)
//   if in cooldown: cooldown −= 1 and wait = 0
//   if improved (by more than minDelta): best = current, wait = 0
//   else if not in cooldown: wait += 1; when wait >= patience and lr > minLr:
//       lr ← max(lr·factor, minLr); cooldown = cooldownEpochs; wait = 0

import { Callback, type Logs } from './callback.js';
import { checkOptionKeys, isImprovement, numberArg, resolveMode, WarnOnce, type MonitorMode } from './monitor.js';
import { pythonFloatRepr } from './format.js';
import type { Optimizer } from '../optimizers/optimizer.js';

/** Options of {@link ReduceLROnPlateau} (Keras's arguments, camelCased). */
export interface ReduceLROnPlateauOptions {
  /** The log key to watch, such as 'val_loss'. Default 'val_loss'. */
  monitor?: string;
  /** Multiplies the learning rate on a plateau; must be < 1. Default 0.1. */
  factor?: number;
  /** Epochs without improvement before reducing. Default 10. */
  patience?: number;
  /** 1: print a message on each reduction. Default 0. */
  verbose?: number;
  /** Whether lower ('min') or higher ('max') is better; 'auto' (default) decides from the key's name. */
  mode?: MonitorMode;
  /** The smallest change that counts as an improvement. Default 1e-4. */
  minDelta?: number;
  /** Epochs to wait after a reduction before counting again. Default 0. */
  cooldown?: number;
  /** The learning rate never goes below this. Default 0. */
  minLr?: number;
}

const KEYS = ['monitor', 'factor', 'patience', 'verbose', 'mode', 'minDelta', 'cooldown', 'minLr'];

/** The optimizer's learning rate as Keras reads it back from its float32 variable. */
export function loggedLearningRate(optimizer: Optimizer): number {
  return Math.fround(optimizer.learningRate);
}

/** The model's optimizer, or an error naming the callback. */
export function requireOptimizer(owner: string, optimizer: Optimizer | null): Optimizer {
  if (optimizer === null || optimizer === undefined) throw new Error(`${owner}: the model has no optimizer; compile it before fit`);
  return optimizer;
}

/**
 * Reduces the learning rate when a metric has stopped improving.
 *
 * @example
 * ```ts
 * const reduce = new tk.callbacks.ReduceLROnPlateau({ monitor: 'val_loss', factor: 0.2, patience: 5, minLr: 0.001 });
 * await model.fit(x, y, { epochs: 50, validationSplit: 0.2, callbacks: [reduce] });
 * ```
 */
export class ReduceLROnPlateau extends Callback {
  /** The log key watched (default 'val_loss'). */
  readonly monitor: string;
  /** What the learning rate is multiplied by on a plateau (< 1; default 0.1). */
  readonly factor: number;
  /** Epochs without improvement before a reduction (default 10). */
  readonly patience: number;
  /** 1 prints a message on each reduction; 0 is silent (default). */
  readonly verbose: number;
  /** Whether lower ('min') or higher ('max') is better; 'auto' (default) decides from the key's name. */
  readonly mode: MonitorMode;
  /** The smallest change that counts as an improvement (non-negative; default 1e-4). */
  readonly minDelta: number;
  /** Epochs to wait after a reduction before counting again (default 0). */
  readonly cooldown: number;
  /** The floor of the learning rate (default 0). */
  readonly minLr: number;
  /** Epochs since the last improvement. */
  wait = 0;
  /** Epochs of cooldown left. */
  cooldownCounter = 0;
  /** The best value seen, or null. */
  best: number | null = null;
  private readonly direction: 'min' | 'max';
  private readonly signedMinDelta: number;
  private readonly warnings = new WarnOnce();

  constructor(options: ReduceLROnPlateauOptions = {}) {
    super();
    checkOptionKeys('ReduceLROnPlateau', options, KEYS);
    const cls = 'ReduceLROnPlateau';
    this.monitor = options.monitor ?? 'val_loss';
    this.factor = numberArg(cls, 'factor', options.factor, 0.1);
    if (this.factor >= 1.0) throw new Error(`ReduceLROnPlateau does not support a factor >= 1.0. Received factor=${this.factor}`);
    this.patience = numberArg(cls, 'patience', options.patience, 10);
    this.verbose = numberArg(cls, 'verbose', options.verbose, 0);
    this.mode = options.mode ?? 'auto';
    this.minDelta = Math.abs(numberArg(cls, 'minDelta', options.minDelta, 1e-4));
    this.cooldown = numberArg(cls, 'cooldown', options.cooldown, 0);
    this.minLr = numberArg(cls, 'minLr', options.minLr, 0);
    this.direction = resolveMode(cls, this.monitor, this.mode);
    this.signedMinDelta = this.direction === 'min' ? -this.minDelta : this.minDelta;
  }

  /** True while reductions are paused after the last one. */
  inCooldown(): boolean {
    return this.cooldownCounter > 0;
  }

  override onTrainBegin(_logs?: Logs): void {
    this.best = null;
    this.cooldownCounter = 0;
    this.wait = 0;
  }

  override onEpochEnd(epoch: number, logs: Logs): void {
    const optimizer = requireOptimizer('ReduceLROnPlateau', this.requireModel().optimizer);
    logs.learning_rate = loggedLearningRate(optimizer);
    const current = logs[this.monitor];
    if (current === undefined || current === null) {
      this.warnings.warn(
        `Learning rate reduction is conditioned on metric \`${this.monitor}\` which is not available. ` +
        `Available metrics are: ${Object.keys(logs).join(',')}.`,
      );
      return;
    }
    if (this.inCooldown()) {
      this.cooldownCounter -= 1;
      this.wait = 0;
    }
    if (isImprovement(this.direction, this.signedMinDelta, current, this.best)) {
      this.best = current;
      this.wait = 0;
    } else if (!this.inCooldown()) {
      this.wait += 1;
      if (this.wait >= this.patience && this.reduce(optimizer, epoch)) {
        this.cooldownCounter = this.cooldown;
        this.wait = 0;
      }
    }
  }

  private reduce(optimizer: Optimizer, epoch: number): boolean {
    const oldLr = loggedLearningRate(optimizer);
    if (!(oldLr > Math.fround(this.minLr))) return false;
    const newLr = Math.max(oldLr * this.factor, this.minLr);
    optimizer.learningRate = newLr;
    if (this.verbose > 0) console.log(`\nEpoch ${epoch + 1}: ReduceLROnPlateau reducing learning rate to ${pythonFloatRepr(newLr)}.`);
    return true;
  }
}
