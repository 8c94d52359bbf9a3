import type { Layer } from '../layers/layer.js';
import { Sequential, type SequentialArgs } from './sequential.js';

/**
 * TF.js's factory spelling of `new Sequential(...)`.
 *
 * @example
 * ```ts
 * const model = tk.sequential({ layers: [new tk.layers.Dense(1, { inputShape: [3] })] });
 * ```
 */
export function sequential(args: SequentialArgs | readonly Layer[] = {}): Sequential {
  return new Sequential(args);
}
