// Keras files, natively (DESIGN part 2): loading and saving Keras 3 `.keras` zips, legacy `.h5`
// files and `.weights.h5` files, beside the TF.js layers format of src/models/io.
//
//   await tk.loadModel('model.keras' | 'model.h5' | 'dir' | url | bytes)
//   await model.save('out.keras' | 'out.h5' | 'dir', { includeOptimizer })
//   await model.saveWeights('w.weights.h5');  await model.loadWeights('w.weights.h5')
//   tk.saving.kerasFileBytes(model, 'keras')   the bytes of a file, without a file system
//
// Files: keras_config.ts (the Keras 3 and legacy config dialects, both ways), weights_h5.ts
// (Keras 3's `layers/<class>/vars/<i>` weights layout), legacy_h5.ts (model_weights,
// layer_names, weight_names), save.ts (the format by extension, atomic writes), sources.ts
// (paths, URLs and bytes; the .keras zip), load.ts (the format by its first bytes, the careful
// load order), load_weights.ts (model.loadWeights). The containers are src/formats; the CLI is
// src/cli/convert.ts.

export { loadModel, type KerasModelSource } from './load.js';
export { kerasFileBytes, type KerasFileKind } from './save.js';
export { KERAS_VERSION } from './keras_config.js';
