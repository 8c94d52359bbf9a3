// Interop with TensorFlow.js in the same process, both ways:
// - a tensorkit model saved to disk is read back from the files, handed to TF.js through
//   tf.io.fromMemory, and TF.js predicts the same (1e-5);
// - a model built and trained by TF.js, captured with tf.io.withSaveHandler and written to files
//   the way TF.js's file handler lays them out, loads in tensorkit and predicts the same.

import * as tf from '@tensorflow/tfjs';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import * as tk from '../../src/index.js';
import { cnn, cnnData, maxAbsDiff, readSavedDirectory, tempDir, trainBriefly } from './helpers.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const toTf = (t: tk.Tensor): tf.Tensor => tf.tensor(t.data, t.shape as number[]);

async function tfjsArtifacts(model: tf.LayersModel, includeOptimizer = false): Promise<tf.io.ModelArtifacts> {
  let captured: tf.io.ModelArtifacts | null = null;
  await model.save(tf.io.withSaveHandler(async (artifacts) => {
    captured = artifacts;
    return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
  }), { includeOptimizer });
  return captured!;
}

/** Writes artifacts as TF.js's node file handler does: model.json + weights.bin. */
function writeTfjsDirectory(dir: string, a: tf.io.ModelArtifacts): void {
  mkdirSync(dir, { recursive: true });
  const modelJson = {
    modelTopology: a.modelTopology, format: a.format, generatedBy: a.generatedBy, convertedBy: a.convertedBy,
    weightsManifest: [{ paths: ['weights.bin'], weights: a.weightSpecs }],
    ...(a.trainingConfig !== undefined ? { trainingConfig: a.trainingConfig } : {}),
  };
  writeFileSync(path.join(dir, 'model.json'), JSON.stringify(modelJson));
  writeFileSync(path.join(dir, 'weights.bin'), new Uint8Array(a.weightData as ArrayBuffer));
}

describe('tensorkit → TF.js', () => {
  it('a trained CNN (Conv2D, MaxPooling2D, BatchNormalization, Flatten, Dropout, Dense) saved to disk predicts the same in TF.js', async () => {
    tk.setSeed(21);
    const model = cnn();
    await trainBriefly(model, 2);
    const dir = tempDir();
    await model.save(dir);
    const { artifacts } = readSavedDirectory(dir);
    const tfModel = await tf.loadLayersModel(tf.io.fromMemory(artifacts as tf.io.ModelArtifacts));
    expect(tfModel.layers.map((l) => l.getClassName())).toEqual(['Conv2D', 'MaxPooling2D', 'BatchNormalization', 'Conv2D', 'Flatten', 'Dropout', 'Dense', 'Dense']);
    expect(tfModel.layers.map((l) => l.name)).toEqual(model.layers.map((l) => l.name));
    const { x } = cnnData(12, 77);
    const ours = model.predict(x).data;
    const theirs = (tfModel.predict(toTf(x)) as tf.Tensor).dataSync();
    expect(maxAbsDiff(ours, theirs)).toBeLessThan(1e-5);
    // TF.js sees the very same weights, by name.
    for (const w of tfModel.weights) {
      const mine = model.weights.find((v) => v.name === w.originalName)!;
      expect(Array.from(w.read().dataSync()), w.originalName).toEqual(Array.from(mine.data));
    }
  });

  it('TF.js loads a save that includes the optimizer (as an uncompiled model) and predicts the same', async () => {
    tk.setSeed(22);
    const model = cnn();
    await trainBriefly(model);
    const dir = tempDir();
    await model.save(dir, { includeOptimizer: true });
    const { artifacts } = readSavedDirectory(dir);
    const tfModel = await tf.loadLayersModel(tf.io.fromMemory(artifacts as tf.io.ModelArtifacts));
    expect(tfModel.optimizer).toBeUndefined();
    const { x } = cnnData(6, 1);
    expect(maxAbsDiff(model.predict(x).data, (tfModel.predict(toTf(x)) as tf.Tensor).dataSync())).toBeLessThan(1e-5);
  });

  it('TF.js reads every other loadable layer and option tensorkit writes', async () => {
    const cases: [string, () => tk.layers.Layer[]][] = [
      ['AveragePooling2D, GlobalAveragePooling2D', () => [new tk.layers.AveragePooling2D({ poolSize: 2, inputShape: [6, 6, 3] }), new tk.layers.GlobalAveragePooling2D()]],
      ['GlobalMaxPooling2D', () => [new tk.layers.GlobalMaxPooling2D({ inputShape: [6, 6, 3] })]],
      ['Activation, Reshape', () => [new tk.layers.Dense(6, { inputShape: [4], activation: 'tanh' }), new tk.layers.Activation('softplus'), new tk.layers.Reshape([2, 3])]],
      ['ReLU', () => [new tk.layers.ReLU({ maxValue: 1, inputShape: [4] })]],
      ['LeakyReLU (slope as alpha)', () => [new tk.layers.LeakyReLU({ negativeSlope: 0.1, inputShape: [4] })]],
      ['Softmax', () => [new tk.layers.Softmax({ inputShape: [4] })]],
      ['initializers and regularizers', () => [
        new tk.layers.Dense(3, { inputShape: [4], kernelInitializer: 'lecun_normal', biasInitializer: new tk.initializers.Constant({ value: 0.1 }), kernelRegularizer: 'l1', biasRegularizer: new tk.regularizers.L1L2({ l1: 0.1, l2: 0.2 }) }),
        new tk.layers.Dense(2, { kernelInitializer: 'orthogonal', activation: 'selu', kernelRegularizer: 'l2' }),
        new tk.layers.Dense(2, { kernelInitializer: new tk.initializers.VarianceScaling({ mode: 'fan_avg', distribution: 'uniform' }) }),
      ]],
      ['Conv2D channels_first, strides, same', () => [new tk.layers.Conv2D(2, [3, 2], { inputShape: [3, 7, 7], strides: 2, padding: 'same', dataFormat: 'channels_first' })]],
    ];
    for (const [name, make] of cases) {
      const model = new tk.Sequential(make());
      const tfModel = await tf.loadLayersModel(tf.io.fromMemory(model.toArtifacts() as tf.io.ModelArtifacts));
      const shape = [3, ...(model.layers[0]!.batchInputShape!.slice(1) as number[])];
      const x = tk.randomNormal(shape, { seed: 2 });
      expect(maxAbsDiff(model.predict(x).data, (tfModel.predict(toTf(x)) as tf.Tensor).dataSync()), name).toBeLessThan(1e-5);
    }
  });
});

describe('TF.js → tensorkit', () => {
  function tfjsCnn(): tf.Sequential {
    return tf.sequential({
      layers: [
        tf.layers.conv2d({ filters: 3, kernelSize: 3, activation: 'relu', inputShape: [8, 8, 2] }),
        tf.layers.maxPooling2d({ poolSize: [2, 2] }),
        tf.layers.batchNormalization(),
        tf.layers.flatten(),
        tf.layers.dropout({ rate: 0.4 }),
        tf.layers.dense({ units: 6, activation: 'relu', kernelRegularizer: tf.regularizers.l2({ l2: 0.01 }) }),
        tf.layers.dense({ units: 5, activation: 'softmax' }),
      ],
    });
  }

  async function trainTf(model: tf.LayersModel): Promise<void> {
    const { x, y } = cnnData(16, 4);
    await model.fit(toTf(x), toTf(y), { epochs: 2, batchSize: 8, verbose: 0 });
  }

  it('a CNN built, trained and saved by TF.js loads from its files and predicts the same', async () => {
    const tfModel = tfjsCnn();
    tfModel.compile({ optimizer: 'adam', loss: 'categoricalCrossentropy', metrics: ['accuracy'] });
    await trainTf(tfModel);
    const dir = tempDir();
    writeTfjsDirectory(dir, await tfjsArtifacts(tfModel));
    const model = await tk.loadModel(dir);
    expect(model.layers.map((l) => l.name)).toEqual(tfModel.layers.map((l) => l.name)); // dense_Dense1, ...
    expect(model.layers.map((l) => l.getClassName())).toEqual(['Conv2D', 'MaxPooling2D', 'BatchNormalization', 'Flatten', 'Dropout', 'Dense', 'Dense']);
    const { x } = cnnData(10, 8);
    expect(maxAbsDiff(model.predict(x).data, (tfModel.predict(toTf(x)) as tf.Tensor).dataSync())).toBeLessThan(1e-5);
    // Saved without the optimizer, TF.js writes no training config: the model comes back uncompiled.
    expect(model.optimizer).toBeNull();
  });

  it("with includeOptimizer: compiled with TF.js's loss and metrics, and TF.js's Adam state becomes tensorkit's", async () => {
    const tfModel = tfjsCnn();
    tfModel.compile({ optimizer: tf.train.adam(0.005), loss: 'categoricalCrossentropy', metrics: ['accuracy'] });
    await trainTf(tfModel);
    const artifacts = await tfjsArtifacts(tfModel, true);
    const model = await tk.loadModel(artifacts);
    expect(model.loss!.name).toBe('categorical_crossentropy');
    expect(model.metricsNames).toEqual(['loss', 'accuracy']);
    expect(model.optimizer).toBeInstanceOf(tk.optimizers.Adam);
    expect(model.optimizer!.learningRate).toBeCloseTo(0.005, 9);
    const tfState = (await tfModel.optimizer.getWeights()) as { name: string; tensor: tf.Tensor }[];
    expect(model.optimizer!.iterations).toBe(tfState[0]!.tensor.dataSync()[0]);
    // TF.js: [iter, m of each variable, v of each variable]; tensorkit: [iteration, lr, m and v per variable].
    const ours = new Map(model.optimizer!.getWeights().map((w) => [w.name, Array.from(w.tensor.data)]));
    const variables = model.trainableWeights.map((w) => w.name!);
    variables.forEach((name, i) => {
      expect(ours.get(`${name}/momentum`), `${name} m`).toEqual(Array.from(tfState[1 + i]!.tensor.dataSync()));
      expect(ours.get(`${name}/velocity`), `${name} v`).toEqual(Array.from(tfState[1 + variables.length + i]!.tensor.dataSync()));
    });
    // And it trains on.
    const { x, y } = cnnData(8, 9);
    const history = await model.fit(x, y, { epochs: 1, verbose: 0 });
    expect(Number.isFinite(history.history.loss[0]!)).toBe(true);
  });

  it("reads TF.js's other optimizers' configs (RMSProp's decay is rho, Momentum is SGD with momentum)", async () => {
    const cases: [tf.Optimizer, (o: tk.optimizers.Optimizer) => void][] = [
      [tf.train.rmsprop(0.01, 0.8, 0.5), (o) => expect(o.getConfig()).toMatchObject({ rho: 0.8, momentum: 0.5 })],
      [tf.train.momentum(0.02, 0.9, true), (o) => expect(o.getConfig()).toMatchObject({ momentum: 0.9, nesterov: true })],
      [tf.train.sgd(0.1), () => undefined],
      [tf.train.adagrad(0.3), () => undefined],
      [tf.train.adadelta(0.5, 0.9), (o) => expect(o.getConfig()).toMatchObject({ rho: 0.9 })],
    ];
    for (const [optimizer, check] of cases) {
      const tfModel = tf.sequential({ layers: [tf.layers.dense({ units: 2, inputShape: [3] })] });
      tfModel.compile({ optimizer, loss: 'meanSquaredError' });
      await tfModel.fit(tf.ones([4, 3]), tf.zeros([4, 2]), { epochs: 1, verbose: 0 });
      const warnings: string[] = [];
      const model = await tk.loadModel(await tfjsArtifacts(tfModel, true), { onWarning: (m) => warnings.push(m) });
      expect(model.optimizer, optimizer.getClassName()).not.toBeNull();
      // The restored learning rate is the float32 one (as Keras keeps it in a float32 variable).
      expect(model.optimizer!.learningRate).toBeCloseTo((optimizer.getConfig() as { learningRate: number }).learningRate, 7);
      check(model.optimizer!);
      expect(model.loss!.name).toBe('mean_squared_error');
      expect(model.optimizer!.iterations).toBe(1);
      // States that do not line up (TF.js keeps RMSProp moments even without momentum, ...) are
      // reported and skipped, never misread.
      for (const w of warnings) expect(w).toMatch(/optimizer state was not restored/);
    }
  });

  it("continues TF.js's training where it stopped: one more step in each gives the same weights (Momentum, Adagrad)", async () => {
    for (const make of [() => tf.train.momentum(0.05, 0.9), () => tf.train.momentum(0.05, 0.8, true), () => tf.train.adagrad(0.1)]) {
      const tfModel = tf.sequential({ layers: [tf.layers.dense({ units: 2, inputShape: [3], activation: 'tanh' }), tf.layers.dense({ units: 1 })] });
      const optimizer = make();
      tfModel.compile({ optimizer, loss: 'meanSquaredError' });
      const x = tk.randomNormal([8, 3], { seed: 1 });
      const y = tk.randomNormal([8, 1], { seed: 2 });
      await tfModel.fit(toTf(x), toTf(y), { epochs: 3, batchSize: 8, verbose: 0, shuffle: false });
      const warnings: string[] = [];
      const model = await tk.loadModel(await tfjsArtifacts(tfModel, true), { onWarning: (m) => warnings.push(m) });
      expect(warnings).toEqual([]);
      await tfModel.trainOnBatch(toTf(x), toTf(y));
      model.trainOnBatch(x, y);
      const theirs = tfModel.getWeights().flatMap((w) => Array.from(w.dataSync()));
      const ours = model.getWeights().flatMap((w) => Array.from(w.data));
      expect(maxAbsDiff(ours, theirs), optimizer.getClassName()).toBeLessThan(1e-5);
    }
  });

  it('every layer kind TF.js writes with its own names and defaults (glorotNormal, snake_cased strings)', async () => {
    const tfModel = tf.sequential({
      layers: [
        tf.layers.conv2d({ filters: 2, kernelSize: [3, 3], strides: 1, padding: 'same', dataFormat: 'channelsLast', inputShape: [6, 6, 1], kernelInitializer: 'heNormal', useBias: false }),
        tf.layers.averagePooling2d({ poolSize: 2 }),
        tf.layers.activation({ activation: 'relu6' }),
        tf.layers.globalMaxPooling2d({}),
        tf.layers.reshape({ targetShape: [2, 1] }),
        tf.layers.flatten(),
        tf.layers.leakyReLU({ alpha: 0.2 }),
        tf.layers.dense({ units: 3, kernelInitializer: 'leCunUniform', biasInitializer: tf.initializers.constant({ value: 0.3 }) }),
        tf.layers.reLU({ maxValue: 2 }),
        tf.layers.softmax(),
      ],
    });
    const model = await tk.loadModel(await tfjsArtifacts(tfModel));
    const x = tk.randomNormal([4, 6, 6, 1], { seed: 3 });
    expect(maxAbsDiff(model.predict(x).data, (tfModel.predict(toTf(x)) as tf.Tensor).dataSync())).toBeLessThan(1e-5);
  });
});
