// Learning-rate schedules: functions of the optimizer's step count (`optimizer.iterations`, the
// number of updates already applied, so the first update sees step 0). Formulas and defaults are
// Keras 3's (keras/src/optimizers/schedules/learning_rate_schedule.py). Keras evaluates them in
// float32; here they return a float64 number and the optimizer rounds the learning rate to
// float32 before using it, as Keras does when it casts the learning rate to the variable dtype.

/**
 * The base class of learning-rate schedules. A schedule can be passed as the `learningRate` of
 * any optimizer; the optimizer calls `call(iterations)` once per update.
 *
 * @example
 * ```ts
 * class Halving extends tk.optimizers.schedules.LearningRateSchedule {
 *   call(step: number) { return 0.1 / 2 ** Math.floor(step / 100); }
 *   getConfig() { return {}; }
 * }
 * new tk.optimizers.SGD({ learningRate: new Halving() });
 * ```
 */
export abstract class LearningRateSchedule {
  /** The Keras class name, used by `getConfig`-based serialization. */
  static readonly className: string = 'LearningRateSchedule';

  /** The learning rate at optimizer step `step` (0 for the first update). */
  abstract call(step: number): number;

  /** The constructor arguments, with Keras's snake_case keys. */
  abstract getConfig(): Record<string, unknown>;

  /** The Keras class name of this schedule. */
  getClassName(): string {
    return (this.constructor as typeof LearningRateSchedule).className;
  }
}

function positiveSteps(schedule: string, what: string, value: number): number {
  if (typeof value !== 'number' || !(value > 0)) {
    throw new Error(`${schedule}: argument ${what} must be > 0, got ${String(value)}`);
  }
  return value;
}

function finite(schedule: string, what: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    throw new Error(`${schedule}: argument ${what} must be a finite number, got ${String(value)}`);
  }
  return value;
}

function checkKeys(schedule: string, options: object, allowed: readonly string[]): void {
  const unknown = Object.keys(options).filter((k) => !allowed.includes(k));
  if (unknown.length > 0) {
    throw new Error(`${schedule}: unknown option(s) ${unknown.map((k) => `'${k}'`).join(', ')}; valid options: ${allowed.join(', ')}`);
  }
}

/**
 * `lr(step) = initialLearningRate · decayRate^(step / decaySteps)`; with `staircase` the exponent
 * is `floor(step / decaySteps)`.
 *
 * @example
 * ```ts
 * const s = new tk.optimizers.schedules.ExponentialDecay(0.1, 1000, 0.96, { staircase: true });
 * s.call(2500);   // 0.1 · 0.96² = 0.09216
 * ```
 */
export class ExponentialDecay extends LearningRateSchedule {
  static override readonly className = 'ExponentialDecay';
  /** The learning rate at step 0. */
  readonly initialLearningRate: number;
  /** The number of steps over which the rate is multiplied by `decayRate` once. */
  readonly decaySteps: number;
  /** The factor applied every `decaySteps` steps. */
  readonly decayRate: number;
  /** Whether the decay happens in discrete jumps (floored exponent) instead of continuously (default false). */
  readonly staircase: boolean;
  /** The schedule's name, saved in its config (default 'ExponentialDecay'). */
  readonly name: string;

  constructor(initialLearningRate: number, decaySteps: number, decayRate: number, options: { staircase?: boolean; name?: string } = {}) {
    super();
    checkKeys('ExponentialDecay', options, ['staircase', 'name']);
    this.initialLearningRate = finite('ExponentialDecay', 'initialLearningRate', initialLearningRate);
    this.decaySteps = positiveSteps('ExponentialDecay', 'decaySteps', decaySteps);
    this.decayRate = finite('ExponentialDecay', 'decayRate', decayRate);
    this.staircase = options.staircase ?? false;
    this.name = options.name ?? 'ExponentialDecay';
  }

  call(step: number): number {
    let p = step / this.decaySteps;
    if (this.staircase) p = Math.floor(p);
    return this.initialLearningRate * this.decayRate ** p;
  }

  getConfig(): Record<string, unknown> {
    return {
      initial_learning_rate: this.initialLearningRate,
      decay_steps: this.decaySteps,
      decay_rate: this.decayRate,
      staircase: this.staircase,
      name: this.name,
    };
  }
}

/**
 * `lr(step) = initialLearningRate / (1 + decayRate · step / decaySteps)`; with `staircase`,
 * `step / decaySteps` is floored.
 *
 * @example
 * ```ts
 * new tk.optimizers.schedules.InverseTimeDecay(0.1, 1, 0.5).call(2);   // 0.1 / (1 + 0.5·2) = 0.05
 * ```
 */
export class InverseTimeDecay extends LearningRateSchedule {
  static override readonly className = 'InverseTimeDecay';
  /** The learning rate at step 0. */
  readonly initialLearningRate: number;
  /** The step count that makes one unit of decay time. */
  readonly decaySteps: number;
  /** How fast the rate falls: lr = initial / (1 + decayRate · step / decaySteps). */
  readonly decayRate: number;
  /** Whether `step / decaySteps` is floored, so the rate drops in jumps (default false). */
  readonly staircase: boolean;
  /** The schedule's name, saved in its config (default 'InverseTimeDecay'). */
  readonly name: string;

  constructor(initialLearningRate: number, decaySteps: number, decayRate: number, options: { staircase?: boolean; name?: string } = {}) {
    super();
    checkKeys('InverseTimeDecay', options, ['staircase', 'name']);
    this.initialLearningRate = finite('InverseTimeDecay', 'initialLearningRate', initialLearningRate);
    this.decaySteps = positiveSteps('InverseTimeDecay', 'decaySteps', decaySteps);
    this.decayRate = finite('InverseTimeDecay', 'decayRate', decayRate);
    this.staircase = options.staircase ?? false;
    this.name = options.name ?? 'InverseTimeDecay';
  }

  call(step: number): number {
    let p = step / this.decaySteps;
    if (this.staircase) p = Math.floor(p);
    return this.initialLearningRate / (1 + this.decayRate * p);
  }

  getConfig(): Record<string, unknown> {
    return {
      initial_learning_rate: this.initialLearningRate,
      decay_steps: this.decaySteps,
      decay_rate: this.decayRate,
      staircase: this.staircase,
      name: this.name,
    };
  }
}

/**
 * A step function: `values[0]` while `step <= boundaries[0]`, `values[i]` while
 * `boundaries[i-1] < step <= boundaries[i]`, and `values[last]` after the last boundary.
 *
 * @example
 * ```ts
 * const s = new tk.optimizers.schedules.PiecewiseConstantDecay([100, 110], [1.0, 0.5, 0.1]);
 * s.call(100);   // 1.0
 * s.call(101);   // 0.5
 * s.call(111);   // 0.1
 * ```
 */
export class PiecewiseConstantDecay extends LearningRateSchedule {
  static override readonly className = 'PiecewiseConstantDecay';
  /** The strictly increasing steps where the rate changes (one fewer than `values`). */
  readonly boundaries: readonly number[];
  /** The learning rate in each interval: before the first boundary, between boundaries, after the last. */
  readonly values: readonly number[];
  /** The schedule's name, saved in its config (default 'PiecewiseConstant'). */
  readonly name: string;

  constructor(boundaries: readonly number[], values: readonly number[], options: { name?: string } = {}) {
    super();
    checkKeys('PiecewiseConstantDecay', options, ['name']);
    if (!Array.isArray(boundaries) || !Array.isArray(values) || boundaries.length !== values.length - 1) {
      throw new Error(
        `PiecewiseConstantDecay: the length of boundaries should be 1 less than the length of values; ` +
        `got boundaries=[${String(boundaries)}] of length ${boundaries?.length} and values=[${String(values)}] of length ${values?.length}`,
      );
    }
    for (let i = 1; i < boundaries.length; i++) {
      if (!(boundaries[i]! > boundaries[i - 1]!)) {
        throw new Error(`PiecewiseConstantDecay: boundaries must be strictly increasing, got [${boundaries.join(', ')}]`);
      }
    }
    boundaries.forEach((b, i) => finite('PiecewiseConstantDecay', `boundaries[${i}]`, b));
    values.forEach((v, i) => finite('PiecewiseConstantDecay', `values[${i}]`, v));
    this.boundaries = Object.freeze(boundaries.slice());
    this.values = Object.freeze(values.slice());
    this.name = options.name ?? 'PiecewiseConstant';
  }

  call(step: number): number {
    for (let i = 0; i < this.boundaries.length; i++) {
      if (step <= this.boundaries[i]!) return this.values[i]!;
    }
    return this.values[this.values.length - 1]!;
  }

  getConfig(): Record<string, unknown> {
    return { boundaries: this.boundaries.slice(), values: this.values.slice(), name: this.name };
  }
}

/**
 * `lr(step) = (initial − end) · (1 − step/decaySteps)^power + end`, with `step` capped at
 * `decaySteps`. With `cycle`, `decaySteps` is instead multiplied by `ceil(step / decaySteps)`
 * (1 at step 0), so the decay restarts. Defaults: `endLearningRate` 0.0001, `power` 1.
 *
 * @example
 * ```ts
 * new tk.optimizers.schedules.PolynomialDecay(0.1, 10, { endLearningRate: 0.01 }).call(5);   // 0.055
 * ```
 */
export class PolynomialDecay extends LearningRateSchedule {
  static override readonly className = 'PolynomialDecay';
  /** The learning rate at step 0. */
  readonly initialLearningRate: number;
  /** The number of steps over which the rate falls to `endLearningRate`. */
  readonly decaySteps: number;
  /** The learning rate reached after `decaySteps` (default 0.0001). */
  readonly endLearningRate: number;
  /** The exponent of the polynomial (default 1: linear). */
  readonly power: number;
  /** Whether the decay restarts after each `decaySteps` instead of staying at the end rate (default false). */
  readonly cycle: boolean;
  /** The schedule's name, saved in its config (default 'PolynomialDecay'). */
  readonly name: string;

  constructor(
    initialLearningRate: number,
    decaySteps: number,
    options: { endLearningRate?: number; power?: number; cycle?: boolean; name?: string } = {},
  ) {
    super();
    checkKeys('PolynomialDecay', options, ['endLearningRate', 'power', 'cycle', 'name']);
    this.initialLearningRate = finite('PolynomialDecay', 'initialLearningRate', initialLearningRate);
    this.decaySteps = positiveSteps('PolynomialDecay', 'decaySteps', decaySteps);
    this.endLearningRate = finite('PolynomialDecay', 'endLearningRate', options.endLearningRate ?? 0.0001);
    this.power = finite('PolynomialDecay', 'power', options.power ?? 1.0);
    this.cycle = options.cycle ?? false;
    this.name = options.name ?? 'PolynomialDecay';
  }

  call(step: number): number {
    let decaySteps = this.decaySteps;
    if (this.cycle) {
      // The first multiple of decaySteps that is >= step (1 at step 0).
      decaySteps *= step === 0 ? 1 : Math.ceil(step / this.decaySteps);
    } else {
      step = Math.min(step, decaySteps);
    }
    const p = step / decaySteps;
    return (this.initialLearningRate - this.endLearningRate) * (1 - p) ** this.power + this.endLearningRate;
  }

  getConfig(): Record<string, unknown> {
    return {
      initial_learning_rate: this.initialLearningRate,
      decay_steps: this.decaySteps,
      end_learning_rate: this.endLearningRate,
      power: this.power,
      cycle: this.cycle,
      name: this.name,
    };
  }
}

/**
 * Cosine decay with an optional linear warmup. Without `warmupTarget`:
 * `lr(step) = initial · ((1 − alpha) · ½(1 + cos(π · min(step, decaySteps)/decaySteps)) + alpha)`.
 * With `warmupTarget`: for `step < warmupSteps` the rate rises linearly from
 * `initialLearningRate` to `warmupTarget`, then decays from `warmupTarget` by the formula above
 * applied to `step − warmupSteps` (step capped at `decaySteps + warmupSteps`).
 *
 * @example
 * ```ts
 * new tk.optimizers.schedules.CosineDecay(0.1, 100).call(50);   // 0.05
 * ```
 */
export class CosineDecay extends LearningRateSchedule {
  static override readonly className = 'CosineDecay';
  /** The learning rate at step 0 (the start of the warmup, when there is one). */
  readonly initialLearningRate: number;
  /** The number of steps of the cosine decay (after the warmup). */
  readonly decaySteps: number;
  /** The floor of the decay as a fraction of the starting rate (default 0). */
  readonly alpha: number;
  /** The schedule's name, saved in its config (default 'CosineDecay'). */
  readonly name: string;
  /** The rate the linear warmup rises to before the decay, or null (default) for no warmup. */
  readonly warmupTarget: number | null;
  /** The number of warmup steps (default 0). */
  readonly warmupSteps: number;

  constructor(
    initialLearningRate: number,
    decaySteps: number,
    options: { alpha?: number; name?: string; warmupTarget?: number | null; warmupSteps?: number } = {},
  ) {
    super();
    checkKeys('CosineDecay', options, ['alpha', 'name', 'warmupTarget', 'warmupSteps']);
    this.initialLearningRate = finite('CosineDecay', 'initialLearningRate', initialLearningRate);
    this.decaySteps = positiveSteps('CosineDecay', 'decaySteps', decaySteps);
    this.alpha = finite('CosineDecay', 'alpha', options.alpha ?? 0.0);
    this.name = options.name ?? 'CosineDecay';
    this.warmupTarget = options.warmupTarget ?? null;
    if (this.warmupTarget !== null) finite('CosineDecay', 'warmupTarget', this.warmupTarget);
    this.warmupSteps = finite('CosineDecay', 'warmupSteps', options.warmupSteps ?? 0);
  }

  private decay(step: number, from: number): number {
    const cosine = 0.5 * (1 + Math.cos(Math.PI * (step / this.decaySteps)));
    return from * ((1 - this.alpha) * cosine + this.alpha);
  }

  call(step: number): number {
    if (this.warmupTarget === null) {
      return this.decay(Math.min(step, this.decaySteps), this.initialLearningRate);
    }
    step = Math.min(step, this.decaySteps + this.warmupSteps);
    if (step < this.warmupSteps) {
      const completed = step / this.warmupSteps;
      return (this.warmupTarget - this.initialLearningRate) * completed + this.initialLearningRate;
    }
    return this.decay(step - this.warmupSteps, this.warmupTarget);
  }

  getConfig(): Record<string, unknown> {
    return {
      initial_learning_rate: this.initialLearningRate,
      decay_steps: this.decaySteps,
      alpha: this.alpha,
      name: this.name,
      warmup_target: this.warmupTarget,
      warmup_steps: this.warmupSteps,
    };
  }
}

/**
 * Rebuilds a schedule from its class name and config (Keras snake_case or camelCase keys).
 *
 * @example
 * ```ts
 * const s = tk.optimizers.schedules.scheduleFromConfig('ExponentialDecay', { initial_learning_rate: 0.1, decay_steps: 10, decay_rate: 0.5 });
 * ```
 */
export function scheduleFromConfig(className: string, config: Record<string, unknown>): LearningRateSchedule {
  const get = (snake: string, camel: string): unknown => (snake in config ? config[snake] : config[camel]);
  const opt = <T>(snake: string, camel: string): T | undefined => {
    const v = get(snake, camel);
    return v === undefined || v === null ? undefined : (v as T);
  };
  const name = opt<string>('name', 'name');
  const named = name === undefined ? {} : { name };
  switch (className) {
    case 'ExponentialDecay':
    case 'InverseTimeDecay': {
      const Cls = className === 'ExponentialDecay' ? ExponentialDecay : InverseTimeDecay;
      const staircase = opt<boolean>('staircase', 'staircase');
      return new Cls(get('initial_learning_rate', 'initialLearningRate') as number, get('decay_steps', 'decaySteps') as number,
        get('decay_rate', 'decayRate') as number, { ...named, ...(staircase === undefined ? {} : { staircase }) });
    }
    case 'PiecewiseConstantDecay':
      return new PiecewiseConstantDecay(config.boundaries as number[], config.values as number[], named);
    case 'PolynomialDecay': {
      const o: { endLearningRate?: number; power?: number; cycle?: boolean; name?: string } = { ...named };
      const end = opt<number>('end_learning_rate', 'endLearningRate');
      const power = opt<number>('power', 'power');
      const cycle = opt<boolean>('cycle', 'cycle');
      if (end !== undefined) o.endLearningRate = end;
      if (power !== undefined) o.power = power;
      if (cycle !== undefined) o.cycle = cycle;
      return new PolynomialDecay(get('initial_learning_rate', 'initialLearningRate') as number, get('decay_steps', 'decaySteps') as number, o);
    }
    case 'CosineDecay': {
      const o: { alpha?: number; name?: string; warmupTarget?: number | null; warmupSteps?: number } = { ...named };
      const alpha = opt<number>('alpha', 'alpha');
      const target = opt<number>('warmup_target', 'warmupTarget');
      const steps = opt<number>('warmup_steps', 'warmupSteps');
      if (alpha !== undefined) o.alpha = alpha;
      if (target !== undefined) o.warmupTarget = target;
      if (steps !== undefined) o.warmupSteps = steps;
      return new CosineDecay(get('initial_learning_rate', 'initialLearningRate') as number, get('decay_steps', 'decaySteps') as number, o);
    }
    default:
      throw new Error(`Unknown learning rate schedule '${className}'. Valid names: CosineDecay, ExponentialDecay, InverseTimeDecay, PiecewiseConstantDecay, PolynomialDecay`);
  }
}
