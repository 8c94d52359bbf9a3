// The messages between the page (main.ts) and the training worker (worker.ts). Everything is
// structured-cloned; big typed arrays are transferred, not copied. The page imports only this
// file, charts.ts, preprocess.ts and digits_format.ts: tensorkit loads in the worker alone.

/** The models the page can train (models.ts). */
export type ModelKind = 'cnn' | 'keras-cnn' | 'mlp';

export function isModelKind(value: string | null): value is ModelKind {
  return value === 'cnn' || value === 'keras-cnn' || value === 'mlp';
}

export interface TrainingSettings {
  model: ModelKind;
  batchSize: number;
  learningRate: number;
  epochs: number;
  seed: number;
}

/** Page → worker. */
export type ToWorker =
  /**
   * Load the digits (once) and build a fresh model; also "reset": stops any training first.
   * `session` numbers the resets: the worker tags every message with it (see FromWorker).
   */
  | { type: 'reset'; session: number; settings: TrainingSettings; dataUrl: string }
  | { type: 'start' }
  | { type: 'pause' }
  /** The visitor's drawing, already 28×28 (784 values in [0, 1]); null when the canvas is cleared. */
  | { type: 'draw'; pixels: Float32Array | null };

/** One training batch, as the curves plot it. */
export interface BatchPoint {
  /** Global batch number, counted from 1 across epochs. */
  step: number;
  epoch: number;
  /** This batch's loss and accuracy (not the epoch's running mean). */
  loss: number;
  accuracy: number;
  /** ‖g‖ per layer in `ModelInfo.layers` order (√Σ‖g‖² over the layer's variables). */
  gradNorms: number[];
}

export interface ModelInfo {
  kind: ModelKind;
  /** Layers that have weights, in order: the gradient-norm chart's series. */
  layers: string[];
  params: number;
  /** model.summary()'s text. */
  summary: string;
  stepsPerEpoch: number;
  trainSize: number;
  testSize: number;
}

/** The first weighted layer's weights, one small image per filter / unit. */
export interface Filters {
  /** 'conv': kh×kw kernels of a Conv2D on the 1-channel input; 'dense': 28×28 input weights of a Dense unit. */
  kind: 'conv' | 'dense';
  layer: string;
  width: number;
  height: number;
  /** How many of the layer's filters / units are shown, and how many it has. */
  count: number;
  total: number;
  /** count × height × width values, filter after filter. */
  values: Float32Array;
}

/** The first weighted layer's output for one input. */
export interface FeatureMaps {
  kind: 'conv' | 'dense';
  layer: string;
  /** conv: maps of width × height, one per filter; dense: width = height = 1, one per unit. */
  width: number;
  height: number;
  count: number;
  /** count × height × width values, map after map. */
  values: Float32Array;
}

export type TrainingState = 'loading' | 'ready' | 'training' | 'paused' | 'done';

/** What the worker reports. */
export type WorkerEvent =
  | { type: 'ready'; info: ModelInfo }
  | { type: 'state'; state: TrainingState; epoch: number }
  | {
      type: 'progress';
      /** The batches finished since the last progress message. */
      points: BatchPoint[];
      epoch: number;
      /** Batches done in the current epoch. */
      batch: number;
      samplesSeen: number;
      /** Training speed over the last second or so (pauses left out). */
      samplesPerSecond: number;
    }
  | { type: 'epoch'; epoch: number; step: number; loss: number; accuracy: number; valLoss: number; valAccuracy: number }
  | { type: 'filters'; filters: Filters }
  /**
   * Probabilities and feature maps for the visitor's drawing (`source: 'drawing'`), or for a test
   * digit while nothing is drawn (`source: 'sample'`, with its label).
   */
  | { type: 'prediction'; source: 'drawing' | 'sample'; label: number | null; input: Float32Array; probabilities: number[]; featureMaps: FeatureMaps }
  | { type: 'error'; message: string };

/**
 * Worker → page: each event tagged with the reset it belongs to, so the page can drop what a
 * model it has already reset still had in flight.
 */
export type FromWorker = WorkerEvent & { session: number };
