// The Tensor: a float32, row-major, contiguous Float32Array with a shape. Immutable from the
// user's side; only a Variable's values change, in place, when an optimizer updates it.
//
// The methods (`a.add(b)`, `a.sum()`, ...) are sugar over the functions in `src/ops`. So that
// this file never imports ops (dependencies point one way: ops -> tensor), `src/ops/index.ts`
// hands the op table over once with `bindTensorOps` when the library is loaded.

import type * as OpsTable from '../ops/index.js';
import type { TapeNode } from '../autograd/node.js';
import type { BackwardOptions } from '../autograd/tape.js';
import { checkShape, formatShape, sizeOf, stridesOf, type Shape } from './shape.js';

/** Nested number arrays of any depth: `1`, `[1, 2]`, `[[1, 2], [3, 4]]`, ... */
export type NestedArray = number | readonly NestedArray[];

/** Anything an op accepts as a tensor: a Tensor, a number, nested arrays or a Float32Array (1-D). */
export type TensorLike = Tensor | NestedArray | Float32Array;

type Ops = typeof OpsTable;
let ops: Ops | null = null;

/** Called once by `src/ops/index.ts`; gives the Tensor methods their implementations. */
export function bindTensorOps(table: Ops): void {
  ops = table;
}

function op(): Ops {
  if (ops === null) throw new Error('tensorkit: import the library from its entry point (src/index.ts) so the tensor methods are bound');
  return ops;
}

/**
 * The op table bound by `src/ops/index.ts`. The backward walk (src/autograd/tape.ts, below ops)
 * reaches the recorded `add`, `sumTo` and `identity` through it when it records its own work.
 */
export function tensorOps(): Ops {
  return op();
}

let nextTensorId = 0;

/**
 * The brand of a SymbolicTensor (src/layers/symbolic.ts), so that `toTensor` can refuse one with a
 * clear message without this file importing the layers.
 */
export const SYMBOLIC_BRAND: unique symbol = Symbol.for('tensorkit.symbolicTensor');

/**
 * An n-dimensional array of float32 values.
 *
 * @example
 * ```ts
 * const a = tk.tensor([[1, 2], [3, 4]]);
 * a.shape;                 // [2, 2]
 * a.add(1).sum().item();   // 14
 * ```
 */
export class Tensor {
  /** A unique id, in creation order (used to name nodes in graph exports). */
  readonly id: number;
  /** The size of each axis; `[]` for a scalar. */
  readonly shape: readonly number[];
  /** The values, row-major. Treat as read-only: ops and the tape assume it does not change. */
  readonly data: Float32Array;
  /** Number of elements. */
  readonly size: number;
  /**
   * True when gradients flow back to this tensor: it is a trainable Variable, a watched input of
   * `tk.grad`, or the output of an op recorded on the tape.
   */
  requiresGrad = false;
  /** The tape node that produced this tensor, when the op was recorded (see `src/autograd`). */
  node: TapeNode | null = null;
  /** The gradient accumulated by `backward()` (leaf tensors only), else null. */
  grad: Tensor | null = null;
  /** An optional label, shown in graph exports and traces. */
  name: string | undefined;

  /**
   * Wraps `data` (not copied) with `shape`. Prefer `tk.tensor(...)`, which validates and copies.
   */
  constructor(data: Float32Array, shape: Shape) {
    if (data.length !== sizeOf(shape)) {
      throw new Error(`Tensor: ${data.length} values do not fill shape ${formatShape(shape)} (${sizeOf(shape)} elements)`);
    }
    this.id = nextTensorId++;
    this.data = data;
    this.shape = Object.freeze(shape.slice());
    this.size = data.length;
  }

  /** Number of axes. */
  get rank(): number {
    return this.shape.length;
  }

  /** Always `'float32'`: tensorkit stores every tensor as float32. */
  get dtype(): 'float32' {
    return 'float32';
  }

  /** The values as nested arrays (a number for a scalar). */
  toArray(): NestedArray {
    if (this.shape.length === 0) return this.data[0]!;
    const strides = stridesOf(this.shape);
    const build = (axis: number, offset: number): NestedArray => {
      const n = this.shape[axis]!;
      const out: NestedArray[] = new Array(n);
      if (axis === this.shape.length - 1) {
        for (let i = 0; i < n; i++) out[i] = this.data[offset + i]!;
      } else {
        for (let i = 0; i < n; i++) out[i] = build(axis + 1, offset + i * strides[axis]!);
      }
      return out;
    };
    return build(0, 0);
  }

  /** The single value of a one-element tensor. */
  item(): number {
    if (this.size !== 1) throw new Error(`item: expected a tensor with one element, got shape ${formatShape(this.shape)}`);
    return this.data[0]!;
  }

  /** The values as a plain array, row-major. */
  dataSync(): number[] {
    return Array.from(this.data);
  }

  /** A readable rendering; large tensors show their first and last rows only. */
  toString(): string {
    return formatTensor(this);
  }

  // ---- autograd ----------------------------------------------------------------------------

  /**
   * Backpropagates from this tensor: every leaf tensor that requires a gradient (trainable
   * Variables) gets the gradient of this tensor with respect to it ADDED to its `.grad`. A scalar
   * seeds with 1; a non-scalar needs a `dy` of its own shape. Calling it twice accumulates, as in
   * PyTorch: call `zeroGrad()` on the variables (or `optimizer.zeroGrad`) between steps.
   *
   * Pass `{ createGraph: true }` (and `dy` in the same object) to record the backward pass itself:
   * each `.grad` is then on the tape and can be differentiated again (a gradient penalty, a
   * Hessian-vector product). Inside a function an enclosing `tk.grad` differentiates, the pass
   * records without being asked.
   *
   * @example
   * ```ts
   * const w = tk.variable(tk.tensor([1, 2, 3]));
   * w.square().sum().backward();
   * w.grad!.toArray();   // [2, 4, 6]
   * const x = tk.variable(tk.tensor([1, 2]));
   * x.pow(3).sum().backward({ createGraph: true });   // x.grad = 3x², on the tape
   * x.grad!.sum().backward();                          // adds d(Σ 3x²)/dx = 6x into x.grad
   * x.grad!.toArray();   // [3 + 6, 12 + 12] = [9, 24]
   * ```
   */
  backward(dy?: TensorLike | BackwardOptions): void {
    op().backward(this, dy);
  }

  /** Clears `.grad`. */
  zeroGrad(): void {
    this.grad = null;
  }

  /** The same values, cut from the tape: no gradient flows back through the result. */
  detach(): Tensor {
    return new Tensor(this.data, this.shape);
  }

  /** A copy with its own data, cut from the tape. */
  clone(): Tensor {
    return new Tensor(this.data.slice(), this.shape);
  }

  // ---- elementwise, with NumPy broadcasting ------------------------------------------------

  /** Elementwise `this + b` with broadcasting. */
  add(b: TensorLike): Tensor { return op().add(this, b); }
  /** Elementwise `this - b` with broadcasting. */
  sub(b: TensorLike): Tensor { return op().sub(this, b); }
  /** Elementwise `this * b` with broadcasting. */
  mul(b: TensorLike): Tensor { return op().mul(this, b); }
  /** Elementwise `this / b` with broadcasting. */
  div(b: TensorLike): Tensor { return op().div(this, b); }
  /** Elementwise `this ** b` with broadcasting. */
  pow(b: TensorLike): Tensor { return op().pow(this, b); }
  /** Elementwise maximum with broadcasting. */
  maximum(b: TensorLike): Tensor { return op().maximum(this, b); }
  /** Elementwise minimum with broadcasting. */
  minimum(b: TensorLike): Tensor { return op().minimum(this, b); }
  /** `-this`. */
  neg(): Tensor { return op().neg(this); }
  /** `|this|`. */
  abs(): Tensor { return op().abs(this); }
  /** `e^this`. */
  exp(): Tensor { return op().exp(this); }
  /** Natural logarithm. */
  log(): Tensor { return op().log(this); }
  /** Square root. */
  sqrt(): Tensor { return op().sqrt(this); }
  /** `this²`. */
  square(): Tensor { return op().square(this); }
  /** `1 / (1 + e^-this)`, finite for any input. */
  sigmoid(): Tensor { return op().sigmoid(this); }
  /** Hyperbolic tangent. */
  tanh(): Tensor { return op().tanh(this); }
  /** `max(this, 0)`. */
  relu(): Tensor { return op().relu(this); }
  /** -1, 0 or 1. */
  sign(): Tensor { return op().sign(this); }
  /** Round down. */
  floor(): Tensor { return op().floor(this); }
  /** Round up. */
  ceil(): Tensor { return op().ceil(this); }
  /** Round half to even: 0.5 → 0, 1.5 → 2, 2.5 → 2 (as NumPy and TensorFlow). */
  round(): Tensor { return op().round(this); }
  /** Clamp into [lo, hi]. */
  clip(lo: number, hi: number): Tensor { return op().clip(this, lo, hi); }
  /** 1 where equal, else 0. */
  equal(b: TensorLike): Tensor { return op().equal(this, b); }
  /** 1 where not equal, else 0. */
  notEqual(b: TensorLike): Tensor { return op().notEqual(this, b); }
  /** 1 where `this > b`, else 0. */
  greater(b: TensorLike): Tensor { return op().greater(this, b); }
  /** 1 where `this >= b`, else 0. */
  greaterEqual(b: TensorLike): Tensor { return op().greaterEqual(this, b); }
  /** 1 where `this < b`, else 0. */
  less(b: TensorLike): Tensor { return op().less(this, b); }
  /** 1 where `this <= b`, else 0. */
  lessEqual(b: TensorLike): Tensor { return op().lessEqual(this, b); }
  /** Softmax along `axis` (default last), shifted by the max so it never overflows. */
  softmax(axis = -1): Tensor { return op().softmax(this, axis); }
  /** `log(softmax(this))`, computed stably. */
  logSoftmax(axis = -1): Tensor { return op().logSoftmax(this, axis); }

  // ---- reductions --------------------------------------------------------------------------

  /** Sum over `axis` (all axes by default). */
  sum(axis?: number | number[] | null, keepDims = false): Tensor { return op().sum(this, axis, keepDims); }
  /** Mean over `axis` (all axes by default). */
  mean(axis?: number | number[] | null, keepDims = false): Tensor { return op().mean(this, axis, keepDims); }
  /** Maximum over `axis` (all axes by default). */
  max(axis?: number | number[] | null, keepDims = false): Tensor { return op().max(this, axis, keepDims); }
  /** Minimum over `axis` (all axes by default). */
  min(axis?: number | number[] | null, keepDims = false): Tensor { return op().min(this, axis, keepDims); }
  /** Product over `axis` (all axes by default). */
  prod(axis?: number | number[] | null, keepDims = false): Tensor { return op().prod(this, axis, keepDims); }
  /** Index of the maximum along `axis` (flattened when omitted); ties give the first. */
  argmax(axis?: number): Tensor { return op().argmax(this, axis); }
  /** Index of the minimum along `axis` (flattened when omitted); ties give the first. */
  argmin(axis?: number): Tensor { return op().argmin(this, axis); }

  // ---- linear algebra and shapes -----------------------------------------------------------

  /** Matrix product; batched for rank > 2 with broadcasting batch dimensions. */
  matmul(b: TensorLike, transposeA = false, transposeB = false): Tensor { return op().matmul(this, b, transposeA, transposeB); }
  /** Same values, new shape; one axis may be -1. */
  reshape(shape: readonly number[]): Tensor { return op().reshape(this, shape); }
  /** Permutes the axes; reverses them when `perm` is omitted. */
  transpose(perm?: readonly number[]): Tensor { return op().transpose(this, perm); }
  /** Inserts an axis of size 1 at `axis` (NumPy's `x[..., np.newaxis]` is `x.expandDims(-1)`). */
  expandDims(axis = 0): Tensor { return op().expandDims(this, axis); }
  /** Removes axes of size 1 (all of them, or the ones listed). */
  squeeze(axis?: number | number[]): Tensor { return op().squeeze(this, axis); }
  /** A box of the tensor: `begin` per axis and `size` per axis (-1 = to the end). */
  slice(begin: number | readonly number[], size?: number | readonly number[]): Tensor { return op().slice(this, begin, size); }
  /** Rows (or entries along `axis`) picked by integer `indices`. */
  gather(indices: TensorLike, axis = 0): Tensor { return op().gather(this, indices, axis); }
  /** Pads with `value`: `paddings[i] = [before, after]` for each axis. */
  pad(paddings: readonly (readonly [number, number])[], value = 0): Tensor { return op().pad(this, paddings, value); }
  /** Flattens to one axis. */
  flatten(): Tensor { return op().reshape(this, [-1]); }
}

/**
 * A Tensor whose values an optimizer updates in place. Trainable variables require gradients.
 *
 * @example
 * ```ts
 * const w = tk.variable(tk.zeros([3, 1]), { name: 'w' });
 * w.assign(tk.ones([3, 1]));
 * ```
 */
/** Which Variable owns a data array: views that share it (reshape, detach) are checked against it. */
const owners = new WeakMap<Float32Array, Variable>();

/**
 * The Variable whose values `data` is, if any: a Variable's own array, shared by the tensors that
 * view it without copying (`reshape`, `detach`, ...). The tape records that variable's version.
 */
export function variableOwning(data: Float32Array): Variable | undefined {
  return owners.get(data);
}

export class Variable extends Tensor {
  private trainableFlag: boolean;
  /**
   * How many times the values have changed in place (`assign`, `setWeights`, an optimizer step).
   * An op that uses the variable records this count, and the backward pass refuses to go through
   * the op once it has changed: the op's gradient would mix the old values (in its output) with
   * the new ones (read by its backward). An optimizer that updates `data` itself adds 1.
   */
  version = 0;

  constructor(initial: Tensor, options: { name?: string; trainable?: boolean } = {}) {
    super(initial.data.slice(), initial.shape);
    owners.set(this.data, this);
    this.name = options.name;
    this.trainableFlag = options.trainable ?? true;
    this.requiresGrad = this.trainableFlag;
  }

  /** Whether optimizers update it and gradients flow to it. */
  get trainable(): boolean {
    return this.trainableFlag;
  }
  /** Freezes (false) or unfreezes (true) the variable; it then requires a gradient exactly when trainable. */
  set trainable(value: boolean) {
    this.trainableFlag = value;
    this.requiresGrad = value;
  }

  /** Copies `value`'s values into this variable, in place. Shapes must match. */
  assign(value: TensorLike): void {
    const t = value instanceof Tensor ? value : tensor(value as NestedArray | Float32Array, this.shape);
    if (t.size !== this.size || t.shape.length !== this.shape.length || t.shape.some((d, i) => d !== this.shape[i])) {
      throw new Error(`assign '${this.name ?? 'variable'}': expected shape ${formatShape(this.shape)}, got ${formatShape(t.shape)}`);
    }
    this.data.set(t.data);
    this.version++;
  }
}

/**
 * A trainable (by default) Variable holding a copy of `initial`: gradients flow to it and
 * optimizers update it in place.
 *
 * @example
 * ```ts
 * const w = tk.variable(tk.randomNormal([3, 1]), { name: 'w' });
 * w.requiresGrad;   // true
 * ```
 */
export function variable(initial: TensorLike, options: { name?: string; trainable?: boolean } = {}): Variable {
  return new Variable(toTensor(initial, 'variable'), options);
}

// ---- creation from user values ------------------------------------------------------------

/**
 * Creates a tensor from nested arrays, a flat array with a `shape`, a Float32Array with a
 * `shape`, or a number (a scalar). Values are copied. Ragged nested arrays are rejected.
 *
 * @example
 * ```ts
 * tk.tensor([[1, 2], [3, 4]]);                   // shape [2, 2]
 * tk.tensor(new Float32Array([1, 2, 3, 4]), [2, 2]);
 * tk.tensor([1, 2, 3, 4], [2, 2]);
 * tk.tensor(3);                                  // a scalar, shape []
 * ```
 */
export function tensor(values: TensorLike, shape?: readonly number[]): Tensor {
  if (values instanceof Tensor) {
    if (shape === undefined) return values;
    return new Tensor(values.data, reshapeTarget(values.size, shape, 'tensor'));
  }
  if (values instanceof Float32Array || ArrayBuffer.isView(values)) {
    const src = values as unknown as ArrayLike<number>;
    const data = Float32Array.from(src);
    return new Tensor(data, shape === undefined ? [data.length] : reshapeTarget(data.length, shape, 'tensor'));
  }
  if (typeof values === 'number' || typeof values === 'boolean') {
    const data = new Float32Array([Number(values)]);
    return new Tensor(data, shape === undefined ? [] : reshapeTarget(1, shape, 'tensor'));
  }
  const inferred = inferShape(values);
  const data = new Float32Array(sizeOf(inferred));
  let k = 0;
  const fill = (v: NestedArray, depth: number, path: number[]): void => {
    if (depth === inferred.length) {
      if (Array.isArray(v)) {
        throw new Error(`tensor: ragged nested array: expected a number at [${path.join('][')}], got an array`);
      }
      if (typeof v !== 'number' && typeof v !== 'boolean') {
        throw new Error(`tensor: expected a number at [${path.join('][')}], got ${typeof v === 'string' ? `'${v}'` : String(v)}`);
      }
      data[k++] = Number(v);
      return;
    }
    if (!Array.isArray(v)) {
      throw new Error(`tensor: ragged nested array: expected an array of length ${inferred[depth]} at [${path.join('][')}], got ${String(v)}`);
    }
    if (v.length !== inferred[depth]) {
      throw new Error(`tensor: ragged nested array: expected length ${inferred[depth]} at [${path.join('][')}], got ${v.length}`);
    }
    for (let i = 0; i < v.length; i++) fill(v[i]!, depth + 1, [...path, i]);
  };
  fill(values, 0, []);
  if (shape === undefined) return new Tensor(data, inferred);
  return new Tensor(data, reshapeTarget(data.length, shape, 'tensor'));
}

/** The shape of nested arrays, read along the first element at each depth. */
function inferShape(values: NestedArray): number[] {
  const shape: number[] = [];
  let v: NestedArray = values;
  while (Array.isArray(v)) {
    shape.push(v.length);
    if (v.length === 0) break;
    v = v[0]!;
  }
  if (!Array.isArray(v) && typeof v !== 'number' && typeof v !== 'boolean') {
    throw new Error(`tensor: expected numbers or nested arrays of numbers, got ${typeof v}`);
  }
  return shape;
}

/** Resolves one `-1` in `shape` so that it holds `size` elements; throws naming `op`. */
export function reshapeTarget(size: number, shape: readonly number[], op: string): number[] {
  const out = shape.slice();
  let unknown = -1;
  let known = 1;
  for (let i = 0; i < out.length; i++) {
    const d = out[i]!;
    if (d === -1) {
      if (unknown !== -1) throw new Error(`${op}: only one axis may be -1, got ${formatShape(shape)}`);
      unknown = i;
    } else if (!Number.isInteger(d) || d < 0) {
      throw new Error(`${op}: shape must hold non-negative integers or one -1, got ${formatShape(shape)}`);
    } else {
      known *= d;
    }
  }
  if (unknown !== -1) {
    if (known === 0 || size % known !== 0) {
      throw new Error(`${op}: cannot reshape ${size} elements into ${formatShape(shape)}`);
    }
    out[unknown] = size / known;
  } else if (known !== size) {
    throw new Error(`${op}: cannot reshape ${size} elements into ${formatShape(shape)} (${known} elements)`);
  }
  return out;
}

/** Turns anything tensor-like into a Tensor (no copy for a Tensor). */
export function toTensor(x: TensorLike, op = 'tensor'): Tensor {
  if (x instanceof Tensor) return x;
  if (x !== null && typeof x === 'object' && SYMBOLIC_BRAND in x) {
    // A functional-model placeholder reached an op: layers take them, ops take numbers.
    const name = (x as { name?: unknown }).name;
    throw new Error(
      `${op}: got a symbolic tensor${typeof name === 'string' ? ` ('${name}')` : ''}, which has a shape but no values. Ops compute on ` +
      'concrete tensors; in a functional model combine symbolic tensors with layers (tk.layers.Add, Multiply, Concatenate, ...)',
    );
  }
  try {
    return tensor(x);
  } catch (e) {
    throw new Error(`${op}: ${(e as Error).message.replace(/^tensor: /, '')}`);
  }
}

/** A new tensor over fresh zeroed storage. Internal helper for ops. */
export function emptyLike(shape: Shape): Tensor {
  checkShape(shape as number[], 'tensor');
  return new Tensor(new Float32Array(sizeOf(shape)), shape);
}

// ---- printing -------------------------------------------------------------------------------

const EDGE = 3; // rows/values shown at each end of a long axis

function formatNumber(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (!Number.isFinite(v)) return v > 0 ? 'Infinity' : '-Infinity';
  if (Number.isInteger(v) && Math.abs(v) < 1e9) return String(v);
  const a = Math.abs(v);
  if (a !== 0 && (a < 1e-4 || a >= 1e9)) return v.toExponential(4);
  return String(Number(v.toPrecision(6)));
}

function formatTensor(t: Tensor): string {
  const head = `Tensor ${formatShape(t.shape)}${t.name ? ` '${t.name}'` : ''}`;
  if (t.rank === 0) return `${head}\n${formatNumber(t.data[0]!)}`;
  const strides = stridesOf(t.shape);
  const big = t.size > 1000;
  // Format all visible numbers first so columns line up.
  const cells = new Map<number, string>();
  let width = 1;
  const visit = (axis: number, offset: number): void => {
    const n = t.shape[axis]!;
    for (let i = 0; i < n; i++) {
      if (big && n > 2 * EDGE && i === EDGE) i = n - EDGE;
      const o = offset + i * strides[axis]!;
      if (axis === t.rank - 1) {
        const s = formatNumber(t.data[o]!);
        cells.set(o, s);
        if (s.length > width) width = s.length;
      } else visit(axis + 1, o);
    }
  };
  visit(0, 0);
  const render = (axis: number, offset: number, indent: string): string => {
    const n = t.shape[axis]!;
    const parts: string[] = [];
    for (let i = 0; i < n; i++) {
      if (big && n > 2 * EDGE && i === EDGE) {
        parts.push('...');
        i = n - EDGE;
      }
      const o = offset + i * strides[axis]!;
      parts.push(axis === t.rank - 1 ? cells.get(o)!.padStart(width) : render(axis + 1, o, indent + ' '));
    }
    if (axis === t.rank - 1) return `[${parts.join(', ')}]`;
    const sep = ',' + '\n'.repeat(t.rank - 1 - axis) + indent + ' ';
    return `[${parts.join(sep)}]`;
  };
  return `${head}\n${render(0, 0, '')}`;
}
