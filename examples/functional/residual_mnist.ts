// A small residual network on the MNIST digits, written with the functional API: the skip
// connection (`x + F(x)`, He et al. 2015) is a graph that branches, which Sequential cannot say.
//
//   npx tsx examples/functional/residual_mnist.ts            # 8,000 digits, 4 epochs
//   npx tsx examples/functional/residual_mnist.ts --quick    # 1,000 digits, 1 epoch
//
//   input 28×28×1 → Conv2D 16 3×3 relu → MaxPooling2D 2
//     ─┬─ Conv2D 16 3×3 relu → Conv2D 16 3×3 ─ Add → relu      (the residual block, 13×13×16)
//      └──────────────────────────────────────┘
//   → MaxPooling2D 2 → Flatten → Dense 10 softmax

import { pathToFileURL } from 'node:url';
import * as tk from '../../src/index.js';
import { loadBundled } from '../mnist/data.js';

/** One residual block: two 3×3 convolutions whose result is added to the block's input. */
function residualBlock(x: tk.SymbolicTensor, filters: number): tk.SymbolicTensor {
  const h = new tk.layers.Conv2D(filters, 3, { padding: 'same', activation: 'relu' }).apply(x);
  const f = new tk.layers.Conv2D(filters, 3, { padding: 'same' }).apply(h);
  return new tk.layers.ReLU().apply(new tk.layers.Add().apply([x, f]));
}

/** The residual network, not compiled. */
export function residualNet(): tk.Model<tk.Tensor> {
  const input = tk.input({ shape: [28, 28, 1], name: 'digit' });
  let x = new tk.layers.Conv2D(16, 3, { activation: 'relu' }).apply(input);
  x = new tk.layers.MaxPooling2D(2).apply(x);
  x = residualBlock(x, 16);
  x = new tk.layers.MaxPooling2D(2).apply(x);
  const out = new tk.layers.Dense(10, 'softmax').apply(new tk.layers.Flatten().apply(x));
  return tk.model({ inputs: input, outputs: out, name: 'residual_mnist' });
}

export interface ResidualResult {
  /** Accuracy on the held-out test digits. */
  readonly testAccuracy: number;
  /** The training history (loss, accuracy, val_loss, val_accuracy per epoch). */
  readonly history: Record<string, number[]>;
  readonly parameters: number;
}

export async function main(print: (line: string) => void = console.log, options: { trainSize?: number; epochs?: number } = {}): Promise<ResidualResult> {
  tk.setSeed(3);
  const trainSize = options.trainSize ?? 8000;
  const epochs = options.epochs ?? 4;
  const data = loadBundled();
  const x = tk.slice(data.train.x, [0, 0, 0, 0], [trainSize, -1, -1, -1]);
  const y = tk.slice(data.train.y, [0, 0], [trainSize, -1]);
  const model = residualNet();
  model.summary({ printFn: print });
  model.compile({ optimizer: 'adam', loss: 'categorical_crossentropy', metrics: ['accuracy'] });
  const history = await model.fit(x, y, { epochs, batchSize: 32, validationSplit: 0.1, verbose: 0,
    callbacks: [{ onEpochEnd: (epoch, logs) => print(`epoch ${epoch + 1}/${epochs}: loss ${logs.loss!.toFixed(4)}, accuracy ${logs.accuracy!.toFixed(4)}, val_accuracy ${logs.val_accuracy!.toFixed(4)}`) }] });
  const [, testAccuracy] = model.evaluate(data.test.x, data.test.y, { verbose: 0 }) as number[];
  print(`test accuracy on ${data.test.labels.length} held-out digits: ${(testAccuracy! * 100).toFixed(2)}%`);
  return { testAccuracy: testAccuracy!, history: history.history, parameters: model.countParams() };
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const quick = process.argv.includes('--quick');
  await main(console.log, quick ? { trainSize: 1000, epochs: 1 } : {});
}
