// Softmax and log-softmax along one axis.
//
// logSoftmax is the primitive: log softmax(x)_i = x_i - m - log Σ_j e^(x_j - m), m = max_j x_j.
// NOTE: subtracting the max first keeps every exponent ≤ 0, so nothing overflows, and at least
// one term of the sum is e^0 = 1, so the log never sees 0.
// softmax is the composite exp(logSoftmax(x)); its gradient comes from the two rules.
// logSoftmax's backward is one fused pass over each row, logSoftmaxGrad: a gradient primitive
// with its own derivative, so the backward can be differentiated again.

import { record } from '../autograd/tape.js';
import { formatShape, normalizeAxis, shapesEqual, sizeOf } from '../tensor/shape.js';
import { Tensor, toTensor, type TensorLike } from '../tensor/tensor.js';
import { mul, neg, sub } from './arithmetic.js';
import { markFromLogits } from './logits.js';
import { sum } from './reduce.js';
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
  return record('logSoftmax', [t], y, (dy) => [logSoftmaxGrad(dy, y, a)], { axis: a });
}

/**
 * logSoftmax's backward from its output y, along `axis`: `dy − softmax·Σ dy` with softmax = e^y,
 * in one pass over each row.
 * d/ddy = g − Σ(g·e^y);  d/dy = −g·e^y·Σ dy   (Σ along the axis, broadcast back)
 *
 * @example
 * ```ts
 * logSoftmaxGrad(tk.tensor([1, 0]), tk.tensor([0, 0]).logSoftmax()).toArray();   // [0.5, -0.5]
 * ```
 */
export function logSoftmaxGrad(dy: TensorLike, y: TensorLike, axis = -1): Tensor {
  const d = toTensor(dy, 'logSoftmaxGrad');
  const s = toTensor(y, 'logSoftmaxGrad');
  if (!shapesEqual(d.shape, s.shape)) throw new Error(`logSoftmaxGrad: dy ${formatShape(d.shape)} and y ${formatShape(s.shape)} must have the same shape`);
  const a = normalizeAxis(axis, s.rank, 'logSoftmaxGrad');
  const n = s.shape[a]!;
  const outer = sizeOf(s.shape.slice(0, a));
  const inner = sizeOf(s.shape.slice(a + 1));
  const dx = new Float32Array(s.size);
  const g = d.data;
  const out = s.data;
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
  return record('logSoftmaxGrad', [d, s], new Tensor(dx, s.shape), (gg) => {
    const p = exp(s);
    return [
      d.requiresGrad ? sub(gg, sum(mul(gg, p), a, true)) : null,
      s.requiresGrad ? neg(mul(mul(gg, p), sum(d, a, true))) : null,
    ];
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
