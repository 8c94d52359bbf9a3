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

  it('sees through views that share the variable\'s values: detach, reshape', () => {
    const w = tk.variable(tk.tensor([2, 3]), { name: 'w' });
    const x = tk.variable(tk.tensor([1, 1]), { name: 'x' });
    const target = x.mul(w.detach()).sum(); // a stop-gradient on w: x's gradient still reads w
    new tk.optimizers.SGD({ learningRate: 1 }).applyGradients([[tk.tensor([10, 10]), w]]);
    expect(() => target.backward()).toThrow(/backward of 'mul': variable 'w' changed in place/);
    const frozen = tk.variable(tk.tensor([[4], [5]]), { name: 'frozen', trainable: false });
    const y = x.mul(frozen.reshape([2])).sum();
    frozen.assign([[100], [100]]);
    expect(() => y.backward()).toThrow(/backward of 'mul': variable 'frozen' changed in place/);
  });

  it('an op whose backward reads no input values (add, sum, reshape, ...) is not blocked: its gradient stays right', () => {
    const b = tk.variable(tk.tensor([1, 2]), { name: 'b' });
    const x = tk.variable(tk.tensor([3, 4]), { name: 'x' });
    const y = x.add(b).reshape([2, 1]).sum();
    b.assign([7, 7]);
    y.backward();
    expect(Array.from(x.grad!.data)).toEqual([1, 1]);
    expect(Array.from(b.grad!.data)).toEqual([1, 1]);
  });

  it('assign between the forward and the backward is caught too; ops without variables record no versions', () => {
    const w = tk.variable(tk.tensor([1]), { name: 'w' });
    const y = w.square().sum();
    expect(y.node!.versions).toBeUndefined(); // sum's input is square's output, not a variable
    w.assign([5]);
    expect(() => tk.traceBackward(y)).toThrow(/backward of 'square': variable 'w' changed in place/);
  });
});
