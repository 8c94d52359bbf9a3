// A dataset's stored bytes, whatever the layout, as one row-major buffer.
//
// - Contiguous: one block at an address (undefined until something is written: then every
//   element is the fill value).
// - Compact: the bytes sit inside the layout message itself.
// - Chunked: the array is cut into equal tiles ("chunks"); each is stored on its own, possibly
//   filtered (compressed), and a version-1 B-tree (node type 1) indexes them. Each key of that
//   tree holds a chunk's stored size, its filter mask (bit i set = filter i was skipped) and its
//   coordinates (element offsets, one per dimension, plus a trailing 0); the leaves' children are
//   the chunks' addresses. Edge chunks are stored whole; only the part inside the dataset is
//   copied out. Chunks never written are the fill value. (Layout version 4 can also index a
//   single chunk, or chunks stored back to back, "implicit".)
//
// Filters are undone in reverse order: fletcher32 (a checksum appended to the chunk), deflate
// (a zlib stream) and shuffle (byte k of every element grouped together, to compress better).

import { cursorAt, type Cursor } from './bytes.js';
import { DeflateFormatError } from '../deflate/inflate.js';
import { inflateZlib } from '../deflate/zlib.js';
import { Hdf5FormatError } from './errors.js';
import { type Datatype, type Filter, type Layout } from './messages.js';
import { chargeMetadata, chargeValues, visitOnce, type ReadState } from './state.js';

/** Everything needed to read one dataset's bytes. */
export interface StoredDataset {
  readonly layout: Layout;
  readonly filters: readonly Filter[];
  readonly type: Datatype;
  readonly shape: readonly number[];
  readonly count: number;
  /** One element of fill value, or `undefined` for zeros. */
  readonly fill: Uint8Array | undefined;
  /** The dataset's path, for errors. */
  readonly path: string;
  /** Its object header's offset, for errors. */
  readonly at: number;
}

/** Reads the dataset's bytes: exactly `count · type.size` of them, row-major. */
export function readStoredBytes(state: ReadState, d: StoredDataset): Uint8Array {
  const size = d.count * d.type.size;
  const what = `dataset "${d.path}"`;
  const layout = d.layout;
  if (d.filters.length > 0 && layout.kind !== 'chunked') {
    throw new Hdf5FormatError(`HDF5 ${what} at byte ${d.at}: a filter pipeline on a ${layout.kind} dataset (filters need chunks)`, d.at);
  }
  if (layout.kind === 'compact') {
    if (layout.bytes.length !== size) {
      throw new Hdf5FormatError(`HDF5 ${what} at byte ${d.at}: compact storage of ${layout.bytes.length} bytes for ${d.count} elements of ${d.type.size} bytes`, d.at);
    }
    return layout.bytes;
  }
  if (layout.kind === 'contiguous') {
    if (layout.address === undefined) return filled(state, d, size, what);
    if (layout.size !== size) {
      throw new Hdf5FormatError(`HDF5 ${what} at byte ${d.at}: contiguous storage of ${layout.size} bytes for ${d.count} elements of ${d.type.size} bytes`, d.at);
    }
    if (size === 0) return new Uint8Array(0);
    return cursorAt(state.file, layout.address, `data of ${what}`, size).bytes(size);
  }
  return readChunked(state, d, layout, size, what);
}

/** A buffer of `size` bytes holding the fill value in every element. */
function filled(state: ReadState, d: StoredDataset, size: number, what: string): Uint8Array {
  chargeValues(state, size, what, d.at);
  const out = new Uint8Array(size);
  const fill = d.fill;
  if (fill !== undefined && fill.some((b) => b !== 0)) {
    if (d.type.variable) throw new Hdf5FormatError(`HDF5 ${what} at byte ${d.at}: a fill value for variable-length strings is not supported`, d.at);
    if (fill.length !== d.type.size) throw new Hdf5FormatError(`HDF5 ${what} at byte ${d.at}: a fill value of ${fill.length} bytes for ${d.type.size}-byte elements`, d.at);
    for (let i = 0; i < size; i += fill.length) out.set(fill, i);
  }
  return out;
}

type ChunkedLayout = Layout & { kind: 'chunked' };

function readChunked(state: ReadState, d: StoredDataset, layout: ChunkedLayout, size: number, what: string): Uint8Array {
  const rank = d.shape.length;
  const chunk = layout.chunk;
  if (chunk.length !== rank) throw new Hdf5FormatError(`HDF5 ${what} at byte ${d.at}: chunks of rank ${chunk.length} for a dataset of rank ${rank}`, d.at);
  if (chunk.some((c) => c === 0)) throw new Hdf5FormatError(`HDF5 ${what} at byte ${d.at}: a chunk dimension is 0`, d.at);
  if (layout.elementSize !== d.type.size) {
    throw new Hdf5FormatError(`HDF5 ${what} at byte ${d.at}: chunks of ${layout.elementSize}-byte elements for a ${d.type.size}-byte datatype`, d.at);
  }
  for (const f of d.filters) {
    if (f.id !== 1 && f.id !== 2 && f.id !== 3) {
      throw new Hdf5FormatError(`HDF5 ${what} at byte ${d.at}: the filter "${f.name}" is not supported (only deflate, shuffle and fletcher32)`, d.at);
    }
  }
  const out = filled(state, d, size, what);
  if (size === 0) return out;
  const chunkCount = chunk.reduce((a, b) => a * b, 1);
  const chunkBytes = chunkCount * d.type.size;
  if (!Number.isSafeInteger(chunkBytes)) throw new Hdf5FormatError(`HDF5 ${what} at byte ${d.at}: chunks of [${chunk.join(', ')}] are too large`, d.at);
  const seen = new Set<string>();

  const place = (offsets: number[], stored: Uint8Array, mask: number, at: number): void => {
    for (let i = 0; i < rank; i++) {
      if (offsets[i] % chunk[i] !== 0) throw new Hdf5FormatError(`HDF5 chunk of ${what} at byte ${at}: offset [${offsets.join(', ')}] is not on the chunk grid`, at);
    }
    // A chunk entirely outside the dataset (left behind by a shrink) holds no element of it.
    if (offsets.some((o, i) => o >= d.shape[i])) return;
    const key = offsets.join(',');
    if (seen.has(key)) throw new Hdf5FormatError(`HDF5 chunk of ${what} at byte ${at}: the chunk at [${key}] is stored twice`, at);
    seen.add(key);
    const bytes = unfilter(state, stored, d.filters, mask, chunkBytes, d.type.size, `chunk [${key}] of ${what}`, at);
    copyChunk(bytes, out, offsets, chunk, d.shape, d.type.size);
  };

  const index = layout.index;
  if (index.address === undefined) return out;
  if (index.type === 'btree-v1') {
    walkChunkBtree(state, index.address, rank, undefined, (offsets, storedSize, mask, address, at) => {
      const stored = cursorAt(state.file, address, `chunk of ${what}`, storedSize).bytes(storedSize);
      place(offsets, stored, mask, at);
    });
  } else if (index.type === 'single') {
    const storedSize = index.filteredSize ?? chunkBytes;
    const stored = cursorAt(state.file, index.address, `chunk of ${what}`, storedSize).bytes(storedSize);
    place(new Array<number>(rank).fill(0), stored, index.filterMask, state.file.base + index.address);
  } else {
    if (d.filters.length > 0) throw new Hdf5FormatError(`HDF5 ${what} at byte ${d.at}: an implicit chunk index with filters`, d.at);
    const grid = d.shape.map((n, i) => Math.ceil(n / chunk[i]));
    const total = grid.reduce((a, b) => a * b, 1);
    const all = cursorAt(state.file, index.address, `chunks of ${what}`, total * chunkBytes);
    const offsets = new Array<number>(rank).fill(0);
    for (let i = 0; i < total; i++) {
      let rest = i;
      for (let k = rank - 1; k >= 0; k--) {
        offsets[k] = (rest % grid[k]) * chunk[k];
        rest = Math.floor(rest / grid[k]);
      }
      place(offsets, all.bytes(chunkBytes), 0, all.pos);
    }
  }
  return out;
}

/** Calls `onChunk` for every chunk under the chunk B-tree node at `address`. */
function walkChunkBtree(
  state: ReadState,
  address: number,
  rank: number,
  expectedLevel: number | undefined,
  onChunk: (offsets: number[], storedSize: number, mask: number, address: number, at: number) => void,
): void {
  const file = state.file;
  const c: Cursor = cursorAt(file, address, 'chunk B-tree node');
  visitOnce(state, c.pos, 'chunk B-tree node');
  c.signature('TREE');
  const type = c.u8();
  if (type !== 1) c.fail(`B-tree node of type ${type} where a chunk index (type 1) was expected`);
  const level = c.u8();
  if (expectedLevel !== undefined && level !== expectedLevel) c.fail(`B-tree node of level ${level} under a node of level ${expectedLevel + 1}`);
  const entries = c.u16();
  c.skip(2 * file.offsetSize);
  const keySize = 8 + 8 * (rank + 1);
  c.need(entries * (keySize + file.offsetSize) + keySize);
  chargeMetadata(state, 8 + entries * (keySize + file.offsetSize), 'chunk B-tree node', c.pos);
  const children: { offsets: number[]; size: number; mask: number; address: number; at: number }[] = [];
  for (let i = 0; i < entries; i++) {
    const at = c.pos;
    const size = c.u32();
    const mask = c.u32();
    const offsets: number[] = [];
    for (let k = 0; k < rank; k++) offsets.push(c.u64());
    c.u64(); // the element-size dimension, always 0
    children.push({ offsets, size, mask, address: c.address('chunk'), at });
  }
  for (const child of children) {
    if (level === 0) onChunk(child.offsets, child.size, child.mask, child.address, child.at);
    else walkChunkBtree(state, child.address, rank, level - 1, onChunk);
  }
}

/** Undoes the filters of one chunk (skipping those its mask marks) and checks the result's size. */
function unfilter(state: ReadState, stored: Uint8Array, filters: readonly Filter[], mask: number, chunkBytes: number, elementSize: number, what: string, at: number): Uint8Array {
  let bytes = stored;
  for (let i = filters.length - 1; i >= 0; i--) {
    if ((mask & (1 << i)) !== 0) continue;
    const f = filters[i];
    if (f.id === 1) {
      chargeValues(state, chunkBytes, what, at); // the decompressed chunk, before it is copied out
      try {
        bytes = inflateZlib(bytes, { maxOutputBytes: chunkBytes + 4 * filters.length });
      } catch (e) {
        if (e instanceof DeflateFormatError) throw new Hdf5FormatError(`HDF5 ${what} at byte ${at}: deflate filter: ${e.message}`, at);
        throw e;
      }
    } else if (f.id === 2) {
      bytes = unshuffle(bytes, f.clientData.length > 0 ? f.clientData[0] : elementSize);
    } else {
      bytes = checkFletcher32(bytes, what, at);
    }
  }
  if (bytes.length !== chunkBytes) {
    throw new Hdf5FormatError(`HDF5 ${what} at byte ${at}: the chunk has ${bytes.length} bytes after its filters, ${chunkBytes} were expected`, at);
  }
  return bytes;
}

/** Undoes the shuffle filter: byte k of element i was stored at k·n + i. Trailing bytes are kept. */
export function unshuffle(bytes: Uint8Array, size: number): Uint8Array {
  if (size <= 1) return bytes;
  const n = Math.floor(bytes.length / size);
  const out = new Uint8Array(bytes.length);
  for (let k = 0; k < size; k++) {
    const from = k * n;
    for (let i = 0; i < n; i++) out[i * size + k] = bytes[from + i];
  }
  out.set(bytes.subarray(n * size), n * size);
  return out;
}

/** HDF5's Fletcher-32 over 16-bit big-endian words (a trailing odd byte is the high half of a last word). */
export function fletcher32(bytes: Uint8Array): number {
  let sum1 = 0;
  let sum2 = 0;
  const words = bytes.length >> 1;
  for (let start = 0; start < words; start += 360) {
    const end = Math.min(words, start + 360);
    for (let w = start; w < end; w++) {
      sum1 += (bytes[2 * w] << 8) | bytes[2 * w + 1];
      sum2 += sum1;
    }
    sum1 = (sum1 & 0xffff) + (sum1 >>> 16);
    sum2 = (sum2 & 0xffff) + (sum2 >>> 16);
  }
  if (bytes.length % 2 === 1) {
    sum1 += bytes[bytes.length - 1] << 8;
    sum2 += sum1;
    sum1 = (sum1 & 0xffff) + (sum1 >>> 16);
    sum2 = (sum2 & 0xffff) + (sum2 >>> 16);
  }
  sum1 = (sum1 & 0xffff) + (sum1 >>> 16);
  sum2 = (sum2 & 0xffff) + (sum2 >>> 16);
  return ((sum2 << 16) | sum1) >>> 0;
}

function checkFletcher32(bytes: Uint8Array, what: string, at: number): Uint8Array {
  if (bytes.length < 4) throw new Hdf5FormatError(`HDF5 ${what} at byte ${at}: fletcher32 filter: the chunk is shorter than its checksum`, at);
  const data = bytes.subarray(0, bytes.length - 4);
  const t = bytes.length - 4;
  const stored = (bytes[t] | (bytes[t + 1] << 8) | (bytes[t + 2] << 16) | (bytes[t + 3] << 24)) >>> 0;
  const actual = fletcher32(data);
  // NOTE: libhdf5 before 1.6.3 stored the checksum with its bytes swapped; it still accepts both.
  const swapped = (((actual & 0xff) << 24) | ((actual & 0xff00) << 8) | ((actual >>> 8) & 0xff00) | (actual >>> 24)) >>> 0;
  if (stored !== actual && stored !== swapped) {
    throw new Hdf5FormatError(`HDF5 ${what} at byte ${at}: fletcher32 checksum mismatch (stored ${stored.toString(16)}, computed ${actual.toString(16)}): the data is corrupt`, at);
  }
  return data;
}

/** Copies the part of a chunk (row-major, dims `chunk`) at `offsets` that lies inside `shape` into `out`. */
function copyChunk(bytes: Uint8Array, out: Uint8Array, offsets: readonly number[], chunk: readonly number[], shape: readonly number[], size: number): void {
  const rank = shape.length;
  const valid = shape.map((n, i) => Math.min(chunk[i], n - offsets[i]));
  if (valid.some((v) => v <= 0)) return;
  const rowBytes = valid[rank - 1] * size;
  // Strides (in elements) of the chunk and of the dataset.
  const chunkStride = new Array<number>(rank).fill(1);
  const outStride = new Array<number>(rank).fill(1);
  for (let k = rank - 2; k >= 0; k--) {
    chunkStride[k] = chunkStride[k + 1] * chunk[k + 1];
    outStride[k] = outStride[k + 1] * shape[k + 1];
  }
  // An odometer over every index of the leading rank-1 dimensions.
  const index = new Array<number>(Math.max(0, rank - 1)).fill(0);
  for (;;) {
    let src = 0;
    let dst = offsets[rank - 1];
    for (let k = 0; k < rank - 1; k++) {
      src += index[k] * chunkStride[k];
      dst += (offsets[k] + index[k]) * outStride[k];
    }
    out.set(bytes.subarray(src * size, src * size + rowBytes), dst * size);
    let k = rank - 2;
    while (k >= 0) {
      index[k]++;
      if (index[k] < valid[k]) break;
      index[k] = 0;
      k--;
    }
    if (k < 0) break;
  }
}
