// Integration: every optimizer minimises an ill-conditioned quadratic
// f(w) = Σ a_i (w_i − c_i)², with gradients from the autograd tape.

import { describe, expect, it } from 'vitest';
import * as tk from '../../src/index.js';

const A = tk.tensor([1, 10, 0.5, 3]);
const C = tk.tensor([1, -2, 3, 0.5]);
const loss = (w: tk.Tensor): tk.Tensor => w.sub(C).square().mul(A).sum();

function minimise(opt: tk.optimizers.Optimizer, steps: number): { first: number; last: number } {
  const w = tk.variable(tk.zeros([4]), { name: 'w' });
  const valueAndGrad = tk.valueAndGrad(loss);
  let first = NaN;
  for (let i = 0; i < steps; i++) {
    const { value, grads } = valueAndGrad(w);
    if (i === 0) first = value.item();
    opt.applyGradients([[grads[0]!, w]]);
  }
  return { first, last: loss(w).item() };
}

const O = tk.optimizers;
const CASES: [string, () => tk.optimizers.Optimizer, number][] = [
  ['SGD', () => new O.SGD({ learningRate: 0.04 }), 300],
  ['SGD momentum', () => new O.SGD({ learningRate: 0.02, momentum: 0.9 }), 300],
  ['SGD nesterov', () => new O.SGD({ learningRate: 0.02, momentum: 0.9, nesterov: true }), 300],
  ['Adam', () => new O.Adam({ learningRate: 0.1 }), 400],
  ['Adam amsgrad', () => new O.Adam({ learningRate: 0.1, amsgrad: true }), 400],
  ['AdamW', () => new O.AdamW({ learningRate: 0.1, weightDecay: 1e-4 }), 400],
  ['Adadelta', () => new O.Adadelta({ learningRate: 20 }), 600],
  ['RMSprop', () => new O.RMSprop({ learningRate: 0.01 }), 600],
  ['RMSprop centered momentum', () => new O.RMSprop({ learningRate: 0.005, centered: true, momentum: 0.5 }), 600],
  ['Adagrad', () => new O.Adagrad({ learningRate: 0.5 }), 400],
  ['Adamax', () => new O.Adamax({ learningRate: 0.1 }), 400],
  ['Nadam', () => new O.Nadam({ learningRate: 0.1 }), 400],
];

describe('optimizers minimise a quadratic', () => {
  for (const [name, make, steps] of CASES) {
    it(name, () => {
      const { first, last } = minimise(make(), steps);
      expect(first).toBeCloseTo(46.25, 4);
      expect(last).toBeLessThan(1e-3 * first);
    });
  }
});
