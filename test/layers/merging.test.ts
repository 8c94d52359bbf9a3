// The merge layers (Add, Subtract, Multiply, Average, Maximum, Minimum, Concatenate, Dot):
// - values against TF.js's layers run side by side on the same inputs, and hand cases;
// - shapes: broadcasting after rank alignment, symbolic output shapes with unknown sizes;
// - masks as Keras 3 (base_merge.py): OR of the masks, Multiply/Maximum/Minimum keeping masked
//   steps out of the arithmetic (hand-derived values);
// - gradients by finite differences (tk.checkGradients);
// - errors naming the layer and both shapes.

import * as tf from '@tensorflow/tfjs';
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import * as tk from '../../src/index.js';
import { maxAbsDiff } from '../helpers/index.js';
import { randomTensor } from './helpers.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});
beforeEach(() => tk.clearSession());

const toTf = (t: tk.Tensor): tf.Tensor => tf.tensor(Array.from(t.data), [...t.shape]);

describe('merge layers agree with TF.js', () => {
  const a = randomTensor([3, 4], 1);
  const b = randomTensor([3, 4], 2);
  const c = randomTensor([3, 4], 3);
  const cases: [string, () => tk.layers.Layer, () => tf.layers.Layer][] = [
    ['Add', () => new tk.layers.Add(), () => tf.layers.add({})],
    ['Multiply', () => new tk.layers.Multiply(), () => tf.layers.multiply({})],
    ['Average', () => new tk.layers.Average(), () => tf.layers.average({})],
    ['Maximum', () => new tk.layers.Maximum(), () => tf.layers.maximum({})],
    ['Minimum', () => new tk.layers.Minimum(), () => tf.layers.minimum({})],
    ['Concatenate', () => new tk.layers.Concatenate(), () => tf.layers.concatenate({})],
  ];
  for (const [name, ours, theirs] of cases) {
    it(`${name} of three [3, 4] tensors`, () => {
      const y = ours().apply([a, b, c]);
      const t = theirs().apply([toTf(a), toTf(b), toTf(c)]) as tf.Tensor;
      expect(y.shape).toEqual(t.shape);
      expect(maxAbsDiff(y.data, t.dataSync())).toBeLessThan(1e-6);
    });
  }

  it('Subtract of two (TF.js has no Subtract layer: the difference by hand); Concatenate along axis 1 of [2,3,4] and [2,5,4]', () => {
    const y = new tk.layers.Subtract().apply([a, b]);
    expect(maxAbsDiff(y.data, Array.from(a.data, (v, i) => Math.fround(v - b.data[i]!)))).toBe(0);
    const p = randomTensor([2, 3, 4], 4);
    const q = randomTensor([2, 5, 4], 5);
    const cat = new tk.layers.Concatenate({ axis: 1 }).apply([p, q]);
    expect(cat.shape).toEqual([2, 8, 4]);
    expect(maxAbsDiff(cat.data, (tf.layers.concatenate({ axis: 1 }).apply([toTf(p), toTf(q)]) as tf.Tensor).dataSync())).toBe(0);
  });

  it('Dot: axes 1 on [B, n] pairs, axes [2, 2] on sequences, and normalize (cosine similarity)', () => {
    const cases: [number | [number, number], number[], number[], boolean][] = [
      [1, [3, 4], [3, 4], false],
      [[2, 2], [2, 3, 5], [2, 4, 5], false],
      [[1, 2], [2, 3, 5], [2, 4, 3], false],
      [-1, [3, 4], [3, 4], true],
      [[2, 2], [2, 3, 5], [2, 4, 5], true],
    ];
    for (const [axes, sa, sb, normalize] of cases) {
      const x = randomTensor(sa, 7);
      const y = randomTensor(sb, 8);
      const ours = new tk.layers.Dot({ axes, normalize }).apply([x, y]);
      const theirs = tf.layers.dot({ axes, normalize }).apply([toTf(x), toTf(y)]) as tf.Tensor;
      expect(ours.shape, JSON.stringify(axes)).toEqual(theirs.shape);
      expect(maxAbsDiff(ours.data, theirs.dataSync()), JSON.stringify(axes)).toBeLessThan(1e-5);
    }
    // By hand: [1, 2]·[3, 4] = 11, as one column per sample.
    expect(new tk.layers.Dot({ axes: 1 }).apply([tk.tensor([[1, 2]]), tk.tensor([[3, 4]])]).toArray()).toEqual([[11]]);
  });
});

describe('shapes', () => {
  it('broadcasting after rank alignment: [2, 3] + [2, 1] and [2, 4, 3] + [2, 3]', () => {
    expect(new tk.layers.Add().apply([tk.ones([2, 3]), tk.tensor([[1], [2]])]).toArray()).toEqual([[2, 2, 2], [3, 3, 3]]);
    // The lower-rank input gets a size-1 axis after the batch axis: [2, 3] → [2, 1, 3].
    const y = new tk.layers.Add().apply([tk.zeros([2, 4, 3]), tk.tensor([[1, 2, 3], [4, 5, 6]])]);
    expect(y.shape).toEqual([2, 4, 3]);
    expect(Array.from(y.data.slice(12, 15))).toEqual([4, 5, 6]);
  });

  it('symbolic output shapes, with unknown sizes kept unknown', () => {
    const a = tk.input({ shape: [null, 8] });
    const b = tk.input({ shape: [5, 8] });
    expect(new tk.layers.Add().apply([a, b]).shape).toEqual([null, null, 8]);
    expect(new tk.layers.Concatenate({ axis: 1 }).apply([a, b]).shape).toEqual([null, null, 8]);
    expect(new tk.layers.Concatenate().apply([b, tk.input({ shape: [5, 2] })]).shape).toEqual([null, 5, 10]);
    expect(new tk.layers.Dot({ axes: [2, 2] }).apply([b, tk.input({ shape: [7, 8] })]).shape).toEqual([null, 5, 7]);
    expect(new tk.layers.Dot({ axes: 1 }).apply([tk.input({ shape: [6] }), tk.input({ shape: [6] })]).shape).toEqual([null, 1]);
  });
});

describe('masks (Keras 3, base_merge.py)', () => {
  // Two sequences [1 sample, 3 steps, 2 features]; masks [[1, 1, 0]] and [[1, 0, 0]].
  const x1 = tk.layers.setMask(tk.tensor([[[1, 2], [3, 4], [5, 6]]]), tk.tensor([[1, 1, 0]]));
  const x2 = tk.layers.setMask(tk.tensor([[[10, 20], [30, 40], [50, 60]]]), tk.tensor([[1, 0, 0]]));

  it('the output mask is the OR of the input masks; none when an input has none', () => {
    expect(tk.layers.maskOf(new tk.layers.Add().apply([x1, x2]))!.toArray()).toEqual([[1, 1, 0]]);
    expect(tk.layers.maskOf(new tk.layers.Add().apply([x1, tk.ones([1, 3, 2])]))).toBeNull();
    // Add ignores masks in its arithmetic, as Keras.
    expect(new tk.layers.Add().apply([x1, x2]).toArray()).toEqual([[[11, 22], [33, 44], [55, 66]]]);
  });

  it('Multiply: a masked step counts as 1; where every input is masked the output is 0', () => {
    // step 0: 1·10, 2·20; step 1: x2 masked → 3, 4; step 2: both masked → 0.
    expect(new tk.layers.Multiply().apply([x1, x2]).toArray()).toEqual([[[10, 40], [3, 4], [0, 0]]]);
  });

  it('Maximum and Minimum: a masked input takes the others\' value', () => {
    // step 0: max(1, 10), max(2, 20); step 1: x2 masked → x1's 3, 4; step 2: both masked → op(x1, x1).
    expect(new tk.layers.Maximum().apply([x1, x2]).toArray()).toEqual([[[10, 20], [3, 4], [5, 6]]]);
    expect(new tk.layers.Minimum().apply([x1, x2]).toArray()).toEqual([[[1, 2], [3, 4], [5, 6]]]);
  });

  it('Concatenate along the features joins the masks (ones for an input without one)', () => {
    const y = new tk.layers.Concatenate().apply([x1, tk.ones([1, 3, 2])]);
    expect(tk.layers.maskOf(y)!.toArray()).toEqual([[1, 1, 1]]);
    expect(tk.layers.maskOf(new tk.layers.Concatenate().apply([x1, x2]))!.toArray()).toEqual([[1, 1, 0]]);
  });
});

describe('gradients', () => {
  const layers: [string, () => tk.layers.Layer, number][] = [
    ['Add', () => new tk.layers.Add(), 3],
    ['Subtract', () => new tk.layers.Subtract(), 2],
    ['Multiply', () => new tk.layers.Multiply(), 3],
    ['Average', () => new tk.layers.Average(), 3],
    ['Maximum', () => new tk.layers.Maximum(), 2],
    ['Minimum', () => new tk.layers.Minimum(), 2],
    ['Concatenate', () => new tk.layers.Concatenate({ axis: 1 }), 2],
    ['Dot', () => new tk.layers.Dot({ axes: [2, 2] }), 2],
    ['Dot (normalize)', () => new tk.layers.Dot({ axes: [1, 1], normalize: true }), 2],
  ];
  for (const [name, make, n] of layers) {
    it(`${name}: finite differences for every input`, () => {
      const layer = make();
      const inputs = Array.from({ length: n }, (_, i) => randomTensor([2, 3, 4], 20 + i));
      const direction = randomTensor([...layer.apply(inputs).shape], 99);
      const error = tk.checkGradients((...xs: tk.Tensor[]) => layer.apply(xs).mul(direction).sum(), inputs);
      expect(error, name).toBeLessThan(1e-3);
    });
  }
});

describe('bad input', () => {
  it('incompatible shapes name the layer and both shapes, symbolic and concrete', () => {
    const a = tk.input({ shape: [4] });
    const b = tk.input({ shape: [5] });
    expect(() => new tk.layers.Add({ name: 'sum' }).apply([a, b])).toThrow('sum: inputs have incompatible shapes (None, 4) and (None, 5)');
    expect(() => new tk.layers.Multiply().apply([tk.ones([2, 4]), tk.ones([2, 5])])).toThrow(/multiply: inputs have incompatible shapes \(2, 4\) and \(2, 5\)/);
    expect(() => new tk.layers.Concatenate().apply([tk.input({ shape: [3, 4] }), tk.input({ shape: [2, 4] })])).toThrow(
      /concatenate: a Concatenate layer needs inputs whose shapes agree except along axis -1; got \(None, 3, 4\), \(None, 2, 4\)/,
    );
    expect(() => new tk.layers.Dot({ axes: 1 }).apply([tk.input({ shape: [3] }), tk.input({ shape: [4] })])).toThrow(
      /dot: the summed axes have different sizes \(3 and 4\); input shapes \(None, 3\) and \(None, 4\)/,
    );
  });

  it('one tensor, the wrong count, a bad axis or option', () => {
    expect(() => new tk.layers.Add().apply(tk.input({ shape: [4] }))).toThrow(/add: an Add layer takes a list of tensors, e\.g\. apply\(\[a, b\]\); got one tensor of shape \(None, 4\)/);
    const s = tk.input({ shape: [4] });
    expect(() => new tk.layers.Subtract().apply([s, s, s])).toThrow('subtract: a Subtract layer takes exactly 2 inputs, got 3');
    expect(() => new tk.layers.Dot({ axes: 0 }).apply([s, s])).toThrow(/each axis must be a non-batch axis/);
    expect(() => new tk.layers.Dot({} as never)).toThrow('Dot: give axes, e.g. new Dot({ axes: 1 })');
    expect(() => new tk.layers.Dot({ axes: [1, 2, 3] } as never)).toThrow(/Dot: axes must be an integer or a list of two integers/);
    expect(() => new tk.layers.Concatenate({ axis: 1.5 })).toThrow(/Concatenate: axis must be an integer/);
    expect(() => new tk.layers.Add({ axis: 1 } as never)).toThrow(/Add: unknown option 'axis'/);
    expect(() => new tk.layers.Concatenate({ axis: 3 }).apply([tk.ones([2, 3]), tk.ones([2, 3])])).toThrow(/axis 3 is out of range for inputs of rank 2/);
  });
});

describe('config', () => {
  it('round-trips through getConfig and the class registry', () => {
    const dot = new tk.layers.Dot({ axes: [1, 2], normalize: true, name: 'd' });
    const copy = tk.deserializeLayer({ className: 'Dot', config: dot.getConfig() }) as tk.layers.Dot;
    expect(copy).toBeInstanceOf(tk.layers.Dot);
    expect(copy.axes).toEqual([1, 2]);
    expect(copy.normalize).toBe(true);
    expect(copy.name).toBe('d');
    const cat = tk.deserializeLayer({ className: 'Concatenate', config: new tk.layers.Concatenate({ axis: 1 }).getConfig() }) as tk.layers.Concatenate;
    expect(cat.axis).toBe(1);
  });
});
