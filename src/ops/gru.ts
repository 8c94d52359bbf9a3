// The GRU over a whole sequence, forward and backward through time (Keras 3's GRU cell,
// keras/src/layers/rnn/gru.py, reset_after=True: the Keras 3 default; gate blocks z, r, h).
//
//   xW = x·W + b⁰ for ALL steps (one GEMM before this op)     R_t = h_{t−1}·U + b¹ (one GEMM a step)
//   z = σ(xW_z + R_z)    r = σ(xW_r + R_r)    ĥ = act(xW_h + r⊙R_h)
//   h_t = z⊙h_{t−1} + (1 − z)⊙ĥ                (z weights the OLD state)
//
// Backward of one step, from dh (into h_t):
//   dz = dh⊙(h_{t−1} − ĥ)   dĥ = dh⊙(1 − z)   da = dĥ⊙act'(ĥ)   dr = da⊙R_h
//   dxW_t = [dz⊙σ'(z), dr⊙σ'(r), da]          dR_t = [dz⊙σ'(z), dr⊙σ'(r), da⊙r]
//   dh_{t−1} = dh⊙z + dR_t·Uᵀ
// and for all steps at once: dU = Hᵀ·DR (one GEMM), db¹ = column sums of DR.
//
// Masks as in lstm.ts: a masked step keeps h, repeats the previous output (0 before any).
// Fused for the same reasons as the LSTM (measured there); reset_after=False (the recurrent
// GEMM on r⊙h) runs as recorded ops in the layer: see src/layers/rnn/gru.ts.

import { isRecording, record } from '../autograd/tape.js';
import { gemmAuto } from '../tensor/kernels/engine.js';
import { formatShape } from '../tensor/shape.js';
import { Tensor } from '../tensor/tensor.js';
import type { Activation } from '../layers/activations.js';
import { add, mul, sub } from './arithmetic.js';
import { matmul } from './matmul.js';
import { concat, reshape, slice, where } from './shape.js';
import {
  activateInPlace, derivativeFromOutput, gateActivation, maskTensor, processingMask, recordedBackward, reverseBlocks,
  type GateActivation, type SequenceOptions,
} from './rnn_common.js';

/** Options of {@link gruSequence}. */
export interface GRUSequenceOptions extends SequenceOptions {
  /** The candidate's activation (Keras `activation`, default tanh). */
  activation: Activation;
  /** The gates' activation (Keras `recurrent_activation`, default sigmoid). */
  recurrentActivation: Activation;
  /** [B, T] of 1 (keep) and 0 (masked), or null. */
  mask?: Tensor | null;
}

function checkShapes(xW: Tensor, U: Tensor, b1: Tensor, h0: Tensor): [number, number, number] {
  const who = 'gruSequence';
  if (xW.rank !== 3 || xW.shape[2]! % 3 !== 0) throw new Error(`${who}: xW must be [T, B, 3·units], got ${formatShape(xW.shape)}`);
  const [T, B, ku] = xW.shape as [number, number, number];
  const u = ku / 3;
  if (U.rank !== 2 || U.shape[0] !== u || U.shape[1] !== ku) throw new Error(`${who}: the recurrent kernel must be [${u}, ${ku}], got ${formatShape(U.shape)}`);
  if (b1.rank !== 1 || b1.shape[0] !== ku) throw new Error(`${who}: the recurrent bias must be [${ku}], got ${formatShape(b1.shape)}`);
  if (h0.rank !== 2 || h0.shape[0] !== B || h0.shape[1] !== u) throw new Error(`${who}: h0 must be [${B}, ${u}], got ${formatShape(h0.shape)}`);
  return [T, B, u];
}

/**
 * A GRU (reset after the recurrent product, Keras 3's default) over a whole sequence: `xW`
 * [T, B, 3u] the input projection x·W + b⁰ of every step (time-major, blocks z, r, h), `U`
 * [u, 3u], `b1` [3u] the recurrent bias, `h0` [B, u]. Returns [T + 1, B, u]: the T outputs in
 * processing order, then the final h. Fused when both activations are tanh, sigmoid, relu,
 * hard_sigmoid or linear; recorded ops otherwise.
 *
 * @example
 * ```ts
 * const act = tk.activations.getActivation('tanh'), sig = tk.activations.getActivation('sigmoid');
 * tk.gruSequence(tk.zeros([5, 2, 9]), tk.zeros([3, 9]), tk.zeros([9]), tk.zeros([2, 3]), { activation: act, recurrentActivation: sig }).shape;   // [6, 2, 3]
 * ```
 */
export function gruSequence(xW: Tensor, U: Tensor, b1: Tensor, h0: Tensor, options: GRUSequenceOptions): Tensor {
  const [T, B, u] = checkShapes(xW, U, b1, h0);
  const goBackwards = options.goBackwards === true;
  const m = processingMask(options.mask, T, B, goBackwards, 'gruSequence');
  const act = gateActivation(options.activation);
  const rec = gateActivation(options.recurrentActivation);
  if (act === null || rec === null) return gruSequenceComposite(xW, U, b1, h0, maskTensor(m, T, B), options);
  const k3 = 3 * u;
  const bu = B * u;
  const Z = new Float32Array(T * B * k3); // activated z, r, ĥ of every step
  const R = new Float32Array(T * B * k3); // h_{t−1}·U + b¹ of every step
  const Hs = new Float32Array((T + 1) * bu);
  Hs.set(h0.data);
  const Y = new Float32Array((T + 1) * bu);
  for (let t = 0; t < T; t++) {
    const s = goBackwards ? T - 1 - t : t;
    const zo = t * B * k3;
    for (let b = 0; b < B; b++) R.set(b1.data, zo + b * k3);
    gemmAuto(false, false, B, k3, u, Hs, t * bu, u, U.data, 0, k3, R, zo, k3, true);
    const x0 = s * B * k3;
    for (let b = 0; b < B; b++) {
      const row = zo + b * k3;
      const xr = x0 + b * k3;
      for (let j = 0; j < 2 * u; j++) Z[row + j] = xW.data[xr + j]! + R[row + j]!;
      activateInPlace(rec, Z, row, 2 * u);
      for (let j = 0; j < u; j++) Z[row + 2 * u + j] = xW.data[xr + 2 * u + j]! + Z[row + u + j]! * R[row + 2 * u + j]!;
      activateInPlace(act, Z, row + 2 * u, u);
      const keep = m === null || m[t * B + b] !== 0;
      const p = t * bu + b * u;
      const n = p + bu;
      for (let j = 0; j < u; j++) {
        if (keep) {
          const z = Z[row + j]!;
          Hs[n + j] = z * Hs[p + j]! + (1 - z) * Z[row + 2 * u + j]!;
          Y[p + j] = Hs[n + j]!;
        } else {
          Hs[n + j] = Hs[p + j]!;
          Y[p + j] = t === 0 ? 0 : Y[p - bu + j]!;
        }
      }
    }
  }
  Y.set(Hs.subarray(T * bu), T * bu);
  const inputs = [xW, U, b1, h0];
  return record('gruSequence', inputs, new Tensor(Y, [T + 1, B, u]), (dy) => {
    if (isRecording()) return recordedBackward(() => gruSequenceComposite(xW, U, b1, h0, maskTensor(m, T, B), options), inputs, dy);
    return gruBackward(dy.data, U.data, Z, R, Hs, m, T, B, u, act, rec, goBackwards, inputs);
  }, { steps: T, units: u, goBackwards });
}

function gruBackward(
  dY: Float32Array, U: Float32Array, Z: Float32Array, R: Float32Array, Hs: Float32Array, m: Float32Array | null,
  T: number, B: number, u: number, act: GateActivation, rec: GateActivation, goBackwards: boolean, inputs: readonly Tensor[],
): (Tensor | null)[] {
  const k3 = 3 * u;
  const bu = B * u;
  const dh = dY.slice(T * bu, (T + 1) * bu);
  const gOut = new Float32Array(bu);
  const DX = new Float32Array(T * B * k3);
  const DR = new Float32Array(T * B * k3);
  for (let t = T - 1; t >= 0; t--) {
    const zo = t * B * k3;
    for (let b = 0; b < B; b++) {
      const keep = m === null || m[t * B + b] !== 0;
      const row = zo + b * k3;
      const p = t * bu + b * u;
      const q = b * u;
      for (let j = 0; j < u; j++) {
        const g0 = gOut[q + j]! + dY[p + j]!;
        if (!keep) {
          gOut[q + j] = g0;
          continue;
        }
        gOut[q + j] = 0;
        const dhT = dh[q + j]! + g0;
        const z = Z[row + j]!, r = Z[row + u + j]!, hh = Z[row + 2 * u + j]!;
        const da = dhT * (1 - z) * derivativeFromOutput(act, hh);
        const dz = dhT * (Hs[p + j]! - hh) * derivativeFromOutput(rec, z);
        const dr = da * R[row + 2 * u + j]! * derivativeFromOutput(rec, r);
        DX[row + j] = dz;
        DX[row + u + j] = dr;
        DX[row + 2 * u + j] = da;
        DR[row + j] = dz;
        DR[row + u + j] = dr;
        DR[row + 2 * u + j] = da * r;
        dh[q + j] = dhT * z; // the recurrent GEMM below adds dR·Uᵀ
      }
    }
    gemmAuto(false, true, B, u, k3, DR, zo, k3, U, 0, k3, dh, 0, u, true);
  }
  const [xW, Uw, b1, h0] = inputs as [Tensor, Tensor, Tensor, Tensor];
  let dU: Tensor | null = null;
  if (Uw.requiresGrad) {
    const g = new Float32Array(u * k3);
    gemmAuto(true, false, u, k3, T * B, Hs, 0, u, DR, 0, k3, g, 0, k3, false);
    dU = new Tensor(g, [u, k3]);
  }
  let db: Tensor | null = null;
  if (b1.requiresGrad) {
    // Column sums in float64: T·B rows of float32 would lose digits.
    const acc = new Float64Array(k3);
    for (let r = 0; r < T * B; r++) for (let j = 0; j < k3; j++) acc[j]! += DR[r * k3 + j]!;
    db = new Tensor(Float32Array.from(acc), [k3]);
  }
  return [
    xW.requiresGrad ? new Tensor(goBackwards ? reverseBlocks(DX, T, B * k3) : DX, [T, B, k3]) : null,
    dU,
    db,
    h0.requiresGrad ? new Tensor(dh, [B, u]) : null,
  ];
}

/**
 * {@link gruSequence} as recorded ops, step by step (its recorded backward, and the path for other
 * activations). `mask` is [T, B, 1] in processing order.
 *
 * @example
 * ```ts
 * const act = tk.activations.getActivation('tanh'), sig = tk.activations.getActivation('sigmoid');
 * tk.gruSequenceComposite(tk.zeros([5, 2, 9]), tk.zeros([3, 9]), tk.zeros([9]), tk.zeros([2, 3]), null, { activation: act, recurrentActivation: sig }).shape;   // [6, 2, 3]
 * ```
 */
export function gruSequenceComposite(xW: Tensor, U: Tensor, b1: Tensor, h0: Tensor, mask: Tensor | null, options: GRUSequenceOptions): Tensor {
  const [T, B, u] = checkShapes(xW, U, b1, h0);
  const goBackwards = options.goBackwards === true;
  let h = h0;
  let prev: Tensor = new Tensor(new Float32Array(B * u), [B, u]);
  const outs: Tensor[] = [];
  for (let t = 0; t < T; t++) {
    const s = goBackwards ? T - 1 - t : t;
    const x = reshape(slice(xW, [s, 0, 0], [1, B, 3 * u]), [B, 3 * u]);
    const r3 = add(matmul(h, U), b1);
    const part = (a: Tensor, k: number): Tensor => slice(a, [0, k * u], [B, u]);
    const z = options.recurrentActivation.apply(add(part(x, 0), part(r3, 0)));
    const r = options.recurrentActivation.apply(add(part(x, 1), part(r3, 1)));
    const hh = options.activation.apply(add(part(x, 2), mul(r, part(r3, 2))));
    // z⊙h + (1 − z)⊙ĥ written as ĥ + z⊙(h − ĥ): the same value, two ops fewer on the tape.
    let hN = add(hh, mul(z, sub(h, hh)));
    let y = hN;
    if (mask !== null) {
      const keep = reshape(slice(mask, [t, 0, 0], [1, B, 1]), [B, 1]);
      hN = where(keep, hN, h);
      y = where(keep, hN, prev);
    }
    outs.push(y);
    prev = y;
    h = hN;
  }
  return reshape(concat([...outs, h], 0), [T + 1, B, u]);
}
