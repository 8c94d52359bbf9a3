// Binary arithmetic with NumPy broadcasting, forward and backward side by side.
//
// Each backward returns gradients in the broadcast (output) shape; the tape walker sums them
// back to each input's shape, once, for every op (src/autograd/tape.ts: sumToShape). Each
// backward is written with the ops of this file, so it is itself differentiable (the masks of
// maximum and minimum are constants: their derivative is 0 almost everywhere).

import { record } from '../autograd/tape.js';
import { binaryTensor, unaryTensor } from '../tensor/compute.js';
import { broadcastShapes } from '../tensor/shape.js';
import { toTensor, type Tensor, type TensorLike } from '../tensor/tensor.js';

/**
 * Elementwise `a + b` with broadcasting.   d/da = dy,  d/db = dy
 *
 * @example
 * ```ts
 * tk.add(tk.tensor([[1, 2], [3, 4]]), tk.tensor([10, 20])).toArray();   // [[11, 22], [13, 24]]
 * ```
 */
export function add(a: TensorLike, b: TensorLike): Tensor {
  const x = toTensor(a, 'add');
  const y = toTensor(b, 'add');
  const out = binaryTensor('add', x, y);
  return record('add', [x, y], out, (dy) => [dy, dy], undefined, false);
}

/**
 * Elementwise `a - b` with broadcasting: a composite, `a + (-b)`, so its gradient comes free.
 *
 * @example
 * ```ts
 * tk.sub(tk.tensor([5, 7]), 2).toArray();   // [3, 5]
 * ```
 */
export function sub(a: TensorLike, b: TensorLike): Tensor {
  const x = toTensor(a, 'sub');
  const y = toTensor(b, 'sub');
  broadcastShapes(x.shape, y.shape, 'sub'); // so a shape error names sub, not the add inside it
  return add(x, neg(y));
}

/**
 * Elementwise `a * b` with broadcasting.   d/da = dy·b,  d/db = dy·a
 *
 * @example
 * ```ts
 * tk.mul(tk.tensor([1, 2]), tk.tensor([3, 4])).toArray();   // [3, 8]
 * ```
 */
export function mul(a: TensorLike, b: TensorLike): Tensor {
  const x = toTensor(a, 'mul');
  const y = toTensor(b, 'mul');
  const out = binaryTensor('mul', x, y);
  return record('mul', [x, y], out, (dy) => [
    x.requiresGrad ? mul(dy, y) : null,
    y.requiresGrad ? mul(dy, x) : null,
  ]);
}

/**
 * Elementwise `a / b` with broadcasting.   d/da = dy/b,  d/db = -dy·a/b²
 *
 * @example
 * ```ts
 * tk.div(tk.tensor([6, 9]), 3).toArray();   // [2, 3]
 * ```
 */
export function div(a: TensorLike, b: TensorLike): Tensor {
  const x = toTensor(a, 'div');
  const y = toTensor(b, 'div');
  const out = binaryTensor('div', x, y);
  return record('div', [x, y], out, (dy) => [
    x.requiresGrad ? div(dy, y) : null,
    y.requiresGrad ? neg(div(mul(dy, out), y)) : null, // -dy·a/b² = -dy·(a/b)/b
  ]);
}

/**
 * Elementwise `a ** b` with broadcasting.   d/da = dy·b·a^(b-1),  d/db = dy·a^b·ln a
 *
 * NOTE: d/db uses ln a only where a > 0 and is 0 elsewhere (as TensorFlow), so an integer power
 * of a negative base does not poison the exponent's gradient with NaN.
 *
 * @example
 * ```ts
 * tk.pow(tk.tensor([2, 3]), 2).toArray();   // [4, 9]
 * ```
 */
export function pow(a: TensorLike, b: TensorLike): Tensor {
  const x = toTensor(a, 'pow');
  const y = toTensor(b, 'pow');
  const out = binaryTensor('pow', x, y);
  return record('pow', [x, y], out, (dy) => [
    x.requiresGrad ? mul(dy, mul(y, pow(x, sub(y, 1)))) : null,
    y.requiresGrad ? mul(dy, mul(out, logWherePositive(x))) : null,
  ]);
}

/** ln x where x > 0, else 0: recorded (the log's own derivative 1/x is part of pow's second derivative). */
function logWherePositive(x: Tensor): Tensor {
  const positive = binaryTensor('greater', x, toTensor(0)); // a constant mask
  const safe = add(mul(x, positive), binaryTensor('sub', toTensor(1), positive)); // x where x > 0, else 1
  return mul(safe.log(), positive); // the Tensor method: unary.ts imports this file
}

/**
 * Elementwise maximum with broadcasting.   d/da = dy·[a ≥ b],  d/db = dy·[a < b]
 *
 * NOTE: at a tie the whole gradient goes to `a`, as TensorFlow.
 *
 * @example
 * ```ts
 * tk.maximum(tk.tensor([1, 5]), 3).toArray();   // [3, 5]
 * ```
 */
export function maximum(a: TensorLike, b: TensorLike): Tensor {
  const x = toTensor(a, 'maximum');
  const y = toTensor(b, 'maximum');
  const out = binaryTensor('maximum', x, y);
  return record('maximum', [x, y], out, (dy) => {
    const aWins = binaryTensor('greaterEqual', x, y);
    return [mul(dy, aWins), mul(dy, sub(1, aWins))];
  });
}

/**
 * Elementwise minimum with broadcasting.   d/da = dy·[a ≤ b],  d/db = dy·[a > b]
 *
 * @example
 * ```ts
 * tk.minimum(tk.tensor([1, 5]), 3).toArray();   // [1, 3]
 * ```
 */
export function minimum(a: TensorLike, b: TensorLike): Tensor {
  const x = toTensor(a, 'minimum');
  const y = toTensor(b, 'minimum');
  const out = binaryTensor('minimum', x, y);
  return record('minimum', [x, y], out, (dy) => {
    const aWins = binaryTensor('lessEqual', x, y);
    return [mul(dy, aWins), mul(dy, sub(1, aWins))];
  });
}

/**
 * `(a - b)²` elementwise, in one pass.   d/da = 2·dy·(a-b),  d/db = -2·dy·(a-b)
 *
 * @example
 * ```ts
 * tk.squaredDifference(tk.tensor([1, 4]), tk.tensor([3, 1])).toArray();   // [4, 9]
 * ```
 */
export function squaredDifference(a: TensorLike, b: TensorLike): Tensor {
  const x = toTensor(a, 'squaredDifference');
  const y = toTensor(b, 'squaredDifference');
  const out = binaryTensor('squaredDifference', x, y);
  return record('squaredDifference', [x, y], out, (dy) => {
    const g = mul(dy, mul(sub(x, y), 2));
    return [g, y.requiresGrad ? neg(g) : null];
  });
}

/**
 * `-x`.   d/dx = -dy
 *
 * @example
 * ```ts
 * tk.neg(tk.tensor([1, -2])).toArray();   // [-1, 2]
 * ```
 */
export function neg(x: TensorLike): Tensor {
  const t = toTensor(x, 'neg');
  return record('neg', [t], unaryTensor('neg', t), (dy) => [neg(dy)], undefined, false);
}

// ---- comparisons: 1 where true, 0 where false; no gradient (they are step functions) -------

function compare(op: 'equal' | 'notEqual' | 'greater' | 'greaterEqual' | 'less' | 'lessEqual', a: TensorLike, b: TensorLike): Tensor {
  return binaryTensor(op, toTensor(a, op), toTensor(b, op));
}

/** 1 where `a == b`, else 0 (broadcasting). @example `tk.equal(tk.tensor([1, 2]), 2).toArray()  // [0, 1]` */
export function equal(a: TensorLike, b: TensorLike): Tensor { return compare('equal', a, b); }
/** 1 where `a != b`, else 0. @example `tk.notEqual(tk.tensor([1, 2]), 2).toArray()  // [1, 0]` */
export function notEqual(a: TensorLike, b: TensorLike): Tensor { return compare('notEqual', a, b); }
/** 1 where `a > b`, else 0. @example `tk.greater(tk.tensor([1, 3]), 2).toArray()  // [0, 1]` */
export function greater(a: TensorLike, b: TensorLike): Tensor { return compare('greater', a, b); }
/** 1 where `a >= b`, else 0. @example `tk.greaterEqual(tk.tensor([1, 2]), 2).toArray()  // [0, 1]` */
export function greaterEqual(a: TensorLike, b: TensorLike): Tensor { return compare('greaterEqual', a, b); }
/** 1 where `a < b`, else 0. @example `tk.less(tk.tensor([1, 3]), 2).toArray()  // [1, 0]` */
export function less(a: TensorLike, b: TensorLike): Tensor { return compare('less', a, b); }
/** 1 where `a <= b`, else 0. @example `tk.lessEqual(tk.tensor([2, 3]), 2).toArray()  // [1, 0]` */
export function lessEqual(a: TensorLike, b: TensorLike): Tensor { return compare('lessEqual', a, b); }
