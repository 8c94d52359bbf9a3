// Masks beside tensors (Keras's `_keras_mask`): Embedding with `maskZero` and Masking attach a
// mask to their output; `Layer.apply` hands it to the next layer's `call` (as `args.mask`) and
// attaches that layer's `computeMask` to its output. A WeakMap keyed by the tensor: a mask lives
// exactly as long as its tensor, and tensors stay plain values (no field every tensor carries).
//
// A mask is a float tensor of 1s (keep) and 0s (masked), shaped like the input without its
// feature axis: [batch, time] for a sequence.

import type { Tensor } from '../tensor/tensor.js';

const masks = new WeakMap<Tensor, Tensor>();

/**
 * The mask attached to `t`, or null.
 *
 * @example
 * ```ts
 * const e = new tk.layers.Embedding(10, 4, { maskZero: true });
 * tk.layers.maskOf(e.apply(tk.tensor([[3, 0]])))?.toArray();   // [[1, 0]]
 * ```
 */
export function maskOf(t: Tensor): Tensor | null {
  return masks.get(t) ?? null;
}

/**
 * Attaches `mask` to `t` (replacing any), and returns `t`. Layers call it for their outputs.
 *
 * @example
 * ```ts
 * const x = tk.layers.setMask(tk.ones([1, 3, 2]), tk.tensor([[1, 1, 0]]));
 * ```
 */
export function setMask(t: Tensor, mask: Tensor): Tensor {
  masks.set(t, mask);
  return t;
}
