// The SIMD kernels and the worker pool in a real browser (Debian's Chromium through
// playwright-core, as test/e2e): the engine bundled by Vite for the browser, served with the
// cross-origin isolation headers (COOP/COEP) that SharedArrayBuffer needs. In a Web Worker the
// pool starts Blob-URL workers and splits GEMMs with them; on the page's main thread, which may
// not block, GEMM runs on that one thread. Skipped without Chromium, as the e2e test.

import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser } from 'playwright-core';
import { build, type Rollup } from 'vite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const haveChromium = existsSync(CHROMIUM);

/** What the page reports: from its main thread and from a Web Worker. */
interface Report {
  kernels: string;
  threads: number;
  maxError: number;
  workerChunks: number;
  crossOriginIsolated: boolean;
}

// The test program: runs gemmAuto on 300×260×280 against a float64 triple loop, with 2 threads
// asked for, until the pool's workers have taken part (or 20 s), and reports. It yields between
// tries, as fit does between batches: Chromium starts a worker's own workers only once that
// worker returns to its event loop (measured: a loop that never yields never sees them).
const PROGRAM = `
import { gemmAuto, getKernels, getNumThreads, setNumThreads, threadStats } from ${JSON.stringify(path.join(ROOT, 'src/tensor/kernels/engine.ts'))};
export async function check() {
  setNumThreads(2);
  const m = 300, n = 260, k = 280;
  const a = Float32Array.from({ length: m * k }, (_, i) => Math.sin(i)), b = Float32Array.from({ length: k * n }, (_, i) => Math.cos(i));
  const c = new Float32Array(m * n);
  const deadline = Date.now() + 20000;
  for (;;) {
    gemmAuto(false, false, m, n, k, a, 0, k, b, 0, n, c, 0, n, false);
    if (getNumThreads() === 1 || threadStats().lastWorkerChunks > 0 || Date.now() > deadline) break;
    await new Promise((resolve) => setTimeout(resolve, 20)); // the pool's workers start while we yield
  }
  let maxError = 0;
  for (let i = 0; i < m; i += 7) for (let j = 0; j < n; j += 5) {
    let s = 0;
    for (let p = 0; p < k; p++) s += a[i * k + p] * b[p * n + j];
    maxError = Math.max(maxError, Math.abs(s - c[i * n + j]));
  }
  return { kernels: getKernels(), threads: getNumThreads(), maxError, workerChunks: threadStats().lastWorkerChunks, crossOriginIsolated: self.crossOriginIsolated === true };
}
`;

describe.skipIf(!haveChromium)('SIMD kernels and threads in Chromium', () => {
  let temp = '';
  let server: Server | null = null;
  let browser: Browser | null = null;
  let base = '';

  beforeAll(async () => {
    temp = mkdtempSync(path.join(tmpdir(), 'tensorkit-threads-browser-'));
    writeFileSync(path.join(temp, 'program.ts'), PROGRAM);
    writeFileSync(path.join(temp, 'worker.ts'), "import { check } from './program.ts';\nself.postMessage(await check());\n");
    writeFileSync(path.join(temp, 'main.ts'), [
      "import { check } from './program.ts';",
      'const fromMain = await check();',
      "const worker = new Worker(new URL('./worker.ts', import.meta.url), { type: 'module' });",
      'worker.onmessage = (e) => { (globalThis as any).result = { main: fromMain, worker: e.data }; };',
      "worker.onerror = (e) => { (globalThis as any).result = { error: String(e.message) }; };",
    ].join('\n'));
    writeFileSync(path.join(temp, 'index.html'), '<!doctype html><script type="module" src="./main.ts"></script>');
    // Bundle for the browser, in memory: the build fails if anything reaches a Node module.
    const out = await build({
      root: temp, base: './', logLevel: 'error', configFile: false,
      build: { write: false, target: 'es2022', minify: false, rolldownOptions: { input: path.join(temp, 'index.html') } },
      worker: { format: 'es' },
    }) as Rollup.RollupOutput | Rollup.RollupOutput[];
    const files = new Map<string, string | Uint8Array>();
    for (const output of Array.isArray(out) ? out : [out]) {
      for (const item of output.output) files.set(`/${item.fileName}`, item.type === 'chunk' ? item.code : item.source);
    }
    server = createServer((req, res) => {
      const file = files.get(req.url === '/' ? '/index.html' : (req.url ?? '').split('?')[0]!);
      if (file === undefined) { res.writeHead(404).end(); return; }
      res.writeHead(200, {
        'Content-Type': req.url === '/' || req.url?.endsWith('.html') ? 'text/html' : 'text/javascript',
        'Cross-Origin-Opener-Policy': 'same-origin',
        'Cross-Origin-Embedder-Policy': 'require-corp',
      }).end(file);
    });
    await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
    browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking'] });
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
    if (temp !== '') rmSync(temp, { recursive: true, force: true });
  });

  it('splits GEMM over Blob-URL workers in a Web Worker, and stays on the main thread where it may not block', async () => {
    const page = await browser!.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(base);
    await page.waitForFunction(() => (globalThis as { result?: unknown }).result !== undefined, undefined, { timeout: 60_000 });
    const result = await page.evaluate(() => (globalThis as unknown as { result: { main?: Report; worker?: Report; error?: string } }).result);
    expect(errors).toEqual([]);
    expect(result.error).toBeUndefined();
    const { main, worker } = result as { main: Report; worker: Report };
    // The page's main thread: SIMD, one thread (Atomics.wait is forbidden there), correct.
    expect(main.crossOriginIsolated).toBe(true);
    expect(main.kernels).toBe('simd');
    expect(main.threads).toBe(1);
    expect(main.maxError).toBeLessThan(1e-2);
    // A Web Worker: SIMD on 2 threads, with the pool's own workers computing some chunks.
    expect(worker.crossOriginIsolated).toBe(true);
    expect(worker.kernels).toBe('simd');
    expect(worker.threads).toBe(2);
    expect(worker.workerChunks).toBeGreaterThan(0);
    expect(worker.maxError).toBeLessThan(1e-2);
    await page.close();
  }, 120_000);
});
