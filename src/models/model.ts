// Model: a Layer that can be trained. One class under every kind of model (Keras 3's
// keras/src/models/model.py):
// - functional: `new Model({ inputs, outputs })` / `tk.model(...)` runs a LayerGraph
//   (src/models/functional.ts) from its inputs to its outputs;
// - subclassed: a class extending Model with its own `call`, its sublayers found in its fields;
// - Sequential (src/models/sequential.ts) is a subclass that runs its stack of layers.
// Training is not written here: compile / fit / evaluate / predict and the single-batch methods
// hand over to the Trainer (src/trainers/trainer.ts), which sees the model only through the small
// TrainableModel interface this class implements. Saving hands over to src/models/io.

import { isShapeList, Layer, formatSymbolicShape, type AnyLayer, type CallArgs, type LayerConfig, type SymbolicOf, type SymbolicShape } from '../layers/layer.js';
import { isSymbolicTensor, SymbolicTensor } from '../layers/symbolic.js';
import type { Loss } from '../losses/index.js';
import type { Metric } from '../metrics/index.js';
import type { Optimizer } from '../optimizers/index.js';
import type { History, Logs } from '../callbacks/index.js';
import * as ops from '../ops/index.js';
import { noGrad } from '../autograd/tape.js';
import { formatShape } from '../tensor/shape.js';
import { Tensor, toTensor, type TensorLike, type Variable } from '../tensor/tensor.js';
import type { CompileArgs } from '../trainers/compile.js';
import { isPlainObject, standardizeData, type Dataset, type ModelData } from '../trainers/data.js';
import { Trainer, type EvaluateArgs, type FitArgs, type OnBatchArgs, type PredictArgs, type TrainableModel } from '../trainers/trainer.js';
import { LayerGraph } from './functional.js';
import { functionalFromConfig } from './functional_config.js';
import { renderSummary, type SummaryOptions, type SummaryRow } from './summary.js';
import type { IOHandler, ModelArtifacts, SaveOptions, SaveResult } from './io/artifacts.js';
import { modelToArtifacts } from './io/save.js';
import type { LoadOptions, ModelSource } from './io/load_weights.js';

/** A model's inputs or outputs as given: one symbolic tensor, a list, or an object keyed by name. */
export type SymbolicStructure = SymbolicTensor | readonly SymbolicTensor[] | { readonly [name: string]: SymbolicTensor };

/** The arguments of `new tk.Model({...})` / `tk.model({...})`. */
export interface ModelArgs {
  /** The model's inputs: `tk.input` tensors (one, a list, or an object keyed by name). */
  inputs?: SymbolicStructure;
  /** The model's outputs: symbolic tensors computed from the inputs. */
  outputs?: SymbolicStructure;
  /** The model's name (default `functional`, `functional_1`, ... as Keras 3; a subclass: its snake_case class name). */
  name?: string;
  /** Whether its weights are trained (default true). */
  trainable?: boolean;
}

/** How a model's inputs or outputs were given, kept to read data dicts and to save the config. */
interface Structure {
  readonly kind: 'single' | 'list' | 'dict';
  readonly tensors: SymbolicTensor[];
  /** Names data is keyed by: dict keys, else the layers' names. */
  readonly names: string[];
}

function flatten(value: SymbolicStructure, who: string, what: 'inputs' | 'outputs'): Structure {
  // An input is named by its InputLayer, an output by the layer that made it (Keras's output_names).
  const nameOf = (t: SymbolicTensor): string => t.sourceLayer.name;
  if (isSymbolicTensor(value)) return { kind: 'single', tensors: [value], names: [nameOf(value)] };
  if (Array.isArray(value)) {
    value.forEach((t, i) => {
      if (!isSymbolicTensor(t)) throw new Error(`${who}: ${what}[${i}] is not a symbolic tensor (from tk.input or layer.apply on one), got ${describe(t)}`);
    });
    const tensors = (value as readonly SymbolicTensor[]).slice();
    return { kind: 'list', tensors, names: tensors.map(nameOf) };
  }
  if (isPlainObject(value)) {
    // As Keras: a dict flattens in sorted-key order, and its keys name the data.
    const keys = Object.keys(value).sort();
    keys.forEach((k) => {
      if (!isSymbolicTensor(value[k])) throw new Error(`${who}: ${what}.${k} is not a symbolic tensor, got ${describe(value[k])}`);
    });
    return { kind: 'dict', tensors: keys.map((k) => value[k] as SymbolicTensor), names: keys };
  }
  throw new Error(`${who}: ${what} must be a symbolic tensor (tk.input(...) or a layer's output), a list or an object of them; got ${describe(value)}`);
}

/**
 * A trainable graph of layers. Made from inputs and outputs (the functional API), or subclassed
 * with a `call` of its own; Sequential is one too. A Model is a Layer: it can be applied inside
 * another model.
 *
 * @example
 * ```ts
 * const img = tk.input({ shape: [28, 28, 1] });
 * const h = new tk.layers.Conv2D(16, 3, { activation: 'relu', padding: 'same' }).apply(img);
 * const r = new tk.layers.Add().apply([h, new tk.layers.Conv2D(16, 1).apply(img)]);
 * const out = new tk.layers.Dense(10, 'softmax').apply(new tk.layers.Flatten().apply(r));
 * const model = new tk.Model({ inputs: img, outputs: out, name: 'resnetish' });
 * model.compile({ optimizer: 'adam', loss: 'categorical_crossentropy', metrics: ['accuracy'] });
 *
 * // Subclassing, as in Keras:
 * class TwoLayers extends tk.Model {
 *   static className = 'TwoLayers';
 *   hidden = new tk.layers.Dense(8, 'relu');
 *   out = new tk.layers.Dense(1);
 *   call(x: tk.Tensor) {
 *     return this.out.apply(this.hidden.apply(x));
 *   }
 * }
 * ```
 */
export class Model<Out extends Tensor | Tensor[] = Tensor | Tensor[]> extends Layer<Out> implements TrainableModel {
  static override readonly className: string = 'Functional';

  /**
   * Rebuilds a functional model from its `getConfig()`: each layer from the class registry, then
   * the calls replayed in order (a call waits until the tensors it takes exist), then the model
   * from its input and output layers. A subclass with its own constructor overrides it.
   *
   * @example
   * ```ts
   * const copy = tk.Model.fromConfig(model.getConfig());   // same architecture, fresh weights
   * ```
   */
  static override fromConfig(config: LayerConfig): Model {
    if (config === null || typeof config !== 'object' || Array.isArray(config)) {
      throw new Error(`${this.name}.fromConfig: expected a config object (what getConfig() returns), got ${describe(config)}`);
    }
    if (this !== Model) {
      // A subclassed model: its own constructor takes its config (Keras's default from_config),
      // without the keys that describe a graph.
      const { layers: _l, inputLayers: _i, outputLayers: _o, ...rest } = config;
      const Ctor = this as unknown as new (config: LayerConfig) => Model;
      return new Ctor(rest);
    }
    return functionalFromConfig(config as ModelConfig, (args) => new Model(args));
  }

  /** True: a model (what the savers and summaries ask of a layer, without importing this class). */
  get isModel(): true {
    return true;
  }

  /** Set true (e.g. by a callback) to stop `fit` after the current batch. */
  stopTraining = false;
  /** @internal The graph of a functional model (and of a built Sequential); null for a subclassed model. */
  protected graph: LayerGraph | null = null;
  /** How the inputs and outputs were given (functional models). */
  private inputStructure: Structure | null = null;
  private outputStructure: Structure | null = null;
  /** A subclassed model: whether its first data came as a list of inputs; and how many outputs its call gave. */
  private subclassInputs: number | null = null;
  private subclassOutputs: number | null = null;
  /** The input shape(s) a subclassed model was built for (saved, so a loaded copy builds the same). */
  private subclassBuildShape: SymbolicShape | SymbolicShape[] | null = null;
  /** @internal compile / fit / evaluate / predict. */
  protected readonly trainer: Trainer;

  constructor(args: ModelArgs = {}) {
    if (args === null || typeof args !== 'object' || Array.isArray(args)) {
      throw new Error(`Model: expected { inputs, outputs, name }, got ${describe(args)}`);
    }
    // A subclass passes its own options on (as a Layer's do); tk.Model itself takes only these.
    if (new.target === Model) {
      for (const key of Object.keys(args)) {
        if (!['inputs', 'outputs', 'name', 'trainable'].includes(key)) throw new Error(`Model: unknown option '${key}' (valid: inputs, outputs, name, trainable)`);
      }
    }
    if ((args.inputs === undefined) !== (args.outputs === undefined)) {
      throw new Error(`Model: give both inputs and outputs (a functional model), or neither (a subclassed model with its own call)`);
    }
    super({ name: args.name, trainable: args.trainable });
    this.trainer = new Trainer(this);
    // Masks pass through a model: its layers read them and attach their own to the outputs.
    this.supportsMasking = true;
    if (args.inputs !== undefined && args.outputs !== undefined) {
      const who = this.name;
      const inputs = flatten(args.inputs, who, 'inputs');
      const outputs = flatten(args.outputs, who, 'outputs');
      this.graph = new LayerGraph(inputs.tensors, outputs.tensors, who);
      this.inputStructure = inputs;
      this.outputStructure = outputs;
      this.built = true;
      if (args.trainable === false) for (const layer of this.layers) layer.trainable = false;
    }
  }

  // ---- structure ------------------------------------------------------------------------------

  /** The model's inputs (flattened): symbolic tensors. */
  get inputs(): SymbolicTensor[] {
    return this.graph === null ? [] : this.graph.inputs.slice();
  }

  /** The model's outputs (flattened): symbolic tensors. */
  get outputs(): SymbolicTensor[] {
    return this.graph === null ? [] : this.graph.outputs.slice();
  }

  /** The names data dicts are keyed by, one per input: the InputLayers' names (or the keys of an inputs object). */
  get inputNames(): string[] {
    if (this.inputStructure !== null) return this.inputStructure.names.slice();
    const n = this.subclassInputs ?? 1;
    return n === 1 ? ['input'] : Array.from({ length: n }, (_, i) => `input_${i + 1}`);
  }

  /** One name per output: the output layers' names (or the keys of an outputs object); `output_1`, ... for a subclassed model. */
  get outputNames(): string[] {
    if (this.outputStructure !== null) return this.outputStructure.names.slice();
    const n = this.subclassOutputs ?? 1;
    return n === 1 ? ['output_1'] : Array.from({ length: n }, (_, i) => `output_${i + 1}`);
  }

  /**
   * The layers, in Keras's order. A functional model lists its InputLayers too (as Keras 3); a
   * subclassed model lists the layers found in its fields, in the order they were set.
   */
  get layers(): AnyLayer[] {
    if (this.graph !== null) return this.graph.layers.slice();
    return super.sublayers(); // a subclassed model: the layers in its fields
  }

  /**
   * A layer by name, or by position in `layers` (`{ index }`).
   *
   * @example
   * ```ts
   * model.getLayer('dense');
   * model.getLayer({ index: 0 });
   * ```
   */
  getLayer(nameOrOptions: string | { name?: string; index?: number }): AnyLayer {
    const layers = this.layers;
    const opts = typeof nameOrOptions === 'string' ? { name: nameOrOptions }
      : nameOrOptions !== null && typeof nameOrOptions === 'object' ? nameOrOptions : { name: nameOrOptions as unknown as string };
    if (opts.index !== undefined) {
      if (opts.name !== undefined) throw new Error(`${this.name}.getLayer: give a name or an index, not both`);
      if (!Number.isInteger(opts.index) || opts.index < 0 || opts.index >= layers.length) {
        throw new Error(`${this.name}.getLayer: index ${opts.index} is out of range: the model has ${layers.length} layers`);
      }
      return layers[opts.index]!;
    }
    if (typeof opts.name !== 'string') throw new Error(`${this.name}.getLayer: give a layer name, or { index }; got ${describe(nameOrOptions)}`);
    const layer = layers.find((l) => l.name === opts.name);
    if (layer === undefined) {
      throw new Error(`${this.name}.getLayer: no layer named '${opts.name}' (the layers are ${layers.map((l) => `'${l.name}'`).join(', ')})`);
    }
    return layer;
  }

  // ---- weights --------------------------------------------------------------------------------

  /** The model's layers are its sublayers: their weights, losses and trainable flag are the model's (Layer's rules). */
  protected override sublayers(): AnyLayer[] {
    return this.layers;
  }

  /** Number of weight values. */
  override countParams(): number {
    if (!this.built) {
      throw new Error(`${this.name}: countParams() needs the model built (give the first layer an inputShape, call build(), or fit on data first)`);
    }
    return this.weights.reduce((n, w) => n + w.size, 0);
  }

  /**
   * Sets all weights, in `weights` order (Keras layouts). The count and every shape are checked
   * before anything changes.
   *
   * @example
   * ```ts
   * other.setWeights(model.getWeights());
   * ```
   */
  override setWeights(values: readonly TensorLike[]): void {
    const ws = this.weights;
    if (values.length !== ws.length) {
      const hint = this.built ? '' : ' (the model is not built yet, so it has no weights: give the first layer an inputShape, or call build() first)';
      throw new Error(`${this.name}: setWeights expected ${ws.length} arrays, got ${values.length}${hint}`);
    }
    const tensors = values.map((v, i) => toTensor(v, `${this.name}: setWeights: weight ${i}`));
    tensors.forEach((t, i) => {
      const w = ws[i]!;
      if (t.rank !== w.rank || t.shape.some((d, j) => d !== w.shape[j])) {
        throw new Error(`${this.name}: setWeights: weight ${i} ('${w.name}') has shape ${formatShape(w.shape)}, got ${formatShape(t.shape)}`);
      }
    });
    tensors.forEach((t, i) => ws[i]!.assign(t));
  }

  // ---- computing ------------------------------------------------------------------------------

  /**
   * The forward computation: a functional model runs its graph; a subclass overrides `call`.
   * Inputs arrive as the model takes them: one tensor, or a list in input order.
   */
  call(inputs: Tensor | Tensor[], args: CallArgs): Out {
    if (this.graph === null) {
      throw new Error(`${this.name}: a Model made without inputs and outputs must be subclassed with its own call(inputs, args), as in Keras`);
    }
    const xs = Array.isArray(inputs) ? inputs : [inputs];
    if (xs.length !== this.graph.inputs.length) {
      throw new Error(`${this.name}: the model has ${this.graph.inputs.length} inputs (${this.inputNames.map((s) => `'${s}'`).join(', ')}), got ${xs.length}`);
    }
    const adjusted = xs.map((x, i) => this.adjustInput(x, i, this.name));
    const ys = this.graph.run(adjusted, args);
    return this.structureOutputs(ys) as Out;
  }

  /**
   * Applies the model: to concrete tensors (one, a list in input order, or an object keyed by
   * input name) it computes the outputs; to symbolic tensors it records a call, so a model nests
   * inside another. `training: true` makes Dropout and BatchNormalization behave as in `fit`.
   *
   * @example
   * ```ts
   * const y = model.apply(tk.zeros([2, 28, 28, 1]));
   * const outer = tk.model({ inputs: a, outputs: model.apply(a) });   // a: a tk.input
   * ```
   */
  override apply(inputs: SymbolicTensor | readonly SymbolicTensor[], args?: CallArgs): SymbolicOf<Out>;
  override apply(inputs: TensorLike | readonly TensorLike[] | { readonly [name: string]: TensorLike }, args?: CallArgs): Out;
  override apply(inputs: unknown, args: CallArgs = {}): unknown {
    if (isPlainObject(inputs) && this.inputStructure !== null) {
      const dict = inputs as Record<string, unknown>;
      if (Object.values(dict).some((v) => isSymbolicTensor(v))) {
        // Symbolic tensors by input name (a nested model with named inputs): in input order.
        for (const key of Object.keys(dict)) if (!this.inputNames.includes(key)) throw new Error(`${this.name}: '${key}' is not one of the model's inputs (${this.inputNames.map((n) => `'${n}'`).join(', ')})`);
        inputs = this.inputNames.map((n) => {
          if (!Object.hasOwn(dict, n)) throw new Error(`${this.name}: the input '${n}' is missing`);
          return dict[n];
        });
      } else {
        inputs = standardizeData(inputs as ModelData, this.inputNames, this.name, 'x');
      }
    }
    return super.apply(inputs as TensorLike, args);
  }

  /** The layers of the graph attach the output masks themselves: the model adds none of its own. */
  override computeMask(): null {
    return null;
  }

  /**
   * Keras's per-input adjustment: an extra trailing axis of size 1 is squeezed, one missing axis
   * is added when the input's last size is 1; then the shape must fit the declared one.
   */
  private adjustInput(x: Tensor, i: number, who: string): Tensor {
    const declared = this.graph!.inputs[i]!.shape;
    const fitted = fitInputShape(declared, x.shape);
    if (fitted === null) {
      const label = this.graph!.inputs.length === 1 ? '' : ` '${this.inputNames[i]}'`;
      throw new Error(`${who}: input${label}: expected shape ${formatSymbolicShape([null, ...declared.slice(1)])}, got ${formatShape(x.shape)}`);
    }
    return fitted.length === x.rank ? x : ops.reshape(x, fitted as number[]);
  }

  /** The outputs as `call` returns them: one tensor for one output (also for `outputs: [y]`), else a list. */
  private structureOutputs(ys: Tensor[]): Tensor | Tensor[] {
    return ys.length === 1 ? ys[0]! : ys;
  }

  override computeOutputShape(inputShape: SymbolicShape | SymbolicShape[], args?: CallArgs): SymbolicShape | SymbolicShape[] {
    if (this.graph === null) return super.computeOutputShape(inputShape, args);
    // Applied to symbolic tensors (a nested model): the inputs must fit, as they must with data.
    const shapes = isShapeList(inputShape) ? inputShape : [inputShape as SymbolicShape];
    const inputs = this.graph.inputs;
    if (shapes.length !== inputs.length) {
      throw new Error(`${this.name}: the model has ${inputs.length} inputs (${this.inputNames.map((s) => `'${s}'`).join(', ')}), got ${shapes.length}`);
    }
    shapes.forEach((shape, i) => {
      if (fitInputShape(inputs[i]!.shape, shape) === null) {
        const label = inputs.length === 1 ? '' : ` '${this.inputNames[i]}'`;
        throw new Error(`${this.name}: input${label}: expected shape ${formatSymbolicShape([null, ...inputs[i]!.shape.slice(1)])}, got ${formatSymbolicShape(shape)}`);
      }
    });
    const out = this.graph.outputs.map((t) => t.shape);
    return out.length === 1 ? out[0]! : out;
  }

  // ---- the TrainableModel interface (src/trainers/trainer.ts) --------------------------------

  /** @internal A subclassed model's input shape(s) once built (batch axis null), else null. */
  get buildShape(): SymbolicShape | SymbolicShape[] | null {
    return this.subclassBuildShape;
  }

  /** @internal True for a subclassed model: its architecture is its code, not a graph. */
  get isSubclassed(): boolean {
    return this.graph === null && this.getClassName() !== 'Sequential';
  }

  /** @internal True when the outputs were given as an object keyed by name (compile may leave some out). */
  get outputsByName(): boolean {
    return this.outputStructure?.kind === 'dict';
  }

  /** @internal Whether the number of outputs is known (a subclassed model learns it at its first call). */
  get outputsKnown(): boolean {
    return this.outputStructure !== null || this.subclassOutputs !== null;
  }

  /**
   * Builds the model for inputs of `inputShape` (batch axis included; a list of shapes for several
   * inputs). A functional model is built already; a subclassed one runs its `call` once on zeros
   * (unknown sizes as 1), which builds its layers, as Keras does for a subclass without a `build`.
   *
   * @example
   * ```ts
   * myModel.build([null, 4]);
   * myModel.summary();
   * ```
   */
  override build(inputShape: SymbolicShape | SymbolicShape[]): void {
    if (this.graph !== null || this.built) return;
    super.build(inputShape); // marks it built first: the call below must not build again
    const shapes = isShapeList(inputShape) ? inputShape : [inputShape as SymbolicShape];
    const zeros = shapes.map((s) => {
      const dims = s.map((d, i) => (i === 0 ? 1 : d ?? 1)); // one sample is enough to build
      return new Tensor(new Float32Array(dims.reduce((a, b) => a * b, 1)), dims);
    });
    if (zeros.length > 1) this.subclassInputs = zeros.length;
    try {
      const y = noGrad(() => this.call(zeros.length === 1 ? zeros[0]! : zeros, { training: false })) as Tensor | Tensor[];
      this.subclassOutputs = Array.isArray(y) ? y.length : 1;
    } catch (e) {
      this.built = false;
      throw e;
    }
    this.subclassBuildShape = isShapeList(inputShape) ? inputShape.map((sh) => [null, ...sh.slice(1)]) : [null, ...(inputShape as SymbolicShape).slice(1)];
  }

  /** @internal Checks each input's shape against the model's declared input shapes. */
  checkInputs(xs: readonly Tensor[], who: string, what: string): void {
    if (this.graph === null) return;
    xs.forEach((x, i) => {
      const declared = this.graph!.inputs[i]!.shape;
      if (fitInputShape(declared, x.shape) === null) {
        const label = xs.length === 1 ? what : `${what} '${this.inputNames[i]}'`;
        throw new Error(`${who}: ${label}: expected input shape ${formatSymbolicShape([null, ...declared.slice(1)])}, got ${formatShape(x.shape)}`);
      }
    });
  }

  /** @internal Builds a subclassed model from a first batch (its layers build as its call runs). */
  ensureBuilt(xs: readonly Tensor[]): void {
    if (this.built) return;
    this.subclassInputs ??= xs.length;
    this.build(xs.length === 1 ? xs[0]!.shape : xs.map((x) => x.shape));
  }

  /** @internal The forward pass as the trainer calls it: one tensor per input, one per output. */
  forward(xs: readonly Tensor[], training: boolean): Tensor[] {
    if (this.graph === null) this.subclassInputs ??= xs.length;
    const y = this.apply(xs.length === 1 ? xs[0]! : (xs as Tensor[]), { training }) as Tensor | Tensor[];
    const ys = Array.isArray(y) ? y : [y];
    if (this.graph === null) {
      if (this.subclassOutputs !== null && ys.length !== this.subclassOutputs) {
        throw new Error(`${this.name}: call returned ${ys.length} outputs where it returned ${this.subclassOutputs} before`);
      }
      this.subclassOutputs = ys.length;
    }
    return ys;
  }

  /** @internal predict of zero samples: an empty tensor per output. */
  emptyOutputs(xs: readonly Tensor[]): Tensor[] {
    if (this.graph !== null) return this.graph.outputs.map((t) => new Tensor(new Float32Array(0), [0, ...t.shape.slice(1).map((d) => d ?? 0)]));
    return this.forward(xs, false);
  }

  /** @internal Reads x as this model takes it (one array, a list per input, or a dict keyed by input name). */
  standardizeInputs(x: ModelData, who: string, what: string): Tensor[] {
    if (this.graph === null && this.subclassInputs === null) {
      // A subclassed model learns from its first data whether it takes a list.
      const list = Array.isArray(x) && x.length > 0 && x.every((v) => v instanceof Tensor);
      if (isPlainObject(x)) throw new Error(`${who}: ${what}: a subclassed model takes one tensor or a list of tensors; an object keyed by name needs a functional model`);
      return standardizeData(x, list ? x.map((_, i) => `input_${i + 1}`) : ['input'], who, what) as Tensor[];
    }
    return standardizeData(x, this.inputNames, who, what) as Tensor[];
  }

  // ---- training (src/trainers) ----------------------------------------------------------------

  /**
   * Configures training: optimizer, loss and metrics. A model with several outputs takes a loss
   * per output (a list, or an object keyed by output name), `lossWeights`, and metrics as a list
   * for every output or per output (an object, or a list of lists).
   *
   * @example
   * ```ts
   * model.compile({ optimizer: 'adam', loss: 'categorical_crossentropy', metrics: ['accuracy'] });
   * twoHeads.compile({ optimizer: 'adam', loss: { price: 'mse', kind: 'categorical_crossentropy' }, lossWeights: { price: 0.5, kind: 1 } });
   * ```
   */
  compile(args: CompileArgs): void {
    this.trainer.compile(args);
  }

  /** The optimizer given to `compile`, or null. */
  get optimizer(): Optimizer | null {
    return this.trainer.optimizer;
  }

  /** The loss given to `compile` (the first output's, for several), or null. */
  get loss(): Loss | null {
    return this.trainer.compiled?.loss ?? null;
  }

  /** The losses per output (null for an output without one), or null before compile. */
  get outputLosses(): (Loss | null)[] | null {
    return this.trainer.compiled?.outputs.map((o) => o.loss) ?? null;
  }

  /** The weight of each output's loss, or null before compile. */
  get lossWeights(): number[] | null {
    return this.trainer.compiled?.outputs.map((o) => o.weight) ?? null;
  }

  /** @internal Per output, the loss, weight and metrics compile set up (for saving); null before compile. */
  trainingSetup(): { name: string; loss: Loss | null; weight: number; metrics: readonly Metric[] }[] | null {
    return this.trainer.compiled?.outputs.map((o) => ({ name: o.name, loss: o.loss, weight: o.weight, metrics: o.metrics })) ?? null;
  }

  /** Names of what `evaluate` returns: `['loss', ...]` (per-output losses, then metrics). */
  get metricsNames(): string[] {
    return this.trainer.compiled?.metricsNames ?? ['loss'];
  }

  /** The History of the latest `fit`. */
  get history(): History | null {
    return this.trainer.history;
  }

  /**
   * Trains for `epochs` epochs and resolves with the History. Takes arrays (`fit(x, y, args)`:
   * for several inputs or outputs a list or an object keyed by name), or a dataset
   * (`fit(dataset, args)`: any iterable or async iterable of `{ xs, ys }` batches). Between batches
   * it yields to the event loop, so a server or a page stays responsive.
   *
   * @example
   * ```ts
   * const history = await model.fit(x, y, { epochs: 5, batchSize: 32, validationSplit: 0.1, verbose: 1 });
   * history.history.loss;   // one number per epoch
   * await model.fit(batches, { epochs: 3, stepsPerEpoch: 100 });   // a dataset of { xs, ys }
   * ```
   */
  fit(dataset: Dataset, args?: FitArgs): Promise<History>;
  fit(x: ModelData, y: ModelData, args?: FitArgs): Promise<History>;
  fit(x: ModelData | Dataset, y?: ModelData | FitArgs, args: FitArgs = {}): Promise<History> {
    return this.trainer.fit(x, y, args);
  }

  /**
   * Loss and metrics on test data: a number when there are no metrics, else an array in
   * `metricsNames` order (or, with `returnDict`, an object). On a dataset, a Promise of the same.
   *
   * @example
   * ```ts
   * const [loss, acc] = model.evaluate(xTest, yTest, { verbose: 0 }) as number[];
   * const { accuracy } = model.evaluate(xTest, yTest, { returnDict: true });
   * const onData = await model.evaluate(testBatches);
   * ```
   */
  evaluate(dataset: Dataset, args: EvaluateArgs & { returnDict: true }): Promise<Logs>;
  evaluate(dataset: Dataset, args?: EvaluateArgs): Promise<number | number[]>;
  evaluate(x: ModelData, y: ModelData, args: EvaluateArgs & { returnDict: true }): Logs;
  evaluate(x: ModelData, y: ModelData, args?: EvaluateArgs & { returnDict?: false }): number | number[];
  evaluate(x: ModelData, y: ModelData, args?: EvaluateArgs): number | number[] | Logs;
  evaluate(x: ModelData | Dataset, y?: ModelData | EvaluateArgs, args: EvaluateArgs = {}): number | number[] | Logs | Promise<number | number[] | Logs> {
    return this.trainer.evaluate(x, y, args);
  }

  /**
   * Outputs for `x`, computed in batches with `training: false`: a Tensor for a model with one
   * output, a list for several. On a dataset, a Promise of the same.
   *
   * @example
   * ```ts
   * const probs = model.predict(xTest);   // [n, classes]
   * ```
   */
  predict(dataset: Dataset, args?: PredictArgs): Promise<Out>;
  predict(x: ModelData, args?: PredictArgs): Out;
  predict(x: ModelData | Dataset, args: PredictArgs = {}): Out | Promise<Out> {
    const result = this.trainer.predict(x, args);
    if (result instanceof Promise) return result.then((ys) => this.structureOutputs(ys) as Out);
    return this.structureOutputs(result) as Out;
  }

  /**
   * One gradient step on one batch; returns the loss (and metrics) for that batch.
   *
   * @example
   * ```ts
   * const loss = model.trainOnBatch(xBatch, yBatch);
   * ```
   */
  trainOnBatch(x: ModelData, y: ModelData, args: OnBatchArgs & { returnDict: true }): Logs;
  trainOnBatch(x: ModelData, y: ModelData, args?: OnBatchArgs & { returnDict?: false }): number | number[];
  trainOnBatch(x: ModelData, y: ModelData, args?: OnBatchArgs): number | number[] | Logs;
  trainOnBatch(x: ModelData, y: ModelData, args: OnBatchArgs = {}): number | number[] | Logs {
    return this.trainer.trainOnBatch(x, y, args);
  }

  /**
   * Loss (and metrics) on one batch, without training.
   *
   * @example
   * ```ts
   * const loss = model.testOnBatch(xBatch, yBatch);
   * ```
   */
  testOnBatch(x: ModelData, y: ModelData, args: Omit<OnBatchArgs, 'classWeight'> & { returnDict: true }): Logs;
  testOnBatch(x: ModelData, y: ModelData, args?: Omit<OnBatchArgs, 'classWeight'> & { returnDict?: false }): number | number[];
  testOnBatch(x: ModelData, y: ModelData, args?: Omit<OnBatchArgs, 'classWeight'>): number | number[] | Logs;
  testOnBatch(x: ModelData, y: ModelData, args: Omit<OnBatchArgs, 'classWeight'> = {}): number | number[] | Logs {
    return this.trainer.testOnBatch(x, y, args);
  }

  /**
   * Outputs for one batch (`training: false`).
   *
   * @example
   * ```ts
   * const out = model.predictOnBatch(xBatch);
   * ```
   */
  predictOnBatch(x: ModelData): Out {
    return this.structureOutputs(this.trainer.predictOnBatch(x)) as Out;
  }

  // ---- summary and config -----------------------------------------------------------------------

  /**
   * Prints Keras 3's summary table and returns its text: for a graph that branches, with the
   * 'Connected to' column. Called as `summary()`, with options, or TF.js-style
   * `summary(lineLength, positions, printFn)`.
   *
   * @example
   * ```ts
   * const text = model.summary({ printFn: () => {} });
   * ```
   */
  summary(options?: SummaryOptions | number, positions?: readonly number[], printFn?: (text: string) => void): string {
    const o: SummaryOptions = typeof options === 'number' ? { lineLength: options, positions, printFn } : options ?? {};
    const connected = this.graph !== null && !this.graph.isChain();
    const rows: SummaryRow[] = this.summaryLayers().map((layer) => ({
      layer,
      outputShape: this.summaryOutputShape(layer),
      ...(connected ? { connectedTo: this.connections(layer) } : {}),
    }));
    const count = (ws: Variable[]): number => ws.reduce((n, w) => n + w.size, 0);
    const optimizer = this.optimizer;
    const text = renderSummary(this.name, rows, {
      trainable: count(this.trainableWeights),
      nonTrainable: count(this.nonTrainableWeights),
      optimizer: optimizer !== null && optimizer.built ? optimizer.summaryParams() : null,
    }, o);
    (o.printFn ?? ((s: string) => console.log(s)))(text);
    return text;
  }

  /** The layers a summary lists (Sequential leaves out its input). */
  protected summaryLayers(): AnyLayer[] {
    return this.layers;
  }

  /** The output shape(s) a summary shows for a layer: those of its latest call; null when unknown. */
  protected summaryOutputShape(layer: AnyLayer): SymbolicShape | SymbolicShape[] | null {
    const node = layer.inboundNodes[layer.inboundNodes.length - 1];
    if (node === undefined) return null;
    const shapes = node.outputs.map((t) => t.shape);
    return node.outputIsList ? shapes : shapes[0]!;
  }

  /** The 'Connected to' cell: `producer[node][tensor]` for each input of each of the layer's calls in this model. */
  private connections(layer: AnyLayer): string {
    const parts: string[] = [];
    for (const node of this.graph!.nodesOf(layer)) {
      for (const t of node.inputs) parts.push(`${t.sourceLayer.name}[${t.nodeIndex}][${t.tensorIndex}]`);
    }
    return parts.length === 0 ? '-' : parts.join(', ');
  }

  /**
   * The model's configuration (TF.js camelCase): for a functional model its layers with the calls
   * that connect them (`inboundNodes`, `[layer, node, tensor, kwargs]` per input), and its input
   * and output layers; `Model.fromConfig` rebuilds it. A subclassed model's architecture is its
   * code: it lists no layers (a subclass adds its constructor arguments, as in Keras).
   */
  override getConfig(): ModelConfig {
    const config: ModelConfig = { name: this.name, trainable: this.trainable, layers: [] };
    if (this.graph === null) {
      // A subclassed model's architecture is its code: only its own arguments are config.
      delete (config as Partial<ModelConfig>).layers;
      return config;
    }
    const graph = this.graph;
    const ref = (t: SymbolicTensor): [string, number, number] => [t.sourceLayer.name, graph.nodeIndex(t.node), t.tensorIndex];
    config.layers = graph.layers.map((layer): ModelLayerConfig => ({
      name: layer.name,
      className: layer.getClassName(),
      config: layer.getConfig(),
      inboundNodes: graph.nodesOf(layer).filter((n) => n.inputs.length > 0).map((node) => {
        const main = node.mainInputs.map((t) => [...ref(t), { ...node.callArgs }]);
        const extra = node.argTensorPaths.map((p, k) => [...ref(node.inputs[main.length + k]!), { callArg: p.key, ...(p.index === null ? {} : { callArgIndex: p.index }) }]);
        return [...main, ...extra] as unknown[][];
      }),
      ...(graph.nodesOf(layer).some((n) => n.inputStructure === 'list') ? { inputIsList: true } : {}),
    }));
    const refs = (s: Structure): unknown => (s.kind === 'dict' ? Object.fromEntries(s.names.map((k, i) => [k, ref(s.tensors[i]!)])) : s.tensors.map(ref));
    config.inputLayers = refs(this.inputStructure!);
    config.outputLayers = refs(this.outputStructure!);
    return config;
  }

  // ---- saving (src/saving, src/models/io) ------------------------------------------------------

  /**
   * Saves the model; the format follows the name. `'x.keras'`: a Keras 3 zip (config.json,
   * metadata.json, model.weights.h5) that `keras.saving.load_model` reads; `'x.h5'`: the legacy
   * Keras HDF5 file; anything else: a directory in the TF.js layers-model format (`model.json`
   * and weight files), or any IOHandler. Files are written atomically: a failed save leaves the
   * previous one as it was. `includeOptimizer` also saves the optimizer state.
   *
   * @example
   * ```ts
   * await model.save('mnist.keras');
   * await model.save('models/mnist', { includeOptimizer: true });
   * const again = await tk.loadModel('mnist.keras');
   * ```
   */
  async save(destination: string | IOHandler, options: SaveOptions = {}): Promise<SaveResult> {
    // The file formats load on first use (import()), so a bundle that never saves or loads a
    // Keras file keeps HDF5, zip and deflate out of its first script.
    const { saveModelTo } = await import('../saving/save.js');
    return saveModelTo(this, destination, options);
  }

  /**
   * The saved form in memory (TF.js's ModelArtifacts), for browsers: `tk.loadModel(artifacts)`
   * reads it back; TF.js reads it with `tf.loadLayersModel(tf.io.fromMemory(artifacts))`.
   *
   * @example
   * ```ts
   * const copy = await tk.loadModel(model.toArtifacts());
   * ```
   */
  toArtifacts(options: SaveOptions = {}): ModelArtifacts {
    return modelToArtifacts(this, options);
  }

  /**
   * Saves the weights alone: `'x.weights.h5'` in Keras 3's layout (Keras's `load_weights` reads
   * it), another `'.h5'` name in tf.keras 2's weights-only layout, else `weights_manifest.json`
   * and weight files in a directory, or artifacts without a topology to an IOHandler.
   *
   * @example
   * ```ts
   * await model.saveWeights('best.weights.h5');
   * await model.saveWeights('checkpoints/best');
   * ```
   */
  async saveWeights(destination: string | IOHandler): Promise<SaveResult> {
    const { saveWeightsTo } = await import('../saving/save.js');
    return saveWeightsTo(this, destination);
  }

  /**
   * Loads weights into this built model: a Keras 3 `.weights.h5` (or a `.keras` file's weights)
   * by Keras's paths, a legacy `.h5` by position among the layers with weights (as Keras), or
   * what `saveWeights` / `save` wrote in the TF.js format (by name, else by layer order). Every
   * count and shape is checked before anything changes.
   *
   * @example
   * ```ts
   * await model.loadWeights('model.weights.h5');
   * await model.loadWeights('checkpoints/best');
   * ```
   */
  async loadWeights(source: ModelSource | Uint8Array | ArrayBuffer, options: LoadOptions = {}): Promise<void> {
    const { loadWeightsFrom } = await import('../saving/load_weights.js');
    return loadWeightsFrom(this, source, options);
  }
}

/** One layer of a model's config: its class, its config, and (functional models) its name and calls. */
export interface ModelLayerConfig {
  /** The layer's name (functional models). */
  name?: string;
  /** The layer's Keras class name (`'Dense'`). */
  className: string;
  /** The layer's `getConfig()`. */
  config: Record<string, unknown>;
  /** Functional models: each call, as `[layer, nodeIndex, tensorIndex, callArgs]` per input tensor. */
  inboundNodes?: unknown[][][];
  /** Set when the layer was called on a list of tensors (a merge layer). */
  inputIsList?: boolean;
}

/** A model's `getConfig()`: its name and layers, and for a functional model how they connect. */
export interface ModelConfig extends LayerConfig {
  /** The model's name. */
  name: string;
  /** The layers (absent for a subclassed model, whose architecture is code; its type says present for the graph models it describes). */
  layers: ModelLayerConfig[];
  /** Functional models: `[layer, node, tensor]` of each input (an object for inputs given by name). */
  inputLayers?: unknown;
  /** Functional models: `[layer, node, tensor]` of each output. */
  outputLayers?: unknown;
}


/**
 * Keras's per-input rule: an extra trailing axis of size 1 is squeezed, and one missing axis is
 * added when the declared last size is 1; then every size but the batch's must match (unknown
 * sizes match anything). The fitted shape, or null when it does not fit.
 */
export function fitInputShape(declared: SymbolicShape, shape: SymbolicShape, adjust = true): SymbolicShape | null {
  let t = shape;
  if (adjust && t.length === declared.length + 1 && t[t.length - 1] === 1) t = t.slice(0, -1);
  else if (adjust && t.length === declared.length - 1 && declared[declared.length - 1] === 1) t = [...t, 1];
  const ok = t.length === declared.length && declared.every((d, j) => j === 0 || d === null || t[j] === null || d === t[j]);
  return ok ? t : null;
}

/** A short rendering of a value for model errors (the class name of an object). */
export function describe(v: unknown): string {
  if (v === null) return 'null';
  if (v === undefined) return 'undefined';
  if (typeof v === 'object') return (v as object).constructor?.name ?? 'an object';
  // Not String(v): that would print a whole class's source.
  if (typeof v === 'function') return `the function ${v.name || '(anonymous)'} (a class not instantiated? use new)`;
  return `${typeof v} ${String(v)}`;
}
