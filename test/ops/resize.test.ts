// resizeBilinear (half-pixel centres, Keras 3) and upSampling2d: Keras's worked example
// (keras-facts-2 §15.4), TF.js parity with halfPixelCenters (its Keras-3 mapping) and against its
// default (the legacy mapping, which differs), the backward as the exact adjoint, finite
// differences of the op and of its gradient, nearest up-sampling by hand, channels_first, errors.

import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import * as tk from '../../src/index.js';
import { resizeBilinear, upSampling2d } from '../../src/ops/index.js';
import { expectClose, randArray, rng, sizeOf } from '../helpers/index.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const rand = rng(515);
const T = (shape: number[]): tk.Tensor => tk.tensor(randArray(sizeOf(shape), rand), shape);

describe('resizeBilinear', () => {
  it("Keras's example: the row 0, 1, 2, 3 doubled is 0, 0.25, 0.75, 1.25, 1.75, 2.25, 2.75, 3", () => {
    // Output j samples (j + 0.5)/2 − 0.5 = −0.25, 0.25, 0.75, …, 3.25, clamped to the edge pixels.
    const y = resizeBilinear(tk.tensor([0, 1, 2, 3], [1, 1, 4, 1]), [1, 8]);
    expect(Array.from(y.data)).toEqual([0, 0.25, 0.75, 1.25, 1.75, 2.25, 2.75, 3]);
    // TF.js's default (legacy) mapping src = j·in/out gives a different row, as keras-facts-2 §15.4 says.
    const legacy = tf.image.resizeBilinear(tf.tensor4d([0, 1, 2, 3], [1, 1, 4, 1]), [1, 8]).dataSync();
    expect(Array.from(legacy)).toEqual([0, 0.5, 1, 1.5, 2, 2.5, 3, 3]);
  });

  for (const [name, shape, size] of [
    ['×2 up', [2, 3, 4, 3], [6, 8]],
    ['×3 by ×2', [1, 2, 3, 2], [6, 6]],
    ['down and up', [1, 5, 3, 2], [2, 7]],
  ] as const) {
    it(`${name}: equals tf.image.resizeBilinear with halfPixelCenters; gradient by finite differences`, () => {
      const x = T([...shape]);
      const y = resizeBilinear(x, size);
      const tx = tf.tensor4d(x.data, [...shape] as [number, number, number, number]);
      const run = (a: tf.Tensor): tf.Tensor => tf.image.resizeBilinear(a as tf.Tensor4D, [size[0], size[1]], false, true);
      expectClose(y.data, run(tx).dataSync(), { rtol: 1e-5, atol: 1e-6 });
      // NOTE: TF.js 4.22's ResizeBilinear gradient is no reference: it ignores halfPixelCenters
      // (2×2 → 4×4, the gradient of the sum is [2.25, 3.75, 3.75, 6.25] while its own forward's
      // derivative is [4, 4, 4, 4]) and swaps height and width (a 2×3 image gets a 3×2 gradient).
      // The finite differences here and the adjoint test below check ours.
      expect(tk.checkGradients((a) => resizeBilinear(a!, size), [x])).toBeLessThan(1e-3);
    });
  }

  it('the backward is the exact adjoint, and has a correct gradient itself (second order)', () => {
    const x = T([2, 3, 5, 2]);
    const g = T([2, 7, 4, 2]);
    const t = Object.assign(x.clone(), { requiresGrad: true });
    const y = resizeBilinear(t, [7, 4]);
    const back = (d: tk.Tensor): tk.Tensor => y.node!.backward(d)[0]!;
    // ⟨A x, g⟩ = ⟨x, Aᵀ g⟩
    const lhs = tk.noGrad(() => y.mul(g).sum().item());
    const rhs = tk.noGrad(() => x.mul(back(g)).sum().item());
    expect(Math.abs(lhs - rhs)).toBeLessThan(1e-4);
    expect(tk.checkGradients((d) => back(d!), [g])).toBeLessThan(1e-3);
  });

  it('channels_first equals channels_last on transposed data', () => {
    const x = T([1, 3, 4, 2]);
    const last = resizeBilinear(x, [6, 5]);
    const first = resizeBilinear(x.transpose([0, 3, 1, 2]), [6, 5], 'channels_first');
    expectClose(first.transpose([0, 2, 3, 1]).data, last.data, { rtol: 0, atol: 0 });
  });
});

describe('upSampling2d', () => {
  it('nearest repeats each pixel size[0]×size[1] times; its gradient sums each block', () => {
    const x = tk.tensor([1, 2, 3, 4], [1, 2, 2, 1]);
    const y = upSampling2d(x, [2, 3]);
    expect(y.shape).toEqual([1, 4, 6, 1]);
    expect(Array.from(y.data)).toEqual([1, 1, 1, 2, 2, 2, 1, 1, 1, 2, 2, 2, 3, 3, 3, 4, 4, 4, 3, 3, 3, 4, 4, 4]);
    const r = tk.tensor(Array.from({ length: 24 }, (_, i) => i), [1, 4, 6, 1]);
    const [g] = tk.grads((a) => upSampling2d(a!, [2, 3]).mul(r).sum())(x);
    // block of pixel (0,0): r at rows 0-1, cols 0-2 = 0+1+2+6+7+8 = 24; (0,1): 3+4+5+9+10+11 = 42; (1,0): 12+13+14+18+19+20 = 96; (1,1): 114
    expect(Array.from(g!.data)).toEqual([24, 42, 96, 114]);
  });

  it('nearest equals tf.layers.upSampling2d; channels_first too', () => {
    const x = T([2, 3, 4, 3]);
    const ours = upSampling2d(x, [2, 2]);
    const theirs = (tf.layers.upSampling2d({ size: [2, 2] }).apply(tf.tensor4d(x.data, [2, 3, 4, 3])) as tf.Tensor).dataSync();
    expectClose(ours.data, theirs, { rtol: 0, atol: 0 });
    const first = upSampling2d(x.transpose([0, 3, 1, 2]), [3, 2], 'nearest', 'channels_first');
    expectClose(first.transpose([0, 2, 3, 1]).data, upSampling2d(x, [3, 2]).data, { rtol: 0, atol: 0 });
    expect(tk.checkGradients((a) => upSampling2d(a!, [3, 2], 'nearest', 'channels_first'), [x.transpose([0, 3, 1, 2])])).toBeLessThan(1e-3);
  });

  it('bilinear is resizeBilinear to [H·s, W·s] (half-pixel), not TF.js\'s legacy bilinear', () => {
    const x = T([1, 3, 3, 2]);
    expectClose(upSampling2d(x, 2, 'bilinear').data, resizeBilinear(x, [6, 6]).data, { rtol: 0, atol: 0 });
    const legacy = (tf.layers.upSampling2d({ size: [2, 2], interpolation: 'bilinear' }).apply(tf.tensor4d(x.data, [1, 3, 3, 2])) as tf.Tensor).dataSync();
    const diff = Math.max(...Array.from(upSampling2d(x, 2, 'bilinear').data).map((v, i) => Math.abs(v - legacy[i]!)));
    expect(diff).toBeGreaterThan(0.01);
  });

  it('errors name the op and the argument', () => {
    expect(() => upSampling2d(tk.zeros([1, 2, 2]), 2)).toThrow(/upSampling2d: expected a rank-4 input/);
    expect(() => upSampling2d(tk.zeros([1, 2, 2, 1]), 0)).toThrow(/upSampling2d: size must be a positive integer or a pair/);
    expect(() => upSampling2d(tk.zeros([1, 2, 2, 1]), 2, 'bicubic' as never)).toThrow(/interpolation must be 'nearest' or 'bilinear', got "bicubic"/);
    expect(() => resizeBilinear(tk.zeros([1, 2, 2, 1]), [0, 3])).toThrow(/resizeBilinear: size must be a positive integer or a pair/);
  });
});
