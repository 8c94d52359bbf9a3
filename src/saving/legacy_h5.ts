// The legacy HDF5 layout (`.h5`: tf.keras 2.x, and Keras 3's `save('x.h5')`), keras-facts-2 §18.4,
// keras-file-format §1, §3, §5.
//
//   /                         attrs keras_version, backend, model_config (JSON), training_config (JSON, when compiled)
//   /model_weights            attrs layer_names (every layer of model.layers, in order), backend, keras_version
//   /model_weights/<layer>    attr weight_names: the paths of the layer's datasets inside its group, in its
//                             weight order (trainable first); `/` in a name makes subgroups: dense/dense/kernel
//   /model_weights/top_level_model_weights   the model's own weights (none)
//   /optimizer_weights        attr weight_names, one dataset per optimizer variable at that name
//
// A weights-only file (`save_weights` to `.h5`) has `layer_names` and the layer groups at its root.
// Weights are matched as Keras matches them: by position among the layers that have weights
// (the model's, and the file's layers with a non-empty `weight_names`), never by name; the count
// of each layer and every shape must agree. `weight_names` are followed literally, whatever
// convention wrote them (`dense/kernel:0`, `sequential/dense/kernel`, `kernel`).
// String lists are written as h5py writes Keras's lists of bytes (fixed-length, null-padded) and
// split into `layer_names0`, `layer_names1`, ... past HDF5's 64 KiB object-header limit, as
// Keras does; on reading the pieces are joined. Every string encoding Keras files use is read
// (fixed- or variable-length, ASCII or UTF-8, and h5py's empty float64 array for an empty list).

import { fixedLengthStrings, getNode, getStringListAttribute, type Hdf5AttributeSpec, type Hdf5Group, type Hdf5GroupSpec, type Hdf5NodeSpec } from '../formats/hdf5/index.js';
import type { AnyLayer } from '../layers/layer.js';
import type { Optimizer } from '../optimizers/index.js';
import { Tensor, type Variable } from '../tensor/tensor.js';
import { ModelFileError } from '../models/io/errors.js';
import type { DecodedWeight } from '../models/io/weights.js';
import { floatValues } from './weights_h5.js';
import { kerasWeightData } from '../layers/integer_weights.js';

/** HDF5's object-header limit for one attribute, as Keras counts it (legacy_h5_format.py). */
export const HDF5_OBJECT_HEADER_LIMIT = 64512;

/** A layer's weights as Keras's legacy format lists them: trainable ones, then the others. */
export function legacyWeights(layer: AnyLayer): Variable[] {
  return [...new Set([...layer.trainableWeights, ...layer.nonTrainableWeights])];
}

/**
 * A list of strings as attributes: one fixed-length list, or, when its bytes exceed the header
 * limit, numbered pieces (numpy's `array_split` into the fewest pieces that each fit).
 */
export function stringListAttributes(name: string, values: readonly string[]): Map<string, Hdf5AttributeSpec> {
  const out = new Map<string, Hdf5AttributeSpec>();
  const width = Math.max(1, ...values.map((v) => new TextEncoder().encode(v).length));
  if (width > HDF5_OBJECT_HEADER_LIMIT) throw new Error(`save: the attribute ${name} holds a string of ${width} bytes, more than HDF5's ${HDF5_OBJECT_HEADER_LIMIT}`);
  let pieces = 1;
  const split = (k: number): string[][] => {
    const n = values.length;
    const big = n % k;
    const size = Math.floor(n / k);
    const parts: string[][] = [];
    let at = 0;
    for (let i = 0; i < k; i++) {
      const len = size + (i < big ? 1 : 0);
      parts.push(values.slice(at, at + len));
      at += len;
    }
    return parts;
  };
  while (split(pieces).some((p) => p.length * width > HDF5_OBJECT_HEADER_LIMIT)) pieces++;
  if (pieces === 1) out.set(name, fixedLengthStrings(values));
  else split(pieces).forEach((p, i) => out.set(`${name}${i}`, fixedLengthStrings(p)));
  return out;
}

/** The string list `name` of a group, joined from `name0`, `name1`, ... when Keras split it; undefined when absent. */
export function readStringList(group: Hdf5Group, name: string): string[] | undefined {
  const whole = getStringListAttribute(group, name);
  if (whole !== undefined) return whole;
  if (!group.attributes.has(`${name}0`)) return undefined;
  const out: string[] = [];
  for (let i = 0; group.attributes.has(`${name}${i}`); i++) out.push(...getStringListAttribute(group, `${name}${i}`)!);
  return out;
}

/** JSON as pure ASCII (Python's json.dumps default), for a variable-length ASCII attribute. */
function asciiJson(value: unknown): string {
  return JSON.stringify(value).replace(/[\u007f-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

const vlenAscii = (text: string): Hdf5AttributeSpec => ({ data: [text], shape: [], dtype: { class: 'string', size: 'variable', charset: 'ascii', padding: 'null-terminated' } });

/** Checks a name that becomes an HDF5 group or path component. */
function checkGroupName(name: string, who: string): void {
  if (name === '' || name === '.' || name.includes('/') && name.split('/').some((p) => p === '' || p === '.')) {
    throw new Error(`save: ${who}: the name '${name}' cannot be an HDF5 path (empty or '.' components)`);
  }
}

/** The group of one layer: its weights at their names (subgroups for each `/`), listed by `weight_names`. */
function layerGroup(weights: readonly Variable[], who: string): Hdf5GroupSpec {
  const children = new Map<string, Hdf5NodeSpec>();
  const names: string[] = [];
  for (const w of weights) {
    let name = w.name ?? 'weight';
    // Two weights of one layer cannot share a dataset path.
    for (let k = 1; names.includes(name); k++) name = `${w.name ?? 'weight'}_${k}`;
    checkGroupName(name, who);
    names.push(name);
    const parts = name.split('/');
    let at = children;
    for (const part of parts.slice(0, -1)) {
      let next = at.get(part) as { children?: Map<string, Hdf5NodeSpec> } | undefined;
      if (next === undefined || next.children === undefined) {
        next = { children: new Map() };
        at.set(part, next as Hdf5GroupSpec);
      }
      at = next.children!;
    }
    at.set(parts[parts.length - 1]!, { kind: 'dataset', shape: w.shape.slice(), data: kerasWeightData(w) });
  }
  return { attributes: stringListAttributes('weight_names', names), children };
}

/** The layers' groups and `layer_names` (with the version attributes) of a weights group. */
function weightsGroup(layers: readonly AnyLayer[], kerasVersion: string): { attributes: Map<string, Hdf5AttributeSpec>; children: Map<string, Hdf5NodeSpec> } {
  const attributes = stringListAttributes('layer_names', layers.map((l) => l.name));
  attributes.set('backend', vlenAscii('tensorflow'));
  attributes.set('keras_version', vlenAscii(kerasVersion));
  const children = new Map<string, Hdf5NodeSpec>();
  for (const layer of layers) {
    const who = `layer '${layer.name}'`;
    checkGroupName(layer.name, who);
    if (layer.name.includes('/')) throw new Error(`save: ${who}: a layer name may not contain '/' in an .h5 file`);
    if (children.has(layer.name)) throw new Error(`save: two layers are named '${layer.name}'; an .h5 file needs unique layer names`);
    children.set(layer.name, layerGroup(legacyWeights(layer), who));
  }
  return { attributes, children };
}

/** What a legacy `.h5` holds besides the weights. */
export interface LegacyH5Contents {
  readonly modelConfig: unknown;
  readonly trainingConfig: unknown | null;
  readonly optimizer: Optimizer | null;
  readonly kerasVersion: string;
}

/**
 * The tree of a legacy `.h5` model file.
 * NOTE: `backend` says 'tensorflow': the weight layouts are TensorFlow's (channels-last kernels),
 * and that value tells tf.keras 2's loader to leave them as they are (it converts 'theano' ones).
 */
export function legacyH5Spec(model: AnyLayer & { readonly layers: readonly AnyLayer[] }, contents: LegacyH5Contents): Hdf5GroupSpec {
  const attributes = new Map<string, Hdf5AttributeSpec>([
    ['backend', vlenAscii('tensorflow')],
    ['keras_version', vlenAscii(contents.kerasVersion)],
    ['model_config', vlenAscii(asciiJson(contents.modelConfig))],
  ]);
  if (contents.trainingConfig !== null) attributes.set('training_config', vlenAscii(asciiJson(contents.trainingConfig)));
  const mw = weightsGroup(model.layers, contents.kerasVersion);
  const own = model.weights.filter((w) => !model.layers.some((l) => l.weights.includes(w)));
  mw.children.set('top_level_model_weights', layerGroup(own, 'the model'));
  const children = new Map<string, Hdf5NodeSpec>([['model_weights', mw]]);
  if (contents.optimizer !== null) {
    const opt = contents.optimizer;
    const names: string[] = [];
    const optChildren = new Map<string, Hdf5NodeSpec>();
    for (const w of opt.getWeights()) {
      // One dataset per variable, named `<optimizer>/<variable>` as Keras 3 names its paths.
      const name = `${opt.name}/${w.name}`;
      names.push(name);
      let at = optChildren;
      const parts = name.split('/');
      for (const part of parts.slice(0, -1)) {
        let next = at.get(part) as { children?: Map<string, Hdf5NodeSpec> } | undefined;
        if (next === undefined) {
          next = { children: new Map() };
          at.set(part, next as Hdf5GroupSpec);
        }
        at = next.children!;
      }
      at.set(parts[parts.length - 1]!, w.name === 'iteration'
        ? { kind: 'dataset', shape: [], data: BigInt64Array.of(BigInt(w.tensor.data[0]!)) }
        : { kind: 'dataset', shape: w.tensor.shape.slice(), data: w.tensor.data });
    }
    children.set('optimizer_weights', { attributes: stringListAttributes('weight_names', names), children: optChildren });
  }
  return { attributes, children };
}

/** The tree of a legacy weights-only `.h5` (tf.keras 2's `save_weights('x.h5')`): layer groups at the root. */
export function legacyWeightsOnlySpec(model: AnyLayer & { readonly layers: readonly AnyLayer[] }, kerasVersion: string): Hdf5GroupSpec {
  return weightsGroup(model.layers, kerasVersion);
}

/** The group that holds `layer_names` and the layer groups: `model_weights`, or the root of a weights-only file; null if neither. */
export function legacyWeightsGroup(root: Hdf5Group): Hdf5Group | null {
  const mw = root.children.get('model_weights');
  if (mw !== undefined && mw.kind === 'group') return mw;
  if (readStringList(root, 'layer_names') !== undefined) return root;
  return null;
}

/**
 * The file's value for every weight of `layers`, matched by position among layers with weights
 * (Keras's topological loading); every count and shape checked before anything is returned.
 */
export function readLegacyWeights(group: Hdf5Group, layers: readonly AnyLayer[], what: string): [Variable, Tensor][] {
  const layerNames = readStringList(group, 'layer_names');
  if (layerNames === undefined) throw new ModelFileError(`${what}: the weights group (byte ${group.address}) has no 'layer_names' attribute`);
  const saved: { name: string; group: Hdf5Group; weightNames: string[] }[] = [];
  for (const name of layerNames) {
    const g = group.children.get(name);
    if (g === undefined || g.kind !== 'group') throw new ModelFileError(`${what}: layer_names lists '${name.slice(0, 200)}', but there is no group of that name (at byte ${group.address})`);
    const weightNames = readStringList(g, 'weight_names') ?? [];
    if (weightNames.length > 0) saved.push({ name, group: g, weightNames });
  }
  const withWeights = layers.filter((l) => legacyWeights(l).length > 0);
  if (saved.length !== withWeights.length) {
    throw new ModelFileError(`${what}: layer count mismatch: the model has ${withWeights.length} layers with weights (${withWeights.map((l) => `'${l.name}'`).join(', ')}), ` +
      `the file ${saved.length} (${saved.map((s) => `'${s.name}'`).join(', ')})`);
  }
  const out: [Variable, Tensor][] = [];
  saved.forEach((s, k) => {
    const layer = withWeights[k]!;
    const expected = legacyWeights(layer);
    const label = `layer #${k} ('${layer.name}' in the model, '${s.name}' in the file)`;
    if (expected.length !== s.weightNames.length) {
      throw new ModelFileError(`${what}: ${label}: the layer has ${expected.length} weights (${expected.map((w) => `${w.name} [${w.shape.join(', ')}]`).join(', ')}), the file ${s.weightNames.length} (${s.weightNames.join(', ')})`);
    }
    expected.forEach((w, i) => {
      const d = getNode(s.group, s.weightNames[i]!);
      if (d === undefined || d.kind !== 'dataset') throw new ModelFileError(`${what}: ${label}: weight_names lists '${s.weightNames[i]!.slice(0, 200)}', which is not a dataset in the layer's group (byte ${s.group.address})`);
      if (d.shape.length !== w.shape.length || d.shape.some((n, j) => n !== w.shape[j])) {
        throw new ModelFileError(`${what}: ${label}: weight '${w.name}' has shape [${w.shape.join(', ')}], but the file's '${s.weightNames[i]}' has shape [${d.shape.join(', ')}]`);
      }
      out.push([w, new Tensor(floatValues(d, `${what}: ${s.name}/${s.weightNames[i]}`), w.shape)]);
    });
  });
  return out;
}

/** How many float values the weights of a legacy weights group take (the loader's build budget). */
export function legacyFloatCount(group: Hdf5Group): number {
  let n = 0;
  for (const name of readStringList(group, 'layer_names') ?? []) {
    const g = group.children.get(name);
    if (g === undefined || g.kind !== 'group') continue;
    for (const w of readStringList(g, 'weight_names') ?? []) {
      const d = getNode(g, w);
      if (d !== undefined && d.kind === 'dataset' && (d.dtype.class === 'float' || d.dtype.class === 'int')) n += d.data.length;
    }
  }
  return n;
}

/** The optimizer weights of a legacy file, in `weight_names` order, as the io loader's records. */
export function readLegacyOptimizer(root: Hdf5Group, what: string): DecodedWeight[] {
  const g = root.children.get('optimizer_weights');
  if (g === undefined || g.kind !== 'group') return [];
  return (readStringList(g, 'weight_names') ?? []).map((name) => {
    const d = getNode(g, name);
    if (d === undefined || d.kind !== 'dataset') throw new ModelFileError(`${what}: optimizer_weights lists '${name.slice(0, 200)}', which is not a dataset (byte ${g.address})`);
    // Short names, as the io loader knows them: 'Adam/iter:0' → 'iter', 'adam/iteration' → 'iteration'.
    const short = name.replace(/:\d+$/, '');
    const base = short.slice(short.lastIndexOf('/') + 1);
    if (d.dtype.class === 'int') {
      const ints = Int32Array.from(Array.from(d.data as ArrayLike<number | bigint>, (x) => Number(x)));
      return { name: base === 'iter' || base === 'iteration' ? base : short, shape: [...d.shape], group: 'optimizer', values: Float32Array.from(ints), ints };
    }
    return { name: base === 'iter' || base === 'iteration' ? base : short, shape: [...d.shape], group: 'optimizer', values: floatValues(d, `${what}: optimizer_weights/${name}`), ints: null };
  });
}
