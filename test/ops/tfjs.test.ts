// TensorFlow.js side by side: forward results and gradients (tf.grads) of a representative set of
// ops on random inputs agree within float32 tolerance.

import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import * as tk from '../../src/index.js';
import { expectClose, randArray, rng, sizeOf, type RandOptions } from '../helpers/index.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const rand = rng(4242);

interface Case {
  name: string;
  shapes: number[][];
  range?: RandOptions;
  /** Per-input ranges, overriding `range`. */
  ranges?: RandOptions[];
  tk: (...xs: tk.Tensor[]) => tk.Tensor;
  tf: (...xs: tf.Tensor[]) => tf.Tensor;
  /** Compare gradients too (default true). */
  grad?: boolean;
  tol?: { rtol?: number; atol?: number };
}

const pos = { lo: 0.3, hi: 3 };
const kinkFree = { lo: -3, hi: 3, awayFrom: [0], minGap: 0.05 };

const CASES: Case[] = [
  { name: 'add [2,3]+[3]', shapes: [[2, 3], [3]], tk: (a, b) => a!.add(b!), tf: (a, b) => tf.add(a!, b!) },
  { name: 'sub [2,1]-[1,4]', shapes: [[2, 1], [1, 4]], tk: (a, b) => a!.sub(b!), tf: (a, b) => tf.sub(a!, b!) },
  { name: 'mul [3,1,4]·[2,1]', shapes: [[3, 1, 4], [2, 1]], tk: (a, b) => a!.mul(b!), tf: (a, b) => tf.mul(a!, b!) },
  { name: 'div []/[2,3]', shapes: [[], [2, 3]], ranges: [{}, pos], tk: (a, b) => a!.div(b!), tf: (a, b) => tf.div(a!, b!) },
  { name: 'pow [2,3]^[3]', shapes: [[2, 3], [3]], ranges: [pos, { lo: -2, hi: 2 }], tk: (a, b) => a!.pow(b!), tf: (a, b) => tf.pow(a!, b!) },
  // NOTE: TF.js 4.22's gradients of Maximum, Minimum and SquaredDifference do not un-broadcast
  // (tf.grads throws 'gradient of input b has shape 4,3 ... input 3'), so their gradients are
  // compared on same-shape inputs; the broadcast forward is compared, and our broadcast
  // gradients are checked by finite differences in test/autograd/gradcheck.test.ts.
  { name: 'maximum [4,3] [3]', shapes: [[4, 3], [3]], tk: (a, b) => a!.maximum(b!), tf: (a, b) => tf.maximum(a!, b!), grad: false },
  { name: 'maximum [4,3] [4,3]', shapes: [[4, 3], [4, 3]], tk: (a, b) => a!.maximum(b!), tf: (a, b) => tf.maximum(a!, b!) },
  { name: 'minimum [4,3] [4,1]', shapes: [[4, 3], [4, 1]], tk: (a, b) => a!.minimum(b!), tf: (a, b) => tf.minimum(a!, b!), grad: false },
  { name: 'minimum [4,3] [4,3]', shapes: [[4, 3], [4, 3]], tk: (a, b) => a!.minimum(b!), tf: (a, b) => tf.minimum(a!, b!) },
  { name: 'squaredDifference [2,3] [3]', shapes: [[2, 3], [3]], tk: (a, b) => tk.squaredDifference(a!, b!), tf: (a, b) => tf.squaredDifference(a!, b!), grad: false },
  { name: 'squaredDifference [2,3] [2,3]', shapes: [[2, 3], [2, 3]], tk: (a, b) => tk.squaredDifference(a!, b!), tf: (a, b) => tf.squaredDifference(a!, b!) },
  { name: 'neg', shapes: [[5]], tk: (x) => x!.neg(), tf: (x) => tf.neg(x!) },
  { name: 'abs', shapes: [[2, 4]], range: kinkFree, tk: (x) => x!.abs(), tf: (x) => tf.abs(x!) },
  { name: 'exp', shapes: [[2, 4]], tk: (x) => x!.exp(), tf: (x) => tf.exp(x!) },
  { name: 'log', shapes: [[2, 4]], range: pos, tk: (x) => x!.log(), tf: (x) => tf.log(x!) },
  { name: 'log1p', shapes: [[6]], range: { lo: -0.5, hi: 3 }, tk: (x) => tk.log1p(x!), tf: (x) => tf.log1p(x!) },
  { name: 'expm1', shapes: [[6]], tk: (x) => tk.expm1(x!), tf: (x) => tf.expm1(x!) },
  { name: 'sqrt', shapes: [[2, 4]], range: pos, tk: (x) => x!.sqrt(), tf: (x) => tf.sqrt(x!) },
  { name: 'rsqrt', shapes: [[6]], range: pos, tk: (x) => tk.rsqrt(x!), tf: (x) => tf.rsqrt(x!) },
  { name: 'square', shapes: [[2, 4]], tk: (x) => x!.square(), tf: (x) => tf.square(x!) },
  { name: 'reciprocal', shapes: [[6]], range: pos, tk: (x) => tk.reciprocal(x!), tf: (x) => tf.reciprocal(x!) },
  { name: 'sigmoid', shapes: [[3, 4]], range: { lo: -6, hi: 6 }, tk: (x) => x!.sigmoid(), tf: (x) => tf.sigmoid(x!) },
  { name: 'tanh', shapes: [[3, 4]], tk: (x) => x!.tanh(), tf: (x) => tf.tanh(x!) },
  { name: 'relu', shapes: [[3, 4]], range: kinkFree, tk: (x) => x!.relu(), tf: (x) => tf.relu(x!) },
  { name: 'relu6', shapes: [[3, 4]], range: { lo: -3, hi: 9, awayFrom: [0, 6], minGap: 0.05 }, tk: (x) => tk.relu6(x!), tf: (x) => tf.relu6(x!) },
  { name: 'elu', shapes: [[3, 4]], range: kinkFree, tk: (x) => tk.elu(x!), tf: (x) => tf.elu(x!) },
  { name: 'selu', shapes: [[3, 4]], range: kinkFree, tk: (x) => tk.selu(x!), tf: (x) => tf.selu(x!) },
  { name: 'softplus', shapes: [[3, 4]], range: { lo: -6, hi: 6 }, tk: (x) => tk.softplus(x!), tf: (x) => tf.softplus(x!) },
  // TF.js's erf is the Abramowitz–Stegun approximation (|error| ≤ 1.5e-7), hence the atol.
  { name: 'erf', shapes: [[8]], range: { lo: -2, hi: 2 }, tk: (x) => tk.erf(x!), tf: (x) => tf.erf(x!), tol: { rtol: 1e-5, atol: 5e-7 } },
  { name: 'sin', shapes: [[6]], tk: (x) => tk.sin(x!), tf: (x) => tf.sin(x!) },
  { name: 'cos', shapes: [[6]], tk: (x) => tk.cos(x!), tf: (x) => tf.cos(x!) },
  { name: 'round', shapes: [[20]], range: { lo: -4, hi: 4 }, tk: (x) => x!.round(), tf: (x) => tf.round(x!), grad: false },
  { name: 'floor', shapes: [[20]], tk: (x) => x!.floor(), tf: (x) => tf.floor(x!), grad: false },
  { name: 'ceil', shapes: [[20]], tk: (x) => x!.ceil(), tf: (x) => tf.ceil(x!), grad: false },
  { name: 'sign', shapes: [[20]], tk: (x) => x!.sign(), tf: (x) => tf.sign(x!), grad: false },
  { name: 'clip', shapes: [[3, 5]], range: { lo: -2, hi: 2, awayFrom: [-0.5, 1], minGap: 0.05 }, tk: (x) => x!.clip(-0.5, 1), tf: (x) => tf.clipByValue(x!, -0.5, 1) },
  { name: 'sum axis 1', shapes: [[3, 4]], tk: (x) => x!.sum(1), tf: (x) => tf.sum(x!, 1) },
  { name: 'sum axes [0,2] keepDims', shapes: [[2, 3, 4]], tk: (x) => x!.sum([0, 2], true), tf: (x) => tf.sum(x!, [0, 2], true) },
  { name: 'mean all', shapes: [[3, 4]], tk: (x) => x!.mean(), tf: (x) => tf.mean(x!) },
  { name: 'mean axis 0', shapes: [[3, 4]], tk: (x) => x!.mean(0), tf: (x) => tf.mean(x!, 0) },
  { name: 'max axis -1', shapes: [[3, 5]], tk: (x) => x!.max(-1), tf: (x) => tf.max(x!, -1) },
  { name: 'min axis 0', shapes: [[3, 5]], tk: (x) => x!.min(0), tf: (x) => tf.min(x!, 0) },
  { name: 'prod axis 1', shapes: [[3, 4]], range: { lo: 0.5, hi: 1.5 }, tk: (x) => x!.prod(1), tf: (x) => tf.prod(x!, 1) },
  { name: 'argmax axis 1', shapes: [[4, 5]], tk: (x) => x!.argmax(1), tf: (x) => tf.argMax(x!, 1), grad: false },
  { name: 'argmin axis 0', shapes: [[4, 5]], tk: (x) => x!.argmin(0), tf: (x) => tf.argMin(x!, 0), grad: false },
  { name: 'matmul', shapes: [[3, 4], [4, 5]], tk: (a, b) => a!.matmul(b!), tf: (a, b) => tf.matMul(a!, b!) },
  { name: 'matmul transposeA transposeB', shapes: [[4, 3], [5, 4]], tk: (a, b) => tk.matmul(a!, b!, true, true), tf: (a, b) => tf.matMul(a!, b!, true, true) },
  { name: 'matmul batched', shapes: [[2, 3, 4], [2, 4, 5]], tk: (a, b) => a!.matmul(b!), tf: (a, b) => tf.matMul(a!, b!) },
  { name: 'softmax', shapes: [[3, 5]], range: { lo: -4, hi: 4 }, tk: (x) => x!.softmax(), tf: (x) => tf.softmax(x!) },
  { name: 'logSoftmax', shapes: [[3, 5]], range: { lo: -4, hi: 4 }, tk: (x) => x!.logSoftmax(), tf: (x) => tf.logSoftmax(x!) },
  { name: 'transpose [2,0,1]', shapes: [[2, 3, 4]], tk: (x) => x!.transpose([2, 0, 1]), tf: (x) => tf.transpose(x!, [2, 0, 1]) },
  { name: 'reshape', shapes: [[2, 6]], tk: (x) => x!.reshape([3, 4]), tf: (x) => tf.reshape(x!, [3, 4]) },
  { name: 'concat axis 1', shapes: [[2, 3], [2, 2]], tk: (a, b) => tk.concat([a!, b!], 1), tf: (a, b) => tf.concat([a!, b!], 1) },
  { name: 'stack axis 1', shapes: [[2, 3], [2, 3]], tk: (a, b) => tk.stack([a!, b!], 1), tf: (a, b) => tf.stack([a!, b!], 1) },
  { name: 'slice', shapes: [[4, 5]], tk: (x) => x!.slice([1, 2], [2, 3]), tf: (x) => tf.slice(x!, [1, 2], [2, 3]) },
  { name: 'gather axis 0 (repeats)', shapes: [[4, 3]], tk: (x) => x!.gather([3, 0, 3]), tf: (x) => tf.gather(x!, tf.tensor1d([3, 0, 3], 'int32')) },
  { name: 'gather axis 1', shapes: [[2, 4]], tk: (x) => x!.gather([1, 1, 2], 1), tf: (x) => tf.gather(x!, tf.tensor1d([1, 1, 2], 'int32'), 1) },
  { name: 'pad', shapes: [[2, 3]], tk: (x) => x!.pad([[1, 0], [2, 1]], 0.5), tf: (x) => tf.pad(x!, [[1, 0], [2, 1]], 0.5) },
  { name: 'where', shapes: [[2, 3], [2, 3]], tk: (a, b) => tk.where(tk.tensor([[1, 0, 1], [0, 1, 1]]), a!, b!), tf: (a, b) => tf.where(tf.tensor2d([[1, 0, 1], [0, 1, 1]], [2, 3], 'bool'), a!, b!) },
  { name: 'expandDims + squeeze', shapes: [[2, 3]], tk: (x) => x!.expandDims(-1).mul(2).squeeze(), tf: (x) => tf.squeeze(tf.mul(tf.expandDims(x!, -1), 2)) },
  { name: 'equal/greater as float', shapes: [[10], [10]], range: { lo: -1, hi: 1 }, tk: (a, b) => a!.round().equal(b!.round()).add(a!.greater(b!)), tf: (a, b) => tf.add(tf.cast(tf.equal(tf.round(a!), tf.round(b!)), 'float32'), tf.cast(tf.greater(a!, b!), 'float32')), grad: false },
  {
    name: 'a small MLP loss', shapes: [[4, 3], [3, 5], [5], [5, 2]],
    tk: (x, w1, b1, w2) => x!.matmul(w1!).add(b1!).tanh().matmul(w2!).logSoftmax().mean(),
    tf: (x, w1, b1, w2) => tf.mean(tf.logSoftmax(tf.matMul(tf.tanh(tf.add(tf.matMul(x!, w1!), b1!)), w2!))),
  },
];

const toTf = (t: tk.Tensor): tf.Tensor => tf.tensor(Array.from(t.data), t.shape.slice(), 'float32');

function inputsFor(c: Case): tk.Tensor[] {
  return c.shapes.map((s, i) => tk.tensor(randArray(sizeOf(s), rand, c.ranges?.[i] ?? c.range ?? { lo: -2, hi: 2 }), s));
}

describe('forward results agree with TensorFlow.js (cpu backend)', () => {
  for (const c of CASES) {
    it(c.name, () => {
      const xs = inputsFor(c);
      const ours = c.tk(...xs);
      const theirs = c.tf(...xs.map(toTf));
      expect(ours.shape).toEqual(theirs.shape);
      expectClose(ours.data, Array.from(theirs.dataSync()), c.tol ?? { rtol: 2e-6, atol: 1e-6 });
    });
  }

  it('round is half to even in both', () => {
    const v = [0.5, 1.5, 2.5, -0.5, -1.5, -2.5, 3.5];
    const ours = Array.from(tk.round(tk.tensor(v)).data);
    const theirs = Array.from(tf.round(tf.tensor1d(v)).dataSync());
    // Compared with === : TF.js gives +0 for round(-0.5) where NumPy (and tensorkit) give -0.
    ours.forEach((x, i) => expect(x === theirs[i], `round(${v[i]}): ${x} vs ${theirs[i]}`).toBe(true));
  });
});

describe('gradients agree with tf.grads', () => {
  for (const c of CASES.filter((c) => c.grad !== false)) {
    it(c.name, () => {
      const xs = inputsFor(c);
      // A random weighting of the outputs makes the result scalar and checks every output's gradient.
      const outShape = c.tk(...xs).shape.slice();
      const w = randArray(sizeOf(outShape), rand, { lo: -1, hi: 1 });
      const ours = tk.grads((...as) => c.tk(...as).mul(tk.tensor(w, outShape)).sum())(...xs);
      const theirs = tf.grads((...as: tf.Tensor[]) => tf.sum(tf.mul(c.tf(...as), tf.tensor(Array.from(w), outShape))))(xs.map(toTf));
      expect(ours).toHaveLength(theirs.length);
      ours.forEach((g, i) => {
        expect(g.shape, `${c.name} input ${i}`).toEqual(theirs[i]!.shape);
        expectClose(g.data, Array.from(theirs[i]!.dataSync()), c.tol ?? { rtol: 1e-5, atol: 1e-6 });
      });
    });
  }
});
