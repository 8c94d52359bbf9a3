// Newton's method with tk.hessian: the minimum of Rosenbrock's banana function in a handful of
// steps, where gradient descent needs thousands.
//
//   npx tsx examples/backprop/newton.ts
//
//   f(x, y) = (1 − x)² + 100·(y − x²)²          minimum f = 0 at (1, 1), in a long curved valley
//   ∇f = [−2(1 − x) − 400·x·(y − x²),  200·(y − x²)]
//   H  = [[2 − 400·(y − 3x²),  −400x],
//         [−400x,              200  ]]
//   Newton's step: solve H·d = −∇f, then p ← p + d
//
// Near the minimum Newton's method converges quadratically (the number of correct digits doubles
// each step) because it models f by its second-order Taylor expansion, which tk.hessian gives:
// the gradient is recorded (a backward pass on the tape) and differentiated again.

import { pathToFileURL } from 'node:url';
import * as tk from '../../src/index.js';

export interface NewtonResult {
  /** The points visited, starting point first. */
  readonly path: readonly (readonly [number, number])[];
  /** ‖∇f‖ at each point of the path. */
  readonly gradNorms: readonly number[];
  /** tk.hessian at the starting point, and the formula's value there (float64). */
  readonly hessianAtStart: readonly number[];
  readonly formulaAtStart: readonly number[];
  /** Steps plain gradient descent (the best fixed step, 1e-3) needs to get as close, capped at 20,000. */
  readonly gradientDescentSteps: number;
}

/** Rosenbrock's function of p = [x, y]. */
export function rosenbrock(p: tk.Tensor): tk.Tensor {
  const x = p.slice([0], [1]);
  const y = p.slice([1], [1]);
  return tk.sub(1, x).square().add(y.sub(x.square()).square().mul(100)).sum();
}

export function main(print: (line: string) => void = console.log): NewtonResult {
  const start: [number, number] = [-1.2, 1]; // the classic starting point, on the far side of the valley
  const gradient = tk.grad(rosenbrock);
  const hessian = tk.hessian(rosenbrock);

  const H0 = hessian(tk.tensor(start)).dataSync();
  const [x0, y0] = start;
  const formula = [2 - 400 * (y0 - 3 * x0 * x0), -400 * x0, -400 * x0, 200];
  print('Newton\'s method on f(x, y) = (1 − x)² + 100·(y − x²)², from (−1.2, 1)');
  const show = (v: number): number => Number(v.toPrecision(6)); // float32 values, rounded for print
  print(`tk.hessian at the start: [[${H0.slice(0, 2).map(show).join(', ')}], [${H0.slice(2).map(show).join(', ')}]]`);
  print(`the formula there:       [[${formula.slice(0, 2).map(show).join(', ')}], [${formula.slice(2).map(show).join(', ')}]]`);
  print('');
  print('step         x          y         f(x, y)     ‖∇f‖');

  let p: [number, number] = [...start];
  const path: [number, number][] = [[...p]];
  const gradNorms: number[] = [];
  for (let step = 0; step <= 12; step++) {
    const at = tk.tensor(p);
    const g = gradient(at).dataSync();
    const norm = Math.hypot(g[0]!, g[1]!);
    gradNorms.push(norm);
    print(`${String(step).padStart(4)}  ${p[0].toFixed(6).padStart(9)}  ${p[1].toFixed(6).padStart(9)}  ${rosenbrock(at).item().toExponential(3).padStart(10)}  ${norm.toExponential(2).padStart(9)}`);
    if (norm < 1e-4) break;
    const [d0, d1] = solve2x2(hessian(at).dataSync(), [-g[0]!, -g[1]!]);
    p = [p[0] + d0, p[1] + d1];
    path.push([...p]);
  }

  const gradientDescentSteps = descend(start, p, gradient);
  print('');
  print(`Newton: ${path.length - 1} steps to (${p[0].toFixed(5)}, ${p[1].toFixed(5)}); gradient descent with a step of 1e-3 needs ` +
    `${gradientDescentSteps >= 20_000 ? 'more than 20000' : gradientDescentSteps} steps to get as close.`);
  return { path, gradNorms, hessianAtStart: Array.from(H0), formulaAtStart: formula, gradientDescentSteps };
}

/** Solves the 2×2 system H·d = b (H row-major) by Cramer's rule, in float64. */
function solve2x2(H: ArrayLike<number>, b: readonly [number, number]): [number, number] {
  const [a, c, e, f] = [H[0]!, H[1]!, H[2]!, H[3]!];
  const det = a * f - c * e;
  return [(b[0] * f - c * b[1]) / det, (a * b[1] - e * b[0]) / det];
}

/** Gradient-descent steps from `start` until within the distance of Newton's end point to (1, 1). */
function descend(start: readonly [number, number], end: readonly [number, number], gradient: (p: tk.TensorLike) => tk.Tensor): number {
  const target = Math.max(Math.hypot(end[0] - 1, end[1] - 1), 1e-3);
  let p = [...start];
  for (let step = 1; step <= 20_000; step++) {
    const g = gradient(p).dataSync();
    p = [p[0]! - 1e-3 * g[0]!, p[1]! - 1e-3 * g[1]!];
    if (Math.hypot(p[0]! - 1, p[1]! - 1) <= target) return step;
  }
  return 20_000;
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) main();
