// Shared helpers for the benchmark suites: timing on top of benchmark.js, an aligned table
// printer, and TensorFlow.js backend setup (cpu and wasm) for side-by-side comparisons.
import Benchmark from 'benchmark';
import * as tf from '@tensorflow/tfjs';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { createRequire } from 'node:module';
import path from 'node:path';

export { tf };

export interface MeasureOptions {
  /** Fewest samples benchmark.js takes (default 5). Lower it for calls that take seconds. */
  minSamples?: number;
  /** Seconds after which benchmark.js stops sampling, once it has minSamples (default 2). */
  maxTime?: number;
  /** Seconds each sample runs at least; fast calls are repeated inside a sample (default 0.05). */
  minTime?: number;
  /**
   * Calls made before benchmark.js starts, to let V8 optimise the code (default 3, fewer if
   * they take over 2 s). benchmark.js adds two untimed calls of its own (a pretest and a first
   * calibration cycle), so 0 is fine for calls that take seconds.
   */
  warmup?: number;
}

export interface Measurement {
  /** Median over the samples of the mean time per call in the sample, in milliseconds. */
  ms: number;
  /** Fastest sample, in milliseconds per call. */
  minMs: number;
  /** Number of samples the median is taken over. */
  samples: number;
}

/**
 * Times a synchronous function with benchmark.js and returns the median time per call.
 *
 * benchmark.js repeats a fast function inside each sample until the sample lasts `minTime`,
 * and keeps taking samples until it has `minSamples` and `maxTime` seconds have passed. Its
 * `stats.sample` holds the mean time per call of each sample, in seconds; we report their
 * median, which a stray slow sample (GC, another process) does not move, unlike the mean.
 *
 * @example
 * const { ms } = measure(() => gemm(...), { maxTime: 1 });
 */
export function measure(fn: () => void, options: MeasureOptions = {}): Measurement {
  // Warm up outside benchmark.js, so that its first samples do not time the JIT compiling.
  const started = performance.now();
  const warmup = options.warmup ?? 3;
  for (let i = 0; i < warmup; i++) {
    fn();
    if (performance.now() - started > 2000) break; // slow calls: one or two are warm enough
  }
  const bench = new Benchmark('measure', fn, {
    minSamples: options.minSamples ?? 5,
    maxTime: options.maxTime ?? 2,
    minTime: options.minTime ?? 0.05,
  });
  bench.run(); // synchronous: async is false by default
  if (bench.error) throw bench.error;
  const sample = bench.stats.sample;
  if (sample.length === 0) throw new Error('measure: benchmark.js took no samples');
  return { ms: median(sample) * 1000, minMs: Math.min(...sample) * 1000, samples: sample.length };
}

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((x, y) => x - y);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

export interface Row {
  /** What was measured, e.g. 'gemm 512 tensorkit'. */
  name: string;
  /** Median milliseconds per call. */
  ms: number;
  /** Floating-point operations per call; adds a GFLOPS column. */
  flops?: number;
  /**
   * Other measurements to compare with, by name → their median ms. Printed as a speed ratio,
   * `theirs / ours`: 2.00× means this row is twice as fast; 0.50× half as fast.
   */
  vs?: Record<string, number>;
}

/**
 * Prints rows as an aligned table: name, median ms, GFLOPS (if any row has flops) and one
 * speed-ratio column per reference named in `vs`. Returns the printed lines.
 *
 * @example
 * printTable('GEMM', [{ name: 'gemm 128 tensorkit', ms: 0.7, flops: 2 * 128 ** 3, vs: { 'tfjs-cpu': 5 } }]);
 */
export function printTable(title: string, rows: readonly Row[]): string[] {
  const refs = [...new Set(rows.flatMap((r) => Object.keys(r.vs ?? {})))];
  const hasFlops = rows.some((r) => r.flops !== undefined);
  const header = ['', 'median ms', ...(hasFlops ? ['GFLOPS'] : []), ...refs.map((r) => `vs ${r}`)];
  const body = rows.map((r) => [
    r.name,
    formatMs(r.ms),
    ...(hasFlops ? [r.flops === undefined ? '' : (r.flops / (r.ms * 1e6)).toFixed(2)] : []),
    ...refs.map((ref) => {
      const theirs = r.vs?.[ref];
      return theirs === undefined ? '' : `${(theirs / r.ms).toFixed(2)}×`;
    }),
  ]);
  const widths = header.map((h, col) => Math.max(h.length, ...body.map((cells) => cells[col]!.length)));
  const line = (cells: string[]) =>
    cells.map((cell, col) => (col === 0 ? cell.padEnd(widths[col]!) : cell.padStart(widths[col]!))).join('   ');
  const lines = [title, line(header), ...body.map(line)];
  for (const l of lines) console.log(l);
  return lines;
}

/** Milliseconds with about four significant digits: 0.1234, 12.34, 1234. */
export function formatMs(ms: number): string {
  if (ms >= 1000) return ms.toFixed(0);
  if (ms >= 100) return ms.toFixed(1);
  if (ms >= 10) return ms.toFixed(2);
  if (ms >= 1) return ms.toFixed(3);
  return ms.toFixed(4);
}

/**
 * Switches TensorFlow.js to its pure-JS cpu backend (the fair single-threaded comparison:
 * plain loops over typed arrays, like tensorkit). TF.js prints a one-time notice suggesting
 * tfjs-node when it starts in Node; that is expected.
 */
export async function useTfCpu(): Promise<void> {
  if (!(await tf.setBackend('cpu'))) throw new Error('TF.js cpu backend failed to initialise');
  await tf.ready();
}

let wasmPathsSet = false;

/**
 * Switches TensorFlow.js to its WebAssembly backend (XNNPACK kernels, with SIMD if V8 has it;
 * single-threaded, as TF.js does not use wasm threads in Node). Returns false, after printing
 * why, if it cannot initialise, so a suite can carry on without it.
 */
export async function useTfWasm(): Promise<boolean> {
  try {
    if (!wasmPathsSet) {
      // In Node the backend reads its .wasm file from disk. Its Node build already looks next
      // to its own JS file (the package's dist directory), but say so explicitly, so that a
      // bundled or relocated copy still finds the file: a path prefix ending in a separator
      // (a file:// URL prefix works too).
      const require = createRequire(import.meta.url);
      const pkg = require.resolve('@tensorflow/tfjs-backend-wasm/package.json');
      setWasmPaths(path.join(path.dirname(pkg), 'dist') + path.sep);
      wasmPathsSet = true;
    }
    if (!(await tf.setBackend('wasm'))) throw new Error('setBackend returned false');
    await tf.ready();
    return true;
  } catch (e) {
    console.log(`(TF.js wasm backend unavailable, skipped: ${e instanceof Error ? e.message : String(e)})`);
    return false;
  }
}

/** 'simd' or 'no simd', for labelling wasm results. */
export async function tfWasmFlavour(): Promise<string> {
  return (await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT')) ? 'simd' : 'no simd';
}

/**
 * Uniform numbers in [-1, 1) of the given shape from a fixed seed (an LCG: plenty for benchmark
 * data), so every run computes on the same inputs.
 */
export function seeded(shape: readonly number[], seed: number): Float32Array {
  const x = new Float32Array(shape.reduce((a, b) => a * b, 1));
  let s = seed >>> 0;
  for (let i = 0; i < x.length; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    x[i] = s / 2 ** 31 - 1;
  }
  return x;
}
