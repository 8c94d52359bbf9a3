// Weight initializers (tk.initializers), with Keras 3's names, defaults and formulas
// (keras/src/initializers/*.py). A layer takes an initializer as a string ('he_uniform',
// 'heUniform', 'HeUniform'), an instance (`new RandomNormal({ mean: 0, stddev: 0.05 })`), a
// plain function `(shape, dtype) => Tensor`, a `{ className, config }` object, or a Tensor of
// the right shape; `getInitializer` turns any of these into an `Initializer`.
//
// Seeds. An initializer given a `seed` produces the same values every time it is called (as
// Keras 3 with an integer seed): it restarts a private generator from the seed on each call.
// Without a seed it draws from the global generator, so `tk.setSeed(42)` makes a whole model's
// initialization reproducible and two layers sharing an unseeded instance get different values.
// (Keras 3 differs here: an unseeded instance picks a seed once at construction and repeats its
// values on every call; tensorkit keeps TF.js's and Keras 2's behaviour so that one global seed
// governs everything.)

import { IdentifierTable } from '../identifiers.js';
import { randomNormal, randomUniform, truncatedNormal } from '../tensor/creation.js';
import { randomSource } from '../tensor/random.js';
import { checkShape, formatShape, sizeOf } from '../tensor/shape.js';
import { Tensor, toTensor, type TensorLike } from '../tensor/tensor.js';
import { checkOptions, describe, finiteNumber, seedOption } from './options.js';

/** A custom initializer: returns a tensor of `shape` (Keras's `my_init(shape, dtype=None)`). */
export type InitializerFunction = (shape: number[], dtype?: string) => TensorLike;

/** A serialised initializer, as in saved models: `{ className: 'RandomNormal', config: { stddev: 0.1 } }`. */
export interface InitializerConfig {
  /** The Keras class name (`'RandomNormal'`, `'GlorotUniform'`, ...). */
  className: string;
  /** The constructor options (`{ stddev: 0.1 }`); default `{}`. */
  config?: Record<string, unknown>;
}

/** What a layer's `kernelInitializer` / `biasInitializer` options accept. */
export type InitializerIdentifier =
  | string
  | Initializer
  | InitializerFunction
  | InitializerConfig
  | Tensor
  | (new () => Initializer);

/** Options of the initializers that draw random numbers. */
export interface SeedOptions {
  /** With a seed, every call returns the same values; without, draws from the global generator. */
  seed?: number | null;
}

/**
 * The base of every initializer: `apply(shape)` returns a new float32 tensor of that shape.
 * Subclasses set the static `className` and override `apply` and `getConfig`.
 *
 * @example
 * ```ts
 * class Twos extends tk.initializers.Initializer {
 *   static override readonly className = 'Twos';
 *   apply(shape: readonly number[]) { return tk.fill(shape, 2); }
 * }
 * ```
 */
export abstract class Initializer {
  /** The Keras class name, e.g. `'GlorotUniform'`. */
  static readonly className: string = 'Initializer';

  /** A tensor of `shape`; `dtype` may only be `'float32'` (or omitted). */
  abstract apply(shape: readonly number[], dtype?: string | null): Tensor;

  /** The constructor options, TF.js spelling, for saving. */
  getConfig(): Record<string, unknown> {
    return {};
  }

  /** The Keras class name of this initializer. */
  getClassName(): string {
    return (this.constructor as typeof Initializer).className;
  }
}

/** Validates the shape and dtype every `apply` receives. */
function checkCall(who: string, shape: readonly number[], dtype: string | null | undefined): void {
  checkShape(shape, who);
  if (dtype !== undefined && dtype !== null && dtype !== 'float32') {
    throw new Error(`${who}: tensorkit stores float32 only, got dtype '${dtype}'`);
  }
}

// ---- fans ------------------------------------------------------------------------------------

/**
 * Keras's `compute_fans`: `[fanIn, fanOut]` of a weight shape. Scalar: 1, 1. Vector `[n]`: n, n.
 * Dense kernel `[in, out]`: in, out. Conv kernel `[k1, ..., kr, cin, cout]`: cin·rf, cout·rf
 * with rf = k1·...·kr (the receptive field).
 *
 * @example
 * ```ts
 * computeFans([3, 3, 16, 32]);   // [144, 288]
 * ```
 */
export function computeFans(shape: readonly number[]): [number, number] {
  if (shape.length === 0) return [1, 1];
  if (shape.length === 1) return [shape[0]!, shape[0]!];
  if (shape.length === 2) return [shape[0]!, shape[1]!];
  const receptiveField = sizeOf(shape.slice(0, -2));
  return [shape[shape.length - 2]! * receptiveField, shape[shape.length - 1]! * receptiveField];
}

// ---- constants ---------------------------------------------------------------------------------

/** All zeros. @example `new tk.initializers.Zeros().apply([2, 2])` */
export class Zeros extends Initializer {
  static override readonly className: string = 'Zeros';
  constructor(options: Record<string, never> = {}) {
    super();
    checkOptions('Zeros', options, []);
  }
  apply(shape: readonly number[], dtype?: string | null): Tensor {
    checkCall('Zeros', shape, dtype);
    return new Tensor(new Float32Array(sizeOf(shape)), shape);
  }
}

/** All ones. @example `new tk.initializers.Ones().apply([3])` */
export class Ones extends Initializer {
  static override readonly className: string = 'Ones';
  constructor(options: Record<string, never> = {}) {
    super();
    checkOptions('Ones', options, []);
  }
  apply(shape: readonly number[], dtype?: string | null): Tensor {
    checkCall('Ones', shape, dtype);
    return new Tensor(new Float32Array(sizeOf(shape)).fill(1), shape);
  }
}

/** Options of {@link Constant}. */
export interface ConstantOptions {
  /** The value of every element (default 0). */
  value?: number;
}

/** Every element `value` (default 0). @example `new tk.initializers.Constant({ value: 0.4 })` */
export class Constant extends Initializer {
  static override readonly className: string = 'Constant';
  /** The value of every element (default 0). */
  readonly value: number;
  constructor(options: ConstantOptions = {}) {
    super();
    checkOptions('Constant', options, ['value']);
    this.value = finiteNumber('Constant', 'value', options.value ?? 0);
  }
  apply(shape: readonly number[], dtype?: string | null): Tensor {
    checkCall('Constant', shape, dtype);
    return new Tensor(new Float32Array(sizeOf(shape)).fill(this.value), shape);
  }
  override getConfig(): Record<string, unknown> {
    return { value: this.value };
  }
}

/** Options of {@link Identity}. */
export interface IdentityOptions {
  /** Multiplies the identity (default 1). */
  gain?: number;
}

/** `gain·eye(rows, cols)`, for 2-D shapes only. @example `new tk.initializers.Identity({ gain: 2 }).apply([2, 3])` */
export class Identity extends Initializer {
  static override readonly className: string = 'Identity';
  /** The factor multiplying the identity (default 1). */
  readonly gain: number;
  constructor(options: IdentityOptions = {}) {
    super();
    checkOptions('Identity', options, ['gain']);
    this.gain = finiteNumber('Identity', 'gain', options.gain ?? 1);
  }
  apply(shape: readonly number[], dtype?: string | null): Tensor {
    checkCall('Identity', shape, dtype);
    if (shape.length !== 2) throw new Error(`Identity: the identity initializer needs a 2-D shape, got ${formatShape(shape)}`);
    const [rows, cols] = shape as [number, number];
    const data = new Float32Array(rows * cols);
    for (let i = 0; i < Math.min(rows, cols); i++) data[i * cols + i] = this.gain;
    return new Tensor(data, shape);
  }
  override getConfig(): Record<string, unknown> {
    return { gain: this.gain };
  }
}

// ---- random ------------------------------------------------------------------------------------

/** Options of {@link RandomUniform}. */
export interface RandomUniformOptions extends SeedOptions {
  /** Lower bound, included (default -0.05). */
  minval?: number;
  /** Upper bound, excluded (default 0.05). */
  maxval?: number;
}

/**
 * Uniform draws in [minval, maxval), default ±0.05.
 *
 * @example
 * ```ts
 * new tk.initializers.RandomUniform({ minval: -1, maxval: 1, seed: 3 }).apply([2, 2]);
 * ```
 */
export class RandomUniform extends Initializer {
  static override readonly className: string = 'RandomUniform';
  /** Lower bound, included (default -0.05). */
  readonly minval: number;
  /** Upper bound, excluded (default 0.05). */
  readonly maxval: number;
  /** The seed of this initializer's own generator (same values on every call), or null to draw from the global one. */
  readonly seed: number | null;
  constructor(options: RandomUniformOptions = {}) {
    super();
    checkOptions('RandomUniform', options, ['minval', 'maxval', 'seed']);
    this.minval = finiteNumber('RandomUniform', 'minval', options.minval ?? -0.05);
    this.maxval = finiteNumber('RandomUniform', 'maxval', options.maxval ?? 0.05);
    if (this.maxval < this.minval) throw new Error(`RandomUniform: maxval (${this.maxval}) must be >= minval (${this.minval})`);
    this.seed = seedOption('RandomUniform', options.seed);
  }
  apply(shape: readonly number[], dtype?: string | null): Tensor {
    checkCall('RandomUniform', shape, dtype);
    return randomUniform(shape, { minval: this.minval, maxval: this.maxval, ...seedArg(this.seed) });
  }
  override getConfig(): Record<string, unknown> {
    return { minval: this.minval, maxval: this.maxval, seed: this.seed };
  }
}

function seedArg(seed: number | null): { seed?: number } {
  return seed === null ? {} : { seed };
}

/** Options of {@link RandomNormal} and {@link TruncatedNormal}. */
export interface RandomNormalOptions extends SeedOptions {
  /** Mean of the draws. Default 0. */
  mean?: number;
  /** Standard deviation of the draws (before truncation for TruncatedNormal). Default 0.05. */
  stddev?: number;
}

function normalParams(who: string, options: RandomNormalOptions): [number, number] {
  checkOptions(who, options, ['mean', 'stddev', 'seed']);
  const mean = finiteNumber(who, 'mean', options.mean ?? 0);
  const stddev = finiteNumber(who, 'stddev', options.stddev ?? 0.05);
  if (stddev < 0) throw new Error(`${who}: stddev must be >= 0, got ${stddev}`);
  return [mean, stddev];
}

/**
 * Normal draws N(mean, stddev²), default mean 0 and stddev 0.05.
 *
 * @example
 * ```ts
 * new tk.initializers.RandomNormal({ mean: 0, stddev: 0.05 });
 * ```
 */
export class RandomNormal extends Initializer {
  static override readonly className: string = 'RandomNormal';
  /** Mean of the draws (default 0). */
  readonly mean: number;
  /** Standard deviation of the draws (default 0.05). */
  readonly stddev: number;
  /** The seed of this initializer's own generator (same values on every call), or null to draw from the global one. */
  readonly seed: number | null;
  constructor(options: RandomNormalOptions = {}) {
    super();
    [this.mean, this.stddev] = normalParams('RandomNormal', options);
    this.seed = seedOption('RandomNormal', options.seed);
  }
  apply(shape: readonly number[], dtype?: string | null): Tensor {
    checkCall('RandomNormal', shape, dtype);
    return randomNormal(shape, { mean: this.mean, stddev: this.stddev, ...seedArg(this.seed) });
  }
  override getConfig(): Record<string, unknown> {
    return { mean: this.mean, stddev: this.stddev, seed: this.seed };
  }
}

/**
 * Normal draws N(mean, stddev²) with draws beyond two standard deviations redrawn.
 *
 * @example
 * ```ts
 * new tk.initializers.TruncatedNormal({ stddev: 0.1, seed: 1 }).apply([3, 3]);
 * ```
 */
export class TruncatedNormal extends Initializer {
  static override readonly className: string = 'TruncatedNormal';
  /** Mean of the draws (default 0). */
  readonly mean: number;
  /** Standard deviation before truncation at ±2 of them (default 0.05). */
  readonly stddev: number;
  /** The seed of this initializer's own generator (same values on every call), or null to draw from the global one. */
  readonly seed: number | null;
  constructor(options: RandomNormalOptions = {}) {
    super();
    [this.mean, this.stddev] = normalParams('TruncatedNormal', options);
    this.seed = seedOption('TruncatedNormal', options.seed);
  }
  apply(shape: readonly number[], dtype?: string | null): Tensor {
    checkCall('TruncatedNormal', shape, dtype);
    return truncatedNormal(shape, { mean: this.mean, stddev: this.stddev, ...seedArg(this.seed) });
  }
  override getConfig(): Record<string, unknown> {
    return { mean: this.mean, stddev: this.stddev, seed: this.seed };
  }
}

// ---- variance scaling --------------------------------------------------------------------------

/** Which fan the variance is divided by. */
export type FanMode = 'fan_in' | 'fan_out' | 'fan_avg' | 'fanIn' | 'fanOut' | 'fanAvg';
/** The distribution VarianceScaling draws from ('normal' means 'truncated_normal', as Keras). */
export type VarianceScalingDistribution =
  | 'truncated_normal' | 'untruncated_normal' | 'uniform' | 'normal'
  | 'truncatedNormal' | 'untruncatedNormal';

/** Options of {@link VarianceScaling}. */
export interface VarianceScalingOptions extends SeedOptions {
  /** The variance scale s, divided by the fan. Default 1; must be > 0. */
  scale?: number;
  /** Which fan s is divided by. Default 'fan_in'. */
  mode?: FanMode;
  /** What is drawn from. Default 'truncated_normal'. */
  distribution?: VarianceScalingDistribution;
}

/** 0.87962566103423978: the standard deviation of a unit normal truncated at ±2. */
const TRUNCATED_STDDEV = 0.87962566103423978;

const MODES = new IdentifierTable<'fan_in' | 'fan_out' | 'fan_avg'>('mode', { fan_in: 'fan_in', fan_out: 'fan_out', fan_avg: 'fan_avg' });
const DISTRIBUTIONS = new IdentifierTable<'truncated_normal' | 'untruncated_normal' | 'uniform'>(
  'distribution',
  { truncated_normal: 'truncated_normal', untruncated_normal: 'untruncated_normal', uniform: 'uniform' },
  { normal: 'truncated_normal' },
);

const camel = (s: string): string => s.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());

/**
 * Draws with a variance scaled to the weight's fans (Keras 3): `s = scale / max(1, fan)`, where
 * fan is fan_in, fan_out or their mean; then truncated normal with σ = √s / 0.8796 (so the
 * truncated draws have standard deviation √s), untruncated normal with σ = √s, or uniform in
 * ±√(3s). Mode and distribution accept Keras ('fan_in') and TF.js ('fanIn') spellings.
 *
 * NOTE: TF.js's 'normal' omits the 0.8796 correction; tensorkit follows Keras 3.
 *
 * @example
 * ```ts
 * new tk.initializers.VarianceScaling({ scale: 2, mode: 'fan_in', distribution: 'uniform' });   // = HeUniform
 * ```
 */
export class VarianceScaling extends Initializer {
  static override readonly className: string = 'VarianceScaling';
  /** The variance scale s before division by the fan (> 0; default 1). */
  readonly scale: number;
  /** Which fan the scale is divided by (default 'fan_in'). */
  readonly mode: 'fan_in' | 'fan_out' | 'fan_avg';
  /** What is drawn from (default 'truncated_normal'). */
  readonly distribution: 'truncated_normal' | 'untruncated_normal' | 'uniform';
  /** The seed of this initializer's own generator (same values on every call), or null to draw from the global one. */
  readonly seed: number | null;

  constructor(options: VarianceScalingOptions = {}, who = 'VarianceScaling') {
    super();
    checkOptions(who, options, ['scale', 'mode', 'distribution', 'seed']);
    this.scale = finiteNumber(who, 'scale', options.scale ?? 1);
    if (!(this.scale > 0)) throw new Error(`${who}: scale must be a positive number, got ${this.scale}`);
    this.mode = lookupOption(who, MODES, options.mode ?? 'fan_in');
    this.distribution = lookupOption(who, DISTRIBUTIONS, options.distribution ?? 'truncated_normal');
    this.seed = seedOption(who, options.seed);
  }

  apply(shape: readonly number[], dtype?: string | null): Tensor {
    checkCall(this.getClassName(), shape, dtype);
    const [fanIn, fanOut] = computeFans(shape);
    const fan = this.mode === 'fan_in' ? fanIn : this.mode === 'fan_out' ? fanOut : (fanIn + fanOut) / 2;
    const s = this.scale / Math.max(1, fan);
    const seed = seedArg(this.seed);
    if (this.distribution === 'truncated_normal') return truncatedNormal(shape, { mean: 0, stddev: Math.sqrt(s) / TRUNCATED_STDDEV, ...seed });
    if (this.distribution === 'untruncated_normal') return randomNormal(shape, { mean: 0, stddev: Math.sqrt(s), ...seed });
    const limit = Math.sqrt(3 * s);
    return randomUniform(shape, { minval: -limit, maxval: limit, ...seed });
  }

  override getConfig(): Record<string, unknown> {
    return { scale: this.scale, mode: camel(this.mode), distribution: camel(this.distribution), seed: this.seed };
  }
}

function lookupOption<T>(who: string, table: IdentifierTable<T>, value: unknown): T {
  if (typeof value !== 'string') throw new Error(`${who}: ${table.kind} must be one of ${table.names.join(', ')}, got ${describe(value)}`);
  try {
    return table.get(value);
  } catch (e) {
    throw new Error(`${who}: ${(e as Error).message}`);
  }
}

/** A VarianceScaling preset that takes only a seed (Glorot, He, LeCun). */
abstract class PresetVarianceScaling extends VarianceScaling {
  /** The constructor options: only `seed` (the preset fixes scale, mode and distribution). */
  override getConfig(): Record<string, unknown> {
    return { seed: this.seed };
  }
}

/**
 * Glorot (Xavier) uniform: U(±√(6/(fanIn+fanOut))). Keras's default kernel initializer.
 * @example `new tk.initializers.GlorotUniform({ seed: 1 })`
 */
export class GlorotUniform extends PresetVarianceScaling {
  /** The Keras class name, `'GlorotUniform'`. */
  static override readonly className: string = 'GlorotUniform';
  constructor(options: SeedOptions = {}) {
    checkOptions('GlorotUniform', options, ['seed']);
    super({ scale: 1, mode: 'fan_avg', distribution: 'uniform', seed: options.seed }, 'GlorotUniform');
  }
}

/** Glorot normal: truncated normal, σ = √(2/(fanIn+fanOut)) / 0.8796. @example `new tk.initializers.GlorotNormal()` */
export class GlorotNormal extends PresetVarianceScaling {
  /** The Keras class name, `'GlorotNormal'`. */
  static override readonly className: string = 'GlorotNormal';
  constructor(options: SeedOptions = {}) {
    checkOptions('GlorotNormal', options, ['seed']);
    super({ scale: 1, mode: 'fan_avg', distribution: 'truncated_normal', seed: options.seed }, 'GlorotNormal');
  }
}

/** He uniform: U(±√(6/fanIn)). @example `new tk.initializers.HeUniform()` */
export class HeUniform extends PresetVarianceScaling {
  /** The Keras class name, `'HeUniform'`. */
  static override readonly className: string = 'HeUniform';
  constructor(options: SeedOptions = {}) {
    checkOptions('HeUniform', options, ['seed']);
    super({ scale: 2, mode: 'fan_in', distribution: 'uniform', seed: options.seed }, 'HeUniform');
  }
}

/** He normal: truncated normal, σ = √(2/fanIn) / 0.8796. @example `new tk.initializers.HeNormal()` */
export class HeNormal extends PresetVarianceScaling {
  /** The Keras class name, `'HeNormal'`. */
  static override readonly className: string = 'HeNormal';
  constructor(options: SeedOptions = {}) {
    checkOptions('HeNormal', options, ['seed']);
    super({ scale: 2, mode: 'fan_in', distribution: 'truncated_normal', seed: options.seed }, 'HeNormal');
  }
}

/** LeCun uniform: U(±√(3/fanIn)). @example `new tk.initializers.LecunUniform()` */
export class LecunUniform extends PresetVarianceScaling {
  /** The Keras class name, `'LecunUniform'`. */
  static override readonly className: string = 'LecunUniform';
  constructor(options: SeedOptions = {}) {
    checkOptions('LecunUniform', options, ['seed']);
    super({ scale: 1, mode: 'fan_in', distribution: 'uniform', seed: options.seed }, 'LecunUniform');
  }
}

/** LeCun normal: truncated normal, σ = √(1/fanIn) / 0.8796. @example `new tk.initializers.LecunNormal()` */
export class LecunNormal extends PresetVarianceScaling {
  /** The Keras class name, `'LecunNormal'`. */
  static override readonly className: string = 'LecunNormal';
  constructor(options: SeedOptions = {}) {
    checkOptions('LecunNormal', options, ['seed']);
    super({ scale: 1, mode: 'fan_in', distribution: 'truncated_normal', seed: options.seed }, 'LecunNormal');
  }
}

// ---- orthogonal ----------------------------------------------------------------------------------

/** Options of {@link Orthogonal}. */
export interface OrthogonalOptions extends SeedOptions {
  /** Multiplies the orthogonal matrix (default 1). */
  gain?: number;
}

/**
 * A random orthogonal matrix (Saxe et al., 2014), as Keras 3: for a shape of rank ≥ 2 with
 * rows = Π shape[:-1] and cols = shape[-1], draw A ~ N(0, 1) of shape (max, min), take A = QR,
 * multiply Q's columns by sign(diag R) (so the result is uniformly distributed), transpose when
 * rows < cols, reshape to `shape` and multiply by `gain`. The columns (tall) or rows (wide) of
 * the result are orthonormal·gain.
 *
 * The QR is Householder's, in float64.
 *
 * @example
 * ```ts
 * const w = new tk.initializers.Orthogonal({ gain: 1, seed: 7 }).apply([4, 4]);
 * // w.transpose().matmul(w) ≈ identity
 * ```
 */
export class Orthogonal extends Initializer {
  static override readonly className: string = 'Orthogonal';
  /** The factor multiplying the orthogonal matrix (default 1). */
  readonly gain: number;
  /** The seed of this initializer's own generator (same values on every call), or null to draw from the global one. */
  readonly seed: number | null;
  constructor(options: OrthogonalOptions = {}) {
    super();
    checkOptions('Orthogonal', options, ['gain', 'seed']);
    this.gain = finiteNumber('Orthogonal', 'gain', options.gain ?? 1);
    this.seed = seedOption('Orthogonal', options.seed);
  }

  apply(shape: readonly number[], dtype?: string | null): Tensor {
    checkCall('Orthogonal', shape, dtype);
    if (shape.length < 2) throw new Error(`Orthogonal: the shape must have rank >= 2, got ${formatShape(shape)}`);
    const rows = sizeOf(shape.slice(0, -1));
    const cols = shape[shape.length - 1]!;
    const m = Math.max(rows, cols);
    const n = Math.min(rows, cols);
    const rng = randomSource(this.seed);
    const a = new Float64Array(m * n);
    for (let i = 0; i < a.length; i++) a[i] = rng.normal();
    const q = orthonormalColumns(a, m, n); // m × n
    const out = new Float32Array(rows * cols);
    if (rows >= cols) {
      for (let i = 0; i < m * n; i++) out[i] = this.gain * q[i]!;
    } else {
      // Qᵀ: rows × cols = n × m
      for (let i = 0; i < n; i++) for (let j = 0; j < m; j++) out[i * m + j] = this.gain * q[j * n + i]!;
    }
    return new Tensor(out, shape);
  }

  override getConfig(): Record<string, unknown> {
    return { gain: this.gain, seed: this.seed };
  }
}

/**
 * Q of the QR factorisation of the m × n matrix `a` (m ≥ n, row-major), with each column
 * multiplied by the sign of the matching diagonal entry of R (as Keras does with
 * `q *= sign(diag(r))`): the unique Q whose R has a positive diagonal. Householder reflections:
 * column k of R is reflected onto alpha·e_k with |alpha| = ‖R[k:, k]‖, then Q = H_0·…·H_{n-1}·I.
 * The numerical core of {@link Orthogonal}.
 *
 * @internal
 */
export function orthonormalColumns(a: Float64Array, m: number, n: number): Float64Array {
  const r = Float64Array.from(a);
  const vs: Float64Array[] = [];
  const vNorms = new Float64Array(n);
  const diag = new Float64Array(n);
  for (let k = 0; k < n; k++) {
    let norm = 0;
    for (let i = k; i < m; i++) norm += r[i * n + k]! ** 2;
    norm = Math.sqrt(norm);
    const x0 = r[k * n + k]!;
    // NOTE: alpha takes the sign opposite to x0, so v0 = x0 − alpha never cancels.
    const alpha = x0 >= 0 ? -norm : norm;
    const v = new Float64Array(m - k);
    v[0] = x0 - alpha;
    for (let i = k + 1; i < m; i++) v[i - k] = r[i * n + k]!;
    let vNorm = 0;
    for (let i = 0; i < v.length; i++) vNorm += v[i]! ** 2;
    if (vNorm > 0) {
      for (let j = k; j < n; j++) {
        let s = 0;
        for (let i = k; i < m; i++) s += v[i - k]! * r[i * n + j]!;
        const f = (2 * s) / vNorm;
        for (let i = k; i < m; i++) r[i * n + j]! -= f * v[i - k]!;
      }
    }
    vs.push(v);
    vNorms[k] = vNorm;
    diag[k] = r[k * n + k]!;
  }
  const q = new Float64Array(m * n);
  for (let j = 0; j < n; j++) q[j * n + j] = 1;
  for (let k = n - 1; k >= 0; k--) {
    const v = vs[k]!;
    if (vNorms[k] === 0) continue;
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let i = k; i < m; i++) s += v[i - k]! * q[i * n + j]!;
      const f = (2 * s) / vNorms[k]!;
      for (let i = k; i < m; i++) q[i * n + j]! -= f * v[i - k]!;
    }
  }
  for (let j = 0; j < n; j++) {
    const s = Math.sign(diag[j]!);
    for (let i = 0; i < m; i++) q[i * n + j]! *= s;
  }
  return q;
}

// ---- STFT ----------------------------------------------------------------------------------------

/** Options of {@link STFT}. */
export interface STFTOptions {
  /** 'real' (cosines, default) or 'imag' (sines). */
  side?: 'real' | 'imag';
  /** 'hann' (default), 'hamming', 'blackman', 'boxcar', explicit values, or null for none. */
  window?: 'hann' | 'hamming' | 'blackman' | 'boxcar' | readonly number[] | null;
  /** 'density' (default: divide by the window's L2 norm), 'spectrum' (L1 norm) or null. */
  scaling?: 'density' | 'spectrum' | null;
  /** Periodic window (SciPy's fftbins); default false. */
  periodic?: boolean;
}

const WINDOWS: Record<string, (n: number, size: number) => number> = {
  hann: (n, size) => 0.5 - 0.5 * Math.cos((2 * Math.PI * n) / (size - 1)),
  hamming: (n, size) => 0.54 - 0.46 * Math.cos((2 * Math.PI * n) / (size - 1)),
  blackman: (n, size) => 0.42 - 0.5 * Math.cos((2 * Math.PI * n) / (size - 1)) + 0.08 * Math.cos((4 * Math.PI * n) / (size - 1)),
  boxcar: () => 1,
};

/**
 * Kernels of a short-time Fourier transform for a Conv1D of shape `[frameLength, 1, fftBins]`
 * (Keras 3's STFT initializer): `cos(−2π·t·f/(2(F−1)))` (real) or `sin(...)` (imag), times an
 * optional window, divided by the window's L2 ('density') or L1 ('spectrum') norm.
 *
 * @example
 * ```ts
 * new tk.initializers.STFT({ side: 'real', window: 'hann' }).apply([8, 1, 5]);
 * ```
 */
export class STFT extends Initializer {
  static override readonly className: string = 'STFT';
  /** 'real' (cosines, default) or 'imag' (sines). */
  readonly side: 'real' | 'imag';
  /** The window: a name ('hann', default), explicit values, or null for none. */
  readonly window: string | readonly number[] | null;
  /** 'density' (default: divide by the window's L2 norm), 'spectrum' (L1 norm) or null. */
  readonly scaling: 'density' | 'spectrum' | null;
  /** Whether the window is periodic (SciPy's fftbins) rather than symmetric (default false). */
  readonly periodic: boolean;
  constructor(options: STFTOptions = {}) {
    super();
    checkOptions('STFT', options, ['side', 'window', 'scaling', 'periodic']);
    const side = options.side ?? 'real';
    if (side !== 'real' && side !== 'imag') throw new Error(`STFT: side must be 'real' or 'imag', got ${describe(side)}`);
    const window = options.window === undefined ? 'hann' : options.window;
    if (typeof window === 'string' && !(window in WINDOWS)) {
      throw new Error(`STFT: unknown window ${describe(window)}; valid windows: ${Object.keys(WINDOWS).join(', ')}, an array of values, or null`);
    }
    if (window !== null && typeof window !== 'string' && !Array.isArray(window)) {
      throw new Error(`STFT: window must be a name, an array or null, got ${describe(window)}`);
    }
    const scaling = options.scaling === undefined ? 'density' : options.scaling;
    if (scaling !== null && scaling !== 'density' && scaling !== 'spectrum') {
      throw new Error(`STFT: scaling must be 'density', 'spectrum' or null, got ${describe(scaling)}`);
    }
    this.side = side;
    this.window = window;
    this.scaling = scaling;
    this.periodic = options.periodic ?? false;
  }

  apply(shape: readonly number[], dtype?: string | null): Tensor {
    checkCall('STFT', shape, dtype);
    if (shape.length !== 3 || shape[1] !== 1) throw new Error(`STFT: expected a shape [frameLength, 1, fftBins], got ${formatShape(shape)}`);
    const [frames, , bins] = shape as [number, number, number];
    const win = this.windowValues(frames);
    let scale = 1;
    if (win !== null && this.scaling === 'density') scale = Math.sqrt(win.reduce((s, w) => s + w * w, 0));
    if (win !== null && this.scaling === 'spectrum') scale = win.reduce((s, w) => s + Math.abs(w), 0);
    const fftLength = (bins - 1) * 2;
    const out = new Float32Array(frames * bins);
    for (let t = 0; t < frames; t++) {
      for (let f = 0; f < bins; f++) {
        const arg = -2 * t * (f / fftLength) * Math.PI;
        let v = this.side === 'real' ? Math.cos(arg) : Math.sin(arg);
        if (win !== null) v = (v * win[t]!) / scale;
        out[t * bins + f] = v;
      }
    }
    return new Tensor(out, shape);
  }

  private windowValues(size: number): number[] | null {
    if (this.window === null) return null;
    if (typeof this.window !== 'string') {
      if (this.window.length !== size) throw new Error(`STFT: the window has ${this.window.length} values, expected frameLength = ${size}`);
      return this.window.slice();
    }
    const f = WINDOWS[this.window]!;
    if (size === 1) return [1];
    // SciPy: a periodic window of `size` is the symmetric window of size + 1 without its last value.
    const n = this.periodic ? size + 1 : size;
    return Array.from({ length: size }, (_, i) => f(i, n));
  }

  override getConfig(): Record<string, unknown> {
    return { side: this.side, window: this.window, scaling: this.scaling, periodic: this.periodic };
  }
}

// ---- custom ----------------------------------------------------------------------------------------

/**
 * Wraps a plain function `(shape, dtype) => Tensor` (a Keras custom initializer).
 *
 * @example
 * ```ts
 * new tk.initializers.FunctionInitializer((shape) => tk.fill(shape, 0.5)).apply([2]).toArray();   // [0.5, 0.5]
 * ```
 */
export class FunctionInitializer extends Initializer {
  static override readonly className: string = 'FunctionInitializer';
  /** @param fn The custom function, called as `fn(shape, 'float32')`. */
  constructor(readonly fn: InitializerFunction) {
    super();
  }
  apply(shape: readonly number[], dtype?: string | null): Tensor {
    checkCall(this.getClassName(), shape, dtype);
    const name = this.fn.name || 'custom initializer';
    const value = toTensor(this.fn(shape.slice(), dtype ?? 'float32'), name);
    if (value.rank !== shape.length || value.shape.some((d, i) => d !== shape[i])) {
      throw new Error(`${name}: returned shape ${formatShape(value.shape)}, expected ${formatShape(shape)}`);
    }
    return value;
  }
  override getClassName(): string {
    return this.fn.name || 'FunctionInitializer';
  }
}

/**
 * Uses a given tensor as the initial value; the shape must match (Keras's tensor identifier).
 *
 * @example
 * ```ts
 * new tk.initializers.TensorInitializer(tk.tensor([1, 2])).apply([2]).toArray();   // [1, 2]
 * ```
 */
export class TensorInitializer extends Initializer {
  static override readonly className: string = 'TensorInitializer';
  /** @param value The tensor whose copy every call returns (its shape must be the requested one). */
  constructor(readonly value: Tensor) {
    super();
  }
  apply(shape: readonly number[], dtype?: string | null): Tensor {
    checkCall('TensorInitializer', shape, dtype);
    if (this.value.rank !== shape.length || this.value.shape.some((d, i) => d !== shape[i])) {
      const got = formatShape(this.value.shape);
      throw new Error(`TensorInitializer: expected shape ${formatShape(shape)} for a tensor used as initializer, got ${got}`);
    }
    return this.value.clone();
  }
}

// ---- lookup -----------------------------------------------------------------------------------------

type InitializerClass = new (options?: never) => Initializer;

const CLASSES: Record<string, InitializerClass> = {
  zeros: Zeros,
  ones: Ones,
  constant: Constant,
  random_uniform: RandomUniform,
  random_normal: RandomNormal,
  truncated_normal: TruncatedNormal,
  variance_scaling: VarianceScaling,
  glorot_uniform: GlorotUniform,
  glorot_normal: GlorotNormal,
  he_uniform: HeUniform,
  he_normal: HeNormal,
  lecun_uniform: LecunUniform,
  lecun_normal: LecunNormal,
  orthogonal: Orthogonal,
  identity: Identity,
  stft: STFT,
};

const classTable = new IdentifierTable<InitializerClass>('initializer', CLASSES, {
  // Keras's aliases.
  normal: RandomNormal,
  uniform: RandomUniform,
  one: Ones,
  zero: Zeros,
  IdentityInitializer: Identity,
  OrthogonalInitializer: Orthogonal,
  STFTInitializer: STFT,
});

/** The valid initializer names (Keras snake_case; camelCase and class names such as 'HeUniform' work too). */
export const initializerNames: readonly string[] = classTable.names;

/**
 * Turns an initializer identifier into an {@link Initializer}: a name in any spelling
 * ('he_uniform', 'heUniform', 'HeUniform', or the aliases 'normal', 'uniform', 'one', 'zero'),
 * an instance, a function `(shape, dtype) => Tensor`, an Initializer subclass (instantiated with
 * its defaults), a `{ className, config }` object, or a Tensor of the exact shape. `who` (e.g.
 * 'dense/kernel') prefixes errors.
 *
 * @example
 * ```ts
 * getInitializer('he_uniform').apply([784, 64]);
 * getInitializer({ className: 'RandomNormal', config: { stddev: 0.1 } });
 * getInitializer((shape) => tk.backend.randomNormal(shape, 0, 1));
 * ```
 */
export function getInitializer(identifier: InitializerIdentifier, who?: string): Initializer {
  const prefix = who === undefined ? '' : `${who}: `;
  try {
    if (identifier instanceof Initializer) return identifier;
    if (identifier instanceof Tensor) return new TensorInitializer(identifier);
    if (typeof identifier === 'function') {
      if (identifier.prototype instanceof Initializer) return new (identifier as new () => Initializer)();
      return new FunctionInitializer(identifier as InitializerFunction);
    }
    if (typeof identifier === 'string') return new (classTable.get(identifier))();
    if (identifier !== null && typeof identifier === 'object' && typeof identifier.className === 'string') {
      checkOptions('initializer config', identifier, ['className', 'config']);
      const Cls = classTable.get(identifier.className) as new (options?: Record<string, unknown>) => Initializer;
      return new Cls(identifier.config ?? {});
    }
  } catch (e) {
    throw new Error(prefix + (e as Error).message);
  }
  throw new Error(
    `${prefix}Could not interpret initializer identifier: ${describe(identifier)} ` +
      "(expected a name such as 'glorot_uniform', an Initializer, a function (shape, dtype) => Tensor, or { className, config })",
  );
}

/**
 * `{ className, config }` of an initializer, as TF.js saves it; {@link getInitializer} reads it
 * back.
 *
 * @example
 * ```ts
 * serializeInitializer(new tk.initializers.Constant({ value: 0.4 }));   // { className: 'Constant', config: { value: 0.4 } }
 * ```
 */
export function serializeInitializer(initializer: Initializer): InitializerConfig & {
  /** The initializer's `getConfig()`. */
  config: Record<string, unknown>;
} {
  return { className: initializer.getClassName(), config: initializer.getConfig() };
}
