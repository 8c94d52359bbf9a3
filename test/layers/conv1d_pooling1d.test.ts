// Conv1D and the 1-D poolings: Keras 3 output lengths and weights (keras-facts-2 §14.9), hand
// values, TF.js parity at identical weights (forward, weight and input gradients) for every
// padding, strides and dilation ('causal' against TF.js's conv1d on the left-padded input, since
// TF.js cannot run causal itself), channels_first against channels_last, finite differences,
// config round trips, errors that name the layer and the argument.

import * as tf from '@tensorflow/tfjs';
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import * as tk from '../../src/index.js';
import { AveragePooling1D, Conv1D, GlobalAveragePooling1D, GlobalMaxPooling1D, MaxPooling1D } from '../../src/layers/index.js';
import { expectClose } from '../helpers/index.js';
import { randomTensor, weightGradientError } from './helpers.js';
import { expectTfjsParity } from './tfjs_parity.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});
beforeEach(() => tk.clearSession());

describe('Conv1D: shapes, weights, values', () => {
  it('output lengths: valid ⌊(T − d(k−1) − 1)/s⌋ + 1, same and causal ⌈T/s⌉; None stays None', () => {
    const len = (k: number, o: object, t: number | null): unknown => new Conv1D(2, k, o).computeOutputShape([null, t, 3]);
    expect(len(3, {}, 10)).toEqual([null, 8, 2]);
    expect(len(3, { strides: 2 }, 10)).toEqual([null, 4, 2]);
    expect(len(3, { dilationRate: 3 }, 10)).toEqual([null, 4, 2]);
    expect(len(4, { padding: 'same', strides: 3 }, 10)).toEqual([null, 4, 2]);
    expect(len(5, { padding: 'causal', dilationRate: 2 }, 7)).toEqual([null, 7, 2]);
    expect(len(3, { padding: 'causal', strides: 2 }, 7)).toEqual([null, 4, 2]);
    expect(len(3, {}, null)).toEqual([null, null, 2]);
    expect(new Conv1D(2, 3, { dataFormat: 'channels_first' }).computeOutputShape([4, 3, 10])).toEqual([4, 2, 8]);
  });

  it("weights 'conv1d/kernel' [k, in, filters] and 'conv1d/bias' [filters]; defaults as Keras 3", () => {
    const conv = new Conv1D(6, 3);
    conv.apply(tk.zeros([2, 9, 4]));
    expect(conv.weights.map((w) => [w.name, w.shape])).toEqual([['conv1d/kernel', [3, 4, 6]], ['conv1d/bias', [6]]]);
    expect(conv.countParams()).toBe(3 * 4 * 6 + 6);
    expect(conv.getConfig()).toMatchObject({ filters: 6, kernelSize: [3], strides: [1], padding: 'valid', dilationRate: [1], activation: 'linear', useBias: true, dataFormat: 'channelsLast' });
    expect((conv.getConfig().kernelInitializer as { className: string }).className).toBe('GlorotUniform');
  });

  it('causal by hand: y[t] = Σ_j w[j]·x[t − d·(k−1−j)], zeros before the start', () => {
    // One channel, k = 2, d = 2: y[t] = w0·x[t−2] + w1·x[t].
    const conv = new Conv1D(1, 2, { padding: 'causal', dilationRate: 2, useBias: false });
    const x = tk.tensor([[[1], [2], [3], [4], [5]]]);
    conv.apply(x);
    conv.setWeights([tk.tensor([[[10]], [[1]]])]);
    expect(conv.apply(x).toArray()).toEqual([[[1], [2], [13], [24], [35]]]);
  });

  it('channels_first is channels_last with the steps and channels axes swapped', () => {
    const a = new Conv1D(3, 3, { padding: 'same', strides: 2, dataFormat: 'channels_first', biasInitializer: 'random_normal' });
    const b = new Conv1D(3, 3, { padding: 'same', strides: 2 });
    const x = randomTensor([2, 4, 7], 1); // [B, C, T]
    const ya = a.apply(x);
    b.apply(tk.transpose(x, [0, 2, 1]));
    b.setWeights(a.getWeights());
    expectClose(ya.data, tk.transpose(b.apply(tk.transpose(x, [0, 2, 1])), [0, 2, 1]).data, { rtol: 1e-6, atol: 1e-6 });
  });
});

describe('Conv1D: TF.js parity and gradients', () => {
  const cases: [string, { padding?: string; strides?: number; dilationRate?: number; activation?: string }][] = [
    ['valid', {}],
    ['valid, stride 2, relu (fused)', { strides: 2, activation: 'relu' }],
    ['valid, dilation 2, tanh', { dilationRate: 2, activation: 'tanh' }],
    ['same', { padding: 'same' }],
    ['same, stride 3', { padding: 'same', strides: 3 }],
    ['same, dilation 3, sigmoid', { padding: 'same', dilationRate: 3, activation: 'sigmoid' }],
  ];
  for (const [name, options] of cases) {
    it(`matches tf.layers.conv1d at the same weights (${name}): forward, kernel, bias and input gradients`, () => {
      const ours = new Conv1D(4, 3, { ...options, biasInitializer: 'random_normal' });
      const theirs = tf.layers.conv1d({ filters: 4, kernelSize: 3, ...options } as never);
      const x = randomTensor([2, 10, 3], 2);
      // TF.js cannot differentiate a dilated convolution ("dilation rates greater than 1 are not
      // yet supported in gradients"): there the forward is TF.js's, the gradients finite differences.
      const dilated = (options.dilationRate ?? 1) > 1;
      expectTfjsParity(ours, theirs, x, { gradients: !dilated });
      if (dilated) {
        expect(weightGradientError(ours, x)).toBeLessThan(1e-3);
        expect(tk.checkGradients((t) => ours.apply(t), [x])).toBeLessThan(1e-3);
      }
    });
  }

  for (const [name, k, d, s] of [['k 3, dilation 1', 3, 1, 1], ['k 2, dilation 3', 2, 3, 1], ['k 3, stride 2', 3, 1, 2]] as const) {
    it(`causal (${name}) = TF.js's valid conv1d on the input left-padded by (k−1)·d: forward and gradients`, () => {
      const ours = new Conv1D(3, k, { padding: 'causal', dilationRate: d, strides: s, biasInitializer: 'random_normal' });
      const theirs = tf.layers.conv1d({ filters: 3, kernelSize: k, dilationRate: d, strides: s });
      const x = randomTensor([2, 8, 2], 3);
      const y = ours.apply(x);
      const pad = (t: tf.Tensor): tf.Tensor => tf.pad(t, [[0, 0], [(k - 1) * d, 0], [0, 0]]);
      const tx = tf.tensor(x.data, [...x.shape]);
      theirs.apply(pad(tx));
      theirs.setWeights(ours.getWeights().map((w) => tf.tensor(w.data, [...w.shape])));
      const ty = theirs.apply(pad(tx)) as tf.Tensor;
      expect(ty.shape).toEqual(y.shape);
      expectClose(y.data, ty.dataSync(), { rtol: 1e-5, atol: 1e-5 });
      if (d > 1) {
        // TF.js cannot differentiate dilated convolutions: finite differences instead.
        expect(weightGradientError(ours, x)).toBeLessThan(1e-3);
        expect(tk.checkGradients((t) => ours.apply(t), [x])).toBeLessThan(1e-3);
        return;
      }
      const r = randomTensor([...y.shape], 4);
      const tr = tf.tensor(r.data, [...y.shape]);
      const { grads } = tk.variableGrads(() => ours.apply(x).mul(r).sum(), ours.trainableWeights);
      const tfGrads = tf.variableGrads(() => tf.sum(tf.mul(theirs.apply(pad(tx)) as tf.Tensor, tr)) as tf.Scalar, theirs.trainableWeights.map((w) => w.read() as tf.Variable));
      theirs.trainableWeights.forEach((w, i) => expectClose(grads[i]!.data, tfGrads.grads[(w.read() as tf.Variable).name]!.dataSync(), { rtol: 1e-4, atol: 1e-4 }));
      const [gx] = tk.grads((t) => ours.apply(t!).mul(r).sum())(x);
      const [tgx] = tf.grads((t: tf.Tensor) => tf.sum(tf.mul(theirs.apply(pad(t)) as tf.Tensor, tr)))([tx]);
      expectClose(gx!.data, tgx!.dataSync(), { rtol: 1e-4, atol: 1e-4 });
    });
  }

  for (const [name, options] of [
    ['causal, dilation 2', { padding: 'causal', dilationRate: 2 }],
    ['same, stride 2, channels_first', { padding: 'same', strides: 2, dataFormat: 'channels_first' }],
    ['valid, elu', { activation: 'elu' }],
  ] as const) {
    it(`finite differences of the kernel, the bias and the input (${name})`, () => {
      const conv = new Conv1D(2, 3, { ...options, biasInitializer: 'random_normal' } as never);
      const x = randomTensor([2, 7, 3], 5);
      expect(weightGradientError(conv, x)).toBeLessThan(1e-3);
      expect(tk.checkGradients((t) => conv.apply(t), [x])).toBeLessThan(1e-3);
    });
  }

  it('second order: the gradient of a gradient penalty on the input matches finite differences (causal)', () => {
    const conv = new Conv1D(2, 2, { padding: 'causal', activation: 'tanh', biasInitializer: 'random_normal' });
    const x = randomTensor([1, 5, 2], 6);
    conv.apply(x);
    const penalty = (t: tk.Tensor): tk.Tensor => tk.grad((u: tk.Tensor) => conv.apply(u).square().sum())(t).square().sum();
    expect(tk.checkGradients(penalty, [x])).toBeLessThan(1e-3);
  });

  it('trains: a causal Conv1D learns a 2-tap moving sum', async () => {
    tk.setSeed(2);
    const x = randomTensor([32, 12, 1], 7);
    const target = tk.noGrad(() => {
      const ref = new Conv1D(1, 2, { padding: 'causal', useBias: false });
      ref.apply(x);
      ref.setWeights([tk.tensor([[[0.5]], [[1]]])]);
      return ref.apply(x);
    });
    const model = new tk.Sequential([new Conv1D(1, 2, { padding: 'causal', inputShape: [12, 1] })]);
    model.compile({ optimizer: new tk.optimizers.Adam({ learningRate: 0.05 }), loss: 'mse' });
    const history = await model.fit(x, target, { epochs: 60, batchSize: 32, verbose: 0 });
    const losses = history.history.loss!;
    expect(losses[losses.length - 1]!).toBeLessThan(0.01 * losses[0]!);
  });
});

describe('Conv1D: config and errors', () => {
  it('getConfig → fromConfig; the TF.js args object; kernelSize / strides given as [n]', () => {
    const a = new Conv1D({ filters: 3, kernelSize: [4], strides: [2], padding: 'CAUSAL', activation: 'relu', name: 'c' });
    expect(a.padding).toBe('causal');
    const b = Conv1D.fromConfig({ ...a.getConfig(), name: 'c2' });
    expect({ ...b.getConfig(), name: 'c' }).toEqual(a.getConfig());
  });

  it('bad arguments and inputs name the layer and the argument; rank 3 is required', () => {
    expect(() => new Conv1D(0, 3)).toThrow(/Conv1D: filters must be a positive integer, got 0/);
    expect(() => new Conv1D(2)).toThrow(/Conv1D: kernelSize is required/);
    expect(() => new Conv1D(2, [3, 3])).toThrow(/Conv1D: kernelSize must be a positive integer or a list of 1 of them, got \[3,3\]/);
    expect(() => new Conv1D(2, 3, { padding: 'full' })).toThrow(/Conv1D: padding must be 'valid', 'same' or 'causal' \(any case\), got 'full'/);
    expect(() => new Conv1D(2, 3, { strides: 2, dilationRate: 2 })).toThrow(/Conv1D: strides > 1 and dilationRate > 1 cannot be combined/);
    expect(() => new Conv1D(2, 3, { groups: 2 })).toThrow(/Conv1D: groups must be 1 \(grouped convolutions are not supported\), got 2/);
    expect(() => new Conv1D(2, 3, { kernelConstraint: 'non_neg' as never })).toThrow(/Conv1D: kernelConstraint is not supported/);
    expect(() => new Conv1D(2, 3, { name: 'c' }).apply(tk.zeros([2, 5]))).toThrow(/c: expected an input of rank 3 \(batch axis included\), got shape \[2,5\]/);
    expect(() => new Conv1D(2, 5, { name: 'short' }).apply(tk.zeros([1, 3, 1]))).toThrow(/short: input \(1, 3, 1\) with kernel 5, padding 'valid' gives output length -1/);
    const built = new Conv1D(2, 2, { name: 'fixed' });
    built.apply(tk.zeros([1, 4, 3]));
    expect(() => built.apply(tk.zeros([1, 4, 2]))).toThrow(/fixed: expected an input of shape \(None, None, 3\)/);
  });
});

describe('1-D pooling', () => {
  for (const [name, options] of [
    ['pool 2 (strides = pool)', {}],
    ['pool 3, stride 2, same', { strides: 2, padding: 'same' }],
    ['pool 3, stride 1, valid', { strides: 1 }],
    ['pool 3, stride 2, valid', { strides: 2 }],
  ] as const) {
    const pool = 'strides' in options ? 3 : 2;
    it(`MaxPooling1D and AveragePooling1D match TF.js (${name}): forward and input gradients`, () => {
      const x = randomTensor([2, 9, 3], 8);
      expectTfjsParity(new MaxPooling1D(pool, options), tf.layers.maxPooling1d({ poolSize: pool, ...options }), x);
      // NOTE: with 'same' padding TF.js's average-pool gradient divides by the whole window, padding
      // included, while its forward (and Keras/TF's) divides by the real steps: the forward is
      // compared, and the gradient is checked by finite differences and by hand (below).
      const same = 'padding' in options;
      expectTfjsParity(new AveragePooling1D(pool, options), tf.layers.averagePooling1d({ poolSize: pool, ...options }), x, { gradients: !same });
      if (same) expect(tk.checkGradients((t) => new AveragePooling1D(pool, options).apply(t), [x])).toBeLessThan(1e-3);
    });
  }

  it('AveragePooling1D same-padding gradient by hand: each step gets Σ over its windows of 1/(real steps)', () => {
    // T = 5, pool 3, stride 2: windows [pad, 0, 1], [1, 2, 3], [3, 4, pad] average 2, 3, 2 steps.
    const [g] = tk.grads((t) => new AveragePooling1D(3, { strides: 2, padding: 'same' }).apply(t!).sum())(randomTensor([1, 5, 1], 1));
    expectClose(g!.data, [1 / 2, 1 / 2 + 1 / 3, 1 / 3, 1 / 3 + 1 / 2, 1 / 2], { rtol: 1e-6, atol: 1e-7 });
  });

  it('hand values: max and mean of each window; same padding averages only the real steps', () => {
    const x = tk.tensor([[[1], [5], [3], [2], [8]]]);
    expect(new MaxPooling1D(2).apply(x).toArray()).toEqual([[[5], [3]]]);
    expect(new AveragePooling1D(2, { padding: 'same' }).apply(x).toArray()).toEqual([[[3], [2.5], [8]]]);
    expect(new MaxPooling1D(2, { dataFormat: 'channels_first' }).apply(tk.tensor([[[1, 5, 3, 2]]])).toArray()).toEqual([[[5, 3]]]);
    expect(new MaxPooling1D(3, { strides: 2 }).computeOutputShape([null, 10, 4])).toEqual([null, 4, 4]);
    expect(new AveragePooling1D().poolSize).toBe(2);
  });

  it('finite differences of the input (max: distinct values, so no ties)', () => {
    const x = randomTensor([2, 7, 2], 9);
    expect(tk.checkGradients((t) => new MaxPooling1D(3, { strides: 2, padding: 'same' }).apply(t), [x])).toBeLessThan(1e-3);
    expect(tk.checkGradients((t) => new AveragePooling1D(2, { strides: 1, dataFormat: 'channels_first' }).apply(t), [x])).toBeLessThan(1e-3);
  });

  it('GlobalAveragePooling1D and GlobalMaxPooling1D match TF.js (no mask): forward and input gradients; keepdims; channels_first', () => {
    const x = randomTensor([3, 5, 4], 10);
    expectTfjsParity(new GlobalAveragePooling1D(), tf.layers.globalAveragePooling1d({}), x);
    expectTfjsParity(new GlobalMaxPooling1D(), tf.layers.globalMaxPooling1d({}), x);
    expect(new GlobalAveragePooling1D({ keepdims: true }).apply(x).shape).toEqual([3, 1, 4]);
    expect(new GlobalMaxPooling1D({ keepDims: true, dataFormat: 'channels_first' }).apply(x).shape).toEqual([3, 5, 1]);
    expect(new GlobalMaxPooling1D({ dataFormat: 'channels_first' }).apply(tk.tensor([[[1, 7, 2], [4, 0, 3]]])).toArray()).toEqual([[7, 4]]);
    expect(tk.checkGradients((t) => new GlobalAveragePooling1D().apply(t, { mask: tk.tensor([[1, 0, 1, 1, 0], [1, 1, 1, 1, 1], [0, 0, 1, 0, 0]]) }), [x])).toBeLessThan(1e-3);
  });

  it('configs round-trip; the TF.js args forms', () => {
    const m = new MaxPooling1D({ poolSize: [3], strides: [1], padding: 'SAME', name: 'm' });
    expect(m.getConfig()).toMatchObject({ poolSize: [3], strides: [1], padding: 'same', dataFormat: 'channelsLast' });
    expect({ ...MaxPooling1D.fromConfig({ ...m.getConfig(), name: 'm2' }).getConfig(), name: 'm' }).toEqual(m.getConfig());
    const g = new GlobalAveragePooling1D({ keepdims: true, dataFormat: 'channels_first', name: 'g' });
    expect({ ...GlobalAveragePooling1D.fromConfig({ ...g.getConfig(), name: 'g2' }).getConfig(), name: 'g' }).toEqual(g.getConfig());
  });

  it('errors name the layer and the argument; rank 3 is required', () => {
    expect(() => new MaxPooling1D(0)).toThrow(/MaxPooling1D: poolSize must be a positive integer or a list of 1 of them, got 0/);
    expect(() => new AveragePooling1D(2, { padding: 'causal' })).toThrow(/AveragePooling1D: padding must be 'valid', 'same' \(any case\), got 'causal'/);
    expect(() => new MaxPooling1D(2, { poolSize: 2 })).toThrow(/MaxPooling1D: give poolSize once/);
    expect(() => new MaxPooling1D(2, { name: 'mp' }).apply(tk.zeros([2, 4]))).toThrow(/mp: expected an input of rank 3 \(batch axis included\), got shape \[2,4\]/);
    expect(() => new MaxPooling1D(5, { name: 'mp5' }).apply(tk.zeros([1, 3, 1]))).toThrow(/mp5: input \(1, 3, 1\) with pool 5 \(strides 5\), padding 'valid' gives output length 0/);
    expect(() => new GlobalMaxPooling1D({ name: 'g' }).apply(tk.zeros([2, 3, 4, 5]))).toThrow(/g: expected an input of rank 3 \(batch axis included\), got shape \[2,3,4,5\]/);
    expect(() => new GlobalAveragePooling1D({ keepdims: true, keepDims: false })).toThrow(/GlobalAveragePooling1D: keepdims and keepDims disagree/);
    expect(() => new GlobalAveragePooling1D({ name: 'ga' }).apply(tk.zeros([2, 3, 4]), { mask: tk.ones([2, 4]) })).toThrow(/ga: the mask must be \[batch, steps\] = \[2, 3\], got \[2,4\]/);
  });
});
