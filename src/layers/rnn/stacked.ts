// StackedRNNCells: several cells as one (keras/src/layers/rnn/stacked_rnn_cells.py). A step runs
// the cells in order, each on the previous one's output; the states are every cell's, in cell
// order, flat (an LSTM cell's h and c stay together). Cell k is built for the input size (k = 0)
// or the previous cell's outputSize. Weights are listed cell by cell.

import { Tensor } from '../../tensor/tensor.js';
import { deserializeLayer } from '../registry.js';
import { Layer, formatSymbolicShape, isShapeList, type CallArgs, type LayerArgs, type LayerConfig, type SymbolicShape } from '../layer.js';
import { LAYER_ARG_KEYS, checkOptions, describe, layerWho } from '../options.js';
import { RNNCell, isCell } from './cell.js';

type AnyCell = Layer<Tensor[]> & { stateSize: number[]; outputSize: number };

/**
 * Cells run one after the other at every step, as one cell: `RNN(new StackedRNNCells([c1, c2]))`
 * is a two-layer recurrent network in one layer.
 *
 * @example
 * ```ts
 * const cells = new tk.layers.StackedRNNCells([new tk.layers.LSTMCell(8), new tk.layers.GRUCell(4)]);
 * cells.stateSize;   // [8, 8, 4]
 * new tk.layers.RNN(cells).apply(tk.ones([2, 5, 3])).shape;   // [2, 4]
 * ```
 */
export class StackedRNNCells extends RNNCell {
  static override readonly className: string = 'StackedRNNCells';

  /**
   * Builds the stack from its `getConfig()` (the cells as `{ className, config }` entries).
   *
   * @example
   * ```ts
   * const copy = tk.layers.StackedRNNCells.fromConfig(cells.getConfig());
   * ```
   */
  static override fromConfig(config: LayerConfig): StackedRNNCells {
    const { cells, ...options } = config;
    if (!Array.isArray(cells)) throw new Error(`StackedRNNCells: config.cells must be a list, got ${describe(cells)}`);
    return new StackedRNNCells(cells.map((c) => deserializeLayer(c, 'StackedRNNCells cell') as AnyCell), options as LayerArgs);
  }

  /** The cells, first to last. */
  readonly cells: AnyCell[];

  constructor(cells: readonly AnyCell[], options: LayerArgs = {}) {
    const who = layerWho('StackedRNNCells', options);
    checkOptions(who, options, LAYER_ARG_KEYS);
    if (!Array.isArray(cells) || cells.length === 0) throw new Error(`${who}: expected a non-empty list of cells, got ${describe(cells)}`);
    cells.forEach((c, i) => {
      if (!isCell(c)) throw new Error(`${who}: cell ${i} must be a layer with stateSize and outputSize (an RNN cell), got ${describe(c)}`);
    });
    super(options);
    this.cells = cells.slice();
  }

  get stateSize(): number[] {
    return this.cells.flatMap((c) => c.stateSize);
  }

  get outputSize(): number {
    return this.cells[this.cells.length - 1]!.outputSize;
  }

  override kerasSubLayers(): Readonly<Record<string, readonly Layer<Tensor | Tensor[]>[]>> {
    return { cells: this.cells };
  }

  override build(shapes: SymbolicShape | SymbolicShape[]): void {
    const inputShape = isShapeList(shapes) ? shapes[0]! : shapes;
    if (inputShape.length !== 2) throw new Error(`${this.name}: a cell takes one step [batch, features], got ${formatSymbolicShape(inputShape)}`);
    let shape: SymbolicShape = inputShape;
    for (const cell of this.cells) {
      if (!cell.built) cell.buildFrom(shape);
      shape = [inputShape[0] ?? null, cell.outputSize];
    }
    super.build(inputShape);
  }

  /** The RNN's masks, handed to each cell that draws its own. */
  override beginSequence(batch: number, inputDim: number, training: boolean): void {
    let width = inputDim;
    for (const cell of this.cells) {
      if (cell instanceof RNNCell) cell.beginSequence(batch, width, training);
      width = cell.outputSize;
    }
  }

  override endSequence(): void {
    for (const cell of this.cells) if (cell instanceof RNNCell) cell.endSequence();
  }

  call(inputs: Tensor | Tensor[], args: CallArgs): Tensor[] {
    const [x, ...states] = Array.isArray(inputs) ? inputs : [inputs];
    const sizes = this.stateSize;
    if (states.length !== sizes.length) throw new Error(`${this.name}: expected [x, ...${sizes.length} states], got ${states.length} states`);
    let h = x!;
    let k = 0;
    const next: Tensor[] = [];
    for (const cell of this.cells) {
      const n = cell.stateSize.length;
      const [y, ...s] = cell.call([h, ...states.slice(k, k + n)], args) as Tensor[];
      h = y!;
      next.push(...s);
      k += n;
    }
    return [h, ...next];
  }

  override computeOutputShape(shapes: SymbolicShape | SymbolicShape[]): SymbolicShape[] {
    const inputShape = isShapeList(shapes) ? shapes[0]! : shapes;
    const B = inputShape[0] ?? null;
    return [[B, this.outputSize], ...this.stateSize.map((s): SymbolicShape => [B, s])];
  }

  override getConfig(): LayerConfig {
    return { ...super.getConfig(), cells: this.cells.map((c) => ({ className: c.getClassName(), config: c.getConfig() })) };
  }
}
