// The losses as metrics (keras/src/metrics/{probabilistic,hinge}_metrics.py): crossentropies,
// KL divergence, Poisson and the hinges, averaged over every sample seen. Smaller is better.

import {
  binaryCrossentropy, categoricalCrossentropy, sparseCategoricalCrossentropy,
  type CrossentropyOptions, type SparseCrossentropyOptions,
} from '../losses/crossentropy.js';
import { categoricalHinge, hinge, squaredHinge } from '../losses/hinge.js';
import { klDivergence, poisson } from '../losses/probabilistic.js';
import { MeanMetricWrapper } from './metric.js';
import type { MetricOptions } from './regression.js';

/**
 * Mean binary crossentropy (default name 'binary_crossentropy').
 *
 * @example
 * ```ts
 * const m = new tk.metrics.BinaryCrossentropy();
 * m.update(tk.tensor([[0, 1]]), tk.tensor([[0.4, 0.6]]));
 * m.result();   // 0.5108
 * ```
 */
export class BinaryCrossentropy extends MeanMetricWrapper {
  constructor(options: MetricOptions & Omit<CrossentropyOptions, 'axis'> = {}) {
    const { fromLogits = false, labelSmoothing = 0 } = options;
    super((t, p) => binaryCrossentropy(t, p, { fromLogits, labelSmoothing }), { name: options.name ?? 'binary_crossentropy', direction: 'min' });
  }
}

/**
 * Mean categorical crossentropy, one-hot labels (default name 'categorical_crossentropy').
 *
 * @example
 * ```ts
 * const m = new tk.metrics.CategoricalCrossentropy();
 * m.update(tk.tensor([[0, 1, 0]]), tk.tensor([[0.05, 0.95, 0]]));
 * m.result();   // 0.0513
 * ```
 */
export class CategoricalCrossentropy extends MeanMetricWrapper {
  constructor(options: MetricOptions & CrossentropyOptions = {}) {
    const { fromLogits = false, labelSmoothing = 0, axis = -1 } = options;
    super((t, p) => categoricalCrossentropy(t, p, { fromLogits, labelSmoothing, axis }), { name: options.name ?? 'categorical_crossentropy', direction: 'min' });
  }
}

/**
 * Mean sparse categorical crossentropy, integer labels (default name
 * 'sparse_categorical_crossentropy'); samples labelled `ignoreClass` are left out.
 *
 * @example
 * ```ts
 * const m = new tk.metrics.SparseCategoricalCrossentropy();
 * m.update(tk.tensor([1]), tk.tensor([[0.05, 0.95, 0]]));
 * m.result();   // 0.0513
 * ```
 */
export class SparseCategoricalCrossentropy extends MeanMetricWrapper {
  constructor(options: MetricOptions & SparseCrossentropyOptions = {}) {
    const { fromLogits = false, ignoreClass = null, axis = -1 } = options;
    super((t, p) => sparseCategoricalCrossentropy(t, p, { fromLogits, ignoreClass, axis }), { name: options.name ?? 'sparse_categorical_crossentropy', direction: 'min' });
  }
}

/**
 * Mean Kullback-Leibler divergence (default name 'kl_divergence').
 *
 * @example
 * ```ts
 * const m = new tk.metrics.KLDivergence();
 * m.update(tk.tensor([[0.5, 0.5]]), tk.tensor([[0.25, 0.75]]));
 * m.result();   // 0.1438
 * ```
 */
export class KLDivergence extends MeanMetricWrapper {
  constructor(options: MetricOptions = {}) {
    super((t, p) => klDivergence(t, p), { name: options.name ?? 'kl_divergence', direction: 'min' });
  }
}

/**
 * Mean Poisson loss (default name 'poisson').
 *
 * @example
 * ```ts
 * const m = new tk.metrics.Poisson();
 * m.update(tk.tensor([[1, 2]]), tk.tensor([[1, 1]]));
 * m.result();   // 1
 * ```
 */
export class Poisson extends MeanMetricWrapper {
  constructor(options: MetricOptions = {}) {
    super((t, p) => poisson(t, p), { name: options.name ?? 'poisson', direction: 'min' });
  }
}

/**
 * Mean hinge loss (default name 'hinge').
 *
 * @example
 * ```ts
 * const m = new tk.metrics.Hinge();
 * m.update(tk.tensor([[1], [-1]]), tk.tensor([[0.3], [0.4]]));
 * m.result();   // 1.05
 * ```
 */
export class Hinge extends MeanMetricWrapper {
  constructor(options: MetricOptions = {}) {
    super((t, p) => hinge(t, p), { name: options.name ?? 'hinge', direction: 'min' });
  }
}

/**
 * Mean squared hinge loss (default name 'squared_hinge').
 *
 * @example
 * ```ts
 * const m = new tk.metrics.SquaredHinge();
 * m.update(tk.tensor([[1]]), tk.tensor([[0.5]]));
 * m.result();   // 0.25
 * ```
 */
export class SquaredHinge extends MeanMetricWrapper {
  constructor(options: MetricOptions = {}) {
    super((t, p) => squaredHinge(t, p), { name: options.name ?? 'squared_hinge', direction: 'min' });
  }
}

/**
 * Mean categorical hinge loss (default name 'categorical_hinge').
 *
 * @example
 * ```ts
 * const m = new tk.metrics.CategoricalHinge();
 * m.update(tk.tensor([[0, 1]]), tk.tensor([[0.3, 0.6]]));
 * m.result();   // 0.7
 * ```
 */
export class CategoricalHinge extends MeanMetricWrapper {
  constructor(options: MetricOptions = {}) {
    super((t, p) => categoricalHinge(t, p), { name: options.name ?? 'categorical_hinge', direction: 'min' });
  }
}
