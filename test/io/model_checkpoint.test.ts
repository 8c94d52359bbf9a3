// ModelCheckpoint with Keras 3 semantics (keras-facts §10): every epoch or every N batches, best
// only by a monitored value in min/max/auto mode, weights only, an initial threshold, the
// filepath formatted as Python's str.format, Keras's messages; the checkpoint is a directory
// that tk.loadModel reads back, compiled and with its optimizer state.

import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import * as tk from '../../src/index.js';
import { expectBitEqual, tempDir } from './helpers.js';

const { ModelCheckpoint, formatPath } = tk.callbacks;

function model(): tk.Sequential {
  tk.setSeed(4);
  const m = new tk.Sequential([new tk.layers.Dense(4, { inputShape: [3], activation: 'relu' }), new tk.layers.Dense(1)]);
  m.compile({ optimizer: 'adam', loss: 'mse', metrics: ['mae'] });
  return m;
}

const x = tk.randomNormal([12, 3], { seed: 1 });
const y = tk.randomNormal([12, 1], { seed: 2 });

/** Logs handed to onEpochEnd by a fake fit, for the decision logic alone. */
async function feed(cb: InstanceType<typeof ModelCheckpoint>, m: tk.Sequential, values: number[], key = 'val_loss'): Promise<void> {
  cb.setModel(m);
  await cb.onTrainBegin({});
  for (const [epoch, v] of values.entries()) {
    await cb.onEpochBegin(epoch, {});
    await cb.onEpochEnd(epoch, { loss: 1, [key]: v });
  }
}

describe('formatPath (Python str.format)', () => {
  it.each([
    ['ckpt-{epoch:02d}', { epoch: 3 }, 'ckpt-03'],
    ['{epoch}', { epoch: 12 }, '12'],
    ['m-{epoch:03d}-{val_loss:.2f}', { epoch: 7, val_loss: 0.12345 }, 'm-007-0.12'],
    ['{loss}', { loss: 0.25 }, '0.25'],
    ['{loss}', { loss: 1 }, '1.0'],
    ['{loss:.3e}', { loss: 0.000123456 }, '1.235e-04'],
    ['{loss:g}', { loss: 0.0001234 }, '0.0001234'],
    ['{loss:g}', { loss: 0.00001234 }, '1.234e-05'],
    ['{loss:.3g}', { loss: 1234.5 }, '1.23e+03'],
    ['{acc:.1%}', { acc: 0.8125 }, '81.2%'],
    ['{epoch:>4}|{epoch:<4}|{epoch:^5}|{epoch:*^5}', { epoch: 7 }, '   7|7   |  7  |**7**'],
    ['{loss:+.2f}/{loss:08.3f}', { loss: -1.5 }, '-1.50/-001.500'],
    ['{{literal}}-{epoch}', { epoch: 1 }, '{literal}-1'],
  ])('%s with %j → %s', (template, values, expected) => {
    expect(formatPath(template, values)).toBe(expected);
  });

  it('rejects a missing key, a float given to d, and a bad spec', () => {
    expect(() => formatPath('{val_acc}', { epoch: 1, loss: 2 })).toThrow(/no value for \{val_acc\} \(available: epoch, loss\)/);
    expect(() => formatPath('{loss:d}', { loss: 2 })).toThrow(/format code 'd' needs an integer, but \{loss\} is the float 2.0/);
    expect(() => formatPath('{epoch:q}', { epoch: 1 })).toThrow(/invalid format spec 'q'/);
  });
});

describe('ModelCheckpoint', () => {
  it('saves every epoch into the formatted directory; each checkpoint loads back compiled', async () => {
    const m = model();
    const root = tempDir();
    await m.fit(x, y, { epochs: 3, batchSize: 4, verbose: 0, validationSplit: 0.25, callbacks: [new ModelCheckpoint(path.join(root, 'epoch{epoch:02d}-{val_loss:.3f}'))] });
    const dirs = readdirSync(root).sort();
    expect(dirs).toHaveLength(3);
    dirs.forEach((d, i) => expect(d).toMatch(new RegExp(`^epoch0${i + 1}-\\d\\.\\d{3}$`)));
    const last = await tk.loadModel(path.join(root, dirs[2]!));
    m.weights.forEach((w, i) => expectBitEqual(w, last.weights[i]!));
    // Keras checkpoints hold the optimizer: resuming continues from the same step.
    expect(last.optimizer!.iterations).toBe(m.optimizer!.iterations);
  });

  it('saveBestOnly keeps the best model by val_loss (min), with Keras messages', async () => {
    const m = model();
    const dir = path.join(tempDir(), 'best');
    const printed: string[] = [];
    const cb = new ModelCheckpoint(dir, { saveBestOnly: true, verbose: 1, print: (s) => printed.push(s) });
    const save = vi.spyOn(m, 'save');
    await feed(cb, m, [0.5, 0.7, 0.3, 0.3]);
    expect(save).toHaveBeenCalledTimes(2);
    expect(cb.best).toBe(0.3);
    expect(printed).toEqual([
      `\nEpoch 1: val_loss improved from None to 0.50000, saving model to ${dir}`,
      `\nEpoch 1: finished saving model to ${dir}`,
      '\nEpoch 2: val_loss did not improve from 0.50000',
      `\nEpoch 3: val_loss improved from 0.50000 to 0.30000, saving model to ${dir}`,
      `\nEpoch 3: finished saving model to ${dir}`,
      '\nEpoch 4: val_loss did not improve from 0.30000',
    ]);
    expect(existsSync(path.join(dir, 'model.json'))).toBe(true);
  });

  it('max mode (explicit or auto for accuracy-like names), and an initial threshold', async () => {
    const m = model();
    const save = vi.spyOn(m, 'save').mockResolvedValue(undefined as never);
    await feed(new ModelCheckpoint(tempDir(), { monitor: 'val_accuracy', saveBestOnly: true }), m, [0.5, 0.4, 0.6], 'val_accuracy');
    expect(save).toHaveBeenCalledTimes(2);
    save.mockClear();
    await feed(new ModelCheckpoint(tempDir(), { monitor: 'score', mode: 'max', saveBestOnly: true, initialValueThreshold: 0.55 }), m, [0.5, 0.6, 0.58], 'score');
    expect(save).toHaveBeenCalledTimes(1);
    const unknown = new ModelCheckpoint(tempDir(), { monitor: 'score', saveBestOnly: true });
    await expect(feed(unknown, m, [1], 'score')).rejects.toThrow(/cannot tell from the name whether that metric should be maximized or minimized/);
  });

  it('saves anyway, with a warning, when the monitored value is missing (as Keras)', async () => {
    const m = model();
    const save = vi.spyOn(m, 'save').mockResolvedValue(undefined as never);
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    await feed(new ModelCheckpoint(tempDir(), { saveBestOnly: true }), m, [1], 'loss_only');
    expect(save).toHaveBeenCalledTimes(1);
    expect(warn.mock.calls[0]![0]).toMatch(/can save best model only with val_loss available/);
    warn.mockRestore();
  });

  it('saveWeightsOnly writes weights that loadWeights reads', async () => {
    const m = model();
    const dir = path.join(tempDir(), 'w');
    await m.fit(x, y, { epochs: 2, batchSize: 4, verbose: 0, callbacks: [new ModelCheckpoint(dir, { saveWeightsOnly: true, monitor: 'loss' })] });
    expect(readdirSync(dir)).toContain('weights_manifest.json');
    const other = model();
    await other.loadWeights(dir);
    m.weights.forEach((w, i) => expectBitEqual(w, other.weights[i]!));
  });

  it('saveFreq counts batches across epochs and formats {batch}', async () => {
    const m = model();
    const root = tempDir();
    // 12 samples, batch 4: 3 batches per epoch, 6 in all; every 4 batches → after batch 4 (epoch 2, batch 1) only.
    await m.fit(x, y, { epochs: 2, batchSize: 4, verbose: 0, shuffle: false, callbacks: [new ModelCheckpoint(path.join(root, 'e{epoch}-b{batch}'), { saveFreq: 4 })] });
    expect(readdirSync(root)).toEqual(['e2-b1']);
  });

  it('checks its arguments', () => {
    expect(() => new ModelCheckpoint('')).toThrow(/filepath must be a non-empty string/);
    expect(() => new ModelCheckpoint('d', { saveFreq: 0 })).toThrow(/unrecognized saveFreq 0/);
    expect(() => new ModelCheckpoint('d', { saveFreq: 'batch' as never })).toThrow(/unrecognized saveFreq "batch"/);
    expect(() => new ModelCheckpoint('d', { mode: 'best' as never })).toThrow(/mode must be 'auto', 'min' or 'max'/);
    expect(() => new ModelCheckpoint('d-{batch}')).toThrow(/uses \{batch\}, which only exists with an integer saveFreq/);
    expect(() => new ModelCheckpoint('d', { saveBestOnli: true } as never)).toThrow(/unknown option\(s\) 'saveBestOnli'/);
  });

  it('a filepath key missing from the logs fails the fit with Keras\'s message', async () => {
    const m = model();
    await expect(m.fit(x, y, { epochs: 1, verbose: 0, callbacks: [new ModelCheckpoint(path.join(tempDir(), '{val_acc:.2f}'))] }))
      .rejects.toThrow(/ModelCheckpoint: failed to format the filepath ".*\{val_acc:.2f\}": no value for \{val_acc\}/);
  });
});
