// Node's modules for the features that read or write files: saving to and loading from a
// directory (models/io/file_system.ts) and CSVLogger. Imported as '#platform', which resolves
// here only under the `node` condition (package.json `imports`); every other environment gets
// ./browser.ts, which has the same exports and throws. So no other file in src names a Node
// module for files, and a browser bundle holds no reference to one: esbuild and Vite bundle
// tensorkit at their default settings, with no stubs and no warnings.
//
// In this repository (tsc, tsx, vitest, typedoc) '#platform' is this file: tsconfig.json `paths`
// and vitest.config.ts `resolve.alias` say so; the browser page (examples/web) aliases it to
// ./browser.ts. The package resolves it to dist/platform/node.js or dist/platform/browser.js.
//
// The modules load on first use, as the dynamic imports they replace did: loading tensorkit
// does not load node:crypto.

/** The Node modules tensorkit's file features use. */
export interface NodeModules {
  /** `node:fs/promises`. */
  fs: typeof import('node:fs/promises');
  /** `node:path`. */
  path: typeof import('node:path');
  /** `node:crypto` (the content hash in saved weight file names). */
  crypto: typeof import('node:crypto');
}

let loaded: Promise<NodeModules> | null = null;

/** Node's fs/promises, path and crypto modules, loaded once. */
export function nodeModules(): Promise<NodeModules> {
  loaded ??= Promise.all([import('node:fs/promises'), import('node:path'), import('node:crypto')])
    .then(([fs, path, crypto]) => ({ fs, path, crypto }));
  return loaded;
}
