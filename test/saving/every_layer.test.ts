// Every built-in layer class saves and loads in both Keras formats (.keras and .h5) and in the
// TF.js directory, with non-default arguments where it has them: the same config, the same
// weights, the same predictions bit for bit. A class that tensorkit loads (LOADABLE_LAYERS) but
// this table has no case for fails the first test, so a new layer gets its row here.

import path from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import * as tk from '../../src/index.js';
import { LOADABLE_LAYERS } from '../../src/models/builtins.js';
import { expectBitEqual, randomizeWeights, tempDir } from './helpers.js';

beforeEach(() => tk.clearSession());

type Case = { input: number[]; make: (x: tk.SymbolicTensor) => tk.SymbolicTensor; data?: () => tk.Tensor };
const L = tk.layers;
const two = (layer: tk.layers.AnyLayer): Case['make'] => (x) => layer.apply([x, new L.Dense(x.shape[x.shape.length - 1]!).apply(x)]) as tk.SymbolicTensor;

/** One small model per layer class: an input shape and how the layer is applied. */
const CASES: Record<string, Case> = {
  Dense: { input: [5], make: (x) => new L.Dense(3, { activation: 'tanh', useBias: true, kernelRegularizer: 'l2', biasInitializer: 'ones' }).apply(x) },
  Conv2D: { input: [6, 6, 2], make: (x) => new L.Conv2D(3, [3, 2], { strides: [1, 2], padding: 'same', dilationRate: 1, activation: 'relu', kernelInitializer: 'he_normal' }).apply(x) },
  MaxPooling2D: { input: [6, 6, 2], make: (x) => new L.MaxPooling2D([3, 3], { strides: [2, 2], padding: 'same' }).apply(x) },
  AveragePooling2D: { input: [6, 6, 2], make: (x) => new L.AveragePooling2D([2, 2], { padding: 'valid' }).apply(x) },
  GlobalAveragePooling2D: { input: [4, 4, 3], make: (x) => new L.GlobalAveragePooling2D({ keepdims: true }).apply(x) },
  GlobalMaxPooling2D: { input: [4, 4, 3], make: (x) => new L.GlobalMaxPooling2D().apply(x) },
  Flatten: { input: [3, 2, 2], make: (x) => new L.Flatten().apply(x) },
  Dropout: { input: [5], make: (x) => new L.Dropout(0.25, { seed: 3 }).apply(x) },
  BatchNormalization: { input: [4, 3], make: (x) => new L.BatchNormalization({ axis: 1, momentum: 0.9, epsilon: 0.01 }).apply(x) },
  Activation: { input: [5], make: (x) => new L.Activation('selu').apply(x) },
  Reshape: { input: [6], make: (x) => new L.Reshape([3, 2]).apply(x) },
  Softmax: { input: [3, 4], make: (x) => new L.Softmax({ axis: 1 }).apply(x) },
  ReLU: { input: [5], make: (x) => new L.ReLU({ maxValue: 0.6, negativeSlope: 0.1, threshold: 0.05 }).apply(x) },
  LeakyReLU: { input: [5], make: (x) => new L.LeakyReLU({ negativeSlope: 0.2 }).apply(x) },
  InputLayer: { input: [5], make: (x) => x },
  Add: { input: [4], make: two(new L.Add()) },
  Subtract: { input: [4], make: two(new L.Subtract()) },
  Multiply: { input: [4], make: two(new L.Multiply()) },
  Average: { input: [4], make: two(new L.Average()) },
  Maximum: { input: [4], make: two(new L.Maximum()) },
  Minimum: { input: [4], make: two(new L.Minimum()) },
  Concatenate: { input: [2, 4], make: two(new L.Concatenate({ axis: 1 })) },
  Dot: { input: [4], make: two(new L.Dot({ axes: 1, normalize: true })) },
  Conv2DTranspose: { input: [3, 3, 2], make: (x) => new L.Conv2DTranspose(3, 3, { strides: 2, padding: 'same', activation: 'relu' }).apply(x) },
  DepthwiseConv2D: { input: [5, 5, 2], make: (x) => new L.DepthwiseConv2D(3, { depthMultiplier: 2, padding: 'same' }).apply(x) },
  SeparableConv2D: { input: [5, 5, 2], make: (x) => new L.SeparableConv2D(3, 3, { depthMultiplier: 1, activation: 'tanh' }).apply(x) },
  Conv3D: { input: [3, 3, 3, 1], make: (x) => new L.Conv3D(2, 2, { padding: 'same' }).apply(x) },
  MaxPooling3D: { input: [4, 4, 4, 1], make: (x) => new L.MaxPooling3D(2).apply(x) },
  AveragePooling3D: { input: [4, 4, 4, 1], make: (x) => new L.AveragePooling3D(2).apply(x) },
  UpSampling2D: { input: [2, 3, 1], make: (x) => new L.UpSampling2D({ size: [2, 2], interpolation: 'bilinear' }).apply(x) },
  ZeroPadding2D: { input: [2, 3, 1], make: (x) => new L.ZeroPadding2D({ padding: [[1, 0], [0, 2]] }).apply(x) },
  Cropping2D: { input: [5, 5, 1], make: (x) => new L.Cropping2D({ cropping: [[1, 1], [2, 0]] }).apply(x) },
  SpatialDropout1D: { input: [4, 3], make: (x) => new L.SpatialDropout1D(0.3).apply(x) },
  SpatialDropout2D: { input: [3, 3, 2], make: (x) => new L.SpatialDropout2D(0.3).apply(x) },
  // Sequence layers (issue 13, part A); Embedding reads token ids (whole numbers, 0 = padding).
  Embedding: {
    input: [5], make: (x) => new L.Embedding(7, 3, { maskZero: true, embeddingsRegularizer: 'l2' }).apply(x),
    data: () => tk.tensor([[1, 2, 0, 0, 6], [3, 3, 3, 0, 0], [6, 5, 4, 3, 2]]),
  },
  Masking: { input: [4, 3], make: (x) => new L.Masking({ maskValue: 0.5 }).apply(x) },
  RepeatVector: { input: [3], make: (x) => new L.RepeatVector(4).apply(x) },
  Permute: { input: [2, 3, 4], make: (x) => new L.Permute([3, 1, 2]).apply(x) },
  Conv1D: { input: [7, 3], make: (x) => new L.Conv1D(4, 3, { padding: 'causal', dilationRate: 2, activation: 'relu', kernelInitializer: 'he_normal' }).apply(x) },
  MaxPooling1D: { input: [7, 3], make: (x) => new L.MaxPooling1D(3, { strides: 2, padding: 'same' }).apply(x) },
  AveragePooling1D: { input: [7, 3], make: (x) => new L.AveragePooling1D(2, { padding: 'valid', dataFormat: 'channels_first' }).apply(x) },
  GlobalAveragePooling1D: { input: [6, 3], make: (x) => new L.GlobalAveragePooling1D({ keepdims: true }).apply(x) },
  GlobalMaxPooling1D: { input: [6, 3], make: (x) => new L.GlobalMaxPooling1D({ dataFormat: 'channels_first' }).apply(x) },
  TimeDistributed: { input: [4, 3], make: (x) => new L.TimeDistributed(new L.Dense(2, { activation: 'relu', biasInitializer: 'ones' })).apply(x) },
  // Normalization, noise, activation and preprocessing layers (issue 14 part B1).
  LayerNormalization: { input: [3, 4], make: (x) => new L.LayerNormalization({ axis: [1, 2], epsilon: 0.01, gammaRegularizer: 'l2' }).apply(x) },
  GroupNormalization: { input: [3, 3, 4], make: (x) => new L.GroupNormalization({ groups: 2, epsilon: 0.01, center: true }).apply(x) },
  UnitNormalization: { input: [3, 4], make: (x) => new L.UnitNormalization({ axis: [1, 2] }).apply(x) },
  GaussianNoise: { input: [5], make: (x) => new L.GaussianNoise(0.2, { seed: 3 }).apply(x) },
  GaussianDropout: { input: [5], make: (x) => new L.GaussianDropout(0.3, { seed: 3 }).apply(x) },
  AlphaDropout: { input: [4, 3], make: (x) => new L.AlphaDropout(0.2, { noiseShape: [null, 1, 3], seed: 3 }).apply(x) },
  PReLU: { input: [4, 3], make: (x) => new L.PReLU({ sharedAxes: [1], alphaInitializer: 'ones', alphaRegularizer: 'l1' }).apply(x) },
  ELU: { input: [5], make: (x) => new L.ELU({ alpha: 0.7 }).apply(x) },
  ThresholdedReLU: { input: [5], make: (x) => new L.ThresholdedReLU({ theta: 0.2 }).apply(x) },
  Identity: { input: [5], make: (x) => new L.Identity().apply(x) },
  // Recurrent layers (issue 13, part B); a cell is saved inside the RNN that runs it.
  SimpleRNN: { input: [4, 3], make: (x) => new L.SimpleRNN(3, { returnSequences: true, activation: 'relu', kernelRegularizer: 'l2' }).apply(x) as tk.SymbolicTensor },
  LSTM: { input: [4, 3], make: (x) => new L.LSTM(3, { goBackwards: true, unitForgetBias: false, recurrentActivation: 'hard_sigmoid', dropout: 0.2 }).apply(x) as tk.SymbolicTensor },
  GRU: { input: [4, 3], make: (x) => new L.GRU(3, { returnSequences: true, recurrentInitializer: 'glorot_uniform' }).apply(x) as tk.SymbolicTensor },
  RNN: { input: [4, 3], make: (x) => new L.RNN(new L.GRUCell(2, { resetAfter: false }), { returnSequences: true, goBackwards: true }).apply(x) as tk.SymbolicTensor },
  SimpleRNNCell: { input: [4, 3], make: (x) => new L.RNN(new L.SimpleRNNCell(2, { activation: 'sigmoid' })).apply(x) as tk.SymbolicTensor },
  LSTMCell: { input: [4, 3], make: (x) => new L.RNN(new L.LSTMCell(2, { useBias: false })).apply(x) as tk.SymbolicTensor },
  GRUCell: { input: [4, 3], make: (x) => new L.RNN(new L.GRUCell(2)).apply(x) as tk.SymbolicTensor },
  StackedRNNCells: { input: [4, 3], make: (x) => new L.RNN([new L.LSTMCell(2), new L.SimpleRNNCell(3)], { returnSequences: true }).apply(x) as tk.SymbolicTensor },
  Bidirectional: { input: [4, 3], make: (x) => new L.Bidirectional(new L.LSTM(2, { returnSequences: true }), { mergeMode: 'ave' }).apply(x) as tk.SymbolicTensor },
  Rescaling: { input: [5], make: (x) => new L.Rescaling({ scale: 0.5, offset: -1 }).apply(x) },
  Resizing: { input: [4, 6, 2], make: (x) => new L.Resizing(3, 5, { interpolation: 'nearest', cropToAspectRatio: true }).apply(x) },
  CenterCrop: { input: [5, 6, 2], make: (x) => new L.CenterCrop(3, 4).apply(x) },
  Normalization: { input: [4, 3], make: (x) => new L.Normalization({ axis: [1, 2] }).apply(x) },
  CategoryEncoding: {
    input: [4], make: (x) => new L.CategoryEncoding({ numTokens: 6, outputMode: 'count' }).apply(x),
    data: () => tk.tensor([[0, 1, 1, 5], [2, 2, 2, 3], [4, 0, 7, 1]]),
  },
  // Attention (issue 14, branch attn)
  MultiHeadAttention: { input: [4, 3], make: (x) => new L.MultiHeadAttention({ numHeads: 2, keyDim: 2, valueDim: 3, outputShape: 5, dropout: 0.1, kernelRegularizer: 'l2', seed: 4 }).apply([x, new L.Dense(6).apply(x), x], { useCausalMask: true }) as tk.SymbolicTensor },
  Attention: { input: [4, 3], make: (x) => new L.Attention({ useScale: true, scoreMode: 'concat', dropout: 0.2, seed: 1 }).apply([x, new L.Dense(2).apply(x), x]) as tk.SymbolicTensor },
  AdditiveAttention: { input: [4, 3], make: (x) => new L.AdditiveAttention({ useScale: true }).apply([x, x], { useCausalMask: true }) as tk.SymbolicTensor },
};
const MODELS = new Set(['Sequential', 'Functional']);

describe('every built-in layer in every file format', () => {
  it('has a case in this table', () => {
    expect(LOADABLE_LAYERS.filter((name) => !MODELS.has(name) && !(name in CASES))).toEqual([]);
  });

  it.each(Object.keys(CASES))('%s: .keras, .h5 and TF.js directory round trips', async (className) => {
    const dir = tempDir();
    const { input, make, data: makeData } = CASES[className]!;
    const x = tk.input({ shape: input });
    // A Dense after the layer: its input shape depends on the layer's output.
    const y = make(x);
    const model = tk.model({ inputs: x, outputs: new L.Dense(2).apply(y.shape.length > 2 ? new L.Flatten().apply(y) : y) });
    randomizeWeights(model, className.length);
    const data = makeData?.() ?? tk.randomNormal([3, ...input], { seed: 1 });
    const config = JSON.stringify(model.getLayer({ index: 1 }).getConfig());
    for (const file of ['m.keras', 'm.h5', 'web']) {
      await model.save(path.join(dir, file));
      const back = await tk.loadModel(path.join(dir, file));
      expect(back.layers.map((l) => l.getClassName()), file).toEqual(model.layers.map((l) => l.getClassName()));
      // The TF.js format writes an L2 regularizer as L1L2 (the one class TF.js registers): same penalty, other config.
      if (file !== 'web') expect(JSON.stringify(back.getLayer({ index: 1 }).getConfig()), `${file}: config`).toBe(config);
      expectBitEqual(model.predict(data) as tk.Tensor, back.predict(data) as tk.Tensor, `${className} ${file}`);
    }
  });
});
