// What the recurrent cells share (keras/src/layers/rnn/dropout_rnn_cell.py and the cells' common
// arguments): a cell is a layer applied to ONE step, `cell.apply([x, ...states])` →
// `[output, ...newStates]`, with `stateSize` and `outputSize` telling the RNN wrapper what to
// carry. The built-in cells also run a whole sequence at once (`sequence`): the input projection
// of every step as one GEMM, then a fused primitive of src/ops (lstm.ts, gru.ts, simple_rnn.ts).
//
// Dropout (keras-facts-2 §14.5): one input mask [B, inputDim] and one recurrent mask [B, units]
// per call of the RNN layer, the same at every step, in training only; with `implementation: 1`
// (forced by recurrentDropout > 0, as Keras) one independent mask per gate.

import { Random, randomSource } from '../../tensor/random.js';
import { Tensor } from '../../tensor/tensor.js';
import { Layer, type CallArgs, type LayerArgs } from '../layer.js';
import { describe } from '../options.js';

/** Keras's dropout rates: a number, clipped to [0, 1]. */
export function dropoutRate(who: string, arg: string, value: unknown): number {
  if (value === undefined) return 0;
  if (typeof value !== 'number' || !Number.isFinite(value)) throw new Error(`${who}: ${arg} must be a number in [0, 1], got ${describe(value)}`);
  return Math.min(1, Math.max(0, value));
}

/** `units`: a positive integer, else an error naming the layer. */
export function unitsArg(who: string, units: unknown): number {
  if (typeof units !== 'number' || !Number.isInteger(units) || units <= 0) {
    throw new Error(`${who}: units must be a positive integer, got ${describe(units)}`);
  }
  return units;
}

/** What the RNN wrapper tells a cell's `sequence` besides the input and the states. */
export interface SequenceContext {
  /** [B, T] of 1 (keep) and 0 (masked), or null. */
  mask: Tensor | null;
  goBackwards: boolean;
  training: boolean;
}

/** What a cell's `sequence` returns: the outputs [T, B, outputSize] in processing order and the final states. */
export interface SequenceResult {
  outputs: Tensor;
  states: Tensor[];
}

/**
 * The base of the built-in cells (SimpleRNNCell, LSTMCell, GRUCell) and of StackedRNNCells. A
 * custom cell need not extend it: any layer with `stateSize` (numbers) and `outputSize`, applied
 * as `[x, ...states]` → `[output, ...newStates]`, works in `RNN`.
 *
 * @example
 * ```ts
 * const cell = new tk.layers.LSTMCell(4);
 * const [h, h2, c] = cell.apply([tk.ones([2, 3]), tk.zeros([2, 4]), tk.zeros([2, 4])]);   // one step
 * cell.stateSize;   // [4, 4]
 * ```
 */
export abstract class RNNCell extends Layer<Tensor[]> {
  /** The size of each state, in order (LSTM: [units, units] for h and c). */
  abstract get stateSize(): number[];
  /** The size of the output of a step. */
  abstract get outputSize(): number;

  /**
   * The whole sequence at once (x [B, T, F], initial states): the fast path the RNN wrapper takes,
   * or null when this cell must run step by step (recurrent dropout in training, GRU reset
   * before). Built-in cells override it.
   */
  sequence(_x: Tensor, _states: readonly Tensor[], _context: SequenceContext): SequenceResult | null {
    return null;
  }

  /** The dropout masks of the current RNN call (null outside one: each step draws its own). */
  private held: { input: Tensor[] | null; recurrent: Tensor[] | null } | null = null;

  /** @internal Called by RNN around a sequence: draw the masks once (begin), forget them (end). */
  beginSequence(batch: number, inputDim: number, training: boolean): void {
    this.held = { input: this.drawMasks(batch, inputDim, this.dropoutRateOf('input'), training), recurrent: this.drawMasks(batch, this.maskUnits(), this.dropoutRateOf('recurrent'), training) };
  }

  /** @internal */
  endSequence(): void {
    this.held = null;
  }

  /** The input and recurrent dropout rates and mask counts; cells without dropout keep 0. */
  protected dropoutRateOf(_which: 'input' | 'recurrent'): number {
    return 0;
  }

  /** How many independent masks each kind takes (1, or one per gate with implementation 1). */
  protected maskCount(): number {
    return 1;
  }

  /** The width of the recurrent masks (units). */
  protected maskUnits(): number {
    return this.stateSize[0]!;
  }

  /** The layer's own generator when seeded. */
  protected rng: Random | null = null;

  private drawMasks(batch: number, width: number, rate: number, training: boolean): Tensor[] | null {
    if (!training || !(rate > 0 && rate < 1)) return null;
    const keep = 1 - rate;
    const rng = this.rng ?? randomSource();
    const out: Tensor[] = [];
    for (let k = 0; k < this.maskCount(); k++) {
      const m = new Float32Array(batch * width);
      for (let i = 0; i < m.length; i++) m[i] = rng.next() < keep ? 1 / keep : 0;
      out.push(new Tensor(m, [batch, width]));
    }
    return out;
  }

  /** The input dropout masks for a step of `x` [B, F] (drawn now when no sequence holds them), or null. */
  protected inputMasks(x: Tensor, args: CallArgs): Tensor[] | null {
    if (this.held !== null) return this.held.input;
    return this.drawMasks(x.shape[0]!, x.shape[1]!, this.dropoutRateOf('input'), args.training === true);
  }

  /** The recurrent dropout masks for a step, or null. */
  protected recurrentMasks(h: Tensor, args: CallArgs): Tensor[] | null {
    if (this.held !== null) return this.held.recurrent;
    return this.drawMasks(h.shape[0]!, h.shape[1]!, this.dropoutRateOf('recurrent'), args.training === true);
  }

  /** The input dropout mask of a whole sequence (implementation 2: one mask), for `sequence`. */
  protected sequenceInputMask(): Tensor | null {
    const m = this.held?.input ?? null;
    return m === null ? null : m[0]!;
  }

  /** True when the current sequence has recurrent masks (the fused path cannot take them). */
  protected hasRecurrentMasks(): boolean {
    return (this.held?.recurrent ?? null) !== null;
  }

  /** True when the current sequence has several input masks (implementation 1). */
  protected hasPerGateInputMasks(): boolean {
    const m = this.held?.input ?? null;
    return m !== null && m.length > 1;
  }

  /** Seeds the layer's own mask generator (null: the global one). */
  protected seedMasks(seed: number | null): void {
    this.rng = seed === null ? null : new Random(seed);
  }

  // Cells are applied to [x, ...states] lists; the per-step inputs are checked by the cells.
  constructor(args: LayerArgs) {
    super(args);
  }
}

/** True for a layer that can serve as a cell: it has `stateSize` and `outputSize`. */
export function isCell(x: unknown): x is Layer<Tensor[]> & { stateSize: number[]; outputSize: number } {
  if (!(x instanceof Layer)) return false;
  const c = x as unknown as { stateSize?: unknown; outputSize?: unknown };
  return Array.isArray(c.stateSize) && typeof c.outputSize === 'number';
}
