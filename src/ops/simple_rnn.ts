// The simple (Elman) RNN over a whole sequence, forward and backward through time (Keras 3's
// SimpleRNNCell, keras/src/layers/rnn/simple_rnn.py).
//
//   xW = x·W + b for ALL steps (one GEMM before this op)
//   h_t = act(xW_t + h_{t−1}·U)
//
// Backward of one step, from dh (into h_t):  dz = dh⊙act'(h_t);  dxW_t = dz;  dh_{t−1} = dz·Uᵀ;
// for all steps at once dU = Hᵀ·DZ (one GEMM). Masks as in lstm.ts. Fused for the reasons
// measured there.

import { isRecording, record } from '../autograd/tape.js';
import { gemmAuto } from '../tensor/kernels/engine.js';
import { formatShape } from '../tensor/shape.js';
import { Tensor } from '../tensor/tensor.js';
import type { Activation } from '../layers/activations.js';
import { add } from './arithmetic.js';
import { matmul } from './matmul.js';
import { concat, reshape, slice, where } from './shape.js';
import { activateInPlace, derivativeFromOutput, gateActivation, maskTensor, processingMask, recordedBackward, reverseBlocks, type SequenceOptions } from './rnn_common.js';

/** Options of {@link simpleRnnSequence}. */
export interface SimpleRNNSequenceOptions extends SequenceOptions {
  /** The activation (Keras `activation`, default tanh). */
  activation: Activation;
  /** [B, T] of 1 (keep) and 0 (masked), or null. */
  mask?: Tensor | null;
}

function checkShapes(xW: Tensor, U: Tensor, h0: Tensor): [number, number, number] {
  const who = 'simpleRnnSequence';
  if (xW.rank !== 3) throw new Error(`${who}: xW must be [T, B, units], got ${formatShape(xW.shape)}`);
  const [T, B, u] = xW.shape as [number, number, number];
  if (U.rank !== 2 || U.shape[0] !== u || U.shape[1] !== u) throw new Error(`${who}: the recurrent kernel must be [${u}, ${u}], got ${formatShape(U.shape)}`);
  if (h0.rank !== 2 || h0.shape[0] !== B || h0.shape[1] !== u) throw new Error(`${who}: h0 must be [${B}, ${u}], got ${formatShape(h0.shape)}`);
  return [T, B, u];
}

/**
 * A simple RNN over a whole sequence: `xW` [T, B, u] the input projection of every step
 * (time-major), `U` [u, u], `h0` [B, u]. Returns [T + 1, B, u]: the T outputs in processing order,
 * then the final h. Fused for tanh, sigmoid, relu, hard_sigmoid and linear; recorded ops otherwise.
 *
 * @example
 * ```ts
 * tk.simpleRnnSequence(tk.ones([4, 1, 1]), tk.ones([1, 1]), tk.zeros([1, 1]), { activation: tk.activations.getActivation('linear') }).toArray();
 * // [[[1]], [[2]], [[3]], [[4]], [[4]]]
 * ```
 */
export function simpleRnnSequence(xW: Tensor, U: Tensor, h0: Tensor, options: SimpleRNNSequenceOptions): Tensor {
  const [T, B, u] = checkShapes(xW, U, h0);
  const goBackwards = options.goBackwards === true;
  const m = processingMask(options.mask, T, B, goBackwards, 'simpleRnnSequence');
  const act = gateActivation(options.activation);
  if (act === null) return simpleRnnSequenceComposite(xW, U, h0, maskTensor(m, T, B), options);
  const bu = B * u;
  const Hs = new Float32Array((T + 1) * bu);
  Hs.set(h0.data);
  const Y = new Float32Array((T + 1) * bu);
  const z = new Float32Array(bu);
  for (let t = 0; t < T; t++) {
    const s = goBackwards ? T - 1 - t : t;
    z.set(xW.data.subarray(s * bu, (s + 1) * bu));
    gemmAuto(false, false, B, u, u, Hs, t * bu, u, U.data, 0, u, z, 0, u, true);
    activateInPlace(act, z, 0, bu);
    for (let b = 0; b < B; b++) {
      const keep = m === null || m[t * B + b] !== 0;
      const p = t * bu + b * u;
      for (let j = 0; j < u; j++) {
        Hs[p + bu + j] = keep ? z[b * u + j]! : Hs[p + j]!;
        Y[p + j] = keep ? z[b * u + j]! : t === 0 ? 0 : Y[p - bu + j]!;
      }
    }
  }
  Y.set(Hs.subarray(T * bu), T * bu);
  const inputs = [xW, U, h0];
  return record('simpleRnnSequence', inputs, new Tensor(Y, [T + 1, B, u]), (dy) => {
    if (isRecording()) return recordedBackward(() => simpleRnnSequenceComposite(xW, U, h0, maskTensor(m, T, B), options), inputs, dy);
    const dY = dy.data;
    const dh = dY.slice(T * bu);
    const gOut = new Float32Array(bu);
    const DZ = new Float32Array(T * bu);
    for (let t = T - 1; t >= 0; t--) {
      for (let b = 0; b < B; b++) {
        const keep = m === null || m[t * B + b] !== 0;
        const p = t * bu + b * u;
        const q = b * u;
        for (let j = 0; j < u; j++) {
          const g0 = gOut[q + j]! + dY[p + j]!;
          if (!keep) {
            gOut[q + j] = g0;
            continue;
          }
          gOut[q + j] = 0;
          DZ[p + j] = (dh[q + j]! + g0) * derivativeFromOutput(act, Hs[p + bu + j]!);
          dh[q + j] = 0;
        }
      }
      gemmAuto(false, true, B, u, u, DZ, t * bu, u, U.data, 0, u, dh, 0, u, true);
    }
    let dU: Tensor | null = null;
    if (U.requiresGrad) {
      const g = new Float32Array(u * u);
      gemmAuto(true, false, u, u, T * B, Hs, 0, u, DZ, 0, u, g, 0, u, false);
      dU = new Tensor(g, [u, u]);
    }
    return [
      xW.requiresGrad ? new Tensor(goBackwards ? reverseBlocks(DZ, T, bu) : DZ, [T, B, u]) : null,
      dU,
      h0.requiresGrad ? new Tensor(dh, [B, u]) : null,
    ];
  }, { steps: T, units: u, goBackwards });
}

/**
 * {@link simpleRnnSequence} as recorded ops, step by step. `mask` is [T, B, 1] in processing order.
 *
 * @example
 * ```ts
 * tk.simpleRnnSequenceComposite(tk.ones([4, 1, 1]), tk.ones([1, 1]), tk.zeros([1, 1]), null, { activation: tk.activations.getActivation('linear') }).shape;   // [5, 1, 1]
 * ```
 */
export function simpleRnnSequenceComposite(xW: Tensor, U: Tensor, h0: Tensor, mask: Tensor | null, options: SimpleRNNSequenceOptions): Tensor {
  const [T, B, u] = checkShapes(xW, U, h0);
  const goBackwards = options.goBackwards === true;
  let h = h0;
  let prev: Tensor = new Tensor(new Float32Array(B * u), [B, u]);
  const outs: Tensor[] = [];
  for (let t = 0; t < T; t++) {
    const s = goBackwards ? T - 1 - t : t;
    let hN = options.activation.apply(add(reshape(slice(xW, [s, 0, 0], [1, B, u]), [B, u]), matmul(h, U)));
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
