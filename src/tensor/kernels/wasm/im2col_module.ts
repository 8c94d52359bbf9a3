// im2col and col2im in WebAssembly, for the SIMD convolution (engine.ts: im2colGemm, im2colGemmT,
// gemmCol2im): the patches are unrolled straight into the memory the GEMM reads, and the GEMM's
// output is scattered back into the image gradient there, with no copy of the (kh·kw times
// larger) patch matrix in or out of WebAssembly memory.
//
// The same loops as ../im2col.ts (read it for the layout: NHWC, a row of cols per output pixel,
// columns ordered (kh, kw, channel)): a kernel row of an interior pixel is one contiguous run;
// at the border, one tap at a time, a tap outside the image zero-filled (im2col) or skipped
// (col2im). Runs are copied (or added) four floats per v128, then one by one. col2im adds the
// taps in the same order as ../im2col.ts, row by row, so both give the same bits. Measured on
// the MNIST convnet's second layer (a chunk of 16 images of 13×13×32, 3×3; JS vs here, ms):
// im2col 0.29 vs 0.10, col2im 1.03 vs 0.16.

import { type FunctionBuilder, type Local, type ModuleBuilder } from './emitter.js';

/** Word indices (Int32) of the geometry block that im2col and col2im read. */
export const GEOMETRY = {
  inH: 0, inW: 1, inC: 2, kH: 3, kW: 4, strideH: 5, strideW: 6, dilationH: 7, dilationW: 8,
  padTop: 9, padLeft: 10, outH: 11, outW: 12, WORDS: 13,
} as const;

/** im2col(x, cols, count, geometry): images [0, count) at x → rows of cols. Byte addresses. */
export type WasmIm2col = (x: number, cols: number, count: number, geometry: number) => void;
/** col2im(cols, dx, count, geometry): dx += the scatter of cols back into images [0, count). */
export type WasmCol2im = (cols: number, dx: number, count: number, geometry: number) => void;

/**
 * Emits the loop nest shared by im2col and col2im: for each image, output pixel (oh, ow) and tap
 * (kh, kw), `inside(pixel, tap, bytes)` for a tap in the image (pixel = its channels in x, tap =
 * its place in the row of cols, `bytes` long) or `outside(tap, bytes)` for a tap in the padding.
 * A pixel whose whole window is in the image, with adjacent taps (dilationW = 1), takes each
 * kernel row as one run: `inside` on kW·inC floats at once and no range checks (for one input
 * channel that is 3 floats a call instead of 1).
 */
function emitTapLoops(
  f: FunctionBuilder, x: Local, cols: Local, count: Local, geometry: Local,
  inside: (pixel: Local, tap: Local, bytes: Local) => void, outside: ((tap: Local, bytes: Local) => void) | null,
): void {
  const g = (w: number) => f.loadFrom('i32.load', geometry, 4 * w);
  const inH = f.local('i32'), inW = f.local('i32'), kH = f.local('i32'), kW = f.local('i32');
  const sH = f.local('i32'), sW = f.local('i32'), dH = f.local('i32'), dW = f.local('i32');
  const padTop = f.local('i32'), padLeft = f.local('i32'), outH = f.local('i32'), outW = f.local('i32');
  const cBytes = f.local('i32'), rowBytes = f.local('i32'), imgBytes = f.local('i32'), runBytes = f.local('i32');
  const n = f.local('i32'), oh = f.local('i32'), ow = f.local('i32'), kh = f.local('i32'), kw = f.local('i32');
  const ih = f.local('i32'), iw = f.local('i32'), ih0 = f.local('i32'), iw0 = f.local('i32');
  const img = f.local('i32'), row = f.local('i32'), tap = f.local('i32'), pixel = f.local('i32'), rowsInside = f.local('i32');
  f.assign(inH, g(GEOMETRY.inH)); f.assign(inW, g(GEOMETRY.inW)); f.assign(kH, g(GEOMETRY.kH)); f.assign(kW, g(GEOMETRY.kW));
  f.assign(sH, g(GEOMETRY.strideH)); f.assign(sW, g(GEOMETRY.strideW)); f.assign(dH, g(GEOMETRY.dilationH)); f.assign(dW, g(GEOMETRY.dilationW));
  f.assign(padTop, g(GEOMETRY.padTop)); f.assign(padLeft, g(GEOMETRY.padLeft)); f.assign(outH, g(GEOMETRY.outH)); f.assign(outW, g(GEOMETRY.outW));
  f.assign(cBytes, f.mul(g(GEOMETRY.inC), 4));
  f.assign(rowBytes, f.mul(inW, cBytes));
  f.assign(imgBytes, f.mul(inH, rowBytes));
  f.assign(runBytes, f.mul(kW, cBytes));

  f.assign(tap, cols); // where the current tap goes in cols: advances by cBytes per tap
  f.assign(img, x);
  f.forRange(n, 0, count, 1, () => {
    f.forRange(oh, 0, outH, 1, () => {
      f.assign(ih0, f.sub(f.mul(oh, sH), padTop));
      // Every kernel row of this output row is in the image: 0 ≤ ih0 and ih0 + (kH−1)·dH < inH.
      f.assign(rowsInside, f.binary('i32.and', f.binary('i32.ge_s', ih0, 0),
        f.binary('i32.lt_s', f.add(ih0, f.mul(f.sub(kH, 1), dH)), inH)));
      f.forRange(ow, 0, outW, 1, () => {
        f.assign(iw0, f.sub(f.mul(ow, sW), padLeft));
        const wholeWindow = f.binary('i32.and', f.binary('i32.and', rowsInside, f.binary('i32.eq', dW, 1)),
          f.binary('i32.and', f.binary('i32.ge_s', iw0, 0), f.binary('i32.le_s', f.add(iw0, kW), inW)));
        f.when(wholeWindow, () => {
          // Interior: one run of kW·inC floats per kernel row, no checks.
          f.assign(pixel, f.add(f.add(img, f.mul(ih0, rowBytes)), f.mul(iw0, cBytes)));
          f.forRange(kh, 0, kH, 1, () => {
            inside(pixel, tap, runBytes);
            f.assign(tap, f.add(tap, runBytes));
            f.assign(pixel, f.add(pixel, f.mul(dH, rowBytes)));
          });
        }, () => {
          // Border: tap by tap, each checked.
          f.forRange(kh, 0, kH, 1, () => {
            f.assign(ih, f.add(ih0, f.mul(kh, dH)));
            f.assign(row, f.add(img, f.mul(ih, rowBytes)));
            f.forRange(kw, 0, kW, 1, () => {
              f.assign(iw, f.add(iw0, f.mul(kw, dW)));
              // 0 ≤ ih < inH and 0 ≤ iw < inW, as unsigned comparisons (a negative index is huge).
              f.when(f.binary('i32.and', f.binary('i32.lt_u', ih, inH), f.binary('i32.lt_u', iw, inW)), () => {
                f.assign(pixel, f.add(row, f.mul(iw, cBytes)));
                inside(pixel, tap, cBytes);
              }, outside === null ? undefined : () => outside(tap, cBytes));
              f.assign(tap, f.add(tap, cBytes));
            });
          });
        });
      });
    });
    f.assign(img, f.add(img, imgBytes));
  });
}

/** `bytes` bytes (a multiple of 4) from src to dst (add: dst += src), 16 then 4 at a time. */
function emitRun(f: FunctionBuilder, src: Local, dst: Local, bytes: Local, add: boolean, j: Local): void {
  f.assign(j, 0);
  f.block((exit) => f.loop((repeat) => {
    f.push(f.binary('i32.gt_s', f.add(j, 16), bytes)); f.brIf(exit);
    f.push(f.add(dst, j));
    f.push(f.loadFrom('v128.load', f.add(src, j)));
    if (add) { f.push(f.loadFrom('v128.load', f.add(dst, j))); f.op('f32x4.add'); }
    f.store('v128.store');
    f.assign(j, f.add(j, 16));
    f.br(repeat);
  }));
  f.forRange(j, j, bytes, 4, () => {
    f.push(f.add(dst, j));
    if (add) { f.push(f.loadFrom('f32.load', f.add(dst, j))); f.push(f.loadFrom('f32.load', f.add(src, j))); f.op('f32.add'); }
    else f.push(f.loadFrom('f32.load', f.add(src, j)));
    f.store('f32.store');
  });
}

/** im2col(x, cols, count, geometry): see {@link WasmIm2col}. */
export function emitIm2col(mod: ModuleBuilder): FunctionBuilder {
  const f = mod.func('im2col', ['i32', 'i32', 'i32', 'i32']);
  const [x, cols, count, geometry] = f.params as [Local, Local, Local, Local];
  const j = f.local('i32');
  emitTapLoops(f, x, cols, count, geometry,
    (pixel, tap, bytes) => emitRun(f, pixel, tap, bytes, false, j),
    (tap, bytes) => {
      f.forRange(j, 0, bytes, 4, () => { f.push(f.add(tap, j)); f.f32(0); f.store('f32.store'); });
    });
  return f;
}

/** col2im(cols, dx, count, geometry): see {@link WasmCol2im}. */
export function emitCol2im(mod: ModuleBuilder): FunctionBuilder {
  const f = mod.func('col2im', ['i32', 'i32', 'i32', 'i32']);
  const [cols, dx, count, geometry] = f.params as [Local, Local, Local, Local];
  const j = f.local('i32');
  // The loops walk the image (dx) as x and cols as the taps; the run adds the tap into the pixel.
  emitTapLoops(f, dx, cols, count, geometry, (pixel, tap, bytes) => emitRun(f, tap, pixel, bytes, true, j), null);
  return f;
}
