// MultiHeadAttention, Attention and AdditiveAttention. TF.js 4.22 has none of them, so the
// references are: a numpy implementation of Keras 3's formulas (goldens/attention_reference.py,
// which wrote goldens/attention_golden.json with its inputs, weights and outputs), hand-derived
// small cases, and finite-difference checks of the gradients of every input and weight (and a
// second derivative through MultiHeadAttention).

import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import * as tk from '../../src/index.js';
import { AdditiveAttention, Attention, MultiHeadAttention } from '../../src/layers/index.js';
import { clearSession } from '../../src/naming.js';
import { kerasSaveables } from '../../src/saving/weights_h5.js';
import { expectClose, flat } from '../helpers/index.js';
import { randomTensor, weightGradientError } from './helpers.js';

beforeEach(() => clearSession());

type Nested = number | Nested[];
const golden = JSON.parse(readFileSync(new URL('./goldens/attention_golden.json', import.meta.url), 'utf8')) as Record<string, Record<string, Nested | Nested[]>>;

/** A golden array as a tensor of its nested shape. */
function t(value: Nested): tk.Tensor {
  const shape: number[] = [];
  for (let v: Nested = value; Array.isArray(v); v = v[0]!) shape.push(v.length);
  return tk.tensor(new Float32Array(flat(value)), shape);
}

const close = (a: tk.Tensor, expected: Nested): void => expectClose(a.data, flat(expected), { rtol: 1e-4, atol: 1e-5 });

describe('MultiHeadAttention', () => {
  it("Keras 3's EinsumDense weights: names, shapes and order; value/output sizes; 1088 parameters for Keras's example", () => {
    const mha = new MultiHeadAttention({ numHeads: 2, keyDim: 8 });
    const x = tk.randomNormal([3, 5, 16]);
    expect((mha.apply([x, x]) as tk.Tensor).shape).toEqual([3, 5, 16]);
    expect(mha.weights.map((w) => [w.name, w.shape])).toEqual([
      ['multi_head_attention/query/kernel', [16, 2, 8]], ['multi_head_attention/query/bias', [2, 8]],
      ['multi_head_attention/key/kernel', [16, 2, 8]], ['multi_head_attention/key/bias', [2, 8]],
      ['multi_head_attention/value/kernel', [16, 2, 8]], ['multi_head_attention/value/bias', [2, 8]],
      ['multi_head_attention/attention_output/kernel', [2, 8, 16]], ['multi_head_attention/attention_output/bias', [16]],
    ]);
    expect(mha.countParams()).toBe(1088);
    const other = new MultiHeadAttention({ numHeads: 3, keyDim: 2, valueDim: 4, outputShape: 7, useBias: false });
    const y = other.apply([tk.zeros([2, 3, 5]), tk.zeros([2, 6, 9]), tk.zeros([2, 6, 4])]) as tk.Tensor;
    expect(y.shape).toEqual([2, 3, 7]);
    expect(other.weights.map((w) => w.shape)).toEqual([[5, 3, 2], [4, 3, 2], [9, 3, 4], [3, 4, 7]]);
    expect(Object.keys(other.kerasSubLayers())).toEqual(['query_dense', 'key_dense', 'value_dense', 'output_dense']);
  });

  it('matches the numpy reference: key, valueDim, outputShape, an attentionMask with a fully masked row, scores returned', () => {
    const g = golden.mha_mask_scores!;
    const mha = new MultiHeadAttention({ numHeads: g.numHeads as number, keyDim: g.keyDim as number, valueDim: g.valueDim as number, outputShape: g.outputShape as number });
    const inputs = [t(g.query!), t(g.value!), t(g.key!)];
    mha.apply(inputs);
    mha.setWeights((g.weights as Nested[]).map(t));
    const [out, scores] = mha.apply(inputs, { attentionMask: t(g.attentionMask!), returnAttentionScores: true }) as tk.Tensor[];
    close(out!, g.output!);
    close(scores!, g.scores!);
    expect(scores!.shape).toEqual([2, 2, 3, 4]);
    // The masked row's scores are zero: its output is the output bias alone.
    expect(Array.from(scores!.toArray() as number[][][][]).map((b) => b.map((h) => h[2]!.every((p) => p === 0)))[1]).toEqual([true, true]);
  });

  it('matches the numpy reference: self-attention with the padding mask the input carries and the causal mask; the output keeps the mask', () => {
    const g = golden.mha_padding_causal!;
    const mha = new MultiHeadAttention({ numHeads: g.numHeads as number, keyDim: g.keyDim as number });
    const x = t(g.x!);
    mha.apply([x, x]);
    mha.setWeights((g.weights as Nested[]).map(t));
    const pad = t(g.padding!);
    const xm = tk.layers.setMask(tk.identity(x), pad);
    const out = mha.apply([xm, xm], { useCausalMask: true }) as tk.Tensor;
    close(out, g.output!);
    expect(tk.layers.maskOf(out)?.toArray()).toEqual(pad.toArray());
    // The same masks given as call arguments.
    close(mha.apply([x, x], { useCausalMask: true, queryMask: pad, valueMask: pad }) as tk.Tensor, g.output!);
  });

  it('hand-derived: one head, keyDim 1, identity projections — the scores are softmax(q·k), the output their average of v', () => {
    const mha = new MultiHeadAttention({ numHeads: 1, keyDim: 1, useBias: false });
    const q = tk.tensor([[[1], [2]]]);
    const v = tk.tensor([[[3], [5]]]);
    mha.apply([q, v]);
    mha.setWeights([[[[1]]], [[[1]]], [[[1]]], [[[1]]]]);
    const [out, scores] = mha.apply([q, v], { returnAttentionScores: true }) as tk.Tensor[];
    // Row 0: logits 1·3, 1·5 → softmax [1/(1+e²), e²/(1+e²)]; output 3·p0 + 5·p1.
    const p1 = Math.exp(2) / (1 + Math.exp(2));
    expectClose(scores!.data.slice(0, 2), [1 - p1, p1], { rtol: 1e-6 });
    expectClose([out!.data[0]!], [3 * (1 - p1) + 5 * p1], { rtol: 1e-6 });
    // Causal: query 0 sees key 0 only.
    const [causal] = mha.apply([q, v], { useCausalMask: true, returnAttentionScores: true }) as tk.Tensor[];
    expectClose([causal!.data[0]!], [3], { rtol: 1e-6 });
  });

  it('slidingWindow keeps |i − j| < window', () => {
    const mha = new MultiHeadAttention({ numHeads: 1, keyDim: 2, slidingWindow: 2 });
    const x = tk.randomNormal([1, 4, 3]);
    const [, scores] = mha.apply([x, x], { returnAttentionScores: true }) as tk.Tensor[];
    const s = (scores!.toArray() as number[][][][])[0]![0]!;
    s.forEach((row, i) => row.forEach((p, j) => expect(p === 0).toBe(Math.abs(i - j) >= 2)));
  });

  it('dropout on the probabilities in training only; seeded layers repeat; the scores are the pre-dropout probabilities', () => {
    const make = (): MultiHeadAttention => {
      tk.setSeed(1);   // the same initial weights; the dropout generator is the layer's own (seed 7)
      return new MultiHeadAttention({ numHeads: 2, keyDim: 3, dropout: 0.5, seed: 7 });
    };
    const x = randomTensor([2, 5, 4], 3);
    const a = make();
    const [ya, sa] = a.apply([x, x], { training: true, returnAttentionScores: true }) as tk.Tensor[];
    const b = make();
    const [yb] = b.apply([x, x], { training: true, returnAttentionScores: true }) as tk.Tensor[];
    expect(Array.from(ya!.data)).toEqual(Array.from(yb!.data));
    const [yi, si] = a.apply([x, x], { returnAttentionScores: true }) as tk.Tensor[];
    expect(Array.from(sa!.data)).toEqual(Array.from(si!.data));
    expect(Array.from(ya!.data)).not.toEqual(Array.from(yi!.data));
    // Rows of the returned scores sum to 1 (dropout not applied to them).
    const sums = tk.sum(sa!, -1).data;
    expectClose(sums, new Array(sums.length).fill(1), { rtol: 1e-5 });
  });

  it('gradients of query, value, key and all 8 weights agree with finite differences (with masks and dropout off)', () => {
    const mha = new MultiHeadAttention({ numHeads: 2, keyDim: 3, valueDim: 2, outputShape: 3 });
    const q = randomTensor([2, 3, 4], 1);
    const v = randomTensor([2, 4, 5], 2);
    const k = randomTensor([2, 4, 3], 3);
    mha.apply([q, v, k]);
    const mask = tk.tensor([[[1, 1, 0, 1], [1, 0, 1, 1], [0, 1, 1, 1]]]);
    const args = { attentionMask: mask, useCausalMask: false };
    expect(tk.checkGradients((a, b, c) => mha.apply([a!, b!, c!], args) as tk.Tensor, [q, v, k])).toBeLessThan(1e-3);
    expect(weightGradientError(mha as unknown as tk.layers.Layer, [q, v, k] as unknown as tk.Tensor, args)).toBeLessThan(1e-3);
  });

  it('a second derivative through the layer (recorded ops only) agrees with finite differences', () => {
    const mha = new MultiHeadAttention({ numHeads: 2, keyDim: 2 });
    const x = randomTensor([1, 3, 4], 5);
    mha.apply([x, x]);
    const r = randomTensor([1, 3, 4], 6);
    const report = tk.gradientCheckReport((a) => tk.grad((b) => tk.sum(tk.mul(mha.apply([b!, b!], { useCausalMask: true }) as tk.Tensor, r)))(a!), [x]);
    expect(report.maxError).toBeLessThan(2e-3);
    expect(report.ops).toContain('matmul');
  });

  it('in a functional model: symbolic shapes, scores [B, N, T, S], a symbolic attentionMask input', () => {
    const q = tk.input({ shape: [3, 4] });
    const v = tk.input({ shape: [5, 6] });
    const m = tk.input({ shape: [3, 5] });
    const mha = new MultiHeadAttention({ numHeads: 2, keyDim: 2 });
    const [out, scores] = mha.apply([q, v], { attentionMask: m, returnAttentionScores: true }) as tk.layers.SymbolicTensor[];
    expect(out!.shape).toEqual([null, 3, 4]);
    expect(scores!.shape).toEqual([null, 2, 3, 5]);
    const model = tk.model({ inputs: [q, v, m], outputs: [out!, scores!] });
    const ones = tk.ones([2, 3, 5]);
    const [y, s] = model.predict([randomTensor([2, 3, 4], 1), randomTensor([2, 5, 6], 2), ones]) as tk.Tensor[];
    expect(y!.shape).toEqual([2, 3, 4]);
    expect(s!.shape).toEqual([2, 2, 3, 5]);
  });

  it(".keras weight paths are Keras 3's: layers/multi_head_attention/{key,output,query,value}_dense/vars/{0,1}", () => {
    const x = tk.input({ shape: [4, 3] });
    const model = tk.model({ inputs: x, outputs: new MultiHeadAttention({ numHeads: 2, keyDim: 2 }).apply([x, x]) as tk.layers.SymbolicTensor });
    const paths = kerasSaveables(model).filter((s) => s.variables.length > 0).map((s) => [s.path, s.variables.map((v) => v.shape)]);
    expect(paths).toEqual([
      ['layers/multi_head_attention/key_dense', [[3, 2, 2], [2, 2]]],
      ['layers/multi_head_attention/output_dense', [[2, 2, 3], [3]]],
      ['layers/multi_head_attention/query_dense', [[3, 2, 2], [2, 2]]],
      ['layers/multi_head_attention/value_dense', [[3, 2, 2], [2, 2]]],
    ]);
  });

  it.each(['m.keras', 'm.h5', 'web'])('a model with a symbolic attentionMask input and the scores as a second output saves and loads (%s)', async (file) => {
    const q = tk.input({ shape: [3, 4] });
    const v = tk.input({ shape: [5, 6] });
    const m = tk.input({ shape: [3, 5] });
    const [out, scores] = new MultiHeadAttention({ numHeads: 2, keyDim: 2 }).apply([q, v], { attentionMask: m, returnAttentionScores: true, useCausalMask: true }) as tk.layers.SymbolicTensor[];
    const model = tk.model({ inputs: [q, v, m], outputs: [out!, scores!] });
    const data = [randomTensor([2, 3, 4], 1), randomTensor([2, 5, 6], 2), tk.tensor(Array.from({ length: 30 }, (_, i) => (i % 4 === 0 ? 0 : 1)), [2, 3, 5])];
    const dir = mkdtempSync(path.join(tmpdir(), 'tk-mha-'));
    try {
      await model.save(path.join(dir, file));
      const back = await tk.loadModel(path.join(dir, file));
      const [a, b] = model.predict(data) as tk.Tensor[];
      const [c, d] = back.predict(data) as unknown as tk.Tensor[];
      expect(Array.from(c!.data)).toEqual(Array.from(a!.data));
      expect(Array.from(d!.data)).toEqual(Array.from(b!.data));
      // The mask and the causal mask were replayed: masked scores are exactly 0.
      expect(d!.data.some((p) => p === 0)).toBe(true);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("loads Keras configs: Keras 3's keys at their off values, tf.keras 2's recorded build shapes (checked)", () => {
    const keras3 = { name: 'mha', numHeads: 2, keyDim: 3, valueDim: 3, dropout: 0, useBias: true, outputShape: null, attentionAxes: [1], slidingWindow: null, useGate: false, seed: null };
    const a = MultiHeadAttention.fromConfig(keras3) as MultiHeadAttention;
    expect((a.apply([tk.zeros([1, 2, 4]), tk.zeros([1, 5, 4])]) as tk.Tensor).shape).toEqual([1, 2, 4]);
    const b = MultiHeadAttention.fromConfig({ numHeads: 2, keyDim: 3, queryShape: [null, 2, 4], valueShape: [null, 5, 6], keyShape: [null, 5, 6] }) as MultiHeadAttention;
    expect((b.apply([tk.zeros([1, 2, 4]), tk.zeros([1, 5, 6])]) as tk.Tensor).shape).toEqual([1, 2, 4]);
    const c = MultiHeadAttention.fromConfig({ numHeads: 2, keyDim: 3, queryShape: [null, 2, 4], valueShape: [null, 5, 6], name: 'c' }) as MultiHeadAttention;
    expect(() => c.apply([tk.zeros([1, 2, 4]), tk.zeros([1, 5, 7])])).toThrow(/c: valueShape \[null,5,6\] \(from the layer's config\) does not match the input shape \[1,5,7\]/);
  });

  it('config: camelCase keys, round trip', () => {
    const mha = new MultiHeadAttention({ numHeads: 4, keyDim: 8, valueDim: 6, dropout: 0.1, outputShape: 12, seed: 3, kernelRegularizer: 'l2', name: 'att' });
    const config = mha.getConfig();
    expect(config).toMatchObject({ name: 'att', numHeads: 4, keyDim: 8, valueDim: 6, dropout: 0.1, useBias: true, outputShape: 12, attentionAxes: [1], seed: 3 });
    const copy = MultiHeadAttention.fromConfig(config) as MultiHeadAttention;
    expect(copy.getConfig()).toEqual(config);
    expect(new MultiHeadAttention({ numHeads: 1, keyDim: 2, outputShape: [5], attentionAxes: [1] }).outputShape).toBe(5);
  });

  it('errors name the layer, the argument, and both shapes that do not fit', () => {
    expect(() => new MultiHeadAttention({ numHeads: 0, keyDim: 2 })).toThrow(/MultiHeadAttention: numHeads must be a positive integer, got 0/);
    expect(() => new MultiHeadAttention({ numHeads: 2 } as never)).toThrow(/keyDim must be a positive integer, got undefined/);
    expect(() => new MultiHeadAttention({ numHeads: 2, keyDim: 2, dropout: 2 })).toThrow(/dropout must be a number in \[0, 1\]/);
    expect(() => new MultiHeadAttention({ numHeads: 2, keyDim: 2, attentionAxes: [1, 2] })).toThrow(/attentionAxes \[1,2\] is not supported/);
    expect(() => new MultiHeadAttention({ numHeads: 2, keyDim: 2, useGate: true })).toThrow(/useGate/);
    expect(() => new MultiHeadAttention({ numHeads: 2, keyDim: 2, kernelConstraint: 'non_neg' as never })).toThrow(/kernelConstraint is not supported/);
    expect(() => new MultiHeadAttention({ numHeads: 2, keyDim: 2, key_dim: 3 } as never)).toThrow(/unknown option 'key_dim'. Did you mean 'keyDim'\?/);
    const mha = new MultiHeadAttention({ numHeads: 2, keyDim: 2, name: 'mha' });
    expect(() => mha.apply([tk.zeros([2, 3, 4]), tk.zeros([2, 5, 4]), tk.zeros([2, 6, 4])])).toThrow(/mha: value and key must have the same length .* got value \[2,5,4\] and key \[2,6,4\]/);
    expect(() => mha.apply([tk.zeros([2, 3, 4]), tk.zeros([3, 5, 4])])).toThrow(/mha: query, value and key must have the same batch size, got query \[2,3,4\], value \[3,5,4\]/);
    expect(() => mha.apply(tk.zeros([2, 3, 4]))).toThrow(/mha: expected a list \[query, value\] or \[query, value, key\]/);
    expect(() => mha.apply([tk.zeros([2, 3]), tk.zeros([2, 3])])).toThrow(/mha: query must have rank 3/);
    mha.apply([tk.zeros([2, 3, 4]), tk.zeros([2, 5, 4])]);
    expect(() => mha.apply([tk.zeros([2, 3, 6]), tk.zeros([2, 5, 4])])).toThrow(/mha: the layer was built for query, value and key features 4, 4 and 4, got query \[2,3,6\], value \[2,5,4\]/);
    expect(() => mha.apply([tk.zeros([2, 3, 4]), tk.zeros([2, 5, 4])], { attentionMask: tk.ones([2, 3, 4]) })).toThrow(/mha: attentionMask of shape \[2,3,4\] does not broadcast to \[batch, query length, key length\] = \[2,3,5\]/);
    expect(() => mha.apply([tk.zeros([2, 3, 4]), tk.zeros([2, 5, 4])], { attention_mask: tk.ones([2, 3, 5]) })).toThrow(/mha: unknown call argument 'attention_mask'/);
  });
});

describe('Attention and AdditiveAttention', () => {
  it('Attention (dot, useScale) matches the numpy reference: query, value and key, query/value masks, causal', () => {
    const g = golden.attention_dot!;
    const att = new Attention({ useScale: true });
    const inputs = [t(g.query!), t(g.value!), t(g.key!)];
    att.apply(inputs);
    expect(att.weights.map((w) => [w.name, w.shape])).toEqual([['attention/scale', []]]);
    att.setWeights([tk.tensor(g.scale as number)]);
    const [out, scores] = att.apply(inputs, { mask: [t(g.queryMask!), t(g.valueMask!)], useCausalMask: true, returnAttentionScores: true }) as tk.Tensor[];
    close(out!, g.output!);
    close(scores!, g.scores!);
  });

  it('Attention (concat) matches the numpy reference; weights scale and concat_score_weight', () => {
    const g = golden.attention_concat!;
    const att = new Attention({ useScale: true, scoreMode: 'concat' });
    const inputs = [t(g.query!), t(g.value!), t(g.key!)];
    att.apply(inputs);
    expect(att.weights.map((w) => w.name)).toEqual(['attention/scale', 'attention/concat_score_weight']);
    att.setWeights([tk.tensor(g.scale as number), tk.tensor(g.concatScoreWeight as number)]);
    const [out, scores] = att.apply(inputs, { returnAttentionScores: true }) as tk.Tensor[];
    close(out!, g.output!);
    close(scores!, g.scores!);
  });

  it('AdditiveAttention matches the numpy reference with the value mask the value carries; scale [dim] glorot-uniform in ±√(3/dim)', () => {
    const g = golden.additive!;
    const att = new AdditiveAttention();
    const q = t(g.query!);
    const v = tk.layers.setMask(t(g.value!), t(g.valueMask!));
    att.apply([q, v]);
    expect(att.weights.map((w) => [w.name, w.shape])).toEqual([['additive_attention/scale', [5]]]);
    expect(Math.max(...Array.from(att.weights[0]!.data, Math.abs))).toBeLessThanOrEqual(Math.sqrt(3 / 5));
    att.setWeights([t(g.scale!)]);
    const [out, scores] = att.apply([q, v], { returnAttentionScores: true }) as tk.Tensor[];
    close(out!, g.output!);
    close(scores!, g.scores!);
  });

  it('hand-derived: dot attention of one query over two keys', () => {
    const att = new Attention();
    const out = att.apply([tk.tensor([[[1, 0]]]), tk.tensor([[[1, 0], [0, 1]]])]) as tk.Tensor;
    // scores [1, 0] → weights [e/(1+e), 1/(1+e)] → output = weights (value rows are the unit vectors).
    const e = Math.E;
    expectClose(out.data, [e / (1 + e), 1 / (1 + e)], { rtol: 1e-6 });
  });

  it.each([
    ['Attention dot', () => new Attention({ useScale: true })],
    ['Attention concat', () => new Attention({ useScale: true, scoreMode: 'concat' })],
    ['AdditiveAttention', () => new AdditiveAttention()],
  ])('%s: gradients of query, value, key and the weights agree with finite differences', (_name, make) => {
    const att = make();
    const q = randomTensor([2, 3, 4], 1);
    const v = randomTensor([2, 5, 3], 2);
    const k = randomTensor([2, 5, 4], 3);
    att.apply([q, v, k]);
    const args = { mask: [tk.tensor([[1, 1, 0], [1, 1, 1]]), tk.tensor([[1, 0, 1, 1, 1], [1, 1, 1, 1, 0]])], useCausalMask: true };
    expect(tk.checkGradients((a, b, c) => att.apply([a!, b!, c!], args) as tk.Tensor, [q, v, k])).toBeLessThan(1e-3);
    expect(weightGradientError(att as unknown as tk.layers.Layer, [q, v, k] as unknown as tk.Tensor, args)).toBeLessThan(1e-3);
  });

  it('dropout in training only, seeded; config round trips', () => {
    const att = new Attention({ dropout: 0.5, seed: 2 });
    const x = randomTensor([1, 4, 3], 1);
    const train = att.apply([x, x], { training: true }) as tk.Tensor;
    const twin = new Attention({ dropout: 0.5, seed: 2 }).apply([x, x], { training: true }) as tk.Tensor;
    expect(Array.from(train.data)).toEqual(Array.from(twin.data));
    expect(Array.from(train.data)).not.toEqual(Array.from((att.apply([x, x]) as tk.Tensor).data));
    const config = att.getConfig();
    expect(config).toMatchObject({ useScale: false, scoreMode: 'dot', dropout: 0.5, seed: 2 });
    expect(Attention.fromConfig(config).getConfig()).toEqual(config);
    const add = new AdditiveAttention({ useScale: false });
    expect(add.getConfig()).toMatchObject({ useScale: false, dropout: 0, seed: null });
    expect(add.getConfig()).not.toHaveProperty('scoreMode');
    expect(AdditiveAttention.fromConfig(add.getConfig()).getConfig()).toEqual(add.getConfig());
  });

  it('errors name the layer and both shapes that do not fit', () => {
    expect(() => new Attention({ scoreMode: 'general' as never })).toThrow(/Attention: scoreMode must be 'dot' or 'concat', got 'general'/);
    const att = new Attention({ name: 'att' });
    expect(() => att.apply([tk.zeros([2, 3, 4]), tk.zeros([2, 5, 6])])).toThrow(/att: query and value \(the key\) must have the same feature size to be compared, got query \[2,3,4\] and value \(the key\) \[2,5,6\]/);
    expect(() => att.apply([tk.zeros([2, 3, 4]), tk.zeros([2, 5, 6]), tk.zeros([2, 5, 3])])).toThrow(/att: query and key must have the same feature size to be compared, got query \[2,3,4\] and key \[2,5,3\]/);
    expect(() => att.apply([tk.zeros([2, 3, 4]), tk.zeros([2, 5, 6]), tk.zeros([2, 4, 4])])).toThrow(/att: value and key must have the same length, got value \[2,5,6\] and key \[2,4,4\]/);
    expect(() => att.apply(tk.zeros([2, 3, 4]))).toThrow(/att: expected a list \[query, value\] or \[query, value, key\]/);
    expect(() => new AdditiveAttention({ scoreMode: 'dot' } as never)).toThrow(/AdditiveAttention: unknown option 'scoreMode'/);
  });
});
