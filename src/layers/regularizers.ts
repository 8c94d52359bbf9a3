// Weight regularizers (tk.regularizers), with Keras 3's formulas and defaults
// (keras/src/regularizers/regularizers.py). A regularizer maps a weight to a differentiable
// scalar penalty that `fit` adds to the loss; an activity regularizer's penalty (on a layer's
// output) is divided by the batch size (see Layer.apply).

import { IdentifierTable } from '../identifiers.js';
import * as ops from '../ops/index.js';
import { formatShape } from '../tensor/shape.js';
import { Tensor, toTensor } from '../tensor/tensor.js';
import * as backend from '../backend.js';
import { checkOptions, describe, nonNegativeNumber } from './options.js';

/** A custom regularizer: any function of a weight returning a scalar tensor. */
export type RegularizerFunction = (x: Tensor) => Tensor;

/** A serialised regularizer: `{ className: 'L2', config: { l2: 0.01 } }`. */
export interface RegularizerConfig {
  /** The Keras class name (`'L2'`, `'L1L2'`, ...). */
  className: string;
  /** The constructor options (`{ l2: 0.01 }`); default `{}`. */
  config?: Record<string, unknown>;
}

/** What the `kernelRegularizer`, `biasRegularizer` and `activityRegularizer` options accept. */
export type RegularizerIdentifier = string | Regularizer | RegularizerFunction | RegularizerConfig;

/**
 * The base of every regularizer: `penalty(x)` is a differentiable scalar.
 *
 * @example
 * ```ts
 * new tk.regularizers.L2({ l2: 0.1 }).penalty(tk.tensor([1, 2])).item();   // 0.1·(1 + 4) = 0.5
 * ```
 */
export abstract class Regularizer {
  /** The Keras class name, e.g. `'L2'`. */
  static readonly className: string = 'Regularizer';
  /** The penalty on `x`: a scalar tensor, differentiable with respect to `x`. */
  abstract penalty(x: Tensor): Tensor;
  /** The constructor options, for saving. */
  getConfig(): Record<string, unknown> {
    return {};
  }
  /** The Keras class name of this regularizer. */
  getClassName(): string {
    return (this.constructor as typeof Regularizer).className;
  }
}

/** Options of {@link L1L2}. */
export interface L1L2Options {
  /** L1 factor (default 0 for the class). */
  l1?: number;
  /** L2 factor (default 0 for the class). */
  l2?: number;
}

/**
 * `l1·Σ|x| + l2·Σx²`. The class defaults are l1 = l2 = 0 (Keras); the string 'l1_l2' gives
 * l1 = l2 = 0.01 (as Keras documents for the string).
 *
 * @example
 * ```ts
 * new tk.regularizers.L1L2({ l1: 0.01, l2: 0.01 });
 * ```
 */
export class L1L2 extends Regularizer {
  static override readonly className: string = 'L1L2';
  /** The L1 factor multiplying Σ|x| (default 0). */
  readonly l1: number;
  /** The L2 factor multiplying Σx² (default 0). */
  readonly l2: number;
  constructor(options: L1L2Options = {}) {
    super();
    checkOptions('L1L2', options, ['l1', 'l2']);
    this.l1 = nonNegativeNumber('L1L2', 'l1', options.l1 ?? 0);
    this.l2 = nonNegativeNumber('L1L2', 'l2', options.l2 ?? 0);
  }
  penalty(x: Tensor): Tensor {
    let total: Tensor = toTensor(0);
    if (this.l1 !== 0) total = ops.add(total, ops.mul(ops.sum(ops.abs(x)), this.l1));
    if (this.l2 !== 0) total = ops.add(total, ops.mul(ops.sum(ops.square(x)), this.l2));
    return total;
  }
  override getConfig(): Record<string, unknown> {
    return { l1: this.l1, l2: this.l2 };
  }
}

/**
 * `l1·Σ|x|`, default l1 = 0.01.
 *
 * @example
 * ```ts
 * new tk.regularizers.L1({ l1: 0.1 }).penalty(tk.tensor([1, -2])).item();   // 0.3
 * ```
 */
export class L1 extends Regularizer {
  static override readonly className: string = 'L1';
  /** The factor multiplying Σ|x| (default 0.01). */
  readonly l1: number;
  constructor(options: { l1?: number } = {}) {
    super();
    checkOptions('L1', options, ['l1']);
    this.l1 = nonNegativeNumber('L1', 'l1', options.l1 ?? 0.01);
  }
  penalty(x: Tensor): Tensor {
    return ops.mul(ops.sum(ops.abs(x)), this.l1);
  }
  override getConfig(): Record<string, unknown> {
    return { l1: this.l1 };
  }
}

/**
 * `l2·Σx²` (no ½ factor, as Keras), default l2 = 0.01.
 *
 * @example
 * ```ts
 * new tk.regularizers.L2().penalty(tk.tensor([1, 2])).item();   // 0.01·5 = 0.05
 * ```
 */
export class L2 extends Regularizer {
  static override readonly className: string = 'L2';
  /** The factor multiplying Σx² (default 0.01). */
  readonly l2: number;
  constructor(options: { l2?: number } = {}) {
    super();
    checkOptions('L2', options, ['l2']);
    this.l2 = nonNegativeNumber('L2', 'l2', options.l2 ?? 0.01);
  }
  penalty(x: Tensor): Tensor {
    return ops.mul(ops.sum(ops.square(x)), this.l2);
  }
  override getConfig(): Record<string, unknown> {
    return { l2: this.l2 };
  }
}

/** Options of {@link OrthogonalRegularizer}. */
export interface OrthogonalRegularizerOptions {
  /** The factor multiplying the penalty. Default 0.01. */
  factor?: number;
  /** Which vectors should be orthogonal: 'rows' (default) or 'columns'. */
  mode?: 'rows' | 'columns';
}

/**
 * Encourages the rows (or columns) of a 2-D weight to be orthogonal:
 * `factor · 0.5 · Σ_{i≠j} |⟨u_i, u_j⟩| / (n(n−1)/2)` over the L2-normalised rows u (Keras 3).
 *
 * @example
 * ```ts
 * new tk.regularizers.OrthogonalRegularizer({ factor: 0.01, mode: 'rows' });
 * ```
 */
export class OrthogonalRegularizer extends Regularizer {
  static override readonly className: string = 'OrthogonalRegularizer';
  /** The factor multiplying the mean off-diagonal |cosine| (default 0.01). */
  readonly factor: number;
  /** Whether the rows (default) or the columns are pushed towards orthogonality. */
  readonly mode: 'rows' | 'columns';
  constructor(options: OrthogonalRegularizerOptions = {}) {
    super();
    checkOptions('OrthogonalRegularizer', options, ['factor', 'mode']);
    this.factor = nonNegativeNumber('OrthogonalRegularizer', 'factor', options.factor ?? 0.01);
    const mode = options.mode ?? 'rows';
    if (mode !== 'rows' && mode !== 'columns') throw new Error(`OrthogonalRegularizer: mode must be 'rows' or 'columns', got ${describe(mode)}`);
    this.mode = mode;
  }
  penalty(x: Tensor): Tensor {
    if (x.rank !== 2) throw new Error(`OrthogonalRegularizer: expected a 2-D weight, got shape ${formatShape(x.shape)}`);
    const axis = this.mode === 'rows' ? 1 : 0;
    // NOTE: x·rsqrt(max(Σx², ε²)) as Keras's normalize, so a zero row stays finite.
    const eps = backend.epsilon();
    const u = ops.mul(x, ops.rsqrt(ops.maximum(ops.sum(ops.square(x), axis, true), eps * eps)));
    const product = this.mode === 'rows' ? ops.matmul(u, u, false, true) : ops.matmul(u, u, true, false);
    const size = product.shape[0]!;
    const offDiagonal = new Float32Array(size * size).fill(1);
    for (let i = 0; i < size; i++) offDiagonal[i * size + i] = 0;
    const pairs = (size * (size - 1)) / 2;
    const total = ops.sum(ops.abs(ops.mul(product, new Tensor(offDiagonal, [size, size]))));
    return ops.mul(total, (this.factor * 0.5) / pairs);
  }
  override getConfig(): Record<string, unknown> {
    return { factor: this.factor, mode: this.mode };
  }
}

/**
 * Wraps a plain function `(x) => scalar Tensor` (a Keras custom regularizer).
 *
 * @example
 * ```ts
 * new tk.regularizers.FunctionRegularizer((w) => w.abs().max()).penalty(tk.tensor([1, -3])).item();   // 3
 * ```
 */
export class FunctionRegularizer extends Regularizer {
  static override readonly className: string = 'FunctionRegularizer';
  /** @param fn The custom penalty: takes the weight, returns a scalar Tensor. */
  constructor(readonly fn: RegularizerFunction) {
    super();
  }
  penalty(x: Tensor): Tensor {
    const p = this.fn(x);
    if (!(p instanceof Tensor) || p.size !== 1) {
      const got = p instanceof Tensor ? `shape ${formatShape(p.shape)}` : describe(p);
      throw new Error(`${this.getClassName()}: a regularizer must return a scalar Tensor, got ${got}`);
    }
    return p;
  }
  override getClassName(): string {
    return this.fn.name || 'FunctionRegularizer';
  }
}

type RegularizerFactory = (config?: Record<string, unknown>) => Regularizer;

const byName: Record<string, RegularizerFactory> = {
  l1: (c) => new L1(c),
  l2: (c) => new L2(c),
  // NOTE: the string 'l1_l2' means l1 = l2 = 0.01 (Keras's documentation and Keras 2's
  // `l1_l2()`); a config object uses the class defaults (0, 0).
  l1_l2: (c) => new L1L2(c ?? { l1: 0.01, l2: 0.01 }),
  orthogonal_regularizer: (c) => new OrthogonalRegularizer(c),
};
const table = new IdentifierTable<RegularizerFactory>('regularizer', byName);

/** The valid regularizer names (camelCase and class names such as 'L1L2' work too). */
export const regularizerNames: readonly string[] = table.names;

/**
 * Turns a regularizer identifier into a {@link Regularizer}: a name ('l1', 'l2', 'l1_l2',
 * 'L1L2', 'l1l2', 'orthogonal_regularizer'; the string forms use the Keras defaults), an
 * instance, a function `(x) => scalar Tensor`, or `{ className, config }`.
 *
 * @example
 * ```ts
 * new tk.layers.Dense(3, { kernelRegularizer: 'l2' });
 * getRegularizer({ className: 'L1', config: { l1: 0.001 } });
 * ```
 */
export function getRegularizer(identifier: RegularizerIdentifier, who?: string): Regularizer {
  const prefix = who === undefined ? '' : `${who}: `;
  try {
    if (identifier instanceof Regularizer) return identifier;
    if (typeof identifier === 'function') return new FunctionRegularizer(identifier);
    if (typeof identifier === 'string') return table.get(identifier)();
    if (identifier !== null && typeof identifier === 'object' && typeof identifier.className === 'string') {
      checkOptions('regularizer config', identifier, ['className', 'config']);
      return table.get(identifier.className)(identifier.config ?? {});
    }
  } catch (e) {
    throw new Error(prefix + (e as Error).message);
  }
  throw new Error(
    `${prefix}Could not interpret regularizer identifier: ${describe(identifier)} (expected 'l1', 'l2', 'l1_l2', a Regularizer or a function)`,
  );
}

/** `{ className, config }` of a regularizer, or null. @example `serializeRegularizer(new L2())   // { className: 'L2', config: { l2: 0.01 } }` */
export function serializeRegularizer(regularizer: Regularizer | null): (RegularizerConfig & {
  /** The regularizer's `getConfig()`. */
  config: Record<string, unknown>;
}) | null {
  return regularizer === null ? null : { className: regularizer.getClassName(), config: regularizer.getConfig() };
}

/**
 * A regularizer from an identifier, or null for none (`who` prefixes errors): how layers read
 * their regularizer options. Use {@link getRegularizer}.
 *
 * @internal
 */
export function regularizerOrNull(identifier: RegularizerIdentifier | null | undefined, who: string): Regularizer | null {
  return identifier === undefined || identifier === null ? null : getRegularizer(identifier, who);
}
