// The WebAssembly SIMD GEMM, written with the emitter (emitter.ts) at run time.
//
// It is the same BLIS loop nest as the JavaScript reference (../gemm.ts: read that first), with
// f32x4 vectors in the micro-kernel and in the packing:
//
//   gemm(...)                                   for one block of C, on one thread
//     for jc over the columns of C, NC at a time
//       for pc over k, KC at a time
//         packB: op(B)[pc:+KC, jc:+NC] → NR-wide slivers             (B panel, L2/L3)
//         for ic over the rows of C, MC at a time
//           packA: op(A)[ic:+MC, pc:+KC] → MR-tall slivers           (A block, L2)
//           macro: for jr (NR columns), for ir (MR rows):
//             kernel: the MR×NR tile of C (+)= A sliver · B sliver   (in registers)
//
// Everything works on byte addresses in one linear memory that the caller has filled (see
// simd.ts): A, B and C are copied in, each thread gets its own scratch area for the packed
// panels, and the exported `gemm` computes one rectangular block of C, so threads can split C.
//
// The micro-kernel keeps a 4×8 tile of C in eight f32x4 locals. Per step of k it loads two
// vectors of B (8 columns), splats each of the 4 numbers of A in turn (v128.load32_splat) and does
// 8 f32x4.mul + 8 f32x4.add: 64 flops for 6 loads. Measured alone on packed data in L1 (Node 20,
// Zen 4, GFLOPS): 4×8 38 · 2×16 38 · 3×8 34 · 4×12 29 · 6×8 26 · 5×8 24 · 8×4 13; unrolling the k
// loop by 2 or 4 made 4×8 slower (27–30). x64 V8 allocates 15 xmm registers to wasm (xmm15 is
// its scratch): 4×8 needs 8 accumulators + 2 B vectors + 1 splat = 11; 6×8 needs 15 and spills.
// No fused multiply-add: relaxed SIMD is not on by default in Node 20 (V8 11.3).
//
// NOTE: numerics. The tile is summed in float32 (each step rounds the product and the sum), as
// float32 BLAS and TF.js's XNNPACK do, over blocks of KC terms, then added to C. The JS reference
// sums in float64, so the two differ in the last bits (the tests bound both against a float64
// oracle). Each element of C is computed by one micro-kernel call per k-block, in order of p,
// whichever thread computes it and wherever its block starts: the result does not depend on how
// C is split, so it is the same for any thread count.

import { ModuleBuilder, type FunctionBuilder, type Local } from './emitter.js';
import { emitCol2im, emitIm2col } from './im2col_module.js';
import { emitMaxPool } from './pool_module.js';
import { emitDepthwise, emitDepthwiseFilter, emitDepthwiseInput } from './depthwise_module.js';

/** Micro-kernel rows: the height of a packed A sliver. The packing assumes 4. */
export const MR = 4;
/** Micro-kernel columns: the width of a packed B sliver, two f32x4 vectors. The packing assumes 8. */
export const NR = 8;
/** Depth of a k-block: a KC×NR B sliver (8 KiB) stays in L1 while the A block streams past it. */
export const KC = 256;
/** Rows of A packed at once: MC×KC floats = 128 KiB, in L2. A multiple of MR. */
export const MC = 128;
/** Columns of B packed at once: KC×NC floats = 2 MiB. A multiple of NR. */
export const NC = 2048;

/** Bytes of scratch one thread needs: the A block, the B panel and one edge tile. */
export const SCRATCH_BYTES = (MC * KC + KC * NC + MR * NR) * 4;

/**
 * The signature of the exported `gemm`: byte addresses, strides in elements, booleans as 0/1.
 * Computes the m×n block C (+)= op(A)·op(B) with k ≥ 1, using `scratch` (SCRATCH_BYTES, its own).
 */
export type WasmGemm = (
  transA: number, transB: number, m: number, n: number, k: number,
  a: number, lda: number, b: number, ldb: number, c: number, ldc: number,
  accumulate: number, scratch: number,
) => void;

/**
 * Builds the kernels module: it imports `env.memory` (shared or not, as `shared` says; the limits
 * must match the memory given at instantiation) and exports `gemm` (see {@link WasmGemm}),
 * `gemmChunk`, `epilogue`, `reluBackward`, `im2col` / `col2im` (im2col_module.ts), `maxPool`
 * (pool_module.ts) and `depthwise` / `depthwiseInput` / `depthwiseFilter` (depthwise_module.ts).
 *
 * @example
 * const memory = new WebAssembly.Memory({ initial: 80, maximum: 1024 });
 * const module = new WebAssembly.Module(gemmModuleBytes({ initial: 80, maximum: 1024, shared: false }));
 * const gemm = new WebAssembly.Instance(module, { env: { memory } }).exports.gemm as WasmGemm;
 */
export function gemmModuleBytes(memory: { initial: number; maximum: number; shared: boolean }): Uint8Array<ArrayBuffer> {
  const mod = new ModuleBuilder();
  mod.importMemory(memory);
  const kernel = emitKernel(mod);
  const packA = emitPackA(mod);
  const packB = emitPackB(mod);
  const macro = emitMacro(mod, kernel);
  const gemm = emitGemm(mod, packA, packB, macro);
  const epilogue = emitEpilogue(mod);
  mod.exportFunc(gemm);
  mod.exportFunc(emitGemmChunk(mod, gemm, epilogue));
  mod.exportFunc(epilogue);
  mod.exportFunc(emitReluBackward(mod));
  mod.exportFunc(emitIm2col(mod));
  mod.exportFunc(emitCol2im(mod));
  mod.exportFunc(emitMaxPool(mod));
  mod.exportFunc(emitDepthwise(mod));
  mod.exportFunc(emitDepthwiseInput(mod));
  mod.exportFunc(emitDepthwiseFilter(mod));
  return mod.bytes();
}

/**
 * epilogue(c, ldc, m, n, bias, relu): C[i][j] = act(C[i][j] + bias[j]) on the m×n block at c
 * (rows ldc bytes apart); `bias` is a byte address, or 0 for none; act is relu if `relu` ≠ 0.
 */
export type WasmEpilogue = (c: number, ldc: number, m: number, n: number, bias: number, relu: number) => void;

/**
 * reluBackward(dy, y, dz, rows, F, sums): dz = dy·[y > 0] over rows×F floats (dz may be dy), and
 * if `sums` ≠ 0, the F float64 numbers at `sums` += the column sums of dz, row by row.
 */
export type WasmReluBackward = (dy: number, y: number, dz: number, rows: number, F: number, sums: number) => void;

/**
 * Word indices (Int32, from the descriptor's address) of a job descriptor: the arguments of one
 * gemm call, how C is split into chunks, and where the per-thread scratch areas are.
 */
export const DESC = {
  transA: 0, transB: 1, m: 2, n: 3, k: 4, a: 5, lda: 6, b: 7, ldb: 8, c: 9, ldc: 10, accumulate: 11,
  /** 1: chunks are blocks of rows of C; 0: blocks of columns. */
  splitRows: 12,
  /** Rows (or columns) per chunk: a multiple of MR (or NR); the last chunk may be shorter. */
  chunk: 13,
  /** Byte address of the scratch area of thread 0; thread t's is scratchBase + t·SCRATCH_BYTES. */
  scratchBase: 14,
  /** Byte address of a bias added to each row of C after the product, or 0 for none. */
  bias: 15,
  /** 1: relu after the bias. */
  relu: 16,
  WORDS: 17,
} as const;

/** gemmChunk(desc, index, thread): computes chunk `index` of the job at `desc`, as thread `thread`. */
export type WasmGemmChunk = (desc: number, index: number, thread: number) => void;

/**
 * kernel(kc, a, b, c, ldc, overwrite): the 4×8 tile at byte address c (rows ldc bytes apart)
 * = or += (4×kc sliver at a)·(kc×8 sliver at b). kc ≥ 1.
 */
function emitKernel(mod: ModuleBuilder): FunctionBuilder {
  const f = mod.func('kernel', ['i32', 'i32', 'i32', 'i32', 'i32', 'i32']);
  const [kc, a, b, c, ldc, overwrite] = f.params as [Local, Local, Local, Local, Local, Local];
  const NV = NR / 4;
  // acc[r][v] holds C[r][4v … 4v+3]. Locals start at zero.
  const acc = Array.from({ length: MR }, () => Array.from({ length: NV }, () => f.local('v128')));
  const bv = Array.from({ length: NV }, () => f.local('v128'));
  const av = f.local('v128');

  // do { one step of k } while (--kc)
  f.loop((repeat) => {
    for (let v = 0; v < NV; v++) f.assign(bv[v]!, f.loadFrom('v128.load', b, 16 * v));
    for (let r = 0; r < MR; r++) {
      f.assign(av, f.loadFrom('v128.load32_splat', a, 4 * r));
      for (let v = 0; v < NV; v++) {
        // acc += a·b
        f.get(acc[r]![v]!); f.get(av); f.get(bv[v]!); f.op('f32x4.mul'); f.op('f32x4.add'); f.set(acc[r]![v]!);
      }
    }
    f.assign(a, f.add(a, MR * 4));
    f.assign(b, f.add(b, NR * 4));
    f.assign(kc, f.sub(kc, 1));
    f.push(kc); f.brIf(repeat);
  });

  // Write the tile: C = acc, or C += acc. Row r starts at c + r·ldc.
  const row = f.local('i32');
  f.when(overwrite, () => {
    f.assign(row, c);
    for (let r = 0; r < MR; r++) {
      for (let v = 0; v < NV; v++) f.storeTo('v128.store', row, acc[r]![v]!, 16 * v);
      f.assign(row, f.add(row, ldc));
    }
  }, () => {
    f.assign(row, c);
    for (let r = 0; r < MR; r++) {
      for (let v = 0; v < NV; v++) {
        f.push(row); f.push(f.loadFrom('v128.load', row, 16 * v)); f.get(acc[r]![v]!); f.op('f32x4.add');
        f.store('v128.store', 16 * v);
      }
      f.assign(row, f.add(row, ldc));
    }
  });
  return f;
}

/**
 * Byte lanes of i8x16.shuffle for f32 lanes: `f32Lanes([0, 4, 1, 5])` takes lane 0 of the first
 * vector, lane 0 of the second, lane 1 of the first, lane 1 of the second.
 */
function f32Lanes(lanes: readonly number[]): number[] {
  return lanes.flatMap((l) => [4 * l, 4 * l + 1, 4 * l + 2, 4 * l + 3]);
}

/**
 * Transposes the 4×4 block held in `rows` (row i = vector i) in place, with 8 shuffles that V8
 * turns into unpcklps / unpckhps / movlhps / movhlps: rows[i] becomes column i.
 */
function transpose4x4(f: FunctionBuilder, rows: readonly Local[], tmp: readonly Local[]): void {
  const [r0, r1, r2, r3] = rows as [Local, Local, Local, Local];
  const [t0, t1, t2, t3] = tmp as [Local, Local, Local, Local];
  const shuffle = (x: Local, y: Local, lanes: number[], into: Local) => { f.get(x); f.get(y); f.shuffle(f32Lanes(lanes)); f.set(into); };
  shuffle(r0, r1, [0, 4, 1, 5], t0); // a0 b0 a1 b1
  shuffle(r0, r1, [2, 6, 3, 7], t1); // a2 b2 a3 b3
  shuffle(r2, r3, [0, 4, 1, 5], t2); // c0 d0 c1 d1
  shuffle(r2, r3, [2, 6, 3, 7], t3); // c2 d2 c3 d3
  shuffle(t0, t2, [0, 1, 4, 5], r0); // a0 b0 c0 d0
  shuffle(t0, t2, [2, 3, 6, 7], r1); // a1 b1 c1 d1
  shuffle(t1, t3, [0, 1, 4, 5], r2); // a2 b2 c2 d2
  shuffle(t1, t3, [2, 3, 6, 7], r3); // a3 b3 c3 d3
}

/**
 * packA(mc, kc, src, rs, cs, dst): the mc×kc block of op(A) whose element (i, p) is at
 * src + i·rs + p·cs (bytes) → MR-tall slivers at dst, sliver s = rows 4s…4s+3, column by column.
 * Rows past mc are zeros. One of rs, cs is 4 (one float), as op(A) is A or Aᵀ of a row-major A.
 */
function emitPackA(mod: ModuleBuilder): FunctionBuilder {
  const f = mod.func('packA', ['i32', 'i32', 'i32', 'i32', 'i32', 'i32']);
  const [mc, kc, src, rs, cs, dst] = f.params as [Local, Local, Local, Local, Local, Local];
  const ir = f.local('i32'), p = f.local('i32'), row0 = f.local('i32'), out = f.local('i32');
  const v = [f.local('v128'), f.local('v128'), f.local('v128'), f.local('v128')];
  const t = [f.local('v128'), f.local('v128'), f.local('v128'), f.local('v128')];

  f.assign(out, dst);
  f.forRange(ir, 0, mc, MR, () => {
    f.assign(row0, f.add(src, f.mul(ir, rs)));
    f.when(f.binary('i32.ge_s', f.sub(mc, ir), MR), () => {
      f.when(f.binary('i32.eq', cs, 4), () => {
        // A row-major: each row is contiguous in p. Load 4 floats of each of the 4 rows,
        // transpose, store 4 columns. Then the last kc mod 4 columns one float at a time.
        f.assign(p, 0);
        f.block((exit) => f.loop((repeat) => {
          f.push(f.binary('i32.gt_s', f.add(p, 4), kc)); f.brIf(exit);
          for (let r = 0; r < 4; r++) f.assign(v[r]!, f.loadFrom('v128.load', f.add(row0, f.add(f.mul(rs, r), f.mul(p, 4)))));
          transpose4x4(f, v, t);
          for (let q = 0; q < 4; q++) f.storeTo('v128.store', f.add(out, f.mul(p, 16)), v[q]!, 16 * q);
          f.assign(p, f.add(p, 4));
          f.br(repeat);
        }));
        f.forRange(p, p, kc, 1, () => {
          for (let r = 0; r < 4; r++) {
            f.storeTo('f32.store', f.add(out, f.mul(p, 16)), f.loadFrom('f32.load', f.add(row0, f.add(f.mul(rs, r), f.mul(p, 4)))), 4 * r);
          }
        });
      }, () => {
        // Aᵀ stored: the 4 rows of one column p are 4 consecutive floats (rs = 4).
        f.forRange(p, 0, kc, 1, () => {
          f.storeTo('v128.store', f.add(out, f.mul(p, 16)), f.loadFrom('v128.load', f.add(row0, f.mul(p, cs))));
        });
      });
    }, () => {
      // The last, partial sliver: one float at a time, zeros below the last row.
      const rows = f.local('i32');
      f.assign(rows, f.sub(mc, ir));
      f.forRange(p, 0, kc, 1, () => {
        for (let r = 0; r < MR; r++) {
          f.when(f.binary('i32.lt_s', r, rows), () => {
            f.storeTo('f32.store', f.add(out, f.mul(p, 16)), f.loadFrom('f32.load', f.add(row0, f.add(f.mul(rs, r), f.mul(p, cs)))), 4 * r);
          }, () => {
            f.push(f.add(out, f.mul(p, 16))); f.f32(0); f.store('f32.store', 4 * r);
          });
        }
      });
    });
    f.assign(out, f.add(out, f.mul(kc, MR * 4)));
  });
  return f;
}

/**
 * packB(kc, nc, src, rs, cs, dst): the kc×nc block of op(B) whose element (p, j) is at
 * src + p·rs + j·cs (bytes) → NR-wide slivers at dst, sliver s = columns 8s…8s+7, row by row.
 * Columns past nc are zeros. One of rs, cs is 4.
 */
function emitPackB(mod: ModuleBuilder): FunctionBuilder {
  const f = mod.func('packB', ['i32', 'i32', 'i32', 'i32', 'i32', 'i32']);
  const [kc, nc, src, rs, cs, dst] = f.params as [Local, Local, Local, Local, Local, Local];
  const jr = f.local('i32'), p = f.local('i32'), col0 = f.local('i32'), out = f.local('i32');
  const v = [f.local('v128'), f.local('v128'), f.local('v128'), f.local('v128')];
  const t = [f.local('v128'), f.local('v128'), f.local('v128'), f.local('v128')];

  f.assign(out, dst);
  f.forRange(jr, 0, nc, NR, () => {
    f.assign(col0, f.add(src, f.mul(jr, cs)));
    f.when(f.binary('i32.ge_s', f.sub(nc, jr), NR), () => {
      f.when(f.binary('i32.eq', cs, 4), () => {
        // B row-major: the 8 columns of row p are 8 consecutive floats: two vector copies.
        f.forRange(p, 0, kc, 1, () => {
          for (let h = 0; h < 2; h++) {
            f.storeTo('v128.store', f.add(out, f.mul(p, 32)), f.loadFrom('v128.load', f.add(col0, f.mul(p, rs)), 16 * h), 16 * h);
          }
        });
      }, () => {
        // Bᵀ stored: each column j is contiguous in p. For each group of 4 columns, load 4
        // floats of each, transpose, store 4 half-rows. Then the last kc mod 4 rows one by one.
        f.assign(p, 0);
        f.block((exit) => f.loop((repeat) => {
          f.push(f.binary('i32.gt_s', f.add(p, 4), kc)); f.brIf(exit);
          for (let h = 0; h < 2; h++) {
            for (let j = 0; j < 4; j++) f.assign(v[j]!, f.loadFrom('v128.load', f.add(col0, f.add(f.mul(cs, 4 * h + j), f.mul(p, 4)))));
            transpose4x4(f, v, t);
            for (let q = 0; q < 4; q++) f.storeTo('v128.store', f.add(out, f.mul(f.add(p, q), 32)), v[q]!, 16 * h);
          }
          f.assign(p, f.add(p, 4));
          f.br(repeat);
        }));
        f.forRange(p, p, kc, 1, () => {
          for (let j = 0; j < NR; j++) {
            f.storeTo('f32.store', f.add(out, f.mul(p, 32)), f.loadFrom('f32.load', f.add(col0, f.add(f.mul(cs, j), f.mul(p, 4)))), 4 * j);
          }
        });
      });
    }, () => {
      // The last, partial sliver: one float at a time, zeros right of the last column.
      const cols = f.local('i32');
      f.assign(cols, f.sub(nc, jr));
      f.forRange(p, 0, kc, 1, () => {
        for (let j = 0; j < NR; j++) {
          f.when(f.binary('i32.lt_s', j, cols), () => {
            f.storeTo('f32.store', f.add(out, f.mul(p, 32)), f.loadFrom('f32.load', f.add(col0, f.add(f.mul(cs, j), f.mul(p, rs)))), 4 * j);
          }, () => {
            f.push(f.add(out, f.mul(p, 32))); f.f32(0); f.store('f32.store', 4 * j);
          });
        }
      });
    });
    f.assign(out, f.add(out, f.mul(kc, NR * 4)));
  });
  return f;
}

/**
 * macro(mc, nc, kc, c, ldc, overwrite, pa, pb, edge): the packed mc×kc A block times the packed
 * kc×nc B panel into C at c (rows ldc bytes apart), tile by tile. Tiles cut by the bottom or
 * right edge of C are computed into the 4×8 scratch tile `edge` and copied in float by float.
 */
function emitMacro(mod: ModuleBuilder, kernel: FunctionBuilder): FunctionBuilder {
  const f = mod.func('macro', ['i32', 'i32', 'i32', 'i32', 'i32', 'i32', 'i32', 'i32', 'i32']);
  const [mc, nc, kc, c, ldc, overwrite, pa, pb, edge] = f.params as Local[] as [Local, Local, Local, Local, Local, Local, Local, Local, Local];
  const jr = f.local('i32'), ir = f.local('i32'), bs = f.local('i32'), tile = f.local('i32');
  const rows = f.local('i32'), cols = f.local('i32'), i = f.local('i32'), j = f.local('i32'), at = f.local('i32');

  f.forRange(jr, 0, nc, NR, () => {
    f.assign(cols, f.min(NR, f.sub(nc, jr)));
    f.assign(bs, f.add(pb, f.mul(f.mul(jr, kc), 4))); // sliver jr/NR starts NR·kc·(jr/NR) = jr·kc floats in
    f.forRange(ir, 0, mc, MR, () => {
      f.assign(rows, f.min(MR, f.sub(mc, ir)));
      f.assign(tile, f.add(c, f.add(f.mul(ir, ldc), f.mul(jr, 4))));
      const aSliver = f.add(pa, f.mul(f.mul(ir, kc), 4));
      f.when(f.binary('i32.and', f.binary('i32.eq', rows, MR), f.binary('i32.eq', cols, NR)), () => {
        f.push(kc); f.push(aSliver); f.push(bs); f.push(tile); f.push(ldc); f.push(overwrite); f.call(kernel);
      }, () => {
        f.push(kc); f.push(aSliver); f.push(bs); f.push(edge); f.push(NR * 4); f.push(1); f.call(kernel);
        f.forRange(i, 0, rows, 1, () => {
          f.forRange(j, 0, cols, 1, () => {
            f.assign(at, f.add(tile, f.add(f.mul(i, ldc), f.mul(j, 4))));
            const fromEdge = f.loadFrom('f32.load', f.add(edge, f.mul(f.add(f.mul(i, NR), j), 4)));
            f.when(overwrite, () => f.storeTo('f32.store', at, fromEdge), () => {
              f.push(at); f.push(f.loadFrom('f32.load', at)); f.push(fromEdge); f.op('f32.add'); f.store('f32.store');
            });
          });
        });
      });
    });
  });
  return f;
}

/** gemm(...): the loop nest around packA, packB and macro; see {@link WasmGemm}. */
function emitGemm(mod: ModuleBuilder, packA: FunctionBuilder, packB: FunctionBuilder, macro: FunctionBuilder): FunctionBuilder {
  const f = mod.func('gemm', Array<'i32'>(13).fill('i32'));
  const [transA, transB, m, n, k, a, lda, b, ldb, c, ldc, accumulate, scratch] = f.params as Local[] as
    [Local, Local, Local, Local, Local, Local, Local, Local, Local, Local, Local, Local, Local];
  const aRS = f.local('i32'), aCS = f.local('i32'), bRS = f.local('i32'), bCS = f.local('i32'), ldcB = f.local('i32');
  const pa = f.local('i32'), pb = f.local('i32'), edge = f.local('i32');
  const jc = f.local('i32'), pc = f.local('i32'), ic = f.local('i32'), nc = f.local('i32'), kc = f.local('i32'), mc = f.local('i32');
  const overwrite = f.local('i32');

  // op(A)[i][p] is at a + i·aRS + p·aCS (bytes); a transposed operand swaps its two strides.
  const strides = (trans: Local, ld: Local, rowStride: Local, colStride: Local) => {
    f.when(trans, () => { f.assign(rowStride, 4); f.assign(colStride, f.mul(ld, 4)); },
      () => { f.assign(rowStride, f.mul(ld, 4)); f.assign(colStride, 4); });
  };
  strides(transA, lda, aRS, aCS);
  strides(transB, ldb, bRS, bCS);
  f.assign(ldcB, f.mul(ldc, 4));
  f.assign(pa, scratch);
  f.assign(pb, f.add(scratch, MC * KC * 4));
  f.assign(edge, f.add(pb, KC * NC * 4));

  f.forRange(jc, 0, n, NC, () => {
    f.assign(nc, f.min(NC, f.sub(n, jc)));
    f.forRange(pc, 0, k, KC, () => {
      f.assign(kc, f.min(KC, f.sub(k, pc)));
      // The first k-block overwrites C unless accumulating; later blocks add to it.
      f.assign(overwrite, f.binary('i32.and', f.binary('i32.eq', pc, 0), f.binary('i32.eq', accumulate, 0)));
      f.push(kc); f.push(nc); f.push(f.add(b, f.add(f.mul(pc, bRS), f.mul(jc, bCS)))); f.push(bRS); f.push(bCS); f.push(pb); f.call(packB);
      f.forRange(ic, 0, m, MC, () => {
        f.assign(mc, f.min(MC, f.sub(m, ic)));
        f.push(mc); f.push(kc); f.push(f.add(a, f.add(f.mul(ic, aRS), f.mul(pc, aCS)))); f.push(aRS); f.push(aCS); f.push(pa); f.call(packA);
        f.push(mc); f.push(nc); f.push(kc); f.push(f.add(c, f.add(f.mul(ic, ldcB), f.mul(jc, 4)))); f.push(ldcB);
        f.push(overwrite); f.push(pa); f.push(pb); f.push(edge); f.call(macro);
      });
    });
  });
  return f;
}

/**
 * gemmChunk(desc, index, thread): reads the job descriptor at `desc` (see {@link DESC}) and runs
 * gemm on chunk `index` of C: rows (or columns) [index·chunk, +chunk), with thread `thread`'s
 * scratch. Every thread of the pool calls this on the chunks it claims.
 */
function emitGemmChunk(mod: ModuleBuilder, gemm: FunctionBuilder, epilogue: FunctionBuilder): FunctionBuilder {
  const f = mod.func('gemmChunk', ['i32', 'i32', 'i32']);
  const [desc, index, thread] = f.params as [Local, Local, Local];
  const word = (w: number) => f.loadFrom('i32.load', desc, 4 * w);
  const start = f.local('i32'), m = f.local('i32'), n = f.local('i32'), a = f.local('i32'), b = f.local('i32'), c = f.local('i32');
  const bias = f.local('i32');
  f.assign(start, f.mul(index, word(DESC.chunk)));
  f.assign(m, word(DESC.m)); f.assign(n, word(DESC.n));
  f.assign(a, word(DESC.a)); f.assign(b, word(DESC.b)); f.assign(c, word(DESC.c));
  f.assign(bias, word(DESC.bias));
  f.when(word(DESC.splitRows), () => {
    // Rows [start, start + chunk) of C: row `start` of op(A) is start·(transA ? 1 : lda) floats in.
    // (select: cond ? first : second)
    f.assign(m, f.min(word(DESC.chunk), f.sub(m, start)));
    f.push(a); f.push(start); f.i32(1); f.push(word(DESC.lda)); f.push(word(DESC.transA)); f.op('select'); f.op('i32.mul');
    f.i32(4); f.op('i32.mul'); f.op('i32.add'); f.set(a);
    f.assign(c, f.add(c, f.mul(f.mul(start, word(DESC.ldc)), 4)));
  }, () => {
    // Columns [start, start + chunk): column `start` of op(B) is start·(transB ? ldb : 1) floats in.
    f.assign(n, f.min(word(DESC.chunk), f.sub(n, start)));
    f.push(b); f.push(start); f.push(word(DESC.ldb)); f.i32(1); f.push(word(DESC.transB)); f.op('select'); f.op('i32.mul');
    f.i32(4); f.op('i32.mul'); f.op('i32.add'); f.set(b);
    f.assign(c, f.add(c, f.mul(start, 4)));
    f.when(bias, () => f.assign(bias, f.add(bias, f.mul(start, 4)))); // the chunk's first column's bias
  });
  f.push(word(DESC.transA)); f.push(word(DESC.transB)); f.push(m); f.push(n); f.push(word(DESC.k));
  f.push(a); f.push(word(DESC.lda)); f.push(b); f.push(word(DESC.ldb)); f.push(c); f.push(word(DESC.ldc));
  f.push(word(DESC.accumulate)); f.push(f.add(word(DESC.scratchBase), f.mul(thread, SCRATCH_BYTES)));
  f.call(gemm);
  // The epilogue on this chunk's block while it is still in cache.
  f.when(f.binary('i32.or', bias, word(DESC.relu)), () => {
    f.push(c); f.push(f.mul(word(DESC.ldc), 4)); f.push(m); f.push(n); f.push(bias); f.push(word(DESC.relu)); f.call(epilogue);
  });
  return f;
}

/** epilogue(c, ldc, m, n, bias, relu): see {@link WasmEpilogue}. Four columns at a time, then the rest. */
function emitEpilogue(mod: ModuleBuilder): FunctionBuilder {
  const f = mod.func('epilogue', ['i32', 'i32', 'i32', 'i32', 'i32', 'i32']);
  const [c, ldc, m, n, bias, relu] = f.params as [Local, Local, Local, Local, Local, Local];
  const i = f.local('i32'), j = f.local('i32'), row = f.local('i32'), v = f.local('v128'), s = f.local('f32');
  // NOTE: relu is max(v, 0): NaN stays NaN and −0 becomes +0, as the JS epilogue's (v + |v|)/2,
  // and the float32 bias add rounds as the JS float64 add rounded to float32 does (a double
  // rounding of a sum of two float32 numbers is exact), so both epilogues agree to the bit.
  f.forRange(i, 0, m, 1, () => {
    f.assign(row, f.add(c, f.mul(i, ldc)));
    f.assign(j, 0);
    f.block((exit) => f.loop((repeat) => {
      f.push(f.binary('i32.gt_s', f.add(j, 4), n)); f.brIf(exit);
      f.assign(v, f.loadFrom('v128.load', f.add(row, f.mul(j, 4))));
      f.when(bias, () => { f.get(v); f.push(f.loadFrom('v128.load', f.add(bias, f.mul(j, 4)))); f.op('f32x4.add'); f.set(v); });
      f.when(relu, () => { f.get(v); f.f32x4(0); f.op('f32x4.max'); f.set(v); });
      f.storeTo('v128.store', f.add(row, f.mul(j, 4)), v);
      f.assign(j, f.add(j, 4));
      f.br(repeat);
    }));
    f.forRange(j, j, n, 1, () => {
      f.assign(s, f.loadFrom('f32.load', f.add(row, f.mul(j, 4))));
      f.when(bias, () => { f.get(s); f.push(f.loadFrom('f32.load', f.add(bias, f.mul(j, 4)))); f.op('f32.add'); f.set(s); });
      f.when(relu, () => { f.get(s); f.f32(0); f.op('f32.max'); f.set(s); });
      f.storeTo('f32.store', f.add(row, f.mul(j, 4)), s);
    });
  });
  return f;
}

/** reluBackward(dy, y, dz, rows, F, sums): see {@link WasmReluBackward}. */
function emitReluBackward(mod: ModuleBuilder): FunctionBuilder {
  const f = mod.func('reluBackward', ['i32', 'i32', 'i32', 'i32', 'i32', 'i32']);
  const [dy, y, dz, rows, F, sums] = f.params as [Local, Local, Local, Local, Local, Local];
  const r = f.local('i32'), j = f.local('i32'), v = f.local('v128'), s = f.local('f32');
  // NOTE: dy·mask with mask = 1.0 where y > 0, else 0.0 (f32x4.gt gives all-ones lanes, and-ed
  // with 1.0), as the JS kernel's dy·+(y > 0): a NaN or ±Inf in dy gives NaN where y ≤ 0. The
  // column sums are float64 (f64x2), added row by row as the JS kernel adds them: same bits.
  f.forRange(r, 0, rows, 1, () => {
    f.assign(j, 0);
    f.block((exit) => f.loop((repeat) => {
      f.push(f.binary('i32.gt_s', f.add(j, 4), F)); f.brIf(exit);
      f.push(f.loadFrom('v128.load', f.add(dy, f.mul(j, 4))));
      f.push(f.loadFrom('v128.load', f.add(y, f.mul(j, 4)))); f.f32x4(0); f.op('f32x4.gt');
      f.f32x4(1); f.op('v128.and');
      f.op('f32x4.mul'); f.set(v);
      f.storeTo('v128.store', f.add(dz, f.mul(j, 4)), v);
      f.when(sums, () => {
        // sums[j…j+1] += lanes 0, 1; sums[j+2…j+3] += lanes 2, 3 (moved down by a shuffle).
        const at = f.add(sums, f.mul(j, 8));
        f.push(at); f.push(f.loadFrom('v128.load', at)); f.get(v); f.op('f64x2.promote_low_f32x4'); f.op('f64x2.add'); f.store('v128.store');
        f.push(at); f.push(f.loadFrom('v128.load', at, 16));
        f.get(v); f.get(v); f.shuffle([8, 9, 10, 11, 12, 13, 14, 15, 8, 9, 10, 11, 12, 13, 14, 15]);
        f.op('f64x2.promote_low_f32x4'); f.op('f64x2.add'); f.store('v128.store', 16);
      });
      f.assign(j, f.add(j, 4));
      f.br(repeat);
    }));
    f.forRange(j, j, F, 1, () => {
      f.push(f.loadFrom('f32.load', f.add(dy, f.mul(j, 4))));
      f.push(f.loadFrom('f32.load', f.add(y, f.mul(j, 4)))); f.f32(0); f.op('f32.gt');
      f.op('f32.convert_i32_u'); f.op('f32.mul'); f.set(s);
      f.storeTo('f32.store', f.add(dz, f.mul(j, 4)), s);
      f.when(sums, () => {
        const at = f.add(sums, f.mul(j, 8));
        f.push(at); f.push(f.loadFrom('f64.load', at)); f.get(s); f.op('f64.promote_f32'); f.op('f64.add'); f.store('f64.store');
      });
    });
    f.assign(dy, f.add(dy, f.mul(F, 4)));
    f.assign(y, f.add(y, f.mul(F, 4)));
    f.assign(dz, f.add(dz, f.mul(F, 4)));
  });
  return f;
}
