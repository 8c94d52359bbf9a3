// Dropout: identity outside training, inverted dropout statistics in training, rate 0 and 1,
// seeded sequences of masks, noiseShape, the gradient, and bad arguments.

import { beforeEach, describe, expect, it } from 'vitest';
import * as tk from '../../src/index.js';
import { Dropout } from '../../src/layers/index.js';
import { clearSession } from '../../src/naming.js';

beforeEach(() => clearSession());

const zerosFraction = (t: tk.Tensor): number => t.data.reduce((n, v) => n + (v === 0 ? 1 : 0), 0) / t.size;

describe('Dropout', () => {
  it('is the identity when training is false or absent (the same tensor comes back)', () => {
    const x = tk.ones([4, 5]);
    const d = new Dropout(0.5, { seed: 1 });
    expect(d.apply(x)).toBe(x);
    expect(d.apply(x, { training: false })).toBe(x);
    expect(new Dropout(0).apply(x, { training: true })).toBe(x);
  });

  it('training: keeps each value with probability 1 − rate and scales it by 1/(1 − rate); the mean is preserved', () => {
    const n = 100000;
    const x = tk.ones([200, 500]);
    const y = new Dropout(0.3, { seed: 7 }).apply(x, { training: true });
    // The zero fraction is Binomial(n, 0.3)/n: standard error √(0.21/n) ≈ 0.00145; allow 5 of them.
    expect(Math.abs(zerosFraction(y) - 0.3)).toBeLessThan(0.0075);
    const kept = new Set(Array.from(y.data).filter((v) => v !== 0));
    expect(Array.from(kept)).toEqual([Math.fround(1 / 0.7)]);
    const mean = y.data.reduce((s, v) => s + v, 0) / n;
    expect(Math.abs(mean - 1)).toBeLessThan(5 * Math.sqrt(0.3 / 0.7 / n)); // E = 1, sd per value √(rate/(1−rate))
  });

  it('rate 1 outputs zeros in training', () => {
    const y = new Dropout(1).apply(tk.fill([3, 3], 5), { training: true });
    expect(Array.from(y.data)).toEqual(new Array(9).fill(0));
  });

  it('with a seed: two fresh layers give the same sequence of masks; consecutive calls differ', () => {
    const x = tk.ones([8, 16]);
    const a = new Dropout(0.5, { seed: 42 });
    const b = new Dropout(0.5, { seed: 42 });
    const a1 = a.apply(x, { training: true });
    const a2 = a.apply(x, { training: true });
    expect(a2.data).not.toEqual(a1.data);
    expect(b.apply(x, { training: true }).data).toEqual(a1.data);
    expect(b.apply(x, { training: true }).data).toEqual(a2.data);
    expect(new Dropout(0.5, { seed: 43 }).apply(x, { training: true }).data).not.toEqual(a1.data);
  });

  it('without a seed: the global generator, reproducible with tk.setSeed', () => {
    const x = tk.ones([8, 16]);
    const d = new Dropout(0.5);
    tk.setSeed(9);
    const first = d.apply(x, { training: true });
    tk.setSeed(9);
    expect(new Dropout(0.5).apply(x, { training: true }).data).toEqual(first.data);
  });

  it('noiseShape: the mask broadcasts (null takes the input size)', () => {
    const y = new Dropout(0.5, { noiseShape: [null, 1], seed: 3 }).apply(tk.ones([50, 6]), { training: true });
    const rows = y.toArray() as number[][];
    for (const row of rows) expect(new Set(row).size).toBe(1); // each row all dropped or all kept
    expect(new Set(rows.map((r) => r[0])).size).toBe(2);
    expect(() => new Dropout(0.5, { noiseShape: [1] }).apply(tk.ones([2, 3]), { training: true })).toThrow(/noiseShape \[1\] must have the input's rank, got input shape \[2,3\]/);
    expect(() => new Dropout(0.5, { noiseShape: [2, 2] }).apply(tk.ones([2, 3]), { training: true })).toThrow(/does not broadcast to input shape \[2,3\]/);
  });

  it('the gradient is the mask: d/dx = [kept]/(1 − rate)', () => {
    const d = new Dropout(0.25, { seed: 5 });
    const x = tk.fill([4, 6], 2);
    const g = tk.grad((t) => tk.sum(d.apply(t, { training: true })))(x);
    const again = new Dropout(0.25, { seed: 5 }).apply(x, { training: true }); // same first mask
    expect(Array.from(g.data)).toEqual(Array.from(again.data, (v) => v / 2));
  });

  it('no weights; output shape = input shape; getConfig', () => {
    const d = new Dropout(0.2, { seed: 1, noiseShape: [null, 1] });
    d.apply(tk.ones([2, 3]));
    expect(d.weights).toEqual([]);
    expect(d.countParams()).toBe(0);
    expect(d.computeOutputShape([null, 3])).toEqual([null, 3]);
    expect(d.getConfig()).toEqual({ name: 'dropout', trainable: true, dtype: 'float32', rate: 0.2, noiseShape: [null, 1], seed: 1 });
  });

  it('bad arguments: rate outside [0, 1], a non-number, a bad noiseShape, unknown options', () => {
    expect(() => new Dropout(1.5)).toThrow('Dropout: rate must be a number in [0, 1], got 1.5');
    expect(() => new Dropout(-0.1)).toThrow(/got -0.1/);
    expect(() => new Dropout(NaN)).toThrow(/got NaN/);
    expect(() => new Dropout('0.5' as never)).toThrow("got '0.5'");
    expect(() => new Dropout(0.5, { noiseShape: [0, 1] })).toThrow(/noiseShape must be a list of positive integers or null/);
    expect(() => new Dropout(0.5, { noise_shape: [1] } as never)).toThrow("Dropout: unknown option 'noise_shape'. Did you mean 'noiseShape'?");
  });
});
