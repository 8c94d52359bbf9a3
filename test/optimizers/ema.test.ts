// Keras 3's weight EMA (use_ema, keras/src/optimizers/base_optimizer.py): after every update
// average ← m·average + (1 − m)·w, with m = 0 on the first update; every
// ema_overwrite_frequency updates the weights take the averages; fit ends with
// finalize_variable_values, which writes the averages into the weights.
import { describe, expect, it } from 'vitest';
import * as tk from '../../src/index.js';

const O = tk.optimizers;

describe('optimizers: weight EMA (useEma)', () => {
  it('keeps the moving average by hand: SGD lr 0.1, constant gradient 1, momentum 0.5', () => {
    const w = tk.variable(tk.tensor([1]), { name: 'w' });
    const opt = new O.SGD({ learningRate: 0.1, useEma: true, emaMomentum: 0.5 });
    const g = tk.tensor([1]);
    opt.applyGradients([[g, w]]); // w = 0.9; first update: average = w = 0.9
    opt.applyGradients([[g, w]]); // w = 0.8; average = 0.5·0.9 + 0.5·0.8 = 0.85
    opt.applyGradients([[g, w]]); // w = 0.7; average = 0.5·0.85 + 0.5·0.7 = 0.775
    expect(w.data[0]).toBeCloseTo(0.7, 6);
    expect(opt.getWeights().find((s) => s.name === 'w/average')!.tensor.data[0]).toBeCloseTo(0.775, 6);
    opt.finalizeVariableValues([w]);
    expect(w.data[0]).toBeCloseTo(0.775, 6);
  });

  it('overwrites the weights with the averages every emaOverwriteFrequency updates', () => {
    const w = tk.variable(tk.tensor([1]), { name: 'w' });
    const opt = new O.SGD({ learningRate: 0.1, useEma: true, emaMomentum: 0.5, emaOverwriteFrequency: 2 });
    const g = tk.tensor([1]);
    opt.applyGradients([[g, w]]); // w = 0.9, average 0.9; (0 + 1) % 2 ≠ 0
    expect(w.data[0]).toBeCloseTo(0.9, 6);
    opt.applyGradients([[g, w]]); // w = 0.8, average 0.85; (1 + 1) % 2 = 0 → w = 0.85
    expect(w.data[0]).toBeCloseTo(0.85, 6);
    opt.applyGradients([[g, w]]); // w = 0.75, average 0.5·0.85 + 0.5·0.75 = 0.8
    expect(w.data[0]).toBeCloseTo(0.75, 6);
    expect(opt.getWeights().find((s) => s.name === 'w/average')!.tensor.data[0]).toBeCloseTo(0.8, 6);
  });

  it('orders the averages before the slots, as Keras builds them', () => {
    const a = tk.variable(tk.tensor([1]), { name: 'a' });
    const b = tk.variable(tk.tensor([1, 2]), { name: 'b' });
    const opt = new O.Adam({ useEma: true });
    opt.applyGradients([[tk.tensor([1]), a], [tk.tensor([1, 1]), b]]);
    expect(opt.getWeights().map((x) => x.name)).toEqual([
      'iteration', 'learning_rate', 'a/average', 'b/average', 'a/momentum', 'a/velocity', 'b/momentum', 'b/velocity',
    ]);
    // iteration (8 bytes) + learning_rate + 2 averages + 4 slots: 1 + 1 + 3 + 6 = 11 values
    expect(opt.summaryParams()).toEqual({ count: 11, bytes: 8 + 4 * 10 });
  });

  it('fit ends by writing the averages into the weights (finalize_variable_values)', async () => {
    const build = (): tk.Sequential => {
      tk.setSeed(3);
      return new tk.Sequential([new tk.layers.Dense(1, { inputShape: [2], kernelInitializer: 'ones' })]);
    };
    const x = tk.tensor([[1, 2], [3, 4], [5, 6], [7, 8]]);
    const y = tk.tensor([[1], [0], [1], [0]]);
    const model = build();
    model.compile({ optimizer: new O.SGD({ learningRate: 0.01, useEma: true, emaMomentum: 0.9 }), loss: 'mse' });
    await model.fit(x, y, { epochs: 3, batchSize: 2, shuffle: false, verbose: 0 });

    // The same updates by hand with a plain SGD, averaging the weights ourselves.
    const ref = build();
    ref.compile({ optimizer: new O.SGD({ learningRate: 0.01 }), loss: 'mse' });
    const averages = ref.trainableWeights.map((v) => new Float64Array(v.size));
    let step = 0;
    for (let epoch = 0; epoch < 3; epoch++) {
      for (const start of [0, 2]) {
        ref.trainOnBatch(tk.slice(x, [start, 0], [2, 2]), tk.slice(y, [start, 0], [2, 1]));
        const m = step === 0 ? 0 : 0.9;
        ref.trainableWeights.forEach((v, k) => v.data.forEach((wi, i) => { averages[k]![i] = m * averages[k]![i]! + (1 - m) * wi; }));
        step++;
      }
    }
    model.trainableWeights.forEach((v, k) => {
      v.data.forEach((wi, i) => expect(wi).toBeCloseTo(averages[k]![i]!, 5));
    });
  });

  it('round-trips through its config and rejects bad EMA options', () => {
    const opt = new O.Adam({ useEma: true, emaMomentum: 0.9, emaOverwriteFrequency: 5 });
    const config = opt.getConfig();
    expect(config).toMatchObject({ use_ema: true, ema_momentum: 0.9, ema_overwrite_frequency: 5 });
    const back = O.optimizerFromConfig('Adam', config);
    expect([back.useEma, back.emaMomentum, back.emaOverwriteFrequency]).toEqual([true, 0.9, 5]);
    expect(() => new O.Adam({ useEma: true, emaMomentum: 1.5 })).toThrow('Adam: emaMomentum must be in [0, 1], got 1.5');
    expect(() => new O.Adam({ useEma: true, emaOverwriteFrequency: 0 })).toThrow('Adam: emaOverwriteFrequency must be an integer >= 1 or null, got 0');
  });
});
