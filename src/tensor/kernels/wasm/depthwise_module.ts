// Depthwise convolution in WebAssembly SIMD, for the SIMD kernels (engine.ts: depthwiseForward,
// depthwiseBackwardInput, depthwiseBackwardFilter), with a depth multiplier of 1: the engine maps
// M > 1 onto it (see engine.ts). The same windows as the JavaScript kernels in ../depthwise.ts
// (read them first: NHWC, W [kh, kw, C], taps inside the image only).
//
// NHWC puts the C channels of a pixel side by side, and the kernel's C weights of a tap too, so
// four channels are one f32x4 and every tap of a window is, per block of channels,
//
//   forward          acc += x[tap pixel] · w[tap]                (acc in registers, y = acc at the end)
//   input gradient   dx[tap pixel] += dy[pixel] · w[tap]         (dy in registers, a scatter)
//   filter gradient  dW[tap] += x[tap pixel] · dy[pixel]         (dy in registers, dW in memory)
//
// Channels go in blocks of 16 (four f32x4 at a time, so the tap's address arithmetic is shared),
// then of 4, then one by one. The taps inside the image are found once per output row (kh) and,
// for a column at the left or right border, per output column (kw), branch-free as in
// pool_module.ts; interior columns take all kW taps.
//
// NOTE: numerics. Products and sums are float32 (the JavaScript kernels sum in float64): the
// forward rounds each of its kh·kw additions, the filter gradient sums over the pixels of the
// images of one call in float32 (the engine calls it a few images at a time and adds those
// partial sums in float64), and the input gradient adds into the float32 dx, as the JS kernel.

import { type FunctionBuilder, type Local, type ModuleBuilder } from './emitter.js';
import { GEOMETRY } from './im2col_module.js';

/**
 * depthwise(x, w, bias, y, count, geometry, accumulate): y (+)= depthwise(x, w) + bias for `count`
 * images (bias 0: none; accumulate ≠ 0: added to what y holds).
 */
export type WasmDepthwise = (x: number, w: number, bias: number, y: number, count: number, geometry: number, accumulate: number) => void;
/** depthwiseInput(dy, w, dx, count, geometry): dx += the input gradient of `count` images. */
export type WasmDepthwiseInput = (dy: number, w: number, dx: number, count: number, geometry: number) => void;
/** depthwiseFilter(x, dy, dW, count, geometry): dW += the filter gradient of `count` images (float32). */
export type WasmDepthwiseFilter = (x: number, dy: number, dW: number, count: number, geometry: number) => void;

/** What the per-pixel body of a kernel sees: byte addresses of the window's first tap and the strides. */
interface Window {
  /** The image-side array (x or dx) at the first tap inside the image, channel 0. */
  first: Local;
  /** The kernel-side array (w or dW) at that tap, channel 0. */
  wFirst: Local;
  /** The output-side array (y or dy) at this output pixel, channel 0. */
  o: Local;
  khLo: Local;
  khHi: Local;
  /** Taps per kernel row inside the image. */
  nkw: Local;
  /** Bytes from one tap to the next in the image, in the kernel; and from a row's end to the next row's start. */
  tapStep: Local;
  cBytes: Local;
  rowAdvance: Local;
  wRowAdvance: Local;
  /** Byte offset of the first channel the body handles (the fast rows did the blocks before it). */
  cStart: Local;
}

/** What a fast 3×3 row sees: the row's first window and the strides between taps and pixels. */
interface FastRow {
  /** Image-side byte address of tap (0, 0) of the window of output column 0 (may lie in the padding). */
  rowFirst: Local;
  /** Kernel-side array, channel 0 of tap (0, 0). */
  kernel: Local;
  /** Output-side byte address of this row's output column 0. */
  rowOut: Local;
  /** The output columns whose whole window is inside the image: [owLo, owHi). */
  owLo: Local;
  owHi: Local;
  /** Bytes between the windows of adjacent output columns (sW·C·4), between output pixels (C·4). */
  pixelStep: Local;
  cBytes: Local;
  /** Channel bytes the fast path covers: the whole 4-channel blocks, C − C mod 4 channels. */
  c4Bytes: Local;
  /** Byte offsets of the 9 taps from a window's tap (0, 0), row-major. */
  taps: Local[];
}

/**
 * The loop nest the three kernels share: images, output rows, output columns; for each output
 * pixel the tap range inside the image, then `body(window)`.
 */
function emitWindows(f: FunctionBuilder, image: Local, kernel: Local, out: Local, count: Local, geometry: Local, body: (w: Window) => void,
  fastRow: ((row: FastRow) => void) | null = null): void {
  const g = (w: number) => f.loadFrom('i32.load', geometry, 4 * w);
  const inH = f.local('i32'), inW = f.local('i32'), kH = f.local('i32'), kW = f.local('i32');
  const sH = f.local('i32'), sW = f.local('i32'), dH = f.local('i32'), dW = f.local('i32');
  const padTop = f.local('i32'), padLeft = f.local('i32'), outH = f.local('i32'), outW = f.local('i32');
  const cBytes = f.local('i32'), rowBytes = f.local('i32'), imgBytes = f.local('i32'), tapStep = f.local('i32'), rowStep = f.local('i32');
  const kwSpan = f.local('i32'), wRowBytes = f.local('i32');
  const n = f.local('i32'), oh = f.local('i32'), ow = f.local('i32'), img = f.local('i32'), o = f.local('i32');
  const ih0 = f.local('i32'), iw0 = f.local('i32'), khLo = f.local('i32'), khHi = f.local('i32'), kwLo = f.local('i32'), kwHi = f.local('i32');
  const first = f.local('i32'), wFirst = f.local('i32'), nkw = f.local('i32'), rowAdvance = f.local('i32'), wRowAdvance = f.local('i32');
  const cStart = f.local('i32'), fast = f.local('i32'), rowIsFast = f.local('i32'), owLo = f.local('i32'), owHi = f.local('i32');
  const rowFirst = f.local('i32'), rowOut = f.local('i32'), pixelStep = f.local('i32'), c4Bytes = f.local('i32'), i0 = f.local('i32');
  const taps = Array.from({ length: 9 }, () => f.local('i32'));
  f.assign(inH, g(GEOMETRY.inH)); f.assign(inW, g(GEOMETRY.inW));
  f.assign(kH, g(GEOMETRY.kH)); f.assign(kW, g(GEOMETRY.kW));
  f.assign(sH, g(GEOMETRY.strideH)); f.assign(sW, g(GEOMETRY.strideW)); f.assign(dH, g(GEOMETRY.dilationH)); f.assign(dW, g(GEOMETRY.dilationW));
  f.assign(padTop, g(GEOMETRY.padTop)); f.assign(padLeft, g(GEOMETRY.padLeft)); f.assign(outH, g(GEOMETRY.outH)); f.assign(outW, g(GEOMETRY.outW));
  f.assign(cBytes, f.mul(g(GEOMETRY.inC), 4));
  f.assign(rowBytes, f.mul(inW, cBytes));
  f.assign(imgBytes, f.mul(inH, rowBytes));
  f.assign(tapStep, f.mul(dW, cBytes));
  f.assign(rowStep, f.mul(dH, rowBytes));
  f.assign(kwSpan, f.mul(f.sub(kW, 1), dW));
  f.assign(wRowBytes, f.mul(kW, cBytes));

  // The fast rows (3×3 kernels): the output columns whose window is inside the image's width, the
  // 9 tap offsets, the channels in whole blocks of 4.
  f.assign(fast, fastRow === null ? 0 : f.binary('i32.and', f.binary('i32.eq', kH, 3), f.binary('i32.eq', kW, 3)));
  f.assign(c4Bytes, f.binary('i32.and', cBytes, -16));
  f.assign(pixelStep, f.mul(sW, cBytes));
  f.assign(i0, f.sub(0, padLeft));
  emitTapRange(f, i0, sW, outW, 1 << 30, owLo, owHi); // owLo: the first column with iw0 ≥ 0
  f.assign(i0, f.sub(kwSpan, padLeft));
  emitTapRange(f, i0, sW, outW, inW, owHi, owHi, owLo); // owHi: one past the last with iw0 + kwSpan < inW
  for (let t = 0; t < 9; t++) f.assign(taps[t]!, f.add(f.mul(Math.floor(t / 3), rowStep), f.mul(t % 3, tapStep)));

  f.assign(img, image);
  f.assign(o, out);
  f.forRange(n, 0, count, 1, () => {
    f.forRange(oh, 0, outH, 1, () => {
      f.assign(ih0, f.sub(f.mul(oh, sH), padTop));
      emitTapRange(f, ih0, dH, kH, inH, khLo, khHi);
      f.assign(rowIsFast, f.binary('i32.and', fast, f.binary('i32.and', f.binary('i32.eq', khLo, 0), f.binary('i32.eq', khHi, kH))));
      if (fastRow !== null) {
        f.when(rowIsFast, () => {
          f.assign(rowFirst, f.sub(f.add(img, f.mul(ih0, rowBytes)), f.mul(padLeft, cBytes)));
          f.assign(rowOut, o);
          fastRow({ rowFirst, kernel, rowOut, owLo, owHi, pixelStep, cBytes, c4Bytes, taps });
        });
      }
      f.forRange(ow, 0, outW, 1, () => {
        // Interior pixels of a fast row: only the channels after the 4-channel blocks remain.
        f.assign(cStart, f.binary('i32.and', rowIsFast, f.binary('i32.and', f.binary('i32.ge_s', ow, owLo), f.binary('i32.lt_s', ow, owHi))));
        f.assign(cStart, f.mul(cStart, c4Bytes));
        f.assign(iw0, f.sub(f.mul(ow, sW), padLeft));
        f.when(f.binary('i32.and', f.binary('i32.ge_s', iw0, 0), f.binary('i32.lt_s', f.add(iw0, kwSpan), inW)), () => {
          f.assign(kwLo, 0);
          f.assign(kwHi, kW);
        }, () => emitTapRange(f, iw0, dW, kW, inW, kwLo, kwHi));
        f.assign(nkw, f.sub(kwHi, kwLo));
        f.assign(first, f.add(f.add(img, f.mul(f.add(ih0, f.mul(khLo, dH)), rowBytes)), f.mul(f.add(iw0, f.mul(kwLo, dW)), cBytes)));
        f.assign(wFirst, f.add(kernel, f.mul(f.add(f.mul(khLo, kW), kwLo), cBytes)));
        f.assign(rowAdvance, f.sub(rowStep, f.mul(nkw, tapStep)));
        f.assign(wRowAdvance, f.sub(wRowBytes, f.mul(nkw, cBytes)));
        body({ first, wFirst, o, khLo, khHi, nkw, tapStep, cBytes, rowAdvance, wRowAdvance, cStart });
        f.assign(o, f.add(o, cBytes));
      });
    });
    f.assign(img, f.add(img, imgBytes));
  });
}

/** The three widths of a block of channels: 16 (four vectors), 4 (one vector), 1 (a scalar). */
const WIDTHS = [{ vectors: 4, bytes: 64 }, { vectors: 1, bytes: 16 }, { vectors: 0, bytes: 4 }] as const;

/**
 * Walks the channel blocks of one window: for each width in turn, `start(cb, lanes)` then, tap by
 * tap, `tap(px, pw, lanes)` with px/pw the image-side and kernel-side byte addresses of channel cb,
 * then `end(cb, lanes)`. `lanes` is the number of f32x4 vectors (0 for one scalar channel).
 */
function emitChannelBlocks(f: FunctionBuilder, win: Window, cb: Local, px: Local, pw: Local, kh: Local, j: Local,
  start: (lanes: number) => void, tap: (lanes: number) => void, end: (lanes: number) => void): void {
  f.assign(cb, win.cStart);
  for (const { vectors, bytes } of WIDTHS) {
    f.block((exit) => f.loop((repeat) => {
      f.push(f.binary('i32.gt_s', f.add(cb, bytes), win.cBytes)); f.brIf(exit);
      start(vectors);
      f.assign(px, f.add(win.first, cb));
      f.assign(pw, f.add(win.wFirst, cb));
      f.forRange(kh, win.khLo, win.khHi, 1, () => {
        f.forRange(j, 0, win.nkw, 1, () => {
          tap(vectors);
          f.assign(px, f.add(px, win.tapStep));
          f.assign(pw, f.add(pw, win.cBytes));
        });
        f.assign(px, f.add(px, win.rowAdvance));
        f.assign(pw, f.add(pw, win.wRowAdvance));
      });
      end(vectors);
      f.assign(cb, f.add(cb, bytes));
      f.br(repeat);
    }));
  }
}

/** depthwise(x, w, bias, y, count, geometry): see {@link WasmDepthwise}. */
export function emitDepthwise(mod: ModuleBuilder): FunctionBuilder {
  const f = mod.func('depthwise', ['i32', 'i32', 'i32', 'i32', 'i32', 'i32', 'i32']);
  const [x, w, bias, y, count, geometry, accumulate] = f.params as [Local, Local, Local, Local, Local, Local, Local];
  const cb = f.local('i32'), px = f.local('i32'), pw = f.local('i32'), kh = f.local('i32'), j = f.local('i32');
  const acc = [f.local('v128'), f.local('v128'), f.local('v128'), f.local('v128')];
  const s = f.local('f32');
  emitWindows(f, x, w, y, count, geometry, (win) => {
    emitChannelBlocks(f, win, cb, px, pw, kh, j, (lanes) => {
      // Start from the bias (or zero), plus what y holds when accumulating.
      if (lanes === 0) {
        f.push(bias); f.ifThen(() => f.assign(s, f.loadFrom('f32.load', f.add(bias, cb))), () => { f.f32(0); f.set(s); });
        f.push(accumulate); f.ifThen(() => { f.get(s); f.push(f.loadFrom('f32.load', f.add(win.o, cb))); f.op('f32.add'); f.set(s); });
      } else {
        for (let v = 0; v < lanes; v++) {
          f.push(bias);
          f.ifThen(() => f.assign(acc[v]!, f.loadFrom('v128.load', f.add(bias, cb), 16 * v)), () => { f.f32x4(0); f.set(acc[v]!); });
          f.push(accumulate); f.ifThen(() => { f.get(acc[v]!); f.push(f.loadFrom('v128.load', f.add(win.o, cb), 16 * v)); f.op('f32x4.add'); f.set(acc[v]!); });
        }
      }
    }, (lanes) => {
      if (lanes === 0) {
        f.get(s); f.push(f.loadFrom('f32.load', px)); f.push(f.loadFrom('f32.load', pw)); f.op('f32.mul'); f.op('f32.add'); f.set(s);
      } else {
        for (let v = 0; v < lanes; v++) {
          f.get(acc[v]!); f.push(f.loadFrom('v128.load', px, 16 * v)); f.push(f.loadFrom('v128.load', pw, 16 * v)); f.op('f32x4.mul'); f.op('f32x4.add'); f.set(acc[v]!);
        }
      }
    }, (lanes) => {
      if (lanes === 0) f.storeTo('f32.store', f.add(win.o, cb), s);
      else for (let v = 0; v < lanes; v++) f.storeTo('v128.store', f.add(win.o, cb), acc[v]!, 16 * v);
    });
  }, (row) => {
    // A 3×3 row, one block of 4 channels at a time: its 9 weight vectors stay in registers for the
    // whole row, so each output pixel is 9 loads, 9 products and one store.
    const wv = Array.from({ length: 9 }, () => f.local('v128'));
    const b = f.local('v128'), sum = f.local('v128'), col = f.local('i32'), p = f.local('i32'), q = f.local('i32');
    f.forRange(cb, 0, row.c4Bytes, 16, () => {
      for (let t = 0; t < 9; t++) f.assign(wv[t]!, f.loadFrom('v128.load', f.add(f.add(row.kernel, f.mul(t, row.cBytes)), cb)));
      f.push(bias);
      f.ifThen(() => f.assign(b, f.loadFrom('v128.load', f.add(bias, cb))), () => { f.f32x4(0); f.set(b); });
      f.assign(p, f.add(f.add(row.rowFirst, f.mul(row.owLo, row.pixelStep)), cb));
      f.assign(q, f.add(f.add(row.rowOut, f.mul(row.owLo, row.cBytes)), cb));
      f.forRange(col, row.owLo, row.owHi, 1, () => {
        f.assign(sum, b);
        f.push(accumulate); f.ifThen(() => { f.get(sum); f.push(f.loadFrom('v128.load', q)); f.op('f32x4.add'); f.set(sum); });
        for (let t = 0; t < 9; t++) {
          f.get(sum); f.push(f.loadFrom('v128.load', f.add(p, row.taps[t]!))); f.get(wv[t]!); f.op('f32x4.mul'); f.op('f32x4.add'); f.set(sum);
        }
        f.storeTo('v128.store', q, sum);
        f.assign(p, f.add(p, row.pixelStep));
        f.assign(q, f.add(q, row.cBytes));
      });
    });
  });
  return f;
}

/** depthwiseInput(dy, w, dx, count, geometry): see {@link WasmDepthwiseInput}. */
export function emitDepthwiseInput(mod: ModuleBuilder): FunctionBuilder {
  const f = mod.func('depthwiseInput', ['i32', 'i32', 'i32', 'i32', 'i32']);
  const [dy, w, dx, count, geometry] = f.params as [Local, Local, Local, Local, Local];
  const cb = f.local('i32'), px = f.local('i32'), pw = f.local('i32'), kh = f.local('i32'), j = f.local('i32');
  const g = [f.local('v128'), f.local('v128'), f.local('v128'), f.local('v128')];
  const s = f.local('f32');
  // The image side is dx (scatter target), the output side dy.
  emitWindows(f, dx, w, dy, count, geometry, (win) => {
    emitChannelBlocks(f, win, cb, px, pw, kh, j, (lanes) => {
      if (lanes === 0) f.assign(s, f.loadFrom('f32.load', f.add(win.o, cb)));
      else for (let v = 0; v < lanes; v++) f.assign(g[v]!, f.loadFrom('v128.load', f.add(win.o, cb), 16 * v));
    }, (lanes) => {
      if (lanes === 0) {
        f.push(px); f.push(f.loadFrom('f32.load', px)); f.get(s); f.push(f.loadFrom('f32.load', pw)); f.op('f32.mul'); f.op('f32.add'); f.store('f32.store');
      } else {
        for (let v = 0; v < lanes; v++) {
          f.push(px); f.push(f.loadFrom('v128.load', px, 16 * v)); f.get(g[v]!); f.push(f.loadFrom('v128.load', pw, 16 * v)); f.op('f32x4.mul'); f.op('f32x4.add'); f.store('v128.store', 16 * v);
        }
      }
    }, () => undefined);
  });
  return f;
}

/** depthwiseFilter(x, dy, dW, count, geometry): see {@link WasmDepthwiseFilter}. */
export function emitDepthwiseFilter(mod: ModuleBuilder): FunctionBuilder {
  const f = mod.func('depthwiseFilter', ['i32', 'i32', 'i32', 'i32', 'i32']);
  const [x, dy, dW, count, geometry] = f.params as [Local, Local, Local, Local, Local];
  const cb = f.local('i32'), px = f.local('i32'), pw = f.local('i32'), kh = f.local('i32'), j = f.local('i32');
  const g = [f.local('v128'), f.local('v128'), f.local('v128'), f.local('v128')];
  const s = f.local('f32');
  // The kernel side is dW (the accumulator), the output side dy.
  emitWindows(f, x, dW, dy, count, geometry, (win) => {
    emitChannelBlocks(f, win, cb, px, pw, kh, j, (lanes) => {
      if (lanes === 0) f.assign(s, f.loadFrom('f32.load', f.add(win.o, cb)));
      else for (let v = 0; v < lanes; v++) f.assign(g[v]!, f.loadFrom('v128.load', f.add(win.o, cb), 16 * v));
    }, (lanes) => {
      if (lanes === 0) {
        f.push(pw); f.push(f.loadFrom('f32.load', pw)); f.push(f.loadFrom('f32.load', px)); f.get(s); f.op('f32.mul'); f.op('f32.add'); f.store('f32.store');
      } else {
        for (let v = 0; v < lanes; v++) {
          f.push(pw); f.push(f.loadFrom('v128.load', pw, 16 * v)); f.push(f.loadFrom('v128.load', px, 16 * v)); f.get(g[v]!); f.op('f32x4.mul'); f.op('f32x4.add'); f.store('v128.store', 16 * v);
        }
      }
    }, () => undefined);
  }, (row) => {
    // A 3×3 row, one block of 4 channels at a time: the 9 gradient vectors of the block are summed
    // in registers over the row and added to dW once.
    const acc = Array.from({ length: 9 }, () => f.local('v128'));
    const gv = f.local('v128'), col = f.local('i32'), p = f.local('i32'), q = f.local('i32'), at = f.local('i32');
    f.forRange(cb, 0, row.c4Bytes, 16, () => {
      for (let t = 0; t < 9; t++) { f.f32x4(0); f.set(acc[t]!); }
      f.assign(p, f.add(f.add(row.rowFirst, f.mul(row.owLo, row.pixelStep)), cb));
      f.assign(q, f.add(f.add(row.rowOut, f.mul(row.owLo, row.cBytes)), cb));
      f.forRange(col, row.owLo, row.owHi, 1, () => {
        f.assign(gv, f.loadFrom('v128.load', q));
        for (let t = 0; t < 9; t++) {
          f.get(acc[t]!); f.push(f.loadFrom('v128.load', f.add(p, row.taps[t]!))); f.get(gv); f.op('f32x4.mul'); f.op('f32x4.add'); f.set(acc[t]!);
        }
        f.assign(p, f.add(p, row.pixelStep));
        f.assign(q, f.add(q, row.cBytes));
      });
      for (let t = 0; t < 9; t++) {
        f.assign(at, f.add(f.add(row.kernel, f.mul(t, row.cBytes)), cb));
        f.push(at); f.push(f.loadFrom('v128.load', at)); f.get(acc[t]!); f.op('f32x4.add'); f.store('v128.store');
      }
    });
  });
  return f;
}

/**
 * lo = firstTap(i0, d, k) and hi = endTap(i0, d, k, n, lo) of ../conv_geometry.ts, branch-free
 * (as pool_module.ts): lo = max(0, min(ceil(−i0/d), k)), hi = max(lo, min(ceil((n − i0)/d), k)).
 */
function emitTapRange(f: FunctionBuilder, i0: Local, d: Local, k: Local, n: Local | number, lo: Local, hi: Local, hiFloor: Local = lo): void {
  const clamp = (target: Local, a: () => void, floor: Local | number) => {
    f.push(a); f.push(d); f.op('i32.add'); f.i32(1); f.op('i32.sub'); f.push(d); f.op('i32.div_s'); f.set(target); // ceil(a / d) for a > 0
    f.assign(target, f.min(target, k));
    f.push(target); f.push(floor); f.push(target); f.push(floor); f.op('i32.gt_s'); f.op('select'); f.set(target);
  };
  if (lo !== hi) clamp(lo, f.sub(0, i0), 0);
  clamp(hi, f.sub(n, i0), hiFloor);
}
