// model.summary() compared exactly with Keras 3's text. Keras draws the table with the `rich`
// library; summary_golden.json holds the texts rich itself renders for the same rows, produced by
// summary_reference.py (which restates Keras's print_summary and computes every parameter count
// and size from the layer formulas). Each model below is built with tensorkit and its summary
// must equal the golden text character for character.

import { readFileSync } from 'node:fs';
import { beforeEach, describe, expect, it } from 'vitest';
import * as tk from '../../src/index.js';
import { captureConsoleLog } from './helpers.js';

const golden = JSON.parse(readFileSync(new URL('./summary_golden.json', import.meta.url), 'utf8')) as Record<string, string>;

/** The summary text as Keras's print_fn receives it (rich ends its capture with a newline). */
function summaryOf(model: tk.Sequential, options: tk.SummaryOptions = {}): string {
  let printed: string | null = null;
  const text = model.summary({ lineLength: 76, ...options, printFn: (s) => (printed = s) });
  expect(printed).toBe(text);
  return text + '\n';
}

function mlp(): tk.Sequential {
  return new tk.Sequential([new tk.layers.Dense(64, { inputShape: [784] }), new tk.layers.Dense(10)]);
}

beforeEach(() => {
  tk.clearSession();
  tk.setSeed(5);
});

describe('summary(): the Keras 3 table', () => {
  it("keras-facts §1.4's sample: Dense(64) on 784 inputs + Dense(10), 76 columns wide", () => {
    const model = mlp();
    expect(model.layers.map((l) => l.name)).toEqual(['dense', 'dense_1']);
    expect(summaryOf(model)).toBe(golden.sample);
    // 50,240 = 784·64 + 64; 650 = 64·10 + 10; 50,890 float32 = 203,560 B = 198.79 KB.
    expect(golden.sample).toContain('│ dense (Dense)                   │ (None, 64)             │        50,240 │');
    expect(golden.sample).toContain(' Total params: 50,890 (198.79 KB)');
  });

  it('an unbuilt model: ? for the shapes and 0 (unbuilt) for the params', () => {
    const model = new tk.Sequential([new tk.layers.Dense(64), new tk.layers.Dense(10)]);
    expect(model.built).toBe(false);
    expect(summaryOf(model)).toBe(golden.unbuilt);
    // build() fills it in.
    model.build([null, 784]);
    expect(summaryOf(model)).toBe(golden.sample);
  });

  it('BatchNormalization: 4·64 params, the moving statistics (128) non-trainable; its long cell wraps at the space', () => {
    const model = new tk.Sequential([
      new tk.layers.Dense(64, { inputShape: [784] }),
      new tk.layers.BatchNormalization(),
      new tk.layers.Dense(10),
    ]);
    expect(summaryOf(model)).toBe(golden.batchnorm);
    expect(golden.batchnorm).toContain(' Non-trainable params: 128 (512.00 B)');
  });

  it('after fit with Adam: the Optimizer params line (iteration + learning_rate + 2 slots per weight)', async () => {
    const model = mlp();
    model.compile({ optimizer: 'adam', loss: 'mse' });
    // Compiled but the optimizer not built yet: no Optimizer line.
    expect(summaryOf(model)).toBe(golden.sample);
    await model.fit(tk.randomNormal([4, 784]), tk.zeros([4, 10]), { verbose: 0 });
    // 2 + 2·50,890 = 101,782 values: the int64 counter (8 B) + 101,781 float32 = 407,132 B = 397.59 KB.
    expect(summaryOf(model)).toBe(golden.adam_after_fit);
    expect(golden.adam_after_fit).toContain(' Optimizer params: 101,782 (397.59 KB)');
    expect(golden.adam_after_fit).toContain(' Total params: 152,672 (596.38 KB)');
  });

  it('a deferred build done by fit shows the concrete batch size of the first batch (keras-facts §1.1)', async () => {
    const model = new tk.Sequential([new tk.layers.Dense(64), new tk.layers.Dense(10)]);
    model.compile({ optimizer: 'sgd', loss: 'mse' });
    await model.fit(tk.randomNormal([100, 784]), tk.zeros([100, 10]), { verbose: 0 });
    // SGD without momentum has no slots: iteration (8 B) + learning_rate (4 B).
    expect(summaryOf(model)).toBe(golden.deferred_by_fit);
  });

  it('a layer name longer than its column: cropped with … as rich does, the class name on the next line', () => {
    const model = new tk.Sequential({
      name: 'a_model_with_a_rather_long_name',
      layers: [
        new tk.layers.Dense(64, { name: 'a_layer_name_much_longer_than_the_column', inputShape: [784] }),
        new tk.layers.Dense(10, { name: 'short' }),
      ],
    });
    expect(summaryOf(model)).toBe(golden.long_name);
  });

  it('lineLength other than 76: 60, 100, and a 40-wide table where headers and cells wrap', () => {
    // Keras's widths: column edges at int(p·lineLength) for p in [0.45, 0.8, 1]; each cell gets one
    // space of padding on both sides, so the cells overflow the lineLength − 4 inner width by 10;
    // rich takes the 10 back spread over the 3 columns by ratio_reduce: round(10/3) = 3,
    // round(7/2) = 4 (half to even), then 3.
    //   60: edges 27, 48, 60 → widths 27, 21, 12 → +2 − (3, 4, 3) → cells 26, 19, 11
    //  100: edges 45, 80, 100 → 45, 35, 20 → cells 44, 33, 19
    //   40: edges 18, 32, 40 → 18, 14, 8 → cells 17, 12, 7 (content 15, 10, 5)
    const cellWidths = (text: string): number[] => text.split('\n')[1]!.slice(1, -1).split('┳').map((s) => s.length);
    expect(cellWidths(golden.line_length_60!)).toEqual([26, 19, 11]);
    expect(cellWidths(golden.line_length_100!)).toEqual([44, 33, 19]);
    expect(cellWidths(golden.line_length_40_conv!)).toEqual([17, 12, 7]);
    expect(summaryOf(mlp(), { lineLength: 60 })).toBe(golden.line_length_60);
    tk.clearSession();
    expect(summaryOf(mlp(), { lineLength: 100 })).toBe(golden.line_length_100);
    tk.clearSession();
    // At 40 columns "Param #" wraps, header cells sit at the bottom of their row (rich aligns
    // headers down), shapes wrap at their spaces and 216,650 is cropped to "216,…".
    const conv = new tk.Sequential([
      new tk.layers.Conv2D(32, 3, { inputShape: [28, 28, 1] }),
      new tk.layers.Flatten(),
      new tk.layers.Dense(10),
    ]);
    expect(summaryOf(conv, { lineLength: 40 })).toBe(golden.line_length_40_conv);
  });

  it('the TF.js positional form summary(lineLength, positions, printFn)', () => {
    const model = mlp();
    let printed = '';
    const text = model.summary(60, undefined, (s) => (printed = s));
    expect(printed + '\n').toBe(golden.line_length_60);
    expect(text).toBe(printed);
  });

  it('without printFn it prints with console.log and returns the same text', async () => {
    const model = mlp();
    const { result, lines } = await captureConsoleLog(() => model.summary({ lineLength: 76 }));
    expect(lines).toEqual([result]);
    expect(result + '\n').toBe(golden.sample);
  });

  it('the default width: 76 without a terminal (rich reads 80 columns), min(88, columns − 4) on one', () => {
    const stdout = process.stdout as { isTTY?: boolean; columns?: number };
    const saved = { isTTY: Object.getOwnPropertyDescriptor(stdout, 'isTTY'), columns: Object.getOwnPropertyDescriptor(stdout, 'columns') };
    const width = (): number => mlp().summary({ printFn: () => {} }).split('\n')[1]!.length;
    try {
      Object.defineProperty(stdout, 'isTTY', { value: false, configurable: true });
      expect(width()).toBe(76);
      Object.defineProperty(stdout, 'isTTY', { value: true, configurable: true });
      Object.defineProperty(stdout, 'columns', { value: 200, configurable: true });
      expect(width()).toBe(88);
      Object.defineProperty(stdout, 'columns', { value: 70, configurable: true });
      expect(width()).toBe(66);
    } finally {
      for (const key of ['isTTY', 'columns'] as const) {
        const d = saved[key];
        if (d === undefined) delete stdout[key];
        else Object.defineProperty(stdout, key, d);
      }
    }
  });

  it('a width too narrow for the columns is an error naming lineLength', () => {
    // 8 columns: edges int(3.6) = 3 → a first column of 3 < 4, which Keras refuses.
    expect(() => mlp().summary({ lineLength: 8, printFn: () => {} })).toThrow(/lineLength 8 is too narrow/);
  });
});
