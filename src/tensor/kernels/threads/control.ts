// The layout of the control block shared by the pool (pool.ts) and its workers
// (worker_source.ts): Int32 words at byte address 0 of the shared memory, then the job
// descriptor. See worker_source.ts for what each word means.

export const CONTROL = { JOB: 0, TICKET: 1, DONE: 2, EPOCH: 3, ACTIVE: 4, ALIVE: 5, FAILED: 6, WORDS: 16 } as const;

/** Byte address of the job descriptor (gemm_module.ts's DESC words), after the control words. */
export const DESCRIPTOR_ADDRESS = 64;

/** Bytes reserved at the start of the memory for the control block and the descriptor. */
export const CONTROL_BYTES = 256;

/** Chunks per job at most: TICKET keeps `next` and `count` in 16 bits each. */
export const MAX_CHUNKS = 0x7fff;
