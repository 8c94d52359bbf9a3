// `tk.keras`: the same API under Keras's module names, so `tf.keras.layers.Dense` reads as
// `tk.keras.layers.Dense`.

export * as models from './models/index.js';
export * as layers from './layers/index.js';
export * as activations from './layers/activations.js';
export * as initializers from './layers/initializers.js';
export * as regularizers from './layers/regularizers.js';
export * as losses from './losses/index.js';
export * as metrics from './metrics/index.js';
export * as optimizers from './optimizers/index.js';
export * as callbacks from './callbacks/index.js';
export * as backend from './backend.js';
export { Sequential } from './models/sequential.js';
export { Model } from './models/model.js';
export { input as Input } from './layers/input_layer.js';
