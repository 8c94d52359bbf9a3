// What this JavaScript environment offers for threads, found at run time, with no top-level
// import of a Node module: the same code must load in a browser bundle.
//
// Node: `worker_threads` and `os` are reached through `process.getBuiltinModule` (Node ≥ 20.16;
// the package needs 20.19), which is synchronous and invisible to bundlers: no import of a Node
// module appears in a browser bundle, not even one a minifier could fold out of a variable. A
// worker runs a script given as a string (`eval: true`). A runtime that looks like Node but lacks
// getBuiltinModule gets no workers: GEMM runs on the calling thread.
//
// Browsers: a worker is created from a Blob URL of the same script. We chose that over
// `new Worker(new URL('./worker.js', import.meta.url), { type: 'module' })` because the worker
// needs no code from this library: all the arithmetic is in the WebAssembly module, which is
// compiled once and posted to each worker with the shared memory. A Blob URL works the same
// under every bundler (Vite, webpack, esbuild, none) and from a CDN, while a module-worker URL
// must be recognised and rewritten by the bundler, and from a CDN it hits the same-origin rule
// for workers. The script is a short fixed string (worker_source.ts), not generated code. Its
// cost: a page whose Content-Security-Policy forbids `worker-src blob:` gets no threads.
//
// A browser starts a worker's own workers only once that worker returns to its event loop
// (tested in Chromium, test/kernels/threads_browser.test.ts): the pool's workers join after the
// calling worker first yields (as `fit` does between batches); until then, and in any loop that
// never yields, GEMM runs on the calling thread alone. Results are the same either way.
//
// Threads also need shared memory and a thread that may block. SharedArrayBuffer exists in a
// browser only when the page is cross-origin isolated (served with `Cross-Origin-Opener-Policy:
// same-origin` and `Cross-Origin-Embedder-Policy: require-corp`), and a browser's main thread
// may not `Atomics.wait`. Where either is missing, GEMM runs on the calling thread (SIMD still
// works there, on unshared memory).

/** The part of a worker the pool uses: Node's Worker and the browser's Worker both have these. */
export interface WorkerHandle {
  terminate(): unknown;
  /** Node only: lets the process exit while the worker is alive. */
  unref?: () => void;
}

interface NodeWorkerThreads {
  Worker: new (source: string, options: { eval: true; workerData: unknown; name?: string }) => WorkerHandle;
}
interface NodeOs {
  availableParallelism?: () => number;
  cpus(): unknown[];
}
interface NodeProcess {
  versions?: { node?: string };
  getBuiltinModule?: (id: string) => unknown;
}

function nodeProcess(): NodeProcess | null {
  const p = (globalThis as { process?: NodeProcess }).process;
  return p !== undefined && typeof p.versions?.node === 'string' ? p : null;
}

/** True in Node (and Node-compatible runtimes), false in browsers. */
export function isNode(): boolean {
  return nodeProcess() !== null;
}

/**
 * Logical processors available to this process: `os.availableParallelism()` in Node,
 * `navigator.hardwareConcurrency` in browsers, 1 if neither answers.
 */
export function availableParallelism(): number {
  const os = nodeProcess()?.getBuiltinModule?.('node:os') as NodeOs | undefined;
  if (os !== undefined) return Math.max(1, os.availableParallelism?.() ?? os.cpus().length);
  const nav = (globalThis as { navigator?: { hardwareConcurrency?: number } }).navigator;
  return Math.max(1, nav?.hardwareConcurrency ?? 1);
}

/**
 * Whether this thread may block in `Atomics.wait`: yes in Node (main thread included) and in
 * Web Workers, no on a browser's main thread, where it throws. Asking is the only reliable test:
 * a wait on a value that does not match returns at once, or throws where blocking is forbidden.
 */
export function canBlock(): boolean {
  if (typeof SharedArrayBuffer === 'undefined') return false;
  try {
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 1, 0);
    return true;
  } catch {
    return false;
  }
}

/** Whether a shared WebAssembly.Memory can be created (SharedArrayBuffer available). */
export function sharedMemoryAvailable(): boolean {
  if (typeof SharedArrayBuffer === 'undefined') return false;
  try {
    return new WebAssembly.Memory({ initial: 1, maximum: 1, shared: true }).buffer instanceof SharedArrayBuffer;
  } catch {
    return false;
  }
}

let nodeWorkers: NodeWorkerThreads | null | undefined; // undefined: not looked up yet

/** Node's worker_threads, or null outside Node (or in a Node without getBuiltinModule). */
function workerThreads(): NodeWorkerThreads | null {
  if (nodeWorkers === undefined) {
    const p = nodeProcess();
    nodeWorkers = (p?.getBuiltinModule?.('node:worker_threads') as NodeWorkerThreads | undefined) ?? null;
  }
  return nodeWorkers;
}

/** Whether workers can be created here now (Node, or a browser with Worker, Blob and URL). */
export function workersAvailable(): boolean {
  if (isNode()) return workerThreads() !== null;
  const g = globalThis as { Worker?: unknown; Blob?: unknown; URL?: { createObjectURL?: unknown } };
  return typeof g.Worker === 'function' && typeof g.Blob === 'function' && typeof g.URL?.createObjectURL === 'function';
}

let blobUrl: string | null = null;

/**
 * Starts a worker running `source` (a classic script) with `data`: in Node as `workerData`
 * (the script reads it from require('node:worker_threads')), in browsers as the first message.
 * Node workers are unref()'d: an idle pool never keeps the process alive.
 */
export function startWorker(source: string, data: unknown, name: string): WorkerHandle {
  if (isNode()) {
    const wt = workerThreads();
    if (wt === null) throw new Error('threads: node:worker_threads is not available');
    const worker = new wt.Worker(source, { eval: true, workerData: data, name });
    worker.unref?.();
    return worker;
  }
  blobUrl ??= URL.createObjectURL(new Blob([source], { type: 'text/javascript' }));
  const worker = new Worker(blobUrl, { name });
  worker.postMessage(data);
  return worker;
}
