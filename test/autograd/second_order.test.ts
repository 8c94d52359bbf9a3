// Second derivatives of every primitive of tk.primitives, checked against finite differences of
// the first-order gradient.
//
// For each case f (a function of the op's differentiable inputs) the loss is L(x) = Σ R·f(x)²
// (R a fixed random tensor: the square makes even a linear op's Hessian nonzero, so a backward
// that computed its gradient off the tape cannot pass by being zero), and the checked function is
// the first-order gradient projected on fixed random directions S_i, G(x) = Σ_i ⟨∂L/∂x_i, S_i⟩.
// tk.gradientCheckReport(G) compares
//   - the analytic ∂G/∂x: reverse-over-reverse, the gradient of the RECORDED backward pass, with
//   - central finite differences of G, each evaluation a plain first-order backward (the fast
//     path, which records nothing),
// so every rule's own rule, and the recorded path against the fused one, are checked at once.
//
// Tolerance (float32): G is itself a backward pass, with rounding noise ≈ 1e-7·|G|; the
// Richardson-extrapolated difference at h = 1e-2 divides that by h, ≈ 1e-5·|G| (|G| ≈ 1–10
// here: the cases keep |G| small, since perturbing one element leaves the others' terms in G), and
// its truncation error is O(h⁴). 1e-3 (relative above 1, absolute below, as
// checkGradients) is two orders above that noise, while a wrong or cut rule gives errors of
// order 1. Inputs stay ≥ 0.1 from kinks (relu at 0, clip bounds, ties of max), farther than the
// step, so every finite difference stays on one smooth piece.
//
// The sweep also checks, for every row, that the rule's recorded backward calls exactly the
// primitives the table lists in `records` (the table checked against the code), and it lists the
// primitives whose second derivative throws: none.

import { describe, expect, it } from 'vitest';
import * as tk from '../../src/index.js';
import * as ops from '../../src/ops/index.js';
import { tapeOf } from '../../src/autograd/tape.js';
import { randArray, rng, sizeOf, type RandOptions } from '../helpers/index.js';

const rand = rng(715);
const T = (shape: number[], o: RandOptions = {}): tk.Tensor => tk.tensor(randArray(sizeOf(shape), rand, o), shape);

/** Distinct values, ≥ 0.13 apart, shuffled: no ties in a max. */
function distinct(shape: number[]): tk.Tensor {
  const n = sizeOf(shape);
  const vals = Array.from({ length: n }, (_, i) => (i - n / 2) * 0.13);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [vals[i], vals[j]] = [vals[j]!, vals[i]!];
  }
  return tk.tensor(vals, shape);
}

// The image ops' cases draw from a stream of their own, so that adding them leaves the draws of
// the cases above (and the random projections drawn as the tests run) as they were.
const rand2 = rng(716);
const T2 = (shape: number[], o: RandOptions = {}): tk.Tensor => tk.tensor(randArray(sizeOf(shape), rand2, o), shape);
// The recurrent sequence ops' cases: a stream of their own too.
const rand3 = rng(717);
const R3 = (shape: number[]): tk.Tensor => tk.tensor(randArray(sizeOf(shape), rand3, { lo: -0.8, hi: 0.8 }), shape);
const RNN_ACTS = { activation: tk.activations.getActivation('tanh'), recurrentActivation: tk.activations.getActivation('sigmoid') };
const RNN_MASK = tk.tensor([[1, 0, 1], [1, 1, 0]]);
function distinct2(shape: number[]): tk.Tensor {
  const n = sizeOf(shape);
  const vals = Array.from({ length: n }, (_, i) => (i - n / 2) * 0.13);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(rand2() * (i + 1));
    [vals[i], vals[j]] = [vals[j]!, vals[i]!];
  }
  return tk.tensor(vals, shape);
}

/** A copy of t that requires a gradient, so the ops applied to it record. */
function watch(t: tk.Tensor): tk.Tensor {
  const c = t.clone();
  c.requiresGrad = true;
  return c;
}

/** `dy ↦` the gradient y's node sends its first input, for a y recorded once by `make`: a gradient primitive as a function. */
function backwardFn(make: () => tk.Tensor): (dy?: tk.Tensor) => tk.Tensor {
  const y = make();
  return (dy) => y.node!.backward(dy!)[0]!;
}

/** Two tensors on interleaved grids, never closer than 0.1 (for maximum/minimum). */
function apart(sa: number[], sb: number[]): [tk.Tensor, tk.Tensor] {
  const grid = (shape: number[], shift: number): tk.Tensor =>
    tk.tensor(Array.from({ length: sizeOf(shape) }, () => Math.floor(rand() * 20 - 10) * 0.2 + shift), shape);
  return [grid(sa, 0), grid(sb, 0.1)];
}

/** Inputs of a relu-fused conv2d with every pre-activation ≥ 0.1 from 0, some negative. */
function reluSafeConv(): tk.Tensor[] {
  for (;;) {
    const xs = [T([1, 4, 4, 2]), T([2, 2, 2, 2]), T([2])];
    const z = ops.conv2d(xs[0]!, xs[1]!, {}, xs[2]!).dataSync();
    if (z.every((v) => Math.abs(v) > 0.1) && z.some((v) => v < 0)) return xs;
  }
}

/** `draw`: where the case's random projections come from (default T's stream). */
type Case = { name: string; f: (...xs: tk.Tensor[]) => tk.Tensor; inputs: tk.Tensor[]; draw?: (shape: number[]) => tk.Tensor };
const c = (name: string, f: Case['f'], inputs: tk.Tensor[]): Case => ({ name, f, inputs });

/** A recurrent op's case: its projections drawn from its own stream too, so adding it moved no other case's draws. */
const rc = (name: string, f: Case['f'], inputs: tk.Tensor[]): Case => ({ name, f, inputs, draw: (shape) => R3(shape) });

const away0 = { lo: -2, hi: 2, awayFrom: [0], minGap: 0.1 };
const positive = { lo: 0.5, hi: 2 };
const softLabels = { lo: 0, hi: 1 };

/** At least one case per row of tk.primitives, keyed by op. */
const CASES: Record<string, Case[]> = {
  add: [c('add [2,3] + [3]', (a, b) => a!.add(b!), [T([2, 3]), T([3])])],
  mul: [c('mul [2,3] · [2,1]', (a, b) => a!.mul(b!), [T([2, 3]), T([2, 1])])],
  div: [c('div [2,3] / [3]', (a, b) => a!.div(b!), [T([2, 3]), T([3], positive)])],
  pow: [
    c('pow a^b', (a, b) => a!.pow(b!), [T([2, 3], positive), T([2, 3], { lo: -2, hi: 2 })]),
    c('pow negative base ^3', (a) => a!.pow(3), [T([4], { lo: -2, hi: -0.5 })]),
  ],
  maximum: [c('maximum', (a, b) => tk.maximum(a!, b!), apart([2, 3], [3]))],
  minimum: [c('minimum', (a, b) => tk.minimum(a!, b!), apart([2, 3], [2, 3]))],
  squaredDifference: [c('squaredDifference', (a, b) => tk.squaredDifference(a!, b!), [T([2, 3]), T([3])])],
  neg: [c('neg', (x) => x!.neg(), [T([4])])],
  abs: [c('abs', (x) => x!.abs(), [T([5], away0)])],
  exp: [c('exp', (x) => x!.exp(), [T([5])])],
  log: [c('log', (x) => x!.log(), [T([5], positive)])],
  log1p: [c('log1p', (x) => tk.log1p(x!), [T([5], { lo: -0.5, hi: 2 })])],
  expm1: [c('expm1', (x) => tk.expm1(x!), [T([5])])],
  sqrt: [c('sqrt', (x) => x!.sqrt(), [T([5], positive)])],
  rsqrt: [c('rsqrt', (x) => tk.rsqrt(x!), [T([5], positive)])],
  square: [c('square', (x) => x!.square(), [T([5])])],
  reciprocal: [c('reciprocal', (x) => tk.reciprocal(x!), [T([5], positive)])],
  sigmoid: [c('sigmoid', (x) => x!.sigmoid(), [T([5], { lo: -3, hi: 3 })])],
  tanh: [c('tanh', (x) => x!.tanh(), [T([5])])],
  relu: [c('relu', (x) => x!.relu().mul(x!), [T([6], away0)])],
  relu6: [c('relu6', (x) => tk.relu6(x!).mul(x!), [T([6], { lo: -2, hi: 8, awayFrom: [0, 6], minGap: 0.1 })])],
  softplus: [c('softplus', (x) => tk.softplus(x!), [T([5], { lo: -3, hi: 3 })])],
  softsign: [c('softsign', (x) => tk.softsign(x!), [T([5], away0)])],
  elu: [c('elu', (x) => tk.elu(x!), [T([6], away0)])],
  selu: [c('selu', (x) => tk.selu(x!), [T([6], away0)])],
  erf: [c('erf', (x) => tk.erf(x!), [T([5])])],
  sin: [c('sin', (x) => tk.sin(x!), [T([5], { lo: -3, hi: 3 })])],
  cos: [c('cos', (x) => tk.cos(x!), [T([5], { lo: -3, hi: 3 })])],
  sign: [c('sign', (x) => x!.sign().mul(x!), [T([5], away0)])],
  floor: [c('floor', (x) => x!.floor().mul(x!), [T([5], { lo: -2, hi: 2, awayFrom: [-2, -1, 0, 1, 2], minGap: 0.1 })])],
  ceil: [c('ceil', (x) => x!.ceil().mul(x!), [T([5], { lo: -2, hi: 2, awayFrom: [-2, -1, 0, 1, 2], minGap: 0.1 })])],
  round: [c('round', (x) => x!.round().mul(x!), [T([5], { lo: -2, hi: 2, awayFrom: [-1.5, -0.5, 0.5, 1.5], minGap: 0.1 })])],
  clip: [c('clip', (x) => x!.clip(-0.5, 0.7).mul(x!), [T([6], { lo: -2, hi: 2, awayFrom: [-0.5, 0.7], minGap: 0.1 })])],
  reluGrad: [c('reluGrad(dy, x)', (d, x) => ops.reluGrad(d!, x!), [T([5]), T([5], away0)])],
  relu6Grad: [c('relu6Grad(dy, x)', (d, x) => ops.relu6Grad(d!, x!), [T([5]), T([5], { lo: -2, hi: 8, awayFrom: [0, 6], minGap: 0.1 })])],
  sigmoidGrad: [c('sigmoidGrad(dy, y)', (d, y) => ops.sigmoidGrad(d!, y!), [T([5]), T([5], { lo: 0.1, hi: 0.9 })])],
  tanhGrad: [c('tanhGrad(dy, y)', (d, y) => ops.tanhGrad(d!, y!), [T([5]), T([5], { lo: -0.9, hi: 0.9 })])],
  eluGrad: [c('eluGrad(dy, y)', (d, y) => ops.eluGrad(d!, y!), [T([6]), T([6], { lo: -0.9, hi: 2, awayFrom: [0], minGap: 0.1 })])],
  seluGrad: [c('seluGrad(dy, y)', (d, y) => ops.seluGrad(d!, y!), [T([6]), T([6], { lo: -1.5, hi: 2, awayFrom: [0], minGap: 0.1 })])],
  clipGrad: [c('clipGrad(dy, x)', (d, x) => ops.clipGrad(d!, x!, -0.5, 0.7), [T([6]), T([6], { lo: -2, hi: 2, awayFrom: [-0.5, 0.7], minGap: 0.1 })])],
  sum: [
    c('sum axis 1', (x) => x!.sum(1), [T([2, 3, 2])]),
    c('sum all', (x) => x!.sum(), [T([2, 3])]),
  ],
  mean: [c('mean axes [0, 2] keepDims', (x) => x!.mean([0, 2], true), [T([2, 3, 2])])],
  max: [c('max axis 1', (x) => x!.max(1), [distinct([3, 4])])],
  min: [c('min axis 0', (x) => x!.min(0), [distinct([3, 4])])],
  prod: [
    c('prod axis 1', (x) => x!.prod(1), [T([3, 3], { lo: -1.5, hi: 1.5, awayFrom: [0], minGap: 0.3 })]),
    c('prod axes [0, 2] (non-neighbouring)', (x) => x!.prod([0, 2]), [T([2, 2, 3], { lo: 0.5, hi: 1.5 })]),
    c('prod of all, with a zero', (x) => x!.prod(), [tk.tensor([0.8, 0, -1.2, 1.1])]),
  ],
  broadcastTo: [c('broadcastTo [3] → [2, 3]', (x) => tk.broadcastTo(x!, [2, 3]), [T([3])])],
  sumTo: [c('sumTo [2, 3, 4] → [3, 1]', (x) => tk.sumTo(x!, [3, 1]), [T([2, 3, 4])])],
  matmul: [
    c('matmul 2-D', (a, b) => a!.matmul(b!), [T([2, 3]), T([3, 2])]),
    c('matmul batch-broadcast, transposeB', (a, b) => tk.matmul(a!, b!, false, true), [T([2, 2, 3]), T([2, 3])]),
    c('matmul transposeA', (a, b) => tk.matmul(a!, b!, true, false), [T([3, 2]), T([3, 2])]),
  ],
  identity: [c('identity', (x) => tk.identity(x!), [T([4])])],
  reshape: [c('reshape', (x) => x!.reshape([3, 2]), [T([2, 3])])],
  transpose: [c('transpose [2,0,1]', (x) => x!.transpose([2, 0, 1]), [T([2, 3, 2])])],
  slice: [c('slice', (x) => x!.slice([1, 0], [2, 2]), [T([3, 3])])],
  concat: [c('concat axis 1', (a, b) => tk.concat([a!, b!], 1), [T([2, 2]), T([2, 1])])],
  gather: [c('gather with repeats', (x) => x!.gather([2, 0, 2]), [T([3, 2])])],
  scatterAdd: [c('scatterAdd with repeats', (u) => tk.scatterAdd(u!, [2, 0, 2], 4), [T([3, 2])])],
  pad: [c('pad', (x) => x!.pad([[1, 0], [0, 2]], 0.5), [T([2, 2])])],
  where: [c('where broadcast', (a, b) => tk.where(tk.tensor([[1, 0, 1], [0, 1, 1]]), a!, b!), [T([3]), T([2, 3])])],
  logSoftmax: [c('logSoftmax axis 0', (x) => x!.logSoftmax(0), [T([3, 2], { lo: -3, hi: 3 })])],
  logSoftmaxGrad: [c('logSoftmaxGrad(dy, y)', (d, y) => ops.logSoftmaxGrad(d!, y!, -1), [T([2, 3]), T([2, 3], { lo: -3, hi: 0 })])],
  softmaxCrossEntropyWithLogits: [
    c('softmax CE, labels and logits', (y, x) => tk.softmaxCrossEntropyWithLogits(y!, x!), [T([2, 3], softLabels), T([2, 3], { lo: -3, hi: 3 })]),
    c('softmax CE, logits broadcast', (y, x) => tk.softmaxCrossEntropyWithLogits(y!, x!), [T([2, 3], softLabels), T([3], { lo: -3, hi: 3 })]),
  ],
  softmaxCrossEntropyGrad: [
    c('softmaxCrossEntropyGrad(dy, labels, logits)', (d, y, x) => ops.softmaxCrossEntropyGrad(d!, y!, x!), [T([2]), T([2, 3], softLabels), T([2, 3], { lo: -3, hi: 3 })]),
    c('softmaxCrossEntropyGrad, logits broadcast', (d, y, x) => ops.softmaxCrossEntropyGrad(d!, y!, x!), [T([2]), T([2, 3], softLabels), T([3], { lo: -3, hi: 3 })]),
  ],
  sigmoidCrossEntropyWithLogits: [
    c('sigmoid CE', (y, x) => tk.sigmoidCrossEntropyWithLogits(y!, x!), [T([2, 3], softLabels), T([2, 3], { lo: -3, hi: 3 })]),
  ],
  sigmoidCrossEntropyGrad: [
    c('sigmoidCrossEntropyGrad(dy, labels, logits), logits broadcast', (d, y, x) => ops.sigmoidCrossEntropyGrad(d!, y!, x!), [T([2, 3]), T([2, 3], softLabels), T([3], { lo: -3, hi: 3 })]),
  ],
  conv2d: [
    c('conv2d valid with bias', (x, w, b) => ops.conv2d(x!, w!, {}, b!), [T([1, 4, 4, 2]), T([2, 2, 2, 2]), T([2])]),
    c('conv2d strides 2 same', (x, w) => ops.conv2d(x!, w!, { strides: 2, padding: 'same' }), [T([1, 5, 4, 1]), T([3, 2, 1, 2])]),
    c('conv2d with fused relu', (x, w, b) => ops.conv2d(x!, w!, {}, b!, 'relu'), reluSafeConv()),
  ],
  conv2dBackpropInput: [
    c('conv2dBackpropInput(dy, W)', (d, w) => tk.conv2dBackpropInput(d!, w!, [1, 4, 4, 2]), [T([1, 3, 3, 2]), T([2, 2, 2, 2])]),
  ],
  conv2dBackpropFilter: [
    c('conv2dBackpropFilter(dy, x), dilation 2', (d, x) => tk.conv2dBackpropFilter(d!, x!, [2, 2, 1, 2], { dilations: 2 }), [T([1, 3, 3, 2]), T([1, 5, 5, 1])]),
  ],
  maxPool2d: [c('maxPool2d 2×2', (x) => ops.maxPool2d(x!, 2), [distinct([1, 4, 4, 2])])],
  avgPool2d: [c('avgPool2d 3×3 stride 2 same', (x) => ops.avgPool2d(x!, 3, 2, 'same'), [T([1, 5, 4, 2])])],
  maxPoolGrad: [c('maxPoolGrad(dy, x)', (d, x) => ops.maxPoolGrad(d!, x!, 2, 1), [T([1, 2, 2, 1]), distinct([1, 3, 3, 1])])],
  maxPoolGradGrad: [c('maxPoolGradGrad(g, x)', (g, x) => ops.maxPoolGradGrad(g!, x!, 2), [T([1, 4, 4, 1]), distinct([1, 4, 4, 1])])],
  avgPoolGrad: [c('avgPoolGrad(dy)', (d) => ops.avgPoolGrad(d!, [1, 4, 5, 1], 2, 2, 'same'), [T([1, 2, 3, 1])])],
  conv2dTranspose: [
    c('conv2dTranspose 3×3 stride 2 same, bias', (x, w, b) => ops.conv2dTranspose(x!, w!, { strides: 2, padding: 'same' }, b!), [T2([1, 2, 2, 2]), T2([3, 3, 2, 2]), T2([2])]),
    c('conv2dTranspose valid, outputPadding 1', (x, w) => ops.conv2dTranspose(x!, w!, { strides: 2, outputPadding: 1 }), [T2([1, 2, 3, 1]), T2([2, 3, 2, 1])]),
    c('conv2dTranspose 2×2 stride 3 same', (x, w) => ops.conv2dTranspose(x!, w!, { strides: 3, padding: 'same' }), [T2([1, 2, 2, 1]), T2([2, 2, 1, 1])]),
  ],
  depthwiseConv2d: [c('depthwiseConv2d M 2 stride 2 same, bias', (x, w, b) => ops.depthwiseConv2d(x!, w!, { strides: 2, padding: 'same' }, b!), [T2([1, 4, 3, 2]), T2([3, 3, 2, 2]), T2([4])])],
  depthwiseConv2dBackpropInput: [c('depthwiseConv2dBackpropInput(dy, W)', (d, w) => ops.depthwiseConv2dBackpropInput(d!, w!, [1, 3, 3, 2], { padding: 'same' }), [T2([1, 3, 3, 2]), T2([2, 2, 2, 1])])],
  depthwiseConv2dBackpropFilter: [c('depthwiseConv2dBackpropFilter(dy, x)', (d, x) => ops.depthwiseConv2dBackpropFilter(d!, x!, [2, 2, 2, 1], {}), [T2([1, 2, 2, 2]), T2([1, 3, 3, 2])])],
  conv3d: [c('conv3d 2×2×2 same, bias', (x, w, b) => ops.conv3d(x!, w!, { padding: 'same' }, b!), [T2([1, 2, 3, 2, 1]), T2([2, 2, 2, 1, 2]), T2([2])])],
  conv3dBackpropInput: [c('conv3dBackpropInput(dy, W)', (d, w) => ops.conv3dBackpropInput(d!, w!, [1, 3, 3, 2, 1], {}), [T2([1, 2, 2, 1, 2]), T2([2, 2, 2, 1, 2])])],
  conv3dBackpropFilter: [c('conv3dBackpropFilter(dy, x)', (d, x) => ops.conv3dBackpropFilter(d!, x!, [2, 2, 2, 1, 2], {}), [T2([1, 2, 2, 1, 2]), T2([1, 3, 3, 2, 1])])],
  maxPool3d: [c('maxPool3d 2×2×2', (x) => ops.maxPool3d(x!, 2), [distinct2([1, 4, 2, 2, 2])])],
  maxPool3dGrad: [c('maxPool3dGrad (the backward of maxPool3d)', backwardFn(() => ops.maxPool3d(watch(distinct2([1, 4, 4, 2, 1])), 2)), [T2([1, 2, 2, 1, 1])])],
  maxPool3dGradGrad: [c('maxPool3dGradGrad (the backward of maxPool3dGrad)', backwardFn(() => backwardFn(() => ops.maxPool3d(watch(distinct2([1, 4, 4, 2, 1])), 2))(watch(T2([1, 2, 2, 1, 1])))), [T2([1, 4, 4, 2, 1])])],
  avgPool3d: [c('avgPool3d 3×3×3 stride 2 same', (x) => ops.avgPool3d(x!, 3, 2, 'same'), [T2([1, 3, 4, 3, 1])])],
  avgPool3dGrad: [c('avgPool3dGrad (the backward of avgPool3d)', backwardFn(() => ops.avgPool3d(watch(T2([1, 4, 4, 2, 1])), 2)), [T2([1, 2, 2, 1, 1])])],
  resizeBilinear: [c('resizeBilinear 3×4 → 5×7', (x) => ops.resizeBilinear(x!, [5, 7]), [T2([1, 3, 4, 2])])],
  resizeBilinearGrad: [c('resizeBilinearGrad (the backward of resizeBilinear)', backwardFn(() => ops.resizeBilinear(watch(T2([1, 3, 4, 1])), [5, 7])), [T2([1, 5, 7, 1])])],
  lstmSequence: [rc('lstmSequence masked, goBackwards', (x, u, h, cc) => ops.lstmSequence(x!, u!, h!, cc!, { ...RNN_ACTS, mask: RNN_MASK, goBackwards: true }), [R3([3, 2, 8]), R3([2, 8]), R3([2, 2]), R3([2, 2])])],
  gruSequence: [rc('gruSequence masked', (x, u, b, h) => ops.gruSequence(x!, u!, b!, h!, { ...RNN_ACTS, mask: RNN_MASK }), [R3([3, 2, 6]), R3([2, 6]), R3([6]), R3([2, 2])])],
  simpleRnnSequence: [rc('simpleRnnSequence masked, goBackwards', (x, u, h) => ops.simpleRnnSequence(x!, u!, h!, { ...RNN_ACTS, mask: RNN_MASK, goBackwards: true }), [R3([3, 2, 2]), R3([2, 2]), R3([2, 2])])],
  sparsemax: [
    // supports {0, 1} and {1, 2, 3}: every output ≥ 0.1 from the threshold, so the support holds under ±h
    c('sparsemax', (x) => tk.activations.sparsemax(x!), [tk.tensor([[1, 0.6, -0.5, -1], [-2, 0.4, 0.3, 0.25]])]),
  ],
};

/** G(x) = Σ_i ⟨∂L/∂x_i, S_i⟩ for L = Σ R·f(x)², with R and S_i fixed random tensors. */
function projectedGradient(k: Case): (...xs: tk.Tensor[]) => tk.Tensor {
  const y0 = k.f(...k.inputs);
  const draw = k.draw ?? ((shape: number[]) => T(shape));
  const R = draw(y0.shape.slice());
  const S = k.inputs.map((x) => draw(x.shape.slice()));
  const loss = (...xs: tk.Tensor[]): tk.Tensor => {
    const y = k.f(...xs);
    return y.mul(y).mul(R).sum();
  };
  return (...xs) => {
    const gs = tk.grads(loss)(...xs);
    return gs.reduce((acc: tk.Tensor, g, i) => acc.add(g.mul(S[i]!).sum()), tk.tensor(0));
  };
}

/** The op names the rule of `op` records, called on a dy that is on the tape. */
function opsRecordedByRule(k: Case, op: string): Set<string> {
  const vars = k.inputs.map((x) => tk.variable(x));
  const y = k.f(...vars);
  const node = tapeOf(y).find((t) => t.node!.op === op);
  if (node === undefined) throw new Error(`${k.name} does not record '${op}'`);
  const dy = tk.variable(T(node.shape.slice()));
  const before = tk.identity(dy).node!.id; // every node the rule records comes after this one
  const seen = new Set<string>();
  const stack = node.node!.backward(dy).filter((g): g is tk.Tensor => g !== null);
  const visited = new Set<tk.Tensor>();
  while (stack.length > 0) {
    const t = stack.pop()!;
    if (visited.has(t) || t.node === null || t.node.id <= before) continue;
    visited.add(t);
    seen.add(t.node.op);
    stack.push(...t.node.inputs);
  }
  return seen;
}

const TOLERANCE = 1e-3;

describe('second derivatives of every primitive, against finite differences of the first-order gradient', () => {
  it('every row of tk.primitives has a case, and every case names a row', () => {
    const missing = tk.primitives.map((p) => p.op).filter((op) => !(op in CASES));
    expect(missing, 'primitives without a second-order case').toEqual([]);
    const unknown = Object.keys(CASES).filter((op) => !tk.primitives.some((p) => p.op === op));
    expect(unknown).toEqual([]);
  });

  it('no primitive throws on its second derivative (the list of those that do is empty)', () => {
    const throwing: string[] = [];
    for (const [op, cases] of Object.entries(CASES)) {
      for (const k of cases) {
        try {
          tk.grad((...xs: tk.Tensor[]) => projectedGradient(k)(...xs))(...k.inputs);
        } catch (e) {
          throwing.push(`${op} (${k.name}): ${(e as Error).message}`);
        }
      }
    }
    expect(throwing).toEqual([]);
  });

  for (const [op, cases] of Object.entries(CASES)) {
    describe(op, () => {
      for (const k of cases) {
        it(`${k.name}: the second derivative matches`, () => {
          const report = tk.gradientCheckReport(projectedGradient(k), k.inputs);
          expect(report.ops, `${k.name} must record '${op}'`).toContain(op);
          expect(report.maxError, tk.explainGradientCheck(report)).toBeLessThan(TOLERANCE);
        });
      }

      it(`its recorded backward calls exactly the primitives its row lists`, () => {
        const row = tk.primitives.find((p) => p.op === op)!;
        const union = new Set<string>();
        for (const k of cases) {
          const recorded = opsRecordedByRule(k, op);
          for (const name of recorded) {
            expect(row.records, `${k.name}: the rule of '${op}' recorded '${name}'`).toContain(name);
            union.add(name);
          }
        }
        expect([...union].sort()).toEqual([...row.records].sort());
      });
    });
  }
});
