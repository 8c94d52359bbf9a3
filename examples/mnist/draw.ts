// Terminal drawings for the MNIST example: digits in shaded characters, a confusion matrix,
// line charts of the training curves, and the same curves as an SVG file.

const SHADES = ' .:-=+*#%@';

/** A 28×28 digit as 14 lines of 28 characters (two pixel rows per line keep the aspect). */
export function drawDigit(pixels: ArrayLike<number>, side = 28): string[] {
  const lines: string[] = [];
  for (let r = 0; r < side; r += 2) {
    let line = '';
    for (let c = 0; c < side; c++) {
      const v = Math.max(pixels[r * side + c]!, r + 1 < side ? pixels[(r + 1) * side + c]! : 0);
      line += SHADES[Math.min(SHADES.length - 1, Math.floor(v * SHADES.length))];
    }
    lines.push(line);
  }
  return lines;
}

/** Several drawings side by side, each with a caption above. */
export function sideBySide(blocks: { caption: string; lines: string[] }[], gap = 3): string {
  const width = Math.max(...blocks.map((b) => Math.max(b.caption.length, ...b.lines.map((l) => l.length))));
  const height = Math.max(...blocks.map((b) => b.lines.length));
  const rows = [blocks.map((b) => b.caption.padEnd(width)).join(' '.repeat(gap))];
  for (let i = 0; i < height; i++) rows.push(blocks.map((b) => (b.lines[i] ?? '').padEnd(width)).join(' '.repeat(gap)));
  return rows.join('\n');
}

/** counts[true][predicted] as a table with row/column labels and per-class recall. */
export function confusionMatrix(counts: number[][]): string {
  const n = counts.length;
  const cell = Math.max(4, ...counts.flat().map((v) => String(v).length + 1));
  const header = 'true\\pred' + Array.from({ length: n }, (_, j) => String(j).padStart(cell)).join('') + '  recall';
  const rows = counts.map((row, i) => {
    const total = row.reduce((a, b) => a + b, 0);
    const recall = total === 0 ? 0 : row[i]! / total;
    return String(i).padStart(9) + row.map((v) => String(v).padStart(cell)).join('') + `  ${(recall * 100).toFixed(1).padStart(5)}%`;
  });
  return [header, ...rows].join('\n');
}

/** A line chart of one or more series in a box of `width`×`height` characters. */
export function lineChart(title: string, series: { name: string; values: number[]; mark: string }[], width = 60, height = 12): string {
  const all = series.flatMap((s) => s.values).filter((v) => Number.isFinite(v));
  if (all.length === 0) return `${title}: no data`;
  let lo = Math.min(...all);
  let hi = Math.max(...all);
  if (hi === lo) {
    hi += 0.5;
    lo -= 0.5;
  }
  const grid = Array.from({ length: height }, () => new Array<string>(width).fill(' '));
  for (const s of series) {
    const n = s.values.length;
    s.values.forEach((v, i) => {
      if (!Number.isFinite(v)) return;
      const x = n === 1 ? 0 : Math.round((i / (n - 1)) * (width - 1));
      const y = height - 1 - Math.round(((v - lo) / (hi - lo)) * (height - 1));
      grid[y]![x] = s.mark;
    });
  }
  const label = (v: number): string => v.toPrecision(4).padStart(9);
  const lines = grid.map((row, r) => {
    const tick = r === 0 ? label(hi) : r === height - 1 ? label(lo) : ' '.repeat(9);
    return `${tick} │${row.join('')}`;
  });
  const epochs = Math.max(...series.map((s) => s.values.length));
  lines.push(' '.repeat(10) + '└' + '─'.repeat(width));
  lines.push(' '.repeat(11) + 'epoch 1' + `epoch ${epochs}`.padStart(width - 7));
  const legend = series.map((s) => `${s.mark} ${s.name}`).join('   ');
  return `${title}   (${legend})\n${lines.join('\n')}`;
}

/** The training curves as a standalone SVG: loss on the left panel, accuracy on the right. */
export function curvesSvg(history: Record<string, number[]>): string {
  const W = 900;
  const H = 360;
  const panels = [
    { title: 'loss', keys: ['loss', 'val_loss'] },
    { title: 'accuracy', keys: ['accuracy', 'val_accuracy'] },
  ];
  const colors: Record<string, string> = { loss: '#d62728', val_loss: '#ff9896', accuracy: '#1f77b4', val_accuracy: '#aec7e8' };
  const pw = W / 2 - 60;
  const ph = H - 90;
  const parts: string[] = [];
  panels.forEach((panel, p) => {
    const x0 = 50 + p * (W / 2);
    const y0 = 40;
    const lines = panel.keys.filter((k) => history[k] !== undefined);
    const values = lines.flatMap((k) => history[k]!);
    if (values.length === 0) return;
    let lo = Math.min(...values);
    let hi = Math.max(...values);
    if (hi === lo) { hi += 0.5; lo -= 0.5; }
    const n = Math.max(...lines.map((k) => history[k]!.length));
    const px = (i: number): number => x0 + (n === 1 ? 0 : (i / (n - 1)) * pw);
    const py = (v: number): number => y0 + ph - ((v - lo) / (hi - lo)) * ph;
    parts.push(`<text x="${x0 + pw / 2}" y="24" text-anchor="middle" font-size="16">${panel.title}</text>`);
    parts.push(`<rect x="${x0}" y="${y0}" width="${pw}" height="${ph}" fill="none" stroke="#999"/>`);
    parts.push(`<text x="${x0 - 6}" y="${y0 + 4}" text-anchor="end" font-size="11">${hi.toPrecision(4)}</text>`);
    parts.push(`<text x="${x0 - 6}" y="${y0 + ph}" text-anchor="end" font-size="11">${lo.toPrecision(4)}</text>`);
    parts.push(`<text x="${x0}" y="${y0 + ph + 18}" font-size="11">epoch 1</text>`);
    parts.push(`<text x="${x0 + pw}" y="${y0 + ph + 18}" text-anchor="end" font-size="11">epoch ${n}</text>`);
    lines.forEach((k, li) => {
      const pts = history[k]!.map((v, i) => `${px(i).toFixed(1)},${py(v).toFixed(1)}`).join(' ');
      parts.push(`<polyline fill="none" stroke="${colors[k] ?? '#333'}" stroke-width="2" points="${pts}"/>`);
      parts.push(`<text x="${x0 + 8}" y="${y0 + ph + 36 + li * 14}" font-size="12" fill="${colors[k] ?? '#333'}">— ${k}</text>`);
    });
  });
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H + 20}" font-family="sans-serif">\n<rect width="100%" height="100%" fill="white"/>\n${parts.join('\n')}\n</svg>\n`;
}
