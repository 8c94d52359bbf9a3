// Callbacks: objects whose hooks `fit`, `evaluate` and `predict` call at fixed points
// (keras/src/callbacks/callback.py, callback_list.py). A callback is either an instance of a
// Callback subclass or a plain object with any of the hook methods:
//
//   onTrainBegin(logs)            onTrainEnd(logs)
//   onEpochBegin(epoch, logs)     onEpochEnd(epoch, logs)        epoch is 0-based
//   onBatchBegin(batch, logs)     onBatchEnd(batch, logs)        training batches, 0-based
//   onTestBegin(logs)             onTestEnd(logs)
//   onTestBatchBegin(batch, logs) onTestBatchEnd(batch, logs)
//   onPredictBegin(logs)          onPredictEnd(logs)
//   onPredictBatchBegin(batch, logs)  onPredictBatchEnd(batch, logs)
//   onYield(epoch, batch, logs)   (TF.js's hook; called when fit yields to the event loop)
//
// Any hook may return a Promise; CallbackList awaits each hook in list order.
// Callbacks talk to the model through the small `CallbackModel` interface below, so this folder
// does not import src/models (dependencies point one way).

import type { Tensor } from '../tensor/tensor.js';
import type { Optimizer } from '../optimizers/optimizer.js';
import { unknownIdentifierError } from '../identifiers.js';

/** Log values by name: `{ loss: 0.31, accuracy: 0.9, val_loss: 0.35 }`. */
export type Logs = Record<string, number>;

/** What fit tells its callbacks (Keras: `{ verbose, epochs, steps }`). */
export interface CallbackParams {
  /** 0, 1 or 2 ('auto' is 1). */
  verbose?: number | 'auto';
  /** The final epoch (not a count when fit starts at `initialEpoch`). */
  epochs?: number;
  /** Batches per epoch, or null when unknown. */
  steps?: number | null;
  [key: string]: unknown;
}

/** What callbacks need from a model. */
export interface CallbackModel {
  /** Set true to stop `fit` at the end of the current batch or epoch. */
  stopTraining: boolean;
  /** The model's weights (callbacks copy them before keeping them). */
  getWeights(): Tensor[];
  setWeights(weights: Tensor[]): void;
  /** The compiled optimizer (ReduceLROnPlateau and LearningRateScheduler change its learning rate). */
  readonly optimizer: Optimizer | null;
}

type Hook<A extends unknown[]> = (...args: A) => void | Promise<void>;

/** The hooks a callback may have; a plain object with any of them is a callback. */
export interface CallbackHooks {
  onTrainBegin?: Hook<[logs: Logs]>;
  onTrainEnd?: Hook<[logs: Logs]>;
  onEpochBegin?: Hook<[epoch: number, logs: Logs]>;
  onEpochEnd?: Hook<[epoch: number, logs: Logs]>;
  onBatchBegin?: Hook<[batch: number, logs: Logs]>;
  onBatchEnd?: Hook<[batch: number, logs: Logs]>;
  onTestBegin?: Hook<[logs: Logs]>;
  onTestEnd?: Hook<[logs: Logs]>;
  onTestBatchBegin?: Hook<[batch: number, logs: Logs]>;
  onTestBatchEnd?: Hook<[batch: number, logs: Logs]>;
  onPredictBegin?: Hook<[logs: Logs]>;
  onPredictEnd?: Hook<[logs: Logs]>;
  onPredictBatchBegin?: Hook<[batch: number, logs: Logs]>;
  onPredictBatchEnd?: Hook<[batch: number, logs: Logs]>;
  onYield?: Hook<[epoch: number, batch: number, logs: Logs]>;
  setModel?: (model: CallbackModel) => void;
  setParams?: (params: CallbackParams) => void;
}

const HOOK_NAMES: readonly (keyof CallbackHooks)[] = [
  'onTrainBegin', 'onTrainEnd', 'onEpochBegin', 'onEpochEnd', 'onBatchBegin', 'onBatchEnd',
  'onTestBegin', 'onTestEnd', 'onTestBatchBegin', 'onTestBatchEnd',
  'onPredictBegin', 'onPredictEnd', 'onPredictBatchBegin', 'onPredictBatchEnd', 'onYield',
  'setModel', 'setParams',
];

/**
 * The base class of callbacks: every hook does nothing; subclasses override the ones they need.
 * `this.model` and `this.params` are set by fit before training begins.
 *
 * @example
 * ```ts
 * class PrintLoss extends tk.callbacks.Callback {
 *   override onEpochEnd(epoch: number, logs: tk.callbacks.Logs) {
 *     console.log(`epoch ${epoch}: loss ${logs.loss}`);
 *   }
 * }
 * await model.fit(x, y, { epochs: 3, callbacks: [new PrintLoss()] });
 * ```
 */
export class Callback implements CallbackHooks {
  /** The model being trained, set by `setModel`. */
  model: CallbackModel | null = null;
  /** The training parameters, set by `setParams`. */
  params: CallbackParams = {};

  setModel(model: CallbackModel): void {
    this.model = model;
  }

  setParams(params: CallbackParams): void {
    this.params = params;
  }

  onTrainBegin(_logs: Logs): void | Promise<void> {}
  onTrainEnd(_logs: Logs): void | Promise<void> {}
  onEpochBegin(_epoch: number, _logs: Logs): void | Promise<void> {}
  onEpochEnd(_epoch: number, _logs: Logs): void | Promise<void> {}
  onBatchBegin(_batch: number, _logs: Logs): void | Promise<void> {}
  onBatchEnd(_batch: number, _logs: Logs): void | Promise<void> {}
  onTestBegin(_logs: Logs): void | Promise<void> {}
  onTestEnd(_logs: Logs): void | Promise<void> {}
  onTestBatchBegin(_batch: number, _logs: Logs): void | Promise<void> {}
  onTestBatchEnd(_batch: number, _logs: Logs): void | Promise<void> {}
  onPredictBegin(_logs: Logs): void | Promise<void> {}
  onPredictEnd(_logs: Logs): void | Promise<void> {}
  onPredictBatchBegin(_batch: number, _logs: Logs): void | Promise<void> {}
  onPredictBatchEnd(_batch: number, _logs: Logs): void | Promise<void> {}

  /** The model, or an error naming this callback when fit has not set one. */
  protected requireModel(): CallbackModel {
    if (this.model === null) throw new Error(`${this.constructor.name}: no model set; pass the callback to model.fit({ callbacks: [...] })`);
    return this.model;
  }
}

/** A callback: a Callback instance or a plain object with any of the hooks. */
export type CallbackLike = Callback | CallbackHooks;

/**
 * A copy of `logs` with its keys in alphabetical order (Keras's `pythonify_logs`).
 *
 * @example
 * ```ts
 * Object.keys(tk.callbacks.sortLogs({ val_loss: 1, loss: 2, accuracy: 3 }));   // ['accuracy', 'loss', 'val_loss']
 * ```
 */
export function sortLogs(logs: Logs | null | undefined): Logs {
  const out: Logs = {};
  if (logs === null || logs === undefined) return out;
  for (const key of Object.keys(logs).sort()) out[key] = logs[key]!;
  return out;
}

function checkCallback(cb: unknown, index: number): CallbackHooks {
  if (cb === null || typeof cb !== 'object' || Array.isArray(cb)) {
    const hint = typeof cb === 'function' ? ' (a class or function: did you forget `new`?)' : '';
    throw new Error(`callbacks[${index}]: expected a Callback or an object with hooks such as onEpochEnd, got ${typeof cb === 'function' ? 'a function' : String(cb)}${hint}`);
  }
  if (!(cb instanceof Callback)) {
    for (const key of Object.keys(cb)) {
      const value = (cb as Record<string, unknown>)[key];
      if (/^on[A-Z]/.test(key) && !HOOK_NAMES.includes(key as keyof CallbackHooks)) {
        throw unknownIdentifierError('callback hook', key, HOOK_NAMES.filter((h) => h.startsWith('on')));
      }
      if (HOOK_NAMES.includes(key as keyof CallbackHooks) && value !== undefined && typeof value !== 'function') {
        throw new Error(`callbacks[${index}].${key} must be a function, got ${typeof value}`);
      }
    }
  }
  return cb as CallbackHooks;
}

/**
 * Calls a list of callbacks in order, awaiting each hook. For every event it passes all the
 * callbacks ONE copy of the logs with sorted keys (Keras's `pythonify_logs`), so a key one
 * callback adds (ReduceLROnPlateau's `learning_rate`) is seen by the callbacks after it (History).
 *
 * @example
 * ```ts
 * const list = new tk.callbacks.CallbackList([history, { onEpochEnd: (e, logs) => console.log(e, logs) }]);
 * list.setModel(model);
 * await list.onEpochEnd(0, { loss: 0.5 });
 * ```
 */
export class CallbackList {
  readonly callbacks: readonly CallbackHooks[];

  constructor(callbacks: readonly CallbackLike[] = []) {
    if (!Array.isArray(callbacks)) throw new Error(`callbacks: expected an array of callbacks, got ${String(callbacks)}`);
    this.callbacks = callbacks.map((cb, i) => checkCallback(cb, i));
  }

  setModel(model: CallbackModel): void {
    for (const cb of this.callbacks) cb.setModel?.(model);
  }

  setParams(params: CallbackParams): void {
    for (const cb of this.callbacks) cb.setParams?.(params);
  }

  private async call<K extends keyof CallbackHooks>(hook: K, args: (logs: Logs) => unknown[], logs: Logs | undefined): Promise<Logs> {
    const shared = sortLogs(logs);
    const argv = args(shared);
    for (const cb of this.callbacks) {
      const fn = cb[hook] as ((...a: unknown[]) => unknown) | undefined;
      if (typeof fn === 'function') await fn.apply(cb, argv);
    }
    return shared;
  }

  /** Each hook resolves with the logs the callbacks saw (possibly with keys they added). */
  onTrainBegin(logs?: Logs): Promise<Logs> { return this.call('onTrainBegin', (l) => [l], logs); }
  onTrainEnd(logs?: Logs): Promise<Logs> { return this.call('onTrainEnd', (l) => [l], logs); }
  onEpochBegin(epoch: number, logs?: Logs): Promise<Logs> { return this.call('onEpochBegin', (l) => [epoch, l], logs); }
  onEpochEnd(epoch: number, logs?: Logs): Promise<Logs> { return this.call('onEpochEnd', (l) => [epoch, l], logs); }
  onBatchBegin(batch: number, logs?: Logs): Promise<Logs> { return this.call('onBatchBegin', (l) => [batch, l], logs); }
  onBatchEnd(batch: number, logs?: Logs): Promise<Logs> { return this.call('onBatchEnd', (l) => [batch, l], logs); }
  onTestBegin(logs?: Logs): Promise<Logs> { return this.call('onTestBegin', (l) => [l], logs); }
  onTestEnd(logs?: Logs): Promise<Logs> { return this.call('onTestEnd', (l) => [l], logs); }
  onTestBatchBegin(batch: number, logs?: Logs): Promise<Logs> { return this.call('onTestBatchBegin', (l) => [batch, l], logs); }
  onTestBatchEnd(batch: number, logs?: Logs): Promise<Logs> { return this.call('onTestBatchEnd', (l) => [batch, l], logs); }
  onPredictBegin(logs?: Logs): Promise<Logs> { return this.call('onPredictBegin', (l) => [l], logs); }
  onPredictEnd(logs?: Logs): Promise<Logs> { return this.call('onPredictEnd', (l) => [l], logs); }
  onPredictBatchBegin(batch: number, logs?: Logs): Promise<Logs> { return this.call('onPredictBatchBegin', (l) => [batch, l], logs); }
  onPredictBatchEnd(batch: number, logs?: Logs): Promise<Logs> { return this.call('onPredictBatchEnd', (l) => [batch, l], logs); }
  onYield(epoch: number, batch: number, logs?: Logs): Promise<Logs> { return this.call('onYield', (l) => [epoch, batch, l], logs); }
}
