// Flatten: [batch, d1, ..., dn] → [batch, d1·...·dn] (keras/src/layers/reshaping/flatten.py).

import * as ops from '../ops/index.js';
import * as backend from '../backend.js';
import type { Tensor } from '../tensor/tensor.js';
import { Layer, type CallArgs, type LayerArgs, type LayerConfig, type SymbolicShape } from './layer.js';
import { LAYER_ARG_KEYS, checkOptions, describe, layerWho } from './options.js';

/** The layout of image tensors: channels last `[b, h, w, c]` or first `[b, c, h, w]`. */
export type DataFormat = 'channels_last' | 'channels_first' | 'channelsLast' | 'channelsFirst';

/** Normalises a data format (Keras or TF.js spelling, any case); `undefined` → the backend default. */
export function normalizeDataFormat(who: string, format: unknown): 'channels_last' | 'channels_first' {
  if (format === undefined || format === null) return backend.imageDataFormat();
  if (typeof format === 'string') {
    const key = format.replace(/_/g, '').toLowerCase();
    if (key === 'channelslast') return 'channels_last';
    if (key === 'channelsfirst') return 'channels_first';
  }
  throw new Error(`${who}: dataFormat must be 'channels_last' or 'channels_first' (or channelsLast / channelsFirst), got ${describe(format)}`);
}

/** Options of {@link Flatten}. */
export interface FlattenOptions extends LayerArgs {
  /** Default: `tk.backend.imageDataFormat()` ('channels_last'). */
  dataFormat?: DataFormat;
}

/**
 * Flattens every sample to one axis: `[batch, ...]` → `[batch, product]`; a `[batch]` input gives
 * `[batch, 1]`. With `dataFormat: 'channels_first'` the input is first moved to channels-last
 * (axes 0, 2, ..., n−1, 1) so the element order matches a channels-last model, as Keras.
 *
 * @example
 * ```ts
 * new tk.layers.Flatten().apply(tk.zeros([2, 28, 28, 1])).shape;   // [2, 784]
 * ```
 */
export class Flatten extends Layer {
  static override readonly className: string = 'Flatten';
  /** Where the channels axis of the input is ('channels_last' by default). */
  readonly dataFormat: 'channels_last' | 'channels_first';

  constructor(options: FlattenOptions = {}) {
    const who = layerWho('Flatten', options);
    checkOptions(who, options, [...LAYER_ARG_KEYS, 'dataFormat']);
    const dataFormat = normalizeDataFormat(who, options.dataFormat);
    super(options);
    this.dataFormat = dataFormat;
    this.inputSpec = { minNdim: 1 };
  }

  call(x: Tensor, _args: CallArgs): Tensor {
    let t = x;
    if (this.dataFormat === 'channels_first' && t.rank > 2) {
      t = ops.transpose(t, [0, ...Array.from({ length: t.rank - 2 }, (_, i) => i + 2), 1]);
    }
    const perSample = t.shape.slice(1).reduce((a, b) => a * b, 1); // 1 for a [batch] input
    return ops.reshape(t, [t.shape[0]!, perSample]);
  }

  override computeOutputShape(inputShape: SymbolicShape): SymbolicShape {
    const rest = inputShape.slice(1);
    if (rest.length === 0) return [inputShape[0] ?? null, 1];
    const size = rest.some((d) => d === null) ? null : (rest as number[]).reduce((a, b) => a * b, 1);
    return [inputShape[0] ?? null, size];
  }

  override getConfig(): LayerConfig {
    return { ...super.getConfig(), dataFormat: this.dataFormat === 'channels_last' ? 'channelsLast' : 'channelsFirst' };
  }
}
