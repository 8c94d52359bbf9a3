// GRUCell and GRU (keras/src/layers/rnn/gru.py; keras-facts-2 §14.1–14.3). Weights: kernel
// [in, 3u], recurrent_kernel [u, 3u], and bias [2, 3u] (row 0 input bias, row 1 recurrent bias)
// with resetAfter (the Keras 3 default) or [3u] without; gate blocks z, r, h. With resetAfter the
// sequence runs through the fused primitive of src/ops/gru.ts; without it (TF.js's only form), and
// with recurrent dropout, step by step as recorded ops.

import { uniqueName } from '../../naming.js';
import * as ops from '../../ops/index.js';
import { Tensor, type Variable } from '../../tensor/tensor.js';
import { formatSymbolicShape, isShapeList, type CallArgs, type LayerConfig, type SymbolicShape } from '../layer.js';
import { LAYER_ARG_KEYS, boolean, checkOptions, layerWho } from '../options.js';
import { regularizerOrNull, serializeRegularizer, type RegularizerIdentifier } from '../regularizers.js';
import { RNNCell, unitsArg, type SequenceContext, type SequenceResult } from './cell.js';
import { projectSequence, stepInputs } from './lstm.js';
import { CELL_ONLY_KEYS, GATED_KEYS, cellConfig, resolveCell, splitOptions, type GatedCellOptions, type ResolvedCell } from './options.js';
import { RNN, RNN_KEYS, cellNameFor, type RNNOptions } from './rnn.js';

/** Options of {@link GRUCell}. */
export interface GRUCellOptions extends GatedCellOptions {
  /** Apply the reset gate after the recurrent product (default true, Keras 3; TF.js has only false). */
  resetAfter?: boolean;
}

const GRU_CELL_KEYS = [...GATED_KEYS, 'resetAfter'] as const;

/**
 * One GRU step (Keras 3's GRUCell): `cell.apply([x, h])` → `[h', h']`, with
 * `h' = z⊙h + (1 − z)⊙ĥ`. Run it over a sequence with `tk.layers.RNN(cell)`.
 *
 * @example
 * ```ts
 * const cell = new tk.layers.GRUCell(4);
 * const [out, h] = cell.apply([tk.ones([2, 3]), tk.zeros([2, 4])]);
 * cell.weights.map((w) => w.shape);   // [[3, 12], [4, 12], [2, 12]]
 * ```
 */
export class GRUCell extends RNNCell {
  static override readonly className: string = 'GRUCell';

  /**
   * Builds the cell from its `getConfig()` (units is positional).
   *
   * @example
   * ```ts
   * const copy = tk.layers.GRUCell.fromConfig(cell.getConfig());
   * ```
   */
  static override fromConfig(config: LayerConfig): GRUCell {
    const { units, ...options } = config;
    return new GRUCell(units as number, options as GRUCellOptions);
  }

  readonly units: number;
  readonly resetAfter: boolean;
  /** @internal The resolved options. */
  readonly opts: ResolvedCell;
  kernel: Variable | null = null;
  recurrentKernel: Variable | null = null;
  bias: Variable | null = null;

  constructor(units: number, options: GRUCellOptions = {}) {
    const who = layerWho('GRUCell', options);
    checkOptions(who, options, [...LAYER_ARG_KEYS, ...GRU_CELL_KEYS, ...CELL_ONLY_KEYS]);
    const u = unitsArg(who, units);
    const opts = resolveCell(who, options);
    const resetAfter = boolean(who, 'resetAfter', options.resetAfter ?? true);
    super(options);
    this.units = u;
    this.opts = opts;
    this.resetAfter = resetAfter;
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
    this.kernel = this.addWeight('kernel', [F, 3 * u], o.kernelInitializer, { regularizer: o.kernelRegularizer });
    this.recurrentKernel = this.addWeight('recurrent_kernel', [u, 3 * u], o.recurrentInitializer, { regularizer: o.recurrentRegularizer });
    if (o.useBias) this.bias = this.addWeight('bias', this.resetAfter ? [2, 3 * u] : [3 * u], o.biasInitializer, { regularizer: o.biasRegularizer });
    super.build(inputShape);
  }

  protected override dropoutRateOf(which: 'input' | 'recurrent'): number {
    return which === 'input' ? this.opts.dropout : this.opts.recurrentDropout;
  }

  protected override maskCount(): number {
    return this.opts.implementation === 1 ? 3 : 1;
  }

  /** The input bias b⁰ [3u] and the recurrent bias b¹ [3u] (null when absent). */
  private biases(): [Tensor | null, Tensor | null] {
    const b = this.bias;
    if (b === null) return [null, null];
    if (!this.resetAfter) return [b, null];
    const n = 3 * this.units;
    return [ops.reshape(ops.slice(b, [0, 0], [1, n]), [n]), ops.reshape(ops.slice(b, [1, 0], [1, n]), [n])];
  }

  /** One step as recorded ops, gate by gate (per-gate dropout masks with implementation 1). */
  call(inputs: Tensor | Tensor[], args: CallArgs): Tensor[] {
    const [x, h] = stepInputs(this.name, inputs, 1, this.units);
    const u = this.units;
    const dm = this.inputMasks(x, args);
    const rm = this.recurrentMasks(h, args);
    const W = this.kernel!, U = this.recurrentKernel!;
    const [b0, b1] = this.biases();
    const block = (t: Tensor, k: number): Tensor => (t.rank === 1 ? ops.slice(t, [k * u], [u]) : ops.slice(t, [0, k * u], [t.shape[0]!, u]));
    const xk = (k: number): Tensor => {
      let v = ops.matmul(dm === null ? x : ops.mul(x, dm[dm.length === 1 ? 0 : k]!), block(W, k));
      if (b0 !== null) v = ops.add(v, block(b0, k));
      return v;
    };
    const hk = (k: number): Tensor => (rm === null ? h : ops.mul(h, rm[rm.length === 1 ? 0 : k]!));
    const rk = (k: number, hh: Tensor): Tensor => {
      let v = ops.matmul(hh, block(U, k));
      if (b1 !== null) v = ops.add(v, block(b1, k));
      return v;
    };
    const ra = this.opts.recurrentActivation, act = this.opts.activation;
    const z = ra.apply(ops.add(xk(0), rk(0, hk(0))));
    const r = ra.apply(ops.add(xk(1), rk(1, hk(1))));
    const cand = this.resetAfter ? ops.add(xk(2), ops.mul(r, rk(2, hk(2)))) : ops.add(xk(2), rk(2, ops.mul(r, hk(2))));
    const hh = act.apply(cand);
    const hN = ops.add(hh, ops.mul(z, ops.sub(h, hh)));
    return [hN, hN];
  }

  override sequence(x: Tensor, states: readonly Tensor[], ctx: SequenceContext): SequenceResult | null {
    if (!this.resetAfter || this.hasRecurrentMasks() || this.hasPerGateInputMasks()) return null;
    const [T, B] = [x.shape[1]!, x.shape[0]!];
    const u = this.units;
    const [b0, b1] = this.biases();
    const xW = projectSequence(x, this.kernel!, b0, this.sequenceInputMask());
    const Y = ops.gruSequence(xW, this.recurrentKernel!, b1 ?? new Tensor(new Float32Array(3 * u), [3 * u]), states[0]!, {
      activation: this.opts.activation, recurrentActivation: this.opts.recurrentActivation, goBackwards: ctx.goBackwards, mask: ctx.mask,
    });
    return { outputs: ops.slice(Y, [0, 0, 0], [T, B, u]), states: [ops.reshape(ops.slice(Y, [T, 0, 0], [1, B, u]), [B, u])] };
  }

  override computeOutputShape(shapes: SymbolicShape | SymbolicShape[]): SymbolicShape[] {
    const B = (isShapeList(shapes) ? shapes[0]! : shapes)[0] ?? null;
    return [[B, this.units], [B, this.units]];
  }

  override getConfig(): LayerConfig {
    return { ...super.getConfig(), units: this.units, ...cellConfig(this.opts, true), resetAfter: this.resetAfter };
  }
}

/** Options of {@link GRU}: the cell's and the RNN wrapper's. */
export interface GRUOptions extends GRUCellOptions, RNNOptions {
  /** Penalty on the layer's output. */
  activityRegularizer?: RegularizerIdentifier | null;
}

/**
 * Gated recurrent unit (Keras 3's GRU): `new tk.layers.GRU(units, options)` on
 * [batch, steps, features]. Keras 3 defaults (resetAfter true, sigmoid gates); weights kernel
 * [F, 3u], recurrent_kernel [u, 3u], bias [2, 3u] (or [3u] with resetAfter false), gates z, r, h.
 *
 * @example
 * ```ts
 * const gru = new tk.layers.GRU(8, { goBackwards: true });
 * gru.apply(tk.ones([2, 10, 3])).shape;   // [2, 8]
 * new tk.layers.GRU(3, { resetAfter: false }).apply(tk.ones([1, 2, 4])).shape;   // [1, 3] (TF.js's form)
 * ```
 */
export class GRU extends RNN {
  static override readonly className: string = 'GRU';

  /**
   * Builds the layer from its `getConfig()` (units is positional).
   *
   * @example
   * ```ts
   * const copy = tk.layers.GRU.fromConfig(gru.getConfig());
   * ```
   */
  static override fromConfig(config: LayerConfig): GRU {
    const { units, ...options } = config;
    return new GRU(units as number, options as GRUOptions);
  }

  declare readonly cell: GRUCell;

  constructor(units: number, options: GRUOptions = {}) {
    const who = layerWho('GRU', options);
    unitsArg(who, units);
    checkOptions(who, options, [...LAYER_ARG_KEYS, ...RNN_KEYS, ...GRU_CELL_KEYS, 'activityRegularizer']);
    const { cell, layer } = splitOptions(options, GRU_CELL_KEYS);
    const name = options.name ?? uniqueName('gru');
    const activity = regularizerOrNull(options.activityRegularizer, `${who} activityRegularizer`);
    const { activityRegularizer: _a, ...rest } = layer;
    super(new GRUCell(units, { ...cell, name: cellNameFor(name) }), { ...rest, name } as RNNOptions, []);
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
