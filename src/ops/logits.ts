// Remembers which tensors are probabilities computed from logits by softmax or sigmoid, so a
// crossentropy loss can work from the logits instead (as Keras does on TensorFlow): the loss is
// then exact for confident predictions and its gradient is the stable `p − y`, never NaN.
// A WeakMap: an entry lives exactly as long as the probability tensor.

import type { Tensor } from '../tensor/tensor.js';

/** Where a probability tensor came from. */
export interface LogitsOrigin {
  readonly activation: 'softmax' | 'sigmoid';
  readonly logits: Tensor;
  /** The softmax axis (normalised, non-negative); -1 for sigmoid, which is elementwise. */
  readonly axis: number;
}

const origins = new WeakMap<Tensor, LogitsOrigin>();

/** Notes that `probabilities = activation(logits)`. Called by softmax and sigmoid. */
export function markFromLogits(probabilities: Tensor, origin: LogitsOrigin): Tensor {
  origins.set(probabilities, origin);
  return probabilities;
}

/** The logits `p` was computed from, if it is a softmax or sigmoid output. */
export function logitsOf(p: Tensor): LogitsOrigin | undefined {
  return origins.get(p);
}
