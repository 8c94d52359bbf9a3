// Model artifacts: the in-memory form of a saved model, TF.js's `ModelArtifacts` (a topology,
// weight specs, and one buffer of weight bytes). File handlers turn directories into artifacts
// and back; `model.toArtifacts()` and `tk.loadModel(artifacts)` use them directly, so a browser
// can save and load without a file system. Artifacts handed to the loader are as untrusted as a
// file: `checkArtifacts` copies and checks every field before anything is built.

import { ModelFileError } from './errors.js';
import { copyPlainData, type JsonValue } from './json.js';
import { checkWeightSpec, concatBytes, type WeightSpec } from './weights.js';
import { expectArray, expectString, isObject, show, type LoadLimits } from './validate.js';

/** A saved model in memory (TF.js's `ModelArtifacts`). */
export interface ModelArtifacts {
  /** The Keras-style topology (`{ class_name: 'Sequential', config, ... }`); absent for weights only. */
  modelTopology?: unknown;
  /** One entry per weight, in the order of `weightData`. */
  weightSpecs?: WeightSpec[];
  /** The weights' bytes (little-endian), one buffer or several to be joined. */
  weightData?: ArrayBuffer | ArrayBuffer[] | ArrayBufferView;
  /** 'layers-model'. */
  format?: string;
  /** What wrote the artifacts (`'tensorkit v0.1.0'`, `'TensorFlow.js tfjs-layers v4.22.0'`, ...). */
  generatedBy?: string;
  /** The converter that produced them from another format (`'TensorFlow.js Converter v4.x'`), or null. */
  convertedBy?: string | null;
  /** TF.js's place for the compile settings (tensorkit writes them inside the topology). */
  trainingConfig?: unknown;
  /** Any JSON data the user stored with the model (copied as plain data on load). */
  userDefinedMetadata?: unknown;
}

/** What a save reports (TF.js's `SaveResult`), plus the files written. */
export interface SaveResult {
  /** Sizes and time of the save, as TF.js reports them. */
  modelArtifactsInfo: {
    /** When the save happened. */
    dateSaved: Date;
    /** Always `'JSON'` (the topology is JSON, not a binary graph). */
    modelTopologyType: 'JSON';
    /** The length of the topology's JSON text. */
    modelTopologyBytes?: number;
    /** The length of the weight specs' JSON text. */
    weightSpecsBytes?: number;
    /** The size of the weight data in bytes. */
    weightDataBytes?: number;
  };
  /** The files written, for file system saves. */
  files?: string[];
}

/** Where a model is saved to or loaded from: anything with `save` and/or `load` (TF.js's IOHandler). */
export interface IOHandler {
  /** Stores the artifacts somewhere (a directory, memory, a server) and reports what was saved. */
  save?(artifacts: ModelArtifacts): Promise<SaveResult>;
  /** Reads artifacts back; `tk.loadModel(handler)` checks them before use. */
  load?(): Promise<ModelArtifacts>;
}

/** Options of `model.save` and `model.toArtifacts` (TF.js's `SaveConfig`). */
export interface SaveOptions {
  /** Also save the optimizer's state, so training can resume exactly (default false, as TF.js). */
  includeOptimizer?: boolean;
}

/** Artifacts after checking: every field typed and bounded. */
export interface CheckedArtifacts {
  topology: JsonValue | undefined;
  specs: WeightSpec[] | null;
  data: Uint8Array;
  trainingConfig: JsonValue | undefined;
}

/**
 * A handler whose load returns `artifacts` (TF.js's `tf.io.fromMemory`).
 *
 * @example
 * ```ts
 * const copy = await tk.loadModel(tk.io.fromMemory(model.toArtifacts()));
 * ```
 */
export function fromMemory(artifacts: ModelArtifacts): IOHandler {
  return { load: async () => artifacts };
}

/**
 * A handler whose save calls `fn` with the artifacts (TF.js's `tf.io.withSaveHandler`).
 *
 * @example
 * ```ts
 * await model.save(tk.io.withSaveHandler(async (artifacts) => {
 *   await upload(artifacts);   // your own storage
 *   return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
 * }));
 * ```
 */
export function withSaveHandler(fn: (artifacts: ModelArtifacts) => Promise<SaveResult>): IOHandler {
  return { save: fn };
}

/** The byte count fields of a SaveResult for `artifacts`. */
export function artifactsInfo(artifacts: ModelArtifacts): SaveResult['modelArtifactsInfo'] {
  const data = artifacts.weightData;
  const bytes = data === undefined ? 0 : Array.isArray(data) ? data.reduce((n, b) => n + b.byteLength, 0) : data.byteLength;
  return {
    dateSaved: new Date(),
    modelTopologyType: 'JSON',
    modelTopologyBytes: artifacts.modelTopology === undefined ? 0 : JSON.stringify(artifacts.modelTopology).length,
    weightSpecsBytes: artifacts.weightSpecs === undefined ? 0 : JSON.stringify(artifacts.weightSpecs).length,
    weightDataBytes: bytes,
  };
}

/**
 * Checks artifacts from any source. `what` names them in errors. Topology and training config
 * are copied as plain data (no functions, no prototypes, bounded depth); weight specs are
 * checked one by one; the weight data becomes one byte array, no larger than the limit.
 */
export function checkArtifacts(raw: unknown, what: string, limits: LoadLimits): CheckedArtifacts {
  if (!isObject(raw)) {
    throw new ModelFileError(`${what}: expected model artifacts { modelTopology, weightSpecs, weightData }, got ${show(raw)}`);
  }
  const o = raw as Record<string, unknown>;
  const own = (key: string): unknown => (Object.hasOwn(o, key) ? o[key] : undefined);
  const format = own('format');
  if (format !== undefined && format !== null) {
    expectString(format, `${what}.format`, 100);
    if (format === 'graph-model') throw new ModelFileError(`${what}.format: this is a TF.js graph model (converted from a SavedModel or frozen graph); tensorkit loads layers models`);
    if (format !== 'layers-model') throw new ModelFileError(`${what}.format: expected 'layers-model', got ${show(format)}`);
  }
  for (const key of ['generatedBy', 'convertedBy']) {
    const v = own(key);
    if (v !== undefined && v !== null) expectString(v, `${what}.${key}`, limits.maxNameLength);
  }
  const plain = { maxDepth: limits.maxJsonDepth, maxNodes: 4 * limits.maxLayers * 64 + 10_000 };
  const rawTopology = own('modelTopology');
  if (rawTopology instanceof ArrayBuffer || ArrayBuffer.isView(rawTopology)) {
    throw new ModelFileError(`${what}.modelTopology: a binary topology (a TF.js graph model) cannot be loaded; tensorkit loads layers models`);
  }
  const topology = rawTopology === undefined || rawTopology === null ? undefined : copyPlainData(rawTopology, `${what}.modelTopology`, plain);
  const rawTraining = own('trainingConfig');
  const trainingConfig = rawTraining === undefined || rawTraining === null ? undefined : copyPlainData(rawTraining, `${what}.trainingConfig`, plain);
  const rawSpecs = own('weightSpecs');
  let specs: WeightSpec[] | null = null;
  if (rawSpecs !== undefined && rawSpecs !== null) {
    const list = expectArray(rawSpecs, `${what}.weightSpecs`, limits.maxWeights);
    specs = list.map((s, i) => checkWeightSpec(copyPlainData(s, `${what}.weightSpecs[${i}]`, plain), `${what}.weightSpecs[${i}]`, limits));
  }
  const data = weightBytes(own('weightData'), `${what}.weightData`, limits);
  if (specs === null && data.byteLength > 0) throw new ModelFileError(`${what}: weightData is given but weightSpecs is missing, so the bytes cannot be read`);
  const metadata = own('userDefinedMetadata');
  if (metadata !== undefined && metadata !== null) copyPlainData(metadata, `${what}.userDefinedMetadata`, plain);
  return { topology, specs, data, trainingConfig };
}

/** The weight data as one byte array: an ArrayBuffer, a list of them, or any typed array view. */
function weightBytes(value: unknown, what: string, limits: LoadLimits): Uint8Array {
  if (value === undefined || value === null) return new Uint8Array(0);
  const parts = Array.isArray(value) ? value : [value];
  if (parts.length > limits.maxFiles) throw new ModelFileError(`${what}: ${parts.length} buffers, more than the limit of ${limits.maxFiles}`);
  let total = 0;
  const views = parts.map((p, i) => {
    let view: Uint8Array;
    if (p instanceof ArrayBuffer) view = new Uint8Array(p);
    else if (ArrayBuffer.isView(p)) view = new Uint8Array(p.buffer, p.byteOffset, p.byteLength);
    else throw new ModelFileError(`${what}${Array.isArray(value) ? `[${i}]` : ''}: expected an ArrayBuffer or a typed array, got ${show(p)}`);
    total += view.byteLength;
    if (total > limits.maxWeightBytes) throw new ModelFileError(`${what}: more than ${limits.maxWeightBytes} bytes of weights (limits.maxWeightBytes)`);
    return view;
  });
  return concatBytes(views);
}
