// Keras 3's gradient accumulation and loss scaling (keras/src/optimizers/base_optimizer.py):
// with gradient_accumulation_steps n, n − 1 calls out of n only add the gradient to an
// accumulator, and the n-th updates with (g + accumulator) / n, then clips, decays and steps;
// `iterations` counts updates (calls // n) while the saved `iteration` and the learning-rate
// schedule count calls; the weight EMA moves on every call. With loss_scale_factor s, the
// training step differentiates loss·s and apply_gradients divides the gradients by s.
import { describe, expect, it } from 'vitest';
import * as tk from '../../src/index.js';
import { LearningRateSchedule } from '../../src/optimizers/schedules.js';
import { expectClose } from '../helpers/index.js';

const O = tk.optimizers;

/** Applies the gradient arrays one call each to a fresh variable; returns its value after every call. */
function run(opt: tk.optimizers.Optimizer, w0: number[], grads: number[][]): number[][] {
  const w = tk.variable(tk.tensor(w0), { name: 'w' });
  return grads.map((g) => {
    opt.applyGradients([[tk.tensor(g), w]]);
    return Array.from(w.data);
  });
}

describe('optimizers: gradientAccumulationSteps', () => {
  it('SGD by hand: updates every second call with the mean of the two gradients', () => {
    const opt = new O.SGD({ learningRate: 0.1, gradientAccumulationSteps: 2 });
    const w = tk.variable(tk.tensor([1]), { name: 'w' });
    const seen: [number, number, number][] = [];
    for (const g of [1, 3, 5, 7]) {
      opt.applyGradients([[tk.tensor([g]), w]]);
      seen.push([w.data[0]!, opt.iterations, opt.getWeights()[0]!.tensor.data[0]!]);
    }
    // 1 → accumulate; 3 → w −= 0.1·(1 + 3)/2 = 0.8; 5 → accumulate; 7 → w −= 0.1·(5 + 7)/2 = 0.2.
    // `iterations` counts updates; the saved `iteration` counts calls.
    expect(seen.map(([v]) => v)).toEqual([1, 0.8, 0.8, 0.2].map(Math.fround));
    expect(seen.map(([, it]) => it)).toEqual([0, 1, 1, 2]);
    expect(seen.map(([, , calls]) => calls)).toEqual([1, 2, 3, 4]);
  });

  it('Adam accumulating 3 calls is Adam fed the mean gradient, bit for bit (bias correction counts updates)', () => {
    // Dyadic gradients, so that the float32 accumulator's sums are exact and only the mean rounds.
    const grads = [[0.5, -1.25], [2, 0.75], [-0.25, 4], [1.5, -2], [0.125, 1], [3, -0.5]];
    const mean = (gs: number[][]): number[] => gs[0]!.map((_, i) => Math.fround(gs.reduce((s, g) => s + g[i]!, 0) / gs.length));
    const accumulated = run(new O.Adam({ learningRate: 0.01, gradientAccumulationSteps: 3 }), [1, -1], grads);
    const plain = run(new O.Adam({ learningRate: 0.01 }), [1, -1], [mean(grads.slice(0, 3)), mean(grads.slice(3))]);
    expect(accumulated[2]).toEqual(plain[0]);
    expect(accumulated[5]).toEqual(plain[1]);
    expect(accumulated[0]).toEqual([1, -1].map(Math.fround)); // no update before the third call
  });

  it('evaluates a learning-rate schedule at the number of calls, on update calls only', () => {
    class Recorder extends LearningRateSchedule {
      static override readonly className = 'Recorder';
      readonly steps: number[] = [];
      call(step: number): number {
        this.steps.push(step);
        return 0.1;
      }
      getConfig(): Record<string, unknown> {
        return {};
      }
    }
    const schedule = new Recorder();
    run(new O.SGD({ learningRate: schedule, gradientAccumulationSteps: 2 }), [0], [[1], [1], [1], [1]]);
    expect(schedule.steps).toEqual([1, 3]);
  });

  it('clips the mean gradient, not each call’s', () => {
    // mean of [3, 0] and [3, 8] = [3, 4], norm 5 → clipped to [0.6, 0.8] (each alone: [1, 0], [0.35, 0.94]).
    const [, after] = run(new O.SGD({ learningRate: 1, clipnorm: 1, gradientAccumulationSteps: 2 }), [0, 0], [[3, 0], [3, 8]]);
    expectClose(after!, [-0.6, -0.8], { rtol: 1e-6, atol: 1e-7 });
  });

  it('moves the weight EMA on every call, with momentum 0 until the first update is counted', () => {
    const opt = new O.SGD({ learningRate: 0.1, gradientAccumulationSteps: 2, useEma: true, emaMomentum: 0.5 });
    const w = tk.variable(tk.tensor([1]), { name: 'w' });
    const averages: number[] = [];
    for (let i = 0; i < 4; i++) {
      opt.applyGradients([[tk.tensor([1]), w]]);
      averages.push(opt.getWeights().find((s) => s.name === 'w/average')!.tensor.data[0]!);
    }
    // w: 1, 0.9, 0.9, 0.8; iterations before each call: 0, 0, 1, 1 (momentum 0, 0, 0.5, 0.5):
    // averages 1, 0.9, 0.5·0.9 + 0.5·0.9 = 0.9, 0.5·0.9 + 0.5·0.8 = 0.85.
    expectClose(averages, [1, 0.9, 0.9, 0.85], { rtol: 1e-6, atol: 1e-7 });
  });

  it('saves the accumulators with the state (after the averages, as Keras builds them) and resumes mid-accumulation', () => {
    const grads = [[0.3, -0.2], [0.1, 0.4], [-0.5, 0.25], [0.2, 0.2], [0.7, -0.1], [0.05, 0.3]];
    const a = tk.variable(tk.tensor([1, 2]), { name: 'dense/kernel' });
    const opt = new O.Adam({ gradientAccumulationSteps: 3, useEma: true });
    for (const g of grads.slice(0, 4)) opt.applyGradients([[tk.tensor(g), a]]);
    const saved = opt.getWeights();
    expect(saved.map((s) => s.name)).toEqual([
      'iteration', 'learning_rate', 'dense/kernel/average', 'dense/kernel/gradient_accumulator', 'dense/kernel/momentum', 'dense/kernel/velocity',
    ]);
    expect(saved[0]!.tensor.data[0]).toBe(4);
    expectClose(saved[3]!.tensor.data, [0.2, 0.2], { rtol: 1e-6, atol: 0 }); // the 4th call's gradient, waiting

    const b = tk.variable(tk.tensor(Array.from(a.data)), { name: 'dense/kernel' });
    const resumed = new O.Adam({ gradientAccumulationSteps: 3, useEma: true });
    resumed.build([b]);
    resumed.setWeights(saved);
    expect(resumed.iterations).toBe(1);
    for (const g of grads.slice(4)) {
      opt.applyGradients([[tk.tensor(g), a]]);
      resumed.applyGradients([[tk.tensor(g), b]]);
    }
    expect(b.data).toEqual(a.data);
    expect(resumed.getWeights().map((s) => Array.from(s.tensor.data))).toEqual(opt.getWeights().map((s) => Array.from(s.tensor.data)));
  });

  it('an update resets every accumulator, also of a variable without a gradient in that call (Keras)', () => {
    const opt = new O.SGD({ learningRate: 1, gradientAccumulationSteps: 2 });
    const a = tk.variable(tk.tensor([0]), { name: 'a' });
    const b = tk.variable(tk.tensor([0]), { name: 'b' });
    opt.applyGradients([[tk.tensor([1]), a], [tk.tensor([10]), b]]);
    opt.applyGradients([[tk.tensor([1]), a], [null, b]]); // update: b has no gradient, its 10 is dropped
    opt.applyGradients([[tk.tensor([0]), a], [tk.tensor([0]), b]]);
    opt.applyGradients([[tk.tensor([0]), a], [tk.tensor([0]), b]]);
    expect([a.data[0], b.data[0]]).toEqual([-1, 0]);
  });

  it('update observers (GradientStats) see the applied gradients, only on the calls that update', () => {
    const seen: number[][] = [];
    const opt = new O.SGD({ learningRate: 0.1, gradientAccumulationSteps: 2, lossScaleFactor: 512 });
    opt.updateObservers.push({ beforeUpdate: (pairs) => { seen.push(Array.from(pairs[0]![0].data)); } });
    run(opt, [0], [[512], [1536], [2048], [0]]);
    // Unscaled 1, 3, 4, 0: updates with the means 2 and 2, reported on calls 2 and 4 only.
    expect(seen).toEqual([[2], [2]]);
  });

  it('fit with batches of 8 accumulated over 2 steps trains as batches of 16', async () => {
    const train = async (batchSize: number, gradientAccumulationSteps: number | null): Promise<Float32Array[]> => {
      tk.setSeed(11);
      const x = tk.randomNormal([32, 3]);
      const y = tk.randomNormal([32, 2]);
      const model = new tk.Sequential([new tk.layers.Dense(4, { inputShape: [3], activation: 'tanh' }), new tk.layers.Dense(2)]);
      model.compile({ optimizer: new O.SGD({ learningRate: 0.1, gradientAccumulationSteps }), loss: 'mse' });
      await model.fit(x, y, { epochs: 3, batchSize, shuffle: false, verbose: 0 });
      return model.getWeights().map((w) => w.data);
    };
    const accumulated = await train(8, 2);
    const large = await train(16, null);
    const small = await train(8, null);
    accumulated.forEach((w, i) => expectClose(w, large[i]!, { rtol: 1e-5, atol: 1e-6 }));
    // and it is not what batches of 8 give:
    expect(small.some((w, i) => w.some((v, j) => Math.abs(v - large[i]![j]!) > 1e-4))).toBe(true);
  });
});

describe('optimizers: lossScaleFactor', () => {
  it('scaleLoss multiplies the loss; applyGradients divides the gradients back', () => {
    const opt = new O.Adam({ learningRate: 0.01, lossScaleFactor: 8 });
    expect(Array.from(opt.scaleLoss(tk.tensor([1.5, -2])).data)).toEqual([12, -16]);
    const unscaled = new O.Adam({ learningRate: 0.01 });
    const loss = tk.tensor([3]);
    expect(unscaled.scaleLoss(loss)).toBe(loss);
    const grads = [[0.3, -0.7], [1.1, 0.2], [-0.4, 0.9]];
    // Dividing by a power of two is exact: the two runs agree bit for bit.
    expect(run(opt, [1, 2], grads.map((g) => g.map((v) => Math.fround(v) * 8)))).toEqual(run(unscaled, [1, 2], grads));
  });

  it('fit differentiates the scaled loss, reports the loss itself and ends where an unscaled run does', async () => {
    const train = async (lossScaleFactor: number | null) => {
      tk.setSeed(5);
      const x = tk.randomNormal([24, 4]);
      const y = tk.randomNormal([24, 1]);
      const model = new tk.Sequential([new tk.layers.Dense(3, { inputShape: [4], activation: 'relu' }), new tk.layers.Dense(1)]);
      model.compile({ optimizer: new O.SGD({ learningRate: 0.05, lossScaleFactor }), loss: 'mse' });
      const history = await model.fit(x, y, { epochs: 2, batchSize: 8, shuffle: false, verbose: 0 });
      return { loss: history.history.loss!, weights: model.getWeights().map((w) => w.data) };
    };
    const plain = await train(null);
    const scaled = await train(1024); // a power of two: exact
    expect(scaled.loss).toEqual(plain.loss);
    scaled.weights.forEach((w, i) => expect(w).toEqual(plain.weights[i]));
    const odd = await train(3); // not exact, within rounding
    odd.weights.forEach((w, i) => expectClose(w, plain.weights[i]!, { rtol: 1e-5, atol: 1e-6 }));
  });
});

describe('optimizers: the two options in configs and errors', () => {
  it('round-trips through getConfig / optimizerFromConfig (Keras snake_case keys)', () => {
    const opt = new O.Adam({ lossScaleFactor: 128, gradientAccumulationSteps: 4 });
    const config = opt.getConfig();
    expect([config.loss_scale_factor, config.gradient_accumulation_steps]).toEqual([128, 4]);
    const back = O.optimizerFromConfig('Adam', config);
    expect([back.lossScaleFactor, back.gradientAccumulationSteps]).toEqual([128, 4]);
    const keras = O.optimizerFromConfig('SGD', { learning_rate: 0.1, loss_scale_factor: null, gradient_accumulation_steps: null });
    expect([keras.lossScaleFactor, keras.gradientAccumulationSteps]).toEqual([null, null]);
  });

  it('rejects invalid values, naming the option', () => {
    expect(() => new O.SGD({ gradientAccumulationSteps: 1 })).toThrow('SGD: gradientAccumulationSteps must be an integer >= 2 or null, got 1');
    expect(() => new O.SGD({ gradientAccumulationSteps: 2.5 })).toThrow(/gradientAccumulationSteps must be an integer >= 2 or null, got 2.5/);
    expect(() => new O.SGD({ gradientAccumulationSteps: '2' as never })).toThrow(/gradientAccumulationSteps must be an integer >= 2 or null, got 2/);
    expect(() => new O.Adam({ lossScaleFactor: 0 })).toThrow('Adam: lossScaleFactor must be a positive number or null, got 0');
    expect(() => new O.Adam({ lossScaleFactor: -2 })).toThrow(/lossScaleFactor must be a positive number/);
    expect(() => new O.Adam({ lossScaleFactor: Number.NaN })).toThrow(/lossScaleFactor must be a finite number/);
  });
});
