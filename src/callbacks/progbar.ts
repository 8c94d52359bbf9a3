// The Keras 3 progress output (keras/src/utils/progbar.py, keras/src/callbacks/progbar_logger.py).
//
// verbose 1, on a terminal (TTY): one line per epoch, redrawn in place (at most every 0.05 s):
//   \x1b[1m 7/32\x1b[0m \x1b[32m━━━━\x1b[0m\x1b[37m━━━━━━━━━━━━━━━━\x1b[0m \x1b[1m2s\x1b[0m 91ms/step - loss: 0.6931
// each redraw starts with as many '\b' as the previous line was wide, then '\r', and is padded
// with spaces when shorter than the previous one; the final line of the epoch ends with '\n'.
// During the epoch the time field is the ETA (`Ns`, `M:SS` past 60 s, `H:MM:SS` past an hour);
// on the final line it is the elapsed whole seconds. Then the time per step, in s, ms or us,
// the first step left out of the average once past step 1. Then ` - key: value` for each log,
// values printed %.4f when |v| > 1e-3 else %.4e.
//
// verbose 1, not a terminal (a log file, CI, a browser console): no redraws and no colours, just
// the final line of each epoch:
//   32/32 ━━━━━━━━━━━━━━━━━━━━ 1s 3ms/step - accuracy: 0.8750 - loss: 0.4412
// (Keras writes ANSI codes and redraws even into files; this is the one deliberate difference.)
//
// verbose 2: one line per epoch, never coloured:
//   32/32 - 1s - 3ms/step - accuracy: 0.8750 - loss: 0.4412
// (Keras's quirk kept: here the format is chosen by v > 1e-3, not |v|, so negatives print %.4e.)
//
// Both print `Epoch i/N` before each epoch when N > 1.

import { Callback, sortLogs, type CallbackParams, type Logs, type PredictBatchLogs } from './callback.js';
import { formatExponential, formatFixed, formatLogValue } from './format.js';
import { checkOptionKeys } from './monitor.js';

/** Where progress goes: injectable so tests (and apps) can capture it. */
export interface ProgressOutput {
  /** Writes a chunk (lines end with '\n'). Default: process.stdout.write, else console.log. */
  write?: (s: string) => void;
  /** Whether the output is a terminal (live redraw + ANSI colours). Default: process.stdout.isTTY; false with a custom `write`. */
  isTTY?: boolean;
  /** A clock in milliseconds. Default: performance.now. */
  now?: () => number;
}

interface ResolvedOutput {
  write: (s: string) => void;
  isTTY: boolean;
  now: () => number;
}

interface StdoutLike {
  write(s: string): unknown;
  isTTY?: boolean;
}

function resolveOutput(o: ProgressOutput): ResolvedOutput {
  const now = o.now ?? (() => performance.now());
  if (o.write !== undefined) return { write: o.write, isTTY: o.isTTY ?? false, now };
  const stdout = (globalThis as { process?: { stdout?: StdoutLike } }).process?.stdout;
  if (stdout !== undefined && typeof stdout.write === 'function') {
    return { write: (s) => void stdout.write(s), isTTY: o.isTTY ?? stdout.isTTY === true, now };
  }
  // A browser: console.log adds its own newline.
  return { write: (s) => console.log(s.endsWith('\n') ? s.slice(0, -1) : s), isTTY: false, now };
}

const BOLD = '\x1b[1m';
const GREEN = '\x1b[32m';
const WHITE = '\x1b[37m';
const RESET = '\x1b[0m';

/** Options of {@link Progbar}: the Keras arguments plus where the output goes. */
export interface ProgbarOptions extends ProgressOutput {
  /** Total number of steps, or null when unknown. */
  target: number | null;
  /** Bar width in characters. Default 20. */
  width?: number;
  /** 1 bar, 2 one line at the end, 0 silent. Default 1. */
  verbose?: number;
  /** Minimum seconds between redraws. Default 0.05. */
  interval?: number;
  /** The unit in the time-per-unit column (`12ms/step`). Default 'step'. */
  unitName?: string;
}

/** `'%d' % x` for the non-negative floats of the ETA. */
function int(x: number): string {
  return String(Math.trunc(x));
}

/**
 * One progress bar (Keras's `keras.utils.Progbar`). Log values are shown as given (the model
 * passes running averages).
 *
 * @example
 * ```ts
 * const bar = new tk.callbacks.Progbar({ target: 10 });
 * for (let i = 1; i <= 10; i++) bar.update(i, { loss: 1 / i });
 * ```
 */
export class Progbar {
  /** Total number of steps, or null when unknown (then no bar or ETA is drawn). */
  target: number | null;
  /** Bar width in characters (default 20). */
  readonly width: number;
  /** 1 draws the bar, 2 prints one line at the end, 0 prints nothing (default 1). */
  readonly verbose: number;
  /** Minimum seconds between redraws (default 0.05). */
  readonly interval: number;
  /** The unit in the time-per-unit column (default 'step'). */
  readonly unitName: string;
  private readonly out: ResolvedOutput;
  private readonly values = new Map<string, number>();
  private readonly order: string[] = [];
  private readonly start: number;
  private lastUpdate = -Infinity;
  private timeAfterFirstStep: number | null = null;
  private prevTotalWidth = 0;

  constructor(options: ProgbarOptions) {
    this.target = options.target;
    this.width = options.width ?? 20;
    this.verbose = options.verbose ?? 1;
    this.interval = options.interval ?? 0.05;
    this.unitName = options.unitName ?? 'step';
    this.out = resolveOutput(options);
    this.start = this.out.now();
  }

  /**
   * Shows step `current` (1-based count of steps done) with `values`. `finalize` (default:
   * `current >= target`) draws the last line of the bar.
   */
  update(current: number, values: Logs | readonly (readonly [string, number])[] = {}, finalize?: boolean): void {
    const target = this.target;
    if (finalize === undefined) finalize = target !== null && current >= target;
    const entries = Array.isArray(values) ? (values as readonly (readonly [string, number])[]) : Object.entries(values as Logs);
    for (const [k, v] of entries) {
      if (!this.values.has(k)) this.order.push(k);
      this.values.set(k, v);
    }
    const now = this.out.now();
    const timePerUnit = this.estimateStepDuration(current, now);
    const elapsed = (now - this.start) / 1000;

    if (this.verbose === 1) {
      if ((now - this.lastUpdate) / 1000 < this.interval && !finalize) return;
      const ansi = this.out.isTTY;
      if (!ansi && !finalize) {
        // Not a terminal: no redraws, only the final line.
        this.lastUpdate = now;
        return;
      }
      const known = target !== null && target > 0;
      let bar: string;
      let visible: number;
      if (known) {
        const counter = `${String(current).padStart(String(target).length)}/${target}`;
        const done = Math.trunc(this.width * (current / target));
        const rest = Math.max(0, this.width - done);
        const plain = `${counter} ${'━'.repeat(done)}${'━'.repeat(rest)}`;
        bar = ansi
          ? `${BOLD}${counter}${RESET} ${done > 0 ? `${GREEN}${'━'.repeat(done)}${RESET}` : ''}${WHITE}${'━'.repeat(rest)}${RESET}`
          : plain;
        visible = plain.length;
      } else {
        bar = `${String(current).padStart(7)}/Unknown`;
        visible = bar.length;
      }
      let timeField: string;
      if (known && !finalize) {
        const eta = timePerUnit * (target - current);
        if (eta > 3600) timeField = `${int(eta / 3600)}:${int((eta % 3600) / 60).padStart(2, '0')}:${int(eta % 60).padStart(2, '0')}`;
        else if (eta > 60) timeField = `${int(eta / 60)}:${int(eta % 60).padStart(2, '0')}`;
        else timeField = `${int(eta)}s`;
      } else {
        timeField = `${formatFixed(elapsed, 0)}s`;
      }
      let info = ansi ? ` ${BOLD}${timeField}${RESET}` : ` ${timeField}`;
      let infoVisible = 1 + timeField.length;
      let tail = formatTime(timePerUnit, this.unitName);
      for (const k of this.order) tail += ` - ${k}: ${formatLogValue(this.values.get(k)!)}`;
      info += tail;
      infoVisible += tail.length;
      const totalWidth = visible + infoVisible;
      let message = ansi ? '\b'.repeat(this.prevTotalWidth) + '\r' + bar + info : bar + info;
      if (ansi && this.prevTotalWidth > totalWidth) message += ' '.repeat(this.prevTotalWidth - totalWidth);
      if (finalize) message += '\n';
      this.out.write(message);
      this.prevTotalWidth = totalWidth;
    } else if (this.verbose === 2) {
      if (finalize && target !== null && target > 0) {
        let line = `${String(current).padStart(String(target).length)}/${target} - ${formatFixed(elapsed, 0)}s -${formatTime(timePerUnit, this.unitName)}`;
        for (const k of this.order) {
          const v = this.values.get(k)!;
          line += ` - ${k}: ${v > 1e-3 ? formatFixed(v, 4) : formatExponential(v, 4)}`;
        }
        this.out.write(line + '\n');
      }
    }
    this.lastUpdate = now;
  }

  /**
   * Seconds per step: 0 before any step; the first step left out of the average once past it
   * (it includes warm-up), as Keras.
   */
  private estimateStepDuration(current: number, now: number): number {
    if (!current) return 0;
    let seconds: number;
    if (this.timeAfterFirstStep !== null && current > 1) seconds = (now - this.timeAfterFirstStep) / 1000 / (current - 1);
    else seconds = (now - this.start) / 1000 / current;
    if (current === 1) this.timeAfterFirstStep = now;
    return seconds;
  }
}

/** ` 3ms/step`: whole seconds, milliseconds or microseconds per step, as Keras. */
function formatTime(seconds: number, unit: string): string {
  if (seconds >= 1 || seconds === 0) return ` ${formatFixed(seconds, 0)}s/${unit}`;
  if (seconds >= 1e-3) return ` ${formatFixed(seconds * 1000, 0)}ms/${unit}`;
  return ` ${formatFixed(seconds * 1e6, 0)}us/${unit}`;
}

/** Options of {@link ProgbarLogger}: the verbosity plus where the output goes. */
export interface ProgbarLoggerOptions extends ProgressOutput {
  /** 1 bar, 2 one line per epoch. Default 1; fit's `verbose` (from setParams) overrides it. */
  verbose?: number;
}

/**
 * Prints the Keras progress bar during fit (and, through `startEvaluation` / `startPrediction`,
 * during evaluate and predict). fit adds one when `verbose` is 1 or 2.
 *
 * @example
 * ```ts
 * // capture the output of a fit
 * let text = '';
 * const logger = new tk.callbacks.ProgbarLogger({ write: (s) => (text += s) });
 * ```
 */
export class ProgbarLogger extends Callback {
  /** 1 draws a bar per epoch, 2 prints one line per epoch (fit's `verbose` overrides it). */
  verbose: number;
  /** The final epoch (from fit's params). */
  epochs = 1;
  /** Steps per epoch, or null when unknown. */
  target: number | null = null;
  private progbar: Progbar | null = null;
  private seen = 0;
  private calledInFit = false;
  private readonly resolved: ResolvedOutput;

  constructor(options: ProgbarLoggerOptions = {}) {
    super();
    checkOptionKeys('ProgbarLogger', options, ['verbose', 'write', 'isTTY', 'now']);
    this.verbose = options.verbose ?? 1;
    this.resolved = resolveOutput(options);
  }

  override setParams(params: CallbackParams): void {
    super.setParams(params);
    if (params.verbose !== undefined) this.verbose = params.verbose === 'auto' ? 1 : params.verbose;
    this.epochs = params.epochs ?? 1;
    this.target = params.steps ?? null;
  }

  override onTrainBegin(_logs?: Logs): void {
    // Inside fit, validation runs silently.
    this.calledInFit = true;
  }

  override onTrainEnd(_logs?: Logs): void {
    this.calledInFit = false;
  }

  override onEpochBegin(epoch: number, _logs?: Logs): void {
    this.resetProgbar();
    this.maybeInitProgbar();
    if (this.verbose && this.epochs > 1) this.resolved.write(`Epoch ${epoch + 1}/${this.epochs}\n`);
  }

  override onBatchEnd(batch: number, logs: Logs): void {
    this.updateProgbar(batch, logs);
  }

  override onEpochEnd(_epoch: number, logs: Logs): void {
    this.finalizeProgbar(logs);
  }

  override onTestBegin(_logs?: Logs): void {
    if (!this.calledInFit) {
      this.resetProgbar();
      this.maybeInitProgbar();
    }
  }

  override onTestBatchEnd(batch: number, logs: Logs): void {
    if (!this.calledInFit) this.updateProgbar(batch, logs);
  }

  override onTestEnd(logs: Logs): void {
    if (!this.calledInFit) this.finalizeProgbar(logs);
  }

  override onPredictBegin(_logs?: Logs): void {
    this.resetProgbar();
    this.maybeInitProgbar();
  }

  override onPredictBatchEnd(batch: number, _logs?: PredictBatchLogs): void {
    this.updateProgbar(batch, {}); // predictions are not shown
  }

  override onPredictEnd(logs: Logs): void {
    this.finalizeProgbar(logs);
  }

  // ---- evaluate and predict without a CallbackList --------------------------------------------

  /**
   * Starts the bar of an `evaluate` over `steps` batches (no `Epoch` header), as Keras prints:
   * `313/313 ━━━━━━━━━━━━━━━━━━━━ 1s 2ms/step - accuracy: 0.9751 - loss: 0.0856`.
   *
   * @example
   * ```ts
   * const bar = new tk.callbacks.ProgbarLogger({ verbose: 1 });
   * bar.startEvaluation(steps);
   * for (let i = 0; i < steps; i++) { ...; bar.updateEvaluation(i + 1, runningLogs); }
   * bar.endEvaluation(steps, finalLogs);
   * ```
   */
  startEvaluation(steps: number | null): void {
    this.calledInFit = false;
    this.epochs = 1;
    this.target = steps;
    this.onTestBegin();
  }

  /** Shows `seen` batches done (1-based), with the running logs if any. */
  updateEvaluation(seen: number, logs: Logs = {}): void {
    this.onTestBatchEnd(seen - 1, sortLogs(logs));
  }

  /** Draws the final line with the evaluation's logs. */
  endEvaluation(steps?: number | null, logs: Logs = {}): void {
    if (steps !== undefined && steps !== null) this.target = steps;
    if (this.progbar !== null && this.target !== null) this.progbar.target = this.target;
    this.onTestEnd(sortLogs(logs));
  }

  /** Starts the bar of a `predict` over `steps` batches: `N/N ━━━━━━━━━━━━━━━━━━━━ 0s 2ms/step`. */
  startPrediction(steps: number | null): void {
    this.epochs = 1;
    this.target = steps;
    this.onPredictBegin();
  }

  /** Shows `seen` batches done (1-based). */
  updatePrediction(seen: number): void {
    this.onPredictBatchEnd(seen - 1);
  }

  /** Draws the final line of the prediction bar. */
  endPrediction(steps?: number | null): void {
    if (steps !== undefined && steps !== null) this.target = steps;
    if (this.progbar !== null && this.target !== null) this.progbar.target = this.target;
    this.onPredictEnd({});
  }

  // ---- Keras's ProgbarLogger internals --------------------------------------------------------

  private resetProgbar(): void {
    this.seen = 0;
    this.progbar = null;
  }

  private maybeInitProgbar(): Progbar {
    if (this.progbar === null) {
      this.progbar = new Progbar({ ...this.resolved, target: this.target, verbose: this.verbose, unitName: 'step' });
    }
    return this.progbar;
  }

  private updateProgbar(batch: number, logs: Logs): void {
    const bar = this.maybeInitProgbar();
    this.seen = batch + 1; // one-based
    if (this.verbose === 1) bar.update(this.seen, sortLogs(logs), false);
  }

  private finalizeProgbar(logs: Logs): void {
    const bar = this.maybeInitProgbar();
    if (this.target === null) {
      this.target = this.seen;
      bar.target = this.target;
    }
    bar.update(this.target, sortLogs(logs), true);
  }
}
