// UpSampling2D, ZeroPadding2D and Cropping2D: every argument form of keras-facts-2 §15.5, the
// defaults, nearest and bilinear (Keras 3's half-pixel centres) up-sampling, TF.js parity where
// TF.js computes the same (nearest, padding, cropping), gradients, config round trips, errors.

import * as tf from '@tensorflow/tfjs';
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import * as tk from '../../src/index.js';
import { Cropping2D, UpSampling2D, ZeroPadding2D } from '../../src/layers/index.js';
import { clearSession } from '../../src/naming.js';
import { expectClose } from '../helpers/index.js';
import { randomTensor } from './helpers.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});
beforeEach(() => clearSession());

describe('UpSampling2D', () => {
  it('defaults: size [2, 2], nearest; forms: options, a number, a pair; the Keras example for bilinear', () => {
    expect(new UpSampling2D().apply(tk.zeros([1, 3, 4, 2])).shape).toEqual([1, 6, 8, 2]);
    expect(new UpSampling2D({ size: [3, 1] }).size).toEqual([3, 1]);
    expect(new UpSampling2D(3).size).toEqual([3, 3]);
    expect(new UpSampling2D([1, 2], { interpolation: 'BILINEAR' }).interpolation).toBe('bilinear');
    // keras-facts-2 §15.4: the row 0, 1, 2, 3 doubled (bilinear) is 0, .25, .75, 1.25, 1.75, 2.25, 2.75, 3
    const y = new UpSampling2D({ size: [1, 2], interpolation: 'bilinear' }).apply(tk.tensor([0, 1, 2, 3], [1, 1, 4, 1]));
    expect(Array.from(y.data)).toEqual([0, 0.25, 0.75, 1.25, 1.75, 2.25, 2.75, 3]);
  });

  it('nearest equals tf.layers.upSampling2d, channels_first too; the gradient of Σy² is 2·x·(copies)', () => {
    for (const dataFormat of ['channelsLast', 'channelsFirst'] as const) {
      const x = randomTensor([2, 3, 4, 3], 20);
      const ours = new UpSampling2D({ size: [2, 3], dataFormat });
      const theirs = tf.layers.upSampling2d({ size: [2, 3], dataFormat });
      expectClose(ours.apply(x).data, (theirs.apply(tf.tensor(x.data, [2, 3, 4, 3])) as tf.Tensor).dataSync(), { rtol: 0, atol: 0 });
      // Each pixel is copied 2·3 times, so ∂/∂x Σ y² = 2·x·6. (TF.js's resize gradient swaps height
      // and width of non-square images, so it is no reference here; see test/ops/resize.test.ts.)
      const [g] = tk.grads((t) => ours.apply(t!).square().sum())(x);
      expectClose(g!.data, Array.from(x.data).map((v) => 12 * v), { rtol: 1e-6, atol: 1e-6 });
    }
  });

  it("bilinear differs from TF.js's (its legacy mapping) and its gradients match finite differences", () => {
    const x = randomTensor([1, 3, 3, 2], 21);
    const ours = new UpSampling2D({ interpolation: 'bilinear' });
    const theirs = (tf.layers.upSampling2d({ interpolation: 'bilinear' }).apply(tf.tensor(x.data, [1, 3, 3, 2])) as tf.Tensor).dataSync();
    const y = ours.apply(x);
    expect(Math.max(...Array.from(y.data).map((v, i) => Math.abs(v - theirs[i]!)))).toBeGreaterThan(0.01);
    expect(tk.checkGradients((t) => ours.apply(t), [x])).toBeLessThan(1e-3);
    expect(tk.checkGradients((t) => new UpSampling2D({ size: [2, 3], interpolation: 'bilinear', dataFormat: 'channels_first' }).apply(t), [x])).toBeLessThan(1e-3);
  });

  it('config round trip; errors', () => {
    const a = new UpSampling2D({ size: [2, 3], interpolation: 'bilinear', dataFormat: 'channels_first', name: 'up' });
    expect(a.getConfig()).toMatchObject({ size: [2, 3], interpolation: 'bilinear', dataFormat: 'channelsFirst' });
    expect({ ...UpSampling2D.fromConfig({ ...a.getConfig(), name: 'up2' }).getConfig(), name: 'up' }).toEqual(a.getConfig());
    expect(() => new UpSampling2D({ interpolation: 'bicubic' })).toThrow("UpSampling2D: interpolation must be 'nearest' or 'bilinear', got 'bicubic' (a Keras resize method tensorkit does not implement)");
    expect(() => new UpSampling2D({ size: 0 })).toThrow(/UpSampling2D: size must be a positive integer or a pair of them, got 0/);
    expect(() => new UpSampling2D(2, { size: 2 })).toThrow(/UpSampling2D: give size once/);
    expect(() => new UpSampling2D({ sizes: 2 } as never)).toThrow(/UpSampling2D: unknown option 'sizes'. Did you mean 'size'\?/);
    expect(() => new UpSampling2D().apply(tk.zeros([1, 3, 3]))).toThrow(/up_sampling2d: expected an input of rank 4/);
  });
});

describe('ZeroPadding2D', () => {
  it("argument forms (§15.5): n on all sides; [a, b] is a above and below, b left and right; [[t, b], [l, r]]; default 1", () => {
    const pads = (arg?: unknown): unknown => new ZeroPadding2D(arg === undefined ? {} : { padding: arg as never }).padding;
    expect(pads()).toEqual([[1, 1], [1, 1]]);
    expect(pads(2)).toEqual([[2, 2], [2, 2]]);
    expect(pads([1, 3])).toEqual([[1, 1], [3, 3]]);
    expect(pads([[1, 0], [2, 3]])).toEqual([[1, 0], [2, 3]]);
    expect(pads([[1, 0], 2])).toEqual([[1, 0], [2, 2]]);
    expect(new ZeroPadding2D([[0, 1], [2, 0]]).padding).toEqual([[0, 1], [2, 0]]); // positional
  });

  it('pads with zeros in the right places (by hand), channels_first too; the gradient is the unpadded part', () => {
    const x = tk.tensor([1, 2, 3, 4], [1, 2, 2, 1]);
    const y = new ZeroPadding2D({ padding: [[1, 0], [0, 2]] }).apply(x);
    expect(y.shape).toEqual([1, 3, 4, 1]);
    expect(Array.from(y.data)).toEqual([0, 0, 0, 0, 1, 2, 0, 0, 3, 4, 0, 0]);
    const first = new ZeroPadding2D({ padding: [[1, 0], [0, 2]], dataFormat: 'channels_first' }).apply(tk.tensor([1, 2, 3, 4], [1, 1, 2, 2]));
    expect(Array.from(first.data)).toEqual([0, 0, 0, 0, 1, 2, 0, 0, 3, 4, 0, 0]);
    expect(new ZeroPadding2D({ padding: 1 }).computeOutputShape([null, null, 5, 3])).toEqual([null, null, 7, 3]);
    const r = randomTensor([1, 3, 4, 1], 22);
    const [g] = tk.grads((t) => new ZeroPadding2D({ padding: [[1, 0], [0, 2]] }).apply(t!).mul(r).sum())(x);
    expect(Array.from(g!.data)).toEqual([r.data[4], r.data[5], r.data[8], r.data[9]]);
  });

  it('matches tf.layers.zeroPadding2d', () => {
    const x = randomTensor([2, 3, 4, 2], 23);
    for (const padding of [1, [2, 1], [[1, 2], [3, 0]]] as const) {
      const theirs = (tf.layers.zeroPadding2d({ padding: padding as never }).apply(tf.tensor(x.data, [2, 3, 4, 2])) as tf.Tensor).dataSync();
      expectClose(new ZeroPadding2D({ padding: padding as never }).apply(x).data, theirs, { rtol: 0, atol: 0 });
    }
  });

  it('errors: negative values, wrong lengths, bad types name the layer and the argument', () => {
    expect(() => new ZeroPadding2D({ padding: -1 })).toThrow(/ZeroPadding2D: padding must be a non-negative integer, a pair \[rows, columns\], or \[\[top, bottom\], \[left, right\]\], got -1/);
    expect(() => new ZeroPadding2D({ padding: [1, 2, 3] as never })).toThrow(/ZeroPadding2D: padding should have two entries \(rows, columns\), got \[1,2,3\]/);
    expect(() => new ZeroPadding2D({ padding: [[1, -1], 0] })).toThrow(/ZeroPadding2D: the first \(rows\) entry of padding must be a non-negative integer or a pair \[before, after\] of them, got \[1,-1\]/);
    expect(() => new ZeroPadding2D({ padding: [0, [1, 2, 3]] as never })).toThrow(/the second \(columns\) entry of padding/);
    expect(() => new ZeroPadding2D({ padding: 1.5 })).toThrow(/ZeroPadding2D: padding must be/);
  });
});

describe('Cropping2D', () => {
  it('argument forms (§15.5) and the default ((0, 0), (0, 0))', () => {
    const crops = (arg?: unknown): unknown => new Cropping2D(arg === undefined ? {} : { cropping: arg as never }).cropping;
    expect(crops()).toEqual([[0, 0], [0, 0]]);
    expect(crops(1)).toEqual([[1, 1], [1, 1]]);
    expect(crops([2, 3])).toEqual([[2, 2], [3, 3]]);
    expect(crops([[0, 1], [2, 0]])).toEqual([[0, 1], [2, 0]]);
    expect(new Cropping2D(2).cropping).toEqual([[2, 2], [2, 2]]);
  });

  it('crops the right rows and columns (by hand); gradient is the padded-back dy; TF.js parity', () => {
    const x = tk.tensor(Array.from({ length: 12 }, (_, i) => i), [1, 3, 4, 1]);
    const layer = new Cropping2D({ cropping: [[1, 0], [1, 2]] });
    const y = layer.apply(x);
    expect(y.shape).toEqual([1, 2, 1, 1]);
    expect(Array.from(y.data)).toEqual([5, 9]);
    const [g] = tk.grads((t) => layer.apply(t!).mul(tk.tensor([10, 20], [1, 2, 1, 1])).sum())(x);
    expect(Array.from(g!.data)).toEqual([0, 0, 0, 0, 0, 10, 0, 0, 0, 20, 0, 0]);
    const z = randomTensor([2, 6, 5, 3], 24);
    for (const [cropping, dataFormat] of [[[[1, 2], [0, 3]], 'channelsLast'], [[2, 1], 'channelsFirst']] as const) {
      const theirs = (tf.layers.cropping2D({ cropping: cropping as never, dataFormat }).apply(tf.tensor(z.data, [2, 6, 5, 3])) as tf.Tensor);
      const ours = new Cropping2D({ cropping: cropping as never, dataFormat }).apply(z);
      expect(ours.shape).toEqual(theirs.shape);
      expectClose(ours.data, theirs.dataSync(), { rtol: 0, atol: 0 });
    }
  });

  it('errors: negative values (a bare int too), and cropping that leaves nothing, naming the layer and the shapes', () => {
    expect(() => new Cropping2D({ cropping: -1 })).toThrow(/Cropping2D: cropping must be a non-negative integer/);
    expect(() => new Cropping2D({ cropping: [[0, 0], [-1, 0]] })).toThrow(/Cropping2D: the second \(columns\) entry of cropping/);
    const layer = new Cropping2D({ cropping: [[2, 1], [0, 0]], name: 'crop' });
    expect(() => layer.computeOutputShape([null, 3, 5, 1])).toThrow('crop: cropping [[2,1],[0,0]] removes 3 of the 3 rows of input (None, 3, 5, 1); it must leave at least one');
    expect(() => layer.apply(tk.zeros([1, 3, 5, 1]))).toThrow(/crop: cropping \[\[2,1\],\[0,0\]\] removes 3 of the 3 rows/);
    expect(layer.computeOutputShape([null, null, 5, 1])).toEqual([null, null, 5, 1]);
  });

  it('config round trips (ZeroPadding2D and Cropping2D)', () => {
    const a = new ZeroPadding2D({ padding: [[1, 2], [3, 4]], dataFormat: 'channels_first', name: 'zp' });
    expect(a.getConfig()).toMatchObject({ padding: [[1, 2], [3, 4]], dataFormat: 'channelsFirst' });
    expect({ ...ZeroPadding2D.fromConfig({ ...a.getConfig(), name: 'zp2' }).getConfig(), name: 'zp' }).toEqual(a.getConfig());
    const b = new Cropping2D({ cropping: [1, 2], name: 'cr' });
    expect(b.getConfig()).toMatchObject({ cropping: [[1, 1], [2, 2]] });
    expect({ ...Cropping2D.fromConfig({ ...b.getConfig(), name: 'cr2' }).getConfig(), name: 'cr' }).toEqual(b.getConfig());
  });
});
