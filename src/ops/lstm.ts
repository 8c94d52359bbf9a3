// The LSTM over a whole sequence, forward and backward through time (Keras 3's LSTM cell,
// keras/src/layers/rnn/lstm.py; gate blocks in the order i, f, c, o).
//
//   z_t = xW_t + h_{t−1}·U            xW = x·W + b for ALL steps, one GEMM before this op
//   i = σ(z_i)  f = σ(z_f)  g = act(z_c)  o = σ(z_o)          (σ: the recurrent activation)
//   c_t = f⊙c_{t−1} + i⊙g             h_t = o⊙act(c_t)
//
// Backward of one step, from dh (into h_t: from the output and from step t+1) and dc (into c_t):
//   a = act(c_t)    do = dh⊙a    dc += dh⊙o⊙act'(a)
//   di = dc⊙g  dg = dc⊙i  df = dc⊙c_{t−1}          dc_{t−1} = dc⊙f
//   dz = [di⊙σ'(i), df⊙σ'(f), dg⊙act'(g), do⊙σ'(o)]   (each derivative from the saved output)
//   dh_{t−1} = dz·Uᵀ                 dxW_t = dz
// and after the walk, for all steps at once: dU = Σ_t h_{t−1}ᵀ·dz_t = Hᵀ·DZ (ONE GEMM).
//
// Masks (Keras): at a masked step both states keep their values and the output repeats the
// previous step's output (0 before any unmasked step). The backward passes dh and dc straight
// through a masked step, and the output's gradient on to the previous output.
//
// The choice, by measurement (Node 20, 2 shared cores, LSTM(128), batch 32 × 50 steps × 64
// features, one training step): as recorded ops (a step = matmul, 4 slices, 3 sigmoids, 2 tanh,
// 4 mul, 3 add, the tape walking ~20 nodes a step) a step's matmul alone costs 1.3 ms through the
// op layer against 0.22 ms for the raw SIMD GEMM call, each slice's backward pads a full [T, B, 4u]
// zero tensor, and dU takes 50 small GEMMs instead of one: estimated ≥ 250 ms a training step,
// about 2× TF.js-wasm (~550 ms measured) where 5× is wanted. Fused, the forward is one SIMD GEMM
// into the saved gate buffer per step plus a loop over B·u numbers, and the backward one GEMM per
// step (dh_{t−1}) plus one big GEMM for dU. Measured (bench/rnn.bench.ts, trainOnBatch, Node
// 20.20, 2 cores): tensorkit 78.6 ms, TF.js-wasm (SIMD) 482 ms, TF.js-cpu 2439 ms a step (6.1×,
// 31×) on a quiet machine; 264, 1517 and 7047 ms at load average 8 (5.8×, 27×). The raw per-step
// GEMM (32×128 · 128×512) takes 0.22 ms, through ops.matmul 1.3 ms. So this
// is a primitive, `lstmSequence`, with the fused backward; when a gradient of it is differentiated
// again, its backward is the recorded `lstmSequenceComposite` (rnn_common.ts: recordedBackward).

import { isRecording, record } from '../autograd/tape.js';
import { gemmAuto } from '../tensor/kernels/engine.js';
import { formatShape } from '../tensor/shape.js';
import { Tensor } from '../tensor/tensor.js';
import type { Activation } from '../layers/activations.js';
import { add } from './arithmetic.js';
import { matmul } from './matmul.js';
import { concat, reshape, slice, where } from './shape.js';
import {
  activate, activateInPlace, derivativeFromOutput, gateActivation, maskTensor, processingMask, recordedBackward, reverseBlocks,
  type GateActivation, type SequenceOptions,
} from './rnn_common.js';

/** Options of {@link lstmSequence}. */
export interface LSTMSequenceOptions extends SequenceOptions {
  /** The cell and candidate activation (Keras `activation`, default tanh). */
  activation: Activation;
  /** The gates' activation (Keras `recurrent_activation`, default sigmoid). */
  recurrentActivation: Activation;
  /** [B, T] of 1 (keep) and 0 (masked), or null. */
  mask?: Tensor | null;
}

function checkShapes(xW: Tensor, U: Tensor, h0: Tensor, c0: Tensor, k: number, who: string): [number, number, number] {
  if (xW.rank !== 3 || xW.shape[2]! % k !== 0) throw new Error(`${who}: xW must be [T, B, ${k}·units], got ${formatShape(xW.shape)}`);
  const [T, B, ku] = xW.shape as [number, number, number];
  const u = ku / k;
  if (U.rank !== 2 || U.shape[0] !== u || U.shape[1] !== ku) throw new Error(`${who}: the recurrent kernel must be [${u}, ${ku}], got ${formatShape(U.shape)}`);
  for (const [s, what] of [[h0, 'h0'], [c0, 'c0']] as const) {
    if (s.rank !== 2 || s.shape[0] !== B || s.shape[1] !== u) throw new Error(`${who}: ${what} must be [${B}, ${u}], got ${formatShape(s.shape)}`);
  }
  return [T, B, u];
}

/**
 * An LSTM over a whole sequence: `xW` [T, B, 4u] is the input projection x·W + b of every step
 * (time-major, gate blocks i, f, c, o), `U` [u, 4u] the recurrent kernel, `h0`, `c0` [B, u] the
 * initial states. Returns [T + 2, B, u]: the T outputs in processing order (reversed with
 * `goBackwards`), then the final h, then the final c. A fused primitive when both activations
 * are tanh, sigmoid, relu, hard_sigmoid or linear; recorded ops otherwise.
 *
 * @example
 * ```ts
 * const act = tk.activations.getActivation('tanh'), sig = tk.activations.getActivation('sigmoid');
 * const y = tk.lstmSequence(tk.zeros([5, 2, 12]), tk.zeros([3, 12]), tk.zeros([2, 3]), tk.zeros([2, 3]), { activation: act, recurrentActivation: sig });
 * y.shape;   // [7, 2, 3]: 5 outputs, h, c
 * ```
 */
export function lstmSequence(xW: Tensor, U: Tensor, h0: Tensor, c0: Tensor, options: LSTMSequenceOptions): Tensor {
  const [T, B, u] = checkShapes(xW, U, h0, c0, 4, 'lstmSequence');
  const goBackwards = options.goBackwards === true;
  const m = processingMask(options.mask, T, B, goBackwards, 'lstmSequence');
  const act = gateActivation(options.activation);
  const rec = gateActivation(options.recurrentActivation);
  if (act === null || rec === null) return lstmSequenceComposite(xW, U, h0, c0, maskTensor(m, T, B), options);
  const k4 = 4 * u;
  const bu = B * u;
  // Saved for the backward: the activated gates of every step (processing order), h and c
  // before and after every step (Hs[0] = h0), and act(c_t).
  const Z = new Float32Array(T * B * k4);
  const Hs = new Float32Array((T + 1) * bu);
  const Cs = new Float32Array((T + 1) * bu);
  const Ac = new Float32Array(T * bu);
  Hs.set(h0.data);
  Cs.set(c0.data);
  const Y = new Float32Array((T + 2) * bu);
  for (let t = 0; t < T; t++) {
    const s = goBackwards ? T - 1 - t : t;
    const zo = t * B * k4;
    // z = xW_s + h_{t−1}·U: the projection copied in, the recurrent GEMM accumulated onto it.
    Z.set(xW.data.subarray(s * B * k4, (s + 1) * B * k4), zo);
    gemmAuto(false, false, B, k4, u, Hs, t * bu, u, U.data, 0, k4, Z, zo, k4, true);
    for (let b = 0; b < B; b++) {
      const row = zo + b * k4;
      activateInPlace(rec, Z, row, 2 * u); // i, f
      activateInPlace(act, Z, row + 2 * u, u); // g
      activateInPlace(rec, Z, row + 3 * u, u); // o
      const keep = m === null || m[t * B + b] !== 0;
      const p = t * bu + b * u; // states before the step
      const n = p + bu; // states after
      for (let j = 0; j < u; j++) {
        if (keep) {
          const c = Z[row + u + j]! * Cs[p + j]! + Z[row + j]! * Z[row + 2 * u + j]!;
          const a = activate(act, c);
          Cs[n + j] = c;
          Ac[p + j] = a;
          Hs[n + j] = Z[row + 3 * u + j]! * a;
          Y[p + j] = Hs[n + j]!;
        } else {
          Cs[n + j] = Cs[p + j]!;
          Hs[n + j] = Hs[p + j]!;
          Y[p + j] = t === 0 ? 0 : Y[p - bu + j]!;
        }
      }
    }
  }
  Y.set(Hs.subarray(T * bu, (T + 1) * bu), T * bu);
  Y.set(Cs.subarray(T * bu, (T + 1) * bu), (T + 1) * bu);
  const out = new Tensor(Y, [T + 2, B, u]);
  const inputs = [xW, U, h0, c0];
  return record('lstmSequence', inputs, out, (dy) => {
    if (isRecording()) return recordedBackward(() => lstmSequenceComposite(xW, U, h0, c0, maskTensor(m, T, B), options), inputs, dy);
    return lstmBackward(dy.data, U.data, Z, Hs, Cs, Ac, m, T, B, u, act, rec, goBackwards, inputs);
  }, { steps: T, units: u, goBackwards });
}

/** The fused backward through time (see the header). */
function lstmBackward(
  dY: Float32Array, U: Float32Array, Z: Float32Array, Hs: Float32Array, Cs: Float32Array, Ac: Float32Array, m: Float32Array | null,
  T: number, B: number, u: number, act: GateActivation, rec: GateActivation, goBackwards: boolean, inputs: readonly Tensor[],
): (Tensor | null)[] {
  const k4 = 4 * u;
  const bu = B * u;
  const dh = dY.slice(T * bu, (T + 1) * bu);
  const dc = dY.slice((T + 1) * bu, (T + 2) * bu);
  const gOut = new Float32Array(bu); // the gradient reaching the previous output through masked steps
  const DZ = new Float32Array(T * B * k4);
  for (let t = T - 1; t >= 0; t--) {
    const zo = t * B * k4;
    for (let b = 0; b < B; b++) {
      const keep = m === null || m[t * B + b] !== 0;
      const row = zo + b * k4;
      const p = t * bu + b * u;
      const q = b * u;
      for (let j = 0; j < u; j++) {
        const g0 = gOut[q + j]! + dY[p + j]!;
        if (!keep) {
          gOut[q + j] = g0; // output t was output t−1; dh, dc pass through unchanged
          continue;
        }
        gOut[q + j] = 0;
        const dhT = dh[q + j]! + g0;
        const i = Z[row + j]!, f = Z[row + u + j]!, g = Z[row + 2 * u + j]!, o = Z[row + 3 * u + j]!;
        const a = Ac[p + j]!;
        const dcT = dc[q + j]! + dhT * o * derivativeFromOutput(act, a);
        DZ[row + j] = dcT * g * derivativeFromOutput(rec, i);
        DZ[row + u + j] = dcT * Cs[p + j]! * derivativeFromOutput(rec, f);
        DZ[row + 2 * u + j] = dcT * i * derivativeFromOutput(act, g);
        DZ[row + 3 * u + j] = dhT * a * derivativeFromOutput(rec, o);
        dc[q + j] = dcT * f;
        dh[q + j] = 0; // the recurrent GEMM below adds dz·Uᵀ
      }
    }
    gemmAuto(false, true, B, u, k4, DZ, zo, k4, U, 0, k4, dh, 0, u, true);
  }
  const [xW, Uw, h0, c0] = inputs as [Tensor, Tensor, Tensor, Tensor];
  let dU: Tensor | null = null;
  if (Uw.requiresGrad) {
    const g = new Float32Array(u * k4);
    gemmAuto(true, false, u, k4, T * B, Hs, 0, u, DZ, 0, k4, g, 0, k4, false);
    dU = new Tensor(g, [u, k4]);
  }
  return [
    xW.requiresGrad ? new Tensor(goBackwards ? reverseBlocks(DZ, T, B * k4) : DZ, [T, B, k4]) : null,
    dU,
    h0.requiresGrad ? new Tensor(dh, [B, u]) : null,
    c0.requiresGrad ? new Tensor(dc, [B, u]) : null,
  ];
}

/**
 * {@link lstmSequence} as recorded ops, step by step: the recorded backward of the fused op, and
 * the path for activations the fused kernel does not know. `mask` is [T, B, 1] in processing order.
 *
 * @example
 * ```ts
 * const act = tk.activations.getActivation('tanh'), sig = tk.activations.getActivation('sigmoid');
 * tk.lstmSequenceComposite(tk.zeros([5, 2, 12]), tk.zeros([3, 12]), tk.zeros([2, 3]), tk.zeros([2, 3]), null, { activation: act, recurrentActivation: sig }).shape;   // [7, 2, 3]
 * ```
 */
export function lstmSequenceComposite(xW: Tensor, U: Tensor, h0: Tensor, c0: Tensor, mask: Tensor | null, options: LSTMSequenceOptions): Tensor {
  const [T, B, u] = checkShapes(xW, U, h0, c0, 4, 'lstmSequence');
  const goBackwards = options.goBackwards === true;
  let h = h0;
  let c = c0;
  let prev: Tensor = new Tensor(new Float32Array(B * u), [B, u]);
  const outs: Tensor[] = [];
  for (let t = 0; t < T; t++) {
    const s = goBackwards ? T - 1 - t : t;
    const z = add(reshape(slice(xW, [s, 0, 0], [1, B, 4 * u]), [B, 4 * u]), matmul(h, U));
    const gate = (k: number): Tensor => slice(z, [0, k * u], [B, u]);
    const i = options.recurrentActivation.apply(gate(0));
    const f = options.recurrentActivation.apply(gate(1));
    const g = options.activation.apply(gate(2));
    const o = options.recurrentActivation.apply(gate(3));
    let cN = add(f.mul(c), i.mul(g));
    let hN = o.mul(options.activation.apply(cN));
    let y = hN;
    if (mask !== null) {
      const keep = reshape(slice(mask, [t, 0, 0], [1, B, 1]), [B, 1]);
      cN = where(keep, cN, c);
      hN = where(keep, hN, h);
      y = where(keep, hN, prev);
    }
    outs.push(y);
    prev = y;
    h = hN;
    c = cN;
  }
  return reshape(concat([...outs, h, c], 0), [T + 2, B, u]);
}
