// Regularizers: Keras 3 formulas and defaults (L2 has no ½), string names, gradients, and the
// penalties a layer reports in `losses`.

import { beforeEach, describe, expect, it } from 'vitest';
import * as tk from '../../src/index.js';
import { Dense, regularizers as R } from '../../src/layers/index.js';
import { clearSession } from '../../src/naming.js';
import { expectClose } from '../helpers/index.js';

beforeEach(() => clearSession());

const w = tk.tensor([[1, -2], [3, -0.5]]);
// Σ|w| = 6.5, Σw² = 1 + 4 + 9 + 0.25 = 14.25

describe('regularizers', () => {
  it('L1: l1·Σ|w| (default 0.01)', () => {
    expect(new R.L1().penalty(w).item()).toBeCloseTo(0.065, 6);
    expect(new R.L1({ l1: 0.1 }).penalty(w).item()).toBeCloseTo(0.65, 6);
  });

  it('L2: l2·Σw² with no ½ factor (default 0.01)', () => {
    expect(new R.L2().penalty(w).item()).toBeCloseTo(0.1425, 6);
    expect(new R.L2({ l2: 0.5 }).penalty(w).item()).toBeCloseTo(7.125, 5);
  });

  it('L1L2: both; the class defaults are 0 and 0, the string l1_l2 means 0.01 and 0.01', () => {
    expect(new R.L1L2().penalty(w).item()).toBe(0);
    expect(new R.L1L2({ l1: 0.1, l2: 0.2 }).penalty(w).item()).toBeCloseTo(0.65 + 2.85, 5);
    const s = R.getRegularizer('l1_l2') as R.L1L2;
    expect([s.l1, s.l2]).toEqual([0.01, 0.01]);
    expect(s.penalty(w).item()).toBeCloseTo(0.065 + 0.1425, 6);
  });

  it('OrthogonalRegularizer: factor·0.5·Σ_{i≠j}|⟨uᵢ,uⱼ⟩| / (n(n−1)/2) on normalised rows', () => {
    // Rows [1, 0] and [1, 1]/√2: |cos| = 1/√2, counted twice, one pair: 0.01·0.5·(2/√2)/1
    expect(new R.OrthogonalRegularizer().penalty(tk.tensor([[1, 0], [1, 1]])).item()).toBeCloseTo(0.01 / Math.SQRT2, 6);
    // Orthogonal columns: no penalty in 'columns' mode
    expect(new R.OrthogonalRegularizer({ mode: 'columns', factor: 1 }).penalty(tk.tensor([[1, 0], [0, 2], [0, 0]])).item()).toBeCloseTo(0, 6);
  });

  it('string names in every spelling; instances, functions and configs', () => {
    for (const [name, cls] of [['l1', 'L1'], ['L1', 'L1'], ['l2', 'L2'], ['L2', 'L2'], ['l1_l2', 'L1L2'], ['l1l2', 'L1L2'], ['L1L2', 'L1L2'], ['orthogonal_regularizer', 'OrthogonalRegularizer']] as const) {
      expect(R.getRegularizer(name).getClassName()).toBe(cls);
    }
    const inst = new R.L2({ l2: 1 });
    expect(R.getRegularizer(inst)).toBe(inst);
    expect(R.getRegularizer((x) => tk.sum(x)).penalty(w).item()).toBeCloseTo(1.5, 6);
    expect((R.getRegularizer({ className: 'L1L2', config: { l2: 0.3 } }) as R.L1L2).l1).toBe(0);
    expect(R.serializeRegularizer(new R.L2())).toEqual({ className: 'L2', config: { l2: 0.01 } });
    expect(R.serializeRegularizer(null)).toBeNull();
  });

  it('errors name the argument and suggest the nearest name', () => {
    expect(() => R.getRegularizer('l3')).toThrow(/Unknown regularizer 'l3'\. Did you mean 'l1'\?/);
    expect(() => new R.L2({ l2: -1 })).toThrow(/L2: l2 must be >= 0, got -1/);
    expect(() => new R.L1({ l2: 1 } as never)).toThrow(/L1: unknown option 'l2'/);
    expect(() => R.getRegularizer((x) => x).penalty(w)).toThrow(/must return a scalar Tensor, got shape \[2,2\]/);
  });

  it('penalties are differentiable: d(l1·Σ|w| + l2·Σw²)/dw = l1·sign(w) + 2·l2·w', () => {
    const g = tk.grad((x) => new R.L1L2({ l1: 0.1, l2: 0.2 }).penalty(x))(w);
    expectClose(Array.from(g.data), [0.1 + 0.4, -0.1 - 0.8, 0.1 + 1.2, -0.1 - 0.2]);
    expect(tk.checkGradients((x) => new R.OrthogonalRegularizer({ factor: 1 }).penalty(x), [tk.tensor([[1, 0.3], [0.2, 1], [0.5, -0.4]])])).toBeLessThan(2e-3);
  });

  it("a layer's losses: kernel and bias penalties, and the activity penalty divided by the batch size", () => {
    const d = new Dense(2, { kernelInitializer: 'ones', biasInitializer: 'ones', kernelRegularizer: new R.L1({ l1: 0.01 }), biasRegularizer: 'l2', activityRegularizer: new R.L2({ l2: 0.01 }) });
    const x = tk.ones([4, 3]);
    d.apply(x, { training: true }); // every output is 3 + 1 = 4
    const [kernel, bias, activity] = d.losses.map((t) => t.item());
    expect(kernel).toBeCloseTo(0.01 * 6, 6); // Σ|W| over [3, 2] ones
    expect(bias).toBeCloseTo(0.01 * 2, 6);
    expect(activity).toBeCloseTo((0.01 * 16 * 8) / 4, 5); // l2·Σy² / batch
  });
});
