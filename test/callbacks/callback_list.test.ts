// CallbackList (plain objects and Callback instances, awaited in order, one sorted logs copy per
// event) and History (keras/src/callbacks/history.py; toRows for console.table).

import { describe, expect, it } from 'vitest';
import * as tk from '../../src/index.js';
import { FakeModel, fakeFit } from './fake_model.js';

const { CallbackList, Callback, History } = tk.callbacks;

describe('CallbackList', () => {
  it('calls plain objects and Callback instances in order, awaiting each hook', async () => {
    const events: string[] = [];
    class Recorder extends Callback {
      override async onEpochEnd(epoch: number): Promise<void> {
        await new Promise((r) => setTimeout(r, 5));
        events.push(`instance end ${epoch}`);
      }
    }
    const plain = {
      onTrainBegin: () => { events.push('plain train begin'); },
      onEpochEnd: async (epoch: number) => { events.push(`plain end ${epoch}`); },
    };
    const list = new CallbackList([new Recorder(), plain]);
    await list.onTrainBegin();
    await list.onEpochBegin(0);
    await list.onEpochEnd(0, { loss: 1 });
    await list.onBatchEnd(0, {});
    expect(events).toEqual(['plain train begin', 'instance end 0', 'plain end 0']);
  });

  it('passes every callback the same sorted copy of the logs', async () => {
    const seen: tk.callbacks.Logs[] = [];
    const adder = { onEpochEnd: (_e: number, logs: tk.callbacks.Logs) => { logs.learning_rate = 0.5; seen.push(logs); } };
    const reader = { onEpochEnd: (_e: number, logs: tk.callbacks.Logs) => { seen.push(logs); } };
    const original = { val_loss: 3, loss: 1, accuracy: 2 };
    const returned = await new CallbackList([adder, reader]).onEpochEnd(0, original);
    expect(seen[0]).toBe(seen[1]);
    expect(Object.keys(seen[1]!)).toEqual(['accuracy', 'loss', 'val_loss', 'learning_rate']);
    expect(original).toEqual({ val_loss: 3, loss: 1, accuracy: 2 });
    expect(returned).toBe(seen[0]);
  });

  it('sets the model and params on the callbacks that take them', () => {
    const model = new FakeModel();
    const cb = new Callback();
    const plain = { params: null as unknown, setParams(p: tk.callbacks.CallbackParams) { this.params = p; } };
    const list = new CallbackList([cb, plain, { onEpochEnd: () => {} }]);
    list.setModel(model);
    list.setParams({ epochs: 3, steps: 10, verbose: 1 });
    expect(cb.model).toBe(model);
    expect(cb.params).toEqual({ epochs: 3, steps: 10, verbose: 1 });
    expect(plain.params).toEqual({ epochs: 3, steps: 10, verbose: 1 });
  });

  it('rejects what is not a callback, and misspelt hooks', () => {
    expect(() => new CallbackList([null as never])).toThrow(/callbacks\[0\]: expected a Callback or an object with hooks/);
    expect(() => new CallbackList([tk.callbacks.History as never])).toThrow(/did you forget `new`\?/);
    expect(() => new CallbackList([{ onEpochEnds: () => {} } as never])).toThrow(/Unknown callback hook 'onEpochEnds'. Did you mean 'onEpochEnd'\?/);
    expect(() => new CallbackList([{ onEpochEnd: 3 } as never])).toThrow(/callbacks\[0\].onEpochEnd must be a function/);
    expect(() => new CallbackList([{ onYield: () => {} }])).not.toThrow();
  });
});

describe('History', () => {
  it('records every key per epoch, the 0-based epochs and the params', async () => {
    const history = new History();
    await fakeFit(new FakeModel(), [history], [
      { loss: 0.9, accuracy: 0.5, val_loss: 1.0, val_accuracy: 0.4 },
      { loss: 0.7, accuracy: 0.6, val_loss: 0.8, val_accuracy: 0.5 },
    ]);
    expect(history.history).toEqual({ accuracy: [0.5, 0.6], loss: [0.9, 0.7], val_accuracy: [0.4, 0.5], val_loss: [1.0, 0.8] });
    expect(Object.keys(history.history)).toEqual(['accuracy', 'loss', 'val_accuracy', 'val_loss']); // sorted, as Keras
    expect(history.epoch).toEqual([0, 1]);
    expect(history.params).toEqual({ epochs: 2, steps: 1, verbose: 0 });
  });

  it('toRows gives one object per epoch, epoch counted from 1 as in DESIGN.md', async () => {
    const history = new History();
    await fakeFit(new FakeModel(), [history], [{ loss: 0.9, accuracy: 0.5 }, { loss: 0.7, accuracy: 0.6 }, { loss: 0.6, accuracy: 0.7, val_loss: 0.65 }]);
    expect(history.toRows()).toEqual([
      { epoch: 1, accuracy: 0.5, loss: 0.9 },
      { epoch: 2, accuracy: 0.6, loss: 0.7 },
      { epoch: 3, accuracy: 0.7, loss: 0.6, val_loss: 0.65 },
    ]);
    // copies: editing a row does not change the history
    history.toRows()[0]!.loss = 99;
    expect(history.toRows()[0]!.loss).toBe(0.9);
  });

  it('keeps the real epoch indices when training starts at initialEpoch', async () => {
    const history = new History();
    await fakeFit(new FakeModel(), [history], [{ loss: 3 }, { loss: 2 }, { loss: 1 }], 1);
    expect(history.epoch).toEqual([1, 2]);
    expect(history.toRows().map((r) => r.epoch)).toEqual([2, 3]);
  });
});
