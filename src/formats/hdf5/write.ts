// writeHdf5: a tree of groups, datasets and attributes to the bytes of an HDF5 file laid out as
// h5py writes Keras files (keras-file-format.md §2, measured on 22 real files):
//
// - superblock version 0: 8-byte addresses and lengths, group leaf node K 4, group internal node
//   K 16, base address 0, end-of-file address = the file's size; the root's symbol table entry
//   has cache type 1 (its B-tree and local heap in the scratch pad);
// - version-1 object headers, one block each (no continuation is needed when the whole header is
//   written at once), messages padded to 8 bytes;
// - old-style groups: a symbol table message, a local heap of names (offset 0 holds ""), and a
//   version-1 B-tree whose leaves are symbol table nodes of at most 8 entries, names sorted
//   bytewise; more than 8 members make several leaves, more than 256 a deeper tree. Member
//   entries of groups have cache type 1, of datasets cache type 0, of soft links cache type 2;
// - datasets contiguous and unfiltered (dataspace version 1 with maximum dimensions equal to the
//   dimensions, datatype version 1, fill value version 2 "default", layout version 3), their
//   data 8-byte aligned; an empty dataset has no storage (undefined address), as libhdf5 does;
// - attributes version 1 (version 3 when the name is not ASCII, as libhdf5 does for UTF-8
//   names), sorted by name; variable-length strings in global heap collections of at least 4096 bytes.
// The result opens in libhdf5 (checked with h5wasm) and reads back with readHdf5.

import { Hdf5FormatError } from './errors.js';
import { compareBytes } from './groups.js';
import { align8 } from './messages.js';
import type { Hdf5AttributeSpec, Hdf5Data, Hdf5DatasetSpec, Hdf5Dtype, Hdf5Entries, Hdf5GroupSpec, Hdf5Link, Hdf5NodeSpec } from './types.js';
import { MAX_DEPTH } from './read.js';
import { HOST_LITTLE_ENDIAN, swapBytes } from './values.js';

const UNDEFINED = -1;
const LEAF_K = 4; // symbol table nodes hold 2·4 = 8 entries
const INTERNAL_K = 16; // B-tree nodes hold 2·16 = 32 children
const SUPERBLOCK_SIZE = 96;
const ENTRY_SIZE = 40; // symbol table entry: name offset, header address, cache type, reserved, scratch pad
const SNOD_SIZE = 8 + 2 * LEAF_K * ENTRY_SIZE;
const BTREE_SIZE = 8 + 16 + (2 * INTERNAL_K + 1) * 8 + 2 * INTERNAL_K * 8;
const MIN_COLLECTION = 4096;
const MAX_MESSAGE = 0xffff; // a version-1 message's size is a u16

const encoder = new TextEncoder();

/** A value ready to write: its encoded datatype and dataspace, and its bytes or strings. */
interface Value {
  readonly dtype: Hdf5Dtype;
  readonly shape: readonly number[];
  readonly datatype: Uint8Array;
  readonly dataspace: Uint8Array;
  /** The encoded elements, or for variable-length strings their UTF-8 bytes (heap objects). */
  readonly raw: Uint8Array | null;
  readonly strings: Uint8Array[] | null;
  /** Filled in once the global heap is laid out: [collection, index] per string. */
  heapIds?: { collection: Collection; index: number }[];
}

interface Attribute {
  readonly name: string;
  readonly nameBytes: Uint8Array;
  readonly value: Value;
}

interface Group {
  readonly kind: 'group';
  readonly path: string;
  readonly attributes: Attribute[];
  readonly members: { name: string; nameBytes: Uint8Array; node: Node }[];
  header: number;
  headerSize: number;
  heap: number;
  heapData: number;
  heapDataSize: number;
  /** Heap offset of each member's name, and of each soft link's target. */
  nameOffsets: number[];
  targetOffsets: (number | undefined)[];
  btrees: { address: number; level: number; children: number[]; keys: number[] }[];
  root: number;
  leaves: number[];
}

interface Dataset {
  readonly kind: 'dataset';
  readonly path: string;
  readonly attributes: Attribute[];
  readonly value: Value;
  header: number;
  headerSize: number;
  data: number;
}

interface SoftLink {
  readonly kind: 'softLink';
  readonly target: string;
}

type Node = Group | Dataset | SoftLink;

/**
 * Writes a tree of groups and datasets as an HDF5 file, in the layout h5py uses for Keras files
 * (superblock 0, version-1 object headers, old-style groups, contiguous datasets), so that h5py,
 * libhdf5 and Keras read it. Members are stored sorted bytewise by name.
 *
 * @param root The root group: its attributes and members.
 * @returns The file's bytes.
 * @throws Hdf5FormatError naming the object's path when the spec cannot be written: a bad name,
 *   data whose length or type does not match its shape or dtype, an ASCII string that is not
 *   ASCII, a fixed-length string too long for its size, an attribute over 64 KiB, an external link.
 *
 * @example
 * ```ts
 * const bytes = writeHdf5({
 *   attributes: { keras_version: '3.6.0' },
 *   children: {
 *     layers: { children: { dense: { children: { vars: {
 *       attributes: { name: 'dense' },
 *       children: {
 *         '0': { kind: 'dataset', shape: [2, 3], data: new Float32Array([1, 2, 3, 4, 5, 6]) },
 *         '1': { kind: 'dataset', shape: [3], data: new Float32Array(3) },
 *       },
 *     } } } } },
 *   },
 * });
 * readHdf5(bytes).children.get('layers');   // the group, as written
 * ```
 */
export function writeHdf5(root: Hdf5GroupSpec): Uint8Array {
  const tree = prepareGroup(root, '/', 0);
  const collections = layOutGlobalHeap(tree);
  // Addresses: the superblock, then each object and its structures depth-first, then the heap.
  let end = SUPERBLOCK_SIZE;
  const alloc = (size: number): number => {
    const at = align8(end);
    end = at + size;
    return at;
  };
  allocate(tree, alloc);
  for (const c of collections) c.address = alloc(c.size);
  const fileSize = align8(end);

  const out = new Uint8Array(fileSize);
  const w = new Writer(out);
  writeSuperblock(w, tree, fileSize);
  writeNode(w, tree);
  for (const c of collections) writeCollection(w, c);
  return out;
}

// ---------------------------------------------------------------------------------------------
// Preparing: validating the spec and encoding what does not depend on addresses.

function fail(path: string, detail: string): never {
  throw new Hdf5FormatError(`HDF5 writer: "${path}": ${detail}`);
}

function entries<T>(e: Hdf5Entries<T> | undefined, path: string, what: string): [string, T][] {
  if (e === undefined) return [];
  if (e instanceof Map) return [...(e as ReadonlyMap<string, T>).entries()];
  if (typeof e !== 'object' || e === null) fail(path, `${what} must be a Map or an object, got ${typeof e}`);
  return Object.keys(e).map((k) => [k, (e as { readonly [name: string]: T })[k]]);
}

/** False when `s` has a lone surrogate, which UTF-8 cannot encode (TextEncoder would silently replace it). */
function wellFormed(s: string): boolean {
  return !/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/.test(s);
}

function checkName(name: unknown, path: string, what: string): Uint8Array {
  if (typeof name !== 'string' || name === '') fail(path, `${what} names must be non-empty strings, got ${JSON.stringify(name)}`);
  if (name.includes('\0')) fail(path, `${what} name ${JSON.stringify(name)} contains a NUL character`);
  if (!wellFormed(name)) fail(path, `${what} name ${JSON.stringify(name)} is not well-formed Unicode (a lone surrogate)`);
  return encoder.encode(name);
}

function prepareGroup(spec: Hdf5GroupSpec, path: string, depth: number): Group {
  if (spec === null || typeof spec !== 'object') fail(path, `a group spec must be an object, got ${spec === null ? 'null' : typeof spec}`);
  if (depth > MAX_DEPTH) fail(path, `groups are nested more than ${MAX_DEPTH} deep (readers recurse: keep files shallower)`);
  const attributes = prepareAttributes(spec.attributes, path);
  const members: Group['members'] = [];
  for (const [name, child] of entries<Hdf5NodeSpec>(spec.children, path, 'children')) {
    const nameBytes = checkName(name, path, 'member');
    if (name.includes('/')) fail(path, `member name ${JSON.stringify(name)} contains "/" (a name is one path component)`);
    if (name === '.') fail(path, 'member name "." is reserved for the group itself');
    const childPath = path === '/' ? `/${name}` : `${path}/${name}`;
    members.push({ name, nameBytes, node: prepareNode(child, childPath, depth + 1) });
  }
  members.sort((a, b) => compareBytes(a.nameBytes, b.nameBytes));
  for (let i = 1; i < members.length; i++) {
    if (compareBytes(members[i - 1].nameBytes, members[i].nameBytes) === 0) fail(path, `two members named ${JSON.stringify(members[i].name)}`);
  }
  return {
    kind: 'group', path, attributes, members,
    header: 0, headerSize: 0, heap: 0, heapData: 0, heapDataSize: 0, nameOffsets: [], targetOffsets: [], btrees: [], root: 0, leaves: [],
  };
}

function prepareNode(spec: Hdf5NodeSpec, path: string, depth: number): Node {
  if (spec === null || typeof spec !== 'object') fail(path, `a member spec must be an object, got ${spec === null ? 'null' : typeof spec}`);
  const kind = (spec as { kind?: unknown }).kind;
  if (kind === 'dataset') return prepareDataset(spec as Hdf5DatasetSpec, path);
  if (kind === 'softLink') {
    const target = (spec as Hdf5Link & { kind: 'softLink' }).target;
    if (typeof target !== 'string' || target === '' || target.includes('\0') || !wellFormed(target)) fail(path, `a soft link needs a non-empty target path, got ${JSON.stringify(target)}`);
    return { kind: 'softLink', target };
  }
  if (kind === 'externalLink') fail(path, 'external links need new-style groups, which this writer does not produce');
  if (kind !== undefined && kind !== 'group') fail(path, `unknown member kind ${JSON.stringify(kind)} (expected 'group', 'dataset' or 'softLink')`);
  return prepareGroup(spec as Hdf5GroupSpec, path, depth);
}

function prepareDataset(spec: Hdf5DatasetSpec, path: string): Dataset {
  if (!Array.isArray(spec.shape)) fail(path, 'a dataset needs a shape (use [] for a scalar)');
  return { kind: 'dataset', path, attributes: prepareAttributes(spec.attributes, path), value: prepareValue(spec, path, 'dataset'), header: 0, headerSize: 0, data: 0 };
}

function prepareAttributes(spec: Hdf5Entries<Hdf5AttributeSpec> | undefined, path: string): Attribute[] {
  const out: Attribute[] = [];
  const seen = new Set<string>();
  for (const [name, a] of entries<Hdf5AttributeSpec>(spec, path, 'attributes')) {
    const nameBytes = checkName(name, path, 'attribute');
    if (seen.has(name)) fail(path, `two attributes named ${JSON.stringify(name)}`);
    seen.add(name);
    const what = `attribute "${name}"`;
    const value = typeof a === 'string' ? prepareValue({ data: [a], shape: [] }, path, what) : prepareValue(a, path, what);
    out.push({ name, nameBytes, value });
  }
  // Stored sorted by name, the order readers list them in, so that a read tree writes back identically.
  return out.sort((a, b) => compareBytes(a.nameBytes, b.nameBytes));
}

/** The dtype a typed array (or string list) holds by default. */
function defaultDtype(data: Hdf5Data): Hdf5Dtype | undefined {
  const order = 'little';
  if (Array.isArray(data)) return { class: 'string', size: 'variable', charset: 'utf-8', padding: 'null-terminated' };
  if (data instanceof Float32Array) return { class: 'float', bits: 32, order };
  if (data instanceof Float64Array) return { class: 'float', bits: 64, order };
  if (data instanceof Int8Array) return { class: 'int', bits: 8, signed: true, order };
  if (data instanceof Int16Array) return { class: 'int', bits: 16, signed: true, order };
  if (data instanceof Int32Array) return { class: 'int', bits: 32, signed: true, order };
  if (data instanceof BigInt64Array) return { class: 'int', bits: 64, signed: true, order };
  if (data instanceof Uint8Array) return { class: 'int', bits: 8, signed: false, order };
  if (data instanceof Uint16Array) return { class: 'int', bits: 16, signed: false, order };
  if (data instanceof Uint32Array) return { class: 'int', bits: 32, signed: false, order };
  if (data instanceof BigUint64Array) return { class: 'int', bits: 64, signed: false, order };
  return undefined;
}

/** The typed array class a dtype's values come in, by name (for messages) and check. */
function holds(dtype: Hdf5Dtype, data: Hdf5Data): string | undefined {
  if (dtype.class === 'string') return Array.isArray(data) ? undefined : 'string[]';
  if (dtype.class === 'float') {
    if (dtype.bits === 64) return data instanceof Float64Array ? undefined : 'Float64Array';
    return data instanceof Float32Array ? undefined : 'Float32Array';
  }
  const names: Record<number, [string, string]> = { 8: ['Int8Array', 'Uint8Array'], 16: ['Int16Array', 'Uint16Array'], 32: ['Int32Array', 'Uint32Array'], 64: ['BigInt64Array', 'BigUint64Array'] };
  const pair = names[dtype.bits];
  const name = pair[dtype.signed ? 0 : 1];
  return Object.prototype.toString.call(data) === `[object ${name}]` ? undefined : name;
}

function checkDtype(dtype: Hdf5Dtype, path: string, what: string): void {
  const bad = (detail: string): never => fail(path, `${what}: ${detail}`);
  if (dtype === null || typeof dtype !== 'object') bad('dtype must be an object');
  if (dtype.class === 'float') {
    if (![16, 32, 64].includes(dtype.bits)) bad(`float dtype of ${String(dtype.bits)} bits (16, 32 or 64)`);
  } else if (dtype.class === 'int') {
    if (![8, 16, 32, 64].includes(dtype.bits)) bad(`int dtype of ${String(dtype.bits)} bits (8, 16, 32 or 64)`);
    if (typeof dtype.signed !== 'boolean') bad('int dtype needs signed: true or false');
  } else if (dtype.class === 'string') {
    if (dtype.size !== 'variable' && !(Number.isSafeInteger(dtype.size) && dtype.size >= 1)) bad(`string size ${String(dtype.size)} (a positive integer or 'variable')`);
    if (dtype.charset !== 'ascii' && dtype.charset !== 'utf-8') bad(`string charset ${JSON.stringify(dtype.charset)} ('ascii' or 'utf-8')`);
    if (!['null-terminated', 'null-padded', 'space-padded'].includes(dtype.padding)) bad(`string padding ${JSON.stringify(dtype.padding)}`);
    return;
  } else {
    bad(`unknown dtype class ${JSON.stringify((dtype as { class?: unknown }).class)} ('float', 'int' or 'string')`);
  }
  if (dtype.order !== 'little' && dtype.order !== 'big') bad(`byte order ${JSON.stringify(dtype.order)} ('little' or 'big')`);
}

function prepareValue(spec: { data: Hdf5Data; shape?: readonly number[]; dtype?: Hdf5Dtype }, path: string, what: string): Value {
  if (spec === null || typeof spec !== 'object') fail(path, `${what}: expected a string or { data, shape?, dtype? }, got ${spec === null ? 'null' : typeof spec}`);
  const data = spec.data;
  const dtype = spec.dtype ?? defaultDtype(data);
  if (dtype === undefined) fail(path, `${what}: data must be a typed array or a string[], got ${Object.prototype.toString.call(data)}`);
  checkDtype(dtype, path, what);
  const wanted = holds(dtype, data);
  if (wanted !== undefined) fail(path, `${what}: a ${describeDtype(dtype)} value needs its data in a ${wanted}, got ${Object.prototype.toString.call(data).slice(8, -1)}`);
  const shape = spec.shape ?? [data.length];
  if (!Array.isArray(shape) || shape.length > 32 || shape.some((d) => !Number.isSafeInteger(d) || d < 0)) {
    fail(path, `${what}: shape ${JSON.stringify(shape)} must be a list of at most 32 non-negative integers`);
  }
  const count = shape.reduce((a, b) => a * b, 1);
  if (count !== data.length) fail(path, `${what}: shape [${shape.join(', ')}] holds ${count} elements, the data has ${data.length}`);
  const datatype = encodeDatatype(dtype);
  const dataspace = encodeDataspace(shape);
  if (dtype.class === 'string') {
    const strings = (data as string[]).map((s, i) => encodeString(s, dtype, path, `${what}, element ${i}`));
    if (dtype.size === 'variable') return { dtype, shape, datatype, dataspace, raw: null, strings };
    const size = dtype.size;
    const raw = new Uint8Array(count * size);
    if (dtype.padding === 'space-padded') raw.fill(0x20);
    strings.forEach((s, i) => {
      const limit = dtype.padding === 'null-terminated' ? size - 1 : size;
      if (s.length > limit) fail(path, `${what}, element ${i}: ${s.length} bytes do not fit a ${dtype.padding} string of size ${size}`);
      raw.set(s, i * size);
    });
    return { dtype, shape, datatype, dataspace, raw, strings: null };
  }
  return { dtype, shape, datatype, dataspace, raw: encodeNumbers(data as Exclude<Hdf5Data, string[]>, dtype), strings: null };
}

function describeDtype(d: Hdf5Dtype): string {
  if (d.class === 'string') return `${d.size === 'variable' ? 'variable-length' : `${d.size}-byte`} string`;
  return d.class === 'float' ? `float${d.bits}` : `${d.signed ? 'int' : 'uint'}${d.bits}`;
}

function encodeString(s: unknown, dtype: Hdf5Dtype & { class: 'string' }, path: string, what: string): Uint8Array {
  if (typeof s !== 'string') fail(path, `${what}: expected a string, got ${typeof s}`);
  if (!wellFormed(s)) fail(path, `${what}: not well-formed Unicode (a lone surrogate)`);
  // Readers (C, h5py, readHdf5) end a string at its first NUL, and drop a space-padded one's trailing spaces.
  if (s.includes('\0')) fail(path, `${what}: a NUL character cannot be stored in an HDF5 string`);
  if (dtype.padding === 'space-padded' && dtype.size !== 'variable' && s.endsWith(' ')) fail(path, `${what}: a space-padded string cannot end with a space`);
  const bytes = encoder.encode(s);
  if (dtype.charset === 'ascii' && bytes.some((b) => b >= 0x80)) fail(path, `${what}: ${JSON.stringify(s)} is not ASCII (use charset 'utf-8')`);
  return bytes;
}

function encodeNumbers(data: Exclude<Hdf5Data, string[]>, dtype: Hdf5Dtype & { class: 'float' | 'int' }): Uint8Array {
  if (dtype.class === 'float' && dtype.bits === 16) {
    const out = new Uint8Array(data.length * 2);
    const f = data as Float32Array;
    const bits = new Uint32Array(f.buffer, f.byteOffset, f.length);
    for (let i = 0; i < f.length; i++) {
      const h = float32BitsToHalf(bits[i]);
      if (dtype.order === 'little') {
        out[2 * i] = h & 0xff;
        out[2 * i + 1] = h >> 8;
      } else {
        out[2 * i] = h >> 8;
        out[2 * i + 1] = h & 0xff;
      }
    }
    return out;
  }
  const view = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  // In the host's order the bytes are written straight from the caller's array (no copy: weights
  // can be hundreds of megabytes); in the other order, from a swapped copy.
  if ((dtype.order === 'little') === HOST_LITTLE_ENDIAN) return view;
  const out = view.slice();
  swapBytes(out, dtype.bits / 8);
  return out;
}

/**
 * The IEEE half nearest to a float32 (given by its bits), ties to even; overflow gives infinity,
 * NaN stays NaN.
 */
export function float32BitsToHalf(f: number): number {
  const sign = (f >>> 16) & 0x8000;
  const exponent = (f >>> 23) & 0xff;
  let mantissa = f & 0x7fffff;
  if (exponent === 0xff) return sign | 0x7c00 | (mantissa !== 0 ? 0x200 | (mantissa >>> 13) : 0);
  const e = exponent - 127 + 15;
  if (e >= 31) return sign | 0x7c00;
  if (e <= 0) {
    // A half subnormal (or zero): value = m·2^-24 with m = mantissa (with its implicit 1) >> shift.
    if (e < -10) return sign;
    mantissa |= 0x800000;
    const shift = 14 - e;
    let half = mantissa >>> shift;
    const rest = mantissa & ((1 << shift) - 1);
    const halfway = 1 << (shift - 1);
    if (rest > halfway || (rest === halfway && (half & 1) === 1)) half++;
    return sign | half;
  }
  let half = sign | (e << 10) | (mantissa >>> 13);
  const rest = mantissa & 0x1fff;
  // NOTE: a carry out of the mantissa correctly bumps the exponent (up to infinity).
  if (rest > 0x1000 || (rest === 0x1000 && (half & 1) === 1)) half++;
  return half;
}

function encodeDatatype(d: Hdf5Dtype): Uint8Array {
  const w = new Writer(new Uint8Array(d.class === 'float' ? 20 : d.class === 'int' ? 12 : d.size === 'variable' ? 20 : 8));
  const order = d.class === 'string' ? 0 : d.order === 'big' ? 1 : 0;
  if (d.class === 'float') {
    const layout = { 16: [10, 5, 10, 15], 32: [23, 8, 23, 127], 64: [52, 11, 52, 1023] }[d.bits];
    w.u8(0x11).u8(order | 0x20).u8(d.bits - 1).u8(0).u32(d.bits / 8);
    w.u16(0).u16(d.bits).u8(layout[0]).u8(layout[1]).u8(0).u8(layout[2]).u32(layout[3]);
  } else if (d.class === 'int') {
    w.u8(0x10).u8(order | (d.signed ? 8 : 0)).u8(0).u8(0).u32(d.bits / 8).u16(0).u16(d.bits);
  } else {
    const padding = { 'null-terminated': 0, 'null-padded': 1, 'space-padded': 2 }[d.padding];
    const charset = d.charset === 'ascii' ? 0 : 1;
    if (d.size === 'variable') {
      // A variable-length string: its characters are 1-byte unsigned integers, as h5py writes.
      w.u8(0x19).u8(1 | (padding << 4)).u8(charset).u8(0).u32(16);
      w.u8(0x10).u8(0).u8(0).u8(0).u32(1).u16(0).u16(8);
    } else {
      w.u8(0x13).u8(padding | (charset << 4)).u8(0).u8(0).u32(d.size);
    }
  }
  return w.bytes;
}

function encodeDataspace(shape: readonly number[]): Uint8Array {
  const w = new Writer(new Uint8Array(8 + 16 * shape.length));
  w.u8(1).u8(shape.length).u8(shape.length > 0 ? 1 : 0).u8(0).u32(0);
  for (const d of shape) w.u64(d);
  for (const d of shape) w.u64(d); // maximum dimensions: the same (a fixed-size dataset)
  return w.bytes;
}

// ---------------------------------------------------------------------------------------------
// The global heap: every variable-length string is one object.

interface Collection {
  address: number;
  size: number;
  objects: Uint8Array[];
}

function layOutGlobalHeap(tree: Group): Collection[] {
  const collections: Collection[] = [];
  let current: Collection | undefined;
  let used = 16;
  const add = (value: Value): void => {
    if (value.strings === null) return;
    value.heapIds = value.strings.map((s) => {
      const need = 16 + align8(s.length);
      if (current === undefined || current.objects.length >= 65535 || (used + need > 65536 && current.objects.length > 0)) {
        current = { address: 0, size: 0, objects: [] };
        collections.push(current);
        used = 16;
      }
      current.objects.push(s);
      used += need;
      current.size = collectionSize(used);
      return { collection: current, index: current.objects.length };
    });
  };
  const visit = (node: Node): void => {
    if (node.kind === 'softLink') return;
    for (const a of node.attributes) add(a.value);
    if (node.kind === 'dataset') add(node.value);
    else for (const m of node.members) visit(m.node);
  };
  visit(tree);
  return collections;
}

/** At least 4096 bytes (libhdf5 reads that much first), and room for a free-space object or none. */
function collectionSize(used: number): number {
  if (used >= MIN_COLLECTION) return used;
  const free = MIN_COLLECTION - used;
  return free === 0 || free >= 16 ? MIN_COLLECTION : MIN_COLLECTION + 8;
}

// ---------------------------------------------------------------------------------------------
// Addresses.

function attributeMessageSize(a: Attribute): number {
  const ascii = a.nameBytes.every((b) => b < 0x80);
  const dataSize = a.value.raw !== null ? a.value.raw.length : 16 * (a.value.strings?.length ?? 0);
  const nameSize = a.nameBytes.length + 1;
  return ascii
    ? 8 + align8(nameSize) + align8(a.value.datatype.length) + align8(a.value.dataspace.length) + dataSize
    : 9 + nameSize + a.value.datatype.length + a.value.dataspace.length + dataSize;
}

function headerSize(path: string, messages: number[]): number {
  let size = 16;
  for (const m of messages) size += 8 + align8(m);
  for (const m of messages) {
    if (align8(m) > MAX_MESSAGE) {
      fail(path, `a ${m}-byte header message (an attribute over 64 KiB) does not fit a version-1 object header; split the attribute (Keras writes layer_names0, layer_names1, ...)`);
    }
  }
  return size;
}

function allocate(node: Node, alloc: (size: number) => number): void {
  if (node.kind === 'softLink') return;
  const attributeSizes = node.attributes.map(attributeMessageSize);
  if (node.kind === 'dataset') {
    const v = node.value;
    node.headerSize = headerSize(node.path, [v.dataspace.length, v.datatype.length, 8, 18, ...attributeSizes]);
    node.header = alloc(node.headerSize);
    const size = v.raw !== null ? v.raw.length : 16 * (v.strings?.length ?? 0);
    node.data = size === 0 ? UNDEFINED : alloc(size);
    return;
  }
  node.headerSize = headerSize(node.path, [16, ...attributeSizes]);
  node.header = alloc(node.headerSize);
  // The local heap: "" at offset 0, then each name (and soft link target), NUL-terminated, padded to 8.
  let heapSize = 8;
  for (const m of node.members) {
    node.nameOffsets.push(heapSize);
    heapSize += align8(m.nameBytes.length + 1);
    if (m.node.kind === 'softLink') {
      node.targetOffsets.push(heapSize);
      heapSize += align8(encoder.encode(m.node.target).length + 1);
    } else {
      node.targetOffsets.push(undefined);
    }
  }
  node.heapDataSize = heapSize;
  node.heap = alloc(32);
  node.heapData = alloc(heapSize);
  // Leaves of 8 entries, then B-tree levels of up to 32 children until one node is left.
  const leafCount = Math.ceil(node.members.length / (2 * LEAF_K));
  for (let i = 0; i < leafCount; i++) node.leaves.push(alloc(SNOD_SIZE));
  // The key after a child: the heap offset of the last name under it.
  let level: { address: number; lastKey: number }[] = node.leaves.map((address, i) => ({
    address,
    lastKey: node.nameOffsets[Math.min(node.members.length, (i + 1) * 2 * LEAF_K) - 1],
  }));
  let depth = 0;
  do {
    const next: { address: number; lastKey: number }[] = [];
    for (let i = 0; i < Math.max(1, level.length); i += 2 * INTERNAL_K) {
      const group = level.slice(i, i + 2 * INTERNAL_K);
      const firstKey = i === 0 ? 0 : level[i - 1].lastKey;
      const address = alloc(BTREE_SIZE);
      node.btrees.push({ address, level: depth, children: group.map((g) => g.address), keys: [firstKey, ...group.map((g) => g.lastKey)] });
      next.push({ address, lastKey: group.length > 0 ? group[group.length - 1].lastKey : 0 });
    }
    level = next;
    depth++;
  } while (level.length > 1);
  node.root = level[0].address;
  for (const m of node.members) allocate(m.node, alloc);
}

// ---------------------------------------------------------------------------------------------
// Bytes.

/** Little-endian writes at a moving position. */
class Writer {
  pos = 0;
  private readonly view: DataView;
  constructor(readonly bytes: Uint8Array) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }
  at(pos: number): this {
    this.pos = pos;
    return this;
  }
  u8(v: number): this {
    this.bytes[this.pos++] = v;
    return this;
  }
  u16(v: number): this {
    this.view.setUint16(this.pos, v, true);
    this.pos += 2;
    return this;
  }
  u32(v: number): this {
    this.view.setUint32(this.pos, v, true);
    this.pos += 4;
    return this;
  }
  /** A 64-bit field; -1 (UNDEFINED) writes the undefined address, all bits set. */
  u64(v: number): this {
    if (v === UNDEFINED) {
      this.view.setUint32(this.pos, 0xffffffff, true);
      this.view.setUint32(this.pos + 4, 0xffffffff, true);
    } else {
      this.view.setUint32(this.pos, v % 2 ** 32, true);
      this.view.setUint32(this.pos + 4, Math.floor(v / 2 ** 32), true);
    }
    this.pos += 8;
    return this;
  }
  raw(b: Uint8Array): this {
    this.bytes.set(b, this.pos);
    this.pos += b.length;
    return this;
  }
  pad8(from: number): this {
    this.pos = from + align8(this.pos - from);
    return this;
  }
}

const SIGNATURE = [0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a];

function writeSuperblock(w: Writer, root: Group, fileSize: number): void {
  w.at(0);
  for (const b of SIGNATURE) w.u8(b);
  w.u8(0).u8(0).u8(0).u8(0).u8(0).u8(8).u8(8).u8(0); // versions, sizes of offsets and lengths
  w.u16(LEAF_K).u16(INTERNAL_K).u32(0);
  w.u64(0).u64(UNDEFINED).u64(fileSize).u64(UNDEFINED); // base, free space, end of file, driver info
  writeEntry(w, 0, root.header, 1, root.root, root.heap);
}

/** A symbol table entry: name offset, header address, cache type and scratch pad. */
function writeEntry(w: Writer, nameOffset: number, header: number, cacheType: number, scratchA: number, scratchB: number): void {
  w.u64(nameOffset).u64(header).u32(cacheType).u32(0);
  if (cacheType === 1) w.u64(scratchA).u64(scratchB);
  else if (cacheType === 2) w.u32(scratchA).u32(0).u64(0);
  else w.u64(0).u64(0);
}

/** Writes a version-1 object header holding `messages` ([type, data]). */
function writeHeader(w: Writer, address: number, size: number, messages: [number, Uint8Array][]): void {
  w.at(address).u8(1).u8(0).u16(messages.length).u32(1).u32(size - 16).u32(0);
  for (const [type, data] of messages) {
    w.u16(type).u16(align8(data.length)).u8(type === 0x03 || type === 0x05 ? 1 : 0).u8(0).u8(0).u8(0);
    const start = w.pos;
    w.raw(data).pad8(start);
  }
  if (w.pos !== address + size) throw new Error(`internal error: object header at ${address} is ${w.pos - address} bytes, ${size} allocated`);
}

/** The bytes of a value as stored: its raw elements, or 16-byte heap references for strings. */
function valueBytes(v: Value): Uint8Array {
  if (v.raw !== null) return v.raw;
  const strings = v.strings ?? [];
  const out = new Writer(new Uint8Array(16 * strings.length));
  strings.forEach((s, i) => {
    const id = v.heapIds![i];
    out.u32(s.length).u64(id.collection.address).u32(id.index);
  });
  return out.bytes;
}

function attributeMessage(a: Attribute): Uint8Array {
  const value = valueBytes(a.value);
  const ascii = a.nameBytes.every((b) => b < 0x80);
  const w = new Writer(new Uint8Array(attributeMessageSize(a)));
  const nameSize = a.nameBytes.length + 1;
  if (ascii) {
    w.u8(1).u8(0).u16(nameSize).u16(a.value.datatype.length).u16(a.value.dataspace.length);
    w.raw(a.nameBytes).u8(0).pad8(0);
    const t = w.pos;
    w.raw(a.value.datatype).pad8(t);
    const s = w.pos;
    w.raw(a.value.dataspace).pad8(s);
  } else {
    // Version 3: the same fields unpadded, with the name's character set (1 = UTF-8).
    w.u8(3).u8(0).u16(nameSize).u16(a.value.datatype.length).u16(a.value.dataspace.length).u8(1);
    w.raw(a.nameBytes).u8(0).raw(a.value.datatype).raw(a.value.dataspace);
  }
  w.raw(value);
  return w.bytes;
}

function writeNode(w: Writer, node: Node): void {
  if (node.kind === 'softLink') return;
  const attributes: [number, Uint8Array][] = node.attributes.map((a) => [0x0c, attributeMessage(a)]);
  if (node.kind === 'dataset') {
    const v = node.value;
    const layout = new Writer(new Uint8Array(18)).u8(3).u8(1).u64(node.data).u64(v.raw !== null ? v.raw.length : 16 * (v.strings?.length ?? 0)).bytes;
    // Fill value version 2: allocation late, write "if set", defined with size 0 = the default (zeros).
    const fill = new Uint8Array([2, 2, 2, 1, 0, 0, 0, 0]);
    writeHeader(w, node.header, node.headerSize, [[0x01, v.dataspace], [0x03, v.datatype], [0x05, fill], [0x08, layout], ...attributes]);
    if (node.data !== UNDEFINED) w.at(node.data).raw(valueBytes(v));
    return;
  }
  const symbolTable = new Writer(new Uint8Array(16)).u64(node.root).u64(node.heap).bytes;
  writeHeader(w, node.header, node.headerSize, [[0x11, symbolTable], ...attributes]);
  // Local heap: header, then the names.
  w.at(node.heap).raw(encoder.encode('HEAP')).u8(0).u8(0).u8(0).u8(0);
  w.u64(node.heapDataSize).u64(1).u64(node.heapData); // free list "1" = none (libhdf5's H5HL_FREE_NULL)
  node.members.forEach((m, i) => {
    w.at(node.heapData + node.nameOffsets[i]).raw(m.nameBytes);
    const target = node.targetOffsets[i];
    if (target !== undefined && m.node.kind === 'softLink') w.at(node.heapData + target).raw(encoder.encode(m.node.target));
  });
  // Symbol table nodes.
  node.leaves.forEach((leaf, l) => {
    const members = node.members.slice(l * 2 * LEAF_K, (l + 1) * 2 * LEAF_K);
    w.at(leaf).raw(encoder.encode('SNOD')).u8(1).u8(0).u16(members.length);
    members.forEach((m, j) => {
      const nameOffset = node.nameOffsets[l * 2 * LEAF_K + j];
      const child = m.node;
      if (child.kind === 'group') writeEntry(w, nameOffset, child.header, 1, child.root, child.heap);
      else if (child.kind === 'dataset') writeEntry(w, nameOffset, child.header, 0, 0, 0);
      else writeEntry(w, nameOffset, UNDEFINED, 2, node.targetOffsets[l * 2 * LEAF_K + j]!, 0);
    });
  });
  // B-tree nodes: siblings linked level by level.
  for (const b of node.btrees) {
    const row = node.btrees.filter((o) => o.level === b.level);
    const i = row.indexOf(b);
    w.at(b.address).raw(encoder.encode('TREE')).u8(0).u8(b.level).u16(b.children.length);
    w.u64(i > 0 ? row[i - 1].address : UNDEFINED).u64(i + 1 < row.length ? row[i + 1].address : UNDEFINED);
    w.u64(b.keys[0]);
    b.children.forEach((child, k) => w.u64(child).u64(b.keys[k + 1]));
  }
  for (const m of node.members) writeNode(w, m.node);
}

function writeCollection(w: Writer, c: Collection): void {
  w.at(c.address).raw(encoder.encode('GCOL')).u8(1).u8(0).u8(0).u8(0).u64(c.size);
  c.objects.forEach((o, i) => {
    w.u16(i + 1).u16(1).u32(0).u64(o.length);
    const start = w.pos;
    w.raw(o).pad8(start);
  });
  const free = c.address + c.size - w.pos;
  if (free >= 16) w.u16(0).u16(0).u32(0).u64(free);
}
