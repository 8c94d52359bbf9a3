// Conv3D, MaxPooling3D and AveragePooling3D: shapes, weights, defaults, constructor forms (the
// pool size first, as the 2-D poolings), config round trips, gradients by finite differences,
// TF.js parity at the same weights, errors.

import * as tf from '@tensorflow/tfjs';
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import * as tk from '../../src/index.js';
import { AveragePooling3D, Conv3D, MaxPooling3D } from '../../src/layers/index.js';
import { clearSession } from '../../src/naming.js';
import { expectClose } from '../helpers/index.js';
import { randomTensor, weightGradientError } from './helpers.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});
beforeEach(() => clearSession());

describe('Conv3D', () => {
  it("weights 'conv3d/kernel' [kd, kh, kw, in, filters] and 'conv3d/bias'; sizes per axis as Conv2D's", () => {
    const layer = new Conv3D(4, [2, 3, 3]);
    expect(layer.apply(tk.zeros([2, 4, 6, 5, 3])).shape).toEqual([2, 3, 4, 3, 4]);
    expect(layer.weights.map((w) => [w.name, w.shape])).toEqual([['conv3d/kernel', [2, 3, 3, 3, 4]], ['conv3d/bias', [4]]]);
    expect(layer.countParams()).toBe(2 * 3 * 3 * 3 * 4 + 4);
    expect(new Conv3D(2, 3, { strides: [1, 2, 2], padding: 'same' }).computeOutputShape([null, 5, 7, 8, 1])).toEqual([null, 5, 4, 4, 2]);
    expect(new Conv3D(2, 3, { dilationRate: 2, dataFormat: 'channels_first' }).computeOutputShape([null, 1, 9, 8, null])).toEqual([null, 2, 5, 4, null]);
  });

  it('defaults (Keras 3), the TF.js args form, config round trip', () => {
    const a = new Conv3D({ filters: 3, kernelSize: [1, 2, 3], strides: 2, padding: 'Same', activation: 'elu', name: 'c3' });
    expect(a.getConfig()).toMatchObject({ filters: 3, kernelSize: [1, 2, 3], strides: [2, 2, 2], padding: 'same', dilationRate: [1, 1, 1], useBias: true });
    expect((new Conv3D(1, 2).getConfig().kernelInitializer as { className: string }).className).toBe('GlorotUniform');
    const b = Conv3D.fromConfig({ ...a.getConfig(), name: 'c3b' }) as Conv3D;
    expect({ ...b.getConfig(), name: 'c3' }).toEqual(a.getConfig());
  });

  for (const [name, options, shape] of [
    ['valid', {}, [2, 3, 4, 4, 2]],
    ['same, strides [1, 2, 2], tanh', { strides: [1, 2, 2], padding: 'same', activation: 'tanh' }, [1, 3, 5, 4, 2]],
    ['channels_first, dilation [1, 2, 1]', { dataFormat: 'channels_first', dilationRate: [1, 2, 1] }, [1, 2, 3, 5, 4]],
  ] as const) {
    it(`weights and input match finite differences: ${name}`, () => {
      const layer = new Conv3D(2, 2, { ...options, biasInitializer: 'random_normal' } as never);
      const x = randomTensor([...shape], 13);
      expect(weightGradientError(layer, x)).toBeLessThan(1e-3);
      expect(tk.checkGradients((t) => layer.apply(t), [x])).toBeLessThan(1e-3);
    });
  }

  it('matches tf.layers.conv3d at the same weights: forward and gradients', () => {
    const ours = new Conv3D(3, [2, 3, 3], { strides: [1, 2, 1], padding: 'same', activation: 'relu' });
    const theirs = tf.layers.conv3d({ filters: 3, kernelSize: [2, 3, 3], strides: [1, 2, 1], padding: 'same', activation: 'relu' });
    const shape = [2, 3, 5, 4, 2];
    const xData = randomTensor(shape, 14);
    const y = ours.apply(xData);
    theirs.apply(tf.zeros([1, ...shape.slice(1)]));
    theirs.setWeights(ours.getWeights().map((w) => tf.tensor(w.data, [...w.shape])));
    const x = tf.tensor(xData.data, shape);
    expectClose(y.data, (theirs.apply(x) as tf.Tensor).dataSync(), { rtol: 1e-5, atol: 1e-5 });
    const r = tf.tensor(randomTensor([...y.shape], 15).data, [...y.shape]);
    const { grads } = tk.variableGrads(() => ours.apply(xData).mul(tk.tensor(Float32Array.from(r.dataSync()), y.shape)).sum(), ours.trainableWeights);
    const tfGrads = Object.values(tf.variableGrads(() => tf.sum(tf.mul(theirs.apply(x) as tf.Tensor, r)) as tf.Scalar, theirs.trainableWeights.map((w) => w.read() as tf.Variable)).grads);
    grads.forEach((g, i) => expectClose(g.data, tfGrads[i]!.dataSync(), { rtol: 1e-4, atol: 1e-5 }));
  });

  it('errors name the layer and the argument', () => {
    expect(() => new Conv3D(4, [3, 3])).toThrow(/Conv3D: kernelSize must be a positive integer or a list of 3 of them, got \[3,3\]/);
    expect(() => new Conv3D(4, 3, { strides: 2, dilationRate: 2 })).toThrow(/Conv3D: strides > 1 and dilationRate > 1 cannot be combined/);
    expect(() => new Conv3D(4, 3, { groups: 2 } as never)).toThrow(/Conv3D: unknown option 'groups'/);
    const c = new Conv3D(2, 3);
    expect(() => c.apply(tk.zeros([1, 2, 5, 5, 1]))).toThrow("conv3d: input (1, 2, 5, 5, 1) with kernel 3×3×3, padding 'valid' gives output size 0×3×3");
    expect(() => c.apply(tk.zeros([1, 5, 5, 1]))).toThrow(/conv3d: expected an input of rank 5/);
  });
});

describe('MaxPooling3D and AveragePooling3D', () => {
  it('the pool size first (default [2, 2, 2]), strides default to it, TF.js form; shapes; no weights', () => {
    expect(new MaxPooling3D().apply(tk.zeros([1, 4, 6, 8, 2])).shape).toEqual([1, 2, 3, 4, 2]);
    expect(new MaxPooling3D([1, 2, 3]).strides).toEqual([1, 2, 3]);
    expect(new AveragePooling3D(2, { strides: 1, padding: 'same' }).computeOutputShape([null, 3, 4, 5, 2])).toEqual([null, 3, 4, 5, 2]);
    expect(new MaxPooling3D({ poolSize: 3, strides: 2 }).computeOutputShape([null, 7, 7, 7, 1])).toEqual([null, 3, 3, 3, 1]);
    expect(new AveragePooling3D(2, { dataFormat: 'channels_first' }).computeOutputShape([4, 3, 6, 6, null])).toEqual([4, 3, 3, 3, null]);
    const pool = new MaxPooling3D(2);
    pool.apply(tk.zeros([1, 2, 2, 2, 1]));
    expect(pool.countParams()).toBe(0);
  });

  it('config round trip', () => {
    const a = new AveragePooling3D([2, 1, 2], { strides: [1, 1, 2], padding: 'same', name: 'ap' });
    expect(a.getConfig()).toMatchObject({ poolSize: [2, 1, 2], strides: [1, 1, 2], padding: 'same', dataFormat: 'channelsLast' });
    expect({ ...AveragePooling3D.fromConfig({ ...a.getConfig(), name: 'ap2' }).getConfig(), name: 'ap' }).toEqual(a.getConfig());
  });

  for (const [Ours, theirs] of [[MaxPooling3D, tf.layers.maxPooling3d], [AveragePooling3D, tf.layers.averagePooling3d]] as const) {
    it(`${Ours.className} matches TF.js (pool 2, stride 2, valid; and channels_first) with its gradient`, () => {
      const x = randomTensor([2, 4, 4, 6, 3], 16);
      const ours = new Ours(2);
      const y = ours.apply(x);
      const tx = tf.tensor(x.data, [2, 4, 4, 6, 3]);
      expectClose(y.data, (theirs({ poolSize: 2 }).apply(tx) as tf.Tensor).dataSync(), { rtol: 1e-6, atol: 1e-6 });
      const [gx] = tk.grads((t) => new Ours(2).apply(t!).square().sum())(x);
      const [tgx] = tf.grads((t: tf.Tensor) => tf.sum(tf.square(theirs({ poolSize: 2 }).apply(t) as tf.Tensor)))([tx]);
      expectClose(gx!.data, tgx!.dataSync(), { rtol: 1e-5, atol: 1e-6 });
      const first = new Ours(2, { dataFormat: 'channels_first' }).apply(x.transpose([0, 4, 1, 2, 3]));
      expectClose(first.transpose([0, 2, 3, 4, 1]).data, y.data, { rtol: 0, atol: 0 });
    });
  }

  it('errors name the layer and the argument', () => {
    expect(() => new MaxPooling3D([2, 2])).toThrow(/MaxPooling3D: poolSize must be a positive integer or a list of 3 of them, got \[2,2\]/);
    expect(() => new AveragePooling3D(2, { poolSize: 2 })).toThrow(/AveragePooling3D: give poolSize once/);
    expect(() => new MaxPooling3D(2, { padding: 'causal' })).toThrow(/MaxPooling3D: padding must be 'valid' or 'same'/);
    expect(() => new MaxPooling3D(3).apply(tk.zeros([1, 2, 4, 4, 1]))).toThrow("max_pooling3d: input (1, 2, 4, 4, 1) with pool 3×3×3, strides 3×3×3, padding 'valid' gives output size 0×1×1");
  });
});
