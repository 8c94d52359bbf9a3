// Subclassing, as DESIGN.md spells it: a custom layer (`class Scale extends tk.layers.Layer` with
// a static className, an options-object constructor, build with addWeight, call, getConfig) and a
// custom model (`class extends tk.Model` with its own call) are compiled, fitted, saved and loaded
// once registered with tk.registerClass; getConfig/fromConfig round-trip. Oracles: the same
// computation written with ops, and the model before saving (same predictions bit for bit).

import { beforeEach, describe, expect, it } from 'vitest';
import * as tk from '../../src/index.js';
import { randomTensor } from '../layers/helpers.js';

interface ScaleOptions extends tk.layers.LayerArgs {
  /** Initial value of the scale. */
  init?: number;
}

/** y = x ⊙ s, one learned scale per feature. */
class Scale extends tk.layers.Layer {
  static override className = 'Scale';
  readonly init: number;
  scale: tk.Variable | null = null;

  constructor(options: ScaleOptions = {}) {
    const { init, ...rest } = options;
    super(rest);
    this.init = init ?? 1;
  }

  override build(inputShape: tk.layers.SymbolicShape): void {
    this.scale = this.addWeight('scale', [inputShape[inputShape.length - 1]!], new tk.initializers.Constant({ value: this.init }));
    super.build(inputShape);
  }

  call(x: tk.Tensor): tk.Tensor {
    return x.mul(this.scale!);
  }

  override getConfig(): tk.layers.LayerConfig {
    return { ...super.getConfig(), init: this.init };
  }
}

/** A two-layer MLP with a residual connection, written as a subclass. */
class ResidualMlp extends tk.Model<tk.Tensor> {
  static override className = 'ResidualMlp';
  readonly units: number;
  hidden: tk.layers.Dense;
  out: tk.layers.Dense;
  skip: Scale;

  constructor(options: { units?: number; name?: string; trainable?: boolean } = {}) {
    const { units, ...rest } = options;
    super(rest);
    this.units = units ?? 8;
    this.hidden = new tk.layers.Dense(this.units, 'tanh');
    this.out = new tk.layers.Dense(2);
    this.skip = new Scale({ init: 0.5 });
  }

  override call(x: tk.Tensor, args: tk.layers.CallArgs): tk.Tensor {
    const h = this.hidden.apply(x, args);
    return this.out.apply(h, args).add(this.skip.apply(tk.slice(x, [0, 0], [-1, 2]), args));
  }

  override getConfig(): tk.ModelConfig {
    return { ...super.getConfig(), units: this.units };
  }
}

beforeEach(() => {
  tk.clearSession();
  tk.setSeed(21);
});

describe('a custom layer', () => {
  it('builds with addWeight, computes, trains, works symbolically (its output shape traced from call)', () => {
    const layer = new Scale({ init: 2 });
    const x = randomTensor([3, 4], 1);
    expect(layer.apply(x).toArray()).toEqual(x.mul(2).toArray());
    expect(layer.weights.map((w) => w.name)).toEqual(['scale/scale']);
    const sym = new Scale().apply(tk.input({ shape: [5] }));
    expect(sym.shape).toEqual([null, 5]);
    const error = tk.checkGradients((t) => layer.apply(t).sum(), [x]);
    expect(error).toBeLessThan(1e-3);
  });

  it('registered, it saves and loads inside a model (TF.js layers format), as the same numbers', async () => {
    tk.registerClass(Scale);
    const input = tk.input({ shape: [3] });
    const model = tk.model({ inputs: input, outputs: new tk.layers.Dense(2).apply(new Scale({ init: 3, name: 'scaler' }).apply(input)) });
    const copy = await tk.loadModel(model.toArtifacts());
    const scaler = copy.getLayer('scaler') as Scale;
    expect(scaler).toBeInstanceOf(Scale);
    expect(scaler.init).toBe(3);
    const x = randomTensor([4, 3], 2);
    expect(Array.from(copy.predict(x).data)).toEqual(Array.from(model.predict(x).data));
  });

  it('an unregistered custom layer cannot be saved, and says how to fix it', () => {
    class Unregistered extends tk.layers.Layer {
      static override className = 'Unregistered';
      call(x: tk.Tensor): tk.Tensor {
        return x;
      }
    }
    const input = tk.input({ shape: [3] });
    const model = tk.model({ inputs: input, outputs: new Unregistered().apply(input) });
    expect(() => model.toArtifacts()).toThrow(/layer 'unregistered' \(Unregistered\) cannot be saved: its class is not registered \(register a custom layer with tk.registerClass/);
  });

  it('registerClass refuses a name taken by another class, and what is not a class', () => {
    class Dense extends tk.layers.Layer {
      call(x: tk.Tensor): tk.Tensor {
        return x;
      }
    }
    expect(() => tk.registerClass(Dense)).toThrow("registerClass: the name 'Dense' is already taken by a built-in class; give your class another static className (or pass { name })");
    expect(() => tk.registerClass(Dense, { name: 'MyDense' })).not.toThrow();
    expect(tk.getRegisteredClass('MyDense')).toBe(Dense);
    expect(() => tk.registerClass({} as never)).toThrow(/expected a Layer or Model class/);
  });
});

describe('a subclassed model', () => {
  it('its layers are found in its fields; it builds on first data and computes its call', () => {
    const model = new ResidualMlp({ units: 4 });
    expect(model.name).toBe('residual_mlp');
    expect(model.getClassName()).toBe('ResidualMlp');
    expect(model.built).toBe(false);
    const x = randomTensor([5, 3], 3);
    const y = model.apply(x);
    expect(model.built).toBe(true);
    expect(model.layers.map((l) => l.name)).toEqual(['dense', 'dense_1', 'scale']);
    expect(model.weights.map((w) => w.name)).toEqual(['dense/kernel', 'dense/bias', 'dense_1/kernel', 'dense_1/bias', 'scale/scale']);
    const byHand = model.out.apply(model.hidden.apply(x)).add(tk.slice(x, [0, 0], [-1, 2]).mul(0.5));
    expect(Array.from(y.data)).toEqual(Array.from(byHand.data));
  });

  it('compiles and fits with the same trainer (the loss goes down), evaluates and predicts', async () => {
    const model = new ResidualMlp();
    model.compile({ optimizer: new tk.optimizers.Adam({ learningRate: 0.02 }), loss: 'mse', metrics: ['mae'] });
    const x = randomTensor([64, 3], 4);
    const y = tk.concat([tk.sin(tk.slice(x, [0, 0], [-1, 1])), tk.slice(x, [0, 1], [-1, 1]).square()], 1);
    const history = await model.fit(x, y, { epochs: 30, batchSize: 16, verbose: 0 });
    const losses = history.history.loss!;
    expect(losses[losses.length - 1]!).toBeLessThan(losses[0]! * 0.5);
    expect(Object.keys(history.history)).toEqual(['loss', 'mae']);
    expect(model.predict(x).shape).toEqual([64, 2]);
    expect((model.evaluate(x, y, { verbose: 0 }) as number[]).length).toBe(2);
  });

  it('build(inputShape) builds it before any data (for summary, or before fitting a dataset)', () => {
    const model = new ResidualMlp({ units: 3 });
    model.build([null, 3]);
    expect(model.built).toBe(true);
    expect(model.countParams()).toBe(3 * 3 + 3 + 3 * 2 + 2 + 2);
    const text = model.summary({ printFn: () => {} });
    expect(text).toContain('dense (Dense)');
  });

  it('registered, it saves and loads: its config, its weights, the same predictions', async () => {
    tk.registerClass(ResidualMlp);
    tk.registerClass(Scale);
    const model = new ResidualMlp({ units: 5, name: 'mine' });
    const x = randomTensor([4, 3], 5);
    model.apply(x);
    expect(model.getConfig()).toEqual({ name: 'mine', trainable: true, units: 5 });
    const copy = await tk.loadModel(model.toArtifacts());
    expect(copy).toBeInstanceOf(ResidualMlp);
    expect((copy as ResidualMlp).units).toBe(5);
    expect(Array.from(copy.predict(x).data)).toEqual(Array.from(model.predict(x).data));
    // fromConfig alone: the same architecture with fresh weights.
    const fresh = ResidualMlp.fromConfig(model.getConfig()) as ResidualMlp;
    expect(fresh.units).toBe(5);
    expect(fresh.name).toBe('mine');
  });

  it('a Model without inputs, outputs or call says to subclass it', () => {
    expect(() => new tk.Model().apply(tk.ones([1, 2]))).toThrow(/a Model made without inputs and outputs must be subclassed with its own call/);
  });
});
