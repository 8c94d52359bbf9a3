import { describe, expect, it } from 'vitest';
import * as tk from '../../src/index.js';
import { expectClose, expectFloat32Exact, randArray, randInt, refBinary, rng, sizeOf } from '../helpers/index.js';

/** Shape pairs covering every broadcasting situation: equal, trailing, leading 1s, both sides, scalars. */
const SHAPE_PAIRS: [number[], number[]][] = [
  [[2, 3], [2, 3]],
  [[2, 3], [3]],
  [[3], [2, 3]],
  [[2, 1], [1, 4]],
  [[2, 3], []],
  [[], [2, 3]],
  [[], []],
  [[3, 1, 4], [2, 1]],
  [[1], [5]],
  [[5, 1, 1, 3], [4, 1]],
  [[4, 1, 3], [4, 5, 1]],
  [[1, 1], [1]],
  [[2, 1, 3, 1], [1, 4, 1, 5]],
  [[7, 33], [33]],
  [[7, 33], [7, 1]],
  [[0, 3], [3]],
];

/** A random pair of broadcast-compatible shapes. */
function randomPair(rand: () => number): [number[], number[]] {
  const rank = randInt(rand, 0, 4);
  const out = Array.from({ length: rank }, () => randInt(rand, 1, 5));
  const drop = (): number[] => {
    const s = out.map((d) => (rand() < 0.3 ? 1 : d));
    return s.slice(randInt(rand, 0, rank));
  };
  return [drop(), drop()];
}

const BINARY: [string, (a: tk.Tensor, b: tk.Tensor) => tk.Tensor, (x: number, y: number) => number][] = [
  ['add', (a, b) => tk.add(a, b), (x, y) => x + y],
  ['sub', (a, b) => tk.sub(a, b), (x, y) => x - y],
  ['mul', (a, b) => tk.mul(a, b), (x, y) => x * y],
  ['div', (a, b) => tk.div(a, b), (x, y) => x / y],
  ['maximum', (a, b) => tk.maximum(a, b), (x, y) => (x > y ? x : y)],
  ['minimum', (a, b) => tk.minimum(a, b), (x, y) => (x < y ? x : y)],
  ['squaredDifference', (a, b) => tk.squaredDifference(a, b), (x, y) => (x - y) * (x - y)],
];

describe('binary arithmetic with NumPy broadcasting (vs an index-mapping reference)', () => {
  const rand = rng(101);
  const pairs = [...SHAPE_PAIRS, ...Array.from({ length: 40 }, () => randomPair(rand))];
  for (const [name, op, ref] of BINARY) {
    it(`${name}: float32-exact on ${pairs.length} shape pairs`, () => {
      for (const [sa, sb] of pairs) {
        const a = tk.tensor(randArray(sizeOf(sa), rand, { lo: -3, hi: 3 }), sa);
        const b = tk.tensor(randArray(sizeOf(sb), rand, { lo: -3, hi: 3, awayFrom: [0], minGap: 0.1 }), sb);
        const r = refBinary(ref, a.data, sa, b.data, sb);
        const y = op(a, b);
        expect(y.shape, `${name} ${JSON.stringify(sa)} ${JSON.stringify(sb)}`).toEqual(r.shape);
        // +, -, ·, / of two float32 values done in float64 then rounded is the correctly rounded
        // float32 result, so the reference rounded to float32 must match bit for bit.
        expectFloat32Exact(y.data, r.data);
      }
    });
  }

  it('pow: positive bases with real exponents, negative bases with integer exponents', () => {
    const rand2 = rng(7);
    for (const [sa, sb] of pairs) {
      const a = tk.tensor(randArray(sizeOf(sa), rand2, { lo: 0.1, hi: 3 }), sa);
      const b = tk.tensor(randArray(sizeOf(sb), rand2, { lo: -2, hi: 2 }), sb);
      const r = refBinary((x, y) => x ** y, a.data, sa, b.data, sb);
      const y = tk.pow(a, b);
      expect(y.shape).toEqual(r.shape);
      expectClose(y.data, r.data, { rtol: 1e-6, atol: 0 });
    }
    expect(tk.pow(tk.tensor([-2, -3, 4]), tk.tensor([3, 2, 0.5])).toArray()).toEqual([-8, 9, 2]);
    expect(tk.pow(tk.tensor([2, 3]), 2).toArray()).toEqual([4, 9]);
  });

  it('the method forms agree with the functions and accept numbers and arrays', () => {
    const a = tk.tensor([[1, 2], [3, 4]]);
    expect(a.add(1).toArray()).toEqual([[2, 3], [4, 5]]);
    expect(a.sub([1, 2]).toArray()).toEqual([[0, 0], [2, 2]]);
    expect(a.mul(tk.tensor([[2], [3]])).toArray()).toEqual([[2, 4], [9, 12]]);
    expect(a.div(2).toArray()).toEqual([[0.5, 1], [1.5, 2]]);
    expect(a.pow(2).toArray()).toEqual([[1, 4], [9, 16]]);
    expect(a.maximum(2.5).toArray()).toEqual([[2.5, 2.5], [3, 4]]);
    expect(a.minimum(2.5).toArray()).toEqual([[1, 2], [2.5, 2.5]]);
    expect(tk.add(2, 3).item()).toBe(5);
    expect(tk.sub(2, [1, 2]).toArray()).toEqual([1, 0]);
  });

  it('division by zero and NaN follow IEEE; maximum/minimum propagate NaN', () => {
    const r = tk.div(tk.tensor([1, -1, 0]), 0).toArray() as number[];
    expect(r[0]).toBe(Infinity);
    expect(r[1]).toBe(-Infinity);
    expect(r[2]).toBeNaN();
    expect(tk.maximum(tk.tensor([NaN, 1]), tk.tensor([0, NaN])).dataSync().every(Number.isNaN)).toBe(true);
    expect(tk.minimum(tk.tensor([NaN, 1]), tk.tensor([0, NaN])).dataSync().every(Number.isNaN)).toBe(true);
  });
});

describe('error messages name the op and both shapes', () => {
  const a = tk.zeros([2, 3]);
  const b = tk.zeros([4]);
  const cases: [string, () => unknown][] = [
    ['add', () => tk.add(a, b)],
    ['sub', () => tk.sub(a, b)],
    ['mul', () => tk.mul(a, b)],
    ['div', () => tk.div(a, b)],
    ['pow', () => tk.pow(a, b)],
    ['maximum', () => tk.maximum(a, b)],
    ['minimum', () => tk.minimum(a, b)],
    ['squaredDifference', () => tk.squaredDifference(a, b)],
    ['equal', () => tk.equal(a, b)],
    ['notEqual', () => tk.notEqual(a, b)],
    ['greater', () => tk.greater(a, b)],
    ['greaterEqual', () => tk.greaterEqual(a, b)],
    ['less', () => tk.less(a, b)],
    ['lessEqual', () => tk.lessEqual(a, b)],
  ];
  for (const [name, f] of cases) {
    it(name, () => {
      expect(f).toThrow(`${name}: cannot broadcast [2,3] with [4]`);
    });
  }
  it('the method form too', () => {
    expect(() => a.add(b)).toThrow('add: cannot broadcast [2,3] with [4]');
    expect(() => a.sub(b)).toThrow('sub: cannot broadcast [2,3] with [4]');
  });
  it('a mismatch in a middle axis', () => {
    expect(() => tk.add(tk.zeros([2, 3, 4]), tk.zeros([2, 5, 4]))).toThrow('add: cannot broadcast [2,3,4] with [2,5,4]');
  });
});

// ---- unary ---------------------------------------------------------------------------------

/** Reference erf by its Taylor series (float64, accurate to ~1e-13 for |x| < 3). */
function refErf(x: number): number {
  let term = x;
  let sum = x;
  for (let n = 1; n < 80; n++) {
    term *= (-x * x) / n;
    sum += term / (2 * n + 1);
  }
  return (2 / Math.sqrt(Math.PI)) * sum;
}

const SELU_ALPHA = 1.6732632423543772848170429916717;
const SELU_SCALE = 1.0507009873554804934193349852946;

const UNARY: [string, (x: tk.Tensor) => tk.Tensor, (v: number) => number, { lo?: number; hi?: number; rtol?: number; atol?: number }][] = [
  ['neg', (x) => tk.neg(x), (v) => -v, {}],
  ['abs', (x) => tk.abs(x), (v) => Math.abs(v), {}],
  ['exp', (x) => tk.exp(x), (v) => Math.exp(v), {}],
  ['log', (x) => tk.log(x), (v) => Math.log(v), { lo: 1e-3, hi: 10 }],
  ['sqrt', (x) => tk.sqrt(x), (v) => Math.sqrt(v), { lo: 0, hi: 10 }],
  ['rsqrt', (x) => tk.rsqrt(x), (v) => 1 / Math.sqrt(v), { lo: 0.01, hi: 10 }],
  ['square', (x) => tk.square(x), (v) => v * v, {}],
  ['reciprocal', (x) => tk.reciprocal(x), (v) => 1 / v, { lo: 0.1, hi: 5 }],
  ['sigmoid', (x) => tk.sigmoid(x), (v) => 1 / (1 + Math.exp(-v)), { lo: -20, hi: 20, rtol: 1e-6 }],
  ['tanh', (x) => tk.tanh(x), (v) => (Math.exp(2 * v) - 1) / (Math.exp(2 * v) + 1), { lo: -5, hi: 5, rtol: 1e-6, atol: 1e-7 }],
  ['relu', (x) => tk.relu(x), (v) => (v > 0 ? v : 0), {}],
  ['relu6', (x) => tk.relu6(x), (v) => Math.min(Math.max(v, 0), 6), { lo: -3, hi: 9 }],
  ['sign', (x) => tk.sign(x), (v) => (v > 0 ? 1 : v < 0 ? -1 : 0), {}],
  ['floor', (x) => tk.floor(x), (v) => Math.floor(v), {}],
  ['ceil', (x) => tk.ceil(x), (v) => Math.ceil(v), {}],
  ['softplus', (x) => tk.softplus(x), (v) => Math.log(1 + Math.exp(v)), { lo: -10, hi: 10, rtol: 1e-6 }],
  ['softsign', (x) => tk.softsign(x), (v) => v / (1 + Math.abs(v)), {}],
  ['elu', (x) => tk.elu(x), (v) => (v > 0 ? v : Math.exp(v) - 1), { rtol: 1e-6, atol: 1e-7 }],
  ['selu', (x) => tk.selu(x), (v) => (v > 0 ? SELU_SCALE * v : SELU_SCALE * SELU_ALPHA * (Math.exp(v) - 1)), { rtol: 1e-6, atol: 1e-7 }],
  ['erf', (x) => tk.erf(x), refErf, { lo: -2.9, hi: 2.9, rtol: 0, atol: 3e-7 }],
  ['log1p', (x) => tk.log1p(x), (v) => Math.log(1 + v), { lo: -0.9, hi: 5, rtol: 1e-6, atol: 1e-7 }],
  ['expm1', (x) => tk.expm1(x), (v) => Math.exp(v) - 1, { rtol: 1e-6, atol: 1e-7 }],
  ['sin', (x) => tk.sin(x), (v) => Math.sin(v), {}],
  ['cos', (x) => tk.cos(x), (v) => Math.cos(v), {}],
];

describe('unary ops (vs plain Math references)', () => {
  const rand = rng(202);
  for (const [name, op, ref, o] of UNARY) {
    it(name, () => {
      for (const shape of [[], [1], [7], [3, 5], [2, 3, 4], [129]]) {
        const x = tk.tensor(randArray(sizeOf(shape), rand, { lo: o.lo ?? -4, hi: o.hi ?? 4 }), shape);
        const y = op(x);
        expect(y.shape).toEqual(shape);
        const expected = Array.from(x.data, ref);
        expectClose(y.data, expected, { rtol: o.rtol ?? 1e-7, atol: o.atol ?? 0 });
      }
    });
  }

  it('method forms', () => {
    const x = tk.tensor([-1.5, 0.25, 2]);
    expect(x.neg().toArray()).toEqual([1.5, -0.25, -2]);
    expect(x.abs().toArray()).toEqual([1.5, 0.25, 2]);
    expect(x.relu().toArray()).toEqual([0, 0.25, 2]);
    expect(x.square().toArray()).toEqual([2.25, 0.0625, 4]);
    expect(x.sign().toArray()).toEqual([-1, 1, 1]);
    expect(x.floor().toArray()).toEqual([-2, 0, 2]);
    expect(x.ceil().toArray()).toEqual([-1, 1, 2]);
    expect(x.clip(-1, 1).toArray()).toEqual([-1, 0.25, 1]);
    expect(x.abs().sqrt().data[2]).toBe(Math.fround(Math.SQRT2));
    expect(x.exp().log().data[1]).toBeCloseTo(0.25, 6);
    expect(x.sigmoid().data[1]).toBeCloseTo(1 / (1 + Math.exp(-0.25)), 7);
    expect(x.tanh().data[0]).toBeCloseTo(Math.tanh(-1.5), 7);
  });

  it('sign(0) is 0 and relu(0) is 0; abs(-0) is 0', () => {
    expect(tk.sign(tk.tensor([0, -3, 2])).toArray()).toEqual([0, -1, 1]);
    expect(tk.relu(tk.tensor([0])).item()).toBe(0);
    expect(Object.is(tk.abs(tk.tensor([-0])).item(), 0)).toBe(true);
  });

  it('sigmoid and tanh are finite at ±100 (and beyond) with the right limits', () => {
    const x = tk.tensor([-1000, -100, -30, 0, 30, 100, 1000]);
    const s = x.sigmoid().dataSync();
    const t = x.tanh().dataSync();
    for (const v of [...s, ...t]) expect(Number.isFinite(v)).toBe(true);
    expect(s[3]).toBe(0.5);
    expect(s[5]).toBe(1);
    expect(s[6]).toBe(1);
    expect(s[0]).toBe(0);
    expect(s[1]).toBeGreaterThanOrEqual(0);
    expect(s[1]).toBeLessThan(1e-40);
    // σ(−30) ≈ e^−30 = 9.36e-14: the stable branch keeps it, the naive 1 − σ(30) would give 0.
    expect(s[2]).toBeCloseTo(Math.exp(-30) / (1 + Math.exp(-30)), 20);
    expect(s[2]! / (Math.exp(-30) / (1 + Math.exp(-30)))).toBeCloseTo(1, 6);
    expect(t).toEqual([-1, -1, -1, 0, 1, 1, 1]);
    const sp = tk.softplus(tk.tensor([-100, 100])).dataSync();
    expect(sp[1]).toBe(100);
    expect(sp[0]).toBeGreaterThan(0);
    expect(Number.isFinite(sp[0]!)).toBe(true);
  });
});

describe('round: half to even (as NumPy / TensorFlow / Keras)', () => {
  it('the halves from the issue', () => {
    const r = tk.round(tk.tensor([0.5, 1.5, 2.5, -0.5, -1.5, -2.5, 3.5, -3.5])).dataSync();
    expect(r).toEqual([0, 2, 2, -0, -2, -2, 4, -4]);
    expect(Object.is(r[3], -0)).toBe(true);
    expect(Object.is(r[0], 0)).toBe(true);
  });

  it('non-halves round to nearest; values next to a half are not mistaken for it', () => {
    const below = Math.fround(0.49999997); // the float32 just below 0.5
    const above = Math.fround(0.50000006); // the float32 just above 0.5
    // 2^22 + 0.5 and 2^22 + 1.5 are exact float32 halves; 8388609 > 2^23 is an integer already.
    const r = tk.round(tk.tensor([below, above, 1.4, 1.6, -1.4, -1.6, 2.4999998, 4194304.5, 4194305.5, 8388609])).dataSync();
    expect(r).toEqual([0, 1, 1, 2, -1, -2, 2, 4194304, 4194306, 8388609]);
  });

  it('matches an independent half-to-even reference on random quarter-steps and random floats', () => {
    const rand = rng(3);
    const vals = new Float32Array(2000);
    for (let i = 0; i < 1000; i++) vals[i] = Math.round((rand() * 40 - 20) * 4) / 4; // many exact halves
    for (let i = 1000; i < 2000; i++) vals[i] = rand() * 40 - 20;
    const ref = (v: number): number => {
      const f = Math.floor(v);
      const d = v - f;
      const r = d < 0.5 ? f : d > 0.5 ? f + 1 : f % 2 === 0 ? f : f + 1;
      return r === 0 && (v < 0 || Object.is(v, -0)) ? -0 : r;
    };
    const out = tk.round(tk.tensor(vals)).dataSync();
    for (let i = 0; i < vals.length; i++) {
      if (!Object.is(out[i], ref(vals[i]!))) expect.fail(`round(${vals[i]}) = ${out[i]}, expected ${ref(vals[i]!)}`);
    }
  });
});

describe('comparisons return float32 0/1 with broadcasting', () => {
  const ops: [string, (a: tk.Tensor, b: tk.Tensor) => tk.Tensor, (x: number, y: number) => boolean][] = [
    ['equal', tk.equal, (x, y) => x === y],
    ['notEqual', tk.notEqual, (x, y) => x !== y],
    ['greater', tk.greater, (x, y) => x > y],
    ['greaterEqual', tk.greaterEqual, (x, y) => x >= y],
    ['less', tk.less, (x, y) => x < y],
    ['lessEqual', tk.lessEqual, (x, y) => x <= y],
  ];
  const rand = rng(5);
  for (const [name, op, ref] of ops) {
    it(name, () => {
      for (const [sa, sb] of SHAPE_PAIRS) {
        // Small integers so that ties are frequent.
        const a = tk.tensor(Float32Array.from({ length: sizeOf(sa) }, () => randInt(rand, -2, 2)), sa);
        const b = tk.tensor(Float32Array.from({ length: sizeOf(sb) }, () => randInt(rand, -2, 2)), sb);
        const r = refBinary((x, y) => (ref(x, y) ? 1 : 0), a.data, sa, b.data, sb);
        const y = op(a, b);
        expect(y.shape).toEqual(r.shape);
        expect(Array.from(y.data)).toEqual(Array.from(r.data));
        expect(y.node).toBeNull();
      }
    });
  }
  it('NaN is equal to nothing, not-equal to everything', () => {
    expect(tk.equal(tk.tensor([NaN]), tk.tensor([NaN])).item()).toBe(0);
    expect(tk.notEqual(tk.tensor([NaN]), tk.tensor([NaN])).item()).toBe(1);
    expect(tk.greater(tk.tensor([NaN]), 0).item()).toBe(0);
  });
  it('method forms', () => {
    const a = tk.tensor([1, 2, 3]);
    expect(a.equal(2).toArray()).toEqual([0, 1, 0]);
    expect(a.notEqual(2).toArray()).toEqual([1, 0, 1]);
    expect(a.greater(2).toArray()).toEqual([0, 0, 1]);
    expect(a.greaterEqual(2).toArray()).toEqual([0, 1, 1]);
    expect(a.less(2).toArray()).toEqual([1, 0, 0]);
    expect(a.lessEqual(2).toArray()).toEqual([1, 1, 0]);
  });
});

describe('clip', () => {
  it('clamps into [lo, hi] (vs a reference), keeps NaN, rejects lo > hi', () => {
    const rand = rng(9);
    const x = tk.tensor(randArray(500, rand, { lo: -5, hi: 5 }), [20, 25]);
    const y = tk.clip(x, -1.5, 2);
    expect(y.shape).toEqual([20, 25]);
    expectFloat32Exact(y.data, Array.from(x.data, (v) => Math.min(2, Math.max(-1.5, v))));
    expect(tk.clip(tk.tensor([NaN]), 0, 1).item()).toBeNaN();
    expect(tk.clip(tk.tensor([-2, 0.5, 3]), 0, 1).toArray()).toEqual([0, 0.5, 1]);
    expect(() => tk.clip(x, 1, 0)).toThrow(/clip: lo must be <= hi/);
  });
});
