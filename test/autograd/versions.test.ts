// Variable versions: an in-place change (optimizer step, assign, setWeights, the EMA writing its
// averages) after an op used a variable makes the backward through that op an error, instead of
// a gradient computed from the new values against an output made from the old ones.
import { describe, expect, it } from 'vitest';
import * as tk from '../../src/index.js';

const O = tk.optimizers;

describe('Variable.version and the backward walk', () => {
  it('counts in-place changes: assign, setWeights, optimizer steps, EMA overwrites and finalize', () => {
    const w = tk.variable(tk.tensor([1, 2]), { name: 'w' });
    expect(w.version).toBe(0);
    w.assign([3, 4]);
    expect(w.version).toBe(1);
    new O.SGD().applyGradients([[tk.tensor([1, 1]), w]]);
    expect(w.version).toBe(2);
    const ema = new O.SGD({ useEma: true, emaOverwriteFrequency: 1 });
    ema.applyGradients([[tk.tensor([1, 1]), w]]); // the step, then the overwrite with the average
    expect(w.version).toBe(4);
    ema.finalizeVariableValues([w]);
    expect(w.version).toBe(5);
    const model = new tk.Sequential([new tk.layers.Dense(1, { inputShape: [2] })]);
    const kernel = model.trainableWeights[0]!;
    const before = kernel.version;
    model.setWeights(model.getWeights());
    expect(kernel.version).toBe(before + 1);
  });

  it('a backward after an optimizer step names the op and the variable; before it, or after a new forward, works', () => {
    const w = tk.variable(tk.tensor([2, -1]), { name: 'dense/kernel' });
    const x = tk.tensor([3, 4]);
    const opt = new O.SGD({ learningRate: 0.1 });
    const loss = w.mul(x).sum();
    const { grads } = tk.variableGrads(() => w.mul(x).sum(), [w]); // gradients first: fine
    opt.applyGradients([[grads[0]!, w]]);
    expect(() => loss.backward()).toThrow(
      /^backward of 'mul': variable 'dense\/kernel' changed in place \(by an optimizer step, assign or setWeights\) after 'mul' used it/,
    );
    expect(w.grad).toBeNull(); // nothing half-done
    const again = w.mul(x).sum();
    again.backward();
    expect(Array.from(w.grad!.data)).toEqual([3, 4]);
  });

  it('assign between the forward and the backward is caught too; ops without variables record no versions', () => {
    const w = tk.variable(tk.tensor([1]), { name: 'w' });
    const y = w.square().sum();
    expect(y.node!.versions).toBeUndefined(); // sum's input is square's output, not a variable
    w.assign([5]);
    expect(() => tk.traceBackward(y)).toThrow(/backward of 'square': variable 'w' changed in place/);
  });
});
