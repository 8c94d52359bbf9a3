// Image-layer suite: the transposed convolution (Conv2DTranspose, at the shapes of a convolutional
// autoencoder's decoder) and the depthwise convolution (DepthwiseConv2D, MobileNet-like), forward,
// input gradient and filter gradient, batch 32, for tensorkit (SIMD kernels on one thread and on
// all of them; the JavaScript kernels) and TF.js (cpu; wasm for the ops its backend has), in this
// one process. Also checks that both libraries computed the same numbers.
import * as tk from '../src/index.js';
import * as ops from '../src/ops/index.js';
import { measure, printTable, seeded, tf, tfWasmFlavour, useTfCpu, useTfWasm, type MeasureOptions, type Row } from './util.js';

interface Case {
  kind: 'transpose' | 'depthwise';
  label: string;
  /** The op's input x. */
  x: [number, number, number, number];
  /** Conv2DTranspose: [kh, kw, filters, in]; depthwise: [kh, kw, C, M]. */
  kernel: [number, number, number, number];
  strides: number;
  /** The op's output shape. */
  y: [number, number, number, number];
}

const CASES: Case[] = [
  { kind: 'transpose', label: 'convT 7×7×32→14×14×16', x: [32, 7, 7, 32], kernel: [3, 3, 16, 32], strides: 2, y: [32, 14, 14, 16] },
  { kind: 'transpose', label: 'convT 14×14×32→28×28×16', x: [32, 14, 14, 32], kernel: [3, 3, 16, 32], strides: 2, y: [32, 28, 28, 16] },
  { kind: 'depthwise', label: 'depthwise 28×28×32', x: [32, 28, 28, 32], kernel: [3, 3, 32, 1], strides: 1, y: [32, 28, 28, 32] },
  { kind: 'depthwise', label: 'depthwise 14×14×128', x: [32, 14, 14, 128], kernel: [3, 3, 128, 1], strides: 1, y: [32, 14, 14, 128] },
];

/** Multiply-adds ×2 of each op (forward and both gradients have the same count). */
function flopsOf(c: Case): number {
  const [kh, kw, a, b] = c.kernel;
  return c.kind === 'transpose' ? 2 * c.x[0] * c.x[1] * c.x[2] * kh * kw * a * b : 2 * c.y[0] * c.y[1] * c.y[2] * kh * kw * a * b;
}

function optionsFor(expectedMs: number): MeasureOptions {
  if (expectedMs > 1000) return { warmup: 0, minSamples: 1, maxTime: 0 };
  if (expectedMs > 200) return { warmup: 1, minSamples: 3, maxTime: 1 };
  return { minSamples: 5, maxTime: 1 };
}

/** Times `fn` once when it is expected to take over 5 s (TF.js-cpu's filter gradients), else with measure. */
function timeSlow(fn: () => void, expectedMs: number): number {
  if (expectedMs <= 5000) return measure(fn, optionsFor(expectedMs)).ms;
  const started = performance.now();
  fn();
  return performance.now() - started;
}

interface Timings { forward: number; inputGrad?: number; filterGrad?: number }

function watched(data: Float32Array, shape: readonly number[]): tk.Tensor {
  const t = tk.tensor(data, shape);
  t.requiresGrad = true;
  return t;
}

/** tensorkit: the op forward; each gradient alone, from its tape node, fused (as training runs it, outside recording). */
function timeTensorkit(c: Case, xData: Float32Array, wData: Float32Array, dyData: Float32Array): { t: Timings; out: Float32Array[] } {
  const run = (x: tk.Tensor, w: tk.Tensor): tk.Tensor => (c.kind === 'transpose'
    ? ops.conv2dTranspose(x, w, { strides: c.strides, padding: 'same' })
    : ops.depthwiseConv2d(x, w, { strides: c.strides, padding: 'same' }));
  const x = tk.tensor(xData, c.x);
  const w = tk.tensor(wData, c.kernel);
  const dy = tk.tensor(dyData, c.y);
  const forward = measure(() => run(x, w), optionsFor(0)).ms;
  const yx = run(watched(xData, c.x), w);
  const inputGrad = measure(() => tk.noGrad(() => yx.node!.backward(dy)), optionsFor(0)).ms;
  const yw = run(x, watched(wData, c.kernel));
  const filterGrad = measure(() => tk.noGrad(() => yw.node!.backward(dy)), optionsFor(0)).ms;
  const out = tk.noGrad(() => [run(x, w).data, yx.node!.backward(dy)[0]!.data, yw.node!.backward(dy)[1]!.data]);
  return { t: { forward, inputGrad, filterGrad }, out };
}

/**
 * TF.js on the current backend, through the kernels its ops and gradients run: Conv2DTranspose is
 * Conv2DBackpropInput, its input gradient a Conv2D, its filter gradient Conv2DBackpropFilter(dy, x);
 * depthwise: DepthwiseConv2dNative and its two backprop kernels. `forwardOnly` for the wasm
 * backend, which has neither filter-gradient kernel nor the depthwise input gradient.
 */
function timeTf(c: Case, xData: Float32Array, wData: Float32Array, dyData: Float32Array, gflops: number, forwardOnly: boolean): { t: Partial<Timings>; out: Float32Array[] } {
  const engine = tf.engine();
  const x = tf.tensor4d(xData, c.x);
  const w = tf.tensor4d(wData, c.kernel);
  const dy = tf.tensor4d(dyData, c.y);
  const attrs = { strides: c.strides, pad: 'same', dataFormat: 'NHWC', dilations: 1 };
  const k = c.kind === 'transpose'
    ? {
      forward: () => engine.runKernel('Conv2DBackpropInput', { dy: x, filter: w }, { ...attrs, inputShape: c.y }) as tf.Tensor,
      inputGrad: () => engine.runKernel('Conv2D', { x: dy, filter: w }, attrs) as tf.Tensor,
      filterGrad: () => engine.runKernel('Conv2DBackpropFilter', { x: dy, dy: x }, { ...attrs, filterShape: c.kernel }) as tf.Tensor,
    }
    : {
      forward: () => engine.runKernel('DepthwiseConv2dNative', { x, filter: w }, attrs) as tf.Tensor,
      inputGrad: () => engine.runKernel('DepthwiseConv2dNativeBackpropInput', { dy, filter: w }, { ...attrs, inputShape: c.x }) as tf.Tensor,
      filterGrad: () => engine.runKernel('DepthwiseConv2dNativeBackpropFilter', { x, dy }, { ...attrs, filterShape: c.kernel }) as tf.Tensor,
    };
  const expected = flopsOf(c) / (gflops * 1e6);
  const t: Partial<Timings> = {};
  const out: Float32Array[] = [];
  const timed = (f: () => tf.Tensor, slow: boolean): number => {
    let last: Float32Array | null = null;
    const ms = timeSlow(() => { const r = f(); last = r.dataSync() as Float32Array; r.dispose(); }, slow ? expected * 30 : expected);
    out.push(last!);
    return ms;
  };
  t.forward = timed(k.forward, false);
  if (c.kind === 'transpose') t.inputGrad = timed(k.inputGrad, false); // wasm has Conv2D
  if (!forwardOnly) {
    if (c.kind === 'depthwise') t.inputGrad = timed(k.inputGrad, false);
    t.filterGrad = timed(k.filterGrad, true);
  }
  tf.dispose([x, w, dy]);
  return { t, out };
}

function maxDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i]! - b[i]!));
  return worst;
}

export async function run(): Promise<void> {
  const data = CASES.map((c, i) => ({
    c,
    x: seeded(c.x, 70 + i),
    w: seeded(c.kernel, 80 + i).map((v) => v * 0.3),
    dy: seeded(c.y, 90 + i),
  }));
  const threads = tk.getNumThreads();
  const kernels = tk.getKernels();
  const ours: Record<string, ReturnType<typeof timeTensorkit>[]> = {};
  try {
    tk.setNumThreads(1);
    tk.setKernels('js');
    ours.js = data.map((d) => timeTensorkit(d.c, d.x, d.w, d.dy));
    if (kernels !== 'js') {
      tk.setKernels(kernels);
      ours[`${kernels}, 1 thread`] = data.map((d) => timeTensorkit(d.c, d.x, d.w, d.dy));
      if (threads > 1) {
        tk.setNumThreads(threads);
        ours[`${kernels}, ${threads} threads`] = data.map((d) => timeTensorkit(d.c, d.x, d.w, d.dy));
      }
    }
  } finally {
    tk.setKernels(kernels);
    tk.setNumThreads(threads);
  }

  await useTfCpu();
  const cpu = data.map((d) => timeTf(d.c, d.x, d.w, d.dy, 0.3, false));
  let wasm: ReturnType<typeof timeTf>[] | null = null;
  let wasmNote = 'TF.js wasm unavailable';
  if (await useTfWasm()) {
    wasmNote = `TF.js wasm: ${await tfWasmFlavour()}, 1 thread; it has Conv2DBackpropInput, Conv2D and DepthwiseConv2dNative, no filter-gradient or depthwise input-gradient kernel`;
    wasm = data.map((d) => timeTf(d.c, d.x, d.w, d.dy, 5, true));
  }
  await useTfCpu();

  const rows: Row[] = [];
  const phases = [['forward', 'forward'], ['inputGrad', 'input gradient'], ['filterGrad', 'filter gradient']] as const;
  CASES.forEach((c, i) => {
    const flops = flopsOf(c);
    for (const [key, name] of phases) {
      const vs: Record<string, number> = {};
      const theirsCpu = cpu[i]!.t[key];
      const theirsWasm = wasm?.[i]!.t[key];
      if (theirsCpu !== undefined) vs['tfjs-cpu'] = theirsCpu;
      if (theirsWasm !== undefined) vs['tfjs-wasm'] = theirsWasm;
      for (const [who, timings] of Object.entries(ours)) rows.push({ name: `${c.label} ${name.padEnd(15)} tensorkit ${who}`, ms: timings[i]!.t[key]!, flops, vs });
      if (theirsCpu !== undefined) rows.push({ name: `${c.label} ${name.padEnd(15)} tfjs-cpu`, ms: theirsCpu, flops });
      if (theirsWasm !== undefined) rows.push({ name: `${c.label} ${name.padEnd(15)} tfjs-wasm`, ms: theirsWasm, flops });
    }
  });
  printTable('Conv2DTranspose (3×3, stride 2, same) and DepthwiseConv2D (3×3, same), batch 32; "vs X" = X ms / tensorkit ms (>1: tensorkit faster)', rows);
  const reference = Object.values(ours)[Object.keys(ours).length - 1]!;
  const diffs = CASES.map((c, i) => `${c.label} fwd/dx/dW ${reference[i]!.out.map((o, j) => (cpu[i]!.out[j] === undefined ? '-' : maxDiff(o, cpu[i]!.out[j]!).toExponential(1))).join('/')}`);
  console.log(`(max |tensorkit − TF.js cpu|: ${diffs.join('; ')}; ${wasmNote})`);
}
