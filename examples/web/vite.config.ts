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
  // The page imports tensorkit's source, whose file access goes through '#platform'
  // (package.json "imports"): for a browser that is the variant without a file system, as the
  // package's default condition resolves it.
  resolve: { alias: { '#platform': fileURLToPath(new URL('../../src/platform/browser.ts', import.meta.url)) } },
  // The page imports tensorkit from ../../src, outside this folder.
  server: { fs: { allow: [repo] }, headers: isolation },
  preview: { headers: isolation },
  worker: { format: 'es' },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2022',
  },
  plugins: [mnistDigits()],
});
