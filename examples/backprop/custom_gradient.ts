// Writing a backward pass by hand, and catching the mistake in it.
//
// tk.customGrad defines an op with your own gradient. tk.checkGradients compares that gradient
// with finite differences (f(x + h) − f(x − h)) / 2h, element by element; tk.explainGradientCheck
// says which input and which element disagree, and by how much.
//
//   npx tsx examples/backprop/custom_gradient.ts
//
// The op: a matrix product C = A·B. Its backward, for C's gradient dC:
//   dA = dC·Bᵀ        dB = Aᵀ·dC
// The classic slip is dB = A·dC (the transpose forgotten): with a square A the shapes still fit,
// so nothing crashes, and only a gradient check notices.

import { pathToFileURL } from 'node:url';
import * as tk from '../../src/index.js';

export interface CustomGradientResult {
  /** checkGradients of the correct op (small: it passes). */
  readonly correctError: number;
  /** The full report for the op with the forgotten transpose. */
  readonly wrongReport: tk.GradientCheckReport;
  readonly wrongExplanation: string;
  /** The forward values of the two ops agree (the bug is only in the backward). */
  readonly sameForward: boolean;
}

/** A·B with the right backward. */
export const goodMatmul = tk.customGrad((a: tk.Tensor, b: tk.Tensor, save: tk.GradSaveFunc) => {
  save([a, b]);
  return {
    value: tk.matmul(a, b),
    gradFunc: (dy, [a, b]) => [tk.matmul(dy, b!, false, true), tk.matmul(a!, dy, true, false)],
  };
}, { name: 'goodMatmul', derivative: 'dA = dC·Bᵀ;  dB = Aᵀ·dC' });

/** A·B with dB = A·dC: the transpose of A is missing. */
export const buggyMatmul = tk.customGrad((a: tk.Tensor, b: tk.Tensor, save: tk.GradSaveFunc) => {
  save([a, b]);
  return {
    value: tk.matmul(a, b),
    gradFunc: (dy, [a, b]) => [tk.matmul(dy, b!, false, true), tk.matmul(a!, dy)], // BUG: should be Aᵀ·dy
  };
}, { name: 'buggyMatmul', derivative: 'dA = dC·Bᵀ;  dB = A·dC  (wrong)' });

export function main(print: (line: string) => void = console.log): CustomGradientResult {
  const a = tk.tensor([[1, 2, 0], [-1, 0.5, 3], [2, -2, 1]]);
  const b = tk.tensor([[0.5, -1], [2, 1], [-0.5, 0.25]]);
  const names = ['A', 'B'];

  const sameForward = goodMatmul(a, b).dataSync().every((v, i) => v === buggyMatmul(a, b).data[i]);
  print(`forward passes agree: ${sameForward}`);
  print('');

  print('1. The correct backward, dA = dC·Bᵀ and dB = Aᵀ·dC:');
  const good = tk.gradientCheckReport((a, b) => goodMatmul(a, b), [a, b]);
  print(indent(tk.explainGradientCheck(good, { names })));
  print('');

  print('2. The backward with the forgotten transpose, dB = A·dC:');
  const wrong = tk.gradientCheckReport((a, b) => buggyMatmul(a, b), [a, b]);
  const wrongExplanation = tk.explainGradientCheck(wrong, { names });
  print(indent(wrongExplanation));
  print('');
  print('   A is fine and B is wrong: the bug is in the second gradient, as the report says.');
  print(`   tk.checkGradients returns just the number: ${tk.checkGradients((a, b) => buggyMatmul(a, b), [a, b]).toFixed(3)}`);
  return { correctError: good.maxError, wrongReport: wrong, wrongExplanation, sameForward };
}

function indent(text: string): string {
  return text.split('\n').map((line) => `   ${line}`).join('\n');
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) main();
