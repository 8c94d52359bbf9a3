// Bidirectional: a recurrent layer run forwards and backwards over the sequence, outputs merged
// (keras/src/layers/rnn/bidirectional.py; keras-facts-2 §14.6). Both sub-layers are fresh copies
// of the given layer's config, `forward_<name>` and `backward_<name>` (goBackwards), unless a
// `backwardLayer` is given. With returnSequences the backward output is flipped back along time
// before merging, and masked steps output zeros (zeroOutputForMask, as Keras sets it).

import * as ops from '../../ops/index.js';
import type { Tensor } from '../../tensor/tensor.js';
import { deserializeLayer } from '../registry.js';
import { Layer, type CallArgs, type LayerArgs, type LayerConfig, type Mask, type SymbolicShape } from '../layer.js';
import { LAYER_ARG_KEYS, checkOptions, describe, layerWho } from '../options.js';
import { RNN, withCellScope } from './rnn.js';

/** How Bidirectional combines the two directions. */
export type MergeMode = 'concat' | 'sum' | 'mul' | 'ave' | null;

/** Options of {@link Bidirectional}. */
export interface BidirectionalOptions extends LayerArgs {
  /** 'concat' (default: [fwd, bwd] on the last axis), 'sum', 'mul', 'ave', or null for the list [fwd, bwd]. */
  mergeMode?: MergeMode;
  /** The backward layer (default: a copy of the layer with goBackwards). */
  backwardLayer?: RNN | null;
}

const MERGE_MODES = ['concat', 'sum', 'mul', 'ave', null] as const;

/** A copy of an RNN layer from its config, under another name, with some options changed. */
function copyOf(layer: RNN, name: string, scope: string, changes: LayerConfig): RNN {
  const { batchInputShape: _b, ...config } = layer.getConfig();
  return withCellScope(scope, () => deserializeLayer({ className: layer.getClassName(), config: { ...config, ...changes, name } }, 'Bidirectional') as RNN);
}

/**
 * Runs a recurrent layer in both directions and merges the outputs.
 *
 * @example
 * ```ts
 * const bi = new tk.layers.Bidirectional(new tk.layers.LSTM(4, { returnSequences: true }));
 * bi.apply(tk.ones([2, 5, 3])).shape;   // [2, 5, 8]: forward and backward, concatenated
 * new tk.layers.Bidirectional(new tk.layers.GRU(4), { mergeMode: 'sum' }).apply(tk.ones([2, 5, 3])).shape;   // [2, 4]
 * ```
 */
export class Bidirectional extends Layer<Tensor | Tensor[]> {
  static override readonly className: string = 'Bidirectional';

  /**
   * Builds the wrapper from its `getConfig()`: `layer` (and `backwardLayer`) as `{ className, config }`.
   *
   * @example
   * ```ts
   * const copy = tk.layers.Bidirectional.fromConfig(bi.getConfig());
   * ```
   */
  static override fromConfig(config: LayerConfig): Bidirectional {
    const { layer, backwardLayer, ...options } = config;
    const who = layerWho('Bidirectional', options);
    const inner = deserializeLayer(layer, `${who}: layer`) as RNN;
    const back = backwardLayer === undefined || backwardLayer === null ? undefined : (deserializeLayer(backwardLayer, `${who}: backwardLayer`) as RNN);
    return new Bidirectional(inner, { ...(options as BidirectionalOptions), backwardLayer: back });
  }

  readonly forwardLayer: RNN;
  readonly backwardLayer: RNN;
  readonly mergeMode: MergeMode;
  /** The wrapped layer's config, as given (what the config stores). */
  private readonly layerConfig: { className: string; config: LayerConfig };
  private readonly customBackward: boolean;

  constructor(layer: RNN, options: BidirectionalOptions = {}) {
    const who = layerWho('Bidirectional', options);
    checkOptions(who, options, [...LAYER_ARG_KEYS, 'mergeMode', 'backwardLayer']);
    if (!(layer instanceof RNN)) throw new Error(`${who}: the layer must be a recurrent layer (LSTM, GRU, SimpleRNN or RNN), got ${describe(layer)}`);
    const mergeMode = options.mergeMode === undefined ? 'concat' : options.mergeMode;
    if (!MERGE_MODES.includes(mergeMode as MergeMode)) throw new Error(`${who}: mergeMode must be one of 'concat', 'sum', 'mul', 'ave' or null, got ${describe(mergeMode)}`);
    const back = options.backwardLayer ?? null;
    if (back !== null && !(back instanceof RNN)) throw new Error(`${who}: backwardLayer must be a recurrent layer, got ${describe(back)}`);
    if (back === null && layer.goBackwards) throw new Error(`${who}: the layer has goBackwards: true, so its backward copy would run the same way; wrap a forward layer (or give backwardLayer)`);
    if (back !== null) {
      if (back.goBackwards === layer.goBackwards) throw new Error(`${who}: the forward and backward layers must have different goBackwards, both have ${layer.goBackwards}`);
      for (const key of ['stateful', 'returnSequences', 'returnState'] as const) {
        if (back[key] !== layer[key]) throw new Error(`${who}: the forward and backward layers must agree on ${key}; got ${layer[key]} and ${back[key]}`);
      }
    }
    const { backwardLayer: _b, mergeMode: _m, ...base } = options;
    super(base);
    this.mergeMode = mergeMode as MergeMode;
    const { batchInputShape: _s, ...cfg } = layer.getConfig();
    this.layerConfig = { className: layer.getClassName(), config: cfg };
    const strip = (n: string): string => n.replace(/^(forward_|backward_)/, '');
    const fname = layer.name.startsWith('forward_') ? layer.name : `forward_${strip(layer.name)}`;
    const zero = layer.returnSequences;
    this.forwardLayer = copyOf(layer, fname, this.name, { zeroOutputForMask: zero });
    this.customBackward = back !== null;
    this.backwardLayer = back !== null
      ? copyOf(back, back.name.startsWith('backward_') ? back.name : `backward_${strip(back.name)}`, this.name, { zeroOutputForMask: zero })
      : copyOf(layer, `backward_${strip(layer.name)}`, this.name, { goBackwards: true, zeroOutputForMask: zero });
    this.supportsMasking = true;
    this.inputSpec = { ndim: 3 };
  }

  override kerasSubLayers(): Readonly<Record<string, Layer<Tensor | Tensor[]>>> {
    return { backward_layer: this.backwardLayer, forward_layer: this.forwardLayer };
  }

  override build(inputShape: SymbolicShape): void {
    if (!this.forwardLayer.built) this.forwardLayer.buildFrom(inputShape);
    if (!this.backwardLayer.built) this.backwardLayer.buildFrom(inputShape);
    super.build(inputShape);
  }

  call(x: Tensor, args: CallArgs): Tensor | Tensor[] {
    const initial = args.initialState as Tensor[] | undefined;
    let fInit: Tensor[] | undefined;
    let bInit: Tensor[] | undefined;
    if (initial !== undefined && initial !== null) {
      const list = Array.isArray(initial) ? initial : [initial];
      const n = this.forwardLayer.stateSize.length;
      if (list.length !== 2 * n) throw new Error(`${this.name}: initialState must hold ${2 * n} tensors (the forward layer's ${n}, then the backward layer's), got ${list.length}`);
      fInit = list.slice(0, n);
      bInit = list.slice(n);
    }
    const sub = (l: RNN, init: Tensor[] | undefined): Tensor | Tensor[] => l.call(x, { training: args.training, mask: args.mask, ...(init !== undefined ? { initialState: init } : {}) });
    const f = sub(this.forwardLayer, fInit);
    const b = sub(this.backwardLayer, bInit);
    const returnState = this.forwardLayer.returnState;
    let yf = returnState ? (f as Tensor[])[0]! : (f as Tensor);
    let yb = returnState ? (b as Tensor[])[0]! : (b as Tensor);
    if (this.forwardLayer.returnSequences) {
      const T = yb.shape[1]!;
      const flip = (y: Tensor): Tensor => ops.gather(y, Array.from({ length: T }, (_, t) => T - 1 - t), 1);
      if (this.backwardLayer.goBackwards) yb = flip(yb);
      if (this.forwardLayer.goBackwards) yf = flip(yf);
    }
    let out: Tensor[];
    switch (this.mergeMode) {
      case 'concat': out = [ops.concat([yf, yb], -1)]; break;
      case 'sum': out = [ops.add(yf, yb)]; break;
      case 'mul': out = [ops.mul(yf, yb)]; break;
      case 'ave': out = [ops.mul(ops.add(yf, yb), 0.5)]; break;
      default: out = [yf, yb];
    }
    if (returnState) out.push(...(f as Tensor[]).slice(1), ...(b as Tensor[]).slice(1));
    return out.length === 1 ? out[0]! : out;
  }

  override computeOutputShape(inputShape: SymbolicShape): SymbolicShape | SymbolicShape[] {
    const B = inputShape[0] ?? null;
    const fs = this.forwardLayer.computeOutputShape(inputShape);
    const outF = (this.forwardLayer.returnState ? (fs as SymbolicShape[])[0]! : (fs as SymbolicShape));
    const u = outF[outF.length - 1] as number;
    const merged: SymbolicShape = [...outF.slice(0, -1), this.mergeMode === 'concat' ? 2 * u : u];
    const outs: SymbolicShape[] = this.mergeMode === null ? [outF, outF] : [merged];
    if (this.forwardLayer.returnState) {
      outs.push(...this.forwardLayer.stateSize.map((s): SymbolicShape => [B, s]), ...this.backwardLayer.stateSize.map((s): SymbolicShape => [B, s]));
    }
    return outs.length === 1 ? outs[0]! : outs;
  }

  override computeMask(_inputs: Tensor | Tensor[], mask: Mask | Mask[] | undefined): Mask | Mask[] {
    const m = Array.isArray(mask) ? (mask[0] ?? null) : (mask ?? null);
    const out = this.forwardLayer.returnSequences ? m : null;
    const n = (this.mergeMode === null ? 2 : 1);
    const states = this.forwardLayer.returnState ? 2 * this.forwardLayer.stateSize.length : 0;
    if (n + states === 1) return out;
    return [...Array.from({ length: n }, () => out), ...Array.from({ length: states }, () => null)];
  }

  override getConfig(): LayerConfig {
    const config: LayerConfig = { ...super.getConfig(), mergeMode: this.mergeMode, layer: { className: this.layerConfig.className, config: { ...this.layerConfig.config } } };
    if (this.customBackward) {
      const { batchInputShape: _s, zeroOutputForMask: _z, ...cfg } = this.backwardLayer.getConfig();
      config.backwardLayer = { className: this.backwardLayer.getClassName(), config: cfg };
    }
    return config;
  }
}
