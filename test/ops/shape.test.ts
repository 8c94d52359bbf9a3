import { describe, expect, it } from 'vitest';
import * as tk from '../../src/index.js';
import { broadcastIndex, randArray, randInt, randPerm, randShape, ravel, refBroadcastShape, refTranspose, rng, sizeOf, unravel } from '../helpers/index.js';

const rand = rng(404);
const randT = (shape: number[]): tk.Tensor => tk.tensor(randArray(sizeOf(shape), rand), shape);

describe('reshape', () => {
  it('keeps the values in row-major order, infers one -1', () => {
    const x = tk.range(24);
    expect(x.reshape([2, 3, 4]).shape).toEqual([2, 3, 4]);
    expect(x.reshape([2, -1]).shape).toEqual([2, 12]);
    expect(x.reshape([-1, 4]).toArray()).toEqual([[0, 1, 2, 3], [4, 5, 6, 7], [8, 9, 10, 11], [12, 13, 14, 15], [16, 17, 18, 19], [20, 21, 22, 23]]);
    expect(x.reshape([2, -1, 3]).shape).toEqual([2, 4, 3]);
    expect(Array.from(x.reshape([4, 6]).data)).toEqual(Array.from(x.data));
    expect(tk.tensor([5]).reshape([]).shape).toEqual([]);
    expect(tk.tensor(5).reshape([1, 1]).shape).toEqual([1, 1]);
    expect(tk.zeros([0, 3]).reshape([-1, 3]).shape).toEqual([0, 3]);
    expect(x.reshape([2, 3, 4]).flatten().shape).toEqual([24]);
  });

  it('rejects two -1s and sizes that do not fit, naming reshape and the shapes', () => {
    const x = tk.zeros([2, 3]);
    expect(() => x.reshape([-1, -1])).toThrow(/reshape \[2,3\]: only one axis may be -1/);
    expect(() => x.reshape([4, 2])).toThrow(/reshape \[2,3\]: cannot reshape 6 elements into \[4,2\]/);
    expect(() => x.reshape([4, -1])).toThrow(/reshape \[2,3\]: cannot reshape 6 elements into \[4,-1\]/);
    expect(() => x.reshape([-2, 3])).toThrow(/reshape/);
  });
});

describe('transpose', () => {
  it('any permutation of random shapes of rank 0-6 matches an index-mapping reference', () => {
    for (let trial = 0; trial < 150; trial++) {
      const rank = randInt(rand, 0, 6);
      const shape = randShape(rand, rank, 1, rank > 4 ? 3 : 5);
      const perm = randPerm(rand, rank);
      const x = randT(shape);
      const ref = refTranspose(x.data, shape, perm);
      const y = tk.transpose(x, perm);
      expect(y.shape).toEqual(ref.shape);
      expect(Array.from(y.data), `transpose ${JSON.stringify(shape)} by ${JSON.stringify(perm)}`).toEqual(Array.from(ref.data, Math.fround));
    }
  });

  it('awkward sizes (tiling edges of the 2-D path, batched 2-D path, general path)', () => {
    for (const [shape, perm] of [
      [[33, 129], [1, 0]], [[257, 7], [1, 0]], [[3, 33, 65], [0, 2, 1]], [[7, 1, 33], [2, 1, 0]],
      [[2, 3, 5, 7], [3, 1, 0, 2]], [[5, 1, 7, 1], [2, 0, 3, 1]], [[1, 1], [1, 0]], [[4, 6, 2], [1, 2, 0]],
      [[2, 3, 4, 5], [0, 2, 3, 1]], [[2, 3, 4, 5], [0, 3, 1, 2]],
    ] as [number[], number[]][]) {
      const x = randT(shape);
      const ref = refTranspose(x.data, shape, perm);
      const y = x.transpose(perm);
      expect(y.shape).toEqual(ref.shape);
      expect(Array.from(y.data)).toEqual(Array.from(ref.data, Math.fround));
    }
  });

  it('reverses the axes by default; negative axes are allowed', () => {
    const x = tk.tensor([[1, 2, 3], [4, 5, 6]]);
    expect(x.transpose().toArray()).toEqual([[1, 4], [2, 5], [3, 6]]);
    expect(tk.zeros([2, 3, 4]).transpose().shape).toEqual([4, 3, 2]);
    expect(tk.zeros([2, 3, 4]).transpose([0, -1, -2]).shape).toEqual([2, 4, 3]);
  });

  it('rejects a non-permutation', () => {
    expect(() => tk.zeros([2, 3]).transpose([0, 0])).toThrow(/transpose: perm \[0,0\] is not a permutation of the 2 axes of \[2,3\]/);
    expect(() => tk.zeros([2, 3]).transpose([0])).toThrow(/transpose:/);
    expect(() => tk.zeros([2, 3]).transpose([0, 2])).toThrow(/transpose:/);
  });
});

describe('expandDims and squeeze', () => {
  it('expandDims(-1) is NumPy\'s x[..., np.newaxis]; other positions too', () => {
    const x = tk.tensor([[1, 2], [3, 4]]);
    expect(x.expandDims(-1).shape).toEqual([2, 2, 1]);
    expect(x.expandDims(-1).toArray()).toEqual([[[1], [2]], [[3], [4]]]);
    expect(x.expandDims().shape).toEqual([1, 2, 2]);
    expect(tk.expandDims(x, 1).shape).toEqual([2, 1, 2]);
    expect(tk.expandDims(x, 2).shape).toEqual([2, 2, 1]);
    expect(tk.expandDims(x, -3).shape).toEqual([1, 2, 2]);
    expect(tk.expandDims(tk.tensor(3), 0).shape).toEqual([1]);
    expect(tk.expandDims(tk.zeros([28, 28]), -1).shape).toEqual([28, 28, 1]);
    expect(() => tk.expandDims(x, 3)).toThrow(/expandDims: axis 3 is out of range/);
    expect(() => tk.expandDims(x, -4)).toThrow(/expandDims:/);
  });

  it('squeeze removes all size-1 axes, or only the listed ones', () => {
    const x = tk.zeros([1, 3, 1, 2, 1]);
    expect(x.squeeze().shape).toEqual([3, 2]);
    expect(x.squeeze(0).shape).toEqual([3, 1, 2, 1]);
    expect(x.squeeze([2, -1]).shape).toEqual([1, 3, 2]);
    expect(tk.squeeze(tk.zeros([1, 1])).shape).toEqual([]);
    expect(() => x.squeeze(1)).toThrow(/squeeze: axis 1 of \[1,3,1,2,1\] has size 3, not 1/);
    const v = tk.tensor([[[1], [2]]]);
    expect(v.squeeze().toArray()).toEqual([1, 2]);
  });
});

describe('slice', () => {
  it('random boxes match a reference', () => {
    for (let trial = 0; trial < 60; trial++) {
      const shape = randShape(rand, randInt(rand, 1, 4), 1, 6);
      const x = randT(shape);
      const begin = shape.map((d) => randInt(rand, 0, d - 1));
      const size = shape.map((d, i) => (rand() < 0.2 ? -1 : randInt(rand, 0, d - begin[i]!)));
      const real = size.map((s, i) => (s === -1 ? shape[i]! - begin[i]! : s));
      const y = tk.slice(x, begin, size);
      expect(y.shape).toEqual(real);
      const ref: number[] = [];
      for (let j = 0; j < sizeOf(real); j++) ref.push(x.data[ravel(unravel(j, real).map((v, i) => v + begin[i]!), shape)]!);
      expect(Array.from(y.data)).toEqual(ref);
    }
  });

  it('a number begin/size applies to the first axis; size defaults to the rest; shorter lists pad', () => {
    const x = tk.tensor([[1, 2, 3], [4, 5, 6], [7, 8, 9]]);
    expect(x.slice(1).toArray()).toEqual([[4, 5, 6], [7, 8, 9]]);
    expect(x.slice(1, 1).toArray()).toEqual([[4, 5, 6]]);
    expect(x.slice([0, 1], [2, 2]).toArray()).toEqual([[2, 3], [5, 6]]);
    expect(x.slice([1, 1], [-1, 1]).toArray()).toEqual([[5], [8]]);
    expect(x.slice([2]).toArray()).toEqual([[7, 8, 9]]);
    expect(x.slice([0, 0], [0, 3]).shape).toEqual([0, 3]);
  });

  it('rejects boxes that do not fit', () => {
    const x = tk.zeros([3, 3]);
    expect(() => x.slice([2, 0], [2, 3])).toThrow(/slice: begin \[2,0\] with size \[2,3\] does not fit in \[3,3\]/);
    expect(() => x.slice([-1, 0])).toThrow(/slice:/);
    expect(() => x.slice([0, 0], [1, 4])).toThrow(/slice:/);
  });
});

describe('concat and stack', () => {
  it('concat along every axis matches a reference', () => {
    for (let trial = 0; trial < 40; trial++) {
      const rank = randInt(rand, 1, 4);
      const base = randShape(rand, rank, 1, 4);
      const axis = randInt(rand, 0, rank - 1);
      const parts = Array.from({ length: randInt(rand, 1, 4) }, () => {
        const s = base.slice();
        s[axis] = randInt(rand, 0, 3);
        return randT(s);
      });
      const y = tk.concat(parts, rand() < 0.5 ? axis : axis - rank);
      const total = parts.reduce((n, p) => n + p.shape[axis]!, 0);
      const outShape = base.slice();
      outShape[axis] = total;
      expect(y.shape).toEqual(outShape);
      for (let j = 0; j < y.size; j++) {
        const idx = unravel(j, outShape);
        let k = idx[axis]!;
        let p = 0;
        while (k >= parts[p]!.shape[axis]!) k -= parts[p++]!.shape[axis]!;
        const src = idx.slice();
        src[axis] = k;
        expect(y.data[j]).toBe(parts[p]!.data[ravel(src, parts[p]!.shape)]);
      }
    }
  });

  it('small cases and errors', () => {
    expect(tk.concat([tk.tensor([[1], [2]]), tk.tensor([[3], [4]])], 1).toArray()).toEqual([[1, 3], [2, 4]]);
    expect(tk.concat([tk.tensor([1, 2]), [3]]).toArray()).toEqual([1, 2, 3]);
    expect(() => tk.concat([tk.zeros([2, 3]), tk.zeros([3, 2])], 0)).toThrow(/concat: shapes \[2,3\], \[3,2\] differ outside axis 0/);
    expect(() => tk.concat([tk.zeros([2, 3]), tk.zeros([6])], 0)).toThrow(/concat:/);
    expect(() => tk.concat([])).toThrow(/concat: expected at least one tensor/);
    expect(() => tk.concat([tk.zeros([2])], 1)).toThrow(/concat: axis 1/);
  });

  it('stack inserts a new axis at 0, 1 or -1', () => {
    const a = tk.tensor([1, 2]);
    const b = tk.tensor([3, 4]);
    const c = tk.tensor([5, 6]);
    expect(tk.stack([a, b, c]).toArray()).toEqual([[1, 2], [3, 4], [5, 6]]);
    expect(tk.stack([a, b, c], 1).toArray()).toEqual([[1, 3, 5], [2, 4, 6]]);
    expect(tk.stack([a, b, c], -1).toArray()).toEqual([[1, 3, 5], [2, 4, 6]]);
    const m = tk.stack([tk.zeros([2, 3]), tk.ones([2, 3])], 1);
    expect(m.shape).toEqual([2, 2, 3]);
    expect(m.toArray()).toEqual([[[0, 0, 0], [1, 1, 1]], [[0, 0, 0], [1, 1, 1]]]);
    expect(tk.stack([tk.tensor(1), tk.tensor(2)]).toArray()).toEqual([1, 2]);
    expect(() => tk.stack([a, tk.zeros([3])])).toThrow(/stack: all tensors must have the same shape, got \[2\], \[3\]/);
    expect(() => tk.stack([])).toThrow(/stack:/);
    // a bad axis names stack (not the expandDims it is built from)
    expect(() => tk.stack([a, b], 3)).toThrow('stack: axis 3 is out of range for a tensor of rank 2');
    expect(() => tk.softmax(tk.zeros([2, 3]), 2)).toThrow('softmax: axis 2 is out of range for a tensor of rank 2');
  });
});

describe('gather and oneHot', () => {
  it('gather along any axis with indices of any shape matches a reference', () => {
    for (let trial = 0; trial < 40; trial++) {
      const shape = randShape(rand, randInt(rand, 1, 3), 1, 5);
      const axis = randInt(rand, 0, shape.length - 1);
      const idxShape = randShape(rand, randInt(rand, 0, 2), 1, 4);
      const idx = tk.tensor(Float32Array.from({ length: sizeOf(idxShape) }, () => randInt(rand, 0, shape[axis]! - 1)), idxShape);
      const x = randT(shape);
      const y = tk.gather(x, idx, axis);
      const outShape = [...shape.slice(0, axis), ...idxShape, ...shape.slice(axis + 1)];
      expect(y.shape).toEqual(outShape);
      for (let j = 0; j < y.size; j++) {
        const oi = unravel(j, outShape);
        const ii = oi.slice(axis, axis + idxShape.length);
        const pick = idx.data[ravel(ii, idxShape)]!;
        const src = [...oi.slice(0, axis), pick, ...oi.slice(axis + idxShape.length)];
        expect(y.data[j]).toBe(x.data[ravel(src, shape)]);
      }
    }
  });

  it('small cases and errors', () => {
    const x = tk.tensor([[1, 2], [3, 4], [5, 6]]);
    expect(x.gather([2, 0]).toArray()).toEqual([[5, 6], [1, 2]]);
    expect(x.gather([1, 1, 0], 1).toArray()).toEqual([[2, 2, 1], [4, 4, 3], [6, 6, 5]]);
    expect(x.gather(tk.tensor(1)).toArray()).toEqual([3, 4]);
    expect(() => x.gather([3])).toThrow(/gather: index 3 at position 0 is not an integer in \[0, 3\)/);
    expect(() => x.gather([0.5])).toThrow(/gather: index 0.5/);
    expect(() => x.gather([-1])).toThrow(/gather: index -1/);
  });

  it('oneHot', () => {
    expect(tk.oneHot(tk.tensor([0, 2]), 3).toArray()).toEqual([[1, 0, 0], [0, 0, 1]]);
    expect(tk.oneHot([[1], [0]], 2).toArray()).toEqual([[[0, 1]], [[1, 0]]]);
    expect(tk.oneHot([1], 3, 5, -1).toArray()).toEqual([[-1, 5, -1]]);
    expect(tk.oneHot(tk.tensor(2), 4).toArray()).toEqual([0, 0, 1, 0]);
    expect(() => tk.oneHot([3], 3)).toThrow(/oneHot: index 3 at position 0 is not an integer in \[0, 3\)/);
    expect(() => tk.oneHot([0], 0)).toThrow(/oneHot: depth/);
  });
});

describe('pad', () => {
  it('random paddings match a reference, with any fill value', () => {
    for (let trial = 0; trial < 30; trial++) {
      const shape = randShape(rand, randInt(rand, 1, 4), 1, 4);
      const pads = shape.map(() => [randInt(rand, 0, 2), randInt(rand, 0, 2)] as [number, number]);
      const value = rand() < 0.5 ? 0 : -7.5;
      const x = randT(shape);
      const y = tk.pad(x, pads, value);
      const outShape = shape.map((d, i) => d + pads[i]![0] + pads[i]![1]);
      expect(y.shape).toEqual(outShape);
      for (let j = 0; j < y.size; j++) {
        const src = unravel(j, outShape).map((v, i) => v - pads[i]![0]);
        const inside = src.every((v, i) => v >= 0 && v < shape[i]!);
        expect(y.data[j]).toBe(inside ? x.data[ravel(src, shape)] : value);
      }
    }
  });

  it('small case and errors', () => {
    expect(tk.pad(tk.tensor([[1]]), [[1, 1], [0, 2]]).toArray()).toEqual([[0, 0, 0], [1, 0, 0], [0, 0, 0]]);
    expect(() => tk.pad(tk.zeros([2, 2]), [[1, 1]])).toThrow(/pad: expected 2 pairs/);
    expect(() => tk.pad(tk.zeros([2]), [[-1, 0]])).toThrow(/pad:/);
  });
});

describe('where and broadcastTo', () => {
  it('where broadcasts all three and picks a where the condition is nonzero', () => {
    const shapes: [number[], number[], number[]][] = [
      [[4], [4], [4]], [[2, 3], [3], []], [[2, 1], [1, 3], [2, 3]], [[], [2, 2], [2, 2]], [[3, 1, 2], [4, 1], [2]],
    ];
    for (const [sc, sa, sb] of shapes) {
      const c = tk.tensor(Float32Array.from({ length: sizeOf(sc) }, () => (rand() < 0.5 ? 0 : randInt(rand, -2, 2) || 1)), sc);
      const a = randT(sa);
      const b = randT(sb);
      const y = tk.where(c, a, b);
      const outShape = refBroadcastShape(refBroadcastShape(sc, sa)!, sb)!;
      expect(y.shape).toEqual(outShape);
      for (let j = 0; j < y.size; j++) {
        const idx = unravel(j, outShape);
        const cond = c.data[broadcastIndex(idx, sc)] !== 0;
        expect(y.data[j]).toBe(cond ? a.data[broadcastIndex(idx, sa)] : b.data[broadcastIndex(idx, sb)]);
      }
    }
    expect(tk.where(tk.tensor([1, 0]), tk.tensor([1, 2]), tk.tensor([9, 9])).toArray()).toEqual([1, 9]);
    expect(() => tk.where(tk.zeros([2]), tk.zeros([3]), tk.zeros([2]))).toThrow(/where: cannot broadcast \[2\] with \[3\]/);
  });

  it('broadcastTo repeats along size-1 and missing leading axes', () => {
    expect(tk.broadcastTo(tk.tensor([1, 2]), [2, 2]).toArray()).toEqual([[1, 2], [1, 2]]);
    expect(tk.broadcastTo(tk.tensor([[1], [2]]), [2, 3]).toArray()).toEqual([[1, 1, 1], [2, 2, 2]]);
    expect(tk.broadcastTo(tk.tensor(5), [2, 1]).toArray()).toEqual([[5], [5]]);
    // values are copied exactly: -0 stays -0 (found by the fast-check properties)
    expect(Object.is(tk.broadcastTo(tk.tensor([-0]), [2]).data[1], -0)).toBe(true);
    expect(Object.is(tk.where(tk.tensor([1, 1]), tk.tensor(-0), tk.tensor(1)).data[0], -0)).toBe(true);
    expect(() => tk.broadcastTo(tk.zeros([3]), [2, 4])).toThrow(/broadcastTo: cannot broadcast \[3\]/);
    expect(() => tk.broadcastTo(tk.zeros([2, 3]), [3])).toThrow(/broadcastTo: cannot broadcast \[2,3\] to \[3\]/);
  });
});
