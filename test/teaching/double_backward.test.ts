// tk.graph and tk.traceBackward of a gradient: a double-backward graph holds the forward ops and
// the backward's own ops (reluGrad, ...), and walking it gives the second derivative.

import { describe, expect, it } from 'vitest';
import * as tk from '../../src/index.js';

describe('a double-backward graph', () => {
  // w = [1, −2], x = [3, 4];  L = Σ relu(w)·w·x = 1·1·3 = 3
  //   ∂L/∂w = (relu'(w)·w + relu(w))·x = ([1, 0]·[1, −2] + [1, 0])·[3, 4] = [6, 0]
  //   P = Σ ∂L/∂w;   ∂P/∂w = 2·relu'(w)·x = [6, 0]   (relu'' = 0 away from the kink)
  function setup() {
    const w = tk.variable(tk.tensor([1, -2]), { name: 'w' });
    const x = tk.tensor([3, 4]);
    const loss = w.relu().mul(w).mul(x).sum();
    loss.backward({ createGraph: true });
    const g = w.grad!;
    g.name = 'dL/dw';
    return { w, g };
  }

  it('tk.graph(w.grad) shows the forward ops and the recorded backward, seeded by a leaf named seed', () => {
    const { g } = setup();
    expect(g.toArray()).toEqual([6, 0]);
    const drawn = tk.graph(g);
    const ops = drawn.nodes.filter((n) => n.kind === 'op').map((n) => n.op);
    expect(ops).toEqual(['relu', 'reshape', 'broadcastTo', 'mul', 'mul', 'mul', 'reluGrad', 'add']); // the loss's sum is not needed: its rule reads no values
    expect(drawn.nodes.find((n) => n.name === 'seed')?.kind).toBe('input');
    expect(drawn.nodes.find((n) => n.isOutput)?.label[0]).toBe('dL/dw = add'); // relu'(w)·w·x + relu(w)·x
    expect(drawn.mermaid).toContain('reluGrad');
    expect(drawn.dot).toContain('reluGrad');
  });

  it('tk.traceBackward(Σ w.grad) walks it: the steps include the backward\'s own ops, the leaf gets ∂²', () => {
    const { w, g } = setup();
    const trace = tk.traceBackward(g.sum());
    const ops = trace.steps.map((s) => s.op);
    expect(ops).toEqual(expect.arrayContaining(['reluGrad', 'relu', 'mul', 'add']));
    // latest first: the backward's nodes come after the forward's on the tape, so they are visited first
    expect(ops.indexOf('reluGrad')).toBeLessThan(ops.indexOf('relu'));
    const reluGrad = trace.steps.find((s) => s.op === 'reluGrad')!;
    expect(reluGrad.derivative).toBe(tk.primitives.find((p) => p.op === 'reluGrad')!.derivative);
    expect(trace.leaves.map((l) => [l.tensor, l.grad.values])).toEqual([['w', [6, 0]]]);
    expect(trace.grads.get(w)!.toArray()).toEqual([6, 0]);
    expect(trace.format()).toContain('reluGrad');
  });
});
