// depthwiseConv2d and separableConv2d: a hand-derived case, values against a float64 reference,
// finite-difference checks of every gradient (x, kernel, bias) over depth multipliers, strides,
// paddings, dilations and data formats, the two gradient primitives differentiated again (their
// own gradients checked by finite differences), TF.js parity (forward and gradients), errors.
// The kernel's own reference test is test/kernels/depthwise.test.ts.

import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import * as tk from '../../src/index.js';
import { depthwiseConv2d, depthwiseConv2dBackpropFilter, depthwiseConv2dBackpropInput, separableConv2d } from '../../src/ops/index.js';
import type { Conv2DOptions } from '../../src/ops/conv2d.js';
import { expectClose, randArray, rng, sizeOf } from '../helpers/index.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const rand = rng(99);
const T = (shape: number[]): tk.Tensor => tk.tensor(randArray(sizeOf(shape), rand), shape);

/** The definition, in float64, NHWC: y[n, i, j, c·M + m] = Σ x[n, i·s + a·d − pT, j·s + b·d − pL, c]·W[a, b, c, m]. */
function reference(x: tk.Tensor, w: tk.Tensor, s: [number, number], d: [number, number], pads: [number, number], out: [number, number]): Float64Array {
  const [N, H, W, C] = x.shape as [number, number, number, number];
  const [kH, kW, , M] = w.shape as [number, number, number, number];
  const y = new Float64Array(N * out[0] * out[1] * C * M);
  for (let n = 0; n < N; n++) for (let i = 0; i < out[0]; i++) for (let j = 0; j < out[1]; j++) for (let c = 0; c < C; c++) for (let m = 0; m < M; m++) {
    let sum = 0;
    for (let a = 0; a < kH; a++) for (let b = 0; b < kW; b++) {
      const h = i * s[0] + a * d[0] - pads[0];
      const v = j * s[1] + b * d[1] - pads[1];
      if (h < 0 || h >= H || v < 0 || v >= W) continue;
      sum += x.data[((n * H + h) * W + v) * C + c]! * w.data[((a * kW + b) * C + c) * M + m]!;
    }
    y[(((n * out[0] + i) * out[1] + j) * C + c) * M + m] = sum;
  }
  return y;
}

describe('depthwiseConv2d by hand', () => {
  it('channels stay apart; output channel c·M + m is channel c under filter m', () => {
    // x: channel 0 = [1, 2, 3, 4], channel 1 = [10, 20, 30, 40] (2×2); W: one 2×2 window, M = 2,
    // filter 0 all ones, filter 1 all twos for channel 0; filter 0 all threes, filter 1 all fours for channel 1.
    const x = tk.tensor([1, 10, 2, 20, 3, 30, 4, 40], [1, 2, 2, 2]);
    const w = tk.tensor([1, 2, 3, 4, 1, 2, 3, 4, 1, 2, 3, 4, 1, 2, 3, 4], [2, 2, 2, 2]);
    // channel 0 sums to 10, channel 1 to 100: outputs [10·1, 10·2, 100·3, 100·4].
    expect(Array.from(depthwiseConv2d(x, w).data)).toEqual([10, 20, 300, 400]);
    expect(Array.from(depthwiseConv2d(x, w, {}, [1, 2, 3, 4]).data)).toEqual([11, 22, 303, 404]);
  });
});

interface Case {
  name: string;
  x: number[];
  kernel: number[];
  options: Conv2DOptions;
  pads: [number, number];
}

const CASES: Case[] = [
  { name: '3×3 valid, M = 1', x: [2, 5, 6, 3], kernel: [3, 3, 3, 1], options: {}, pads: [0, 0] },
  { name: '3×3 same stride 2, M = 2', x: [2, 7, 6, 2], kernel: [3, 3, 2, 2], options: { strides: 2, padding: 'same' }, pads: [1, 0] }, // 7 rows: total 2 → 1 above; 6 columns: total 1 → 0 left
  { name: '2×3 same, M = 3 (even kernel: the extra pad at the bottom)', x: [1, 4, 5, 2], kernel: [2, 3, 2, 3], options: { padding: 'same' }, pads: [0, 1] },
  { name: '3×3 dilation 2 valid, M = 1', x: [2, 7, 7, 2], kernel: [3, 3, 2, 1], options: { dilations: 2 }, pads: [0, 0] },
  { name: '3×2 strides [1, 2] and dilations [2, 1] same, M = 2', x: [1, 6, 7, 3], kernel: [3, 2, 3, 2], options: { strides: [1, 2], dilations: [2, 1], padding: 'same' }, pads: [2, 0] },
];

describe('depthwiseConv2d against the definition and finite differences', () => {
  for (const c of CASES) {
    it(c.name, () => {
      const x = T(c.x);
      const w = T(c.kernel);
      const CM = c.kernel[2]! * c.kernel[3]!;
      const b = T([CM]);
      const y = depthwiseConv2d(x, w, c.options);
      const ref = reference(x, w, toPair(c.options.strides), toPair(c.options.dilations), c.pads, [y.shape[1]!, y.shape[2]!]);
      expectClose(y.data, ref, { rtol: 1e-5, atol: 1e-6 });
      expect(tk.checkGradients((a, k, bb) => depthwiseConv2d(a!, k!, c.options, bb!), [x, w, b])).toBeLessThan(1e-3);
    });
  }

  it('channels_first equals channels_last on transposed data', () => {
    const x = T([2, 5, 5, 3]);
    const w = T([3, 3, 3, 2]);
    const last = depthwiseConv2d(x, w, { padding: 'same', strides: 2 });
    const first = depthwiseConv2d(x.transpose([0, 3, 1, 2]), w, { padding: 'same', strides: 2, dataFormat: 'channels_first' });
    expect(first.shape).toEqual([2, 6, 3, 3]);
    expectClose(first.transpose([0, 2, 3, 1]).data, last.data, { rtol: 1e-6, atol: 1e-6 });
  });
});

describe('the gradient primitives, differentiated again (second order)', () => {
  for (const c of CASES.slice(0, 3)) {
    it(`${c.name}: depthwiseConv2dBackpropInput and …Filter match finite differences in both arguments`, () => {
      const x = T(c.x);
      const w = T(c.kernel);
      const nhwc = { ...c.options, dataFormat: undefined };
      const dy = T([...depthwiseConv2d(x, w, nhwc).shape]);
      expect(tk.checkGradients((d, k) => depthwiseConv2dBackpropInput(d!, k!, c.x, nhwc), [dy, w])).toBeLessThan(1e-3);
      expect(tk.checkGradients((d, a) => depthwiseConv2dBackpropFilter(d!, a!, c.kernel, nhwc), [dy, x])).toBeLessThan(1e-3);
      // And they are the forward's gradients.
      const [gx, gw] = tk.grads((a, k) => depthwiseConv2d(a!, k!, nhwc).mul(dy).sum())(x, w);
      expectClose(depthwiseConv2dBackpropInput(dy, w, c.x, nhwc).data, gx!.data, { rtol: 1e-6, atol: 1e-6 });
      expectClose(depthwiseConv2dBackpropFilter(dy, x, c.kernel, nhwc).data, gw!.data, { rtol: 1e-6, atol: 1e-6 });
    });
  }
});

describe('depthwiseConv2d and separableConv2d: TF.js parity', () => {
  for (const c of CASES) {
    it(`${c.name}: tf.depthwiseConv2d forward and the gradients of x and W`, () => {
      const x = T(c.x);
      const w = T(c.kernel);
      const y = depthwiseConv2d(x, w, c.options);
      const tx = tf.tensor4d(x.data, c.x as [number, number, number, number]);
      const tw = tf.tensor4d(w.data, c.kernel as [number, number, number, number]);
      const run = (a: tf.Tensor, k: tf.Tensor): tf.Tensor4D => tf.depthwiseConv2d(a as tf.Tensor4D, k as tf.Tensor4D, (c.options.strides ?? 1) as number, (c.options.padding ?? 'valid') as 'valid', 'NHWC', (c.options.dilations ?? 1) as number);
      // TF.js rejects strides > 1 with dilations > 1 in depthwiseConv2d; Keras's JAX and torch backends compute it, as tensorkit.
      if (Math.max(...toPair(c.options.strides)) > 1 && Math.max(...toPair(c.options.dilations)) > 1) return;
      expectClose(y.data, run(tx, tw).dataSync(), { rtol: 1e-5, atol: 1e-5 });
      // TF.js has no gradient for dilations > 1 ('not yet supported'): the finite differences above check those.
      if (Math.max(...toPair(c.options.dilations)) > 1) return;
      const r = T([...y.shape]);
      const [gx, gw] = tk.grads((a, k) => depthwiseConv2d(a!, k!, c.options).mul(r).sum())(x, w);
      const tr = tf.tensor(r.data, [...y.shape]);
      const [tgx, tgw] = tf.grads((a: tf.Tensor, k: tf.Tensor) => tf.sum(tf.mul(run(a, k), tr)))([tx, tw]);
      expectClose(gx!.data, tgx!.dataSync(), { rtol: 1e-4, atol: 1e-5 });
      expectClose(gw!.data, tgw!.dataSync(), { rtol: 1e-4, atol: 1e-5 });
    });
  }

  it('separableConv2d equals tf.separableConv2d (depthwise, then pointwise) and has its gradients', () => {
    const x = T([2, 6, 6, 3]);
    const dw = T([3, 3, 3, 2]);
    const pw = T([1, 1, 6, 4]);
    const b = T([4]);
    const y = separableConv2d(x, dw, pw, { strides: 2, padding: 'same' }, b);
    const ty = tf.separableConv2d(tf.tensor4d(x.data, [2, 6, 6, 3]), tf.tensor4d(dw.data, [3, 3, 3, 2]), tf.tensor4d(pw.data, [1, 1, 6, 4]), 2, 'same').add(tf.tensor1d(b.data));
    expect(y.shape).toEqual([2, 3, 3, 4]);
    expectClose(y.data, ty.dataSync(), { rtol: 1e-5, atol: 1e-5 });
    expect(tk.checkGradients((a, d, p, bb) => separableConv2d(a!, d!, p!, { strides: 2, padding: 'same' }, bb!), [x, dw, pw, b])).toBeLessThan(1e-3);
  });
});

describe('depthwiseConv2d: errors', () => {
  it('names the op, the argument and the shapes', () => {
    expect(() => depthwiseConv2d(tk.zeros([1, 4, 4, 3]), tk.zeros([3, 3, 2, 1]))).toThrow(/depthwiseConv2d: input \[1,4,4,3\] has 3 channels but kernel \[3,3,2,1\] expects 2 \(kernel layout \[kh, kw, inChannels, depthMultiplier\]\)/);
    expect(() => depthwiseConv2d(tk.zeros([1, 2, 2, 3]), tk.zeros([3, 3, 3, 1]))).toThrow(/gives output size 0×0/);
    expect(() => depthwiseConv2d(tk.zeros([1, 4, 4, 3]), tk.zeros([3, 3, 3, 2]), {}, [1, 2, 3])).toThrow(/bias \[3\] must have shape \[6\]/);
    expect(() => depthwiseConv2d(tk.zeros([4, 4, 3]), tk.zeros([3, 3, 3, 1]))).toThrow(/expected a rank-4 input/);
    expect(() => depthwiseConv2dBackpropInput(tk.zeros([1, 3, 3, 2]), tk.zeros([2, 2, 1, 1]), [1, 4, 4, 1])).toThrow(/dy has shape \[1,3,3,2\], expected the depthwise convolution's output shape \[1,3,3,1\]/);
    expect(() => separableConv2d(tk.zeros([1, 4, 4, 3]), tk.zeros([3, 3, 3, 1]), tk.zeros([1, 1, 4, 2]))).toThrow(/pointwise kernel \[1,1,4,2\] must take 3 channels/);
  });
});

function toPair(v: number | readonly number[] | undefined): [number, number] {
  if (v === undefined) return [1, 1];
  return typeof v === 'number' ? [v, v] : [v[0]!, v[1]!];
}
