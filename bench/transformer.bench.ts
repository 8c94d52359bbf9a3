// Transformer-encoder suite: one training step (forward, backward, SGD update) of a post-norm
// encoder block on a classification head, batch 32:
//   x [B, T, D] → MultiHeadAttention(N heads, K = D/N) → x + att → LayerNormalization
//     → Dense(FF, relu) → Dense(D) → + → LayerNormalization → mean over T → Dense(10), softmax CE
// tensorkit runs the Keras model (tk.model of its layers, trainOnBatch); TF.js has no
// MultiHeadAttention, so the same math is written with tf ops (matMul, softmax, moments, ...) and
// trained with tf.variableGrads and an SGD update, at the same starting weights, on the cpu and
// wasm backends, in this one process. The first step's losses of both are compared.
import * as tk from '../src/index.js';
import { measure, printTable, seeded, tf, tfWasmFlavour, useTfCpu, useTfWasm, type Row } from './util.js';

interface Shape { label: string; B: number; T: number; D: number; N: number; FF: number }

const SHAPES: Shape[] = [
  { label: 'T=32 D=64 4 heads FF=128', B: 32, T: 32, D: 64, N: 4, FF: 128 },
  { label: 'T=64 D=128 8 heads FF=256', B: 32, T: 64, D: 128, N: 8, FF: 256 },
];
const CLASSES = 10;
const LR = 0.01;
const EPSILON = 1e-3; // Keras's LayerNormalization default

/** The encoder as a tensorkit model, compiled for SGD on categorical cross-entropy. */
function tkEncoder(s: Shape): tk.Model {
  const L = tk.layers;
  const x = tk.input({ shape: [s.T, s.D] });
  const att = new L.MultiHeadAttention({ numHeads: s.N, keyDim: s.D / s.N }).apply([x, x]) as tk.SymbolicTensor;
  const h1 = new L.LayerNormalization({ epsilon: EPSILON }).apply(new L.Add().apply([x, att]) as tk.SymbolicTensor) as tk.SymbolicTensor;
  const f = new L.Dense(s.D).apply(new L.Dense(s.FF, 'relu').apply(h1));
  const h2 = new L.LayerNormalization({ epsilon: EPSILON }).apply(new L.Add().apply([h1, f]) as tk.SymbolicTensor) as tk.SymbolicTensor;
  const out = new L.Dense(CLASSES, 'softmax').apply(new L.GlobalAveragePooling1D().apply(h2));
  const model = tk.model({ inputs: x, outputs: out });
  model.compile({ optimizer: new tk.optimizers.SGD({ learningRate: LR }), loss: 'categoricalCrossentropy' });
  return model;
}

/** The same encoder in TF.js ops, with variables holding the tensorkit model's starting weights (Keras order). */
function tfEncoder(s: Shape, weights: tk.Tensor[]): { vars: tf.Variable[]; loss: (x: tf.Tensor, y: tf.Tensor) => tf.Scalar } {
  const vars = weights.map((w) => tf.variable(tf.tensor(w.data, [...w.shape])));
  const [wq, bq, wk, bk, wv, bv, wo, bo, g1, b1, wf1, bf1, wf2, bf2, g2, b2, wc, bc] = vars as tf.Variable[];
  const K = s.D / s.N;
  const layerNorm = (h: tf.Tensor, gamma: tf.Tensor, beta: tf.Tensor): tf.Tensor => {
    const { mean, variance } = tf.moments(h, -1, true);
    return tf.add(tf.mul(tf.mul(tf.sub(h, mean), tf.rsqrt(tf.add(variance, EPSILON))), gamma), beta);
  };
  const loss = (x: tf.Tensor, y: tf.Tensor): tf.Scalar => {
    const { B, T, D, N } = s;
    const rows = tf.reshape(x, [B * T, D]);
    const project = (w: tf.Tensor, b: tf.Tensor): tf.Tensor =>
      tf.transpose(tf.reshape(tf.add(tf.matMul(rows, tf.reshape(w, [D, N * K])), tf.reshape(b, [N * K])), [B, T, N, K]), [0, 2, 1, 3]);
    const q = tf.mul(project(wq!, bq!), 1 / Math.sqrt(K));
    const k = project(wk!, bk!);
    const v = project(wv!, bv!);
    const p = tf.softmax(tf.matMul(q, k, false, true));
    const ctx = tf.reshape(tf.transpose(tf.matMul(p, v), [0, 2, 1, 3]), [B * T, N * K]);
    const att = tf.add(tf.matMul(ctx, tf.reshape(wo!, [N * K, D])), bo!);
    const h1 = layerNorm(tf.add(rows, att), g1!, b1!);
    const f = tf.add(tf.matMul(tf.relu(tf.add(tf.matMul(h1, wf1!), bf1!)), wf2!), bf2!);
    const h2 = layerNorm(tf.add(h1, f), g2!, b2!);
    const pooled = tf.mean(tf.reshape(h2, [B, T, D]), 1);
    return tf.losses.softmaxCrossEntropy(y, tf.add(tf.matMul(pooled, wc!), bc!)) as tf.Scalar;
  };
  return { vars, loss };
}

function tfStep(model: ReturnType<typeof tfEncoder>, x: tf.Tensor, y: tf.Tensor): number {
  return tf.tidy(() => {
    const { value, grads } = tf.variableGrads(() => model.loss(x, y), model.vars);
    for (const v of model.vars) v.assign(tf.sub(v, tf.mul(grads[v.name]!, LR)));
    return value.dataSync()[0]!;
  });
}

/** Multiply-adds ×2 of one forward pass (the step is about three times this). */
function flopsOf(s: Shape): number {
  const { B, T, D, FF } = s;
  return 2 * B * T * (4 * D * D + 2 * T * D + 2 * D * FF) + 2 * B * D * CLASSES;
}

export async function run(): Promise<void> {
  const rows: Row[] = [];
  const notes: string[] = [];
  for (const [i, s] of SHAPES.entries()) {
    const xData = seeded([s.B, s.T, s.D], 40 + i);
    const labels = Array.from({ length: s.B }, (_, b) => (b * 7 + i) % CLASSES);
    const yData = new Float32Array(s.B * CLASSES);
    labels.forEach((c, b) => (yData[b * CLASSES + c] = 1));
    tk.setSeed(5 + i);
    const model = tkEncoder(s);
    const start = model.getWeights();
    const x = tk.tensor(xData, [s.B, s.T, s.D]);
    const y = tk.tensor(yData, [s.B, CLASSES]);
    const firstTk = model.trainOnBatch(x, y) as number;
    // tensorkit's default (SIMD GEMMs on every core), then one thread as TF.js runs.
    const threads = tk.getNumThreads();
    const ours: Record<string, number> = { [`${threads} threads`]: measure(() => model.trainOnBatch(x, y), { minSamples: 5, maxTime: 2 }).ms };
    if (threads > 1) {
      try {
        tk.setNumThreads(1);
        ours['1 thread'] = measure(() => model.trainOnBatch(x, y), { minSamples: 5, maxTime: 2 }).ms;
      } finally {
        tk.setNumThreads(threads);
      }
    }

    const theirs: Record<string, number> = {};
    const firstTf: Record<string, number> = {};
    const time = (backend: string): void => {
      const enc = tfEncoder(s, start);
      const tx = tf.tensor(xData, [s.B, s.T, s.D]);
      const ty = tf.tensor(yData, [s.B, CLASSES]);
      firstTf[backend] = tfStep(enc, tx, ty);
      theirs[`tfjs-${backend}`] = measure(() => tfStep(enc, tx, ty), { minSamples: 5, maxTime: 2 }).ms;
      tf.dispose([tx, ty, ...enc.vars]);
    };
    await useTfCpu();
    time('cpu');
    if (await useTfWasm()) time('wasm');
    await useTfCpu();
    const flops = 3 * flopsOf(s);
    for (const [who, ms] of Object.entries(ours)) rows.push({ name: `${s.label} step tensorkit ${who}`, ms, flops, vs: theirs });
    for (const [who, ms] of Object.entries(theirs)) rows.push({ name: `${s.label} step ${who}`, ms, flops });
    notes.push(`${s.label}: first-step loss tensorkit ${firstTk.toFixed(6)}, ${Object.entries(firstTf).map(([b, l]) => `TF.js ${b} ${l.toFixed(6)}`).join(', ')}`);
  }
  printTable(`Transformer encoder block, one SGD training step, batch 32 (GFLOPS: ~3× the forward's multiply-adds ×2); "vs X" = X ms / tensorkit ms (>1: tensorkit faster); TF.js ${await tfWasmFlavour()} for wasm`, rows);
  for (const n of notes) console.log(`(${n})`);
}
