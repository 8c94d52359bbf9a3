import { describe, expect, it } from 'vitest';
import * as tk from '../src/index.js';
import { expectClose } from './helpers/index.js';

const K = tk.backend;

describe('tk.backend (the K of keras.backend)', () => {
  it("the notes' snippet gives 0.5: K.mean(K.equal(yTrue, K.round(yPred)))", () => {
    const yTrue = tk.tensor([[0, 1], [1, 0], [1, 0], [0, 1]]);
    const yPred = tk.tensor([[0.4, 0.6], [0.3, 0.7], [0.05, 0.95], [0.33, 0.67]]);
    // round(yPred) = [[0,1],[0,1],[0,1],[0,1]]: rows 0 and 3 match, rows 1 and 2 do not.
    expect(K.round(yPred).toArray()).toEqual([[0, 1], [0, 1], [0, 1], [0, 1]]);
    const acc = K.mean(K.equal(yTrue, K.round(yPred)));
    expect(acc.shape).toEqual([]);
    expect(acc.item()).toBe(0.5);
  });

  it('K.round is half to even, as Keras', () => {
    expect(K.round(tk.tensor([0.5, 1.5, 2.5, -0.5])).dataSync()).toEqual([0, 2, 2, -0]);
  });

  it('epsilon() is 1e-7 and floatx() is float32', () => {
    expect(K.epsilon()).toBe(1e-7);
    expect(K.floatx()).toBe('float32');
    expect(K.imageDataFormat()).toBe('channels_last');
  });

  it('setEpsilon changes epsilon and rejects nonsense; restoring it works', () => {
    K.setEpsilon(1e-5);
    expect(K.epsilon()).toBe(1e-5);
    expect(() => K.setEpsilon(0)).toThrow(/setEpsilon/);
    expect(() => K.setEpsilon(-1)).toThrow(/setEpsilon/);
    K.setEpsilon(1e-7);
    expect(K.epsilon()).toBe(1e-7);
  });

  it('the reductions and elementwise helpers are the ops', () => {
    const x = tk.tensor([[1, -4], [9, 16]]);
    expect(K.sum(x).item()).toBe(22);
    expect(K.sum(x, 1).toArray()).toEqual([-3, 25]);
    expect(K.mean(x, 0).toArray()).toEqual([5, 6]);
    expect(K.max(x).item()).toBe(16);
    expect(K.min(x, 1, true).toArray()).toEqual([[-4], [9]]);
    expect(K.prod(x, 0).toArray()).toEqual([9, -64]);
    expect(K.argmax(x).toArray()).toEqual([0, 1]); // default axis -1, as Keras
    expect(K.argmin(x).toArray()).toEqual([1, 0]);
    expect(K.abs(x).toArray()).toEqual([[1, 4], [9, 16]]);
    expect(K.square(x).toArray()).toEqual([[1, 16], [81, 256]]);
    expect(K.sqrt(K.abs(x)).toArray()).toEqual([[1, 2], [3, 4]]);
    expectClose(K.exp(tk.tensor([0, 1])).data, [1, Math.E], { rtol: 1e-7 });
    expectClose(K.log(tk.tensor([1, Math.E])).data, [0, 1], { rtol: 1e-7, atol: 1e-7 });
    expect(K.clip(x, 0, 10).toArray()).toEqual([[1, 0], [9, 10]]);
    expect(K.notEqual(x, 9).toArray()).toEqual([[1, 1], [0, 1]]);
    expect(K.dot(tk.tensor([[1, 2]]), tk.tensor([[3], [4]])).toArray()).toEqual([[11]]);
    expect(K.transpose(x).toArray()).toEqual([[1, 9], [-4, 16]]);
    expect(K.reshape(x, [-1]).toArray()).toEqual([1, -4, 9, 16]);
    expect(K.expandDims(x).shape).toEqual([2, 2, 1]); // default axis -1, as Keras
    expectClose(K.softmax(tk.tensor([0, Math.log(3)])).data, [0.25, 0.75], { rtol: 1e-6 });
  });

  it('K.clip(p, K.epsilon(), 1 - K.epsilon()) keeps log finite', () => {
    const p = K.clip(tk.tensor([0, 1]), K.epsilon(), 1 - K.epsilon());
    expect(K.log(p).dataSync().every(Number.isFinite)).toBe(true);
  });

  it('random helpers take Keras positional arguments or an options object, and are seeded', () => {
    const a = K.randomNormal([3, 3], 0, 1, 'float32', 5);
    const b = K.randomNormal([3, 3], { seed: 5 });
    expect(Array.from(a.data)).toEqual(Array.from(b.data));
    expect(Array.from(a.data)).toEqual(Array.from(tk.randomNormal([3, 3], { seed: 5 }).data));
    const u = K.randomUniform([1000], -1, 1, undefined, 3);
    expect(u.dataSync().every((v) => v >= -1 && v < 1)).toBe(true);
    expect(Array.from(u.data)).toEqual(Array.from(K.randomUniform([1000], { minval: -1, maxval: 1, seed: 3 }).data));
    const t = K.truncatedNormal([1000], 2, 0.5, undefined, 9);
    expect(t.dataSync().every((v) => v >= Math.fround(1) && v <= Math.fround(3))).toBe(true);
    // a Keras-style initializer function
    const myInit = (shape: number[], dtype?: string): tk.Tensor => K.randomNormal(shape, 0, 1, dtype);
    expect(myInit([2, 4]).shape).toEqual([2, 4]);
    expect(() => K.randomNormal([2], 0, 1, 'float64')).toThrow(/randomNormal: tensorkit stores float32 only, got dtype 'float64'/);
  });

  it('setImageDataFormat validates and switches', () => {
    K.setImageDataFormat('channels_first');
    expect(K.imageDataFormat()).toBe('channels_first');
    K.setImageDataFormat('channels_last');
    expect(() => K.setImageDataFormat('nhwc' as never)).toThrow(/setImageDataFormat/);
  });
});
