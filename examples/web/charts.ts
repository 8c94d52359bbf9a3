// Small canvas drawings for the page: line charts and grids of little images. Plain 2D canvas.

export interface Series {
  name: string;
  color: string;
  /** [x, y] points; NaN and, on a log axis, values ≤ 0 are skipped. */
  points: readonly (readonly [number, number])[];
  lineWidth?: number;
  /** Draw dots instead of a line (for per-epoch values). */
  dots?: boolean;
}

export interface ChartOptions {
  /** Log-scale y axis (gradient norms). */
  logY?: boolean;
  /** Fixed y range (accuracy: [0, 1]); otherwise fitted to the data. */
  yMin?: number;
  yMax?: number;
  xLabel?: string;
}

/** Sizes a canvas's backing store to its CSS size × devicePixelRatio; returns the CSS size. */
function fit(canvas: HTMLCanvasElement): { ctx: CanvasRenderingContext2D; width: number; height: number } {
  const ratio = window.devicePixelRatio || 1;
  const width = canvas.clientWidth || canvas.width;
  const height = canvas.clientHeight || canvas.height;
  if (canvas.width !== Math.round(width * ratio) || canvas.height !== Math.round(height * ratio)) {
    canvas.width = Math.round(width * ratio);
    canvas.height = Math.round(height * ratio);
  }
  const ctx = canvas.getContext('2d')!;
  ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
  return { ctx, width, height };
}

/** Draws series as lines (or dots) with axes, ticks and a legend. */
export function drawChart(canvas: HTMLCanvasElement, series: readonly Series[], options: ChartOptions = {}): void {
  const { ctx, width, height } = fit(canvas);
  ctx.clearRect(0, 0, width, height);
  const pad = { left: 48, right: 10, top: 10, bottom: 26 };
  const plotW = width - pad.left - pad.right;
  const plotH = height - pad.top - pad.bottom;
  const ty = (v: number): number => (options.logY ? Math.log10(v) : v);
  const usable = (y: number): boolean => Number.isFinite(y) && (!options.logY || y > 0);

  let xMax = 1;
  let lo = Infinity;
  let hi = -Infinity;
  for (const s of series) {
    for (const [x, y] of s.points) {
      if (!usable(y)) continue;
      xMax = Math.max(xMax, x);
      lo = Math.min(lo, ty(y));
      hi = Math.max(hi, ty(y));
    }
  }
  if (options.yMin !== undefined) lo = ty(options.yMin);
  if (options.yMax !== undefined) hi = ty(options.yMax);
  if (!Number.isFinite(lo) || !Number.isFinite(hi)) {
    lo = 0;
    hi = 1;
  }
  if (hi - lo < 1e-9) {
    hi += options.logY ? 0.5 : 0.5 * Math.max(1e-3, Math.abs(hi));
    lo -= options.logY ? 0.5 : 0.5 * Math.max(1e-3, Math.abs(lo));
  }
  const px = (x: number): number => pad.left + (x / xMax) * plotW;
  const py = (y: number): number => pad.top + (1 - (ty(y) - lo) / (hi - lo)) * plotH;

  // Axes and y ticks.
  ctx.strokeStyle = '#c8ccd4';
  ctx.fillStyle = '#5b6270';
  ctx.font = '11px system-ui, sans-serif';
  ctx.lineWidth = 1;
  ctx.textAlign = 'right';
  ctx.textBaseline = 'middle';
  for (const t of ticks(lo, hi, options.logY === true)) {
    const y = pad.top + (1 - (t.at - lo) / (hi - lo)) * plotH;
    ctx.beginPath();
    ctx.moveTo(pad.left, y);
    ctx.lineTo(pad.left + plotW, y);
    ctx.globalAlpha = 0.5;
    ctx.stroke();
    ctx.globalAlpha = 1;
    ctx.fillText(t.label, pad.left - 6, y);
  }
  ctx.textAlign = 'center';
  ctx.textBaseline = 'top';
  ctx.fillText(`${options.xLabel ?? 'batch'} (0 – ${Math.round(xMax)})`, pad.left + plotW / 2, pad.top + plotH + 8);

  ctx.save();
  ctx.beginPath();
  ctx.rect(pad.left, pad.top - 4, plotW, plotH + 8);
  ctx.clip();
  for (const s of series) {
    ctx.strokeStyle = s.color;
    ctx.fillStyle = s.color;
    ctx.lineWidth = s.lineWidth ?? 1.5;
    if (s.dots === true) {
      for (const [x, y] of s.points) {
        if (!usable(y)) continue;
        ctx.beginPath();
        ctx.arc(px(x), py(y), 3.5, 0, 2 * Math.PI);
        ctx.fill();
      }
      continue;
    }
    ctx.beginPath();
    let pen = false;
    for (const [x, y] of s.points) {
      if (!usable(y)) {
        pen = false;
        continue;
      }
      if (pen) ctx.lineTo(px(x), py(y));
      else ctx.moveTo(px(x), py(y));
      pen = true;
    }
    ctx.stroke();
  }
  ctx.restore();
}

function ticks(lo: number, hi: number, log: boolean): { at: number; label: string }[] {
  if (log) {
    const out: { at: number; label: string }[] = [];
    for (let e = Math.ceil(lo); e <= Math.floor(hi); e++) out.push({ at: e, label: `1e${e}` });
    if (out.length < 2) out.push({ at: lo, label: (10 ** lo).toPrecision(2) }, { at: hi, label: (10 ** hi).toPrecision(2) });
    return out;
  }
  const step = niceStep((hi - lo) / 4);
  const out: { at: number; label: string }[] = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi + 1e-9; v += step) out.push({ at: v, label: +v.toPrecision(3) + '' });
  return out;
}

function niceStep(raw: number): number {
  const p = 10 ** Math.floor(Math.log10(raw));
  const f = raw / p;
  return (f < 1.5 ? 1 : f < 3 ? 2 : f < 7 ? 5 : 10) * p;
}

/**
 * Draws `count` small images (each `w × h` values, image after image) in a grid, `scale` CSS
 * pixels per value. `diverging`: each image's values scaled to its own max |v|, negative blue and
 * positive red (weights); otherwise values from 0 to the largest of all images, black to white
 * (activations, digits).
 */
export function drawImageGrid(canvas: HTMLCanvasElement, values: Float32Array, count: number, w: number, h: number, options: { columns: number; scale: number; diverging?: boolean }): void {
  const columns = Math.max(1, Math.min(options.columns, count));
  const rows = Math.ceil(count / columns);
  // One canvas pixel per value with a 1-pixel gap between images; CSS scales it up without
  // smoothing (image-rendering: pixelated in style.css).
  canvas.width = Math.max(1, columns * (w + 1) - 1);
  canvas.height = Math.max(1, rows * (h + 1) - 1);
  canvas.style.width = `${canvas.width * options.scale}px`;
  canvas.style.height = `${canvas.height * options.scale}px`;
  const ctx = canvas.getContext('2d')!;
  const image = ctx.createImageData(canvas.width, canvas.height);
  image.data.fill(255);
  let globalMax = 0;
  if (options.diverging !== true) for (let i = 0; i < count * w * h; i++) globalMax = Math.max(globalMax, values[i]!);
  for (let k = 0; k < count; k++) {
    const base = k * w * h;
    let max = globalMax;
    if (options.diverging === true) {
      max = 0;
      for (let i = 0; i < w * h; i++) max = Math.max(max, Math.abs(values[base + i]!));
    }
    const ox = (k % columns) * (w + 1);
    const oy = Math.floor(k / columns) * (h + 1);
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) {
        const v = max > 0 ? values[base + y * w + x]! / max : 0;
        const at = ((oy + y) * canvas.width + ox + x) * 4;
        const [r, g, b] = options.diverging === true ? diverging(v) : gray(v);
        image.data[at] = r;
        image.data[at + 1] = g;
        image.data[at + 2] = b;
        image.data[at + 3] = 255;
      }
    }
  }
  ctx.putImageData(image, 0, 0);
}

function gray(v: number): [number, number, number] {
  const c = Math.round(255 * Math.max(0, Math.min(1, v)));
  return [c, c, c];
}

/** -1 → blue, 0 → white, 1 → red. */
function diverging(v: number): [number, number, number] {
  const t = Math.max(-1, Math.min(1, v));
  if (t >= 0) return [255, Math.round(255 * (1 - t * 0.85)), Math.round(255 * (1 - t))];
  return [Math.round(255 * (1 + t)), Math.round(255 * (1 + t * 0.6)), 255];
}
