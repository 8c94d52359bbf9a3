// String identifiers ('he_uniform', 'heUniform', 'HeUniform', 'relu', 'mse', ...) and the error a
// user gets for a name that does not exist: it lists the valid names and suggests the nearest.
// Shared by activations, initializers, regularizers, losses, metrics and optimizers.
//
// Keras looks names up exactly (case-sensitive snake_case or class names); TF.js uses camelCase.
// tensorkit accepts all three spellings of the same name by comparing a normalised form: lower
// case with `_`, `-` and spaces removed, so 'he_uniform', 'heUniform' and 'HeUniform' are one key.

/**
 * The form in which two spellings of one name compare equal: lower case, without `_`, `-`,
 * spaces or dots.
 *
 * @example
 * ```ts
 * normalizeIdentifier('he_uniform') === normalizeIdentifier('HeUniform');   // true: 'heuniform'
 * ```
 */
export function normalizeIdentifier(name: string): string {
  return name.replace(/[_\-\s.]+/g, '').toLowerCase();
}

/**
 * Edit distance with adjacent transpositions (optimal string alignment): the number of
 * insertions, deletions, substitutions and swaps of neighbours that turn `a` into `b`.
 * 'rleu' → 'relu' is 1 (one swap).
 */
export function editDistance(a: string, b: string): number {
  const m = a.length;
  const n = b.length;
  // Three rows suffice: the transposition looks two rows back.
  let prev2 = new Array<number>(n + 1).fill(0);
  let prev = Array.from({ length: n + 1 }, (_, j) => j);
  let cur = new Array<number>(n + 1).fill(0);
  for (let i = 1; i <= m; i++) {
    cur[0] = i;
    for (let j = 1; j <= n; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let d = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d = Math.min(d, prev2[j - 2]! + 1);
      cur[j] = d;
    }
    [prev2, prev, cur] = [prev, cur, prev2];
  }
  return prev[n]!;
}

/**
 * The candidate nearest to `given` (compared in normalised form), or null when none is close
 * enough to be a plausible typo: at most max(2, 40% of the name's length) edits away. A prefix of
 * a candidate (an abbreviation, 3 characters or more) counts as 1.5 edits.
 *
 * @example
 * ```ts
 * suggest('rleu', ['relu', 'elu', 'selu']);   // 'relu'
 * suggest('xyzzy', ['relu']);                 // null
 * ```
 */
export function suggest(given: string, candidates: readonly string[]): string | null {
  const g = normalizeIdentifier(given);
  let best: string | null = null;
  let bestDistance = Infinity;
  for (const c of candidates) {
    const n = normalizeIdentifier(c);
    // An abbreviation ('std' for 'stddev') counts as 1.5 edits whatever its length: nearer than
    // two typos, not as near as one ('mea' is 'mae' before 'mean_squared_error').
    const d = g.length >= 3 && n.startsWith(g) ? Math.min(1.5, editDistance(g, n)) : editDistance(g, n);
    if (d < bestDistance) {
      best = c;
      bestDistance = d;
    }
  }
  const limit = Math.max(2, Math.ceil(0.4 * g.length));
  return bestDistance <= limit ? best : null;
}

/**
 * The error for an unknown string identifier, in the form
 * `Unknown activation 'rleu'. Did you mean 'relu'? Valid names: relu, sigmoid, ...`.
 *
 * @example
 * ```ts
 * throw unknownIdentifierError('loss', 'mse2', ['mse', 'mae']);
 * ```
 */
export function unknownIdentifierError(kind: string, given: string, valid: readonly string[]): Error {
  const nearest = suggest(given, valid);
  const hint = nearest === null ? '' : ` Did you mean '${nearest}'?`;
  return new Error(`Unknown ${kind} '${given}'.${hint} Valid names: ${valid.join(', ')}`);
}

/**
 * A table of named things that answers every spelling of a name (snake_case, camelCase, class
 * name) and throws {@link unknownIdentifierError} for anything else.
 *
 * @example
 * ```ts
 * const table = new IdentifierTable('activation', { relu: reluFn, hard_sigmoid: hardSigmoidFn });
 * table.get('hardSigmoid');   // hardSigmoidFn
 * table.get('rleu');          // throws: Unknown activation 'rleu'. Did you mean 'relu'? ...
 * ```
 */
export class IdentifierTable<T> {
  /** The names shown in errors, in the order given. */
  readonly names: readonly string[];
  private readonly byKey = new Map<string, T>();

  /**
   * @param kind what the names are, for errors: 'activation', 'initializer', ...
   * @param entries the canonical names (shown in errors) and their values
   * @param aliases extra accepted spellings (not listed in errors), e.g. `{ swish: silu }`
   */
  constructor(readonly kind: string, entries: Record<string, T>, aliases: Record<string, T> = {}) {
    this.names = Object.keys(entries);
    for (const [name, value] of [...Object.entries(entries), ...Object.entries(aliases)]) {
      const key = normalizeIdentifier(name);
      const existing = this.byKey.get(key);
      if (existing !== undefined && existing !== value) {
        throw new Error(`IdentifierTable(${kind}): '${name}' collides with another name of the same normalised form '${key}'`);
      }
      this.byKey.set(key, value);
    }
  }

  /** Whether `name`, in any spelling, is known. */
  has(name: string): boolean {
    return this.byKey.has(normalizeIdentifier(name));
  }

  /** The value for `name` in any spelling; throws listing the valid names otherwise. */
  get(name: string): T {
    const value = this.byKey.get(normalizeIdentifier(name));
    if (value === undefined) throw unknownIdentifierError(this.kind, name, this.names);
    return value;
  }
}

/**
 * Keras's short names for the error losses/metrics (`keras/src/losses/__init__.py` and the
 * metrics table), shared by the loss and metric lookups: `'mse'` is `'mean_squared_error'`.
 *
 * @example
 * ```ts
 * KERAS_SHORT_NAMES.mae;   // 'mean_absolute_error'
 * ```
 */
export const KERAS_SHORT_NAMES: Readonly<Record<string, string>> = {
  mse: 'mean_squared_error', MSE: 'mean_squared_error',
  mae: 'mean_absolute_error', MAE: 'mean_absolute_error',
  mape: 'mean_absolute_percentage_error', MAPE: 'mean_absolute_percentage_error',
  msle: 'mean_squared_logarithmic_error', MSLE: 'mean_squared_logarithmic_error',
  bce: 'binary_crossentropy', BCE: 'binary_crossentropy',
  kld: 'kl_divergence', KLD: 'kl_divergence', kullback_leibler_divergence: 'kl_divergence',
};
