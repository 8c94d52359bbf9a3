// Recurrent layers (issue 13): the fused sequence primitives against their recorded forms, every
// cell and option against finite differences, TF.js side by side at identical weights (forward
// and gradients), Keras's semantics by hand-derived values, and the errors.

import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import * as tk from '../../src/index.js';
import * as ops from '../../src/ops/index.js';
import { expectClose } from '../helpers/index.js';
import { randomTensor, weightGradientError } from './helpers.js';
import { expectTfjsParity } from './tfjs_parity.js';

const L = tk.layers;
const act = tk.activations.getActivation;

beforeAll(async () => {
  await tf.setBackend('cpu');
});

/** The processing-order [T, B, 1] mask the composite forms take, from a [B, T] mask. */
function processing(mask: tk.Tensor, goBackwards: boolean): tk.Tensor {
  const [B, T] = mask.shape as [number, number];
  const m = new Float32Array(T * B);
  for (let t = 0; t < T; t++) for (let b = 0; b < B; b++) m[t * B + b] = mask.data[b * T + (goBackwards ? T - 1 - t : t)]!;
  return tk.tensor(m, [T, B, 1]);
}

const MASK = tk.tensor([[1, 0, 1, 1], [0, 1, 1, 0], [1, 1, 1, 1]]);

describe('fused sequence primitives = their recorded forms (forward, gradients)', () => {
  const T = 4, B = 3, u = 3;
  const families = [
    {
      name: 'lstm',
      inputs: () => [randomTensor([T, B, 4 * u], 1), randomTensor([u, 4 * u], 2, -0.6, 0.6), randomTensor([B, u], 3), randomTensor([B, u], 4)],
      fused: (xs: tk.Tensor[], o: ops.LSTMSequenceOptions) => ops.lstmSequence(xs[0]!, xs[1]!, xs[2]!, xs[3]!, o),
      composite: (xs: tk.Tensor[], m: tk.Tensor | null, o: ops.LSTMSequenceOptions) => ops.lstmSequenceComposite(xs[0]!, xs[1]!, xs[2]!, xs[3]!, m, o),
    },
    {
      name: 'gru',
      inputs: () => [randomTensor([T, B, 3 * u], 1), randomTensor([u, 3 * u], 2, -0.6, 0.6), randomTensor([3 * u], 5), randomTensor([B, u], 3)],
      fused: (xs: tk.Tensor[], o: ops.GRUSequenceOptions) => ops.gruSequence(xs[0]!, xs[1]!, xs[2]!, xs[3]!, o),
      composite: (xs: tk.Tensor[], m: tk.Tensor | null, o: ops.GRUSequenceOptions) => ops.gruSequenceComposite(xs[0]!, xs[1]!, xs[2]!, xs[3]!, m, o),
    },
    {
      name: 'simpleRnn',
      inputs: () => [randomTensor([T, B, u], 1), randomTensor([u, u], 2, -0.6, 0.6), randomTensor([B, u], 3)],
      fused: (xs: tk.Tensor[], o: ops.SimpleRNNSequenceOptions) => ops.simpleRnnSequence(xs[0]!, xs[1]!, xs[2]!, o),
      composite: (xs: tk.Tensor[], m: tk.Tensor | null, o: ops.SimpleRNNSequenceOptions) => ops.simpleRnnSequenceComposite(xs[0]!, xs[1]!, xs[2]!, m, o),
    },
  ];
  for (const fam of families) {
    for (const [a, r] of [['tanh', 'sigmoid'], ['relu', 'hard_sigmoid'], ['linear', 'tanh']] as const) {
      for (const goBackwards of [false, true]) {
        for (const masked of [false, true]) {
          it(`${fam.name} ${a}/${r}${goBackwards ? ' goBackwards' : ''}${masked ? ' masked' : ''}`, () => {
            const o = { activation: act(a), recurrentActivation: act(r), goBackwards, mask: masked ? MASK : null };
            const xs = fam.inputs();
            const m = masked ? processing(MASK, goBackwards) : null;
            const yF = fam.fused(xs, o as never);
            const yC = fam.composite(xs, m, o as never);
            expectClose(yF.data, yC.data, { rtol: 1e-6, atol: 1e-6 });
            const w = randomTensor([...yF.shape], 9);
            const gF = tk.grads((...v) => fam.fused(v, o as never).mul(w).sum())(...xs);
            const gC = tk.grads((...v) => fam.composite(v, m, o as never).mul(w).sum())(...xs);
            gF.forEach((g, i) => expectClose(g.data, gC[i]!.data, { rtol: 1e-5, atol: 1e-5 }));
          });
        }
      }
    }
    it(`${fam.name}: finite differences`, () => {
      const o = { activation: act('tanh'), recurrentActivation: act('sigmoid'), mask: MASK };
      expect(tk.checkGradients((...v) => fam.fused(v, o as never), fam.inputs())).toBeLessThan(1e-3);
      expect(tk.checkGradients((...v) => fam.fused(v, { ...o, goBackwards: true } as never), fam.inputs())).toBeLessThan(1e-3);
    });
  }
});

/** Gradient checks of a layer: the input (and initial states) by tk.checkGradients, every weight by central differences. */
function checkLayer(layer: tk.layers.Layer<tk.Tensor | tk.Tensor[]>, x: tk.Tensor, args: tk.layers.CallArgs = {}): void {
  const flat = (y: tk.Tensor | tk.Tensor[]): tk.Tensor => (Array.isArray(y) ? tk.concat(y.map((t) => t.reshape([-1])), 0) : y);
  layer.apply(x, args);
  expect(tk.checkGradients((t) => flat(layer.apply(t, args)), [x])).toBeLessThan(1e-3);
  const wrapped = { apply: (t: tk.Tensor, a: tk.layers.CallArgs) => flat(layer.apply(t, a)), get trainableWeights() { return layer.trainableWeights; } };
  expect(weightGradientError(wrapped as unknown as tk.layers.Layer, x, args)).toBeLessThan(1e-3);
}

describe('gradient checks of every cell and option (finite differences)', () => {
  const x = () => randomTensor([2, 4, 3], 11);
  const cases: [string, () => tk.layers.Layer<tk.Tensor | tk.Tensor[]>][] = [
    ['LSTM', () => new L.LSTM(3)],
    ['LSTM returnSequences goBackwards', () => new L.LSTM(3, { returnSequences: true, goBackwards: true })],
    ['LSTM returnState, unitForgetBias false, no bias', () => new L.LSTM(2, { returnState: true, unitForgetBias: false, useBias: false })],
    // (relu and hard_sigmoid, with kinks a finite difference may straddle, are checked against the recorded form above)
    ['LSTM sigmoid / tanh', () => new L.LSTM(2, { activation: 'sigmoid', recurrentActivation: 'tanh', returnSequences: true })],
    ['LSTM softsign (recorded path)', () => new L.LSTM(2, { activation: 'softsign', returnSequences: true })],
    ['GRU resetAfter', () => new L.GRU(3, { returnSequences: true })],
    ['GRU resetAfter false', () => new L.GRU(3, { resetAfter: false, returnSequences: true, goBackwards: true })],
    ['GRU returnState, no bias', () => new L.GRU(2, { returnState: true, useBias: false })],
    ['SimpleRNN', () => new L.SimpleRNN(3, { returnSequences: true })],
    ['SimpleRNN goBackwards returnState', () => new L.SimpleRNN(3, { goBackwards: true, returnState: true })],
    ['RNN(StackedRNNCells LSTM, GRU, SimpleRNN)', () => new L.RNN([new L.LSTMCell(2), new L.GRUCell(3, { resetAfter: false }), new L.SimpleRNNCell(2)], { returnSequences: true, returnState: true })],
    ['Bidirectional LSTM concat', () => new L.Bidirectional(new L.LSTM(2, { returnSequences: true }))],
    ['Bidirectional GRU mul', () => new L.Bidirectional(new L.GRU(2), { mergeMode: 'mul' })],
  ];
  for (const [name, make] of cases) {
    it(name, () => checkLayer(make(), x()));
    it(`${name}, masked`, () => checkLayer(make(), x(), { mask: tk.tensor([[1, 1, 0, 1], [0, 1, 1, 0]]) }));
  }
  it('initialState: gradients reach the initial states', () => {
    const lstm = new L.LSTM(3, { returnSequences: true });
    const xs = x();
    lstm.apply(xs);
    expect(tk.checkGradients((t, h, c) => lstm.apply(t, { initialState: [h!, c!] }) as tk.Tensor, [xs, randomTensor([2, 3], 4), randomTensor([2, 3], 5)])).toBeLessThan(1e-3);
    const gru = new L.GRU(3);
    gru.apply(xs);
    expect(tk.checkGradients((t, h) => gru.apply(t, { initialState: [h!] }) as tk.Tensor, [xs, randomTensor([2, 3], 4)])).toBeLessThan(1e-3);
  });
});

describe('TF.js parity at identical weights (forward, weight and input gradients)', () => {
  const x = () => randomTensor([3, 5, 4], 21);
  const sig = { recurrentActivation: 'sigmoid' } as const;
  for (const o of [{}, { returnSequences: true }, { returnSequences: true, goBackwards: true }, { goBackwards: true, useBias: false }] as const) {
    const label = JSON.stringify(o);
    it(`LSTM ${label}`, () => expectTfjsParity(new L.LSTM(3, o) as tk.layers.Layer, tf.layers.lstm({ units: 3, ...sig, unitForgetBias: true, ...o }), x()));
    it(`GRU resetAfter false ${label}`, () => expectTfjsParity(new L.GRU(3, { resetAfter: false, ...o }) as tk.layers.Layer, tf.layers.gru({ units: 3, ...sig, ...o }), x()));
    it(`SimpleRNN ${label}`, () => expectTfjsParity(new L.SimpleRNN(3, o) as tk.layers.Layer, tf.layers.simpleRNN({ units: 3, ...o }), x()));
  }
  it('activations relu / tanh gates', () => {
    expectTfjsParity(new L.LSTM(3, { activation: 'relu', recurrentActivation: 'tanh', returnSequences: true }) as tk.layers.Layer, tf.layers.lstm({ units: 3, activation: 'relu', recurrentActivation: 'tanh', returnSequences: true }), x());
  });
  it('stacked cells: RNN([LSTMCell, GRUCell]) = tf.layers.rnn({ cell: [...] })', () => {
    const ours = new L.RNN([new L.LSTMCell(3), new L.GRUCell(2, { resetAfter: false })], { returnSequences: true });
    const theirs = tf.layers.rnn({ cell: [tf.layers.lstmCell({ units: 3, ...sig }), tf.layers.gruCell({ units: 2, ...sig })], returnSequences: true });
    expectTfjsParity(ours as tk.layers.Layer, theirs, x());
  });
  for (const mergeMode of ['concat', 'sum', 'mul', 'ave'] as const) {
    it(`Bidirectional(LSTM) ${mergeMode}`, () => {
      expectTfjsParity(new L.Bidirectional(new L.LSTM(2), { mergeMode }) as tk.layers.Layer, tf.layers.bidirectional({ layer: tf.layers.lstm({ units: 2, ...sig }) as tf.RNN, mergeMode }), x());
    });
    it(`Bidirectional(GRU, returnSequences) ${mergeMode}`, () => {
      expectTfjsParity(new L.Bidirectional(new L.GRU(2, { resetAfter: false, returnSequences: true }), { mergeMode }) as tk.layers.Layer,
        tf.layers.bidirectional({ layer: tf.layers.gru({ units: 2, ...sig, returnSequences: true }) as tf.RNN, mergeMode }), x());
    });
  }

  /** Forward and gradients with call arguments TF.js takes too (mask, initialState). */
  function parityWith(ours: tk.layers.Layer<tk.Tensor | tk.Tensor[]>, theirs: tf.layers.Layer, xs: tk.Tensor, mask: tk.Tensor | null, init: tk.Tensor[] | null): void {
    const tx = tf.tensor(xs.data, [...xs.shape]);
    const tmask = mask === null ? undefined : tf.tensor(mask.data, [...mask.shape]).cast('bool');
    const tinit = init === null ? undefined : init.map((s) => tf.tensor(s.data, [...s.shape]));
    const args = { ...(mask !== null ? { mask } : {}), ...(init !== null ? { initialState: init } : {}) };
    const y = ours.apply(xs, args) as tk.Tensor;
    const run = (t: tf.Tensor): tf.Tensor => theirs.apply(t, { ...(tmask ? { mask: tmask } : {}), ...(tinit ? { initialState: tinit } : {}) }) as tf.Tensor;
    run(tx);
    theirs.setWeights(ours.getWeights().map((w) => tf.tensor(w.data, [...w.shape])));
    expectClose(y.data, run(tx).dataSync(), { rtol: 1e-5, atol: 1e-5 });
    const r = randomTensor([...y.shape], 6);
    const tr = tf.tensor(r.data, [...y.shape]);
    const { grads } = tk.variableGrads(() => (ours.apply(xs, args) as tk.Tensor).mul(r).sum(), ours.trainableWeights);
    const tg = tf.variableGrads(() => tf.sum(tf.mul(run(tx), tr)) as tf.Scalar, theirs.trainableWeights.map((w) => w.read() as tf.Variable));
    theirs.trainableWeights.forEach((w, i) => expectClose(grads[i]!.data, tg.grads[(w.read() as tf.Variable).name]!.dataSync(), { rtol: 1e-4, atol: 1e-4 }));
    const [gx] = tk.grads((t) => (ours.apply(t!, args) as tk.Tensor).mul(r).sum())(xs);
    const [tgx] = tf.grads((t: tf.Tensor) => tf.sum(tf.mul(run(t), tr)))([tx]);
    expectClose(gx!.data, tgx!.dataSync(), { rtol: 1e-4, atol: 1e-4 });
  }
  // TF.js repeats the previous h at a masked step, tensorkit (as Keras's TF backend) the previous
  // output, 0 before any unmasked step: the same numbers when the initial state is 0.
  const mask = tk.tensor([[1, 1, 0, 1, 1], [0, 1, 1, 1, 0], [1, 1, 1, 0, 0]]);
  for (const returnSequences of [false, true]) {
    it(`masked LSTM, GRU, SimpleRNN (returnSequences ${returnSequences})`, () => {
      parityWith(new L.LSTM(3, { returnSequences }), tf.layers.lstm({ units: 3, ...sig, unitForgetBias: true, returnSequences }), x(), mask, null);
      parityWith(new L.GRU(3, { resetAfter: false, returnSequences, goBackwards: true }), tf.layers.gru({ units: 3, ...sig, returnSequences, goBackwards: true }), x(), mask, null);
      parityWith(new L.SimpleRNN(3, { returnSequences }), tf.layers.simpleRNN({ units: 3, returnSequences }), x(), mask, null);
    });
  }
  it('initialState', () => {
    parityWith(new L.LSTM(3, { returnSequences: true }), tf.layers.lstm({ units: 3, ...sig, unitForgetBias: true, returnSequences: true }), x(), null, [randomTensor([3, 3], 1), randomTensor([3, 3], 2)]);
    parityWith(new L.GRU(3, { resetAfter: false }), tf.layers.gru({ units: 3, ...sig }), x(), null, [randomTensor([3, 3], 3)]);
  });
});

describe('Keras 3 semantics (hand-derived values, keras-facts-2 §14)', () => {
  it('weights: names, shapes, counts; unitForgetBias sets the forget block to 1', () => {
    const lstm = new L.LSTM(2, { name: 'enc' });
    lstm.apply(tk.ones([1, 1, 3]));
    expect(lstm.weights.map((w) => [w.name, w.shape])).toEqual([['enc/kernel', [3, 8]], ['enc/recurrent_kernel', [2, 8]], ['enc/bias', [8]]]);
    expect(lstm.countParams()).toBe(48);
    expect(Array.from(lstm.weights[2]!.data)).toEqual([0, 0, 1, 1, 0, 0, 0, 0]);
    const gru = new L.GRU(3);
    gru.apply(tk.ones([1, 1, 4]));
    expect(gru.countParams()).toBe(81);
    expect(gru.weights[2]!.shape).toEqual([2, 9]);
    const gru2 = new L.GRU(3, { resetAfter: false });
    gru2.apply(tk.ones([1, 1, 4]));
    expect(gru2.countParams()).toBe(72);
    const bi = new L.Bidirectional(new L.LSTM(2));
    bi.apply(tk.ones([1, 1, 3]));
    expect(bi.countParams()).toBe(96);
    // The recurrent kernel is orthogonal: UᵀU = I for a square one.
    const rnn = new L.SimpleRNN(4);
    rnn.apply(tk.ones([1, 1, 2]));
    const U = rnn.weights[1]!;
    expectClose(tk.matmul(U, U, true, false).data, tk.eye(4).data, { atol: 1e-5, rtol: 0 });
  });

  const unit = (options: tk.layers.SimpleRNNOptions): tk.layers.SimpleRNN => {
    const r = new L.SimpleRNN(1, { activation: 'linear', useBias: false, ...options });
    r.apply(tk.zeros([1, 1, 1]));
    r.setWeights([tk.tensor([[1]]), tk.tensor([[1]])]);
    return r;
  };
  it('goBackwards: a running sum from the end, in processing order (1,2,4,8 → 8,12,14,15)', () => {
    const y = unit({ goBackwards: true, returnSequences: true }).apply(tk.tensor([[[1], [2], [4], [8]]])) as tk.Tensor;
    expect(Array.from(y.data)).toEqual([8, 12, 14, 15]);
  });
  it('a masked step keeps the state and repeats the output (1,2,masked,3 → 1,3,3,6); 0 before any step', () => {
    const r = unit({ returnSequences: true });
    expect(Array.from((r.apply(tk.tensor([[[1], [2], [5], [3]]]), { mask: tk.tensor([[1, 1, 0, 1]]) }) as tk.Tensor).data)).toEqual([1, 3, 3, 6]);
    expect(Array.from((r.apply(tk.tensor([[[1], [2], [5], [3]]]), { mask: tk.tensor([[0, 1, 1, 0]]) }) as tk.Tensor).data)).toEqual([0, 2, 7, 7]);
    const last = unit({});
    expect(Array.from((last.apply(tk.tensor([[[1], [2], [5], [3]]]), { mask: tk.tensor([[1, 1, 0, 0]]) }) as tk.Tensor).data)).toEqual([3]);
  });
  it('the mask comes from Embedding(maskZero) and steps are skipped; Bidirectional zeros masked outputs', () => {
    const emb = new L.Embedding(5, 1, { maskZero: true });
    emb.apply(tk.tensor([[1]]));
    emb.setWeights([tk.tensor([[0], [1], [2], [4], [8]])]);
    const e = emb.apply(tk.tensor([[1, 2, 0, 3]]));
    expect(Array.from((unit({ returnSequences: true }).apply(e) as tk.Tensor).data)).toEqual([1, 3, 3, 7]);
    const bi = new L.Bidirectional(new L.SimpleRNN(1, { activation: 'linear', useBias: false, returnSequences: true }), { mergeMode: null });
    bi.apply(e);
    bi.setWeights([tk.tensor([[1]]), tk.tensor([[1]]), tk.tensor([[1]]), tk.tensor([[1]])]);
    const [f, b] = bi.apply(e) as tk.Tensor[];
    expect(Array.from(f!.data)).toEqual([1, 3, 0, 7]);
    expect(Array.from(b!.data)).toEqual([7, 6, 0, 4]); // backward sums 4, then 2+4, then masked, then 1+6, flipped back
  });
  it('returnState: [output, h] / [output, h, c]; Bidirectional [out, hf, cf, hb, cb]', () => {
    const [out, h, c] = new L.LSTM(2, { returnState: true }).apply(randomTensor([3, 4, 2], 1)) as tk.Tensor[];
    expect(out!.shape).toEqual([3, 2]);
    expect(Array.from(out!.data)).toEqual(Array.from(h!.data));
    expect(c!.shape).toEqual([3, 2]);
    const ys = new L.Bidirectional(new L.LSTM(2, { returnState: true })).apply(randomTensor([3, 4, 2], 1)) as tk.Tensor[];
    expect(ys.map((y) => y.shape)).toEqual([[3, 4], [3, 2], [3, 2], [3, 2], [3, 2]]);
  });
  it('stateful: two calls continue one sequence; resetStates starts again', () => {
    const xs = randomTensor([2, 6, 3], 5);
    const whole = new L.GRU(3, { returnSequences: true });
    const yWhole = whole.apply(xs) as tk.Tensor;
    const s = new L.GRU(3, { stateful: true, returnSequences: true, batchInputShape: [2, 3, 3] });
    s.apply(tk.slice(xs, [0, 0, 0], [2, 3, 3]));
    s.setWeights(whole.getWeights());
    s.resetStates();
    const a = s.apply(tk.slice(xs, [0, 0, 0], [2, 3, 3])) as tk.Tensor;
    const b = s.apply(tk.slice(xs, [0, 3, 0], [2, 3, 3])) as tk.Tensor;
    expectClose(tk.concat([a, b], 1).data, yWhole.data, { rtol: 1e-6, atol: 1e-6 });
    s.resetStates();
    expectClose((s.apply(tk.slice(xs, [0, 0, 0], [2, 3, 3])) as tk.Tensor).data, a.data, { rtol: 0, atol: 0 });
    expect(() => s.apply(tk.ones([3, 3, 3]))).toThrow(/expected input shape \(2, 3, 3\), got \[3,3,3\]/);
    const free = new L.SimpleRNN(2, { stateful: true });
    free.apply(tk.ones([2, 3, 3]));
    expect(() => free.apply(tk.ones([3, 3, 3]))).toThrow(/holds states for a batch of 2, got a batch of 3; call resetStates/);
    expect(() => new L.LSTM(2, { stateful: true, inputShape: [3, 3] })).toThrow(/stateful RNN needs a fixed batch size/);
  });
  it('dropout: active in training only, one mask per call shared by every step (fused and step paths agree with it)', () => {
    const xs = tk.ones([4, 5, 6]);
    for (const layer of [new L.LSTM(3, { dropout: 0.5, seed: 1 }), new L.GRU(3, { dropout: 0.3, recurrentDropout: 0.4, seed: 2 }), new L.SimpleRNN(3, { recurrentDropout: 0.5, seed: 3 })]) {
      const y0 = layer.apply(xs) as tk.Tensor;
      expect(Array.from((layer.apply(xs) as tk.Tensor).data)).toEqual(Array.from(y0.data));
      const yt = layer.apply(xs, { training: true }) as tk.Tensor;
      expect(Array.from(yt.data)).not.toEqual(Array.from(y0.data));
      const { grads } = tk.variableGrads(() => (layer.apply(xs, { training: true }) as tk.Tensor).sum(), layer.trainableWeights);
      expect(grads.every((g) => g.data.every(Number.isFinite))).toBe(true);
    }
    // With input dropout only, one [B, F] mask for all steps: a constant input dropped in a column
    // stays dropped at every step, so a LSTM sees x⊙m at every step = no dropout on x⊙m.
    const lstm = new L.LSTM(2, { dropout: 0.5, seed: 7, returnSequences: true });
    const x1 = tk.ones([1, 3, 8]);
    const yt = lstm.apply(x1, { training: true }) as tk.Tensor;
    const plain = new L.LSTM(2, { returnSequences: true });
    plain.apply(x1);
    plain.setWeights(lstm.getWeights());
    // Find the mask: it scales each column by 0 or 2; try the mask that reproduces yt from the first step.
    const candidates = Array.from({ length: 256 }, (_, k) => tk.tensor(Array.from({ length: 8 }, (_, j) => ((k >> j) & 1) * 2), [1, 1, 8]));
    const hit = candidates.some((m) => {
      const y = plain.apply(tk.mul(x1, m)) as tk.Tensor;
      return y.data.every((v, i) => Math.abs(v - yt.data[i]!) < 1e-6);
    });
    expect(hit).toBe(true);
  });
  it('functional: initialState from inputs, returnState outputs', () => {
    const x = tk.input({ shape: [4, 3] });
    const h0 = tk.input({ shape: [2] });
    const c0 = tk.input({ shape: [2] });
    const [out, h, c] = new L.LSTM(2, { returnState: true }).apply(x, { initialState: [h0, c0] }) as tk.layers.SymbolicTensor[];
    const model = tk.model({ inputs: [x, h0, c0], outputs: [out!, h!, c!] });
    const ys = model.predict([randomTensor([5, 4, 3], 1), randomTensor([5, 2], 2), randomTensor([5, 2], 3)]) as tk.Tensor[];
    expect(ys.map((y) => y.shape)).toEqual([[5, 2], [5, 2], [5, 2]]);
  });
});

describe('the step-by-step path (cell.call in a loop) = the fused sequence path', () => {
  // A StackedRNNCells of one cell runs the generic loop of RNN (cell.call per step, recorded ops);
  // the layer itself runs the cell's fused `sequence`. Same weights, same numbers and gradients.
  const cells: [string, () => tk.layers.RNN, (l: tk.layers.RNN) => tk.layers.Layer<tk.Tensor[]>][] = [
    ['LSTM', () => new L.LSTM(3, { returnSequences: true, returnState: true }), () => new L.LSTMCell(3)],
    ['GRU resetAfter', () => new L.GRU(3, { returnSequences: true, returnState: true }), () => new L.GRUCell(3)],
    ['SimpleRNN', () => new L.SimpleRNN(3, { returnSequences: true, returnState: true }), () => new L.SimpleRNNCell(3)],
  ];
  for (const [name, fused, cell] of cells) {
    for (const goBackwards of [false, true]) {
      it(`${name}${goBackwards ? ' goBackwards' : ''}, masked`, () => {
        const xs = randomTensor([2, 4, 3], 31);
        const mask = tk.tensor([[1, 0, 1, 1], [1, 1, 1, 0]]);
        const a = fused();
        const options = { returnSequences: true, returnState: true, goBackwards };
        const f = new L.RNN(a.cell as never, options);
        const b = new L.RNN([cell(a) as never], options);
        f.apply(xs);
        b.apply(xs);
        b.setWeights(f.getWeights());
        const ya = f.apply(xs, { mask }) as tk.Tensor[];
        const yb = b.apply(xs, { mask }) as tk.Tensor[];
        ya.forEach((y, i) => expectClose(y.data, yb[i]!.data, { rtol: 1e-5, atol: 1e-6 }));
        const r = randomTensor([...ya[0]!.shape], 3);
        const ga = tk.variableGrads(() => (f.apply(xs, { mask }) as tk.Tensor[])[0]!.mul(r).sum(), f.trainableWeights).grads;
        const gb = tk.variableGrads(() => (b.apply(xs, { mask }) as tk.Tensor[])[0]!.mul(r).sum(), b.trainableWeights).grads;
        ga.forEach((g, i) => expectClose(g.data, gb[i]!.data, { rtol: 1e-4, atol: 1e-5 }));
      });
    }
  }
  it('Bidirectional initialState: the first half to the forward layer, the second to the backward', () => {
    const xs = randomTensor([2, 4, 3], 32);
    const bi = new L.Bidirectional(new L.LSTM(2), { mergeMode: null });
    bi.apply(xs);
    const s = [randomTensor([2, 2], 1), randomTensor([2, 2], 2), randomTensor([2, 2], 3), randomTensor([2, 2], 4)];
    const [f, b] = bi.apply(xs, { initialState: s }) as tk.Tensor[];
    expectClose(f!.data, (bi.forwardLayer.apply(xs, { initialState: s.slice(0, 2) }) as tk.Tensor).data, { rtol: 0, atol: 0 });
    expectClose(b!.data, (bi.backwardLayer.apply(xs, { initialState: s.slice(2) }) as tk.Tensor).data, { rtol: 0, atol: 0 });
    expect(() => bi.apply(xs, { initialState: s.slice(0, 3) })).toThrow(/initialState must hold 4 tensors/);
  });
});

describe('errors', () => {
  it('wrong rank names the layer and rank 3', () => {
    expect(() => new L.LSTM(2, { name: 'enc' }).apply(tk.ones([2, 3]))).toThrow(/enc: expected an input of rank 3/);
    expect(() => new L.GRU(2, { name: 'g' }).apply(tk.ones([1, 2, 3, 4]))).toThrow(/g: expected an input of rank 3/);
  });
  it('units must be a positive integer', () => {
    expect(() => new L.LSTM(0)).toThrow(/LSTM: units must be a positive integer, got 0/);
    expect(() => new L.GRU(1.5)).toThrow(/GRU: units must be a positive integer, got 1.5/);
    expect(() => new L.SimpleRNNCell(-1)).toThrow(/units must be a positive integer/);
  });
  it('initial states that do not fit', () => {
    const lstm = new L.LSTM(3, { name: 'l' });
    expect(() => lstm.apply(tk.ones([2, 4, 5]), { initialState: [tk.zeros([2, 3])] })).toThrow(/l: initialState must be a list of 2 tensors \(shapes \[2, 3\], \[2, 3\]\), got 1/);
    expect(() => lstm.apply(tk.ones([2, 4, 5]), { initialState: [tk.zeros([2, 3]), tk.zeros([2, 4])] })).toThrow(/l: initialState\[1\] must have shape \[2, 3\]/);
  });
  it('unknown and unsupported options, bad merge modes', () => {
    expect(() => new L.LSTM(2, { unitsForgetBias: true } as never)).toThrow(/unknown option 'unitsForgetBias'.*Did you mean 'unitForgetBias'/);
    expect(() => new L.LSTM(2, { kernelConstraint: 'maxNorm' } as never)).toThrow(/kernelConstraint is not supported/);
    expect(() => new L.Bidirectional(new L.LSTM(2), { mergeMode: 'max' as never })).toThrow(/mergeMode must be one of/);
    expect(() => new L.Bidirectional(new L.LSTM(2, { goBackwards: true }))).toThrow(/goBackwards/);
    expect(() => new L.RNN(new L.Dense(2) as never)).toThrow(/must be a layer with stateSize and outputSize/);
  });
});
