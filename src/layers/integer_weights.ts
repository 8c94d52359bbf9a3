// Weights that Keras stores as integers (int64 in its HDF5 files): tensorkit keeps every weight in
// float32, and remembers which ones Keras declares with dtype "int" so that the .keras and .h5
// writers store them as Keras does (Normalization's `count`). Readers accept either.

import type { Variable } from '../tensor/tensor.js';

const INTEGER_WEIGHTS = new WeakSet<Variable>();

/** Marks `v` as a weight Keras stores as int64. */
export function markIntegerWeight(v: Variable): Variable {
  INTEGER_WEIGHTS.add(v);
  return v;
}

/**
 * The values to write for `v` in a Keras HDF5 file: int64 for a weight marked by
 * {@link markIntegerWeight}, else its float32 data.
 */
export function kerasWeightData(v: Variable): Float32Array | BigInt64Array {
  return INTEGER_WEIGHTS.has(v) ? BigInt64Array.from(v.data, (x) => BigInt(Math.round(x))) : v.data;
}
