// A custom layer, as Keras users write one: a radial basis function layer,
//
//   y_j = exp(−γ_j · ‖x − c_j‖²)      one learned centre c_j and width γ_j per unit,
//
// with its weights made in build (addWeight), its computation in call (ops the tape
// differentiates), computeOutputShape, and getConfig. Registered with tk.registerClass, a model
// using it saves and loads like any other. It learns to tell two rings of points apart, which no
// straight line can.
//
//   npx tsx examples/functional/custom_layer.ts

import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import * as tk from '../../src/index.js';

/** Options of {@link RBF}: the number of units and the initial width, besides the layer options. */
export interface RBFOptions extends tk.layers.LayerArgs {
  units: number;
  gamma?: number;
}

/** A radial basis function layer: one Gaussian bump per unit, centre and width learned. */
export class RBF extends tk.layers.Layer {
  static override className = 'RBF';
  readonly units: number;
  readonly gamma: number;
  centres: tk.Variable | null = null;
  widths: tk.Variable | null = null;

  constructor(options: RBFOptions) {
    const { units, gamma, ...rest } = options;
    if (!Number.isInteger(units) || units <= 0) throw new Error(`RBF: units must be a positive integer, got ${units}`);
    super(rest);
    this.units = units;
    this.gamma = gamma ?? 1;
  }

  override build(inputShape: tk.layers.SymbolicShape): void {
    const features = inputShape[inputShape.length - 1]!;
    this.centres = this.addWeight('centres', [this.units, features], new tk.initializers.RandomUniform({ minval: -1.5, maxval: 1.5 }));
    this.widths = this.addWeight('widths', [this.units], new tk.initializers.Constant({ value: this.gamma }));
    super.build(inputShape);
  }

  call(x: tk.Tensor): tk.Tensor {
    // ‖x − c‖² = ‖x‖² − 2·x·cᵀ + ‖c‖², for every sample and centre at once: [n, units].
    const c = this.centres!;
    const squared = x.square().sum(-1, true).sub(x.matmul(c.transpose()).mul(2)).add(c.square().sum(-1));
    return squared.mul(this.widths!).neg().exp();
  }

  override computeOutputShape(inputShape: tk.layers.SymbolicShape): tk.layers.SymbolicShape {
    return [...inputShape.slice(0, -1), this.units];
  }

  override getConfig(): tk.layers.LayerConfig {
    return { ...super.getConfig(), units: this.units, gamma: this.gamma };
  }
}
tk.registerClass(RBF);

/** Two noisy concentric rings: radius 0.5 (class 0) and 1.2 (class 1). */
export function rings(n: number, seed: number): { x: tk.Tensor; y: tk.Tensor } {
  let s = seed;
  const random = (): number => ((s = (s * 16807) % 2147483647) / 2147483647);
  const x = new Float32Array(2 * n);
  const y = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const ring = i % 2;
    const angle = 2 * Math.PI * random();
    const radius = (ring === 0 ? 0.5 : 1.2) + 0.12 * (random() - 0.5);
    x[2 * i] = radius * Math.cos(angle);
    x[2 * i + 1] = radius * Math.sin(angle);
    y[i] = ring;
  }
  return { x: tk.tensor(x, [n, 2]), y: tk.tensor(y, [n, 1]) };
}

export interface CustomLayerResult {
  readonly accuracy: number;
  /** The largest difference between the predictions before saving and after loading. */
  readonly reloadDifference: number;
  readonly loadedClass: string;
}

export async function main(print: (line: string) => void = console.log): Promise<CustomLayerResult> {
  tk.setSeed(5);
  const input = tk.input({ shape: [2], name: 'point' });
  const bumps = new RBF({ units: 12, gamma: 2, name: 'rbf' }).apply(input);
  const out = new tk.layers.Dense(1, { activation: 'sigmoid', name: 'ring' }).apply(bumps);
  const model = tk.model({ inputs: input, outputs: out, name: 'rings' });
  model.summary({ printFn: print });
  model.compile({ optimizer: new tk.optimizers.Adam({ learningRate: 0.05 }), loss: 'binary_crossentropy', metrics: ['accuracy'] });
  const train = rings(400, 11);
  await model.fit(train.x, train.y, { epochs: 60, batchSize: 32, verbose: 0 });
  const test = rings(200, 12);
  const [, accuracy] = model.evaluate(test.x, test.y, { verbose: 0 }) as number[];
  print(`test accuracy: ${(accuracy! * 100).toFixed(1)}%`);
  // Saved and loaded: the RBF layer comes back as an RBF, with its weights.
  const dir = mkdtempSync(path.join(os.tmpdir(), 'tensorkit-rbf-'));
  try {
    await model.save(dir);
    const loaded = await tk.loadModel(dir);
    const before = model.predict(test.x).data;
    const after = loaded.predict(test.x).data;
    let reloadDifference = 0;
    for (let i = 0; i < before.length; i++) reloadDifference = Math.max(reloadDifference, Math.abs(before[i]! - after[i]!));
    const loadedClass = loaded.getLayer('rbf').getClassName();
    print(`saved to ${dir} and loaded back: layer 'rbf' is a ${loadedClass}, predictions differ by at most ${reloadDifference}`);
    return { accuracy: accuracy!, reloadDifference, loadedClass };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  await main();
}
