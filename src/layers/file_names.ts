// Weight names that differ between Keras 3 and the TF.js layers format. A layer keeps Keras 3's
// name for its variable (`depthwise_conv2d/kernel`), and records here the short name the TF.js
// format gives it (`depthwise_kernel`, as TF.js and tf.keras 2 name DepthwiseConv2D's kernel), so
// that model files written by tensorkit load in TF.js and files written by TF.js load here. The
// model writer and the weight matcher (src/models/io) read it; nothing else does.

import type { Variable } from '../tensor/tensor.js';

const fileShortNames = new WeakMap<Variable, string>();
const filePaths = new WeakMap<Variable, string>();

/**
 * Records that `variable` is stored in TF.js-format files under the full name `path`: a weight
 * of a layer inside a wrapper, which TF.js names after the wrapper (TimeDistributed's inner Dense
 * kernel is `time_distributed/kernel` there, `time_distributed/dense/kernel` in Keras 3).
 *
 * @example
 * ```ts
 * setFileWeightPath(inner.kernel, `${this.name}/kernel`);   // TimeDistributed
 * ```
 */
export function setFileWeightPath(variable: Variable, path: string): void {
  filePaths.set(variable, path);
}

/**
 * Records that `variable` is stored in TF.js-format files under the short name `short` (the part
 * after the layer name). Layers call it in `build`.
 *
 * @example
 * ```ts
 * setFileWeightName(this.kernel, 'depthwise_kernel');   // DepthwiseConv2D
 * ```
 */
export function setFileWeightName(variable: Variable, short: string): void {
  fileShortNames.set(variable, short);
}

/**
 * The short name `variable` has in TF.js-format files, if it differs from its own; else undefined.
 *
 * @example
 * ```ts
 * fileWeightShortName(layer.kernel);   // 'depthwise_kernel' for a DepthwiseConv2D, undefined for a Dense
 * ```
 */
export function fileWeightShortName(variable: Variable): string | undefined {
  return fileShortNames.get(variable);
}

/**
 * The name `variable` has in TF.js-format files: its own name (`<layer>/<weight>`) with the short
 * name replaced where the format spells it differently.
 *
 * @example
 * ```ts
 * fileWeightName(depthwiseLayer.kernel);   // 'depthwise_conv2d/depthwise_kernel'
 * ```
 */
export function fileWeightName(variable: Variable): string {
  const path = filePaths.get(variable);
  if (path !== undefined) return path;
  const name = variable.name ?? 'weight';
  const short = fileShortNames.get(variable);
  if (short === undefined) return name;
  const slash = name.lastIndexOf('/');
  return `${slash < 0 ? '' : name.slice(0, slash + 1)}${short}`;
}
