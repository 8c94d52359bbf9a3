// conv3d and 3-D pooling: values against float64 references of the definitions, finite-difference
// checks of every gradient (and of the gradient primitives' own gradients), chunking, TF.js parity
// (tf.conv3d, tf.maxPool3d, tf.avgPool3d: forward and gradients), errors.

import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import * as tk from '../../src/index.js';
import { avgPool3d, conv3d, conv3dBackpropFilter, conv3dBackpropInput, maxPool3d, type Conv3DOptions } from '../../src/ops/index.js';
import { conv3dNDHWC } from '../../src/ops/conv3d.js';
import { conv3dGeometry } from '../../src/tensor/kernels/vol2col.js';
import { expectClose, randArray, rng, sizeOf } from '../helpers/index.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const rand = rng(303);
const T = (shape: number[]): tk.Tensor => tk.tensor(randArray(sizeOf(shape), rand), shape);
/** Distinct values 0.1 apart in a shuffled order: no two cells of a window within a finite-difference step. */
function distinct(shape: number[]): tk.Tensor {
  const n = sizeOf(shape);
  const values = Array.from({ length: n }, (_, i) => (i - n / 2) * 0.1);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [values[i], values[j]] = [values[j]!, values[i]!];
  }
  return tk.tensor(values, shape);
}

/** Max pooling's gradient by its definition: r sent to the first maximum of each window (float64 scan). */
function maxPoolGradReference(x: tk.Tensor, pool: readonly number[], s: readonly number[], r: tk.Tensor, outShape: readonly number[]): Float64Array {
  const [N, D, H, W, C] = x.shape as number[] as [number, number, number, number, number];
  const dx = new Float64Array(x.size);
  let o = 0;
  for (let n = 0; n < N; n++) for (let i = 0; i < outShape[1]!; i++) for (let j = 0; j < outShape[2]!; j++) for (let l = 0; l < outShape[3]!; l++) for (let c = 0; c < C; c++) {
    let best = -Infinity;
    let at = -1;
    for (let a = 0; a < pool[0]!; a++) for (let b = 0; b < pool[1]!; b++) for (let e = 0; e < pool[2]!; e++) {
      const idx = (((n * D + i * s[0]! + a) * H + j * s[1]! + b) * W + l * s[2]! + e) * C + c;
      if (x.data[idx]! > best) { best = x.data[idx]!; at = idx; }
    }
    dx[at] += r.data[o++]!;
  }
  return dx;
}

const triple = (v: number | readonly number[] | undefined): number[] => (v === undefined ? [1, 1, 1] : typeof v === 'number' ? [v, v, v] : v.slice());

/** y[n, i, j, l, f] = Σ x[n, i·s + a·d − p, …, c]·W[a, b, e, c, f], in float64 (zero outside the volume). */
function reference(x: tk.Tensor, w: tk.Tensor, s: number[], d: number[], pads: number[], out: number[]): Float64Array {
  const [N, D, H, W, C] = x.shape as number[] as [number, number, number, number, number];
  const [kD, kH, kW, , F] = w.shape as number[] as [number, number, number, number, number];
  const y = new Float64Array(N * out[0]! * out[1]! * out[2]! * F);
  let o = 0;
  for (let n = 0; n < N; n++) for (let i = 0; i < out[0]!; i++) for (let j = 0; j < out[1]!; j++) for (let l = 0; l < out[2]!; l++) for (let f = 0; f < F; f++) {
    let sum = 0;
    for (let a = 0; a < kD; a++) for (let b = 0; b < kH; b++) for (let e = 0; e < kW; e++) {
      const z = i * s[0]! + a * d[0]! - pads[0]!, h = j * s[1]! + b * d[1]! - pads[1]!, v = l * s[2]! + e * d[2]! - pads[2]!;
      if (z < 0 || z >= D || h < 0 || h >= H || v < 0 || v >= W) continue;
      for (let c = 0; c < C; c++) sum += x.data[(((n * D + z) * H + h) * W + v) * C + c]! * w.data[(((a * kH + b) * kW + e) * C + c) * F + f]!;
    }
    y[o++] = sum;
  }
  return y;
}

const CASES: { name: string; x: number[]; kernel: number[]; options: Conv3DOptions; pads: number[] }[] = [
  { name: '2×2×2 valid', x: [2, 3, 4, 3, 2], kernel: [2, 2, 2, 2, 3], options: {}, pads: [0, 0, 0] },
  { name: '3×3×3 same, strides [1, 2, 2]', x: [1, 4, 5, 4, 2], kernel: [3, 3, 3, 2, 2], options: { strides: [1, 2, 2], padding: 'same' }, pads: [1, 1, 0] }, // width 4, stride 2: total 1 → 0 before
  { name: '2×3×2 dilations [2, 1, 1] valid', x: [1, 5, 4, 3, 1], kernel: [2, 3, 2, 1, 2], options: { dilations: [2, 1, 1] }, pads: [0, 0, 0] },
  { name: '2×2×2 same (even kernel: extra pad at the end)', x: [1, 3, 3, 3, 2], kernel: [2, 2, 2, 2, 2], options: { padding: 'same' }, pads: [0, 0, 0] },
];

describe('conv3d against the definition and finite differences', () => {
  for (const c of CASES) {
    it(c.name, () => {
      const x = T(c.x);
      const w = T(c.kernel);
      const b = T([c.kernel[4]!]);
      const y = conv3d(x, w, c.options);
      expectClose(y.data, reference(x, w, triple(c.options.strides), triple(c.options.dilations), c.pads, y.shape.slice(1, 4)), { rtol: 1e-5, atol: 1e-5 });
      expect(tk.checkGradients((a, k, bb) => conv3d(a!, k!, c.options, bb!), [x, w, b])).toBeLessThan(1e-3);
    });
  }

  it('the gradient primitives are the forward\'s gradients and have correct gradients themselves', () => {
    const c = CASES[1]!;
    const x = T(c.x);
    const w = T(c.kernel);
    const dy = T([...conv3d(x, w, c.options).shape]);
    const [gx, gw] = tk.grads((a, k) => conv3d(a!, k!, c.options).mul(dy).sum())(x, w);
    expectClose(conv3dBackpropInput(dy, w, c.x, c.options).data, gx!.data, { rtol: 1e-6, atol: 1e-6 });
    expectClose(conv3dBackpropFilter(dy, x, c.kernel, c.options).data, gw!.data, { rtol: 1e-6, atol: 1e-6 });
    expect(tk.checkGradients((d, k) => conv3dBackpropInput(d!, k!, c.x, c.options), [dy, w])).toBeLessThan(1e-3);
    expect(tk.checkGradients((d, a) => conv3dBackpropFilter(d!, a!, c.kernel, c.options), [dy, x])).toBeLessThan(1e-3);
  });

  it('channels_first equals channels_last on transposed data', () => {
    const x = T([2, 3, 4, 4, 2]);
    const w = T([2, 3, 3, 2, 3]);
    const last = conv3d(x, w, { padding: 'same' });
    const first = conv3d(x.transpose([0, 4, 1, 2, 3]), w, { padding: 'same', dataFormat: 'channels_first' });
    expect(first.shape).toEqual([2, 3, 3, 4, 4]);
    expectClose(first.transpose([0, 2, 3, 4, 1]).data, last.data, { rtol: 1e-6, atol: 1e-6 });
  });

  it('a patch buffer of one volume at a time gives the same forward and gradients', () => {
    const x = T([3, 3, 4, 4, 2]);
    const w = T([2, 2, 2, 2, 3]);
    const g = conv3dGeometry(3, 3, 4, 4, 2, [2, 2, 2], [1, 1, 1], [1, 1, 1], 'valid');
    const window = { strides: [1, 1, 1], dilations: [1, 1, 1], padding: 'valid' as const };
    x.requiresGrad = true;
    w.requiresGrad = true;
    const small = conv3dNDHWC(x, w, null, g, window, 1);
    const whole = conv3d(x, w);
    expectClose(small.data, whole.data, { rtol: 1e-6, atol: 1e-6 });
    const dy = T([...whole.shape]);
    const [a, b] = [tk.noGrad(() => small.node!.backward(dy)), tk.noGrad(() => whole.node!.backward(dy))];
    expectClose(a[0]!.data, b[0]!.data, { rtol: 1e-5, atol: 1e-5 });
    expectClose(a[1]!.data, b[1]!.data, { rtol: 1e-5, atol: 1e-5 });
  });

  it('matches tf.conv3d: forward and the gradients of x and W', () => {
    const x = T([2, 4, 5, 4, 2]);
    const w = T([3, 3, 2, 2, 3]);
    const opts = { strides: [1, 2, 1], padding: 'same' };
    const y = conv3d(x, w, opts);
    const tx = tf.tensor5d(x.data, [2, 4, 5, 4, 2]);
    const tw = tf.tensor5d(w.data, [3, 3, 2, 2, 3]);
    const run = (a: tf.Tensor, k: tf.Tensor): tf.Tensor5D => tf.conv3d(a as tf.Tensor5D, k as tf.Tensor5D, [1, 2, 1], 'same');
    expectClose(y.data, run(tx, tw).dataSync(), { rtol: 1e-5, atol: 1e-5 });
    const r = T([...y.shape]);
    const [gx, gw] = tk.grads((a, k) => conv3d(a!, k!, opts).mul(r).sum())(x, w);
    const tr = tf.tensor(r.data, [...y.shape]);
    const [tgx, tgw] = tf.grads((a: tf.Tensor, k: tf.Tensor) => tf.sum(tf.mul(run(a, k), tr)))([tx, tw]);
    expectClose(gx!.data, tgx!.dataSync(), { rtol: 1e-4, atol: 1e-5 });
    expectClose(gw!.data, tgw!.dataSync(), { rtol: 1e-4, atol: 1e-5 });
  });
});

describe('3-D pooling', () => {
  it('by hand: the max and the mean of a 2×2×2 volume; ties go to the first cell', () => {
    const x = tk.tensor([3, 1, 4, 1, 5, 9, 2, 6], [1, 2, 2, 2, 1]);
    expect(Array.from(maxPool3d(x, 2).data)).toEqual([9]);
    expect(Array.from(avgPool3d(x, 2).data)).toEqual([31 / 8]);
    const ties = tk.tensor([7, 7, 7, 7, 7, 7, 7, 7], [1, 2, 2, 2, 1]);
    const [g] = tk.grads((a) => maxPool3d(a!, 2).sum())(ties);
    expect(Array.from(g!.data)).toEqual([1, 0, 0, 0, 0, 0, 0, 0]);
  });

  it("'same' average pooling divides by the cells inside the volume", () => {
    // 1×1×3 volume of [1, 2, 3], pool [1, 1, 2] stride 2 'same': out 2, pads total 1 → 0 before; windows [1, 2] and [3].
    const y = avgPool3d(tk.tensor([1, 2, 3], [1, 1, 1, 3, 1]), [1, 1, 2], 2, 'same');
    expect(Array.from(y.data)).toEqual([1.5, 3]);
  });

  for (const [name, pool, strides, padding, shape] of [
    ['2×2×2', [2, 2, 2], null, 'valid', [2, 4, 4, 4, 3]],
    ['3×3×3 stride 2 same', [3, 3, 3], [2, 2, 2], 'same', [1, 5, 6, 5, 2]],
    ['[1, 2, 3] strides [1, 1, 2] valid', [1, 2, 3], [1, 1, 2], 'valid', [2, 3, 4, 7, 2]],
  ] as const) {
    it(`${name}: max and average, forward and gradients as TF.js's (or the definition); finite differences`, () => {
      const x = distinct([...shape]);
      const tx = tf.tensor5d(x.data, [...shape] as [number, number, number, number, number]);
      const s = strides ?? pool;
      const sizes = [pool, s] as unknown as [[number, number, number], [number, number, number]];
      const y = maxPool3d(x, pool, strides, padding);
      expectClose(y.data, tf.maxPool3d(tx, ...sizes, padding).dataSync(), { rtol: 0, atol: 0 });
      const r = T([...y.shape]);
      const [gx] = tk.grads((a) => maxPool3d(a!, pool, strides, padding).mul(r).sum())(x);
      const [tgx] = tf.grads((a: tf.Tensor) => tf.sum(tf.mul(tf.maxPool3d(a as tf.Tensor5D, ...sizes, padding), tf.tensor(r.data, [...y.shape]))))([tx]);
      // NOTE: TF.js 4.22's cpu MaxPool3DGrad sends the gradient to the wrong cells when the pool
      // sizes differ between axes (for [1, 2, 3] it picks cells that are no window's maximum), so
      // there the definition is the reference.
      const cubic = pool[0] === pool[1] && pool[1] === pool[2];
      if (cubic) expectClose(gx!.data, tgx!.dataSync(), { rtol: 1e-6, atol: 1e-6 });
      else expectClose(gx!.data, maxPoolGradReference(x, pool, s, r, y.shape), { rtol: 1e-6, atol: 1e-6 });
      expect(tk.checkGradients((a) => maxPool3d(a!, pool, strides, padding), [x])).toBeLessThan(1e-3);

      const z = avgPool3d(x, pool, strides, padding);
      expectClose(z.data, tf.avgPool3d(tx, ...sizes, padding).dataSync(), { rtol: 1e-6, atol: 1e-6 });
      const q = T([...z.shape]);
      const [ga] = tk.grads((a) => avgPool3d(a!, pool, strides, padding).mul(q).sum())(x);
      const [tga] = tf.grads((a: tf.Tensor) => tf.sum(tf.mul(tf.avgPool3d(a as tf.Tensor5D, ...sizes, padding), tf.tensor(q.data, [...z.shape]))))([tx]);
      // NOTE: with 'same' padding TF.js 4.22's AvgPool3DGrad (and AvgPoolGrad) divides every share by
      // the full window size while its forward divides by the cells inside (1-D [1, 2, 3, 4], pool
      // 3 stride 2: forward [2, 3.5], its gradient of the sum [1/3, 1/3, 2/3, 1/3]): not the adjoint
      // of its own forward. There the finite differences below are the reference.
      if (padding === 'valid') expectClose(ga!.data, tga!.dataSync(), { rtol: 1e-5, atol: 1e-6 });
      expect(tk.checkGradients((a) => avgPool3d(a!, pool, strides, padding), [x])).toBeLessThan(1e-3);
    });
  }

  it('the gradients of the pooling gradients (second order) match finite differences', () => {
    const x = T([1, 4, 4, 4, 2]);
    const dy = T([1, 2, 2, 2, 2]);
    for (const pool of [maxPool3d, avgPool3d]) {
      const y = pool(Object.assign(x.clone(), { requiresGrad: true }), 2);
      // The backward's own op (outside noGrad it records): differentiate it in dy.
      const grad = (d: tk.Tensor): tk.Tensor => y.node!.backward(d)[0]!;
      expect(tk.checkGradients((d) => grad(d!), [dy])).toBeLessThan(1e-3);
    }
  });

  it('channels_first and errors', () => {
    const x = T([1, 4, 4, 4, 2]);
    const first = maxPool3d(x.transpose([0, 4, 1, 2, 3]), 2, null, 'valid', 'channels_first');
    expectClose(first.transpose([0, 2, 3, 4, 1]).data, maxPool3d(x, 2).data, { rtol: 0, atol: 0 });
    expect(() => maxPool3d(tk.zeros([1, 1, 4, 4, 1]), 2)).toThrow("maxPool3d: input [1,1,4,4,1] with pool 2×2×2 (strides 2×2×2), padding 'valid' gives output size 0×2×2");
    expect(() => avgPool3d(tk.zeros([1, 4, 4, 1]), 2)).toThrow(/avgPool3d: expected a rank-5 input/);
    expect(() => maxPool3d(x, [2, 2])).toThrow(/maxPool3d: poolSize must be a positive integer or a list of 3 of them/);
    expect(() => conv3d(tk.zeros([1, 3, 3, 3, 2]), tk.zeros([2, 2, 2, 3, 1]))).toThrow(/conv3d: input \[1,3,3,3,2\] has 2 channels but kernel \[2,2,2,3,1\] expects 3/);
    expect(() => conv3d(tk.zeros([1, 3, 3, 3, 2]), tk.zeros([2, 2, 2, 2, 1]), { strides: [1, 2] })).toThrow(/conv3d: strides must be a positive integer or a list of 3/);
  });
});
