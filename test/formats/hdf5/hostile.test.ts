// Hostile and broken HDF5 files, one crafted defect at a time, each with the error it must give:
// not HDF5 at all, truncated, unsupported versions, a group that contains itself, a B-tree that
// points at itself, two groups sharing one B-tree, sizes far beyond the file, limits, checksums,
// corrupt compressed chunks. Every one is an Hdf5FormatError whose message names the offset.

import { describe, expect, it } from 'vitest';
import { getNode, Hdf5FormatError, readHdf5, writeHdf5, type Hdf5Dataset, type Hdf5Group, type Hdf5GroupSpec } from '../../../src/formats/hdf5/index.js';
import { h5wasmFile, H5PY_LIBVER } from './h5wasm.js';
import { floats } from './keras_layouts.js';

/** Runs `read` and returns the Hdf5FormatError it throws (failing if it throws anything else or nothing). */
function formatError(read: () => unknown): Hdf5FormatError {
  try {
    read();
  } catch (e) {
    expect(e, String(e)).toBeInstanceOf(Hdf5FormatError);
    return e as Hdf5FormatError;
  }
  throw new Error('expected an Hdf5FormatError, but the file was read');
}

const u64 = (v: number): Uint8Array => {
  const b = new Uint8Array(8);
  new DataView(b.buffer).setBigUint64(0, BigInt(v), true);
  return b;
};

/** Every offset where `needle` occurs in `bytes`. */
function find(bytes: Uint8Array, needle: Uint8Array | string): number[] {
  const n = typeof needle === 'string' ? new TextEncoder().encode(needle) : needle;
  const out: number[] = [];
  for (let i = 0; i + n.length <= bytes.length; i++) {
    let ok = true;
    for (let k = 0; k < n.length && ok; k++) ok = bytes[i + k] === n[k];
    if (ok) out.push(i);
  }
  return out;
}

/** Replaces the 8-byte address `from` with `to` in the symbol table entries (SNODs) of a file. */
function redirectEntry(bytes: Uint8Array, from: number, to: number): Uint8Array {
  const out = bytes.slice();
  for (const snod of find(out, 'SNOD')) {
    const count = out[snod + 6] | (out[snod + 7] << 8);
    for (let i = 0; i < count; i++) {
      const at = snod + 8 + 40 * i + 8; // the entry's object header address
      if (Number(new DataView(out.buffer).getBigUint64(at, true)) === from) {
        out.set(u64(to), at);
        return out;
      }
    }
  }
  throw new Error(`no symbol table entry points at ${from}`);
}

const twoGroups: Hdf5GroupSpec = {
  children: {
    a: { children: { x: { kind: 'dataset', shape: [3], data: Float32Array.of(1, 2, 3) } } },
    b: { children: { y: { kind: 'dataset', shape: [2], data: Float32Array.of(4, 5) } } },
  },
};

describe('readHdf5 refuses broken files with an Hdf5FormatError naming the offset', () => {
  it('input that is not HDF5', () => {
    for (const bytes of [new Uint8Array(0), new Uint8Array(7), new Uint8Array(1000).fill(0x41), new Uint8Array([0x50, 0x4b, 3, 4, 0, 0, 0, 0, 0, 0])]) {
      expect(formatError(() => readHdf5(bytes)).message).toMatch(/not an HDF5 file: no superblock signature/);
    }
    expect(formatError(() => readHdf5('model.h5' as unknown as Uint8Array)).message).toMatch(/expects a Uint8Array, got string/);
  });

  it('a truncated file, cut anywhere', () => {
    const bytes = writeHdf5(twoGroups);
    for (const cut of [9, 40, 95, 96, 200, bytes.length >> 1, bytes.length - 1]) {
      const e = formatError(() => readHdf5(bytes.subarray(0, cut)));
      expect(e.message, `cut at ${cut}`).toMatch(/byte \d+/);
      expect(e.offset, `cut at ${cut}`).toBeTypeOf('number');
    }
    expect(formatError(() => readHdf5(bytes.subarray(0, bytes.length - 1))).message).toBe(
      `HDF5 file is truncated: the superblock says it ends at byte ${bytes.length}, but it has ${bytes.length - 1} bytes`,
    );
  });

  it('unsupported superblock versions and sizes', () => {
    const bytes = writeHdf5(twoGroups);
    const v9 = bytes.slice();
    v9[8] = 9;
    expect(formatError(() => readHdf5(v9)).message).toBe('HDF5 superblock at byte 8: superblock version 9 is not supported (0 to 3 are)');
    const odd = bytes.slice();
    odd[13] = 3;
    expect(formatError(() => readHdf5(odd)).message).toMatch(/size of offsets 3 \(must be 2, 4 or 8\)/);
  });

  it('a group that contains itself (a cycle of hard links)', () => {
    const bytes = writeHdf5(twoGroups);
    const root = readHdf5(bytes);
    const a = root.children.get('a') as Hdf5Group;
    const x = a.children.get('x') as Hdf5Dataset;
    const e = formatError(() => readHdf5(redirectEntry(bytes, x.address, a.address)));
    expect(e.message).toBe(`HDF5 "/a/x" at byte ${a.address} leads back to the group "/a" that contains it (a cycle of hard links)`);
  });

  it('one object reached by two hard links is read once, as the same record', () => {
    const bytes = writeHdf5(twoGroups);
    const root = readHdf5(bytes);
    const x = getNode(root, 'a/x') as Hdf5Dataset;
    const y = getNode(root, 'b/y') as Hdf5Dataset;
    const shared = readHdf5(redirectEntry(bytes, y.address, x.address));
    expect(getNode(shared, 'b/y')).toBe(getNode(shared, 'a/x'));
  });

  it('a B-tree node that points at itself, and two groups sharing one B-tree', () => {
    const bytes = writeHdf5(twoGroups);
    const trees = find(bytes, 'TREE');
    // Root, a, b: each group has one B-tree node. Make a's node a level-1 node whose child is itself.
    const loop = bytes.slice();
    const node = trees[1];
    loop[node + 5] = 1;
    loop.set(u64(node), node + 24 + 8);
    expect(formatError(() => readHdf5(loop)).message).toBe(`HDF5 group B-tree node at byte ${node} is reached twice: the file's pointers form a loop or are shared (a corrupt file)`);
    // b's symbol table message pointing at a's B-tree: every member would be listed twice over.
    const shared = bytes.slice();
    const aTree = u64(trees[1]);
    const bTree = find(shared, u64(trees[2]));
    for (const at of bTree) shared.set(aTree, at); // the symbol table message and the root entry's scratch pad
    expect(formatError(() => readHdf5(shared)).message).toMatch(/is reached twice/);
  });

  it('a dataset declaring 2^40 elements and no storage: refused before allocating', () => {
    const spec: Hdf5GroupSpec = { children: { empty: { kind: 'dataset', shape: [0], data: new Float32Array(0) } } };
    const bytes = writeHdf5(spec);
    // The dataspace message: version 1, rank 1, flags 1, then the dimension and the maximum (both 0).
    const space = find(bytes, new Uint8Array([1, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]))[0];
    const huge = bytes.slice();
    huge.set(u64(2 ** 40), space + 8);
    const started = performance.now();
    const e = formatError(() => readHdf5(huge));
    expect(performance.now() - started).toBeLessThan(100);
    expect(e.message).toMatch(/dataset "\/empty" at byte \d+: 4398046511104 more bytes of values would exceed the limit of \d+ bytes \(0 used so far; raise the maxValueBytes option/);
  });

  it('a contiguous dataset whose storage is outside the file', () => {
    const bytes = writeHdf5({ children: { w: { kind: 'dataset', shape: [4], data: Float32Array.of(9, 8, 7, 6) } } });
    const data = find(bytes, new Uint8Array(Float32Array.of(9, 8, 7, 6).buffer))[0];
    const moved = bytes.slice();
    moved.set(u64(bytes.length - 8), find(moved, u64(data))[0]);
    expect(formatError(() => readHdf5(moved)).message).toMatch(/HDF5 data of dataset "\/w" at byte \d+: it is 16 bytes long, but only 8 remain in the file/);
  });

  it('limits: maxValueBytes and maxDepth', () => {
    const bytes = writeHdf5({ children: { big: { kind: 'dataset', shape: [1000], data: new Float32Array(1000) } } });
    expect(formatError(() => readHdf5(bytes, { maxValueBytes: 3999 })).message).toMatch(/4000 more bytes of values would exceed the limit of 3999 bytes/);
    expect(readHdf5(bytes, { maxValueBytes: 4000 }).children.size).toBe(1);
    let deep: Hdf5GroupSpec = {};
    for (let i = 0; i < 300; i++) deep = { children: { g: deep } };
    const deepBytes = writeHdf5(deep);
    expect(formatError(() => readHdf5(deepBytes)).message).toMatch(/is nested more than 256 groups deep \(the maxDepth option\)/);
    expect(readHdf5(deepBytes, { maxDepth: 400 }).children.size).toBe(1);
    expect(formatError(() => readHdf5(deepBytes, { maxDepth: 5000 })).message).toBe('readHdf5: maxDepth must be an integer from 1 to 1000, got 5000');
    let tooDeep: Hdf5GroupSpec = {};
    for (let i = 0; i < 1002; i++) tooDeep = { children: { g: tooDeep } };
    expect(() => writeHdf5(tooDeep)).toThrow(/groups are nested more than 1000 deep/);
  });

  it('checksums of the newer structures (superblock 2, OHDR) are verified', async () => {
    const bytes = await h5wasmFile((f) => f.create_group('g').create_attribute('a', 1));
    const badSuper = bytes.slice();
    badSuper[40] ^= 0x01; // inside the superblock's checksummed bytes (the root address)
    expect(formatError(() => readHdf5(badSuper)).message).toMatch(/superblock checksum mismatch|past the end of the file/);
    const ohdr = find(bytes, 'OHDR')[1];
    const badHeader = bytes.slice();
    badHeader[ohdr + 8] ^= 0x10;
    expect(formatError(() => readHdf5(badHeader)).message).toMatch(new RegExp(`HDF5 object header at byte ${ohdr}: object header checksum mismatch`));
  });

  it('a corrupt deflated chunk and a fletcher32 mismatch', async () => {
    const values = floats(400, 3);
    const bytes = await h5wasmFile((f) => {
      f.create_dataset({ name: 'z', data: values, shape: [20, 20], chunks: [10, 10], compression: 'gzip' });
      f.create_dataset({ name: 'f', data: values, shape: [400], chunks: [400], compression: 3, compression_opts: [] });
    }, H5PY_LIBVER);
    const root = readHdf5(bytes);
    expect(Array.from((root.children.get('f') as Hdf5Dataset).data as Float32Array)).toEqual(Array.from(values));
    // The fletcher32 chunk holds the raw floats (written last; zlib may store the other chunk's too).
    const raw = find(bytes, new Uint8Array(values.buffer, 0, 16)).at(-1)!;
    const flipped = bytes.slice();
    flipped[raw + 100] ^= 4;
    expect(formatError(() => readHdf5(flipped)).message).toMatch(/chunk \[0\] of dataset "\/f" at byte \d+: fletcher32 checksum mismatch/);
    // A zlib stream starts 78 xx: damage the middle of the first one.
    const zlibStart = find(bytes, new Uint8Array([0x78, 0x9c]))[0] ?? find(bytes, new Uint8Array([0x78, 0x5e]))[0];
    const damaged = bytes.slice();
    for (let k = 10; k < 30; k++) damaged[zlibStart + k] ^= 0x55;
    expect(formatError(() => readHdf5(damaged)).message).toMatch(/chunk \[0,0\] of dataset "\/z" at byte \d+: deflate filter: /);
  });
});
