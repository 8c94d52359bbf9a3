// The recurrent layers (SimpleRNN, LSTM, GRU, RNN with cells, stacked cells, Bidirectional) and the
// sequence layers feeding them, in the TF.js layers format, both ways:
// - tensorkit writes, TF.js's loadLayersModel reads: same predictions, same weights by name
//   (`lstm/kernel`, `bidirectional/forward_lstm/kernel`: the names TF.js gives);
// - TF.js builds and saves, tk.loadModel reads: same predictions;
// - what TF.js lacks (GRU with resetAfter, Keras 3's default) round-trips tensorkit → files → tensorkit.
// NOTE: every TF.js layer here sets recurrentActivation 'sigmoid': TF.js's default hardSigmoid is
// Keras 2's (0.2·x + 0.5), which tensorkit's 'hard_sigmoid' (Keras 3: x/6 + 0.5) is not.

import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import * as tk from '../../src/index.js';
import { randomizeWeights, tfjsArtifacts, toTf } from './tfjs_helpers.js';
import { maxAbsDiff, tempDir } from './helpers.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const L = tk.layers;

/** Token ids 1..9 with zero padding at the end of some rows (so masks matter). */
const TOKENS = tk.tensor([[3, 1, 4, 1, 5, 0], [9, 2, 6, 0, 0, 0], [5, 3, 5, 8, 9, 7]]);

const CASES: [string, () => tk.layers.Layer<tk.Tensor | tk.Tensor[]>[], () => tk.Tensor][] = [
  ['SimpleRNN, LSTM (returnSequences, goBackwards), GRU resetAfter false', () => [
    new L.SimpleRNN(4, { returnSequences: true, inputShape: [5, 3] }),
    new L.LSTM(3, { returnSequences: true, goBackwards: true, recurrentActivation: 'sigmoid' }),
    new L.GRU(2, { resetAfter: false, recurrentActivation: 'sigmoid' }),
  ], () => tk.randomNormal([2, 5, 3], { seed: 4 })],
  ['RNN(LSTMCell), RNN([GRUCell, SimpleRNNCell])', () => [
    new L.RNN(new L.LSTMCell(3, { recurrentActivation: 'sigmoid' }), { returnSequences: true, inputShape: [5, 3] }),
    new L.RNN([new L.GRUCell(3, { resetAfter: false, recurrentActivation: 'sigmoid' }), new L.SimpleRNNCell(2)]),
  ], () => tk.randomNormal([2, 5, 3], { seed: 5 })],
  ['Embedding(maskZero), Bidirectional(LSTM) concat, Dense', () => [
    new L.Embedding(10, 4, { maskZero: true, inputShape: [6] }),
    new L.Bidirectional(new L.LSTM(3, { recurrentActivation: 'sigmoid' })),
    new L.Dense(1, 'sigmoid'),
  ], () => TOKENS],
  ['Embedding(maskZero), Bidirectional(GRU, returnSequences) sum, masked LSTM', () => [
    new L.Embedding(10, 4, { maskZero: true, inputShape: [6] }),
    new L.Bidirectional(new L.GRU(3, { resetAfter: false, returnSequences: true, recurrentActivation: 'sigmoid' }), { mergeMode: 'sum' }),
    new L.LSTM(2, { recurrentActivation: 'sigmoid' }),
  ], () => TOKENS],
];

describe('tensorkit → TF.js: the recurrent layers', () => {
  for (const [name, make, data] of CASES) {
    it(`${name}: TF.js loads what tensorkit writes and predicts the same, with the same weights by name`, async () => {
      const model = new tk.Sequential(make() as tk.layers.Layer[]);
      randomizeWeights(model, 3, 0.4);
      const tfModel = await tf.loadLayersModel(tf.io.fromMemory(model.toArtifacts() as tf.io.ModelArtifacts));
      expect(tfModel.layers.map((l) => l.getClassName())).toEqual(model.layers.map((l) => l.getClassName()));
      const x = data();
      expect(maxAbsDiff(model.predict(x).data, (tfModel.predict(toTf(x)) as tf.Tensor).dataSync()), name).toBeLessThan(1e-5);
      const ours = new Map(model.weights.map((w) => [w.name, Array.from(w.data)] as const));
      for (const w of tfModel.weights) expect(Array.from(w.read().dataSync()), w.originalName).toEqual(ours.get(w.originalName));
    });
  }
});

describe('TF.js → tensorkit: the recurrent layers', () => {
  const sig = { recurrentActivation: 'sigmoid' } as const;
  const tfCases: [string, () => tf.layers.Layer[], () => tk.Tensor][] = [
    ['simpleRNN, lstm, gru', () => [
      tf.layers.simpleRNN({ units: 4, returnSequences: true, inputShape: [5, 3] }),
      tf.layers.lstm({ units: 3, returnSequences: true, goBackwards: true, unitForgetBias: true, ...sig }),
      tf.layers.gru({ units: 2, ...sig }),
    ], () => tk.randomNormal([2, 5, 3], { seed: 6 })],
    ['rnn with stacked cells', () => [
      tf.layers.rnn({ cell: [tf.layers.lstmCell({ units: 3, ...sig }), tf.layers.gruCell({ units: 2, ...sig })], inputShape: [5, 3] }),
    ], () => tk.randomNormal([2, 5, 3], { seed: 7 })],
    ['embedding(maskZero), bidirectional(lstm) concat and ave', () => [
      tf.layers.embedding({ inputDim: 10, outputDim: 4, maskZero: true, inputShape: [6] }),
      tf.layers.bidirectional({ layer: tf.layers.lstm({ units: 3, returnSequences: true, ...sig }) as tf.RNN, mergeMode: 'ave' }),
      tf.layers.bidirectional({ layer: tf.layers.gru({ units: 2, ...sig }) as tf.RNN }),
    ], () => TOKENS],
  ];
  for (const [name, make, data] of tfCases) {
    it(`${name}: a TF.js model's artifacts load and predict the same`, async () => {
      const tfModel = tf.sequential({ layers: make() });
      tfModel.setWeights(tfModel.getWeights().map((w, i) => tf.randomNormal(w.shape, 0, 0.4, 'float32', 100 + i)));
      const model = await tk.loadModel(await tfjsArtifacts(tfModel));
      expect(model.layers.map((l) => l.getClassName())).toEqual(tfModel.layers.map((l) => l.getClassName()));
      const x = data();
      expect(maxAbsDiff(model.predict(x).data, (tfModel.predict(toTf(x)) as tf.Tensor).dataSync()), name).toBeLessThan(1e-5);
    });
  }
});

describe('tensorkit → files → tensorkit: what TF.js lacks', () => {
  it('GRU with resetAfter (bias [2, 3u]), StackedRNNCells, Bidirectional with a backwardLayer: same configs and predictions', async () => {
    const model = new tk.Sequential([
      new L.GRU(3, { returnSequences: true, inputShape: [5, 2] }),
      new L.Bidirectional(new L.LSTM(2, { returnSequences: true }), { backwardLayer: new L.GRU(2, { goBackwards: true, returnSequences: true }), mergeMode: 'concat' }),
      new L.RNN([new L.LSTMCell(2), new L.GRUCell(2)]),
    ]);
    randomizeWeights(model, 30, 0.4);
    const dir = tempDir();
    await model.save(dir);
    const back = await tk.loadModel(dir);
    expect(back.layers.map((l) => l.getConfig())).toEqual(model.layers.map((l) => l.getConfig()));
    const x = tk.randomNormal([2, 5, 2], { seed: 8 });
    expect(maxAbsDiff(back.predict(x).data, model.predict(x).data)).toBe(0);
  });
});
