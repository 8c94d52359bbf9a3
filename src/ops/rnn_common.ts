// What the three recurrent sequence ops (lstm.ts, gru.ts, simple_rnn.ts) share: the gate
// activations the fused kernels know (each with its derivative written from its OUTPUT, which is
// what a step saves), the mask and time-order bookkeeping, and the recorded backward used when a
// gradient is itself differentiated.
//
// The recorded backward. A fused sequence op computes its forward and its backward in plain
// loops over typed arrays, which nothing records. When a gradient of it is wanted again (the
// walk records: `tk.grad(tk.grad(...))`, `backward({ createGraph: true })`), its backward runs the
// same recurrence again as recorded ops (matmul, slice, sigmoid, tanh, mul, add, where, ...: the
// op's `composite` form, the same numbers) and differentiates that with a recording walk. The
// result is on the tape, made of primitives that each have a rule, so any order works.

import { backprop, zeroGradient } from '../autograd/tape.js';
import { Tensor } from '../tensor/tensor.js';
import type { Activation } from '../layers/activations.js';

/** The activations the fused kernels compute in place; anything else runs as recorded ops. */
export type GateActivation = 'tanh' | 'sigmoid' | 'relu' | 'linear' | 'hard_sigmoid';

/** The fused-kernel code of an activation, or null when the kernels do not know it. */
export function gateActivation(act: Activation): GateActivation | null {
  switch (act.name) {
    case 'tanh': case 'sigmoid': case 'relu': case 'linear': case 'hard_sigmoid':
      return act.name;
    default:
      return null;
  }
}

/** y = act(x) in place on `n` floats from `offset`. */
export function activateInPlace(act: GateActivation, a: Float32Array, offset: number, n: number): void {
  const end = offset + n;
  switch (act) {
    case 'tanh':
      for (let i = offset; i < end; i++) a[i] = Math.tanh(a[i]!);
      return;
    case 'sigmoid':
      // 1/(1+e^−x): for x → −∞ e^−x overflows to Infinity and the quotient is exactly 0, no NaN.
      for (let i = offset; i < end; i++) a[i] = 1 / (1 + Math.exp(-a[i]!));
      return;
    case 'relu':
      for (let i = offset; i < end; i++) if (!(a[i]! > 0)) a[i] = 0;
      return;
    case 'hard_sigmoid':
      // Keras 3: relu6(x + 3)/6, i.e. clip(x/6 + 0.5, 0, 1).
      for (let i = offset; i < end; i++) a[i] = Math.min(1, Math.max(0, a[i]! / 6 + 0.5));
      return;
    case 'linear':
      return;
  }
}

/** act(x) of one number (the LSTM cell's act(c)). */
export function activate(act: GateActivation, x: number): number {
  switch (act) {
    case 'tanh': return Math.tanh(x);
    case 'sigmoid': return 1 / (1 + Math.exp(-x));
    case 'relu': return x > 0 ? x : 0;
    case 'hard_sigmoid': return Math.min(1, Math.max(0, x / 6 + 0.5));
    case 'linear': return x;
  }
}

/**
 * act'(x) written from y = act(x): tanh 1 − y², sigmoid y(1 − y), relu [y > 0], hard sigmoid
 * 1/6 inside (0, 1), linear 1. (At relu's kink and hard sigmoid's corners the one-sided
 * derivative 0 is taken, as the recorded ops do.)
 */
export function derivativeFromOutput(act: GateActivation, y: number): number {
  switch (act) {
    case 'tanh': return 1 - y * y;
    case 'sigmoid': return y * (1 - y);
    case 'relu': return y > 0 ? 1 : 0;
    case 'hard_sigmoid': return y > 0 && y < 1 ? 1 / 6 : 0;
    case 'linear': return 1;
  }
}

/** Options every sequence op takes. */
export interface SequenceOptions {
  /** Process the steps from the last to the first; the outputs stay in processing order (Keras). */
  goBackwards?: boolean;
}

/**
 * The mask in processing order, one 0/1 per [step, sample] (`mask` is [B, T], 1 = keep), or null
 * when there is none or every entry is 1.
 */
export function processingMask(mask: Tensor | null | undefined, T: number, B: number, goBackwards: boolean, who: string): Float32Array | null {
  if (mask === null || mask === undefined) return null;
  if (mask.rank !== 2 || mask.shape[0] !== B || mask.shape[1] !== T) {
    throw new Error(`${who}: the mask must have shape [${B}, ${T}] (batch, time), got [${mask.shape.join(', ')}]`);
  }
  const m = new Float32Array(T * B);
  let all = true;
  for (let t = 0; t < T; t++) {
    const s = goBackwards ? T - 1 - t : t;
    for (let b = 0; b < B; b++) {
      const keep = mask.data[b * T + s]! !== 0 ? 1 : 0;
      m[t * B + b] = keep;
      if (keep === 0) all = false;
    }
  }
  return all ? null : m;
}

/** The processing-order mask as a [T, B, 1] tensor, for the recorded (composite) forms. */
export function maskTensor(m: Float32Array | null, T: number, B: number): Tensor | null {
  return m === null ? null : new Tensor(m, [T, B, 1]);
}

/**
 * The backward of a fused sequence op when the walk records: `composite()` recomputes the op's
 * output from `inputs` with recorded ops, and a recording walk seeded with `dy` gives each input's
 * gradient, on the tape (null for an input that takes none).
 */
export function recordedBackward(composite: () => Tensor, inputs: readonly Tensor[], dy: Tensor): (Tensor | null)[] {
  const y = composite();
  const targets = inputs.filter((x) => x.requiresGrad);
  const grads = backprop(y, dy, undefined, { targets, createGraph: true });
  return inputs.map((x) => (x.requiresGrad ? grads.get(x) ?? zeroGradient(x.shape) : null));
}

/** Reverses the order of T blocks of `block` floats (processing order ↔ time order). */
export function reverseBlocks(src: Float32Array, T: number, block: number): Float32Array {
  const out = new Float32Array(src.length);
  for (let t = 0; t < T; t++) out.set(src.subarray(t * block, (t + 1) * block), (T - 1 - t) * block);
  return out;
}
