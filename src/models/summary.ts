// `model.summary()`: Keras 3's table, drawn with the same box characters and column widths.
//
// Keras renders it with the `rich` library: column widths are int(position·lineLength)
// differences, each cell gets one space of padding on both sides, and rich then takes back the
// 10 characters the padding and borders overflow by, spread as 3/4/3 over the three columns
// (its ratio_reduce, rounding half to even). That is why a 76-wide table has 33/24/15-wide
// cells. A cell too long for its column wraps at spaces; a word longer than the column is cropped
// with '…' (rich's default 'ellipsis' overflow); header cells sit at the bottom of their row.
// A functional model whose graph branches gets a fourth column, 'Connected to' (keras-facts-2
// §13.6): 108 wide by default (the terminal's width − 4 if smaller), edges at [0.3, 0.56, 0.74, 1].
// Layout facts: keras-facts §1.4.

import { formatSymbolicShape, isShapeList, type AnyLayer, type SymbolicShape } from '../layers/layer.js';

/** One layer's row. */
export interface SummaryRow {
  layer: AnyLayer;
  /** The output shape (a list for a layer with several outputs), or null while unknown (shown as `?`). */
  outputShape: SymbolicShape | SymbolicShape[] | null;
  /** The 'Connected to' cell, for graphs that branch (`dense[0][0], input_layer[0][0]`; `-` for an input). */
  connectedTo?: string;
}

/** What the totals lines report. */
export interface SummaryTotals {
  trainable: number;
  nonTrainable: number;
  /** Optimizer variables, when the model is compiled and the optimizer built. */
  optimizer: { count: number; bytes: number } | null;
}

/** Options of `model.summary()`. */
export interface SummaryOptions {
  /** Total width of the table (default min(88, terminal columns − 4); 76 without a terminal). */
  lineLength?: number;
  /** Right edges of the columns, as fractions of the width (default [0.45, 0.8, 1]). */
  positions?: readonly number[];
  /** Receives the whole summary text (default: console.log). */
  printFn?: (text: string) => void;
}

/** Keras's memory size: bytes scaled by 1024 through B, KB, MB, GB, TB, PB with 2 decimals. */
export function readableSize(bytes: number): string {
  const units = ['B', 'KB', 'MB', 'GB', 'TB', 'PB'];
  let v = bytes;
  for (const unit of units) {
    if (v / 1024 < 1) return `${v.toFixed(2)} ${unit}`;
    v /= 1024;
  }
  return `${(v * 1024).toFixed(2)} PB`;
}

/** `50,240`: Python's `f"{n:,}"`. */
export function withThousands(n: number): string {
  return Math.round(n).toString().replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}

/** Python's round(): halves go to the even neighbour (rich's ratio_reduce uses it). */
function pyRound(v: number): number {
  const r = Math.round(v);
  return r - v === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/** The default width: Keras reads the terminal, falling back to 80 columns without one. */
function defaultLineLength(widest: number): number {
  const proc = (globalThis as { process?: { stdout?: { isTTY?: boolean; columns?: number } } }).process;
  const columns = proc?.stdout?.isTTY && proc.stdout.columns ? proc.stdout.columns : 80;
  return Math.min(widest, columns - 4);
}

/** A row's shape cell: `(None, 10)`, or Keras's bracketed list for several outputs. */
function shapeCell(shape: SummaryRow['outputShape']): string {
  if (shape === null) return '?';
  if (isShapeList(shape)) return `[${shape.map(formatSymbolicShape).join(', ')}]`;
  return formatSymbolicShape(shape);
}

/** Renders the summary text (no trailing newline). */
export function renderSummary(modelName: string, rows: readonly SummaryRow[], totals: SummaryTotals, options: SummaryOptions = {}): string {
  const connected = rows.some((r) => r.connectedTo !== undefined);
  const columns = connected ? 4 : 3;
  const lineLength = options.lineLength ?? defaultLineLength(connected ? 108 : 88);
  const positions = options.positions ?? (connected ? [0.3, 0.56, 0.74, 1.0] : [0.45, 0.8, 1.0]);
  if (positions.length !== columns) throw new Error(`summary: positions must list ${columns} column edges, got [${positions.join(', ')}]`);
  const widths: number[] = [];
  let current = 0;
  for (const p of positions) {
    const edge = p <= 1 ? Math.floor(p * lineLength) : p;
    const w = edge - current;
    if (w < 4) throw new Error(`summary: lineLength ${lineLength} is too narrow to print the summary`);
    widths.push(w);
    current += w;
  }
  // Cells with padding, then rich's reduction to fit lineLength less the borders (one per column, plus one).
  const cells = widths.map((w) => w + 2);
  let excess = cells.reduce((a, b) => a + b, 0) - (lineLength - (columns + 1));
  let ratioLeft = cells.length;
  for (let i = 0; i < cells.length && excess > 0; i++) {
    const take = Math.min(cells[i]!, pyRound(excess / ratioLeft));
    cells[i]! -= take;
    excess -= take;
    ratioLeft--;
  }
  const content = cells.map((c) => c - 2);
  const align: ('left' | 'right')[] = ['left', 'left', 'right', 'left'];

  const rule = (left: string, fill: string, mid: string, right: string): string => left + cells.map((c) => fill.repeat(c)).join(mid) + right;
  const renderRow = (fields: readonly string[], bar: string, header = false): string[] => {
    // Long fields wrap onto further lines, as rich does; rich aligns header cells to the bottom.
    const wrapped = fields.map((f, i) => wrapCell(f, content[i]!));
    const height = Math.max(...wrapped.map((w) => w.length));
    const lines: string[] = [];
    for (let r = 0; r < height; r++) {
      const parts = wrapped.map((w, i) => {
        const text = (header ? w[r - (height - w.length)] : w[r]) ?? '';
        return ' ' + (align[i] === 'right' ? text.padStart(content[i]!) : text.padEnd(content[i]!)) + ' ';
      });
      lines.push(bar + parts.join(bar) + bar);
    }
    return lines;
  };

  const out: string[] = [`Model: "${modelName}"`];
  out.push(rule('┏', '━', '┳', '┓'));
  out.push(...renderRow(['Layer (type)', 'Output Shape', 'Param #', ...(connected ? ['Connected to'] : [])], '┃', true));
  out.push(rule('┡', '━', '╇', '┩'));
  rows.forEach((row, i) => {
    const { layer } = row;
    const params = layer.built ? withThousands(layer.countParams()) : '0 (unbuilt)';
    const fields = [`${layer.name} (${layer.getClassName()})`, shapeCell(row.outputShape), params];
    if (connected) fields.push(row.connectedTo ?? '-');
    out.push(...renderRow(fields, '│'));
    if (i < rows.length - 1) out.push(rule('├', '─', '┼', '┤'));
  });
  out.push(rule('└', '─', '┴', '┘'));
  const bytes = (n: number): number => n * 4; // every weight is float32
  const opt = totals.optimizer;
  const totalCount = totals.trainable + totals.nonTrainable + (opt?.count ?? 0);
  const totalBytes = bytes(totals.trainable) + bytes(totals.nonTrainable) + (opt?.bytes ?? 0);
  out.push(` Total params: ${withThousands(totalCount)} (${readableSize(totalBytes)})`);
  out.push(` Trainable params: ${withThousands(totals.trainable)} (${readableSize(bytes(totals.trainable))})`);
  out.push(` Non-trainable params: ${withThousands(totals.nonTrainable)} (${readableSize(bytes(totals.nonTrainable))})`);
  if (opt !== null) out.push(` Optimizer params: ${withThousands(opt.count)} (${readableSize(opt.bytes)})`);
  return out.join('\n');
}

/**
 * rich's wrapping of a table cell (rich.text.Text.wrap with divide_line, overflow 'ellipsis'):
 * words go on the current line while they fit, else on a new line; a word longer than the whole
 * width gets a line of its own and is cropped to width − 1 characters plus '…'.
 */
function wrapCell(text: string, width: number): string[] {
  const lines: string[] = [];
  let line = '';
  // Each word with the spaces that follow it, as rich's `words` (/\s*\S+\s*/).
  for (const word of text.match(/\s*\S+\s*/g) ?? ['']) {
    const length = word.trimEnd().length;
    if (line === '' || width - line.length >= length) {
      line += word;
    } else {
      lines.push(line);
      line = word;
    }
  }
  lines.push(line);
  return lines.map((l) => {
    const t = l.trimEnd();
    return t.length > width ? t.slice(0, width - 1) + '…' : t;
  });
}
