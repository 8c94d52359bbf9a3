/**
 * Winograd's minimal filtering, F(2×2, 3×3), for 3×3 convolutions with stride 1 and no dilation
 * (Lavin & Gray, "Fast Algorithms for Convolutional Neural Networks", 2015). The plain TypeScript
 * kernels use it for such layers (engine.ts decides): it does the same convolution with 2.25×
 * fewer multiplications than im2col + GEMM, which matters where the micro-kernel is bound by
 * instruction count, as JavaScript's is (gemm.ts).
 *
 * A 2×2 block of outputs reads a 4×4 patch d of the input. Instead of 2·2·9 = 36 multiply-adds
 * per channel, Winograd transforms the patch and the filter g into a 4×4 domain where the
 * convolution is an elementwise product, and transforms the product back:
 *
 *   Y = Aᵀ · [ (G·g·Gᵀ) ⊙ (Bᵀ·d·B) ] · A            16 multiplications per channel
 *
 *        ⎡1  0 −1  0⎤         ⎡1   0   0⎤         ⎡1  1  1  0⎤
 *   Bᵀ = ⎢0  1  1  0⎥     G = ⎢½   ½   ½⎥    Aᵀ = ⎣0  1 −1 −1⎦
 *        ⎢0 −1  1  0⎥         ⎢½  −½   ½⎥
 *        ⎣0  1  0 −1⎦         ⎣0   0   1⎦
 *
 * Summed over input channels, each of the 16 positions ξ of the transformed domain is a matrix
 * product over ALL tiles at once, so the work still runs through the GEMM:
 *
 *   V[ξ] [tiles, C] = (Bᵀ·d·B)[ξ]      U[ξ] [C, F] = (G·g·Gᵀ)[ξ]      M[ξ] = V[ξ] · U[ξ]
 *   y tile = Aᵀ · M[·, tile, f] · A,  then + bias and relu
 *
 * The backward is the adjoint of each step, in reverse order (every transform is linear):
 *
 *   dM[ξ] = (A·dz·Aᵀ)[ξ]               dz: the output gradient, 0 outside the output
 *   dU[ξ] = V[ξ]ᵀ · dM[ξ]              dW = Gᵀ · dU · G              (the filter gradient)
 *   dV[ξ] = dM[ξ] · U[ξ]ᵀ              dx += B · dV · Bᵀ, scattered back over the overlapping patches
 *
 * so the three directions of a layer each cost 16 GEMMs of [tiles × C × F] instead of one of
 * [pixels × 9C × F]: 2.25× fewer multiply-adds when the output is even-sized, 1.9× for MNIST's
 * 11×11 (the tiles cover 12×12).
 *
 * Layouts: V and dV are [16][T][C] and M and dM [16][T][F], with T = tiles of the chunk, tiles
 * row-major per image, and the 16 blocks winogradStride apart (a little more than T·C or T·F);
 * U and dU are [16][C][F]; x, y, dz, dx are NHWC; the kernel is Keras's
 * [3, 3, C, F].
 *
 * NOTE: numerics. The transforms only add, subtract and halve, in float64, and round once to
 * float32 when stored; the GEMM sums exact float64 products. The output transform then adds up
 * to 9 entries of M whose magnitudes can exceed the output's (cancellation), so the result
 * differs from im2col's by a few float32 roundings of the largest partial sum: measured ~1e-7
 * relative to max|y| on random data; the tests allow 1e-6.
 *
 * NOTE: infinities. The transforms add and subtract inputs before any product, so an infinite
 * input, weight or gradient meets another of the opposite sign in places (∞ − ∞) and gives NaN
 * in some of the outputs im2col makes ±∞ (and the relu keeps a NaN where it zeroes −∞); and an
 * input near the float32 limit (|x| > 8.5e37) can overflow in V where im2col stays finite. A
 * NaN input spreads to the same outputs as with im2col. Finite training data never meets this.
 */
import type { Conv2DGeometry } from './conv_geometry.js';
import { gemm } from './gemm.js';

/**
 * Each call transforms at most this many floats at a time (2²⁰ = 4 MiB each for V or dV and M or
 * dM, per image 16·tiles·C and 16·tiles·F): images are taken in sub-chunks that fit, or one at a
 * time if a single image needs more.
 */
export const WINOGRAD_MAX_FLOATS = 1 << 20;

/** Is this convolution one F(2×2, 3×3) computes: a 3×3 kernel, stride 1, no dilation? */
export function winogradApplies(g: Conv2DGeometry): boolean {
  return g.kH === 3 && g.kW === 3 && g.strideH === 1 && g.strideW === 1 && g.dilationH === 1 && g.dilationW === 1;
}

// ---- A convolution's forward and backward, on a chunk of images ----------------------------------
// The contracts of engine.ts's convForward / convBackward on the JavaScript path.

/**
 * y = act(conv(x, w) + bias) for images b0 … b0+count of the NHWC batch x: rows b0·P … of y
 * ([N·P, F], P = outH·outW). Requires {@link winogradApplies}; w is the Keras kernel [3, 3, C, F].
 *
 * @example
 * // 1×4×4×1 image of ones, 3×3 kernel of ones: every window sums to 9
 * const g = conv2dGeometry(1, 4, 4, 1, 3, 3, 1, 1, 1, 1, 'valid');
 * const y = new Float32Array(4);
 * winogradConv(new Float32Array(16).fill(1), g, 0, 1, new Float32Array(9).fill(1), 1, y, null, false);
 * // y = [9, 9, 9, 9]
 */
export function winogradConv(x: Float32Array, g: Conv2DGeometry, b0: number, count: number, w: Float32Array, F: number,
  y: Float32Array, bias: Float32Array | null, relu: boolean): void {
  if (count <= 0) return;
  const C = g.inC;
  const U = filterBuffer(0, 16 * C * F);
  winogradFilter(w, C, F, U);
  forEachSubChunk(g, b0, count, F, (s0, n, T, V, M) => {
    winogradInput(x, g, s0, n, V);
    const TC = winogradStride(T, C), TF = winogradStride(T, F);
    for (let xi = 0; xi < 16; xi++) gemm(false, false, T, F, C, V, xi * TC, C, U, xi * C * F, F, M, xi * TF, F, false);
    winogradOutput(M, g, s0, n, F, y, bias, relu);
  });
}

/**
 * The backward of {@link winogradConv} for the images b0 … b0+count, dz being the whole NHWC
 * output gradient [N·P, F] (after the relu's mask): dW (+)= the filter gradient, overwritten
 * unless `accumulate`; dx += the input gradient (the whole NHWC input gradient). Either may be
 * null when not wanted. dM = A·dz·Aᵀ is computed once and serves both.
 *
 * @example
 * // 1×4×4 image 1…16, 3×3 kernel of ones, dz = 1 on the 2×2 output
 * const g = conv2dGeometry(1, 4, 4, 1, 3, 3, 1, 1, 1, 1, 'valid');
 * const dW = new Float32Array(9), dx = new Float32Array(16);
 * winogradConvBackward(Float32Array.from({ length: 16 }, (_, i) => i + 1), new Float32Array(4).fill(1), g, 0, 1,
 *   new Float32Array(9).fill(1), 1, dW, false, dx);
 * // dW = [14, 18, 22,  30, 34, 38,  46, 50, 54]: each tap summed over the 2×2 windows
 * // dx = [1, 2, 2, 1,  2, 4, 4, 2,  2, 4, 4, 2,  1, 2, 2, 1]: how many windows cover each pixel
 */
export function winogradConvBackward(x: Float32Array, dz: Float32Array, g: Conv2DGeometry, b0: number, count: number,
  w: Float32Array, F: number, dW: Float32Array | null, accumulate: boolean, dx: Float32Array | null): void {
  if (count <= 0) {
    if (dW !== null && !accumulate) dW.fill(0); // as a GEMM over no patches
    return;
  }
  if (dW === null && dx === null) return;
  const C = g.inC;
  const U = dx === null ? null : filterBuffer(0, 16 * C * F);
  if (U !== null) winogradFilter(w, C, F, U);
  const dU = dW === null ? null : filterBuffer(1, 16 * C * F);
  let first = true; // the first sub-chunk overwrites dU
  forEachSubChunk(g, b0, count, F, (s0, n, T, V, dM) => {
    const TC = winogradStride(T, C), TF = winogradStride(T, F);
    winogradOutputGrad(dz, g, s0, n, F, dM);
    if (dU !== null) {
      winogradInput(x, g, s0, n, V);
      for (let xi = 0; xi < 16; xi++) gemm(true, false, C, F, T, V, xi * TC, C, dM, xi * TF, F, dU, xi * C * F, F, !first);
      first = false;
    }
    if (U !== null && dx !== null) {
      const dV = V; // V is used up: dV takes its place
      for (let xi = 0; xi < 16; xi++) gemm(false, true, T, C, F, dM, xi * TF, F, U, xi * C * F, F, dV, xi * TC, C, false);
      winogradInputGrad(dV, g, s0, n, dx);
    }
  });
  if (dW !== null && dU !== null) winogradFilterGrad(dU, C, F, dW, accumulate);
}

/**
 * Calls `step(first image, images, tiles, V-sized buffer, M-sized buffer)` on sub-chunks of the
 * images b0 … b0+count small enough for {@link WINOGRAD_MAX_FLOATS}.
 */
function forEachSubChunk(g: Conv2DGeometry, b0: number, count: number, F: number,
  step: (s0: number, n: number, T: number, V: Float32Array, M: Float32Array) => void): void {
  const [tilesH, tilesW] = winogradTiles(g);
  const perImage = 16 * tilesH * tilesW * Math.max(g.inC, F);
  const fit = Math.max(1, Math.floor(WINOGRAD_MAX_FLOATS / perImage));
  const n = Math.ceil(count / Math.ceil(count / fit)); // spread evenly
  const V = transformBuffer(0, 16 * winogradStride(n * tilesH * tilesW, g.inC));
  const M = transformBuffer(1, 16 * winogradStride(n * tilesH * tilesW, F));
  for (let s0 = b0; s0 < b0 + count; s0 += n) {
    const images = Math.min(n, b0 + count - s0);
    step(s0, images, images * tilesH * tilesW, V, M);
  }
}

/**
 * The distance between two positions ξ in V, dV (`n` = C) or M, dM (`n` = F) for T tiles: T·n
 * plus 16 floats. Without the 64 bytes, T·n·4 bytes is often a multiple of 4 KiB (576 tiles × 64
 * filters is 36 × 4 KiB), and then the 16 streams a transform reads or writes together all map to
 * the same L1 cache sets and evict one another: the output gradient measured 3.7 → 0.9 ms a batch
 * in the MNIST convnet with the padding.
 */
export function winogradStride(T: number, n: number): number {
  return T * n + 16;
}

/** Tiles of 2×2 outputs per image: [rows, columns] (a partial tile on an odd edge counts). */
export function winogradTiles(g: Conv2DGeometry): [number, number] {
  return [(g.outH + 1) >> 1, (g.outW + 1) >> 1];
}

/**
 * U[ξ][c][f] = (G·g·Gᵀ)[ξ] for every channel pair: the transformed filter, from the Keras kernel
 * w [3, 3, C, F]. U holds 16·C·F floats.
 *
 * @example
 * // One channel, one filter, the 3×3 kernel of ones: G·1·Gᵀ has rows [1 1.5 .5 1], [1.5 2.25 .75 1.5], ...
 * const U = new Float32Array(16);
 * winogradFilter(new Float32Array(9).fill(1), 1, 1, U);
 * // U = [1, 1.5, 0.5, 1,  1.5, 2.25, 0.75, 1.5,  0.5, 0.75, 0.25, 0.5,  1, 1.5, 0.5, 1]
 */
export function winogradFilter(w: Float32Array, C: number, F: number, U: Float32Array): void {
  const CF = C * F; // distance between taps in w, and between positions ξ in U
  for (let cf = 0; cf < CF; cf++) {
    const g00 = w[cf]!, g01 = w[cf + CF]!, g02 = w[cf + 2 * CF]!;
    const g10 = w[cf + 3 * CF]!, g11 = w[cf + 4 * CF]!, g12 = w[cf + 5 * CF]!;
    const g20 = w[cf + 6 * CF]!, g21 = w[cf + 7 * CF]!, g22 = w[cf + 8 * CF]!;
    // t = G·g (4×3), row by row.
    const t10 = 0.5 * (g00 + g10 + g20), t11 = 0.5 * (g01 + g11 + g21), t12 = 0.5 * (g02 + g12 + g22);
    const t20 = 0.5 * (g00 - g10 + g20), t21 = 0.5 * (g01 - g11 + g21), t22 = 0.5 * (g02 - g12 + g22);
    // u = t·Gᵀ (4×4): the same combination along each row.
    let o = cf;
    o = filterRow(g00, g01, g02, U, o, CF);
    o = filterRow(t10, t11, t12, U, o, CF);
    o = filterRow(t20, t21, t22, U, o, CF);
    filterRow(g20, g21, g22, U, o, CF);
  }
}

/** One row of t·Gᵀ: [a, (a+b+c)/2, (a−b+c)/2, c], stored CF apart from `o`; returns the next o. */
function filterRow(a: number, b: number, c: number, U: Float32Array, o: number, CF: number): number {
  U[o] = a;
  U[o + CF] = 0.5 * (a + b + c);
  U[o + 2 * CF] = 0.5 * (a - b + c);
  U[o + 3 * CF] = c;
  return o + 4 * CF;
}

/**
 * dW (+)= Gᵀ·dU[·][c][f]·G for every channel pair: the adjoint of {@link winogradFilter}, from the
 * transformed-domain gradient dU [16][C][F] to the kernel gradient [3, 3, C, F]. dW is overwritten
 * unless `accumulate`.
 *
 * @example
 * // dU of ones (one channel, one filter): Gᵀ·1·G, where the columns of G sum to [2, 0, 2].
 * const dW = new Float32Array(9);
 * winogradFilterGrad(new Float32Array(16).fill(1), 1, 1, dW, false);
 * // dW = [4, 0, 4,  0, 0, 0,  4, 0, 4]
 */
export function winogradFilterGrad(dU: Float32Array, C: number, F: number, dW: Float32Array, accumulate: boolean): void {
  const CF = C * F;
  for (let cf = 0; cf < CF; cf++) {
    // s = Gᵀ·dU (3×4): rows s0 = u0 + (u1+u2)/2, s1 = (u1−u2)/2, s2 = (u1+u2)/2 + u3.
    const s = gradRows;
    for (let j = 0; j < 4; j++) {
      const u0 = dU[cf + j * CF]!, u1 = dU[cf + (4 + j) * CF]!, u2 = dU[cf + (8 + j) * CF]!, u3 = dU[cf + (12 + j) * CF]!;
      const half = 0.5 * (u1 + u2);
      s[j] = u0 + half;
      s[4 + j] = 0.5 * (u1 - u2);
      s[8 + j] = half + u3;
    }
    // dW = s·G (3×3): the same combination along each row.
    for (let i = 0; i < 3; i++) {
      const u0 = s[4 * i]!, u1 = s[4 * i + 1]!, u2 = s[4 * i + 2]!, u3 = s[4 * i + 3]!;
      const half = 0.5 * (u1 + u2);
      const o = cf + 3 * i * CF;
      if (accumulate) {
        dW[o] += u0 + half;
        dW[o + CF] += 0.5 * (u1 - u2);
        dW[o + 2 * CF] += half + u3;
      } else {
        dW[o] = u0 + half;
        dW[o + CF] = 0.5 * (u1 - u2);
        dW[o + 2 * CF] = half + u3;
      }
    }
  }
}

/** Gᵀ·dU for one channel pair, in float64. */
const gradRows = new Float64Array(12);

/**
 * V[ξ][t][c] = (Bᵀ·d·B)[ξ] for the 4×4 input patch d of every tile t of images b0 … b0+count of
 * the NHWC batch x, channel by channel: the transformed input. V holds 16·winogradStride(T, C)
 * floats (T = count · tiles per image). Patch cells in the padding, or past the input on an odd
 * edge, are zeros.
 *
 * @example
 * // A 4×4 one-channel image is one tile; its transform has Bᵀ·d·B[0] = d00 − d02 − d20 + d22.
 * const g = conv2dGeometry(1, 4, 4, 1, 3, 3, 1, 1, 1, 1, 'valid');
 * const S = winogradStride(1, 1);                   // one tile, one channel: ξ at V[ξ·S]
 * const V = new Float32Array(16 * S);
 * winogradInput(Float32Array.from({ length: 16 }, (_, i) => i), g, 0, 1, V);
 * // V[0] = 0 − 2 − 8 + 10 = 0
 */
export function winogradInput(x: Float32Array, g: Conv2DGeometry, b0: number, count: number, V: Float32Array): void {
  const C = g.inC;
  const TC = winogradStride(tileCount(g, count), C); // distance between positions ξ in V
  const xRow = g.inW * C;
  const patch = patchBuffer(16 * C);
  forEachTile(g, b0, count, (t, b, iy, ix, inside) => {
    if (inside) {
      inputTile(x, ((b * g.inH + iy) * g.inW + ix) * C, xRow, C, V, t * C, TC);
    } else {
      // On the border: copy the patch's in-image cells into a zeroed 4×4×C patch first.
      patch.fill(0, 0, 16 * C);
      borderPatch(x, patch, g, b, iy, ix, true);
      inputTile(patch, 0, 4 * C, C, V, t * C, TC);
    }
  });
}

/** Tiles in `count` images. */
function tileCount(g: Conv2DGeometry, count: number): number {
  const [tilesH, tilesW] = winogradTiles(g);
  return count * tilesH * tilesW;
}

/**
 * Calls `visit(t, b, iy, ix, inside)` for every tile t of images b0 … b0+count, in V's order:
 * (iy, ix) is the top-left corner of the tile's 4×4 input patch in image b (negative in the
 * padding), and `inside` tells whether the whole patch lies in the image.
 */
function forEachTile(g: Conv2DGeometry, b0: number, count: number,
  visit: (t: number, b: number, iy: number, ix: number, inside: boolean) => void): void {
  const { inH, inW, padTop, padLeft } = g;
  const [tilesH, tilesW] = winogradTiles(g);
  let t = 0;
  for (let b = b0; b < b0 + count; b++) {
    for (let ty = 0; ty < tilesH; ty++) {
      const iy = 2 * ty - padTop;
      for (let tx = 0; tx < tilesW; tx++, t++) {
        const ix = 2 * tx - padLeft;
        visit(t, b, iy, ix, iy >= 0 && ix >= 0 && iy + 4 <= inH && ix + 4 <= inW);
      }
    }
  }
}

/**
 * For a tile on the border, whose 4×4×C patch at (iy, ix) of image b sticks out of the image:
 * copies the patch's in-image cells from `image` into `patch` (`gather`), or adds them from
 * `patch` back into `image` (the adjoint). Cells outside the image are left alone / dropped.
 */
function borderPatch(image: Float32Array, patch: Float32Array, g: Conv2DGeometry, b: number, iy: number, ix: number, gather: boolean): void {
  const { inH, inW, inC: C } = g;
  for (let r = 0; r < 4; r++) {
    if (iy + r < 0 || iy + r >= inH) continue;
    for (let s = 0; s < 4; s++) {
      if (ix + s < 0 || ix + s >= inW) continue;
      const at = ((b * inH + iy + r) * inW + ix + s) * C;
      const p = (4 * r + s) * C;
      if (gather) for (let c = 0; c < C; c++) patch[p + c] = image[at + c]!;
      else for (let c = 0; c < C; c++) image[at + c] += patch[p + c]!;
    }
  }
}

/**
 * Bᵀ·d·B for the 4×4×C patch at `src` (rows `rowStride` apart, C channels per cell), written to
 * V[dst + ξ·TC + c]. Bᵀ·d: rows d0 − d2, d1 + d2, d2 − d1, d1 − d3; then the same along columns.
 */
function inputTile(x: Float32Array, src: number, rowStride: number, C: number, V: Float32Array, dst: number, TC: number): void {
  const r1 = src + rowStride, r2 = r1 + rowStride, r3 = r2 + rowStride;
  const C2 = 2 * C, C3 = 3 * C;
  for (let c = 0; c < C; c++) {
    // Rows of Bᵀ·d, column j = 0..3 of the patch.
    const d00 = x[src + c]!, d01 = x[src + C + c]!, d02 = x[src + C2 + c]!, d03 = x[src + C3 + c]!;
    const d10 = x[r1 + c]!, d11 = x[r1 + C + c]!, d12 = x[r1 + C2 + c]!, d13 = x[r1 + C3 + c]!;
    const d20 = x[r2 + c]!, d21 = x[r2 + C + c]!, d22 = x[r2 + C2 + c]!, d23 = x[r2 + C3 + c]!;
    const d30 = x[r3 + c]!, d31 = x[r3 + C + c]!, d32 = x[r3 + C2 + c]!, d33 = x[r3 + C3 + c]!;
    const t00 = d00 - d20, t01 = d01 - d21, t02 = d02 - d22, t03 = d03 - d23;
    const t10 = d10 + d20, t11 = d11 + d21, t12 = d12 + d22, t13 = d13 + d23;
    const t20 = d20 - d10, t21 = d21 - d11, t22 = d22 - d12, t23 = d23 - d13;
    const t30 = d10 - d30, t31 = d11 - d31, t32 = d12 - d32, t33 = d13 - d33;
    // ·B along each row: [t0 − t2, t1 + t2, t2 − t1, t1 − t3].
    let o = dst + c;
    V[o] = t00 - t02; V[o + TC] = t01 + t02; V[o + 2 * TC] = t02 - t01; V[o + 3 * TC] = t01 - t03; o += 4 * TC;
    V[o] = t10 - t12; V[o + TC] = t11 + t12; V[o + 2 * TC] = t12 - t11; V[o + 3 * TC] = t11 - t13; o += 4 * TC;
    V[o] = t20 - t22; V[o + TC] = t21 + t22; V[o + 2 * TC] = t22 - t21; V[o + 3 * TC] = t21 - t23; o += 4 * TC;
    V[o] = t30 - t32; V[o + TC] = t31 + t32; V[o + 2 * TC] = t32 - t31; V[o + 3 * TC] = t31 - t33;
  }
}

/**
 * dx += B·dV[·][t][c]·Bᵀ for every tile t of images b0 … b0+count, scattered onto each tile's 4×4
 * input patch (patches of neighbouring tiles overlap by two rows or columns, so this adds):
 * the adjoint of {@link winogradInput}; dV is laid out as V. Cells in the padding are dropped.
 *
 * @example
 * const g = conv2dGeometry(1, 4, 4, 1, 3, 3, 1, 1, 1, 1, 'valid');
 * const dx = new Float32Array(16);
 * const dV = new Float32Array(16 * winogradStride(1, 1));
 * dV[5 * winogradStride(1, 1)] = 1;    // ξ = (1, 1): Bᵀ row 1 = [0 1 1 0] on both sides
 * winogradInputGrad(dV, g, 0, 1, dx);
 * // dx = 1 at (1,1), (1,2), (2,1), (2,2); 0 elsewhere
 */
export function winogradInputGrad(dV: Float32Array, g: Conv2DGeometry, b0: number, count: number, dx: Float32Array): void {
  const C = g.inC;
  const TC = winogradStride(tileCount(g, count), C);
  const xRow = g.inW * C;
  const patch = patchBuffer(16 * C);
  forEachTile(g, b0, count, (t, b, iy, ix, inside) => {
    if (inside) {
      inputTileGrad(dV, t * C, TC, C, dx, ((b * g.inH + iy) * g.inW + ix) * C, xRow);
    } else {
      patch.fill(0, 0, 16 * C);
      inputTileGrad(dV, t * C, TC, C, patch, 0, 4 * C);
      borderPatch(dx, patch, g, b, iy, ix, false);
    }
  });
}

/**
 * Adds B·v·Bᵀ, v = dV[src + ξ·TC + c], to the 4×4×C patch at `dst` of dx (rows `rowStride` apart).
 * B·v: rows v0, v1 − v2 + v3, v1 + v2 − v0, −v3; then the same along columns.
 */
function inputTileGrad(dV: Float32Array, src: number, TC: number, C: number, dx: Float32Array, dst: number, rowStride: number): void {
  const r1 = dst + rowStride, r2 = r1 + rowStride, r3 = r2 + rowStride;
  const C2 = 2 * C, C3 = 3 * C;
  for (let c = 0; c < C; c++) {
    let i = src + c;
    const v00 = dV[i]!, v01 = dV[i + TC]!, v02 = dV[i + 2 * TC]!, v03 = dV[i + 3 * TC]!; i += 4 * TC;
    const v10 = dV[i]!, v11 = dV[i + TC]!, v12 = dV[i + 2 * TC]!, v13 = dV[i + 3 * TC]!; i += 4 * TC;
    const v20 = dV[i]!, v21 = dV[i + TC]!, v22 = dV[i + 2 * TC]!, v23 = dV[i + 3 * TC]!; i += 4 * TC;
    const v30 = dV[i]!, v31 = dV[i + TC]!, v32 = dV[i + 2 * TC]!, v33 = dV[i + 3 * TC]!;
    // B·v, row by row.
    const t00 = v00, t01 = v01, t02 = v02, t03 = v03;
    const t10 = v10 - v20 + v30, t11 = v11 - v21 + v31, t12 = v12 - v22 + v32, t13 = v13 - v23 + v33;
    const t20 = v10 + v20 - v00, t21 = v11 + v21 - v01, t22 = v12 + v22 - v02, t23 = v13 + v23 - v03;
    const t30 = -v30, t31 = -v31, t32 = -v32, t33 = -v33;
    // ·Bᵀ along each row: [t0, t1 − t2 + t3, t1 + t2 − t0, −t3].
    dx[dst + c] += t00; dx[dst + C + c] += t01 - t02 + t03; dx[dst + C2 + c] += t01 + t02 - t00; dx[dst + C3 + c] -= t03;
    dx[r1 + c] += t10; dx[r1 + C + c] += t11 - t12 + t13; dx[r1 + C2 + c] += t11 + t12 - t10; dx[r1 + C3 + c] -= t13;
    dx[r2 + c] += t20; dx[r2 + C + c] += t21 - t22 + t23; dx[r2 + C2 + c] += t21 + t22 - t20; dx[r2 + C3 + c] -= t23;
    dx[r3 + c] += t30; dx[r3 + C + c] += t31 - t32 + t33; dx[r3 + C2 + c] += t31 + t32 - t30; dx[r3 + C3 + c] -= t33;
  }
}

/**
 * y = act(Aᵀ·M[·][t][f]·A + bias) for every tile t of images b0 … b0+count (M: 16 blocks
 * winogradStride(T, F) apart): the output transform,
 * writing the tile's 2×2 outputs (fewer on an odd edge) into the NHWC output y, then the bias and
 * relu as the GEMM's epilogue does (see epilogue.ts for the relu's form).
 *
 * @example
 * // One tile, one filter, M = 1 at ξ = 5 (row 1, column 1): Aᵀ column 1 = [1, 1] on both sides.
 * const g = conv2dGeometry(1, 4, 4, 1, 3, 3, 1, 1, 1, 1, 'valid');
 * const M = new Float32Array(16 * winogradStride(1, 1));
 * M[5 * winogradStride(1, 1)] = 1;
 * const y = new Float32Array(4);
 * winogradOutput(M, g, 0, 1, 1, y, null, false);
 * // y = [1, 1, 1, 1]
 */
export function winogradOutput(M: Float32Array, g: Conv2DGeometry, b0: number, count: number, F: number,
  y: Float32Array, bias: Float32Array | null, relu: boolean): void {
  const { outH, outW } = g;
  const [tilesH, tilesW] = winogradTiles(g);
  const TF = winogradStride(tileCount(g, count), F); // distance between positions ξ in M
  const yRow = outW * F;
  let m = 0; // M[0][t][0] of the current tile
  for (let b = b0; b < b0 + count; b++) {
    for (let ty = 0; ty < tilesH; ty++) {
      const oy = 2 * ty;
      const bottom = oy + 1 < outH; // the tile's second row exists
      for (let tx = 0; tx < tilesW; tx++, m += F) {
        const ox = 2 * tx;
        const right = ox + 1 < outW;
        const y00 = ((b * outH + oy) * outW + ox) * F;
        for (let f = 0; f < F; f++) {
          let i = m + f;
          const m00 = M[i]!, m01 = M[i + TF]!, m02 = M[i + 2 * TF]!, m03 = M[i + 3 * TF]!; i += 4 * TF;
          const m10 = M[i]!, m11 = M[i + TF]!, m12 = M[i + 2 * TF]!, m13 = M[i + 3 * TF]!; i += 4 * TF;
          const m20 = M[i]!, m21 = M[i + TF]!, m22 = M[i + 2 * TF]!, m23 = M[i + 3 * TF]!; i += 4 * TF;
          const m30 = M[i]!, m31 = M[i + TF]!, m32 = M[i + 2 * TF]!, m33 = M[i + 3 * TF]!;
          // Aᵀ·M (2×4): rows m0 + m1 + m2 and m1 − m2 − m3.
          const s0 = m00 + m10 + m20, s1 = m01 + m11 + m21, s2 = m02 + m12 + m22, s3 = m03 + m13 + m23;
          const u0 = m10 - m20 - m30, u1 = m11 - m21 - m31, u2 = m12 - m22 - m32, u3 = m13 - m23 - m33;
          const add = bias === null ? 0 : bias[f]!;
          y[y00 + f] = activate(s0 + s1 + s2 + add, relu);
          if (right) y[y00 + F + f] = activate(s1 - s2 - s3 + add, relu);
          if (bottom) {
            y[y00 + yRow + f] = activate(u0 + u1 + u2 + add, relu);
            if (right) y[y00 + yRow + F + f] = activate(u1 - u2 - u3 + add, relu);
          }
        }
      }
    }
  }
}

/** relu as biasActivation (epilogue.ts) writes it: exact, branch-free, NaN kept, relu(−∞) = 0. */
function activate(v: number, relu: boolean): number {
  if (!relu) return v;
  const q = (v + Math.abs(v)) * 0.5;
  return q === q ? q : v === v ? 0 : v;
}

/**
 * dM[ξ][t][f] = (A·dz·Aᵀ)[ξ] for every tile t of images b0 … b0+count, dz being the NHWC output
 * gradient with zeros where a tile sticks out of the output: the adjoint of
 * {@link winogradOutput}'s transform; dM is laid out as M.
 *
 * @example
 * const g = conv2dGeometry(1, 4, 4, 1, 3, 3, 1, 1, 1, 1, 'valid');
 * const S = winogradStride(1, 1);
 * const dM = new Float32Array(16 * S);
 * winogradOutputGrad(Float32Array.of(1, 0, 0, 0), g, 0, 1, 1, dM);
 * // dM[ξ·S] = 1 for ξ = (i, j) with i, j < 3, and 0 for ξ in row or column 3: the outer product of [1, 1, 1, 0]
 */
export function winogradOutputGrad(dz: Float32Array, g: Conv2DGeometry, b0: number, count: number, F: number, dM: Float32Array): void {
  const { outH, outW } = g;
  const [tilesH, tilesW] = winogradTiles(g);
  const TF = winogradStride(tileCount(g, count), F);
  const yRow = outW * F;
  let m = 0;
  for (let b = b0; b < b0 + count; b++) {
    for (let ty = 0; ty < tilesH; ty++) {
      const oy = 2 * ty;
      const bottom = oy + 1 < outH;
      for (let tx = 0; tx < tilesW; tx++, m += F) {
        const ox = 2 * tx;
        const right = ox + 1 < outW;
        const z = ((b * outH + oy) * outW + ox) * F;
        if (right && bottom) {
          for (let f = 0; f < F; f++) tileGrad(dz[z + f]!, dz[z + F + f]!, dz[z + yRow + f]!, dz[z + yRow + F + f]!, dM, m + f, TF);
        } else {
          // An edge tile: the outputs past the edge have no gradient.
          for (let f = 0; f < F; f++) {
            tileGrad(dz[z + f]!, right ? dz[z + F + f]! : 0, bottom ? dz[z + yRow + f]! : 0, right && bottom ? dz[z + yRow + F + f]! : 0, dM, m + f, TF);
          }
        }
      }
    }
  }
}

/** Writes A·z·Aᵀ for the 2×2 tile z to dM[i + ξ·TF]. A·z: rows z0, z0 + z1, z0 − z1, −z1; then along columns. */
function tileGrad(z00: number, z01: number, z10: number, z11: number, dM: Float32Array, i: number, TF: number): void {
  const a0 = z00, a1 = z01;
  const b0 = z00 + z10, b1 = z01 + z11;
  const c0 = z00 - z10, c1 = z01 - z11;
  const d0 = -z10, d1 = -z11;
  dM[i] = a0; dM[i + TF] = a0 + a1; dM[i + 2 * TF] = a0 - a1; dM[i + 3 * TF] = -a1; i += 4 * TF;
  dM[i] = b0; dM[i + TF] = b0 + b1; dM[i + 2 * TF] = b0 - b1; dM[i + 3 * TF] = -b1; i += 4 * TF;
  dM[i] = c0; dM[i + TF] = c0 + c1; dM[i + 2 * TF] = c0 - c1; dM[i + 3 * TF] = -c1; i += 4 * TF;
  dM[i] = d0; dM[i + TF] = d0 + d1; dM[i + 2 * TF] = d0 - d1; dM[i + 3 * TF] = -d1;
}

// ---- scratch buffers, reused by every call (JS is single-threaded; nothing here calls back out) --
// Each is kept only up to WINOGRAD_MAX_FLOATS (plus the ξ padding): a larger one (a single image,
// or a filter bank of 16·C·F, bigger than the bound) is allocated for its call and dropped, so
// one huge layer does not pin its memory for the life of the process.

const KEEP_FLOATS = WINOGRAD_MAX_FLOATS + 16 * 16;

let patchScratch = new Float32Array(0); // a 4×4×C patch for border tiles
const filterScratch = [new Float32Array(0), new Float32Array(0)]; // U, dU
const transformScratch = [new Float32Array(0), new Float32Array(0)]; // V or dV, M or dM

function patchBuffer(floats: number): Float32Array {
  if (patchScratch.length < floats) patchScratch = new Float32Array(floats);
  return patchScratch;
}

function filterBuffer(which: 0 | 1, floats: number): Float32Array {
  if (floats > KEEP_FLOATS) return new Float32Array(floats);
  if (filterScratch[which]!.length < floats) filterScratch[which] = new Float32Array(floats);
  return filterScratch[which]!;
}

function transformBuffer(which: 0 | 1, floats: number): Float32Array {
  if (floats > KEEP_FLOATS) return new Float32Array(floats);
  if (transformScratch[which]!.length < floats) transformScratch[which] = new Float32Array(floats);
  return transformScratch[which]!;
}
