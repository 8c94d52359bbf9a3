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
//
// The logits' gradients are fused passes too, and gradient primitives with derivatives of their
// own (softmaxCrossEntropyGrad, sigmoidCrossEntropyGrad: the end of this file), so a gradient of
// the loss can be differentiated again. The labels' gradients are products of recorded ops.

import { isRecording, record } from '../autograd/tape.js';
import { broadcastToTensor } from '../tensor/compute.js';
import { broadcastShapes, formatShape, normalizeAxis, shapesEqual, sizeOf } from '../tensor/shape.js';
import { Tensor, toTensor, type TensorLike } from '../tensor/tensor.js';
import { mul, neg, sub } from './arithmetic.js';
import { broadcastTo, sum } from './reduce.js';
import { expandDims } from './shape.js';
import { logSoftmax, softmax } from './softmax.js';
import { sigmoid, sigmoidGrad } from './unary.js';

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

/** `t` broadcast to `shape` on the tape (itself when it has that shape). */
function inShape(t: Tensor, shape: readonly number[]): Tensor {
  return shapesEqual(t.shape, shape) ? t : broadcastTo(t, shape);
}

/** What the softmax crossentropy's forward keeps for its backward, per row along the axis. */
interface SoftmaxCrossEntropySaved {
  readonly y: Tensor;
  readonly axis: number;
  readonly logp: Float32Array;
  readonly labelSum: Float64Array;
  readonly outer: number;
  readonly n: number;
  readonly inner: number;
}

/** logSoftmax(x) and Σ y per row along `a`, for the softmax crossentropy and its gradient. */
function softmaxCrossEntropyRows(y: Tensor, x: Tensor, a: number, loss: Float32Array | null): SoftmaxCrossEntropySaved {
  const n = x.shape[a]!;
  const outer = sizeOf(x.shape.slice(0, a));
  const inner = sizeOf(x.shape.slice(a + 1));
  const xs = x.data;
  const ys = y.data;
  const logp = new Float32Array(x.size);
  const labelSum = new Float64Array(outer * inner);
  for (let o = 0; o < outer; o++) {
    for (let i = 0; i < inner; i++) {
      const base = o * n * inner + i;
      let m = -Infinity;
      for (let j = 0; j < n; j++) { const v = xs[base + j * inner]!; if (v > m) m = v; }
      let s = 0;
      for (let j = 0; j < n; j++) s += Math.exp(xs[base + j * inner]! - m);
      const lse = m + Math.log(s);
      let total = 0;
      let l = 0;
      for (let j = 0; j < n; j++) {
        const k = base + j * inner;
        const lp = xs[k]! - lse;
        logp[k] = lp;
        const yk = ys[k]!;
        // NOTE: a zero label contributes nothing, even where the logit is −∞ (0·∞ would be NaN).
        if (yk !== 0) l -= yk * lp;
        total += yk;
      }
      if (loss !== null) loss[o * inner + i] = l;
      labelSum[o * inner + i] = total;
    }
  }
  return { y, axis: a, logp, labelSum, outer, n, inner };
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
  const outShape = x.shape.filter((_, i) => i !== a);
  const out = new Float32Array(sizeOf(outShape));
  const saved = softmaxCrossEntropyRows(y, x, a, out);
  return record(op, [labelsT, logitsT], new Tensor(out, outShape), (dy) => [
    // d/dlabels = −dy·logSoftmax(x): from the saved values unless recorded (then a function of x).
    labelsT.requiresGrad ? neg(mul(expandDims(dy, a), isRecording() ? logSoftmax(inShape(logitsT, x.shape), a) : new Tensor(saved.logp, x.shape))) : null,
    logitsT.requiresGrad ? softmaxCrossEntropyGradFrom(dy, labelsT, logitsT, saved) : null,
  ], { axis: a });
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
  return record(op, [labelsT, logitsT], new Tensor(out, x.shape), (dy) => [
    labelsT.requiresGrad ? neg(mul(dy, logitsT)) : null,
    logitsT.requiresGrad ? sigmoidCrossEntropyGrad(dy, labelsT, logitsT) : null,
  ]);
}

// ---- gradient primitives: the logits' gradients, each an op with its own derivative -----------

/**
 * The softmax crossentropy's gradient for the logits, `dy·(softmax(logits)·Σ labels − labels)`
 * along `axis` (dy has the loss's shape: the axis removed), in one pass over each row. With
 * p = softmax(logits), S = Σ labels, and g the gradient arriving (Σ along the axis, broadcast back):
 *
 *   d/ddy = Σ g·(p·S − labels)     d/dlabels = dy·(Σ g·p − g)     d/dlogits = dy·S·p·(g − Σ g·p)
 *
 * @example
 * ```ts
 * softmaxCrossEntropyGrad(tk.tensor([1]), tk.tensor([[0, 1]]), tk.tensor([[0, 0]])).toArray();   // [[0.5, -0.5]]
 * ```
 */
export function softmaxCrossEntropyGrad(dy: TensorLike, labels: TensorLike, logits: TensorLike, axis = -1): Tensor {
  const op = 'softmaxCrossEntropyGrad';
  const d = toTensor(dy, op);
  const labelsT = toTensor(labels, op);
  const logitsT = toTensor(logits, op);
  const [y, x] = broadcastPair(labelsT, logitsT, op);
  if (x.rank === 0) throw new Error(`${op}: logits must have at least one axis, got a scalar`);
  const a = normalizeAxis(axis, x.rank, op);
  return softmaxCrossEntropyGradFrom(d, labelsT, logitsT, softmaxCrossEntropyRows(y, x, a, null));
}

function softmaxCrossEntropyGradFrom(dy: Tensor, labelsT: Tensor, logitsT: Tensor, saved: SoftmaxCrossEntropySaved): Tensor {
  const { y, axis: a, logp, labelSum, outer, n, inner } = saved;
  const shape = y.shape;
  const outShape = shape.filter((_, i) => i !== a);
  if (!shapesEqual(dy.shape, outShape)) {
    throw new Error(`softmaxCrossEntropyGrad: dy has shape ${formatShape(dy.shape)}, expected the loss's shape ${formatShape(outShape)}`);
  }
  const g = dy.data;
  const ys = y.data;
  const dx = new Float32Array(y.size);
  for (let o = 0; o < outer; o++) {
    for (let i = 0; i < inner; i++) {
      const r = o * inner + i;
      const base = o * n * inner + i;
      const gr = g[r]!;
      const total = labelSum[r]!;
      for (let j = 0; j < n; j++) {
        const k = base + j * inner;
        dx[k] = gr * (Math.exp(logp[k]!) * total - ys[k]!);
      }
    }
  }
  return record('softmaxCrossEntropyGrad', [dy, labelsT, logitsT], new Tensor(dx, shape), (gg) => {
    const p = softmax(inShape(logitsT, shape), a);
    const labelsB = inShape(labelsT, shape);
    const S = sum(labelsB, a, true);
    const dyE = expandDims(dy, a);
    const gp = mul(gg, p);
    const sgp = sum(gp, a, true);
    return [
      dy.requiresGrad ? sum(mul(gg, sub(mul(p, S), labelsB)), a) : null,
      labelsT.requiresGrad ? mul(dyE, sub(sgp, gg)) : null,
      logitsT.requiresGrad ? mul(mul(dyE, S), sub(gp, mul(p, sgp))) : null,
    ];
  }, { axis: a });
}

/**
 * The sigmoid crossentropy's gradient for the logits, `dy·(σ(logits) − labels)`, elementwise (dy
 * in the broadcast shape of labels and logits), in one pass.
 * d/ddy = g·(σ(logits) − labels);  d/dlabels = −g·dy;  d/dlogits = g·dy·σ(logits)·(1 − σ(logits))
 *
 * @example
 * ```ts
 * sigmoidCrossEntropyGrad(tk.tensor([1, 1]), tk.tensor([1, 0]), tk.tensor([0, 0])).toArray();   // [-0.5, 0.5]
 * ```
 */
export function sigmoidCrossEntropyGrad(dy: TensorLike, labels: TensorLike, logits: TensorLike): Tensor {
  const op = 'sigmoidCrossEntropyGrad';
  const d = toTensor(dy, op);
  const labelsT = toTensor(labels, op);
  const logitsT = toTensor(logits, op);
  const [y, x] = broadcastPair(labelsT, logitsT, op);
  if (!shapesEqual(d.shape, x.shape)) throw new Error(`${op}: dy has shape ${formatShape(d.shape)}, expected the broadcast shape ${formatShape(x.shape)}`);
  const xs = x.data;
  const ys = y.data;
  const g = d.data;
  const dx = new Float32Array(x.size);
  for (let k = 0; k < dx.length; k++) {
    const v = xs[k]!;
    // NOTE: σ(v) written so that exp never overflows (as the sigmoid kernel).
    const s = v >= 0 ? 1 / (1 + Math.exp(-v)) : Math.exp(v) / (1 + Math.exp(v));
    dx[k] = g[k]! * (s - ys[k]!);
  }
  return record(op, [d, labelsT, logitsT], new Tensor(dx, x.shape), (gg) => [
    d.requiresGrad ? sigmoidCrossEntropyGrad(gg, labelsT, logitsT) : null,
    labelsT.requiresGrad ? neg(mul(gg, d)) : null,
    logitsT.requiresGrad ? sigmoidGrad(mul(gg, d), sigmoid(inShape(logitsT, x.shape))) : null,
  ]);
}
