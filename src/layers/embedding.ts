// Embedding: token ids → rows of a learned table (keras/src/layers/core/embedding.py).
// The table is `embeddings` [inputDim, outputDim], as Keras and TF.js store it. The forward is a
// gather of rows; its gradient is the adjoint, a scatter-add of dy into the table rows the ids
// picked (repeated ids add up): ops.gather and ops.scatterAdd in src/ops/shape.ts, a primitive
// pair that records each other, so higher-order gradients come with them.
// Token ids are float32 tensors of whole numbers (tensorkit has one dtype).

import * as ops from '../ops/index.js';
import type { Tensor, Variable } from '../tensor/tensor.js';
import { getInitializer, serializeInitializer, type Initializer, type InitializerIdentifier } from './initializers.js';
import { Layer, type CallArgs, type LayerArgs, type LayerConfig, type Mask, type SymbolicShape } from './layer.js';
import { LAYER_ARG_KEYS, boolean, checkOptions, describe, layerWho, positiveInteger } from './options.js';
import { regularizerOrNull, serializeRegularizer, type Regularizer, type RegularizerIdentifier } from './regularizers.js';

/** Options of {@link Embedding} (TF.js spelling). */
export interface EmbeddingOptions extends LayerArgs {
  /** Whether id 0 is padding: the output then carries the mask `ids != 0` (default false). */
  maskZero?: boolean;
  /** Default 'uniform' (Keras 3: RandomUniform in [-0.05, 0.05)). */
  embeddingsInitializer?: InitializerIdentifier;
  /** Penalty on the table, added to the loss. */
  embeddingsRegularizer?: RegularizerIdentifier | null;
  /** Only null: tensorkit has no weight constraints (an Error names any other value). */
  embeddingsConstraint?: null;
  /** Penalty on the output, divided by the batch size. */
  activityRegularizer?: RegularizerIdentifier | null;
  /**
   * TF.js's fixed sequence length: without `inputShape` it sets the input shape to
   * `[inputLength]` (a number, or a list for several axes). Keras 3 dropped it.
   */
  inputLength?: number | readonly (number | null)[] | null;
}

/** The TF.js form `new Embedding({ inputDim, outputDim, ... })`. */
export interface EmbeddingArgs extends EmbeddingOptions {
  /** The vocabulary size: ids lie in [0, inputDim). */
  inputDim: number;
  /** The size of each embedding vector. */
  outputDim: number;
}

const EMBEDDING_KEYS = [...LAYER_ARG_KEYS, 'maskZero', 'embeddingsInitializer', 'embeddingsRegularizer', 'embeddingsConstraint', 'activityRegularizer', 'inputLength'];

/**
 * Turns integer token ids into dense vectors: an input of ids of any shape `[batch, ...]` gives
 * `[batch, ..., outputDim]`, row `id` of the `embeddings` table for each id. An id that is not a
 * whole number in [0, inputDim) is an error naming it. With `maskZero`, id 0 is padding: the
 * output carries the mask `ids != 0`, which recurrent layers and GlobalAveragePooling1D respect
 * (so the vocabulary needs `inputDim = V + 1`).
 *
 * @example
 * ```ts
 * const embed = new tk.layers.Embedding(1000, 64, { maskZero: true });
 * const y = embed.apply(tk.tensor([[4, 20, 0]]));   // [1, 3, 64]
 * tk.layers.maskOf(y)?.toArray();                    // [[1, 1, 0]]
 * new tk.layers.Embedding({ inputDim: 10, outputDim: 4, inputLength: 5 });   // TF.js form
 * ```
 */
export class Embedding extends Layer {
  static override readonly className: string = 'Embedding';

  /**
   * Builds an Embedding from its `getConfig()` (inputDim and outputDim are positional).
   *
   * @example
   * ```ts
   * const copy = tk.layers.Embedding.fromConfig(layer.getConfig());
   * ```
   */
  static override fromConfig(config: LayerConfig): Embedding {
    const { inputDim, outputDim, ...options } = config;
    return new Embedding(inputDim as number, outputDim as number, options as EmbeddingOptions);
  }

  /** The vocabulary size: ids lie in [0, inputDim). */
  readonly inputDim: number;
  /** The size of each embedding vector. */
  readonly outputDim: number;
  /** Whether id 0 is padding, masked in the output. */
  readonly maskZero: boolean;
  /** TF.js's fixed input length, or null. */
  readonly inputLength: number | (number | null)[] | null;
  /** How the table is initialized in `build` (default 'uniform', ±0.05). */
  readonly embeddingsInitializer: Initializer;
  /** The penalty on the table added to the loss, or null (default). */
  readonly embeddingsRegularizer: Regularizer | null;
  /** The table, `[inputDim, outputDim]`, once built. */
  embeddings: Variable | null = null;

  /**
   * @param inputDim the vocabulary size, a positive integer (or the TF.js args object)
   * @param outputDim the embedding size, a positive integer
   * @param options everything else
   */
  constructor(inputDim: number | EmbeddingArgs, outputDim?: number, options: EmbeddingOptions = {}) {
    let opts: EmbeddingOptions = options;
    let nIn: unknown = inputDim;
    let nOut: unknown = outputDim;
    if (inputDim !== null && typeof inputDim === 'object') {
      const { inputDim: i, outputDim: o, ...rest } = inputDim;
      if (outputDim !== undefined) throw new Error(`${layerWho('Embedding', inputDim)}: give outputDim in the args object or positionally, not both`);
      opts = rest;
      nIn = i;
      nOut = o;
    }
    const who = layerWho('Embedding', opts);
    checkOptions(who, opts, EMBEDDING_KEYS);
    const dimIn = positiveInteger(who, 'inputDim', nIn);
    const dimOut = positiveInteger(who, 'outputDim', nOut);
    const maskZero = boolean(who, 'maskZero', opts.maskZero ?? false);
    if (opts.embeddingsConstraint !== undefined && opts.embeddingsConstraint !== null) {
      throw new Error(`${who}: embeddingsConstraint is not supported (tensorkit has no weight constraints), got ${describe(opts.embeddingsConstraint)}`);
    }
    const inputLength = opts.inputLength ?? null;
    const lengths = inputLength === null ? null : typeof inputLength === 'number' ? [inputLength] : inputLength;
    if (lengths !== null && (!Array.isArray(lengths) || lengths.length === 0 || lengths.some((d) => d !== null && (typeof d !== 'number' || !Number.isInteger(d) || d <= 0)))) {
      throw new Error(`${who}: inputLength must be a positive integer or a list of them (null for unknown), got ${describe(inputLength)}`);
    }
    const embeddingsInitializer = getInitializer(opts.embeddingsInitializer ?? 'uniform', `${who} embeddingsInitializer`);
    const embeddingsRegularizer = regularizerOrNull(opts.embeddingsRegularizer, `${who} embeddingsRegularizer`);
    const activityRegularizer = regularizerOrNull(opts.activityRegularizer, `${who} activityRegularizer`);
    // As TF.js: inputLength stands for the input shape when none is given.
    const declared = opts.inputShape !== undefined || opts.inputDim !== undefined || opts.batchInputShape !== undefined;
    const { inputLength: _length, embeddingsConstraint: _constraint, ...base } = opts;
    super(lengths !== null && !declared ? { ...base, inputShape: lengths } : base);
    this.inputDim = dimIn;
    this.outputDim = dimOut;
    this.maskZero = maskZero;
    this.inputLength = lengths === null ? null : typeof inputLength === 'number' ? inputLength : lengths.slice();
    this.embeddingsInitializer = embeddingsInitializer;
    this.embeddingsRegularizer = embeddingsRegularizer;
    this.activityRegularizer = activityRegularizer;
    // Keras: the layer takes a mask (and makes one) only with maskZero.
    this.supportsMasking = maskZero;
  }

  override build(inputShape: SymbolicShape): void {
    this.embeddings = this.addWeight('embeddings', [this.inputDim, this.outputDim], this.embeddingsInitializer, { regularizer: this.embeddingsRegularizer });
    super.build(inputShape);
  }

  call(ids: Tensor, _args: CallArgs): Tensor {
    // The layer's own check, so the error names the layer, the id and inputDim.
    const data = ids.data;
    for (let i = 0; i < data.length; i++) {
      const v = data[i]!;
      if (!(Number.isInteger(v) && v >= 0 && v < this.inputDim)) {
        throw new Error(`${this.name}: token id ${v} (at flat position ${i} of the input ${JSON.stringify(ids.shape)}) is not a whole number in [0, inputDim = ${this.inputDim})`);
      }
    }
    return ops.gather(this.embeddings!, ids, 0);
  }

  override computeMask(ids: Tensor | Tensor[], _mask: Mask | Mask[] | undefined): Mask {
    if (!this.maskZero) return null;
    return ops.notEqual(ids as Tensor, 0);
  }

  override computeOutputShape(inputShape: SymbolicShape): SymbolicShape {
    return [...inputShape, this.outputDim];
  }

  /** The configuration (TF.js camelCase), `inputLength` only when set. */
  override getConfig(): LayerConfig {
    const config: LayerConfig = {
      ...super.getConfig(),
      inputDim: this.inputDim,
      outputDim: this.outputDim,
      embeddingsInitializer: serializeInitializer(this.embeddingsInitializer),
      embeddingsRegularizer: serializeRegularizer(this.embeddingsRegularizer),
      activityRegularizer: serializeRegularizer(this.activityRegularizer),
      embeddingsConstraint: null,
      maskZero: this.maskZero,
    };
    if (this.inputLength !== null) config.inputLength = Array.isArray(this.inputLength) ? this.inputLength.slice() : this.inputLength;
    return config;
  }
}
