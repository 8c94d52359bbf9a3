// `tk.loadModel`: a Sequential model from saved artifacts (tensorkit's, TF.js's, or the TensorFlow
// converter's), checked at every step. Order matters for safety: the weight bytes are checked
// against their specs first; the layers are built with their initializers replaced by a zero
// filler that refuses to create more values than the file holds (so a topology asking for a
// billion-unit layer fails at once instead of allocating); then the file's weights are matched to
// the built ones by name and shape; only then is the model compiled and its optimizer restored.

import { Initializer } from '../../layers/initializers.js';
import type { Layer } from '../../layers/layer.js';
import { Tensor } from '../../tensor/tensor.js';
import { Sequential } from '../sequential.js';
import { checkArtifacts } from './artifacts.js';
import { ModelFileError } from './errors.js';
import { asErrors, expectedWeights, readSource, resolveLoadOptions, type LoadOptions, type ModelSource } from './load_weights.js';
import { topologyFromJson } from './topology.js';
import { restoreTraining } from './training.js';
import { decodeWeights, matchWeights } from './weights.js';

/**
 * Loads a Sequential model saved by `model.save` — or by TF.js's `model.save`, or converted from
 * Keras by TensorFlow's `tensorflowjs_converter` — from a directory (or its model.json), an
 * IOHandler, or artifacts in memory (`model.toArtifacts()`). A model saved compiled comes back
 * compiled, with its optimizer state when it was saved with `includeOptimizer`.
 *
 * A malformed, truncated or oversized file, an unknown layer class or option, or weights that do
 * not fit the architecture are rejected with an error saying what is wrong
 * ({@link ModelFileError}); nothing from the file is evaluated.
 *
 * @example
 * ```ts
 * await model.save('models/mnist');
 * const same = await tk.loadModel('models/mnist');
 * const fromMemory = await tk.loadModel(model.toArtifacts());
 * ```
 */
export async function loadModel(source: ModelSource, options: LoadOptions = {}): Promise<Sequential> {
  const opts = resolveLoadOptions(options, 'loadModel');
  return asErrors('loadModel', async () => {
    const { raw, what } = await readSource(source, opts, 'model', 'loadModel');
    const a = checkArtifacts(raw, what, opts.limits);
    if (a.topology === undefined) throw new ModelFileError(`${what}: there is no modelTopology (weights alone are loaded with model.loadWeights)`);
    const decoded = a.specs === null ? null : decodeWeights(a.specs, a.data, what, opts.limits);
    const topology = topologyFromJson(a.topology, `${what}: modelTopology`, opts.limits);
    const modelWeights = decoded?.filter((w) => w.group === 'model') ?? null;
    const budget = modelWeights === null ? null : modelWeights.reduce((n, w) => n + w.values.length, 0);
    let model: Sequential;
    try {
      model = withInitializerBudget(topology.layers, budget, what, () => {
        const m = new Sequential({ layers: topology.layers, ...(topology.name !== undefined ? { name: topology.name } : {}) });
        if (!m.built && topology.buildInputShape !== null && topology.layers.length > 0) m.build(topology.buildInputShape);
        return m;
      });
    } catch (e) {
      if (e instanceof ModelFileError) throw e;
      throw new ModelFileError(`${what}: modelTopology: the model cannot be built: ${(e as Error).message}`);
    }
    if (!topology.trainable) for (const layer of model.layers) layer.trainable = false;
    if (modelWeights !== null) {
      if (!model.built && modelWeights.length > 0) {
        throw new ModelFileError(`${what}: the topology declares no input shape (no batch_input_shape on the first layer, no InputLayer), so the model cannot be built to receive the file's ${modelWeights.length} weights`);
      }
      const matched = matchWeights(expectedWeights(model.layers), modelWeights, what);
      model.setWeights(matched.map((w) => new Tensor(w.values, w.shape)));
    }
    if (opts.compile) {
      restoreTraining(model, a.trainingConfig ?? topology.trainingConfig, decoded?.filter((w) => w.group === 'optimizer') ?? [], opts.warn);
    }
    return model;
  });
}

/**
 * Runs `build` with every layer's initializers replaced by zeros drawn from a budget of
 * `budget` values (the model weights in the file); null leaves the initializers alone (a topology
 * without weights is initialized as new).
 *
 * NOTE: the layers keep their own initializers for `getConfig` and any later rebuild; the swap
 * lasts only for this build, whose values the file's weights overwrite at once. Like TF.js's
 * fast weight init, it skips costly initializers (an orthogonal QR) and leaves the global random
 * stream untouched, and it bounds memory by what the file actually holds.
 */
function withInitializerBudget<T>(layers: readonly Layer[], budget: number | null, what: string, build: () => T): T {
  if (budget === null) return build();
  const state = { left: budget };
  const filler = new BudgetedZeros(state, budget, what);
  const swapped: [Layer, string, unknown][] = [];
  try {
    for (const layer of layers) {
      for (const key of Object.keys(layer)) {
        const value: unknown = Reflect.get(layer, key);
        if (value instanceof Initializer) {
          swapped.push([layer, key, value]);
          Reflect.set(layer, key, filler);
        }
      }
    }
    return build();
  } finally {
    for (const [layer, key, value] of swapped) Reflect.set(layer, key, value);
  }
}

class BudgetedZeros extends Initializer {
  static override readonly className: string = 'Zeros';
  constructor(private readonly state: { left: number }, private readonly total: number, private readonly what: string) {
    super();
  }
  apply(shape: readonly number[]): Tensor {
    const n = shape.reduce((a, b) => a * b, 1);
    if (!(n <= this.state.left)) {
      throw new ModelFileError(`${this.what}: the layers need more weight values than the file holds (${this.total}); reached at a weight of shape [${shape.join(', ')}]`);
    }
    this.state.left -= n;
    return new Tensor(new Float32Array(n), shape);
  }
}
