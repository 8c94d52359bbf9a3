// Merge layers: they take a list of tensors and make one (keras/src/layers/merging/).
//
//   Add        y = x₀ + x₁ + …              Subtract   y = x₀ − x₁ (exactly two inputs)
//   Multiply   y = x₀ ⊙ x₁ ⊙ …              Average    y = (x₀ + x₁ + …) / n
//   Maximum    y = max(x₀, x₁, …)           Minimum    y = min(x₀, x₁, …)
//   Concatenate  along `axis` (default −1); every other size must agree
//   Dot        batched dot product over `axes` (cosine similarity with `normalize`)
//
// The elementwise ones broadcast as NumPy does once the ranks agree; inputs of lower rank get
// size-1 axes inserted after the batch axis first (Keras's `_reshape_required`). Gradients need
// nothing of their own: every merge is made of recorded ops, so the tape differentiates it.
//
// Masks, as Keras: the output mask is the OR of the input masks when every input has one.
// Multiply, Maximum and Minimum also keep masked steps out of the arithmetic (a masked value
// is replaced by the identity of the operation, or by the other inputs' value).

import * as ops from '../ops/index.js';
import { onesLike } from '../tensor/creation.js';
import type { Tensor } from '../tensor/tensor.js';
import { Layer, formatSymbolicShape, isShapeList, type CallArgs, type LayerArgs, type LayerConfig, type Mask, type SymbolicShape } from './layer.js';
import { checkOptions, describe, layerWho, LAYER_ARG_KEYS } from './options.js';

/** Options of the elementwise merge layers (only the common layer options). */
export type MergeOptions = LayerArgs;

/**
 * The base of the elementwise merge layers: checks that the inputs are a list of compatible
 * shapes, and combines the masks.
 */
export abstract class Merge extends Layer {
  constructor(options: MergeOptions = {}) {
    checkOptions(layerWho(new.target.className, options), options, LAYER_ARG_KEYS);
    super(options);
    this.supportsMasking = true;
  }

  /** The merge itself, on inputs of equal rank (broadcasting allowed), with their masks. */
  protected abstract merge(inputs: Tensor[], masks: Mask[]): Tensor;

  /** Fewest inputs the layer takes (Keras 3: 1; Subtract and Dot: exactly 2). */
  protected readonly minInputs: number = 1;
  /** Exact number of inputs, when fixed. */
  protected readonly exactInputs: number | null = null;

  override build(inputShape: SymbolicShape | SymbolicShape[]): void {
    const shapes = this.checkList(inputShape);
    this.computeOutputShape(shapes); // the incompatible-shape error, before any data
    super.build(shapes);
  }

  call(inputs: Tensor | Tensor[], args: CallArgs): Tensor {
    const xs = this.inputList(inputs);
    const rank = Math.max(...xs.map((x) => x.rank));
    // Lower-rank inputs get size-1 axes after the batch axis, so that broadcasting lines up the rest.
    const aligned = xs.map((x) => {
      let y = x;
      while (y.rank < rank) y = ops.expandDims(y, 1);
      return y;
    });
    const masks = Array.isArray(args.mask) ? args.mask : xs.map(() => null);
    return this.merge(aligned, masks);
  }

  override computeOutputShape(inputShape: SymbolicShape | SymbolicShape[]): SymbolicShape {
    const shapes = this.checkList(inputShape);
    const batches = new Set(shapes.map((s) => s[0]).filter((d) => d !== null));
    if (batches.size > 1) throw new Error(`${this.name}: cannot merge tensors with different batch sizes: ${shapes.map(formatSymbolicShape).join(', ')}`);
    let out: SymbolicShape = shapes[0]!.slice(1);
    for (let i = 1; i < shapes.length; i++) out = this.broadcastShapes(out, shapes[i]!.slice(1), shapes[0]!, shapes[i]!);
    return [batches.size === 1 ? [...batches][0]! : null, ...out];
  }

  override computeMask(_inputs: Tensor | Tensor[], mask: Mask | Mask[] | undefined): Mask {
    if (!Array.isArray(mask) || mask.some((m) => m === null)) return null;
    return mask.slice(1).reduce<Tensor>((acc, m) => ops.maximum(acc, m!), mask[0]!);
  }

  /** Keras's `_compute_elemwise_op_output_shape`, from the right: equal sizes, or 1, or unknown. */
  private broadcastShapes(a: SymbolicShape, b: SymbolicShape, fullA: SymbolicShape, fullB: SymbolicShape): SymbolicShape {
    if (a.length < b.length) return this.broadcastShapes(b, a, fullB, fullA);
    const out: (number | null)[] = a.slice(0, a.length - b.length);
    for (let k = 0; k < b.length; k++) {
      const i = a[a.length - b.length + k]!;
      const j = b[k]!;
      if (i === null || j === null) out.push(null);
      else if (i === 1) out.push(j);
      else if (j === 1 || i === j) out.push(i);
      else throw new Error(`${this.name}: inputs have incompatible shapes ${formatSymbolicShape(fullA)} and ${formatSymbolicShape(fullB)}`);
    }
    return out;
  }

  /** The inputs as a list, checked as `checkList` checks shapes. */
  protected inputList(inputs: Tensor | Tensor[]): Tensor[] {
    this.checkList(Array.isArray(inputs) ? inputs.map((x) => x.shape) : inputs.shape);
    return inputs as Tensor[];
  }

  /** The shapes of a list of inputs, or an error naming the layer: not a list, or the wrong count. */
  protected checkList(inputShape: SymbolicShape | SymbolicShape[] | readonly number[]): SymbolicShape[] {
    if (!isShapeList(inputShape as SymbolicShape)) {
      throw new Error(`${this.name}: ${withArticle(this.getClassName())} layer takes a list of tensors, e.g. apply([a, b]); got one tensor of shape ${formatSymbolicShape(inputShape as SymbolicShape)}`);
    }
    const shapes = inputShape as SymbolicShape[];
    if (this.exactInputs !== null && shapes.length !== this.exactInputs) {
      throw new Error(`${this.name}: ${withArticle(this.getClassName())} layer takes exactly ${this.exactInputs} inputs, got ${shapes.length}`);
    }
    if (shapes.length < this.minInputs) throw new Error(`${this.name}: ${withArticle(this.getClassName())} layer takes at least ${this.minInputs} input(s), got ${shapes.length}`);
    return shapes;
  }
}

/** `mask` ([batch, ...]) as a 0/1 tensor shaped like `x`: the feature axis added and broadcast. */
function maskLike(mask: Tensor, x: Tensor): Tensor {
  let m = mask;
  while (m.rank < x.rank) m = ops.expandDims(m, -1);
  return ops.broadcastTo(m, x.shape);
}

/**
 * Adds a list of tensors elementwise.
 *
 * @example
 * ```ts
 * const a = tk.input({ shape: [16] });
 * const b = tk.input({ shape: [16] });
 * const sum = new tk.layers.Add().apply([a, b]);   // [null, 16]
 * new tk.layers.Add().apply([tk.ones([2, 3]), tk.ones([2, 3])]).toArray();   // all 2
 * ```
 */
export class Add extends Merge {
  static override readonly className: string = 'Add';
  protected merge(xs: Tensor[]): Tensor {
    return xs.slice(1).reduce((acc, x) => ops.add(acc, x), xs[0]!);
  }
}

/**
 * Subtracts the second tensor from the first (exactly two inputs).
 *
 * @example
 * ```ts
 * new tk.layers.Subtract().apply([tk.tensor([[5, 3]]), tk.tensor([[1, 1]])]).toArray();   // [[4, 2]]
 * ```
 */
export class Subtract extends Merge {
  static override readonly className: string = 'Subtract';
  protected override readonly exactInputs: number | null = 2;
  protected merge(xs: Tensor[]): Tensor {
    return ops.sub(xs[0]!, xs[1]!);
  }
}

/**
 * Multiplies a list of tensors elementwise. A masked step counts as 1 for an input, and the
 * output is 0 where every input is masked (Keras).
 *
 * @example
 * ```ts
 * new tk.layers.Multiply().apply([tk.tensor([[2, 3]]), tk.tensor([[4, 5]])]).toArray();   // [[8, 15]]
 * ```
 */
export class Multiply extends Merge {
  static override readonly className: string = 'Multiply';
  protected merge(xs: Tensor[], masks: Mask[]): Tensor {
    const allMasked = masks.every((m) => m !== null);
    let out: Tensor | null = null;
    let keep: Tensor | null = null; // the OR of the masks, shaped like the values
    xs.forEach((x, i) => {
      let v = x;
      const m = masks[i] ?? null;
      if (m !== null) {
        const mm = maskLike(m, x);
        v = ops.where(mm, x, 1);
        if (allMasked) keep = keep === null ? mm : ops.maximum(keep, mm);
      }
      out = out === null ? v : ops.mul(out, v);
    });
    return keep === null ? out! : ops.where(keep, out!, 0);
  }
}

/**
 * The elementwise mean of a list of tensors.
 *
 * @example
 * ```ts
 * new tk.layers.Average().apply([tk.tensor([[2, 4]]), tk.tensor([[4, 8]])]).toArray();   // [[3, 6]]
 * ```
 */
export class Average extends Merge {
  static override readonly className: string = 'Average';
  protected merge(xs: Tensor[]): Tensor {
    return ops.div(xs.slice(1).reduce((acc, x) => ops.add(acc, x), xs[0]!), xs.length);
  }
}

/**
 * Maximum and Minimum with Keras's masking: where an input is masked, the others' value is
 * taken instead (no identity element exists), and the output mask is the OR of the masks.
 */
function mergeWithMasks(xs: Tensor[], masks: Mask[], op: (a: Tensor, b: Tensor) => Tensor): Tensor {
  let out: Tensor | null = null;
  let outMask: Tensor | null = null;
  xs.forEach((x, i) => {
    const m = masks[i] === null || masks[i] === undefined ? null : maskLike(masks[i]!, x);
    if (out === null) {
      out = x;
      outMask = m;
      return;
    }
    let v = x;
    if (m !== null) v = ops.where(m, x, out);
    if (outMask !== null) out = ops.where(outMask, out, v);
    outMask = m !== null && outMask !== null ? ops.maximum(outMask, m) : null;
    out = op(out, v);
  });
  return out!;
}

/**
 * The elementwise maximum of a list of tensors.
 *
 * @example
 * ```ts
 * new tk.layers.Maximum().apply([tk.tensor([[1, 5]]), tk.tensor([[3, 2]])]).toArray();   // [[3, 5]]
 * ```
 */
export class Maximum extends Merge {
  static override readonly className: string = 'Maximum';
  protected merge(xs: Tensor[], masks: Mask[]): Tensor {
    return mergeWithMasks(xs, masks, ops.maximum);
  }
}

/**
 * The elementwise minimum of a list of tensors.
 *
 * @example
 * ```ts
 * new tk.layers.Minimum().apply([tk.tensor([[1, 5]]), tk.tensor([[3, 2]])]).toArray();   // [[1, 2]]
 * ```
 */
export class Minimum extends Merge {
  static override readonly className: string = 'Minimum';
  protected merge(xs: Tensor[], masks: Mask[]): Tensor {
    return mergeWithMasks(xs, masks, ops.minimum);
  }
}

/** Options of {@link Concatenate}. */
export interface ConcatenateOptions extends LayerArgs {
  /** The axis to join along (default −1; the batch axis 0 is allowed, as Keras). */
  axis?: number;
}

/**
 * Joins a list of tensors along one axis; every other size must agree.
 *
 * @example
 * ```ts
 * const a = tk.input({ shape: [4] });
 * const b = tk.input({ shape: [6] });
 * new tk.layers.Concatenate().apply([a, b]).shape;   // [null, 10]
 * ```
 */
export class Concatenate extends Merge {
  static override readonly className: string = 'Concatenate';
  /** The axis joined along. */
  readonly axis: number;

  constructor(options: ConcatenateOptions = {}) {
    const who = layerWho('Concatenate', options);
    checkOptions(who, options, [...LAYER_ARG_KEYS, 'axis']);
    const axis = options.axis ?? -1;
    if (!Number.isInteger(axis)) throw new Error(`${who}: axis must be an integer, got ${describe(options.axis)}`);
    const { axis: _axis, ...rest } = options;
    super(rest);
    this.axis = axis;
  }

  protected merge(xs: Tensor[]): Tensor {
    return ops.concat(xs, this.axis);
  }

  override call(inputs: Tensor | Tensor[], args: CallArgs): Tensor {
    // No rank alignment: concatenation needs equal ranks (the shape check says so).
    const xs = this.inputList(inputs);
    this.computeOutputShape(xs.map((x) => x.shape));
    return this.merge(xs);
  }

  override computeOutputShape(inputShape: SymbolicShape | SymbolicShape[]): SymbolicShape {
    const shapes = this.checkList(inputShape);
    const rank = shapes[0]!.length;
    const axis = this.axis < 0 ? rank + this.axis : this.axis;
    const mismatch = (): Error => new Error(`${this.name}: a Concatenate layer needs inputs whose shapes agree except along axis ${this.axis}; got ${shapes.map(formatSymbolicShape).join(', ')}`);
    if (axis < 0 || axis >= rank) throw new Error(`${this.name}: axis ${this.axis} is out of range for inputs of rank ${rank}`);
    if (shapes.some((s) => s.length !== rank)) throw mismatch();
    const out: (number | null)[] = shapes[0]!.slice();
    for (let d = 0; d < rank; d++) {
      if (d === axis) continue;
      const known = new Set(shapes.map((s) => s[d]).filter((v) => v !== null));
      if (known.size > 1) throw mismatch();
      out[d] = known.size === 1 ? [...known][0]! : null;
    }
    out[axis] = shapes.some((s) => s[axis] === null) ? null : shapes.reduce((n, s) => n + (s[axis] as number), 0);
    return out;
  }

  override computeMask(inputs: Tensor | Tensor[], mask: Mask | Mask[] | undefined): Mask {
    if (!Array.isArray(mask) || mask.every((m) => m === null) || !Array.isArray(inputs)) return null;
    // Keras: each input's mask (ones where it has none) widened to the values, joined, then ANY over the last axis.
    const parts = inputs.map((x, i) => {
      const m = mask[i] ?? null;
      if (m === null) return onesLike(x);
      return m.rank < x.rank ? maskLike(m, x) : m;
    });
    return ops.max(ops.concat(parts, this.axis), -1);
  }

  override getConfig(): LayerConfig {
    return { ...super.getConfig(), axis: this.axis };
  }
}

/** Options of {@link Dot}. */
export interface DotOptions extends LayerArgs {
  /** The axis of each input to sum over: one for both, or `[axisOfA, axisOfB]` (not the batch axis 0). */
  axes: number | readonly [number, number];
  /** L2-normalize each input along its axis first, so the result is the cosine similarity (default false). */
  normalize?: boolean;
}

/**
 * The batched dot product of two tensors over the given axes: for `[B, n]` and `[B, n]` with
 * `axes: 1`, one number per sample, `[B, 1]`; for `[B, T, d]` and `[B, S, d]` with `axes: 2`, the
 * `[B, T, S]` matrix of dot products.
 *
 * @example
 * ```ts
 * const dot = new tk.layers.Dot({ axes: 1 });
 * dot.apply([tk.tensor([[1, 2]]), tk.tensor([[3, 4]])]).toArray();   // [[11]]
 * ```
 */
export class Dot extends Merge {
  static override readonly className: string = 'Dot';
  /** The summed axis of each input, as given. */
  readonly axes: number | readonly [number, number];
  /** Whether the inputs are L2-normalized first. */
  readonly normalize: boolean;
  protected override readonly exactInputs: number | null = 2;

  constructor(options: DotOptions) {
    const who = layerWho('Dot', options);
    checkOptions(who, options, [...LAYER_ARG_KEYS, 'axes', 'normalize']);
    if (options === undefined || options === null || options.axes === undefined) throw new Error(`${who}: give axes, e.g. new Dot({ axes: 1 })`);
    const axes = options.axes;
    const isInt = (v: unknown): boolean => typeof v === 'number' && Number.isInteger(v);
    if (!isInt(axes) && !(Array.isArray(axes) && axes.length === 2 && axes.every(isInt))) {
      throw new Error(`${who}: axes must be an integer or a list of two integers, got ${describe(axes)}`);
    }
    const normalize = options.normalize ?? false;
    if (typeof normalize !== 'boolean') throw new Error(`${who}: normalize must be true or false, got ${describe(normalize)}`);
    const { axes: _a, normalize: _n, ...rest } = options;
    super(rest);
    this.axes = Array.isArray(axes) ? [axes[0]!, axes[1]!] : (axes as number);
    this.normalize = normalize;
  }

  /** The two summed axes, made non-negative for inputs of ranks `r1` and `r2`. */
  private resolvedAxes(r1: number, r2: number): [number, number] {
    const [a, b] = typeof this.axes === 'number' ? [this.axes, this.axes] : this.axes;
    return [a < 0 ? a + r1 : a, b < 0 ? b + r2 : b];
  }

  override call(inputs: Tensor | Tensor[]): Tensor {
    const xs = this.inputList(inputs);
    this.computeOutputShape(xs.map((x) => x.shape));
    return this.merge(xs);
  }

  protected merge([a, b]: Tensor[]): Tensor {
    let x = a!;
    let y = b!;
    const [ax, ay] = this.resolvedAxes(x.rank, y.rank);
    if (this.normalize) {
      x = l2Normalize(x, ax);
      y = l2Normalize(y, ay);
    }
    return batchDot(x, y, ax, ay);
  }

  override computeOutputShape(inputShape: SymbolicShape | SymbolicShape[]): SymbolicShape {
    const [s1, s2] = this.checkList(inputShape) as [SymbolicShape, SymbolicShape];
    const [a1, a2] = this.resolvedAxes(s1.length, s2.length);
    const bad = (why: string): Error => new Error(`${this.name}: ${why}; input shapes ${formatSymbolicShape(s1)} and ${formatSymbolicShape(s2)}, axes ${JSON.stringify(this.axes)}`);
    if (s1.length < 2 || s2.length < 2) throw bad('Dot needs inputs of rank >= 2 (batch axis included)');
    if (a1 <= 0 || a2 <= 0 || a1 >= s1.length || a2 >= s2.length) throw bad('each axis must be a non-batch axis of its input');
    if (s1[0] !== null && s2[0] !== null && s1[0] !== s2[0]) throw bad('the batch sizes differ');
    if (s1[a1] !== null && s2[a2] !== null && s1[a1] !== s2[a2]) throw bad(`the summed axes have different sizes (${s1[a1]} and ${s2[a2]})`);
    const out = [...s1.filter((_, i) => i !== a1), ...s2.filter((_, i) => i !== a2 && i !== 0)];
    return out.length === 1 ? [...out, 1] : out;
  }

  override computeMask(): Mask {
    return null;
  }

  override getConfig(): LayerConfig {
    return { ...super.getConfig(), axes: typeof this.axes === 'number' ? this.axes : this.axes.slice(), normalize: this.normalize };
  }
}

/** x / max(‖x‖₂, ε) along `axis`, with ε = 1e-7 as Keras (`x · rsqrt(max(Σx², ε²))`). */
function l2Normalize(x: Tensor, axis: number): Tensor {
  const squareSum = ops.sum(ops.square(x), axis, true);
  return ops.mul(x, ops.rsqrt(ops.maximum(squareSum, 1e-14)));
}

/**
 * Keras's `batch_dot`: for each sample, the tensor dot product of `x` and `y` over `x`'s axis `ax`
 * and `y`'s axis `ay`. The summed axis of x moves last and that of y moves right after the batch,
 * the other axes are flattened, one batched matmul does the work, and the result is reshaped to
 * x's remaining axes followed by y's; a result with the batch axis alone gets a trailing 1.
 */
function batchDot(x: Tensor, y: Tensor, ax: number, ay: number): Tensor {
  const batch = x.shape[0]!;
  const k = x.shape[ax]!;
  const xRest = x.shape.filter((_, i) => i !== 0 && i !== ax);
  const yRest = y.shape.filter((_, i) => i !== 0 && i !== ay);
  const xPerm = [0, ...x.shape.map((_, i) => i).filter((i) => i !== 0 && i !== ax), ax];
  const yPerm = [0, ay, ...y.shape.map((_, i) => i).filter((i) => i !== 0 && i !== ay)];
  const m = xRest.reduce((p, d) => p * d, 1);
  const n = yRest.reduce((p, d) => p * d, 1);
  const xm = ops.reshape(ops.transpose(x, xPerm), [batch, m, k]);
  const ym = ops.reshape(ops.transpose(y, yPerm), [batch, k, n]);
  const out = ops.matmul(xm, ym); // [batch, m, n]
  const shape = [batch, ...xRest, ...yRest];
  return ops.reshape(out, shape.length === 1 ? [batch, 1] : shape);
}

/** 'a Concatenate', 'an Add', 'an Average'. */
function withArticle(word: string): string {
  return `${/^[AEIOU]/.test(word) ? 'an' : 'a'} ${word}`;
}
