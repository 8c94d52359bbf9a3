// Attention (Luong, dot-product) and AdditiveAttention (Bahdanau), keras/src/layers/attention/
// attention.py and additive_attention.py, keras-facts-2 §16.3. Both are composed of recorded ops
// (matmul, tanh, sum, softmax, where), so every order of gradient comes from the tape.
//
// For query [B, Tq, dim], value [B, Tv, dv], key [B, Tv, dim] (key defaults to value):
//   scores  dot:      q·kᵀ (× scale when useScale)                               [B, Tq, Tv]
//           concat:   concat_score_weight · Σ_d tanh(scale·(q_i + k_j))
//           additive: Σ_d scale_d · tanh(q_i + k_j)
//   weights = softmax_Tv(scores − 1e9 where the value mask (or the causal mask) is 0)
//   output  = dropout(weights)·value, rows of masked queries set to 0          [B, Tq, dv]

import * as ops from '../ops/index.js';
import { Random } from '../tensor/random.js';
import { formatShape } from '../tensor/shape.js';
import type { Tensor, Variable } from '../tensor/tensor.js';
import { andMasks, causalMask, dropoutProbs, showShape } from './attention_common.js';
import { Layer, formatSymbolicShape, isShapeList, type CallArgs, type LayerArgs, type LayerConfig, type Mask, type SymbolicShape } from './layer.js';
import { LAYER_ARG_KEYS, boolean, checkOptions, describe, layerWho, seedOption } from './options.js';

/** Options of {@link Attention}. */
export interface AttentionOptions extends LayerArgs {
  /** Learn a scalar `scale` multiplying the scores (default false). */
  useScale?: boolean;
  /** `'dot'` (default): q·kᵀ; `'concat'`: Σ tanh(q + k) times a learned scalar. */
  scoreMode?: 'dot' | 'concat';
  /** Dropout rate on the attention weights, in training only (default 0). */
  dropout?: number;
  /** Seed of the dropout generator (default: the global one). */
  seed?: number | null;
}

/** Options of {@link AdditiveAttention}. */
export interface AdditiveAttentionOptions extends LayerArgs {
  /** Learn a per-feature `scale` of shape `[dim]` (default true). */
  useScale?: boolean;
  /** Dropout rate on the attention weights, in training only (default 0). */
  dropout?: number;
  /** Seed of the dropout generator (default: the global one). */
  seed?: number | null;
}

/** Call arguments of {@link Attention} and {@link AdditiveAttention}. */
export interface AttentionCallArgs extends CallArgs {
  /** Return `[output, scores]`, scores the softmax weights `[B, Tq, Tv]` before dropout. */
  returnAttentionScores?: boolean;
  /** Query i attends only to keys j ≤ i. */
  useCausalMask?: boolean;
}

const CALL_KEYS = new Set(['training', 'mask', 'returnAttentionScores', 'useCausalMask']);

/** Keras's fill for masked scores: 1e9 is *subtracted* from them (attention.py `_apply_scores`). */
const MASK_PENALTY = 1e9;

/** What Attention and AdditiveAttention share: inputs, masks, softmax, dropout, output. */
abstract class BaseDenseAttention extends Layer<Tensor | Tensor[]> {
  /** Whether a learned scale is used. */
  readonly useScale: boolean;
  /** Dropout rate on the attention weights (training only). */
  readonly dropout: number;
  /** The seed of the dropout generator, or null. */
  readonly seed: number | null;
  private readonly rng: Random | null;

  constructor(who: string, options: AttentionOptions, useScaleDefault: boolean) {
    const useScale = boolean(who, 'useScale', options.useScale ?? useScaleDefault);
    const dropout = options.dropout ?? 0;
    if (typeof dropout !== 'number' || !(dropout >= 0 && dropout <= 1)) throw new Error(`${who}: dropout must be a number in [0, 1], got ${describe(dropout)}`);
    const seed = seedOption(who, options.seed);
    super(options);
    this.supportsMasking = true;
    this.useScale = useScale;
    this.dropout = dropout;
    this.seed = seed;
    this.rng = seed === null ? null : new Random(seed);
  }

  /** The scores `[B, Tq, Tv]` of query `[B, Tq, dim]` against key `[B, Tv, dim]`. */
  protected abstract scores(query: Tensor, key: Tensor): Tensor;

  /** Query, value and key shapes, checked: rank 3, one batch size, key and value of one length, query and key of one width. */
  protected shapes(inputShape: SymbolicShape | SymbolicShape[]): { q: SymbolicShape; v: SymbolicShape; k: SymbolicShape } {
    if (!isShapeList(inputShape) || inputShape.length < 2 || inputShape.length > 3) {
      const got = isShapeList(inputShape) ? `${inputShape.length} inputs` : `one input of shape ${showShape(inputShape)}`;
      throw new Error(`${this.name}: expected a list [query, value] or [query, value, key], got ${got}`);
    }
    const [q, v, k = v] = inputShape as [SymbolicShape, SymbolicShape, SymbolicShape?];
    const keyName = inputShape.length === 3 ? 'key' : 'value (the key)';
    const names = ['query', 'value', 'key'];
    [q, v, k].forEach((s, i) => {
      if (s.length !== 3) throw new Error(`${this.name}: ${names[i]} must have rank 3, [batch, time, features], got ${showShape(s)}`);
    });
    if (q[2] !== null && k[2] !== null && q[2] !== k[2]) {
      throw new Error(`${this.name}: query and ${keyName} must have the same feature size to be compared, got query ${showShape(q)} and ${keyName} ${showShape(k)}`);
    }
    if (v[1] !== null && k[1] !== null && v[1] !== k[1]) {
      throw new Error(`${this.name}: value and key must have the same length, got value ${showShape(v)} and key ${showShape(k)}`);
    }
    const batches = [q[0], v[0], k[0]].filter((b) => b !== null);
    if (new Set(batches).size > 1) {
      throw new Error(`${this.name}: query and value must have the same batch size, got query ${showShape(q)} and value ${showShape(v)}${inputShape.length === 3 ? ` (key ${showShape(k)})` : ''}`);
    }
    return { q, v, k };
  }

  override computeOutputShape(inputShape: SymbolicShape | SymbolicShape[], args: CallArgs = {}): SymbolicShape | SymbolicShape[] {
    const { q, v } = this.shapes(inputShape);
    const out: SymbolicShape = [q[0]!, q[1]!, v[2]!];
    return args.returnAttentionScores === true ? [out, [q[0]!, q[1]!, v[1]!]] : out;
  }

  /** The query's mask goes to the output (Keras `compute_mask`). */
  override computeMask(_inputs: Tensor | Tensor[], mask: Mask | Mask[] | undefined): Mask | Mask[] {
    const first = Array.isArray(mask) ? mask[0] ?? null : mask ?? null;
    return [first, null];
  }

  call(inputs: Tensor | Tensor[], args: AttentionCallArgs): Tensor | Tensor[] {
    for (const key of Object.keys(args)) {
      if (!CALL_KEYS.has(key) && args[key] !== undefined) throw new Error(`${this.name}: unknown call argument '${key}'; valid: ${[...CALL_KEYS].join(', ')}`);
    }
    if (!Array.isArray(inputs)) throw new Error(`${this.name}: expected a list [query, value] or [query, value, key], got one tensor of shape ${formatShape(inputs.shape)}`);
    this.shapes(inputs.map((t) => t.shape));
    const [query, value, key = value] = inputs as [Tensor, Tensor, Tensor?];
    const [B, Tq] = [query.shape[0]!, query.shape[1]!];
    const Tv = value.shape[1]!;
    const masks = args.mask === undefined || args.mask === null ? [] : Array.isArray(args.mask) ? args.mask : [args.mask];
    const [qMask = null, vMask = null] = masks;
    for (const [m, len, what] of [[qMask, Tq, 'query'], [vMask, Tv, 'value']] as const) {
      if (m !== null && (m.rank !== 2 || m.shape[0] !== B || m.shape[1] !== len)) {
        throw new Error(`${this.name}: the ${what} mask must have shape ${formatShape([B, len])}, got ${formatShape(m.shape)}`);
      }
    }
    if (args.useCausalMask !== undefined && typeof args.useCausalMask !== 'boolean') throw new Error(`${this.name}: useCausalMask must be true or false, got ${describe(args.useCausalMask)}`);
    let scores = this.scores(query, key);
    const scoresMask = andMasks([vMask === null ? null : ops.reshape(vMask, [B, 1, Tv]), args.useCausalMask === true ? causalMask(Tq, Tv) : null]);
    // NOTE: as Keras, 1e9 is subtracted from masked scores (not substituted). In float32 that
    // rounds them to multiples of 64 near −1e9, so a fully masked row comes out (almost) uniform,
    // as in Keras; a row with one visible key gives masked keys exactly 0.
    if (scoresMask !== null) scores = ops.where(scoresMask, scores, ops.sub(scores, MASK_PENALTY));
    const weights = ops.softmax(scores, -1);
    const dropped = args.training === true ? dropoutProbs(weights, this.dropout, this.rng) : weights;
    let out = ops.matmul(dropped, value);
    if (qMask !== null) out = ops.where(ops.reshape(ops.notEqual(qMask, 0), [B, Tq, 1]), out, 0);
    return args.returnAttentionScores === true ? [out, weights] : out;
  }

  override getConfig(): LayerConfig {
    return { ...super.getConfig(), useScale: this.useScale, dropout: this.dropout, seed: this.seed };
  }
}

/**
 * Dot-product (Luong) attention, Keras 3's `Attention`: `softmax(q·kᵀ)·v`, optionally scaled by
 * a learned scalar (no 1/√d), or the `'concat'` score `w·Σ tanh(q + k)`. Applied to
 * `[query, value]` or `[query, value, key]`; the value's mask (Embedding `maskZero`) hides keys,
 * the query's mask zeroes its rows of the output and is passed on.
 *
 * @example
 * ```ts
 * const att = new tk.layers.Attention();
 * const q = tk.randomNormal([2, 3, 4]);
 * const v = tk.randomNormal([2, 5, 4]);
 * const out = att.apply([q, v]) as tk.Tensor;                                          // [2, 3, 4]
 * const [, scores] = att.apply([q, v], { returnAttentionScores: true }) as tk.Tensor[];  // [2, 3, 5]
 * ```
 */
export class Attention extends BaseDenseAttention {
  static override readonly className: string = 'Attention';
  /** `'dot'` or `'concat'`. */
  readonly scoreMode: 'dot' | 'concat';
  /** The learned scalar scale (useScale), once built. */
  scale: Variable | null = null;
  /** The learned scalar of the concat score, once built. */
  concatScoreWeight: Variable | null = null;

  constructor(options: AttentionOptions = {}) {
    const who = layerWho('Attention', options);
    checkOptions(who, options, [...LAYER_ARG_KEYS, 'useScale', 'scoreMode', 'dropout', 'seed']);
    const scoreMode = options.scoreMode ?? 'dot';
    if (scoreMode !== 'dot' && scoreMode !== 'concat') throw new Error(`${who}: scoreMode must be 'dot' or 'concat', got ${describe(scoreMode)}`);
    super(who, options, false);
    this.scoreMode = scoreMode;
  }

  override build(inputShape: SymbolicShape | SymbolicShape[]): void {
    this.shapes(inputShape);
    if (this.useScale) this.scale = this.addWeight('scale', [], 'ones');
    if (this.scoreMode === 'concat') this.concatScoreWeight = this.addWeight('concat_score_weight', [], 'ones');
    super.build(inputShape);
  }

  protected scores(query: Tensor, key: Tensor): Tensor {
    if (this.scoreMode === 'dot') {
      const s = ops.matmul(query, key, false, true);
      return this.scale === null ? s : ops.mul(s, this.scale);
    }
    // [B, Tq, 1, dim] + [B, 1, Tv, dim] → Σ_d over [B, Tq, Tv, dim].
    let pair = ops.add(ops.expandDims(query, 2), ops.expandDims(key, 1));
    if (this.scale !== null) pair = ops.mul(pair, this.scale);
    return ops.mul(ops.sum(ops.tanh(pair), -1), this.concatScoreWeight!);
  }

  override getConfig(): LayerConfig {
    return { ...super.getConfig(), scoreMode: this.scoreMode };
  }
}

/**
 * Additive (Bahdanau) attention, Keras 3's `AdditiveAttention`: scores `Σ_d scale_d·tanh(q_i + k_j)`
 * with a learned `scale` of shape `[dim]` (glorot_uniform), then as {@link Attention}.
 *
 * @example
 * ```ts
 * const att = new tk.layers.AdditiveAttention();
 * const q = tk.randomNormal([2, 3, 4]);
 * const v = tk.randomNormal([2, 5, 4]);
 * (att.apply([q, v]) as tk.Tensor).shape;   // [2, 3, 4]
 * att.weights.map((w) => w.shape);          // [[4]]
 * ```
 */
export class AdditiveAttention extends BaseDenseAttention {
  static override readonly className: string = 'AdditiveAttention';
  /** The learned per-feature scale `[dim]` (useScale), once built. */
  scale: Variable | null = null;

  constructor(options: AdditiveAttentionOptions = {}) {
    const who = layerWho('AdditiveAttention', options);
    checkOptions(who, options, [...LAYER_ARG_KEYS, 'useScale', 'dropout', 'seed']);
    super(who, options, true);
  }

  override build(inputShape: SymbolicShape | SymbolicShape[]): void {
    const { q } = this.shapes(inputShape);
    if (q[2] === null) throw new Error(`${this.name}: the query's feature size must be known to build, got ${formatSymbolicShape(q)}`);
    if (this.useScale) this.scale = this.addWeight('scale', [q[2]], 'glorot_uniform');
    super.build(inputShape);
  }

  protected scores(query: Tensor, key: Tensor): Tensor {
    const t = ops.tanh(ops.add(ops.expandDims(query, 2), ops.expandDims(key, 1)));   // [B, Tq, Tv, dim]
    return ops.sum(this.scale === null ? t : ops.mul(t, this.scale), -1);
  }
}
