// `model.loadWeights(source)` for Keras files: a Keras 3 `.weights.h5` (or a `.keras` file's
// weights) by Keras's paths, a legacy `.h5` (a model file or a weights-only one) by position
// among the layers with weights; anything else goes to the TF.js loader. Every count and shape
// is checked before any weight changes.

import { isHdf5, readHdf5 } from '../formats/hdf5/index.js';
import { isZip } from '../formats/zip/index.js';
import type { AnyLayer } from '../layers/layer.js';
import { ModelFileError } from '../models/io/errors.js';
import { asErrors, loadModelWeights, resolveLoadOptions, type LoadOptions, type WeightedModel } from '../models/io/load_weights.js';
import type { Tensor, Variable } from '../tensor/tensor.js';
import { readLegacyWeights, legacyWeightsGroup } from './legacy_h5.js';
import { describeStart, inFile, readKerasZip, resolveSource, type KerasModelSource } from './sources.js';
import { readWeightsTree, unfoldTree } from './weights_h5.js';

/** Assigns values already checked against their variables. */
export function assign(pairs: readonly [Variable, Tensor][]): void {
  for (const [v, t] of pairs) v.assign(t);
}

/**
 * Loads weights into a built model (see `Model.loadWeights`): a Keras 3 `.weights.h5` (or the
 * weights of a `.keras` file) by Keras's paths; a legacy `.h5` (a model file or a weights-only
 * one) by position among layers with weights; anything else in the TF.js format. Every count and
 * shape is checked before any weight changes.
 */
export async function loadWeightsFrom(model: WeightedModel & AnyLayer, source: KerasModelSource, options: LoadOptions = {}): Promise<void> {
  const who = `${model.name}.loadWeights`;
  const opts = resolveLoadOptions(options, who);
  await asErrors(who, async () => {
    const resolved = await resolveSource(source, opts, who);
    if (resolved.kind === 'tfjs') return loadModelWeights(model, resolved.source, options);
    const { bytes, what } = resolved;
    if (!model.built) throw new Error(`${who}: the model is not built yet, so it has no weights to load into; give its first layer an inputShape or call build() first`);
    if (isZip(bytes)) {
      const { weights } = readKerasZip(bytes, what, opts.limits);
      assign(readWeightsTree(unfoldTree(weights), model, null, `${what}: model.weights.h5`));
      return;
    }
    if (isHdf5(bytes)) {
      const root = inFile(what, null, () => readHdf5(bytes));
      const legacy = legacyWeightsGroup(root);
      if (legacy !== null) assign(readLegacyWeights(legacy, model.layers, what));
      else assign(readWeightsTree(unfoldTree(root), model, null, what));
      return;
    }
    throw new ModelFileError(`${what}: not a weights file tensorkit reads (a .weights.h5 or .h5 HDF5 file, a .keras zip, or a TF.js directory); ${describeStart(bytes)}`);
  });
}
