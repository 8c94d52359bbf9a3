// InputLayer: declares the input shape of a model; the identity on data
// (keras/src/layers/core/input_layer.py). Its automatic name is `input_layer`.

import type { Tensor } from '../tensor/tensor.js';
import { Layer, type CallArgs, type LayerConfig, type SymbolicShape } from './layer.js';
import { checkOptions, describe, layerWho } from './options.js';
import { LayerNode, SymbolicTensor } from './symbolic.js';

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
    // As Keras, the layer makes its one symbolic output at once: node 0, with no inputs. A
    // tensor of a named input takes the input's name.
    const node = new LayerNode(this, [], 'single', {}, 0);
    node.outputs = [new SymbolicTensor(this.batchInputShape!, node, 0, options.name)];
    this.inboundNodes.push(node);
  }

  /** The symbolic tensor this input stands for (what `tk.input` returns). */
  override get output(): SymbolicTensor {
    return this.inboundNodes[0]!.outputs[0]!;
  }

  call(x: Tensor, _args: CallArgs): Tensor {
    return x;
  }

  override computeOutputShape(inputShape: SymbolicShape): SymbolicShape {
    return inputShape;
  }

  override getConfig(): LayerConfig {
    return { batchInputShape: this.batchInputShape!.slice(), dtype: 'float32', sparse: false, name: this.name };
  }
}

/** Options of {@link input} (TF.js's `tf.input`, Keras's `keras.Input`). */
export interface InputOptions {
  /** Shape of one sample, without the batch axis: `[28, 28, 1]` (`null` for a size known only with data). */
  shape?: readonly (number | null)[];
  /** The full shape with the batch axis, instead of `shape`. */
  batchShape?: readonly (number | null)[];
  /** A fixed batch size, with `shape`. */
  batchSize?: number;
  /** The input's name (also its layer's): the key of this input when data is given as an object. */
  name?: string;
  /** Only 'float32'. */
  dtype?: string;
  /** Sparse inputs are not supported: only `false`. */
  sparse?: boolean;
}

/**
 * The start of a functional model: a symbolic tensor standing for the data of one input (its
 * InputLayer is `x.sourceLayer`). Apply layers to it, then make a model with `tk.model`.
 *
 * @example
 * ```ts
 * const img = tk.input({ shape: [28, 28, 1], name: 'img' });
 * img.shape;   // [null, 28, 28, 1]
 * const out = new tk.layers.Dense(10, 'softmax').apply(new tk.layers.Flatten().apply(img));
 * const model = tk.model({ inputs: img, outputs: out });
 * ```
 */
export function input(options: InputOptions): SymbolicTensor {
  checkOptions('input', options, ['shape', 'batchShape', 'batchSize', 'name', 'dtype', 'sparse']);
  if (options === undefined || options === null) throw new Error('input: give { shape } (one sample, no batch axis) or { batchShape }');
  const { shape, batchShape, ...rest } = options;
  if (shape === undefined && batchShape === undefined) throw new Error('input: give { shape } (one sample, no batch axis) or { batchShape }');
  return new InputLayer({ ...rest, ...(shape !== undefined ? { shape } : {}), ...(batchShape !== undefined ? { batchShape } : {}) }).output;
}
