/**
 * Output sizes and padding of 2-D convolution and pooling windows (NHWC), computed once per call
 * and shared by the im2col/col2im and pooling kernels.
 *
 * Formulas follow Keras/TensorFlow exactly (keras-facts §2.3, §2.4):
 * - conv `valid`: out = floor((n − d·(k−1) − 1) / s) + 1
 * - pool `valid`: out = floor((n − p) / s) + 1
 * - `same` (both): out = ceil(n / s)
 * - `same` split: k_eff = (k−1)·d + 1, total = max(0, (out−1)·s + k_eff − n),
 *   before = floor(total / 2), after = total − before (the odd pixel goes bottom/right).
 *
 * NOTE: an output size ≤ 0 is returned as is, not thrown: the layer knows its own name and shapes
 * and produces the error message; the kernels simply do nothing for an empty output.
 */

/** Keras padding modes for 2-D windows. */
export type Padding = 'valid' | 'same';

/** Everything a window kernel needs about one convolution or pooling call (NHWC). */
export interface Conv2DGeometry {
  batch: number;
  inH: number;
  inW: number;
  inC: number;
  kH: number;
  kW: number;
  strideH: number;
  strideW: number;
  dilationH: number;
  dilationW: number;
  padTop: number;
  padLeft: number;
  padBottom: number;
  padRight: number;
  outH: number;
  outW: number;
}

/** TensorFlow's 'same' padding for one spatial dimension: [before, after]. */
function samePads(n: number, k: number, s: number, d: number, out: number): [number, number] {
  const kEff = (k - 1) * d + 1;
  const total = Math.max(0, (out - 1) * s + kEff - n);
  const before = Math.floor(total / 2);
  return [before, total - before];
}

/**
 * Geometry of a 2-D convolution over an NHWC input with a [kH, kW, inC, outC] kernel.
 *
 * @example
 * const g = conv2dGeometry(32, 28, 28, 1, 3, 3, 1, 1, 1, 1, 'valid');
 * // g.outH === 26, g.outW === 26, all pads 0
 * const s = conv2dGeometry(1, 5, 5, 1, 4, 4, 1, 1, 1, 1, 'same');
 * // s.outH === 5, s.padTop === 1, s.padBottom === 2
 */
export function conv2dGeometry(
  batch: number,
  inH: number,
  inW: number,
  inC: number,
  kH: number,
  kW: number,
  strideH: number,
  strideW: number,
  dilationH: number,
  dilationW: number,
  padding: Padding,
): Conv2DGeometry {
  let outH: number;
  let outW: number;
  let padTop = 0;
  let padBottom = 0;
  let padLeft = 0;
  let padRight = 0;
  if (padding === 'valid') {
    outH = Math.floor((inH - dilationH * (kH - 1) - 1) / strideH) + 1;
    outW = Math.floor((inW - dilationW * (kW - 1) - 1) / strideW) + 1;
  } else {
    outH = Math.ceil(inH / strideH);
    outW = Math.ceil(inW / strideW);
    [padTop, padBottom] = samePads(inH, kH, strideH, dilationH, outH);
    [padLeft, padRight] = samePads(inW, kW, strideW, dilationW, outW);
  }
  return {
    batch, inH, inW, inC, kH, kW, strideH, strideW, dilationH, dilationW,
    padTop, padLeft, padBottom, padRight, outH, outW,
  };
}

/**
 * Geometry of a 2-D pooling window over an NHWC input (kH = poolH, kW = poolW, dilation 1,
 * inC = C). Pooling 'valid' uses floor((n − p)/s) + 1; 'same' is identical to convolution.
 *
 * @example
 * const g = poolGeometry(32, 26, 26, 32, 2, 2, 2, 2, 'valid');
 * // g.outH === 13, g.outW === 13
 */
export function poolGeometry(
  batch: number,
  inH: number,
  inW: number,
  C: number,
  poolH: number,
  poolW: number,
  strideH: number,
  strideW: number,
  padding: Padding,
): Conv2DGeometry {
  // With dilation 1 the conv 'valid' formula floor((n − (k−1) − 1)/s) + 1 is exactly pooling's
  // floor((n − p)/s) + 1, and 'same' is shared, so pooling is a dilation-1 convolution window.
  return conv2dGeometry(batch, inH, inW, C, poolH, poolW, strideH, strideW, 1, 1, padding);
}

/**
 * First kernel tap t in [0, k] whose input index i0 + t·d is ≥ 0, i.e. the first tap of a window
 * starting at i0 (negative inside the padding) that lands in the image. Called once per output
 * row/column by the window kernels so their inner loops need no bounds tests.
 *
 * @example
 * firstTap(-1, 1, 3); // 1: tap 0 is in the padding
 */
export function firstTap(i0: number, d: number, k: number): number {
  if (i0 >= 0) return 0;
  const t = d === 1 ? -i0 : Math.ceil(-i0 / d);
  return t < k ? t : k;
}

/**
 * One past the last kernel tap t < k whose input index i0 + t·d is < n; never below `lo`, so
 * [lo, endTap) is a valid (possibly empty) range of taps inside the image.
 *
 * @example
 * endTap(3, 1, 3, 5, 0); // 2: taps 0, 1 read indices 3, 4; tap 2 is in the padding
 */
export function endTap(i0: number, d: number, k: number, n: number, lo: number): number {
  if (i0 >= n) return lo;
  const t = d === 1 ? n - i0 : Math.ceil((n - i0) / d);
  const e = t < k ? t : k;
  return e > lo ? e : lo;
}
