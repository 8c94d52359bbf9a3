// Crossentropy losses: binary, categorical (one-hot labels) and sparse categorical (integer ids).
// Formulas: keras-facts §5.3 (keras/src/losses/losses.py + keras/src/backend/tensorflow/nn.py).
//
// NOTE (logits): when yPred came out of a sigmoid (binary) or a softmax along the class axis
// (categorical, sparse), the loss is computed from the logits that activation saw, with the fused
// primitives of src/ops/crossentropy.ts — exactly what Keras does on the TensorFlow backend. So
// `Dense(10, 'softmax')` + 'categorical_crossentropy' is finite for confident wrong predictions
// and its gradient w.r.t. the logits is the exact p − y. Any other yPred is clipped to
// [ε, 1 − ε] first (ε = tk.backend.epsilon(), 1e-7), so log never sees 0.

import { epsilon } from '../backend.js';
import { noGrad } from '../autograd/tape.js';
import * as ops from '../ops/index.js';
import { logitsOf } from '../ops/logits.js';
import { formatShape, normalizeAxis, shapesEqual } from '../tensor/shape.js';
import { Tensor, toTensor, type TensorLike } from '../tensor/tensor.js';
import { LossFunctionWrapper, pickLossOptions, setLossMask, squeezeOrExpandToSameRank, type LossOptions } from './loss.js';

/** Options of the binary and categorical crossentropies. */
export interface CrossentropyOptions {
  /** True when yPred holds logits rather than probabilities (default false). */
  fromLogits?: boolean;
  /** Moves the labels towards uniform: binary y·(1−ls) + ls/2, categorical y·(1−ls) + ls/C. */
  labelSmoothing?: number;
  /** The class axis (categorical) or the axis averaged over (binary); default -1. */
  axis?: number;
}

/** Options of the sparse categorical crossentropy. */
export interface SparseCrossentropyOptions {
  /** True when yPred holds logits rather than probabilities (default false). */
  fromLogits?: boolean;
  /** A label value (e.g. -1 or 255) whose samples get loss 0 and are left out of the mean. */
  ignoreClass?: number | null;
  /** The class axis; only the last axis is supported (as Keras on TensorFlow). */
  axis?: number;
}

const warned = new Set<string>();
function warnOnce(message: string): void {
  if (warned.has(message)) return;
  warned.add(message);
  console.warn(message);
}

function checkLabelSmoothing(ls: number, who: string): void {
  if (typeof ls !== 'number' || !(ls >= 0 && ls <= 1)) {
    throw new Error(`${who}: labelSmoothing must be a number in [0, 1], got ${String(ls)}`);
  }
}

/** True when `y` has the shape of integer class ids for predictions `p` ([N] or [N,1] vs [N,C>1]). */
function looksLikeClassIds(y: Tensor, p: Tensor): boolean {
  if (p.rank < 1 || p.shape[p.rank - 1]! <= 1) return false;
  const lead = p.shape.slice(0, -1);
  if (shapesEqual(y.shape, lead)) return true;
  return y.rank === p.rank && y.shape[y.rank - 1] === 1 && shapesEqual(y.shape.slice(0, -1), lead);
}

/** Crossentropies need labels shaped exactly like the predictions (Keras: "must have the same shape"). */
function checkSameShape(who: string, y: Tensor, p: Tensor): void {
  if (shapesEqual(y.shape, p.shape)) return;
  if (looksLikeClassIds(y, p)) {
    const classes = p.shape[p.rank - 1]!;
    throw new Error(`${who}: labels of shape ${formatShape(y.shape)} look like integer class ids for predictions of shape ${formatShape(p.shape)}; use 'sparse_categorical_crossentropy' for integer labels, or one-hot encode them (tk.oneHot(labels, ${classes}))`);
  }
  throw new Error(`${who}: labels of shape ${formatShape(y.shape)} and predictions of shape ${formatShape(p.shape)} must have the same shape`);
}

// ---- binary --------------------------------------------------------------------------------

/**
 * Binary crossentropy, averaged over the last axis (or `axis`): per sample
 * `mean(−(y·log p + (1−y)·log(1−p)))`, p clipped to [ε, 1−ε]; from logits (or a sigmoid
 * output) the stable `max(x,0) − x·y + log(1+e^−|x|)`.
 *
 * @example
 * ```ts
 * tk.losses.binaryCrossentropy(tk.tensor([[0, 1]]), tk.tensor([[0.4, 0.6]])).toArray();   // [0.5108…]
 * ```
 */
export function binaryCrossentropy(yTrue: TensorLike, yPred: TensorLike, options: CrossentropyOptions = {}): Tensor {
  const who = 'binary_crossentropy';
  const { fromLogits = false, labelSmoothing = 0, axis = -1 } = options;
  checkLabelSmoothing(labelSmoothing, who);
  let [y, p] = squeezeOrExpandToSameRank(toTensor(yTrue, who), toTensor(yPred, who));
  checkSameShape(who, y, p);
  if (labelSmoothing > 0) y = ops.add(ops.mul(y, 1 - labelSmoothing), 0.5 * labelSmoothing);
  const origin = logitsOf(p);
  let elementwise: Tensor;
  if (origin?.activation === 'sigmoid') {
    if (fromLogits) warnOnce(`${who}: fromLogits is true, but yPred came out of a sigmoid and so holds probabilities; using the sigmoid's input as the logits (as Keras)`);
    elementwise = ops.sigmoidCrossEntropyWithLogits(y, origin.logits);
  } else if (fromLogits) {
    elementwise = ops.sigmoidCrossEntropyWithLogits(y, p);
  } else {
    const eps = epsilon();
    const pc = ops.clip(p, eps, 1 - eps);
    // −(y·log p + (1−y)·log(1−p))
    elementwise = ops.neg(ops.add(ops.mul(y, ops.log(pc)), ops.mul(ops.sub(1, y), ops.log(ops.sub(1, pc)))));
  }
  return ops.mean(elementwise, axis);
}

// ---- categorical ---------------------------------------------------------------------------

/**
 * Categorical crossentropy against one-hot (or soft) labels along `axis`: per sample
 * `−Σ y·log p` with p renormalised to sum to 1 and clipped to [ε, 1−ε]; from logits (or a softmax
 * output along `axis`) `−Σ y·logSoftmax(x)`, computed stably.
 *
 * @example
 * ```ts
 * const y = tk.tensor([[0, 1, 0], [0, 0, 1]]);
 * const p = tk.tensor([[0.05, 0.95, 0], [0.1, 0.8, 0.1]]);
 * tk.losses.categoricalCrossentropy(y, p).toArray();   // [0.0513, 2.3026]
 * ```
 */
export function categoricalCrossentropy(yTrue: TensorLike, yPred: TensorLike, options: CrossentropyOptions = {}): Tensor {
  const who = 'categorical_crossentropy';
  const { fromLogits = false, labelSmoothing = 0, axis = -1 } = options;
  checkLabelSmoothing(labelSmoothing, who);
  let [y, p] = squeezeOrExpandToSameRank(toTensor(yTrue, who), toTensor(yPred, who));
  if (p.rank === 0) throw new Error(`${who}: predictions must have a class axis, got a scalar`);
  checkSameShape(who, y, p);
  const a = normalizeAxis(axis, p.rank, who);
  const classes = p.shape[a]!;
  if (classes === 1) {
    warnOnce(`${who}: expected predictions of shape (batch_size, num_classes) with num_classes > 1, got ${formatShape(p.shape)}; consider 'binary_crossentropy' for two classes`);
  }
  if (labelSmoothing > 0) y = ops.add(ops.mul(y, 1 - labelSmoothing), labelSmoothing / classes);
  const origin = logitsOf(p);
  if (origin?.activation === 'softmax' && origin.axis === a) {
    if (fromLogits) warnOnce(`${who}: fromLogits is true, but yPred came out of a softmax and so holds probabilities; using the softmax's input as the logits (as Keras)`);
    return ops.softmaxCrossEntropyWithLogits(y, origin.logits, a);
  }
  if (fromLogits) return ops.softmaxCrossEntropyWithLogits(y, p, a);
  const eps = epsilon();
  // NOTE: renormalise first (a softmax output sums to 1 already; a hand-made one may not), then clip.
  const pn = ops.clip(ops.div(p, ops.sum(p, a, true)), eps, 1 - eps);
  return ops.neg(ops.sum(ops.mul(y, ops.log(pn)), a));
}

// ---- sparse categorical --------------------------------------------------------------------

/** Checks integer class ids in [0, classes) (ignoreClass allowed); returns the validity mask. */
function checkClassIds(who: string, y: Tensor, p: Tensor, classes: number, ignoreClass: number | null): Tensor | null {
  const valid = ignoreClass === null ? null : new Float32Array(y.size);
  for (let i = 0; i < y.size; i++) {
    const v = y.data[i]!;
    if (ignoreClass !== null && v === ignoreClass) continue;
    if (!Number.isInteger(v)) {
      throw new Error(`${who}: label ${v} (at position ${i}) is not an integer class id; labels must be integers in [0, ${classes}) for predictions of shape ${formatShape(p.shape)}`);
    }
    if (v < 0 || v >= classes) {
      throw new Error(`${who}: label ${v} (at position ${i}) is out of range: class ids must be in [0, ${classes}) for predictions of shape ${formatShape(p.shape)}`);
    }
    if (valid !== null) valid[i] = 1;
  }
  return valid === null ? null : new Tensor(valid, y.shape);
}

/**
 * Categorical crossentropy against integer class ids: labels of shape [N] or [N, 1] (generally
 * yPred's shape without its last axis, or with a trailing 1) hold ids in [0, C). Per sample
 * `−log p[id]` (p clipped to [ε, 1−ε], then renormalised, as Keras on TensorFlow). With
 * `ignoreClass`, samples with that label get loss 0 and are left out of the mean.
 *
 * @example
 * ```ts
 * const p = tk.tensor([[0.05, 0.95, 0], [0.1, 0.8, 0.1]]);
 * tk.losses.sparseCategoricalCrossentropy(tk.tensor([1, 2]), p).toArray();   // [0.0513, 2.3026]
 * ```
 */
export function sparseCategoricalCrossentropy(yTrue: TensorLike, yPred: TensorLike, options: SparseCrossentropyOptions = {}): Tensor {
  const who = 'sparse_categorical_crossentropy';
  const { fromLogits = false, ignoreClass = null, axis = -1 } = options;
  let y = toTensor(yTrue, who);
  const p = toTensor(yPred, who);
  if (p.rank === 0) throw new Error(`${who}: predictions must have a class axis, got a scalar`);
  const a = normalizeAxis(axis, p.rank, who);
  if (a !== p.rank - 1) throw new Error(`${who}: only the last axis can be the class axis (axis=-1), got axis=${axis}`);
  const classes = p.shape[a]!;
  if (y.rank === p.rank && y.shape[y.rank - 1] === 1) y = ops.squeeze(y, -1);
  if (y.rank === p.rank && classes > 1 && shapesEqual(y.shape, p.shape)) {
    throw new Error(`${who}: labels of shape ${formatShape(y.shape)} look one-hot encoded (predictions have shape ${formatShape(p.shape)}); use 'categorical_crossentropy' for one-hot labels, or pass integer class ids of shape ${formatShape(p.shape.slice(0, -1))}`);
  }
  if (!shapesEqual(y.shape, p.shape.slice(0, -1))) {
    throw new Error(`${who}: labels of shape ${formatShape(y.shape)} do not fit predictions of shape ${formatShape(p.shape)}; expected integer class ids of shape ${formatShape(p.shape.slice(0, -1))} (or with a trailing 1)`);
  }
  const valid = checkClassIds(who, y, p, classes, ignoreClass);
  const ids = valid === null ? y : noGrad(() => ops.mul(y, valid)); // ignored labels → class 0, masked below
  const oneHot = ops.oneHot(ids, classes);
  const origin = logitsOf(p);
  let logits: Tensor;
  if (origin?.activation === 'softmax' && origin.axis === a) {
    if (fromLogits) warnOnce(`${who}: fromLogits is true, but yPred came out of a softmax and so holds probabilities; using the softmax's input as the logits (as Keras)`);
    logits = origin.logits;
  } else if (fromLogits) {
    logits = p;
  } else {
    const eps = epsilon();
    // NOTE: as Keras on TensorFlow: clip, take the log, and let the softmax crossentropy of
    // log p renormalise (−log(p_id / Σp)).
    logits = ops.log(ops.clip(p, eps, 1 - eps));
  }
  const losses = ops.softmaxCrossEntropyWithLogits(oneHot, logits, -1);
  if (valid === null) return losses;
  return setLossMask(ops.where(valid, losses, 0), valid);
}

// ---- classes -------------------------------------------------------------------------------

/**
 * Binary crossentropy as a Loss (default name 'binary_crossentropy').
 *
 * @example
 * ```ts
 * const bce = new tk.losses.BinaryCrossentropy({ fromLogits: true, labelSmoothing: 0.1 });
 * bce.compute(tk.tensor([[1], [0]]), tk.tensor([[2.5], [-1]])).item();
 * ```
 */
export class BinaryCrossentropy extends LossFunctionWrapper {
  /** Whether yPred holds logits rather than probabilities (default false). */
  readonly fromLogits: boolean;
  /** How far the labels are moved towards uniform, in [0, 1] (default 0). */
  readonly labelSmoothing: number;
  /** The axis averaged over (default -1, the last). */
  readonly axis: number;
  constructor(options: CrossentropyOptions & LossOptions = {}) {
    const { fromLogits = false, labelSmoothing = 0, axis = -1 } = options;
    checkLabelSmoothing(labelSmoothing, 'BinaryCrossentropy');
    super((t, p) => binaryCrossentropy(t, p, { fromLogits, labelSmoothing, axis }), { name: 'binary_crossentropy', ...pickLossOptions(options) });
    this.fromLogits = fromLogits;
    this.labelSmoothing = labelSmoothing;
    this.axis = axis;
  }
  override getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), from_logits: this.fromLogits, label_smoothing: this.labelSmoothing, axis: this.axis };
  }
}

/**
 * Categorical crossentropy (one-hot labels) as a Loss (default name 'categorical_crossentropy').
 *
 * @example
 * ```ts
 * const cce = new tk.losses.CategoricalCrossentropy({ labelSmoothing: 0.1 });
 * cce.compute(tk.tensor([[0, 1]]), tk.tensor([[0.3, 0.7]])).item();
 * ```
 */
export class CategoricalCrossentropy extends LossFunctionWrapper {
  /** Whether yPred holds logits rather than probabilities (default false). */
  readonly fromLogits: boolean;
  /** How far the labels are moved towards uniform, in [0, 1] (default 0). */
  readonly labelSmoothing: number;
  /** The class axis (default -1, the last). */
  readonly axis: number;
  constructor(options: CrossentropyOptions & LossOptions = {}) {
    const { fromLogits = false, labelSmoothing = 0, axis = -1 } = options;
    checkLabelSmoothing(labelSmoothing, 'CategoricalCrossentropy');
    super((t, p) => categoricalCrossentropy(t, p, { fromLogits, labelSmoothing, axis }), { name: 'categorical_crossentropy', ...pickLossOptions(options) });
    this.fromLogits = fromLogits;
    this.labelSmoothing = labelSmoothing;
    this.axis = axis;
  }
  override getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), from_logits: this.fromLogits, label_smoothing: this.labelSmoothing, axis: this.axis };
  }
}

/**
 * Sparse categorical crossentropy (integer labels) as a Loss (default name
 * 'sparse_categorical_crossentropy').
 *
 * @example
 * ```ts
 * const scce = new tk.losses.SparseCategoricalCrossentropy({ fromLogits: true, ignoreClass: -1 });
 * scce.compute(tk.tensor([2, -1]), tk.tensor([[1, 2, 3], [0, 0, 0]])).item();   // 0.4076 (one valid sample)
 * ```
 */
export class SparseCategoricalCrossentropy extends LossFunctionWrapper {
  /** Whether yPred holds logits rather than probabilities (default false). */
  readonly fromLogits: boolean;
  /** The label whose samples are left out of the loss, or null (default) for none. */
  readonly ignoreClass: number | null;
  /** The class axis (default -1, the last). */
  readonly axis: number;
  constructor(options: SparseCrossentropyOptions & LossOptions = {}) {
    const { fromLogits = false, ignoreClass = null, axis = -1 } = options;
    super((t, p) => sparseCategoricalCrossentropy(t, p, { fromLogits, ignoreClass, axis }), { name: 'sparse_categorical_crossentropy', ...pickLossOptions(options) });
    this.fromLogits = fromLogits;
    this.ignoreClass = ignoreClass;
    this.axis = axis;
  }
  override getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), from_logits: this.fromLogits, ignore_class: this.ignoreClass, axis: this.axis };
  }
}
