// Sequential: a stack of layers, each fed the previous one's output. A Model (src/models/model.ts),
// so it trains, evaluates, predicts, saves and nests inside other models like any model; what is
// its own is the stack: add, pop, the deferred build, and the input checks.
//
// Once the input shape is known (declared on the first layer or by an InputLayer, given to
// `build`, or taken from the first data), the stack is also applied to a symbolic input, as Keras 3
// does: that gives the model its `inputs` and `outputs`, and each layer an `output`, so a Keras
// user can cut a feature extractor out of it with `tk.model({ inputs: m.inputs, outputs: m.layers[1].output })`.
// Semantics follow Keras 3 (keras-facts §1, §7, §8); option names follow TF.js.

import { Layer, formatSymbolicShape, isShapeList, type AnyLayer, type CallArgs, type LayerConfig, type SymbolicShape } from '../layers/layer.js';
import { InputLayer } from '../layers/input_layer.js';
import { isSymbolicTensor, type SymbolicTensor } from '../layers/symbolic.js';
import { deserializeLayer } from '../layers/registry.js';
import { formatShape } from '../tensor/shape.js';
import { Tensor, type TensorLike } from '../tensor/tensor.js';
import { asBatchTensor } from '../trainers/data.js';
import { checkOptions } from '../trainers/trainer.js';
import { LayerGraph } from './functional.js';
import { describe, fitInputShape, Model, type ModelConfig } from './model.js';

export type { CompileArgs } from '../trainers/compile.js';
export type { FitArgs, EvaluateArgs, PredictArgs, OnBatchArgs } from '../trainers/trainer.js';

/** Sequential's constructor arguments: a list of layers, or `{ layers, name }` (TF.js). */
export interface SequentialArgs {
  /** The layers, in order (more can be added with `add`). */
  layers?: readonly Layer<Tensor | Tensor[]>[];
  /** The model's name; default `sequential`, made unique (`sequential_1`, ...). */
  name?: string;
}

/**
 * A linear stack of layers.
 *
 * @example
 * ```ts
 * const model = new tk.Sequential([
 *   new tk.layers.Dense(64, { activation: 'relu', inputShape: [784] }),
 *   new tk.layers.Dense(10, 'softmax'),
 * ]);
 * model.compile({ optimizer: 'adam', loss: 'categorical_crossentropy', metrics: ['accuracy'] });
 * const history = await model.fit(x, y, { epochs: 5, batchSize: 32, validationSplit: 0.1 });
 * console.table(history.toRows());
 * ```
 */
export class Sequential extends Model<Tensor> {
  /** The Keras class name, `'Sequential'` (saved in model.json). */
  static override readonly className: string = 'Sequential';

  /**
   * Builds a Sequential from its `getConfig()`.
   *
   * @example
   * ```ts
   * const copy = tk.Sequential.fromConfig(model.getConfig());
   * ```
   */
  static override fromConfig(config: LayerConfig): Sequential {
    if (config === null || typeof config !== 'object') throw new Error(`Sequential.fromConfig: expected a config object (what getConfig() returns), got ${describe(config)}`);
    const layers = config.layers;
    if (!Array.isArray(layers)) throw new Error(`Sequential.fromConfig: expected { name, layers: [{ className, config }, ...] }, got layers ${typeof layers}`);
    const model = new Sequential({
      layers: layers.map((entry, i) => deserializeLayer(entry, `Sequential.fromConfig: layers[${i}]`)),
      ...(typeof config.name === 'string' ? { name: config.name } : {}),
    });
    const shape = config.buildInputShape;
    if (!model.built && Array.isArray(shape)) model.build(shape as SymbolicShape);
    if (config.trainable === false) model.trainable = false;
    return model;
  }

  private readonly stack: AnyLayer[] = [];
  /** Declared input shape with batch axis, from an InputLayer or the first layer's inputShape. */
  private declaredInput: SymbolicShape | null = null;
  /** The symbolic output of each layer of the stack, once built. */
  private outputs_: SymbolicTensor[] = [];
  /** The input the stack is applied to when built. */
  private inputLayer: InputLayer | null = null;

  constructor(args: readonly AnyLayer[] | SequentialArgs = {}) {
    if (!Array.isArray(args)) {
      // A single layer (or anything else) would otherwise read as an options object without `layers`.
      if (args === null || typeof args !== 'object' || args instanceof Layer) {
        const hint = args instanceof Layer ? '; put the layer in a list: new Sequential([layer])' : '';
        throw new Error(`Sequential: expected a list of layers or { layers, name }, got ${describe(args)}${hint}`);
      }
      checkOptions(args, ['layers', 'name'], 'Sequential');
    }
    const options = Array.isArray(args) ? {} : (args as SequentialArgs);
    super({ name: options.name });
    const layers = Array.isArray(args) ? (args as readonly AnyLayer[]) : options.layers ?? [];
    for (const layer of layers) this.addWithoutBuild(layer);
    this.tryBuild();
  }

  // ---- structure ----------------------------------------------------------------------------

  /**
   * Appends a layer. The first layer may declare `inputShape`; then the model builds at once.
   *
   * @example
   * ```ts
   * model.add(new tk.layers.Dense(5, 'relu'));
   * ```
   */
  add(layer: AnyLayer): void {
    this.addWithoutBuild(layer);
    // Built already: only the new layer is applied, after the last one (no rebuild of the stack).
    if (this.built) this.extend(layer);
    else this.tryBuild();
  }

  private addWithoutBuild(layer: AnyLayer): void {
    if (!(layer instanceof Layer)) {
      throw new Error(`${this.name}: add() expects a Layer instance, got ${describe(layer)}`);
    }
    if (layer instanceof InputLayer) {
      if (this.declaredInput !== null || this.stack.length > 0) {
        throw new Error(`${this.name}: an InputLayer must come first, and only once (the model already has ${this.stack.length > 0 ? 'layers' : 'an input shape'})`);
      }
      this.declaredInput = layer.batchInputShape;
      return;
    }
    if (this.stack.some((l) => l.name === layer.name)) {
      throw new Error(`${this.name}: all layers must have unique names; '${layer.name}' is already in the model`);
    }
    if (this.stack.length === 0 && this.declaredInput === null && layer.batchInputShape !== null) {
      this.declaredInput = layer.batchInputShape;
    }
    this.stack.push(layer);
  }

  /**
   * Removes and returns the last layer.
   *
   * @example
   * ```ts
   * const last = model.pop();
   * ```
   */
  pop(): AnyLayer {
    const layer = this.stack.pop();
    if (layer === undefined) throw new Error(`${this.name}: pop() on a model with no layers`);
    if (this.built) {
      // The graph now ends at the previous layer's output (the popped layer's call is left behind).
      this.outputs_.pop();
      if (this.stack.length === 0) {
        this.built = false;
        this.graph = null;
      } else {
        this.graph = new LayerGraph([this.inputLayer!.output], [this.outputs_[this.outputs_.length - 1]!], this.name);
      }
    }
    return layer;
  }

  /** Applies a layer added to a built model to the last output, and extends the graph. */
  private extend(layer: AnyLayer): void {
    const last = this.outputs_[this.outputs_.length - 1] ?? this.inputLayer!.output;
    let out: SymbolicTensor | SymbolicTensor[];
    try {
      out = layer.apply(last);
      if (Array.isArray(out)) throw new Error(`${this.name}: the layer '${layer.name}' has several outputs; a Sequential model needs one output per layer (use the functional API)`);
    } catch (e) {
      this.stack.pop(); // a layer that does not fit is not kept
      throw e;
    }
    this.outputs_.push(out as SymbolicTensor);
    this.graph = new LayerGraph([this.inputLayer!.output], [out as SymbolicTensor], this.name);
  }

  /**
   * The layers, in order (the input layer is not listed, as Keras). Each gives one output (the
   * model checks it), hence the type.
   */
  override get layers(): Layer[] {
    return this.stack.slice() as Layer[];
  }

  /** The input of the stack, with the batch axis, once known (declared, or from the first data). */
  get inputShape(): SymbolicShape | null {
    return this.declaredInput;
  }

  /** Builds when the input shape is known (declared) and there is at least one layer. */
  private tryBuild(): void {
    if (this.declaredInput !== null && this.stack.length > 0) this.build(this.declaredInput);
  }

  /**
   * Builds every layer for inputs of `inputShape` (batch axis included; `null` = any).
   *
   * @example
   * ```ts
   * model.build([null, 784]);
   * ```
   */
  override build(inputShape?: SymbolicShape | SymbolicShape[]): void {
    if (inputShape !== undefined && inputShape.length > 0 && Array.isArray(inputShape[0])) {
      throw new Error(`${this.name}: a Sequential model has one input; build() takes one shape, e.g. build([null, 784])`);
    }
    const given = inputShape as SymbolicShape | undefined;
    const shape = given ?? this.declaredInput;
    if (shape === null) throw new Error(`${this.name}: build() needs an input shape (batch axis included), e.g. build([null, 784])`);
    if (this.declaredInput !== null && given !== undefined && !sameSymbolic(this.declaredInput, given)) {
      throw new Error(`${this.name}: build(${formatSymbolicShape(given)}) does not match the declared input shape ${formatSymbolicShape(this.declaredInput)}`);
    }
    if (this.stack.length === 0) {
      this.declaredInput = shape.slice();
      return;
    }
    // The stack applied to a symbolic input: builds each layer, and gives the model its graph. One
    // InputLayer serves every build for the same shape (as Keras 3).
    if (this.inputLayer === null || !sameSymbolic(this.inputLayer.batchInputShape!, shape)) {
      this.inputLayer = new InputLayer({ batchInputShape: shape, name: `${this.name}_input` });
    }
    const input = this.inputLayer.output;
    let current: SymbolicTensor = input;
    const outputs: SymbolicTensor[] = [];
    for (const layer of this.stack) {
      const out = layer.apply(current);
      if (Array.isArray(out)) throw new Error(`${this.name}: the layer '${layer.name}' has several outputs; a Sequential model needs one output per layer (use the functional API)`);
      current = out as SymbolicTensor;
      outputs.push(current);
    }
    this.declaredInput = shape.slice();
    this.outputs_ = outputs;
    this.graph = new LayerGraph([input], [current], this.name);
    this.built = true;
  }

  /** @internal Builds from the first data seen (Keras's deferred build uses the concrete batch shape). */
  override ensureBuilt(xs: readonly Tensor[]): void {
    if (!this.built) this.build(this.declaredInput ?? xs[0]!.shape);
  }

  /** One input, named after the model's input layer (the data dict key, if a dict is used). */
  override get inputNames(): string[] {
    return this.graph !== null ? [this.graph.inputs[0]!.sourceLayer.name] : [`${this.name}_input`];
  }

  /** @internal A Sequential has one output, known from the start. */
  override get outputsKnown(): boolean {
    return true;
  }

  /** One output, named after the last layer. */
  override get outputNames(): string[] {
    const last = this.stack[this.stack.length - 1];
    return [last === undefined ? 'output_1' : last.name];
  }

  // ---- computing ------------------------------------------------------------------------------

  /**
   * Runs the layers on `x` (building the model on first use). Records on the tape when weights
   * require gradients, so it serves custom training loops. Applied to a symbolic tensor, it records
   * a call: a Sequential nests inside a functional model.
   *
   * @example
   * ```ts
   * const y = model.apply(x, { training: false });
   * ```
   */
  override apply(inputs: SymbolicTensor | readonly SymbolicTensor[], args?: CallArgs): SymbolicTensor;
  override apply(inputs: TensorLike | readonly TensorLike[] | { readonly [name: string]: TensorLike }, args?: CallArgs): Tensor;
  override apply(inputs: unknown, args: CallArgs = {}): unknown {
    if (this.stack.length === 0) throw new Error(`${this.name}: the model has no layers`);
    if (!isSymbolicArg(inputs)) {
      const input = asBatchTensor(inputs as TensorLike, `${this.name}`);
      this.checkInputs([input], this.name, '');
      this.ensureBuilt([input]);
      return super.apply(input, args);
    }
    return super.apply(inputs as SymbolicTensor, args);
  }

  /** The stack, one layer after the other. */
  override call(inputs: Tensor | Tensor[], args: CallArgs): Tensor {
    let y = Array.isArray(inputs) ? inputs[0]! : inputs;
    for (const layer of this.stack) {
      const out = layer.apply(y, args);
      if (Array.isArray(out)) throw new Error(`${this.name}: the layer '${layer.name}' returned ${out.length} tensors; in a Sequential model every layer gives one output (use the functional API)`);
      y = out;
    }
    return y;
  }

  override computeOutputShape(inputShape: SymbolicShape | SymbolicShape[]): SymbolicShape {
    const declared = this.declaredInput;
    if (declared !== null && (isShapeList(inputShape) || fitInputShape(declared, inputShape, false) === null)) {
      throw new Error(`${this.name}: expected input shape ${formatSymbolicShape([null, ...declared.slice(1)])}, got ${isShapeList(inputShape) ? 'a list of inputs' : formatSymbolicShape(inputShape)}`);
    }
    let current = inputShape as SymbolicShape;
    for (const layer of this.stack) current = layer.computeOutputShape(current) as SymbolicShape;
    return current;
  }

  /** @internal Checks `x` against the input shape, every axis but the batch axis (as Keras's input spec). */
  override checkInputs(xs: readonly Tensor[], who: string, what: string): void {
    const declared = this.declaredInput;
    const x = xs[0]!;
    if (declared !== null && fitInputShape(declared, x.shape, false) === null) {
      // The batch axis is shown as None: it is not checked (a deferred build pins the first batch's size).
      throw new Error(`${who}: ${what === '' ? '' : `${what}: `}expected input shape ${formatSymbolicShape([null, ...declared.slice(1)])}, got ${formatShape(x.shape)}`);
    }
  }

  /** @internal predict of zero samples: an empty tensor shaped like the output. */
  override emptyOutputs(xs: readonly Tensor[]): Tensor[] {
    this.ensureBuilt(xs);
    const outShape = this.outputs_[this.outputs_.length - 1]!.shape;
    return [new Tensor(new Float32Array(0), [0, ...outShape.slice(1).map((d) => d ?? 0)])];
  }

  protected override summaryLayers(): AnyLayer[] {
    return this.stack.slice();
  }

  protected override summaryOutputShape(layer: AnyLayer): SymbolicShape | null {
    if (!layer.built) return null;
    return this.outputs_[this.stack.indexOf(layer)]?.shape ?? null;
  }

  /** The model's configuration: its name and each layer's class and config (TF.js camelCase). */
  override getConfig(): ModelConfig {
    const config: ModelConfig = {
      name: this.name,
      layers: this.stack.map((l) => ({ className: l.getClassName(), config: l.getConfig() })),
    };
    if (this.declaredInput !== null) config.buildInputShape = this.declaredInput.slice();
    if (!this.trainable) config.trainable = false;
    return config;
  }
}

/** True for a symbolic tensor or a list holding one (what routes `apply` to the symbolic call). */
function isSymbolicArg(v: unknown): boolean {
  return isSymbolicTensor(v) || (Array.isArray(v) && v.some((t) => isSymbolicTensor(t)));
}

function sameSymbolic(a: SymbolicShape, b: SymbolicShape): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

