// Dense: shapes (rank 2 and 3), names, weights and their validation, freezing, gradient checks
// with several activations, TF.js parity (forward and gradients with the same weights), and the
// errors for bad arguments and bad inputs.

import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import * as tk from '../../src/index.js';
import { Dense, initializers as I } from '../../src/layers/index.js';
import { clearSession } from '../../src/naming.js';
import { expectClose, refMatmul } from '../helpers/index.js';
import { randomTensor, weightGradientError } from './helpers.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});
beforeEach(() => clearSession());

describe('Dense: shapes, names and weights', () => {
  it('builds on first use: kernel [in, units] (glorot_uniform), bias [units] (zeros), y = x·W + b', () => {
    const d = new Dense(3);
    expect(d.built).toBe(false);
    const x = randomTensor([2, 4], 1);
    const y = d.apply(x);
    expect(y.shape).toEqual([2, 3]);
    expect(d.weights.map((w) => w.name)).toEqual(['dense/kernel', 'dense/bias']);
    expect(d.kernel!.shape).toEqual([4, 3]);
    expect(Array.from(d.bias!.data)).toEqual([0, 0, 0]);
    const limit = Math.sqrt(6 / 7); // glorot_uniform, fans 4 and 3
    for (const v of d.kernel!.data) expect(Math.abs(v)).toBeLessThanOrEqual(limit);
    expectClose(Array.from(y.data), Array.from(refMatmul(x.data, d.kernel!.data, 2, 4, 3)), { rtol: 1e-5, atol: 1e-6 });
    expect(d.countParams()).toBe(15); // 4·3 + 3
  });

  it('automatic names dense, dense_1, dense_2 (reset by clearSession); an explicit name is kept', () => {
    expect([new Dense(1).name, new Dense(1).name, new Dense(1, { name: 'out' }).name, new Dense(1).name]).toEqual(['dense', 'dense_1', 'out', 'dense_2']);
    clearSession();
    expect(new Dense(1).name).toBe('dense');
  });

  it('rank-3 input: the kernel applies over the last axis', () => {
    const d = new Dense(3, { activation: 'tanh' });
    const x = randomTensor([2, 5, 4], 2);
    const y = d.apply(x);
    expect(y.shape).toEqual([2, 5, 3]);
    // Row by row: tanh(x[i, t]·W + b)
    const ref = refMatmul(x.data, d.kernel!.data, 10, 4, 3).map(Math.tanh);
    expectClose(Array.from(y.data), Array.from(ref), { rtol: 1e-5, atol: 1e-6 });
    expect(d.computeOutputShape([null, 5, 4])).toEqual([null, 5, 3]);
    expect(d.apply(randomTensor([3, 2, 7, 4], 3)).shape).toEqual([3, 2, 7, 3]); // rank 4 too
  });

  it('the second argument: an activation name or an options object', () => {
    const a = new Dense(2, 'relu');
    const b = new Dense(2, { activation: 'relu', useBias: false });
    expect(a.activation.name).toBe('relu');
    expect(b.activation.name).toBe('relu');
    b.apply(tk.ones([1, 3]));
    expect(b.weights.map((w) => w.name)).toEqual(['dense_1/kernel']);
    expect(b.countParams()).toBe(6);
    expect(new Dense(2).activation.name).toBe('linear');
    expect(new Dense(2, (t: tk.Tensor) => tk.mul(t, 2)).activation.apply(tk.tensor([1])).item()).toBe(2);
  });

  it('computeOutputShape keeps null batch; getConfig in TF.js camelCase', () => {
    const d = new Dense(4, { activation: 'hardSigmoid', kernelRegularizer: 'l2', inputShape: [3] });
    expect(d.computeOutputShape([null, 3])).toEqual([null, 4]);
    expect(d.getConfig()).toEqual({
      name: 'dense', trainable: true, dtype: 'float32', batchInputShape: [null, 3],
      units: 4, activation: 'hardSigmoid', useBias: true,
      kernelInitializer: { className: 'GlorotUniform', config: { seed: null } },
      biasInitializer: { className: 'Zeros', config: {} },
      kernelRegularizer: { className: 'L2', config: { l2: 0.01 } }, biasRegularizer: null, activityRegularizer: null,
    });
  });

  it('countParams before build throws', () => {
    expect(() => new Dense(2).countParams()).toThrow(/dense: countParams\(\) needs the layer built/);
  });

  it('initial weights given to the constructor (TF.js `weights`)', () => {
    const d = new Dense(2, { weights: [tk.tensor([[1, 2], [3, 4]]), tk.tensor([10, 20])] });
    expect(d.apply(tk.tensor([[1, 1]])).toArray()).toEqual([[14, 26]]);
  });
});

describe('Dense: setWeights and freezing', () => {
  const built = (): Dense => {
    const d = new Dense(2, { kernelInitializer: 'ones' });
    d.apply(tk.ones([1, 3]));
    return d;
  };

  it('sets weights in Keras order; getWeights returns copies', () => {
    const d = built();
    d.setWeights([tk.tensor([[1, 2], [3, 4], [5, 6]]), tk.tensor([7, 8])]);
    expect(d.getWeights().map((t) => t.toArray())).toEqual([[[1, 2], [3, 4], [5, 6]], [7, 8]]);
    const copy = d.getWeights()[0]!;
    copy.data[0] = 99;
    expect(d.kernel!.data[0]).toBe(1);
  });

  it('a wrong count or a wrong shape throws naming the weight, and changes nothing', () => {
    const d = built();
    const before = d.getWeights().map((t) => Array.from(t.data));
    expect(() => d.setWeights([tk.zeros([3, 2])])).toThrow(/dense: setWeights expected 2 arrays \(dense\/kernel \[3,2\], dense\/bias \[2\]\), got 1/);
    expect(() => d.setWeights([tk.zeros([3, 2]), tk.zeros([3])])).toThrow(/weight 1 \('dense\/bias'\) has shape \[2\], got \[3\]/);
    expect(() => d.setWeights([tk.zeros([2, 3]), tk.zeros([2])])).toThrow(/weight 0 \('dense\/kernel'\) has shape \[3,2\], got \[2,3\]/);
    expect(d.getWeights().map((t) => Array.from(t.data))).toEqual(before);
  });

  it('trainable = false: no trainable weights, the weights are still there, no gradient; true restores', () => {
    const d = built();
    d.trainable = false;
    expect(d.trainableWeights).toEqual([]);
    expect(d.weights.map((w) => w.name)).toEqual(['dense/kernel', 'dense/bias']);
    expect(d.nonTrainableWeights.length).toBe(2);
    expect(d.countParams()).toBe(8);
    const y = d.apply(tk.ones([1, 3]));
    expect(y.requiresGrad).toBe(false);
    d.trainable = true;
    expect(d.trainableWeights.map((w) => w.name)).toEqual(['dense/kernel', 'dense/bias']);
    const frozen = new Dense(2, { trainable: false });
    frozen.apply(tk.ones([1, 3]));
    expect(frozen.trainableWeights).toEqual([]);
    expect(frozen.weights.length).toBe(2);
  });
});

describe('Dense: gradient checks (input and weights)', () => {
  for (const activation of ['linear', 'relu', 'tanh', 'sigmoid', 'softmax', 'elu', 'gelu', 'softplus'] as const) {
    it(activation, () => {
      const d = new Dense(4, { activation, kernelInitializer: new I.RandomNormal({ stddev: 0.7, seed: 3 }), biasInitializer: new I.RandomUniform({ minval: 0.1, maxval: 0.3, seed: 4 }) });
      const x = randomTensor([3, 5], 5);
      expect(tk.checkGradients((t) => d.apply(t), [x])).toBeLessThan(2e-3);
      expect(weightGradientError(d, x)).toBeLessThan(2e-3);
    });
  }
  it('rank-3 input with relu', () => {
    const d = new Dense(3, { activation: 'relu', kernelInitializer: new I.RandomNormal({ stddev: 0.7, seed: 6 }) });
    const x = randomTensor([2, 3, 4], 7);
    expect(tk.checkGradients((t) => d.apply(t), [x])).toBeLessThan(2e-3);
    expect(weightGradientError(d, x)).toBeLessThan(2e-3);
  });
});

describe('Dense: parity with TF.js tf.layers.dense given the same weights', () => {
  for (const [activation, shape] of [['linear', [4, 5]], ['tanh', [4, 5]], ['relu', [4, 5]], ['softmax', [4, 5]], ['sigmoid', [2, 3, 5]]] as const) {
    it(`${activation} on ${JSON.stringify(shape)}: forward, d/dx, d/dkernel, d/dbias`, () => {
      const kernel = randomTensor([5, 3], 11);
      const bias = randomTensor([3], 12);
      const x = randomTensor([...shape], 13);
      const r = randomTensor([...shape.slice(0, -1), 3], 14);

      const mine = new Dense(3, { activation });
      mine.apply(x);
      mine.setWeights([kernel, bias]);
      const y = mine.apply(x);
      const dx = tk.grad((t) => tk.sum(tk.mul(mine.apply(t), r)))(x);
      const { grads } = tk.variableGrads(() => tk.sum(tk.mul(mine.apply(x), r)), mine.trainableWeights);

      const theirs = tf.layers.dense({ units: 3, activation, inputShape: [...shape.slice(1)] });
      const xTf = tf.tensor(Array.from(x.data), [...shape]);
      const rTf = tf.tensor(Array.from(r.data), [...r.shape]);
      theirs.apply(xTf);
      theirs.setWeights([tf.tensor(Array.from(kernel.data), [5, 3]), tf.tensor(Array.from(bias.data), [3])]);
      const yTf = theirs.apply(xTf) as tf.Tensor;
      const dxTf = tf.grad((t: tf.Tensor) => tf.sum(tf.mul(theirs.apply(t) as tf.Tensor, rTf)))(xTf);
      const vars = theirs.trainableWeights.map((w) => w.read() as tf.Variable);
      const gTf = tf.variableGrads(() => tf.sum(tf.mul(theirs.apply(xTf) as tf.Tensor, rTf)) as tf.Scalar, vars).grads;

      expect(y.shape).toEqual(yTf.shape);
      expectClose(Array.from(y.data), Array.from(yTf.dataSync()), { rtol: 1e-5, atol: 1e-6 });
      expectClose(Array.from(dx.data), Array.from(dxTf.dataSync()), { rtol: 1e-4, atol: 1e-6 });
      expectClose(Array.from(grads[0]!.data), Array.from(gTf[vars[0]!.name]!.dataSync()), { rtol: 1e-4, atol: 1e-6 });
      expectClose(Array.from(grads[1]!.data), Array.from(gTf[vars[1]!.name]!.dataSync()), { rtol: 1e-4, atol: 1e-6 });
    });
  }
});

describe('Dense: bad arguments and bad inputs', () => {
  it('units must be a positive integer: Dense(0), Dense(2.5), Dense(-1), Dense("3")', () => {
    expect(() => new Dense(0)).toThrow('Dense: units must be a positive integer, got 0');
    expect(() => new Dense(2.5)).toThrow('Dense: units must be a positive integer, got 2.5');
    expect(() => new Dense(-1)).toThrow(/got -1/);
    expect(() => new Dense('3' as never)).toThrow("Dense: units must be a positive integer, got '3'");
    expect(() => new Dense(0, { name: 'head' })).toThrow("Dense 'head': units must be a positive integer, got 0");
  });

  it('a failed constructor uses up no automatic name', () => {
    expect(() => new Dense(0)).toThrow();
    expect(() => new Dense(2, 'rleu')).toThrow();
    expect(new Dense(1).name).toBe('dense');
  });

  it('an unknown activation suggests the nearest; an unknown initializer too', () => {
    expect(() => new Dense(2, 'rleu')).toThrow("Dense: Unknown activation 'rleu'. Did you mean 'relu'? Valid names:");
    expect(() => new Dense(2, { activation: 'softmaks' })).toThrow("Did you mean 'softmax'?");
    expect(() => new Dense(2, { kernelInitializer: 'he_unifrom' })).toThrow("Dense kernelInitializer: Unknown initializer 'he_unifrom'. Did you mean 'he_uniform'?");
  });

  it('options that do not exist are refused, never ignored', () => {
    expect(() => new Dense(2, { use_bias: false } as never)).toThrow("Dense: unknown option 'use_bias'. Did you mean 'useBias'?");
    expect(() => new Dense(2, { kernelConstraint: 'max_norm' } as never)).toThrow(/unknown option 'kernelConstraint'/);
    expect(() => new Dense(2, { useBias: 'no' } as never)).toThrow(/useBias must be true or false/);
  });

  it('an input whose last dimension differs after build: the layer and both shapes are named', () => {
    const d = new Dense(3);
    d.apply(tk.ones([2, 4]));
    expect(() => d.apply(tk.ones([2, 5]))).toThrow('dense: expected an input of shape (..., 4) (axis -1 of size 4), got shape [2,5]');
    expect(() => d.apply(tk.ones([2, 3, 5]))).toThrow(/got shape \[2,3,5\]/);
  });

  it('a rank-1 input, and an input against a declared inputShape', () => {
    expect(() => new Dense(3).apply(tk.ones([4]))).toThrow('dense: expected an input of rank >= 2 (batch axis included), got shape [4]');
    expect(() => new Dense(3, { inputShape: [4] }).apply(tk.ones([2, 5]))).toThrow('dense_1: expected input shape (None, 4), got [2,5]');
  });
});
