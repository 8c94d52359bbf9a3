// Gradients of gradients: what a Hessian-vector product costs next to one gradient.
//
// A 2-layer tanh MLP 64 → 128 → 10 with softmax crossentropy on a batch of 32: 9,610 parameters,
// handled as one flat vector θ (the form Hessian-free optimisers and tk.hvp use). Timed:
//   - one gradient, tk.grad(loss)(θ): a forward pass and a plain (unrecorded) backward pass;
//   - one Hessian-vector product, tk.hvp(loss)(θ, v): the forward, the backward recorded on the
//     tape, and one backward pass through both (reverse-over-reverse);
//   - the same product by hand, tk.grad(θ ↦ ⟨tk.grad(loss)(θ), v⟩)(θ), the spelling of the
//     definition: one more product and sum on the tape than tk.hvp.
// The target: an hvp costs at most 4× one gradient.

import * as tk from '../src/index.js';
import { measure, printTable, type Row } from './util.js';

const IN = 64;
const HIDDEN = 128;
const OUT = 10;
const BATCH = 32;
/** W1 [64, 128], b1 [128], W2 [128, 10], b2 [10], flattened in that order. */
export const PARAMETERS = IN * HIDDEN + HIDDEN + HIDDEN * OUT + OUT;

/** The loss of the MLP on a fixed batch, as a function of the flat parameter vector. */
export function mlpLoss(seed = 1): (theta: tk.Tensor) => tk.Tensor {
  tk.setSeed(seed);
  const x = tk.randomNormal([BATCH, IN]);
  const labels = tk.oneHot(tk.floor(tk.randomUniform([BATCH], { maxval: OUT })), OUT);
  return (theta) => {
    let at = 0;
    const take = (shape: number[]): tk.Tensor => {
      const n = shape.reduce((a, b) => a * b, 1);
      const part = theta.slice([at], [n]).reshape(shape);
      at += n;
      return part;
    };
    const W1 = take([IN, HIDDEN]);
    const b1 = take([HIDDEN]);
    const W2 = take([HIDDEN, OUT]);
    const b2 = take([OUT]);
    const logits = x.matmul(W1).add(b1).tanh().matmul(W2).add(b2);
    return tk.softmaxCrossEntropyWithLogits(labels, logits).mean();
  };
}

export async function run(): Promise<void> {
  const loss = mlpLoss();
  tk.setSeed(2);
  const theta = tk.randomNormal([PARAMETERS], { stddev: 0.1 });
  const v = tk.randomNormal([PARAMETERS]);
  const gradient = tk.grad(loss);
  const hvp = tk.hvp(loss);
  const byHand = tk.grad((t) => tk.grad(loss)(t).mul(v).sum());

  const options = { maxTime: 3, minSamples: 20 };
  const grad = measure(() => gradient(theta), options).ms;
  const product = measure(() => hvp(theta, v), options).ms;
  const handMade = measure(() => byHand(theta), options).ms;
  const rows: Row[] = [
    { name: 'one gradient, tk.grad', ms: grad },
    { name: 'Hessian-vector product, tk.hvp', ms: product },
    { name: 'H·v as tk.grad of ⟨tk.grad, v⟩', ms: handMade },
  ];
  printTable(`MLP ${IN}-${HIDDEN}-${OUT} tanh, softmax crossentropy, batch ${BATCH}: ${PARAMETERS} parameters`, rows);
  // The two spellings compute the same H·v (up to float32 rounding): say so beside the timing.
  const a = hvp(theta, v).data;
  const b = byHand(theta).data;
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i]! - b[i]!) / Math.max(1, Math.abs(b[i]!)));
  const ratio = product / grad;
  console.log(`tk.hvp costs ${ratio.toFixed(2)}× one gradient, the hand-made product ${(handMade / grad).toFixed(2)}× ` +
    `(they agree to ${worst.toExponential(1)}). Target (issue 15): an hvp ≤ 4× one gradient: ${ratio <= 4 ? 'met' : 'not met'}.`);
}
