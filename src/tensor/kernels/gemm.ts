// GEMM, general matrix multiply: C = op(A)·op(B) or C += op(A)·op(B), on Float32Arrays.
// The performance core: matmul, Dense and conv2d (through im2col) all end up here.
//
// The loop nest is the one of GotoBLAS / BLIS (Goto & van de Geijn, "Anatomy of
// high-performance matrix multiplication", 2008):
//
//   for jc over the columns of C, NC at a time
//     for pc over the shared dimension k, KC at a time
//       pack op(B)[pc:pc+KC, jc:jc+NC] into NR-wide slivers        (the B panel, in L2/L3)
//       for ic over the rows of C, MC at a time
//         pack op(A)[ic:ic+MC, pc:pc+KC] into MR-tall slivers     (the A block, in L2)
//         for jr over the NC columns, NR at a time                (one B sliver, KC×NR, in L1)
//           for ir over the MC rows, MR at a time
//             micro-kernel: the MR×NR tile of C (+)= A sliver · B sliver
//
// Packing copies a block into the exact order the micro-kernel reads it, so the kernel walks
// two slivers front to back with unit stride whatever the layout of the caller's matrices. It
// is also where transposes happen: op(A)[i][p] is read through a (row stride, column stride)
// pair, and a transposed operand just swaps the two strides. Nothing is materialised transposed.
//
// JavaScript has no SIMD, so the speed comes from the micro-kernel keeping its MR×NR tile of C
// in local variables (V8 keeps them in xmm registers, spilling a few) across the whole k loop:
// per step it loads MR + NR numbers and does MR·NR multiply-adds, and never touches C. A naive
// triple loop loads and stores C, or loads two numbers, for every single multiply-add.

/** Micro-kernel rows: the height of one packed A sliver. */
const MR = 3;
/** Micro-kernel columns: the width of one packed B sliver. */
const NR = 4;
// Measured in Node 20 (V8 11.3) on an AMD EPYC (Zen 4), n = 1024, one thread, GFLOPS:
//   3×4 5.6 · 4×3 5.6 · 2×6 5.6 · 4×4 5.4 · 2×8 5.3 · 3×6 5.3 · 3×3 5.2 · 3×8 5.0 · 6×4 4.9
// The loop is bound by instruction count, not by arithmetic: each load also costs an index
// computation and a bounds check, so bigger tiles should win, but V8 has only 15 xmm registers
// for doubles and TurboFan schedules all the multiplies of a step before the adds, so past
// ~12 accumulators the spills to the stack cost more than the loads saved.

/** Depth of a packed block: one KC×NR B sliver (8 KB of doubles) stays in L1. */
const KC = 256;
/** Rows of A packed at once: MC×KC doubles = 96 KB, inside L2. A multiple of MR. */
const MC = 48;
/** Columns of B packed at once: KC×NC doubles = 2 MB, inside L3. A multiple of NR. */
const NC = 1024;
// Other sizes (KC 128…512, MC 24…192, NC 512…4096) measured within noise (±3%) of these at
// n = 1024: at ~3 instructions per flop the kernel is far from memory-bound once packed. The
// blocking shows at n = 2048, where one block the size of the whole matrix (no tiling) drops
// from 5.7 to 4.9 GFLOPS.

// NOTE: the packed panels live in one plain JS array, not a Float32Array, for speed that does
// not depend on how V8 happens to compile the kernel. Filled with 0.5 (a non-integer), the
// array gets unboxed float64 elements from the start, so loads need no float32→float64
// conversion and, unlike typed-array loads, no "was the buffer detached?" check. V8 compiles
// that check into every typed-array load once anything in the process has detached an
// ArrayBuffer (tsx's loader does, at startup), which made a Float32Array kernel 20% slower
// under tsx. A Float64Array (no conversion either) measured as fast in a bare process, but
// 15–25% slower than this array once the process holds TF.js and the SIMD engine's workers
// (median of alternating calls at n = 256/512/1024: 0.76–0.85× the speed). With one array rather
// than two, the kernel also reloads the bounds of one array per step instead of two (~5%).
// The A block takes the first MC·KC slots, the B panel the KC·NC after it. Allocated once (2 MB,
// 4 ms) and reused by every call: JS runs this single-threaded, so module-level scratch is safe.
const B_PANEL = MC * KC;
const packed: number[] = new Array<number>(MC * KC + KC * NC).fill(0.5);
/** The micro-kernel writes partial tiles on the right and bottom edges of C here first. */
const edgeTile = new Float32Array(MR * NR);

/**
 * General matrix multiply on row-major Float32Arrays: `C = op(A)·op(B)`, or `C += op(A)·op(B)`
 * when `accumulate` is true, where `op(X)` is `X` or its transpose `Xᵀ`.
 *
 * Each matrix is a view into an array: it starts at `offset`, and consecutive rows are `ld`
 * ("leading dimension", the row stride) elements apart, so a sub-block of a larger matrix can
 * be used in place. `op(A)` is m×k, `op(B)` is k×n, `C` is m×n.
 * - `transA` false: A is stored m×k (`lda ≥ k`); true: A is stored k×m (`lda ≥ m`).
 * - `transB` false: B is stored k×n (`ldb ≥ n`); true: B is stored n×k (`ldb ≥ k`).
 * - `ldc ≥ n`. C must not overlap A or B.
 *
 * Works for any m, n, k ≥ 0; with k = 0 the product is all zeros (C is zeroed, or left as is
 * when accumulating).
 *
 * NOTE: numerics. Products of two float32 numbers are exact in float64, and the micro-kernel
 * sums them in float64 locals (JS numbers) over blocks of up to KC = 256 terms; C is rounded to
 * float32 once per block (the direct path, for a single row or column, rounds once). This is
 * more accurate than float32 BLAS, which accumulates in float32: the error is at most about
 * ⌈k/256⌉ + 1 float32 roundings of the partial sums. Different block boundaries can change the
 * last bits, within that bound.
 *
 * @example
 * // [1 2 3] · [[1], [2], [3]] = [14]; then C += Aᵀ·Bᵀ for 2×2 matrices
 * const c = new Float32Array(1);
 * gemm(false, false, 1, 1, 3, new Float32Array([1, 2, 3]), 0, 3, new Float32Array([1, 2, 3]), 0, 1, c, 0, 1, false);
 * // c = [14]
 * const a = new Float32Array([1, 2, 3, 4]), b = new Float32Array([5, 6, 7, 8]), d = new Float32Array(4);
 * gemm(true, true, 2, 2, 2, a, 0, 2, b, 0, 2, d, 0, 2, true);
 * // d = Aᵀ·Bᵀ = [[1,3],[2,4]]·[[5,7],[6,8]] = [23, 31, 34, 46]
 */
export function gemm(
  transA: boolean, transB: boolean,
  m: number, n: number, k: number,
  a: Float32Array, aOffset: number, lda: number,
  b: Float32Array, bOffset: number, ldb: number,
  c: Float32Array, cOffset: number, ldc: number,
  accumulate: boolean,
): void {
  checkArguments(transA, transB, m, n, k, a, aOffset, lda, b, bOffset, ldb, c, cOffset, ldc);
  if (m === 0 || n === 0) return;

  // op(A)[i][p] is a[aOffset + i·aRowStride + p·aColStride]; likewise op(B)[p][j].
  const aRowStride = transA ? 1 : lda;
  const aColStride = transA ? lda : 1;
  const bRowStride = transB ? 1 : ldb;
  const bColStride = transB ? ldb : 1;

  if (k === 0) {
    if (!accumulate) {
      for (let i = 0; i < m; i++) c.fill(0, cOffset + i * ldc, cOffset + i * ldc + n);
    }
    return;
  }
  // A C with a single row or column, or smaller than one MR×NR tile, would be mostly zero
  // padding in the tiles: compute it directly. Anything larger is faster blocked. Measured:
  // 1×1×256 0.8 µs direct vs 4.1 µs blocked; 512×1×512 0.51 ms vs 0.62 ms; 1×512×512 a tie;
  // but 3×4×4 0.39 µs direct vs 0.29 µs blocked, and 2×512×512 1.1 ms vs 0.53 ms.
  if (m === 1 || n === 1 || m * n < MR * NR) {
    gemmSmall(m, n, k, a, aOffset, aRowStride, aColStride, b, bOffset, bRowStride, bColStride,
      c, cOffset, ldc, accumulate);
    return;
  }

  for (let jc = 0; jc < n; jc += NC) {
    const nc = Math.min(NC, n - jc);
    for (let pc = 0; pc < k; pc += KC) {
      const kc = Math.min(KC, k - pc);
      // The first k-block overwrites C unless accumulating; later blocks add to it.
      const overwrite = pc === 0 && !accumulate;
      packB(kc, nc, b, bOffset + pc * bRowStride + jc * bColStride, bRowStride, bColStride);
      for (let ic = 0; ic < m; ic += MC) {
        const mc = Math.min(MC, m - ic);
        packA(mc, kc, a, aOffset + ic * aRowStride + pc * aColStride, aRowStride, aColStride);
        macroKernel(mc, nc, kc, c, cOffset + ic * ldc + jc, ldc, overwrite);
      }
    }
  }
}

/**
 * Copies the mc×kc block of op(A) starting at `start` into the A block of `packed` as MR-tall
 * slivers: sliver s holds rows s·MR … s·MR+MR-1, column by column (MR numbers per column), so
 * the micro-kernel reads it with unit stride. Rows past mc are padded with zeros.
 */
function packA(mc: number, kc: number, a: Float32Array, start: number, rowStride: number, colStride: number): void {
  const dst = packed;
  let t = 0;
  for (let ir = 0; ir < mc; ir += MR) {
    const row0 = start + ir * rowStride;
    if (mc - ir >= MR) {
      const row1 = row0 + rowStride, row2 = row1 + rowStride;
      for (let p = 0, q = 0; p < kc; p++, q += colStride) {
        dst[t] = a[row0 + q];
        dst[t + 1] = a[row1 + q];
        dst[t + 2] = a[row2 + q];
        t += 3; // MR
      }
    } else {
      const rows = mc - ir;
      for (let p = 0; p < kc; p++) {
        for (let i = 0; i < MR; i++) dst[t++] = i < rows ? a[row0 + i * rowStride + p * colStride] : 0;
      }
    }
  }
}

/**
 * Copies the kc×nc block of op(B) starting at `start` into the B panel of `packed` as NR-wide
 * slivers: sliver s holds columns s·NR … s·NR+NR-1, row by row (NR numbers per row). Columns
 * past nc are padded with zeros.
 */
function packB(kc: number, nc: number, b: Float32Array, start: number, rowStride: number, colStride: number): void {
  const dst = packed;
  let t = B_PANEL;
  for (let jr = 0; jr < nc; jr += NR) {
    const col0 = start + jr * colStride;
    if (nc - jr >= NR) {
      const col1 = col0 + colStride, col2 = col1 + colStride, col3 = col2 + colStride;
      for (let p = 0, q = 0; p < kc; p++, q += rowStride) {
        dst[t] = b[col0 + q];
        dst[t + 1] = b[col1 + q];
        dst[t + 2] = b[col2 + q];
        dst[t + 3] = b[col3 + q];
        t += 4; // NR
      }
    } else {
      const cols = nc - jr;
      for (let p = 0; p < kc; p++) {
        for (let j = 0; j < NR; j++) dst[t++] = j < cols ? b[col0 + j * colStride + p * rowStride] : 0;
      }
    }
  }
}

/**
 * Multiplies the packed mc×kc block of A by the packed kc×nc panel of B into C (whose top-left
 * is `cStart`), one MR×NR tile at a time. Tiles cut by the edge of C go through edgeTile.
 */
function macroKernel(mc: number, nc: number, kc: number, c: Float32Array, cStart: number, ldc: number, overwrite: boolean): void {
  for (let jr = 0; jr < nc; jr += NR) {
    const cols = Math.min(NR, nc - jr);
    // Sliver jr/NR of the B panel starts NR·kc·(jr/NR) = jr·kc after it; likewise for A.
    const bSliver = B_PANEL + jr * kc;
    for (let ir = 0; ir < mc; ir += MR) {
      const rows = Math.min(MR, mc - ir);
      const tile = cStart + ir * ldc + jr;
      if (rows === MR && cols === NR) {
        microKernel(kc, ir * kc, bSliver, c, tile, ldc, overwrite);
      } else {
        microKernel(kc, ir * kc, bSliver, edgeTile, 0, NR, true);
        for (let i = 0; i < rows; i++) {
          for (let j = 0; j < cols; j++) {
            if (overwrite) c[tile + i * ldc + j] = edgeTile[i * NR + j];
            else c[tile + i * ldc + j] += edgeTile[i * NR + j];
          }
        }
      }
    }
  }
}

/**
 * The register-blocked inner kernel: a 3×4 tile of C (+)= (3×kc A sliver)·(kc×4 B sliver).
 * The 12 sums are local variables (float64), so each step of the k loop loads 7 numbers for 12
 * multiply-adds. `aStart` and `bStart` index `packed`; `cStart` is the tile's top-left in c.
 */
function microKernel(kc: number, aStart: number, bStart: number, c: Float32Array, cStart: number, ldc: number, overwrite: boolean): void {
  const w = packed;
  let c00 = 0, c01 = 0, c02 = 0, c03 = 0;
  let c10 = 0, c11 = 0, c12 = 0, c13 = 0;
  let c20 = 0, c21 = 0, c22 = 0, c23 = 0;
  let ai = aStart, bi = bStart;
  for (let p = 0; p < kc; p++) {
    const a0 = w[ai], a1 = w[ai + 1], a2 = w[ai + 2];
    const b0 = w[bi], b1 = w[bi + 1], b2 = w[bi + 2], b3 = w[bi + 3];
    c00 += a0 * b0; c01 += a0 * b1; c02 += a0 * b2; c03 += a0 * b3;
    c10 += a1 * b0; c11 += a1 * b1; c12 += a1 * b2; c13 += a1 * b3;
    c20 += a2 * b0; c21 += a2 * b1; c22 += a2 * b2; c23 += a2 * b3;
    // Literals rather than MR and NR: V8 reloads a module-level const (and checks that it is
    // initialised) on every iteration; measured 1–2% here.
    ai += 3;
    bi += 4;
  }
  const r0 = cStart, r1 = r0 + ldc, r2 = r1 + ldc;
  if (overwrite) {
    c[r0] = c00; c[r0 + 1] = c01; c[r0 + 2] = c02; c[r0 + 3] = c03;
    c[r1] = c10; c[r1 + 1] = c11; c[r1 + 2] = c12; c[r1 + 3] = c13;
    c[r2] = c20; c[r2 + 1] = c21; c[r2 + 2] = c22; c[r2 + 3] = c23;
  } else {
    c[r0] += c00; c[r0 + 1] += c01; c[r0 + 2] += c02; c[r0 + 3] += c03;
    c[r1] += c10; c[r1 + 1] += c11; c[r1 + 2] += c12; c[r1 + 3] += c13;
    c[r2] += c20; c[r2 + 1] += c21; c[r2 + 2] += c22; c[r2 + 3] += c23;
  }
}

/**
 * The direct path, for a C that is a single row or column or smaller than one tile: one
 * float64 dot product per element of C, reading the operands in place through their strides.
 */
function gemmSmall(
  m: number, n: number, k: number,
  a: Float32Array, aStart: number, aRowStride: number, aColStride: number,
  b: Float32Array, bStart: number, bRowStride: number, bColStride: number,
  c: Float32Array, cStart: number, ldc: number, accumulate: boolean,
): void {
  for (let i = 0; i < m; i++) {
    const aRow = aStart + i * aRowStride;
    const cRow = cStart + i * ldc;
    for (let j = 0; j < n; j++) {
      const bCol = bStart + j * bColStride;
      let sum = 0;
      for (let p = 0; p < k; p++) sum += a[aRow + p * aColStride] * b[bCol + p * bRowStride];
      if (accumulate) c[cRow + j] += sum;
      else c[cRow + j] = sum;
    }
  }
}

/** Throws (naming gemm and the offending sizes) if a view does not fit in its array. */
export function checkArguments(
  transA: boolean, transB: boolean, m: number, n: number, k: number,
  a: Float32Array, aOffset: number, lda: number,
  b: Float32Array, bOffset: number, ldb: number,
  c: Float32Array, cOffset: number, ldc: number,
): void {
  for (const [name, value] of [['m', m], ['n', n], ['k', k], ['aOffset', aOffset], ['bOffset', bOffset], ['cOffset', cOffset]] as const) {
    if (!Number.isInteger(value) || value < 0) throw new Error(`gemm: ${name} must be a non-negative integer, got ${value}`);
  }
  checkView('A', a, aOffset, lda, transA ? k : m, transA ? m : k, transA ? 'k×m' : 'm×k');
  checkView('B', b, bOffset, ldb, transB ? n : k, transB ? k : n, transB ? 'n×k' : 'k×n');
  checkView('C', c, cOffset, ldc, m, n, 'm×n');
}

function checkView(name: string, x: Float32Array, offset: number, ld: number, rows: number, cols: number, shape: string): void {
  if (!Number.isInteger(ld) || ld < cols) {
    throw new Error(`gemm: ld${name.toLowerCase()} = ${ld} is less than the ${cols} columns of ${name} (stored ${shape} = ${rows}×${cols})`);
  }
  if (rows > 0 && cols > 0 && offset + (rows - 1) * ld + cols > x.length) {
    throw new Error(`gemm: ${name} (stored ${shape} = ${rows}×${cols}, offset ${offset}, ld ${ld}) needs ` +
      `${offset + (rows - 1) * ld + cols} elements but its array has ${x.length}`);
  }
}
