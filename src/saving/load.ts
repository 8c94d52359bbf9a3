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

import { getStringAttribute, isHdf5, readHdf5 } from '../formats/hdf5/index.js';
import { isZip } from '../formats/zip/index.js';
import { withWeightFill, type AnyLayer } from '../layers/layer.js';
import type { Model } from '../models/model.js';
import { LOADABLE_LAYERS } from '../models/builtins.js';
import { ModelFileError } from '../models/io/errors.js';
import { budgetedZeros, loadModel as loadTfjsModel } from '../models/io/load.js';
import { asErrors, resolveLoadOptions, type LoadOptions, type ResolvedLoadOptions } from '../models/io/load_weights.js';
import { setLoadableNames, topologyFromJson } from '../models/io/topology.js';
import { restoreOptimizerState, restoreTraining, type TrainableModel } from '../models/io/training.js';
import type { DecodedWeight } from '../models/io/weights.js';
import { get, isObject } from '../models/io/validate.js';
import type { Tensor } from '../tensor/tensor.js';
import { normalizeKerasConfig, type ConfigOrder } from './keras_config.js';
import { legacyFloatCount, legacyWeightsGroup, readLegacyOptimizer, readLegacyWeights } from './legacy_h5.js';
import { assign } from './load_weights.js';
import { describeStart, inFile, looksLikeJson, parseConfig, readKerasZip, resolveSource, type KerasModelSource } from './sources.js';
import { floatValueCount, readOptimizerVars, readWeightsTree, unfoldTree, type LayerOrder } from './weights_h5.js';

setLoadableNames(() => LOADABLE_LAYERS);

export type { KerasModelSource } from './sources.js';

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

