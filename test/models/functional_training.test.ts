// Training models with several inputs and outputs, and from datasets: one trainer for every model.
// Facts checked (keras-facts-2 §13.4–13.5): the total loss is Σ wᵢ·Lᵢ, per-output loss keys exist
// when two or more outputs have a loss, metric keys are prefixed by the output's name, history keys
// are sorted, evaluate returns [loss, per-output losses, sorted rest], predict returns one tensor per
// output. The oracles: the per-output losses computed by hand from the model's predictions, and the
// same data given as arrays (a dataset of the same batches must train the same weights, bit for bit).

import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import * as tk from '../../src/index.js';
import { randomTensor } from '../layers/helpers.js';
import { recordingMse } from './helpers.js';

beforeEach(() => {
  tk.clearSession();
  tk.setSeed(11);
});
afterEach(() => vi.restoreAllMocks());

/** Two inputs a [4] and b [2]; outputs price (Dense 1) and kind (Dense 2, softmax). */
function twoHeads(): tk.Model<tk.Tensor[]> {
  const a = tk.input({ shape: [4], name: 'a' });
  const b = tk.input({ shape: [2], name: 'b' });
  const h = new tk.layers.Dense(6, { activation: 'tanh', name: 'h' }).apply(new tk.layers.Concatenate().apply([a, b]));
  const price = new tk.layers.Dense(1, { name: 'price' }).apply(h);
  const kind = new tk.layers.Dense(2, { activation: 'softmax', name: 'kind' }).apply(h);
  return tk.model({ inputs: [a, b], outputs: [price, kind] });
}

function data(n = 12): { xa: tk.Tensor; xb: tk.Tensor; yp: tk.Tensor; yk: tk.Tensor } {
  const xa = randomTensor([n, 4], 1);
  const xb = randomTensor([n, 2], 2);
  const yp = randomTensor([n, 1], 3);
  const yk = tk.oneHot(tk.tensor(Array.from({ length: n }, (_, i) => (i * 7) % 2)), 2);
  return { xa, xb, yp, yk };
}

/** Mean squared error and categorical crossentropy in float64, from predictions (the oracle). */
function mse(y: tk.Tensor, p: tk.Tensor): number {
  let s = 0;
  for (let i = 0; i < y.size; i++) s += (y.data[i]! - p.data[i]!) ** 2;
  return s / y.size;
}
function cce(y: tk.Tensor, p: tk.Tensor): number {
  const n = y.shape[0]!;
  const k = y.shape[1]!;
  let s = 0;
  for (let i = 0; i < n; i++) for (let j = 0; j < k; j++) s -= y.data[i * k + j]! * Math.log(Math.min(Math.max(p.data[i * k + j]!, 1e-7), 1 - 1e-7));
  return s / n;
}

describe('compile and evaluate with several outputs', () => {
  it('the total loss is Σ wᵢ·Lᵢ, each Lᵢ logged unweighted, as the predictions give by hand', () => {
    const model = twoHeads();
    model.compile({ optimizer: 'sgd', loss: { price: 'mse', kind: 'categorical_crossentropy' }, lossWeights: { price: 0.3, kind: 2 } });
    const { xa, xb, yp, yk } = data();
    const logs = model.evaluate([xa, xb], { price: yp, kind: yk }, { verbose: 0, batchSize: 12, returnDict: true });
    const [pp, pk] = model.predict([xa, xb]);
    expect(Object.keys(logs)).toEqual(['kind_loss', 'loss', 'price_loss']);
    expect(logs.price_loss).toBeCloseTo(mse(yp, pp!), 5);
    expect(logs.kind_loss).toBeCloseTo(cce(yk, pk!), 5);
    expect(logs.loss).toBeCloseTo(0.3 * mse(yp, pp!) + 2 * cce(yk, pk!), 5);
    expect(model.lossWeights).toEqual([0.3, 2]);
  });

  it("history keys: Keras 3's names, sorted, val_ for validation (model_test.py's set)", async () => {
    const a = tk.input({ shape: [3], name: 'x' });
    const oa = new tk.layers.Dense(1, { name: 'output_a' }).apply(a);
    const ob = new tk.layers.Dense(2, { name: 'output_b', activation: 'softmax' }).apply(a);
    const model = tk.model({ inputs: a, outputs: [oa, ob] });
    model.compile({
      optimizer: 'sgd',
      loss: ['mean_squared_error', 'categorical_crossentropy'],
      metrics: { output_a: ['mean_squared_error'], output_b: ['mean_squared_error', 'accuracy'] },
    });
    const x = randomTensor([8, 3], 4);
    const ya = randomTensor([8, 1], 5);
    const yb = tk.oneHot(tk.tensor([0, 1, 1, 0, 1, 0, 0, 1]), 2);
    const history = await model.fit(x, [ya, yb], { epochs: 2, verbose: 0, validationSplit: 0.25 });
    const train = ['loss', 'output_a_loss', 'output_a_mean_squared_error', 'output_b_accuracy', 'output_b_loss', 'output_b_mean_squared_error'];
    expect(Object.keys(history.history)).toEqual([...train, ...train.map((k) => `val_${k}`)]);
    expect(model.metricsNames).toEqual(['loss', 'output_a_loss', 'output_b_loss', 'output_a_mean_squared_error', 'output_b_accuracy', 'output_b_mean_squared_error']);
    // evaluate's array follows metricsNames: loss, the per-output losses in output order, then the rest sorted.
    const values = model.evaluate(x, [ya, yb], { verbose: 0 }) as number[];
    const dict = model.evaluate(x, [ya, yb], { verbose: 0, returnDict: true });
    expect(values).toEqual(model.metricsNames.map((k) => dict[k]));
    // The model's own mse metric on output_a equals its loss (same function, same data).
    expect(dict.output_a_mean_squared_error).toBeCloseTo(dict.output_a_loss!, 6);
  });

  it('one loss on a two-output model: no per-output key (Keras 3.5); a flat metrics list applies to every output', async () => {
    const model = twoHeads();
    model.compile({ optimizer: 'sgd', loss: { price: 'mse', kind: null }, metrics: ['mae'] });
    const { xa, xb, yp, yk } = data();
    const history = await model.fit([xa, xb], [yp, yk], { epochs: 1, verbose: 0 });
    expect(Object.keys(history.history)).toEqual(['kind_mae', 'loss', 'price_mae']);
    // Labels are optional for an output with neither loss nor metrics.
    model.compile({ optimizer: 'sgd', loss: { price: 'mse', kind: null } });
    expect(Object.keys(model.evaluate([xa, xb], { price: yp }, { verbose: 0, returnDict: true }))).toEqual(['loss']);
  });

  it('per-output sample weights weight only their output', () => {
    const model = twoHeads();
    model.compile({ optimizer: 'sgd', loss: ['mse', 'categorical_crossentropy'] });
    const { xa, xb, yp, yk } = data(4);
    const plain = model.evaluate([xa, xb], [yp, yk], { verbose: 0, returnDict: true });
    const w = [1, 0, 0, 0];
    const weighted = model.evaluate([xa, xb], [yp, yk], { verbose: 0, returnDict: true, sampleWeight: { price: w } });
    expect(weighted.kind_loss).toBeCloseTo(plain.kind_loss!, 6);
    const [pp] = model.predict([xa, xb]);
    // sum_over_batch_size: Σ wᵢ·lossᵢ / n.
    expect(weighted.price_loss).toBeCloseTo(((yp.data[0]! - pp!.data[0]!) ** 2) / 4, 5);
  });

  it('one trainOnBatch step with loss weights moves every weight by −lr·∂(Σ wᵢ·Lᵢ)/∂w', () => {
    const model = twoHeads();
    model.compile({ optimizer: new tk.optimizers.SGD({ learningRate: 0.1 }), loss: ['mse', 'categorical_crossentropy'], lossWeights: [0.5, 3] });
    const { xa, xb, yp, yk } = data(6);
    const before = model.getWeights();
    const mseLoss = new tk.losses.MeanSquaredError();
    const cceLoss = new tk.losses.CategoricalCrossentropy();
    const { grads } = tk.variableGrads(() => {
      const [p, k] = model.apply([xa, xb], { training: true });
      return mseLoss.compute(yp, p!).mul(0.5).add(cceLoss.compute(yk, k!).mul(3));
    }, model.trainableWeights);
    model.trainOnBatch([xa, xb], [yp, yk]);
    model.getWeights().forEach((w, i) => {
      const expected = before[i]!.sub(grads[i]!.mul(0.1));
      for (let j = 0; j < w.size; j++) expect(w.data[j]).toBeCloseTo(expected.data[j]!, 6);
    });
  });

  it('compile errors name the output', () => {
    const model = twoHeads();
    expect(() => model.compile({ loss: ['mse'] })).toThrow("compile() loss: a list needs one entry per output ('price', 'kind'), got 1");
    expect(() => model.compile({ loss: { price: 'mse', kindd: 'mse' } })).toThrow("compile() loss: 'kindd' is not an output of the model (outputs: 'price', 'kind')");
    expect(() => model.compile({ loss: { price: 'mse' } })).toThrow("the object names no loss for 'kind'");
    expect(() => model.compile({ loss: 'mse', lossWeights: [1] })).toThrow('lossWeights: a list needs one weight per output (2), got 1');
    expect(() => model.compile({ loss: 'mse', metrics: [['mae'], 'mse'] as never })).toThrow(/not a mix/);
    const m = new tk.metrics.MeanAbsoluteError();
    expect(() => model.compile({ loss: 'mse', metrics: [m] })).toThrow(/the metric instance 'mean_absolute_error' is given for two outputs/);
    model.compile({ loss: 'mse' });
    const { xa, xb, yp, yk } = data(2);
    expect(() => model.evaluate([xa, xb], [yp, yk], { verbose: 0 })).not.toThrow();
    expect(() => model.trainOnBatch([xa, xb], [yp, yk], { classWeight: { 0: 2 } })).toThrow('classWeight is for models with one output');
  });
});

describe('datasets', () => {
  /** A single-input regression model and its data in batches of 4. */
  function regression(): { model: tk.Model<tk.Tensor>; x: tk.Tensor; y: tk.Tensor; batches: { xs: tk.Tensor; ys: tk.Tensor }[] } {
    const x = tk.input({ shape: [3] });
    const model = tk.model({ inputs: x, outputs: new tk.layers.Dense(1).apply(new tk.layers.Dense(4, 'relu').apply(x)) });
    model.compile({ optimizer: new tk.optimizers.SGD({ learningRate: 0.05 }), loss: 'mse' });
    const xs = randomTensor([12, 3], 8);
    const ys = randomTensor([12, 1], 9);
    const batches = [0, 4, 8].map((s) => ({ xs: tk.slice(xs, [s, 0], [4, 3]), ys: tk.slice(ys, [s, 0], [4, 1]) }));
    return { model, x: xs, y: ys, batches };
  }

  it('a dataset of the same batches trains the same weights as the arrays, bit for bit', async () => {
    const a = regression();
    const initial = a.model.getWeights();
    await a.model.fit(a.x, a.y, { epochs: 3, batchSize: 4, shuffle: false, verbose: 0 });
    const viaArrays = a.model.getWeights();
    a.model.setWeights(initial);
    a.model.compile({ optimizer: new tk.optimizers.SGD({ learningRate: 0.05 }), loss: 'mse' });
    const history = await a.model.fit(a.batches as never, { epochs: 3, verbose: 0 } as never).catch((e: Error) => e);
    // A plain array is samples, not a dataset: arrays of batches go through an iterable.
    expect(history).toBeInstanceOf(Error);
    const iterable = { [Symbol.iterator]: () => a.batches[Symbol.iterator]() };
    const h = await a.model.fit(iterable, { epochs: 3, verbose: 0 });
    expect(h.history.loss!.length).toBe(3);
    a.model.getWeights().forEach((w, i) => expect(Array.from(w.data)).toEqual(Array.from(viaArrays[i]!.data)));
  });

  it('without stepsPerEpoch each epoch iterates afresh; with it, epochs continue one iterator', async () => {
    const { model, batches } = regression();
    let fresh = 0;
    const iterable = { [Symbol.iterator]: () => { fresh++; return batches[Symbol.iterator](); } };
    await model.fit(iterable, { epochs: 3, verbose: 0 });
    expect(fresh).toBe(3);
    // A generator of numbered batches: epoch 2 starts where epoch 1 stopped.
    const seen: number[][] = [];
    const x = tk.input({ shape: [1] });
    const m = tk.model({ inputs: x, outputs: new tk.layers.Dense(1).apply(x) });
    m.compile({ optimizer: 'sgd', loss: recordingMse(seen) });
    function* numbered(): Generator<[tk.Tensor, tk.Tensor]> {
      for (let i = 0; ; i++) yield [tk.tensor([[i]]), tk.tensor([[i]])];
    }
    await m.fit(numbered(), { epochs: 3, stepsPerEpoch: 2, verbose: 0 });
    expect(seen.map((b) => b[0])).toEqual([0, 1, 2, 3, 4, 5]);
  });

  it('async iterables, [xs, ys] elements and dict xs for several inputs; validationData as a dataset', async () => {
    const model = twoHeads();
    model.compile({ optimizer: 'sgd', loss: ['mse', 'categorical_crossentropy'] });
    const { xa, xb, yp, yk } = data(8);
    async function* batches(): AsyncGenerator<{ xs: Record<string, tk.Tensor>; ys: tk.Tensor[] }> {
      for (const s of [0, 4]) {
        await new Promise((r) => setTimeout(r, 1));
        yield { xs: { a: tk.slice(xa, [s, 0], [4, 4]), b: tk.slice(xb, [s, 0], [4, 2]) }, ys: [tk.slice(yp, [s, 0], [4, 1]), tk.slice(yk, [s, 0], [4, 2])] };
      }
    }
    const history = await model.fit({ [Symbol.asyncIterator]: batches }, { epochs: 2, verbose: 0, validationData: { [Symbol.asyncIterator]: batches } });
    expect(Object.keys(history.history)).toEqual(['kind_loss', 'loss', 'price_loss', 'val_kind_loss', 'val_loss', 'val_price_loss']);
    // The last epoch's val_loss is evaluate on the same batches after training.
    const evaluated = await model.evaluate({ [Symbol.asyncIterator]: batches }, { verbose: 0, returnDict: true });
    expect(history.history.val_loss![1]).toBeCloseTo(evaluated.loss!, 6);
    const onArrays = model.evaluate([xa, xb], [yp, yk], { verbose: 0, batchSize: 4, returnDict: true });
    expect(evaluated.loss).toBeCloseTo(onArrays.loss!, 6);
    // predict on a dataset: the batches' outputs joined, the same as on the arrays.
    const predicted = await model.predict({ [Symbol.asyncIterator]: batches });
    const direct = model.predict([xa, xb], { batchSize: 4 });
    predicted.forEach((t, i) => expect(Array.from(t.data)).toEqual(Array.from(direct[i]!.data)));
  });

  it('a dataset that runs out before stepsPerEpoch × epochs stops training with a warning (Keras)', async () => {
    const { model, batches } = regression();
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    function* three(): Generator<{ xs: tk.Tensor; ys: tk.Tensor }> {
      yield* batches;
    }
    const history = await model.fit(three(), { epochs: 5, stepsPerEpoch: 2, verbose: 0 });
    expect(history.history.loss!.length).toBe(2); // epoch 1: 2 batches; epoch 2: 1 batch, then it ran out
    expect(warn.mock.calls[0]![0]).toMatch(/the dataset ran out of batches at epoch 2, step 1 \(stepsPerEpoch is 2\); training stops here/);
  });

  it('the progress bar shows the step count when stepsPerEpoch gives it, and learns it after the first epoch otherwise', async () => {
    const { model, batches } = regression();
    let out = '';
    const bar = (): tk.callbacks.ProgbarLogger => new tk.callbacks.ProgbarLogger({ write: (s) => { out += s; }, isTTY: true });
    function* forever(): Generator<{ xs: tk.Tensor; ys: tk.Tensor }> {
      for (;;) yield* batches;
    }
    await model.fit(forever(), { epochs: 1, stepsPerEpoch: 3, callbacks: [bar()] });
    expect(out).toContain('1/3');
    expect(out).not.toContain('Unknown');
    out = '';
    const iterable = { [Symbol.iterator]: () => batches[Symbol.iterator]() };
    await model.fit(iterable, { epochs: 2, callbacks: [bar()] });
    const [first, second] = out.split('Epoch 2/2');
    expect(first).toContain('1/Unknown');
    expect(second).toContain('1/3');
  });

  it('options that describe arrays are refused with a dataset, and bad elements are named', async () => {
    const { model, batches } = regression();
    const iterable = { [Symbol.iterator]: () => batches[Symbol.iterator]() };
    await expect(model.fit(iterable, { batchSize: 8, verbose: 0 })).rejects.toThrow(/batchSize is for arrays/);
    await expect(model.fit(iterable, { validationSplit: 0.2, verbose: 0 })).rejects.toThrow(/validationSplit is for arrays/);
    await expect(model.fit(iterable, { shuffle: true, verbose: 0 })).rejects.toThrow(/shuffle is for arrays; shuffle the dataset itself/);
    const bad = { [Symbol.iterator]: function* () { yield { x: 1 }; } };
    await expect(model.fit(bad, { verbose: 0 })).rejects.toThrow(/dataset element 0 is object; expected \{ xs, ys \} or \[xs, ys\]/);
    const noLabels = { [Symbol.iterator]: function* () { yield { xs: tk.ones([1, 3]) }; } };
    await expect(model.fit(noLabels, { verbose: 0 })).rejects.toThrow(/dataset element 0 has no ys/);
    await expect(model.fit(tk.ones([2, 3]), tk.ones([2, 1]), { stepsPerEpoch: 1, verbose: 0 })).rejects.toThrow(
      /unknown option 'stepsPerEpoch' \(expected one of .*\); with a dataset also stepsPerEpoch, validationSteps/,
    );
  });
});

describe('one fit at a time', () => {
  it('a second fit while the first runs is refused, and nothing interleaves; afterwards fit works again', async () => {
    const x = tk.input({ shape: [2] });
    const model = tk.model({ inputs: x, outputs: new tk.layers.Dense(1).apply(x) });
    model.compile({ optimizer: 'sgd', loss: 'mse' });
    const xs = randomTensor([64, 2], 1);
    const ys = randomTensor([64, 1], 2);
    const first = model.fit(xs, ys, { epochs: 2, batchSize: 8, verbose: 0 });
    await expect(model.fit(xs, ys, { verbose: 0 })).rejects.toThrow(
      'functional.fit: the model is still training (a fit() has not finished); await it before calling fit() again, so that two runs do not interleave their updates on the same weights',
    );
    expect(() => model.trainOnBatch(xs, ys)).toThrow(/functional\.trainOnBatch: the model is still training/);
    await first;
    expect(model.optimizer!.iterations).toBe(16);
    await model.fit(xs, ys, { epochs: 1, batchSize: 64, verbose: 0 });
    expect(model.optimizer!.iterations).toBe(17);
  });

  it('a fit that fails releases the model', async () => {
    const x = tk.input({ shape: [2] });
    const model = tk.model({ inputs: x, outputs: new tk.layers.Dense(1).apply(x) });
    model.compile({ optimizer: 'sgd', loss: 'mse' });
    const boom = { onBatchEnd: (): void => { throw new Error('boom'); } };
    await expect(model.fit(tk.ones([4, 2]), tk.ones([4, 1]), { callbacks: [boom], verbose: 0 })).rejects.toThrow('boom');
    await expect(model.fit(tk.ones([4, 2]), tk.ones([4, 1]), { verbose: 0 })).resolves.toBeDefined();
  });
});
