// The normalization, noise, activation and preprocessing layers in the TF.js layers format, both
// ways, wherever TF.js 4.22 has the layer (LayerNormalization, GaussianNoise, GaussianDropout,
// AlphaDropout, PReLU, ELU, ThresholdedReLU, Rescaling, Resizing, CenterCrop, CategoryEncoding):
// - tensorkit writes, TF.js's loadLayersModel reads: same classes, same predictions (the noise
//   layers are the identity at predict), the same weights by name;
// - TF.js builds and saves (withSaveHandler), tk.loadModel reads: same predictions;
// - Resizing: TF.js aligns corners where Keras 3 (and tensorkit) use half-pixel centres, so the
//   values differ by design; the config loads both ways;
// - what TF.js lacks (GroupNormalization, UnitNormalization, Identity, Normalization, ELU with
//   alpha ≠ 1) round-trips tensorkit → TF.js directory → tensorkit.

import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import * as tk from '../../src/index.js';
import { randomizeWeights, tfjsArtifacts, toTf } from './tfjs_helpers.js';
import { maxAbsDiff, tempDir } from './helpers.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const L = tk.layers;

/** Integer ids in [0, 5) for CategoryEncoding. */
const ids = (): tk.Tensor => tk.tensor([[0, 1, 1, 4], [3, 3, 2, 0]]);

const CASES: [string, () => tk.layers.Layer[], (() => tk.Tensor)?][] = [
  ['LayerNormalization (axis -1 and axes [1, 2]), Dense', () => [
    new L.LayerNormalization({ epsilon: 0.01, inputShape: [3, 4] }),
    new L.LayerNormalization({ axis: [1, 2] }),
    new L.Dense(2),
  ]],
  ['PReLU (sharedAxes [1]), ELU, ThresholdedReLU', () => [
    new L.PReLU({ sharedAxes: [1], inputShape: [3, 4] }),
    new L.ELU(),
    new L.ThresholdedReLU({ theta: 0.1 }),
  ]],
  ['GaussianNoise, GaussianDropout, AlphaDropout (identity at predict), Rescaling', () => [
    new L.GaussianNoise(0.5, { inputShape: [5] }),
    new L.GaussianDropout(0.3),
    new L.AlphaDropout(0.2),
    new L.Rescaling({ scale: 2, offset: -0.5 }),
    new L.Dense(3),
  ]],
  // TF.js's CenterCrop, CategoryEncoding and Resizing write their output sizes into the input shape
  // they are given (computeOutputShape mutates it): after an InputLayer, or a layer that passes its
  // shape on (Activation), they would corrupt the model's input shape, so a Reshape (a fresh shape) comes first.
  ['CenterCrop (even margins), Rescaling', () => [new L.Reshape([6, 6, 2], { inputShape: [6, 6, 2] }), new L.CenterCrop(2, 4), new L.Rescaling({ scale: 0.5 })]],
  ['CategoryEncoding count', () => [new L.Reshape([4], { inputShape: [4] }), new L.CategoryEncoding({ numTokens: 5, outputMode: 'count' })], ids],
  ['CategoryEncoding multi_hot', () => [new L.Reshape([4], { inputShape: [4] }), new L.CategoryEncoding({ numTokens: 5 })], ids],
];

describe('tensorkit → TF.js: normalization, noise, activation and preprocessing layers', () => {
  for (const [name, make, data] of CASES) {
    it(`${name}: TF.js loads what tensorkit writes and predicts the same, with the same weights by name`, async () => {
      const model = new tk.Sequential(make());
      randomizeWeights(model, 3);
      const tfModel = await tf.loadLayersModel(tf.io.fromMemory(model.toArtifacts() as tf.io.ModelArtifacts));
      expect(tfModel.layers.map((l) => l.getClassName())).toEqual(model.layers.map((l) => l.getClassName()));
      const x = data?.() ?? tk.randomNormal([2, ...(model.layers[0]!.batchInputShape!.slice(1) as number[])], { seed: 7 });
      expect(maxAbsDiff(model.predict(x).data, (tfModel.predict(toTf(x)) as tf.Tensor).dataSync()), name).toBeLessThan(1e-5);
      const ours = new Map(model.layers.flatMap((l) => l.weights.map((w) => [w.name, Array.from(w.data)] as const)));
      expect(tfModel.weights.length).toBe(ours.size);
      for (const w of tfModel.weights) expect(Array.from(w.read().dataSync()), w.originalName).toEqual(ours.get(w.originalName));
    });
  }

  it('Resizing: TF.js reads the config; its layer aligns corners, so only the corner values agree', async () => {
    const model = new tk.Sequential([new L.Reshape([3, 4, 1], { inputShape: [3, 4, 1] }), new L.Resizing(5, 7)]);
    const tfModel = await tf.loadLayersModel(tf.io.fromMemory(model.toArtifacts() as tf.io.ModelArtifacts));
    const tfResizing = tfModel.layers[1]!;
    expect(tfResizing.getConfig()).toMatchObject({ height: 5, width: 7, interpolation: 'bilinear', cropToAspectRatio: false });
    // TF.js's Resizing.call hands its input list to resizeBilinear, so tfModel.predict fails
    // inside TF.js; the layer applied to a tensor works.
    const x = tk.randomNormal([1, 3, 4, 1], { seed: 1 });
    const theirs = tfResizing.apply(toTf(x)) as tf.Tensor;
    expect(theirs.shape).toEqual([1, 5, 7, 1]);
    const ours = model.predict(x);
    expect(ours.data[0]).toBeCloseTo(theirs.dataSync()[0]!, 5);
    expect(maxAbsDiff(ours.data, theirs.dataSync())).toBeGreaterThan(1e-3);
  });
});

describe('TF.js → tensorkit: normalization, noise, activation and preprocessing layers', () => {
  const tfCases: [string, () => tf.layers.Layer[], number[], (() => tk.Tensor)?][] = [
    ['layerNormalization, dense', () => [tf.layers.layerNormalization({ epsilon: 0.01, inputShape: [3, 4] }), tf.layers.flatten(), tf.layers.dense({ units: 2 })], [3, 4]],
    ['prelu (sharedAxes), elu, thresholdedReLU', () => [
      tf.layers.prelu({ sharedAxes: [1], inputShape: [3, 4] }),
      tf.layers.elu(),
      tf.layers.thresholdedReLU({ theta: 0.2 }),
    ], [3, 4]],
    ['gaussianNoise, gaussianDropout, alphaDropout, rescaling', () => [
      tf.layers.gaussianNoise({ stddev: 0.5, inputShape: [5] }),
      tf.layers.gaussianDropout({ rate: 0.3 }),
      tf.layers.alphaDropout({ rate: 0.2 }),
      tf.layers.rescaling({ scale: 3, offset: 1 }),
    ], [5]],
    // A Reshape first: see the note on TF.js's computeOutputShape above.
    ['centerCrop', () => [tf.layers.reshape({ targetShape: [4, 6, 3], inputShape: [4, 6, 3] }), tf.layers.centerCrop({ height: 2, width: 2 })], [4, 6, 3]],
    ['categoryEncoding oneHot', () => [tf.layers.reshape({ targetShape: [1], inputShape: [1] }), tf.layers.categoryEncoding({ numTokens: 5, outputMode: 'oneHot' })], [1], () => tk.tensor([[3], [0]])],
    ['categoryEncoding count', () => [tf.layers.reshape({ targetShape: [4], inputShape: [4] }), tf.layers.categoryEncoding({ numTokens: 5, outputMode: 'count' })], [4], ids],
  ];

  for (const [name, make, shape, data] of tfCases) {
    it(`${name}: a TF.js model's artifacts load and predict the same`, async () => {
      const tfModel = tf.sequential({ layers: make() });
      tfModel.setWeights(tfModel.getWeights().map((w, i) => tf.randomNormal(w.shape, 0, 0.3, 'float32', 100 + i)));
      const model = await tk.loadModel(await tfjsArtifacts(tfModel));
      expect(model.layers.map((l) => l.getClassName())).toEqual(tfModel.layers.map((l) => l.getClassName()));
      const x = data?.() ?? tk.randomNormal([2, ...shape], { seed: 5 });
      expect(maxAbsDiff(model.predict(x).data, (tfModel.predict(toTf(x)) as tf.Tensor).dataSync()), name).toBeLessThan(1e-5);
    });
  }

  it("resizing: TF.js's config loads with the same output shape and options", async () => {
    const tfModel = tf.sequential({ layers: [tf.layers.reshape({ targetShape: [6, 6, 2], inputShape: [6, 6, 2] }), tf.layers.resizing({ height: 4, width: 3, interpolation: 'nearest' })] });
    const model = await tk.loadModel(await tfjsArtifacts(tfModel));
    expect(model.layers[1]!.getConfig()).toMatchObject({ height: 4, width: 3, interpolation: 'nearest', cropToAspectRatio: false });
    expect(model.predict(tk.zeros([1, 6, 6, 2])).shape).toEqual([1, 4, 3, 2]);
  });
});

describe('tensorkit → TF.js directory → tensorkit: the layers TF.js lacks', () => {
  it('GroupNormalization, UnitNormalization, Identity, ELU (alpha 0.5), an adapted Normalization: same configs and predictions', async () => {
    const norm = new L.Normalization({ inputShape: [4, 6] });
    norm.adapt(tk.randomNormal([8, 4, 6], { seed: 3, mean: 2, stddev: 3 }));
    const model = new tk.Sequential([
      norm,
      new L.GroupNormalization({ groups: 3, epsilon: 0.01 }),
      new L.UnitNormalization({ axis: [1, 2] }),
      new L.Identity(),
      new L.ELU({ alpha: 0.5 }),
    ]);
    model.layers[1]!.setWeights([tk.randomNormal([6], { seed: 1 }), tk.randomNormal([6], { seed: 2 })]);
    const dir = tempDir();
    await model.save(dir);
    const back = await tk.loadModel(dir);
    expect(back.layers.map((l) => l.getConfig())).toEqual(model.layers.map((l) => l.getConfig()));
    const x = tk.randomNormal([2, 4, 6], { seed: 8 });
    expect(maxAbsDiff(back.predict(x).data, model.predict(x).data)).toBe(0);
  });
});
