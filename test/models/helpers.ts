// Helpers for the Sequential tests: capturing what fit / evaluate / summary print, a loss that
// records the labels of every batch it sees (so batch sizes and sample order are observable
// from outside the model), and plain float64 references (no tensorkit ops) for hand values.

import { vi } from 'vitest';
import * as tk from '../../src/index.js';

/** Runs `f` while capturing everything written to process.stdout (what the progress bar prints). */
export async function captureStdout<T>(f: () => T | Promise<T>): Promise<{ result: T; out: string }> {
  let out = '';
  const spy = vi.spyOn(process.stdout, 'write').mockImplementation(((chunk: string | Uint8Array) => {
    out += typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8');
    return true;
  }) as typeof process.stdout.write);
  try {
    const result = await f();
    return { result, out };
  } finally {
    spy.mockRestore();
  }
}

/** Runs `f` while capturing console.log lines (TerminateOnNaN and summary() print with it). */
export async function captureConsoleLog<T>(f: () => T | Promise<T>): Promise<{ result: T; lines: string[] }> {
  const lines: string[] = [];
  const spy = vi.spyOn(console, 'log').mockImplementation((...args: unknown[]) => {
    lines.push(args.map(String).join(' '));
  });
  try {
    const result = await f();
    return { result, lines };
  } finally {
    spy.mockRestore();
  }
}

/**
 * A mean-squared-error loss given as a plain function, which records the labels of every call:
 * `calls[i]` holds the yTrue values of the i-th batch the loss saw (one value per sample when
 * y has one column). The model cannot tell it from 'mse'; the test sees batch sizes and order.
 */
export function recordingMse(calls: number[][]): (yTrue: tk.Tensor, yPred: tk.Tensor) => tk.Tensor {
  return function recording_mse(yTrue: tk.Tensor, yPred: tk.Tensor): tk.Tensor {
    calls.push(Array.from(yTrue.data));
    return yTrue.sub(yPred).square().mean(-1);
  };
}

/** Rows × columns of a row-major array, in float64. */
export function matmul64(a: ArrayLike<number>, b: ArrayLike<number>, m: number, k: number, n: number): number[] {
  const out = new Array<number>(m * n).fill(0);
  for (let i = 0; i < m; i++) {
    for (let p = 0; p < k; p++) {
      const av = a[i * k + p]!;
      for (let j = 0; j < n; j++) out[i * n + j]! += av * b[p * n + j]!;
    }
  }
  return out;
}

/** Row-wise softmax in float64. */
export function softmaxRows(z: readonly number[], cols: number): number[] {
  const out: number[] = [];
  for (let r = 0; r < z.length / cols; r++) {
    const row = z.slice(r * cols, (r + 1) * cols);
    const m = Math.max(...row);
    const e = row.map((v) => Math.exp(v - m));
    const s = e.reduce((a, b) => a + b, 0);
    out.push(...e.map((v) => v / s));
  }
  return out;
}

export const sigmoid = (v: number): number => 1 / (1 + Math.exp(-v));

/** Mean of the numbers. */
export function mean(values: readonly number[]): number {
  return values.reduce((a, b) => a + b, 0) / values.length;
}

/** Population standard deviation. */
export function std(values: ArrayLike<number>): number {
  const arr = Array.from(values);
  const m = mean(arr);
  return Math.sqrt(mean(arr.map((v) => (v - m) ** 2)));
}

/** The weights of a model as plain number arrays (a snapshot that later updates cannot touch). */
export function snapshot(model: tk.Sequential): number[][] {
  return model.weights.map((w) => Array.from(w.data));
}

/**
 * A linear model y = x·w (Dense(1) without bias) with the given kernel, so each sample's output,
 * and hence its loss, is known by hand.
 */
export function linearModel(kernel: readonly number[], options: { name?: string } = {}): tk.Sequential {
  const model = new tk.Sequential({
    layers: [new tk.layers.Dense(1, { useBias: false, inputShape: [kernel.length], kernelInitializer: 'zeros' })],
    ...(options.name === undefined ? {} : { name: options.name }),
  });
  model.setWeights([tk.tensor(Float32Array.from(kernel), [kernel.length, 1])]);
  return model;
}
