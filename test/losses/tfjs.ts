// TF.js as a second opinion, run in the same process. tf.losses.* (tfjs-core) reduce over every
// element; tf.metrics.* and the tfjs-layers loss functions give per-sample values like Keras.
// The tfjs-layers losses that tf.metrics does not export are reached through a compiled model's
// `lossFunctions` (the functions compile() looked up by name).

import * as tf from '@tensorflow/tfjs';

export { tf };

let ready: Promise<void> | null = null;

/** Selects the cpu backend once. */
export function setupTf(): Promise<void> {
  ready ??= tf.setBackend('cpu').then(() => undefined);
  return ready;
}

let probe: tf.Sequential | null = null;

/** A tfjs-layers loss function by its compile() name ('logcosh', 'poisson', ...). */
export function tfjsLayersLoss(name: string): (yTrue: tf.Tensor, yPred: tf.Tensor) => tf.Tensor {
  probe ??= tf.sequential({ layers: [tf.layers.dense({ units: 1, inputShape: [1] })] });
  probe.compile({ optimizer: 'sgd', loss: name });
  const inner = (probe as unknown as { model: { lossFunctions: ((a: tf.Tensor, b: tf.Tensor) => tf.Tensor)[] } }).model;
  return inner.lossFunctions[0]!;
}

/** Values of a TF.js tensor as a flat number array. */
export function values(t: tf.Tensor): number[] {
  return Array.from(t.dataSync());
}
