// Running the WebAssembly SIMD GEMM (gemm_module.ts) on Float32Arrays: detection, the memory,
// copying the operands in and C out, and splitting C into chunks for the thread pool.
//
// Memory layout (bytes):
//   0 … 255                       control block and job descriptor (../threads/control.ts)
//   256 …                         one scratch area per thread (packed A block, B panel, edge tile)
//   then A, B and C, each at a 64-byte boundary
// A and B are copied in as the span of the caller's array they occupy (offset, leading
// dimension and all), so the kernel reads them through the same strides. C is copied in only
// when its old values matter (accumulate) or when its rows have gaps (ldc > n) that the single
// copy back out must leave as they were.

import { CONTROL_BYTES, DESCRIPTOR_ADDRESS, MAX_CHUNKS } from '../threads/control.js';
import { ThreadPool } from '../threads/pool.js';
import { ModuleBuilder } from './emitter.js';
import { GEOMETRY, type WasmCol2im, type WasmIm2col } from './im2col_module.js';
import { type WasmMaxPool } from './pool_module.js';
import { type WasmDepthwise, type WasmDepthwiseFilter, type WasmDepthwiseInput } from './depthwise_module.js';
import {
  DESC, MR, NR, SCRATCH_BYTES, gemmModuleBytes, type WasmEpilogue, type WasmGemm, type WasmGemmChunk, type WasmReluBackward,
} from './gemm_module.js';

const PAGE = 65536;

/**
 * Whether this engine runs WebAssembly SIMD128: validates a module of one function
 * `(v128.const 0) f32x4.add (v128.const 0) drop`. `validate` is injectable for tests.
 *
 * @example
 * simdSupported();   // true in Node 20, Chrome ≥ 91, Firefox ≥ 89, Safari ≥ 16.4
 */
export function simdSupported(validate: (bytes: Uint8Array<ArrayBuffer>) => boolean = (b) => WebAssembly.validate(b)): boolean {
  if (typeof WebAssembly !== 'object') return false;
  try {
    return validate(SIMD_PROBE);
  } catch {
    return false;
  }
}

// (module (func (drop (f32x4.add (v128.const f32x4 0 0 0 0) (v128.const f32x4 0 0 0 0)))))
const SIMD_PROBE = (() => {
  const probe = new ModuleBuilder();
  const f = probe.func('probe', []);
  f.f32x4(0); f.f32x4(0); f.op('f32x4.add'); f.op('drop');
  return probe.bytes();
})();

/** Rounds a byte address up to a multiple of 64 (a cache line). */
function align64(x: number): number {
  return Math.ceil(x / 64) * 64;
}

/** Floats a strided matrix view occupies from its first element: (rows−1)·ld + cols. */
function span(rows: number, cols: number, ld: number): number {
  return (rows - 1) * ld + cols;
}

/**
 * Places arrays one after another in the memory, each at a 64-byte boundary: `take(floats)`
 * returns a byte address, `end` the first byte past the last one.
 */
class Layout {
  constructor(public end: number) {}
  take(floats: number, bytesPerItem = 4): number {
    const at = align64(this.end);
    this.end = at + floats * bytesPerItem;
    return at;
  }
}

/** Patch-matrix geometry of a convolution (../conv_geometry.ts), the part the kernels read. */
export interface ConvShape {
  inH: number; inW: number; inC: number; kH: number; kW: number;
  strideH: number; strideW: number; dilationH: number; dilationW: number;
  padTop: number; padLeft: number; outH: number; outW: number;
}

/**
 * The SIMD engine: one memory, one compiled module, the calling thread's instance and, when
 * `shared`, a thread pool. Create it with {@link SimdGemm.create}.
 */
export class SimdGemm {
  private f32: Float32Array;
  private pool: ThreadPool | null = null;

  private constructor(
    readonly memory: WebAssembly.Memory,
    readonly module: WebAssembly.Module,
    private readonly exports: KernelExports,
    /** Whether the memory is shared, so that worker threads can use it. */
    readonly shared: boolean,
    /** The memory's maximum size in bytes. */
    private readonly maxBytes: number,
  ) {
    this.f32 = new Float32Array(memory.buffer);
  }

  /**
   * Compiles the module and makes its memory: shared (for threads) if `shared` and the
   * environment allows it, else plain. The maximum size is 4 GiB, or less where the engine
   * cannot reserve that much address space.
   */
  static create(shared: boolean): SimdGemm {
    const initial = Math.ceil((CONTROL_BYTES + SCRATCH_BYTES) / PAGE) + 16;
    let lastError: unknown = null;
    for (const maximum of [65536, 16384, 4096]) {
      try {
        const memory = new WebAssembly.Memory({ initial, maximum, shared });
        const module = new WebAssembly.Module(gemmModuleBytes({ initial, maximum, shared }));
        const e = new WebAssembly.Instance(module, { env: { memory } }).exports;
        const exports: KernelExports = {
          gemm: e.gemm as WasmGemm, gemmChunk: e.gemmChunk as WasmGemmChunk, epilogue: e.epilogue as WasmEpilogue,
          reluBackward: e.reluBackward as WasmReluBackward, im2col: e.im2col as WasmIm2col, col2im: e.col2im as WasmCol2im,
          maxPool: e.maxPool as WasmMaxPool,
          depthwise: e.depthwise as WasmDepthwise, depthwiseInput: e.depthwiseInput as WasmDepthwiseInput, depthwiseFilter: e.depthwiseFilter as WasmDepthwiseFilter,
        };
        return new SimdGemm(memory, module, exports, shared, maximum * PAGE);
      } catch (e) {
        lastError = e;
      }
    }
    throw new Error(`gemm: could not create the WebAssembly memory: ${String(lastError)}`);
  }

  /** The thread pool, started on first use with `threads` > 1 (shared memory only). */
  private poolFor(threads: number): ThreadPool | null {
    if (threads <= 1 || !this.shared) return null;
    this.pool ??= new ThreadPool(this.memory, this.module, (index) => this.exports.gemmChunk(DESCRIPTOR_ADDRESS, index, 0));
    this.pool.resize(threads);
    return this.pool.threads > 1 ? this.pool : null;
  }

  /** Stops the pool's workers (they start again on the next threaded call). */
  stopThreads(): number {
    const left = this.pool?.stop() ?? 0;
    this.pool = null;
    return left;
  }

  /** Workers of the pool that are running (0 without a pool). */
  get workersAlive(): number { return this.pool?.alive ?? 0; }

  /** Chunks of the last threaded call that workers computed (0 without a pool). */
  get lastWorkerChunks(): number { return this.pool?.lastWorkerChunks ?? 0; }

  /** A layout that starts past the control block and the scratch areas of `pool`'s threads. */
  private layout(pool: ThreadPool | null): Layout {
    return new Layout(CONTROL_BYTES + (pool?.slots ?? 1) * SCRATCH_BYTES);
  }

  /** Copies `floats` floats of `src` from `offset` to byte address `at`. */
  private put(src: Float32Array, offset: number, floats: number, at: number): void {
    this.f32.set(floats === src.length && offset === 0 ? src : src.subarray(offset, offset + floats), at >> 2);
  }

  /** Copies `floats` floats at byte address `at` into `dst` from `offset`. */
  private get(at: number, floats: number, dst: Float32Array, offset: number): void {
    dst.set(this.f32.subarray(at >> 2, (at >> 2) + floats), offset);
  }

  /**
   * C (+)= op(A)·op(B) with gemm's arguments (see ../gemm.ts), on `threads` threads (the caller
   * included), then C[i][j] = act(C[i][j] + bias[j]) if `bias` (n numbers) or `relu` is given.
   * Requires m, n, k ≥ 1 and views that fit their arrays (the caller checks).
   */
  run(
    threads: number,
    transA: boolean, transB: boolean, m: number, n: number, k: number,
    a: Float32Array, aOffset: number, lda: number,
    b: Float32Array, bOffset: number, ldb: number,
    c: Float32Array, cOffset: number, ldc: number,
    accumulate: boolean,
    bias: Float32Array | null = null, relu = false,
  ): void {
    const pool = this.poolFor(threads);
    const aLen = span(transA ? k : m, transA ? m : k, lda);
    const bLen = span(transB ? n : k, transB ? k : n, ldb);
    const cLen = span(m, n, ldc);
    const layout = this.layout(pool);
    const aAt = layout.take(aLen), bAt = layout.take(bLen), cAt = layout.take(cLen);
    const biasAt = bias === null ? 0 : layout.take(n);
    this.reserve(layout.end);

    this.put(a, aOffset, aLen, aAt);
    this.put(b, bOffset, bLen, bAt);
    // C's old values matter when accumulating, and its gaps (ldc > n) when copied back in one piece.
    if (accumulate || (ldc > n && m > 1)) this.put(c, cOffset, cLen, cAt);
    if (bias !== null) this.put(bias, 0, n, biasAt);
    this.product(pool, transA, transB, m, n, k, aAt, lda, bAt, ldb, cAt, ldc, accumulate, biasAt, relu);
    this.get(cAt, cLen, c, cOffset);
  }

  /**
   * The product on operands already in memory (byte addresses): on the calling thread, or split
   * into chunks of C along its longer side for the pool. Every chunk packs the whole of the other
   * operand again, so the split that repeats the smaller packing wins, and chunks are at least
   * MIN_CHUNK long.
   */
  private product(
    pool: ThreadPool | null,
    transA: boolean, transB: boolean, m: number, n: number, k: number,
    aAt: number, lda: number, bAt: number, ldb: number, cAt: number, ldc: number,
    accumulate: boolean, biasAt: number, relu: boolean,
  ): void {
    const scratch = CONTROL_BYTES;
    const splitRows = m >= n;
    const unit = splitRows ? MR : NR;
    const length = splitRows ? m : n;
    const tiles = Math.ceil(length / unit);
    const wanted = pool === null ? 1 : Math.min(tiles, pool.threads * CHUNKS_PER_THREAD, Math.floor(length / MIN_CHUNK), MAX_CHUNKS);
    if (pool === null || wanted < 2) {
      this.exports.gemm(+transA, +transB, m, n, k, aAt, lda, bAt, ldb, cAt, ldc, +accumulate, scratch);
      if (biasAt !== 0 || relu) this.exports.epilogue(cAt, 4 * ldc, m, n, biasAt, +relu);
      return;
    }
    const size = Math.ceil(tiles / wanted) * unit; // rows or columns per chunk, whole tiles
    const d = new Int32Array(this.memory.buffer, DESCRIPTOR_ADDRESS, DESC.WORDS);
    d[DESC.transA] = +transA; d[DESC.transB] = +transB;
    d[DESC.m] = m; d[DESC.n] = n; d[DESC.k] = k;
    d[DESC.a] = aAt; d[DESC.lda] = lda; d[DESC.b] = bAt; d[DESC.ldb] = ldb; d[DESC.c] = cAt; d[DESC.ldc] = ldc;
    d[DESC.accumulate] = +accumulate; d[DESC.splitRows] = +splitRows; d[DESC.chunk] = size;
    d[DESC.scratchBase] = scratch;
    d[DESC.bias] = biasAt; d[DESC.relu] = +relu;
    pool.run(Math.ceil(length / size));
  }

  /** Writes a convolution's geometry where im2col and col2im read it; returns its address. */
  private putGeometry(g: ConvShape): number {
    const words = new Int32Array(this.memory.buffer, GEOMETRY_ADDRESS, GEOMETRY.WORDS);
    words[GEOMETRY.inH] = g.inH; words[GEOMETRY.inW] = g.inW; words[GEOMETRY.inC] = g.inC;
    words[GEOMETRY.kH] = g.kH; words[GEOMETRY.kW] = g.kW;
    words[GEOMETRY.strideH] = g.strideH; words[GEOMETRY.strideW] = g.strideW;
    words[GEOMETRY.dilationH] = g.dilationH; words[GEOMETRY.dilationW] = g.dilationW;
    words[GEOMETRY.padTop] = g.padTop; words[GEOMETRY.padLeft] = g.padLeft;
    words[GEOMETRY.outH] = g.outH; words[GEOMETRY.outW] = g.outW;
    return GEOMETRY_ADDRESS;
  }

  /**
   * y[rows of images b0 … b0+count) = act(im2col(x)·W + bias): the patches are unrolled in
   * WebAssembly memory and never copied. W is [K, F] (K = kH·kW·inC); x the whole NHWC batch.
   */
  im2colGemm(threads: number, x: Float32Array, g: ConvShape, b0: number, count: number,
    w: Float32Array, F: number, y: Float32Array, bias: Float32Array | null, relu: boolean): void {
    const pool = this.poolFor(threads);
    const image = g.inH * g.inW * g.inC, P = g.outH * g.outW, K = g.kH * g.kW * g.inC, rows = count * P;
    const layout = this.layout(pool);
    const xAt = layout.take(count * image), colsAt = layout.take(rows * K), wAt = layout.take(K * F), yAt = layout.take(rows * F);
    const biasAt = bias === null ? 0 : layout.take(F);
    this.reserve(layout.end);
    this.put(x, b0 * image, count * image, xAt);
    this.put(w, 0, K * F, wAt);
    if (bias !== null) this.put(bias, 0, F, biasAt);
    this.exports.im2col(xAt, colsAt, count, this.putGeometry(g));
    this.product(pool, false, false, rows, F, K, colsAt, K, wAt, F, yAt, F, false, biasAt, relu);
    this.get(yAt, rows * F, y, b0 * P * F);
  }

  /** dW (+)= im2col(x)ᵀ·dz for images b0 … b0+count (dz: the whole [N·P, F] gradient). */
  im2colGemmT(threads: number, x: Float32Array, g: ConvShape, b0: number, count: number,
    dz: Float32Array, F: number, dW: Float32Array, accumulate: boolean): void {
    const pool = this.poolFor(threads);
    const image = g.inH * g.inW * g.inC, P = g.outH * g.outW, K = g.kH * g.kW * g.inC, rows = count * P;
    const layout = this.layout(pool);
    const xAt = layout.take(count * image), colsAt = layout.take(rows * K), dzAt = layout.take(rows * F), dwAt = layout.take(K * F);
    this.reserve(layout.end);
    this.put(x, b0 * image, count * image, xAt);
    this.put(dz, b0 * P * F, rows * F, dzAt);
    if (accumulate) this.put(dW, 0, K * F, dwAt);
    this.exports.im2col(xAt, colsAt, count, this.putGeometry(g));
    this.product(pool, true, false, K, F, rows, colsAt, K, dzAt, F, dwAt, F, accumulate, 0, false);
    this.get(dwAt, K * F, dW, 0);
  }

  /** dx[images b0 … b0+count) += col2im(dz·Wᵀ): the patch gradient stays in WebAssembly memory. */
  gemmCol2im(threads: number, dz: Float32Array, g: ConvShape, b0: number, count: number,
    w: Float32Array, F: number, dx: Float32Array): void {
    const pool = this.poolFor(threads);
    const image = g.inH * g.inW * g.inC, P = g.outH * g.outW, K = g.kH * g.kW * g.inC, rows = count * P;
    const layout = this.layout(pool);
    const dzAt = layout.take(rows * F), wAt = layout.take(K * F), colsAt = layout.take(rows * K), dxAt = layout.take(count * image);
    this.reserve(layout.end);
    this.put(dz, b0 * P * F, rows * F, dzAt);
    this.put(w, 0, K * F, wAt);
    this.put(dx, b0 * image, count * image, dxAt); // col2im adds into dx
    this.product(pool, false, true, rows, K, F, dzAt, F, wAt, F, colsAt, K, false, 0, false);
    this.exports.col2im(colsAt, dxAt, count, this.putGeometry(g));
    this.get(dxAt, count * image, dx, b0 * image);
  }

  /**
   * dz = dy·[y > 0] on rows of F floats (dz may be dy), and sums[f] += Σ_r dz[r, f] (float64) if
   * `sums` is given: the SIMD version of ../epilogue.ts's reluBackward, on the calling thread.
   */
  reluBackward(dy: Float32Array, y: Float32Array, dz: Float32Array, F: number, sums: Float64Array | null): void {
    const count = dy.length;
    const layout = this.layout(this.pool);
    const dyAt = layout.take(count), yAt = layout.take(count), sumsAt = layout.take(F, 8);
    this.reserve(layout.end);
    this.put(dy, 0, count, dyAt);
    this.put(y, 0, count, yAt);
    const wide = sums === null ? null : new Float64Array(this.memory.buffer, sumsAt, F);
    if (wide !== null && sums !== null) wide.set(sums);
    this.exports.reluBackward(dyAt, yAt, dyAt, count / F, F, wide === null ? 0 : sumsAt);
    this.get(dyAt, count, dz, 0);
    if (wide !== null && sums !== null) sums.set(wide);
  }

  /**
   * Max pooling of the NHWC batch x (`batch` images of `g`) into out and argmax, as
   * ../pool.ts's maxPoolForward (the same bits; argmax = flat index into x), on the calling thread.
   */
  maxPool(x: Float32Array, g: ConvShape, batch: number, out: Float32Array, argmax: Int32Array): void {
    const outLen = batch * g.outH * g.outW * g.inC;
    const layout = this.layout(this.pool);
    const xAt = layout.take(batch * g.inH * g.inW * g.inC), outAt = layout.take(outLen), argAt = layout.take(outLen);
    this.reserve(layout.end);
    this.put(x, 0, batch * g.inH * g.inW * g.inC, xAt);
    this.exports.maxPool(xAt, outAt, argAt, batch, this.putGeometry(g));
    this.get(outAt, outLen, out, 0);
    argmax.set(new Int32Array(this.memory.buffer, argAt, outLen));
  }

  /**
   * Depthwise convolution forward (depth multiplier 1) of images b0 … b0+count of the NHWC batch
   * x into their rows of y: y (+)= depthwise(x, w) + bias (w: [kh·kw·C], bias: C numbers or
   * null; added to y's rows if `accumulate`), on the calling thread. See depthwise_module.ts.
   */
  depthwiseForward(x: Float32Array, g: ConvShape, b0: number, count: number, w: Float32Array, bias: Float32Array | null, y: Float32Array, accumulate = false): void {
    const image = g.inH * g.inW * g.inC, outImage = g.outH * g.outW * g.inC, taps = g.kH * g.kW * g.inC;
    const layout = this.layout(this.pool);
    const xAt = layout.take(count * image), wAt = layout.take(taps), yAt = layout.take(count * outImage);
    const biasAt = bias === null ? 0 : layout.take(g.inC);
    this.reserve(layout.end);
    this.put(x, b0 * image, count * image, xAt);
    this.put(w, 0, taps, wAt);
    if (bias !== null) this.put(bias, 0, g.inC, biasAt);
    if (accumulate) this.put(y, b0 * outImage, count * outImage, yAt);
    this.exports.depthwise(xAt, wAt, biasAt, yAt, count, this.putGeometry(g), +accumulate);
    this.get(yAt, count * outImage, y, b0 * outImage);
  }

  /** dx[images b0 … b0+count) += the depthwise input gradient of dy (multiplier 1), on the calling thread. */
  depthwiseBackwardInput(dy: Float32Array, g: ConvShape, b0: number, count: number, w: Float32Array, dx: Float32Array): void {
    const image = g.inH * g.inW * g.inC, outImage = g.outH * g.outW * g.inC, taps = g.kH * g.kW * g.inC;
    const layout = this.layout(this.pool);
    const dyAt = layout.take(count * outImage), wAt = layout.take(taps), dxAt = layout.take(count * image);
    this.reserve(layout.end);
    this.put(dy, b0 * outImage, count * outImage, dyAt);
    this.put(w, 0, taps, wAt);
    this.put(dx, b0 * image, count * image, dxAt); // the scatter adds into dx
    this.exports.depthwiseInput(dyAt, wAt, dxAt, count, this.putGeometry(g));
    this.get(dxAt, count * image, dx, b0 * image);
  }

  /**
   * The depthwise filter gradient (multiplier 1) of images b0 … b0+count, summed in float32 and
   * ADDED to `dW64` in float64 (see depthwise_module.ts's NOTE), on the calling thread.
   */
  depthwiseBackwardFilter(x: Float32Array, dy: Float32Array, g: ConvShape, b0: number, count: number, dW64: Float64Array): void {
    const image = g.inH * g.inW * g.inC, outImage = g.outH * g.outW * g.inC, taps = g.kH * g.kW * g.inC;
    const layout = this.layout(this.pool);
    const xAt = layout.take(count * image), dyAt = layout.take(count * outImage), dwAt = layout.take(taps);
    this.reserve(layout.end);
    this.put(x, b0 * image, count * image, xAt);
    this.put(dy, b0 * outImage, count * outImage, dyAt);
    this.f32.fill(0, dwAt >> 2, (dwAt >> 2) + taps);
    this.exports.depthwiseFilter(xAt, dyAt, dwAt, count, this.putGeometry(g));
    const sums = this.f32.subarray(dwAt >> 2, (dwAt >> 2) + taps);
    for (let i = 0; i < taps; i++) dW64[i] += sums[i]!;
  }

  /** Grows the memory to at least `bytes` (workers see the growth; our view is refreshed). */
  private reserve(bytes: number): void {
    const have = this.memory.buffer.byteLength;
    if (bytes > have) {
      if (bytes > this.maxBytes) throw new Error(`gemm: needs ${bytes} bytes of WebAssembly memory, more than its maximum ${this.maxBytes}`);
      try {
        this.memory.grow(Math.ceil((bytes - have) / PAGE));
      } catch (e) {
        throw new Error(`gemm: cannot grow the WebAssembly memory to ${bytes} bytes: ${String(e)}`);
      }
    }
    if (this.f32.buffer !== this.memory.buffer || this.f32.length * 4 !== this.memory.buffer.byteLength) {
      this.f32 = new Float32Array(this.memory.buffer);
    }
  }
}

/** The functions of the kernels module (gemm_module.ts, im2col_module.ts). */
interface KernelExports {
  gemm: WasmGemm;
  gemmChunk: WasmGemmChunk;
  epilogue: WasmEpilogue;
  reluBackward: WasmReluBackward;
  im2col: WasmIm2col;
  col2im: WasmCol2im;
  maxPool: WasmMaxPool;
  depthwise: WasmDepthwise;
  depthwiseInput: WasmDepthwiseInput;
  depthwiseFilter: WasmDepthwiseFilter;
}

/** Where the geometry block of im2col/col2im goes: in the control area, after the descriptor. */
const GEOMETRY_ADDRESS = DESCRIPTOR_ADDRESS + 4 * DESC.WORDS;

/** Chunks per thread: more balance the load when a thread is slowed; each repacks one operand. */
const CHUNKS_PER_THREAD = 4;

/**
 * Fewest rows (or columns) in a chunk: a chunk repacks the whole other operand and, split by
 * columns, reads every cache line of B for a few of its numbers. Thinner chunks lose: the MNIST
 * convnet's first filter gradient (C 9×32, k = 21,632) took 0.92 ms on one thread and 1.16 ms in
 * four chunks of 8 columns on two. Below two chunks the product runs on the calling thread.
 */
const MIN_CHUNK = 64;
