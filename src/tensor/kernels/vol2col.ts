/**
 * vol2col / col2vol for NDHWC 3-D convolution: im2col (im2col.ts) one dimension up. Every
 * receptive field of the input volume is unrolled into one row of a matrix, so that the
 * convolution is one matrix product, `out[N·oD·oH·oW, F] = cols · W`, with W the Keras kernel
 * `[kD, kH, kW, C, F]` read as a `[kD·kH·kW·C, F]` matrix; col2vol is the exact adjoint and turns
 * `dcols = dy·Wᵀ` back into the input gradient.
 *
 * The loops follow im2col's: NDHWC puts the C channels of a voxel side by side, so each tap is a
 * run of C floats (and with dilationW = 1 a whole kernel row is one run of kW·C floats, copied in
 * one go); the taps inside the volume are computed once per output plane, row and column
 * (firstTap/endTap), so padded taps are zero-filled (vol2col) or skipped (col2vol) without a test
 * per tap. The geometry's formulas are conv2d's, per axis (conv_geometry.ts).
 */
import { endTap, firstTap, type Padding } from './conv_geometry.js';

/** Everything a 3-D window kernel needs about one convolution or pooling call (NDHWC). */
export interface Conv3DGeometry {
  batch: number;
  inD: number;
  inH: number;
  inW: number;
  inC: number;
  kD: number;
  kH: number;
  kW: number;
  strideD: number;
  strideH: number;
  strideW: number;
  dilationD: number;
  dilationH: number;
  dilationW: number;
  padFront: number;
  padTop: number;
  padLeft: number;
  outD: number;
  outH: number;
  outW: number;
}

/** Output length and 'before' padding along one axis (keras-facts §2.3: TF's 'same' split). */
function axis(n: number, k: number, s: number, d: number, padding: Padding): [number, number] {
  if (padding === 'valid') return [Math.floor((n - d * (k - 1) - 1) / s) + 1, 0];
  const out = Math.ceil(n / s);
  const total = Math.max(0, (out - 1) * s + (k - 1) * d + 1 - n);
  return [out, Math.floor(total / 2)];
}

/**
 * Geometry of a 3-D convolution (or, with dilations 1, a 3-D pooling window) over an NDHWC input:
 * `k`, `s`, `d` are [depth, height, width]. Output sizes ≤ 0 are returned as they are (the caller
 * names the shapes in its error).
 *
 * @example
 * const g = conv3dGeometry(2, 5, 6, 7, 3, [3, 3, 3], [1, 2, 2], [1, 1, 1], 'same');
 * // g.outD === 5, g.outH === 3, g.outW === 4; g.padFront === 1, g.padTop === 1, g.padLeft === 1
 */
export function conv3dGeometry(batch: number, inD: number, inH: number, inW: number, inC: number,
  k: readonly number[], s: readonly number[], d: readonly number[], padding: Padding): Conv3DGeometry {
  const [outD, padFront] = axis(inD, k[0]!, s[0]!, d[0]!, padding);
  const [outH, padTop] = axis(inH, k[1]!, s[1]!, d[1]!, padding);
  const [outW, padLeft] = axis(inW, k[2]!, s[2]!, d[2]!, padding);
  return {
    batch, inD, inH, inW, inC, kD: k[0]!, kH: k[1]!, kW: k[2]!, strideD: s[0]!, strideH: s[1]!, strideW: s[2]!,
    dilationD: d[0]!, dilationH: d[1]!, dilationW: d[2]!, padFront, padTop, padLeft, outD, outH, outW,
  };
}

/**
 * Unrolls the patches of batch items [b0, b0+count) of the NDHWC input `x` (the whole batch) into
 * `cols`, row-major `[count·oD·oH·oW, kD·kH·kW·C]`, columns ordered (kd, kh, kw, c). Taps in the
 * padding are written as 0, so `cols` need not be cleared.
 *
 * @example
 * const g = conv3dGeometry(1, 2, 2, 2, 1, [2, 2, 2], [1, 1, 1], [1, 1, 1], 'valid');   // one window
 * const cols = new Float32Array(8);
 * vol2col(Float32Array.from([1, 2, 3, 4, 5, 6, 7, 8]), g, 0, 1, cols);   // cols = [1, 2, 3, 4, 5, 6, 7, 8]
 */
export function vol2col(x: Float32Array, g: Conv3DGeometry, b0: number, count: number, cols: Float32Array): void {
  walk(g, b0, count, (xAt, colAt, n) => {
    for (let i = 0; i < n; i++) cols[colAt + i] = x[xAt + i]!;
  }, (colAt, n) => cols.fill(0, colAt, colAt + n));
}

/**
 * The adjoint of {@link vol2col}: scatter-ADDS `cols` back into the NDHWC gradient `dx` (the whole
 * batch) for batch items [b0, b0+count); taps in the padding are dropped.
 *
 * @example
 * const g = conv3dGeometry(1, 2, 2, 2, 1, [1, 1, 1], [1, 1, 1], [1, 1, 1], 'valid');
 * const dx = new Float32Array(8);
 * col2vol(new Float32Array(8).fill(2), g, 0, 1, dx);   // dx = [2, 2, 2, 2, 2, 2, 2, 2]
 */
export function col2vol(cols: Float32Array, g: Conv3DGeometry, b0: number, count: number, dx: Float32Array): void {
  walk(g, b0, count, (xAt, colAt, n) => {
    for (let i = 0; i < n; i++) dx[xAt + i] += cols[colAt + i]!;
  }, null);
}

/**
 * The loop nest both share: for every output voxel and every run of taps inside the volume,
 * `inside(xAt, colAt, n)` on n floats (one kernel row with dilationW = 1, else one tap);
 * `outside(colAt, n)` for the runs of a patch row that fall in the padding.
 */
function walk(g: Conv3DGeometry, b0: number, count: number,
  inside: (xAt: number, colAt: number, n: number) => void, outside: ((colAt: number, n: number) => void) | null): void {
  const { inD, inH, inW, inC: C, kD, kH, kW, strideD, strideH, strideW, dilationD, dilationH, dilationW, padFront, padTop, padLeft, outD, outH, outW } = g;
  const rowLen = kW * C; // one kernel row (kd, kh) of a patch
  const planeLen = kH * rowLen;
  const patchLen = kD * planeLen;
  const xRow = inW * C;
  const xPlane = inH * xRow;
  const xVol = inD * xPlane;
  const contiguous = dilationW === 1;
  let r = 0; // start of the current row of cols
  for (let b = b0; b < b0 + count; b++) {
    const xb = b * xVol;
    for (let od = 0; od < outD; od++) {
      const id0 = od * strideD - padFront;
      const kdLo = firstTap(id0, dilationD, kD);
      const kdHi = endTap(id0, dilationD, kD, inD, kdLo);
      for (let oh = 0; oh < outH; oh++) {
        const ih0 = oh * strideH - padTop;
        const khLo = firstTap(ih0, dilationH, kH);
        const khHi = endTap(ih0, dilationH, kH, inH, khLo);
        for (let ow = 0; ow < outW; ow++) {
          const iw0 = ow * strideW - padLeft;
          const kwLo = firstTap(iw0, dilationW, kW);
          const kwHi = endTap(iw0, dilationW, kW, inW, kwLo);
          const lo = kwLo * C;
          const hi = kwHi * C;
          if (outside !== null) {
            // Whole planes and rows of the patch outside the volume, then each row's edges below.
            if (kdLo > 0) outside(r, kdLo * planeLen);
            if (kdHi < kD) outside(r + kdHi * planeLen, (kD - kdHi) * planeLen);
          }
          for (let kd = kdLo; kd < kdHi; kd++) {
            const xPlaneAt = xb + (id0 + kd * dilationD) * xPlane;
            const colPlane = r + kd * planeLen;
            if (outside !== null) {
              if (khLo > 0) outside(colPlane, khLo * rowLen);
              if (khHi < kH) outside(colPlane + khHi * rowLen, (kH - khHi) * rowLen);
            }
            for (let kh = khLo; kh < khHi; kh++) {
              const xAt = xPlaneAt + (ih0 + kh * dilationH) * xRow + (iw0 + kwLo * dilationW) * C;
              const colAt = colPlane + kh * rowLen;
              if (outside !== null) {
                if (lo > 0) outside(colAt, lo);
                if (hi < rowLen) outside(colAt + hi, rowLen - hi);
              }
              if (contiguous) {
                inside(xAt, colAt + lo, hi - lo);
              } else {
                for (let kw = kwLo, xt = xAt, ct = colAt + lo; kw < kwHi; kw++, xt += dilationW * C, ct += C) inside(xt, ct, C);
              }
            }
          }
          r += patchLen;
        }
      }
    }
  }
}
