// Conv2D: output shapes (keras-facts §2.3), parameter counts, names and weights, argument
// handling (numbers or pairs, padding in any case, data formats, the TF.js args object),
// activations (relu fused, others after), gradients with respect to the weights, TF.js parity
// with the same weights, channels_first through pooling and Flatten, and the errors.

import * as tf from '@tensorflow/tfjs';
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import * as tk from '../../src/index.js';
import { Conv2D, Flatten, MaxPooling2D } from '../../src/layers/index.js';
import { clearSession } from '../../src/naming.js';
import * as ops from '../../src/ops/index.js';
import { expectClose } from '../helpers/index.js';
import { randomTensor, weightGradientError } from './helpers.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});
beforeEach(() => clearSession());

describe('Conv2D: shapes, parameters, names', () => {
  it('the MNIST convnet: 28×28×1 → 26×26×32 (320 params), 13×13×32 → 11×11×64 (18,496 params)', () => {
    const c1 = new Conv2D(32, 3, { activation: 'relu', inputShape: [28, 28, 1] });
    expect(c1.batchInputShape).toEqual([null, 28, 28, 1]);
    expect(c1.computeOutputShape([null, 28, 28, 1])).toEqual([null, 26, 26, 32]);
    expect(c1.apply(tk.zeros([2, 28, 28, 1])).shape).toEqual([2, 26, 26, 32]);
    expect(c1.countParams()).toBe(320);
    const c2 = new Conv2D(64, [3, 3]);
    expect(c2.apply(tk.zeros([2, 13, 13, 32])).shape).toEqual([2, 11, 11, 64]);
    expect(c2.countParams()).toBe(3 * 3 * 32 * 64 + 64);
  });

  it("names conv2d, conv2d_1; weights 'conv2d/kernel' [kh, kw, in, filters] and 'conv2d/bias' [filters]", () => {
    const a = new Conv2D(4, [3, 2]);
    const b = new Conv2D(4, 1);
    expect([a.name, b.name]).toEqual(['conv2d', 'conv2d_1']);
    a.apply(tk.zeros([1, 5, 5, 3]));
    expect(a.weights.map((w) => [w.name, w.shape])).toEqual([['conv2d/kernel', [3, 2, 3, 4]], ['conv2d/bias', [4]]]);
    expect(Array.from(a.bias!.data)).toEqual([0, 0, 0, 0]);
  });

  it('kernel default glorot_uniform (Keras 3): limit √(6/(fanIn + fanOut)) with receptive fields', () => {
    const c = new Conv2D(16, 3);
    c.apply(tk.zeros([1, 6, 6, 8]));
    const limit = Math.sqrt(6 / (3 * 3 * 8 + 3 * 3 * 16));
    const data = Array.from(c.kernel!.data);
    expect(Math.max(...data.map(Math.abs))).toBeLessThanOrEqual(limit);
    expect(Math.max(...data.map(Math.abs))).toBeGreaterThan(limit * 0.9);
    expect((c.getConfig().kernelInitializer as { className: string }).className).toBe('GlorotUniform');
  });

  it('output sizes per §2.3: valid, same (ceil(n/s)), strides, dilation, channels_first, None', () => {
    const shape = (c: Conv2D, s: (number | null)[]): unknown => c.computeOutputShape(s);
    expect(shape(new Conv2D(2, 4, { padding: 'same' }), [null, 5, 5, 1])).toEqual([null, 5, 5, 2]);
    expect(shape(new Conv2D(2, 3, { strides: 2, padding: 'same' }), [null, 6, 7, 1])).toEqual([null, 3, 4, 2]);
    expect(shape(new Conv2D(2, 3, { strides: 2 }), [null, 6, 7, 1])).toEqual([null, 2, 3, 2]);
    expect(shape(new Conv2D(2, 3, { dilationRate: 2 }), [null, 9, 8, 1])).toEqual([null, 5, 4, 2]);
    expect(shape(new Conv2D(2, [3, 1], { strides: [1, 2] }), [4, 5, 5, 1])).toEqual([4, 3, 3, 2]);
    expect(shape(new Conv2D(2, 3, { dataFormat: 'channels_first' }), [null, 3, 8, 6])).toEqual([null, 2, 6, 4]);
    expect(shape(new Conv2D(2, 3), [null, null, 8, 1])).toEqual([null, null, 6, 2]);
  });

  it("padding in any case: 'SAME' and 'Valid' are lower-cased, as Keras", () => {
    const c = new Conv2D(3, 3, { padding: 'SAME' });
    expect(c.padding).toBe('same');
    expect(c.apply(tk.zeros([1, 4, 4, 2])).shape).toEqual([1, 4, 4, 3]);
    expect(new Conv2D(3, 3, { padding: 'Valid' }).padding).toBe('valid');
  });

  it("dataFormat defaults to tk.backend.imageDataFormat() ('channels_last' unless changed)", () => {
    expect(new Conv2D(2, 3).dataFormat).toBe('channels_last');
    tk.backend.setImageDataFormat('channels_first');
    try {
      const c = new Conv2D(2, 3);
      expect(c.dataFormat).toBe('channels_first');
      expect(c.apply(tk.zeros([1, 3, 5, 6])).shape).toEqual([1, 2, 3, 4]);
      expect(new MaxPooling2D().dataFormat).toBe('channels_first');
    } finally {
      tk.backend.setImageDataFormat('channels_last');
    }
  });

  it('the TF.js args object: new Conv2D({ filters, kernelSize, ... })', () => {
    const c = new Conv2D({ filters: 5, kernelSize: [2, 3], strides: 2, padding: 'same', dataFormat: 'channelsLast', name: 'c' });
    expect([c.name, c.filters, c.kernelSize, c.strides, c.padding, c.dataFormat]).toEqual(['c', 5, [2, 3], [2, 2], 'same', 'channels_last']);
  });

  it('getConfig in TF.js camelCase', () => {
    const c = new Conv2D(8, 3, { padding: 'SAME', activation: 'relu', dataFormat: 'channels_first', useBias: false, kernelRegularizer: 'l2' });
    expect(c.getConfig()).toMatchObject({
      name: 'conv2d', trainable: true, filters: 8, kernelSize: [3, 3], strides: [1, 1], padding: 'same',
      dataFormat: 'channelsFirst', dilationRate: [1, 1], activation: 'relu', useBias: false,
      biasInitializer: { className: 'Zeros' }, kernelRegularizer: { className: 'L2' }, biasRegularizer: null, activityRegularizer: null,
    });
  });

  it('useBias false: only the kernel; the kernel regularizer adds a loss', () => {
    const c = new Conv2D(2, 3, { useBias: false, kernelRegularizer: 'l2' });
    c.apply(tk.ones([1, 4, 4, 1]));
    expect(c.weights.map((w) => w.name)).toEqual(['conv2d/kernel']);
    expect(c.losses.length).toBe(1);
    expectClose([c.losses[0]!.item()], [0.01 * Array.from(c.kernel!.data).reduce((s, v) => s + v * v, 0)], { rtol: 1e-5 });
  });
});

describe('Conv2D: activations and gradients', () => {
  it('relu is fused into the op (one conv2d node), and equals relu(conv + b)', () => {
    const c = new Conv2D(3, 3, { activation: 'relu', biasInitializer: 'ones' });
    const x = randomTensor([2, 5, 5, 2], 1);
    const y = c.apply(x);
    const ref = ops.conv2d(x, c.kernel!, {}, c.bias!).relu();
    expectClose(y.data, ref.data, { rtol: 1e-6, atol: 1e-6 });
    expect(y.node?.op).toBe('conv2d');
  });

  it('any other activation is applied after the convolution', () => {
    const c = new Conv2D(3, 2, { activation: 'tanh', padding: 'same' });
    const x = randomTensor([2, 4, 4, 2], 2);
    const y = c.apply(x);
    expectClose(y.data, ops.conv2d(x, c.kernel!, { padding: 'same' }, c.bias!).tanh().data, { rtol: 1e-6, atol: 1e-6 });
    expect(y.node?.op).toBe('tanh');
  });

  for (const [name, options, shape] of [
    ['valid, bias', {}, [2, 7, 6, 2]],
    ["'same' stride 2, sigmoid", { strides: 2, padding: 'same', activation: 'sigmoid' }, [2, 7, 6, 2]],
    ['dilation 2, channels_first', { dilationRate: 2, dataFormat: 'channels_first' }, [2, 2, 7, 6]],
  ] as const) {
    it(`weight gradients match finite differences: ${name}`, () => {
      const c = new Conv2D(3, [3, 2], { ...options, biasInitializer: 'random_normal' } as never);
      const x = randomTensor([...shape], 3);
      expect(weightGradientError(c, x)).toBeLessThan(1e-3);
      expect(tk.checkGradients((t) => c.apply(t), [x])).toBeLessThan(1e-3);
    });
  }

  it('matches tf.layers.conv2d with the same weights: forward and gradients', () => {
    const ours = new Conv2D(4, 3, { strides: 2, padding: 'same', activation: 'relu' });
    const theirs = tf.layers.conv2d({ filters: 4, kernelSize: 3, strides: 2, padding: 'same', activation: 'relu' });
    const xData = randomTensor([3, 9, 8, 2], 4);
    const y = ours.apply(xData);
    theirs.apply(tf.zeros([1, 9, 8, 2]));
    theirs.setWeights(ours.getWeights().map((w) => tf.tensor(w.data, [...w.shape])));
    const x = tf.tensor(xData.data, [3, 9, 8, 2]);
    expectClose(y.data, (theirs.apply(x) as tf.Tensor).dataSync(), { rtol: 1e-5, atol: 1e-5 });
    const r = randomTensor([...y.shape], 5);
    const { grads } = tk.variableGrads(() => ours.apply(xData).mul(r).sum(), ours.trainableWeights);
    const tfGrads = tf.variableGrads(() => tf.sum(tf.mul(theirs.apply(x) as tf.Tensor, tf.tensor(r.data, [...y.shape]))) as tf.Scalar, theirs.trainableWeights.map((w) => w.read() as tf.Variable));
    const [gk, gb] = Object.values(tfGrads.grads);
    expectClose(grads[0]!.data, gk!.dataSync(), { rtol: 1e-4, atol: 1e-5 });
    expectClose(grads[1]!.data, gb!.dataSync(), { rtol: 1e-4, atol: 1e-5 });
  });
});

describe('Conv2D: channels_first', () => {
  it('Conv2D → MaxPooling2D → Flatten on NCHW equals the channels_last model on the transposed data', () => {
    const xLast = randomTensor([2, 10, 9, 3], 6);
    const xFirst = xLast.transpose([0, 3, 1, 2]);
    const last = [new Conv2D(4, 3, { activation: 'relu' }), new MaxPooling2D(2), new Flatten()];
    const first = [new Conv2D(4, 3, { activation: 'relu', dataFormat: 'channels_first' }), new MaxPooling2D(2, { dataFormat: 'channelsFirst' }), new Flatten({ dataFormat: 'channels_first' })];
    const run = (layers: tk.layers.Layer[], x: tk.Tensor): tk.Tensor => layers.reduce((t, l) => l.apply(t), x);
    const yLast = run(last, xLast);
    first[0]!.build([null, 3, 10, 9]);
    first[0]!.setWeights(last[0]!.getWeights()); // same kernel layout [kh, kw, in, out] in both formats
    const yFirst = run(first, xFirst);
    expect(yFirst.shape).toEqual([2, 4 * 3 * 4]);
    expectClose(yFirst.data, yLast.data, { rtol: 1e-6, atol: 1e-6 });
    expect(first[0]!.computeOutputShape([null, 3, 10, 9])).toEqual([null, 4, 8, 7]);
  });
});

describe('Conv2D: errors', () => {
  it('bad arguments name the layer and the argument', () => {
    expect(() => new Conv2D(0, 3)).toThrow(/Conv2D: filters must be a positive integer, got 0/);
    expect(() => new Conv2D(2.5, 3)).toThrow(/filters must be a positive integer/);
    expect(() => new Conv2D(4, 0)).toThrow(/Conv2D: kernelSize must be a positive integer or a pair/);
    expect(() => new Conv2D(4, [3, 3, 3])).toThrow(/kernelSize/);
    expect(() => new Conv2D(4)).toThrow(/kernelSize is required/);
    expect(() => new Conv2D(4, 3, { strides: 2, dilationRate: 2 })).toThrow(/strides > 1 and dilationRate > 1 cannot be combined/);
    expect(() => new Conv2D(4, 3, { padding: 'causal' })).toThrow(/padding must be 'valid' or 'same'/);
    expect(() => new Conv2D(4, 3, { dataFormat: 'NWHC' as never })).toThrow(/dataFormat/);
    expect(() => new Conv2D(4, 3, { activation: 'rleu' })).toThrow(/Conv2D.*rleu.*relu/);
    expect(() => new Conv2D(4, 3, { kernelConstraint: 'maxNorm' } as never)).toThrow(/Conv2D: unknown option 'kernelConstraint'/);
    expect(() => new Conv2D(4, 3, { groups: 2 } as never)).toThrow(/unknown option 'groups'/);
    expect(new Conv2D(4, 3).name).toBe('conv2d'); // the failures above used up no name
  });

  it('an output size ≤ 0 names the layer and the shapes', () => {
    const c = new Conv2D(4, 3, { inputShape: [2, 2, 1] });
    expect(() => c.computeOutputShape([null, 2, 2, 1])).toThrow("conv2d: input (None, 2, 2, 1) with kernel 3×3, padding 'valid' gives output size 0×0");
    expect(() => c.apply(tk.zeros([1, 2, 2, 1]))).toThrow("conv2d: input (1, 2, 2, 1) with kernel 3×3, padding 'valid' gives output size 0×0");
    const s = new Conv2D(4, 5, { strides: 2 });
    expect(() => s.apply(tk.zeros([1, 4, 9, 1]))).toThrow("conv2d_1: input (1, 4, 9, 1) with kernel 5×5, strides 2×2, padding 'valid' gives output size 0×3");
    expect(s.built).toBe(false); // the failed build created no weights
  });

  it('wrong rank or channels after build name the layer and the shapes', () => {
    const c = new Conv2D(4, 3);
    c.apply(tk.zeros([1, 5, 5, 3]));
    expect(() => c.apply(tk.zeros([1, 5, 5, 2]))).toThrow(/conv2d: expected an input of shape \(None, None, None, 3\).*got shape \[1,5,5,2\]/);
    expect(() => c.apply(tk.zeros([5, 5, 3]))).toThrow(/conv2d: expected an input of rank 4/);
  });
});
