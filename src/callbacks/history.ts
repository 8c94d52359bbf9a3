// History (keras/src/callbacks/history.py): records each epoch's logs. fit always adds one, and
// resolves with it.

import { Callback, type Logs } from './callback.js';

/** One epoch's row of `History.toRows()`: the epoch index and every log value of that epoch. */
export type HistoryRow = {
  /** The epoch index (0-based, as in `History.epoch`). */
  epoch: number;
} & Record<string, number>;

/**
 * The record of a training run.
 *
 * @example
 * ```ts
 * const history = await model.fit(x, y, { epochs: 3 });
 * history.history.loss;           // [0.69, 0.52, 0.41]
 * history.epoch;                  // [0, 1, 2]
 * console.table(history.toRows());   // pandas' pd.DataFrame(history.history), as a table
 * ```
 */
export class History extends Callback {
  /** One array per log key (`loss`, `accuracy`, `val_loss`, ...), one value per epoch that had it. */
  history: Record<string, number[]> = {};
  /** The epoch index (0-based, as Keras) of every recorded epoch. */
  epoch: number[] = [];
  private rows: HistoryRow[] = [];

  override onTrainBegin(_logs?: Logs): void {
    this.epoch = [];
    this.rows = [];
  }

  override onEpochEnd(epoch: number, logs: Logs): void {
    this.epoch.push(epoch);
    const row: HistoryRow = { epoch: epoch + 1 } as HistoryRow;
    for (const [key, value] of Object.entries(logs ?? {})) {
      (this.history[key] ??= []).push(value);
      row[key] = value;
    }
    this.rows.push(row);
  }

  /**
   * One object per epoch, for `console.table` (the notes' `pd.DataFrame(history.history)`):
   * `{ epoch, loss, accuracy, ... }`. `epoch` counts from 1, as the progress bar's `Epoch 1/5`
   * does (DESIGN.md's contract); it is `history.epoch[i] + 1`, so it keeps counting from
   * `initialEpoch + 1` when training resumes. A key missing from an epoch's logs (validation
   * run only every few epochs) is absent from that row.
   *
   * @example
   * ```ts
   * history.toRows();   // [{ epoch: 1, loss: 0.69, accuracy: 0.5 }, { epoch: 2, loss: 0.52, accuracy: 0.75 }]
   * ```
   */
  toRows(): HistoryRow[] {
    return this.rows.map((row) => ({ ...row }));
  }
}
