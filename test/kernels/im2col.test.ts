import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { conv2dGeometry, type Conv2DGeometry, type Padding } from '../../src/tensor/kernels/conv_geometry.js';
import { col2im, im2col } from '../../src/tensor/kernels/im2col.js';
import { rng as mulberry32 } from '../helpers/index.js';


function randomArray(n: number, rand: () => number): Float32Array {
  const a = new Float32Array(n);
  for (let i = 0; i < n; i++) a[i] = rand() * 2 - 1;
  return a;
}

/** Reference: direct convolution, 7 nested loops, float64 accumulation. w is [kH, kW, inC, outC]. */
function directConv(x: Float32Array, w: Float32Array, g: Conv2DGeometry, outC: number): Float64Array {
  const out = new Float64Array(g.batch * g.outH * g.outW * outC);
  for (let b = 0; b < g.batch; b++)
    for (let oh = 0; oh < g.outH; oh++)
      for (let ow = 0; ow < g.outW; ow++)
        for (let oc = 0; oc < outC; oc++) {
          let acc = 0;
          for (let kh = 0; kh < g.kH; kh++)
            for (let kw = 0; kw < g.kW; kw++)
              for (let ci = 0; ci < g.inC; ci++) {
                const ih = oh * g.strideH - g.padTop + kh * g.dilationH;
                const iw = ow * g.strideW - g.padLeft + kw * g.dilationW;
                if (ih < 0 || ih >= g.inH || iw < 0 || iw >= g.inW) continue;
                acc += x[((b * g.inH + ih) * g.inW + iw) * g.inC + ci]! * w[((kh * g.kW + kw) * g.inC + ci) * outC + oc]!;
              }
          out[((b * g.outH + oh) * g.outW + ow) * outC + oc] = acc;
        }
  return out;
}

/** Reference im2col with a bounds test per element. */
function naiveIm2col(x: Float32Array, g: Conv2DGeometry, b0: number, count: number): Float32Array {
  const K = g.kH * g.kW * g.inC;
  const cols = new Float32Array(count * g.outH * g.outW * K);
  for (let b = b0; b < b0 + count; b++)
    for (let oh = 0; oh < g.outH; oh++)
      for (let ow = 0; ow < g.outW; ow++)
        for (let kh = 0; kh < g.kH; kh++)
          for (let kw = 0; kw < g.kW; kw++)
            for (let ci = 0; ci < g.inC; ci++) {
              const ih = oh * g.strideH - g.padTop + kh * g.dilationH;
              const iw = ow * g.strideW - g.padLeft + kw * g.dilationW;
              const row = ((b - b0) * g.outH + oh) * g.outW + ow;
              const inside = ih >= 0 && ih < g.inH && iw >= 0 && iw < g.inW;
              cols[row * K + (kh * g.kW + kw) * g.inC + ci] = inside
                ? x[((b * g.inH + ih) * g.inW + iw) * g.inC + ci]!
                : 0;
            }
  return cols;
}

/** Naive [m, k] · [k, n] in float64. */
function matmul(a: Float32Array, b: Float32Array, m: number, k: number, n: number): Float64Array {
  const c = new Float64Array(m * n);
  for (let i = 0; i < m; i++)
    for (let j = 0; j < n; j++) {
      let acc = 0;
      for (let p = 0; p < k; p++) acc += a[i * k + p]! * b[p * n + j]!;
      c[i * n + j] = acc;
    }
  return c;
}

function dot(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! * b[i]!;
  return s;
}

function expectClose(actual: ArrayLike<number>, expected: ArrayLike<number>, tol: number, label: string): void {
  expect(actual.length, label).toBe(expected.length);
  for (let i = 0; i < actual.length; i++) {
    const e = expected[i]!;
    if (!(Math.abs(actual[i]! - e) <= tol * (1 + Math.abs(e)))) {
      throw new Error(`${label}: index ${i}: got ${actual[i]}, expected ${e}`);
    }
  }
}

/** Bit-exact equality (a plain loop: deep-equal on large typed arrays is slow). */
function expectSame(actual: Float32Array, expected: Float32Array, label: string): void {
  expect(actual.length, label).toBe(expected.length);
  for (let i = 0; i < actual.length; i++) {
    if (!Object.is(actual[i], expected[i])) throw new Error(`${label}: index ${i}: got ${actual[i]}, expected ${expected[i]}`);
  }
}

interface Case {
  batch: number;
  inH: number;
  inW: number;
  inC: number;
  kH: number;
  kW: number;
  sH: number;
  sW: number;
  d: number;
  padding: Padding;
}

/** The shape grid of the brief; cases whose output is empty are returned separately. */
function cases(): Case[] {
  const out: Case[] = [];
  const sizes: [number, number][] = [[1, 1], [7, 7], [13, 28], [28, 13], [7, 1]];
  const kernels: [number, number][] = [[1, 1], [2, 2], [3, 3], [3, 2]];
  const strideDil: [number, number, number][] = [[1, 1, 1], [2, 2, 1], [1, 1, 2], [2, 1, 1]];
  for (const batch of [1, 3])
    for (const inC of [1, 3, 5, 17]) // 17: a 3-wide kernel row is a 51-float run, copied by memcpy
      for (const [kH, kW] of kernels)
        for (const [sH, sW, d] of strideDil)
          for (const padding of ['valid', 'same'] as const)
            for (const [inH, inW] of sizes) out.push({ batch, inH, inW, inC, kH, kW, sH, sW, d, padding });
  return out;
}

function geometryOf(c: Case): Conv2DGeometry {
  return conv2dGeometry(c.batch, c.inH, c.inW, c.inC, c.kH, c.kW, c.sH, c.sW, c.d, c.d, c.padding);
}

describe('conv2dGeometry', () => {
  it('matches the keras-facts "same" examples', () => {
    // n=5, k=4, s=1: out 5, total = 4·1 + 4 − 5 = 3 → (1, 2)
    const a = conv2dGeometry(1, 5, 5, 1, 4, 4, 1, 1, 1, 1, 'same');
    expect([a.outH, a.padTop, a.padBottom, a.outW, a.padLeft, a.padRight]).toEqual([5, 1, 2, 5, 1, 2]);
    // n=6, k=3, s=2: out 3, total = 2·2 + 3 − 6 = 1 → (0, 1)
    const b = conv2dGeometry(1, 6, 6, 1, 3, 3, 2, 2, 1, 1, 'same');
    expect([b.outH, b.padTop, b.padBottom]).toEqual([3, 0, 1]);
  });

  it("TF's 2×2 input, kernel 3, stride 2, 'same': one output, the odd pad at the bottom/right", () => {
    // out = ceil(2/2) = 1, total = 0·2 + 3 − 2 = 1 → (0, 1)
    const g = conv2dGeometry(1, 2, 2, 1, 3, 3, 2, 2, 1, 1, 'same');
    expect([g.outH, g.outW, g.padTop, g.padBottom, g.padLeft, g.padRight]).toEqual([1, 1, 0, 1, 0, 1]);
  });

  it('valid has zero padding and floor((n − d(k−1) − 1)/s) + 1', () => {
    const g = conv2dGeometry(32, 28, 28, 1, 3, 3, 1, 1, 1, 1, 'valid');
    expect([g.outH, g.outW, g.padTop, g.padLeft, g.padBottom, g.padRight]).toEqual([26, 26, 0, 0, 0, 0]);
    // n=7, k=4, s=2: floor(3/2) + 1 = 2
    expect(conv2dGeometry(1, 7, 7, 1, 4, 4, 2, 2, 1, 1, 'valid').outH).toBe(2);
  });

  it('dilation 2, valid and same', () => {
    // valid: n=7, k=3, d=2: floor((7 − 4 − 1)/1) + 1 = 3
    expect(conv2dGeometry(1, 7, 7, 1, 3, 3, 1, 1, 2, 2, 'valid').outH).toBe(3);
    // same: k_eff = 5, total = 6 + 5 − 7 = 4 → (2, 2)
    const s = conv2dGeometry(1, 7, 7, 1, 3, 3, 1, 1, 2, 2, 'same');
    expect([s.outH, s.padTop, s.padBottom]).toEqual([7, 2, 2]);
    // same, k=2, d=2, n=6: k_eff = 3, total = 5 + 3 − 6 = 2 → (1, 1)
    const t = conv2dGeometry(1, 6, 6, 1, 2, 2, 1, 1, 2, 2, 'same');
    expect([t.outH, t.padTop, t.padBottom]).toEqual([6, 1, 1]);
    // rectangular: H dilated, W not
    const r = conv2dGeometry(1, 9, 9, 1, 3, 3, 1, 1, 2, 1, 'valid');
    expect([r.outH, r.outW]).toEqual([5, 7]);
  });

  it('returns out ≤ 0 instead of throwing', () => {
    expect(conv2dGeometry(1, 2, 2, 1, 3, 3, 1, 1, 1, 1, 'valid').outH).toBe(0); // floor(−1) + 1
    expect(conv2dGeometry(1, 1, 1, 1, 3, 3, 1, 1, 2, 2, 'valid').outH).toBe(-3); // floor(−4) + 1
    expect(conv2dGeometry(1, 1, 5, 1, 4, 3, 2, 1, 1, 1, 'valid').outH).toBe(-1); // floor(−4/2) + 1
  });
});

describe('im2col', () => {
  it('packs (kh, kw, cin) rows: the 3×3 / 2×2 example', () => {
    const g = conv2dGeometry(1, 3, 3, 1, 2, 2, 1, 1, 1, 1, 'valid');
    const cols = new Float32Array(16);
    im2col(Float32Array.from([1, 2, 3, 4, 5, 6, 7, 8, 9]), g, 0, 1, cols);
    expect(Array.from(cols)).toEqual([1, 2, 4, 5, 2, 3, 5, 6, 4, 5, 7, 8, 5, 6, 8, 9]);
  });

  it('writes zeros for padded taps (no need to clear cols)', () => {
    // 2×2 input, 3×3 kernel, 'same' stride 1: pads (1, 1); centre tap of output (0,0) is x[0,0].
    const g = conv2dGeometry(1, 2, 2, 1, 3, 3, 1, 1, 1, 1, 'same');
    const cols = new Float32Array(4 * 9).fill(NaN);
    im2col(Float32Array.from([1, 2, 3, 4]), g, 0, 1, cols);
    expect(Array.from(cols.subarray(0, 9))).toEqual([0, 0, 0, 0, 1, 2, 0, 3, 4]);
    expect(Array.from(cols.subarray(27, 36))).toEqual([1, 2, 0, 3, 4, 0, 0, 0, 0]);
  });

  it('equals the naive im2col, and im2col · W equals direct convolution, on the shape grid', () => {
    const rand = mulberry32(1234);
    let checked = 0;
    for (const c of cases()) {
      const g = geometryOf(c);
      if (g.outH <= 0 || g.outW <= 0) continue;
      const label = JSON.stringify(c);
      const x = randomArray(c.batch * c.inH * c.inW * c.inC, rand);
      const K = c.kH * c.kW * c.inC;
      const rows = c.batch * g.outH * g.outW;
      const cols = new Float32Array(rows * K).fill(NaN); // garbage must be overwritten
      im2col(x, g, 0, c.batch, cols);
      expectSame(cols, naiveIm2col(x, g, 0, c.batch), label);
      const outC = 4;
      const w = randomArray(K * outC, rand);
      expectClose(matmul(cols, w, rows, K, outC), directConv(x, w, g, outC), 1e-12, label);
      checked++;
    }
    expect(checked).toBeGreaterThan(400);
  });

  it('b0/count select a sub-range of the batch', () => {
    const rand = mulberry32(99);
    for (const padding of ['valid', 'same'] as const) {
      const g = conv2dGeometry(4, 9, 8, 3, 3, 2, 2, 1, 1, 1, padding);
      const x = randomArray(4 * 9 * 8 * 3, rand);
      const K = 3 * 2 * 3;
      const perItem = g.outH * g.outW * K;
      const full = new Float32Array(4 * perItem);
      im2col(x, g, 0, 4, full);
      for (const [b0, count] of [[0, 1], [1, 2], [3, 1], [1, 3]] as const) {
        const part = new Float32Array(count * perItem);
        im2col(x, g, b0, count, part);
        expectSame(part, full.subarray(b0 * perItem, (b0 + count) * perItem), `${padding} ${b0}+${count}`);
        expectSame(part, naiveIm2col(x, g, b0, count), `${padding} ${b0}+${count} naive`);
      }
    }
  });

  it('matches tf.conv2d (cpu backend) on random shapes incl. same', async () => {
    await tf.setBackend('cpu');
    const rand = mulberry32(7);
    const shapes: Case[] = [
      { batch: 2, inH: 28, inW: 28, inC: 1, kH: 3, kW: 3, sH: 1, sW: 1, d: 1, padding: 'valid' },
      { batch: 2, inH: 13, inW: 13, inC: 5, kH: 3, kW: 3, sH: 1, sW: 1, d: 1, padding: 'same' },
      { batch: 2, inH: 13, inW: 13, inC: 32, kH: 3, kW: 3, sH: 1, sW: 1, d: 1, padding: 'valid' },
      { batch: 1, inH: 9, inW: 9, inC: 1, kH: 3, kW: 3, sH: 2, sW: 2, d: 1, padding: 'same' },
      { batch: 1, inH: 7, inW: 9, inC: 3, kH: 4, kW: 3, sH: 2, sW: 2, d: 1, padding: 'same' },
      { batch: 3, inH: 6, inW: 5, inC: 2, kH: 2, kW: 2, sH: 2, sW: 1, d: 1, padding: 'same' },
      { batch: 1, inH: 11, inW: 10, inC: 3, kH: 3, kW: 2, sH: 1, sW: 1, d: 2, padding: 'same' },
      { batch: 2, inH: 11, inW: 10, inC: 2, kH: 3, kW: 3, sH: 1, sW: 1, d: 2, padding: 'valid' },
    ];
    for (const c of shapes) {
      const g = geometryOf(c);
      const outC = 6;
      const K = c.kH * c.kW * c.inC;
      const rows = c.batch * g.outH * g.outW;
      const x = randomArray(c.batch * c.inH * c.inW * c.inC, rand);
      const w = randomArray(K * outC, rand);
      const cols = new Float32Array(rows * K);
      im2col(x, g, 0, c.batch, cols);
      const ours = matmul(cols, w, rows, K, outC);
      const ref = tf.conv2d(
        tf.tensor4d(x, [c.batch, c.inH, c.inW, c.inC]),
        tf.tensor4d(w, [c.kH, c.kW, c.inC, outC]),
        [c.sH, c.sW],
        c.padding,
        'NHWC',
        [c.d, c.d],
      );
      expect(ref.shape).toEqual([c.batch, g.outH, g.outW, outC]);
      expectClose(ours, ref.dataSync(), 1e-5, JSON.stringify(c));
      ref.dispose();
    }
  });
});

describe('col2im', () => {
  it('is the exact adjoint of im2col: <im2col(x), c> == <x, col2im(c)>', () => {
    const rand = mulberry32(4321);
    let checked = 0;
    for (const c of cases()) {
      if (c.batch !== 3 || c.inC === 3) continue; // a thinner slice of the grid keeps this quick
      const g = geometryOf(c);
      if (g.outH <= 0 || g.outW <= 0) continue;
      const K = c.kH * c.kW * c.inC;
      const x = randomArray(c.batch * c.inH * c.inW * c.inC, rand);
      const cvec = randomArray(c.batch * g.outH * g.outW * K, rand);
      const cols = new Float32Array(cvec.length);
      im2col(x, g, 0, c.batch, cols);
      const dx = new Float32Array(x.length);
      col2im(cvec, g, 0, c.batch, dx);
      const lhs = dot(cols, cvec);
      const rhs = dot(x, dx);
      // Both sides are float64 dots of the same products, except that each dx entry is a float32
      // sum of up to kH·kW terms: bound the rounding by kH·kW·2⁻²³ · Σ|x|·|cvec| terms.
      let scale = 0;
      for (let i = 0; i < x.length; i++) scale += Math.abs(x[i]! * dx[i]!);
      const tol = c.kH * c.kW * 2 ** -23 * (scale + Math.abs(lhs)) + 1e-12;
      expect(Math.abs(lhs - rhs), JSON.stringify(c)).toBeLessThanOrEqual(tol);
      checked++;
    }
    expect(checked).toBeGreaterThan(100);
  });

  it('counts window coverage on the 3×3 / 2×2 example', () => {
    const g = conv2dGeometry(1, 3, 3, 1, 2, 2, 1, 1, 1, 1, 'valid');
    const dx = new Float32Array(9);
    col2im(new Float32Array(16).fill(1), g, 0, 1, dx);
    expect(Array.from(dx)).toEqual([1, 2, 1, 2, 4, 2, 1, 2, 1]);
  });

  it('accumulates into dx (+=) and touches only items [b0, b0+count)', () => {
    const rand = mulberry32(5);
    for (const d of [1, 2]) {
      const g = conv2dGeometry(3, 8, 7, 2, 3, 3, 1, 1, d, d, 'same');
      const K = 3 * 3 * 2;
      const perItem = g.outH * g.outW * K;
      const xLen = 3 * 8 * 7 * 2;
      const imgLen = 8 * 7 * 2;
      const cvec = randomArray(2 * perItem, rand); // items 1 and 2
      const fresh = new Float32Array(xLen);
      col2im(cvec, g, 1, 2, fresh);
      expect(fresh.subarray(0, imgLen).every((v) => v === 0)).toBe(true);
      const base = randomArray(xLen, rand);
      const acc = Float32Array.from(base);
      col2im(cvec, g, 1, 2, acc);
      const expected = new Float32Array(xLen);
      for (let i = 0; i < xLen; i++) expected[i] = base[i]! + fresh[i]!;
      expectClose(acc, expected, 1e-6, `accumulate d=${d}`);
    }
  });
});
