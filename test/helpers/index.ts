// Shared test helpers: a seeded PRNG, random arrays/tensors, closeness checks and small plain
// reference implementations (index-mapping loops in float64) used as oracles. Nothing here
// calls tensorkit ops, so a bug in the library cannot hide in its own reference.

import { expect } from 'vitest';

/** mulberry32: a tiny seeded PRNG, uniform in [0, 1). */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** An integer in [lo, hi]. */
export function randInt(rand: () => number, lo: number, hi: number): number {
  return lo + Math.floor(rand() * (hi - lo + 1));
}

export interface RandOptions {
  lo?: number;
  hi?: number;
  /** Keep every value at least this far from each listed point (kinks of relu/abs/round ...). */
  awayFrom?: readonly number[];
  minGap?: number;
}

/** Uniform float32 values in [lo, hi), optionally kept away from kinks. */
export function randArray(n: number, rand: () => number, options: RandOptions = {}): Float32Array {
  const { lo = -1, hi = 1, awayFrom = [], minGap = 0.05 } = options;
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    let v: number;
    do v = lo + (hi - lo) * rand();
    while (awayFrom.some((k) => Math.abs(v - k) < minGap));
    out[i] = v;
  }
  return out;
}

export function sizeOf(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

export function stridesOf(shape: readonly number[]): number[] {
  const s = new Array<number>(shape.length);
  let k = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    s[i] = k;
    k *= shape[i]!;
  }
  return s;
}

/** Flat index -> multi-index. */
export function unravel(flat: number, shape: readonly number[]): number[] {
  const idx = new Array<number>(shape.length);
  for (let i = shape.length - 1; i >= 0; i--) {
    idx[i] = flat % shape[i]!;
    flat = Math.floor(flat / shape[i]!);
  }
  return idx;
}

/** Multi-index -> flat index. */
export function ravel(idx: readonly number[], shape: readonly number[]): number {
  let f = 0;
  for (let i = 0; i < shape.length; i++) f = f * shape[i]! + idx[i]!;
  return f;
}

/** NumPy broadcast shape, written independently of src/tensor/shape.ts; null if incompatible. */
export function refBroadcastShape(a: readonly number[], b: readonly number[]): number[] | null {
  const rank = Math.max(a.length, b.length);
  const out: number[] = [];
  for (let i = 0; i < rank; i++) {
    const da = a[a.length - rank + i] ?? 1;
    const db = b[b.length - rank + i] ?? 1;
    if (da !== db && da !== 1 && db !== 1) return null;
    out.push(da === 1 ? db : da);
  }
  return out;
}

/** The flat index into `shape` that output multi-index `outIdx` reads under broadcasting. */
export function broadcastIndex(outIdx: readonly number[], shape: readonly number[]): number {
  const lead = outIdx.length - shape.length;
  let f = 0;
  for (let i = 0; i < shape.length; i++) f = f * shape[i]! + (shape[i] === 1 ? 0 : outIdx[lead + i]!);
  return f;
}

/** out[i] = f(a[..], b[..]) over the broadcast shape, in float64, element by element. */
export function refBinary(
  f: (x: number, y: number) => number,
  a: ArrayLike<number>, aShape: readonly number[],
  b: ArrayLike<number>, bShape: readonly number[],
): { data: Float64Array; shape: number[] } {
  const shape = refBroadcastShape(aShape, bShape);
  if (shape === null) throw new Error('refBinary: shapes do not broadcast');
  const n = sizeOf(shape);
  const data = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const idx = unravel(i, shape);
    data[i] = f(a[broadcastIndex(idx, aShape)]!, b[broadcastIndex(idx, bShape)]!);
  }
  return { data, shape };
}

/** Reference transpose by index mapping: out[j] = x[ravel(permuted(unravel(j)))]. */
export function refTranspose(x: ArrayLike<number>, shape: readonly number[], perm: readonly number[]): { data: Float64Array; shape: number[] } {
  const outShape = perm.map((p) => shape[p]!);
  const n = sizeOf(shape);
  const data = new Float64Array(n);
  for (let j = 0; j < n; j++) {
    const oi = unravel(j, outShape);
    const ii = new Array<number>(shape.length);
    for (let k = 0; k < perm.length; k++) ii[perm[k]!] = oi[k]!;
    data[j] = x[ravel(ii, shape)]!;
  }
  return { data, shape: outShape };
}

/** Reference reduction over a set of axes, float64 accumulation. */
export function refReduce(
  x: ArrayLike<number>, shape: readonly number[], axes: readonly number[], init: number,
  combine: (acc: number, v: number) => number, keepDims = false,
): { data: Float64Array; shape: number[] } {
  const kept = shape.map((d, i) => (axes.includes(i) ? 1 : d));
  const data = new Float64Array(sizeOf(kept)).fill(init);
  for (let i = 0; i < sizeOf(shape); i++) {
    const idx = unravel(i, shape);
    const o = ravel(idx.map((v, k) => (axes.includes(k) ? 0 : v)), kept);
    data[o] = combine(data[o]!, x[i]!);
  }
  return { data, shape: keepDims ? kept : shape.filter((_, i) => !axes.includes(i)) };
}

/** Plain triple loop: C[m,n] = A[m,k]·B[k,n], float64. */
export function refMatmul(a: ArrayLike<number>, b: ArrayLike<number>, m: number, k: number, n: number, aOff = 0, bOff = 0): Float64Array {
  const c = new Float64Array(m * n);
  for (let i = 0; i < m; i++)
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let p = 0; p < k; p++) s += a[aOff + i * k + p]! * b[bOff + p * n + j]!;
      c[i * n + j] = s;
    }
  return c;
}

/** Flattens nested arrays (any depth). */
export function flat(v: unknown): number[] {
  return Array.isArray(v) ? v.flatMap(flat) : [v as number];
}

/**
 * Asserts |actual - expected| <= atol + rtol·|expected| element by element (NaN matches NaN),
 * reporting the first failing index.
 */
export function expectClose(
  actual: ArrayLike<number>, expected: ArrayLike<number>,
  { rtol = 1e-5, atol = 1e-6 }: { rtol?: number; atol?: number } = {},
): void {
  expect(actual.length, 'length').toBe(expected.length);
  for (let i = 0; i < expected.length; i++) {
    const a = actual[i]!;
    const e = expected[i]!;
    if (Number.isNaN(e)) {
      if (!Number.isNaN(a)) expect.fail(`index ${i}: expected NaN, got ${a}`);
      continue;
    }
    if (!Number.isFinite(e)) {
      if (a !== e) expect.fail(`index ${i}: expected ${e}, got ${a}`);
      continue;
    }
    if (!(Math.abs(a - e) <= atol + rtol * Math.abs(e))) {
      expect.fail(`index ${i}: expected ${e}, got ${a} (|diff| ${Math.abs(a - e)} > ${atol} + ${rtol}·|expected|)`);
    }
  }
}

/** Exact float32 equality against a float64 reference rounded to float32 (bit-for-bit, -0 aware). */
export function expectFloat32Exact(actual: ArrayLike<number>, expected: ArrayLike<number>): void {
  expect(actual.length, 'length').toBe(expected.length);
  for (let i = 0; i < expected.length; i++) {
    const e = Math.fround(expected[i]!);
    const a = actual[i]!;
    if (!Object.is(a, e)) expect.fail(`index ${i}: expected ${show(e)}, got ${show(a)}`);
  }
}

const show = (v: number): string => (Object.is(v, -0) ? '-0' : String(v));

/** Random shape of the given rank with sizes in [lo, hi]. */
export function randShape(rand: () => number, rank: number, lo = 1, hi = 4): number[] {
  return Array.from({ length: rank }, () => randInt(rand, lo, hi));
}

/** A random permutation of 0..n-1. */
export function randPerm(rand: () => number, n: number): number[] {
  const p = Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [p[i], p[j]] = [p[j]!, p[i]!];
  }
  return p;
}

/** The largest |a[i] − b[i]|, after checking the lengths agree. */
export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(b.length).toBe(a.length);
  let d = 0;
  for (let i = 0; i < a.length; i++) d = Math.max(d, Math.abs(a[i]! - b[i]!));
  return d;
}
