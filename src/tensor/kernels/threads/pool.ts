// A persistent pool of worker threads that run chunks of a GEMM over shared WebAssembly memory.
//
// One job at a time, started and finished by the calling thread, which stays synchronous:
//
//   caller                                         each worker (worker_source.ts)
//   write the descriptor (A, B, C addresses, ...)  sleeps in Atomics.wait(JOB)
//   DONE = 0; TICKET = count << 16; JOB += 1
//   Atomics.notify(JOB)                       ──►  wakes up
//   claims chunks itself (CAS on TICKET)           claims chunks (CAS on TICKET), runs gemmChunk,
//   runs gemmChunk on each                         DONE += 1 after each; the last one notifies
//   Atomics.wait(DONE) until DONE = count     ◄──  back to sleep on JOB
//
// Chunks are claimed, not assigned: a thread that another process has descheduled simply takes
// fewer (this machine is shared), and the caller never waits for a worker that has not woken up
// yet: if it finishes every chunk itself it only waits for chunks already claimed. The caller
// owns chunk 0 from the start (see run). Which thread
// computes a chunk does not change its result (see gemm_module.ts), so results stay exact to
// the bit whatever the timing. A worker that is still starting joins the first job after it is up.
//
// Memory ordering: the caller's writes (descriptor, A, B) happen before its Atomics.store of
// TICKET, and a worker reads them after its compare-exchange of TICKET; a worker's writes of C
// happen before its Atomics.add of DONE, which the caller reads with Atomics.load before copying
// C out. Atomics are sequentially consistent, so each of these pairs orders the plain accesses.

import { CONTROL, DESCRIPTOR_ADDRESS, MAX_CHUNKS } from './control.js';
import { startWorker, workersAvailable, type WorkerHandle } from './platform.js';
import { WORKER_SOURCE } from './worker_source.js';

/** What each worker receives when it starts. */
export interface WorkerData {
  memory: WebAssembly.Memory;
  module: WebAssembly.Module;
  /** Thread id 1, 2, …: which scratch area the worker uses, and whether it is active. */
  id: number;
  epoch: number;
  /** Byte address of the job descriptor. */
  descriptor: number;
}

/**
 * The pool: `resize(threads)` starts workers (never more than asked; idle ones sleep),
 * `run(count)` runs one job of `count` chunks across the active threads and the caller.
 */
export class ThreadPool {
  private readonly ctl: Int32Array;
  private workers: WorkerHandle[] = [];
  private active = 1;
  /** Chunks of the last job that workers computed (the rest the caller did). */
  lastWorkerChunks = 0;

  /**
   * @param memory the shared memory every thread's instance imports; the control block is at
   *   its start.
   * @param module the compiled GEMM module (it exports gemmChunk).
   * @param runChunk runs one chunk on the calling thread (thread 0's scratch).
   */
  constructor(private readonly memory: WebAssembly.Memory, private readonly module: WebAssembly.Module,
    private readonly runChunk: (index: number) => void) {
    this.ctl = new Int32Array(memory.buffer, 0, CONTROL.WORDS);
  }

  /** Threads that take part in a job: the caller plus the active workers. */
  get threads(): number { return this.active; }

  /** Threads there are scratch areas for: the caller plus every worker started (idle or not). */
  get slots(): number { return this.workers.length + 1; }

  /**
   * Makes `threads` threads (the caller included) take part in the next jobs, starting workers
   * if there are too few. Workers beyond that stay alive but idle, so that going back up is free.
   */
  resize(threads: number): void {
    while (this.workers.length < threads - 1 && workersAvailable()) {
      const data: WorkerData = {
        memory: this.memory, module: this.module, id: this.workers.length + 1,
        epoch: Atomics.load(this.ctl, CONTROL.EPOCH), descriptor: DESCRIPTOR_ADDRESS,
      };
      Atomics.add(this.ctl, CONTROL.ALIVE, 1);
      try {
        this.workers.push(startWorker(WORKER_SOURCE, data, `tensorkit-gemm-${data.id}`));
      } catch (e) {
        Atomics.sub(this.ctl, CONTROL.ALIVE, 1);
        break; // no threads here after all: run with those there are
      }
    }
    this.active = Math.max(1, Math.min(threads, this.workers.length + 1));
  }

  /**
   * Runs chunks 0 … count−1 of the job whose descriptor the caller has written, on every active
   * thread, and returns when all are done. Throws after the job if any chunk threw.
   */
  run(count: number): void {
    if (!Number.isInteger(count) || count < 1 || count > MAX_CHUNKS) throw new Error(`threads: chunk count ${count} is not in 1…${MAX_CHUNKS}`);
    const ctl = this.ctl;
    Atomics.store(ctl, CONTROL.DONE, 0);
    Atomics.store(ctl, CONTROL.FAILED, 0);
    Atomics.store(ctl, CONTROL.ACTIVE, this.active);
    // Chunk 0 is the caller's from the start: waking a worker can hand it the caller's core
    // (a busy machine preempts the waker), and it would then take every chunk while the caller,
    // back later, finds none. Measured on a loaded machine: the worker did all 4 chunks of 65%
    // of the CNN's threaded GEMMs before this, none after.
    Atomics.store(ctl, CONTROL.TICKET, (count << 16) | 1);
    Atomics.add(ctl, CONTROL.JOB, 1);
    if (this.active > 1 && count > 1) Atomics.notify(ctl, CONTROL.JOB);

    let error: unknown = null;
    let mine = 0;
    for (let next = 0; ;) {
      try {
        this.runChunk(next);
      } catch (e) {
        error ??= e; // finish the job anyway: the workers are still using the memory
      }
      Atomics.add(ctl, CONTROL.DONE, 1);
      mine++;
      // Claim the next chunk, if any is left.
      let ticket = Atomics.load(ctl, CONTROL.TICKET);
      while ((ticket & 0xffff) < count && Atomics.compareExchange(ctl, CONTROL.TICKET, ticket, ticket + 1) !== ticket) {
        ticket = Atomics.load(ctl, CONTROL.TICKET);
      }
      next = ticket & 0xffff;
      if (next >= count) break;
    }
    for (let done = Atomics.load(ctl, CONTROL.DONE); done < count; done = Atomics.load(ctl, CONTROL.DONE)) {
      Atomics.wait(ctl, CONTROL.DONE, done);
    }
    this.lastWorkerChunks = count - mine;
    if (error !== null) throw error;
    if (Atomics.load(ctl, CONTROL.FAILED) !== 0) throw new Error('threads: a GEMM chunk failed in a worker thread');
  }

  /**
   * Stops every worker: they leave their loop (new epoch), then are terminated. Waits up to
   * `timeoutMs` for them to leave, so that none is still touching the memory when this returns.
   * Returns how many were still running at the deadline (0 normally).
   */
  stop(timeoutMs = 2000): number {
    const ctl = this.ctl;
    if (this.workers.length === 0) return 0;
    Atomics.add(ctl, CONTROL.EPOCH, 1);
    Atomics.add(ctl, CONTROL.JOB, 1);
    Atomics.notify(ctl, CONTROL.JOB);
    const deadline = performance.now() + timeoutMs;
    let alive = Atomics.load(ctl, CONTROL.ALIVE);
    while (alive > 0 && performance.now() < deadline) {
      Atomics.wait(ctl, CONTROL.ALIVE, alive, 20);
      alive = Atomics.load(ctl, CONTROL.ALIVE);
    }
    for (const w of this.workers) void w.terminate();
    this.workers = [];
    this.active = 1;
    return alive;
  }

  /** Workers running (started and not yet exited), as they count themselves. */
  get alive(): number { return Atomics.load(this.ctl, CONTROL.ALIVE); }
}
