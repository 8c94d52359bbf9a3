import { describe, expect, it } from 'vitest';
import * as tk from '../../src/index.js';
import { broadcastIndex, expectClose, randArray, randInt, refBroadcastShape, refTranspose, rng, sizeOf, unravel } from '../helpers/index.js';

const rand = rng(909);

/**
 * Reference batched matmul with NumPy batch broadcasting and optional transposes, by plain loops
 * over index tuples in float64.
 */
function refBatchedMatmul(a: Float32Array, aShape: number[], b: Float32Array, bShape: number[], tA: boolean, tB: boolean): { data: Float64Array; shape: number[] } {
  const ar = aShape.length;
  const br = bShape.length;
  const get = (x: Float32Array, shape: number[], batchIdx: number[], i: number, j: number, t: boolean): number => {
    const rank = shape.length;
    const [r, c] = t ? [j, i] : [i, j];
    const bshape = shape.slice(0, rank - 2);
    const bi = broadcastIndex(batchIdx, bshape);
    return x[(bi * shape[rank - 2]! + r) * shape[rank - 1]! + c]!;
  };
  const m = tA ? aShape[ar - 1]! : aShape[ar - 2]!;
  const k = tA ? aShape[ar - 2]! : aShape[ar - 1]!;
  const n = tB ? bShape[br - 2]! : bShape[br - 1]!;
  const batch = refBroadcastShape(aShape.slice(0, ar - 2), bShape.slice(0, br - 2))!;
  const data = new Float64Array(sizeOf(batch) * m * n);
  for (let p = 0; p < sizeOf(batch); p++) {
    const bIdx = unravel(p, batch);
    for (let i = 0; i < m; i++)
      for (let j = 0; j < n; j++) {
        let s = 0;
        for (let q = 0; q < k; q++) s += get(a, aShape, bIdx, i, q, tA) * get(b, bShape, bIdx, q, j, tB);
        data[(p * m + i) * n + j] = s;
      }
  }
  return { data, shape: [...batch, m, n] };
}

const tol = { rtol: 1e-5, atol: 1e-5 };

describe('matmul 2-D', () => {
  it('matches a plain triple loop on awkward sizes, with every transpose combination', () => {
    const sizes = [1, 2, 7, 33, 65];
    for (let trial = 0; trial < 40; trial++) {
      const m = sizes[randInt(rand, 0, 4)]!;
      const k = sizes[randInt(rand, 0, 4)]!;
      const n = sizes[randInt(rand, 0, 4)]!;
      const tA = rand() < 0.5;
      const tB = rand() < 0.5;
      const aShape = tA ? [k, m] : [m, k];
      const bShape = tB ? [n, k] : [k, n];
      const a = tk.tensor(randArray(m * k, rand), aShape);
      const b = tk.tensor(randArray(k * n, rand), bShape);
      const ref = refBatchedMatmul(a.data, aShape, b.data, bShape, tA, tB);
      const y = tk.matmul(a, b, tA, tB);
      expect(y.shape).toEqual([m, n]);
      expectClose(y.data, ref.data, tol);
      // transposeA/B is the same as multiplying the explicitly transposed operands
      const y2 = tk.matmul(tA ? a.transpose() : a, tB ? b.transpose() : b);
      expectClose(y2.data, ref.data, tol);
    }
  });

  it('a larger case (129 × 257 × 130) on the packed/tiled path', () => {
    const a = tk.tensor(randArray(129 * 257, rand), [129, 257]);
    const b = tk.tensor(randArray(257 * 130, rand), [257, 130]);
    const ref = refBatchedMatmul(a.data, [129, 257], b.data, [257, 130], false, false);
    expectClose(a.matmul(b).data, ref.data, { rtol: 1e-5, atol: 2e-5 });
  });

  it('hand-checked values', () => {
    expect(tk.matmul(tk.tensor([[1, 2], [3, 4]]), tk.tensor([[5], [6]])).toArray()).toEqual([[17], [39]]);
    expect(tk.tensor([[1, 2], [3, 4]]).matmul(tk.eye(2)).toArray()).toEqual([[1, 2], [3, 4]]);
    expect(tk.matmul(tk.tensor([[1, 2], [3, 4]]), tk.tensor([[1, 0], [1, 1]]), true, false).toArray()).toEqual([[4, 3], [6, 4]]);
  });

  it('zero-sized dimensions give zeros / empty results', () => {
    expect(tk.matmul(tk.zeros([2, 0]), tk.zeros([0, 3])).toArray()).toEqual([[0, 0, 0], [0, 0, 0]]);
    expect(tk.matmul(tk.zeros([0, 4]), tk.zeros([4, 3])).shape).toEqual([0, 3]);
  });
});

describe('matmul batched, with broadcasting batch dimensions', () => {
  const cases: [number[], number[]][] = [
    [[3, 2, 4], [3, 4, 5]],
    [[3, 2, 4], [4, 5]],
    [[2, 4], [3, 4, 5]],
    [[2, 1, 3, 4], [5, 4, 2]],
    [[1, 3, 4], [6, 4, 2]],
    [[2, 3, 1, 4], [3, 4, 7]],
    [[4, 1, 2, 3], [1, 5, 3, 2]],
  ];
  for (const [aS, bS] of cases) {
    for (const [tA, tB] of [[false, false], [true, false], [false, true], [true, true]] as const) {
      it(`${JSON.stringify(aS)} x ${JSON.stringify(bS)} transposeA=${tA} transposeB=${tB}`, () => {
        const swap = (s: number[]): number[] => [...s.slice(0, -2), s[s.length - 1]!, s[s.length - 2]!];
        const aShape = tA ? swap(aS) : aS;
        const bShape = tB ? swap(bS) : bS;
        const a = tk.tensor(randArray(sizeOf(aShape), rand), aShape);
        const b = tk.tensor(randArray(sizeOf(bShape), rand), bShape);
        const ref = refBatchedMatmul(a.data, aShape, b.data, bShape, tA, tB);
        const y = tk.matmul(a, b, tA, tB);
        expect(y.shape).toEqual(ref.shape);
        expectClose(y.data, ref.data, tol);
      });
    }
  }

  it('1-D operands: a row vector on the left, a column vector on the right (axis dropped, as NumPy)', () => {
    const A = tk.tensor([[1, 2, 3], [4, 5, 6]]);
    expect(tk.matmul(A, tk.tensor([1, 0, -1])).toArray()).toEqual([-2, -2]);
    expect(tk.matmul(tk.tensor([1, -1]), A).toArray()).toEqual([-3, -3, -3]);
    const dot = tk.matmul(tk.tensor([1, 2, 3]), tk.tensor([4, 5, 6]));
    expect(dot.shape).toEqual([]);
    expect(dot.item()).toBe(32);
    const batched = tk.matmul(tk.tensor([1, 1]), tk.ones([3, 2, 4]));
    expect(batched.shape).toEqual([3, 4]);
    expect(batched.dataSync().every((v) => v === 2)).toBe(true);
    expect(tk.matmul(tk.ones([3, 2, 4]), tk.tensor([1, 1, 1, 1])).shape).toEqual([3, 2]);
  });

  it('errors name matmul and both shapes', () => {
    expect(() => tk.matmul(tk.zeros([2, 3]), tk.zeros([4, 5]))).toThrow(/matmul: inner dimensions differ: \[2,3\] × \[4,5\] \(3 vs 4\)/);
    expect(() => tk.matmul(tk.zeros([2, 3]), tk.zeros([2, 5]), true, true)).toThrow(/matmul: inner dimensions differ/);
    expect(() => tk.matmul(tk.zeros([2, 2, 3]), tk.zeros([3, 3, 4]))).toThrow('matmul: cannot broadcast the batch dimensions [2] and [3] of [2,2,3] × [3,3,4]');
    expect(() => tk.matmul(tk.tensor(1), tk.zeros([2]))).toThrow(/matmul: operands must have rank >= 1/);
  });
});

describe('matmul agrees with transpose + matmul on random batched shapes', () => {
  it('(A·B)ᵀ = Bᵀ·Aᵀ', () => {
    for (let trial = 0; trial < 10; trial++) {
      const [b, m, k, n] = [randInt(rand, 1, 3), randInt(rand, 1, 9), randInt(rand, 1, 9), randInt(rand, 1, 9)];
      const A = tk.tensor(randArray(b * m * k, rand), [b, m, k]);
      const B = tk.tensor(randArray(b * k * n, rand), [b, k, n]);
      const left = tk.matmul(A, B).transpose([0, 2, 1]);
      const right = tk.matmul(B, A, true, true);
      expect(left.shape).toEqual(right.shape);
      expectClose(left.data, right.data, tol);
      const viaRef = refTranspose(refBatchedMatmul(A.data, [b, m, k], B.data, [b, k, n], false, false).data, [b, m, n], [0, 2, 1]);
      expectClose(right.data, viaRef.data, tol);
    }
  });
});
