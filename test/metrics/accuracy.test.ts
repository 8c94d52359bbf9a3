// Accuracy metrics: definitions (keras-facts §7.2), the 'accuracy'/'acc' resolution table of §7.1,
// history-key naming, and batch-size-weighted aggregation (§7.3).

import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import * as tk from '../../src/index.js';
import { ShapeResolvedMetric } from '../../src/metrics/get.js';
import { expectClose } from '../helpers/index.js';
import { setupTf, tf, values } from '../losses/tfjs.js';

const M = tk.metrics;

beforeAll(async () => {
  await setupTf();
});

describe('accuracy functions', () => {
  it('binary_accuracy: p > threshold (strictly) compared with the 0/1 label', () => {
    // p = [0.98, 1, 0, 0.6, 0.5] vs y = [1, 1, 0, 0, 0]: right, right, right, wrong, right (0.5 is not > 0.5)
    const yb = [[1], [1], [0], [0], [0]];
    const pb = [[0.98], [1], [0], [0.6], [0.5]];
    const v = M.binaryAccuracy(tk.tensor(yb), tk.tensor(pb));
    expect(v.shape).toEqual([5, 1]); // elementwise, as Keras 3
    expect(Array.from(v.data)).toEqual([1, 1, 1, 0, 1]);
    expect(Array.from(v.data)).toEqual(values(tf.metrics.binaryAccuracy(tf.tensor(yb), tf.tensor(pb))));
    // another threshold
    expect(Array.from(M.binaryAccuracy(tk.tensor(yb), tk.tensor(pb), 0.99).data)).toEqual([0, 1, 1, 1, 1]);
    // labels [N] against predictions [N, 1] are aligned
    expect(M.binaryAccuracy(tk.tensor([1, 0]), tk.tensor([[0.7], [0.2]])).shape).toEqual([2, 1]);
  });

  it("binary accuracy at p ∈ [0, 1] equals Keras 2.2.4's mean(equal(y, round(p))) (round half to even)", () => {
    const K = tk.backend;
    fc.assert(fc.property(
      fc.array(fc.tuple(fc.integer({ min: 0, max: 1 }), fc.oneof(fc.constant(0.5), fc.constant(0), fc.constant(1), fc.double({ min: 0, max: 1, noNaN: true }))), { minLength: 1, maxLength: 20 }),
      (pairs) => {
        const y = tk.tensor(pairs.map(([a]) => [a]));
        const pr = tk.tensor(pairs.map(([, b]) => [b]));
        const m = new M.BinaryAccuracy();
        m.update(y, pr);
        const legacy = K.mean(K.equal(y, K.round(pr))).item();
        return Math.abs(m.result() - legacy) < 1e-6; // legacy is a float32 mean
      },
    ), { numRuns: 200, seed: 7 });
  });

  it('categorical_accuracy: argmax(y) == argmax(p), one value per sample', () => {
    const y = [[0, 0, 1], [0, 1, 0], [1, 0, 0]];
    const p = [[0.1, 0.9, 0.8], [0.05, 0.95, 0], [0.4, 0.4, 0.2]]; // wrong, right, tie → first index: right
    const v = M.categoricalAccuracy(tk.tensor(y), tk.tensor(p));
    expect(v.shape).toEqual([3]);
    expect(Array.from(v.data)).toEqual([0, 1, 1]);
    expect(Array.from(v.data)).toEqual(values(tf.metrics.categoricalAccuracy(tf.tensor(y), tf.tensor(p))));
  });

  it('sparse_categorical_accuracy: the id equals argmax(p); labels [N] or [N, 1]', () => {
    const p = [[0.1, 0.6, 0.3], [0.05, 0.95, 0], [0.7, 0.2, 0.1]];
    expect(Array.from(M.sparseCategoricalAccuracy(tk.tensor([2, 1, 0]), tk.tensor(p)).data)).toEqual([0, 1, 1]);
    const col = M.sparseCategoricalAccuracy(tk.tensor([[2], [1], [0]]), tk.tensor(p));
    expect(col.shape).toEqual([3]);
    expect(Array.from(col.data)).toEqual([0, 1, 1]);
    expect(Array.from(col.data)).toEqual(values(tf.metrics.sparseCategoricalAccuracy(tf.tensor([[2], [1], [0]]), tf.tensor(p))));
  });

  it('accuracy (class Accuracy): exact equality', () => {
    expect(Array.from(M.accuracy(tk.tensor([1, 2, 3, 4]), tk.tensor([0, 2, 3, 4])).data)).toEqual([0, 1, 1, 1]);
    const m = new M.Accuracy();
    m.update(tk.tensor([[1], [2], [3], [4]]), tk.tensor([[0], [2], [3], [4]]));
    expect(m.result()).toBe(0.75);
    expect(m.name).toBe('accuracy');
    expect(m.direction).toBe('max');
  });
});

describe("'accuracy' / 'acc' resolved by shapes only (keras-facts §7.1)", () => {
  const sigmoid = tk.sigmoid(tk.randomNormal([6, 1], { seed: 1 }));
  const softmax = tk.softmax(tk.randomNormal([6, 10], { seed: 2 }));
  const ids = [3, 1, 4, 1, 5, 9];
  const table: [string, tk.TensorLike, tk.Tensor, new (...args: never[]) => tk.metrics.Metric][] = [
    ['sigmoid (N,1) with y (N,)', [1, 0, 1, 1, 0, 0], sigmoid, M.BinaryAccuracy],
    ['sigmoid (N,1) with y (N,1)', [[1], [0], [1], [1], [0], [0]], sigmoid, M.BinaryAccuracy],
    ['softmax (N,10) with y (N,)', ids, softmax, M.SparseCategoricalAccuracy],
    ['softmax (N,10) with y (N,1)', ids.map((i) => [i]), softmax, M.SparseCategoricalAccuracy],
    ['softmax (N,10) with one-hot y (N,10)', tk.oneHot(tk.tensor(ids), 10), softmax, M.CategoricalAccuracy],
  ];
  for (const [label, y, p, expected] of table) {
    it(`${label} → ${expected.name}`, () => {
      for (const name of ['accuracy', 'acc']) {
        const m = M.getMetric(name);
        expect(m).toBeInstanceOf(ShapeResolvedMetric);
        m.update(y, p);
        expect((m as ShapeResolvedMetric).resolved).toBeInstanceOf(expected);
        const direct = new expected();
        direct.update(y, p);
        expect(m.result()).toBe(direct.result());
        expect(m.name).toBe(name);
        expect(m.direction).toBe('max');
      }
    });
  }

  it("the metric is named by the exact string given: 'acc' stays 'acc' (the History key)", () => {
    expect(M.getMetric('acc').name).toBe('acc');
    expect(M.getMetric('accuracy').name).toBe('accuracy');
    expect(M.getMetric('Accuracy').name).toBe('Accuracy'); // resolved by shape too, as Keras (lower-cased check)
    const m = M.getMetric('acc');
    m.update([1, 0], [[0.9], [0.2]]);
    expect((m as ShapeResolvedMetric).resolved!.name).toBe('acc');
  });

  it('resolution happens once, at the first update', () => {
    const m = M.getMetric('accuracy') as ShapeResolvedMetric;
    expect(m.resolved).toBeNull();
    expect(m.result()).toBe(0);
    m.update([1, 0], [[0.9], [0.2]]);
    const first = m.resolved;
    m.reset();
    m.update([1, 0], [[0.9], [0.2]]);
    expect(m.resolved).toBe(first);
  });

  it("'crossentropy' / 'ce' resolve the same way", () => {
    const m = M.getMetric('ce') as ShapeResolvedMetric;
    m.update([1, 0], [[0.8], [0.3]]);
    expect(m.resolved).toBeInstanceOf(M.BinaryCrossentropy);
    expect(m.direction).toBe('min');
    const s = M.getMetric('crossentropy') as ShapeResolvedMetric;
    s.update([2, 0], [[0.1, 0.2, 0.7], [0.5, 0.25, 0.25]]);
    expect(s.resolved).toBeInstanceOf(M.SparseCategoricalCrossentropy);
    // (−ln 0.7 − ln 0.5)/2
    expectClose([s.result()], [(-Math.log(0.7) - Math.log(0.5)) / 2], { rtol: 1e-6 });
  });
});

describe('aggregation across batches (MeanMetricWrapper)', () => {
  it('batches of different sizes give the size-weighted mean (the epoch value)', () => {
    const m = M.getMetric('accuracy');
    // batch 1: 4 samples, 3 right;  batch 2: 2 samples, 0 right  →  3/6, not mean(0.75, 0) = 0.375
    m.update([2, 1, 0, 1], [[0, 0, 1], [0, 1, 0], [1, 0, 0], [1, 0, 0]]);
    m.update([0, 1], [[0, 1, 0], [0, 0, 1]]);
    expect(m.result()).toBe(0.5);
    m.reset();
    expect(m.result()).toBe(0);
  });

  it('sample weights: total += Σ v·w, count += Σ w', () => {
    const m = new M.BinaryAccuracy();
    // right, wrong, right with weights 1, 3, 0 → 1/4
    m.update([[1], [0], [1]], [[0.9], [0.8], [0.7]], [1, 3, 0]);
    expect(m.result()).toBe(0.25);
    // a second, unweighted batch of 2 right → (1 + 2)/(4 + 2)
    m.update([[1], [0]], [[0.9], [0.1]]);
    expect(m.result()).toBe(0.5);
  });

  it('updates never record on the tape', () => {
    let recording: boolean | null = null;
    const probe = new M.MeanMetricWrapper((t, q) => {
      recording = tk.isRecording();
      return t.sub(q).abs();
    }, { name: 'probe' });
    const p = tk.variable(tk.tensor([[0.5]]));
    probe.update([[1]], p.mul(2));
    expect(recording).toBe(false);
  });
});
