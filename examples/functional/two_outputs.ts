// One network, two answers: a shared convolutional trunk reads a digit, and two heads answer
// "which digit?" (softmax, categorical crossentropy) and "how much ink?" (the fraction of pixels
// above 0.5, a regression with mean squared error). compile takes a loss per output, keyed by the
// output layers' names, and lossWeights; the history has Keras 3's per-output keys.
//
//   npx tsx examples/functional/two_outputs.ts            # 8,000 digits, 3 epochs
//   npx tsx examples/functional/two_outputs.ts --quick    # 1,000 digits, 1 epoch

import { pathToFileURL } from 'node:url';
import * as tk from '../../src/index.js';
import { loadBundled } from '../mnist/data.js';

/** The fraction of each image's pixels above 0.5: [n, 1]. */
export function inkOf(images: tk.Tensor): tk.Tensor {
  return tk.noGrad(() => tk.greater(images, 0.5).reshape([images.shape[0]!, -1]).mean(1, true));
}

export function twoHeads(): tk.Model<tk.Tensor[]> {
  const image = tk.input({ shape: [28, 28, 1], name: 'image' });
  let trunk = new tk.layers.Conv2D(16, 3, { activation: 'relu' }).apply(image);
  trunk = new tk.layers.MaxPooling2D(2).apply(trunk);
  trunk = new tk.layers.Conv2D(32, 3, { activation: 'relu' }).apply(trunk);
  trunk = new tk.layers.MaxPooling2D(2).apply(trunk);
  const features = new tk.layers.Flatten().apply(trunk);
  const digit = new tk.layers.Dense(10, { activation: 'softmax', name: 'digit' }).apply(features);
  const ink = new tk.layers.Dense(1, { name: 'ink' }).apply(new tk.layers.Dense(16, 'relu').apply(features));
  return tk.model({ inputs: image, outputs: [digit, ink], name: 'two_heads' });
}

export interface TwoOutputsResult {
  readonly digitAccuracy: number;
  readonly inkMae: number;
  /** The mean absolute error of always guessing the training set's mean ink (the baseline to beat). */
  readonly inkBaselineMae: number;
  readonly historyKeys: string[];
}

export async function main(print: (line: string) => void = console.log, options: { trainSize?: number; epochs?: number } = {}): Promise<TwoOutputsResult> {
  tk.setSeed(4);
  const trainSize = options.trainSize ?? 8000;
  const epochs = options.epochs ?? 3;
  const data = loadBundled();
  const x = tk.slice(data.train.x, [0, 0, 0, 0], [trainSize, -1, -1, -1]);
  const digits = tk.slice(data.train.y, [0, 0], [trainSize, -1]);
  const model = twoHeads();
  model.summary({ printFn: print });
  model.compile({
    optimizer: 'adam',
    loss: { digit: 'categorical_crossentropy', ink: 'mse' },
    lossWeights: { digit: 1, ink: 10 }, // the ink's squared errors are small numbers: weigh them up
    metrics: { digit: ['accuracy'], ink: ['mae'] },
  });
  const history = await model.fit(x, { digit: digits, ink: inkOf(x) }, { epochs, batchSize: 32, verbose: 0,
    callbacks: [{ onEpochEnd: (epoch, logs) => print(`epoch ${epoch + 1}/${epochs}: loss ${logs.loss!.toFixed(4)}, digit_accuracy ${logs.digit_accuracy!.toFixed(4)}, ink_mae ${logs.ink_mae!.toFixed(4)}`) }] });
  const logs = model.evaluate(data.test.x, { digit: data.test.y, ink: inkOf(data.test.x) }, { verbose: 0, returnDict: true });
  const meanInk = inkOf(x).mean().item();
  const testInk = inkOf(data.test.x);
  const inkBaselineMae = testInk.sub(meanInk).abs().mean().item();
  print(`test: digit accuracy ${(logs.digit_accuracy! * 100).toFixed(2)}%, ink MAE ${logs.ink_mae!.toFixed(4)} (guessing the mean: ${inkBaselineMae.toFixed(4)})`);
  return { digitAccuracy: logs.digit_accuracy!, inkMae: logs.ink_mae!, inkBaselineMae, historyKeys: Object.keys(history.history) };
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const quick = process.argv.includes('--quick');
  await main(console.log, quick ? { trainSize: 1000, epochs: 1 } : {});
}
