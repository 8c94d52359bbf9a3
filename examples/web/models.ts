// The three models the page can train (the worker builds them), with tensorkit's Keras API
// exactly as in Node.

import * as tk from '../../src/index.js';
import { mnistConvnet } from '../mnist/model.js';
import type { ModelKind } from './protocol.js';

export function buildModel(kind: ModelKind): tk.Sequential {
  switch (kind) {
    case 'cnn':
      return new tk.Sequential([
        new tk.layers.Conv2D(8, 3, { activation: 'relu', inputShape: [28, 28, 1] }),
        new tk.layers.MaxPooling2D([2, 2]),
        new tk.layers.Conv2D(16, 3, { activation: 'relu' }),
        new tk.layers.MaxPooling2D([2, 2]),
        new tk.layers.Flatten(),
        new tk.layers.Dense(10, 'softmax'),
      ]);
    case 'keras-cnn':
      return mnistConvnet(); // examples/mnist.ts: the classic Keras convnet
    case 'mlp':
      return new tk.Sequential([
        new tk.layers.Flatten({ inputShape: [28, 28, 1] }),
        new tk.layers.Dense(128, 'relu'),
        new tk.layers.Dense(10, 'softmax'),
      ]);
  }
}
