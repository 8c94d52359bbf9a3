// SimpleRNNCell and SimpleRNN (keras/src/layers/rnn/simple_rnn.py; keras-facts-2 §14.1–14.3):
// h' = act(x·W + b + h·U). Weights: kernel [in, u], recurrent_kernel [u, u], bias [u]. The sequence
// runs through the fused primitive of src/ops/simple_rnn.ts; a step (and recurrent dropout) as ops.

import { uniqueName } from '../../naming.js';
import * as ops from '../../ops/index.js';
import type { Tensor, Variable } from '../../tensor/tensor.js';
import { formatSymbolicShape, isShapeList, type CallArgs, type LayerConfig, type SymbolicShape } from '../layer.js';
import { LAYER_ARG_KEYS, checkOptions, layerWho } from '../options.js';
import { regularizerOrNull, serializeRegularizer, type RegularizerIdentifier } from '../regularizers.js';
import { RNNCell, unitsArg, type SequenceContext, type SequenceResult } from './cell.js';
import { projectSequence, stepInputs } from './lstm.js';
import { CELL_KEYS, CELL_ONLY_KEYS, cellConfig, resolveCell, splitOptions, type CellOptions, type ResolvedCell } from './options.js';
import { RNN, RNN_KEYS, cellNameFor, type RNNOptions } from './rnn.js';

/** Options of {@link SimpleRNNCell}. */
export type SimpleRNNCellOptions = CellOptions;

/**
 * One step of a fully connected recurrent network (Keras 3's SimpleRNNCell):
 * `cell.apply([x, h])` → `[h', h']` with `h' = act(x·W + b + h·U)`.
 *
 * @example
 * ```ts
 * const cell = new tk.layers.SimpleRNNCell(4);
 * const [out, h] = cell.apply([tk.ones([2, 3]), tk.zeros([2, 4])]);
 * ```
 */
export class SimpleRNNCell extends RNNCell {
  static override readonly className: string = 'SimpleRNNCell';

  /**
   * Builds the cell from its `getConfig()` (units is positional).
   *
   * @example
   * ```ts
   * const copy = tk.layers.SimpleRNNCell.fromConfig(cell.getConfig());
   * ```
   */
  static override fromConfig(config: LayerConfig): SimpleRNNCell {
    const { units, ...options } = config;
    return new SimpleRNNCell(units as number, options as SimpleRNNCellOptions);
  }

  readonly units: number;
  /** @internal The resolved options. */
  readonly opts: ResolvedCell;
  kernel: Variable | null = null;
  recurrentKernel: Variable | null = null;
  bias: Variable | null = null;

  constructor(units: number, options: SimpleRNNCellOptions = {}) {
    const who = layerWho('SimpleRNNCell', options);
    checkOptions(who, options, [...LAYER_ARG_KEYS, ...CELL_KEYS, ...CELL_ONLY_KEYS]);
    const u = unitsArg(who, units);
    const opts = resolveCell(who, options);
    super(options);
    this.units = u;
    this.opts = opts;
    this.seedMasks(opts.seed);
  }

  get stateSize(): number[] {
    return [this.units];
  }

  get outputSize(): number {
    return this.units;
  }

  override build(shapes: SymbolicShape | SymbolicShape[]): void {
    const inputShape = isShapeList(shapes) ? shapes[0]! : shapes;
    const F = inputShape[inputShape.length - 1];
    if (F === null || F === undefined) throw new Error(`${this.name}: the number of input features must be known, got ${formatSymbolicShape(inputShape)}`);
    const u = this.units;
    const o = this.opts;
    this.kernel = this.addWeight('kernel', [F, u], o.kernelInitializer, { regularizer: o.kernelRegularizer });
    this.recurrentKernel = this.addWeight('recurrent_kernel', [u, u], o.recurrentInitializer, { regularizer: o.recurrentRegularizer });
    if (o.useBias) this.bias = this.addWeight('bias', [u], o.biasInitializer, { regularizer: o.biasRegularizer });
    super.build(inputShape);
  }

  protected override dropoutRateOf(which: 'input' | 'recurrent'): number {
    return which === 'input' ? this.opts.dropout : this.opts.recurrentDropout;
  }

  /** One step as recorded ops. */
  call(inputs: Tensor | Tensor[], args: CallArgs): Tensor[] {
    const [x, h] = stepInputs(this.name, inputs, 1, this.units);
    const dm = this.inputMasks(x, args);
    const rm = this.recurrentMasks(h, args);
    let z = ops.matmul(dm === null ? x : ops.mul(x, dm[0]!), this.kernel!);
    if (this.bias !== null) z = ops.add(z, this.bias);
    z = ops.add(z, ops.matmul(rm === null ? h : ops.mul(h, rm[0]!), this.recurrentKernel!));
    const hN = this.opts.activation.apply(z);
    return [hN, hN];
  }

  override sequence(x: Tensor, states: readonly Tensor[], ctx: SequenceContext): SequenceResult | null {
    if (this.hasRecurrentMasks()) return null;
    const [T, B] = [x.shape[1]!, x.shape[0]!];
    const u = this.units;
    const xW = projectSequence(x, this.kernel!, this.bias, this.sequenceInputMask());
    const Y = ops.simpleRnnSequence(xW, this.recurrentKernel!, states[0]!, { activation: this.opts.activation, goBackwards: ctx.goBackwards, mask: ctx.mask });
    return { outputs: ops.slice(Y, [0, 0, 0], [T, B, u]), states: [ops.reshape(ops.slice(Y, [T, 0, 0], [1, B, u]), [B, u])] };
  }

  override computeOutputShape(shapes: SymbolicShape | SymbolicShape[]): SymbolicShape[] {
    const B = (isShapeList(shapes) ? shapes[0]! : shapes)[0] ?? null;
    return [[B, this.units], [B, this.units]];
  }

  override getConfig(): LayerConfig {
    return { ...super.getConfig(), units: this.units, ...cellConfig(this.opts, false) };
  }
}

/** Options of {@link SimpleRNN}: the cell's and the RNN wrapper's. */
export interface SimpleRNNOptions extends SimpleRNNCellOptions, RNNOptions {
  /** Penalty on the layer's output. */
  activityRegularizer?: RegularizerIdentifier | null;
}

/**
 * A fully connected recurrent layer (Keras 3's SimpleRNN) on [batch, steps, features]; weights
 * kernel [F, u], recurrent_kernel [u, u], bias [u].
 *
 * @example
 * ```ts
 * const rnn = new tk.layers.SimpleRNN(4, { returnSequences: true });
 * rnn.apply(tk.ones([2, 6, 3])).shape;   // [2, 6, 4]
 * ```
 */
export class SimpleRNN extends RNN {
  static override readonly className: string = 'SimpleRNN';

  /**
   * Builds the layer from its `getConfig()` (units is positional).
   *
   * @example
   * ```ts
   * const copy = tk.layers.SimpleRNN.fromConfig(rnn.getConfig());
   * ```
   */
  static override fromConfig(config: LayerConfig): SimpleRNN {
    const { units, ...options } = config;
    return new SimpleRNN(units as number, options as SimpleRNNOptions);
  }

  declare readonly cell: SimpleRNNCell;

  constructor(units: number, options: SimpleRNNOptions = {}) {
    const who = layerWho('SimpleRNN', options);
    unitsArg(who, units);
    checkOptions(who, options, [...LAYER_ARG_KEYS, ...RNN_KEYS, ...CELL_KEYS, 'activityRegularizer']);
    const { cell, layer } = splitOptions(options, CELL_KEYS);
    const name = options.name ?? uniqueName('simple_rnn');
    const activity = regularizerOrNull(options.activityRegularizer, `${who} activityRegularizer`);
    const { activityRegularizer: _a, ...rest } = layer;
    super(new SimpleRNNCell(units, { ...cell, name: cellNameFor(name) }), { ...rest, name } as RNNOptions, []);
    this.activityRegularizer = activity;
  }

  /** The number of units. */
  get units(): number {
    return this.cell.units;
  }

  override getConfig(): LayerConfig {
    const { name: _n, trainable: _t, dtype: _d, ...cell } = this.cell.getConfig();
    return { ...this.rnnConfig(), ...cell, activityRegularizer: serializeRegularizer(this.activityRegularizer) };
  }
}
