// Crossentropy straight from the logits: two fused primitives, forward and backward together.
//
// softmaxCrossEntropyWithLogits (y = labels, x = logits, along one axis, lse = log Σ_k e^x_k):
//   L = −Σ_j y_j·logSoftmax(x)_j = Σ_j y_j·(lse − x_j)
//   d/dx_j = dy·(softmax(x)_j·Σ_k y_k − y_j)        (= dy·(p − y) when the labels sum to 1)
//   d/dy_j = −dy·logSoftmax(x)_j
// sigmoidCrossEntropyWithLogits (elementwise):
//   L = max(x, 0) − x·y + log(1 + e^−|x|)             (= −y·log σ(x) − (1−y)·log(1 − σ(x)))
//   d/dx = dy·(σ(x) − y)
//   d/dy = −dy·x
//
// NOTE (why fused): computing softmax, then log, then the product loses everything once a
// probability rounds to 0 (log 0 = −∞, and 0·∞ = NaN in the backward). Here every exponent is
// shifted to be ≤ 0 and the log never sees 0, so the loss is finite at logits of ±1e4, and the
// gradient is the exact p − y instead of a quotient of two underflowed numbers.

import { record } from '../autograd/tape.js';
import { broadcastToTensor } from '../tensor/compute.js';
import { broadcastShapes, formatShape, normalizeAxis, sizeOf } from '../tensor/shape.js';
import { Tensor, toTensor, type TensorLike } from '../tensor/tensor.js';

/**
 * Labels and logits broadcast to one shape. The op records the ORIGINAL tensors and returns
 * gradients in the broadcast shape: the tape walker sums them back down.
 */
function broadcastPair(labels: Tensor, logits: Tensor, op: string): [Tensor, Tensor] {
  let shape: number[];
  try {
    shape = broadcastShapes(labels.shape, logits.shape, op);
  } catch {
    throw new Error(`${op}: labels of shape ${formatShape(labels.shape)} and logits of shape ${formatShape(logits.shape)} do not broadcast`);
  }
  const y = labels.shape.length === shape.length && labels.shape.every((d, i) => d === shape[i]) ? labels : broadcastToTensor(labels, shape, op);
  const x = logits.shape.length === shape.length && logits.shape.every((d, i) => d === shape[i]) ? logits : broadcastToTensor(logits, shape, op);
  return [y, x];
}

/**
 * Softmax crossentropy of `labels` against `logits` along `axis`, per sample:
 * `−Σ labels·logSoftmax(logits)`, with the axis removed from the shape. Stable for any finite
 * logits. Labels may be any distribution (one-hot, smoothed); both inputs are differentiable.
 *
 *   d/dlogits = dy·(softmax(logits)·Σ labels − labels)     d/dlabels = −dy·logSoftmax(logits)
 *
 * @example
 * ```ts
 * const loss = tk.softmaxCrossEntropyWithLogits(tk.tensor([[0, 1]]), tk.tensor([[0, 0]]));
 * loss.toArray();   // [0.693…]  (= ln 2)
 * ```
 */
export function softmaxCrossEntropyWithLogits(labels: TensorLike, logits: TensorLike, axis = -1): Tensor {
  const op = 'softmaxCrossEntropyWithLogits';
  const labelsT = toTensor(labels, op);
  const logitsT = toTensor(logits, op);
  const [y, x] = broadcastPair(labelsT, logitsT, op);
  if (x.rank === 0) throw new Error(`${op}: logits must have at least one axis, got a scalar`);
  const a = normalizeAxis(axis, x.rank, op);
  const n = x.shape[a]!;
  const outer = sizeOf(x.shape.slice(0, a));
  const inner = sizeOf(x.shape.slice(a + 1));
  const xs = x.data;
  const ys = y.data;
  const logp = new Float32Array(x.size); // saved for the backward: logSoftmax(x)
  const labelSum = new Float64Array(outer * inner); // Σ_j y_j per row, for d/dx
  const out = new Float32Array(outer * inner);
  for (let o = 0; o < outer; o++) {
    for (let i = 0; i < inner; i++) {
      const base = o * n * inner + i;
      let m = -Infinity;
      for (let j = 0; j < n; j++) { const v = xs[base + j * inner]!; if (v > m) m = v; }
      let s = 0;
      for (let j = 0; j < n; j++) s += Math.exp(xs[base + j * inner]! - m);
      const lse = m + Math.log(s);
      let loss = 0;
      let total = 0;
      for (let j = 0; j < n; j++) {
        const k = base + j * inner;
        const lp = xs[k]! - lse;
        logp[k] = lp;
        const yk = ys[k]!;
        // NOTE: a zero label contributes nothing, even where the logit is −∞ (0·∞ would be NaN).
        if (yk !== 0) loss -= yk * lp;
        total += yk;
      }
      out[o * inner + i] = loss;
      labelSum[o * inner + i] = total;
    }
  }
  const outShape = x.shape.filter((_, i) => i !== a);
  return record(op, [labelsT, logitsT], new Tensor(out, outShape), (dy) => {
    const g = dy.data;
    const dx = new Float32Array(x.size);
    const dl = labelsT.requiresGrad ? new Float32Array(y.size) : null;
    for (let o = 0; o < outer; o++) {
      for (let i = 0; i < inner; i++) {
        const r = o * inner + i;
        const base = o * n * inner + i;
        const gr = g[r]!;
        const total = labelSum[r]!;
        for (let j = 0; j < n; j++) {
          const k = base + j * inner;
          dx[k] = gr * (Math.exp(logp[k]!) * total - ys[k]!);
          if (dl !== null) dl[k] = -gr * logp[k]!;
        }
      }
    }
    return [dl === null ? null : new Tensor(dl, y.shape), new Tensor(dx, x.shape)];
  }, { axis: a });
}

/**
 * Sigmoid (binary) crossentropy of `labels` against `logits`, elementwise:
 * `max(x, 0) − x·y + log(1 + e^−|x|)`, the stable form of `−y·log σ(x) − (1−y)·log(1−σ(x))`.
 *
 *   d/dlogits = dy·(σ(logits) − labels)     d/dlabels = −dy·logits
 *
 * @example
 * ```ts
 * tk.sigmoidCrossEntropyWithLogits(tk.tensor([1, 0]), tk.tensor([0, 1e4])).toArray();
 * // [0.693…, 10000]  (finite even for a confident wrong prediction)
 * ```
 */
export function sigmoidCrossEntropyWithLogits(labels: TensorLike, logits: TensorLike): Tensor {
  const op = 'sigmoidCrossEntropyWithLogits';
  const labelsT = toTensor(labels, op);
  const logitsT = toTensor(logits, op);
  const [y, x] = broadcastPair(labelsT, logitsT, op);
  const xs = x.data;
  const ys = y.data;
  const out = new Float32Array(x.size);
  for (let k = 0; k < out.length; k++) {
    const v = xs[k]!;
    out[k] = (v > 0 ? v : 0) - v * ys[k]! + Math.log1p(Math.exp(-Math.abs(v)));
  }
  return record(op, [labelsT, logitsT], new Tensor(out, x.shape), (dy) => {
    const g = dy.data;
    const dx = new Float32Array(x.size);
    const dl = labelsT.requiresGrad ? new Float32Array(y.size) : null;
    for (let k = 0; k < dx.length; k++) {
      const v = xs[k]!;
      // NOTE: σ(v) written so that exp never overflows (as the sigmoid kernel).
      const s = v >= 0 ? 1 / (1 + Math.exp(-v)) : Math.exp(v) / (1 + Math.exp(v));
      dx[k] = g[k]! * (s - ys[k]!);
      if (dl !== null) dl[k] = -g[k]! * v;
    }
    return [dl === null ? null : new Tensor(dl, y.shape), new Tensor(dx, x.shape)];
  });
}
