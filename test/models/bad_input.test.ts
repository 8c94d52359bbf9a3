// Bad input to Sequential and its layers: every error is checked on its message, which must name
// the argument (or layer), what was expected and what came; and nothing is left half-changed.

import { beforeEach, describe, expect, it } from 'vitest';
import * as tk from '../../src/index.js';
import { snapshot } from './helpers.js';

beforeEach(() => {
  tk.clearSession();
  tk.setSeed(3);
});

/** A compiled 3 → 4 → 2 softmax classifier. */
function classifier(metrics: string[] = []): tk.Sequential {
  const model = new tk.Sequential([new tk.layers.Dense(4, { inputShape: [3], activation: 'relu' }), new tk.layers.Dense(2, 'softmax')]);
  model.compile({ optimizer: 'sgd', loss: 'categorical_crossentropy', metrics });
  return model;
}
const x3 = [[1, 2, 3], [4, 5, 6], [7, 8, 9]];
const y3 = [[1, 0], [0, 1], [1, 0]];

describe('x and y', () => {
  it('different numbers of samples: both counts and shapes, in fit, evaluate, trainOnBatch, testOnBatch', async () => {
    const model = classifier();
    const message = 'x and y have different numbers of samples: x has 3 (shape [3,3]), y has 2 (shape [2,2])';
    await expect(model.fit(x3, y3.slice(0, 2), { verbose: 0 })).rejects.toThrow(`sequential.fit: ${message}`);
    expect(() => model.evaluate(x3, y3.slice(0, 2), { verbose: 0 })).toThrow(`sequential.evaluate: ${message}`);
    expect(() => model.trainOnBatch(x3, y3.slice(0, 2))).toThrow(`sequential.trainOnBatch: ${message}`);
    expect(() => model.testOnBatch(x3, y3.slice(0, 2))).toThrow(`sequential.testOnBatch: ${message}`);
    await expect(model.fit(x3, y3, { validationData: [x3, y3.slice(0, 1)], verbose: 0 })).rejects.toThrow(
      'sequential.fit: validationData: x and y have different numbers of samples: x has 3 (shape [3,3]), y has 1 (shape [1,2])',
    );
  });

  it('not an array of numbers: the argument and the offending place', async () => {
    const model = classifier();
    await expect(model.fit([[1, 2, 3], [4, 5]], y3.slice(0, 2), { verbose: 0 })).rejects.toThrow(
      'sequential.fit: x: ragged nested array: expected length 3 at [1], got 2',
    );
    await expect(model.fit(x3, [[1, 0], [0, 'a'], [1, 0]] as unknown as number[][], { verbose: 0 })).rejects.toThrow(
      "sequential.fit: y: expected a number at [1][1], got 'a'",
    );
    expect(() => model.predict(5 as unknown as number[])).toThrow('sequential.predict: x: expected an array with one row per sample, got a scalar');
  });
});

describe('input shapes that do not fit the model', () => {
  it('a model with an input shape: fit, evaluate, predict and the single-batch methods name x, the expected and the given shape', async () => {
    const model = classifier();
    const bad = [[1, 2, 3, 4], [5, 6, 7, 8]];
    const expected = 'x: expected input shape (None, 3), got [2,4]';
    await expect(model.fit(bad, y3.slice(0, 2), { verbose: 0 })).rejects.toThrow(`sequential.fit: ${expected}`);
    expect(() => model.evaluate(bad, y3.slice(0, 2), { verbose: 0 })).toThrow(`sequential.evaluate: ${expected}`);
    expect(() => model.predict(bad)).toThrow(`sequential.predict: ${expected}`);
    expect(() => model.trainOnBatch(bad, y3.slice(0, 2))).toThrow(`sequential.trainOnBatch: ${expected}`);
    expect(() => model.testOnBatch(bad, y3.slice(0, 2))).toThrow(`sequential.testOnBatch: ${expected}`);
    expect(() => model.predictOnBatch(bad)).toThrow(`sequential.predictOnBatch: ${expected}`);
    // One sample given without its batch axis.
    expect(() => model.predict([1, 2, 3])).toThrow('sequential.predict: x: expected input shape (None, 3), got [3]');
    expect(() => model.apply(tk.zeros([2, 4]))).toThrow('sequential: expected input shape (None, 3), got [2,4]');
  });

  it('a deferred model: built by the first data, then other shapes are refused', async () => {
    const model = new tk.Sequential([new tk.layers.Dense(4), new tk.layers.Dense(2, 'softmax')]);
    model.compile({ optimizer: 'sgd', loss: 'categorical_crossentropy' });
    await model.fit(x3, y3, { verbose: 0 });
    await expect(model.fit([[1, 2]], [[1, 0]], { verbose: 0 })).rejects.toThrow('sequential.fit: x: expected input shape (None, 3), got [1,2]');
    // An input a layer cannot take at all: the layer says so.
    const conv = new tk.Sequential([new tk.layers.Conv2D(2, 3), new tk.layers.Flatten(), new tk.layers.Dense(1)]);
    expect(() => conv.predict(tk.zeros([2, 8]))).toThrow('conv2d: expected a rank-4 input (batch, height, width, channels) with a known channel dimension, got (2, 8)');
  });

  it('validation data shaped unlike the model: refused before any training', async () => {
    const model = classifier();
    const before = snapshot(model);
    await expect(model.fit(x3, y3, { validationData: [[[1, 2]], [[1, 0]]], verbose: 0 })).rejects.toThrow(
      'sequential.fit: validationData x: expected input shape (None, 3), got [1,2]',
    );
    // A deferred model too: it is built from the first training batch before the check.
    const deferred = new tk.Sequential([new tk.layers.Dense(2, 'softmax')]);
    deferred.compile({ optimizer: 'sgd', loss: 'categorical_crossentropy' });
    await expect(deferred.fit(x3, y3, { validationData: [[[1, 2]], [[1, 0]]], verbose: 0 })).rejects.toThrow(
      'sequential_1.fit: validationData x: expected input shape (None, 3), got [1,2]',
    );
    expect(deferred.optimizer!.iterations).toBe(0);
    await expect(model.fit(x3, y3, { validationData: [[[1, 2, 3]], [1]], verbose: 0 })).rejects.toThrow(/categorical_crossentropy: labels of shape \[1\] look like integer class ids/);
    expect(snapshot(model)).toEqual(before);
    expect(model.optimizer!.iterations).toBe(0);
  });
});

describe('labels that do not fit the loss', () => {
  it("integer ids with categorical_crossentropy: suggests 'sparse_categorical_crossentropy' or one-hot", async () => {
    const model = classifier();
    await expect(model.fit(x3, [0, 1, 0], { verbose: 0 })).rejects.toThrow(
      "categorical_crossentropy: labels of shape [3] look like integer class ids for predictions of shape [3,2]; use 'sparse_categorical_crossentropy' for integer labels, or one-hot encode them (tk.oneHot(labels, 2))",
    );
    await expect(model.fit(x3, [[0], [1], [0]], { verbose: 0 })).rejects.toThrow(/labels of shape \[3,1\] look like integer class ids/);
  });

  it("one-hot labels with sparse_categorical_crossentropy: suggests 'categorical_crossentropy'", async () => {
    const model = new tk.Sequential([new tk.layers.Dense(2, { inputShape: [3], activation: 'softmax' })]);
    model.compile({ optimizer: 'sgd', loss: 'sparse_categorical_crossentropy' });
    await expect(model.fit(x3, y3, { verbose: 0 })).rejects.toThrow(
      "sparse_categorical_crossentropy: labels of shape [3,2] look one-hot encoded (predictions have shape [3,2]); use 'categorical_crossentropy' for one-hot labels, or pass integer class ids of shape [3]",
    );
  });

  it('labels with the wrong number of columns for mse: both shapes', () => {
    const model = new tk.Sequential([new tk.layers.Dense(2, { inputShape: [3] })]);
    model.compile({ optimizer: 'sgd', loss: 'mse' });
    expect(() => model.evaluate(x3, [[1, 2, 3], [4, 5, 6], [7, 8, 9]], { verbose: 0 })).toThrow(
      'mean_squared_error: labels of shape [3,3] and predictions of shape [3,2] do not broadcast',
    );
  });

  it('"nothing half-changed": a fit that throws on its labels leaves weights and optimizer as they were', async () => {
    for (const [labels, metrics] of [
      [[0, 1, 0], []], // rejected by the loss
      [[[1, 0, 0], [0, 1, 0], [1, 0, 0]], []], // 3 columns for 2 outputs
    ] as [number[] | number[][], string[]][]) {
      const model = classifier(metrics);
      const before = snapshot(model);
      await expect(model.fit(x3, labels, { verbose: 0, epochs: 3 })).rejects.toThrow();
      expect(snapshot(model)).toEqual(before);
      expect(model.optimizer!.iterations).toBe(0);
    }
  });

  it('"nothing half-changed": a metric that rejects the labels fails before the weights move', async () => {
    // sparse labels are fine for the loss; 'mae' cannot compare [N] ids with [N, 3] outputs.
    const model = new tk.Sequential([new tk.layers.Dense(3, { inputShape: [2], activation: 'softmax' })]);
    model.compile({ optimizer: 'sgd', loss: 'sparse_categorical_crossentropy', metrics: ['mae'] });
    const before = snapshot(model);
    await expect(model.fit([[1, 2], [3, 4]], [0, 2], { verbose: 0 })).rejects.toThrow(
      'mean_absolute_error: labels of shape [2] and predictions of shape [2,3] do not broadcast',
    );
    expect(snapshot(model)).toEqual(before);
    expect(() => model.trainOnBatch([[1, 2], [3, 4]], [0, 2])).toThrow(/mean_absolute_error/);
    expect(snapshot(model)).toEqual(before);
  });
});

describe('compile and identifiers', () => {
  it('fit, evaluate and the batch methods before compile say to call compile', async () => {
    const model = new tk.Sequential([new tk.layers.Dense(1, { inputShape: [3] })]);
    await expect(model.fit(x3, [[1], [2], [3]])).rejects.toThrow('sequential: call compile({ optimizer, loss, metrics }) before fit()');
    expect(() => model.evaluate(x3, [[1], [2], [3]])).toThrow('sequential: call compile({ optimizer, loss, metrics }) before evaluate()');
    expect(() => model.trainOnBatch(x3, [[1], [2], [3]])).toThrow('before trainOnBatch()');
    expect(() => model.testOnBatch(x3, [[1], [2], [3]])).toThrow('before testOnBatch()');
    // predict needs no compile, as Keras.
    expect(model.predict(x3).shape).toEqual([3, 1]);
  });

  it('unknown optimizer, loss and metric names: the nearest valid name and the list', () => {
    const model = new tk.Sequential([new tk.layers.Dense(1, { inputShape: [3] })]);
    expect(() => model.compile({ optimizer: 'adm', loss: 'mse' })).toThrow(
      "Unknown optimizer 'adm'. Did you mean 'adam'? Valid names: sgd, adam, adamw, adadelta, rmsprop, adagrad, adamax, nadam",
    );
    expect(() => model.compile({ optimizer: 'adam', loss: 'categorical_crossentropi' })).toThrow(
      /^Unknown loss 'categorical_crossentropi'\. Did you mean 'categorical_crossentropy'\? Valid names: mean_squared_error, .*binary_crossentropy, categorical_crossentropy, sparse_categorical_crossentropy/,
    );
    expect(() => model.compile({ optimizer: 'adam', loss: 'mse', metrics: ['acuracy'] })).toThrow(
      /^Unknown metric 'acuracy'\. Did you mean 'accuracy'\? Valid names: accuracy, acc, .*mae/,
    );
    // Nothing near: no suggestion, still the list.
    expect(() => model.compile({ optimizer: 'xyzzy', loss: 'mse' })).toThrow(/^Unknown optimizer 'xyzzy'\. Valid names: sgd, adam/);
  });

  it('a failed compile keeps the previous configuration', () => {
    const model = new tk.Sequential([new tk.layers.Dense(1, { inputShape: [3] })]);
    model.compile({ optimizer: 'adam', loss: 'mse', metrics: ['mae'] });
    const optimizer = model.optimizer;
    expect(() => model.compile({ optimizer: 'sgd', loss: 'mse', metrics: ['mea_absolute_eror'] })).toThrow(/Unknown metric/);
    expect(model.optimizer).toBe(optimizer);
    expect(model.metricsNames).toEqual(['loss', 'mae']);
  });

  it('compile: a missing loss, an unknown option, a repeated metric', () => {
    const model = new tk.Sequential([new tk.layers.Dense(1, { inputShape: [3] })]);
    expect(() => model.compile({ optimizer: 'sgd' } as unknown as tk.CompileArgs)).toThrow("sequential: compile() needs a loss, e.g. loss: 'categorical_crossentropy'");
    expect(() => model.compile({ optimizer: 'sgd', loss: 'mse', metric: ['mae'] } as unknown as tk.CompileArgs)).toThrow(
      "sequential: compile() got an unknown option 'metric' (expected optimizer, loss, metrics)",
    );
    expect(() => model.compile({ optimizer: 'sgd', loss: 'mse', metrics: ['mae', 'mae'] })).toThrow("compile() got the metric name 'mae' twice");
  });

  it('an unknown fit, evaluate or predict option: named, with the nearest option and the valid ones', async () => {
    const model = classifier();
    await expect(model.fit(x3, y3, { batch_size: 2, verbose: 0 } as unknown as tk.FitArgs)).rejects.toThrow(
      "sequential.fit: unknown option 'batch_size'. Did you mean 'batchSize'? (expected one of batchSize, epochs, verbose, callbacks, validationSplit, validationData, shuffle, initialEpoch, classWeight, sampleWeight, validationBatchSize, signal)",
    );
    await expect(model.fit(x3, y3, { validation_split: 0.5 } as unknown as tk.FitArgs)).rejects.toThrow("Did you mean 'validationSplit'?");
    expect(() => model.evaluate(x3, y3, { verbose: 0, steps: 1 } as unknown as tk.EvaluateArgs)).toThrow(
      "sequential.evaluate: unknown option 'steps' (expected one of batchSize, verbose, sampleWeight, callbacks, returnDict)",
    );
    expect(() => model.predict(x3, { batchsize: 1 } as unknown as tk.PredictArgs)).toThrow("sequential.predict: unknown option 'batchsize'. Did you mean 'batchSize'?");
  });

  it('fit option values: epochs, batchSize, verbose, validationData', async () => {
    const model = classifier();
    await expect(model.fit(x3, y3, { epochs: 1.5 })).rejects.toThrow('sequential.fit: epochs must be a non-negative integer, got 1.5');
    await expect(model.fit(x3, y3, { batchSize: 0 })).rejects.toThrow('sequential.fit: batchSize must be a positive integer, got 0');
    await expect(model.fit(x3, y3, { verbose: 3 as 1 })).rejects.toThrow('sequential.fit: verbose must be 0, 1 or 2, got 3');
    await expect(model.fit(x3, y3, { validationData: [x3] as unknown as [number[][], number[][]] })).rejects.toThrow(
      'sequential.fit: validationData must be [xVal, yVal] or [xVal, yVal, sampleWeightVal]',
    );
    await expect(model.fit(x3, y3, { sampleWeight: [1, 2], verbose: 0 })).rejects.toThrow('sequential.fit: sampleWeight must hold one weight per sample: expected shape [3], got [2]');
    await expect(model.fit(x3, y3, { classWeight: { 0: Number.NaN }, verbose: 0 })).rejects.toThrow('sequential.fit: classWeight[0] must be a finite number, got NaN');
    // 0 would never finish the validation loop.
    await expect(model.fit(x3, y3, { validationData: [x3, y3], validationBatchSize: 0, verbose: 0 })).rejects.toThrow(
      'sequential.fit: validationBatchSize must be a positive integer, got 0',
    );
  });

  it('a bad callback is refused before the model is built or given a History', async () => {
    const model = new tk.Sequential([new tk.layers.Dense(2, 'softmax')]);
    model.compile({ optimizer: 'sgd', loss: 'categorical_crossentropy' });
    await expect(model.fit(x3, y3, { verbose: 0, callbacks: [tk.callbacks.EarlyStopping as unknown as tk.callbacks.Callback] })).rejects.toThrow(
      'callbacks[0]: expected a Callback or an object with hooks such as onEpochEnd, got a function (a class or function: did you forget `new`?)',
    );
    expect(model.built).toBe(false);
    expect(model.history).toBeNull();
  });
});

describe('layers and structure', () => {
  it('invalid layer arguments: Dense(0) and friends name the layer, the argument, the value', () => {
    expect(() => new tk.layers.Dense(0)).toThrow('Dense: units must be a positive integer, got 0');
    expect(() => new tk.layers.Dense(-3)).toThrow('Dense: units must be a positive integer, got -3');
    expect(() => new tk.layers.Dense(2.5)).toThrow('Dense: units must be a positive integer, got 2.5');
    expect(() => new tk.layers.Dense(2, { activation: 'rleu' })).toThrow(/^Dense: Unknown activation 'rleu'\. Did you mean 'relu'\?/);
    expect(() => new tk.layers.Dense(2, { activaton: 'relu' } as tk.layers.DenseOptions)).toThrow(/^Dense: unknown option 'activaton'\. Did you mean 'activation'\?/);
    expect(() => new tk.layers.Dense(2, { name: 'out', kernelInitializer: 'he_unifrom' })).toThrow(/^Dense 'out' kernelInitializer: Unknown initializer 'he_unifrom'\. Did you mean 'he_uniform'\?/);
    expect(() => new tk.layers.Conv2D(2, 3, { padding: 'full' })).toThrow(`Conv2D: padding must be 'valid' or 'same' (any case), got "full"`);
    expect(() => new tk.layers.Conv2D(0, 3)).toThrow(/^Conv2D: filters must be a positive integer, got 0/);
    // A failed constructor uses up no automatic name.
    expect(new tk.layers.Dense(1).name).toBe('dense');
  });

  it('add() refuses what is not a layer, with what it got', () => {
    const model = new tk.Sequential([new tk.layers.Dense(2, { inputShape: [3] })]);
    expect(() => model.add({ units: 3 } as unknown as tk.layers.Layer)).toThrow('sequential: add() expects a Layer instance, got Object');
    expect(() => model.add(tk.layers.Dense as unknown as tk.layers.Layer)).toThrow(
      'sequential: add() expects a Layer instance, got the function Dense (a class not instantiated? use new)',
    );
    expect(() => model.add(tk.zeros([2]) as unknown as tk.layers.Layer)).toThrow('sequential: add() expects a Layer instance, got Tensor');
    expect(model.layers).toHaveLength(1);
    // A single layer not in a list.
    expect(() => new tk.Sequential(new tk.layers.Dense(1) as unknown as tk.layers.Layer[])).toThrow(
      'Sequential: expected a list of layers or { layers, name }, got Dense; put the layer in a list: new Sequential([layer])',
    );
    expect(() => new tk.Sequential({ layer: [new tk.layers.Dense(1)] } as unknown as tk.SequentialArgs)).toThrow(
      "Sequential: unknown option 'layer'. Did you mean 'layers'? (expected one of layers, name)",
    );
  });

  it('duplicate layer names are refused and the model keeps its layers', () => {
    const model = new tk.Sequential([new tk.layers.Dense(2, { inputShape: [3], name: 'hidden' })]);
    expect(() => model.add(new tk.layers.Dense(1, { name: 'hidden' }))).toThrow("sequential: all layers must have unique names; 'hidden' is already in the model");
    expect(model.layers.map((l) => l.name)).toEqual(['hidden']);
    const same = new tk.layers.Dense(1);
    model.add(same);
    expect(() => model.add(same)).toThrow("'dense' is already in the model");
    expect(model.layers).toHaveLength(2);
  });

  it('an InputLayer must come first and only once', () => {
    const model = new tk.Sequential([new tk.layers.InputLayer({ inputShape: [3] }), new tk.layers.Dense(2)]);
    expect(model.built).toBe(true);
    expect(model.layers.map((l) => l.getClassName())).toEqual(['Dense']); // not listed, as Keras
    expect(() => model.add(new tk.layers.InputLayer({ inputShape: [2] }))).toThrow('sequential: an InputLayer must come first, and only once (the model already has layers)');
  });

  it('pop() on an empty model, and apply/predict with no layers', () => {
    expect(() => new tk.Sequential().pop()).toThrow('sequential: pop() on a model with no layers');
    expect(() => new tk.Sequential().predict([[1]])).toThrow('sequential_1: the model has no layers');
  });
});

describe('setWeights', () => {
  it('a wrong count: expected and given counts; nothing changes', () => {
    const model = classifier();
    const before = snapshot(model);
    expect(() => model.setWeights([tk.ones([3, 4])])).toThrow('sequential: setWeights expected 4 arrays, got 1');
    expect(snapshot(model)).toEqual(before);
  });

  it('on a model not built yet: says why it has no weights', () => {
    const model = new tk.Sequential([new tk.layers.Dense(2)]);
    expect(() => model.setWeights([tk.ones([3, 2]), tk.ones([2])])).toThrow(
      'sequential: setWeights expected 0 arrays, got 2 (the model is not built yet, so it has no weights: give the first layer an inputShape, or call build() first)',
    );
    model.build([null, 3]);
    model.setWeights([tk.ones([3, 2]), tk.ones([2])]);
    expect(model.predict([[1, 1, 1]]).toArray()).toEqual([[4, 4]]);
  });

  it('getWeights returns copies: changing them does not touch the model', () => {
    const model = classifier();
    const before = snapshot(model);
    const copies = model.getWeights();
    copies[0]!.data.fill(123);
    expect(snapshot(model)).toEqual(before);
  });

  it('a wrong shape: the weight, its shape and the given one; the earlier, valid arrays are not assigned either', () => {
    const model = classifier();
    const before = snapshot(model);
    expect(() => model.setWeights([tk.ones([3, 4]), tk.ones([4]), tk.ones([4, 2]), tk.ones([3])])).toThrow(
      "sequential: setWeights: weight 3 ('dense_1/bias') has shape [2], got [3]",
    );
    expect(snapshot(model)).toEqual(before);
    expect(() => model.layers[0]!.setWeights([tk.ones([4, 3]), tk.ones([4])])).toThrow("dense: setWeights: weight 0 ('dense/kernel') has shape [3,4], got [4,3]");
    expect(snapshot(model)).toEqual(before);
    // The right shapes go through.
    model.setWeights([tk.ones([3, 4]), tk.ones([4]), tk.ones([4, 2]), tk.ones([2])]);
    expect(snapshot(model).flat().every((v) => v === 1)).toBe(true);
  });
});
