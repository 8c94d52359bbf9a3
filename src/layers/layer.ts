// The Layer base class, shaped like Keras: a layer is created with its arguments, creates its
// weights lazily in `build(inputShape)` the first time it sees data, and computes in `call`.
// `apply` is what users and models call: it builds if needed, checks the input, then calls.

import { toSnakeCase, uniqueName } from '../naming.js';
import { Tensor, Variable, toTensor, type TensorLike } from '../tensor/tensor.js';
import { formatShape } from '../tensor/shape.js';
import * as ops from '../ops/index.js';
import { getInitializer, type InitializerIdentifier } from './initializers.js';
import { getRegularizer, type Regularizer, type RegularizerIdentifier } from './regularizers.js';

/** A shape that may leave the batch (or any) dimension unknown: Keras's `None` is `null`. */
export type SymbolicShape = readonly (number | null)[];

/**
 * `(None, 28, 28, 1)` — Keras's rendering of a shape, used in summaries and errors.
 *
 * @example
 * ```ts
 * tk.layers.formatSymbolicShape([null, 28, 28, 1]);   // '(None, 28, 28, 1)'
 * ```
 */
export function formatSymbolicShape(shape: SymbolicShape): string {
  const dims = shape.map((d) => (d === null ? 'None' : String(d)));
  return `(${dims.join(', ')}${dims.length === 1 ? ',' : ''})`;
}

/** Options every layer accepts (TF.js spelling). */
export interface LayerArgs {
  /** The layer's name; unique per model. Default: snake_case of the class, then `_1`, `_2`, ... */
  name?: string;
  /** Whether its weights are trained (default true). */
  trainable?: boolean;
  /** Shape of one sample (no batch axis), for the first layer of a model: `[28, 28, 1]`. */
  inputShape?: readonly (number | null)[];
  /** `inputDim: n` is `inputShape: [n]`. */
  inputDim?: number;
  /** The full input shape including the batch axis (`null` = any batch size). */
  batchInputShape?: readonly (number | null)[];
  /** A fixed batch size, combined with `inputShape`. */
  batchSize?: number;
  /** Only `'float32'` is supported. */
  dtype?: string;
  /** Initial weight values, in the layer's `weights` order (TF.js option). */
  weights?: Tensor[];
}

/** What `call` receives besides the input. */
export interface CallArgs {
  /** True inside `fit`: Dropout drops and BatchNormalization uses batch statistics. */
  training?: boolean;
}

/** What a layer expects of its input once built; checked by `apply` with a clear error. */
export interface InputSpec {
  /** Exact rank, batch axis included. */
  ndim?: number;
  /** Minimum rank, batch axis included. */
  minNdim?: number;
  /** Required sizes of particular axes (negative axes count from the end). */
  axes?: Record<number, number>;
}

/** A layer's serialisable configuration (TF.js camelCase keys). */
export type LayerConfig = Record<string, unknown>;

/**
 * The base of every layer. Subclasses implement `call`, usually `build` (creating weights with
 * `addWeight`) and `computeOutputShape`, and extend `getConfig`.
 *
 * @example
 * ```ts
 * const dense = new tk.layers.Dense(3);
 * const y = dense.apply(tk.ones([2, 4]));   // builds: kernel [4, 3], bias [3]
 * dense.weights.map((w) => w.name);         // ['dense/kernel', 'dense/bias']
 * ```
 */
export abstract class Layer {
  /** The Keras class name, e.g. `'Dense'`. Subclasses override it. */
  static readonly className: string = 'Layer';

  /** The layer's unique name (`dense`, `dense_1`, ...). */
  readonly name: string;
  /** True once `build` has created the weights. */
  built = false;
  /** The declared input shape with the batch axis (`null` = unknown), from `inputShape` etc. */
  readonly batchInputShape: SymbolicShape | null;
  /** Set by `build`; checked by `apply`. */
  protected inputSpec: InputSpec | null = null;
  /** The shape `build` was called with. */
  protected builtInputShape: SymbolicShape | null = null;

  private trainableFlag: boolean;
  private readonly variables: Variable[] = [];
  /** Which variables were created trainable (a frozen layer can be unfrozen). */
  private readonly createdTrainable = new Set<Variable>();
  private readonly regularizers = new Map<Variable, Regularizer>();
  private readonly initialWeights: Tensor[] | null;
  /** The activity-regularization penalty of the latest training call, if any. */
  private activityLoss: Tensor | null = null;
  /** Optional penalty on the layer's output (Keras `activity_regularizer`), divided by batch size. */
  protected activityRegularizer: Regularizer | null = null;

  constructor(args: LayerArgs = {}) {
    const ctor = this.constructor as typeof Layer;
    if (args.name !== undefined && (typeof args.name !== 'string' || args.name === '')) {
      throw new Error(`${ctor.className}: name must be a non-empty string, got ${JSON.stringify(args.name)}`);
    }
    this.name = args.name ?? uniqueName(toSnakeCase(ctor.className));
    this.trainableFlag = args.trainable ?? true;
    if (args.dtype !== undefined && args.dtype !== 'float32') {
      throw new Error(`${this.name}: dtype must be 'float32' (the only float type tensorkit stores), got '${args.dtype}'`);
    }
    this.batchInputShape = resolveBatchInputShape(args, this.name);
    this.initialWeights = args.weights ?? null;
  }

  /** The Keras class name of this layer. */
  getClassName(): string {
    return (this.constructor as typeof Layer).className;
  }

  // ---- to implement in subclasses -------------------------------------------------------------

  /** Creates the weights for inputs of `inputShape` (batch axis included, maybe null). */
  build(inputShape: SymbolicShape): void {
    this.builtInputShape = inputShape.slice();
    this.built = true;
  }

  /** The forward computation on a built layer. */
  abstract call(x: Tensor, args: CallArgs): Tensor;

  /** The output shape for an input shape (batch axis included). Default: unchanged. */
  computeOutputShape(inputShape: SymbolicShape): SymbolicShape {
    return inputShape;
  }

  /** The layer's configuration; subclasses add their own arguments. */
  getConfig(): LayerConfig {
    const config: LayerConfig = { name: this.name, trainable: this.trainable, dtype: 'float32' };
    if (this.batchInputShape !== null) config.batchInputShape = this.batchInputShape.slice();
    return config;
  }

  // ---- using a layer ----------------------------------------------------------------------------

  /**
   * Applies the layer to `x`, building it on first use. With `{ training: true }` Dropout and
   * BatchNormalization behave as in `fit`.
   *
   * @example
   * ```ts
   * const y = new tk.layers.Dense(2, 'relu').apply(tk.ones([1, 3]), { training: false });
   * ```
   */
  apply(x: TensorLike, args: CallArgs = {}): Tensor {
    const input = toTensor(x, this.name);
    this.checkDeclaredShape(input.shape);
    // As Keras, the input spec is checked before building too (a spec set in the constructor,
    // such as Dense's rank >= 2, guards `build` against inputs it cannot handle).
    this.checkInputSpec(input.shape);
    if (!this.built) {
      this.buildFrom(input.shape);
      this.checkInputSpec(input.shape);
    }
    const y = this.call(input, args);
    if (this.activityRegularizer !== null && args.training === true) {
      this.activityLoss = ops.div(this.activityRegularizer.penalty(y), Math.max(1, y.shape[0] ?? 1));
    }
    return y;
  }

  /** Builds for a concrete input shape, then loads any `weights` given to the constructor. */
  buildFrom(shape: SymbolicShape): void {
    this.build(shape);
    this.built = true;
    if (this.initialWeights !== null) this.setWeights(this.initialWeights);
  }

  // ---- weights ------------------------------------------------------------------------------

  /**
   * Creates a weight variable named `<layer>/<name>` from an initializer. Call it in `build`.
   */
  protected addWeight(
    name: string,
    shape: readonly number[],
    initializer: InitializerIdentifier,
    options: { trainable?: boolean; regularizer?: RegularizerIdentifier | null } = {},
  ): Variable {
    const init = getInitializer(initializer, `${this.name}/${name}`);
    const value = init.apply(shape);
    if (value.shape.length !== shape.length || value.shape.some((d, i) => d !== shape[i])) {
      throw new Error(`${this.name}: initializer for '${name}' returned shape ${formatShape(value.shape)}, expected ${formatShape(shape)}`);
    }
    const trainable = options.trainable ?? true;
    const v = new Variable(value, { name: `${this.name}/${name}`, trainable: trainable && this.trainableFlag });
    this.variables.push(v);
    if (trainable) this.createdTrainable.add(v);
    const reg = options.regularizer === undefined || options.regularizer === null ? null : getRegularizer(options.regularizer);
    if (reg !== null) this.regularizers.set(v, reg);
    return v;
  }

  /** Whether the layer's weights are trained. Setting false freezes them (Keras semantics). */
  get trainable(): boolean {
    return this.trainableFlag;
  }
  /** Freezes (false) or unfreezes (true) every weight the layer created trainable. */
  set trainable(value: boolean) {
    this.trainableFlag = value;
    for (const v of this.variables) v.trainable = value && this.createdTrainable.has(v);
  }

  /** Trainable weights in creation order, then non-trainable ones (Keras order). */
  get weights(): Variable[] {
    return [...this.trainableWeights, ...this.nonTrainableWeights];
  }

  /** The weights an optimizer updates; empty when the layer is frozen. */
  get trainableWeights(): Variable[] {
    return this.trainableFlag ? this.variables.filter((v) => this.createdTrainable.has(v)) : [];
  }

  /** The weights not trained by gradients (e.g. BatchNormalization's moving statistics). */
  get nonTrainableWeights(): Variable[] {
    return this.trainableFlag ? this.variables.filter((v) => !this.createdTrainable.has(v)) : this.variables.slice();
  }

  /** Number of weight values. Throws if the layer is not built yet, as Keras. */
  countParams(): number {
    if (!this.built) {
      throw new Error(`${this.name}: countParams() needs the layer built; call build(inputShape) or apply it to data first`);
    }
    return this.variables.reduce((n, v) => n + v.size, 0);
  }

  /** Copies of the weight values, in `weights` order. */
  getWeights(): Tensor[] {
    return this.weights.map((v) => v.clone());
  }

  /**
   * Sets the weight values, in `weights` order. The count and every shape are checked first;
   * on an error nothing is changed.
   */
  setWeights(values: readonly TensorLike[]): void {
    const ws = this.weights;
    if (values.length !== ws.length) {
      throw new Error(`${this.name}: setWeights expected ${ws.length} arrays (${ws.map((w) => `${w.name} ${formatShape(w.shape)}`).join(', ')}), got ${values.length}`);
    }
    const tensors = values.map((v) => toTensor(v, `${this.name}: setWeights`));
    tensors.forEach((t, i) => {
      const w = ws[i]!;
      if (t.rank !== w.rank || t.shape.some((d, j) => d !== w.shape[j])) {
        throw new Error(`${this.name}: setWeights: weight ${i} ('${w.name}') has shape ${formatShape(w.shape)}, got ${formatShape(t.shape)}`);
      }
    });
    tensors.forEach((t, i) => ws[i]!.assign(t));
  }

  /**
   * The regularization penalties of this layer (weight regularizers, and the activity
   * regularizer of the latest training call), added to the loss by `fit` and `evaluate`.
   */
  get losses(): Tensor[] {
    const out: Tensor[] = [];
    for (const [v, reg] of this.regularizers) out.push(reg.penalty(v));
    if (this.activityLoss !== null) out.push(this.activityLoss);
    return out;
  }

  /** Forgets the activity penalty of the last call (models call it before each step). */
  clearActivityLoss(): void {
    this.activityLoss = null;
  }

  // ---- input checks -----------------------------------------------------------------------------

  private checkDeclaredShape(shape: readonly number[]): void {
    if (shape.length === 0) throw new Error(`${this.name}: expected an input with a batch axis, got a scalar`);
    const declared = this.batchInputShape;
    if (declared === null) return;
    const ok = declared.length === shape.length && declared.every((d, i) => d === null || d === shape[i]);
    if (!ok) {
      throw new Error(`${this.name}: expected input shape ${formatSymbolicShape(declared)}, got ${formatShape(shape)}`);
    }
  }

  private checkInputSpec(shape: readonly number[]): void {
    const spec = this.inputSpec;
    if (spec === null) return;
    if (spec.ndim !== undefined && shape.length !== spec.ndim) {
      throw new Error(`${this.name}: expected an input of rank ${spec.ndim} (batch axis included), got shape ${formatShape(shape)}`);
    }
    if (spec.minNdim !== undefined && shape.length < spec.minNdim) {
      throw new Error(`${this.name}: expected an input of rank >= ${spec.minNdim} (batch axis included), got shape ${formatShape(shape)}`);
    }
    if (spec.axes !== undefined) {
      for (const [key, size] of Object.entries(spec.axes)) {
        const axis = Number(key) < 0 ? shape.length + Number(key) : Number(key);
        if (shape[axis] !== size) {
          throw new Error(`${this.name}: expected an input of shape ${formatSpec(spec, shape.length)} (axis ${key} of size ${size}), got shape ${formatShape(shape)}`);
        }
      }
    }
  }
}

/**
 * The shapes an input spec allows, Keras style: `(None, 4)` for rank 2 with the last axis 4, or
 * `(..., 4)` when only a minimum rank is known.
 */
function formatSpec(spec: InputSpec, rank: number): string {
  const n = spec.ndim ?? rank;
  const dims: (number | null)[] = new Array<number | null>(n).fill(null);
  for (const [key, size] of Object.entries(spec.axes ?? {})) {
    const axis = Number(key) < 0 ? n + Number(key) : Number(key);
    if (axis >= 0 && axis < n) dims[axis] = size;
  }
  if (spec.ndim !== undefined) return formatSymbolicShape(dims);
  const lastKnown = Object.keys(spec.axes ?? {}).every((k) => Number(k) < 0);
  if (!lastKnown) return formatSymbolicShape(dims);
  const tail = Math.max(...Object.keys(spec.axes ?? {}).map((k) => -Number(k)));
  return `(..., ${dims.slice(n - tail).map((d) => (d === null ? 'None' : String(d))).join(', ')})`;
}

/** The batch input shape declared by `inputShape` / `inputDim` / `batchInputShape`, or null. */
function resolveBatchInputShape(args: LayerArgs, name: string): SymbolicShape | null {
  const given = [args.inputShape, args.inputDim, args.batchInputShape].filter((v) => v !== undefined).length;
  if (given > 1) throw new Error(`${name}: give only one of inputShape, inputDim and batchInputShape`);
  const check = (shape: readonly (number | null)[], what: string): void => {
    if (!Array.isArray(shape) || shape.some((d) => d !== null && (!Number.isInteger(d) || d <= 0))) {
      throw new Error(`${name}: ${what} must be a list of positive integers (null for unknown), got ${JSON.stringify(shape)}`);
    }
  };
  const batch = args.batchSize ?? null;
  if (batch !== null && (!Number.isInteger(batch) || batch <= 0)) throw new Error(`${name}: batchSize must be a positive integer, got ${batch}`);
  if (args.batchInputShape !== undefined) {
    check(args.batchInputShape, 'batchInputShape');
    return args.batchInputShape.slice();
  }
  if (args.inputDim !== undefined) {
    if (!Number.isInteger(args.inputDim) || args.inputDim <= 0) throw new Error(`${name}: inputDim must be a positive integer, got ${args.inputDim}`);
    return [batch, args.inputDim];
  }
  if (args.inputShape !== undefined) {
    check(args.inputShape, 'inputShape');
    return [batch, ...args.inputShape];
  }
  return null;
}
