/**
 * Bilinear resizing of NHWC images with half-pixel centres, Keras 3's `ops.image.resize(...,
 * interpolation='bilinear')` (no corner alignment, no antialiasing), forward and its exact
 * adjoint. Output pixel i along an axis samples the input at
 *
 *   src = (i + 0.5)·(in / out) − 0.5,   lo = ⌊src⌋,   t = src − lo,   y = (1 − t)·x[lo] + t·x[lo + 1]
 *
 * with lo and lo + 1 clamped into [0, in − 1]: near the border src falls less than half a pixel
 * outside, where Keras's triangle kernel, renormalised over the pixels that exist, gives the edge
 * pixel (the same clamp). Rows and columns are independent, so each output pixel reads four
 * input pixels with the product weights; C channels are one contiguous run per pixel (NHWC).
 *
 * NOTE: TF.js's resizeBilinear without halfPixelCenters maps src = i·in/out instead (the row
 * 0, 1, 2, 3 doubled gives 0, 0.5, 1, … rather than Keras's 0, 0.25, 0.75, …; keras-facts-2 §15.4).
 */

/** The two source indices and the weight of the second, per output index along one axis. */
export interface AxisTaps {
  lo: Int32Array;
  hi: Int32Array;
  /** Weight of `hi`; `lo` gets 1 − t. */
  t: Float64Array;
}

/**
 * Half-pixel taps of one axis resized from `inLength` to `outLength`.
 *
 * @example
 * const taps = halfPixelTaps(4, 8);
 * // taps.lo = [0, 0, 0, 1, 1, 2, 2, 3], taps.t[1] = 0.25 (output 1 samples input 0.25)
 */
export function halfPixelTaps(inLength: number, outLength: number): AxisTaps {
  const lo = new Int32Array(outLength);
  const hi = new Int32Array(outLength);
  const t = new Float64Array(outLength);
  const scale = inLength / outLength;
  for (let i = 0; i < outLength; i++) {
    const src = (i + 0.5) * scale - 0.5;
    const f = Math.floor(src);
    t[i] = src - f;
    lo[i] = Math.min(Math.max(f, 0), inLength - 1);
    hi[i] = Math.min(Math.max(f + 1, 0), inLength - 1);
  }
  return { lo, hi, t };
}

/**
 * y ([N, outH, outW, C]) = the bilinear resize of x ([N, H, W, C]) with half-pixel centres.
 * Overwrites y.
 *
 * @example
 * const y = new Float32Array(8);
 * resizeBilinearForward(Float32Array.of(0, 1, 2, 3), 1, 1, 4, 1, 1, 8, y);
 * // y = [0, 0.25, 0.75, 1.25, 1.75, 2.25, 2.75, 3] (keras-facts-2 §15.4)
 */
export function resizeBilinearForward(x: Float32Array, N: number, H: number, W: number, C: number, outH: number, outW: number, y: Float32Array): void {
  const rows = halfPixelTaps(H, outH);
  const cols = halfPixelTaps(W, outW);
  let o = 0;
  for (let n = 0; n < N; n++) {
    const xb = n * H * W * C;
    for (let i = 0; i < outH; i++) {
      const r0 = xb + rows.lo[i]! * W * C;
      const r1 = xb + rows.hi[i]! * W * C;
      const ti = rows.t[i]!;
      for (let j = 0; j < outW; j++) {
        const c0 = cols.lo[j]! * C;
        const c1 = cols.hi[j]! * C;
        const tj = cols.t[j]!;
        const w00 = (1 - ti) * (1 - tj), w01 = (1 - ti) * tj, w10 = ti * (1 - tj), w11 = ti * tj;
        for (let c = 0; c < C; c++) {
          y[o + c] = w00 * x[r0 + c0 + c]! + w01 * x[r0 + c1 + c]! + w10 * x[r1 + c0 + c]! + w11 * x[r1 + c1 + c]!;
        }
        o += C;
      }
    }
  }
}

/**
 * The adjoint of {@link resizeBilinearForward}: each dy pixel adds its four weighted shares back
 * into dx ([N, H, W, C], added to).
 *
 * @example
 * const dx = new Float32Array(2);
 * resizeBilinearBackward(new Float32Array(4).fill(1), 1, 1, 2, 1, 1, 4, dx);   // dx = [2, 2]
 */
export function resizeBilinearBackward(dy: Float32Array, N: number, H: number, W: number, C: number, outH: number, outW: number, dx: Float32Array): void {
  const rows = halfPixelTaps(H, outH);
  const cols = halfPixelTaps(W, outW);
  let o = 0;
  for (let n = 0; n < N; n++) {
    const xb = n * H * W * C;
    for (let i = 0; i < outH; i++) {
      const r0 = xb + rows.lo[i]! * W * C;
      const r1 = xb + rows.hi[i]! * W * C;
      const ti = rows.t[i]!;
      for (let j = 0; j < outW; j++) {
        const c0 = cols.lo[j]! * C;
        const c1 = cols.hi[j]! * C;
        const tj = cols.t[j]!;
        const w00 = (1 - ti) * (1 - tj), w01 = (1 - ti) * tj, w10 = ti * (1 - tj), w11 = ti * tj;
        for (let c = 0; c < C; c++) {
          const g = dy[o + c]!;
          dx[r0 + c0 + c] += w00 * g;
          dx[r0 + c1 + c] += w01 * g;
          dx[r1 + c0 + c] += w10 * g;
          dx[r1 + c1 + c] += w11 * g;
        }
        o += C;
      }
    }
  }
}
