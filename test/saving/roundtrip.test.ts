// Saved as .keras or .h5 and loaded back, a model predicts bit for bit the same: Sequential,
// functional (branches, a shared layer, nested models, two outputs) and subclassed (registered).
// With includeOptimizer, training continues exactly as without the round trip. The layer hook
// (Layer.kerasSubLayers) places sub-layer weights at Keras's paths. TF.js still reads what the
// converter makes; URLs are fetched; saves are atomic.

import * as tf from '@tensorflow/tfjs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import * as tk from '../../src/index.js';
import { readHdf5, getNode } from '../../src/formats/hdf5/index.js';
import { writeFileAtomic } from '../../src/saving/save.js';
import { kerasSaveables } from '../../src/saving/weights_h5.js';
import { expectBitEqual, functionalModel, maxAbsDiff, randomizeWeights, sequentialCnn, tempDir, zipMembers } from './helpers.js';
import { readSavedDirectory } from '../io/helpers.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});
beforeEach(() => tk.clearSession());

/** y = x ⊙ s + Dense(x): a layer holding a sub-layer, declared with the hook. */
class ScaledResidual extends tk.layers.Layer {
  static override className = 'ScaledResidual';
  inner: tk.layers.Dense | null = null;
  heads: tk.layers.Dense[] = [];
  scale: tk.Variable | null = null;
  override build(inputShape: tk.layers.SymbolicShape): void {
    const n = inputShape[inputShape.length - 1]!;
    this.scale = this.addWeight('scale', [n], 'ones');
    this.inner = new tk.layers.Dense(n, { name: `${this.name}_inner` });
    this.heads = [new tk.layers.Dense(n, { name: `${this.name}_h0` }), new tk.layers.Dense(n, { name: `${this.name}_h1` })];
    for (const l of [this.inner, ...this.heads]) l.build(inputShape);
    super.build(inputShape);
  }
  private subLayers(): tk.layers.AnyLayer[] {
    return this.inner === null ? [] : [this.inner, ...this.heads];
  }
  override get trainableWeights(): tk.Variable[] {
    return [...super.trainableWeights, ...this.subLayers().flatMap((l) => l.trainableWeights)];
  }
  override get nonTrainableWeights(): tk.Variable[] {
    return [...super.nonTrainableWeights, ...this.subLayers().flatMap((l) => l.nonTrainableWeights)];
  }
  override kerasSubLayers(): Record<string, tk.layers.AnyLayer | tk.layers.AnyLayer[]> {
    return this.inner === null ? {} : { inner: this.inner, heads: this.heads };
  }
  call(x: tk.Tensor): tk.Tensor {
    const h = this.heads.reduce((acc, l) => acc.add(l.apply(x)), this.inner!.apply(x));
    return x.mul(this.scale!).add(h);
  }
}
tk.registerClass(ScaledResidual);

/** A registered subclassed model: its layers are fields. */
class TwoTower extends tk.Model<tk.Tensor> {
  static override className = 'TwoTower';
  readonly units: number;
  leftTower: tk.layers.Dense;
  rightTower: tk.layers.Dense;
  mixer: tk.layers.Dense;
  constructor(options: { units?: number; name?: string; trainable?: boolean } = {}) {
    const { units, ...rest } = options;
    super(rest);
    this.units = units ?? 5;
    this.leftTower = new tk.layers.Dense(this.units, 'relu');
    this.rightTower = new tk.layers.Dense(this.units, 'tanh');
    this.mixer = new tk.layers.Dense(2);
  }
  override call(x: tk.Tensor): tk.Tensor {
    return this.mixer.apply(this.leftTower.apply(x).add(this.rightTower.apply(x)));
  }
  override getConfig(): tk.ModelConfig {
    return { ...super.getConfig(), units: this.units };
  }
}
tk.registerClass(TwoTower);

const x4 = (): tk.Tensor => tk.randomNormal([6, 4], { seed: 11 });

describe('save and load back: bit for bit the same', () => {
  it.each(['keras', 'h5'])('a Sequential CNN (.%s), trained, with its BatchNormalization statistics', async (ext) => {
    const dir = tempDir();
    const model = sequentialCnn();
    randomizeWeights(model, 1);
    const x = tk.randomNormal([5, 8, 8, 2], { seed: 2 });
    model.compile({ optimizer: 'rmsprop', loss: 'categorical_crossentropy', metrics: ['accuracy'] });
    await model.fit(x, tk.oneHot(tk.tensor([0, 1, 2, 3, 4]), 5), { epochs: 1, verbose: 0 });
    await model.save(path.join(dir, `m.${ext}`));
    const back = await tk.loadModel(path.join(dir, `m.${ext}`));
    expect(back.getClassName()).toBe('Sequential');
    expect(back.layers.map((l) => l.name)).toEqual(model.layers.map((l) => l.name));
    expectBitEqual(model.predict(x), back.predict(x), 'predictions');
    model.weights.forEach((w, i) => expectBitEqual(w, back.weights[i]!, w.name ?? `weight ${i}`));
    expect(back.optimizer?.className).toBe('RMSprop');
    expect(back.metricsNames).toEqual(model.metricsNames);
  });

  it.each(['keras', 'h5'])('a functional model with branches, a shared layer, nested models and two outputs (.%s)', async (ext) => {
    const dir = tempDir();
    const model = functionalModel();
    randomizeWeights(model, 7);
    model.compile({ optimizer: 'adam', loss: { head: 'mse', out2: 'mae' }, lossWeights: { head: 1, out2: 0.5 }, metrics: { out2: ['mae'] } });
    await model.save(path.join(dir, `f.${ext}`));
    const back = await tk.loadModel<tk.Tensor[]>(path.join(dir, `f.${ext}`));
    const xs = [tk.randomNormal([3, 4], { seed: 1 }), tk.randomNormal([3, 4], { seed: 2 })];
    const want = model.predict(xs);
    const got = back.predict(xs);
    want.forEach((y, i) => expectBitEqual(y, got[i]!, `output ${i}`));
    expect(back.outputNames).toEqual(['head', 'out2']);
    expect(back.lossWeights).toEqual([1, 0.5]);
    expect(back.metricsNames).toEqual(model.metricsNames);
    // The shared layer is one layer, called twice.
    expect(back.getLayer('shared').inboundNodes.length).toBe(2);
  });

  it.each(['keras', 'h5'])('a registered subclassed model (.%s); a layer with sub-layers declared by kerasSubLayers', async (ext) => {
    const dir = tempDir();
    const model = new TwoTower({ units: 3 });
    model.build([null, 4]);
    randomizeWeights(model, 3);
    await model.save(path.join(dir, `s.${ext}`));
    const back = await tk.loadModel(path.join(dir, `s.${ext}`));
    expect(back).toBeInstanceOf(TwoTower);
    expectBitEqual(model.predict(x4()), back.predict(x4()), 'subclassed predictions');

    const x = tk.input({ shape: [4] });
    const withHook = tk.model({ inputs: x, outputs: new tk.layers.Dense(2).apply(new ScaledResidual().apply(x)) });
    randomizeWeights(withHook, 5);
    await withHook.save(path.join(dir, `h.${ext}`));
    const again = await tk.loadModel(path.join(dir, `h.${ext}`));
    expectBitEqual(withHook.predict(x4()), again.predict(x4()), 'hooked predictions');
  });

  it('Keras paths of sub-layers: <layer>/<name>/vars, a list as <name>/<snake class>[_k], a subclassed model\'s fields in snake_case', async () => {
    const dir = tempDir();
    const x = tk.input({ shape: [4] });
    const model = tk.model({ inputs: x, outputs: new ScaledResidual().apply(x) });
    expect(kerasSaveables(model).map((s) => `${s.path} ${s.variables.length}`)).toEqual([
      ' 0', 'layers/input_layer 0', 'layers/scaled_residual 1',
      'layers/scaled_residual/heads/dense 2', 'layers/scaled_residual/heads/dense_1 2', 'layers/scaled_residual/inner 2',
    ]);
    await model.save(path.join(dir, 'h.keras'));
    const root = readHdf5(zipMembers(path.join(dir, 'h.keras')).find((m) => m.name === 'model.weights.h5')!.data);
    const inner = model.layers[1] as ScaledResidual;
    expect(getNode(root, 'layers/scaled_residual/vars/0')).toMatchObject({ kind: 'dataset', shape: [4] });
    expect(Array.from((getNode(root, 'layers/scaled_residual/inner/vars/0') as { data: Float32Array }).data)).toEqual(Array.from(inner.inner!.weights[0]!.data));
    expect(getNode(root, 'layers/scaled_residual/heads/dense_1/vars/1')).toMatchObject({ kind: 'dataset', shape: [4] });
    const tower = new TwoTower();
    tower.build([null, 4]);
    // Sorted attribute names, as Keras walks dir(model).
    expect(kerasSaveables(tower).map((s) => s.path)).toEqual(['', 'left_tower', 'mixer', 'right_tower']);
  });

  it('with includeOptimizer, training after the round trip matches training without it (.keras and .h5)', async () => {
    const dir = tempDir();
    const x = tk.randomNormal([8, 8, 8, 2], { seed: 3 });
    const y = tk.oneHot(tk.tensor([0, 1, 2, 3, 4, 0, 1, 2]), 5);
    for (const ext of ['keras', 'h5']) {
      tk.setSeed(5);
      const model = sequentialCnn();
      model.compile({ optimizer: new tk.optimizers.Adam({ learningRate: 0.01 }), loss: 'categorical_crossentropy' });
      await model.fit(x, y, { epochs: 1, batchSize: 4, verbose: 0, shuffle: false });
      await model.save(path.join(dir, `o.${ext}`), { includeOptimizer: true });
      const back = await tk.loadModel(path.join(dir, `o.${ext}`));
      expect(back.optimizer!.iterations).toBe(2);
      // Dropout draws from the seeded stream: reset it before each run.
      tk.setSeed(9);
      await model.fit(x, y, { epochs: 1, batchSize: 4, verbose: 0, shuffle: false });
      tk.setSeed(9);
      await back.fit(x, y, { epochs: 1, batchSize: 4, verbose: 0, shuffle: false });
      model.weights.forEach((w, i) => expectBitEqual(w, back.weights[i]!, `${ext}: ${w.name} after one more epoch`));
    }
  });

  it('TF.js interop after converting: .keras → TF.js directory → tf.loadLayersModel predicts the same', async () => {
    const dir = tempDir();
    const model = sequentialCnn();
    randomizeWeights(model, 4);
    await model.save(path.join(dir, 'm.keras'));
    const fromKeras = await tk.loadModel(path.join(dir, 'm.keras'));
    await fromKeras.save(path.join(dir, 'web'));
    const { artifacts } = readSavedDirectory(path.join(dir, 'web'));
    const tfModel = await tf.loadLayersModel(tf.io.fromMemory(artifacts as tf.io.ModelArtifacts));
    const x = tk.randomNormal([3, 8, 8, 2], { seed: 6 });
    const theirs = tfModel.predict(tf.tensor(x.data, x.shape as number[])) as tf.Tensor;
    expect(maxAbsDiff(Float32Array.from(theirs.dataSync()), model.predict(x).data)).toBeLessThan(1e-5);
  });
});

describe('sources and destinations', () => {
  let server: ReturnType<typeof createServer>;
  let base = '';
  const served = new Map<string, Uint8Array>();
  beforeAll(async () => {
    server = createServer((req, res) => {
      const body = served.get(req.url ?? '');
      if (body === undefined) {
        res.statusCode = 404;
        res.end('not found');
        return;
      }
      res.setHeader('content-length', String(body.byteLength));
      res.end(body);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  it('an http URL is fetched: a .keras file, an .h5 file, and a TF.js model.json with its weight files beside it', async () => {
    const dir = tempDir();
    const model = sequentialCnn();
    randomizeWeights(model, 8);
    const x = tk.randomNormal([2, 8, 8, 2], { seed: 1 });
    await model.save(path.join(dir, 'm.keras'));
    await model.save(path.join(dir, 'm.h5'));
    await model.save(path.join(dir, 'web'));
    served.set('/m.keras', new Uint8Array(readFileSync(path.join(dir, 'm.keras'))));
    served.set('/m.h5', new Uint8Array(readFileSync(path.join(dir, 'm.h5'))));
    for (const f of readdirSync(path.join(dir, 'web'))) served.set(`/web/${f}`, new Uint8Array(readFileSync(path.join(dir, 'web', f))));
    for (const url of [`${base}/m.keras`, `${base}/m.h5`, `${base}/web/model.json`]) {
      expectBitEqual(model.predict(x), (await tk.loadModel(url)).predict(x), url);
    }
    expectBitEqual(model.predict(x), (await tk.loadModel(new URL(`${base}/m.keras`))).predict(x), 'a URL object');
    await expect(tk.loadModel(`${base}/missing.keras`)).rejects.toThrow(/HTTP 404/);
  });

  it('a failed save never destroys the previous file; the temporary file is removed', async () => {
    const dir = tempDir();
    const good = sequentialCnn();
    await good.save(path.join(dir, 'm.keras'));
    await good.save(path.join(dir, 'm.h5'));
    const before = { keras: readFileSync(path.join(dir, 'm.keras')), h5: readFileSync(path.join(dir, 'm.h5')) };
    // A layer whose activation is a function cannot be written: nothing reaches the disk.
    const bad = new tk.Sequential([new tk.layers.Dense(2, { activation: (t: tk.Tensor) => t.mul(2), inputShape: [3] } as never)]);
    await expect(bad.save(path.join(dir, 'm.keras'))).rejects.toThrow(/custom function/);
    await expect(bad.save(path.join(dir, 'm.h5'))).rejects.toThrow(/custom function/);
    // The disk fails at the rename: the previous file stays, and no temporary file is left behind.
    const fs = await tk.io.nodeFileSystem();
    const failing = { ...fs, rename: async () => { throw new Error('disk full'); } };
    await expect(writeFileAtomic(path.join(dir, 'm.keras'), new Uint8Array([1, 2, 3]), failing)).rejects.toThrow('disk full');
    expect(readFileSync(path.join(dir, 'm.keras')).equals(before.keras)).toBe(true);
    expect(readFileSync(path.join(dir, 'm.h5')).equals(before.h5)).toBe(true);
    expect(readdirSync(dir).sort()).toEqual(['m.h5', 'm.keras']);
    // A good save replaces the file.
    await writeFileAtomic(path.join(dir, 'm.keras'), new Uint8Array([1, 2, 3]));
    expect([...readFileSync(path.join(dir, 'm.keras'))]).toEqual([1, 2, 3]);
    expect(existsSync(path.join(dir, 'm.keras'))).toBe(true);
  });

  it('refuses bytes that are no model file, naming what they are; loads from a file:// URL', async () => {
    const dir = tempDir();
    writeFileSync(path.join(dir, 'x.keras'), 'hello world');
    await expect(tk.loadModel(path.join(dir, 'x.keras'))).rejects.toThrow(/not a model file tensorkit reads.*11 bytes starting with 68 65 6c 6c 6f 20 77 6f/);
    await expect(tk.loadModel(new Uint8Array(0))).rejects.toThrow(/it is empty/);
    await expect(tk.loadModel(path.join(dir, 'none.keras'))).rejects.toThrow(/does not exist/);
    const model = sequentialCnn();
    await model.save(path.join(dir, 'm.keras'));
    const x = tk.randomNormal([1, 8, 8, 2], { seed: 1 });
    expectBitEqual(model.predict(x), (await tk.loadModel(`file://${path.join(dir, 'm.keras')}`)).predict(x), 'file:// URL');
  });
});
