// Files in Keras's own layouts load in tensorkit and predict as the same weights in a model built
// directly in code (the oracle). No Python runs here: the configs are written as Keras writes them
// (keras-facts-2 §13.7 and §18, keras-file-format §4: module / registered_name / build_config,
// DTypePolicy dtypes with Keras ≥ 3.8's shared_object_id, Keras 3's dict-form calls and its
// `x + y` Add operation, tf.keras 2's list-form calls and batch_input_shape, Keras 2.3.1's
// Sequential without an InputLayer), and the HDF5 files by libhdf5 itself (h5wasm), in every
// weight_names convention and string encoding the corpus of real files shows. tf.keras's
// fixed-length null-padded names, which h5wasm cannot write, come from writeHdf5 (itself checked
// against libhdf5 in test/formats/hdf5).

import path from 'node:path';
import { writeFileSync } from 'node:fs';
import type { File as H5File, Group as H5Group } from 'h5wasm/node';
import { beforeEach, describe, expect, it } from 'vitest';
import * as tk from '../../src/index.js';
import { fixedLengthStrings, writeHdf5, type Hdf5NodeSpec } from '../../src/formats/hdf5/index.js';
import { writeZip } from '../../src/formats/zip/index.js';
import { normalizeKerasConfig } from '../../src/saving/keras_config.js';
import { expectBitEqual, H5PY_LIBVER, h5wasmFile, tempDir } from './helpers.js';

beforeEach(() => tk.clearSession());

const enc = new TextEncoder();
const POLICY = { module: 'keras', class_name: 'DTypePolicy', config: { name: 'float32' }, registered_name: null };
const glorot = { module: 'keras.initializers', class_name: 'GlorotUniform', config: { seed: null }, registered_name: null };
const zeros = { module: 'keras.initializers', class_name: 'Zeros', config: {}, registered_name: null };
const ones = { module: 'keras.initializers', class_name: 'Ones', config: {}, registered_name: null };

/** Seeded values for a weight. */
function values(shape: number[], seed: number, positive = false): Float32Array {
  const t = tk.randomNormal(shape, { seed, stddev: 0.5 });
  return positive ? tk.add(tk.abs(t), 0.5).data : t.data;
}

/** A Keras 3 Dense entry, as a Keras 3.9 config.json has it. */
function k3Dense(name: string, units: number, activation: string, inputShape: (number | null)[], extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    module: 'keras.layers', class_name: 'Dense', registered_name: null,
    config: { name, trainable: true, dtype: { ...POLICY, shared_object_id: 140234 }, units, activation, use_bias: true, kernel_initializer: glorot, bias_initializer: zeros,
      kernel_regularizer: null, bias_regularizer: null, kernel_constraint: null, bias_constraint: null },
    build_config: { input_shape: inputShape }, ...extra,
  };
}

function k3Tensor(shape: (number | null)[], history: [string, number, number]): Record<string, unknown> {
  return { class_name: '__keras_tensor__', config: { shape, dtype: 'float32', keras_history: history } };
}

/** Writes a .keras zip of the given config and h5wasm-built weights. */
async function kerasZip(dir: string, name: string, config: unknown, build: (f: H5File) => void): Promise<string> {
  const weights = await h5wasmFile(build, H5PY_LIBVER);
  const file = path.join(dir, name);
  writeFileSync(file, writeZip([
    { name: 'metadata.json', data: enc.encode(JSON.stringify({ keras_version: '3.9.2', date_saved: '2025-03-01@10:00:00' })) },
    { name: 'config.json', data: enc.encode(JSON.stringify(config)) },
    { name: 'model.weights.h5', data: weights },
  ]));
  return file;
}

/** A `vars` group with a name attribute (Keras ≥ 3.6) and the given datasets. */
function vars(f: H5File, at: string, name: string, data: { shape: number[]; values: Float32Array | BigInt64Array }[]): void {
  let g = f.get('/') as H5Group;
  for (const part of at.split('/').filter((p) => p !== '')) g = (g.keys().includes(part) ? g.get(part) : g.create_group(part)) as H5Group;
  const v = g.create_group('vars');
  v.create_attribute('name', name);
  data.forEach((d, i) => v.create_dataset({ name: String(i), data: d.values, shape: d.shape }));
}

describe('Keras 3 .keras files', () => {
  // Input(4) → Dense 'dense' (relu) → [Dropout → Dense 'dense_1'] + [Sequential(Dense 'inner_dense')] via `x + y` → BatchNormalization → Dense 'out'.
  const W = {
    dense: [{ shape: [4, 6], values: values([4, 6], 1) }, { shape: [6], values: values([6], 2) }],
    dense1: [{ shape: [6, 5], values: values([6, 5], 3) }, { shape: [5], values: values([5], 4) }],
    inner: [{ shape: [6, 5], values: values([6, 5], 5) }, { shape: [5], values: values([5], 6) }],
    bn: [{ shape: [5], values: values([5], 7) }, { shape: [5], values: values([5], 8) }, { shape: [5], values: values([5], 9) }, { shape: [5], values: values([5], 10, true) }],
    out: [{ shape: [5, 3], values: values([5, 3], 11) }, { shape: [3], values: values([3], 12) }],
  };
  const functionalConfig = {
    module: 'keras.src.models.functional', class_name: 'Functional', registered_name: 'Functional', build_config: { input_shape: null },
    config: {
      name: 'functional', trainable: true,
      layers: [
        { module: 'keras.layers', class_name: 'InputLayer', registered_name: null, config: { batch_shape: [null, 4], dtype: 'float32', sparse: false, ragged: false, name: 'input_layer' }, name: 'input_layer', inbound_nodes: [] },
        { ...k3Dense('dense', 6, 'relu', [null, 4]), name: 'dense', inbound_nodes: [{ args: [k3Tensor([null, 4], ['input_layer', 0, 0])], kwargs: {} }] },
        { module: 'keras.layers', class_name: 'Dropout', registered_name: null, config: { name: 'dropout', trainable: true, dtype: POLICY, rate: 0.5, seed: null, noise_shape: null },
          name: 'dropout', inbound_nodes: [{ args: [k3Tensor([null, 6], ['dense', 0, 0])], kwargs: { training: false } }] },
        { ...k3Dense('dense_1', 5, 'linear', [null, 6]), name: 'dense_1', inbound_nodes: [{ args: [k3Tensor([null, 6], ['dropout', 0, 0])], kwargs: {} }] },
        {
          module: 'keras', class_name: 'Sequential', registered_name: null, build_config: { input_shape: [null, 6] },
          config: { name: 'sequential', trainable: true, dtype: POLICY, build_input_shape: [null, 6], layers: [
            { module: 'keras.layers', class_name: 'InputLayer', registered_name: null, config: { batch_shape: [null, 6], dtype: 'float32', sparse: false, ragged: false, name: 'input_layer_1' } },
            k3Dense('inner_dense', 5, 'tanh', [null, 6]),
          ] },
          name: 'sequential', inbound_nodes: [{ args: [k3Tensor([null, 6], ['dense', 0, 0])], kwargs: { mask: null } }],
        },
        { module: 'keras.src.ops.numpy', class_name: 'Add', registered_name: 'Add', config: { name: 'add_15' }, name: 'add_15',
          inbound_nodes: [{ args: [k3Tensor([null, 5], ['dense_1', 0, 0]), k3Tensor([null, 5], ['sequential', 0, 0])], kwargs: {} }] },
        {
          module: 'keras.layers', class_name: 'BatchNormalization', registered_name: null, build_config: { input_shape: [null, 5] },
          config: { name: 'batch_normalization', trainable: true, dtype: POLICY, axis: -1, momentum: 0.99, epsilon: 0.001, center: true, scale: true,
            beta_initializer: zeros, gamma_initializer: ones, moving_mean_initializer: zeros, moving_variance_initializer: ones,
            beta_regularizer: null, gamma_regularizer: null, beta_constraint: null, gamma_constraint: null, synchronized: false },
          name: 'batch_normalization', inbound_nodes: [{ args: [k3Tensor([null, 5], ['add_15', 0, 0])], kwargs: { mask: null } }],
        },
        { ...k3Dense('out', 3, 'softmax', [null, 5]), name: 'out', inbound_nodes: [{ args: [k3Tensor([null, 5], ['batch_normalization', 0, 0])], kwargs: {} }] },
      ],
      input_layers: ['input_layer', 0, 0],
      output_layers: ['out', 0, 0],
    },
    compile_config: {},
  };
  const writeFunctionalWeights = (f: H5File, change: { denseKernel?: number[]; skipDense1?: boolean } = {}): void => {
    vars(f, '', 'functional', []);
    // The weights' list: every layer but the operation, class names numbered in order.
    vars(f, 'layers/input_layer', 'input_layer', []);
    const kernel = change.denseKernel === undefined ? W.dense[0]! : { shape: change.denseKernel, values: values(change.denseKernel, 1) };
    vars(f, 'layers/dense', 'dense', [kernel, W.dense[1]!]);
    vars(f, 'layers/dropout', 'dropout', []);
    if (change.skipDense1 !== true) vars(f, 'layers/dense_1', 'dense_1', W.dense1);
    // A stray dataset elsewhere, so that the file holds as many values as the model needs.
    else f.create_dataset({ name: 'stray', data: values([40], 99), shape: [40] });
    vars(f, 'layers/sequential', 'sequential', []);
    vars(f, 'layers/sequential/layers/dense', 'inner_dense', W.inner);
    vars(f, 'layers/batch_normalization', 'batch_normalization', W.bn);
    vars(f, 'layers/dense_2', 'out', W.out);
  };
  /** The same model in code, with the same weights. */
  const oracle = (): tk.Model<tk.Tensor> => {
    const x = tk.input({ shape: [4] });
    const h = new tk.layers.Dense(6, 'relu').apply(x);
    const a = new tk.layers.Dense(5).apply(new tk.layers.Dropout(0.5).apply(h));
    const b = new tk.Sequential([new tk.layers.Dense(5, { activation: 'tanh', inputShape: [6] })]).apply(h);
    const y = new tk.layers.Dense(3, 'softmax').apply(new tk.layers.BatchNormalization().apply(new tk.layers.Add().apply([a, b])));
    const m = tk.model({ inputs: x, outputs: y });
    m.setWeights([...W.dense, ...W.dense1, ...W.inner, ...W.bn, ...W.out].map((w) => new tk.Tensor(w.values, w.shape)));
    return m as tk.Model<tk.Tensor>;
  };

  it('a functional model with a nested Sequential, a Dropout and the Add operation of `x + y` predicts as the oracle', async () => {
    const file = await kerasZip(tempDir(), 'functional.keras', functionalConfig, writeFunctionalWeights);
    const model = await tk.loadModel(file);
    expect(model.layers.map((l) => l.getClassName())).toEqual(['InputLayer', 'Dense', 'Dropout', 'Dense', 'Sequential', 'Add', 'BatchNormalization', 'Dense']);
    expect(model.getLayer('add_15').getClassName()).toBe('Add');
    expect(model.optimizer).toBeNull();
    const x = tk.randomNormal([7, 4], { seed: 42 });
    expectBitEqual(oracle().predict(x), model.predict(x), 'predictions');
    // The recorded `training: false` is Keras's default, not a choice: Dropout still drops in training.
    const inTraining = model.apply(tk.ones([64, 4]), { training: true }) as tk.Tensor;
    expect(tk.sub(inTraining, model.apply(tk.ones([64, 4])) as tk.Tensor).abs().max().item()).toBeGreaterThan(0);
  });

  it('from bytes (Uint8Array and ArrayBuffer) as from the path; the weights are found in Windows-named groups (layers\\dense)', async () => {
    const dir = tempDir();
    const file = await kerasZip(dir, 'windows.keras', functionalConfig, (f) => {
      // tf.keras 2.15 on Windows: one root member per path, named with backslashes.
      const root = f.get('/') as H5Group;
      root.create_group('vars').create_attribute('name', 'functional');
      const add = (p: string, name: string, data: { shape: number[]; values: Float32Array }[]): void => {
        const v = root.create_group(p).create_group('vars');
        v.create_attribute('name', name);
        data.forEach((d, i) => v.create_dataset({ name: String(i), data: d.values, shape: d.shape }));
      };
      add('layers\\dense', 'dense', W.dense);
      add('layers\\dense_1', 'dense_1', W.dense1);
      add('layers\\sequential\\layers\\dense', 'inner_dense', W.inner);
      add('layers\\batch_normalization', 'batch_normalization', W.bn);
      add('layers\\dense_2', 'out', W.out);
    });
    const bytes = new Uint8Array((await import('node:fs')).readFileSync(file));
    const x = tk.randomNormal([5, 4], { seed: 3 });
    const want = oracle().predict(x);
    expectBitEqual(want, (await tk.loadModel(bytes)).predict(x), 'from a Uint8Array');
    expectBitEqual(want, (await tk.loadModel(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength))).predict(x), 'from an ArrayBuffer');
  });

  it('a Sequential CNN (Conv2D, MaxPooling2D, BatchNormalization, Flatten, Dense) compiled with Adam: weights, compile_config and optimizer/vars', async () => {
    const conv = [{ shape: [3, 3, 1, 2], values: values([3, 3, 1, 2], 20) }, { shape: [2], values: values([2], 21) }];
    const bn = [{ shape: [2], values: values([2], 22) }, { shape: [2], values: values([2], 23) }, { shape: [2], values: values([2], 24) }, { shape: [2], values: values([2], 25, true) }];
    const dense = [{ shape: [18, 3], values: values([18, 3], 26) }, { shape: [3], values: values([3], 27) }];
    const config = {
      module: 'keras', class_name: 'Sequential', registered_name: null, build_config: { input_shape: [null, 8, 8, 1] },
      config: { name: 'sequential', trainable: true, dtype: POLICY, build_input_shape: [null, 8, 8, 1], layers: [
        { module: 'keras.layers', class_name: 'InputLayer', registered_name: null, config: { batch_shape: [null, 8, 8, 1], dtype: 'float32', sparse: false, name: 'input_layer' } },
        { module: 'keras.layers', class_name: 'Conv2D', registered_name: null, build_config: { input_shape: [null, 8, 8, 1] }, config: {
          name: 'conv2d', trainable: true, dtype: POLICY, filters: 2, kernel_size: [3, 3], strides: [1, 1], padding: 'valid', data_format: 'channels_last', dilation_rate: [1, 1], groups: 1,
          activation: 'relu', use_bias: true, kernel_initializer: glorot, bias_initializer: zeros, kernel_regularizer: null, bias_regularizer: null, activity_regularizer: null, kernel_constraint: null, bias_constraint: null } },
        { module: 'keras.layers', class_name: 'MaxPooling2D', registered_name: null, config: { name: 'max_pooling2d', trainable: true, dtype: POLICY, pool_size: [2, 2], padding: 'valid', strides: [2, 2], data_format: 'channels_last' } },
        { module: 'keras.layers', class_name: 'BatchNormalization', registered_name: null, build_config: { input_shape: [null, 3, 3, 2] }, config: {
          name: 'batch_normalization', trainable: true, dtype: POLICY, axis: -1, momentum: 0.99, epsilon: 0.001, center: true, scale: true, beta_initializer: zeros, gamma_initializer: ones,
          moving_mean_initializer: zeros, moving_variance_initializer: ones, beta_regularizer: null, gamma_regularizer: null, beta_constraint: null, gamma_constraint: null, synchronized: false } },
        { module: 'keras.layers', class_name: 'Flatten', registered_name: null, build_config: { input_shape: [null, 3, 3, 2] }, config: { name: 'flatten', trainable: true, dtype: POLICY, data_format: 'channels_last' } },
        k3Dense('dense', 3, 'softmax', [null, 18]),
      ] },
      compile_config: {
        optimizer: { module: 'keras.optimizers', class_name: 'Adam', registered_name: null, config: { name: 'adam', learning_rate: 0.0005, weight_decay: null, clipnorm: null, global_clipnorm: null, clipvalue: null,
          use_ema: false, ema_momentum: 0.99, ema_overwrite_frequency: null, loss_scale_factor: null, gradient_accumulation_steps: null, beta_1: 0.9, beta_2: 0.999, epsilon: 1e-7, amsgrad: false } },
        loss: 'categorical_crossentropy', loss_weights: null, metrics: ['accuracy'], weighted_metrics: null, run_eagerly: false, steps_per_execution: 1, jit_compile: false,
      },
    };
    const trainable = [conv[0]!, conv[1]!, bn[0]!, bn[1]!, dense[0]!, dense[1]!];
    const slots = trainable.flatMap((w, i) => [{ shape: w.shape, values: values(w.shape, 100 + i) }, { shape: w.shape, values: values(w.shape, 200 + i, true) }]);
    const file = await kerasZip(tempDir(), 'cnn.keras', config, (f) => {
      vars(f, '', 'sequential', []);
      vars(f, 'layers/conv2d', 'conv2d', conv);
      vars(f, 'layers/max_pooling2d', 'max_pooling2d', []);
      vars(f, 'layers/batch_normalization', 'batch_normalization', bn);
      vars(f, 'layers/flatten', 'flatten', []);
      vars(f, 'layers/dense', 'dense', dense);
      vars(f, 'optimizer', 'adam', [{ shape: [], values: BigInt64Array.of(17n) }, { shape: [], values: Float32Array.of(0.0005) }, ...slots]);
    });
    const model = await tk.loadModel(file);
    const oracle = new tk.Sequential([
      new tk.layers.Conv2D(2, 3, { activation: 'relu', inputShape: [8, 8, 1] }), new tk.layers.MaxPooling2D([2, 2]),
      new tk.layers.BatchNormalization(), new tk.layers.Flatten(), new tk.layers.Dense(3, 'softmax'),
    ]);
    oracle.setWeights([...conv, ...bn, ...dense].map((w) => new tk.Tensor(w.values, w.shape)));
    const x = tk.randomNormal([4, 8, 8, 1], { seed: 9 });
    expectBitEqual(oracle.predict(x), model.predict(x), 'predictions');
    expect(model.optimizer?.className).toBe('Adam');
    expect(model.metricsNames).toEqual(['loss', 'accuracy']);
    const state = model.optimizer!.getWeights();
    expect(state.length).toBe(2 + slots.length);
    expect(state[0]!.tensor.item()).toBe(17);
    expect(state[1]!.tensor.item()).toBeCloseTo(0.0005, 9);
    slots.forEach((s, i) => expectBitEqual(new tk.Tensor(s.values, s.shape), state[2 + i]!.tensor, `slot ${i} (${state[2 + i]!.name})`));
  });

  it('a .weights.h5 (Keras 3 layout, written by h5wasm) into a model built in code', async () => {
    const dir = tempDir();
    const bytes = await h5wasmFile(writeFunctionalWeights, H5PY_LIBVER);
    writeFileSync(path.join(dir, 'model.weights.h5'), bytes);
    const model = oracle();
    const reference = oracle();
    model.setWeights(model.weights.map((w) => tk.zerosLike(w)));
    await model.loadWeights(path.join(dir, 'model.weights.h5'));
    const x = tk.randomNormal([3, 4], { seed: 1 });
    expectBitEqual(reference.predict(x), model.predict(x), 'after loadWeights');
  });

  it('refuses what it cannot load, naming it: an unknown class (listing the supported ones), TFOpLambda, another operation, a missing weights member', async () => {
    const dir = tempDir();
    const withLayer = (entry: Record<string, unknown>): unknown => ({ ...functionalConfig, config: { ...functionalConfig.config, layers: [...functionalConfig.config.layers.slice(0, 7), entry, functionalConfig.config.layers[7]] } });
    const unknown = await kerasZip(dir, 'u.keras', withLayer({ module: 'keras.layers', class_name: 'Lambda', registered_name: null, config: { name: 'lambda' }, name: 'lambda', inbound_nodes: [] }), writeFunctionalWeights);
    await expect(tk.loadModel(unknown)).rejects.toThrow(/unknown layer class 'Lambda'.*Dense.*Conv2D/s);
    const tfop = await kerasZip(dir, 't.keras', withLayer({ class_name: 'TFOpLambda', config: { name: 'tf.__operators__.add', trainable: true, dtype: 'float32', function: '__operators__.add' }, name: 'tf.__operators__.add', inbound_nodes: [] }), writeFunctionalWeights);
    await expect(tk.loadModel(tfop)).rejects.toThrow(/TFOpLambda.*__operators__\.add.*Keras 3 cannot load/s);
    const op = await kerasZip(dir, 'o.keras', withLayer({ module: 'keras.src.ops.numpy', class_name: 'Divide', registered_name: 'Divide', config: { name: 'divide' }, name: 'divide', inbound_nodes: [] }), writeFunctionalWeights);
    await expect(tk.loadModel(op)).rejects.toThrow(/operation 'Divide'.*Add, Subtract, Multiply/s);
    writeFileSync(path.join(dir, 'nw.keras'), writeZip([{ name: 'config.json', data: enc.encode(JSON.stringify(functionalConfig)) }]));
    await expect(tk.loadModel(path.join(dir, 'nw.keras'))).rejects.toThrow(/no model\.weights\.h5/);
  });

  it('a weight of the wrong shape names the layer and both shapes; a missing one names the path; nothing is half-loaded', async () => {
    const dir = tempDir();
    const bad = await kerasZip(dir, 'bad.keras', functionalConfig, (f) => {
      writeFunctionalWeights(f);
      const v = f.get('layers/dense_2/vars') as H5Group;
      v.create_dataset({ name: '2', data: Float32Array.of(1), shape: [1] });
    });
    await expect(tk.loadModel(bad)).rejects.toThrow(/'layers\/dense_2' \(Dense 'out'\) has 2 variables.*holds 3/);
    const shape = await kerasZip(dir, 'shape.keras', functionalConfig, (f) => writeFunctionalWeights(f, { denseKernel: [4, 7] }));
    await expect(tk.loadModel(shape)).rejects.toThrow(/layer 'dense' \(Dense\): weight 'dense\/kernel' has shape \[4, 6\], but the file's 'layers\/dense\/vars\/0' has shape \[4, 7\]/);
    const missing = await kerasZip(dir, 'missing.keras', functionalConfig, (f) => writeFunctionalWeights(f, { skipDense1: true }));
    await expect(tk.loadModel(missing)).rejects.toThrow(/there is no group 'layers\/dense_1\/vars'/);
    // A file holding fewer values than the layers need is refused before they are built.
    const short = await kerasZip(dir, 'short.keras', functionalConfig, (f) => vars(f, 'layers/dense', 'dense', W.dense));
    await expect(tk.loadModel(short)).rejects.toThrow(/the layers need more weight values than the file holds \(30\)/);
    // loadWeights checks everything before changing anything.
    const model = oracle();
    const before = model.getWeights();
    await expect(model.loadWeights(shape)).rejects.toThrow(/has shape \[4, 7\]/);
    model.getWeights().forEach((w, i) => expectBitEqual(before[i]!, w, `weight ${i} unchanged`));
  });
});

describe('legacy .h5 files', () => {
  const dense = [{ shape: [4, 8], values: values([4, 8], 31) }, { shape: [8], values: values([8], 32) }];
  const dense1 = [{ shape: [8, 2], values: values([8, 2], 33) }, { shape: [2], values: values([2], 34) }];
  const tfDense = (name: string, units: number, activation: string, extra: Record<string, unknown> = {}): Record<string, unknown> => ({
    class_name: 'Dense',
    config: { name, trainable: true, dtype: 'float32', units, activation, use_bias: true, kernel_initializer: { class_name: 'GlorotUniform', config: { seed: null } },
      bias_initializer: { class_name: 'Zeros', config: {} }, kernel_regularizer: null, bias_regularizer: null, activity_regularizer: null, kernel_constraint: null, bias_constraint: null, ...extra },
  });
  const oracle = (): tk.Sequential => {
    const m = new tk.Sequential([new tk.layers.Dense(8, { activation: 'relu', inputShape: [4] }), new tk.layers.Dropout(0.2), new tk.layers.Dense(2, 'softmax')]);
    m.setWeights([...dense, ...dense1].map((w) => new tk.Tensor(w.values, w.shape)));
    return m;
  };
  /** tf.keras 2.4's Sequential: an InputLayer entry with batch_input_shape. */
  const tfKerasSequential = { class_name: 'Sequential', config: { name: 'sequential', layers: [
    { class_name: 'InputLayer', config: { batch_input_shape: [null, 4], dtype: 'float32', sparse: false, ragged: false, name: 'dense_input' } },
    tfDense('dense', 8, 'relu'),
    { class_name: 'Dropout', config: { name: 'dropout', trainable: true, dtype: 'float32', rate: 0.2, noise_shape: null, seed: null } },
    tfDense('dense_1', 2, 'softmax'),
  ] } };
  /** Keras 2.3.1's Sequential: no InputLayer, the first layer carries batch_input_shape. */
  const keras231Sequential = { class_name: 'Sequential', config: { name: 'sequential_1', layers: [
    tfDense('dense', 8, 'relu', { batch_input_shape: [null, 4] }),
    { class_name: 'Dropout', config: { name: 'dropout', trainable: true, dtype: 'float32', rate: 0.2, noise_shape: null, seed: null } },
    tfDense('dense_1', 2, 'softmax'),
  ] } };

  /** A legacy file written by h5wasm: weight_names in the given convention; `fixed`: 'A<n>' fixed ASCII names, else variable-length UTF-8. */
  async function legacyFile(modelConfig: unknown, names: (layer: string, v: string) => string, fixed: boolean, extra?: (f: H5File) => void): Promise<Uint8Array> {
    return h5wasmFile((f) => {
      f.create_attribute('keras_version', '2.4.0');
      f.create_attribute('backend', 'tensorflow');
      f.create_attribute('model_config', JSON.stringify(modelConfig));
      const mw = f.create_group('model_weights');
      const strings = (list: string[]): [string[], null, string | null] => [list, null, fixed ? `A${Math.max(...list.map((s) => s.length))}` : null];
      mw.create_attribute('layer_names', ...strings(['dense', 'dropout', 'dense_1']));
      for (const [layer, ws] of [['dense', dense], ['dropout', []], ['dense_1', dense1]] as const) {
        const g = mw.create_group(layer);
        const wn = ws.length === 0 ? [] : ['kernel', 'bias'].map((v) => names(layer, v));
        if (wn.length === 0) g.create_attribute('weight_names', new Float64Array(0), [0]);
        else g.create_attribute('weight_names', ...strings(wn));
        wn.forEach((n, i) => {
          const parts = n.split('/');
          let at = g;
          for (const p of parts.slice(0, -1)) at = (at.keys().includes(p) ? at.get(p) : at.create_group(p)) as H5Group;
          at.create_dataset({ name: parts[parts.length - 1]!, data: ws[i]!.values, shape: ws[i]!.shape });
        });
      }
      extra?.(f);
    }, H5PY_LIBVER);
  }

  it.each([
    ['<layer>/<var>:0, fixed-length ASCII (tf.keras 2.x)', (l: string, v: string) => `${l}/${v}:0`, true],
    ['<model>/<layer>/<var>, variable-length UTF-8 (Keras 3.3 / 3.9 Sequential)', (l: string, v: string) => `sequential/${l}/${v}`, false],
    ['<layer>/<var> (Keras 3.9 functional)', (l: string, v: string) => `${l}/${v}`, false],
    ['<var> alone, datasets in the layer group (Keras 3.1)', (_l: string, v: string) => v, true],
  ])('weight_names as %s: followed literally, matched by position', async (_name, names, fixed) => {
    const bytes = await legacyFile(tfKerasSequential, names, fixed);
    const model = await tk.loadModel(bytes);
    const x = tk.randomNormal([6, 4], { seed: 4 });
    expectBitEqual(oracle().predict(x), model.predict(x), 'predictions');
  });

  it("Keras 2.3.1's Sequential without an InputLayer, tf.keras's null-padded names (writeHdf5), training_config and tf.keras 2's Adam state", async () => {
    const tfNames = (l: string): string[] => [`${l}/kernel:0`, `${l}/bias:0`];
    const layerGroup = (l: string, ws: { shape: number[]; values: Float32Array }[]): Hdf5NodeSpec => ({
      attributes: { weight_names: fixedLengthStrings(ws.length === 0 ? [] : tfNames(l)) },
      children: ws.length === 0 ? {} : { [l]: { children: { 'kernel:0': { kind: 'dataset', shape: ws[0]!.shape, data: ws[0]!.values }, 'bias:0': { kind: 'dataset', shape: ws[1]!.shape, data: ws[1]!.values } } } },
    });
    const ws = [...dense, ...dense1];
    const m = ws.map((w, i) => values(w.shape, 300 + i));
    const v = ws.map((w, i) => values(w.shape, 400 + i, true));
    // tf.keras 2's Adam: iter, then m of every variable, then v of every variable.
    const slotNames = ['dense/kernel', 'dense/bias', 'dense_1/kernel', 'dense_1/bias'];
    const optChildren: Record<string, Hdf5NodeSpec> = { 'iter:0': { kind: 'dataset', shape: [], data: BigInt64Array.of(23n) } };
    const optNames = ['Adam/iter:0', ...slotNames.map((n) => `Adam/${n}/m:0`), ...slotNames.map((n) => `Adam/${n}/v:0`)];
    const nest = (name: string, data: Float32Array, shape: number[]): void => {
      const parts = name.split('/').slice(1);
      let at = optChildren;
      for (const p of parts.slice(0, -1)) at = ((at[p] ??= { children: {} }) as { children: Record<string, Hdf5NodeSpec> }).children;
      at[parts[parts.length - 1]!] = { kind: 'dataset', shape, data };
    };
    slotNames.forEach((n, i) => nest(`Adam/${n}/m:0`, m[i]!, ws[i]!.shape));
    slotNames.forEach((n, i) => nest(`Adam/${n}/v:0`, v[i]!, ws[i]!.shape));
    const bytes = writeHdf5({
      attributes: {
        keras_version: { data: ['2.3.1'], shape: [], dtype: { class: 'string', size: 'variable', charset: 'ascii', padding: 'null-terminated' } },
        backend: 'tensorflow',
        model_config: { data: [JSON.stringify(keras231Sequential)], shape: [], dtype: { class: 'string', size: 'variable', charset: 'ascii', padding: 'null-terminated' } },
        training_config: { data: [JSON.stringify({ loss: 'categorical_crossentropy', metrics: ['accuracy'], optimizer_config: { class_name: 'Adam', config: { name: 'Adam', learning_rate: 0.001, decay: 0, beta_1: 0.9, beta_2: 0.999, epsilon: 1e-7, amsgrad: false } }, loss_weights: null, sample_weight_mode: null, weighted_metrics: null })], shape: [] },
      },
      children: {
        model_weights: { attributes: { layer_names: fixedLengthStrings(['dense', 'dropout', 'dense_1']), backend: 'tensorflow', keras_version: '2.3.1' },
          children: { dense: layerGroup('dense', dense), dropout: layerGroup('dropout', []), dense_1: layerGroup('dense_1', dense1) } },
        optimizer_weights: { attributes: { weight_names: fixedLengthStrings(optNames) }, children: { Adam: { children: optChildren } } },
      },
    });
    const model = await tk.loadModel(bytes);
    const x = tk.randomNormal([6, 4], { seed: 4 });
    expectBitEqual(oracle().predict(x), model.predict(x), 'predictions');
    expect(model.name).toBe('sequential_1');
    const state = model.optimizer!.getWeights();
    expect(state[0]!.tensor.item()).toBe(23);
    // tensorkit's order interleaves (Keras 3): momentum, velocity of each variable in turn.
    ws.forEach((w, i) => {
      expectBitEqual(new tk.Tensor(m[i]!, w.shape), state.find((s) => s.name === `${model.trainableWeights[i]!.name}/momentum`)!.tensor, `m ${i}`);
      expectBitEqual(new tk.Tensor(v[i]!, w.shape), state.find((s) => s.name === `${model.trainableWeights[i]!.name}/velocity`)!.tensor, `v ${i}`);
    });
  });

  it("tf.keras 2's functional Model (list-form calls, nested model's node 1) and Keras 3's .h5 (dict-form calls in legacy entries)", async () => {
    const inner = { class_name: 'Sequential', config: { name: 'inner', layers: [
      { class_name: 'InputLayer', config: { batch_input_shape: [null, 8], dtype: 'float32', sparse: false, name: 'inner_input' } }, tfDense('dense_1', 2, 'softmax')] } };
    const tf2 = { class_name: 'Model', config: { name: 'model', layers: [
      { name: 'x', class_name: 'InputLayer', config: { batch_input_shape: [null, 4], dtype: 'float32', sparse: false, ragged: false, name: 'x' }, inbound_nodes: [] },
      { name: 'dense', ...tfDense('dense', 8, 'relu'), inbound_nodes: [[['x', 0, 0, {}]]] },
      { name: 'inner', ...inner, inbound_nodes: [[['dense', 0, 0, {}]]] },
    ], input_layers: [['x', 0, 0]], output_layers: [['inner', 1, 0]] } };
    const keras3h5 = { class_name: 'Functional', config: { name: 'functional', trainable: true, layers: [
      { name: 'x', class_name: 'InputLayer', config: { batch_shape: [null, 4], dtype: 'float32', sparse: false, name: 'x' }, inbound_nodes: [] },
      { name: 'dense', ...tfDense('dense', 8, 'relu'), inbound_nodes: [{ args: [k3Tensor([null, 4], ['x', 0, 0])], kwargs: {} }] },
      { name: 'inner', ...inner, inbound_nodes: [{ args: [k3Tensor([null, 8], ['dense', 0, 0])], kwargs: { mask: null } }] },
    ], input_layers: [['x', 0, 0]], output_layers: [['inner', 0, 0]] } };
    const oracleF = (): tk.Model<tk.Tensor> => {
      const x = tk.input({ shape: [4] });
      const m = tk.model({ inputs: x, outputs: new tk.Sequential([new tk.layers.Dense(2, { activation: 'softmax', inputShape: [8] })]).apply(new tk.layers.Dense(8, 'relu').apply(x)) });
      m.setWeights([...dense, ...dense1].map((w) => new tk.Tensor(w.values, w.shape)));
      return m as tk.Model<tk.Tensor>;
    };
    const x = tk.randomNormal([5, 4], { seed: 8 });
    for (const config of [tf2, keras3h5]) {
      const bytes = await h5wasmFile((f) => {
        f.create_attribute('model_config', JSON.stringify(config));
        const mw = f.create_group('model_weights');
        mw.create_attribute('layer_names', ['x', 'dense', 'inner']);
        mw.create_group('x').create_attribute('weight_names', new Float64Array(0), [0]);
        const d = mw.create_group('dense');
        d.create_attribute('weight_names', ['dense/kernel', 'dense/bias']);
        const dd = d.create_group('dense');
        dd.create_dataset({ name: 'kernel', data: dense[0]!.values, shape: dense[0]!.shape });
        dd.create_dataset({ name: 'bias', data: dense[1]!.values, shape: dense[1]!.shape });
        const n = mw.create_group('inner');
        n.create_attribute('weight_names', ['inner/dense_1/kernel', 'inner/dense_1/bias']);
        const nd = n.create_group('inner').create_group('dense_1');
        nd.create_dataset({ name: 'kernel', data: dense1[0]!.values, shape: dense1[0]!.shape });
        nd.create_dataset({ name: 'bias', data: dense1[1]!.values, shape: dense1[1]!.shape });
      }, H5PY_LIBVER);
      const model = await tk.loadModel(bytes);
      expectBitEqual(oracleF().predict(x), model.predict(x), `${config.class_name} predictions`);
    }
  });

  it('a weights-only .h5 is refused by loadModel, pointing to loadWeights, which reads it', async () => {
    const bytes = await h5wasmFile((f) => {
      f.create_attribute('keras_version', '2.0.6');
      f.create_attribute('backend', 'theano');
      f.create_attribute('layer_names', ['dense', 'dropout', 'dense_1'], null, 'A7');
      for (const [layer, ws] of [['dense', dense], ['dropout', []], ['dense_1', dense1]] as const) {
        const g = f.create_group(layer);
        if (ws.length === 0) {
          g.create_attribute('weight_names', new Float64Array(0), [0]);
          continue;
        }
        g.create_attribute('weight_names', [`${layer}/kernel:0`, `${layer}/bias:0`], null, 'A16');
        const sub = g.create_group(layer);
        sub.create_dataset({ name: 'kernel:0', data: ws[0]!.values, shape: ws[0]!.shape });
        sub.create_dataset({ name: 'bias:0', data: ws[1]!.values, shape: ws[1]!.shape });
      }
    }, H5PY_LIBVER);
    await expect(tk.loadModel(bytes)).rejects.toThrow(/no model config found: this is a weights-only file.*model\.loadWeights/);
    const model = oracle();
    const want = oracle().predict(tk.ones([2, 4]));
    model.setWeights(model.weights.map((w) => tk.zerosLike(w)));
    await model.loadWeights(bytes);
    expectBitEqual(want, model.predict(tk.ones([2, 4])), 'after loadWeights');
  });

  it('a layer or weight count mismatch names the layers; a shape mismatch both shapes', async () => {
    const bytes = await legacyFile(tfKerasSequential, (l, v) => `${l}/${v}:0`, true);
    const wide = new tk.Sequential([new tk.layers.Dense(9, { inputShape: [4] }), new tk.layers.Dense(2)]);
    await expect(wide.loadWeights(bytes)).rejects.toThrow(/layer #0 \('dense' in the model, 'dense' in the file\): weight 'dense\/kernel' has shape \[4, 9\], but the file's 'dense\/kernel:0' has shape \[4, 8\]/);
    const three = new tk.Sequential([new tk.layers.Dense(8, { inputShape: [4] }), new tk.layers.Dense(2), new tk.layers.Dense(2)]);
    await expect(three.loadWeights(bytes)).rejects.toThrow(/layer count mismatch: the model has 3 layers with weights.*the file 2 \('dense', 'dense_1'\)/);
    const noBias = new tk.Sequential([new tk.layers.Dense(8, { inputShape: [4], useBias: false }), new tk.layers.Dense(2)]);
    await expect(noBias.loadWeights(bytes)).rejects.toThrow(/the layer has 1 weights.*the file 2 \(dense\/kernel:0, dense\/bias:0\)/);
  });

  it("tensors in a list-form call's kwargs become inputs: MultiHeadAttention's value (positional), an RNN's initial_state (call arguments)", () => {
    const entry = (name: string, cls: string, nodes: unknown): Record<string, unknown> => ({ name, class_name: cls, config: { name }, inbound_nodes: nodes });
    const config = { class_name: 'Model', config: { name: 'm', input_layers: [['q', 0, 0]], output_layers: [['rnn', 0, 0]], layers: [
      entry('q', 'InputLayer', []), entry('h', 'InputLayer', []),
      entry('mha', 'MultiHeadAttention', [[['q', 0, 0, { value: ['q', 0, 0], training: false }]]]),
      entry('rnn', 'LSTM', [[['mha', 0, 0, { initial_state: [['h', 0, 0], ['h', 0, 0]] }]]]),
    ] } };
    const { topology } = normalizeKerasConfig(JSON.parse(JSON.stringify(config)), 'model_config');
    const layers = (topology.config as { layers: { inbound_nodes: unknown }[] }).layers;
    expect(JSON.parse(JSON.stringify(layers[2]!.inbound_nodes))).toEqual([[['q', 0, 0, { training: false }], ['q', 0, 0, {}]]]);
    expect(JSON.parse(JSON.stringify(layers[3]!.inbound_nodes))).toEqual([[['mha', 0, 0, {}], ['h', 0, 0, { call_arg: 'initial_state', call_arg_index: 0 }], ['h', 0, 0, { call_arg: 'initial_state', call_arg_index: 1 }]]]);
  });
});
