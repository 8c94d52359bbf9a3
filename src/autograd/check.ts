// Finite-difference gradient checking: the independent referee of every backward rule.

import { primitives } from '../ops/index.js';
import { Tensor, toTensor, type TensorLike } from '../tensor/tensor.js';
import { formatShape } from '../tensor/shape.js';
import { Random } from '../tensor/random.js';
import { differentiating, tapeOf, valueAndGradWithSeed } from './tape.js';

/** Options of {@link checkGradients}. */
export interface CheckGradientsOptions {
  /** Finite-difference step h (default 1e-2; see the note on accuracy). */
  epsilon?: number;
  /** Seed of the random projection used when f returns a non-scalar (default 0). */
  seed?: number;
}

/** Where analytic and numeric gradients disagree most. */
export interface GradientCheckReport {
  /** The largest error, |analytic − numeric| / max(1, |analytic|, |numeric|). */
  maxError: number;
  /** Which input (argument index) holds it. */
  input: number;
  /** Flat element index within that input. */
  index: number;
  /** The backward pass's value there. */
  analytic: number;
  /** The finite-difference value there. */
  numeric: number;
  /** The shape of that input ([] when no input was checked). */
  shape: number[];
  /** The element's position in that input, one index per axis (`index` unraveled). */
  position: number[];
  /** The worst disagreement in each input, in argument order. */
  inputs: GradientCheckInput[];
  /** The ops `f` records on the tape, in the order it records them (each once). */
  ops: string[];
}

/** The worst disagreement within one input of a gradient check. */
export interface GradientCheckInput {
  /** Argument index. */
  input: number;
  /** The shape of this input. */
  shape: number[];
  /** The largest error in this input (0 for an empty input). */
  maxError: number;
  /** Flat index, and position per axis, of that element (-1 and [] when the input is empty). */
  index: number;
  /** The element's position in this input, one index per axis (`index` unraveled; [] when empty). */
  position: number[];
  /** The backward pass's gradient at that element. */
  analytic: number;
  /** The finite-difference gradient at that element. */
  numeric: number;
}

/**
 * Compares the tape's gradients of `f` with central finite differences at `inputs`, and
 * returns the largest error, |analytic − numeric| / max(1, |analytic|, |numeric|): a relative
 * error for gradients above 1, an absolute one below. A correct backward gives ~1e-4 or less
 * in float32; a wrong one gives errors of order 1.
 *
 * When `f` returns a non-scalar, both sides differentiate the projection Σ f(x)·r onto a fixed
 * random direction r, which checks every output at once.
 *
 * `f` may take gradients itself (`tk.grad` inside it): the check then compares a second derivative,
 * from the recorded backward pass, with finite differences of the first-order gradient. So the
 * finite-difference evaluations run with the tape on (on inputs that require no gradient, they
 * record nothing but the gradients `f` asks for).
 *
 * NOTE (accuracy): the forward runs in float32, so a plain central difference with step h has
 * rounding noise ~1e-7·|f|/h and truncation error ~h²·|f'''|/6. The step is Richardson-
 * extrapolated, (4·D(h/2) − D(h))/3, which cancels the h² term, so h = 1e-2 keeps the noise
 * small without the truncation error growing.
 *
 * @example
 * ```ts
 * const err = tk.checkGradients((x) => x.tanh().sum(), [tk.randomNormal([3, 4])]);
 * err < 1e-3;   // true
 * ```
 */
export function checkGradients(f: (...args: Tensor[]) => Tensor, inputs: readonly TensorLike[], options: CheckGradientsOptions = {}): number {
  return gradientCheckReport(f, inputs, options).maxError;
}

/**
 * {@link checkGradients} with the location of the worst disagreement: which input, which element,
 * both values, the worst error of every input, and the ops `f` recorded.
 *
 * @example
 * ```ts
 * const r = tk.gradientCheckReport((a, b) => a.mul(b).sum(), [tk.tensor([1, 2]), tk.tensor([3, 4])]);
 * r.maxError < 1e-3;   // true
 * r.inputs.length;     // 2: one entry per argument
 * ```
 */
export function gradientCheckReport(f: (...args: Tensor[]) => Tensor, inputs: readonly TensorLike[], options: CheckGradientsOptions = {}): GradientCheckReport {
  const h = options.epsilon ?? 1e-2;
  const xs = inputs.map((x) => {
    const t = toTensor(x, 'checkGradients');
    return new Tensor(t.data.slice(), t.shape); // private copies: we perturb them in place
  });
  const probe = f(...xs);
  let direction: Float32Array | null = null;
  if (probe.size !== 1) {
    const rng = new Random(options.seed ?? 0);
    direction = new Float32Array(probe.size);
    for (let i = 0; i < direction.length; i++) direction[i] = rng.normal();
  }
  const project = (y: Tensor): number => {
    let s = 0;
    for (let i = 0; i < y.size; i++) s += y.data[i]! * (direction === null ? 1 : direction[i]!);
    return s;
  };
  const seed = direction === null ? undefined : new Tensor(direction, probe.shape);
  const { grads } = valueAndGradWithSeed(f, xs, seed);

  const report: GradientCheckReport = { maxError: 0, input: -1, index: -1, analytic: 0, numeric: 0, shape: [], position: [], inputs: [], ops: recordedOps(f, xs) };
  // NOTE: x ± h is stored in float32, so divide by the step actually taken, not by 2h.
  const slope = (x: Tensor, i: number, x0: number, step: number): number => {
    x.data[i] = x0 + step;
    const up = x.data[i]!;
    const fUp = project(f(...xs));
    x.data[i] = x0 - step;
    const down = x.data[i]!;
    const fDown = project(f(...xs));
    return (fUp - fDown) / (up - down);
  };
  xs.forEach((x, k) => {
    const worst: GradientCheckInput = { input: k, shape: x.shape.slice(), maxError: 0, index: -1, position: [], analytic: 0, numeric: 0 };
    report.inputs.push(worst);
    for (let i = 0; i < x.size; i++) {
      const x0 = x.data[i]!;
      const d1 = slope(x, i, x0, h);
      const d2 = slope(x, i, x0, h / 2);
      x.data[i] = x0;
      const numeric = (4 * d2 - d1) / 3;
      const analytic = grads[k]!.data[i]!;
      const error = Math.abs(analytic - numeric) / Math.max(1, Math.abs(analytic), Math.abs(numeric));
      if (error > worst.maxError || worst.index === -1 || Number.isNaN(error)) {
        Object.assign(worst, { maxError: Number.isNaN(error) ? Infinity : error, index: i, position: unravel(i, x.shape), analytic, numeric });
        if (Number.isNaN(error)) break;
      }
    }
    if (worst.index !== -1 && (worst.maxError > report.maxError || report.input === -1)) {
      Object.assign(report, { maxError: worst.maxError, input: k, index: worst.index, analytic: worst.analytic, numeric: worst.numeric, shape: worst.shape, position: worst.position });
    }
  });
  return report;
}

/**
 * The distinct ops `f` records at `xs`, in tape order (one extra forward pass, differentiated as
 * the check does, so the backward ops of a `tk.grad` inside f are listed too).
 */
function recordedOps(f: (...args: Tensor[]) => Tensor, xs: readonly Tensor[]): string[] {
  const watched = xs.map((x) => {
    const w = new Tensor(x.data.slice(), x.shape);
    w.requiresGrad = true;
    return w;
  });
  const y = differentiating(() => f(...watched));
  const ops = tapeOf(y).reverse().map((t) => t.node!.op);
  return [...new Set(ops)];
}

function unravel(flat: number, shape: readonly number[]): number[] {
  const out = new Array<number>(shape.length);
  for (let axis = shape.length - 1; axis >= 0; axis--) {
    out[axis] = flat % shape[axis]!;
    flat = Math.floor(flat / shape[axis]!);
  }
  return out;
}

/** Options of {@link explainGradientCheck}. */
export interface ExplainOptions {
  /** The error above which the check fails (default 1e-3, the library's own tolerance). */
  tolerance?: number;
  /** Names of the inputs, in argument order (default `input 0`, `input 1`, ...). */
  names?: readonly string[];
}

/**
 * A gradient check report as text a learner can act on: passed or failed, which input and which
 * element disagree most, the backward pass's value against the finite difference, the worst
 * error of every input, and the ops `f` recorded, with the ones whose backward is not one of the
 * library's primitives (your `customGrad`s, the usual suspects) pointed out.
 *
 * @example
 * ```ts
 * const report = tk.gradientCheckReport((a, b) => myOp(a, b).sum(), [a, b]);
 * console.log(tk.explainGradientCheck(report, { names: ['a', 'b'] }));
 * // gradient check FAILED: max error 5.00e-1 > tolerance 0.001
 * //   worst: b (input 1), shape [3], element 0 (position [0])
 * //     analytic (backward pass)     1
 * //     numeric (finite difference)  2.000064
 * //   ...
 * ```
 */
export function explainGradientCheck(report: GradientCheckReport, options: ExplainOptions = {}): string {
  const tolerance = options.tolerance ?? 1e-3;
  const nameOf = (k: number): string => options.names?.[k] ?? `input ${k}`;
  const passed = report.maxError <= tolerance;
  const err = (e: number): string => (Number.isFinite(e) ? e.toExponential(2) : String(e));
  const num = (v: number): string => (Number.isFinite(v) ? String(Number(v.toPrecision(7))) : String(v));
  const lines = [`gradient check ${passed ? 'passed' : 'FAILED'}: max error ${err(report.maxError)} ${passed ? '≤' : '>'} tolerance ${tolerance}`];
  if (report.input >= 0) {
    const named = options.names?.[report.input] === undefined ? `input ${report.input}` : `${nameOf(report.input)} (input ${report.input})`;
    lines.push(`  ${passed ? 'largest error at' : 'worst'}: ${named}, shape ${formatShape(report.shape)}, element ${report.index} (position [${report.position.join(', ')}])`);
    lines.push(`    analytic (backward pass)     ${num(report.analytic)}`);
    lines.push(`    numeric (finite difference)  ${num(report.numeric)}`);
    if (!passed && report.analytic !== 0 && Number.isFinite(report.numeric / report.analytic)) {
      lines.push(`    numeric / analytic           ${num(report.numeric / report.analytic)}`);
    }
  }
  if (report.inputs.length > 0) {
    lines.push('  per input:');
    const width = Math.max(...report.inputs.map((x) => nameOf(x.input).length));
    for (const x of report.inputs) {
      const where = x.index === -1 ? 'empty' : `max error ${err(x.maxError)} at element ${x.index} [${x.position.join(', ')}]`;
      const verdict = x.index === -1 ? '' : x.maxError <= tolerance ? '  ok' : `  WRONG (analytic ${num(x.analytic)}, numeric ${num(x.numeric)})`;
      lines.push(`    ${nameOf(x.input).padEnd(width)}  shape ${formatShape(x.shape)}  ${where}${verdict}`);
    }
  }
  if (report.ops.length > 0) {
    const known = new Set(primitives.map((p) => p.op));
    const custom = report.ops.filter((op) => !known.has(op));
    lines.push(`  ops recorded by f: ${report.ops.join(', ')}`);
    if (custom.length > 0) {
      lines.push(`  ops with a backward outside tk.primitives (${passed ? 'checked above' : 'check these first'}): ${custom.join(', ')}`);
    }
  }
  return lines.join('\n');
}
