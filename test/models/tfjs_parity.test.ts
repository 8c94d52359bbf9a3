// Model-level parity with TensorFlow.js (cpu backend), run side by side: the same weights in a
// tf.sequential model and a tensorkit Sequential give the same predictions and the same loss
// gradients w.r.t. every weight (categorical crossentropy on softmax, and MSE), and one SGD
// training step gives the same weights. Adam is compared with a float64 computation of Keras's
// update instead (TF.js's Adam puts epsilon differently: keras-facts §12), fed with TF.js's
// gradients.

import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import * as tk from '../../src/index.js';
import { expectClose } from '../helpers/index.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});
beforeEach(() => {
  tk.clearSession();
  tk.setSeed(2024);
});

type Spec = { units: number; activation: string };

/** tensorkit MLP with random (seeded) kernels AND biases, so every path carries a gradient. */
function tkMlp(inputDim: number, specs: Spec[]): tk.Sequential {
  const model = new tk.Sequential(specs.map((s, i) => new tk.layers.Dense(s.units, i === 0 ? { activation: s.activation, inputShape: [inputDim] } : { activation: s.activation })));
  model.setWeights(model.weights.map((w, i) => (w.rank === 1 ? tk.randomNormal(w.shape as number[], { stddev: 0.3, seed: 100 + i }) : w)));
  return model;
}

/** The same architecture in TF.js, with tensorkit's weights copied in (the layouts are Keras's). */
function tfMlp(inputDim: number, specs: Spec[], weights: tk.Tensor[]): tf.Sequential {
  const model = tf.sequential({
    layers: specs.map((s, i) => tf.layers.dense({ units: s.units, activation: s.activation as 'relu', ...(i === 0 ? { inputShape: [inputDim] } : {}) })),
  });
  model.setWeights(weights.map((w) => tf.tensor(Array.from(w.data), [...w.shape])));
  return model;
}

function tfGrads(model: tf.Sequential, loss: () => tf.Scalar): Float32Array[] {
  const vars = model.trainableWeights.map((w) => w.read() as tf.Variable);
  const { grads } = tf.variableGrads(loss, vars);
  return vars.map((v) => grads[v.name]!.dataSync() as Float32Array);
}

function tkGrads(model: tk.Sequential, x: tk.Tensor, y: tk.Tensor): tk.Tensor[] {
  const weights = model.trainableWeights;
  return tk.variableGrads(() => model.loss!.compute(y, model.apply(x, { training: true })), weights).grads;
}

function toTf(t: tk.Tensor): tf.Tensor {
  return tf.tensor(Array.from(t.data), [...t.shape]);
}

/** Random one-hot labels for n samples of k classes. */
function oneHot(n: number, k: number, seed: number): tk.Tensor {
  const ids = tk.randomUniform([n], { minval: 0, maxval: k, seed }).floor();
  return tk.oneHot(ids, k);
}

const classifierSpecs: Spec[] = [{ units: 8, activation: 'relu' }, { units: 6, activation: 'tanh' }, { units: 4, activation: 'softmax' }];
const regressorSpecs: Spec[] = [{ units: 8, activation: 'sigmoid' }, { units: 3, activation: 'linear' }];

describe('Dense models: tensorkit vs tf.sequential with the same weights', () => {
  it('predictions agree to 1e-5 (relu, tanh, softmax; sigmoid, linear)', () => {
    const x = tk.randomNormal([7, 5], { seed: 1 });
    for (const specs of [classifierSpecs, regressorSpecs]) {
      const ours = tkMlp(5, specs);
      const theirs = tfMlp(5, specs, ours.getWeights());
      const expected = (theirs.predict(toTf(x)) as tf.Tensor).dataSync();
      expectClose(ours.predict(x).data, expected, { rtol: 1e-5, atol: 1e-6 });
      // In batches too.
      expectClose(ours.predict(x, { batchSize: 3 }).data, expected, { rtol: 1e-5, atol: 1e-6 });
    }
  });

  it('categorical crossentropy on softmax: loss and gradients w.r.t. every kernel and bias', () => {
    const x = tk.randomNormal([7, 5], { seed: 2 });
    const y = oneHot(7, 4, 3);
    const ours = tkMlp(5, classifierSpecs);
    ours.compile({ optimizer: 'sgd', loss: 'categorical_crossentropy' });
    const theirs = tfMlp(5, classifierSpecs, ours.getWeights());
    const lossTf = (): tf.Scalar => tf.mean(tf.metrics.categoricalCrossentropy(toTf(y), theirs.apply(toTf(x), { training: true }) as tf.Tensor)) as tf.Scalar;
    expect(ours.evaluate(x, y, { verbose: 0 }) as number).toBeCloseTo(lossTf().dataSync()[0]!, 5);
    const expected = tfGrads(theirs, lossTf);
    const got = tkGrads(ours, x, y);
    expect(got.map((g) => g.shape)).toEqual([[5, 8], [8], [8, 6], [6], [6, 4], [4]]);
    got.forEach((g, i) => expectClose(g.data, expected[i]!, { rtol: 1e-5, atol: 1e-6 }));
    expect(expected.every((g) => g.some((v) => Math.abs(v) > 1e-3))).toBe(true); // every weight has work to do
  });

  it('mean squared error: loss and gradients w.r.t. every kernel and bias', () => {
    const x = tk.randomNormal([7, 5], { seed: 4 });
    const y = tk.randomNormal([7, 3], { seed: 5 });
    const ours = tkMlp(5, regressorSpecs);
    ours.compile({ optimizer: 'sgd', loss: 'mean_squared_error' });
    const theirs = tfMlp(5, regressorSpecs, ours.getWeights());
    const lossTf = (): tf.Scalar => tf.losses.meanSquaredError(toTf(y), theirs.apply(toTf(x), { training: true }) as tf.Tensor) as tf.Scalar;
    expect(ours.evaluate(x, y, { verbose: 0 }) as number).toBeCloseTo(lossTf().dataSync()[0]!, 5);
    const expected = tfGrads(theirs, lossTf);
    tkGrads(ours, x, y).forEach((g, i) => expectClose(g.data, expected[i]!, { rtol: 1e-5, atol: 1e-6 }));
  });

  it('one SGD step through trainOnBatch gives the weights TF.js trainOnBatch gives (and the loss before the step)', async () => {
    for (const [specs, loss, tfLoss, y] of [
      [classifierSpecs, 'categorical_crossentropy', 'categoricalCrossentropy', oneHot(7, 4, 6)],
      [regressorSpecs, 'mean_squared_error', 'meanSquaredError', tk.randomNormal([7, 3], { seed: 7 })],
    ] as [Spec[], string, string, tk.Tensor][]) {
      const x = tk.randomNormal([7, 5], { seed: 8 });
      const ours = tkMlp(5, specs);
      const theirs = tfMlp(5, specs, ours.getWeights());
      ours.compile({ optimizer: new tk.optimizers.SGD(0.5), loss });
      theirs.compile({ optimizer: tf.train.sgd(0.5), loss: tfLoss });
      const lossOurs = ours.trainOnBatch(x, y) as number;
      const lossTheirs = (await theirs.trainOnBatch(toTf(x), toTf(y))) as number;
      expect(lossOurs).toBeCloseTo(lossTheirs, 5);
      const after = theirs.getWeights().map((w) => w.dataSync());
      ours.getWeights().forEach((w, i) => expectClose(w.data, after[i]!, { rtol: 1e-5, atol: 1e-6 }));
    }
  });
});

describe('a convnet: Conv2D + MaxPooling2D + Flatten + Dense', () => {
  function build(padding: 'same' | 'valid'): { ours: tk.Sequential; theirs: tf.Sequential } {
    const ours = new tk.Sequential([
      new tk.layers.Conv2D(4, 3, { activation: 'relu', padding, inputShape: [8, 8, 2] }),
      new tk.layers.MaxPooling2D([2, 2]),
      new tk.layers.Flatten(),
      new tk.layers.Dense(3, 'softmax'),
    ]);
    ours.setWeights(ours.weights.map((w, i) => (w.rank === 1 ? tk.randomNormal(w.shape as number[], { stddev: 0.3, seed: 200 + i }) : w)));
    const theirs = tf.sequential({
      layers: [
        tf.layers.conv2d({ filters: 4, kernelSize: 3, activation: 'relu', padding, inputShape: [8, 8, 2] }),
        tf.layers.maxPooling2d({ poolSize: [2, 2] }),
        tf.layers.flatten(),
        tf.layers.dense({ units: 3, activation: 'softmax' }),
      ],
    });
    theirs.setWeights(ours.getWeights().map(toTf));
    return { ours, theirs };
  }

  it('same weights, same predictions and crossentropy gradients (padding same and valid)', () => {
    const x = tk.randomNormal([5, 8, 8, 2], { seed: 9 });
    const y = oneHot(5, 3, 10);
    for (const padding of ['same', 'valid'] as const) {
      const { ours, theirs } = build(padding);
      ours.compile({ optimizer: 'sgd', loss: 'categorical_crossentropy' });
      expect(ours.weights.map((w) => w.shape)).toEqual(theirs.weights.map((w) => w.shape));
      expectClose(ours.predict(x).data, (theirs.predict(toTf(x)) as tf.Tensor).dataSync(), { rtol: 1e-5, atol: 1e-6 });
      const lossTf = (): tf.Scalar => tf.mean(tf.metrics.categoricalCrossentropy(toTf(y), theirs.apply(toTf(x), { training: true }) as tf.Tensor)) as tf.Scalar;
      const expected = tfGrads(theirs, lossTf);
      tkGrads(ours, x, y).forEach((g, i) => expectClose(g.data, expected[i]!, { rtol: 1e-5, atol: 1e-6 }));
      tk.clearSession();
    }
  });
});

describe('Adam: Keras 3 update rule, checked in float64 with TF.js gradients', () => {
  it('two trainOnBatch steps equal the Keras formula (ε added to √v of the uncorrected v)', () => {
    const x = tk.randomNormal([6, 5], { seed: 11 });
    const y = oneHot(6, 4, 12);
    const ours = tkMlp(5, classifierSpecs);
    const lr = 0.01;
    const [b1, b2, eps] = [0.9, 0.999, 1e-7];
    ours.compile({ optimizer: new tk.optimizers.Adam({ learningRate: lr }), loss: 'categorical_crossentropy' });
    const theirs = tfMlp(5, classifierSpecs, ours.getWeights());
    const lossTf = (): tf.Scalar => tf.mean(tf.metrics.categoricalCrossentropy(toTf(y), theirs.apply(toTf(x), { training: true }) as tf.Tensor)) as tf.Scalar;

    // Reference state in float64.
    let w = ours.getWeights().map((t) => Array.from(t.data));
    const m = w.map((a) => a.map(() => 0));
    const v = w.map((a) => a.map(() => 0));
    for (let t = 1; t <= 2; t++) {
      theirs.setWeights(w.map((a, i) => tf.tensor(a, [...ours.weights[i]!.shape])));
      const g = tfGrads(theirs, lossTf);
      // Keras: m ← m + (g − m)(1 − β1); v ← v + (g² − v)(1 − β2); α = lr·√(1 − β2^t)/(1 − β1^t);
      // w ← w − α·m/(√v + ε).
      const alpha = (lr * Math.sqrt(1 - b2 ** t)) / (1 - b1 ** t);
      w = w.map((wi, i) =>
        wi.map((wv, j) => {
          const gj = g[i]![j]!;
          m[i]![j] = m[i]![j]! + (gj - m[i]![j]!) * (1 - b1);
          v[i]![j] = v[i]![j]! + (gj * gj - v[i]![j]!) * (1 - b2);
          return wv - (alpha * m[i]![j]!) / (Math.sqrt(v[i]![j]!) + eps);
        }),
      );
      ours.trainOnBatch(x, y);
      ours.getWeights().forEach((t2, i) => expectClose(t2.data, w[i]!, { rtol: 1e-5, atol: 1e-6 }));
    }
    expect(ours.optimizer!.iterations).toBe(2);
  });

  it("TF.js's Adam (textbook ε placement) differs from Keras's where gradients are tiny", () => {
    // One step with g = 1e-6: Keras w −= lr·√(1−β2)·g/(√(1−β2)·|g| + ε)... TF.js w −= lr·ĝ/(|ĝ| + ε)
    // with bias-corrected m̂ = g, v̂ = g². With lr 1: Keras 0.3162·1e-6/(0.3162e-6 + 1e-7) = 0.7597,
    // TF.js 1e-6/(1e-6 + 1e-7) = 0.9091 (TF.js's default ε is the backend's, 1e-7 on cpu).
    const g = 1e-6;
    const keras = (Math.sqrt(1 - 0.999) * g) / (Math.sqrt(1 - 0.999) * g + 1e-7);
    const tfjsRule = g / (g + 1e-7);
    const w = tk.variable(tk.tensor([0]), { name: 'w' });
    new tk.optimizers.Adam({ learningRate: 1 }).applyGradients([[tk.tensor([g]), w]]);
    expect(-w.data[0]!).toBeCloseTo(keras, 4);
    const wt = tf.variable(tf.tensor1d([0]));
    tf.train.adam(1).applyGradients([{ name: wt.name, tensor: tf.tensor1d([g]) }]);
    expect(-wt.dataSync()[0]!).toBeCloseTo(tfjsRule, 4);
    expect(Math.abs(keras - tfjsRule)).toBeGreaterThan(0.1);
  });
});
