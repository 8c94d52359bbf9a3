// SpatialDropout1D and SpatialDropout2D (keras-facts-2 §15.7): whole channels dropped per sample
// in training only, kept ones scaled by 1/(1 − rate), seeded like Dropout, the gradient is the
// mask, masks pass on, configs (TF.js's SpatialDropout1D config included), errors.

import * as tf from '@tensorflow/tfjs';
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import * as tk from '../../src/index.js';
import { SpatialDropout1D, SpatialDropout2D } from '../../src/layers/index.js';
import { clearSession } from '../../src/naming.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});
beforeEach(() => clearSession());

/** For each (sample, channel): the set of values that channel took across steps/pixels. */
function channelValues(y: tk.Tensor, channelAxis: number): Map<string, Set<number>> {
  const shape = y.shape;
  const out = new Map<string, Set<number>>();
  const strides = shape.map((_, i) => shape.slice(i + 1).reduce((a, b) => a * b, 1));
  for (let i = 0; i < y.size; i++) {
    const n = Math.floor(i / strides[0]!) % shape[0]!;
    const c = Math.floor(i / strides[channelAxis]!) % shape[channelAxis]!;
    const key = `${n},${c}`;
    if (!out.has(key)) out.set(key, new Set());
    out.get(key)!.add(y.data[i]!);
  }
  return out;
}

describe('SpatialDropout1D and SpatialDropout2D', () => {
  it('the identity outside training (the same tensor), and with rate 0', () => {
    const x = tk.ones([2, 3, 4]);
    expect(new SpatialDropout1D(0.5).apply(x)).toBe(x);
    expect(new SpatialDropout1D(0, { seed: 1 }).apply(x, { training: true })).toBe(x);
    expect(new SpatialDropout2D(0.5).apply(tk.ones([1, 2, 2, 3]), { training: false }).data).toEqual(new Float32Array(12).fill(1));
  });

  it('1-D: each (sample, channel) is 0 at every step or 1/(1 − rate) at every step; about rate of them dropped', () => {
    const y = new SpatialDropout1D(0.3, { seed: 5 }).apply(tk.ones([40, 6, 50]), { training: true });
    const values = channelValues(y, 2);
    let dropped = 0;
    for (const set of values.values()) {
      expect(set.size).toBe(1);
      const [v] = [...set];
      expect([0, Math.fround(1 / 0.7)]).toContain(v);
      if (v === 0) dropped++;
    }
    // 2000 independent draws: the fraction dropped is 0.3 ± 4 standard deviations (0.041).
    expect(Math.abs(dropped / values.size - 0.3)).toBeLessThan(0.041);
  });

  it('2-D: whole feature maps, channels_last [B, 1, 1, C] and channels_first [B, C, 1, 1]', () => {
    for (const [dataFormat, shape, axis] of [['channels_last', [8, 5, 4, 16], 3], ['channels_first', [8, 16, 5, 4], 1]] as const) {
      const y = new SpatialDropout2D(0.5, { seed: 2, dataFormat }).apply(tk.ones([...shape]), { training: true });
      const values = channelValues(y, axis);
      expect(values.size).toBe(8 * 16);
      for (const set of values.values()) expect(set.size).toBe(1);
      const zeros = [...values.values()].filter((s) => s.has(0)).length;
      expect(zeros).toBeGreaterThan(0);
      expect(zeros).toBeLessThan(8 * 16);
    }
  });

  it('rate 1 drops everything; the gradient is the mask', () => {
    expect(Array.from(new SpatialDropout2D(1).apply(tk.ones([1, 2, 2, 2]), { training: true }).data)).toEqual(new Array(8).fill(0));
    const layer = new SpatialDropout1D(0.5, { seed: 9 });
    const x = tk.randomNormal([4, 3, 5], { seed: 1 });
    tk.setSeed(0);
    const y = tk.noGrad(() => new SpatialDropout1D(0.5, { seed: 9 }).apply(x, { training: true }));
    const [g] = tk.grads((t) => layer.apply(t!, { training: true }).sum())(x);
    // the same seed gives the same first mask: g = y/x (the mask's values), where x is nonzero
    Array.from(g!.data).forEach((v, i) => expect(v).toBeCloseTo(y.data[i]! / x.data[i]!, 4));
  });

  it('seeded like Dropout: the same seed gives the same sequence of masks, consecutive calls differ; unseeded follows tk.setSeed', () => {
    const x = tk.ones([4, 3, 8]);
    const a = new SpatialDropout1D(0.5, { seed: 11 });
    const b = new SpatialDropout1D(0.5, { seed: 11 });
    const a1 = a.apply(x, { training: true });
    const a2 = a.apply(x, { training: true });
    expect(Array.from(b.apply(x, { training: true }).data)).toEqual(Array.from(a1.data));
    expect(Array.from(b.apply(x, { training: true }).data)).toEqual(Array.from(a2.data));
    expect(Array.from(a1.data)).not.toEqual(Array.from(a2.data));
    tk.setSeed(3);
    const u1 = new SpatialDropout2D(0.5).apply(tk.ones([4, 2, 2, 8]), { training: true });
    tk.setSeed(3);
    const u2 = new SpatialDropout2D(0.5).apply(tk.ones([4, 2, 2, 8]), { training: true });
    expect(Array.from(u1.data)).toEqual(Array.from(u2.data));
  });

  it('passes a mask on (as Dropout); output shape = input shape; no weights', () => {
    const layer = new SpatialDropout1D(0.2);
    expect(layer.supportsMasking).toBe(true);
    expect(layer.computeOutputShape([null, 7, 3])).toEqual([null, 7, 3]);
    layer.apply(tk.ones([1, 2, 3]));
    expect(layer.countParams()).toBe(0);
  });

  it('configs round trip; TF.js\'s SpatialDropout1D config (noiseShape null) is read', () => {
    const a = new SpatialDropout2D(0.25, { seed: 4, dataFormat: 'channels_first', name: 'sd' });
    expect(a.getConfig()).toMatchObject({ rate: 0.25, seed: 4, dataFormat: 'channelsFirst' });
    expect({ ...SpatialDropout2D.fromConfig({ ...a.getConfig(), name: 'sd2' }).getConfig(), name: 'sd' }).toEqual(a.getConfig());
    const tfConfig = tf.layers.spatialDropout1d({ rate: 0.4 }).getConfig();
    const b = SpatialDropout1D.fromConfig({ ...tfConfig, name: 'from_tfjs' } as never) as SpatialDropout1D;
    expect(b.rate).toBeCloseTo(0.4, 7);
  });

  it('errors name the layer and the argument', () => {
    expect(() => new SpatialDropout1D(1.5)).toThrow(/SpatialDropout1D: rate must be a number in \[0, 1\], got 1.5/);
    expect(() => new SpatialDropout2D('0.5' as never)).toThrow(/SpatialDropout2D: rate must be a number in \[0, 1\], got '0.5'/);
    expect(() => new SpatialDropout1D(0.5, { noiseShape: [1, 1, 4] } as never)).toThrow(/SpatialDropout1D: noiseShape is fixed/);
    expect(() => new SpatialDropout2D(0.5, { dataFormat: 'NCHW' as never })).toThrow(/SpatialDropout2D: dataFormat must be/);
    expect(() => new SpatialDropout1D(0.5, { dataFormat: 'channels_last' } as never)).toThrow(/SpatialDropout1D: unknown option 'dataFormat'/);
    expect(() => new SpatialDropout1D(0.5).apply(tk.ones([2, 3]))).toThrow(/spatial_dropout1d: expected an input of rank 3/);
    expect(() => new SpatialDropout2D(0.5).apply(tk.ones([2, 3, 4]))).toThrow(/spatial_dropout2d: expected an input of rank 4/);
  });
});
