// Threads suite: how tensorkit's SIMD kernels scale over the cores, what routing costs on tiny
// work, and the sweeps behind the routing thresholds of src/tensor/kernels/engine.ts.
//   1. Scaling: GEMM 256/512/1024 and the MNIST convnet epoch on 1, 2 (and every) threads.
//   2. Tiny work: a Dense(10) predict on one sample, and its single GEMM, with the default
//      kernels vs the JS kernel on one thread (target: within 1.2×).
//   3. Thresholds: JS vs SIMD on small products (SIMD_MIN_WORK, SIMD_MIN_OUTPUTS), SIMD on 1
//      vs 2 threads on medium ones (THREADS_MIN_WORK).
// Each comparison alternates its contenders round by round, so a burst of load from another
// process hits all of them alike; the medians are printed.

import os from 'node:os';
import * as tk from '../src/index.js';
import { loadBundled } from '../examples/mnist/data.js';
import { mnistConvnet } from '../examples/mnist/model.js';
import { gemm } from '../src/tensor/kernels/gemm.js';
import { gemmAuto, SIMD_MIN_OUTPUTS, SIMD_MIN_WORK, THREADS_MIN_WORK } from '../src/tensor/kernels/engine.js';
import { seededMatrix, useKernels } from './gemm.bench.js';
import { formatMs, median, printTable, type Row } from './util.js';

/**
 * Times each function, alternating between them for `rounds` rounds of about `roundMs` each
 * (a round repeats a fast function), and returns the median ms per call of each.
 */
function interleaved(fns: Record<string, () => void>, rounds = 9, roundMs = 30): Record<string, number> {
  for (const f of Object.values(fns)) for (let i = 0; i < 5; i++) f();
  const samples: Record<string, number[]> = {};
  for (let r = 0; r < rounds; r++) {
    for (const [name, f] of Object.entries(fns)) {
      let calls = 0;
      const start = performance.now();
      let now = start;
      do { f(); calls++; now = performance.now(); } while (now - start < roundMs);
      (samples[name] ??= []).push((now - start) / calls);
    }
  }
  return Object.fromEntries(Object.entries(samples).map(([name, s]) => [name, median(s)]));
}

/** Switches kernels and threads: cheap, for use inside timed functions (useKernels warms up). */
function use(kind: 'js' | 'simd', threads: number): void {
  tk.setKernels(kind);
  tk.setNumThreads(threads);
}

/** gemmAuto on m×n×k with whatever kernels and threads are set. */
function product(m: number, n: number, k: number): () => void {
  const a = seededMatrix(Math.max(m, n, k), 1), b = seededMatrix(Math.max(m, n, k), 2), c = new Float32Array(m * n);
  return () => gemmAuto(false, false, m, n, k, a, 0, k, b, 0, n, c, 0, n, false);
}

function cnn(): tk.Sequential {
  const model = mnistConvnet();
  model.compile({ optimizer: 'adam', loss: 'categorical_crossentropy', metrics: ['accuracy'] });
  return model;
}

export async function run(): Promise<void> {
  const cores = os.availableParallelism();
  const counts = [...new Set([1, 2, cores])];

  // ---- 1. Scaling ----
  const rows: Row[] = [];
  for (const n of [256, 512, 1024]) {
    const f = product(n, n, n);
    const fns: Record<string, () => void> = {};
    for (const t of counts) fns[`${t}`] = () => { use('simd', t); f(); };
    useKernels('simd', Math.max(...counts)); // start the workers before timing
    const ms = interleaved(fns, n === 1024 ? 7 : 9, n === 1024 ? 150 : 60);
    for (const t of counts) rows.push({ name: `GEMM ${n}³ simd, ${t} thread${t > 1 ? 's' : ''}`, ms: ms[`${t}`]!, flops: 2 * n ** 3, vs: { '1 thread': ms['1']! } });
  }
  const data = loadBundled();
  const epochs = new Map<number, number[]>();
  for (let round = 0; round < 2; round++) {
    for (const t of counts) {
      useKernels('simd', t);
      const model = cnn();
      const start = performance.now();
      await model.fit(data.train.x, data.train.y, { epochs: 1, batchSize: 32, verbose: 0 });
      (epochs.get(t) ?? epochs.set(t, []).get(t)!).push(performance.now() - start);
    }
  }
  const one = median(epochs.get(1)!);
  for (const t of counts) rows.push({ name: `CNN epoch (8,000 digits) simd, ${t} thread${t > 1 ? 's' : ''}`, ms: median(epochs.get(t)!), vs: { '1 thread': one } });
  printTable(`Scaling over threads (${cores} cores); "vs 1 thread" = speed-up`, rows);

  // ---- 2. Tiny work: per-call overhead ----
  useKernels('simd', cores); // the workers are up
  tk.setSeed(1);
  const dense = new tk.Sequential([new tk.layers.Dense(10, { inputShape: [784] })]);
  const sample = tk.randomUniform([1, 784], { seed: 2 });
  const a = seededMatrix(784, 3).subarray(0, 784), w = seededMatrix(784, 4).subarray(0, 7840), c = new Float32Array(10);
  const tiny = interleaved({
    'predict js': () => { use('js', 1); dense.predict(sample); },
    'predict default': () => { use('simd', cores); dense.predict(sample); },
    'gemm js': () => gemm(false, false, 1, 10, 784, a, 0, 784, w, 0, 10, c, 0, 10, false),
    'gemmAuto default': () => { use('simd', cores); gemmAuto(false, false, 1, 10, 784, a, 0, 784, w, 0, 10, c, 0, 10, false); },
  }, 15, 40);
  printTable('Tiny work: a Dense(10) on one sample of 784 (and its 1×10×784 GEMM); "vs js" = JS kernel, 1 thread ÷ this', [
    { name: 'predict, JS kernel, 1 thread', ms: tiny['predict js']! },
    { name: `predict, default kernels (simd, ${cores} threads)`, ms: tiny['predict default']!, vs: { js: tiny['predict js']! } },
    { name: 'gemm 1×10×784, JS kernel', ms: tiny['gemm js']! },
    { name: 'gemmAuto 1×10×784, default kernels', ms: tiny['gemmAuto default']!, vs: { js: tiny['gemm js']! } },
  ]);
  const overhead = tiny['predict default']! / tiny['predict js']!;
  console.log(`Tiny-work target (issue 7): default within 1.2× of the JS path: ${overhead.toFixed(2)}× (${overhead <= 1.2 ? 'met' : 'not met'}).`);

  // ---- 3. Threshold sweeps ----
  const small: [number, number, number][] = [[2, 2, 2], [4, 4, 4], [6, 6, 6], [8, 8, 8], [16, 16, 16], [1, 1, 1000], [2, 2, 1000], [1, 8, 100], [1, 10, 128]];
  const lines: string[] = [];
  for (const [m, n, k] of small) {
    const A = seededMatrix(Math.max(m, k), 5), B = seededMatrix(Math.max(k, n), 6), C = new Float32Array(m * n);
    const ms = interleaved({
      js: () => gemm(false, false, m, n, k, A, 0, k, B, 0, n, C, 0, n, false),
      simd: () => { use('simd', 1); gemmAuto(false, false, m, n, k, A, 0, k, B, 0, n, C, 0, n, false); },
    }, 7, 10);
    const routed = m * n * k >= SIMD_MIN_WORK && m * n >= SIMD_MIN_OUTPUTS ? 'simd' : 'js';
    lines.push(`  ${`${m}×${n}×${k}`.padEnd(10)} js ${formatMs(ms.js! * 1000).padStart(7)} µs   simd ${formatMs(ms.simd! * 1000).padStart(7)} µs   routed to ${routed}`);
  }
  console.log(`JS vs SIMD on one thread (gemmAuto routes to simd from m·n·k ≥ ${SIMD_MIN_WORK} and m·n ≥ ${SIMD_MIN_OUTPUTS}; below, the "simd" column is the JS kernel too):`);
  for (const l of lines) console.log(l);
  lines.length = 0;
  useKernels('simd', 2);
  for (const s of [64, 96, 128, 160, 192, 256]) {
    const f = product(s, s, s);
    const ms = interleaved({ one: () => { use('simd', 1); f(); }, two: () => { use('simd', 2); f(); } }, 9, 30);
    lines.push(`  ${`${s}³`.padEnd(6)} 1 thread ${formatMs(ms.one! * 1000).padStart(7)} µs   2 threads ${formatMs(ms.two! * 1000).padStart(7)} µs   ${(ms.one! / ms.two!).toFixed(2)}×` +
      `   ${s ** 3 >= THREADS_MIN_WORK ? 'threaded' : 'one thread'} by default`);
  }
  console.log(`SIMD on 1 vs 2 threads (gemmAuto uses the threads from m·n·k ≥ ${THREADS_MIN_WORK}; below, "2 threads" runs on one):`);
  for (const l of lines) console.log(l);
  useKernels('simd', cores);
}
