/**
 * Depthwise 2-D convolution over NHWC arrays: every input channel is convolved with its own
 * `M` filters (the depth multiplier) and nothing mixes channels, so there is no product to hand
 * to a GEMM; these are the tight loops of their own that do it, forward and both gradients.
 *
 *   y[n, oh, ow, c·M + m] = Σ_{a, b} x[n, oh·sH + a·dH − padTop, ow·sW + b·dW − padLeft, c] · W[a, b, c, m]
 *
 * with W the Keras kernel `[kh, kw, C, M]`, so output channel `c·M + m` is input channel c under
 * filter m (Keras and TF order). The geometry is conv2d's (conv_geometry.ts) with inC = C.
 *
 * Why the loops look the way they do:
 * - In NHWC the C channels of one pixel are adjacent, and so are the C·M numbers of one kernel
 *   tap and of one output pixel: each tap is one pass over three contiguous runs, which V8
 *   keeps in registers and bounds-check free. M = 1 (the usual case: MobileNet) gets its own
 *   loop without the inner m loop.
 * - As in im2col and pooling, the taps of a window inside the image are found once per output
 *   row and column (firstTap/endTap), so padded taps cost nothing and need no test per tap.
 * - The forward and the filter gradient sum in float64 (one output pixel in a scratch row, the
 *   whole filter gradient in a float64 array), as gemm.ts does, so a long sum over the batch
 *   does not lose digits; the input gradient scatter-adds into the float32 dx, as col2im does.
 */
import { endTap, firstTap, type Conv2DGeometry } from './conv_geometry.js';

/** A float64 row reused by the forward (one output pixel), grown as needed. */
let rowScratch = new Float64Array(0);

function scratchRow(n: number): Float64Array {
  if (rowScratch.length < n) rowScratch = new Float64Array(n);
  return rowScratch;
}

/**
 * Depthwise convolution forward: `y` ([N, outH, outW, C·M]) = depthwise(x, W) + bias. `bias`
 * (C·M numbers) may be null. Overwrites y.
 *
 * @example
 * // one 3×3 image of two channels, a 2×2 kernel of ones, M = 1: every window's sum per channel
 * const g = conv2dGeometry(1, 3, 3, 2, 2, 2, 1, 1, 1, 1, 'valid');
 * const x = Float32Array.from({ length: 18 }, (_, i) => i % 2 === 0 ? 1 : 10);
 * const y = new Float32Array(8);
 * depthwiseForward(x, g, new Float32Array(8).fill(1), 1, null, y);   // y = [4, 40, 4, 40, 4, 40, 4, 40]
 */
export function depthwiseForward(x: Float32Array, g: Conv2DGeometry, w: Float32Array, M: number, bias: Float32Array | null, y: Float32Array): void {
  const { batch, inH, inW, inC: C, kH, kW, strideH, strideW, dilationH, dilationW, padTop, padLeft, outH, outW } = g;
  const CM = C * M;
  const xRow = inW * C;
  const xImg = inH * xRow;
  const acc = scratchRow(CM);
  const owInLo = firstTap(-padLeft, strideW, outW);
  const owInHi = endTap((kW - 1) * dilationW - padLeft, strideW, outW, inW, owInLo);
  let o = 0;
  for (let n = 0; n < batch; n++) {
    const xb = n * xImg;
    for (let oh = 0; oh < outH; oh++) {
      const ih0 = oh * strideH - padTop;
      const khLo = firstTap(ih0, dilationH, kH);
      const khHi = endTap(ih0, dilationH, kH, inH, khLo);
      for (let ow = 0; ow < outW; ow++) {
        const iw0 = ow * strideW - padLeft;
        let kwLo = 0;
        let kwHi = kW;
        if (ow < owInLo || ow >= owInHi) {
          kwLo = firstTap(iw0, dilationW, kW);
          kwHi = endTap(iw0, dilationW, kW, inW, kwLo);
        }
        if (bias === null) acc.fill(0, 0, CM);
        else for (let j = 0; j < CM; j++) acc[j] = bias[j]!;
        for (let kh = khLo; kh < khHi; kh++) {
          const xr = xb + (ih0 + kh * dilationH) * xRow;
          for (let kw = kwLo; kw < kwHi; kw++) {
            const p = xr + (iw0 + kw * dilationW) * C; // the input pixel this tap reads
            const q = (kh * kW + kw) * CM; // the tap's C·M weights
            if (M === 1) {
              for (let c = 0; c < C; c++) acc[c] += x[p + c]! * w[q + c]!;
            } else {
              for (let c = 0, j = 0; c < C; c++) {
                const v = x[p + c]!;
                for (let m = 0; m < M; m++, j++) acc[j] += v * w[q + j]!;
              }
            }
          }
        }
        for (let j = 0; j < CM; j++) y[o + j] = acc[j]!;
        o += CM;
      }
    }
  }
}

/**
 * The input gradient of {@link depthwiseForward}, its exact adjoint in x: for every output pixel
 * and tap, `dx[pixel, c] += Σ_m dy[c·M + m] · W[tap, c, m]`. Accumulates into dx (+=).
 *
 * @example
 * const g = conv2dGeometry(1, 3, 3, 1, 2, 2, 1, 1, 1, 1, 'valid');
 * const dx = new Float32Array(9);
 * depthwiseBackwardInput(new Float32Array(4).fill(1), g, new Float32Array(4).fill(1), 1, dx);
 * // dx = [1, 2, 1, 2, 4, 2, 1, 2, 1]: how many windows cover each pixel
 */
export function depthwiseBackwardInput(dy: Float32Array, g: Conv2DGeometry, w: Float32Array, M: number, dx: Float32Array): void {
  const { batch, inH, inW, inC: C, kH, kW, strideH, strideW, dilationH, dilationW, padTop, padLeft, outH, outW } = g;
  const CM = C * M;
  const xRow = inW * C;
  const xImg = inH * xRow;
  const owInLo = firstTap(-padLeft, strideW, outW);
  const owInHi = endTap((kW - 1) * dilationW - padLeft, strideW, outW, inW, owInLo);
  let o = 0;
  for (let n = 0; n < batch; n++) {
    const xb = n * xImg;
    for (let oh = 0; oh < outH; oh++) {
      const ih0 = oh * strideH - padTop;
      const khLo = firstTap(ih0, dilationH, kH);
      const khHi = endTap(ih0, dilationH, kH, inH, khLo);
      for (let ow = 0; ow < outW; ow++) {
        const iw0 = ow * strideW - padLeft;
        let kwLo = 0;
        let kwHi = kW;
        if (ow < owInLo || ow >= owInHi) {
          kwLo = firstTap(iw0, dilationW, kW);
          kwHi = endTap(iw0, dilationW, kW, inW, kwLo);
        }
        for (let kh = khLo; kh < khHi; kh++) {
          const xr = xb + (ih0 + kh * dilationH) * xRow;
          for (let kw = kwLo; kw < kwHi; kw++) {
            const p = xr + (iw0 + kw * dilationW) * C;
            const q = (kh * kW + kw) * CM;
            if (M === 1) {
              for (let c = 0; c < C; c++) dx[p + c] += dy[o + c]! * w[q + c]!;
            } else {
              for (let c = 0, j = 0; c < C; c++) {
                let s = 0;
                for (let m = 0; m < M; m++, j++) s += dy[o + j]! * w[q + j]!;
                dx[p + c] += s;
              }
            }
          }
        }
        o += CM;
      }
    }
  }
}

/**
 * The filter gradient of {@link depthwiseForward}, its exact adjoint in W:
 * `dW[tap, c, m] = Σ over the batch and output pixels of x[pixel, c] · dy[c·M + m]`, summed in
 * float64 into `dW64` ([kh·kw·C·M], added to: zero it first for a fresh gradient).
 *
 * @example
 * const g = conv2dGeometry(1, 3, 3, 1, 2, 2, 1, 1, 1, 1, 'valid');
 * const dW = new Float64Array(4);
 * depthwiseBackwardFilter(Float32Array.from([1, 2, 3, 4, 5, 6, 7, 8, 9]), new Float32Array(4).fill(1), g, 1, dW);
 * // dW = [12, 16, 24, 28]: each tap summed over the 4 windows
 */
export function depthwiseBackwardFilter(x: Float32Array, dy: Float32Array, g: Conv2DGeometry, M: number, dW64: Float64Array): void {
  const { batch, inH, inW, inC: C, kH, kW, strideH, strideW, dilationH, dilationW, padTop, padLeft, outH, outW } = g;
  const CM = C * M;
  const xRow = inW * C;
  const xImg = inH * xRow;
  const owInLo = firstTap(-padLeft, strideW, outW);
  const owInHi = endTap((kW - 1) * dilationW - padLeft, strideW, outW, inW, owInLo);
  let o = 0;
  for (let n = 0; n < batch; n++) {
    const xb = n * xImg;
    for (let oh = 0; oh < outH; oh++) {
      const ih0 = oh * strideH - padTop;
      const khLo = firstTap(ih0, dilationH, kH);
      const khHi = endTap(ih0, dilationH, kH, inH, khLo);
      for (let ow = 0; ow < outW; ow++) {
        const iw0 = ow * strideW - padLeft;
        let kwLo = 0;
        let kwHi = kW;
        if (ow < owInLo || ow >= owInHi) {
          kwLo = firstTap(iw0, dilationW, kW);
          kwHi = endTap(iw0, dilationW, kW, inW, kwLo);
        }
        for (let kh = khLo; kh < khHi; kh++) {
          const xr = xb + (ih0 + kh * dilationH) * xRow;
          for (let kw = kwLo; kw < kwHi; kw++) {
            const p = xr + (iw0 + kw * dilationW) * C;
            const q = (kh * kW + kw) * CM;
            if (M === 1) {
              for (let c = 0; c < C; c++) dW64[q + c] += x[p + c]! * dy[o + c]!;
            } else {
              for (let c = 0, j = 0; c < C; c++) {
                const v = x[p + c]!;
                for (let m = 0; m < M; m++, j++) dW64[q + j] += v * dy[o + j]!;
              }
            }
          }
        }
        o += CM;
      }
    }
  }
}
