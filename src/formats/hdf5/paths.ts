// Small conveniences over the records readHdf5 returns: a node by its path, and the string
// attributes Keras writes in their several encodings (variable-length or fixed-length strings,
// a scalar or a list, and h5py's empty float64 array for an empty list); and, for writing, the
// fixed-length string list h5py makes of a list of `bytes` (tf.keras's `layer_names`).

import { Hdf5FormatError } from './errors.js';
import type { Hdf5Attribute, Hdf5Dataset, Hdf5Group, Hdf5Node, Hdf5ValueSpec } from './types.js';

/**
 * The node at `path` below `group` (components separated by `/`; a leading `/` and empty
 * components are ignored), or `undefined` when some component is missing or is not a group.
 * Soft links are returned, not followed.
 *
 * @example
 * ```ts
 * const root = readHdf5(bytes);
 * const kernel = getNode(root, 'model_weights/dense/dense/kernel:0');
 * ```
 */
export function getNode(group: Hdf5Group, path: string): Hdf5Node | undefined {
  let node: Hdf5Node = group;
  for (const part of path.split('/')) {
    if (part === '') continue;
    if (node.kind !== 'group') return undefined;
    const next: Hdf5Node | undefined = node.children.get(part);
    if (next === undefined) return undefined;
    node = next;
  }
  return node;
}

/**
 * The attribute `name` of a group or dataset as one string, or `undefined` if there is no such
 * attribute. A scalar string or a one-element string list is accepted.
 *
 * @throws Hdf5FormatError when the attribute holds numbers or several strings.
 * @example
 * ```ts
 * getStringAttribute(root, 'keras_version');   // '3.6.0'
 * ```
 */
export function getStringAttribute(node: Hdf5Group | Hdf5Dataset, name: string): string | undefined {
  const a = node.attributes.get(name);
  if (a === undefined) return undefined;
  if (a.dtype.class !== 'string' || a.data.length !== 1) {
    throw new Hdf5FormatError(`HDF5 attribute "${name}" at byte ${node.address}: expected one string, found ${describeAttribute(a)}`, node.address);
  }
  return (a.data as string[])[0];
}

/**
 * The attribute `name` as a list of strings, or `undefined` if there is no such attribute.
 * Accepts a list (or a scalar: one element) of fixed- or variable-length strings, and an empty
 * numeric array, which is how h5py stores an empty Python list (Keras's `weight_names` of a
 * layer without weights).
 *
 * @throws Hdf5FormatError when the attribute holds numbers (other than the empty array).
 * @example
 * ```ts
 * getStringListAttribute(getNode(root, 'model_weights') as Hdf5Group, 'layer_names');   // ['dense', 'dense_1']
 * ```
 */
export function getStringListAttribute(node: Hdf5Group | Hdf5Dataset, name: string): string[] | undefined {
  const a = node.attributes.get(name);
  if (a === undefined) return undefined;
  if (a.dtype.class === 'string') return [...(a.data as string[])];
  if (a.data.length === 0 && a.shape.length === 1) return [];
  throw new Hdf5FormatError(`HDF5 attribute "${name}" at byte ${node.address}: expected a list of strings, found ${describeAttribute(a)}`, node.address);
}

function describeAttribute(a: Hdf5Attribute): string {
  const type = a.dtype.class === 'string' ? 'strings' : `${a.dtype.class}${a.dtype.bits} values`;
  return `${a.data.length} ${type} of shape [${a.shape.join(', ')}]`;
}

/**
 * A 1-D list of fixed-length, null-padded strings, as long as the longest (in UTF-8 bytes, at
 * least 1): what h5py writes for a numpy array of `bytes`, such as tf.keras 2's `layer_names` and
 * `weight_names`. ASCII when every string is, else UTF-8. An empty list becomes h5py's empty
 * float64 array, as Keras writes `weight_names` of a layer without weights.
 *
 * @example
 * ```ts
 * writeHdf5({ attributes: { layer_names: fixedLengthStrings(['dense', 'dense_1']) } });   // dtype |S7
 * ```
 */
export function fixedLengthStrings(values: readonly string[]): Hdf5ValueSpec {
  if (values.length === 0) return { data: new Float64Array(0), shape: [0] };
  const encoder = new TextEncoder();
  const lengths = values.map((v) => encoder.encode(v).length);
  const ascii = values.every((v) => /^[\x00-\x7f]*$/.test(v));
  return { data: [...values], shape: [values.length], dtype: { class: 'string', size: Math.max(1, ...lengths), charset: ascii ? 'ascii' : 'utf-8', padding: 'null-padded' } };
}
