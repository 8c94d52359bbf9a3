// The shape and activation layers: Flatten, Reshape, Activation, InputLayer, Softmax, ReLU and
// LeakyReLU — values, shapes with a null batch, configs, automatic names, gradient checks and
// bad arguments.

import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import * as tk from '../../src/index.js';
import {
  Activation, BatchNormalization, Dense, Dropout, Flatten, InputLayer, Layer, LeakyReLU, ReLU, Reshape, Softmax,
} from '../../src/layers/index.js';
import { clearSession } from '../../src/naming.js';
import { logitsOf } from '../../src/ops/logits.js';
import { expectClose } from '../helpers/index.js';
import { randomTensor } from './helpers.js';

beforeEach(() => clearSession());

describe('automatic names and class names (Keras)', () => {
  it('snake_case of the class name, then _1, _2, ...', () => {
    const layers: Layer[] = [
      new Dense(1), new Dense(1), new Flatten(), new Activation('relu'), new Reshape([1]), new InputLayer({ inputShape: [1] }),
      new Dropout(0.1), new BatchNormalization(), new Softmax(), new ReLU(), new ReLU(), new LeakyReLU(), new InputLayer({ inputShape: [1] }),
    ];
    expect(layers.map((l) => l.name)).toEqual([
      'dense', 'dense_1', 'flatten', 'activation', 'reshape', 'input_layer', 'dropout', 'batch_normalization', 'softmax', 're_lu', 're_lu_1', 'leaky_re_lu', 'input_layer_1',
    ]);
    expect(layers.map((l) => l.getClassName())).toEqual([
      'Dense', 'Dense', 'Flatten', 'Activation', 'Reshape', 'InputLayer', 'Dropout', 'BatchNormalization', 'Softmax', 'ReLU', 'ReLU', 'LeakyReLU', 'InputLayer',
    ]);
  });

  it('every layer refuses options it does not know', () => {
    expect(() => new Flatten({ data_format: 'channels_last' } as never)).toThrow("Flatten: unknown option 'data_format'. Did you mean 'dataFormat'?");
    expect(() => new Reshape([2], { targetShape: [2] } as never)).toThrow(/Reshape: unknown option 'targetShape'/);
    expect(() => new Softmax({ axes: 1 } as never)).toThrow(/Softmax: unknown option 'axes'\. Did you mean 'axis'\?/);
    expect(() => new ReLU({ max_value: 6 } as never)).toThrow(/ReLU: unknown option 'max_value'\. Did you mean 'maxValue'\?/);
    expect(() => new LeakyReLU({ slope: 0.1 } as never)).toThrow(/LeakyReLU: unknown option 'slope'/);
    expect(() => new Activation('relu', { activation: 'tanh' } as never)).toThrow(/Activation: unknown option 'activation'/);
    expect(() => new InputLayer({ inputShape: [2], trainable: false } as never)).toThrow(/InputLayer: unknown option 'trainable'/);
  });
});

describe('Flatten', () => {
  it('[batch, ...] → [batch, product], row-major order', () => {
    const x = tk.range(0, 24).reshape([2, 3, 2, 2]);
    const y = new Flatten().apply(x);
    expect(y.shape).toEqual([2, 12]);
    expect(Array.from(y.data)).toEqual(Array.from(x.data));
    expect(new Flatten().apply(tk.ones([4])).shape).toEqual([4, 1]); // a [batch] input gives [batch, 1]
    expect(new Flatten().apply(tk.zeros([0, 3, 2])).shape).toEqual([0, 6]);
  });

  it("dataFormat 'channels_first' moves channels last before flattening (as Keras)", () => {
    // x[b, c, h, w] with c = 2, h = w = 2: channels-last order is h, w, c
    const x = tk.range(0, 8).reshape([1, 2, 2, 2]);
    expect(Array.from(new Flatten({ dataFormat: 'channels_first' }).apply(x).data)).toEqual([0, 4, 1, 5, 2, 6, 3, 7]);
    expect(Array.from(new Flatten({ dataFormat: 'channelsFirst' }).apply(x).data)).toEqual([0, 4, 1, 5, 2, 6, 3, 7]);
    // rank 3 [b, c, t] → [b, t, c]
    expect(Array.from(new Flatten({ dataFormat: 'channels_first' }).apply(tk.range(0, 6).reshape([1, 2, 3])).data)).toEqual([0, 3, 1, 4, 2, 5]);
  });

  describe('default data format from the backend', () => {
    afterEach(() => tk.backend.setImageDataFormat('channels_last'));
    it('follows tk.backend.imageDataFormat() when none is given', () => {
      tk.backend.setImageDataFormat('channels_first');
      expect(new Flatten().dataFormat).toBe('channels_first');
    });
  });

  it('computeOutputShape keeps null; getConfig; gradient check; bad dataFormat', () => {
    const f = new Flatten();
    expect(f.computeOutputShape([null, 28, 28, 1])).toEqual([null, 784]);
    expect(f.computeOutputShape([null, null, 3])).toEqual([null, null]);
    expect(f.computeOutputShape([null])).toEqual([null, 1]);
    expect(f.getConfig()).toEqual({ name: 'flatten', trainable: true, dtype: 'float32', dataFormat: 'channelsLast' });
    expect(tk.checkGradients((t) => new Flatten({ dataFormat: 'channels_first' }).apply(t), [randomTensor([2, 3, 2, 2], 1)])).toBeLessThan(1e-3);
    expect(() => new Flatten({ dataFormat: 'NHWC' as never })).toThrow("Flatten: dataFormat must be 'channels_last' or 'channels_first' (or channelsLast / channelsFirst), got 'NHWC'");
  });
});

describe('Reshape', () => {
  it('keeps the batch axis and infers one -1', () => {
    const x = tk.range(0, 24).reshape([2, 12]);
    const y = new Reshape([4, -1]).apply(x);
    expect(y.shape).toEqual([2, 4, 3]);
    expect(Array.from(y.data)).toEqual(Array.from(x.data));
    expect(new Reshape([2, 2, 3]).apply(x).shape).toEqual([2, 2, 2, 3]);
    expect(new Reshape([12]).computeOutputShape([null, 3, 4])).toEqual([null, 12]);
    expect(new Reshape([-1, 2]).computeOutputShape([null, 3, 4])).toEqual([null, 6, 2]);
    expect(new Reshape([-1, 2]).computeOutputShape([null, null, 4])).toEqual([null, null, 2]);
  });

  it('sizes that do not fit: the error names the layer and both shapes', () => {
    expect(() => new Reshape([5]).apply(tk.ones([2, 12]))).toThrow('reshape: cannot reshape samples of shape (12,) (12 values) into target shape [5]');
    expect(() => new Reshape([5, -1]).apply(tk.ones([2, 3, 4]))).toThrow('reshape_1: cannot reshape samples of shape (3, 4) (12 values) into target shape [5,-1]');
    expect(() => new Reshape([5]).computeOutputShape([null, 12])).toThrow(/cannot reshape/);
  });

  it('bad target shapes; getConfig; gradient check', () => {
    expect(() => new Reshape([-1, -1])).toThrow('Reshape: targetShape may hold only one -1, got [-1,-1]');
    expect(() => new Reshape([0, 2])).toThrow(/targetShape must be a list of positive integers with at most one -1/);
    expect(() => new Reshape(3 as never)).toThrow(/targetShape must be a list/);
    expect(new Reshape([3, -1]).getConfig()).toMatchObject({ name: 'reshape', targetShape: [3, -1] });
    expect(tk.checkGradients((t) => tk.square(new Reshape([3, 2]).apply(t)), [randomTensor([2, 6], 2)])).toBeLessThan(1e-3);
  });
});

describe('Activation', () => {
  it('applies the named activation; accepts functions and the TF.js options form', () => {
    const x = tk.tensor([[-1, 2]]);
    expect(new Activation('relu').apply(x).toArray()).toEqual([[0, 2]]);
    expect(new Activation((t: tk.Tensor) => tk.mul(t, 3)).apply(x).toArray()).toEqual([[-3, 6]]);
    const a = new Activation({ activation: 'hardSigmoid', name: 'gate' });
    expect(a.name).toBe('gate');
    expect(a.apply(tk.tensor([[0]])).item()).toBe(0.5);
    expect(a.getConfig()).toEqual({ name: 'gate', trainable: true, dtype: 'float32', activation: 'hardSigmoid' });
    expect(new Activation('softmax').computeOutputShape([null, 3])).toEqual([null, 3]);
    expect(logitsOf(new Activation('softmax').apply(x))?.logits).toBe(x);
  });

  it('an unknown name names the layer and suggests the nearest', () => {
    expect(() => new Activation('tanhh')).toThrow("Activation: Unknown activation 'tanhh'. Did you mean 'tanh'?");
  });

  it('gradient check', () => {
    expect(tk.checkGradients((t) => new Activation('gelu').apply(t), [randomTensor([2, 3], 3)])).toBeLessThan(1e-3);
  });
});

describe('InputLayer', () => {
  it("declares the batch input shape; named 'input_layer'; the identity on data", () => {
    const a = new InputLayer({ inputShape: [28, 28, 1] });
    expect(a.name).toBe('input_layer');
    expect(a.batchInputShape).toEqual([null, 28, 28, 1]);
    expect(a.built).toBe(true);
    const x = tk.ones([2, 28, 28, 1]);
    expect(a.apply(x)).toBe(x);
    expect(a.computeOutputShape([null, 28, 28, 1])).toEqual([null, 28, 28, 1]);
    expect(() => a.apply(tk.ones([2, 28, 28]))).toThrow('input_layer: expected input shape (None, 28, 28, 1), got [2,28,28]');
  });

  it('Keras 3 spellings shape / batchShape, batchSize, getConfig', () => {
    expect(new InputLayer({ shape: [4] }).batchInputShape).toEqual([null, 4]);
    expect(new InputLayer({ inputShape: [4], batchSize: 8 }).batchInputShape).toEqual([8, 4]);
    expect(new InputLayer({ batchShape: [null, 3] }).batchInputShape).toEqual([null, 3]);
    expect(new InputLayer({ batchInputShape: [2, 3], name: 'in' }).getConfig()).toEqual({ batchInputShape: [2, 3], dtype: 'float32', sparse: false, name: 'in' });
  });

  it('needs exactly one shape; batchSize goes with inputShape; sparse is not supported', () => {
    expect(() => new InputLayer({})).toThrow('InputLayer: give inputShape (or shape) or batchInputShape (or batchShape)');
    expect(() => new InputLayer({ inputShape: [2], batchInputShape: [null, 2] })).toThrow(/not both/);
    expect(() => new InputLayer({ inputShape: [2], shape: [2] })).toThrow(/only one of inputShape and shape/);
    expect(() => new InputLayer({ batchShape: [null, 2], batchSize: 3 })).toThrow(/batchSize goes with inputShape/);
    expect(() => new InputLayer({ inputShape: [2], sparse: true })).toThrow(/sparse inputs are not supported/);
    expect(() => new InputLayer({ inputShape: [0] })).toThrow(/inputShape must be a list of positive integers/);
  });
});

describe('Softmax layer', () => {
  it('rows sum to 1; axis option; several axes', () => {
    const x = tk.tensor([[1, 2, 3], [0, 0, 0]]);
    expectClose(Array.from(new Softmax().apply(x).data), [0.09003057, 0.24472847, 0.66524096, 1 / 3, 1 / 3, 1 / 3]);
    expectClose(Array.from(new Softmax({ axis: 0 }).apply(tk.tensor([[0, 1], [0, 1]])).data), [0.5, 0.5, 0.5, 0.5]);
    const all = new Softmax({ axis: [1, 2] }).apply(tk.zeros([2, 2, 2]));
    expectClose(Array.from(all.data), new Array(8).fill(0.25));
    expect(new Softmax({ axis: [1, 2] }).getConfig()).toMatchObject({ name: 'softmax_3', axis: [1, 2] });
    expect(() => new Softmax({ axis: 1.5 })).toThrow(/axis must be an integer or a non-empty list of integers, got 1.5/);
  });

  it('gradient check, and the output remembers its logits', () => {
    const x = randomTensor([3, 4], 4, -2, 2);
    expect(tk.checkGradients((t) => new Softmax().apply(t), [x])).toBeLessThan(1e-3);
    expect(tk.checkGradients((t) => new Softmax({ axis: [0, 1] }).apply(t), [x])).toBeLessThan(1e-3);
    expect(logitsOf(new Softmax().apply(x))?.logits).toBe(x);
  });
});

describe('ReLU layer', () => {
  const x = tk.tensor([[-10, -5, 0, 5, 10]]);
  it('defaults: max(x, 0); options as Keras (the layer docstring example)', () => {
    expect(new ReLU().apply(x).toArray()).toEqual([[0, 0, 0, 5, 10]]);
    // maxValue 10, slope 0.5, threshold 0: [-5, -2.5, 0, 5, 10]
    expect(new ReLU({ maxValue: 10, negativeSlope: 0.5, threshold: 0 }).apply(x).toArray()).toEqual([[-5, -2.5, 0, 5, 10]]);
    expect(new ReLU({ maxValue: 6 }).apply(x).toArray()).toEqual([[0, 0, 0, 5, 6]]);
    // threshold 5, slope 0.1: x ≤ 5 → 0.1·(x − 5)
    expectClose(Array.from(new ReLU({ threshold: 5, negativeSlope: 0.1 }).apply(x).data), [-1.5, -1, -0.5, 0, 10]);
    expect(new ReLU({ maxValue: 6 }).getConfig()).toMatchObject({ maxValue: 6, negativeSlope: 0, threshold: 0 });
  });

  it('gradient checks with options, away from the kinks', () => {
    const input = tk.tensor([[-2.3, -0.7, 0.4, 1.6, 2.8, 4.4]]);
    expect(tk.checkGradients((t) => new ReLU().apply(t), [input])).toBeLessThan(1e-3);
    expect(tk.checkGradients((t) => new ReLU({ maxValue: 2, negativeSlope: 0.2, threshold: 1 }).apply(t), [input])).toBeLessThan(1e-3);
    expect(tk.checkGradients((t) => new ReLU({ maxValue: 6 }).apply(t), [tk.mul(input, 2)])).toBeLessThan(1e-3);
  });

  it('negative options are refused', () => {
    expect(() => new ReLU({ maxValue: -1 })).toThrow('ReLU: maxValue cannot be negative, got -1');
    expect(() => new ReLU({ negativeSlope: -0.1 })).toThrow(/negativeSlope cannot be negative/);
    expect(() => new ReLU({ threshold: -1 })).toThrow(/threshold cannot be negative/);
  });
});

describe('LeakyReLU layer', () => {
  it('default slope 0.3 (the function default is 0.2); alpha is accepted (TF.js spelling)', () => {
    const x = tk.tensor([[-1, 2]]);
    expectClose(Array.from(new LeakyReLU().apply(x).data), [-0.3, 2]);
    expectClose(Array.from(new LeakyReLU({ negativeSlope: 0.1 }).apply(x).data), [-0.1, 2]);
    expectClose(Array.from(new LeakyReLU({ alpha: 0.5 }).apply(x).data), [-0.5, 2]);
    expect(new LeakyReLU({ alpha: 0.5 }).getConfig()).toMatchObject({ negativeSlope: 0.5 });
  });

  it('gradient check; bad arguments', () => {
    expect(tk.checkGradients((t) => new LeakyReLU().apply(t), [tk.tensor([[-2.1, -0.4, 0.3, 1.7]])])).toBeLessThan(1e-3);
    expect(() => new LeakyReLU({ alpha: 0.1, negativeSlope: 0.2 })).toThrow('LeakyReLU: give negativeSlope or its old name alpha, not both');
    expect(() => new LeakyReLU({ negativeSlope: -1 })).toThrow(/cannot be negative/);
  });
});
