// MultiHeadAttention (keras/src/layers/attention/multi_head_attention.py, keras-facts-2 §16.2),
// built from recorded ops (matmul, transpose, softmax, where), so gradients of every order come
// from the tape: no primitive of its own.
//
// For query [B, T, Dq], value [B, S, Dv], key [B, S, Dk] (key defaults to value), N heads:
//   q = query·Wq + bq   [B, T, N, K]      Wq [Dq, N, K], bq [N, K]   (Keras's EinsumDense layout)
//   k = key·Wk + bk     [B, S, N, K]      v = value·Wv + bv  [B, S, N, V]
//   scores = softmax_S(mask(q·kᵀ / √K))  [B, N, T, S]
//   out = (dropout(scores)·v)·Wo + bo    Wo [N, V, Dout], bo [Dout]
// Each projection is one GEMM on the flattened axes ([B·T, Dq]·[Dq, N·K]), then heads move next
// to the batch axis by a transpose so the two attention products are batched GEMMs over [B, N].

import * as ops from '../ops/index.js';
import { Random } from '../tensor/random.js';
import { formatShape } from '../tensor/shape.js';
import type { Tensor, Variable } from '../tensor/tensor.js';
import { showShape, andMasks, bandMask, causalMask, checkBroadcastsTo, dropoutProbs, maskTensor, maskedSoftmax } from './attention_common.js';
import { getInitializer, serializeInitializer, type Initializer, type InitializerIdentifier } from './initializers.js';
import { Layer, formatSymbolicShape, isShapeList, type CallArgs, type LayerArgs, type LayerConfig, type Mask, type SymbolicShape } from './layer.js';
import { LAYER_ARG_KEYS, boolean, checkOptions, describe, layerWho, positiveInteger, seedOption } from './options.js';
import { regularizerOrNull, serializeRegularizer, type Regularizer, type RegularizerIdentifier } from './regularizers.js';

/** Options of {@link MultiHeadAttention} (TF.js-style camelCase of Keras 3's arguments). */
export interface MultiHeadAttentionOptions extends LayerArgs {
  /** Number of attention heads N (required). */
  numHeads: number;
  /** Size K of each head's query and key (required); scores are scaled by 1/√K. */
  keyDim: number;
  /** Size V of each head's value; default `keyDim`. */
  valueDim?: number | null;
  /** Dropout rate on the attention probabilities, in training only (default 0). */
  dropout?: number;
  /** Whether the four projections have biases (default true). */
  useBias?: boolean;
  /** The output's last dimension; default the query's last dimension. Keras's one-element tuple `[n]` is accepted too. */
  outputShape?: number | readonly number[] | null;
  /** The axes attention runs over: for rank-3 inputs only the time axis, `[1]` (the default, also written `1` or `[-2]`). */
  attentionAxes?: number | readonly number[] | null;
  /** Each query attends only to keys with |i − j| < slidingWindow (default none). */
  slidingWindow?: number | null;
  /** Default 'glorot_uniform' (each projection draws its own values). */
  kernelInitializer?: InitializerIdentifier;
  /** Default 'zeros'. */
  biasInitializer?: InitializerIdentifier;
  /** Penalty on each projection kernel. */
  kernelRegularizer?: RegularizerIdentifier | null;
  /** Penalty on each projection bias. */
  biasRegularizer?: RegularizerIdentifier | null;
  /** Penalty on each projection's output, as Keras passes it to its four EinsumDense sub-layers. */
  activityRegularizer?: RegularizerIdentifier | null;
  /** Only null: weight constraints are not implemented in tensorkit. */
  kernelConstraint?: null;
  /** Only null: weight constraints are not implemented in tensorkit. */
  biasConstraint?: null;
  /** Only false: Keras 3's gated attention is not implemented. */
  useGate?: boolean;
  /** Seed of the dropout generator (default: the global one). */
  seed?: number | null;
  /** tf.keras 2's record of the shapes the layer was built for (its files carry them); checked against the inputs at build. */
  queryShape?: readonly (number | null)[] | null;
  /** As `queryShape`, for the value. */
  valueShape?: readonly (number | null)[] | null;
  /** As `queryShape`, for the key. */
  keyShape?: readonly (number | null)[] | null;
}

/** The call arguments of {@link MultiHeadAttention} (the second argument of `apply`). */
export interface MultiHeadAttentionCallArgs extends CallArgs {
  /** 0/1 tensor broadcasting to `[B, T, S]`: 1 where query t may attend to key s. */
  attentionMask?: Tensor | null;
  /** Lower-triangular mask: query t sees keys s ≤ t (a decoder's self-attention). */
  useCausalMask?: boolean;
  /** Return `[output, scores]`, scores the softmax probabilities `[B, N, T, S]` before dropout. */
  returnAttentionScores?: boolean;
  /** A `[B, T]` mask of the query; default the mask the query carries (Embedding maskZero). */
  queryMask?: Tensor | null;
  /** A `[B, S]` mask of the value; default the mask the value carries. */
  valueMask?: Tensor | null;
  /** A `[B, S]` mask of the key; default the mask the key carries (when a key is given). */
  keyMask?: Tensor | null;
}

const MHA_KEYS = [
  ...LAYER_ARG_KEYS, 'numHeads', 'keyDim', 'valueDim', 'dropout', 'useBias', 'outputShape', 'attentionAxes', 'slidingWindow',
  'kernelInitializer', 'biasInitializer', 'kernelRegularizer', 'biasRegularizer', 'activityRegularizer', 'kernelConstraint',
  'biasConstraint', 'useGate', 'seed', 'queryShape', 'valueShape', 'keyShape',
];

const CALL_KEYS = new Set(['training', 'mask', 'attentionMask', 'useCausalMask', 'returnAttentionScores', 'queryMask', 'valueMask', 'keyMask']);

/**
 * One of MultiHeadAttention's projections, Keras's EinsumDense: a kernel `[...bound, ...out]`
 * contracting the last `bound` input axes, and a bias `[...out]`. Internal: it exists so the
 * weights sit under Keras 3's sub-layer names (`query`, `key`, `value`, `attention_output`).
 */
class EinsumProjection extends Layer {
  static override readonly className: string = 'EinsumDense';
  kernel: Variable | null = null;
  bias: Variable | null = null;

  constructor(
    name: string,
    private readonly boundDims: number,
    private readonly outDims: readonly number[],
    private readonly useBias: boolean,
    private readonly kernelInitializer: Initializer,
    private readonly biasInitializer: Initializer,
    private readonly kernelRegularizer: Regularizer | null,
    private readonly biasRegularizer: Regularizer | null,
    activityRegularizer: Regularizer | null,
  ) {
    super({ name });
    this.activityRegularizer = activityRegularizer;
  }

  override build(inputShape: SymbolicShape): void {
    const bound = inputShape.slice(-this.boundDims) as number[];
    this.kernel = this.addWeight('kernel', [...bound, ...this.outDims], this.kernelInitializer, { regularizer: this.kernelRegularizer });
    if (this.useBias) this.bias = this.addWeight('bias', this.outDims.slice(), this.biasInitializer, { regularizer: this.biasRegularizer });
    super.build(inputShape);
  }

  call(x: Tensor): Tensor {
    const lead = x.shape.slice(0, x.rank - this.boundDims);
    const k = x.shape.slice(x.rank - this.boundDims).reduce((a, b) => a * b, 1);
    const n = this.outDims.reduce((a, b) => a * b, 1);
    // [..., bound] → [rows, k]·[k, n]: one GEMM; the reshapes are views.
    let y = ops.matmul(ops.reshape(x, [-1, k]), ops.reshape(this.kernel!, [k, n]));
    if (this.bias !== null) y = ops.add(y, ops.reshape(this.bias, [n]));
    return ops.reshape(y, [...lead, ...this.outDims]);
  }

  override computeOutputShape(inputShape: SymbolicShape): SymbolicShape {
    return [...inputShape.slice(0, inputShape.length - this.boundDims), ...this.outDims];
  }
}

/**
 * Multi-head scaled dot-product attention, Keras 3's layer: weights in Keras's EinsumDense
 * layout (query kernel `[Dq, N, K]`, bias `[N, K]`; key, value likewise; output kernel
 * `[N, V, Dout]`, bias `[Dout]`), so `setWeights` takes Keras's arrays and `.keras` files load.
 * Apply it to `[query, value]` or `[query, value, key]`; masks the inputs carry (Embedding with
 * `maskZero`) are combined with `attentionMask` and the causal mask as Keras does. Inputs are
 * rank 3, `[batch, time, features]`.
 *
 * @example
 * ```ts
 * const mha = new tk.layers.MultiHeadAttention({ numHeads: 2, keyDim: 8 });
 * const x = tk.randomNormal([4, 10, 16]);
 * const y = mha.apply([x, x]) as tk.Tensor;                           // self-attention: [4, 10, 16]
 * const [out, scores] = mha.apply([x, x], { useCausalMask: true, returnAttentionScores: true }) as tk.Tensor[];
 * scores.shape;                                                        // [4, 2, 10, 10]
 * ```
 */
export class MultiHeadAttention extends Layer<Tensor | Tensor[]> {
  static override readonly className: string = 'MultiHeadAttention';

  /** Number of heads N. */
  readonly numHeads: number;
  /** Size of each head's query and key. */
  readonly keyDim: number;
  /** Size of each head's value. */
  readonly valueDim: number;
  /** Dropout rate on the attention probabilities (training only). */
  readonly dropout: number;
  /** Whether the projections have biases. */
  readonly useBias: boolean;
  /** The output's last dimension, or null for the query's. */
  readonly outputShape: number | null;
  /** The sliding-window width, or null for none. */
  readonly slidingWindow: number | null;
  /** The seed of the dropout generator, or null. */
  readonly seed: number | null;
  /** How the projection kernels are initialized. */
  readonly kernelInitializer: Initializer;
  /** How the projection biases are initialized. */
  readonly biasInitializer: Initializer;
  /** The penalty on each projection kernel, or null. */
  readonly kernelRegularizer: Regularizer | null;
  /** The penalty on each projection bias, or null. */
  readonly biasRegularizer: Regularizer | null;
  /** The penalty on each projection's output, or null. */
  readonly projectionActivityRegularizer: Regularizer | null;
  // The four projections, created by build, in Keras's weight order (query, key, value, output):
  // the field order is the order `weights` lists them in.
  private queryProjection: EinsumProjection | null = null;
  private keyProjection: EinsumProjection | null = null;
  private valueProjection: EinsumProjection | null = null;
  private outputProjection: EinsumProjection | null = null;
  private readonly rng: Random | null;
  /** tf.keras 2's recorded build shapes (query, value, key), checked by build. */
  private readonly declaredShapes: readonly ((readonly (number | null)[]) | null)[];

  constructor(options: MultiHeadAttentionOptions) {
    const who = layerWho('MultiHeadAttention', options);
    if (options === undefined || options === null || typeof options !== 'object') {
      throw new Error(`${who}: expected an options object with numHeads and keyDim, got ${describe(options)}`);
    }
    checkOptions(who, options, MHA_KEYS);
    const numHeads = positiveInteger(who, 'numHeads', options.numHeads);
    const keyDim = positiveInteger(who, 'keyDim', options.keyDim);
    const valueDim = options.valueDim === undefined || options.valueDim === null ? keyDim : positiveInteger(who, 'valueDim', options.valueDim);
    const dropout = options.dropout ?? 0;
    if (typeof dropout !== 'number' || !(dropout >= 0 && dropout <= 1)) throw new Error(`${who}: dropout must be a number in [0, 1], got ${describe(dropout)}`);
    const useBias = boolean(who, 'useBias', options.useBias ?? true);
    const outputShape = outputShapeOption(who, options.outputShape);
    checkAttentionAxes(who, options.attentionAxes);
    const slidingWindow = options.slidingWindow === undefined || options.slidingWindow === null ? null : positiveInteger(who, 'slidingWindow', options.slidingWindow);
    for (const key of ['kernelConstraint', 'biasConstraint'] as const) {
      if (options[key] !== undefined && options[key] !== null) throw new Error(`${who}: ${key} is not supported (tensorkit has no weight constraints), got ${describe(options[key])}`);
    }
    if (options.useGate !== undefined && boolean(who, 'useGate', options.useGate)) throw new Error(`${who}: useGate: true (Keras 3's gated attention) is not supported`);
    const seed = seedOption(who, options.seed);
    const kernelInitializer = getInitializer(options.kernelInitializer ?? 'glorot_uniform', `${who} kernelInitializer`);
    const biasInitializer = getInitializer(options.biasInitializer ?? 'zeros', `${who} biasInitializer`);
    const kernelRegularizer = regularizerOrNull(options.kernelRegularizer, `${who} kernelRegularizer`);
    const biasRegularizer = regularizerOrNull(options.biasRegularizer, `${who} biasRegularizer`);
    const activityRegularizer = regularizerOrNull(options.activityRegularizer, `${who} activityRegularizer`);
    super(options);
    this.supportsMasking = true;
    this.numHeads = numHeads;
    this.keyDim = keyDim;
    this.valueDim = valueDim;
    this.dropout = dropout;
    this.useBias = useBias;
    this.outputShape = outputShape;
    this.slidingWindow = slidingWindow;
    this.seed = seed;
    this.kernelInitializer = kernelInitializer;
    this.biasInitializer = biasInitializer;
    this.kernelRegularizer = kernelRegularizer;
    this.biasRegularizer = biasRegularizer;
    this.projectionActivityRegularizer = activityRegularizer;
    this.rng = seed === null ? null : new Random(seed);
    this.declaredShapes = [options.queryShape ?? null, options.valueShape ?? null, options.keyShape ?? null];
  }

  /** Keras 3's attribute names of the projections: their weights sit at `<layer>/query_dense/vars/0`, ... in `.keras` files. */
  override kerasSubLayers(): Readonly<Record<string, Layer<Tensor | Tensor[]>>> {
    if (this.queryProjection === null) return {};
    return { query_dense: this.queryProjection, key_dense: this.keyProjection!, value_dense: this.valueProjection!, output_dense: this.outputProjection! };
  }

  /** The query projection (Keras's EinsumDense `query`: kernel `[Dq, N, K]`, bias `[N, K]`), once built. */
  get queryDense(): Layer | null { return this.queryProjection; }
  /** The key projection (`key`: kernel `[Dk, N, K]`), once built. */
  get keyDense(): Layer | null { return this.keyProjection; }
  /** The value projection (`value`: kernel `[Dv, N, V]`), once built. */
  get valueDense(): Layer | null { return this.valueProjection; }
  /** The output projection (`attention_output`: kernel `[N, V, Dout]`, bias `[Dout]`), once built. */
  get outputDense(): Layer | null { return this.outputProjection; }

  /** Query, value and (optional) key shapes, checked: rank 3, known feature sizes, value and key of one length. */
  private shapes(inputShape: SymbolicShape | SymbolicShape[]): { q: SymbolicShape; v: SymbolicShape; k: SymbolicShape } {
    if (!isShapeList(inputShape) || inputShape.length < 2 || inputShape.length > 3) {
      const got = isShapeList(inputShape) ? `${inputShape.length} inputs` : `one input of shape ${showShape(inputShape)}`;
      throw new Error(`${this.name}: expected a list [query, value] or [query, value, key], got ${got}`);
    }
    const [q, v, k = v] = inputShape as [SymbolicShape, SymbolicShape, SymbolicShape?];
    const names = ['query', 'value', 'key'];
    [q, v, k].forEach((s, i) => {
      if (s.length !== 3 || s[2] === null) {
        throw new Error(`${this.name}: ${names[i]} must have rank 3, [batch, time, features], with known features; got ${showShape(s)} (other ranks with attentionAxes are not supported)`);
      }
    });
    if (v[1] !== null && k[1] !== null && v[1] !== k[1]) {
      throw new Error(`${this.name}: value and key must have the same length (all axes but the last equal), got value ${showShape(v)} and key ${showShape(k)}`);
    }
    const batches = [q[0], v[0], k[0]].filter((b) => b !== null);
    if (new Set(batches).size > 1) {
      throw new Error(`${this.name}: query, value and key must have the same batch size, got query ${showShape(q)}, value ${showShape(v)}${inputShape.length === 3 ? ` and key ${showShape(k)}` : ''}`);
    }
    return { q, v, k };
  }

  override build(inputShape: SymbolicShape | SymbolicShape[]): void {
    const { q, v, k } = this.shapes(inputShape);
    ['queryShape', 'valueShape', 'keyShape'].forEach((arg, i) => {
      const declared = this.declaredShapes[i];
      const actual = [q, v, k][i]!;
      if (declared === null || declared === undefined) return;
      const fits = Array.isArray(declared) && declared.length === actual.length && declared.every((d, j) => d === null || actual[j] === null || d === actual[j]);
      if (!fits) throw new Error(`${this.name}: ${arg} ${describe(declared)} (from the layer's config) does not match the input shape ${showShape(actual)}`);
    });
    const make = (name: string, bound: number, out: number[]): EinsumProjection => new EinsumProjection(
      `${this.name}/${name}`, bound, out, this.useBias, this.kernelInitializer, this.biasInitializer,
      this.kernelRegularizer, this.biasRegularizer, this.projectionActivityRegularizer,
    );
    this.queryProjection = make('query', 1, [this.numHeads, this.keyDim]);
    this.queryProjection.buildFrom(q);
    this.keyProjection = make('key', 1, [this.numHeads, this.keyDim]);
    this.keyProjection.buildFrom(k);
    this.valueProjection = make('value', 1, [this.numHeads, this.valueDim]);
    this.valueProjection.buildFrom(v);
    this.outputProjection = make('attention_output', 2, [this.outputShape ?? (q[2] as number)]);
    this.outputProjection.buildFrom([q[0] ?? null, q[1] ?? null, this.numHeads, this.valueDim]);
    super.build(inputShape);
  }

  override computeOutputShape(inputShape: SymbolicShape | SymbolicShape[], args: CallArgs = {}): SymbolicShape | SymbolicShape[] {
    const { q, v } = this.shapes(inputShape);
    const out: SymbolicShape = [q[0]!, q[1]!, this.outputShape ?? q[2]!];
    // The true scores shape [B, N, T, S] (Keras's symbolic spec writes [B, N, T, T]).
    return args.returnAttentionScores === true ? [out, [q[0]!, this.numHeads, q[1]!, v[1]!]] : out;
  }

  /** The query's mask goes to the output (the scores, when returned, carry none). */
  override computeMask(_inputs: Tensor | Tensor[], mask: Mask | Mask[] | undefined): Mask | Mask[] {
    const first = Array.isArray(mask) ? mask[0] ?? null : mask ?? null;
    return [first, null];
  }

  call(inputs: Tensor | Tensor[], args: MultiHeadAttentionCallArgs): Tensor | Tensor[] {
    for (const key of Object.keys(args)) {
      if (!CALL_KEYS.has(key) && args[key] !== undefined) throw new Error(`${this.name}: unknown call argument '${key}'; valid: ${[...CALL_KEYS].join(', ')}`);
    }
    if (!Array.isArray(inputs) || inputs.length < 2 || inputs.length > 3) {
      throw new Error(`${this.name}: expected a list [query, value] or [query, value, key], got ${Array.isArray(inputs) ? `${inputs.length} tensors` : 'one tensor'}`);
    }
    const [query, value, key = value] = inputs as [Tensor, Tensor, Tensor?];
    this.shapes(inputs.map((t) => t.shape));
    const [B, T] = [query.shape[0]!, query.shape[1]!];
    const S = value.shape[1]!;
    const built = this.queryProjection!.kernel!.shape[0]!;
    if (query.shape[2] !== built || value.shape[2] !== this.valueProjection!.kernel!.shape[0] || key.shape[2] !== this.keyProjection!.kernel!.shape[0]) {
      throw new Error(`${this.name}: the layer was built for query, value and key features ${built}, ${this.valueProjection!.kernel!.shape[0]} and ${this.keyProjection!.kernel!.shape[0]}, got query ${formatShape(query.shape)}, value ${formatShape(value.shape)} and key ${formatShape(key.shape)}`);
    }
    const mask = this.attentionMaskFor(args, inputs.length === 3, B, T, S);

    // Projections, heads next to the batch axis: q [B, N, T, K], k [B, N, S, K], v [B, N, S, V].
    const heads = [0, 2, 1, 3];
    const sub = { training: args.training };
    const q = ops.transpose(this.queryProjection!.apply(query, sub) as Tensor, heads);
    const k = ops.transpose(this.keyProjection!.apply(key, sub) as Tensor, heads);
    const v = ops.transpose(this.valueProjection!.apply(value, sub) as Tensor, heads);
    // As Keras, the query is scaled by 1/√keyDim before the product.
    const scores = ops.matmul(ops.mul(q, 1 / Math.sqrt(this.keyDim)), k, false, true);   // [B, N, T, S]
    // NOTE: Keras 3 takes its fused dot_product_attention path when there is no dropout and no
    // scores are asked for; that path leaves a fully masked row uniform instead of zero. Both
    // agree on every row with at least one visible key.
    const returnScores = args.returnAttentionScores === true;
    const probs = maskedSoftmax(scores, mask, this.dropout > 0 || returnScores);
    const dropped = args.training === true ? dropoutProbs(probs, this.dropout, this.rng) : probs;
    const context = ops.transpose(ops.matmul(dropped, v), heads);   // [B, T, N, V]
    const out = this.outputProjection!.apply(context, sub) as Tensor;
    return returnScores ? [out, probs] : out;
  }

  /** The AND of every mask that applies, as `[B or 1, 1, T, S]` (the head axis inserted), or null. */
  private attentionMaskFor(args: MultiHeadAttentionCallArgs, hasKey: boolean, B: number, T: number, S: number): Tensor | null {
    const fromTable = Array.isArray(args.mask) ? args.mask : [args.mask ?? null];
    const pick = (arg: 'queryMask' | 'valueMask' | 'keyMask', i: number): Tensor | null => {
      const given = args[arg];
      const m = given !== undefined && given !== null ? maskTensor(this.name, arg, given) : fromTable[i] ?? null;
      if (m === null) return null;
      const len = i === 0 ? T : S;
      if (m.rank !== 2 || m.shape[0] !== B || m.shape[1] !== len) {
        throw new Error(`${this.name}: ${arg} must have shape ${formatShape([B, len])} ([batch, ${i === 0 ? 'query' : i === 1 ? 'value' : 'key'} length]), got ${formatShape(m.shape)}`);
      }
      return m;
    };
    const qm = pick('queryMask', 0);
    const vm = pick('valueMask', 1);
    const km = hasKey || (args.keyMask !== undefined && args.keyMask !== null) ? pick('keyMask', 2) : null;
    let attention: Tensor | null = null;
    if (args.attentionMask !== undefined && args.attentionMask !== null) {
      attention = maskTensor(this.name, 'attentionMask', args.attentionMask);
      checkBroadcastsTo(this.name, 'attentionMask', attention.shape, [B, T, S], '[batch, query length, key length] =');
    }
    if (args.useCausalMask !== undefined && typeof args.useCausalMask !== 'boolean') throw new Error(`${this.name}: useCausalMask must be true or false, got ${describe(args.useCausalMask)}`);
    const combined = andMasks([
      qm === null ? null : ops.reshape(qm, [B, T, 1]),
      vm === null ? null : ops.reshape(vm, [B, 1, S]),
      km === null ? null : ops.reshape(km, [B, 1, S]),
      args.useCausalMask === true ? causalMask(T, S) : null,
      this.slidingWindow === null ? null : bandMask(T, S, this.slidingWindow),
      attention,
    ]);
    if (combined === null) return null;
    const shape = combined.shape.slice();
    while (shape.length < 3) shape.unshift(1);
    return ops.reshape(combined, [shape[0]!, 1, shape[1]!, shape[2]!]);
  }

  override getConfig(): LayerConfig {
    return {
      ...super.getConfig(),
      numHeads: this.numHeads,
      keyDim: this.keyDim,
      valueDim: this.valueDim,
      dropout: this.dropout,
      useBias: this.useBias,
      outputShape: this.outputShape,
      attentionAxes: [1],
      // Written only when set: Keras releases before sliding_window reject the key.
      ...(this.slidingWindow === null ? {} : { slidingWindow: this.slidingWindow }),
      kernelInitializer: serializeInitializer(this.kernelInitializer),
      biasInitializer: serializeInitializer(this.biasInitializer),
      kernelRegularizer: serializeRegularizer(this.kernelRegularizer),
      biasRegularizer: serializeRegularizer(this.biasRegularizer),
      activityRegularizer: serializeRegularizer(this.projectionActivityRegularizer),
      seed: this.seed,
    };
  }
}

/** `outputShape`: a positive integer, Keras's one-element tuple of one, or null. */
function outputShapeOption(who: string, value: unknown): number | null {
  if (value === undefined || value === null) return null;
  if (Array.isArray(value)) {
    if (value.length !== 1) throw new Error(`${who}: outputShape must be a number (one output axis); a multi-axis output shape ${describe(value)} is not supported`);
    return positiveInteger(who, 'outputShape', value[0]);
  }
  return positiveInteger(who, 'outputShape', value);
}

/** `attentionAxes`: rank-3 inputs attend over the time axis only (`null`, `1`, `[1]`, `-2`, `[-2]`). */
function checkAttentionAxes(who: string, value: unknown): void {
  if (value === undefined || value === null) return;
  const axes = typeof value === 'number' ? [value] : value;
  if (!Array.isArray(axes) || axes.length !== 1 || (axes[0] !== 1 && axes[0] !== -2)) {
    throw new Error(`${who}: attentionAxes ${describe(value)} is not supported: tensorkit's MultiHeadAttention takes rank-3 inputs and attends over axis 1 (attentionAxes null or [1])`);
  }
}
