// RNN: a cell run over the time axis (keras/src/layers/rnn/rnn.py; semantics in keras-facts-2
// §14.4). Input [B, T, F]; the cell sees [B, F] a step. The built-in cells run the whole
// sequence through a fused primitive (their `sequence`); any other cell, or a built-in one with
// recurrent dropout, runs step by step as recorded ops, with the same semantics:
// - masked steps keep every state and repeat the previous output (0 before any unmasked step);
//   `zeroOutputForMask` gives zeros instead (what Bidirectional asks of its sub-layers);
// - `goBackwards` processes the last step first and returns the sequence in processing order;
// - `returnState` returns `[output, ...finalStates]` (stacked cells: every cell's states, flat);
// - `stateful` keeps the final states of a call as the next call's initial states (not weights,
//   not saved), and needs a fixed batch size; `resetStates()` zeros them.

import * as ops from '../../ops/index.js';
import { Tensor } from '../../tensor/tensor.js';
import { formatShape } from '../../tensor/shape.js';
import { deserializeLayer } from '../registry.js';
import { Layer, formatSymbolicShape, type CallArgs, type LayerArgs, type LayerConfig, type Mask, type SymbolicShape } from '../layer.js';
import { LAYER_ARG_KEYS, boolean, checkOptions, describe, layerWho } from '../options.js';
import { isCell, type RNNCell } from './cell.js';
import { StackedRNNCells } from './stacked.js';

/** Options of {@link RNN} (and of SimpleRNN, LSTM, GRU). */
export interface RNNOptions extends LayerArgs {
  /** Return the output of every step [B, T, units] (true) or of the last one [B, units] (default false). */
  returnSequences?: boolean;
  /** Also return the final states: `[output, ...states]` (default false). */
  returnState?: boolean;
  /** Process the sequence from the last step to the first (default false); outputs stay in processing order. */
  goBackwards?: boolean;
  /** Keep the final states as the next call's initial states (default false); needs a fixed batch size. */
  stateful?: boolean;
  /** Keras's unrolling: the same results (tensorkit always loops); needs a known number of steps. */
  unroll?: boolean;
  /** Masked steps output zeros instead of repeating the previous output (default false; Bidirectional sets it). */
  zeroOutputForMask?: boolean;
}

/** The option names of RNN itself. */
export const RNN_KEYS = ['returnSequences', 'returnState', 'goBackwards', 'stateful', 'unroll', 'zeroOutputForMask'] as const;

/** A cell, as RNN takes it: a built-in cell, a StackedRNNCells, or any layer with stateSize and outputSize. */
export type CellLike = RNNCell | (Layer<Tensor[]> & { stateSize: number[]; outputSize: number });

/** The call arguments of an RNN: `initialState`, a list of tensors (or one) in stateSize order. */
export interface RNNCallArgs extends CallArgs {
  initialState?: Tensor | Tensor[];
}

/**
 * A recurrent layer from a cell: `new tk.layers.RNN(new tk.layers.LSTMCell(8))` is an LSTM(8);
 * a list of cells is stacked (StackedRNNCells). Input [batch, steps, features].
 *
 * @example
 * ```ts
 * const rnn = new tk.layers.RNN(new tk.layers.GRUCell(4), { returnSequences: true });
 * rnn.apply(tk.ones([2, 5, 3])).shape;   // [2, 5, 4]
 * const [out, h] = new tk.layers.RNN(new tk.layers.SimpleRNNCell(2), { returnState: true }).apply(tk.ones([1, 3, 2])) as tk.Tensor[];
 * ```
 */
export class RNN extends Layer<Tensor | Tensor[]> {
  static override readonly className: string = 'RNN';

  /**
   * Builds an RNN from its `getConfig()`: the cell is rebuilt from its `{ className, config }`.
   *
   * @example
   * ```ts
   * const copy = tk.layers.RNN.fromConfig(rnn.getConfig());
   * ```
   */
  static override fromConfig(config: LayerConfig): Layer<Tensor | Tensor[]> {
    // TF.js writes a stacked cell twice: `cell` (a StackedRNNCells entry) and `cells` (its list).
    const { cell: given, cells: list, ...options } = config;
    const cell = given ?? list;
    const cells = Array.isArray(cell) ? cell.map((c) => deserializeLayer(c, 'RNN cell')) : deserializeLayer(cell, 'RNN cell');
    return new RNN(cells as CellLike | CellLike[], options as RNNOptions);
  }

  /** The cell run at every step. */
  readonly cell: CellLike;
  readonly returnSequences: boolean;
  readonly returnState: boolean;
  readonly goBackwards: boolean;
  readonly stateful: boolean;
  readonly unroll: boolean;
  /** Masked steps output zeros (true) or repeat the previous output (false, the default). */
  zeroOutputForMask: boolean;
  /** The prefix of the cell's weight names: the layer's name, under a Bidirectional's. */
  private readonly cellScope: string;
  /** A stateful layer's current states (null until the first call or after resetStates without a batch size). */
  private stateValues: Tensor[] | null = null;

  constructor(cell: CellLike | CellLike[], options: RNNOptions = {}, extraKeys: readonly string[] = []) {
    const who = layerWho(new.target.className, options);
    checkOptions(who, options, [...LAYER_ARG_KEYS, ...RNN_KEYS, ...extraKeys]);
    const cells = Array.isArray(cell) ? cell : [cell];
    for (const [i, c] of cells.entries()) {
      if (!isCell(c)) throw new Error(`${who}: the cell${cells.length > 1 ? ` ${i}` : ''} must be a layer with stateSize and outputSize (an RNN cell such as tk.layers.LSTMCell), got ${describe(c)}`);
    }
    const returnSequences = boolean(who, 'returnSequences', options.returnSequences ?? false);
    const returnState = boolean(who, 'returnState', options.returnState ?? false);
    const goBackwards = boolean(who, 'goBackwards', options.goBackwards ?? false);
    const stateful = boolean(who, 'stateful', options.stateful ?? false);
    const unroll = boolean(who, 'unroll', options.unroll ?? false);
    const zeroOutputForMask = boolean(who, 'zeroOutputForMask', options.zeroOutputForMask ?? false);
    super(options);
    this.cell = Array.isArray(cell) ? new StackedRNNCells(cells as CellLike[]) : cells[0]!;
    this.returnSequences = returnSequences;
    this.returnState = returnState;
    this.goBackwards = goBackwards;
    this.stateful = stateful;
    this.unroll = unroll;
    this.zeroOutputForMask = zeroOutputForMask;
    this.cellScope = cellNameFor(this.name);
    this.supportsMasking = true; // uses the mask; passes it on with returnSequences (Keras ≤ 3.15)
    this.inputSpec = { ndim: 3 };
    if (stateful && this.batchInputShape !== null && this.batchInputShape[0] === null) {
      throw new Error(`${this.name}: a stateful RNN needs a fixed batch size; give batchInputShape (or batchSize with inputShape)`);
    }
  }

  override kerasSubLayers(): Readonly<Record<string, Layer<Tensor | Tensor[]>>> {
    return { cell: this.cell };
  }

  /** The sizes of the states the layer carries (its cell's, flat for stacked cells). */
  get stateSize(): number[] {
    return this.cell.stateSize.slice();
  }

  override build(inputShape: SymbolicShape): void {
    if (inputShape.length !== 3) throw new Error(`${this.name}: expected an input of rank 3 [batch, steps, features], got ${formatSymbolicShape(inputShape)}`);
    const F = inputShape[2];
    if (F === null || F === undefined) throw new Error(`${this.name}: the number of features (last axis) must be known, got ${formatSymbolicShape(inputShape)}`);
    if (this.stateful && inputShape[0] === null) {
      throw new Error(`${this.name}: a stateful RNN needs a fixed batch size; give batchInputShape (or batchSize with inputShape) to its first layer, got input ${formatSymbolicShape(inputShape)}`);
    }
    if (this.unroll && inputShape[1] === null) throw new Error(`${this.name}: unroll needs a known number of steps, got input ${formatSymbolicShape(inputShape)}`);
    if (!this.cell.built) {
      // TF.js's weight names: `<rnn>/kernel` for one cell, `<rnn>/RNNCell_<k>/kernel` for stacked cells.
      if (this.cell instanceof StackedRNNCells) this.cell.cells.forEach((c, k) => { if (!c.built) c.weightScope ??= `${this.cellScope}/RNNCell_${k}`; });
      else this.cell.weightScope ??= this.cellScope;
      this.cell.buildFrom([inputShape[0] ?? null, F]);
    }
    this.inputSpec = { ndim: 3, axes: { [-1]: F } };
    super.build(inputShape);
  }

  call(x: Tensor, args: RNNCallArgs): Tensor | Tensor[] {
    const [B, T, F] = x.shape as [number, number, number];
    if (T === 0) throw new Error(`${this.name}: the input has no time steps (shape ${formatShape(x.shape)})`);
    const mask = Array.isArray(args.mask) ? (args.mask[0] ?? null) : (args.mask ?? null);
    if (mask !== null && (mask.rank !== 2 || mask.shape[0] !== B || mask.shape[1] !== T)) {
      throw new Error(`${this.name}: the mask must have shape [${B}, ${T}] (batch, steps), got ${formatShape(mask.shape)}`);
    }
    const training = args.training === true;
    let states = this.initialStates(B, args.initialState);
    const cell = this.cell as RNNCell;
    const begin = typeof cell.beginSequence === 'function';
    if (begin) cell.beginSequence(B, F, training);
    let outputs: Tensor;
    try {
      const fast = typeof cell.sequence === 'function' ? cell.sequence(x, states, { mask, goBackwards: this.goBackwards, training }) : null;
      if (fast !== null) {
        outputs = fast.outputs;
        states = fast.states;
      } else {
        ({ outputs, states } = this.loop(x, states, mask, training));
      }
    } finally {
      if (begin) cell.endSequence();
    }
    if (this.stateful) this.stateValues = states.map((s) => s.detach());
    let output: Tensor;
    if (this.returnSequences) {
      if (this.zeroOutputForMask && mask !== null) outputs = ops.mul(outputs, this.processingMask(mask, T, B));
      output = ops.transpose(outputs, [1, 0, 2]);
    } else {
      output = ops.reshape(ops.slice(outputs, [T - 1, 0, 0], [1, B, outputs.shape[2]!]), [B, outputs.shape[2]!]);
    }
    return this.returnState ? [output, ...states] : output;
  }

  /** The mask [B, T] as [T, B, 1] in processing order (for zeroOutputForMask). */
  private processingMask(mask: Tensor, T: number, B: number): Tensor {
    const m = new Float32Array(T * B);
    for (let t = 0; t < T; t++) {
      const s = this.goBackwards ? T - 1 - t : t;
      for (let b = 0; b < B; b++) m[t * B + b] = mask.data[b * T + s]! !== 0 ? 1 : 0;
    }
    return new Tensor(m, [T, B, 1]);
  }

  /** The step-by-step loop as recorded ops: any cell, with the masking of the header. */
  private loop(x: Tensor, initial: Tensor[], mask: Tensor | null, training: boolean): { outputs: Tensor; states: Tensor[] } {
    const [B, T, F] = x.shape as [number, number, number];
    let states = initial;
    let prev: Tensor | null = null;
    const outs: Tensor[] = [];
    for (let t = 0; t < T; t++) {
      const s = this.goBackwards ? T - 1 - t : t;
      const xt = ops.reshape(ops.slice(x, [0, s, 0], [B, 1, F]), [B, F]);
      const result = this.cell.call([xt, ...states], { training });
      if (!Array.isArray(result) || result.length !== states.length + 1) {
        throw new Error(`${this.name}: the cell must return [output, ...states] (${states.length + 1} tensors), got ${Array.isArray(result) ? `${result.length} tensors` : describe(result)}`);
      }
      let [y, ...next] = result as [Tensor, ...Tensor[]];
      if (mask !== null) {
        const keep = ops.reshape(ops.slice(mask, [0, s], [B, 1]), [B, 1]);
        next = next.map((n, i) => ops.where(keep, n, states[i]!));
        y = ops.where(keep, y, prev ?? new Tensor(new Float32Array(y.size), y.shape));
      }
      outs.push(y);
      prev = y;
      states = next;
    }
    return { outputs: ops.stack(outs, 0), states };
  }

  /** The initial states: `initialState` (checked), a stateful layer's kept states, or zeros. */
  private initialStates(B: number, given: Tensor | Tensor[] | undefined): Tensor[] {
    const sizes = this.cell.stateSize;
    if (given !== undefined && given !== null) {
      const list = Array.isArray(given) ? given : [given];
      if (list.length !== sizes.length) {
        throw new Error(`${this.name}: initialState must be a list of ${sizes.length} tensor${sizes.length > 1 ? 's' : ''} (shapes ${sizes.map((s) => `[${B}, ${s}]`).join(', ')}), got ${list.length}`);
      }
      list.forEach((s, i) => {
        if (!(s instanceof Tensor) || s.rank !== 2 || s.shape[0] !== B || s.shape[1] !== sizes[i]) {
          throw new Error(`${this.name}: initialState[${i}] must have shape [${B}, ${sizes[i]}] (batch, state size), got ${s instanceof Tensor ? formatShape(s.shape) : describe(s)}`);
        }
      });
      return list;
    }
    if (this.stateful && this.stateValues !== null) {
      if (this.stateValues[0]!.shape[0] !== B) {
        throw new Error(`${this.name}: this stateful layer holds states for a batch of ${this.stateValues[0]!.shape[0]}, got a batch of ${B}; call resetStates() first`);
      }
      return this.stateValues;
    }
    return sizes.map((s) => new Tensor(new Float32Array(B * s), [B, s]));
  }

  /**
   * Sets a stateful layer's states to zeros, or to `states` (a list in stateSize order).
   *
   * @example
   * ```ts
   * const lstm = new tk.layers.LSTM(4, { stateful: true, batchInputShape: [2, 5, 3] });
   * lstm.apply(tk.ones([2, 5, 3]));
   * lstm.resetStates();   // the next call starts from zeros
   * ```
   */
  resetStates(states?: Tensor[]): void {
    if (!this.stateful) throw new Error(`${this.name}: resetStates() is for stateful layers (stateful: true)`);
    if (states === undefined) {
      this.stateValues = null;
      return;
    }
    const B = states[0]?.shape[0] ?? 0;
    this.stateValues = this.initialStates(B, states).map((s) => s.detach());
  }

  /** Keras 3's spelling of {@link resetStates}. */
  resetState(states?: Tensor[]): void {
    this.resetStates(states);
  }

  /** A stateful layer's current states (copies), or null. */
  get states(): Tensor[] | null {
    return this.stateValues === null ? null : this.stateValues.map((s) => s.clone());
  }

  override computeOutputShape(inputShape: SymbolicShape): SymbolicShape | SymbolicShape[] {
    const [B, T] = [inputShape[0] ?? null, inputShape[1] ?? null];
    const u = this.cell.outputSize;
    const out: SymbolicShape = this.returnSequences ? [B, T, u] : [B, u];
    if (!this.returnState) return out;
    return [out, ...this.cell.stateSize.map((s): SymbolicShape => [B, s])];
  }

  override computeMask(_inputs: Tensor | Tensor[], mask: Mask | Mask[] | undefined): Mask | Mask[] {
    const m = Array.isArray(mask) ? (mask[0] ?? null) : (mask ?? null);
    const out = this.returnSequences ? m : null;
    return this.returnState ? [out, ...this.cell.stateSize.map(() => null)] : out;
  }

  /** The wrapper's own options (the subclasses' configs add their cell's). */
  protected rnnConfig(): LayerConfig {
    const config: LayerConfig = {
      ...super.getConfig(),
      returnSequences: this.returnSequences,
      returnState: this.returnState,
      goBackwards: this.goBackwards,
      stateful: this.stateful,
      unroll: this.unroll,
    };
    if (this.zeroOutputForMask) config.zeroOutputForMask = true;
    return config;
  }

  override getConfig(): LayerConfig {
    return { ...this.rnnConfig(), cell: { className: this.cell.getClassName(), config: this.cell.getConfig() } };
  }
}

// ---- the names of the built-in layers' cells ------------------------------------------------------

let cellScope: string | null = null;

/**
 * @internal Runs `f` with the cells of the recurrent layers it creates named under `scope`:
 * Bidirectional's sub-layers' weights are `bidirectional/forward_lstm/kernel`, as TF.js names them.
 */
export function withCellScope<T>(scope: string, f: () => T): T {
  const previous = cellScope;
  cellScope = scope;
  try {
    return f();
  } finally {
    cellScope = previous;
  }
}

/**
 * The name of a built-in recurrent layer's cell: the layer's own name (so its weights are
 * `lstm/kernel`, `lstm/recurrent_kernel`, `lstm/bias`, as TF.js names them), under the current scope.
 */
export function cellNameFor(layerName: string): string {
  return cellScope === null ? layerName : `${cellScope}/${layerName}`;
}
