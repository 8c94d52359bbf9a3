// tk.traceBackward: the steps of the backward pass, in order, against hand-derived numbers.

import { describe, expect, it } from 'vitest';
import * as tk from '../../src/index.js';

const rule = (op: string): string => tk.primitives.find((p) => p.op === op)!.derivative;

describe('traceBackward on c = (a·b + a).sum()', () => {
  // a = [1, 2], b = [3, 4].  Forward: ab = a·b = [3, 8], s = ab + a = [4, 10], c = Σ s = 14.
  // Backward, latest op first:
  //   sum:  dy = 1;        ds  = dy broadcast          = [1, 1]
  //   add:  dy = [1, 1];   dab = dy = [1, 1],  da(add) = dy = [1, 1]
  //   mul:  dy = [1, 1];   da(mul) = dy·b = [3, 4],    db = dy·a = [1, 2]
  //   leaves: dc/da = [1, 1] + [3, 4] = [4, 5],  dc/db = [1, 2]
  function setup() {
    const a = tk.variable(tk.tensor([1, 2]), { name: 'a' });
    const b = tk.variable(tk.tensor([3, 4]), { name: 'b' });
    const ab = a.mul(b);
    const s = ab.add(a);
    const c = s.sum();
    return { a, b, ab, s, c };
  }

  it('visits sum, add, mul in that order with the hand-derived dy and gradients', () => {
    const { a, b, ab, s, c } = setup();
    const trace = tk.traceBackward(c);
    expect(trace.steps.map((st) => st.op)).toEqual(['sum', 'add', 'mul']);
    expect(trace.steps.map((st) => st.step)).toEqual([1, 2, 3]);
    expect(trace.steps.map((st) => st.outputId)).toEqual([c.id, s.id, ab.id]);
    expect(trace.steps.map((st) => st.tapeId)).toEqual([c.node!.id, s.node!.id, ab.node!.id]);

    const [sum, add, mul] = trace.steps;
    expect(sum!.dy.values).toBe(1);
    expect(sum!.inputs.map((x) => [x.tensorId, x.grad!.values])).toEqual([[s.id, [1, 1]]]);

    expect(add!.dy.values).toEqual([1, 1]);
    expect(add!.inputs.map((x) => [x.tensor, x.grad!.values])).toEqual([[`t${ab.id}`, [1, 1]], ['a', [1, 1]]]);

    expect(mul!.dy.values).toEqual([1, 1]);
    expect(mul!.inputs.map((x) => [x.tensor, x.kind, x.grad!.values])).toEqual([['a', 'variable', [3, 4]], ['b', 'variable', [1, 2]]]);

    expect(trace.leaves.map((l) => [l.tensor, l.grad.values])).toEqual([['a', [4, 5]], ['b', [1, 2]]]);
    expect(Array.from(trace.grads.get(a)!.data)).toEqual([4, 5]);
    expect(Array.from(trace.grads.get(b)!.data)).toEqual([1, 2]);
  });

  it('each step carries its local derivative from tk.primitives', () => {
    const trace = tk.traceBackward(setup().c);
    expect(trace.steps.map((st) => st.derivative)).toEqual([rule('sum'), rule('add'), rule('mul')]);
    expect(trace.steps[2]!.derivative).toBe('da = dy·b;  db = dy·a');
  });

  it('norms and shapes are kept for every tensor', () => {
    const trace = tk.traceBackward(setup().c);
    const mul = trace.steps[2]!;
    expect(mul.dy.shape).toEqual([2]);
    expect(mul.dy.norm).toBeCloseTo(Math.SQRT2, 6);
    expect(mul.inputs[0]!.grad!.norm).toBeCloseTo(5, 6); // ‖[3, 4]‖
  });

  it('leaves .grad untouched (backward() stores the same numbers)', () => {
    const { a, b, c } = setup();
    const trace = tk.traceBackward(c);
    expect(a.grad).toBeNull();
    expect(b.grad).toBeNull();
    c.backward();
    expect(Array.from(a.grad!.data)).toEqual(trace.leaves[0]!.grad.values);
    expect(Array.from(b.grad!.data)).toEqual(trace.leaves[1]!.grad.values);
  });

  it('prints every step: the op with its inputs, the rule, dy and what each input receives', () => {
    const { ab, c } = setup();
    const text = tk.traceBackward(c).format();
    expect(String(tk.traceBackward(c))).toBe(text);
    const lines = text.split('\n');
    expect(lines[0]).toBe(`backward pass from t${c.id}, seeded with dy = 1: 3 steps, latest op first`);
    expect(text).toContain(`step 3  t${ab.id} = mul(a, b)`);
    expect(text).toContain('    rule     da = dy·b;  db = dy·a');
    expect(text).toContain('    → a  [3, 4]');
    expect(text).toContain('    → b  [1, 2]');
    expect(text).toContain('gradients of the leaves (what backward() adds to .grad):\n    a  [4, 5]\n    b  [1, 2]');
  });
});

describe('traceBackward in other situations', () => {
  it('large tensors keep shape and norm only, printed as such', () => {
    const w = tk.variable(tk.ones([4, 5]), { name: 'w' });
    const L = w.mul(3).sum();
    const trace = tk.traceBackward(L, { maxValues: 4 });
    const mul = trace.steps[1]!;
    expect(mul.dy.values).toBeNull();
    expect(mul.dy.shape).toEqual([4, 5]);
    expect(mul.dy.norm).toBeCloseTo(Math.sqrt(20), 5);
    expect(mul.inputs[0]!.grad!.norm).toBeCloseTo(3 * Math.sqrt(20), 4);
    expect(mul.inputs[1]!.grad).toBeNull(); // the constant 3
    expect(mul.inputs[1]!.kind).toBe('constant');
    const text = trace.format();
    expect(text).toContain('dy       shape [4,5], norm 4.472');
    expect(text).toContain('nothing (a constant)');
  });

  it('a broadcast input receives its gradient summed back to its shape', () => {
    const x = tk.variable(tk.tensor([[1, 2], [3, 4]]), { name: 'x' });
    const bias = tk.variable(tk.tensor([10, 20]), { name: 'bias' });
    const trace = tk.traceBackward(x.add(bias).relu().sum());
    const add = trace.steps.find((st) => st.op === 'add')!;
    expect(add.dy.values).toEqual([[1, 1], [1, 1]]);
    expect(add.inputs[1]!.grad!.values).toEqual([2, 2]); // Σ over the broadcast rows
  });

  it('a non-scalar result needs dy, which seeds the walk', () => {
    const w = tk.variable(tk.tensor([1, 2]), { name: 'w' });
    const y = w.square();
    expect(() => tk.traceBackward(y)).toThrow(/shape \[2\]/);
    const trace = tk.traceBackward(y, { dy: [1, -1] });
    expect(trace.seed.values).toEqual([1, -1]);
    expect(trace.steps[0]!.inputs[0]!.grad!.values).toEqual([2, -4]); // 2·dy·x
  });

  it('refuses a tensor with no tape', () => {
    expect(() => tk.traceBackward(tk.tensor(1).add(1))).toThrow(/does not depend on any tensor that requires a gradient/);
  });

  it('a customGrad op shows its own derivative text', () => {
    const cube = tk.customGrad((x: tk.Tensor) => ({ value: x.mul(x).mul(x), gradFunc: (dy) => dy.mul(x.square()).mul(3) }), {
      name: 'cube',
      derivative: 'dx = 3·x²·dy',
    });
    const x = tk.variable(tk.tensor([2]), { name: 'x' });
    const trace = tk.traceBackward(cube(x).sum());
    expect(trace.steps.map((st) => [st.op, st.derivative])).toEqual([['sum', rule('sum')], ['cube', 'dx = 3·x²·dy']]);
    expect(trace.leaves[0]!.grad.values).toEqual([12]);
  });
});
