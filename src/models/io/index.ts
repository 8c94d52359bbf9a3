// The io namespace (tk.io): saving and loading models in the TF.js layers-model format.
//
//   await model.save('dir')                 model.json + weight files, written atomically
//   await tk.loadModel('dir')               tensorkit's, TF.js's and the Keras converter's files
//   model.toArtifacts() / tk.loadModel(a)   the same in memory, no file system needed
//   await model.saveWeights('dir') / model.loadWeights('dir')
//   tk.io.fileSystem(dir, { fs, limits })   a directory handler with your own file operations
//   tk.io.fromMemory(a) / tk.io.withSaveHandler(fn)   TF.js's in-memory handlers

export { fromMemory, withSaveHandler, type ModelArtifacts, type IOHandler, type SaveResult, type SaveOptions } from './artifacts.js';
export { fileSystem, nodeFileSystem, artifactsFromJsonText, type FileSystemLike, type FileSystemOptions, type FileSystemHandler } from './file_system.js';
export type { LoadOptions, ModelSource } from './load_weights.js';
export { ModelFileError } from './errors.js';
export { DEFAULT_LIMITS, type LoadLimits } from './validate.js';
export type { WeightSpec, WeightsManifestGroup } from './weights.js';
export { LOADABLE_LAYERS } from '../builtins.js';

import type { Tensor } from '../../tensor/tensor.js';
import type { Model } from '../model.js';
import type { LoadOptions, ModelSource } from './load_weights.js';

/**
 * Loads a model in the TF.js layers format only (what `tk.loadModel` does for a directory, a
 * model.json, an IOHandler or artifacts): saved by `model.save`, by TF.js's `model.save`, or
 * converted from Keras by `tensorflowjs_converter`. The loader loads on first use (import()), so
 * a bundle that never loads a model keeps it out of its first script.
 *
 * @example
 * ```ts
 * const same = await tk.io.loadModel('models/mnist');
 * const fromMemory = await tk.io.loadModel(model.toArtifacts());
 * ```
 */
export async function loadModel<Out extends Tensor | Tensor[] = Tensor>(source: ModelSource, options: LoadOptions = {}): Promise<Model<Out>> {
  const { loadModel: load } = await import('./load.js');
  return load<Out>(source, options);
}
