// The sequence layers in Keras 3's own `.keras` layout. No Python runs here: the config is
// written as Keras 3.10's get_config writes these layers (keras/src/layers/core/embedding.py,
// rnn/time_distributed.py with core/wrapper.py, convolutional/base_conv.py,
// pooling/base_global_pooling.py, reshaping/repeat_vector.py, permute.py), TimeDistributed's
// `layer` a serialized Keras object (module, class_name, config, registered_name,
// build_config), and the weights where Keras 3's saver puts them: a wrapped layer under the
// attribute that holds it (`layers/time_distributed/layer/vars/0`). tensorkit's own .keras
// writer is checked to put them there too.

import path from 'node:path';
import { writeFileSync } from 'node:fs';
import type { File as H5File, Group as H5Group } from 'h5wasm/node';
import { beforeEach, describe, expect, it } from 'vitest';
import * as tk from '../../src/index.js';
import { writeZip } from '../../src/formats/zip/index.js';
import { expectBitEqual, H5PY_LIBVER, h5Keys, h5wasmFile, tempDir, withH5wasm, zipMembers } from './helpers.js';

beforeEach(() => tk.clearSession());

const enc = new TextEncoder();
const POLICY = { module: 'keras', class_name: 'DTypePolicy', config: { name: 'float32' }, registered_name: null };
const glorot = { module: 'keras.initializers', class_name: 'GlorotUniform', config: { seed: null }, registered_name: null };
const zeros = { module: 'keras.initializers', class_name: 'Zeros', config: {}, registered_name: null };
const uniform = { module: 'keras.initializers', class_name: 'RandomUniform', config: { seed: null, minval: -0.05, maxval: 0.05 }, registered_name: null };

function values(shape: number[], seed: number): Float32Array {
  return tk.randomNormal(shape, { seed, stddev: 0.5 }).data;
}

function vars(f: H5File, at: string, name: string, data: { shape: number[]; values: Float32Array }[]): void {
  let g = f.get('/') as H5Group;
  for (const part of at.split('/').filter((p) => p !== '')) g = (g.keys().includes(part) ? g.get(part) : g.create_group(part)) as H5Group;
  const v = g.create_group('vars');
  v.create_attribute('name', name);
  data.forEach((d, i) => v.create_dataset({ name: String(i), data: d.values, shape: d.shape }));
}

const entry = (className: string, config: Record<string, unknown>, inputShape?: (number | null)[]): Record<string, unknown> => ({
  module: 'keras.layers', class_name: className, registered_name: null, config: { trainable: true, dtype: POLICY, ...config },
  ...(inputShape === undefined ? {} : { build_config: { input_shape: inputShape } }),
});

describe('Keras 3 .keras files with the sequence layers', () => {
  const W = {
    embeddings: { shape: [9, 4], values: values([9, 4], 1) },
    tdKernel: { shape: [4, 3], values: values([4, 3], 2) },
    tdBias: { shape: [3], values: values([3], 3) },
    convKernel: { shape: [2, 2, 5], values: values([2, 2, 5], 4) },
    convBias: { shape: [5], values: values([5], 5) },
  };
  // Input(6 ids) → Embedding(mask_zero) → TimeDistributed(Dense 3) → GlobalAveragePooling1D (masked) → RepeatVector(2) → Permute((2, 1)) → Conv1D(5, 2, causal).
  const config = {
    module: 'keras', class_name: 'Sequential', registered_name: null, build_config: { input_shape: [null, 6] },
    config: { name: 'sequential', trainable: true, dtype: POLICY, build_input_shape: [null, 6], layers: [
      { module: 'keras.layers', class_name: 'InputLayer', registered_name: null, config: { batch_shape: [null, 6], dtype: 'float32', sparse: false, ragged: false, name: 'input_layer' } },
      entry('Embedding', { name: 'embedding', input_dim: 9, output_dim: 4, embeddings_initializer: uniform, embeddings_regularizer: null, activity_regularizer: null,
        embeddings_constraint: null, mask_zero: true, quantization_config: null }, [null, 6]),
      entry('TimeDistributed', { name: 'time_distributed', layer: {
        module: 'keras.layers', class_name: 'Dense', registered_name: null, build_config: { input_shape: [null, 4] },
        config: { name: 'dense', trainable: true, dtype: POLICY, units: 3, activation: 'tanh', use_bias: true, kernel_initializer: glorot, bias_initializer: zeros,
          kernel_regularizer: null, bias_regularizer: null, kernel_constraint: null, bias_constraint: null },
      } }, [null, 6, 4]),
      entry('GlobalAveragePooling1D', { name: 'global_average_pooling1d', data_format: 'channels_last', keepdims: false }, [null, 6, 3]),
      entry('RepeatVector', { name: 'repeat_vector', n: 2 }, [null, 3]),
      entry('Permute', { name: 'permute', dims: [2, 1] }, [null, 2, 3]),
      entry('Conv1D', { name: 'conv1d', filters: 5, kernel_size: [2], strides: [1], padding: 'causal', data_format: 'channels_last', dilation_rate: [1], groups: 1,
        activation: 'relu', use_bias: true, kernel_initializer: glorot, bias_initializer: zeros, kernel_regularizer: null, bias_regularizer: null, activity_regularizer: null,
        kernel_constraint: null, bias_constraint: null }, [null, 3, 2]),
    ] },
    compile_config: null,
  };

  const oracle = (): tk.Sequential => {
    const m = new tk.Sequential([
      new tk.layers.Embedding(9, 4, { maskZero: true, inputShape: [6] }),
      new tk.layers.TimeDistributed(new tk.layers.Dense(3, 'tanh')),
      new tk.layers.GlobalAveragePooling1D(),
      new tk.layers.RepeatVector(2),
      new tk.layers.Permute([2, 1]),
      new tk.layers.Conv1D(5, 2, { padding: 'causal', activation: 'relu' }),
    ]);
    m.setWeights([W.embeddings, W.tdKernel, W.tdBias, W.convKernel, W.convBias].map((w) => new tk.Tensor(w.values, w.shape)));
    return m;
  };

  it('loads with the weights at Keras 3 paths (the wrapped Dense under time_distributed/layer) and predicts as the oracle', async () => {
    const weights = await h5wasmFile((f) => {
      vars(f, '', 'sequential', []);
      vars(f, 'layers/embedding', 'embedding', [W.embeddings]);
      vars(f, 'layers/time_distributed', 'time_distributed', []);
      vars(f, 'layers/time_distributed/layer', 'dense', [W.tdKernel, W.tdBias]);
      vars(f, 'layers/global_average_pooling1d', 'global_average_pooling1d', []);
      vars(f, 'layers/repeat_vector', 'repeat_vector', []);
      vars(f, 'layers/permute', 'permute', []);
      vars(f, 'layers/conv1d', 'conv1d', [W.convKernel, W.convBias]);
    }, H5PY_LIBVER);
    const file = path.join(tempDir(), 'seq.keras');
    writeFileSync(file, writeZip([
      { name: 'metadata.json', data: enc.encode(JSON.stringify({ keras_version: '3.10.0', date_saved: '2025-06-01@10:00:00' })) },
      { name: 'config.json', data: enc.encode(JSON.stringify(config)) },
      { name: 'model.weights.h5', data: weights },
    ]));
    const model = await tk.loadModel(file);
    expect(model.layers.map((l) => l.getClassName())).toEqual(['Embedding', 'TimeDistributed', 'GlobalAveragePooling1D', 'RepeatVector', 'Permute', 'Conv1D']);
    const td = model.layers[1] as tk.layers.TimeDistributed;
    expect([td.layer.getClassName(), td.layer.name]).toEqual(['Dense', 'dense']);
    expect((model.layers[0] as tk.layers.Embedding).maskZero).toBe(true);
    const ids = tk.tensor([[1, 2, 0, 0, 8, 0], [3, 3, 3, 3, 3, 3], [0, 0, 0, 0, 0, 5]]);
    expectBitEqual(oracle().predict(ids) as tk.Tensor, model.predict(ids) as tk.Tensor, 'predictions');
  });

  it("tensorkit's .keras writer puts the wrapped layer's weights at time_distributed/layer/vars and the config as Keras 3 reads it", async () => {
    const model = oracle();
    const file = path.join(tempDir(), 'out.keras');
    await model.save(file);
    const members = zipMembers(file);
    const configJson = JSON.parse(new TextDecoder().decode(members.find((m) => m.name === 'config.json')!.data)) as typeof config;
    const td = configJson.config.layers.find((l) => l.class_name === 'TimeDistributed') as { config: { layer: Record<string, unknown> } };
    expect(td.config.layer).toMatchObject({ module: 'keras.layers', class_name: 'Dense', registered_name: null, config: { name: expect.any(String), units: 3, activation: 'tanh' } });
    const conv = configJson.config.layers.find((l) => l.class_name === 'Conv1D') as { config: Record<string, unknown> };
    expect(conv.config).toMatchObject({ kernel_size: [2], strides: [1], dilation_rate: [1], padding: 'causal', data_format: 'channels_last' });
    const bytes = members.find((m) => m.name === 'model.weights.h5')!.data;
    await withH5wasm(bytes, (f) => {
      expect(h5Keys(f, 'layers/time_distributed/layer/vars')).toEqual(['0', '1']);
      expect(h5Keys(f, 'layers/embedding/vars')).toEqual(['0']);
      expect(h5Keys(f, 'layers/conv1d/vars')).toEqual(['0', '1']);
    });
  });
});
