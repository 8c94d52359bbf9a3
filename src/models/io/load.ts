// `tk.loadModel`: a model (Sequential or functional) from saved artifacts (tensorkit's, TF.js's,
// or the TensorFlow converter's), checked at every step. Order matters for safety: the weight bytes
// are checked against their specs first; the topology is read and checked as data; the layers are
// built with every weight filled from a budget of zeros that refuses to create more values than
// the file holds (so a topology asking for a billion-unit layer fails at once instead of
// allocating); then the file's weights are matched to the built ones by name and shape; only then
// is the model compiled and its optimizer restored.

import { withWeightFill, type AnyLayer } from '../../layers/layer.js';
import { Tensor } from '../../tensor/tensor.js';
import type { Model } from '../model.js';
import { LOADABLE_LAYERS } from '../builtins.js';
import { checkArtifacts } from './artifacts.js';
import { ModelFileError } from './errors.js';
import { asErrors, expectedWeights, readSource, resolveLoadOptions, type LoadOptions, type ModelSource } from './load_weights.js';
import { setLoadableNames, topologyFromJson } from './topology.js';
import { restoreTraining } from './training.js';
import { decodeWeights, matchWeights } from './weights.js';

setLoadableNames(() => LOADABLE_LAYERS);

/**
 * Loads a model saved by `model.save` — or by TF.js's `model.save`, or converted from Keras by
 * TensorFlow's `tensorflowjs_converter` — from a directory (or its model.json), an IOHandler, or
 * artifacts in memory (`model.toArtifacts()`): a Sequential or a functional model. A model saved
 * compiled comes back compiled, with its optimizer state when it was saved with `includeOptimizer`.
 * The type parameter is what the model's `predict` returns: `Tensor` (the default, one output) or
 * `Tensor[]` (several outputs), as the file's model has.
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
export async function loadModel<Out extends Tensor | Tensor[] = Tensor>(source: ModelSource, options: LoadOptions = {}): Promise<Model<Out>> {
  const opts = resolveLoadOptions(options, 'loadModel');
  return asErrors('loadModel', async () => {
    const { raw, what } = await readSource(source, opts, 'model', 'loadModel');
    const a = checkArtifacts(raw, what, opts.limits);
    if (a.topology === undefined) throw new ModelFileError(`${what}: there is no modelTopology (weights alone are loaded with model.loadWeights)`);
    const decoded = a.specs === null ? null : decodeWeights(a.specs, a.data, what, opts.limits);
    const topology = topologyFromJson(a.topology, `${what}: modelTopology`, opts.limits);
    const modelWeights = decoded?.filter((w) => w.group === 'model') ?? null;
    const budget = modelWeights === null ? null : modelWeights.reduce((n, w) => n + w.values.length, 0);
    let model: Model<Out>;
    try {
      const create = (): AnyLayer => topology.create();
      model = (budget === null ? create() : withWeightFill(budgetedZeros(budget, what), create)) as unknown as Model<Out>;
    } catch (e) {
      if (e instanceof ModelFileError) throw e;
      const message = (e as Error).message;
      throw new ModelFileError(message.startsWith(what) ? message : `${what}: modelTopology: the model cannot be built: ${message}`);
    }
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
 * The weight fill of a load: zeros drawn from a budget of `total` values (the model weights in the
 * file), whose values the file's weights overwrite at once.
 *
 * NOTE: like TF.js's fast weight init, it skips costly initializers (an orthogonal QR) and leaves
 * the global random stream untouched, and it bounds memory by what the file actually holds.
 */
export function budgetedZeros(total: number, what: string): (shape: readonly number[], name?: string) => Tensor {
  let left = total;
  return (shape, name) => {
    const n = shape.reduce((a, b) => a * b, 1);
    if (!(n <= left)) {
      const weight = name === undefined ? 'a weight' : `a weight ('${name.slice(0, 200)}')`;
      throw new ModelFileError(`${what}: the layers need more weight values than the file holds (${total}); reached at ${weight} of shape [${shape.join(', ')}]`);
    }
    left -= n;
    return new Tensor(new Float32Array(n), shape);
  };
}
