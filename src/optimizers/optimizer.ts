// The optimizer base class: what every Keras 3 optimizer shares (keras/src/optimizers/
// base_optimizer.py). One `applyGradients` call does, in this order:
//   1. drop pairs whose gradient is null (warn; all null is an error),
//   2. unscale: g ← g / lossScaleFactor, when the loss was scaled (see scaleLoss),
//   3. with gradientAccumulationSteps n: on n − 1 calls out of n only add g to an accumulator
//      and skip to 7; on the n-th, g ← (g + accumulator) / n and the accumulator is reset,
//   4. clip (clipnorm per tensor, globalClipnorm over all tensors, or clipvalue),
//   5. decoupled weight decay: w ← w − w·wd·lr,
//   6. `updateStep` for each variable (the subclass's rule),
//   7. the weights' moving average (useEma), then one more step counted.
// Updates are written IN PLACE into `variable.data`, and no array the size of a variable is
// allocated per step: the slot arrays (Adam's m and v, ...) are created once per variable, on
// first use, and reused; so is a scratch array for the gradient as applied (unscaled, averaged,
// clipped). Nothing is recorded on the autograd tape.
//
// Arithmetic: each element is computed in float64 and stored into float32 arrays. The learning
// rate is rounded to float32 first (Keras keeps it in a float32 variable and casts it to the
// variable's dtype), so a state saved with `getWeights` and restored with `setWeights` continues
// bit for bit.

import { Tensor, Variable } from '../tensor/tensor.js';
import { formatShape, shapesEqual } from '../tensor/shape.js';
import { toSnakeCase, uniqueName } from '../naming.js';
import { LearningRateSchedule, scheduleFromConfig } from './schedules.js';

/** A learning rate: a number, a schedule of the step count, or a zero-argument function. */
export type LearningRate = number | LearningRateSchedule | (() => number);

/** The arguments every optimizer takes (Keras's names in TF.js camelCase). */
export interface OptimizerOptions {
  /**
   * A number, a `LearningRateSchedule` (called with the number of `applyGradients` calls so far,
   * which is `iterations` unless gradients are accumulated), or a zero-argument function.
   */
  learningRate?: LearningRate;
  /** Decoupled weight decay: before each update `w ← w − w·weightDecay·lr`. Default none. */
  weightDecay?: number | null;
  /** Clip each gradient tensor to this L2 norm: `g ← g·c / max(‖g‖, c)`. */
  clipnorm?: number | null;
  /** Clip each gradient element into `[−v, v]`. */
  clipvalue?: number | null;
  /** Clip all gradients together to this global L2 norm `√Σ‖g_i‖²`. */
  globalClipnorm?: number | null;
  /** Defaults to the snake_case class name made unique: `adam`, `adam_1`, ... */
  name?: string;
  /**
   * Keep an exponential moving average of the weights (default false). `fit` writes the averages
   * into the weights when training ends (Keras's `finalize_variable_values`).
   */
  useEma?: boolean;
  /** The EMA's momentum: `average ← m·average + (1 − m)·w` after every update. Default 0.99. */
  emaMomentum?: number;
  /** Every this many updates, overwrite the weights with their averages. Default null (never). */
  emaOverwriteFrequency?: number | null;
  /**
   * Loss scaling: `fit` differentiates `loss · lossScaleFactor` (see {@link Optimizer.scaleLoss})
   * and `applyGradients` divides the gradients by it. Default null (none). Keras uses it against
   * float16 underflow; in tensorkit's float32 a power of two changes nothing, bit for bit.
   */
  lossScaleFactor?: number | null;
  /**
   * Update the weights once every this many `applyGradients` calls (an integer ≥ 2), with the
   * mean of the gradients of those calls: `fit` with batch size b then trains as with batch size
   * n·b, in the memory of b. Default null (every call updates).
   */
  gradientAccumulationSteps?: number | null;
}

/** One named piece of optimizer state, as `getWeights` returns it. */
export interface OptimizerWeight {
  /** `'iteration'`, `'learning_rate'`, `'<variable name>/<slot>'` (`'dense/kernel/momentum'`), or an extra state's name. */
  name: string;
  /** A copy of the state's values. */
  tensor: Tensor;
}

/** A `[gradient, variable]` pair; a null gradient means "no gradient for this variable". */
export type GradientPair = readonly [Tensor | null | undefined, Variable];

/**
 * Told about every update of the weights (a teaching hook: `tk.callbacks.GradientStats` uses it
 * to measure gradient norms and update-to-weight ratios). Both methods get the pairs that update
 * something (null gradients dropped), with the gradients as applied before clipping: divided by
 * `lossScaleFactor`, and with `gradientAccumulationSteps` the mean over the window (the calls
 * that only accumulate update nothing and are not reported).
 */
export interface UpdateObserver {
  /** Before any variable changes. */
  beforeUpdate?(pairs: readonly (readonly [Tensor, Variable])[]): void;
  /** After every variable has been updated. */
  afterUpdate?(pairs: readonly (readonly [Tensor, Variable])[]): void;
}

/** The per-variable slot arrays of one optimizer, by Keras slot name (`momentum`, `velocity`, ...). */
export type Slots = Record<string, Float32Array>;

interface VariableState {
  readonly slots: Slots;
  /** Scratch space for the gradient as updated: unscaled, averaged, clipped (null when it is the gradient itself). */
  scratch: Float32Array | null;
  /** Whether weight decay applies to this variable (see `excludeFromWeightDecay`). */
  decay: boolean;
}

const BASE_KEYS = [
  'learningRate', 'weightDecay', 'clipnorm', 'clipvalue', 'globalClipnorm', 'name', 'useEma', 'emaMomentum', 'emaOverwriteFrequency',
  'lossScaleFactor', 'gradientAccumulationSteps',
] as const;

/** Keras arguments that are gone, named in the error with what to do instead. */
const UNSUPPORTED: Record<string, string> = {
  decay: 'the legacy `decay` argument is gone in Keras 3; pass a LearningRateSchedule as learningRate (e.g. InverseTimeDecay)',
};

/**
 * The options object of an optimizer constructor, which also takes the learning rate alone, as
 * Keras's first positional argument: `new Adam(0.01)` is `new Adam({ learningRate: 0.01 })`.
 */
export function optionsOf<T extends OptimizerOptions>(arg: T | LearningRate | undefined): T {
  if (arg === undefined) return {} as T;
  if (typeof arg === 'number' || typeof arg === 'function' || arg instanceof LearningRateSchedule) return { learningRate: arg } as T;
  return arg;
}

/** Throws unless `value` is a finite number (or absent, giving `fallback`). */
export function numberOption(owner: string, key: string, value: unknown, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    throw new Error(`${owner}: option ${key} must be a finite number, got ${typeof value === 'string' ? `'${value}'` : String(value)}`);
  }
  return value;
}

/** Throws unless `value` is a boolean (or absent, giving `fallback`). */
export function booleanOption(owner: string, key: string, value: unknown, fallback: boolean): boolean {
  if (value === undefined) return fallback;
  if (typeof value !== 'boolean') throw new Error(`${owner}: option ${key} must be true or false, got ${String(value)}`);
  return value;
}

function nullableNumber(owner: string, key: string, value: unknown): number | null {
  if (value === undefined || value === null) return null;
  return numberOption(owner, key, value, 0);
}

/** The √Σx² of an array, in float64. */
function l2norm(g: Float32Array): number {
  let s = 0;
  for (let i = 0; i < g.length; i++) s += g[i]! * g[i]!;
  return Math.sqrt(s);
}

/**
 * The base class of optimizers. A subclass names its slots and writes one `updateStep`.
 * Every optimizer takes an options object, or the learning rate alone (Keras's first positional
 * argument): `new Adam(0.01)` is `new Adam({ learningRate: 0.01 })`.
 *
 * @example
 * ```ts
 * const opt = new tk.optimizers.Adam({ learningRate: 0.01 });
 * const w = tk.variable(tk.tensor([1, 2]), { name: 'w' });
 * const [g] = tk.grads((w) => w.square().sum())(w);
 * opt.applyGradients([[g, w]]);   // w.data is updated in place
 * opt.iterations;                 // 1
 * ```
 */
export abstract class Optimizer {
  /** The Keras class name (`'Adam'`, `'SGD'`, ...). */
  static readonly className: string = 'Optimizer';

  /** The optimizer's name: `adam`, `adam_1`, ... unless given. */
  readonly name: string;
  /**
   * Number of updates applied (Keras's `iterations`): the `applyGradients` calls, or with
   * {@link gradientAccumulationSteps} n those calls divided by n, rounded down. The step number t
   * of the update rules is `iterations + 1`.
   */
  get iterations(): number {
    const n = this.gradientAccumulationSteps;
    return n === null ? this.steps : Math.floor(this.steps / n);
  }
  /** True once the slots exist (after the first `applyGradients` or `build`). */
  built = false;
  /** Decoupled weight decay factor, or null. */
  readonly weightDecay: number | null;
  /** Each gradient tensor is clipped to this L2 norm, or null (default) for no clipping. */
  readonly clipnorm: number | null;
  /** Each gradient element is clipped into [−clipvalue, clipvalue], or null (default) for no clipping. */
  readonly clipvalue: number | null;
  /** All gradients together are clipped to this global L2 norm, or null (default) for no clipping. */
  readonly globalClipnorm: number | null;
  /** Whether an exponential moving average of the weights is kept (see {@link finalizeVariableValues}). */
  readonly useEma: boolean;
  /** The EMA momentum m: `average ← m·average + (1 − m)·w`. */
  readonly emaMomentum: number;
  /** Every this many updates the weights are overwritten with their averages; null: never. */
  readonly emaOverwriteFrequency: number | null;
  /** The loss is multiplied by this before differentiation and the gradients divided by it; null: no scaling. */
  readonly lossScaleFactor: number | null;
  /** Update once every this many `applyGradients` calls, with the mean gradient; null: every call. */
  readonly gradientAccumulationSteps: number | null;

  /**
   * Observers of every update (see {@link UpdateObserver}); empty by default, when an update
   * does no extra work. Add and remove entries directly.
   */
  readonly updateObservers: UpdateObserver[] = [];

  private lr: LearningRate;
  /** `applyGradients` calls that applied gradients (Keras's `_iterations`, saved as `iteration`). */
  private steps = 0;
  private readonly states = new Map<Variable, VariableState>();
  /** Every slot array in Keras's variable order (see `build`), for getWeights/setWeights. */
  private readonly slotOrder: { readonly variable: Variable; readonly slot: string; readonly data: Float32Array }[] = [];
  private excludedVariables = new Set<Variable>();
  private excludedNames: readonly string[] = [];
  private readonly warned = new Set<string>();

  /**
   * @param options   the user's options object
   * @param ownKeys   the option keys this optimizer adds to the common ones (checked: an unknown
   *                  key is an error naming it)
   * @param defaultLearningRate  the Keras 3 default for this optimizer
   */
  protected constructor(options: OptimizerOptions, ownKeys: readonly string[], defaultLearningRate: number) {
    const cls = this.className;
    if (options === null || typeof options !== 'object' || Array.isArray(options)) {
      throw new Error(`${cls}: expected an options object such as { learningRate: 0.001 }, got ${String(options)}`);
    }
    const allowed = [...BASE_KEYS, ...ownKeys];
    const unknown = Object.keys(options).filter((k) => !allowed.includes(k) && (options as Record<string, unknown>)[k] !== undefined);
    if (unknown.length > 0) {
      const why = unknown.map((k) => (k in UNSUPPORTED ? `'${k}' (${UNSUPPORTED[k]})` : `'${k}'`)).join(', ');
      throw new Error(`${cls}: unknown option(s) ${why}. Valid options: ${allowed.join(', ')}`);
    }
    this.lr = checkLearningRate(cls, options.learningRate ?? defaultLearningRate);
    this.weightDecay = nullableNumber(cls, 'weightDecay', options.weightDecay);
    this.clipnorm = nullableNumber(cls, 'clipnorm', options.clipnorm);
    this.clipvalue = nullableNumber(cls, 'clipvalue', options.clipvalue);
    this.globalClipnorm = nullableNumber(cls, 'globalClipnorm', options.globalClipnorm);
    const clipArgs = [this.clipnorm, this.clipvalue, this.globalClipnorm].filter((v) => v !== null).length;
    if (clipArgs > 1) {
      throw new Error(
        `${cls}: only one of clipnorm, clipvalue and globalClipnorm can be set; got clipnorm=${this.clipnorm}, ` +
        `clipvalue=${this.clipvalue}, globalClipnorm=${this.globalClipnorm}`,
      );
    }
    this.useEma = booleanOption(cls, 'useEma', options.useEma, false);
    this.emaMomentum = numberOption(cls, 'emaMomentum', options.emaMomentum, 0.99);
    if (this.emaMomentum < 0 || this.emaMomentum > 1) throw new Error(`${cls}: emaMomentum must be in [0, 1], got ${this.emaMomentum}`);
    const every = options.emaOverwriteFrequency ?? null;
    if (every !== null && (!Number.isInteger(every) || every < 1)) {
      throw new Error(`${cls}: emaOverwriteFrequency must be an integer >= 1 or null, got ${String(every)}`);
    }
    this.emaOverwriteFrequency = every;
    const scale = nullableNumber(cls, 'lossScaleFactor', options.lossScaleFactor);
    if (scale !== null && !(scale > 0)) throw new Error(`${cls}: lossScaleFactor must be a positive number or null, got ${scale}`);
    this.lossScaleFactor = scale;
    const accumulate = options.gradientAccumulationSteps ?? null;
    if (accumulate !== null && (typeof accumulate !== 'number' || !Number.isInteger(accumulate) || accumulate < 2)) {
      throw new Error(`${cls}: gradientAccumulationSteps must be an integer >= 2 or null, got ${String(accumulate)}`);
    }
    this.gradientAccumulationSteps = accumulate;
    if (options.name !== undefined && typeof options.name !== 'string') {
      throw new Error(`${cls}: option name must be a string, got ${String(options.name)}`);
    }
    this.name = options.name ?? uniqueName(toSnakeCase(cls));
  }

  /** The Keras class name of this optimizer. */
  get className(): string {
    return (this.constructor as typeof Optimizer).className;
  }

  // ---- what a subclass provides -------------------------------------------------------------

  /**
   * The slot names, grouped as Keras creates them in `build`: each group is created for every
   * variable in turn (interleaved), the groups one after another. Adam: `[['momentum',
   * 'velocity']]` plus `[['velocity_hat']]` with amsgrad.
   */
  protected abstract slotGroups(): readonly (readonly string[])[];

  /** The value a slot starts at (0 unless the optimizer says otherwise: Adagrad's 0.1). */
  protected initialSlotValue(_slot: string): number {
    return 0;
  }

  /**
   * Updates one variable in place. `grad` is the (clipped) gradient, `w` the variable's values,
   * `slots` its slot arrays, `lr` the current learning rate (float32-rounded). `this.iterations`
   * is the number of earlier updates, so the step number t of the formulas is `iterations + 1`.
   */
  protected abstract updateStep(grad: Float32Array, w: Float32Array, slots: Slots, lr: number): void;

  /** Called once per `applyGradients`, before the per-variable updates (Nadam's μ product). */
  protected beforeUpdates(): void {}

  /** Optimizer-wide state arrays beyond the slots (Nadam's `u_product`), in getWeights order. */
  protected extraState(): readonly {
    /** The state's Keras name (`'u_product'`). */
    readonly name: string;
    /** Its values, updated in place. */
    readonly data: Float32Array;
  }[] {
    return [];
  }

  /** The optimizer-specific arguments, with Keras snake_case keys. */
  protected ownConfig(): Record<string, unknown> {
    return {};
  }

  // ---- learning rate ------------------------------------------------------------------------

  /**
   * The current learning rate as a number (a schedule is evaluated at the number of
   * `applyGradients` calls so far, which is `iterations` unless gradients are accumulated, as
   * Keras; a function is called). Setting it takes a number, a schedule or a function; a number
   * cannot replace a schedule (as Keras: build the optimizer with a number if callbacks must
   * change it).
   */
  get learningRate(): number {
    return this.currentLearningRate();
  }
  /** Replaces the learning rate with a number, a schedule or a function (a number cannot replace a schedule). */
  set learningRate(value: LearningRate) {
    const lr = checkLearningRate(this.className, value);
    if (typeof lr === 'number' && this.lr instanceof LearningRateSchedule) {
      throw new Error(
        `${this.className}: this optimizer was created with a LearningRateSchedule as its learningRate, so its learning rate ` +
        'is not settable to a number. Create the optimizer with a number learningRate if it must be changed (e.g. by ReduceLROnPlateau).',
      );
    }
    this.lr = lr;
  }

  /** The learning rate as given: a number, a schedule or a function. */
  get learningRateSetting(): LearningRate {
    return this.lr;
  }

  /** The learning rate the next update will use. */
  currentLearningRate(): number {
    const lr = this.lr;
    if (typeof lr === 'number') return lr;
    const value = lr instanceof LearningRateSchedule ? lr.call(this.steps) : lr();
    if (typeof value !== 'number' || Number.isNaN(value)) {
      throw new Error(`${this.className}: the learning rate ${lr instanceof LearningRateSchedule ? 'schedule' : 'function'} returned ${String(value)}, expected a number`);
    }
    return value;
  }

  // ---- weight decay exclusions --------------------------------------------------------------

  /**
   * Excludes variables from weight decay: the ones listed, and any whose name contains one of
   * `varNames` (e.g. `['bias']`). Must be called before the optimizer is built.
   *
   * @example
   * ```ts
   * const opt = new tk.optimizers.AdamW();
   * opt.excludeFromWeightDecay({ varNames: ['bias', 'gamma', 'beta'] });
   * ```
   */
  excludeFromWeightDecay({ variables = [], varNames = [] }: { variables?: readonly Variable[]; varNames?: readonly string[] } = {}): void {
    if (this.built) throw new Error(`${this.className}: excludeFromWeightDecay() can only be configured before the optimizer is built`);
    this.excludedVariables = new Set(variables);
    this.excludedNames = varNames.slice();
  }

  private usesWeightDecay(v: Variable): boolean {
    if (this.excludedVariables.has(v)) return false;
    const name = v.name ?? '';
    return !this.excludedNames.some((part) => name.includes(part));
  }

  // ---- building -----------------------------------------------------------------------------

  /**
   * Creates the slots of `variables` in Keras's order: for each slot group, for each variable,
   * each slot of the group. `applyGradients` calls it with its variables the first time; call it
   * yourself before `setWeights` when restoring a saved state.
   *
   * @example
   * ```ts
   * const opt = new tk.optimizers.Adam();
   * opt.build(model.trainableWeights);
   * opt.getWeights().map((w) => w.name);   // ['iteration', 'learning_rate', 'dense/kernel/momentum', ...]
   * ```
   */
  build(variables: readonly Variable[]): void {
    const fresh = variables.filter((v, i) => !this.states.has(v) && variables.indexOf(v) === i);
    const needScratch = this.clipnorm !== null || this.clipvalue !== null || this.globalClipnorm !== null ||
      this.lossScaleFactor !== null || this.gradientAccumulationSteps !== null;
    for (const v of fresh) {
      this.states.set(v, { slots: {}, scratch: needScratch ? new Float32Array(v.size) : null, decay: this.usesWeightDecay(v) });
    }
    // Keras's base build creates, variable by variable, the weight average and the gradient
    // accumulator before the optimizer's own slots.
    const base = [...(this.useEma ? ['average'] : []), ...(this.gradientAccumulationSteps !== null ? ['gradient_accumulator'] : [])];
    const groups = base.length > 0 ? [base, ...this.slotGroups()] : this.slotGroups();
    for (const group of groups) {
      for (const v of fresh) {
        const state = this.states.get(v)!;
        for (const slot of group) {
          const data = new Float32Array(v.size);
          const init = this.initialSlotValue(slot);
          if (init !== 0) data.fill(init);
          state.slots[slot] = data;
          this.slotOrder.push({ variable: v, slot, data });
        }
      }
    }
    this.built = true;
  }

  // ---- the update ---------------------------------------------------------------------------

  /**
   * Applies one update: for each `[gradient, variable]` pair, the variable's values change in
   * place. Pairs with a null gradient are skipped (with a warning, as Keras). Each gradient must
   * have its variable's shape.
   *
   * @example
   * ```ts
   * const opt = new tk.optimizers.SGD({ learningRate: 0.1 });
   * const w = tk.variable(tk.tensor([1, 2]), { name: 'w' });
   * opt.applyGradients([[tk.tensor([1, 1]), w]]);
   * w.toArray();   // [0.9, 1.9]
   * ```
   */
  applyGradients(pairs: Iterable<GradientPair> | readonly GradientPair[]): void {
    const all = Array.isArray(pairs) ? (pairs as readonly GradientPair[]) : Array.from(pairs as Iterable<GradientPair>);
    if (all.length === 0) return;
    const cls = this.className;
    for (let i = 0; i < all.length; i++) {
      const pair = all[i];
      if (!Array.isArray(pair) || pair.length !== 2) {
        throw new Error(`${cls}.applyGradients: expected [gradient, variable] pairs; item ${i} is ${String(pair)}`);
      }
      const g = pair[0];
      const v = pair[1];
      if (!(v instanceof Variable)) {
        throw new Error(`${cls}.applyGradients: item ${i}: the second element must be a Variable, got ${String(v)}`);
      }
      if (g !== null && g !== undefined) {
        if (!(g instanceof Tensor)) throw new Error(`${cls}.applyGradients: the gradient for '${v.name ?? `variable ${i}`}' must be a Tensor, got ${String(g)}`);
        if (!shapesEqual(g.shape, v.shape)) {
          throw new Error(
            `${cls}.applyGradients: the gradient for '${v.name ?? `variable ${i}`}' has shape ${formatShape(g.shape)} ` +
            `but the variable has shape ${formatShape(v.shape)}`,
          );
        }
      }
    }
    for (let i = 1; i < all.length; i++) {
      const v = all[i]![1];
      for (let j = 0; j < i; j++) {
        if (all[j]![1] === v) {
          throw new Error(`${cls}.applyGradients: variable '${v.name ?? `variable ${i}`}' appears twice (items ${j} and ${i}); add its gradients into one pair`);
        }
      }
    }
    if (!this.built) this.build(all.map((p) => p[1]));

    // 1. Drop null gradients.
    let present = 0;
    for (let i = 0; i < all.length; i++) {
      const g = all[i]![0];
      const v = all[i]![1];
      if (g === null || g === undefined) continue;
      present++;
      if (!this.states.has(v)) this.build([v]); // a variable first seen after the build
    }
    if (present === 0) throw new Error(`${cls}.applyGradients: no gradients provided for any variable`);
    if (present < all.length) this.warnMissing(all);

    // 2–3. The gradient to update with, in each variable's scratch array when it is not the
    // tensor's own data (the gradient tensors are not ours): unscaled, and with accumulation
    // averaged over the last n calls, or only added to the accumulator on the other calls.
    const n = this.gradientAccumulationSteps;
    const update = n === null || (this.steps + 1) % n === 0;
    const grads: (Float32Array | null)[] = [];
    for (let k = 0; k < all.length; k++) {
      const g = all[k]![0];
      grads.push(g === null || g === undefined ? null : this.effectiveGradient(g.data, this.states.get(all[k]![1])!, update));
    }
    // Keras resets every accumulator on an update, also of variables without a gradient this time.
    if (update && n !== null) for (const state of this.states.values()) state.slots.gradient_accumulator!.fill(0);

    const observed: (readonly [Tensor, Variable])[] = [];
    if (update && this.updateObservers.length > 0) {
      // The gradients as applied, before clipping (a copy when they live in a scratch array).
      for (let k = 0; k < all.length; k++) {
        const g = all[k]![0];
        const applied = grads[k];
        if (g === null || g === undefined || !applied) continue;
        observed.push([applied === g.data ? g : new Tensor(applied.slice(), g.shape), all[k]![1]]);
      }
      for (const o of this.updateObservers) o.beforeUpdate?.(observed);
    }

    if (update) {
      // 4. Clip, in place in the scratch arrays (NOTE: the global norm is that of the gradients
      // being applied, after unscaling and averaging).
      let globalScale = 1;
      if (this.globalClipnorm !== null && this.globalClipnorm > 0) {
        let sumSquares = 0;
        for (const g of grads) if (g !== null) for (let i = 0; i < g.length; i++) sumSquares += g[i]! * g[i]!;
        const norm = Math.sqrt(sumSquares);
        // NOTE: as Keras, a non-finite global norm makes every gradient NaN rather than silently 0.
        globalScale = Number.isFinite(norm) ? this.globalClipnorm * Math.min(1 / norm, 1 / this.globalClipnorm) : NaN;
      }

      const lr = Math.fround(this.currentLearningRate());
      this.beforeUpdates();
      for (let k = 0; k < all.length; k++) {
        const g = grads[k];
        if (g === null || g === undefined) continue;
        const v = all[k]![1];
        const state = this.states.get(v)!;
        const grad = this.clip(g, state, globalScale);
        // 5. Decoupled weight decay, with the same learning rate as the update.
        if (this.weightDecay !== null && state.decay) {
          const w = v.data;
          const wd = this.weightDecay;
          for (let i = 0; i < w.length; i++) w[i] = w[i]! - w[i]! * wd * lr;
        }
        // 6. The optimizer's own rule.
        this.updateStep(grad, v.data, state.slots, lr);
        v.version++; // changed in place: a tape that used the old values can no longer be walked
      }
    }
    // 7. The average follows every call (as Keras: between updates the weights stand still and
    // the average moves towards them), then one more step.
    if (this.useEma) this.updateAverages();
    this.steps += 1;
    if (observed.length > 0) for (const o of this.updateObservers) o.afterUpdate?.(observed);
  }

  /**
   * The gradient `g` as it is applied: g itself without loss scaling or accumulation; else
   * written into the variable's scratch array: g / lossScaleFactor, and with accumulation
   * (g/s + accumulator) / n on an update, while on the other
   * calls g/s is only added to the accumulator (and the return value is not used).
   */
  private effectiveGradient(g: Float32Array, state: VariableState, update: boolean): Float32Array {
    const n = this.gradientAccumulationSteps;
    const scale = this.lossScaleFactor ?? 1;
    if (n === null) {
      if (this.lossScaleFactor === null) return g;
      const out = state.scratch!;
      for (let i = 0; i < g.length; i++) out[i] = g[i]! / scale;
      return out;
    }
    const acc = state.slots.gradient_accumulator!;
    if (!update) {
      for (let i = 0; i < g.length; i++) acc[i] = acc[i]! + g[i]! / scale;
      return acc;
    }
    const out = state.scratch!;
    for (let i = 0; i < g.length; i++) out[i] = (g[i]! / scale + acc[i]!) / n;
    return out; // applyGradients then resets every accumulator
  }

  /**
   * The weight EMA after an update: `average ← m·average + (1 − m)·w` for every variable the
   * optimizer was built with, with m = 0 on the very first update (the average starts as the
   * weights), as Keras. Every `emaOverwriteFrequency` updates the weights take the averages.
   */
  private updateAverages(): void {
    const m = this.iterations === 0 ? 0 : this.emaMomentum;
    const overwrite = this.emaOverwriteFrequency !== null && (this.iterations + 1) % this.emaOverwriteFrequency === 0;
    for (const [v, state] of this.states) {
      const avg = state.slots.average!;
      const w = v.data;
      for (let i = 0; i < w.length; i++) avg[i] = m * avg[i]! + (1 - m) * w[i]!;
      if (overwrite) {
        w.set(avg);
        v.version++;
      }
    }
  }

  /**
   * Keras's `finalize_variable_values`: with `useEma`, writes each variable's moving average into
   * the variable; otherwise does nothing. `fit` calls it when training ends; call it yourself at
   * the end of a custom training loop.
   *
   * @example
   * ```ts
   * const opt = new tk.optimizers.Adam({ useEma: true });
   * // ... opt.applyGradients(...) in a loop ...
   * opt.finalizeVariableValues(model.trainableWeights);
   * ```
   */
  finalizeVariableValues(variables: readonly Variable[]): void {
    if (!this.useEma || !this.built) return;
    const missing = variables.filter((v) => !this.states.has(v));
    if (missing.length > 0) {
      throw new Error(`${this.className}.finalizeVariableValues: no moving average is kept for ${missing.map((v) => `'${v.name ?? 'variable'}'`).join(', ')} (the optimizer never updated ${missing.length === 1 ? 'it' : 'them'})`);
    }
    for (const v of variables) v.assign(new Tensor(this.states.get(v)!.slots.average!, v.shape));
  }

  /**
   * The loss to differentiate: `loss · lossScaleFactor`, or `loss` itself without loss scaling
   * (Keras's `scale_loss`). `fit` and `trainOnBatch` call it; in a custom loop, differentiate
   * `opt.scaleLoss(loss)` and pass the gradients to `applyGradients`, which unscales them.
   *
   * @example
   * ```ts
   * const opt = new tk.optimizers.SGD({ lossScaleFactor: 1024 });
   * const { grads } = tk.variableGrads(() => opt.scaleLoss(lossOf(model)), model.trainableWeights);
   * opt.applyGradients(grads.map((g, i) => [g, model.trainableWeights[i]!]));   // divided by 1024 here
   * ```
   */
  scaleLoss(loss: Tensor): Tensor {
    return this.lossScaleFactor === null ? loss : loss.mul(this.lossScaleFactor);
  }

  /** Keras warns about variables without gradients; as Python's warnings, each message once. */
  private warnMissing(all: readonly GradientPair[]): void {
    const missing = all.filter(([g]) => g === null || g === undefined).map(([, v]) => `'${v.name ?? 'variable'}'`);
    const message =
      `Gradients do not exist for variables [${missing.join(', ')}] when minimizing the loss. ` +
      'If using `model.compile()`, did you forget to provide a `loss` argument?';
    if (this.warned.has(message)) return;
    this.warned.add(message);
    console.warn(message);
  }

  /**
   * The gradient after clipping: `g` itself when no clipping is configured, else the variable's
   * scratch array (which `g` may already be: the loops are elementwise, so in place is safe).
   */
  private clip(g: Float32Array, state: VariableState, globalScale: number): Float32Array {
    const out = state.scratch;
    if (out === null) return g;
    if (this.clipnorm !== null && this.clipnorm > 0) {
      // g·c / max(‖g‖, c): unchanged when the norm is already within c.
      const c = this.clipnorm;
      const denom = Math.max(l2norm(g), c);
      for (let i = 0; i < g.length; i++) out[i] = (g[i]! * c) / denom;
    } else if (this.globalClipnorm !== null && this.globalClipnorm > 0) {
      for (let i = 0; i < g.length; i++) out[i] = g[i]! * globalScale;
    } else if (this.clipvalue !== null && this.clipvalue > 0) {
      const c = this.clipvalue;
      for (let i = 0; i < g.length; i++) out[i] = Math.min(Math.max(g[i]!, -c), c);
    } else {
      return g;
    }
    return out;
  }

  // ---- state --------------------------------------------------------------------------------

  /**
   * The whole optimizer state, in Keras's variable order: `iteration` (the `applyGradients`
   * calls, which {@link iterations} divides when accumulating gradients), then `learning_rate`
   * (only when it is a number, as Keras tracks it as a variable only then), then every slot named
   * `<variable name>/<slot>` (e.g. `dense/kernel/momentum`), then optimizer-wide extras
   * (Nadam's `u_product`). Values are copies.
   *
   * @example
   * ```ts
   * const saved = opt.getWeights();
   * // ... later, on a fresh optimizer of the same kind:
   * opt2.build(model.trainableWeights);
   * opt2.setWeights(saved);   // training resumes exactly
   * ```
   */
  getWeights(): OptimizerWeight[] {
    const out: OptimizerWeight[] = [{ name: 'iteration', tensor: new Tensor(new Float32Array([this.steps]), []) }];
    if (typeof this.lr === 'number') out.push({ name: 'learning_rate', tensor: new Tensor(new Float32Array([this.lr]), []) });
    for (const { variable, slot, data } of this.slotOrder) {
      out.push({ name: `${variable.name ?? 'variable'}/${slot}`, tensor: new Tensor(data.slice(), variable.shape) });
    }
    for (const { name, data } of this.extraState()) out.push({ name, tensor: new Tensor(data.slice(), data.length === 1 ? [] : [data.length]) });
    return out;
  }

  /**
   * Restores a state saved by `getWeights`, by position (as Keras; names are not compared, so a
   * model rebuilt with other layer names still loads). The optimizer must be built on the same
   * variables first. Counts and shapes are checked before anything changes.
   */
  setWeights(weights: readonly (OptimizerWeight | Tensor)[]): void {
    const cls = this.className;
    if (!this.built) {
      throw new Error(
        `${cls}.setWeights: the optimizer has not been built yet; call optimizer.build(variables) with the model's trainable ` +
        'variables first (or apply one update), so that its slots exist',
      );
    }
    const current = this.getWeights();
    if (weights.length !== current.length) {
      throw new Error(
        `${cls}.setWeights: expected ${current.length} weights (${current.map((w) => w.name).join(', ')}), got ${weights.length}`,
      );
    }
    const tensors = weights.map((w) => (w instanceof Tensor ? w : w.tensor));
    for (let i = 0; i < tensors.length; i++) {
      const t = tensors[i]!;
      const want = current[i]!;
      if (!(t instanceof Tensor) || t.size !== want.tensor.size || !shapesEqual(t.shape, want.tensor.shape)) {
        throw new Error(
          `${cls}.setWeights: weight ${i} ('${want.name}') has shape ${formatShape(want.tensor.shape)}, ` +
          `got ${t instanceof Tensor ? formatShape(t.shape) : String(t)}`,
        );
      }
    }
    let k = 0;
    const iteration = tensors[k++]!.data[0]!;
    if (!Number.isInteger(iteration) || iteration < 0) throw new Error(`${cls}.setWeights: 'iteration' must be a non-negative integer, got ${iteration}`);
    this.steps = iteration;
    if (typeof this.lr === 'number') this.lr = tensors[k++]!.data[0]!;
    for (const { data } of this.slotOrder) data.set(tensors[k++]!.data);
    for (const { data } of this.extraState()) data.set(tensors[k++]!.data);
  }

  /**
   * What Keras's `summary()` prints as "Optimizer params": the number of values in the optimizer
   * state (the `iteration` counter, `learning_rate` when it is a number, every slot) and their
   * size in bytes (the counter is an int64, 8 bytes; the rest float32, 4 bytes each).
   */
  summaryParams(): {
    /** Number of state values. */
    count: number;
    /** Their size in bytes. */
    bytes: number;
  } {
    let floats = typeof this.lr === 'number' ? 1 : 0;
    for (const { data } of this.slotOrder) floats += data.length;
    for (const { data } of this.extraState()) floats += data.length;
    return { count: 1 + floats, bytes: 8 + 4 * floats };
  }

  /**
   * The constructor arguments, with Keras's snake_case keys, so that the optimizer can be
   * rebuilt (without its state) by `optimizerFromConfig`.
   */
  getConfig(): Record<string, unknown> {
    const lr = this.lr;
    let learningRate: unknown;
    if (typeof lr === 'number') learningRate = lr;
    else if (lr instanceof LearningRateSchedule) learningRate = { class_name: lr.getClassName(), config: lr.getConfig() };
    else learningRate = this.currentLearningRate(); // NOTE: a function cannot be serialized; its current value is.
    return {
      name: this.name,
      learning_rate: learningRate,
      weight_decay: this.weightDecay,
      clipnorm: this.clipnorm,
      global_clipnorm: this.globalClipnorm,
      clipvalue: this.clipvalue,
      use_ema: this.useEma,
      ema_momentum: this.emaMomentum,
      ema_overwrite_frequency: this.emaOverwriteFrequency,
      loss_scale_factor: this.lossScaleFactor,
      gradient_accumulation_steps: this.gradientAccumulationSteps,
      ...this.ownConfig(),
    };
  }
}

function checkLearningRate(owner: string, lr: unknown): LearningRate {
  if (lr instanceof LearningRateSchedule || typeof lr === 'function') return lr as LearningRate;
  if (typeof lr === 'number' && Number.isFinite(lr) && lr >= 0) return lr;
  if (lr !== null && typeof lr === 'object' && 'class_name' in lr && 'config' in lr) {
    const { class_name: name, config } = lr as { class_name: string; config: Record<string, unknown> };
    return scheduleFromConfig(name, config);
  }
  throw new Error(
    `${owner}: learningRate should be a non-negative number, a LearningRateSchedule, or a function ` +
    `returning the current learning rate; got ${typeof lr === 'string' ? `'${lr}'` : String(lr)}`,
  );
}
