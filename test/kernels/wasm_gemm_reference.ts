// Shared by the GEMM tests (gemm.test.ts for the JavaScript kernel, simd_gemm and threads for
// the WebAssembly one): the float64 oracle, random cases and the tolerance.

import { expect } from 'vitest';
import { rng } from '../helpers/index.js';

/** gemm's arguments after the kernel choice: what every kernel under test is called with. */
export type GemmFn = (
  transA: boolean, transB: boolean, m: number, n: number, k: number,
  a: Float32Array, aOffset: number, lda: number,
  b: Float32Array, bOffset: number, ldb: number,
  c: Float32Array, cOffset: number, ldc: number,
  accumulate: boolean,
) => void;

export interface Case {
  transA: boolean; transB: boolean; m: number; n: number; k: number;
  a: Float32Array; aOffset: number; lda: number;
  b: Float32Array; bOffset: number; ldb: number;
  c: Float32Array; cOffset: number; ldc: number;
  accumulate: boolean;
}

/** mulberry32, the shared seeded PRNG (test/helpers), so that any failure reproduces exactly. */
export const mulberry32 = rng;

export function randomArray(length: number, rand: () => number, scale = 1): Float32Array {
  const x = new Float32Array(length);
  for (let i = 0; i < length; i++) x[i] = (2 * rand() - 1) * scale;
  return x;
}

export function maxAbs(x: ArrayLike<number>): number {
  let best = 0;
  for (let i = 0; i < x.length; i++) best = Math.max(best, Math.abs(x[i]!));
  return best;
}

/** A plain triple loop in float64 over the whole C array (so the view's outside can be checked). */
export function gemmReference(t: Case): Float64Array {
  const out = Float64Array.from(t.c);
  for (let i = 0; i < t.m; i++) {
    for (let j = 0; j < t.n; j++) {
      let sum = 0;
      for (let p = 0; p < t.k; p++) {
        const aip = t.transA ? t.a[t.aOffset + p * t.lda + i]! : t.a[t.aOffset + i * t.lda + p]!;
        const bpj = t.transB ? t.b[t.bOffset + j * t.ldb + p]! : t.b[t.bOffset + p * t.ldb + j]!;
        sum += aip * bpj;
      }
      const at = t.cOffset + i * t.ldc + j;
      out[at] = t.accumulate ? out[at]! + sum : sum;
    }
  }
  return out;
}

/**
 * A random case: each matrix at a random offset in a larger array, with a leading dimension
 * wider than its width, and random numbers in the padding (a kernel that reads the wrong
 * elements gets a wrong answer, not a lucky zero).
 */
export function makeCase(rand: () => number, transA: boolean, transB: boolean, m: number, n: number, k: number, accumulate: boolean): Case {
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

/** Runs `kernel` on a copy of the case's C and returns it. */
export function runCase(kernel: GemmFn, t: Case): Float32Array {
  const got = t.c.slice();
  kernel(t.transA, t.transB, t.m, t.n, t.k, t.a, t.aOffset, t.lda, t.b, t.bOffset, t.ldb, got, t.cOffset, t.ldc, t.accumulate);
  return got;
}

/**
 * Checks `got` against the float64 oracle: inside the view within 1e-5·(k·max|a|·max|b| + max|c₀|)
 * (the c₀ term only when accumulating), outside it bit for bit.
 *
 * Why that bound: each element of C is a sum of k products bounded by max|a|·max|b|, so its
 * partial sums are bounded by k·max|a|·max|b|; a float32 rounding of such a value costs at most
 * 2⁻²⁴ ≈ 6e-8 of it. gemm.ts sums in float64 and rounds to float32 about ⌈k/256⌉ + 1 times, and
 * plain float32 accumulation (the SIMD kernel, as BLAS) typically errs by ~√k roundings. 1e-5 ≈
 * 170 roundings leaves room for either, while a wrong index, a missed or doubled term, or a lost
 * k-block gives errors of the order of max|a|·max|b| itself, far above it for the k ≤ 600 used here.
 */
export function expectClose(t: Case, got: Float32Array, label: string): void {
  const want = gemmReference(t);
  const tol = 1e-5 * (t.k * maxAbs(t.a) * maxAbs(t.b) + (t.accumulate ? maxAbs(t.c) : 0));
  let worst = 0, worstAt = -1;
  for (let idx = 0; idx < got.length; idx++) {
    const err = Math.abs(got[idx]! - want[idx]!);
    if (!(err <= worst)) { worst = err; worstAt = idx; }
  }
  const what = `${label}: trans=${t.transA},${t.transB} m=${t.m} n=${t.n} k=${t.k} ` +
    `offsets=${t.aOffset},${t.bOffset},${t.cOffset} ld=${t.lda},${t.ldb},${t.ldc} accumulate=${t.accumulate}`;
  expect(worst, `${what}: worst error ${worst} at C[${worstAt}] (tolerance ${tol})`).toBeLessThanOrEqual(tol);
  for (let idx = 0; idx < got.length; idx++) {
    const row = Math.floor((idx - t.cOffset) / t.ldc), col = idx - t.cOffset - row * t.ldc;
    const inside = idx >= t.cOffset && row < t.m && col < t.n;
    if (!inside && !Object.is(got[idx], t.c[idx])) expect.fail(`${what}: C[${idx}] outside the view changed from ${t.c[idx]} to ${got[idx]}`);
  }
}

export const TRANS: [boolean, boolean][] = [[false, false], [false, true], [true, false], [true, true]];

/**
 * Awkward sizes for a 4×8 tile with KC = 256, MC = 128, NC = 2048 blocks: 1, sizes around the
 * tile (3, 4, 5, 7, 8, 9), past a k-block (257, 513), past MC rows (129, 257) and a
 * wide C (2100 > NC columns), plus those of gemm.test.ts.
 */
export const AWKWARD_SHAPES: [number, number, number][] = [
  [1, 1, 1], [1, 7, 33], [7, 1, 33], [33, 7, 1], [2, 3, 5], [4, 8, 4], [5, 9, 3], [3, 7, 8],
  [4, 4, 4], [5, 4, 3], [129, 33, 7], [7, 129, 257], [33, 257, 129], [257, 129, 33], [129, 257, 257],
  [5, 1100, 300], [64, 64, 256], [65, 67, 513], [9, 2100, 20], [260, 17, 260],
];

/** Asserts two Float32Arrays are identical bit for bit (fast, unlike toEqual on large arrays). */
export function expectBitIdentical(got: Float32Array, want: Float32Array, label: string): void {
  expect(got.length, label).toBe(want.length);
  const g = new Uint32Array(got.buffer, got.byteOffset, got.length);
  const w = new Uint32Array(want.buffer, want.byteOffset, want.length);
  for (let i = 0; i < g.length; i++) {
    if (g[i] !== w[i]) expect.fail(`${label}: element ${i} differs: ${got[i]} vs ${want[i]}`);
  }
}
