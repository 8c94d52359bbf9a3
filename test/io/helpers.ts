// Shared by the io tests: temporary directories, small models, reading a saved directory back
// as TF.js artifacts, and bit-exact comparisons.

import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, expect } from 'vitest';
import * as tk from '../../src/index.js';

const made: string[] = [];
afterAll(() => {
  for (const dir of made) rmSync(dir, { recursive: true, force: true });
});

/** A fresh temporary directory, removed after the test file. */
export function tempDir(prefix = 'tk-io-'): string {
  const dir = mkdtempSync(path.join(tmpdir(), prefix));
  made.push(dir);
  return dir;
}

/** The CNN of the issue: Conv2D, MaxPooling2D, BatchNormalization, Flatten, Dropout, Dense. */
export function cnn(): tk.Sequential {
  return new tk.Sequential([
    new tk.layers.Conv2D(4, 3, { activation: 'relu', inputShape: [8, 8, 2] }),
    new tk.layers.MaxPooling2D([2, 2]),
    new tk.layers.BatchNormalization(),
    new tk.layers.Conv2D(3, 2, { padding: 'same', activation: 'tanh' }),
    new tk.layers.Flatten(),
    new tk.layers.Dropout(0.3),
    new tk.layers.Dense(6, { activation: 'relu', kernelRegularizer: 'l2' }),
    new tk.layers.Dense(5, 'softmax'),
  ]);
}

/** Random images for {@link cnn} and one-hot labels over 5 classes. */
export function cnnData(n = 16, seed = 3): { x: tk.Tensor; y: tk.Tensor } {
  const x = tk.randomNormal([n, 8, 8, 2], { seed });
  const y = tk.oneHot(tk.tensor(Array.from({ length: n }, (_, i) => (i * 7) % 5)), 5);
  return { x, y };
}

/** BatchNormalization's moving statistics move away from 0/1 when trained a little. */
export async function trainBriefly(model: tk.Sequential, epochs = 1): Promise<void> {
  const { x, y } = cnnData();
  model.compile({ optimizer: 'adam', loss: 'categorical_crossentropy', metrics: ['accuracy'] });
  await model.fit(x, y, { epochs, batchSize: 8, verbose: 0 });
}

/** A saved directory read the way TF.js's http/file loaders would: model.json and its shards joined. */
export function readSavedDirectory(dir: string): { json: Record<string, unknown>; artifacts: tk.ModelArtifacts } {
  const json = JSON.parse(readFileSync(path.join(dir, 'model.json'), 'utf8')) as {
    modelTopology: unknown; weightsManifest: { paths: string[]; weights: tk.io.WeightSpec[] }[]; trainingConfig?: unknown;
  };
  const buffers = json.weightsManifest.flatMap((g) => g.paths.map((p) => readFileSync(path.join(dir, p))));
  const joined = Buffer.concat(buffers);
  return {
    json: json as unknown as Record<string, unknown>,
    artifacts: {
      modelTopology: json.modelTopology,
      weightSpecs: json.weightsManifest.flatMap((g) => g.weights),
      weightData: joined.buffer.slice(joined.byteOffset, joined.byteOffset + joined.byteLength) as ArrayBuffer,
      ...(json.trainingConfig !== undefined ? { trainingConfig: json.trainingConfig } : {}),
    },
  };
}

/** Every value identical, bit for bit (NaN payloads aside), and the same shape. */
export function expectBitEqual(a: tk.Tensor, b: tk.Tensor, what = 'tensor'): void {
  expect(b.shape, `${what} shape`).toEqual(a.shape);
  const ua = new Uint32Array(a.data.buffer, a.data.byteOffset, a.data.length);
  const ub = new Uint32Array(b.data.buffer, b.data.byteOffset, b.data.length);
  let differing = 0;
  for (let i = 0; i < ua.length; i++) if (ua[i] !== ub[i]) differing++;
  expect(differing, `${what}: values differing in their bits`).toBe(0);
}

export { maxAbsDiff } from '../helpers/index.js';

/** Keys of Object.prototype, to check that nothing was added by a hostile file. */
export function prototypeSnapshot(): string[] {
  return [...Object.getOwnPropertyNames(Object.prototype), ...Object.getOwnPropertySymbols(Object.prototype).map(String)].sort();
}
