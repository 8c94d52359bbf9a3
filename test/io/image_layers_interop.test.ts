// The image layers (Conv2DTranspose, DepthwiseConv2D, SeparableConv2D, Conv3D, MaxPooling3D,
// AveragePooling3D, UpSampling2D, ZeroPadding2D, Cropping2D, SpatialDropout1D/2D) in the TF.js
// layers format, both ways:
// - tensorkit writes, TF.js's loadLayersModel reads: same predictions, same weights by name
//   (DepthwiseConv2D's kernel is 'depthwise_kernel' in the file, as TF.js names it);
// - TF.js builds and saves (withSaveHandler), tk.loadModel reads: same predictions;
// - what TF.js lacks or computes differently (SpatialDropout2D, bilinear UpSampling2D, output
//   padding and dilation of Conv2DTranspose) round-trips tensorkit → files → tensorkit;
// - a file naming DepthwiseConv2D's kernel as Keras 3 does ('…/kernel') loads too.

import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import * as tk from '../../src/index.js';
import { randomizeWeights, tfjsArtifacts, toTf } from './tfjs_helpers.js';
import { maxAbsDiff, readSavedDirectory, tempDir } from './helpers.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const L = tk.layers;

const CASES: [string, () => tk.layers.Layer[]][] = [
  ['Conv2DTranspose same stride 2, then valid', () => [
    new L.Conv2DTranspose(3, 3, { strides: 2, padding: 'same', activation: 'relu', inputShape: [5, 4, 2] }),
    new L.Conv2DTranspose(2, [2, 3], { strides: [2, 1] }),
  ]],
  ['Conv2DTranspose channels_first', () => [new L.Conv2DTranspose(2, 3, { strides: 2, padding: 'same', dataFormat: 'channels_first', inputShape: [3, 4, 4] })]],
  ['DepthwiseConv2D (depthMultiplier 2), SeparableConv2D', () => [
    new L.DepthwiseConv2D(3, { depthMultiplier: 2, padding: 'same', activation: 'relu6', inputShape: [6, 6, 3], depthwiseRegularizer: 'l2' }),
    new L.SeparableConv2D(4, 3, { strides: 2, depthMultiplier: 2, pointwiseInitializer: 'he_normal' }),
  ]],
  ['Conv3D, MaxPooling3D, AveragePooling3D', () => [
    new L.Conv3D(3, [2, 3, 3], { padding: 'same', activation: 'tanh', inputShape: [4, 6, 6, 2] }),
    new L.MaxPooling3D([1, 2, 2]),
    new L.AveragePooling3D(2, { padding: 'same' }),
  ]],
  ['UpSampling2D (nearest), ZeroPadding2D, Cropping2D', () => [
    new L.ZeroPadding2D({ padding: [[1, 0], [2, 1]], inputShape: [3, 4, 2] }),
    new L.UpSampling2D({ size: [2, 3] }),
    new L.Cropping2D({ cropping: [[1, 2], [3, 0]] }),
  ]],
  ['SpatialDropout1D (identity at predict)', () => [new L.SpatialDropout1D(0.3, { inputShape: [5, 4] }), new L.Dense(2)]],
];

describe('tensorkit → TF.js: the image layers', () => {
  for (const [name, make] of CASES) {
    it(`${name}: TF.js loads what tensorkit writes and predicts the same, with the same weights by name`, async () => {
      const model = new tk.Sequential(make());
      randomizeWeights(model, 3);
      const tfModel = await tf.loadLayersModel(tf.io.fromMemory(model.toArtifacts() as tf.io.ModelArtifacts));
      expect(tfModel.layers.map((l) => l.getClassName())).toEqual(model.layers.map((l) => l.getClassName()));
      const x = tk.randomNormal([2, ...(model.layers[0]!.batchInputShape!.slice(1) as number[])], { seed: 7 });
      expect(maxAbsDiff(model.predict(x).data, (tfModel.predict(toTf(x)) as tf.Tensor).dataSync()), name).toBeLessThan(1e-5);
      const ours = new Map(model.layers.flatMap((l) => l.weights.map((w) => [w.name, Array.from(w.data)] as const)));
      for (const w of tfModel.weights) {
        const own = w.originalName.replace('depthwise_conv2d/depthwise_kernel', 'depthwise_conv2d/kernel');
        expect(Array.from(w.read().dataSync()), w.originalName).toEqual(ours.get(own));
      }
    });
  }

  it('the file names DepthwiseConv2D\'s kernel as TF.js does; the variable keeps Keras 3\'s name', () => {
    const model = new tk.Sequential([new L.DepthwiseConv2D(3, { inputShape: [4, 4, 2], name: 'dw' })]);
    expect(model.weights.map((w) => w.name)).toEqual(['dw/kernel', 'dw/bias']);
    expect(model.toArtifacts().weightSpecs!.map((s) => s.name)).toEqual(['dw/depthwise_kernel', 'dw/bias']);
  });

  it('a functional decoder (Conv2D stride 2, Conv2DTranspose, Concatenate) loads in TF.js and predicts the same', async () => {
    const img = tk.input({ shape: [8, 8, 1] });
    const down = new L.Conv2D(4, 3, { strides: 2, padding: 'same', activation: 'relu' }).apply(img);
    const up = new L.Conv2DTranspose(4, 3, { strides: 2, padding: 'same', activation: 'relu' }).apply(down);
    const out = new L.Conv2D(1, 1, { activation: 'sigmoid' }).apply(new L.Concatenate().apply([up, img]));
    const model = tk.model({ inputs: img, outputs: out });
    randomizeWeights(model, 11);
    const tfModel = await tf.loadLayersModel(tf.io.fromMemory(model.toArtifacts() as tf.io.ModelArtifacts));
    const x = tk.randomNormal([3, 8, 8, 1], { seed: 1 });
    expect(maxAbsDiff(model.predict(x).data, (tfModel.predict(toTf(x)) as tf.Tensor).dataSync())).toBeLessThan(1e-5);
  });
});

describe('TF.js → tensorkit: the image layers', () => {
  const tfCases: [string, () => tf.layers.Layer[], number[]][] = [
    ['conv2dTranspose', () => [tf.layers.conv2dTranspose({ filters: 3, kernelSize: 3, strides: 2, padding: 'same', activation: 'relu', inputShape: [4, 5, 2] }), tf.layers.conv2dTranspose({ filters: 1, kernelSize: 2, strides: 2 })], [4, 5, 2]],
    ['depthwiseConv2d, separableConv2d', () => [
      tf.layers.depthwiseConv2d({ kernelSize: 3, depthMultiplier: 2, padding: 'same', inputShape: [6, 6, 2] }),
      // TF.js's SeparableConv2D config leaves out depthMultiplier (see the test below), so 1 here.
      tf.layers.separableConv2d({ filters: 3, kernelSize: 3, strides: 2, activation: 'relu' }),
    ], [6, 6, 2]],
    ['conv3d, maxPooling3d, averagePooling3d', () => [
      tf.layers.conv3d({ filters: 2, kernelSize: 2, padding: 'same', inputShape: [4, 4, 4, 1] }),
      tf.layers.maxPooling3d({ poolSize: 2 }),
      tf.layers.averagePooling3d({ poolSize: [1, 2, 2], strides: 1 }),
    ], [4, 4, 4, 1]],
    ['upSampling2d, zeroPadding2d, cropping2D', () => [
      tf.layers.zeroPadding2d({ padding: [[0, 1], [2, 2]], inputShape: [3, 3, 2] }),
      tf.layers.upSampling2d({ size: [2, 2] }),
      tf.layers.cropping2D({ cropping: [[1, 1], [2, 3]] }),
    ], [3, 3, 2]],
    ['spatialDropout1d', () => [tf.layers.spatialDropout1d({ rate: 0.25, inputShape: [6, 3] }), tf.layers.flatten(), tf.layers.dense({ units: 2 })], [6, 3]],
  ];

  for (const [name, make, shape] of tfCases) {
    it(`${name}: a TF.js model's artifacts load and predict the same`, async () => {
      const tfModel = tf.sequential({ layers: make() });
      tfModel.setWeights(tfModel.getWeights().map((w, i) => tf.randomNormal(w.shape, 0, 0.3, 'float32', 100 + i)));
      const model = await tk.loadModel(await tfjsArtifacts(tfModel));
      expect(model.layers.map((l) => l.getClassName())).toEqual(tfModel.layers.map((l) => l.getClassName()));
      const x = tk.randomNormal([2, ...shape], { seed: 5 });
      expect(maxAbsDiff(model.predict(x).data, (tfModel.predict(toTf(x)) as tf.Tensor).dataSync()), name).toBeLessThan(1e-5);
    });
  }
});

describe('tensorkit → files → tensorkit: what TF.js lacks or computes differently', () => {
  it('SpatialDropout2D, bilinear UpSampling2D, Conv2DTranspose with outputPadding and with dilation: same configs and predictions', async () => {
    const model = new tk.Sequential([
      new L.Conv2DTranspose(3, 3, { strides: 2, outputPadding: 1, inputShape: [4, 4, 2] }),
      new L.SpatialDropout2D(0.5, { seed: 3, dataFormat: 'channels_last' }),
      new L.UpSampling2D({ size: 2, interpolation: 'bilinear' }),
      new L.Conv2DTranspose(2, 3, { dilationRate: 2, padding: 'same' }),
    ]);
    randomizeWeights(model, 20);
    const dir = tempDir();
    await model.save(dir);
    const { json } = readSavedDirectory(dir);
    const layers = ((json.modelTopology as { config: { layers: { config: Record<string, unknown> }[] } }).config.layers);
    expect(layers[0]!.config.output_padding).toEqual([1, 1]);
    expect(layers[2]!.config.interpolation).toBe('bilinear');
    expect(layers[3]!.config.dilation_rate).toEqual([2, 2]);
    const back = await tk.loadModel(dir);
    expect(back.layers.map((l) => l.getConfig())).toEqual(model.layers.map((l) => l.getConfig()));
    const x = tk.randomNormal([2, 4, 4, 2], { seed: 8 });
    expect(maxAbsDiff(back.predict(x).data, model.predict(x).data)).toBe(0);
  });

  it("a file that names DepthwiseConv2D's kernel as Keras 3 does ('…/kernel') loads, by structure", async () => {
    const model = new tk.Sequential([new L.DepthwiseConv2D(3, { inputShape: [5, 5, 2] })]);
    randomizeWeights(model, 30);
    const artifacts = model.toArtifacts();
    artifacts.weightSpecs = artifacts.weightSpecs!.map((s) => ({ ...s, name: s.name.replace('depthwise_kernel', 'kernel') }));
    const back = await tk.loadModel(artifacts);
    const x = tk.randomNormal([1, 5, 5, 2], { seed: 2 });
    expect(maxAbsDiff(back.predict(x).data, model.predict(x).data)).toBe(0);
    // And loadWeights into a model whose layer is named differently matches by structure too.
    const other = new tk.Sequential([new L.DepthwiseConv2D(3, { inputShape: [5, 5, 2], name: 'renamed' })]);
    await other.loadWeights(model.toArtifacts());
    expect(maxAbsDiff(other.predict(x).data, model.predict(x).data)).toBe(0);
  });

  it("TF.js writes no depth_multiplier for SeparableConv2D: its weights then do not fit, and the error says so", async () => {
    const tfModel = tf.sequential({ layers: [tf.layers.separableConv2d({ filters: 2, kernelSize: 3, depthMultiplier: 2, inputShape: [5, 5, 3] })] });
    const artifacts = await tfjsArtifacts(tfModel);
    expect(JSON.stringify(artifacts.modelTopology)).not.toContain('depth_multiplier');
    await expect(tk.loadModel(artifacts)).rejects.toThrow(/weight '.*\/depthwise_kernel' has shape \[3, 3, 3, 2\] in the file, but the model's '.*' has shape \[3, 3, 3, 1\]/);
  });

  it("TF.js's depthwise_constraint / pointwise_constraint are read at their off value (null) and refused otherwise", async () => {
    const tfModel = tf.sequential({ layers: [tf.layers.separableConv2d({ filters: 2, kernelSize: 3, inputShape: [5, 5, 1] })] });
    const artifacts = await tfjsArtifacts(tfModel);
    await expect(tk.loadModel(artifacts)).resolves.toBeDefined();
    const topology = JSON.parse(JSON.stringify(artifacts.modelTopology)) as { config: { layers: { config: Record<string, unknown> }[] } };
    topology.config.layers[0]!.config.depthwise_constraint = { class_name: 'NonNeg', config: {} };
    await expect(tk.loadModel({ ...artifacts, modelTopology: topology } as never)).rejects.toThrow(/SeparableConv2D: the option 'depthwise_constraint'.*is not supported by tensorkit/);
  });
});
