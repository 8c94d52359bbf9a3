// Loading a model or weights from anything a user has: a path, a URL, bytes, or TF.js artifacts.
// What the bytes are is read from their first bytes, not trusted from a name:
//   'PK\x03\x04'             a `.keras` zip (Keras 3, or tf.keras 2.15's)
//   '\x89HDF\r\n\x1a\n'      an HDF5 file: a legacy `.h5` model (it has `model_config`), a
//                            weights-only `.h5`, or a Keras 3 `.weights.h5`
//   '{'                      a TF.js model.json (its weights are other files: give its path)
// A directory, a path to a `.json` file, an IOHandler and artifacts go to the TF.js loader
// (src/models/io), as before.
//
// The load order keeps "nothing half-loaded": (1) the container is read and checked (zip, HDF5:
// every error names the member or the byte offset); (2) the config is parsed with limits,
// translated from its Keras dialect and checked as data (src/saving/keras_config.ts, then
// models/io/topology.ts); (3) the model is built with every weight filled from a budget of zeros
// no larger than the file's float values; (4) every weight is found and its shape checked; (5)
// only then are the values assigned, and (6) the model compiled and its optimizer state restored
// (a problem there is a warning, as in Keras, and leaves the model uncompiled).

import { Hdf5FormatError, getStringAttribute, isHdf5, readHdf5, type Hdf5Group } from '../formats/hdf5/index.js';
import { ZipFormatError, isZip, readZip, type ZipEntry } from '../formats/zip/index.js';
import { withWeightFill, type AnyLayer } from '../layers/layer.js';
import type { Model } from '../models/model.js';
import { LOADABLE_LAYERS } from '../models/builtins.js';
import type { IOHandler, ModelArtifacts } from '../models/io/artifacts.js';
import { ModelFileError } from '../models/io/errors.js';
import { artifactsFromJsonText, nodeFileSystem, type FileSystemLike } from '../models/io/file_system.js';
import { parseJson, type JsonObject } from '../models/io/json.js';
import { budgetedZeros, loadModel as loadTfjsModel } from '../models/io/load.js';
import { asErrors, loadModelWeights, resolveLoadOptions, type LoadOptions, type ResolvedLoadOptions, type WeightedModel } from '../models/io/load_weights.js';
import { setLoadableNames, topologyFromJson } from '../models/io/topology.js';
import { restoreOptimizerState, restoreTraining, type TrainableModel } from '../models/io/training.js';
import type { DecodedWeight } from '../models/io/weights.js';
import { get, isObject, show, type LoadLimits } from '../models/io/validate.js';
import type { Tensor, Variable } from '../tensor/tensor.js';
import { normalizeKerasConfig, type ConfigOrder } from './keras_config.js';
import { legacyFloatCount, legacyWeightsGroup, readLegacyOptimizer, readLegacyWeights } from './legacy_h5.js';
import { floatValueCount, readOptimizerVars, readWeightsTree, unfoldTree, type LayerOrder } from './weights_h5.js';

setLoadableNames(() => LOADABLE_LAYERS);

/**
 * Anything `tk.loadModel` reads: a path (a `.keras` or `.h5` file, a TF.js directory or its
 * model.json), an `http(s)://` or `file://` URL, the bytes of a `.keras` or `.h5` file, an
 * IOHandler, or TF.js model artifacts.
 */
export type KerasModelSource = string | URL | Uint8Array | ArrayBuffer | IOHandler | ModelArtifacts;

type Bytes = { kind: 'bytes'; bytes: Uint8Array; what: string } | { kind: 'tfjs'; source: string | IOHandler | ModelArtifacts };

const decoder = new TextDecoder('utf-8', { fatal: true });

/** The most bytes a model file may have: its weights plus its JSON. */
function maxFileBytes(limits: LoadLimits): number {
  return limits.maxWeightBytes + limits.maxJsonBytes;
}

/** Reads a path, URL or byte source into bytes (or hands it to the TF.js loader). */
async function resolveSource(source: KerasModelSource, opts: ResolvedLoadOptions, who: string): Promise<Bytes> {
  if (source instanceof Uint8Array) return { kind: 'bytes', bytes: source, what: 'the given bytes' };
  if (source instanceof ArrayBuffer) return { kind: 'bytes', bytes: new Uint8Array(source), what: 'the given bytes' };
  if (ArrayBuffer.isView(source)) return { kind: 'bytes', bytes: new Uint8Array(source.buffer, source.byteOffset, source.byteLength), what: 'the given bytes' };
  let location: string | null = null;
  if (source instanceof URL) location = source.href;
  else if (typeof source === 'string') location = source;
  if (location === null) return { kind: 'tfjs', source: source as IOHandler | ModelArtifacts };
  if (/^https?:\/\//i.test(location)) return fetchSource(location, opts, who);
  const path = /^file:\/\//i.test(location) ? decodeURIComponent(location.slice('file://'.length)) : location;
  if (path.toLowerCase().endsWith('.json')) return { kind: 'tfjs', source: path };
  const fs = opts.fs ?? (await nodeFileSystem());
  const stat = await fs.stat(path).catch(() => null);
  if (stat === null) throw new ModelFileError(`'${path}' does not exist`);
  if (stat.isDirectory()) return { kind: 'tfjs', source: path };
  if (!stat.isFile()) throw new ModelFileError(`'${path}' is not a file or a directory`);
  if (stat.size > maxFileBytes(opts.limits)) throw new ModelFileError(`'${path}' is ${stat.size} bytes, more than the limit of ${maxFileBytes(opts.limits)} (limits.maxWeightBytes + limits.maxJsonBytes)`);
  return { kind: 'bytes', bytes: await fs.readFile(path), what: path };
}

/** An http(s) URL: its bytes with the global fetch; a model.json there has its weight files fetched beside it. */
async function fetchSource(url: string, opts: ResolvedLoadOptions, who: string): Promise<Bytes> {
  const fetchBytes = async (u: string, max: number): Promise<Uint8Array> => {
    if (typeof fetch !== 'function') throw new Error(`${who}: loading '${u}' needs the global fetch (Node 18+, browsers)`);
    const response = await fetch(u);
    if (!response.ok) throw new ModelFileError(`${who}: fetching '${u}' failed: HTTP ${response.status} ${response.statusText}`);
    const length = Number(response.headers.get('content-length') ?? NaN);
    if (length > max) throw new ModelFileError(`'${u}' is ${length} bytes, more than the limit of ${max}`);
    const bytes = new Uint8Array(await response.arrayBuffer());
    if (bytes.byteLength > max) throw new ModelFileError(`'${u}' is ${bytes.byteLength} bytes, more than the limit of ${max}`);
    return bytes;
  };
  const bytes = await fetchBytes(url, maxFileBytes(opts.limits));
  if (looksLikeJson(bytes)) {
    const text = utf8(bytes, url);
    const artifacts = await artifactsFromJsonText(text, url, (p, max) => fetchBytes(new URL(p, url).href, max), opts.limits);
    return { kind: 'tfjs', source: artifacts };
  }
  return { kind: 'bytes', bytes, what: url };
}

function looksLikeJson(bytes: Uint8Array): boolean {
  let i = bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf ? 3 : 0;
  while (i < bytes.length && (bytes[i] === 0x20 || bytes[i] === 0x0a || bytes[i] === 0x0d || bytes[i] === 0x09)) i++;
  return bytes[i] === 0x7b || bytes[i] === 0x5b;
}

function utf8(bytes: Uint8Array, what: string): string {
  try {
    return decoder.decode(bytes);
  } catch {
    throw new ModelFileError(`${what} is not UTF-8 text`);
  }
}

/** What the first bytes say, for an error about a file that is none of the formats. */
function describeStart(bytes: Uint8Array): string {
  if (bytes.length === 0) return 'it is empty';
  const head = Array.from(bytes.subarray(0, 8), (b) => b.toString(16).padStart(2, '0')).join(' ');
  return `it is ${bytes.length} bytes starting with ${head}`;
}

/** Runs a container reader, naming the file (and member) in its error. */
function inFile<T>(what: string, member: string | null, f: () => T): T {
  try {
    return f();
  } catch (e) {
    if (e instanceof Hdf5FormatError || e instanceof ZipFormatError) {
      throw new ModelFileError(`${what}${member === null ? '' : `: member '${member}'`}: ${e.message}`, { cause: e });
    }
    throw e;
  }
}

/** The config JSON of a file, parsed with the loader's limits into null-prototype data. */
function parseConfig(text: string, what: string, limits: LoadLimits): JsonObject {
  const value = parseJson(text, what, { maxBytes: limits.maxJsonBytes, maxDepth: limits.maxJsonDepth });
  if (!isObject(value)) throw new ModelFileError(`${what}: expected a model config object { class_name, config }, got ${show(value)}`);
  return value;
}

/** A `.keras` zip: its config and the root of its weights file. */
function readKerasZip(bytes: Uint8Array, what: string, limits: LoadLimits): { config: JsonObject; weights: Hdf5Group } {
  const entries = inFile(what, null, () => readZip(bytes));
  const byName = new Map<string, ZipEntry>(entries.map((e) => [e.name, e]));
  const configEntry = byName.get('config.json');
  if (configEntry === undefined) throw new ModelFileError(`${what}: this zip is not a .keras file: it has no config.json (its members: ${entries.slice(0, 10).map((e) => `'${e.name}'`).join(', ')})`);
  const weightsEntry = byName.get('model.weights.h5');
  if (weightsEntry === undefined) {
    const npz = byName.has('model.weights.npz') ? ' (it has model.weights.npz: Keras\'s npz weights are not supported; save with the default h5 weights)' : '';
    throw new ModelFileError(`${what}: the .keras file has no model.weights.h5${npz}`);
  }
  const config = parseConfig(utf8(configEntry.data, `${what}: config.json`), `${what}: config.json`, limits);
  const weights = inFile(what, 'model.weights.h5', () => readHdf5(weightsEntry.data));
  return { config, weights };
}

/** The layer list order of each model, from the file's config, for matching weights. */
function orderFromConfig(order: ConfigOrder): LayerOrder {
  return (model, path) => {
    const names = order.layerNames.get(path);
    const layers = (model as unknown as { layers: readonly AnyLayer[] }).layers;
    if (names === undefined) return null;
    const found = names.map((n) => layers.find((l) => l.name === n));
    return found.every((l) => l !== undefined) ? (found as AnyLayer[]) : null;
  };
}

/**
 * Builds the model a topology describes, with weights drawn from a budget of `budget` zeros (the
 * float values of `weights`, the member or group holding them). `config` names the config in errors.
 */
function buildModel<Out extends Tensor | Tensor[]>(topology: ReturnType<typeof topologyFromJson>, budget: number, config: string, weights: string): Model<Out> {
  try {
    return withWeightFill(budgetedZeros(budget, weights), () => topology.create()) as unknown as Model<Out>;
  } catch (e) {
    if (e instanceof ModelFileError) throw e;
    const message = (e as Error).message;
    throw new ModelFileError(message.startsWith(config) ? message : `${config}: the model cannot be built: ${message}`, { cause: e });
  }
}

function assign(pairs: readonly [Variable, Tensor][]): void {
  for (const [v, t] of pairs) v.assign(t);
}

/** A compile configuration, or null when there is none (Keras 3 writes `{}` for an uncompiled model). */
function trainingOf(value: unknown): unknown {
  if (value === undefined || value === null) return null;
  if (isObject(value) && Object.keys(value).length === 0) return null;
  return value;
}

/**
 * Compiles a loaded model and restores its optimizer state. Keras 3's `optimizer/vars` are in the
 * optimizer's own order, so they are named after the freshly built optimizer's variables.
 */
function compileLoaded(model: TrainableModel, config: unknown, optimizerVars: readonly DecodedWeight[], positional: boolean, warn: (m: string) => void): void {
  restoreTraining(model, config, [], warn);
  const optimizer = model.optimizer;
  if (optimizer === null || optimizerVars.length === 0 || trainingOf(config) === null) return;
  optimizer.build(model.trainableWeights);
  let file = optimizerVars;
  if (positional) {
    const current = optimizer.getWeights();
    if (current.length < file.length) {
      warn(`loadModel: the optimizer state was not restored (the file holds ${file.length} optimizer variables, ${optimizer.className} has ${current.length}); training continues from a fresh optimizer`);
      return;
    }
    file = file.map((w, i) => ({ ...w, name: current[i]!.name }));
  }
  const problem = restoreOptimizerState(optimizer, model.trainableWeights, file, 1);
  if (problem !== null) warn(`loadModel: the optimizer state was not restored (${problem}); training continues from a fresh ${optimizer.className} optimizer`);
}

/** A model from the bytes of a `.keras` or `.h5` file. */
async function loadKerasBytes<Out extends Tensor | Tensor[]>(bytes: Uint8Array, what: string, opts: ResolvedLoadOptions): Promise<Model<Out>> {
  if (isZip(bytes)) {
    const { config, weights } = readKerasZip(bytes, what, opts.limits);
    const { topology, order } = normalizeKerasConfig(config, `${what}: config.json`);
    const parsed = topologyFromJson(topology, `${what}: config.json`, opts.limits);
    const tree = unfoldTree(weights);
    const model = buildModel<Out>(parsed, floatValueCount(tree), `${what}: config.json`, `${what}: model.weights.h5`);
    assign(readWeightsTree(tree, model, orderFromConfig(order), `${what}: model.weights.h5`));
    if (opts.compile) {
      const vars = readOptimizerVars(tree, `${what}: model.weights.h5`).map((v, i): DecodedWeight => ({ name: String(i), shape: v.shape, group: 'optimizer', values: v.values, ints: v.ints }));
      compileLoaded(model, trainingOf(get(config, 'compile_config')), vars, true, opts.warn);
    }
    return model;
  }
  if (isHdf5(bytes)) {
    const root = inFile(what, null, () => readHdf5(bytes));
    const text = inFile(what, null, () => getStringAttribute(root, 'model_config'));
    if (text === undefined) {
      const kind = legacyWeightsGroup(root) !== null ? 'a weights-only file (layer_names and one group per layer)'
        : root.children.has('layers') || root.children.has('vars') ? "a Keras 3 weights file (layers/.../vars)" : 'an HDF5 file without a model';
      throw new ModelFileError(`${what}: no model config found: this is ${kind}; load it into a model built in code with model.loadWeights(...)`);
    }
    const config = parseConfig(text, `${what}: model_config`, opts.limits);
    const { topology, order } = normalizeKerasConfig(config, `${what}: model_config`);
    const parsed = topologyFromJson(topology, `${what}: model_config`, opts.limits);
    const group = legacyWeightsGroup(root);
    if (group === null || group === root) throw new ModelFileError(`${what}: the file has a model_config but no model_weights group`);
    const model = buildModel<Out>(parsed, legacyFloatCount(group), `${what}: model_config`, `${what}: model_weights`);
    assign(readLegacyWeights(group, orderedLayers(model, order), `${what}: model_weights`));
    if (opts.compile) {
      const training = inFile(what, null, () => getStringAttribute(root, 'training_config'));
      const trainingConfig = training === undefined ? null : parseConfig(training, `${what}: training_config`, opts.limits);
      const vars = readLegacyOptimizer(root, what);
      // Keras 3 writes optimizer.variables (iteration first, read back by position); tf.keras 2 its
      // own layout ('iter', then each slot for every variable), which the io loader knows.
      compileLoaded(model, trainingConfig, vars, vars[0]?.name === 'iteration', opts.warn);
    }
    return model;
  }
  if (looksLikeJson(bytes)) throw new ModelFileError(`${what}: this is JSON (a TF.js model.json?), whose weights are in other files: load its directory or its path instead, or artifacts`);
  throw new ModelFileError(`${what}: not a model file tensorkit reads: expected a .keras zip (starting 'PK'), an HDF5 .h5 file (starting '\\x89HDF') or a TF.js model.json; ${describeStart(bytes)}`);
}

/** The model's layers in the order its file's config lists them (Keras's order), else as built. */
function orderedLayers(model: AnyLayer, order: ConfigOrder): readonly AnyLayer[] {
  const layers = (model as unknown as { layers: readonly AnyLayer[] }).layers;
  return orderFromConfig(order)(model, '') ?? layers;
}

/**
 * Loads a model: a Keras 3 `.keras` file, a legacy Keras / tf.keras `.h5` file, or the TF.js
 * layers format (a directory, its model.json, an IOHandler or artifacts), from a path, an
 * `http(s)://` URL (fetched) or the file's bytes (`Uint8Array` / `ArrayBuffer`). A model saved
 * compiled comes back compiled, with its optimizer state when the file holds it.
 *
 * A corrupt or truncated file, an unknown layer class, or weights that do not fit are refused
 * with a {@link ModelFileError} naming the byte offset, the member, or the layer; nothing is
 * half-loaded and nothing from the file is evaluated.
 *
 * @example
 * ```ts
 * const m = await tk.loadModel('model.keras');
 * const h = await tk.loadModel('best_model.h5');
 * const b = await tk.loadModel(new Uint8Array(await (await fetch('/model.keras')).arrayBuffer()));
 * const t = await tk.loadModel('models/mnist');   // a TF.js directory
 * ```
 */
export async function loadModel<Out extends Tensor | Tensor[] = Tensor>(source: KerasModelSource, options: LoadOptions = {}): Promise<Model<Out>> {
  const opts = resolveLoadOptions(options, 'loadModel');
  return asErrors('loadModel', async () => {
    const resolved = await resolveSource(source, opts, 'loadModel');
    if (resolved.kind === 'tfjs') return loadTfjsModel<Out>(resolved.source, options);
    return loadKerasBytes<Out>(resolved.bytes, resolved.what, opts);
  });
}

/**
 * Loads weights into a built model (see `Model.loadWeights`): a Keras 3 `.weights.h5` (or the
 * weights of a `.keras` file) by Keras's paths; a legacy `.h5` (a model file or a weights-only
 * one) by position among layers with weights; anything else in the TF.js format. Every count and
 * shape is checked before any weight changes.
 */
export async function loadWeightsFrom(model: WeightedModel & AnyLayer, source: KerasModelSource, options: LoadOptions = {}): Promise<void> {
  const who = `${model.name}.loadWeights`;
  const opts = resolveLoadOptions(options, who);
  await asErrors(who, async () => {
    const resolved = await resolveSource(source, opts, who);
    if (resolved.kind === 'tfjs') return loadModelWeights(model, resolved.source, options);
    const { bytes, what } = resolved;
    if (!model.built) throw new Error(`${who}: the model is not built yet, so it has no weights to load into; give its first layer an inputShape or call build() first`);
    if (isZip(bytes)) {
      const { weights } = readKerasZip(bytes, what, opts.limits);
      assign(readWeightsTree(unfoldTree(weights), model, null, `${what}: model.weights.h5`));
      return;
    }
    if (isHdf5(bytes)) {
      const root = inFile(what, null, () => readHdf5(bytes));
      const legacy = legacyWeightsGroup(root);
      if (legacy !== null) assign(readLegacyWeights(legacy, model.layers, what));
      else assign(readWeightsTree(unfoldTree(root), model, null, what));
      return;
    }
    throw new ModelFileError(`${what}: not a weights file tensorkit reads (a .weights.h5 or .h5 HDF5 file, a .keras zip, or a TF.js directory); ${describeStart(bytes)}`);
  });
}
