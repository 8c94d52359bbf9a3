// Fuzzing readHdf5: 40,000 seeded variants of four real files (two from writeHdf5 in Keras's
// layouts, two from h5wasm: one h5py-like, one in h5wasm's default format with OHDR headers,
// dense links and attributes in fractal heaps, and chunked data under deflate, shuffle and
// fletcher32), each truncated, bit-flipped, overwritten or with an 8-byte word copied elsewhere
// (an address pointing somewhere else). Every variant must either be read or give an
// Hdf5FormatError that names a byte offset: never another exception, never more than a second,
// never values adding up to more than `maxValueBytes`, and Object.prototype untouched.
//
// Measured (Node 20, this machine): see the console line this test prints; about 10 s.

import { beforeAll, describe, expect, it } from 'vitest';
import { Hdf5FormatError, readHdf5, writeHdf5, type Hdf5Group, type Hdf5GroupSpec, type Hdf5Node } from '../../../src/formats/hdf5/index.js';
import { h5wasmFile, H5PY_LIBVER } from './h5wasm.js';
import { floats } from './keras_layouts.js';

const CASES = 40000;
const PER_CASE_MS = 1000;

/** A small Keras-like file: vars groups with name attributes, an optimizer past 8 entries, legacy string lists. */
function smallKerasSpec(): Hdf5GroupSpec {
  const vars = (name: string, shapes: number[][], seed: number): Hdf5GroupSpec => ({
    attributes: { name },
    children: Object.fromEntries(shapes.map((s, i) => [String(i), { kind: 'dataset' as const, shape: s, data: floats(s.reduce((a, b) => a * b, 1), seed + i) }])),
  });
  return {
    attributes: { keras_version: '3.6.0', backend: 'tensorflow', layer_names: { data: ['dense', 'dense_1'], dtype: { class: 'string', size: 7, charset: 'ascii', padding: 'null-padded' } } },
    children: {
      layers: { children: { dense: { children: { vars: vars('dense', [[4, 3], [3]], 1) } }, dense_1: { children: { vars: vars('dense_1', [[3, 2], [2]], 5) } }, dropout: { children: { vars: { attributes: { name: 'dropout' } } } } } },
      optimizer: { children: { vars: { attributes: { name: 'adam' }, children: Object.fromEntries(Array.from({ length: 11 }, (_, i) => [String(i), i === 0 ? { kind: 'dataset' as const, shape: [], data: BigInt64Array.of(3n) } : { kind: 'dataset' as const, shape: [2], data: floats(2, i) }])) } } },
      weight_names: { attributes: { weight_names: { data: new Float64Array(0) } } },
    },
  };
}

let bases: { name: string; bytes: Uint8Array }[] = [];

beforeAll(async () => {
  const values = floats(64, 9);
  bases = [
    { name: 'writeHdf5 Keras-like', bytes: writeHdf5(smallKerasSpec()) },
    { name: 'writeHdf5 strings and big-endian', bytes: writeHdf5({ children: { s: { kind: 'dataset', shape: [3], data: ['a', 'bb', 'é'] }, b: { kind: 'dataset', shape: [2, 2], data: Int32Array.of(1, -2, 3, -4), dtype: { class: 'int', bits: 32, signed: true, order: 'big' } }, link: { kind: 'softLink', target: '/s' } } }) },
    {
      name: 'h5wasm h5py-like',
      bytes: await h5wasmFile((f) => {
        const g = f.create_group('model_weights');
        g.create_attribute('layer_names', ['dense', 'conv'], null, 'A5');
        g.create_dataset({ name: 'kernel', data: values, shape: [8, 8], chunks: [4, 4], compression: 'gzip' });
        g.create_dataset({ name: 'bias', data: values.subarray(0, 8), shape: [8] });
        f.create_attribute('model_config', '{"class_name": "Sequential"}');
      }, H5PY_LIBVER),
    },
    {
      name: 'h5wasm default format',
      bytes: await h5wasmFile((f) => {
        for (let i = 0; i < 10; i++) f.create_group(`g${i}`).create_attribute('name', `layer_${i}`);
        for (let i = 0; i < 10; i++) f.create_attribute(`attr${i}`, i % 2 === 0 ? `text ${i}` : i);
        f.create_dataset({ name: 'shuffled', data: values, shape: [64], chunks: [16], compression: 2, compression_opts: [] });
        f.create_dataset({ name: 'checked', data: values, shape: [64], chunks: [32], compression: 3, compression_opts: [] });
        f.create_dataset({ name: 'zipped', data: values, shape: [8, 8], chunks: [3, 3], compression: 'gzip', compression_opts: 6 });
        f.create_dataset({ name: 'strings', data: ['x', 'yy', 'zzz'] });
        f.create_soft_link('/g0', 'alias');
      }),
    },
  ];
  for (const b of bases) readHdf5(b.bytes); // every base file is valid
});

/** Bytes of values a read returned (typed arrays, and strings at 2 bytes a character). */
function valueBytes(root: Hdf5Group): number {
  const seen = new Set<Hdf5Node>();
  let total = 0;
  const sized = (data: ArrayLike<unknown> & { byteLength?: number }): number =>
    data.byteLength ?? Array.from(data as string[]).reduce((n, s) => n + 2 * s.length, 0);
  const walk = (node: Hdf5Node): void => {
    if (seen.has(node)) return;
    seen.add(node);
    if (node.kind === 'softLink' || node.kind === 'externalLink') return;
    for (const a of node.attributes.values()) total += sized(a.data);
    if (node.kind === 'dataset') total += sized(node.data);
    else for (const child of node.children.values()) walk(child);
  };
  walk(root);
  return total;
}

describe('readHdf5 fuzzed', () => {
  it(`${CASES} truncated, bit-flipped and rewired files: read, or an Hdf5FormatError naming an offset`, () => {
    const prototypeBefore = Object.getOwnPropertyNames(Object.prototype).sort().join();
    let seed = Number(process.env.FUZZ_SEED ?? 0x5eed);
    const random = (n: number): number => {
      seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0;
      return Math.floor((seed / 2 ** 32) * n);
    };
    const outcomes = { parsed: 0, rejected: 0 };
    const byKind: Record<string, number> = {};
    let slowest = 0;
    const started = performance.now();
    for (let i = 0; i < CASES; i++) {
      const base = bases[i % bases.length].bytes;
      let bytes = base.slice();
      const kind = random(100);
      let what: string;
      if (kind < 20) {
        bytes = bytes.subarray(0, random(bytes.length));
        what = 'truncated';
      } else if (kind < 55) {
        for (let k = 0, n = 1 + random(4); k < n; k++) bytes[random(bytes.length)] ^= 1 << random(8);
        what = 'bit-flipped';
      } else if (kind < 80) {
        const at = random(bytes.length);
        const fill = [0, 0xff, random(256)][random(3)];
        for (let k = 0, n = 1 + random(8); k < n && at + k < bytes.length; k++) bytes[at + k] = fill;
        what = 'overwritten';
      } else {
        const from = random(bytes.length - 8);
        const to = random(bytes.length - 8);
        bytes.copyWithin(to, from, from + 8);
        what = 'word copied';
      }
      byKind[what] = (byKind[what] ?? 0) + 1;
      const maxValueBytes = 16 * base.length;
      const t0 = performance.now();
      try {
        const root = readHdf5(bytes, { maxValueBytes });
        expect(valueBytes(root), `case ${i} (${what}): values returned`).toBeLessThanOrEqual(maxValueBytes);
        outcomes.parsed++;
      } catch (e) {
        if (!(e instanceof Hdf5FormatError)) throw new Error(`case ${i} (${what} ${bases[i % bases.length].name}): ${String(e)}\n${(e as Error).stack}`);
        expect(e.message, `case ${i}`).toMatch(/byte \d+|not an HDF5 file/);
        outcomes.rejected++;
      }
      const ms = performance.now() - t0;
      slowest = Math.max(slowest, ms);
      expect(ms, `case ${i} (${what}) took ${ms.toFixed(0)} ms`).toBeLessThan(PER_CASE_MS);
    }
    const seconds = (performance.now() - started) / 1000;
    console.log(`HDF5 fuzz: ${CASES} cases (${JSON.stringify(byKind)}): ${outcomes.parsed} read, ${outcomes.rejected} rejected with Hdf5FormatError, ${seconds.toFixed(1)} s, slowest case ${slowest.toFixed(1)} ms`);
    expect(outcomes.parsed + outcomes.rejected).toBe(CASES);
    expect(outcomes.rejected).toBeGreaterThan(CASES / 4); // the mutations reach the structures
    expect(Object.getOwnPropertyNames(Object.prototype).sort().join()).toBe(prototypeBefore);
  });
});
