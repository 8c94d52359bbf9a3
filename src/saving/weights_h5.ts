// Keras 3's weights layout (`model.weights.h5` inside a `.keras` zip, and `.weights.h5` files):
// every saveable object's own variables at `<path>/vars/<i>`, keras-facts-2 §18.3.
//
// The path rule (saving_lib.py `_save_state`), walked from the model at path '':
//   - the object writes `<path>/vars`, with a `name` attribute (its name, as Keras ≥ 3.6 writes)
//     and its own variables as datasets '0', '1', ... (none for a weightless layer: the group is
//     still written);
//   - a Sequential or functional model then visits `layers`, a list: each element goes to
//     `<path>/layers/<snake_case class>`, numbered `_1`, `_2`, ... within the list (class names,
//     not layer names; a Sequential's list has no InputLayer, a functional one has its inputs);
//   - then the object's other sub-objects by attribute name, sorted with `_private` names last:
//     a layer's `kerasSubLayers()` (an RNN's `cell`, ...), a subclassed model's layer fields
//     (their names in snake_case); a list goes to `<path>/<name>/<snake_case class>[_k]`;
//   - an object already visited is not saved again; the compiled optimizer goes to `optimizer`.
// Reading takes the same paths. Files written on Windows by tf.keras 2.15 name groups with `\`
// as one component (`layers\dense`), and its sub-objects with a leading underscore
// (`_query_dense`): both are found. So is the 2.13 layout (`_layer_checkpoint_dependencies` in
// place of `layers`).

import type { Hdf5Dataset, Hdf5Group, Hdf5GroupSpec, Hdf5NodeSpec } from '../formats/hdf5/index.js';
import type { AnyLayer } from '../layers/layer.js';
import { kerasWeightData } from '../layers/integer_weights.js';
import { toSnakeCase } from '../naming.js';
import type { Optimizer } from '../optimizers/index.js';
import { Tensor, type Variable } from '../tensor/tensor.js';
import { ModelFileError } from '../models/io/errors.js';

/** One object that owns a `vars` group. */
export interface Saveable {
  /** Its path in the file ('' for the model itself). */
  readonly path: string;
  /** The layer or model. */
  readonly object: AnyLayer;
  /** Its own variables, in Keras's order (trainable then non-trainable, as `weights`). */
  readonly variables: readonly Variable[];
}

/** For a model at a path, the layers of its `layers` list in the order a file's config gives (reading). */
export type LayerOrder = (model: AnyLayer, path: string) => readonly AnyLayer[] | null;

function isModel(layer: AnyLayer): layer is AnyLayer & { readonly layers: readonly AnyLayer[]; readonly isSubclassed?: boolean } {
  return (layer as { isModel?: unknown }).isModel === true;
}

function isLayer(value: unknown): value is AnyLayer {
  return value !== null && typeof value === 'object' && typeof (value as { kerasSubLayers?: unknown }).kerasSubLayers === 'function' && typeof (value as { getClassName?: unknown }).getClassName === 'function';
}

/** Keras visits attributes in sorted order, `_private` ones last (saving_lib.py `_name_key`). */
function nameKey(name: string): string {
  return name.startsWith('_') ? `~${name}` : name;
}

/** The sub-objects of `object` by attribute name, in Keras's order (not counting a model's `layers`). */
function subObjects(object: AnyLayer): [string, AnyLayer | readonly AnyLayer[]][] {
  let subs: [string, AnyLayer | readonly AnyLayer[]][] = Object.entries(object.kerasSubLayers());
  if (subs.length === 0 && isModel(object) && object.isSubclassed === true) {
    // A subclassed model's layers are its fields; a Keras port names them in snake_case.
    subs = [];
    for (const [field, value] of Object.entries(object)) {
      if (isLayer(value)) subs.push([toSnakeCase(field), value]);
      else if (Array.isArray(value) && value.length > 0 && value.every(isLayer)) subs.push([toSnakeCase(field), value as AnyLayer[]]);
    }
  }
  return subs.sort(([a], [b]) => (nameKey(a) < nameKey(b) ? -1 : nameKey(a) > nameKey(b) ? 1 : 0));
}

/** Every weight an object holds through its sub-objects (and, for a model, its layers). */
function childWeights(object: AnyLayer): Set<Variable> {
  const held = new Set<Variable>();
  const lists = subObjects(object).map(([, v]) => (Array.isArray(v) ? v : [v as AnyLayer]));
  if (isModel(object) && object.isSubclassed !== true) lists.push([...object.layers]);
  for (const list of lists) for (const child of list) for (const w of child.weights) held.add(w);
  return held;
}

/**
 * The objects of `model` that Keras saves, each with its path and own variables, in Keras's visit
 * order. `order` (reading) gives the `layers` list of a model as the file's config orders it.
 */
export function kerasSaveables(model: AnyLayer, order: LayerOrder | null = null): Saveable[] {
  const out: Saveable[] = [];
  const visited = new Set<AnyLayer>();
  const join = (a: string, b: string): string => (a === '' ? b : `${a}/${b}`);
  const visit = (object: AnyLayer, path: string): void => {
    if (visited.has(object)) return;
    visited.add(object);
    const held = childWeights(object);
    out.push({ path, object, variables: object.weights.filter((w) => !held.has(w)) });
    const visitList = (list: readonly AnyLayer[], at: string): void => {
      const used = new Map<string, number>();
      for (const child of list) {
        const base = toSnakeCase(child.getClassName());
        const k = used.get(base);
        used.set(base, k === undefined ? 0 : k + 1);
        visit(child, join(at, k === undefined ? base : `${base}_${k + 1}`));
      }
    };
    if (isModel(object) && object.isSubclassed !== true) visitList(order?.(object, path) ?? object.layers, join(path, 'layers'));
    for (const [name, sub] of subObjects(object)) {
      if (Array.isArray(sub)) visitList(sub, join(path, name));
      else visit(sub as AnyLayer, join(path, name));
    }
  };
  visit(model, '');
  return out;
}

// ---- writing ----------------------------------------------------------------------------------

type Children = Map<string, Hdf5NodeSpec>;

/** The group at `path` below `root` (made as needed); returns its children. */
function groupAt(root: Children, path: string): Children {
  let at = root;
  for (const part of path.split('/')) {
    if (part === '') continue;
    let next = at.get(part) as { children?: Children } | undefined;
    if (next === undefined) {
      next = { children: new Map() };
      at.set(part, next as Hdf5GroupSpec);
    }
    at = next.children as Children;
  }
  return at;
}

/** A `vars` group: a `name` attribute and the values as datasets '0', '1', ... */
function varsGroup(name: string, values: readonly { shape: readonly number[]; data: Float32Array | BigInt64Array }[]): Hdf5GroupSpec {
  const children: Children = new Map();
  values.forEach((v, i) => children.set(String(i), { kind: 'dataset', shape: v.shape.slice(), data: v.data }));
  return { attributes: new Map([['name', name]]), children };
}

/**
 * The HDF5 tree of Keras 3's weights layout for `model`; with `optimizer`, its state too at
 * `optimizer/vars` (iteration as int64, then learning rate and slots in Keras's order).
 */
export function weightsTreeSpec(model: AnyLayer, optimizer: Optimizer | null): Hdf5GroupSpec {
  const root: Children = new Map();
  for (const s of kerasSaveables(model)) {
    const parent = groupAt(root, s.path);
    parent.set('vars', varsGroup(s.object.name, s.variables.map((v) => ({ shape: v.shape, data: kerasWeightData(v) }))));
  }
  if (optimizer !== null) {
    const values = optimizer.getWeights().map((w) => (w.name === 'iteration'
      ? { shape: [], data: BigInt64Array.of(BigInt(w.tensor.data[0]!)) }
      : { shape: w.tensor.shape, data: w.tensor.data }));
    groupAt(root, 'optimizer').set('vars', varsGroup(optimizer.name, values));
  }
  return { children: root };
}

// ---- reading ----------------------------------------------------------------------------------

/** A group with `\`-joined child names split into components (tf.keras 2.15 on Windows), merged. */
interface TreeGroup {
  readonly kind: 'group';
  readonly children: Map<string, TreeGroup | Hdf5Dataset>;
  readonly address: number;
}

/** The file's root as a tree of `/`-separated components (Windows `\` names split). */
export function unfoldTree(group: Hdf5Group): TreeGroup {
  const out: TreeGroup = { kind: 'group', children: new Map(), address: group.address };
  const merge = (into: TreeGroup, from: TreeGroup): void => {
    for (const [name, child] of from.children) {
      const existing = into.children.get(name);
      if (existing !== undefined && existing.kind === 'group' && child.kind === 'group') merge(existing, child);
      else into.children.set(name, child);
    }
  };
  for (const [name, child] of group.children) {
    if (child.kind !== 'group' && child.kind !== 'dataset') continue; // links: Keras refuses them; nothing reads them here
    const parts = name.split('\\').filter((p) => p !== '');
    if (parts.length === 0) continue;
    let at = out;
    for (const part of parts.slice(0, -1)) {
      let next = at.children.get(part);
      if (next === undefined || next.kind !== 'group') {
        next = { kind: 'group', children: new Map(), address: child.address };
        at.children.set(part, next);
      }
      at = next;
    }
    const last = parts[parts.length - 1]!;
    const value = child.kind === 'group' ? unfoldTree(child) : child;
    const existing = at.children.get(last);
    if (existing !== undefined && existing.kind === 'group' && value.kind === 'group') merge(existing, value);
    else at.children.set(last, value);
  }
  return out;
}

/** The `vars` group of the object at `path`, or null. */
export function findVars(root: TreeGroup, path: string): TreeGroup | null {
  const parts = path === '' ? ['vars'] : [...path.split('/'), 'vars'];
  let at: TreeGroup = root;
  for (const [i, part] of parts.entries()) {
    const candidates = i === 0 && part === 'layers' ? [part, '_layer_checkpoint_dependencies'] : [part, `_${part}`];
    let next: TreeGroup | Hdf5Dataset | undefined;
    for (const c of candidates) {
      next = at.children.get(c);
      if (next !== undefined) break;
    }
    if (next === undefined || next.kind !== 'group') return null;
    at = next;
  }
  return at;
}

/** The datasets '0', '1', ... of a vars group, in numeric order (the file lists '10' before '2'). */
export function numberedDatasets(vars: TreeGroup, what: string): Hdf5Dataset[] {
  const out: Hdf5Dataset[] = [];
  for (const [name, child] of vars.children) {
    if (!/^(0|[1-9][0-9]{0,8})$/.test(name)) throw new ModelFileError(`${what}: unexpected member '${name.slice(0, 100)}' in a vars group (expected datasets named 0, 1, 2, ...)`);
    if (child.kind !== 'dataset') throw new ModelFileError(`${what}: '${name}' is a group where a variable's dataset was expected`);
    const i = Number(name);
    if (i >= vars.children.size) throw new ModelFileError(`${what}: the variables are not numbered 0 to ${vars.children.size - 1} (found '${name}')`);
    out[i] = child;
  }
  return out;
}

/**
 * A float dataset's values as float32 (float16/64 converted), or an error naming it. Integer
 * datasets (weights Keras declares as int, e.g. Normalization's int64 `count`) are converted too.
 */
export function floatValues(d: Hdf5Dataset, what: string): Float32Array {
  if (d.dtype.class === 'int') return Float32Array.from(d.data as ArrayLike<number | bigint>, (x) => Number(x));
  if (d.dtype.class !== 'float') throw new ModelFileError(`${what}: expected floating-point values, found ${d.dtype.class} data (dataset at byte ${d.address})`);
  return d.data instanceof Float32Array ? d.data : Float32Array.from(d.data as Float64Array);
}

/** How many values (float or int) the model's weights take in the tree (the loader's build budget); the optimizer's excluded. */
export function floatValueCount(root: TreeGroup): number {
  let n = 0;
  const visit = (g: TreeGroup, top: boolean): void => {
    for (const [name, child] of g.children) {
      if (top && name === 'optimizer') continue;
      if (child.kind === 'group') visit(child, false);
      else if (child.dtype.class === 'float' || child.dtype.class === 'int') n += child.data.length;
    }
  };
  visit(root, true);
  return n;
}

/**
 * The file's value for every variable of `model`, by Keras's paths, all checked (each object's
 * variable count exactly, every shape) before anything is returned. `what` names the file.
 */
export function readWeightsTree(root: TreeGroup, model: AnyLayer, order: LayerOrder | null, what: string): [Variable, Tensor][] {
  const out: [Variable, Tensor][] = [];
  for (const s of kerasSaveables(model, order)) {
    const label = `${s.path === '' ? 'the model' : `'${s.path}'`} (${s.object.getClassName()} '${s.object.name}')`;
    const vars = findVars(root, s.path);
    const datasets = vars === null ? [] : numberedDatasets(vars, `${what}: ${s.path === '' ? '' : `${s.path}/`}vars`);
    if (datasets.length !== s.variables.length) {
      const where = vars === null ? `there is no group '${s.path === '' ? '' : `${s.path}/`}vars'` : `'${s.path === '' ? '' : `${s.path}/`}vars' holds ${datasets.length}`;
      throw new ModelFileError(`${what}: ${label} has ${s.variables.length} variables (${s.variables.map((v) => `${v.name} [${v.shape.join(', ')}]`).join(', ')}), but ${where}`);
    }
    s.variables.forEach((v, i) => {
      const d = datasets[i]!;
      if (d.shape.length !== v.shape.length || d.shape.some((n, j) => n !== v.shape[j])) {
        throw new ModelFileError(`${what}: layer '${s.object.name}' (${s.object.getClassName()}): weight '${v.name}' has shape [${v.shape.join(', ')}], but the file's '${s.path === '' ? '' : `${s.path}/`}vars/${i}' has shape [${d.shape.join(', ')}]`);
      }
      out.push([v, new Tensor(floatValues(d, `${what}: ${s.path}/vars/${i}`), v.shape)]);
    });
  }
  return out;
}

/** The optimizer's variables of a Keras 3 weights file (`optimizer/vars/<i>`), or [] when there are none. */
export function readOptimizerVars(root: TreeGroup, what: string): { shape: number[]; values: Float32Array; ints: Int32Array | null }[] {
  const vars = findVars(root, 'optimizer');
  if (vars === null) return [];
  return numberedDatasets(vars, `${what}: optimizer/vars`).map((d, i) => {
    if (d.dtype.class === 'int') {
      const ints = Int32Array.from(Array.from(d.data as ArrayLike<number | bigint>, (x) => {
        const n = Number(x);
        if (!Number.isSafeInteger(n) || n < -(2 ** 31) || n >= 2 ** 31) throw new ModelFileError(`${what}: optimizer/vars/${i}: the integer ${String(x)} is out of range`);
        return n;
      }));
      return { shape: [...d.shape], values: Float32Array.from(ints), ints };
    }
    return { shape: [...d.shape], values: floatValues(d, `${what}: optimizer/vars/${i}`), ints: null };
  });
}

