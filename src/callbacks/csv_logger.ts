// CSVLogger (keras/src/callbacks/csv_logger.py): one CSV row per epoch.
//   header: 'epoch' then the log keys sorted; when the first epoch has no `val_` key, a
//           `val_<key>` column is added for every key (filled with NA until validation runs)
//   rows:   the 0-based epoch, then each value as Python writes a float (repr: 0.1, 1e-05, nan),
//           NA for a missing key
// Lines end with '\r\n' and fields are quoted only when needed, as Python's csv module writes
// them (Keras uses csv.DictWriter with the excel dialect), so the file is byte-identical.
// The file is written with node:fs, reached through '#platform' (src/platform/node.ts) when
// training begins; a browser build has no file system, and CSVLogger then throws a clear error.

import { Callback, type Logs } from './callback.js';
import { checkOptionKeys } from './monitor.js';
import { pythonFloatRepr } from './format.js';
import { nodeModules } from '#platform';

interface FileHandleLike {
  write(data: string): Promise<unknown>;
  close(): Promise<void>;
}

/**
 * Streams epoch results to a CSV file.
 *
 * @example
 * ```ts
 * await model.fit(x, y, { epochs: 5, callbacks: [new tk.callbacks.CSVLogger('training.log')] });
 * ```
 */
export class CSVLogger extends Callback {
  /** The path of the CSV file. */
  readonly filename: string;
  /** The field separator, one character (default ','). */
  readonly separator: string;
  /** Whether rows are appended to an existing file (default false: the file is overwritten). */
  readonly append: boolean;
  private keys: string[] | null = null;
  private file: FileHandleLike | null = null;
  private appendHeader = true;

  constructor(filename: string, options: { separator?: string; append?: boolean } = {}) {
    super();
    if (typeof filename !== 'string' || filename === '') throw new Error(`CSVLogger: filename must be a non-empty string, got ${String(filename)}`);
    checkOptionKeys('CSVLogger', options, ['separator', 'append']);
    this.filename = filename;
    this.separator = options.separator ?? ',';
    if (typeof this.separator !== 'string' || this.separator.length !== 1) {
      throw new Error(`CSVLogger: separator must be a single character, got '${String(this.separator)}'`);
    }
    this.append = options.append ?? false;
  }

  override async onTrainBegin(_logs?: Logs): Promise<void> {
    let fs: typeof import('node:fs/promises');
    try {
      ({ fs } = await nodeModules());
    } catch (e) {
      throw new Error('CSVLogger needs a file system (node:fs); it is not available in this environment', { cause: e });
    }
    if (this.file !== null) await this.file.close();
    this.appendHeader = true;
    if (this.append) {
      try {
        // As Keras: a header only when the file is empty (`not len(f.readline())`).
        const text = await fs.readFile(this.filename, 'utf8');
        this.appendHeader = text.length === 0;
      } catch {
        // No file yet: write the header.
      }
    }
    this.file = await fs.open(this.filename, this.append ? 'a' : 'w');
    this.keys = null;
  }

  override async onEpochEnd(epoch: number, logs: Logs): Promise<void> {
    if (this.file === null) throw new Error('CSVLogger: onEpochEnd called before onTrainBegin');
    logs = logs ?? {};
    let header = '';
    if (this.keys === null) {
      const keys = Object.keys(logs).sort();
      if (keys.length > 0 && !keys.some((k) => k.startsWith('val_'))) keys.push(...keys.map((k) => `val_${k}`));
      this.keys = keys;
      if (this.appendHeader) header = this.line(['epoch', ...keys]);
    }
    const row = this.line([String(epoch), ...this.keys.map((k) => (k in logs ? formatCell(logs[k]) : 'NA'))]);
    await this.file.write(header + row);
  }

  override async onTrainEnd(_logs?: Logs): Promise<void> {
    if (this.file !== null) {
      const file = this.file;
      this.file = null;
      await file.close();
    }
  }

  /** One CSV line, quoting fields as Python's csv.QUOTE_MINIMAL does. */
  private line(fields: string[]): string {
    const sep = this.separator;
    const quoted = fields.map((f) => (f.includes(sep) || f.includes('"') || f.includes('\r') || f.includes('\n') ? `"${f.replace(/"/g, '""')}"` : f));
    return quoted.join(sep) + '\r\n';
  }
}

function formatCell(v: unknown): string {
  if (typeof v === 'number') return pythonFloatRepr(v);
  if (typeof v === 'string') return v;
  if (Array.isArray(v)) return `"[${v.map((x) => (typeof x === 'number' ? pythonFloatRepr(x) : String(x))).join(', ')}]"`;
  return String(v);
}
