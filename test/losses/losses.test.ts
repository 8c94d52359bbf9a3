// Every loss of keras-facts §5.2: hand-derived per-sample values (formula beside the numbers),
// the same numbers from TF.js where TF.js computes what Keras computes, and a finite-difference
// check of the gradient with respect to yPred.

import { beforeAll, describe, expect, it } from 'vitest';
import * as tk from '../../src/index.js';
import { expectClose } from '../helpers/index.js';
import { setupTf, tf, tfjsLayersLoss, values } from './tfjs.js';

const L = tk.losses;
const EPS = 1e-7;

beforeAll(async () => {
  await setupTf();
});

// Regression fixture: y = [[1, 2], [2, 4]], p = [[0.5, 2], [2, 1]]  (errors p − y: [[−0.5, 0], [0, −3]])
const yR = [[1, 2], [2, 4]];
const pR = [[0.5, 2], [2, 1]];

function perSample(fn: (t: tk.Tensor, p: tk.Tensor) => tk.Tensor, y: number[][], p: number[][]): number[] {
  const out = fn(tk.tensor(y), tk.tensor(p));
  expect(out.shape).toEqual([y.length]);
  return Array.from(out.data);
}

describe('regression losses', () => {
  it('mean_squared_error = mean((y − p)²)', () => {
    // row 0: (0.25 + 0)/2 = 0.125;  row 1: (0 + 9)/2 = 4.5
    const v = perSample(L.meanSquaredError, yR, pR);
    expectClose(v, [0.125, 4.5]);
    expectClose(v, values(tf.metrics.meanSquaredError(tf.tensor(yR), tf.tensor(pR))));
    expect(L.mse).toBe(L.meanSquaredError);
  });

  it('mean_absolute_error = mean(|y − p|)', () => {
    // row 0: (0.5 + 0)/2 = 0.25;  row 1: (0 + 3)/2 = 1.5
    const v = perSample(L.meanAbsoluteError, yR, pR);
    expectClose(v, [0.25, 1.5]);
    expectClose(v, values(tf.metrics.meanAbsoluteError(tf.tensor(yR), tf.tensor(pR))));
  });

  it('mean_absolute_percentage_error = 100·mean(|y − p| / max(|y|, ε))', () => {
    // row 0: 100·(0.5/1 + 0/2)/2 = 25;  row 1: 100·(0/2 + 3/4)/2 = 37.5
    const v = perSample(L.meanAbsolutePercentageError, yR, pR);
    expectClose(v, [25, 37.5]);
    expectClose(v, values(tf.metrics.MAPE(tf.tensor(yR), tf.tensor(pR))));
    // y = 0: the divisor is ε, not 0: 100·|0 − 1e-3|/1e-7 = 1e6
    expectClose(L.meanAbsolutePercentageError(tk.tensor([[0]]), tk.tensor([[1e-3]])).data, [1e6], { rtol: 1e-5 });
  });

  it('mean_squared_logarithmic_error = mean((log(max(p,ε)+1) − log(max(y,ε)+1))²)', () => {
    // row 0: (ln 1.5 − ln 2)²/2 = 0.0413805;  row 1: (ln 2 − ln 5)²/2 = 0.4197944
    const v = perSample(L.meanSquaredLogarithmicError, yR, pR);
    expectClose(v, [0.041380487405075855, 0.4197943526592373]);
    expectClose(v, values(tfjsLayersLoss('meanSquaredLogarithmicError')(tf.tensor(yR), tf.tensor(pR))));
    // negative values are clamped to ε: y = −5 acts as ε, p = −1 as ε → 0
    expectClose(L.msle(tk.tensor([[-5]]), tk.tensor([[-1]])).data, [0]);
  });

  it('huber (δ = 1): 0.5·e² where |e| ≤ δ, else δ·|e| − 0.5·δ²', () => {
    // row 0: e = [−0.5, 0] → (0.125 + 0)/2 = 0.0625;  row 1: e = [0, −3] → (0 + 3 − 0.5)/2 = 1.25
    const v = perSample((t, p) => L.huber(t, p), yR, pR);
    expectClose(v, [0.0625, 1.25]);
    // tf.losses.huberLoss is elementwise then mean over ALL elements (= the Keras batch mean here)
    expectClose([L.getLoss('huber').compute(yR, pR).item()], values(tf.losses.huberLoss(tf.tensor(yR), tf.tensor(pR))));
    // δ = 2: e = −3 → 2·3 − 0.5·4 = 4;  |e| = δ exactly is quadratic: 0.5·4 = 2
    expectClose(L.huber(tk.tensor([[0, 0]]), tk.tensor([[-3, 2]]), 2).data, [(4 + 2) / 2]);
    expect(new L.Huber().name).toBe('huber_loss');
  });

  it('log_cosh = mean(x + softplus(−2x) − log 2), finite where cosh overflows', () => {
    // row 0: log cosh 0.5 / 2 = 0.0600573;  row 1: log cosh 3 / 2 = 1.1546643
    const v = perSample(L.logCosh, yR, pR);
    expectClose(v, [0.06005725347913873, 1.1546642522888926], { rtol: 2e-6 });
    expectClose(v, values(tfjsLayersLoss('logcosh')(tf.tensor(yR), tf.tensor(pR))), { rtol: 2e-6 });
    // x = 1000: log cosh x = x − log 2 (cosh(1000) is Infinity in float64)
    expectClose(L.logCosh(tk.tensor([[0]]), tk.tensor([[1000]])).data, [1000 - Math.LN2], { rtol: 1e-6 });
    expectClose(L.logCosh(tk.tensor([[0]]), tk.tensor([[-1000]])).data, [1000 - Math.LN2], { rtol: 1e-6 });
  });

  it('cosine_similarity = −Σ l2norm(y)·l2norm(p)', () => {
    // row 0: −(0.5 + 4)/(√5·√4.25) = −0.9761871;  row 1: −(4 + 4)/(√20·√5) = −0.8
    const v = perSample((t, p) => L.cosineSimilarity(t, p), yR, pR);
    expectClose(v, [-0.9761870601839528, -0.8]);
    expectClose(v, values(tfjsLayersLoss('cosineProximity')(tf.tensor(yR), tf.tensor(pR))));
    // a zero vector gives 0, not NaN
    expect(L.cosineSimilarity(tk.tensor([[0, 0]]), tk.tensor([[1, 2]])).data[0]).toBeCloseTo(0, 7);
    // along axis 0
    expectClose(L.cosineSimilarity(tk.tensor([[1, 0], [0, 1]]), tk.tensor([[1, 0], [0, 1]]), 0).data, [-1, -1]);
  });
});

describe('probabilistic losses', () => {
  it('kl_divergence = Σ y·log(y/p), both clipped to [ε, 1]', () => {
    // row 0: 0.5·ln 2 + 0.5·ln(2/3) = 0.1438410;  row 1: 0.2·ln 0.4 + 0.8·ln 1.6 = 0.1927448
    const y = [[0.5, 0.5], [0.2, 0.8]];
    const p = [[0.25, 0.75], [0.5, 0.5]];
    const v = perSample(L.klDivergence, y, p);
    expectClose(v, [0.14384103622589042, 0.19274475702175753]);
    expectClose(v, values(tfjsLayersLoss('kullbackLeiblerDivergence')(tf.tensor(y), tf.tensor(p))));
    // NOTE: Keras multiplies by the CLIPPED y: a label 0 adds ε·ln(ε/p); TF.js (unclipped y) adds 0.
    // y = [0, 1], p = [0.5, 0.5]: Keras: 1e-7·ln(1e-7/0.5) + ln 2;  TF.js: ln 2
    const keras = L.klDivergence(tk.tensor([[0, 1]]), tk.tensor([[0.5, 0.5]])).data[0]!;
    expectClose([keras], [EPS * Math.log(EPS / 0.5) + Math.LN2], { rtol: 1e-6 });
  });

  it('poisson = mean(p − y·log(p + ε))', () => {
    // row 0: ((0.5 − ln 0.5) + (2 − 2 ln 2))/2 = 0.9034263;  row 1: ((2 − 2 ln 2) + (1 − 4 ln 1))/2 = 0.8068526
    const v = perSample(L.poisson, yR, pR);
    expectClose(v, [0.9034262597200386, 0.8068525694400659]);
    expectClose(v, values(tfjsLayersLoss('poisson')(tf.tensor(yR), tf.tensor(pR))));
  });
});

describe('hinge losses', () => {
  const p = [[0.3, 0.7], [0.6, 0.4]];

  it('hinge = mean(max(1 − y·p, 0)); {0,1} labels become {−1,1}', () => {
    // y = [[−1, 1], [1, −1]]: row 0: (1.3 + 0.3)/2 = 0.8;  row 1: (0.4 + 1.4)/2 = 0.9
    const ySigned = [[-1, 1], [1, -1]];
    const v = perSample(L.hinge, ySigned, p);
    expectClose(v, [0.8, 0.9]);
    expectClose(v, values(tfjsLayersLoss('hinge')(tf.tensor(ySigned), tf.tensor(p))));
    // {0,1} labels are converted (Keras); tfjs-layers does not convert, tf.losses.hingeLoss always does
    expectClose(perSample(L.hinge, [[0, 1], [1, 0]], p), [0.8, 0.9]);
    expectClose([L.getLoss('hinge').compute([[0, 1], [1, 0]], p).item()], values(tf.losses.hingeLoss(tf.tensor([[0, 1], [1, 0]]), tf.tensor(p))));
    // labels not all in {0, 1} are used as they are: y = [[0, 2]]: (1 + max(1 − 1.4, 0))/2 = 0.5
    expectClose(L.hinge(tk.tensor([[0, 2]]), tk.tensor([[0.3, 0.7]])).data, [0.5]);
  });

  it('squared_hinge = mean(max(1 − y·p, 0)²)', () => {
    // row 0: (1.69 + 0.09)/2 = 0.89;  row 1: (0.16 + 1.96)/2 = 1.06
    const v = perSample(L.squaredHinge, [[0, 1], [1, 0]], p);
    expectClose(v, [0.89, 1.06]);
    expectClose(v, values(tfjsLayersLoss('squaredHinge')(tf.tensor([[-1, 1], [1, -1]]), tf.tensor(p))));
  });

  it('categorical_hinge = max(max((1−y)·p) − Σ y·p + 1, 0)', () => {
    // row 0: pos 0.7, neg 0.3 → 0.6;  row 1: pos 0.6, neg 0.4 → 0.8
    const v = perSample(L.categoricalHinge, [[0, 1], [1, 0]], p);
    expectClose(v, [0.6, 0.8]);
    expectClose(v, values(tfjsLayersLoss('categoricalHinge')(tf.tensor([[0, 1], [1, 0]]), tf.tensor(p))));
  });
});

describe('gradients w.r.t. yPred pass finite differences', () => {
  const rand = (shape: number[], seed: number, lo: number, hi: number) => tk.randomUniform(shape, { seed, minval: lo, maxval: hi });
  const yReg = rand([3, 4], 1, 0.5, 2);
  const pReg = rand([3, 4], 2, 0.5, 2);
  const yProb = tk.softmax(tk.randomNormal([3, 4], { seed: 3 }));
  const pProb = rand([3, 4], 4, 0.1, 0.9);
  const yBin = tk.tensor([[0, 1, 1, 0], [1, 1, 0, 0], [0, 0, 1, 1]]);
  const yOneHot = tk.tensor([[0, 1, 0, 0], [0, 0, 0, 1], [1, 0, 0, 0]]);
  const cases: [string, (p: tk.Tensor) => tk.Tensor, tk.Tensor][] = [
    ['mean_squared_error', (p) => L.meanSquaredError(yReg, p), pReg],
    ['mean_absolute_error', (p) => L.meanAbsoluteError(yReg, p), pReg],
    ['mean_absolute_percentage_error', (p) => L.meanAbsolutePercentageError(yReg, p), pReg],
    ['mean_squared_logarithmic_error', (p) => L.meanSquaredLogarithmicError(yReg, p), pReg],
    ['huber', (p) => L.huber(yReg, p, 0.3), pReg],
    ['log_cosh', (p) => L.logCosh(yReg, p), pReg],
    ['cosine_similarity', (p) => L.cosineSimilarity(yReg, p), pReg],
    ['kl_divergence', (p) => L.klDivergence(yProb, p), pProb],
    ['poisson', (p) => L.poisson(yReg, p), pReg],
    ['hinge', (p) => L.hinge(yBin, p), rand([3, 4], 5, -0.8, 0.8)],
    ['squared_hinge', (p) => L.squaredHinge(yBin, p), rand([3, 4], 6, -0.8, 0.8)],
    ['categorical_hinge', (p) => L.categoricalHinge(yOneHot, p), tk.tensor([[0.1, 0.9, 0.3, 0.2], [0.2, 0.4, 0.1, 0.7], [0.6, 0.3, 0.2, 0.1]])],
    ['binary_crossentropy', (p) => L.binaryCrossentropy(yBin, p), pProb],
    ['binary_crossentropy (smoothed)', (p) => L.binaryCrossentropy(yBin, p, { labelSmoothing: 0.2 }), pProb],
    ['binary_crossentropy (logits)', (p) => L.binaryCrossentropy(yBin, p, { fromLogits: true }), tk.randomNormal([3, 4], { seed: 7, stddev: 3 })],
    ['categorical_crossentropy', (p) => L.categoricalCrossentropy(yOneHot, p), pProb],
    ['categorical_crossentropy (smoothed)', (p) => L.categoricalCrossentropy(yOneHot, p, { labelSmoothing: 0.1 }), pProb],
    ['categorical_crossentropy (logits)', (p) => L.categoricalCrossentropy(yOneHot, p, { fromLogits: true }), tk.randomNormal([3, 4], { seed: 8, stddev: 3 })],
    ['sparse_categorical_crossentropy', (p) => L.sparseCategoricalCrossentropy(tk.tensor([1, 3, 0]), p), pProb],
    ['sparse_categorical_crossentropy (logits)', (p) => L.sparseCategoricalCrossentropy(tk.tensor([[1], [3], [0]]), p, { fromLogits: true }), tk.randomNormal([3, 4], { seed: 9 })],
  ];
  for (const [name, f, p] of cases) {
    it(name, () => {
      // Per-sample values (a non-scalar): checked along a random projection.
      expect(tk.checkGradients(f, [p])).toBeLessThan(2e-3);
      // And through the default reduction of the class.
      expect(tk.checkGradients((q) => f(q).mean(), [p])).toBeLessThan(2e-3);
    });
  }
});
