import type { AnyLayer } from '../layers/layer.js';
import type { SymbolicTensor } from '../layers/symbolic.js';
import type { Tensor } from '../tensor/tensor.js';
import { Model, type ModelArgs } from './model.js';
import { Sequential, type SequentialArgs } from './sequential.js';

/**
 * TF.js's factory spelling of `new Sequential(...)`.
 *
 * @example
 * ```ts
 * const model = tk.sequential({ layers: [new tk.layers.Dense(1, { inputShape: [3] })] });
 * ```
 */
export function sequential(args: SequentialArgs | readonly AnyLayer[] = {}): Sequential {
  return new Sequential(args);
}

/**
 * A functional model from its inputs and outputs (TF.js's `tf.model`, Keras's `keras.Model`):
 * `new tk.Model({...})` under another name. One output (or a list of one) gives a model whose
 * `predict` returns a Tensor; several give a list.
 *
 * @example
 * ```ts
 * const a = tk.input({ shape: [4], name: 'a' });
 * const b = tk.input({ shape: [4], name: 'b' });
 * const sum = new tk.layers.Add().apply([a, b]);
 * const model = tk.model({ inputs: [a, b], outputs: new tk.layers.Dense(1).apply(sum) });
 * ```
 */
export function model(args: ModelArgs & { outputs: SymbolicTensor | readonly [SymbolicTensor] }): Model<Tensor>;
export function model(args: ModelArgs): Model<Tensor[]>;
export function model(args: ModelArgs): Model<Tensor | Tensor[]> {
  if (args === null || typeof args !== 'object' || args.inputs === undefined || args.outputs === undefined) {
    throw new Error('model: give { inputs, outputs } (symbolic tensors from tk.input and layer.apply)');
  }
  return new Model(args);
}
