// examples/transformer/encoder.ts runs (quick size: 2,000 sequences, one block of width 32) and
// does what it says: the loss falls, held-out sequences come out sorted far above the baseline,
// and the model with its custom PositionEmbedding survives a .keras round trip.

import { describe, expect, it } from 'vitest';
import * as tk from '../../src/index.js';
import { PositionEmbedding, accuracy, main, sortingData, sortingEncoder } from '../../examples/transformer/encoder.js';

describe('examples/transformer: a transformer encoder that sorts digits', () => {
  it('builds the architecture the header draws; the data are sorted copies', () => {
    const model = sortingEncoder();
    const classes = model.layers.map((l) => l.getClassName());
    expect(classes.filter((c) => c === 'MultiHeadAttention')).toHaveLength(2);
    expect(classes.filter((c) => c === 'LayerNormalization')).toHaveLength(4);
    expect(classes.slice(0, 3)).toEqual(['InputLayer', 'Embedding', 'PositionEmbedding']);
    expect(model.outputs[0]!.shape).toEqual([null, 8, 10]);
    const { x, y } = sortingData(3, 8, 9);
    for (let i = 0; i < 3; i++) expect(Array.from(y.data.slice(i * 8, i * 8 + 8))).toEqual(Array.from(x.data.slice(i * 8, i * 8 + 8)).sort((a, b) => a - b));
    // The position table is added: a zero input gets the table's rows.
    const pos = new PositionEmbedding({ maxLength: 4 });
    const out = pos.apply(tk.zeros([2, 3, 5]));
    expect(Array.from(out.data.slice(0, 15))).toEqual(Array.from(pos.embeddings!.data.slice(0, 15)));
    // accuracy counts tokens and whole rows.
    const probs = tk.oneHot(tk.tensor([[1, 2], [3, 4]]), 10);
    expect(accuracy(probs, tk.tensor([[1, 2], [3, 0]]))).toEqual({ token: 0.75, sequence: 0.5 });
  });

  it('learns to sort held-out sequences (quick size) and reloads with the same predictions', async () => {
    const lines: string[] = [];
    const r = await main((line) => lines.push(line), { trainSize: 2000, testSize: 500, epochs: 4, size: { dim: 32, ff: 64, blocks: 1, heads: 2 } });
    expect(r.losses).toHaveLength(4);
    expect(r.losses[3]!).toBeLessThan(0.5 * r.losses[0]!);
    expect(r.tokenAccuracy).toBeGreaterThan(0.8);
    expect(r.tokenAccuracy).toBeGreaterThan(r.baselineAccuracy + 0.4);
    expect(r.reloadDifference).toBe(0);
    expect(lines.some((l) => l.startsWith('held-out sequences (500): token accuracy'))).toBe(true);
  }, 180_000);
});
