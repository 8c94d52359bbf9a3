// Recurrent suite (issue 13): one training step (forward, backward through time, SGD update) of
// an LSTM(128) on a batch of 32 sequences × 50 steps × 64 features, then of the text classifier
// of examples/rnn/text_classifier.ts (Embedding 1000→32 with maskZero, Bidirectional(LSTM(32)),
// Dense(1, sigmoid); batch 32 × 40 tokens), for tensorkit (the fused sequence primitives of
// src/ops/lstm.ts) and TF.js (cpu and wasm backends) in this one process, trainOnBatch in each,
// medians. Both use sigmoid gates (TF.js's default is hardSigmoid) and the same data.
import * as tk from '../src/index.js';
import { median, printTable, seeded, tf, tfWasmFlavour, useTfCpu, useTfWasm, type Row } from './util.js';

const B = 32, T = 50, F = 64, U = 128;
const V = 1000, L = 40, E = 32, U2 = 32;

function timeSteps(step: () => unknown, steps: number): number {
  step();
  const times: number[] = [];
  for (let s = 0; s < steps; s++) {
    const t0 = performance.now();
    step();
    times.push(performance.now() - t0);
  }
  return median(times);
}

async function timeStepsAsync(step: () => Promise<unknown>, steps: number): Promise<number> {
  await step();
  const times: number[] = [];
  for (let s = 0; s < steps; s++) {
    const t0 = performance.now();
    await step();
    times.push(performance.now() - t0);
  }
  return median(times);
}

/** Token ids in [1, V) with a zero-padded tail of 0–20 tokens per row (so the mask matters). */
function tokens(): Float32Array {
  const r = seeded([B * L], 5);
  const out = new Float32Array(B * L);
  for (let b = 0; b < B; b++) {
    const pad = Math.floor(((r[b]! + 1) / 2) * 20);
    for (let t = 0; t < L; t++) out[b * L + t] = t >= L - pad ? 0 : 1 + Math.floor(((r[b * L + t]! + 1) / 2) * (V - 2));
  }
  return out;
}

function tkLstmStep(): () => unknown {
  const model = tk.sequential([new tk.layers.LSTM(U, { inputShape: [T, F] })]);
  model.compile({ optimizer: 'sgd', loss: 'mse' });
  const x = tk.tensor(seeded([B, T, F], 1), [B, T, F]);
  const y = tk.tensor(seeded([B, U], 2), [B, U]);
  return () => model.trainOnBatch(x, y);
}

function tfLstmStep(): () => Promise<unknown> {
  const model = tf.sequential();
  model.add(tf.layers.lstm({ units: U, inputShape: [T, F], recurrentActivation: 'sigmoid' }));
  model.compile({ optimizer: 'sgd', loss: 'meanSquaredError' });
  const x = tf.tensor(seeded([B, T, F], 1), [B, T, F]);
  const y = tf.tensor(seeded([B, U], 2), [B, U]);
  return () => model.trainOnBatch(x, y);
}

function tkTextStep(): () => unknown {
  // Embedding comes from the seqlayers branch: looked up by name so this suite runs without it.
  const layers = tk.layers as unknown as Record<string, new (...args: unknown[]) => tk.layers.Layer>;
  const model = tk.sequential([
    new layers.Embedding!(V, E, { maskZero: true, inputShape: [L] }),
    new layers.Bidirectional!(new tk.layers.LSTM(U2)),
    new tk.layers.Dense(1, 'sigmoid'),
  ]);
  model.compile({ optimizer: 'adam', loss: 'binary_crossentropy' });
  const x = tk.tensor(tokens(), [B, L]);
  const y = tk.tensor(seeded([B, 1], 3).map((v) => (v > 0 ? 1 : 0)), [B, 1]);
  return () => model.trainOnBatch(x, y);
}

function tfTextStep(): () => Promise<unknown> {
  const model = tf.sequential();
  model.add(tf.layers.embedding({ inputDim: V, outputDim: E, maskZero: true, inputShape: [L] }));
  model.add(tf.layers.bidirectional({ layer: tf.layers.lstm({ units: U2, recurrentActivation: 'sigmoid' }) as tf.RNN }));
  model.add(tf.layers.dense({ units: 1, activation: 'sigmoid' }));
  model.compile({ optimizer: 'adam', loss: 'binaryCrossentropy' });
  const x = tf.tensor(tokens(), [B, L]);
  const y = tf.tensor(seeded([B, 1], 3).map((v) => (v > 0 ? 1 : 0)), [B, 1]);
  return () => model.trainOnBatch(x, y);
}

export async function run(): Promise<void> {
  const named = tk.layers as unknown as Record<string, unknown>;
  const hasText = typeof named.Embedding === 'function' && typeof named.Bidirectional === 'function';
  const tkLstm = timeSteps(tkLstmStep(), 10);
  const tkText = hasText ? timeSteps(tkTextStep(), 10) : null;
  await useTfCpu();
  const cpuLstm = await timeStepsAsync(tfLstmStep(), 2);
  const cpuText = hasText ? await timeStepsAsync(tfTextStep(), 3) : null;
  let wasmLstm: number | null = null;
  let wasmText: number | null = null;
  let flavour = '';
  if (await useTfWasm()) {
    flavour = ` (${await tfWasmFlavour()})`;
    wasmLstm = await timeStepsAsync(tfLstmStep(), 5);
    // TF.js-wasm has no UnsortedSegmentSum kernel, which its Embedding gradient needs: the text
    // model cannot train there (measured: 'Kernel UnsortedSegmentSum not registered for backend wasm').
    if (hasText) {
      try {
        wasmText = await timeStepsAsync(tfTextStep(), 5);
      } catch (e) {
        console.log(`(TF.js wasm cannot train the text classifier: ${(e as Error).message})`);
      }
    }
  }
  const vs = (cpu: number | null, wasm: number | null): Record<string, number> => ({
    ...(cpu !== null ? { 'tfjs-cpu': cpu } : {}), ...(wasm !== null ? { [`tfjs-wasm${flavour}`]: wasm } : {}),
  });
  const rows: Row[] = [{ name: `LSTM(${U}) train step, ${B}×${T}×${F}, tensorkit`, ms: tkLstm, vs: vs(cpuLstm, wasmLstm) }];
  rows.push({ name: `  TF.js cpu`, ms: cpuLstm });
  if (wasmLstm !== null) rows.push({ name: `  TF.js wasm${flavour}`, ms: wasmLstm });
  if (tkText !== null) {
    rows.push({ name: `text classifier train step, ${B}×${L} tokens, tensorkit`, ms: tkText, vs: vs(cpuText, wasmText) });
    rows.push({ name: `  TF.js cpu`, ms: cpuText! });
    if (wasmText !== null) rows.push({ name: `  TF.js wasm${flavour}`, ms: wasmText });
  }
  printTable('Recurrent layers: one training step (trainOnBatch), median ms', rows);
}
