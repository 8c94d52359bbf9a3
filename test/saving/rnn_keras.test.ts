// The recurrent layers in Keras 3's `.keras` layout: the weights belong to the cell, so Keras 3's
// saver puts them under the attribute that holds it (`layers/lstm/cell/vars/0..2`; Bidirectional's
// `layers/bidirectional/forward_layer/cell/vars`, `.../backward_layer/cell/vars`), and the layer
// itself has none (`layers/lstm/vars` empty). tensorkit's writer is checked to put them there, and
// its reader to take them back.

import path from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import * as tk from '../../src/index.js';
import { expectBitEqual, h5Keys, tempDir, withH5wasm, zipMembers } from './helpers.js';

beforeEach(() => tk.clearSession());

describe('recurrent layers in .keras files', () => {
  it('cell weights at <layer>/cell/vars, Bidirectional at forward_layer/ and backward_layer/, and back', async () => {
    const model = new tk.Sequential([
      new tk.layers.LSTM(3, { returnSequences: true, inputShape: [4, 2], name: 'lstm' }),
      new tk.layers.Bidirectional(new tk.layers.GRU(2), { name: 'bidirectional' }),
    ]);
    model.setWeights(model.weights.map((w, i) => tk.randomNormal([...w.shape], { seed: i, stddev: 0.4 })));
    const file = path.join(tempDir(), 'rnn.keras');
    await model.save(file);
    const bytes = zipMembers(file).find((m) => m.name === 'model.weights.h5')!.data;
    await withH5wasm(bytes, (f) => {
      expect(h5Keys(f, 'layers/lstm/cell/vars')).toEqual(['0', '1', '2']);
      expect(h5Keys(f, 'layers/lstm/vars')).toEqual([]);
      expect(h5Keys(f, 'layers/bidirectional/forward_layer/cell/vars')).toEqual(['0', '1', '2']);
      expect(h5Keys(f, 'layers/bidirectional/backward_layer/cell/vars')).toEqual(['0', '1', '2']);
    });
    const back = await tk.loadModel(file);
    const x = tk.randomNormal([2, 4, 2], { seed: 9 });
    expectBitEqual(model.predict(x) as tk.Tensor, back.predict(x) as tk.Tensor, 'predictions');
  });
});
