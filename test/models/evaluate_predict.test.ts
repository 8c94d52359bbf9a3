// evaluate / predict / trainOnBatch / testOnBatch as Keras 3 (keras-facts §8.4): `returnDict`
// gives `{loss, ...metrics}` with sorted keys; evaluate's and predict's `callbacks` get the test
// and predict hooks in Keras's order, with the running logs (evaluate) and each batch's outputs
// (predict); the two are synchronous, so a hook returning a Promise is a clear error.

import { beforeEach, describe, expect, it } from 'vitest';
import * as tk from '../../src/index.js';

beforeEach(() => {
  tk.clearSession();
  tk.setSeed(7);
});

/** A compiled 3 → 4 → 2 softmax classifier with two metrics given out of alphabetical order. */
function classifier(): tk.Sequential {
  const model = new tk.Sequential([new tk.layers.Dense(4, { inputShape: [3], activation: 'relu' }), new tk.layers.Dense(2, 'softmax')]);
  model.compile({ optimizer: 'sgd', loss: 'categorical_crossentropy', metrics: ['mae', 'acc'] });
  return model;
}
const x5 = [[1, 2, 3], [4, 5, 6], [7, 8, 9], [-1, 0, 2], [3, -2, 1]];
const y5 = [[1, 0], [0, 1], [1, 0], [0, 1], [0, 1]];

describe('returnDict', () => {
  it('evaluate: the same numbers as the list, keyed by name, keys sorted', () => {
    const model = classifier();
    const list = model.evaluate(x5, y5, { verbose: 0 }) as number[];
    const dict = model.evaluate(x5, y5, { verbose: 0, returnDict: true });
    expect(Object.keys(dict)).toEqual(['acc', 'loss', 'mae']);
    expect([dict.loss, dict.mae, dict.acc]).toEqual(list); // the list is [loss, ...metrics in compile order]
  });

  it('trainOnBatch and testOnBatch', () => {
    const model = classifier();
    const before = model.testOnBatch(x5, y5) as number[];
    expect(model.testOnBatch(x5, y5, { returnDict: true })).toEqual({ acc: before[2], loss: before[0], mae: before[1] });
    const trained = model.trainOnBatch(x5, y5, { returnDict: true });
    expect(Object.keys(trained)).toEqual(['acc', 'loss', 'mae']);
    expect(trained.loss).toBeCloseTo(before[0]!, 6); // the loss before the update, as Keras
    expect(() => model.trainOnBatch(x5, y5, { return_dict: true } as never)).toThrow(/sequential.trainOnBatch: unknown option 'return_dict'. Did you mean 'returnDict'\?/);
  });
});

describe('evaluate callbacks', () => {
  it('get setModel, setParams and the test hooks in order, with the running logs', () => {
    const model = classifier();
    const calls: string[] = [];
    const seen: { batch: number; logs: tk.callbacks.Logs }[] = [];
    let params: tk.callbacks.CallbackParams = {};
    let end: tk.callbacks.Logs = {};
    const cb: tk.callbacks.CallbackHooks & { setModel(m: unknown): void; setParams(p: tk.callbacks.CallbackParams): void } = {
      setModel: (m) => calls.push(m === model ? 'setModel(model)' : 'setModel(?)'),
      setParams: (p) => { params = p; calls.push('setParams'); },
      onTestBegin: () => { calls.push('begin'); },
      onTestBatchBegin: (b) => { calls.push(`batchBegin ${b}`); },
      onTestBatchEnd: (b, logs) => { calls.push(`batchEnd ${b}`); seen.push({ batch: b, logs }); },
      onTestEnd: (logs) => { calls.push('end'); end = logs; },
    };
    const result = model.evaluate(x5, y5, { batchSize: 2, verbose: 0, callbacks: [cb], returnDict: true });
    expect(calls).toEqual(['setModel(model)', 'setParams', 'begin', 'batchBegin 0', 'batchEnd 0', 'batchBegin 1', 'batchEnd 1', 'batchBegin 2', 'batchEnd 2', 'end']);
    expect(params).toMatchObject({ verbose: 0, epochs: 1, steps: 3 });
    // After batch 0 the running logs are those of the first two samples alone.
    expect(seen[0]!.logs).toEqual(model.testOnBatch(x5.slice(0, 2), y5.slice(0, 2), { returnDict: true }));
    expect(Object.keys(seen[0]!.logs)).toEqual(['acc', 'loss', 'mae']);
    expect(end).toEqual(result);
  });

  it('a hook that returns a Promise is an error naming it (evaluate cannot await)', () => {
    const model = classifier();
    const asyncHook = { onTestBatchEnd: async () => {} };
    expect(() => model.evaluate(x5, y5, { verbose: 0, callbacks: [{}, asyncHook] })).toThrow(
      'callbacks[1].onTestBatchEnd returned a Promise, but evaluate is synchronous and cannot await it; make the hook synchronous (fit awaits its hooks)',
    );
  });
});

describe('progress bars', () => {
  it('a ProgbarLogger among the callbacks is the only bar (as Keras), and shows the running metrics per batch', () => {
    const model = classifier();
    const out: string[] = [];
    const logger = new tk.callbacks.ProgbarLogger({ write: (t) => out.push(t), isTTY: true, now: () => 0 });
    const written: string[] = [];
    const original = process.stdout.write.bind(process.stdout);
    process.stdout.write = ((chunk: string) => { written.push(String(chunk)); return true; }) as typeof process.stdout.write;
    try {
      model.evaluate(x5, y5, { batchSize: 2, verbose: 1, callbacks: [logger] });
    } finally {
      process.stdout.write = original;
    }
    expect(written.join('')).toBe(''); // no second, default bar
    const text = out.join('').replace(/\x1b\[[0-9;]*m/g, ''); // without the TTY colours
    expect(text).toContain('1/3 ━');
    const afterFirst = text.split('\r').find((line) => line.startsWith('1/3'))!;
    expect(afterFirst).toMatch(/ - acc: \d\.\d{4} - loss: \d\.\d{4} - mae: \d\.\d{4}/); // the running logs after batch 1
    expect(text).toMatch(/3\/3 ━+ .*\n$/);
  });
});

describe('predict callbacks', () => {
  it('get the predict hooks in order, and each batch\'s outputs', () => {
    const model = classifier();
    const calls: string[] = [];
    const outputs: tk.Tensor[] = [];
    const result = model.predict(x5, {
      batchSize: 2,
      callbacks: [{
        onPredictBegin: () => { calls.push('begin'); },
        onPredictBatchBegin: (b) => { calls.push(`batchBegin ${b}`); },
        onPredictBatchEnd: (b, logs) => { calls.push(`batchEnd ${b}`); outputs.push(logs.outputs); },
        onPredictEnd: () => { calls.push('end'); },
      }],
    });
    expect(calls).toEqual(['begin', 'batchBegin 0', 'batchEnd 0', 'batchBegin 1', 'batchEnd 1', 'batchBegin 2', 'batchEnd 2', 'end']);
    expect(outputs.map((o) => o.shape)).toEqual([[2, 2], [2, 2], [1, 2]]);
    expect(Array.from(tk.concat(outputs, 0).data)).toEqual(Array.from(result.data));
  });

  it('a hook that returns a Promise is an error naming it', () => {
    const model = classifier();
    expect(() => model.predict(x5, { callbacks: [{ onPredictEnd: () => Promise.resolve() }] })).toThrow(
      /callbacks\[0\]\.onPredictEnd returned a Promise, but predict is synchronous/,
    );
  });
});
