// Test helpers for layers: finite-difference checks of a layer's gradients with respect to its
// own weights (tk.checkGradients covers the input), and a fixed random projection.

import * as tk from '../../src/index.js';
import type { Layer, CallArgs } from '../../src/layers/index.js';
import { rng } from '../helpers/index.js';

/** A fixed pseudo-random tensor of `shape` with values in [lo, hi). */
export function randomTensor(shape: number[], seed: number, lo = -1, hi = 1): tk.Tensor {
  const r = rng(seed);
  const n = shape.reduce((a, b) => a * b, 1);
  const data = new Float32Array(n);
  for (let i = 0; i < n; i++) data[i] = lo + (hi - lo) * r();
  return tk.tensor(data, shape);
}

/**
 * The largest error between the tape's gradient of Σ layer(x)·r with respect to each trainable
 * weight and a Richardson-extrapolated central difference (the scheme of tk.checkGradients),
 * measured as |analytic − numeric| / max(1, |analytic|, |numeric|).
 */
export function weightGradientError(layer: Layer, x: tk.Tensor, args: CallArgs = {}, h = 1e-2): number {
  const probe = tk.noGrad(() => layer.apply(x, args));
  const direction = randomTensor([...probe.shape], 99);
  const loss = (): tk.Tensor => tk.sum(tk.mul(layer.apply(x, args), direction));
  const weights = layer.trainableWeights;
  const { grads } = tk.variableGrads(loss, weights);
  let worst = 0;
  tk.noGrad(() => {
    const project = (): number => loss().item();
    weights.forEach((w, k) => {
      for (let i = 0; i < w.size; i++) {
        const x0 = w.data[i]!;
        const slope = (step: number): number => {
          w.data[i] = x0 + step;
          const up = w.data[i]!;
          const fUp = project();
          w.data[i] = x0 - step;
          const down = w.data[i]!;
          const fDown = project();
          return (fUp - fDown) / (up - down);
        };
        const d1 = slope(h);
        const d2 = slope(h / 2);
        w.data[i] = x0;
        const numeric = (4 * d2 - d1) / 3;
        const analytic = grads[k]!.data[i]!;
        const error = Math.abs(analytic - numeric) / Math.max(1, Math.abs(analytic), Math.abs(numeric));
        worst = Math.max(worst, Number.isNaN(error) ? Infinity : error);
      }
    });
  });
  return worst;
}
