// The settings (setKernels / setNumThreads), the fallback where WebAssembly SIMD is missing, the
// worker pool's life cycle (start, workers really computing, stop, restart, a process that exits
// on its own), determinism through the public API, and that no Node module is imported
// statically anywhere a browser bundle of src/index.ts would reach.

import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import * as tk from '../../src/index.js';
import {
  gemmAuto, getKernels, getNumThreads, overrideSimdSupport, setKernels, setNumThreads, stopThreads, threadStats,
} from '../../src/tensor/kernels/engine.js';
import { canBlock, sharedMemoryAvailable } from '../../src/tensor/kernels/threads/platform.js';
import { expectBitIdentical, expectClose, makeCase, mulberry32, runCase } from './wasm_gemm_reference.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

afterAll(() => {
  overrideSimdSupport(null);
  setKernels('simd');
  setNumThreads(os.availableParallelism());
  stopThreads();
});

describe('settings', () => {
  it('are exported by the library, with the documented defaults', () => {
    expect(tk.getKernels()).toBe('simd'); // Node 20 validates WebAssembly SIMD
    expect(tk.getNumThreads()).toBe(os.availableParallelism());
    expect(canBlock()).toBe(true); // Node's main thread may Atomics.wait
    expect(sharedMemoryAvailable()).toBe(true);
  });

  it('switch, and reject bad values with a clear message', () => {
    tk.setKernels('js');
    expect(tk.getKernels()).toBe('js');
    tk.setKernels('simd');
    expect(tk.getKernels()).toBe('simd');
    tk.setNumThreads(3);
    expect(tk.getNumThreads()).toBe(3);
    tk.setNumThreads(1);
    expect(tk.getNumThreads()).toBe(1);
    expect(() => tk.setKernels('gpu' as 'js')).toThrow(/setKernels: expected 'js' or 'simd', got "gpu"/);
    expect(() => tk.setNumThreads(0)).toThrow(/setNumThreads: expected a positive integer, got 0/);
    expect(() => tk.setNumThreads(1.5)).toThrow(/setNumThreads: expected a positive integer/);
    expect(() => tk.setNumThreads(Number.NaN)).toThrow(/setNumThreads/);
  });

  it('fall back to the JS kernel where WebAssembly SIMD is unavailable (injected)', () => {
    overrideSimdSupport(false);
    try {
      expect(getKernels()).toBe('js');
      expect(() => setKernels('simd')).toThrow(/'simd' needs WebAssembly SIMD/);
      setKernels('js');
      // Results are the JS kernel's, bit for bit, on a shape that would otherwise run SIMD.
      const t = makeCase(mulberry32(1), false, true, 200, 150, 100, true);
      const want = t.c.slice();
      tk.setKernels('js');
      gemmAuto(t.transA, t.transB, t.m, t.n, t.k, t.a, t.aOffset, t.lda, t.b, t.bOffset, t.ldb, want, t.cOffset, t.ldc, t.accumulate);
      setNumThreads(2);
      expectBitIdentical(runCase(gemmAuto, t), want, 'no SIMD');
      // A whole model still trains.
      const model = new tk.Sequential([new tk.layers.Dense(64, { activation: 'relu', inputShape: [40] }), new tk.layers.Dense(3, 'softmax')]);
      const y = model.predict(tk.randomNormal([50, 40], { seed: 3 }));
      expect(y.shape).toEqual([50, 3]);
    } finally {
      overrideSimdSupport(null);
    }
    expect(getKernels()).toBe('simd');
  });

  it('give the same predictions with either kernel, to float32 accuracy', () => {
    tk.setSeed(5);
    const model = new tk.Sequential([
      new tk.layers.Conv2D(8, 3, { activation: 'relu', inputShape: [12, 12, 2] }),
      new tk.layers.Flatten(),
      new tk.layers.Dense(10, 'softmax'),
    ]);
    const x = tk.randomNormal([16, 12, 12, 2], { seed: 6 });
    const out: Float32Array[] = [];
    for (const kind of ['js', 'simd'] as const) {
      tk.setKernels(kind);
      for (const threads of [1, 2]) {
        tk.setNumThreads(threads);
        out.push(model.predict(x).data);
      }
    }
    for (const o of out) for (let i = 0; i < o.length; i++) expect(Math.abs(o[i]! - out[0]![i]!)).toBeLessThan(1e-5);
  });
});

describe('the worker pool', () => {
  /** Runs a product big enough for threads until the workers have computed some of it. */
  function untilWorkersHelp(): number {
    const t = makeCase(mulberry32(9), false, false, 600, 600, 600, false);
    const deadline = performance.now() + 20_000;
    for (;;) {
      runCase(gemmAuto, t);
      const { lastWorkerChunks } = threadStats();
      if (lastWorkerChunks > 0 || performance.now() > deadline) return lastWorkerChunks;
    }
  }

  it('starts workers that compute chunks, stops them, and starts again', () => {
    setKernels('simd');
    setNumThreads(2);
    expect(untilWorkersHelp()).toBeGreaterThan(0);
    expect(threadStats().workersAlive).toBe(1);
    expect(stopThreads()).toBe(0); // every worker left its loop before the deadline
    expect(threadStats().workersAlive).toBe(0);
    expect(untilWorkersHelp()).toBeGreaterThan(0);
    expect(threadStats().workersAlive).toBe(1);
  });

  it('never starts more workers than threads asked, and keeps extra ones idle when asked for fewer', () => {
    stopThreads();
    setNumThreads(3);
    untilWorkersHelp();
    expect(threadStats().workersAlive).toBe(2);
    setNumThreads(1);
    runCase(gemmAuto, makeCase(mulberry32(10), false, false, 400, 400, 400, false));
    expect(threadStats().workersAlive).toBe(2);
    expect(stopThreads()).toBe(0);
  });

  it('is deterministic through the public API: same bits for every thread count and on every run', () => {
    setKernels('simd');
    const rand = mulberry32(11);
    const t = makeCase(rand, true, false, 513, 300, 700, false);
    setNumThreads(1);
    const first = runCase(gemmAuto, t);
    expectClose(t, first, 'simd');
    for (const threads of [2, 3, 2, 1, 4]) {
      setNumThreads(threads);
      for (let run = 0; run < 2; run++) expectBitIdentical(runCase(gemmAuto, t), first, `${threads} threads, run ${run}`);
    }
    stopThreads();
  });

  it('lets the process exit on its own after threaded work (workers are unref()ed)', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'tensorkit-threads-'));
    try {
      const script = path.join(dir, 'exit.mts');
      const engine = path.join(ROOT, 'src/tensor/kernels/engine.ts');
      writeFileSync(script, [
        `import { gemmAuto, setNumThreads, threadStats } from ${JSON.stringify(engine)};`,
        'setNumThreads(2);',
        'const n = 500, a = new Float32Array(n * n).fill(1), c = new Float32Array(n * n);',
        'const end = Date.now() + 5000;',
        'do gemmAuto(false, false, n, n, n, a, 0, n, a, 0, n, c, 0, n, false); while (threadStats().lastWorkerChunks === 0 && Date.now() < end);',
        'console.log(JSON.stringify({ c: c[0], workers: threadStats().workersAlive, helped: threadStats().lastWorkerChunks > 0 }));',
      ].join('\n'));
      const started = performance.now();
      const child = spawnSync(process.execPath, ['--import', 'tsx', script], { cwd: ROOT, encoding: 'utf8', timeout: 30_000 });
      expect(child.error, child.stderr).toBeUndefined();
      expect(child.status, child.stderr).toBe(0);
      expect(JSON.parse(child.stdout.trim())).toEqual({ c: 500, workers: 1, helped: true });
      expect(performance.now() - started).toBeLessThan(30_000);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('browser bundles', () => {
  it('reach no static import of a Node module from src/index.ts', () => {
    // Walk the static import graph from src/index.ts: `import ... from './x.js'` (not `import(...)`).
    const seen = new Set<string>();
    const nodeImports: string[] = [];
    const visit = (file: string) => {
      if (seen.has(file)) return;
      seen.add(file);
      const text = readFileSync(file, 'utf8');
      for (const match of text.matchAll(/^\s*(?:import|export)\s[^;]*?\sfrom\s+'([^']+)'/gms)) {
        const spec = match[1]!;
        if (spec.startsWith('node:') || ['fs', 'os', 'path', 'worker_threads', 'crypto'].includes(spec)) nodeImports.push(`${path.relative(ROOT, file)}: ${spec}`);
        else if (spec.startsWith('.')) visit(path.resolve(path.dirname(file), spec.replace(/\.js$/, '.ts')));
      }
    };
    visit(path.join(ROOT, 'src/index.ts'));
    expect(seen.has(path.join(ROOT, 'src/tensor/kernels/threads/platform.ts'))).toBe(true);
    expect(seen.has(path.join(ROOT, 'src/tensor/kernels/threads/pool.ts'))).toBe(true);
    expect(nodeImports).toEqual([]);
  });
});
