// Regression tests for problems a review of the functional API found: sublayers held in fields,
// dicts and Maps; activity penalties per call; losses counted once across nested models; a
// Sequential grown with add(); symbolic shape checks of nested models; traced output shapes that
// depend on call arguments; empty validation datasets; dict outputs through files; masks through
// models; duplicate weight names; registered subclassed models nested in graphs; subclass options;
// partial losses for dict outputs; merge layers with a list of one; and fitting a dataset on a
// subclassed model that has never run.

import { beforeEach, describe, expect, it, vi } from 'vitest';
import * as tk from '../../src/index.js';
import { randomTensor } from '../layers/helpers.js';

beforeEach(() => {
  tk.clearSession();
  tk.setSeed(31);
});

describe('sublayers are tracked as Keras tracks them', () => {
  it('a custom layer made of layers owns their weights, trains them, and freezes them', async () => {
    class Block extends tk.layers.Layer {
      static override className = 'Block';
      inner = new tk.layers.Dense(3, 'tanh');
      heads = { a: new tk.layers.Dense(1), b: [new tk.layers.Dense(1)] };
      extra = new Map([['c', new tk.layers.Dense(1)]]);
      call(x: tk.Tensor): tk.Tensor {
        const h = this.inner.apply(x);
        return tk.concat([this.heads.a.apply(h), this.heads.b[0]!.apply(h), this.extra.get('c')!.apply(h)], 1);
      }
      override computeOutputShape(s: tk.layers.SymbolicShape): tk.layers.SymbolicShape {
        return [s[0]!, 3];
      }
    }
    const block = new Block();
    const model = new tk.Sequential([block]);
    model.build([null, 2]);
    expect(block.weights.length).toBe(8);
    expect(model.countParams()).toBe(2 * 3 + 3 + 3 * (3 + 1));
    model.compile({ optimizer: 'sgd', loss: 'mse' });
    const before = model.getWeights();
    await model.fit(randomTensor([8, 2], 1), randomTensor([8, 3], 2), { epochs: 1, verbose: 0 });
    model.getWeights().forEach((w, i) => expect(Array.from(w.data), `weight ${i}`).not.toEqual(Array.from(before[i]!.data)));
    block.trainable = false;
    expect(model.trainableWeights).toEqual([]);
    expect(block.heads.a.trainable).toBe(false);
  });

  it('an activity regularizer counts every call of a shared layer; a penalty reached twice counts once', () => {
    const shared = new tk.layers.Dense(1, { kernelInitializer: 'ones', useBias: false, activityRegularizer: new tk.regularizers.L2({ l2: 0.01 }) });
    const a = tk.input({ shape: [1] });
    const b = tk.input({ shape: [1] });
    const model = tk.model({ inputs: [a, b], outputs: new tk.layers.Add().apply([shared.apply(a), shared.apply(b)]) });
    model.compile({ optimizer: new tk.optimizers.SGD({ learningRate: 0 }), loss: 'mse' });
    // Outputs 1 and 10; the target 11 makes the mse 0: the loss is the two penalties, 0.01·1 + 0.01·100.
    expect(model.trainOnBatch([tk.tensor([[1]]), tk.tensor([[10]])], tk.tensor([[11]]))).toBeCloseTo(1.01, 5);
    const inner = new tk.layers.Dense(1, { kernelRegularizer: new tk.regularizers.L2({ l2: 0.01 }), kernelInitializer: 'ones' });
    const x = tk.input({ shape: [1] });
    const nested = tk.model({ inputs: x, outputs: inner.apply(x) });
    const outer = tk.model({ inputs: x, outputs: new tk.layers.Add().apply([nested.apply(x), inner.apply(x)]) });
    expect(outer.losses.map((l) => l.item())).toEqual([expect.closeTo(0.01, 6)]);
  });
});

describe('Sequential grown with add()', () => {
  it('applies only the new layer, keeps one InputLayer, and supports the feature-extractor idiom', () => {
    const m = new tk.Sequential();
    m.add(new tk.layers.Dense(4, { inputShape: [3] }));
    m.add(new tk.layers.Dense(5));
    m.add(new tk.layers.Dense(2));
    expect(m.layers.map((l) => l.inboundNodes.length)).toEqual([1, 1, 1]);
    const features = tk.model({ inputs: m.inputs, outputs: m.layers[1]!.output as tk.SymbolicTensor });
    expect(features.predict(tk.ones([2, 3])).shape).toEqual([2, 5]);
    m.pop();
    expect(m.outputs[0]!.shape).toEqual([null, 5]);
    // A layer that does not fit is refused and not kept.
    expect(() => m.add(new tk.layers.Conv2D(2, 3))).toThrow(/conv2d: expected a rank-4 input/);
    expect(m.layers.length).toBe(2);
  });
});

describe('shapes of symbolic calls', () => {
  it('a nested model or Sequential applied to a symbolic tensor of the wrong shape or count fails at once', () => {
    const a = tk.input({ shape: [3] });
    const m = tk.model({ inputs: a, outputs: new tk.layers.Dense(2).apply(a) });
    expect(() => m.apply(tk.input({ shape: [5] }))).toThrow('functional: input: expected shape (None, 3), got (None, 5)');
    expect(() => m.apply([a, a])).toThrow(/the model has 1 inputs \('input_layer'\), got 2/);
    const s = new tk.Sequential([new tk.layers.Dense(2, { inputShape: [3] })]);
    expect(() => s.apply(tk.input({ shape: [5] }))).toThrow('sequential: expected input shape (None, 3), got (None, 5)');
  });

  it('the traced output shape of a custom layer sees the call arguments, symbolic tensors among them', () => {
    class Maybe extends tk.layers.Layer {
      static override className = 'Maybe';
      call(x: tk.Tensor, args: tk.layers.CallArgs): tk.Tensor {
        const gate = args.gate as tk.Tensor | undefined;
        const y = args.double === true ? tk.concat([x, x], 1) : x;
        return gate === undefined ? y : tk.concat([y, gate], 1);
      }
    }
    const x = tk.input({ shape: [2] });
    const g = tk.input({ shape: [3] });
    expect(new Maybe().apply(x, { double: true }).shape).toEqual([null, 4]);
    expect(new Maybe().apply(x, { gate: g }).shape).toEqual([null, 5]);
  });

  it('symbolic tensors have no tensor methods, and say what to use', () => {
    const x = tk.input({ shape: [2], name: 'x' });
    expect(() => (x as unknown as tk.Tensor).add(x as unknown as tk.Tensor)).toThrow(/x\.add\(\): a symbolic tensor .* combine symbolic tensors with layers \(tk\.layers\.Add/);
  });
});

describe('training and saving details', () => {
  it('a validation dataset that gives nothing is an error, not a val_loss of 0', async () => {
    const x = tk.input({ shape: [1] });
    const model = tk.model({ inputs: x, outputs: new tk.layers.Dense(1).apply(x) });
    model.compile({ optimizer: 'sgd', loss: 'mse' });
    function* once(): Generator<[tk.Tensor, tk.Tensor]> {
      yield [tk.ones([2, 1]), tk.ones([2, 1])];
    }
    await expect(model.fit(tk.ones([4, 1]), tk.ones([4, 1]), { epochs: 2, verbose: 0, validationData: once() })).rejects.toThrow(
      /validationData: the dataset gave no batches \(a generator can be iterated only once/,
    );
    await expect(model.evaluate(once(), { verbose: 0 })).resolves.toBeDefined();
    const empty = { [Symbol.iterator]: function* (): Generator<never> {} };
    await expect(model.evaluate(empty, { verbose: 0 })).rejects.toThrow(/the dataset gave no batches/);
  });

  it('outputs given by name keep their names through a file, and compile may leave one out', async () => {
    const x = tk.input({ shape: [2], name: 'x' });
    const h = new tk.layers.Dense(3).apply(x);
    const model = tk.model({ inputs: x, outputs: { price: new tk.layers.Dense(1).apply(h), kind: new tk.layers.Dense(2, 'softmax').apply(h) } });
    expect(model.outputNames).toEqual(['kind', 'price']);
    model.compile({ optimizer: 'sgd', loss: { price: 'mse' }, lossWeights: { price: 0.5 } });
    const warn = vi.fn();
    const loaded = await tk.loadModel<tk.Tensor[]>(model.toArtifacts(), { onWarning: warn });
    expect(warn).not.toHaveBeenCalled();
    expect(loaded.outputNames).toEqual(['kind', 'price']);
    expect(loaded.lossWeights).toEqual([1, 0.5]);
    const data = randomTensor([3, 2], 4);
    const y = randomTensor([3, 1], 5);
    expect(loaded.evaluate(data, { price: y }, { verbose: 0 })).toBeCloseTo(model.evaluate(data, { price: y }, { verbose: 0 }) as number, 6);
  });

  it('masks pass through a nested model without a warning', () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    const x = tk.input({ shape: [2, 3] });
    const inner = tk.model({ inputs: x, outputs: new tk.layers.Dense(2).apply(x) });
    const masked = tk.layers.setMask(tk.ones([1, 2, 3]), tk.tensor([[1, 0]]));
    const y = inner.apply(masked);
    expect(tk.layers.maskOf(y)!.toArray()).toEqual([[1, 0]]);
    expect(warn).not.toHaveBeenCalled();
    warn.mockRestore();
  });

  it('two weights with one name (a nested layer named like an outer one) cannot be saved, and the error says why', () => {
    const i = tk.input({ shape: [2] });
    const inner = tk.model({ inputs: i, outputs: new tk.layers.Dense(3, { name: 'd' }).apply(i) });
    const x = tk.input({ shape: [2] });
    const outer = tk.model({ inputs: x, outputs: new tk.layers.Dense(1, { name: 'd' }).apply(inner.apply(x)) });
    expect(() => outer.toArtifacts()).toThrow(/two weights are named 'd\/kernel'.*give one of the layers another name/);
  });

  it('a registered subclassed model inside a functional model saves and loads', async () => {
    class Twice extends tk.Model<tk.Tensor> {
      static override className = 'Twice';
      readonly units: number;
      dense: tk.layers.Dense;
      constructor(options: { units?: number; name?: string } = {}) {
        super(options);
        this.units = options.units ?? 2;
        this.dense = new tk.layers.Dense(this.units);
      }
      override call(x: tk.Tensor): tk.Tensor {
        return this.dense.apply(x).mul(2);
      }
      override getConfig(): tk.ModelConfig {
        return { ...super.getConfig(), units: this.units };
      }
    }
    tk.registerClass(Twice);
    const x = tk.input({ shape: [3] });
    const model = tk.model({ inputs: x, outputs: new Twice({ units: 4 }).apply(x) });
    const loaded = await tk.loadModel(model.toArtifacts());
    const data = randomTensor([2, 3], 6);
    expect(Array.from(loaded.predict(data).data)).toEqual(Array.from(model.predict(data).data));
  });

  it('a merge layer called on a list of one survives a file', async () => {
    const x = tk.input({ shape: [2] });
    const model = tk.model({ inputs: x, outputs: new tk.layers.Add().apply([x]) });
    const loaded = await tk.loadModel(model.toArtifacts());
    expect(loaded.predict(tk.tensor([[1, 2]])).toArray()).toEqual([[1, 2]]);
  });

  it('a subclassed model compiled before it ran fits a dataset: its first batch builds it', async () => {
    class Tiny extends tk.Model<tk.Tensor> {
      static override className = 'Tiny';
      d = new tk.layers.Dense(1);
      override call(x: tk.Tensor): tk.Tensor {
        return this.d.apply(x);
      }
    }
    const model = new Tiny();
    model.compile({ optimizer: 'sgd', loss: 'mse' });
    const seen: number[] = [];
    const batches = { [Symbol.iterator]: function* (): Generator<{ xs: tk.Tensor; ys: tk.Tensor }> {
      for (let i = 0; i < 3; i++) {
        seen.push(i);
        yield { xs: tk.fill([2, 4], i), ys: tk.fill([2, 1], i) };
      }
    } };
    const history = await model.fit(batches, { epochs: 1, verbose: 0 });
    expect(history.history.loss!.length).toBe(1);
    expect(seen).toEqual([0, 1, 2]); // the first batch was taken once, then trained on
    expect(model.optimizer!.iterations).toBe(3);
  });
});
