// Every primitive listed in tk.primitives (and the composites) is checked against central finite
// differences with tk.checkGradients, on random shapes including broadcasting and scalar cases.
// Inputs are kept away from kinks (relu at 0, abs at 0, clip bounds, integer/half steps, ties of
// max/min/maximum) so that the finite difference is meaningful there.

import { describe, expect, it } from 'vitest';
import * as tk from '../../src/index.js';
import { record } from '../../src/autograd/tape.js';
// The gradient primitives (reluGrad, maxPoolGrad, ...) are not exported by src/index.ts; they live in the ops table.
import * as ops from '../../src/ops/index.js';
import { Tensor } from '../../src/tensor/tensor.js';
import { randArray, rng, sizeOf, type RandOptions } from '../helpers/index.js';

const rand = rng(2024);
const T = (shape: number[], o: RandOptions = {}): tk.Tensor => tk.tensor(randArray(sizeOf(shape), rand, o), shape);
const randR = rng(2025);
const R = (shape: number[]): tk.Tensor => tk.tensor(randArray(sizeOf(shape), randR), shape);
const RNN_ACTS = { activation: tk.activations.getActivation('tanh'), recurrentActivation: tk.activations.getActivation('sigmoid') };
const RNN_MASK = tk.tensor([[1, 0, 1], [1, 1, 0]]);

/** Distinct values on a grid with spacing ≥ 0.1, shuffled: no ties, far from each other. */
function distinct(shape: number[], offset = 0): tk.Tensor {
  const n = sizeOf(shape);
  const vals = Array.from({ length: n }, (_, i) => (i - n / 2) * 0.13 + offset);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [vals[i], vals[j]] = [vals[j]!, vals[i]!];
  }
  return tk.tensor(vals, shape);
}

/** Two broadcastable tensors whose values differ by at least 0.1 everywhere (for maximum/minimum). */
function apart(sa: number[], sb: number[]): [tk.Tensor, tk.Tensor] {
  // a on the grid 0.2·k, b on the grid 0.2·k + 0.1: never closer than 0.1.
  const grid = (shape: number[], shift: number): tk.Tensor =>
    tk.tensor(Array.from({ length: sizeOf(shape) }, () => Math.floor(rand() * 20 - 10) * 0.2 + shift), shape);
  return [grid(sa, 0), grid(sb, 0.1)];
}

/** Inputs of a relu-fused conv2d whose pre-activations all lie ≥ 0.05 from the kink at 0. */
function reluSafeConvInputs(): tk.Tensor[] {
  for (;;) {
    const xs = [T([1, 4, 4, 2]), T([2, 2, 2, 3]), T([3])];
    const z = ops.conv2d(xs[0]!, xs[1]!, {}, xs[2]!);
    if (z.dataSync().every((v) => Math.abs(v) > 0.05) && z.dataSync().some((v) => v < 0)) return xs;
  }
}

type Case = { name: string; f: (...xs: tk.Tensor[]) => tk.Tensor; inputs: tk.Tensor[] };

/** A copy of t that requires a gradient, so the ops applied to it record. */
function watch(t: tk.Tensor): tk.Tensor {
  const c = t.clone();
  c.requiresGrad = true;
  return c;
}

/** The gradient y's node sends its first input for `dy`, computed outside noGrad: the rule's own ops record. */
function backwardOf(y: tk.Tensor, dy: tk.Tensor): tk.Tensor {
  return y.node!.backward(dy)[0]!;
}

/** `dy ↦ backwardOf(y, dy)` for a y recorded once, now (outside noGrad), by `make`. */
function backwardFn(make: () => tk.Tensor): (dy?: tk.Tensor) => tk.Tensor {
  const y = make();
  return (dy) => backwardOf(y, dy!);
}

/** Broadcasting shape pairs used for every binary op. */
const PAIRS: [number[], number[]][] = [[[2, 3], [2, 3]], [[2, 3], [3]], [[2, 1], [1, 4]], [[], [2, 3]], [[3, 2], []], [[], []], [[2, 1, 3], [4, 1]]];

function binaryCases(name: string, f: (a: tk.Tensor, b: tk.Tensor) => tk.Tensor, oa: RandOptions = {}, ob: RandOptions = oa): Case[] {
  return PAIRS.map(([sa, sb]) => ({ name: `${name} ${JSON.stringify(sa)} ${JSON.stringify(sb)}`, f: f as Case['f'], inputs: [T(sa, oa), T(sb, ob)] }));
}

function unaryCases(name: string, f: (x: tk.Tensor) => tk.Tensor, o: RandOptions = {}): Case[] {
  return [[], [5], [2, 3], [2, 1, 3]].map((s) => ({ name: `${name} ${JSON.stringify(s)}`, f: f as Case['f'], inputs: [T(s, o)] }));
}

/** Gradient checks by primitive op name (and composites by their own names). */
const CASES: Record<string, Case[]> = {
  add: binaryCases('add', (a, b) => a.add(b)),
  mul: binaryCases('mul', (a, b) => a.mul(b)),
  div: binaryCases('div', (a, b) => a.div(b), {}, { lo: 0.5, hi: 2 }),
  pow: [
    ...binaryCases('pow', (a, b) => a.pow(b), { lo: 0.5, hi: 2 }, { lo: -2, hi: 2 }),
    // a negative base with a constant integer exponent (d/da only)
    { name: 'pow negative base ^3', f: (a) => a.pow(3), inputs: [T([2, 3], { lo: -2, hi: -0.5 })] },
  ],
  maximum: PAIRS.map(([sa, sb]) => ({ name: `maximum ${JSON.stringify(sa)} ${JSON.stringify(sb)}`, f: (a, b) => tk.maximum(a!, b!), inputs: apart(sa, sb) })),
  minimum: PAIRS.map(([sa, sb]) => ({ name: `minimum ${JSON.stringify(sa)} ${JSON.stringify(sb)}`, f: (a, b) => tk.minimum(a!, b!), inputs: apart(sa, sb) })),
  squaredDifference: binaryCases('squaredDifference', (a, b) => tk.squaredDifference(a, b)),
  neg: unaryCases('neg', (x) => x.neg()),
  abs: unaryCases('abs', (x) => x.abs(), { lo: -2, hi: 2, awayFrom: [0], minGap: 0.1 }),
  exp: unaryCases('exp', (x) => x.exp(), { lo: -2, hi: 2 }),
  log: unaryCases('log', (x) => x.log(), { lo: 0.5, hi: 3 }),
  log1p: unaryCases('log1p', (x) => tk.log1p(x), { lo: -0.5, hi: 2 }),
  expm1: unaryCases('expm1', (x) => tk.expm1(x), { lo: -2, hi: 2 }),
  sqrt: unaryCases('sqrt', (x) => x.sqrt(), { lo: 0.5, hi: 3 }),
  rsqrt: unaryCases('rsqrt', (x) => tk.rsqrt(x), { lo: 0.5, hi: 3 }),
  square: unaryCases('square', (x) => x.square(), { lo: -2, hi: 2 }),
  reciprocal: [...unaryCases('reciprocal', (x) => tk.reciprocal(x), { lo: 0.5, hi: 2 }), ...unaryCases('reciprocal<0', (x) => tk.reciprocal(x), { lo: -2, hi: -0.5 })],
  sigmoid: unaryCases('sigmoid', (x) => x.sigmoid(), { lo: -4, hi: 4 }),
  tanh: unaryCases('tanh', (x) => x.tanh(), { lo: -2, hi: 2 }),
  relu: unaryCases('relu', (x) => x.relu(), { lo: -2, hi: 2, awayFrom: [0], minGap: 0.1 }),
  relu6: unaryCases('relu6', (x) => tk.relu6(x), { lo: -2, hi: 8, awayFrom: [0, 6], minGap: 0.1 }),
  softplus: unaryCases('softplus', (x) => tk.softplus(x), { lo: -4, hi: 4 }),
  softsign: unaryCases('softsign', (x) => tk.softsign(x), { lo: -3, hi: 3, awayFrom: [0], minGap: 0.1 }),
  elu: unaryCases('elu', (x) => tk.elu(x), { lo: -3, hi: 2, awayFrom: [0], minGap: 0.1 }),
  selu: unaryCases('selu', (x) => tk.selu(x), { lo: -3, hi: 2, awayFrom: [0], minGap: 0.1 }),
  erf: unaryCases('erf', (x) => tk.erf(x), { lo: -2, hi: 2 }),
  sin: unaryCases('sin', (x) => tk.sin(x), { lo: -3, hi: 3 }),
  cos: unaryCases('cos', (x) => tk.cos(x), { lo: -3, hi: 3 }),
  // Step functions: derivative 0 away from their jumps (the numeric slope is 0 there too).
  sign: unaryCases('sign', (x) => x.sign().add(x), { lo: -2, hi: 2, awayFrom: [0], minGap: 0.1 }),
  floor: unaryCases('floor', (x) => x.floor().add(x), { lo: -3, hi: 3, awayFrom: [-3, -2, -1, 0, 1, 2, 3], minGap: 0.1 }),
  ceil: unaryCases('ceil', (x) => x.ceil().add(x), { lo: -3, hi: 3, awayFrom: [-3, -2, -1, 0, 1, 2, 3], minGap: 0.1 }),
  round: unaryCases('round', (x) => x.round().add(x), { lo: -3, hi: 3, awayFrom: [-2.5, -1.5, -0.5, 0.5, 1.5, 2.5], minGap: 0.1 }),
  clip: unaryCases('clip', (x) => x.clip(-0.5, 0.7), { lo: -2, hi: 2, awayFrom: [-0.5, 0.7], minGap: 0.1 }),
  sum: [
    { name: 'sum all', f: (x) => x.sum(), inputs: [T([2, 3, 4])] },
    { name: 'sum axis 1', f: (x) => x.sum(1), inputs: [T([2, 3, 4])] },
    { name: 'sum axes [0,2] keepDims', f: (x) => x.sum([0, 2], true), inputs: [T([2, 3, 4])] },
    { name: 'sum axis -1 of a vector', f: (x) => x.sum(-1), inputs: [T([5])] },
    { name: 'sum of a scalar', f: (x) => x.sum(), inputs: [T([])] },
  ],
  mean: [
    { name: 'mean all', f: (x) => x.mean(), inputs: [T([2, 3, 4])] },
    { name: 'mean axis 0 keepDims', f: (x) => x.mean(0, true), inputs: [T([3, 4])] },
    { name: 'mean axes [0,2]', f: (x) => x.mean([0, 2]), inputs: [T([2, 3, 4])] },
  ],
  max: [
    { name: 'max all', f: (x) => x.max(), inputs: [distinct([3, 4])] },
    { name: 'max axis 1', f: (x) => x.max(1), inputs: [distinct([3, 4])] },
    { name: 'max axes [0,2] keepDims', f: (x) => x.max([0, 2], true), inputs: [distinct([2, 3, 4])] },
  ],
  min: [
    { name: 'min all', f: (x) => x.min(), inputs: [distinct([3, 4])] },
    { name: 'min axis 0', f: (x) => x.min(0), inputs: [distinct([3, 4])] },
    { name: 'min axis -1 keepDims', f: (x) => x.min(-1, true), inputs: [distinct([2, 3, 4])] },
  ],
  prod: [
    { name: 'prod all', f: (x) => x.prod(), inputs: [T([2, 3], { lo: 0.5, hi: 1.5 })] },
    { name: 'prod axis 1', f: (x) => x.prod(1), inputs: [T([3, 4], { lo: -1.5, hi: 1.5, awayFrom: [0], minGap: 0.3 })] },
    { name: 'prod axes [0,2] (non-neighbouring)', f: (x) => x.prod([0, 2]), inputs: [T([2, 3, 4], { lo: 0.5, hi: 1.5 })] },
    { name: 'prod axis 0 keepDims', f: (x) => x.prod(0, true), inputs: [T([3, 2], { lo: 0.5, hi: 1.5 })] },
  ],
  broadcastTo: [
    { name: 'broadcastTo [3]->[2,3]', f: (x) => tk.broadcastTo(x, [2, 3]), inputs: [T([3])] },
    { name: 'broadcastTo [2,1]->[3,2,4]', f: (x) => tk.broadcastTo(x, [3, 2, 4]), inputs: [T([2, 1])] },
    { name: 'broadcastTo []->[2,2]', f: (x) => tk.broadcastTo(x, [2, 2]), inputs: [T([])] },
  ],
  matmul: [
    { name: 'matmul 2-D', f: (a, b) => a.matmul(b), inputs: [T([3, 4]), T([4, 2])] },
    { name: 'matmul transposeA', f: (a, b) => tk.matmul(a, b, true, false), inputs: [T([4, 3]), T([4, 2])] },
    { name: 'matmul transposeB', f: (a, b) => tk.matmul(a, b, false, true), inputs: [T([3, 4]), T([2, 4])] },
    { name: 'matmul transposeA+B', f: (a, b) => tk.matmul(a, b, true, true), inputs: [T([4, 3]), T([2, 4])] },
    { name: 'matmul batched', f: (a, b) => a.matmul(b), inputs: [T([2, 3, 4]), T([2, 4, 2])] },
    { name: 'matmul batch-broadcast [2,3,4]x[4,2]', f: (a, b) => a.matmul(b), inputs: [T([2, 3, 4]), T([4, 2])] },
    { name: 'matmul batch-broadcast [2,1,3,4]x[3,4,2] with transposes', f: (a, b) => tk.matmul(a, b, false, true), inputs: [T([2, 1, 3, 4]), T([3, 2, 4])] },
    { name: 'matmul vector·matrix', f: (a, b) => a.matmul(b), inputs: [T([4]), T([4, 3])] },
    { name: 'matmul matrix·vector', f: (a, b) => a.matmul(b), inputs: [T([3, 4]), T([4])] },
  ],
  reshape: [{ name: 'reshape', f: (x) => x.reshape([3, -1]).mul(tk.range(6).reshape([3, 2])), inputs: [T([2, 3])] }],
  transpose: [
    { name: 'transpose 2-D', f: (x) => x.transpose(), inputs: [T([2, 3])] },
    { name: 'transpose [2,0,1]', f: (x) => x.transpose([2, 0, 1]), inputs: [T([2, 3, 4])] },
  ],
  slice: [{ name: 'slice', f: (x) => x.slice([1, 0, 1], [2, -1, 2]), inputs: [T([3, 2, 4])] }],
  concat: [
    { name: 'concat axis 0', f: (a, b) => tk.concat([a!, b!], 0), inputs: [T([2, 3]), T([1, 3])] },
    { name: 'concat axis 1 of three', f: (a, b, c) => tk.concat([a!, b!, c!], 1), inputs: [T([2, 1]), T([2, 3]), T([2, 2])] },
    { name: 'concat with a tensor used twice', f: (a) => tk.concat([a!, a!.mul(2)], -1), inputs: [T([2, 2])] },
  ],
  gather: [
    { name: 'gather axis 0 with repeated indices', f: (x) => x.gather([2, 0, 2, 2]), inputs: [T([3, 2])] },
    { name: 'gather axis 1, 2-D indices', f: (x) => x.gather(tk.tensor([[1, 0], [1, 1]]), 1), inputs: [T([2, 3, 2])] },
  ],
  pad: [{ name: 'pad', f: (x) => x.pad([[1, 0], [2, 1]], 3), inputs: [T([2, 3])] }],
  where: [
    { name: 'where broadcast', f: (a, b) => tk.where(tk.tensor([[1, 0, 1], [0, 0, 1]]), a!, b!), inputs: [T([3]), T([2, 1])] },
    { name: 'where same shape', f: (a, b) => tk.where(tk.tensor([1, 0, 0, 1]), a!, b!), inputs: [T([4]), T([4])] },
  ],
  logSoftmax: [
    { name: 'logSoftmax last axis', f: (x) => x.logSoftmax(), inputs: [T([3, 4], { lo: -3, hi: 3 })] },
    { name: 'logSoftmax axis 0', f: (x) => x.logSoftmax(0), inputs: [T([3, 4], { lo: -3, hi: 3 })] },
    { name: 'logSoftmax middle axis', f: (x) => x.logSoftmax(1), inputs: [T([2, 3, 2], { lo: -3, hi: 3 })] },
  ],
  softmaxCrossEntropyWithLogits: [
    // labels: rows of a probability distribution (soft labels exercise the Σy factor of the rule)
    { name: 'softmax CE last axis, gradients for logits and labels', f: (y, x) => tk.softmaxCrossEntropyWithLogits(y!, x!), inputs: [T([3, 4], { lo: 0, hi: 1 }), T([3, 4], { lo: -3, hi: 3 })] },
    { name: 'softmax CE axis 0, one-hot labels fixed', f: (x) => tk.softmaxCrossEntropyWithLogits(tk.tensor([[1, 0, 0], [0, 0, 1], [0, 1, 0], [0, 0, 0]]), x!, 0), inputs: [T([4, 3], { lo: -3, hi: 3 })] },
  ],
  sigmoidCrossEntropyWithLogits: [
    { name: 'sigmoid CE, gradients for labels and logits', f: (y, x) => tk.sigmoidCrossEntropyWithLogits(y!, x!), inputs: [T([2, 3], { lo: 0, hi: 1 }), T([2, 3], { lo: -4, hi: 4, awayFrom: [0], minGap: 0.05 })] },
  ],
  conv2d: [
    { name: 'conv2d valid with bias [2,5,5,3] * [3,3,3,4]', f: (x, w, b) => ops.conv2d(x!, w!, {}, b!), inputs: [T([2, 5, 5, 3]), T([3, 3, 3, 4]), T([4])] },
    { name: 'conv2d same, strides 2, no bias', f: (x, w) => ops.conv2d(x!, w!, { strides: 2, padding: 'same' }), inputs: [T([1, 6, 5, 2]), T([3, 2, 2, 3])] },
    { name: 'conv2d dilation 2', f: (x, w) => ops.conv2d(x!, w!, { dilations: 2 }), inputs: [T([1, 6, 6, 2]), T([2, 2, 2, 2])] },
    { name: 'conv2d channels_first', f: (x, w, b) => ops.conv2d(x!, w!, { dataFormat: 'channels_first', padding: 'same' }, b!), inputs: [T([2, 2, 4, 4]), T([3, 3, 2, 3]), T([3])] },
    { name: 'conv2d with fused relu (pre-activations kept away from 0)', f: (x, w, b) => ops.conv2d(x!, w!, {}, b!, 'relu'), inputs: reluSafeConvInputs() },
  ],
  maxPool2d: [
    { name: 'maxPool2d 2x2 valid', f: (x) => ops.maxPool2d(x!, 2), inputs: [distinct([2, 4, 4, 3])] },
    { name: 'maxPool2d 3x3 stride 2 same', f: (x) => ops.maxPool2d(x!, 3, 2, 'same'), inputs: [distinct([1, 5, 6, 2])] },
    { name: 'maxPool2d channels_first', f: (x) => ops.maxPool2d(x!, [2, 2], 1, 'valid', 'channels_first'), inputs: [distinct([1, 2, 3, 4])] },
  ],
  avgPool2d: [
    { name: 'avgPool2d 2x2 valid', f: (x) => ops.avgPool2d(x!, 2), inputs: [T([2, 4, 4, 3])] },
    { name: 'avgPool2d 3x3 stride 2 same (edge windows count real cells)', f: (x) => ops.avgPool2d(x!, 3, 2, 'same'), inputs: [T([1, 5, 6, 2])] },
    { name: 'avgPool2d channels_first', f: (x) => ops.avgPool2d(x!, [2, 3], 1, 'valid', 'channels_first'), inputs: [T([1, 2, 3, 4])] },
  ],
  // ---- gradient primitives: the fused backward passes as ops of their own ----
  reluGrad: [{ name: 'reluGrad(dy, x)', f: (d, x) => ops.reluGrad(d!, x!), inputs: [T([2, 3]), T([2, 3], { lo: -2, hi: 2, awayFrom: [0], minGap: 0.1 })] }],
  relu6Grad: [{ name: 'relu6Grad(dy, x)', f: (d, x) => ops.relu6Grad(d!, x!), inputs: [T([5]), T([5], { lo: -2, hi: 8, awayFrom: [0, 6], minGap: 0.1 })] }],
  sigmoidGrad: [{ name: 'sigmoidGrad(dy, y)', f: (d, y) => ops.sigmoidGrad(d!, y!), inputs: [T([2, 3]), T([2, 3], { lo: 0.1, hi: 0.9 })] }],
  tanhGrad: [{ name: 'tanhGrad(dy, y)', f: (d, y) => ops.tanhGrad(d!, y!), inputs: [T([2, 3]), T([2, 3], { lo: -0.9, hi: 0.9 })] }],
  eluGrad: [{ name: 'eluGrad(dy, y)', f: (d, y) => ops.eluGrad(d!, y!), inputs: [T([5]), T([5], { lo: -0.9, hi: 2, awayFrom: [0], minGap: 0.1 })] }],
  seluGrad: [{ name: 'seluGrad(dy, y)', f: (d, y) => ops.seluGrad(d!, y!), inputs: [T([5]), T([5], { lo: -1.5, hi: 2, awayFrom: [0], minGap: 0.1 })] }],
  clipGrad: [{ name: 'clipGrad(dy, x)', f: (d, x) => ops.clipGrad(d!, x!, -0.5, 0.7), inputs: [T([5]), T([5], { lo: -2, hi: 2, awayFrom: [-0.5, 0.7], minGap: 0.1 })] }],
  sumTo: [
    { name: 'sumTo [2,3,4] -> [3,1]', f: (x) => tk.sumTo(x!, [3, 1]), inputs: [T([2, 3, 4])] },
    { name: 'sumTo [2,3] -> []', f: (x) => tk.sumTo(x!, []), inputs: [T([2, 3])] },
  ],
  identity: [{ name: 'identity', f: (x) => tk.identity(x!), inputs: [T([2, 3])] }],
  scatterAdd: [
    { name: 'scatterAdd axis 0 with repeated indices', f: (u) => tk.scatterAdd(u!, [2, 0, 2], 4), inputs: [T([3, 2])] },
    { name: 'scatterAdd axis 1, 2-D indices', f: (u) => tk.scatterAdd(u!, tk.tensor([[1, 0], [1, 1]]), 3, 1), inputs: [T([2, 2, 2, 2])] },
  ],
  logSoftmaxGrad: [{ name: 'logSoftmaxGrad(dy, y) axis 0', f: (d, y) => ops.logSoftmaxGrad(d!, y!, 0), inputs: [T([3, 2]), T([3, 2], { lo: -3, hi: 0 })] }],
  softmaxCrossEntropyGrad: [
    { name: 'softmaxCrossEntropyGrad(dy, labels, logits)', f: (d, y, x) => ops.softmaxCrossEntropyGrad(d!, y!, x!), inputs: [T([3]), T([3, 4], { lo: 0, hi: 1 }), T([3, 4], { lo: -3, hi: 3 })] },
  ],
  sigmoidCrossEntropyGrad: [
    { name: 'sigmoidCrossEntropyGrad(dy, labels, logits)', f: (d, y, x) => ops.sigmoidCrossEntropyGrad(d!, y!, x!), inputs: [T([2, 3]), T([2, 3], { lo: 0, hi: 1 }), T([2, 3], { lo: -3, hi: 3 })] },
  ],
  conv2dBackpropInput: [
    { name: 'conv2dBackpropInput strides 2 same', f: (d, w) => tk.conv2dBackpropInput(d!, w!, [2, 5, 5, 2], { strides: 2, padding: 'same' }), inputs: [T([2, 3, 3, 3]), T([3, 3, 2, 3])] },
  ],
  conv2dBackpropFilter: [
    { name: 'conv2dBackpropFilter valid', f: (d, x) => tk.conv2dBackpropFilter(d!, x!, [2, 2, 2, 3]), inputs: [T([2, 3, 3, 3]), T([2, 4, 4, 2])] },
  ],
  maxPoolGrad: [{ name: 'maxPoolGrad(dy, x) 2×2', f: (d, x) => ops.maxPoolGrad(d!, x!, 2), inputs: [T([1, 2, 2, 2]), distinct([1, 4, 4, 2])] }],
  maxPoolGradGrad: [{ name: 'maxPoolGradGrad(g, x) 3×3 stride 2 same', f: (g, x) => ops.maxPoolGradGrad(g!, x!, 3, 2, 'same'), inputs: [T([1, 5, 5, 1]), distinct([1, 5, 5, 1])] }],
  avgPoolGrad: [{ name: 'avgPoolGrad(dy) 2×2 valid', f: (d) => ops.avgPoolGrad(d!, [1, 4, 4, 2], 2), inputs: [T([1, 2, 2, 2])] }],
  sparsemax: [
    { name: 'sparsemax last axis (supports away from the threshold)', f: (x) => tk.activations.sparsemax(x!), inputs: [tk.tensor([[1, 0.6, -0.5, -1], [-2, 0.4, 0.3, 0.25]])] },
  ],
  // ---- the image ops (transposed, depthwise and 3-D convolutions, 3-D pooling, resizing) ----
  conv2dTranspose: [
    { name: 'conv2dTranspose 3x3 stride 2 same, bias', f: (x, w, b) => ops.conv2dTranspose(x!, w!, { strides: 2, padding: 'same' }, b!), inputs: [T([1, 3, 3, 2]), T([3, 3, 2, 2]), T([2])] },
    { name: 'conv2dTranspose valid, outputPadding 1', f: (x, w) => ops.conv2dTranspose(x!, w!, { strides: 2, outputPadding: 1 }), inputs: [T([1, 2, 3, 1]), T([2, 3, 2, 1])] },
  ],
  depthwiseConv2d: [{ name: 'depthwiseConv2d M 2 same stride 2, bias', f: (x, w, b) => ops.depthwiseConv2d(x!, w!, { strides: 2, padding: 'same' }, b!), inputs: [T([1, 5, 4, 2]), T([3, 3, 2, 2]), T([4])] }],
  depthwiseConv2dBackpropInput: [{ name: 'depthwiseConv2dBackpropInput', f: (d, w) => ops.depthwiseConv2dBackpropInput(d!, w!, [1, 4, 4, 2], { padding: 'same' }), inputs: [T([1, 4, 4, 2]), T([3, 3, 2, 1])] }],
  depthwiseConv2dBackpropFilter: [{ name: 'depthwiseConv2dBackpropFilter', f: (d, x) => ops.depthwiseConv2dBackpropFilter(d!, x!, [2, 2, 2, 2], {}), inputs: [T([1, 3, 3, 4]), T([1, 4, 4, 2])] }],
  conv3d: [{ name: 'conv3d 2x2x2 same, bias', f: (x, w, b) => ops.conv3d(x!, w!, { padding: 'same' }, b!), inputs: [T([1, 2, 3, 3, 2]), T([2, 2, 2, 2, 2]), T([2])] }],
  conv3dBackpropInput: [{ name: 'conv3dBackpropInput', f: (d, w) => ops.conv3dBackpropInput(d!, w!, [1, 3, 3, 3, 1], {}), inputs: [T([1, 2, 2, 2, 2]), T([2, 2, 2, 1, 2])] }],
  conv3dBackpropFilter: [{ name: 'conv3dBackpropFilter', f: (d, x) => ops.conv3dBackpropFilter(d!, x!, [2, 2, 2, 1, 2], {}), inputs: [T([1, 2, 2, 2, 2]), T([1, 3, 3, 3, 1])] }],
  maxPool3d: [{ name: 'maxPool3d 2x2x2', f: (x) => ops.maxPool3d(x!, 2), inputs: [distinct([1, 4, 4, 2, 2])] }],
  maxPool3dGrad: [{ name: 'maxPool3dGrad (the recorded backward of maxPool3d)', f: backwardFn(() => ops.maxPool3d(watch(distinct([1, 4, 4, 2, 1])), 2)), inputs: [T([1, 2, 2, 1, 1])] }],
  maxPool3dGradGrad: [{ name: 'maxPool3dGradGrad (the backward of maxPool3dGrad)', f: backwardFn(() => backwardOf(ops.maxPool3d(watch(distinct([1, 4, 4, 2, 1])), 2), watch(T([1, 2, 2, 1, 1])))), inputs: [T([1, 4, 4, 2, 1])] }],
  avgPool3d: [{ name: 'avgPool3d 3x3x3 stride 2 same', f: (x) => ops.avgPool3d(x!, 3, 2, 'same'), inputs: [T([1, 3, 4, 5, 2])] }],
  avgPool3dGrad: [{ name: 'avgPool3dGrad (the recorded backward of avgPool3d)', f: backwardFn(() => ops.avgPool3d(watch(T([1, 4, 4, 2, 2])), 2)), inputs: [T([1, 2, 2, 1, 2])] }],
  resizeBilinear: [{ name: 'resizeBilinear 3x4 → 5x7', f: (x) => ops.resizeBilinear(x!, [5, 7]), inputs: [T([2, 3, 4, 2])] }],
  resizeBilinearGrad: [{ name: 'resizeBilinearGrad (the recorded backward of resizeBilinear)', f: backwardFn(() => ops.resizeBilinear(watch(T([1, 3, 4, 2])), [5, 7])), inputs: [T([1, 5, 7, 2])] }],
  // recurrent sequences (their own stream: the draws above stay as they were)
  lstmSequence: [
    { name: 'lstmSequence masked', f: (x, u, h, c) => ops.lstmSequence(x!, u!, h!, c!, { ...RNN_ACTS, mask: RNN_MASK }), inputs: [R([3, 2, 8]), R([2, 8]), R([2, 2]), R([2, 2])] },
    { name: 'lstmSequence goBackwards', f: (x, u, h, c) => ops.lstmSequence(x!, u!, h!, c!, { ...RNN_ACTS, goBackwards: true }), inputs: [R([3, 2, 8]), R([2, 8]), R([2, 2]), R([2, 2])] },
  ],
  gruSequence: [
    { name: 'gruSequence masked', f: (x, u, b, h) => ops.gruSequence(x!, u!, b!, h!, { ...RNN_ACTS, mask: RNN_MASK }), inputs: [R([3, 2, 6]), R([2, 6]), R([6]), R([2, 2])] },
    { name: 'gruSequence goBackwards', f: (x, u, b, h) => ops.gruSequence(x!, u!, b!, h!, { ...RNN_ACTS, goBackwards: true }), inputs: [R([3, 2, 6]), R([2, 6]), R([6]), R([2, 2])] },
  ],
  simpleRnnSequence: [
    { name: 'simpleRnnSequence masked', f: (x, u, h) => ops.simpleRnnSequence(x!, u!, h!, { ...RNN_ACTS, mask: RNN_MASK }), inputs: [R([3, 2, 2]), R([2, 2]), R([2, 2])] },
    { name: 'simpleRnnSequence goBackwards', f: (x, u, h) => ops.simpleRnnSequence(x!, u!, h!, { ...RNN_ACTS, goBackwards: true }), inputs: [R([3, 2, 2]), R([2, 2]), R([2, 2])] },
  ],
  // ---- composites ----
  sub: binaryCases('sub', (a, b) => a.sub(b)),
  softmax: [
    { name: 'softmax last axis', f: (x) => x.softmax(), inputs: [T([3, 4], { lo: -3, hi: 3 })] },
    { name: 'softmax axis 0', f: (x) => x.softmax(0), inputs: [T([3, 4], { lo: -3, hi: 3 })] },
  ],
  stack: [
    { name: 'stack axis 0', f: (a, b) => tk.stack([a!, b!]), inputs: [T([2, 3]), T([2, 3])] },
    { name: 'stack axis -1', f: (a, b) => tk.stack([a!, b!], -1), inputs: [T([2, 3]), T([2, 3])] },
  ],
  expandDims: [{ name: 'expandDims -1', f: (x) => x.expandDims(-1).mul(tk.tensor([[[1], [2]], [[3], [4]]])), inputs: [T([2, 2])] }],
  squeeze: [{ name: 'squeeze', f: (x) => x.squeeze().mul(tk.tensor([1, -2, 3])), inputs: [T([1, 3, 1])] }],
  // composites built on several primitives, as users write them
  'mse-style loss': [{ name: 'mean((x·w + b − y)²)', f: (w, b) => tk.tensor([[1, 2], [3, 4], [5, 6]]).matmul(w!).add(b!).sub(tk.tensor([[1], [0], [1]])).square().mean(), inputs: [T([2, 1]), T([1])] }],
};

const COMPOSITES = ['sub', 'softmax', 'stack', 'expandDims', 'squeeze', 'mse-style loss'];

/** The op names recorded when f runs on inputs that require gradients. */
function recordedOps(c: Case): Set<string> {
  const vars = c.inputs.map((x) => tk.variable(x));
  const y = c.f(...vars);
  const ops = new Set<string>();
  const stack: tk.Tensor[] = [y];
  const seen = new Set<tk.Tensor>();
  while (stack.length > 0) {
    const t = stack.pop()!;
    if (seen.has(t) || t.node === null) continue;
    seen.add(t);
    ops.add(t.node.op);
    stack.push(...t.node.inputs);
  }
  return ops;
}

/**
 * A correct backward gives a float32 rounding-level error (≈1e-4); a wrong one gives order 1.
 * 1e-3 leaves room for the rounding noise of f ≈ 10 without letting a wrong rule through.
 */
const TOLERANCE = 1e-3;

describe('tk.checkGradients on every primitive', () => {
  it('every primitive in tk.primitives has gradient checks (the list cannot drift)', () => {
    const missing = tk.primitives.map((p) => p.op).filter((op) => !(op in CASES) || CASES[op]!.length === 0);
    expect(missing, 'primitives without a gradient check').toEqual([]);
    const unknown = Object.keys(CASES).filter((k) => !tk.primitives.some((p) => p.op === k) && !COMPOSITES.includes(k));
    expect(unknown, 'cases naming no primitive').toEqual([]);
  });

  for (const [op, cases] of Object.entries(CASES)) {
    describe(op, () => {
      for (const c of cases) {
        it(c.name, () => {
          if (!COMPOSITES.includes(op)) expect([...recordedOps(c)], `${c.name} must record '${op}'`).toContain(op);
          const report = tk.gradientCheckReport(c.f, c.inputs);
          expect(report.maxError, JSON.stringify(report)).toBeLessThan(TOLERANCE);
        });
      }
    });
  }
});

describe('checkGradients catches wrong gradients', () => {
  /** square with a deliberately wrong backward: dx = dy·x (the factor 2 is missing). */
  function badSquare(x: tk.Tensor): tk.Tensor {
    const out = new Tensor(Float32Array.from(x.data, (v) => v * v), x.shape);
    return record('badSquare', [x], out, (dy) => [dy.mul(x)]);
  }
  /** a correct square built the same way, as a control. */
  function goodSquare(x: tk.Tensor): tk.Tensor {
    const out = new Tensor(Float32Array.from(x.data, (v) => v * v), x.shape);
    return record('goodSquare', [x], out, (dy) => [dy.mul(x).mul(2)]);
  }
  /** a backward that forgets to un-broadcast nothing but swaps the two inputs' gradients. */
  function swappedMul(a: tk.Tensor, b: tk.Tensor): tk.Tensor {
    const out = new Tensor(Float32Array.from(a.data, (v, i) => v * b.data[i]!), a.shape);
    return record('swappedMul', [a, b], out, (dy) => [dy.mul(a), dy.mul(b)]);
  }

  it('a missing factor 2 gives a large error, located in the report', () => {
    const x = T([3, 4], { lo: 1, hi: 2 });
    const report = tk.gradientCheckReport((x) => badSquare(x).sum(), [x]);
    expect(report.maxError).toBeGreaterThan(0.3);
    expect(report.input).toBe(0);
    expect(report.numeric / report.analytic).toBeCloseTo(2, 2);
    expect(tk.checkGradients((x) => badSquare(x).sum(), [x])).toBeGreaterThan(0.3);
    expect(tk.checkGradients((x) => goodSquare(x).sum(), [x])).toBeLessThan(TOLERANCE);
  });

  it('for a non-scalar f too (the random projection)', () => {
    const x = T([5], { lo: 1, hi: 2 });
    expect(tk.checkGradients((x) => badSquare(x), [x])).toBeGreaterThan(0.3);
    expect(tk.checkGradients((x) => goodSquare(x), [x])).toBeLessThan(TOLERANCE);
  });

  it('swapped gradients of a two-input op', () => {
    const a = T([4], { lo: 1, hi: 2 });
    const b = T([4], { lo: -3, hi: -2 });
    expect(tk.checkGradients((a, b) => swappedMul(a, b).sum(), [a, b])).toBeGreaterThan(0.5);
  });

  it('a gradient off by a little (1%) on small values is still caught', () => {
    function slightlyOff(x: tk.Tensor): tk.Tensor {
      return record('slightlyOff', [x], new Tensor(x.data.slice(), x.shape), (dy) => [dy.mul(1.01)]);
    }
    expect(tk.checkGradients((x) => slightlyOff(x).sum(), [T([3])])).toBeGreaterThan(5e-3);
  });

  it('does not change its inputs', () => {
    const x = T([3, 3]);
    const copy = Array.from(x.data);
    tk.checkGradients((x) => x.tanh().sum(), [x]);
    expect(Array.from(x.data)).toEqual(copy);
  });
});
