// Matrix multiplication, 2-D and batched, forward and backward side by side.
//
//   C = op(A)·op(B)          op(M) = M or Mᵀ (transposeA / transposeB), read in place by gemm
//   dA = dy·op(B)ᵀ           (stored transposed when transposeA: dA = op(B)·dyᵀ)
//   dB = op(A)ᵀ·dy           (stored transposed when transposeB: dB = dyᵀ·op(A))
//
// Leading (batch) axes broadcast as in NumPy; the gradients come out in the broadcast batch
// shape and the tape walker sums them back to each input's batch shape. The backward is two
// matmuls, so it is differentiable again: matmul is bilinear, its second derivative is matmul too.

import { record } from '../autograd/tape.js';
import { gemmAuto } from '../tensor/kernels/engine.js';
import { broadcastShapes, formatShape, sizeOf, stridesOf } from '../tensor/shape.js';
import { Tensor, toTensor, type TensorLike } from '../tensor/tensor.js';
import { reshape } from './shape.js';

/**
 * Matrix product of the last two axes; leading axes are batch axes and broadcast. A 1-D
 * operand is a row vector on the left or a column vector on the right, and that axis is dropped
 * from the result, as NumPy.
 *
 * @example
 * ```ts
 * tk.matmul(tk.tensor([[1, 2], [3, 4]]), tk.tensor([[5], [6]])).toArray();   // [[17], [39]]
 * ```
 */
export function matmul(a: TensorLike, b: TensorLike, transposeA = false, transposeB = false): Tensor {
  const x = toTensor(a, 'matmul');
  const y = toTensor(b, 'matmul');
  if (x.rank === 0 || y.rank === 0) throw new Error(`matmul: operands must have rank >= 1, got ${formatShape(x.shape)} and ${formatShape(y.shape)}`);
  if (x.rank === 1 || y.rank === 1) {
    if ((x.rank === 1 && transposeA) || (y.rank === 1 && transposeB)) {
      throw new Error(`matmul: transposeA/transposeB apply to matrices; a 1-D operand (${formatShape(x.rank === 1 ? x.shape : y.shape)}) has nothing to transpose`);
    }
    const x2 = x.rank === 1 ? reshape(x, [1, x.size]) : x;
    const y2 = y.rank === 1 ? reshape(y, [y.size, 1]) : y;
    const out = matmul(x2, y2, x.rank === 1 ? false : transposeA, y.rank === 1 ? false : transposeB);
    const shape = out.shape.slice();
    if (y.rank === 1) shape.splice(shape.length - 1, 1);
    if (x.rank === 1) shape.splice(shape.length - (y.rank === 1 ? 1 : 2), 1);
    return reshape(out, shape);
  }
  const out = batchedGemm(x, y, transposeA, transposeB);
  return record('matmul', [x, y], out, (dy) => [
    x.requiresGrad ? (transposeA ? matmul(y, dy, transposeB, true) : matmul(dy, y, false, !transposeB)) : null,
    y.requiresGrad ? (transposeB ? matmul(dy, x, true, transposeA) : matmul(x, dy, !transposeA, false)) : null,
  ], { transposeA, transposeB });
}

/** op(a)·op(b) over broadcast batch axes, one gemm call per batch entry. No tape. */
export function batchedGemm(a: Tensor, b: Tensor, transA: boolean, transB: boolean): Tensor {
  const ar = a.rank;
  const br = b.rank;
  const [aRows, aCols] = [a.shape[ar - 2]!, a.shape[ar - 1]!];
  const [bRows, bCols] = [b.shape[br - 2]!, b.shape[br - 1]!];
  const m = transA ? aCols : aRows;
  const k = transA ? aRows : aCols;
  const kB = transB ? bCols : bRows;
  const n = transB ? bRows : bCols;
  if (k !== kB) {
    throw new Error(`matmul: inner dimensions differ: ${formatShape(a.shape)}${transA ? 'ᵀ' : ''} × ${formatShape(b.shape)}${transB ? 'ᵀ' : ''} (${k} vs ${kB})`);
  }
  const aBatch = a.shape.slice(0, ar - 2);
  const bBatch = b.shape.slice(0, br - 2);
  let batch: number[];
  try {
    batch = broadcastShapes(aBatch, bBatch, 'matmul');
  } catch {
    throw new Error(`matmul: cannot broadcast the batch dimensions ${formatShape(aBatch)} and ${formatShape(bBatch)} of ${formatShape(a.shape)} × ${formatShape(b.shape)}`);
  }
  const count = sizeOf(batch);
  const out = new Float32Array(count * m * n);
  const aMat = aRows * aCols;
  const bMat = bRows * bCols;
  if (count === 1) {
    gemmAuto(transA, transB, m, n, k, a.data, 0, aCols, b.data, 0, bCols, out, 0, n, false);
  } else {
    // Map each output batch index to the (possibly broadcast) batch index of a and b.
    const aIdx = batchOffsets(aBatch, batch);
    const bIdx = batchOffsets(bBatch, batch);
    for (let i = 0; i < count; i++) {
      gemmAuto(transA, transB, m, n, k, a.data, aIdx[i]! * aMat, aCols, b.data, bIdx[i]! * bMat, bCols, out, i * m * n, n, false);
    }
  }
  return new Tensor(out, [...batch, m, n]);
}

/** For each entry of the broadcast batch `shape`, the matching flat batch index in `own`. */
function batchOffsets(own: readonly number[], shape: readonly number[]): Int32Array {
  const count = sizeOf(shape);
  const result = new Int32Array(count);
  const lead = shape.length - own.length;
  const ownStrides = stridesOf(own);
  const outStrides = stridesOf(shape);
  for (let i = 0; i < count; i++) {
    let rem = i;
    let idx = 0;
    for (let d = 0; d < shape.length; d++) {
      const coord = Math.floor(rem / outStrides[d]!);
      rem -= coord * outStrides[d]!;
      if (d >= lead && own[d - lead]! !== 1) idx += coord * ownStrides[d - lead]!;
    }
    result[i] = idx;
  }
  return result;
}
