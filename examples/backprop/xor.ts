// XOR with a small MLP: the function no single neuron can learn, learned by backpropagation
// through a hidden layer. GradientStats prints each layer's gradient norm and update-to-weight
// ratio along the way.
//
//   npx tsx examples/backprop/xor.ts

import { pathToFileURL } from 'node:url';
import * as tk from '../../src/index.js';

export interface XorResult {
  /** The loss after each epoch. */
  readonly losses: readonly number[];
  /** The predicted probability of 1 for each of the four inputs. */
  readonly predictions: readonly number[];
  /** How many of the four inputs the model gets right (threshold 0.5). */
  readonly correct: number;
  readonly gradientStats: readonly tk.callbacks.GradientStatsEpoch[];
}

export async function main(print: (line: string) => void = console.log): Promise<XorResult> {
  tk.setSeed(7);
  const x = tk.tensor([[0, 0], [0, 1], [1, 0], [1, 1]]);
  const y = tk.tensor([[0], [1], [1], [0]]);

  const model = new tk.Sequential([
    new tk.layers.Dense(8, { activation: 'tanh', inputShape: [2], name: 'hidden' }),
    new tk.layers.Dense(1, { activation: 'sigmoid', name: 'output' }),
  ]);
  model.compile({ optimizer: new tk.optimizers.Adam(0.05), loss: 'binary_crossentropy', metrics: ['accuracy'] });

  const epochs = 200;
  const stats = new tk.callbacks.GradientStats({ printEvery: 50, print: (text) => print(text) });
  const progress = {
    onEpochEnd: (epoch: number, logs: tk.callbacks.Logs) => {
      if ((epoch + 1) % 50 === 0) print(`epoch ${epoch + 1}: loss ${logs.loss!.toFixed(4)}, accuracy ${logs.accuracy!.toFixed(2)}`);
    },
  };
  print(`XOR: ${model.layers.map((l) => l.name).join(' → ')}, Adam(0.05), binary crossentropy, ${epochs} epochs of the 4 samples`);
  print('');
  const history = await model.fit(x, y, { epochs, batchSize: 4, verbose: 0, callbacks: [progress, stats] });

  const probs = Array.from(model.predict(x).data);
  const targets = [0, 1, 1, 0];
  const correct = probs.filter((p, i) => (p > 0.5 ? 1 : 0) === targets[i]).length;
  print('');
  print('input    target   prediction');
  const inputs = x.toArray() as number[][];
  probs.forEach((p, i) => print(`[${inputs[i]!.join(', ')}]   ${targets[i]}        ${p.toFixed(4)}`));
  print(`${correct}/4 correct`);
  return { losses: history.history.loss!, predictions: probs, correct, gradientStats: stats.history };
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) await main();
