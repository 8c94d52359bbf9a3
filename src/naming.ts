// Keras-style automatic names: snake_case of the class name, then `_1`, `_2`, ... for later
// uses of the same prefix (`dense`, `dense_1`, `conv2d`, `max_pooling2d`, `adam_1`).

const counters = new Map<string, number>();

/**
 * Keras's snake_case: `Conv2D` → `conv2d`, `MaxPooling2D` → `max_pooling2d`,
 * `BatchNormalization` → `batch_normalization`, `ReLU` → `re_lu`.
 */
export function toSnakeCase(name: string): string {
  const words = name.replace(/[^\w]+/g, '');
  return words
    .replace(/(.)([A-Z][a-z]+)/g, '$1_$2')
    .replace(/([a-z])([A-Z])/g, '$1_$2')
    .toLowerCase();
}

/** The next free name for `prefix`: the first use gets the bare prefix, later ones `_1`, `_2`, ... */
export function uniqueName(prefix: string): string {
  const n = counters.get(prefix) ?? 0;
  counters.set(prefix, n + 1);
  return n === 0 ? prefix : `${prefix}_${n}`;
}

/**
 * Resets the automatic name counters (Keras's `clear_session`), so the next Dense is `dense` again.
 *
 * @example
 * ```ts
 * tk.clearSession();
 * new tk.layers.Dense(1).name;   // 'dense'
 * ```
 */
export function clearSession(): void {
  counters.clear();
}
