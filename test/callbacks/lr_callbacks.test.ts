// TerminateOnNaN, ReduceLROnPlateau and LearningRateScheduler (keras-facts §10).

import { afterEach, describe, expect, it, vi } from 'vitest';
import * as tk from '../../src/index.js';
import { FakeModel, fakeFit, valLosses } from './fake_model.js';

const { TerminateOnNaN, ReduceLROnPlateau, LearningRateScheduler, History } = tk.callbacks;
const f = Math.fround;

afterEach(() => vi.restoreAllMocks());

describe('TerminateOnNaN', () => {
  it('sets stopTraining when the batch loss is NaN or ±Infinity, printing as Keras', () => {
    const log = vi.spyOn(console, 'log').mockImplementation(() => {});
    for (const bad of [NaN, Infinity, -Infinity]) {
      const model = new FakeModel();
      const cb = new TerminateOnNaN();
      cb.setModel(model);
      cb.onBatchEnd(0, { loss: 0.5 });
      expect(model.stopTraining).toBe(false);
      cb.onBatchEnd(3, { loss: bad });
      expect(model.stopTraining).toBe(true);
    }
    expect(log.mock.calls[0]![0]).toBe('Batch 3: Invalid loss, terminating training');
  });

  it('ignores logs without a loss; raiseError throws instead', () => {
    const model = new FakeModel();
    const cb = new TerminateOnNaN({ raiseError: true });
    cb.setModel(model);
    cb.onBatchEnd(0, { accuracy: NaN });
    expect(() => cb.onBatchEnd(7, { loss: NaN })).toThrow('NaN or Inf loss encountered at batch 7. Loss value: nan. Terminating training immediately.');
    expect(model.stopTraining).toBe(false);
  });

  it('stops a fit after the batch', async () => {
    vi.spyOn(console, 'log').mockImplementation(() => {});
    const ran = await fakeFit(new FakeModel(), [new TerminateOnNaN()], [{ loss: 1 }, { loss: NaN }, { loss: 1 }]);
    expect(ran).toEqual([0, 1]);
  });
});

describe('ReduceLROnPlateau', () => {
  it('reduces after patience epochs, respects cooldown and minLr, logs learning_rate', async () => {
    const opt = new tk.optimizers.SGD({ learningRate: 1 });
    const reduce = new ReduceLROnPlateau({ factor: 0.5, patience: 2, cooldown: 1, minLr: 0.2 });
    const history = new History();
    await fakeFit(new FakeModel(opt), [reduce, history], valLosses(new Array(10).fill(1)));
    // epoch: 0 best; 1 wait 1; 2 wait 2 → 0.5 (cooldown 1); 3 cooldown ends, wait 1; 4 → 0.25;
    // 5 wait 1; 6 → max(0.125, 0.2) = 0.2; 7 wait 1; 8, 9: lr is not above minLr, nothing more.
    // learning_rate is logged before the reduction, as float32 (Keras reads a float32 variable).
    expect(history.history.learning_rate).toEqual([1, 1, 1, 0.5, 0.5, 0.25, 0.25, f(0.2), f(0.2), f(0.2)]);
    expect(opt.learningRate).toBe(0.2);
  });

  it('an improvement by more than minDelta resets the wait', async () => {
    const opt = new tk.optimizers.SGD({ learningRate: 1 });
    const reduce = new ReduceLROnPlateau({ factor: 0.1, patience: 2, minDelta: 0.01 });
    const history = new History();
    // 0.995 is not an improvement over 1 by more than 0.01; 0.98 is.
    await fakeFit(new FakeModel(opt), [reduce, history], valLosses([1, 0.995, 0.98, 0.975, 0.99]));
    expect(history.history.learning_rate).toEqual([1, 1, 1, 1, 1]);
    expect(opt.learningRate).toBeCloseTo(0.1, 12); // reduced at epoch 4 (wait 2)
  });

  it('verbose message, mode max, factor >= 1 refused', async () => {
    const log = vi.spyOn(console, 'log').mockImplementation(() => {});
    const opt = new tk.optimizers.Adam({ learningRate: 0.001 });
    await fakeFit(new FakeModel(opt), [new ReduceLROnPlateau({ monitor: 'val_accuracy', patience: 1, verbose: 1 })],
      [0.5, 0.4].map((v) => ({ val_accuracy: v })));
    expect(log.mock.calls[0]![0]).toBe('\nEpoch 2: ReduceLROnPlateau reducing learning rate to 0.00010000000474974513.');
    expect(() => new ReduceLROnPlateau({ factor: 1 })).toThrow('ReduceLROnPlateau does not support a factor >= 1.0. Received factor=1');
  });

  it('a missing monitor key warns with the available keys', async () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    await fakeFit(new FakeModel(new tk.optimizers.SGD()), [new ReduceLROnPlateau()], [{ loss: 1 }]);
    expect(warn.mock.calls[0]![0]).toBe('Learning rate reduction is conditioned on metric `val_loss` which is not available. Available metrics are: loss,learning_rate.');
  });

  it('needs an optimizer whose learning rate is a number', async () => {
    await expect(fakeFit(new FakeModel(null), [new ReduceLROnPlateau()], valLosses([1]))).rejects.toThrow(/the model has no optimizer/);
    const scheduled = new tk.optimizers.SGD({ learningRate: new tk.optimizers.ExponentialDecay(0.1, 10, 0.5) });
    await expect(fakeFit(new FakeModel(scheduled), [new ReduceLROnPlateau({ patience: 0 })], valLosses([1, 1]))).rejects.toThrow(/not settable to a number/);
  });
});

describe('LearningRateScheduler', () => {
  it("Keras's docstring example: 0.01 for 10 epochs then ×exp(−0.1) → 0.00607 after 15", async () => {
    const opt = new tk.optimizers.SGD();
    const scheduler = new LearningRateScheduler((epoch, lr) => (epoch < 10 ? lr : lr * Math.exp(-0.1)));
    await fakeFit(new FakeModel(opt), [scheduler], new Array(15).fill({ loss: 1 }));
    expect(Math.round(opt.learningRate * 1e5) / 1e5).toBe(0.00607);
  });

  it('is called at epoch begin with the 0-based epoch and the current (float32) rate; logs learning_rate', async () => {
    const opt = new tk.optimizers.Adam({ learningRate: 0.1 });
    const calls: [number, number][] = [];
    const history = new History();
    const scheduler = new LearningRateScheduler((epoch, lr) => { calls.push([epoch, lr]); return 0.5 / (epoch + 1); });
    await fakeFit(new FakeModel(opt), [scheduler, history], [{ loss: 1 }, { loss: 1 }, { loss: 1 }]);
    expect(calls).toEqual([[0, f(0.1)], [1, 0.5], [2, f(0.25)]]);
    expect(history.history.learning_rate).toEqual([0.5, 0.25, f(0.5 / 3)]);
  });

  it('accepts a one-argument schedule; rejects a non-number', async () => {
    const opt = new tk.optimizers.SGD();
    await fakeFit(new FakeModel(opt), [new LearningRateScheduler((epoch) => 0.1 * (epoch + 1))], [{ loss: 1 }, { loss: 1 }]);
    expect(opt.learningRate).toBeCloseTo(0.2, 12);
    await expect(fakeFit(new FakeModel(opt), [new LearningRateScheduler(() => 'fast' as unknown as number)], [{ loss: 1 }]))
      .rejects.toThrow('LearningRateScheduler: the output of the schedule function should be a number. Got: fast');
  });

  it('verbose prints as Keras, with Python float repr', async () => {
    const log = vi.spyOn(console, 'log').mockImplementation(() => {});
    await fakeFit(new FakeModel(new tk.optimizers.SGD()), [new LearningRateScheduler(() => 1e-5, { verbose: 1 })], [{ loss: 1 }]);
    expect(log.mock.calls[0]![0]).toBe('\nEpoch 1: LearningRateScheduler setting learning rate to 1e-05.');
  });
});
