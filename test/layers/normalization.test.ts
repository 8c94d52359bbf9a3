// LayerNormalization, GroupNormalization and UnitNormalization (keras-facts-2 §16.1): Keras 3
// weights (names, shapes, order) and defaults; LayerNormalization against a float64 loop reference
// and against TF.js's layerNormalization at identical weights (forward, and the gradients of x,
// gamma and beta); finite-difference checks of every input and weight; a second derivative; the
// numpy goldens of normalization_golden.py for GroupNormalization and UnitNormalization; configs;
// masks; argument errors naming the layer and the argument.

import { readFileSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs';
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import * as tk from '../../src/index.js';
import { GroupNormalization, LayerNormalization, UnitNormalization } from '../../src/layers/index.js';
import { clearSession } from '../../src/naming.js';
import { expectClose, unravel } from '../helpers/index.js';
import { randomTensor, weightGradientError } from './helpers.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});
beforeEach(() => clearSession());

/** Float64 loop reference of layer normalization over `axes` (per sample, i.e. per other index). */
function refLayerNorm(x: tk.Tensor, axes: number[], gamma: ArrayLike<number>, beta: ArrayLike<number> | null, eps: number, subtractMean = true): number[] {
  const shape = x.shape;
  const keyOf = (idx: number[]): string => idx.filter((_, i) => !axes.includes(i)).join(',');
  const paramIndex = (idx: number[]): number => axes.reduce((acc, a) => acc * shape[a]! + idx[a]!, 0);
  const sums = new Map<string, { n: number; s: number }>();
  for (let i = 0; i < x.size; i++) {
    const k = keyOf(unravel(i, shape));
    const e = sums.get(k) ?? { n: 0, s: 0 };
    e.n++;
    e.s += x.data[i]!;
    sums.set(k, e);
  }
  const sq = new Map<string, number>();
  for (let i = 0; i < x.size; i++) {
    const k = keyOf(unravel(i, shape));
    const m = sums.get(k)!.s / sums.get(k)!.n;
    sq.set(k, (sq.get(k) ?? 0) + (x.data[i]! - m) ** 2);
  }
  return Array.from(x.data, (v, i) => {
    const idx = unravel(i, shape);
    const k = keyOf(idx);
    const { n, s } = sums.get(k)!;
    const p = paramIndex(idx);
    const top = subtractMean ? v - s / n : v;
    return (top / Math.sqrt(sq.get(k)! / n + eps)) * gamma[p]! + (beta === null ? 0 : beta[p]!);
  });
}

describe('LayerNormalization: weights, defaults, config', () => {
  it('gamma then beta, shaped like the normalized axes; Keras defaults', () => {
    const ln = new LayerNormalization();
    ln.apply(tk.ones([2, 3, 5]));
    expect(ln.weights.map((w) => w.name)).toEqual(['layer_normalization/gamma', 'layer_normalization/beta']);
    expect(ln.weights.map((w) => w.shape)).toEqual([[5], [5]]);
    expect(ln.getWeights().map((t) => Array.from(t.data))).toEqual([[1, 1, 1, 1, 1], [0, 0, 0, 0, 0]]);
    const config = ln.getConfig();
    expect(config).toMatchObject({ axis: -1, epsilon: 1e-3, center: true, scale: true, betaRegularizer: null, gammaRegularizer: null });
    expect(config.gammaInitializer).toEqual({ className: 'Ones', config: {} });
    expect(config).not.toHaveProperty('rmsScaling');
  });

  it('several axes: weights of the sizes of those axes in sorted order; center/scale false drop them', () => {
    const ln = new LayerNormalization({ axis: [-1, 1] });
    ln.apply(tk.ones([2, 3, 4]));
    expect(ln.weights.map((w) => w.shape)).toEqual([[3, 4], [3, 4]]);
    const bare = new LayerNormalization({ center: false, scale: false });
    bare.apply(tk.ones([2, 3]));
    expect(bare.weights).toEqual([]);
    const noBeta = new LayerNormalization({ center: false });
    noBeta.apply(tk.ones([2, 3]));
    expect(noBeta.weights.map((w) => w.name)).toEqual(['layer_normalization_2/gamma']);
  });

  it('rmsScaling: gamma only (whatever center/scale say), y = x/√(σ² + ε)·γ; written in the config', () => {
    const ln = new LayerNormalization({ rmsScaling: true, scale: false, epsilon: 0.01 });
    const x = randomTensor([3, 4], 4);
    const y = ln.apply(x);
    expect(ln.weights.map((w) => w.name)).toEqual(['layer_normalization/gamma']);
    expectClose(y.data, refLayerNorm(x, [1], [1, 1, 1, 1], null, 0.01, false), { rtol: 1e-5, atol: 1e-6 });
    expect(ln.getConfig().rmsScaling).toBe(true);
    const copy = LayerNormalization.fromConfig(ln.getConfig()) as LayerNormalization;
    copy.apply(x);
    expectClose(copy.apply(x).data, y.data, { rtol: 0, atol: 0 });
  });

  it('config round trip rebuilds the same layer (axis list, epsilon, initializers, regularizer)', () => {
    const ln = new LayerNormalization({ axis: [1, 2], epsilon: 0.05, center: false, gammaInitializer: 'he_normal', gammaRegularizer: 'l2' });
    const config = ln.getConfig();
    const copy = LayerNormalization.fromConfig(config) as LayerNormalization;
    expect(copy.getConfig()).toEqual({ ...config, name: copy.name });
  });

  it('masks pass on unchanged', () => {
    const mask = tk.tensor([[1, 0, 1, 1]]);
    for (const layer of [new LayerNormalization(), new GroupNormalization({ groups: 1 }), new UnitNormalization()]) {
      expect(layer.computeMask(tk.ones([1, 4, 3]), mask)).toBe(mask);
    }
  });
});

describe('LayerNormalization: values and gradients', () => {
  it('matches a float64 loop reference, axis -1 and axes [1, 2], with random gamma and beta', () => {
    for (const [axis, axes, shape] of [[-1, [2], [2, 3, 5]], [[1, 2], [1, 2], [2, 3, 4]], [1, [1], [2, 4, 3]]] as [number | number[], number[], number[]][]) {
      clearSession();
      const ln = new LayerNormalization({ axis, epsilon: 1e-3 });
      const x = randomTensor(shape, 1, -3, 3);
      ln.apply(x);
      const gamma = randomTensor(ln.gamma!.shape as number[], 2, 0.5, 1.5);
      const beta = randomTensor(ln.beta!.shape as number[], 3);
      ln.setWeights([gamma, beta]);
      expectClose(ln.apply(x).data, refLayerNorm(x, axes, gamma.data, beta.data, 1e-3), { rtol: 1e-5, atol: 2e-6 });
    }
  });

  it('two-pass variance: rows with a mean of 1e4 and a spread of 1e-1 normalize as in float64', () => {
    // E[x²] − E[x]² in float32 would lose every digit here (1e8 against a variance of 1e-2).
    const base = randomTensor([4, 16], 7, -0.1, 0.1);
    const x = tk.add(base, 1e4);
    const ln = new LayerNormalization({ epsilon: 1e-6 });
    const y = ln.apply(x);
    expectClose(y.data, refLayerNorm(x, [1], new Array(16).fill(1), new Array(16).fill(0), 1e-6), { rtol: 1e-4, atol: 1e-4 });
  });

  it('finite differences: x, gamma and beta (axis -1, and axes [1, 2])', () => {
    for (const axis of [-1, [1, 2]] as (number | number[])[]) {
      const ln = new LayerNormalization({ axis, epsilon: 0.01 });
      const x = randomTensor([2, 3, 4], 11, -2, 2);
      ln.apply(x);
      ln.setWeights([randomTensor(ln.gamma!.shape as number[], 12, 0.5, 1.5), randomTensor(ln.beta!.shape as number[], 13)]);
      expect(tk.checkGradients((t) => ln.apply(t), [x])).toBeLessThan(2e-3);
      expect(weightGradientError(ln, x)).toBeLessThan(2e-3);
    }
  });

  it('a second derivative: the gradient of Σ(∂/∂x Σ y·r)² is finite-difference checked', () => {
    const ln = new LayerNormalization({ epsilon: 0.05 });
    const x = randomTensor([2, 5], 21, -2, 2);
    ln.apply(x);
    ln.setWeights([randomTensor([5], 22, 0.5, 1.5), randomTensor([5], 23)]);
    const r = randomTensor([2, 5], 24);
    const gradOf = (t: tk.Tensor): tk.Tensor => tk.grad((u: tk.Tensor) => tk.sum(tk.mul(ln.apply(u), r)))(t);
    expect(tk.checkGradients((t) => tk.sum(tk.square(gradOf(t))), [x])).toBeLessThan(5e-3);
  });

  it('TF.js layerNormalization at identical weights: the same outputs and gradients of x, gamma and beta', () => {
    for (const [axis, shape] of [[-1, [3, 2, 6]], [[1, 2], [2, 3, 4]]] as [number | number[], number[]][]) {
      clearSession();
      const ours = new LayerNormalization({ axis, epsilon: 1e-3 });
      const x = randomTensor(shape, 31, -2, 2);
      ours.apply(x);
      const gamma = randomTensor(ours.gamma!.shape as number[], 32, 0.5, 1.5);
      const beta = randomTensor(ours.beta!.shape as number[], 33);
      ours.setWeights([gamma, beta]);
      const theirs = tf.layers.layerNormalization({ axis, epsilon: 1e-3 });
      const tx = tf.tensor(x.data, shape);
      theirs.apply(tx);
      theirs.setWeights([tf.tensor(gamma.data, gamma.shape as number[]), tf.tensor(beta.data, beta.shape as number[])]);
      expectClose(ours.apply(x).data, (theirs.apply(tx) as tf.Tensor).dataSync(), { rtol: 1e-5, atol: 1e-5 });

      const r = randomTensor(shape, 34);
      const tr = tf.tensor(r.data, shape);
      const { grads } = tk.variableGrads(() => tk.sum(tk.mul(ours.apply(x), r)), ours.trainableWeights);
      const tfGrads = tf.variableGrads(() => tf.sum(tf.mul(theirs.apply(tx) as tf.Tensor, tr)) as tf.Scalar, theirs.trainableWeights.map((w) => w.read() as tf.Variable));
      const [gg, gb] = Object.values(tfGrads.grads);
      expectClose(grads[0]!.data, gg!.dataSync(), { rtol: 1e-4, atol: 1e-5 });
      expectClose(grads[1]!.data, gb!.dataSync(), { rtol: 1e-4, atol: 1e-5 });
      const gx = tk.grad((t: tk.Tensor) => tk.sum(tk.mul(ours.apply(t), r)))(x);
      const [tgx] = tf.grads((t: tf.Tensor) => tf.sum(tf.mul(theirs.apply(t) as tf.Tensor, tr)))([tx]);
      expectClose(gx.data, tgx!.dataSync(), { rtol: 1e-4, atol: 1e-5 });
    }
  });
});

interface Golden {
  layer: 'GroupNormalization' | 'UnitNormalization';
  name: string;
  shape: number[];
  groups?: number;
  axis: number | number[];
  epsilon?: number;
  x: number[];
  gamma?: number[];
  beta?: number[];
  y: number[];
}
const goldens = JSON.parse(readFileSync(new URL('./normalization_golden.json', import.meta.url), 'utf8')) as Golden[];

describe('GroupNormalization', () => {
  it('gamma, beta [channels] in Keras order; defaults groups 32, axis -1, epsilon 1e-3; config round trip', () => {
    const gn = new GroupNormalization({ groups: 4 });
    gn.apply(tk.ones([2, 3, 3, 8]));
    expect(gn.weights.map((w) => w.name)).toEqual(['group_normalization/gamma', 'group_normalization/beta']);
    expect(gn.weights.map((w) => w.shape)).toEqual([[8], [8]]);
    expect(new GroupNormalization().getConfig()).toMatchObject({ groups: 32, axis: -1, epsilon: 1e-3, center: true, scale: true });
    const config = new GroupNormalization({ groups: -1, axis: 1, epsilon: 0.1, center: false, betaRegularizer: 'l1' }).getConfig();
    expect(GroupNormalization.fromConfig(config).getConfig()).toEqual({ ...config, name: 'group_normalization_2' });
  });

  for (const g of goldens.filter((c) => c.layer === 'GroupNormalization')) {
    it(`numpy golden: ${g.name}`, () => {
      const gn = new GroupNormalization({ groups: g.groups!, axis: g.axis as number, epsilon: g.epsilon! });
      const x = tk.tensor(g.x, g.shape);
      gn.apply(x);
      gn.setWeights([tk.tensor(g.gamma!), tk.tensor(g.beta!)]);
      expectClose(gn.apply(x).data, g.y, { rtol: 1e-4, atol: 2e-5 });
    });
  }

  it('finite differences: x, gamma and beta (channels last and channels first)', () => {
    for (const [axis, shape] of [[-1, [2, 3, 6]], [1, [2, 4, 3]]] as [number, number[]][]) {
      const gn = new GroupNormalization({ groups: 2, axis, epsilon: 0.01 });
      const x = randomTensor(shape, 41, -2, 2);
      gn.apply(x);
      const c = shape[axis < 0 ? shape.length + axis : axis]!;
      gn.setWeights([randomTensor([c], 42, 0.5, 1.5), randomTensor([c], 43)]);
      expect(tk.checkGradients((t) => gn.apply(t), [x])).toBeLessThan(2e-3);
      expect(weightGradientError(gn, x)).toBeLessThan(2e-3);
    }
  });

  it('errors name the layer and the argument', () => {
    expect(() => new GroupNormalization({ groups: 0 })).toThrow(/GroupNormalization: groups must be a positive integer.*got 0/);
    expect(() => new GroupNormalization({ groups: 2.5 })).toThrow(/groups/);
    expect(() => new GroupNormalization({ groups: 3 }).apply(tk.ones([1, 4]))).toThrow(/group_normalization_\d+: the number of channels \(4\) must be a multiple of groups \(3\)/);
    expect(() => new GroupNormalization().apply(tk.ones([1, 4]))).toThrow(/groups \(32\) cannot be more than the number of channels \(4\)/);
    expect(() => new GroupNormalization({ axis: 0, groups: 1 }).apply(tk.ones([1, 4]))).toThrow(/batch axis/);
    expect(() => new GroupNormalization({ gammaConstraint: 'nonNeg' as never })).toThrow(/GroupNormalization: gammaConstraint is not supported.*'nonNeg'/);
  });
});

describe('UnitNormalization', () => {
  for (const g of goldens.filter((c) => c.layer === 'UnitNormalization')) {
    it(`numpy golden: ${g.name}`, () => {
      const y = new UnitNormalization({ axis: g.axis }).apply(tk.tensor(g.x, g.shape));
      expectClose(y.data, g.y, { rtol: 1e-5, atol: 1e-6 });
    });
  }

  it('no weights; finite differences; an all-zero row has a finite gradient; config', () => {
    const un = new UnitNormalization({ axis: [1, 2] });
    const x = randomTensor([2, 3, 2], 51);
    un.apply(x);
    expect(un.weights).toEqual([]);
    expect(tk.checkGradients((t) => un.apply(t), [x])).toBeLessThan(2e-3);
    const zero = tk.grad((t: tk.Tensor) => tk.sum(new UnitNormalization().apply(t)))(tk.zeros([1, 3]));
    expect(Array.from(zero.data).every(Number.isFinite)).toBe(true);
    expect(UnitNormalization.fromConfig(un.getConfig()).getConfig()).toMatchObject({ axis: [1, 2] });
  });

  it('errors name the layer and the argument', () => {
    expect(() => new UnitNormalization({ axis: 'last' as never })).toThrow(/UnitNormalization: axis must be an integer or a non-empty list of integers, got 'last'/);
    expect(() => new UnitNormalization({ axis: 3 }).apply(tk.ones([2, 3]))).toThrow(/unit_normalization(_\d+)?: axis 3 is out of range for input shape/);
  });
});

describe('LayerNormalization: errors', () => {
  it('name the layer and the argument, what was expected and what came', () => {
    expect(() => new LayerNormalization({ axis: 1.5 })).toThrow(/LayerNormalization: axis must be an integer or a non-empty list of integers, got 1.5/);
    expect(() => new LayerNormalization({ epsilon: -1 })).toThrow(/LayerNormalization: epsilon must be >= 0, got -1/);
    expect(() => new LayerNormalization({ center: 'yes' as never })).toThrow(/LayerNormalization: center must be true or false, got 'yes'/);
    expect(() => new LayerNormalization({ axis: [1, -1] }).apply(tk.ones([2, 3]))).toThrow(/repeats an axis/);
    expect(() => new LayerNormalization({ axis: 2 }).apply(tk.ones([2, 3]))).toThrow(/axis 2 is out of range for input shape/);
    expect(() => new LayerNormalization({ betaConstraint: { className: 'NonNeg' } as never })).toThrow(/LayerNormalization: betaConstraint is not supported/);
    expect(() => new LayerNormalization({ name: 'ln', axes: -1 } as never)).toThrow(/LayerNormalization 'ln': unknown option 'axes'/);
  });
});
