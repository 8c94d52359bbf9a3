// Ops that move values without computing new ones: identity, reshape, transpose, slice, concat,
// gather, pad, where, oneHot. Their gradients move dy back the same way, with the same ops: these
// are linear maps in adjoint pairs (the backward of slice is pad and of pad is slice, of gather
// scatterAdd and of scatterAdd gather, transpose's is the inverse transpose), so every backward
// here is itself differentiable, to any order.

import { record } from '../autograd/tape.js';
import { broadcastToTensor, transposeTensor } from '../tensor/compute.js';
import { copyBox } from '../tensor/kernels/copy.js';
import { broadcastShapes, formatShape, normalizeAxis, sizeOf } from '../tensor/shape.js';
import { reshapeTarget, Tensor, toTensor, type TensorLike } from '../tensor/tensor.js';

/**
 * The same values as a new tensor on the tape (the data is shared).   d/dx = dy
 *
 * `tk.grad` hands its function an identity of an argument that already requires a gradient (an
 * outer `grad`'s argument, a Variable), so the inner gradient stays connected to the outer tape.
 *
 * @example
 * ```ts
 * tk.identity(tk.tensor([1, 2])).toArray();   // [1, 2]
 * ```
 */
export function identity(x: TensorLike): Tensor {
  const t = toTensor(x, 'identity');
  return record('identity', [t], new Tensor(t.data, t.shape), (dy) => [dy], undefined, false);
}

/**
 * Same values, new shape (one axis may be -1 and is inferred). The data is shared, not copied.
 * d/dx = dy reshaped back
 *
 * @example
 * ```ts
 * tk.reshape(tk.tensor([1, 2, 3, 4, 5, 6]), [2, -1]).shape;   // [2, 3]
 * ```
 */
export function reshape(x: TensorLike, shape: readonly number[]): Tensor {
  const t = toTensor(x, 'reshape');
  const target = reshapeTarget(t.size, shape, `reshape ${formatShape(t.shape)}`);
  return record('reshape', [t], new Tensor(t.data, target), (dy) => [reshape(dy, t.shape)], { shape: target }, false);
}

/**
 * Permutes axes: output axis i is input axis `perm[i]` (reversed when omitted).
 * d/dx = dy transposed by the inverse permutation
 *
 * @example
 * ```ts
 * tk.transpose(tk.zeros([2, 3, 4]), [0, 2, 1]).shape;   // [2, 4, 3]
 * ```
 */
export function transpose(x: TensorLike, perm?: readonly number[]): Tensor {
  const t = toTensor(x, 'transpose');
  const p = perm === undefined ? t.shape.map((_, i) => t.rank - 1 - i) : perm.map((a) => normalizeAxis(a, t.rank, 'transpose'));
  if (p.length !== t.rank || new Set(p).size !== t.rank) {
    throw new Error(`transpose: perm [${perm?.join(',')}] is not a permutation of the ${t.rank} axes of ${formatShape(t.shape)}`);
  }
  const inverse = new Array<number>(p.length);
  p.forEach((axis, i) => { inverse[axis] = i; });
  return record('transpose', [t], transposeTensor(t, p), (dy) => [transpose(dy, inverse)], { perm: p }, false);
}

/**
 * Inserts an axis of size 1 at `axis` (-1 appends: NumPy's `x[..., np.newaxis]`). A reshape.
 *
 * @example
 * ```ts
 * tk.expandDims(tk.zeros([28, 28]), -1).shape;   // [28, 28, 1]
 * ```
 */
export function expandDims(x: TensorLike, axis = 0): Tensor {
  const t = toTensor(x, 'expandDims');
  const a = normalizeAxis(axis, t.rank + 1, 'expandDims');
  const shape = t.shape.slice();
  shape.splice(a, 0, 1);
  return reshape(t, shape);
}

/**
 * Removes size-1 axes: all of them, or the listed ones (which must have size 1). A reshape.
 *
 * @example
 * ```ts
 * tk.squeeze(tk.zeros([1, 3, 1])).shape;   // [3]
 * ```
 */
export function squeeze(x: TensorLike, axis?: number | number[]): Tensor {
  const t = toTensor(x, 'squeeze');
  const listed = axis === undefined ? null : (typeof axis === 'number' ? [axis] : axis).map((a) => normalizeAxis(a, t.rank, 'squeeze'));
  if (listed) for (const a of listed) if (t.shape[a] !== 1) throw new Error(`squeeze: axis ${a} of ${formatShape(t.shape)} has size ${t.shape[a]}, not 1`);
  const shape = t.shape.filter((d, i) => (listed ? !listed.includes(i) : d !== 1));
  return reshape(t, shape);
}

/**
 * A box of `x`: it starts at `begin` and has `size` (-1 = to the end) on each axis. A number
 * `begin`/`size` applies to the first axis, as TF.js.   d/dx = pad(dy) back to x's shape with zeros
 *
 * @example
 * ```ts
 * tk.slice(tk.tensor([[1, 2, 3], [4, 5, 6]]), [0, 1], [2, 2]).toArray();   // [[2, 3], [5, 6]]
 * ```
 */
export function slice(x: TensorLike, begin: number | readonly number[], size?: number | readonly number[]): Tensor {
  const t = toTensor(x, 'slice');
  const b = t.shape.map((_, i) => (typeof begin === 'number' ? (i === 0 ? begin : 0) : begin[i] ?? 0));
  const s = t.shape.map((d, i) => {
    const v = size === undefined ? -1 : typeof size === 'number' ? (i === 0 ? size : -1) : size[i] ?? -1;
    return v === -1 ? d - b[i]! : v;
  });
  for (let i = 0; i < t.rank; i++) {
    if (!Number.isInteger(b[i]) || !Number.isInteger(s[i]) || b[i]! < 0 || s[i]! < 0 || b[i]! + s[i]! > t.shape[i]!) {
      throw new Error(`slice: begin [${b.join(',')}] with size [${s.join(',')}] does not fit in ${formatShape(t.shape)}`);
    }
  }
  const out = new Float32Array(sizeOf(s));
  copyBox(t.data, t.shape, b, out, s, s.map(() => 0), s);
  const around = b.map((bi, i): [number, number] => [bi, t.shape[i]! - bi - s[i]!]);
  return record('slice', [t], new Tensor(out, s), (dy) => [pad(dy, around)], { begin: b, size: s }, false);
}

/**
 * Joins tensors along `axis`; all other axes must match.   d/dx_i = the slice of dy that x_i filled
 *
 * @example
 * ```ts
 * tk.concat([tk.tensor([[1], [2]]), tk.tensor([[3], [4]])], 1).toArray();   // [[1, 3], [2, 4]]
 * ```
 */
export function concat(tensors: readonly TensorLike[], axis = 0): Tensor {
  if (tensors.length === 0) throw new Error('concat: expected at least one tensor, got an empty list');
  const ts = tensors.map((x) => toTensor(x, 'concat'));
  const first = ts[0]!;
  const a = normalizeAxis(axis, first.rank, 'concat');
  for (const t of ts) {
    if (t.rank !== first.rank || t.shape.some((d, i) => i !== a && d !== first.shape[i])) {
      throw new Error(`concat: shapes ${ts.map((u) => formatShape(u.shape)).join(', ')} differ outside axis ${a}`);
    }
  }
  const shape = first.shape.slice();
  shape[a] = ts.reduce((n, t) => n + t.shape[a]!, 0);
  const out = new Float32Array(sizeOf(shape));
  const offsets: number[] = [];
  let offset = 0;
  for (const t of ts) {
    offsets.push(offset);
    const begin = shape.map((_, i) => (i === a ? offset : 0));
    copyBox(t.data, t.shape, t.shape.map(() => 0), out, shape, begin, t.shape);
    offset += t.shape[a]!;
  }
  return record('concat', ts, new Tensor(out, shape), (dy) => ts.map((t, k) => {
    if (!t.requiresGrad) return null;
    return slice(dy, shape.map((_, i) => (i === a ? offsets[k]! : 0)), t.shape);
  }), { axis: a }, false);
}

/**
 * Stacks same-shape tensors along a new axis: a composite, expandDims then concat.
 *
 * @example
 * ```ts
 * tk.stack([tk.tensor([1, 2]), tk.tensor([3, 4])]).toArray();   // [[1, 2], [3, 4]]
 * ```
 */
export function stack(tensors: readonly TensorLike[], axis = 0): Tensor {
  if (tensors.length === 0) throw new Error('stack: expected at least one tensor, got an empty list');
  const ts = tensors.map((x) => toTensor(x, 'stack'));
  for (const t of ts) {
    if (t.rank !== ts[0]!.rank || t.shape.some((d, i) => d !== ts[0]!.shape[i])) {
      throw new Error(`stack: all tensors must have the same shape, got ${ts.map((u) => formatShape(u.shape)).join(', ')}`);
    }
  }
  const a = normalizeAxis(axis, ts[0]!.rank + 1, 'stack'); // so a bad axis names stack
  return concat(ts.map((t) => expandDims(t, a)), a);
}

/** Reads integer indices, checking each is an integer in [0, n). */
function readIndices(indices: Tensor, n: number, op: string): Int32Array {
  const out = new Int32Array(indices.size);
  for (let i = 0; i < out.length; i++) {
    const v = indices.data[i]!;
    if (!Number.isInteger(v) || v < 0 || v >= n) {
      throw new Error(`${op}: index ${v} at position ${i} is not an integer in [0, ${n})`);
    }
    out[i] = v;
  }
  return out;
}

/**
 * Entries of `x` along `axis` picked by integer `indices`; the result has shape
 * x.shape[:axis] + indices.shape + x.shape[axis+1:].   d/dx = scatterAdd(dy) back to the rows
 *
 * @example
 * ```ts
 * tk.gather(tk.tensor([[1, 2], [3, 4], [5, 6]]), [2, 0]).toArray();   // [[5, 6], [1, 2]]
 * ```
 */
export function gather(x: TensorLike, indices: TensorLike, axis = 0): Tensor {
  const t = toTensor(x, 'gather');
  const idx = toTensor(indices, 'gather');
  const a = normalizeAxis(axis, t.rank, 'gather');
  const n = t.shape[a]!;
  const picks = readIndices(idx, n, 'gather');
  const outer = sizeOf(t.shape.slice(0, a));
  const inner = sizeOf(t.shape.slice(a + 1));
  const shape = [...t.shape.slice(0, a), ...idx.shape, ...t.shape.slice(a + 1)];
  const out = new Float32Array(sizeOf(shape));
  for (let o = 0; o < outer; o++) {
    for (let k = 0; k < picks.length; k++) {
      const src = (o * n + picks[k]!) * inner;
      out.set(t.data.subarray(src, src + inner), (o * picks.length + k) * inner);
    }
  }
  return record('gather', [t, idx], new Tensor(out, shape), (dy) => [scatterAdd(dy, idx, n, a), null], { axis: a }, false);
}

/**
 * The adjoint of {@link gather}: a zero tensor with `size` entries along `axis`, to which each
 * entry of `updates` is added at the index `indices` names. `updates` has shape
 * outer + indices.shape + inner (as gather's result), the result outer + [size] + inner; repeated
 * indices add up.   d/dupdates = gather(dy, indices, axis)
 *
 * @example
 * ```ts
 * tk.scatterAdd(tk.tensor([[1, 2], [3, 4], [5, 6]]), [2, 0, 2], 3).toArray();   // [[3, 4], [0, 0], [6, 8]]
 * ```
 */
export function scatterAdd(updates: TensorLike, indices: TensorLike, size: number, axis = 0): Tensor {
  const u = toTensor(updates, 'scatterAdd');
  const idx = toTensor(indices, 'scatterAdd');
  if (!Number.isInteger(size) || size < 0) throw new Error(`scatterAdd: size must be a non-negative integer, got ${size}`);
  const a = normalizeAxis(axis, u.rank - idx.rank + 1, 'scatterAdd');
  const indexShape = u.shape.slice(a, a + idx.rank);
  if (u.rank < idx.rank || indexShape.some((d, i) => d !== idx.shape[i])) {
    throw new Error(`scatterAdd: updates ${formatShape(u.shape)} must have the indices' shape ${formatShape(idx.shape)} at axis ${a}`);
  }
  const picks = readIndices(idx, size, 'scatterAdd');
  const outer = sizeOf(u.shape.slice(0, a));
  const inner = sizeOf(u.shape.slice(a + idx.rank));
  const shape = [...u.shape.slice(0, a), size, ...u.shape.slice(a + idx.rank)];
  const out = new Float32Array(sizeOf(shape));
  for (let o = 0; o < outer; o++) {
    for (let k = 0; k < picks.length; k++) {
      const dst = (o * size + picks[k]!) * inner;
      const src = (o * picks.length + k) * inner;
      for (let j = 0; j < inner; j++) out[dst + j]! += u.data[src + j]!;
    }
  }
  return record('scatterAdd', [u, idx], new Tensor(out, shape), (dy) => [gather(dy, idx, a), null], { axis: a, size }, false);
}

/**
 * One-hot encoding: integer class ids of any shape → shape + [depth], 1 at the id, 0 elsewhere.
 * An id outside [0, depth) is an error naming it. Not differentiable.
 *
 * @example
 * ```ts
 * tk.oneHot(tk.tensor([0, 2]), 3).toArray();   // [[1, 0, 0], [0, 0, 1]]
 * ```
 */
export function oneHot(indices: TensorLike, depth: number, onValue = 1, offValue = 0): Tensor {
  const idx = toTensor(indices, 'oneHot');
  if (!Number.isInteger(depth) || depth < 1) throw new Error(`oneHot: depth must be a positive integer, got ${depth}`);
  const picks = readIndices(idx, depth, 'oneHot');
  const out = new Float32Array(idx.size * depth).fill(offValue);
  for (let i = 0; i < picks.length; i++) out[i * depth + picks[i]!] = onValue;
  return new Tensor(out, [...idx.shape, depth]);
}

/**
 * Pads each axis with `value`: `paddings[i] = [before, after]`.   d/dx = slice(dy): the middle box
 *
 * @example
 * ```ts
 * tk.pad(tk.tensor([[1]]), [[1, 1], [0, 2]]).toArray();   // [[0, 0, 0], [1, 0, 0], [0, 0, 0]]
 * ```
 */
export function pad(x: TensorLike, paddings: readonly (readonly [number, number])[], value = 0): Tensor {
  const t = toTensor(x, 'pad');
  if (paddings.length !== t.rank || paddings.some((p) => p.length !== 2 || !Number.isInteger(p[0]) || !Number.isInteger(p[1]) || p[0] < 0 || p[1] < 0)) {
    throw new Error(`pad: expected ${t.rank} pairs [before, after] of non-negative integers for shape ${formatShape(t.shape)}, got ${JSON.stringify(paddings)}`);
  }
  const shape = t.shape.map((d, i) => d + paddings[i]![0] + paddings[i]![1]);
  const begin = paddings.map((p) => p[0]);
  const out = new Float32Array(sizeOf(shape));
  if (value !== 0) out.fill(value);
  copyBox(t.data, t.shape, t.shape.map(() => 0), out, shape, begin, t.shape);
  return record('pad', [t], new Tensor(out, shape), (dy) => [slice(dy, begin, t.shape)], { paddings }, false);
}

/**
 * `condition ? a : b` elementwise, all three broadcast together (condition: nonzero = true).
 * d/da = where(condition, dy, 0),  d/db = where(condition, 0, dy)
 *
 * @example
 * ```ts
 * tk.where(tk.tensor([1, 0]), tk.tensor([1, 2]), tk.tensor([9, 9])).toArray();   // [1, 9]
 * ```
 */
export function where(condition: TensorLike, a: TensorLike, b: TensorLike): Tensor {
  const c = toTensor(condition, 'where');
  const x = toTensor(a, 'where');
  const y = toTensor(b, 'where');
  const shape = broadcastShapes(broadcastShapes(c.shape, x.shape, 'where'), y.shape, 'where');
  const out = new Float32Array(sizeOf(shape));
  const cb = c.size === 1 && out.length !== 1 ? broadcastToTensor(c, shape, 'where').data : broadcastData(c, shape);
  const xb = broadcastData(x, shape);
  const yb = broadcastData(y, shape);
  // NOTE: a one-element a or b (the 0 of where's own gradient) is read as a number, not copied out.
  const xs = xb.length === 1 && out.length !== 1 ? xb[0]! : null;
  const ys = yb.length === 1 && out.length !== 1 ? yb[0]! : null;
  for (let i = 0; i < out.length; i++) out[i] = cb[i] !== 0 ? (xs ?? xb[i]!) : (ys ?? yb[i]!);
  return record('where', [c, x, y], new Tensor(out, shape), (dy) => [
    null,
    x.requiresGrad ? where(c, dy, 0) : null,
    y.requiresGrad ? where(c, 0, dy) : null,
  ]);
}

/** x's values in the broadcast shape: its own array when it already has that shape or one element. */
function broadcastData(x: Tensor, shape: readonly number[]): Float32Array {
  if (x.size === 1 || (x.rank === shape.length && x.shape.every((d, i) => d === shape[i]))) return x.data;
  return broadcastToTensor(x, shape, 'where').data;
}
