// InputLayer: declares the input shape of a model; the identity on data
// (keras/src/layers/core/input_layer.py). Its automatic name is `input_layer`.

import type { Tensor } from '../tensor/tensor.js';
import { Layer, type CallArgs, type LayerConfig } from './layer.js';
import { checkOptions, describe, layerWho } from './options.js';

/** Options of {@link InputLayer}: exactly one of the shape options. */
export interface InputLayerOptions {
  /** Shape of one sample, no batch axis (TF.js spelling; Keras 3's `shape`). */
  inputShape?: readonly (number | null)[];
  /** Keras 3's spelling of `inputShape`. */
  shape?: readonly (number | null)[];
  /** Full shape with the batch axis (`null` = any). */
  batchInputShape?: readonly (number | null)[];
  /** Keras 3's spelling of `batchInputShape`. */
  batchShape?: readonly (number | null)[];
  /** A fixed batch size, with `inputShape`. */
  batchSize?: number;
  /** Only 'float32'. */
  dtype?: string;
  /** Default `input_layer`, `input_layer_1`, ... */
  name?: string;
  /** Sparse inputs are not supported: only `false` is accepted. */
  sparse?: boolean;
}

const KEYS = ['inputShape', 'shape', 'batchInputShape', 'batchShape', 'batchSize', 'dtype', 'name', 'sparse'];

/**
 * The input of a model: fixes the shape every batch must have (the batch axis may be `null`,
 * any size). Applied to data it returns the data unchanged.
 *
 * @example
 * ```ts
 * const model = new tk.Sequential([new tk.layers.InputLayer({ inputShape: [784] }), new tk.layers.Dense(10)]);
 * new tk.layers.InputLayer({ batchInputShape: [null, 28, 28, 1] }).batchInputShape;   // [null, 28, 28, 1]
 * ```
 */
export class InputLayer extends Layer {
  static override readonly className: string = 'InputLayer';

  constructor(options: InputLayerOptions) {
    const who = layerWho('InputLayer', options);
    checkOptions(who, options, KEYS);
    if (options === undefined || options === null) throw new Error(`${who}: give inputShape (or shape) or batchInputShape (or batchShape)`);
    type Shape = readonly (number | null)[] | undefined;
    const pick = (a: Shape, b: Shape, names: string): Shape => {
      if (a !== undefined && b !== undefined) throw new Error(`${who}: give only one of ${names}`);
      return a ?? b;
    };
    const inputShape = pick(options.inputShape, options.shape, 'inputShape and shape');
    const batchInputShape = pick(options.batchInputShape, options.batchShape, 'batchInputShape and batchShape');
    if (inputShape !== undefined && batchInputShape !== undefined) throw new Error(`${who}: give either inputShape or batchInputShape, not both`);
    if (inputShape === undefined && batchInputShape === undefined) {
      throw new Error(`${who}: give inputShape (or shape) or batchInputShape (or batchShape)`);
    }
    if (batchInputShape !== undefined && options.batchSize !== undefined) {
      throw new Error(`${who}: batchSize goes with inputShape; batchInputShape already holds the batch size`);
    }
    if (options.sparse !== undefined && options.sparse !== false) {
      throw new Error(`${who}: sparse inputs are not supported, got sparse: ${describe(options.sparse)}`);
    }
    super({
      name: options.name,
      dtype: options.dtype,
      ...(inputShape !== undefined ? { inputShape, batchSize: options.batchSize } : { batchInputShape }),
    });
    this.built = true;
  }

  call(x: Tensor, _args: CallArgs): Tensor {
    return x;
  }

  override getConfig(): LayerConfig {
    return { batchInputShape: this.batchInputShape!.slice(), dtype: 'float32', sparse: false, name: this.name };
  }
}
