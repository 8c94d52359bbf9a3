// Functional models side by side with TensorFlow.js (cpu backend): the same graph built with
// tf.input / tf.model and with tk.input / tk.model, the same weights copied layer by layer, gives
// the same predictions, the same gradients of the total loss, and the same weights after one SGD
// step of a two-output model; and files go both ways: a tensorkit functional model (nested
// models, a shared layer) loads in TF.js with tf.loadLayersModel and predicts the same, and a
// TF.js tf.model with branches loads in tensorkit and predicts the same.

import * as tf from '@tensorflow/tfjs';
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import * as tk from '../../src/index.js';
import { maxAbsDiff } from '../helpers/index.js';
import { randomTensor } from '../layers/helpers.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});
beforeEach(() => {
  tk.clearSession();
  tk.setSeed(99);
});

const toTf = (t: tk.Tensor): tf.Tensor => tf.tensor(Array.from(t.data), [...t.shape]);

/** Copies every layer's weights from tensorkit into the TF.js layer of the same name. */
function copyWeights(from: tk.Model, to: tf.LayersModel): void {
  for (const layer of from.layers) {
    if (layer.weights.length === 0) continue;
    to.getLayer(layer.name).setWeights(layer.getWeights().map(toTf));
  }
}

/**
 * Two inputs (a: [6], b: [4]); a residual Dense block on a; Concatenate with b; two heads:
 * 'price' (Dense 1) and 'kind' (Dense 3, softmax). Built in both libraries with the same names.
 */
function tkTwoHeads(): tk.Model<tk.Tensor[]> {
  const a = tk.input({ shape: [6], name: 'a' });
  const b = tk.input({ shape: [4], name: 'b' });
  const h = new tk.layers.Dense(6, { activation: 'relu', name: 'h' }).apply(a);
  const r = new tk.layers.Add({ name: 'res' }).apply([h, a]);
  const c = new tk.layers.Concatenate({ name: 'cat' }).apply([r, b]);
  const z = new tk.layers.Dense(5, { activation: 'tanh', name: 'z' }).apply(c);
  const price = new tk.layers.Dense(1, { name: 'price' }).apply(z);
  const kind = new tk.layers.Dense(3, { activation: 'softmax', name: 'kind' }).apply(z);
  const model = tk.model({ inputs: [a, b], outputs: [price, kind], name: 'heads' });
  // Random biases too, so every path carries a gradient.
  model.setWeights(model.weights.map((w, i) => (w.rank === 1 ? tk.randomNormal([...w.shape], { stddev: 0.3, seed: 300 + i }) : w)));
  return model;
}

function tfTwoHeads(): tf.LayersModel {
  const a = tf.input({ shape: [6], name: 'a' });
  const b = tf.input({ shape: [4], name: 'b' });
  const h = tf.layers.dense({ units: 6, activation: 'relu', name: 'h' }).apply(a) as tf.SymbolicTensor;
  const r = tf.layers.add({ name: 'res' }).apply([h, a]) as tf.SymbolicTensor;
  const c = tf.layers.concatenate({ name: 'cat' }).apply([r, b]) as tf.SymbolicTensor;
  const z = tf.layers.dense({ units: 5, activation: 'tanh', name: 'z' }).apply(c) as tf.SymbolicTensor;
  const price = tf.layers.dense({ units: 1, name: 'price' }).apply(z) as tf.SymbolicTensor;
  const kind = tf.layers.dense({ units: 3, activation: 'softmax', name: 'kind' }).apply(z) as tf.SymbolicTensor;
  return tf.model({ inputs: [a, b], outputs: [price, kind], name: 'heads' });
}

function batch(n: number): { xa: tk.Tensor; xb: tk.Tensor; yp: tk.Tensor; yk: tk.Tensor } {
  return {
    xa: randomTensor([n, 6], 1),
    xb: randomTensor([n, 4], 2),
    yp: randomTensor([n, 1], 3),
    yk: tk.oneHot(tk.tensor(Array.from({ length: n }, (_, i) => i % 3)), 3),
  };
}

describe('tensorkit vs TF.js, the same functional graph and weights', () => {
  it('the layers come in the same order, and the predictions agree', () => {
    const ours = tkTwoHeads();
    const theirs = tfTwoHeads();
    expect(ours.layers.map((l) => l.name)).toEqual(theirs.layers.map((l) => l.name));
    copyWeights(ours, theirs);
    const { xa, xb } = batch(7);
    const p = ours.predict([xa, xb]);
    const q = theirs.predict([toTf(xa), toTf(xb)]) as tf.Tensor[];
    p.forEach((t, i) => expect(maxAbsDiff(t.data, q[i]!.dataSync())).toBeLessThan(1e-5));
  });

  it('the gradients of the total loss (mse + categorical crossentropy) agree for every weight', () => {
    const ours = tkTwoHeads();
    const theirs = tfTwoHeads();
    copyWeights(ours, theirs);
    const { xa, xb, yp, yk } = batch(8);
    const mse = new tk.losses.MeanSquaredError();
    const cce = new tk.losses.CategoricalCrossentropy();
    const weights = ours.trainableWeights;
    const { grads } = tk.variableGrads(() => {
      const [p, k] = ours.apply([xa, xb], { training: true });
      return mse.compute(yp, p!).add(cce.compute(yk, k!));
    }, weights);
    const tfVars = theirs.trainableWeights.map((w) => w.read() as tf.Variable);
    const tfResult = tf.variableGrads(() => {
      const [p, k] = theirs.apply([toTf(xa), toTf(xb)], { training: true }) as tf.Tensor[];
      return tf.add(tf.losses.meanSquaredError(toTf(yp), p!), tf.metrics.categoricalCrossentropy(toTf(yk), k!).mean()) as tf.Scalar;
    }, tfVars);
    weights.forEach((w, i) => {
      const g = tfResult.grads[tfVars[i]!.name]!.dataSync();
      expect(maxAbsDiff(grads[i]!.data, g), w.name).toBeLessThan(1e-5);
    });
  });

  it('one SGD step of the two-output model gives the same weights', async () => {
    const ours = tkTwoHeads();
    const theirs = tfTwoHeads();
    copyWeights(ours, theirs);
    const { xa, xb, yp, yk } = batch(8);
    ours.compile({ optimizer: new tk.optimizers.SGD({ learningRate: 0.1 }), loss: ['mse', 'categorical_crossentropy'] });
    theirs.compile({ optimizer: tf.train.sgd(0.1), loss: ['meanSquaredError', 'categoricalCrossentropy'] });
    await ours.fit([xa, xb], [yp, yk], { epochs: 1, batchSize: 8, shuffle: false, verbose: 0 });
    await theirs.fit([toTf(xa), toTf(xb)], [toTf(yp), toTf(yk)], { epochs: 1, batchSize: 8, shuffle: false, verbose: 0 });
    for (const layer of ours.layers) {
      const tfWeights = theirs.getLayer(layer.name).getWeights();
      layer.getWeights().forEach((w, i) => expect(maxAbsDiff(w.data, tfWeights[i]!.dataSync()), `${layer.name} weight ${i}`).toBeLessThan(1e-5));
    }
  });
});

describe('functional model files, both ways', () => {
  it('tensorkit → TF.js: a graph with a shared layer and a nested functional model loads in tf.loadLayersModel and predicts the same', async () => {
    const e = tk.input({ shape: [5], name: 'enc_in' });
    const encoder = tk.model({ inputs: e, outputs: new tk.layers.Dense(3, { activation: 'tanh', name: 'enc_d' }).apply(e), name: 'encoder' });
    const a = tk.input({ shape: [5], name: 'a' });
    const b = tk.input({ shape: [5], name: 'b' });
    const shared = new tk.layers.Dense(5, { activation: 'relu', name: 'shared' });
    const za = encoder.apply(shared.apply(a));
    const zb = encoder.apply(shared.apply(b));
    const out = new tk.layers.Dense(2, { activation: 'softmax', name: 'out' }).apply(new tk.layers.Concatenate({ name: 'cat' }).apply([za, zb]));
    const model = tk.model({ inputs: [a, b], outputs: out, name: 'siamese' });
    const theirs = await tf.loadLayersModel(tf.io.fromMemory(model.toArtifacts() as tf.io.ModelArtifacts));
    expect(theirs.layers.map((l) => l.name)).toEqual(model.layers.map((l) => l.name));
    const xa = randomTensor([4, 5], 7);
    const xb = randomTensor([4, 5], 8);
    const q = theirs.predict([toTf(xa), toTf(xb)]) as tf.Tensor;
    expect(maxAbsDiff(model.predict([xa, xb]).data, q.dataSync())).toBeLessThan(1e-5);
    // And back: TF.js's own save of that model loads in tensorkit and predicts the same.
    let saved: tf.io.ModelArtifacts | null = null;
    await theirs.save(tf.io.withSaveHandler(async (artifacts) => {
      saved = artifacts;
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    }));
    const again = await tk.loadModel(saved!);
    expect(maxAbsDiff(again.predict([xa, xb]).data, q.dataSync())).toBeLessThan(1e-5);
  });

  it('TF.js → tensorkit: a tf.model with branches, two outputs and a nested tf.sequential', async () => {
    const x = tf.input({ shape: [4], name: 'x' });
    const inner = tf.sequential({ layers: [tf.layers.dense({ units: 3, inputShape: [4], activation: 'relu', name: 'inner_d' })], name: 'inner' });
    const left = inner.apply(x) as tf.SymbolicTensor;
    const right = tf.layers.dense({ units: 3, name: 'right' }).apply(x) as tf.SymbolicTensor;
    const merged = tf.layers.multiply({ name: 'mul' }).apply([left, right]) as tf.SymbolicTensor;
    const o1 = tf.layers.dense({ units: 2, name: 'o1' }).apply(merged) as tf.SymbolicTensor;
    const o2 = tf.layers.dense({ units: 1, activation: 'sigmoid', name: 'o2' }).apply(tf.layers.average({ name: 'avg' }).apply([left, merged]) as tf.SymbolicTensor) as tf.SymbolicTensor;
    const theirs = tf.model({ inputs: x, outputs: [o1, o2], name: 'branchy' });
    let saved: tf.io.ModelArtifacts | null = null;
    await theirs.save(tf.io.withSaveHandler(async (artifacts) => {
      saved = artifacts;
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    }));
    const ours = await tk.loadModel<tk.Tensor[]>(saved!);
    expect(ours.name).toBe('branchy');
    expect(ours.layers.map((l) => l.name)).toEqual(theirs.layers.map((l) => l.name));
    expect(ours.getLayer('inner').getClassName()).toBe('Sequential');
    const data = randomTensor([6, 4], 9);
    const p = ours.predict(data);
    const q = theirs.predict(toTf(data)) as tf.Tensor[];
    p.forEach((t, i) => expect(maxAbsDiff(t.data, q[i]!.dataSync())).toBeLessThan(1e-5));
  });
});
