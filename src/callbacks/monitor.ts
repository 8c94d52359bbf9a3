// What EarlyStopping and ReduceLROnPlateau share (keras/src/callbacks/monitor_callback.py): the
// monitored quantity, its direction, and the improvement test.
//
//   min mode: improved when current − (−|minDelta|) < best   (it dropped by more than minDelta)
//   max mode: improved when current − |minDelta| > best      (it rose by more than minDelta)
//   nothing recorded yet (best null): any value is an improvement.
//
// 'auto' mode: Keras asks the compiled metric for its direction. Callbacks here do not see the
// metric objects, so the direction is read from the name (without its `val_` prefix):
// loss-like names minimise, accuracy-like names maximise, anything else is an error asking for
// an explicit mode (as Keras raises when the direction is unknown).

const MINIMIZE = new Set([
  'loss', 'mse', 'mae', 'mape', 'msle', 'rmse', 'mean_squared_error', 'mean_absolute_error',
  'mean_absolute_percentage_error', 'mean_squared_logarithmic_error', 'root_mean_squared_error',
  'hinge', 'squared_hinge', 'categorical_hinge', 'kl_divergence', 'kld', 'kullback_leibler_divergence',
  'poisson', 'logcosh', 'log_cosh', 'huber', 'huber_loss',
]);

const MAXIMIZE = new Set([
  'acc', 'accuracy', 'auc', 'precision', 'recall', 'f1_score', 'fbeta_score', 'r2_score',
  'cosine_similarity', 'pearson_correlation', 'concordance_correlation', 'iou', 'mean_iou',
  'binary_iou', 'one_hot_iou', 'one_hot_mean_iou', 'precision_at_recall', 'recall_at_precision',
  'sensitivity_at_specificity', 'specificity_at_sensitivity',
]);

/**
 * The direction of a monitored quantity from its name, or null when the name does not say.
 *
 * @example
 * ```ts
 * monitorDirection('val_loss');              // 'min'
 * monitorDirection('val_sparse_categorical_accuracy');   // 'max'
 * monitorDirection('my_score');              // null
 * ```
 */
export function monitorDirection(monitor: string): 'min' | 'max' | null {
  const name = monitor.replace(/^val_/, '').replace(/_\d+$/, ''); // 'auc_1' is a second AUC
  if (MINIMIZE.has(name) || name.endsWith('_loss') || name.endsWith('crossentropy') || name.endsWith('_error')) return 'min';
  if (MAXIMIZE.has(name) || name.endsWith('_accuracy') || name.endsWith('_acc')) return 'max';
  return null;
}

/** Whether a monitored quantity improves by going down ('min') or up ('max'); 'auto' reads it from the name. */
export type MonitorMode = 'auto' | 'min' | 'max';

/** Resolves `mode` for `monitor` to min or max; throws for an unknown mode or direction. */
export function resolveMode(owner: string, monitor: string, mode: MonitorMode): 'min' | 'max' {
  if (mode !== 'auto' && mode !== 'min' && mode !== 'max') {
    throw new Error(`${owner}: mode must be 'auto', 'min' or 'max', got '${String(mode)}'`);
  }
  if (mode !== 'auto') return mode;
  const direction = monitorDirection(monitor);
  if (direction === null) {
    throw new Error(
      `${owner} callback received monitor='${monitor}', but tensorkit cannot tell from the name whether that metric ` +
      "should be maximized or minimized. Pass mode: 'max' to monitor the highest value, or mode: 'min' for the lowest.",
    );
  }
  return direction;
}

/** Keras's improvement test, with minDelta already signed (negative in min mode). */
export function isImprovement(direction: 'min' | 'max', signedMinDelta: number, current: number, reference: number | null): boolean {
  if (reference === null) return true;
  return direction === 'min' ? current - signedMinDelta < reference : current - signedMinDelta > reference;
}

/** Checks an options object against the keys a callback accepts. */
export function checkOptionKeys(owner: string, options: object, allowed: readonly string[]): void {
  if (options === null || typeof options !== 'object') throw new Error(`${owner}: expected an options object, got ${String(options)}`);
  const unknown = Object.keys(options).filter((k) => !allowed.includes(k) && (options as Record<string, unknown>)[k] !== undefined);
  if (unknown.length > 0) {
    throw new Error(`${owner}: unknown option(s) ${unknown.map((k) => `'${k}'`).join(', ')}. Valid options: ${allowed.join(', ')}`);
  }
}

/** Throws unless `value` is a finite number (or absent, giving `fallback`). */
export function numberArg(owner: string, key: string, value: unknown, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isFinite(value)) throw new Error(`${owner}: option ${key} must be a finite number, got ${String(value)}`);
  return value;
}

/** Python's `warnings.warn`: each distinct message is printed once per owner. */
export class WarnOnce {
  private readonly seen = new Set<string>();
  warn(message: string): void {
    if (this.seen.has(message)) return;
    this.seen.add(message);
    console.warn(message);
  }
}
