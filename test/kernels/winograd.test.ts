// Winograd F(2×2, 3×3): each transform against its matrix definition (float64), the three
// directions of a convolution against a direct float64 convolution on awkward shapes, the adjoint
// identities between forward and backward, sub-chunking, and the engine's routing.

import { afterEach, describe, expect, it } from 'vitest';
import { conv2dGeometry, type Conv2DGeometry, type Padding } from '../../src/tensor/kernels/conv_geometry.js';
import { convBackward, convForward, getKernels, gemmCol2im, im2colGemm, im2colGemmT, setKernels, WINOGRAD_MIN_CHANNELS } from '../../src/tensor/kernels/engine.js';
import {
  WINOGRAD_MAX_FLOATS, winogradApplies, winogradStride, winogradConv, winogradConvBackward, winogradFilter,
  winogradFilterGrad, winogradInput, winogradInputGrad, winogradOutput, winogradOutputGrad, winogradTiles,
} from '../../src/tensor/kernels/winograd.js';
import { expectClose, randArray, rng } from '../helpers/index.js';

// The matrices of F(2×2, 3×3) (Lavin & Gray 2015), written out independently of the kernels'
// unrolled arithmetic.
const BT = [[1, 0, -1, 0], [0, 1, 1, 0], [0, -1, 1, 0], [0, 1, 0, -1]];
const G = [[1, 0, 0], [0.5, 0.5, 0.5], [0.5, -0.5, 0.5], [0, 0, 1]];
const AT = [[1, 1, 1, 0], [0, 1, -1, -1]];

type Mat = number[][];
const transposeM = (a: Mat): Mat => a[0]!.map((_, j) => a.map((row) => row[j]!));
const mul = (a: Mat, b: Mat): Mat => a.map((row) => b[0]!.map((_, j) => row.reduce((s, v, k) => s + v * b[k]![j]!, 0)));
/** L·X·R for small matrices. */
const sandwich = (l: Mat, x: Mat, r: Mat): Mat => mul(mul(l, x), r);

/** Tolerance relative to the largest reference value: the transforms' float32 roundings (see winograd.ts). */
function expectCloseScaled(actual: ArrayLike<number>, expected: ArrayLike<number>, rel = 1e-6): void {
  let scale = 0;
  for (let i = 0; i < expected.length; i++) scale = Math.max(scale, Math.abs(expected[i]!));
  expectClose(actual, expected, { rtol: 0, atol: rel * Math.max(scale, 1e-30) });
}

// ---- direct convolution in float64, the oracle ----------------------------------------------------

function refConv(x: Float32Array, w: Float32Array, g: Conv2DGeometry, F: number, bias: Float32Array | null, relu: boolean): Float64Array {
  const { batch, inH, inW, inC, outH, outW, padTop, padLeft } = g;
  const y = new Float64Array(batch * outH * outW * F);
  for (let b = 0; b < batch; b++)
    for (let oy = 0; oy < outH; oy++)
      for (let ox = 0; ox < outW; ox++)
        for (let f = 0; f < F; f++) {
          let s = bias === null ? 0 : bias[f]!;
          for (let ky = 0; ky < 3; ky++)
            for (let kx = 0; kx < 3; kx++) {
              const iy = oy + ky - padTop, ix = ox + kx - padLeft;
              if (iy < 0 || iy >= inH || ix < 0 || ix >= inW) continue;
              for (let c = 0; c < inC; c++) s += x[((b * inH + iy) * inW + ix) * inC + c]! * w[((ky * 3 + kx) * inC + c) * F + f]!;
            }
          y[((b * outH + oy) * outW + ox) * F + f] = relu ? Math.max(s, 0) : s;
        }
  return y;
}

/** dW and dx of Σ y·dz for the linear convolution, in float64. */
function refGrads(x: Float32Array, w: Float32Array, dz: Float32Array, g: Conv2DGeometry, F: number): { dW: Float64Array; dx: Float64Array } {
  const { batch, inH, inW, inC, outH, outW, padTop, padLeft } = g;
  const dW = new Float64Array(9 * inC * F);
  const dx = new Float64Array(x.length);
  for (let b = 0; b < batch; b++)
    for (let oy = 0; oy < outH; oy++)
      for (let ox = 0; ox < outW; ox++)
        for (let f = 0; f < F; f++) {
          const d = dz[((b * outH + oy) * outW + ox) * F + f]!;
          for (let ky = 0; ky < 3; ky++)
            for (let kx = 0; kx < 3; kx++) {
              const iy = oy + ky - padTop, ix = ox + kx - padLeft;
              if (iy < 0 || iy >= inH || ix < 0 || ix >= inW) continue;
              for (let c = 0; c < inC; c++) {
                const xi = ((b * inH + iy) * inW + ix) * inC + c, wi = ((ky * 3 + kx) * inC + c) * F + f;
                dW[wi]! += x[xi]! * d;
                dx[xi]! += w[wi]! * d;
              }
            }
        }
  return { dW, dx };
}

// ---- the transforms, one by one ---------------------------------------------------------------------

describe('Winograd transforms match their matrix definitions', () => {
  const rand = rng(31);

  it('filter: U = G·g·Gᵀ per channel pair, and dW = Gᵀ·dU·G (its adjoint)', () => {
    const C = 3, F = 2;
    const w = randArray(9 * C * F, rand);
    const U = new Float32Array(16 * C * F);
    winogradFilter(w, C, F, U);
    const dU = randArray(16 * C * F, rand);
    const dW = new Float32Array(9 * C * F);
    winogradFilterGrad(dU, C, F, dW, false);
    for (let c = 0; c < C; c++)
      for (let f = 0; f < F; f++) {
        const gm = [0, 1, 2].map((i) => [0, 1, 2].map((j) => w[((i * 3 + j) * C + c) * F + f]!));
        const u = sandwich(G, gm, transposeM(G));
        const du = [0, 1, 2, 3].map((i) => [0, 1, 2, 3].map((j) => dU[((i * 4 + j) * C + c) * F + f]!));
        const dg = sandwich(transposeM(G), du, G);
        for (let i = 0; i < 4; i++) for (let j = 0; j < 4; j++) expect(U[((i * 4 + j) * C + c) * F + f]).toBeCloseTo(u[i]![j]!, 6);
        for (let i = 0; i < 3; i++) for (let j = 0; j < 3; j++) expect(dW[((i * 3 + j) * C + c) * F + f]).toBeCloseTo(dg[i]![j]!, 5);
      }
    // accumulate adds to what is there.
    const twice = dW.slice();
    winogradFilterGrad(dU, C, F, twice, true);
    expectClose(twice, dW.map((v) => 2 * v), { rtol: 1e-6, atol: 1e-6 });
  });

  it('input: V = Bᵀ·d·B per tile and channel, zeros outside the image; and dx = Σ B·dV·Bᵀ (its adjoint)', () => {
    // 'same' on 5×6: pads 1 on each side, outputs 5×6, tiles 3×3 (the last row of tiles is cut).
    const g = conv2dGeometry(2, 5, 6, 2, 3, 3, 1, 1, 1, 1, 'same');
    const [tH, tW] = winogradTiles(g);
    expect([tH, tW]).toEqual([3, 3]);
    const C = g.inC;
    const x = randArray(2 * 5 * 6 * C, rand);
    // One image, b0 = 1, so the offsets of a chunk that does not start at 0 are exercised.
    const T = tH * tW;
    const S = winogradStride(T, C);
    const V = new Float32Array(16 * S);
    winogradInput(x, g, 1, 1, V);
    const dV = randArray(16 * S, rand);
    const dx = new Float32Array(x.length);
    winogradInputGrad(dV, g, 1, 1, dx);
    const dxRef = new Float64Array(x.length);
    const at = (iy: number, ix: number, c: number): number =>
      iy < 0 || iy >= 5 || ix < 0 || ix >= 6 ? 0 : x[((1 * 5 + iy) * 6 + ix) * C + c]!;
    for (let ty = 0; ty < tH; ty++)
      for (let tx = 0; tx < tW; tx++)
        for (let c = 0; c < C; c++) {
          const t = ty * tW + tx;
          const d = [0, 1, 2, 3].map((r) => [0, 1, 2, 3].map((s) => at(2 * ty - 1 + r, 2 * tx - 1 + s, c)));
          const v = sandwich(BT, d, transposeM(BT));
          const dv = [0, 1, 2, 3].map((i) => [0, 1, 2, 3].map((j) => dV[(i * 4 + j) * S + t * C + c]!));
          const dd = sandwich(transposeM(BT), dv, BT);
          for (let i = 0; i < 4; i++)
            for (let j = 0; j < 4; j++) {
              expect(V[(i * 4 + j) * S + t * C + c]).toBeCloseTo(v[i]![j]!, 5);
              const iy = 2 * ty - 1 + i, ix = 2 * tx - 1 + j;
              if (iy >= 0 && iy < 5 && ix >= 0 && ix < 6) dxRef[((1 * 5 + iy) * 6 + ix) * C + c]! += dd[i]![j]!;
            }
        }
    expectClose(dx, dxRef, { rtol: 1e-5, atol: 1e-5 });
    // Image 0 is not touched.
    expect(Array.from(dx.subarray(0, 5 * 6 * C)).every((v) => v === 0)).toBe(true);
  });

  it('output: y = Aᵀ·M·A (+ bias, relu) per tile, cut at odd edges; and dM = A·dz·Aᵀ (its adjoint)', () => {
    const g = conv2dGeometry(1, 7, 5, 1, 3, 3, 1, 1, 1, 1, 'valid'); // outputs 5×3: odd both ways
    const F = 3;
    const [tH, tW] = winogradTiles(g);
    expect([tH, tW]).toEqual([3, 2]);
    const T = tH * tW;
    const S = winogradStride(T, F);
    const M = randArray(16 * S, rand);
    const bias = randArray(F, rand);
    const y = new Float32Array(5 * 3 * F);
    const yRelu = new Float32Array(5 * 3 * F);
    winogradOutput(M, g, 0, 1, F, y, bias, false);
    winogradOutput(M, g, 0, 1, F, yRelu, bias, true);
    const dz = randArray(5 * 3 * F, rand);
    const dM = new Float32Array(16 * S);
    winogradOutputGrad(dz, g, 0, 1, F, dM);
    for (let ty = 0; ty < tH; ty++)
      for (let tx = 0; tx < tW; tx++)
        for (let f = 0; f < F; f++) {
          const t = ty * tW + tx;
          const m = [0, 1, 2, 3].map((i) => [0, 1, 2, 3].map((j) => M[(i * 4 + j) * S + t * F + f]!));
          const yt = sandwich(AT, m, transposeM(AT));
          const z = [0, 1].map((p) => [0, 1].map((q) => {
            const oy = 2 * ty + p, ox = 2 * tx + q;
            return oy < 5 && ox < 3 ? dz[(oy * 3 + ox) * F + f]! : 0;
          }));
          const dm = sandwich(transposeM(AT), z, AT);
          for (let p = 0; p < 2; p++)
            for (let q = 0; q < 2; q++) {
              const oy = 2 * ty + p, ox = 2 * tx + q;
              if (oy >= 5 || ox >= 3) continue;
              expect(y[(oy * 3 + ox) * F + f]).toBeCloseTo(yt[p]![q]! + bias[f]!, 5);
              expect(yRelu[(oy * 3 + ox) * F + f]).toBeCloseTo(Math.max(yt[p]![q]! + bias[f]!, 0), 5);
            }
          for (let i = 0; i < 4; i++) for (let j = 0; j < 4; j++) expect(dM[(i * 4 + j) * S + t * F + f]).toBeCloseTo(dm[i]![j]!, 5);
        }
  });

  it('relu as the GEMM epilogue: NaN stays NaN, −∞ becomes 0', () => {
    const g = conv2dGeometry(1, 4, 4, 1, 3, 3, 1, 1, 1, 1, 'valid');
    const S = winogradStride(1, 1);
    const M = new Float32Array(16 * S);
    M[0] = Number.NaN; // ξ = (0, 0) enters y[0,0] only (Aᵀ row 0 · column 0)
    M[15 * S] = Number.NEGATIVE_INFINITY; // ξ = (3, 3) enters y[1,1] only, with sign (−1)(−1) = +1: −∞
    const y = new Float32Array(4);
    winogradOutput(M, g, 0, 1, 1, y, null, true);
    expect(Number.isNaN(y[0]!)).toBe(true);
    expect(y[3]).toBe(0);
  });
});

// ---- whole convolutions -----------------------------------------------------------------------

interface ConvCase { name: string; n: number; h: number; w: number; c: number; f: number; padding: Padding }

const CASES: ConvCase[] = [
  { name: 'valid, even output (6×8 → 4×6)', n: 2, h: 6, w: 8, c: 3, f: 4, padding: 'valid' },
  { name: 'valid, odd output (7×5 → 5×3)', n: 3, h: 7, w: 5, c: 2, f: 5, padding: 'valid' },
  { name: "'same', odd input (5×7)", n: 2, h: 5, w: 7, c: 4, f: 3, padding: 'same' },
  { name: "'same', even input (6×4), one channel", n: 2, h: 6, w: 4, c: 1, f: 2, padding: 'same' },
  { name: 'the smallest: 3×3 → 1×1', n: 1, h: 3, w: 3, c: 2, f: 1, padding: 'valid' },
  { name: "'same' on 1×1 (every tap but the centre in the padding)", n: 2, h: 1, w: 1, c: 3, f: 2, padding: 'same' },
  { name: 'MNIST layer 2: 13×13×32 → 11×11×64', n: 2, h: 13, w: 13, c: 32, f: 64, padding: 'valid' },
  { name: "17 filters, 16 channels, 'same' 9×10", n: 2, h: 9, w: 10, c: 16, f: 17, padding: 'same' },
];

describe('Winograd convolution equals the direct one (float64 oracle)', () => {
  for (const cs of CASES) {
    it(cs.name, () => {
      const rand = rng(cs.h * 100 + cs.c);
      const g = conv2dGeometry(cs.n, cs.h, cs.w, cs.c, 3, 3, 1, 1, 1, 1, cs.padding);
      expect(winogradApplies(g)).toBe(true);
      const F = cs.f;
      const x = randArray(cs.n * cs.h * cs.w * cs.c, rand);
      const w = randArray(9 * cs.c * F, rand, { lo: -0.5, hi: 0.5 });
      const bias = randArray(F, rand);
      const P = g.outH * g.outW;
      // Forward, image by image from the back (chunks with b0 > 0), and all at once.
      for (const relu of [false, true]) {
        const whole = new Float32Array(cs.n * P * F);
        winogradConv(x, g, 0, cs.n, w, F, whole, bias, relu);
        expectCloseScaled(whole, refConv(x, w, g, F, bias, relu));
        const perImage = new Float32Array(cs.n * P * F);
        for (let b = cs.n - 1; b >= 0; b--) winogradConv(x, g, b, 1, w, F, perImage, bias, relu);
        expect(perImage).toEqual(whole);
      }
      // Backward of Σ y·dz.
      const dz = randArray(cs.n * P * F, rand);
      const ref = refGrads(x, w, dz, g, F);
      const dW = new Float32Array(9 * cs.c * F).fill(Number.NaN); // overwritten
      const dx = new Float32Array(x.length);
      winogradConvBackward(x, dz, g, 0, cs.n, w, F, dW, false, dx);
      expectCloseScaled(dW, ref.dW);
      expectCloseScaled(dx, ref.dx);
      // Per image: dW accumulates, dx adds into its image, on top of what dx held.
      const dWsum = new Float32Array(dW.length);
      const before = randArray(dx.length, rand);
      const dxSum = before.slice();
      for (let b = 0; b < cs.n; b++) winogradConvBackward(x, dz, g, b, 1, w, F, dWsum, b > 0, dxSum);
      expectCloseScaled(dWsum, ref.dW);
      expectCloseScaled(dxSum.map((v, i) => v - before[i]!), ref.dx, 2e-6); // the subtraction rounds too
      // Either gradient alone: the same numbers.
      const dWonly = new Float32Array(dW.length), dxOnly = new Float32Array(dx.length);
      winogradConvBackward(x, dz, g, 0, cs.n, w, F, dWonly, false, null);
      winogradConvBackward(x, dz, g, 0, cs.n, w, F, null, false, dxOnly);
      expect(dWonly).toEqual(dW);
      expect(dxOnly).toEqual(dx);
    });
  }

  it('the backward is the adjoint of the forward: <conv(x), dz> = <x, dx> = <w, dW>', () => {
    const rand = rng(8);
    const g = conv2dGeometry(2, 7, 6, 5, 3, 3, 1, 1, 1, 1, 'same');
    const F = 4;
    const x = randArray(2 * 7 * 6 * 5, rand), w = randArray(9 * 5 * F, rand);
    const y = new Float32Array(2 * 7 * 6 * F);
    winogradConv(x, g, 0, 2, w, F, y, null, false);
    const dz = randArray(y.length, rand);
    const dx = new Float32Array(x.length), dW = new Float32Array(w.length);
    winogradConvBackward(x, dz, g, 0, 2, w, F, dW, false, dx);
    const dot = (a: Float32Array, b: Float32Array): number => a.reduce((s, v, i) => s + v * b[i]!, 0);
    const yz = dot(y, dz);
    expect(dot(x, dx)).toBeCloseTo(yz, 3);
    expect(dot(w, dW)).toBeCloseTo(yz, 3);
  });

  /** Three 'same' images of n×n×C with 64 filters through every direction, against the oracle; returns y. */
  function threeImages(n: number, C: number, seed: number): { y: Float32Array; x: Float32Array; w: Float32Array; g: Conv2DGeometry } {
    const rand = rng(seed);
    const g = conv2dGeometry(3, n, n, C, 3, 3, 1, 1, 1, 1, 'same');
    const F = 64;
    const x = randArray(3 * n * n * C, rand), w = randArray(9 * C * F, rand);
    const y = new Float32Array(3 * n * n * F);
    winogradConv(x, g, 0, 3, w, F, y, null, false);
    expectCloseScaled(y, refConv(x, w, g, F, null, false));
    const dz = randArray(y.length, rand);
    const ref = refGrads(x, w, dz, g, F);
    const dW = new Float32Array(w.length), dx = new Float32Array(x.length);
    winogradConvBackward(x, dz, g, 0, 3, w, F, dW, false, dx);
    expectCloseScaled(dW, ref.dW);
    expectCloseScaled(dx, ref.dx);
    return { y, x, w, g };
  }

  it('sub-chunks of two images and an uneven last one (2 + 1) give the same results', () => {
    // 40×40 'same', 64 filters: 16·20·20·64 = 409,600 floats of M per image, so two fit the bound.
    threeImages(40, 3, 10);
  });

  it('no images: dW is zeroed (a sum over no patches), or left alone when accumulating', () => {
    const g = conv2dGeometry(2, 4, 4, 1, 3, 3, 1, 1, 1, 1, 'valid');
    const x = randArray(32, rng(1)), dz = randArray(8, rng(2)), w = randArray(9, rng(3));
    const dW = new Float32Array(9);
    winogradConvBackward(x, dz, g, 0, 2, w, 1, dW, false, null); // fills the scratch with a real dU
    const zero = new Float32Array(9).fill(5);
    winogradConvBackward(x, dz, g, 0, 0, w, 1, zero, false, null);
    expect(Array.from(zero)).toEqual(new Array(9).fill(0));
    const kept = new Float32Array(9).fill(5);
    winogradConvBackward(x, dz, g, 0, 0, w, 1, kept, true, null);
    expect(Array.from(kept)).toEqual(new Array(9).fill(5));
  });

  it('a NaN in the input reaches the same outputs as with im2col', () => {
    const g = conv2dGeometry(1, 6, 6, 2, 3, 3, 1, 1, 1, 1, 'same');
    const F = 2;
    const w = randArray(9 * 2 * F, rng(4));
    for (const at of [0, 7, 14, 35]) { // corner, inside, inside, far corner (pixel index)
      const x = randArray(6 * 6 * 2, rng(5));
      x[at * 2 + 1] = Number.NaN;
      const y = new Float32Array(36 * F);
      winogradConv(x, g, 0, 1, w, F, y, null, false);
      const ref = refConv(x, w, g, F, null, false);
      expect(Array.from(y, Number.isNaN)).toEqual(Array.from(ref, Number.isNaN));
    }
  });

  it(`splits a chunk whose transforms exceed ${WINOGRAD_MAX_FLOATS} floats into sub-chunks, with the same results`, () => {
    // 64×64 'same', 64 filters: 16·32·32·64 = 1,048,576 floats of M per image (the bound), so
    // one image per sub-chunk; three images take three sub-chunks.
    const { y, x, w, g } = threeImages(64, 2, 9);
    const one = new Float32Array(y.length);
    for (let b = 0; b < 3; b++) winogradConv(x, g, b, 1, w, 64, one, null, false);
    expect(y).toEqual(one);
  });
});

// ---- routing ---------------------------------------------------------------------------------

describe("convForward / convBackward: the 'js' kernels take Winograd for 3×3 stride-1 layers with enough channels", () => {
  const initial = getKernels();
  afterEach(() => setKernels(initial));

  /** [y, dW, dx] through the engine's routing, through Winograd, and through im2col + GEMM. */
  function convs(g: Conv2DGeometry, F: number): Record<'routed' | 'winograd' | 'im2col', Float32Array[]> {
    const rand = rng(g.inC);
    const x = randArray(g.batch * g.inH * g.inW * g.inC, rand), w = randArray(9 * g.inC * F, rand);
    const P = g.outH * g.outW;
    const dz = randArray(g.batch * P * F, rand);
    const cols = new Float32Array(g.batch * P * 9 * g.inC);
    const fresh = (): Float32Array[] => [new Float32Array(g.batch * P * F), new Float32Array(w.length), new Float32Array(x.length)];
    const routed = fresh(), winograd = fresh(), im2col = fresh();
    convForward(x, g, 0, g.batch, cols, w, F, routed[0]!, { bias: null, relu: false });
    convBackward(x, dz, g, 0, g.batch, cols, w, F, routed[1]!, false, routed[2]!);
    winogradConv(x, g, 0, g.batch, w, F, winograd[0]!, null, false);
    winogradConvBackward(x, dz, g, 0, g.batch, w, F, winograd[1]!, false, winograd[2]!);
    im2colGemm(x, g, 0, g.batch, cols, w, F, im2col[0]!, { bias: null, relu: false });
    im2colGemmT(x, g, 0, g.batch, cols, dz, F, im2col[1]!, false);
    gemmCol2im(dz, g, 0, g.batch, cols, w, F, im2col[2]!);
    return { routed, winograd, im2col };
  }
  const sameBits = (a: Float32Array[], b: Float32Array[]): boolean => a.every((v, i) => v.every((e, j) => e === b[i]![j]));

  it(`from ${WINOGRAD_MIN_CHANNELS} channels: Winograd's bits with 'js', im2col's with 'simd'`, () => {
    const g = conv2dGeometry(2, 6, 5, WINOGRAD_MIN_CHANNELS, 3, 3, 1, 1, 1, 1, 'same');
    setKernels('js');
    const js = convs(g, 3);
    expect(sameBits(js.routed, js.winograd)).toBe(true);
    expect(sameBits(js.winograd, js.im2col)).toBe(false); // the two algorithms round differently
    setKernels('simd');
    const simd = convs(g, 3);
    expect(sameBits(simd.routed, simd.im2col)).toBe(true);
  });

  it('below that many channels, or with a stride, a dilation or another kernel size: im2col', () => {
    setKernels('js');
    const few = convs(conv2dGeometry(2, 6, 5, WINOGRAD_MIN_CHANNELS - 1, 3, 3, 1, 1, 1, 1, 'same'), 3);
    expect(sameBits(few.routed, few.im2col)).toBe(true);
    expect(winogradApplies(conv2dGeometry(1, 6, 6, 16, 3, 3, 2, 2, 1, 1, 'same'))).toBe(false);
    expect(winogradApplies(conv2dGeometry(1, 6, 6, 16, 3, 3, 1, 1, 2, 2, 'same'))).toBe(false);
    expect(winogradApplies(conv2dGeometry(1, 6, 6, 16, 3, 2, 1, 1, 1, 1, 'same'))).toBe(false);
  });
});
