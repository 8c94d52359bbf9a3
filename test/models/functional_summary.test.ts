// summary() of functional models compared exactly with the text the real `rich` library renders
// for Keras 3's print_summary rows (summary_golden.json, produced by summary_reference.py): the
// 'Connected to' column of graphs that branch (keras-facts-2 §13.6), a shared layer's node
// indices, a nested model's row, and a plain chain drawn in three columns with its InputLayer row.

import { readFileSync } from 'node:fs';
import { beforeEach, describe, expect, it } from 'vitest';
import * as tk from '../../src/index.js';

const golden = JSON.parse(readFileSync(new URL('./summary_golden.json', import.meta.url), 'utf8')) as Record<string, string>;

/** The text as Keras's print_fn receives it, at the width Keras uses without a terminal (76). */
function summaryOf(model: tk.Model): string {
  return model.summary({ lineLength: 76, printFn: () => {} }) + '\n';
}

beforeEach(() => tk.clearSession());

describe('summary() of functional models', () => {
  it('a residual block: four columns, each layer connected to its inputs', () => {
    const img = tk.input({ shape: [8, 8, 1], name: 'img' });
    const h = new tk.layers.Conv2D(4, 3, { activation: 'relu', padding: 'same' }).apply(img);
    const r = new tk.layers.Add().apply([h, new tk.layers.Conv2D(4, 1).apply(img)]);
    const out = new tk.layers.Dense(3, 'softmax').apply(new tk.layers.Flatten().apply(r));
    expect(summaryOf(tk.model({ inputs: img, outputs: out, name: 'resnetish' }))).toBe(golden.functional_residual);
  });

  it('two inputs and two outputs', () => {
    const a = tk.input({ shape: [4], name: 'a' });
    const b = tk.input({ shape: [2], name: 'b' });
    const c = new tk.layers.Concatenate().apply([new tk.layers.Dense(3, { name: 'h' }).apply(a), b]);
    const model = tk.model({ inputs: [a, b], outputs: [new tk.layers.Dense(1, { name: 'price' }).apply(c), new tk.layers.Dense(2, { name: 'kind' }).apply(c)] });
    expect(summaryOf(model)).toBe(golden.functional_two_outputs);
  });

  it("a shared layer's two calls and a nested model's row", () => {
    const e = tk.input({ shape: [4], name: 'enc_in' });
    const encoder = tk.model({ inputs: e, outputs: new tk.layers.Dense(2, { name: 'enc_d' }).apply(e), name: 'encoder' });
    const x = tk.input({ shape: [4], name: 'x' });
    const shared = new tk.layers.Dense(4, { name: 'shared' });
    const z = encoder.apply(shared.apply(shared.apply(x)));
    const y = new tk.layers.Add().apply([z, new tk.layers.Dense(2, { name: 'side' }).apply(x)]);
    expect(summaryOf(tk.model({ inputs: x, outputs: y, name: 'outer' }))).toBe(golden.functional_shared_nested);
  });

  it('a plain chain is drawn like a Sequential, with its InputLayer row', () => {
    const x = tk.input({ shape: [4] });
    const h = new tk.layers.Dense(8).apply(x);
    const y = new tk.layers.Dense(1).apply(h);
    expect(summaryOf(tk.model({ inputs: x, outputs: y, name: 'chain' }))).toBe(golden.functional_chain);
  });

  it('positions must match the number of columns', () => {
    const a = tk.input({ shape: [2] });
    const b = tk.input({ shape: [2] });
    const model = tk.model({ inputs: [a, b], outputs: new tk.layers.Add().apply([a, b]) });
    expect(() => model.summary({ positions: [0.5, 0.8, 1], printFn: () => {} })).toThrow('summary: positions must list 4 column edges, got [0.5, 0.8, 1]');
  });
});
