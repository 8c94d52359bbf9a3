// Embedding, Masking, RepeatVector, Permute and TimeDistributed: Keras 3 weights and defaults,
// hand-derived values, TF.js parity at identical weights (forward and gradients), finite
// differences, the mask flow (Embedding(maskZero) / Masking → TimeDistributed →
// GlobalAveragePooling1D against the mean computed by hand), config round trips, errors.

import * as tf from '@tensorflow/tfjs';
import { beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import * as tk from '../../src/index.js';
import { Dense, Embedding, GlobalAveragePooling1D, Masking, Permute, RepeatVector, TimeDistributed, maskOf } from '../../src/layers/index.js';
import { expectClose } from '../helpers/index.js';
import { randomTensor, weightGradientError } from './helpers.js';
import { expectTfjsParity } from './tfjs_parity.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});
beforeEach(() => tk.clearSession());

describe('Embedding', () => {
  it("weight 'embedding/embeddings' [inputDim, outputDim], uniform ±0.05 by default; output = rows of the table", () => {
    const e = new Embedding(50, 6);
    const y = e.apply(tk.tensor([[3, 0, 49], [3, 3, 1]]));
    expect(y.shape).toEqual([2, 3, 6]);
    expect(e.weights.map((w) => [w.name, w.shape])).toEqual([['embedding/embeddings', [50, 6]]]);
    const table = e.embeddings!.toArray() as number[][];
    expect((y.toArray() as number[][][])[0]![2]).toEqual(table[49]);
    expect((y.toArray() as number[][][])[1]![1]).toEqual(table[3]);
    const values = Array.from(e.embeddings!.data);
    expect(Math.max(...values.map(Math.abs))).toBeLessThanOrEqual(0.05);
    expect(Math.max(...values)).toBeGreaterThan(0.04);
    expect((e.getConfig().embeddingsInitializer as { className: string }).className).toBe('RandomUniform');
    expect(e.getConfig()).toMatchObject({ inputDim: 50, outputDim: 6, maskZero: false, embeddingsConstraint: null });
    expect(maskOf(y)).toBeNull();
  });

  it('any input rank: [batch] → [batch, d], [batch, a, b] → [batch, a, b, d]; symbolic shapes too', () => {
    const e = new Embedding(5, 2);
    expect(e.apply(tk.tensor([1, 2, 3])).shape).toEqual([3, 2]);
    expect(e.apply(tk.zeros([2, 3, 4])).shape).toEqual([2, 3, 4, 2]);
    expect(new Embedding(5, 2).apply(tk.input({ shape: [7] })).shape).toEqual([null, 7, 2]);
  });

  it('matches tf.layers.embedding at the same table: forward and the gradient of the table (scatter-add of repeated ids)', () => {
    const ours = new Embedding(7, 3);
    const theirs = tf.layers.embedding({ inputDim: 7, outputDim: 3 });
    expectTfjsParity(ours, theirs, tk.tensor([[1, 1, 6, 0], [2, 1, 6, 6]]), { inputGrad: false });
  });

  it('the gradient is a scatter-add: row r gets Σ over the steps with id r of dy; unused rows get 0', () => {
    const e = new Embedding(4, 2);
    const ids = tk.tensor([[2, 0, 2]]);
    const dy = tk.tensor([[[1, 2], [3, 4], [5, 6]]]);
    e.build([null, 3]);
    const { grads } = tk.variableGrads(() => e.apply(ids).mul(dy).sum(), [e.embeddings!]);
    expect(grads[0]!.toArray()).toEqual([[3, 4], [0, 0], [6, 8], [0, 0]]);
  });

  it('finite differences of the table; second order through gather/scatterAdd (a penalty on the gradient)', () => {
    const e = new Embedding(5, 3, { embeddingsInitializer: 'random_normal' });
    expect(weightGradientError(e, tk.tensor([[4, 1, 1], [0, 3, 4]]))).toBeLessThan(1e-3);
    // f(W) = Σ (E(ids)·r)²: ∂f/∂W = scatterAdd(2·(E·r)·r); its sum differentiated again is finite-difference checked.
    const ids = tk.tensor([[1, 2, 1]]);
    const r = randomTensor([1, 3, 3], 2);
    const w0 = randomTensor([5, 3], 3);
    const g = (w: tk.Tensor): tk.Tensor => tk.grad((v: tk.Tensor) => tk.gather(v, ids, 0).mul(r).sum().square())(w).square().sum();
    expect(tk.checkGradients(g, [w0])).toBeLessThan(1e-3);
  });

  it('maskZero: the output mask is ids != 0, shaped as the ids', () => {
    const e = new Embedding(10, 4, { maskZero: true });
    expect(maskOf(e.apply(tk.tensor([[3, 0, 9, 0]])))?.toArray()).toEqual([[1, 0, 1, 0]]);
    expect(e.supportsMasking).toBe(true);
    expect(new Embedding(10, 4).supportsMasking).toBe(false);
  });

  it('an id out of range, negative or not whole is an error naming the layer, the id and inputDim', () => {
    const e = new Embedding(10, 2, { name: 'words' });
    expect(() => e.apply(tk.tensor([[1, 10]]))).toThrow(/words: token id 10 \(at flat position 1 of the input \[1,2\]\) is not a whole number in \[0, inputDim = 10\)/);
    expect(() => e.apply(tk.tensor([[-1]]))).toThrow(/words: token id -1 .*inputDim = 10/);
    expect(() => e.apply(tk.tensor([[2.5]]))).toThrow(/words: token id 2.5 .*inputDim = 10/);
    expect(() => e.apply(tk.tensor([[NaN]]))).toThrow(/words: token id NaN/);
  });

  it('bad arguments name the layer and the argument', () => {
    expect(() => new Embedding(0, 3)).toThrow(/Embedding: inputDim must be a positive integer, got 0/);
    expect(() => new Embedding(4, 2.5)).toThrow(/Embedding: outputDim must be a positive integer, got 2.5/);
    expect(() => new Embedding(4, 2, { maskZero: 1 as never })).toThrow(/Embedding: maskZero must be true or false, got 1/);
    expect(() => new Embedding(4, 2, { embeddingsConstraint: 'non_neg' as never })).toThrow(/Embedding: embeddingsConstraint is not supported .*'non_neg'/);
    expect(() => new Embedding(4, 2, { inputLength: 0 })).toThrow(/Embedding: inputLength must be a positive integer/);
    expect(() => new Embedding(4, 2, { mask_zero: true } as never)).toThrow(/Embedding: unknown option 'mask_zero'. Did you mean 'maskZero'\?/);
    expect(() => new Embedding({ inputDim: 4, outputDim: 2 }, 3)).toThrow(/Embedding: give outputDim in the args object or positionally, not both/);
  });

  it('the TF.js args object and inputLength (the input shape, as TF.js); getConfig → fromConfig', () => {
    const a = new Embedding({ inputDim: 6, outputDim: 3, inputLength: 4, maskZero: true, name: 'tok' });
    expect(a.batchInputShape).toEqual([null, 4]);
    expect(a.inputLength).toBe(4);
    const b = Embedding.fromConfig({ ...a.getConfig(), name: 'tok2' });
    expect({ ...b.getConfig(), name: 'tok' }).toEqual(a.getConfig());
    const ids = tk.tensor([[1, 2, 0, 5]]);
    a.apply(ids);
    b.apply(ids);
    b.setWeights(a.getWeights());
    expectClose(b.apply(ids).data, a.apply(ids).data, { rtol: 0, atol: 0 });
    expect(new Embedding(6, 3).getConfig()).not.toHaveProperty('inputLength');
  });

  it('trains: an Embedding → GlobalAveragePooling1D → Dense classifier learns which token a sequence holds', async () => {
    tk.setSeed(5);
    // Class 1 when token 3 occurs, else 0; tokens 1..4, padding 0.
    const rows: number[][] = [];
    const labels: number[] = [];
    for (let i = 0; i < 64; i++) {
      const row = [1, 2, 3, 4, 0, 0].map((_, j) => ((i * 7 + j * 3) % 5));
      rows.push(row);
      labels.push(row.includes(3) ? 1 : 0);
    }
    const model = new tk.Sequential([
      new Embedding(5, 4, { maskZero: true, inputShape: [6] }),
      new GlobalAveragePooling1D(),
      new Dense(1, { activation: 'sigmoid' }),
    ]);
    model.compile({ optimizer: new tk.optimizers.Adam({ learningRate: 0.05 }), loss: 'binaryCrossentropy', metrics: ['accuracy'] });
    const history = await model.fit(tk.tensor(rows), tk.tensor(labels, [64, 1]), { epochs: 40, batchSize: 16, verbose: 0 });
    const losses = history.history.loss!;
    expect(losses[losses.length - 1]!).toBeLessThan(0.5 * losses[0]!);
  });
});

describe('Masking', () => {
  it('mask = any feature != maskValue per step; masked steps output 0, others unchanged', () => {
    const x = tk.tensor([[[1, 2], [0.5, 0.5], [0.5, 3]], [[0.5, 0.5], [0.5, 0.5], [4, 4]]]);
    const layer = new Masking({ maskValue: 0.5 });
    const y = layer.apply(x);
    expect(maskOf(y)?.toArray()).toEqual([[1, 0, 1], [0, 0, 1]]);
    expect(y.toArray()).toEqual([[[1, 2], [0, 0], [0.5, 3]], [[0, 0], [0, 0], [4, 4]]]);
    expect(layer.getConfig()).toMatchObject({ maskValue: 0.5 });
    expect(new Masking().maskValue).toBe(0);
  });

  it('matches tf.layers.masking (forward; TF.js has no gradient for it), and the input gradient is 1 on kept steps, 0 on masked ones', () => {
    const x = tk.tensor([[[1, 2, 3], [7, 7, 7], [0, 7, 1]], [[7, 7, 7], [4, 5, 6], [7, 7, 7]]]);
    expectTfjsParity(new Masking({ maskValue: 7 }), tf.layers.masking({ maskValue: 7 }), x, { inputGrad: false });
    const [g] = tk.grads((t) => new Masking({ maskValue: 7 }).apply(t!).sum())(x);
    expect(g!.toArray()).toEqual([[[1, 1, 1], [0, 0, 0], [1, 1, 1]], [[0, 0, 0], [1, 1, 1], [0, 0, 0]]]);
  });

  it('errors: maskValue must be a finite number; the input needs rank >= 2', () => {
    expect(() => new Masking({ maskValue: 'x' as never })).toThrow(/Masking: maskValue must be a finite number, got 'x'/);
    expect(() => new Masking({ name: 'pad' }).apply(tk.tensor([1, 2]))).toThrow(/pad: expected an input of rank >= 2/);
  });
});

describe('RepeatVector and Permute', () => {
  it('RepeatVector: [B, F] → [B, n, F], copies; the gradient sums over the copies; TF.js parity', () => {
    const layer = new RepeatVector(3);
    expect(layer.apply(tk.tensor([[1, 2], [3, 4]])).toArray()).toEqual([[[1, 2], [1, 2], [1, 2]], [[3, 4], [3, 4], [3, 4]]]);
    expect(layer.computeOutputShape([null, 5])).toEqual([null, 3, 5]);
    const [g] = tk.grads((t) => layer.apply(t!).mul(tk.tensor([[[1, 2], [3, 4], [5, 6]]])).sum())(tk.tensor([[0, 0]]));
    expect(g!.toArray()).toEqual([[9, 12]]);
    expectTfjsParity(new RepeatVector(4), tf.layers.repeatVector({ n: 4 }), randomTensor([3, 5], 1));
    expect(tk.checkGradients((t) => new RepeatVector(2).apply(t), [randomTensor([2, 3], 2)])).toBeLessThan(1e-3);
  });

  it('Permute: 1-based dims over the non-batch axes; (2, 1) swaps; TF.js parity, forward and gradient', () => {
    expect(new Permute([2, 1]).apply(tk.zeros([8, 10, 64])).shape).toEqual([8, 64, 10]);
    expect(new Permute([3, 1, 2]).computeOutputShape([null, 2, 3, 4])).toEqual([null, 4, 2, 3]);
    const x = tk.tensor([[[1, 2, 3], [4, 5, 6]]]);
    expect(new Permute([2, 1]).apply(x).toArray()).toEqual([[[1, 4], [2, 5], [3, 6]]]);
    expectTfjsParity(new Permute([3, 1, 2]), tf.layers.permute({ dims: [3, 1, 2] }), randomTensor([2, 3, 4, 5], 3));
    expect(tk.checkGradients((t) => new Permute([2, 3, 1]).apply(t), [randomTensor([2, 2, 3, 2], 4)])).toBeLessThan(1e-3);
  });

  it('config round trips and the TF.js args objects', () => {
    const r = new RepeatVector({ n: 5, name: 'rep' });
    expect(r.n).toBe(5);
    expect(RepeatVector.fromConfig(r.getConfig()).getConfig()).toEqual({ ...r.getConfig(), name: expect.any(String) });
    expect((RepeatVector.fromConfig({ ...r.getConfig(), name: 'rep_2' }) as RepeatVector).n).toBe(5);
    const p = new Permute({ dims: [2, 1] });
    expect(p.getConfig()).toMatchObject({ dims: [2, 1] });
    expect((Permute.fromConfig(p.getConfig() as never) as Permute).dims).toEqual([2, 1]);
  });

  it('errors name the layer, the argument and the rank', () => {
    expect(() => new RepeatVector(0)).toThrow(/RepeatVector: n must be a positive integer, got 0/);
    expect(() => new RepeatVector(2).apply(tk.zeros([1, 2, 3]))).toThrow(/repeat_vector.*: expected an input of rank 2 \(batch axis included\), got shape \[1,2,3\]/);
    expect(() => new Permute([1, 1])).toThrow(/Permute: dims must be a permutation of 1..n .*got \[1,1\]/);
    expect(() => new Permute([0, 1])).toThrow(/Permute: dims must be a permutation/);
    expect(() => new Permute([2, 1]).apply(tk.zeros([1, 2, 3, 4]))).toThrow(/expected an input of rank 3 \(batch axis included\), got shape \[1,2,3,4\]/);
  });
});

describe('TimeDistributed', () => {
  it('Dense at every step: one set of weights [in, units]; output [B, T, units]; equals the Dense on each step', () => {
    const dense = new Dense(3, { activation: 'tanh', biasInitializer: 'random_normal' });
    const td = new TimeDistributed(dense);
    const x = randomTensor([2, 4, 5], 1);
    const y = td.apply(x);
    expect(y.shape).toEqual([2, 4, 3]);
    expect(td.weights).toEqual(dense.weights);
    expect(td.weights.map((w) => w.shape)).toEqual([[5, 3], [3]]);
    for (let t = 0; t < 4; t++) {
      const step = dense.apply(tk.squeeze(tk.slice(x, [0, t, 0], [2, 1, 5]), 1));
      expectClose(tk.squeeze(tk.slice(y, [0, t, 0], [2, 1, 3]), 1).data, step.data, { rtol: 1e-6, atol: 1e-6 });
    }
    expect(td.kerasSubLayers()).toEqual({ layer: dense });
    expect(td.computeOutputShape([null, 7, 5])).toEqual([null, 7, 3]);
  });

  it('matches tf.layers.timeDistributed(dense) at the same weights: forward, weight and input gradients', () => {
    const ours = new TimeDistributed(new Dense(4, { activation: 'relu' }));
    const theirs = tf.layers.timeDistributed({ layer: tf.layers.dense({ units: 4, activation: 'relu' }) });
    expectTfjsParity(ours, theirs, randomTensor([3, 5, 2], 2));
  });

  it('finite differences: weights and input, also wrapping a Conv1D over [B, T, S, C] (rank 4)', () => {
    const td = new TimeDistributed(new Dense(2, { biasInitializer: 'random_normal', activation: 'sigmoid' }));
    const x = randomTensor([2, 3, 4], 3);
    expect(weightGradientError(td, x)).toBeLessThan(1e-3);
    expect(tk.checkGradients((t) => td.apply(t), [x])).toBeLessThan(1e-3);
    const conv = new TimeDistributed(new tk.layers.Conv1D(2, 2, { padding: 'causal' }));
    const x4 = randomTensor([2, 3, 4, 2], 4);
    expect(conv.apply(x4).shape).toEqual([2, 3, 4, 2]);
    expect(weightGradientError(conv, x4)).toBeLessThan(1e-3);
  });

  it('config holds the wrapped layer as { className, config }; fromConfig rebuilds it; TF.js args form', () => {
    const td = new TimeDistributed({ layer: new Dense(2, { name: 'inner' }), name: 'td' });
    const config = td.getConfig();
    expect(config.layer).toEqual({ className: 'Dense', config: (td.layer as Dense).getConfig() });
    const copy = TimeDistributed.fromConfig({ ...config, name: 'td_copy', layer: { className: 'Dense', config: { ...(config.layer as { config: object }).config, name: 'inner_copy' } } });
    expect(copy.layer.getClassName()).toBe('Dense');
    expect((copy.layer as Dense).units).toBe(2);
    const x = randomTensor([1, 2, 3], 5);
    td.apply(x);
    copy.apply(x);
    copy.setWeights(td.getWeights());
    expectClose(copy.apply(x).data, td.apply(x).data, { rtol: 0, atol: 0 });
  });

  it('errors: rank < 3 names the layer and rank 3; a non-layer argument is refused', () => {
    expect(() => new TimeDistributed(new Dense(2), { name: 'td' }).apply(tk.zeros([2, 3]))).toThrow(/td: expected an input of rank >= 3 \(batch axis included\), got shape \[2,3\]/);
    expect(() => new TimeDistributed({} as never)).toThrow(/TimeDistributed: layer must be a tk.layers.Layer instance/);
    expect(() => new TimeDistributed('dense' as never)).toThrow(/TimeDistributed: layer must be a tk.layers.Layer instance, got 'dense'/);
  });
});

describe('the mask flow', () => {
  it('Embedding(maskZero) → GlobalAveragePooling1D: the mean of the unmasked steps, by hand; gradients reach only their rows', () => {
    const e = new Embedding(6, 3, { maskZero: true, embeddingsInitializer: 'random_normal' });
    const pool = new GlobalAveragePooling1D();
    const ids = tk.tensor([[1, 4, 0, 0], [5, 0, 5, 2]]);
    const y = pool.apply(e.apply(ids));
    const table = e.embeddings!.toArray() as number[][];
    const mean = (rows: number[]): number[] => [0, 1, 2].map((j) => rows.reduce((s, r) => s + table[r]![j]!, 0) / rows.length);
    expectClose(y.data, [...mean([1, 4]), ...mean([5, 5, 2])], { rtol: 1e-6, atol: 1e-7 });
    expect(maskOf(y)).toBeNull();
    const { grads } = tk.variableGrads(() => pool.apply(e.apply(ids)).sum(), [e.embeddings!]);
    // d/dW[r] = Σ over the samples of (occurrences of r among the unmasked steps) / (unmasked steps).
    const counts = [0, 1 / 2, 1 / 3, 0, 1 / 2, 2 / 3];
    expectClose(grads[0]!.data, counts.flatMap((c) => [c, c, c]), { rtol: 1e-6, atol: 1e-7 });
  });

  it('the same in a Sequential model, through TimeDistributed(Dense), which passes the mask on', () => {
    const model = new tk.Sequential([
      new Embedding(5, 2, { maskZero: true, inputShape: [3] }),
      new TimeDistributed(new Dense(2, { biasInitializer: 'ones' })),
      new GlobalAveragePooling1D(),
    ]);
    const ids = tk.tensor([[3, 0, 1], [0, 0, 4]]);
    const y = model.predict(ids) as tk.Tensor;
    const e = model.layers[0] as Embedding;
    const td = model.layers[1] as TimeDistributed;
    const steps = td.apply(e.apply(ids));
    expect(maskOf(steps)?.toArray()).toEqual([[1, 0, 1], [0, 0, 1]]);
    const s = steps.toArray() as number[][][];
    expectClose(y.data, [(s[0]![0]![0]! + s[0]![2]![0]!) / 2, (s[0]![0]![1]! + s[0]![2]![1]!) / 2, s[1]![2]![0]!, s[1]![2]![1]!], { rtol: 1e-6, atol: 1e-7 });
  });

  it('in a functional model too (predict and fit), and a [B, T, S] mask follows TimeDistributed into the wrapped layer', async () => {
    const tokens = tk.input({ shape: [4] });
    const e = new Embedding(6, 2, { maskZero: true, embeddingsInitializer: 'random_normal' });
    const out = new GlobalAveragePooling1D().apply(e.apply(tokens));
    const model = tk.model({ inputs: tokens, outputs: out });
    const ids = tk.tensor([[2, 0, 4, 0], [0, 0, 0, 1]]);
    const table = e.embeddings!.toArray() as number[][];
    const y = model.predict(ids) as tk.Tensor;
    expectClose(y.data, [(table[2]![0]! + table[4]![0]!) / 2, (table[2]![1]! + table[4]![1]!) / 2, table[1]![0]!, table[1]![1]!], { rtol: 1e-6, atol: 1e-7 });
    model.compile({ optimizer: 'sgd', loss: 'mse' });
    await model.fit(ids, tk.zeros([2, 2]), { epochs: 1, batchSize: 2, verbose: 0 });
    // Rows 0, 3 and 5 occur only as padding or not at all: the masked mean gives them no gradient.
    const after = e.embeddings!.toArray() as number[][];
    for (const r of [0, 3, 5]) expect(after[r]).toEqual(table[r]);
    expect(after[2]).not.toEqual(table[2]);
    // ids [B, T, S] → Embedding → [B, T, S, D] with mask [B, T, S]; TimeDistributed(GlobalAveragePooling1D)
    // averages each step's unmasked sub-steps, as Keras hands the wrapped layer its slice of the mask.
    const words = tk.tensor([[[1, 2, 0], [3, 0, 0]]]);
    const emb = new Embedding(4, 2, { maskZero: true, embeddingsInitializer: 'random_normal' });
    const pooled = new TimeDistributed(new GlobalAveragePooling1D()).apply(emb.apply(words));
    const t2 = emb.embeddings!.toArray() as number[][];
    expectClose(pooled.data, [(t2[1]![0]! + t2[2]![0]!) / 2, (t2[1]![1]! + t2[2]![1]!) / 2, t2[3]![0]!, t2[3]![1]!], { rtol: 1e-6, atol: 1e-7 });
  });

  it('Masking → GlobalAveragePooling1D (channels_first and keepdims follow); a fully masked sample gives NaN, as Keras', () => {
    const x = tk.tensor([[[1, 2], [0, 0], [3, 4]], [[0, 0], [0, 0], [0, 0]]]);
    const y = new GlobalAveragePooling1D().apply(new Masking().apply(x));
    const values = y.toArray() as number[][];
    expect(values[0]).toEqual([2, 3]);
    expect(values[1]!.every(Number.isNaN)).toBe(true);
    const cf = new GlobalAveragePooling1D({ dataFormat: 'channels_first', keepdims: true });
    const xt = tk.transpose(tk.slice(x, [0, 0, 0], [1, 3, 2]), [0, 2, 1]); // [1, 2, 3]
    expect(cf.apply(xt, { mask: tk.tensor([[1, 0, 1]]) }).toArray()).toEqual([[[2], [3]]]);
  });

  it('a layer that takes no mask (Conv1D, GlobalMaxPooling1D) drops it with a warning, and computes on every step, as Keras', () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    const masked = new Masking().apply(tk.tensor([[[1], [0], [-5]]]));
    const pooled = new tk.layers.GlobalMaxPooling1D({ name: 'gmp' }).apply(masked);
    expect(pooled.toArray()).toEqual([[1]]);
    expect(warn).toHaveBeenCalledWith(expect.stringMatching(/gmp \(GlobalMaxPooling1D\): its input carries a mask .* the mask is dropped/));
    const conv = new tk.layers.Conv1D(1, 1, { name: 'c1', kernelInitializer: 'ones' }).apply(masked);
    expect(maskOf(conv)).toBeNull();
    expect(warn).toHaveBeenCalledWith(expect.stringMatching(/c1 \(Conv1D\): its input carries a mask/));
    warn.mockRestore();
  });
});
