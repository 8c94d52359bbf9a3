// Save → load gives the same model: bit-identical weights, identical predictions, the same
// configuration, the same compile settings; with includeOptimizer, training resumes exactly.

import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import * as tk from '../../src/index.js';
import { cnn, cnnData, expectBitEqual, tempDir, trainBriefly } from './helpers.js';

describe('round trip through a directory', () => {
  it('gives bit-identical weights and identical predictions for the CNN', async () => {
    tk.setSeed(11);
    const model = cnn();
    await trainBriefly(model, 2);
    const dir = tempDir();
    const result = await model.save(dir);
    expect(result.files!.map((f) => path.basename(f))).toEqual(readdirSync(dir).sort((a, b) => (a === 'model.json' ? -1 : b === 'model.json' ? 1 : a.localeCompare(b))));
    const loaded = await tk.loadModel(dir);
    expect(loaded.weights.map((w) => w.name)).toEqual(model.weights.map((w) => w.name));
    model.weights.forEach((w, i) => expectBitEqual(w, loaded.weights[i]!, w.name!));
    const { x } = cnnData(10, 99);
    expectBitEqual(model.predict(x), loaded.predict(x), 'predictions');
    expect(loaded.name).toBe(model.name);
    expect(loaded.getConfig().layers.map((l) => l.className)).toEqual(model.getConfig().layers.map((l) => l.className));
  });

  it('writes the format of keras-facts §11.2: layers-model, snake_case topology, manifest, little-endian float32', async () => {
    tk.clearSession();
    tk.setSeed(1);
    const model = new tk.Sequential([new tk.layers.Dense(2, { inputShape: [3], activation: 'relu' }), new tk.layers.Dense(1)]);
    model.setWeights([tk.tensor([[1, 2], [3, 4], [5, 6]]), tk.tensor([0.5, -0.5]), tk.tensor([[1.5], [-2]]), tk.tensor([0.25])]);
    const dir = tempDir();
    await model.save(dir);
    const json = JSON.parse(readFileSync(path.join(dir, 'model.json'), 'utf8'));
    expect(json.format).toBe('layers-model');
    expect(json.generatedBy).toBe('tensorkit v0.1.0');
    expect(json.convertedBy).toBeNull();
    const topology = json.modelTopology;
    expect(topology.class_name).toBe('Sequential');
    expect(topology.keras_version).toBe('tensorkit 0.1.0');
    expect(topology.backend).toBe('tensorkit');
    const [first, second] = topology.config.layers;
    expect(first.class_name).toBe('Dense');
    expect(first.config).toMatchObject({
      name: 'dense', trainable: true, dtype: 'float32', batch_input_shape: [null, 3], units: 2, activation: 'relu', use_bias: true,
      kernel_initializer: { class_name: 'GlorotUniform', config: { seed: null } }, bias_initializer: { class_name: 'Zeros', config: {} },
      kernel_regularizer: null, bias_regularizer: null, activity_regularizer: null,
    });
    expect(second.config.batch_input_shape).toBeUndefined();
    expect(second.config.activation).toBe('linear');
    expect(json.weightsManifest).toHaveLength(1);
    const group = json.weightsManifest[0];
    expect(group.weights).toEqual([
      { name: 'dense/kernel', shape: [3, 2], dtype: 'float32' },
      { name: 'dense/bias', shape: [2], dtype: 'float32' },
      { name: 'dense_1/kernel', shape: [2, 1], dtype: 'float32' },
      { name: 'dense_1/bias', shape: [1], dtype: 'float32' },
    ]);
    expect(group.paths).toHaveLength(1);
    expect(group.paths[0]).toMatch(/^group1-shard1of1-[0-9a-f]{16}\.bin$/);
    const bytes = readFileSync(path.join(dir, group.paths[0]));
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const values = Array.from({ length: bytes.byteLength / 4 }, (_, i) => view.getFloat32(4 * i, true));
    expect(values).toEqual([1, 2, 3, 4, 5, 6, 0.5, -0.5, 1.5, -2, 0.25]);
  });

  it('keeps the configuration of every loadable layer', async () => {
    const model = new tk.Sequential({
      name: 'zoo',
      layers: [
        new tk.layers.InputLayer({ inputShape: [6, 6, 2] }),
        new tk.layers.Conv2D({ filters: 3, kernelSize: [3, 2], strides: [1, 2], padding: 'SAME', dilationRate: 1, useBias: false, kernelInitializer: 'he_normal' }),
        new tk.layers.AveragePooling2D({ poolSize: 2, strides: 1, padding: 'valid' }),
        new tk.layers.BatchNormalization({ momentum: 0.9, epsilon: 0.01, center: false, gammaInitializer: new tk.initializers.RandomNormal({ mean: 1, stddev: 0.1, seed: 4 }) }),
        new tk.layers.MaxPooling2D({ poolSize: [2, 1] }),
        new tk.layers.Activation('elu'),
        new tk.layers.Reshape([-1, 3]),
        new tk.layers.Flatten(),
        new tk.layers.Dropout(0.25, { seed: 3 }),
        new tk.layers.Dense(4, { activation: 'hard_sigmoid', kernelInitializer: 'lecun_uniform', biasInitializer: new tk.initializers.Constant({ value: 0.1 }), biasRegularizer: new tk.regularizers.L1L2({ l1: 0.01, l2: 0.02 }), activityRegularizer: 'l1' }),
        new tk.layers.LeakyReLU({ negativeSlope: 0.1 }),
        new tk.layers.ReLU({ maxValue: 6, threshold: 0.1 }),
        new tk.layers.Softmax({ axis: -1 }),
      ],
    });
    const loaded = await tk.loadModel(model.toArtifacts());
    const original = model.getConfig();
    const again = loaded.getConfig();
    expect(again.name).toBe('zoo');
    // The InputLayer is written as batch_input_shape on the first layer, as TF.js writes it.
    expect(again.layers[0]!.config.batchInputShape).toEqual([null, 6, 6, 2]);
    delete again.layers[0]!.config.batchInputShape;
    // L1 and L2 are written as TF.js's L1L2 (the same penalty); everything else is unchanged.
    const normalize = (c: typeof original): unknown => JSON.parse(JSON.stringify(c).replace(/"className":"L1","config":\{"l1":([^}]*)\}/g, '"className":"L1L2","config":{"l1":$1,"l2":0}'));
    expect(again).toEqual(normalize(original));
    const x = tk.randomNormal([2, 6, 6, 2], { seed: 5 });
    expect(Array.from(loaded.predict(x).data)).toEqual(Array.from(model.predict(x).data));
  });

  it('round-trips through artifacts in memory (no file system)', async () => {
    tk.setSeed(5);
    const model = cnn();
    await trainBriefly(model);
    const artifacts = model.toArtifacts();
    expect(artifacts.weightData).toBeInstanceOf(ArrayBuffer);
    expect(artifacts.format).toBe('layers-model');
    const loaded = await tk.loadModel(artifacts);
    model.weights.forEach((w, i) => expectBitEqual(w, loaded.weights[i]!, w.name!));
    // TF.js's handler shape works too.
    const viaHandler = await tk.loadModel(tk.io.fromMemory(artifacts));
    expectBitEqual(model.predict(cnnData(4).x), viaHandler.predict(cnnData(4).x));
  });

  it('restores the compile settings, so the loaded model can evaluate and train at once', async () => {
    tk.setSeed(2);
    const model = cnn();
    model.compile({ optimizer: new tk.optimizers.RMSprop({ learningRate: 0.002, rho: 0.8 }), loss: new tk.losses.CategoricalCrossentropy({ labelSmoothing: 0.1 }), metrics: ['accuracy', 'mae'] });
    const loaded = await tk.loadModel(model.toArtifacts());
    expect(loaded.optimizer).toBeInstanceOf(tk.optimizers.RMSprop);
    expect(loaded.optimizer!.getConfig()).toEqual(model.optimizer!.getConfig());
    expect(loaded.loss!.getConfig()).toEqual(model.loss!.getConfig());
    expect(loaded.metricsNames).toEqual(['loss', 'accuracy', 'mae']);
    const { x, y } = cnnData();
    expect(loaded.evaluate(x, y, { verbose: 0 })).toEqual(model.evaluate(x, y, { verbose: 0 }));
    // compile: false skips it.
    const bare = await tk.loadModel(model.toArtifacts(), { compile: false });
    expect(bare.optimizer).toBeNull();
  });

  it('saves a model built from its first batch (deferred build) with a free batch size', async () => {
    tk.setSeed(3);
    const model = new tk.Sequential([new tk.layers.Dense(3, 'relu'), new tk.layers.Dense(2)]);
    model.compile({ optimizer: 'sgd', loss: 'mse' });
    await model.fit(tk.randomNormal([8, 4], { seed: 1 }), tk.randomNormal([8, 2], { seed: 2 }), { epochs: 1, batchSize: 8, verbose: 0 });
    const artifacts = model.toArtifacts();
    const first = (artifacts.modelTopology as { config: { layers: { config: Record<string, unknown> }[] } }).config.layers[0]!.config;
    expect(first.batch_input_shape).toEqual([null, 4]);
    const loaded = await tk.loadModel(artifacts);
    const x = tk.randomNormal([5, 4], { seed: 9 });
    expectBitEqual(model.predict(x), loaded.predict(x));
  });

  it('saves an unbuilt model as a topology that builds on first use', async () => {
    const model = new tk.Sequential([new tk.layers.Dense(3), new tk.layers.Dense(1)]);
    const loaded = await tk.loadModel(model.toArtifacts());
    expect(loaded.built).toBe(false);
    expect(loaded.predict(tk.ones([2, 7])).shape).toEqual([2, 1]);
  });

  it('keeps frozen layers frozen', async () => {
    const model = new tk.Sequential([new tk.layers.Dense(3, { inputShape: [2] }), new tk.layers.BatchNormalization(), new tk.layers.Dense(1)]);
    model.layers[0]!.trainable = false;
    const loaded = await tk.loadModel(model.toArtifacts());
    expect(loaded.layers.map((l) => l.trainable)).toEqual([false, true, true]);
    expect(loaded.trainableWeights.map((w) => w.name)).toEqual(model.trainableWeights.map((w) => w.name));
    model.weights.forEach((w, i) => expectBitEqual(w, loaded.weights[i]!));
  });

  it('overwrites a previous save in the same directory and removes its weight files', async () => {
    const dir = tempDir();
    tk.setSeed(1);
    const a = cnn();
    await a.save(dir);
    const first = readdirSync(dir);
    tk.setSeed(2);
    const b = cnn();
    await b.save(dir);
    const second = readdirSync(dir);
    expect(second).toHaveLength(2);
    expect(second.filter((f) => first.includes(f))).toEqual(['model.json']);
    const loaded = await tk.loadModel(dir);
    b.weights.forEach((w, i) => expectBitEqual(w, loaded.weights[i]!));
  });

  it('accepts the path of model.json and file:// paths', async () => {
    const dir = tempDir();
    tk.setSeed(4);
    const model = cnn();
    await model.save(`file://${dir}`);
    const x = cnnData(3).x;
    expectBitEqual(model.predict(x), (await tk.loadModel(path.join(dir, 'model.json'))).predict(x));
    expectBitEqual(model.predict(x), (await tk.loadModel(`file://${dir}`)).predict(x));
  });

  it('rejects destinations it cannot use, and unknown options', async () => {
    const model = cnn();
    await expect(model.save('indexeddb://my-model')).rejects.toThrow(/directories.*toArtifacts/);
    await expect(model.save(path.join(tempDir(), 'model.json'))).rejects.toThrow(/names a file/);
    await expect(model.save(tempDir(), { includeOptimiser: true } as never)).rejects.toThrow(/unknown option 'includeOptimiser'/);
    await expect(tk.loadModel(tempDir(), { strict: true } as never)).rejects.toThrow(/unknown option 'strict'/);
    await expect(tk.loadModel(path.join(tempDir(), 'nothing-here'))).rejects.toThrow(/does not exist/);
    await expect(tk.loadModel(tempDir())).rejects.toThrow(/holds no model.json/);
  });

  it('refuses to save what it could not load back: custom activations, initializers and layers', async () => {
    const custom = new tk.Sequential([new tk.layers.Dense(2, { inputShape: [2], activation: function square(x: tk.Tensor) { return x.mul(x); } })]);
    expect(() => custom.toArtifacts()).toThrow(/activation 'square' is a custom function/);
    const init = new tk.Sequential([new tk.layers.Dense(2, { inputShape: [2], kernelInitializer: (shape: number[]) => tk.ones(shape) })]);
    expect(() => init.toArtifacts()).toThrow(/initializer .* custom function or a tensor/);
    class Twice extends tk.layers.Layer {
      static override readonly className = 'Twice';
      call(x: tk.Tensor): tk.Tensor { return x.mul(2); }
    }
    const layered = new tk.Sequential([new tk.layers.Dense(2, { inputShape: [2] }), new Twice()]);
    expect(() => layered.toArtifacts()).toThrow(/layer 'twice' \(Twice\) cannot be saved/);
  });
});

describe('saveWeights / loadWeights', () => {
  it('moves weights between two models of the same architecture', async () => {
    tk.setSeed(8);
    const source = cnn();
    await trainBriefly(source);
    const dir = tempDir();
    await source.saveWeights(dir);
    expect(readdirSync(dir).some((f) => f === 'weights_manifest.json')).toBe(true);
    tk.setSeed(9);
    const target = cnn(); // other layer names (conv2d_2, ...), same structure
    expect(target.weights[0]!.name).not.toBe(source.weights[0]!.name);
    await target.loadWeights(dir);
    source.weights.forEach((w, i) => expectBitEqual(w, target.weights[i]!));
  });

  it('loads the weights of a full save, and in memory', async () => {
    tk.setSeed(8);
    const source = cnn();
    const dir = tempDir();
    await source.save(dir);
    const target = cnn();
    await target.loadWeights(dir);
    source.weights.forEach((w, i) => expectBitEqual(w, target.weights[i]!));
    const again = cnn();
    await again.loadWeights(source.toArtifacts());
    source.weights.forEach((w, i) => expectBitEqual(w, again.weights[i]!));
  });

  it('keeps a model and its weights-only save apart in one directory', async () => {
    const dir = tempDir();
    tk.setSeed(1);
    const model = cnn();
    await model.save(dir);
    tk.setSeed(2);
    const other = cnn();
    await other.saveWeights(dir);
    tk.setSeed(3);
    await cnn().saveWeights(dir); // replaces the weights-only save, must not touch model.json's files
    const loaded = await tk.loadModel(dir);
    model.weights.forEach((w, i) => expectBitEqual(w, loaded.weights[i]!));
  });

  it('changes nothing when the weights do not fit', async () => {
    tk.setSeed(1);
    const model = new tk.Sequential([new tk.layers.Dense(3, { inputShape: [4] }), new tk.layers.Dense(2)]);
    const before = model.getWeights();
    const other = new tk.Sequential([new tk.layers.Dense(3, { inputShape: [4] }), new tk.layers.Dense(5)]);
    await expect(model.loadWeights(other.toArtifacts())).rejects.toThrow(/do not fit the model/);
    model.weights.forEach((w, i) => expectBitEqual(before[i]!, w));
    const unbuilt = new tk.Sequential([new tk.layers.Dense(3), new tk.layers.Dense(2)]);
    await expect(unbuilt.loadWeights(model.toArtifacts())).rejects.toThrow(/not built yet/);
  });
});

describe('includeOptimizer: training resumes exactly', () => {
  const optimizers: [string, () => tk.optimizers.Optimizer][] = [
    ['Adam', () => new tk.optimizers.Adam({ learningRate: 0.01 })],
    ['SGD with Nesterov momentum', () => new tk.optimizers.SGD({ learningRate: 0.05, momentum: 0.9, nesterov: true })],
    ['RMSprop centered', () => new tk.optimizers.RMSprop({ learningRate: 0.01, momentum: 0.5, centered: true })],
    ['Nadam', () => new tk.optimizers.Nadam({ learningRate: 0.01 })],
    ['Adagrad', () => new tk.optimizers.Adagrad({ learningRate: 0.05 })],
    ['Adam with a schedule', () => new tk.optimizers.Adam({ learningRate: new tk.optimizers.ExponentialDecay(0.01, 2, 0.9) })],
  ];

  it.each(optimizers)('%s: fit 2 epochs, save, load, fit 1 more == fit 3 epochs straight, bit for bit', async (_name, makeOptimizer) => {
    const { x, y } = cnnData(24, 5);
    const setup = (): tk.Sequential => {
      tk.setSeed(123);
      const model = cnn();
      model.compile({ optimizer: makeOptimizer(), loss: 'categorical_crossentropy', metrics: ['accuracy'] });
      return model;
    };
    const fitArgs = { batchSize: 8, shuffle: false, verbose: 0 } as const;
    // Straight through: one fit of 3 epochs.
    const straight = setup();
    const history = await straight.fit(x, y, { ...fitArgs, epochs: 3 });
    // Interrupted after 2 epochs. Dropout draws from the global generator; loading draws nothing
    // from it (the file's weights replace initialization), so the third epoch sees the same masks.
    const first = setup();
    await first.fit(x, y, { ...fitArgs, epochs: 2 });
    const dir = tempDir();
    await first.save(dir, { includeOptimizer: true });
    const resumed = await tk.loadModel(dir);
    expect(resumed.optimizer!.iterations).toBe(first.optimizer!.iterations);
    const lastResumed = await resumed.fit(x, y, { ...fitArgs, epochs: 3, initialEpoch: 2 });
    expect(lastResumed.history.loss).toEqual(history.history.loss.slice(2));
    expect(lastResumed.history.accuracy).toEqual(history.history.accuracy!.slice(2));
    straight.weights.forEach((w, i) => expectBitEqual(w, resumed.weights[i]!, w.name!));
    expect(resumed.optimizer!.getWeights().map((w) => Array.from(w.tensor.data))).toEqual(straight.optimizer!.getWeights().map((w) => Array.from(w.tensor.data)));
  });

  it('without includeOptimizer the optimizer starts afresh (so training does not resume exactly)', async () => {
    tk.setSeed(1);
    const model = cnn();
    await trainBriefly(model, 1);
    const loaded = await tk.loadModel(model.toArtifacts());
    expect(loaded.optimizer!.iterations).toBe(0);
    expect(model.optimizer!.iterations).toBeGreaterThan(0);
  });

  it('saves the counters of an optimizer that has not stepped yet, and restores them', async () => {
    const model = cnn();
    model.compile({ optimizer: new tk.optimizers.Adam({ learningRate: 0.003 }), loss: 'mse' });
    const loaded = await tk.loadModel(model.toArtifacts({ includeOptimizer: true }));
    expect(loaded.optimizer!.iterations).toBe(0);
    expect(loaded.optimizer!.learningRate).toBeCloseTo(0.003, 9);
  });

  it('writes the optimizer group with Keras names and an int32 step counter', () => {
    tk.clearSession();
    tk.setSeed(1);
    const model = new tk.Sequential([new tk.layers.Dense(2, { inputShape: [3] })]);
    model.compile({ optimizer: 'adam', loss: 'mse' });
    model.trainOnBatch(tk.ones([2, 3]), tk.ones([2, 2]));
    const specs = model.toArtifacts({ includeOptimizer: true }).weightSpecs!.filter((s) => s.group === 'optimizer');
    expect(specs).toEqual([
      { name: 'iteration', shape: [], dtype: 'int32', group: 'optimizer' },
      { name: 'learning_rate', shape: [], dtype: 'float32', group: 'optimizer' },
      { name: 'dense/kernel/momentum', shape: [3, 2], dtype: 'float32', group: 'optimizer' },
      { name: 'dense/kernel/velocity', shape: [3, 2], dtype: 'float32', group: 'optimizer' },
      { name: 'dense/bias/momentum', shape: [2], dtype: 'float32', group: 'optimizer' },
      { name: 'dense/bias/velocity', shape: [2], dtype: 'float32', group: 'optimizer' },
    ]);
  });
});
