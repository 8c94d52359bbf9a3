/**
 * Max and average pooling over NDHWC volumes, forward and (average) backward: pool.ts one
 * dimension up, with its semantics (read it first). Max: the running max starts at the window's
 * first real cell, ties go to the FIRST cell in (kd, kh, kw) order, NaN propagates, padded cells
 * are never chosen; its backward is pool.ts's maxPoolBackward (a scatter by argmax). Average:
 * divided by the number of cells inside the volume ('same' padding, count_include_pad = false).
 *
 * Loop order: batch, output voxel, window tap, channels innermost (one contiguous run of C per
 * tap, accumulated straight in `out`); the taps inside the volume are found once per output
 * plane, row and column (firstTap/endTap), so padded cells are never visited.
 */
import { endTap, firstTap } from './conv_geometry.js';
import type { Conv3DGeometry } from './vol2col.js';

/** Calls `body(o, taps)` per output voxel: its offset in out, and where each in-volume tap starts in x. */
function forEachWindow(g: Conv3DGeometry, body: (o: number, taps: readonly number[]) => void): void {
  const { batch, inD, inH, inW, inC: C, kD, kH, kW, strideD, strideH, strideW, dilationD, dilationH, dilationW, padFront, padTop, padLeft, outD, outH, outW } = g;
  const xRow = inW * C;
  const xPlane = inH * xRow;
  const xVol = inD * xPlane;
  const taps: number[] = [];
  let o = 0;
  for (let b = 0; b < batch; b++) {
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
          taps.length = 0;
          for (let kd = kdLo; kd < kdHi; kd++) {
            for (let kh = khLo; kh < khHi; kh++) {
              const rowAt = b * xVol + (id0 + kd * dilationD) * xPlane + (ih0 + kh * dilationH) * xRow;
              for (let kw = kwLo; kw < kwHi; kw++) taps.push(rowAt + (iw0 + kw * dilationW) * C);
            }
          }
          body(o, taps);
          o += C;
        }
      }
    }
  }
}

/**
 * Max pooling, NDHWC: `out` is [N, oD, oH, oW, C]; `argmax[i]` the flat index into x of the cell
 * chosen for out[i] (−1, with −Infinity, for a window with no cell in the volume).
 *
 * @example
 * const g = conv3dGeometry(1, 2, 2, 2, 1, [2, 2, 2], [2, 2, 2], [1, 1, 1], 'valid');
 * const out = new Float32Array(1), argmax = new Int32Array(1);
 * maxPool3dForward(Float32Array.from([3, 1, 4, 1, 5, 9, 2, 6]), g, out, argmax);   // out = [9], argmax = [5]
 */
export function maxPool3dForward(x: Float32Array, g: Conv3DGeometry, out: Float32Array, argmax: Int32Array): void {
  const C = g.inC;
  forEachWindow(g, (o, taps) => {
    if (taps.length === 0) {
      out.fill(-Infinity, o, o + C);
      argmax.fill(-1, o, o + C);
      return;
    }
    const first = taps[0]!;
    for (let c = 0; c < C; c++) {
      out[o + c] = x[first + c]!;
      argmax[o + c] = first + c;
    }
    for (let t = 1; t < taps.length; t++) {
      const p = taps[t]!;
      for (let c = 0; c < C; c++) {
        const v = x[p + c]!;
        const m = out[o + c]!;
        // Strict `>` keeps the first of equal values; a NaN wins over numbers (pool.ts's NOTE).
        if (v > m || (v !== v && m === m)) {
          out[o + c] = v;
          argmax[o + c] = p + c;
        }
      }
    }
  });
}

/**
 * Average pooling, NDHWC: each window divided by the number of its cells inside the volume.
 *
 * @example
 * const g = conv3dGeometry(1, 2, 2, 2, 1, [2, 2, 2], [2, 2, 2], [1, 1, 1], 'valid');
 * const out = new Float32Array(1);
 * avgPool3dForward(Float32Array.from([1, 2, 3, 4, 5, 6, 7, 8]), g, out);   // out = [4.5]
 */
export function avgPool3dForward(x: Float32Array, g: Conv3DGeometry, out: Float32Array): void {
  const C = g.inC;
  forEachWindow(g, (o, taps) => {
    out.fill(0, o, o + C);
    for (const p of taps) for (let c = 0; c < C; c++) out[o + c] += x[p + c]!;
    // An empty window (hand-made dilated geometry only) gives 0 · (1/0) = NaN, as pool.ts.
    const inv = 1 / taps.length;
    for (let c = 0; c < C; c++) out[o + c] *= inv;
  });
}

/**
 * The exact adjoint of {@link avgPool3dForward}: each dy spread equally over the real cells of its
 * window, `dx[cell] += dy / cells`. Accumulates into dx.
 *
 * @example
 * const g = conv3dGeometry(1, 2, 2, 2, 1, [2, 2, 2], [2, 2, 2], [1, 1, 1], 'valid');
 * const dx = new Float32Array(8);
 * avgPool3dBackward(Float32Array.from([8]), g, dx);   // dx = eight 1s
 */
export function avgPool3dBackward(dy: Float32Array, g: Conv3DGeometry, dx: Float32Array): void {
  const C = g.inC;
  forEachWindow(g, (o, taps) => {
    const inv = 1 / taps.length;
    for (const p of taps) for (let c = 0; c < C; c++) dx[p + c] += dy[o + c]! * inv;
  });
}
