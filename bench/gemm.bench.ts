// GEMM suite: square C = A·B for n = 128 … 1024, in one process:
//   - tensorkit's JavaScript kernel (gemm.ts, one thread), its WebAssembly SIMD kernel on one
//     thread and on every core (gemmAuto with setKernels / setNumThreads);
//   - tf.matMul on the TF.js cpu and wasm backends (single-threaded: TF.js has no wasm threads
//     in Node);
//   - OpenBLAS through numpy, when python3 with numpy is on this machine, on 1 and 2 threads
//     (a child process per thread count: OpenBLAS reads OPENBLAS_NUM_THREADS when it loads).
// Then the targets of issue 7 as ratios measured in this run.

import { spawnSync } from 'node:child_process';
import os from 'node:os';
import { gemm } from '../src/tensor/kernels/gemm.js';
import { gemmAuto, setKernels, setNumThreads, threadStats, type KernelKind } from '../src/tensor/kernels/engine.js';
import { measure, printTable, seeded, tf, tfWasmFlavour, useTfCpu, useTfWasm, type MeasureOptions, type Row } from './util.js';

const SIZES = [128, 256, 512, 1024];

/** An n×n matrix of seeded uniform numbers in [-1, 1), so every run multiplies the same matrices. */
export function seededMatrix(n: number, seed: number): Float32Array {
  return seeded([n, n], seed);
}

/**
 * Sampling options for one call of about `expectedMs`: few samples for calls of a second or
 * more (TF.js-cpu at n = 1024 takes ~3 s: 2 untimed calls + 2 samples = 12 s).
 */
function optionsFor(expectedMs: number): MeasureOptions {
  if (expectedMs > 1000) return { warmup: 0, minSamples: 2, maxTime: 0 };
  if (expectedMs > 200) return { warmup: 1, minSamples: 3, maxTime: 1 };
  return { minSamples: 5, maxTime: 1 };
}

/** Times tf.matMul on the current TF.js backend; the timing includes reading the result back. */
function timeTfMatMul(n: number, aData: Float32Array, bData: Float32Array, gflopsGuess: number): number {
  const a = tf.tensor2d(aData, [n, n]);
  const b = tf.tensor2d(bData, [n, n]);
  const { ms } = measure(() => {
    const c = tf.matMul(a, b);
    c.dataSync(); // forces the computation (and, on wasm, the copy out), inside the timing
    c.dispose();
  }, optionsFor((2 * n ** 3) / (gflopsGuess * 1e6)));
  a.dispose();
  b.dispose();
  return ms;
}

/**
 * Makes the engine use `kind` on `threads` threads, and for threads > 1 runs products until the
 * workers (which start in the background) are computing, so that no timing includes their start.
 */
export function useKernels(kind: KernelKind, threads: number): void {
  setKernels(kind);
  setNumThreads(threads);
  if (kind !== 'simd' || threads === 1) return;
  const n = 400, a = seededMatrix(n, 3), c = new Float32Array(n * n);
  const deadline = performance.now() + 10_000;
  do gemmAuto(false, false, n, n, n, a, 0, n, a, 0, n, c, 0, n, false);
  while (threadStats().lastWorkerChunks === 0 && performance.now() < deadline);
}

/** The numpy script: median ms of a @ b (float32) per size, as JSON. */
const NUMPY_SCRIPT = `
import json, sys, time
import numpy as np
sizes = json.loads(sys.argv[1])
out = {}
for n in sizes:
    rng = np.random.default_rng(1)
    a = rng.random((n, n), dtype=np.float32); b = rng.random((n, n), dtype=np.float32)
    for _ in range(3): a @ b
    reps = max(1, int(0.02 / max(1e-6, (2 * n**3) / 50e9)))  # ~20 ms per sample
    samples = []
    start = time.perf_counter()
    while len(samples) < 7 or time.perf_counter() - start < 1:
        t = time.perf_counter()
        for _ in range(reps): a @ b
        samples.append((time.perf_counter() - t) / reps * 1000)
    samples.sort()
    out[n] = samples[len(samples) // 2]
blas = np.__config__.CONFIG['Build Dependencies']['blas']
print(json.dumps({'numpy': np.__version__, 'blas': f"{blas.get('name')} {blas.get('version')}", 'ms': out}))
`;

/**
 * OpenBLAS (numpy's matmul) on `threads` threads: median ms per size, or null (with the reason
 * printed) if python3 or numpy is missing.
 */
export function openBlas(sizes: readonly number[], threads: number): { ms: Map<number, number>; blas: string } | null {
  const env = { ...process.env, OPENBLAS_NUM_THREADS: String(threads), OMP_NUM_THREADS: String(threads), MKL_NUM_THREADS: String(threads) };
  const run = spawnSync('python3', ['-c', NUMPY_SCRIPT, JSON.stringify(sizes)], { env, encoding: 'utf8', timeout: 120_000 });
  if (run.error || run.status !== 0) {
    console.log(`(numpy/OpenBLAS skipped: ${run.error?.message ?? run.stderr.trim().split('\n').pop()})`);
    return null;
  }
  const result = JSON.parse(run.stdout) as { numpy: string; blas: string; ms: Record<string, number> };
  return { ms: new Map(Object.entries(result.ms).map(([n, ms]) => [Number(n), ms])), blas: `numpy ${result.numpy}, ${result.blas}` };
}

export async function run(): Promise<void> {
  const inputs = SIZES.map((n) => ({ n, a: seededMatrix(n, 1), b: seededMatrix(n, 2) }));
  const cores = os.availableParallelism();
  const threadCounts = [...new Set([1, 2, cores])].filter((t) => t <= Math.max(2, cores));

  // tensorkit: the JS kernel directly, then the SIMD kernel per thread count.
  const tk = new Map<string, Map<number, number>>();
  const js = new Map<number, number>();
  for (const { n, a, b } of inputs) {
    const c = new Float32Array(n * n);
    js.set(n, measure(() => gemm(false, false, n, n, n, a, 0, n, b, 0, n, c, 0, n, false), optionsFor(0)).ms);
  }
  tk.set('js', js);
  for (const threads of threadCounts) {
    useKernels('simd', threads);
    const times = new Map<number, number>();
    for (const { n, a, b } of inputs) {
      const c = new Float32Array(n * n);
      times.set(n, measure(() => gemmAuto(false, false, n, n, n, a, 0, n, b, 0, n, c, 0, n, false), optionsFor(0)).ms);
    }
    tk.set(`simd×${threads}`, times);
  }
  useKernels('simd', cores);

  await useTfCpu();
  const tfCpu = new Map<number, number>();
  for (const { n, a, b } of inputs) tfCpu.set(n, timeTfMatMul(n, a, b, 0.8));
  const agreement = compareWithTf(inputs[0]!.n, inputs[0]!.a, inputs[0]!.b);

  const tfWasm = new Map<number, number>();
  let wasmNote = '';
  if (await useTfWasm()) {
    wasmNote = `; TF.js wasm: ${await tfWasmFlavour()}, 1 thread`;
    for (const { n, a, b } of inputs) tfWasm.set(n, timeTfMatMul(n, a, b, 15));
  }
  await useTfCpu(); // leave TF.js on the cpu backend for the suites that follow

  const blas1 = openBlas(SIZES, 1);
  const blas2 = blas1 === null ? null : openBlas(SIZES, 2);

  const rows: Row[] = [];
  for (const n of SIZES) {
    const flops = 2 * n ** 3;
    const vs: Record<string, number> = { 'tfjs-wasm': tfWasm.get(n) ?? NaN, 'OpenBLAS×2': blas2?.ms.get(n) ?? NaN };
    for (const [name, times] of tk) {
      const label = name === 'js' ? 'js, 1 thread' : `simd, ${name.slice(5)} thread${name.endsWith('×1') ? '' : 's'}`;
      rows.push({ name: `${n}³ tensorkit ${label}`, ms: times.get(n)!, flops, vs: clean(vs) });
    }
    rows.push({ name: `${n}³ tfjs-cpu matMul`, ms: tfCpu.get(n)!, flops });
    if (tfWasm.has(n)) rows.push({ name: `${n}³ tfjs-wasm matMul`, ms: tfWasm.get(n)!, flops });
    if (blas1 !== null) rows.push({ name: `${n}³ OpenBLAS, 1 thread`, ms: blas1.ms.get(n)!, flops });
    if (blas2 !== null) rows.push({ name: `${n}³ OpenBLAS, 2 threads`, ms: blas2.ms.get(n)!, flops });
  }
  printTable('GEMM  C = A·B, square n×n float32; "vs X" = X ms / this row\'s ms (>1: this row is faster)', rows);
  console.log(`(tensorkit js vs TF.js cpu at n = ${inputs[0]!.n}: max |difference| = ${agreement.toExponential(2)}${wasmNote}` +
    `${blas1 ? `; ${blas1.blas}` : ''})`);

  // The targets of issue 7, as ratios from this run.
  const n = 1024, best = `simd×${Math.max(...threadCounts)}`;
  const ours = tk.get(best)!.get(n)!;
  const gflops = (ms: number) => (2 * n ** 3) / (ms * 1e6);
  const lines = [`GEMM ${n}: tensorkit ${best} ${gflops(ours).toFixed(1)} GFLOPS`];
  if (tfWasm.has(n)) lines.push(`${(tfWasm.get(n)! / ours).toFixed(2)}× TF.js-wasm (target ≥ 1.5×)`);
  if (blas1) lines.push(`${(100 * blas1.ms.get(n)! / ours).toFixed(0)}% of OpenBLAS on 1 thread`);
  if (blas2) lines.push(`${(100 * blas2.ms.get(n)! / ours).toFixed(0)}% of OpenBLAS on 2 threads`);
  console.log(lines.join(', '));
}

/** Drops the NaN entries of a `vs` record (references that did not run). */
function clean(vs: Record<string, number>): Record<string, number> {
  return Object.fromEntries(Object.entries(vs).filter(([, ms]) => Number.isFinite(ms)));
}

/** Max absolute difference between tensorkit's and TF.js's product: a check that both computed the same thing. */
function compareWithTf(n: number, aData: Float32Array, bData: Float32Array): number {
  const c = new Float32Array(n * n);
  gemm(false, false, n, n, n, aData, 0, n, bData, 0, n, c, 0, n, false);
  const theirs = tf.tidy(() => tf.matMul(tf.tensor2d(aData, [n, n]), tf.tensor2d(bData, [n, n])).dataSync());
  let worst = 0;
  for (let i = 0; i < c.length; i++) worst = Math.max(worst, Math.abs(c[i]! - theirs[i]!));
  return worst;
}
