// Which GEMM runs, and on how many threads: the one switch between the readable JavaScript
// kernel (gemm.ts) and the WebAssembly SIMD kernel (wasm/) on the worker pool (threads/).
// matmul, Dense and conv2d call gemmAuto, which has gemm's signature and semantics.
//
//   setKernels('js' | 'simd')   default 'simd' where WebAssembly SIMD validates, else 'js'
//   setNumThreads(n)            default: the cores available (os.availableParallelism() in Node,
//                               navigator.hardwareConcurrency in browsers)
//
// NOTE: this is global state, like the seeded RNG: a setting for the whole process (or page),
// as tf.setBackend and tf.wasm.setThreadsCount are in TF.js.
//
// Routing, per call (thresholds measured: see the constants below):
//   - 'js' kernels, a tiny product (a few hundred multiply-adds) or a C of a few elements (a dot
//     product) → gemm.ts on the calling thread: there copying the operands into WebAssembly
//     memory and computing whole 4×8 tiles cost more than SIMD saves.
//   - more work → the SIMD kernel on the calling thread;
//   - still more → the SIMD kernel split over the threads (the caller computes too).
// The JavaScript kernel always runs on the calling thread: workers run only WebAssembly (they
// receive the compiled module), so they need no copy of this library's source.
//
// NOTE: numerics differ between kernels: gemm.ts sums in float64, the SIMD kernel in float32 as
// BLAS does. Results never depend on the thread count: each element of C is computed by one
// thread, in the same order, however C is split (see wasm/gemm_module.ts).

import type { Conv2DGeometry } from './conv_geometry.js';
import { biasActivation, reluBackward as reluBackwardJs } from './epilogue.js';
import { checkArguments, gemm } from './gemm.js';
import { col2im, im2col } from './im2col.js';
import { depthwiseBackwardFilter as depthwiseBackwardFilterJs, depthwiseBackwardInput as depthwiseBackwardInputJs, depthwiseForward as depthwiseForwardJs } from './depthwise.js';
import { maxPoolForward as maxPoolForwardJs } from './pool.js';
import { availableParallelism, canBlock, sharedMemoryAvailable, workersAvailable } from './threads/platform.js';
import { SimdGemm, simdSupported } from './wasm/simd_gemm.js';
import { winogradApplies, winogradConv, winogradConvBackward } from './winograd.js';

/** The GEMM kernels: the plain TypeScript reference, or WebAssembly SIMD (with threads). */
export type KernelKind = 'js' | 'simd';

/**
 * Below this many multiply-adds (m·n·k), or with fewer than {@link SIMD_MIN_OUTPUTS} elements
 * in C, gemmAuto uses the JavaScript kernel. Measured (Node 20, Zen 4, medians, µs per call,
 * js vs simd on one thread, copies in and out included): 2×2×2 0.16 vs 0.32 · 4×4×4 0.28 vs
 * 0.37 · 6×6×6 0.50 vs 0.56 · 5×5×5 0.46 vs 0.41 · 1×16×16 0.70 vs 0.52 · 8×8×8 0.70 vs 0.45 ·
 * 32×32×32 14.7 vs 2.7 · 1×10×128 (a Dense(10) on one sample) 2.9 vs 1.8 · 32×128×784 1276 vs
 * 188. The copies are cheap, so SIMD wins from a few hundred multiply-adds on.
 */
export const SIMD_MIN_WORK = 256;

/**
 * A C of fewer elements than this goes to the JavaScript kernel whatever k is: the SIMD kernel
 * computes whole 4×8 tiles, so a dot product uses 1/32 of it. Measured (µs, js vs simd):
 * 1×1×1000 2.4 vs 8.3 · 1×2×1000 4.6 vs 8.3 · 2×2×1000 10.1 vs 13.7 · 1×4×1000 8.3 vs 8.6 ·
 * 4×1×1000 9.7 vs 9.1 · 1×8×100 2.0 vs 1.0.
 */
export const SIMD_MIN_OUTPUTS = 8;

/**
 * Below this many multiply-adds gemmAuto stays on one thread: waking a worker (~15 µs round
 * trip, far more when other processes hold the cores) and repacking the shared operand per
 * chunk cost more than the second core saves. Measured (bench/threads.bench.ts, SIMD, µs,
 * 1 vs 2 threads, 2 cores): quiet (load ~1.2) 64³ 26 vs 29 · 96³ 73 vs 77 · 128³ 142 vs 153 ·
 * 160³ 256 vs 238 · 192³ 412 vs 341 · 256³ 1413 vs 757; at load ~3, 128³ 114 vs 130 · 160³ 218
 * vs 212 · 192³ 358 vs 286. Set at the crossover, 160³ ≈ 4.1M. Thin products stay on one
 * thread whatever their size (see MIN_CHUNK in wasm/simd_gemm.ts).
 */
export const THREADS_MIN_WORK = 160 * 160 * 160;

let simdOverride: boolean | null = null;
let simdDetected: boolean | null = null;
let kernels: KernelKind | null = null; // null: not chosen yet, the default applies
let threads: number | null = null; // null: not chosen yet, the default applies
let threadsAllowed: boolean | null = null;
let engine: SimdGemm | null = null;

/** Whether WebAssembly SIMD is available (detected once, or as overridden for tests). */
export function simdAvailable(): boolean {
  if (simdOverride !== null) return simdOverride;
  simdDetected ??= simdSupported();
  return simdDetected;
}

/**
 * Tests only: pretend WebAssembly SIMD is (un)available, or `null` to detect it again. Resets
 * the kernel choice to the default.
 */
export function overrideSimdSupport(supported: boolean | null): void {
  simdOverride = supported;
  kernels = null;
}

/**
 * Chooses the GEMM kernels for matmul, Dense and Conv2D: `'js'`, the plain TypeScript kernel,
 * on the calling thread; or `'simd'`, the WebAssembly SIMD kernel generated at run time, on
 * {@link getNumThreads} threads. The default is `'simd'` where WebAssembly SIMD is available.
 * Throws for `'simd'` where it is not.
 *
 * @example
 * ```ts
 * tk.setKernels('js');     // the readable reference kernel, e.g. to compare results
 * tk.getKernels();         // 'js'
 * ```
 */
export function setKernels(kind: KernelKind): void {
  if (kind !== 'js' && kind !== 'simd') throw new Error(`setKernels: expected 'js' or 'simd', got ${JSON.stringify(kind)}`);
  if (kind === 'simd' && !simdAvailable()) {
    throw new Error("setKernels: 'simd' needs WebAssembly SIMD, which this JavaScript engine does not have (a SIMD module failed WebAssembly.validate); use 'js'");
  }
  kernels = kind;
}

/** The GEMM kernels in use: `'simd'` or `'js'` (see {@link setKernels}). */
export function getKernels(): KernelKind {
  return kernels ?? (simdAvailable() ? 'simd' : 'js');
}

/** Whether this thread can run a pool: it may block, and shared memory and workers exist. */
function threadsPossible(): boolean {
  threadsAllowed ??= canBlock() && sharedMemoryAvailable();
  return threadsAllowed && workersAvailable();
}

/**
 * Sets how many threads the SIMD GEMM uses, the calling thread included (a positive integer).
 * The default is the number of cores available. Where threads cannot run (a browser's main
 * thread, which may not block, or a page without cross-origin isolation, which has no shared
 * memory) GEMM runs on the calling thread whatever this says.
 *
 * @example
 * ```ts
 * tk.setNumThreads(1);     // single-threaded, e.g. to measure scaling
 * ```
 */
export function setNumThreads(n: number): void {
  if (!Number.isInteger(n) || n < 1) throw new Error(`setNumThreads: expected a positive integer, got ${String(n)}`);
  threads = n;
}

/**
 * The number of threads GEMM runs on: the last {@link setNumThreads} (default: the cores
 * available), or 1 where this environment cannot run threads.
 */
export function getNumThreads(): number {
  return threadsPossible() ? (threads ?? availableParallelism()) : 1;
}

/** The SIMD engine, made on first use (shared memory where threads are possible). */
function simdEngine(): SimdGemm {
  if (engine === null) {
    threadsPossible();
    engine = SimdGemm.create(threadsAllowed === true);
  }
  return engine;
}

/**
 * Stops the worker threads (they start again when needed) and returns how many had not exited
 * after waiting (0 normally). Node workers never keep a process alive, so calling this is
 * optional; tests use it to check that the pool starts and stops cleanly.
 */
export function stopThreads(): number {
  return engine?.stopThreads() ?? 0;
}

/**
 * For tests and benchmarks: worker threads running (not counting the calling thread), and how
 * many chunks of the last threaded GEMM the workers computed.
 */
export function threadStats(): { workersAlive: number; lastWorkerChunks: number } {
  return { workersAlive: engine?.workersAlive ?? 0, lastWorkerChunks: engine?.lastWorkerChunks ?? 0 };
}

/** What to apply to C after the product: a bias per column and/or a relu (see gemmAuto). */
export interface Epilogue {
  /** n numbers added to every row of C, or null. */
  bias: Float32Array | null;
  relu: boolean;
}

/**
 * General matrix multiply with {@link gemm}'s signature and semantics (`C = op(A)·op(B)` or
 * `C += op(A)·op(B)` on row-major views), run by the kernels and threads chosen with
 * {@link setKernels} and {@link setNumThreads}. With an `epilogue`, then
 * `C[i][j] = act(C[i][j] + bias[j])` (conv2d's fused bias and relu): the SIMD kernel applies it
 * to each block of C while the block is in cache, on the thread that computed it.
 *
 * @example
 * const c = new Float32Array(4);
 * gemmAuto(false, false, 2, 2, 2, Float32Array.of(1, 2, 3, 4), 0, 2, Float32Array.of(5, 6, 7, 8), 0, 2, c, 0, 2, false);
 * // c = [19, 22, 43, 50]
 */
export function gemmAuto(
  transA: boolean, transB: boolean,
  m: number, n: number, k: number,
  a: Float32Array, aOffset: number, lda: number,
  b: Float32Array, bOffset: number, ldb: number,
  c: Float32Array, cOffset: number, ldc: number,
  accumulate: boolean,
  epilogue: Epilogue | null = null,
): void {
  const work = m * n * k;
  if (work < SIMD_MIN_WORK || m * n < SIMD_MIN_OUTPUTS || getKernels() === 'js') {
    gemm(transA, transB, m, n, k, a, aOffset, lda, b, bOffset, ldb, c, cOffset, ldc, accumulate);
    if (epilogue !== null && (epilogue.bias !== null || epilogue.relu)) {
      if (ldc !== n) throw new Error(`gemmAuto: an epilogue needs a contiguous C (ldc = n), got ldc = ${ldc}, n = ${n}`);
      biasActivation(c, cOffset, m, n, epilogue.bias, epilogue.relu);
    }
    return;
  }
  checkArguments(transA, transB, m, n, k, a, aOffset, lda, b, bOffset, ldb, c, cOffset, ldc);
  if (epilogue?.bias && epilogue.bias.length < n) throw new Error(`gemmAuto: the bias has ${epilogue.bias.length} numbers, fewer than the ${n} columns of C`);
  const t = work >= THREADS_MIN_WORK ? getNumThreads() : 1;
  simdEngine().run(t, transA, transB, m, n, k, a, aOffset, lda, b, bOffset, ldb, c, cOffset, ldc, accumulate,
    epilogue?.bias ?? null, epilogue?.relu ?? false);
}

/**
 * Below this many floats reluBackward runs in JavaScript. Measured (µs, js vs simd, with the
 * column sums): 256 floats 0.71 vs 0.84 · 1024 5.6 vs 1.8 · 32768 179 vs 39.
 */
export const ELEMENTWISE_MIN_FLOATS = 512;

/**
 * The relu's backward from its saved output, `dz = dy·[y > 0]` (rows of F numbers), and if
 * `sums` is given the bias gradient `sums[f] += Σ_r dz[r, f]` in float64. SIMD when the SIMD
 * kernels are on (the same bits as the JavaScript version in epilogue.ts).
 *
 * @example
 * const dz = new Float32Array(4), sums = new Float64Array(2);
 * reluBackward(Float32Array.of(1, 2, 3, 4), Float32Array.of(5, -1, 0, 7), dz, 2, sums);
 * // dz = [1, 0, 0, 4]; sums = [1, 4]
 */
export function reluBackward(dy: Float32Array, y: Float32Array, dz: Float32Array, F: number, sums: Float64Array | null): void {
  if (y.length < dy.length || dz.length < dy.length || dy.length % F !== 0) {
    throw new Error(`reluBackward: dy has ${dy.length} numbers, y ${y.length}, dz ${dz.length}; they must match and be rows of ${F}`);
  }
  if (dy.length < ELEMENTWISE_MIN_FLOATS || getKernels() === 'js') reluBackwardJs(dy, y, dz, F, sums);
  else simdEngine().reluBackward(dy, y, dz, F, sums);
}

// ---- Max pooling --------------------------------------------------------------------------------

/**
 * Below this many input floats maxPoolForward runs in JavaScript. Measured (Node 20, µs, js vs
 * simd with the copies in and out, 2×2 stride 2): 1×8×8×4 (256 floats) 0.51 vs 0.53 · 1×8×8×8
 * 0.83 vs 0.60 · 1×16×16×4 1.74 vs 1.12 · 1×26×26×32 31–42 vs 12–13 · the MNIST convnet's
 * 32×26×26×32 3630–3710 vs 455–517 and 32×11×11×64 1040–1070 vs 156–160; 3×3 stride 2 'same':
 * 1×8×8×4 2.95 vs 2.12 · 32×13×13×32 2210 vs 249.
 */
export const MAXPOOL_MIN_FLOATS = 512;

/**
 * Max pooling, NHWC, with the signature of pool.ts's maxPoolForward (the reference) and the
 * same bits (outputs and argmax: ties to the first cell, NaN propagating): in WebAssembly SIMD
 * (wasm/pool_module.ts) when the SIMD kernels are on and the input has at least
 * {@link MAXPOOL_MIN_FLOATS} floats, on the calling thread. A 2×2 pool over fewer than 4
 * channels stays in JavaScript: with no block of four channels the WebAssembly loop is all
 * scalar, and the JS kernel's unrolled 2×2 path is faster (1×104×104×1: 40 vs 54 µs; ×3: 55 vs
 * 63); larger windows gain even there (3×3 stride 2 on 1×26×26×2: 21.5 vs 6.4 µs).
 *
 * @example
 * const g = poolGeometry(1, 2, 2, 1, 2, 2, 2, 2, 'valid');
 * const out = new Float32Array(1), argmax = new Int32Array(1);
 * maxPoolForward(Float32Array.from([3, -1, 7, 7]), g, out, argmax);
 * // out = [7], argmax = [2] (the first of the two 7s)
 */
export function maxPoolForward(x: Float32Array, g: Conv2DGeometry, out: Float32Array, argmax: Int32Array): void {
  const inputs = g.batch * g.inH * g.inW * g.inC, outputs = g.batch * g.outH * g.outW * g.inC;
  if (x.length < inputs || out.length < outputs || argmax.length < outputs) {
    throw new Error(`maxPoolForward: x has ${x.length} numbers for ${inputs}, out ${out.length} and argmax ${argmax.length} for ${outputs}`);
  }
  const scalar2x2 = g.inC < 4 && g.kH === 2 && g.kW === 2;
  if (inputs < MAXPOOL_MIN_FLOATS || outputs === 0 || scalar2x2 || getKernels() === 'js') maxPoolForwardJs(x, g, out, argmax);
  else simdEngine().maxPool(x, g, g.batch, out, argmax);
}

// ---- Convolution: im2col and col2im chained with the GEMM -------------------------------------
// With the SIMD kernels the patch matrix (kh·kw times the size of the images) is unrolled into
// WebAssembly memory, multiplied there and, for the input gradient, scattered back there: it is
// never built by a JavaScript loop nor copied. With 'js' (or small convolutions) these are
// exactly the calls they are named after, on the JavaScript kernels. Both give the same patches
// and col2im adds in the same order; only the GEMM's summation differs (see the file comment).

/** The size of a convolution chunk's GEMM, for the routing thresholds: m·n·k. */
function convWork(g: Conv2DGeometry, count: number, F: number): number {
  return count * g.outH * g.outW * F * g.kH * g.kW * g.inC;
}

/**
 * `cols = im2col(x); y = act(cols·W + bias)` for the images b0 … b0+count of the NHWC batch x:
 * rows b0·P … (b0+count)·P of y ([N·P, F], P = outH·outW). `cols` is the JS path's buffer
 * (count·P·K floats, K = kH·kW·inC); W is the kernel read as [K, F].
 *
 * @example
 * // 1×3×3×1 image of ones, 2×2 kernel of ones, 1 filter: every window sums to 4
 * const g = conv2dGeometry(1, 3, 3, 1, 2, 2, 1, 1, 1, 1, 'valid');
 * const y = new Float32Array(4);
 * im2colGemm(new Float32Array(9).fill(1), g, 0, 1, new Float32Array(16), new Float32Array(4).fill(1), 1, y, { bias: null, relu: false });
 * // y = [4, 4, 4, 4]
 */
export function im2colGemm(x: Float32Array, g: Conv2DGeometry, b0: number, count: number, cols: Float32Array,
  w: Float32Array, F: number, y: Float32Array, epilogue: Epilogue): void {
  const P = g.outH * g.outW, K = g.kH * g.kW * g.inC;
  const work = convWork(g, count, F);
  if (work < SIMD_MIN_WORK || getKernels() === 'js') {
    im2col(x, g, b0, count, cols);
    gemmAuto(false, false, count * P, F, K, cols, 0, K, w, 0, F, y, b0 * P * F, F, false, epilogue);
    return;
  }
  const t = work >= THREADS_MIN_WORK ? getNumThreads() : 1;
  simdEngine().im2colGemm(t, x, g, b0, count, w, F, y, epilogue.bias, epilogue.relu);
}

/**
 * `cols = im2col(x); dW (+)= colsᵀ·dz` for the images b0 … b0+count: the filter gradient of a
 * convolution, dz being the whole [N·P, F] output gradient; dW ([K, F]) is overwritten unless
 * `accumulate`.
 *
 * @example
 * const g = conv2dGeometry(1, 3, 3, 1, 2, 2, 1, 1, 1, 1, 'valid');
 * const dW = new Float32Array(4);
 * im2colGemmT(Float32Array.from([1, 2, 3, 4, 5, 6, 7, 8, 9]), g, 0, 1, new Float32Array(16), new Float32Array(4).fill(1), 1, dW, false);
 * // dW = [12, 16, 24, 28]: each tap summed over the 4 windows
 */
export function im2colGemmT(x: Float32Array, g: Conv2DGeometry, b0: number, count: number, cols: Float32Array,
  dz: Float32Array, F: number, dW: Float32Array, accumulate: boolean): void {
  const P = g.outH * g.outW, K = g.kH * g.kW * g.inC;
  const work = convWork(g, count, F);
  if (work < SIMD_MIN_WORK || getKernels() === 'js') {
    im2col(x, g, b0, count, cols);
    gemmAuto(true, false, K, F, count * P, cols, 0, K, dz, b0 * P * F, F, dW, 0, F, accumulate);
    return;
  }
  const t = work >= THREADS_MIN_WORK ? getNumThreads() : 1;
  simdEngine().im2colGemmT(t, x, g, b0, count, dz, F, dW, accumulate);
}

/**
 * `dcols = dz·Wᵀ; dx += col2im(dcols)` for the images b0 … b0+count: the input gradient of a
 * convolution, added into dx (the whole NHWC gradient). `cols` is the JS path's buffer for dcols.
 *
 * @example
 * const g = conv2dGeometry(1, 3, 3, 1, 2, 2, 1, 1, 1, 1, 'valid');
 * const dx = new Float32Array(9);
 * gemmCol2im(new Float32Array(4).fill(1), g, 0, 1, new Float32Array(16), new Float32Array(4).fill(1), 1, dx);
 * // dx = [1, 2, 1, 2, 4, 2, 1, 2, 1]: how many windows cover each pixel
 */
export function gemmCol2im(dz: Float32Array, g: Conv2DGeometry, b0: number, count: number, cols: Float32Array,
  w: Float32Array, F: number, dx: Float32Array): void {
  const P = g.outH * g.outW, K = g.kH * g.kW * g.inC;
  const work = convWork(g, count, F);
  if (work < SIMD_MIN_WORK || getKernels() === 'js') {
    gemmAuto(false, true, count * P, K, F, dz, b0 * P * F, F, w, 0, F, cols, 0, K, false);
    col2im(cols, g, b0, count, dx);
    return;
  }
  const t = work >= THREADS_MIN_WORK ? getNumThreads() : 1;
  simdEngine().gemmCol2im(t, dz, g, b0, count, w, F, dx);
}

/**
 * From this many input channels the JavaScript kernels compute a 3×3, stride-1, undilated
 * convolution by Winograd's F(2×2, 3×3) (winograd.ts) instead of im2col + GEMM: the same
 * convolution with 2.25× fewer multiply-adds, as 16 GEMMs whose shared dimension is the channel
 * count (forward) or the filter count (input gradient); below 16 those products are too thin to
 * keep the micro-kernel busy. Measured (Node 20, batch 8, ms, im2col vs Winograd, forward):
 * 13×13, F = 64: C = 4 1.35 vs 1.85 · C = 8 2.32 vs 2.43 · C = 16 4.52 vs 3.01 · C = 32 6.78 vs
 * 4.90; 28×28 'same', F = 64: C = 8 11.7 vs 9.2 · C = 16 22.5 vs 14.3 · C = 32 48.1 vs 24.4, and
 * the two gradients alike (C = 8 a tie, C ≥ 16 1.3–2×). The SIMD kernels keep im2col, which they
 * chain inside WebAssembly memory.
 */
export const WINOGRAD_MIN_CHANNELS = 16;

/**
 * Whether {@link convForward} and {@link convBackward} take Winograd for this convolution now (the
 * 'js' kernels, a 3×3 stride-1 undilated kernel, ≥ {@link WINOGRAD_MIN_CHANNELS} channels). That
 * path needs no im2col buffer and bounds its own memory, so conv2d neither allocates patches for it
 * nor splits the batch.
 *
 * @example
 * setKernels('js');
 * convUsesWinograd(conv2dGeometry(32, 13, 13, 32, 3, 3, 1, 1, 1, 1, 'valid'));   // true
 * convUsesWinograd(conv2dGeometry(32, 28, 28, 1, 3, 3, 1, 1, 1, 1, 'valid'));    // false: 1 channel
 */
export function convUsesWinograd(g: Conv2DGeometry): boolean {
  return getKernels() === 'js' && g.inC >= WINOGRAD_MIN_CHANNELS && winogradApplies(g);
}

/**
 * A convolution's forward for the images b0 … b0+count of the NHWC batch x:
 * `y = act(conv(x, W) + bias)` into rows b0·P … of y ([N·P, F]). {@link im2colGemm} (`cols` is
 * its buffer), or Winograd for the layers {@link WINOGRAD_MIN_CHANNELS} describes.
 *
 * @example
 * const g = conv2dGeometry(1, 3, 3, 1, 2, 2, 1, 1, 1, 1, 'valid');
 * const y = new Float32Array(4);
 * convForward(new Float32Array(9).fill(1), g, 0, 1, new Float32Array(16), new Float32Array(4).fill(1), 1, y, { bias: null, relu: false });
 * // y = [4, 4, 4, 4]
 */
export function convForward(x: Float32Array, g: Conv2DGeometry, b0: number, count: number, cols: Float32Array,
  w: Float32Array, F: number, y: Float32Array, epilogue: Epilogue): void {
  if (convUsesWinograd(g)) winogradConv(x, g, b0, count, w, F, y, epilogue.bias, epilogue.relu);
  else im2colGemm(x, g, b0, count, cols, w, F, y, epilogue);
}

/**
 * A convolution's backward for the images b0 … b0+count, dz being the whole output gradient
 * (relu mask applied): `dW (+)= colsᵀ·dz` (overwritten unless `accumulate`) and
 * `dx += col2im(dz·Wᵀ)`, either skipped when null. {@link im2colGemmT} and {@link gemmCol2im}
 * (`cols` is their buffer), or Winograd for the layers {@link WINOGRAD_MIN_CHANNELS} describes.
 *
 * @example
 * const g = conv2dGeometry(1, 3, 3, 1, 2, 2, 1, 1, 1, 1, 'valid');
 * const dW = new Float32Array(4), dx = new Float32Array(9);
 * convBackward(Float32Array.from([1, 2, 3, 4, 5, 6, 7, 8, 9]), new Float32Array(4).fill(1), g, 0, 1, new Float32Array(16),
 *   new Float32Array(4).fill(1), 1, dW, false, dx);
 * // dW = [12, 16, 24, 28]; dx = [1, 2, 1, 2, 4, 2, 1, 2, 1]
 */
export function convBackward(x: Float32Array, dz: Float32Array, g: Conv2DGeometry, b0: number, count: number, cols: Float32Array,
  w: Float32Array, F: number, dW: Float32Array | null, accumulate: boolean, dx: Float32Array | null): void {
  if (convUsesWinograd(g)) {
    winogradConvBackward(x, dz, g, b0, count, w, F, dW, accumulate, dx);
    return;
  }
  if (dW !== null) im2colGemmT(x, g, b0, count, cols, dz, F, dW, accumulate);
  if (dx !== null) gemmCol2im(dz, g, b0, count, cols, w, F, dx);
}

// ---- Depthwise convolution ----------------------------------------------------------------------
// With the SIMD kernels: wasm/depthwise_module.ts, a few images at a time (so the copies in and out
// of WebAssembly memory stay in cache), depth multiplier 1. A multiplier M > 1 is the multiplier-1
// convolution of the input with each channel repeated M times (the kernel [kh, kw, C, M] read as
// [kh, kw, C·M, 1] is the same array), so x is expanded first, and the input gradient of the
// expanded channels is summed back over m. Otherwise the JavaScript kernels of depthwise.ts.

/**
 * Below this many multiply-adds per call the depthwise kernels stay in JavaScript. Measured (Node
 * 20, forward, 3×3 'same', µs, js vs simd with the copies): 1×4×4×4 (576) 2.6 vs 1.1 ·
 * 1×6×6×4 10.8 vs 0.9 · 1×8×8×8 21.5 vs 1.9 · 2×16×16×16 371 vs 32: SIMD wins from a few
 * hundred on.
 */
export const DEPTHWISE_MIN_WORK = 512;

/** Floats of x and y one SIMD call handles at most (images per call: at least one). */
const DEPTHWISE_CHUNK_FLOATS = 1 << 18;

function depthwiseSimd(g: Conv2DGeometry, M: number): boolean {
  return getKernels() !== 'js' && g.batch * g.outH * g.outW * g.kH * g.kW * g.inC * M >= DEPTHWISE_MIN_WORK;
}

/** The geometry of the multiplier-1 convolution over the M-times expanded channels. */
function expandedGeometry(g: Conv2DGeometry, M: number): Conv2DGeometry {
  return M === 1 ? g : { ...g, inC: g.inC * M };
}

/** x with each channel repeated M times: [N, H, W, C] → [N, H, W, C·M]. */
function expandChannels(x: Float32Array, C: number, M: number, pixels: number): Float32Array {
  const out = new Float32Array(pixels * C * M);
  for (let p = 0, i = 0, o = 0; p < pixels; p++) {
    for (let c = 0; c < C; c++, i++) {
      const v = x[i]!;
      for (let m = 0; m < M; m++) out[o++] = v;
    }
  }
  return out;
}

function imagesPerCall(g: Conv2DGeometry, channels: number): number {
  return Math.max(1, Math.floor(DEPTHWISE_CHUNK_FLOATS / ((g.inH * g.inW + g.outH * g.outW) * channels)));
}

/**
 * Depthwise convolution forward with depthwise.ts's signature and semantics (y = depthwise(x, W)
 * + bias, W [kh, kw, C, M]): in WebAssembly SIMD when the SIMD kernels are on and the work is
 * large enough, else in JavaScript. (The SIMD kernel sums in float32, the JavaScript one in float64.)
 *
 * @example
 * const g = conv2dGeometry(1, 3, 3, 1, 2, 2, 1, 1, 1, 1, 'valid');
 * const y = new Float32Array(4);
 * depthwiseForward(Float32Array.from([1, 2, 3, 4, 5, 6, 7, 8, 9]), g, new Float32Array(4).fill(1), 1, null, y);   // y = [12, 16, 24, 28]
 */
export function depthwiseForward(x: Float32Array, g: Conv2DGeometry, w: Float32Array, M: number, bias: Float32Array | null, y: Float32Array): void {
  if (!depthwiseSimd(g, M)) {
    depthwiseForwardJs(x, g, w, M, bias, y);
    return;
  }
  const e = expandedGeometry(g, M);
  const xe = M === 1 ? x : expandChannels(x, g.inC, M, g.batch * g.inH * g.inW);
  const chunk = imagesPerCall(e, e.inC);
  for (let b0 = 0; b0 < g.batch; b0 += chunk) simdEngine().depthwiseForward(xe, e, b0, Math.min(chunk, g.batch - b0), w, bias, y);
}

/**
 * The depthwise input gradient with depthwise.ts's signature (dx += …), SIMD or JavaScript as
 * {@link depthwiseForward}.
 *
 * @example
 * const g = conv2dGeometry(1, 3, 3, 1, 2, 2, 1, 1, 1, 1, 'valid');
 * const dx = new Float32Array(9);
 * depthwiseBackwardInput(new Float32Array(4).fill(1), g, new Float32Array(4).fill(1), 1, dx);   // dx = [1, 2, 1, 2, 4, 2, 1, 2, 1]
 */
export function depthwiseBackwardInput(dy: Float32Array, g: Conv2DGeometry, w: Float32Array, M: number, dx: Float32Array): void {
  if (!depthwiseSimd(g, M)) {
    depthwiseBackwardInputJs(dy, g, w, M, dx);
    return;
  }
  const e = expandedGeometry(g, M);
  const pixels = g.batch * g.inH * g.inW;
  const chunk = imagesPerCall(e, e.inC);
  let dxe: Float32Array;
  if (g.strideH === 1 && g.strideW === 1) {
    // Stride 1: the input gradient is a forward depthwise convolution of dy with the kernel flipped
    // in space, padded by kEff − 1 − pad, so it takes the forward's fast rows (a gather, with the
    // weights in registers) instead of a scatter: dx[i] = Σ_a dy[i + pad − a·d]·w[a].
    const flipped = new Float32Array(w.length);
    const CM = e.inC;
    for (let a = 0; a < g.kH; a++) {
      for (let b = 0; b < g.kW; b++) flipped.set(w.subarray((a * g.kW + b) * CM, (a * g.kW + b + 1) * CM), ((g.kH - 1 - a) * g.kW + (g.kW - 1 - b)) * CM);
    }
    const t: Conv2DGeometry = {
      ...e, inH: g.outH, inW: g.outW, outH: g.inH, outW: g.inW,
      padTop: (g.kH - 1) * g.dilationH - g.padTop, padLeft: (g.kW - 1) * g.dilationW - g.padLeft, padBottom: 0, padRight: 0,
    };
    dxe = M === 1 ? dx : new Float32Array(pixels * CM);
    for (let b0 = 0; b0 < g.batch; b0 += chunk) simdEngine().depthwiseForward(dy, t, b0, Math.min(chunk, g.batch - b0), flipped, null, dxe, true);
    if (M === 1) return;
  } else {
    dxe = M === 1 ? dx : new Float32Array(pixels * g.inC * M);
    for (let b0 = 0; b0 < g.batch; b0 += chunk) simdEngine().depthwiseBackwardInput(dy, e, b0, Math.min(chunk, g.batch - b0), w, dxe);
    if (M === 1) return;
  }
  for (let p = 0, i = 0, o = 0; p < pixels; p++) {
    for (let c = 0; c < g.inC; c++, o++) {
      let s = 0;
      for (let m = 0; m < M; m++) s += dxe[i++]!;
      dx[o] += s;
    }
  }
}

/**
 * The depthwise filter gradient with depthwise.ts's signature (dW64 += …, float64), SIMD or
 * JavaScript as {@link depthwiseForward}; the SIMD kernel sums a few images in float32 at a time.
 *
 * @example
 * const g = conv2dGeometry(1, 3, 3, 1, 2, 2, 1, 1, 1, 1, 'valid');
 * const dW = new Float64Array(4);
 * depthwiseBackwardFilter(Float32Array.from([1, 2, 3, 4, 5, 6, 7, 8, 9]), new Float32Array(4).fill(1), g, 1, dW);   // dW = [12, 16, 24, 28]
 */
export function depthwiseBackwardFilter(x: Float32Array, dy: Float32Array, g: Conv2DGeometry, M: number, dW64: Float64Array): void {
  if (!depthwiseSimd(g, M)) {
    depthwiseBackwardFilterJs(x, dy, g, M, dW64);
    return;
  }
  const e = expandedGeometry(g, M);
  const xe = M === 1 ? x : expandChannels(x, g.inC, M, g.batch * g.inH * g.inW);
  const chunk = imagesPerCall(e, e.inC);
  for (let b0 = 0; b0 < g.batch; b0 += chunk) simdEngine().depthwiseBackwardFilter(xe, dy, e, b0, Math.min(chunk, g.batch - b0), dW64);
}
