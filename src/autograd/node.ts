// One entry of the tape: which op made a tensor, from which inputs, and how to send a gradient
// back through it.

import type { Tensor } from '../tensor/tensor.js';

/**
 * The vector-Jacobian product of an op: given `dy` (the gradient of the final result with
 * respect to this op's output, same shape as the output), return the gradient with respect to
 * each input. A binary op may return a gradient in the broadcast (output) shape: the tape walker
 * sums it down to the input's shape. Return `null` for an input that takes no gradient
 * (an integer index, a mask).
 */
export type BackwardFn = (dy: Tensor) => readonly (Tensor | null)[];

/** A recorded op application. Nodes are numbered in creation order: that order is the tape. */
export interface TapeNode {
  /** Position on the tape (creation order); the backward walk visits nodes by decreasing id. */
  readonly id: number;
  /** The op's name, as listed in `src/ops/index.ts`. */
  readonly op: string;
  /** The op's tensor inputs, in argument order. */
  readonly inputs: readonly Tensor[];
  /** The op's vector-Jacobian product. */
  readonly backward: BackwardFn;
  /** Small non-tensor arguments worth showing a learner (axis, shape, ...). */
  readonly attrs?: Readonly<Record<string, unknown>>;
  /**
   * For each input whose values belong to a Variable (the variable or a view of it), that
   * variable's `version` when the op ran (−1 for other inputs); absent when there is none, or
   * when the backward reads no input values. The backward walk checks them (`Variable.version`).
   */
  readonly versions?: readonly number[];
}
