// The elementwise kernels against plain per-element references, on random shapes with awkward
// sizes (1, 7, 33, 129, 257) hitting every path: same shape, scalar on either side, trailing
// broadcast (a bias), leading and middle broadcasts, both sides broadcasting.

import { describe, expect, it } from 'vitest';
import {
  activationGrad, binary, clip, erf, mergeBroadcastAxes, roundHalfToEven, SELU_ALPHA, SELU_SCALE, unary,
  type ActivationGradOp, type BinaryKernelOp, type UnaryKernelOp,
} from '../../src/tensor/kernels/elementwise.js';
import { expectClose, expectFloat32Exact, randArray, randInt, refBinary, rng, sizeOf } from '../helpers/index.js';

const rand = rng(1234);
const AWKWARD = [1, 7, 33, 129, 257];
const pick = (): number => AWKWARD[randInt(rand, 0, AWKWARD.length - 1)]!;

const BINARY_REF: Record<BinaryKernelOp, (x: number, y: number) => number> = {
  add: (x, y) => x + y,
  sub: (x, y) => x - y,
  mul: (x, y) => x * y,
  div: (x, y) => x / y,
  pow: (x, y) => Math.pow(x, y),
  maximum: (x, y) => (Number.isNaN(x) || Number.isNaN(y) ? NaN : Math.max(x, y)),
  minimum: (x, y) => (Number.isNaN(x) || Number.isNaN(y) ? NaN : Math.min(x, y)),
  equal: (x, y) => (x === y ? 1 : 0),
  notEqual: (x, y) => (x !== y ? 1 : 0),
  greater: (x, y) => (x > y ? 1 : 0),
  greaterEqual: (x, y) => (x >= y ? 1 : 0),
  less: (x, y) => (x < y ? 1 : 0),
  lessEqual: (x, y) => (x <= y ? 1 : 0),
  squaredDifference: (x, y) => (x - y) * (x - y),
};

/** Shape pairs: each path of the kernel, with awkward sizes. */
function shapePairs(): [number[], number[]][] {
  const pairs: [number[], number[]][] = [];
  for (let t = 0; t < 6; t++) {
    const [m, n] = [pick(), pick()];
    pairs.push([[m, n], [m, n]]); // same shape
    pairs.push([[m, n], []]); // scalar b
    pairs.push([[], [m, n]]); // scalar a
    pairs.push([[m, n], [n]]); // trailing broadcast (bias)
    pairs.push([[m, 1], [m, n]]); // a broadcast along the last axis
    pairs.push([[m, 1], [1, n]]); // outer product shape
  }
  for (let t = 0; t < 20; t++) {
    // rank 3-4 with random broadcasting, small dims so sizes stay moderate
    const rank = randInt(rand, 3, 4);
    const out = Array.from({ length: rank }, () => [1, 2, 3, 7][randInt(rand, 0, 3)]!);
    const mk = (): number[] => out.map((d) => (rand() < 0.4 ? 1 : d)).slice(randInt(rand, 0, 2));
    pairs.push([mk(), mk()]);
  }
  return pairs;
}

describe('binary kernel', () => {
  const pairs = shapePairs();
  for (const op of Object.keys(BINARY_REF) as BinaryKernelOp[]) {
    it(`${op} on ${pairs.length} shape pairs`, () => {
      for (const [sa, sb] of pairs) {
        const cmp = op === 'equal' || op === 'notEqual' || op.startsWith('greater') || op.startsWith('less');
        const gen = (shape: number[], isB: boolean): Float32Array =>
          cmp ? Float32Array.from({ length: sizeOf(shape) }, () => randInt(rand, -1, 1))
            : randArray(sizeOf(shape), rand, op === 'pow' && !isB ? { lo: 0.1, hi: 2 } : { lo: -2, hi: 2, awayFrom: isB ? [0] : [], minGap: 0.1 });
        const a = gen(sa, false);
        const b = gen(sb, true);
        const ref = refBinary(BINARY_REF[op], a, sa, b, sb);
        const out = new Float32Array(sizeOf(ref.shape)).fill(NaN);
        binary(op, a, sa, b, sb, out, ref.shape);
        expectFloat32Exact(out, ref.data);
      }
    });
  }

  it('NaN propagates through maximum/minimum on every path', () => {
    const a = new Float32Array([NaN, 1, 2, NaN]);
    const b = new Float32Array([0, NaN, 1, 5]);
    const out = new Float32Array(4);
    binary('maximum', a, [4], b, [4], out, [4]);
    expect(Array.from(out).map(Number.isNaN)).toEqual([true, true, false, true]);
    binary('minimum', a, [4], b, [4], out, [4]);
    expect(Array.from(out).map(Number.isNaN)).toEqual([true, true, false, true]);
  });

  it('writes nothing for an empty output', () => {
    const out = new Float32Array(0);
    binary('add', new Float32Array(0), [0, 3], new Float32Array(3), [3], out, [0, 3]);
    expect(out.length).toBe(0);
  });

  it('mergeBroadcastAxes collapses a bias add to two axes and a same-pattern run to one', () => {
    expect(mergeBroadcastAxes([5, 4], [4], [5, 4])).toEqual({ dims: [5, 4], aStrides: [4, 1], bStrides: [0, 1] });
    expect(mergeBroadcastAxes([2, 3, 4], [2, 3, 4], [2, 3, 4])).toEqual({ dims: [24], aStrides: [1], bStrides: [1] });
    // [N, 1, H, W] + [1, C, 1, 1]-like patterns: size-1 output axes are dropped
    const m = mergeBroadcastAxes([2, 1, 3], [1, 5, 1], [2, 5, 3]);
    expect(m.dims).toEqual([2, 5, 3]);
    expect(m.aStrides).toEqual([3, 0, 1]);
    expect(m.bStrides).toEqual([0, 1, 0]);
  });
});

/** Reference erf by its Taylor series (float64, ~1e-13 for |x| ≤ 3) and by erfc's continued fraction beyond. */
function refErf(x: number): number {
  const z = Math.abs(x);
  if (z <= 3) {
    let term = x;
    let sum = x;
    for (let n = 1; n < 100; n++) {
      term *= (-x * x) / n;
      sum += term / (2 * n + 1);
    }
    return (2 / Math.sqrt(Math.PI)) * sum;
  }
  // erfc(z) = e^{-z²}/√π · 1/(z + 1/2/(z + 1/(z + 3/2/(z + ...))))
  let f = z;
  for (let k = 60; k >= 1; k--) f = z + k / 2 / f;
  const erfc = Math.exp(-z * z) / Math.sqrt(Math.PI) / f;
  return Math.sign(x) * (1 - erfc);
}

const UNARY_REF: Record<UnaryKernelOp, [(v: number) => number, { lo: number; hi: number }, number]> = {
  // [reference, input range, relative tolerance (0 = float32-exact)]
  neg: [(v) => -v, { lo: -5, hi: 5 }, 0],
  abs: [Math.abs, { lo: -5, hi: 5 }, 0],
  exp: [Math.exp, { lo: -5, hi: 5 }, 0],
  log: [Math.log, { lo: 0.01, hi: 5 }, 0],
  sqrt: [Math.sqrt, { lo: 0, hi: 5 }, 0],
  rsqrt: [(v) => 1 / Math.sqrt(v), { lo: 0.01, hi: 5 }, 0],
  square: [(v) => v * v, { lo: -5, hi: 5 }, 0],
  reciprocal: [(v) => 1 / v, { lo: 0.1, hi: 5 }, 0],
  sigmoid: [(v) => 1 / (1 + Math.exp(-v)), { lo: -30, hi: 30 }, 1e-7],
  tanh: [(v) => (1 - Math.exp(-2 * v)) / (1 + Math.exp(-2 * v)), { lo: -5, hi: 5 }, 1e-6],
  relu: [(v) => (v > 0 ? v : 0), { lo: -5, hi: 5 }, 0],
  relu6: [(v) => Math.min(6, Math.max(0, v)), { lo: -3, hi: 9 }, 0],
  sign: [Math.sign, { lo: -5, hi: 5 }, 0],
  floor: [Math.floor, { lo: -5, hi: 5 }, 0],
  ceil: [Math.ceil, { lo: -5, hi: 5 }, 0],
  round: [(v) => { const f = Math.floor(v); const d = v - f; const r = d < 0.5 ? f : d > 0.5 ? f + 1 : f % 2 === 0 ? f : f + 1; return r === 0 && v < 0 ? -0 : r; }, { lo: -5, hi: 5 }, 0],
  softplus: [(v) => Math.log(1 + Math.exp(v)), { lo: -15, hi: 15 }, 1e-7],
  softsign: [(v) => v / (1 + Math.abs(v)), { lo: -5, hi: 5 }, 0],
  elu: [(v) => (v > 0 ? v : Math.exp(v) - 1), { lo: -5, hi: 5 }, 1e-7],
  selu: [(v) => (v > 0 ? SELU_SCALE * v : SELU_SCALE * SELU_ALPHA * (Math.exp(v) - 1)), { lo: -5, hi: 5 }, 1e-7],
  erf: [refErf, { lo: -5, hi: 5 }, 2.5e-7],
  log1p: [(v) => Math.log(1 + v), { lo: -0.9, hi: 5 }, 1e-7],
  expm1: [(v) => Math.exp(v) - 1, { lo: -5, hi: 5 }, 1e-7],
  sin: [Math.sin, { lo: -5, hi: 5 }, 0],
  cos: [Math.cos, { lo: -5, hi: 5 }, 0],
};

describe('unary kernel', () => {
  for (const op of Object.keys(UNARY_REF) as UnaryKernelOp[]) {
    it(op, () => {
      const [ref, range, rtol] = UNARY_REF[op];
      for (const n of [...AWKWARD, 0]) {
        const x = randArray(n, rand, range);
        const out = new Float32Array(n).fill(NaN);
        unary(op, x, out);
        const expected = Array.from(x, ref);
        if (rtol === 0) expectFloat32Exact(out, expected);
        else expectClose(out, expected, { rtol, atol: op === 'erf' ? 1.2e-7 : 1e-30 });
      }
    });
  }

  it('works in place (out === x)', () => {
    const x = randArray(257, rand, { lo: -3, hi: 3 });
    const expected = Array.from(x, (v) => Math.tanh(v));
    unary('tanh', x, x);
    expectFloat32Exact(x, expected);
  });

  it('sigmoid never overflows: finite at ±1000, tiny values kept for large negative inputs', () => {
    const x = new Float32Array([-1000, -100, -80, 80, 100, 1000]);
    const out = new Float32Array(6);
    unary('sigmoid', x, out);
    expect(Array.from(out).every(Number.isFinite)).toBe(true);
    expect(out[2]).toBeGreaterThan(0); // e^-80 ≈ 1.8e-35 is a normal float32
    expect(out[2]! / Math.exp(-80)).toBeCloseTo(1, 5);
    expect(out[4]).toBe(1);
  });

  it('roundHalfToEven on exact halves, near-halves and signed zeros', () => {
    const cases: [number, number][] = [
      [0.5, 0], [1.5, 2], [2.5, 2], [3.5, 4], [-0.5, -0], [-1.5, -2], [-2.5, -2], [-0.4, -0], [0.4, 0],
      [Math.fround(0.49999997), 0], [4194304.5, 4194304], [-4194305.5, -4194306], [0, 0], [-0, -0],
    ];
    for (const [v, r] of cases) expect(Object.is(roundHalfToEven(v), r), `round(${v}) = ${roundHalfToEven(v)}, expected ${r}`).toBe(true);
    expect(roundHalfToEven(NaN)).toBeNaN();
    expect(roundHalfToEven(Infinity)).toBe(Infinity);
  });

  it('erf: |error| < 1.2e-7 on a dense grid (below float32 resolution)', () => {
    let worst = 0;
    for (let x = -6; x <= 6; x += 0.001) worst = Math.max(worst, Math.abs(erf(x) - refErf(x)));
    expect(worst).toBeLessThan(1.2e-7);
    expect(erf(0)).toBeCloseTo(0, 7);
  });

  it('clip kernel: clamps, keeps NaN', () => {
    const x = randArray(129, rand, { lo: -3, hi: 3 });
    x[5] = NaN;
    const out = new Float32Array(129);
    clip(x, -1, 0.5, out);
    const expected = Array.from(x, (v) => (Number.isNaN(v) ? NaN : Math.min(0.5, Math.max(-1, v))));
    expectFloat32Exact(out, expected);
  });
});

describe('activationGrad kernel', () => {
  const REF: Record<ActivationGradOp, (dy: number, saved: number) => number> = {
    reluGrad: (dy, x) => (x > 0 ? dy : 0),
    relu6Grad: (dy, x) => (x > 0 && x < 6 ? dy : 0),
    sigmoidGrad: (dy, y) => dy * y * (1 - y),
    tanhGrad: (dy, y) => dy * (1 - y * y),
  };
  for (const op of Object.keys(REF) as ActivationGradOp[]) {
    it(op, () => {
      for (const n of AWKWARD) {
        const dy = randArray(n, rand, { lo: -2, hi: 2 });
        const saved = op === 'sigmoidGrad' ? randArray(n, rand, { lo: 0, hi: 1 }) : op === 'tanhGrad' ? randArray(n, rand, { lo: -1, hi: 1 }) : randArray(n, rand, { lo: -2, hi: 8 });
        if (n > 3) { saved[0] = 0; saved[1] = 6; }
        const dx = new Float32Array(n);
        activationGrad(op, dy, saved, dx);
        expectClose(dx, Array.from(dy, (g, i) => REF[op](g, saved[i]!)), { rtol: 1e-6, atol: 1e-7 });
      }
    });
  }
});
