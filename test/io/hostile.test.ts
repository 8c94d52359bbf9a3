// Hostile and broken input: each check of the loader, one case at a time, with the error it must
// give. Paths that leave the directory, sizes that do not add up, impossible shapes, dtypes
// tensorkit cannot hold, limits, JSON bombs, prototype pollution attempts, and artifacts in memory
// that are not data at all.

import { mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import * as tk from '../../src/index.js';
import { prototypeSnapshot, tempDir } from './helpers.js';

type Doc = {
  modelTopology: { config: { layers: { class_name: string; config: Record<string, unknown> }[] } } & Record<string, unknown>;
  weightsManifest: { paths: string[]; weights: Record<string, unknown>[] }[];
} & Record<string, unknown>;

let original: { doc: Doc; shard: Uint8Array; shardName: string };

beforeAll(async () => {
  tk.setSeed(1);
  const model = new tk.Sequential([new tk.layers.Dense(4, { inputShape: [3], activation: 'relu' }), new tk.layers.Dense(2)]);
  const dir = tempDir();
  await model.save(dir);
  const doc = JSON.parse(readFileSync(path.join(dir, 'model.json'), 'utf8')) as Doc;
  const shardName = doc.weightsManifest[0]!.paths[0]!;
  original = { doc, shard: readFileSync(path.join(dir, shardName)), shardName };
});

/** A fresh directory holding the (edited) model.json and shard files. */
function writeModel(edit: (doc: Doc) => void = () => undefined, files?: Record<string, Uint8Array | string>): string {
  const dir = tempDir();
  const doc = structuredClone(original.doc);
  edit(doc);
  writeFileSync(path.join(dir, 'model.json'), JSON.stringify(doc));
  for (const [name, bytes] of Object.entries(files ?? { [original.shardName]: original.shard })) {
    mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
    writeFileSync(path.join(dir, name), bytes);
  }
  return dir;
}

const spec = (doc: Doc, i: number): Record<string, unknown> => doc.weightsManifest[0]!.weights[i]!;
const dense = (doc: Doc, i: number): Record<string, unknown> => doc.modelTopology.config.layers[i]!.config;

async function rejects(source: Parameters<typeof tk.loadModel>[0], message: RegExp, options?: tk.LoadOptions): Promise<void> {
  let error: unknown = null;
  try {
    await tk.loadModel(source, options);
  } catch (e) {
    error = e;
  }
  expect(error, `expected a rejection matching ${message}`).toBeInstanceOf(Error);
  expect((error as Error).message).toMatch(message);
}

describe('weight file paths that try to leave the directory', () => {
  const bad: [string, RegExp][] = [
    ['../x.bin', /leaves the model's directory/],
    ['a/../../x.bin', /leaves the model's directory/],
    ['/etc/passwd', /is absolute/],
    ['\\\\server\\share\\x.bin', /is absolute/],
    ['C:\\x.bin', /URL or drive path/],
    ['C:/x.bin', /URL or drive path/],
    ['file:///etc/passwd', /URL or drive path/],
    ['https://example.com/x.bin', /URL or drive path/],
    ['sub\\x.bin', /backslash/],
    ['./x.bin', /empty or '.' segment/],
    ['a//x.bin', /empty or '.' segment/],
    ['', /non-empty name/],
    ['x\u0000.bin', /control characters/],
  ];
  for (const [p, message] of bad) {
    it(`rejects ${JSON.stringify(p)}`, async () => {
      // A real file next to the directory, which must never be read.
      const dir = writeModel((d) => { d.weightsManifest[0]!.paths = [p]; });
      writeFileSync(path.join(path.dirname(dir), 'x.bin'), original.shard);
      await rejects(dir, message);
    });
  }

  it('rejects a symlink that points outside the directory', async () => {
    const outside = tempDir();
    writeFileSync(path.join(outside, 'secret.bin'), original.shard);
    const dir = writeModel((d) => { d.weightsManifest[0]!.paths = ['link.bin']; }, {});
    symlinkSync(path.join(outside, 'secret.bin'), path.join(dir, 'link.bin'));
    await rejects(dir, /resolves to .* outside/);
  });

  it('accepts weight files in a subdirectory', async () => {
    const dir = writeModel((d) => { d.weightsManifest[0]!.paths = ['shards/w.bin']; }, { 'shards/w.bin': original.shard });
    await expect(tk.loadModel(dir)).resolves.toBeInstanceOf(tk.Sequential);
  });

  it('rejects a path listed twice, a missing file and a directory', async () => {
    const half = original.shard.byteLength / 2;
    await rejects(writeModel((d) => { d.weightsManifest[0]!.paths = ['a.bin', 'a.bin']; }, { 'a.bin': original.shard.subarray(0, half) }), /listed twice/);
    await rejects(writeModel((d) => { d.weightsManifest[0]!.paths = ['gone.bin']; }, {}), /'gone.bin' it lists is missing/);
    await rejects(writeModel((d) => { d.weightsManifest[0]!.paths = ['sub']; }, { 'sub/x': 'x' }), /'sub' is not a file/);
  });
});

describe('sizes, shapes and dtypes', () => {
  it('rejects truncated and overlong weight files, saying which', async () => {
    await rejects(writeModel(undefined, { [original.shardName]: original.shard.subarray(0, original.shard.byteLength - 4) }), /hold 100 bytes, but its 4 weights need 104: a file is truncated or missing/);
    await rejects(writeModel(undefined, { [original.shardName]: new Uint8Array([...original.shard, 0, 0, 0, 0]) }), /is 108 bytes, more than the 104 bytes its weights need/);
  });

  it('rejects shapes that do not match the bytes or the model', async () => {
    await rejects(writeModel((d) => { spec(d, 0).shape = [3, 5]; }), /hold 104 bytes, but its 4 weights need 116/);
    await rejects(writeModel((d) => { spec(d, 0).shape = [4, 3]; }), /weight 'dense\/kernel' has shape \[4, 3\] in the file, but the model's 'dense\/kernel' has shape \[3, 4\]/);
  });

  const shapes: [unknown, RegExp][] = [
    [[-1, 4], /shape\[0\]: expected an integer in \[0, 2147483647\], got -1/],
    [[1.5, 4], /expected an integer .* got 1.5/],
    [['3', 4], /expected an integer .* got "3"/],
    [[2 ** 31, 4], /expected an integer .* got 2147483648/],
    [[2 ** 30, 2 ** 30, 2 ** 30], /too many elements/],
    [[65536, 65536], /more than 1073741824 bytes \(limits.maxWeightBytes\)/],
    [new Array(17).fill(1), /more than the limit of 16/],
    ['3x4', /expected an array, got "3x4"/],
    [null, /expected an array, got null/],
  ];
  for (const [shape, message] of shapes) {
    it(`rejects the shape ${JSON.stringify(shape)}`, async () => {
      await rejects(writeModel((d) => { spec(d, 0).shape = shape; }), message);
    });
  }

  for (const [dtype, message] of [['string', /dtype 'string'; tensorkit reads float32 and int32/], ['bool', /dtype 'bool'/], ['complex64', /dtype 'complex64'/], ['float64', /unknown dtype "float64"/], [7, /expected a string, got 7/]] as const) {
    it(`rejects the dtype ${JSON.stringify(dtype)}`, async () => {
      await rejects(writeModel((d) => { spec(d, 0).dtype = dtype; }), message);
    });
  }

  it('rejects duplicate names, weights that are not the model\'s, and missing ones', async () => {
    await rejects(writeModel((d) => { spec(d, 1).name = 'dense/kernel'; }), /the weight name 'dense\/kernel' appears twice/);
    await rejects(writeModel((d) => { spec(d, 1).name = 'dense/gamma'; }), /do not fit the model: the model's weights 'dense\/bias' are not in the file; the file's weights 'dense\/gamma' belong to no weight of the model/);
    await rejects(writeModel((d) => { spec(d, 3).group = 'optimizer'; }), /the layers need more weight values than the file holds \(24\)/);
    await rejects(writeModel((d) => { spec(d, 0).group = 'extra'; }), /group: expected 'model' or 'optimizer', got "extra"/);
  });

  it('checks quantization and decodes uint8 / float16 weights', async () => {
    await rejects(writeModel((d) => { spec(d, 0).quantization = { dtype: 'uint8' }; }), /quantization.scale: expected a finite number/);
    await rejects(writeModel((d) => { spec(d, 0).quantization = { dtype: 'int4', scale: 1, min: 0 }; }), /expected 'uint8', 'uint16' or 'float16', got "int4"/);
    // A converter-quantized model: kernel as uint8 (q·0.5 − 1), bias as float16.
    const model = new tk.Sequential([new tk.layers.Dense(2, { inputShape: [2] })]);
    const artifacts = model.toArtifacts();
    const specs = artifacts.weightSpecs!;
    specs[0]!.quantization = { dtype: 'uint8', scale: 0.5, min: -1 };
    specs[1]!.quantization = { dtype: 'float16' };
    const data = new Uint8Array([0, 1, 2, 4, 0x00, 0x3c, 0x00, 0xc0]); // uint8 0,1,2,4; float16 1.0, -2.0
    const loaded = await tk.loadModel({ ...artifacts, weightSpecs: specs, weightData: data });
    expect(Array.from(loaded.weights[0]!.data)).toEqual([-1, -0.5, 0, 1]);
    expect(Array.from(loaded.weights[1]!.data)).toEqual([1, -2]);
  });
});

describe('limits and malformed JSON', () => {
  it('enforces the size limits, raised or lowered per call', async () => {
    const dir = writeModel();
    await rejects(dir, /weights need more than 100 bytes \(limits.maxWeightBytes\)/, { limits: { maxWeightBytes: 100 } });
    await rejects(dir, /more than the limit of 200 \(limits.maxJsonBytes\)/, { limits: { maxJsonBytes: 200 } });
    await rejects(dir, /more than the limit of 1 \(limits.maxLayers\)|has 2 entries, more than the limit of 1/, { limits: { maxLayers: 1 } });
    await rejects(dir, /unknown limit 'maxSize'/, { limits: { maxSize: 1 } as never });
    await expect(tk.loadModel(dir, { limits: { maxWeightBytes: 104 } })).resolves.toBeInstanceOf(tk.Sequential);
  });

  it('rejects JSON bombs, invalid JSON, empty files and non-UTF-8 bytes', async () => {
    const dir = tempDir();
    writeFileSync(path.join(dir, 'model.json'), '['.repeat(200_000));
    await rejects(dir, /JSON nested 200000 levels deep, more than the limit of 100/);
    writeFileSync(path.join(dir, 'model.json'), '{"modelTopology": {"class_name": "Sequential",');
    await rejects(dir, /is not valid JSON/);
    writeFileSync(path.join(dir, 'model.json'), '');
    await rejects(dir, /is not valid JSON .*the file is empty/);
    writeFileSync(path.join(dir, 'model.json'), new Uint8Array([0x7b, 0xff, 0xfe, 0x7d]));
    await rejects(dir, /is not UTF-8 text/);
    writeFileSync(path.join(dir, 'model.json'), '42');
    await rejects(dir, /expected a model.json object \{ modelTopology, weightsManifest \}, got 42/);
  });

  it('names missing and wrong top-level fields', async () => {
    await rejects(writeModel((d) => { delete (d as Record<string, unknown>).weightsManifest; }), /there is no 'weightsManifest'/);
    await rejects(writeModel((d) => { delete (d as Record<string, unknown>).modelTopology; }), /there is no 'modelTopology': this file holds weights only/);
    await rejects(writeModel((d) => { d.format = 'graph-model'; }), /this is a TF.js graph model/);
    await rejects(writeModel((d) => { d.format = 'keras'; }), /format: expected 'layers-model', got "keras"/);
    await rejects(writeModel((d) => { d.weightsManifest = {} as never; }), /weightsManifest: expected an array, got \{\}/);
    await rejects(writeModel((d) => { d.weightsManifest[0]!.paths = 'x.bin' as never; }), /paths: expected an array, got "x.bin"/);
    await rejects(writeModel((d) => { d.modelTopology.class_name = 'Graph'; }), /class_name: expected 'Sequential', got "Graph"/);
    await rejects(writeModel((d) => { d.modelTopology.config.layers = 'dense' as never; }), /config.layers: expected an array, got "dense"/);
  });
});

describe('topologies that ask for what the file does not hold', () => {
  it('a billion units fails at once, before allocating', async () => {
    const started = performance.now();
    await rejects(writeModel((d) => { dense(d, 0).units = 1e9; }), /the layers need more weight values than the file holds \(26\); reached at a weight \('[^']+\/kernel'\) of shape \[3, 1000000000\]/);
    expect(performance.now() - started).toBeLessThan(2000);
  });

  it('names the layer and option of bad values', async () => {
    await rejects(writeModel((d) => { dense(d, 0).units = -1; }), /layers\[0\] \(Dense 'dense'\): Dense 'dense': units must be a positive integer, got -1/);
    await rejects(writeModel((d) => { dense(d, 0).units = '4'; }), /units must be a positive integer, got '4'/);
    await rejects(writeModel((d) => { dense(d, 0).use_bias = 'yes'; }), /useBias must be true or false, got 'yes'/);
    await rejects(writeModel((d) => { dense(d, 1).name = 'dense'; }), /all layers must have unique names; 'dense' is already in the model/);
    await rejects(writeModel((d) => { dense(d, 1).name = 'a/b'; }), /a layer name may not contain '\/'/);
    await rejects(writeModel((d) => { dense(d, 0).batch_input_shape = [null, 0]; }), /batch_input_shape\[1\]: expected an integer in \[1, 2147483647\], got 0/);
    await rejects(writeModel((d) => { delete dense(d, 0).batch_input_shape; }), /declares no input shape .* cannot be built to receive the file's 4 weights/);
  });

  it('evaluates nothing: code in strings is just an unknown name', async () => {
    await rejects(writeModel((d) => { dense(d, 0).activation = "(() => { globalThis.pwned = 1; return 'relu'; })()"; }), /Unknown activation/);
    await rejects(writeModel((d) => { d.modelTopology.config.layers[0]!.class_name = 'Function'; }), /unknown layer class 'Function'/);
    await rejects(writeModel((d) => { dense(d, 0).kernel_initializer = { class_name: 'constructor', config: {} }; }), /Unknown initializer 'constructor'/);
    expect((globalThis as Record<string, unknown>).pwned).toBeUndefined();
  });
});

describe('prototype pollution', () => {
  const payloads = [
    '{"__proto__": {"polluted": "yes"}}',
    '{"constructor": {"prototype": {"polluted": "yes"}}}',
  ];
  const places: [string, (d: Doc, payload: unknown) => void][] = [
    ['the top level', (d, p) => Object.assign(d, p)],
    ['the topology', (d, p) => Object.assign(d.modelTopology, p)],
    ['a layer config', (d, p) => Object.assign(dense(d, 0), p)],
    ['an initializer config', (d, p) => Object.assign((dense(d, 0).kernel_initializer as { config: object }).config, p)],
    ['a weight spec', (d, p) => Object.assign(spec(d, 0), p)],
    ['a manifest group', (d, p) => Object.assign(d.weightsManifest[0]!, p)],
    ['the training config', (d, p) => { d.modelTopology.training_config = { loss: 'mse', metrics: [], optimizer_config: { class_name: 'Adam', config: p } }; }],
  ];
  for (const payload of payloads) {
    for (const [where, put] of places) {
      it(`${payload.slice(0, 20)}... in ${where} pollutes nothing`, async () => {
        const before = prototypeSnapshot();
        const dir = tempDir();
        const doc = structuredClone(original.doc);
        put(doc, { __PAYLOAD__: 0 });
        // Splice the payload's text in, so the key reaches the parser exactly as a file spells it.
        const text = JSON.stringify(doc).replace('"__PAYLOAD__":0', payload.slice(1, -1));
        expect(text).toContain(payload.slice(1, 16));
        writeFileSync(path.join(dir, 'model.json'), text);
        writeFileSync(path.join(dir, original.shardName), original.shard);
        try {
          await tk.loadModel(dir, { onWarning: () => undefined });
        } catch (e) {
          expect(e).toBeInstanceOf(Error);
          expect((e as Error).message.length).toBeGreaterThan(0);
        }
        expect(({} as Record<string, unknown>).polluted).toBeUndefined();
        expect(prototypeSnapshot()).toEqual(before);
      });
    }
  }
});

describe('artifacts in memory that are not data', () => {
  it('rejects functions, class instances, cycles, wrong weight data and throwing handlers with clean errors', async () => {
    const good = new tk.Sequential([new tk.layers.Dense(2, { inputShape: [2] })]).toArtifacts();
    const topology = good.modelTopology as Record<string, unknown>;
    await rejects({ ...good, modelTopology: { ...topology, extra: () => 1 } }, /modelTopology.extra is a function/);
    await rejects({ ...good, modelTopology: { ...topology, when: new Date() } }, /modelTopology.when is a Date; only plain objects/);
    const cyclic: Record<string, unknown> = { ...topology };
    cyclic.self = cyclic;
    await rejects({ ...good, modelTopology: cyclic }, /refers back to itself/);
    await rejects({ ...good, weightData: 'AAAA' as never }, /weightData: expected an ArrayBuffer or a typed array, got "AAAA"/);
    await rejects({ ...good, weightSpecs: undefined }, /weightData is given but weightSpecs is missing/);
    await rejects({ ...good, modelTopology: new ArrayBuffer(8) }, /binary topology/);
    await rejects({ load: async () => { throw 42; } } as tk.IOHandler, /loadModel: 42/);
    await rejects({ load: async () => 'nope' } as unknown as tk.IOHandler, /expected model artifacts/);
    await rejects(null as never, /expected a directory path, an IOHandler or model artifacts/);
    const getter = Object.defineProperty({ ...good }, 'weightSpecs', { get() { throw new Error('boom'); }, enumerable: true });
    await rejects(getter, /boom/);
  });

  it('reads a weights file passed as a Node Buffer or a list of ArrayBuffers', async () => {
    const model = new tk.Sequential([new tk.layers.Dense(3, { inputShape: [2] })]);
    const a = model.toArtifacts();
    const bytes = new Uint8Array(a.weightData as ArrayBuffer);
    const split = [bytes.slice(0, 8).buffer, bytes.slice(8).buffer];
    for (const weightData of [Buffer.from(bytes), split]) {
      const loaded = await tk.loadModel({ ...a, weightData });
      expect(Array.from(loaded.weights[0]!.data)).toEqual(Array.from(model.weights[0]!.data));
    }
  });
});
