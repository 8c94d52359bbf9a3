// Normalization suite: LayerNormalization (over the last axis) at transformer-encoder shapes,
// forward, and a training step's forward + backward (the gradients of x, gamma and beta), for
// tensorkit (composed of tape ops: see src/layers/normalization.ts) and TF.js's layerNormalization
// (cpu and wasm), in this one process, with identical inputs and weights. Also checks that both
// libraries computed the same numbers.
import * as tk from '../src/index.js';
import { measure, printTable, seeded, tf, tfWasmFlavour, useTfCpu, useTfWasm, type Row } from './util.js';

// Batch 32 of 64 tokens of width 128, and batch 8 of 128 tokens of width 256.
const SHAPES: [number, number, number][] = [[32, 64, 128], [8, 128, 256]];

interface Result { forward: number; step: number; y: Float32Array; dx: Float32Array }

function timeTensorkit(shape: [number, number, number], xData: Float32Array, rData: Float32Array): Result {
  const layer = new tk.layers.LayerNormalization();
  const x = tk.tensor(xData, shape);
  const r = tk.tensor(rData, shape);
  layer.apply(x);
  const d = shape[2];
  layer.setWeights([tk.tensor(seeded([d], 5).map((v) => 1 + 0.5 * v)), tk.tensor(seeded([d], 6))]);
  const forward = measure(() => tk.noGrad(() => layer.apply(x))).ms;
  // One backward pass for all three gradients: x is a variable alongside gamma and beta.
  const xVar = tk.variable(x);
  const step = measure(() => { tk.variableGrads(() => tk.sum(tk.mul(layer.apply(xVar), r)), [...layer.trainableWeights, xVar]); }).ms;
  const y = tk.noGrad(() => layer.apply(x)).data;
  const dx = tk.grad((t: tk.Tensor) => tk.sum(tk.mul(layer.apply(t), r)))(x).data;
  return { forward, step, y, dx };
}

function timeTf(shape: [number, number, number], xData: Float32Array, rData: Float32Array): Result {
  const layer = tf.layers.layerNormalization({ epsilon: 1e-3 });
  const x = tf.tensor3d(xData, shape);
  const r = tf.tensor3d(rData, shape);
  layer.apply(x);
  const d = shape[2];
  layer.setWeights([tf.tensor1d(seeded([d], 5).map((v) => 1 + 0.5 * v)), tf.tensor1d(seeded([d], 6))]);
  const slow = { minSamples: 3, maxTime: 1 };
  const forward = measure(() => { tf.tidy(() => (layer.apply(x) as tf.Tensor).dataSync()); }, slow).ms;
  // One backward pass for all three gradients: x is a variable alongside gamma and beta.
  const xVar = tf.variable(x);
  const vars = [...layer.trainableWeights.map((w) => w.read() as tf.Variable), xVar];
  const step = measure(() => {
    tf.tidy(() => {
      const { grads } = tf.variableGrads(() => tf.sum(tf.mul(layer.apply(xVar) as tf.Tensor, r)) as tf.Scalar, vars);
      Object.values(grads).forEach((g) => g.dataSync());
    });
  }, slow).ms;
  xVar.dispose();
  const y = tf.tidy(() => (layer.apply(x) as tf.Tensor).dataSync() as Float32Array);
  const dx = tf.tidy(() => tf.grads((t: tf.Tensor) => tf.sum(tf.mul(layer.apply(t) as tf.Tensor, r)))([x])[0]!.dataSync() as Float32Array);
  tf.dispose([x, r]);
  return { forward, step, y, dx };
}

function maxDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i]! - b[i]!));
  return worst;
}

export async function run(): Promise<void> {
  const data = SHAPES.map((s, i) => ({ s, x: seeded(s, 10 + i).map((v) => 3 * v + 1), r: seeded(s, 20 + i) }));
  const ours = data.map((d) => timeTensorkit(d.s, d.x, d.r));
  await useTfCpu();
  const cpu = data.map((d) => timeTf(d.s, d.x, d.r));
  let wasm: Result[] | null = null;
  let note = 'TF.js wasm unavailable';
  if (await useTfWasm()) {
    try {
      wasm = data.map((d) => timeTf(d.s, d.x, d.r));
      note = `TF.js wasm: ${await tfWasmFlavour()}, 1 thread`;
    } catch (e) {
      note = `TF.js wasm failed: ${e instanceof Error ? e.message : String(e)}`;
    }
  }
  await useTfCpu();
  const rows: Row[] = [];
  SHAPES.forEach((s, i) => {
    const label = `layerNorm [${s.join(', ')}]`;
    for (const key of ['forward', 'step'] as const) {
      const name = key === 'forward' ? 'forward        ' : 'forward+backward';
      const vs: Record<string, number> = { 'tfjs-cpu': cpu[i]![key] };
      if (wasm !== null) vs['tfjs-wasm'] = wasm[i]![key];
      rows.push({ name: `${label} ${name} tensorkit`, ms: ours[i]![key], vs });
      rows.push({ name: `${label} ${name} tfjs-cpu`, ms: cpu[i]![key] });
      if (wasm !== null) rows.push({ name: `${label} ${name} tfjs-wasm`, ms: wasm[i]![key] });
    }
  });
  printTable('LayerNormalization (last axis, epsilon 1e-3); forward+backward = the gradients of x, gamma and beta; "vs X" = X ms / tensorkit ms (>1: tensorkit faster)', rows);
  const diffs = SHAPES.map((s, i) => `[${s.join(', ')}] y ${maxDiff(ours[i]!.y, cpu[i]!.y).toExponential(1)}, dx ${maxDiff(ours[i]!.dx, cpu[i]!.dx).toExponential(1)}`);
  console.log(`(max |tensorkit − TF.js cpu|: ${diffs.join('; ')}; ${note})`);
}
