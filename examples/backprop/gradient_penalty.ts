// A Wasserstein GAN with gradient penalty (WGAN-GP, Gulrajani et al. 2017) on a tiny problem: a
// linear generator learns to produce a 2-D Gaussian cloud. The penalty is a gradient OF A
// GRADIENT: the critic's loss contains ‖∂D/∂x‖, and training the critic differentiates that with
// respect to the critic's weights. This is the case tk.grad inside tk.variableGrads is for.
//
//   npx tsx examples/backprop/gradient_penalty.ts
//
//   real data      x ~ N(μ, σ²·I),  μ = (2, −1), σ = 0.5
//   generator      G(z) = z·A + c,  z ~ N(0, I)                  (A: 2×2, c: 2; starts at A = I, c = 0)
//   critic         D(x) = tanh(x·W1 + b1)·w2 + b2                 (2 → 32 → 1)
//   critic loss    mean D(G(z)) − mean D(x) + λ·mean (‖∂D/∂x̂‖ − 1)²,  x̂ = ε·x + (1 − ε)·G(z), ε ~ U(0, 1)
//   generator loss −mean D(G(z))
//
// The gradient ∂D/∂x̂ is tk.grad of the critic; because it is taken inside the function that
// tk.variableGrads differentiates, its backward pass is recorded, and the penalty's gradient with
// respect to W1, b1, w2 flows through it (reverse-over-reverse). Five critic steps per generator
// step, Adam(0.01, β1 = 0.5, β2 = 0.9), as the paper's recipe with a larger step for a tiny problem.

import { pathToFileURL } from 'node:url';
import * as tk from '../../src/index.js';

export interface GradientPenaltyResult {
  /** The mean of the real data, and of generated samples before and after training. */
  readonly realMean: readonly [number, number];
  readonly startMean: readonly [number, number];
  readonly endMean: readonly [number, number];
  /** The generated samples' standard deviation per axis at the end (the real one is 0.5). */
  readonly endStd: readonly [number, number];
  /** Mean ‖∂D/∂x̂‖ over the last critic batch: the penalty holds it near 1. */
  readonly endGradNorm: number;
  /** The critic's gradient-penalty term at each generator step. */
  readonly penalties: readonly number[];
}

const MU: [number, number] = [2, -1];
const SIGMA = 0.5;
const BATCH = 64;
const LAMBDA = 1;

export function main(print: (line: string) => void = console.log, steps = 300): GradientPenaltyResult {
  tk.setSeed(7);
  const realBatch = (): tk.Tensor => tk.randomNormal([BATCH, 2], { stddev: SIGMA }).add(tk.tensor(MU));

  // Generator and critic parameters, as plain Variables.
  const A = tk.variable(tk.eye(2), { name: 'G/A' });
  const c = tk.variable(tk.zeros([2]), { name: 'G/c' });
  const W1 = tk.variable(tk.randomNormal([2, 32], { stddev: 0.5 }), { name: 'D/W1' });
  const b1 = tk.variable(tk.zeros([32]), { name: 'D/b1' });
  const w2 = tk.variable(tk.randomNormal([32, 1], { stddev: 0.2 }), { name: 'D/w2' });
  const b2 = tk.variable(tk.zeros([1]), { name: 'D/b2' });
  const generator = (z: tk.Tensor): tk.Tensor => z.matmul(A).add(c);
  const critic = (x: tk.Tensor): tk.Tensor => x.matmul(W1).add(b1).tanh().matmul(w2).add(b2);
  const criticWeights = [W1, b1, w2, b2];
  const generatorWeights = [A, c];
  const adam = (): tk.optimizers.Adam => new tk.optimizers.Adam({ learningRate: 0.01, beta1: 0.5, beta2: 0.9 });
  const criticOpt = adam();
  const generatorOpt = adam();

  /** ‖∂D/∂x̂‖ per sample: the critic's output for each row depends on that row only, so the
   * gradient of their sum holds every sample's gradient. */
  const gradNorms = (xHat: tk.Tensor): tk.Tensor => tk.grad((x) => critic(x).sum())(xHat).square().sum(1).add(1e-12).sqrt();

  const meanOf = (t: tk.Tensor): [number, number] => {
    const m = t.mean(0).dataSync();
    return [m[0]!, m[1]!];
  };
  const realMean = meanOf(tk.randomNormal([4096, 2], { stddev: SIGMA }).add(tk.tensor(MU)));
  const startMean = meanOf(generator(tk.randomNormal([4096, 2])));
  print(`WGAN-GP: a linear generator learns N((${MU.join(', ')}), ${SIGMA}²); critic 2→32→1 tanh, λ = ${LAMBDA}`);
  print('');
  print(' step   W-distance est.   penalty   ‖∂D/∂x̂‖    generated mean');

  const penalties: number[] = [];
  let lastNorm = 0;
  for (let step = 1; step <= steps; step++) {
    let estimate = 0;
    let penalty = 0;
    for (let k = 0; k < 5; k++) {
      const x = realBatch();
      const fake = tk.noGrad(() => generator(tk.randomNormal([BATCH, 2]))); // the critic step does not train G
      const eps = tk.randomUniform([BATCH, 1]);
      const xHat = x.mul(eps).add(fake.mul(tk.sub(1, eps)));
      const { grads } = tk.variableGrads(() => {
        const wasserstein = critic(fake).mean().sub(critic(x).mean());
        const norms = gradNorms(xHat); // a gradient, recorded: its own gradient reaches W1, b1, w2
        const gp = norms.sub(1).square().mean();
        estimate = -wasserstein.item();
        penalty = gp.item();
        lastNorm = norms.mean().item();
        return wasserstein.add(gp.mul(LAMBDA));
      }, criticWeights);
      criticOpt.applyGradients(grads.map((g, i) => [g, criticWeights[i]!] as [tk.Tensor, tk.Variable]));
    }
    const { grads } = tk.variableGrads(() => critic(generator(tk.randomNormal([BATCH, 2]))).mean().neg(), generatorWeights);
    generatorOpt.applyGradients(grads.map((g, i) => [g, generatorWeights[i]!] as [tk.Tensor, tk.Variable]));
    penalties.push(penalty);
    if (step === 1 || step % 50 === 0) {
      const m = meanOf(generator(tk.randomNormal([1024, 2])));
      print(`${String(step).padStart(5)}   ${estimate.toFixed(4).padStart(15)}   ${penalty.toFixed(4).padStart(7)}   ${lastNorm.toFixed(3).padStart(8)}    (${m[0].toFixed(3)}, ${m[1].toFixed(3)})`);
    }
  }

  const samples = generator(tk.randomNormal([4096, 2]));
  const endMean = meanOf(samples);
  const spread = samples.sub(samples.mean(0)).square().mean(0).sqrt().dataSync();
  const endStd: [number, number] = [spread[0]!, spread[1]!];
  print('');
  print(`real mean (${realMean.map((v) => v.toFixed(3)).join(', ')}); generated: before (${startMean.map((v) => v.toFixed(3)).join(', ')}), ` +
    `after (${endMean.map((v) => v.toFixed(3)).join(', ')}), std (${endStd.map((v) => v.toFixed(3)).join(', ')})`);
  return { realMean, startMean, endMean, endStd, endGradNorm: lastNorm, penalties };
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) main();
