// LearningRateScheduler (keras/src/callbacks/learning_rate_scheduler.py): at each epoch begin,
// `lr = schedule(epoch, currentLr)` (epoch 0-based) is set on the optimizer; at each epoch end
// the learning rate is added to the logs as `learning_rate`.

import { Callback, type Logs } from './callback.js';
import { checkOptionKeys } from './monitor.js';
import { pythonFloatRepr } from './format.js';
import { loggedLearningRate, requireOptimizer } from './reduce_lr_on_plateau.js';

/** A schedule: the learning rate for a 0-based epoch, given the current one. */
export type EpochSchedule = (epoch: number, learningRate: number) => number;

/**
 * Sets the learning rate at the start of every epoch from a function of the epoch.
 *
 * @example
 * ```ts
 * const scheduler = new tk.callbacks.LearningRateScheduler((epoch, lr) => (epoch < 10 ? lr : lr * Math.exp(-0.1)));
 * await model.fit(x, y, { epochs: 15, callbacks: [scheduler] });
 * ```
 */
export class LearningRateScheduler extends Callback {
  /** The function giving each epoch's learning rate. */
  readonly schedule: EpochSchedule;
  /** 1 prints the learning rate set at each epoch; 0 is silent (default). */
  readonly verbose: number;

  constructor(schedule: EpochSchedule, options: { verbose?: number } = {}) {
    super();
    if (typeof schedule !== 'function') throw new Error(`LearningRateScheduler: schedule must be a function (epoch, lr) => lr, got ${String(schedule)}`);
    checkOptionKeys('LearningRateScheduler', options, ['verbose']);
    this.schedule = schedule;
    this.verbose = options.verbose ?? 0;
  }

  override onEpochBegin(epoch: number, _logs?: Logs): void {
    const optimizer = requireOptimizer('LearningRateScheduler', this.requireModel().optimizer);
    const lr: unknown = this.schedule(epoch, loggedLearningRate(optimizer));
    if (typeof lr !== 'number' || Number.isNaN(lr)) {
      throw new Error(`LearningRateScheduler: the output of the schedule function should be a number. Got: ${String(lr)}`);
    }
    optimizer.learningRate = lr;
    if (this.verbose > 0) console.log(`\nEpoch ${epoch + 1}: LearningRateScheduler setting learning rate to ${pythonFloatRepr(lr)}.`);
  }

  override onEpochEnd(_epoch: number, logs: Logs): void {
    logs.learning_rate = loggedLearningRate(requireOptimizer('LearningRateScheduler', this.requireModel().optimizer));
  }
}
