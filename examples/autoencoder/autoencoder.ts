// A convolutional autoencoder on the MNIST digits: the encoder halves the image twice with
// strided convolutions, the decoder doubles it back twice with transposed convolutions, and the
// model learns to reproduce its input through a 7×7×4 bottleneck (196 numbers for 784 pixels).
//
//   npx tsx examples/autoencoder/autoencoder.ts              # 8,000 bundled digits, 5 epochs
//   npx tsx examples/autoencoder/autoencoder.ts --quick      # 1,000 digits, 1 epoch
//   npx tsx examples/autoencoder/autoencoder.ts --epochs 10 --svg out.svg
//
//   input 28×28×1
//     → Conv2D 16 3×3 stride 2 'same' relu            14×14×16     (encoder)
//     → Conv2D 4 3×3 stride 2 'same' relu             7×7×4        (the code)
//     → Conv2DTranspose 16 3×3 stride 2 'same' relu   14×14×16     (decoder)
//     → Conv2DTranspose 16 3×3 stride 2 'same' relu   28×28×16
//     → Conv2D 1 3×3 'same' sigmoid                   28×28×1      (pixels in [0, 1])
//
// Trained with binary crossentropy per pixel (as Keras's autoencoder tutorial), Adam. It prints
// the summary, the loss per epoch, the test reconstruction error next to two baselines (the
// mean digit, and an all-black image), draws test digits and their reconstructions in the
// terminal, and writes them to autoencoder-reconstructions.svg.

import { writeFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import * as tk from '../../src/index.js';
import { loadBundled } from '../mnist/data.js';
import { drawDigit, sideBySide } from '../mnist/draw.js';

/** The autoencoder, not compiled. */
export function autoencoder(): tk.Model<tk.Tensor> {
  const L = tk.layers;
  const input = tk.input({ shape: [28, 28, 1], name: 'digit' });
  let x = new L.Conv2D(16, 3, { strides: 2, padding: 'same', activation: 'relu', name: 'encode_1' }).apply(input);
  const code = new L.Conv2D(4, 3, { strides: 2, padding: 'same', activation: 'relu', name: 'code' }).apply(x);
  x = new L.Conv2DTranspose(16, 3, { strides: 2, padding: 'same', activation: 'relu', name: 'decode_1' }).apply(code);
  x = new L.Conv2DTranspose(16, 3, { strides: 2, padding: 'same', activation: 'relu', name: 'decode_2' }).apply(x);
  const out = new L.Conv2D(1, 3, { padding: 'same', activation: 'sigmoid', name: 'pixels' }).apply(x);
  return tk.model({ inputs: input, outputs: out, name: 'conv_autoencoder' });
}

export interface AutoencoderResult {
  /** Binary crossentropy per epoch on the training digits. */
  readonly losses: number[];
  /** Mean squared error per pixel on the held-out test digits: the model, the mean digit, black. */
  readonly testMse: number;
  readonly meanDigitMse: number;
  readonly blackMse: number;
  /** Mean binary crossentropy per pixel on the test digits. */
  readonly testCrossentropy: number;
  readonly parameters: number;
  /** The SVG of originals and reconstructions. */
  readonly svg: string;
}

export interface AutoencoderOptions {
  trainSize?: number;
  epochs?: number;
  /** Where to write the SVG (null: do not write). Default autoencoder-reconstructions.svg. */
  svg?: string | null;
  /** How many test digits to draw. Default 8. */
  shown?: number;
}

/** Mean squared error per pixel between two [n, 28, 28, 1] tensors. */
function mse(a: tk.Tensor, b: tk.Tensor): number {
  return tk.noGrad(() => a.sub(b).square().mean().item());
}

export async function main(print: (line: string) => void = console.log, options: AutoencoderOptions = {}): Promise<AutoencoderResult> {
  tk.setSeed(5);
  const trainSize = options.trainSize ?? 8000;
  const epochs = options.epochs ?? 5;
  const data = loadBundled();
  const x = tk.slice(data.train.x, [0, 0, 0, 0], [trainSize, -1, -1, -1]);
  const model = autoencoder();
  model.summary({ printFn: print });
  model.compile({ optimizer: new tk.optimizers.Adam({ learningRate: 2e-3 }), loss: 'binary_crossentropy' });
  const started = performance.now();
  const history = await model.fit(x, x, {
    epochs, batchSize: 32, verbose: 0,
    callbacks: [{ onEpochEnd: (epoch, logs) => print(`epoch ${epoch + 1}/${epochs}: loss ${logs.loss!.toFixed(4)} (${((performance.now() - started) / 1000).toFixed(1)} s)`) }],
  });

  const test = data.test.x;
  const reconstructed = model.predict(test) as tk.Tensor;
  const testMse = mse(reconstructed, test);
  const meanDigit = tk.noGrad(() => x.mean(0, true));
  const meanDigitMse = mse(tk.broadcastTo(meanDigit, test.shape), test);
  const blackMse = mse(tk.zeros(test.shape), test);
  const testCrossentropy = model.evaluate(test, test, { verbose: 0 }) as number;
  print(`test digits (${data.test.labels.length} held out): reconstruction MSE per pixel ${testMse.toFixed(4)} ` +
    `(the mean digit: ${meanDigitMse.toFixed(4)}, an all-black image: ${blackMse.toFixed(4)}); binary crossentropy ${testCrossentropy.toFixed(4)}`);

  const shown = options.shown ?? 8;
  const pixels = (t: tk.Tensor, i: number): Float32Array => t.data.subarray(i * 784, (i + 1) * 784);
  const blocks = (from: number, to: number) => Array.from({ length: to - from }, (_, k) => from + k).flatMap((i) => [
    { caption: `digit ${data.test.labels[i]}`, lines: drawDigit(pixels(test, i)) },
    { caption: 'reconstructed', lines: drawDigit(pixels(reconstructed, i)) },
  ]);
  for (let i = 0; i < shown; i += 2) print(`\n${sideBySide(blocks(i, Math.min(shown, i + 2)))}`);

  const svg = reconstructionsSvg(Array.from({ length: shown }, (_, i) => ({ original: pixels(test, i), reconstructed: pixels(reconstructed, i), label: data.test.labels[i]! })));
  const file = options.svg === undefined ? 'autoencoder-reconstructions.svg' : options.svg;
  if (file !== null) {
    writeFileSync(file, svg);
    print(`\nwrote ${file}: the first ${shown} test digits (top) and their reconstructions (bottom)`);
  }
  return { losses: history.history.loss!, testMse, meanDigitMse, blackMse, testCrossentropy, parameters: model.countParams(), svg };
}

/**
 * Originals above, reconstructions below, one column per digit: each pixel a grey square (white
 * background; only pixels darker than 2% are drawn, which keeps the file small).
 */
export function reconstructionsSvg(digits: { original: ArrayLike<number>; reconstructed: ArrayLike<number>; label: number }[]): string {
  const scale = 4;
  const size = 28 * scale;
  const gap = 12;
  const top = 24;
  const W = digits.length * (size + gap) + gap;
  const H = top + 2 * size + 3 * gap + 16;
  const parts: string[] = [];
  const draw = (pixels: ArrayLike<number>, x0: number, y0: number): void => {
    parts.push(`<rect x="${x0}" y="${y0}" width="${size}" height="${size}" fill="white" stroke="#bbb"/>`);
    for (let r = 0; r < 28; r++) {
      for (let c = 0; c < 28; c++) {
        const v = Math.min(1, Math.max(0, pixels[r * 28 + c]!));
        if (v < 0.02) continue;
        const grey = Math.round(255 * (1 - v));
        parts.push(`<rect x="${x0 + c * scale}" y="${y0 + r * scale}" width="${scale}" height="${scale}" fill="rgb(${grey},${grey},${grey})"/>`);
      }
    }
  };
  digits.forEach((d, i) => {
    const x0 = gap + i * (size + gap);
    parts.push(`<text x="${x0 + size / 2}" y="${top - 8}" text-anchor="middle" font-size="12">${d.label}</text>`);
    draw(d.original, x0, top);
    draw(d.reconstructed, x0, top + size + gap);
  });
  parts.push(`<text x="${gap}" y="${H - 8}" font-size="12">top: test digits; bottom: the autoencoder's reconstructions through a 7×7×4 code</text>`);
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" font-family="sans-serif" shape-rendering="crispEdges">\n` +
    `<rect width="100%" height="100%" fill="white"/>\n${parts.join('\n')}\n</svg>\n`;
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const { values } = parseArgs({ options: { quick: { type: 'boolean' }, epochs: { type: 'string' }, svg: { type: 'string' } } });
  const epochs = values.epochs === undefined ? undefined : Number(values.epochs);
  if (epochs !== undefined && !(Number.isInteger(epochs) && epochs >= 1)) {
    console.error(`--epochs expects a positive integer, got '${values.epochs}'`);
    process.exit(2);
  }
  await main(console.log, values.quick === true ? { trainSize: 2000, epochs: epochs ?? 3, svg: values.svg } : { epochs, svg: values.svg });
}
