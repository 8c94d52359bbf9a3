// ModelCheckpoint (keras/src/callbacks/model_checkpoint.py): saves the model (or its weights)
// during training, every epoch or every `saveFreq` batches, optionally only when the monitored
// quantity improves.
//
// Keras writes a `.keras` file; tensorkit writes the TF.js layers-model format, a directory.
// So `filepath` names a directory (model.json and weight files go inside; with `saveWeightsOnly`,
// weights_manifest.json and weight files), and no extension is required. It is formatted with
// Python's `str.format` rules from `epoch` (1-based), `batch` (1-based, with an integer
// `saveFreq`) and the log values: 'ckpt/epoch{epoch:02d}-{val_loss:.2f}'. Saves are atomic, so a
// crash mid-save leaves the previous checkpoint readable.

import { Callback, type CallbackModel, type Logs } from './callback.js';
import { formatExponential, formatFixed, pythonFloatRepr } from './format.js';
import { checkOptionKeys, isImprovement, resolveMode, type MonitorMode } from './monitor.js';

/** Options of {@link ModelCheckpoint} (Keras's arguments in TF.js spelling). */
export interface ModelCheckpointOptions {
  /** The log value to monitor (default 'val_loss'). */
  monitor?: string;
  /** 1: print a message when saving (or not). Default 0. */
  verbose?: number;
  /** Save only when `monitor` improves on the best value so far (default false). */
  saveBestOnly?: boolean;
  /** Save the weights alone (`model.saveWeights`) instead of the whole model (default false). */
  saveWeightsOnly?: boolean;
  /** 'min', 'max', or 'auto' (from the monitor's name). Default 'auto'. */
  mode?: MonitorMode;
  /** 'epoch' (default): at each epoch end; a positive integer: every that many batches. */
  saveFreq?: 'epoch' | number;
  /** The starting "best" value for `saveBestOnly` (default none). */
  initialValueThreshold?: number | null;
  /**
   * Save the optimizer state with the model, so training can resume exactly (default true, as a
   * Keras `.keras` checkpoint holds it). Ignored with `saveWeightsOnly`.
   */
  includeOptimizer?: boolean;
  /** Where messages go (default console.log). */
  print?: (message: string) => void;
}

/** What ModelCheckpoint needs of the model: the callback model plus saving. */
interface SavableModel extends CallbackModel {
  save(path: string, options?: { includeOptimizer?: boolean }): Promise<unknown>;
  saveWeights(path: string): Promise<unknown>;
}

const KEYS = ['monitor', 'verbose', 'saveBestOnly', 'saveWeightsOnly', 'mode', 'saveFreq', 'initialValueThreshold', 'includeOptimizer', 'print'];

/**
 * Saves the model during training.
 *
 * @example
 * ```ts
 * const checkpoint = new tk.callbacks.ModelCheckpoint('ckpt/best', { monitor: 'val_accuracy', saveBestOnly: true });
 * await model.fit(x, y, { epochs: 10, validationSplit: 0.1, callbacks: [checkpoint] });
 * const best = await tk.loadModel('ckpt/best');
 * new tk.callbacks.ModelCheckpoint('ckpt/epoch{epoch:02d}-{val_loss:.3f}');   // one directory per epoch
 * ```
 */
export class ModelCheckpoint extends Callback {
  /** The directory template, formatted with `epoch`, `batch` and the log values at each save. */
  readonly filepath: string;
  /** The log key compared for `saveBestOnly` (default 'val_loss'). */
  readonly monitor: string;
  /** 1 prints a message at each save (or skipped save); 0 is silent (default). */
  readonly verbose: number;
  /** Whether a save happens only when `monitor` improves (default false). */
  readonly saveBestOnly: boolean;
  /** Whether only the weights are saved, not the whole model (default false). */
  readonly saveWeightsOnly: boolean;
  /** Whether lower ('min') or higher ('max') is better; 'auto' (default) decides from the key's name. */
  readonly mode: MonitorMode;
  /** 'epoch' (default): save at each epoch end; a number: every that many training batches. */
  readonly saveFreq: 'epoch' | number;
  /** Whether a full-model save includes the optimizer state (default true). */
  readonly includeOptimizer: boolean;
  /** The best monitored value so far (or the initial threshold), null before any. */
  best: number | null;
  private direction: 'min' | 'max' | null = null;
  private readonly print: (message: string) => void;
  private currentEpoch = 0;
  private batchesSinceSave = 0;
  private lastBatchSeen = 0;

  constructor(filepath: string, options: ModelCheckpointOptions = {}) {
    super();
    if (typeof filepath !== 'string' || filepath === '') throw new Error(`ModelCheckpoint: filepath must be a non-empty string (a directory path), got ${String(filepath)}`);
    checkOptionKeys('ModelCheckpoint', options, KEYS);
    this.filepath = filepath;
    this.monitor = options.monitor ?? 'val_loss';
    if (typeof this.monitor !== 'string') throw new Error(`ModelCheckpoint: monitor must be a string, got ${String(this.monitor)}`);
    this.verbose = options.verbose ?? 0;
    this.saveBestOnly = flag('saveBestOnly', options.saveBestOnly ?? false);
    this.saveWeightsOnly = flag('saveWeightsOnly', options.saveWeightsOnly ?? false);
    this.includeOptimizer = flag('includeOptimizer', options.includeOptimizer ?? true);
    this.mode = options.mode ?? 'auto';
    if (!['auto', 'min', 'max'].includes(this.mode)) throw new Error(`ModelCheckpoint: mode must be 'auto', 'min' or 'max', got '${String(this.mode)}'`);
    const freq = options.saveFreq ?? 'epoch';
    if (freq !== 'epoch' && !(typeof freq === 'number' && Number.isInteger(freq) && freq > 0)) {
      throw new Error(`ModelCheckpoint: unrecognized saveFreq ${JSON.stringify(freq)}; expected 'epoch' or a positive integer number of batches`);
    }
    this.saveFreq = freq;
    const threshold = options.initialValueThreshold ?? null;
    if (threshold !== null && (typeof threshold !== 'number' || Number.isNaN(threshold))) {
      throw new Error(`ModelCheckpoint: initialValueThreshold must be a number, got ${String(threshold)}`);
    }
    this.best = threshold;
    this.print = options.print ?? ((m) => console.log(m));
    // Check the placeholders now, so a typo fails before training rather than at the first save.
    const names = placeholderNames(filepath);
    if (names.includes('batch') && this.saveFreq === 'epoch') {
      throw new Error(`ModelCheckpoint: the filepath "${filepath}" uses {batch}, which only exists with an integer saveFreq`);
    }
  }

  override onTrainBegin(_logs?: Logs): void {
    const model = this.requireModel() as Partial<SavableModel>;
    if (typeof model.save !== 'function' || typeof model.saveWeights !== 'function') {
      throw new Error('ModelCheckpoint: the model has no save()/saveWeights(); it must be a tensorkit Sequential');
    }
  }

  override onEpochBegin(epoch: number, _logs?: Logs): void {
    this.currentEpoch = epoch;
  }

  override async onBatchEnd(batch: number, logs: Logs): Promise<void> {
    if (this.saveFreq === 'epoch') return;
    // As Keras: batches are counted across epochs; a batch index not above the last one is a new epoch.
    this.batchesSinceSave += batch <= this.lastBatchSeen ? batch + 1 : batch - this.lastBatchSeen;
    this.lastBatchSeen = batch;
    if (this.batchesSinceSave >= this.saveFreq) {
      this.batchesSinceSave = 0;
      await this.saveModel(this.currentEpoch, batch, logs);
    }
  }

  override async onEpochEnd(epoch: number, logs: Logs): Promise<void> {
    if (this.saveFreq === 'epoch') await this.saveModel(epoch, null, logs);
  }

  private async saveModel(epoch: number, batch: number | null, logs: Logs): Promise<void> {
    const path = this.filePath(epoch, batch, logs ?? {});
    if (!this.shouldSave(epoch, logs ?? {}, path)) return;
    const model = this.requireModel() as SavableModel;
    if (this.saveWeightsOnly) await model.saveWeights(path);
    else await model.save(path, { includeOptimizer: this.includeOptimizer });
    if (this.verbose > 0) this.print(`\nEpoch ${epoch + 1}: finished saving model to ${path}`);
  }

  private shouldSave(epoch: number, logs: Logs, path: string): boolean {
    if (!this.saveBestOnly) {
      if (this.verbose > 0) this.print(`\nEpoch ${epoch + 1}: saving model to ${path}`);
      return true;
    }
    const current = logs[this.monitor];
    if (typeof current !== 'number') {
      console.warn(`ModelCheckpoint: can save best model only with ${this.monitor} available; saving anyway (logs have ${Object.keys(logs).join(', ') || 'nothing'})`);
      return true;
    }
    this.direction ??= resolveMode('ModelCheckpoint', this.monitor, this.mode);
    const bestText = this.best === null ? 'None' : formatFixed(this.best, 5);
    if (isImprovement(this.direction, 0, current, this.best)) {
      if (this.verbose > 0) this.print(`\nEpoch ${epoch + 1}: ${this.monitor} improved from ${bestText} to ${formatFixed(current, 5)}, saving model to ${path}`);
      this.best = current;
      return true;
    }
    if (this.verbose > 0) this.print(`\nEpoch ${epoch + 1}: ${this.monitor} did not improve from ${bestText}`);
    return false;
  }

  /** The filepath with its placeholders filled from epoch, batch and the logs. */
  private filePath(epoch: number, batch: number | null, logs: Logs): string {
    const values: Record<string, number> = { ...logs, epoch: epoch + 1 };
    if (batch !== null && !('batch' in logs)) values.batch = batch + 1;
    try {
      return formatPath(this.filepath, values);
    } catch (e) {
      throw new Error(`ModelCheckpoint: failed to format the filepath "${this.filepath}": ${(e as Error).message}`);
    }
  }
}

function flag(name: string, value: unknown): boolean {
  if (typeof value !== 'boolean') throw new Error(`ModelCheckpoint: ${name} must be true or false, got ${String(value)}`);
  return value;
}

const FIELD = /\{\{|\}\}|\{([^{}:!]*)(?::([^{}]*))?\}/g;

function placeholderNames(template: string): string[] {
  const names: string[] = [];
  for (const m of template.matchAll(FIELD)) if (m[1] !== undefined) names.push(m[1]);
  return names;
}

/**
 * Python's `template.format(**values)` for numbers: `{name}`, `{name:spec}` with
 * `[[fill]align][sign][0][width][.precision][type]`, type one of d f F e E g G % (or none),
 * and `{{` / `}}` for braces. The `integers` keys are Python ints (`{epoch}` → '3'), the others
 * floats (`{loss}` → '0.25', `{loss:d}` is an error), as in Keras's logs.
 *
 * @example
 * ```ts
 * formatPath('ckpt/{epoch:02d}-{val_loss:.2f}', { epoch: 3, val_loss: 0.12345 });   // 'ckpt/03-0.12'
 * ```
 */
export function formatPath(template: string, values: Record<string, number>, integers: readonly string[] = ['epoch', 'batch']): string {
  return template.replace(FIELD, (whole, name: string | undefined, spec: string | undefined) => {
    if (whole === '{{') return '{';
    if (whole === '}}') return '}';
    const key = name ?? '';
    if (!Object.hasOwn(values, key)) throw new Error(`no value for {${key}} (available: ${Object.keys(values).join(', ')})`);
    return formatNumber(values[key]!, spec ?? '', key, integers.includes(key));
  });
}

const SPEC = /^(?:(.)?([<>^=]))?([+\- ])?(0)?(\d+)?(?:\.(\d+))?([dfFeEgG%])?$/;

/** One field; `integer` says the value is a Python int (epoch, batch) rather than a float (log values). */
function formatNumber(x: number, spec: string, name: string, integer: boolean): string {
  const m = SPEC.exec(spec);
  if (m === null) throw new Error(`invalid format spec '${spec}' for {${name}}`);
  const [, fillChar, align, sign = '-', zero, widthText, precisionText, type] = m;
  const precision = precisionText === undefined ? undefined : Number(precisionText);
  let body: string;
  const abs = Math.abs(x);
  switch (type) {
    case 'd':
      if (!integer || !Number.isInteger(x)) throw new Error(`format code 'd' needs an integer, but {${name}} is the float ${pythonFloatRepr(x)}`);
      body = String(abs);
      break;
    case 'f': case 'F': body = formatFixed(abs, precision ?? 6); break;
    case 'e': case 'E': body = formatExponential(abs, precision ?? 6); break;
    case '%': body = `${formatFixed(abs * 100, precision ?? 6)}%`; break;
    case 'g': case 'G': body = generalFormat(abs, precision ?? 6); break;
    default:
      body = integer ? String(abs) : precision === undefined ? pythonFloatRepr(abs) : generalFormat(abs, precision);
  }
  if (type === 'E' || type === 'G' || type === 'F') body = body.toUpperCase();
  const negative = x < 0 || Object.is(x, -0);
  const signText = negative ? '-' : sign === '+' ? '+' : sign === ' ' ? ' ' : '';
  const width = widthText === undefined ? 0 : Number(widthText);
  const pad = Math.max(0, width - signText.length - body.length);
  const fill = fillChar ?? (zero !== undefined && align === undefined ? '0' : ' ');
  const alignment = align ?? (zero !== undefined ? '=' : '>');
  if (alignment === '=') return signText + fill.repeat(pad) + body;
  if (alignment === '<') return signText + body + fill.repeat(pad);
  if (alignment === '^') return fill.repeat(Math.floor(pad / 2)) + signText + body + fill.repeat(pad - Math.floor(pad / 2));
  return fill.repeat(pad) + signText + body;
}

/** Python's 'g': `precision` significant digits, scientific when the exponent is < -4 or ≥ precision, trailing zeros dropped. */
function generalFormat(x: number, precision: number): string {
  const p = Math.max(1, precision);
  if (x === 0) return '0';
  if (!Number.isFinite(x)) return Number.isNaN(x) ? 'nan' : 'inf';
  const exponent = Number(formatExponential(x, p - 1).split('e')[1]);
  const strip = (s: string): string => (s.includes('.') ? s.replace(/0+$/, '').replace(/\.$/, '') : s);
  if (exponent < -4 || exponent >= p) {
    const [mantissa, exp] = formatExponential(x, p - 1).split('e');
    return `${strip(mantissa!)}e${exp}`;
  }
  return strip(formatFixed(x, p - 1 - exponent));
}
