// The reduction pipeline of keras-facts §5.1: per-sample values × sample weights, then
// 'sum_over_batch_size' (÷ number of values, NOT Σw), 'sum', 'mean', 'mean_with_sample_weight'
// (÷ Σw), 'none'; rank alignment of labels and of weights.

import { beforeAll, describe, expect, it } from 'vitest';
import * as tk from '../../src/index.js';
import { expectClose } from '../helpers/index.js';
import { setupTf, tf, values } from './tfjs.js';

const L = tk.losses;

beforeAll(async () => {
  await setupTf();
});

// mse per sample: y = [[1, 2], [2, 4]], p = [[0.5, 2], [2, 1]] → [0.125, 4.5]
const y = [[1, 2], [2, 4]];
const p = [[0.5, 2], [2, 1]];
const w = [3, 1];
// Σ v·w = 0.375 + 4.5 = 4.875

describe('Loss.compute reductions', () => {
  it('sum_over_batch_size (default) divides by the number of values', () => {
    expectClose([new L.MeanSquaredError().compute(y, p).item()], [(0.125 + 4.5) / 2]);
    expectClose([new L.MeanSquaredError().compute(y, p, w).item()], [4.875 / 2]); // not 4.875 / 4
    expect(new L.MeanSquaredError().reduction).toBe('sum_over_batch_size');
  });

  it("'mean' is sum_over_batch_size; 'sum' is Σ v·w; 'mean_with_sample_weight' divides by Σw", () => {
    expectClose([new L.MeanSquaredError({ reduction: 'mean' }).compute(y, p, w).item()], [4.875 / 2]);
    expectClose([new L.MeanSquaredError({ reduction: 'sum' }).compute(y, p, w).item()], [4.875]);
    expectClose([new L.MeanSquaredError({ reduction: 'mean_with_sample_weight' }).compute(y, p, w).item()], [4.875 / 4]);
    // without weights, mean_with_sample_weight is the plain mean
    expectClose([new L.MeanSquaredError({ reduction: 'mean_with_sample_weight' }).compute(y, p).item()], [(0.125 + 4.5) / 2]);
  });

  it("'none' (or null) returns the weighted per-sample values", () => {
    const none = new L.MeanSquaredError({ reduction: 'none' }).compute(y, p, w);
    expect(none.shape).toEqual([2]);
    expectClose(none.data, [0.375, 4.5]);
    expect(new L.MeanSquaredError({ reduction: null }).reduction).toBe('none');
  });

  it('agrees with tf.losses when every weight is nonzero (weights [N,1] against elementwise losses)', () => {
    const yt = tf.tensor(y);
    const pt = tf.tensor(p);
    const wt = tf.tensor([[3], [1]]);
    const C = 2; // TF.js's SUM adds elements; Keras's 'sum' adds per-sample means
    expectClose([new L.MeanSquaredError().compute(y, p, w).item()], values(tf.losses.meanSquaredError(yt, pt, wt, tf.Reduction.SUM_BY_NONZERO_WEIGHTS)));
    expectClose([new L.MeanSquaredError({ reduction: 'sum' }).compute(y, p, w).item() * C], values(tf.losses.meanSquaredError(yt, pt, wt, tf.Reduction.SUM)));
    expectClose([new L.MeanSquaredError({ reduction: 'mean_with_sample_weight' }).compute(y, p, w).item()], values(tf.losses.meanSquaredError(yt, pt, wt, tf.Reduction.MEAN)));
    const tfNone = tf.mean(tf.losses.meanSquaredError(yt, pt, wt, tf.Reduction.NONE), -1);
    expectClose(new L.MeanSquaredError({ reduction: 'none' }).compute(y, p, w).data, values(tfNone));
    // MAE and softmax crossentropy likewise
    expectClose([new L.MeanAbsoluteError().compute(y, p, w).item()], values(tf.losses.absoluteDifference(yt, pt, wt)));
    const x = [[1, 2, 3], [0, 1, 0]];
    const oh = [[0, 0, 1], [1, 0, 0]];
    expectClose([new L.CategoricalCrossentropy({ fromLogits: true }).compute(oh, x, w).item()], values(tf.losses.softmaxCrossEntropy(tf.tensor(oh), tf.tensor(x), tf.tensor(w))), { rtol: 1e-6 });
  });

  it('differs from tf.losses with a zero weight: Keras divides by N, TF.js by the nonzero count', () => {
    // weights [2, 0]: Keras: (0.125·2 + 0)/2 = 0.125;  TF.js SUM_BY_NONZERO_WEIGHTS: 0.25/1 = 0.25
    expectClose([new L.MeanSquaredError().compute(y, p, [2, 0]).item()], [0.125]);
    expectClose(values(tf.losses.meanSquaredError(tf.tensor(y), tf.tensor(p), tf.tensor([[2], [0]]))), [0.25]);
  });

  it('Σw = 0 with mean_with_sample_weight gives 0 (divide-no-nan)', () => {
    expect(new L.MeanSquaredError({ reduction: 'mean_with_sample_weight' }).compute(y, p, [0, 0]).item()).toBe(0);
  });

  it('weights [N, 1] or a scalar fit per-sample values [N]', () => {
    expectClose([new L.MeanSquaredError().compute(y, p, [[3], [1]]).item()], [4.875 / 2]);
    expectClose([new L.MeanSquaredError().compute(y, p, 2).item()], [(0.125 + 4.5)]);
  });

  it('values with more than one axis: the divisor counts them all; weights [N] weigh whole samples', () => {
    // y, p of shape [2, 2, 1]: per-sample values [2, 2] = (p − y)² elementwise
    const y3 = tk.tensor([[[1], [2]], [[2], [4]]]);
    const p3 = tk.tensor([[[0.5], [2]], [[2], [1]]]);
    const mse = new L.MeanSquaredError();
    expect(mse.call(y3, p3).shape).toEqual([2, 2]);
    // (0.25 + 0 + 0 + 9)/4
    expectClose([mse.compute(y3, p3).item()], [9.25 / 4]);
    // weights [2, 1] → [[2], [1]] (one per sample): (0.5 + 0 + 0 + 9)/4
    expectClose([mse.compute(y3, p3, [2, 1]).item()], [9.5 / 4]);
    expect(() => mse.compute(y3, p3, [1, 2, 3])).toThrow(/sample weights of shape \[3\].*\[2,2\]/);
  });

  it('a scalar per-sample value is returned as it is', () => {
    // rank-1 inputs: mse averages the only axis → a scalar, which no reduction changes
    expectClose([new L.MeanSquaredError({ reduction: 'sum' }).compute([1, 2], [1, 4]).item()], [2]);
    expect(new L.MeanSquaredError({ reduction: 'none' }).compute([1, 2], [1, 4]).shape).toEqual([]);
  });

  it('labels [N] against predictions [N, 1] are aligned, not broadcast to [N, N]', () => {
    const v = new L.MeanSquaredError({ reduction: 'none' }).compute([1, 2, 3], [[1], [2], [5]]);
    expect(v.shape).toEqual([3]);
    expectClose(v.data, [0, 0, 4]);
    // and the other way round
    expectClose(new L.MeanSquaredError({ reduction: 'none' }).compute([[1], [2], [3]], [1, 2, 5]).data, [0, 0, 4]);
  });

  it('an invalid reduction is refused, listing the valid ones', () => {
    expect(() => new L.MeanSquaredError({ reduction: 'avg' as never })).toThrow(/invalid reduction 'avg'.*'sum_over_batch_size'.*'mean_with_sample_weight'/);
  });

  it('the weighted loss is differentiable w.r.t. yPred', () => {
    const yT = tk.randomUniform([4, 3], { seed: 1 });
    const pT = tk.randomUniform([4, 3], { seed: 2 });
    for (const reduction of ['sum_over_batch_size', 'sum', 'mean_with_sample_weight', 'none'] as const) {
      const loss = new L.Huber({ reduction, delta: 0.2 });
      expect(tk.checkGradients((q) => loss.compute(yT, q, [1, 2, 0.5, 0]), [pT])).toBeLessThan(2e-3);
    }
  });
});

describe('the Loss base class', () => {
  it('a subclass implements call; its default name is the snake_case class name', () => {
    class MyAbsoluteLoss extends L.Loss {
      call(t: tk.Tensor, q: tk.Tensor): tk.Tensor {
        return t.sub(q).abs().sum(-1);
      }
    }
    const loss = new MyAbsoluteLoss();
    expect(loss.name).toMatch(/^my_absolute_loss(_\d+)?$/);
    // |1 − 0| + |2 − 4| = 3 and 0: mean 1.5
    expectClose([loss.compute([[1, 2], [0, 0]], [[0, 4], [0, 0]]).item()], [1.5]);
    expect(new MyAbsoluteLoss({ name: 'l1', reduction: 'sum' }).getConfig()).toEqual({ name: 'l1', reduction: 'sum' });
  });

  it('LossFunctionWrapper aligns ranks, names itself after the function, and checks the result type', () => {
    const l1 = new L.LossFunctionWrapper(function l1Loss(t, q) { return t.sub(q).abs().sum(-1); });
    expect(l1.name).toBe('l1Loss');
    expectClose([l1.compute([1, 2], [[0], [4]]).item()], [1.5]);
    const bad = new L.LossFunctionWrapper((() => 3) as never, { name: 'bad' });
    expect(() => bad.compute([1], [1])).toThrow(/loss 'bad'.*must return a Tensor/);
  });

  it('getConfig holds the options in Keras spelling', () => {
    expect(new L.CategoricalCrossentropy({ fromLogits: true, labelSmoothing: 0.1 }).getConfig()).toEqual({
      name: 'categorical_crossentropy', reduction: 'sum_over_batch_size', from_logits: true, label_smoothing: 0.1, axis: -1,
    });
    expect(new L.SparseCategoricalCrossentropy({ ignoreClass: 255 }).getConfig()).toMatchObject({ ignore_class: 255 });
    expect(new L.Huber({ delta: 2, name: 'h' }).getConfig()).toEqual({ name: 'h', reduction: 'sum_over_batch_size', delta: 2 });
  });

  it('losses are recorded on the tape only when yPred requires a gradient', () => {
    const pv = tk.variable(tk.tensor([[0.2, 0.8]]));
    expect(new L.MeanSquaredError().compute([[0, 1]], pv).requiresGrad).toBe(true);
    expect(new L.MeanSquaredError().compute([[0, 1]], [[0.2, 0.8]]).requiresGrad).toBe(false);
  });
});
