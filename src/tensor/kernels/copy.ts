// Box copies: numbers in, numbers out. One kernel serves slice, pad, concat and their gradients.

/**
 * Copies the box of size `box` starting at `srcBegin` in `src` (shape `srcShape`) to the box
 * starting at `dstBegin` in `dst` (shape `dstShape`). All shapes have the same rank. The
 * innermost axis is copied as a contiguous run; with `accumulate`, values are added instead.
 */
export function copyBox(
  src: Float32Array, srcShape: readonly number[], srcBegin: readonly number[],
  dst: Float32Array, dstShape: readonly number[], dstBegin: readonly number[],
  box: readonly number[], accumulate = false,
): void {
  const rank = box.length;
  for (const d of box) if (d === 0) return;
  if (rank === 0) {
    if (accumulate) dst[0]! += src[0]!;
    else dst[0] = src[0]!;
    return;
  }
  const srcStrides = rowMajorStrides(srcShape);
  const dstStrides = rowMajorStrides(dstShape);
  let s = 0;
  let d = 0;
  for (let i = 0; i < rank; i++) {
    s += srcBegin[i]! * srcStrides[i]!;
    d += dstBegin[i]! * dstStrides[i]!;
  }
  const run = box[rank - 1]!;
  const counter = new Array<number>(rank).fill(0);
  for (;;) {
    if (accumulate) for (let j = 0; j < run; j++) dst[d + j]! += src[s + j]!;
    else dst.set(src.subarray(s, s + run), d);
    let axis = rank - 2;
    for (; axis >= 0; axis--) {
      counter[axis]!++;
      s += srcStrides[axis]!;
      d += dstStrides[axis]!;
      if (counter[axis]! < box[axis]!) break;
      s -= srcStrides[axis]! * box[axis]!;
      d -= dstStrides[axis]! * box[axis]!;
      counter[axis] = 0;
    }
    if (axis < 0) return;
  }
}

function rowMajorStrides(shape: readonly number[]): number[] {
  const strides = new Array<number>(shape.length);
  let s = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    strides[i] = s;
    s *= shape[i]!;
  }
  return strides;
}
