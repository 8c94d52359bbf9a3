// The script every pool worker runs, as a string: Node starts it with `eval: true`, browsers
// from a Blob URL (see platform.ts for why). It is fixed text, not generated, and it carries no
// arithmetic: the worker instantiates the WebAssembly module it is given on the shared memory
// and then, forever, claims chunks of the current job and runs `gemmChunk` on them.
//
// The protocol (word indices into the Int32 control block at address 0 of the shared memory;
// pool.ts is the other side and documents it):
//   JOB     bumped by the main thread for each job; idle workers Atomics.wait on it
//   TICKET  (count << 16) | next: a worker claims chunk `next` by compare-exchanging next + 1
//   DONE    chunks finished; whoever finishes the last one notifies the main thread
//   EPOCH   the pool's generation: a worker whose epoch is stale exits
//   ACTIVE  threads allowed to claim (thread ids 0 … ACTIVE−1; the main thread is 0)
//   ALIVE   workers running; each decrements it as it exits
//   FAILED  set to 1 if a chunk threw (the main thread then throws after the job)

import { CONTROL } from './control.js';

export const WORKER_SOURCE = `'use strict';
// tensorkit GEMM worker (src/tensor/kernels/threads/worker_source.ts)
const C = ${JSON.stringify(CONTROL)};
function serve(d) {
  const ctl = new Int32Array(d.memory.buffer, 0, C.WORDS);
  let gemmChunk;
  try {
    gemmChunk = new WebAssembly.Instance(d.module, { env: { memory: d.memory } }).exports.gemmChunk;
  } catch (e) {
    Atomics.sub(ctl, C.ALIVE, 1);
    Atomics.notify(ctl, C.ALIVE);
    throw e;
  }
  for (;;) {
    const job = Atomics.load(ctl, C.JOB);
    if (Atomics.load(ctl, C.EPOCH) !== d.epoch) break;
    while (d.id < Atomics.load(ctl, C.ACTIVE)) {
      const ticket = Atomics.load(ctl, C.TICKET);
      const next = ticket & 0xffff, count = ticket >>> 16;
      if (next >= count) break;
      if (Atomics.compareExchange(ctl, C.TICKET, ticket, ticket + 1) !== ticket) continue;
      try { gemmChunk(d.descriptor, next, d.id); } catch (e) { Atomics.store(ctl, C.FAILED, 1); }
      if (Atomics.add(ctl, C.DONE, 1) + 1 === count) Atomics.notify(ctl, C.DONE);
    }
    Atomics.wait(ctl, C.JOB, job); // returns at once if a job was posted since we read JOB
  }
  Atomics.sub(ctl, C.ALIVE, 1);
  Atomics.notify(ctl, C.ALIVE);
}
if (typeof require === 'function') serve(require('node:worker_threads').workerData);
else self.onmessage = (event) => serve(event.data);
`;
