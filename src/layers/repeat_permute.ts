// RepeatVector and Permute: reshaping layers of sequence models
// (keras/src/layers/reshaping/repeat_vector.py, permute.py). Both are compositions of shape ops
// (broadcastTo, transpose), so their gradients (a sum over the copies; the inverse permutation)
// and higher-order gradients come from those ops.

import * as ops from '../ops/index.js';
import type { Tensor } from '../tensor/tensor.js';
import { Layer, type CallArgs, type LayerArgs, type LayerConfig, type SymbolicShape } from './layer.js';
import { LAYER_ARG_KEYS, checkOptions, describe, layerWho, positiveInteger } from './options.js';

/** Options of {@link RepeatVector}. */
export interface RepeatVectorOptions extends LayerArgs {
  /** The number of copies (TF.js args-object form). */
  n?: number;
}

/**
 * Repeats each sample's vector `n` times: `[batch, features]` → `[batch, n, features]`. The
 * bridge from an encoder's summary vector to a decoder that runs over `n` steps.
 *
 * @example
 * ```ts
 * new tk.layers.RepeatVector(3).apply(tk.tensor([[1, 2]])).toArray();   // [[[1, 2], [1, 2], [1, 2]]]
 * ```
 */
export class RepeatVector extends Layer {
  static override readonly className: string = 'RepeatVector';

  /**
   * Builds a RepeatVector from its `getConfig()` (n is positional).
   *
   * @example
   * ```ts
   * const copy = tk.layers.RepeatVector.fromConfig(layer.getConfig());
   * ```
   */
  static override fromConfig(config: LayerConfig): RepeatVector {
    const { n, ...options } = config;
    return new RepeatVector(n as number, options);
  }

  /** The number of copies. */
  readonly n: number;

  /**
   * @param n the number of copies, a positive integer (or the TF.js args object `{ n }`)
   * @param options the common layer options
   */
  constructor(n: number | RepeatVectorOptions, options: LayerArgs = {}) {
    let opts: RepeatVectorOptions = options;
    let count: unknown = n;
    if (n !== null && typeof n === 'object') {
      const { n: k, ...rest } = n;
      opts = rest;
      count = k;
    }
    const who = layerWho('RepeatVector', opts);
    checkOptions(who, opts, LAYER_ARG_KEYS);
    const copies = positiveInteger(who, 'n', count);
    super(opts);
    this.n = copies;
    this.inputSpec = { ndim: 2 };
  }

  call(x: Tensor, _args: CallArgs): Tensor {
    const [batch, features] = x.shape as [number, number];
    return ops.broadcastTo(ops.reshape(x, [batch, 1, features]), [batch, this.n, features]);
  }

  override computeOutputShape(inputShape: SymbolicShape): SymbolicShape {
    return [inputShape[0] ?? null, this.n, inputShape[1] ?? null];
  }

  override getConfig(): LayerConfig {
    return { ...super.getConfig(), n: this.n };
  }
}

/** Options of {@link Permute}. */
export interface PermuteOptions extends LayerArgs {
  /** The permutation (TF.js args-object form). */
  dims?: readonly number[];
}

/**
 * Permutes the axes of each sample: `dims` is a permutation of `1..rank−1` (1-based, the batch
 * axis excluded and kept first, as Keras); output axis `j` is input axis `dims[j−1]`.
 *
 * @example
 * ```ts
 * new tk.layers.Permute([2, 1]).apply(tk.zeros([8, 10, 64])).shape;   // [8, 64, 10]
 * ```
 */
export class Permute extends Layer {
  static override readonly className: string = 'Permute';

  /**
   * Builds a Permute from its `getConfig()` (dims is positional).
   *
   * @example
   * ```ts
   * const copy = tk.layers.Permute.fromConfig(layer.getConfig());
   * ```
   */
  static override fromConfig(config: LayerConfig): Permute {
    const { dims, ...options } = config;
    return new Permute(dims as number[], options);
  }

  /** The permutation of the non-batch axes, 1-based. */
  readonly dims: readonly number[];

  /**
   * @param dims a permutation of 1..n (or the TF.js args object `{ dims }`)
   * @param options the common layer options
   */
  constructor(dims: readonly number[] | PermuteOptions, options: LayerArgs = {}) {
    let opts: PermuteOptions = options;
    let perm: unknown = dims;
    if (dims !== null && typeof dims === 'object' && !Array.isArray(dims)) {
      const { dims: d, ...rest } = dims as PermuteOptions;
      opts = rest;
      perm = d;
    }
    const who = layerWho('Permute', opts);
    checkOptions(who, opts, LAYER_ARG_KEYS);
    const n = Array.isArray(perm) ? perm.length : 0;
    const sorted = Array.isArray(perm) ? [...(perm as unknown[])].sort((a, b) => Number(a) - Number(b)) : [];
    if (n === 0 || !sorted.every((d, i) => d === i + 1)) {
      throw new Error(`${who}: dims must be a permutation of 1..n over the non-batch axes (1-based, as Keras: [2, 1] swaps the two axes after the batch), got ${describe(perm)}`);
    }
    super(opts);
    this.dims = (perm as number[]).slice();
    this.inputSpec = { ndim: n + 1 };
  }

  call(x: Tensor, _args: CallArgs): Tensor {
    return ops.transpose(x, [0, ...this.dims]);
  }

  override computeOutputShape(inputShape: SymbolicShape): SymbolicShape {
    return [inputShape[0] ?? null, ...this.dims.map((d) => inputShape[d] ?? null)];
  }

  override getConfig(): LayerConfig {
    return { ...super.getConfig(), dims: this.dims.slice() };
  }
}
