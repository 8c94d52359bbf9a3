// Decoders of the object header messages the reader understands. Each takes a Cursor limited to
// the message's bytes and returns a plain description; anything the reader does not implement
// is an Hdf5FormatError naming the feature and the offset, never a guess.
//
//   0x0001 dataspace        the dimensions (version 1: rank 0 = scalar; version 2 adds "null")
//   0x0002 link info        new-style group: where its dense link storage is (fractal heap + v2 B-tree)
//   0x0003 datatype         the element type: fixed-point, floating-point, string, variable-length
//   0x0004 fill value (old) 0x0005 fill value: the value of elements never written
//   0x0006 link             new-style group member stored in the header ("compact" storage)
//   0x0008 data layout      contiguous (address, size), compact (bytes inline) or chunked (index)
//   0x000B filter pipeline  deflate, shuffle, fletcher32, ...
//   0x000C attribute        name, datatype, dataspace and the value itself
//   0x0010 continuation     more messages in another block
//   0x0011 symbol table     old-style group: its v1 B-tree and local heap
//   0x0015 attribute info   where dense attribute storage is

import { Cursor } from './bytes.js';
import type { Hdf5Dtype } from './types.js';

export const MSG = {
  NIL: 0x00,
  DATASPACE: 0x01,
  LINK_INFO: 0x02,
  DATATYPE: 0x03,
  FILL_OLD: 0x04,
  FILL: 0x05,
  LINK: 0x06,
  EXTERNAL_FILES: 0x07,
  LAYOUT: 0x08,
  GROUP_INFO: 0x0a,
  FILTERS: 0x0b,
  ATTRIBUTE: 0x0c,
  CONTINUATION: 0x10,
  SYMBOL_TABLE: 0x11,
  ATTRIBUTE_INFO: 0x15,
} as const;

/** A datatype as the reader uses it: the public description, the bytes per element, and its class. */
export interface Datatype {
  readonly dtype: Hdf5Dtype;
  /** Bytes per element in the file (16 for a variable-length string: length, heap address, index). */
  readonly size: number;
  /** True for a variable-length string (the element is a reference into the global heap). */
  readonly variable: boolean;
}

/** The H5T class numbers, for error messages. */
const CLASS_NAMES = ['fixed-point', 'floating-point', 'time', 'string', 'bitfield', 'opaque', 'compound', 'reference', 'enum', 'variable-length', 'array', 'complex'];

/** Decodes a datatype message (also used inside attributes and as the base of a variable-length type). */
export function readDatatype(c: Cursor): Datatype {
  const start = c.pos;
  const classAndVersion = c.u8();
  const cls = classAndVersion & 15;
  const version = classAndVersion >> 4;
  const b0 = c.u8();
  const b1 = c.u8();
  c.u8(); // third byte of the class bit field: unused by the classes read here
  const size = c.u32();
  const className = CLASS_NAMES[cls] ?? `unknown class ${cls}`;
  if (version < 1 || version > 3) c.fail(`datatype message version ${version} is not supported (${className})`, start);
  const order = (b0 & 1) === 1 ? 'big' : 'little';
  if (cls === 0) {
    const bitOffset = c.u16();
    const precision = c.u16();
    if (![1, 2, 4, 8].includes(size) || bitOffset !== 0 || precision !== size * 8) {
      c.fail(`fixed-point datatype of ${size} bytes with bit offset ${bitOffset} and precision ${precision} is not supported (only whole 8/16/32/64-bit integers)`, start);
    }
    const signed = (b0 & 8) !== 0;
    return { dtype: { class: 'int', bits: (size * 8) as 8 | 16 | 32 | 64, signed, order }, size, variable: false };
  }
  if (cls === 1) {
    if ((b0 & 0x40) !== 0) c.fail('floating-point datatype with VAX byte order is not supported', start);
    const bitOffset = c.u16();
    const precision = c.u16();
    const expLocation = c.u8();
    const expSize = c.u8();
    const mantLocation = c.u8();
    const mantSize = c.u8();
    const bias = c.u32();
    const normalization = (b0 >> 4) & 3;
    const ieee = IEEE_LAYOUTS.find((l) => l.size === size);
    if (
      ieee === undefined || bitOffset !== 0 || precision !== size * 8 || expLocation !== ieee.expLocation || expSize !== ieee.expSize ||
      mantLocation !== 0 || mantSize !== ieee.mantSize || bias !== ieee.bias || b1 !== size * 8 - 1 || normalization !== 2
    ) {
      c.fail(`floating-point datatype of ${size} bytes (precision ${precision}, exponent ${expSize} bits at ${expLocation}, mantissa ${mantSize} bits, bias ${bias}) is not an IEEE float16/32/64 layout`, start);
    }
    return { dtype: { class: 'float', bits: (size * 8) as 16 | 32 | 64, order }, size, variable: false };
  }
  if (cls === 3) {
    if (size === 0) c.fail('fixed-length string datatype of size 0', start);
    return { dtype: { class: 'string', size, charset: charset(c, b0 >> 4, start), padding: padding(c, b0 & 15, start) }, size, variable: false };
  }
  if (cls === 9) {
    const kind = b0 & 15;
    if (kind !== 1) c.fail('variable-length sequence datatype is not supported (only variable-length strings)', start);
    const base = readDatatype(c);
    const baseOk = (base.dtype.class === 'int' && base.size === 1) || (base.dtype.class === 'string' && base.size === 1);
    if (!baseOk) c.fail('variable-length string whose characters are not 1-byte', start);
    const expected = 4 + c.file.offsetSize + 4;
    if (size !== expected) c.fail(`variable-length string datatype of size ${size}, expected ${expected}`, start);
    const dtype: Hdf5Dtype = { class: 'string', size: 'variable', charset: charset(c, b1 & 15, start), padding: padding(c, (b0 >> 4) & 15, start) };
    return { dtype, size, variable: true };
  }
  return c.fail(`${className} datatype (class ${cls}) is not supported`, start);
}

const IEEE_LAYOUTS = [
  { size: 2, expLocation: 10, expSize: 5, mantSize: 10, bias: 15 },
  { size: 4, expLocation: 23, expSize: 8, mantSize: 23, bias: 127 },
  { size: 8, expLocation: 52, expSize: 11, mantSize: 52, bias: 1023 },
];

function charset(c: Cursor, value: number, at: number): 'ascii' | 'utf-8' {
  if (value === 0) return 'ascii';
  if (value === 1) return 'utf-8';
  return c.fail(`string character set ${value} is not ASCII (0) or UTF-8 (1)`, at);
}

function padding(c: Cursor, value: number, at: number): 'null-terminated' | 'null-padded' | 'space-padded' {
  if (value === 0) return 'null-terminated';
  if (value === 1) return 'null-padded';
  if (value === 2) return 'space-padded';
  return c.fail(`string padding type ${value} is not one of null-terminated (0), null-padded (1), space-padded (2)`, at);
}

/** The dimensions of a dataset or attribute (`[]` for a scalar). */
export function readDataspace(c: Cursor): number[] {
  const start = c.pos;
  const version = c.u8();
  const rank = c.u8();
  const flags = c.u8();
  if (version === 1) {
    c.skip(5);
  } else if (version === 2) {
    const type = c.u8();
    if (type === 2) c.fail('null dataspace (an empty attribute such as h5py.Empty) is not supported', start);
    if (type === 0 && rank !== 0) c.fail(`scalar dataspace with rank ${rank}`, start);
    if (type > 2) c.fail(`dataspace type ${type} is unknown`, start);
  } else {
    c.fail(`dataspace message version ${version} is not supported`, start);
  }
  if (rank > 32) c.fail(`dataspace of rank ${rank}: HDF5 allows at most 32 dimensions`, start);
  const shape: number[] = [];
  for (let i = 0; i < rank; i++) shape.push(c.length());
  // The maximum dimensions (and version 1's unused permutation) follow; the reader needs neither.
  return shape;
}

/** The fill value bytes (one element), or `undefined` for the default (all zero bytes). */
export function readFillValue(c: Cursor, type: number): Uint8Array | undefined {
  const start = c.pos;
  if (type === MSG.FILL_OLD) {
    const size = c.u32();
    return size === 0 ? undefined : c.bytes(size);
  }
  const version = c.u8();
  let defined: boolean;
  if (version === 1 || version === 2) {
    c.u8(); // space allocation time
    c.u8(); // fill value write time
    defined = c.u8() !== 0;
    if (version === 1 || defined) {
      const size = c.u32();
      // NOTE: libhdf5 writes size 0 ("defined, but the default") and also -1 in old files.
      if (size === 0 || size === 0xffffffff) return undefined;
      return c.bytes(size);
    }
    return undefined;
  }
  if (version === 3) {
    const flags = c.u8();
    if ((flags & 0x20) === 0) return undefined;
    const size = c.u32();
    return size === 0 ? undefined : c.bytes(size);
  }
  return c.fail(`fill value message version ${version} is not supported`, start);
}

/** Where a dataset's values are. */
export type Layout =
  | { readonly kind: 'compact'; readonly bytes: Uint8Array }
  | { readonly kind: 'contiguous'; readonly address: number | undefined; readonly size: number }
  | {
      readonly kind: 'chunked';
      /** The chunk dimensions, one per dataset dimension. */
      readonly chunk: number[];
      /** The element size recorded in the layout (must equal the datatype's). */
      readonly elementSize: number;
      readonly index:
        | { readonly type: 'btree-v1'; readonly address: number | undefined }
        | { readonly type: 'single'; readonly address: number | undefined; readonly filteredSize: number | undefined; readonly filterMask: number }
        | { readonly type: 'implicit'; readonly address: number | undefined };
    };

const CHUNK_INDEX_NAMES = ['', 'single chunk', 'implicit', 'fixed array', 'extensible array', 'version 2 B-tree'];

/** Decodes a data layout message (versions 3 and 4). */
export function readLayout(c: Cursor): Layout {
  const start = c.pos;
  const version = c.u8();
  if (version < 3 || version > 4) c.fail(`data layout message version ${version} is not supported (only 3 and 4; version ${version} is from HDF5 before 1.6.3)`, start);
  const cls = c.u8();
  if (cls === 0) {
    const size = c.u16();
    return { kind: 'compact', bytes: c.bytes(size) };
  }
  if (cls === 1) {
    const address = c.optionalAddress();
    const size = c.length();
    return { kind: 'contiguous', address, size };
  }
  if (cls === 2 && version === 3) {
    const dimensionality = c.u8();
    if (dimensionality < 2 || dimensionality > 33) c.fail(`chunked layout with ${dimensionality} dimensions (rank + 1 expected, rank 1 to 32)`, start);
    const address = c.optionalAddress();
    const dims: number[] = [];
    for (let i = 0; i < dimensionality; i++) dims.push(c.u32());
    const elementSize = dims.pop()!;
    return { kind: 'chunked', chunk: dims, elementSize, index: { type: 'btree-v1', address } };
  }
  if (cls === 2 && version === 4) {
    const flags = c.u8();
    const dimensionality = c.u8();
    const encodedLength = c.u8();
    if (dimensionality < 2 || dimensionality > 33) c.fail(`chunked layout with ${dimensionality} dimensions (rank + 1 expected, rank 1 to 32)`, start);
    if (encodedLength < 1 || encodedLength > 8) c.fail(`chunked layout with ${encodedLength}-byte dimension sizes`, start);
    const dims: number[] = [];
    for (let i = 0; i < dimensionality; i++) dims.push(c.uint(encodedLength));
    const elementSize = dims.pop()!;
    const indexType = c.u8();
    if (indexType === 1) {
      let filteredSize: number | undefined;
      let filterMask = 0;
      if ((flags & 2) !== 0) {
        filteredSize = c.length();
        filterMask = c.u32();
      }
      const address = c.optionalAddress();
      return { kind: 'chunked', chunk: dims, elementSize, index: { type: 'single', address, filteredSize, filterMask } };
    }
    if (indexType === 2) {
      const address = c.optionalAddress();
      return { kind: 'chunked', chunk: dims, elementSize, index: { type: 'implicit', address } };
    }
    const name = CHUNK_INDEX_NAMES[indexType] ?? `unknown type ${indexType}`;
    return c.fail(`chunk index "${name}" (layout version 4, written by HDF5 1.10+ with libver "latest") is not supported`, start);
  }
  if (cls === 3) return c.fail('virtual dataset layout is not supported', start);
  return c.fail(`data layout class ${cls} is unknown`, start);
}

/** One filter of a pipeline. */
export interface Filter {
  readonly id: number;
  readonly name: string;
  /** Optional filters may have been skipped for some chunks (the chunk's filter mask says which). */
  readonly optional: boolean;
  readonly clientData: number[];
}

/** Filter ids and names: the three the reader implements, and well-known others for messages. */
export const FILTER_NAMES: Record<number, string> = { 1: 'deflate', 2: 'shuffle', 3: 'fletcher32', 4: 'szip', 5: 'nbit', 6: 'scaleoffset', 32000: 'lzf', 32001: 'blosc', 32004: 'lz4', 32008: 'bitshuffle', 32015: 'zstd' };

/** Decodes a filter pipeline message (versions 1 and 2). */
export function readFilters(c: Cursor): Filter[] {
  const start = c.pos;
  const version = c.u8();
  const count = c.u8();
  if (version !== 1 && version !== 2) c.fail(`filter pipeline message version ${version} is not supported`, start);
  if (count > 32) c.fail(`filter pipeline with ${count} filters (HDF5 allows 32)`, start);
  if (version === 1) c.skip(6);
  const filters: Filter[] = [];
  for (let f = 0; f < count; f++) {
    const id = c.u16();
    const nameLength = version === 1 || id >= 256 ? c.u16() : 0;
    const flags = c.u16();
    const valueCount = c.u16();
    let name = FILTER_NAMES[id] ?? `filter ${id}`;
    if (nameLength > 0) {
      const raw = c.bytes(version === 1 ? align8(nameLength) : nameLength);
      const nul = raw.indexOf(0);
      const text = String.fromCharCode(...raw.subarray(0, nul === -1 ? raw.length : nul));
      if (FILTER_NAMES[id] === undefined && text !== '') name = `${text} (filter ${id})`;
    }
    const clientData: number[] = [];
    for (let i = 0; i < valueCount; i++) clientData.push(c.u32());
    if (version === 1 && valueCount % 2 === 1) c.skip(4);
    filters.push({ id, name, optional: (flags & 1) !== 0, clientData });
  }
  return filters;
}

/** Rounds up to a multiple of 8 (version-1 structures pad their parts so). */
export function align8(n: number): number {
  return Math.ceil(n / 8) * 8;
}

/** An attribute message, split into its parts (the value is decoded by the caller). */
export interface AttributeParts {
  readonly name: string;
  readonly type: Datatype;
  readonly shape: number[];
  /** A cursor over the value's bytes. */
  readonly value: Cursor;
}

/** Decodes an attribute message (versions 1, 2 and 3). */
export function readAttributeMessage(c: Cursor, decodeName: (bytes: Uint8Array, at: number) => string): AttributeParts {
  const start = c.pos;
  const version = c.u8();
  if (version < 1 || version > 3) c.fail(`attribute message version ${version} is not supported`, start);
  const flags = c.u8(); // reserved in version 1
  if (version >= 2 && (flags & 3) !== 0) c.fail('attribute with a shared datatype or dataspace is not supported', start);
  const nameSize = c.u16();
  const typeSize = c.u16();
  const spaceSize = c.u16();
  if (version === 3) c.u8(); // the name's character set; the bytes are read as UTF-8 either way
  const pad = version === 1 ? align8 : (n: number): number => n;
  if (nameSize === 0) c.fail('attribute with an empty name', start);
  const nameAt = c.pos;
  const nameBytes = c.bytes(pad(nameSize));
  // The stored size counts the terminating NUL.
  const nul = nameBytes.indexOf(0);
  const name = decodeName(nameBytes.subarray(0, nul === -1 || nul >= nameSize ? nameSize : nul), nameAt);
  const typeAt = c.pos;
  c.need(pad(typeSize));
  const type = readDatatype(sub(c, typeAt, typeSize, 'attribute datatype'));
  c.pos = typeAt + pad(typeSize);
  const spaceAt = c.pos;
  c.need(pad(spaceSize));
  const shape = readDataspace(sub(c, spaceAt, spaceSize, 'attribute dataspace'));
  c.pos = spaceAt + pad(spaceSize);
  return { name, type, shape, value: sub(c, c.pos, c.end - c.pos, `value of attribute "${name}"`) };
}

/** A cursor over `size` bytes at `at`, inside `c`'s structure. */
export function sub(c: Cursor, at: number, size: number, what: string): Cursor {
  if (at + size > c.end) c.fail(`${what} of ${size} bytes runs past the end of its message`, at);
  return new Cursor(c.file, at, at + size, what);
}

/** A link stored in a link message. */
export type LinkTarget =
  | { readonly kind: 'hard'; readonly address: number }
  | { readonly kind: 'softLink'; readonly target: string }
  | { readonly kind: 'externalLink'; readonly file: string; readonly target: string };

/** Decodes a link message: a member of a new-style group. */
export function readLinkMessage(c: Cursor, decodeName: (bytes: Uint8Array, at: number) => string): { name: string; link: LinkTarget } {
  const start = c.pos;
  const version = c.u8();
  if (version !== 1) c.fail(`link message version ${version} is not supported`, start);
  const flags = c.u8();
  const type = (flags & 8) !== 0 ? c.u8() : 0;
  if ((flags & 4) !== 0) c.skip(8); // creation order
  if ((flags & 16) !== 0) c.u8(); // the name's character set
  const nameLength = c.uint(1 << (flags & 3));
  if (nameLength === 0) c.fail('link with an empty name', start);
  const nameAt = c.pos;
  const name = decodeName(c.bytes(nameLength), nameAt);
  if (type === 0) return { name, link: { kind: 'hard', address: c.address(`object header of link "${name}"`) } };
  if (type === 1) {
    const length = c.u16();
    return { name, link: { kind: 'softLink', target: decodeName(c.bytes(length), c.pos - length) } };
  }
  if (type === 64) {
    const length = c.u16();
    const at = c.pos;
    const info = c.bytes(length);
    if (length < 1 || info[0] !== 0) c.fail(`external link "${name}" with unknown flags`, at);
    const nul = info.indexOf(0, 1);
    if (nul === -1 || info[info.length - 1] !== 0) c.fail(`external link "${name}" is not two NUL-terminated names`, at);
    return { name, link: { kind: 'externalLink', file: decodeName(info.subarray(1, nul), at + 1), target: decodeName(info.subarray(nul + 1, info.length - 1), at + nul + 1) } };
  }
  return c.fail(`link "${name}" of user-defined type ${type} is not supported`, start);
}

/** Where a new-style group keeps its links, or an object its attributes, when there are many ("dense" storage). */
export interface DenseStorage {
  /** The fractal heap holding the link or attribute messages (`undefined`: none, all are in the header). */
  readonly heap: number | undefined;
  /** The version-2 B-tree indexing them by name. */
  readonly nameIndex: number | undefined;
}

/** Decodes a link info (0x02) or attribute info (0x15) message. */
export function readDenseInfo(c: Cursor, type: number): DenseStorage {
  const start = c.pos;
  const version = c.u8();
  if (version !== 0) c.fail(`${type === MSG.LINK_INFO ? 'link' : 'attribute'} info message version ${version} is not supported`, start);
  const flags = c.u8();
  if ((flags & 1) !== 0) c.skip(type === MSG.LINK_INFO ? 8 : 2); // maximum creation index
  const heap = c.optionalAddress();
  const nameIndex = c.optionalAddress();
  return { heap, nameIndex };
}
