import { describe, expect, it } from 'vitest';
import * as tk from '../../src/index.js';

describe('tk.tensor: creation from user values', () => {
  it('reads nested arrays of any depth, row-major', () => {
    const a = tk.tensor([[1, 2, 3], [4, 5, 6]]);
    expect(a.shape).toEqual([2, 3]);
    expect(Array.from(a.data)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(a.toArray()).toEqual([[1, 2, 3], [4, 5, 6]]);
    const b = tk.tensor([[[1], [2]], [[3], [4]], [[5], [6]]]);
    expect(b.shape).toEqual([3, 2, 1]);
    expect(b.toArray()).toEqual([[[1], [2]], [[3], [4]], [[5], [6]]]);
    expect(b.rank).toBe(3);
    expect(b.size).toBe(6);
    expect(b.dtype).toBe('float32');
  });

  it('stores float32: 0.1 becomes Math.fround(0.1)', () => {
    expect(tk.tensor([0.1]).data[0]).toBe(Math.fround(0.1));
    expect(tk.tensor([0.1]).data).toBeInstanceOf(Float32Array);
  });

  it('takes a Float32Array with a shape, copying it', () => {
    const src = new Float32Array([1, 2, 3, 4, 5, 6]);
    const a = tk.tensor(src, [3, 2]);
    expect(a.shape).toEqual([3, 2]);
    expect(a.toArray()).toEqual([[1, 2], [3, 4], [5, 6]]);
    src[0] = 100;
    expect(a.data[0]).toBe(1);
    expect(tk.tensor(new Float32Array([7, 8])).shape).toEqual([2]);
    expect(tk.tensor(src, [2, -1]).shape).toEqual([2, 3]);
  });

  it('takes a flat array with a shape', () => {
    const a = tk.tensor([1, 2, 3, 4, 5, 6], [2, 3]);
    expect(a.toArray()).toEqual([[1, 2, 3], [4, 5, 6]]);
  });

  it('rejects a shape that does not fit the values, naming both', () => {
    expect(() => tk.tensor([1, 2, 3], [2, 2])).toThrow(/tensor: cannot reshape 3 elements into \[2,2\]/);
    expect(() => tk.tensor(new Float32Array(5), [2, 3])).toThrow(/5 elements into \[2,3\]/);
  });

  it('makes scalars from numbers', () => {
    const s = tk.tensor(3.5);
    expect(s.shape).toEqual([]);
    expect(s.rank).toBe(0);
    expect(s.size).toBe(1);
    expect(s.item()).toBe(3.5);
    expect(s.toArray()).toBe(3.5);
    expect(tk.constant(2).item()).toBe(2);
  });

  it('handles empty arrays', () => {
    expect(tk.tensor([]).shape).toEqual([0]);
    expect(tk.tensor([[], []]).shape).toEqual([2, 0]);
    expect(tk.tensor([[], []]).toArray()).toEqual([[], []]);
  });

  it('rejects ragged nested arrays with a clear error', () => {
    expect(() => tk.tensor([[1, 2], [3]])).toThrow(/tensor: ragged nested array: expected length 2 at \[1\], got 1/);
    expect(() => tk.tensor([[1, 2], 3] as never)).toThrow(/ragged nested array.*at \[1\]/);
    expect(() => tk.tensor([1, [2]] as never)).toThrow(/ragged nested array: expected a number at \[1\]/);
    expect(() => tk.tensor([[[1, 2], [3, 4]], [[5, 6], [7, 8, 9]]])).toThrow(/ragged.*at \[1\]\[1\]/);
    expect(() => tk.tensor(['a'] as never)).toThrow(/tensor/);
  });

  it('rejects non-numbers, saying where and what (not calling them ragged)', () => {
    expect(() => tk.tensor([1, null] as never)).toThrow('tensor: expected a number at [1], got null');
    expect(() => tk.tensor([[1, 2], [3, 'a']] as never)).toThrow("tensor: expected a number at [1][1], got 'a'");
    expect(() => tk.add(tk.zeros([2]), [1, undefined] as never)).toThrow('add: expected a number at [1], got undefined');
  });

  it('item() rejects a tensor with more than one element', () => {
    expect(() => tk.tensor([1, 2]).item()).toThrow(/item: .*\[2\]/);
    expect(tk.tensor([[5]]).item()).toBe(5);
  });

  it('copies the shape array: changing the caller\'s array later does not change the tensor', () => {
    const shape = [2, 2];
    const t = tk.zeros(shape);
    shape[0] = 7;
    expect(t.shape).toEqual([2, 2]);
    expect(Object.isFrozen(t.shape)).toBe(true);
  });

  it('tk.tensor of a Tensor is that tensor; with a shape it is a reshaped view', () => {
    const a = tk.tensor([1, 2, 3, 4]);
    expect(tk.tensor(a)).toBe(a);
    expect(tk.tensor(a, [2, 2]).toArray()).toEqual([[1, 2], [3, 4]]);
  });

  it('dataSync gives a plain array', () => {
    expect(tk.tensor([[1, 2], [3, 4]]).dataSync()).toEqual([1, 2, 3, 4]);
  });
});

describe('constant creators', () => {
  it('zeros, ones, fill, zerosLike, onesLike', () => {
    expect(tk.zeros([2, 3]).toArray()).toEqual([[0, 0, 0], [0, 0, 0]]);
    expect(tk.ones([2]).toArray()).toEqual([1, 1]);
    expect(tk.fill([2, 2], 7).toArray()).toEqual([[7, 7], [7, 7]]);
    expect(tk.zeros([]).shape).toEqual([]);
    const x = tk.tensor([[1, 2, 3]]);
    expect(tk.zerosLike(x).toArray()).toEqual([[0, 0, 0]]);
    expect(tk.onesLike(x).toArray()).toEqual([[1, 1, 1]]);
    expect(tk.zeros([0, 4]).size).toBe(0);
  });

  it('rejects bad shapes, naming the creator', () => {
    expect(() => tk.zeros([2, -1])).toThrow(/zeros: shape must hold non-negative integers, got \[2,-1\]/);
    expect(() => tk.ones([1.5])).toThrow(/ones:/);
  });

  it('eye: ones on the main diagonal, square or rectangular', () => {
    expect(tk.eye(3).toArray()).toEqual([[1, 0, 0], [0, 1, 0], [0, 0, 1]]);
    expect(tk.eye(2, 3).toArray()).toEqual([[1, 0, 0], [0, 1, 0]]);
    expect(tk.eye(3, 2).toArray()).toEqual([[1, 0], [0, 1], [0, 0]]);
  });

  it('range: start, stop (excluded), step, including negative and fractional steps', () => {
    expect(tk.range(5).toArray()).toEqual([0, 1, 2, 3, 4]);
    expect(tk.range(0, 10, 3).toArray()).toEqual([0, 3, 6, 9]);
    expect(tk.range(2, 5).toArray()).toEqual([2, 3, 4]);
    expect(tk.range(1, 0, -0.25).toArray()).toEqual([1, 0.75, 0.5, 0.25]);
    expect(tk.range(3, 3).toArray()).toEqual([]);
    expect(tk.range(5, 0).toArray()).toEqual([]);
    expect(() => tk.range(0, 1, 0)).toThrow(/range: step/);
  });

  it('linspace: both ends included, evenly spaced (vs a float64 reference)', () => {
    expect(tk.linspace(0, 1, 5).toArray()).toEqual([0, 0.25, 0.5, 0.75, 1]);
    const t = tk.linspace(-3, 7, 11);
    expect(t.toArray()).toEqual([-3, -2, -1, 0, 1, 2, 3, 4, 5, 6, 7]);
    const u = tk.linspace(0.1, 0.9, 7);
    for (let i = 0; i < 7; i++) expect(u.data[i]).toBeCloseTo(0.1 + (0.8 * i) / 6, 6);
    expect(u.data[6]).toBe(Math.fround(0.9));
    expect(tk.linspace(2, 5, 1).toArray()).toEqual([2]);
    expect(tk.linspace(2, 5, 0).toArray()).toEqual([]);
  });
});

// ---- random --------------------------------------------------------------------------------

function moments(d: Float32Array): { mean: number; std: number } {
  let s = 0;
  for (const v of d) s += v;
  const mean = s / d.length;
  let q = 0;
  for (const v of d) q += (v - mean) ** 2;
  return { mean, std: Math.sqrt(q / d.length) };
}

describe('random creators', () => {
  const N = 100_000;

  it('an explicit seed gives the same values every time; different seeds differ', () => {
    for (const make of [
      (seed: number) => tk.randomUniform([50], { seed }),
      (seed: number) => tk.randomNormal([50], { seed }),
      (seed: number) => tk.truncatedNormal([50], { seed }),
    ]) {
      expect(Array.from(make(3).data)).toEqual(Array.from(make(3).data));
      expect(Array.from(make(3).data)).not.toEqual(Array.from(make(4).data));
    }
  });

  it('tk.setSeed makes the global stream reproducible', () => {
    tk.setSeed(42);
    const a = [tk.randomNormal([7]), tk.randomUniform([3, 3]), tk.truncatedNormal([5])];
    tk.setSeed(42);
    const b = [tk.randomNormal([7]), tk.randomUniform([3, 3]), tk.truncatedNormal([5])];
    for (let i = 0; i < 3; i++) expect(Array.from(b[i]!.data)).toEqual(Array.from(a[i]!.data));
    tk.setSeed(43);
    expect(Array.from(tk.randomNormal([7]).data)).not.toEqual(Array.from(a[0]!.data));
  });

  it('the global stream advances: two draws in a row differ', () => {
    tk.setSeed(1);
    const a = tk.randomUniform([10]);
    const b = tk.randomUniform([10]);
    expect(Array.from(a.data)).not.toEqual(Array.from(b.data));
  });

  it('an explicit seed does not consume the global stream', () => {
    tk.setSeed(9);
    const a = tk.randomNormal([5]);
    tk.setSeed(9);
    tk.randomNormal([100], { seed: 123 });
    expect(Array.from(tk.randomNormal([5]).data)).toEqual(Array.from(a.data));
  });

  it('an odd number of normal draws does not leak a cached value across setSeed', () => {
    tk.setSeed(5);
    tk.randomNormal([3]); // leaves the second value of a Box–Muller pair cached
    tk.setSeed(5);
    const a = tk.randomNormal([4]);
    tk.setSeed(5);
    const b = tk.randomNormal([4]);
    expect(Array.from(a.data)).toEqual(Array.from(b.data));
  });

  it('randomUniform: values in [minval, maxval), mean and std right within 5 standard errors', () => {
    const lo = -2;
    const hi = 3;
    const t = tk.randomUniform([N], { minval: lo, maxval: hi, seed: 11 });
    let min = Infinity;
    let max = -Infinity;
    for (const v of t.data) { min = Math.min(min, v); max = Math.max(max, v); }
    expect(min).toBeGreaterThanOrEqual(lo);
    expect(max).toBeLessThan(hi);
    const { mean, std } = moments(t.data);
    const sigma = (hi - lo) / Math.sqrt(12);
    expect(Math.abs(mean - (lo + hi) / 2)).toBeLessThan((5 * sigma) / Math.sqrt(N));
    // Var of the sample variance of U(a,b): (μ4 − σ⁴)/n with μ4 = (b−a)⁴/80.
    const seVar = Math.sqrt(((hi - lo) ** 4 / 80 - sigma ** 4) / N);
    expect(Math.abs(std * std - sigma * sigma)).toBeLessThan(5 * seVar);
    // Each tenth of the range gets about a tenth of the draws (a histogram check).
    const bins = new Array<number>(10).fill(0);
    for (const v of t.data) bins[Math.min(9, Math.floor(((v - lo) / (hi - lo)) * 10))]!++;
    const seBin = Math.sqrt(N * 0.1 * 0.9);
    for (const c of bins) expect(Math.abs(c - N / 10)).toBeLessThan(5 * seBin);
  });

  it('randomUniform never returns maxval, even where float32 rounding would reach it', () => {
    // Between 1e6 and 1e6 + 1 float32 values are 1/16 apart: a draw u > 1 − 1/32 rounds up to
    // maxval unless the creator guards against it.
    const t = tk.randomUniform([10_000], { minval: 1e6, maxval: 1e6 + 1, seed: 1 });
    let max = -Infinity;
    let min = Infinity;
    for (const v of t.data) { max = Math.max(max, v); min = Math.min(min, v); }
    expect(max).toBeLessThan(1e6 + 1);
    expect(max).toBe(1e6 + 1 - 1 / 16);
    expect(min).toBe(1e6);
    expect(tk.randomUniform([5], { minval: 2, maxval: 2 }).toArray()).toEqual([2, 2, 2, 2, 2]);
  });

  it('randomNormal: mean, std and the 1σ/2σ mass right within 5 standard errors', () => {
    const t = tk.randomNormal([N], { mean: 3, stddev: 2, seed: 12 });
    const { mean, std } = moments(t.data);
    expect(Math.abs(mean - 3)).toBeLessThan((5 * 2) / Math.sqrt(N));
    expect(Math.abs(std - 2)).toBeLessThan((5 * 2) / Math.sqrt(2 * N));
    let in1 = 0;
    let in2 = 0;
    for (const v of t.data) {
      const z = Math.abs((v - 3) / 2);
      if (z < 1) in1++;
      if (z < 2) in2++;
    }
    const p1 = 0.6826894921370859;
    const p2 = 0.9544997361036416;
    expect(Math.abs(in1 / N - p1)).toBeLessThan(5 * Math.sqrt((p1 * (1 - p1)) / N));
    expect(Math.abs(in2 / N - p2)).toBeLessThan(5 * Math.sqrt((p2 * (1 - p2)) / N));
  });

  it('truncatedNormal: every draw within ±2σ of the mean, moments of the truncated law', () => {
    const mu = -1;
    const sd = 0.5;
    const t = tk.truncatedNormal([N], { mean: mu, stddev: sd, seed: 13 });
    let min = Infinity;
    let max = -Infinity;
    for (const v of t.data) { min = Math.min(min, v); max = Math.max(max, v); }
    expect(min).toBeGreaterThanOrEqual(Math.fround(mu - 2 * sd));
    expect(max).toBeLessThanOrEqual(Math.fround(mu + 2 * sd));
    // ... and the tails are really used: some draws lie beyond 1.9σ on each side.
    expect(min).toBeLessThan(mu - 1.9 * sd);
    expect(max).toBeGreaterThan(mu + 1.9 * sd);
    const { mean, std } = moments(t.data);
    // Standard normal truncated to [-2, 2]: variance 1 − 2·2·φ(2)/(2Φ(2) − 1).
    const phi2 = Math.exp(-2) / Math.sqrt(2 * Math.PI);
    const truncStd = Math.sqrt(1 - (4 * phi2) / 0.9544997361036416) * sd;
    expect(Math.abs(mean - mu)).toBeLessThan((5 * truncStd) / Math.sqrt(N));
    expect(Math.abs(std - truncStd)).toBeLessThan((5 * truncStd) / Math.sqrt(N));
  });

  it('rejects bad parameters', () => {
    expect(() => tk.randomUniform([2], { minval: 1, maxval: 0 })).toThrow(/randomUniform/);
    expect(() => tk.randomNormal([2], { stddev: -1 })).toThrow(/randomNormal/);
    expect(() => tk.setSeed(NaN)).toThrow(/setSeed/);
  });
});

describe('toString', () => {
  it('renders a small tensor with its shape and every value, one row per line', () => {
    const s = tk.tensor([[1, 2], [3, 40]]).toString();
    const lines = s.split('\n');
    expect(lines[0]).toContain('[2,2]');
    expect(lines).toHaveLength(3);
    expect(lines[1]).toMatch(/^\[\[\s*1,\s*2\],$/);
    expect(lines[2]).toMatch(/^ \[\s*3,\s*40\]\]$/);
    expect(tk.tensor(2.5).toString()).toContain('2.5');
    expect(tk.tensor([0.1]).toString()).toContain('0.1');
    expect(tk.tensor([0.1]).toString()).not.toContain('0.100000001');
    expect(tk.tensor([NaN, Infinity]).toString()).toMatch(/NaN.*Infinity/);
  });

  it('abbreviates a large tensor, keeping the first and last values', () => {
    const t = tk.range(0, 1_000_000).reshape([1000, 1000]);
    const s = t.toString();
    expect(s.length).toBeLessThan(2000);
    expect(s).toContain('...');
    expect(s).toContain('999999');
    expect(s).toMatch(/\[\[\s*0,\s*1,\s*2,/);
    expect(s).not.toContain('500500');
    expect(s.split('\n').length).toBeLessThan(15);
  });

  it('shows the name of a named variable', () => {
    expect(tk.variable(tk.zeros([1]), { name: 'w' }).toString()).toContain("'w'");
  });
});
