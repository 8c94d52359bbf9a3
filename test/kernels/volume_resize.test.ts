// The 3-D window kernels (vol2col / col2vol, 3-D max and average pooling) and the half-pixel
// bilinear resize, against plain references written here: index loops over the definitions, in
// float64, bounds tested per tap; col2vol and the resize's backward as exact adjoints.

import { describe, expect, it } from 'vitest';
import { maxPoolBackward } from '../../src/tensor/kernels/pool.js';
import { avgPool3dBackward, avgPool3dForward, maxPool3dForward } from '../../src/tensor/kernels/pool3d.js';
import { halfPixelTaps, resizeBilinearBackward, resizeBilinearForward } from '../../src/tensor/kernels/resize.js';
import { col2vol, conv3dGeometry, vol2col, type Conv3DGeometry } from '../../src/tensor/kernels/vol2col.js';
import { expectClose, randArray, rng } from '../helpers/index.js';

const rand = rng(77);

/** Every tap of every window: (output index, input index or −1 outside, tap index). */
function windows(g: Conv3DGeometry, visit: (o: number, i: number, t: number, n: number, c: number) => void): void {
  const { batch, inD, inH, inW, inC: C, kD, kH, kW, strideD, strideH, strideW, dilationD, dilationH, dilationW, padFront, padTop, padLeft, outD, outH, outW } = g;
  let o = 0;
  for (let n = 0; n < batch; n++) for (let a = 0; a < outD; a++) for (let b = 0; b < outH; b++) for (let e = 0; e < outW; e++, o++) {
    let t = 0;
    for (let p = 0; p < kD; p++) for (let q = 0; q < kH; q++) for (let r = 0; r < kW; r++, t++) {
      const z = a * strideD + p * dilationD - padFront, h = b * strideH + q * dilationH - padTop, w = e * strideW + r * dilationW - padLeft;
      const inside = z >= 0 && z < inD && h >= 0 && h < inH && w >= 0 && w < inW;
      for (let c = 0; c < C; c++) visit(o, inside ? (((n * inD + z) * inH + h) * inW + w) * C + c : -1, t, n, c);
    }
  }
}

const GEOMETRIES: [string, Conv3DGeometry][] = [
  ['2×2×2 valid', conv3dGeometry(2, 3, 4, 3, 2, [2, 2, 2], [1, 1, 1], [1, 1, 1], 'valid')],
  ['3×3×3 same, strides [1, 2, 2]', conv3dGeometry(1, 4, 5, 6, 3, [3, 3, 3], [1, 2, 2], [1, 1, 1], 'same')],
  ['[2, 3, 2] dilations [2, 1, 2], valid', conv3dGeometry(2, 5, 4, 6, 1, [2, 3, 2], [1, 1, 1], [2, 1, 2], 'valid')],
  ['2×2×2 stride 2 same (odd sizes)', conv3dGeometry(1, 5, 3, 5, 4, [2, 2, 2], [2, 2, 2], [1, 1, 1], 'same')],
];

describe('vol2col / col2vol', () => {
  for (const [name, g] of GEOMETRIES) {
    it(`${name}: vol2col is the patch matrix; col2vol its exact adjoint`, () => {
      const x = randArray(g.batch * g.inD * g.inH * g.inW * g.inC, rand);
      const K = g.kD * g.kH * g.kW * g.inC;
      const rows = g.batch * g.outD * g.outH * g.outW;
      const cols = new Float32Array(rows * K).fill(NaN); // every entry must be written
      vol2col(x, g, 0, g.batch, cols);
      const expected = new Float64Array(rows * K);
      windows(g, (o, i, t, _n, c) => { expected[o * K + t * g.inC + c] = i < 0 ? 0 : x[i]!; });
      expectClose(cols, expected, { rtol: 0, atol: 0 });
      // ⟨vol2col(x), r⟩ = ⟨x, col2vol(r)⟩, and col2vol adds into what dx holds.
      const r = randArray(rows * K, rand);
      const dx = new Float32Array(x.length).fill(0.5);
      col2vol(r, g, 0, g.batch, dx);
      const back = new Float64Array(x.length).fill(0.5);
      windows(g, (o, i, t, _n, c) => { if (i >= 0) back[i] += r[o * K + t * g.inC + c]!; });
      expectClose(dx, back, { rtol: 1e-6, atol: 1e-6 });
    });
  }

  it('a sub-range of the batch writes only its rows and reads only its images', () => {
    const g = conv3dGeometry(3, 3, 3, 3, 2, [2, 2, 2], [1, 1, 1], [1, 1, 1], 'valid');
    const x = randArray(3 * 27 * 2, rand);
    const K = 16;
    const P = 8;
    const all = new Float32Array(3 * P * K);
    vol2col(x, g, 0, 3, all);
    const one = new Float32Array(P * K);
    vol2col(x, g, 1, 1, one);
    expect(Array.from(one)).toEqual(Array.from(all.subarray(P * K, 2 * P * K)));
  });
});

describe('3-D pooling kernels', () => {
  for (const [name, g] of GEOMETRIES.filter(([, g]) => g.dilationD === 1)) {
    it(`${name}: max (first maximum, argmax into x), average over the real cells, its adjoint`, () => {
      const x = randArray(g.batch * g.inD * g.inH * g.inW * g.inC, rand);
      const outs = g.batch * g.outD * g.outH * g.outW * g.inC;
      const max = new Float64Array(outs).fill(-Infinity);
      const arg = new Int32Array(outs).fill(-1);
      const sum = new Float64Array(outs);
      const count = new Float64Array(outs);
      windows(g, (o, i, _t, _n, c) => {
        if (i < 0) return;
        const k = o * g.inC + c;
        if (x[i]! > max[k]!) { max[k] = x[i]!; arg[k] = i; }
        sum[k] += x[i]!;
        count[k]++;
      });
      const out = new Float32Array(outs);
      const argmax = new Int32Array(outs);
      maxPool3dForward(x, g, out, argmax);
      expectClose(out, max, { rtol: 0, atol: 0 });
      expect(Array.from(argmax)).toEqual(Array.from(arg));
      const avg = new Float32Array(outs);
      avgPool3dForward(x, g, avg);
      expectClose(avg, sum.map((s, k) => s / count[k]!), { rtol: 1e-6, atol: 1e-6 });
      const dy = randArray(outs, rand);
      const dx = new Float32Array(x.length);
      avgPool3dBackward(dy, g, dx);
      const back = new Float64Array(x.length);
      windows(g, (o, i, _t, _n, c) => { if (i >= 0) back[i] += dy[o * g.inC + c]! / count[o * g.inC + c]!; });
      expectClose(dx, back, { rtol: 1e-6, atol: 1e-6 });
      const dmax = new Float32Array(x.length);
      maxPoolBackward(dy, argmax, dmax);
      const backMax = new Float64Array(x.length);
      arg.forEach((i, k) => { backMax[i] += dy[k]!; });
      expectClose(dmax, backMax, { rtol: 1e-6, atol: 1e-6 });
    });
  }

  it('NaN propagates through max pooling (pool.ts\'s rule), ties go to the first cell', () => {
    const g = conv3dGeometry(1, 1, 1, 4, 1, [1, 1, 2], [1, 1, 2], [1, 1, 1], 'valid');
    const out = new Float32Array(2);
    const argmax = new Int32Array(2);
    maxPool3dForward(Float32Array.of(1, NaN, 5, 5), g, out, argmax);
    expect(Number.isNaN(out[0])).toBe(true);
    expect(Array.from(argmax)).toEqual([1, 2]);
  });
});

describe('half-pixel bilinear resize', () => {
  /** The triangle-kernel definition (Keras's numpy backend): weights max(0, 1 − |src − j|) over the pixels that exist, renormalised. */
  function axisWeights(inN: number, outN: number): Float64Array {
    const m = new Float64Array(outN * inN);
    for (let i = 0; i < outN; i++) {
      const src = (i + 0.5) * (inN / outN) - 0.5;
      let total = 0;
      for (let j = 0; j < inN; j++) total += Math.max(0, 1 - Math.abs(src - j));
      for (let j = 0; j < inN; j++) m[i * inN + j] = Math.max(0, 1 - Math.abs(src - j)) / total;
    }
    return m;
  }

  for (const [N, H, W, C, outH, outW] of [[2, 3, 4, 2, 6, 8], [1, 2, 3, 1, 7, 3], [1, 5, 6, 3, 2, 4], [1, 1, 4, 1, 1, 8]] as const) {
    it(`${N}×${H}×${W}×${C} → ${outH}×${outW}: equals the renormalised triangle kernel; the backward is its adjoint`, () => {
      const x = randArray(N * H * W * C, rand);
      const wh = axisWeights(H, outH);
      const ww = axisWeights(W, outW);
      const expected = new Float64Array(N * outH * outW * C);
      for (let n = 0; n < N; n++) for (let i = 0; i < outH; i++) for (let j = 0; j < outW; j++) for (let c = 0; c < C; c++) {
        let s = 0;
        for (let a = 0; a < H; a++) for (let b = 0; b < W; b++) s += wh[i * H + a]! * ww[j * W + b]! * x[((n * H + a) * W + b) * C + c]!;
        expected[((n * outH + i) * outW + j) * C + c] = s;
      }
      const y = new Float32Array(expected.length);
      resizeBilinearForward(x, N, H, W, C, outH, outW, y);
      expectClose(y, expected, { rtol: 1e-6, atol: 1e-6 });
      const dy = randArray(expected.length, rand);
      const dx = new Float32Array(x.length);
      resizeBilinearBackward(dy, N, H, W, C, outH, outW, dx);
      const back = new Float64Array(x.length);
      for (let n = 0; n < N; n++) for (let i = 0; i < outH; i++) for (let j = 0; j < outW; j++) for (let c = 0; c < C; c++) {
        for (let a = 0; a < H; a++) for (let b = 0; b < W; b++) back[((n * H + a) * W + b) * C + c] += wh[i * H + a]! * ww[j * W + b]! * dy[((n * outH + i) * outW + j) * C + c]!;
      }
      expectClose(dx, back, { rtol: 1e-6, atol: 1e-6 });
    });
  }

  it('halfPixelTaps: the sheet\'s example (in 4, out 8)', () => {
    const t = halfPixelTaps(4, 8);
    expect(Array.from(t.lo)).toEqual([0, 0, 0, 1, 1, 2, 2, 3]);
    expect(Array.from(t.hi)).toEqual([0, 1, 1, 2, 2, 3, 3, 3]);
    expect(Array.from(t.t)).toEqual([0.75, 0.25, 0.75, 0.25, 0.75, 0.25, 0.75, 0.25]);
  });
});
