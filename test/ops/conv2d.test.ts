// conv2d: a hand-derived case, finite-difference checks of every gradient (x, kernel, bias) over
// strides, dilations, paddings, kernel shapes, data formats and the fused relu; forward and
// gradient parity with TensorFlow.js; chunking of the batch; errors. The gradient checks and the
// TF.js parity run with both kernel choices: 'simd' (im2col in WebAssembly) and 'js' (im2col +
// gemm.ts, or Winograd for 3×3 stride-1 layers of ≥ 16 channels).

import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as tk from '../../src/index.js';
import * as ops from '../../src/ops/index.js';
import { conv2dNHWC, type ConvWindow } from '../../src/ops/conv2d.js';
import { expectClose, randArray, rng, sizeOf } from '../helpers/index.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const rand = rng(777);
const T = (shape: number[]): tk.Tensor => tk.tensor(randArray(sizeOf(shape), rand), shape);

/** A correct backward gives float32 rounding noise (≈1e-4); a wrong one gives order 1. */
const TOLERANCE = 1e-3;

describe('conv2d by hand', () => {
  // x = [[1,2,3],[4,5,6],[7,8,9]], W = 2×2 of ones, valid, stride 1: y = window sums.
  // With dy = 1 everywhere: dW[kh,kw] = Σ over windows of x at tap (kh,kw) = the window sums of
  // the 2×2 sub-images starting at (kh,kw); dx[i,j] = the number of windows covering (i,j).
  const x = tk.tensor([1, 2, 3, 4, 5, 6, 7, 8, 9], [1, 3, 3, 1]);
  const w = tk.tensor([1, 1, 1, 1], [2, 2, 1, 1]);

  it('forward: the window sums', () => {
    expect(ops.conv2d(x, w).toArray()).toEqual([[[[12], [16]], [[24], [28]]]]);
  });

  it('backward: dW = Σ patches = [1+2+4+5, 2+3+5+6, 4+5+7+8, 5+6+8+9], dx = coverage, db = 4', () => {
    const [dx, dW, db] = tk.grads((a, b, c) => ops.conv2d(a!, b!, {}, c!).sum())(x, w, tk.tensor([0]));
    expect(Array.from(dW!.data)).toEqual([12, 16, 24, 28]);
    expect(Array.from(dx!.data)).toEqual([1, 2, 1, 2, 4, 2, 1, 2, 1]);
    expect(Array.from(db!.data)).toEqual([4]);
  });

  it('fused relu: y = max(z + b, 0) and dy is masked where y = 0', () => {
    // z + b = [12, 16, 24, 28] − 20 = [−8, −4, 4, 8]: relu keeps the last two windows only.
    const y = ops.conv2d(x, w, {}, [-20], 'relu');
    expect(Array.from(y.data)).toEqual([0, 0, 4, 8]);
    const [dx, dW, db] = tk.grads((a, b, c) => ops.conv2d(a!, b!, {}, c!, 'relu').sum())(x, w, tk.tensor([-20]));
    // Only the windows at (1,0) = [4,5,7,8] and (1,1) = [5,6,8,9] pass dy: dW = their sum per tap.
    expect(Array.from(dW!.data)).toEqual([4 + 5, 5 + 6, 7 + 8, 8 + 9]);
    expect(Array.from(dx!.data)).toEqual([0, 0, 0, 1, 2, 1, 1, 2, 1]);
    expect(Array.from(db!.data)).toEqual([2]);
  });

  it("'same' with an even kernel pads the extra pixel at the bottom/right (TF)", () => {
    // n = 3, k = 2, s = 1: total pad 1 → (0, 1). The last row/column see a zero border.
    expect(ops.conv2d(x, w, { padding: 'same' }).toArray()).toEqual([[[[12], [16], [9]], [[24], [28], [15]], [[15], [17], [9]]]]);
  });
});

interface GradCase {
  name: string;
  x: number[];
  k: number[];
  options: ops.Conv2DOptions;
  bias?: boolean;
  relu?: boolean;
}

const GRAD_CASES: GradCase[] = [
  { name: 'valid 3×3, batch 2, 3→4 channels, bias', x: [2, 5, 6, 3], k: [3, 3, 3, 4], options: {}, bias: true },
  { name: "'same' 3×3 stride 2, batch 3", x: [3, 5, 6, 2], k: [3, 3, 2, 3], options: { strides: 2, padding: 'same' }, bias: true },
  { name: 'valid 3×3 dilation 2', x: [2, 7, 6, 2], k: [3, 3, 2, 2], options: { dilations: 2 }, bias: true },
  { name: "'same' 2×2 dilation 2", x: [2, 5, 5, 2], k: [2, 2, 2, 3], options: { dilations: 2, padding: 'same' } },
  { name: "'same' even kernel 2×2 (asymmetric pad)", x: [2, 4, 5, 3], k: [2, 2, 3, 2], options: { padding: 'same' }, bias: true },
  { name: 'valid 3×2 kernel, strides [2, 1]', x: [2, 7, 5, 2], k: [3, 2, 2, 3], options: { strides: [2, 1] }, bias: true },
  { name: "'same' 4×4 on 5×5 (pads 1 and 2)", x: [2, 5, 5, 1], k: [4, 4, 1, 2], options: { padding: 'same' }, bias: true },
  { name: 'no bias, valid stride 2, single channel', x: [3, 7, 7, 1], k: [3, 3, 1, 2], options: { strides: 2 } },
  { name: "channels_first 'same' 3×3 stride 2", x: [2, 3, 6, 5], k: [3, 3, 3, 2], options: { strides: 2, padding: 'same', dataFormat: 'channels_first' }, bias: true },
  { name: 'channels_first valid 2×3 no bias', x: [2, 2, 5, 6], k: [2, 3, 2, 3], options: { dataFormat: 'channelsFirst' } },
  { name: 'fused relu, valid 3×3, batch 2', x: [2, 5, 5, 2], k: [3, 3, 2, 3], options: {}, bias: true, relu: true },
  { name: "fused relu, 'same' stride 2, channels_first", x: [2, 2, 6, 6], k: [3, 3, 2, 2], options: { strides: 2, padding: 'same', dataFormat: 'channels_first' }, bias: true, relu: true },
  // Winograd with the 'js' kernels: 3×3, stride 1, ≥ 16 channels; odd and even outputs.
  { name: 'valid 3×3 stride 1, 16 → 3 channels, odd output 3×4', x: [2, 5, 6, 16], k: [3, 3, 16, 3], options: {}, bias: true },
  { name: "fused relu, 'same' 3×3 stride 1, 16 → 2, channels_first", x: [2, 16, 4, 3], k: [3, 3, 16, 2], options: { padding: 'same', dataFormat: 'channels_first' }, bias: true, relu: true },
];

/** Both kernel choices, each for one describe block (the setting is global, set back afterwards). */
const KERNELS = ['simd', 'js'] as const;

function withKernels(kind: 'js' | 'simd'): void {
  let initial: 'js' | 'simd';
  beforeAll(() => {
    initial = tk.getKernels();
    tk.setKernels(kind);
  });
  afterAll(() => tk.setKernels(initial));
}

/** Inputs whose pre-activations stay ≥ `margin` from relu's kink (a finite-difference step of 1e-2 on values ≤ 1 moves z by ≤ 1e-2·Σ|taps|). */
function awayFromKink(c: GradCase, margin: number): tk.Tensor[] {
  for (let attempt = 0; attempt < 500; attempt++) {
    const inputs = [T(c.x), T(c.k).mul(0.3), ...(c.bias === true ? [T([c.k[3]!])] : [])];
    const z = ops.conv2d(inputs[0]!, inputs[1]!, c.options, inputs[2] ?? null);
    if (z.data.every((v) => Math.abs(v) >= margin)) return inputs;
  }
  throw new Error(`${c.name}: no input far enough from the relu kink`);
}

describe.each(KERNELS)('conv2d gradients: finite differences (%s kernels)', (kind) => {
  withKernels(kind);
  for (const c of GRAD_CASES) {
    it(c.name, () => {
      const inputs = c.relu === true ? awayFromKink(c, 0.03) : [T(c.x), T(c.k), ...(c.bias === true ? [T([c.k[3]!])] : [])];
      const f = (x: tk.Tensor, w: tk.Tensor, b?: tk.Tensor): tk.Tensor => ops.conv2d(x, w, c.options, b ?? null, c.relu === true ? 'relu' : 'linear');
      const report = tk.gradientCheckReport(f as (...xs: tk.Tensor[]) => tk.Tensor, inputs);
      expect(report.maxError, JSON.stringify(report)).toBeLessThan(TOLERANCE);
    });
  }
});

// ---- TensorFlow.js side by side --------------------------------------------------------------

interface TfCase {
  name: string;
  x: number[];
  k: number[];
  strides?: number | [number, number];
  padding: 'valid' | 'same';
  dilations?: number;
  dataFormat?: 'NHWC' | 'NCHW';
  bias?: boolean;
  relu?: boolean;
}

const TF_CASES: TfCase[] = [
  { name: 'valid 3×3, batch 4, 3→5', x: [4, 9, 8, 3], k: [3, 3, 3, 5], padding: 'valid', bias: true },
  { name: "'same' 3×3 stride 2", x: [3, 9, 10, 4], k: [3, 3, 4, 6], strides: 2, padding: 'same', bias: true },
  { name: "'same' 2×2 input, kernel 3, stride 2 (TF's pad (0, 1))", x: [2, 2, 2, 3], k: [3, 3, 3, 2], strides: 2, padding: 'same' },
  { name: "'same' n=5 k=4 s=1 (pads 1, 2)", x: [2, 5, 5, 2], k: [4, 4, 2, 3], padding: 'same', bias: true },
  { name: "'same' n=6 k=3 s=2 (pads 0, 1)", x: [2, 6, 6, 2], k: [3, 3, 2, 3], strides: 2, padding: 'same' },
  { name: 'valid 3×2, strides [1, 2]', x: [2, 8, 9, 3], k: [3, 2, 3, 4], strides: [1, 2], padding: 'valid' },
  { name: 'valid 5×5 stride 3', x: [2, 12, 11, 2], k: [5, 5, 2, 3], strides: 3, padding: 'valid', bias: true },
  { name: "dilation 2 'same' 3×3", x: [2, 9, 8, 3], k: [3, 3, 3, 4], padding: 'same', dilations: 2 },
  { name: 'dilation 2 valid 2×2 with relu', x: [2, 7, 7, 2], k: [2, 2, 2, 3], padding: 'valid', dilations: 2, bias: true, relu: true },
  { name: 'MNIST layer 2 channels, relu (32 → 64)', x: [2, 9, 9, 32], k: [3, 3, 32, 64], padding: 'valid', bias: true, relu: true },
  { name: "NCHW 'same' stride 2", x: [2, 3, 7, 6], k: [3, 3, 3, 4], strides: 2, padding: 'same', dataFormat: 'NCHW', bias: true },
  { name: "'same' 3×3 stride 1, 16 → 8, 10×7 (Winograd with 'js')", x: [3, 10, 7, 16], k: [3, 3, 16, 8], padding: 'same', bias: true },
];

/** The dilated kernel as an ordinary one with zeros between the taps (TF.js has no dilated gradients). */
function dilateKernel(w: Float32Array, k: number[], d: number): { data: Float32Array; shape: number[] } {
  const [kh, kw, c, f] = k as [number, number, number, number];
  const eh = (kh - 1) * d + 1;
  const ew = (kw - 1) * d + 1;
  const out = new Float32Array(eh * ew * c * f);
  for (let i = 0; i < kh; i++)
    for (let j = 0; j < kw; j++)
      out.set(w.subarray(((i * kw + j) * c) * f, ((i * kw + j + 1) * c) * f), ((i * d * ew + j * d) * c) * f);
  return { data: out, shape: [eh, ew, c, f] };
}

/** The taps of a dilated-kernel gradient that belong to real kernel taps. */
function undilate(g: Float32Array, k: number[], d: number): Float32Array {
  const [kh, kw, c, f] = k as [number, number, number, number];
  const ew = (kw - 1) * d + 1;
  const out = new Float32Array(sizeOf(k));
  for (let i = 0; i < kh; i++)
    for (let j = 0; j < kw; j++)
      out.set(g.subarray(((i * d * ew + j * d) * c) * f, ((i * d * ew + j * d + 1) * c) * f), ((i * kw + j) * c) * f);
  return out;
}

describe.each(KERNELS)('conv2d vs TensorFlow.js (forward and tf.grads, %s kernels)', (kind) => {
  withKernels(kind);
  for (const c of TF_CASES) {
    it(c.name, () => {
      const d = c.dilations ?? 1;
      const xData = randArray(sizeOf(c.x), rand);
      const wData = randArray(sizeOf(c.k), rand, { lo: -0.5, hi: 0.5 });
      const F = c.k[3]!;
      const bData = randArray(F, rand, { lo: -0.3, hi: 0.3 });
      const format = c.dataFormat === 'NCHW' ? 'channels_first' : 'channels_last';
      const options: ops.Conv2DOptions = { strides: c.strides ?? 1, padding: c.padding, dilations: d, dataFormat: format };

      // tk: forward, then gradients of Σ y·r for a fixed random r.
      const ours = ops.conv2d(tk.tensor(xData, c.x), tk.tensor(wData, c.k), options, c.bias === true ? tk.tensor(bData, [F]) : null, c.relu === true ? 'relu' : 'linear');
      const r = randArray(ours.size, rand);
      const tkF = (x: tk.Tensor, w: tk.Tensor, b: tk.Tensor): tk.Tensor =>
        ops.conv2d(x, w, options, c.bias === true ? b : null, c.relu === true ? 'relu' : 'linear').mul(tk.tensor(r, ours.shape)).sum();
      const [dx, dw, db] = tk.grads(tkF)(tk.tensor(xData, c.x), tk.tensor(wData, c.k), tk.tensor(bData, [F]));

      // TF.js: the same, with a zero-dilated kernel when d > 1 (its conv2d gradients need d = 1;
      // the forward is compared with its own dilated conv too).
      const dil = dilateKernel(wData, c.k, d);
      const tfConv = (x: tf.Tensor, w: tf.Tensor, b: tf.Tensor): tf.Tensor => {
        let y: tf.Tensor = tf.conv2d(x as tf.Tensor4D, w as tf.Tensor4D, c.strides ?? 1, c.padding, c.dataFormat ?? 'NHWC');
        if (c.bias === true) y = tf.add(y, c.dataFormat === 'NCHW' ? tf.reshape(b, [1, F, 1, 1]) : b);
        return c.relu === true ? tf.relu(y) : y;
      };
      const xT = tf.tensor(xData, c.x);
      const wT = tf.tensor(dil.data, dil.shape);
      const bT = tf.tensor(bData, [F]);
      const theirs = tfConv(xT, wT, bT);
      expect(ours.shape).toEqual(theirs.shape);
      expectClose(ours.data, theirs.dataSync(), { rtol: 1e-5, atol: 1e-5 });
      if (d > 1) {
        const direct = tf.conv2d(xT as tf.Tensor4D, tf.tensor4d(wData, c.k as [number, number, number, number]), c.strides ?? 1, c.padding, 'NHWC', d);
        expectClose(ours.data, (c.relu === true ? tf.relu(tf.add(direct, bT)) : direct).dataSync(), { rtol: 1e-5, atol: 1e-5 });
      }
      const rT = tf.tensor(r, theirs.shape);
      // (tf.grads rejects an argument the function does not use, so the bias goes in only if used.)
      const [tdx, tdw, tdb] = tf.grads((x: tf.Tensor, w: tf.Tensor, b?: tf.Tensor) => tf.sum(tf.mul(tfConv(x, w, b ?? bT), rT)))(c.bias === true ? [xT, wT, bT] : [xT, wT]);
      expectClose(dx!.data, tdx!.dataSync(), { rtol: 1e-4, atol: 1e-4 });
      expectClose(dw!.data, undilate(tdw!.dataSync() as Float32Array, c.k, d), { rtol: 1e-4, atol: 1e-4 });
      if (c.bias === true) expectClose(db!.data, tdb!.dataSync(), { rtol: 1e-4, atol: 1e-4 });
    });
  }
});

// ---- chunking --------------------------------------------------------------------------------

describe('conv2d chunks the batch', () => {
  const window: ConvWindow = { strides: [2, 1], dilations: [1, 1], padding: 'same' };
  // 7 images of 9×8×3, kernel 3×3×3→4: one image's patches are 5·8 rows × 27 = 1080 floats.
  const x = tk.variable(T([7, 9, 8, 3]));
  const w = tk.variable(T([3, 3, 3, 4]));
  const b = tk.variable(T([4]));
  const perImage = 5 * 8 * 27;

  /** y, and the gradients of Σ y·r, with the im2col buffer bounded by `floats`. */
  function run(floats: number, relu: boolean): Float32Array[] {
    const y = conv2dNHWC(x, w, b, window, relu, floats);
    const r = tk.tensor(randArray(y.size, rng(5)), y.shape);
    const { grads } = tk.variableGrads(() => conv2dNHWC(x, w, b, window, relu, floats).mul(r).sum(), [x, w, b]);
    return [y.data, ...grads.map((g) => g.data)];
  }

  for (const relu of [false, true]) {
    it(`chunks of 1, 2 (uneven: 2+2+2+1) and 3 images equal one chunk${relu ? ', fused relu' : ''}`, () => {
      const whole = run(1 << 20, relu);
      for (const floats of [perImage, 2 * perImage + 100, 3 * perImage]) {
        const chunked = run(floats, relu);
        chunked.forEach((a, i) => expectClose(a, whole[i]!, { rtol: 1e-5, atol: 1e-5 }));
      }
    });
  }

  it('an image larger than the bound is processed alone (a buffer of its own)', () => {
    const whole = run(1 << 20, false);
    const tiny = run(100, false);
    tiny.forEach((a, i) => expectClose(a, whole[i]!, { rtol: 1e-5, atol: 1e-5 }));
  });

  it('a batch bigger than the default bound (4 MiB of patches) gives the same result as per-image chunks', () => {
    // 20 images of 24×24×16 with a 3×3 kernel: 576 rows × 144 = 82,944 floats per image, 1.66M in all.
    const xs = T([20, 24, 24, 16]);
    const ws = T([3, 3, 16, 8]);
    const win: ConvWindow = { strides: [1, 1], dilations: [1, 1], padding: 'same' };
    const big = conv2dNHWC(xs, ws, null, win, false);
    const one = conv2dNHWC(xs, ws, null, win, false, 82_944);
    expect(big.data).toEqual(one.data);
  });
});

describe("conv2d with the 'js' kernels on a Winograd layer (3×3, stride 1, ≥ 16 channels)", () => {
  const initial = tk.getKernels();
  afterAll(() => tk.setKernels(initial));
  const x = T([5, 7, 6, 16]);
  const w = T([3, 3, 16, 4]);
  const b = T([4]);
  const r = tk.tensor(randArray(5 * 7 * 6 * 4, rand), [5, 7, 6, 4]);
  const window: ConvWindow = { strides: [1, 1], dilations: [1, 1], padding: 'same' };

  /** y and the gradients of Σ y·r, with the forward on `forward` kernels and the backward on `backward`. */
  function run(forward: 'js' | 'simd', backward: 'js' | 'simd', floats?: number): Float32Array[] {
    tk.setKernels(forward);
    const [vx, vw, vb] = [tk.variable(x), tk.variable(w), tk.variable(b)];
    const loss = conv2dNHWC(vx, vw, vb, window, true, floats).mul(r).sum();
    tk.setKernels(backward);
    loss.backward();
    tk.setKernels(forward);
    return [conv2dNHWC(x, w, b, window, true, floats).data, vx.grad!.data, vw.grad!.data, vb.grad!.data];
  }

  it('ignores the im2col bound (no patches): any bound gives the same bits', () => {
    const whole = run('js', 'js');
    run('js', 'js', 100).forEach((a, i) => expect(a).toEqual(whole[i]));
  });

  it('switching kernels between the forward and the backward still gives the right gradients', () => {
    const simd = run('simd', 'simd');
    for (const [f, bw] of [['js', 'simd'], ['simd', 'js'], ['js', 'js']] as const) {
      run(f, bw, 2000).forEach((a, i) => expectClose(a, simd[i]!, { rtol: 1e-4, atol: 1e-4 }));
    }
  });
});

// ---- errors ------------------------------------------------------------------------------------

describe('conv2d errors', () => {
  it('names the op and both shapes', () => {
    expect(() => ops.conv2d(tk.zeros([5, 5, 1]), tk.zeros([3, 3, 1, 2]))).toThrow(/conv2d: expected a rank-4 input.*\[5,5,1\]/);
    expect(() => ops.conv2d(tk.zeros([1, 5, 5, 1]), tk.zeros([3, 3, 2]))).toThrow(/conv2d: expected a rank-4 kernel.*\[3,3,2\]/);
    expect(() => ops.conv2d(tk.zeros([1, 5, 5, 3]), tk.zeros([3, 3, 2, 4]))).toThrow(/conv2d: input \[1,5,5,3\] has 3 channels but kernel \[3,3,2,4\] expects 2/);
    expect(() => ops.conv2d(tk.zeros([1, 2, 2, 1]), tk.zeros([3, 3, 1, 1]))).toThrow(/conv2d: input \[1,2,2,1\] with kernel 3×3.*padding 'valid' gives output size 0×0/);
    expect(() => ops.conv2d(tk.zeros([1, 5, 5, 1]), tk.zeros([3, 3, 1, 4]), {}, tk.zeros([3]))).toThrow(/conv2d: bias \[3\] must have shape \[4\]/);
    expect(() => ops.conv2d(tk.zeros([1, 5, 5, 1]), tk.zeros([3, 3, 1, 4]), { padding: 'full' })).toThrow(/padding must be 'valid' or 'same'/);
    expect(() => ops.conv2d(tk.zeros([1, 5, 5, 1]), tk.zeros([3, 3, 1, 4]), { strides: 0 })).toThrow(/strides must be a positive integer/);
    expect(() => ops.conv2d(tk.zeros([1, 5, 5, 1]), tk.zeros([3, 3, 1, 4]), { dataFormat: 'NWHC' })).toThrow(/dataFormat/);
  });

  it("accepts 'SAME' in any case", () => {
    expect(ops.conv2d(tk.zeros([1, 5, 5, 1]), tk.zeros([3, 3, 1, 4]), { padding: 'SAME' }).shape).toEqual([1, 5, 5, 4]);
  });

  it('records one conv2d node (no separate bias add or relu) and nothing without gradients', () => {
    const y = ops.conv2d(tk.zeros([1, 4, 4, 1]), tk.variable(tk.zeros([3, 3, 1, 2])), {}, tk.variable(tk.zeros([2])), 'relu');
    expect(y.node?.op).toBe('conv2d');
    expect(y.node?.inputs.length).toBe(3);
    expect(ops.conv2d(tk.zeros([1, 4, 4, 1]), tk.zeros([3, 3, 1, 2])).node).toBeNull();
  });
});
