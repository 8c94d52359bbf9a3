// Files written by TensorFlow's Python converter (`tensorflowjs_converter --input_format keras`):
// the `model_config` form with `keras_version`/`backend`, an InputLayer entry carrying
// `batch_input_shape`, Keras 2 config keys (constraints, `groups`, BatchNormalization's axis as a
// list), H5 weight names (`dense/kernel`, ':0' stripped) in the H5 file's alphabetical order,
// shards named `group<g>-shard<i>of<n>.bin`, one group per layer or one for all. No Python runs
// here: the files are written by hand in that layout, and TF.js, which reads them natively,
// is the oracle for the predictions.

import * as tf from '@tensorflow/tfjs';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import * as tk from '../../src/index.js';
import { rng, randArray } from '../helpers/index.js';
import { maxAbsDiff, tempDir } from './helpers.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const glorot = { class_name: 'GlorotUniform', config: { seed: null } };
const zeros = { class_name: 'Zeros', config: {} };
const ones = { class_name: 'Ones', config: {} };

/** The layers of a Keras 2.x Sequential as the converter writes them (model.get_config()). */
function keras2Layers(): unknown[] {
  return [
    { class_name: 'InputLayer', config: { batch_input_shape: [null, 8, 8, 1], dtype: 'float32', sparse: false, ragged: false, name: 'conv2d_input' } },
    {
      class_name: 'Conv2D',
      config: {
        name: 'conv2d', trainable: true, dtype: 'float32', filters: 4, kernel_size: [3, 3], strides: [1, 1], padding: 'valid',
        data_format: 'channels_last', dilation_rate: [1, 1], groups: 1, activation: 'relu', use_bias: true, kernel_initializer: glorot,
        bias_initializer: zeros, kernel_regularizer: null, bias_regularizer: null, activity_regularizer: null, kernel_constraint: null, bias_constraint: null,
      },
    },
    { class_name: 'MaxPooling2D', config: { name: 'max_pooling2d', trainable: true, dtype: 'float32', pool_size: [2, 2], padding: 'valid', strides: [2, 2], data_format: 'channels_last' } },
    {
      class_name: 'BatchNormalization',
      config: {
        name: 'batch_normalization', trainable: true, dtype: 'float32', axis: [3], momentum: 0.99, epsilon: 0.001, center: true, scale: true,
        beta_initializer: zeros, gamma_initializer: ones, moving_mean_initializer: zeros, moving_variance_initializer: ones,
        beta_regularizer: null, gamma_regularizer: null, beta_constraint: null, gamma_constraint: null,
      },
    },
    { class_name: 'Flatten', config: { name: 'flatten', trainable: true, dtype: 'float32', data_format: 'channels_last' } },
    { class_name: 'Dropout', config: { name: 'dropout', trainable: true, dtype: 'float32', rate: 0.5, noise_shape: null, seed: null } },
    {
      class_name: 'Dense',
      config: {
        name: 'dense', trainable: true, dtype: 'float32', units: 3, activation: 'softmax', use_bias: true, kernel_initializer: glorot, bias_initializer: zeros,
        kernel_regularizer: { class_name: 'L2', config: { l2: 0.009999999776482582 } }, bias_regularizer: null, activity_regularizer: null, kernel_constraint: null, bias_constraint: null,
      },
    },
  ];
}

/** Random weights for the layers above, by H5 name, in the H5 file's (alphabetical) order. */
function keras2Weights(seed: number): { name: string; shape: number[]; values: Float32Array }[] {
  const rand = rng(seed);
  const w = (name: string, shape: number[], lo = -0.5, hi = 0.5): { name: string; shape: number[]; values: Float32Array } =>
    ({ name, shape, values: randArray(shape.reduce((a, b) => a * b, 1), rand, { lo, hi }) });
  return [
    w('batch_normalization/gamma', [4], 0.5, 1.5), w('batch_normalization/beta', [4]),
    w('batch_normalization/moving_mean', [4]), w('batch_normalization/moving_variance', [4], 0.5, 2),
    w('conv2d/kernel', [3, 3, 1, 4]), w('conv2d/bias', [4]),
    w('dense/kernel', [36, 3]), w('dense/bias', [3]),
  ];
}

function bytesOf(values: Float32Array[]): Uint8Array {
  const out = new Uint8Array(values.reduce((n, v) => n + v.byteLength, 0));
  let o = 0;
  for (const v of values) {
    out.set(new Uint8Array(v.buffer, v.byteOffset, v.byteLength), o);
    o += v.byteLength;
  }
  return out;
}

/** Writes model.json and the shards; `perLayerGroups` puts each layer's weights in its own group. */
function writeConverterDirectory(dir: string, topology: unknown, weights: ReturnType<typeof keras2Weights>, perLayerGroups: boolean): void {
  mkdirSync(dir, { recursive: true });
  const groups = perLayerGroups
    ? [...new Set(weights.map((w) => w.name.split('/')[0]))].map((layer) => weights.filter((w) => w.name.startsWith(`${layer}/`)))
    : [weights];
  const manifest = groups.map((g, i) => {
    const file = `group${i + 1}-shard1of1.bin`;
    writeFileSync(path.join(dir, file), bytesOf(g.map((w) => w.values)));
    return { paths: [file], weights: g.map((w) => ({ name: w.name, shape: w.shape, dtype: 'float32' })) };
  });
  writeFileSync(path.join(dir, 'model.json'), JSON.stringify({
    format: 'layers-model', generatedBy: 'keras v2.9.0', convertedBy: 'TensorFlow.js Converter v3.19.0',
    modelTopology: topology, weightsManifest: manifest,
  }));
}

function keras2Topology(trainingConfig?: unknown): unknown {
  return {
    keras_version: '2.9.0', backend: 'tensorflow',
    model_config: { class_name: 'Sequential', config: { name: 'sequential', layers: keras2Layers() } },
    ...(trainingConfig !== undefined ? { training_config: trainingConfig } : {}),
  };
}

async function tfjsPredict(weights: ReturnType<typeof keras2Weights>, topology: unknown, x: tk.Tensor): Promise<Float32Array> {
  const data = bytesOf(weights.map((w) => w.values));
  // TF.js registers no 'L2' regularizer class (only L1L2), so its copy says L1L2 (the same penalty).
  const forTfjs = JSON.parse(JSON.stringify(topology).replace(/\{"class_name":"L2","config":\{"l2":([^}]*)\}\}/g, '{"class_name":"L1L2","config":{"l1":0,"l2":$1}}')) as object;
  const model = await tf.loadLayersModel(tf.io.fromMemory({
    modelTopology: forTfjs,
    weightSpecs: weights.map((w) => ({ name: w.name, shape: w.shape, dtype: 'float32' as const })),
    weightData: data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength) as ArrayBuffer,
  }));
  return (model.predict(tf.tensor(x.data, x.shape as number[])) as tf.Tensor).dataSync() as Float32Array;
}

describe('files from the Keras converter', () => {
  for (const perLayerGroups of [false, true]) {
    it(`Keras 2 model_config with an InputLayer, ${perLayerGroups ? 'one group per layer' : 'one group'}: loads and predicts as TF.js does`, async () => {
      const dir = tempDir();
      const weights = keras2Weights(7);
      const topology = keras2Topology();
      writeConverterDirectory(dir, topology, weights, perLayerGroups);
      const model = await tk.loadModel(dir);
      expect(model.name).toBe('sequential');
      expect(model.layers.map((l) => l.name)).toEqual(['conv2d', 'max_pooling2d', 'batch_normalization', 'flatten', 'dropout', 'dense']);
      for (const w of weights) expect(Array.from(model.weights.find((v) => v.name === w.name)!.data), w.name).toEqual(Array.from(w.values));
      const x = tk.randomNormal([5, 8, 8, 1], { seed: 2 });
      expect(maxAbsDiff(model.predict(x).data, await tfjsPredict(weights, topology, x))).toBeLessThan(1e-5);
      expect(model.optimizer).toBeNull();
    });
  }

  it('compiles from the converter\'s Keras 2 training_config (MeanMetricWrapper metrics, legacy decay 0)', async () => {
    const dir = tempDir();
    const training = {
      loss: 'categorical_crossentropy',
      metrics: [[{ class_name: 'MeanMetricWrapper', config: { name: 'accuracy', dtype: 'float32', fn: 'categorical_accuracy' } }]],
      weighted_metrics: null, loss_weights: null,
      optimizer_config: { class_name: 'Adam', config: { name: 'Adam', learning_rate: 0.0010000000474974513, decay: 0.0, beta_1: 0.8999999761581421, beta_2: 0.9990000128746033, epsilon: 1e-7, amsgrad: false } },
    };
    writeConverterDirectory(dir, keras2Topology(training), keras2Weights(1), false);
    const warnings: string[] = [];
    const model = await tk.loadModel(dir, { onWarning: (m) => warnings.push(m) });
    expect(warnings).toEqual([]);
    expect(model.optimizer).toBeInstanceOf(tk.optimizers.Adam);
    expect(model.metricsNames).toEqual(['loss', 'accuracy']);
    expect(model.loss!.name).toBe('categorical_crossentropy');
  });

  it('matches H5 names under a scope (sequential/dense/kernel) and with a :0 suffix by layer order', async () => {
    const weights = keras2Weights(3);
    const order = ['conv2d/kernel', 'conv2d/bias', 'batch_normalization/gamma', 'batch_normalization/beta', 'batch_normalization/moving_mean', 'batch_normalization/moving_variance', 'dense/kernel', 'dense/bias'];
    const inModelOrder = order.map((n) => weights.find((w) => w.name === n)!);
    for (const rename of [(n: string) => `sequential/${n}`, (n: string) => `${n}:0`]) {
      const dir = tempDir();
      writeConverterDirectory(dir, keras2Topology(), inModelOrder.map((w) => ({ ...w, name: rename(w.name) })), false);
      const model = await tk.loadModel(dir);
      for (const w of weights) expect(Array.from(model.weights.find((v) => v.name === w.name)!.data), `${rename(w.name)}`).toEqual(Array.from(w.values));
    }
  });

  it('a Keras 3 config: module/registered_name/build_config keys, DTypePolicy, batch_shape, Keras 3 weight paths', async () => {
    const dtype = { module: 'keras', class_name: 'DTypePolicy', config: { name: 'float32' }, registered_name: null };
    const init = (cls: string): unknown => ({ module: 'keras.initializers', class_name: cls, config: cls === 'GlorotUniform' ? { seed: null } : {}, registered_name: null });
    const topology = {
      class_name: 'Sequential',
      config: {
        name: 'sequential_3', trainable: true, dtype,
        layers: [
          { module: 'keras.layers', class_name: 'InputLayer', config: { batch_shape: [null, 5], dtype: 'float32', sparse: false, ragged: false, name: 'input_layer' }, registered_name: null },
          {
            module: 'keras.layers', class_name: 'Dense', registered_name: null, build_config: { input_shape: [null, 5] },
            config: { name: 'dense', trainable: true, dtype, units: 4, activation: 'relu', use_bias: true, kernel_initializer: init('GlorotUniform'), bias_initializer: init('Zeros'), kernel_regularizer: null, bias_regularizer: null, kernel_constraint: null, bias_constraint: null, lora_rank: null },
          },
          {
            module: 'keras.layers', class_name: 'Dense', registered_name: null, build_config: { input_shape: [null, 4] },
            config: { name: 'dense_1', trainable: true, dtype, units: 2, activation: 'linear', use_bias: true, kernel_initializer: init('GlorotUniform'), bias_initializer: init('Zeros'), kernel_regularizer: null, bias_regularizer: null, kernel_constraint: null, bias_constraint: null },
          },
        ],
        build_input_shape: [null, 5],
      },
    };
    const rand = rng(5);
    const values = [randArray(20, rand), randArray(4, rand), randArray(8, rand), randArray(2, rand)];
    const shapes = [[5, 4], [4], [4, 2], [2]];
    // Keras 3 .weights.h5 paths (keras-facts §11.1), as the converter may carry them.
    const names = ['layers/dense/vars/0', 'layers/dense/vars/1', 'layers/dense_1/vars/0', 'layers/dense_1/vars/1'];
    const data = bytesOf(values);
    const model = await tk.loadModel({
      modelTopology: topology,
      weightSpecs: names.map((name, i) => ({ name, shape: shapes[i]!, dtype: 'float32' })),
      weightData: data,
    });
    // The oracle: the same weights set by hand on a model built directly.
    const direct = new tk.Sequential([new tk.layers.Dense(4, { inputShape: [5], activation: 'relu' }), new tk.layers.Dense(2)]);
    direct.setWeights(values.map((v, i) => tk.tensor(v, shapes[i]!)));
    const x = tk.randomNormal([3, 5], { seed: 8 });
    expect(Array.from(model.predict(x).data)).toEqual(Array.from(direct.predict(x).data));
  });

  it('names the unknown layer class or option and the unsupported value', async () => {
    const cases: [(layers: Record<string, unknown>[]) => void, RegExp][] = [
      [(l) => { l[6]!.class_name = 'Lambda'; }, /layers\[6\]\.class_name: unknown layer class 'Lambda': tensorkit loads Dense, Conv2D/],
      [(l) => { l[6]!.class_name = 'constructor'; }, /unknown layer class 'constructor'/],
      [(l) => { (l[6]!.config as Record<string, unknown>).kernel_constraint = { class_name: 'MaxNorm', config: { max_value: 2 } }; }, /Dense: the option 'kernel_constraint' = .* is not supported by tensorkit/],
      [(l) => { (l[1]!.config as Record<string, unknown>).groups = 2; }, /Conv2D: the option 'groups' = 2 is not supported/],
      [(l) => { (l[6]!.config as Record<string, unknown>).frobnicate = true; }, /layers\[6\] \(Dense 'dense'\): Dense 'dense': unknown option 'frobnicate'/],
      [(l) => { (l[6]!.config as Record<string, unknown>).activation = 'swishh'; }, /Unknown activation 'swishh'. Did you mean 'swish'\?/],
      [(l) => { (l[1]!.config as Record<string, unknown>).dtype = 'float16'; }, /layers\[1\]\.config\.dtype: tensorkit stores float32 only, got dtype "float16"/],
      [(l) => { (l[1]!.config as Record<string, unknown>).padding = 'causal'; }, /Conv2D 'conv2d'.*padding/],
    ];
    for (const [edit, message] of cases) {
      const layers = keras2Layers() as Record<string, unknown>[];
      edit(layers);
      const topology = { keras_version: '2.9.0', backend: 'tensorflow', model_config: { class_name: 'Sequential', config: { name: 'sequential', layers } } };
      await expect(tk.loadModel({ modelTopology: topology }), String(message)).rejects.toThrow(message);
    }
    // Functional models load (test/models/functional_io.test.ts); a config missing its inputs is named.
    await expect(tk.loadModel({ modelTopology: { class_name: 'Functional', config: { layers: [] } } })).rejects.toThrow(/modelTopology\.config\.input_layers: expected an array/);
    await expect(tk.loadModel({ modelTopology: { class_name: 'Sequential', config: { layers: [], optimizer: 'adam' } } })).rejects.toThrow(/unknown Sequential option 'optimizer'/);
  });
});
