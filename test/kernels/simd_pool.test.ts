// The WebAssembly SIMD max pool (wasm/pool_module.ts) against the JavaScript kernel (pool.ts),
// which is the reference: outputs and argmax must be the same bits on every shape, padding and
// window, with ties, all-negative windows, NaN (the first NaN wins) and −Infinity. Run through the
// engine directly (so that tiny shapes reach WebAssembly too) and through maxPool2d with both
// kernel kinds, gradient included.

import { afterAll, describe, expect, it } from 'vitest';
import * as tk from '../../src/index.js';
import * as ops from '../../src/ops/index.js';
import { conv2dGeometry, poolGeometry, type Conv2DGeometry, type Padding } from '../../src/tensor/kernels/conv_geometry.js';
import { MAXPOOL_MIN_FLOATS, getKernels, maxPoolForward as maxPoolAuto, setKernels } from '../../src/tensor/kernels/engine.js';
import { maxPoolForward } from '../../src/tensor/kernels/pool.js';
import { SimdGemm } from '../../src/tensor/kernels/wasm/simd_gemm.js';
import { rng } from '../helpers/index.js';

const engine = SimdGemm.create(false);
const kernelsBefore = getKernels();
afterAll(() => { setKernels(kernelsBefore); });

type Fill = 'continuous' | 'ties' | 'negative' | 'nan' | 'infinity';

/** Input values: continuous, small integers (many ties), all negative, or with NaN / −Infinity sprinkled in. */
function input(n: number, rand: () => number, fill: Fill): Float32Array {
  const a = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    if (fill === 'ties') a[i] = Math.floor(rand() * 3);
    else if (fill === 'negative') a[i] = -1 - Math.floor(rand() * 4);
    else a[i] = rand() * 2 - 1;
    if (fill === 'nan' && rand() < 0.15) a[i] = NaN;
    if (fill === 'infinity' && rand() < 0.5) a[i] = -Infinity;
  }
  return a;
}

/** Runs both kernels and expects the same bits in out (Object.is: NaN, −0) and the same argmax. */
function expectSame(x: Float32Array, g: Conv2DGeometry, label: string): void {
  const n = g.batch * g.outH * g.outW * g.inC;
  const jsOut = new Float32Array(n), jsArg = new Int32Array(n);
  const simdOut = new Float32Array(n).fill(12345), simdArg = new Int32Array(n).fill(12345);
  maxPoolForward(x, g, jsOut, jsArg);
  engine.maxPool(x, g, g.batch, simdOut, simdArg);
  for (let i = 0; i < n; i++) {
    if (!Object.is(jsOut[i], simdOut[i]) || jsArg[i] !== simdArg[i]) {
      throw new Error(`${label}: output ${i}: js ${jsOut[i]} @ ${jsArg[i]}, simd ${simdOut[i]} @ ${simdArg[i]}`);
    }
  }
}

const POOLS: { k: number; s: number }[] = [{ k: 2, s: 2 }, { k: 3, s: 2 }, { k: 2, s: 1 }];

describe('simd max pool: the same bits as the JavaScript kernel', () => {
  for (const fill of ['continuous', 'ties', 'negative', 'nan', 'infinity'] as const) {
    it(`random shapes, ${fill} values: C 1, 3, 4, 5, 32, 64 × sizes 1, 7, 13, 26 × 3 pools × valid/same × batch 1, 3`, () => {
      const rand = rng(4100 + fill.length);
      let cases = 0;
      for (const C of [1, 3, 4, 5, 32, 64]) {
        for (const size of [1, 7, 13, 26]) {
          for (const { k, s } of POOLS) {
            for (const padding of ['valid', 'same'] as Padding[]) {
              for (const batch of [1, 3]) {
                // Non-square images too: width = size or size + 1 at random.
                const w = size + (rand() < 0.5 ? 1 : 0);
                const g = poolGeometry(batch, size, w, C, k, k, s, s, padding);
                if (g.outH <= 0 || g.outW <= 0) continue;
                expectSame(input(batch * size * w * C, rand, fill), g, `${fill} C=${C} ${size}×${w} pool ${k} stride ${s} ${padding} batch ${batch}`);
                cases++;
              }
            }
          }
        }
      }
      expect(cases).toBeGreaterThan(250);
    });
  }

  it('non-square pools and strides, and dilated windows (with empty windows: −Infinity, argmax −1)', () => {
    const rand = rng(4200);
    for (const [kH, kW, sH, sW] of [[2, 3, 1, 2], [3, 1, 2, 1], [1, 1, 1, 1], [4, 4, 3, 3]] as const) {
      for (const padding of ['valid', 'same'] as Padding[]) {
        const g = poolGeometry(2, 9, 8, 6, kH, kW, sH, sW, padding);
        expectSame(input(2 * 9 * 8 * 6, rand, 'ties'), g, `pool ${kH}×${kW} strides ${sH}×${sW} ${padding}`);
      }
    }
    for (const padding of ['valid', 'same'] as Padding[]) {
      const g = conv2dGeometry(2, 7, 9, 5, 3, 2, 2, 1, 2, 3, padding);
      expectSame(input(2 * 7 * 9 * 5, rand, 'nan'), g, `dilated ${padding}`);
    }
    // A hand-made geometry whose first output row's window lies wholly in the padding.
    const g: Conv2DGeometry = { ...conv2dGeometry(1, 2, 2, 5, 1, 1, 1, 1, 1, 1, 'valid'), padTop: 1, outH: 3 };
    expectSame(input(20, rand, 'continuous'), g, 'empty windows');
    const out = new Float32Array(3 * 2 * 5), argmax = new Int32Array(out.length);
    engine.maxPool(input(20, rand, 'continuous'), g, 1, out, argmax);
    expect(Array.from(out.subarray(0, 10))).toEqual(new Array(10).fill(-Infinity));
    expect(Array.from(argmax.subarray(0, 10))).toEqual(new Array(10).fill(-1));
  });

  it('ties go to the first cell in (kh, kw) order; all-negative windows give their max; the first NaN wins', () => {
    // One 2×2 window over 5 channels (a block of 4 and a scalar tail), channel by channel:
    //   c0 all equal → tap 0 · c1 all −3 → tap 0 · c2 [−5, −2, −2, −9] → tap 1 · c3 [1, NaN, NaN, 9] → tap 1
    //   c4 [−Inf, −Inf, −Inf, −Inf] → tap 0
    const taps = [
      [7, -3, -5, 1, -Infinity],
      [7, -3, -2, NaN, -Infinity],
      [7, -3, -2, NaN, -Infinity],
      [7, -3, -9, 9, -Infinity],
    ];
    const x = new Float32Array(20);
    const cell = [0, 1, 2, 3]; // tap t of the 2×2 window is pixel t of the 2×2 image
    taps.forEach((values, t) => values.forEach((v, c) => { x[cell[t]! * 5 + c] = v; }));
    const g = poolGeometry(1, 2, 2, 5, 2, 2, 2, 2, 'valid');
    const out = new Float32Array(5), argmax = new Int32Array(5);
    engine.maxPool(x, g, 1, out, argmax);
    expect(Array.from(out)).toEqual([7, -3, -2, NaN, -Infinity]);
    expect(Array.from(argmax)).toEqual([0, 1, 5 + 2, 5 + 3, 4]);
    expectSame(x, g, 'hand case');
    // The same window through the general loop (3×3 'same' on the 2×2 image: border windows).
    expectSame(x, poolGeometry(1, 2, 2, 5, 3, 3, 1, 1, 'same'), 'hand case, border windows');
  });
});

describe('maxPool2d with the SIMD kernels', () => {
  it('routes above MAXPOOL_MIN_FLOATS and gives the JS kernel\'s bits through the engine', () => {
    const rand = rng(4300);
    for (const [N, H, C] of [[1, 4, 3], [2, 26, 32], [3, 11, 64]] as const) {
      const g = poolGeometry(N, H, H, C, 2, 2, 2, 2, 'valid');
      const x = input(N * H * H * C, rand, 'ties');
      const n = N * g.outH * g.outW * C;
      const results = (['js', 'simd'] as const).map((kind) => {
        setKernels(kind);
        const out = new Float32Array(n), argmax = new Int32Array(n);
        maxPoolAuto(x, g, out, argmax);
        return { out, argmax };
      });
      expect(results[1]!.out).toEqual(results[0]!.out);
      expect(results[1]!.argmax).toEqual(results[0]!.argmax);
    }
    expect(() => maxPoolAuto(new Float32Array(3), poolGeometry(1, 2, 2, 1, 2, 2, 2, 2, 'valid'), new Float32Array(1), new Int32Array(1)))
      .toThrow(/maxPoolForward: x has 3 numbers for 4/);
  });

  for (const kind of ['js', 'simd'] as const) {
    it(`forward and gradient match between kernels, and the gradient checks by finite differences (${kind})`, () => {
      setKernels(kind);
      const rand = rng(4400);
      // Above the threshold, so that 'simd' runs the WebAssembly kernel: 2·9·9·8 floats.
      const shape = [2, 9, 9, 8];
      const size = shape.reduce((a, b) => a * b, 1);
      expect(size).toBeGreaterThanOrEqual(MAXPOOL_MIN_FLOATS);
      // Distinct values 0.1 apart, shuffled: each window's argmax is stable under a small step.
      const vals = Array.from({ length: size }, (_, i) => (i - size / 2) * 0.1);
      for (let i = size - 1; i > 0; i--) { const j = Math.floor(rand() * (i + 1)); [vals[i], vals[j]] = [vals[j]!, vals[i]!]; }
      const x = tk.tensor(vals, shape);
      for (const f of [
        (t: tk.Tensor) => ops.maxPool2d(t, 2),
        (t: tk.Tensor) => ops.maxPool2d(t, 3, 2, 'same'),
        (t: tk.Tensor) => ops.maxPool2d(t, 2, 1, 'same'),
      ]) {
        const report = tk.gradientCheckReport(f, [x]);
        expect(report.maxError, JSON.stringify(report)).toBeLessThan(1e-3);
      }
    });
  }
});
