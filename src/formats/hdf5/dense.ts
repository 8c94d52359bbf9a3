// "Dense" storage of links and attributes (libhdf5 1.8+ with a newer libver: more than 8 links in
// a group, or many/large attributes). No Keras file uses it; h5wasm writes it by default. Two
// structures work together:
//
// - A version-2 B-tree ("BTHD" header, "BTIN" internal and "BTLF" leaf nodes) indexes the
//   messages by a hash of their name. Its records are fixed-size: type 5 (group links) holds the
//   name's hash and a heap ID; type 8 (attributes) a heap ID, message flags, creation order and
//   hash. Internal nodes hold records and child pointers (address, record count, and below the
//   first level the total record count), the counts in as few bytes as their maximum needs.
// - A fractal heap ("FRHP" header) stores the messages themselves. Its address space is covered
//   by a "doubling table": a root indirect block ("FHIB") of rows of `width` blocks each, rows 0
//   and 1 of the starting block size and each later row twice the previous; small rows are
//   direct blocks ("FHDB", holding the objects), large rows are indirect blocks with rows of
//   their own. A heap ID is a type byte (managed, huge or tiny), then for a managed object its
//   offset in that address space and its length; a tiny object is stored inside the ID itself.
//
// Each structure is checksummed (lookup3); every node or block is read at most once per heap or
// tree, and its bytes are charged to the metadata budget.

import { Cursor, cursorAt } from './bytes.js';
import { lookup3 } from './checksum.js';
import { Hdf5FormatError } from './errors.js';
import { type LinkTarget, readLinkMessage } from './messages.js';
import { checkChecksum } from './object_header.js';
import { chargeMetadata, visitOnce, type ReadState } from './state.js';

/** Bytes needed to store values up to `max`: floor(log2(max)) / 8 + 1 (libhdf5's rule). */
function encodedSize(max: number): number {
  return Math.floor(Math.floor(Math.log2(Math.max(1, max))) / 8) + 1;
}

/** The records of the version-2 B-tree at `address` (each a view into the file), of record type `type`. */
function readBtree2Records(state: ReadState, address: number, type: number): Uint8Array[] {
  const file = state.file;
  const h = cursorAt(file, address, 'version 2 B-tree header');
  const start = h.pos;
  visitOnce(state, start, 'version 2 B-tree header');
  h.signature('BTHD');
  const version = h.u8();
  if (version !== 0) h.fail(`version 2 B-tree header version ${version} is not supported`);
  const found = h.u8();
  if (found !== type) h.fail(`version 2 B-tree of record type ${found} where type ${type} was expected`);
  const nodeSize = h.u32();
  const recordSize = h.u16();
  const depth = h.u16();
  h.skip(2); // split and merge percentages
  const root = h.optionalAddress();
  const rootCount = h.u16();
  h.length(); // total records
  checkChecksum(h, start, h.pos, 'version 2 B-tree header');
  chargeMetadata(state, h.pos - start, 'version 2 B-tree header', start);
  if (root === undefined) return [];
  if (recordSize === 0 || nodeSize <= 10 + recordSize) h.fail(`version 2 B-tree with node size ${nodeSize} and record size ${recordSize}`);
  if (depth > 32) h.fail(`version 2 B-tree of depth ${depth}`);
  // The widths of the record counts in internal nodes, from the most records a node can hold.
  const leafMax = Math.floor((nodeSize - 10) / recordSize);
  const countSize = encodedSize(leafMax);
  const totalSizes = [0]; // bytes of the "total records below" field of a pointer to a node at depth d
  let cumulative = leafMax;
  for (let d = 1; d <= depth; d++) {
    const pointerSize = file.offsetSize + countSize + totalSizes[d - 1];
    const maxRecords = Math.floor((nodeSize - (10 + pointerSize)) / (recordSize + pointerSize));
    cumulative = (maxRecords + 1) * cumulative + maxRecords;
    totalSizes.push(encodedSize(cumulative));
  }

  const records: Uint8Array[] = [];
  const visit = (at: number, count: number, level: number): void => {
    const c = cursorAt(file, at, level === 0 ? 'version 2 B-tree leaf node' : 'version 2 B-tree internal node', nodeSize);
    const nodeStart = c.pos;
    visitOnce(state, nodeStart, 'version 2 B-tree node');
    c.signature(level === 0 ? 'BTLF' : 'BTIN');
    const v = c.u8();
    if (v !== 0) c.fail(`version 2 B-tree node version ${v} is not supported`);
    if (c.u8() !== type) c.fail(`version 2 B-tree node of another record type than its header's ${type}`);
    for (let i = 0; i < count; i++) records.push(c.bytes(recordSize));
    const children: { address: number; count: number }[] = [];
    if (level > 0) {
      for (let i = 0; i <= count; i++) {
        const child = c.address('version 2 B-tree child');
        const childCount = c.uint(countSize);
        c.skip(totalSizes[level - 1]);
        children.push({ address: child, count: childCount });
      }
    }
    checkChecksum(c, nodeStart, c.pos, 'version 2 B-tree node');
    chargeMetadata(state, c.pos - nodeStart, 'version 2 B-tree node', nodeStart);
    for (const child of children) visit(child.address, child.count, level - 1);
  };
  visit(root, rootCount, depth);
  return records;
}

/** A fractal heap: its header fields and a reader of heap IDs. */
interface FractalHeap {
  readonly idLength: number;
  /** Returns the bytes of the object the heap ID names (a view into the file). */
  object(id: Uint8Array, at: number): Uint8Array;
}

function openFractalHeap(state: ReadState, address: number): FractalHeap {
  const file = state.file;
  const h = cursorAt(file, address, 'fractal heap header');
  const start = h.pos;
  visitOnce(state, start, 'fractal heap header');
  h.signature('FRHP');
  const version = h.u8();
  if (version !== 0) h.fail(`fractal heap version ${version} is not supported`);
  const idLength = h.u16();
  const filterLength = h.u16();
  const flags = h.u8();
  const maxManaged = h.u32();
  h.length(); // next huge object id
  h.optionalAddress(); // huge object B-tree
  h.length(); // free space in managed blocks
  h.optionalAddress(); // free space manager
  h.length(); // managed space
  h.length(); // allocated managed space
  h.length(); // direct block allocation iterator
  h.length(); // managed objects
  h.length(); // huge objects size
  h.length(); // huge objects count
  h.length(); // tiny objects size
  h.length(); // tiny objects count
  const width = h.u16();
  const startBlock = h.length();
  const maxDirectBlock = h.length();
  const maxHeapBits = h.u16();
  h.u16(); // starting rows of the root indirect block
  const root = h.optionalAddress();
  const rootRows = h.u16();
  if (filterLength > 0) h.fail('fractal heap with I/O filters is not supported');
  checkChecksum(h, start, h.pos, 'fractal heap header');
  chargeMetadata(state, h.pos - start + 4, 'fractal heap header', start);
  const isPowerOf2 = (n: number): boolean => n > 0 && Number.isSafeInteger(n) && 2 ** Math.round(Math.log2(n)) === n;
  if (!isPowerOf2(width) || !isPowerOf2(startBlock) || !isPowerOf2(maxDirectBlock) || maxDirectBlock < startBlock || maxHeapBits < 1 || maxHeapBits > 64) {
    h.fail(`fractal heap with an invalid doubling table (width ${width}, start block ${startBlock}, max direct block ${maxDirectBlock}, ${maxHeapBits} address bits)`, start);
  }
  const checksummedDirect = (flags & 2) !== 0;
  const offsetSize = Math.ceil(maxHeapBits / 8);
  const lengthSize = Math.min(Math.ceil(Math.log2(maxDirectBlock) / 8), encodedSize(maxManaged));
  const maxDirectRows = Math.log2(maxDirectBlock) - Math.log2(startBlock) + 2;
  const firstRowBits = Math.log2(startBlock) + Math.log2(width);
  const rowSize = (r: number): number => (r === 0 ? startBlock : startBlock * 2 ** (r - 1));
  const rowOffset = (r: number): number => (r === 0 ? 0 : width * startBlock * 2 ** (r - 1));

  // Blocks are parsed once and kept: many heap IDs point into the same blocks.
  const indirectBlocks = new Map<number, (number | undefined)[]>();
  const checkedDirect = new Set<number>();
  const prefixSize = 4 + 1 + file.offsetSize + offsetSize;

  const readIndirect = (at: number, rows: number): (number | undefined)[] => {
    const known = indirectBlocks.get(at);
    if (known !== undefined) return known;
    const c = cursorAt(file, at, 'fractal heap indirect block');
    const blockStart = c.pos;
    c.signature('FHIB');
    if (c.u8() !== 0) c.fail('fractal heap indirect block version is not 0');
    c.skip(file.offsetSize + offsetSize); // heap header address, block offset
    const children: (number | undefined)[] = [];
    for (let r = 0; r < rows; r++) for (let col = 0; col < width; col++) children.push(c.optionalAddress());
    checkChecksum(c, blockStart, c.pos, 'fractal heap indirect block');
    chargeMetadata(state, c.pos - blockStart + 4, 'fractal heap indirect block', blockStart);
    indirectBlocks.set(at, children);
    return children;
  };

  const directBlock = (at: number, size: number): number => {
    const c = cursorAt(file, at, 'fractal heap direct block', size);
    const blockStart = c.pos;
    if (!checkedDirect.has(blockStart)) {
      c.signature('FHDB');
      if (c.u8() !== 0) c.fail('fractal heap direct block version is not 0');
      if (checksummedDirect) {
        // The checksum covers the whole block, with its own 4 bytes taken as zero.
        const sumAt = prefixSize;
        const copy = file.bytes.slice(blockStart, blockStart + size);
        const stored = file.view.getUint32(blockStart + sumAt, true);
        copy.fill(0, sumAt, sumAt + 4);
        const actual = lookup3(copy);
        if (stored !== actual) c.fail('fractal heap direct block checksum mismatch: the file is corrupt', blockStart);
      }
      chargeMetadata(state, size, 'fractal heap direct block', blockStart);
      checkedDirect.add(blockStart);
    }
    return blockStart;
  };

  // Finds the direct block holding heap offset `offset`: returns its absolute start and size.
  const locate = (offset: number, at: number): { start: number; size: number; offsetInBlock: number } => {
    if (root === undefined) throw new Hdf5FormatError(`HDF5 fractal heap at byte ${start}: a heap ID at byte ${at} points into an empty heap`, at);
    if (rootRows === 0) {
      if (offset >= startBlock) throw new Hdf5FormatError(`HDF5 heap ID at byte ${at}: offset ${offset} is past the heap's only block`, at);
      return { start: directBlock(root, startBlock), size: startBlock, offsetInBlock: offset };
    }
    let block = root;
    let rows = rootRows;
    let relative = offset;
    for (let depth = 0; depth < 64; depth++) {
      let r = 0;
      while (r + 1 < rows && rowOffset(r + 1) <= relative) r++;
      const size = rowSize(r);
      const col = Math.floor((relative - rowOffset(r)) / size);
      if (col >= width) throw new Hdf5FormatError(`HDF5 heap ID at byte ${at}: offset ${offset} is past the heap's blocks`, at);
      const child = readIndirect(block, rows)[r * width + col];
      if (child === undefined) throw new Hdf5FormatError(`HDF5 heap ID at byte ${at}: offset ${offset} is in a block that was never allocated`, at);
      const within = relative - rowOffset(r) - col * size;
      if (r < maxDirectRows) return { start: directBlock(child, size), size, offsetInBlock: within };
      block = child;
      rows = Math.log2(size) - firstRowBits + 1;
      relative = within;
    }
    throw new Hdf5FormatError(`HDF5 heap ID at byte ${at}: the fractal heap's indirect blocks nest too deep`, at);
  };

  const object = (id: Uint8Array, at: number): Uint8Array => {
    if (id.length < 1) throw new Hdf5FormatError(`HDF5 heap ID at byte ${at} is empty`, at);
    const kind = (id[0] >> 4) & 3;
    if (id[0] >> 6 !== 0) throw new Hdf5FormatError(`HDF5 heap ID at byte ${at}: version ${id[0] >> 6} is not supported`, at);
    if (kind === 2) {
      // Tiny: the object is inside the ID.
      const extended = idLength > 18;
      const length = extended ? (((id[0] & 15) << 8) | id[1]) + 1 : (id[0] & 15) + 1;
      const from = extended ? 2 : 1;
      if (from + length > id.length) throw new Hdf5FormatError(`HDF5 heap ID at byte ${at}: a tiny object of ${length} bytes does not fit its ID`, at);
      return id.subarray(from, from + length);
    }
    if (kind === 1) throw new Hdf5FormatError(`HDF5 heap ID at byte ${at}: "huge" fractal heap objects are not supported`, at);
    if (kind !== 0) throw new Hdf5FormatError(`HDF5 heap ID at byte ${at}: unknown object type ${kind}`, at);
    if (1 + offsetSize + lengthSize > id.length) throw new Hdf5FormatError(`HDF5 heap ID at byte ${at} is too short for the heap's offsets`, at);
    let offset = 0;
    for (let i = 0; i < offsetSize; i++) offset += id[1 + i] * 2 ** (8 * i);
    let length = 0;
    for (let i = 0; i < lengthSize; i++) length += id[1 + offsetSize + i] * 2 ** (8 * i);
    const block = locate(offset, at);
    const header = prefixSize + (checksummedDirect ? 4 : 0);
    if (block.offsetInBlock < header || block.offsetInBlock + length > block.size || length === 0) {
      throw new Hdf5FormatError(`HDF5 heap ID at byte ${at}: an object of ${length} bytes at offset ${offset} does not fit its direct block`, at);
    }
    return file.bytes.subarray(block.start + block.offsetInBlock, block.start + block.offsetInBlock + length);
  };
  return { idLength, object };
}

/** The links of a group with dense storage, in B-tree order. */
export function readDenseLinks(state: ReadState, heapAddress: number, nameIndex: number, decodeName: (bytes: Uint8Array, at: number) => string): { name: string; link: LinkTarget }[] {
  const heap = openFractalHeap(state, heapAddress);
  const out: { name: string; link: LinkTarget }[] = [];
  for (const record of readBtree2Records(state, nameIndex, 5)) {
    const at = record.byteOffset - state.file.bytes.byteOffset;
    const id = record.subarray(4, 4 + heap.idLength);
    const bytes = heap.object(id, at);
    const start = bytes.byteOffset - state.file.bytes.byteOffset;
    out.push(readLinkMessage(new Cursor(state.file, start, start + bytes.length, 'link message in a fractal heap'), decodeName));
  }
  return out;
}

/** Cursors over the attribute messages of an object with dense attribute storage. */
export function readDenseAttributes(state: ReadState, heapAddress: number, nameIndex: number): Cursor[] {
  const heap = openFractalHeap(state, heapAddress);
  const out: Cursor[] = [];
  for (const record of readBtree2Records(state, nameIndex, 8)) {
    const at = record.byteOffset - state.file.bytes.byteOffset;
    if (record.length < 9) throw new Hdf5FormatError(`HDF5 attribute name record at byte ${at} is too short`, at);
    if ((record[8] & 2) !== 0) throw new Hdf5FormatError(`HDF5 attribute at byte ${at} is a shared message, which is not supported`, at);
    const bytes = heap.object(record.subarray(0, 8), at);
    const start = bytes.byteOffset - state.file.bytes.byteOffset;
    out.push(new Cursor(state.file, start, start + bytes.length, 'attribute message in a fractal heap'));
  }
  return out;
}
