// Gradients of gradients: grad composes, backward({ createGraph }) leaves differentiable .grads,
// hessian / hvp / jacobian, nesting with closed-over Variables (a gradient penalty), and the
// guarantees: a rule that cuts the graph throws naming its op, comparisons are constants, the
// Variable version check holds, and a plain first-order pass records nothing.
//
// Oracles: derivatives worked by hand (formula beside the numbers), float64 references computed
// in the test from those formulas, and finite differences of the first-order gradient (through
// tk.checkGradients, whose function takes a gradient itself).

import { describe, expect, it } from 'vitest';
import * as tk from '../../src/index.js';
import { record } from '../../src/autograd/tape.js';
import { Tensor } from '../../src/tensor/tensor.js';
import { expectClose, randArray, rng } from '../helpers/index.js';

const arr = (t: tk.Tensor | null): number[] => Array.from(t!.data);
const rand = rng(1515);
const T = (shape: number[], lo = -1, hi = 1): tk.Tensor => tk.tensor(randArray(shape.reduce((a, b) => a * b, 1), rand, { lo, hi }), shape);

/** How many nodes `f` records (a probe node before and after: ids count up by one per node). */
function nodesRecordedBy(f: () => void): number {
  const probe = tk.variable(tk.tensor([0]));
  const before = tk.identity(probe).node!.id;
  f();
  return tk.identity(probe).node!.id - before - 1;
}

describe('grad composes', () => {
  it('d²/dx² x³ = 6x (the issue\'s case: it returned [0, 0, 0])', () => {
    expect(arr(tk.grad(tk.grad((x) => x.pow(3).sum()))(tk.tensor([1, 2, 3])))).toEqual([6, 12, 18]);
    expect(arr(tk.grad(tk.grad((x) => x.pow(3).sum()))(tk.tensor([1, 2])))).toEqual([6, 12]);
  });

  it('third and fourth order: d³/dx³ x⁴ = 24x, d⁴/dx⁴ x⁴ = 24', () => {
    const f = (x: tk.Tensor): tk.Tensor => x.pow(4).sum();
    expect(arr(tk.grad(tk.grad(tk.grad(f)))(tk.tensor([1, -2])))).toEqual([24, -48]);
    expect(arr(tk.grad(tk.grad(tk.grad(tk.grad(f))))(tk.tensor([1, -2])))).toEqual([24, 24]);
  });

  it('sin → cos → −sin → −cos', () => {
    const x = [0.3, -1.2, 2];
    const d2 = tk.grad(tk.grad((t) => tk.sin(t).sum()))(tk.tensor(x));
    expectClose(d2.data, x.map((v) => -Math.sin(v)), { rtol: 1e-6, atol: 1e-7 });
    const d3 = tk.grad(tk.grad(tk.grad((t) => tk.sin(t).sum())))(tk.tensor(x));
    expectClose(d3.data, x.map((v) => -Math.cos(v)), { rtol: 1e-6, atol: 1e-7 });
  });

  it('d²/dx² of σ(x) = σ(1−σ)(1−2σ), through the fused sigmoidGrad primitive', () => {
    const x = [-2, 0, 0.7];
    const s = x.map((v) => 1 / (1 + Math.exp(-v)));
    expectClose(tk.grad(tk.grad((t) => t.sigmoid().sum()))(tk.tensor(x)).data, s.map((v) => v * (1 - v) * (1 - 2 * v)), { rtol: 1e-5, atol: 1e-7 });
  });

  it('mixed partials: ∂/∂b of ∂/∂a (a²·b³) = 6·a·b²', () => {
    // f(a, b) = Σ a²b³;  ∂f/∂a = 2ab³;  ∂/∂b (Σ 2ab³ · 1) = 6ab²
    const dadb = tk.grads((a, b) => tk.grads((p, q) => p.square().mul(q.pow(3)).sum())(a, b)[0]!.sum())(tk.tensor([1, 2]), tk.tensor([3, -1]));
    expect(arr(dadb[0]!)).toEqual([2 * 27, 2 * -1]); // ∂/∂a of Σ 2ab³ = 2b³
    expect(arr(dadb[1]!)).toEqual([6 * 1 * 9, 6 * 2 * 1]);
  });

  it('the inner walk stops at its own arguments: no perturbation confusion', () => {
    // d/dx [x · d/dy (x + y)] = d/dx [x · 1] = 1 (2 if the inner derivative also counted x)
    expect(tk.grad((x) => x.mul(tk.grad((y) => x.add(y))(tk.tensor(1))))(tk.tensor(1)).item()).toBe(1);
    // inner: d/dy Σ y·x at y = x is x itself (x the outer argument);  outer: d/dx Σ x = 1
    expect(arr(tk.grad((x) => tk.grad((y) => y.mul(x).sum())(x).sum())(tk.tensor([3, 4])))).toEqual([1, 1]);
    // d/dx [x · (d/dy y²)(x)] = d/dx 2x² = 4x
    expect(arr(tk.grad((x) => x.mul(tk.grad((y) => y.square().sum())(x)).sum())(tk.tensor([1, 2])))).toEqual([4, 8]);
  });

  it('an inner watch of an argument on the outer tape is an identity node, not a fresh leaf', () => {
    let inner: tk.Tensor | null = null;
    tk.grad((x) => tk.grad((y) => { inner = y; return y.sum(); })(x).sum())(tk.tensor([1]));
    expect(inner!.node?.op).toBe('identity');
    let top: tk.Tensor | null = null;
    tk.grad((y) => { top = y; return y.sum(); })(tk.tensor([1]));
    expect(top!.node).toBeNull(); // a constant argument: a fresh leaf
  });

  it('grad of a non-scalar differentiates its sum at every order', () => {
    // Σ x³ elementwise; second derivative 6x
    expect(arr(tk.grad(tk.grad((x) => x.pow(3)))(tk.tensor([1, 2])))).toEqual([6, 12]);
  });

  it('comparisons and argmax inside a differentiated function are constants', () => {
    // f = Σ [x > 0]·x²: f' = 2x·[x > 0], f'' = 2·[x > 0]
    expect(arr(tk.grad(tk.grad((x) => x.greater(0).mul(x.square()).sum()))(tk.tensor([-1, 2])))).toEqual([0, 2]);
    // f = Σ x·onehot(argmax x)·x: only the largest entry, squared: f'' = 2 there
    const f = (x: tk.Tensor): tk.Tensor => x.mul(tk.oneHot(x.argmax(), 3)).mul(x).sum();
    expect(arr(tk.grad(tk.grad(f))(tk.tensor([0.5, 3, -1])))).toEqual([0, 2, 0]);
  });

  it('valueAndGrad inside an outer grad keeps its value on the tape', () => {
    // v = Σ x³ through valueAndGrad, differentiated outside: 3x²
    const g = tk.grad((x) => tk.valueAndGrad((y) => y.pow(3).sum())(x).value)(tk.tensor([1, 2]));
    expect(arr(g)).toEqual([3, 12]);
  });
});

describe('backward({ createGraph: true })', () => {
  it('leaves a .grad on the tape; a second backward adds into .grad (as PyTorch); zeroGrad clears', () => {
    const x = tk.variable(tk.tensor([1, 2]), { name: 'x' });
    x.pow(3).sum().backward({ createGraph: true });
    expect(arr(x.grad)).toEqual([3, 12]); // 3x²
    expect(x.grad!.requiresGrad).toBe(true);
    x.grad!.sum().backward(); // adds d(Σ 3x²)/dx = 6x
    expect(arr(x.grad)).toEqual([3 + 6, 12 + 12]);
    x.zeroGrad();
    expect(x.grad).toBeNull();
  });

  it('takes { dy, createGraph } or a plain dy; a non-scalar needs dy; bad options are named', () => {
    const x = tk.variable(tk.tensor([1, 2]), { name: 'x' });
    const y = x.square();
    expect(() => y.backward()).toThrow(/backward: the result has shape \[2\]; only a scalar/);
    expect(() => y.backward({ createGraph: true })).toThrow(/backward: the result has shape \[2\]/);
    y.backward({ dy: [1, -1], createGraph: true }); // 2x·dy
    expect(arr(x.grad)).toEqual([2, -4]);
    expect(x.grad!.requiresGrad).toBe(true);
    x.zeroGrad();
    y.backward([3, 3]);
    expect(arr(x.grad)).toEqual([6, 12]);
    expect(x.grad!.requiresGrad).toBe(false);
    expect(() => y.backward({ creatGraph: true } as never)).toThrow(/backward: unknown option 'creatGraph'; expected \{ dy, createGraph \}/);
    expect(() => y.backward({ dy: [1, 1], createGraph: 'yes' } as never)).toThrow(/backward: createGraph must be true or false, got "yes"/);
    const total = x.sum();
    expect(() => tk.noGrad(() => total.backward({ createGraph: true }))).toThrow(/createGraph inside tk.noGrad would record nothing/);
  });

  it('a gradient penalty on the weights through .grad: d/dw Σ (∂L/∂w)² by hand', () => {
    // L = Σ (w·x)² with x fixed:  ∂L/∂w = 2·w·x²;  P = Σ (2wx²)² = 4·Σ w²x⁴;  ∂P/∂w = 8·w·x⁴
    const w = tk.variable(tk.tensor([0.5, -1]), { name: 'w' });
    const x = tk.tensor([2, 3]);
    w.mul(x).square().sum().backward({ createGraph: true });
    const penalty = w.grad!.square().sum();
    w.zeroGrad();
    penalty.backward();
    expect(arr(w.grad)).toEqual([8 * 0.5 * 16, 8 * -1 * 81]);
  });

  it('the version check guards the second pass: an optimizer step in between is an error naming the op', () => {
    const w = tk.variable(tk.tensor([1, 2]), { name: 'w' });
    w.pow(3).sum().backward({ createGraph: true });
    const second = w.grad!.sum();
    new tk.optimizers.SGD({ learningRate: 0.1 }).applyGradients([[tk.tensor([1, 1]), w]]);
    expect(() => second.backward()).toThrow(/backward of '\w+': variable 'w' changed in place/);
  });

  it('a plain backward records nothing; a recording one does', () => {
    const w = tk.variable(tk.tensor([[1, -2], [0.5, 3]]), { name: 'w' });
    const x = tk.tensor([[1, 2]]);
    const loss = (): tk.Tensor => x.matmul(w).relu().sum();
    const l1 = loss();
    expect(nodesRecordedBy(() => l1.backward())).toBe(0);
    const l2 = loss();
    expect(nodesRecordedBy(() => tk.variableGrads(() => l2, [w]))).toBe(0);
    const l3 = loss();
    expect(nodesRecordedBy(() => l3.backward({ createGraph: true }))).toBeGreaterThan(0);
  });
});

describe('never a silently wrong gradient', () => {
  /** square with a first-order-correct backward computed from raw numbers: off the tape. */
  function rawSquare(x: tk.Tensor): tk.Tensor {
    return record('rawSquare', [x], new Tensor(Float32Array.from(x.data, (v) => v * v), x.shape), (dy) => [
      new Tensor(Float32Array.from(dy.data, (g, i) => 2 * g * x.data[i]!), dy.shape),
    ]);
  }

  it('a rule that computes its gradient off the tape works at first order and throws, naming the op, at second', () => {
    expect(arr(tk.grad((x) => rawSquare(x).sum())(tk.tensor([1, 3])))).toEqual([2, 6]);
    expect(() => tk.grad(tk.grad((x) => rawSquare(x).sum()))(tk.tensor([1, 3]))).toThrow(
      /backward of 'rawSquare': the gradient it returned for input 0 is not on the tape although the gradient it received \(dy\) is/,
    );
    const w = tk.variable(tk.tensor([1, 3]));
    expect(() => rawSquare(w).sum().backward({ createGraph: true })).toThrow(/backward of 'rawSquare'/);
    expect(w.grad).toBeNull(); // nothing half-written
  });

  it('a customGrad written with ops is differentiable again; one written with raw numbers throws naming it', () => {
    // x³ with its backward by hand, 3·x²·dy, in ops: the second derivative is 6x
    const cube = tk.customGrad((x: tk.Tensor, save: tk.GradSaveFunc) => {
      save([x]);
      return { value: x.mul(x).mul(x), gradFunc: (dy, [s]) => dy.mul(s!.square()).mul(3) };
    }, 'cube');
    expect(arr(tk.grad(tk.grad((x) => cube(x).sum()))(tk.tensor([1, 2])))).toEqual([6, 12]);
    // x³ again, saving x² computed inside f: the saved intermediate keeps its history (d/dx x² = 2x)
    const cube2 = tk.customGrad((x: tk.Tensor, save: tk.GradSaveFunc) => {
      const x2 = x.square();
      save([x2]);
      return { value: x2.mul(x), gradFunc: (dy, [sq]) => dy.mul(sq!).mul(3) };
    }, 'cube2');
    expect(arr(tk.grad(tk.grad((x) => cube2(x).sum()))(tk.tensor([1, 2])))).toEqual([6, 12]);
    const rawCube = tk.customGrad((x: tk.Tensor) => ({
      value: x.mul(x).mul(x),
      gradFunc: (dy) => tk.tensor(Array.from(dy.data, (g, i) => 3 * g * x.data[i]! ** 2), dy.shape),
    }), 'rawCube');
    expect(arr(tk.grad((x) => rawCube(x).sum())(tk.tensor([1, 2])))).toEqual([3, 12]);
    expect(() => tk.grad(tk.grad((x) => rawCube(x).sum()))(tk.tensor([1, 2]))).toThrow(/backward of 'rawCube'/);
  });

  it('checkGradients checks a second derivative (f takes a gradient itself)', () => {
    const f = (x: tk.Tensor): tk.Tensor => tk.grad((y) => y.tanh().mul(y).sum())(x).mul(tk.tensor([1, -2, 0.5])).sum();
    expect(tk.checkGradients(f, [T([3])])).toBeLessThan(1e-3);
  });
});

describe('a gradient penalty on closed-over Variables (WGAN-GP style)', () => {
  // D(x) = Σ tanh(x·W1 + b1)·w2: the critic; penalty P(W) = (‖∂D/∂x‖ − 1)² at a fixed x.
  const x0 = T([2, 3]);
  const W1 = T([3, 4]);
  const b1 = T([4]);
  const w2 = T([4, 1]);
  const critic = (x: tk.Tensor, W: tk.Tensor, b: tk.Tensor, v: tk.Tensor): tk.Tensor => x.matmul(W).add(b).tanh().matmul(v).sum();
  const penaltyOf = (W: tk.Tensor, b: tk.Tensor, v: tk.Tensor): tk.Tensor => {
    const gx = tk.grad((x) => critic(x, W, b, v))(x0);
    return gx.square().sum().sqrt().sub(1).square();
  };

  it('variableGrads of the penalty gives the weights nonzero gradients, equal to the gradient w.r.t. them as arguments', () => {
    const vars = [tk.variable(W1, { name: 'W1' }), tk.variable(b1, { name: 'b1' }), tk.variable(w2, { name: 'w2' })];
    const { value, grads } = tk.variableGrads(() => penaltyOf(vars[0]!, vars[1]!, vars[2]!), vars);
    const asArgs = tk.grads(penaltyOf)(W1, b1, w2);
    expect(value.item()).toBeCloseTo(penaltyOf(W1, b1, w2).item(), 6);
    grads.forEach((g, i) => {
      expect(g.shape).toEqual(vars[i]!.shape);
      expect(arr(g).some((v) => Math.abs(v) > 1e-4), `${vars[i]!.name} gets a gradient`).toBe(true);
      expectClose(g.data, asArgs[i]!.data, { rtol: 1e-5, atol: 1e-6 });
    });
  });

  it('and the gradient w.r.t. the weights matches finite differences of the penalty', () => {
    expect(tk.checkGradients(penaltyOf, [W1, b1, w2])).toBeLessThan(1e-3);
  });
});

describe('tk.hessian, tk.hvp, tk.jacobian', () => {
  it('hessian has shape [...x.shape, ...x.shape]: Σ x⁴ over a [2, 2] x is diag(12x²)', () => {
    const H = tk.hessian((x) => x.pow(4).sum())(tk.tensor([[1, 2], [-1, 0.5]]));
    expect(H.shape).toEqual([2, 2, 2, 2]);
    const x = [1, 2, -1, 0.5];
    const expected: number[] = [];
    for (let i = 0; i < 4; i++) for (let j = 0; j < 4; j++) expected.push(i === j ? 12 * x[i]! ** 2 : 0);
    expect(arr(H)).toEqual(expected);
  });

  it('hessian of f(x) = x₀²x₁ + x₁³ is [[2x₁, 2x₀], [2x₀, 6x₁]]', () => {
    const f = (x: tk.Tensor): tk.Tensor => x.slice([0], [1]).square().mul(x.slice([1], [1])).add(x.slice([1], [1]).pow(3)).sum();
    expect(tk.hessian(f)(tk.tensor([1, 2])).toArray()).toEqual([[4, 2], [2, 12]]);
  });

  it('a 2-layer MLP\'s Hessian with respect to its input: Wᵀ·diag(v ⊙ tanh\'\'(z))·W, in float64', () => {
    // f(x) = Σ_k v_k·tanh(z_k), z = W·x + b:  H = Σ_k v_k·tanh''(z_k)·W_k W_kᵀ,  tanh'' = −2·t·(1 − t²)
    const n = 3;
    const W = T([4, n]);
    const b = T([4]);
    const v = T([4]);
    const x = T([n]);
    const f = (t: tk.Tensor): tk.Tensor => W.matmul(t).add(b).tanh().mul(v).sum();
    const H = tk.hessian(f)(x);
    const ref: number[] = [];
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < n; j++) {
        let s = 0;
        for (let k = 0; k < 4; k++) {
          let z = b.data[k]!;
          for (let m = 0; m < n; m++) z += W.data[k * n + m]! * x.data[m]!;
          const t = Math.tanh(z);
          s += v.data[k]! * -2 * t * (1 - t * t) * W.data[k * n + i]! * W.data[k * n + j]!;
        }
        ref.push(s);
      }
    }
    expect(H.shape).toEqual([n, n]);
    expectClose(H.data, ref, { rtol: 1e-4, atol: 1e-6 });
  });

  it('a 2-layer MLP\'s Hessian with respect to its parameters matches finite differences of its gradient', () => {
    // θ = [W1 (3×4), b1 (4), w2 (4)] flattened: 20 parameters; loss = mean((tanh(X·W1 + b1)·w2 − y)²)
    const X = T([5, 3]);
    const y = T([5, 1]);
    const theta = T([20], -0.8, 0.8);
    const loss = (p: tk.Tensor): tk.Tensor => {
      const W1p = p.slice([0], [12]).reshape([3, 4]);
      const b1p = p.slice([12], [4]);
      const w2p = p.slice([16], [4]).reshape([4, 1]);
      return X.matmul(W1p).add(b1p).tanh().matmul(w2p).sub(y).square().mean();
    };
    const H = tk.hessian(loss)(theta);
    expect(H.shape).toEqual([20, 20]);
    // Each row H[i, :] = ∂g_i/∂θ: checkGradients compares ∂(Σ_i g_i·S_i)/∂θ = Sᵀ·H (H is symmetric)
    // with finite differences of that projected first-order gradient.
    const S = T([20]);
    const projected = (p: tk.Tensor): tk.Tensor => tk.grad(loss)(p).mul(S).sum();
    expect(tk.checkGradients(projected, [theta])).toBeLessThan(1e-3);
    const analytic = tk.grad(projected)(theta);
    const SH = new Float64Array(20);
    for (let i = 0; i < 20; i++) for (let j = 0; j < 20; j++) SH[j]! += S.data[i]! * H.data[i * 20 + j]!;
    expectClose(SH, analytic.data, { rtol: 1e-4, atol: 1e-6 });
    // and symmetric, as a Hessian of a smooth function must be
    for (let i = 0; i < 20; i++) for (let j = 0; j < i; j++) expect(Math.abs(H.data[i * 20 + j]! - H.data[j * 20 + i]!)).toBeLessThan(1e-5);
  });

  it('hvp equals hessian·v, without forming the Hessian', () => {
    const A = T([3, 3]);
    const f = (x: tk.Tensor): tk.Tensor => x.matmul(A).tanh().sum().add(x.pow(3).sum());
    const x = T([2, 3]);
    const v = T([2, 3]);
    const H = tk.hessian(f)(x); // [2, 3, 2, 3]
    const Hv = tk.hvp(f)(x, v);
    expect(Hv.shape).toEqual([2, 3]);
    const ref = new Float64Array(6);
    for (let i = 0; i < 6; i++) for (let j = 0; j < 6; j++) ref[i]! += H.data[i * 6 + j]! * v.data[j]!;
    expectClose(Hv.data, ref, { rtol: 1e-5, atol: 1e-6 });
    expect(() => tk.hvp(f)(x, T([3]))).toThrow(/hvp: v has shape \[3\] but x has shape \[2,3\]/);
  });

  it('jacobian of a matrix function: f(X) = X·A has J[i, k, j, l] = δ_ij·A[l, k], shape [...f(X).shape, ...X.shape]', () => {
    const A = tk.tensor([[1, 2, 3], [4, 5, 6]]); // [2, 3]
    const X = T([4, 2]);
    const J = tk.jacobian((x) => x.matmul(A))(X);
    expect(J.shape).toEqual([4, 3, 4, 2]);
    for (let i = 0; i < 4; i++) for (let k = 0; k < 3; k++) for (let j = 0; j < 4; j++) for (let l = 0; l < 2; l++) {
      expect(J.data[((i * 3 + k) * 4 + j) * 2 + l]).toBe(i === j ? A.data[l * 3 + k] : 0);
    }
  });

  it('jacobian of grad is the hessian; jacobian of an elementwise map is diagonal', () => {
    const f = (x: tk.Tensor): tk.Tensor => x.sigmoid().mul(x).sum();
    const x = T([3]);
    expectClose(tk.jacobian(tk.grad(f))(x).data, tk.hessian(f)(x).data, { rtol: 1e-6, atol: 1e-7 });
    const J = tk.jacobian((t) => t.exp())(tk.tensor([0, 1]));
    expectClose(J.data, [1, 0, 0, Math.E], { rtol: 1e-6 });
  });

  it('they compose: the gradient of an hvp is a third derivative', () => {
    // f = Σ x⁴: H·v = 12x²·v;  d/dx Σ H·v = 24·x·v
    const x = tk.tensor([1, 2]);
    const v = tk.tensor([3, -1]);
    expect(arr(tk.grad((t) => tk.hvp((s) => s.pow(4).sum())(t, v).sum())(x))).toEqual([72, -48]);
    // the Hessian of Σ x⁴ differentiated once more along the diagonal: d/dx Σ_i H_ii = 24x
    expect(arr(tk.grad((t) => tk.hessian((s) => s.pow(4).sum())(t).sum())(x))).toEqual([24, 48]);
  });

  it('a function with no second derivative gives zeros; a non-function is a clear error', () => {
    expect(arr(tk.hessian((x) => x.mul(3).sum())(tk.tensor([1, 2])))).toEqual([0, 0, 0, 0]);
    expect(arr(tk.jacobian((x) => tk.tensor([1, 2]).add(x.mul(0).sum().mul(0)))(tk.tensor([5])))).toEqual([0, 0]);
    expect(() => tk.hessian(42 as never)(tk.tensor([1]))).toThrow(/hessian: expected a function of a tensor, got number/);
    expect(() => tk.noGrad(() => tk.hessian((x) => x.sum())(tk.tensor([1])))).toThrow(/hessian: cannot differentiate inside tk.noGrad/);
  });
});

describe('a recorded backward computes what the fused one does (the two paths of conv2d, prod, crossentropy, sparsemax)', () => {
  const both = (f: (...xs: tk.Tensor[]) => tk.Tensor, inputs: tk.Tensor[]): void => {
    const plain = inputs.map((x) => tk.variable(x));
    f(...plain).backward();
    const recorded = inputs.map((x) => tk.variable(x));
    f(...recorded).backward({ createGraph: true });
    plain.forEach((v, i) => expectClose(recorded[i]!.grad!.data, v.grad!.data, { rtol: 1e-5, atol: 1e-6 }));
  };

  it.each(['js', 'simd'] as const)('conv2d with bias and fused relu, im2col and Winograd (%s kernels)', (kind) => {
    const initial = tk.getKernels();
    tk.setKernels(kind);
    try {
      const r = T([2, 6, 6, 16]).mul(1);
      both((x, w, b) => tk.conv2d(x!, w!, { padding: 'same' }, b!, 'relu').mul(r).sum(), [T([2, 6, 6, 16]), T([3, 3, 16, 16], -0.2, 0.2), T([16])]);
      both((x, w) => tk.conv2d(x!, w!, { strides: 2 }).sum(), [T([2, 7, 7, 3]), T([3, 3, 3, 4])]);
    } finally {
      tk.setKernels(initial);
    }
  });

  it('prod with zeros, softmax crossentropy with labels on the tape, sparsemax', () => {
    both((x) => x!.prod(1).mul(tk.tensor([1, -2])).sum(), [tk.tensor([[2, 0, 3], [0, 0, 4]])]);
    both((y, x) => tk.softmaxCrossEntropyWithLogits(y!, x!).mul(tk.tensor([1, 3])).sum(), [T([2, 4], 0, 1), T([2, 4], -3, 3)]);
    both((x) => tk.activations.sparsemax(x!).mul(tk.tensor([[1, 2, 3, 4]])).sum(), [tk.tensor([[1, 0.6, -0.5, -1], [-2, 0.4, 0.3, 0.25]])]);
  });
});
