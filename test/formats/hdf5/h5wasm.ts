// h5wasm (libhdf5 compiled to WebAssembly) as the independent HDF5 oracle of the tests: files
// it writes are read by readHdf5, files writeHdf5 produces are opened by it, and a whole file is
// compared record by record with what libhdf5 reads from it.

import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import h5wasm, { Module, type Attribute, type Dataset, type File, type Group } from 'h5wasm/node';
import { afterAll, expect } from 'vitest';
import type { Hdf5Attribute, Hdf5Data, Hdf5Dataset, Hdf5Dtype, Hdf5Group } from '../../../src/formats/hdf5/index.js';

export { h5wasm };
export type { File as H5File, Group as H5Group };

let dir: string | undefined;
let counter = 0;
afterAll(() => {
  if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
});

/** A fresh path in the test's temporary directory. */
export function tempPath(name = 'f.h5'): string {
  dir ??= mkdtempSync(path.join(tmpdir(), 'tk-hdf5-'));
  return path.join(dir, `${counter++}-${name}`);
}

/**
 * h5py's default: the earliest format able to hold the data, which is superblock 0, version-1
 * object headers and symbol-table groups (HDF5 2.0 rejects ['earliest', 'earliest']).
 */
export const H5PY_LIBVER = ['earliest', 'v200'] as const;

/** Builds a file with h5wasm and returns its bytes. `libver` undefined: h5wasm's default. */
export async function h5wasmFile(build: (f: File) => void, libver?: readonly [string, string]): Promise<Uint8Array> {
  await h5wasm.ready;
  const p = tempPath();
  const f = libver === undefined ? new h5wasm.File(p, 'w') : new h5wasm.File(p, 'w', { libver: [...libver] as never });
  try {
    build(f);
  } finally {
    f.close();
  }
  return new Uint8Array(readFileSync(p));
}

/** Opens bytes with h5wasm (read-only, or 'a' to append); the caller closes the file. */
export async function openWithH5wasm(bytes: Uint8Array, mode: 'r' | 'a' = 'r'): Promise<{ file: File; path: string }> {
  await h5wasm.ready;
  const p = tempPath();
  writeFileSync(p, bytes);
  return { file: new h5wasm.File(p, mode), path: p };
}

/** Does the byte string `signature` occur in `bytes`? (to see which structures a file has) */
export function contains(bytes: Uint8Array, signature: string): boolean {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length).includes(Buffer.from(signature, 'latin1'));
}

/** Our dtype compared with the metadata libhdf5 reports for the same object. */
export function expectSameDtype(ours: Hdf5Dtype, meta: { type: number; size: number; signed: boolean; littleEndian: boolean; vlen: boolean; cset?: number }, what: string): void {
  if (ours.class === 'string') {
    expect(meta.type, `${what}: class`).toBe(3);
    expect(meta.vlen, `${what}: variable length`).toBe(ours.size === 'variable');
    if (ours.size !== 'variable') expect(meta.size, `${what}: size`).toBe(ours.size);
    expect(meta.cset, `${what}: charset`).toBe(ours.charset === 'ascii' ? 0 : 1);
    return;
  }
  expect(meta.type, `${what}: class`).toBe(ours.class === 'int' ? 0 : 1);
  expect(meta.size * 8, `${what}: bits`).toBe(ours.bits);
  if (ours.class === 'int') expect(meta.signed, `${what}: signed`).toBe(ours.signed);
  // h5wasm reports the byte order of multi-byte types only.
  if (meta.size > 1) expect(meta.littleEndian, `${what}: byte order`).toBe(ours.order === 'little');
}

/** Values as plain numbers / bigints / strings, for comparison. */
function plain(v: unknown): unknown[] {
  if (typeof v === 'string' || typeof v === 'number' || typeof v === 'bigint') return [v];
  if (ArrayBuffer.isView(v)) return Array.from(v as unknown as ArrayLike<unknown>);
  if (Array.isArray(v)) return v.flatMap((x) => plain(x));
  throw new Error(`unexpected h5wasm value ${String(v)}`);
}

/** NaN-safe, -0-safe equality of two value lists. */
export function expectSameValues(ours: Hdf5Data, theirs: unknown, what: string): void {
  const a = Array.from(ours as ArrayLike<unknown>);
  const b = theirs === null ? [] : plain(theirs);
  expect(a.length, `${what}: element count`).toBe(b.length);
  for (let i = 0; i < a.length; i++) {
    if (!Object.is(a[i], b[i]) && !(typeof a[i] === 'number' && a[i] === b[i])) {
      expect(a[i], `${what}[${i}]`).toEqual(b[i]);
    }
  }
}

function compareAttributes(ours: ReadonlyMap<string, Hdf5Attribute>, attrs: Record<string, Attribute>, what: string): number {
  const names = Object.keys(attrs).sort();
  expect([...ours.keys()].sort(), `${what}: attribute names`).toEqual(names);
  for (const name of names) {
    const a = ours.get(name)!;
    const t = attrs[name];
    expect([...a.shape], `${what} @${name}: shape`).toEqual(t.shape ?? []);
    expectSameDtype(a.dtype, t.metadata, `${what} @${name}`);
    expectSameValues(a.data, t.value, `${what} @${name}`);
  }
  return names.length;
}

/**
 * Walks libhdf5's view of a file and readHdf5's together: the same members, shapes, dtypes,
 * values and attributes everywhere. Returns how many objects and attributes were compared.
 */
export function expectSameTree(ours: Hdf5Group, theirs: Group, where = '/'): { objects: number; attributes: number } {
  const count = { objects: 1, attributes: compareAttributes(ours.attributes, theirs.attrs, where) };
  const keys = theirs.keys();
  expect([...ours.children.keys()], `${where}: members (in bytewise order)`).toEqual([...keys].sort((x, y) => Buffer.compare(Buffer.from(x), Buffer.from(y))));
  for (const key of keys) {
    const childPath = where === '/' ? `/${key}` : `${where}/${key}`;
    const mine = ours.children.get(key)!;
    // h5wasm's get_type and get_link take a path from the root.
    const type = theirs.get_type(childPath);
    if (mine.kind === 'softLink') {
      expect(theirs.get_link(childPath), `${childPath}: link target`).toBe(mine.target);
      continue;
    }
    if (mine.kind === 'externalLink') {
      expect(theirs.get_external_link(childPath), `${childPath}: link target`).toEqual({ filename: mine.file, obj_path: mine.target });
      continue;
    }
    const other = theirs.get(key);
    if (mine.kind === 'group') {
      expect(type, `${childPath}: a group`).toBe(Module.H5G_GROUP);
      const sub = expectSameTree(mine, other as Group, childPath);
      count.objects += sub.objects;
      count.attributes += sub.attributes;
    } else {
      const d = other as Dataset;
      expect(type, `${childPath}: a dataset`).toBe(Module.H5G_DATASET);
      expectSameDataset(mine, d, childPath);
      count.objects++;
      count.attributes += compareAttributes(mine.attributes, d.attrs, childPath);
    }
  }
  return count;
}

export function expectSameDataset(ours: Hdf5Dataset, theirs: Dataset, what: string): void {
  expect([...ours.shape], `${what}: shape`).toEqual(theirs.shape ?? []);
  expectSameDtype(ours.dtype, theirs.metadata, what);
  if (ours.dtype.class === 'float' && ours.dtype.bits === 16) return; // h5wasm cannot read float16 values
  let value = theirs.value;
  // libhdf5 hands space-padded strings over with their padding; readHdf5 removes it.
  if (ours.dtype.class === 'string' && ours.dtype.padding === 'space-padded' && Array.isArray(value)) value = value.map((s) => String(s).replace(/ +$/, ''));
  expectSameValues(ours.data, value, what);
}
