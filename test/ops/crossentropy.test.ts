import { describe, expect, it } from 'vitest';
import * as tk from '../../src/index.js';
import { softmaxCrossEntropyWithLogits, sigmoidCrossEntropyWithLogits } from '../../src/ops/index.js';
import { expectClose } from '../helpers/index.js';

const LN2 = Math.log(2);

describe('softmaxCrossEntropyWithLogits', () => {
  it('matches hand-derived values', () => {
    // row 0: logits [0,0], y = [0,1]: L = lse − x_1 = ln 2 − 0 = ln 2
    // row 1: logits [1,2,3] (pad-free 2-D needs equal widths, so use [2,3] rows)
    const L = softmaxCrossEntropyWithLogits(tk.tensor([[0, 1], [1, 0]]), tk.tensor([[0, 0], [2, 0]]));
    // row 1: lse = ln(e² + 1) = 2.126928; L = lse − 2 = 0.126928
    expect(L.shape).toEqual([2]);
    expectClose(L.data, [LN2, Math.log(Math.exp(2) + 1) - 2]);
  });

  it('soft labels: L = Σ y_j·(lse − x_j), not normalised', () => {
    // x = [1, 2, 3]; lse = 3 + ln(1 + e⁻¹ + e⁻²) = 3.407606
    // y = [0.2, 0.3, 0.5]: L = 0.2·2.407606 + 0.3·1.407606 + 0.5·0.407606 = 1.107606
    const L = softmaxCrossEntropyWithLogits(tk.tensor([0.2, 0.3, 0.5]), tk.tensor([1, 2, 3]));
    expect(L.shape).toEqual([]);
    expectClose([L.item()], [1.1076059644443804], { rtol: 1e-6 });
  });

  it('reduces along any axis', () => {
    const x = tk.tensor([[[1, 2], [3, 0]], [[0.5, -1], [2, 2]]]); // [2,2,2]
    const y = tk.tensor([[[1, 0], [0, 1]], [[0, 1], [1, 0]]]);
    const alongMiddle = softmaxCrossEntropyWithLogits(y, x, 1);
    const viaTranspose = softmaxCrossEntropyWithLogits(y.transpose([0, 2, 1]), x.transpose([0, 2, 1]), -1);
    expect(alongMiddle.shape).toEqual([2, 2]);
    expectClose(alongMiddle.data, viaTranspose.data);
  });

  it('is finite for logits of ±1e4 with the exact gradient p − y', () => {
    const logits = tk.tensor([[1e4, -1e4, 0], [-1e4, 1e4, 5]]);
    const labels = tk.tensor([[0, 1, 0], [1, 0, 0]]); // confidently wrong
    const L = softmaxCrossEntropyWithLogits(labels, logits);
    expectClose(L.data, [2e4, 2e4], { rtol: 1e-6 });
    const g = tk.grad((x) => softmaxCrossEntropyWithLogits(labels, x).sum())(logits);
    expect(g.data.every(Number.isFinite)).toBe(true);
    // p = [1, 0, 0] and [0, 1, ~0]: p − y
    expectClose(g.data, [1, -1, 0, -1, 1, 0], { atol: 1e-6 });
  });

  it('gradient w.r.t. logits is dy·(softmax·Σy − y) for labels that do not sum to 1', () => {
    // x = [0, 0], y = [1, 1]: softmax = [.5, .5], Σy = 2 → dx = [0, 0]
    // y = [0.5, 0]: Σy = 0.5 → dx = [.25 − .5, .25] = [−.25, .25]
    const g = tk.grad((x) => softmaxCrossEntropyWithLogits(tk.tensor([[1, 1], [0.5, 0]]), x).sum())(tk.tensor([[0, 0], [0, 0]]));
    expectClose(g.data, [0, 0, -0.25, 0.25]);
  });

  it('passes finite differences w.r.t. logits and labels', () => {
    const x = tk.randomNormal([3, 4], { seed: 1 });
    const y = tk.softmax(tk.randomNormal([3, 4], { seed: 2 }));
    expect(tk.checkGradients((a, b) => softmaxCrossEntropyWithLogits(a, b), [y, x])).toBeLessThan(1e-3);
    expect(tk.checkGradients((a, b) => softmaxCrossEntropyWithLogits(a, b, 0), [y, x])).toBeLessThan(1e-3);
  });

  it('broadcasts labels against logits; the gradient is summed back', () => {
    const x = tk.tensor([[0, 0], [1, 0]]);
    const y = tk.tensor([0, 1]);
    const L = softmaxCrossEntropyWithLogits(y, x);
    expectClose(L.data, [LN2, Math.log(Math.E + 1)]);
    const [dy] = tk.grads((a, b) => softmaxCrossEntropyWithLogits(a, b).sum())(y, x);
    expect(dy!.shape).toEqual([2]);
    expect(tk.checkGradients((a, b) => softmaxCrossEntropyWithLogits(a, b), [y, x])).toBeLessThan(1e-3);
  });

  it('names both shapes when they do not broadcast', () => {
    expect(() => softmaxCrossEntropyWithLogits(tk.zeros([2, 3]), tk.zeros([2, 4]))).toThrow(/\[2,3\].*\[2,4\]/);
  });

  it('is recorded as one primitive listed in the derivative table', () => {
    const x = tk.variable(tk.tensor([[1, 2]]));
    const L = softmaxCrossEntropyWithLogits(tk.tensor([[0, 1]]), x);
    expect(L.node?.op).toBe('softmaxCrossEntropyWithLogits');
    expect(tk.primitives.map((p) => p.op)).toContain('softmaxCrossEntropyWithLogits');
    expect(tk.primitives.map((p) => p.op)).toContain('sigmoidCrossEntropyWithLogits');
  });
});

describe('sigmoidCrossEntropyWithLogits', () => {
  it('matches hand-derived values', () => {
    // x = 0: ln 2 whatever y; x = 2, y = 1: log(1 + e⁻²) = 0.126928; x = −3, y = 0.25:
    // max(−3,0) − (−3)(0.25) + log(1 + e⁻³) = 0.75 + 0.048587 = 0.798587
    const L = sigmoidCrossEntropyWithLogits(tk.tensor([0, 1, 0.25]), tk.tensor([0, 2, -3]));
    expectClose(L.data, [LN2, Math.log1p(Math.exp(-2)), 0.75 + Math.log1p(Math.exp(-3))]);
  });

  it('is finite at ±100 and ±1e4 with the exact gradient σ(x) − y', () => {
    const x = tk.tensor([100, -100, 1e4, -1e4, 1e4, -1e4]);
    const y = tk.tensor([0, 1, 0, 1, 1, 0]);
    const L = sigmoidCrossEntropyWithLogits(y, x);
    expectClose(L.data, [100, 100, 1e4, 1e4, 0, 0], { atol: 1e-6 });
    const g = tk.grad((t) => sigmoidCrossEntropyWithLogits(y, t).sum())(x);
    expectClose(g.data, [1, -1, 1, -1, 0, 0], { atol: 1e-7 });
  });

  it('passes finite differences w.r.t. logits and labels', () => {
    const x = tk.randomNormal([3, 4], { seed: 3, stddev: 2 });
    const y = tk.randomUniform([3, 4], { seed: 4 });
    expect(tk.checkGradients((a, b) => sigmoidCrossEntropyWithLogits(a, b), [y, x])).toBeLessThan(1e-3);
  });

  it('d/dlabels = −dy·x', () => {
    const [dl] = tk.grads((a, b) => sigmoidCrossEntropyWithLogits(a, b).sum())(tk.tensor([0.3, 0.6]), tk.tensor([2, -5]));
    expectClose(dl!.data, [-2, 5]);
  });
});
