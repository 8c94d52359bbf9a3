// The classic Keras MNIST convnet, built once for the example, the benchmarks and the web page.

import * as tk from '../../src/index.js';

/**
 * Conv2D 32 3×3 relu → MaxPooling2D 2 → Conv2D 64 3×3 relu → MaxPooling2D 2 → Flatten →
 * Dropout 0.5 → Dense 10 softmax, on 28×28×1 inputs (34,826 parameters). Not compiled.
 */
export function mnistConvnet(): tk.Sequential {
  return new tk.Sequential([
    new tk.layers.Conv2D(32, 3, { activation: 'relu', inputShape: [28, 28, 1] }),
    new tk.layers.MaxPooling2D([2, 2]),
    new tk.layers.Conv2D(64, 3, { activation: 'relu' }),
    new tk.layers.MaxPooling2D([2, 2]),
    new tk.layers.Flatten(),
    new tk.layers.Dropout(0.5),
    new tk.layers.Dense(10, 'softmax'),
  ]);
}
