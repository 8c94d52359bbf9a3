// Learning end to end: small MLPs trained with fit must solve XOR (100%) and two interleaved
// spirals (≥ 97% training accuracy), two problems no linear model can solve, which the tests
// also check. Everything is seeded, so the runs are deterministic.

import { beforeEach, describe, expect, it } from 'vitest';
import * as tk from '../../src/index.js';
import { rng } from '../helpers/index.js';

beforeEach(() => {
  tk.clearSession();
});

/**
 * Two spirals of `perClass` points each, 1.5 turns, radius growing linearly to `scale`; the second
 * spiral is the first rotated by π; the angle gets a little seeded jitter. Labels 0 and 1.
 */
function twoSpirals(perClass: number, seed: number, scale = 5): { x: number[][]; y: number[][] } {
  const rand = rng(seed);
  const x: number[][] = [];
  const y: number[][] = [];
  for (let i = 0; i < perClass; i++) {
    const r = (i + 1) / perClass;
    for (const cls of [0, 1]) {
      const t = r * 1.5 * 2 * Math.PI + cls * Math.PI + 0.1 * (rand() - 0.5);
      x.push([scale * r * Math.cos(t), scale * r * Math.sin(t)]);
      y.push([cls]);
    }
  }
  return { x, y };
}

describe('an MLP learns', () => {
  it('XOR: 100% with Dense(8, tanh) + Dense(1, sigmoid), Adam', async () => {
    tk.setSeed(1);
    const x = [[0, 0], [0, 1], [1, 0], [1, 1]];
    const y = [[0], [1], [1], [0]];
    const model = new tk.Sequential([new tk.layers.Dense(8, { activation: 'tanh', inputShape: [2] }), new tk.layers.Dense(1, 'sigmoid')]);
    model.compile({ optimizer: new tk.optimizers.Adam(0.05), loss: 'binary_crossentropy', metrics: ['accuracy'] });
    const h = await model.fit(x, y, { epochs: 300, batchSize: 4, verbose: 0 });
    const [loss, acc] = model.evaluate(x, y, { verbose: 0 }) as number[];
    expect(acc).toBe(1);
    expect(loss!).toBeLessThan(0.05);
    expect(h.history.loss![299]!).toBeLessThan(h.history.loss![0]!);
    expect(Array.from(model.predict(x).data).map((p) => (p > 0.5 ? 1 : 0))).toEqual([0, 1, 1, 0]);
    // A linear model cannot: at best 3 of the 4 points.
    tk.setSeed(1);
    const linear = new tk.Sequential([new tk.layers.Dense(1, { activation: 'sigmoid', inputShape: [2] })]);
    linear.compile({ optimizer: new tk.optimizers.Adam(0.05), loss: 'binary_crossentropy', metrics: ['accuracy'] });
    await linear.fit(x, y, { epochs: 300, batchSize: 4, verbose: 0 });
    expect((linear.evaluate(x, y, { verbose: 0 }) as number[])[1]).toBeLessThanOrEqual(0.75);
  });

  it('two spirals: ≥ 97% training accuracy with Dense(64, tanh) ×2, Adam lr 0.01, 200 epochs', async () => {
    const { x, y } = twoSpirals(100, 2024);
    tk.setSeed(7);
    const model = new tk.Sequential([
      new tk.layers.Dense(64, { activation: 'tanh', inputShape: [2] }),
      new tk.layers.Dense(64, 'tanh'),
      new tk.layers.Dense(1, 'sigmoid'),
    ]);
    model.compile({ optimizer: new tk.optimizers.Adam(0.01), loss: 'binary_crossentropy', metrics: ['accuracy'] });
    const h = await model.fit(x, y, { epochs: 200, batchSize: 32, verbose: 0 });
    const [loss, acc] = model.evaluate(x, y, { verbose: 0 }) as number[];
    expect(acc!).toBeGreaterThanOrEqual(0.97);
    expect(loss!).toBeLessThan(0.15);
    expect(h.history.accuracy![199]!).toBeGreaterThanOrEqual(0.97);
    // The data are far from linearly separable: logistic regression stays near chance.
    tk.setSeed(7);
    const linear = new tk.Sequential([new tk.layers.Dense(1, { activation: 'sigmoid', inputShape: [2] })]);
    linear.compile({ optimizer: new tk.optimizers.Adam(0.01), loss: 'binary_crossentropy', metrics: ['accuracy'] });
    await linear.fit(x, y, { epochs: 50, batchSize: 32, verbose: 0 });
    expect((linear.evaluate(x, y, { verbose: 0 }) as number[])[1]!).toBeLessThan(0.75);
  });

  it('three classes with softmax + sparse_categorical_crossentropy: integer labels end to end', async () => {
    // Three Gaussian blobs at the corners of a triangle, 30 points each.
    const rand = rng(5);
    const centers = [[0, 2], [-2, -1], [2, -1]];
    const x: number[][] = [];
    const y: number[] = [];
    for (let i = 0; i < 90; i++) {
      const c = i % 3;
      x.push([centers[c]![0]! + 0.6 * (rand() - 0.5), centers[c]![1]! + 0.6 * (rand() - 0.5)]);
      y.push(c);
    }
    tk.setSeed(3);
    const model = new tk.Sequential([new tk.layers.Dense(16, { activation: 'relu', inputShape: [2] }), new tk.layers.Dense(3, 'softmax')]);
    model.compile({ optimizer: 'adam', loss: 'sparse_categorical_crossentropy', metrics: ['accuracy'] });
    await model.fit(x, y, { epochs: 60, batchSize: 16, verbose: 0, validationSplit: 0.2 });
    const [, acc] = model.evaluate(x, y, { verbose: 0 }) as number[];
    expect(acc).toBe(1);
    const probs = model.predict(x);
    const predicted = Array.from({ length: 90 }, (_, i) => {
      const row = Array.from(probs.data.subarray(3 * i, 3 * i + 3));
      return row.indexOf(Math.max(...row));
    });
    expect(predicted).toEqual(y);
  });
});
