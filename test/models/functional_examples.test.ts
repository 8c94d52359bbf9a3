// The functional API's worked examples (examples/functional) run and do what they promise, in
// their quick sizes: the residual network learns digits, the two-output model answers both
// questions better than a constant guess and logs Keras's per-output keys, and the custom RBF layer
// separates two rings and comes back from disk as itself.

import { describe, expect, it } from 'vitest';
import * as residual from '../../examples/functional/residual_mnist.js';
import * as twoOutputs from '../../examples/functional/two_outputs.js';
import * as customLayer from '../../examples/functional/custom_layer.js';

const quiet = (): void => {};

describe('examples/functional', () => {
  it('residual_mnist: a skip connection (Add) in a functional graph learns digits', async () => {
    const r = await residual.main(quiet, { trainSize: 1000, epochs: 1 });
    // 1,000 digits, one epoch: far above chance (10%); the full run is in the README.
    expect(r.testAccuracy).toBeGreaterThan(0.4);
    expect(Object.keys(r.history)).toEqual(['accuracy', 'loss', 'val_accuracy', 'val_loss']);
    // Conv2D 16 (160) + two Conv2D 16→16 in the block (2 × 2,320) + Dense 576→10 (5,770).
    expect(r.parameters).toBe(160 + 2 * 2320 + 5770);
  });

  it('two_outputs: per-output losses, weights and metrics; both heads learn', async () => {
    const r = await twoOutputs.main(quiet, { trainSize: 1000, epochs: 1 });
    expect(r.historyKeys).toEqual(['digit_accuracy', 'digit_loss', 'ink_loss', 'ink_mae', 'loss']);
    expect(r.digitAccuracy).toBeGreaterThan(0.4);
    expect(r.inkMae).toBeLessThan(r.inkBaselineMae);
  });

  it('custom_layer: a registered RBF layer learns two rings and saves and loads as itself', async () => {
    const r = await customLayer.main(quiet);
    expect(r.accuracy).toBeGreaterThan(0.95);
    expect(r.loadedClass).toBe('RBF');
    expect(r.reloadDifference).toBe(0);
  });
});
