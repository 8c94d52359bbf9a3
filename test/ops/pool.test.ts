// Pooling ops: hand cases (ties, all-negative windows, 'same' averages), finite-difference checks
// of every pooling, forward and gradient parity with TensorFlow.js, errors.

import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import * as tk from '../../src/index.js';
import * as ops from '../../src/ops/index.js';
import { poolGeometry } from '../../src/tensor/kernels/conv_geometry.js';
import { expectClose, randArray, rng, sizeOf } from '../helpers/index.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const rand = rng(31337);
const T = (shape: number[]): tk.Tensor => tk.tensor(randArray(sizeOf(shape), rand), shape);

/** Distinct values ≥ 0.1 apart, shuffled: the argmax of every window is stable under a 1e-2 step. */
function distinct(shape: number[]): tk.Tensor {
  const n = sizeOf(shape);
  const vals = Array.from({ length: n }, (_, i) => (i - n / 2) * 0.1);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [vals[i], vals[j]] = [vals[j]!, vals[i]!];
  }
  return tk.tensor(vals, shape);
}

const TOLERANCE = 1e-3;

describe('pooling by hand', () => {
  it('max pool: ties go to the first cell; windows start at −Infinity (all-negative windows)', () => {
    // One 2×2 window of [−3, −1, −1, −2]: max −1, and the gradient goes to the FIRST −1 only.
    const x = tk.tensor([-3, -1, -1, -2], [1, 2, 2, 1]);
    expect(Array.from(ops.maxPool2d(x, 2).data)).toEqual([-1]);
    expect(Array.from(tk.grad((t) => ops.maxPool2d(t, 2).sum())(x).data)).toEqual([0, 1, 0, 0]);
  });

  it('max pool: overlapping windows that choose the same cell accumulate', () => {
    // 3×3 image with its max 9 in the middle; 2×2 windows, stride 1: all four windows choose it.
    const x = tk.tensor([1, 2, 3, 4, 9, 5, 6, 7, 8], [1, 3, 3, 1]);
    expect(Array.from(ops.maxPool2d(x, 2, 1).data)).toEqual([9, 9, 9, 9]);
    expect(Array.from(tk.grad((t) => ops.maxPool2d(t, 2, 1).sum())(x).data)).toEqual([0, 0, 0, 0, 4, 0, 0, 0, 0]);
  });

  it("avg pool 'same' divides by the real cells only (TF.js's gradient does not, see tfAvgPoolSame)", () => {
    // 3×3 of ones·v, pool 2 stride 2 'same': pads (0, 1). Windows hold 4, 2, 2 and 1 real cells.
    const x = tk.tensor([1, 2, 3, 4, 5, 6, 7, 8, 9], [1, 3, 3, 1]);
    expect(Array.from(ops.avgPool2d(x, 2, 2, 'same').data)).toEqual([(1 + 2 + 4 + 5) / 4, (3 + 6) / 2, (7 + 8) / 2, 9]);
    // d/dx: each cell receives 1/(real cells of its window).
    expect(Array.from(tk.grad((t) => ops.avgPool2d(t, 2, 2, 'same').sum())(x).data)).toEqual([0.25, 0.25, 0.5, 0.25, 0.25, 0.5, 0.5, 0.5, 1]);
  });

  it('global pooling: shapes, keepDims and channels_first', () => {
    const x = tk.tensor([1, 2, 3, 4, 5, 6, 7, 8], [1, 2, 2, 2]); // channels: [1,3,5,7] and [2,4,6,8]
    expect(ops.globalAvgPool2d(x).toArray()).toEqual([[4, 5]]);
    expect(ops.globalMaxPool2d(x, 'channels_last', true).toArray()).toEqual([[[[7, 8]]]]);
    expect(ops.globalAvgPool2d(x, 'channels_first').toArray()).toEqual([[2.5, 6.5]]);
    expect(ops.globalMaxPool2d(x, 'channels_first', true).shape).toEqual([1, 2, 1, 1]);
  });
});

describe('pooling gradients: finite differences', () => {
  const cases: { name: string; f: (x: tk.Tensor) => tk.Tensor; x: () => tk.Tensor }[] = [
    { name: 'max 2×2 valid', f: (x) => ops.maxPool2d(x, 2), x: () => distinct([2, 6, 5, 3]) },
    { name: 'max 3×3 stride 1 (overlapping)', f: (x) => ops.maxPool2d(x, 3, 1), x: () => distinct([2, 5, 5, 2]) },
    { name: "max 3×3 stride 2 'same'", f: (x) => ops.maxPool2d(x, 3, 2, 'same'), x: () => distinct([2, 6, 7, 2]) },
    { name: "max [2, 3] strides [1, 2] 'same' channels_first", f: (x) => ops.maxPool2d(x, [2, 3], [1, 2], 'same', 'channels_first'), x: () => distinct([2, 3, 5, 6]) },
    { name: 'avg 2×2 valid', f: (x) => ops.avgPool2d(x, 2), x: () => T([2, 6, 5, 3]) },
    { name: "avg 3×3 stride 2 'same'", f: (x) => ops.avgPool2d(x, 3, 2, 'same'), x: () => T([2, 7, 6, 2]) },
    { name: "avg 2×2 stride 1 'same' channels_first", f: (x) => ops.avgPool2d(x, 2, 1, 'SAME', 'channelsFirst'), x: () => T([2, 2, 4, 5]) },
    { name: 'global average', f: (x) => ops.globalAvgPool2d(x), x: () => T([2, 4, 3, 3]) },
    { name: 'global max (keepDims, channels_first)', f: (x) => ops.globalMaxPool2d(x, 'channels_first', true), x: () => distinct([2, 3, 4, 3]) },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const report = tk.gradientCheckReport(c.f, [c.x()]);
      expect(report.maxError, JSON.stringify(report)).toBeLessThan(TOLERANCE);
    });
  }
});

/**
 * Average pooling 'same' in TF.js as a composite whose gradient is right: zero-pad by TF's split,
 * 'valid' average, rescaled by the fraction of real cells (the same pooling of padded ones).
 *
 * NOTE: TF.js 4.22's own AvgPoolGrad (cpu) multiplies every window's dy by 1/(ph·pw), also for
 * 'same' windows that overlap the padding, so it is not the adjoint of its own forward (which
 * divides by the real cells, as TF): on a 3×3 input with pool 2, stride 2, tf.grads of
 * Σ avgPool gives 0.25 everywhere where finite differences (and we) give 1 for the corner
 * cell that is alone in its window. Our gradients are compared with this composite instead.
 */
function tfAvgPoolSame(x: tf.Tensor, pool: number | [number, number], strides: number | [number, number]): tf.Tensor {
  const [pH, pW] = typeof pool === 'number' ? [pool, pool] : pool;
  const [sH, sW] = typeof strides === 'number' ? [strides, strides] : strides;
  const [n, h, w, c] = x.shape as [number, number, number, number];
  const g = poolGeometry(n, h, w, c, pH, pW, sH, sW, 'same');
  const pads: [number, number][] = [[0, 0], [g.padTop, g.padBottom], [g.padLeft, g.padRight], [0, 0]];
  const sums = tf.avgPool(tf.pad(x, pads) as tf.Tensor4D, [pH, pW], [sH, sW], 'valid');
  const realFraction = tf.avgPool(tf.pad(tf.onesLike(x), pads) as tf.Tensor4D, [pH, pW], [sH, sW], 'valid');
  return tf.div(sums, realFraction);
}

describe('pooling vs TensorFlow.js (forward and tf.grads)', () => {
  const cases: { x: number[]; pool: number | [number, number]; strides: number | [number, number]; padding: 'valid' | 'same' }[] = [
    { x: [4, 26, 26, 8], pool: 2, strides: 2, padding: 'valid' },
    { x: [3, 11, 11, 5], pool: 2, strides: 2, padding: 'valid' },
    { x: [2, 2, 2, 3], pool: 3, strides: 2, padding: 'same' },
    { x: [2, 5, 5, 2], pool: 4, strides: 1, padding: 'same' },
    { x: [2, 6, 6, 3], pool: 3, strides: 2, padding: 'same' },
    { x: [2, 7, 9, 2], pool: [3, 2], strides: [1, 2], padding: 'valid' },
    { x: [2, 7, 8, 4], pool: 3, strides: 1, padding: 'same' },
  ];
  for (const kind of ['max', 'avg'] as const) {
    for (const c of cases) {
      it(`${kind} pool ${JSON.stringify(c.pool)} strides ${JSON.stringify(c.strides)} '${c.padding}' on ${JSON.stringify(c.x)}`, () => {
        // Random floats: ties have probability ~0, so TF.js and we choose the same argmax.
        const xData = randArray(sizeOf(c.x), rand, { lo: -2, hi: 2 });
        const tkPool = (x: tk.Tensor): tk.Tensor => (kind === 'max' ? ops.maxPool2d : ops.avgPool2d)(x, c.pool, c.strides, c.padding);
        const tfPool = (x: tf.Tensor): tf.Tensor => (kind === 'max' ? tf.maxPool : tf.avgPool)(x as tf.Tensor4D, c.pool, c.strides, c.padding);
        const ours = tkPool(tk.tensor(xData, c.x));
        const theirs = tfPool(tf.tensor(xData, c.x));
        expect(ours.shape).toEqual(theirs.shape);
        expectClose(ours.data, theirs.dataSync(), { rtol: 1e-6, atol: 1e-6 });
        const r = randArray(ours.size, rand);
        const dx = tk.grad((x) => tkPool(x).mul(tk.tensor(r, ours.shape)).sum())(tk.tensor(xData, c.x));
        const rT = tf.tensor(r, theirs.shape);
        const tfGradPool = kind === 'avg' && c.padding === 'same' ? (x: tf.Tensor) => tfAvgPoolSame(x, c.pool, c.strides) : tfPool;
        if (tfGradPool !== tfPool) expectClose(tfGradPool(tf.tensor(xData, c.x)).dataSync(), theirs.dataSync(), { rtol: 1e-5, atol: 1e-6 });
        const [tdx] = tf.grads((x: tf.Tensor) => tf.sum(tf.mul(tfGradPool(x), rT)))([tf.tensor(xData, c.x)]);
        expectClose(dx.data, tdx!.dataSync(), { rtol: 1e-5, atol: 1e-6 });
      });
    }
  }
});

describe('pooling errors and records', () => {
  it('an output size ≤ 0 names the op and the shapes', () => {
    expect(() => ops.maxPool2d(tk.zeros([1, 1, 1, 3]), 2)).toThrow(/maxPool2d: input \[1,1,1,3\] with pool 2×2 \(strides 2×2\), padding 'valid' gives output size 0×0/);
    expect(() => ops.avgPool2d(tk.zeros([1, 3, 1, 1]), 2, 1, 'valid', 'channels_first')).toThrow(/avgPool2d: input \[1,3,1,1\] with pool 2×2/);
    expect(() => ops.maxPool2d(tk.zeros([4, 4, 1]), 2)).toThrow(/maxPool2d: expected a rank-4 input/);
    expect(() => ops.maxPool2d(tk.zeros([1, 4, 4, 1]), 0)).toThrow(/poolSize must be a positive integer/);
    expect(() => ops.globalAvgPool2d(tk.zeros([4, 4, 1]))).toThrow(/globalAvgPool2d: expected a rank-4 input, got shape \[4,4,1\]/);
  });

  it("strides default to the pool size; 'SAME' in any case", () => {
    expect(ops.maxPool2d(tk.zeros([1, 6, 6, 1]), 3).shape).toEqual([1, 2, 2, 1]);
    expect(ops.avgPool2d(tk.zeros([1, 5, 5, 1]), 2, null, 'SAME').shape).toEqual([1, 3, 3, 1]);
  });

  it('records maxPool2d / avgPool2d nodes', () => {
    const x = tk.variable(tk.zeros([1, 4, 4, 1]));
    expect(ops.maxPool2d(x, 2).node?.op).toBe('maxPool2d');
    expect(ops.avgPool2d(x, 2).node?.op).toBe('avgPool2d');
  });
});
