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
 * The SIMD GEMM engine: one memory, one compiled module, the calling thread's instance and,
 * when `shared`, a thread pool. Create it with {@link SimdGemm.create}.
 */
export class SimdGemm {
  private f32: Float32Array;
  private pool: ThreadPool | null = null;

  private constructor(
    readonly memory: WebAssembly.Memory,
    readonly module: WebAssembly.Module,
    private readonly gemm: WasmGemm,
    private readonly gemmChunk: WasmGemmChunk,
    private readonly epilogue: WasmEpilogue,
    private readonly reluBackwardWasm: WasmReluBackward,
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
        const exports = new WebAssembly.Instance(module, { env: { memory } }).exports;
        return new SimdGemm(memory, module, exports.gemm as WasmGemm, exports.gemmChunk as WasmGemmChunk,
          exports.epilogue as WasmEpilogue, exports.reluBackward as WasmReluBackward, shared, maximum * PAGE);
      } catch (e) {
        lastError = e;
      }
    }
    throw new Error(`gemm: could not create the WebAssembly memory: ${String(lastError)}`);
  }

  /** The thread pool, started on first use with `threads` > 1 (shared memory only). */
  private poolFor(threads: number): ThreadPool | null {
    if (threads <= 1 || !this.shared) return null;
    this.pool ??= new ThreadPool(this.memory, this.module, (index) => this.gemmChunk(DESCRIPTOR_ADDRESS, index, 0));
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
    const slots = pool?.slots ?? 1;
    const aLen = span(transA ? k : m, transA ? m : k, lda);
    const bLen = span(transB ? n : k, transB ? k : n, ldb);
    const cLen = span(m, n, ldc);
    const scratch = CONTROL_BYTES;
    const aAt = align64(scratch + slots * SCRATCH_BYTES);
    const bAt = align64(aAt + 4 * aLen);
    const cAt = align64(bAt + 4 * bLen);
    const biasAt = bias === null ? 0 : align64(cAt + 4 * cLen);
    this.reserve((bias === null ? cAt + 4 * cLen : biasAt + 4 * n));

    const mem = this.f32;
    mem.set(a.subarray(aOffset, aOffset + aLen), aAt >> 2);
    mem.set(b.subarray(bOffset, bOffset + bLen), bAt >> 2);
    const copyCIn = accumulate || (ldc > n && m > 1);
    if (copyCIn) mem.set(c.subarray(cOffset, cOffset + cLen), cAt >> 2);
    if (bias !== null) mem.set(bias.subarray(0, n), biasAt >> 2);

    if (pool === null) {
      this.gemm(+transA, +transB, m, n, k, aAt, lda, bAt, ldb, cAt, ldc, +accumulate, scratch);
      if (bias !== null || relu) this.epilogue(cAt, 4 * ldc, m, n, biasAt, +relu);
    } else {
      // Split C into chunks along its longer side: every chunk packs the whole of the other
      // operand again, so the split that repeats the smaller packing wins.
      const splitRows = m >= n;
      const unit = splitRows ? MR : NR;
      const length = splitRows ? m : n;
      const tiles = Math.ceil(length / unit);
      const wanted = Math.min(tiles, pool.threads * CHUNKS_PER_THREAD, MAX_CHUNKS);
      const size = Math.ceil(tiles / wanted) * unit; // rows or columns per chunk, whole tiles
      const count = Math.ceil(length / size);
      const d = new Int32Array(this.memory.buffer, DESCRIPTOR_ADDRESS, DESC.WORDS);
      d[DESC.transA] = +transA; d[DESC.transB] = +transB;
      d[DESC.m] = m; d[DESC.n] = n; d[DESC.k] = k;
      d[DESC.a] = aAt; d[DESC.lda] = lda; d[DESC.b] = bAt; d[DESC.ldb] = ldb; d[DESC.c] = cAt; d[DESC.ldc] = ldc;
      d[DESC.accumulate] = +accumulate; d[DESC.splitRows] = +splitRows; d[DESC.chunk] = size;
      d[DESC.scratchBase] = scratch;
      d[DESC.bias] = biasAt; d[DESC.relu] = +relu;
      pool.run(count);
    }

    c.set(this.f32.subarray(cAt >> 2, (cAt >> 2) + cLen), cOffset);
  }

  /**
   * dz = dy·[y > 0] on rows of F floats (dz may be dy), and sums[f] += Σ_r dz[r, f] (float64) if
   * `sums` is given: the SIMD version of ../epilogue.ts's reluBackward, on the calling thread.
   */
  reluBackward(dy: Float32Array, y: Float32Array, dz: Float32Array, F: number, sums: Float64Array | null): void {
    const count = dy.length;
    const rows = count / F;
    const scratch = CONTROL_BYTES + (this.pool?.slots ?? 1) * SCRATCH_BYTES; // past every thread's scratch
    const dyAt = align64(scratch);
    const yAt = align64(dyAt + 4 * count);
    const sumsAt = align64(yAt + 4 * count);
    this.reserve(sumsAt + 8 * F);
    const mem = this.f32;
    mem.set(dy, dyAt >> 2);
    mem.set(y.subarray(0, count), yAt >> 2);
    const wide = sums === null ? null : new Float64Array(this.memory.buffer, sumsAt, F);
    if (wide !== null && sums !== null) wide.set(sums);
    this.reluBackwardWasm(dyAt, yAt, dyAt, rows, F, wide === null ? 0 : sumsAt);
    dz.set(this.f32.subarray(dyAt >> 2, (dyAt >> 2) + count));
    if (wide !== null && sums !== null) sums.set(wide);
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

/** Chunks per thread: more balance the load when a thread is slowed; each repacks one operand. */
const CHUNKS_PER_THREAD = 2;
