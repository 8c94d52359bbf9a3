// Elementwise kernels: numbers in, numbers out. No Tensor, no tape.
//
// Broadcasting is turned into rows: the output is walked as `rows × rowLength`, where the row
// is the innermost run of the merged axes and each input advances by a stride of 0 (broadcast)
// or 1 (contiguous) inside the row. Same-shape, scalar and trailing-broadcast (a bias) cases are
// therefore one loop each with no per-element index arithmetic beyond `i += stride`.
//
// NOTE: the op is chosen by a `switch` OUTSIDE each loop, so every loop body is one monomorphic
// expression V8 compiles tight. (A shared loop calling `f(x, y)` per element goes megamorphic as
// soon as two ops use it and runs ~5x slower.)

/** The binary ops with a kernel of their own. Comparisons return 1 or 0. */
export type BinaryKernelOp =
  | 'add' | 'sub' | 'mul' | 'div' | 'pow' | 'maximum' | 'minimum'
  | 'equal' | 'notEqual' | 'greater' | 'greaterEqual' | 'less' | 'lessEqual'
  | 'squaredDifference';

/** The unary ops with a kernel of their own. */
export type UnaryKernelOp =
  | 'neg' | 'abs' | 'exp' | 'log' | 'sqrt' | 'rsqrt' | 'square' | 'reciprocal'
  | 'sigmoid' | 'tanh' | 'relu' | 'relu6' | 'sign' | 'floor' | 'ceil' | 'round'
  | 'softplus' | 'softsign' | 'elu' | 'selu' | 'erf' | 'log1p' | 'expm1' | 'sin' | 'cos';

/**
 * out[i] = a[i] ∘ b[i] over the broadcast of `aShape` and `bShape` into `outShape`
 * (`outShape` must be their NumPy broadcast; the caller checked it).
 */
export function binary(
  op: BinaryKernelOp,
  a: Float32Array, aShape: readonly number[],
  b: Float32Array, bShape: readonly number[],
  out: Float32Array, outShape: readonly number[],
): void {
  const n = out.length;
  if (n === 0) return;
  if (a.length === n && b.length === n) return binaryRow(op, a, 0, 1, b, 0, 1, out, 0, n);
  if (b.length === 1 && a.length === n) return binaryRow(op, a, 0, 1, b, 0, 0, out, 0, n);
  if (a.length === 1 && b.length === n) return binaryRow(op, a, 0, 0, b, 0, 1, out, 0, n);

  // General case: merge neighbouring axes that broadcast the same way, then walk rows.
  const { dims, aStrides, bStrides } = mergeBroadcastAxes(aShape, bShape, outShape);
  const rank = dims.length;
  const rowLength = dims[rank - 1]!;
  const aStep = aStrides[rank - 1]!;
  const bStep = bStrides[rank - 1]!;
  const counter = new Array<number>(rank).fill(0);
  let ai = 0;
  let bi = 0;
  for (let o = 0; o < n; o += rowLength) {
    binaryRow(op, a, ai, aStep, b, bi, bStep, out, o, rowLength);
    // Odometer over the outer axes: advance the input offsets by whole rows.
    for (let axis = rank - 2; axis >= 0; axis--) {
      counter[axis]!++;
      ai += aStrides[axis]!;
      bi += bStrides[axis]!;
      if (counter[axis]! < dims[axis]!) break;
      ai -= aStrides[axis]! * dims[axis]!;
      bi -= bStrides[axis]! * dims[axis]!;
      counter[axis] = 0;
    }
  }
}

/**
 * Collapses the broadcast into as few axes as possible: two neighbouring axes merge when both
 * inputs are contiguous across them or both broadcast across them. Strides are in elements,
 * 0 on broadcast axes. A bias add `[N, C] + [C]` becomes `dims [N, C]`, `b strides [0, 1]`.
 */
export function mergeBroadcastAxes(aShape: readonly number[], bShape: readonly number[], outShape: readonly number[]) {
  const rank = outShape.length;
  const pa = padLeft(aShape, rank);
  const pb = padLeft(bShape, rank);
  const dims: number[] = [];
  const aBroadcast: boolean[] = [];
  const bBroadcast: boolean[] = [];
  for (let i = 0; i < rank; i++) {
    const d = outShape[i]!;
    if (d === 1) continue; // size-1 output axes carry no data
    const ab = pa[i] === 1;
    const bb = pb[i] === 1;
    const last = dims.length - 1;
    if (last >= 0 && aBroadcast[last] === ab && bBroadcast[last] === bb) dims[last]! *= d;
    else {
      dims.push(d);
      aBroadcast.push(ab);
      bBroadcast.push(bb);
    }
  }
  if (dims.length === 0) {
    dims.push(1);
    aBroadcast.push(false);
    bBroadcast.push(false);
  }
  const aStrides = contiguousStrides(dims, aBroadcast);
  const bStrides = contiguousStrides(dims, bBroadcast);
  return { dims, aStrides, bStrides };
}

function padLeft(shape: readonly number[], rank: number): number[] {
  return [...new Array<number>(rank - shape.length).fill(1), ...shape];
}

function contiguousStrides(dims: readonly number[], broadcast: readonly boolean[]): number[] {
  const strides = new Array<number>(dims.length);
  let s = 1;
  for (let i = dims.length - 1; i >= 0; i--) {
    strides[i] = broadcast[i] ? 0 : s;
    if (!broadcast[i]) s *= dims[i]!;
  }
  return strides;
}

/** One row: out[o + j] = a[ai + j·as] ∘ b[bi + j·bs] for j < n, with as, bs ∈ {0, 1}. */
function binaryRow(
  op: BinaryKernelOp,
  a: Float32Array, ai: number, as: number,
  b: Float32Array, bi: number, bs: number,
  out: Float32Array, o: number, n: number,
): void {
  const end = o + n;
  switch (op) {
    case 'add': for (; o < end; o++, ai += as, bi += bs) out[o] = a[ai]! + b[bi]!; return;
    case 'sub': for (; o < end; o++, ai += as, bi += bs) out[o] = a[ai]! - b[bi]!; return;
    case 'mul': for (; o < end; o++, ai += as, bi += bs) out[o] = a[ai]! * b[bi]!; return;
    case 'div': for (; o < end; o++, ai += as, bi += bs) out[o] = a[ai]! / b[bi]!; return;
    case 'pow': for (; o < end; o++, ai += as, bi += bs) out[o] = Math.pow(a[ai]!, b[bi]!); return;
    // NOTE: NaN propagates through maximum/minimum, as in NumPy and TensorFlow.
    case 'maximum': for (; o < end; o++, ai += as, bi += bs) { const x = a[ai]!, y = b[bi]!; out[o] = x > y || x !== x ? x : y; } return;
    case 'minimum': for (; o < end; o++, ai += as, bi += bs) { const x = a[ai]!, y = b[bi]!; out[o] = x < y || x !== x ? x : y; } return;
    case 'equal': for (; o < end; o++, ai += as, bi += bs) out[o] = a[ai] === b[bi] ? 1 : 0; return;
    case 'notEqual': for (; o < end; o++, ai += as, bi += bs) out[o] = a[ai] !== b[bi] ? 1 : 0; return;
    case 'greater': for (; o < end; o++, ai += as, bi += bs) out[o] = a[ai]! > b[bi]! ? 1 : 0; return;
    case 'greaterEqual': for (; o < end; o++, ai += as, bi += bs) out[o] = a[ai]! >= b[bi]! ? 1 : 0; return;
    case 'less': for (; o < end; o++, ai += as, bi += bs) out[o] = a[ai]! < b[bi]! ? 1 : 0; return;
    case 'lessEqual': for (; o < end; o++, ai += as, bi += bs) out[o] = a[ai]! <= b[bi]! ? 1 : 0; return;
    case 'squaredDifference': for (; o < end; o++, ai += as, bi += bs) { const d = a[ai]! - b[bi]!; out[o] = d * d; } return;
  }
}

/** out[i] = f(x[i]). `out` may be `x` (in place). */
export function unary(op: UnaryKernelOp, x: Float32Array, out: Float32Array): void {
  const n = x.length;
  let i = 0;
  switch (op) {
    case 'neg': for (; i < n; i++) out[i] = -x[i]!; return;
    case 'abs': for (; i < n; i++) out[i] = Math.abs(x[i]!); return;
    case 'exp': for (; i < n; i++) out[i] = Math.exp(x[i]!); return;
    case 'log': for (; i < n; i++) out[i] = Math.log(x[i]!); return;
    case 'sqrt': for (; i < n; i++) out[i] = Math.sqrt(x[i]!); return;
    case 'rsqrt': for (; i < n; i++) out[i] = 1 / Math.sqrt(x[i]!); return;
    case 'square': for (; i < n; i++) { const v = x[i]!; out[i] = v * v; } return;
    case 'reciprocal': for (; i < n; i++) out[i] = 1 / x[i]!; return;
    // NOTE: sigmoid is written so that exp never overflows: for v < 0 use e^v / (1 + e^v).
    case 'sigmoid':
      for (; i < n; i++) {
        const v = x[i]!;
        if (v >= 0) out[i] = 1 / (1 + Math.exp(-v));
        else { const e = Math.exp(v); out[i] = e / (1 + e); }
      }
      return;
    case 'tanh': for (; i < n; i++) out[i] = Math.tanh(x[i]!); return;
    // NOTE: relu(NaN) is NaN (the comparison is false), as in TensorFlow.
    case 'relu': for (; i < n; i++) { const v = x[i]!; out[i] = v < 0 ? 0 : v; } return;
    case 'relu6': for (; i < n; i++) { const v = x[i]!; out[i] = v < 0 ? 0 : v > 6 ? 6 : v; } return;
    case 'sign': for (; i < n; i++) { const v = x[i]!; out[i] = v > 0 ? 1 : v < 0 ? -1 : v; } return;
    case 'floor': for (; i < n; i++) out[i] = Math.floor(x[i]!); return;
    case 'ceil': for (; i < n; i++) out[i] = Math.ceil(x[i]!); return;
    case 'round': for (; i < n; i++) out[i] = roundHalfToEven(x[i]!); return;
    // NOTE: softplus = log(1 + e^v) = max(v, 0) + log1p(e^-|v|): no overflow, no loss for v << 0.
    case 'softplus': for (; i < n; i++) { const v = x[i]!; out[i] = (v > 0 ? v : 0) + Math.log1p(Math.exp(-Math.abs(v))); } return;
    case 'softsign': for (; i < n; i++) { const v = x[i]!; out[i] = v / (1 + Math.abs(v)); } return;
    case 'elu': for (; i < n; i++) { const v = x[i]!; out[i] = v > 0 ? v : Math.expm1(v); } return;
    case 'selu':
      for (; i < n; i++) { const v = x[i]!; out[i] = v > 0 ? SELU_SCALE * v : SELU_SCALE * SELU_ALPHA * Math.expm1(v); }
      return;
    case 'erf': for (; i < n; i++) out[i] = erf(x[i]!); return;
    case 'log1p': for (; i < n; i++) out[i] = Math.log1p(x[i]!); return;
    case 'expm1': for (; i < n; i++) out[i] = Math.expm1(x[i]!); return;
    case 'sin': for (; i < n; i++) out[i] = Math.sin(x[i]!); return;
    case 'cos': for (; i < n; i++) out[i] = Math.cos(x[i]!); return;
  }
}

/** SELU constants (Klambauer et al. 2017), as Keras. */
export const SELU_ALPHA = 1.6732632423543772;
export const SELU_SCALE = 1.0507009873554805;

/**
 * Round half to even ("banker's rounding"), as NumPy and TensorFlow: 0.5 → 0, 1.5 → 2,
 * 2.5 → 2, -0.5 → -0. JavaScript's Math.round rounds halves up, so it is not used alone.
 */
export function roundHalfToEven(v: number): number {
  const r = Math.round(v);
  // Math.round(v) rounds .5 up; when v sat exactly halfway and r is odd, step back to the even one.
  if (r - v === 0.5 && r % 2 !== 0) return r - 1;
  return r === 0 ? v * 0 : r; // keeps the sign of -0.4 → -0, as NumPy
}

/**
 * The error function, |error| < 1.2e-7 (Numerical Recipes' erfc by Chebyshev fitting), which is
 * below float32 resolution: used by the exact GELU.
 */
export function erf(x: number): number {
  const z = Math.abs(x);
  const t = 1 / (1 + 0.5 * z);
  const r = t * Math.exp(-z * z - 1.26551223 + t * (1.00002368 + t * (0.37409196 + t * (0.09678418 +
    t * (-0.18628806 + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 +
    t * (-0.82215223 + t * 0.17087277)))))))));
  return x >= 0 ? 1 - r : r - 1;
}

/** out[i] = clamp(x[i], lo, hi); NaN stays NaN. */
export function clip(x: Float32Array, lo: number, hi: number, out: Float32Array): void {
  for (let i = 0; i < x.length; i++) {
    const v = x[i]!;
    out[i] = v < lo ? lo : v > hi ? hi : v;
  }
}

/** The fused backward kernels of the activations that reuse their output or input. */
export type ActivationGradOp = 'reluGrad' | 'relu6Grad' | 'sigmoidGrad' | 'tanhGrad';

/**
 * dx[i] = dy[i] · f'(·): `reluGrad` and `relu6Grad` read the input x; `sigmoidGrad` and `tanhGrad`
 * read the output y (σ' = y(1-y), tanh' = 1-y²), so the forward saves nothing extra.
 */
export function activationGrad(op: ActivationGradOp, dy: Float32Array, saved: Float32Array, dx: Float32Array): void {
  const n = dy.length;
  let i = 0;
  switch (op) {
    // NOTE: relu'(0) = 0, as TensorFlow and PyTorch (the subgradient at the kink is a choice).
    case 'reluGrad': for (; i < n; i++) dx[i] = saved[i]! > 0 ? dy[i]! : 0; return;
    case 'relu6Grad': for (; i < n; i++) { const v = saved[i]!; dx[i] = v > 0 && v < 6 ? dy[i]! : 0; } return;
    case 'sigmoidGrad': for (; i < n; i++) { const y = saved[i]!; dx[i] = dy[i]! * y * (1 - y); } return;
    case 'tanhGrad': for (; i < n; i++) { const y = saved[i]!; dx[i] = dy[i]! * (1 - y * y); } return;
  }
}
