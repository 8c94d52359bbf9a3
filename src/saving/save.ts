// Saving, the format chosen by the destination's name (Keras 3's rule, DESIGN part 2):
//   'x.keras'       a Keras 3 zip: metadata.json, config.json, model.weights.h5, stored, in that order
//   'x.h5'          a legacy HDF5 model file (model_config, model_weights, [optimizer_weights])
//   'x.weights.h5'  (saveWeights) Keras 3's weights layout; another '.h5' name: tf.keras 2's
//                   weights-only layout
//   anything else   a directory in the TF.js layers format (src/models/io), or an IOHandler
// Files are written atomically: the bytes go to a temporary file beside the target, flushed, then
// renamed over it, so a failed save (a layer that cannot be serialized, a full disk) leaves the
// previous file as it was. Everything is serialized before the first byte is written.

import { writeHdf5 } from '../formats/hdf5/index.js';
import { writeZip } from '../formats/zip/index.js';
import type { Model } from '../models/model.js';
import type { Tensor } from '../tensor/tensor.js';
import type { IOHandler, SaveOptions, SaveResult } from '../models/io/artifacts.js';
import { nodeFileSystem, type FileSystemLike } from '../models/io/file_system.js';
import type { JsonObject, JsonValue } from '../models/io/json.js';
import { saveModel, saveModelWeights, type SaveableModel } from '../models/io/save.js';
import { dict } from '../models/io/topology.js';
import { trainingConfigToJson } from '../models/io/training.js';
import { show } from '../models/io/validate.js';
import { nodeModules } from '#platform';
import { modelToKerasConfig, type ConfigModel } from './keras_config.js';
import { KERAS_VERSION } from './version.js';
import { legacyH5Spec, legacyWeightsOnlySpec } from './legacy_h5.js';
import { weightsTreeSpec } from './weights_h5.js';

/** What saving a Keras file needs of a model. */
export type KerasSaveableModel = SaveableModel & ConfigModel;

/**
 * The Keras file kinds tensorkit writes: a Keras 3 `.keras` zip, a legacy `.h5` model file, Keras 3's
 * `.weights.h5`, and tf.keras 2's weights-only `.h5`.
 *
 * @example
 * ```ts
 * const kind: tk.saving.KerasFileKind = 'keras';
 * ```
 */
export type KerasFileKind = 'keras' | 'h5' | 'weights.h5' | 'weights-only.h5';

/** The kind of Keras file a path names by its extension, or null for a TF.js directory. */
export function kerasKindOf(path: string, purpose: 'model' | 'weights'): KerasFileKind | null {
  const p = path.toLowerCase();
  if (p.endsWith('.weights.h5')) return 'weights.h5';
  if (p.endsWith('.keras')) return 'keras';
  if (p.endsWith('.h5') || p.endsWith('.hdf5')) return purpose === 'model' ? 'h5' : 'weights-only.h5';
  return null;
}

/** `YYYY-MM-DD@HH:MM:SS` in local time, as Keras writes `date_saved`. */
function dateSaved(now: Date): string {
  const two = (n: number): string => String(n).padStart(2, '0');
  return `${now.getFullYear()}-${two(now.getMonth() + 1)}-${two(now.getDate())}@${two(now.getHours())}:${two(now.getMinutes())}:${two(now.getSeconds())}`;
}

/** Keras 3 spells three loss names differently from the TF.js names the training config uses. */
const KERAS3_LOSS_NAMES: Record<string, string> = { kullback_leibler_divergence: 'kl_divergence', cosine_proximity: 'cosine_similarity', logcosh: 'log_cosh' };

function keras3Loss(value: JsonValue): JsonValue {
  if (typeof value === 'string') return KERAS3_LOSS_NAMES[value] ?? value;
  if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
    if (typeof value.class_name === 'string') return dict({ module: 'keras.losses', class_name: value.class_name, config: value.config ?? dict({}), registered_name: null });
    return dict(Object.fromEntries(Object.entries(value).map(([k, v]) => [k, keras3Loss(v)])));
  }
  return value;
}

/** Keras 3's `compile_config`: the compile arguments, `{}` for a model never compiled. */
export function kerasCompileConfig(model: SaveableModel): JsonObject {
  const training = trainingConfigToJson(model);
  if (training === null) return dict({});
  const opt = training.optimizer_config as JsonObject;
  return dict({
    optimizer: dict({ module: 'keras.optimizers', class_name: opt.class_name!, config: opt.config!, registered_name: null }),
    loss: keras3Loss(training.loss ?? null),
    loss_weights: training.loss_weights ?? null,
    metrics: training.metrics ?? null,
    weighted_metrics: null,
    run_eagerly: false,
    steps_per_execution: 1,
    jit_compile: false,
  });
}

const encoder = new TextEncoder();

/**
 * The bytes of a Keras file of `kind` for `model`, without a file system (a browser can offer
 * them as a download, or a server send them): `'keras'` a Keras 3 zip, `'h5'` a legacy model
 * file, `'weights.h5'` Keras 3's weights file, `'weights-only.h5'` tf.keras 2's weights file.
 * `includeOptimizer` adds the optimizer's state to `.keras` and `.h5` files.
 *
 * @example
 * ```ts
 * const bytes = kerasFileBytes(model, 'keras');   // the synchronous writer behind tk.saving.kerasFileBytes
 * const again = await tk.loadModel(bytes);
 * ```
 */
export function kerasFileBytes(model: Model<Tensor | Tensor[]>, kind: KerasFileKind, options: SaveOptions = {}): Uint8Array {
  return fileBytes(model, kind, options);
}

/** {@link kerasFileBytes} for anything shaped like a model. */
function fileBytes(model: KerasSaveableModel, kind: KerasFileKind, options: SaveOptions = {}): Uint8Array {
  const who = `${model.name}.save`;
  checkSaveOptions(options, who);
  const optimizer = options.includeOptimizer === true ? model.optimizer : null;
  if (kind === 'keras') {
    const config = modelToKerasConfig(model, 'keras3');
    config.compile_config = kerasCompileConfig(model);
    const weights = writeHdf5(weightsTreeSpec(model, optimizer));
    return writeZip([
      { name: 'metadata.json', data: encoder.encode(JSON.stringify({ keras_version: KERAS_VERSION, date_saved: dateSaved(new Date()) })) },
      { name: 'config.json', data: encoder.encode(JSON.stringify(config)) },
      { name: 'model.weights.h5', data: weights },
    ]);
  }
  if (kind === 'h5') {
    return writeHdf5(legacyH5Spec(model, {
      modelConfig: modelToKerasConfig(model, 'legacy'),
      trainingConfig: trainingConfigToJson(model),
      optimizer,
      kerasVersion: KERAS_VERSION,
    }));
  }
  if (kind === 'weights.h5') return writeHdf5(weightsTreeSpec(model, null));
  return writeHdf5(legacyWeightsOnlySpec(model, KERAS_VERSION));
}

function checkSaveOptions(options: SaveOptions, who: string): void {
  if (options === null || typeof options !== 'object') throw new Error(`${who}: expected an options object such as { includeOptimizer: true }, got ${show(options)}`);
  for (const key of Object.keys(options)) if (key !== 'includeOptimizer') throw new Error(`${who}: unknown option '${key}' (valid: includeOptimizer)`);
  if (options.includeOptimizer !== undefined && typeof options.includeOptimizer !== 'boolean') throw new Error(`${who}: includeOptimizer must be true or false, got ${show(options.includeOptimizer)}`);
}

/**
 * Writes `bytes` to `path` atomically: a temporary file in the same directory, flushed, renamed
 * over `path`. On any failure the temporary file is removed and `path` keeps what it held.
 *
 * @example
 * ```ts
 * await writeFileAtomic('model.keras', bytes);
 * ```
 */
export async function writeFileAtomic(path: string, bytes: Uint8Array, fs?: FileSystemLike): Promise<void> {
  const files = fs ?? (await nodeFileSystem());
  const { path: paths, crypto } = await nodeModules();
  const dir = paths.dirname(paths.resolve(path));
  await files.mkdir(dir, { recursive: true });
  const existing = await files.stat(path).catch(() => null);
  if (existing !== null && existing.isDirectory()) throw new Error(`save: '${path}' is a directory; a Keras file needs a file name`);
  const temp = paths.join(dir, `.${paths.basename(path)}.${crypto.randomBytes(6).toString('hex')}.tmp`);
  try {
    await files.writeFile(temp, bytes);
    await files.rename(temp, path);
  } catch (e) {
    await files.unlink(temp).catch(() => undefined);
    throw e;
  }
}

function fileResult(path: string, bytes: Uint8Array): SaveResult {
  return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON', weightDataBytes: bytes.byteLength }, files: [path] };
}

/** `model.save(destination)`: a `.keras` or `.h5` file by name, else a TF.js directory or an IOHandler. */
export async function saveModelTo(model: KerasSaveableModel, destination: string | IOHandler, options: SaveOptions = {}): Promise<SaveResult> {
  if (typeof destination === 'string') {
    const kind = kerasKindOf(destination, 'model');
    if (kind === 'weights.h5') throw new Error(`${model.name}.save: '${destination}' names a weights file; save the weights with model.saveWeights('${destination}'), or the model with a '.keras' or '.h5' name`);
    if (kind !== null) {
      const bytes = fileBytes(model, kind, options);
      await writeFileAtomic(destination, bytes);
      return fileResult(destination, bytes);
    }
  }
  return saveModel(model, destination, options);
}

/** `model.saveWeights(destination)`: `.weights.h5` (Keras 3), another `.h5` (tf.keras 2 layout), else TF.js. */
export async function saveWeightsTo(model: KerasSaveableModel, destination: string | IOHandler): Promise<SaveResult> {
  if (typeof destination === 'string') {
    const kind = kerasKindOf(destination, 'weights');
    if (kind === 'keras') throw new Error(`${model.name}.saveWeights: '${destination}' names a model file; save the whole model with model.save('${destination}'), or the weights with a '.weights.h5' name`);
    if (kind !== null) {
      const bytes = fileBytes(model, kind);
      await writeFileAtomic(destination, bytes);
      return fileResult(destination, bytes);
    }
  }
  return saveModelWeights(model, destination);
}
