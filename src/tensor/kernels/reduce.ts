// Reductions: numbers in, numbers out. No Tensor, no tape.
//
// Every reduction is run on a view [outer, reduced, inner] of a contiguous array: the reduced
// axes must be neighbours (the op layer transposes them together first when they are not).
// inner = 1 is a reduction along the innermost axis: one running value per output. inner > 1
// reduces along an outer axis: whole rows of `inner` values are combined at a time, so the
// memory is read in order.
//
// NOTE: sums and products accumulate in float64 (JavaScript numbers), so the mean of a million
// float32 values is exact to float32; only the final value is rounded to float32. That is why
// 'mean' is a kernel op: the division by the count happens in float64 too, before that one
// rounding (a float32 sum times a float32 1/n rounds twice and is often 1 ulp off).

export type ReduceKernelOp = 'sum' | 'mean' | 'prod' | 'max' | 'min';
export type ArgReduceKernelOp = 'argmax' | 'argmin';

/** out[o·inner + i] = reduce over r of x[(o·reduced + r)·inner + i]. */
export function reduce(op: ReduceKernelOp, x: Float32Array, outer: number, reduced: number, inner: number, out: Float32Array): void {
  // A mean is a float64 sum divided by the count once per output (0/0 = NaN for an empty axis).
  const divisor = op === 'mean' ? reduced : 1;
  const base = op === 'mean' ? 'sum' : op;
  if (inner === 1) {
    for (let o = 0; o < outer; o++) out[o] = reduceRun(base, x, o * reduced, reduced) / divisor;
    return;
  }
  const acc = new Float64Array(inner);
  for (let o = 0; o < outer; o++) {
    const start = o * reduced * inner;
    acc.fill(initial(base));
    for (let r = 0; r < reduced; r++) combineRow(base, x, start + r * inner, acc, inner);
    const ob = o * inner;
    for (let i = 0; i < inner; i++) out[ob + i] = acc[i]! / divisor;
  }
}

type BaseReduceOp = Exclude<ReduceKernelOp, 'mean'>;

function initial(op: BaseReduceOp): number {
  switch (op) {
    case 'sum': return 0;
    case 'prod': return 1;
    case 'max': return -Infinity;
    case 'min': return Infinity;
  }
}

/** Reduces x[start .. start+n) to one number. */
function reduceRun(op: BaseReduceOp, x: Float32Array, start: number, n: number): number {
  const end = start + n;
  let i = start;
  switch (op) {
    case 'sum': {
      let s = 0;
      for (; i < end; i++) s += x[i]!;
      return s;
    }
    case 'prod': {
      let p = 1;
      for (; i < end; i++) p *= x[i]!;
      return p;
    }
    // NOTE: a NaN anywhere makes the max/min NaN, as NumPy and TensorFlow.
    case 'max': {
      let m = -Infinity;
      for (; i < end; i++) { const v = x[i]!; if (v > m || v !== v) { m = v; if (v !== v) return NaN; } }
      return m;
    }
    case 'min': {
      let m = Infinity;
      for (; i < end; i++) { const v = x[i]!; if (v < m || v !== v) { m = v; if (v !== v) return NaN; } }
      return m;
    }
  }
}

/** acc[i] = acc[i] ∘ x[start + i] for a whole row. */
function combineRow(op: BaseReduceOp, x: Float32Array, start: number, acc: Float64Array, n: number): void {
  let i = 0;
  switch (op) {
    case 'sum': for (; i < n; i++) acc[i]! += x[start + i]!; return;
    case 'prod': for (; i < n; i++) acc[i]! *= x[start + i]!; return;
    case 'max': for (; i < n; i++) { const v = x[start + i]!; if (v > acc[i]! || v !== v) acc[i] = v; } return;
    case 'min': for (; i < n; i++) { const v = x[start + i]!; if (v < acc[i]! || v !== v) acc[i] = v; } return;
  }
}

/**
 * Index (0 … reduced-1) of the largest/smallest value along the middle axis; ties give the first
 * index. NaN is treated as larger than everything for argmax (and smaller for argmin), so a NaN
 * input is reported rather than hidden.
 */
export function argReduce(op: ArgReduceKernelOp, x: Float32Array, outer: number, reduced: number, inner: number, out: Float32Array): void {
  const sign = op === 'argmax' ? 1 : -1;
  for (let o = 0; o < outer; o++) {
    const base = o * reduced * inner;
    for (let i = 0; i < inner; i++) {
      let best = -Infinity;
      let bestIndex = 0;
      for (let r = 0; r < reduced; r++) {
        const v = x[base + r * inner + i]!;
        if (v !== v) { bestIndex = r; break; }
        const s = sign * v;
        if (s > best) { best = s; bestIndex = r; }
      }
      out[o * inner + i] = bestIndex;
    }
  }
}
