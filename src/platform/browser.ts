// What '#platform' is outside Node (package.json `imports`, the `default` condition): the same
// exports as ./node.ts, without a file system. Browsers, workers and edge runtimes get this, so
// their bundles reference no Node module. Saving to and loading from a directory, and CSVLogger,
// catch the error and say what to use instead (model.toArtifacts(), an IOHandler,
// tk.loadModel(artifacts)).

import type * as NodePlatform from './node.js';

/** Rejects: this build of tensorkit has no file system (see ./node.ts for Node's). */
export const nodeModules: typeof NodePlatform.nodeModules = () =>
  Promise.reject(new Error("tensorkit's browser build (the package's default condition, used outside Node) has no file system"));
