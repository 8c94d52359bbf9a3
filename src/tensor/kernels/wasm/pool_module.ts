// Max pooling forward in WebAssembly SIMD, for the SIMD kernels (engine.ts: maxPoolForward).
//
// The same windows and the same answers, bit for bit, as the JavaScript kernel ../pool.ts (read it
// first: NHWC, ties to the first cell in (kh, kw) order, NaN propagating, padded cells never
// chosen). NHWC puts the channels of a pixel side by side, so four channels are one f32x4: for each
// output pixel and block of four channels, the running max `v` and its argmax `idx` (i32x4) start
// at the window's first real tap, and every tap `w` of the window then does
//
//   m   = (v == v) & !(w <= v)          i.e. w > v, or w is NaN and v is not
//   v   = bitselect(w, v, m)            the lanes where m is all ones take w
//   idx = bitselect(tap index + lane, idx, m)
//
// with no branch: the JavaScript kernel's `if (v > m)` mispredicts on random data, which is what
// makes it slow. `(v == v) & !(w <= v)` is the JS test `w > v || (w !== w && v === v)` in three
// instructions: !(w <= v) holds when w > v or either is NaN, and v == v drops the case where v is
// already NaN (the first NaN wins). The first tap is compared with itself, which never selects
// (w <= v for a number, v == v false for NaN), so the tap loop need not skip it. The last C mod 4
// channels take the same test on scalars, with `select`.
//
// Taps outside the image are never visited: as in ../pool.ts, the range of taps inside the image is
// computed once per output row (kh) and, for a column whose window crosses the left or right
// border, per output column (kw), with firstTap and endTap (../conv_geometry.ts) written
// branch-free. A 2×2 window wholly inside the image (Keras's default
// pool, undilated) has its four taps unrolled, without the tap loops.
//
// Measured on the MNIST convnet's first pool (32×26×26×32, 2×2 stride 2; Node 20, µs): JS kernel
// ~3700; here ~250 for the kernel plus ~160 to copy x in and ~50–90 to copy the outputs and argmax out.
// The copies are half of it; copying a few images at a time, to keep them in cache for the kernel,
// measured no better. In a training epoch of that convnet (8,000 digits, 500 pool calls) the
// forward of its two pools took 599 ms on the JS kernel and 149 ms here: less than the isolated
// figures suggest, since after a relu many cells are 0 and ties make the JS branch predictable.
// More figures, and the routing: MAXPOOL_MIN_FLOATS in ../engine.ts.

import { type FunctionBuilder, type Local, type ModuleBuilder, type Operand } from './emitter.js';
import { GEOMETRY } from './im2col_module.js';

/**
 * maxPool(x, out, argmax, count, geometry): max pooling of the `count` NHWC images at byte address
 * x (geometry block as im2col's, see GEOMETRY in im2col_module.ts) into `out` (float32) and
 * `argmax` (int32: the element index, counted from x, of the chosen cell; −1 for a window with no
 * cell in the image, whose output is −Infinity).
 */
export type WasmMaxPool = (x: number, out: number, argmax: number, count: number, geometry: number) => void;

/** maxPool(x, out, argmax, count, geometry): see {@link WasmMaxPool}. */
export function emitMaxPool(mod: ModuleBuilder): FunctionBuilder {
  const f = mod.func('maxPool', ['i32', 'i32', 'i32', 'i32', 'i32']);
  const [x, out, argmax, count, geometry] = f.params as [Local, Local, Local, Local, Local];
  const g = (w: number) => f.loadFrom('i32.load', geometry, 4 * w);
  const inH = f.local('i32'), inW = f.local('i32'), C = f.local('i32'), kH = f.local('i32'), kW = f.local('i32');
  const sH = f.local('i32'), sW = f.local('i32'), dH = f.local('i32'), dW = f.local('i32');
  const padTop = f.local('i32'), padLeft = f.local('i32'), outH = f.local('i32'), outW = f.local('i32');
  const C4 = f.local('i32'), rowEl = f.local('i32'), imgEl = f.local('i32'), tapStep = f.local('i32'), rowStep = f.local('i32');
  const is2x2 = f.local('i32'), kwSpan = f.local('i32');
  const n = f.local('i32'), oh = f.local('i32'), ow = f.local('i32'), base = f.local('i32'), o = f.local('i32');
  const ih0 = f.local('i32'), iw0 = f.local('i32'), khLo = f.local('i32'), khHi = f.local('i32'), kwLo = f.local('i32'), kwHi = f.local('i32');
  const first = f.local('i32'), c = f.local('i32'), kh = f.local('i32'), kw = f.local('i32'), rowP = f.local('i32'), p = f.local('i32');
  const sIdx = f.local('i32');
  const v = f.local('v128'), idx = f.local('v128'), w = f.local('v128'), m = f.local('v128'), lanes = f.local('v128');
  const sv = f.local('f32'), sw = f.local('f32'), sm = f.local('i32');
  const q = f.local('i32'), qEnd = f.local('i32'), qo = f.local('i32'), qa = f.local('i32');
  const cBytes = f.local('i32'), rowBytes = f.local('i32'), rowCBytes = f.local('i32');
  const ib = f.local('v128'), offC = f.local('v128'), offRow = f.local('v128'), offRowC = f.local('v128');

  f.assign(inH, g(GEOMETRY.inH)); f.assign(inW, g(GEOMETRY.inW)); f.assign(C, g(GEOMETRY.inC));
  f.assign(kH, g(GEOMETRY.kH)); f.assign(kW, g(GEOMETRY.kW));
  f.assign(sH, g(GEOMETRY.strideH)); f.assign(sW, g(GEOMETRY.strideW)); f.assign(dH, g(GEOMETRY.dilationH)); f.assign(dW, g(GEOMETRY.dilationW));
  f.assign(padTop, g(GEOMETRY.padTop)); f.assign(padLeft, g(GEOMETRY.padLeft)); f.assign(outH, g(GEOMETRY.outH)); f.assign(outW, g(GEOMETRY.outW));
  f.assign(C4, f.binary('i32.and', C, -4));
  f.assign(rowEl, f.mul(inW, C));
  f.assign(imgEl, f.mul(inH, rowEl));
  f.assign(tapStep, f.mul(dW, C));
  f.assign(rowStep, f.mul(dH, rowEl));
  f.assign(kwSpan, f.mul(f.sub(kW, 1), dW));
  f.assign(is2x2, f.binary('i32.and', f.binary('i32.and', f.binary('i32.eq', kH, 2), f.binary('i32.eq', kW, 2)),
    f.binary('i32.and', f.binary('i32.eq', dH, 1), f.binary('i32.eq', dW, 1))));
  f.i32x4(0, 1, 2, 3); f.set(lanes);
  f.assign(cBytes, f.mul(C, 4)); f.assign(rowBytes, f.mul(rowEl, 4)); f.assign(rowCBytes, f.add(rowBytes, cBytes));
  f.push(C); f.op('i32x4.splat'); f.set(offC);
  f.push(rowEl); f.op('i32x4.splat'); f.set(offRow);
  f.push(f.add(rowEl, C)); f.op('i32x4.splat'); f.set(offRowC);

  /** Byte address of element `e` of the array at byte address `at`. */
  const addr = (at: Local, e: Operand) => f.add(at, f.binary('i32.shl', e, 2));
  /** One tap, four channels: the element index of lane 0 is `e`. */
  const tap4 = (e: Operand) => {
    f.assign(w, f.loadFrom('v128.load', addr(x, e)));
    f.push(v); f.push(v); f.op('f32x4.eq');
    f.push(w); f.push(v); f.op('f32x4.le');
    f.op('v128.andnot');
    f.set(m);
    f.push(w); f.push(v); f.push(m); f.op('v128.bitselect'); f.set(v);
    f.push(e); f.op('i32x4.splat'); f.push(lanes); f.op('i32x4.add'); f.push(idx); f.push(m); f.op('v128.bitselect'); f.set(idx);
  };
  /** tap4 for the 2×2 path: the block at byte address `at`, whose indices are ib + `offset`. */
  const tapAt = (at: Operand, offset: Local) => {
    f.assign(w, f.loadFrom('v128.load', at));
    f.push(v); f.push(v); f.op('f32x4.eq');
    f.push(w); f.push(v); f.op('f32x4.le');
    f.op('v128.andnot');
    f.set(m);
    f.push(w); f.push(v); f.push(m); f.op('v128.bitselect'); f.set(v);
    f.push(ib); f.push(offset); f.op('i32x4.add'); f.push(idx); f.push(m); f.op('v128.bitselect'); f.set(idx);
  };
  /** One tap, one channel (the C mod 4 tail). */
  const tap1 = (e: Operand) => {
    f.assign(sw, f.loadFrom('f32.load', addr(x, e)));
    // (v == v) & !(w <= v), as i32 booleans: a > b unsigned is a & !b.
    f.push(sv); f.push(sv); f.op('f32.eq'); f.push(sw); f.push(sv); f.op('f32.le'); f.op('i32.gt_u'); f.set(sm);
    f.push(sw); f.push(sv); f.push(sm); f.op('select'); f.set(sv);
    f.push(e); f.push(sIdx); f.push(sm); f.op('select'); f.set(sIdx);
  };
  /** Seeds the running max (and argmax) of a block with the window's first tap. */
  const seed4 = () => {
    f.assign(v, f.loadFrom('v128.load', addr(x, f.add(first, c))));
    f.push(f.add(first, c)); f.op('i32x4.splat'); f.push(lanes); f.op('i32x4.add'); f.set(idx);
  };
  const seed1 = () => {
    f.assign(sv, f.loadFrom('f32.load', addr(x, f.add(first, c))));
    f.assign(sIdx, f.add(first, c));
  };
  const store4 = () => {
    f.push(addr(out, f.add(o, c))); f.push(v); f.store('v128.store');
    f.push(addr(argmax, f.add(o, c))); f.push(idx); f.store('v128.store');
  };
  const store1 = () => {
    f.storeTo('f32.store', addr(out, f.add(o, c)), sv);
    f.storeTo('i32.store', addr(argmax, f.add(o, c)), sIdx);
  };
  /** The general window: every tap in [khLo, khHi) × [kwLo, kwHi), the first one included. */
  const window = (tap: (e: Operand) => void) => {
    f.assign(rowP, f.add(first, c));
    f.forRange(kh, khLo, khHi, 1, () => {
      f.assign(p, rowP);
      f.forRange(kw, kwLo, kwHi, 1, () => {
        tap(p);
        f.assign(p, f.add(p, tapStep));
      });
      f.assign(rowP, f.add(rowP, rowStep));
    });
  };

  f.assign(o, 0);
  f.assign(base, 0);
  f.forRange(n, 0, count, 1, () => {
    f.forRange(oh, 0, outH, 1, () => {
      f.assign(ih0, f.sub(f.mul(oh, sH), padTop));
      emitTapRange(f, ih0, dH, kH, inH, khLo, khHi);
      f.forRange(ow, 0, outW, 1, () => {
        f.assign(iw0, f.sub(f.mul(ow, sW), padLeft));
        // A window wholly inside the image's width (0 ≤ iw0, iw0 + (kW−1)·dW < inW) needs no
        // divisions: emitTapRange's two cost more than the 2×2 window itself at C = 1.
        f.when(f.binary('i32.and', f.binary('i32.ge_s', iw0, 0), f.binary('i32.lt_s', f.add(iw0, kwSpan), inW)), () => {
          f.assign(kwLo, 0);
          f.assign(kwHi, kW);
        }, () => emitTapRange(f, iw0, dW, kW, inW, kwLo, kwHi));
        f.when(f.binary('i32.and', f.binary('i32.lt_s', khLo, khHi), f.binary('i32.lt_s', kwLo, kwHi)), () => {
          f.assign(first, f.add(f.add(base, f.mul(f.add(ih0, f.mul(khLo, dH)), rowEl)), f.mul(f.add(iw0, f.mul(kwLo, dW)), C)));
          // A whole 2×2 window: khHi − khLo = kwHi − kwLo = 2 with kH = kW = 2.
          const whole2x2 = f.binary('i32.and', is2x2,
            f.binary('i32.eq', f.add(f.sub(khHi, khLo), f.sub(kwHi, kwLo)), 4));
          f.when(whole2x2, () => {
            // Taps 1, 2, 3 at +C, +row, +row+C from the first (tap 0 seeds v), by byte pointers:
            // q walks the blocks of tap 0, and the argmax of a block starts as `ib` (its indices).
            f.assign(q, addr(x, first));
            f.assign(qEnd, f.add(q, f.binary('i32.shl', C4, 2)));
            f.assign(qo, addr(out, o));
            f.assign(qa, addr(argmax, o));
            f.push(first); f.op('i32x4.splat'); f.push(lanes); f.op('i32x4.add'); f.set(ib);
            f.block((exit) => f.loop((repeat) => {
              f.push(f.binary('i32.ge_u', q, qEnd)); f.brIf(exit);
              f.assign(v, f.loadFrom('v128.load', q));
              f.assign(idx, ib);
              tapAt(f.add(q, cBytes), offC);
              tapAt(f.add(q, rowBytes), offRow);
              tapAt(f.add(q, rowCBytes), offRowC);
              f.push(qo); f.push(v); f.store('v128.store');
              f.push(qa); f.push(idx); f.store('v128.store');
              f.push(ib); f.i32x4(4); f.op('i32x4.add'); f.set(ib);
              f.assign(q, f.add(q, 16)); f.assign(qo, f.add(qo, 16)); f.assign(qa, f.add(qa, 16));
              f.br(repeat);
            }));
            f.forRange(c, C4, C, 1, () => {
              seed1();
              tap1(f.add(f.add(first, c), C));
              tap1(f.add(f.add(first, c), rowEl));
              tap1(f.add(f.add(f.add(first, c), rowEl), C));
              store1();
            });
          }, () => {
            f.forRange(c, 0, C4, 4, () => { seed4(); window(tap4); store4(); });
            f.forRange(c, C4, C, 1, () => { seed1(); window(tap1); store1(); });
          });
        }, () => {
          // No cell of the window in the image (a hand-made dilated geometry): −Infinity, argmax −1.
          f.forRange(c, 0, C, 1, () => {
            f.push(addr(out, f.add(o, c))); f.f32(-Infinity); f.store('f32.store');
            f.storeTo('i32.store', addr(argmax, f.add(o, c)), -1);
          });
        });
        f.assign(o, f.add(o, C));
      });
    });
    f.assign(base, f.add(base, imgEl));
  });
  return f;
}

/**
 * lo = firstTap(i0, d, k) and hi = endTap(i0, d, k, n, lo) of ../conv_geometry.ts, branch-free:
 *   lo = max(0, min(ceil(−i0 / d), k)),  hi = max(lo, min(ceil((n − i0) / d), k)).
 * ceil(a / d) is (a + d − 1) / d truncated; when a ≤ 0 that is ≤ 0 and the max takes over, so
 * the cases i0 ≥ 0 (lo = 0) and i0 ≥ n (hi = lo) need no test.
 */
function emitTapRange(f: FunctionBuilder, i0: Local, d: Local, k: Local, n: Local, lo: Local, hi: Local): void {
  const clamp = (target: Local, a: Operand, floor: Operand) => {
    f.assign(target, f.binary('i32.div_s', f.sub(f.add(a, d), 1), d)); // ceil(a / d) for a > 0
    f.assign(target, f.min(target, k));
    // max(target, floor) = select(target, floor, target > floor)
    f.push(target); f.push(floor); f.push(target); f.push(floor); f.op('i32.gt_s'); f.op('select'); f.set(target);
  };
  clamp(lo, f.sub(0, i0), 0);
  clamp(hi, f.sub(n, i0), lo);
}
