// Axis permutation: numbers in, numbers out. No Tensor, no tape.

/**
 * out = x with its axes permuted: out axis i is x axis perm[i]. Neighbouring axes that stay
 * neighbours are merged first, so e.g. NHWC -> NCHW runs as a 2-D transpose per image.
 */
export function transpose(x: Float32Array, shape: readonly number[], perm: readonly number[], out: Float32Array): void {
  const n = x.length;
  if (n === 0) return;
  // Merge runs of axes that keep their order: perm [0, 2, 3, 1] on [N,C,H,W] is [N, C, H·W] -> [N, H·W, C].
  const mergedShape: number[] = [];
  const groupOf: number[] = []; // source axis -> merged axis
  const mergedPerm: number[] = [];
  {
    const runs: number[][] = [];
    for (let i = 0; i < perm.length; i++) {
      const ax = perm[i]!;
      if (shape[ax] === 1) continue; // size-1 axes move freely
      const last = runs[runs.length - 1];
      if (last !== undefined && nextNonUnit(shape, last[last.length - 1]!) === ax) last.push(ax);
      else runs.push([ax]);
    }
    const order = runs.map((r) => r[0]!).slice().sort((p, q) => p - q);
    for (const first of order) {
      const run = runs.find((r) => r[0] === first)!;
      mergedShape.push(run.reduce((s, ax) => s * shape[ax]!, 1));
      for (const ax of run) groupOf[ax] = mergedShape.length - 1;
    }
    for (const run of runs) mergedPerm.push(groupOf[run[0]!]!);
  }
  const rank = mergedShape.length;
  if (rank <= 1) {
    out.set(x);
    return;
  }
  const inStrides = new Array<number>(rank);
  let s = 1;
  for (let i = rank - 1; i >= 0; i--) {
    inStrides[i] = s;
    s *= mergedShape[i]!;
  }
  const outShape = mergedPerm.map((p) => mergedShape[p]!);
  const stepIn = mergedPerm.map((p) => inStrides[p]!);
  if (rank === 2) {
    transpose2d(x, mergedShape[0]!, mergedShape[1]!, out, 0, 0);
    return;
  }
  if (rank === 3 && mergedPerm[0] === 0) {
    // A batch of 2-D transposes.
    const plane = mergedShape[1]! * mergedShape[2]!;
    for (let b = 0; b < mergedShape[0]!; b++) transpose2d(x, mergedShape[1]!, mergedShape[2]!, out, b * plane, b * plane);
    return;
  }
  // General: walk the output in order with an odometer over the input offsets.
  const inner = outShape[rank - 1]!;
  const innerStep = stepIn[rank - 1]!;
  const counter = new Array<number>(rank).fill(0);
  let src = 0;
  for (let o = 0; o < n; o += inner) {
    for (let j = 0, p = src; j < inner; j++, p += innerStep) out[o + j] = x[p]!;
    for (let axis = rank - 2; axis >= 0; axis--) {
      counter[axis]!++;
      src += stepIn[axis]!;
      if (counter[axis]! < outShape[axis]!) break;
      src -= stepIn[axis]! * outShape[axis]!;
      counter[axis] = 0;
    }
  }
}

function nextNonUnit(shape: readonly number[], axis: number): number {
  for (let a = axis + 1; a < shape.length; a++) if (shape[a] !== 1) return a;
  return -1;
}

/** out[c·rows + r] = x[r·cols + c] in 32×32 tiles so both sides stay in cache. */
export function transpose2d(x: Float32Array, rows: number, cols: number, out: Float32Array, xOffset = 0, outOffset = 0): void {
  const T = 32;
  for (let r0 = 0; r0 < rows; r0 += T) {
    const r1 = Math.min(r0 + T, rows);
    for (let c0 = 0; c0 < cols; c0 += T) {
      const c1 = Math.min(c0 + T, cols);
      for (let r = r0; r < r1; r++) {
        const xr = xOffset + r * cols;
        for (let c = c0; c < c1; c++) out[outOffset + c * rows + r] = x[xr + c]!;
      }
    }
  }
}
