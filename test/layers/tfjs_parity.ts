// TF.js side by side with a tensorkit layer at identical weights: the forward pass, the gradient
// of Σ y·r (a fixed random r) with respect to every weight (tf.variableGrads), and with respect
// to the input (tf.grads) unless the input is token ids. `gradients: false` compares the forward
// pass only, where TF.js cannot differentiate (dilated convolutions) or differs (see the callers).

import * as tf from '@tensorflow/tfjs';
import { expect } from 'vitest';
import * as tk from '../../src/index.js';
import { expectClose } from '../helpers/index.js';
import { randomTensor } from './helpers.js';

/** Compares `ours` and `theirs` on `x` (weights copied from ours, in Keras order); returns ours' output. */
export function expectTfjsParity(ours: tk.layers.Layer, theirs: tf.layers.Layer, x: tk.Tensor, options: { inputGrad?: boolean; gradients?: boolean; tol?: number } = {}): tk.Tensor {
  const tol = options.tol ?? 1e-5;
  const y = ours.apply(x);
  const tx = tf.tensor(x.data, [...x.shape]);
  theirs.apply(tx);
  if (ours.weights.length > 0) theirs.setWeights(ours.getWeights().map((w) => tf.tensor(w.data, [...w.shape])));
  const ty = theirs.apply(tx) as tf.Tensor;
  expect(ty.shape, 'output shape').toEqual(y.shape);
  expectClose(y.data, ty.dataSync(), { rtol: tol, atol: tol });
  if (options.gradients === false) return y;
  const r = randomTensor([...y.shape], 6);
  const tr = tf.tensor(r.data, [...y.shape]);
  if (ours.trainableWeights.length > 0) {
    const { grads } = tk.variableGrads(() => ours.apply(x).mul(r).sum(), ours.trainableWeights);
    const tfGrads = tf.variableGrads(() => tf.sum(tf.mul(theirs.apply(tx) as tf.Tensor, tr)) as tf.Scalar, theirs.trainableWeights.map((w) => w.read() as tf.Variable));
    const theirsList = theirs.trainableWeights.map((w) => tfGrads.grads[(w.read() as tf.Variable).name]!);
    expect(theirsList.length).toBe(grads.length);
    grads.forEach((g, i) => expectClose(g.data, theirsList[i]!.dataSync(), { rtol: 1e-4, atol: 1e-4 * Math.max(1, tol / 1e-5) }));
  }
  if (options.inputGrad !== false) {
    const [gx] = tk.grads((t) => ours.apply(t!).mul(r).sum())(x);
    const [tgx] = tf.grads((t: tf.Tensor) => tf.sum(tf.mul(theirs.apply(t) as tf.Tensor, tr)))([tx]);
    expectClose(gx!.data, tgx!.dataSync(), { rtol: 1e-4, atol: 1e-4 });
  }
  return y;
}
