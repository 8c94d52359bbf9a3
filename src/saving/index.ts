// Keras files, natively (DESIGN part 2): loading and saving Keras 3 `.keras` zips, legacy `.h5`
// files and `.weights.h5` files, beside the TF.js layers format of src/models/io.
//
//   await tk.loadModel('model.keras' | 'model.h5' | 'dir' | url | bytes)
//   await model.save('out.keras' | 'out.h5' | 'dir', { includeOptimizer })
//   await model.saveWeights('w.weights.h5');  await model.loadWeights('w.weights.h5')
//   await tk.saving.kerasFileBytes(model, 'keras')   the bytes of a file, without a file system
//
// Files: keras_config.ts (the Keras 3 and legacy config dialects, both ways), weights_h5.ts
// (Keras 3's `layers/<class>/vars/<i>` weights layout), legacy_h5.ts (model_weights,
// layer_names, weight_names), save.ts (the format by extension, atomic writes), sources.ts
// (paths, URLs and bytes; the .keras zip), load.ts (the format by its first bytes, the careful
// load order), load_weights.ts (model.loadWeights). The containers are src/formats; the CLI is
// src/cli/convert.ts.
//
// This module is the public face, and it imports none of them: each entry point loads its module
// on first use with import(). Saving and loading are asynchronous anyway, and this way a bundler
// splits HDF5, zip, deflate and the config dialects (about a third of the library) into chunks
// that a page which never touches a model file never downloads.

import type { LoadOptions } from '../models/io/load_weights.js';
import type { SaveOptions } from '../models/io/artifacts.js';
import type { Model } from '../models/model.js';
import type { Tensor } from '../tensor/tensor.js';
import type { KerasFileKind } from './save.js';
import type { KerasModelSource } from './sources.js';

export type { KerasModelSource } from './sources.js';
export type { KerasFileKind } from './save.js';
export { KERAS_VERSION } from './version.js';

/**
 * Loads a model: a Keras 3 `.keras` file, a legacy Keras / tf.keras `.h5` file, or the TF.js
 * layers format (a directory, its model.json, an IOHandler or artifacts), from a path, an
 * `http(s)://` URL (fetched) or the file's bytes (`Uint8Array` / `ArrayBuffer`). A model saved
 * compiled comes back compiled, with its optimizer state when the file holds it. The type
 * parameter is what the model's `predict` returns: `Tensor` (one output) or `Tensor[]`.
 *
 * A corrupt or truncated file, an unknown layer class, or weights that do not fit are refused
 * with a `tk.io.ModelFileError` naming the byte offset, the member, or the layer; nothing is
 * half-loaded and nothing from the file is evaluated.
 *
 * @example
 * ```ts
 * const m = await tk.loadModel('model.keras');
 * const h = await tk.loadModel('best_model.h5');
 * const b = await tk.loadModel(new Uint8Array(await (await fetch('/model.keras')).arrayBuffer()));
 * const t = await tk.loadModel('models/mnist');   // a TF.js directory
 * ```
 */
export async function loadModel<Out extends Tensor | Tensor[] = Tensor>(source: KerasModelSource, options: LoadOptions = {}): Promise<Model<Out>> {
  const { loadModel: load } = await import('./load.js');
  return load<Out>(source, options);
}

/**
 * The bytes of a Keras file of `model`, without a file system: `'keras'` a Keras 3 `.keras` zip,
 * `'h5'` a legacy Keras HDF5 model file, `'weights.h5'` Keras 3's weights file,
 * `'weights-only.h5'` tf.keras 2's weights file. `includeOptimizer` adds the optimizer's state to
 * `.keras` and `.h5` files. Asynchronous because the writers load on first use.
 *
 * @example
 * ```ts
 * const bytes = await tk.saving.kerasFileBytes(model, 'keras');
 * const link = URL.createObjectURL(new Blob([bytes]));   // a download in a browser
 * const again = await tk.loadModel(bytes);
 * ```
 */
export async function kerasFileBytes(model: Model<Tensor | Tensor[]>, kind: KerasFileKind, options: SaveOptions = {}): Promise<Uint8Array> {
  const { kerasFileBytes: bytesOf } = await import('./save.js');
  return bytesOf(model, kind, options);
}
