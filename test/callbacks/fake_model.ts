// A tiny stand-in for a model, for callback tests: one weight whose value the driver sets to the
// epoch number, so a restored weight tells which epoch it came from. getWeights returns the LIVE
// variable, as a real model's variables are: a callback keeping weights must copy them.

import * as tk from '../../src/index.js';
import type { CallbackLike, CallbackModel, Logs } from '../../src/callbacks/index.js';

export class FakeModel implements CallbackModel {
  stopTraining = false;
  readonly w = tk.variable(tk.tensor([-1]), { name: 'w' });
  optimizer: tk.optimizers.Optimizer | null;
  setWeightsCalls = 0;

  constructor(optimizer: tk.optimizers.Optimizer | null = null) {
    this.optimizer = optimizer;
  }

  getWeights(): tk.Tensor[] {
    return [this.w];
  }

  setWeights(weights: tk.Tensor[]): void {
    this.setWeightsCalls++;
    this.w.assign(weights[0]!);
  }

  get value(): number {
    return this.w.data[0]!;
  }
}

/**
 * Runs the epoch loop of fit with `logsPerEpoch[i]` as epoch i's end logs; the weight is set to
 * the epoch index during the epoch. Returns the epochs that ran.
 */
export async function fakeFit(model: FakeModel, callbacks: CallbackLike[], logsPerEpoch: Logs[], initialEpoch = 0): Promise<number[]> {
  const list = new tk.callbacks.CallbackList(callbacks);
  list.setModel(model);
  list.setParams({ epochs: logsPerEpoch.length, steps: 1, verbose: 0 });
  model.stopTraining = false;
  const ran: number[] = [];
  await list.onTrainBegin({});
  for (let epoch = initialEpoch; epoch < logsPerEpoch.length; epoch++) {
    await list.onEpochBegin(epoch, {});
    model.w.assign(tk.tensor([epoch]));
    await list.onBatchBegin(0, {});
    await list.onBatchEnd(0, { loss: logsPerEpoch[epoch]!.loss ?? 0 });
    await list.onEpochEnd(epoch, logsPerEpoch[epoch]!);
    ran.push(epoch);
    if (model.stopTraining) break;
  }
  await list.onTrainEnd({});
  return ran;
}

/** `[{ val_loss: v0 }, { val_loss: v1 }, ...]`. */
export function valLosses(values: number[]): Logs[] {
  return values.map((v) => ({ loss: v + 1, val_loss: v }));
}
