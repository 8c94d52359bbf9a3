// The elementwise work around a convolution's GEMM, in plain TypeScript: the bias + relu applied
// to the product (forward), and the relu mask and bias gradient (backward). These are the
// readable references and the fallbacks of the SIMD versions (wasm/gemm_module.ts: `epilogue`,
// `reluBackward`), which engine.ts runs instead when the SIMD kernels are on; both give the same
// bits. Moved here from src/ops/conv2d.ts so that the engine can reach them.

/**
 * y[r, f] = act(y[r, f] + bias[f]) for `rows` rows of F starting at `offset`: the fused epilogue.
 *
 * NOTE: relu is written `(v + |v|)·0.5`, which is exact (2v and its half are exact in float64),
 * NaN-propagating (as TF's relu) and branch-free: `v < 0 ? 0 : v` on data whose sign is a coin
 * flip mispredicts half the time and measured 4–7× slower (4.6 vs 1.0 ms on 26×26×32×32 floats),
 * and `Math.max(v, 0)` as slow (4.8 ms). Only −∞ goes wrong (−∞ + ∞ = NaN): the rarely taken
 * `q === q` branch mends it to 0 and keeps a NaN input NaN (1.5 ms), so that relu(−∞) = 0 as in
 * TF and in the SIMD epilogue (f32x4.max).
 *
 * @example
 * const y = Float32Array.of(-1, 2, 3, -Infinity);
 * biasActivation(y, 0, 2, 2, Float32Array.of(0.5, 0.5), true);   // y = [0, 2.5, 3.5, 0]
 */
export function biasActivation(y: Float32Array, offset: number, rows: number, F: number, bias: Float32Array | null, relu: boolean): void {
  const end = offset + rows * F;
  if (bias === null) {
    if (relu) for (let i = offset; i < end; i++) { const v = y[i]!; const q = (v + Math.abs(v)) * 0.5; y[i] = q === q ? q : v === v ? 0 : v; }
    return;
  }
  for (let r = offset; r < end; r += F) {
    if (relu) {
      for (let f = 0; f < F; f++) { const v = y[r + f]! + bias[f]!; const q = (v + Math.abs(v)) * 0.5; y[r + f] = q === q ? q : v === v ? 0 : v; }
    } else {
      for (let f = 0; f < F; f++) y[r + f]! += bias[f]!;
    }
  }
}

/**
 * dz = dy·[y > 0], the relu's backward from the saved output, over all of dy; and if `sums` is
 * given, sums[f] += Σ_r dz[r, f] in float64 (the bias gradient), with rows of F numbers.
 *
 * NOTE: a product with the 0/1 mask, as TensorFlow's ReluGrad (a NaN in dy stays NaN), and
 * branch-free: 0.6 vs 3.5 ms for the ternary.
 *
 * @example
 * const dz = new Float32Array(4), sums = new Float64Array(2);
 * reluBackward(Float32Array.of(1, 2, 3, 4), Float32Array.of(5, -1, 0, 7), dz, 2, sums);
 * // dz = [1, 0, 0, 4]; sums = [1, 4]
 */
export function reluBackward(dy: Float32Array, y: Float32Array, dz: Float32Array, F: number, sums: Float64Array | null): void {
  for (let i = 0; i < dy.length; i++) dz[i] = dy[i]! * +(y[i]! > 0);
  if (sums !== null) columnSums(dz.length === dy.length ? dz : dz.subarray(0, dy.length), F, sums); // dz may be longer
}

/**
 * sums[f] += Σ over rows of a [rows, F] matrix, in float64: the bias gradient.
 *
 * @example
 * const sums = new Float64Array(2);
 * columnSums(Float32Array.of(1, 2, 3, 4), 2, sums);   // sums = [4, 6]
 */
export function columnSums(x: Float32Array, F: number, sums: Float64Array): void {
  for (let r = 0; r < x.length; r += F) {
    for (let f = 0; f < F; f++) sums[f]! += x[r + f]!;
  }
}
