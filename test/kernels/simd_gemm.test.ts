// The WebAssembly SIMD GEMM against the float64 oracle, the same properties gemm.test.ts checks
// for the JavaScript kernel (awkward sizes, all transposes, offsets, leading dimensions,
// accumulate, edges), on 1, 2 and 3 threads, through the engine directly (so that small shapes
// reach the SIMD kernel too, below gemmAuto's thresholds) and through gemmAuto with both kernels.

import { afterAll, describe, expect, it } from 'vitest';
import { conv2dGeometry, type Conv2DGeometry } from '../../src/tensor/kernels/conv_geometry.js';
import {
  gemmAuto, gemmCol2im, getKernels, getNumThreads, im2colGemm, im2colGemmT, reluBackward, setKernels, setNumThreads,
} from '../../src/tensor/kernels/engine.js';
import { biasActivation } from '../../src/tensor/kernels/epilogue.js';
import { gemm } from '../../src/tensor/kernels/gemm.js';
import { SimdGemm, simdSupported } from '../../src/tensor/kernels/wasm/simd_gemm.js';
import { AWKWARD_SHAPES, TRANS, expectBitIdentical, expectClose, makeCase, mulberry32, randomArray, runCase, type GemmFn } from './wasm_gemm_reference.js';

const shared = SimdGemm.create(true);
const unshared = SimdGemm.create(false);
afterAll(() => { shared.stopThreads(); });

/** The SIMD engine on `threads` threads, with gemm's signature (m, n, k ≥ 1 only). */
function simdOn(engine: SimdGemm, threads: number): GemmFn {
  return (transA, transB, m, n, k, a, aOffset, lda, b, bOffset, ldb, c, cOffset, ldc, accumulate) =>
    engine.run(threads, transA, transB, m, n, k, a, aOffset, lda, b, bOffset, ldb, c, cOffset, ldc, accumulate);
}

describe('simd gemm kernel', () => {
  it('is supported here (Node 20 has WebAssembly SIMD)', () => {
    expect(simdSupported()).toBe(true);
    expect(simdSupported(() => false)).toBe(false);
    expect(simdSupported(() => { throw new Error('no wasm'); })).toBe(false);
  });

  for (const threads of [1, 2, 3]) {
    for (const [transA, transB] of TRANS) {
      it(`matches the float64 reference on awkward shapes, ${threads} thread(s), transA=${transA} transB=${transB}`, () => {
        const rand = mulberry32(2000 + threads * 4 + Number(transA) * 2 + Number(transB));
        for (const [m, n, k] of AWKWARD_SHAPES) {
          for (const accumulate of [false, true]) {
            const t = makeCase(rand, transA, transB, m, n, k, accumulate);
            expectClose(t, runCase(simdOn(shared, threads), t), `simd×${threads}`);
          }
        }
      });
    }
  }

  it('matches the reference on 300 random shapes up to 70, on 1 and 2 threads', () => {
    const rand = mulberry32(77);
    for (let trial = 0; trial < 300; trial++) {
      const [transA, transB] = TRANS[trial % 4]!;
      const size = () => 1 + Math.floor(rand() * 70);
      const t = makeCase(rand, transA, transB, size(), size(), size(), rand() < 0.5);
      expectClose(t, runCase(simdOn(shared, 1 + (trial % 2)), t), `simd×${1 + (trial % 2)}`);
    }
  });

  it('matches the reference on larger random shapes (several chunks per thread)', () => {
    const rand = mulberry32(78);
    for (let trial = 0; trial < 12; trial++) {
      const [transA, transB] = TRANS[trial % 4]!;
      const size = () => 1 + Math.floor(rand() * 400);
      const t = makeCase(rand, transA, transB, size(), size(), size(), rand() < 0.5);
      expectClose(t, runCase(simdOn(shared, 2 + (trial % 3)), t), `simd×${2 + (trial % 3)}`);
    }
  });

  it('works on unshared memory (a page without cross-origin isolation): threads are ignored', () => {
    expect(unshared.shared).toBe(false);
    const rand = mulberry32(79);
    for (const [m, n, k] of [[70, 90, 300], [5, 9, 3], [129, 257, 257]] as const) {
      const t = makeCase(rand, true, false, m, n, k, true);
      expectClose(t, runCase(simdOn(unshared, 2), t), 'unshared simd');
    }
  });

  it('keeps Inf and NaN in their own rows and columns, on 1 and 2 threads', () => {
    // 12×20 = 3×2 full 4×8 tiles plus edges; non-finite values in A row 9 and B column 17.
    const m = 12, n = 20, k = 300;
    const rand = mulberry32(5);
    const a = randomArray(m * k, rand), b = randomArray(k * n, rand);
    a[9 * k + 2] = Infinity;
    b[200 * n + 17] = NaN;
    for (const threads of [1, 2]) {
      const c = new Float32Array(m * n);
      shared.run(threads, false, false, m, n, k, a, 0, k, b, 0, n, c, 0, n, false);
      for (let i = 0; i < m; i++) {
        for (let j = 0; j < n; j++) expect(Number.isFinite(c[i * n + j]!), `C[${i}][${j}] on ${threads}`).toBe(i !== 9 && j !== 17);
      }
    }
  });

  it('grows its memory for a large product after small ones, and still reads the small ones right', () => {
    const rand = mulberry32(80);
    const small = makeCase(rand, false, false, 9, 10, 11, false);
    const before = runCase(simdOn(shared, 2), small);
    const big = makeCase(rand, false, true, 700, 650, 600, false); // ~5 MB of operands
    expectClose(big, runCase(simdOn(shared, 2), big), 'big');
    expectBitIdentical(runCase(simdOn(shared, 2), small), before, 'small again');
  });

  it('gives bit-identical results on 1, 2, 3 and 4 threads and on repeated runs', () => {
    const rand = mulberry32(81);
    for (const [transA, transB] of TRANS) {
      const t = makeCase(rand, transA, transB, 333, 257, 300, true);
      const first = runCase(simdOn(shared, 1), t);
      for (const threads of [2, 3, 4, 2, 1]) expectBitIdentical(runCase(simdOn(shared, threads), t), first, `${threads} threads`);
    }
  });
});

describe('gemmAuto', () => {
  const saved = { kernels: getKernels(), threads: getNumThreads() };
  afterAll(() => { setKernels(saved.kernels); setNumThreads(saved.threads); });

  it('matches the reference with both kernels and several thread counts, small and large', () => {
    const rand = mulberry32(90);
    const shapes: [number, number, number][] = [[1, 1, 1], [3, 5, 7], [1, 300, 200], [200, 1, 300], [40, 40, 40], [130, 70, 260], [300, 200, 150]];
    for (const kind of ['js', 'simd'] as const) {
      setKernels(kind);
      for (const threads of [1, 2, 3]) {
        setNumThreads(threads);
        for (const [m, n, k] of shapes) {
          for (const [transA, transB] of TRANS) {
            const t = makeCase(rand, transA, transB, m, n, k, rand() < 0.5);
            expectClose(t, runCase(gemmAuto, t), `gemmAuto ${kind}×${threads}`);
          }
        }
      }
    }
  });

  it('handles k = 0 (zeros, or C unchanged when accumulating) and m = 0 / n = 0 with either kernel', () => {
    const rand = mulberry32(91);
    for (const kind of ['js', 'simd'] as const) {
      setKernels(kind);
      const over = makeCase(rand, false, false, 50, 60, 0, false);
      const got = runCase(gemmAuto, over);
      for (let i = 0; i < 50; i++) for (let j = 0; j < 60; j++) expect(got[over.cOffset + i * over.ldc + j]).toBe(0);
      const acc = makeCase(rand, true, true, 50, 60, 0, true);
      expect(runCase(gemmAuto, acc)).toEqual(acc.c);
      for (const [m, n] of [[0, 500], [500, 0]] as const) {
        const empty = makeCase(rand, false, false, m, n, 300, false);
        expect(runCase(gemmAuto, empty)).toEqual(empty.c);
      }
    }
  });

  it('throws, naming gemm, when a view does not fit, whichever kernel would run', () => {
    setKernels('simd');
    const a = new Float32Array(100 * 100 - 1), b = new Float32Array(100 * 100), c = new Float32Array(100 * 100);
    expect(() => gemmAuto(false, false, 100, 100, 100, a, 0, 100, b, 0, 100, c, 0, 100, false))
      .toThrow(/gemm: A \(stored m×k = 100×100, offset 0, ld 100\) needs 10000 elements but its array has 9999/);
    expect(() => gemmAuto(false, false, 100, 100, 100, b, 0, 99, b, 0, 100, c, 0, 100, false)).toThrow(/gemm: lda = 99/);
  });

  it('agrees with the JS kernel to float32 accuracy on a product as conv2d makes it (Aᵀ·B accumulated)', () => {
    const rand = mulberry32(92);
    const K = 288, F = 64, rows = 1000;
    const cols = randomArray(rows * K, rand), dz = randomArray(rows * F, rand);
    const js = new Float32Array(K * F), simd = new Float32Array(K * F);
    for (const [out, kind] of [[js, 'js'], [simd, 'simd']] as const) {
      setKernels(kind);
      gemmAuto(true, false, K, F, rows / 2, cols, 0, K, dz, 0, F, out, 0, F, false);
      gemmAuto(true, false, K, F, rows / 2, cols, (rows / 2) * K, K, dz, (rows / 2) * F, F, out, 0, F, true);
    }
    const want = new Float32Array(K * F);
    gemm(true, false, K, F, rows, cols, 0, K, dz, 0, F, want, 0, F, false);
    for (let i = 0; i < want.length; i++) {
      expect(Math.abs(js[i]! - want[i]!)).toBeLessThan(1e-4);
      expect(Math.abs(simd[i]! - want[i]!)).toBeLessThan(1e-3);
    }
  });
});

describe('the fused epilogue and the relu backward', () => {
  afterAll(() => { setKernels('simd'); setNumThreads(2); });

  /** Random numbers with exact zeros, negative zeros, NaN and ±Infinity sprinkled in. */
  function awkwardArray(length: number, rand: () => number): Float32Array {
    const x = randomArray(length, rand);
    const specials = [0, -0, Number.NaN, Infinity, -Infinity];
    for (let i = 0; i < length; i += 17) x[i] = specials[Math.floor(rand() * specials.length)]!;
    return x;
  }

  it('bias + relu after the product: the same bits as the JS epilogue, on 1 and 2 threads', () => {
    const rand = mulberry32(93);
    for (const [m, n, k] of [[600, 32, 9], [300, 64, 288], [50, 37, 70], [1000, 6, 40]] as const) {
      const a = randomArray(m * k, rand), b = randomArray(k * n, rand), bias = awkwardArray(n, rand);
      for (const relu of [false, true]) {
        for (const withBias of [false, true]) {
          const epilogue = { bias: withBias ? bias : null, relu };
          // The JS epilogue applied to the SIMD kernel's product...
          setKernels('simd'); setNumThreads(1);
          const want = new Float32Array(m * n);
          gemmAuto(false, false, m, n, k, a, 0, k, b, 0, n, want, 0, n, false);
          biasActivation(want, 0, m, n, epilogue.bias, relu);
          // ...equals the fused one, whoever computes which block.
          for (const threads of [1, 2]) {
            setNumThreads(threads);
            const got = new Float32Array(m * n);
            gemmAuto(false, false, m, n, k, a, 0, k, b, 0, n, got, 0, n, false, epilogue);
            expectBitIdentical(got, want, `${m}×${n}×${k} relu=${relu} bias=${withBias} threads=${threads}`);
          }
        }
      }
    }
  });

  it('reluBackward: dz and the float64 column sums, the same bits in JS and SIMD, odd widths included', () => {
    const rand = mulberry32(94);
    for (const [rows, F] of [[2000, 32], [700, 64], [999, 5], [3000, 3], [5000, 1]] as const) {
      const dy = awkwardArray(rows * F, rand), y = awkwardArray(rows * F, rand);
      const out: { dz: Float32Array; sums: Float64Array }[] = [];
      for (const kind of ['js', 'simd'] as const) {
        setKernels(kind);
        const dz = new Float32Array(rows * F + 3).fill(7), sums = Float64Array.from({ length: F }, (_, f) => f / 3);
        reluBackward(dy, y, dz, F, sums);
        out.push({ dz, sums });
      }
      expectBitIdentical(out[1]!.dz, out[0]!.dz, `dz ${rows}×${F}`);
      expect(Array.from(out[1]!.sums)).toEqual(Array.from(out[0]!.sums));
      expect(Array.from(out[0]!.dz.subarray(rows * F))).toEqual([7, 7, 7]); // past dy's length: untouched
      for (let i = 0; i < rows * F; i += 101) {
        expect(Object.is(out[0]!.dz[i], Math.fround(dy[i]! * (y[i]! > 0 ? 1 : 0)))).toBe(true);
      }
    }
    expect(() => reluBackward(new Float32Array(6), new Float32Array(5), new Float32Array(6), 3, null)).toThrow(/reluBackward: dy has 6 numbers, y 5/);
    // A dz longer than dy (conv2d reuses one buffer): its tail is neither written nor summed.
    for (const kind of ['js', 'simd'] as const) {
      setKernels(kind);
      for (const rows of [2, 5000]) {
        const dz = new Float32Array(rows * 2 + 10).fill(100), sums = new Float64Array(2);
        reluBackward(new Float32Array(rows * 2).fill(1), new Float32Array(rows * 2).fill(1), dz, 2, sums);
        expect(Array.from(sums), `${kind}, ${rows} rows`).toEqual([rows, rows]);
      }
    }
  });
});

describe('convolution chains (im2col → GEMM, GEMM → col2im) in WebAssembly', () => {
  afterAll(() => { setKernels('simd'); setNumThreads(2); });

  /** Small integers: every product and sum is exact in float32, so any order gives the same bits. */
  function integers(length: number, rand: () => number): Float32Array {
    return Float32Array.from({ length }, () => Math.floor(rand() * 7) - 3);
  }

  const geometries: [string, Conv2DGeometry][] = [
    ['MNIST layer 1 (1 channel)', conv2dGeometry(5, 28, 28, 1, 3, 3, 1, 1, 1, 1, 'valid')],
    ['MNIST layer 2 (32 channels)', conv2dGeometry(3, 13, 13, 32, 3, 3, 1, 1, 1, 1, 'valid')],
    ["'same', stride 2, 3 channels", conv2dGeometry(4, 17, 15, 3, 3, 3, 2, 2, 1, 1, 'same')],
    ["'same' 4×4 on 9×9, odd pads, 5 channels", conv2dGeometry(2, 9, 9, 5, 4, 4, 1, 1, 1, 1, 'same')],
    ['dilation 2, strides [2, 1], 6 channels', conv2dGeometry(2, 20, 18, 6, 3, 2, 2, 1, 2, 2, 'valid')],
    ["'same' 5×5 dilated, 7 channels", conv2dGeometry(2, 12, 12, 7, 5, 5, 1, 1, 2, 1, 'same')],
  ];

  for (const [name, g] of geometries) {
    it(`${name}: the same bits as the JS kernels, on 1 and 2 threads`, () => {
      const rand = mulberry32(95 + g.inC);
      const F = 24, P = g.outH * g.outW, K = g.kH * g.kW * g.inC, N = g.batch;
      const x = integers(N * g.inH * g.inW * g.inC, rand), w = integers(K * F, rand), bias = integers(F, rand);
      const dz = integers(N * P * F, rand);
      const cols = new Float32Array(N * P * K);
      const run = (kind: 'js' | 'simd', threads: number) => {
        setKernels(kind); setNumThreads(threads);
        const y = new Float32Array(N * P * F).fill(NaN), dW = new Float32Array(K * F).fill(NaN), dx = new Float32Array(x.length);
        // Two chunks of images, as conv2d makes them: the second accumulates into dW.
        const first = Math.ceil(N / 2);
        for (const [b0, count] of [[0, first], [first, N - first]] as const) {
          im2colGemm(x, g, b0, count, cols, w, F, y, { bias, relu: true });
          im2colGemmT(x, g, b0, count, cols, dz, F, dW, b0 > 0);
          gemmCol2im(dz, g, b0, count, cols, w, F, dx);
        }
        return { y, dW, dx };
      };
      const want = run('js', 1);
      expect(want.y.some((v) => v > 0) && want.y.some((v) => v === 0)).toBe(true); // relu did something
      for (const threads of [1, 2]) {
        const got = run('simd', threads);
        expectBitIdentical(got.y, want.y, `${name}: y, ${threads} threads`);
        expectBitIdentical(got.dW, want.dW, `${name}: dW, ${threads} threads`);
        expectBitIdentical(got.dx, want.dx, `${name}: dx, ${threads} threads`);
      }
    });
  }

  it('agree with the JS kernels to float32 accuracy on random real data', () => {
    const rand = mulberry32(99);
    const g = conv2dGeometry(4, 13, 13, 32, 3, 3, 1, 1, 1, 1, 'valid');
    const F = 64, P = g.outH * g.outW, K = g.kH * g.kW * g.inC;
    const x = randomArray(4 * 13 * 13 * 32, rand), w = randomArray(K * F, rand, 0.1), dz = randomArray(4 * P * F, rand);
    const cols = new Float32Array(4 * P * K);
    const out: Float32Array[][] = [];
    for (const kind of ['js', 'simd'] as const) {
      setKernels(kind); setNumThreads(2);
      const y = new Float32Array(4 * P * F), dW = new Float32Array(K * F), dx = new Float32Array(x.length);
      im2colGemm(x, g, 0, 4, cols, w, F, y, { bias: null, relu: false });
      im2colGemmT(x, g, 0, 4, cols, dz, F, dW, false);
      gemmCol2im(dz, g, 0, 4, cols, w, F, dx);
      out.push([y, dW, dx]);
    }
    for (let t = 0; t < 3; t++) {
      for (let i = 0; i < out[0]![t]!.length; i++) expect(Math.abs(out[0]![t]![i]! - out[1]![t]![i]!)).toBeLessThan(2e-3);
    }
  });
});
