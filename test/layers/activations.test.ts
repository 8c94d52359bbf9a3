// Activations: every Keras 3 name against hand-derived values (the formula beside the numbers),
// against TF.js where TF.js computes the same formula, stability at ±100, gradients by finite
// differences, and the name lookup.

import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import * as tk from '../../src/index.js';
import { activations } from '../../src/layers/index.js';
import { expectClose } from '../helpers/index.js';

const A = activations;
const xs = [-2, -0.5, 0.5, 2];
const x = (): tk.Tensor => tk.tensor(xs);
const values = (t: tk.Tensor): number[] => Array.from(t.data);

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('activations: hand-derived values at x = [-2, -0.5, 0.5, 2]', () => {
  const cases: [string, (t: tk.Tensor) => tk.Tensor, number[]][] = [
    // max(x, 0)
    ['relu', (t) => A.relu(t), [0, 0, 0.5, 2]],
    // max(x, 0.2x): the function's default slope is 0.2
    ['leaky_relu', (t) => A.leakyRelu(t), [-0.4, -0.1, 0.5, 2]],
    // min(max(x, 0), 6)
    ['relu6', (t) => A.relu6(tk.mul(t, 4)), [0, 0, 2, 6]],
    // x ≥ 0 ? x : e^x − 1   →  e^-2 − 1 = -0.864665, e^-0.5 − 1 = -0.393469
    ['elu', (t) => A.elu(t), [-0.8646647167633873, -0.3934693402873666, 0.5, 2]],
    // alpha = 0.5: 0.5·(e^-2 − 1) = -0.432332, 0.5·(e^-0.5 − 1) = -0.196735
    ['elu alpha 0.5', (t) => A.elu(t, 0.5), [-0.43233235838169365, -0.1967346701436833, 0.5, 2]],
    // max(x,0) + 2·(e^(min(x,0)/2) − 1)   →  2·(e^-1 − 1) = -1.264241, 2·(e^-0.25 − 1) = -0.442398
    ['celu alpha 2', (t) => A.celu(t, 2), [-1.2642411176571153, -0.44239843385719024, 0.5, 2]],
    // 1.0507·(x ≥ 0 ? x : 1.6733·(e^x − 1))
    ['selu', (t) => A.selu(t), [-1.520166468595695, -0.6917581878028713, 0.5253504936777402, 2.101401974710961]],
    // log(1 + e^x)
    ['softplus', (t) => A.softplus(t), [0.1269280110429725, 0.4740769841801067, 0.9740769841801067, 2.1269280110429727]],
    // x / (1 + |x|)
    ['softsign', (t) => A.softsign(t), [-2 / 3, -1 / 3, 1 / 3, 2 / 3]],
    // (x + √(x² + 4)) / 2   →  (-2 + √8)/2 = 0.414214
    ['squareplus', (t) => A.squareplus(t), [0.41421356237309515, 0.7807764064044151, 1.2807764064044151, 2.414213562373095]],
    // x > 0.5 ? x − 0.5 : x < -0.5 ? x + 0.5 : 0
    ['soft_shrink', (t) => A.softShrink(t), [-1.5, 0, 0, 1.5]],
    // x ≤ -1 ? 0 : x < 1 ? (x+1)²/4 : x   →  (0.5)²/4 = 0.0625, (1.5)²/4 = 0.5625
    ['sparse_plus', (t) => A.sparsePlus(t), [0, 0.0625, 0.5625, 2]],
    // x·sigmoid(x)
    ['silu', (t) => A.silu(t), [-0.2384058440442351, -0.1887703343990727, 0.3112296656009273, 1.7615941559557646]],
    ['swish', (t) => A.swish(t), [-0.2384058440442351, -0.1887703343990727, 0.3112296656009273, 1.7615941559557646]],
    // 0.5·x·(1 + erf(x/√2))  (exact, Keras 3's default)
    ['gelu', (t) => A.gelu(t), [-0.04550026389635842, -0.15426876936299344, 0.34573123063700656, 1.9544997361036416]],
    // 0.5·x·(1 + tanh(√(2/π)·(x + 0.044715x³)))
    ['gelu approximate', (t) => A.gelu(t, true), [-0.04540230591222494, -0.15428599017485606, 0.34571400982514394, 1.954597694087775]],
    // (e^x − e^-x)/(e^x + e^-x)
    ['tanh', (t) => A.tanh(t), [-0.9640275800758169, -0.46211715726000974, 0.46211715726000974, 0.9640275800758169]],
    // x − tanh(x)
    ['tanh_shrink', (t) => A.tanhShrink(t), [-1.035972419924183, -0.03788284273999026, 0.03788284273999026, 1.035972419924183]],
    // x > 0 ? x : -9
    ['threshold', (t) => A.threshold(t, 0, -9), [-9, -9, 0.5, 2]],
    // 1 / (1 + e^-x)
    ['sigmoid', (t) => A.sigmoid(t), [0.11920292202211755, 0.3775406687981454, 0.6224593312018546, 0.8807970779778823]],
    // x ≤ -1 ? 0 : x ≥ 1 ? 1 : (x+1)/2
    ['sparse_sigmoid', (t) => A.sparseSigmoid(t), [0, 0.25, 0.75, 1]],
    // e^x
    ['exponential', (t) => A.exponential(t), [0.1353352832366127, 0.6065306597126334, 1.6487212707001282, 7.38905609893065]],
    // Keras 3: relu6(x + 3)/6   →  1/6, 2.5/6, 3.5/6, 5/6
    ['hard_sigmoid', (t) => A.hardSigmoid(t), [1 / 6, 2.5 / 6, 3.5 / 6, 5 / 6]],
    // x·relu6(x+3)/6
    ['hard_silu', (t) => A.hardSilu(t), [-1 / 3, -0.20833333333333334, 0.2916666666666667, 5 / 3]],
    ['hard_swish', (t) => A.hardSwish(t), [-1 / 3, -0.20833333333333334, 0.2916666666666667, 5 / 3]],
    // clip(x, -1, 1)
    ['hard_tanh', (t) => A.hardTanh(t), [-1, -0.5, 0.5, 1]],
    // |x| > 0.5 ? x : 0
    ['hard_shrink', (t) => A.hardShrink(t), [-2, 0, 0, 2]],
    ['linear', (t) => A.linear(t), [-2, -0.5, 0.5, 2]],
    // x·tanh(log(1 + e^x))
    ['mish', (t) => A.mish(t), [-0.2525014826957089, -0.22074377465173, 0.3752452113048951, 1.9439589595339946]],
    // −log(1 + e^-x)
    ['log_sigmoid', (t) => A.logSigmoid(t), [-2.1269280110429727, -0.9740769841801067, -0.4740769841801067, -0.1269280110429725]],
  ];
  for (const [name, f, expected] of cases) {
    it(name, () => expectClose(values(f(x())), expected, { rtol: 1e-5, atol: 1e-6 }));
  }

  it('relu with Keras options (the docstring examples)', () => {
    const v = tk.tensor([-10, -5, 0, 5, 10]);
    expectClose(values(A.relu(v, { negativeSlope: 0.5 })), [-5, -2.5, 0, 5, 10]);
    expectClose(values(A.relu(v, { maxValue: 5 })), [0, 0, 0, 5, 5]);
    expectClose(values(A.relu(v, { threshold: 5 })), [0, 0, 0, 0, 10]);
    // threshold 1, slope 0.5, cap 8: x ≤ 1 → 0.5·(x − 1); else min(x, 8)
    expectClose(values(A.relu(tk.tensor([-1, 0.5, 3, 9]), { threshold: 1, negativeSlope: 0.5, maxValue: 8 })), [-1, -0.25, 3, 8]);
  });

  it('softmax and log_softmax: exp(x − max)/Σ exp(x − max) on [1, 2, 3]', () => {
    // e^-2, e^-1, e^0 over their sum 1.503214724
    expectClose(values(A.softmax(tk.tensor([[1, 2, 3]]))), [0.09003057, 0.24472847, 0.66524096]);
    expectClose(values(A.logSoftmax(tk.tensor([[1, 2, 3]]))), [-2.40760596, -1.40760596, -0.40760596]);
    // axis 0 of a column
    expectClose(values(A.softmax(tk.tensor([[1], [2], [3]]), 0)), [0.09003057, 0.24472847, 0.66524096]);
    // several axes: normalised over the whole [2, 2] block
    const s = A.softmax(tk.tensor([[[0, 0], [0, 0]]]), [1, 2]);
    expectClose(values(s), [0.25, 0.25, 0.25, 0.25]);
  });

  it('glu: first half · sigmoid(second half)', () => {
    // [1, 2 | 3, -1] → [1·σ(3), 2·σ(-1)] = [0.952574, 0.537883]
    expectClose(values(A.glu(tk.tensor([[1, 2, 3, -1]]))), [0.9525741268224334, 0.5378828427399902]);
    expect(() => A.glu(tk.tensor([[1, 2, 3]]))).toThrow(/even/);
  });

  it('sparsemax: the projection onto the simplex (Martins & Astudillo)', () => {
    // z = [0.5, 0.4, -1]: support {0, 1}, τ = (0.5 + 0.4 − 1)/2 = -0.05 → [0.55, 0.45, 0]
    expectClose(values(A.sparsemax(tk.tensor([[0.5, 0.4, -1]]))), [0.55, 0.45, 0]);
    // z = [3, 1, 0]: support {0}, τ = 2 → [1, 0, 0]  (Keras's test: a clear winner gets 1)
    expectClose(values(A.sparsemax(tk.tensor([[3, 1, 0]]))), [1, 0, 0]);
    // Every row sums to 1.
    const s = A.sparsemax(tk.tensor([[0.1, 0.2, 0.3, 0.25], [1, 1, 1, 1]]));
    expectClose(values(tk.sum(s, 1)), [1, 1]);
    expectClose(values(s).slice(4), [0.25, 0.25, 0.25, 0.25]);
    // Along axis 0
    expectClose(values(A.sparsemax(tk.tensor([[0.5], [0.4], [-1]]), 0)), [0.55, 0.45, 0]);
  });
});

describe('activations: same as TF.js where TF.js computes the same formula', () => {
  const data = [-3.1, -1.2, -0.4, 0.3, 0.9, 2.7];
  const mine = (f: (t: tk.Tensor) => tk.Tensor): number[] => values(f(tk.tensor([data])));
  const theirs = (f: (t: tf.Tensor) => tf.Tensor): number[] => Array.from(f(tf.tensor2d([data])).dataSync());
  const layer = (name: string) => (t: tf.Tensor): tf.Tensor => tf.layers.activation({ activation: name as 'relu' }).apply(t) as tf.Tensor;
  const cases: [string, (t: tk.Tensor) => tk.Tensor, (t: tf.Tensor) => tf.Tensor][] = [
    ['relu', (t) => A.relu(t), (t) => tf.relu(t)],
    ['relu6', (t) => A.relu6(tk.mul(t, 3)), (t) => tf.relu6(tf.mul(t, 3))],
    ['leaky_relu 0.2', (t) => A.leakyRelu(t), (t) => tf.leakyRelu(t, 0.2)],
    ['elu', (t) => A.elu(t), (t) => tf.elu(t)],
    ['selu', (t) => A.selu(t), (t) => tf.selu(t)],
    ['sigmoid', (t) => A.sigmoid(t), (t) => tf.sigmoid(t)],
    ['tanh', (t) => A.tanh(t), (t) => tf.tanh(t)],
    ['softplus', (t) => A.softplus(t), (t) => tf.softplus(t)],
    ['softsign', (t) => A.softsign(t), layer('softsign')],
    ['softmax', (t) => A.softmax(t), (t) => tf.softmax(t)],
    ['log_softmax', (t) => A.logSoftmax(t), (t) => tf.logSoftmax(t)],
    ['exponential', (t) => A.exponential(t), (t) => tf.exp(t)],
    ['linear', (t) => A.linear(t), layer('linear')],
    ['swish', (t) => A.swish(t), layer('swish')],
    ['mish', (t) => A.mish(t), layer('mish')],
    ['gelu (exact)', (t) => A.gelu(t), layer('gelu')],
    ['gelu approximate = TF.js gelu_new', (t) => A.gelu(t, true), layer('gelu_new')],
    ['hard_tanh', (t) => A.hardTanh(t), (t) => tf.clipByValue(t, -1, 1)],
    ['log_sigmoid', (t) => A.logSigmoid(t), (t) => tf.logSigmoid(t)],
  ];
  for (const [name, f, g] of cases) {
    it(name, () => expectClose(mine(f), theirs(g), { rtol: 1e-5, atol: 1e-6 }));
  }

  it("TF.js's 'hardSigmoid' is Keras 2's formula; tensorkit's name means Keras 3's", () => {
    // TF.js: clip(0.2x + 0.5, 0, 1) gives 0.7 at x = 1; Keras 3: 1/6 + 0.5 = 0.6667
    const tfjs = layer('hardSigmoid')(tf.tensor1d([1])).dataSync()[0]!;
    expect(tfjs).toBeCloseTo(0.7, 6);
    expect(tk.layers.activations.getActivation('hardSigmoid').apply(tk.tensor([1])).item()).toBeCloseTo(2 / 3, 6);
  });
});

describe('activations: numerical stability', () => {
  const big = tk.tensor([-100, -30, 0, 30, 100]);
  for (const name of tk.layers.activations.activationNames) {
    if (name === 'threshold' || name === 'exponential') continue; // e^100 is inf in float32, as everywhere
    it(`${name} is finite at ±100 and its gradient too`, () => {
      const act = tk.layers.activations.getActivation(name);
      const input = name === 'glu' ? tk.tensor([-100, -30, 30, 100]) : big;
      const y = act.apply(input);
      for (const v of y.data) expect(Number.isFinite(v), `${name}: ${Array.from(y.data)}`).toBe(true);
      const g = tk.grad((t) => tk.sum(act.apply(t)))(input);
      for (const v of g.data) expect(Number.isFinite(v), `${name} gradient: ${Array.from(g.data)}`).toBe(true);
    });
  }

  it('sigmoid and tanh saturate exactly at ±100; softmax of huge logits is exact', () => {
    expect(values(A.sigmoid(tk.tensor([-100, 100])))).toEqual([Math.fround(1 / (1 + Math.exp(100))), 1]);
    expect(values(A.tanh(tk.tensor([-100, 100])))).toEqual([-1, 1]);
    expectClose(values(A.softmax(tk.tensor([[1000, 1000, -1000]]))), [0.5, 0.5, 0]);
  });
});

describe('activations: gradients (finite differences, away from kinks)', () => {
  // Values at least 0.1 away from the kinks at 0, ±0.5, ±1, ±3 and 6.
  const input = tk.tensor([[-3.7, -2.2, -1.3, -0.8, -0.3, 0.2, 0.7, 1.4, 2.5, 3.6]]);
  for (const name of tk.layers.activations.activationNames) {
    if (name === 'threshold') continue;
    it(name, () => {
      const act = tk.layers.activations.getActivation(name);
      expect(tk.checkGradients((t) => act.apply(t), [input])).toBeLessThan(2e-3);
    });
  }
  it('relu with threshold, slope and cap; leaky relu; elu and celu with alpha; sparsemax along axis 0', () => {
    const opts = { threshold: 1, negativeSlope: 0.3, maxValue: 2 };
    expect(tk.checkGradients((t) => A.relu(t, opts), [input])).toBeLessThan(2e-3);
    expect(tk.checkGradients((t) => A.leakyRelu(t, 0.1), [input])).toBeLessThan(2e-3);
    expect(tk.checkGradients((t) => A.elu(t, 0.7), [input])).toBeLessThan(2e-3);
    expect(tk.checkGradients((t) => A.celu(t, 0.7), [input])).toBeLessThan(2e-3);
    expect(tk.checkGradients((t) => A.sparsemax(t, 0), [tk.tensor([[0.5, 1], [0.4, -2], [-1, 0.1]])])).toBeLessThan(2e-3);
    expect(tk.checkGradients((t) => A.softmax(t, [0, 1]), [tk.tensor([[0.5, 1], [0.4, -2]])])).toBeLessThan(2e-3);
  });
});

describe('activations: lookup', () => {
  it('accepts Keras snake_case, TF.js camelCase, class-style names and the aliases', () => {
    const get = tk.layers.activations.getActivation;
    expect(get('hard_sigmoid').name).toBe('hard_sigmoid');
    expect(get('hardSigmoid').name).toBe('hard_sigmoid');
    expect(get('logSoftmax').name).toBe('log_softmax');
    expect(get('leakyRelu').name).toBe('leaky_relu');
    expect(get('swish').name).toBe('silu');
    expect(get('hard_swish').name).toBe('hard_silu');
    expect(get('gelu_new').apply(tk.tensor([1])).item()).toBeCloseTo(0.8411920, 5); // tanh approximation
    for (const name of tk.layers.activations.activationNames) {
      if (name !== 'threshold') expect(get(name).apply(tk.tensor([[0.5, -0.5]])).shape).toEqual(name === 'glu' ? [1, 1] : [1, 2]);
    }
  });

  it('null and undefined are linear; a function and an Activation object are taken as they are', () => {
    const get = tk.layers.activations.getActivation;
    expect(get(null).name).toBe('linear');
    expect(get(undefined).name).toBe('linear');
    const double = (t: tk.Tensor): tk.Tensor => tk.mul(t, 2);
    expect(get(double).name).toBe('double');
    expect(get(double).apply(tk.tensor([3])).item()).toBe(6);
    const obj = { name: 'neg', apply: (t: tk.Tensor) => tk.neg(t) };
    expect(get(obj)).toBe(obj);
  });

  it('an unknown name lists the valid ones and suggests the nearest', () => {
    expect(() => tk.layers.activations.getActivation('rleu')).toThrow("Unknown activation 'rleu'. Did you mean 'relu'? Valid names: relu, ");
    expect(() => tk.layers.activations.getActivation('sigmiod')).toThrow("Did you mean 'sigmoid'?");
    expect(() => tk.layers.activations.getActivation('hardSigmod')).toThrow("Did you mean 'hard_sigmoid'?");
    expect(() => tk.layers.activations.getActivation('qwertyuiop')).toThrow(/^Unknown activation 'qwertyuiop'\. Valid names/);
    expect(() => tk.layers.activations.getActivation(42 as never)).toThrow(/Could not interpret activation identifier: 42/);
  });

  it("'threshold' needs arguments, so its name alone is refused with an explanation", () => {
    expect(() => tk.layers.activations.getActivation('threshold')).toThrow(/needs two arguments/);
  });

  it('serializeActivation gives the TF.js spelling, which reads back to the same activation', () => {
    const { getActivation, serializeActivation } = tk.layers.activations;
    expect(serializeActivation(getActivation('hard_sigmoid'))).toBe('hardSigmoid');
    expect(serializeActivation(getActivation('relu'))).toBe('relu');
    expect(serializeActivation(getActivation(null))).toBe('linear');
    expect(serializeActivation(getActivation('gelu_new'))).toBe('gelu_new');
    for (const name of tk.layers.activations.activationNames) {
      if (name === 'threshold') continue;
      const act = getActivation(name);
      expect(getActivation(serializeActivation(act)).name).toBe(act.name);
    }
  });

  it('softmax and sigmoid outputs remember their logits for the losses', async () => {
    const { logitsOf } = await import('../../src/ops/logits.js');
    const z = tk.tensor([[1, 2]]);
    expect(logitsOf(tk.layers.activations.getActivation('softmax').apply(z))?.logits).toBe(z);
    expect(logitsOf(tk.layers.activations.getActivation('sigmoid').apply(z))?.activation).toBe('sigmoid');
  });

  it('Keras snake_case function names are exported too', () => {
    expect(A.leaky_relu).toBe(A.leakyRelu);
    expect(A.hard_sigmoid).toBe(A.hardSigmoid);
    expect(A.log_softmax).toBe(A.logSoftmax);
  });
});
