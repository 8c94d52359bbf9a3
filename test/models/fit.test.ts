// fit / evaluate / predict semantics (keras-facts §7.3, §8, §10), on models whose every number
// can be derived by hand: mostly y = x·w (Dense(1) without bias) with known w, where the loss
// of each sample is (x·w − y)², and x = 0 makes the gradient 0 so the loss stays put. A loss
// given as a plain function (recordingMse) records the labels of every batch, so batch sizes and
// sample order are observed from outside the model.

import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import * as tk from '../../src/index.js';
import { captureConsoleLog, captureStdout, linearModel, recordingMse, snapshot } from './helpers.js';

beforeEach(() => {
  tk.clearSession();
  tk.setSeed(42);
});
afterEach(() => {
  vi.restoreAllMocks();
});

/** n samples of one zero feature, labelled with their index: per-sample loss = id². */
function idData(n: number): { x: number[][]; y: number[][] } {
  return { x: Array.from({ length: n }, () => [0]), y: Array.from({ length: n }, (_, i) => [i]) };
}

/** A y = x·w model compiled with a recording MSE and SGD. */
function recordingModel(calls: number[][], lr = 0.01, kernel = [0], metrics: string[] = []): tk.Sequential {
  const model = linearModel(kernel);
  model.compile({ optimizer: new tk.optimizers.SGD({ learningRate: lr }), loss: recordingMse(calls), metrics });
  return model;
}

describe('fit: batches', () => {
  it('ceil(N / batchSize) batches per epoch, the last one partial and kept', async () => {
    const calls: number[][] = [];
    const model = recordingModel(calls);
    const { x, y } = idData(10);
    const batchEnds: number[] = [];
    await model.fit(x, y, { batchSize: 4, epochs: 2, shuffle: false, verbose: 0, callbacks: [{ onBatchEnd: (b) => void batchEnds.push(b) }] });
    // 10 = 4 + 4 + 2, twice.
    expect(calls).toEqual([[0, 1, 2, 3], [4, 5, 6, 7], [8, 9], [0, 1, 2, 3], [4, 5, 6, 7], [8, 9]]);
    expect(batchEnds).toEqual([0, 1, 2, 0, 1, 2]);
    expect(model.optimizer!.iterations).toBe(6);
    // A batch size larger than N: one batch of N.
    calls.length = 0;
    await model.fit(x, y, { batchSize: 64, verbose: 0, shuffle: false });
    expect(calls.map((c) => c.length)).toEqual([10]);
  });

  it('the epoch loss is the batch losses weighted by batch size (not their plain mean)', async () => {
    // x = 0: every prediction is 0 and the gradient is 0. Labels 0, 0, 0, 0, 3 → per-sample
    // losses 0, 0, 0, 0, 9. Batches of 2 in order: means 0, 0, 9 → epoch loss
    // (2·0 + 2·0 + 1·9) / 5 = 1.8 (the plain mean of batch means would be 3).
    const model = linearModel([0]);
    model.compile({ optimizer: 'sgd', loss: 'mse' });
    const batchLosses: number[] = [];
    const h = await model.fit([[0], [0], [0], [0], [0]], [[0], [0], [0], [0], [3]], {
      batchSize: 2, shuffle: false, verbose: 0, callbacks: [{ onBatchEnd: (_b, logs) => void batchLosses.push(logs.loss!) }],
    });
    expect(h.history.loss![0]).toBeCloseTo(1.8, 6);
    // The batch logs are running averages over the epoch so far, as Keras's progress bar shows.
    expect(batchLosses[0]).toBe(0);
    expect(batchLosses[1]).toBe(0);
    expect(batchLosses[2]).toBeCloseTo(1.8, 6);
  });

  it('the reported training loss uses the weights BEFORE each batch update', async () => {
    // w = 0, x = 1, y = 1, batches of 1, SGD lr 0.25: loss (w − 1)², g = 2(w − 1).
    // Batch 0: loss 1, w → 0 − 0.25·(−2) = 0.5. Batch 1: loss 0.25, w → 0.5 + 0.25 = 0.75.
    // Epoch loss (1 + 0.25) / 2 = 0.625.
    const model = linearModel([0]);
    model.compile({ optimizer: new tk.optimizers.SGD(0.25), loss: 'mse' });
    const h = await model.fit([[1], [1]], [[1], [1]], { batchSize: 1, verbose: 0 });
    expect(h.history.loss).toEqual([0.625]);
    expect(model.weights[0]!.data[0]).toBe(0.75);
  });
});

describe('fit: validation', () => {
  it('validationSplit takes the LAST fraction, before shuffling: floor(N·(1 − split)) training samples', async () => {
    const calls: number[][] = [];
    const model = recordingModel(calls);
    const { x, y } = idData(10);
    // split_at = floor(10·0.8) = 8: training ids 0..7, validation ids 8 and 9.
    const h = await model.fit(x, y, { validationSplit: 0.2, batchSize: 3, epochs: 2, verbose: 0 }); // shuffle: true
    // 8 training samples in batches of 3 → 3 batches, then one validation batch, per epoch.
    expect(calls.map((c) => c.length)).toEqual([3, 3, 2, 2, 3, 3, 2, 2]);
    for (const e of [0, 1]) {
      expect(calls.slice(4 * e, 4 * e + 3).flat().sort((a, b) => a - b)).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
      expect(calls[4 * e + 3]).toEqual([8, 9]);
    }
    // val_loss = (8² + 9²) / 2 = 72.5 (x = 0 predicts 0).
    expect(h.history.val_loss).toEqual([72.5, 72.5]);
    // split 0.25: floor(7.5) = 7 training samples, validation 7, 8, 9.
    calls.length = 0;
    const h2 = await model.fit(x, y, { validationSplit: 0.25, batchSize: 10, verbose: 0 });
    expect(calls[1]).toEqual([7, 8, 9]);
    expect(h2.history.val_loss![0]).toBeCloseTo((49 + 64 + 81) / 3, 4);
  });

  it('validationSplit that leaves no sample on one side is an error, before any training', async () => {
    const model = linearModel([0.5]);
    model.compile({ optimizer: 'sgd', loss: 'mse' });
    const before = snapshot(model);
    // floor(1·0.5) = 0 training samples.
    await expect(model.fit([[1]], [[1]], { validationSplit: 0.5, verbose: 0 })).rejects.toThrow(
      'sequential.fit: validationSplit 0.5 of 1 samples leaves no training samples',
    );
    await expect(model.fit([[1], [2]], [[1], [2]], { validationSplit: 1, verbose: 0 })).rejects.toThrow(/validationSplit must be in \(0, 1\), got 1/);
    expect(snapshot(model)).toEqual(before);
    expect(model.optimizer!.iterations).toBe(0);
  });

  it('validationData [x, y] and [x, y, sampleWeight] (sum over batch size: Σw·loss / N, not / Σw); it overrides validationSplit', async () => {
    const calls: number[][] = [];
    const model = recordingModel(calls);
    const { x, y } = idData(4);
    // Validation labels 2 and 4 with x = 0: losses 4 and 16.
    const h = await model.fit(x, y, { validationData: [[[0], [0]], [[2], [4]]], validationSplit: 0.5, batchSize: 4, shuffle: false, verbose: 0 });
    expect(calls[0]).toEqual([0, 1, 2, 3]); // all 4 samples trained on: validationSplit ignored
    expect(h.history.val_loss).toEqual([10]); // (4 + 16) / 2
    // Weights 1 and 0.5: (4·1 + 16·0.5) / 2 = 6 (dividing by Σw = 1.5 would give 8).
    const h3 = await model.fit(x, y, { validationData: [[[0], [0]], [[2], [4]], [1, 0.5]], verbose: 0 });
    expect(h3.history.val_loss).toEqual([6]);
  });

  it('validation runs with training: false, after the epoch, with the end-of-epoch weights', async () => {
    // Dropout(0.5) before y = x·w: in training half the inputs are dropped (×2 for the rest); in
    // validation it is the identity. w = 1, x = 1, y = 1: validation loss exactly 0; lr 0.
    const model = new tk.Sequential([new tk.layers.Dropout(0.5, { inputShape: [1] }), new tk.layers.Dense(1, { useBias: false, kernelInitializer: 'ones' })]);
    model.compile({ optimizer: new tk.optimizers.SGD(0), loss: 'mse' });
    const ones = Array.from({ length: 64 }, () => [1]);
    const h = await model.fit(ones, ones, { validationData: [ones, ones], verbose: 0 });
    // Training: each prediction is 0 or 2, so each sample's loss is exactly 1.
    expect(h.history.loss).toEqual([1]);
    expect(h.history.val_loss).toEqual([0]);
  });

  it('validationBatchSize splits the validation data into batches of that size', async () => {
    const calls: number[][] = [];
    const model = recordingModel(calls);
    const { x, y } = idData(4);
    await model.fit(x, y, { validationData: [[[0], [0], [0]], [[1], [2], [3]]], validationBatchSize: 2, batchSize: 4, verbose: 0 });
    expect(calls.slice(1)).toEqual([[1, 2], [3]]);
  });
});

describe('fit: reproducibility', () => {
  it('setSeed makes initial weights, shuffling and dropout reproducible: two runs end with the same weights', async () => {
    const run = async (seed: number): Promise<number[][]> => {
      tk.clearSession();
      tk.setSeed(seed);
      const model = new tk.Sequential([
        new tk.layers.Dense(8, { activation: 'relu', inputShape: [3] }),
        new tk.layers.Dropout(0.3),
        new tk.layers.Dense(1),
      ]);
      model.compile({ optimizer: 'adam', loss: 'mse' });
      const x = tk.randomNormal([40, 3]);
      const y = tk.randomNormal([40, 1]);
      await model.fit(x, y, { epochs: 3, batchSize: 8, verbose: 0 });
      return snapshot(model);
    };
    const a = await run(11);
    expect(await run(11)).toEqual(a);
    expect(await run(12)).not.toEqual(a);
  });
});

describe('fit: shuffle', () => {
  async function orders(shuffle: boolean, seed: number): Promise<number[][]> {
    tk.setSeed(seed);
    const calls: number[][] = [];
    const model = recordingModel(calls);
    const { x, y } = idData(20);
    await model.fit(x, y, { batchSize: 20, epochs: 3, shuffle, verbose: 0 });
    return calls;
  }

  it('shuffle: false keeps the sample order every epoch', async () => {
    const identity = Array.from({ length: 20 }, (_, i) => i);
    expect(await orders(false, 1)).toEqual([identity, identity, identity]);
  });

  it('shuffle: true (the default) draws a new permutation every epoch, reproducibly with setSeed', async () => {
    const a = await orders(true, 7);
    const identity = Array.from({ length: 20 }, (_, i) => i);
    for (const epoch of a) expect([...epoch].sort((p, q) => p - q)).toEqual(identity); // a permutation
    expect(a[0]).not.toEqual(identity);
    expect(a[1]).not.toEqual(a[0]);
    expect(a[2]).not.toEqual(a[1]);
    expect(await orders(true, 7)).toEqual(a); // same seed, same orders
    expect(await orders(true, 8)).not.toEqual(a);
  });
});

describe('fit: epochs, initialEpoch, verbose', () => {
  it('initialEpoch: epochs is the final epoch, not a count; indices run initialEpoch .. epochs − 1', async () => {
    const model = linearModel([0]);
    model.compile({ optimizer: 'sgd', loss: 'mse' });
    const begun: number[] = [];
    const { result: h, out } = await captureStdout(() =>
      model.fit([[0]], [[1]], { epochs: 5, initialEpoch: 3, verbose: 2, callbacks: [{ onEpochBegin: (e) => void begun.push(e) }] }),
    );
    expect(begun).toEqual([3, 4]);
    expect(h.epoch).toEqual([3, 4]);
    expect(h.history.loss).toEqual([1, 1]);
    expect(h.toRows().map((r) => r.epoch)).toEqual([4, 5]);
    expect(out.match(/^Epoch \d+\/\d+$/gm)).toEqual(['Epoch 4/5', 'Epoch 5/5']);
    // initialEpoch ≥ epochs: nothing to do.
    const h2 = await model.fit([[0]], [[1]], { epochs: 2, initialEpoch: 2, verbose: 0 });
    expect(h2.epoch).toEqual([]);
    expect(model.optimizer!.iterations).toBe(2);
  });

  it('verbose 0 prints nothing; 1 the bar, with "Epoch i/N" only when epochs > 1; 2 one plain line per epoch', async () => {
    const fitWith = async (verbose: 0 | 1 | 2, epochs: number): Promise<string> => {
      const model = linearModel([0]);
      model.compile({ optimizer: 'sgd', loss: 'mse' });
      return (await captureStdout(() => model.fit([[0], [0], [0]], [[1], [1], [1]], { epochs, batchSize: 2, verbose, validationData: [[[0]], [[2]]] }))).out;
    };
    expect(await fitWith(0, 3)).toBe('');
    // verbose 1 on a non-terminal: the final bar line of each epoch, no redraws, no colours.
    const one = await fitWith(1, 1);
    expect(one).not.toMatch(/Epoch/);
    expect(one).toMatch(/^2\/2 ━{20} \d+s \d+(us|ms|s)\/step - loss: 1\.0000 - val_loss: 4\.0000\n$/);
    const three = await fitWith(1, 3);
    expect(three.match(/^Epoch \d\/3$/gm)).toEqual(['Epoch 1/3', 'Epoch 2/3', 'Epoch 3/3']);
    expect(three.match(/━{20}/g)).toHaveLength(3);
    // verbose 2: `count/target - Ns - T/step - k: v`.
    const two = await fitWith(2, 2);
    const lines = two.trimEnd().split('\n');
    expect(lines).toHaveLength(4);
    expect(lines[0]).toBe('Epoch 1/2');
    expect(lines[1]).toMatch(/^2\/2 - \d+s - \d+(us|ms|s)\/step - loss: 1\.0000 - val_loss: 4\.0000$/);
    expect(lines[2]).toBe('Epoch 2/2');
    expect(two).not.toMatch(/━|\r|\x1b/);
    expect((await fitWith(2, 1)).startsWith('Epoch')).toBe(false);
  });
});

describe('fit: sample and class weights', () => {
  it('sampleWeight scales each sample loss; the reduction divides by N, not Σw', async () => {
    // Labels 1, 2, 3, 4 with x = 0: losses 1, 4, 9, 16; weights 1, 0, 2, 0.5.
    // Σ w·loss = 1 + 0 + 18 + 8 = 27 → 27 / 4 = 6.75 (27 / Σw = 27 / 3.5 would be 7.71).
    const model = linearModel([0]);
    model.compile({ optimizer: 'sgd', loss: 'mse', metrics: ['mse'] });
    const x = [[0], [0], [0], [0]];
    const y = [[1], [2], [3], [4]];
    const h = await model.fit(x, y, { sampleWeight: [1, 0, 2, 0.5], batchSize: 4, verbose: 0 });
    expect(h.history.loss).toEqual([6.75]);
    // `metrics` are not weighted (Keras's weighted_metrics would be): plain mean 30 / 4.
    expect(h.history.mse).toEqual([7.5]);
    // In batches of 2 the batch losses are (1 + 0)/2 = 0.5 and (18 + 8)/2 = 13 → (2·0.5 + 2·13)/4.
    const h2 = await model.fit(x, y, { sampleWeight: tk.tensor([1, 0, 2, 0.5]), batchSize: 2, shuffle: false, verbose: 0 });
    expect(h2.history.loss).toEqual([6.75]);
    // The weights follow their samples through the shuffle: same loss when shuffled.
    const h3 = await model.fit(x, y, { sampleWeight: [1, 0, 2, 0.5], batchSize: 4, shuffle: true, verbose: 0 });
    expect(h3.history.loss).toEqual([6.75]);
  });

  it('classWeight: one-hot labels by argmax, integer labels by value; classes not listed weigh 1', async () => {
    // x = 0 through Dense(3, softmax) with zero weights: p = 1/3 everywhere, so every sample's
    // crossentropy is ln 3. Classes 0, 1, 2, 2 with {0: 3, 2: 0.5} → weights 3, 1, 0.5, 0.5:
    // loss = ln 3 · (3 + 1 + 0.5 + 0.5) / 4.
    const expected = (Math.log(3) * 5) / 4;
    const make = (loss: string): tk.Sequential => {
      const m = new tk.Sequential([new tk.layers.Dense(3, { activation: 'softmax', inputShape: [2], kernelInitializer: 'zeros' })]);
      m.compile({ optimizer: new tk.optimizers.SGD(0), loss });
      return m;
    };
    const x = [[0, 0], [0, 0], [0, 0], [0, 0]];
    const oneHot = [[1, 0, 0], [0, 1, 0], [0, 0, 1], [0, 0, 1]];
    const h1 = await make('categorical_crossentropy').fit(x, oneHot, { classWeight: { 0: 3, 2: 0.5 }, verbose: 0 });
    expect(h1.history.loss![0]).toBeCloseTo(expected, 6);
    const h2 = await make('sparse_categorical_crossentropy').fit(x, [[0], [1], [2], [2]], { classWeight: { 0: 3, 2: 0.5 }, verbose: 0 });
    expect(h2.history.loss![0]).toBeCloseTo(expected, 6);
    const h3 = await make('sparse_categorical_crossentropy').fit(x, [0, 1, 2, 2], { classWeight: { 0: 3, 2: 0.5 }, verbose: 0 });
    expect(h3.history.loss![0]).toBeCloseTo(expected, 6);
  });

  it('validationSplit splits sampleWeight with the data; classWeight weights the training samples only', async () => {
    // ids 0..3, x = 0: losses id². split 0.5 → validation ids 2, 3.
    const model = linearModel([0]);
    model.compile({ optimizer: 'sgd', loss: 'mse' });
    const { x, y } = idData(4);
    // sampleWeight [1, 1, 1, 0.5]: val_loss = (4·1 + 9·0.5)/2 = 4.25; training (0 + 1)/2 = 0.5.
    const h = await model.fit(x, y, { validationSplit: 0.5, sampleWeight: [1, 1, 1, 0.5], verbose: 0 });
    expect(h.history.val_loss).toEqual([4.25]);
    expect(h.history.loss).toEqual([0.5]);
    // classWeight {2: 10, 3: 10, 1: 3}: Keras applies it to the training data only, so the
    // validation loss stays (4 + 9)/2 = 6.5, while training gives (0 + 3·1)/2 = 1.5.
    const h2 = await model.fit(x, y, { validationSplit: 0.5, classWeight: { 1: 3, 2: 10, 3: 10 }, verbose: 0 });
    expect(h2.history.loss).toEqual([1.5]);
    expect(h2.history.val_loss).toEqual([6.5]);
  });

  it('classWeight and sampleWeight together are refused, as Keras ("You cannot class_weight and sample_weight at the same time")', async () => {
    const model = linearModel([0]);
    model.compile({ optimizer: 'sgd', loss: 'mse' });
    await expect(model.fit([[0]], [[1]], { classWeight: { 1: 2 }, sampleWeight: [1], verbose: 0 })).rejects.toThrow(/classWeight and sampleWeight/);
    expect(() => model.trainOnBatch([[0]], [[1]], { classWeight: { 1: 2 }, sampleWeight: [1] })).toThrow(/classWeight and sampleWeight/);
  });
});

describe('fit: callbacks', () => {
  it('plain objects and Callback instances: every hook in Keras order, with its arguments', async () => {
    const events: string[] = [];
    const plain: tk.callbacks.CallbackHooks = {
      onTrainBegin: () => void events.push('trainBegin'),
      onEpochBegin: (e) => void events.push(`epochBegin ${e}`),
      onBatchBegin: (b) => void events.push(`batchBegin ${b}`),
      onBatchEnd: (b, logs) => void events.push(`batchEnd ${b} ${Object.keys(logs).join(',')}`),
      onTestBegin: () => void events.push('testBegin'),
      onTestBatchBegin: (b) => void events.push(`testBatchBegin ${b}`),
      onTestBatchEnd: (b, logs) => void events.push(`testBatchEnd ${b} ${Object.keys(logs).join(',')}`),
      onTestEnd: (logs) => void events.push(`testEnd ${Object.keys(logs).join(',')}`),
      onEpochEnd: (e, logs) => void events.push(`epochEnd ${e} ${Object.keys(logs).join(',')}`),
      onTrainEnd: (logs) => void events.push(`trainEnd ${Object.keys(logs).join(',')}`),
    };
    class Recorder extends tk.callbacks.Callback {
      seen: string[] = [];
      override onEpochEnd(epoch: number): void {
        this.seen.push(`epochEnd ${epoch} after plain: ${events[events.length - 1]!.startsWith(`epochEnd ${epoch}`)}`);
      }
    }
    const recorder = new Recorder();
    const model = linearModel([0]);
    model.compile({ optimizer: 'sgd', loss: 'mse', metrics: ['mae'] });
    await model.fit([[0], [0], [0]], [[1], [1], [1]], { epochs: 2, batchSize: 2, shuffle: false, verbose: 0, validationData: [[[0]], [[1]]], callbacks: [plain, recorder] });
    const epoch = (e: number): string[] => [
      `epochBegin ${e}`,
      'batchBegin 0', 'batchEnd 0 loss,mae', 'batchBegin 1', 'batchEnd 1 loss,mae',
      'testBegin', 'testBatchBegin 0', 'testBatchEnd 0 loss,mae', 'testEnd loss,mae',
      `epochEnd ${e} loss,mae,val_loss,val_mae`,
    ];
    // onTrainEnd gets the last epoch's logs, as Keras 3's fit passes them.
    expect(events).toEqual(['trainBegin', ...epoch(0), ...epoch(1), 'trainEnd loss,mae,val_loss,val_mae']);
    // Instances get the model and the parameters; callbacks run in list order.
    expect(recorder.model).toBe(model);
    expect(recorder.params).toMatchObject({ epochs: 2, steps: 2, verbose: 0 });
    expect(recorder.seen).toEqual(['epochEnd 0 after plain: true', 'epochEnd 1 after plain: true']);
  });

  it('async hooks are awaited before fit goes on', async () => {
    const events: string[] = [];
    const model = linearModel([0]);
    model.compile({ optimizer: 'sgd', loss: 'mse' });
    await model.fit([[0], [0]], [[1], [1]], {
      batchSize: 1, verbose: 0, callbacks: [{
        onBatchEnd: async (b) => {
          await new Promise((r) => setTimeout(r, 5));
          events.push(`end ${b}`);
        },
        onBatchBegin: (b) => void events.push(`begin ${b}`),
      }],
    });
    expect(events).toEqual(['begin 0', 'end 0', 'begin 1', 'end 1']);
  });

  it('model.stopTraining set by a callback stops after that batch; the epoch still ends, then training', async () => {
    const events: string[] = [];
    const model = linearModel([0]);
    model.compile({ optimizer: 'sgd', loss: 'mse' });
    const h = await model.fit(idData(10).x, idData(10).y, {
      batchSize: 2, epochs: 5, verbose: 0, callbacks: [{
        onBatchEnd: (b) => { events.push(`batch ${b}`); if (b === 1) model.stopTraining = true; },
        onEpochEnd: (e) => void events.push(`epoch ${e}`),
        onTrainEnd: () => void events.push('end'),
      }],
    });
    expect(events).toEqual(['batch 0', 'batch 1', 'epoch 0', 'end']);
    expect(h.epoch).toEqual([0]);
    expect(model.optimizer!.iterations).toBe(2);
    // The next fit starts afresh.
    await model.fit([[0]], [[1]], { verbose: 0 });
    expect(model.optimizer!.iterations).toBe(3);
  });

  it('EarlyStopping through fit: patience 0 on a constant loss stops after epoch 1 (wait ≥ patience and epoch > 0)', async () => {
    const model = linearModel([0]);
    model.compile({ optimizer: 'sgd', loss: 'mse' });
    const h = await model.fit([[0]], [[1]], { epochs: 10, verbose: 0, callbacks: [new tk.callbacks.EarlyStopping({ monitor: 'loss', patience: 0 })] });
    expect(h.epoch).toEqual([0, 1]);
    // patience 2: epoch 0 best, then wait 1, 2 → stops at epoch 2.
    const h2 = await model.fit([[0]], [[1]], { epochs: 10, verbose: 0, callbacks: [new tk.callbacks.EarlyStopping({ monitor: 'loss', patience: 2 })] });
    expect(h2.epoch).toEqual([0, 1, 2]);
  });

  it('ReduceLROnPlateau through fit: the learning rate halves after each plateau of `patience` epochs, logged as learning_rate', async () => {
    // x = 0: the gradient is 0 and the loss is constant, so after epoch 0 nothing improves.
    // Epoch 0: best. Epoch 1: wait 1 ≥ 1 → lr 0.1 → 0.05. Epoch 2: → 0.025. Epoch 3: → 0.0125.
    // learning_rate is logged before the reduction (the rate used during the epoch).
    const model = linearModel([0]);
    model.compile({ optimizer: new tk.optimizers.SGD(0.1), loss: 'mse' });
    const h = await model.fit([[0]], [[1]], { epochs: 4, verbose: 0, callbacks: [new tk.callbacks.ReduceLROnPlateau({ monitor: 'loss', factor: 0.5, patience: 1 })] });
    const f = Math.fround;
    expect(h.history.learning_rate).toEqual([f(0.1), f(0.1), f(0.05), f(0.025)]);
    expect(model.optimizer!.learningRate).toBeCloseTo(0.0125, 7);
    // Keras sorts the logs once per event; a key a callback adds comes after (History is last).
    expect(Object.keys(h.history)).toEqual(['loss', 'learning_rate']);
  });

  it('TerminateOnNaN through fit: a NaN batch loss stops training after that batch', async () => {
    const model = linearModel([1]);
    model.compile({ optimizer: 'sgd', loss: 'mse' });
    const batches: number[] = [];
    const x = [[1], [1], [1], [NaN], [1], [1]];
    const y = [[1], [1], [1], [1], [1], [1]];
    const { result: h, lines } = await captureConsoleLog(() =>
      model.fit(x, y, { batchSize: 2, epochs: 3, shuffle: false, verbose: 0, callbacks: [new tk.callbacks.TerminateOnNaN(), { onBatchEnd: (b) => void batches.push(b) }] }),
    );
    expect(batches).toEqual([0, 1]); // batch 2 and epochs 1, 2 never run
    expect(lines).toEqual(['Batch 1: Invalid loss, terminating training']);
    expect(h.epoch).toEqual([0]);
    expect(h.history.loss![0]).toBeNaN();
    // raiseError: fit rejects instead.
    const m2 = linearModel([1]);
    m2.compile({ optimizer: 'sgd', loss: 'mse' });
    await expect(m2.fit(x, y, { batchSize: 2, shuffle: false, verbose: 0, callbacks: [new tk.callbacks.TerminateOnNaN({ raiseError: true })] })).rejects.toThrow(
      'NaN or Inf loss encountered at batch 1. Loss value: nan. Terminating training immediately.',
    );
  });

  it('history keys are sorted and named by the metric strings given (acc stays acc)', async () => {
    const model = new tk.Sequential([new tk.layers.Dense(2, { activation: 'softmax', inputShape: [2] })]);
    model.compile({ optimizer: 'sgd', loss: 'categorical_crossentropy', metrics: ['mse', 'acc'] });
    const h = await model.fit([[1, 0], [0, 1]], [[1, 0], [0, 1]], { epochs: 2, verbose: 0, validationData: [[[1, 0]], [[1, 0]]] });
    expect(Object.keys(h.history)).toEqual(['acc', 'loss', 'mse', 'val_acc', 'val_loss', 'val_mse']);
    expect(h.params).toMatchObject({ epochs: 2, steps: 1, verbose: 0 });
    const model2 = new tk.Sequential([new tk.layers.Dense(2, { activation: 'softmax', inputShape: [2] })]);
    model2.compile({ optimizer: 'sgd', loss: 'categorical_crossentropy', metrics: ['accuracy'] });
    const h2 = await model2.fit([[1, 0]], [[1, 0]], { verbose: 0 });
    expect(Object.keys(h2.history)).toEqual(['accuracy', 'loss']);
  });
});

describe('fit: AbortSignal and the event loop', () => {
  // w = 0, x = 1, y = 1, batches of 2 identical samples, SGD lr 0.25: each batch w ← (w + 1)/2
  // (g = 2(w − 1)), so after k batches w = 1 − 2^−k.
  function abortModel(): tk.Sequential {
    const model = linearModel([0]);
    model.compile({ optimizer: new tk.optimizers.SGD(0.25), loss: 'mse' });
    return model;
  }
  const ones = Array.from({ length: 8 }, () => [1]);

  it("rejects with the signal's reason; the weights reflect the batches completed before the abort", async () => {
    const model = abortModel();
    const controller = new AbortController();
    const reason = new Error('user pressed stop');
    const run = model.fit(ones, ones, {
      batchSize: 2, epochs: 3, verbose: 0, signal: controller.signal,
      callbacks: [{ onBatchEnd: (b) => { if (b === 2) controller.abort(reason); } }],
    });
    await expect(run).rejects.toBe(reason);
    expect(model.weights[0]!.data[0]).toBe(0.875); // 3 batches: 1 − 1/8
    expect(model.optimizer!.iterations).toBe(3);
  });

  it('an abort during validation also rejects with the reason', async () => {
    const model = abortModel();
    const controller = new AbortController();
    const reason = new Error('stop in validation');
    const run = model.fit(ones, ones, {
      batchSize: 8, epochs: 3, verbose: 0, signal: controller.signal, validationData: [ones, ones], validationBatchSize: 2,
      callbacks: [{ onTestBatchEnd: (b) => { if (b === 1) controller.abort(reason); } }],
    });
    await expect(run).rejects.toBe(reason);
    expect(model.optimizer!.iterations).toBe(1); // the one training batch of epoch 0
  });

  it('an already-aborted signal rejects before any batch and changes nothing', async () => {
    const model = abortModel();
    const controller = new AbortController();
    controller.abort();
    const run = model.fit(ones, ones, { verbose: 0, signal: controller.signal });
    await expect(run).rejects.toMatchObject({ name: 'AbortError' });
    expect(model.weights[0]!.data[0]).toBe(0);
    expect(model.optimizer!.iterations).toBe(0);
  });

  it('yields to the event loop between batches: an immediate and a timer fire during a long fit', async () => {
    const model = abortModel();
    let batches = 0;
    let immediateAt: number | null = null;
    let timerAt: number | null = null;
    setImmediate(() => (immediateAt = batches));
    setTimeout(() => (timerAt = batches), 1);
    const many = Array.from({ length: 300 }, () => [1]);
    await model.fit(many, many, { batchSize: 1, verbose: 0, callbacks: [{ onBatchEnd: () => void batches++ }] });
    expect(batches).toBe(300);
    expect(immediateAt).toBe(1); // the first yield comes right after batch 0
    expect(timerAt).not.toBeNull();
    expect(timerAt!).toBeLessThan(300);
  });
});

describe('single-batch methods, evaluate and predict', () => {
  it('trainOnBatch returns the loss before its update; testOnBatch and predictOnBatch use the current weights', () => {
    // w = 0, x = [1, 2], y = [1, 1]: loss ((0−1)² + (0−1)²)/2 = 1; g = mean(2(p−y)x) = (−2 − 4)/2 = −3;
    // SGD lr 0.1 → w = 0.3. Then p = [0.3, 0.6]: loss (0.49 + 0.16)/2 = 0.325, mae (0.7 + 0.4)/2 = 0.55.
    const model = linearModel([0]);
    model.compile({ optimizer: new tk.optimizers.SGD(0.1), loss: 'mse', metrics: ['mae'] });
    const [loss, mae] = model.trainOnBatch([[1], [2]], [[1], [1]]) as number[];
    expect(loss).toBe(1);
    expect(mae).toBe(1);
    expect(model.weights[0]!.data[0]).toBeCloseTo(0.3, 7);
    const [tLoss, tMae] = model.testOnBatch([[1], [2]], [[1], [1]]) as number[];
    expect(tLoss).toBeCloseTo(0.325, 6);
    expect(tMae).toBeCloseTo(0.55, 6);
    expect(model.weights[0]!.data[0]).toBeCloseTo(0.3, 7); // testOnBatch does not train
    const p = model.predictOnBatch([[1], [2]]);
    expect(p.shape).toEqual([2, 1]);
    expect(p.data[0]).toBeCloseTo(0.3, 7);
    expect(p.data[1]).toBeCloseTo(0.6, 7);
    // Without metrics: plain numbers.
    const bare = linearModel([0]);
    bare.compile({ optimizer: 'sgd', loss: 'mse' });
    expect(bare.trainOnBatch([[1]], [[1]])).toBe(1);
    expect(typeof bare.testOnBatch([[1]], [[1]])).toBe('number');
  });

  it('evaluate: a number without metrics; [loss, ...metrics] in compile order (not sorted)', () => {
    // w = 2, x = [1, 2, 3], y = [1, 1, 1]: errors 1, 3, 5 → mse 35/3, mae 3.
    const model = linearModel([2]);
    model.compile({ optimizer: 'sgd', loss: 'mse' });
    const x = [[1], [2], [3]];
    const y = [[1], [1], [1]];
    const loss = model.evaluate(x, y, { verbose: 0 });
    expect(typeof loss).toBe('number');
    expect(loss as number).toBeCloseTo(35 / 3, 5);
    model.compile({ optimizer: 'sgd', loss: 'mse', metrics: ['mse', 'mae'] });
    expect(model.metricsNames).toEqual(['loss', 'mse', 'mae']);
    const [l, mse, mae] = model.evaluate(x, y, { verbose: 0 }) as number[];
    expect(l).toBeCloseTo(35 / 3, 5);
    expect(mse).toBeCloseTo(35 / 3, 5);
    expect(mae).toBeCloseTo(3, 6);
    model.compile({ optimizer: 'sgd', loss: 'mse', metrics: ['mae', 'mse'] });
    const r = model.evaluate(x, y, { verbose: 0 }) as number[];
    expect(r[1]).toBeCloseTo(3, 6);
    expect(r[2]).toBeCloseTo(35 / 3, 5);
  });

  it('evaluate in batches weights each batch by its size; sampleWeight as in fit', () => {
    // Batches of 2 over errors 1, 3, 5: (2·(1 + 9)/2 + 1·25)/3 = 35/3, the same as one batch.
    const model = linearModel([2]);
    model.compile({ optimizer: 'sgd', loss: 'mse' });
    const x = [[1], [2], [3]];
    const y = [[1], [1], [1]];
    expect(model.evaluate(x, y, { batchSize: 2, verbose: 0 }) as number).toBeCloseTo(35 / 3, 5);
    // Weights 0, 1, 0: 9/3 = 3.
    expect(model.evaluate(x, y, { sampleWeight: [0, 1, 0], verbose: 0 }) as number).toBeCloseTo(3, 6);
  });

  it('predict in batches (the last one partial) equals applying the model to the whole input', () => {
    const model = new tk.Sequential([
      new tk.layers.Dense(16, { activation: 'relu', inputShape: [5] }),
      new tk.layers.BatchNormalization(),
      new tk.layers.Dense(3, 'softmax'),
    ]);
    const x = tk.randomNormal([70, 5], { seed: 3 });
    const whole = model.apply(x, { training: false });
    for (const batchSize of [32, 7, 1, 70, 1000]) {
      const p = model.predict(x, { batchSize });
      expect(p.shape).toEqual([70, 3]);
      p.data.forEach((v, i) => expect(Math.abs(v - whole.data[i]!)).toBeLessThan(1e-6));
    }
    // No rows: an empty [0, 3].
    expect(model.predict(tk.zeros([0, 5])).shape).toEqual([0, 3]);
  });

  it('predict prints nothing by default; verbose 1 draws the N/N bar without metrics', async () => {
    const model = linearModel([1]);
    expect((await captureStdout(() => model.predict([[1], [2], [3]]))).out).toBe('');
    const { out } = await captureStdout(() => model.predict([[1], [2], [3]], { verbose: 1, batchSize: 2 }));
    expect(out).toMatch(/^2\/2 ━{20} \d+s \d+(us|ms|s)\/step\n$/);
  });
});

describe('deferred build', () => {
  it('a model without input shape builds on the first batch fit sees', async () => {
    const model = new tk.Sequential([new tk.layers.Dense(3, 'relu'), new tk.layers.Dense(1)]);
    expect(model.built).toBe(false);
    expect(model.weights).toEqual([]);
    expect(() => model.countParams()).toThrow(/countParams\(\) needs the model built/);
    model.compile({ optimizer: 'sgd', loss: 'mse' });
    await model.fit(tk.randomNormal([10, 4]), tk.zeros([10, 1]), { batchSize: 4, verbose: 0 });
    expect(model.built).toBe(true);
    expect(model.weights.map((w) => w.shape)).toEqual([[4, 3], [3], [3, 1], [1]]);
    expect(model.countParams()).toBe(19);
    // Built from the first batch: other feature counts are refused, naming the argument.
    expect(() => model.predict(tk.zeros([2, 5]))).toThrow('sequential.predict: x: expected input shape (None, 4), got [2,5]');
    // Other batch sizes still work (Keras checks the non-batch axes only).
    expect(model.predict(tk.zeros([7, 4])).shape).toEqual([7, 1]);
  });

  it('build([null, n]) builds explicitly; a shape different from the declared one is refused', () => {
    const model = new tk.Sequential([new tk.layers.Dense(2)]);
    model.build([null, 3]);
    expect(model.weights[0]!.shape).toEqual([3, 2]);
    const declared = new tk.Sequential([new tk.layers.Dense(2, { inputShape: [3] })]);
    expect(() => declared.build([null, 4])).toThrow('sequential_1: build((None, 4)) does not match the declared input shape (None, 3)');
  });

  it('pop() removes the last layer and the model rebuilds', () => {
    const model = new tk.Sequential([new tk.layers.Dense(4, { inputShape: [2] }), new tk.layers.Dense(3)]);
    const last = model.pop();
    expect(last.name).toBe('dense_1');
    expect(model.layers.map((l) => l.name)).toEqual(['dense']);
    expect(model.predict([[1, 2]]).shape).toEqual([1, 4]);
    expect(model.summary({ printFn: () => {}, lineLength: 76 })).not.toContain('dense_1');
  });
});

describe('fit: layers in training mode, penalties and frozen layers', () => {
  it('BatchNormalization: fit normalises with batch statistics and updates the moving ones; evaluate and predict use the moving ones', async () => {
    // One batch x = [1, 3] (mean 2, biased variance 1), SGD lr 0 so gamma and beta stay 1 and 0.
    // moving_mean = 0.99·0 + 0.01·2 = 0.02; moving_var = 0.99·1 + 0.01·1 = 1.
    const model = new tk.Sequential([new tk.layers.BatchNormalization({ inputShape: [1] })]);
    model.compile({ optimizer: new tk.optimizers.SGD(0), loss: 'mse' });
    // Training output (x − 2)/√(1 + 0.001) = ∓0.9995; labels equal to it give loss 0.
    const z = 1 / Math.sqrt(1.001);
    const h = await model.fit([[1], [3]], [[-z], [z]], { verbose: 0 });
    expect(h.history.loss![0]).toBeLessThan(1e-10);
    const [, , movingMean, movingVar] = model.getWeights().map((w) => w.data[0]!);
    expect(movingMean).toBeCloseTo(0.02, 7);
    expect(movingVar).toBeCloseTo(1, 7);
    // Inference: (x − 0.02)/√(1 + 0.001).
    const p = model.predict([[1], [3]]).data;
    expect(p[0]).toBeCloseTo(0.98 * z, 6);
    expect(p[1]).toBeCloseTo(2.98 * z, 6);
    model.evaluate([[1], [3]], [[0], [0]], { verbose: 0 });
    expect(model.getWeights()[2]!.data[0]).toBeCloseTo(0.02, 7); // evaluate does not update
  });

  it('weight regularizers add their penalty to the loss fit reports, and evaluate too', async () => {
    // Dense(1) kernel of ones over 4 inputs, L2(0.1): penalty 0.1·Σw² = 0.4; x = 0, y = 1: mse 1.
    const model = new tk.Sequential([new tk.layers.Dense(1, { inputShape: [4], useBias: false, kernelInitializer: 'ones', kernelRegularizer: new tk.regularizers.L2({ l2: 0.1 }) })]);
    model.compile({ optimizer: new tk.optimizers.SGD(0.5), loss: 'mse' });
    expect(model.evaluate([[0, 0, 0, 0]], [[1]], { verbose: 0 }) as number).toBeCloseTo(1.4, 6);
    const h = await model.fit([[0, 0, 0, 0]], [[1]], { verbose: 0 });
    expect(h.history.loss![0]).toBeCloseTo(1.4, 6);
    // The penalty's gradient 2·0.1·w = 0.2 moves each weight: 1 − 0.5·0.2 = 0.9.
    model.weights[0]!.data.forEach((w) => expect(w).toBeCloseTo(0.9, 6));
  });

  it('a frozen layer (trainable = false) keeps its weights through fit; summary counts them non-trainable', async () => {
    const frozen = new tk.layers.Dense(3, { inputShape: [2], activation: 'tanh' });
    const model = new tk.Sequential([frozen, new tk.layers.Dense(1)]);
    frozen.trainable = false;
    model.compile({ optimizer: new tk.optimizers.SGD(0.1), loss: 'mse' });
    const before = frozen.getWeights().map((w) => Array.from(w.data));
    const head = snapshot(model).slice(2);
    await model.fit(tk.randomNormal([8, 2], { seed: 1 }), tk.randomNormal([8, 1], { seed: 2 }), { epochs: 2, verbose: 0 });
    expect(frozen.getWeights().map((w) => Array.from(w.data))).toEqual(before);
    expect(snapshot(model).slice(2)).not.toEqual(head);
    expect(model.trainableWeights.map((w) => w.name)).toEqual(['dense_1/kernel', 'dense_1/bias']);
    expect(model.summary({ printFn: () => {}, lineLength: 76 })).toContain(' Non-trainable params: 9 (36.00 B)');
  });

  it("onYield(epoch, batch, logs), TF.js's hook, runs after each yield to the event loop", async () => {
    const seen: string[] = [];
    const model = linearModel([0]);
    model.compile({ optimizer: 'sgd', loss: 'mse' });
    await model.fit([[0], [0], [0]], [[1], [1], [1]], { batchSize: 2, epochs: 2, verbose: 0, callbacks: [{ onYield: (e, b, logs) => void seen.push(`${e}:${b}:${logs.loss}`) }] });
    expect(seen).toEqual(['0:0:1', '0:1:1', '1:0:1', '1:1:1']);
  });
});
