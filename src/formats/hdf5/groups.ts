// The members of a group, in both of HDF5's group formats.
//
// Old-style groups (every Keras file; HDF5 1.0 onwards): the group's object header holds a symbol
// table message with two addresses.
//   - A local heap ("HEAP"): a header (data size, free list, data address) and a data segment in
//     which the member names are stored, NUL-terminated and padded to 8 bytes. Offset 0 holds "".
//   - A version-1 B-tree ("TREE", node type 0) indexing the members by name. A node has a level
//     (0 = its children are leaves), the number of children used, its siblings, then keys and
//     children interleaved: key 0, child 0, key 1, ..., child n-1, key n. Key i is the heap
//     offset of the largest name under child i-1, so the tree can be searched; a reader that
//     lists everything just walks the children in order.
//   - The leaves are symbol table nodes ("SNOD"): a count and up to 2·K entries (K = the
//     superblock's "group leaf node K", 4 in h5py files, so 8 entries), each a symbol table
//     entry: the name's heap offset, the member's object header address, and a cache type
//     (1 = a group, whose scratch pad repeats its B-tree and heap addresses; 2 = a soft link,
//     whose scratch pad holds the heap offset of the link's target path).
// Names are in bytewise order across the leaves.
//
// New-style groups (libhdf5 1.8+ with a newer libver): link messages in the object header
// ("compact" storage), or, past 8 links by default, a link info message pointing at a fractal
// heap of link messages indexed by a version-2 B-tree ("dense" storage, see dense.ts).

import { type Cursor, cursorAt, readNulTerminated } from './bytes.js';
import { readDenseLinks } from './dense.js';
import { Hdf5FormatError } from './errors.js';
import { type LinkTarget, readDenseInfo, readLinkMessage, MSG } from './messages.js';
import { type Message } from './object_header.js';
import { chargeMetadata, visitOnce, type ReadState } from './state.js';

/** A member of a group: its name (and the name's bytes, for ordering) and where it leads. */
export interface Member {
  readonly name: string;
  readonly link: LinkTarget;
}

/** The members of a group whose object header has these messages, or `undefined` if it is not a group. */
export function readGroupMembers(state: ReadState, messages: readonly Message[], decodeName: (bytes: Uint8Array, at: number) => string): Member[] | undefined {
  const symbolTable = messages.find((m) => m.type === MSG.SYMBOL_TABLE);
  if (symbolTable !== undefined) {
    const c = cursorAt(state.file, symbolTable.start - state.file.base, 'symbol table message', symbolTable.size);
    const btree = c.address('group B-tree');
    const heap = c.address('group local heap');
    return readSymbolTable(state, btree, heap);
  }
  const linkInfo = messages.find((m) => m.type === MSG.LINK_INFO);
  const linkMessages = messages.filter((m) => m.type === MSG.LINK);
  if (linkInfo === undefined && linkMessages.length === 0) return undefined;
  const members: { name: string; bytes: Uint8Array; link: LinkTarget }[] = [];
  for (const m of linkMessages) {
    const c = cursorAt(state.file, m.start - state.file.base, 'link message', m.size);
    const { name, link } = readLinkMessage(c, decodeName);
    members.push({ name, bytes: new TextEncoder().encode(name), link });
  }
  if (linkInfo !== undefined) {
    const c: Cursor = cursorAt(state.file, linkInfo.start - state.file.base, 'link info message', linkInfo.size);
    const dense = readDenseInfo(c, MSG.LINK_INFO);
    if (dense.heap !== undefined) {
      if (dense.nameIndex === undefined) c.fail('dense link storage without a name index');
      for (const record of readDenseLinks(state, dense.heap, dense.nameIndex, decodeName)) {
        members.push({ name: record.name, bytes: new TextEncoder().encode(record.name), link: record.link });
      }
    }
  }
  // A new-style group has no stored order by name: list it bytewise, as old-style groups are.
  members.sort((a, b) => compareBytes(a.bytes, b.bytes));
  return members.map(({ name, link }) => ({ name, link }));
}

/** Bytewise comparison, the order of names in HDF5 (C's strcmp on UTF-8). */
export function compareBytes(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return a[i] - b[i];
  return a.length - b.length;
}

/** The members of an old-style group: its B-tree walked in order, names from its local heap. */
function readSymbolTable(state: ReadState, btreeAddress: number, heapAddress: number): Member[] {
  const file = state.file;
  const heap = cursorAt(file, heapAddress, 'local heap');
  heap.signature('HEAP');
  const version = heap.u8();
  if (version !== 0) heap.fail(`local heap version ${version} is not supported`);
  heap.skip(3);
  const dataSize = heap.length();
  heap.length(); // free list head
  const dataAddress = heap.address('local heap data segment');
  chargeMetadata(state, 32, 'local heap', heap.pos);
  const data = cursorAt(file, dataAddress, 'local heap data segment', dataSize);
  const nameAt = (offset: number, what: string): string => {
    if (offset >= dataSize) throw new Hdf5FormatError(`HDF5 ${what}: name offset ${offset} is outside the local heap at byte ${data.pos} (${dataSize} bytes)`, data.pos);
    const name = readNulTerminated(file, data.pos + offset, data.end, `name in the local heap at byte ${data.pos}`);
    chargeMetadata(state, name.length + 1, 'local heap name', data.pos + offset);
    return name;
  };

  const members: Member[] = [];
  const leaves: number[] = [];
  collectLeaves(state, btreeAddress, undefined, leaves);
  for (const leaf of leaves) {
    const c: Cursor = cursorAt(file, leaf, 'symbol table node');
    visitOnce(state, c.pos, 'symbol table node');
    c.signature('SNOD');
    const version = c.u8();
    if (version !== 1) c.fail(`symbol table node version ${version} is not supported`);
    c.skip(1);
    const count = c.u16();
    const entrySize = 2 * file.offsetSize + 24;
    c.need(count * entrySize);
    chargeMetadata(state, 8 + count * entrySize, 'symbol table node', c.pos);
    for (let i = 0; i < count; i++) {
      const entryAt = c.pos;
      const nameOffset = c.uint(file.offsetSize);
      const objectAddress = c.optionalAddress();
      const cacheType = c.u32();
      c.skip(4);
      const scratch = c.pos;
      c.skip(16);
      const name = nameAt(nameOffset, `symbol table entry at byte ${entryAt}`);
      if (name === '') c.fail('symbol table entry with an empty name', entryAt);
      if (cacheType === 2) {
        const targetOffset = file.view.getUint32(scratch, true);
        members.push({ name, link: { kind: 'softLink', target: nameAt(targetOffset, `soft link "${name}" at byte ${entryAt}`) } });
      } else if (cacheType === 0 || cacheType === 1) {
        if (objectAddress === undefined) c.fail(`symbol table entry "${name}" has no object header address`, entryAt);
        members.push({ name, link: { kind: 'hard', address: objectAddress } });
      } else {
        c.fail(`symbol table entry "${name}" has an unknown cache type ${cacheType}`, entryAt);
      }
    }
  }
  return members;
}

/** Appends the SNOD addresses under the group B-tree node at `address`, in key order. */
function collectLeaves(state: ReadState, address: number, expectedLevel: number | undefined, leaves: number[]): void {
  const file = state.file;
  const c = cursorAt(file, address, 'group B-tree node');
  visitOnce(state, c.pos, 'group B-tree node');
  c.signature('TREE');
  const type = c.u8();
  if (type !== 0) c.fail(`B-tree node of type ${type} where a group's (type 0) was expected`);
  const level = c.u8();
  if (expectedLevel !== undefined && level !== expectedLevel) c.fail(`B-tree node of level ${level} under a node of level ${expectedLevel + 1}`);
  const entries = c.u16();
  c.skip(2 * file.offsetSize); // siblings
  const stride = file.lengthSize + file.offsetSize;
  c.need(entries * stride + file.lengthSize);
  chargeMetadata(state, 8 + entries * stride, 'group B-tree node', c.pos);
  const children: number[] = [];
  for (let i = 0; i < entries; i++) {
    c.skip(file.lengthSize); // key: heap offset of a name
    children.push(c.address('B-tree child'));
  }
  for (const child of children) {
    if (level === 0) leaves.push(child);
    else collectLeaves(state, child, level - 1, leaves);
  }
}
