// The seed notes (/work/shared/seed-notes.md), line by line: every Keras snippet or statement of
// the French notes ported to tensorkit, with the behaviour Keras gives checked against hand
// values (formulas in comments). One `it` per note line, named after it.

import { Console } from 'node:console';
import { Writable } from 'node:stream';
import { beforeEach, describe, expect, it } from 'vitest';
import * as tk from '../../src/index.js';
import { captureStdout, matmul64, mean, recordingMse, sigmoid, softmaxRows, std } from './helpers.js';

const K = tk.backend;

beforeEach(() => {
  tk.clearSession();
  tk.setSeed(1234);
});

describe('Seed notes: "API Sequential"', () => {
  it('my_list_of_layers = [Dense(10), Dense(5, "relu")]; Sequential(my_list_of_layers)', () => {
    const myListOfLayers = [new tk.layers.Dense(10), new tk.layers.Dense(5, 'relu')];
    const mymodel = new tk.keras.models.Sequential(myListOfLayers);
    expect(mymodel.layers).toEqual(myListOfLayers);
    // The same class under every spelling: tk.Sequential, tk.models.Sequential, tk.keras.models.Sequential,
    // and TF.js's factory tk.sequential({ layers }).
    expect(tk.models.Sequential).toBe(tk.Sequential);
    expect(tk.keras.models.Sequential).toBe(tk.Sequential);
    expect(tk.sequential({ layers: [new tk.layers.Dense(1)] })).toBeInstanceOf(tk.Sequential);
    expect(mymodel.layers.map((l) => l.name)).toEqual(['dense', 'dense_1']);
    // No input shape: nothing is built until data comes (Keras's deferred build).
    expect(mymodel.built).toBe(false);
    expect(mymodel.weights).toEqual([]);
    const x = tk.tensor([[1, -2, 3], [0.5, 0, -1]]);
    const y = mymodel.predict(x);
    expect(y.shape).toEqual([2, 5]);
    // y = relu((x·W1 + b1)·W2 + b2): the first Dense is linear, the second applies relu.
    const [w1, b1, w2, b2] = mymodel.getWeights().map((w) => Array.from(w.data));
    const h = matmul64(x.data, w1!, 2, 3, 10).map((v, i) => v + b1![i % 10]!);
    const pre = matmul64(h, w2!, 2, 10, 5).map((v, i) => v + b2![i % 5]!);
    expect(pre.some((v) => v < 0) && pre.some((v) => v > 0)).toBe(true); // relu has work to do
    const expected = pre.map((v) => Math.max(0, v));
    expect(Array.from(y.data).map((v, i) => v - expected[i]!).every((d) => Math.abs(d) < 1e-5)).toBe(true);
  });

  it('Flatten "prend en entrée un tenseur et renvoie le vecteur déplié"; "input renseigne la taille du tensor"', () => {
    const model = new tk.Sequential([new tk.layers.Flatten({ inputShape: [2, 3] })]);
    expect(model.built).toBe(true); // the input shape is known, so it builds at once
    const x = tk.tensor([[[1, 2, 3], [4, 5, 6]], [[7, 8, 9], [10, 11, 12]]]);
    const y = model.predict(x);
    // Row-major unrolling of each sample: [1..6] and [7..12].
    expect(y.toArray()).toEqual([[1, 2, 3, 4, 5, 6], [7, 8, 9, 10, 11, 12]]);
    expect(model.summary({ printFn: () => {} })).toContain('(None, 6)');
    expect(() => model.predict(tk.zeros([2, 3, 2]))).toThrow(/expected input shape \(None, 2, 3\), got \[2,3,2\]/);
  });

  it('"Il existe une méthode add() de l\'objet model qui permet d\'ajouter des couches séquentiellement"', () => {
    const model = new tk.Sequential();
    expect(model.layers).toEqual([]);
    model.add(new tk.layers.Dense(8, { inputShape: [4], activation: 'relu' }));
    expect(model.built).toBe(true);
    model.add(new tk.layers.Dense(3, 'softmax'));
    model.add(new tk.layers.Dense(1));
    expect(model.layers.map((l) => l.name)).toEqual(['dense', 'dense_1', 'dense_2']);
    // Each added layer is built for the previous one's output: kernels [4,8], [8,3], [3,1].
    expect(model.weights.map((w) => w.shape)).toEqual([[4, 8], [8], [8, 3], [3], [3, 1], [1]]);
    expect(model.predict(tk.ones([5, 4])).shape).toEqual([5, 1]);
  });
});

describe('Seed notes: "Objet model"', () => {
  it('attribut .weights "permet d\'accéder aux poids du modèle"', () => {
    const model = new tk.Sequential([new tk.layers.Dense(3, { inputShape: [2] }), new tk.layers.Dense(1)]);
    const weights = model.weights;
    expect(weights.map((w) => w.name)).toEqual(['dense/kernel', 'dense/bias', 'dense_1/kernel', 'dense_1/bias']);
    expect(weights.map((w) => w.shape)).toEqual([[2, 3], [3], [3, 1], [1]]);
    expect(weights.every((w) => w instanceof tk.Variable && w.trainable)).toBe(true);
    // They are the live weights: changing one changes the model's output.
    const before = model.predict([[1, 1]]).item();
    weights[3]!.assign(tk.tensor([10]));
    expect(model.predict([[1, 1]]).item()).toBeCloseTo(before + 10, 4);
  });

  it('.summary() "affiche None dans la taille des layers" because the batch size is not known', () => {
    const model = new tk.Sequential([new tk.layers.Dense(10, { inputShape: [784] }), new tk.layers.Dense(5, 'relu')]);
    let printed = '';
    const text = model.summary({ printFn: (s) => (printed = s) });
    expect(printed).toBe(text);
    expect(text).toContain('│ dense (Dense)                   │ (None, 10)             │         7,850 │');
    expect(text).toContain('│ dense_1 (Dense)                 │ (None, 5)              │            55 │');
    // A fixed batch size (batchSize option) replaces the None.
    tk.clearSession();
    const fixed = new tk.Sequential([new tk.layers.Dense(10, { inputShape: [784], batchSize: 16 })]);
    expect(fixed.summary({ printFn: () => {} })).toContain('│ dense (Dense)                   │ (16, 10)               │');
  });

  it('attribut layers "pour accéder aux layers, lequel possède un attribut weights qui contient les poids"', () => {
    const model = new tk.Sequential([
      new tk.layers.Flatten({ inputShape: [2, 2] }),
      new tk.layers.Dense(3, 'relu'),
      new tk.layers.Dense(2),
    ]);
    const [flatten, d1, d2] = model.layers;
    expect(flatten).toBeInstanceOf(tk.layers.Flatten);
    expect(flatten!.weights).toEqual([]);
    expect(d1!.weights.map((w) => [w.name, w.shape])).toEqual([['dense/kernel', [4, 3]], ['dense/bias', [3]]]);
    expect(d2!.weights.map((w) => [w.name, w.shape])).toEqual([['dense_1/kernel', [3, 2]], ['dense_1/bias', [2]]]);
    // The model's weights are the layers' weights, in layer order (the same objects).
    expect(model.weights).toEqual([...d1!.weights, ...d2!.weights]);
    expect(model.weights[0]).toBe(d1!.weights[0]);
  });

  it('méthode .compile() "qui permet de définir la loss function ainsi que l\'optimizer"', () => {
    const model = new tk.Sequential([new tk.layers.Dense(1, { inputShape: [2] })]);
    expect(model.optimizer).toBeNull();
    model.compile({ loss: 'mean_squared_error', optimizer: 'sgd' });
    expect(model.optimizer).toBeInstanceOf(tk.optimizers.SGD);
    expect(model.loss!.name).toBe('mean_squared_error');
    // Keras's compile default optimizer is rmsprop.
    model.compile({ loss: 'mse' });
    expect(model.optimizer).toBeInstanceOf(tk.optimizers.RMSprop);
  });
});

describe('Seed notes: "Class Layers"', () => {
  it('Dense: "Nombre de neurones", "Activation function", "Input shape"', () => {
    const layer = new tk.layers.Dense(4, { activation: 'sigmoid', inputShape: [3] });
    const model = new tk.Sequential([layer]);
    expect(layer.units).toBe(4);
    expect(layer.kernel!.shape).toEqual([3, 4]);
    const x = tk.tensor([[0.5, -1, 2]]);
    const w = Array.from(layer.kernel!.data);
    // sigmoid(x·W + 0): the bias starts at zeros.
    const expected = matmul64(x.data, w, 1, 3, 4).map(sigmoid);
    const y = Array.from(model.predict(x).data);
    y.forEach((v, i) => expect(v).toBeCloseTo(expected[i]!, 6));
  });

  it('Flatten: "Unroll un tensor", "Input_shape" (28, 28) gives 784 features', () => {
    const model = new tk.Sequential([new tk.layers.Flatten({ inputShape: [28, 28] }), new tk.layers.Dense(10)]);
    expect(model.layers[1]!.weights[0]!.shape).toEqual([784, 10]);
    const img = tk.tensor(Float32Array.from({ length: 2 * 784 }, (_, i) => i), [2, 28, 28]);
    const flat = model.layers[0]!.apply(img);
    expect(flat.shape).toEqual([2, 784]);
    expect(flat.data[784 + 28 * 3 + 5]).toBe(784 + 28 * 3 + 5); // sample 1, row 3, column 5
  });

  it('Conv2D: "Nombre de filtres", "kernel_size: si un integer est renseigné ... un carré 3x3", padding "SAME", input_shape (28,28,1)', () => {
    const conv = new tk.layers.Conv2D(32, 3, { padding: 'SAME', inputShape: [28, 28, 1], activation: 'relu' });
    const model = new tk.Sequential([conv]);
    expect(conv.kernelSize).toEqual([3, 3]); // the integer means a square window
    expect(conv.kernel!.shape).toEqual([3, 3, 1, 32]);
    expect(model.countParams()).toBe(320); // 3·3·1·32 + 32
    // "SAME": the output keeps the 28×28 size.
    expect(model.summary({ printFn: () => {} })).toContain('│ conv2d (Conv2D)                 │ (None, 28, 28, 32)     │           320 │');
    expect(model.predict(tk.zeros([2, 28, 28, 1])).shape).toEqual([2, 28, 28, 32]);
    // By hand: a 5×5 image of ones, one 3×3 filter of ones, zero bias, SAME padding (one pixel
    // of zeros all around): each output counts the real pixels under the window: 4 in a corner,
    // 6 on an edge, 9 inside.
    const ones = new tk.Sequential([new tk.layers.Conv2D(1, 3, { padding: 'SAME', kernelInitializer: 'ones', inputShape: [5, 5, 1] })]);
    const out = ones.predict(tk.ones([1, 5, 5, 1])).reshape([5, 5]).toArray();
    expect(out).toEqual([
      [4, 6, 6, 6, 4],
      [6, 9, 9, 9, 6],
      [6, 9, 9, 9, 6],
      [6, 9, 9, 9, 6],
      [4, 6, 6, 6, 4],
    ]);
    // 'valid' (the default) shrinks 5×5 to 3×3 instead.
    const valid = new tk.Sequential([new tk.layers.Conv2D(1, 3, { kernelInitializer: 'ones', inputShape: [5, 5, 1] })]);
    expect(valid.predict(tk.ones([1, 5, 5, 1])).reshape([3, 3]).toArray()).toEqual([[9, 9, 9], [9, 9, 9], [9, 9, 9]]);
  });

  it('Conv2D data_format: "si on prend last, pour (28,28,3), alors le dernier integer représente le nombre de channels"', () => {
    const last = new tk.layers.Conv2D(8, 3, { padding: 'same', inputShape: [28, 28, 3], dataFormat: 'channels_last' });
    const mLast = new tk.Sequential([last]);
    expect(last.kernel!.shape).toEqual([3, 3, 3, 8]); // 3 input channels: the last integer
    expect(mLast.summary({ printFn: () => {} })).toContain('(None, 28, 28, 8)');
    // channels_first reads the same triple the other way: 28 channels of 28×3 images.
    const first = new tk.layers.Conv2D(8, 3, { padding: 'same', inputShape: [28, 28, 3], dataFormat: 'channels_first' });
    const mFirst = new tk.Sequential([first]);
    expect(first.kernel!.shape).toEqual([3, 3, 28, 8]);
    expect(mFirst.summary({ printFn: () => {} })).toContain('(None, 8, 28, 3)');
    // The default is channels_last (K.imageDataFormat()).
    expect(K.imageDataFormat()).toBe('channels_last');
    expect(new tk.layers.Conv2D(1, 3).dataFormat).toBe('channels_last');
  });

  it('MaxPooling2D: "réduit les dimensions", "La taille : un tuple" (2, 2)', () => {
    const model = new tk.Sequential([new tk.layers.MaxPooling2D([2, 2], { inputShape: [4, 4, 1] })]);
    const x = tk.tensor(Float32Array.from({ length: 16 }, (_, i) => i), [1, 4, 4, 1]);
    // [[0 1 2 3] [4 5 6 7] [8 9 10 11] [12 13 14 15]]: the max of each 2×2 block.
    expect(model.predict(x).reshape([2, 2]).toArray()).toEqual([[5, 7], [13, 15]]);
    expect(model.summary({ printFn: () => {} })).toContain('│ max_pooling2d (MaxPooling2D)    │ (None, 2, 2, 1)        │             0 │');
    // A rectangular tuple: (2, 1) halves the height only.
    const tall = new tk.Sequential([new tk.layers.MaxPooling2D([2, 1], { inputShape: [4, 4, 1] })]);
    expect(tall.predict(x).reshape([2, 4]).toArray()).toEqual([[4, 5, 6, 7], [12, 13, 14, 15]]);
  });
});

describe('Seed notes: "Initialisation des poids"', () => {
  it('"chaque layer possède comme arguments bias_initializer et kernel_initializer"', () => {
    const layer = new tk.layers.Dense(3, { inputShape: [2], kernelInitializer: 'ones', biasInitializer: 'zeros' });
    new tk.Sequential([layer]);
    expect(Array.from(layer.kernel!.data)).toEqual([1, 1, 1, 1, 1, 1]);
    expect(Array.from(layer.bias!.data)).toEqual([0, 0, 0]);
    const conv = new tk.layers.Conv2D(2, 1, { inputShape: [3, 3, 1], kernelInitializer: 'zeros', biasInitializer: 'ones' });
    new tk.Sequential([conv]);
    expect(Array.from(conv.kernel!.data)).toEqual([0, 0]);
    expect(Array.from(conv.bias!.data)).toEqual([1, 1]);
  });

  it("string 'random_uniform': uniform in [-0.05, 0.05) (Keras's RandomUniform defaults)", () => {
    const model = new tk.Sequential([new tk.layers.Dense(200, { inputShape: [100], kernelInitializer: 'random_uniform' })]);
    const w = model.weights[0]!.data;
    expect(Math.min(...w)).toBeGreaterThanOrEqual(-0.05);
    expect(Math.max(...w)).toBeLessThan(0.05);
    // U(-a, a) has standard deviation a/√3 = 0.02887; 20000 draws pin it to ~1%.
    expect(std(w)).toBeCloseTo(0.05 / Math.sqrt(3), 3);
  });

  it("string 'he_uniform': uniform in ±√(6 / fan_in)", () => {
    const model = new tk.Sequential([new tk.layers.Dense(200, { inputShape: [150], kernelInitializer: 'he_uniform' })]);
    const w = model.weights[0]!.data;
    const limit = Math.sqrt(6 / 150); // 0.2
    expect(Math.max(...w.map(Math.abs))).toBeLessThanOrEqual(limit);
    expect(Math.max(...w.map(Math.abs))).toBeGreaterThan(0.99 * limit);
    expect(std(w)).toBeCloseTo(limit / Math.sqrt(3), 2);
  });

  it("string 'zeros'", () => {
    const model = new tk.Sequential([new tk.layers.Dense(4, { inputShape: [3], kernelInitializer: 'zeros', biasInitializer: 'zeros' })]);
    expect(model.weights.every((w) => w.data.every((v) => v === 0))).toBe(true);
    expect(model.predict([[1, 2, 3]]).toArray()).toEqual([[0, 0, 0, 0]]);
  });

  it('object tf.keras.initializers.RandomNormal(mean=0.0, stddev=0.05)', () => {
    const init = new tk.initializers.RandomNormal({ mean: 0.0, stddev: 0.05 });
    const model = new tk.Sequential([new tk.layers.Dense(200, { inputShape: [100], kernelInitializer: init })]);
    const w = Array.from(model.weights[0]!.data);
    // 20000 draws: the sample mean is within 4·0.05/√20000 = 0.0014 of 0, the std within ~2%.
    expect(Math.abs(mean(w))).toBeLessThan(0.0014);
    expect(std(w)).toBeGreaterThan(0.049);
    expect(std(w)).toBeLessThan(0.051);
  });

  it('object tf.keras.initializers.Constant(value=0.4)', () => {
    const model = new tk.Sequential([
      new tk.layers.Dense(3, { inputShape: [2], kernelInitializer: new tk.initializers.Constant({ value: 0.4 }), biasInitializer: new tk.initializers.Constant({ value: 0.4 }) }),
    ]);
    for (const w of model.weights) expect(Array.from(w.data)).toEqual(new Array(w.size).fill(Math.fround(0.4)));
    // y = 0.4·(1 + 2) + 0.4 = 1.6 for every unit.
    model.predict([[1, 2]]).data.forEach((v) => expect(v).toBeCloseTo(1.6, 6));
  });

  it('object tf.keras.initializers.Orthogonal(gain=1.0, seed=None): orthonormal columns', () => {
    const init = new tk.initializers.Orthogonal({ gain: 1.0 });
    const model = new tk.Sequential([new tk.layers.Dense(8, { inputShape: [20], kernelInitializer: init })]);
    const w = model.weights[0]!.data; // [20, 8]
    // WᵀW = I₈ (20 ≥ 8: the columns are orthonormal).
    for (let a = 0; a < 8; a++) {
      for (let b = 0; b < 8; b++) {
        let dot = 0;
        for (let r = 0; r < 20; r++) dot += w[r * 8 + a]! * w[r * 8 + b]!;
        expect(dot).toBeCloseTo(a === b ? 1 : 0, 5);
      }
    }
    // seed=None: two draws differ.
    const other = new tk.Sequential([new tk.layers.Dense(8, { inputShape: [20], kernelInitializer: new tk.initializers.Orthogonal({ gain: 1.0 }) })]);
    expect(Array.from(other.weights[0]!.data)).not.toEqual(Array.from(w));
  });

  it('custom function: def my_init(shape, dtype=None): return K.random_normal(shape, dtype=dtype); model.add(Dense(64, kernel_initializer=my_init))', () => {
    const calls: [number[], string | undefined][] = [];
    function my_init(shape: number[], dtype?: string): tk.Tensor {
      calls.push([shape, dtype]);
      return K.randomNormal(shape, 0, 1, dtype);
    }
    const model = new tk.Sequential([new tk.layers.Dense(50, { inputShape: [10] })]);
    model.add(new tk.layers.Dense(64, { kernelInitializer: my_init }));
    expect(calls).toEqual([[[50, 64], 'float32']]);
    const w = Array.from(model.layers[1]!.weights[0]!.data);
    // K.random_normal's defaults: mean 0, stddev 1. 3200 draws: mean within 4/√3200 = 0.07 of 0.
    expect(Math.abs(mean(w))).toBeLessThan(0.071);
    expect(Math.abs(std(w) - 1)).toBeLessThan(0.05);
    // Reproducible with the global seed, as any initializer.
    tk.setSeed(99);
    const a = new tk.layers.Dense(64, { kernelInitializer: my_init });
    a.apply(tk.zeros([1, 50]));
    tk.setSeed(99);
    const b = new tk.layers.Dense(64, { kernelInitializer: my_init });
    b.apply(tk.zeros([1, 50]));
    expect(Array.from(a.kernel!.data)).toEqual(Array.from(b.kernel!.data));
  });
});

describe('Seed notes: ".Compile() method"', () => {
  // A fixed softmax model: logits = x (identity kernel, zero bias), so p = softmax(x) by hand.
  function softmaxModel(): tk.Sequential {
    return new tk.Sequential([new tk.layers.Dense(3, { activation: 'softmax', inputShape: [3], kernelInitializer: 'identity' })]);
  }
  const x3 = [[1, 2, 0.5], [0, -1, 3], [2, 2, 2], [0.3, 0.1, -0.2]];
  const yOneHot = [[0, 1, 0], [0, 0, 1], [1, 0, 0], [0, 0, 1]];

  it('loss "binary_crossentropy" = mean(−(y·log p + (1−y)·log(1−p)))', () => {
    const model = new tk.Sequential([new tk.layers.Dense(1, { activation: 'sigmoid', inputShape: [2], kernelInitializer: 'ones' })]);
    model.compile({ loss: 'binary_crossentropy', optimizer: 'sgd' });
    const x = [[0.5, 1], [-2, 0.5], [1, 1], [-0.3, -0.4]];
    const y = [[1], [0], [0], [1]];
    const p = x.map(([a, b]) => sigmoid(a! + b!)); // kernel of ones, zero bias
    const expected = mean(p.map((pi, i) => -(y[i]![0]! * Math.log(pi) + (1 - y[i]![0]!) * Math.log(1 - pi))));
    expect(model.evaluate(x, y, { verbose: 0 }) as number).toBeCloseTo(expected, 6);
  });

  it('loss "mean_squared_error" = mean over samples of mean((y − p)²)', () => {
    const model = new tk.Sequential([new tk.layers.Dense(2, { inputShape: [2], kernelInitializer: 'identity' })]);
    model.compile({ loss: 'mean_squared_error', optimizer: 'sgd' });
    const x = [[1, 2], [3, -1], [0, 0.5]];
    const y = [[0, 2], [1, 1], [2, -0.5]];
    // (1² + 0²)/2 = 0.5, (2² + 2²)/2 = 4, (2² + 1²)/2 = 2.5 → mean 7/3
    expect(model.evaluate(x, y, { verbose: 0 }) as number).toBeCloseTo(7 / 3, 6);
  });

  it('loss "categorical_crossentropy" = mean(−Σ y·log softmax)', () => {
    const model = softmaxModel();
    model.compile({ loss: 'categorical_crossentropy', optimizer: 'sgd' });
    const p = softmaxRows(x3.flat(), 3);
    const expected = mean(yOneHot.map((row, i) => -row.reduce((s, yk, k) => s + yk * Math.log(p[i * 3 + k]!), 0)));
    expect(model.evaluate(x3, yOneHot, { verbose: 0 }) as number).toBeCloseTo(expected, 6);
  });

  it('optimizers "sgd", "adam", "adadelta", "rmsprop": the Keras 3 classes, defaults and first step', async () => {
    // One step on y = x·w (w = [1, 1] → here [[1],[1]]), MSE, x = [[1, 2]], y = [[0]]:
    // p = 3, loss = 9, g = dL/dw = 2·(p − y)·x = [6, 12].
    const g = [6, 12];
    const expectations: Record<string, { cls: unknown; lr: number; step: (gi: number) => number }> = {
      // w ← w − lr·g
      sgd: { cls: tk.optimizers.SGD, lr: 0.01, step: (gi) => -0.01 * gi },
      // t = 1: m = 0.1g, v = 0.001g², α = lr·√0.001/0.1 → w ← w − α·m/(√v + ε)
      adam: { cls: tk.optimizers.Adam, lr: 0.001, step: (gi) => -((0.001 * Math.sqrt(1 - 0.999)) / (1 - 0.9)) * (0.1 * gi) / (Math.sqrt(0.001 * gi * gi) + 1e-7) },
      // Eg = 0.05g²; Δ = −√(0 + ε)/√(Eg + ε)·g; w ← w + lr·Δ
      adadelta: { cls: tk.optimizers.Adadelta, lr: 0.001, step: (gi) => 0.001 * (-Math.sqrt(1e-7) / Math.sqrt(0.05 * gi * gi + 1e-7)) * gi },
      // s = 0.1g²; w ← w − lr·g/√(s + ε)
      rmsprop: { cls: tk.optimizers.RMSprop, lr: 0.001, step: (gi) => (-0.001 * gi) / Math.sqrt(0.1 * gi * gi + 1e-7) },
    };
    for (const [name, e] of Object.entries(expectations)) {
      const model = new tk.Sequential([new tk.layers.Dense(1, { useBias: false, inputShape: [2], kernelInitializer: 'ones' })]);
      model.compile({ optimizer: name, loss: 'mean_squared_error' });
      expect(model.optimizer).toBeInstanceOf(e.cls as new () => tk.optimizers.Optimizer);
      expect(model.optimizer!.learningRate).toBeCloseTo(e.lr, 9);
      const history = await model.fit([[1, 2]], [[0]], { verbose: 0 });
      expect(history.history.loss).toEqual([9]);
      const w = Array.from(model.weights[0]!.data);
      w.forEach((wi, i) => expect(wi).toBeCloseTo(1 + e.step(g[i]!), 6));
    }
  });

  it('metrics ["accuracy","mae",] : tracked per epoch under those names, returned by evaluate', async () => {
    const model = softmaxModel();
    model.compile({ loss: 'categorical_crossentropy', optimizer: new tk.optimizers.SGD(0), metrics: ['accuracy', 'mae'] });
    const p = softmaxRows(x3.flat(), 3);
    const argmax = (row: readonly number[]): number => row.indexOf(Math.max(...row));
    // accuracy: argmax(p) = [1, 2, 0 (ties → first), 0] vs labels [1, 2, 0, 2] → 3/4
    const acc = mean(yOneHot.map((row, i) => (argmax(row) === argmax(p.slice(i * 3, i * 3 + 3)) ? 1 : 0)));
    expect(acc).toBe(0.75);
    const mae = mean(yOneHot.flat().map((v, i) => Math.abs(v - p[i]!)));
    const ce = mean(yOneHot.map((row, i) => -row.reduce((s, yk, k) => s + yk * Math.log(p[i * 3 + k]!), 0)));
    const [loss, accuracy, maeValue] = model.evaluate(x3, yOneHot, { verbose: 0 }) as number[];
    expect(loss).toBeCloseTo(ce, 6);
    expect(accuracy).toBe(0.75);
    expect(maeValue).toBeCloseTo(mae, 6);
    const history = await model.fit(x3, yOneHot, { epochs: 2, verbose: 0 });
    expect(Object.keys(history.history)).toEqual(['accuracy', 'loss', 'mae']);
    expect(history.history.accuracy).toEqual([0.75, 0.75]); // lr 0: nothing moves
    history.history.mae!.forEach((v) => expect(v).toBeCloseTo(mae, 6));
  });
});

describe('Seed notes: "Fit Method"', () => {
  // 100 observations of 3 features; the label is 1 when the features sum to more than 0.
  function data(n: number): { x: number[][]; y: number[][] } {
    tk.setSeed(7);
    const x = tk.randomNormal([n, 3]).toArray() as number[][];
    return { x, y: x.map((r) => [r[0]! + r[1]! + r[2]! > 0 ? 1 : 0]) };
  }

  it('"Matrice des données de taille (observation, n features)", labels "(observations, nombre de classes ou bien 1)"', async () => {
    const { x, y } = data(100);
    const binary = new tk.Sequential([new tk.layers.Dense(1, { activation: 'sigmoid', inputShape: [3] })]);
    binary.compile({ optimizer: 'adam', loss: 'binary_crossentropy', metrics: ['accuracy'] });
    const h1 = await binary.fit(x, y, { epochs: 2, verbose: 0 }); // labels (100, 1)
    expect(h1.history.loss).toHaveLength(2);
    const classes = y.map(([v]) => (v === 1 ? [0, 1] : [1, 0]));
    const categorical = new tk.Sequential([new tk.layers.Dense(2, { activation: 'softmax', inputShape: [3] })]);
    categorical.compile({ optimizer: 'adam', loss: 'categorical_crossentropy', metrics: ['accuracy'] });
    const h2 = await categorical.fit(x, classes, { epochs: 2, verbose: 0 }); // labels (100, classes)
    expect(h2.history.loss).toHaveLength(2);
    // (observations, 1) with 2 outputs is a label shape error, not a silent broadcast.
    await expect(categorical.fit(x, y, { verbose: 0 })).rejects.toThrow(/categorical_crossentropy: labels of shape \[32,1\] look like integer class ids for predictions of shape \[32,2\]; use 'sparse_categorical_crossentropy'/);
  });

  it('epoch "le nombre de fois où on passe en revue le dataset"; batch_size "par défaut 32": ceil(N/32) updates per epoch, the last one partial', async () => {
    const { x, y } = data(100);
    const calls: number[][] = [];
    const model = new tk.Sequential([new tk.layers.Dense(1, { inputShape: [3] })]);
    model.compile({ optimizer: 'sgd', loss: recordingMse(calls) });
    await model.fit(x, y, { epochs: 3, verbose: 0 });
    // ceil(100/32) = 4 batches per epoch: 32, 32, 32 and 100 − 96 = 4; three epochs.
    expect(calls.map((c) => c.length)).toEqual([32, 32, 32, 4, 32, 32, 32, 4, 32, 32, 32, 4]);
    expect(model.optimizer!.iterations).toBe(12);
    // Each epoch sees every observation exactly once.
    for (let e = 0; e < 3; e++) {
      const seen = calls.slice(4 * e, 4 * e + 4).flat().sort();
      expect(seen).toEqual(y.map(([v]) => v!).sort());
    }
  });

  it('"Le résultat de l\'appel de la méthode .fit() est un objet dit callback": a History', async () => {
    const { x, y } = data(40);
    const model = new tk.Sequential([new tk.layers.Dense(1, { activation: 'sigmoid', inputShape: [3] })]);
    model.compile({ optimizer: 'sgd', loss: 'binary_crossentropy', metrics: ['accuracy'] });
    const entrainement = await model.fit(x, y, { epochs: 3, verbose: 0, validationSplit: 0.25 });
    expect(entrainement).toBeInstanceOf(tk.callbacks.History);
    expect(entrainement).toBeInstanceOf(tk.callbacks.Callback);
    expect(model.history).toBe(entrainement);
    expect(entrainement.epoch).toEqual([0, 1, 2]);
    expect(Object.keys(entrainement.history)).toEqual(['accuracy', 'loss', 'val_accuracy', 'val_loss']);
    expect(entrainement.params).toMatchObject({ epochs: 3, steps: 1, verbose: 0 }); // 30 training samples: 1 batch
  });

  it('"pd.DataFrame(entrainement.history)": history.toRows() for console.table', async () => {
    const { x, y } = data(40);
    const model = new tk.Sequential([new tk.layers.Dense(1, { activation: 'sigmoid', inputShape: [3] })]);
    model.compile({ optimizer: 'sgd', loss: 'binary_crossentropy', metrics: ['accuracy'] });
    const entrainement = await model.fit(x, y, { epochs: 3, verbose: 0, validationSplit: 0.25 });
    const rows = entrainement.toRows();
    expect(rows).toHaveLength(3);
    rows.forEach((row, i) => {
      expect(row).toEqual({
        epoch: i + 1,
        accuracy: entrainement.history.accuracy![i],
        loss: entrainement.history.loss![i],
        val_accuracy: entrainement.history.val_accuracy![i],
        val_loss: entrainement.history.val_loss![i],
      });
    });
    // What console.table prints: a header with every column, one line per epoch.
    let out = '';
    const sink = new Writable({ write: (chunk: Buffer, _enc, done) => ((out += chunk.toString()), done()) });
    new Console({ stdout: sink, colorMode: false }).table(rows);
    expect(out).toMatch(/epoch.*accuracy.*loss.*val_accuracy.*val_loss/);
    expect(out.split('\n').filter((l) => /^│ \d +│ \d +│/.test(l))).toHaveLength(3);
  });
});

describe('Seed notes: "Evaluate Method"', () => {
  const x = [[1, 2, 0.5], [0, -1, 3], [2, 2, 2], [0.3, 0.1, -0.2], [1, 0, 0]];
  const y = [[0, 1, 0], [0, 0, 1], [1, 0, 0], [0, 0, 1], [1, 0, 0]];

  it('"Matrix with features (n obs, n features)", "Matrix Labels (n obs, nombre de classes)", "Renvoie la loss et les métriques"', () => {
    const model = new tk.Sequential([new tk.layers.Dense(3, { activation: 'softmax', inputShape: [3], kernelInitializer: 'identity' })]);
    model.compile({ optimizer: 'adam', loss: 'categorical_crossentropy', metrics: ['accuracy', 'mae'] });
    const p = softmaxRows(x.flat(), 3);
    const ce = mean(y.map((row, i) => -row.reduce((s, yk, k) => s + yk * Math.log(p[i * 3 + k]!), 0)));
    const result = model.evaluate(x, y, { verbose: 0 }) as number[];
    expect(result).toHaveLength(3);
    expect(result[0]).toBeCloseTo(ce, 6);
    // argmax(p) = [1, 2, 0, 0, 0] vs [1, 2, 0, 2, 0] → 4/5
    expect(result[1]).toBe(0.8);
    expect(result[2]).toBeCloseTo(mean(y.flat().map((v, i) => Math.abs(v - p[i]!))), 6);
  });

  it('"Verbose = 2 pour ne pas afficher toute les merdes": one plain line, no bar', async () => {
    const model = new tk.Sequential([new tk.layers.Dense(3, { activation: 'softmax', inputShape: [3], kernelInitializer: 'identity' })]);
    model.compile({ optimizer: 'adam', loss: 'categorical_crossentropy', metrics: ['accuracy', 'mae'] });
    const { result, out } = await captureStdout(() => model.evaluate(x, y, { verbose: 2 }) as number[]);
    const [loss, acc, mae] = result;
    // Keras's verbose-2 line: `count/target - Ns - T/step - k: v ...`, keys in alphabetical order.
    const f = (v: number): string => v.toFixed(4);
    expect(out).toMatch(new RegExp(`^1/1 - \\d+s - \\d+(us|ms|s)/step - accuracy: ${f(acc!)} - loss: ${f(loss!)} - mae: ${f(mae!)}\\n$`));
    expect(out).not.toMatch(/[━\r\b]|\x1b/);
    // verbose 1 draws the bar; verbose 0 prints nothing.
    const bar = await captureStdout(() => model.evaluate(x, y, { verbose: 1 }));
    expect(bar.out).toContain('━━━━━━━━━━━━━━━━━━━━');
    expect((await captureStdout(() => model.evaluate(x, y, { verbose: 0 }))).out).toBe('');
  });
});

describe('Seed notes: "Predict Method"', () => {
  it('"Matrix (n obs, n features)" → "une matrice de taille (n obs, nombre de classes)"', () => {
    const model = new tk.Sequential([
      new tk.layers.Dense(8, { activation: 'relu', inputShape: [4] }),
      new tk.layers.Dense(3, 'softmax'),
    ]);
    const probs = model.predict(tk.randomNormal([10, 4], { seed: 3 }));
    expect(probs.shape).toEqual([10, 3]);
    // Each row is a distribution over the classes.
    for (let i = 0; i < 10; i++) expect(probs.data[3 * i]! + probs.data[3 * i + 1]! + probs.data[3 * i + 2]!).toBeCloseTo(1, 6);
    // Nested arrays work as well as tensors.
    expect(model.predict([[1, 2, 3, 4]]).shape).toEqual([1, 3]);
  });
});

describe('Seed notes: "Quelques calculs matriciels avec Keras" and "Few Tricks"', () => {
  it('accuracy = K.mean(K.equal(y_true, K.round(y_pred))) gives 0.5', () => {
    const y_true = tk.constant([[0.0, 1.0], [1.0, 0.0], [1.0, 0.0], [0.0, 1.0]]);
    const y_pred = tk.constant([[0.4, 0.6], [0.3, 0.7], [0.05, 0.95], [0.33, 0.67]]);
    const accuracy = K.mean(K.equal(y_true, K.round(y_pred)));
    // round → [[0,1],[0,1],[0,1],[0,1]]; equal → [[1,1],[0,0],[0,0],[1,1]]; mean 4/8.
    expect(accuracy.shape).toEqual([]);
    expect(accuracy.item()).toBe(0.5);
    // K.round rounds half to even, as Keras: 0.5 → 0, 1.5 → 2, 2.5 → 2.
    expect(Array.from(K.round(tk.tensor([0.5, 1.5, 2.5, -0.5])).data)).toEqual([0, 2, 2, -0]);
  });

  it('"pour rajouter une dimension à un tenseur : matrix[..., np.newaxis]" is matrix.expandDims(-1)', () => {
    const matrix = tk.tensor([[1, 2, 3], [4, 5, 6]]);
    const expanded = matrix.expandDims(-1);
    expect(expanded.shape).toEqual([2, 3, 1]);
    expect(expanded.toArray()).toEqual([[[1], [2], [3]], [[4], [5], [6]]]);
    expect(K.expandDims(matrix).shape).toEqual([2, 3, 1]);
    // The typical use: grey images (n, 28, 28) → (n, 28, 28, 1) for a Conv2D.
    const images = tk.zeros([2, 28, 28]).expandDims(-1);
    const model = new tk.Sequential([new tk.layers.Conv2D(4, 3, { inputShape: [28, 28, 1] })]);
    expect(model.predict(images).shape).toEqual([2, 26, 26, 4]);
  });
});
