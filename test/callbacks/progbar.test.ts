// The Keras 3 progress output (keras-facts §8.3), compared character for character with a fake
// clock. Expected strings are assembled here from the documented format:
//   counter `current/target` (current right-aligned to target's digits), a space, 20 '━'
//   (done part green \x1b[32m, rest white \x1b[37m, counter bold, on a TTY), a space, the time
//   field (ETA during the epoch, elapsed whole seconds on the final line), the time per step
//   (first step excluded once past step 1), then ` - key: value` for each log key.

import { describe, expect, it } from 'vitest';
import * as tk from '../../src/index.js';

const { ProgbarLogger, Progbar } = tk.callbacks;

const BAR = '━';
const bold = (s: string): string => `\x1b[1m${s}\x1b[0m`;
/** The TTY bar for `done` of 20 characters. */
const ttyBar = (done: number): string => (done > 0 ? `\x1b[32m${BAR.repeat(done)}\x1b[0m` : '') + `\x1b[37m${BAR.repeat(20 - done)}\x1b[0m`;

/** A fake clock in milliseconds and a captured output. */
function harness(isTTY: boolean): { out: string[]; setTime: (ms: number) => void; io: tk.callbacks.ProgressOutput } {
  let t = 0;
  const out: string[] = [];
  return { out, setTime: (ms) => { t = ms; }, io: { write: (s) => out.push(s), isTTY, now: () => t } };
}

/**
 * One epoch of 4 steps: step 1 ends at 1000 ms (slow first step), step 2 at 1010 (too soon to
 * redraw), step 3 at 1100, step 4 at 1120 (too soon), epoch end (after validation) at 1130.
 */
function runEpochs(logger: tk.callbacks.ProgbarLogger, setTime: (ms: number) => void, epochs: number): void {
  logger.setParams({ epochs, steps: 4, verbose: logger.verbose });
  logger.onTrainBegin({});
  for (let epoch = 0; epoch < epochs; epoch++) {
    const base = epoch * 10000;
    setTime(base);
    logger.onEpochBegin(epoch, {});
    const times = [1000, 1010, 1100, 1120];
    const losses = [0.9, 0.8, 0.7, 0.65];
    for (let b = 0; b < 4; b++) {
      setTime(base + times[b]!);
      logger.onBatchEnd(b, { loss: losses[b]!, accuracy: 0.5 });
    }
    setTime(base + 1130);
    logger.onEpochEnd(epoch, { val_loss: 0.65, loss: 0.6, accuracy: 0.5, val_accuracy: 0.00038914 });
  }
  logger.onTrainEnd({});
}

describe('ProgbarLogger verbose 1 on a TTY: the live bar', () => {
  it('draws, throttles to 0.05 s, redraws with \\b…\\r, and ends the epoch with \\n', () => {
    const { out, setTime, io } = harness(true);
    const logger = new ProgbarLogger({ verbose: 1, ...io });
    runEpochs(logger, setTime, 1);
    // Step 1 at 1 s: 1 s/step, ETA 1·3 = 3 s; 20·1/4 = 5 characters done.
    const line1 = `${bold('1/4')} ${ttyBar(5)} ${bold('3s')} 1s/step - accuracy: 0.5000 - loss: 0.9000`;
    const width1 = '1/4 '.length + 20 + ' 3s'.length + ' 1s/step'.length + ' - accuracy: 0.5000 - loss: 0.9000'.length;
    // Step 2 (10 ms later) is not drawn. Step 3: (1100 − 1000)/2 = 50 ms/step (first step left
    // out), ETA 0.05·1 → 0s; 15 characters done.
    const line3 = `${bold('3/4')} ${ttyBar(15)} ${bold('0s')} 50ms/step - accuracy: 0.5000 - loss: 0.7000`;
    const width3 = '3/4 '.length + 20 + ' 0s'.length + ' 50ms/step'.length + ' - accuracy: 0.5000 - loss: 0.7000'.length;
    // Step 4 (20 ms later) is not drawn. Final: elapsed 1.13 s → 1s; (1130 − 1000)/3 = 43 ms/step;
    // the validation keys appear on this line only (first seen here, so after the others).
    const final = `${bold('4/4')} ${ttyBar(20)} ${bold('1s')} 43ms/step - accuracy: 0.5000 - loss: 0.6000 - val_accuracy: 3.8914e-04 - val_loss: 0.6500\n`;
    expect(out).toEqual([
      `\r${line1}`,
      `${'\b'.repeat(width1)}\r${line3}`,
      `${'\b'.repeat(width3)}\r${final}`,
    ]);
    expect(width1).toBe(69);
  });

  it('pads a redraw that is shorter than the previous line with spaces', () => {
    const { out, setTime, io } = harness(true);
    const bar = new Progbar({ target: 100, ...io });
    setTime(100_000); // step 1 took 100 s: ETA 99·100 s = 9900 s → 2:45:00
    bar.update(1, { loss: 1234.5 });
    setTime(100_100); // 0.1 s/step since: ETA 98·0.1 = 9.8 s → 9s
    bar.update(2, { loss: 1.5 });
    const first = `${bold('  1/100')} ${ttyBar(0)} ${bold('2:45:00')} 100s/step - loss: 1234.5000`;
    const w1 = '  1/100 '.length + 20 + ' 2:45:00'.length + ' 100s/step'.length + ' - loss: 1234.5000'.length;
    const second = `${bold('  2/100')} ${ttyBar(0)} ${bold('9s')} 100ms/step - loss: 1.5000`;
    const w2 = '  2/100 '.length + 20 + ' 9s'.length + ' 100ms/step'.length + ' - loss: 1.5000'.length;
    expect(out).toEqual([`\r${first}`, `${'\b'.repeat(w1)}\r${second}${' '.repeat(w1 - w2)}`]);
  });
});

describe('ProgbarLogger verbose 1 off a TTY: plain per-epoch lines', () => {
  it('prints the Epoch header and the final line of each epoch, without ANSI codes', () => {
    const { out, setTime, io } = harness(false);
    runEpochs(new ProgbarLogger({ verbose: 1, ...io }), setTime, 2);
    const line = `4/4 ${BAR.repeat(20)} 1s 43ms/step - accuracy: 0.5000 - loss: 0.6000 - val_accuracy: 3.8914e-04 - val_loss: 0.6500\n`;
    expect(out).toEqual(['Epoch 1/2\n', line, 'Epoch 2/2\n', line]);
    expect(out.join('')).not.toContain('\x1b');
  });

  it('no Epoch header for a single epoch', () => {
    const { out, setTime, io } = harness(false);
    runEpochs(new ProgbarLogger({ verbose: 1, ...io }), setTime, 1);
    expect(out).toHaveLength(1);
    expect(out[0]!.startsWith('4/4 ')).toBe(true);
  });

  it('right-aligns the step counter to the digits of the target', () => {
    const { out, setTime, io } = harness(false);
    const logger = new ProgbarLogger({ ...io });
    logger.setParams({ epochs: 1, steps: 32, verbose: 1 });
    logger.onEpochBegin(0, {});
    setTime(500);
    logger.onBatchEnd(0, { loss: 1 });
    for (let b = 1; b < 32; b++) {
      setTime(500 + 50 * b);
      logger.onBatchEnd(b, { loss: 1 });
    }
    setTime(2100);
    logger.onEpochEnd(0, { loss: 0.4412, accuracy: 0.875, val_loss: 0.3, val_accuracy: 0.9 });
    // elapsed 2.1 s → 2s; (2100 − 500)/31 = 51.6 ms → 52ms/step
    expect(out).toEqual([`32/32 ${BAR.repeat(20)} 2s 52ms/step - loss: 0.4412 - accuracy: 0.8750 - val_accuracy: 0.9000 - val_loss: 0.3000\n`]);
  });
});

describe('ProgbarLogger verbose 2: one line per epoch', () => {
  it('count/target - Ns - N(m)s/step - k: v, the first step included (no per-batch updates)', () => {
    const { out, setTime, io } = harness(true);
    const logger = new ProgbarLogger({ verbose: 2, ...io });
    logger.setParams({ epochs: 3, steps: 4, verbose: 2 });
    logger.onTrainBegin({});
    setTime(0);
    logger.onEpochBegin(0, {});
    for (let b = 0; b < 4; b++) {
      setTime(1000 + 10 * b);
      logger.onBatchEnd(b, { loss: 1 });
    }
    setTime(1160);
    logger.onEpochEnd(0, { loss: 0.6, mae: -0.5, val_loss: 0.00038914 });
    // 1.16 s elapsed → 1s; 1.16/4 = 290 ms/step. verbose 2 picks %.4f by v > 1e-3 (not |v|):
    // −0.5 prints as -5.0000e-01 (Keras's quirk, keras-facts §8.3).
    expect(out).toEqual(['Epoch 1/3\n', '4/4 - 1s - 290ms/step - loss: 0.6000 - mae: -5.0000e-01 - val_loss: 3.8914e-04\n']);
  });
});

describe('Progbar time formats', () => {
  const line = (target: number, firstStepMs: number): string => {
    const { out, setTime, io } = harness(false);
    const bar = new Progbar({ target, ...io });
    setTime(firstStepMs);
    bar.update(1, {}, true);
    return out[0]!;
  };

  it('per-step time in s, ms or us', () => {
    expect(line(1, 2000)).toBe(`1/1 ${BAR.repeat(20)} 2s 2s/step\n`);
    expect(line(1, 3)).toBe(`1/1 ${BAR.repeat(20)} 0s 3ms/step\n`);
    expect(line(1, 0.5)).toBe(`1/1 ${BAR.repeat(20)} 0s 500us/step\n`);
    expect(line(1, 0)).toBe(`1/1 ${BAR.repeat(20)} 0s 0s/step\n`);
  });

  it('ETA as Ns, M:SS past 60 s, H:MM:SS past an hour', () => {
    const eta = (stepSeconds: number, target: number): string => {
      const { out, setTime, io } = harness(true);
      const bar = new Progbar({ target, ...io });
      setTime(stepSeconds * 1000);
      bar.update(1, {});
      return out[0]!.split('\x1b[1m')[2]!.split('\x1b[0m')[0]!;
    };
    expect(eta(10, 7)).toBe('60s');
    expect(eta(10, 100)).toBe('16:30');
    expect(eta(1.5, 42)).toBe('1:01');
    expect(eta(100, 100)).toBe('2:45:00');
  });

  it('an unknown target shows N/Unknown while running', () => {
    const { out, io } = harness(true);
    new Progbar({ target: null, ...io }).update(5, { loss: 0.5 });
    expect(out[0]).toBe('\r      5/Unknown \x1b[1m0s\x1b[0m 0s/step - loss: 0.5000');
  });
});

describe('evaluate and predict bars', () => {
  it('evaluate: the same bar, no Epoch header, the final logs on the last line', () => {
    const { out, setTime, io } = harness(false);
    const bar = new ProgbarLogger({ verbose: 1, ...io });
    bar.startEvaluation(3);
    for (let i = 1; i <= 3; i++) {
      setTime(i * 4);
      bar.updateEvaluation(i, { loss: 0.1 * i });
    }
    setTime(12);
    bar.endEvaluation(3, { loss: 0.0856, accuracy: 0.9751 });
    // (12 − 4)/2 = 4 ms/step; the keys seen while running come first, then new ones
    expect(out).toEqual([`3/3 ${BAR.repeat(20)} 0s 4ms/step - loss: 0.0856 - accuracy: 0.9751\n`]);
  });

  it('evaluate with verbose 2', () => {
    const { out, setTime, io } = harness(false);
    const bar = new ProgbarLogger({ verbose: 2, ...io });
    bar.startEvaluation(313);
    setTime(626);
    bar.endEvaluation(313, { loss: 0.0856, accuracy: 0.9751 });
    expect(out).toEqual(['313/313 - 1s - 2ms/step - accuracy: 0.9751 - loss: 0.0856\n']);
  });

  it('predict: only N/N, the bar, time and time per step', () => {
    const { out, setTime, io } = harness(false);
    const bar = new ProgbarLogger({ verbose: 1, ...io });
    bar.startPrediction(2);
    setTime(5);
    bar.updatePrediction(1);
    setTime(10);
    bar.updatePrediction(2);
    bar.endPrediction(2);
    expect(out).toEqual([`2/2 ${BAR.repeat(20)} 0s 5ms/step\n`]);
  });

  it('through the callback hooks too (onTestBegin/onTestBatchEnd/onTestEnd), silent inside fit', () => {
    const { out, setTime, io } = harness(false);
    const logger = new ProgbarLogger({ ...io });
    logger.setParams({ epochs: 1, steps: 2, verbose: 1 });
    logger.onTestBegin({});
    setTime(2);
    logger.onTestBatchEnd(0, { loss: 1 });
    setTime(4);
    logger.onTestBatchEnd(1, { loss: 1 });
    logger.onTestEnd({ loss: 0.5 });
    expect(out).toEqual([`2/2 ${BAR.repeat(20)} 0s 2ms/step - loss: 0.5000\n`]);
    logger.onTrainBegin({});
    logger.onTestBegin({});
    logger.onTestEnd({ loss: 0.5 });
    expect(out).toHaveLength(1);
  });

  it('writes to process.stdout by default', () => {
    const writes: string[] = [];
    const original = process.stdout.write.bind(process.stdout);
    process.stdout.write = ((s: string) => { writes.push(s); return true; }) as typeof process.stdout.write;
    try {
      const bar = new ProgbarLogger({ verbose: 2, now: () => 0 });
      bar.startPrediction(1);
      bar.endPrediction(1);
    } finally {
      process.stdout.write = original;
    }
    expect(writes).toEqual(['1/1 - 0s - 0s/step\n']);
  });
});
