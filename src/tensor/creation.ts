// Tensors made from a shape: constants, ranges and seeded random draws.

import { randomSource } from './random.js';
import { checkShape, sizeOf } from './shape.js';
import { Tensor } from './tensor.js';

function filled(shape: readonly number[], value: number, op: string): Tensor {
  checkShape(shape, op);
  const data = new Float32Array(sizeOf(shape));
  if (value !== 0) data.fill(value);
  return new Tensor(data, shape);
}

/** All zeros. @example `tk.zeros([2, 3])` */
export function zeros(shape: readonly number[]): Tensor { return filled(shape, 0, 'zeros'); }
/** All ones. @example `tk.ones([2])` */
export function ones(shape: readonly number[]): Tensor { return filled(shape, 1, 'ones'); }
/** Every element `value`. @example `tk.fill([2, 2], 7)` */
export function fill(shape: readonly number[], value: number): Tensor { return filled(shape, value, 'fill'); }
/** Zeros of `x`'s shape. @example `tk.zerosLike(x)` */
export function zerosLike(x: Tensor): Tensor { return zeros(x.shape); }
/** Ones of `x`'s shape. @example `tk.onesLike(x)` */
export function onesLike(x: Tensor): Tensor { return ones(x.shape); }

/**
 * Identity-like matrix: ones on the main diagonal, `numRows × numColumns` (square by default).
 *
 * @example
 * ```ts
 * tk.eye(2).toArray();   // [[1, 0], [0, 1]]
 * ```
 */
export function eye(numRows: number, numColumns = numRows): Tensor {
  const t = zeros([numRows, numColumns]);
  for (let i = 0; i < Math.min(numRows, numColumns); i++) t.data[i * numColumns + i] = 1;
  return t;
}

/**
 * `start, start+step, …` up to but excluding `stop`; `range(n)` is 0 … n-1.
 *
 * @example
 * ```ts
 * tk.range(0, 10, 3).toArray();   // [0, 3, 6, 9]
 * ```
 */
export function range(start: number, stop?: number, step = 1): Tensor {
  if (stop === undefined) {
    stop = start;
    start = 0;
  }
  if (step === 0 || !Number.isFinite(step)) throw new Error(`range: step must be a finite non-zero number, got ${step}`);
  const n = Math.max(0, Math.ceil((stop - start) / step));
  const data = new Float32Array(n);
  for (let i = 0; i < n; i++) data[i] = start + i * step;
  return new Tensor(data, [n]);
}

/**
 * `num` evenly spaced values from `start` to `stop`, both included.
 *
 * @example
 * ```ts
 * tk.linspace(0, 1, 5).toArray();   // [0, 0.25, 0.5, 0.75, 1]
 * ```
 */
export function linspace(start: number, stop: number, num: number): Tensor {
  if (!Number.isInteger(num) || num < 0) throw new Error(`linspace: num must be a non-negative integer, got ${num}`);
  const data = new Float32Array(num);
  const step = num > 1 ? (stop - start) / (num - 1) : 0;
  for (let i = 0; i < num; i++) data[i] = start + i * step;
  if (num > 1) data[num - 1] = stop;
  return new Tensor(data, [num]);
}

/** Options of the random creators: a `seed` gives the same values every time. */
export interface RandomOptions {
  /** Seed of this draw's own generator (an integer); omitted: the global generator, see `tk.setSeed`. */
  seed?: number;
}

/**
 * Uniform draws in [minval, maxval). With `seed`, the same values every time; without, from the
 * global generator (`tk.setSeed`).
 *
 * @example
 * ```ts
 * tk.randomUniform([2, 2], { minval: -1, maxval: 1, seed: 7 });
 * ```
 */
export function randomUniform(shape: readonly number[], options: RandomOptions & { minval?: number; maxval?: number } = {}): Tensor {
  const { minval = 0, maxval = 1 } = options;
  if (!(maxval >= minval)) throw new Error(`randomUniform: maxval (${maxval}) must be >= minval (${minval})`);
  const t = zeros(shape);
  const rng = randomSource(options.seed);
  const draw = (): number => Math.fround(minval + (maxval - minval) * rng.next());
  for (let i = 0; i < t.size; i++) {
    // NOTE: a draw just below 1 can round up to maxval in float32 (often, far from 0: within
    // [1e6, 1e6 + 1) one in 32); such draws are redrawn so the interval stays half-open.
    let v = draw();
    while (v >= maxval && maxval > minval) v = draw();
    t.data[i] = v;
  }
  return t;
}

/**
 * Normal draws N(mean, stddev²).
 *
 * @example
 * ```ts
 * tk.randomNormal([3, 3], { mean: 0, stddev: 1, seed: 1 });
 * ```
 */
export function randomNormal(shape: readonly number[], options: RandomOptions & { mean?: number; stddev?: number } = {}): Tensor {
  const { mean = 0, stddev = 1 } = options;
  if (!(stddev >= 0)) throw new Error(`randomNormal: stddev must be >= 0, got ${stddev}`);
  const t = zeros(shape);
  const rng = randomSource(options.seed);
  for (let i = 0; i < t.size; i++) t.data[i] = mean + stddev * rng.normal();
  return t;
}

/**
 * Normal draws N(mean, stddev²) with every draw beyond two standard deviations rejected and
 * redrawn (as Keras and TensorFlow).
 *
 * @example
 * ```ts
 * tk.truncatedNormal([3, 3], { stddev: 0.05, seed: 1 });
 * ```
 */
export function truncatedNormal(shape: readonly number[], options: RandomOptions & { mean?: number; stddev?: number } = {}): Tensor {
  const { mean = 0, stddev = 1 } = options;
  if (!(stddev >= 0)) throw new Error(`truncatedNormal: stddev must be >= 0, got ${stddev}`);
  const t = zeros(shape);
  const rng = randomSource(options.seed);
  for (let i = 0; i < t.size; i++) {
    let z = rng.normal();
    while (z < -2 || z > 2) z = rng.normal();
    t.data[i] = mean + stddev * z;
  }
  return t;
}
