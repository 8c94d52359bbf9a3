import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { gemm } from '../../src/tensor/kernels/gemm.js';
import { rng as mulberry32 } from '../helpers/index.js';
// The oracle (a float64 triple loop over the whole C array, so that what lies outside the view is
// checked too), the random cases (views at offsets in larger arrays, random padding) and the
// tolerance, shared with the SIMD and thread tests.
import { expectClose, makeCase, maxAbs, randomArray, runCase, TRANS, type Case } from './wasm_gemm_reference.js';

/** gemm on a copy of the case's C. */
const run = (t: Case): Float32Array => runCase(gemm, t);


describe('gemm', () => {
  // Awkward sizes: 1, primes below/above the 4×4 tile, and sizes just past the block sizes
  // (129 > 2·MC rows, 257 > KC deep, 1100 > NC columns) so every edge path runs.
  const shapes: [number, number, number][] = [
    [1, 1, 1], [1, 7, 33], [7, 1, 33], [33, 7, 1], [2, 3, 5], [4, 4, 4], [5, 4, 3],
    [129, 33, 7], [7, 129, 257], [33, 257, 129], [257, 129, 33], [129, 257, 257],
    [5, 1100, 300], [64, 64, 256], [65, 67, 513],
  ];

  for (const [transA, transB] of TRANS) {
    it(`matches the float64 reference, transA=${transA} transB=${transB}`, () => {
      const rand = mulberry32(1000 + Number(transA) * 2 + Number(transB));
      for (const [m, n, k] of shapes) {
        for (const accumulate of [false, true]) {
          const t = makeCase(rand, transA, transB, m, n, k, accumulate);
          expectClose(t, run(t), 'gemm');
        }
      }
    });
  }

  it('matches the reference on random shapes up to 70', () => {
    const rand = mulberry32(7);
    for (let trial = 0; trial < 200; trial++) {
      const [transA, transB] = TRANS[trial % 4]!;
      const size = () => Math.floor(rand() * 71);
      const t = makeCase(rand, transA, transB, size(), size(), size(), rand() < 0.5);
      expectClose(t, run(t), 'gemm');
    }
  });

  it('k = 0: writes zeros when overwriting, leaves C alone when accumulating', () => {
    const rand = mulberry32(3);
    for (const [transA, transB] of TRANS) {
      for (const [m, n] of [[1, 1], [3, 5], [37, 70]] as const) {
        const over = makeCase(rand, transA, transB, m, n, 0, false);
        const got = run(over);
        for (let i = 0; i < m; i++) {
          for (let j = 0; j < n; j++) expect(got[over.cOffset + i * over.ldc + j]).toBe(0);
        }
        expectClose(over, got, 'gemm, k = 0'); // and nothing outside the view changed

        const acc = makeCase(rand, transA, transB, m, n, 0, true);
        expect(run(acc)).toEqual(acc.c);
      }
    }
  });

  it('m = 0 or n = 0: touches nothing', () => {
    const rand = mulberry32(4);
    for (const [transA, transB] of TRANS) {
      for (const [m, n, k] of [[0, 5, 3], [5, 0, 3], [0, 0, 0], [0, 7, 0]] as const) {
        for (const accumulate of [false, true]) {
          const t = makeCase(rand, transA, transB, m, n, k, accumulate);
          expect(run(t)).toEqual(t.c);
        }
      }
    }
  });

  it('accepts zero-length arrays when the product is empty', () => {
    const empty = new Float32Array(0);
    expect(() => gemm(false, false, 0, 0, 0, empty, 0, 0, empty, 0, 0, empty, 0, 0, false)).not.toThrow();
    const c = new Float32Array([5, 6]);
    gemm(false, false, 1, 2, 0, empty, 0, 0, empty, 0, 2, c, 0, 2, false);
    expect(Array.from(c)).toEqual([0, 0]);
  });

  it('keeps Inf and NaN in their own rows and columns (the zero padding does not leak)', () => {
    // 6×6 = 4×4 tile + edges; a non-finite value in A row 5 must only reach C row 5.
    const m = 6, n = 6, k = 5;
    const rand = mulberry32(5);
    const a = randomArray(m * k, rand), b = randomArray(k * n, rand), c = new Float32Array(m * n);
    a[5 * k + 2] = Infinity;
    b[1 * n + 4] = NaN;
    gemm(false, false, m, n, k, a, 0, k, b, 0, n, c, 0, n, false);
    for (let i = 0; i < m; i++) {
      for (let j = 0; j < n; j++) {
        const finite = Number.isFinite(c[i * n + j]!);
        expect(finite, `C[${i}][${j}]`).toBe(i !== 5 && j !== 4);
      }
    }
  });

  it('gives the same result on repeated calls (the module scratch buffers carry no state)', () => {
    const rand = mulberry32(6);
    const t = makeCase(rand, false, true, 70, 90, 300, false);
    const first = run(t);
    run(makeCase(rand, true, false, 100, 20, 50, true)); // something else in between
    expect(run(t)).toEqual(first);
  });

  it('throws, naming gemm, when a view does not fit in its array', () => {
    const x = new Float32Array(6);
    expect(() => gemm(false, false, 2, 3, 3, x, 1, 3, new Float32Array(9), 0, 3, new Float32Array(6), 0, 3, false))
      .toThrow(/gemm: A \(stored m×k = 2×3, offset 1, ld 3\) needs 7 elements but its array has 6/);
    expect(() => gemm(true, false, 2, 3, 3, x.subarray(1), 0, 2, new Float32Array(9), 0, 3, new Float32Array(6), 0, 3, false))
      .toThrow(/gemm: A \(stored k×m = 3×2/);
    expect(() => gemm(false, false, 2, 3, 3, new Float32Array(6), 0, 3, new Float32Array(8), 0, 3, new Float32Array(6), 0, 3, false))
      .toThrow(/gemm: B .*needs 9 elements but its array has 8/);
    expect(() => gemm(false, false, 2, 3, 3, new Float32Array(6), 0, 2, new Float32Array(9), 0, 3, new Float32Array(6), 0, 3, false))
      .toThrow(/gemm: lda = 2 is less than the 3 columns of A/);
    expect(() => gemm(false, false, -1, 3, 3, x, 0, 3, x, 0, 3, x, 0, 3, false)).toThrow(/gemm: m must be/);
  });

  it('property: (A·B)ᵀ = Bᵀ·Aᵀ through the transpose flags', () => {
    const dims = fc.integer({ min: 1, max: 24 });
    fc.assert(
      fc.property(dims, dims, dims, fc.integer(), (m, n, k, seed) => {
        const rand = mulberry32(seed);
        const a = randomArray(m * k, rand), b = randomArray(k * n, rand);
        // C = A·B, m×n.
        const c = new Float32Array(m * n);
        gemm(false, false, m, n, k, a, 0, k, b, 0, n, c, 0, n, false);
        // D = Bᵀ·Aᵀ, n×m: B is stored k×n, so op(B stored) = Bᵀ needs transA; A likewise.
        const d = new Float32Array(n * m);
        gemm(true, true, n, m, k, b, 0, n, a, 0, k, d, 0, m, false);
        const tol = 1e-5 * k * maxAbs(a) * maxAbs(b);
        for (let i = 0; i < m; i++) {
          for (let j = 0; j < n; j++) {
            if (!(Math.abs(c[i * n + j]! - d[j * m + i]!) <= tol)) return false;
          }
        }
        return true;
      }),
      { seed: 42, numRuns: 200 },
    );
  });

  it('property: accumulating twice gives 2·A·B', () => {
    const dims = fc.integer({ min: 1, max: 40 });
    fc.assert(
      fc.property(dims, dims, dims, fc.boolean(), fc.boolean(), fc.integer(), (m, n, k, transA, transB, seed) => {
        const rand = mulberry32(seed);
        const a = randomArray(m * k, rand), b = randomArray(k * n, rand);
        const lda = transA ? m : k, ldb = transB ? k : n;
        const once = new Float32Array(m * n), twice = new Float32Array(m * n).fill(NaN);
        gemm(transA, transB, m, n, k, a, 0, lda, b, 0, ldb, once, 0, n, false);
        gemm(transA, transB, m, n, k, a, 0, lda, b, 0, ldb, twice, 0, n, false);
        gemm(transA, transB, m, n, k, a, 0, lda, b, 0, ldb, twice, 0, n, true);
        const tol = 2e-5 * k * maxAbs(a) * maxAbs(b);
        return twice.every((v, i) => Math.abs(v - 2 * once[i]!) <= tol);
      }),
      { seed: 43, numRuns: 200 },
    );
  });
});
