// The functional API (DESIGN.md part 2): tk.input and symbolic tensors, layer.apply on them, the
// graph a model is made of, shared layers, nested models, getConfig/fromConfig, and the errors for
// graphs that cannot be a model. Facts checked: keras-facts-2 §13.1–13.3 (names, layer order).
// Numbers are checked against the same layers applied by hand to concrete tensors (the oracle a
// graph run must reproduce) and, for gradients, finite differences.

import { beforeEach, describe, expect, it } from 'vitest';
import * as tk from '../../src/index.js';
import { maxAbsDiff } from '../helpers/index.js';
import { randomTensor } from '../layers/helpers.js';

beforeEach(() => {
  tk.clearSession();
  tk.setSeed(7);
});


describe('tk.input and symbolic tensors', () => {
  it('shape with the batch axis, Keras 3 names, batchShape and batchSize; tk.keras.Input is the same', () => {
    const x = tk.input({ shape: [28, 28, 1] });
    expect(x.shape).toEqual([null, 28, 28, 1]);
    expect(x.sourceLayer.name).toBe('input_layer');
    expect(x.sourceLayer.getClassName()).toBe('InputLayer');
    expect(x.name).toMatch(/^keras_tensor/);
    const named = tk.input({ shape: [3], name: 'img' });
    expect(named.name).toBe('img');
    expect(named.sourceLayer.name).toBe('img');
    expect(tk.input({ batchShape: [8, 3] }).shape).toEqual([8, 3]);
    expect(tk.input({ shape: [3], batchSize: 4 }).shape).toEqual([4, 3]);
    expect(tk.keras.Input({ shape: [2] }).shape).toEqual([null, 2]);
    expect(tk.input({ shape: [null, 5] }).shape).toEqual([null, null, 5]);
  });

  it('a layer applied to a symbolic tensor gives a symbolic tensor of the output shape, and builds', () => {
    const x = tk.input({ shape: [4] });
    const dense = new tk.layers.Dense(3);
    const y = dense.apply(x);
    expect(y).toBeInstanceOf(tk.SymbolicTensor);
    expect(y.shape).toEqual([null, 3]);
    expect(dense.built).toBe(true);
    expect(dense.weights.map((w) => w.shape)).toEqual([[4, 3], [3]]);
    expect(y.sourceLayer).toBe(dense);
    expect(y.nodeIndex).toBe(0);
    expect(dense.output).toBe(y);
    expect(dense.input).toBe(x);
    const conv = new tk.layers.Conv2D(8, 3, { padding: 'same', strides: 2 }).apply(tk.input({ shape: [28, 28, 1] }));
    expect(conv.shape).toEqual([null, 14, 14, 8]);
    // Applied to a Tensor, the same layer computes.
    expect(dense.apply(tk.ones([2, 4])).shape).toEqual([2, 3]);
  });

  it('ops refuse symbolic tensors, pointing to the merge layers', () => {
    const a = tk.input({ shape: [2], name: 'a' });
    expect(() => tk.add(a as never, a as never)).toThrow(/add: got a symbolic tensor \('a'\), which has a shape but no values.*tk\.layers\.Add/);
    expect(() => new tk.layers.Dense(2).apply([a, tk.ones([1, 2])] as never)).toThrow(/mix of symbolic and concrete tensors/);
  });

  it('a custom layer without computeOutputShape: the shape is found by running call on zeros, unknown sizes kept', () => {
    class Pairs extends tk.layers.Layer {
      static override className = 'Pairs';
      call(x: tk.Tensor): tk.Tensor {
        return tk.reshape(x, [x.shape[0]!, -1, 2]);
      }
    }
    expect(new Pairs().apply(tk.input({ shape: [6] })).shape).toEqual([null, 3, 2]);
    expect(new Pairs().apply(tk.input({ shape: [null] })).shape).toEqual([null, null, 2]);
  });
});

describe('building a model', () => {
  it("layers in Keras 3's order: by depth, then first visit (keras-facts-2 §13.3)", () => {
    const a = tk.input({ shape: [4] });
    const b = tk.input({ shape: [3] });
    const h = new tk.layers.Dense(5).apply(a);
    const c = new tk.layers.Concatenate().apply([h, b]);
    const o1 = new tk.layers.Dense(1).apply(c);
    const o2 = new tk.layers.Dense(2).apply(c);
    const model = tk.model({ inputs: [a, b], outputs: [o1, o2] });
    expect(model.name).toBe('functional');
    expect(model.layers.map((l) => l.name)).toEqual(['input_layer', 'dense', 'input_layer_1', 'concatenate', 'dense_1', 'dense_2']);
    expect(model.inputs).toEqual([a, b]);
    expect(model.outputs).toEqual([o1, o2]);
    expect(model.inputNames).toEqual(['input_layer', 'input_layer_1']);
    expect(model.outputNames).toEqual(['dense_1', 'dense_2']);
    expect(model.getLayer('concatenate').getClassName()).toBe('Concatenate');
    expect(model.getLayer({ index: 1 }).name).toBe('dense');
    expect(model.weights.map((w) => w.name)).toEqual(['dense/kernel', 'dense/bias', 'dense_1/kernel', 'dense_1/bias', 'dense_2/kernel', 'dense_2/bias']);
    expect(new tk.Model({ inputs: [a, b], outputs: o1 }).name).toBe('functional_1');
  });

  it('apply computes what the layers compute by hand, and training reaches Dropout', () => {
    const x = tk.input({ shape: [4] });
    const d1 = new tk.layers.Dense(6, 'relu');
    const d2 = new tk.layers.Dense(2);
    const skip = new tk.layers.Dense(2);
    const drop = new tk.layers.Dropout(0.5);
    const y = new tk.layers.Add().apply([d2.apply(drop.apply(d1.apply(x))), skip.apply(x)]);
    const model = tk.model({ inputs: x, outputs: y });
    const data = randomTensor([5, 4], 3);
    const byHand = tk.add(d2.apply(d1.apply(data)), skip.apply(data));
    expect(maxAbsDiff(model.apply(data).data, byHand.data)).toBe(0);
    expect(maxAbsDiff(model.predict(data).data, byHand.data)).toBe(0);
    // In training, Dropout drops: the result differs from inference.
    expect(maxAbsDiff(model.apply(data, { training: true }).data, byHand.data)).toBeGreaterThan(0);
  });

  it('a call argument recorded on a node wins over the run\'s (Dropout with training: true stays on)', () => {
    const x = tk.input({ shape: [100] });
    const model = tk.model({ inputs: x, outputs: new tk.layers.Dropout(0.5).apply(x, { training: true }) });
    const y = model.predict(tk.ones([1, 100]));
    const zeros = Array.from(y.data).filter((v) => v === 0).length;
    expect(zeros).toBeGreaterThan(20);
    expect(zeros).toBeLessThan(80);
  });

  it('several inputs and outputs: lists in order, or objects keyed by name', () => {
    const a = tk.input({ shape: [2], name: 'a' });
    const b = tk.input({ shape: [2], name: 'b' });
    const sum = new tk.layers.Add().apply([a, b]);
    const diff = new tk.layers.Subtract().apply([a, b]);
    const model = tk.model({ inputs: [a, b], outputs: [sum, diff] });
    const xa = tk.tensor([[1, 2]]);
    const xb = tk.tensor([[10, 20]]);
    const [s, d] = model.predict([xa, xb]);
    expect(s!.toArray()).toEqual([[11, 22]]);
    expect(d!.toArray()).toEqual([[-9, -18]]);
    const [s2, d2] = model.predict({ b: xb, a: xa });
    expect(s2!.toArray()).toEqual([[11, 22]]);
    expect(d2!.toArray()).toEqual([[-9, -18]]);
    // Dict inputs flatten in sorted-key order, and their keys name the data.
    const byName = tk.model({ inputs: { second: b, first: a }, outputs: diff });
    expect(byName.inputNames).toEqual(['first', 'second']);
    expect(byName.predict({ first: xa, second: xb }).toArray()).toEqual([[-9, -18]]);
    // One output given as a list of one: predict still returns a Tensor (Keras unpacks it).
    const single = tk.model({ inputs: [a, b], outputs: [sum] });
    expect(single.predict([xa, xb])).toBeInstanceOf(tk.Tensor);
  });

  it("Keras's per-input rank adjustment: a trailing axis of 1 squeezed or added", () => {
    const x = tk.input({ shape: [3, 1] });
    const model = tk.model({ inputs: x, outputs: new tk.layers.Flatten().apply(x) });
    expect(model.predict(tk.ones([2, 3])).shape).toEqual([2, 3]);
    const y = tk.input({ shape: [3] });
    const m2 = tk.model({ inputs: y, outputs: new tk.layers.Dense(1).apply(y) });
    expect(m2.predict(tk.ones([2, 3, 1])).shape).toEqual([2, 1]);
  });
});

describe('shared layers', () => {
  it('one set of weights, two calls (node 0 and node 1), gradients summed over the calls', () => {
    const x = tk.input({ shape: [3] });
    const shared = new tk.layers.Dense(3, { activation: 'tanh', name: 'shared' });
    const h1 = shared.apply(x);
    const h2 = shared.apply(h1);
    expect(h2.nodeIndex).toBe(1);
    const model = tk.model({ inputs: x, outputs: h2 });
    expect(model.layers.map((l) => l.name)).toEqual(['input_layer', 'shared']);
    expect(model.weights.length).toBe(2);
    const data = randomTensor([4, 3], 5);
    expect(maxAbsDiff(model.predict(data).data, shared.apply(shared.apply(data)).data)).toBe(0);
    // d/dW of Σ model(x)·r: the tape sums both uses; the finite difference of the weights agrees.
    const r = randomTensor([4, 3], 6);
    const kernel = shared.weights[0]!;
    const analytic = tk.variableGrads(() => model.apply(data).mul(r).sum(), [kernel]).grads[0]!;
    const numeric = tk.noGrad(() => {
      const out = new Float32Array(kernel.size);
      for (let i = 0; i < kernel.size; i++) {
        const v = kernel.data[i]!;
        kernel.data[i] = v + 1e-2;
        const up = model.apply(data).mul(r).sum().item();
        kernel.data[i] = v - 1e-2;
        const down = model.apply(data).mul(r).sum().item();
        kernel.data[i] = v;
        out[i] = (up - down) / 2e-2;
      }
      return out;
    });
    expect(maxAbsDiff(analytic.data, numeric)).toBeLessThan(2e-3);
    // And it is not the gradient of one call alone.
    const oneCall = tk.variableGrads(() => shared.apply(data).mul(r).sum(), [kernel]).grads[0]!;
    expect(maxAbsDiff(analytic.data, oneCall.data)).toBeGreaterThan(1e-2);
  });
});

describe('nested models', () => {
  function encoder(): tk.Model<tk.Tensor> {
    const x = tk.input({ shape: [4], name: 'enc_in' });
    return tk.model({ inputs: x, outputs: new tk.layers.Dense(2, { name: 'enc_dense' }).apply(x), name: 'encoder' });
  }

  it('a Model is a Layer: applied inside another model, listed once, its weights in place', () => {
    const enc = encoder();
    const x = tk.input({ shape: [4], name: 'x' });
    const z = enc.apply(x);
    expect(z.shape).toEqual([null, 2]);
    const outer = tk.model({ inputs: x, outputs: new tk.layers.Dense(1, { name: 'head' }).apply(z), name: 'outer' });
    expect(outer.layers.map((l) => `${l.name} (${l.getClassName()})`)).toEqual(['x (InputLayer)', 'encoder (Functional)', 'head (Dense)']);
    expect(outer.weights.map((w) => w.name)).toEqual(['enc_dense/kernel', 'enc_dense/bias', 'head/kernel', 'head/bias']);
    const data = randomTensor([3, 4], 1);
    const head = outer.getLayer('head');
    expect(maxAbsDiff(outer.predict(data).data, (head.apply(enc.apply(data)) as tk.Tensor).data)).toBe(0);
    // The same encoder, applied again elsewhere: its second call is node 1.
    const again = enc.apply(tk.input({ shape: [4] }));
    expect(again.nodeIndex).toBe(1);
  });

  it('Sequential inside a functional model, and a functional model inside a Sequential', () => {
    const seq = new tk.Sequential([new tk.layers.Dense(3, { inputShape: [4], activation: 'relu' }), new tk.layers.Dense(2)]);
    const x = tk.input({ shape: [4] });
    const outer = tk.model({ inputs: x, outputs: seq.apply(x) });
    const data = randomTensor([2, 4], 2);
    expect(maxAbsDiff(outer.predict(data).data, seq.predict(data).data)).toBe(0);
    const enc = encoder();
    const stack = new tk.Sequential([enc, new tk.layers.Dense(1)]);
    stack.build([null, 4]);
    expect(stack.weights.length).toBe(4);
    expect(maxAbsDiff(stack.predict(data).data, stack.layers[1]!.apply(enc.apply(data)).data)).toBe(0);
  });

  it('a Sequential has inputs, outputs and per-layer outputs, so a feature extractor can be cut out of it', () => {
    const seq = new tk.Sequential([new tk.layers.Dense(5, { inputShape: [3], activation: 'relu' }), new tk.layers.Dense(2)]);
    expect(seq.inputs[0]!.shape).toEqual([null, 3]);
    expect(seq.outputs[0]!.shape).toEqual([null, 2]);
    const features = tk.model({ inputs: seq.inputs, outputs: seq.layers[0]!.output as tk.SymbolicTensor });
    const data = randomTensor([4, 3], 3);
    expect(maxAbsDiff(features.predict(data).data, seq.layers[0]!.apply(data).data)).toBe(0);
  });

  it('freezing the outer model freezes the nested one (Keras)', () => {
    const enc = encoder();
    const x = tk.input({ shape: [4] });
    const outer = tk.model({ inputs: x, outputs: new tk.layers.Dense(1).apply(enc.apply(x)) });
    enc.trainable = false;
    expect(outer.trainableWeights.map((w) => w.name)).toEqual(['dense/kernel', 'dense/bias']);
    outer.trainable = false;
    expect(outer.trainableWeights).toEqual([]);
    expect(outer.nonTrainableWeights.length).toBe(4);
    outer.trainable = true;
    expect(outer.trainableWeights.length).toBe(4);
  });
});

describe('getConfig and fromConfig', () => {
  it('a branching model with a shared layer and a nested model round-trips: same layers, same predictions with the same weights', () => {
    const inner = (() => {
      const i = tk.input({ shape: [3], name: 'inner_in' });
      return tk.model({ inputs: i, outputs: new tk.layers.Dense(3, { activation: 'tanh', name: 'inner_d' }).apply(i), name: 'inner' });
    })();
    const a = tk.input({ shape: [3], name: 'a' });
    const b = tk.input({ shape: [3], name: 'b' });
    const shared = new tk.layers.Dense(3, { name: 'shared' });
    const sa = shared.apply(a);
    const sb = shared.apply(b);
    const merged = new tk.layers.Concatenate({ name: 'cat' }).apply([inner.apply(sa), sb]);
    const out = new tk.layers.Dense(2, { name: 'out', activation: 'softmax' }).apply(merged);
    const model = tk.model({ inputs: [a, b], outputs: [out, sb], name: 'tangle' });
    const config = model.getConfig();
    expect(config.layers.map((l) => l.name)).toEqual(model.layers.map((l) => l.name));
    expect(config.layers.find((l) => l.name === 'shared')!.inboundNodes).toEqual([[['a', 0, 0, {}]], [['b', 0, 0, {}]]]);
    expect(config.inputLayers).toEqual([['a', 0, 0], ['b', 0, 0]]);
    expect(config.outputLayers).toEqual([['out', 0, 0], ['shared', 1, 0]]);
    tk.clearSession();
    const copy = tk.Model.fromConfig(JSON.parse(JSON.stringify(config))) as tk.Model<tk.Tensor[]>;
    expect(copy.name).toBe('tangle');
    expect(copy.layers.map((l) => `${l.name}:${l.getClassName()}`)).toEqual(model.layers.map((l) => `${l.name}:${l.getClassName()}`));
    copy.setWeights(model.getWeights());
    const xa = randomTensor([2, 3], 4);
    const xb = randomTensor([2, 3], 5);
    const ours = model.predict([xa, xb]);
    const theirs = copy.predict([xa, xb]);
    ours.forEach((t, i) => expect(maxAbsDiff(t.data, theirs[i]!.data)).toBe(0));
    expect(copy.getConfig()).toEqual(config);
  });
});

describe('graphs that cannot be a model: clear errors', () => {
  it('an output not reachable from the inputs names the output and the missing input', () => {
    const a = tk.input({ shape: [2], name: 'a' });
    const b = tk.input({ shape: [2], name: 'b' });
    const y = new tk.layers.Add({ name: 'sum' }).apply([a, b]);
    expect(() => tk.model({ inputs: a, outputs: y })).toThrow(/graph disconnected: output 0 \('sum'\) depends on 'b'.*which is not among the model's inputs \('a'\)/);
  });

  it('an input that feeds no output, an input not from tk.input, the same input twice', () => {
    const a = tk.input({ shape: [2], name: 'a' });
    const b = tk.input({ shape: [2], name: 'b' });
    const y = new tk.layers.Dense(1).apply(a);
    expect(() => tk.model({ inputs: [a, b], outputs: y })).toThrow("the input 'b' does not feed any output");
    const h = new tk.layers.Dense(2, { name: 'h' }).apply(a);
    expect(() => tk.model({ inputs: h, outputs: new tk.layers.Dense(1).apply(h) })).toThrow(/input 0 .* is the output of layer 'h', not of tk\.input/);
    expect(() => tk.model({ inputs: [a, a], outputs: y })).toThrow(/input 1 \('a'\) is given twice/);
  });

  it('two different layers with one name', () => {
    const x = tk.input({ shape: [2] });
    const y = new tk.layers.Dense(2, { name: 'twin' }).apply(new tk.layers.Dense(2, { name: 'twin' }).apply(x));
    expect(() => tk.model({ inputs: x, outputs: y })).toThrow("two different layers are named 'twin' (a Dense and a Dense); layer names must be unique within a model");
  });

  it('inputs and outputs that are not symbolic tensors, or only one of the two', () => {
    const x = tk.input({ shape: [2] });
    expect(() => new tk.Model({ inputs: x } as never)).toThrow(/give both inputs and outputs/);
    expect(() => tk.model({ inputs: x, outputs: tk.ones([1, 2]) as never })).toThrow(/outputs must be a symbolic tensor/);
    expect(() => tk.model({ inputs: [x, 3] as never, outputs: x })).toThrow(/inputs\[1\] is not a symbolic tensor/);
    expect(() => new tk.Model({ inputs: x, outputs: x, optimizer: 'adam' } as never)).toThrow(/unknown option 'optimizer'/);
  });

  it('data that does not fit: one array for two inputs, an unknown name, a wrong shape', () => {
    const a = tk.input({ shape: [2], name: 'a' });
    const b = tk.input({ shape: [3], name: 'b' });
    const model = tk.model({ inputs: [a, b], outputs: new tk.layers.Concatenate().apply([a, b]) });
    expect(() => model.predict(tk.ones([1, 2]))).toThrow("functional.predict: the model has 2 inputs ('a', 'b'), but x is one array (shape [1,2]); give a list of 2 arrays in that order, or an object keyed by those names");
    expect(() => model.predict([tk.ones([1, 2])])).toThrow("the model has 2 inputs ('a', 'b'), but x is a list of 1");
    expect(() => model.predict({ a: tk.ones([1, 2]), c: tk.ones([1, 3]) })).toThrow("x has the key 'c', which is not one of the model's inputs ('a', 'b')");
    expect(() => model.predict({ a: tk.ones([1, 2]) })).toThrow("functional.predict: x 'b' is missing");
    expect(() => model.predict([tk.ones([1, 2]), tk.ones([1, 4])])).toThrow("functional.predict: x 'b': expected input shape (None, 3), got [1,4]");
    expect(() => model.predict([tk.ones([1, 2]), tk.ones([2, 3])])).toThrow(/x 'a' and x 'b' have different numbers of samples: x 'a' has 1/);
  });

  it('getLayer names what it knows', () => {
    const x = tk.input({ shape: [2] });
    const model = tk.model({ inputs: x, outputs: new tk.layers.Dense(1).apply(x) });
    expect(() => model.getLayer('nope')).toThrow("functional.getLayer: no layer named 'nope' (the layers are 'input_layer', 'dense')");
    expect(() => model.getLayer({ index: 5 })).toThrow('functional.getLayer: index 5 is out of range: the model has 2 layers');
  });
});
