// conv2dTranspose: Keras's output sizes (keras-facts-2 §15.1) and values against a float64
// reference written from Keras's own recipe (dilate the input by the stride, pad it (L, R),
// correlate with the kernel flipped and its in/out axes swapped), finite-difference checks of
// every gradient over strides, dilations, paddings, output paddings and data formats, the
// recorded (ops) backward against the fused one, chunking, TF.js parity, and errors. With both
// kernel choices ('simd' and 'js').

import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as tk from '../../src/index.js';
import { conv2dTranspose, conv2dTransposeLength, conv2dTransposeNHWC, type Conv2DTransposeOptions } from '../../src/ops/conv2d_transpose.js';
import { expectClose, randArray, rng, sizeOf } from '../helpers/index.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const rand = rng(4242);
const T = (shape: number[]): tk.Tensor => tk.tensor(randArray(sizeOf(shape), rand), shape);

/**
 * Keras's recipe for one axis pair, in float64, NHWC: dilate x with s−1 zeros between pixels, pad
 * with (L, R) zeros (L, R from Keras's _convert_conv_transpose_padding_args_from_keras_to_jax), then
 * correlate with the kernel flipped in space, W[kh−1−i, kw−1−j, f, c], summing over c.
 */
function reference(x: tk.Tensor, w: tk.Tensor, strides: [number, number], padding: 'valid' | 'same', outputPadding: [number, number] | null, dilations: [number, number]): { shape: number[]; data: Float64Array } {
  const [N, H, W, C] = x.shape as number[] as [number, number, number, number];
  const [kH, kW, F] = w.shape as number[] as [number, number, number, number];
  const pads = (n: number, k: number, s: number, d: number, p: number | null): [number, number] => {
    const kEff = (k - 1) * d + 1;
    if (padding === 'valid') {
      const op = p ?? Math.max(kEff, s) - kEff;
      return [kEff - 1, kEff - 1 + op];
    }
    const len = p === null ? s + kEff - 2 : kEff + (kEff % 2) - 2 + p;
    const left = Math.min(Math.floor(len / 2) + (len % 2), kEff - 1);
    return [left, len - left];
  };
  const [LH, RH] = pads(H, kH, strides[0], dilations[0], outputPadding?.[0] ?? null);
  const [LW, RW] = pads(W, kW, strides[1], dilations[1], outputPadding?.[1] ?? null);
  // The dilated, padded input: Hd rows.
  const Hd = (H - 1) * strides[0] + 1 + LH + RH;
  const Wd = (W - 1) * strides[1] + 1 + LW + RW;
  const kEffH = (kH - 1) * dilations[0] + 1;
  const kEffW = (kW - 1) * dilations[1] + 1;
  const OH = Hd - kEffH + 1;
  const OW = Wd - kEffW + 1;
  const xd = new Float64Array(N * Hd * Wd * C);
  for (let n = 0; n < N; n++) for (let i = 0; i < H; i++) for (let j = 0; j < W; j++) for (let c = 0; c < C; c++) {
    xd[((n * Hd + LH + i * strides[0]) * Wd + LW + j * strides[1]) * C + c] = x.data[((n * H + i) * W + j) * C + c]!;
  }
  const out = new Float64Array(N * OH * OW * F);
  for (let n = 0; n < N; n++) for (let oh = 0; oh < OH; oh++) for (let ow = 0; ow < OW; ow++) for (let f = 0; f < F; f++) {
    let s = 0;
    for (let a = 0; a < kH; a++) for (let b = 0; b < kW; b++) for (let c = 0; c < C; c++) {
      const v = xd[((n * Hd + oh + a * dilations[0]) * Wd + ow + b * dilations[1]) * C + c]!;
      s += v * w.data[(((kH - 1 - a) * kW + (kW - 1 - b)) * F + f) * C + c]!;
    }
    out[((n * OH + oh) * OW + ow) * F + f] = s;
  }
  return { shape: [N, OH, OW, F], data: out };
}

interface Case {
  name: string;
  x: number[];
  kernel: number[];
  strides: [number, number];
  padding: 'valid' | 'same';
  outputPadding: [number, number] | null;
  dilations: [number, number];
}

const CASES: Case[] = [
  { name: '3×3 stride 2 same (the autoencoder layer)', x: [2, 4, 4, 3], kernel: [3, 3, 2, 3], strides: [2, 2], padding: 'same', outputPadding: null, dilations: [1, 1] },
  { name: '3×3 stride 2 valid', x: [2, 4, 3, 2], kernel: [3, 3, 3, 2], strides: [2, 2], padding: 'valid', outputPadding: null, dilations: [1, 1] },
  { name: '2×2 stride 3 valid (kernel smaller than the stride: gaps)', x: [1, 3, 3, 2], kernel: [2, 2, 2, 2], strides: [3, 3], padding: 'valid', outputPadding: null, dilations: [1, 1] },
  { name: '4×4 stride 2 same (even kernel)', x: [1, 3, 4, 2], kernel: [4, 4, 2, 2], strides: [2, 2], padding: 'same', outputPadding: null, dilations: [1, 1] },
  { name: '3×2 strides [2, 1] same, outputPadding [1, 0]', x: [2, 3, 4, 2], kernel: [3, 2, 3, 2], strides: [2, 1], padding: 'same', outputPadding: [1, 0], dilations: [1, 1] },
  { name: '2×2 stride 2 same, outputPadding 1 (even kernel)', x: [1, 3, 3, 1], kernel: [2, 2, 2, 1], strides: [2, 2], padding: 'same', outputPadding: [1, 1], dilations: [1, 1] },
  { name: '3×3 stride 3 valid, outputPadding 2', x: [1, 2, 3, 2], kernel: [3, 3, 1, 2], strides: [3, 3], padding: 'valid', outputPadding: [2, 2], dilations: [1, 1] },
  { name: '3×3 dilation 2 same', x: [1, 5, 4, 2], kernel: [3, 3, 2, 2], strides: [1, 1], padding: 'same', outputPadding: null, dilations: [2, 2] },
  { name: '2×3 dilation [2, 1] valid', x: [2, 3, 3, 1], kernel: [2, 3, 2, 1], strides: [1, 1], padding: 'valid', outputPadding: null, dilations: [2, 1] },
];

const optionsOf = (c: Case): Conv2DTransposeOptions => ({ strides: c.strides, padding: c.padding, outputPadding: c.outputPadding, dilations: c.dilations });

describe('conv2dTranspose output sizes (Keras compute_conv_transpose_output_shape)', () => {
  it('n = 4, k = 3, s = 2: same 8, valid 9 (keras-facts-2 §15.1); with outputPadding', () => {
    expect(conv2dTransposeLength(4, 3, 2, 1, 'same', null)).toBe(8);
    expect(conv2dTransposeLength(4, 3, 2, 1, 'valid', null)).toBe(9);
    // valid with p: (n−1)·s + kEff + p = 3·2 + 3 + 1 = 10; same with p: (n−1)·s + kEff mod 2 + p = 6 + 1 + 1 = 8
    expect(conv2dTransposeLength(4, 3, 2, 1, 'valid', 1)).toBe(10);
    expect(conv2dTransposeLength(4, 3, 2, 1, 'same', 1)).toBe(8);
    // kernel below the stride, valid: (n−1)·s + max(kEff, s) = 3·3 + 3 = 12
    expect(conv2dTransposeLength(4, 2, 3, 1, 'valid', null)).toBe(12);
    // dilation: kEff = 2·(3−1)+1 = 5, valid (4−1)·1 + 5 = 8
    expect(conv2dTransposeLength(4, 3, 1, 2, 'valid', null)).toBe(8);
    expect(conv2dTransposeLength(null, 3, 2, 1, 'same', null)).toBeNull();
  });
});

describe('conv2dTranspose by hand', () => {
  it('stride 2, 2×2 kernel, valid: each pixel becomes its own 2×2 block times the kernel', () => {
    // x = [[1, 2]] (1×2), W = [[1, 10], [100, 1000]]: no overlap, so y = [[1, 10, 2, 20], [100, 1000, 200, 2000]].
    const y = conv2dTranspose(tk.tensor([1, 2], [1, 1, 2, 1]), tk.tensor([1, 10, 100, 1000], [2, 2, 1, 1]), { strides: 2 });
    expect(y.shape).toEqual([1, 2, 4, 1]);
    expect(Array.from(y.data)).toEqual([1, 10, 2, 20, 100, 1000, 200, 2000]);
  });

  it("stride 1, 'valid': overlapping windows add, the adjoint of conv2d (coverage counts)", () => {
    // A 2×2 image of ones through a 2×2 kernel of ones: 3×3 output counting overlaps [1,2,1,2,4,2,1,2,1].
    const y = conv2dTranspose(tk.ones([1, 2, 2, 1]), tk.ones([2, 2, 1, 1]));
    expect(Array.from(y.data)).toEqual([1, 2, 1, 2, 4, 2, 1, 2, 1]);
  });

  it('the bias is added to every output pixel, gaps included (kernel 1×1, stride 2: only even pixels get x)', () => {
    const y = conv2dTranspose(tk.tensor([3], [1, 1, 1, 1]), tk.tensor([2], [1, 1, 1, 1]), { strides: 2 }, [0.5]);
    // valid: (1−1)·2 + max(1, 2) = 2 per axis; pixel (0,0) = 3·2 + 0.5, the rest only the bias.
    expect(Array.from(y.data)).toEqual([6.5, 0.5, 0.5, 0.5]);
  });
});

for (const kind of ['simd', 'js'] as const) {
  describe(`conv2dTranspose against Keras's recipe and finite differences (${kind} kernels)`, () => {
    let before: tk.KernelKind;
    beforeAll(() => {
      before = tk.getKernels();
      tk.setKernels(kind);
    });
    afterAll(() => tk.setKernels(before));

    for (const c of CASES) {
      it(`${c.name}: forward equals the recipe; gradients of x, W, b match finite differences`, () => {
        const x = T(c.x);
        const w = T(c.kernel);
        const b = T([c.kernel[2]!]);
        const y = conv2dTranspose(x, w, optionsOf(c), b);
        const ref = reference(x, w, c.strides, c.padding, c.outputPadding, c.dilations);
        expect(y.shape).toEqual(ref.shape);
        const F = c.kernel[2]!;
        expectClose(y.data, ref.data.map((v, i) => v + b.data[i % F]!), { rtol: 1e-5, atol: 1e-5 });
        expect(tk.checkGradients((a, k, bb) => conv2dTranspose(a!, k!, optionsOf(c), bb!), [x, w, b])).toBeLessThan(1e-3);
      });
    }
  });
}

describe('conv2dTranspose: the recorded backward (ops) equals the fused one', () => {
  for (const c of CASES) {
    it(c.name, () => {
      const x = T(c.x);
      const w = T(c.kernel);
      const b = T([c.kernel[2]!]);
      for (const t of [x, w, b]) t.requiresGrad = true;
      const y = conv2dTranspose(x, w, optionsOf(c), b);
      const dy = T([...y.shape]);
      const fused = tk.noGrad(() => y.node!.backward(dy));
      // Outside noGrad the rule records: it takes the path a gradient of a gradient takes.
      const recorded = y.node!.backward(dy);
      for (let i = 0; i < 3; i++) {
        expect(recorded[i]!.shape).toEqual(fused[i]!.shape);
        expectClose(recorded[i]!.data, fused[i]!.data, { rtol: 1e-5, atol: 1e-5 });
      }
    });
  }
});

describe('conv2dTranspose: data formats and chunks', () => {
  it("channels_first equals channels_last on transposed data (kernel layout unchanged)", () => {
    const x = T([2, 3, 3, 2]);
    const w = T([3, 3, 4, 2]);
    const last = conv2dTranspose(x, w, { strides: 2, padding: 'same' });
    const first = conv2dTranspose(x.transpose([0, 3, 1, 2]), w, { strides: 2, padding: 'same', dataFormat: 'channels_first' });
    expect(first.shape).toEqual([2, 4, 6, 6]);
    expectClose(first.transpose([0, 2, 3, 1]).data, last.data, { rtol: 1e-6, atol: 1e-6 });
    expect(tk.checkGradients((a) => conv2dTranspose(a!, w, { strides: 2, padding: 'same', dataFormat: 'channels_first' }), [x.transpose([0, 3, 1, 2])])).toBeLessThan(1e-3);
  });

  it('a patch buffer of one image at a time gives the same forward and gradients', () => {
    const x = T([5, 4, 4, 3]);
    const w = T([3, 3, 2, 3]);
    const g = { batch: 5, inH: 8, inW: 8, inC: 2, kH: 3, kW: 3, strideH: 2, strideW: 2, dilationH: 1, dilationW: 1, padTop: 0, padLeft: 0, padBottom: 1, padRight: 1, outH: 4, outW: 4 };
    const whole = conv2dTranspose(x, w, { strides: 2, padding: 'same' });
    const small = conv2dTransposeNHWC(x, w, null, g, {}, 1);
    expectClose(small.data, whole.data, { rtol: 1e-6, atol: 1e-6 });
    x.requiresGrad = true;
    w.requiresGrad = true;
    const dy = T([5, 8, 8, 2]);
    const a = conv2dTransposeNHWC(x, w, null, g, {}, 1).node!.backward(dy);
    const b = conv2dTranspose(x, w, { strides: 2, padding: 'same' }).node!.backward(dy);
    tk.noGrad(() => {
      expectClose(a[0]!.data, b[0]!.data, { rtol: 1e-5, atol: 1e-5 });
      expectClose(a[1]!.data, b[1]!.data, { rtol: 1e-5, atol: 1e-5 });
    });
  });
});

describe('conv2dTranspose: TF.js parity (tf.conv2dTranspose, the same kernel layout)', () => {
  for (const [padding, shape] of [['same', [2, 5, 4, 3]], ['valid', [2, 4, 5, 3]]] as const) {
    it(`3×3 stride 2 ${padding}: forward and the gradients of x and W`, () => {
      const x = T([...shape]);
      const w = T([3, 3, 4, 3]);
      const y = conv2dTranspose(x, w, { strides: 2, padding });
      const outShape = y.shape as [number, number, number, number];
      const tx = tf.tensor4d(x.data, shape as unknown as [number, number, number, number]);
      const tw = tf.tensor4d(w.data, [3, 3, 4, 3]);
      const ty = tf.conv2dTranspose(tx, tw, outShape, 2, padding);
      expect(ty.shape).toEqual(outShape);
      expectClose(y.data, ty.dataSync(), { rtol: 1e-5, atol: 1e-5 });
      const r = T([...outShape]);
      const [gx, gw] = tk.grads((a, k) => conv2dTranspose(a!, k!, { strides: 2, padding }).mul(r).sum())(x, w);
      const tr = tf.tensor4d(r.data, outShape);
      const [tgx, tgw] = tf.grads((a: tf.Tensor, k: tf.Tensor) => tf.sum(tf.mul(tf.conv2dTranspose(a as tf.Tensor4D, k as tf.Tensor4D, outShape, 2, padding), tr)))([tx, tw]);
      expectClose(gx!.data, tgx!.dataSync(), { rtol: 1e-4, atol: 1e-5 });
      expectClose(gw!.data, tgw!.dataSync(), { rtol: 1e-4, atol: 1e-5 });
    });
  }
});

describe('conv2dTranspose: errors', () => {
  it('names the op and the argument', () => {
    expect(() => conv2dTranspose(tk.zeros([1, 2, 2, 3]), tk.zeros([3, 3, 2, 4]))).toThrow(/conv2dTranspose: input \[1,2,2,3\] has 3 channels but kernel \[3,3,2,4\] expects 4 \(kernel layout \[kh, kw, filters, inChannels\]\)/);
    expect(() => conv2dTranspose(tk.zeros([2, 2, 3]), tk.zeros([3, 3, 2, 3]))).toThrow(/expected a rank-4 input/);
    expect(() => conv2dTranspose(tk.zeros([1, 2, 2, 3]), tk.zeros([3, 3, 3]))).toThrow(/expected a rank-4 kernel/);
    expect(() => conv2dTranspose(tk.zeros([1, 2, 2, 3]), tk.zeros([3, 3, 2, 3]), { strides: 2, outputPadding: 2 })).toThrow(/outputPadding must be less than strides/);
    expect(() => conv2dTranspose(tk.zeros([1, 2, 2, 3]), tk.zeros([3, 3, 2, 3]), { outputPadding: -1 })).toThrow(/outputPadding must be null, a non-negative integer/);
    expect(() => conv2dTranspose(tk.zeros([1, 2, 2, 3]), tk.zeros([3, 3, 2, 3]), {}, [1, 2, 3])).toThrow(/bias \[3\] must have shape \[2\]/);
    expect(() => conv2dTranspose(tk.zeros([1, 2, 2, 3]), tk.zeros([3, 3, 2, 3]), { padding: 'full' })).toThrow(/conv2dTranspose: padding must be 'valid' or 'same'/);
  });
});
