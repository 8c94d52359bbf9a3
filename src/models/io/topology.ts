// The model's architecture in model.json: `modelTopology`, the Keras-style Sequential config
// with snake_case keys (keras-facts §11.2).
//
// Writing: each layer's `getConfig()` (TF.js camelCase) becomes Keras snake_case, spelled so that
// TF.js's `loadLayersModel` and Keras can rebuild it: `batch_input_shape` on the first layer,
// `data_format: 'channels_last'`, initializers as `{ class_name, config }` with TF.js's class
// names (`LeCunNormal`), L1 and L2 regularizers as `L1L2` (the only regularizer class TF.js
// registers), LeakyReLU's slope as `alpha` (TF.js and Keras 2; Keras 3 still accepts it).
//
// Reading accepts three writers: tensorkit; TF.js's `model.save` (keys and string values
// snake_cased, names such as `dense_Dense1`); and TensorFlow's Python converter from Keras
// (`model_config`, an InputLayer entry, Keras 2 or 3 config keys). Keys are read in either case.
// Options that tensorkit does not implement are accepted only at their "off" value (a null
// constraint, `groups: 1`, ...); anything else, and any unknown layer class or option, is an error
// naming the layer and the option.

import { getActivation } from '../../layers/activations.js';
import { getInitializer, type InitializerConfig } from '../../layers/initializers.js';
import { getRegularizer, type RegularizerConfig } from '../../layers/regularizers.js';
import {
  Activation, AveragePooling2D, BatchNormalization, Conv2D, Dense, Dropout, Flatten, GlobalAveragePooling2D, GlobalMaxPooling2D,
  InputLayer, LeakyReLU, MaxPooling2D, ReLU, Reshape, Softmax, type Layer, type SymbolicShape,
} from '../../layers/index.js';
import { ModelFileError } from './errors.js';
import type { JsonObject, JsonValue } from './json.js';
import { expectArray, expectBoolean, expectName, expectObject, expectString, expectSymbolicShape, fail, get, isObject, show, type LoadLimits } from './validate.js';

/** The version tensorkit writes in `generatedBy` and `keras_version`. */
export const TENSORKIT_VERSION = '0.1.0';

type Options = Record<string, unknown>;

/** How to build each layer class from its (camelCase) options. Keras's aliases point to the same builder. */
const BUILDERS = new Map<string, (o: Options) => Layer>([
  ['Dense', ({ units, ...o }) => new Dense(units as number, o)],
  ['Conv2D', (o) => new Conv2D(o as unknown as ConstructorParameters<typeof Conv2D>[0])],
  ['MaxPooling2D', (o) => new MaxPooling2D(o)],
  ['AveragePooling2D', (o) => new AveragePooling2D(o)],
  ['GlobalAveragePooling2D', (o) => new GlobalAveragePooling2D(o)],
  ['GlobalMaxPooling2D', (o) => new GlobalMaxPooling2D(o)],
  ['Flatten', (o) => new Flatten(o)],
  ['Dropout', ({ rate, ...o }) => new Dropout(rate as number, o)],
  ['BatchNormalization', (o) => new BatchNormalization(o)],
  ['Activation', (o) => {
    if (!Object.hasOwn(o, 'activation')) throw new Error("the required option 'activation' is missing");
    return new Activation(o as { activation: string });
  }],
  ['Reshape', ({ targetShape, ...o }) => new Reshape(targetShape as number[], o)],
  ['Softmax', (o) => new Softmax(o)],
  ['ReLU', (o) => new ReLU(o)],
  ['LeakyReLU', (o) => new LeakyReLU(o)],
  ['InputLayer', (o) => new InputLayer(o)],
]);

const ALIASES = new Map<string, string>([
  ['Convolution2D', 'Conv2D'], ['MaxPool2D', 'MaxPooling2D'], ['AvgPool2D', 'AveragePooling2D'],
  ['GlobalAvgPool2D', 'GlobalAveragePooling2D'], ['GlobalMaxPool2D', 'GlobalMaxPooling2D'],
]);

/** The layer classes model files may name. */
export const LOADABLE_LAYERS: readonly string[] = [...BUILDERS.keys()];

// ---- writing ----------------------------------------------------------------------------------

/** Keras's snake_case of a camelCase key or value: `batchInputShape` → `batch_input_shape`. */
export function snake(name: string): string {
  return name.replace(/(.)([A-Z][a-z0-9]+)/g, '$1_$2').replace(/([a-z0-9])([A-Z])/g, '$1_$2').toLowerCase();
}

/** camelCase of a snake_case key: `kernel_initializer` → `kernelInitializer`. */
export function camel(name: string): string {
  return name.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());
}

/** TF.js registers these initializers under other spellings. */
const TFJS_INITIALIZER_NAMES: Record<string, string> = { LecunNormal: 'LeCunNormal', LecunUniform: 'LeCunUniform' };

/**
 * The `modelTopology` of a Sequential model: `{ class_name: 'Sequential', config: { name, layers },
 * keras_version, backend }`. `inputShape` (batch axis included) goes onto the first layer as
 * `batch_input_shape`, with the batch axis written as null unless that layer declared a batch size.
 */
export function topologyToJson(modelName: string, layers: readonly Layer[], inputShape: SymbolicShape | null): JsonObject {
  const entries = layers.map((layer, i) => {
    const config = layerConfigToKeras(layer);
    if (i === 0 && !Object.hasOwn(config, 'batch_input_shape') && inputShape !== null) {
      config.batch_input_shape = [null, ...inputShape.slice(1)];
    }
    return dict({ class_name: layer.getClassName(), config });
  });
  return dict({
    class_name: 'Sequential',
    config: dict({ name: modelName, layers: entries }),
    keras_version: `tensorkit ${TENSORKIT_VERSION}`,
    backend: 'tensorkit',
  });
}

function layerConfigToKeras(layer: Layer): JsonObject {
  const className = layer.getClassName();
  const who = `layer '${layer.name}' (${className})`;
  if (!BUILDERS.has(className)) {
    throw new Error(`save: ${who} cannot be saved: tensorkit saves and loads the layer classes ${LOADABLE_LAYERS.join(', ')}`);
  }
  if (layer.name.includes('/')) throw new Error(`save: ${who} cannot be saved: a layer name may not contain '/' (weights are named '<layer>/<weight>')`);
  const out: JsonObject = dict({});
  for (const [key, value] of Object.entries(layer.getConfig())) {
    if (value === undefined) continue;
    if (className === 'LeakyReLU' && key === 'negativeSlope') {
      out.alpha = plainData(value, `${who}.negativeSlope`);
      continue;
    }
    out[snake(key)] = valueToKeras(key, value, who);
  }
  return out;
}

function valueToKeras(key: string, value: unknown, who: string): JsonValue {
  if (key === 'activation') {
    if (typeof value !== 'string') throw new Error(`save: ${who}: the activation ${show(value)} cannot be saved`);
    try {
      getActivation(value);
    } catch {
      throw new Error(`save: ${who}: the activation '${value}' is a custom function, which cannot be written to a model file; use a built-in activation, or save the weights alone with saveWeights()`);
    }
    return snake(value);
  }
  if (key === 'dataFormat') return snake(String(value));
  if (key.endsWith('Initializer')) return initializerToKeras(value as InitializerConfig, `${who}.${key}`);
  if (key.endsWith('Regularizer')) return regularizerToKeras(value as RegularizerConfig | null, `${who}.${key}`);
  return plainData(value, `${who}.${key}`);
}

function initializerToKeras(value: InitializerConfig, who: string): JsonObject {
  try {
    getInitializer({ className: value.className, config: value.config ?? {} });
  } catch {
    throw new Error(`save: ${who}: the initializer '${value.className}' is a custom function or a tensor, which cannot be written to a model file`);
  }
  const config: JsonObject = dict({});
  for (const [k, v] of Object.entries(value.config ?? {})) {
    config[snake(k)] = (k === 'mode' || k === 'distribution') && typeof v === 'string' ? snake(v) : plainData(v, `${who}.${k}`);
  }
  return dict({ class_name: TFJS_INITIALIZER_NAMES[value.className] ?? value.className, config });
}

function regularizerToKeras(value: RegularizerConfig | null, who: string): JsonValue {
  if (value === null) return null;
  try {
    getRegularizer({ className: value.className, config: value.config ?? {} });
  } catch {
    throw new Error(`save: ${who}: the regularizer '${value.className}' is a custom function, which cannot be written to a model file`);
  }
  const c = value.config ?? {};
  // NOTE: TF.js registers only L1L2; l1·Σ|x| + 0·Σx² is the same penalty as L1, bit for bit.
  if (value.className === 'L1') return dict({ class_name: 'L1L2', config: dict({ l1: plainData(c.l1, who), l2: 0 }) });
  if (value.className === 'L2') return dict({ class_name: 'L1L2', config: dict({ l1: 0, l2: plainData(c.l2, who) }) });
  const config: JsonObject = dict({});
  for (const [k, v] of Object.entries(c)) config[snake(k)] = plainData(v, `${who}.${k}`);
  return dict({ class_name: value.className, config });
}

/** A JSON copy of plain config data; anything else (NaN, functions, tensors) is an error. */
function plainData(value: unknown, who: string): JsonValue {
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return value;
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new Error(`save: ${who} is ${value}, which JSON cannot hold`);
    return value;
  }
  if (Array.isArray(value)) return value.map((v, i) => plainData(v, `${who}[${i}]`));
  if (isObject(value) && (Object.getPrototypeOf(value) === Object.prototype || Object.getPrototypeOf(value) === null)) {
    const out: JsonObject = dict({});
    for (const [k, v] of Object.entries(value)) out[k] = plainData(v, `${who}.${k}`);
    return out;
  }
  throw new Error(`save: ${who} (${show(value)}) cannot be written to a model file`);
}

/** A null-prototype object with the given entries. */
export function dict(entries: Record<string, JsonValue>): JsonObject {
  const out = Object.create(null) as JsonObject;
  for (const [k, v] of Object.entries(entries)) out[k] = v;
  return out;
}

// ---- reading ----------------------------------------------------------------------------------

/** What a topology describes, before any weight exists. */
export interface ParsedTopology {
  name: string | undefined;
  layers: Layer[];
  /** Keras 3's `build_input_shape`, used when no layer declares the input shape. */
  buildInputShape: (number | null)[] | null;
  trainable: boolean;
  /** `training_config` (Keras converter, tensorkit) or Keras 3's `compile_config`, unchecked. */
  trainingConfig: unknown;
}

/**
 * Builds the layers a `modelTopology` describes (without weights), checking every field.
 * `path` locates the topology in errors (`model.json: modelTopology`).
 */
export function topologyFromJson(value: unknown, path: string, limits: LoadLimits): ParsedTopology {
  const top = expectObject(value, path);
  let model = top;
  let modelPath = path;
  const modelConfig = get(top, 'model_config') ?? get(top, 'modelConfig');
  if (modelConfig !== undefined && modelConfig !== null) {
    model = expectObject(modelConfig, `${path}.model_config`);
    modelPath = `${path}.model_config`;
  }
  for (const key of ['keras_version', 'backend']) {
    const v = get(top, key);
    if (v !== undefined && v !== null) expectString(v, `${path}.${key}`, limits.maxNameLength);
  }
  const className = get(model, 'class_name') ?? get(model, 'className');
  if (className !== 'Sequential') {
    if (className === 'Model' || className === 'Functional') {
      fail(`${modelPath}.class_name`, `this is a functional model ('${className}'); tensorkit loads Sequential models only`);
    }
    fail(`${modelPath}.class_name`, `expected 'Sequential', got ${show(className)}`);
  }
  const rawConfig = get(model, 'config');
  let layerList: unknown[];
  let name: string | undefined;
  let buildInputShape: (number | null)[] | null = null;
  let trainable = true;
  if (Array.isArray(rawConfig)) {
    // Keras before 2.2.3 wrote the Sequential config as the bare list of layers.
    layerList = expectArray(rawConfig, `${modelPath}.config`, limits.maxLayers);
  } else {
    const config = expectObject(rawConfig, `${modelPath}.config`);
    for (const key of Object.keys(config)) {
      if (!['name', 'layers', 'build_input_shape', 'buildInputShape', 'trainable', 'dtype'].includes(key)) {
        fail(`${modelPath}.config.${key}`, `unknown Sequential option '${key}'`);
      }
    }
    layerList = expectArray(get(config, 'layers'), `${modelPath}.config.layers`, limits.maxLayers);
    const n = get(config, 'name');
    if (n !== undefined && n !== null) name = expectName(n, `${modelPath}.config.name`, limits.maxNameLength);
    const b = get(config, 'build_input_shape') ?? get(config, 'buildInputShape');
    if (b !== undefined && b !== null) buildInputShape = expectSymbolicShape(b, `${modelPath}.config.build_input_shape`, limits.maxRank);
    const t = get(config, 'trainable');
    if (t !== undefined) trainable = expectBoolean(t, `${modelPath}.config.trainable`);
    const d = get(config, 'dtype');
    if (d !== undefined && d !== null) checkDtype(d, `${modelPath}.config.dtype`);
  }
  const layers = layerList.map((entry, i) => layerFromJson(entry, `${modelPath}.config.layers[${i}]`, limits));
  const trainingConfig = get(top, 'training_config') ?? get(model, 'compile_config') ?? get(top, 'compile_config');
  return { name, layers, buildInputShape, trainable, trainingConfig };
}

/** Keys a layer entry may carry besides class_name and config (Keras 3 adds module, registered_name, build_config). */
const ENTRY_KEYS = new Set(['class_name', 'className', 'config', 'module', 'registered_name', 'build_config', 'name']);

function layerFromJson(value: unknown, path: string, limits: LoadLimits): Layer {
  const entry = expectObject(value, path);
  for (const key of Object.keys(entry)) if (!ENTRY_KEYS.has(key)) fail(`${path}.${key}`, `unexpected key '${key}' in a layer entry`);
  const given = expectString(get(entry, 'class_name') ?? get(entry, 'className'), `${path}.class_name`, limits.maxNameLength);
  const className = ALIASES.get(given) ?? given;
  const build = BUILDERS.get(className);
  if (build === undefined) {
    fail(`${path}.class_name`, `unknown layer class '${given}': tensorkit loads ${LOADABLE_LAYERS.join(', ')}`);
  }
  const config = expectObject(get(entry, 'config'), `${path}.config`);
  const layerName = get(config, 'name');
  const who = `${path} (${className}${typeof layerName === 'string' ? ` '${layerName.slice(0, 100)}'` : ''})`;
  const options = layerOptions(config, `${path}.config`, limits, className);
  try {
    return build(options);
  } catch (e) {
    if (e instanceof ModelFileError) throw e;
    throw new ModelFileError(`${who}: ${(e as Error).message}`);
  }
}

/** Options of features tensorkit lacks, accepted only with the value that turns them off. */
const OFF_VALUES: Record<string, (v: unknown) => boolean> = {
  kernelConstraint: (v) => v === null,
  biasConstraint: (v) => v === null,
  betaConstraint: (v) => v === null,
  gammaConstraint: (v) => v === null,
  groups: (v) => v === 1,
  loraRank: (v) => v === null,
  loraAlpha: (v) => v === null,
  quantizationConfig: (v) => v === null,
  renorm: (v) => v === false,
  renormClipping: (v) => v === null,
  renormMomentum: (v) => typeof v === 'number',
  virtualBatchSize: (v) => v === null,
  adjustment: (v) => v === null,
  synchronized: (v) => v === false,
  // Only an implementation choice of TensorFlow's kernels.
  fused: (v) => v === null || typeof v === 'boolean',
  ragged: (v) => v === false,
  optional: (v) => v === false,
};

/** A layer's file config → constructor options (camelCase, typed values, no off-valued extras). */
function layerOptions(config: JsonObject, path: string, limits: LoadLimits, className: string): Options {
  const out = Object.create(null) as Options;
  for (const key of Object.keys(config)) {
    const value = config[key];
    const at = `${path}.${key}`;
    const name = camel(key);
    if (Object.hasOwn(out, name)) fail(at, `the option '${name}' is given twice (as '${key}' and in another spelling)`);
    if (Object.hasOwn(OFF_VALUES, name)) {
      if (!OFF_VALUES[name]!(value)) fail(at, `${className}: the option '${key}' = ${show(value)} is not supported by tensorkit`);
      continue;
    }
    switch (name) {
      case 'name': {
        const s = expectName(value, at, limits.maxNameLength);
        if (s.includes('/')) fail(at, `a layer name may not contain '/', got ${show(s)}`);
        out.name = s;
        break;
      }
      case 'dtype':
        checkDtype(value, at);
        break;
      case 'batchInputShape':
      case 'batchShape':
        out[name] = expectSymbolicShape(value, at, limits.maxRank);
        break;
      case 'activation':
        if (value !== null && typeof value !== 'string') fail(at, `${className}: expected an activation name, got ${show(value)} (custom activations cannot be loaded)`);
        out.activation = value;
        break;
      case 'axis':
        // Keras 2 saves BatchNormalization's axis as a list once built: [3].
        out.axis = className === 'BatchNormalization' && Array.isArray(value) && value.length === 1 ? value[0] : value;
        break;
      default:
        if (name.endsWith('Initializer')) out[name] = identifierObject(value, at, limits);
        else if (name.endsWith('Regularizer')) out[name] = value === null ? null : identifierObject(value, at, limits);
        else out[name] = value;
    }
  }
  return out;
}

/** `{ class_name, config }` (or a name) → `{ className, config }` with camelCase config keys. */
function identifierObject(value: unknown, path: string, limits: LoadLimits): unknown {
  if (typeof value === 'string') return value;
  const o = expectObject(value, path);
  for (const key of Object.keys(o)) {
    if (!['class_name', 'className', 'config', 'module', 'registered_name'].includes(key)) fail(`${path}.${key}`, `unexpected key '${key}'`);
  }
  const className = expectString(get(o, 'class_name') ?? get(o, 'className'), `${path}.class_name`, limits.maxNameLength);
  const raw = get(o, 'config');
  const config = Object.create(null) as Options;
  if (raw !== undefined && raw !== null) {
    const c = expectObject(raw, `${path}.config`);
    for (const key of Object.keys(c)) {
      const k = camel(key);
      if (Object.hasOwn(config, k)) fail(`${path}.config.${key}`, `the option '${k}' is given twice`);
      // Keras 3 records the dtype of some initializers; only float32 exists here.
      if (k === 'dtype') checkDtype(c[key], `${path}.config.${key}`);
      else config[k] = c[key];
    }
  }
  return { className, config };
}

/** A layer dtype: 'float32', or Keras 3's `{ class_name: 'DTypePolicy', config: { name: 'float32' } }`. */
function checkDtype(value: unknown, path: string): void {
  let name = value;
  if (isObject(value)) {
    const cls = get(value, 'class_name');
    const config = get(value, 'config');
    if ((cls === 'DTypePolicy' || cls === 'Policy') && isObject(config)) name = get(config, 'name');
  }
  if (name !== 'float32') fail(path, `tensorkit stores float32 only, got dtype ${show(value)}`);
}
