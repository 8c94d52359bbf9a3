// Reshape: [batch, ...] → [batch, ...targetShape], one -1 inferred (keras/src/layers/reshaping/reshape.py).

import * as ops from '../ops/index.js';
import { formatShape } from '../tensor/shape.js';
import type { Tensor } from '../tensor/tensor.js';
import { Layer, formatSymbolicShape, type CallArgs, type LayerArgs, type LayerConfig, type SymbolicShape } from './layer.js';
import { LAYER_ARG_KEYS, checkOptions, describe, layerWho } from './options.js';

/**
 * Reshapes every sample to `targetShape` (the batch axis is kept); one entry may be -1 and is
 * inferred from the sample size.
 *
 * @example
 * ```ts
 * new tk.layers.Reshape([4, -1]).apply(tk.zeros([2, 12])).shape;   // [2, 4, 3]
 * ```
 */
export class Reshape extends Layer {
  static override readonly className: string = 'Reshape';

  /**
   * Builds a Reshape layer from its `getConfig()` (the target shape is positional in the constructor).
   *
   * @example
   * ```ts
   * const copy = tk.layers.Reshape.fromConfig(layer.getConfig());
   * ```
   */
  static override fromConfig(config: LayerConfig): Reshape {
    const { targetShape, ...options } = config;
    return new Reshape(targetShape as number[], options);
  }
  /** The shape of each sample after reshaping (one entry may be -1, inferred). */
  readonly targetShape: readonly number[];

  constructor(targetShape: readonly number[], options: LayerArgs = {}) {
    const who = layerWho('Reshape', options);
    checkOptions(who, options, LAYER_ARG_KEYS);
    if (!Array.isArray(targetShape) || targetShape.some((d) => typeof d !== 'number' || !Number.isInteger(d) || (d <= 0 && d !== -1))) {
      throw new Error(`${who}: targetShape must be a list of positive integers with at most one -1, got ${describe(targetShape)}`);
    }
    if (targetShape.filter((d) => d === -1).length > 1) throw new Error(`${who}: targetShape may hold only one -1, got ${describe(targetShape)}`);
    super(options);
    this.targetShape = targetShape.slice();
  }

  /** The target shape with -1 resolved for samples of shape `sample` (null where unknown). */
  private resolve(sample: readonly (number | null)[]): (number | null)[] {
    const target: (number | null)[] = this.targetShape.slice();
    const unknown = target.indexOf(-1);
    if (sample.some((d) => d === null)) {
      if (unknown >= 0) target[unknown] = null;
      return target;
    }
    const size = (sample as number[]).reduce((a, b) => a * b, 1);
    const known = this.targetShape.filter((d) => d !== -1).reduce((a, b) => a * b, 1);
    const fits = unknown >= 0 ? size % known === 0 : size === known;
    if (!fits) {
      const target = formatShape(this.targetShape);
      throw new Error(`${this.name}: cannot reshape samples of shape ${formatSymbolicShape(sample)} (${size} values) into target shape ${target}`);
    }
    if (unknown >= 0) target[unknown] = size / known;
    return target;
  }

  override build(inputShape: SymbolicShape): void {
    this.resolve(inputShape.slice(1)); // throws early when the sizes cannot fit
    super.build(inputShape);
  }

  call(x: Tensor, _args: CallArgs): Tensor {
    const target = this.resolve(x.shape.slice(1)) as number[];
    return ops.reshape(x, [x.shape[0]!, ...target]);
  }

  override computeOutputShape(inputShape: SymbolicShape): SymbolicShape {
    return [inputShape[0] ?? null, ...this.resolve(inputShape.slice(1))];
  }

  override getConfig(): LayerConfig {
    return { ...super.getConfig(), targetShape: this.targetShape.slice() };
  }
}
