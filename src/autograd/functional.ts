// Jacobians, Hessians and Hessian-vector products, from the one backward walk (tape.ts).
//
//   jacobian(f)(x)    J[i, …] = ∂f_i/∂x          one backward pass per element of f(x), seeded e_i
//   hessian(f)(x)     H = ∂²f/∂x²                the gradient g = ∂f/∂x recorded (createGraph), then
//                                                one backward pass of g per element of x
//   hvp(f)(x, v)      H·v, without forming H     the recorded gradient g, then ONE backward pass
//                                                of g seeded with v: vᵀ·∂g/∂x = (H·v)ᵀ
//
// hvp is reverse-over-reverse: the second pass differentiates the recorded first one. The other
// way, forward-over-reverse (a forward-mode derivative of the gradient in the direction v), costs
// about the same (a few gradients) but needs a second rule for every primitive, a Jacobian-vector
// product beside each vector-Jacobian product. Reverse-over-reverse reuses the one table of
// rules (src/ops/index.ts) that every gradient already relies on and that the second-order tests
// check, and H·v = (vᵀ·H)ᵀ because H is symmetric.
//
// All three compose like `grad`: inside a function an enclosing `grad` differentiates, their
// passes are recorded and their results stay on the tape (third derivatives and beyond).

import { Tensor, tensorOps, toTensor, type TensorLike } from '../tensor/tensor.js';
import { formatShape, shapesEqual } from '../tensor/shape.js';
import { checkCanDifferentiate, differentiating, enclosingGradRecords, gradientsOf, watch } from './tape.js';

/** A function of one tensor (and maybe more, passed through as they are). */
export type TensorFunction = (x: Tensor, ...rest: Tensor[]) => Tensor;

/**
 * The Jacobian of `f` at `x`: `J[i…, j…] = ∂f(x)[i…]/∂x[j…]`, of shape `[...f(x).shape, ...x.shape]`,
 * by one backward pass per element of `f(x)` (reverse mode: cheap when f has few outputs). Further
 * arguments are passed to `f` as they are, not differentiated.
 *
 * @example
 * ```ts
 * // f(x) = A·x has the Jacobian A
 * const A = tk.tensor([[1, 2], [3, 4], [5, 6]]);
 * tk.jacobian((x) => A.matmul(x))(tk.tensor([1, -1])).toArray();   // [[1, 2], [3, 4], [5, 6]]
 * ```
 */
export function jacobian(f: TensorFunction): (x: TensorLike, ...rest: TensorLike[]) => Tensor {
  return (x: TensorLike, ...rest: TensorLike[]) => {
    checkCanDifferentiate('jacobian');
    const nested = enclosingGradRecords();
    const xw = watch(x, 'jacobian');
    const others = rest.map((r) => toTensor(r, 'jacobian'));
    const y = differentiating(() => resultOf(f, xw, others, 'jacobian'));
    const rows: Tensor[] = [];
    for (let i = 0; i < y.size; i++) rows.push(gradientsOf(y, [xw], unit(i, y.shape), nested, 'jacobian')[0]!);
    return assemble(rows, [...y.shape, ...xw.shape], xw.size);
  };
}

/**
 * The Hessian of `f` at `x` (of the sum of f's result when it is not a scalar, as `grad`):
 * `H[i…, j…] = ∂²f/∂x[i…]∂x[j…]`, of shape `[...x.shape, ...x.shape]`. The gradient is computed
 * once, recorded, and then differentiated by one backward pass per element of x; for a large x,
 * {@link hvp} gives H·v without forming H.
 *
 * @example
 * ```ts
 * // f(x) = x₀²·x₁ + x₁³:  H = [[2x₁, 2x₀], [2x₀, 6x₁]]
 * const f = (x: tk.Tensor) => x.slice([0], [1]).square().mul(x.slice([1], [1])).add(x.slice([1], [1]).pow(3)).sum();
 * tk.hessian(f)(tk.tensor([1, 2])).toArray();   // [[4, 2], [2, 12]]
 * ```
 */
export function hessian(f: TensorFunction): (x: TensorLike, ...rest: TensorLike[]) => Tensor {
  return (x: TensorLike, ...rest: TensorLike[]) => {
    checkCanDifferentiate('hessian');
    const nested = enclosingGradRecords();
    const xw = watch(x, 'hessian');
    const g = recordedGradient(f, xw, rest, 'hessian');
    const rows: Tensor[] = [];
    for (let i = 0; i < xw.size; i++) rows.push(gradientsOf(g, [xw], unit(i, xw.shape), nested, 'hessian')[0]!);
    return assemble(rows, [...xw.shape, ...xw.shape], xw.size);
  };
}

/**
 * The Hessian-vector product `H·v` of `f` at `x` (H the Hessian of f, or of its sum), shaped like
 * x, without forming H: the gradient is recorded, then differentiated by one backward pass seeded
 * with v (reverse-over-reverse), a few times the cost of one gradient whatever the size of x.
 *
 * @example
 * ```ts
 * // f(x) = Σ x³:  H = diag(6x), so H·v = 6·x·v
 * tk.hvp((x) => x.pow(3).sum())(tk.tensor([1, 2]), tk.tensor([1, 10])).toArray();   // [6, 120]
 * ```
 */
export function hvp(f: TensorFunction): (x: TensorLike, v: TensorLike, ...rest: TensorLike[]) => Tensor {
  return (x: TensorLike, v: TensorLike, ...rest: TensorLike[]) => {
    checkCanDifferentiate('hvp');
    const nested = enclosingGradRecords();
    const xw = watch(x, 'hvp');
    const direction = toTensor(v, 'hvp');
    if (!shapesEqual(direction.shape, xw.shape)) {
      throw new Error(`hvp: v has shape ${formatShape(direction.shape)} but x has shape ${formatShape(xw.shape)}; they must match`);
    }
    const g = recordedGradient(f, xw, rest, 'hvp');
    return gradientsOf(g, [xw], direction, nested, 'hvp')[0]!;
  };
}

/** ∂f/∂x at the watched x, recorded so that it can be differentiated again. */
function recordedGradient(f: TensorFunction, xw: Tensor, rest: readonly TensorLike[], who: string): Tensor {
  const others = rest.map((r) => toTensor(r, who));
  return differentiating(() => gradientsOf(resultOf(f, xw, others, who), [xw], undefined, true, who)[0]!);
}

function resultOf(f: TensorFunction, x: Tensor, rest: readonly Tensor[], who: string): Tensor {
  if (typeof f !== 'function') throw new Error(`${who}: expected a function of a tensor, got ${typeof f}`);
  const y = f(x, ...rest);
  if (!(y instanceof Tensor)) throw new Error(`${who}: f must return a Tensor, got ${typeof y}`);
  return y;
}

/** The seed e_i: 1 at flat position i, 0 elsewhere. */
function unit(i: number, shape: readonly number[]): Tensor {
  const e = new Float32Array(shape.reduce((n, d) => n * d, 1));
  e[i] = 1;
  return new Tensor(e, shape);
}

/**
 * Rows (each of `rowSize` elements) stacked into `shape`: with the recorded `stack` when a row is
 * on the tape (an enclosing grad differentiates the result), else copied into one array.
 */
function assemble(rows: readonly Tensor[], shape: readonly number[], rowSize: number): Tensor {
  if (rows.some((r) => r.requiresGrad)) return tensorOps().reshape(tensorOps().stack(rows), shape);
  const out = new Float32Array(rows.length * rowSize);
  rows.forEach((r, i) => out.set(r.data, i * rowSize));
  return new Tensor(out, shape);
}
