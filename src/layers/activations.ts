// Activation functions (tk.activations), with the Keras 3 formulas and defaults
// (keras/src/activations/activations.py, keras/src/backend/numpy/nn.py), built from tensorkit
// ops so every one of them is differentiable. A layer takes an activation by name
// ('relu', 'hard_sigmoid' or TF.js's 'hardSigmoid'), as a function `(x) => Tensor`, or as an
// `Activation` object; `getActivation` turns any of these into an `Activation`.
//
// NOTE (stability): sigmoid, tanh, softplus and softmax come from ops that never overflow
// (softmax is shifted by the max). Wherever a branch would be evaluated outside its region
// (elu/celu's exp for large positive x), the argument is clamped first so the unused branch
// stays finite: `where` passes a zero gradient to it, but 0·∞ would still be NaN.

import { IdentifierTable } from '../identifiers.js';
import { isRecording, record } from '../autograd/tape.js';
import * as ops from '../ops/index.js';
import { normalizeAxes, normalizeAxis, sizeOf } from '../tensor/shape.js';
import { Tensor, toTensor, type TensorLike } from '../tensor/tensor.js';

/** An activation function of one tensor. */
export type ActivationFunction = (x: Tensor) => Tensor;

/** A named activation: what layers hold. */
export interface Activation {
  /** The Keras name ('relu', 'hard_sigmoid', ...), or the function's name for a custom one. */
  readonly name: string;
  /** Applies the activation. */
  apply(x: Tensor): Tensor;
}

/** What a layer's `activation` option accepts. `null`/`undefined` mean linear. */
export type ActivationIdentifier = string | Activation | ActivationFunction | null | undefined;

// ---- the functions --------------------------------------------------------------------------

/** Options of {@link relu}, as Keras's `relu(x, negative_slope, max_value, threshold)`. */
export interface ReluOptions {
  /** Slope below the threshold (default 0). */
  negativeSlope?: number;
  /** Upper cap (default none). */
  maxValue?: number | null;
  /** Values at or below it are damped (default 0). */
  threshold?: number;
}

/**
 * Rectified linear unit: `max(x, 0)`. With options, Keras's general form: values ≤ threshold
 * become `negativeSlope·(x − threshold)`, and the result is capped at `maxValue`.
 *
 * @example
 * ```ts
 * tk.activations.relu(tk.tensor([-10, -5, 0, 5, 10]), { negativeSlope: 0.5 });   // [-5, -2.5, 0, 5, 10]
 * ```
 */
export function relu(x: TensorLike, options: ReluOptions = {}): Tensor {
  const t = toTensor(x, 'relu');
  const negativeSlope = options.negativeSlope ?? 0;
  const maxValue = options.maxValue ?? null;
  const threshold = options.threshold ?? 0;
  // Keras's ReLU.static_call, step by step.
  if (negativeSlope !== 0 && maxValue === null && threshold === 0) return leakyRelu(t, negativeSlope);
  const negativePart = negativeSlope !== 0 ? ops.relu(threshold !== 0 ? ops.sub(threshold, t) : ops.neg(t)) : null;
  let y: Tensor;
  let clipMax = maxValue !== null;
  if (threshold !== 0) {
    y = ops.mul(t, ops.greater(t, threshold)); // x where x > threshold, else 0
  } else if (maxValue === 6) {
    y = ops.relu6(t);
    clipMax = false;
  } else {
    y = ops.relu(t);
  }
  if (clipMax) y = ops.clip(y, 0, maxValue!);
  if (negativePart !== null) y = ops.sub(y, ops.mul(negativePart, negativeSlope));
  return y;
}

/**
 * Leaky ReLU: `x` for x > 0, else `negativeSlope·x`. The function's default slope is 0.2
 * (the LeakyReLU layer's is 0.3), as Keras.
 *
 * @example
 * ```ts
 * tk.activations.leakyRelu(tk.tensor([-1, 2])).toArray();   // [-0.2, 2]
 * ```
 */
export function leakyRelu(x: TensorLike, negativeSlope = 0.2): Tensor {
  const t = toTensor(x, 'leakyRelu');
  return ops.where(ops.greater(t, 0), t, ops.mul(t, negativeSlope));
}

/** `min(max(x, 0), 6)`. @example `tk.activations.relu6(tk.tensor([-1, 3, 9]))   // [0, 3, 6]` */
export function relu6(x: TensorLike): Tensor {
  return ops.relu6(x);
}

/**
 * Softmax along `axis` (default last; a list of axes normalises over all of them):
 * `exp(x − max) / Σ exp(x − max)`. The output remembers its logits, so a crossentropy loss can
 * work from them (as Keras on TensorFlow).
 *
 * @example
 * ```ts
 * tk.activations.softmax(tk.tensor([[1, 2, 1]])).toArray();   // [[0.2119, 0.5761, 0.2119]]
 * ```
 */
export function softmax(x: TensorLike, axis: number | readonly number[] = -1): Tensor {
  const t = toTensor(x, 'softmax');
  if (typeof axis === 'number') return ops.softmax(t, axis);
  if (axis.length === 1) return ops.softmax(t, axis[0]!);
  // Several axes: exp(x − logsumexp(x)) with the max shift (a constant, so detached).
  const axes = normalizeAxes(axis, t.rank, 'softmax');
  const m = ops.max(t, axes, true).detach();
  const lse = ops.add(ops.log(ops.sum(ops.exp(ops.sub(t, m)), axes, true)), m);
  return ops.exp(ops.sub(t, lse));
}

/** `log(softmax(x))` along `axis`, computed stably. @example `tk.activations.logSoftmax(tk.tensor([0, 0]))   // [-0.693, -0.693]` */
export function logSoftmax(x: TensorLike, axis = -1): Tensor {
  return ops.logSoftmax(x, axis);
}

/**
 * ELU: `x` for x ≥ 0, else `alpha·(eˣ − 1)`.
 *
 * @example
 * ```ts
 * tk.activations.elu(tk.tensor([-1, 2])).toArray();   // [-0.632, 2]
 * ```
 */
export function elu(x: TensorLike, alpha = 1): Tensor {
  const t = toTensor(x, 'elu');
  if (alpha === 1) return ops.elu(t);
  return ops.where(ops.greaterEqual(t, 0), t, ops.mul(ops.expm1(ops.minimum(t, 0)), alpha));
}

/**
 * CELU: `max(x, 0) + alpha·(exp(min(x, 0)/alpha) − 1)`.
 *
 * @example
 * ```ts
 * tk.activations.celu(tk.tensor([-1, 2]), 2).toArray();   // [2·(e^-0.5 − 1), 2] = [-0.787, 2]
 * ```
 */
export function celu(x: TensorLike, alpha = 1): Tensor {
  const t = toTensor(x, 'celu');
  if (!(alpha !== 0)) throw new Error(`celu: alpha must be non-zero, got ${alpha}`);
  return ops.add(ops.relu(t), ops.mul(ops.expm1(ops.div(ops.minimum(t, 0), alpha)), alpha));
}

/**
 * SELU: `scale·elu(x, alpha)` with alpha = 1.6732632423543772, scale = 1.0507009873554805.
 * @example `tk.activations.selu(tk.tensor([1]))   // [1.0507]`
 */
export function selu(x: TensorLike): Tensor {
  return ops.selu(x);
}

/** `log(1 + eˣ)`, stable for large |x|. @example `tk.activations.softplus(tk.tensor([0]))   // [0.693]` */
export function softplus(x: TensorLike): Tensor {
  return ops.softplus(x);
}

/** `x / (1 + |x|)`. @example `tk.activations.softsign(tk.tensor([1]))   // [0.5]` */
export function softsign(x: TensorLike): Tensor {
  return ops.softsign(x);
}

/** Squareplus: `(x + √(x² + b)) / 2` (default b = 4). @example `tk.activations.squareplus(tk.tensor([0]))   // [1]` */
export function squareplus(x: TensorLike, b = 4): Tensor {
  const t = toTensor(x, 'squareplus');
  if (!(b >= 0)) throw new Error(`squareplus: b must be >= 0, got ${b}`);
  return ops.mul(ops.add(t, ops.sqrt(ops.add(ops.square(t), b))), 0.5);
}

/**
 * Soft shrinkage: `x − threshold` above threshold, `x + threshold` below −threshold, else 0.
 *
 * @example
 * ```ts
 * tk.activations.softShrink(tk.tensor([-1, 0.2, 1])).toArray();   // [-0.5, 0, 0.5]
 * ```
 */
export function softShrink(x: TensorLike, threshold = 0.5): Tensor {
  const t = toTensor(x, 'softShrink');
  return ops.where(ops.greater(t, threshold), ops.sub(t, threshold), ops.where(ops.less(t, -threshold), ops.add(t, threshold), 0));
}

/**
 * SparsePlus: 0 for x ≤ −1, `(x + 1)²/4` for −1 < x < 1, `x` for x ≥ 1.
 *
 * @example
 * ```ts
 * tk.activations.sparsePlus(tk.tensor([-2, 0, 2])).toArray();   // [0, 0.25, 2]
 * ```
 */
export function sparsePlus(x: TensorLike): Tensor {
  const t = toTensor(x, 'sparsePlus');
  const middle = ops.mul(ops.square(ops.add(t, 1)), 0.25);
  return ops.where(ops.lessEqual(t, -1), 0, ops.where(ops.less(t, 1), middle, t));
}

/** SiLU (swish): `x·sigmoid(x)`. @example `tk.activations.silu(tk.tensor([1]))   // [0.731]` */
export function silu(x: TensorLike): Tensor {
  const t = toTensor(x, 'silu');
  return ops.mul(t, ops.sigmoid(t));
}

/** Alias of {@link silu}. */
export const swish = silu;

/**
 * GELU. Exact by default (as Keras 3's activation): `0.5·x·(1 + erf(x/√2))`; with
 * `approximate`, `0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³)))`.
 *
 * @example
 * ```ts
 * tk.activations.gelu(tk.tensor([1])).toArray();   // [0.8413]
 * ```
 */
export function gelu(x: TensorLike, approximate = false): Tensor {
  const t = toTensor(x, 'gelu');
  if (approximate) {
    const inner = ops.mul(ops.add(t, ops.mul(ops.pow(t, 3), 0.044715)), Math.sqrt(2 / Math.PI));
    return ops.mul(ops.mul(t, 0.5), ops.add(ops.tanh(inner), 1));
  }
  return ops.mul(ops.mul(t, 0.5), ops.add(ops.erf(ops.mul(t, Math.SQRT1_2)), 1));
}

/**
 * Gated linear unit: splits `x` in two halves along `axis` (whose size must be even) and returns
 * `a·sigmoid(b)`.
 *
 * @example
 * ```ts
 * tk.activations.glu(tk.tensor([[1, 2, 0, 0]])).toArray();   // [[0.5, 1]]
 * ```
 */
export function glu(x: TensorLike, axis = -1): Tensor {
  const t = toTensor(x, 'glu');
  const a = normalizeAxis(axis, t.rank, 'glu');
  const n = t.shape[a]!;
  if (n % 2 !== 0) throw new Error(`glu: the size of axis ${axis} must be even, got shape [${t.shape.join(',')}]`);
  const begin = t.shape.map(() => 0);
  const size = t.shape.slice();
  size[a] = n / 2;
  const first = ops.slice(t, begin, size);
  const secondBegin = begin.slice();
  secondBegin[a] = n / 2;
  const second = ops.slice(t, secondBegin, size);
  return ops.mul(first, ops.sigmoid(second));
}

/** Hyperbolic tangent. @example `tk.activations.tanh(tk.tensor([0]))   // [0]` */
export function tanh(x: TensorLike): Tensor {
  return ops.tanh(x);
}

/** `x − tanh(x)`. @example `tk.activations.tanhShrink(tk.tensor([1]))   // [0.2384]` */
export function tanhShrink(x: TensorLike): Tensor {
  const t = toTensor(x, 'tanhShrink');
  return ops.sub(t, ops.tanh(t));
}

/**
 * `x` where x > threshold, else `defaultValue`. Both arguments are required (as in Keras), so
 * this activation cannot be named by a string; wrap it: `(x) => threshold(x, 0.5, 0)`.
 *
 * @example
 * ```ts
 * tk.activations.threshold(tk.tensor([0.2, 0.8]), 0.5, -1).toArray();   // [-1, 0.8]
 * ```
 */
export function threshold(x: TensorLike, thresholdValue: number, defaultValue: number): Tensor {
  if (typeof thresholdValue !== 'number' || typeof defaultValue !== 'number') {
    throw new Error(`threshold: expected numbers threshold and defaultValue, got ${String(thresholdValue)} and ${String(defaultValue)}`);
  }
  const t = toTensor(x, 'threshold');
  return ops.where(ops.greater(t, thresholdValue), t, defaultValue);
}

/**
 * `1 / (1 + e⁻ˣ)`, finite for every input. The output remembers its logits, so binary
 * crossentropy can work from them.
 *
 * @example
 * ```ts
 * tk.activations.sigmoid(tk.tensor([0])).toArray();   // [0.5]
 * ```
 */
export function sigmoid(x: TensorLike): Tensor {
  return ops.sigmoid(x);
}

/**
 * Sparse sigmoid: 0 for x ≤ −1, 1 for x ≥ 1, `(x + 1)/2` between.
 *
 * @example
 * ```ts
 * tk.activations.sparseSigmoid(tk.tensor([-2, 0, 0.5, 2])).toArray();   // [0, 0.5, 0.75, 1]
 * ```
 */
export function sparseSigmoid(x: TensorLike): Tensor {
  const t = toTensor(x, 'sparseSigmoid');
  return ops.where(ops.lessEqual(t, -1), 0, ops.where(ops.greaterEqual(t, 1), 1, ops.mul(ops.add(t, 1), 0.5)));
}

/** `eˣ`. @example `tk.activations.exponential(tk.tensor([0]))   // [1]` */
export function exponential(x: TensorLike): Tensor {
  return ops.exp(x);
}

/**
 * Hard sigmoid, Keras 3 form: `relu6(x + 3) / 6` — 0 for x ≤ −3, 1 for x ≥ 3, `x/6 + 0.5`
 * between. NOTE: Keras 2 and TF.js use `clip(0.2·x + 0.5, 0, 1)`; tensorkit follows Keras 3,
 * also for TF.js's spelling 'hardSigmoid'.
 *
 * @example
 * ```ts
 * tk.activations.hardSigmoid(tk.tensor([-4, 0, 1.5, 4])).toArray();   // [0, 0.5, 0.75, 1]
 * ```
 */
export function hardSigmoid(x: TensorLike): Tensor {
  return ops.div(ops.relu6(ops.add(x, 3)), 6);
}

/** Hard SiLU (hard swish): `x·hardSigmoid(x)`. @example `tk.activations.hardSilu(tk.tensor([1]))   // [0.6667]` */
export function hardSilu(x: TensorLike): Tensor {
  const t = toTensor(x, 'hardSilu');
  return ops.mul(t, hardSigmoid(t));
}

/** Alias of {@link hardSilu}. */
export const hardSwish = hardSilu;

/** `clip(x, −1, 1)`. @example `tk.activations.hardTanh(tk.tensor([-2, 0.5, 2]))   // [-1, 0.5, 1]` */
export function hardTanh(x: TensorLike): Tensor {
  return ops.clip(x, -1, 1);
}

/**
 * Hard shrinkage: `x` where |x| > threshold, else 0.
 *
 * @example
 * ```ts
 * tk.activations.hardShrink(tk.tensor([-1, 0.2, 1])).toArray();   // [-1, 0, 1]
 * ```
 */
export function hardShrink(x: TensorLike, threshold = 0.5): Tensor {
  const t = toTensor(x, 'hardShrink');
  return ops.where(ops.greater(ops.abs(t), threshold), t, 0);
}

/** The identity. @example `tk.activations.linear(x) === x   // true` */
export function linear(x: TensorLike): Tensor {
  return toTensor(x, 'linear');
}

/** Mish: `x·tanh(softplus(x))`. @example `tk.activations.mish(tk.tensor([1]))   // [0.8651]` */
export function mish(x: TensorLike): Tensor {
  const t = toTensor(x, 'mish');
  return ops.mul(t, ops.tanh(ops.softplus(t)));
}

/** `log(sigmoid(x)) = −softplus(−x)`, stable for large |x|. @example `tk.activations.logSigmoid(tk.tensor([0]))   // [-0.693]` */
export function logSigmoid(x: TensorLike): Tensor {
  return ops.neg(ops.softplus(ops.neg(x)));
}

/**
 * Sparsemax along `axis` (Martins & Astudillo, 2016): the Euclidean projection of x onto the
 * probability simplex, `max(x − τ, 0)` with τ chosen so the output sums to 1; many outputs are
 * exactly 0.   d/dx = on the support S: dy − mean_S(dy); 0 elsewhere
 *
 * The backward is one fused pass; when it is recorded (a second derivative is wanted) it is the
 * same formula in ops, with the support's mask a constant (it is piecewise constant in x, so its
 * derivative is 0 almost everywhere).
 *
 * NOTE: τ = (Σ_{j≤k} z₍ⱼ₎ − 1)/k over the k largest entries, as in the paper. Keras 3.16's
 * backends sum the cumulative sums over the support instead, which differs (and does not sum to
 * 1) whenever more than one entry is in the support.
 *
 * @example
 * ```ts
 * tk.activations.sparsemax(tk.tensor([0.5, 0.4, -1])).toArray();   // [0.55, 0.45, 0]
 * ```
 */
export function sparsemax(x: TensorLike, axis = -1): Tensor {
  const t = toTensor(x, 'sparsemax');
  const a = normalizeAxis(axis, t.rank, 'sparsemax');
  const n = t.shape[a]!;
  const outer = sizeOf(t.shape.slice(0, a));
  const inner = sizeOf(t.shape.slice(a + 1));
  const out = new Float32Array(t.size);
  const z = new Float64Array(n);
  for (let o = 0; o < outer; o++) {
    for (let i = 0; i < inner; i++) {
      const base = o * n * inner + i;
      for (let j = 0; j < n; j++) z[j] = t.data[base + j * inner]!;
      const sorted = Array.from(z).sort((p, q) => q - p);
      let cumsum = 0;
      let k = 0;
      let kSum = 0;
      for (let j = 0; j < n; j++) {
        cumsum += sorted[j]!;
        if (1 + (j + 1) * sorted[j]! > cumsum) {
          k = j + 1;
          kSum = cumsum;
        }
      }
      const tau = (kSum - 1) / k;
      for (let j = 0; j < n; j++) out[base + j * inner] = Math.max(z[j]! - tau, 0);
    }
  }
  const y = new Tensor(out, t.shape);
  return record('sparsemax', [t], y, (dy) => {
    if (isRecording()) {
      const onS = ops.greater(y, 0);
      const meanS = ops.div(ops.sum(ops.mul(dy, onS), a, true), ops.sum(onS, a, true));
      return [ops.mul(onS, ops.sub(dy, meanS))];
    }
    const dx = new Float32Array(t.size);
    for (let o = 0; o < outer; o++) {
      for (let i = 0; i < inner; i++) {
        const base = o * n * inner + i;
        let total = 0;
        let count = 0;
        for (let j = 0; j < n; j++) {
          const k = base + j * inner;
          if (out[k]! > 0) {
            total += dy.data[k]!;
            count++;
          }
        }
        const meanS = count > 0 ? total / count : 0;
        for (let j = 0; j < n; j++) {
          const k = base + j * inner;
          dx[k] = out[k]! > 0 ? dy.data[k]! - meanS : 0;
        }
      }
    }
    return [new Tensor(dx, t.shape)];
  }, { axis: a });
}

// ---- lookup ---------------------------------------------------------------------------------

function named(name: string, f: ActivationFunction): Activation {
  return { name, apply: f };
}

/** Every Keras 3 activation name, with its default arguments. */
const KERAS_ACTIVATIONS: Record<string, ActivationFunction> = {
  relu: (x) => relu(x),
  leaky_relu: (x) => leakyRelu(x),
  relu6,
  softmax: (x) => softmax(x),
  celu: (x) => celu(x),
  elu: (x) => elu(x),
  selu,
  softplus,
  softsign,
  squareplus: (x) => squareplus(x),
  soft_shrink: (x) => softShrink(x),
  sparse_plus: sparsePlus,
  silu,
  gelu: (x) => gelu(x),
  glu: (x) => glu(x),
  tanh,
  tanh_shrink: tanhShrink,
  threshold: (x) => x, // never applied: getActivation rejects the name (it needs two arguments)
  sigmoid,
  sparse_sigmoid: sparseSigmoid,
  exponential,
  hard_sigmoid: hardSigmoid,
  hard_silu: hardSilu,
  hard_tanh: hardTanh,
  hard_shrink: (x) => hardShrink(x),
  linear,
  mish,
  log_softmax: (x) => logSoftmax(x),
  log_sigmoid: logSigmoid,
  sparsemax: (x) => sparsemax(x),
};

const byName: Record<string, Activation> = Object.fromEntries(
  Object.entries(KERAS_ACTIVATIONS).map(([name, f]) => [name, named(name, f)]),
);
/** TF.js's 'gelu_new': GELU with the tanh approximation. */
const geluApproximate = named('gelu_approximate', (x) => gelu(x, true));
const table = new IdentifierTable<Activation>(
  'activation',
  // Keras's aliases: swish is silu, hard_swish is hard_silu.
  { ...byName, swish: byName.silu!, hard_swish: byName.hard_silu! },
  { gelu_new: geluApproximate },
);

/** The valid activation names: Keras's snake_case (camelCase spellings are accepted too). */
export const activationNames: readonly string[] = table.names;

/**
 * Turns an activation identifier into an {@link Activation}: a Keras name ('relu',
 * 'hard_sigmoid'), a TF.js name ('hardSigmoid', 'logSoftmax'), an alias ('swish', 'hard_swish'),
 * a function `(x) => Tensor`, or an Activation; `null`/`undefined` give linear. An unknown name
 * throws, listing the valid ones and suggesting the nearest.
 *
 * @example
 * ```ts
 * const act = tk.activations.getActivation('hardSigmoid');
 * act.name;                          // 'hard_sigmoid'
 * act.apply(tk.tensor([0])).item();  // 0.5
 * ```
 */
export function getActivation(identifier: ActivationIdentifier): Activation {
  if (identifier === null || identifier === undefined) return table.get('linear');
  if (typeof identifier === 'string') {
    const act = table.get(identifier);
    if (act.name === 'threshold') {
      throw new Error(
        "activation 'threshold' needs two arguments (threshold, defaultValue) and cannot be named by a string; " +
          'pass a function instead, e.g. (x) => tk.activations.threshold(x, 0.5, 0)',
      );
    }
    return act;
  }
  if (typeof identifier === 'function') return named(identifier.name || 'custom_activation', identifier);
  if (typeof identifier === 'object' && typeof identifier.apply === 'function' && typeof identifier.name === 'string') return identifier;
  throw new Error(
    `Could not interpret activation identifier: ${String(identifier)} (expected a name such as 'relu', a function (x) => Tensor, or null)`,
  );
}

/**
 * The name an activation is saved under, in TF.js spelling (camelCase: 'relu', 'hardSigmoid',
 * 'logSoftmax'), which {@link getActivation} reads back.
 *
 * @example
 * ```ts
 * tk.activations.serializeActivation(tk.activations.getActivation('hard_sigmoid'));   // 'hardSigmoid'
 * ```
 */
export function serializeActivation(activation: Activation): string {
  if (activation.name === 'gelu_approximate') return 'gelu_new';
  return activation.name.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());
}

// Keras's snake_case spellings, so `activations.leaky_relu(x)` ports unchanged.
export {
  leakyRelu as leaky_relu, logSoftmax as log_softmax, softShrink as soft_shrink, sparsePlus as sparse_plus,
  tanhShrink as tanh_shrink, sparseSigmoid as sparse_sigmoid, hardSigmoid as hard_sigmoid, hardSilu as hard_silu,
  hardSwish as hard_swish, hardTanh as hard_tanh, hardShrink as hard_shrink, logSigmoid as log_sigmoid,
};
