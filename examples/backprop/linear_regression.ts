// Linear regression as a custom training loop: no model, no fit; a loss function, its
// gradients from tk.valueAndGrad, and optimizer.applyGradients. It recovers the coefficients the
// data was made with, and agrees with the exact least-squares solution.
//
//   npx tsx examples/backprop/linear_regression.ts
//
//   y = x·w + b + noise,   loss(w, b) = mean((x·w + b − y)²)
//   dloss/dw = 2/n · xᵀ·(x·w + b − y),   dloss/db = 2/n · Σ (x·w + b − y)

import { pathToFileURL } from 'node:url';
import * as tk from '../../src/index.js';

export interface LinearRegressionResult {
  readonly trueW: readonly number[];
  readonly trueB: number;
  /** What gradient descent found. */
  readonly w: readonly number[];
  readonly b: number;
  /** The exact least-squares fit of the same data (normal equations, float64). */
  readonly leastSquares: { readonly w: readonly number[]; readonly b: number };
  /** The loss at each step (before its update). */
  readonly losses: readonly number[];
}

export function main(print: (line: string) => void = console.log): LinearRegressionResult {
  // Data: 200 samples of 2 features, y = 2·x1 − 3.5·x2 + 0.5 + noise.
  const n = 200;
  const trueW = [2, -3.5];
  const trueB = 0.5;
  const x = tk.randomNormal([n, 2], { seed: 1 });
  const noise = tk.randomNormal([n, 1], { stddev: 0.1, seed: 2 });
  const y = x.matmul(tk.tensor([[trueW[0]!], [trueW[1]!]])).add(trueB).add(noise);

  // The parameters, and the loss as a function of them.
  const w = tk.variable(tk.zeros([2, 1]), { name: 'w' });
  const b = tk.variable(tk.zeros([1]), { name: 'b' });
  const loss = (w: tk.Tensor, b: tk.Tensor): tk.Tensor => x.matmul(w).add(b).sub(y).square().mean();
  // valueAndGrad differentiates with respect to the ARGUMENTS (here w and b). The other spelling,
  // tk.variableGrads(() => loss(w, b), [w, b]), differentiates with respect to listed variables.
  const lossAndGrads = tk.valueAndGrad(loss);
  const optimizer = new tk.optimizers.SGD({ learningRate: 0.1 });

  print('Linear regression, y = x·w + b + noise, on 200 samples; SGD(0.1) on the full batch');
  print('');
  print('step      loss        w1        w2         b   (loss before the step, w and b after it)');
  const losses: number[] = [];
  const steps = 100;
  for (let step = 1; step <= steps; step++) {
    const { value, grads } = lossAndGrads(w, b);
    optimizer.applyGradients([[grads[0]!, w], [grads[1]!, b]]);
    losses.push(value.item());
    if (step === 1 || step % 20 === 0) {
      print(`${String(step).padStart(4)}  ${value.item().toFixed(6).padStart(8)}  ${w.data[0]!.toFixed(4).padStart(8)}  ${w.data[1]!.toFixed(4).padStart(8)}  ${b.data[0]!.toFixed(4).padStart(8)}`);
    }
  }

  const leastSquares = solveLeastSquares(x, y);
  const found = { w: Array.from(w.data), b: b.data[0]! };
  print('');
  print(`             ${'w1'.padStart(8)}  ${'w2'.padStart(8)}  ${'b'.padStart(8)}`);
  const row = (label: string, ws: readonly number[], bias: number): void =>
    print(`${label.padEnd(13)}${ws.map((v) => v.toFixed(4).padStart(8)).join('  ')}  ${bias.toFixed(4).padStart(8)}`);
  row('true', trueW, trueB);
  row('SGD', found.w, found.b);
  row('least sq.', leastSquares.w, leastSquares.b);
  return { trueW, trueB, w: found.w, b: found.b, leastSquares, losses };
}

/** The exact fit: solve (AᵀA)·θ = Aᵀy with A = [x, 1], in float64 by Gaussian elimination. */
function solveLeastSquares(x: tk.Tensor, y: tk.Tensor): { w: number[]; b: number } {
  const n = x.shape[0]!;
  const d = x.shape[1]! + 1;
  const ata = Array.from({ length: d }, () => new Array<number>(d + 1).fill(0)); // augmented [AᵀA | Aᵀy]
  for (let i = 0; i < n; i++) {
    const row = [...Array.from(x.data.subarray(i * (d - 1), (i + 1) * (d - 1))), 1];
    for (let r = 0; r < d; r++) {
      for (let c = 0; c < d; c++) ata[r]![c]! += row[r]! * row[c]!;
      ata[r]![d]! += row[r]! * y.data[i]!;
    }
  }
  for (let col = 0; col < d; col++) {
    for (let r = col + 1; r < d; r++) {
      const f = ata[r]![col]! / ata[col]![col]!;
      for (let c = col; c <= d; c++) ata[r]![c]! -= f * ata[col]![c]!;
    }
  }
  const theta = new Array<number>(d).fill(0);
  for (let r = d - 1; r >= 0; r--) {
    let s = ata[r]![d]!;
    for (let c = r + 1; c < d; c++) s -= ata[r]![c]! * theta[c]!;
    theta[r] = s / ata[r]![r]!;
  }
  return { w: theta.slice(0, d - 1), b: theta[d - 1]! };
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) main();
