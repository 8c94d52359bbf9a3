/**
 * Max and average pooling over NHWC arrays, forward and backward.
 *
 * Loop order: batch, output row, output column, window tap (kh, kw), then channels innermost.
 * NHWC puts the C channels of one pixel side by side, so each tap is one contiguous run of C floats
 * and the running max/sum of every channel lives directly in the `out` array (no scratch buffer,
 * no allocation). As in im2col, the taps of a window that lie inside the image are computed once
 * per output row/column (firstTap/endTap), so padded cells are never visited at all; output
 * columns whose window is wholly inside the image skip even that (measured: the two helper calls
 * cost ~25 ns per output column, which made a 2×2 max pool at C = 1 four times slower).
 */
import { endTap, firstTap, type Conv2DGeometry } from './conv_geometry.js';

/**
 * Max pooling, NHWC. `out` is [N, outH, outW, C]; `argmax[i]` receives the flat index into `x` of
 * the input element chosen for `out[i]` (the backward pass routes the gradient there).
 *
 * Semantics: a window's running max starts at −Infinity (all-negative windows give their true max,
 * not 0); ties go to the FIRST element in window scan order (kh, then kw); padded cells are never
 * selected. A window with no cell in the image (only possible with a hand-made dilated geometry)
 * gives −Infinity and argmax −1.
 *
 * NOTE: NaN PROPAGATES: a window containing NaN outputs NaN and argmax points at its first NaN, so
 * a diverging network shows NaN instead of a plausible finite number. This follows PyTorch, which
 * treated NaN-dropping max pooling as a bug (pytorch#7645, fixed in #7670). TensorFlow and TF.js
 * instead IGNORE NaN: their test `pixel > max` is false for NaN, so tf.maxPool of the window
 * [1, NaN, 5, 6] is 6 (checked in our test against TF.js 4.22 cpu), and an all-NaN window gives
 * −Infinity in TF.js cpu, −3.4e38 in TF C++ (tensorflow#2501). Our test is
 * `v > m || (v !== v && m === m)`; a plain `v > m` would reproduce TF's behaviour.
 *
 * @example
 * const g = poolGeometry(1, 2, 2, 1, 2, 2, 2, 2, 'valid');
 * const out = new Float32Array(1), argmax = new Int32Array(1);
 * maxPoolForward(Float32Array.from([3, -1, 7, 7]), g, out, argmax);
 * // out = [7], argmax = [2] (the first of the two 7s)
 */
export function maxPoolForward(
  x: Float32Array,
  g: Conv2DGeometry,
  out: Float32Array,
  argmax: Int32Array,
): void {
  const { batch, inH, inW, inC: C, kH, kW, strideH, strideW, dilationH, dilationW, padTop, padLeft, outH, outW } = g;
  const xRow = inW * C;
  const xImg = inH * xRow;
  const tapStep = dilationW * C;
  const rowStep = dilationH * xRow;
  const is2x2 = kH === 2 && kW === 2 && dilationH === 1 && dilationW === 1;
  // Output columns [owInLo, owInHi) have their whole window in the image (kwLo = 0, kwHi = kW):
  // only border columns pay for the tap-range helpers (see the file comment).
  const owInLo = firstTap(-padLeft, strideW, outW);
  const owInHi = endTap((kW - 1) * dilationW - padLeft, strideW, outW, inW, owInLo);
  let o = 0; // start of the current output pixel in out/argmax
  for (let b = 0; b < batch; b++) {
    const xb = b * xImg;
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
        if (is2x2 && khLo === 0 && khHi === 2 && kwLo === 0 && kwHi === 2) {
          // Fast path for Keras' default pool (2×2) when the window is inside the image: the four
          // taps unrolled, running max and argmax in locals, one store per channel. Random data
          // makes the `v > m` branch unpredictable; keeping the compare chain in registers instead
          // of a read-modify-write of out/argmax measured ~20% faster at C = 32/64 (26×26×32:
          // 4.0 → 3.3 ms, batch 32) and 2.3× at C = 1 (the generic per-tap loop is all overhead).
          const p0 = xb + ih0 * xRow + iw0 * C;
          const p1 = p0 + C;
          const p2 = p0 + xRow;
          const p3 = p2 + C;
          for (let c = 0; c < C; c++) {
            let m = x[p0 + c];
            let at = p0 + c;
            let v = x[p1 + c];
            if (v > m || (v !== v && m === m)) { m = v; at = p1 + c; }
            v = x[p2 + c];
            if (v > m || (v !== v && m === m)) { m = v; at = p2 + c; }
            v = x[p3 + c];
            if (v > m || (v !== v && m === m)) { m = v; at = p3 + c; }
            out[o + c] = m;
            argmax[o + c] = at;
          }
          o += C;
          continue;
        }
        if (khLo === khHi || kwLo === kwHi) {
          out.fill(-Infinity, o, o + C);
          argmax.fill(-1, o, o + C);
          o += C;
          continue;
        }
        // Seed every channel with the first real cell: the running max starts there instead of
        // at −Infinity, which also gives an all-(−Infinity) window a valid argmax.
        const first = xb + (ih0 + khLo * dilationH) * xRow + (iw0 + kwLo * dilationW) * C;
        for (let c = 0; c < C; c++) {
          out[o + c] = x[first + c];
          argmax[o + c] = first + c;
        }
        let rowP = first;
        for (let kh = khLo; kh < khHi; kh++) {
          let p = rowP;
          for (let kw = kwLo; kw < kwHi; kw++) {
            if (p !== first) {
              for (let c = 0; c < C; c++) {
                const v = x[p + c];
                const m = out[o + c];
                // Strict `>` keeps the first of equal values; the NaN clause is explained above.
                if (v > m || (v !== v && m === m)) {
                  out[o + c] = v;
                  argmax[o + c] = p + c;
                }
              }
            }
            p += tapStep;
          }
          rowP += rowStep;
        }
        o += C;
      }
    }
  }
}

/**
 * Backward of max pooling: `dx[argmax[i]] += dy[i]`. `dx` must be zeroed by the caller; overlapping
 * windows that chose the same input element accumulate. Entries with argmax −1 (empty windows)
 * are skipped.
 *
 * @example
 * const dx = new Float32Array(4);
 * maxPoolBackward(Float32Array.from([5]), Int32Array.from([2]), dx); // dx = [0, 0, 5, 0]
 */
export function maxPoolBackward(dy: Float32Array, argmax: Int32Array, dx: Float32Array): void {
  const n = dy.length;
  for (let i = 0; i < n; i++) {
    const j = argmax[i];
    if (j >= 0) dx[j] += dy[i];
  }
}

/**
 * Average pooling, NHWC. For 'same' padding each window is divided by the number of REAL
 * (in-image) cells only, as Keras/TF do (count_include_pad = false): a corner window of a 2×2 pool
 * that overlaps the padding averages the cells it actually covers.
 *
 * NOTE: the per-channel sums accumulate in `out` (float32), rounding after each add, where TF.js
 * sums in float64; for pooling windows (a handful of cells) the difference is a few ulps.
 *
 * @example
 * const g = poolGeometry(1, 2, 2, 1, 2, 2, 2, 2, 'valid');
 * const out = new Float32Array(1);
 * avgPoolForward(Float32Array.from([1, 2, 3, 6]), g, out); // out = [3]
 */
export function avgPoolForward(x: Float32Array, g: Conv2DGeometry, out: Float32Array): void {
  const { batch, inH, inW, inC: C, kH, kW, strideH, strideW, dilationH, dilationW, padTop, padLeft, outH, outW } = g;
  const xRow = inW * C;
  const xImg = inH * xRow;
  const tapStep = dilationW * C;
  const rowStep = dilationH * xRow;
  // Output columns [owInLo, owInHi) have their whole window in the image (kwLo = 0, kwHi = kW):
  // only border columns pay for the tap-range helpers (see the file comment).
  const owInLo = firstTap(-padLeft, strideW, outW);
  const owInHi = endTap((kW - 1) * dilationW - padLeft, strideW, outW, inW, owInLo);
  let o = 0;
  for (let b = 0; b < batch; b++) {
    const xb = b * xImg;
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
        // An empty window (hand-made dilated geometry only) gives 0 · (1/0) = NaN, as TF.js's 0/0.
        const inv = 1 / ((khHi - khLo) * (kwHi - kwLo));
        out.fill(0, o, o + C);
        let rowP = xb + (ih0 + khLo * dilationH) * xRow + (iw0 + kwLo * dilationW) * C;
        for (let kh = khLo; kh < khHi; kh++) {
          let p = rowP;
          for (let kw = kwLo; kw < kwHi; kw++) {
            for (let c = 0; c < C; c++) out[o + c] += x[p + c];
            p += tapStep;
          }
          rowP += rowStep;
        }
        for (let c = 0; c < C; c++) out[o + c] *= inv;
        o += C;
      }
    }
  }
}

/**
 * Backward of {@link avgPoolForward} (its exact adjoint): each `dy` value is spread equally over
 * the real cells of its window, `dx[cell] += dy / realCells`. Accumulates into `dx` (+=).
 *
 * @example
 * const g = poolGeometry(1, 2, 2, 1, 2, 2, 2, 2, 'valid');
 * const dx = new Float32Array(4);
 * avgPoolBackward(Float32Array.from([8]), g, dx); // dx = [2, 2, 2, 2]
 */
export function avgPoolBackward(dy: Float32Array, g: Conv2DGeometry, dx: Float32Array): void {
  const { batch, inH, inW, inC: C, kH, kW, strideH, strideW, dilationH, dilationW, padTop, padLeft, outH, outW } = g;
  const xRow = inW * C;
  const xImg = inH * xRow;
  const tapStep = dilationW * C;
  const rowStep = dilationH * xRow;
  // Output columns [owInLo, owInHi) have their whole window in the image (kwLo = 0, kwHi = kW):
  // only border columns pay for the tap-range helpers (see the file comment).
  const owInLo = firstTap(-padLeft, strideW, outW);
  const owInHi = endTap((kW - 1) * dilationW - padLeft, strideW, outW, inW, owInLo);
  let o = 0;
  for (let b = 0; b < batch; b++) {
    const xb = b * xImg;
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
        const inv = 1 / ((khHi - khLo) * (kwHi - kwLo));
        let rowP = xb + (ih0 + khLo * dilationH) * xRow + (iw0 + kwLo * dilationW) * C;
        for (let kh = khLo; kh < khHi; kh++) {
          let p = rowP;
          for (let kw = kwLo; kw < kwHi; kw++) {
            for (let c = 0; c < C; c++) dx[p + c] += dy[o + c] * inv;
            p += tapStep;
          }
          rowP += rowStep;
        }
        o += C;
      }
    }
  }
}
