// The io namespace (tk.io): saving and loading models in the TF.js layers-model format.
//
//   await model.save('dir')                 model.json + weight files, written atomically
//   await tk.loadModel('dir')               tensorkit's, TF.js's and the Keras converter's files
//   model.toArtifacts() / tk.loadModel(a)   the same in memory, no file system needed
//   await model.saveWeights('dir') / model.loadWeights('dir')
//   tk.io.fileSystem(dir, { fs, limits })   a directory handler with your own file operations
//   tk.io.fromMemory(a) / tk.io.withSaveHandler(fn)   TF.js's in-memory handlers

export { loadModel } from './load.js';
export { fromMemory, withSaveHandler, type ModelArtifacts, type IOHandler, type SaveResult, type SaveOptions } from './artifacts.js';
export { fileSystem, nodeFileSystem, artifactsFromJsonText, type FileSystemLike, type FileSystemOptions, type FileSystemHandler } from './file_system.js';
export type { LoadOptions, ModelSource } from './load_weights.js';
export { ModelFileError } from './errors.js';
export { DEFAULT_LIMITS, type LoadLimits } from './validate.js';
export type { WeightSpec, WeightsManifestGroup } from './weights.js';
export { LOADABLE_LAYERS } from '../builtins.js';
