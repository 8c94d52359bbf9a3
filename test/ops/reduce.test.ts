import { describe, expect, it } from 'vitest';
import * as tk from '../../src/index.js';
import { expectClose, expectFloat32Exact, randArray, randInt, randShape, refReduce, rng, sizeOf, unravel } from '../helpers/index.js';

type AxisArg = number | number[] | null | undefined;

/** Every way of naming axes for a tensor of rank r: all, each single (and negative), pairs, lists, []. */
function axisChoices(rank: number): AxisArg[] {
  const out: AxisArg[] = [undefined, null, []];
  for (let a = 0; a < rank; a++) out.push(a, a - rank);
  for (let a = 0; a < rank; a++) for (let b = a + 1; b < rank; b++) out.push([a, b], [b - rank, a]);
  if (rank >= 3) out.push([0, 2], [0, rank - 1], Array.from({ length: rank }, (_, i) => i));
  if (rank >= 4) out.push([1, 3], [0, 1, 3], [0, 2, 3]);
  return out;
}

function normalize(axis: AxisArg, rank: number): number[] {
  if (axis === undefined || axis === null) return Array.from({ length: rank }, (_, i) => i);
  const list = typeof axis === 'number' ? [axis] : axis;
  return list.map((a) => (a < 0 ? a + rank : a));
}

const REDUCTIONS: [string, (x: tk.Tensor, axis: AxisArg, keep: boolean) => tk.Tensor, number, (acc: number, v: number) => number, boolean][] = [
  ['sum', (x, a, k) => tk.sum(x, a, k), 0, (s, v) => s + v, false],
  ['prod', (x, a, k) => tk.prod(x, a, k), 1, (s, v) => s * v, false],
  ['max', (x, a, k) => tk.max(x, a, k), -Infinity, (s, v) => Math.max(s, v), true],
  ['min', (x, a, k) => tk.min(x, a, k), Infinity, (s, v) => Math.min(s, v), true],
];

describe('reductions over axis (number, negative, list, all, []) with keepDims (vs a reference)', () => {
  const rand = rng(31);
  const shapes = [[5], [1], [3, 4], [4, 1], [1, 6], [2, 3, 4], [3, 1, 5], [2, 3, 2, 3], [1, 4, 1, 2], [7, 33], [2, 129]];
  for (let i = 0; i < 8; i++) shapes.push(randShape(rand, randInt(rand, 1, 4), 1, 5));

  for (const [name, op, init, combine, exact] of REDUCTIONS) {
    it(name, () => {
      for (const shape of shapes) {
        const lo = name === 'prod' ? 0.6 : -3;
        const hi = name === 'prod' ? 1.5 : 3;
        const x = tk.tensor(randArray(sizeOf(shape), rand, { lo, hi }), shape);
        for (const axis of axisChoices(shape.length)) {
          for (const keep of [false, true]) {
            const r = refReduce(x.data, shape, normalize(axis, shape.length), init, combine, keep);
            const y = op(x, axis, keep);
            const what = `${name}(${JSON.stringify(shape)}, axis ${JSON.stringify(axis)}, keepDims ${keep})`;
            expect(y.shape, what).toEqual(r.shape);
            if (exact) expectFloat32Exact(y.data, r.data);
            else expectClose(y.data, r.data, { rtol: 2e-7, atol: 1e-12 });
          }
        }
      }
    });
  }

  it('mean', () => {
    for (const shape of shapes) {
      const x = tk.tensor(randArray(sizeOf(shape), rand, { lo: -3, hi: 3 }), shape);
      for (const axis of axisChoices(shape.length)) {
        for (const keep of [false, true]) {
          const axes = normalize(axis, shape.length);
          const n = axes.reduce((p, a) => p * shape[a]!, 1);
          const r = refReduce(x.data, shape, axes, 0, (s, v) => s + v, keep);
          const y = tk.mean(x, axis, keep);
          expect(y.shape).toEqual(r.shape);
          expectClose(y.data, Array.from(r.data, (s) => s / n), { rtol: 2e-7, atol: 1e-12 });
        }
      }
    }
  });

  it('a scalar reduces to itself', () => {
    const s = tk.tensor(4);
    expect(tk.sum(s).shape).toEqual([]);
    expect(tk.sum(s).item()).toBe(4);
    expect(tk.mean(s).item()).toBe(4);
    expect(tk.max(s, null, true).shape).toEqual([]);
  });

  it('method forms and small hand-checked cases', () => {
    const x = tk.tensor([[1, 5, 3], [7, 2, 6]]);
    expect(x.sum().item()).toBe(24);
    expect(x.sum(0).toArray()).toEqual([8, 7, 9]);
    expect(x.sum(1, true).toArray()).toEqual([[9], [15]]);
    expect(x.mean(-1).toArray()).toEqual([3, 5]);
    expect(x.max(1).toArray()).toEqual([5, 7]);
    expect(x.min(0).toArray()).toEqual([1, 2, 3]);
    expect(x.prod(1).toArray()).toEqual([15, 84]);
    expect(x.argmax(1).toArray()).toEqual([1, 0]);
    expect(x.argmin(0).toArray()).toEqual([0, 1, 0]);
    expect(x.argmax().item()).toBe(3);
    expect(x.argmin().item()).toBe(0);
  });

  it('edge values: NaN makes max/min NaN; empty axes', () => {
    expect(tk.max(tk.tensor([1, NaN, 3])).item()).toBeNaN();
    expect(tk.min(tk.tensor([[1, 2], [NaN, 0]]), 0).dataSync()[0]).toBeNaN();
    expect(tk.sum(tk.zeros([0, 3]), 0).toArray()).toEqual([0, 0, 0]);
    expect(tk.prod(tk.zeros([2, 0]), 1).toArray()).toEqual([1, 1]);
    expect(tk.mean(tk.zeros([0])).item()).toBeNaN();
    expect(() => tk.max(tk.zeros([0, 3]), 0)).toThrow(/max: .*empty axis.*\[0,3\]/);
  });

  it('bad axes are clear errors naming the op', () => {
    const x = tk.zeros([2, 3]);
    expect(() => tk.sum(x, 2)).toThrow('sum: axis 2 is out of range for a tensor of rank 2');
    expect(() => tk.mean(x, -3)).toThrow('mean: axis -3 is out of range for a tensor of rank 2');
    expect(() => tk.max(x, [0, 0])).toThrow(/max: axis 0 is repeated/);
    expect(() => tk.prod(x, 1.5)).toThrow(/prod: axis 1.5/);
    expect(() => tk.argmax(x, 2)).toThrow(/argmax: axis 2 is out of range/);
  });
});

describe('float64 accumulation', () => {
  it('the mean of a million copies of 0.1 is Math.fround(0.1) exactly', () => {
    const x = tk.fill([1_000_000], 0.1);
    expect(tk.mean(x).item()).toBe(Math.fround(0.1));
    expect(tk.sum(x).item()).toBe(Math.fround(1_000_000 * Math.fround(0.1)));
  });

  it('the mean and sum of a million random float32 values equal the float64 reference rounded to float32', () => {
    const rand = rng(77);
    for (let trial = 0; trial < 4; trial++) {
      const data = randArray(1_000_000, rand, { lo: trial, hi: trial + 2 });
      let s = 0;
      for (const v of data) s += v;
      const x = tk.tensor(data);
      expect(tk.sum(x).item()).toBe(Math.fround(s));
      expect(tk.mean(x).item()).toBe(Math.fround(s / data.length));
    }
  });

  it('along an outer axis too (a [250000, 4] column mean)', () => {
    const rand = rng(78);
    const data = randArray(1_000_000, rand, { lo: 0, hi: 1 });
    const x = tk.tensor(data, [250_000, 4]);
    const s = [0, 0, 0, 0];
    for (let i = 0; i < data.length; i++) s[i % 4]! += data[i]!;
    expect(Array.from(tk.sum(x, 0).data)).toEqual(s.map(Math.fround));
    expect(Array.from(tk.mean(x, 0).data)).toEqual(s.map((v) => Math.fround(v / 250_000)));
  });

  it('a float32 running sum would be visibly wrong here (so the tests above can fail)', () => {
    let f32 = 0;
    for (let i = 0; i < 1_000_000; i++) f32 = Math.fround(f32 + Math.fround(0.1));
    expect(Math.fround(f32 / 1_000_000)).not.toBe(Math.fround(0.1));
  });
});

describe('argmax / argmin', () => {
  function refArg(x: Float32Array, shape: number[], axis: number, better: (v: number, b: number) => boolean): { data: number[]; shape: number[] } {
    const outShape = shape.filter((_, i) => i !== axis);
    const n = sizeOf(outShape);
    const data: number[] = [];
    for (let o = 0; o < n; o++) {
      const oi = unravel(o, outShape);
      let best = NaN;
      let bestIdx = -1;
      for (let r = 0; r < shape[axis]!; r++) {
        const idx = [...oi.slice(0, axis), r, ...oi.slice(axis)];
        let f = 0;
        for (let k = 0; k < shape.length; k++) f = f * shape[k]! + idx[k]!;
        const v = x[f]!;
        if (bestIdx === -1 || better(v, best)) { best = v; bestIdx = r; }
      }
      data.push(bestIdx);
    }
    return { data, shape: outShape };
  }

  it('along every axis of random tensors full of ties: the first index wins', () => {
    const rand = rng(41);
    for (const shape of [[6], [3, 4], [4, 1], [2, 3, 5], [3, 2, 2, 4], [1, 7], [33, 3]]) {
      const x = tk.tensor(Float32Array.from({ length: sizeOf(shape) }, () => randInt(rand, 0, 2)), shape);
      for (let axis = -shape.length; axis < shape.length; axis++) {
        const a = axis < 0 ? axis + shape.length : axis;
        const mx = refArg(x.data, shape, a, (v, b) => v > b);
        const mn = refArg(x.data, shape, a, (v, b) => v < b);
        const ymx = tk.argmax(x, axis);
        const ymn = tk.argmin(x, axis);
        expect(ymx.shape).toEqual(mx.shape);
        expect(Array.from(ymx.data)).toEqual(mx.data);
        expect(ymn.shape).toEqual(mn.shape);
        expect(Array.from(ymn.data)).toEqual(mn.data);
      }
    }
  });

  it('ties give the first index; without an axis the flattened index', () => {
    expect(tk.argmax(tk.tensor([3, 7, 7, 1, 7])).item()).toBe(1);
    expect(tk.argmin(tk.tensor([3, 1, 7, 1])).item()).toBe(1);
    expect(tk.argmax(tk.tensor([[1, 9], [9, 2]])).item()).toBe(1);
    expect(tk.argmax(tk.tensor([[1, 9], [9, 2]]), 0).toArray()).toEqual([1, 0]);
    expect(tk.argmax(tk.tensor([-Infinity, -Infinity])).item()).toBe(0);
    expect(tk.argmin(tk.tensor([Infinity, Infinity])).item()).toBe(0);
    expect(tk.argmax(tk.tensor([-5, -2, -9])).item()).toBe(1);
  });

  it('records nothing: an index is not differentiable', () => {
    const v = tk.variable(tk.tensor([1, 3, 2]));
    expect(tk.argmax(v).node).toBeNull();
    expect(tk.argmax(v).requiresGrad).toBe(false);
  });
});
