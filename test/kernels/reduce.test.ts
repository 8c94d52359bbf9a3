// The reduction kernels against plain references over [outer, reduced, inner] views, with awkward
// sizes (1, 7, 33, 129, 257) for each of the three extents: inner = 1 (innermost axis) and
// inner > 1 (an outer axis) take different paths.

import { describe, expect, it } from 'vitest';
import { argReduce, reduce, type ReduceKernelOp } from '../../src/tensor/kernels/reduce.js';
import { expectClose, expectFloat32Exact, randArray, rng } from '../helpers/index.js';

const rand = rng(5150);
const AWKWARD = [1, 7, 33, 129, 257];

/** Views to test: every awkward size in each position, with the others small. */
const VIEWS: [number, number, number][] = [];
for (const s of AWKWARD) VIEWS.push([s, 3, 1], [2, s, 1], [2, 3, s], [1, s, 7], [s, 1, 1], [3, s, 2]);
VIEWS.push([7, 33, 129], [1, 257, 1], [129, 7, 33]);

function refReduce(op: ReduceKernelOp, x: Float32Array, outer: number, reduced: number, inner: number): Float64Array {
  const out = new Float64Array(outer * inner);
  for (let o = 0; o < outer; o++)
    for (let i = 0; i < inner; i++) {
      const vals: number[] = [];
      for (let r = 0; r < reduced; r++) vals.push(x[(o * reduced + r) * inner + i]!);
      let v: number;
      switch (op) {
        case 'sum': v = vals.reduce((a, b) => a + b, 0); break;
        case 'mean': v = vals.reduce((a, b) => a + b, 0) / reduced; break;
        case 'prod': v = vals.reduce((a, b) => a * b, 1); break;
        case 'max': v = vals.some(Number.isNaN) ? NaN : Math.max(...vals); break;
        case 'min': v = vals.some(Number.isNaN) ? NaN : Math.min(...vals); break;
      }
      out[o * inner + i] = v;
    }
  return out;
}

describe('reduce kernel', () => {
  for (const op of ['sum', 'mean', 'prod', 'max', 'min'] as ReduceKernelOp[]) {
    it(`${op} on ${VIEWS.length} [outer, reduced, inner] views`, () => {
      for (const [outer, reduced, inner] of VIEWS) {
        const x = randArray(outer * reduced * inner, rand, op === 'prod' ? { lo: 0.9, hi: 1.1 } : { lo: -2, hi: 2 });
        const out = new Float32Array(outer * inner).fill(NaN);
        reduce(op, x, outer, reduced, inner, out);
        const ref = refReduce(op, x, outer, reduced, inner);
        // max/min pick a value: exact. Sums accumulate in float64 in both, so only the final
        // rounding to float32 remains (the summation order differs by at most float64 noise).
        if (op === 'max' || op === 'min') expectFloat32Exact(out, ref);
        else expectClose(out, ref, { rtol: 1.2e-7, atol: 1e-12 });
      }
    });
  }

  it('NaN makes max/min NaN on both paths (even when it comes first)', () => {
    const x = new Float32Array([NaN, 1, 2, 3, NaN, 0]);
    const out = new Float32Array(2);
    reduce('max', x, 2, 3, 1, out); // inner = 1: [NaN,1,2] and [3,NaN,0]
    expect(Array.from(out).map(Number.isNaN)).toEqual([true, true]);
    const out3 = new Float32Array(3);
    reduce('min', x, 1, 2, 3, out3); // inner = 3: columns [NaN,3], [1,NaN], [2,0]
    expect(Array.from(out3).map(Number.isNaN)).toEqual([true, true, false]);
    expect(out3[2]).toBe(0);
  });

  it('empty reductions: sum 0, prod 1, mean NaN, max -Infinity', () => {
    const out = new Float32Array(2);
    for (const [op, v] of [['sum', 0], ['prod', 1], ['max', -Infinity], ['min', Infinity]] as const) {
      reduce(op, new Float32Array(0), 2, 0, 1, out);
      expect(Array.from(out)).toEqual([v, v]);
      reduce(op, new Float32Array(0), 1, 0, 2, out);
      expect(Array.from(out)).toEqual([v, v]);
    }
    reduce('mean', new Float32Array(0), 2, 0, 1, out);
    expect(Array.from(out).every(Number.isNaN)).toBe(true);
  });

  it('accumulates in float64: 2^24 + 1 + 1 ... stays exact where float32 would stall', () => {
    // float32 cannot represent 2^24 + 1, so a float32 running sum of [2^24, 1, 1, ..., 1] never moves.
    const n = 1001;
    const x = new Float32Array(n).fill(1);
    x[0] = 2 ** 24;
    const out = new Float32Array(1);
    reduce('sum', x, 1, n, 1, out);
    expect(out[0]).toBe(Math.fround(2 ** 24 + 1000));
    const col = new Float32Array(2 * n).fill(1);
    col[0] = 2 ** 24;
    const out2 = new Float32Array(2);
    reduce('sum', col, 1, n, 2, out2); // the outer-axis path
    expect(Array.from(out2)).toEqual([2 ** 24 + 1000, n]);
  });

  it('mean divides the float64 sum once: exact to float32 for a million values', () => {
    const x = randArray(1_000_000, rand, { lo: 0, hi: 1 });
    let s = 0;
    for (const v of x) s += v;
    const out = new Float32Array(1);
    reduce('mean', x, 1, x.length, 1, out);
    expect(out[0]).toBe(Math.fround(s / x.length));
  });
});

describe('argReduce kernel', () => {
  function refArg(op: 'argmax' | 'argmin', x: Float32Array, outer: number, reduced: number, inner: number): number[] {
    const out: number[] = [];
    for (let o = 0; o < outer; o++)
      for (let i = 0; i < inner; i++) {
        let best = 0;
        for (let r = 1; r < reduced; r++) {
          const v = x[(o * reduced + r) * inner + i]!;
          const b = x[(o * reduced + best) * inner + i]!;
          if (op === 'argmax' ? v > b : v < b) best = r;
        }
        out.push(best);
      }
    return out;
  }

  for (const op of ['argmax', 'argmin'] as const) {
    it(`${op} with many ties picks the first`, () => {
      for (const [outer, reduced, inner] of VIEWS) {
        const x = Float32Array.from({ length: outer * reduced * inner }, () => Math.floor(rand() * 3));
        const out = new Float32Array(outer * inner).fill(-1);
        argReduce(op, x, outer, reduced, inner, out);
        expect(Array.from(out)).toEqual(refArg(op, x, outer, reduced, inner));
      }
    });
  }

  it('a NaN is reported (its first index), not hidden', () => {
    const out = new Float32Array(1);
    argReduce('argmax', new Float32Array([1, NaN, 5, NaN]), 1, 4, 1, out);
    expect(out[0]).toBe(1);
    argReduce('argmin', new Float32Array([1, -3, NaN]), 1, 3, 1, out);
    expect(out[0]).toBe(2);
  });

  it('all -Infinity / +Infinity give index 0', () => {
    const out = new Float32Array(1);
    argReduce('argmax', new Float32Array([-Infinity, -Infinity]), 1, 2, 1, out);
    expect(out[0]).toBe(0);
    argReduce('argmin', new Float32Array([Infinity, Infinity]), 1, 2, 1, out);
    expect(out[0]).toBe(0);
  });
});
