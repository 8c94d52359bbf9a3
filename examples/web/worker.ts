// The training worker: tensorkit, imported unchanged, trains here so the page never freezes.
//
// It answers the page's messages (protocol.ts) between batches: `model.fit` yields to the event
// loop after every batch, so a 'pause', 'reset' or 'draw' is handled within one batch. Pausing
// awaits a promise inside the onBatchEnd callback (fit awaits its callbacks), so training resumes
// exactly where it stopped; reset aborts fit through its AbortSignal and builds a new model.
//
// What it measures: each batch's own loss and accuracy (fit's logs are running means over the
// epoch, so the batch's value is recovered from two consecutive means), every layer's gradient
// norm at every step (an observer on the optimizer: Optimizer.updateObservers, the hook
// tk.callbacks.GradientStats uses), and the speed in samples per second.
//
// NOTE: this file is type-checked with the DOM library (tsconfig.json covers all of examples/),
// not WebWorker's, which cannot be loaded beside it. It only uses what both have: the global
// `postMessage(message, { transfer })` and `addEventListener('message', ...)`.

import * as tk from '../../src/index.js';
import { decodeDigits, PIXELS, SIDE, type Digits } from './digits_format.js';
import { buildModel } from './models.js';
import type { BatchPoint, FeatureMaps, Filters, FromWorker, ModelInfo, ToWorker, TrainingSettings, TrainingState, WorkerEvent } from './protocol.js';

/** How often the page hears about training: batch points, and the heavier filters and prediction. */
const PROGRESS_EVERY_MS = 100;
const PICTURES_EVERY_MS = 500;
/** The units of a Dense first layer shown as 28×28 weight images. */
const MAX_DENSE_FILTERS = 32;

function send(session: number, event: WorkerEvent, transfer: Transferable[] = []): void {
  const message: FromWorker = { ...event, session };
  postMessage(message, { transfer });
}

interface Data {
  digits: Digits;
  trainX: tk.Tensor;
  trainY: tk.Tensor;
  testX: tk.Tensor;
  testY: tk.Tensor;
}

/** One model and its training, from one reset to the next. */
interface Session {
  readonly id: number;
  readonly settings: TrainingSettings;
  readonly model: tk.Sequential;
  readonly optimizer: tk.optimizers.Optimizer;
  readonly info: ModelInfo;
  /** The weighted layers, as `info.layers`, and which one each variable belongs to. */
  readonly layerOf: Map<tk.Variable, number>;
  state: TrainingState;
  /** The next epoch to train (0-based), and batches and samples done so far. */
  epoch: number;
  step: number;
  samplesSeen: number;
  abort: AbortController | null;
  /** Set while paused: resolving it resumes training. */
  resume: (() => void) | null;
  /** Batch points not yet sent. */
  pending: BatchPoint[];
  /** The last step's gradient norms per layer (written by the optimizer observer). */
  gradNorms: number[];
  /** (time, samplesSeen) of recent batches, for the speed. */
  speed: { t: number; samples: number }[];
  lastProgress: number;
  lastPictures: number;
}

let data: Data | null = null;
let dataLoading: Promise<Data> | null = null;
let session: Session | null = null;
/** The page's number of the latest reset asked for. */
let latest = 0;
/** The visitor's drawing (784 values), or null: then a test digit stands in for the feature maps. */
let drawing: Float32Array | null = null;
const SAMPLE_INDEX = 0;

addEventListener('message', (event: MessageEvent<ToWorker>) => {
  handle(event.data).catch((e: unknown) => send(latest, { type: 'error', message: e instanceof Error ? `${e.name}: ${e.message}` : String(e) }));
});

async function handle(message: ToWorker): Promise<void> {
  switch (message.type) {
    case 'reset':
      await reset(message.session, message.settings, message.dataUrl);
      return;
    case 'start':
      start();
      return;
    case 'pause':
      if (session?.state === 'training') session.state = 'paused'; // takes effect at the end of the batch
      return;
    case 'draw':
      drawing = message.pixels;
      if (session !== null) sendPrediction(session);
      return;
  }
}

function loadData(url: string): Promise<Data> {
  dataLoading ??= (async () => {
    const response = await fetch(url);
    if (!response.ok) throw new Error(`fetching the digits from ${url}: HTTP ${response.status}`);
    const digits = decodeDigits(await response.arrayBuffer());
    const images = (pixels: Float32Array, n: number): tk.Tensor => tk.tensor(pixels, [n, SIDE, SIDE, 1]);
    const oneHot = (labels: Uint8Array): tk.Tensor => tk.oneHot(tk.tensor(Array.from(labels)), 10);
    return {
      digits,
      trainX: images(digits.train.pixels, digits.train.count),
      trainY: oneHot(digits.train.labels),
      testX: images(digits.test.pixels, digits.test.count),
      testY: oneHot(digits.test.labels),
    };
  })();
  dataLoading.catch(() => (dataLoading = null)); // a failed load can be retried by the next reset
  return dataLoading;
}

async function reset(id: number, settings: TrainingSettings, dataUrl: string): Promise<void> {
  latest = id;
  stop(session);
  session = null;
  send(id, { type: 'state', state: 'loading', epoch: 0 });
  const d = (data ??= await loadData(dataUrl));
  if (id !== latest) return; // a newer reset came while the digits loaded

  tk.clearSession(); // layer names start again at conv2d, dense, ...
  tk.setSeed(settings.seed);
  const model = buildModel(settings.model);
  const optimizer = new tk.optimizers.Adam({ learningRate: settings.learningRate });
  model.compile({ optimizer, loss: 'categorical_crossentropy', metrics: ['accuracy'] });

  const weighted = model.layers.filter((layer) => layer.weights.length > 0);
  const layerOf = new Map<tk.Variable, number>();
  weighted.forEach((layer, i) => layer.weights.forEach((w) => layerOf.set(w, i)));
  const info: ModelInfo = {
    kind: settings.model,
    layers: weighted.map((layer) => layer.name),
    params: model.countParams(),
    summary: model.summary({ lineLength: 64, printFn: () => {} }),
    stepsPerEpoch: Math.ceil(d.digits.train.count / settings.batchSize),
    trainSize: d.digits.train.count,
    testSize: d.digits.test.count,
  };
  const s: Session = {
    id, settings, model, optimizer, info, layerOf,
    state: 'ready', epoch: 0, step: 0, samplesSeen: 0, abort: null, resume: null,
    pending: [], gradNorms: weighted.map(() => NaN), speed: [], lastProgress: 0, lastPictures: 0,
  };
  optimizer.updateObservers.push({
    beforeUpdate(pairs) {
      const sums = s.gradNorms.map(() => 0);
      for (const [g, v] of pairs) {
        const i = layerOf.get(v);
        if (i === undefined) continue;
        const x = g.data;
        let sq = 0;
        for (let k = 0; k < x.length; k++) sq += x[k]! * x[k]!;
        sums[i]! += sq;
      }
      s.gradNorms = sums.map(Math.sqrt);
    },
  });
  session = s;
  send(id, { type: 'ready', info });
  send(id, { type: 'state', state: 'ready', epoch: 0 });
  sendPictures(s);
}

/** Stops a session's training for good (reset): abort fit, and wake it if it is paused. */
function stop(s: Session | null): void {
  if (s === null) return;
  s.abort?.abort(new Error('reset'));
  s.resume?.();
  s.resume = null;
}

function start(): void {
  const s = session;
  if (s === null) return;
  if (s.state === 'paused' && s.resume !== null) {
    // Paused inside onBatchEnd: wake it.
    s.state = 'training';
    s.speed = [];
    const resume = s.resume;
    s.resume = null;
    send(s.id, { type: 'state', state: 'training', epoch: s.epoch });
    resume();
    return;
  }
  if (s.state === 'paused') {
    // Pause was asked but the batch has not ended yet: just cancel it.
    s.state = 'training';
    return;
  }
  if (s.state === 'ready' || s.state === 'done') void train(s);
}

async function train(s: Session): Promise<void> {
  const d = data!;
  const { batchSize } = s.settings;
  // 'done' and Start again: train as many epochs more.
  const epochs = s.state === 'done' ? s.epoch + s.settings.epochs : s.settings.epochs;
  const abort = new AbortController();
  s.abort = abort;
  s.state = 'training';
  s.speed = [];
  send(s.id, { type: 'state', state: 'training', epoch: s.epoch });
  const n = d.digits.train.count;
  let before = { loss: 0, accuracy: 0, count: 0 };
  try {
    await s.model.fit(d.trainX, d.trainY, {
      epochs,
      initialEpoch: s.epoch,
      batchSize,
      validationData: [d.testX, d.testY],
      verbose: 0,
      signal: abort.signal,
      callbacks: [{
        onEpochBegin: () => {
          before = { loss: 0, accuracy: 0, count: 0 };
        },
        onBatchEnd: async (batch: number, logs: tk.callbacks.Logs) => {
          // fit's logs hold the running means over the epoch; this batch's own values follow.
          const size = Math.min(batchSize, n - batch * batchSize);
          const count = before.count + size;
          const loss = logs.loss ?? NaN;
          const accuracy = logs.accuracy ?? NaN;
          s.pending.push({
            step: s.step + 1,
            epoch: s.epoch + 1,
            loss: (loss * count - before.loss * before.count) / size,
            accuracy: (accuracy * count - before.accuracy * before.count) / size,
            gradNorms: s.gradNorms,
          });
          before = { loss, accuracy, count };
          s.step++;
          s.samplesSeen += size;
          const now = performance.now();
          s.speed.push({ t: now, samples: s.samplesSeen });
          while (s.speed.length > 2 && now - s.speed[1]!.t > 1000) s.speed.shift();
          if (now - s.lastProgress >= PROGRESS_EVERY_MS) sendProgress(s, batch + 1);
          if (now - s.lastPictures >= PICTURES_EVERY_MS) sendPictures(s);
          if (s.state === 'paused') {
            sendProgress(s, batch + 1);
            sendPictures(s);
            send(s.id, { type: 'state', state: 'paused', epoch: s.epoch });
            await new Promise<void>((resolve) => (s.resume = resolve));
            if (abort.signal.aborted) throw abort.signal.reason;
          }
        },
        onEpochEnd: (epoch: number, logs: tk.callbacks.Logs) => {
          sendProgress(s, s.info.stepsPerEpoch);
          s.epoch = epoch + 1;
          send(s.id, {
            type: 'epoch', epoch: epoch + 1, step: s.step,
            loss: logs.loss ?? NaN, accuracy: logs.accuracy ?? NaN, valLoss: logs.val_loss ?? NaN, valAccuracy: logs.val_accuracy ?? NaN,
          });
          sendPictures(s);
        },
      }],
    });
    s.abort = null;
    s.state = 'done';
    send(s.id, { type: 'state', state: 'done', epoch: s.epoch });
  } catch (e) {
    if (abort.signal.aborted) return; // reset: a newer session has taken over
    throw e;
  }
}

function sendProgress(s: Session, batch: number): void {
  if (s !== session) return;
  s.lastProgress = performance.now();
  const first = s.speed[0];
  const last = s.speed[s.speed.length - 1];
  const samplesPerSecond = first !== undefined && last !== undefined && last.t > first.t ? ((last.samples - first.samples) * 1000) / (last.t - first.t) : 0;
  send(s.id, { type: 'progress', points: s.pending, epoch: s.epoch + 1, batch, samplesSeen: s.samplesSeen, samplesPerSecond });
  s.pending = [];
}

/** The first layer's filters, and the prediction and feature maps for the drawing (or a test digit). */
function sendPictures(s: Session): void {
  if (s !== session) return;
  s.lastPictures = performance.now();
  const filters = firstLayerFilters(s.model);
  send(s.id, { type: 'filters', filters }, [filters.values.buffer]);
  sendPrediction(s);
}

function sendPrediction(s: Session): void {
  const d = data;
  if (d === null) return;
  const source = drawing !== null ? 'drawing' : 'sample';
  const input = drawing !== null ? drawing.slice() : d.digits.test.pixels.slice(SAMPLE_INDEX * PIXELS, (SAMPLE_INDEX + 1) * PIXELS);
  const x = tk.tensor(input, [1, SIDE, SIDE, 1]);
  const probabilities = Array.from(s.model.predict(x, { verbose: 0 }).data);
  const featureMaps = firstLayerOutput(s.model, x);
  const label = source === 'sample' ? d.digits.test.labels[SAMPLE_INDEX]! : null;
  send(s.id, { type: 'prediction', source, label, input, probabilities, featureMaps }, [featureMaps.values.buffer, input.buffer]);
}

function firstWeightedLayer(model: tk.Sequential): { index: number; layer: tk.layers.Layer; kernel: tk.Variable } {
  const index = model.layers.findIndex((layer) => layer.weights.length > 0);
  const layer = model.layers[index];
  if (layer === undefined) throw new Error('the model has no layer with weights');
  const kernel = layer.weights.find((w) => w.name?.endsWith('kernel')) ?? layer.weights[0]!;
  return { index, layer, kernel };
}

function firstLayerFilters(model: tk.Sequential): Filters {
  const { layer, kernel } = firstWeightedLayer(model);
  const k = kernel.data;
  if (kernel.shape.length === 4) {
    // Conv2D kernel [kh, kw, inChannels = 1, filters] → one kh×kw image per filter.
    const [kh, kw, cin, count] = kernel.shape as [number, number, number, number];
    const values = new Float32Array(count * kh * kw);
    for (let f = 0; f < count; f++) {
      for (let p = 0; p < kh * kw; p++) values[f * kh * kw + p] = k[p * cin * count + f]!;
    }
    return { kind: 'conv', layer: layer.name, width: kw, height: kh, count, total: count, values };
  }
  // Dense kernel [784, units] → each unit's input weights as a 28×28 image.
  const [inputs, units] = kernel.shape as [number, number];
  const count = Math.min(units, MAX_DENSE_FILTERS);
  const values = new Float32Array(count * inputs);
  for (let u = 0; u < count; u++) {
    for (let p = 0; p < inputs; p++) values[u * inputs + p] = k[p * units + u]!;
  }
  return { kind: 'dense', layer: layer.name, width: SIDE, height: SIDE, count, total: units, values };
}

function firstLayerOutput(model: tk.Sequential, x: tk.Tensor): FeatureMaps {
  const { index, layer } = firstWeightedLayer(model);
  const out = tk.noGrad(() => {
    let h = x;
    for (let i = 0; i <= index; i++) h = model.layers[i]!.apply(h, { training: false });
    return h;
  });
  const v = out.data;
  if (out.shape.length === 4) {
    // [1, h, w, filters] (channels last) → one h×w map per filter.
    const [, height, width, count] = out.shape as [number, number, number, number];
    const values = new Float32Array(count * height * width);
    for (let f = 0; f < count; f++) {
      for (let p = 0; p < height * width; p++) values[f * height * width + p] = v[p * count + f]!;
    }
    return { kind: 'conv', layer: layer.name, width, height, count, values };
  }
  return { kind: 'dense', layer: layer.name, width: 1, height: 1, count: v.length, values: v.slice() };
}
