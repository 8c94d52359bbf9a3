// Finite-difference gradient checking: the independent referee of every backward rule.

import { Tensor, toTensor, type TensorLike } from '../tensor/tensor.js';
import { Random } from '../tensor/random.js';
import { noGrad, valueAndGradWithSeed } from './tape.js';

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

/** {@link checkGradients} with the location of the worst disagreement. */
export function gradientCheckReport(f: (...args: Tensor[]) => Tensor, inputs: readonly TensorLike[], options: CheckGradientsOptions = {}): GradientCheckReport {
  const h = options.epsilon ?? 1e-2;
  const xs = inputs.map((x) => {
    const t = toTensor(x, 'checkGradients');
    return new Tensor(t.data.slice(), t.shape); // private copies: we perturb them in place
  });
  const probe = noGrad(() => f(...xs));
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

  const report: GradientCheckReport = { maxError: 0, input: -1, index: -1, analytic: 0, numeric: 0 };
  noGrad(() => {
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
      for (let i = 0; i < x.size; i++) {
        const x0 = x.data[i]!;
        const d1 = slope(x, i, x0, h);
        const d2 = slope(x, i, x0, h / 2);
        x.data[i] = x0;
        const numeric = (4 * d2 - d1) / 3;
        const analytic = grads[k]!.data[i]!;
        const error = Math.abs(analytic - numeric) / Math.max(1, Math.abs(analytic), Math.abs(numeric));
        if (error > report.maxError || Number.isNaN(error)) {
          Object.assign(report, { maxError: Number.isNaN(error) ? Infinity : error, input: k, index: i, analytic, numeric });
          if (Number.isNaN(error)) return;
        }
      }
    });
  });
  return report;
}
