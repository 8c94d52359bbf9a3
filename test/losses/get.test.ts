// getLoss: every spelling of every loss (Keras snake_case, aliases, class names, TF.js camelCase),
// instances and functions, 'crossentropy' resolved by shapes, and unknown names.

import { describe, expect, it } from 'vitest';
import * as tk from '../../src/index.js';
import { expectClose } from '../helpers/index.js';

const L = tk.losses;

// One fixture every loss accepts: labels in {0, 1}, one-hot rows, predictions in (0, 1).
const y = tk.tensor([[0, 1, 0], [1, 0, 0]]);
const p = tk.tensor([[0.2, 0.7, 0.1], [0.5, 0.25, 0.25]]);

describe('getLoss', () => {
  const spellings: [string[], (t: tk.Tensor, q: tk.Tensor) => tk.Tensor][] = [
    [['mean_squared_error', 'mse', 'MSE', 'meanSquaredError', 'MeanSquaredError'], L.meanSquaredError],
    [['mean_absolute_error', 'mae', 'MAE', 'meanAbsoluteError', 'MeanAbsoluteError'], L.meanAbsoluteError],
    [['mean_absolute_percentage_error', 'mape', 'MAPE', 'meanAbsolutePercentageError', 'MeanAbsolutePercentageError'], L.meanAbsolutePercentageError],
    [['mean_squared_logarithmic_error', 'msle', 'MSLE', 'meanSquaredLogarithmicError', 'MeanSquaredLogarithmicError'], L.meanSquaredLogarithmicError],
    [['huber', 'Huber', 'huber_loss'], (t, q) => L.huber(t, q)],
    [['log_cosh', 'logcosh', 'LogCosh', 'logCosh'], L.logCosh],
    [['binary_crossentropy', 'bce', 'BCE', 'binaryCrossentropy', 'BinaryCrossentropy'], (t, q) => L.binaryCrossentropy(t, q)],
    [['categorical_crossentropy', 'categoricalCrossentropy', 'CategoricalCrossentropy'], (t, q) => L.categoricalCrossentropy(t, q)],
    [['kl_divergence', 'kld', 'KLD', 'kullback_leibler_divergence', 'kullbackLeiblerDivergence', 'KLDivergence'], L.klDivergence],
    [['poisson', 'Poisson'], L.poisson],
    [['cosine_similarity', 'cosineProximity', 'cosineSimilarity', 'CosineSimilarity'], (t, q) => L.cosineSimilarity(t, q)],
    [['hinge', 'Hinge'], L.hinge],
    [['squared_hinge', 'squaredHinge', 'SquaredHinge'], L.squaredHinge],
    [['categorical_hinge', 'categoricalHinge', 'CategoricalHinge'], L.categoricalHinge],
  ];
  for (const [names, fn] of spellings) {
    it(`${names.join(' / ')}`, () => {
      const expected = fn(y, p).mean().item();
      for (const name of names) {
        const loss = L.getLoss(name);
        expect(loss).toBeInstanceOf(L.Loss);
        expectClose([loss.compute(y, p).item()], [expected], { rtol: 1e-6 });
      }
    });
  }

  it('sparse_categorical_crossentropy by name, alias and class', () => {
    const ids = tk.tensor([1, 0]);
    const expected = L.sparseCategoricalCrossentropy(ids, p).mean().item();
    for (const name of ['sparse_categorical_crossentropy', 'sparseCategoricalCrossentropy', 'SparseCategoricalCrossentropy']) {
      expectClose([L.getLoss(name).compute(ids, p).item()], [expected], { rtol: 1e-6 });
    }
  });

  it('names: a function name keeps the string given, a class name gives the class default (as Keras compile)', () => {
    expect(L.getLoss('mse').name).toBe('mse');
    expect(L.getLoss('categorical_crossentropy').name).toBe('categorical_crossentropy');
    expect(L.getLoss('meanSquaredError').name).toBe('meanSquaredError');
    expect(L.getLoss('MeanSquaredError').name).toBe('mean_squared_error');
    expect(L.getLoss('Huber').name).toBe('huber_loss');
    expect(L.getLoss('KLDivergence').name).toBe('kl_divergence');
  });

  it('other spellings are matched ignoring case and underscores', () => {
    expect(L.getLoss('Mean_Squared_Error').compute([[1]], [[3]]).item()).toBe(4);
    expect(L.getLoss('CATEGORICAL_CROSSENTROPY')).toBeInstanceOf(L.Loss);
  });

  it('a Loss instance is returned as it is; a function is wrapped with its name', () => {
    const h = new L.Huber({ delta: 2 });
    expect(L.getLoss(h)).toBe(h);
    const custom = L.getLoss(function myLoss(t: tk.Tensor, q: tk.Tensor) { return t.sub(q).abs().max(-1); });
    expect(custom.name).toBe('myLoss');
    expectClose([custom.compute([[0, 1]], [[0.5, 3]]).item()], [2]);
    // the library's own functions get their Keras names
    expect(L.getLoss(L.meanSquaredError).name).toBe('mean_squared_error');
    expect(L.getLoss(L.categoricalCrossentropy).name).toBe('categorical_crossentropy');
  });

  it("'crossentropy' / 'ce' are resolved by shapes at the first call", () => {
    // binary: yPred's last axis is 1
    const bin = L.getLoss('crossentropy');
    expect(bin.name).toBe('crossentropy');
    expectClose([bin.compute([1, 0], [[0.8], [0.3]]).item()], [L.binaryCrossentropy(tk.tensor([[1], [0]]), tk.tensor([[0.8], [0.3]])).mean().item()]);
    // sparse: labels of lower rank
    const sparse = L.getLoss('ce');
    expectClose([sparse.compute([1, 0], p).item()], [L.sparseCategoricalCrossentropy(tk.tensor([1, 0]), p).mean().item()]);
    // sparse: labels [N, 1]
    expectClose([L.getLoss('ce').compute([[1], [0]], p).item()], [L.sparseCategoricalCrossentropy(tk.tensor([1, 0]), p).mean().item()]);
    // categorical: one-hot
    expectClose([L.getLoss('crossentropy').compute(y, p).item()], [L.categoricalCrossentropy(y, p).mean().item()]);
  });

  it('an unknown name is an error that suggests the nearest and lists the valid ones', () => {
    expect(() => L.getLoss('msee')).toThrow("Unknown loss 'msee'. Did you mean 'mse'? Valid names: mean_squared_error, ");
    expect(() => L.getLoss('categorical_crossentropyy')).toThrow(/Did you mean 'categorical_crossentropy'\?/);
    expect(() => L.getLoss('nonsense_loss_name_xyz')).toThrow(/^Unknown loss 'nonsense_loss_name_xyz'\. Valid names: /);
    expect(() => L.getLoss(42 as never)).toThrow(/getLoss: expected a loss name, a Loss instance or a function/);
  });

  it('LOSS_NAMES lists every accepted string, and each resolves', () => {
    for (const name of L.LOSS_NAMES) expect(L.getLoss(name)).toBeInstanceOf(L.Loss);
  });
});
