// A .keras file as Keras 3 writes it for the normalization, noise, activation and preprocessing
// layers (every config key Keras 3's get_config writes, including the ones tensorkit accepts only
// at their off value: constraints null, antialias false, fill_mode 'constant', sparse false;
// LayerNormalization's axis as the sorted list Keras stores after build, rms_scaling false;
// Normalization's int64 `count`) loads, and predicts as the same weights in a model built in code
// (the oracle). No Python runs here; the HDF5 weights are written by libhdf5 itself (h5wasm).

import path from 'node:path';
import { writeFileSync } from 'node:fs';
import type { File as H5File, Group as H5Group } from 'h5wasm/node';
import { beforeEach, describe, expect, it } from 'vitest';
import * as tk from '../../src/index.js';
import { writeZip } from '../../src/formats/zip/index.js';
import { expectBitEqual, H5PY_LIBVER, h5Values, h5wasmFile, tempDir, withH5wasm, zipMembers } from './helpers.js';

beforeEach(() => tk.clearSession());

const enc = new TextEncoder();
const POLICY = { module: 'keras', class_name: 'DTypePolicy', config: { name: 'float32' }, registered_name: null };
const init = (name: string): Record<string, unknown> => ({ module: 'keras.initializers', class_name: name, config: {}, registered_name: null });

function values(shape: number[], seed: number, positive = false): Float32Array {
  const t = tk.randomNormal(shape, { seed, stddev: 0.5 });
  return positive ? tk.add(tk.abs(t), 0.5).data : t.data;
}

function vars(f: H5File, at: string, name: string, data: { shape: number[]; values: Float32Array | BigInt64Array }[]): void {
  let g = f.get('/') as H5Group;
  for (const part of at.split('/').filter((p) => p !== '')) g = (g.keys().includes(part) ? g.get(part) : g.create_group(part)) as H5Group;
  const v = g.create_group('vars');
  v.create_attribute('name', name);
  data.forEach((d, i) => v.create_dataset({ name: String(i), data: d.values, shape: d.shape }));
}

/** One Keras 3 layer entry of a Sequential. */
function entry(className: string, name: string, config: Record<string, unknown>, inputShape: (number | null)[]): Record<string, unknown> {
  return { module: 'keras.layers', class_name: className, registered_name: null, build_config: { input_shape: inputShape }, config: { name, trainable: true, dtype: POLICY, ...config } };
}

describe('Keras 3 .keras files: the normalization, noise, activation and preprocessing layers', () => {
  it('a Sequential of all of them loads and predicts as the oracle', async () => {
    const W = {
      ln: [{ shape: [6], values: values([6], 1) }, { shape: [6], values: values([6], 2) }],
      gn: [{ shape: [6], values: values([6], 3) }, { shape: [6], values: values([6], 4) }],
      prelu: [{ shape: [1, 6], values: values([1, 6], 5) }],
      normMean: { shape: [6], values: values([6], 6) },
      normVar: { shape: [6], values: values([6], 7, true) },
    };
    const config = {
      module: 'keras', class_name: 'Sequential', registered_name: null, build_config: { input_shape: [null, 8, 8, 6] },
      config: { name: 'sequential', trainable: true, dtype: POLICY, layers: [
        { module: 'keras.layers', class_name: 'InputLayer', registered_name: null, config: { batch_shape: [null, 8, 8, 6], dtype: 'float32', sparse: false, name: 'input_layer' } },
        entry('Rescaling', 'rescaling', { scale: 0.5, offset: 0.25 }, [null, 8, 8, 6]),
        entry('Resizing', 'resizing', { height: 6, width: 5, interpolation: 'bilinear', crop_to_aspect_ratio: false, pad_to_aspect_ratio: false, fill_mode: 'constant', fill_value: 0.0, antialias: false, data_format: 'channels_last' }, [null, 8, 8, 6]),
        entry('CenterCrop', 'center_crop', { height: 4, width: 4, data_format: 'channels_last' }, [null, 6, 5, 6]),
        entry('Reshape', 'reshape', { target_shape: [16, 6] }, [null, 4, 4, 6]),
        entry('Normalization', 'normalization', { axis: [-1], invert: false, mean: null, variance: null }, [null, 16, 6]),
        entry('LayerNormalization', 'layer_normalization', {
          axis: [2], epsilon: 0.001, center: true, scale: true, rms_scaling: false, beta_initializer: init('Zeros'), gamma_initializer: init('Ones'),
          beta_regularizer: null, gamma_regularizer: null, beta_constraint: null, gamma_constraint: null,
        }, [null, 16, 6]),
        entry('GroupNormalization', 'group_normalization', {
          groups: 2, axis: -1, epsilon: 0.001, center: true, scale: true, beta_initializer: init('Zeros'), gamma_initializer: init('Ones'),
          beta_regularizer: null, gamma_regularizer: null, beta_constraint: null, gamma_constraint: null,
        }, [null, 16, 6]),
        entry('UnitNormalization', 'unit_normalization', { axis: -1 }, [null, 16, 6]),
        entry('PReLU', 'p_re_lu', { alpha_initializer: init('Zeros'), alpha_regularizer: null, alpha_constraint: null, shared_axes: [1] }, [null, 16, 6]),
        entry('GaussianNoise', 'gaussian_noise', { stddev: 0.1, seed: null }, [null, 16, 6]),
        entry('GaussianDropout', 'gaussian_dropout', { rate: 0.1, seed: null }, [null, 16, 6]),
        entry('AlphaDropout', 'alpha_dropout', { rate: 0.1, seed: null, noise_shape: null }, [null, 16, 6]),
        entry('ELU', 'elu', { alpha: 0.5 }, [null, 16, 6]),
        entry('Identity', 'identity', {}, [null, 16, 6]),
      ] },
    };
    const weights = await h5wasmFile((f) => {
      vars(f, '', 'sequential', []);
      for (const n of ['rescaling', 'resizing', 'center_crop', 'reshape', 'unit_normalization', 'gaussian_noise', 'gaussian_dropout', 'alpha_dropout', 'elu', 'identity']) vars(f, `layers/${n}`, n, []);
      vars(f, 'layers/normalization', 'normalization', [W.normMean, W.normVar, { shape: [], values: BigInt64Array.of(0n) }]);
      vars(f, 'layers/layer_normalization', 'layer_normalization', W.ln);
      vars(f, 'layers/group_normalization', 'group_normalization', W.gn);
      vars(f, 'layers/p_re_lu', 'p_re_lu', W.prelu);
    }, H5PY_LIBVER);
    const file = path.join(tempDir(), 'norm.keras');
    writeFileSync(file, writeZip([
      { name: 'metadata.json', data: enc.encode(JSON.stringify({ keras_version: '3.10.0', date_saved: '2025-06-01@10:00:00' })) },
      { name: 'config.json', data: enc.encode(JSON.stringify(config)) },
      { name: 'model.weights.h5', data: weights },
    ]));
    const model = await tk.loadModel(file);

    const L = tk.layers;
    const oracle = new tk.Sequential([
      new L.Rescaling({ scale: 0.5, offset: 0.25, inputShape: [8, 8, 6] }), new L.Resizing(6, 5), new L.CenterCrop(4, 4), new L.Reshape([16, 6]),
      new L.Normalization(), new L.LayerNormalization({ axis: 2 }), new L.GroupNormalization({ groups: 2 }), new L.UnitNormalization(),
      new L.PReLU({ sharedAxes: [1] }), new L.GaussianNoise(0.1), new L.GaussianDropout(0.1), new L.AlphaDropout(0.1), new L.ELU({ alpha: 0.5 }), new L.Identity(),
    ]);
    oracle.setWeights([W.normMean, W.normVar, { shape: [], values: Float32Array.of(0) }, ...W.ln, ...W.gn, ...W.prelu].map((w) => new tk.Tensor(w.values as Float32Array, w.shape)));
    const x = tk.randomNormal([3, 8, 8, 6], { seed: 4 });
    expectBitEqual(oracle.predict(x), model.predict(x), 'predictions');
  });

  it("tensorkit writes Normalization's count as int64, as Keras declares it; mean and variance float32", async () => {
    const norm = new tk.layers.Normalization({ inputShape: [3] });
    norm.adapt(tk.tensor([[1, 2, 3], [3, 6, 9]]));
    const model = new tk.Sequential([norm]);
    const file = path.join(tempDir(), 'n.keras');
    await model.save(file);
    const weights = zipMembers(file).find((m) => m.name === 'model.weights.h5')!.data;
    await withH5wasm(weights, (f) => {
      const count = h5Values(f, 'layers/normalization/vars/2');
      expect([count.shape, count.type, count.size]).toEqual([[], 0, 8]); // H5T_INTEGER, 8 bytes
      const mean = h5Values(f, 'layers/normalization/vars/0');
      expect([mean.values, mean.type, mean.size]).toEqual([[2, 4, 6], 1, 4]);
    });
    const back = await tk.loadModel(file);
    expect(Array.from(back.getWeights()[1]!.data)).toEqual([1, 4, 9]);
  });
});
