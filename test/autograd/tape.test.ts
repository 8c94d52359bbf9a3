import { describe, expect, it } from 'vitest';
import * as tk from '../../src/index.js';
import { backprop, record } from '../../src/autograd/tape.js';
import { Tensor } from '../../src/tensor/tensor.js';
import { expectClose } from '../helpers/index.js';

const arr = (t: tk.Tensor | null): number[] => Array.from(t!.data);

describe('the must-hold cases of the issue', () => {
  it('a = 1; b = a + a; c = b + b gives dc/da = 4', () => {
    const a = tk.variable(tk.tensor(1));
    const b = a.add(a);
    const c = b.add(b);
    c.backward();
    expect(c.item()).toBe(4);
    expect(a.grad!.item()).toBe(4);
    expect(tk.grad((x) => { const y = x.add(x); return y.add(y); })(tk.tensor(1)).item()).toBe(4);
  });

  it('a chain of 100,000 ops backpropagates without a stack overflow', () => {
    const x = tk.variable(tk.tensor(3));
    let y: tk.Tensor = x;
    // y = x·2·0.5·2·0.5… (exact in float32) interleaved with +1 and double negations: dy/dx = 1.
    for (let i = 0; i < 100_000; i += 4) y = y.mul(2).neg().add(1).mul(-0.5);
    // each group of 4: y -> -(2y) + 1 -> (-(2y) + 1)·(-0.5) = y - 0.5
    expect(y.item()).toBe(3 - 0.5 * 25_000);
    y.backward();
    expect(x.grad!.item()).toBe(1);
  });

  it('a chain of 100,000 ops through tk.grad too', () => {
    const g = tk.grad((x) => {
      let y = x;
      for (let i = 0; i < 100_000; i++) y = y.add(0.001);
      return y.sum();
    })(tk.tensor([1, 2]));
    expect(arr(g)).toEqual([1, 1]);
  });

  it('inference records nothing: no variable involved -> output.node === null', () => {
    const a = tk.tensor([[1, 2], [3, 4]]);
    const b = tk.tensor([[0.5, -1], [2, 0.25]]);
    const outs = [
      a.add(b), a.sub(b), a.mul(b), a.div(b), a.pow(2), a.maximum(b), a.neg(), a.exp(), a.log(), a.relu(),
      a.sigmoid(), a.tanh(), a.sum(), a.mean(0), a.max(), a.prod(), a.matmul(b), a.reshape([4]), a.transpose(),
      a.expandDims(-1), a.slice([0, 0], [1, 2]), tk.concat([a, b]), tk.stack([a, b]), a.gather([1]), a.pad([[1, 0], [0, 1]]),
      tk.where(a.greater(2), a, b), a.softmax(), a.logSoftmax(), tk.broadcastTo(a, [3, 2, 2]), a.clip(1, 2), a.round(),
    ];
    for (const y of outs) {
      expect(y.node).toBeNull();
      expect(y.requiresGrad).toBe(false);
    }
  });

  it('inside tk.noGrad nothing is recorded, even with variables', () => {
    const w = tk.variable(tk.tensor([1, 2]));
    const y = tk.noGrad(() => w.mul(3).sum());
    expect(y.node).toBeNull();
    expect(y.requiresGrad).toBe(false);
    expect(y.item()).toBe(9);
    expect(() => y.backward()).toThrow(/backward: this tensor does not depend on any tensor that requires a gradient/);
    // nested, and recording resumes afterwards (also after an exception)
    tk.noGrad(() => tk.noGrad(() => expect(tk.isRecording()).toBe(false)));
    expect(() => tk.noGrad(() => { throw new Error('boom'); })).toThrow('boom');
    expect(tk.isRecording()).toBe(true);
    expect(w.mul(3).node).not.toBeNull();
  });

  it('backward() twice accumulates into .grad; zeroGrad clears it', () => {
    const w = tk.variable(tk.tensor([1, 2, 3]));
    const loss = w.square().sum(); // d/dw = 2w
    loss.backward();
    expect(arr(w.grad)).toEqual([2, 4, 6]);
    loss.backward();
    expect(arr(w.grad)).toEqual([4, 8, 12]);
    w.zeroGrad();
    expect(w.grad).toBeNull();
    w.square().sum().backward();
    expect(arr(w.grad)).toEqual([2, 4, 6]);
  });

  it('a non-scalar backward without dy is a clear error; with dy it is a vector-Jacobian product', () => {
    const x = tk.variable(tk.tensor([1, 2]));
    const y = x.mul(3);
    expect(() => y.backward()).toThrow(/backward: the result has shape \[2\]; only a scalar .* can start a backward pass without a dy/);
    expect(() => y.backward([1, 2, 3])).toThrow(/backward: dy has shape \[3\] but the result has shape \[2\]/);
    y.backward([1, -2]);
    expect(arr(x.grad)).toEqual([3, -6]);
  });

  it('a one-element non-scalar seeds with 1', () => {
    const x = tk.variable(tk.tensor([[2]]));
    x.square().backward();
    expect(arr(x.grad)).toEqual([4]);
  });
});

describe('gradient bookkeeping', () => {
  it('un-broadcasting: gradients are summed back to each input\'s shape', () => {
    const b = tk.variable(tk.tensor([1, 2, 3])); // a bias [3] added to [2,3]
    const c = tk.variable(tk.tensor([[1], [2]])); // [2,1]
    const s = tk.variable(tk.tensor(2)); // scalar
    const x = tk.tensor([[1, 2, 3], [4, 5, 6]]);
    // L = Σ (x + b)·c·s  ->  dL/db_j = Σ_i c_i·s = 6;  dL/dc_i = s·Σ_j (x_ij + b_j);  dL/ds = Σ (x+b)·c
    const L = x.add(b).mul(c).mul(s).sum();
    L.backward();
    expect(arr(b.grad)).toEqual([6, 6, 6]);
    expect(b.grad!.shape).toEqual([3]);
    expect(c.grad!.shape).toEqual([2, 1]);
    expect(arr(c.grad)).toEqual([2 * (2 + 4 + 6), 2 * (5 + 7 + 9)]);
    expect(s.grad!.shape).toEqual([]);
    expect(s.grad!.item()).toBe(12 + 2 * 21);
  });

  it('a tensor used twice gets both contributions (d/dx x·x = 2x); diamonds add up', () => {
    const x = tk.variable(tk.tensor([3, -1]));
    x.mul(x).sum().backward();
    expect(arr(x.grad)).toEqual([6, -2]);
    // y = e^x; L = Σ y·sin x + y  ->  dL/dx = y·sin x + y·cos x + y
    const v = tk.variable(tk.tensor([0.3, -0.7]));
    const y = v.exp();
    y.mul(tk.sin(v)).add(y).sum().backward();
    const expected = [0.3, -0.7].map((t) => Math.exp(t) * (Math.sin(t) + Math.cos(t) + 1));
    expectClose(v.grad!.data, expected, { rtol: 1e-6 });
  });

  it('clone copies the data and is cut from the tape; detach shares the data', () => {
    const x = tk.variable(tk.tensor([1, 2]));
    const c = x.mul(2).clone();
    expect(c.node).toBeNull();
    expect(arr(c)).toEqual([2, 4]);
    expect(x.clone().data).not.toBe(x.data);
    expect(x.detach().data).toBe(x.data);
  });

  it('detach cuts the tape', () => {
    const x = tk.variable(tk.tensor([2, 3]));
    // L = Σ detach(x²)·x  ->  dL/dx = x² (the detached factor is a constant)
    x.mul(x).detach().mul(x).sum().backward();
    expect(arr(x.grad)).toEqual([4, 9]);
    const d = x.detach();
    expect(d.requiresGrad).toBe(false);
    expect(d.node).toBeNull();
    expect(arr(d)).toEqual([2, 3]);
  });

  it('a non-trainable variable gets no gradient and records nothing on its own', () => {
    const frozen = tk.variable(tk.tensor([1, 2]), { trainable: false });
    const w = tk.variable(tk.tensor([3, 4]));
    expect(frozen.requiresGrad).toBe(false);
    expect(frozen.mul(2).node).toBeNull();
    frozen.mul(w).sum().backward();
    expect(frozen.grad).toBeNull();
    expect(arr(w.grad)).toEqual([1, 2]);
    frozen.trainable = true;
    expect(frozen.requiresGrad).toBe(true);
  });

  it('comparisons and argmax block gradients (step functions)', () => {
    const x = tk.variable(tk.tensor([1, 5, 3]));
    const mask = x.greater(2);
    expect(mask.node).toBeNull();
    // L = Σ x·[x > 2]  ->  dL/dx = [x > 2]
    x.mul(mask).sum().backward();
    expect(arr(x.grad)).toEqual([0, 1, 1]);
  });

  it('an intermediate tensor gets no .grad (only leaves do)', () => {
    const x = tk.variable(tk.tensor([1, 2]));
    const h = x.mul(2);
    h.sum().backward();
    expect(h.grad).toBeNull();
    expect(arr(x.grad)).toEqual([2, 2]);
  });

  it('a backward that returns a gradient of the wrong shape is an error naming the op', () => {
    const x = tk.variable(tk.tensor([1, 2, 3]));
    const out = new Tensor(new Float32Array([2, 4, 6]), [3]);
    const y = record('broken', [x], out, () => [tk.zeros([2])]);
    expect(() => y.sum().backward()).toThrow(/backward of 'broken': gradient for input 0 has shape \[2\], which does not reduce to the input's shape \[3\]/);
  });

  it('a backward may return null for an input that takes no gradient', () => {
    const x = tk.variable(tk.tensor([1, 2]));
    const idx = tk.variable(tk.tensor([0, 1]));
    const y = record('pick', [x, idx], new Tensor(x.data.slice(), [2]), (dy) => [dy, null]);
    y.sum().backward();
    expect(arr(x.grad)).toEqual([1, 1]);
    expect(idx.grad).toBeNull();
  });

  it('Variable.assign copies values in place and checks the shape', () => {
    const w = tk.variable(tk.zeros([2, 2]), { name: 'w' });
    const data = w.data;
    w.assign(tk.ones([2, 2]));
    expect(w.data).toBe(data);
    expect(w.toArray()).toEqual([[1, 1], [1, 1]]);
    w.assign([[1, 2], [3, 4]]);
    expect(w.toArray()).toEqual([[1, 2], [3, 4]]);
    expect(() => w.assign(tk.ones([4]))).toThrow(/assign 'w': expected shape \[2,2\], got \[4\]/);
    expect(w.name).toBe('w');
    // tk.variable copies its initial value
    const init = tk.tensor([1, 2]);
    const v = tk.variable(init);
    v.assign([5, 6]);
    expect(arr(init)).toEqual([1, 2]);
  });
});

describe('the backward walk seen step by step (backprop with an observer)', () => {
  it('visits each recorded node once, latest first, with dy and input gradients in their shapes', () => {
    const w = tk.variable(tk.tensor([[1, 2], [3, 4]]));
    const b = tk.variable(tk.tensor([1, -1]));
    const h = w.add(b); // node 1: add, broadcast [2,2] + [2]
    const r = h.relu(); // node 2
    const L = r.sum(); // node 3
    const steps: { op: string; dy: number[]; inShapes: (readonly number[] | null)[] }[] = [];
    const grads = backprop(L, tk.tensor(1), (s) => steps.push({ op: s.output.node!.op, dy: s.dy.shape.slice(), inShapes: s.inputGrads.map((g) => g && g.shape) }));
    expect(steps.map((s) => s.op)).toEqual(['sum', 'relu', 'add']);
    expect(steps[0]!.dy).toEqual([]);
    expect(steps[1]!.dy).toEqual([2, 2]);
    expect(steps[2]!.inShapes).toEqual([[2, 2], [2]]);
    // h = [[2, 1], [4, 3]] is positive everywhere, so dL/dw = 1 and dL/db = 2 per column
    expect(arr(grads.get(w)!)).toEqual([1, 1, 1, 1]);
    expect(arr(grads.get(b)!)).toEqual([2, 2]);
    expect(w.grad).toBeNull(); // backprop reports; only backward() writes .grad
  });
});

describe('functional gradients', () => {
  it('tk.grad: gradient w.r.t. the first argument', () => {
    // f(x) = Σ x³  ->  3x²
    const g = tk.grad((x) => x.pow(3).sum())(tk.tensor([1, -2, 0.5]));
    expectClose(g.data, [3, 12, 0.75], { rtol: 1e-6 });
    expect(g.shape).toEqual([3]);
    // accepts nested arrays and numbers
    expect(tk.grad((x) => x.square())(3).item()).toBe(6);
  });

  it('tk.grads: one gradient per argument', () => {
    // f(a, b) = Σ a·b + Σ a²  ->  da = b + 2a, db = a
    const [da, db] = tk.grads((a, b) => a.mul(b).sum().add(a.square().sum()))(tk.tensor([1, 2]), tk.tensor([3, 4]));
    expect(arr(da!)).toEqual([5, 8]);
    expect(arr(db!)).toEqual([1, 2]);
  });

  it('tk.valueAndGrad returns the value (detached) and the gradients', () => {
    const f = (a: tk.Tensor, b: tk.Tensor): tk.Tensor => a.mul(b).sum();
    const { value, grads } = tk.valueAndGrad(f)(tk.tensor([1, 2]), tk.tensor([3, 4]));
    expect(value.item()).toBe(11);
    expect(value.node).toBeNull();
    expect(arr(grads[0]!)).toEqual([3, 4]);
    expect(arr(grads[1]!)).toEqual([1, 2]);
  });

  it('an argument f does not use gets a zero gradient of its shape; f returning an argument gets ones', () => {
    const [da, db] = tk.grads((a, _b) => a.sum())(tk.tensor([1, 2]), tk.tensor([[1, 2, 3]]));
    expect(arr(da!)).toEqual([1, 1]);
    expect(db!.shape).toEqual([1, 3]);
    expect(arr(db!)).toEqual([0, 0, 0]);
    expect(tk.grad((x) => x)(tk.tensor(5)).item()).toBe(1);
  });

  it('tk.grad of a non-scalar f differentiates its sum (the seed is ones, as TF.js and JAX); inside noGrad it is an error', () => {
    // f(x) = x·[2, 3]: d/dx Σ f = [2, 3]
    expect(arr(tk.grad((x) => x.mul([2, 3]))(tk.tensor([1, 2])))).toEqual([2, 3]);
    // f(x) = x ⊗ x (outer product [2, 2]): d/dx_i Σ_jk x_j x_k = 2·Σ x = 2·(1 + 2)
    expect(arr(tk.grad((x) => x.reshape([2, 1]).mul(x))(tk.tensor([1, 2])))).toEqual([6, 6]);
    expect(() => tk.noGrad(() => tk.grad((x) => x.sum())(tk.tensor([1])))).toThrow(/grad: cannot differentiate inside tk.noGrad/);
  });

  it('tk.grad does not touch the .grad of variables used inside f, nor the argument', () => {
    const w = tk.variable(tk.tensor([2, 3]));
    const x = tk.tensor([1, 1]);
    const g = tk.grad((x) => x.mul(w).sum())(x);
    expect(arr(g)).toEqual([2, 3]);
    expect(w.grad).toBeNull();
    expect(x.requiresGrad).toBe(false);
    expect(x.grad).toBeNull();
  });

  it('tk.variableGrads: gradients w.r.t. listed variables, none written to .grad', () => {
    const w = tk.variable(tk.tensor([[1], [2]]), { name: 'w' });
    const b = tk.variable(tk.tensor([0.5]), { name: 'b' });
    const unused = tk.variable(tk.tensor([7, 7]));
    const x = tk.tensor([[1, 2], [3, 4]]);
    // L = mean((x·w + b)²)  ->  dL/dw = xᵀ·(2(xw+b))/n,  dL/db = Σ 2(xw+b)/n
    const { value, grads } = tk.variableGrads(() => x.matmul(w).add(b).square().mean(), [w, b, unused]);
    const z = [1 * 1 + 2 * 2 + 0.5, 3 * 1 + 4 * 2 + 0.5]; // [5.5, 11.5]
    expect(value.item()).toBeCloseTo((z[0]! ** 2 + z[1]! ** 2) / 2, 5);
    expectClose(grads[0]!.data, [(1 * 2 * z[0]! + 3 * 2 * z[1]!) / 2, (2 * 2 * z[0]! + 4 * 2 * z[1]!) / 2], { rtol: 1e-6 });
    expectClose(grads[1]!.data, [(2 * z[0]! + 2 * z[1]!) / 2], { rtol: 1e-6 });
    expect(arr(grads[2]!)).toEqual([0, 0]);
    expect(w.grad).toBeNull();
  });
});

describe('hand-derived gradients (formula beside the numbers)', () => {
  it('softmax cross-entropy: d/dz [−Σ y·log softmax(z)] = softmax(z) − y', () => {
    const z = tk.tensor([[1, 2, 3], [0.5, -1, 0]]);
    const y = tk.tensor([[0, 0, 1], [1, 0, 0]]);
    const g = tk.grad((z) => y.mul(z.logSoftmax()).sum().neg())(z);
    const ref: number[] = [];
    for (const [row, t] of [[[1, 2, 3], [0, 0, 1]], [[0.5, -1, 0], [1, 0, 0]]] as const) {
      const e = row.map((v) => Math.exp(v));
      const s = e.reduce((p, q) => p + q, 0);
      ref.push(...e.map((v, i) => v / s - t[i]!));
    }
    expectClose(g.data, ref, { rtol: 1e-5, atol: 1e-7 });
  });

  it('sigmoid: d/dx σ(x) = σ(x)(1 − σ(x)), 0.25 at 0', () => {
    const g = tk.grad((x) => x.sigmoid().sum())(tk.tensor([0, 2]));
    const s = 1 / (1 + Math.exp(-2));
    expectClose(g.data, [0.25, s * (1 - s)], { rtol: 1e-6 });
  });

  it('matmul: L = Σ A·B  ->  dA = 1·Bᵀ (row sums of B),  dB = Aᵀ·1 (column sums of A)', () => {
    const A = tk.tensor([[1, 2], [3, 4], [5, 6]]);
    const B = tk.tensor([[1, -1, 2], [0, 3, 1]]);
    const [dA, dB] = tk.grads((a, b) => a.matmul(b).sum())(A, B);
    expect(dA!.toArray()).toEqual([[2, 4], [2, 4], [2, 4]]);
    expect(dB!.toArray()).toEqual([[9, 9, 9], [12, 12, 12]]);
  });

  it('max with ties: the gradient is shared equally (as TensorFlow)', () => {
    const g = tk.grad((x) => x.max())(tk.tensor([1, 3, 3, 2]));
    expect(arr(g)).toEqual([0, 0.5, 0.5, 0]);
  });

  it('maximum at a tie sends the whole gradient to the first argument', () => {
    const [da, db] = tk.grads((a, b) => tk.maximum(a, b).sum())(tk.tensor([1, 2]), tk.tensor([1, 3]));
    expect(arr(da!)).toEqual([1, 0]);
    expect(arr(db!)).toEqual([0, 1]);
  });

  it('relu at 0 has gradient 0; abs at 0 has gradient 0; clip passes the gradient at its bounds', () => {
    expect(arr(tk.grad((x) => x.relu().sum())(tk.tensor([-1, 0, 2])))).toEqual([0, 0, 1]);
    expect(arr(tk.grad((x) => x.abs().sum())(tk.tensor([-1, 0, 2])))).toEqual([-1, 0, 1]);
    expect(arr(tk.grad((x) => x.clip(0, 1).sum())(tk.tensor([-1, 0, 0.5, 1, 2])))).toEqual([0, 1, 1, 1, 0]);
  });

  it('prod with a zero: d/dx_i Π x = Π_{j≠i} x_j, exact even where x has zeros', () => {
    expect(arr(tk.grad((x) => x.prod())(tk.tensor([2, 0, 3])))).toEqual([0, 6, 0]);
    expect(arr(tk.grad((x) => x.prod())(tk.tensor([0, 0, 3])))).toEqual([0, 0, 0]);
    expect(tk.grad((x) => x.prod(1).sum())(tk.tensor([[1, 2], [3, 4]])).toArray()).toEqual([[2, 1], [4, 3]]);
    expect(tk.grad((x) => x.prod(0).sum())(tk.tensor([[1, 2], [3, 4]])).toArray()).toEqual([[3, 4], [1, 2]]);
  });

  it('pow: d/db a^b = a^b·ln a, taken as 0 where a ≤ 0', () => {
    const [da, db] = tk.grads((a, b) => a.pow(b).sum())(tk.tensor([2, -2, 0]), tk.tensor([3, 2, 2]));
    expectClose(da!.data, [3 * 4, 2 * -2, 0], { rtol: 1e-6 });
    expectClose(db!.data, [8 * Math.log(2), 0, 0], { rtol: 1e-6 });
  });
});
