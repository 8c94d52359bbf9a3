// The sequence layers (Embedding, Masking, RepeatVector, Permute, TimeDistributed, Conv1D,
// MaxPooling1D, AveragePooling1D, GlobalAveragePooling1D, GlobalMaxPooling1D) in the TF.js
// layers format, both ways:
// - tensorkit writes, TF.js's loadLayersModel reads: same predictions, same weights by name
//   (TimeDistributed's inner weights are '<wrapper>/kernel' in the file, as TF.js names them);
// - TF.js builds and saves (withSaveHandler), tk.loadModel reads: same predictions, and the
//   nested `layer` entry of TimeDistributed is read as a layer;
// - what TF.js lacks or computes differently (the masked mean of GlobalAveragePooling1D, Keras 3
//   keepdims) round-trips tensorkit → files → tensorkit.

import * as tf from '@tensorflow/tfjs';
import { beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import * as tk from '../../src/index.js';
import { randomizeWeights, tfjsArtifacts, toTf } from './tfjs_helpers.js';
import { maxAbsDiff, readSavedDirectory, tempDir } from './helpers.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});
beforeEach(() => tk.clearSession());

const L = tk.layers;

/** Token ids in [0, vocab): whole numbers as float32, some 0s (padding). */
function ids(shape: number[], vocab: number, seed: number): tk.Tensor {
  return tk.floor(tk.randomUniform(shape, { minval: 0, maxval: vocab, seed }));
}

type Case = [string, () => tk.layers.Layer[], () => tk.Tensor];

const CASES: Case[] = [
  ['Embedding → Flatten → Dense', () => [new L.Embedding(12, 4, { inputShape: [6] }), new L.Flatten(), new L.Dense(3)], () => ids([4, 6], 12, 1)],
  ['Embedding → TimeDistributed(Dense) → GlobalMaxPooling1D', () => [
    new L.Embedding(9, 5, { inputShape: [7] }),
    new L.TimeDistributed(new L.Dense(3, { activation: 'tanh' })),
    new L.GlobalMaxPooling1D(),
  ], () => ids([3, 7], 9, 2)],
  // TF.js has no 'causal' padding (its conv1d throws NotImplementedError): that case is below.
  ['Conv1D (same, dilation 2) → MaxPooling1D → Conv1D (same, stride 2) → AveragePooling1D → GlobalAveragePooling1D', () => [
    new L.Conv1D(4, 3, { padding: 'same', dilationRate: 2, activation: 'relu', inputShape: [12, 3] }),
    new L.MaxPooling1D(2),
    new L.Conv1D(5, 2, { padding: 'same', strides: 2 }),
    new L.AveragePooling1D(2, { strides: 1, padding: 'same' }),
    new L.GlobalAveragePooling1D(),
  ], () => tk.randomNormal([2, 12, 3], { seed: 3 })],
  ['Dense → RepeatVector → Permute → Conv1D (valid, stride 2)', () => [
    new L.Dense(4, { inputShape: [3] }),
    new L.RepeatVector(5),
    new L.Permute([2, 1]),
    new L.Conv1D(2, 2, { strides: 2 }),
  ], () => tk.randomNormal([3, 3], { seed: 4 })],
  ['Masking (value 0.5) → TimeDistributed(Dense) (unmasked data)', () => [new L.Masking({ maskValue: 0.5, inputShape: [4, 3] }), new L.TimeDistributed(new L.Dense(2))], () => tk.randomNormal([2, 4, 3], { seed: 5 })],
];

describe('tensorkit → TF.js: the sequence layers', () => {
  for (const [name, make, data] of CASES) {
    it(`${name}: TF.js loads what tensorkit writes and predicts the same, with the same weights by name`, async () => {
      const model = new tk.Sequential(make());
      randomizeWeights(model, 3);
      const tfModel = await tf.loadLayersModel(tf.io.fromMemory(model.toArtifacts() as tf.io.ModelArtifacts));
      expect(tfModel.layers.map((l) => l.getClassName())).toEqual(model.layers.map((l) => l.getClassName()));
      const x = data();
      const ours = model.predict(x) as tk.Tensor;
      const theirs = tfModel.predict(toTf(x)) as tf.Tensor;
      expect(theirs.shape).toEqual(ours.shape);
      expect(maxAbsDiff(ours.data, theirs.dataSync()), name).toBeLessThan(1e-5);
      // Every TF.js weight holds the values of the tensorkit weight the file names it after.
      const files = new Map(model.toArtifacts().weightSpecs!.map((s, i) => [s.name, model.weights[i]!]));
      expect(tfModel.weights.length).toBe(model.weights.length);
      for (const w of tfModel.weights) {
        expect(files.has(w.originalName), w.originalName).toBe(true);
        expect(Array.from(w.read().dataSync()), w.originalName).toEqual(Array.from(files.get(w.originalName)!.data));
      }
    });
  }

  it("TimeDistributed's inner weights: Keras 3's variable names, TF.js's file names", () => {
    const model = new tk.Sequential([new L.TimeDistributed(new L.Dense(2, { name: 'proj' }), { inputShape: [3, 4], name: 'td' })]);
    expect(model.weights.map((w) => w.name)).toEqual(['proj/kernel', 'proj/bias']);
    expect(model.toArtifacts().weightSpecs!.map((s) => s.name)).toEqual(['td/kernel', 'td/bias']);
    const topology = model.toArtifacts().modelTopology as { config: { layers: { config: Record<string, unknown> }[] } };
    const inner = topology.config.layers[0]!.config.layer as { class_name: string; config: Record<string, unknown> };
    expect(inner.class_name).toBe('Dense');
    expect(inner.config).toMatchObject({ name: 'proj', units: 2, use_bias: true, activation: 'linear' });
  });

  it('a functional text model (Embedding, Conv1D, GlobalMaxPooling1D, Dense) loads in TF.js and predicts the same', async () => {
    const tokens = tk.input({ shape: [10] });
    const h = new L.Conv1D(6, 3, { activation: 'relu', padding: 'same' }).apply(new L.Embedding(20, 8).apply(tokens));
    const out = new L.Dense(2, { activation: 'softmax' }).apply(new L.GlobalMaxPooling1D().apply(h));
    const model = tk.model({ inputs: tokens, outputs: out });
    randomizeWeights(model, 11);
    const tfModel = await tf.loadLayersModel(tf.io.fromMemory(model.toArtifacts() as tf.io.ModelArtifacts));
    const x = ids([4, 10], 20, 9);
    expect(maxAbsDiff((model.predict(x) as tk.Tensor).data, (tfModel.predict(toTf(x)) as tf.Tensor).dataSync())).toBeLessThan(1e-5);
  });
});

describe('TF.js → tensorkit: the sequence layers', () => {
  const tfCases: [string, () => tf.layers.Layer[], () => tk.Tensor][] = [
    ['embedding (inputLength, maskZero) → timeDistributed(dense) → globalAveragePooling1d (unmasked ids)', () => [
      tf.layers.embedding({ inputDim: 10, outputDim: 4, inputLength: 5, maskZero: false }),
      tf.layers.timeDistributed({ layer: tf.layers.dense({ units: 3, activation: 'relu' }) }),
      tf.layers.globalAveragePooling1d({}),
    ], () => ids([3, 5], 10, 1)],
    ['conv1d (valid, dilation 3), maxPooling1d (same), conv1d (stride 2), averagePooling1d, globalMaxPooling1d', () => [
      tf.layers.conv1d({ filters: 3, kernelSize: 2, dilationRate: 3, inputShape: [11, 2] }),
      tf.layers.maxPooling1d({ poolSize: 3, strides: 2, padding: 'same' }),
      tf.layers.conv1d({ filters: 4, kernelSize: 2, strides: 2, activation: 'tanh' }),
      tf.layers.averagePooling1d({ poolSize: 2, strides: 1 }),
      tf.layers.globalMaxPooling1d({}),
    ], () => tk.randomNormal([2, 11, 2], { seed: 2 })],
    ['dense, repeatVector, permute, masking', () => [
      tf.layers.dense({ units: 3, inputShape: [2] }),
      tf.layers.repeatVector({ n: 4 }),
      tf.layers.permute({ dims: [2, 1] }),
      tf.layers.masking({ maskValue: 7 }),
    ], () => tk.randomNormal([3, 2], { seed: 3 })],
  ];

  for (const [name, make, data] of tfCases) {
    it(`${name}: a TF.js model's artifacts load and predict the same`, async () => {
      const tfModel = tf.sequential({ layers: make() });
      tfModel.setWeights(tfModel.getWeights().map((w, i) => tf.randomNormal(w.shape, 0, 0.3, 'float32', 100 + i)));
      const model = await tk.loadModel(await tfjsArtifacts(tfModel));
      expect(model.layers.map((l) => l.getClassName())).toEqual(tfModel.layers.map((l) => l.getClassName()));
      const x = data();
      expect(maxAbsDiff((model.predict(x) as tk.Tensor).data, (tfModel.predict(toTf(x)) as tf.Tensor).dataSync()), name).toBeLessThan(1e-5);
    });
  }

  it("TF.js's Embedding config (input_length, embeddings_constraint null, mask_zero) and TimeDistributed's nested layer are read as such", async () => {
    const tfModel = tf.sequential({
      layers: [
        tf.layers.embedding({ inputDim: 6, outputDim: 2, inputLength: 3, maskZero: true, name: 'emb' }),
        tf.layers.timeDistributed({ layer: tf.layers.dense({ units: 2, name: 'inner' }), name: 'td' }),
      ],
    });
    const artifacts = await tfjsArtifacts(tfModel);
    const topology = artifacts.modelTopology as { config: { layers: { class_name: string; config: Record<string, unknown> }[] } };
    expect(topology.config.layers[0]!.config).toMatchObject({ input_length: 3, mask_zero: true, embeddings_constraint: null });
    expect((topology.config.layers[1]!.config.layer as { class_name: string }).class_name).toBe('Dense');
    expect(artifacts.weightSpecs!.map((s) => s.name)).toEqual(['emb/embeddings', 'td/kernel', 'td/bias']);
    const model = await tk.loadModel(artifacts);
    const emb = model.getLayer('emb') as tk.layers.Embedding;
    expect([emb.inputDim, emb.outputDim, emb.maskZero, emb.inputLength]).toEqual([6, 2, true, 3]);
    const td = model.getLayer('td') as tk.layers.TimeDistributed;
    expect(td.layer.name).toBe('inner');
    expect(td.layer.getClassName()).toBe('Dense');
    // The mask of id 0 flows through TimeDistributed in both libraries.
    const x = tk.tensor([[1, 0, 5], [0, 0, 2]]);
    const y = model.predict(x) as tk.Tensor;
    expect(maxAbsDiff(y.data, (tfModel.predict(toTf(x)) as tf.Tensor).dataSync())).toBeLessThan(1e-6);
    expect(tk.layers.maskOf(model.getLayer('td').apply(emb.apply(x)) as tk.Tensor)?.toArray()).toEqual([[1, 0, 1], [0, 0, 1]]);
  });

  it("a non-null constraint in a TF.js config is refused, naming the layer and the option", async () => {
    const tfModel = tf.sequential({ layers: [tf.layers.conv1d({ filters: 2, kernelSize: 2, inputShape: [4, 1] })] });
    const artifacts = await tfjsArtifacts(tfModel);
    const topology = JSON.parse(JSON.stringify(artifacts.modelTopology)) as { config: { layers: { config: Record<string, unknown> }[] } };
    topology.config.layers[0]!.config.kernel_constraint = { class_name: 'NonNeg', config: {} };
    await expect(tk.loadModel({ ...artifacts, modelTopology: topology } as never)).rejects.toThrow(/Conv1D: the option 'kernel_constraint'.*is not supported by tensorkit/);
    const tfEmb = tf.sequential({ layers: [tf.layers.embedding({ inputDim: 4, outputDim: 2, inputLength: 2 })] });
    const embArtifacts = await tfjsArtifacts(tfEmb);
    const embTopology = JSON.parse(JSON.stringify(embArtifacts.modelTopology)) as typeof topology;
    embTopology.config.layers[0]!.config.embeddings_constraint = { class_name: 'NonNeg', config: {} };
    await expect(tk.loadModel({ ...embArtifacts, modelTopology: embTopology } as never)).rejects.toThrow(/Embedding.*embeddingsConstraint is not supported/);
  });
});

describe('tensorkit → files → tensorkit: what TF.js computes differently', () => {
  it("Conv1D with 'causal' padding (TF.js cannot run it): the file says 'causal', and the model comes back the same", async () => {
    const model = new tk.Sequential([
      new L.Conv1D(3, 3, { padding: 'causal', dilationRate: 2, inputShape: [9, 2] }),
      new L.Conv1D(2, 2, { padding: 'causal', strides: 2, activation: 'tanh' }),
    ]);
    randomizeWeights(model, 40);
    const dir = tempDir();
    await model.save(dir);
    const { json } = readSavedDirectory(dir);
    const layers = (json.modelTopology as { config: { layers: { config: Record<string, unknown> }[] } }).config.layers;
    expect(layers.map((l) => [l.config.padding, l.config.dilation_rate, l.config.strides])).toEqual([['causal', [2], [1]], ['causal', [1], [2]]]);
    const back = await tk.loadModel(dir);
    expect(back.layers.map((l) => l.getConfig())).toEqual(model.layers.map((l) => l.getConfig()));
    const x = tk.randomNormal([2, 9, 2], { seed: 41 });
    expect(maxAbsDiff((back.predict(x) as tk.Tensor).data, (model.predict(x) as tk.Tensor).data)).toBe(0);
  });

  it("GlobalAveragePooling1D's masked mean after Embedding(maskZero), keepdims, channels_first pooling: same configs and predictions", async () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    const model = new tk.Sequential([
      new L.Embedding(8, 3, { maskZero: true, inputShape: [5] }),
      new L.GlobalAveragePooling1D({ keepdims: true }),
      new L.MaxPooling1D(1, { dataFormat: 'channels_first' }),
    ]);
    randomizeWeights(model, 20);
    const dir = tempDir();
    await model.save(dir);
    const { json } = readSavedDirectory(dir);
    const layers = (json.modelTopology as { config: { layers: { config: Record<string, unknown> }[] } }).config.layers;
    expect(layers[0]!.config).toMatchObject({ mask_zero: true, input_dim: 8, output_dim: 3 });
    expect(layers[1]!.config.keepdims).toBe(true);
    expect(layers[2]!.config.data_format).toBe('channels_first');
    const back = await tk.loadModel(dir);
    expect(back.layers.map((l) => l.getConfig())).toEqual(model.layers.map((l) => l.getConfig()));
    const x = tk.tensor([[1, 2, 0, 0, 0], [3, 0, 3, 0, 7]]);
    const y = back.predict(x) as tk.Tensor;
    expect(maxAbsDiff(y.data, (model.predict(x) as tk.Tensor).data)).toBe(0);
    // The masked mean, by hand: sample 0 averages rows 1, 2; sample 1 rows 3, 3, 7.
    const table = (back.getLayer({ index: 0 }) as tk.layers.Embedding).embeddings!.toArray() as number[][];
    const expected = [[1, 2], [3, 3, 7]].map((rows) => [0, 1, 2].map((j) => rows.reduce((s, r) => s + table[r]![j]!, 0) / rows.length));
    expect(maxAbsDiff(y.data, expected.flat())).toBeLessThan(1e-6);
    warn.mockRestore();
  });
});
