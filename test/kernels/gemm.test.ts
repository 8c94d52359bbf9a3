import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { gemm } from '../../src/tensor/kernels/gemm.js';
import { rng as mulberry32 } from '../helpers/index.js';

// ---------------------------------------------------------------------------------------------
// The oracle: a plain triple loop in float64, reading op(A) and op(B) through the same
// (offset, leading dimension, transpose) conventions as gemm. It returns a float64 copy of the
// whole C array, so the test can also check that gemm leaves everything outside the view alone.
// ---------------------------------------------------------------------------------------------

function gemmReference(
  transA: boolean, transB: boolean, m: number, n: number, k: number,
  a: Float32Array, aOffset: number, lda: number,
  b: Float32Array, bOffset: number, ldb: number,
  c: Float32Array, cOffset: number, ldc: number,
  accumulate: boolean,
): Float64Array {
  const out = Float64Array.from(c);
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      let sum = 0;
      for (let p = 0; p < k; p++) {
        const aip = transA ? a[aOffset + p * lda + i] : a[aOffset + i * lda + p];
        const bpj = transB ? b[bOffset + j * ldb + p] : b[bOffset + p * ldb + j];
        sum += aip * bpj;
      }
      out[cOffset + i * ldc + j] = accumulate ? out[cOffset + i * ldc + j] + sum : sum;
    }
  }
  return out;
}


function randomArray(length: number, rand: () => number, scale = 1): Float32Array {
  const x = new Float32Array(length);
  for (let i = 0; i < length; i++) x[i] = (2 * rand() - 1) * scale;
  return x;
}

function maxAbs(x: ArrayLike<number>): number {
  let best = 0;
  for (let i = 0; i < x.length; i++) best = Math.max(best, Math.abs(x[i]!));
  return best;
}

interface Case {
  transA: boolean; transB: boolean; m: number; n: number; k: number;
  a: Float32Array; aOffset: number; lda: number;
  b: Float32Array; bOffset: number; ldb: number;
  c: Float32Array; cOffset: number; ldc: number;
  accumulate: boolean;
}

/**
 * Builds a random case: each matrix sits at a random offset in a larger array, with a leading
 * dimension wider than its logical width, and the padding filled with random numbers too (so a
 * kernel that reads the wrong elements gets a wrong answer, not a lucky zero).
 */
function makeCase(rand: () => number, transA: boolean, transB: boolean, m: number, n: number, k: number, accumulate: boolean): Case {
  const pick = (max: number) => Math.floor(rand() * (max + 1));
  const [aRows, aCols] = transA ? [k, m] : [m, k];
  const [bRows, bCols] = transB ? [n, k] : [k, n];
  const aOffset = pick(5), lda = aCols + pick(3);
  const bOffset = pick(5), ldb = bCols + pick(3);
  const cOffset = pick(5), ldc = n + pick(3);
  const a = randomArray(aOffset + aRows * lda + pick(3), rand);
  const b = randomArray(bOffset + bRows * ldb + pick(3), rand, 2);
  const c = randomArray(cOffset + m * ldc + pick(3), rand, 3);
  return { transA, transB, m, n, k, a, aOffset, lda, b, bOffset, ldb, c, cOffset, ldc, accumulate };
}

function run(t: Case): { got: Float32Array; want: Float64Array } {
  const want = gemmReference(t.transA, t.transB, t.m, t.n, t.k, t.a, t.aOffset, t.lda, t.b, t.bOffset, t.ldb,
    t.c, t.cOffset, t.ldc, t.accumulate);
  const got = t.c.slice();
  gemm(t.transA, t.transB, t.m, t.n, t.k, t.a, t.aOffset, t.lda, t.b, t.bOffset, t.ldb, got, t.cOffset, t.ldc, t.accumulate);
  return { got, want };
}

/**
 * Tolerance for one case: 1e-5 · (k · max|a| · max|b| + max|c₀|) (the c₀ term only when
 * accumulating). Why: each element of C is a sum of k products bounded by max|a|·max|b|, so its
 * partial sums are bounded by k·max|a|·max|b|; a float32 rounding of such a value costs at most
 * 2⁻²⁴ ≈ 6e-8 of it. gemm sums in float64 and rounds to float32 about ⌈k/256⌉ + 1 times, and
 * even plain float32 accumulation (as in BLAS) typically errs by ~√k roundings. 1e-5 ≈ 170
 * roundings leaves room for either, while a wrong index, a missed or doubled term, or a lost
 * k-block gives errors of the order of max|a|·max|b| itself, far above it for k ≤ 1100 here.
 */
function tolerance(t: Case): number {
  const c0 = t.accumulate ? maxAbs(t.c) : 0;
  return 1e-5 * (t.k * maxAbs(t.a) * maxAbs(t.b) + c0);
}

/** Compares the whole C array: inside the view within the tolerance, outside it bit for bit. */
function expectClose(t: Case, got: Float32Array, want: Float64Array): void {
  const tol = tolerance(t);
  let worst = 0, worstAt = -1;
  for (let idx = 0; idx < got.length; idx++) {
    const err = Math.abs(got[idx]! - want[idx]!);
    if (!(err <= worst)) { worst = err; worstAt = idx; }
  }
  const what = `trans=${t.transA},${t.transB} m=${t.m} n=${t.n} k=${t.k} ` +
    `offsets=${t.aOffset},${t.bOffset},${t.cOffset} ld=${t.lda},${t.ldb},${t.ldc} accumulate=${t.accumulate}`;
  expect(worst, `${what}: worst error ${worst} at C[${worstAt}] (tolerance ${tol})`).toBeLessThanOrEqual(tol);
  // Outside the view (before the offset, between n and ldc, after the last row) nothing changes.
  for (let idx = 0; idx < got.length; idx++) {
    const row = Math.floor((idx - t.cOffset) / t.ldc), col = idx - t.cOffset - row * t.ldc;
    const inside = idx >= t.cOffset && row < t.m && col < t.n;
    if (!inside && got[idx] !== t.c[idx]) {
      expect.fail(`${what}: C[${idx}] outside the view changed from ${t.c[idx]} to ${got[idx]}`);
    }
  }
}

const TRANS: [boolean, boolean][] = [[false, false], [false, true], [true, false], [true, true]];

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
          const { got, want } = run(t);
          expectClose(t, got, want);
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
      const { got, want } = run(t);
      expectClose(t, got, want);
    }
  });

  it('k = 0: writes zeros when overwriting, leaves C alone when accumulating', () => {
    const rand = mulberry32(3);
    for (const [transA, transB] of TRANS) {
      for (const [m, n] of [[1, 1], [3, 5], [37, 70]] as const) {
        const over = makeCase(rand, transA, transB, m, n, 0, false);
        const { got, want } = run(over);
        for (let i = 0; i < m; i++) {
          for (let j = 0; j < n; j++) expect(got[over.cOffset + i * over.ldc + j]).toBe(0);
        }
        expectClose(over, got, want); // and nothing outside the view changed

        const acc = makeCase(rand, transA, transB, m, n, 0, true);
        expect(run(acc).got).toEqual(acc.c);
      }
    }
  });

  it('m = 0 or n = 0: touches nothing', () => {
    const rand = mulberry32(4);
    for (const [transA, transB] of TRANS) {
      for (const [m, n, k] of [[0, 5, 3], [5, 0, 3], [0, 0, 0], [0, 7, 0]] as const) {
        for (const accumulate of [false, true]) {
          const t = makeCase(rand, transA, transB, m, n, k, accumulate);
          expect(run(t).got).toEqual(t.c);
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
    const first = run(t).got;
    run(makeCase(rand, true, false, 100, 20, 50, true)); // something else in between
    expect(run(t).got).toEqual(first);
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
