// GEMM suite: tensorkit's gemm kernel against tf.matMul on the TF.js cpu and wasm backends,
// square C = A·B for n = 128 … 1024, all single-threaded in this one process.
import { gemm } from '../src/tensor/kernels/gemm.js';
import { measure, printTable, tf, tfWasmFlavour, useTfCpu, useTfWasm, type MeasureOptions, type Row } from './util.js';

const SIZES = [128, 256, 512, 1024];

/** Uniform numbers in [-1, 1) from a fixed seed, so every run multiplies the same matrices. */
function seededMatrix(n: number, seed: number): Float32Array {
  const x = new Float32Array(n * n);
  let s = seed >>> 0;
  for (let i = 0; i < x.length; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0; // LCG: plenty for benchmark data
    x[i] = s / 2 ** 31 - 1;
  }
  return x;
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

export async function run(): Promise<void> {
  const inputs = SIZES.map((n) => ({ n, a: seededMatrix(n, 1), b: seededMatrix(n, 2) }));

  const tensorkit = new Map<number, number>();
  for (const { n, a, b } of inputs) {
    const c = new Float32Array(n * n);
    const { ms } = measure(() => gemm(false, false, n, n, n, a, 0, n, b, 0, n, c, 0, n, false), optionsFor(0));
    tensorkit.set(n, ms);
  }

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

  const rows: Row[] = [];
  for (const n of SIZES) {
    const flops = 2 * n ** 3;
    const vs: Record<string, number> = { 'tfjs-cpu': tfCpu.get(n)! };
    if (tfWasm.has(n)) vs['tfjs-wasm'] = tfWasm.get(n)!;
    rows.push({ name: `${n}³ tensorkit gemm`, ms: tensorkit.get(n)!, flops, vs });
    rows.push({ name: `${n}³ tfjs-cpu matMul`, ms: tfCpu.get(n)!, flops });
    if (tfWasm.has(n)) rows.push({ name: `${n}³ tfjs-wasm matMul`, ms: tfWasm.get(n)!, flops });
  }
  printTable('GEMM  C = A·B, square n×n float32, one thread; "vs X" = X ms / tensorkit ms (>1: tensorkit faster)', rows);
  console.log(`(tensorkit vs TF.js cpu at n = ${inputs[0]!.n}: max |difference| = ${agreement.toExponential(2)}${wasmNote})`);
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
