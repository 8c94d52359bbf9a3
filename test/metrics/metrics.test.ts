// The other metrics: the losses as metrics (values against the loss functions and TF.js), Mean
// (the loss tracker), getMetric's spellings, names and directions.

import { beforeAll, describe, expect, it } from 'vitest';
import * as tk from '../../src/index.js';
import { expectClose } from '../helpers/index.js';
import { setupTf, tf, values } from '../losses/tfjs.js';

const M = tk.metrics;
const L = tk.losses;

beforeAll(async () => {
  await setupTf();
});

/** The mean of TF.js per-sample values over two batches: what an epoch reports. */
function tfEpochMean(fn: (a: tf.Tensor, b: tf.Tensor) => tf.Tensor, batches: [number[][], number[][]][]): number {
  const all = batches.flatMap(([y, p]) => values(fn(tf.tensor(y), tf.tensor(p))));
  return all.reduce((s, v) => s + v, 0) / all.length;
}

describe('metrics over batches agree with TF.js per-sample values', () => {
  const b1: [number[][], number[][]] = [[[1, 2], [2, 4], [0.5, 1]], [[0.5, 2], [2, 1], [1, 1]]];
  const b2: [number[][], number[][]] = [[[3, 1]], [[2.5, 1.5]]];
  const cases: [string, tk.metrics.Metric, (a: tf.Tensor, b: tf.Tensor) => tf.Tensor][] = [
    ['mse', M.getMetric('mse'), tf.metrics.meanSquaredError],
    ['mae', M.getMetric('mae'), tf.metrics.meanAbsoluteError],
    ['mape', M.getMetric('mape'), tf.metrics.MAPE],
  ];
  for (const [name, metric, tfFn] of cases) {
    it(`${name}: the size-weighted mean of per-sample values`, () => {
      metric.update(b1[0], b1[1]);
      metric.update(b2[0], b2[1]);
      expectClose([metric.result()], [tfEpochMean(tfFn, [b1, b2])], { rtol: 1e-6 });
      expect(metric.direction).toBe('min');
      expect(metric.name).toBe(name);
    });
  }

  it('crossentropy metrics equal the mean of the loss functions (and TF.js)', () => {
    const y = [[0, 1, 0], [0, 0, 1]];
    const p = [[0.05, 0.95, 0], [0.1, 0.8, 0.1]];
    const cce = new M.CategoricalCrossentropy();
    cce.update(y, p);
    expectClose([cce.result()], [(-Math.log(0.95) - Math.log(0.1)) / 2], { rtol: 1e-6 });
    expectClose([cce.result()], [tfEpochMean(tf.metrics.categoricalCrossentropy, [[y, p]])], { rtol: 1e-6 });
    const bce = new M.BinaryCrossentropy();
    bce.update([[0, 1], [0, 0]], [[0.6, 0.4], [0.4, 0.6]]);
    expectClose([bce.result()], [tfEpochMean(tf.metrics.binaryCrossentropy, [[[[0, 1], [0, 0]], [[0.6, 0.4], [0.4, 0.6]]]])], { rtol: 1e-5 });
    const scce = new M.SparseCategoricalCrossentropy();
    scce.update([1, 2], p);
    expectClose([scce.result()], [cce.result()], { rtol: 1e-6 });
    expect([cce.name, bce.name, scce.name]).toEqual(['categorical_crossentropy', 'binary_crossentropy', 'sparse_categorical_crossentropy']);
    expect(cce.direction).toBe('min');
  });

  it('sparse crossentropy with ignoreClass leaves those samples out of the count', () => {
    const m = new M.SparseCategoricalCrossentropy({ fromLogits: true, ignoreClass: -1 });
    m.update([2, -1, 0], [[1, 2, 3], [0, 0, 0], [1, 1, 1]]);
    expectClose([m.result()], [(0.4076059644443806 + Math.log(3)) / 2], { rtol: 1e-6 });
  });

  it('the other loss metrics are the means of their loss functions', () => {
    const y = tk.tensor([[0, 1], [1, 0], [0, 1]]);
    const p = tk.tensor([[0.3, 0.7], [0.6, 0.4], [0.2, 0.9]]);
    const pairs: [tk.metrics.Metric, tk.Tensor][] = [
      [new M.KLDivergence(), L.klDivergence(y, p)],
      [new M.Poisson(), L.poisson(y, p)],
      [new M.Hinge(), L.hinge(y, p)],
      [new M.SquaredHinge(), L.squaredHinge(y, p)],
      [new M.CategoricalHinge(), L.categoricalHinge(y, p)],
      [new M.MeanSquaredLogarithmicError(), L.meanSquaredLogarithmicError(y, p)],
      [new M.LogCoshError(), L.logCosh(y, p)],
      [M.getMetric('huber'), L.huber(y, p)],
    ];
    for (const [metric, perSample] of pairs) {
      metric.update(y, p);
      expectClose([metric.result()], [perSample.mean().item()], { rtol: 1e-6 });
      expect(metric.direction).toBe('min');
    }
    expect(new M.LogCoshError().name).toBe('logcosh');
  });

  it('RootMeanSquaredError is √ of the mean squared error over every value seen', () => {
    const m = new M.RootMeanSquaredError();
    // squared errors 1, 0 | 0, 0 | then 4: mean over samples of per-sample means = (0.5 + 0 + 4)/3
    m.update([[0, 1], [1, 1]], [[1, 1], [1, 1]]);
    m.update([[0, 0]], [[2, 2]]);
    expectClose([m.result()], [Math.sqrt((0.5 + 0 + 4) / 3)]);
    expect(m.name).toBe('root_mean_squared_error');
  });

  it('CosineSimilarity (metric) is positive and larger is better, unlike the loss', () => {
    const m = new M.CosineSimilarity();
    m.update([[0, 1], [1, 1]], [[1, 0], [1, 1]]);
    expectClose([m.result()], [0.5], { rtol: 1e-6 });
    expect(m.direction).toBe('max');
    // TF.js's 'cosineProximity' is the negative one
    const neg = M.getMetric('cosineProximity');
    neg.update([[0, 1], [1, 1]], [[1, 0], [1, 1]]);
    expectClose([neg.result()], values(tf.mean(tf.metrics.cosineProximity(tf.tensor([[0, 1], [1, 1]]), tf.tensor([[1, 0], [1, 1]])))), { rtol: 1e-6 });
  });
});

describe('Mean: the loss tracker', () => {
  it('update(value, weight) with the batch size as weight gives Σ loss_b·n_b / Σ n_b', () => {
    const m = new M.Mean({ name: 'loss' });
    m.update(0.5, 32);
    m.update(0.2, 8);
    expect(m.result()).toBeCloseTo((0.5 * 32 + 0.2 * 8) / 40, 12);
    expect(m.name).toBe('loss');
    expect(m.direction).toBe('min');
  });

  it('tensors of values: each counts once (Keras: [1, 3, 5, 7] → 4; weights [1, 1, 0, 0] → 2)', () => {
    const m = new M.Mean();
    m.update(tk.tensor([1, 3, 5, 7]));
    expect(m.result()).toBe(4);
    m.reset();
    m.update([1, 3, 5, 7], [1, 1, 0, 0]);
    expect(m.result()).toBe(2);
    m.reset();
    expect(m.result()).toBe(0);
  });
});

describe('getMetric', () => {
  const y = [[0, 1], [1, 0]];
  const p = [[0.3, 0.7], [0.4, 0.6]];
  const spellings: [string[], new () => tk.metrics.Metric][] = [
    [['mean_squared_error', 'mse', 'MSE', 'meanSquaredError', 'MeanSquaredError'], M.MeanSquaredError],
    [['mean_absolute_error', 'mae', 'MAE', 'meanAbsoluteError', 'MeanAbsoluteError'], M.MeanAbsoluteError],
    [['mean_absolute_percentage_error', 'mape', 'MAPE', 'meanAbsolutePercentageError'], M.MeanAbsolutePercentageError],
    [['mean_squared_logarithmic_error', 'msle', 'MSLE', 'meanSquaredLogarithmicError'], M.MeanSquaredLogarithmicError],
    [['binary_accuracy', 'binaryAccuracy', 'BinaryAccuracy'], M.BinaryAccuracy],
    [['categorical_accuracy', 'categoricalAccuracy', 'CategoricalAccuracy'], M.CategoricalAccuracy],
    [['binary_crossentropy', 'bce', 'BCE', 'binaryCrossentropy', 'BinaryCrossentropy'], M.BinaryCrossentropy],
    [['categorical_crossentropy', 'categoricalCrossentropy', 'CategoricalCrossentropy'], M.CategoricalCrossentropy],
    [['kl_divergence', 'kld', 'KLD', 'kullbackLeiblerDivergence', 'KLDivergence'], M.KLDivergence],
    [['poisson', 'Poisson'], M.Poisson],
    [['hinge', 'Hinge'], M.Hinge],
    [['squared_hinge', 'squaredHinge'], M.SquaredHinge],
    [['categorical_hinge', 'categoricalHinge'], M.CategoricalHinge],
    [['cosine_similarity', 'cosineSimilarity', 'CosineSimilarity'], M.CosineSimilarity],
    [['log_cosh_error', 'logcosh', 'LogCoshError', 'log_cosh'], M.LogCoshError],
    [['root_mean_squared_error', 'rmse', 'RootMeanSquaredError'], M.RootMeanSquaredError],
  ];
  for (const [names, cls] of spellings) {
    it(`${names.join(' / ')} → ${cls.name}, named by the string`, () => {
      const reference = new cls();
      reference.update(y, p);
      for (const name of names) {
        const m = M.getMetric(name);
        expect(m).toBeInstanceOf(cls);
        expect(m.name).toBe(name);
        m.update(y, p);
        expect(m.result()).toBe(reference.result());
      }
    });
  }

  it('sparse_categorical_accuracy and sparse_categorical_crossentropy by name', () => {
    expect(M.getMetric('sparse_categorical_accuracy')).toBeInstanceOf(M.SparseCategoricalAccuracy);
    expect(M.getMetric('sparseCategoricalCrossentropy')).toBeInstanceOf(M.SparseCategoricalCrossentropy);
  });

  it('an instance is returned as it is; a function is averaged and named after itself', () => {
    const m = new M.BinaryAccuracy({ threshold: 0.7, name: 'acc70' });
    expect(M.getMetric(m)).toBe(m);
    const maxError = M.getMetric(function maxError(t: tk.Tensor, q: tk.Tensor) { return t.sub(q).abs().max(-1); });
    expect(maxError.name).toBe('maxError');
    maxError.update([[0, 1], [0, 0]], [[0.5, 3], [1, 0]]);
    expect(maxError.result()).toBe(1.5); // (2 + 1)/2
    expect(maxError.direction).toBe('min');
    // the library's functions get their Keras names and directions
    expect(M.getMetric(M.binaryAccuracy).name).toBe('binary_accuracy');
    expect(M.getMetric(M.binaryAccuracy).direction).toBe('max');
    expect(M.getMetric(L.meanSquaredError).name).toBe('mean_squared_error');
    expect(M.getMetric(L.meanSquaredError).direction).toBe('min');
    // a custom function named like an accuracy is taken as 'max'
    expect(M.getMetric(function myAccuracy(t: tk.Tensor, q: tk.Tensor) { return t.equal(q); }).direction).toBe('max');
  });

  it('an unknown name is an error that suggests the nearest', () => {
    expect(() => M.getMetric('accuarcy')).toThrow("Unknown metric 'accuarcy'. Did you mean 'accuracy'? Valid names: accuracy, acc, ");
    expect(() => M.getMetric('msee')).toThrow(/Did you mean 'mse'\?/);
    expect(() => M.getMetric(null as never)).toThrow(/getMetric: expected a metric name/);
  });

  it('every name in METRIC_NAMES resolves', () => {
    for (const name of M.METRIC_NAMES) expect(M.getMetric(name)).toBeInstanceOf(M.Metric);
  });
});
