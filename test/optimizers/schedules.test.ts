// Learning-rate schedules: values at a few steps, computed here from the Keras 3 formulas
// (keras/src/optimizers/schedules/learning_rate_schedule.py) by hand.

import { describe, expect, it } from 'vitest';
import * as tk from '../../src/index.js';

const S = tk.optimizers.schedules;

describe('ExponentialDecay: lr·rate^(step/decaySteps)', () => {
  it('is continuous by default', () => {
    const s = new S.ExponentialDecay(0.1, 10, 0.5);
    expect(s.call(0)).toBe(0.1);
    expect(s.call(10)).toBeCloseTo(0.05, 15);
    expect(s.call(5)).toBeCloseTo(0.1 * Math.SQRT1_2, 15);
    expect(s.call(30)).toBeCloseTo(0.0125, 15);
  });

  it('floors the exponent with staircase', () => {
    const s = new S.ExponentialDecay(0.1, 1000, 0.96, { staircase: true });
    expect(s.call(999)).toBe(0.1);
    expect(s.call(1000)).toBeCloseTo(0.096, 15);
    expect(s.call(2500)).toBeCloseTo(0.1 * 0.96 * 0.96, 15);
  });
});

describe('InverseTimeDecay: lr / (1 + rate·step/decaySteps)', () => {
  it('continuous and staircase', () => {
    const s = new S.InverseTimeDecay(0.1, 1, 0.5);
    expect(s.call(0)).toBe(0.1);
    expect(s.call(2)).toBeCloseTo(0.05, 15);
    const st = new S.InverseTimeDecay(1, 10, 1, { staircase: true });
    expect(st.call(9)).toBe(1);
    expect(st.call(15)).toBe(0.5);
    expect(st.call(20)).toBeCloseTo(1 / 3, 15);
  });
});

describe('PiecewiseConstantDecay: values[i] for boundaries[i-1] < step <= boundaries[i]', () => {
  it('boundaries belong to the interval on their left', () => {
    const s = new S.PiecewiseConstantDecay([100, 110], [1.0, 0.5, 0.1]);
    expect([0, 100, 101, 110, 111, 1e6].map((x) => s.call(x))).toEqual([1.0, 1.0, 0.5, 0.5, 0.1, 0.1]);
  });

  it('checks its arguments', () => {
    expect(() => new S.PiecewiseConstantDecay([1, 2], [1, 2])).toThrow(/length of boundaries should be 1 less than the length of values/);
    expect(() => new S.PiecewiseConstantDecay([2, 1], [1, 2, 3])).toThrow(/strictly increasing/);
  });
});

describe('PolynomialDecay: (lr − end)(1 − step/decaySteps)^power + end', () => {
  it('defaults: end 0.0001, power 1, capped at decaySteps', () => {
    const s = new S.PolynomialDecay(0.1, 10);
    expect(s.call(0)).toBe(0.1);
    expect(s.call(5)).toBeCloseTo((0.1 - 0.0001) * 0.5 + 0.0001, 15);
    expect(s.call(10)).toBeCloseTo(0.0001, 15);
    expect(s.call(50)).toBeCloseTo(0.0001, 15);
  });

  it('power and cycle (decaySteps times ceil(step/decaySteps))', () => {
    const s = new S.PolynomialDecay(1, 10, { endLearningRate: 0, power: 2 });
    expect(s.call(5)).toBeCloseTo(0.25, 15);
    const c = new S.PolynomialDecay(1, 10, { endLearningRate: 0, cycle: true });
    expect(c.call(0)).toBe(1); // multiplier 1 at step 0
    expect(c.call(10)).toBeCloseTo(0, 15);
    expect(c.call(15)).toBeCloseTo(1 - 15 / 20, 15);
    expect(c.call(25)).toBeCloseTo(1 - 25 / 30, 15);
  });
});

describe('CosineDecay: lr·((1 − α)·½(1 + cos(π·step/decaySteps)) + α)', () => {
  it('without warmup', () => {
    const s = new S.CosineDecay(0.1, 100);
    expect(s.call(0)).toBeCloseTo(0.1, 15);
    expect(s.call(50)).toBeCloseTo(0.05, 15);
    expect(s.call(100)).toBeCloseTo(0, 15);
    expect(s.call(200)).toBeCloseTo(0, 15);
    const a = new S.CosineDecay(1, 100, { alpha: 0.2 });
    expect(a.call(100)).toBeCloseTo(0.2, 15);
    expect(a.call(25)).toBeCloseTo(0.8 * 0.5 * (1 + Math.cos(Math.PI / 4)) + 0.2, 15);
  });

  it('with a linear warmup to warmupTarget, then decay from it', () => {
    const s = new S.CosineDecay(0, 100, { warmupTarget: 0.1, warmupSteps: 10 });
    expect(s.call(0)).toBe(0);
    expect(s.call(5)).toBeCloseTo(0.05, 15);
    expect(s.call(10)).toBeCloseTo(0.1, 15);
    expect(s.call(60)).toBeCloseTo(0.05, 15);
    expect(s.call(110)).toBeCloseTo(0, 15);
    expect(s.call(1000)).toBeCloseTo(0, 15);
  });
});

describe('schedules: arguments and configs', () => {
  it('decaySteps must be > 0; unknown options are rejected', () => {
    expect(() => new S.ExponentialDecay(0.1, 0, 0.5)).toThrow(/decaySteps must be > 0/);
    expect(() => new S.CosineDecay(0.1, -1)).toThrow(/decaySteps must be > 0/);
    expect(() => new S.PolynomialDecay(0.1, 10, { end: 0 } as never)).toThrow(/unknown option\(s\) 'end'/);
  });

  it('configs use Keras keys and rebuild the same schedule', () => {
    const schedules = [
      new S.ExponentialDecay(0.1, 10, 0.5, { staircase: true }),
      new S.InverseTimeDecay(0.1, 10, 0.5),
      new S.PiecewiseConstantDecay([5], [0.1, 0.01]),
      new S.PolynomialDecay(0.1, 10, { power: 2, cycle: true }),
      new S.CosineDecay(0.1, 10, { warmupTarget: 0.2, warmupSteps: 3 }),
    ];
    expect(schedules[0]!.getConfig()).toEqual({ initial_learning_rate: 0.1, decay_steps: 10, decay_rate: 0.5, staircase: true, name: 'ExponentialDecay' });
    for (const s of schedules) {
      const back = S.scheduleFromConfig(s.getClassName(), s.getConfig());
      expect(back.getConfig()).toEqual(s.getConfig());
      for (const step of [0, 3, 7, 12, 25]) expect(back.call(step)).toBe(s.call(step));
    }
  });

  it('an optimizer evaluates its schedule at its iteration count', () => {
    const opt = new tk.optimizers.SGD({ learningRate: new S.PiecewiseConstantDecay([1], [0.5, 0.25]) });
    const w = tk.variable(tk.tensor([0]));
    const lrs: number[] = [];
    for (let i = 0; i < 4; i++) {
      lrs.push(opt.learningRate);
      opt.applyGradients([[tk.tensor([1]), w]]);
    }
    expect(lrs).toEqual([0.5, 0.5, 0.25, 0.25]);
    expect(w.data[0]).toBeCloseTo(-1.5, 6);
  });
});
