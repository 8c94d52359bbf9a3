// The preprocessing layers (keras-facts-2 §15.6, §17.3): Rescaling by hand; Resizing, CenterCrop
// and Normalization.adapt against the numpy goldens of preprocessing_golden.py (half-pixel
// bilinear and nearest, crop and pad to the aspect ratio, smart_resize for a small input, mean and
// population variance); Normalization's given statistics, invert, batched and async datasets
// merged exactly, weights and config; CategoryEncoding's three modes by hand; gradients through
// the image layers; configs; errors naming the layer and the argument.

import { readFileSync } from 'node:fs';
import { beforeEach, describe, expect, it } from 'vitest';
import * as tk from '../../src/index.js';
import { CategoryEncoding, CenterCrop, Normalization, Rescaling, Resizing, type ResizingOptions } from '../../src/layers/index.js';
import { clearSession } from '../../src/naming.js';
import { expectClose } from '../helpers/index.js';
import { randomTensor } from './helpers.js';

beforeEach(() => clearSession());

interface Golden {
  layer: 'Resizing' | 'CenterCrop' | 'Normalization';
  name: string;
  shape: number[];
  height?: number;
  width?: number;
  options?: ResizingOptions;
  axis?: number[];
  x: number[];
  yShape?: number[];
  y: number[];
  mean?: number[];
  variance?: number[];
}
const goldens = JSON.parse(readFileSync(new URL('./preprocessing_golden.json', import.meta.url), 'utf8')) as Golden[];

describe('Rescaling', () => {
  it('y = x·scale + offset; config; errors', () => {
    const r = new Rescaling({ scale: 1 / 127.5, offset: -1 });
    expectClose(r.apply(tk.tensor([[0, 127.5, 255]])).data, [-1, 0, 1], { rtol: 0, atol: 1e-7 });
    expect(r.getConfig()).toMatchObject({ scale: 1 / 127.5, offset: -1 });
    expect(Rescaling.fromConfig(r.getConfig()).getConfig()).toEqual(r.getConfig());
    expect(() => new Rescaling()).toThrow(/Rescaling: scale is required/);
    expect(() => new Rescaling({ scale: [1, 2] as never })).toThrow(/Rescaling: scale must be a finite number, got \[1,2\]/);
  });
});

describe('Resizing', () => {
  for (const g of goldens.filter((c) => c.layer === 'Resizing')) {
    it(`numpy golden: ${g.name}`, () => {
      const layer = new Resizing(g.height!, g.width!, g.options);
      const y = layer.apply(tk.tensor(g.x, g.shape));
      expect(y.shape).toEqual(g.yShape);
      expectClose(y.data, g.y, { rtol: 1e-5, atol: 1e-6 });
    });
  }

  it('channels_first equals channels_last transposed; gradients by finite differences', () => {
    const x = randomTensor([1, 3, 4, 2], 1);
    const last = new Resizing(5, 3).apply(x);
    const first = new Resizing(5, 3, { dataFormat: 'channels_first' }).apply(tk.transpose(x, [0, 3, 1, 2]));
    expectClose(tk.transpose(first, [0, 2, 3, 1]).data, last.data, { rtol: 0, atol: 1e-7 });
    for (const options of [{}, { interpolation: 'nearest' }, { cropToAspectRatio: true }, { padToAspectRatio: true }] as ResizingOptions[]) {
      expect(tk.checkGradients((t) => new Resizing(3, 5, options).apply(t), [x])).toBeLessThan(1e-3);
    }
  });

  it('output shape, config round trip, errors', () => {
    const x = tk.input({ shape: [10, 20, 3] });
    expect(new Resizing(4, 6).apply(x).shape).toEqual([null, 4, 6, 3]);
    const layer = new Resizing(4, 6, { interpolation: 'nearest', cropToAspectRatio: true, dataFormat: 'channelsFirst' });
    expect(layer.getConfig()).toMatchObject({ height: 4, width: 6, interpolation: 'nearest', cropToAspectRatio: true, dataFormat: 'channelsFirst' });
    expect(Resizing.fromConfig(layer.getConfig()).getConfig()).toEqual(layer.getConfig());
    expect(new Resizing(2, 2, { padToAspectRatio: true, fillValue: 1 }).getConfig()).toMatchObject({ padToAspectRatio: true, fillValue: 1 });
    expect(() => new Resizing(0, 3)).toThrow(/Resizing: height must be a positive integer, got 0/);
    expect(() => new Resizing(3, 3, { interpolation: 'bicubic' as never })).toThrow(/Resizing: interpolation must be 'bilinear' or 'nearest'.*got 'bicubic'/);
    expect(() => new Resizing(3, 3, { cropToAspectRatio: true, padToAspectRatio: true })).toThrow(/cannot both be true/);
    expect(() => new Resizing(3, 3, { antialias: true as never })).toThrow(/Resizing: antialias is not supported/);
    expect(() => new Resizing(3, 3, { fillMode: 'reflect' as never })).toThrow(/Resizing: fillMode must be 'constant'/);
    expect(() => new Resizing(3, 3).apply(tk.ones([2, 3]))).toThrow(/resizing(_\d+)?.*ndim|rank 4/);
  });
});

describe('CenterCrop', () => {
  for (const g of goldens.filter((c) => c.layer === 'CenterCrop')) {
    it(`numpy golden: ${g.name}`, () => {
      const y = new CenterCrop(g.height!, g.width!).apply(tk.tensor(g.x, g.shape));
      expect(y.shape).toEqual(g.yShape);
      expectClose(y.data, g.y, { rtol: 1e-5, atol: 1e-6 });
    });
  }

  it('channels_first; config; errors', () => {
    const x = tk.reshape(tk.range(0, 16), [1, 1, 4, 4]);
    expect(new CenterCrop(2, 2, { dataFormat: 'channels_first' }).apply(x).toArray()).toEqual([[[[5, 6], [9, 10]]]]);
    const c = new CenterCrop(3, 2);
    expect(CenterCrop.fromConfig(c.getConfig()).getConfig()).toEqual(c.getConfig());
    expect(() => new CenterCrop(2, -1)).toThrow(/CenterCrop: width must be a positive integer, got -1/);
  });
});

describe('Normalization', () => {
  for (const g of goldens.filter((c) => c.layer === 'Normalization')) {
    it(`adapt, numpy golden: ${g.name}`, () => {
      const norm = new Normalization({ axis: g.axis!.length === 0 ? null : g.axis! });
      const x = tk.tensor(g.x, g.shape);
      norm.adapt(x);
      const [mean, variance] = norm.getWeights();
      expectClose(mean!.data, g.mean!, { rtol: 1e-6, atol: 1e-6 });
      expectClose(variance!.data, g.variance!, { rtol: 1e-5, atol: 1e-6 });
      expectClose(norm.apply(x).data, g.y, { rtol: 1e-5, atol: 1e-5 });
    });
  }

  it('weights mean, variance, count (non-trainable); params 2·features + 1', () => {
    const norm = new Normalization();
    norm.adapt(tk.tensor([[1, 10], [3, 30]]));
    expect(norm.weights.map((w) => [w.name, w.shape])).toEqual([['normalization/mean', [2]], ['normalization/variance', [2]], ['normalization/count', []]]);
    expect(norm.trainableWeights).toEqual([]);
    expect(norm.countParams()).toBe(5);
    expect(Array.from(norm.getWeights()[0]!.data)).toEqual([2, 20]);
    expect(Array.from(norm.getWeights()[1]!.data)).toEqual([1, 100]);
    expect(norm.apply(tk.tensor([[3, 10]])).toArray()).toEqual([[1, -1]]);
  });

  it('a dataset of batches (sync and async) gives the statistics of the whole data', async () => {
    const x = randomTensor([10, 3], 5, 0, 8);
    const whole = new Normalization();
    whole.adapt(x);
    const batches = [tk.slice(x, [0, 0], [3, 3]), tk.slice(x, [3, 0], [5, 3]), tk.slice(x, [8, 0], [2, 3])];
    const sync = new Normalization();
    sync.adapt(new Set(batches.map((b) => ({ xs: b }))));
    async function* gen(): AsyncGenerator<tk.Tensor[]> {
      for (const b of batches) yield [b];
    }
    const later = new Normalization();
    const done = later.adapt(gen());
    expect(done).toBeInstanceOf(Promise);
    await done;
    for (const n of [sync, later]) {
      expectClose(n.getWeights()[0]!.data, whole.getWeights()[0]!.data, { rtol: 1e-6, atol: 1e-6 });
      expectClose(n.getWeights()[1]!.data, whole.getWeights()[1]!.data, { rtol: 1e-5, atol: 1e-6 });
    }
  });

  it('given mean and variance: no weights; broadcast against the kept axes; invert maps back; config', () => {
    const norm = new Normalization({ mean: [1, 2, 3], variance: [1, 4, 9] });
    const x = tk.tensor([[2, 4, 6]]);
    expect(norm.apply(x).toArray()).toEqual([[1, 1, 1]]);
    expect(norm.weights).toEqual([]);
    expect(norm.getConfig()).toMatchObject({ axis: [-1], invert: false, mean: [1, 2, 3], variance: [1, 4, 9] });
    const inv = new Normalization({ mean: [1, 2, 3], variance: [1, 4, 9], invert: true });
    expect(inv.apply(tk.tensor([[1, 1, 1]])).toArray()).toEqual([[2, 4, 6]]);
    expect(new Normalization({ axis: null, mean: 5, variance: 4 }).apply(tk.tensor([7, 9])).toArray()).toEqual([1, 2]);
    expect(new Normalization({ mean: 0, variance: 0 }).apply(tk.tensor([[1e-7]])).toArray()).toEqual([[1]]); // the 1e-7 floor
    const copy = Normalization.fromConfig(norm.getConfig()) as Normalization;
    expect(copy.apply(x).toArray()).toEqual([[1, 1, 1]]);
  });

  it('errors name the layer and the argument', () => {
    expect(() => new Normalization({ mean: [1] })).toThrow(/Normalization: mean and variance must be given together/);
    expect(() => new Normalization({ mean: [1, 2], variance: [1] })).toThrow(/Normalization: mean and variance must have the same shape/);
    expect(() => new Normalization({ axis: 'x' as never })).toThrow(/Normalization: axis must be an integer, a list of integers or null, got 'x'/);
    expect(() => new Normalization({ mean: 1, variance: 1 }).adapt(tk.ones([2, 2]))).toThrow(/adapt cannot be used with a given mean/);
    const n = new Normalization();
    n.adapt(tk.ones([2, 3]));
    expect(() => n.adapt(tk.ones([2, 4]))).toThrow(/normalization(_\d+)?: adapt data of shape \[2, ?4\] does not fit/);
    expect(() => new Normalization().adapt(new Set([]))).toThrow(/adapt got no data/);
  });
});

describe('CategoryEncoding', () => {
  it('one_hot: [B] and [B, 1] give [B, numTokens]; an id ≥ numTokens gives a zero row', () => {
    const oh = new CategoryEncoding({ numTokens: 3, outputMode: 'one_hot' });
    expect(oh.apply(tk.tensor([0, 2, 5])).toArray()).toEqual([[1, 0, 0], [0, 0, 1], [0, 0, 0]]);
    expect(oh.apply(tk.tensor([[1], [0]])).toArray()).toEqual([[0, 1, 0], [1, 0, 0]]);
    expect(oh.apply(tk.tensor([[1, 0]])).shape).toEqual([1, 2, 3]);
  });

  it('multi_hot (default) and count consume the last axis; a rank-1 input is one sample', () => {
    const x = tk.tensor([[0, 1, 1], [3, 3, 2]]);
    expect(new CategoryEncoding({ numTokens: 4 }).apply(x).toArray()).toEqual([[1, 1, 0, 0], [0, 0, 1, 1]]);
    expect(new CategoryEncoding({ numTokens: 4, outputMode: 'count' }).apply(x).toArray()).toEqual([[1, 2, 0, 0], [0, 0, 1, 2]]);
    expect(new CategoryEncoding({ numTokens: 4, outputMode: 'binary' }).apply(tk.tensor([2, 0, 2])).toArray()).toEqual([1, 0, 1, 0]);
    expect(new CategoryEncoding({ numTokens: 4, outputMode: 'multiHot' }).outputMode).toBe('multi_hot');
  });

  it('symbolic output shapes; config (snake_case modes); errors', () => {
    expect(new CategoryEncoding({ numTokens: 5, outputMode: 'one_hot' }).apply(tk.input({ shape: [1] })).shape).toEqual([null, 5]);
    expect(new CategoryEncoding({ numTokens: 5 }).apply(tk.input({ shape: [4] })).shape).toEqual([null, 5]);
    const c = new CategoryEncoding({ numTokens: 5, outputMode: 'oneHot' });
    expect(c.getConfig()).toMatchObject({ numTokens: 5, outputMode: 'one_hot', sparse: false });
    expect(CategoryEncoding.fromConfig(c.getConfig()).getConfig()).toEqual(c.getConfig());
    expect(() => new CategoryEncoding()).toThrow(/CategoryEncoding: numTokens is required/);
    expect(() => new CategoryEncoding({ numTokens: 0 })).toThrow(/CategoryEncoding: numTokens must be a positive integer, got 0/);
    expect(() => new CategoryEncoding({ numTokens: 2, outputMode: 'tf_idf' as never })).toThrow(/CategoryEncoding: outputMode must be 'one_hot', 'multi_hot' or 'count', got 'tf_idf'/);
    expect(() => new CategoryEncoding({ numTokens: 2, sparse: true as never })).toThrow(/CategoryEncoding: sparse outputs are not supported/);
    expect(() => new CategoryEncoding({ numTokens: 3 }).apply(tk.tensor([[1, -1]]))).toThrow(/category_encoding(_\d+)?: ids must be non-negative integers, got -1 at index 1/);
    expect(() => new CategoryEncoding({ numTokens: 3 }).apply(tk.tensor([[1.5]]))).toThrow(/ids must be non-negative integers, got 1.5/);
  });
});
