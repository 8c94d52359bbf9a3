// tk.customGrad: forward and backward against hand computations, on the tape as one op, caught
// by checkGradients when wrong, with a report that names the input, the element and both values.

import { describe, expect, it } from 'vitest';
import * as tk from '../../src/index.js';
import { tapeOf } from '../../src/autograd/tape.js';

/** x³ with its backward by hand:  d/dx = 3·x²·dy. */
const cube = tk.customGrad((x: tk.Tensor, save: tk.GradSaveFunc) => {
  save([x]);
  return { value: x.mul(x).mul(x), gradFunc: (dy, [x]) => dy.mul(x!.square()).mul(3) };
}, { name: 'cube', derivative: 'dx = 3·x²·dy' });

/** a·b + b with a WRONG backward: db should be dy·(a + 1), the "+ 1" is missing. */
const mulAddWrong = tk.customGrad((a: tk.Tensor, b: tk.Tensor) => ({
  value: a.mul(b).add(b),
  gradFunc: (dy) => [dy.mul(b), dy.mul(a)],
}), 'mulAdd');

/** The same op with the right backward. */
const mulAddRight = tk.customGrad((a: tk.Tensor, b: tk.Tensor) => ({
  value: a.mul(b).add(b),
  gradFunc: (dy) => [dy.mul(b), dy.mul(a.add(1))],
}), 'mulAdd');

describe('customGrad forward and backward', () => {
  it('computes the value and the hand-written gradient', () => {
    // x = [1, -2, 0.5]: x³ = [1, -8, 0.125];  with L = Σ x³·[1, 2, 3]:  dL/dx = 3x²·[1, 2, 3] = [3, 24, 2.25]
    const x = tk.variable(tk.tensor([1, -2, 0.5]), { name: 'x' });
    const y = cube(x);
    expect(Array.from(y.data)).toEqual([1, -8, 0.125]);
    y.mul(tk.tensor([1, 2, 3])).sum().backward();
    expect(Array.from(x.grad!.data)).toEqual([3, 24, 2.25]);
    expect(Array.from(tk.grad((x) => cube(x).sum())([2]).data)).toEqual([12]); // 3·2²
  });

  it('is one node on the tape, named as given, whose inputs are the arguments', () => {
    const x = tk.variable(tk.tensor([1, 2]), { name: 'x' });
    const y = cube(x);
    expect(y.node!.op).toBe('cube');
    expect(y.node!.inputs).toEqual([x]);
    expect(tapeOf(y)).toEqual([y]); // the mul, mul inside f are not on the walk: gradients go through gradFunc
    expect(tk.customGrad((t: tk.Tensor) => ({ value: t.neg(), gradFunc: (dy) => dy.neg() }))(x).node!.op).toBe('customGrad');
  });

  it('records nothing when no input requires a gradient (inference)', () => {
    const y = cube(tk.tensor([1, 2]));
    expect(y.node).toBeNull();
    expect(Array.from(y.data)).toEqual([1, 8]);
  });

  it('passes the saved tensors and dy to gradFunc', () => {
    const seen: { dy: number[]; saved: number[][] }[] = [];
    const op = tk.customGrad((a: tk.Tensor, b: tk.Tensor, save: tk.GradSaveFunc) => {
      const prod = a.mul(b);
      save([prod, b]);
      return {
        value: prod,
        gradFunc: (dy, saved) => {
          seen.push({ dy: Array.from(dy.data), saved: saved.map((t) => Array.from(t.data)) });
          return [dy.mul(saved[1]!), dy.mul(a)];
        },
      };
    });
    const [ga, gb] = tk.grads((a, b) => op(a, b).mul(tk.tensor([1, 10])).sum())([2, 3], [5, 7]);
    expect(seen).toEqual([{ dy: [1, 10], saved: [[10, 21], [5, 7]] }]);
    expect(Array.from(ga!.data)).toEqual([5, 70]);
    expect(Array.from(gb!.data)).toEqual([2, 30]);
  });

  it('an identity op does not put its node on the input', () => {
    const x = tk.variable(tk.tensor([1, 2]));
    const id = tk.customGrad((t: tk.Tensor) => ({ value: t, gradFunc: (dy) => dy.mul(2) }));
    const y = id(x);
    expect(y).not.toBe(x);
    expect(x.node).toBeNull();
    expect(Array.from(tk.grad((t) => id(t).sum())([1, 2]).data)).toEqual([2, 2]);
  });

  it('a gradient in the broadcast shape is summed back to the input, as for every op', () => {
    const addBias = tk.customGrad((x: tk.Tensor, b: tk.Tensor) => ({ value: x.add(b), gradFunc: (dy) => [dy, dy] }));
    const [, gb] = tk.grads((x, b) => addBias(x, b).sum())([[1, 2], [3, 4], [5, 6]], [0, 0]);
    expect(Array.from(gb!.data)).toEqual([3, 3]);
  });

  it('null means no gradient for that input', () => {
    const scale = tk.customGrad((x: tk.Tensor, k: tk.Tensor) => ({ value: x.mul(k), gradFunc: (dy) => [dy.mul(k), null] }));
    const [gx, gk] = tk.grads((x, k) => scale(x, k).sum())([1, 2], [3, 3]);
    expect(Array.from(gx!.data)).toEqual([3, 3]);
    expect(Array.from(gk!.data)).toEqual([0, 0]);
  });

  it('clear errors for a malformed f or gradFunc, naming the op', () => {
    const x = tk.variable(tk.tensor([1, 2]));
    const tooFew = tk.customGrad((a: tk.Tensor, b: tk.Tensor) => ({ value: a.add(b), gradFunc: (dy) => [dy] }), 'tooFew');
    expect(() => tooFew(x, x).sum().backward()).toThrow("tooFew: gradFunc must return one gradient per input (2), got 1 gradient");
    const badShape = tk.customGrad((a: tk.Tensor) => ({ value: a, gradFunc: () => tk.ones([3]) }), 'badShape');
    expect(() => badShape(x).sum().backward()).toThrow(/'badShape'.*shape \[3\].*\[2\]/);
    // What plain JavaScript (no type checker) could pass: parsed from JSON, so typed `any`.
    const untyped = (json: string): tk.Tensor & tk.CustomGradResult => JSON.parse(json);
    const notTensor = tk.customGrad((a: tk.Tensor) => ({ value: a, gradFunc: () => [untyped('42')] }), 'notTensor');
    expect(() => notTensor(x).sum().backward()).toThrow('notTensor: gradFunc returned 42 for input 0, expected a Tensor or null');
    const noValue = tk.customGrad((_a: tk.Tensor) => untyped('{ "gradFunc": null }'), 'noValue');
    expect(() => noValue(x)).toThrow('noValue: f must return { value, gradFunc } with value a Tensor, got undefined');
  });
});

describe('checkGradients and custom gradients', () => {
  const a = tk.tensor([1, 2, 3]);
  const b = tk.tensor([0.5, -1, 2]);

  it('a correct custom gradient passes', () => {
    expect(tk.checkGradients((x) => cube(x).sum(), [tk.tensor([0.5, -1.5, 2])])).toBeLessThan(1e-3);
    expect(tk.checkGradients((a, b) => mulAddRight(a, b), [a, b])).toBeLessThan(1e-3);
  });

  it('a wrong one is caught: the report names the input, the element, numeric vs analytic', () => {
    expect(tk.checkGradients((a, b) => mulAddWrong(a, b).sum(), [a, b])).toBeGreaterThan(0.2);
    const report = tk.gradientCheckReport((a, b) => mulAddWrong(a, b).sum(), [a, b]);
    // db: analytic dy·a = a, numeric a + 1. Relative errors 1/2, 1/3, 1/4: worst at element 0.
    expect(report.input).toBe(1);
    expect(report.index).toBe(0);
    expect(report.position).toEqual([0]);
    expect(report.shape).toEqual([3]);
    expect(report.analytic).toBe(1);
    expect(report.numeric).toBeCloseTo(2, 3);
    expect(report.maxError).toBeCloseTo(0.5, 3);
    expect(report.inputs.map((x) => x.input)).toEqual([0, 1]);
    expect(report.inputs[0]!.maxError).toBeLessThan(1e-3); // da is right
    expect(report.inputs[1]!.maxError).toBeCloseTo(0.5, 3);
    expect(report.ops).toEqual(['mulAdd', 'sum']);
  });

  it('explainGradientCheck says it in words', () => {
    const report = tk.gradientCheckReport((a, b) => mulAddWrong(a, b).sum(), [a, b]);
    const text = tk.explainGradientCheck(report, { names: ['a', 'b'] });
    const lines = text.split('\n');
    expect(lines[0]).toBe('gradient check FAILED: max error 5.00e-1 > tolerance 0.001');
    expect(lines[1]).toBe('  worst: b (input 1), shape [3], element 0 (position [0])');
    expect(lines[2]).toBe('    analytic (backward pass)     1');
    expect(lines[3]).toMatch(/^ {4}numeric \(finite difference\) {2}2\.0000?\d*$/);
    expect(text).toMatch(/ {4}a {2}shape \[3\] {2}max error \S+ at element \d \[\d\] {2}ok/);
    expect(text).toMatch(/ {4}b {2}shape \[3\] {2}max error 5\.00e-1 at element 0 \[0\] {2}WRONG \(analytic 1, numeric 2\.0/);
    expect(text).toContain('ops with a backward outside tk.primitives (check these first): mulAdd');

    const ok = tk.explainGradientCheck(tk.gradientCheckReport((a, b) => mulAddRight(a, b).sum(), [a, b]));
    expect(ok.split('\n')[0]).toMatch(/^gradient check passed: max error \S+ ≤ tolerance 0.001$/);
    expect(ok).toContain('input 1  shape [3]');
  });

  it('positions are per axis for a matrix input', () => {
    // a wrong backward only at element [1, 2] of a 2×3 input: the report points there
    const x = tk.tensor([[1, 2, 3], [4, 5, 6]]);
    const mask = tk.tensor([[1, 1, 1], [1, 1, 0]]);
    const leaky = tk.customGrad((t: tk.Tensor) => ({ value: t.square(), gradFunc: (dy) => dy.mul(t).mul(2).mul(mask) }));
    const report = tk.gradientCheckReport((t) => leaky(t).sum(), [x]);
    expect(report.index).toBe(5);
    expect(report.position).toEqual([1, 2]);
    expect(report.analytic).toBe(0);
    expect(report.numeric).toBeCloseTo(12, 2);
    expect(tk.explainGradientCheck(report)).toContain('input 0, shape [2,3], element 5 (position [1, 2])');
  });
});
