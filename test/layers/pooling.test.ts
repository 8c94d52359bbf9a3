// Pooling layers: output shapes (keras-facts §2.4), defaults, both constructor forms, names,
// configs, data formats, TF.js parity, and the errors.

import * as tf from '@tensorflow/tfjs';
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import * as tk from '../../src/index.js';
import { AveragePooling2D, GlobalAveragePooling2D, GlobalMaxPooling2D, MaxPooling2D } from '../../src/layers/index.js';
import { clearSession } from '../../src/naming.js';
import { expectClose } from '../helpers/index.js';
import { randomTensor } from './helpers.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});
beforeEach(() => clearSession());

describe('MaxPooling2D and AveragePooling2D', () => {
  it('defaults: pool [2, 2], strides = pool, valid (MNIST: 26×26×32 → 13×13×32, 11×11×64 → 5×5×64)', () => {
    const p = new MaxPooling2D();
    expect([p.poolSize, p.strides, p.padding, p.dataFormat]).toEqual([[2, 2], [2, 2], 'valid', 'channels_last']);
    expect(p.apply(tk.zeros([2, 26, 26, 32])).shape).toEqual([2, 13, 13, 32]);
    expect(new MaxPooling2D([2, 2]).computeOutputShape([null, 11, 11, 64])).toEqual([null, 5, 5, 64]);
    // AveragePooling2D defaults to [2, 2] too (TF.js, tf.keras 2); Keras 3 requires the argument.
    expect(new AveragePooling2D().poolSize).toEqual([2, 2]);
  });

  it('names max_pooling2d, max_pooling2d_1, average_pooling2d; no weights', () => {
    const a = new MaxPooling2D();
    const b = new MaxPooling2D(3);
    const c = new AveragePooling2D(2);
    expect([a.name, b.name, c.name]).toEqual(['max_pooling2d', 'max_pooling2d_1', 'average_pooling2d']);
    a.apply(tk.zeros([1, 4, 4, 1]));
    expect(a.weights).toEqual([]);
    expect(a.countParams()).toBe(0);
  });

  it('the options-object form (TF.js / Keras keywords) equals the positional form', () => {
    const a = new MaxPooling2D({ poolSize: [3, 2], strides: 1, padding: 'SAME', dataFormat: 'channelsLast', name: 'mp' });
    expect([a.name, a.poolSize, a.strides, a.padding]).toEqual(['mp', [3, 2], [1, 1], 'same']);
    const b = new MaxPooling2D([3, 2], { strides: 1, padding: 'same' });
    const x = randomTensor([2, 5, 6, 3], 1);
    expect(a.apply(x).data).toEqual(b.apply(x).data);
    expect(new AveragePooling2D({ poolSize: 3 }).strides).toEqual([3, 3]);
  });

  it('output sizes: valid floor((n − p)/s) + 1, same ceil(n/s), channels_first, None', () => {
    expect(new MaxPooling2D(3, { strides: 2 }).computeOutputShape([null, 7, 8, 4])).toEqual([null, 3, 3, 4]);
    expect(new MaxPooling2D(3, { strides: 2, padding: 'same' }).computeOutputShape([null, 7, 8, 4])).toEqual([null, 4, 4, 4]);
    expect(new AveragePooling2D(2, { dataFormat: 'channels_first' }).computeOutputShape([null, 4, 9, 7])).toEqual([null, 4, 4, 3]);
    expect(new AveragePooling2D(2).computeOutputShape([null, null, 9, 2])).toEqual([null, null, 4, 2]);
  });

  it('getConfig in TF.js camelCase', () => {
    expect(new MaxPooling2D(3, { strides: [1, 2], padding: 'SAME' }).getConfig()).toMatchObject({
      name: 'max_pooling2d', poolSize: [3, 3], strides: [1, 2], padding: 'same', dataFormat: 'channelsLast',
    });
  });

  for (const kind of ['max', 'avg'] as const) {
    it(`${kind}: matches tf.layers with 'same' and channels_first data`, () => {
      const x = randomTensor([2, 7, 6, 3], 2);
      const args = { poolSize: 3, strides: 2, padding: 'same' as const };
      const ours = kind === 'max' ? new MaxPooling2D(args) : new AveragePooling2D(args);
      const theirs = kind === 'max' ? tf.layers.maxPooling2d(args) : tf.layers.averagePooling2d(args);
      const y = ours.apply(x);
      expectClose(y.data, (theirs.apply(tf.tensor(x.data, [2, 7, 6, 3])) as tf.Tensor).dataSync(), { rtol: 1e-6, atol: 1e-6 });
      // channels_first on the transposed input gives the transposed output.
      const first = kind === 'max' ? new MaxPooling2D({ ...args, dataFormat: 'channels_first' }) : new AveragePooling2D({ ...args, dataFormat: 'channels_first' });
      expectClose(first.apply(x.transpose([0, 3, 1, 2])).data, y.transpose([0, 3, 1, 2]).data, { rtol: 0, atol: 0 });
    });
  }

  it('gradients flow through the layer (finite differences)', () => {
    const x = tk.tensor(Array.from({ length: 2 * 6 * 6 * 2 }, (_, i) => ((i * 37) % 144) * 0.1), [2, 6, 6, 2]);
    expect(tk.checkGradients((t) => new MaxPooling2D(3, { strides: 2, padding: 'same' }).apply(t), [x])).toBeLessThan(1e-3);
    expect(tk.checkGradients((t) => new AveragePooling2D(2, { strides: 1 }).apply(t), [x])).toBeLessThan(1e-3);
  });

  it('errors name the layer and the shapes', () => {
    expect(() => new MaxPooling2D().apply(tk.zeros([1, 1, 5, 3]))).toThrow("max_pooling2d: input (1, 1, 5, 3) with pool 2×2 (strides 2×2), padding 'valid' gives output size 0×2");
    expect(() => new AveragePooling2D(3).computeOutputShape([null, 2, 2, 1])).toThrow(/average_pooling2d: input \(None, 2, 2, 1\) with pool 3×3/);
    expect(() => new MaxPooling2D(0)).toThrow(/MaxPooling2D: poolSize must be a positive integer or a pair/);
    expect(() => new MaxPooling2D(2, { poolSize: 2 })).toThrow(/give poolSize once/);
    expect(() => new MaxPooling2D(2, { padding: 'full' })).toThrow(/MaxPooling2D: padding must be 'valid' or 'same'/);
    expect(() => new MaxPooling2D({ pool_size: 2 } as never)).toThrow(/MaxPooling2D: unknown option 'pool_size'. Did you mean 'poolSize'\?/);
    expect(() => new MaxPooling2D().apply(tk.zeros([4, 4, 1]))).toThrow(/max_pooling2d.*expected an input of rank 4/);
  });
});

describe('GlobalAveragePooling2D and GlobalMaxPooling2D', () => {
  const x = randomTensor([2, 4, 3, 5], 3);

  it('(batch, h, w, c) → (batch, c); keepdims → (batch, 1, 1, c); channels_first → (batch, c, 1, 1)', () => {
    const avg = new GlobalAveragePooling2D();
    expect(avg.name).toBe('global_average_pooling2d');
    expect(avg.apply(x).shape).toEqual([2, 5]);
    expect(avg.computeOutputShape([null, 4, 3, 5])).toEqual([null, 5]);
    const keep = new GlobalMaxPooling2D({ keepdims: true });
    expect(keep.name).toBe('global_max_pooling2d');
    expect(keep.apply(x).shape).toEqual([2, 1, 1, 5]);
    expect(keep.computeOutputShape([null, 4, 3, 5])).toEqual([null, 1, 1, 5]);
    const first = new GlobalAveragePooling2D({ dataFormat: 'channels_first', keepDims: true });
    expect(first.computeOutputShape([null, 5, 4, 3])).toEqual([null, 5, 1, 1]);
    expect(first.apply(x.transpose([0, 3, 1, 2])).shape).toEqual([2, 5, 1, 1]);
  });

  it('match tf.layers.globalAveragePooling2d / globalMaxPooling2d', () => {
    const tx = tf.tensor(x.data, [2, 4, 3, 5]);
    expectClose(new GlobalAveragePooling2D().apply(x).data, (tf.layers.globalAveragePooling2d({}).apply(tx) as tf.Tensor).dataSync(), { rtol: 1e-6, atol: 1e-7 });
    expectClose(new GlobalMaxPooling2D().apply(x).data, (tf.layers.globalMaxPooling2d({}).apply(tx) as tf.Tensor).dataSync(), { rtol: 0, atol: 0 });
  });

  it('config and errors', () => {
    expect(new GlobalMaxPooling2D({ dataFormat: 'channelsFirst' }).getConfig()).toMatchObject({ dataFormat: 'channelsFirst', keepdims: false });
    expect(() => new GlobalAveragePooling2D({ keepdims: 1 } as never)).toThrow(/GlobalAveragePooling2D: keepdims must be true or false/);
    expect(() => new GlobalAveragePooling2D({ keepdims: true, keepDims: false })).toThrow(/keepdims and keepDims disagree/);
    expect(() => new GlobalMaxPooling2D().apply(tk.zeros([2, 3]))).toThrow(/global_max_pooling2d.*rank 4/);
  });
});
