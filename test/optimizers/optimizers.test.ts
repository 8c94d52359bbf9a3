// Optimizers against plain float64 transcriptions of the Keras 3 rules (keras-facts §6.2),
// written here independently of src/optimizers: each reference takes number arrays and returns
// the weights after every step. Plus hand-worked first steps, the Keras defaults, clipping,
// weight decay, learning rates that are schedules or functions, in-place and allocation-free
// updates, string lookup, the saved state, and the errors.

import { afterEach, describe, expect, it, vi } from 'vitest';
import * as tk from '../../src/index.js';
import { expectClose, rng, randArray } from '../helpers/index.js';

const O = tk.optimizers;
type Opt = tk.optimizers.Optimizer;

// ---- float64 references ----------------------------------------------------------------------

type Ref = (w0: number[], grads: number[][], lr: number) => number[][];

function runRef(w0: number[], grads: number[][], step: (w: number[], g: number[], t: number) => void): number[][] {
  const w = w0.slice();
  const out: number[][] = [];
  grads.forEach((g, i) => {
    step(w, g, i + 1);
    out.push(w.slice());
  });
  return out;
}

const zeros = (n: number): number[] => new Array<number>(n).fill(0);

const refSGD = (momentum = 0, nesterov = false): Ref => (w0, grads, lr) => {
  const v = zeros(w0.length);
  return runRef(w0, grads, (w, g) => {
    for (let i = 0; i < w.length; i++) {
      if (momentum === 0) { w[i]! -= lr * g[i]!; continue; }
      v[i] = momentum * v[i]! - lr * g[i]!;
      w[i]! += nesterov ? momentum * v[i]! - lr * g[i]! : v[i]!;
    }
  });
};

const refAdam = (b1 = 0.9, b2 = 0.999, eps = 1e-7, amsgrad = false): Ref => (w0, grads, lr) => {
  const m = zeros(w0.length), v = zeros(w0.length), vmax = zeros(w0.length);
  return runRef(w0, grads, (w, g, t) => {
    const alpha = lr * Math.sqrt(1 - b2 ** t) / (1 - b1 ** t);
    for (let i = 0; i < w.length; i++) {
      m[i] = b1 * m[i]! + (1 - b1) * g[i]!;
      v[i] = b2 * v[i]! + (1 - b2) * g[i]! ** 2;
      vmax[i] = Math.max(vmax[i]!, v[i]!);
      w[i]! -= alpha * m[i]! / (Math.sqrt(amsgrad ? vmax[i]! : v[i]!) + eps);
    }
  });
};

const refAdadelta = (rho = 0.95, eps = 1e-7): Ref => (w0, grads, lr) => {
  const eg = zeros(w0.length), edx = zeros(w0.length);
  return runRef(w0, grads, (w, g) => {
    for (let i = 0; i < w.length; i++) {
      eg[i] = rho * eg[i]! + (1 - rho) * g[i]! ** 2;
      const dx = -Math.sqrt(edx[i]! + eps) / Math.sqrt(eg[i]! + eps) * g[i]!;
      edx[i] = rho * edx[i]! + (1 - rho) * dx ** 2;
      w[i]! += lr * dx;
    }
  });
};

const refRMSprop = (rho = 0.9, momentum = 0, eps = 1e-7, centered = false): Ref => (w0, grads, lr) => {
  const s = zeros(w0.length), mg = zeros(w0.length), mom = zeros(w0.length);
  return runRef(w0, grads, (w, g) => {
    for (let i = 0; i < w.length; i++) {
      s[i] = rho * s[i]! + (1 - rho) * g[i]! ** 2;
      mg[i] = rho * mg[i]! + (1 - rho) * g[i]!;
      const den = centered ? s[i]! - mg[i]! ** 2 + eps : s[i]! + eps;
      const inc = lr * g[i]! / Math.sqrt(den);
      if (momentum > 0) { mom[i] = momentum * mom[i]! + inc; w[i]! -= mom[i]!; } else w[i]! -= inc;
    }
  });
};

const refAdagrad = (init = 0.1, eps = 1e-7): Ref => (w0, grads, lr) => {
  const acc = new Array<number>(w0.length).fill(init);
  return runRef(w0, grads, (w, g) => {
    for (let i = 0; i < w.length; i++) {
      acc[i]! += g[i]! ** 2;
      w[i]! -= lr * g[i]! / Math.sqrt(acc[i]! + eps);
    }
  });
};

const refAdamax = (b1 = 0.9, b2 = 0.999, eps = 1e-7): Ref => (w0, grads, lr) => {
  const m = zeros(w0.length), u = zeros(w0.length);
  return runRef(w0, grads, (w, g, t) => {
    for (let i = 0; i < w.length; i++) {
      m[i] = b1 * m[i]! + (1 - b1) * g[i]!;
      u[i] = Math.max(b2 * u[i]!, Math.abs(g[i]!));
      w[i]! -= lr * m[i]! / ((1 - b1 ** t) * (u[i]! + eps));
    }
  });
};

const refNadam = (b1 = 0.9, b2 = 0.999, eps = 1e-7): Ref => (w0, grads, lr) => {
  const m = zeros(w0.length), v = zeros(w0.length);
  let product = 1;
  const mu = (t: number): number => b1 * (1 - 0.5 * 0.96 ** t);
  return runRef(w0, grads, (w, g, t) => {
    product *= mu(t);
    for (let i = 0; i < w.length; i++) {
      m[i] = b1 * m[i]! + (1 - b1) * g[i]!;
      v[i] = b2 * v[i]! + (1 - b2) * g[i]! ** 2;
      const mHat = mu(t + 1) * m[i]! / (1 - product * mu(t + 1)) + (1 - mu(t)) * g[i]! / (1 - product);
      const vHat = v[i]! / (1 - b2 ** t);
      w[i]! -= lr * mHat / (Math.sqrt(vHat) + eps);
    }
  });
};

interface Case { name: string; make: () => Opt; ref: Ref; lr: number }

const CASES: Case[] = [
  { name: 'SGD defaults', make: () => new O.SGD(), ref: refSGD(), lr: 0.01 },
  { name: 'SGD momentum', make: () => new O.SGD({ learningRate: 0.05, momentum: 0.9 }), ref: refSGD(0.9), lr: 0.05 },
  { name: 'SGD nesterov', make: () => new O.SGD({ learningRate: 0.05, momentum: 0.8, nesterov: true }), ref: refSGD(0.8, true), lr: 0.05 },
  { name: 'Adam defaults', make: () => new O.Adam(), ref: refAdam(), lr: 0.001 },
  { name: 'Adam amsgrad', make: () => new O.Adam({ learningRate: 0.01, beta2: 0.6, amsgrad: true }), ref: refAdam(0.9, 0.6, 1e-7, true), lr: 0.01 },
  { name: 'Adam epsilon', make: () => new O.Adam({ learningRate: 0.01, beta1: 0.5, epsilon: 0.1 }), ref: refAdam(0.5, 0.999, 0.1), lr: 0.01 },
  { name: 'Adadelta defaults', make: () => new O.Adadelta(), ref: refAdadelta(), lr: 0.001 },
  { name: 'Adadelta rho', make: () => new O.Adadelta({ learningRate: 1, rho: 0.9, epsilon: 1e-6 }), ref: refAdadelta(0.9, 1e-6), lr: 1 },
  { name: 'RMSprop defaults', make: () => new O.RMSprop(), ref: refRMSprop(), lr: 0.001 },
  { name: 'RMSprop centered', make: () => new O.RMSprop({ learningRate: 0.01, centered: true }), ref: refRMSprop(0.9, 0, 1e-7, true), lr: 0.01 },
  { name: 'RMSprop momentum', make: () => new O.RMSprop({ learningRate: 0.01, momentum: 0.7, rho: 0.8 }), ref: refRMSprop(0.8, 0.7), lr: 0.01 },
  { name: 'Adagrad defaults', make: () => new O.Adagrad(), ref: refAdagrad(), lr: 0.001 },
  { name: 'Adagrad accumulator', make: () => new O.Adagrad({ learningRate: 0.1, initialAccumulatorValue: 0.5 }), ref: refAdagrad(0.5), lr: 0.1 },
  { name: 'Adamax defaults', make: () => new O.Adamax(), ref: refAdamax(), lr: 0.001 },
  { name: 'Nadam defaults', make: () => new O.Nadam(), ref: refNadam(), lr: 0.001 },
  { name: 'Nadam betas', make: () => new O.Nadam({ learningRate: 0.01, beta1: 0.8, beta2: 0.99 }), ref: refNadam(0.8, 0.99), lr: 0.01 },
];

/** Three steps on a [2, 3] variable with seeded random gradients. */
function threeSteps(seed: number): { w0: number[]; grads: number[][] } {
  const r = rng(seed);
  const w0 = Array.from(randArray(6, r, { lo: -2, hi: 2 }));
  const grads = [0, 1, 2].map(() => Array.from(randArray(6, r, { lo: -1.5, hi: 1.5 })));
  return { w0, grads };
}

describe('optimizers: three steps against float64 references of the Keras 3 rules', () => {
  for (const c of CASES) {
    it(c.name, () => {
      const { w0, grads } = threeSteps(7);
      // The references start from the float32 values the variable holds.
      const start = Array.from(new Float32Array(w0));
      const expected = c.ref(start, grads.map((g) => Array.from(new Float32Array(g))), Math.fround(c.lr));
      const opt = c.make();
      const w = tk.variable(tk.tensor(w0, [2, 3]), { name: 'dense/kernel' });
      for (let t = 0; t < 3; t++) {
        opt.applyGradients([[tk.tensor(grads[t]!, [2, 3]), w]]);
        expectClose(w.data, expected[t]!, { rtol: 1e-5, atol: 1e-6 });
      }
      expect(opt.iterations).toBe(3);
    });
  }
});

describe('optimizers: first steps worked by hand', () => {
  it('SGD: w ← w − lr·g', () => {
    const w = tk.variable(tk.tensor([1, 2]));
    new O.SGD({ learningRate: 0.1 }).applyGradients([[tk.tensor([1, -2]), w]]);
    // 1 − 0.1·1 = 0.9;  2 − 0.1·(−2) = 2.2
    expectClose(w.data, [0.9, 2.2]);
  });

  it('SGD momentum 0.9, two steps', () => {
    const w = tk.variable(tk.tensor([1]));
    const opt = new O.SGD({ learningRate: 0.1, momentum: 0.9 });
    opt.applyGradients([[tk.tensor([1]), w]]);
    // v = 0.9·0 − 0.1·1 = −0.1;  w = 1 − 0.1 = 0.9
    expectClose(w.data, [0.9]);
    opt.applyGradients([[tk.tensor([1]), w]]);
    // v = 0.9·(−0.1) − 0.1 = −0.19;  w = 0.9 − 0.19 = 0.71
    expectClose(w.data, [0.71]);
  });

  it('SGD nesterov: w ← w + μ·v − lr·g with the new v', () => {
    const w = tk.variable(tk.tensor([1]));
    new O.SGD({ learningRate: 0.1, momentum: 0.9, nesterov: true }).applyGradients([[tk.tensor([1]), w]]);
    // v = −0.1;  w = 1 + 0.9·(−0.1) − 0.1 = 0.81
    expectClose(w.data, [0.81]);
  });

  it('Adam: ε is added to √v of the uncorrected v (epsilon hat)', () => {
    const w = tk.variable(tk.tensor([0]));
    new O.Adam({ learningRate: 1, epsilon: 0.1 }).applyGradients([[tk.tensor([1]), w]]);
    // m = 0.1, v = 0.001, α = 1·√(1 − 0.999)/(1 − 0.9) = √0.001/0.1 = 0.316228
    // Δ = α·m/(√v + ε) = 0.316228·0.1/(0.0316228 + 0.1) = 0.240253
    // (the textbook m̂/(√v̂ + ε) = 1/(1 + 0.1) = 0.909091 would be far off)
    expectClose(w.data, [-0.2402530733], { rtol: 1e-6 });
  });

  it('RMSprop: ε inside the square root; first step ≈ lr/√(1−ρ)', () => {
    const w = tk.variable(tk.tensor([0]));
    new O.RMSprop({ learningRate: 0.01 }).applyGradients([[tk.tensor([2]), w]]);
    // s = 0.1·4 = 0.4;  inc = 0.01·2/√(0.4 + 1e-7) = 0.0316227727
    expectClose(w.data, [-0.0316227727], { rtol: 1e-6 });
  });

  it('Adagrad: the accumulator starts at 0.1', () => {
    const w = tk.variable(tk.tensor([0]));
    new O.Adagrad({ learningRate: 0.1 }).applyGradients([[tk.tensor([1]), w]]);
    // acc = 0.1 + 1 = 1.1;  Δ = 0.1·1/√(1.1 + 1e-7) = 0.0953462
    expectClose(w.data, [-0.09534621], { rtol: 1e-6 });
  });

  it('Adadelta: the first step is lr·√ε/√((1−ρ)g² + ε)·g', () => {
    const w = tk.variable(tk.tensor([0]));
    new O.Adadelta({ learningRate: 1 }).applyGradients([[tk.tensor([1]), w]]);
    // Eg = 0.05;  Δ = −√1e-7/√(0.05 + 1e-7) = −0.00141421
    expectClose(w.data, [-0.0014142121], { rtol: 1e-6 });
  });

  it('Adamax: first step is lr·sign(g) (up to ε)', () => {
    const w = tk.variable(tk.tensor([0]));
    new O.Adamax({ learningRate: 0.5 }).applyGradients([[tk.tensor([-3]), w]]);
    // m = −0.3, u = 3;  Δ = 0.5·(−0.3)/((1 − 0.9)(3 + 1e-7)) = −0.5
    expectClose(w.data, [0.5], { rtol: 1e-6 });
  });

  it('Nadam: μ1 = 0.9(1 − ½·0.96) = 0.468, μ2 = 0.9(1 − ½·0.9216) = 0.48528', () => {
    const w = tk.variable(tk.tensor([0]));
    new O.Nadam({ learningRate: 1 }).applyGradients([[tk.tensor([1]), w]]);
    // Π1 = 0.468;  m = 0.1, v = 0.001
    // m̂ = 0.48528·0.1/(1 − 0.468·0.48528) + (1 − 0.468)·1/(1 − 0.468)
    //    = 0.048528/0.77288896 + 1 = 1.0627878
    // v̂ = 0.001/0.001 = 1;  Δ = 1.0627878/(1 + 1e-7)
    expectClose(w.data, [-1.0627877], { rtol: 1e-6 });
  });
});

describe('optimizers: Keras 3 defaults', () => {
  it('has the Keras 3 defaults, not TF.js or Keras 2.2', () => {
    const sgd = new O.SGD();
    expect([sgd.learningRate, sgd.momentum, sgd.nesterov]).toEqual([0.01, 0, false]);
    const adam = new O.Adam();
    expect([adam.learningRate, adam.beta1, adam.beta2, adam.epsilon, adam.amsgrad]).toEqual([0.001, 0.9, 0.999, 1e-7, false]);
    const adamw = new O.AdamW();
    expect([adamw.learningRate, adamw.weightDecay, adamw.epsilon]).toEqual([0.001, 0.004, 1e-7]);
    const adadelta = new O.Adadelta();
    expect([adadelta.learningRate, adadelta.rho, adadelta.epsilon]).toEqual([0.001, 0.95, 1e-7]);
    const rms = new O.RMSprop();
    expect([rms.learningRate, rms.rho, rms.momentum, rms.epsilon, rms.centered]).toEqual([0.001, 0.9, 0, 1e-7, false]);
    const adagrad = new O.Adagrad();
    expect([adagrad.learningRate, adagrad.initialAccumulatorValue, adagrad.epsilon]).toEqual([0.001, 0.1, 1e-7]);
    const adamax = new O.Adamax();
    expect([adamax.learningRate, adamax.beta1, adamax.beta2, adamax.epsilon]).toEqual([0.001, 0.9, 0.999, 1e-7]);
    const nadam = new O.Nadam();
    expect([nadam.learningRate, nadam.beta1, nadam.beta2, nadam.epsilon]).toEqual([0.001, 0.9, 0.999, 1e-7]);
    for (const o of [sgd, adam, adadelta, rms, adagrad, adamax, nadam]) {
      expect([o.weightDecay, o.clipnorm, o.clipvalue, o.globalClipnorm]).toEqual([null, null, null, null]);
    }
  });

  it('takes the learning rate alone as its first argument, as Keras positionally', () => {
    expect(new O.Adam(0.01).learningRate).toBe(0.01);
    expect(new O.AdamW(0.02).weightDecay).toBe(0.004);
    expect(new O.SGD(0.5).momentum).toBe(0);
    expect(new O.RMSprop(new O.ExponentialDecay(0.1, 1, 0.5)).learningRate).toBe(0.1);
    expect(new O.Nadam(() => 0.3).learningRate).toBe(0.3);
    expect(() => new O.AdamW('fast' as never)).toThrow(/expected an options object/);
  });

  it('Adagrad slots start at 0.1, others at 0', () => {
    const w = tk.variable(tk.zeros([2]), { name: 'w' });
    const adagrad = new O.Adagrad();
    adagrad.build([w]);
    expect(adagrad.getWeights().map((x) => [x.name, Array.from(x.tensor.data)])).toEqual([
      ['iteration', [0]], ['learning_rate', [Math.fround(0.001)]], ['w/accumulator', [Math.fround(0.1), Math.fround(0.1)]],
    ]);
  });

  it('names itself as Keras: snake_case of the class, then _1, _2', () => {
    tk.clearSession();
    expect(new O.Adam().name).toBe('adam');
    expect(new O.Adam().name).toBe('adam_1');
    expect(new O.AdamW().name).toBe('adam_w');
    expect(new O.SGD().name).toBe('sgd');
    expect(new O.RMSprop().name).toBe('rm_sprop');
    expect(new O.Adam({ name: 'mine' }).name).toBe('mine');
    expect(O.Adam.className).toBe('Adam');
    expect(new O.AdamW().className).toBe('AdamW');
  });
});

describe('optimizers: clipping', () => {
  const step = (options: tk.optimizers.SGDOptions, g: number[][], w0: number[][]): number[][] => {
    const ws = w0.map((w, i) => tk.variable(tk.tensor(w), { name: `w${i}` }));
    new O.SGD({ learningRate: 1, ...options }).applyGradients(ws.map((w, i) => [tk.tensor(g[i]!), w] as const));
    return ws.map((w) => Array.from(w.data));
  };

  it('clipnorm rescales each gradient tensor to norm ≤ clipnorm', () => {
    // g = [3, 4] has norm 5 → [3, 4]·2/5 = [1.2, 1.6];  g = [0.3, 0.4] (norm 0.5) is unchanged
    const [a, b] = step({ clipnorm: 2 }, [[3, 4], [0.3, 0.4]], [[0, 0], [0, 0]]);
    expectClose(a!, [-1.2, -1.6]);
    expectClose(b!, [-0.3, -0.4]);
  });

  it('clipvalue clips each element into [−v, v]', () => {
    const [a] = step({ clipvalue: 0.5 }, [[3, -4, 0.25]], [[0, 0, 0]]);
    expectClose(a!, [-0.5, 0.5, -0.25]);
  });

  it('globalClipnorm scales all gradients by clip / √Σ‖g_i‖²', () => {
    // norms 5 and 12 → global 13;  scale 6.5/13 = 0.5
    const [a, b] = step({ globalClipnorm: 6.5 }, [[3, 4], [0, 12]], [[0, 0], [0, 0]]);
    expectClose(a!, [-1.5, -2]);
    expectClose(b!, [0, -6]);
    // within the norm: unchanged
    const [c] = step({ globalClipnorm: 100 }, [[3, 4]], [[0, 0]]);
    expectClose(c!, [-3, -4]);
  });

  it('a non-finite global norm makes every gradient NaN (as Keras)', () => {
    const [a, b] = step({ globalClipnorm: 1 }, [[Infinity, 0], [1, 1]], [[0, 0], [0, 0]]);
    expect(a!.every(Number.isNaN)).toBe(true);
    expect(b!.every(Number.isNaN)).toBe(true);
  });

  it('clipping does not change the gradient tensors given', () => {
    const g = tk.tensor([3, 4]);
    const w = tk.variable(tk.zeros([2]));
    new O.SGD({ clipnorm: 1 }).applyGradients([[g, w]]);
    expect(Array.from(g.data)).toEqual([3, 4]);
  });

  it('at most one of clipnorm, clipvalue, globalClipnorm', () => {
    expect(() => new O.Adam({ clipnorm: 1, clipvalue: 1 })).toThrow(/only one of clipnorm, clipvalue and globalClipnorm/);
    expect(() => new O.SGD({ clipnorm: 1, globalClipnorm: 1 })).toThrow(/only one of/);
  });
});

describe('optimizers: weight decay', () => {
  it('applies w ← w − w·wd·lr before the update step', () => {
    const w = tk.variable(tk.tensor([2, -4]), { name: 'kernel' });
    new O.SGD({ learningRate: 0.1, weightDecay: 0.5 }).applyGradients([[tk.tensor([1, 1]), w]]);
    // decay: 2 − 2·0.5·0.1 = 1.9, −4 + 0.2 = −3.8;  then − 0.1·1
    expectClose(w.data, [1.8, -3.9]);
  });

  it('AdamW = Adam after the decoupled decay; its default decay is 0.004', () => {
    const { w0, grads } = threeSteps(3);
    const a = tk.variable(tk.tensor(w0));
    const b = tk.variable(tk.tensor(w0));
    const adamw = new O.AdamW({ learningRate: 0.01 });
    const adam = new O.Adam({ learningRate: 0.01 });
    for (const g of grads) {
      adamw.applyGradients([[tk.tensor(g), a]]);
      // Adam with the decay applied by hand first
      for (let i = 0; i < b.size; i++) b.data[i] = b.data[i]! - b.data[i]! * 0.004 * Math.fround(0.01);
      adam.applyGradients([[tk.tensor(g), b]]);
    }
    expectClose(a.data, b.data, { rtol: 1e-6 });
    expect(() => new O.AdamW({ weightDecay: null })).toThrow(/weightDecay must be a number/);
  });

  it('excludeFromWeightDecay by variable or by name part, only before build', () => {
    const kernel = tk.variable(tk.tensor([1]), { name: 'dense/kernel' });
    const bias = tk.variable(tk.tensor([1]), { name: 'dense/bias' });
    const other = tk.variable(tk.tensor([1]), { name: 'other' });
    const opt = new O.SGD({ learningRate: 0.1, weightDecay: 1 });
    opt.excludeFromWeightDecay({ variables: [other], varNames: ['bias'] });
    opt.applyGradients([[tk.tensor([0]), kernel], [tk.tensor([0]), bias], [tk.tensor([0]), other]]);
    expectClose(kernel.data, [0.9]);
    expectClose(bias.data, [1]);
    expectClose(other.data, [1]);
    expect(() => opt.excludeFromWeightDecay({ varNames: ['x'] })).toThrow(/before the optimizer is built/);
  });
});

describe('optimizers: learning rate as a number, a schedule or a function', () => {
  it('a schedule is called with iterations (0 for the first update)', () => {
    const seen: number[] = [];
    class Recorder extends O.LearningRateSchedule {
      call(step: number): number { seen.push(step); return 0.1 * (step + 1); }
      getConfig(): Record<string, unknown> { return {}; }
    }
    const w = tk.variable(tk.tensor([0]));
    const opt = new O.SGD({ learningRate: new Recorder() });
    for (let i = 0; i < 3; i++) opt.applyGradients([[tk.tensor([1]), w]]);
    expect(seen).toEqual([0, 1, 2]);
    // w = −(0.1 + 0.2 + 0.3)
    expectClose(w.data, [-0.6], { rtol: 1e-6 });
    expect(opt.learningRate).toBeCloseTo(0.4, 12);
    expect(opt.currentLearningRate()).toBeCloseTo(0.4, 12);
  });

  it('ExponentialDecay drives the updates', () => {
    const w = tk.variable(tk.tensor([0]));
    const opt = new O.SGD({ learningRate: new O.ExponentialDecay(0.1, 1, 0.5) });
    for (let i = 0; i < 3; i++) opt.applyGradients([[tk.tensor([1]), w]]);
    // 0.1 + 0.05 + 0.025
    expectClose(w.data, [-0.175], { rtol: 1e-6 });
  });

  it('a zero-argument function is called at each update', () => {
    let calls = 0;
    const w = tk.variable(tk.tensor([0]));
    const opt = new O.SGD({ learningRate: () => { calls++; return 0.5; } });
    opt.applyGradients([[tk.tensor([1]), w]]);
    opt.applyGradients([[tk.tensor([1]), w]]);
    expect(calls).toBe(2);
    expectClose(w.data, [-1]);
  });

  it('learningRate is settable (callbacks set a number); a schedule cannot be replaced by a number', () => {
    const w = tk.variable(tk.tensor([0]));
    const opt = new O.SGD({ learningRate: 0.1 });
    opt.learningRate = 0.5;
    opt.applyGradients([[tk.tensor([1]), w]]);
    expectClose(w.data, [-0.5]);
    const scheduled = new O.Adam({ learningRate: new O.InverseTimeDecay(0.1, 1, 1) });
    expect(() => { scheduled.learningRate = 0.01; }).toThrow(/not settable to a number/);
    expect(() => new O.Adam({ learningRate: -1 })).toThrow(/learningRate should be a non-negative number/);
    expect(() => new O.Adam({ learningRate: 'fast' as unknown as number })).toThrow(/got 'fast'/);
  });

  it('the learning rate is used in float32, as Keras stores it', () => {
    const w = tk.variable(tk.tensor([0]));
    new O.SGD({ learningRate: 0.1 }).applyGradients([[tk.tensor([1]), w]]);
    expect(w.data[0]).toBe(Math.fround(-Math.fround(0.1)));
  });
});

describe('optimizers: updates in place, without allocating, off the tape', () => {
  afterEach(() => vi.unstubAllGlobals());

  it('keeps the variable data array and reuses the same slot arrays every step', () => {
    const slotsSeen: Float32Array[] = [];
    class SpyAdam extends O.Adam {
      protected override updateStep(g: Float32Array, w: Float32Array, slots: tk.optimizers.Slots, lr: number): void {
        slotsSeen.push(slots.momentum!, slots.velocity!);
        super.updateStep(g, w, slots, lr);
      }
    }
    const w = tk.variable(tk.ones([4]), { name: 'w' });
    const data = w.data;
    const opt = new SpyAdam();
    for (let i = 0; i < 4; i++) opt.applyGradients([[tk.ones([4]), w]]);
    expect(w.data).toBe(data);
    expect(new Set(slotsSeen.filter((_, i) => i % 2 === 0)).size).toBe(1);
    expect(new Set(slotsSeen.filter((_, i) => i % 2 === 1)).size).toBe(1);
    expect(w.node).toBeNull();
  });

  it('allocates no typed array per step once built (every optimizer, with clipping and decay)', () => {
    const makers: (() => Opt)[] = [
      () => new O.SGD({ momentum: 0.9, nesterov: true, clipnorm: 1 }),
      () => new O.Adam({ amsgrad: true, clipvalue: 1 }),
      () => new O.AdamW({ globalClipnorm: 1 }),
      () => new O.Adadelta(), () => new O.RMSprop({ centered: true, momentum: 0.5 }),
      () => new O.Adagrad(), () => new O.Adamax(), () => new O.Nadam({ weightDecay: 0.1 }),
    ];
    const RealF32 = Float32Array;
    let constructed = 0;
    const Counting = new Proxy(RealF32, { construct(target, args) { constructed++; return Reflect.construct(target, args); } });
    for (const make of makers) {
      const opt = make();
      const a = tk.variable(tk.ones([3, 2]), { name: 'a' });
      const b = tk.variable(tk.ones([2]), { name: 'b' });
      const pairs = [[tk.ones([3, 2]), a], [tk.ones([2]), b]] as const;
      opt.applyGradients(pairs); // builds the slots
      vi.stubGlobal('Float32Array', Counting);
      constructed = 0;
      for (let i = 0; i < 5; i++) opt.applyGradients(pairs);
      vi.unstubAllGlobals();
      expect(constructed, opt.className).toBe(0);
    }
  });

  it('records nothing on the tape, even while recording', () => {
    const w = tk.variable(tk.tensor([1, 2]));
    const { grads } = tk.valueAndGrad((x: tk.Tensor) => x.square().sum())(w);
    new O.SGD().applyGradients([[grads[0]!, w]]);
    expect(w.node).toBeNull();
    expect(w.requiresGrad).toBe(true);
  });
});

describe('optimizers: applyGradients input handling', () => {
  afterEach(() => vi.restoreAllMocks());

  it('skips null gradients with a Keras-style warning (once); all null is an error', () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    const a = tk.variable(tk.tensor([1]), { name: 'dense/kernel' });
    const b = tk.variable(tk.tensor([1]), { name: 'dense/bias' });
    const opt = new O.SGD({ learningRate: 1 });
    opt.applyGradients([[tk.tensor([1]), a], [null, b]]);
    opt.applyGradients([[tk.tensor([1]), a], [null, b]]);
    expectClose(a.data, [-1]);
    expectClose(b.data, [1]);
    expect(warn).toHaveBeenCalledTimes(1);
    expect(warn.mock.calls[0]![0]).toContain("Gradients do not exist for variables ['dense/bias'] when minimizing the loss.");
    expect(() => opt.applyGradients([[null, a]])).toThrow(/no gradients provided for any variable/);
    expect(opt.iterations).toBe(2);
  });

  it('an empty list is a no-op; an iterable of pairs works', () => {
    const opt = new O.SGD();
    opt.applyGradients([]);
    expect(opt.iterations).toBe(0);
    expect(opt.built).toBe(false);
    const w = tk.variable(tk.tensor([1]));
    const pairs = new Map([[tk.tensor([1]), w]]);
    opt.applyGradients(pairs.entries());
    expect(opt.iterations).toBe(1);
    expect(opt.built).toBe(true);
  });

  it('checks each gradient shape against its variable, naming both', () => {
    const w = tk.variable(tk.zeros([2, 3]), { name: 'dense/kernel' });
    expect(() => new O.Adam().applyGradients([[tk.zeros([3, 2]), w]]))
      .toThrow("Adam.applyGradients: the gradient for 'dense/kernel' has shape [3,2] but the variable has shape [2,3]");
    expect(() => new O.Adam().applyGradients([[tk.zeros([2, 3]), tk.zeros([2, 3]) as unknown as tk.Variable]]))
      .toThrow(/must be a Variable/);
  });

  it('a variable twice in one call is an error naming it (its gradients belong in one pair)', () => {
    const w = tk.variable(tk.tensor([1]), { name: 'w' });
    expect(() => new O.SGD().applyGradients([[tk.tensor([1]), w], [tk.tensor([2]), w]])).toThrow(
      "SGD.applyGradients: variable 'w' appears twice (items 0 and 1); add its gradients into one pair",
    );
    expect(Array.from(w.data)).toEqual([1]);
  });

  it('a variable first seen after the build gets its slots then', () => {
    const a = tk.variable(tk.tensor([1]), { name: 'a' });
    const b = tk.variable(tk.tensor([1]), { name: 'b' });
    const opt = new O.Adam();
    opt.applyGradients([[tk.tensor([1]), a]]);
    opt.applyGradients([[tk.tensor([1]), a], [tk.tensor([1]), b]]);
    expect(opt.getWeights().map((x) => x.name)).toEqual(['iteration', 'learning_rate', 'a/momentum', 'a/velocity', 'b/momentum', 'b/velocity']);
  });

  it('rejects unknown options by name (no option accepted and ignored)', () => {
    expect(() => new O.Adam({ lr: 0.1 } as never)).toThrow("Adam: unknown option(s) 'lr'. Valid options: learningRate, weightDecay");
    expect(() => new O.SGD({ momentun: 0.9 } as never)).toThrow(/'momentun'/);
    expect(() => new O.Adam({ decay: 0.1 } as never)).toThrow(/'decay' \(the legacy `decay` argument is gone in Keras 3/);
    expect(() => new O.SGD({ momentum: 1.5 })).toThrow(/momentum must be a number in \[0, 1\]/);
    expect(() => new O.Adam({ beta1: '0.9' as never })).toThrow(/beta1 must be a finite number, got '0.9'/);
    expect(() => new O.Adam({ amsgrad: 1 as never })).toThrow(/amsgrad must be true or false/);
  });
});

describe('optimizers: getOptimizer', () => {
  it('looks names up case-insensitively, with Keras defaults', () => {
    const names: [string, string][] = [
      ['sgd', 'SGD'], ['SGD', 'SGD'], ['adam', 'Adam'], ['Adam', 'Adam'], ['ADAM', 'Adam'], ['adamw', 'AdamW'], ['AdamW', 'AdamW'],
      ['adadelta', 'Adadelta'], ['rmsprop', 'RMSprop'], ['RMSprop', 'RMSprop'], ['rmsProp', 'RMSprop'],
      ['adagrad', 'Adagrad'], ['adamax', 'Adamax'], ['nadam', 'Nadam'], ['Nadam', 'Nadam'],
    ];
    for (const [name, cls] of names) expect(O.getOptimizer(name).className, name).toBe(cls);
    expect(O.getOptimizer('sgd').learningRate).toBe(0.01);
    expect((O.getOptimizer('adam') as tk.optimizers.Adam).epsilon).toBe(1e-7);
    expect(O.getOptimizer('adadelta').learningRate).toBe(0.001);
  });

  it('returns an instance unchanged and rebuilds { className, config }', () => {
    const opt = new O.RMSprop();
    expect(O.getOptimizer(opt)).toBe(opt);
    const adam = O.getOptimizer({ className: 'Adam', config: { learning_rate: 0.01, beta_1: 0.8, epsilon: 1e-6, use_ema: false, clipnorm: null } }) as tk.optimizers.Adam;
    expect([adam.className, adam.learningRate, adam.beta1, adam.epsilon, adam.clipnorm]).toEqual(['Adam', 0.01, 0.8, 1e-6, null]);
    const camel = O.optimizerFromConfig('sgd', { learningRate: 0.2, momentum: 0.5 }) as tk.optimizers.SGD;
    expect([camel.learningRate, camel.momentum]).toEqual([0.2, 0.5]);
  });

  it('getConfig round-trips through optimizerFromConfig, schedules included', () => {
    const opt = new O.Nadam({ learningRate: new O.CosineDecay(0.1, 100, { alpha: 0.1 }), beta1: 0.8, clipnorm: 2, name: 'n' });
    const config = opt.getConfig();
    expect(config).toEqual({
      name: 'n',
      learning_rate: { class_name: 'CosineDecay', config: { initial_learning_rate: 0.1, decay_steps: 100, alpha: 0.1, name: 'CosineDecay', warmup_target: null, warmup_steps: 0 } },
      weight_decay: null, clipnorm: 2, global_clipnorm: null, clipvalue: null,
      use_ema: false, ema_momentum: 0.99, ema_overwrite_frequency: null, // Keras 3's base get_config has them too
      loss_scale_factor: null, gradient_accumulation_steps: null,
      beta_1: 0.8, beta_2: 0.999, epsilon: 1e-7,
    });
    const back = O.optimizerFromConfig('Nadam', config);
    expect(back.getConfig()).toEqual(config);
    expect(back.learningRateSetting).toBeInstanceOf(O.CosineDecay);
  });

  it('an unknown name is an error that suggests the nearest and lists the valid ones', () => {
    expect(() => O.getOptimizer('adm')).toThrow("Unknown optimizer 'adm'. Did you mean 'adam'? Valid names: sgd, adam, adamw, adadelta, rmsprop, adagrad, adamax, nadam");
    expect(() => O.getOptimizer('rmsprp')).toThrow(/Did you mean 'rmsprop'\?/);
    expect(() => O.getOptimizer(42 as never)).toThrow(/expected an optimizer name/);
  });
});

describe('optimizers: state (getWeights / setWeights) resumes training exactly', () => {
  const makers: [string, () => Opt][] = [
    ['SGD momentum', () => new O.SGD({ momentum: 0.9 })],
    ['Adam amsgrad', () => new O.Adam({ amsgrad: true })],
    ['AdamW', () => new O.AdamW()],
    ['Adadelta', () => new O.Adadelta({ learningRate: 1 })],
    ['RMSprop centered momentum', () => new O.RMSprop({ centered: true, momentum: 0.5 })],
    ['Adagrad', () => new O.Adagrad()],
    ['Adamax', () => new O.Adamax()],
    ['Nadam', () => new O.Nadam()],
    ['Adam with a schedule', () => new O.Adam({ learningRate: new O.PiecewiseConstantDecay([2, 4], [0.1, 0.01, 0.001]) })],
  ];
  for (const [name, make] of makers) {
    it(name, () => {
      const r = rng(11);
      const grads = Array.from({ length: 6 }, () => [tk.tensor(randArray(6, r), [3, 2]), tk.tensor(randArray(2, r), [2])] as const);
      const kernel = tk.variable(tk.tensor(randArray(6, r), [3, 2]), { name: 'dense/kernel' });
      const bias = tk.variable(tk.tensor(randArray(2, r), [2]), { name: 'dense/bias' });
      const a = make();
      for (let i = 0; i < 3; i++) a.applyGradients([[grads[i]![0], kernel], [grads[i]![1], bias]]);
      const saved = a.getWeights();
      // A fresh optimizer and fresh variables with the saved values.
      const kernel2 = tk.variable(kernel.clone(), { name: 'dense_1/kernel' });
      const bias2 = tk.variable(bias.clone(), { name: 'dense_1/bias' });
      const b = make();
      b.build([kernel2, bias2]);
      b.setWeights(saved);
      expect(b.iterations).toBe(3);
      for (let i = 3; i < 6; i++) {
        a.applyGradients([[grads[i]![0], kernel], [grads[i]![1], bias]]);
        b.applyGradients([[grads[i]![0], kernel2], [grads[i]![1], bias2]]);
      }
      expect(Array.from(kernel2.data)).toEqual(Array.from(kernel.data));
      expect(Array.from(bias2.data)).toEqual(Array.from(bias.data));
      expect(b.getWeights().map((w) => Array.from(w.tensor.data))).toEqual(a.getWeights().map((w) => Array.from(w.tensor.data)));
    });
  }

  it('names the state as Keras orders it: iteration, learning_rate, then slots', () => {
    const kernel = tk.variable(tk.zeros([3, 2]), { name: 'dense/kernel' });
    const bias = tk.variable(tk.zeros([2]), { name: 'dense/bias' });
    const adam = new O.Adam({ amsgrad: true });
    adam.build([kernel, bias]);
    expect(adam.getWeights().map((w) => [w.name, w.tensor.shape])).toEqual([
      ['iteration', []], ['learning_rate', []],
      ['dense/kernel/momentum', [3, 2]], ['dense/kernel/velocity', [3, 2]], ['dense/bias/momentum', [2]], ['dense/bias/velocity', [2]],
      ['dense/kernel/velocity_hat', [3, 2]], ['dense/bias/velocity_hat', [2]],
    ]);
    const rms = new O.RMSprop({ momentum: 0.9, centered: true });
    rms.build([bias]);
    expect(rms.getWeights().map((w) => w.name)).toEqual(['iteration', 'learning_rate', 'dense/bias/velocity', 'dense/bias/momentum', 'dense/bias/average_gradient']);
    const nadam = new O.Nadam({ learningRate: () => 0.1 });
    nadam.build([bias]);
    expect(nadam.getWeights().map((w) => w.name)).toEqual(['iteration', 'dense/bias/momentum', 'dense/bias/velocity', 'u_product']);
  });

  it('setWeights checks first and changes nothing on a mismatch', () => {
    const w = tk.variable(tk.zeros([2]), { name: 'w' });
    const opt = new O.Adam();
    expect(() => opt.setWeights([])).toThrow(/has not been built yet; call optimizer.build\(variables\)/);
    opt.applyGradients([[tk.ones([2]), w]]);
    const before = opt.getWeights();
    expect(() => opt.setWeights(before.slice(1))).toThrow(/expected 4 weights \(iteration, learning_rate, w\/momentum, w\/velocity\), got 3/);
    const bad = before.map((x) => x.tensor);
    bad[3] = tk.zeros([3]);
    bad[0] = tk.tensor(7);
    expect(() => opt.setWeights(bad)).toThrow("Adam.setWeights: weight 3 ('w/velocity') has shape [2], got [3]");
    expect(opt.iterations).toBe(1);
    expect(opt.getWeights().map((x) => Array.from(x.tensor.data))).toEqual(before.map((x) => Array.from(x.tensor.data)));
  });

  it('summaryParams counts what Keras prints as Optimizer params', () => {
    const kernel = tk.variable(tk.zeros([784, 10]), { name: 'k' });
    const bias = tk.variable(tk.zeros([10]), { name: 'b' });
    const adam = new O.Adam();
    adam.build([kernel, bias]);
    // iteration + learning_rate + 2 slots × 7850
    expect(adam.summaryParams()).toEqual({ count: 15702, bytes: 8 + 4 * 15701 });
    const sgd = new O.SGD();
    sgd.build([kernel, bias]);
    expect(sgd.summaryParams()).toEqual({ count: 2, bytes: 12 });
    const scheduled = new O.SGD({ momentum: 0.9, learningRate: new O.ExponentialDecay(0.1, 10, 0.9) });
    scheduled.build([bias]);
    expect(scheduled.summaryParams()).toEqual({ count: 11, bytes: 48 });
    const nadam = new O.Nadam();
    nadam.build([bias]);
    expect(nadam.summaryParams()).toEqual({ count: 23, bytes: 8 + 4 * 22 });
  });
});
