// Image resampling, forward and backward side by side: bilinear resizing with half-pixel centres
// (Keras 3's ops.image.resize), and up-sampling by whole factors (UpSampling2D).
//
//   resizeBilinear:   y = A_h · x · A_wᵀ per image and channel   (kernels/resize.ts: 4 taps per pixel)
//   its gradient:     dx = A_hᵀ · dy · A_w  = resizeBilinearGrad(dy), the exact adjoint (scatter)
//
// Both are linear, each the other's derivative: resizeBilinearGrad's d/ddy is resizeBilinear. The
// nearest up-sampling repeats every pixel sh×sw times: a reshape, a broadcast and a reshape (ops),
// whose gradient sums each block back.

import { record } from '../autograd/tape.js';
import { resizeBilinearBackward, resizeBilinearForward } from '../tensor/kernels/resize.js';
import { formatShape } from '../tensor/shape.js';
import { Tensor, toTensor, type TensorLike } from '../tensor/tensor.js';
import { normalizeDataFormat, pair } from './conv2d.js';
import { broadcastTo } from './reduce.js';
import { reshape, transpose } from './shape.js';

/**
 * Resizes NHWC images to `size` [height, width] by bilinear interpolation with half-pixel centres
 * (Keras 3 / `tf.image.resize`; not TF.js's default mapping): output pixel i samples input
 * position `(i + 0.5)·in/out − 0.5`, clamped to the edge. `dataFormat: 'channels_first'` takes NCHW.
 *
 * d/dx = resizeBilinearGrad(dy): each output's four weights sent back to their input pixels
 *
 * @example
 * ```ts
 * resizeBilinear(tk.tensor([0, 1, 2, 3], [1, 1, 4, 1]), [1, 8]).reshape([8]).toArray();
 * // [0, 0.25, 0.75, 1.25, 1.75, 2.25, 2.75, 3]
 * ```
 */
export function resizeBilinear(x: TensorLike, size: number | readonly number[], dataFormat?: string): Tensor {
  const op = 'resizeBilinear';
  const [outH, outW] = pair(op, 'size', size);
  const channelsFirst = normalizeDataFormat(op, dataFormat) === 'channels_first';
  let t = toTensor(x, op);
  if (t.rank !== 4) throw new Error(`${op}: expected a rank-4 input [batch, ${channelsFirst ? 'channels, height, width' : 'height, width, channels'}], got shape ${formatShape(t.shape)}`);
  if (channelsFirst) t = transpose(t, [0, 2, 3, 1]);
  const y = bilinearNHWC(t, outH, outW);
  return channelsFirst ? transpose(y, [0, 3, 1, 2]) : y;
}

function bilinearNHWC(x: Tensor, outH: number, outW: number): Tensor {
  const [N, H, W, C] = x.shape as [number, number, number, number];
  const y = new Float32Array(N * outH * outW * C);
  resizeBilinearForward(x.data, N, H, W, C, outH, outW, y);
  return record('resizeBilinear', [x], new Tensor(y, [N, outH, outW, C]), (dy) => [bilinearGrad(dy, x.shape)], { size: [outH, outW] }, false);
}

/** resizeBilinear's backward, the adjoint resize into `inputShape`.  d/ddy = resizeBilinear(g) */
function bilinearGrad(dy: Tensor, inputShape: readonly number[]): Tensor {
  const [N, H, W, C] = inputShape as [number, number, number, number];
  const [, outH, outW] = dy.shape as [number, number, number, number];
  const dx = new Float32Array(N * H * W * C);
  resizeBilinearBackward(dy.data, N, H, W, C, outH, outW, dx);
  return record('resizeBilinearGrad', [dy], new Tensor(dx, inputShape), (g) => [bilinearNHWC(g, outH, outW)], { size: [H, W] }, false);
}

/**
 * Up-samples images by whole factors `size` [rows, columns] (Keras UpSampling2D): 'nearest'
 * repeats every pixel size[0]×size[1] times, exactly; 'bilinear' resizes to
 * `[H·size[0], W·size[1]]` with half-pixel centres (see {@link resizeBilinear}).
 *
 * @example
 * ```ts
 * upSampling2d(tk.tensor([1, 2, 3, 4], [1, 2, 2, 1]), 2).reshape([4, 4]).toArray();
 * // [[1, 1, 2, 2], [1, 1, 2, 2], [3, 3, 4, 4], [3, 3, 4, 4]]
 * ```
 */
export function upSampling2d(x: TensorLike, size: number | readonly number[] = 2, interpolation: 'nearest' | 'bilinear' = 'nearest', dataFormat?: string): Tensor {
  const op = 'upSampling2d';
  const [sh, sw] = pair(op, 'size', size);
  const channelsFirst = normalizeDataFormat(op, dataFormat) === 'channels_first';
  const t = toTensor(x, op);
  if (t.rank !== 4) throw new Error(`${op}: expected a rank-4 input [batch, ${channelsFirst ? 'channels, height, width' : 'height, width, channels'}], got shape ${formatShape(t.shape)}`);
  const [N, a, b, c] = t.shape as [number, number, number, number];
  if (interpolation === 'bilinear') {
    const [H, W] = channelsFirst ? [b, c] : [a, b];
    return resizeBilinear(t, [H * sh, W * sw], channelsFirst ? 'channels_first' : 'channels_last');
  }
  if (interpolation !== 'nearest') throw new Error(`${op}: interpolation must be 'nearest' or 'bilinear', got ${JSON.stringify(interpolation)}`);
  // Every pixel (and, channels_first, every row) gets a size-1 axis after it, broadcast to the factor.
  if (channelsFirst) {
    const blocks = broadcastTo(reshape(t, [N, a, b, 1, c, 1]), [N, a, b, sh, c, sw]);
    return reshape(blocks, [N, a, b * sh, c * sw]);
  }
  const blocks = broadcastTo(reshape(t, [N, a, 1, b, 1, c]), [N, a, sh, b, sw, c]);
  return reshape(blocks, [N, a * sh, b * sw, c]);
}
