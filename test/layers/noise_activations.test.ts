// The noise layers (GaussianNoise, GaussianDropout, AlphaDropout; keras-facts-2 §17.1) and the
// activation layers (PReLU, ELU, ThresholdedReLU, Identity; §17.2):
// - noise: the identity outside training; sample mean and variance of many draws within a few
//   standard errors of the Keras 3 formulas; AlphaDropout's two values for a zero input
//   (hand-derived 0.7792 / −0.7792 at rate 0.5) and its noiseShape; seeded reproducibility;
//   finite-difference gradients through a fixed (re-seeded) draw;
// - activations: hand values, finite differences of the input and of PReLU's alpha, TF.js
//   parity (forward and gradients) where TF.js has the layer;
// - configs round trip and errors name the layer and the argument.

import * as tf from '@tensorflow/tfjs';
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import * as tk from '../../src/index.js';
import { AlphaDropout, ELU, GaussianDropout, GaussianNoise, Identity, PReLU, ThresholdedReLU } from '../../src/layers/index.js';
import { clearSession } from '../../src/naming.js';
import { expectClose } from '../helpers/index.js';
import { randomTensor, weightGradientError } from './helpers.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});
beforeEach(() => clearSession());

/** Sample mean and (biased) variance in float64. */
function moments(data: ArrayLike<number>): { mean: number; variance: number } {
  let s = 0;
  for (let i = 0; i < data.length; i++) s += data[i]!;
  const mean = s / data.length;
  let q = 0;
  for (let i = 0; i < data.length; i++) q += (data[i]! - mean) ** 2;
  return { mean, variance: q / data.length };
}

const N = 200 * 250;

describe('noise layers: inactive outside training', () => {
  it('return the very input without training: true, or at stddev/rate 0', () => {
    const x = tk.ones([2, 3]);
    for (const layer of [new GaussianNoise(0.5), new GaussianDropout(0.5), new AlphaDropout(0.5)]) {
      expect(layer.apply(x)).toBe(x);
      expect(layer.apply(x, { training: false })).toBe(x);
    }
    expect(new GaussianNoise(0).apply(x, { training: true })).toBe(x);
    expect(new GaussianDropout(0).apply(x, { training: true })).toBe(x);
    expect(new AlphaDropout(0).apply(x, { training: true })).toBe(x);
  });
});

describe('noise layers: statistics of the draws', () => {
  it('GaussianNoise(0.5): x + N(0, 0.25)', () => {
    const x = tk.fill([200, 250], 2);
    const y = new GaussianNoise(0.5, { seed: 1 }).apply(x, { training: true });
    const { mean, variance } = moments(y.data);
    // Standard errors: σ/√n = 0.0022 for the mean, σ²·√(2/n) = 0.0016 for the variance.
    expect(Math.abs(mean - 2)).toBeLessThan(5 * 0.0022);
    expect(Math.abs(variance - 0.25)).toBeLessThan(5 * 0.0016);
  });

  it('GaussianDropout(0.2): x·N(1, 0.25), the variance rate/(1 − rate)', () => {
    const x = tk.fill([200, 250], 3);
    const y = new GaussianDropout(0.2, { seed: 2 }).apply(x, { training: true });
    const { mean, variance } = moments(Array.from(y.data, (v) => v / 3));
    expect(Math.abs(mean - 1)).toBeLessThan(5 * 0.0022);
    expect(Math.abs(variance - 0.25)).toBeLessThan(5 * 0.0016);
  });

  it('AlphaDropout(0.5) on zeros: 0.7792 (kept) or −0.7792 (dropped), about half each', () => {
    // a = ((1 − r)(1 + r·α'²))^(−1/2), b = −a·α'·r with α' = −1.6732632423543772·1.0507009873554805.
    const alphaP = -1.6732632423543772 * 1.0507009873554805;
    const a = ((0.5 * (1 + 0.5 * alphaP * alphaP)) ** -0.5);
    const b = -a * alphaP * 0.5;
    expect(b).toBeCloseTo(0.7792, 4);
    const y = new AlphaDropout(0.5, { seed: 3 }).apply(tk.zeros([200, 250]), { training: true });
    let kept = 0;
    for (const v of y.data) {
      if (Math.abs(v - b) < 1e-6) kept++;
      else expect(v).toBeCloseTo(a * alphaP + b, 6);
    }
    // Binomial(n, 0.5): standard error √(n/4) = 112.
    expect(Math.abs(kept - N / 2)).toBeLessThan(5 * 112);
  });

  it('AlphaDropout(0.2) keeps a standard normal input at mean 0 and variance 1', () => {
    const x = tk.randomNormal([200, 250], { seed: 4 });
    const y = new AlphaDropout(0.2, { seed: 5 }).apply(x, { training: true });
    const { mean, variance } = moments(y.data);
    expect(Math.abs(mean)).toBeLessThan(0.02);
    expect(Math.abs(variance - 1)).toBeLessThan(0.03);
  });

  it('AlphaDropout noiseShape [null, 1]: one draw per row', () => {
    const y = new AlphaDropout(0.5, { seed: 6, noiseShape: [null, 1] }).apply(tk.zeros([50, 8]), { training: true });
    const rows = y.toArray() as number[][];
    for (const row of rows) expect(new Set(row).size).toBe(1);
    expect(new Set(rows.map((r) => r[0])).size).toBe(2);
    expect(() => new AlphaDropout(0.5, { noiseShape: [1, 3] }).apply(tk.zeros([2, 4]), { training: true })).toThrow(/alpha_dropout(_\d+)?: noiseShape \[1,3\] does not broadcast to input shape \[2, ?4\]/);
  });
});

describe('noise layers: seeds and gradients', () => {
  it('the same seed gives the same draws; later calls and other seeds give others', () => {
    for (const make of [(s: number) => new GaussianNoise(0.3, { seed: s }), (s: number) => new GaussianDropout(0.3, { seed: s }), (s: number) => new AlphaDropout(0.3, { seed: s })]) {
      const x = randomTensor([4, 5], 1);
      const one = make(7);
      const first = one.apply(x, { training: true });
      const second = one.apply(x, { training: true });
      expect(Array.from(make(7).apply(x, { training: true }).data)).toEqual(Array.from(first.data));
      expect(Array.from(second.data)).not.toEqual(Array.from(first.data));
      expect(Array.from(make(8).apply(x, { training: true }).data)).not.toEqual(Array.from(first.data));
    }
  });

  it('finite differences through a fixed draw (a fresh layer of one seed per evaluation)', () => {
    const x = randomTensor([3, 4], 2);
    expect(tk.checkGradients((t) => new GaussianNoise(0.4, { seed: 9 }).apply(t, { training: true }), [x])).toBeLessThan(1e-3);
    expect(tk.checkGradients((t) => new GaussianDropout(0.4, { seed: 9 }).apply(t, { training: true }), [x])).toBeLessThan(1e-3);
    expect(tk.checkGradients((t) => new AlphaDropout(0.4, { seed: 9 }).apply(t, { training: true }), [x])).toBeLessThan(1e-3);
    // GaussianDropout's gradient is the multiplier itself: y/x.
    const y = new GaussianDropout(0.4, { seed: 10 }).apply(x, { training: true });
    const g = tk.grad((t: tk.Tensor) => tk.sum(new GaussianDropout(0.4, { seed: 10 }).apply(t, { training: true })))(x);
    expectClose(g.data, Array.from(y.data, (v, i) => v / x.data[i]!), { rtol: 1e-5, atol: 1e-6 });
  });

  it('configs round trip; errors name the layer and the argument', () => {
    const gn = new GaussianNoise(0.2, { seed: 4, name: 'n' });
    expect(gn.getConfig()).toMatchObject({ name: 'n', stddev: 0.2, seed: 4 });
    expect(GaussianNoise.fromConfig(gn.getConfig()).getConfig()).toEqual(gn.getConfig());
    const gd = new GaussianDropout(0.3);
    expect(GaussianDropout.fromConfig(gd.getConfig()).getConfig()).toEqual(gd.getConfig());
    const ad = new AlphaDropout(0.1, { noiseShape: [null, 1], seed: 2 });
    expect(ad.getConfig()).toMatchObject({ rate: 0.1, noiseShape: [null, 1], seed: 2 });
    expect(AlphaDropout.fromConfig(ad.getConfig()).getConfig()).toMatchObject({ rate: 0.1, noiseShape: [null, 1], seed: 2 });
    expect(() => new GaussianNoise(3)).toThrow(/GaussianNoise: stddev must be a number in \[0, 1\], got 3/);
    expect(() => new GaussianDropout(1)).toThrow(/GaussianDropout: rate must be a number in \[0, 1\), got 1/);
    expect(() => new AlphaDropout(-0.1)).toThrow(/AlphaDropout: rate must be a number in \[0, 1\), got -0.1/);
    expect(() => new AlphaDropout(0.1, { noiseShape: [0] })).toThrow(/AlphaDropout: noiseShape must be a list of positive integers/);
    expect(() => new GaussianNoise(0.1, { seed: 'x' as never })).toThrow(/GaussianNoise: seed must be a finite number, got 'x'/);
    expect(() => new GaussianNoise(0.1, { rate: 0.1 } as never)).toThrow(/GaussianNoise: unknown option 'rate'/);
  });
});

describe('PReLU', () => {
  it('alpha shaped like one sample, 1 on the shared axes; zeros by default (ReLU at init)', () => {
    const p = new PReLU({ sharedAxes: [1, 2] });
    const x = randomTensor([2, 4, 4, 3], 1);
    const y = p.apply(x);
    expect(p.weights.map((w) => [w.name, w.shape])).toEqual([['p_re_lu/alpha', [1, 1, 3]]]);
    expectClose(y.data, Array.from(x.data, (v) => Math.max(v, 0)), { rtol: 0, atol: 0 });
    const full = new PReLU();
    full.apply(tk.ones([2, 5, 3]));
    expect(full.weights[0]!.shape).toEqual([5, 3]);
  });

  it('y = x for x > 0, α·x otherwise (hand values); finite differences of x and alpha', () => {
    const p = new PReLU({ alphaInitializer: { className: 'Constant', config: { value: 0.25 } } });
    expect(p.apply(tk.tensor([[-2, 3], [0.5, -4]])).toArray()).toEqual([[-0.5, 3], [0.5, -1]]);
    const q = new PReLU({ sharedAxes: 1 });
    const x = randomTensor([3, 4, 2], 5);
    q.apply(x);
    q.setWeights([randomTensor([1, 2], 6, 0.1, 0.5)]);
    expect(tk.checkGradients((t) => q.apply(t), [x])).toBeLessThan(1e-3);
    expect(weightGradientError(q, x)).toBeLessThan(1e-3);
  });

  it('TF.js prelu at identical alpha: the same outputs and gradients of x and alpha', () => {
    const ours = new PReLU({ sharedAxes: [1] });
    const x = randomTensor([3, 4, 5], 7);
    ours.apply(x);
    const alpha = randomTensor([1, 5], 8, 0.05, 0.6);
    ours.setWeights([alpha]);
    const theirs = tf.layers.prelu({ sharedAxes: [1] });
    const tx = tf.tensor(x.data, [3, 4, 5]);
    theirs.apply(tx);
    theirs.setWeights([tf.tensor(alpha.data, [1, 5])]);
    expectClose(ours.apply(x).data, (theirs.apply(tx) as tf.Tensor).dataSync(), { rtol: 1e-6, atol: 1e-6 });
    const r = randomTensor([3, 4, 5], 9);
    const tr = tf.tensor(r.data, [3, 4, 5]);
    const { grads } = tk.variableGrads(() => tk.sum(tk.mul(ours.apply(x), r)), ours.trainableWeights);
    const tfGrads = tf.variableGrads(() => tf.sum(tf.mul(theirs.apply(tx) as tf.Tensor, tr)) as tf.Scalar, theirs.trainableWeights.map((w) => w.read() as tf.Variable));
    expectClose(grads[0]!.data, Object.values(tfGrads.grads)[0]!.dataSync(), { rtol: 1e-5, atol: 1e-6 });
    const gx = tk.grad((t: tk.Tensor) => tk.sum(tk.mul(ours.apply(t), r)))(x);
    const [tgx] = tf.grads((t: tf.Tensor) => tf.sum(tf.mul(theirs.apply(t) as tf.Tensor, tr)))([tx]);
    expectClose(gx.data, tgx!.dataSync(), { rtol: 1e-5, atol: 1e-6 });
  });

  it('config round trip; errors', () => {
    const p = new PReLU({ sharedAxes: [1, 2], alphaRegularizer: 'l2', alphaInitializer: 'ones' });
    expect(p.getConfig()).toMatchObject({ sharedAxes: [1, 2], alphaInitializer: { className: 'Ones', config: {} } });
    expect(PReLU.fromConfig(p.getConfig()).getConfig()).toEqual(p.getConfig());
    expect(() => new PReLU({ sharedAxes: [0] })).toThrow(/PReLU: sharedAxes must be a positive integer or a list of them.*got \[0\]/);
    expect(() => new PReLU({ alphaConstraint: 'non_neg' as never })).toThrow(/PReLU: alphaConstraint is not supported/);
    expect(() => new PReLU({ sharedAxes: [3] }).apply(tk.ones([2, 3]))).toThrow(/sharedAxes \[3\] has axis 3, out of range for input shape/);
  });
});

describe('ELU, ThresholdedReLU, Identity', () => {
  it('ELU: x for x > 0, α(eˣ − 1) otherwise; finite differences; TF.js elu (α = 1)', () => {
    const x = tk.tensor([[-1, 0, 2], [-3, 0.5, -0.1]]);
    const y = new ELU({ alpha: 0.5 }).apply(x);
    expectClose(y.data, Array.from(x.data, (v) => (v > 0 ? v : 0.5 * Math.expm1(v))), { rtol: 1e-6, atol: 1e-7 });
    const r = randomTensor([3, 4], 3, -2, 2);
    expect(tk.checkGradients((t) => new ELU({ alpha: 0.7 }).apply(t), [r])).toBeLessThan(1e-3);
    const ours = new ELU();
    const theirs = tf.layers.elu();
    const tr = tf.tensor(r.data, [3, 4]);
    expectClose(ours.apply(r).data, (theirs.apply(tr) as tf.Tensor).dataSync(), { rtol: 1e-6, atol: 1e-7 });
    const gx = tk.grad((t: tk.Tensor) => tk.sum(tk.square(ours.apply(t))))(r);
    const [tgx] = tf.grads((t: tf.Tensor) => tf.sum(tf.square(theirs.apply(t) as tf.Tensor)))([tr]);
    expectClose(gx.data, tgx!.dataSync(), { rtol: 1e-5, atol: 1e-6 });
    expect(ELU.fromConfig(new ELU({ alpha: 0.3 }).getConfig()).getConfig()).toMatchObject({ alpha: 0.3 });
    expect(() => new ELU({ alpha: Number.NaN })).toThrow(/ELU: alpha must be a finite number, got NaN/);
  });

  it('ThresholdedReLU: x·[x > θ], strict; gradient the mask; TF.js thresholdedReLU', () => {
    const x = tk.tensor([[0.5, 0.6, -2, 1, 1.5]]);
    const plain = (t: tk.Tensor): number[] => Array.from(t.data, (v) => v + 0); // −0 (from −2·0) as 0
    expect(plain(new ThresholdedReLU({ theta: 0.5 }).apply(x))).toEqual([0, Math.fround(0.6), 0, 1, 1.5]);
    expect(plain(new ThresholdedReLU().apply(x))).toEqual([0, 0, 0, 0, 1.5]);
    const g = tk.grad((t: tk.Tensor) => tk.sum(new ThresholdedReLU({ theta: 0.5 }).apply(t)))(x);
    expect(Array.from(g.data)).toEqual([0, 1, 0, 1, 1]);
    const r = randomTensor([3, 4], 4, -2, 2);
    const theirs = tf.layers.thresholdedReLU({ theta: 0.3 });
    expectClose(new ThresholdedReLU({ theta: 0.3 }).apply(r).data, (theirs.apply(tf.tensor(r.data, [3, 4])) as tf.Tensor).dataSync(), { rtol: 0, atol: 0 });
    expect(() => new ThresholdedReLU({ theta: -1 })).toThrow(/ThresholdedReLU: theta cannot be negative, got -1/);
  });

  it('Identity: the same tensor, masks pass on, no weights; an unknown option is an error', () => {
    const x = tk.ones([2, 3]);
    const id = new Identity();
    expect(id.apply(x)).toBe(x);
    const mask = tk.tensor([[1, 0]]);
    expect(id.computeMask(x, mask)).toBe(mask);
    expect(id.weights).toEqual([]);
    expect(() => new Identity({ axis: 1 } as never)).toThrow(/Identity: unknown option 'axis'/);
  });
});
