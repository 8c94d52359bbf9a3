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
//   onPredictBatchBegin(batch, logs)  onPredictBatchEnd(batch, { outputs })
//   onYield(epoch, batch, logs)   (TF.js's hook; called when fit yields to the event loop)
//
// In fit, any hook may return a Promise; CallbackList awaits each hook in list order. evaluate
// and predict are synchronous (as DESIGN.md's API), so the hooks they call must be too: one that
// returns a Promise there is an error naming it, rather than a promise left running.
// Callbacks talk to the model through the small `CallbackModel` interface below, so this folder
// does not import src/models (dependencies point one way).

import type { Tensor } from '../tensor/tensor.js';
import type { Optimizer } from '../optimizers/optimizer.js';
import { unknownIdentifierError } from '../identifiers.js';

/** Log values by name: `{ loss: 0.31, accuracy: 0.9, val_loss: 0.35 }`. */
export type Logs = Record<string, number>;

/** What `onPredictBatchEnd` receives, as Keras's `{"outputs": ...}`. */
export interface PredictBatchLogs {
  /** The batch's predictions. */
  outputs: Tensor;
}

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
  /** Replaces the model's weights, in `getWeights` order (EarlyStopping restores the best ones with it). */
  setWeights(weights: Tensor[]): void;
  /** The compiled optimizer (ReduceLROnPlateau and LearningRateScheduler change its learning rate). */
  readonly optimizer: Optimizer | null;
}

/** A callback hook taking arguments `A`; it may return a Promise, which the caller awaits before going on. */
export type Hook<A extends unknown[]> = (...args: A) => void | Promise<void>;

/** The hooks a callback may have; a plain object with any of them is a callback. */
export interface CallbackHooks {
  /** Called once when `fit` starts, before the first epoch. */
  onTrainBegin?: Hook<[logs: Logs]>;
  /** Called once when `fit` ends, with the last epoch's logs. */
  onTrainEnd?: Hook<[logs: Logs]>;
  /** Called at the start of each epoch (`epoch` is 0-based). */
  onEpochBegin?: Hook<[epoch: number, logs: Logs]>;
  /** Called at the end of each epoch with its logs: training metrics, and `val_` ones after validation. */
  onEpochEnd?: Hook<[epoch: number, logs: Logs]>;
  /** Called before each training batch (`batch` is 0-based within the epoch). */
  onBatchBegin?: Hook<[batch: number, logs: Logs]>;
  /** Called after each training batch with the epoch's running loss and metrics so far. */
  onBatchEnd?: Hook<[batch: number, logs: Logs]>;
  /** Called when `evaluate` (synchronously: return no Promise) or fit's validation starts. */
  onTestBegin?: Hook<[logs: Logs]>;
  /** Called when `evaluate` (or fit's validation) ends, with its results. */
  onTestEnd?: Hook<[logs: Logs]>;
  /** Called before each evaluation batch. */
  onTestBatchBegin?: Hook<[batch: number, logs: Logs]>;
  /** Called after each evaluation batch with the running averages so far. */
  onTestBatchEnd?: Hook<[batch: number, logs: Logs]>;
  /** Called when `predict` starts (synchronously: return no Promise). */
  onPredictBegin?: Hook<[logs: Logs]>;
  /** Called when `predict` ends (synchronously). */
  onPredictEnd?: Hook<[logs: Logs]>;
  /** Called before each prediction batch (synchronously). */
  onPredictBatchBegin?: Hook<[batch: number, logs: Logs]>;
  /** Called after each prediction batch with its predictions (synchronously). */
  onPredictBatchEnd?: Hook<[batch: number, logs: PredictBatchLogs]>;
  /** Called after `fit` yields to the event loop (TF.js's hook), with the current epoch, batch and logs. */
  onYield?: Hook<[epoch: number, batch: number, logs: Logs]>;
  /** Receives the model being trained before training begins. */
  setModel?: (model: CallbackModel) => void;
  /** Receives fit's parameters (`verbose`, `epochs`, `steps`) before training begins. */
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

  /** Stores the model being trained in `this.model` (fit calls it before training begins). */
  setModel(model: CallbackModel): void {
    this.model = model;
  }

  /** Stores fit's parameters in `this.params` (fit calls it before training begins). */
  setParams(params: CallbackParams): void {
    this.params = params;
  }

  /** Called once when `fit` starts, before the first epoch. Does nothing unless overridden. */
  onTrainBegin(_logs: Logs): void | Promise<void> {}
  /** Called once when `fit` ends, with the last epoch's logs. Does nothing unless overridden. */
  onTrainEnd(_logs: Logs): void | Promise<void> {}
  /** Called at the start of each epoch (`epoch` is 0-based). Does nothing unless overridden. */
  onEpochBegin(_epoch: number, _logs: Logs): void | Promise<void> {}
  /** Called at the end of each epoch with its logs: training metrics, and `val_` ones after validation. Does nothing unless overridden. */
  onEpochEnd(_epoch: number, _logs: Logs): void | Promise<void> {}
  /** Called before each training batch (`batch` is 0-based within the epoch). Does nothing unless overridden. */
  onBatchBegin(_batch: number, _logs: Logs): void | Promise<void> {}
  /** Called after each training batch with the epoch's running loss and metrics so far. Does nothing unless overridden. */
  onBatchEnd(_batch: number, _logs: Logs): void | Promise<void> {}
  /** Called when `evaluate` (or fit's validation) starts. Does nothing unless overridden. */
  onTestBegin(_logs: Logs): void | Promise<void> {}
  /** Called when `evaluate` (or fit's validation) ends, with its results. Does nothing unless overridden. */
  onTestEnd(_logs: Logs): void | Promise<void> {}
  /** Called before each evaluation batch. Does nothing unless overridden. */
  onTestBatchBegin(_batch: number, _logs: Logs): void | Promise<void> {}
  /** Called after each evaluation batch with the running averages so far. Does nothing unless overridden. */
  onTestBatchEnd(_batch: number, _logs: Logs): void | Promise<void> {}
  /** Called when `predict` starts (synchronously: return no Promise). Does nothing unless overridden. */
  onPredictBegin(_logs: Logs): void | Promise<void> {}
  /** Called when `predict` ends (synchronously). Does nothing unless overridden. */
  onPredictEnd(_logs: Logs): void | Promise<void> {}
  /** Called before each prediction batch (synchronously). Does nothing unless overridden. */
  onPredictBatchBegin(_batch: number, _logs: Logs): void | Promise<void> {}
  /** Called after each prediction batch with its predictions (synchronously). Does nothing unless overridden. */
  onPredictBatchEnd(_batch: number, _logs: PredictBatchLogs): void | Promise<void> {}

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
  /** The callbacks, in the order their hooks are called. */
  readonly callbacks: readonly CallbackHooks[];

  constructor(callbacks: readonly CallbackLike[] = []) {
    if (!Array.isArray(callbacks)) throw new Error(`callbacks: expected an array of callbacks, got ${String(callbacks)}`);
    this.callbacks = callbacks.map((cb, i) => checkCallback(cb, i));
  }

  /** Passes the model to every callback's `setModel`. */
  setModel(model: CallbackModel): void {
    for (const cb of this.callbacks) cb.setModel?.(model);
  }

  /** Passes fit's parameters to every callback's `setParams`. */
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

  // Each hook below calls the same hook of every callback in turn and resolves with the logs the
  // callbacks saw (a sorted copy, possibly with keys they added).

  /** Calls every callback's `onTrainBegin`; resolves with the logs they saw. */
  onTrainBegin(logs?: Logs): Promise<Logs> { return this.call('onTrainBegin', (l) => [l], logs); }
  /** Calls every callback's `onTrainEnd`; resolves with the logs they saw. */
  onTrainEnd(logs?: Logs): Promise<Logs> { return this.call('onTrainEnd', (l) => [l], logs); }
  /** Calls every callback's `onEpochBegin`; resolves with the logs they saw. */
  onEpochBegin(epoch: number, logs?: Logs): Promise<Logs> { return this.call('onEpochBegin', (l) => [epoch, l], logs); }
  /** Calls every callback's `onEpochEnd`; resolves with the logs they saw. */
  onEpochEnd(epoch: number, logs?: Logs): Promise<Logs> { return this.call('onEpochEnd', (l) => [epoch, l], logs); }
  /** Calls every callback's `onBatchBegin`; resolves with the logs they saw. */
  onBatchBegin(batch: number, logs?: Logs): Promise<Logs> { return this.call('onBatchBegin', (l) => [batch, l], logs); }
  /** Calls every callback's `onBatchEnd`; resolves with the logs they saw. */
  onBatchEnd(batch: number, logs?: Logs): Promise<Logs> { return this.call('onBatchEnd', (l) => [batch, l], logs); }
  /** Calls every callback's `onTestBegin`; resolves with the logs they saw. */
  onTestBegin(logs?: Logs): Promise<Logs> { return this.call('onTestBegin', (l) => [l], logs); }
  /** Calls every callback's `onTestEnd`; resolves with the logs they saw. */
  onTestEnd(logs?: Logs): Promise<Logs> { return this.call('onTestEnd', (l) => [l], logs); }
  /** Calls every callback's `onTestBatchBegin`; resolves with the logs they saw. */
  onTestBatchBegin(batch: number, logs?: Logs): Promise<Logs> { return this.call('onTestBatchBegin', (l) => [batch, l], logs); }
  /** Calls every callback's `onTestBatchEnd`; resolves with the logs they saw. */
  onTestBatchEnd(batch: number, logs?: Logs): Promise<Logs> { return this.call('onTestBatchEnd', (l) => [batch, l], logs); }
  /** Calls every callback's `onPredictBegin`; resolves with the logs they saw. */
  onPredictBegin(logs?: Logs): Promise<Logs> { return this.call('onPredictBegin', (l) => [l], logs); }
  /** Calls every callback's `onPredictEnd`; resolves with the logs they saw. */
  onPredictEnd(logs?: Logs): Promise<Logs> { return this.call('onPredictEnd', (l) => [l], logs); }
  /** Calls every callback's `onPredictBatchBegin`; resolves with the logs they saw. */
  onPredictBatchBegin(batch: number, logs?: Logs): Promise<Logs> { return this.call('onPredictBatchBegin', (l) => [batch, l], logs); }
  /** Calls every callback's `onPredictBatchEnd` with the batch's predictions. */
  async onPredictBatchEnd(batch: number, logs: PredictBatchLogs): Promise<void> {
    for (const cb of this.callbacks) await cb.onPredictBatchEnd?.call(cb, batch, logs);
  }
  /** Calls every callback's `onYield`; resolves with the logs they saw. */
  onYield(epoch: number, batch: number, logs?: Logs): Promise<Logs> { return this.call('onYield', (l) => [epoch, batch, l], logs); }

  /**
   * Calls a test or predict hook of every callback without awaiting, for the synchronous
   * `evaluate` and `predict`; Logs arguments are passed as one sorted copy, as by the async
   * hooks. A hook that returns a Promise is an error naming it (it cannot be awaited there).
   *
   * @example
   * ```ts
   * const list = new tk.callbacks.CallbackList([{ onTestBatchEnd: (batch, logs) => console.log(batch, logs.loss) }]);
   * list.callSync('onTestBatchEnd', 0, { loss: 0.5 });   // prints 0 0.5
   * ```
   */
  callSync<K extends SyncHook>(hook: K, ...args: Parameters<NonNullable<CallbackHooks[K]>>): void {
    const argv: unknown[] = args.map((a) => (a !== null && typeof a === 'object' && hook !== 'onPredictBatchEnd' ? sortLogs(a as Logs) : a));
    for (let i = 0; i < this.callbacks.length; i++) {
      const cb = this.callbacks[i]!;
      const fn = cb[hook] as ((...a: unknown[]) => unknown) | undefined;
      if (typeof fn !== 'function') continue;
      const result = fn.apply(cb, argv);
      if (result !== null && typeof result === 'object' && typeof (result as PromiseLike<unknown>).then === 'function') {
        (result as PromiseLike<unknown>).then(undefined, () => {}); // not awaited: keep a late rejection from going unhandled
        const caller = hook.startsWith('onTest') ? 'evaluate' : 'predict';
        throw new Error(`callbacks[${i}].${hook} returned a Promise, but ${caller} is synchronous and cannot await it; make the hook synchronous (fit awaits its hooks)`);
      }
    }
  }
}

/** The hooks the synchronous `evaluate` and `predict` call. */
export type SyncHook = 'onTestBegin' | 'onTestEnd' | 'onTestBatchBegin' | 'onTestBatchEnd' | 'onPredictBegin' | 'onPredictEnd' | 'onPredictBatchBegin' | 'onPredictBatchEnd';
