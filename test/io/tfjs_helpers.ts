// What the TF.js interop tests of the layer families share: a tensor handed to TF.js, a TF.js
// model's saved artifacts captured in memory, and random non-zero weights for a tensorkit model.

import * as tf from '@tensorflow/tfjs';
import * as tk from '../../src/index.js';

/** The same values as a TF.js tensor. */
export const toTf = (t: tk.Tensor): tf.Tensor => tf.tensor(t.data, t.shape as number[]);

/** What `model.save` hands to a save handler: the artifacts a TF.js model writes. */
export async function tfjsArtifacts(model: tf.LayersModel): Promise<tf.io.ModelArtifacts> {
  let captured: tf.io.ModelArtifacts | null = null;
  await model.save(tf.io.withSaveHandler(async (artifacts) => {
    captured = artifacts;
    return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
  }));
  return captured!;
}

/** Random non-zero weights everywhere (biases included), so every weight matters to the output. */
export function randomizeWeights(model: tk.Model, seed: number, stddev = 0.3): void {
  model.setWeights(model.weights.map((w, i) => tk.randomNormal([...w.shape], { seed: seed + i, stddev })));
}
