// The Layer base class, shaped like Keras: a layer is created with its arguments, creates its
// weights lazily in `build(inputShape)` the first time it sees data, and computes in `call`.
// `apply` is what users and models call, and it branches once:
// - on concrete tensors it builds if needed, checks the input, then calls: numbers out;
// - on symbolic tensors (tk.input, or another layer's symbolic output) it builds from the shapes,
//   works out the output shapes and records a LayerNode (src/layers/symbolic.ts): a functional
//   model is the graph of those nodes.
// Masks (Embedding with maskZero, Masking) travel beside concrete tensors in a side table
// (src/layers/mask.ts): `apply` hands a layer its input's mask and attaches `computeMask`'s result
// to the output, so the same mechanism serves eager calls and graphs.

import { toSnakeCase, uniqueName } from '../naming.js';
import { Tensor, Variable, toTensor, type TensorLike } from '../tensor/tensor.js';
import { formatShape } from '../tensor/shape.js';
import { noGrad } from '../autograd/tape.js';
import * as ops from '../ops/index.js';
import { getInitializer, type InitializerIdentifier } from './initializers.js';
import { getRegularizer, type Regularizer, type RegularizerIdentifier } from './regularizers.js';
import { LayerNode, SymbolicTensor, isSymbolicTensor } from './symbolic.js';
import { maskOf, setMask } from './mask.js';

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

/** A mask beside a layer's input: one per input tensor (null where an input has none). */
export type Mask = Tensor | null;

/** What `call` receives besides the input. Layers with call arguments of their own extend it. */
export interface CallArgs {
  /** True inside `fit`: Dropout drops and BatchNormalization uses batch statistics. */
  training?: boolean;
  /**
   * The mask of the input (a list for a list of inputs), filled in by `apply` from the side table
   * when the input carries one and the layer `supportsMasking`. Users rarely pass it.
   */
  mask?: Mask | Mask[];
  /** Further call arguments of particular layers (`initialState`, `attentionMask`, ...). */
  [option: string]: unknown;
}

/** The symbolic counterpart of a layer's concrete output type. */
export type SymbolicOf<Out> = Out extends readonly Tensor[] ? SymbolicTensor[] : SymbolicTensor;

/** A layer of any output kind: what a model's `layers` holds. */
export type AnyLayer = Layer<Tensor | Tensor[]>;

/** One input or a list of inputs (merge layers, multi-input models). */
export type LayerInputs<T> = T | readonly T[];

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
 * `addWeight`) and `computeOutputShape`, and extend `getConfig`. `Out` is what `call` returns:
 * `Tensor` for most layers, `Tensor[]` (or either) for layers with several outputs.
 *
 * @example
 * ```ts
 * const dense = new tk.layers.Dense(3);
 * const y = dense.apply(tk.ones([2, 4]));   // builds: kernel [4, 3], bias [3]
 * dense.weights.map((w) => w.name);         // ['dense/kernel', 'dense/bias']
 *
 * // A custom layer, as in Keras:
 * class Scale extends tk.layers.Layer {
 *   static className = 'Scale';
 *   scale: tk.Variable | null = null;
 *   build(inputShape: tk.layers.SymbolicShape) {
 *     this.scale = this.addWeight('scale', [inputShape[inputShape.length - 1]!], 'ones');
 *     super.build(inputShape);
 *   }
 *   call(x: tk.Tensor) {
 *     return x.mul(this.scale!);
 *   }
 * }
 * tk.registerClass(Scale);   // so that models using it save and load
 * ```
 */
export abstract class Layer<Out extends Tensor | Tensor[] = Tensor> {
  /** The Keras class name, e.g. `'Dense'`. Subclasses set their own (default: the JS class name). */
  static readonly className: string = 'Layer';

  /**
   * Builds a layer from its `getConfig()` (Keras's `from_config`): by default `new this(config)`,
   * which suits layers whose constructor takes one options object. Layers with positional
   * arguments (`Dense(units, options)`) override it.
   *
   * @example
   * ```ts
   * const copy = tk.layers.Dropout.fromConfig(new tk.layers.Dropout(0.3).getConfig());
   * ```
   */
  static fromConfig(config: LayerConfig): Layer<Tensor | Tensor[]> {
    // `this` is the class fromConfig was called on (a subclass: the base is abstract).
    const Ctor = this as unknown as new (config: LayerConfig) => Layer<Tensor | Tensor[]>;
    return new Ctor(config);
  }

  /**
   * True for layers that take a mask and pass one on (Dense, Dropout, activations, merges, ...).
   * Another layer given a masked input drops the mask with a warning, as Keras does.
   */
  supportsMasking = false;
  /** The calls of this layer on symbolic tensors, in order (Keras's `_inbound_nodes`). */
  readonly inboundNodes: LayerNode[] = [];

  /** The layer's unique name (`dense`, `dense_1`, ...). */
  readonly name: string;
  /** True once `build` has created the weights. */
  built = false;
  /** The declared input shape with the batch axis (`null` = unknown), from `inputShape` etc. */
  readonly batchInputShape: SymbolicShape | null;
  /** Set by `build`; checked by `apply` (one spec for every input, or one per input). */
  protected inputSpec: InputSpec | InputSpec[] | null = null;
  /** The shape `build` was called with (null for a list of inputs). */
  protected builtInputShape: SymbolicShape | null = null;
  /**
   * @internal The prefix of the names `addWeight` gives (null: the layer's name). An RNN sets its
   * cell's before building it, so the weights are named as TF.js names them (`rnn/kernel`).
   */
  weightScope: string | null = null;

  private trainableFlag: boolean;
  private readonly variables: Variable[] = [];
  /** Which variables were created trainable (a frozen layer can be unfrozen). */
  private readonly createdTrainable = new Set<Variable>();
  private readonly regularizers = new Map<Variable, Regularizer>();
  private readonly initialWeights: Tensor[] | null;
  /** The activity-regularization penalty of each training call since the last clearActivityLoss (a shared layer adds one per call, as Keras). */
  private readonly activityLosses: Tensor[] = [];
  /** Optional penalty on the layer's output (Keras `activity_regularizer`), divided by batch size. */
  protected activityRegularizer: Regularizer | null = null;

  constructor(args: LayerArgs = {}) {
    const className = classNameOf(this.constructor);
    if (args.name !== undefined && (typeof args.name !== 'string' || args.name === '')) {
      throw new Error(`${className}: name must be a non-empty string, got ${JSON.stringify(args.name)}`);
    }
    this.name = args.name ?? uniqueName(toSnakeCase(className));
    this.trainableFlag = args.trainable ?? true;
    if (args.dtype !== undefined && args.dtype !== 'float32') {
      throw new Error(`${this.name}: dtype must be 'float32' (the only float type tensorkit stores), got '${args.dtype}'`);
    }
    this.batchInputShape = resolveBatchInputShape(args, this.name);
    this.initialWeights = args.weights ?? null;
  }

  /** The Keras class name of this layer (its class's static `className`, else the JS class name). */
  getClassName(): string {
    return classNameOf(this.constructor);
  }

  /**
   * The layers this layer is made of, each under the attribute name Keras 3 gives it: an RNN's
   * `cell`, Bidirectional's `forward_layer` and `backward_layer`, TimeDistributed's `layer`,
   * MultiHeadAttention's `query_dense`, ... A `.keras` file stores a sub-layer's weights at
   * `<layer path>/<name>/vars/<i>` (a list: `<layer path>/<name>/<snake_case class>[_k]/vars/<i>`),
   * and this layer's own weights, those no sub-layer holds, at `<layer path>/vars/<i>`. Names are
   * visited in Keras's order (sorted, `_private` ones last). Default: none.
   *
   * @example
   * ```ts
   * class Residual extends tk.layers.Layer {
   *   static className = 'Residual';
   *   inner = new tk.layers.Dense(4);
   *   override get weights() { return this.inner.weights; }
   *   override kerasSubLayers() { return { inner: this.inner }; }   // .keras: layers/residual/inner/vars/0, 1
   *   call(x: tk.Tensor) { return x.add(this.inner.apply(x)); }
   * }
   * ```
   */
  kerasSubLayers(): Readonly<Record<string, Layer<Tensor | Tensor[]> | readonly Layer<Tensor | Tensor[]>[]>> {
    return {};
  }

  // ---- to implement in subclasses -------------------------------------------------------------

  /**
   * Creates the weights for inputs of `inputShape` (batch axis included, maybe null); a list of
   * shapes for a layer called on a list of tensors.
   */
  build(inputShape: SymbolicShape | SymbolicShape[]): void {
    this.builtInputShape = isShapeList(inputShape) ? null : inputShape.slice();
    this.built = true;
  }

  /** The forward computation on a built layer: one tensor in (or a list, for merges), `Out` out. */
  abstract call(inputs: Tensor | Tensor[], args: CallArgs): Out;

  /**
   * The output shape for an input shape (batch axis included; a list of shapes for several
   * inputs or outputs). The default runs `call` on zeros, twice with different stand-ins for the
   * unknown sizes, and reports as unknown every size that changed between the two: right for any
   * layer, but a layer with a cheap formula should override it. `args` are the call's arguments
   * (symbolic tensors among them stand for tensors of their shapes).
   */
  computeOutputShape(inputShape: SymbolicShape | SymbolicShape[], args?: CallArgs): SymbolicShape | SymbolicShape[] {
    return traceOutputShape(this, inputShape, args ?? {});
  }

  /**
   * The mask of the output, given the inputs and their masks (Keras's `compute_mask`). Default:
   * a layer that `supportsMasking` passes its input's mask on; others give none.
   */
  computeMask(_inputs: Tensor | Tensor[], mask: Mask | Mask[] | undefined): Mask | Mask[] {
    if (!this.supportsMasking || mask === undefined) return null;
    return mask;
  }

  /** The layer's configuration; subclasses add their own arguments. */
  getConfig(): LayerConfig {
    const config: LayerConfig = { name: this.name, trainable: this.trainable, dtype: 'float32' };
    if (this.batchInputShape !== null) config.batchInputShape = this.batchInputShape.slice();
    return config;
  }

  // ---- using a layer ----------------------------------------------------------------------------

  /**
   * Applies the layer, building it on first use. On concrete tensors it computes (with
   * `{ training: true }` Dropout and BatchNormalization behave as in `fit`); on symbolic tensors
   * it records the call and returns symbolic outputs (the functional API). A list of tensors
   * goes to layers that take several inputs (`tk.layers.Add`, ...).
   *
   * @example
   * ```ts
   * const y = new tk.layers.Dense(2, 'relu').apply(tk.ones([1, 3]), { training: false });
   * const x = tk.input({ shape: [3] });
   * const h = new tk.layers.Dense(2).apply(x);   // a SymbolicTensor of shape [null, 2]
   * ```
   */
  apply(inputs: LayerInputs<SymbolicTensor>, args?: CallArgs): SymbolicOf<Out>;
  apply(inputs: LayerInputs<TensorLike>, args?: CallArgs): Out;
  apply(inputs: LayerInputs<TensorLike | SymbolicTensor>, args: CallArgs = {}): Out | SymbolicOf<Out> {
    if (args === null || typeof args !== 'object' || Array.isArray(args)) {
      throw new Error(`${this.name}: the second argument of apply is the call arguments, e.g. { training: true }; got ${describeValue(args)}`);
    }
    if (containsSymbolic(inputs, args)) return this.applySymbolic(inputs, args);
    return this.applyConcrete(inputs as LayerInputs<TensorLike>, args);
  }

  private applyConcrete(inputs: LayerInputs<TensorLike>, args: CallArgs): Out {
    const list = isTensorList(inputs);
    const xs: Tensor[] = list ? (inputs as readonly Tensor[]).slice() : [toTensor(inputs as TensorLike, this.name)];
    if (!list) this.checkDeclaredShape(xs[0]!.shape);
    // As Keras, the input spec is checked before building too (a spec set in the constructor,
    // such as Dense's rank >= 2, guards `build` against inputs it cannot handle).
    xs.forEach((x, i) => this.checkInputSpec(x.shape, list ? i : null));
    if (!this.built) {
      this.buildFrom(list ? xs.map((x) => x.shape) : xs[0]!.shape);
      xs.forEach((x, i) => this.checkInputSpec(x.shape, list ? i : null));
    }
    const masks = xs.map((x) => maskOf(x));
    let callArgs = args;
    if (args.mask === undefined && masks.some((m) => m !== null)) {
      if (this.supportsMasking) callArgs = { ...args, mask: list ? masks : masks[0]! };
      else warnDroppedMask(this);
    }
    const input = list ? xs : xs[0]!;
    const y = this.call(input, callArgs);
    if (this.supportsMasking || callArgs.mask !== undefined) {
      const outMask = this.computeMask(input, callArgs.mask);
      const out = y as Tensor | Tensor[];
      const ys = Array.isArray(out) ? out : [out];
      ys.forEach((t, i) => {
        const m = Array.isArray(outMask) ? outMask[i] ?? null : outMask;
        if (m !== null) setMask(t, m);
      });
    }
    if (this.activityRegularizer !== null && args.training === true) {
      const out = y as Tensor | Tensor[];
      const first = Array.isArray(out) ? out[0]! : out;
      this.activityLosses.push(ops.div(this.activityRegularizer.penalty(first), Math.max(1, first.shape[0] ?? 1)));
    }
    return y;
  }

  /**
   * The symbolic call: build from the shapes, find the output shapes, record a node. Symbolic
   * tensors inside the call arguments (an RNN's `initialState`) become further inputs of the node.
   */
  private applySymbolic(inputs: LayerInputs<TensorLike | SymbolicTensor>, args: CallArgs): SymbolicOf<Out> {
    const list = Array.isArray(inputs) && !isSymbolicTensor(inputs);
    const xs = (list ? (inputs as readonly unknown[]) : [inputs]).map((x, i) => {
      if (!isSymbolicTensor(x)) {
        const what = x === null || x === undefined ? String(x) : 'concrete';
        throw new Error(`${this.name}: got a mix of symbolic and ${what === 'concrete' ? 'concrete tensors' : `${what} inputs`}${list ? ` (input ${i} is ${what})` : ''}; in a functional model every input of a layer comes from tk.input or another layer, constants too (wrap them in a layer)`);
      }
      return x;
    });
    if (list && xs.length === 0) throw new Error(`${this.name}: apply got an empty list of inputs`);
    const shapes = xs.map((x) => x.shape);
    // A layer not built yet builds first: its build names what it needs (as Sequential's build
    // always did); the spec it then sets is checked.
    if (!this.built) this.buildFrom(list ? shapes : shapes[0]!);
    xs.forEach((x, i) => this.checkInputSpec(x.shape, list ? i : null));
    const outShape = this.computeOutputShape(list ? shapes : shapes[0]!, args);
    const { plain, tensors, paths } = splitCallArgs(args);
    const node = new LayerNode(this, [...xs, ...tensors], list ? 'list' : 'single', plain, this.inboundNodes.length, paths);
    const several = isShapeList(outShape);
    const outShapes = several ? outShape : [outShape];
    node.outputs = outShapes.map((s, i) => new SymbolicTensor(s, node, i));
    node.outputIsList = several;
    this.inboundNodes.push(node);
    return (several ? node.outputs.slice() : node.outputs[0]!) as SymbolicOf<Out>;
  }

  /** The output of this layer's first call on symbolic tensors (Keras's `layer.output`). */
  get output(): SymbolicTensor | SymbolicTensor[] {
    const node = this.inboundNodes[0];
    if (node === undefined) throw new Error(`${this.name}: the layer has not been called on a symbolic tensor, so it has no output yet`);
    return node.outputIsList ? node.outputs.slice() : node.outputs[0]!;
  }

  /** The input of this layer's first call on symbolic tensors (Keras's `layer.input`). */
  get input(): SymbolicTensor | SymbolicTensor[] {
    const node = this.inboundNodes[0];
    if (node === undefined) throw new Error(`${this.name}: the layer has not been called on a symbolic tensor, so it has no input yet`);
    const main = node.mainInputs;
    return node.inputStructure === 'list' ? main.slice() : main[0]!;
  }

  /** Builds for an input shape (a list of shapes for several inputs), then loads any `weights` given to the constructor. */
  buildFrom(shape: SymbolicShape | SymbolicShape[]): void {
    this.build(shape);
    this.built = true;
    // A layer made of layers that has no build of its own builds them by running its call once
    // (Keras 3 does the same), so their weights exist before the first data.
    if (this.build === Layer.prototype.build && this.sublayers().some((l) => !l.built)) traceOutputShape(this, shape, {});
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
    const scope = this.weightScope ?? this.name;
    const init = getInitializer(initializer, `${scope}/${name}`);
    const value = weightFill !== null ? weightFill(shape, `${scope}/${name}`) : init.apply(shape);
    if (value.shape.length !== shape.length || value.shape.some((d, i) => d !== shape[i])) {
      throw new Error(`${this.name}: initializer for '${name}' returned shape ${formatShape(value.shape)}, expected ${formatShape(shape)}`);
    }
    const trainable = options.trainable ?? true;
    const v = new Variable(value, { name: `${scope}/${name}`, trainable: trainable && this.trainableFlag });
    this.variables.push(v);
    if (trainable) this.createdTrainable.add(v);
    const reg = options.regularizer === undefined || options.regularizer === null ? null : getRegularizer(options.regularizer);
    if (reg !== null) this.regularizers.set(v, reg);
    return v;
  }

  /** Whether the layer's weights are trained. Setting false freezes them, and its sublayers' (Keras semantics). */
  get trainable(): boolean {
    return this.trainableFlag;
  }
  /** Freezes (false) or unfreezes (true) every weight the layer, and each sublayer, created trainable. */
  set trainable(value: boolean) {
    this.trainableFlag = value;
    for (const v of this.variables) v.trainable = value && this.createdTrainable.has(v);
    for (const layer of this.sublayers()) layer.trainable = value;
  }

  /** The layer's own variables (its sublayers hold theirs): those created trainable first, as Keras. */
  protected ownWeights(): Variable[] {
    return [...this.variables.filter((v) => this.createdTrainable.has(v)), ...this.variables.filter((v) => !this.createdTrainable.has(v))];
  }

  /**
   * The layers this layer is made of, as Keras tracks them: every Layer held in its fields,
   * directly or inside arrays, Maps and plain objects, in the order the fields were set. A model
   * overrides it with its own layers. Their weights, losses and trainable flag are the layer's too.
   */
  protected sublayers(): AnyLayer[] {
    const found = new Set<AnyLayer>();
    const seen = new Set<unknown>();
    const visit = (value: unknown, depth: number): void => {
      if (value === null || typeof value !== 'object' || seen.has(value) || depth > 4) return;
      seen.add(value);
      if (value instanceof Layer) {
        if (value !== this) found.add(value as AnyLayer);
        return;
      }
      if (Array.isArray(value)) for (const v of value) visit(v, depth + 1);
      else if (value instanceof Map) for (const v of value.values()) visit(v, depth + 1);
      else if (Object.getPrototypeOf(value) === Object.prototype || Object.getPrototypeOf(value) === null) for (const v of Object.values(value)) visit(v, depth + 1);
    };
    for (const v of Object.values(this)) visit(v, 0);
    return [...found];
  }

  /** This layer and every layer below it, each once. */
  private layerTree(): AnyLayer[] {
    const all = new Set<AnyLayer>([this as AnyLayer]);
    for (const layer of all) for (const sub of (layer as Layer<Tensor | Tensor[]>).sublayers()) all.add(sub);
    return [...all];
  }

  /** All weights: its own (trainable ones first), then each sublayer's, each once (Keras 3's order). */
  get weights(): Variable[] {
    const subs = this.sublayers();
    if (subs.length === 0) return this.ownWeights();
    return [...new Set([...this.ownWeights(), ...subs.flatMap((l) => l.weights)])];
  }

  /** The weights an optimizer updates; empty when the layer is frozen. */
  get trainableWeights(): Variable[] {
    return this.trainableFlag ? this.weights.filter((v) => v.trainable) : [];
  }

  /** The weights not trained by gradients (e.g. BatchNormalization's moving statistics; all of them when frozen). */
  get nonTrainableWeights(): Variable[] {
    return this.trainableFlag ? this.weights.filter((v) => !v.trainable) : this.weights;
  }

  /** Number of weight values. Throws if the layer is not built yet, as Keras. */
  countParams(): number {
    if (!this.built) {
      throw new Error(`${this.name}: countParams() needs the layer built; call build(inputShape) or apply it to data first`);
    }
    return this.weights.reduce((n, v) => n + v.size, 0);
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
   * The regularization penalties of this layer and its sublayers (weight regularizers, and the
   * activity regularizer of each training call since the last step), added to the loss by `fit`
   * and `evaluate`. A layer reached twice in the tree counts once.
   */
  get losses(): Tensor[] {
    const out: Tensor[] = [];
    for (const layer of this.layerTree()) {
      for (const [v, reg] of layer.regularizers) out.push(reg.penalty(v));
      out.push(...layer.activityLosses);
    }
    return out;
  }

  /** Forgets the activity penalties of the past calls, in this layer and its sublayers (models call it before each step). */
  clearActivityLoss(): void {
    for (const layer of this.layerTree()) layer.activityLosses.length = 0;
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

  private checkInputSpec(shape: SymbolicShape, index: number | null): void {
    const specs = this.inputSpec;
    if (specs === null) return;
    const spec = Array.isArray(specs) ? specs[index ?? 0] : specs;
    if (spec === undefined) return;
    const who = index === null ? this.name : `${this.name} (input ${index})`;
    if (spec.ndim !== undefined && shape.length !== spec.ndim) {
      throw new Error(`${who}: expected an input of rank ${spec.ndim} (batch axis included), got shape ${formatAnyShape(shape)}`);
    }
    if (spec.minNdim !== undefined && shape.length < spec.minNdim) {
      throw new Error(`${who}: expected an input of rank >= ${spec.minNdim} (batch axis included), got shape ${formatAnyShape(shape)}`);
    }
    if (spec.axes !== undefined) {
      for (const [key, size] of Object.entries(spec.axes)) {
        const axis = Number(key) < 0 ? shape.length + Number(key) : Number(key);
        // An unknown size (a symbolic None) is checked when data comes.
        if (shape[axis] !== size && shape[axis] !== null) {
          throw new Error(`${who}: expected an input of shape ${formatSpec(spec, shape.length)} (axis ${key} of size ${size}), got shape ${formatAnyShape(shape)}`);
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

// ---- building without initializers -----------------------------------------------------------

/** While set, `addWeight` takes its values from here instead of the initializer (model loading). */
let weightFill: ((shape: readonly number[], name: string) => Tensor) | null = null;

/**
 * Runs `f` with every weight a layer creates filled by `fill` instead of its initializer: the
 * model loader builds layers whose values the file will overwrite at once, so it skips costly
 * initializers (an orthogonal QR), leaves the global random stream untouched, and can refuse to
 * create more values than the file holds. Scoped like `noGrad`: restored when `f` returns or throws.
 */
export function withWeightFill<T>(fill: (shape: readonly number[], name: string) => Tensor, f: () => T): T {
  const previous = weightFill;
  weightFill = fill;
  try {
    return f();
  } finally {
    weightFill = previous;
  }
}

// ---- helpers of apply -------------------------------------------------------------------------

/** A class's Keras name: its own static `className`, else the JS class name (a subclass that sets none). */
function classNameOf(ctor: Function): string {
  if (Object.hasOwn(ctor, 'className')) return (ctor as unknown as { className: string }).className;
  return ctor.name !== '' ? ctor.name : 'Layer';
}

/** True for a list of shapes (`[[null, 4], [null, 4]]`), false for one shape (`[null, 4]`). */
export function isShapeList(shape: SymbolicShape | readonly SymbolicShape[]): shape is SymbolicShape[] {
  return shape.length > 0 && Array.isArray(shape[0]);
}

/** A list of inputs is a JS array of tensors; any other array is one tensor's nested values. */
function isTensorList(inputs: unknown): inputs is readonly Tensor[] {
  return Array.isArray(inputs) && inputs.length > 0 && inputs.every((x) => x instanceof Tensor);
}

function containsSymbolic(inputs: unknown, args: CallArgs): boolean {
  if (isSymbolicTensor(inputs)) return true;
  if (Array.isArray(inputs) && inputs.some((x) => isSymbolicTensor(x))) return true;
  for (const value of Object.values(args)) {
    if (isSymbolicTensor(value) || (Array.isArray(value) && value.some((v) => isSymbolicTensor(v)))) return true;
  }
  return false;
}

/** Where a symbolic tensor sat in the call arguments: `args[key]`, or `args[key][index]`. */
export interface ArgTensorPath {
  readonly key: string;
  readonly index: number | null;
}

/**
 * Splits call arguments into the plain ones (replayed as they are) and the symbolic tensors in
 * them, with where each sat; keys are visited in sorted order, as Keras flattens kwargs.
 */
function splitCallArgs(args: CallArgs): { plain: Record<string, unknown>; tensors: SymbolicTensor[]; paths: ArgTensorPath[] } {
  const plain: Record<string, unknown> = {};
  const tensors: SymbolicTensor[] = [];
  const paths: ArgTensorPath[] = [];
  for (const key of Object.keys(args).sort()) {
    const value = args[key];
    if (isSymbolicTensor(value)) {
      tensors.push(value);
      paths.push({ key, index: null });
    } else if (Array.isArray(value) && value.some((v) => isSymbolicTensor(v))) {
      value.forEach((v, index) => {
        if (!isSymbolicTensor(v)) throw new Error(`call argument '${key}': item ${index} is not a symbolic tensor; mix no concrete values with symbolic ones`);
        tensors.push(v);
        paths.push({ key, index });
      });
    } else if (value !== undefined) {
      plain[key] = value;
    }
  }
  return { plain, tensors, paths };
}

/**
 * The default `computeOutputShape`: `call` on zeros twice, with different stand-ins for the
 * unknown sizes (the batch axis 1 then 2; other axes 8 then 12, even and large enough for most
 * windows); a size that differs between the two runs depends on an unknown one and is unknown.
 */
function traceOutputShape(layer: Layer<Tensor | Tensor[]>, inputShape: SymbolicShape | SymbolicShape[], args: CallArgs): SymbolicShape | SymbolicShape[] {
  const list = isShapeList(inputShape);
  const shapes: SymbolicShape[] = list ? inputShape : [inputShape as SymbolicShape];
  const zerosOf = (s: SymbolicShape, second: boolean): Tensor => {
    const concrete = s.map((d, axis) => d ?? (axis === 0 ? (second ? 2 : 1) : second ? 12 : 8));
    return new Tensor(new Float32Array(concrete.reduce((p, q) => p * q, 1)), concrete);
  };
  const run = (second: boolean): { shapes: (readonly number[])[]; several: boolean } => noGrad(() => {
    const xs = shapes.map((s) => zerosOf(s, second));
    // The call's own arguments, symbolic tensors among them as zeros of their shapes.
    const callArgs: CallArgs = {};
    for (const [key, value] of Object.entries(args)) {
      if (key === 'mask') continue;
      if (isSymbolicTensor(value)) callArgs[key] = zerosOf(value.shape, second);
      else if (Array.isArray(value) && value.some((v) => isSymbolicTensor(v))) callArgs[key] = value.map((v) => (isSymbolicTensor(v) ? zerosOf(v.shape, second) : v));
      else callArgs[key] = value;
    }
    const y = layer.call(list ? xs : xs[0]!, { ...callArgs, training: false });
    return { shapes: (Array.isArray(y) ? y : [y]).map((t) => t.shape), several: Array.isArray(y) };
  });
  let a: ReturnType<typeof run>;
  let b: ReturnType<typeof run>;
  try {
    a = run(false);
    b = run(true);
  } catch (e) {
    throw new Error(`${layer.name}: cannot work out the output shape for input ${shapes.map(formatSymbolicShape).join(', ')} ` +
      `(running call on zeros failed: ${(e as Error).message}); give the layer a computeOutputShape(inputShape)`);
  }
  const merged = a.shapes.map((s, i) => s.map((d, j) => (b.shapes[i]![j] === d ? d : null)));
  return a.several ? merged : merged[0]!;
}

const warnedMask = new WeakSet<object>();

/** Keras drops a mask given to a layer that cannot use it, with a warning: so does tensorkit, once per layer. */
function warnDroppedMask(layer: Layer<Tensor | Tensor[]>): void {
  if (warnedMask.has(layer)) return;
  warnedMask.add(layer);
  console.warn(`${layer.name} (${layer.getClassName()}): its input carries a mask (from Embedding with maskZero, or Masking), which this layer does not support; the mask is dropped and later layers see none`);
}

function describeValue(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  return typeof v;
}

/** A concrete shape as `[2, 3]`, one with unknown sizes as `(None, 3)`. */
function formatAnyShape(shape: SymbolicShape): string {
  return shape.some((d) => d === null) ? formatSymbolicShape(shape) : formatShape(shape as readonly number[]);
}
