// EarlyStopping as keras/src/callbacks/early_stopping.py (keras-facts §10), with a fake model.

import { afterEach, describe, expect, it, vi } from 'vitest';
import * as tk from '../../src/index.js';
import { FakeModel, fakeFit, valLosses } from './fake_model.js';

const { EarlyStopping } = tk.callbacks;

afterEach(() => vi.restoreAllMocks());

describe('EarlyStopping: patience counting', () => {
  it('patience 0 stops at the first epoch without improvement', async () => {
    const stop = new EarlyStopping();
    const ran = await fakeFit(new FakeModel(), [stop], valLosses([1, 0.9, 0.95, 0.5, 0.4]));
    expect(ran).toEqual([0, 1, 2]);
    expect(stop.stoppedEpoch).toBe(2);
    expect(stop.best).toBe(0.9);
  });

  it('patience n waits n epochs without improvement (wait counts every epoch, reset on improvement)', async () => {
    const stop = new EarlyStopping({ patience: 2 });
    // epoch 0 best; 1 improves (wait 0); 2 wait 1; 3 wait 2 >= 2 → stop
    const ran = await fakeFit(new FakeModel(), [stop], valLosses([1, 0.9, 0.95, 0.96, 0.1]));
    expect(ran).toEqual([0, 1, 2, 3]);
    expect(stop.wait).toBe(2);
    const patient = new EarlyStopping({ patience: 3 });
    expect(await fakeFit(new FakeModel(), [patient], valLosses([1, 0.9, 0.95, 0.96, 0.1, 0.2]))).toEqual([0, 1, 2, 3, 4, 5]);
    expect(patient.stoppedEpoch).toBe(0);
  });

  it('the first monitored epoch always improves; an unmet baseline then stops at epoch 1 with patience 0', async () => {
    const stop = new EarlyStopping({ patience: 0, monitor: 'val_loss', baseline: 0 });
    const ran = await fakeFit(new FakeModel(), [stop], valLosses([1, 1]));
    // epoch 0: improvement over nothing, but not over the baseline → wait stays 1, no stop at 0
    expect(ran).toEqual([0, 1]);
  });

  it('minDelta: a change must exceed |minDelta| to count', async () => {
    const stop = new EarlyStopping({ minDelta: -0.1, patience: 1 });
    expect(stop.minDelta).toBe(0.1);
    // 0.95 is not below 1 − 0.1 → wait 1 >= 1 → stop at 1
    expect(await fakeFit(new FakeModel(), [stop], valLosses([1, 0.95, 0.5]))).toEqual([0, 1]);
    const loose = new EarlyStopping({ minDelta: 0.01, patience: 1 });
    expect(await fakeFit(new FakeModel(), [loose], valLosses([1, 0.95, 0.9, 0.899]))).toEqual([0, 1, 2, 3]);
    expect(loose.stoppedEpoch).toBe(3);
  });

  it('baseline: the wait is only reset by values that also beat the baseline', async () => {
    // Without a baseline: 0 best, 1 improves (wait 0), 2 wait 1 < 2 → continues.
    expect(await fakeFit(new FakeModel(), [new EarlyStopping({ patience: 2 })], valLosses([1, 0.9, 0.95, 0.4]))).toEqual([0, 1, 2, 3]);
    // With baseline 0.5: 0 wait 1, 1 improves but not below 0.5 (wait 2), 2 no improvement: wait 3 >= 2 → stop.
    const stop = new EarlyStopping({ patience: 2, baseline: 0.5 });
    expect(await fakeFit(new FakeModel(), [stop], valLosses([1, 0.9, 0.95, 0.4]))).toEqual([0, 1, 2]);
  });

  it('startFromEpoch ignores the warm-up epochs', async () => {
    const stop = new EarlyStopping({ patience: 1, startFromEpoch: 2 });
    // Epochs 0 and 1 are ignored; 2 is the first best; 3 does not improve → stop at 3.
    expect(await fakeFit(new FakeModel(), [stop], valLosses([0.1, 0.2, 1, 1.1, 1.2]))).toEqual([0, 1, 2, 3]);
    expect(stop.bestEpoch).toBe(2);
    // Without it, epoch 1 would have stopped training.
    expect(await fakeFit(new FakeModel(), [new EarlyStopping({ patience: 1 })], valLosses([0.1, 0.2, 1, 1.1]))).toEqual([0, 1]);
  });

  it('resets when reused for another fit', async () => {
    const stop = new EarlyStopping();
    await fakeFit(new FakeModel(), [stop], valLosses([1, 2]));
    expect(stop.stoppedEpoch).toBe(1);
    expect(await fakeFit(new FakeModel(), [stop], valLosses([5, 4, 3]))).toEqual([0, 1, 2]);
    expect(stop.stoppedEpoch).toBe(0);
  });
});

describe('EarlyStopping: mode', () => {
  it("'auto' minimises loss-like names and maximises accuracy-like names", async () => {
    const acc = new EarlyStopping({ monitor: 'val_accuracy' });
    const logs = [0.5, 0.6, 0.55].map((v) => ({ val_accuracy: v }));
    expect(await fakeFit(new FakeModel(), [acc], logs)).toEqual([0, 1, 2]);
    expect(acc.best).toBe(0.6);
    for (const name of ['accuracy', 'acc', 'val_acc', 'binary_accuracy', 'val_sparse_categorical_accuracy', 'auc', 'val_auc_1', 'precision', 'recall']) {
      expect(tk.callbacks.monitorDirection(name), name).toBe('max');
    }
    for (const name of ['loss', 'val_loss', 'mae', 'val_mse', 'mean_squared_error', 'categorical_crossentropy', 'val_output_loss', 'kl_divergence']) {
      expect(tk.callbacks.monitorDirection(name), name).toBe('min');
    }
  });

  it("'auto' on a name of unknown direction is an error asking for a mode", () => {
    expect(() => new EarlyStopping({ monitor: 'my_score' })).toThrow(/cannot tell from the name whether that metric should be maximized or minimized. Pass mode: 'max'/);
    expect(new EarlyStopping({ monitor: 'my_score', mode: 'max' }).mode).toBe('max');
    expect(() => new EarlyStopping({ mode: 'maximum' as never })).toThrow(/mode must be 'auto', 'min' or 'max'/);
    expect(() => new EarlyStopping({ patients: 3 } as never)).toThrow(/unknown option\(s\) 'patients'/);
  });

  it("an explicit mode wins over the name", async () => {
    const stop = new EarlyStopping({ monitor: 'val_loss', mode: 'max' });
    expect(await fakeFit(new FakeModel(), [stop], valLosses([1, 2, 1.5]))).toEqual([0, 1, 2]);
    expect(stop.best).toBe(2);
  });
});

describe('EarlyStopping: restoreBestWeights (Keras 3: at train end, even without stopping)', () => {
  it('restores the best epoch weights when training ran to the end', async () => {
    const model = new FakeModel();
    const stop = new EarlyStopping({ patience: 10, restoreBestWeights: true });
    expect(await fakeFit(model, [stop], valLosses([1, 0.5, 0.7, 0.8]))).toEqual([0, 1, 2, 3]);
    expect(stop.stoppedEpoch).toBe(0);
    expect(model.value).toBe(1); // the weights of epoch 1, copied (the live weight then became 2, 3)
    expect(model.setWeightsCalls).toBe(1);
  });

  it('restores after an early stop, and prints with verbose', async () => {
    const log = vi.spyOn(console, 'log').mockImplementation(() => {});
    const model = new FakeModel();
    const stop = new EarlyStopping({ patience: 1, restoreBestWeights: true, verbose: 1 });
    expect(await fakeFit(model, [stop], valLosses([1, 0.5, 0.7, 0.8]))).toEqual([0, 1, 2]);
    expect(model.value).toBe(1);
    expect(log.mock.calls.map((c) => c[0])).toEqual(['Epoch 3: early stopping', 'Restoring model weights from the end of the best epoch: 2.']);
  });

  it('does not touch the weights without restoreBestWeights, or when nothing was monitored', async () => {
    vi.spyOn(console, 'warn').mockImplementation(() => {});
    const model = new FakeModel();
    await fakeFit(model, [new EarlyStopping({ patience: 1 })], valLosses([1, 0.5, 0.7, 0.8]));
    expect(model.setWeightsCalls).toBe(0);
    const model2 = new FakeModel();
    await fakeFit(model2, [new EarlyStopping({ monitor: 'val_accuracy', restoreBestWeights: true })], valLosses([1, 2]));
    expect(model2.setWeightsCalls).toBe(0);
  });
});

describe('EarlyStopping: a missing monitor key warns as Keras and does not crash', () => {
  it('warns once with the available keys', async () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    const ran = await fakeFit(new FakeModel(), [new EarlyStopping({ monitor: 'val_accuracy' })], [{ loss: 1, accuracy: 0.5 }, { loss: 2, accuracy: 0.4 }]);
    expect(ran).toEqual([0, 1]);
    expect(warn).toHaveBeenCalledTimes(1);
    expect(warn.mock.calls[0]![0]).toBe('Early stopping conditioned on metric `val_accuracy` which is not available. Available metrics are: accuracy,loss');
  });
});
