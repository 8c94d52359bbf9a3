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
//   - 'js' kernels, a product with a single row or column, or little work → gemm.ts on the
//     calling thread. Copying the operands into WebAssembly memory costs more than the SIMD
//     kernel saves on small products, and a Dense layer on one sample is a single row.
//   - more work → the SIMD kernel on the calling thread;
//   - still more → the SIMD kernel split over the threads (the caller computes too).
// The JavaScript kernel always runs on the calling thread: workers run only WebAssembly (they
// receive the compiled module), so they need no copy of this library's source.
//
// NOTE: numerics differ between kernels: gemm.ts sums in float64, the SIMD kernel in float32 as
// BLAS does. Results never depend on the thread count: each element of C is computed by one
// thread, in the same order, however C is split (see wasm/gemm_module.ts).

import { checkArguments, gemm } from './gemm.js';
import { availableParallelism, canBlock, sharedMemoryAvailable, workersAvailable } from './threads/platform.js';
import { SimdGemm, simdSupported } from './wasm/simd_gemm.js';

/** The GEMM kernels: the plain TypeScript reference, or WebAssembly SIMD (with threads). */
export type KernelKind = 'js' | 'simd';

/**
 * Below this many multiply-adds (m·n·k) gemmAuto uses the JavaScript kernel: copying the
 * operands into WebAssembly memory and back costs more than SIMD saves. Measured (Node 20,
 * Zen 4, medians, µs, js vs simd on one thread): TODO
 */
export const SIMD_MIN_WORK = 32 * 32 * 32;

/**
 * Below this many multiply-adds gemmAuto stays on one thread: waking a worker and waiting for
 * it (~15 µs round trip, more when the machine is busy) costs more than half the work saves.
 * Measured: TODO
 */
export const THREADS_MIN_WORK = 128 * 128 * 128;

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

/**
 * General matrix multiply with {@link gemm}'s signature and semantics (`C = op(A)·op(B)` or
 * `C += op(A)·op(B)` on row-major views), run by the kernels and threads chosen with
 * {@link setKernels} and {@link setNumThreads}.
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
): void {
  const work = m * n * k;
  if (work < SIMD_MIN_WORK || m === 1 || n === 1 || getKernels() === 'js') {
    gemm(transA, transB, m, n, k, a, aOffset, lda, b, bOffset, ldb, c, cOffset, ldc, accumulate);
    return;
  }
  checkArguments(transA, transB, m, n, k, a, aOffset, lda, b, bOffset, ldb, c, cOffset, ldc);
  const t = work >= THREADS_MIN_WORK ? getNumThreads() : 1;
  simdEngine().run(t, transA, transB, m, n, k, a, aOffset, lda, b, bOffset, ldb, c, cOffset, ldc, accumulate);
}
