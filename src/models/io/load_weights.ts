// Where saved models come from (a path, an IOHandler, artifacts in memory), the options every
// loader takes, and `loadWeights`: a file's weights into an existing model.

import { fileWeightName } from '../../layers/file_names.js';
import type { AnyLayer } from '../../layers/layer.js';
import { Tensor, type Variable } from '../../tensor/tensor.js';
import { checkArtifacts, type IOHandler, type ModelArtifacts } from './artifacts.js';
import { ModelFileError } from './errors.js';
import { fileSystem, type FileSystemLike } from './file_system.js';
import { decodeWeights, matchWeights, type ExpectedWeight } from './weights.js';
import { resolveLimits, show, type LoadLimits } from './validate.js';

/** Options of `tk.loadModel` and `model.loadWeights`. */
export interface LoadOptions {
  /** Compile the model from the saved training configuration, if any (default true, as Keras). */
  compile?: boolean;
  /** Raise (or lower) the loader's limits; see `LoadLimits`. */
  limits?: Partial<LoadLimits>;
  /** The file operations for directory paths (default: Node's). */
  fs?: FileSystemLike;
  /** Where warnings go (a training configuration that cannot be restored, ...); default console.warn. */
  onWarning?: (message: string) => void;
}

/** Load options after checking. */
export interface ResolvedLoadOptions {
  compile: boolean;
  limits: LoadLimits;
  fs: FileSystemLike | undefined;
  warn: (message: string) => void;
}

/** Checks the options of a loader (`who` names it in errors). */
export function resolveLoadOptions(options: LoadOptions, who: string): ResolvedLoadOptions {
  if (options === null || typeof options !== 'object') throw new Error(`${who}: expected an options object, got ${show(options)}`);
  for (const key of Object.keys(options)) {
    if (!['compile', 'limits', 'fs', 'onWarning'].includes(key)) throw new Error(`${who}: unknown option '${key}' (valid: compile, limits, fs, onWarning)`);
  }
  if (options.compile !== undefined && typeof options.compile !== 'boolean') throw new Error(`${who}: compile must be true or false, got ${show(options.compile)}`);
  if (options.onWarning !== undefined && typeof options.onWarning !== 'function') throw new Error(`${who}: onWarning must be a function`);
  return {
    compile: options.compile ?? true,
    limits: resolveLimits(options.limits),
    fs: options.fs,
    warn: options.onWarning ?? ((m) => console.warn(m)),
  };
}

/** Something a model can be loaded from. */
export type ModelSource = string | IOHandler | ModelArtifacts;

/**
 * The raw artifacts of a source: a directory or model.json path (read with the file system), an
 * IOHandler with `load()` (tensorkit's or TF.js's), or artifacts themselves.
 */
export async function readSource(source: ModelSource, options: ResolvedLoadOptions, purpose: 'model' | 'weights', who: string): Promise<{ raw: unknown; what: string }> {
  if (typeof source === 'string') {
    const handler = fileSystem(source, { fs: options.fs, limits: options.limits });
    return { raw: purpose === 'weights' ? await handler.loadWeights() : await handler.load(), what: source };
  }
  if (source === null || typeof source !== 'object') {
    throw new Error(`${who}: expected a directory path, an IOHandler or model artifacts { modelTopology, weightSpecs, weightData }, got ${show(source)}`);
  }
  const load = (source as { load?: unknown }).load;
  if (typeof load === 'function') return { raw: await (load as () => Promise<unknown>).call(source), what: 'the loaded artifacts' };
  return { raw: source, what: 'artifacts' };
}

/** Runs `f`, turning anything thrown that is not an Error into one (a hostile handler may throw anything). */
export async function asErrors<T>(who: string, f: () => Promise<T>): Promise<T> {
  try {
    return await f();
  } catch (e) {
    if (e instanceof Error) throw e;
    throw new ModelFileError(`${who}: ${show(e)}`);
  }
}

/** The weights a model's layers hold, in model order, as matching expects them. */
export function expectedWeights(layers: readonly AnyLayer[]): ExpectedWeight[] {
  return layers.flatMap((layer) => layer.weights.map((w) => {
    // A weight the TF.js format spells differently (DepthwiseConv2D's kernel) is expected under that
    // name, and also matches its own short name when matched by structure (file_names.ts).
    const own = w.name ?? `${layer.name}/weight`;
    const name = w.name === undefined ? own : fileWeightName(w);
    const short = (n: string): string => (n.startsWith(`${layer.name}/`) ? n.slice(layer.name.length + 1) : n);
    const e: ExpectedWeight = { name, shortName: short(name), shape: w.shape, layer: layer.name };
    if (name !== own) e.otherShortName = short(own);
    return e;
  }));
}

/** What `loadModelWeights` needs of a model. */
export interface WeightedModel {
  readonly name: string;
  readonly built: boolean;
  readonly layers: readonly AnyLayer[];
  readonly weights: Variable[];
  setWeights(values: readonly Tensor[]): void;
}

/**
 * Loads weights into `model` (see `Model.loadWeights`): matched by name, or by layer order
 * as Keras's `load_weights`; every shape is checked before any weight changes.
 */
export async function loadModelWeights(model: WeightedModel, source: ModelSource, options: LoadOptions = {}): Promise<void> {
  const who = `${model.name}.loadWeights`;
  const opts = resolveLoadOptions(options, who);
  await asErrors(who, async () => {
    const { raw, what } = await readSource(source, opts, 'weights', who);
    const a = checkArtifacts(raw, what, opts.limits);
    if (a.specs === null) throw new ModelFileError(`${what}: there are no weightSpecs`);
    const decoded = decodeWeights(a.specs, a.data, what, opts.limits).filter((w) => w.group === 'model');
    if (!model.built && decoded.length > 0) {
      throw new Error(`${who}: the model is not built yet, so it has no weights to load into; give its first layer an inputShape or call build() first`);
    }
    const matched = matchWeights(expectedWeights(model.layers), decoded, what);
    model.setWeights(matched.map((w) => new Tensor(w.values, w.shape)));
  });
}
