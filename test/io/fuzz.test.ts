// Fuzzing the loader with fast-check: thousands of corrupted model.json texts, structurally
// mutated topologies and manifests (hostile values and keys in random places), corrupted weight
// files, and corrupted in-memory artifacts. Every run must end in a loaded model or an Error with
// a message: no other kind of throw, no crash, no hang (each run has a time limit), no unhandled
// rejection, and Object.prototype untouched at the end.

import fc from 'fast-check';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as tk from '../../src/index.js';
import { prototypeSnapshot, tempDir } from './helpers.js';

let base: { text: string; shards: Map<string, Uint8Array>; doc: Record<string, unknown> };
const prototypeBefore = prototypeSnapshot();
const unhandled: unknown[] = [];
const onUnhandled = (reason: unknown): void => {
  unhandled.push(reason);
};
const outcomes = { loaded: 0, rejected: 0 };

beforeAll(async () => {
  process.on('unhandledRejection', onUnhandled);
  tk.setSeed(5);
  const model = new tk.Sequential([
    new tk.layers.Conv2D(2, 3, { inputShape: [5, 5, 1], activation: 'relu' }),
    new tk.layers.MaxPooling2D({ poolSize: 2, padding: 'same' }),
    new tk.layers.BatchNormalization(),
    new tk.layers.Flatten(),
    new tk.layers.Dropout(0.5),
    new tk.layers.Dense(3, { activation: 'softmax', kernelRegularizer: 'l2' }),
  ]);
  model.compile({ optimizer: 'adam', loss: 'categorical_crossentropy', metrics: ['accuracy'] });
  model.trainOnBatch(tk.randomNormal([4, 5, 5, 1], { seed: 1 }), tk.oneHot(tk.tensor([0, 1, 2, 0]), 3));
  const dir = tempDir();
  await model.save(dir, { includeOptimizer: true });
  const { readFileSync } = await import('node:fs');
  const text = readFileSync(path.join(dir, 'model.json'), 'utf8');
  const doc = JSON.parse(text) as { weightsManifest: { paths: string[] }[] };
  const shards = new Map(doc.weightsManifest[0]!.paths.map((p) => [p, new Uint8Array(readFileSync(path.join(dir, p)))]));
  base = { text, shards, doc: doc as unknown as Record<string, unknown> };
});

afterAll(() => {
  process.off('unhandledRejection', onUnhandled);
});

/** Loads from model.json text and a shard map; returns normally or throws, and records which. */
async function loadText(text: string, shards: Map<string, Uint8Array>): Promise<void> {
  const read = async (p: string): Promise<Uint8Array> => {
    const bytes = shards.get(p);
    if (bytes === undefined) throw new tk.io.ModelFileError(`missing weights file '${p}'`);
    return bytes;
  };
  await checkOutcome(async () => tk.loadModel(await tk.io.artifactsFromJsonText(text, 'model.json', read), { onWarning: () => undefined }));
}

async function checkOutcome(load: () => Promise<tk.Model<tk.Tensor>>): Promise<void> {
  try {
    const model = await load();
    expect(model).toBeInstanceOf(tk.Sequential);
    outcomes.loaded++;
  } catch (e) {
    // The property: only clean errors.
    if (!(e instanceof Error)) throw new Error(`a non-Error was thrown: ${String(e)}`);
    if (typeof e.message !== 'string' || e.message.length === 0) throw new Error(`an Error without a message: ${e.name}`);
    outcomes.rejected++;
  }
}

// ---- arbitraries ----------------------------------------------------------------------------

const hostileString = fc.constantFrom(
  '__proto__', 'constructor', 'prototype', 'toString', '../x.bin', '/etc/passwd', 'C:\\x.bin', 'file:///x', '', ' ', 'float64', 'bool', 'int32',
  'Lambda', 'Sequential', 'Dense', 'Conv2D', 'InputLayer', 'relu', 'linear', 'channels_first', 'same', 'valid', 'optimizer', 'model',
  'uint8', 'float16', 'layers-model', 'graph-model', 'a/b', '\u0000', 'x'.repeat(2000),
);
const hostileNumber = fc.oneof(
  fc.constantFrom(-1, 0, 1, 2, 3, 0.5, -0.5, 1e9, 2 ** 31, 2 ** 32, 2 ** 53, 1e308, -1e308, Number.MIN_VALUE),
  fc.integer({ min: -5, max: 70 }),
  fc.integer(),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
);
const leaf = fc.oneof(hostileString, hostileNumber, fc.boolean(), fc.constant(null), fc.string({ maxLength: 12 }));
const hostileValue: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 6, arbitrary: leaf },
  { weight: 2, arbitrary: fc.array(leaf, { maxLength: 6 }) },
  { weight: 1, arbitrary: fc.array(fc.integer({ min: -3, max: 10 }), { maxLength: 5 }) },
  { weight: 1, arbitrary: fc.dictionary(fc.oneof(hostileString, fc.string({ maxLength: 8 })), leaf, { maxKeys: 4 }) },
  { weight: 1, arbitrary: fc.constantFrom({}, [], [[[]]], { class_name: 'Zeros', config: {} }, { class_name: 'L1L2', config: { l1: -1 } }) },
);

/** The type of the values an arbitrary generates. */
type ValueOf<A> = A extends fc.Arbitrary<infer T> ? T : never;

type Mutation =
  | { kind: 'replace'; at: number; value: unknown }
  | { kind: 'delete'; at: number }
  | { kind: 'add'; at: number; key: string; value: unknown };

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  { weight: 5, arbitrary: fc.record({ kind: fc.constant('replace' as const), at: fc.nat(), value: hostileValue }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('delete' as const), at: fc.nat() }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('add' as const), at: fc.nat(), key: fc.oneof(hostileString, fc.string({ maxLength: 10 })), value: hostileValue }) },
);

/** Every [container, key] in a JSON tree, in a fixed order. */
function slots(root: unknown): [Record<string | number, unknown>, string | number][] {
  const out: [Record<string | number, unknown>, string | number][] = [];
  const visit = (node: unknown): void => {
    if (node === null || typeof node !== 'object') return;
    for (const key of Object.keys(node)) {
      const k = Array.isArray(node) ? Number(key) : key;
      out.push([node as Record<string | number, unknown>, k]);
      visit((node as Record<string, unknown>)[key]);
    }
  };
  visit(root);
  return out;
}

/** Applies mutations to a copy of `doc`; keys like __proto__ are written as own data keys. */
function mutate(doc: unknown, mutations: readonly Mutation[]): unknown {
  const copy = structuredClone(doc);
  for (const m of mutations) {
    const all = slots(copy);
    if (all.length === 0) break;
    const [container, key] = all[m.at % all.length]!;
    if (m.kind === 'replace') Object.defineProperty(container, key, { value: structuredClone(m.value), enumerable: true, writable: true, configurable: true });
    else if (m.kind === 'delete') {
      if (Array.isArray(container)) container.splice(key as number, 1);
      else delete container[key];
    } else {
      const target = container[key];
      if (target !== null && typeof target === 'object' && !Array.isArray(target)) {
        Object.defineProperty(target, m.key, { value: structuredClone(m.value), enumerable: true, writable: true, configurable: true });
      } else if (Array.isArray(target)) target.push(structuredClone(m.value));
    }
  }
  return copy;
}

const textEdit = fc.oneof(
  fc.record({ kind: fc.constant('flip' as const), at: fc.nat(), char: fc.constantFrom('"', '{', '}', '[', ']', ',', ':', '0', '9', '-', 'e', '\\', ' ', 'x', '\u00e9') }),
  fc.record({ kind: fc.constant('delete' as const), at: fc.nat(), length: fc.integer({ min: 1, max: 40 }) }),
  fc.record({ kind: fc.constant('insert' as const), at: fc.nat(), text: fc.oneof(fc.string({ maxLength: 20 }), fc.constantFrom('"__proto__":{"x":1},', '[[[[[[', '1e999', '-0', '"constructor":{"prototype":{"x":1}},', '\\u0000')) }),
  fc.record({ kind: fc.constant('truncate' as const), at: fc.nat() }),
);

function editText(text: string, edits: readonly ValueOf<typeof textEdit>[]): string {
  let t = text;
  for (const e of edits) {
    const at = t.length === 0 ? 0 : e.at % t.length;
    if (e.kind === 'flip') t = t.slice(0, at) + e.char + t.slice(at + 1);
    else if (e.kind === 'delete') t = t.slice(0, at) + t.slice(at + e.length);
    else if (e.kind === 'insert') t = t.slice(0, at) + e.text + t.slice(at);
    else t = t.slice(0, at);
  }
  return t;
}

const byteEdit = fc.oneof(
  fc.record({ kind: fc.constant('flip' as const), at: fc.nat(), value: fc.integer({ min: 0, max: 255 }) }),
  fc.record({ kind: fc.constant('truncate' as const), at: fc.nat() }),
  fc.record({ kind: fc.constant('append' as const), bytes: fc.uint8Array({ maxLength: 16 }) }),
);

function editBytes(bytes: Uint8Array, edits: readonly ValueOf<typeof byteEdit>[]): Uint8Array {
  let b = bytes.slice();
  for (const e of edits) {
    if (e.kind === 'flip') {
      if (b.length > 0) b[e.at % b.length] = e.value;
    } else if (e.kind === 'truncate') b = b.slice(0, b.length === 0 ? 0 : e.at % b.length);
    else b = new Uint8Array([...b, ...e.bytes]);
  }
  return b;
}

// ---- properties ---------------------------------------------------------------------------------

const settings = { timeout: 2000, seed: 20240611 };

describe('fuzzing the loader', () => {
  it('the unmodified file loads (sanity)', async () => {
    await loadText(base.text, base.shards);
    expect(outcomes.loaded).toBe(1);
  });

  it('corrupted model.json text: only clean errors', async () => {
    await fc.assert(fc.asyncProperty(fc.array(textEdit, { minLength: 1, maxLength: 4 }), async (edits) => {
      await loadText(editText(base.text, edits), base.shards);
    }), { ...settings, numRuns: 1500 });
  });

  it('hostile values, deleted and added keys anywhere in model.json: only clean errors', async () => {
    await fc.assert(fc.asyncProperty(fc.array(mutation, { minLength: 1, maxLength: 3 }), async (mutations) => {
      await loadText(JSON.stringify(mutate(base.doc, mutations)), base.shards);
    }), { ...settings, numRuns: 2500 });
  });

  it('corrupted weight files (with or without a matching manifest change): only clean errors', async () => {
    const [name, bytes] = [...base.shards][0]!;
    await fc.assert(fc.asyncProperty(fc.array(byteEdit, { minLength: 1, maxLength: 4 }), fc.option(fc.array(mutation, { maxLength: 2 })), async (edits, mutations) => {
      const text = mutations === null ? base.text : JSON.stringify(mutate(base.doc, mutations));
      await loadText(text, new Map([[name, editBytes(bytes, edits)]]));
    }), { ...settings, numRuns: 1000 });
  });

  it('corrupted artifacts in memory: only clean errors', async () => {
    const doc = base.doc as { modelTopology: unknown; weightsManifest: { weights: unknown[] }[] };
    const artifacts = { modelTopology: doc.modelTopology, weightSpecs: doc.weightsManifest[0]!.weights, format: 'layers-model' };
    const data = [...base.shards.values()][0]!;
    await fc.assert(fc.asyncProperty(fc.array(mutation, { minLength: 1, maxLength: 3 }), fc.array(byteEdit, { maxLength: 2 }), async (mutations, edits) => {
      const mutated = mutate(artifacts, mutations) as Record<string, unknown>;
      await checkOutcome(() => tk.loadModel({ ...mutated, weightData: editBytes(data, edits) }, { onWarning: () => undefined }));
    }), { ...settings, numRuns: 1000 });
  });

  it('corrupted model.json in a real directory (paths, symlink checks, file sizes): only clean errors', async () => {
    const dir = tempDir();
    for (const [name, bytes] of base.shards) writeFileSync(path.join(dir, name), bytes);
    await fc.assert(fc.asyncProperty(fc.array(mutation, { minLength: 1, maxLength: 2 }), async (mutations) => {
      writeFileSync(path.join(dir, 'model.json'), JSON.stringify(mutate(base.doc, mutations)));
      await checkOutcome(() => tk.loadModel(dir, { onWarning: () => undefined }));
    }), { ...settings, numRuns: 300 });
  });

  it('left no trace: no unhandled rejection, Object.prototype untouched, and both outcomes were exercised', () => {
    expect(unhandled).toEqual([]);
    expect(({} as Record<string, unknown>).x).toBeUndefined();
    expect(prototypeSnapshot()).toEqual(prototypeBefore);
    expect(outcomes.rejected).toBeGreaterThan(3000);
    expect(outcomes.loaded).toBeGreaterThan(100);
  });
});
