// The model-level readers fuzzed: 9,000 seeded variants of a .keras file and of a legacy .h5
// file, on top of the 60,000 of the format layer (test/formats/hdf5 and zip). A .keras zip is
// damaged as a whole (its CRC-32s catch most of that), and member by member with the archive
// rebuilt around the damaged member, so that config.json and model.weights.h5 reach their
// parsers damaged; an .h5 file is truncated, bit-flipped, overwritten or has an 8-byte word
// copied elsewhere. Every variant either loads (a damaged weight value is still a model) or is
// refused with a ModelFileError that names the byte offset, the member or the field: never
// another exception, never more than a second, never more weight values than the file holds,
// and Object.prototype untouched.
//
// Measured (Node 20, this machine): see the console line this test prints; about 20 s.

import { beforeAll, describe, expect, it } from 'vitest';
import * as tk from '../../src/index.js';
import { readZip, writeZip } from '../../src/formats/zip/index.js';
import { kerasFileBytes } from '../../src/saving/save.js';
import { functionalModel, prototypeSnapshot, randomizeWeights, sequentialCnn } from './helpers.js';

const CASES = { kerasWhole: 1500, kerasConfig: 2500, kerasWeights: 2000, h5: 3000 };
const PER_CASE_MS = 1000;
const NAMED = /bytes starting with|it is empty|no model config found|byte \d+|offset|member|config\.json|model\.weights\.h5|model_config|model_weights|training_config|optimizer/;

let files: { keras: Uint8Array[]; h5: Uint8Array[] } = { keras: [], h5: [] };

beforeAll(() => {
  tk.clearSession();
  const seq = sequentialCnn();
  randomizeWeights(seq, 1);
  seq.compile({ optimizer: 'adam', loss: 'categorical_crossentropy', metrics: ['accuracy'] });
  const fun = functionalModel();
  randomizeWeights(fun, 2);
  files = {
    keras: [kerasFileBytes(seq, 'keras', { includeOptimizer: true }), kerasFileBytes(fun, 'keras')],
    h5: [kerasFileBytes(seq, 'h5', { includeOptimizer: true }), kerasFileBytes(fun, 'h5')],
  };
});

/** A seeded generator of integers in [0, n). */
function generator(seed: number): (n: number) => number {
  let s = seed >>> 0;
  return (n) => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return Math.floor((s / 2 ** 32) * n);
  };
}

/** One damage to a copy of `base`: truncation, bit flips, an overwritten run, or a copied 8-byte word. */
function damage(base: Uint8Array, random: (n: number) => number): { bytes: Uint8Array; what: string } {
  let bytes = base.slice();
  const kind = random(100);
  if (kind < 20) return { bytes: bytes.subarray(0, random(bytes.length)), what: 'truncated' };
  if (kind < 55) {
    for (let k = 0, n = 1 + random(4); k < n; k++) bytes[random(bytes.length)]! ^= 1 << random(8);
    return { bytes, what: 'bit-flipped' };
  }
  if (kind < 80) {
    const at = random(bytes.length);
    const fill = [0, 0xff, random(256)][random(3)]!;
    for (let k = 0, n = 1 + random(8); k < n && at + k < bytes.length; k++) bytes[at + k] = fill;
    return { bytes, what: 'overwritten' };
  }
  if (bytes.length < 16) return { bytes, what: 'unchanged' };
  const from = random(bytes.length - 8);
  bytes.copyWithin(random(bytes.length - 8), from, from + 8);
  bytes = bytes.slice();
  return { bytes, what: 'word copied' };
}

/** The .keras file with one member damaged and the archive rebuilt (valid CRCs). */
function damageMember(file: Uint8Array, member: string, random: (n: number) => number): { bytes: Uint8Array; what: string } {
  const entries = readZip(file);
  let what = '';
  const rebuilt = entries.map((e) => {
    if (e.name !== member) return { name: e.name, data: e.data };
    const d = damage(e.data, random);
    what = `${member} ${d.what}`;
    return { name: e.name, data: d.bytes };
  });
  return { bytes: writeZip(rebuilt), what };
}

describe('tk.loadModel fuzzed', () => {
  it(`${Object.values(CASES).reduce((a, b) => a + b, 0)} damaged .keras and .h5 files: loaded, or a ModelFileError naming the offset, member or field`, async () => {
    const before = prototypeSnapshot();
    const random = generator(Number(process.env.FUZZ_SEED ?? 0xbadf11e));
    const outcomes = { loaded: 0, rejected: 0 };
    let slowest = 0;
    const unnamed: string[] = [];
    const started = performance.now();
    const plan: [keyof typeof CASES, number][] = Object.entries(CASES) as [keyof typeof CASES, number][];
    for (const [kind, count] of plan) {
      for (let i = 0; i < count; i++) {
        const h5 = kind === 'h5';
        const base = (h5 ? files.h5 : files.keras)[i % 2]!;
        const variant = kind === 'kerasConfig' ? damageMember(base, 'config.json', random)
          : kind === 'kerasWeights' ? damageMember(base, 'model.weights.h5', random)
            : damage(base, random);
        const label = `${kind} case ${i} (${variant.what})`;
        const t0 = performance.now();
        try {
          const model = await tk.loadModel(variant.bytes, { onWarning: () => {} });
          const values = model.weights.reduce((n, w) => n + w.size, 0);
          expect(4 * values, `${label}: weight bytes`).toBeLessThanOrEqual(variant.bytes.length);
          outcomes.loaded++;
        } catch (e) {
          if (!(e instanceof tk.io.ModelFileError)) throw new Error(`${label}: ${String(e)}\n${(e as Error).stack}`);
          // Past the file's label ('the given bytes: '), the message says where.
          const where = e.message.replace(/^the given bytes: /, '');
          if (!NAMED.test(where)) unnamed.push(`${label}: ${e.message.slice(0, 300)}`);
          outcomes.rejected++;
        }
        const ms = performance.now() - t0;
        slowest = Math.max(slowest, ms);
        expect(ms, `${label} took ${ms.toFixed(0)} ms`).toBeLessThan(PER_CASE_MS);
      }
    }
    const seconds = (performance.now() - started) / 1000;
    const total = Object.values(CASES).reduce((a, b) => a + b, 0);
    console.log(`model fuzz: ${total} cases (${JSON.stringify(CASES)}): ${outcomes.loaded} loaded, ${outcomes.rejected} rejected with ModelFileError, ${seconds.toFixed(1)} s, slowest case ${slowest.toFixed(1)} ms`);
    expect(unnamed.slice(0, 20)).toEqual([]);
    expect(outcomes.loaded + outcomes.rejected).toBe(total);
    expect(outcomes.rejected).toBeGreaterThan(total / 2);
    expect(prototypeSnapshot()).toEqual(before);
  }, 300_000);
});
