// Softmax and log-softmax along one axis.
//
// logSoftmax is the primitive: log softmax(x)_i = x_i - m - log Σ_j e^(x_j - m), m = max_j x_j.
// NOTE: subtracting the max first keeps every exponent ≤ 0, so nothing overflows, and at least
// one term of the sum is e^0 = 1, so the log never sees 0.
// softmax is the composite exp(logSoftmax(x)); its gradient comes from the two rules.

import { record } from '../autograd/tape.js';
import { normalizeAxis, sizeOf } from '../tensor/shape.js';
import { Tensor, toTensor, type TensorLike } from '../tensor/tensor.js';
import { markFromLogits } from './logits.js';
import { exp } from './unary.js';

/**
 * `log(softmax(x))` along `axis`, computed stably.   d/dx = dy - softmax(x)·Σ dy (along axis)
 *
 * @example
 * ```ts
 * tk.logSoftmax(tk.tensor([0, 0])).toArray();   // [-0.693…, -0.693…]
 * ```
 */
export function logSoftmax(x: TensorLike, axis = -1): Tensor {
  const t = toTensor(x, 'logSoftmax');
  const a = normalizeAxis(axis, t.rank, 'logSoftmax');
  const n = t.shape[a]!;
  const outer = sizeOf(t.shape.slice(0, a));
  const inner = sizeOf(t.shape.slice(a + 1));
  const out = new Float32Array(t.size);
  const src = t.data;
  for (let o = 0; o < outer; o++) {
    for (let i = 0; i < inner; i++) {
      const base = o * n * inner + i;
      let m = -Infinity;
      for (let j = 0; j < n; j++) { const v = src[base + j * inner]!; if (v > m) m = v; }
      let s = 0;
      for (let j = 0; j < n; j++) s += Math.exp(src[base + j * inner]! - m);
      const shift = m + Math.log(s);
      for (let j = 0; j < n; j++) out[base + j * inner] = src[base + j * inner]! - shift;
    }
  }
  const y = new Tensor(out, t.shape);
  return record('logSoftmax', [t], y, (dy) => {
    const dx = new Float32Array(t.size);
    const g = dy.data;
    for (let o = 0; o < outer; o++) {
      for (let i = 0; i < inner; i++) {
        const base = o * n * inner + i;
        let total = 0;
        for (let j = 0; j < n; j++) total += g[base + j * inner]!;
        for (let j = 0; j < n; j++) {
          const k = base + j * inner;
          dx[k] = g[k]! - Math.exp(out[k]!) * total;
        }
      }
    }
    return [new Tensor(dx, t.shape)];
  }, { axis: a });
}

/**
 * Softmax along `axis`: `exp(x - max) / Σ exp(x - max)`, as the composite `exp(logSoftmax(x))`.
 *
 * @example
 * ```ts
 * tk.softmax(tk.tensor([1, 1])).toArray();   // [0.5, 0.5]
 * ```
 */
export function softmax(x: TensorLike, axis = -1): Tensor {
  const logits = toTensor(x, 'softmax');
  const a = normalizeAxis(axis, logits.rank, 'softmax');
  return markFromLogits(exp(logSoftmax(logits, a)), { activation: 'softmax', logits, axis: a });
}
