// DepthwiseConv2D and SeparableConv2D: shapes, Keras 3 weight names, shapes and order, defaults,
// constructor forms, config round trips, gradients of every weight and the input by finite
// differences, TF.js parity at the same weights (forward and gradients), errors.

import * as tf from '@tensorflow/tfjs';
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import * as tk from '../../src/index.js';
import { DepthwiseConv2D, SeparableConv2D } from '../../src/layers/index.js';
import { clearSession } from '../../src/naming.js';
import { expectClose } from '../helpers/index.js';
import { randomTensor, weightGradientError } from './helpers.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});
beforeEach(() => clearSession());

/** Forward and weight/input gradients of ours and TF.js's layer at the same weights. */
function expectSameAsTfjs(ours: tk.layers.Layer, theirs: tf.layers.Layer, shape: number[], seed: number): void {
  const xData = randomTensor(shape, seed);
  const y = ours.apply(xData);
  theirs.apply(tf.zeros([1, ...shape.slice(1)]));
  theirs.setWeights(ours.getWeights().map((w) => tf.tensor(w.data, [...w.shape])));
  const x = tf.tensor(xData.data, shape);
  const ty = theirs.apply(x) as tf.Tensor;
  expect(ty.shape).toEqual(y.shape);
  expectClose(y.data, ty.dataSync(), { rtol: 1e-5, atol: 1e-5 });
  const r = randomTensor([...y.shape], seed + 1);
  const tr = tf.tensor(r.data, [...y.shape]);
  const { grads } = tk.variableGrads(() => ours.apply(xData).mul(r).sum(), ours.trainableWeights);
  const tfGrads = Object.values(tf.variableGrads(() => tf.sum(tf.mul(theirs.apply(x) as tf.Tensor, tr)) as tf.Scalar, theirs.trainableWeights.map((w) => w.read() as tf.Variable)).grads);
  grads.forEach((g, i) => expectClose(g.data, tfGrads[i]!.dataSync(), { rtol: 1e-4, atol: 1e-5 }));
  const [gx] = tk.grads((t) => ours.apply(t!).mul(r).sum())(xData);
  const [tgx] = tf.grads((t: tf.Tensor) => tf.sum(tf.mul(theirs.apply(t) as tf.Tensor, tr)))([x]);
  expectClose(gx!.data, tgx!.dataSync(), { rtol: 1e-4, atol: 1e-5 });
}

describe('DepthwiseConv2D', () => {
  it("weights 'kernel' [kh, kw, in, depthMultiplier] (Keras 3's name) and 'bias' [in·M]; shapes as Conv2D", () => {
    const layer = new DepthwiseConv2D(3, { depthMultiplier: 2 });
    expect(layer.apply(tk.zeros([2, 7, 6, 4])).shape).toEqual([2, 5, 4, 8]);
    expect(layer.weights.map((w) => [w.name, w.shape])).toEqual([['depthwise_conv2d/kernel', [3, 3, 4, 2]], ['depthwise_conv2d/bias', [8]]]);
    expect(layer.countParams()).toBe(3 * 3 * 4 * 2 + 8);
    expect(new DepthwiseConv2D([3, 1], { strides: 2, padding: 'same' }).computeOutputShape([null, 7, 5, 3])).toEqual([null, 4, 3, 3]);
    expect(new DepthwiseConv2D(3, { dilationRate: 2, dataFormat: 'channels_first', depthMultiplier: 3 }).computeOutputShape([null, 2, 9, 8])).toEqual([null, 6, 5, 4]);
  });

  it('defaults as Keras 3 (depthMultiplier 1, valid, glorot_uniform); the TF.js args form; config round trip', () => {
    const a = new DepthwiseConv2D(3);
    expect(a.getConfig()).toMatchObject({ kernelSize: [3, 3], depthMultiplier: 1, strides: [1, 1], padding: 'valid', dilationRate: [1, 1], useBias: true, activation: 'linear' });
    expect((a.getConfig().depthwiseInitializer as { className: string }).className).toBe('GlorotUniform');
    const b = new DepthwiseConv2D({ kernelSize: [2, 3], depthMultiplier: 2, padding: 'same', activation: 'relu6', name: 'dw' });
    const c = DepthwiseConv2D.fromConfig({ ...b.getConfig(), name: 'dw2' }) as DepthwiseConv2D;
    expect({ ...c.getConfig(), name: 'dw' }).toEqual(b.getConfig());
  });

  for (const [name, options, shape] of [
    ['valid, M = 1', {}, [2, 5, 5, 3]],
    ['same stride 2, M = 2, tanh', { strides: 2, padding: 'same', depthMultiplier: 2, activation: 'tanh' }, [2, 5, 6, 2]],
    ['dilation 2, channels_first, M = 3', { dilationRate: 2, dataFormat: 'channels_first', depthMultiplier: 3 }, [1, 2, 6, 6]],
  ] as const) {
    it(`weights and input match finite differences: ${name}`, () => {
      const layer = new DepthwiseConv2D(3, { ...options, biasInitializer: 'random_normal' } as never);
      const x = randomTensor([...shape], 8);
      expect(weightGradientError(layer, x)).toBeLessThan(1e-3);
      expect(tk.checkGradients((t) => layer.apply(t), [x])).toBeLessThan(1e-3);
    });
  }

  for (const [name, options] of [
    ['valid, M = 1', { kernelSize: 3 }],
    ['same, stride 2, M = 2, relu', { kernelSize: 3, strides: 2, padding: 'same', depthMultiplier: 2, activation: 'relu' }],
    ['[2, 3] kernel, channelsFirst', { kernelSize: [2, 3], dataFormat: 'channelsFirst', depthMultiplier: 2 }],
  ] as const) {
    it(`matches tf.layers.depthwiseConv2d at the same weights (${name}): forward and gradients`, () => {
      const ours = new DepthwiseConv2D(options as never);
      const theirs = tf.layers.depthwiseConv2d(options as never);
      const first = (options as unknown as { dataFormat?: string }).dataFormat === 'channelsFirst';
      expectSameAsTfjs(ours, theirs, first ? [2, 3, 7, 6] : [2, 7, 6, 3], 9);
    });
  }
});

describe('SeparableConv2D', () => {
  it('weights in Keras order: depthwise_kernel [kh, kw, in, M], pointwise_kernel [1, 1, in·M, filters], bias [filters]', () => {
    const layer = new SeparableConv2D(5, 3, { depthMultiplier: 2 });
    expect(layer.apply(tk.zeros([2, 6, 6, 3])).shape).toEqual([2, 4, 4, 5]);
    expect(layer.weights.map((w) => [w.name, w.shape])).toEqual([
      ['separable_conv2d/depthwise_kernel', [3, 3, 3, 2]], ['separable_conv2d/pointwise_kernel', [1, 1, 6, 5]], ['separable_conv2d/bias', [5]],
    ]);
    expect(layer.countParams()).toBe(3 * 3 * 3 * 2 + 6 * 5 + 5);
    expect(new SeparableConv2D(4, 3, { strides: 2, padding: 'same', dataFormat: 'channels_first' }).computeOutputShape([null, 3, 7, 8])).toEqual([null, 4, 4, 4]);
  });

  it('equals a DepthwiseConv2D followed by a 1×1 Conv2D with the same weights', () => {
    const sep = new SeparableConv2D(4, 3, { padding: 'same', depthMultiplier: 2, activation: 'relu' });
    const x = randomTensor([2, 5, 5, 3], 10);
    const y = sep.apply(x);
    const [dw, pw, b] = sep.getWeights();
    const depthwise = new DepthwiseConv2D(3, { padding: 'same', depthMultiplier: 2, useBias: false });
    depthwise.apply(x);
    depthwise.setWeights([dw!]);
    const pointwise = new tk.layers.Conv2D(4, 1, { activation: 'relu' });
    const h = depthwise.apply(x);
    pointwise.apply(h);
    pointwise.setWeights([pw!, b!]);
    expectClose(y.data, pointwise.apply(h).data, { rtol: 1e-6, atol: 1e-6 });
  });

  it('defaults and config round trip; the TF.js args form', () => {
    const a = new SeparableConv2D({ filters: 6, kernelSize: [3, 2], strides: 2, depthMultiplier: 3, pointwiseRegularizer: 'l2', name: 'sep' });
    expect(a.getConfig()).toMatchObject({ filters: 6, kernelSize: [3, 2], strides: [2, 2], depthMultiplier: 3, padding: 'valid' });
    expect((a.getConfig().pointwiseInitializer as { className: string }).className).toBe('GlorotUniform');
    const b = SeparableConv2D.fromConfig({ ...a.getConfig(), name: 'sep2' }) as SeparableConv2D;
    expect({ ...b.getConfig(), name: 'sep' }).toEqual(a.getConfig());
    a.apply(tk.zeros([1, 5, 5, 2]));
    expect(a.losses.length).toBe(1); // the pointwise kernel's L2 penalty
  });

  for (const [name, options, shape] of [
    ['valid', {}, [2, 5, 5, 2]],
    ['same, stride 2, M = 2, sigmoid, channels_first', { strides: 2, padding: 'same', depthMultiplier: 2, activation: 'sigmoid', dataFormat: 'channels_first' }, [2, 2, 5, 6]],
  ] as const) {
    it(`weights and input match finite differences: ${name}`, () => {
      const layer = new SeparableConv2D(3, 3, { ...options, biasInitializer: 'random_normal' } as never);
      const x = randomTensor([...shape], 11);
      expect(weightGradientError(layer, x)).toBeLessThan(1e-3);
      expect(tk.checkGradients((t) => layer.apply(t), [x])).toBeLessThan(1e-3);
    });
  }

  it('matches tf.layers.separableConv2d at the same weights: forward and gradients', () => {
    const options = { filters: 4, kernelSize: 3, strides: 2, padding: 'same', depthMultiplier: 2, activation: 'relu' } as const;
    expectSameAsTfjs(new SeparableConv2D(options), tf.layers.separableConv2d(options), [2, 7, 6, 3], 12);
  });
});

describe('DepthwiseConv2D and SeparableConv2D: errors', () => {
  it('name the layer and the argument, and use up no name', () => {
    expect(() => new DepthwiseConv2D(3, { depthMultiplier: 0 })).toThrow(/DepthwiseConv2D: depthMultiplier must be a positive integer, got 0/);
    expect(() => new DepthwiseConv2D(undefined as never)).toThrow(/DepthwiseConv2D: kernelSize is required/);
    expect(() => new DepthwiseConv2D({ depthMultiplier: 2 } as never)).toThrow(/DepthwiseConv2D: kernelSize is required/);
    expect(() => new DepthwiseConv2D(3, { filters: 3 } as never)).toThrow(/DepthwiseConv2D: unknown option 'filters'/);
    expect(() => new DepthwiseConv2D(3, { kernelInitializer: 'ones' } as never)).toThrow(/DepthwiseConv2D: unknown option 'kernelInitializer'.*Valid options: .*depthwiseInitializer/);
    expect(() => new DepthwiseConv2D([3, 0])).toThrow(/DepthwiseConv2D: kernelSize must be a positive integer or a pair/);
    expect(() => new SeparableConv2D(4, 3, { depthMultiplier: 1.5 })).toThrow(/SeparableConv2D: depthMultiplier must be a positive integer, got 1.5/);
    expect(() => new SeparableConv2D(-1, 3)).toThrow(/SeparableConv2D: filters must be a positive integer/);
    expect(() => new SeparableConv2D(4)).toThrow(/SeparableConv2D: kernelSize is required/);
    expect(new DepthwiseConv2D(3).name).toBe('depthwise_conv2d');
    expect(new SeparableConv2D(1, 3).name).toBe('separable_conv2d');
  });

  it('an input too small names the layer and the shapes; a wrong channel count after build too', () => {
    const dw = new DepthwiseConv2D(5);
    expect(() => dw.apply(tk.zeros([1, 4, 6, 2]))).toThrow("depthwise_conv2d: input (1, 4, 6, 2) with kernel 5×5, padding 'valid' gives output size 0×2");
    expect(dw.built).toBe(false);
    const sep = new SeparableConv2D(2, 3);
    sep.apply(tk.zeros([1, 4, 4, 3]));
    expect(() => sep.apply(tk.zeros([1, 4, 4, 2]))).toThrow(/separable_conv2d: expected an input of shape \(None, None, None, 3\)/);
  });
});
