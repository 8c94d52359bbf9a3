// The two Keras layouts of keras-file-format.md §5, as writer specs and as h5wasm builders:
// a Keras 3 `model.weights.h5` (layers/<path>/vars/<i>, optimizer/vars/<i>, a `name` attribute
// on each vars group) and a legacy `.h5` (model_weights/<layer>/<layer>/kernel:0 with
// layer_names, weight_names, model_config, keras_version, backend, training_config).

import type { File } from 'h5wasm/node';
import { fixedLengthStrings, type Hdf5Dtype, type Hdf5GroupSpec, type Hdf5NodeSpec } from '../../../src/formats/hdf5/index.js';

/** Seeded float32 values. */
export function floats(n: number, seed: number): Float32Array {
  let s = seed >>> 0;
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = (s / 2 ** 32 - 0.5) * 0.2;
  }
  return out;
}

const size = (shape: number[]): number => shape.reduce((a, b) => a * b, 1);

/** The variables of a small Keras 3 model: [group path, layer name, [shapes]]. */
export const KERAS3_LAYERS: [string, string, number[][]][] = [
  ['layers/conv2d', 'conv2d', [[3, 3, 1, 4], [4]]],
  ['layers/batch_normalization', 'batch_normalization', [[4], [4], [4], [4]]],
  ['layers/max_pooling2d', 'max_pooling2d', []],
  ['layers/flatten', 'flatten', []],
  ['layers/dropout', 'dropout', []],
  ['layers/dense', 'dense_3', [[36, 10], [10]]],
  ['layers/lstm/cell', 'lstm_cell', [[10, 32], [8, 32], [32]]],
  ['layers/dense_1', 'dense_4', [[8, 2], [2]]],
  ['layers/conv1d', 'conv1d', [[3, 2, 2], [2]]],
  ['layers/dense_2', 'dense_5', [[2, 2, 2, 2, 2], [2]]],
];

/** Adam slots for the trainable variables above, and the iteration counter and learning rate. */
function optimizerVariables(): Hdf5NodeSpec[] {
  const shapes = KERAS3_LAYERS.flatMap(([, , s]) => s);
  const vars: Hdf5NodeSpec[] = [
    { kind: 'dataset', shape: [], data: new BigInt64Array([12n]) },
    { kind: 'dataset', shape: [], data: new Float32Array([0.001]) },
  ];
  shapes.forEach((shape, i) => {
    vars.push({ kind: 'dataset', shape, data: floats(size(shape), 1000 + i) });
    vars.push({ kind: 'dataset', shape, data: floats(size(shape), 2000 + i) });
  });
  return vars;
}

/** A Keras 3 `model.weights.h5`, as a writer spec. */
export function keras3WeightsSpec(): Hdf5GroupSpec {
  const root: { children: Record<string, Hdf5NodeSpec> } = { children: { vars: { attributes: { name: 'sequential' } } } };
  const layers: Record<string, Hdf5NodeSpec> = {};
  KERAS3_LAYERS.forEach(([path, name, shapes], l) => {
    const vars: Record<string, Hdf5NodeSpec> = {};
    shapes.forEach((shape, i) => (vars[String(i)] = { kind: 'dataset', shape, data: floats(size(shape), 10 * l + i) }));
    // Nest the path below `layers`: 'layers/lstm/cell' → layers.lstm.children.cell.
    const parts = path.split('/').slice(1);
    let at = layers;
    for (const part of parts.slice(0, -1)) {
      at[part] ??= { children: { vars: { attributes: { name: part } } } };
      at = (at[part] as { children: Record<string, Hdf5NodeSpec> }).children;
    }
    at[parts[parts.length - 1]] = { children: { vars: { attributes: { name }, children: vars } } };
  });
  root.children.layers = { children: layers };
  const optimizer: Record<string, Hdf5NodeSpec> = {};
  optimizerVariables().forEach((v, i) => (optimizer[String(i)] = v));
  root.children.optimizer = { children: { vars: { attributes: { name: 'adam' }, children: optimizer } } };
  return root;
}

/** The same file, written by h5wasm. */
export function keras3WeightsWithH5wasm(f: File): void {
  f.create_group('vars').create_attribute('name', 'sequential');
  KERAS3_LAYERS.forEach(([path, name, shapes], l) => {
    const parts = path.split('/');
    let g = f.get('/') as ReturnType<File['create_group']>;
    for (const part of parts) g = (g.keys().includes(part) ? g.get(part) : g.create_group(part)) as typeof g;
    const vars = g.create_group('vars');
    vars.create_attribute('name', name);
    shapes.forEach((shape, i) => vars.create_dataset({ name: String(i), data: floats(size(shape), 10 * l + i), shape }));
  });
  const vars = f.create_group('optimizer').create_group('vars');
  vars.create_attribute('name', 'adam');
  optimizerVariables().forEach((v, i) => {
    const d = v as { shape: number[]; data: Float32Array | BigInt64Array };
    vars.create_dataset({ name: String(i), data: d.data, shape: d.shape });
  });
}

const ascii = (n: number): Hdf5Dtype => ({ class: 'string', size: n, charset: 'ascii', padding: 'null-padded' });
const vlenAscii: Hdf5Dtype = { class: 'string', size: 'variable', charset: 'ascii', padding: 'null-terminated' };

/** The model config of the legacy file: long enough to look like a real one (about 15 KB). */
export const MODEL_CONFIG = JSON.stringify({
  class_name: 'Sequential',
  config: { name: 'sequential', layers: Array.from({ length: 60 }, (_, i) => ({ class_name: 'Dense', config: { name: `dense_${i}`, units: 8, activation: 'relu', use_bias: true, kernel_initializer: { class_name: 'GlorotUniform', config: { seed: null } } } })) },
});

/** The layers of the legacy file: [name, [[weight name, shape]]]. */
export const LEGACY_LAYERS: [string, [string, number[]][]][] = [
  ['dense', [['dense/kernel:0', [4, 8]], ['dense/bias:0', [8]]]],
  ['dropout', []],
  ['lstm', [['lstm/lstm_cell/kernel:0', [8, 16]], ['lstm/lstm_cell/recurrent_kernel:0', [4, 16]], ['lstm/lstm_cell/bias:0', [16]]]],
  ['dense_1', [['dense_1/kernel:0', [4, 2]], ['dense_1/bias:0', [2]]]],
];

/** A legacy tf.keras 2 `.h5`, as a writer spec: fixed-length layer and weight names, as tf.keras 2.4 writes. */
export function legacyH5Spec(): Hdf5GroupSpec {
  const modelWeights: Record<string, Hdf5NodeSpec> = {};
  LEGACY_LAYERS.forEach(([layer, weights], l) => {
    const group: { attributes: Record<string, unknown>; children: Record<string, Hdf5NodeSpec> } = { attributes: {}, children: {} };
    const names = weights.map(([n]) => n);
    // An empty weight list: h5py stores [] as an empty float64 array (fixedLengthStrings does too).
    group.attributes.weight_names = fixedLengthStrings(names);
    weights.forEach(([name, shape], i) => {
      const parts = name.split('/');
      let at = group.children;
      for (const part of parts.slice(0, -1)) {
        at[part] ??= { children: {} };
        at = (at[part] as { children: Record<string, Hdf5NodeSpec> }).children;
      }
      at[parts[parts.length - 1]] = { kind: 'dataset', shape, data: floats(size(shape), 100 * l + i) };
    });
    modelWeights[layer] = group as Hdf5GroupSpec;
  });
  const layerNames = LEGACY_LAYERS.map(([n]) => n);
  return {
    attributes: {
      keras_version: '2.4.0',
      backend: 'tensorflow',
      model_config: { data: [MODEL_CONFIG], shape: [], dtype: vlenAscii },
      training_config: { data: ['{"loss": "mse"}'], shape: [], dtype: vlenAscii },
    },
    children: {
      model_weights: {
        attributes: { layer_names: fixedLengthStrings(layerNames), backend: { data: ['tensorflow'], shape: [], dtype: vlenAscii }, keras_version: { data: ['2.4.0'], shape: [], dtype: vlenAscii } },
        children: modelWeights,
      },
      optimizer_weights: {
        attributes: { weight_names: { data: ['Adam/iter:0'], dtype: ascii(11) } },
        children: { Adam: { children: { 'iter:0': { kind: 'dataset', shape: [], data: new BigInt64Array([5n]) } } } },
      },
    },
  };
}

/** The same layout written by h5wasm, with the string encodings h5wasm has: 'A<n>' fixed ASCII and variable-length UTF-8. */
export function legacyH5WithH5wasm(f: File): void {
  f.create_attribute('keras_version', '2.4.0');
  f.create_attribute('backend', 'tensorflow');
  f.create_attribute('model_config', MODEL_CONFIG);
  const mw = f.create_group('model_weights');
  const names = LEGACY_LAYERS.map(([n]) => n);
  mw.create_attribute('layer_names', names, null, `A${Math.max(...names.map((n) => n.length))}`);
  LEGACY_LAYERS.forEach(([layer, weights], l) => {
    const g = mw.create_group(layer);
    if (weights.length === 0) g.create_attribute('weight_names', new Float64Array(0), [0]);
    else g.create_attribute('weight_names', weights.map(([n]) => n));
    weights.forEach(([name, shape], i) => {
      const parts = name.split('/');
      let at = g;
      for (const part of parts.slice(0, -1)) at = (at.keys().includes(part) ? at.get(part) : at.create_group(part)) as typeof g;
      at.create_dataset({ name: parts[parts.length - 1], data: floats(size(shape), 100 * l + i), shape });
    });
  });
}
