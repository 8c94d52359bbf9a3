// Property tests (fast-check): broadcasting rules and algebra, reshape/transpose identities.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import * as tk from '../../src/index.js';
import { refBroadcastShape, refTranspose, sizeOf } from '../helpers/index.js';

const dim = fc.integer({ min: 1, max: 4 });
const shapeArb = fc.array(dim, { minLength: 0, maxLength: 4 });

/** A pair of broadcast-compatible shapes: both derived from one output shape. */
const compatiblePair = fc
  .tuple(shapeArb, fc.array(fc.boolean(), { minLength: 4, maxLength: 4 }), fc.array(fc.boolean(), { minLength: 4, maxLength: 4 }), fc.nat(4), fc.nat(4))
  .map(([out, onesA, onesB, dropA, dropB]) => {
    const a = out.map((d, i) => (onesA[i] ? 1 : d)).slice(Math.min(dropA, out.length));
    const b = out.map((d, i) => (onesB[i] ? 1 : d)).slice(Math.min(dropB, out.length));
    return [a, b] as [number[], number[]];
  });

/** Values of a shape, as small float32 numbers (so products stay exact enough to compare bits). */
const tensorOf = (shape: number[]): fc.Arbitrary<tk.Tensor> =>
  fc.array(fc.float({ min: -8, max: 8, noNaN: true, noDefaultInfinity: true }), { minLength: sizeOf(shape), maxLength: sizeOf(shape) })
    .map((vals) => tk.tensor(new Float32Array(vals), shape));

const pairOfTensors = compatiblePair.chain(([sa, sb]) => fc.tuple(tensorOf(sa), tensorOf(sb)));

/** A shape with a permutation of its axes. */
const shapeAndPerm = shapeArb.chain((shape) =>
  fc.shuffledSubarray(shape.map((_, i) => i), { minLength: shape.length, maxLength: shape.length }).map((perm) => ({ shape, perm })));

const bitsEqual = (a: tk.Tensor, b: tk.Tensor): boolean =>
  a.shape.length === b.shape.length && a.shape.every((d, i) => d === b.shape[i]) && a.data.every((v, i) => Object.is(v, b.data[i]));

describe('broadcasting properties', () => {
  it('the broadcast shape of any two shapes follows the NumPy rule (or is a named error)', () => {
    fc.assert(fc.property(shapeArb, shapeArb, (sa, sb) => {
      const expected = refBroadcastShape(sa, sb);
      if (expected === null) {
        expect(() => tk.add(tk.zeros(sa), tk.zeros(sb))).toThrow(`add: cannot broadcast [${sa.join(',')}] with [${sb.join(',')}]`);
      } else {
        expect(tk.add(tk.zeros(sa), tk.zeros(sb)).shape).toEqual(expected);
        expect(tk.mul(tk.zeros(sb), tk.zeros(sa)).shape).toEqual(expected);
      }
    }), { numRuns: 300 });
  });

  it('add and mul commute under broadcasting, bit for bit', () => {
    fc.assert(fc.property(pairOfTensors, ([a, b]) => {
      expect(bitsEqual(tk.add(a, b), tk.add(b, a))).toBe(true);
      expect(bitsEqual(tk.mul(a, b), tk.mul(b, a))).toBe(true);
      expect(bitsEqual(tk.maximum(a, b), tk.maximum(b, a))).toBe(true);
    }), { numRuns: 200 });
  });

  it('broadcasting equals broadcasting both operands explicitly first', () => {
    fc.assert(fc.property(pairOfTensors, ([a, b]) => {
      const shape = refBroadcastShape(a.shape, b.shape)!;
      const direct = tk.sub(a, b);
      const explicit = tk.sub(tk.broadcastTo(a, shape), tk.broadcastTo(b, shape));
      expect(bitsEqual(direct, explicit)).toBe(true);
    }), { numRuns: 200 });
  });

  it('a − b = a + (−1)·b and a·1 = a under broadcasting', () => {
    fc.assert(fc.property(pairOfTensors, ([a, b]) => {
      expect(bitsEqual(tk.sub(a, b), tk.add(a, tk.mul(b, -1)))).toBe(true);
      const ones = tk.ones(b.shape);
      const shape = refBroadcastShape(a.shape, b.shape)!;
      expect(bitsEqual(tk.mul(a, ones), tk.broadcastTo(a, shape))).toBe(true);
    }), { numRuns: 150 });
  });

  it('the gradient of Σ broadcastTo(x) counts the copies of each element', () => {
    fc.assert(fc.property(compatiblePair, ([sa, sb]) => {
      const shape = refBroadcastShape(sa, sb)!;
      const g = tk.grad((x) => tk.broadcastTo(x, shape).sum())(tk.zeros(sa));
      expect(g.shape).toEqual(sa);
      const copies = sizeOf(shape) / Math.max(1, sizeOf(sa));
      if (sizeOf(sa) > 0) expect(g.dataSync().every((v) => v === copies)).toBe(true);
    }), { numRuns: 150 });
  });
});

describe('reshape and transpose identities', () => {
  it('transpose by a permutation then by its inverse is the identity', () => {
    fc.assert(fc.property(shapeAndPerm, ({ shape, perm }) => {
      const x = tk.range(sizeOf(shape)).reshape(shape);
      const inverse = new Array<number>(perm.length);
      perm.forEach((p, i) => { inverse[p] = i; });
      const y = x.transpose(perm).transpose(inverse);
      expect(bitsEqual(y, x)).toBe(true);
    }), { numRuns: 300 });
  });

  it('transpose agrees with the index-mapping reference', () => {
    fc.assert(fc.property(shapeAndPerm, ({ shape, perm }) => {
      const x = tk.range(sizeOf(shape)).reshape(shape);
      const ref = refTranspose(x.data, shape, perm);
      const y = x.transpose(perm);
      expect(y.shape).toEqual(ref.shape);
      expect(Array.from(y.data)).toEqual(Array.from(ref.data));
    }), { numRuns: 300 });
  });

  it('reshape round trip: to any shape of the same size and back', () => {
    fc.assert(fc.property(shapeArb, fc.nat(10), (shape, seed) => {
      const x = tk.range(sizeOf(shape)).reshape(shape);
      const n = x.size;
      // a different factorisation of n, with -1 standing for one axis
      const divisors = Array.from({ length: n }, (_, i) => i + 1).filter((d) => n % d === 0);
      const d = divisors[seed % divisors.length]!;
      const y = x.reshape([d, -1]);
      expect(y.shape).toEqual([d, n / d]);
      expect(bitsEqual(y.reshape(shape), x)).toBe(true);
      expect(bitsEqual(x.flatten().reshape(shape), x)).toBe(true);
    }), { numRuns: 200 });
  });

  it('sum is invariant under transpose and reshape; a reduction in two steps equals one', () => {
    fc.assert(fc.property(shapeAndPerm.chain(({ shape, perm }) => fc.tuple(fc.constant(perm), tensorOf(shape))), ([perm, x]) => {
      const total = x.sum().item();
      // Each path sums in float64 but rounds to float32 at the end, and the two-step reductions
      // also round every partial sum p to float32 (error ≤ 2⁻²⁴·|p| ≤ 2⁻²⁴·Σ|x| over its terms).
      // Summed over the partials, plus the final rounding of both results, the difference is
      // at most 2⁻²⁴·(Σ|x| + 2·|total|) — a bound on the absolute values, since cancellation
      // can make |total| much smaller than the partials.
      const absSum = x.abs().sum().item();
      const bound = 2 ** -24 * (absSum + 2 * Math.abs(total));
      const close = (v: number): void => expect(Math.abs(v - total)).toBeLessThanOrEqual(bound);
      close(x.transpose(perm).sum().item());
      close(x.reshape([-1]).sum().item());
      if (x.rank >= 2) close(x.sum(0).sum().item());
      if (x.rank >= 2) close(x.sum(-1).sum().item());
    }), { numRuns: 200 });
  });

  it('expandDims then squeeze of that axis is the identity', () => {
    fc.assert(fc.property(shapeArb, fc.nat(10), (shape, k) => {
      const x = tk.range(sizeOf(shape)).reshape(shape);
      const axis = (k % (shape.length + 1)) - (k % 2 === 0 ? 0 : shape.length + 1);
      const e = x.expandDims(axis);
      expect(e.rank).toBe(x.rank + 1);
      expect(bitsEqual(e.squeeze(axis), x)).toBe(true);
    }), { numRuns: 200 });
  });
});
