// The worked examples in examples/backprop run, print what they promise, and get their key
// numbers right; docs/backprop-graph.md is exactly what examples/backprop/graph.ts writes.

import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import * as scalarNetwork from '../../examples/backprop/scalar_network.js';
import * as xor from '../../examples/backprop/xor.js';
import * as linearRegression from '../../examples/backprop/linear_regression.js';
import * as customGradient from '../../examples/backprop/custom_gradient.js';
import * as graphExample from '../../examples/backprop/graph.js';
import * as newton from '../../examples/backprop/newton.js';
import * as gradientPenalty from '../../examples/backprop/gradient_penalty.js';

const root = fileURLToPath(new URL('../../', import.meta.url));

/** Runs `npx tsx examples/backprop/<name>.ts`, as a reader would. */
function runExample(name: string, args: string[] = []): { status: number | null; stdout: string; stderr: string } {
  const tsx = `${root}node_modules/.bin/tsx`;
  const r = spawnSync(tsx, [`examples/backprop/${name}.ts`, ...args], { cwd: root, encoding: 'utf8', timeout: 120_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

function capture(): { lines: string[]; print: (line: string) => void } {
  const lines: string[] = [];
  return { lines, print: (line) => lines.push(...line.split('\n')) };
}

describe('scalar_network: the chain rule by hand beside the tape', () => {
  it('every hand-computed value and gradient matches the tape', () => {
    const out = capture();
    const r = scalarNetwork.main(out.print);
    expect(r.maxDifference).toBeLessThan(1e-5);
    for (const row of [...r.forward, ...r.backward]) expect(Math.abs(row.hand - row.tape), row.quantity).toBeLessThan(1e-5);
    const get = (q: string) => r.backward.find((row) => row.quantity === q)!;
    // micrograd's neuron: o = tanh(0.8814) = 1/√2, so 1 − o² = 1/2; e = o − 1
    const e = Math.SQRT1_2 - 1;
    expect(get('dL/de').hand).toBeCloseTo(2 * e, 12);
    expect(get('dL/dn').hand).toBeCloseTo(2 * e * 0.5, 12);
    expect(get('dL/dw1').tape).toBeCloseTo(2 * e * 0.5 * 2, 5); // · x1 = 2
    expect(Math.abs(get('dL/dw2').tape)).toBe(0); // · x2 = 0 (−0 in IEEE: −0.29 · 0)
    expect(get('dL/db').tape).toBeCloseTo(2 * e * 0.5, 5);
    expect(r.trace.steps.map((s) => s.op)).toEqual(['square', 'add', 'tanh', 'add', 'add', 'mul', 'mul']);
    // the printout has a ✓ on every row and the trace at the end
    const rows = out.lines.filter((l) => /[✓✗]$/.test(l));
    expect(rows).toHaveLength(17); // 7 forward, 10 backward
    expect(rows.every((l) => l.endsWith('✓'))).toBe(true);
    expect(out.lines).toContain('  dL/dw1      dL/d(x1w1) · x1       -0.585786    -0.585787  ✓');
    expect(out.lines).toContain('step 3  o = tanh(n)');
  });
});

describe('xor: an MLP learns XOR', () => {
  it('gets all four right with a falling loss, and prints gradient stats', async () => {
    const out = capture();
    const r = await xor.main(out.print);
    expect(r.correct).toBe(4);
    expect(r.predictions[0]).toBeLessThan(0.1);
    expect(r.predictions[1]).toBeGreaterThan(0.9);
    expect(r.predictions[2]).toBeGreaterThan(0.9);
    expect(r.predictions[3]).toBeLessThan(0.1);
    expect(r.losses.at(-1)!).toBeLessThan(0.05);
    expect(r.losses.at(-1)!).toBeLessThan(r.losses[0]! / 10);
    expect(r.gradientStats).toHaveLength(200);
    expect(r.gradientStats[0]!.layers.map((l) => l.layer)).toEqual(['hidden', 'output']);
    expect(out.lines).toContain('4/4 correct');
    expect(out.lines.filter((l) => l.startsWith('gradient stats, epoch '))).toHaveLength(4);
  });
});

describe('linear_regression: a custom loop with valueAndGrad and applyGradients', () => {
  it('recovers the coefficients and matches the least-squares solution', () => {
    const out = capture();
    const r = linearRegression.main(out.print);
    r.trueW.forEach((w, i) => expect(Math.abs(r.w[i]! - w)).toBeLessThan(0.05));
    expect(Math.abs(r.b - r.trueB)).toBeLessThan(0.05);
    r.leastSquares.w.forEach((w, i) => expect(Math.abs(r.w[i]! - w)).toBeLessThan(1e-3));
    expect(Math.abs(r.b - r.leastSquares.b)).toBeLessThan(1e-3);
    expect(r.losses[0]!).toBeGreaterThan(10);
    expect(r.losses.at(-1)!).toBeLessThan(0.02); // ≈ the noise variance 0.01
    expect(out.lines.at(-3)).toMatch(/^true\s+2\.0000\s+-3\.5000\s+0\.5000$/);
  });
});

describe('custom_gradient: checkGradients catches a forgotten transpose', () => {
  it('passes the correct op and names B, its element, numeric vs analytic for the wrong one', () => {
    const out = capture();
    const r = customGradient.main(out.print);
    expect(r.sameForward).toBe(true);
    expect(r.correctError).toBeLessThan(1e-3);
    expect(r.wrongReport.maxError).toBeGreaterThan(0.5);
    expect(r.wrongReport.input).toBe(1);
    expect(r.wrongReport.inputs[0]!.maxError).toBeLessThan(1e-3);
    expect(r.wrongReport.shape).toEqual([3, 2]);
    expect(r.wrongReport.position).toHaveLength(2);
    expect(r.wrongExplanation).toContain('gradient check FAILED');
    expect(r.wrongExplanation).toMatch(/worst: B \(input 1\), shape \[3,2\], element \d \(position \[\d, \d\]\)/);
    expect(r.wrongExplanation).toMatch(/analytic \(backward pass\) +-?\d/);
    expect(r.wrongExplanation).toMatch(/numeric \(finite difference\) +-?\d/);
    expect(out.lines.some((l) => l.includes('gradient check passed'))).toBe(true);
  });
});

describe('graph: docs/backprop-graph.md', () => {
  it('is up to date with examples/backprop/graph.ts (run `npx tsx examples/backprop/graph.ts` to regenerate)', () => {
    const file = readFileSync(`${root}${graphExample.OUTPUT}`, 'utf8');
    expect(file).toBe(graphExample.render());
  });

  it('draws Dense(3, relu) → Dense(1) with MSE: the weights marked, matmul/add/relu/matmul/add/loss', () => {
    const g = graphExample.buildGraph();
    expect(g.nodes.filter((n) => n.kind === 'variable').map((n) => [n.name, n.shape])).toEqual([
      ['hidden/kernel', [2, 3]], ['hidden/bias', [3]], ['output/kernel', [3, 1]], ['output/bias', [1]],
    ]);
    expect(g.nodes.filter((n) => n.kind === 'op').map((n) => n.op)).toEqual(['matmul', 'add', 'relu', 'matmul', 'add', 'squaredDifference', 'mean', 'mean']);
    expect(g.nodes.every((n) => n.kind !== 'op' || n.grad !== null)).toBe(true);
    const md = graphExample.render();
    expect(md).toContain('```mermaid\nflowchart TB\n');
    expect(md.trimEnd().endsWith('```')).toBe(true);
  });
});

describe('newton: Newton\'s method with tk.hessian on Rosenbrock\'s function', () => {
  it('reaches (1, 1) in a few steps, converging quadratically, far faster than gradient descent', () => {
    const out = capture();
    const r = newton.main(out.print);
    const [x, y] = r.path.at(-1)!;
    expect(Math.abs(x - 1)).toBeLessThan(1e-4);
    expect(Math.abs(y - 1)).toBeLessThan(1e-4);
    expect(r.path.length - 1).toBeLessThanOrEqual(8);
    // quadratic convergence: the last step cut ‖∇f‖ by far more than a constant factor
    const n = r.gradNorms;
    expect(n.at(-1)! / n.at(-2)!).toBeLessThan(1e-3);
    expect(r.gradientDescentSteps).toBeGreaterThan(100 * (r.path.length - 1));
    // H at (−1.2, 1) = [[2 − 400(y − 3x²), −400x], [−400x, 200]] = [[1330, 480], [480, 200]]
    expect(r.formulaAtStart.map((v) => Math.round(v * 1e6) / 1e6)).toEqual([1330, 480, 480, 200]);
    r.hessianAtStart.forEach((v, i) => expect(Math.abs(v - r.formulaAtStart[i]!)).toBeLessThan(1e-3));
    expect(out.lines).toContain('tk.hessian at the start: [[1330, 480], [480, 200]]');
  });
});

describe('gradient_penalty: WGAN-GP on a 2-D Gaussian', () => {
  it('the generator learns the real mean and spread, and the penalty holds ‖∂D/∂x̂‖ near 1', () => {
    const out = capture();
    const r = gradientPenalty.main(out.print);
    expect(Math.hypot(r.startMean[0] - 2, r.startMean[1] + 1)).toBeGreaterThan(2);
    expect(Math.abs(r.endMean[0] - r.realMean[0])).toBeLessThan(0.25);
    expect(Math.abs(r.endMean[1] - r.realMean[1])).toBeLessThan(0.25);
    for (const s of r.endStd) expect(Math.abs(s - 0.5)).toBeLessThan(0.2);
    expect(Math.abs(r.endGradNorm - 1)).toBeLessThan(0.3);
    expect(r.penalties.every((p) => Number.isFinite(p))).toBe(true);
    expect(out.lines.some((l) => l.startsWith('real mean (2.'))).toBe(true);
  });
});

describe('each example runs with tsx', () => {
  it.each([
    ['scalar_network', 'largest difference between hand and tape'],
    ['xor', '4/4 correct'],
    ['linear_regression', 'least sq.'],
    ['custom_gradient', 'gradient check FAILED'],
    ['newton', 'Newton: '],
    ['gradient_penalty', 'generated mean'],
  ])('npx tsx examples/backprop/%s.ts', (name, expected) => {
    const r = runExample(name);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toContain(expected);
  });

  it('npx tsx examples/backprop/graph.ts --dot prints the same graph as DOT', () => {
    const r = runExample('graph', ['--dot']);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toBe(graphExample.buildGraph().dot);
  });
});
