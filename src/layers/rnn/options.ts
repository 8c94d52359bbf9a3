// The options the built-in cells share, checked once (TF.js spelling; Keras 3 defaults).

import { getActivation, serializeActivation, type Activation, type ActivationIdentifier } from '../activations.js';
import { getInitializer, serializeInitializer, type Initializer, type InitializerIdentifier } from '../initializers.js';
import type { LayerArgs, LayerConfig } from '../layer.js';
import { boolean, seedOption, withWho } from '../options.js';
import { regularizerOrNull, serializeRegularizer, type Regularizer, type RegularizerIdentifier } from '../regularizers.js';
import { dropoutRate } from './cell.js';

/** Options of the built-in cells (SimpleRNNCell, LSTMCell, GRUCell). */
export interface CellOptions extends LayerArgs {
  /** The output (SimpleRNN) or candidate activation (default 'tanh'). */
  activation?: ActivationIdentifier;
  /** Whether the cell has a bias (default true). */
  useBias?: boolean;
  /** Default 'glorot_uniform' (Keras 3; TF.js uses glorotNormal). */
  kernelInitializer?: InitializerIdentifier;
  /** Default 'orthogonal'. */
  recurrentInitializer?: InitializerIdentifier;
  /** Default 'zeros'. */
  biasInitializer?: InitializerIdentifier;
  /** Penalty on the kernel. */
  kernelRegularizer?: RegularizerIdentifier | null;
  /** Penalty on the recurrent kernel. */
  recurrentRegularizer?: RegularizerIdentifier | null;
  /** Penalty on the bias. */
  biasRegularizer?: RegularizerIdentifier | null;
  /** Constraints are not implemented: only null (as files write it) is accepted. */
  kernelConstraint?: null;
  /** Only null. */
  recurrentConstraint?: null;
  /** Only null. */
  biasConstraint?: null;
  /** Fraction of the inputs dropped in training, in [0, 1] (default 0). */
  dropout?: number;
  /** Fraction of the recurrent state dropped in training, in [0, 1] (default 0). */
  recurrentDropout?: number;
  /** Seed of the layer's own dropout generator (default: the global one). */
  seed?: number | null;
}

/** Options of the gated cells (LSTMCell, GRUCell). */
export interface GatedCellOptions extends CellOptions {
  /** The gates' activation (default 'sigmoid', Keras 3; TF.js's default is hardSigmoid). */
  recurrentActivation?: ActivationIdentifier;
  /** 1: one dropout mask per gate; 2 (default): one shared mask. Forced to 1 by recurrentDropout > 0, as Keras. */
  implementation?: 1 | 2;
}

export const CELL_KEYS = [
  'activation', 'useBias', 'kernelInitializer', 'recurrentInitializer', 'biasInitializer', 'kernelRegularizer', 'recurrentRegularizer',
  'biasRegularizer', 'kernelConstraint', 'recurrentConstraint', 'biasConstraint', 'dropout', 'recurrentDropout', 'seed',
] as const;
/** The cells also accept TF.js's `activityRegularizer: null`. */
export const CELL_ONLY_KEYS = ['activityRegularizer'] as const;
export const GATED_KEYS = [...CELL_KEYS, 'recurrentActivation', 'implementation'] as const;

/** The resolved common options. */
export interface ResolvedCell {
  activation: Activation;
  recurrentActivation: Activation;
  useBias: boolean;
  kernelInitializer: Initializer;
  recurrentInitializer: Initializer;
  biasInitializer: Initializer;
  kernelRegularizer: Regularizer | null;
  recurrentRegularizer: Regularizer | null;
  biasRegularizer: Regularizer | null;
  dropout: number;
  recurrentDropout: number;
  seed: number | null;
  implementation: 1 | 2;
}

export function resolveCell(who: string, o: GatedCellOptions): ResolvedCell {
  // A cell has no output penalty of its own (TF.js writes activity_regularizer: null in cell configs).
  const activity = (o as { activityRegularizer?: unknown }).activityRegularizer;
  if (activity !== undefined && activity !== null) {
    throw new Error(`${who}: a cell takes no activityRegularizer (give it to the recurrent layer); only null is accepted`);
  }
  for (const key of ['kernelConstraint', 'recurrentConstraint', 'biasConstraint'] as const) {
    if (o[key] !== undefined && o[key] !== null) throw new Error(`${who}: ${key} is not supported by tensorkit (constraints are not implemented); only null is accepted`);
  }
  const implementation = o.implementation ?? 2;
  if (implementation !== 1 && implementation !== 2) throw new Error(`${who}: implementation must be 1 or 2, got ${String(implementation)}`);
  const recurrentDropout = dropoutRate(who, 'recurrentDropout', o.recurrentDropout);
  return {
    activation: withWho(who, () => getActivation(o.activation === undefined ? 'tanh' : o.activation)),
    recurrentActivation: withWho(who, () => getActivation(o.recurrentActivation === undefined ? 'sigmoid' : o.recurrentActivation)),
    useBias: boolean(who, 'useBias', o.useBias ?? true),
    kernelInitializer: getInitializer(o.kernelInitializer ?? 'glorot_uniform', `${who} kernelInitializer`),
    recurrentInitializer: getInitializer(o.recurrentInitializer ?? 'orthogonal', `${who} recurrentInitializer`),
    biasInitializer: getInitializer(o.biasInitializer ?? 'zeros', `${who} biasInitializer`),
    kernelRegularizer: regularizerOrNull(o.kernelRegularizer, `${who} kernelRegularizer`),
    recurrentRegularizer: regularizerOrNull(o.recurrentRegularizer, `${who} recurrentRegularizer`),
    biasRegularizer: regularizerOrNull(o.biasRegularizer, `${who} biasRegularizer`),
    dropout: dropoutRate(who, 'dropout', o.dropout),
    recurrentDropout,
    seed: seedOption(who, o.seed),
    implementation: recurrentDropout > 0 ? 1 : implementation,
  };
}

/** The common options in a config (TF.js camelCase). */
export function cellConfig(r: ResolvedCell, gated: boolean): LayerConfig {
  const config: LayerConfig = {
    activation: serializeActivation(r.activation),
    useBias: r.useBias,
    kernelInitializer: serializeInitializer(r.kernelInitializer),
    recurrentInitializer: serializeInitializer(r.recurrentInitializer),
    biasInitializer: serializeInitializer(r.biasInitializer),
    kernelRegularizer: serializeRegularizer(r.kernelRegularizer),
    recurrentRegularizer: serializeRegularizer(r.recurrentRegularizer),
    biasRegularizer: serializeRegularizer(r.biasRegularizer),
    kernelConstraint: null,
    recurrentConstraint: null,
    biasConstraint: null,
    dropout: r.dropout,
    recurrentDropout: r.recurrentDropout,
    seed: r.seed,
  };
  if (gated) {
    config.recurrentActivation = serializeActivation(r.recurrentActivation);
    config.implementation = r.implementation;
  }
  return config;
}

/** Splits a recurrent layer's options into the cell's and the wrapper's (by the cell's keys). */
export function splitOptions<T extends object>(options: T, cellKeys: readonly string[]): { cell: Record<string, unknown>; layer: Record<string, unknown> } {
  const cell: Record<string, unknown> = {};
  const layer: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(options ?? {})) (cellKeys.includes(k) ? cell : layer)[k] = v;
  return { cell, layer };
}
