// Crossentropies: hand values, TF.js where it agrees with Keras, fromLogits, label smoothing, the
// fused logits path for softmax/sigmoid outputs (stable at ±100 and ±1e4, gradient exactly p − y),
// ignoreClass, and the label errors.

import { beforeAll, describe, expect, it } from 'vitest';
import * as tk from '../../src/index.js';
import { expectClose } from '../helpers/index.js';
import { setupTf, tf, tfjsLayersLoss, values } from './tfjs.js';

const L = tk.losses;
const EPS = 1e-7;
const CLIPPED = -Math.log(EPS); // 16.118: the clipped probability path's ceiling per element

beforeAll(async () => {
  await setupTf();
});

describe('binary_crossentropy', () => {
  const y = [[0, 1], [0, 0]];
  const p = [[0.6, 0.4], [0.4, 0.6]];

  it('from probabilities: mean(−(y·log p + (1−y)·log(1−p)))', () => {
    // row 0: −(ln 0.4 + ln 0.4)/2 = 0.9162907;  row 1: −(ln 0.6 + ln 0.4)/2 = 0.7135582  (Keras docstring: [0.916, 0.714])
    const v = L.binaryCrossentropy(tk.tensor(y), tk.tensor(p));
    expectClose(v.data, [-Math.log(0.4), -(Math.log(0.6) + Math.log(0.4)) / 2], { rtol: 1e-6 });
    // TF.js layers clips then takes log(p/(1−p)) into the logits formula: the same function
    expectClose(v.data, values(tf.metrics.binaryCrossentropy(tf.tensor(y), tf.tensor(p))), { rtol: 1e-5 });
  });

  it('clips p to [ε, 1−ε]: p = 0 or 1 gives −log ε per element, never Infinity', () => {
    // y = [1, 0], p = [0, 1]: −log(ε) = 16.118 and −log(1 − fround(1 − ε)) = −log(1.1920929e-7) = 15.942
    // (in float32, 1 − 1e-7 rounds to 0.99999988, as in TensorFlow)
    const v = L.binaryCrossentropy(tk.tensor([[1, 0]]), tk.tensor([[0, 1]])).data[0]!;
    expectClose([v], [(-Math.log(Math.fround(EPS)) - Math.log(1 - Math.fround(1 - EPS))) / 2], { rtol: 1e-6 });
    expect(Number.isFinite(v)).toBe(true);
  });

  it('fromLogits: the stable max(x,0) − x·y + log(1 + e^−|x|)', () => {
    // y = [[0,1],[1,0]], x = [[0,2],[−1,3]]: row 0: (ln 2 + log1p(e⁻²))/2 = 0.4100376
    // row 1: (1 + log1p(e⁻¹) + 3 + log1p(e⁻³))/2 = 2.1809245
    const x = [[0, 2], [-1, 3]];
    const v = L.binaryCrossentropy(tk.tensor([[0, 1], [1, 0]]), tk.tensor(x), { fromLogits: true });
    expectClose(v.data, [0.4100375958014589, 2.1809245195459823]);
    const tfElementwise = tf.losses.sigmoidCrossEntropy(tf.tensor([[0, 1], [1, 0]]), tf.tensor(x), undefined, 0, tf.Reduction.NONE);
    expectClose(v.data, values(tf.mean(tfElementwise, -1)));
  });

  it('labelSmoothing: y ← y·(1 − ls) + ls/2', () => {
    // ls = 0.2: y = [[0.1, 0.9], [0.1, 0.1]]: row 0 = 0.8757442, row 1 = 0.7135582 (symmetric labels)
    const v = L.binaryCrossentropy(tk.tensor(y), tk.tensor(p), { labelSmoothing: 0.2 });
    expectClose(v.data, [0.8757442210633385, 0.7135581778200728], { rtol: 1e-6 });
    const x = [[0.5, -1], [2, 0]];
    const fromLogits = L.binaryCrossentropy(tk.tensor(y), tk.tensor(x), { fromLogits: true, labelSmoothing: 0.2 });
    const tfSmoothed = tf.losses.sigmoidCrossEntropy(tf.tensor(y), tf.tensor(x), undefined, 0.2, tf.Reduction.NONE);
    expectClose(fromLogits.data, values(tf.mean(tfSmoothed, -1)), { rtol: 1e-6 });
  });

  it('averages over `axis`', () => {
    const v = L.binaryCrossentropy(tk.tensor(y), tk.tensor(p), { axis: 0 });
    // column 0: −(ln 0.4 + ln 0.6)/2;  column 1: −(ln 0.4 + ln 0.4)/2
    expectClose(v.data, [-(Math.log(0.4) + Math.log(0.6)) / 2, -Math.log(0.4)], { rtol: 1e-6 });
  });

  it('labels [N] against a sigmoid output [N, 1] are aligned (a trailing 1 added)', () => {
    const a = L.getLoss('binary_crossentropy').compute(tk.tensor([1, 0]), tk.tensor([[0.8], [0.3]])).item();
    // (−ln 0.8 − ln 0.7)/2
    expectClose([a], [(-Math.log(0.8) - Math.log(0.7)) / 2], { rtol: 1e-6 });
  });
});

describe('categorical_crossentropy', () => {
  const y = [[0, 1, 0], [0, 0, 1]];
  const p = [[0.05, 0.95, 0], [0.1, 0.8, 0.1]];

  it('from probabilities: −Σ y·log p (renormalised, clipped)', () => {
    // row 0: −ln 0.95 = 0.0512933;  row 1: −ln 0.1 = 2.3025851  (Keras docstring: [0.0513, 2.303])
    const v = L.categoricalCrossentropy(tk.tensor(y), tk.tensor(p));
    expectClose(v.data, [-Math.log(0.95), -Math.log(0.1)], { rtol: 1e-6 });
    expectClose(v.data, values(tf.metrics.categoricalCrossentropy(tf.tensor(y), tf.tensor(p))), { rtol: 1e-6 });
    // not summing to 1: renormalised. p = [1, 3] → [0.25, 0.75]; y = [0, 1] → −ln 0.75
    expectClose(L.categoricalCrossentropy(tk.tensor([[0, 1]]), tk.tensor([[1, 3]])).data, [-Math.log(0.75)], { rtol: 1e-6 });
  });

  it('fromLogits: −Σ y·logSoftmax(x)', () => {
    // x = [1, 2, 3], y = [0, 0, 1]: lse − 3 = 0.4076060;  x = [1, 1, 1], y = [1, 0, 0]: ln 3
    const x = [[1, 2, 3], [1, 1, 1]];
    const yl = [[0, 0, 1], [1, 0, 0]];
    const v = L.categoricalCrossentropy(tk.tensor(yl), tk.tensor(x), { fromLogits: true });
    expectClose(v.data, [0.4076059644443806, Math.log(3)], { rtol: 1e-6 });
    expectClose(v.data, values(tf.losses.softmaxCrossEntropy(tf.tensor(yl), tf.tensor(x), undefined, 0, tf.Reduction.NONE)), { rtol: 1e-6 });
  });

  it('labelSmoothing: y ← y·(1 − ls) + ls/C', () => {
    // ls = 0.1, C = 3: y = [[0.0333, 0.9333, 0.0333], ...]; the 0 probability is clipped to ε:
    // row 0 = 0.6850013, row 1 = 2.2332704
    const v = L.categoricalCrossentropy(tk.tensor(y), tk.tensor(p), { labelSmoothing: 0.1 });
    expectClose(v.data, [0.6850013389121242, 2.233270374938051], { rtol: 1e-5 });
    // from logits, against TF.js's softmaxCrossEntropy with the same smoothing: [0.5076060, ln 3]
    const x = [[1, 2, 3], [1, 1, 1]];
    const yl = [[0, 0, 1], [1, 0, 0]];
    const s = L.categoricalCrossentropy(tk.tensor(yl), tk.tensor(x), { fromLogits: true, labelSmoothing: 0.1 });
    expectClose(s.data, [0.5076059644443806, Math.log(3)], { rtol: 1e-6 });
    expectClose(s.data, values(tf.losses.softmaxCrossEntropy(tf.tensor(yl), tf.tensor(x), undefined, 0.1, tf.Reduction.NONE)), { rtol: 1e-6 });
  });

  it('the class axis can be any axis', () => {
    const x = tk.randomNormal([2, 3, 4], { seed: 1 });
    const yy = tk.softmax(tk.randomNormal([2, 3, 4], { seed: 2 }), 1);
    const alongOne = L.categoricalCrossentropy(yy, x, { fromLogits: true, axis: 1 });
    const moved = L.categoricalCrossentropy(yy.transpose([0, 2, 1]), x.transpose([0, 2, 1]), { fromLogits: true });
    expect(alongOne.shape).toEqual([2, 4]);
    expectClose(alongOne.data, moved.data, { rtol: 1e-6 });
  });
});

describe('sparse_categorical_crossentropy', () => {
  const p = [[0.05, 0.95, 0], [0.1, 0.8, 0.1]];

  it('labels [N] or [N, 1]: −log p[id]', () => {
    // ids [1, 2]: −ln 0.95, −ln 0.1
    const expected = [-Math.log(0.95), -Math.log(0.1)];
    expectClose(L.sparseCategoricalCrossentropy(tk.tensor([1, 2]), tk.tensor(p)).data, expected, { rtol: 1e-6 });
    expectClose(L.sparseCategoricalCrossentropy(tk.tensor([[1], [2]]), tk.tensor(p)).data, expected, { rtol: 1e-6 });
    expectClose(L.getLoss('sparse_categorical_crossentropy').call(tk.tensor([1, 2]), tk.tensor(p)).data, expected, { rtol: 1e-6 });
    expectClose(expected, values(tfjsLayersLoss('sparseCategoricalCrossentropy')(tf.tensor([[1], [2]]), tf.tensor(p))), { rtol: 1e-6 });
  });

  it('from probabilities: clipped, then renormalised (−log(p_id/Σp), as Keras on TensorFlow)', () => {
    // p = [0, 1, 3]: clip → [1e-7, 1−1e-7, 1−1e-7]; id 2: −ln((1−1e-7)/(2 − 2e-7 + 1e-7)) ≈ ln 2
    const v = L.sparseCategoricalCrossentropy(tk.tensor([2]), tk.tensor([[0, 1, 3]])).data[0]!;
    expectClose([v], [Math.log(2)], { rtol: 1e-5 });
  });

  it('fromLogits: −logSoftmax(x)[id]', () => {
    // x = [1, 2, 3], id 2 → 0.4076060;  x = [1, 1, 1], id 0 → ln 3
    const v = L.sparseCategoricalCrossentropy(tk.tensor([2, 0]), tk.tensor([[1, 2, 3], [1, 1, 1]]), { fromLogits: true });
    expectClose(v.data, [0.4076059644443806, Math.log(3)], { rtol: 1e-6 });
    // TF.js's tf.losses.softmaxCrossEntropy on the one-hot labels agrees (tfjs-layers'
    // sparseCategoricalCrossentropy with fromLogits clips the LOGITS to [ε, 1−ε] first: not Keras)
    expectClose(v.data, values(tf.losses.softmaxCrossEntropy(tf.oneHot(tf.tensor1d([2, 0], 'int32'), 3), tf.tensor([[1, 2, 3], [1, 1, 1]]), undefined, 0, tf.Reduction.NONE)), { rtol: 1e-6 });
  });

  it('ignoreClass: those samples give 0 and are left out of the mean', () => {
    const scce = new L.SparseCategoricalCrossentropy({ fromLogits: true, ignoreClass: -1 });
    const x = tk.tensor([[1, 2, 3], [0, 0, 0], [1, 1, 1]]);
    const ids = tk.tensor([2, -1, 0]);
    // per sample: [0.4076060, 0, ln 3]; mean over the 2 valid samples, not 3
    expectClose(scce.call(ids, x).data, [0.4076059644443806, 0, Math.log(3)], { rtol: 1e-6 });
    expectClose([scce.compute(ids, x).item()], [(0.4076059644443806 + Math.log(3)) / 2], { rtol: 1e-6 });
    // 'sum' adds the valid ones; 'mean_with_sample_weight' divides by Σ(w·mask)
    const sum = new L.SparseCategoricalCrossentropy({ fromLogits: true, ignoreClass: -1, reduction: 'sum' });
    expectClose([sum.compute(ids, x).item()], [0.4076059644443806 + Math.log(3)], { rtol: 1e-6 });
    const mws = new L.SparseCategoricalCrossentropy({ fromLogits: true, ignoreClass: -1, reduction: 'mean_with_sample_weight' });
    // weights [2, 5, 1]: (2·0.4076 + 1·ln 3) / (2 + 1)
    expectClose([mws.compute(ids, x, [2, 5, 1]).item()], [(2 * 0.4076059644443806 + Math.log(3)) / 3], { rtol: 1e-6 });
    // the ignored sample gets no gradient
    const g = tk.grad((t) => scce.compute(ids, t))(x);
    expectClose(Array.from(g.data.slice(3, 6)), [0, 0, 0]);
  });
});

describe('softmax / sigmoid outputs use the fused logits path (Keras on TensorFlow)', () => {
  for (const scale of [100, 1e4]) {
    it(`softmax + categorical_crossentropy at logits ±${scale}: finite, gradient p − y`, () => {
      const logits = tk.tensor([[scale, -scale, 0], [0, 0, scale], [-scale, scale, 1]]);
      const y = tk.tensor([[0, 1, 0], [1, 0, 0], [0, 1, 0]]); // rows 0 and 1 confidently wrong
      const loss = L.getLoss('categorical_crossentropy');
      const value = loss.compute(y, tk.softmax(logits)).item();
      // row 0: lse − (−s) = 2s;  row 1: lse − 0 = s;  row 2: ≈ e^(1−s) → 0
      expectClose([value], [(2 * scale + scale) / 3], { rtol: 1e-6 });
      const g = tk.grad((x) => loss.compute(y, tk.softmax(x)))(logits);
      const p = tk.softmax(logits);
      const expected = Array.from(p.data, (v, i) => (v - y.data[i]!) / 3);
      expect(g.data.every(Number.isFinite)).toBe(true);
      expectClose(g.data, expected, { atol: 1e-7 });
    });

    it(`softmax + sparse_categorical_crossentropy at logits ±${scale}`, () => {
      const logits = tk.tensor([[scale, -scale, 0], [0, 0, scale]]);
      const ids = tk.tensor([1, 0]);
      const loss = L.getLoss('sparse_categorical_crossentropy');
      expectClose([loss.compute(ids, tk.softmax(logits)).item()], [(2 * scale + scale) / 2], { rtol: 1e-6 });
      const g = tk.grad((x) => loss.compute(ids, tk.softmax(x)))(logits);
      const p = tk.softmax(logits).data;
      const oneHot = [0, 1, 0, 1, 0, 0];
      expectClose(g.data, Array.from(p, (v, i) => (v - oneHot[i]!) / 2), { atol: 1e-7 });
    });

    it(`sigmoid + binary_crossentropy at logits ±${scale}: finite, gradient σ(x) − y`, () => {
      const logits = tk.tensor([[scale], [-scale], [scale], [0.5]]);
      const y = tk.tensor([[0], [1], [1], [0]]);
      const loss = L.getLoss('binary_crossentropy');
      // confidently wrong rows cost s each; the right one ~0; x = 0.5, y = 0: 0.5 + log1p(e^−0.5)
      expectClose([loss.compute(y, tk.sigmoid(logits)).item()], [(2 * scale + 0.5 + Math.log1p(Math.exp(-0.5))) / 4], { rtol: 1e-6 });
      const g = tk.grad((x) => loss.compute(y, tk.sigmoid(x)))(logits);
      const s = tk.sigmoid(logits).data;
      expectClose(g.data, Array.from(s, (v, i) => (v - y.data[i]!) / 4), { atol: 1e-7 });
    });
  }

  it('the plain probability path (e.g. a detached softmax) is clipped instead: Keras on other backends', () => {
    const logits = tk.tensor([[1e4, -1e4]]);
    const y = tk.tensor([[0, 1]]);
    const fused = L.categoricalCrossentropy(y, tk.softmax(logits)).item();
    const clipped = L.categoricalCrossentropy(y, tk.softmax(logits).detach()).item();
    expectClose([fused], [2e4], { rtol: 1e-6 });
    expect(clipped).toBeCloseTo(CLIPPED, 4);
  });

  it('a softmax along another axis is not taken for the class axis', () => {
    const x = tk.tensor([[1, 2], [3, 5]]);
    const pAxis0 = tk.softmax(x, 0);
    const y = tk.tensor([[0, 1], [1, 0]]);
    // probability path: renormalise each row of pAxis0 then −Σ y·log
    const rows = (pAxis0.toArray() as number[][]).map((r) => r.map((v) => v / (r[0]! + r[1]!)));
    const expected = [-Math.log(rows[0]![1]!), -Math.log(rows[1]![0]!)];
    expectClose(L.categoricalCrossentropy(y, pAxis0).data, expected, { rtol: 1e-5 });
  });

  it('fromLogits: true on a softmax output uses the softmax input (and warns once), as Keras', () => {
    const x = tk.tensor([[1, 2, 3]]);
    const y = tk.tensor([[0, 0, 1]]);
    const v = L.categoricalCrossentropy(y, tk.softmax(x), { fromLogits: true });
    expectClose(v.data, [0.4076059644443806], { rtol: 1e-6 });
  });
});

describe('label errors name the loss and the fix', () => {
  it('categorical_crossentropy given integer ids suggests sparse_categorical_crossentropy', () => {
    const p = tk.softmax(tk.randomNormal([4, 10], { seed: 1 }));
    for (const y of [tk.tensor([1, 2, 3, 4]), tk.tensor([[1], [2], [3], [4]])]) {
      expect(() => L.getLoss('categorical_crossentropy').compute(y, p)).toThrow(/categorical_crossentropy.*\[4(,1)?\].*\[4,10\].*'sparse_categorical_crossentropy'/);
    }
    expect(() => new L.CategoricalCrossentropy().compute(tk.tensor([1, 2, 3, 4]), p)).toThrow(/sparse_categorical_crossentropy/);
  });

  it('binary_crossentropy given integer ids for a softmax suggests sparse_categorical_crossentropy', () => {
    expect(() => L.binaryCrossentropy(tk.tensor([1, 2]), tk.tensor([[0.2, 0.3, 0.5], [0.1, 0.1, 0.8]]))).toThrow(/binary_crossentropy.*'sparse_categorical_crossentropy'/);
  });

  it('sparse_categorical_crossentropy given one-hot labels suggests categorical_crossentropy', () => {
    const p = tk.softmax(tk.randomNormal([3, 4], { seed: 2 }));
    const oneHot = tk.oneHot(tk.tensor([0, 3, 1]), 4);
    expect(() => L.getLoss('sparse_categorical_crossentropy').compute(oneHot, p)).toThrow(/sparse_categorical_crossentropy.*\[3,4\].*one-hot.*'categorical_crossentropy'/);
  });

  it('sparse labels out of range or not integers name the bad value', () => {
    const p = tk.softmax(tk.randomNormal([3, 4], { seed: 3 }));
    expect(() => L.sparseCategoricalCrossentropy(tk.tensor([0, 4, 1]), p)).toThrow(/sparse_categorical_crossentropy: label 4 \(at position 1\).*\[0, 4\)/);
    expect(() => L.sparseCategoricalCrossentropy(tk.tensor([0, -1, 1]), p)).toThrow(/label -1 \(at position 1\)/);
    expect(() => L.sparseCategoricalCrossentropy(tk.tensor([0.5, 1, 1]), p)).toThrow(/label 0.5 \(at position 0\) is not an integer/);
  });

  it('shapes that do not fit name both shapes', () => {
    expect(() => L.categoricalCrossentropy(tk.zeros([2, 3]), tk.zeros([2, 4]))).toThrow(/categorical_crossentropy.*\[2,3\].*\[2,4\]/);
    expect(() => L.binaryCrossentropy(tk.zeros([2, 3]), tk.zeros([3, 3]))).toThrow(/binary_crossentropy.*\[2,3\].*\[3,3\]/);
    expect(() => L.sparseCategoricalCrossentropy(tk.zeros([3]), tk.zeros([2, 4]))).toThrow(/sparse_categorical_crossentropy.*\[3\].*\[2,4\]/);
    expect(() => L.meanSquaredError(tk.zeros([2, 3]), tk.zeros([2, 4]))).toThrow('mean_squared_error: labels of shape [2,3] and predictions of shape [2,4] do not broadcast');
    expect(() => L.getLoss('kld').compute(tk.zeros([2, 3]), tk.zeros([3, 3]))).toThrow(/kl_divergence: labels of shape \[2,3\] and predictions of shape \[3,3\]/);
    expect(() => new L.Hinge().compute(tk.zeros([5]), tk.zeros([4]))).toThrow(/hinge: .*\[5\].*\[4\]/);
  });

  it('a bad labelSmoothing is refused', () => {
    expect(() => new L.CategoricalCrossentropy({ labelSmoothing: 2 })).toThrow(/labelSmoothing must be a number in \[0, 1\], got 2/);
  });
});
