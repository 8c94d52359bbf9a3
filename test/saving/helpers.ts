// Shared by the saving tests: small models of each kind, reading a .keras zip's members, and
// h5wasm (libhdf5 in WebAssembly) as the independent reader of the HDF5 files tensorkit writes.

import { readFileSync } from 'node:fs';
import type { Dataset, File, Group } from 'h5wasm/node';
import { expect } from 'vitest';
import * as tk from '../../src/index.js';
import { readZip, type ZipEntry } from '../../src/formats/zip/index.js';
import { openWithH5wasm } from '../formats/hdf5/h5wasm.js';

export { tempDir, expectBitEqual, maxAbsDiff, prototypeSnapshot } from '../io/helpers.js';
export { h5wasmFile, openWithH5wasm, H5PY_LIBVER } from '../formats/hdf5/h5wasm.js';

/** A Sequential CNN with every weight kind: conv kernels, BatchNormalization statistics, Dense. */
export function sequentialCnn(): tk.Sequential {
  return new tk.Sequential([
    new tk.layers.Conv2D(4, 3, { activation: 'relu', inputShape: [8, 8, 2] }),
    new tk.layers.MaxPooling2D([2, 2]),
    new tk.layers.BatchNormalization(),
    new tk.layers.Flatten(),
    new tk.layers.Dropout(0.3),
    new tk.layers.Dense(5, 'softmax'),
  ]);
}

/**
 * A functional model with two inputs, a shared layer, a merge, a nested Sequential (with
 * BatchNormalization), a nested functional model, a Concatenate branch and two outputs.
 */
export function functionalModel(): tk.Model<tk.Tensor[]> {
  const inner = new tk.Sequential([new tk.layers.Dense(6, { activation: 'relu', inputShape: [4] }), new tk.layers.BatchNormalization()]);
  const fi = tk.input({ shape: [6] });
  const nested = tk.model({ inputs: fi, outputs: new tk.layers.Dense(3, 'tanh').apply(fi), name: 'head' });
  const a = tk.input({ shape: [4], name: 'a' });
  const b = tk.input({ shape: [4], name: 'b' });
  const shared = new tk.layers.Dense(4, { activation: 'tanh', name: 'shared' });
  const h1 = shared.apply(a);
  const h2 = shared.apply(b);
  const sum = new tk.layers.Add().apply([h1, h2]);
  const n = inner.apply(sum);
  const y1 = nested.apply(n);
  const y2 = new tk.layers.Dense(2, { name: 'out2' }).apply(new tk.layers.Concatenate().apply([n, h1]));
  return tk.model({ inputs: [a, b], outputs: [y1, y2] }) as tk.Model<tk.Tensor[]>;
}

/** Seeded weights, far from the initializers' values (so a weight left unloaded shows). */
export function randomizeWeights(model: tk.Model<tk.Tensor | tk.Tensor[]>, seed: number): void {
  model.setWeights(model.weights.map((w, i) => {
    const t = tk.randomNormal(w.shape as number[], { seed: seed + i, stddev: 0.5 });
    // Variances must stay positive (BatchNormalization's moving_variance, Normalization's variance).
    return w.name?.endsWith('moving_variance') === true || w.name?.endsWith('/variance') === true ? tk.add(tk.abs(t), 0.5) : t;
  }));
}

/** The members of a .keras file on disk. */
export function zipMembers(file: string): ZipEntry[] {
  return readZip(new Uint8Array(readFileSync(file)));
}

/** A member's text. */
export function memberText(entries: readonly ZipEntry[], name: string): string {
  const e = entries.find((m) => m.name === name);
  if (e === undefined) throw new Error(`no member ${name}`);
  return new TextDecoder().decode(e.data);
}

/** Opens HDF5 bytes with h5wasm, runs `f`, closes. */
export async function withH5wasm<T>(bytes: Uint8Array, f: (file: File) => T): Promise<T> {
  const { file } = await openWithH5wasm(bytes);
  try {
    return f(file);
  } finally {
    file.close();
  }
}

/** A dataset's values and shape as h5wasm reads them. */
export function h5Values(file: File, path: string): { shape: number[]; values: number[]; type: number; size: number } {
  const d = file.get(path) as Dataset | null;
  expect(d, `h5wasm: ${path} exists`).not.toBeNull();
  const meta = d!.metadata;
  const raw = d!.value as ArrayLike<number | bigint> | number | bigint;
  // A scalar comes back as a number or a bigint.
  const list = typeof raw === 'number' || typeof raw === 'bigint' ? [raw] : Array.from(raw);
  return { shape: d!.shape ?? [], values: list.map((v) => Number(v)), type: meta.type, size: meta.size };
}

/** The members of an h5wasm group (sorted), or null when the path is not a group. */
export function h5Keys(file: File, path: string): string[] | null {
  const g = file.get(path) as Group | null;
  if (g === null || typeof (g as Group).keys !== 'function') return null;
  return [...(g as Group).keys()].sort();
}

/** An attribute's value as h5wasm reads it. */
export function h5Attr(file: File, path: string, name: string): unknown {
  const o = file.get(path) as Group | null;
  expect(o, `h5wasm: ${path} exists`).not.toBeNull();
  const a = o!.attrs[name];
  return a === undefined ? undefined : a.value;
}
