// The live training page's pure parts, without a browser: the MNIST-style preprocessing of a
// drawing, and the bundled digits file (built from the `mnist` package, read by the worker).

import { describe, expect, it } from 'vitest';
import { decodeDigits, PIXELS } from '../../examples/web/digits_format.js';
import { buildDigits } from '../../examples/web/digits_plugin.js';
import { resampleArea, toMnist } from '../../examples/web/preprocess.js';

/** A width × height canvas with the rectangle [x0, x1) × [y0, y1) inked. */
function canvasWith(width: number, height: number, x0: number, y0: number, x1: number, y1: number): Float32Array {
  const gray = new Float32Array(width * height);
  for (let y = y0; y < y1; y++) for (let x = x0; x < x1; x++) gray[y * width + x] = 1;
  return gray;
}

function stats(img: Float32Array): { rows: number; cols: number; cx: number; cy: number } {
  let mass = 0, cx = 0, cy = 0, top = 28, bottom = -1, left = 28, right = -1;
  for (let y = 0; y < 28; y++) {
    for (let x = 0; x < 28; x++) {
      const v = img[y * 28 + x]!;
      if (v <= 0) continue;
      mass += v; cx += v * (x + 0.5); cy += v * (y + 0.5);
      top = Math.min(top, y); bottom = Math.max(bottom, y); left = Math.min(left, x); right = Math.max(right, x);
    }
  }
  return { rows: bottom - top + 1, cols: right - left + 1, cx: cx / mass, cy: cy / mass };
}

describe('toMnist (the drawing pad → 28×28)', () => {
  it('returns null for an empty pad', () => {
    expect(toMnist(new Float32Array(280 * 280), 280, 280)).toBeNull();
  });

  it('scales the longer side to 20 pixels, keeps the aspect ratio, and centers the mass', () => {
    // A tall 60×200 bar in the top-left corner of the pad.
    const out = toMnist(canvasWith(280, 280, 5, 10, 65, 210), 280, 280)!;
    expect(out).toHaveLength(784);
    const s = stats(out);
    expect(s.rows).toBe(20);
    expect(s.cols).toBe(6);
    expect(Math.abs(s.cx - 14)).toBeLessThanOrEqual(0.5);
    expect(Math.abs(s.cy - 14)).toBeLessThanOrEqual(0.5);
    expect(Math.max(...out)).toBeLessThanOrEqual(1);
  });

  it('keeps a thin stroke as gray pixels instead of dropping it', () => {
    // A 1-pixel line 200 long: scaled by 1/10 it covers a tenth of each output pixel.
    const out = toMnist(canvasWith(280, 280, 140, 40, 141, 240), 280, 280)!;
    const inked = Array.from(out).filter((v) => v > 0);
    expect(inked).toHaveLength(20);
    for (const v of inked) expect(v).toBeCloseTo(1, 5); // the crop is the line itself: 1 px wide → 1 px wide
  });

  it('checks the image size', () => {
    expect(() => toMnist(new Float32Array(10), 4, 4)).toThrow(/10 values for a 4×4 image/);
  });
});

describe('resampleArea', () => {
  it('averages areas: the mean is kept, for whole and fractional ratios', () => {
    const src = Float32Array.from({ length: 7 * 5 }, (_, i) => (i * 37) % 11);
    const mean = (a: Float32Array): number => a.reduce((s, v) => s + v, 0) / a.length;
    for (const [dw, dh] of [[3, 2], [7, 5], [2, 4], [14, 10]] as const) {
      expect(mean(resampleArea(src, 7, 5, dw, dh))).toBeCloseTo(mean(src), 4);
    }
    // 4 → 2 is the mean of pairs.
    expect(Array.from(resampleArea(Float32Array.from([1, 3, 5, 7]), 4, 1, 2, 1))).toEqual([2, 6]);
  });
});

describe('the bundled digits', () => {
  const file = buildDigits();

  it('are 3,000 + 500 real MNIST digits, balanced by class, under 5 MB, the same on every build', () => {
    expect(file.length).toBeLessThan(5 * 1024 * 1024);
    const { train, test } = decodeDigits(file.slice().buffer);
    expect(train.count).toBe(3000);
    expect(test.count).toBe(500);
    const perClass = (labels: Uint8Array): number[] => Array.from({ length: 10 }, (_, d) => labels.filter((l) => l === d).length);
    expect(perClass(train.labels)).toEqual(new Array(10).fill(300));
    expect(perClass(test.labels)).toEqual(new Array(10).fill(50));
    expect(train.pixels).toHaveLength(3000 * PIXELS);
    expect(Math.min(...train.pixels.subarray(0, PIXELS * 10))).toBe(0);
    expect(Math.max(...train.pixels.subarray(0, PIXELS * 10))).toBe(1);
    // Shuffled: the first 20 training labels are not one class.
    expect(new Set(train.labels.subarray(0, 20)).size).toBeGreaterThan(3);
    expect(Buffer.compare(buildDigits(), file)).toBe(0); // (toEqual on 2.7 MB is slow)
  });

  it('are read back with clear errors for a wrong or truncated file', () => {
    expect(() => decodeDigits(new TextEncoder().encode('<!doctype html><html></html>').buffer)).toThrow(/bad magic.*HTML page/);
    expect(() => decodeDigits(file.slice(0, file.length - 1).buffer)).toThrow(/expected \d+ for 3000 \+ 500 digits/);
    expect(() => decodeDigits(new ArrayBuffer(4))).toThrow(/shorter than its 16-byte header/);
  });
});
