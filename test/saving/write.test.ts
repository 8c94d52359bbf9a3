// What tensorkit writes, read by independent readers: the .keras zip's members (the zip reader
// is checked against Python's zipfile in test/formats/zip), its config.json against the Keras 3
// schema of keras-facts-2 §13.7 / §18 and keras-file-format §4, and every HDF5 file opened with
// libhdf5 itself (h5wasm): groups, datasets, dtypes, values and attributes where Keras puts them.

import path from 'node:path';
import { readFileSync } from 'node:fs';
import { beforeEach, describe, expect, it } from 'vitest';
import * as tk from '../../src/index.js';
import { readHdf5, writeHdf5 } from '../../src/formats/hdf5/index.js';
import { readStringList, stringListAttributes } from '../../src/saving/legacy_h5.js';
import { functionalModel, h5Attr, h5Keys, h5Values, memberText, randomizeWeights, sequentialCnn, tempDir, withH5wasm, zipMembers } from './helpers.js';

beforeEach(() => tk.clearSession());

/** Every key of a config entry at every depth, to compare with Keras 3's schema. */
function layerEntries(config: { config: { layers: Record<string, unknown>[] } }): Record<string, unknown>[] {
  return config.config.layers;
}

describe('a .keras file tensorkit writes', () => {
  it('is a zip of metadata.json, config.json and model.weights.h5, in that order, all stored', async () => {
    const dir = tempDir();
    const model = sequentialCnn();
    await model.save(path.join(dir, 'm.keras'));
    const members = zipMembers(path.join(dir, 'm.keras'));
    expect(members.map((m) => m.name)).toEqual(['metadata.json', 'config.json', 'model.weights.h5']);
    expect(members.map((m) => m.method)).toEqual(['stored', 'stored', 'stored']);
    const metadata = JSON.parse(memberText(members, 'metadata.json')) as Record<string, string>;
    expect(Object.keys(metadata)).toEqual(['keras_version', 'date_saved']);
    expect(metadata.keras_version).toMatch(/^3\.\d+\.\d+$/);
    expect(metadata.date_saved).toMatch(/^\d{4}-\d{2}-\d{2}@\d{2}:\d{2}:\d{2}$/);
  });

  it("has Keras 3's config.json: module, class_name, config, registered_name, build_config, compile_config", async () => {
    const dir = tempDir();
    const model = sequentialCnn();
    model.compile({ optimizer: new tk.optimizers.Adam({ learningRate: 0.002 }), loss: 'categorical_crossentropy', metrics: ['accuracy'] });
    await model.save(path.join(dir, 'm.keras'));
    const config = JSON.parse(memberText(zipMembers(path.join(dir, 'm.keras')), 'config.json'));
    expect(Object.keys(config).sort()).toEqual(['build_config', 'class_name', 'compile_config', 'config', 'module', 'registered_name']);
    expect(config).toMatchObject({ module: 'keras', class_name: 'Sequential', registered_name: null, build_config: { input_shape: [null, 8, 8, 2] } });
    expect(Object.keys(config.config).sort()).toEqual(['build_input_shape', 'dtype', 'layers', 'name', 'trainable']);
    expect(config.config.dtype).toEqual({ module: 'keras', class_name: 'DTypePolicy', config: { name: 'float32' }, registered_name: null });
    const layers = layerEntries(config);
    // Keras 3's Sequential lists its InputLayer, with batch_shape.
    expect(layers[0]).toEqual({ module: 'keras.layers', class_name: 'InputLayer', config: { batch_shape: [null, 8, 8, 2], dtype: 'float32', sparse: false, name: 'sequential_input' }, registered_name: null });
    expect(layers.map((l) => l.class_name)).toEqual(['InputLayer', 'Conv2D', 'MaxPooling2D', 'BatchNormalization', 'Flatten', 'Dropout', 'Dense']);
    for (const l of layers.slice(1)) {
      expect(l.module, String(l.class_name)).toBe('keras.layers');
      expect(l.registered_name).toBeNull();
      const c = l.config as Record<string, unknown>;
      expect(c.dtype).toEqual({ module: 'keras', class_name: 'DTypePolicy', config: { name: 'float32' }, registered_name: null });
      expect(c).not.toHaveProperty('batch_input_shape');
    }
    // build_config on every layer with weights, with the shape it was built for.
    expect(layers[1]!.build_config).toEqual({ input_shape: [null, 8, 8, 2] });
    expect(layers[3]!.build_config).toEqual({ input_shape: [null, 3, 3, 4] });
    expect(layers[6]!.build_config).toEqual({ input_shape: [null, 36] });
    const conv = layers[1]!.config as Record<string, unknown>;
    expect(Object.keys(conv).sort()).toEqual(['activation', 'activity_regularizer', 'bias_initializer', 'bias_regularizer', 'data_format', 'dilation_rate', 'dtype', 'filters',
      'kernel_initializer', 'kernel_regularizer', 'kernel_size', 'name', 'padding', 'strides', 'trainable', 'use_bias']);
    expect(conv.kernel_initializer).toEqual({ module: 'keras.initializers', class_name: 'GlorotUniform', config: { seed: null }, registered_name: null });
    expect(conv.data_format).toBe('channels_last');
    // An integer BatchNormalization axis, as Keras 3 writes it (and reads it with int()).
    expect((layers[3]!.config as Record<string, unknown>).axis).toBe(-1);
    expect(config.compile_config).toEqual({
      optimizer: { module: 'keras.optimizers', class_name: 'Adam', config: expect.objectContaining({ name: 'adam', learning_rate: 0.002, beta_1: 0.9, beta_2: 0.999, epsilon: 1e-7 }), registered_name: null },
      loss: 'categorical_crossentropy', loss_weights: null, metrics: ['accuracy'], weighted_metrics: null, run_eagerly: false, steps_per_execution: 1, jit_compile: false,
    });
  });

  it('writes functional graphs in Keras 3 form: dict calls, keras_history, bare triples, the +1 of nested Functionals', async () => {
    const dir = tempDir();
    const model = functionalModel();
    await model.save(path.join(dir, 'f.keras'));
    const config = JSON.parse(memberText(zipMembers(path.join(dir, 'f.keras')), 'config.json'));
    expect(config).toMatchObject({ module: 'keras.src.models.functional', class_name: 'Functional', registered_name: 'Functional', build_config: { input_shape: null } });
    expect(Object.keys(config.config).sort()).toEqual(['input_layers', 'layers', 'name', 'output_layers', 'trainable']);
    const byName = new Map(layerEntries(config).map((l) => [l.name as string, l]));
    expect(byName.get('a')).toMatchObject({ class_name: 'InputLayer', inbound_nodes: [] });
    expect(byName.get('a')).not.toHaveProperty('build_config');
    // The shared layer: two calls, each one dict with the tensor's keras_history.
    expect(byName.get('shared')!.inbound_nodes).toEqual([
      { args: [{ class_name: '__keras_tensor__', config: { shape: [null, 4], dtype: 'float32', keras_history: ['a', 0, 0] } }], kwargs: {} },
      { args: [{ class_name: '__keras_tensor__', config: { shape: [null, 4], dtype: 'float32', keras_history: ['b', 0, 0] } }], kwargs: {} },
    ]);
    // A merge takes one list argument; the second call of 'shared' is node 1.
    const add = byName.get('add')!.inbound_nodes as { args: unknown[][] }[];
    expect(add[0]!.args.length).toBe(1);
    expect((add[0]!.args[0] as { config: { keras_history: unknown } }[]).map((t) => t.config.keras_history)).toEqual([['shared', 0, 0], ['shared', 1, 0]]);
    // Nested models: a Sequential with its own InputLayer; a Functional called once (node 0 in keras_history).
    expect(byName.get('sequential')).toMatchObject({ module: 'keras', class_name: 'Sequential', registered_name: null });
    expect(byName.get('head')).toMatchObject({ module: 'keras.src.models.functional', class_name: 'Functional', registered_name: 'Functional', build_config: { input_shape: null } });
    expect(config.config.input_layers).toEqual([['a', 0, 0], ['b', 0, 0]]);
    // output_layers: the nested Functional's index written +1 (Keras 3 reads it back with -1).
    expect(config.config.output_layers).toEqual([['head', 1, 0], ['out2', 0, 0]]);
    const single = tk.input({ shape: [3] });
    const one = tk.model({ inputs: single, outputs: new tk.layers.Dense(2).apply(single) });
    await one.save(path.join(dir, 'one.keras'));
    const c1 = JSON.parse(memberText(zipMembers(path.join(dir, 'one.keras')), 'config.json'));
    // One tensor: a bare triple, as Keras 3 writes it.
    expect(typeof c1.config.input_layers[0]).toBe('string');
    expect(typeof c1.config.output_layers[0]).toBe('string');
  });

  it("model.weights.h5: Keras's layers/<snake class>[_k]/vars/<i>, empty vars for weightless layers, name attributes (h5wasm)", async () => {
    const dir = tempDir();
    const model = functionalModel();
    randomizeWeights(model, 5);
    model.compile({ optimizer: 'adam', loss: ['mse', 'mse'] });
    await model.fit([tk.randomNormal([4, 4], { seed: 1 }), tk.randomNormal([4, 4], { seed: 2 })], [tk.zeros([4, 3]), tk.zeros([4, 2])], { epochs: 1, verbose: 0 });
    await model.save(path.join(dir, 'f.keras'), { includeOptimizer: true });
    const weights = zipMembers(path.join(dir, 'f.keras')).find((m) => m.name === 'model.weights.h5')!.data;
    await withH5wasm(weights, (f) => {
      expect(h5Keys(f, '/')).toEqual(['layers', 'optimizer', 'vars']);
      expect(h5Attr(f, 'vars', 'name')).toBe(model.name);
      expect(h5Keys(f, 'vars')).toEqual([]);
      // Class names numbered per list, input layers included, in model.layers order.
      expect(h5Keys(f, 'layers')).toEqual(['add', 'concatenate', 'dense', 'dense_1', 'functional', 'input_layer', 'input_layer_1', 'sequential']);
      expect(h5Attr(f, 'layers/dense/vars', 'name')).toBe('shared');
      expect(h5Attr(f, 'layers/dense_1/vars', 'name')).toBe('out2');
      expect(h5Keys(f, 'layers/add/vars')).toEqual([]);
      expect(h5Keys(f, 'layers/input_layer/vars')).toEqual([]);
      expect(h5Keys(f, 'layers/sequential/layers')).toEqual(['batch_normalization', 'dense']);
      expect(h5Keys(f, 'layers/functional/layers')).toEqual(['dense', 'input_layer']);
      const check = (p: string, w: tk.Variable): void => {
        const d = h5Values(f, p);
        expect(d.shape, p).toEqual(w.shape);
        expect([d.type, d.size], `${p}: float32`).toEqual([1, 4]);
        expect(d.values, p).toEqual(Array.from(w.data));
      };
      const shared = model.getLayer('shared');
      check('layers/dense/vars/0', shared.weights[0]!);
      check('layers/dense/vars/1', shared.weights[1]!);
      const bn = (model.getLayer('sequential') as tk.Sequential).layers[1]!;
      bn.weights.forEach((w, i) => check(`layers/sequential/layers/batch_normalization/vars/${i}`, w));
      // optimizer/vars: the iteration (int64), the learning rate, then Adam's slots interleaved per variable.
      const opt = model.optimizer!;
      const state = opt.getWeights();
      expect(h5Attr(f, 'optimizer/vars', 'name')).toBe(opt.name);
      expect(h5Keys(f, 'optimizer/vars')!.length).toBe(state.length);
      const it0 = h5Values(f, 'optimizer/vars/0');
      expect([it0.type, it0.size, it0.shape, it0.values]).toEqual([0, 8, [], [1]]);
      expect(h5Values(f, 'optimizer/vars/1').values[0]).toBeCloseTo(0.001, 7);
      expect(state[2]!.name).toBe(`${model.trainableWeights[0]!.name}/momentum`);
      expect(state[3]!.name).toBe(`${model.trainableWeights[0]!.name}/velocity`);
      expect(h5Values(f, 'optimizer/vars/3').values).toEqual(Array.from(state[3]!.tensor.data));
    });
  });
});

describe('a legacy .h5 file tensorkit writes (h5wasm)', () => {
  it('has model_config, keras_version, backend, training_config and model_weights with layer_names in model order', async () => {
    const dir = tempDir();
    const model = sequentialCnn();
    randomizeWeights(model, 9);
    model.compile({ optimizer: 'sgd', loss: 'categorical_crossentropy', metrics: ['accuracy'] });
    await model.save(path.join(dir, 'm.h5'), { includeOptimizer: true });
    const bytes = new Uint8Array(readFileSync(path.join(dir, 'm.h5')));
    await withH5wasm(bytes, (f) => {
      expect(h5Keys(f, '/')).toEqual(['model_weights', 'optimizer_weights']);
      expect(h5Attr(f, '/', 'keras_version')).toMatch(/^3\./);
      expect(h5Attr(f, '/', 'backend')).toBe('tensorflow');
      const config = JSON.parse(h5Attr(f, '/', 'model_config') as string);
      // Legacy entries: class_name and config only; the InputLayer with batch_input_shape.
      expect(Object.keys(config).sort()).toEqual(['class_name', 'config']);
      expect(config.config.layers[0]).toEqual({ class_name: 'InputLayer', config: { batch_input_shape: [null, 8, 8, 2], dtype: 'float32', sparse: false, name: 'sequential_input' } });
      expect(config.config.layers[1].config.kernel_initializer).toEqual({ class_name: 'GlorotUniform', config: { seed: null } });
      expect(config.config.layers[3].config.axis).toBe(-1);
      expect(JSON.parse(h5Attr(f, '/', 'training_config') as string)).toMatchObject({ loss: 'categorical_crossentropy', metrics: ['accuracy'], optimizer_config: { class_name: 'SGD' } });
      // A Sequential's layer_names leave out the InputLayer, as Keras's model.layers.
      expect(h5Attr(f, 'model_weights', 'layer_names')).toEqual(model.layers.map((l) => l.name));
      expect(h5Keys(f, 'model_weights')).toEqual([...model.layers.map((l) => l.name), 'top_level_model_weights'].sort());
      for (const layer of model.layers) {
        const names = h5Attr(f, `model_weights/${layer.name}`, 'weight_names');
        if (layer.weights.length === 0) {
          // h5py's encoding of an empty list: a float64 array of length 0.
          expect(Array.from(names as Float64Array)).toEqual([]);
          continue;
        }
        expect(names).toEqual(layer.weights.map((w) => w.name));
        layer.weights.forEach((w) => {
          const d = h5Values(f, `model_weights/${layer.name}/${w.name}`);
          expect(d.shape).toEqual(w.shape);
          expect(d.values).toEqual(Array.from(w.data));
        });
      }
      const optNames = h5Attr(f, 'optimizer_weights', 'weight_names') as string[];
      expect(optNames[0]).toBe(`${model.optimizer!.name}/iteration`);
      expect(optNames.length).toBe(model.optimizer!.getWeights().length);
    });
  });

  it('lists the input layers of a functional model, and splits attributes over 64 KiB into layer_names0, layer_names1, ...', async () => {
    const dir = tempDir();
    const model = functionalModel();
    await model.save(path.join(dir, 'f.h5'));
    await withH5wasm(new Uint8Array(readFileSync(path.join(dir, 'f.h5'))), (f) => {
      expect(h5Attr(f, 'model_weights', 'layer_names')).toEqual(model.layers.map((l) => l.name));
      expect(model.layers.slice(0, 2).map((l) => l.name)).toEqual(['a', 'b']);
      // The nested Sequential's weights: trainable first, then the moving statistics (Keras's legacy order).
      const names = h5Attr(f, 'model_weights/sequential', 'weight_names') as string[];
      expect(names.slice(-2).map((n) => n.split('/').pop())).toEqual(['moving_mean', 'moving_variance']);
    });
    // 1,300 names of 60 bytes: 78,000 bytes, two pieces (numpy's array_split), as Keras writes them.
    const names = Array.from({ length: 1300 }, (_, i) => `layer_${String(i).padStart(4, '0')}_${'x'.repeat(49)}`);
    const attrs = stringListAttributes('layer_names', names);
    expect([...attrs.keys()]).toEqual(['layer_names0', 'layer_names1']);
    const bytes = writeHdf5({ attributes: attrs });
    await withH5wasm(bytes, (f) => {
      expect((h5Attr(f, '/', 'layer_names0') as string[]).length).toBe(650);
      expect([...(h5Attr(f, '/', 'layer_names0') as string[]), ...(h5Attr(f, '/', 'layer_names1') as string[])]).toEqual(names);
    });
    expect(readStringList(readHdf5(bytes), 'layer_names')).toEqual(names);
  });
});

describe('weights files tensorkit writes (h5wasm)', () => {
  it(".weights.h5 in Keras 3's layout; another .h5 name in tf.keras 2's weights-only layout", async () => {
    const dir = tempDir();
    const model = sequentialCnn();
    randomizeWeights(model, 3);
    await model.saveWeights(path.join(dir, 'w.weights.h5'));
    await withH5wasm(new Uint8Array(readFileSync(path.join(dir, 'w.weights.h5'))), (f) => {
      expect(h5Keys(f, '/')).toEqual(['layers', 'vars']);
      expect(h5Keys(f, 'layers')).toEqual(['batch_normalization', 'conv2d', 'dense', 'dropout', 'flatten', 'max_pooling2d']);
      expect(h5Values(f, 'layers/dense/vars/0').values).toEqual(Array.from(model.layers[5]!.weights[0]!.data));
    });
    await model.saveWeights(path.join(dir, 'w.h5'));
    await withH5wasm(new Uint8Array(readFileSync(path.join(dir, 'w.h5'))), (f) => {
      expect(h5Attr(f, '/', 'layer_names')).toEqual(model.layers.map((l) => l.name));
      expect(h5Values(f, 'conv2d/conv2d/kernel').values).toEqual(Array.from(model.layers[0]!.weights[0]!.data));
    });
    await expect(model.save(path.join(dir, 'x.weights.h5'))).rejects.toThrow(/saveWeights/);
    await expect(model.saveWeights(path.join(dir, 'x.keras'))).rejects.toThrow(/model\.save/);
  });
});
