// The page: controls, live charts and the drawing pad. All training happens in worker.ts; this
// file only sends it commands and drawings and draws what it reports (protocol.ts).
//
// URL parameters preset the controls: ?model=mlp|cnn|keras-cnn&batch=64&lr=0.001&epochs=5&seed=42

import { drawChart, drawImageGrid, type Series } from './charts.js';
import { DIGITS_FILE } from './digits_format.js';
import { toMnist } from './preprocess.js';
import { isModelKind, type BatchPoint, type FromWorker, type ModelInfo, type ToWorker, type TrainingSettings, type TrainingState } from './protocol.js';

const LAYER_COLORS = ['#d9480f', '#1c7ed6', '#2b8a3e', '#9c36b5', '#e67700', '#0b7285'];
/** Smoothing of the batch curves: an exponential moving average, bias-corrected as TensorBoard's. */
const SMOOTHING = 0.9;

function element<T extends HTMLElement>(id: string, type: new () => T): T {
  const el = document.getElementById(id);
  if (!(el instanceof type)) throw new Error(`index.html: #${id} is missing or not a ${type.name}`);
  return el;
}

const ui = {
  model: element('model', HTMLSelectElement),
  batch: element('batch', HTMLSelectElement),
  lr: element('lr', HTMLSelectElement),
  epochs: element('epochs', HTMLInputElement),
  start: element('start', HTMLButtonElement),
  pause: element('pause', HTMLButtonElement),
  reset: element('reset', HTMLButtonElement),
  state: element('state', HTMLElement),
  epoch: element('epoch', HTMLElement),
  batchNow: element('batch-now', HTMLElement),
  speed: element('speed', HTMLElement),
  seen: element('seen', HTMLElement),
  error: element('error', HTMLElement),
  dataSize: element('data-size', HTMLElement),
  lossChart: element('loss-chart', HTMLCanvasElement),
  accChart: element('acc-chart', HTMLCanvasElement),
  gradChart: element('grad-chart', HTMLCanvasElement),
  gradLegend: element('grad-legend', HTMLUListElement),
  lossFirst: element('loss-first', HTMLOutputElement),
  lossNow: element('loss-now', HTMLOutputElement),
  lossTest: element('loss-test', HTMLOutputElement),
  accNow: element('acc-now', HTMLOutputElement),
  accTest: element('acc-test', HTMLOutputElement),
  pad: element('pad', HTMLCanvasElement),
  clear: element('clear', HTMLButtonElement),
  probs: element('probs', HTMLDivElement),
  preview: element('input-preview', HTMLCanvasElement),
  previewCaption: element('input-caption', HTMLElement),
  filters: element('filters', HTMLCanvasElement),
  filtersCaption: element('filters-caption', HTMLElement),
  filtersLayer: element('filters-layer', HTMLElement),
  maps: element('maps', HTMLCanvasElement),
  mapsCaption: element('maps-caption', HTMLElement),
  summary: element('summary', HTMLPreElement),
};

// ---- settings, from the URL and the controls ----------------------------------------------

const params = new URLSearchParams(location.search);
const presetModel = params.get('model');
if (isModelKind(presetModel)) ui.model.value = presetModel;
presetSelect(ui.batch, params.get('batch'));
presetSelect(ui.lr, params.get('lr'));
if (params.get('epochs') !== null) ui.epochs.value = params.get('epochs')!;
const seed = Number(params.get('seed') ?? 42);

function presetSelect(select: HTMLSelectElement, value: string | null): void {
  if (value === null) return;
  if (!Array.from(select.options).some((o) => o.value === value)) select.add(new Option(value, value));
  select.value = value;
}

function settings(): TrainingSettings {
  const model = ui.model.value;
  const epochs = Math.max(1, Math.min(1000, Math.round(Number(ui.epochs.value)) || 10));
  return {
    model: isModelKind(model) ? model : 'cnn',
    batchSize: Number(ui.batch.value),
    learningRate: Number(ui.lr.value),
    epochs,
    seed: Number.isFinite(seed) ? seed : 42,
  };
}

// ---- the worker -----------------------------------------------------------------------------

const worker = new Worker(new URL('./worker.ts', import.meta.url), { type: 'module' });
const dataUrl = new URL(DIGITS_FILE, document.baseURI).href;

function send(message: ToWorker): void {
  worker.postMessage(message);
}

worker.addEventListener('message', (event: MessageEvent<FromWorker>) => receive(event.data));
worker.addEventListener('error', (event) => showError(`the worker failed: ${event.message || 'could not load worker.ts'}`));

// ---- what the page keeps ----------------------------------------------------------------------

interface Curves {
  info: ModelInfo | null;
  points: BatchPoint[];
  smoothLoss: [number, number][];
  smoothAcc: [number, number][];
  testLoss: [number, number][];
  testAcc: [number, number][];
  ema: { loss: number; acc: number; n: number };
}

let curves: Curves = freshCurves();
let state: TrainingState = 'loading';
/** The number of the latest reset: the worker tags its messages with it; older ones are dropped. */
let session = 0;

function freshCurves(): Curves {
  return { info: null, points: [], smoothLoss: [], smoothAcc: [], testLoss: [], testAcc: [], ema: { loss: 0, acc: 0, n: 0 } };
}

function receive(message: FromWorker): void {
  if (message.session !== session) return; // still in flight from a model since reset
  switch (message.type) {
    case 'ready':
      curves.info = message.info;
      ui.summary.textContent = message.info.summary;
      ui.dataSize.textContent = `${message.info.trainSize.toLocaleString('en')} real MNIST digits to train on, ${message.info.testSize} held out for testing`;
      ui.epoch.textContent = `0 / ${settings().epochs}`;
      ui.batchNow.textContent = `0 / ${message.info.stepsPerEpoch}`;
      scheduleCharts();
      return;
    case 'state':
      setState(message.state);
      return;
    case 'progress':
      for (const p of message.points) addPoint(p);
      ui.epoch.textContent = `${message.epoch} / ${settings().epochs}`;
      ui.batchNow.textContent = `${message.batch} / ${curves.info?.stepsPerEpoch ?? '?'}`;
      ui.speed.textContent = message.samplesPerSecond > 0 ? `${Math.round(message.samplesPerSecond).toLocaleString('en')} samples/s` : '–';
      ui.speed.dataset.value = String(message.samplesPerSecond);
      ui.seen.textContent = message.samplesSeen.toLocaleString('en');
      scheduleCharts();
      return;
    case 'epoch':
      curves.testLoss.push([message.step, message.valLoss]);
      curves.testAcc.push([message.step, message.valAccuracy]);
      ui.lossTest.textContent = message.valLoss.toFixed(3);
      ui.accTest.textContent = percent(message.valAccuracy);
      scheduleCharts();
      return;
    case 'filters': {
      const f = message.filters;
      const conv = f.kind === 'conv';
      drawImageGrid(ui.filters, f.values, f.count, f.width, f.height, conv ? { columns: 8, scale: f.count <= 8 ? 14 : 10, diverging: true } : { columns: 8, scale: 1.5, diverging: true });
      ui.filtersLayer.textContent = f.layer;
      ui.filtersCaption.textContent = conv ? `${f.count} kernels of ${f.height}×${f.width} (${f.layer})` : `${f.count} of ${f.total} units' input weights as 28×28 (${f.layer})`;
      return;
    }
    case 'prediction': {
      const m = message.featureMaps;
      if (m.kind === 'conv') {
        drawImageGrid(ui.maps, m.values, m.count, m.width, m.height, m.count <= 8 ? { columns: 4, scale: 3 } : { columns: 8, scale: 1.5 });
        ui.mapsCaption.textContent = `${m.count} maps of ${m.height}×${m.width}`;
      } else {
        // One value per unit: drawn as a single image, 16 units a row.
        const columns = Math.min(16, m.count);
        const rows = Math.ceil(m.count / columns);
        const grid = new Float32Array(columns * rows);
        grid.set(m.values);
        drawImageGrid(ui.maps, grid, 1, columns, rows, { columns: 1, scale: 14 });
        ui.mapsCaption.textContent = `${m.count} unit activations, ${columns} a row`;
      }
      drawImageGrid(ui.preview, message.input, 1, 28, 28, { columns: 1, scale: 3 });
      ui.previewCaption.textContent = message.source === 'drawing' ? 'what the network sees: your drawing, 28×28' : `no drawing yet: a test digit (a ${message.label})`;
      if (message.source === 'drawing' && hasDrawing) showProbabilities(message.probabilities);
      return;
    }
    case 'error':
      showError(message.message);
      return;
  }
}

function addPoint(p: BatchPoint): void {
  curves.points.push(p);
  const e = curves.ema;
  e.n++;
  e.loss = SMOOTHING * e.loss + (1 - SMOOTHING) * p.loss;
  e.acc = SMOOTHING * e.acc + (1 - SMOOTHING) * p.accuracy;
  const correction = 1 - SMOOTHING ** e.n;
  const loss = e.loss / correction;
  const acc = e.acc / correction;
  curves.smoothLoss.push([p.step, loss]);
  curves.smoothAcc.push([p.step, acc]);
  if (curves.points.length === 1) {
    ui.lossFirst.textContent = p.loss.toFixed(3);
    ui.lossFirst.dataset.value = String(p.loss);
  }
  ui.lossNow.textContent = loss.toFixed(3);
  ui.lossNow.dataset.value = String(loss);
  ui.accNow.textContent = percent(acc);
}

function percent(v: number): string {
  return Number.isFinite(v) ? `${(v * 100).toFixed(1)}%` : '–';
}

function setState(next: TrainingState): void {
  state = next;
  ui.state.textContent = next;
  ui.state.dataset.state = next;
  ui.start.disabled = !(next === 'ready' || next === 'paused' || next === 'done');
  ui.start.textContent = next === 'paused' ? 'Resume' : next === 'done' ? 'Train more' : 'Start';
  ui.pause.disabled = next !== 'training';
  // Settings change the model, so they apply before training starts (or after a reset).
  for (const control of [ui.model, ui.batch, ui.lr, ui.epochs]) control.disabled = !(next === 'ready' || next === 'loading');
}

function showError(text: string): void {
  ui.error.hidden = false;
  ui.error.textContent = `Error: ${text}`;
}

// ---- charts, redrawn at most once a frame ------------------------------------------------------

let chartsPending = false;

function scheduleCharts(): void {
  if (chartsPending) return;
  chartsPending = true;
  requestAnimationFrame(() => {
    chartsPending = false;
    drawCharts();
  });
}

function drawCharts(): void {
  const pts = curves.points;
  const batchLoss: Series = { name: 'batch', color: '#f3b08f', lineWidth: 1, points: pts.map((p) => [p.step, p.loss]) };
  drawChart(ui.lossChart, [
    batchLoss,
    { name: 'smoothed', color: '#d9480f', lineWidth: 2, points: curves.smoothLoss },
    { name: 'test', color: '#1c7ed6', dots: true, points: curves.testLoss },
  ], { yMin: 0 });
  drawChart(ui.accChart, [
    { name: 'batch', color: '#f3b08f', lineWidth: 1, points: pts.map((p) => [p.step, p.accuracy]) },
    { name: 'smoothed', color: '#d9480f', lineWidth: 2, points: curves.smoothAcc },
    { name: 'test', color: '#1c7ed6', dots: true, points: curves.testAcc },
  ], { yMin: 0, yMax: 1 });
  const layers = curves.info?.layers ?? [];
  drawChart(ui.gradChart, layers.map((name, i) => ({
    name,
    color: LAYER_COLORS[i % LAYER_COLORS.length]!,
    lineWidth: 1.25,
    points: pts.map((p) => [p.step, p.gradNorms[i] ?? NaN] as const),
  })), { logY: true });
  const last = pts[pts.length - 1];
  ui.gradLegend.replaceChildren(...layers.map((name, i) => {
    const li = document.createElement('li');
    const swatch = document.createElement('i');
    swatch.style.background = LAYER_COLORS[i % LAYER_COLORS.length]!;
    const norm = last?.gradNorms[i];
    li.append(swatch, `${name}  ‖g‖ = ${norm !== undefined && Number.isFinite(norm) ? norm.toExponential(2) : '–'}`);
    return li;
  }));
}

addEventListener('resize', scheduleCharts);

// ---- probability bars ---------------------------------------------------------------------------

function showProbabilities(probabilities: readonly number[]): void {
  const top = probabilities.indexOf(Math.max(...probabilities));
  ui.probs.dataset.source = 'drawing';
  ui.probs.replaceChildren(...probabilities.map((p, digit) => {
    const row = document.createElement('div');
    row.className = digit === top ? 'prob top' : 'prob';
    row.dataset.digit = String(digit);
    const label = document.createElement('span');
    label.className = 'digit';
    label.textContent = String(digit);
    const track = document.createElement('div');
    track.className = 'track';
    const bar = document.createElement('div');
    bar.className = 'bar';
    bar.dataset.testid = 'prob-bar';
    bar.style.width = `${(p * 100).toFixed(1)}%`;
    track.append(bar);
    const pct = document.createElement('span');
    pct.className = 'pct';
    pct.textContent = `${(p * 100).toFixed(1)}%`;
    row.append(label, track, pct);
    return row;
  }));
}

function clearProbabilities(): void {
  ui.probs.dataset.source = 'none';
  const p = document.createElement('p');
  p.className = 'placeholder';
  p.textContent = 'Draw a digit to see the class probabilities.';
  ui.probs.replaceChildren(p);
}

// ---- the drawing pad ------------------------------------------------------------------------------

const pad = ui.pad.getContext('2d', { willReadFrequently: true })!;
let hasDrawing = false;
let drawingNow = false;
let last: { x: number; y: number } | null = null;
let sendPending = false;

function clearPad(): void {
  pad.fillStyle = '#000';
  pad.fillRect(0, 0, ui.pad.width, ui.pad.height);
  hasDrawing = false;
  clearProbabilities();
  send({ type: 'draw', pixels: null });
}

function padPoint(event: PointerEvent): { x: number; y: number } {
  const rect = ui.pad.getBoundingClientRect();
  return { x: ((event.clientX - rect.left) / rect.width) * ui.pad.width, y: ((event.clientY - rect.top) / rect.height) * ui.pad.height };
}

function stroke(from: { x: number; y: number }, to: { x: number; y: number }): void {
  pad.strokeStyle = '#fff';
  pad.lineWidth = 20;
  pad.lineCap = 'round';
  pad.lineJoin = 'round';
  pad.beginPath();
  pad.moveTo(from.x, from.y);
  pad.lineTo(to.x, to.y);
  pad.stroke();
  hasDrawing = true;
  scheduleSend();
}

/** Sends the drawing, MNIST-preprocessed, to the worker at most once a frame. */
function scheduleSend(): void {
  if (sendPending) return;
  sendPending = true;
  requestAnimationFrame(() => {
    sendPending = false;
    const { width, height } = ui.pad;
    const rgba = pad.getImageData(0, 0, width, height).data;
    const gray = new Float32Array(width * height);
    for (let i = 0; i < gray.length; i++) gray[i] = rgba[i * 4]! / 255;
    const pixels = toMnist(gray, width, height);
    if (pixels !== null) send({ type: 'draw', pixels });
  });
}

ui.pad.addEventListener('pointerdown', (event) => {
  ui.pad.setPointerCapture(event.pointerId);
  drawingNow = true;
  last = padPoint(event);
  stroke(last, last);
});
ui.pad.addEventListener('pointermove', (event) => {
  if (!drawingNow || last === null) return;
  const p = padPoint(event);
  stroke(last, p);
  last = p;
});
for (const type of ['pointerup', 'pointercancel'] as const) {
  ui.pad.addEventListener(type, () => {
    drawingNow = false;
    last = null;
  });
}
ui.clear.addEventListener('click', clearPad);

// ---- controls ---------------------------------------------------------------------------------------

function reset(): void {
  curves = freshCurves();
  for (const out of [ui.lossFirst, ui.lossNow]) {
    out.textContent = '–';
    out.dataset.value = '';
  }
  for (const out of [ui.lossTest, ui.accNow, ui.accTest]) out.textContent = '–';
  ui.seen.textContent = '0';
  ui.speed.textContent = '–';
  ui.speed.dataset.value = '0';
  ui.error.hidden = true;
  setState('loading');
  send({ type: 'reset', session: ++session, settings: settings(), dataUrl });
  scheduleCharts();
}

ui.start.addEventListener('click', () => send({ type: 'start' }));
ui.pause.addEventListener('click', () => send({ type: 'pause' }));
ui.reset.addEventListener('click', reset);
for (const control of [ui.model, ui.batch, ui.lr, ui.epochs]) control.addEventListener('change', () => state === 'ready' && reset());

clearPad();
reset();
