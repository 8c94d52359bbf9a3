// Whole training epochs, tensorkit vs TensorFlow.js in the same process:
//   - the MLP 784-128-10 (relu, softmax, Adam, batch 32) on 8,000 MNIST-shaped samples, with
//     tensorkit's default kernels (SIMD, every core);
//   - the classic Keras MNIST convnet (batch 32) on the 8,000 bundled real digits, with the JS
//     kernels on one thread, the SIMD kernels on one thread and on every core.
// An epoch is timed end to end (fit with verbose 0). TF.js-cpu needs about a minute per
// convnet step here (its filter gradient reads one element at a time), so its convnet epoch is
// extrapolated from a few timed steps, and says so.

import os from 'node:os';
import * as tk from '../src/index.js';
import { loadBundled } from '../examples/mnist/data.js';
import { mnistConvnet } from '../examples/mnist/model.js';
import { useKernels } from './gemm.bench.js';
import { median, printTable, tf, useTfCpu, useTfWasm, type Row } from './util.js';

/**
 * Issue 7's reference time for TF.js-wasm on this convnet epoch (8,000 digits, batch 32): it
 * cannot be measured here, as TF.js-wasm 4.22 has no Conv2DBackpropFilter kernel. The target
 * is a quarter of it.
 */
export const TFJS_WASM_CNN_EPOCH_MS = 26_000;

const SAMPLES = 8000;
const BATCH = 32;

function mnistShaped(seed: number): { x: tk.Tensor; y: tk.Tensor } {
  tk.setSeed(seed);
  const x = tk.randomUniform([SAMPLES, 784]);
  const labels = tk.floor(tk.randomUniform([SAMPLES], { maxval: 10 }));
  return { x, y: tk.oneHot(labels, 10) };
}

/** What both libraries' models offer for timing an epoch. */
interface Trainable<T> {
  fit(x: T, y: T, args: { epochs: number; batchSize: number; verbose: 0 }): Promise<unknown>;
  dispose?(): void;
}

/** Times `epochs` one-epoch fits, each on a freshly built model (TF.js models are disposed after). */
async function timeEpochs<T>(build: () => Trainable<T>, x: T, y: T, epochs: number): Promise<number[]> {
  const times: number[] = [];
  for (let e = 0; e < epochs; e++) {
    const model = build();
    const t0 = performance.now();
    await model.fit(x, y, { epochs: 1, batchSize: BATCH, verbose: 0 });
    times.push(performance.now() - t0);
    model.dispose?.();
  }
  return times;
}

function tkMlp(): tk.Sequential {
  const model = new tk.Sequential([
    new tk.layers.Dense(128, { activation: 'relu', inputShape: [784] }),
    new tk.layers.Dense(10, 'softmax'),
  ]);
  model.compile({ optimizer: 'adam', loss: 'categorical_crossentropy', metrics: ['accuracy'] });
  return model;
}

function tfMlp(): tf.Sequential {
  const model = tf.sequential({
    layers: [tf.layers.dense({ units: 128, activation: 'relu', inputShape: [784] }), tf.layers.dense({ units: 10, activation: 'softmax' })],
  });
  model.compile({ optimizer: 'adam', loss: 'categoricalCrossentropy', metrics: ['accuracy'] });
  return model;
}

function tkCnn(): tk.Sequential {
  const model = mnistConvnet();
  model.compile({ optimizer: 'adam', loss: 'categorical_crossentropy', metrics: ['accuracy'] });
  return model;
}

function tfCnn(): tf.Sequential {
  const model = tf.sequential({
    layers: [
      tf.layers.conv2d({ filters: 32, kernelSize: 3, activation: 'relu', inputShape: [28, 28, 1] }),
      tf.layers.maxPooling2d({ poolSize: [2, 2] }),
      tf.layers.conv2d({ filters: 64, kernelSize: 3, activation: 'relu' }),
      tf.layers.maxPooling2d({ poolSize: [2, 2] }),
      tf.layers.flatten(),
      tf.layers.dropout({ rate: 0.5 }),
      tf.layers.dense({ units: 10, activation: 'softmax' }),
    ],
  });
  model.compile({ optimizer: 'adam', loss: 'categoricalCrossentropy', metrics: ['accuracy'] });
  return model;
}

/** Median time of one training step over `steps` steps (after one warm-up step). */
async function tfStepMs(model: tf.Sequential, x: tf.Tensor, y: tf.Tensor, steps: number): Promise<number> {
  const xb = x.slice(0, BATCH);
  const yb = y.slice(0, BATCH);
  await model.trainOnBatch(xb, yb);
  const times: number[] = [];
  for (let s = 0; s < steps; s++) {
    const t0 = performance.now();
    await model.trainOnBatch(xb, yb);
    times.push(performance.now() - t0);
  }
  xb.dispose();
  yb.dispose();
  return median(times);
}

export async function run(): Promise<void> {
  const steps = Math.ceil(SAMPLES / BATCH);

  // ---- MLP 784-128-10 ----
  const { x, y } = mnistShaped(1);
  const tkTimes = await timeEpochs(tkMlp, x, y, 3);
  await useTfCpu();
  const tx = tf.tensor(x.data, [SAMPLES, 784]);
  const ty = tf.tensor(y.data, [SAMPLES, 10]);
  const tfTimes = await timeEpochs(tfMlp, tx, ty, 2);
  const tkMs = median(tkTimes);
  const tfMs = median(tfTimes);
  const mlpRows: Row[] = [
    { name: 'MLP epoch tensorkit', ms: tkMs, vs: { 'tfjs-cpu': tfMs } },
    { name: 'MLP epoch tfjs-cpu', ms: tfMs },
  ];
  if (await useTfWasm()) {
    const wasmMs = median(await timeEpochs(tfMlp, tx, ty, 2));
    mlpRows[0]!.vs!['tfjs-wasm'] = wasmMs;
    mlpRows.push({ name: 'MLP epoch tfjs-wasm', ms: wasmMs });
  }
  tx.dispose();
  ty.dispose();
  printTable(`One epoch, MLP 784-128-10 relu/softmax, Adam, batch ${BATCH}, ${SAMPLES} samples (${steps} steps)`, mlpRows);

  // ---- The MNIST convnet on the bundled digits, per kernel choice ----
  const data = loadBundled();
  const cx = data.train.x;
  const cy = data.train.y;
  const cores = os.availableParallelism();
  const configs: ['js' | 'simd', number][] = [['js', 1], ['simd', 1], ...(cores > 1 ? [['simd', cores] as ['simd', number]] : [])];
  const cnnTk = new Map<string, number>();
  for (const [kind, threads] of configs) {
    useKernels(kind, threads);
    cnnTk.set(`${kind}×${threads}`, median(await timeEpochs(tkCnn, cx, cy, kind === 'js' ? 1 : 2)));
  }
  useKernels('simd', cores);
  await useTfCpu();
  const cxTf = tf.tensor(cx.data, [SAMPLES, 28, 28, 1]);
  const cyTf = tf.tensor(cy.data, [SAMPLES, 10]);
  const cpuModel = tfCnn();
  const cpuStep = await tfStepMs(cpuModel, cxTf, cyTf, 2);
  cpuModel.dispose();
  const vs: Record<string, number> = { 'tfjs-cpu': cpuStep * steps, 'tfjs-wasm (ref.)': TFJS_WASM_CNN_EPOCH_MS };
  const rows: Row[] = configs.map(([kind, threads]) => ({
    name: `CNN epoch tensorkit ${kind}, ${threads} thread${threads > 1 ? 's' : ''}`, ms: cnnTk.get(`${kind}×${threads}`)!, vs,
  }));
  rows.push({ name: `CNN epoch tfjs-cpu (${steps} × median step)`, ms: cpuStep * steps });
  let wasmNote = '';
  if (await useTfWasm()) {
    const wasmModel = tfCnn();
    try {
      const wasmStep = await tfStepMs(wasmModel, cxTf, cyTf, 5);
      vs['tfjs-wasm'] = wasmStep * steps;
      rows.push({ name: `CNN epoch tfjs-wasm (${steps} × median step)`, ms: wasmStep * steps });
    } catch (e) {
      wasmNote = `tfjs-wasm cannot train this model: ${(e as Error).message.split('\n')[0]}`;
    }
    wasmModel.dispose();
  }
  cxTf.dispose();
  cyTf.dispose();
  rows.push({ name: 'CNN epoch tfjs-wasm (issue 7 reference figure)', ms: TFJS_WASM_CNN_EPOCH_MS });
  printTable(`One epoch, MNIST convnet (Conv32-Pool-Conv64-Pool-Flatten-Dropout-Dense10), Adam, batch ${BATCH}, ${SAMPLES} real digits`, rows);
  if (wasmNote) console.log(wasmNote);
  console.log('tfjs epochs marked "× median step" are extrapolated from timed steps: a real epoch would take that long.');
  const js = cnnTk.get('js×1')!;
  console.log(`Target (issue 4): one thread, plain TypeScript kernels ('js'), faster than TF.js-wasm's ${TFJS_WASM_CNN_EPOCH_MS / 1000} s: ` +
    `${(js / 1000).toFixed(2)} s (${js < TFJS_WASM_CNN_EPOCH_MS ? 'met' : 'not met'}).`);
  const best = Math.min(...cnnTk.values());
  console.log(`Target (issue 7): ≤ ¼ of TF.js-wasm's epoch; TF.js-wasm cannot train it here, so against the issue's reference ` +
    `${TFJS_WASM_CNN_EPOCH_MS / 1000} s: ≤ ${TFJS_WASM_CNN_EPOCH_MS / 4000} s. Best here ${(best / 1000).toFixed(2)} s = ` +
    `${(best / TFJS_WASM_CNN_EPOCH_MS).toFixed(2)} of it (${best <= TFJS_WASM_CNN_EPOCH_MS / 4 ? 'met' : 'not met'}).`);
}
