// Backpropagation by hand, beside the tape: one neuron (micrograd's example) with a squared
// error, every chain-rule step computed with plain numbers and compared with what tensorkit's
// tape computes.
//
//   npx tsx examples/backprop/scalar_network.ts
//
//   n = x1·w1 + x2·w2 + b        o = tanh(n)        L = (o − y)²

import { pathToFileURL } from 'node:url';
import * as tk from '../../src/index.js';

/** One line of the comparison: a quantity, its hand value and the tape's. */
export interface Row {
  readonly quantity: string;
  readonly rule: string;
  readonly hand: number;
  readonly tape: number;
}

export interface ScalarNetworkResult {
  readonly forward: readonly Row[];
  readonly backward: readonly Row[];
  /** The largest |hand − tape| / max(1, |hand|) over every row. */
  readonly maxDifference: number;
  readonly trace: tk.BackwardTrace;
}

export function main(print: (line: string) => void = console.log): ScalarNetworkResult {
  // The numbers (plain JavaScript, float64).
  const x1 = 2, x2 = 0, w1 = -3, w2 = 1, b = 6.8813735870195432, y = 1;

  // ---- forward, by hand ----
  const x1w1 = x1 * w1;
  const x2w2 = x2 * w2;
  const s = x1w1 + x2w2;
  const n = s + b;
  const o = Math.tanh(n);
  const e = o - y;
  const L = e * e;

  // ---- forward, on the tape (the same expression with tensors; names label the trace) ----
  const named = <T extends tk.Tensor>(t: T, name: string): T => {
    t.name = name;
    return t;
  };
  const X1 = named(tk.tensor(x1), 'x1');
  const X2 = named(tk.tensor(x2), 'x2');
  const Y = named(tk.tensor(y), 'y');
  const W1 = tk.variable(w1, { name: 'w1' });
  const W2 = tk.variable(w2, { name: 'w2' });
  const B = tk.variable(b, { name: 'b' });
  const X1W1 = named(X1.mul(W1), 'x1w1');
  const X2W2 = named(X2.mul(W2), 'x2w2');
  const S = named(X1W1.add(X2W2), 's');
  const N = named(S.add(B), 'n');
  const O = named(N.tanh(), 'o');
  const E = named(O.sub(Y), 'e');
  const LOSS = named(E.square(), 'L');

  const forward: Row[] = [
    { quantity: 'x1·w1', rule: '', hand: x1w1, tape: X1W1.item() },
    { quantity: 'x2·w2', rule: '', hand: x2w2, tape: X2W2.item() },
    { quantity: 's', rule: 'x1·w1 + x2·w2', hand: s, tape: S.item() },
    { quantity: 'n', rule: 's + b', hand: n, tape: N.item() },
    { quantity: 'o', rule: 'tanh(n)', hand: o, tape: O.item() },
    { quantity: 'e', rule: 'o − y', hand: e, tape: E.item() },
    { quantity: 'L', rule: 'e²', hand: L, tape: LOSS.item() },
  ];

  // ---- backward, by hand: the chain rule, one local derivative at a time ----
  const dL = 1;
  const de = dL * 2 * e; //          d(e²)/de = 2e
  const dO = de * 1; //              d(o − y)/do = 1
  const dn = dO * (1 - o * o); //    d tanh(n)/dn = 1 − tanh²(n) = 1 − o²
  const ds = dn * 1; //              d(s + b)/ds = 1
  const db = dn * 1; //              d(s + b)/db = 1
  const dx1w1 = ds * 1; //           d(x1w1 + x2w2)/dx1w1 = 1
  const dx2w2 = ds * 1;
  const dw1 = dx1w1 * x1; //         d(x1·w1)/dw1 = x1
  const dw2 = dx2w2 * x2; //         d(x2·w2)/dw2 = x2

  // ---- backward, on the tape: the trace gives dy at every op's output, backward() the leaves ----
  const trace = tk.traceBackward(LOSS);
  LOSS.backward();
  const dyAt = (name: string): number => {
    const step = trace.steps.find((st) => st.output === name);
    if (step === undefined) throw new Error(`no backward step for ${name}`);
    return scalar(step.dy.values);
  };
  const backward: Row[] = [
    { quantity: 'dL/dL', rule: 'the seed', hand: dL, tape: dyAt('L') },
    { quantity: 'dL/de', rule: 'dL/dL · 2e', hand: de, tape: dyAt('e') },
    { quantity: 'dL/do', rule: 'dL/de · 1', hand: dO, tape: dyAt('o') },
    { quantity: 'dL/dn', rule: 'dL/do · (1 − o²)', hand: dn, tape: dyAt('n') },
    { quantity: 'dL/ds', rule: 'dL/dn · 1', hand: ds, tape: dyAt('s') },
    { quantity: 'dL/db', rule: 'dL/dn · 1', hand: db, tape: B.grad!.item() },
    { quantity: 'dL/d(x1w1)', rule: 'dL/ds · 1', hand: dx1w1, tape: dyAt('x1w1') },
    { quantity: 'dL/d(x2w2)', rule: 'dL/ds · 1', hand: dx2w2, tape: dyAt('x2w2') },
    { quantity: 'dL/dw1', rule: 'dL/d(x1w1) · x1', hand: dw1, tape: W1.grad!.item() },
    { quantity: 'dL/dw2', rule: 'dL/d(x2w2) · x2', hand: dw2, tape: W2.grad!.item() },
  ];

  let maxDifference = 0;
  const table = (title: string, rows: readonly Row[]): void => {
    print(title);
    print(`  ${'quantity'.padEnd(11)} ${'rule'.padEnd(18)} ${'by hand'.padStart(12)} ${'tape'.padStart(12)}`);
    for (const r of rows) {
      const diff = Math.abs(r.hand - r.tape) / Math.max(1, Math.abs(r.hand));
      maxDifference = Math.max(maxDifference, diff);
      const mark = diff < 1e-5 ? '✓' : '✗';
      print(`  ${r.quantity.padEnd(11)} ${r.rule.padEnd(18)} ${fmt(r.hand).padStart(12)} ${fmt(r.tape).padStart(12)}  ${mark}`);
    }
  };

  print('One neuron: n = x1·w1 + x2·w2 + b, o = tanh(n), L = (o − y)²');
  print(`  x1 = ${x1}, x2 = ${x2}, w1 = ${w1}, w2 = ${w2}, b = ${b}, y = ${y}`);
  print('');
  table('Forward pass', forward);
  print('');
  table('Backward pass (chain rule: each gradient = the one above it × a local derivative)', backward);
  print('');
  print(`largest difference between hand and tape: ${maxDifference.toExponential(2)} (the tape computes in float32)`);
  print('');
  print('The same backward pass as the tape ran it (tk.traceBackward):');
  print('');
  print(trace.format());
  return { forward, backward, maxDifference, trace };
}

function scalar(v: tk.NestedArray | null): number {
  if (typeof v !== 'number') throw new Error('expected a scalar');
  return v;
}

function fmt(v: number): string {
  return v.toFixed(6);
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) main();
