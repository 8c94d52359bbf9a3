// LSTMCell and LSTM (keras/src/layers/rnn/lstm.py; keras-facts-2 §14.1–14.3). Weights: kernel
// [in, 4u], recurrent_kernel [u, 4u], bias [4u], gate blocks i, f, c, o. The sequence runs
// through the fused primitive of src/ops/lstm.ts; a single step (and recurrent dropout) as ops.

import { uniqueName } from '../../naming.js';
import * as ops from '../../ops/index.js';
import { Tensor, type Variable } from '../../tensor/tensor.js';
import type { InitializerIdentifier } from '../initializers.js';
import { formatSymbolicShape, isShapeList, type CallArgs, type LayerConfig, type SymbolicShape } from '../layer.js';
import { LAYER_ARG_KEYS, boolean, checkOptions, layerWho } from '../options.js';
import { regularizerOrNull, serializeRegularizer, type RegularizerIdentifier } from '../regularizers.js';
import { RNNCell, unitsArg, type SequenceContext, type SequenceResult } from './cell.js';
import { CELL_ONLY_KEYS, GATED_KEYS, cellConfig, resolveCell, splitOptions, type GatedCellOptions, type ResolvedCell } from './options.js';
import { RNN, RNN_KEYS, cellNameFor, type RNNOptions } from './rnn.js';

/** Options of {@link LSTMCell}. */
export interface LSTMCellOptions extends GatedCellOptions {
  /** Start the forget gate's bias at 1 (default true, Keras 3; TF.js leaves it at the initializer's value). */
  unitForgetBias?: boolean;
}

const LSTM_CELL_KEYS = [...GATED_KEYS, 'unitForgetBias'] as const;

/** The time-major input projection x·W + b of a whole sequence (one GEMM): [B, T, F] → [T, B, k]. */
export function projectSequence(x: Tensor, kernel: Tensor, bias: Tensor | null, inputMask: Tensor | null): Tensor {
  const [B, T, F] = x.shape as [number, number, number];
  let xs = inputMask === null ? x : ops.mul(x, ops.reshape(inputMask, [B, 1, F]));
  xs = ops.reshape(ops.transpose(xs, [1, 0, 2]), [T * B, F]);
  let p = ops.matmul(xs, kernel);
  if (bias !== null) p = ops.add(p, bias);
  return ops.reshape(p, [T, B, kernel.shape[1]!]);
}

/**
 * One LSTM step (Keras 3's LSTMCell): `cell.apply([x, h, c])` → `[h', h', c']`. Run it over a
 * sequence with `tk.layers.RNN(cell)`; `tk.layers.LSTM` is that, with the options in one place.
 *
 * @example
 * ```ts
 * const cell = new tk.layers.LSTMCell(4);
 * const [out, h, c] = cell.apply([tk.ones([2, 3]), tk.zeros([2, 4]), tk.zeros([2, 4])]);
 * cell.weights.map((w) => w.shape);   // [[3, 16], [4, 16], [16]]
 * ```
 */
export class LSTMCell extends RNNCell {
  static override readonly className: string = 'LSTMCell';

  /**
   * Builds the cell from its `getConfig()` (units is positional).
   *
   * @example
   * ```ts
   * const copy = tk.layers.LSTMCell.fromConfig(cell.getConfig());
   * ```
   */
  static override fromConfig(config: LayerConfig): LSTMCell {
    const { units, ...options } = config;
    return new LSTMCell(units as number, options as LSTMCellOptions);
  }

  readonly units: number;
  readonly unitForgetBias: boolean;
  /** @internal The resolved options. */
  readonly opts: ResolvedCell;
  kernel: Variable | null = null;
  recurrentKernel: Variable | null = null;
  bias: Variable | null = null;

  constructor(units: number, options: LSTMCellOptions = {}) {
    const who = layerWho('LSTMCell', options);
    checkOptions(who, options, [...LAYER_ARG_KEYS, ...LSTM_CELL_KEYS, ...CELL_ONLY_KEYS]);
    const u = unitsArg(who, units);
    const opts = resolveCell(who, options);
    const unitForgetBias = boolean(who, 'unitForgetBias', options.unitForgetBias ?? true);
    super(options);
    this.units = u;
    this.opts = opts;
    this.unitForgetBias = unitForgetBias;
    this.seedMasks(opts.seed);
  }

  get stateSize(): number[] {
    return [this.units, this.units];
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
    this.kernel = this.addWeight('kernel', [F, 4 * u], o.kernelInitializer, { regularizer: o.kernelRegularizer });
    this.recurrentKernel = this.addWeight('recurrent_kernel', [u, 4 * u], o.recurrentInitializer, { regularizer: o.recurrentRegularizer });
    if (o.useBias) {
      // unitForgetBias: [init(u), ones(u), init(2u)], the forget block SET to 1 (keras-facts-2 §14.2).
      const init: InitializerIdentifier = this.unitForgetBias
        ? () => ops.concat([o.biasInitializer.apply([u]), new Tensor(new Float32Array(u).fill(1), [u]), o.biasInitializer.apply([2 * u])], 0)
        : o.biasInitializer;
      this.bias = this.addWeight('bias', [4 * u], init, { regularizer: o.biasRegularizer });
    }
    super.build(inputShape);
  }

  protected override dropoutRateOf(which: 'input' | 'recurrent'): number {
    return which === 'input' ? this.opts.dropout : this.opts.recurrentDropout;
  }

  protected override maskCount(): number {
    return this.opts.implementation === 1 ? 4 : 1;
  }

  /** One step as recorded ops (Keras's implementation 1 when there are per-gate masks, else 2). */
  call(inputs: Tensor | Tensor[], args: CallArgs): Tensor[] {
    const [x, h, c] = stepInputs(this.name, inputs, 2, this.units);
    const u = this.units;
    const dm = this.inputMasks(x, args);
    const rm = this.recurrentMasks(h, args);
    const W = this.kernel!, U = this.recurrentKernel!;
    let z: Tensor[];
    if (dm === null || dm.length === 1) {
      if (rm === null) {
        let zz = ops.add(ops.matmul(dm === null ? x : ops.mul(x, dm[0]!), W), ops.matmul(h, U));
        if (this.bias !== null) zz = ops.add(zz, this.bias);
        z = [0, 1, 2, 3].map((k) => ops.slice(zz, [0, k * u], [x.shape[0]!, u]));
        return this.finish(z, c);
      }
    }
    // Per-gate masks: z_k = (x⊙dm_k)·W_k + b_k + (h⊙rm_k)·U_k.
    z = [0, 1, 2, 3].map((k) => {
      const Wk = ops.slice(W, [0, k * u], [W.shape[0]!, u]);
      const Uk = ops.slice(U, [0, k * u], [u, u]);
      let zk = ops.add(ops.matmul(dm === null ? x : ops.mul(x, dm[dm.length === 1 ? 0 : k]!), Wk), ops.matmul(rm === null ? h : ops.mul(h, rm[rm.length === 1 ? 0 : k]!), Uk));
      if (this.bias !== null) zk = ops.add(zk, ops.slice(this.bias, [k * u], [u]));
      return zk;
    });
    return this.finish(z, c);
  }

  private finish(z: Tensor[], c: Tensor): Tensor[] {
    const ra = this.opts.recurrentActivation, act = this.opts.activation;
    const i = ra.apply(z[0]!), f = ra.apply(z[1]!), g = act.apply(z[2]!), o = ra.apply(z[3]!);
    const cN = ops.add(ops.mul(f, c), ops.mul(i, g));
    const hN = ops.mul(o, act.apply(cN));
    return [hN, hN, cN];
  }

  override sequence(x: Tensor, states: readonly Tensor[], ctx: SequenceContext): SequenceResult | null {
    if (this.hasRecurrentMasks() || this.hasPerGateInputMasks()) return null;
    const [T, B] = [x.shape[1]!, x.shape[0]!];
    const xW = projectSequence(x, this.kernel!, this.bias, this.sequenceInputMask());
    const Y = ops.lstmSequence(xW, this.recurrentKernel!, states[0]!, states[1]!, {
      activation: this.opts.activation, recurrentActivation: this.opts.recurrentActivation, goBackwards: ctx.goBackwards, mask: ctx.mask,
    });
    const u = this.units;
    return {
      outputs: ops.slice(Y, [0, 0, 0], [T, B, u]),
      states: [ops.reshape(ops.slice(Y, [T, 0, 0], [1, B, u]), [B, u]), ops.reshape(ops.slice(Y, [T + 1, 0, 0], [1, B, u]), [B, u])],
    };
  }

  override computeOutputShape(shapes: SymbolicShape | SymbolicShape[]): SymbolicShape[] {
    const B = (isShapeList(shapes) ? shapes[0]! : shapes)[0] ?? null;
    return [[B, this.units], [B, this.units], [B, this.units]];
  }

  override getConfig(): LayerConfig {
    return { ...super.getConfig(), units: this.units, ...cellConfig(this.opts, true), unitForgetBias: this.unitForgetBias };
  }
}

/** A cell's step inputs `[x, ...states]`, checked: x [B, F] and each state [B, units]. */
export function stepInputs(who: string, inputs: Tensor | Tensor[], nStates: number, units: number): Tensor[] {
  const list = Array.isArray(inputs) ? inputs : [inputs];
  if (list.length !== nStates + 1) throw new Error(`${who}: a cell step takes [x, ${nStates === 1 ? 'h' : 'h, c'}] (${nStates + 1} tensors), got ${list.length}`);
  const [x, ...states] = list as [Tensor, ...Tensor[]];
  if (x.rank !== 2) throw new Error(`${who}: a step's input must be [batch, features], got shape [${x.shape.join(', ')}]`);
  states.forEach((s, i) => {
    if (s.rank !== 2 || s.shape[0] !== x.shape[0] || s.shape[1] !== units) throw new Error(`${who}: state ${i} must have shape [${x.shape[0]}, ${units}], got [${s.shape.join(', ')}]`);
  });
  return list;
}

/** Options of {@link LSTM}: the cell's and the RNN wrapper's. */
export interface LSTMOptions extends LSTMCellOptions, RNNOptions {
  /** Penalty on the layer's output. */
  activityRegularizer?: RegularizerIdentifier | null;
}

/**
 * Long short-term memory (Keras 3's LSTM): `new tk.layers.LSTM(units, options)` on
 * [batch, steps, features]. Keras 3 defaults: tanh, sigmoid gates, unitForgetBias, glorot_uniform
 * kernel, orthogonal recurrent kernel. Weights (Keras order and shapes, so setWeights takes
 * Keras's arrays): kernel [F, 4u], recurrent_kernel [u, 4u], bias [4u], gates i, f, c, o.
 *
 * @example
 * ```ts
 * const lstm = new tk.layers.LSTM(8, { returnSequences: true });
 * lstm.apply(tk.ones([2, 10, 3])).shape;   // [2, 10, 8]
 * const [out, h, c] = new tk.layers.LSTM(4, { returnState: true }).apply(tk.ones([2, 10, 3])) as tk.Tensor[];
 * ```
 */
export class LSTM extends RNN {
  static override readonly className: string = 'LSTM';

  /**
   * Builds the layer from its `getConfig()` (units is positional).
   *
   * @example
   * ```ts
   * const copy = tk.layers.LSTM.fromConfig(lstm.getConfig());
   * ```
   */
  static override fromConfig(config: LayerConfig): LSTM {
    const { units, ...options } = config;
    return new LSTM(units as number, options as LSTMOptions);
  }

  declare readonly cell: LSTMCell;

  constructor(units: number, options: LSTMOptions = {}) {
    const who = layerWho('LSTM', options);
    unitsArg(who, units);
    checkOptions(who, options, [...LAYER_ARG_KEYS, ...RNN_KEYS, ...LSTM_CELL_KEYS, 'activityRegularizer']);
    const { cell, layer } = splitOptions(options, LSTM_CELL_KEYS);
    const name = options.name ?? uniqueName('lstm');
    const activity = regularizerOrNull(options.activityRegularizer, `${who} activityRegularizer`);
    const { activityRegularizer: _a, ...rest } = layer;
    super(new LSTMCell(units, { ...cell, name: cellNameFor(name) }), { ...rest, name } as RNNOptions, []);
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
