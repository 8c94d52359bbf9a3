// Convolution and pooling suite, at the shapes of the classic Keras MNIST convnet (batch 32):
// conv2d forward / input gradient / filter gradient and 2×2 max pooling forward / backward, for
// tensorkit (convolutions on the JS kernels, where 13×13×32→64 goes through Winograd, and on the
// SIMD kernels; max pooling forward on both) and TF.js (cpu backend, and the wasm backend for the
// forward ops), everything on one thread, in this one process. Also checks that both libraries
// computed the same numbers.
import * as tk from '../src/index.js';
import * as ops from '../src/ops/index.js';
import { measure, printTable, seeded, tf, tfWasmFlavour, useTfCpu, useTfWasm, type MeasureOptions, type Row } from './util.js';

interface ConvCase {
  label: string;
  x: [number, number, number, number];
  kernel: [number, number, number, number];
}

const CONVS: ConvCase[] = [
  { label: 'conv 28×28×1→32', x: [32, 28, 28, 1], kernel: [3, 3, 1, 32] },
  { label: 'conv 13×13×32→64', x: [32, 13, 13, 32], kernel: [3, 3, 32, 64] },
];
const POOLS: { label: string; x: [number, number, number, number] }[] = [
  { label: 'maxpool 26×26×32', x: [32, 26, 26, 32] },
  { label: 'maxpool 11×11×64', x: [32, 11, 11, 64] },
];

/** Sampling for one call of about `expectedMs`: fewer samples for calls of a second or more. */
function optionsFor(expectedMs: number): MeasureOptions {
  if (expectedMs > 1000) return { warmup: 0, minSamples: 1, maxTime: 0 };
  if (expectedMs > 200) return { warmup: 1, minSamples: 3, maxTime: 1 };
  return { minSamples: 5, maxTime: 1 };
}

/**
 * Times `fn` once if it is expected to take over 5 s, else with {@link measure}. TF.js-cpu's
 * filter gradient takes 3 s and 20–30 s at these shapes (it reads one element at a time, ~0.01
 * GFLOPS); benchmark.js would spend a calibration call plus a sample on it (up to a minute). A
 * single call of seconds is not disturbed by timer resolution or JIT warm-up worth mentioning.
 */
function timeSlow(fn: () => void, expectedMs: number): number {
  if (expectedMs <= 5000) return measure(fn, optionsFor(expectedMs)).ms;
  const started = performance.now();
  fn();
  return performance.now() - started;
}

/** tk.Tensor that requires a gradient (a watched input, as tk.grad makes). */
function watched(data: Float32Array, shape: readonly number[]): tk.Tensor {
  const t = tk.tensor(data, shape);
  t.requiresGrad = true;
  return t;
}

function maxDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i]! - b[i]!));
  return worst;
}

interface Timings {
  forward: number;
  inputGrad: number;
  filterGrad: number;
  allGrads?: number;
}

/** tensorkit: the forward as a model runs it (bias and relu fused); each gradient alone, from the tape node. */
function timeTensorkitConv(c: ConvCase, xData: Float32Array, wData: Float32Array, bData: Float32Array, dyData: Float32Array): { t: Timings; out: Float32Array[] } {
  const F = c.kernel[3];
  const x = tk.tensor(xData, c.x);
  const w = tk.tensor(wData, c.kernel);
  const b = tk.tensor(bData, [F]);
  const forward = measure(() => ops.conv2d(x, w, {}, b, 'relu'), optionsFor(0)).ms;
  // The input gradient alone: only x requires a gradient, so the node computes dx = col2im(dy·Wᵀ).
  const yx = ops.conv2d(watched(xData, c.x), w);
  const dy = tk.tensor(dyData, yx.shape);
  const inputGrad = measure(() => yx.node!.backward(dy), optionsFor(0)).ms;
  // The filter gradient alone: dW = colsᵀ·dy, patches recomputed chunk by chunk.
  const yw = ops.conv2d(x, watched(wData, c.kernel));
  const filterGrad = measure(() => yw.node!.backward(dy), optionsFor(0)).ms;
  // What training runs: dx, dW and db in one pass with the relu mask (one im2col per chunk).
  const yAll = ops.conv2d(watched(xData, c.x), watched(wData, c.kernel), {}, watched(bData, [F]), 'relu');
  const allGrads = measure(() => yAll.node!.backward(dy), optionsFor(0)).ms;
  const outs = [ops.conv2d(x, w, {}, b, 'relu').data, yx.node!.backward(dy)[0]!.data, yw.node!.backward(dy)[1]!.data];
  return { t: { forward, inputGrad, filterGrad, allGrads }, out: outs };
}

/** TF.js on the current backend: fused conv+bias+relu forward; the two backprop kernels directly. */
function timeTfConv(c: ConvCase, xData: Float32Array, wData: Float32Array, bData: Float32Array, dyData: Float32Array, guess: { gflops: number; filterGflops: number }, forwardOnly: boolean): { t: Partial<Timings>; out: Float32Array[] } {
  const flops = 2 * c.x[0] * (c.x[1] - 2) * (c.x[2] - 2) * c.kernel[0] * c.kernel[1] * c.kernel[2] * c.kernel[3];
  const x = tf.tensor4d(xData, c.x);
  const w = tf.tensor4d(wData, c.kernel);
  const b = tf.tensor1d(bData);
  const dy = tf.tensor4d(dyData, [c.x[0], c.x[1] - 2, c.x[2] - 2, c.kernel[3]]);
  const out: Float32Array[] = [];
  const t: Partial<Timings> = {};
  const fused = (): tf.Tensor => tf.fused.conv2d({ x, filter: w, strides: 1, pad: 'valid', bias: b, activation: 'relu' });
  t.forward = measure(() => { const y = fused(); y.dataSync(); y.dispose(); }, optionsFor(flops / (guess.gflops * 1e6))).ms;
  out.push(tf.tidy(() => fused().dataSync() as Float32Array));
  if (!forwardOnly) {
    // The kernels tf.grads runs for conv2d (TF.js exports no conv2dDerInput/DerFilter op).
    const engine = tf.engine();
    const dInput = (): tf.Tensor => engine.runKernel('Conv2DBackpropInput', { dy, filter: w }, { strides: 1, pad: 'valid', dataFormat: 'NHWC', inputShape: c.x }) as tf.Tensor;
    const dFilter = (): tf.Tensor => engine.runKernel('Conv2DBackpropFilter', { x, dy }, { strides: 1, pad: 'valid', dataFormat: 'NHWC', filterShape: c.kernel }) as tf.Tensor;
    t.inputGrad = measure(() => { const g = dInput(); g.dataSync(); g.dispose(); }, optionsFor(flops / (guess.gflops * 1e6))).ms;
    out.push(tf.tidy(() => dInput().dataSync() as Float32Array));
    let last: Float32Array | null = null;
    t.filterGrad = timeSlow(() => { const g = dFilter(); last = g.dataSync() as Float32Array; g.dispose(); }, flops / (guess.filterGflops * 1e6));
    out.push(last!);
  }
  tf.dispose([x, w, b, dy]);
  return { t, out };
}

interface PoolTimings { forward: number; backward?: number; forwardJs?: number }

function timeTensorkitPool(shape: readonly number[], xData: Float32Array, dyData: Float32Array): { t: PoolTimings; out: Float32Array[] } {
  const x = tk.tensor(xData, shape);
  const forward = measure(() => ops.maxPool2d(x, 2), optionsFor(0)).ms;
  // The forward on the JavaScript kernel too (the reference the SIMD one replaces: same bits).
  const kind = tk.getKernels();
  tk.setKernels('js');
  const forwardJs = measure(() => ops.maxPool2d(x, 2), optionsFor(0)).ms;
  tk.setKernels(kind);
  const y = ops.maxPool2d(watched(xData, shape), 2);
  const dy = tk.tensor(dyData, y.shape);
  const backward = measure(() => y.node!.backward(dy), optionsFor(0)).ms;
  return { t: { forward, backward, forwardJs }, out: [y.data, y.node!.backward(dy)[0]!.data] };
}

function timeTfPool(shape: [number, number, number, number], xData: Float32Array, dyData: Float32Array, forwardOnly: boolean): { t: PoolTimings; out: Float32Array[] } {
  const x = tf.tensor4d(xData, shape);
  const forward = measure(() => { const y = tf.maxPool(x, 2, 2, 'valid'); y.dataSync(); y.dispose(); }, optionsFor(0)).ms;
  const y = tf.maxPool(x, 2, 2, 'valid');
  const out = [y.dataSync() as Float32Array];
  let backward: number | undefined;
  if (!forwardOnly) {
    const dy = tf.tensor(dyData, y.shape);
    const grad = (): tf.Tensor => tf.engine().runKernel('MaxPoolGrad', { dy, input: x, output: y }, { filterSize: 2, strides: 2, pad: 'valid' }) as tf.Tensor;
    backward = measure(() => { const g = grad(); g.dataSync(); g.dispose(); }, optionsFor(0)).ms;
    out.push(tf.tidy(() => grad().dataSync() as Float32Array));
    dy.dispose();
  }
  tf.dispose([x, y]);
  return { t: { forward, backward }, out };
}

export async function run(): Promise<void> {
  const convData = CONVS.map((c, i) => ({
    c,
    x: seeded(c.x, 10 + i),
    w: seeded(c.kernel, 20 + i).map((v) => v * 0.3),
    b: seeded([c.kernel[3]], 30 + i),
    dy: seeded([c.x[0], c.x[1] - 2, c.x[2] - 2, c.kernel[3]], 40 + i),
  }));
  const poolData = POOLS.map((p, i) => ({ p, x: seeded(p.x, 50 + i), dy: seeded([p.x[0], p.x[1] >> 1, p.x[2] >> 1, p.x[3]], 60 + i) }));

  const threads = tk.getNumThreads();
  const initialKernels = tk.getKernels(); // 'simd' where WebAssembly SIMD validates, else 'js'
  let tkConvJs: ReturnType<typeof timeTensorkitConv>[];
  let tkConv: ReturnType<typeof timeTensorkitConv>[];
  let tkPool: ReturnType<typeof timeTensorkitPool>[];
  try {
    tk.setNumThreads(1);
    tk.setKernels('js');
    tkConvJs = convData.map((d) => timeTensorkitConv(d.c, d.x, d.w, d.b, d.dy));
    tk.setKernels(initialKernels);
    tkConv = initialKernels === 'js' ? tkConvJs : convData.map((d) => timeTensorkitConv(d.c, d.x, d.w, d.b, d.dy));
    tkPool = poolData.map((d) => timeTensorkitPool(d.p.x, d.x, d.dy));
  } finally {
    tk.setKernels(initialKernels);
    tk.setNumThreads(threads);
  }

  await useTfCpu();
  const cpuConv = convData.map((d) => timeTfConv(d.c, d.x, d.w, d.b, d.dy, { gflops: 0.3, filterGflops: 0.01 }, false));
  const cpuPool = poolData.map((d) => timeTfPool(d.p.x, d.x, d.dy, false));

  let wasmConv: { t: Partial<Timings> }[] | null = null;
  let wasmPool: { t: PoolTimings }[] | null = null;
  let wasmNote = 'TF.js wasm unavailable';
  if (await useTfWasm()) {
    // The wasm backend has no Conv2DBackpropFilter kernel (tf.grads of a conv2d throws there),
    // so only the forward ops are compared.
    wasmNote = `TF.js wasm: ${await tfWasmFlavour()}, 1 thread, forward ops only (it has no conv filter-gradient kernel)`;
    wasmConv = convData.map((d) => timeTfConv(d.c, d.x, d.w, d.b, d.dy, { gflops: 10, filterGflops: 10 }, true));
    wasmPool = poolData.map((d) => timeTfPool(d.p.x, d.x, d.dy, true));
  }
  await useTfCpu(); // leave TF.js on the cpu backend for the suites that follow

  const rows: Row[] = [];
  const vs = (cpu: number | undefined, wasm: number | undefined): Record<string, number> => {
    const r: Record<string, number> = {};
    if (cpu !== undefined) r['tfjs-cpu'] = cpu;
    if (wasm !== undefined) r['tfjs-wasm'] = wasm;
    return r;
  };
  CONVS.forEach((c, i) => {
    const flops = 2 * c.x[0] * (c.x[1] - 2) * (c.x[2] - 2) * c.kernel[0] * c.kernel[1] * c.kernel[2] * c.kernel[3];
    const ours = tkConv[i]!.t;
    const js = tkConvJs[i]!.t;
    const cpu = cpuConv[i]!.t;
    const wasm = wasmConv?.[i]!.t;
    const simd = `tensorkit ${initialKernels}`;
    const both = initialKernels !== 'js'; // else the rows would repeat the js ones
    rows.push({ name: `${c.label} forward (+bias, relu)   tensorkit js`, ms: js.forward, flops, vs: vs(cpu.forward, wasm?.forward) });
    if (both) rows.push({ name: `${c.label} forward (+bias, relu)   ${simd}`, ms: ours.forward, flops, vs: vs(cpu.forward, wasm?.forward) });
    rows.push({ name: `${c.label} forward (+bias, relu)   tfjs-cpu`, ms: cpu.forward!, flops });
    if (wasm !== undefined) rows.push({ name: `${c.label} forward (+bias, relu)   tfjs-wasm`, ms: wasm.forward!, flops });
    rows.push({ name: `${c.label} input gradient          tensorkit js`, ms: js.inputGrad, flops, vs: vs(cpu.inputGrad, undefined) });
    if (both) rows.push({ name: `${c.label} input gradient          ${simd}`, ms: ours.inputGrad, flops, vs: vs(cpu.inputGrad, undefined) });
    rows.push({ name: `${c.label} input gradient          tfjs-cpu`, ms: cpu.inputGrad!, flops });
    rows.push({ name: `${c.label} filter gradient         tensorkit js`, ms: js.filterGrad, flops, vs: vs(cpu.filterGrad, undefined) });
    if (both) rows.push({ name: `${c.label} filter gradient         ${simd}`, ms: ours.filterGrad, flops, vs: vs(cpu.filterGrad, undefined) });
    rows.push({ name: `${c.label} filter gradient         tfjs-cpu`, ms: cpu.filterGrad!, flops });
    rows.push({ name: `${c.label} dx+dW+db (relu) tensorkit js`, ms: js.allGrads!, flops: 2 * flops });
    if (both) rows.push({ name: `${c.label} dx+dW+db (relu) ${simd}`, ms: ours.allGrads!, flops: 2 * flops });
  });
  POOLS.forEach((p, i) => {
    const ours = tkPool[i]!.t;
    const cpu = cpuPool[i]!.t;
    const wasm = wasmPool?.[i]!.t;
    if (initialKernels !== 'js') rows.push({ name: `${p.label} forward    tensorkit ${initialKernels}`, ms: ours.forward, vs: vs(cpu.forward, wasm?.forward) });
    rows.push({ name: `${p.label} forward    tensorkit js`, ms: ours.forwardJs!, vs: vs(cpu.forward, wasm?.forward) });
    rows.push({ name: `${p.label} forward    tfjs-cpu`, ms: cpu.forward });
    if (wasm !== undefined) rows.push({ name: `${p.label} forward    tfjs-wasm`, ms: wasm.forward });
    rows.push({ name: `${p.label} backward   tensorkit`, ms: ours.backward!, vs: vs(cpu.backward, undefined) });
    rows.push({ name: `${p.label} backward   tfjs-cpu`, ms: cpu.backward! });
  });
  printTable('Conv2D 3×3 valid and MaxPool 2×2, batch 32, one thread; "vs X" = X ms / tensorkit ms (>1: tensorkit faster)', rows);

  // Target: every backward op within 2× of its forward.
  const ratios: string[] = [];
  for (const [kind, timings] of initialKernels === 'js' ? [['js', tkConvJs] as const] : [['js', tkConvJs] as const, [initialKernels, tkConv] as const]) {
    CONVS.forEach((c, i) => {
      const t = timings[i]!.t;
      ratios.push(`${c.label} (${kind}): input grad ${(t.inputGrad / t.forward).toFixed(2)}×, filter grad ${(t.filterGrad / t.forward).toFixed(2)}× the forward`);
    });
  }
  POOLS.forEach((p, i) => {
    const t = tkPool[i]!.t;
    ratios.push(`${p.label}: backward ${(t.backward! / t.forwardJs!).toFixed(2)}× the js forward, ${(t.backward! / t.forward).toFixed(2)}× the ${initialKernels} one`);
  });
  console.log(`Backward / forward (target ≤ 2×): ${ratios.join('; ')}`);

  // Both libraries computed the same thing.
  const diffs = [
    ...CONVS.map((c, i) => `${c.label} fwd/dx/dW ${tkConv[i]!.out.map((o, j) => maxDiff(o, cpuConv[i]!.out[j]!).toExponential(1)).join('/')}` +
      ` (js: ${tkConvJs[i]!.out.map((o, j) => maxDiff(o, cpuConv[i]!.out[j]!).toExponential(1)).join('/')})`),
    ...POOLS.map((p, i) => `${p.label} fwd/dx ${tkPool[i]!.out.map((o, j) => maxDiff(o, cpuPool[i]!.out[j]!).toExponential(1)).join('/')}`),
  ];
  console.log(`(max |tensorkit − TF.js cpu|: ${diffs.join('; ')}; ${wasmNote})`);
}
