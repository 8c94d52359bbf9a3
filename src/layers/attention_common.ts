// What the attention layers share (MultiHeadAttention, Attention, AdditiveAttention): 0/1 masks
// built on the host (they carry no gradient), masked softmax as Keras 3 computes it, and dropout
// on the attention probabilities.
//
// A mask here is a Float32 tensor of 1 (may attend) and 0 (masked), as the mask side table holds
// them (src/layers/mask.ts); Keras's boolean masks are these with True = 1.

import * as ops from '../ops/index.js';
import { Random, randomSource } from '../tensor/random.js';
import { formatShape } from '../tensor/shape.js';
import { Tensor, toTensor, type TensorLike } from '../tensor/tensor.js';
import { formatSymbolicShape } from './layer.js';

/** Keras 3's fill for masked logits in float32 (`_large_negative_number`). */
export const LARGE_NEGATIVE = -1e9;

/** The lower-triangular causal mask `[1, Tq, Tv]`: query i may see keys j ≤ i (aligned top-left, as Keras). */
export function causalMask(tq: number, tv: number): Tensor {
  const m = new Float32Array(tq * tv);
  for (let i = 0; i < tq; i++) for (let j = 0; j <= Math.min(i, tv - 1); j++) m[i * tv + j] = 1;
  return new Tensor(m, [1, tq, tv]);
}

/** The band mask `[1, Tq, Tv]` with |i − j| < window (MultiHeadAttention's `slidingWindow`). */
export function bandMask(tq: number, tv: number, window: number): Tensor {
  const m = new Float32Array(tq * tv);
  for (let i = 0; i < tq; i++) for (let j = 0; j < tv; j++) if (Math.abs(i - j) < window) m[i * tv + j] = 1;
  return new Tensor(m, [1, tq, tv]);
}

/**
 * The logical AND of 0/1 masks that broadcast to `[B, Tq, Tv]`, as a 0/1 tensor of the broadcast
 * shape (its batch axis may stay 1); null when there are none. Any non-zero entry counts as True,
 * as Keras casts a mask to bool.
 */
export function andMasks(masks: readonly (Tensor | null)[]): Tensor | null {
  let out: Tensor | null = null;
  for (const m of masks) {
    if (m === null) continue;
    const bool = ops.notEqual(m, 0);
    out = out === null ? bool : ops.mul(out, bool);
  }
  return out;
}

/**
 * A user's mask argument (attentionMask, a query/value mask) as a tensor, without gradient; the
 * error names the layer and the argument.
 */
export function maskTensor(who: string, arg: string, value: TensorLike): Tensor {
  try {
    return toTensor(value, `${who} ${arg}`).detach();
  } catch (e) {
    throw new Error(`${who}: ${arg} must be a 0/1 tensor, got ${(e as Error).message}`);
  }
}

/** Throws unless `shape` broadcasts to `target` (rank ≤ target's, each axis 1 or equal). */
export function checkBroadcastsTo(who: string, arg: string, shape: readonly number[], target: readonly number[], wanted: string): void {
  const ok = shape.length <= target.length && shape.every((d, i) => d === 1 || d === target[target.length - shape.length + i]);
  if (!ok) throw new Error(`${who}: ${arg} of shape ${formatShape(shape)} does not broadcast to ${wanted} ${formatShape(target)}`);
}

/**
 * Softmax over the last axis of `scores` with the positions where `mask` is 0 excluded. NOTE: as
 * Keras 3 (layers/activations/softmax.py), masked logits are *replaced* by −1e9 before the
 * softmax (e^(−1e9 − max) is exactly 0 in float32 unless a whole row is masked), and, when
 * `zeroMasked`, the masked probabilities are set to 0 afterwards, so a fully masked row gives
 * zeros instead of a uniform average. `where` routes no gradient to masked logits.
 */
export function maskedSoftmax(scores: Tensor, mask: Tensor | null, zeroMasked: boolean): Tensor {
  if (mask === null) return ops.softmax(scores, -1);
  const p = ops.softmax(ops.where(mask, scores, LARGE_NEGATIVE), -1);
  return zeroMasked ? ops.where(mask, p, 0) : p;
}

/**
 * Inverted dropout of attention probabilities: each kept with probability 1 − rate and scaled
 * by 1/(1 − rate), as Keras's Dropout layer inside the attention layers. A recorded `mul`, so
 * the gradient (and a second one) flows through it.
 */
export function dropoutProbs(p: Tensor, rate: number, rng: Random | null): Tensor {
  if (rate <= 0) return p;
  const keep = 1 - rate;
  const m = new Float32Array(p.size);
  if (keep > 0) {
    const r = rng ?? randomSource();
    const scale = 1 / keep;
    for (let i = 0; i < m.length; i++) m[i] = r.next() < keep ? scale : 0;
  }
  return ops.mul(p, new Tensor(m, p.shape));
}

/** A shape in an error: `[2, 3, 4]` when every size is known (concrete data), else Keras's `(None, 3, 4)`. */
export function showShape(shape: readonly (number | null)[]): string {
  return shape.some((d) => d === null) ? formatSymbolicShape(shape) : formatShape(shape as readonly number[]);
}
