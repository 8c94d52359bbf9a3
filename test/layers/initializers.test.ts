// Initializers: fans (Keras's compute_fans table), seeded statistics against each formula on a
// large shape, seed semantics, orthogonality with Keras's sign correction, the lookup in every
// spelling, and the seed notes' three formats used as a Dense kernelInitializer.

import { beforeEach, describe, expect, it } from 'vitest';
import * as tk from '../../src/index.js';
import { Dense, initializers as I } from '../../src/layers/index.js';
import { Random } from '../../src/tensor/random.js';
import { clearSession } from '../../src/naming.js';
import { expectClose } from '../helpers/index.js';

beforeEach(() => clearSession());

/** Mean, standard deviation (population), min and max of the values, in float64. */
function stats(t: tk.Tensor): { mean: number; std: number; min: number; max: number } {
  let s = 0;
  let min = Infinity;
  let max = -Infinity;
  for (const v of t.data) {
    s += v;
    if (v < min) min = v;
    if (v > max) max = v;
  }
  const mean = s / t.size;
  let q = 0;
  for (const v of t.data) q += (v - mean) ** 2;
  return { mean, std: Math.sqrt(q / t.size), min, max };
}

describe('computeFans (Keras compute_fans)', () => {
  it.each([
    [[], [1, 1]],
    [[7], [7, 7]],
    [[784, 64], [784, 64]], // Dense [in, out]
    [[3, 3, 16, 32], [144, 288]], // Conv2D [kh, kw, cin, cout]: rf = 9
    [[5, 8, 4], [40, 20]], // Conv1D [k, cin, cout]: rf = 5
    [[2, 3, 3, 4, 6], [72, 108]], // Conv3D: rf = 18
  ])('%j → %j', (shape, fans) => {
    expect(I.computeFans(shape)).toEqual(fans);
  });
});

describe('seeded statistics match the formulas (shape [300, 200], 60,000 draws)', () => {
  const shape = [300, 200];
  const n = 60000;
  // A 5-standard-error band for the sample mean and std of n draws.
  const meanTol = (sd: number): number => (5 * sd) / Math.sqrt(n);
  const stdTol = (sd: number): number => (5 * sd) / Math.sqrt(2 * n) + 1e-6;

  it('RandomUniform: U[minval, maxval), mean (a+b)/2, std (b−a)/√12', () => {
    const s = stats(new I.RandomUniform({ minval: -0.3, maxval: 0.5, seed: 1 }).apply(shape));
    expect(s.min).toBeGreaterThanOrEqual(-0.3);
    expect(s.max).toBeLessThan(0.5);
    const sd = 0.8 / Math.sqrt(12);
    expect(Math.abs(s.mean - 0.1)).toBeLessThan(meanTol(sd));
    expect(Math.abs(s.std - sd)).toBeLessThan(stdTol(sd));
  });

  it('RandomUniform defaults are ±0.05', () => {
    const s = stats(new I.RandomUniform({ seed: 2 }).apply(shape));
    expect(s.min).toBeGreaterThanOrEqual(-0.05);
    expect(s.max).toBeLessThan(0.05);
    expect(s.max).toBeGreaterThan(0.0499);
  });

  it('RandomNormal: N(mean, stddev²); defaults mean 0, stddev 0.05', () => {
    const s = stats(new I.RandomNormal({ mean: 1, stddev: 2, seed: 3 }).apply(shape));
    expect(Math.abs(s.mean - 1)).toBeLessThan(meanTol(2));
    expect(Math.abs(s.std - 2)).toBeLessThan(stdTol(2));
    const d = stats(new I.RandomNormal({ seed: 4 }).apply(shape));
    expect(Math.abs(d.std - 0.05)).toBeLessThan(stdTol(0.05));
  });

  it('TruncatedNormal: within mean ± 2·stddev, std = 0.8796·stddev', () => {
    const s = stats(new I.TruncatedNormal({ mean: 0.5, stddev: 0.1, seed: 5 }).apply(shape));
    expect(s.min).toBeGreaterThanOrEqual(0.5 - 0.2 - 1e-6);
    expect(s.max).toBeLessThanOrEqual(0.5 + 0.2 + 1e-6);
    expect(Math.abs(s.mean - 0.5)).toBeLessThan(meanTol(0.1));
    expect(Math.abs(s.std - 0.1 * 0.87962566103423978)).toBeLessThan(stdTol(0.1));
  });

  // [fan_in, fan_out] = [300, 200] for the Dense shape.
  const uniform = (limit: number) => (init: I.Initializer): void => {
    const s = stats(init.apply(shape));
    expect(s.min).toBeGreaterThanOrEqual(-limit);
    expect(s.max).toBeLessThanOrEqual(limit);
    expect(s.max).toBeGreaterThan(0.999 * limit);
    expect(Math.abs(s.std - limit / Math.sqrt(3))).toBeLessThan(stdTol(limit));
  };
  // A truncated normal with σ = √s/0.8796 has standard deviation √s and stays within ±2σ.
  const truncated = (sqrtS: number) => (init: I.Initializer): void => {
    const s = stats(init.apply(shape));
    const sigma = sqrtS / 0.87962566103423978;
    expect(s.min).toBeGreaterThanOrEqual(-2 * sigma - 1e-6);
    expect(s.max).toBeLessThanOrEqual(2 * sigma + 1e-6);
    expect(Math.abs(s.mean)).toBeLessThan(meanTol(sqrtS));
    expect(Math.abs(s.std - sqrtS)).toBeLessThan(stdTol(sqrtS));
  };

  it('GlorotUniform: limit √(6/(fanIn+fanOut))', () => uniform(Math.sqrt(6 / 500))(new I.GlorotUniform({ seed: 6 })));
  it('GlorotNormal: σ·0.8796 = √(2/(fanIn+fanOut))', () => truncated(Math.sqrt(2 / 500))(new I.GlorotNormal({ seed: 7 })));
  it('HeUniform: limit √(6/fanIn)', () => uniform(Math.sqrt(6 / 300))(new I.HeUniform({ seed: 8 })));
  it('HeNormal: σ·0.8796 = √(2/fanIn)', () => truncated(Math.sqrt(2 / 300))(new I.HeNormal({ seed: 9 })));
  it('LecunUniform: limit √(3/fanIn)', () => uniform(Math.sqrt(3 / 300))(new I.LecunUniform({ seed: 10 })));
  it('LecunNormal: σ·0.8796 = √(1/fanIn)', () => truncated(Math.sqrt(1 / 300))(new I.LecunNormal({ seed: 11 })));
  it("VarianceScaling fan_out, 'normal' means truncated (Keras 3)", () => truncated(Math.sqrt(3 / 200))(new I.VarianceScaling({ scale: 3, mode: 'fan_out', distribution: 'normal', seed: 12 })));
  it('VarianceScaling untruncated_normal: σ = √s, values beyond 2σ exist', () => {
    const s = stats(new I.VarianceScaling({ scale: 2, mode: 'fan_avg', distribution: 'untruncated_normal', seed: 13 }).apply(shape));
    const sd = Math.sqrt(2 / 250);
    expect(Math.abs(s.std - sd)).toBeLessThan(stdTol(sd));
    expect(s.max).toBeGreaterThan(2.5 * sd);
  });
  it('VarianceScaling accepts the TF.js spellings fanAvg / truncatedNormal', () => {
    const vs = new I.VarianceScaling({ mode: 'fanAvg', distribution: 'truncatedNormal' });
    expect([vs.mode, vs.distribution]).toEqual(['fan_avg', 'truncated_normal']);
  });
  it('conv kernels use the receptive field: HeUniform on [3, 3, 16, 32] has limit √(6/144)', () => {
    const s = stats(new I.HeUniform({ seed: 14 }).apply([3, 3, 16, 32]));
    const limit = Math.sqrt(6 / 144);
    expect(s.max).toBeLessThanOrEqual(limit);
    expect(s.max).toBeGreaterThan(0.99 * limit);
    expect(s.min).toBeGreaterThanOrEqual(-limit);
  });
});

describe('seeds', () => {
  it('an explicit seed gives the same values on every call and for every instance; another seed others', () => {
    const makers: ((seed: number) => I.Initializer)[] = [
      (seed) => new I.RandomNormal({ seed }),
      (seed) => new I.RandomUniform({ seed }),
      (seed) => new I.TruncatedNormal({ seed }),
      (seed) => new I.GlorotUniform({ seed }),
      (seed) => new I.HeNormal({ seed }),
      (seed) => new I.Orthogonal({ seed }),
    ];
    for (const make of makers) {
      const init = make(5);
      const a = init.apply([6, 4]);
      expect(init.apply([6, 4]).data).toEqual(a.data);
      expect(make(5).apply([6, 4]).data).toEqual(a.data);
      expect(make(6).apply([6, 4]).data).not.toEqual(a.data);
    }
  });

  it('without a seed: the global generator, so tk.setSeed makes it reproducible and calls differ', () => {
    const init = new I.GlorotUniform();
    tk.setSeed(123);
    const a = init.apply([5, 5]);
    const b = init.apply([5, 5]);
    expect(b.data).not.toEqual(a.data);
    tk.setSeed(123);
    expect(init.apply([5, 5]).data).toEqual(a.data);
  });

  it('a seed must be a number', () => {
    expect(() => new I.RandomNormal({ seed: 'x' as never })).toThrow(/RandomNormal: seed must be a finite number/);
  });
});

describe('Orthogonal', () => {
  /** max |WᵀW − gain²·I| (columns) or |WWᵀ − gain²·I| (rows) of the 2-D view [rows, cols]. */
  function orthogonalityError(w: tk.Tensor, gain: number): number {
    const cols = w.shape[w.rank - 1]!;
    const rows = w.size / cols;
    const m = tk.reshape(w, [rows, cols]);
    const gram = rows >= cols ? tk.matmul(m, m, true, false) : tk.matmul(m, m, false, true);
    const k = gram.shape[0]!;
    let worst = 0;
    for (let i = 0; i < k; i++) for (let j = 0; j < k; j++) worst = Math.max(worst, Math.abs(gram.data[i * k + j]! - (i === j ? gain * gain : 0)));
    return worst;
  }

  it.each([
    ['square', [16, 16], 1],
    ['tall', [40, 12], 1],
    ['wide', [12, 40], 1],
    ['conv tall [3,3,4,8] (rows 36, cols 8)', [3, 3, 4, 8], 1],
    ['conv wide [1,1,4,16] (rows 4, cols 16)', [1, 1, 4, 16], 1],
    ['gain 2, square', [10, 10], 2],
    ['gain 0.5, wide', [5, 9], 0.5],
  ] as const)('%s: orthonormal·gain to 1e-5', (_, shape, gain) => {
    const w = new I.Orthogonal({ gain, seed: 21 }).apply(shape);
    expect(w.shape).toEqual(shape);
    expect(orthogonalityError(w, gain)).toBeLessThan(1e-5);
  });

  it("is Keras's sign-corrected Q: QᵀA is upper triangular with a positive diagonal", () => {
    // Re-draw the same A ~ N(0, 1) of shape (max, min) = (7, 4), row-major, from the same seed.
    const rng = new Random(3);
    const a = Array.from({ length: 28 }, () => rng.normal());
    const q = new I.Orthogonal({ seed: 3 }).apply([7, 4]);
    const r = tk.matmul(q, tk.tensor(a, [7, 4]), true, false); // QᵀA = R
    for (let i = 0; i < 4; i++) {
      expect(r.data[i * 4 + i]!).toBeGreaterThan(0);
      for (let j = 0; j < i; j++) expect(Math.abs(r.data[i * 4 + j]!)).toBeLessThan(1e-5);
    }
  });

  it('needs rank >= 2', () => {
    expect(() => new I.Orthogonal().apply([5])).toThrow(/Orthogonal: the shape must have rank >= 2, got \[5\]/);
  });
});

describe('constant initializers', () => {
  it('Zeros, Ones, Constant (default 0), Identity (2-D only)', () => {
    expect(Array.from(new I.Zeros().apply([2, 2]).data)).toEqual([0, 0, 0, 0]);
    expect(Array.from(new I.Ones().apply([3]).data)).toEqual([1, 1, 1]);
    expect(Array.from(new I.Constant({ value: 0.4 }).apply([2]).data)).toEqual([Math.fround(0.4), Math.fround(0.4)]);
    expect(Array.from(new I.Constant().apply([1]).data)).toEqual([0]);
    expect(new I.Identity({ gain: 2 }).apply([2, 3]).toArray()).toEqual([[2, 0, 0], [0, 2, 0]]);
    expect(() => new I.Identity().apply([2, 2, 2])).toThrow(/2-D shape/);
  });

  it('STFT: cosine/sine kernels times a SciPy window', () => {
    // No window: kernel[t, 0, f] = cos(−2π·t·f/(2(F−1))), F = 3 → fft length 4
    const k = new I.STFT({ window: null, scaling: null }).apply([4, 1, 3]);
    const expected: number[] = [];
    for (let t = 0; t < 4; t++) for (let f = 0; f < 3; f++) expected.push(Math.cos((-2 * Math.PI * t * f) / 4));
    expectClose(Array.from(k.data), expected, { atol: 1e-6 });
    // Symmetric Hann(4) = [0, 0.75, 0.75, 0], periodic = [0, 0.5, 1, 0.5] (scipy.signal.get_window)
    const hann = new I.STFT({ side: 'real', window: 'hann', scaling: null }).apply([4, 1, 2]);
    expectClose([0, 2, 4, 6].map((i) => hann.data[i]!), [0, 0.75, 0.75, 0], { atol: 1e-6 });
    const periodic = new I.STFT({ window: 'hann', scaling: null, periodic: true }).apply([4, 1, 2]);
    expectClose([0, 2, 4, 6].map((i) => periodic.data[i]!), [0, 0.5, 1, 0.5], { atol: 1e-6 });
    // 'density' divides by ‖w‖₂ = √(2·0.75²)
    const density = new I.STFT({ window: 'hann' }).apply([4, 1, 2]);
    expectClose([density.data[2]!], [0.75 / Math.sqrt(2 * 0.5625)], { atol: 1e-6 });
    // imag side at t = 1, f = 1, F = 2: sin(−2π·1·1/2) = 0
    expect(new I.STFT({ side: 'imag', window: null, scaling: null }).apply([2, 1, 2]).data[3]).toBeCloseTo(0, 6);
    expect(() => new I.STFT({ window: 'kaiser' as never })).toThrow(/unknown window/);
  });
});

describe('getInitializer', () => {
  const cases: [string, string][] = [
    ['zeros', 'Zeros'], ['Zeros', 'Zeros'], ['zero', 'Zeros'],
    ['ones', 'Ones'], ['one', 'Ones'],
    ['constant', 'Constant'],
    ['random_uniform', 'RandomUniform'], ['randomUniform', 'RandomUniform'], ['uniform', 'RandomUniform'],
    ['random_normal', 'RandomNormal'], ['normal', 'RandomNormal'],
    ['truncated_normal', 'TruncatedNormal'], ['truncatedNormal', 'TruncatedNormal'],
    ['variance_scaling', 'VarianceScaling'], ['varianceScaling', 'VarianceScaling'],
    ['glorot_uniform', 'GlorotUniform'], ['glorotUniform', 'GlorotUniform'], ['GlorotUniform', 'GlorotUniform'],
    ['glorot_normal', 'GlorotNormal'], ['glorotNormal', 'GlorotNormal'],
    ['he_uniform', 'HeUniform'], ['heUniform', 'HeUniform'], ['HeUniform', 'HeUniform'],
    ['he_normal', 'HeNormal'], ['heNormal', 'HeNormal'],
    ['lecun_uniform', 'LecunUniform'], ['leCunUniform', 'LecunUniform'],
    ['lecun_normal', 'LecunNormal'], ['leCunNormal', 'LecunNormal'],
    ['orthogonal', 'Orthogonal'], ['OrthogonalInitializer', 'Orthogonal'],
    ['identity', 'Identity'], ['IdentityInitializer', 'Identity'],
    ['stft', 'STFT'], ['STFTInitializer', 'STFT'],
  ];
  it.each(cases)('%s → %s', (name, className) => {
    expect(I.getInitializer(name).getClassName()).toBe(className);
  });

  it('a fresh instance per string, so two layers get different weights', () => {
    expect(I.getInitializer('he_uniform')).not.toBe(I.getInitializer('he_uniform'));
  });

  it('instances, classes, { className, config }, functions and tensors', () => {
    const inst = new I.RandomNormal({ stddev: 0.1 });
    expect(I.getInitializer(inst)).toBe(inst);
    expect(I.getInitializer(I.HeNormal)).toBeInstanceOf(I.HeNormal);
    const fromConfig = I.getInitializer({ className: 'RandomNormal', config: { mean: 1, stddev: 0.1, seed: 2 } }) as I.RandomNormal;
    expect([fromConfig.mean, fromConfig.stddev, fromConfig.seed]).toEqual([1, 0.1, 2]);
    expect(I.getInitializer({ className: 'Ones' }).apply([2]).toArray()).toEqual([1, 1]);
    const fn = I.getInitializer((shape) => tk.fill(shape, 7));
    expect(fn.apply([2]).toArray()).toEqual([7, 7]);
    const t = I.getInitializer(tk.tensor([[1, 2]]));
    expect(t.apply([1, 2]).toArray()).toEqual([[1, 2]]);
    expect(() => t.apply([2, 1])).toThrow(/expected shape \[2,1\]/);
  });

  it('serializeInitializer round-trips through getInitializer', () => {
    for (const init of [
      new I.RandomUniform({ minval: -1, maxval: 2, seed: 3 }),
      new I.VarianceScaling({ scale: 2, mode: 'fan_out', distribution: 'uniform', seed: 1 }),
      new I.GlorotUniform({ seed: 4 }),
      new I.Orthogonal({ gain: 2, seed: 5 }),
      new I.Constant({ value: 0.4 }),
      new I.Identity({ gain: 3 }),
    ]) {
      const config = I.serializeInitializer(init);
      const back = I.getInitializer(config);
      expect(back.getClassName()).toBe(init.getClassName());
      expect(back.getConfig()).toEqual(init.getConfig());
      expect(back.apply([4, 4]).data).toEqual(init.apply([4, 4]).data);
    }
    expect(I.serializeInitializer(new I.GlorotUniform())).toEqual({ className: 'GlorotUniform', config: { seed: null } });
    expect(I.serializeInitializer(new I.VarianceScaling()).config).toEqual({ scale: 1, mode: 'fanIn', distribution: 'truncatedNormal', seed: null });
  });

  it('errors: unknown names suggest the nearest; bad options and shapes are named', () => {
    expect(() => I.getInitializer('he_unifrom')).toThrow("Unknown initializer 'he_unifrom'. Did you mean 'he_uniform'? Valid names: zeros, ones,");
    expect(() => I.getInitializer('glorotUniforn', 'dense/kernel')).toThrow(/^dense\/kernel: Unknown initializer 'glorotUniforn'\. Did you mean 'glorot_uniform'\?/);
    expect(() => I.getInitializer(3 as never)).toThrow(/Could not interpret initializer identifier: 3/);
    expect(() => new I.RandomNormal({ std: 1 } as never)).toThrow("RandomNormal: unknown option 'std'. Did you mean 'stddev'?");
    expect(() => new I.VarianceScaling({ scale: 0 })).toThrow(/scale must be a positive number/);
    expect(() => new I.VarianceScaling({ mode: 'fan_sum' as never })).toThrow(/Unknown mode 'fan_sum'/);
    expect(() => new I.VarianceScaling({ distribution: 'gaussian' as never })).toThrow(/Unknown distribution 'gaussian'/);
    expect(() => new I.GlorotUniform({ scale: 2 } as never)).toThrow(/GlorotUniform: unknown option 'scale'/);
    expect(() => new I.RandomUniform({ minval: 1, maxval: 0 })).toThrow(/maxval \(0\) must be >= minval \(1\)/);
    expect(() => new I.Zeros().apply([2], 'int32')).toThrow(/float32 only/);
    expect(() => I.getInitializer({ className: 'RandomNormal', config: { stdev: 1 } })).toThrow(/unknown option 'stdev'/);
  });
});

describe("the seed notes' three formats as Dense kernelInitializer", () => {
  const x = tk.ones([2, 6]);
  const kernelOf = (init: Parameters<typeof I.getInitializer>[0]): tk.Tensor => {
    const d = new Dense(64, { kernelInitializer: init });
    d.apply(x);
    return d.kernel!;
  };

  it("strings: 'random_uniform', 'he_uniform', 'zeros'", () => {
    const ru = stats(kernelOf('random_uniform'));
    expect(ru.min).toBeGreaterThanOrEqual(-0.05);
    expect(ru.max).toBeLessThan(0.05);
    const he = stats(kernelOf('he_uniform'));
    expect(he.max).toBeLessThanOrEqual(1); // √(6/6)
    expect(he.max).toBeGreaterThan(0.5);
    expect(stats(kernelOf('zeros'))).toEqual({ mean: 0, std: 0, min: 0, max: 0 });
  });

  it('objects: RandomNormal({mean: 0, stddev: 0.05}), Constant({value: 0.4}), Orthogonal({gain: 1, seed})', () => {
    const rn = stats(kernelOf(new I.RandomNormal({ mean: 0, stddev: 0.05, seed: 1 })));
    expect(rn.std).toBeGreaterThan(0.04);
    expect(rn.std).toBeLessThan(0.06);
    expect(Array.from(new Set(kernelOf(new I.Constant({ value: 0.4 })).data))).toEqual([Math.fround(0.4)]);
    const q = kernelOf(new I.Orthogonal({ gain: 1, seed: 2 })); // [6, 64]: orthonormal rows
    const gram = tk.matmul(q, q, false, true);
    expectClose(Array.from(gram.data), Array.from(tk.eye(6).data), { atol: 1e-5 });
  });

  it('a custom function (shape, dtype) => K.random_normal(shape, dtype=dtype)', () => {
    const K = tk.backend;
    const seen: unknown[] = [];
    const myInit = (shape: number[], dtype?: string): tk.Tensor => {
      seen.push([shape, dtype]);
      return K.randomNormal(shape, 0, 1, dtype);
    };
    const k = kernelOf(myInit);
    expect(k.shape).toEqual([6, 64]);
    expect(seen).toEqual([[[6, 64], 'float32']]);
    expect(stats(k).std).toBeGreaterThan(0.8);
    // A function returning the wrong shape is named in the error.
    expect(() => kernelOf(function badInit() { return tk.zeros([2]); })).toThrow(/badInit: returned shape \[2\], expected \[6,64\]/);
  });
});
