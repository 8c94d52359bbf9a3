// The depthwise kernels against a plain float64 reference written here (index loops over the
// definition, bounds tested per tap): the JavaScript kernels (kernels/depthwise.ts) and the
// engine's routing, which takes the WebAssembly SIMD kernels (wasm/depthwise_module.ts, with the
// M > 1 mapping of engine.ts) for large enough calls. Geometries: kernel sizes, strides,
// dilations, 'same' and 'valid', channel counts that exercise the 16-, 4- and 1-channel blocks,
// depth multipliers; the input and filter gradients accumulate into what their arrays hold.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { conv2dGeometry, type Conv2DGeometry } from '../../src/tensor/kernels/conv_geometry.js';
import { depthwiseBackwardFilter, depthwiseBackwardInput, depthwiseForward } from '../../src/tensor/kernels/depthwise.js';
import * as engine from '../../src/tensor/kernels/engine.js';
import { expectClose, randArray, rng } from '../helpers/index.js';

const rand = rng(2024);

/** y, dx and dW by the definition, float64: output channel c·M + m = channel c under filter m. */
function reference(x: Float32Array, w: Float32Array, dy: Float32Array, g: Conv2DGeometry, M: number): { y: Float64Array; dx: Float64Array; dW: Float64Array } {
  const { batch, inH, inW, inC: C, kH, kW, strideH, strideW, dilationH, dilationW, padTop, padLeft, outH, outW } = g;
  const y = new Float64Array(batch * outH * outW * C * M);
  const dx = new Float64Array(x.length);
  const dW = new Float64Array(w.length);
  for (let n = 0; n < batch; n++) for (let i = 0; i < outH; i++) for (let j = 0; j < outW; j++) for (let c = 0; c < C; c++) for (let m = 0; m < M; m++) {
    const o = (((n * outH + i) * outW + j) * C + c) * M + m;
    for (let a = 0; a < kH; a++) for (let b = 0; b < kW; b++) {
      const h = i * strideH + a * dilationH - padTop;
      const v = j * strideW + b * dilationW - padLeft;
      if (h < 0 || h >= inH || v < 0 || v >= inW) continue;
      const xi = ((n * inH + h) * inW + v) * C + c;
      const wi = ((a * kW + b) * C + c) * M + m;
      y[o] += x[xi]! * w[wi]!;
      dx[xi] += dy[o]! * w[wi]!;
      dW[wi] += x[xi]! * dy[o]!;
    }
  }
  return { y, dx, dW };
}

interface Case { N: number; H: number; W: number; C: number; M: number; k: [number, number]; s: [number, number]; d: [number, number]; padding: 'valid' | 'same' }

const CASES: Case[] = [
  { N: 2, H: 9, W: 8, C: 16, M: 1, k: [3, 3], s: [1, 1], d: [1, 1], padding: 'same' },
  { N: 3, H: 7, W: 9, C: 21, M: 1, k: [3, 3], s: [2, 2], d: [1, 1], padding: 'same' }, // 16 + 4 + 1 channels
  { N: 2, H: 10, W: 7, C: 5, M: 3, k: [3, 2], s: [1, 2], d: [1, 1], padding: 'valid' },
  { N: 2, H: 11, W: 11, C: 33, M: 1, k: [5, 5], s: [1, 1], d: [2, 2], padding: 'same' },
  { N: 12, H: 8, W: 8, C: 1, M: 1, k: [3, 3], s: [1, 1], d: [1, 1], padding: 'same' },
  { N: 6, H: 10, W: 10, C: 7, M: 2, k: [2, 2], s: [2, 2], d: [1, 1], padding: 'same' },
  { N: 3, H: 12, W: 5, C: 8, M: 4, k: [1, 3], s: [3, 1], d: [1, 2], padding: 'same' },
];

const name = (c: Case): string => `${c.N}×${c.H}×${c.W}×${c.C}, M ${c.M}, kernel ${c.k.join('×')}, strides ${c.s.join('×')}, dilations ${c.d.join('×')}, ${c.padding}`;

function setup(c: Case) {
  const g = conv2dGeometry(c.N, c.H, c.W, c.C, c.k[0], c.k[1], c.s[0], c.s[1], c.d[0], c.d[1], c.padding);
  const x = randArray(c.N * c.H * c.W * c.C, rand);
  const w = randArray(c.k[0] * c.k[1] * c.C * c.M, rand);
  const bias = randArray(c.C * c.M, rand);
  const dy = randArray(c.N * g.outH * g.outW * c.C * c.M, rand);
  return { g, x, w, bias, dy, ref: reference(x, w, dy, g, c.M) };
}

describe('depthwise kernels (JavaScript) against the definition', () => {
  for (const c of CASES) {
    it(name(c), () => {
      const { g, x, w, bias, dy, ref } = setup(c);
      const y = new Float32Array(ref.y.length);
      depthwiseForward(x, g, w, c.M, bias, y);
      expectClose(y, ref.y.map((v, i) => v + bias[i % (c.C * c.M)]!), { rtol: 1e-6, atol: 1e-6 });
      // The gradients add into what the arrays hold.
      const dx = new Float32Array(x.length).fill(1);
      depthwiseBackwardInput(dy, g, w, c.M, dx);
      expectClose(dx, ref.dx.map((v) => v + 1), { rtol: 1e-6, atol: 1e-6 });
      const dW = new Float64Array(w.length).fill(2);
      depthwiseBackwardFilter(x, dy, g, c.M, dW);
      expectClose(dW, ref.dW.map((v) => v + 2), { rtol: 1e-12, atol: 1e-12 });
    });
  }
});

describe('depthwise kernels through the engine with the SIMD kernels (WebAssembly), against the definition', () => {
  let before: engine.KernelKind;
  beforeAll(() => {
    before = engine.getKernels();
    engine.setKernels('simd');
  });
  afterAll(() => engine.setKernels(before));

  for (const c of CASES) {
    it(name(c), () => {
      const { g, x, w, bias, dy, ref } = setup(c);
      expect(g.batch * g.outH * g.outW * g.kH * g.kW * g.inC * c.M).toBeGreaterThanOrEqual(engine.DEPTHWISE_MIN_WORK); // the SIMD path runs
      const y = new Float32Array(ref.y.length);
      engine.depthwiseForward(x, g, w, c.M, bias, y);
      // float32 sums of kh·kw products: a few ulps of the largest partial sum
      expectClose(y, ref.y.map((v, i) => v + bias[i % (c.C * c.M)]!), { rtol: 1e-5, atol: 1e-5 });
      const yNoBias = new Float32Array(ref.y.length);
      engine.depthwiseForward(x, g, w, c.M, null, yNoBias);
      expectClose(yNoBias, ref.y, { rtol: 1e-5, atol: 1e-5 });
      const dx = new Float32Array(x.length).fill(1);
      engine.depthwiseBackwardInput(dy, g, w, c.M, dx);
      expectClose(dx, ref.dx.map((v) => v + 1), { rtol: 1e-5, atol: 1e-5 });
      const dW = new Float64Array(w.length).fill(2);
      engine.depthwiseBackwardFilter(x, dy, g, c.M, dW);
      // float32 partial sums over a few images' pixels, added in float64
      expectClose(dW, ref.dW.map((v) => v + 2), { rtol: 1e-5, atol: 1e-4 });
    });
  }

  it('small calls stay in JavaScript (the same bits as depthwise.ts)', () => {
    const g = conv2dGeometry(1, 4, 4, 2, 3, 3, 1, 1, 1, 1, 'same');
    expect(g.batch * g.outH * g.outW * g.kH * g.kW * g.inC).toBeLessThan(engine.DEPTHWISE_MIN_WORK);
    const x = randArray(32, rand);
    const w = randArray(18, rand);
    const a = new Float32Array(32);
    const b = new Float32Array(32);
    engine.depthwiseForward(x, g, w, 1, null, a);
    depthwiseForward(x, g, w, 1, null, b);
    expect(Array.from(a)).toEqual(Array.from(b));
  });
});
