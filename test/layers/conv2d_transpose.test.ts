// Conv2DTranspose: Keras 3's output sizes (keras-facts-2 §15.1), weights [kh, kw, filters, in],
// defaults, the two constructor forms, config round trip, gradients of every weight and the input
// by finite differences, TF.js parity at the same weights (forward and gradients), channels_first,
// and errors that name the layer and the argument.

import * as tf from '@tensorflow/tfjs';
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import * as tk from '../../src/index.js';
import { Conv2D, Conv2DTranspose } from '../../src/layers/index.js';
import { clearSession } from '../../src/naming.js';
import { expectClose } from '../helpers/index.js';
import { randomTensor, weightGradientError } from './helpers.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});
beforeEach(() => clearSession());

describe('Conv2DTranspose: shapes, weights, defaults', () => {
  it('output sizes (Keras 3): same n·s, valid (n−1)·s + max(k, s), output padding, dilation, None', () => {
    const shape = (layer: Conv2DTranspose, s: (number | null)[]): unknown => layer.computeOutputShape(s);
    // n = 4, k = 3, s = 2: same 8, valid 3·2 + 3 = 9 (the sheet's example)
    expect(shape(new Conv2DTranspose(5, 3, { strides: 2, padding: 'same' }), [null, 4, 4, 2])).toEqual([null, 8, 8, 5]);
    expect(shape(new Conv2DTranspose(5, 3, { strides: 2 }), [null, 4, 4, 2])).toEqual([null, 9, 9, 5]);
    // kernel 2 below stride 3, valid: (4−1)·3 + max(2, 3) = 12
    expect(shape(new Conv2DTranspose(1, 2, { strides: 3 }), [null, 4, 4, 1])).toEqual([null, 12, 12, 1]);
    // outputPadding [1, 0], strides 2, k 3: same (n−1)·2 + 3 mod 2 + p = 6+1+1 = 8, 6+1+0 = 7; valid 6+3+p = 10, 9
    expect(shape(new Conv2DTranspose(1, 3, { strides: 2, padding: 'same', outputPadding: [1, 0] }), [null, 4, 4, 1])).toEqual([null, 8, 7, 1]);
    expect(shape(new Conv2DTranspose(1, 3, { strides: 2, outputPadding: [1, 0] }), [null, 4, 4, 1])).toEqual([null, 10, 9, 1]);
    // dilation 2, k 3: kEff = 5, valid (n−1)·1 + 5
    expect(shape(new Conv2DTranspose(1, 3, { dilationRate: 2 }), [null, 4, 6, 1])).toEqual([null, 8, 10, 1]);
    expect(shape(new Conv2DTranspose(3, 3, { strides: 2, padding: 'same', dataFormat: 'channels_first' }), [2, 1, 5, null])).toEqual([2, 3, 10, null]);
  });

  it("weights 'conv2d_transpose/kernel' [kh, kw, filters, in] (filters first) and '…/bias' [filters]; params", () => {
    const layer = new Conv2DTranspose(6, [3, 2]);
    const y = layer.apply(tk.zeros([2, 4, 5, 4]));
    expect(y.shape).toEqual([2, 6, 6, 6]);
    expect(layer.weights.map((w) => [w.name, w.shape])).toEqual([['conv2d_transpose/kernel', [3, 2, 6, 4]], ['conv2d_transpose/bias', [6]]]);
    expect(layer.countParams()).toBe(3 * 2 * 6 * 4 + 6);
  });

  it('defaults as Keras 3: valid, strides 1, no output padding, glorot_uniform kernel, zeros bias, linear', () => {
    const layer = new Conv2DTranspose(8, 3);
    layer.apply(tk.zeros([1, 4, 4, 16]));
    const config = layer.getConfig();
    expect(config).toMatchObject({ filters: 8, kernelSize: [3, 3], strides: [1, 1], padding: 'valid', outputPadding: null, dataFormat: 'channelsLast', dilationRate: [1, 1], activation: 'linear', useBias: true });
    expect((config.kernelInitializer as { className: string }).className).toBe('GlorotUniform');
    // fans of [3, 3, 8, 16]: receptive field 9, in 8·9, out 16·9
    const limit = Math.sqrt(6 / (8 * 9 + 16 * 9));
    const k = Array.from(layer.kernel!.data).map(Math.abs);
    expect(Math.max(...k)).toBeLessThanOrEqual(limit);
    expect(Math.max(...k)).toBeGreaterThan(0.9 * limit);
    expect(Array.from(layer.bias!.data)).toEqual(new Array(8).fill(0));
  });

  it('the TF.js args object, getConfig → fromConfig gives the same layer', () => {
    const a = new Conv2DTranspose({ filters: 3, kernelSize: [2, 3], strides: [2, 1], padding: 'SAME', outputPadding: [1, 0], activation: 'tanh', name: 'up' });
    expect(a.padding).toBe('same');
    const b = Conv2DTranspose.fromConfig({ ...a.getConfig(), name: 'up2' }) as Conv2DTranspose;
    expect({ ...b.getConfig(), name: 'up' }).toEqual(a.getConfig());
    const x = randomTensor([2, 3, 3, 2], 1);
    a.apply(x);
    b.apply(x);
    b.setWeights(a.getWeights());
    expectClose(b.apply(x).data, a.apply(x).data, { rtol: 0, atol: 0 });
  });

  it('is the adjoint of Conv2D with the same kernel: ⟨convᵀ(x), z⟩ = ⟨x, conv(z)⟩', () => {
    // Conv2DTranspose(F, k, s) with kernel W maps [H, W, C] → [OH, OW, F]; Conv2D(C, k, s) with the
    // same kernel array [kh, kw, F, C] maps [OH, OW, F] → [H, W, C]. No bias: exactly adjoint.
    const up = new Conv2DTranspose(3, 3, { strides: 2, padding: 'same', useBias: false });
    const down = new Conv2D(2, 3, { strides: 2, padding: 'same', useBias: false });
    const x = randomTensor([1, 4, 5, 2], 2);
    const y = up.apply(x);
    const z = randomTensor([...y.shape], 3);
    down.apply(z);
    down.setWeights(up.getWeights());
    const lhs = y.mul(z).sum().item();
    const rhs = x.mul(down.apply(z)).sum().item();
    expect(Math.abs(lhs - rhs)).toBeLessThan(1e-4);
  });
});

describe('Conv2DTranspose: gradients and TF.js parity', () => {
  for (const [name, options, shape] of [
    ['valid, bias', {}, [2, 3, 4, 2]],
    ["'same' stride 2, tanh", { strides: 2, padding: 'same', activation: 'tanh' }, [2, 3, 3, 2]],
    ['valid stride 2, outputPadding 1', { strides: 2, outputPadding: 1 }, [1, 3, 2, 2]],
    ['dilation 2, channels_first, sigmoid', { dilationRate: 2, dataFormat: 'channels_first', activation: 'sigmoid' }, [2, 2, 3, 3]],
  ] as const) {
    it(`weights and input match finite differences: ${name}`, () => {
      const layer = new Conv2DTranspose(3, [3, 2], { ...options, biasInitializer: 'random_normal' } as never);
      const x = randomTensor([...shape], 4);
      expect(weightGradientError(layer, x)).toBeLessThan(1e-3);
      expect(tk.checkGradients((t) => layer.apply(t), [x])).toBeLessThan(1e-3);
    });
  }

  for (const [padding, dataFormat] of [['same', 'channelsLast'], ['valid', 'channelsLast'], ['same', 'channelsFirst']] as const) {
    it(`matches tf.layers.conv2dTranspose with the same weights (stride 2, ${padding}, ${dataFormat}): forward and gradients`, () => {
      const ours = new Conv2DTranspose(4, 3, { strides: 2, padding, activation: 'relu', dataFormat });
      const theirs = tf.layers.conv2dTranspose({ filters: 4, kernelSize: 3, strides: 2, padding, activation: 'relu', dataFormat });
      const shape = dataFormat === 'channelsFirst' ? [3, 2, 5, 4] : [3, 5, 4, 2];
      const xData = randomTensor(shape, 5);
      const y = ours.apply(xData);
      theirs.apply(tf.zeros([1, ...shape.slice(1)]));
      theirs.setWeights(ours.getWeights().map((w) => tf.tensor(w.data, [...w.shape])));
      const x = tf.tensor(xData.data, shape);
      const ty = theirs.apply(x) as tf.Tensor;
      expect(ty.shape).toEqual(y.shape);
      expectClose(y.data, ty.dataSync(), { rtol: 1e-5, atol: 1e-5 });
      const r = randomTensor([...y.shape], 6);
      const { grads } = tk.variableGrads(() => ours.apply(xData).mul(r).sum(), ours.trainableWeights);
      const tfGrads = tf.variableGrads(() => tf.sum(tf.mul(theirs.apply(x) as tf.Tensor, tf.tensor(r.data, [...y.shape]))) as tf.Scalar, theirs.trainableWeights.map((w) => w.read() as tf.Variable));
      const [gk, gb] = Object.values(tfGrads.grads);
      expectClose(grads[0]!.data, gk!.dataSync(), { rtol: 1e-4, atol: 1e-5 });
      expectClose(grads[1]!.data, gb!.dataSync(), { rtol: 1e-4, atol: 1e-5 });
      const [gx] = tk.grads((t) => ours.apply(t!).mul(r).sum())(xData);
      const [tgx] = tf.grads((t: tf.Tensor) => tf.sum(tf.mul(theirs.apply(t) as tf.Tensor, tf.tensor(r.data, [...y.shape]))))([x]);
      expectClose(gx!.data, tgx!.dataSync(), { rtol: 1e-4, atol: 1e-5 });
    });
  }

  it('trains: a model upsampling 4×4 to 8×8 fits a target, the loss falls', async () => {
    tk.setSeed(3);
    const model = new tk.Sequential([new Conv2DTranspose(1, 3, { strides: 2, padding: 'same', inputShape: [4, 4, 2] })]);
    model.compile({ optimizer: new tk.optimizers.Adam({ learningRate: 0.05 }), loss: 'mse' });
    const x = randomTensor([16, 4, 4, 2], 7);
    const y = tk.noGrad(() => new Conv2DTranspose(1, 3, { strides: 2, padding: 'same' }).apply(x));
    const history = await model.fit(x, y, { epochs: 30, batchSize: 16, verbose: 0 });
    const losses = history.history.loss!;
    expect(losses[losses.length - 1]!).toBeLessThan(0.2 * losses[0]!);
  });
});

describe('Conv2DTranspose: errors', () => {
  it('bad arguments name the layer and the argument, and use up no name', () => {
    expect(() => new Conv2DTranspose(0, 3)).toThrow(/Conv2DTranspose: filters must be a positive integer, got 0/);
    expect(() => new Conv2DTranspose(4)).toThrow(/Conv2DTranspose: kernelSize is required/);
    expect(() => new Conv2DTranspose(4, [3, 3, 3])).toThrow(/Conv2DTranspose: kernelSize must be a positive integer or a pair of them, got \[3,3,3\]/);
    expect(() => new Conv2DTranspose(4, 3, { strides: 2, outputPadding: 2 })).toThrow(/Conv2DTranspose: outputPadding must be less than strides in every dimension, got outputPadding \[2,2\] with strides \[2,2\]/);
    expect(() => new Conv2DTranspose(4, 3, { outputPadding: 1 })).toThrow(/outputPadding must be less than strides/);
    expect(() => new Conv2DTranspose(4, 3, { strides: 2, dilationRate: 2 })).toThrow(/Conv2DTranspose: strides > 1 and dilationRate > 1 cannot be combined/);
    expect(() => new Conv2DTranspose(4, 3, { padding: 'full' })).toThrow(/Conv2DTranspose: padding must be 'valid' or 'same'/);
    expect(() => new Conv2DTranspose(4, 3, { kernelConstraint: 'nonNeg' } as never)).toThrow(/Conv2DTranspose: unknown option 'kernelConstraint'/);
    expect(() => new Conv2DTranspose(4, 3, { name: 'up', activation: 'rleu' })).toThrow(/Conv2DTranspose 'up'.*rleu/);
    expect(new Conv2DTranspose(4, 3).name).toBe('conv2d_transpose');
  });

  it('a wrong input after build names the layer and the shapes', () => {
    const layer = new Conv2DTranspose(4, 3);
    layer.apply(tk.zeros([1, 3, 3, 2]));
    expect(() => layer.apply(tk.zeros([1, 3, 3, 5]))).toThrow(/conv2d_transpose: expected an input of shape \(None, None, None, 2\)/);
    expect(() => layer.apply(tk.zeros([3, 3, 2]))).toThrow(/conv2d_transpose: expected an input of rank 4/);
  });
});
