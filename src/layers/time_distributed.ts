// TimeDistributed: one layer applied to every time step (keras/src/layers/rnn/time_distributed.py).
// Keras runs the layer once per step and stacks the results; applying a layer to each of the
// B·T slices independently is the same as applying it once to the B·T slices laid side by side,
// so here the input [B, T, ...] is reshaped to [B·T, ...], the layer applied once (one GEMM for
// a Dense, not T), and the result reshaped to [B, T, ...]. The reshapes are views of the same
// row-major data, and their gradients are reshapes back: the weights get the sum over all steps.
// The weights are the wrapped layer's (one set, shared by every step).

import * as ops from '../ops/index.js';
import type { Tensor } from '../tensor/tensor.js';
import { fileWeightName, setFileWeightPath } from './file_names.js';
import { Layer, formatSymbolicShape, isShapeList, type CallArgs, type LayerArgs, type LayerConfig, type Mask, type SymbolicShape } from './layer.js';
import { maskOf, setMask } from './mask.js';
import { LAYER_ARG_KEYS, checkOptions, describe, layerWho } from './options.js';
import { deserializeLayer } from './registry.js';

/** The TF.js form `new TimeDistributed({ layer, ... })`. */
export interface TimeDistributedArgs extends LayerArgs {
  /** The layer applied at every step. */
  layer: Layer;
}

/**
 * Applies `layer` to every time step of a sequence: input `[batch, steps, ...]`, the layer sees
 * `[batch, ...]` per step, output `[batch, steps, ...layer output without its batch axis]`. One
 * set of weights serves every step. A mask on the input (from Embedding or Masking) is passed on.
 *
 * @example
 * ```ts
 * const td = new tk.layers.TimeDistributed(new tk.layers.Dense(8), { inputShape: [10, 16] });
 * td.apply(tk.zeros([32, 10, 16])).shape;   // [32, 10, 8]
 * td.weights.map((w) => w.shape);           // [[16, 8], [8]]: the Dense's, shared by the 10 steps
 * ```
 */
export class TimeDistributed extends Layer {
  static override readonly className: string = 'TimeDistributed';

  /**
   * Builds a TimeDistributed from its `getConfig()`: `layer` is the wrapped layer's
   * `{ className, config }` entry (TF.js and Keras 3 both store it under `layer`).
   *
   * @example
   * ```ts
   * const copy = tk.layers.TimeDistributed.fromConfig(td.getConfig());
   * ```
   */
  static override fromConfig(config: LayerConfig): TimeDistributed {
    const { layer, ...options } = config;
    const who = layerWho('TimeDistributed', options);
    return new TimeDistributed(deserializeLayer(layer, `${who}: layer`) as Layer, options);
  }

  /** The wrapped layer, applied at every step. */
  readonly layer: Layer;

  /**
   * @param layer the layer to apply at every step (or the TF.js args object `{ layer, ... }`)
   * @param options the common layer options (`inputShape: [steps, ...]` for a first layer)
   */
  constructor(layer: Layer | TimeDistributedArgs, options: LayerArgs = {}) {
    let opts: LayerArgs = options;
    let inner: unknown = layer;
    if (layer !== null && typeof layer === 'object' && !(layer instanceof Layer)) {
      const { layer: l, ...rest } = layer as TimeDistributedArgs;
      opts = rest;
      inner = l;
    }
    const who = layerWho('TimeDistributed', opts);
    checkOptions(who, opts, LAYER_ARG_KEYS);
    if (!(inner instanceof Layer)) throw new Error(`${who}: layer must be a tk.layers.Layer instance, got ${describe(inner)}`);
    super(opts);
    this.layer = inner as Layer;
    this.supportsMasking = true; // passes its input's mask on, as Keras 3.10 (and TF.js)
    this.inputSpec = { minNdim: 3 };
  }

  /** What the wrapped layer sees: the batch and time axes merged, [B·T, ...] (null when either is unknown). */
  private childShape(inputShape: SymbolicShape): SymbolicShape {
    if (isShapeList(inputShape) || inputShape.length < 3) {
      throw new Error(`${this.name}: expected an input of rank >= 3 [batch, steps, ...], got ${isShapeList(inputShape) ? 'a list of inputs' : formatSymbolicShape(inputShape)}`);
    }
    const [b, t] = inputShape;
    return [b === null || t === null || b === undefined || t === undefined ? null : b * t, ...inputShape.slice(2)];
  }

  override build(inputShape: SymbolicShape): void {
    const child = this.childShape(inputShape);
    if (!this.layer.built) this.layer.buildFrom(child);
    // TF.js builds the wrapped layer inside the wrapper's name scope: its files name these
    // weights `<wrapper>/<weight>` (file_names.ts).
    for (const w of this.layer.weights) {
      const full = fileWeightName(w);
      const short = full.startsWith(`${this.layer.name}/`) ? full.slice(this.layer.name.length + 1) : full.slice(full.lastIndexOf('/') + 1);
      setFileWeightPath(w, `${this.name}/${short}`);
    }
    super.build(inputShape);
  }

  call(x: Tensor, args: CallArgs): Tensor {
    const [b, t] = x.shape as [number, number];
    const flat = ops.reshape(x, [b * t, ...x.shape.slice(2)]);
    // A mask finer than [B, T] (e.g. [B, T, S] for a wrapped GlobalAveragePooling1D) follows the
    // slices into the wrapped layer; a [B, T] mask is one flag per slice, which it has no use for.
    const mask = (args.mask ?? null) as Mask;
    if (mask !== null && mask.rank >= 3) setMask(flat, ops.reshape(mask, [b * t, ...mask.shape.slice(2)]));
    const y = this.layer.apply(flat, args.training === undefined ? {} : { training: args.training });
    if (Array.isArray(y)) throw new Error(`${this.name}: the wrapped layer '${this.layer.name}' returns several tensors; TimeDistributed wraps layers with one output`);
    const out = ops.reshape(y, [b, t, ...y.shape.slice(1)]);
    const innerMask = maskOf(y);
    if (innerMask !== null && mask === null) setMask(out, ops.reshape(innerMask, [b, t, ...innerMask.shape.slice(1)]));
    return out;
  }

  override computeMask(x: Tensor | Tensor[], mask: Mask | Mask[] | undefined): Mask {
    if (mask === undefined || mask === null) return null;
    return mask as Mask;
  }

  override computeOutputShape(inputShape: SymbolicShape): SymbolicShape {
    const child = this.layer.computeOutputShape(this.childShape(inputShape));
    if (isShapeList(child)) throw new Error(`${this.name}: the wrapped layer '${this.layer.name}' returns several tensors; TimeDistributed wraps layers with one output`);
    return [inputShape[0] ?? null, inputShape[1] ?? null, ...child.slice(1)];
  }

  /** The wrapped layer under `layer`, as Keras 3 names it in `.keras` weight paths (`time_distributed/layer/vars/0`). */
  override kerasSubLayers(): Readonly<Record<string, Layer>> {
    return { layer: this.layer };
  }

  /** The configuration: the wrapped layer as a `{ className, config }` entry under `layer`. */
  override getConfig(): LayerConfig {
    return { ...super.getConfig(), layer: { className: this.layer.getClassName(), config: this.layer.getConfig() } };
  }
}
