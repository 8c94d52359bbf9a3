// The model's architecture in model.json: `modelTopology`, the Keras-style model config with
// snake_case keys (keras-facts §11.2, keras-facts-2 §13.7): a Sequential's list of layers, or a
// functional model's layers with the calls that connect them (`inbound_nodes`), `input_layers` and
// `output_layers`, in the list form TF.js and tf.keras 2 write. Nested models are entries whose
// config is a model config. NOTE: in that form a nested model's first call is node 1 (TF.js and
// tf.keras 2 give every model a node of its own when it is made); tensorkit, as Keras 3, numbers
// from 0, so the writer adds 1 and the reader takes 1 off for references to nested models.
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
import type { AnyLayer, LayerConfig } from '../../layers/layer.js';
import { deserializeLayer, getRegisteredClass, registeredClassNames, setEntryOrigin } from '../../layers/registry.js';
import type { JsonObject, JsonValue } from './json.js';
import { expectArray, expectBoolean, expectInteger, expectName, expectObject, expectString, expectSymbolicShape, fail, get, isObject, show, type LoadLimits } from './validate.js';

/** The version tensorkit writes in `generatedBy` and `keras_version`. */
export const TENSORKIT_VERSION = '0.1.0';

type Options = Record<string, unknown>;

/** Keras's spellings of built-in class names that tensorkit registers under another. */
const ALIASES = new Map<string, string>([
  ['Convolution2D', 'Conv2D'], ['MaxPool2D', 'MaxPooling2D'], ['AvgPool2D', 'AveragePooling2D'],
  ['Convolution2DTranspose', 'Conv2DTranspose'], ['SeparableConvolution2D', 'SeparableConv2D'], ['Convolution3D', 'Conv3D'],
  ['MaxPool3D', 'MaxPooling3D'], ['AvgPool3D', 'AveragePooling3D'],
  ['GlobalAvgPool2D', 'GlobalAveragePooling2D'], ['GlobalMaxPool2D', 'GlobalMaxPooling2D'],
  ['Convolution1D', 'Conv1D'], ['MaxPool1D', 'MaxPooling1D'], ['AvgPool1D', 'AveragePooling1D'],
  ['GlobalAvgPool1D', 'GlobalAveragePooling1D'], ['GlobalMaxPool1D', 'GlobalMaxPooling1D'],
  ['Model', 'Functional'],
]);

/** The class names of models (entries whose config is a model config). */
const MODEL_CLASSES = new Set(['Sequential', 'Functional', 'Model']);

/** True for a layer that is a model (Sequential, functional or subclassed). */
function isModel(layer: AnyLayer): boolean {
  return (layer as { isModel?: unknown }).isModel === true;
}

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

/** What the writer reads of a model: its class, its config, its layers (and a Sequential's input shape). */
export interface TopologyModel extends AnyLayer {
  readonly layers: readonly AnyLayer[];
  readonly inputShape?: readonly (number | null)[] | null;
  /** A subclassed model: true, and the shape(s) it was built for. */
  readonly isSubclassed?: boolean;
  readonly buildShape?: readonly (number | null)[] | readonly (readonly (number | null)[])[] | null;
}

/**
 * The `modelTopology` of a model: `{ class_name, config, keras_version, backend }`, with
 * `class_name` 'Sequential' or 'Model' (TF.js's name for a functional model).
 */
export function topologyToJson(model: TopologyModel): JsonObject {
  if (model.isSubclassed === true) {
    // Its architecture is code: the file names its registered class and its own arguments, and the
    // input shape it was built for, so a loaded copy can be built before its weights are set.
    const config = layerConfigToKeras(model);
    const shape = model.buildShape ?? null;
    return dict({
      class_name: model.getClassName(),
      config,
      ...(shape !== null ? { build_input_shape: shape as JsonValue } : {}),
      keras_version: `tensorkit ${TENSORKIT_VERSION}`,
      backend: 'tensorkit',
    });
  }
  return dict({
    class_name: fileClassName(model),
    config: modelConfigToKeras(model),
    keras_version: `tensorkit ${TENSORKIT_VERSION}`,
    backend: 'tensorkit',
  });
}

/** The class name a file gives a layer: TF.js reads a functional model as 'Model'. */
function fileClassName(layer: AnyLayer): string {
  const name = layer.getClassName();
  return name === 'Functional' ? 'Model' : name;
}

/**
 * A model's config in the file's form. A Sequential lists its layers, the first with
 * `batch_input_shape` (batch axis null unless it declared a batch size; an InputLayer entry first
 * when the first layer is itself a model). A functional model lists every layer with its calls.
 */
function modelConfigToKeras(model: TopologyModel): JsonObject {
  const who = `model '${model.name}' (${model.getClassName()})`;
  if (model.getClassName() === 'Sequential') {
    const inputShape = model.inputShape ?? null;
    const entries: JsonObject[] = [];
    model.layers.forEach((layer, i) => {
      const config = layerFileConfig(layer);
      if (i === 0 && inputShape !== null && !Object.hasOwn(config, 'batch_input_shape')) {
        if (isModel(layer)) {
          entries.push(dict({ class_name: 'InputLayer', config: dict({ batch_input_shape: [null, ...inputShape.slice(1)], dtype: 'float32', sparse: false, name: `${model.name}_input` }) }));
        } else {
          config.batch_input_shape = [null, ...inputShape.slice(1)];
        }
      }
      entries.push(dict({ class_name: fileClassName(layer), config }));
    });
    return dict({ name: model.name, layers: entries });
  }
  const config = model.getConfig();
  if (!Array.isArray(config.layers)) {
    throw new Error(`save: ${who} cannot be saved: it is a subclassed model, whose architecture is code; register it with tk.registerClass and give it a getConfig, or save the weights alone with saveWeights()`);
  }
  const byName = new Map(model.layers.map((l) => [l.name, l]));
  const nodeRef = (ref: unknown[]): JsonValue[] => {
    const [name, node, tensor] = ref as [string, number, number];
    const producer = byName.get(name)!;
    // +1 for a nested Sequential or functional model (TF.js's construction node); not for a subclassed one.
    return [name, node + (isModel(producer) && (producer as TopologyModel).isSubclassed !== true ? 1 : 0), tensor];
  };
  const layers = (config.layers as { name: string; inboundNodes: unknown[][][] }[]).map((entry) => {
    const layer = byName.get(entry.name)!;
    const inbound = entry.inboundNodes.map((call) => call.map((ref) => [...nodeRef(ref), kwargsToKeras(ref[3] as Options, `${who}: layer '${entry.name}'`)]));
    return dict({ name: entry.name, class_name: fileClassName(layer), config: layerFileConfig(layer), inbound_nodes: inbound as JsonValue[] });
  });
  const refs = (value: unknown): JsonValue[] => (Array.isArray(value) ? value : Object.values(value as object)).map((r) => nodeRef(r as unknown[]));
  const out = dict({ name: model.name, layers, input_layers: refs(config.inputLayers), output_layers: refs(config.outputLayers) });
  // Inputs or outputs given by name: TF.js's lists lose the names, so tensorkit also writes them
  // (keys TF.js ignores), and data dicts and per-output losses keep working after a load.
  if (!Array.isArray(config.inputLayers)) out.input_names = Object.keys(config.inputLayers as object);
  if (!Array.isArray(config.outputLayers)) out.output_names = Object.keys(config.outputLayers as object);
  return out;
}

/** A call's keyword arguments in the file: snake_case keys, plain values. */
function kwargsToKeras(kwargs: Options | undefined, who: string): JsonObject {
  const out: JsonObject = dict({});
  for (const [k, v] of Object.entries(kwargs ?? {})) out[snake(k)] = plainData(v, `${who} call argument ${k}`);
  return out;
}

/** A layer's config in the file: a nested model's model config, else the layer's own. */
function layerFileConfig(layer: AnyLayer): JsonObject {
  // A registered subclassed model is saved as a layer: its class and its own arguments (it builds
  // when the outer graph applies it).
  if (isModel(layer) && (layer as TopologyModel).isSubclassed !== true) return modelConfigToKeras(layer as TopologyModel);
  return layerConfigToKeras(layer);
}

function layerConfigToKeras(layer: AnyLayer): JsonObject {
  const className = layer.getClassName();
  const who = `layer '${layer.name}' (${className})`;
  if (getRegisteredClass(className) === undefined) {
    throw new Error(`save: ${who} cannot be saved: its class is not registered (register a custom layer with tk.registerClass; tensorkit saves and loads ${registeredClassNames().join(', ')})`);
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
  return nestedToKeras(value, `${who}.${key}`);
}

/**
 * A `{ className, config }` value naming a registered layer (a wrapper's inner layer: TimeDistributed's
 * `layer`) becomes `{ class_name, config }` with the inner config in the file's spelling, as TF.js
 * writes it; lists of them too. Anything else is plain data.
 */
function nestedToKeras(value: unknown, who: string): JsonValue {
  if (Array.isArray(value) && value.some(isLayerEntry)) return value.map((v, i) => nestedToKeras(v, `${who}[${i}]`));
  if (!isLayerEntry(value)) return plainData(value, who);
  const out: JsonObject = dict({});
  for (const [k, v] of Object.entries(value.config)) {
    if (v === undefined || k === 'batchInputShape') continue;
    out[snake(k)] = valueToKeras(k, v, `${who}.config`);
  }
  return dict({ class_name: value.className, config: out });
}

/** True for `{ className, config }` naming a registered layer class. */
function isLayerEntry(value: unknown): value is { className: string; config: Record<string, unknown> } {
  if (!isObject(value) || (Object.getPrototypeOf(value) !== Object.prototype && Object.getPrototypeOf(value) !== null)) return false;
  const v = value as Record<string, unknown>;
  return typeof v.className === 'string' && isObject(v.config) && getRegisteredClass(v.className) !== undefined;
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
  /** The model's name, if the file gives one. */
  name: string | undefined;
  /** The model as a `{ className, config }` entry in tensorkit's config form, checked. */
  entry: { className: string; config: LayerConfig };
  /** Builds the model (run it under the loader's weight fill). */
  create(): AnyLayer;
  /** `training_config` (Keras converter, tensorkit) or Keras 3's `compile_config`, unchecked. */
  trainingConfig: unknown;
}

/** The built-in layer classes, as the error for an unknown class lists them. */
let loadableNames: () => readonly string[] = () => registeredClassNames();

/** @internal The loader tells which names to list (the built-ins, in their order). */
export function setLoadableNames(f: () => readonly string[]): void {
  loadableNames = f;
}

/** @internal The built-in class names (src/saving writes them as Keras's own, `module: 'keras.layers'`). */
export function loadableClassNames(): readonly string[] {
  return loadableNames();
}

/**
 * Reads a `modelTopology` into tensorkit's config form (without building anything), checking
 * every field. `path` locates the topology in errors (`model.json: modelTopology`).
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
  const given = get(model, 'class_name') ?? get(model, 'className');
  if (typeof given === 'string' && !MODEL_CLASSES.has(given) && isRegisteredModel(given)) {
    return subclassedFromJson(given, model, modelPath, limits, get(top, 'training_config') ?? get(top, 'compile_config'));
  }
  if (typeof given !== 'string' || !MODEL_CLASSES.has(given)) {
    fail(`${modelPath}.class_name`, `expected 'Sequential', got ${show(given)} (or a functional model: 'Model', 'Functional'; or a model class registered with tk.registerClass)`);
  }
  const counter = { layers: 0 };
  const entry = modelEntryFromJson(given, get(model, 'config'), `${modelPath}.config`, limits, counter);
  const trainingConfig = get(top, 'training_config') ?? get(model, 'compile_config') ?? get(top, 'compile_config');
  const name = typeof entry.config.name === 'string' ? entry.config.name : undefined;
  return { name, entry, create: () => deserializeLayer(entry, `${modelPath}`), trainingConfig };
}

/** True for a class registered as a model (a subclass of tk.Model). */
function isRegisteredModel(name: string): boolean {
  const cls = getRegisteredClass(name) as { prototype?: { isModel?: unknown } } | undefined;
  return cls?.prototype?.isModel === true;
}

/** A subclassed model: its registered class rebuilt from its config, then built for the saved input shape. */
function subclassedFromJson(className: string, model: JsonObject, path: string, limits: LoadLimits, trainingConfig: unknown): ParsedTopology {
  const config = layerOptions(expectObject(get(model, 'config'), `${path}.config`), `${path}.config`, limits, className);
  const rawShape = get(model, 'build_input_shape');
  let shape: (number | null)[] | (number | null)[][] | null = null;
  if (rawShape !== undefined && rawShape !== null) {
    const list = expectArray(rawShape, `${path}.build_input_shape`, 1000);
    shape = list.length > 0 && Array.isArray(list[0])
      ? list.map((s, i) => expectSymbolicShape(s, `${path}.build_input_shape[${i}]`, limits.maxRank))
      : expectSymbolicShape(rawShape, `${path}.build_input_shape`, limits.maxRank);
  }
  const entry = { className, config };
  return {
    name: typeof config.name === 'string' ? config.name : undefined,
    entry,
    create: () => {
      const m = deserializeLayer(entry, path);
      if (shape !== null) m.build(shape);
      return m;
    },
    trainingConfig,
  };
}

/** A model's file config (Sequential or functional) in tensorkit's config form. */
function modelEntryFromJson(className: string, raw: unknown, path: string, limits: LoadLimits, counter: { layers: number }): { className: string; config: LayerConfig } {
  if (className === 'Sequential') return { className, config: sequentialFromJson(raw, path, limits, counter) };
  return { className: 'Functional', config: functionalFromJson(raw, path, limits, counter) };
}

function sequentialFromJson(raw: unknown, path: string, limits: LoadLimits, counter: { layers: number }): LayerConfig {
  let layerList: unknown[];
  const out: LayerConfig = {};
  if (Array.isArray(raw)) {
    // Keras before 2.2.3 wrote the Sequential config as the bare list of layers.
    layerList = expectArray(raw, path, limits.maxLayers);
  } else {
    const config = expectObject(raw, path);
    for (const key of Object.keys(config)) {
      if (!['name', 'layers', 'build_input_shape', 'buildInputShape', 'trainable', 'dtype'].includes(key)) fail(`${path}.${key}`, `unknown Sequential option '${key}'`);
    }
    layerList = expectArray(get(config, 'layers'), `${path}.layers`, limits.maxLayers);
    const n = get(config, 'name');
    if (n !== undefined && n !== null) out.name = expectName(n, `${path}.name`, limits.maxNameLength);
    const b = get(config, 'build_input_shape') ?? get(config, 'buildInputShape');
    if (b !== undefined && b !== null) out.buildInputShape = expectSymbolicShape(b, `${path}.build_input_shape`, limits.maxRank);
    const t = get(config, 'trainable');
    if (t !== undefined && !expectBoolean(t, `${path}.trainable`)) out.trainable = false;
    const d = get(config, 'dtype');
    if (d !== undefined && d !== null) checkDtype(d, `${path}.dtype`);
  }
  const base = Array.isArray(raw) ? path : `${path}.layers`;
  out.layers = layerList.map((entry, i) => layerFromJson(entry, `${base}[${i}]`, limits, counter, false).entry);
  return out;
}

/** Keys a layer entry may carry besides class_name and config (Keras 3 adds module, registered_name, build_config). */
const ENTRY_KEYS = new Set(['class_name', 'className', 'config', 'module', 'registered_name', 'build_config', 'name']);

function functionalFromJson(raw: unknown, path: string, limits: LoadLimits, counter: { layers: number }): LayerConfig {
  const config = expectObject(raw, path);
  for (const key of Object.keys(config)) {
    if (!['name', 'layers', 'input_layers', 'output_layers', 'trainable', 'inputLayers', 'outputLayers', 'input_names', 'output_names'].includes(key)) {
      fail(`${path}.${key}`, `unknown functional model option '${key}'`);
    }
  }
  const out: LayerConfig = {};
  const n = get(config, 'name');
  if (n !== undefined && n !== null) out.name = expectName(n, `${path}.name`, limits.maxNameLength);
  const t = get(config, 'trainable');
  if (t !== undefined && !expectBoolean(t, `${path}.trainable`)) out.trainable = false;
  const list = expectArray(get(config, 'layers'), `${path}.layers`, limits.maxLayers);
  const parsed = list.map((entry, i) => layerFromJson(entry, `${path}.layers[${i}]`, limits, counter, true));
  const isModelNamed = new Map(parsed.map((p) => [p.name!, MODEL_CLASSES.has(p.entry.className)]));
  if (isModelNamed.size !== parsed.length) fail(`${path}.layers`, 'two layers have the same name');
  // A reference [layer, node, tensor]: the layer must be in the list, the indices small integers.
  const ref = (value: unknown, at: string): [string, number, number] => {
    const r = expectArray(value, at, 4);
    if (r.length < 3) fail(at, `expected [layer name, node index, tensor index], got ${show(value)}`);
    const name = expectName(r[0], `${at}[0]`, limits.maxNameLength);
    if (!isModelNamed.has(name)) fail(`${at}[0]`, `no layer named ${show(name)} in this model`);
    const node = expectInteger(r[1], `${at}[1]`, 0, limits.maxLayers) - (isModelNamed.get(name) ? 1 : 0);
    if (node < 0) fail(`${at}[1]`, `node 0 of the nested model '${name}' is its own construction node, which no layer can be fed from`);
    return [name, node, expectInteger(r[2], `${at}[2]`, 0, 1_000)];
  };
  const layers = parsed.map((p, i) => {
    const at = `${path}.layers[${i}].inbound_nodes`;
    const rawNodes = p.inboundNodes === undefined || p.inboundNodes === null ? [] : expectArray(p.inboundNodes, at, limits.maxLayers);
    const inboundNodes = rawNodes.map((call, j) => {
      if (isObject(call)) fail(`${at}[${j}]`, "this is Keras 3's form of a call ({ args, kwargs }), which tensorkit reads from .keras files; model.json files hold the list form");
      return expectArray(call, `${at}[${j}]`, 10_000).map((r, k) => {
        const [name, node, tensor] = ref(r, `${at}[${j}][${k}]`);
        const kwargs = (r as unknown[])[3];
        return [name, node, tensor, kwargs === undefined || kwargs === null ? {} : kwargsFromJson(kwargs, `${at}[${j}][${k}][3]`)];
      });
    });
    return { name: p.name, className: p.entry.className, config: p.entry.config, inboundNodes };
  });
  const refs = (key: string, camelKey: string): unknown => {
    const value = get(config, key) ?? get(config, camelKey);
    const at = `${path}.${key}`;
    // Keras 3 (src/saving): a model given its inputs or outputs by name writes an object of references.
    if (isObject(value)) return Object.fromEntries(Object.keys(value).map((k) => [k, ref(value[k], `${at}.${k}`)]));
    const arr = expectArray(value, at, limits.maxLayers);
    // Keras 3 writes a bare triple for a single tensor.
    if (typeof arr[0] === 'string') return [ref(arr, at)];
    return arr.map((r, i) => ref(r, `${at}[${i}]`));
  };
  out.layers = layers;
  // tensorkit's names for inputs or outputs given as an object (see the writer).
  const named = (list: unknown, key: string): unknown => {
    const names = get(config, key);
    if (names === undefined || names === null) return list;
    const keys = expectArray(names, `${path}.${key}`, limits.maxLayers).map((k, i) => expectName(k, `${path}.${key}[${i}]`, limits.maxNameLength));
    const refsList = list as unknown[];
    if (keys.length !== refsList.length || new Set(keys).size !== keys.length) fail(`${path}.${key}`, `expected ${refsList.length} distinct names, one per entry`);
    const byName = Object.create(null) as Record<string, unknown>;
    keys.forEach((k, i) => (byName[k] = refsList[i]));
    return byName;
  };
  out.inputLayers = named(refs('input_layers', 'inputLayers'), 'input_names');
  out.outputLayers = named(refs('output_layers', 'outputLayers'), 'output_names');
  return out;
}

function kwargsFromJson(value: unknown, path: string): Options {
  const o = expectObject(value, path);
  const out = Object.create(null) as Options;
  for (const key of Object.keys(o)) {
    const v = o[key];
    if (v !== null && typeof v === 'object' && !Array.isArray(v)) fail(`${path}.${key}`, `unsupported call argument ${show(v)}`);
    out[camel(key)] = v;
  }
  return out;
}

/** One layer entry: a nested model's entry holds a model config; `functional` entries carry a name and their calls. */
function layerFromJson(value: unknown, path: string, limits: LoadLimits, counter: { layers: number }, functional: boolean): {
  entry: { className: string; config: LayerConfig };
  name?: string;
  inboundNodes?: unknown;
} {
  if (++counter.layers > limits.maxLayers) fail(path, `more than ${limits.maxLayers} layers in all`);
  const entry = expectObject(value, path);
  const keys = functional ? new Set([...ENTRY_KEYS, 'inbound_nodes', 'inboundNodes']) : ENTRY_KEYS;
  for (const key of Object.keys(entry)) if (!keys.has(key)) fail(`${path}.${key}`, `unexpected key '${key}' in a layer entry`);
  const given = expectString(get(entry, 'class_name') ?? get(entry, 'className'), `${path}.class_name`, limits.maxNameLength);
  const className = ALIASES.get(given) ?? given;
  let result: { className: string; config: LayerConfig };
  if (MODEL_CLASSES.has(className)) {
    result = modelEntryFromJson(className, get(entry, 'config'), `${path}.config`, limits, counter);
  } else {
    if (getRegisteredClass(className) === undefined) {
      fail(`${path}.class_name`, `unknown layer class '${given}': tensorkit loads ${loadableNames().join(', ')} (and classes registered with tk.registerClass)`);
    }
    const config = expectObject(get(entry, 'config'), `${path}.config`);
    result = { className, config: layerOptions(config, `${path}.config`, limits, className) };
    const layerName = result.config.name;
    setEntryOrigin(result, `${path} (${className}${typeof layerName === 'string' ? ` '${layerName.slice(0, 100)}'` : ''})`);
  }
  const configName = result.config.name;
  let name: string | undefined;
  if (functional) {
    const entryName = get(entry, 'name');
    name = entryName === undefined ? (typeof configName === 'string' ? configName : undefined) : expectName(entryName, `${path}.name`, limits.maxNameLength);
    if (name === undefined) fail(`${path}.name`, 'a layer of a functional model needs a name');
    if (typeof configName === 'string' && configName !== name) fail(`${path}.name`, `the entry's name ${show(name)} differs from its config's name ${show(configName)}`);
    if (configName === undefined) result.config.name = name;
  }
  return { entry: result, name, inboundNodes: get(entry, 'inbound_nodes') ?? get(entry, 'inboundNodes') };
}

/** Options of features tensorkit lacks, accepted only with the value that turns them off. */
const OFF_VALUES: Record<string, (v: unknown) => boolean> = {
  kernelConstraint: (v) => v === null,
  biasConstraint: (v) => v === null,
  recurrentConstraint: (v) => v === null,
  betaConstraint: (v) => v === null,
  gammaConstraint: (v) => v === null,
  depthwiseConstraint: (v) => v === null,
  pointwiseConstraint: (v) => v === null,
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

/** Config keys that hold a layer entry (a wrapper's inner layer), or a list of them. */
const NESTED_LAYER_KEYS = new Set(['layer', 'backwardLayer', 'cell', 'cells']);

/**
 * A nested layer entry `{ class_name, config }` (TF.js, Keras 3 with its `module` and
 * `registered_name`) → `{ className, config }` in tensorkit's form, checked as any layer; a list
 * of entries for `cells`.
 */
function nestedFromJson(value: unknown, path: string, limits: LoadLimits): unknown {
  if (Array.isArray(value)) return value.map((v, i) => nestedFromJson(v, `${path}[${i}]`, limits));
  const entry = expectObject(value, path);
  for (const key of Object.keys(entry)) if (!ENTRY_KEYS.has(key)) fail(`${path}.${key}`, `unexpected key '${key}' in a layer entry`);
  const given = expectString(get(entry, 'class_name') ?? get(entry, 'className'), `${path}.class_name`, limits.maxNameLength);
  let className = ALIASES.get(given) ?? given;
  if (getRegisteredClass(className) === undefined) {
    const registered = get(entry, 'registered_name');
    const known = typeof registered === 'string' ? [registered, registered.slice(registered.lastIndexOf('>') + 1)].find((c) => getRegisteredClass(c) !== undefined) : undefined;
    if (known === undefined) fail(`${path}.class_name`, `unknown layer class '${given}': tensorkit loads ${loadableNames().join(', ')} (and classes registered with tk.registerClass)`);
    className = known;
  }
  if (MODEL_CLASSES.has(className)) fail(`${path}.class_name`, `a model ('${given}') inside a wrapper is not supported; wrap a layer`);
  const config = layerOptions(expectObject(get(entry, 'config'), `${path}.config`), `${path}.config`, limits, className);
  const result = { className, config };
  setEntryOrigin(result, `${path} (${className})`);
  return result;
}

/** A layer's file config → constructor options (camelCase, typed values, no off-valued extras). */
function layerOptions(config: JsonObject, path: string, limits: LoadLimits, className: string): Options {
  const out = Object.create(null) as Options;
  for (const key of Object.keys(config)) {
    const value = config[key];
    const at = `${path}.${key}`;
    const name = camel(key);
    if (Object.hasOwn(out, name)) fail(at, `the option '${name}' is given twice (as '${key}' and in another spelling)`);
    // GroupNormalization's `groups` is its own argument, not Conv2D's grouped convolution.
    if (Object.hasOwn(OFF_VALUES, name) && !(name === 'groups' && className === 'GroupNormalization')) {
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
        else if (NESTED_LAYER_KEYS.has(name) && value !== null) out[name] = nestedFromJson(value, at, limits);
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
