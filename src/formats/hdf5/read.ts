// readHdf5: the superblock, then a walk from the root group through every object header.
//
// The superblock sits at byte 0 (or 512, 1024, ... after a user block) and starts with the
// signature \x89HDF\r\n\x1a\n. Version 0 (every Keras file) then gives the sizes of addresses and
// lengths, the B-tree K values, the base address, the end-of-file address, and the root group's
// symbol table entry (its object header address, and in its scratch pad the root's B-tree and
// local heap). Versions 2 and 3 (newer libvers) are shorter: sizes, base, end of file, the root's
// object header address, and a checksum.
//
// Every object is read once: an object reached by two hard links is the same record, and a group
// reached again while it is still being read (a cycle) is an error.

import { type Cursor, cursorAt, decodeUtf8, type FileContext } from './bytes.js';
import { readDenseAttributes } from './dense.js';
import { Hdf5FormatError } from './errors.js';
import { compareBytes, readGroupMembers } from './groups.js';
import { MESSAGE_FLAGS, checkChecksum, readObjectHeader, type Message } from './object_header.js';
import {
  FILTER_NAMES,
  MSG,
  readAttributeMessage,
  readDataspace,
  readDatatype,
  readDenseInfo,
  readFillValue,
  readFilters,
  readLayout,
  type Filter,
} from './messages.js';
import { type ReadState } from './state.js';
import { readStoredBytes } from './storage.js';
import type { Hdf5Attribute, Hdf5Dataset, Hdf5Group, Hdf5Node } from './types.js';
import { decodeValues, elementCount } from './values.js';

/**
 * Limits of {@link readHdf5}.
 *
 * @example
 * ```ts
 * const root = readHdf5(bytes, { maxValueBytes: 2 ** 31, maxDepth: 64 });
 * ```
 */
export interface Hdf5ReadOptions {
  /**
   * The most bytes of values the reader may allocate: the arrays it returns, the strings, and
   * the chunks it decompresses on the way. Default: four times the file's size, or 256 MiB if
   * that is more (an uncompressed file needs at most its own size). A file
   * that needs more is refused with an Hdf5FormatError naming this option.
   */
  readonly maxValueBytes?: number;
  /** The deepest nesting of groups accepted: an integer from 1 to 1000 (the reader recurses). Default 256. */
  readonly maxDepth?: number;
}

const SIGNATURE = [0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a];
/** Deeper nesting than this could exhaust the call stack of the recursive walk (2000 levels measured fine). */
export const MAX_DEPTH = 1000;

/**
 * Reads an HDF5 file: its root group, with every group, dataset and attribute below it, and every
 * dataset's values. Synchronous, and it never follows soft or external links (they are reported
 * as `softLink` / `externalLink` members).
 *
 * @param bytes The whole file.
 * @param options Limits (`maxValueBytes`, `maxDepth`).
 * @returns The root group.
 * @throws Hdf5FormatError when the file is not HDF5, is truncated or corrupt, exceeds a limit, or
 *   uses a feature the reader does not implement; the message names the structure and its offset.
 *
 * @example
 * ```ts
 * const root = readHdf5(new Uint8Array(readFileSync('model.weights.h5')));
 * const kernel = getNode(root, 'layers/dense/vars/0');
 * if (kernel?.kind === 'dataset') console.log(kernel.shape, kernel.dtype, kernel.data);
 * ```
 */
export function readHdf5(bytes: Uint8Array, options: Hdf5ReadOptions = {}): Hdf5Group {
  if (!(bytes instanceof Uint8Array)) throw new Hdf5FormatError(`readHdf5 expects a Uint8Array, got ${describe(bytes)}`);
  const maxDepth = options.maxDepth ?? 256;
  if (!Number.isInteger(maxDepth) || maxDepth < 1 || maxDepth > MAX_DEPTH) throw new Hdf5FormatError(`readHdf5: maxDepth must be an integer from 1 to ${MAX_DEPTH}, got ${maxDepth}`);
  const { file, root } = readSuperblock(bytes);
  const state: ReadState = {
    file,
    metadata: { used: 0, limit: 4 * bytes.length + 65536 },
    values: { used: 0, limit: options.maxValueBytes ?? Math.max(4 * bytes.length, 256 * 2 ** 20) },
    visited: new Set(),
    globalHeaps: new Map(),
    strings: new Map(),
    maxDepth,
  };
  const walker = new Walker(state);
  const node = walker.object(root, '/', 0);
  if (node.kind !== 'group') throw new Hdf5FormatError(`HDF5 root object at byte ${file.base + root} is a dataset, not a group`, file.base + root);
  return node;
}

/**
 * True when `bytes` starts with the HDF5 signature (`\x89HDF\r\n\x1a\n`) at byte 0, as every
 * `.h5` file written by h5py does: a cheap sniff, not a check that the file is valid.
 *
 * @example
 * ```ts
 * isHdf5(bytes) ? readHdf5(bytes) : undefined;
 * ```
 */
export function isHdf5(bytes: Uint8Array): boolean {
  return bytes.length >= 8 && SIGNATURE.every((b, i) => bytes[i] === b);
}

function describe(v: unknown): string {
  return v === null ? 'null' : typeof v === 'object' ? (v.constructor?.name ?? 'an object') : typeof v;
}

/** Finds and decodes the superblock; returns the file's sizes and the root object header address. */
function readSuperblock(bytes: Uint8Array): { file: FileContext; root: number } {
  let at = -1;
  for (let p = 0; p + 8 <= bytes.length; p = p === 0 ? 512 : p * 2) {
    if (SIGNATURE.every((b, i) => bytes[p + i] === b)) {
      at = p;
      break;
    }
  }
  if (at === -1) {
    throw new Hdf5FormatError(`not an HDF5 file: no superblock signature (\\x89HDF\\r\\n\\x1a\\n) at byte 0, 512, 1024, ... of ${bytes.length} bytes`, 0);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  // Sizes are unknown until the superblock says them; read it with 8-byte fields first.
  const probe: FileContext = { bytes, view, offsetSize: 8, lengthSize: 8, base: 0 };
  const c = cursorAt(probe, at + 8, 'superblock');
  const version = c.u8();
  let offsetSize: number;
  let lengthSize: number;
  if (version === 0 || version === 1) {
    c.skip(4); // free-space, root entry, reserved, shared header versions
    offsetSize = c.u8();
    lengthSize = c.u8();
    c.skip(1);
    c.u16(); // group leaf node K
    c.u16(); // group internal node K
    c.u32(); // consistency flags
    if (version === 1) c.skip(4); // indexed storage K, reserved
  } else if (version === 2 || version === 3) {
    offsetSize = c.u8();
    lengthSize = c.u8();
    c.u8(); // consistency flags
  } else {
    return c.fail(`superblock version ${version} is not supported (0 to 3 are)`, at + 8);
  }
  for (const [name, size] of [['offsets', offsetSize], ['lengths', lengthSize]] as const) {
    if (size !== 2 && size !== 4 && size !== 8) c.fail(`size of ${name} ${size} (must be 2, 4 or 8)`, at + 8);
  }
  // Addresses are relative to the superblock's position (libhdf5 uses it as the base address).
  const file: FileContext = { bytes, view, offsetSize, lengthSize, base: at };
  const s: Cursor = cursorAt(file, c.pos - at, 'superblock');
  s.optionalAddress(); // base address
  let root: number;
  if (version <= 1) {
    s.optionalAddress(); // free-space info
    const eof = s.address('end-of-file');
    s.optionalAddress(); // driver info
    checkEnd(bytes, at, eof);
    s.optionalAddress(); // root entry: link name offset
    root = s.address('root group object header');
    s.skip(8 + 16); // cache type, reserved, scratch pad
  } else {
    s.optionalAddress(); // superblock extension (holds nothing the reader needs)
    const eof = s.address('end-of-file');
    root = s.address('root group object header');
    checkChecksum(s, at, s.pos, 'superblock');
    checkEnd(bytes, at, eof);
  }
  return { file, root };
}

function checkEnd(bytes: Uint8Array, base: number, eof: number): void {
  if (base + eof > bytes.length) {
    throw new Hdf5FormatError(`HDF5 file is truncated: the superblock says it ends at byte ${base + eof}, but it has ${bytes.length} bytes`, bytes.length);
  }
}

/** Reads objects, each once. */
class Walker {
  private readonly done = new Map<number, Hdf5Group | Hdf5Dataset>();
  /** The groups being read (the current path from the root), by address. */
  private readonly open = new Map<number, string>();

  constructor(private readonly state: ReadState) {}

  private readonly decodeName = (bytes: Uint8Array, at: number): string => decodeUtf8(bytes, 'name', at);

  object(address: number, path: string, depth: number): Hdf5Group | Hdf5Dataset {
    const known = this.done.get(address);
    if (known !== undefined) return known;
    const at = this.state.file.base + address;
    const ancestor = this.open.get(address);
    if (ancestor !== undefined) throw new Hdf5FormatError(`HDF5 "${path}" at byte ${at} leads back to the group "${ancestor}" that contains it (a cycle of hard links)`, at);
    if (depth > this.state.maxDepth) throw new Hdf5FormatError(`HDF5 object "${path}" at byte ${at} is nested more than ${this.state.maxDepth} groups deep (the maxDepth option)`, at);
    this.open.set(address, path);
    const messages = readObjectHeader(this.state, address);
    const attributes = this.attributes(messages, path);
    const members = readGroupMembers(this.state, messages, this.decodeName);
    let node: Hdf5Group | Hdf5Dataset;
    if (members !== undefined) {
      const children = new Map<string, Hdf5Node>();
      for (const { name, link } of members) {
        if (children.has(name)) throw new Hdf5FormatError(`HDF5 group "${path}" at byte ${at} has two members named "${name}"`, at);
        const childPath = path === '/' ? `/${name}` : `${path}/${name}`;
        children.set(name, link.kind === 'hard' ? this.object(link.address, childPath, depth + 1) : link);
      }
      node = { kind: 'group', attributes, children, address: at };
    } else {
      node = this.dataset(messages, attributes, path, at);
    }
    this.open.delete(address);
    this.done.set(address, node);
    return node;
  }

  private cursor(m: Message, what: string): Cursor {
    if ((m.flags & MESSAGE_FLAGS.SHARED) !== 0) {
      throw new Hdf5FormatError(`HDF5 ${what} message at byte ${m.start} is shared (stored elsewhere, e.g. a committed datatype), which is not supported`, m.start);
    }
    return cursorAt(this.state.file, m.start - this.state.file.base, `${what} message`, m.size);
  }

  private attributes(messages: readonly Message[], path: string): Map<string, Hdf5Attribute> {
    const cursors: Cursor[] = [];
    for (const m of messages) {
      if (m.type === MSG.ATTRIBUTE) cursors.push(this.cursor(m, 'attribute'));
      if (m.type === MSG.ATTRIBUTE_INFO) {
        const info = readDenseInfo(this.cursor(m, 'attribute info'), MSG.ATTRIBUTE_INFO);
        if (info.heap !== undefined && info.nameIndex !== undefined) cursors.push(...readDenseAttributes(this.state, info.heap, info.nameIndex));
      }
    }
    const found: { name: string; bytes: Uint8Array; attribute: Hdf5Attribute }[] = [];
    const names = new Set<string>();
    for (const c of cursors) {
      const at = c.pos;
      const parts = readAttributeMessage(c, this.decodeName);
      const what = `attribute "${parts.name}" of "${path}"`;
      if (names.has(parts.name)) throw new Hdf5FormatError(`HDF5 ${what} at byte ${at} appears twice`, at);
      names.add(parts.name);
      const count = elementCount(parts.shape, what, at);
      const size = count * parts.type.size;
      if (size > parts.value.remaining()) {
        parts.value.fail(`the value needs ${size} bytes (${count} elements of ${parts.type.size}), the message has ${parts.value.remaining()}`);
      }
      const data = decodeValues(this.state, parts.value.bytes(size), parts.type, count, what, at);
      found.push({ name: parts.name, bytes: new TextEncoder().encode(parts.name), attribute: { dtype: parts.type.dtype, shape: parts.shape, data } });
    }
    // Listed by name, bytewise, as h5py lists them (dense storage keeps them in hash order).
    found.sort((a, b) => compareBytes(a.bytes, b.bytes));
    return new Map(found.map((f) => [f.name, f.attribute]));
  }

  private dataset(messages: readonly Message[], attributes: Map<string, Hdf5Attribute>, path: string, at: number): Hdf5Dataset {
    const find = (type: number): Message | undefined => messages.find((m) => m.type === type);
    const space = find(MSG.DATASPACE);
    const type = find(MSG.DATATYPE);
    const layoutMessage = find(MSG.LAYOUT);
    if (layoutMessage === undefined) {
      const what = type !== undefined && space === undefined ? 'a committed (named) datatype, which is not supported' : 'neither a group nor a dataset (no symbol table, links or data layout)';
      throw new Hdf5FormatError(`HDF5 object "${path}" at byte ${at} is ${what}`, at);
    }
    if (space === undefined || type === undefined) throw new Hdf5FormatError(`HDF5 dataset "${path}" at byte ${at} has no ${space === undefined ? 'dataspace' : 'datatype'} message`, at);
    if (find(MSG.EXTERNAL_FILES) !== undefined) throw new Hdf5FormatError(`HDF5 dataset "${path}" at byte ${at} keeps its data in external files, which is not supported`, at);
    const shape = readDataspace(this.cursor(space, 'dataspace'));
    const datatype = readDatatype(this.cursor(type, 'datatype'));
    const layout = readLayout(this.cursor(layoutMessage, 'data layout'));
    const fillMessage = find(MSG.FILL) ?? find(MSG.FILL_OLD);
    const fill = fillMessage === undefined ? undefined : readFillValue(this.cursor(fillMessage, 'fill value'), fillMessage.type);
    const filterMessage = find(MSG.FILTERS);
    const filters: Filter[] = filterMessage === undefined ? [] : readFilters(this.cursor(filterMessage, 'filter pipeline'));
    const count = elementCount(shape, `dataset "${path}"`, at);
    const raw = readStoredBytes(this.state, { layout, filters, type: datatype, shape, count, fill, path, at });
    const data = decodeValues(this.state, raw, datatype, count, `dataset "${path}"`, at);
    const storage = {
      layout: layout.kind,
      ...(layout.kind === 'chunked' ? { chunks: layout.chunk } : {}),
      filters: filters.map((f) => FILTER_NAMES[f.id] ?? f.name),
    };
    return { kind: 'dataset', shape, dtype: datatype.dtype, data, attributes, storage, address: at };
  }
}
