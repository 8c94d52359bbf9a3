// Vite config of the live training page: `npm run web` serves it, `npm run web:build` writes
// static files to examples/web/dist (open them from any static server; the paths are relative).

import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';
import { mnistDigits } from './digits_plugin.js';

const here = fileURLToPath(new URL('.', import.meta.url));
const repo = fileURLToPath(new URL('../..', import.meta.url));

// Cross-origin isolation: with it the page may use SharedArrayBuffer, so tensorkit's training
// worker gets its pool of GEMM threads (README: Speed). Everything the page loads is its own.
const isolation = { 'Cross-Origin-Opener-Policy': 'same-origin', 'Cross-Origin-Embedder-Policy': 'require-corp' };

export default defineConfig({
  root: here,
  base: './',
  // The page imports tensorkit from ../../src, outside this folder.
  server: { fs: { allow: [repo] }, headers: isolation },
  preview: { headers: isolation },
  worker: { format: 'es' },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2022',
    rolldownOptions: {
      onLog(level, log, handler) {
        // tensorkit reaches node:fs, node:path and node:crypto only through dynamic imports made
        // when a model is saved to or loaded from a directory, or a CSVLogger writes (src/models/io/
        // file_system.ts, src/callbacks/csv_logger.ts). The page does neither, so Vite's stubs for
        // them are never called; its warning about each is noise here.
        if (level === 'warn' && /^Module "node:[a-z/]+" has been externalized for browser compatibility/.test(log.message)) return;
        handler(level, log);
      },
    },
  },
  plugins: [mnistDigits()],
});
