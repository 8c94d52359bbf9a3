// GradientStats: the norms it reports equal a manual computation with variableGrads on the same
// batches; the update/weight ratio equals ‖Δw‖/‖w‖ of the manual SGD step; printing; the
// optimizer hook it rides on.

import { describe, expect, it } from 'vitest';
import * as tk from '../../src/index.js';

const norm = (t: tk.Tensor): number => Math.sqrt(Array.from(t.data).reduce((s, v) => s + v * v, 0));
const rel = (a: number, b: number): number => Math.abs(a - b) / Math.max(1e-12, Math.abs(b));

const X = tk.tensor([[0.5, -1], [1, 2], [-1.5, 0.25], [2, 1]]);
const Y = tk.tensor([[1], [0], [-1], [2]]);

function makeModel(seed: number): tk.Sequential {
  tk.setSeed(seed);
  const model = new tk.Sequential([
    new tk.layers.Dense(3, { activation: 'tanh', inputShape: [2], name: 'h' }),
    new tk.layers.Dense(1, { name: 'o' }),
  ]);
  model.compile({ optimizer: new tk.optimizers.SGD(0.1), loss: 'mse' });
  return model;
}

/** What fit does, by hand: per batch, variableGrads then SGD; returns each step's numbers. */
function manualSteps(model: tk.Sequential, batches: [tk.Tensor, tk.Tensor][]) {
  const weights = model.trainableWeights;
  const opt = new tk.optimizers.SGD(0.1);
  return batches.map(([xb, yb]) => {
    const before = weights.map((w) => w.clone());
    const { grads } = tk.variableGrads(() => tk.losses.meanSquaredError(yb, model.apply(xb, { training: true })).mean(), weights);
    opt.applyGradients(grads.map((g, i) => [g, weights[i]!] as [tk.Tensor, tk.Variable]));
    const delta = weights.map((w, i) => w.sub(before[i]!));
    return { grads, before, delta };
  });
}

describe('GradientStats', () => {
  it('one batch per epoch: the norms are those of variableGrads on that batch', async () => {
    const model = makeModel(11);
    const twin = makeModel(11);
    twin.setWeights(model.getWeights());
    const [step] = manualSteps(twin, [[X, Y]]);

    const stats = new tk.callbacks.GradientStats({ verbose: 0 });
    await model.fit(X, Y, { epochs: 1, batchSize: 4, shuffle: false, verbose: 0, callbacks: [stats] });

    expect(stats.history).toHaveLength(1);
    const epoch = stats.history[0]!;
    expect(epoch.epoch).toBe(1);
    expect(epoch.steps).toBe(1);
    expect(epoch.variables.map((v) => v.variable)).toEqual(['h/kernel', 'h/bias', 'o/kernel', 'o/bias']);
    epoch.variables.forEach((v, i) => {
      expect(rel(v.gradNorm, norm(step!.grads[i]!))).toBeLessThan(1e-5);
      expect(v.maxGradNorm).toBe(v.gradNorm);
    });
    // update/weight: SGD moves w by −0.1·g, so the ratio is ‖Δw‖/‖w‖ = 0.1·‖g‖/‖w‖
    expect(rel(epoch.variables[0]!.updateRatio, norm(step!.delta[0]!) / norm(step!.before[0]!))).toBeLessThan(1e-4);
    expect(rel(epoch.variables[0]!.updateRatio, (0.1 * norm(step!.grads[0]!)) / norm(step!.before[0]!))).toBeLessThan(1e-4);
    // a bias that starts at zero has no ratio in its first step
    expect(epoch.variables[1]!.updateRatio).toBeNaN();
    // per layer: the variables pooled
    expect(epoch.layers.map((l) => [l.layer, l.variables])).toEqual([['h', ['h/kernel', 'h/bias']], ['o', ['o/kernel', 'o/bias']]]);
    const pooled = (xs: tk.Tensor[]) => Math.sqrt(xs.reduce((s, t) => s + norm(t) ** 2, 0));
    expect(rel(epoch.layers[0]!.gradNorm, pooled(step!.grads.slice(0, 2)))).toBeLessThan(1e-5);
    expect(rel(epoch.layers[1]!.gradNorm, pooled(step!.grads.slice(2, 4)))).toBeLessThan(1e-5);
    expect(rel(epoch.layers[1]!.updateRatio, pooled(step!.delta.slice(2, 4)) / pooled(step!.before.slice(2, 4)))).toBeLessThan(1e-4);
    expect(rel(epoch.layers[0]!.weightNorm, pooled(model.trainableWeights.slice(0, 2)))).toBeLessThan(1e-6);
  });

  it('several batches: the epoch reports the mean over its steps (and the largest gradient norm)', async () => {
    const model = makeModel(5);
    const twin = makeModel(5);
    twin.setWeights(model.getWeights());
    const rows = (t: tk.Tensor, a: number, b: number) => t.slice([a, 0], [b - a, -1]);
    const batches: [tk.Tensor, tk.Tensor][] = [[rows(X, 0, 2), rows(Y, 0, 2)], [rows(X, 2, 4), rows(Y, 2, 4)]];
    const steps = [...manualSteps(twin, batches), ...manualSteps(twin, batches)]; // two epochs
    // NOTE: manualSteps makes a fresh SGD per call; plain SGD has no state, so that is the same.

    const stats = new tk.callbacks.GradientStats({ verbose: 0 });
    await model.fit(X, Y, { epochs: 2, batchSize: 2, shuffle: false, verbose: 0, callbacks: [stats] });

    expect(stats.history.map((e) => [e.epoch, e.steps])).toEqual([[1, 2], [2, 2]]);
    for (let e = 0; e < 2; e++) {
      const [s1, s2] = [steps[2 * e]!, steps[2 * e + 1]!];
      const kernel = stats.history[e]!.variables[0]!;
      const n1 = norm(s1.grads[0]!);
      const n2 = norm(s2.grads[0]!);
      expect(rel(kernel.gradNorm, (n1 + n2) / 2)).toBeLessThan(1e-5);
      expect(rel(kernel.maxGradNorm, Math.max(n1, n2))).toBeLessThan(1e-5);
      const r1 = norm(s1.delta[0]!) / norm(s1.before[0]!);
      const r2 = norm(s2.delta[0]!) / norm(s2.before[0]!);
      expect(rel(kernel.updateRatio, (r1 + r2) / 2)).toBeLessThan(1e-4);
    }
    // in epoch 2 the bias is no longer zero: it has a ratio
    expect(stats.history[1]!.variables[1]!.updateRatio).toBeGreaterThan(0);
    // the fit and the manual loop ended with the same weights
    model.trainableWeights.forEach((w, i) => {
      expect(Array.from(w.data).map((v) => v.toFixed(5))).toEqual(Array.from(twin.trainableWeights[i]!.data).map((v) => v.toFixed(5)));
    });
  });

  it('prints a table every printEvery epochs and at the last one', async () => {
    const model = makeModel(3);
    const printed: string[] = [];
    const stats = new tk.callbacks.GradientStats({ printEvery: 2, print: (t) => printed.push(t) });
    await model.fit(X, Y, { epochs: 3, batchSize: 4, verbose: 0, callbacks: [stats] });
    expect(printed.map((t) => t.split('\n')[0])).toEqual([
      'gradient stats, epoch 2 (mean over 1 step)',
      'gradient stats, epoch 3 (mean over 1 step)',
    ]);
    const lines = printed[0]!.split('\n');
    expect(lines[1]).toMatch(/^ {2}layer\s+grad norm\s+max grad norm\s+update\/weight\s+weight norm$/);
    expect(lines[2]).toMatch(/^ {2}h\s+\d\.\d\de[-+]\d+\s+\d\.\d\de[-+]\d+\s+\d\.\d\de[-+]\d+\s+\d\.\d\de[-+]\d+$/);
    expect(lines[3]).toMatch(/^ {2}o\s/);
    expect(stats.history).toHaveLength(3);

    const quiet: string[] = [];
    await makeModel(3).fit(X, Y, { epochs: 2, verbose: 0, callbacks: [new tk.callbacks.GradientStats({ verbose: 0, print: (t) => quiet.push(t) })] });
    expect(quiet).toEqual([]);
  });

  it('attaches to the optimizer for the fit only', async () => {
    const model = makeModel(1);
    const stats = new tk.callbacks.GradientStats({ verbose: 0 });
    const seen: number[] = [];
    const spy = { onBatchEnd: () => void seen.push(model.optimizer!.updateObservers.length) };
    await model.fit(X, Y, { epochs: 1, batchSize: 2, verbose: 0, callbacks: [stats, spy] });
    expect(seen).toEqual([1, 1]);
    expect(model.optimizer!.updateObservers).toEqual([]);
    // a second fit does not double-count
    await model.fit(X, Y, { epochs: 1, batchSize: 4, verbose: 0, callbacks: [stats] });
    expect(stats.history.at(-1)!.steps).toBe(1);
  });

  it('rejects bad options and a model without an optimizer', () => {
    expect(() => new tk.callbacks.GradientStats({ printEvery: 0 })).toThrow(/printEvery must be a positive integer/);
    const stats = new tk.callbacks.GradientStats();
    stats.setModel({ stopTraining: false, getWeights: () => [], setWeights: () => {}, optimizer: null });
    expect(() => stats.onTrainBegin({})).toThrow(/no optimizer/);
  });
});

describe('Optimizer.updateObservers (the hook)', () => {
  it('sees the raw gradients before the update and the new weights after it; null gradients dropped', () => {
    const opt = new tk.optimizers.SGD({ learningRate: 0.5, clipvalue: 0.1 });
    const w = tk.variable(tk.tensor([1, 2]), { name: 'w' });
    const v = tk.variable(tk.tensor([3]), { name: 'v' });
    const log: string[] = [];
    opt.updateObservers.push({
      beforeUpdate: (pairs) => log.push(`before ${pairs.map(([g, x]) => `${x.name}:g=${Array.from(g.data)},w=${Array.from(x.data)}`).join(' ')}`),
      afterUpdate: (pairs) => log.push(`after ${pairs.map(([, x]) => `${x.name}:w=${Array.from(x.data)}`).join(' ')}`),
    });
    const warn = console.warn;
    console.warn = () => {};
    try {
      opt.applyGradients([[tk.tensor([1, -1]), w], [null, v]]);
    } finally {
      console.warn = warn;
    }
    // clipped to ±0.1 before the update, but the observer sees the raw gradient
    expect(log).toEqual(['before w:g=1,-1,w=1,2', 'after w:w=0.949999988079071,2.049999952316284']);
  });
});
