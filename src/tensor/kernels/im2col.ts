/**
 * im2col / col2im for NHWC convolution: unroll every receptive field into one row of a matrix so
 * that convolution becomes a single matrix product, `out[N·outH·outW, outC] = cols · W`, where W
 * is the Keras kernel [kH, kW, inC, outC] read as a [kH·kW·inC, outC] matrix. col2im is the exact
 * adjoint (transpose) of im2col and turns `dcols = dy · Wᵀ` back into the input gradient.
 *
 * Why the loops look the way they do:
 * - In NHWC one kernel tap (kh, kw) reads inC contiguous floats, and with dilationW = 1 the kW taps
 *   of one kernel row are adjacent in x too, so a whole kernel row is ONE contiguous run of
 *   kW·inC floats in both x and cols. That is the main path: one copy per kernel row.
 * - The padded border is handled by computing, once per output row (kh range) and once per output
 *   column (kw range), which taps land inside the image; the copy loops then run bounds-check free
 *   and only the out-of-image parts of a patch row are zero-filled (im2col) or skipped (col2im).
 * - Output columns whose whole window is inside the image (all but a padding-wide border) are
 *   found once per call ([owInLo, owInHi)) and skip the tap-range helpers: in the pooling
 *   kernels those two calls measured ~25 ns per output column, more than a small patch's copy.
 * - Index arithmetic is incremental (pointer bumps); no division or modulo per element and no
 *   allocation. The tap-range helpers divide only when dilation/stride > 1, once per row/column.
 * - inC = 1 (the first layer of an MNIST CNN) gets its own path, see im2colSingleChannel.
 */
import { endTap, firstTap, type Conv2DGeometry } from './conv_geometry.js';

/**
 * Runs at least this long are copied with `cols.set(x.subarray(...))` (a native memcpy) instead of
 * a JS loop. Measured on Node 20 (V8 11): set+subarray costs a view allocation per call and loses
 * below ~48 floats (5–8× slower at 4–12 floats), wins above (1.9× at 64, 2.2× at 96, 4× at 192).
 * For a 3×3 kernel that means inC ≥ 16 uses memcpy: 13×13×32 im2col went 1.7 → 0.7 ms (batch 32).
 */
const SET_MIN_RUN = 48;

/**
 * Unroll the patches of batch items [b0, b0+count) of the NHWC input `x` (full batch array) into
 * `cols`, row-major [count·outH·outW, kH·kW·inC], columns ordered (kh, kw, cin). Taps that fall in
 * the padding are written as 0, so `cols` need not be cleared beforehand.
 *
 * @example
 * const g = conv2dGeometry(1, 3, 3, 1, 2, 2, 1, 1, 1, 1, 'valid');     // out 2×2
 * const cols = new Float32Array(4 * 4);
 * im2col(Float32Array.from([1, 2, 3, 4, 5, 6, 7, 8, 9]), g, 0, 1, cols);
 * // cols rows: [1,2,4,5] [2,3,5,6] [4,5,7,8] [5,6,8,9]
 */
export function im2col(
  x: Float32Array,
  g: Conv2DGeometry,
  b0: number,
  count: number,
  cols: Float32Array,
): void {
  if (g.inC === 1) {
    im2colSingleChannel(x, g, b0, count, cols);
    return;
  }
  const { inH, inW, inC, kH, kW, strideH, strideW, dilationH, dilationW, padTop, padLeft, outH, outW } = g;
  const patchRow = kW * inC; // one kernel row (kh) of a patch: kW taps of inC channels
  const patchLen = kH * patchRow; // one row of cols
  const xRow = inW * inC;
  const xImg = inH * xRow;
  const tapStepX = dilationW * inC; // distance in x between taps kw and kw+1
  const rowStepX = dilationH * xRow; // distance in x between taps kh and kh+1
  const contiguous = dilationW === 1; // a kernel row is one run in x (see file comment)
  // Output columns [owInLo, owInHi) have their whole window in the image (kwLo = 0, kwHi = kW):
  // only border columns pay for the tap-range helpers (see the file comment).
  const owInLo = firstTap(-padLeft, strideW, outW);
  const owInHi = endTap((kW - 1) * dilationW - padLeft, strideW, outW, inW, owInLo);
  let r = 0; // start of the current row of cols
  for (let b = b0; b < b0 + count; b++) {
    const xb = b * xImg;
    for (let oh = 0; oh < outH; oh++) {
      const ih0 = oh * strideH - padTop;
      const khLo = firstTap(ih0, dilationH, kH);
      const khHi = endTap(ih0, dilationH, kH, inH, khLo);
      const xRowBase = xb + (ih0 + khLo * dilationH) * xRow;
      for (let ow = 0; ow < outW; ow++) {
        const iw0 = ow * strideW - padLeft;
        let kwLo = 0;
        let kwHi = kW;
        if (ow < owInLo || ow >= owInHi) {
          kwLo = firstTap(iw0, dilationW, kW);
          kwHi = endTap(iw0, dilationW, kW, inW, kwLo);
        }
        const lo = kwLo * inC; // [lo, hi) of each patch row is inside the image
        const hi = kwHi * inC;
        // Kernel rows above the image: zeros.
        if (khLo > 0) cols.fill(0, r, r + khLo * patchRow);
        let dst = r + khLo * patchRow;
        let src = xRowBase + (iw0 + kwLo * dilationW) * inC;
        for (let kh = khLo; kh < khHi; kh++) {
          if (lo > 0) cols.fill(0, dst, dst + lo);
          if (contiguous) {
            // One run of (kwHi − kwLo)·inC floats.
            const n = hi - lo;
            const d0 = dst + lo;
            if (n >= SET_MIN_RUN) cols.set(x.subarray(src, src + n), d0);
            else for (let i = 0; i < n; i++) cols[d0 + i] = x[src + i];
          } else {
            let s = src;
            let d0 = dst + lo;
            for (let kw = kwLo; kw < kwHi; kw++) {
              for (let c = 0; c < inC; c++) cols[d0 + c] = x[s + c];
              s += tapStepX;
              d0 += inC;
            }
          }
          if (hi < patchRow) cols.fill(0, dst + hi, dst + patchRow);
          dst += patchRow;
          src += rowStepX;
        }
        // Kernel rows below the image: zeros.
        if (khHi < kH) cols.fill(0, dst, r + patchLen);
        r += patchLen;
      }
    }
  }
}

/**
 * im2col for inC = 1. With one channel a kernel row is only kW floats (3 for a 3×3 kernel), so the
 * per-patch loop above spends its time on loop setup and range checks rather than copying. Here
 * the loops are turned around: for one output row and one tap (kh, kw), walk ow innermost, reading
 * x with stride strideW and writing cols with stride kH·kW. The in-image ow range of each tap is
 * computed once per (output row, tap). Measured 2.5× faster on 32×28×28×1, 3×3 (0.89 → 0.35 ms).
 */
function im2colSingleChannel(x: Float32Array, g: Conv2DGeometry, b0: number, count: number, cols: Float32Array): void {
  const { inH, inW, kH, kW, strideH, strideW, dilationH, dilationW, padTop, padLeft, outH, outW } = g;
  const K = kH * kW; // row length of cols
  const xImg = inH * inW;
  let r = 0; // start of the current output row's block of cols (outW rows of K)
  for (let b = b0; b < b0 + count; b++) {
    const xb = b * xImg;
    for (let oh = 0; oh < outH; oh++) {
      const ih0 = oh * strideH - padTop;
      for (let kh = 0; kh < kH; kh++) {
        const ih = ih0 + kh * dilationH;
        const rowInside = ih >= 0 && ih < inH;
        for (let kw = 0; kw < kW; kw++) {
          let d = r + kh * kW + kw;
          // Output columns whose tap (kh, kw) lands in the image: iw = ow·strideW − padLeft + kw·dW.
          const iwAt0 = kw * dilationW - padLeft;
          const owLo = rowInside ? firstTap(iwAt0, strideW, outW) : outW;
          const owHi = rowInside ? endTap(iwAt0, strideW, outW, inW, owLo) : outW;
          let ow = 0;
          for (; ow < owLo; ow++, d += K) cols[d] = 0;
          let s = xb + ih * inW + iwAt0 + owLo * strideW;
          for (; ow < owHi; ow++, d += K, s += strideW) cols[d] = x[s];
          for (; ow < outW; ow++, d += K) cols[d] = 0;
        }
      }
      r += outW * K;
    }
  }
}

/**
 * The adjoint of {@link im2col}: scatter-ADD `cols` [count·outH·outW, kH·kW·inC] back into the
 * NHWC gradient `dx` (full batch array) for batch items [b0, b0+count). Accumulates (+=), so
 * overlapping windows sum and a caller may add into an existing gradient; padded taps are dropped.
 *
 * @example
 * const g = conv2dGeometry(1, 3, 3, 1, 2, 2, 1, 1, 1, 1, 'valid');
 * const dx = new Float32Array(9);
 * col2im(new Float32Array(16).fill(1), g, 0, 1, dx);
 * // dx = [1,2,1, 2,4,2, 1,2,1]: how many windows cover each pixel
 */
export function col2im(
  cols: Float32Array,
  g: Conv2DGeometry,
  b0: number,
  count: number,
  dx: Float32Array,
): void {
  if (g.inC === 1) {
    col2imSingleChannel(cols, g, b0, count, dx);
    return;
  }
  const { inH, inW, inC, kH, kW, strideH, strideW, dilationH, dilationW, padTop, padLeft, outH, outW } = g;
  const patchRow = kW * inC;
  const patchLen = kH * patchRow;
  const xRow = inW * inC;
  const xImg = inH * xRow;
  const tapStepX = dilationW * inC;
  const rowStepX = dilationH * xRow;
  const contiguous = dilationW === 1;
  // Output columns [owInLo, owInHi) have their whole window in the image (kwLo = 0, kwHi = kW):
  // only border columns pay for the tap-range helpers (see the file comment).
  const owInLo = firstTap(-padLeft, strideW, outW);
  const owInHi = endTap((kW - 1) * dilationW - padLeft, strideW, outW, inW, owInLo);
  let r = 0;
  for (let b = b0; b < b0 + count; b++) {
    const xb = b * xImg;
    for (let oh = 0; oh < outH; oh++) {
      const ih0 = oh * strideH - padTop;
      const khLo = firstTap(ih0, dilationH, kH);
      const khHi = endTap(ih0, dilationH, kH, inH, khLo);
      const xRowBase = xb + (ih0 + khLo * dilationH) * xRow;
      for (let ow = 0; ow < outW; ow++) {
        const iw0 = ow * strideW - padLeft;
        let kwLo = 0;
        let kwHi = kW;
        if (ow < owInLo || ow >= owInHi) {
          kwLo = firstTap(iw0, dilationW, kW);
          kwHi = endTap(iw0, dilationW, kW, inW, kwLo);
        }
        const lo = kwLo * inC;
        const hi = kwHi * inC;
        let srcC = r + khLo * patchRow + lo; // read position in cols
        let dstX = xRowBase + (iw0 + kwLo * dilationW) * inC; // write position in dx
        for (let kh = khLo; kh < khHi; kh++) {
          if (contiguous) {
            // No native "add arrays", so a plain loop whatever the run length.
            const n = hi - lo;
            for (let i = 0; i < n; i++) dx[dstX + i] += cols[srcC + i];
          } else {
            let s = srcC;
            let d0 = dstX;
            for (let kw = kwLo; kw < kwHi; kw++) {
              for (let c = 0; c < inC; c++) dx[d0 + c] += cols[s + c];
              s += inC;
              d0 += tapStepX;
            }
          }
          srcC += patchRow;
          dstX += rowStepX;
        }
        r += patchLen;
      }
    }
  }
}

/** col2im for inC = 1, loops turned around as in {@link im2colSingleChannel}; padded taps skipped. */
function col2imSingleChannel(cols: Float32Array, g: Conv2DGeometry, b0: number, count: number, dx: Float32Array): void {
  const { inH, inW, kH, kW, strideH, strideW, dilationH, dilationW, padTop, padLeft, outH, outW } = g;
  const K = kH * kW;
  const xImg = inH * inW;
  let r = 0;
  for (let b = b0; b < b0 + count; b++) {
    const xb = b * xImg;
    for (let oh = 0; oh < outH; oh++) {
      const ih0 = oh * strideH - padTop;
      for (let kh = 0; kh < kH; kh++) {
        const ih = ih0 + kh * dilationH;
        if (ih < 0 || ih >= inH) continue;
        for (let kw = 0; kw < kW; kw++) {
          const iwAt0 = kw * dilationW - padLeft;
          const owLo = firstTap(iwAt0, strideW, outW);
          const owHi = endTap(iwAt0, strideW, outW, inW, owLo);
          let c = r + kh * kW + kw + owLo * K;
          let d = xb + ih * inW + iwAt0 + owLo * strideW;
          for (let ow = owLo; ow < owHi; ow++, c += K, d += strideW) dx[d] += cols[c];
        }
      }
      r += outW * K;
    }
  }
}
