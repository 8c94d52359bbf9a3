// Model configs in Keras's own dialects, both ways (keras-facts-2 §13.7, §18.2; keras-file-format §4).
//
// Writing: a tensorkit model becomes the JSON Keras 3 writes in a `.keras` file's config.json
// ('keras3': every object as `{ module, class_name, config, registered_name }`, `build_config`
// on every built layer, dtypes as DTypePolicy objects, InputLayers with `batch_shape`), or the
// `model_config` of a legacy `.h5` ('legacy': `{ class_name, config }` entries, dtype strings,
// InputLayers with `batch_input_shape`, as tf.keras 2 reads them and Keras 3's legacy loader maps).
// Both write functional graphs in Keras 3's form: one `{ args, kwargs }` dict per call, tensors
// as `__keras_tensor__` objects with their `keras_history`, `input_layers` / `output_layers` a
// bare triple for one tensor; that is also what Keras 3 itself writes in `.h5` files.
//
// Reading: `normalizeKerasConfig` turns any Keras dialect (Keras 3 dict-form calls; tf.keras 2
// and TF.js list-form calls) into the list form models/io/topology.ts reads, which does every
// per-layer check and conversion. What it translates:
//   - a call `{ args, kwargs }` → `[[layer, node, tensor, kwargs], ...]`: positional tensors are
//     the main inputs (several, or a list of them, make a list input: merges, MultiHeadAttention's
//     query/value/key), tensors in kwargs become call-argument inputs, `null` kwargs are dropped;
//   - node numbering: the list form numbers a nested model's calls from 1 (TF.js and tf.keras 2
//     give a model a construction node); Keras 3 numbers them from 0, except in `input_layers` /
//     `output_layers`, where a nested Functional (only) is written +1 (functional.py get_config);
//   - tf.keras 2's list form with tensors in kwargs (MultiHeadAttention's `{"value": [...]}`, an
//     RNN's `initial_state`): they become inputs of the call (MultiHeadAttention's value and key
//     positional, as tensorkit's `mha.apply([query, value, key])`), others call arguments;
//   - Keras 3 operations (`x + y` is the `Add` of keras.src.ops.numpy): the binary elementwise
//     ones on tensors of one rank become the matching merge layer;
//   - tf.keras 2's TFOpLambda / SlicingOpLambda (TensorFlow functions by name) are refused, as
//     Keras 3 refuses them;
//   - `registered_name` (`'Custom>Scale'`) finds a class registered under either name;
//     `shared_object_id` keys (Keras ≥ 3.8 marks repeated dtype policies) are dropped.
// NOTE: Keras 3.6-3.10 record `training: false` in every call of a layer whose `call` defaults
// it (Dropout): the default filled in at graph construction, not a choice. Replayed literally it
// would switch Dropout off in `fit`; the reader drops it (an explicit `training: true` is kept).

import { getActivation } from '../layers/activations.js';
import { getInitializer, type InitializerConfig } from '../layers/initializers.js';
import type { AnyLayer, LayerConfig, SymbolicShape } from '../layers/layer.js';
import { getRegisteredClass } from '../layers/registry.js';
import { getRegularizer, type RegularizerConfig } from '../layers/regularizers.js';
import type { LayerNode, SymbolicTensor } from '../layers/symbolic.js';
import type { JsonObject, JsonValue } from '../models/io/json.js';
import { LOADABLE_LAYERS } from '../models/builtins.js';
import { dict, snake } from '../models/io/topology.js';
import { fail, get, isObject, show } from '../models/io/validate.js';


/** Which Keras dialect to write: a `.keras` config.json, or the `model_config` of a legacy `.h5`. */
export type Dialect = 'keras3' | 'legacy';

/** What the config writer reads of a model (Sequential, functional or subclassed). */
export interface ConfigModel extends AnyLayer {
  readonly layers: readonly AnyLayer[];
  readonly inputs?: readonly SymbolicTensor[];
  readonly outputs?: readonly SymbolicTensor[];
  /** A Sequential's input shape, batch axis included. */
  readonly inputShape?: SymbolicShape | null;
  /** A subclassed model: true, and the shape(s) it was built for. */
  readonly isSubclassed?: boolean;
  readonly buildShape?: SymbolicShape | SymbolicShape[] | null;
}

const FLOAT32_POLICY = (): JsonObject => dict({ module: 'keras', class_name: 'DTypePolicy', config: dict({ name: 'float32' }), registered_name: null });

/** Layers whose list input Keras passes as separate positional arguments (`mha(query, value, key)`). */
const POSITIONAL_LIST_INPUT = new Set(['MultiHeadAttention']);

function isModelLayer(layer: AnyLayer): layer is ConfigModel {
  return (layer as { isModel?: unknown }).isModel === true;
}

/** A built-in class (written as Keras's own): one of models/builtins.ts's table, not a registered one. */
function isBuiltin(className: string): boolean {
  return LOADABLE_LAYERS.includes(className);
}

// ---- writing ----------------------------------------------------------------------------------

/**
 * The config of `model` in a Keras dialect: config.json's top level for 'keras3' (without
 * `compile_config`, which the caller adds), or `{ class_name, config }` for 'legacy'.
 */
export function modelToKerasConfig(model: ConfigModel, dialect: Dialect): JsonObject {
  return layerEntry(model, dialect);
}

/** One serialized layer or model, as its parent lists it (without `name` / `inbound_nodes`). */
function layerEntry(layer: AnyLayer, dialect: Dialect): JsonObject {
  const className = layer.getClassName();
  const who = `layer '${layer.name}' (${className})`;
  if (getRegisteredClass(className) === undefined) {
    throw new Error(`save: ${who} cannot be saved: its class is not registered (tk.registerClass), so no loader could rebuild it`);
  }
  let config: JsonObject;
  if (isModelLayer(layer) && className === 'Sequential') config = sequentialConfig(layer, dialect);
  else if (isModelLayer(layer) && className === 'Functional') config = functionalConfig(layer, dialect);
  else config = layerConfig(layer, dialect);
  if (dialect === 'legacy') {
    // A subclassed model is built from its input shape before its weights can be set.
    const build = isModelLayer(layer) && layer.isSubclassed === true ? buildConfig(layer) : undefined;
    return dict({ class_name: className, config, ...(build !== undefined ? { build_config: build } : {}) });
  }
  const builtin = isBuiltin(className);
  const entry = dict({
    module: className === 'Functional' ? 'keras.src.models.functional' : className === 'Sequential' ? 'keras' : builtin ? 'keras.layers' : null,
    class_name: className,
    config,
    // Keras names a registered custom class `package>Name`; its default package is 'Custom'.
    registered_name: className === 'Functional' ? 'Functional' : builtin ? null : className.includes('>') ? className : `Custom>${className}`,
  });
  const build = buildConfig(layer);
  if (build !== undefined) entry.build_config = build;
  return entry;
}

/**
 * `build_config`: the input shape a layer was built for, taken from its first symbolic call (a
 * list of shapes for a list input). Functional models write `{ input_shape: null }` as Keras 3;
 * InputLayers and never-built layers write none.
 */
function buildConfig(layer: AnyLayer): JsonObject | undefined {
  const className = layer.getClassName();
  if (className === 'InputLayer') return undefined;
  if (className === 'Functional') return dict({ input_shape: null });
  if (isModelLayer(layer) && layer.isSubclassed === true) {
    const shape = layer.buildShape ?? null;
    return shape === null ? undefined : dict({ input_shape: shapeJson(shape) });
  }
  if (isModelLayer(layer) && className === 'Sequential') {
    const shape = layer.inputShape ?? null;
    return shape === null ? undefined : dict({ input_shape: [null, ...shape.slice(1)] });
  }
  const node = layer.inboundNodes.find((n) => n.inputs.length > 0);
  if (node === undefined || !layer.built) return undefined;
  const shapes = node.mainInputs.map((t) => shapeJson(t.shape));
  if (POSITIONAL_LIST_INPUT.has(className)) {
    const names = ['query_shape', 'value_shape', 'key_shape'];
    return dict({ shapes_dict: dict(Object.fromEntries(shapes.map((s, i) => [names[i]!, s]))) });
  }
  return dict({ input_shape: node.inputStructure === 'list' ? shapes : shapes[0]! });
}

function shapeJson(shape: SymbolicShape | readonly SymbolicShape[]): JsonValue {
  return (shape as readonly unknown[]).map((d) => (Array.isArray(d) ? shapeJson(d as SymbolicShape) : (d as number | null)));
}

function sequentialConfig(model: ConfigModel, dialect: Dialect): JsonObject {
  const entries: JsonObject[] = [];
  const shape = model.inputShape ?? null;
  if (shape !== null) entries.push(inputLayerEntry(`${model.name}_input`, [null, ...shape.slice(1)], dialect));
  for (const layer of model.layers) entries.push(layerEntry(layer, dialect));
  const config = dict({ name: model.name, trainable: model.trainable });
  if (dialect === 'keras3') config.dtype = FLOAT32_POLICY();
  config.layers = entries;
  if (shape !== null) config.build_input_shape = [null, ...shape.slice(1)];
  return config;
}

function inputLayerEntry(name: string, batchShape: SymbolicShape, dialect: Dialect): JsonObject {
  const config = inputLayerConfig(name, batchShape, dialect);
  if (dialect === 'legacy') return dict({ class_name: 'InputLayer', config });
  return dict({ module: 'keras.layers', class_name: 'InputLayer', config, registered_name: null });
}

function inputLayerConfig(name: string, batchShape: SymbolicShape, dialect: Dialect): JsonObject {
  // Keras 3 reads `batch_shape`; tf.keras 2 needs `batch_input_shape`, which Keras 3's legacy loader maps.
  return dict({ [dialect === 'keras3' ? 'batch_shape' : 'batch_input_shape']: [...batchShape], dtype: 'float32', sparse: false, name });
}

/** The calls that belong to a functional model: walked back from its outputs to its inputs. */
function modelNodes(model: ConfigModel): Set<LayerNode> {
  const inputs = new Set(model.inputs ?? []);
  const found = new Set<LayerNode>();
  const stack: SymbolicTensor[] = [...(model.outputs ?? [])];
  while (stack.length > 0) {
    const t = stack.pop()!;
    if (found.has(t.node)) continue;
    found.add(t.node);
    if (!inputs.has(t)) stack.push(...t.node.inputs);
  }
  return found;
}

function functionalConfig(model: ConfigModel, dialect: Dialect): JsonObject {
  const who = `model '${model.name}'`;
  const own = modelNodes(model);
  // Keras 3's node index: the call's position among the layer's calls that belong to this model.
  const indexOf = (node: LayerNode): number => node.layer.inboundNodes.filter((n, i) => i < node.indexInLayer && own.has(n)).length;
  const history = (t: SymbolicTensor): JsonValue[] => [t.node.layer.name, indexOf(t.node), t.tensorIndex];
  const kerasTensor = (t: SymbolicTensor): JsonObject => dict({
    class_name: '__keras_tensor__',
    config: dict({ shape: shapeJson(t.shape), dtype: 'float32', keras_history: history(t) }),
  });
  const layers = model.layers.map((layer) => {
    const entry = layerEntry(layer, dialect);
    entry.name = layer.name;
    entry.inbound_nodes = layer.inboundNodes.filter((n) => own.has(n) && n.inputs.length > 0).map((node) => {
      const main = node.mainInputs.map(kerasTensor);
      const args: JsonValue[] = node.inputStructure === 'list' ? (POSITIONAL_LIST_INPUT.has(layer.getClassName()) ? main : [main]) : [main[0]!];
      const kwargs = dict({});
      for (const [key, value] of Object.entries(node.callArgs)) kwargs[snake(key)] = plainData(value, `${who}: layer '${layer.name}' call argument ${key}`);
      node.argTensorPaths.forEach((p, k) => {
        const t = kerasTensor(node.inputs[node.mainInputs.length + k]!);
        const key = snake(p.key);
        if (p.index === null) kwargs[key] = t;
        else ((kwargs[key] ??= []) as JsonValue[])[p.index] = t;
      });
      return dict({ args, kwargs });
    });
    return entry;
  });
  // input_layers / output_layers: a nested Functional's index is written +1 (Keras 3's quirk).
  const ref = (t: SymbolicTensor): JsonValue[] => {
    const [name, node, tensor] = history(t) as [string, number, number];
    return [name, node + (t.node.layer.getClassName() === 'Functional' ? 1 : 0), tensor];
  };
  const structure = (tensors: readonly SymbolicTensor[], given: unknown): JsonValue => {
    if (isObject(given)) {
      const keys = Object.keys(given);
      return dict(Object.fromEntries(keys.map((k, i) => [k, ref(tensors[i]!)])));
    }
    return tensors.length === 1 ? ref(tensors[0]!) : tensors.map(ref);
  };
  const tkConfig = model.getConfig() as LayerConfig;
  return dict({
    name: model.name,
    trainable: model.trainable,
    layers,
    input_layers: structure(model.inputs ?? [], tkConfig.inputLayers),
    output_layers: structure(model.outputs ?? [], tkConfig.outputLayers),
  });
}

/** A layer's own config, in Keras's spelling for the dialect. */
function layerConfig(layer: AnyLayer, dialect: Dialect): JsonObject {
  const className = layer.getClassName();
  const who = `layer '${layer.name}' (${className})`;
  const raw = layer.getConfig();
  if (className === 'InputLayer') {
    const shape = (raw.batchInputShape ?? raw.batchShape) as SymbolicShape;
    return inputLayerConfig(layer.name, shape, dialect);
  }
  const out = dict({});
  for (const [key, value] of Object.entries(raw)) {
    // The input shape lives in the InputLayer entry (Keras 3 layers refuse batch_input_shape).
    if (value === undefined || key === 'batchInputShape') continue;
    if (className === 'LeakyReLU' && key === 'negativeSlope') {
      // Keras 3 names it negative_slope and still reads tf.keras 2's alpha.
      out[dialect === 'keras3' ? 'negative_slope' : 'alpha'] = plainData(value, `${who}.${key}`);
      continue;
    }
    out[snake(key)] = valueToKeras(key, value, dialect, `${who}.${key}`);
  }
  // Keras 3 reads BatchNormalization's axis with int(); a list ([3], as tf.keras writes) is refused there.
  if (className === 'BatchNormalization' && Array.isArray(out.axis) && out.axis.length === 1) out.axis = out.axis[0]!;
  return out;
}

function valueToKeras(key: string, value: unknown, dialect: Dialect, who: string): JsonValue {
  if (key === 'dtype') return dialect === 'keras3' ? FLOAT32_POLICY() : 'float32';
  if (key === 'activation') {
    if (typeof value !== 'string') throw new Error(`save: ${who}: the activation ${show(value)} cannot be saved`);
    try {
      getActivation(value);
    } catch {
      throw new Error(`save: ${who}: the activation '${value}' is a custom function, which cannot be written to a model file; use a built-in activation, or save the weights alone with saveWeights()`);
    }
    return snake(value);
  }
  if (key === 'dataFormat' && typeof value === 'string') return snake(value);
  if (key.endsWith('Initializer')) return initializerToKeras(value as InitializerConfig, dialect, who);
  if (key.endsWith('Regularizer')) return regularizerToKeras(value as RegularizerConfig | null, dialect, who);
  return nestedToKeras(value, dialect, who);
}

/** `{ className, config }` values naming a registered layer (a wrapper's inner layer) become serialized layers. */
function nestedToKeras(value: unknown, dialect: Dialect, who: string): JsonValue {
  if (Array.isArray(value)) return value.map((v, i) => nestedToKeras(v, dialect, `${who}[${i}]`));
  if (isPlainRecord(value) && typeof value.className === 'string' && isPlainRecord(value.config) && getRegisteredClass(value.className) !== undefined) {
    const className = value.className;
    const config = dict({});
    for (const [k, v] of Object.entries(value.config)) {
      if (v === undefined || k === 'batchInputShape') continue;
      config[snake(k)] = valueToKeras(k, v, dialect, `${who}.${k}`);
    }
    if (dialect === 'legacy') return dict({ class_name: className, config });
    return dict({ module: isBuiltin(className) ? 'keras.layers' : null, class_name: className, config, registered_name: isBuiltin(className) ? null : `Custom>${className}` });
  }
  return plainData(value, who);
}

function initializerToKeras(value: InitializerConfig, dialect: Dialect, who: string): JsonObject {
  try {
    getInitializer({ className: value.className, config: value.config ?? {} });
  } catch {
    throw new Error(`save: ${who}: the initializer '${value.className}' is a custom function or a tensor, which cannot be written to a model file`);
  }
  const config = dict({});
  for (const [k, v] of Object.entries(value.config ?? {})) {
    config[snake(k)] = (k === 'mode' || k === 'distribution') && typeof v === 'string' ? snake(v) : plainData(v, `${who}.${k}`);
  }
  return dialect === 'keras3'
    ? dict({ module: 'keras.initializers', class_name: value.className, config, registered_name: null })
    : dict({ class_name: value.className, config });
}

function regularizerToKeras(value: RegularizerConfig | null, dialect: Dialect, who: string): JsonValue {
  if (value === null) return null;
  try {
    getRegularizer({ className: value.className, config: value.config ?? {} });
  } catch {
    throw new Error(`save: ${who}: the regularizer '${value.className}' is a custom function, which cannot be written to a model file`);
  }
  const config = dict({});
  for (const [k, v] of Object.entries(value.config ?? {})) config[snake(k)] = plainData(v, `${who}.${k}`);
  return dialect === 'keras3'
    ? dict({ module: 'keras.regularizers', class_name: value.className, config, registered_name: null })
    : dict({ class_name: value.className, config });
}

function isPlainRecord(value: unknown): value is Record<string, unknown> {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return false;
  const proto = Object.getPrototypeOf(value) as unknown;
  return proto === Object.prototype || proto === null;
}

/** A JSON copy of plain config data; anything else (NaN, functions, tensors) is an error naming it. */
export function plainData(value: unknown, who: string): JsonValue {
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return value;
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new Error(`save: ${who} is ${value}, which JSON cannot hold`);
    return value;
  }
  if (Array.isArray(value)) return value.map((v, i) => plainData(v, `${who}[${i}]`));
  if (isPlainRecord(value)) {
    const out = dict({});
    for (const [k, v] of Object.entries(value)) if (v !== undefined) out[k] = plainData(v, `${who}.${k}`);
    return out;
  }
  throw new Error(`save: ${who} (${show(value)}) cannot be written to a model file`);
}

// ---- reading ----------------------------------------------------------------------------------

/** Keras 3 operations read as tensorkit merge layers (both operands tensors of one rank). */
const OPERATIONS = new Map<string, string>([['Add', 'Add'], ['Subtract', 'Subtract'], ['Multiply', 'Multiply'], ['Maximum', 'Maximum'], ['Minimum', 'Minimum']]);

/** Class names that mean "a model" in a config (with their list-form construction node). */
const MODEL_CLASSES = new Set(['Sequential', 'Functional', 'Model']);

/** The layer order of every model in a config, by its path in the weights file (for `.keras` weights). */
export interface ConfigOrder {
  /** `''` for the top model, `layers/functional` for a nested one, ...: the names of its `layers` list, in order. */
  readonly layerNames: Map<string, string[]>;
}

/**
 * A Keras config (config.json, or an `.h5` file's model_config) in the list form that
 * models/io/topology.ts reads; and the order of each model's weight-holding layer list. `path`
 * names the config in errors.
 */
export function normalizeKerasConfig(value: unknown, path: string): { topology: JsonObject; order: ConfigOrder } {
  const order: ConfigOrder = { layerNames: new Map() };
  const top = stripShared(value) as JsonValue;
  if (!isObject(top)) fail(path, `expected a model config { class_name, config }, got ${show(top)}`);
  const out = dict({ ...top });
  normalizeModelEntry(out, path, '', order);
  // A subclassed model's build shape: Keras 3 keeps it in build_config.
  const build = get(top, 'build_config');
  const className = get(top, 'class_name');
  if (typeof className === 'string' && !MODEL_CLASSES.has(className) && isObject(build)) {
    const shape = get(build, 'input_shape');
    if (shape !== undefined && shape !== null) out.build_input_shape = shape as JsonValue;
  }
  return { topology: out, order };
}

/** Removes Keras ≥ 3.8's `shared_object_id` markers everywhere (depth is bounded by the JSON reader). */
function stripShared(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(stripShared);
  if (!isObject(value)) return value;
  const out = dict({});
  for (const key of Object.keys(value)) if (key !== 'shared_object_id') out[key] = stripShared(value[key]) as JsonValue;
  return out;
}

/** Translates a model entry in place: its layers (recursively) and, for a graph, its calls. */
function normalizeModelEntry(entry: JsonObject, path: string, weightsPath: string, order: ConfigOrder): void {
  const className = resolveClassName(entry, path);
  if (!MODEL_CLASSES.has(className)) return;
  const config = get(entry, 'config');
  if (Array.isArray(config)) {
    // Keras before 2.2.3 wrote a Sequential's config as the bare list of layers.
    entry.config = dict({ layers: config });
  }
  const c = get(entry, 'config');
  if (!isObject(c)) return; // topology.ts names the problem
  const list = get(c, 'layers');
  if (!Array.isArray(list)) return;
  const sequential = className === 'Sequential';
  const names: string[] = [];
  const counts = new Map<string, number>();
  list.forEach((raw, i) => {
    const at = `${path}.config.layers[${i}]`;
    if (!isObject(raw)) return;
    const layerClass = resolveClassName(raw, at);
    const isOperation = typeof get(raw, 'module') === 'string' && (get(raw, 'module') as string).startsWith('keras.src.ops');
    if (layerClass === 'TFOpLambda' || layerClass === 'SlicingOpLambda') {
      const fn = isObject(get(raw, 'config')) ? get(get(raw, 'config') as JsonObject, 'function') : undefined;
      fail(`${at}.class_name`, `'${layerClass}'${typeof fn === 'string' ? ` (the TensorFlow function '${fn.slice(0, 100)}')` : ''} is tf.keras 2's wrapper of a raw TensorFlow op, which Keras 3 cannot load either; rebuild the model with Keras layers (for x + y: keras.layers.Add)`);
    }
    if (isOperation) {
      const layer = OPERATIONS.get(layerClass);
      if (layer === undefined) {
        fail(`${at}`, `the Keras 3 operation '${layerClass}' (${show(get(raw, 'module'))}) is not supported; tensorkit reads the operations ${[...OPERATIONS.keys()].join(', ')} (on two tensors)`);
      }
      const name = get(raw, 'name') ?? (isObject(get(raw, 'config')) ? get(get(raw, 'config') as JsonObject, 'name') : undefined);
      raw.class_name = layer;
      raw.module = 'keras.layers';
      raw.registered_name = null;
      raw.config = dict({ name: name as JsonValue, trainable: true, dtype: 'float32' });
    } else {
      // The weights file lists the model's layers: a Sequential's without its InputLayer, no operations.
      const layerName = get(raw, 'name') ?? (isObject(get(raw, 'config')) ? get(get(raw, 'config') as JsonObject, 'name') : undefined);
      if (!(sequential && layerClass === 'InputLayer') && typeof layerName === 'string') {
        names.push(layerName);
        if (MODEL_CLASSES.has(layerClass)) {
          const base = snakeClass(layerClass === 'Model' ? 'Functional' : layerClass);
          const k = counts.get(base) ?? 0;
          counts.set(base, k + 1);
          normalizeModelEntry(raw, at, `${weightsPath === '' ? '' : `${weightsPath}/`}layers/${k === 0 ? base : `${base}_${k}`}`, order);
        } else {
          const base = snakeClass(layerClass);
          counts.set(base, (counts.get(base) ?? 0) + 1);
        }
      }
    }
  });
  order.layerNames.set(weightsPath, names);
  if (!sequential) normalizeGraph(c, list as JsonValue[], `${path}.config`);
}

/** The class name of an entry, resolved through `registered_name` when the class name alone is unknown. */
function resolveClassName(entry: JsonObject, path: string): string {
  const given = get(entry, 'class_name') ?? get(entry, 'className');
  if (typeof given !== 'string') fail(`${path}.class_name`, `expected a string, got ${show(given)}`);
  if (getRegisteredClass(given) === undefined) {
    const registered = get(entry, 'registered_name');
    if (typeof registered === 'string') {
      const candidates = [registered, registered.slice(registered.lastIndexOf('>') + 1)];
      const known = candidates.find((c) => getRegisteredClass(c) !== undefined);
      if (known !== undefined) {
        entry.class_name = known;
        return known;
      }
    }
  }
  return given;
}

function snakeClass(className: string): string {
  return className.replace(/\W+/g, '').replace(/(.)([A-Z][a-z]+)/g, '$1_$2').replace(/([a-z])([A-Z])/g, '$1_$2').toLowerCase();
}

/** A functional config's calls and its input/output references, in the list form. */
function normalizeGraph(config: JsonObject, layers: JsonValue[], path: string): void {
  const classOf = new Map<string, string>();
  for (const raw of layers) {
    if (!isObject(raw)) continue;
    const name = get(raw, 'name');
    const cls = get(raw, 'class_name');
    if (typeof name === 'string' && typeof cls === 'string') classOf.set(name, cls);
  }
  const isModelNamed = (name: unknown): boolean => typeof name === 'string' && MODEL_CLASSES.has(classOf.get(name) ?? '');
  let dictForm = false;
  layers.forEach((raw, i) => {
    if (!isObject(raw)) return;
    const nodes = get(raw, 'inbound_nodes');
    if (!Array.isArray(nodes)) return;
    const at = `${path}.layers[${i}].inbound_nodes`;
    const className = typeof get(raw, 'class_name') === 'string' ? get(raw, 'class_name') as string : '';
    raw.inbound_nodes = nodes.map((node, j) => {
      if (!isObject(node)) return Array.isArray(node) ? listCallTensorKwargs(node, className, (n) => classOf.has(n)) : node;
      dictForm = true;
      return callToList(node, `${at}[${j}]`, isModelNamed);
    });
  });
  if (!dictForm) return;
  // Keras 3's input_layers / output_layers: raw indices, a nested Functional's +1. The list form: +1 for every model.
  const shift = (ref: JsonValue, at: string): JsonValue => {
    if (!Array.isArray(ref) || ref.length < 3 || typeof ref[0] !== 'string' || typeof ref[1] !== 'number') fail(at, `expected [layer name, node index, tensor index], got ${show(ref)}`);
    const cls = classOf.get(ref[0] as string) ?? '';
    const add = MODEL_CLASSES.has(cls) && cls !== 'Functional' && cls !== 'Model' ? 1 : 0;
    return [ref[0]!, (ref[1] as number) + add, ref[2]!];
  };
  for (const key of ['input_layers', 'output_layers']) {
    const value = get(config, key);
    const at = `${path}.${key}`;
    if (Array.isArray(value) && typeof value[0] === 'string') config[key] = shift(value, at);
    else if (Array.isArray(value)) config[key] = value.map((r, i) => shift(r, `${at}[${i}]`));
    else if (isObject(value)) config[key] = dict(Object.fromEntries(Object.keys(value).map((k) => [k, shift(value[k]!, `${at}.${k}`)])));
  }
}

/**
 * A list-form call whose kwargs hold tensor references (tf.keras 2 writes MultiHeadAttention's
 * `value` as `{"value": ["input_15", 0, 0]}`): each reference becomes an input of the call, a
 * call argument (`call_arg`), or for MultiHeadAttention one of its positional inputs.
 */
function listCallTensorKwargs(call: JsonValue[], className: string, isLayer: (name: string) => boolean): JsonValue[] {
  const isRef = (v: unknown): v is JsonValue[] => Array.isArray(v) && v.length >= 3 && typeof v[0] === 'string' && isLayer(v[0]) && typeof v[1] === 'number' && typeof v[2] === 'number';
  const main: JsonValue[] = [];
  const extra: JsonValue[] = [];
  for (const record of call) {
    if (!Array.isArray(record) || !isObject(record[3])) {
      main.push(record);
      continue;
    }
    const kwargs = dict({});
    for (const [key, v] of Object.entries(record[3])) {
      if (isRef(v)) {
        if (POSITIONAL_LIST_INPUT.has(className) && (key === 'value' || key === 'key')) extra.push([...v.slice(0, 3), dict({})]);
        else extra.push([...v.slice(0, 3), dict({ call_arg: key })]);
      } else if (Array.isArray(v) && v.length > 0 && v.every(isRef)) {
        v.forEach((r, i) => extra.push([...(r as JsonValue[]).slice(0, 3), dict({ call_arg: key, call_arg_index: i })]));
      } else {
        kwargs[key] = v;
      }
    }
    main.push([...record.slice(0, 3), kwargs]);
  }
  // Positional inputs (MultiHeadAttention's value, then key) come before the call arguments.
  const positional = extra.filter((r) => Object.keys((r as JsonValue[])[3] as JsonObject).length === 0);
  return [...main, ...positional, ...extra.filter((r) => !positional.includes(r))];
}

function isKerasTensor(v: unknown): v is JsonObject {
  return isObject(v) && get(v, 'class_name') === '__keras_tensor__';
}

/** One Keras 3 call `{ args, kwargs }` as a list-form call `[[layer, node, tensor, kwargs], ...]`. */
function callToList(node: JsonObject, at: string, isModelNamed: (name: unknown) => boolean): JsonValue[] {
  const args = get(node, 'args') ?? [];
  const kwargs = get(node, 'kwargs') ?? dict({});
  if (!Array.isArray(args)) fail(`${at}.args`, `expected a list, got ${show(args)}`);
  if (!isObject(kwargs)) fail(`${at}.kwargs`, `expected an object, got ${show(kwargs)}`);
  const ref = (t: JsonObject, where: string): JsonValue[] => {
    const config = get(t, 'config');
    const history = isObject(config) ? get(config, 'keras_history') : undefined;
    if (!Array.isArray(history) || history.length < 3 || typeof history[1] !== 'number') fail(`${where}.config.keras_history`, `expected [layer name, node index, tensor index], got ${show(history)}`);
    return [history[0]!, (history[1] as number) + (isModelNamed(history[0]) ? 1 : 0), history[2]!];
  };
  let main: JsonObject[];
  if (args.length === 1 && isKerasTensor(args[0])) main = [args[0]];
  else if (args.length === 1 && Array.isArray(args[0]) && args[0].length > 0 && args[0].every(isKerasTensor)) main = args[0] as JsonObject[];
  else if (args.length > 1 && args.every(isKerasTensor)) main = args as JsonObject[];
  else if (args.length === 0) fail(`${at}.args`, 'a call without positional tensors (inputs given by keyword) is not supported');
  else {
    const bad = args.findIndex((a) => !isKerasTensor(a) && !(Array.isArray(a) && a.every(isKerasTensor)));
    fail(`${at}.args[${Math.max(0, bad)}]`, `expected a tensor or a list of tensors, got ${show(args[Math.max(0, bad)])} (a constant operand or a nested structure is not supported)`);
  }
  if (main.length > 1) {
    const ranks = main.map((t) => {
      const shape = isObject(get(t, 'config')) ? get(get(t, 'config') as JsonObject, 'shape') : undefined;
      return Array.isArray(shape) ? shape.length : -1;
    });
    if (ranks.some((r) => r !== ranks[0])) fail(`${at}.args`, `the operands have different ranks (${ranks.join(', ')}); tensorkit's merge layers broadcast tensors of one rank`);
  }
  const plain = dict({});
  const extra: JsonValue[][] = [];
  for (const key of Object.keys(kwargs)) {
    const v = kwargs[key]!;
    if (v === null) continue;
    if (key === 'training' && v === false) continue; // see the NOTE at the top
    if (isKerasTensor(v)) extra.push([...ref(v, `${at}.kwargs.${key}`), dict({ call_arg: key })]);
    else if (Array.isArray(v) && v.length > 0 && v.every(isKerasTensor)) v.forEach((t, i) => extra.push([...ref(t as JsonObject, `${at}.kwargs.${key}[${i}]`), dict({ call_arg: key, call_arg_index: i })]));
    else if (typeof v === 'boolean' || typeof v === 'number' || typeof v === 'string') plain[key] = v;
    else fail(`${at}.kwargs.${key}`, `unsupported call argument ${show(v)}`);
  }
  return [...main.map((t, k) => [...ref(t, `${at}.args[${k}]`), dict({ ...plain })]), ...extra];
}
