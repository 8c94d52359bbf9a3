import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { conv2dGeometry, poolGeometry, type Conv2DGeometry, type Padding } from '../../src/tensor/kernels/conv_geometry.js';
import { avgPoolBackward, avgPoolForward, maxPoolBackward, maxPoolForward } from '../../src/tensor/kernels/pool.js';
import { rng as mulberry32 } from '../helpers/index.js';


function randomArray(n: number, rand: () => number): Float32Array {
  const a = new Float32Array(n);
  for (let i = 0; i < n; i++) a[i] = rand() * 2 - 1;
  return a;
}

/** Small integers (many ties) or continuous values, optionally all negative. */
function testInput(n: number, rand: () => number, kind: 'ties' | 'continuous' | 'negative'): Float32Array {
  const a = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    if (kind === 'ties') a[i] = Math.floor(rand() * 3);
    else if (kind === 'negative') a[i] = -1 - rand() * 10;
    else a[i] = rand() * 2 - 1;
  }
  return a;
}

function outSize(g: Conv2DGeometry): number {
  return g.batch * g.outH * g.outW * g.inC;
}

/**
 * Reference max pool: direct window loops with a bounds test per cell, visiting cells in (kh, kw)
 * order; keeps the first maximum (strict >), NaN propagates (first NaN wins), as documented.
 */
function refMaxPool(x: Float32Array, g: Conv2DGeometry): { out: Float32Array; argmax: Int32Array } {
  const out = new Float32Array(outSize(g));
  const argmax = new Int32Array(outSize(g));
  for (let b = 0; b < g.batch; b++)
    for (let oh = 0; oh < g.outH; oh++)
      for (let ow = 0; ow < g.outW; ow++)
        for (let c = 0; c < g.inC; c++) {
          let best = -Infinity;
          let at = -1;
          for (let kh = 0; kh < g.kH; kh++)
            for (let kw = 0; kw < g.kW; kw++) {
              const ih = oh * g.strideH - g.padTop + kh * g.dilationH;
              const iw = ow * g.strideW - g.padLeft + kw * g.dilationW;
              if (ih < 0 || ih >= g.inH || iw < 0 || iw >= g.inW) continue;
              const i = ((b * g.inH + ih) * g.inW + iw) * g.inC + c;
              const v = x[i]!;
              if (Number.isNaN(best)) continue;
              if (at === -1 || v > best || Number.isNaN(v)) {
                best = v;
                at = i;
              }
            }
          const o = ((b * g.outH + oh) * g.outW + ow) * g.inC + c;
          out[o] = best;
          argmax[o] = at;
        }
  return { out, argmax };
}

/** Reference average pool (float64 sums), dividing by the number of in-image cells. */
function refAvgPool(x: Float32Array, g: Conv2DGeometry): Float64Array {
  const out = new Float64Array(outSize(g));
  for (let b = 0; b < g.batch; b++)
    for (let oh = 0; oh < g.outH; oh++)
      for (let ow = 0; ow < g.outW; ow++)
        for (let c = 0; c < g.inC; c++) {
          let sum = 0;
          let n = 0;
          for (let kh = 0; kh < g.kH; kh++)
            for (let kw = 0; kw < g.kW; kw++) {
              const ih = oh * g.strideH - g.padTop + kh * g.dilationH;
              const iw = ow * g.strideW - g.padLeft + kw * g.dilationW;
              if (ih < 0 || ih >= g.inH || iw < 0 || iw >= g.inW) continue;
              sum += x[((b * g.inH + ih) * g.inW + iw) * g.inC + c]!;
              n++;
            }
          out[((b * g.outH + oh) * g.outW + ow) * g.inC + c] = sum / n;
        }
  return out;
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

function expectSame(actual: ArrayLike<number>, expected: ArrayLike<number>, label: string): void {
  expect(actual.length, label).toBe(expected.length);
  for (let i = 0; i < actual.length; i++) {
    if (!Object.is(actual[i], expected[i])) throw new Error(`${label}: index ${i}: got ${actual[i]}, expected ${expected[i]}`);
  }
}

interface Case {
  batch: number;
  inH: number;
  inW: number;
  C: number;
  pH: number;
  pW: number;
  sH: number;
  sW: number;
  padding: Padding;
}

function cases(): Case[] {
  const out: Case[] = [];
  const sizes: [number, number][] = [[1, 1], [7, 7], [13, 28], [26, 26], [6, 1]];
  const pools: [number, number, number, number][] = [
    [2, 2, 2, 2], // the usual, non-overlapping
    [3, 3, 2, 2], // overlapping windows
    [3, 3, 1, 1], // heavily overlapping
    [2, 3, 1, 2], // rectangular window and stride
    [1, 1, 1, 1],
    [2, 2, 3, 3], // stride > pool: gaps between windows
  ];
  for (const batch of [1, 3])
    for (const C of [1, 3, 8])
      for (const [pH, pW, sH, sW] of pools)
        for (const padding of ['valid', 'same'] as const)
          for (const [inH, inW] of sizes) out.push({ batch, inH, inW, C, pH, pW, sH, sW, padding });
  return out;
}

function geometryOf(c: Case): Conv2DGeometry {
  return poolGeometry(c.batch, c.inH, c.inW, c.C, c.pH, c.pW, c.sH, c.sW, c.padding);
}

describe('poolGeometry', () => {
  it('valid: floor((n − p)/s) + 1; same: ceil(n/s) with the conv split', () => {
    const a = poolGeometry(32, 26, 26, 32, 2, 2, 2, 2, 'valid');
    expect([a.outH, a.outW, a.padTop, a.padLeft, a.dilationH, a.dilationW]).toEqual([13, 13, 0, 0, 1, 1]);
    expect(poolGeometry(1, 11, 11, 64, 2, 2, 2, 2, 'valid').outH).toBe(5); // floor(9/2) + 1
    expect(poolGeometry(1, 7, 7, 1, 3, 3, 2, 2, 'valid').outH).toBe(3); // floor(4/2) + 1
    // same, n=5, p=2, s=2: out 3, total = 2·2 + 2 − 5 = 1 → (0, 1)
    const s = poolGeometry(1, 5, 5, 1, 2, 2, 2, 2, 'same');
    expect([s.outH, s.padTop, s.padBottom, s.padLeft, s.padRight]).toEqual([3, 0, 1, 0, 1]);
    // same, n=4, p=3, s=1: out 4, total = 3 + 3 − 4 = 2 → (1, 1)
    const t = poolGeometry(1, 4, 4, 1, 3, 3, 1, 1, 'same');
    expect([t.outH, t.padTop, t.padBottom]).toEqual([4, 1, 1]);
  });

  it('returns out ≤ 0 instead of throwing', () => {
    expect(poolGeometry(1, 1, 1, 1, 2, 2, 1, 1, 'valid').outH).toBe(0); // floor(−1) + 1
    expect(poolGeometry(1, 1, 1, 1, 3, 3, 1, 1, 'valid').outH).toBe(-1); // floor(−2) + 1
  });
});

describe('maxPoolForward / maxPoolBackward', () => {
  it('the doc example: ties go to the first element', () => {
    const g = poolGeometry(1, 2, 2, 1, 2, 2, 2, 2, 'valid');
    const out = new Float32Array(1);
    const argmax = new Int32Array(1);
    maxPoolForward(Float32Array.from([3, -1, 7, 7]), g, out, argmax);
    expect(Array.from(out)).toEqual([7]);
    expect(Array.from(argmax)).toEqual([2]);
  });

  it('matches the reference on the shape grid (ties, continuous, all-negative inputs)', () => {
    const rand = mulberry32(2024);
    let checked = 0;
    for (const c of cases()) {
      const g = geometryOf(c);
      if (g.outH <= 0 || g.outW <= 0) continue;
      for (const kind of ['ties', 'continuous', 'negative'] as const) {
        const label = `${JSON.stringify(c)} ${kind}`;
        const x = testInput(c.batch * c.inH * c.inW * c.C, rand, kind);
        const out = new Float32Array(outSize(g)).fill(NaN); // garbage must be overwritten
        const argmax = new Int32Array(outSize(g)).fill(-7);
        maxPoolForward(x, g, out, argmax);
        const ref = refMaxPool(x, g);
        expectSame(out, ref.out, label);
        expectSame(argmax, ref.argmax, label);
        if (kind === 'negative') expect(out.every((v) => v < 0), label).toBe(true);
        checked++;
      }
    }
    expect(checked).toBeGreaterThan(500);
  });

  it('dilated windows (a hand-made conv geometry; Keras pooling has no dilation) match the reference', () => {
    const rand = mulberry32(404);
    for (const padding of ['valid', 'same'] as const) {
      const g = conv2dGeometry(2, 9, 8, 3, 3, 2, 1, 2, 2, 3, padding);
      const x = testInput(2 * 9 * 8 * 3, rand, 'ties');
      const out = new Float32Array(outSize(g));
      const argmax = new Int32Array(outSize(g));
      maxPoolForward(x, g, out, argmax);
      const ref = refMaxPool(x, g);
      expectSame(out, ref.out, `max ${padding}`);
      expectSame(argmax, ref.argmax, `argmax ${padding}`);
      avgPoolForward(x, g, out);
      expectClose(out, refAvgPool(x, g), 1e-6, `avg ${padding}`);
    }
  });

  it('a window with no in-image cell gives −Infinity / argmax −1 (max) and NaN (avg)', () => {
    // 1×1 input, 2×2 window dilated by 3, 'same': k_eff = 4, pads (1, 2); taps at −1 and 2 miss.
    const g = conv2dGeometry(1, 1, 1, 2, 2, 2, 1, 1, 3, 3, 'same');
    expect([g.outH, g.outW, g.padTop, g.padBottom]).toEqual([1, 1, 1, 2]);
    const out = new Float32Array(2);
    const argmax = new Int32Array(2);
    maxPoolForward(Float32Array.from([4, 5]), g, out, argmax);
    expect(Array.from(out)).toEqual([-Infinity, -Infinity]);
    expect(Array.from(argmax)).toEqual([-1, -1]);
    const dx = new Float32Array(2);
    maxPoolBackward(Float32Array.from([1, 1]), argmax, dx);
    expect(Array.from(dx)).toEqual([0, 0]);
    avgPoolForward(Float32Array.from([4, 5]), g, out);
    expect(Number.isNaN(out[0]) && Number.isNaN(out[1])).toBe(true);
  });

  it("'same' padding never selects a padded cell, even when every real cell is negative", () => {
    // 3×3 all −5, pool 2 stride 2 'same': pads (0, 1); the last window holds one real cell.
    const g = poolGeometry(1, 3, 3, 1, 2, 2, 2, 2, 'same');
    const x = new Float32Array(9).fill(-5);
    x[8] = -9;
    const out = new Float32Array(4);
    const argmax = new Int32Array(4);
    maxPoolForward(x, g, out, argmax);
    expect(Array.from(out)).toEqual([-5, -5, -5, -9]);
    expect(Array.from(argmax)).toEqual([0, 2, 6, 8]);
  });

  it('a window of −Infinity still gets a valid argmax', () => {
    const g = poolGeometry(1, 1, 2, 1, 1, 2, 1, 2, 'valid');
    const out = new Float32Array(1);
    const argmax = new Int32Array(1);
    maxPoolForward(Float32Array.from([-Infinity, -Infinity]), g, out, argmax);
    expect(out[0]).toBe(-Infinity);
    expect(argmax[0]).toBe(0);
  });

  it('NaN propagates (first NaN in scan order), unlike TF.js which skips it', async () => {
    const g = poolGeometry(1, 2, 2, 1, 2, 2, 2, 2, 'valid');
    const out = new Float32Array(1);
    const argmax = new Int32Array(1);
    maxPoolForward(Float32Array.from([1, NaN, 5, NaN]), g, out, argmax);
    expect(out[0]).toBeNaN();
    expect(argmax[0]).toBe(1);
    maxPoolForward(Float32Array.from([NaN, 7, 5, 6]), g, out, argmax);
    expect(out[0]).toBeNaN();
    expect(argmax[0]).toBe(0);
    // Documents the divergence: TF.js (cpu) compares `pixel > max`, so NaN never wins there.
    await tf.setBackend('cpu');
    const t = tf.maxPool(tf.tensor4d([1, NaN, 5, 6], [1, 2, 2, 1]), 2, 2, 'valid');
    expect(Array.from(t.dataSync())).toEqual([6]);
    t.dispose();
  });

  it('backward routes dy to the argmax and accumulates on overlapping windows', () => {
    // 1×3 input [0, 5, 0], pool 1×2 stride 1: both windows pick index 1, so dx[1] = dy0 + dy1.
    const g = poolGeometry(1, 1, 3, 1, 1, 2, 1, 1, 'valid');
    const out = new Float32Array(2);
    const argmax = new Int32Array(2);
    maxPoolForward(Float32Array.from([0, 5, 0]), g, out, argmax);
    const dx = new Float32Array(3);
    maxPoolBackward(Float32Array.from([0.5, 2]), argmax, dx);
    expect(Array.from(dx)).toEqual([0, 2.5, 0]);

    // Random 3×3 stride 1 (every interior pixel is in 9 windows) against a direct scatter.
    const rand = mulberry32(77);
    const g2 = poolGeometry(2, 9, 8, 3, 3, 3, 1, 1, 'same');
    const x = testInput(2 * 9 * 8 * 3, rand, 'ties');
    const out2 = new Float32Array(outSize(g2));
    const am = new Int32Array(outSize(g2));
    maxPoolForward(x, g2, out2, am);
    const dy = randomArray(outSize(g2), rand);
    const got = new Float32Array(x.length);
    maxPoolBackward(dy, am, got);
    const ref = refMaxPool(x, g2);
    const want = new Float64Array(x.length);
    for (let i = 0; i < dy.length; i++) want[ref.argmax[i]!] += dy[i]!;
    expectClose(got, want, 1e-6, 'overlap scatter');
  });

  it('matches tf.maxPool and tf.maxPoolWithArgmax (cpu backend), incl. same', async () => {
    await tf.setBackend('cpu');
    const rand = mulberry32(11);
    const shapes: Case[] = [
      { batch: 2, inH: 26, inW: 26, C: 8, pH: 2, pW: 2, sH: 2, sW: 2, padding: 'valid' },
      { batch: 2, inH: 11, inW: 11, C: 4, pH: 2, pW: 2, sH: 2, sW: 2, padding: 'same' },
      { batch: 1, inH: 9, inW: 7, C: 3, pH: 3, pW: 3, sH: 2, sW: 2, padding: 'same' },
      { batch: 3, inH: 8, inW: 10, C: 2, pH: 3, pW: 2, sH: 1, sW: 2, padding: 'same' },
      { batch: 1, inH: 7, inW: 7, C: 5, pH: 3, pW: 3, sH: 2, sW: 2, padding: 'valid' },
    ];
    for (const c of shapes) {
      const g = geometryOf(c);
      const label = JSON.stringify(c);
      const x = testInput(c.batch * c.inH * c.inW * c.C, rand, 'continuous');
      const out = new Float32Array(outSize(g));
      const argmax = new Int32Array(outSize(g));
      maxPoolForward(x, g, out, argmax);
      const xt = tf.tensor4d(x, [c.batch, c.inH, c.inW, c.C]);
      const ref = tf.maxPool(xt, [c.pH, c.pW], [c.sH, c.sW], c.padding);
      expect(ref.shape, label).toEqual([c.batch, g.outH, g.outW, c.C]);
      expectSame(out, ref.dataSync(), label);
      const { result, indexes } = tf.maxPoolWithArgmax(xt, [c.pH, c.pW], [c.sH, c.sW], c.padding, true);
      expectSame(out, result.dataSync(), label);
      expectSame(argmax, indexes.dataSync(), `${label} argmax`);
      tf.dispose([xt, ref, result, indexes]);
    }
  });
});

describe('avgPoolForward / avgPoolBackward', () => {
  it("'same' divides by the real cells only (corners checked by hand)", () => {
    // 3×3 input 1..9, pool 2 stride 2 'same': out 2×2, pads (0, 1) on each axis.
    const g = poolGeometry(1, 3, 3, 1, 2, 2, 2, 2, 'same');
    const out = new Float32Array(4);
    avgPoolForward(Float32Array.from([1, 2, 3, 4, 5, 6, 7, 8, 9]), g, out);
    // (1+2+4+5)/4 = 3; (3+6)/2 = 4.5; (7+8)/2 = 7.5; bottom-right corner holds only 9 → 9
    expect(Array.from(out)).toEqual([3, 4.5, 7.5, 9]);

    // 4×4 input 1..16, pool 3 stride 1 'same': pads (1, 1); top-left window covers 1, 2, 5, 6.
    const g2 = poolGeometry(1, 4, 4, 1, 3, 3, 1, 1, 'same');
    const x2 = new Float32Array(16);
    for (let i = 0; i < 16; i++) x2[i] = i + 1;
    const out2 = new Float32Array(16);
    avgPoolForward(x2, g2, out2);
    expect(out2[0]).toBe((1 + 2 + 5 + 6) / 4); // not / 9
    expect(out2[5]).toBe((1 + 2 + 3 + 5 + 6 + 7 + 9 + 10 + 11) / 9); // interior: full window
    expect(out2[3]).toBe((3 + 4 + 7 + 8) / 4); // top-right corner
  });

  it('matches the reference on the shape grid', () => {
    const rand = mulberry32(31337);
    let checked = 0;
    for (const c of cases()) {
      const g = geometryOf(c);
      if (g.outH <= 0 || g.outW <= 0) continue;
      const x = randomArray(c.batch * c.inH * c.inW * c.C, rand);
      const out = new Float32Array(outSize(g)).fill(NaN);
      avgPoolForward(x, g, out);
      expectClose(out, refAvgPool(x, g), 1e-6, JSON.stringify(c));
      checked++;
    }
    expect(checked).toBeGreaterThan(200);
  });

  it('avgPoolBackward is the adjoint: <avg(x), dy> == <x, avgBack(dy)>, and accumulates', () => {
    const rand = mulberry32(8);
    let checked = 0;
    for (const c of cases()) {
      if (c.C === 3) continue;
      const g = geometryOf(c);
      if (g.outH <= 0 || g.outW <= 0) continue;
      const x = randomArray(c.batch * c.inH * c.inW * c.C, rand);
      const dy = randomArray(outSize(g), rand);
      const y = new Float32Array(outSize(g));
      avgPoolForward(x, g, y);
      const dx = new Float32Array(x.length);
      avgPoolBackward(dy, g, dx);
      const lhs = dot(y, dy);
      const rhs = dot(x, dx);
      let scale = 0;
      for (let i = 0; i < dy.length; i++) scale += Math.abs(y[i]! * dy[i]!);
      for (let i = 0; i < x.length; i++) scale += Math.abs(x[i]! * dx[i]!);
      const tol = c.pH * c.pW * 2 ** -22 * scale + 1e-12;
      expect(Math.abs(lhs - rhs), JSON.stringify(c)).toBeLessThanOrEqual(tol);
      checked++;
    }
    expect(checked).toBeGreaterThan(100);

    // Accumulation: running backward twice doubles the gradient.
    const g = poolGeometry(2, 7, 7, 3, 3, 3, 2, 2, 'same');
    const dy = randomArray(outSize(g), rand);
    const once = new Float32Array(2 * 7 * 7 * 3);
    avgPoolBackward(dy, g, once);
    const twice = Float32Array.from(once);
    avgPoolBackward(dy, g, twice);
    expectClose(twice, Array.from(once, (v) => 2 * v), 1e-6, 'accumulate');
  });

  it('matches tf.avgPool (cpu backend), incl. same', async () => {
    await tf.setBackend('cpu');
    const rand = mulberry32(12);
    const shapes: Case[] = [
      { batch: 2, inH: 26, inW: 26, C: 8, pH: 2, pW: 2, sH: 2, sW: 2, padding: 'valid' },
      { batch: 2, inH: 11, inW: 11, C: 4, pH: 2, pW: 2, sH: 2, sW: 2, padding: 'same' },
      { batch: 1, inH: 9, inW: 7, C: 3, pH: 3, pW: 3, sH: 2, sW: 2, padding: 'same' },
      { batch: 3, inH: 8, inW: 10, C: 2, pH: 3, pW: 2, sH: 1, sW: 2, padding: 'same' },
    ];
    for (const c of shapes) {
      const g = geometryOf(c);
      const x = randomArray(c.batch * c.inH * c.inW * c.C, rand);
      const out = new Float32Array(outSize(g));
      avgPoolForward(x, g, out);
      const ref = tf.avgPool(tf.tensor4d(x, [c.batch, c.inH, c.inW, c.C]), [c.pH, c.pW], [c.sH, c.sW], c.padding);
      expect(ref.shape).toEqual([c.batch, g.outH, g.outW, c.C]);
      expectClose(out, ref.dataSync(), 1e-6, JSON.stringify(c));
      ref.dispose();
    }
  });
});
