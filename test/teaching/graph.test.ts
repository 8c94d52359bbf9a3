// tk.graph: the structure of the exported graph for a known expression, and DOT / Mermaid text
// that a parser would accept (balanced braces, one line per node and per edge, escaped labels).

import { describe, expect, it } from 'vitest';
import * as tk from '../../src/index.js';

/** L = sum(2·(a·b + a)), a = [1, 2], b = [3, 4]. */
function expression() {
  const a = tk.variable(tk.tensor([1, 2]), { name: 'a' });
  const b = tk.variable(tk.tensor([3, 4]), { name: 'b' });
  const ab = a.mul(b);
  const s = ab.add(a);
  const s2 = s.mul(2);
  const L = s2.sum();
  return { a, b, ab, s, s2, L };
}

/** Text without the double-quoted strings (DOT escapes quotes inside them as \"). */
function outsideDotStrings(dot: string): string {
  return dot.replace(/"(?:[^"\\]|\\.)*"/g, '""');
}

describe('graph structure', () => {
  it('one node per tensor in creation order, op names, shapes, kinds, the output marked', () => {
    const { a, b, ab, s, s2, L } = expression();
    const g = tk.graph(L);
    const two = s2.node!.inputs[1]!; // the constant 2 made by mul
    expect(g.nodes.map((n) => n.tensorId)).toEqual([a.id, b.id, ab.id, s.id, two.id, s2.id, L.id]);
    expect(g.nodes.map((n) => n.id)).toEqual([a, b, ab, s, two, s2, L].map((t) => `t${t.id}`));
    expect(g.nodes.map((n) => n.kind)).toEqual(['variable', 'variable', 'op', 'op', 'constant', 'op', 'op']);
    expect(g.nodes.map((n) => n.op)).toEqual([null, null, 'mul', 'add', null, 'mul', 'sum']);
    expect(g.nodes.map((n) => n.name)).toEqual(['a', 'b', null, null, null, null, null]);
    expect(g.nodes.map((n) => n.shape)).toEqual([[2], [2], [2], [2], [], [2], []]);
    expect(g.nodes.map((n) => n.isOutput)).toEqual([false, false, false, false, false, false, true]);
    expect(g.output).toBe(`t${L.id}`);
    // values of small tensors: a·b = [3, 8], a·b + a = [4, 10], ·2 = [8, 20], sum = 28
    expect(g.nodes.map((n) => n.value)).toEqual([[1, 2], [3, 4], [3, 8], [4, 10], 2, [8, 20], 28]);
  });

  it('edges go from each input to the op output, in argument order', () => {
    const { a, b, ab, s, s2, L } = expression();
    const g = tk.graph(L);
    const two = s2.node!.inputs[1]!;
    const id = (t: tk.Tensor) => `t${t.id}`;
    expect(g.edges).toEqual([
      { from: id(a), to: id(ab), input: 0 },
      { from: id(b), to: id(ab), input: 1 },
      { from: id(ab), to: id(s), input: 0 },
      { from: id(a), to: id(s), input: 1 },
      { from: id(s), to: id(s2), input: 0 },
      { from: id(two), to: id(s2), input: 1 },
      { from: id(s2), to: id(L), input: 0 },
    ]);
  });

  it('gradients: none before backward; the leaves\' .grad after it; every node with computeGrads', () => {
    const { a, b, L } = expression();
    expect(tk.graph(L).nodes.every((n) => n.grad === null)).toBe(true);
    L.backward();
    // dL/da = 2·(b + 1) = [8, 10];  dL/db = 2·a = [2, 4]
    const after = tk.graph(L);
    expect(after.nodes.map((n) => n.grad)).toEqual([[8, 10], [2, 4], null, null, null, null, null]);
    // every node: dL/dL = 1, dL/ds2 = [1, 1], dL/ds = [2, 2], dL/dab = [2, 2]; constants get none
    const all = tk.graph(L, { computeGrads: true });
    expect(all.nodes.map((n) => n.grad)).toEqual([[8, 10], [2, 4], [2, 2], [2, 2], null, [1, 1], 1]);
    // computeGrads leaves .grad alone
    expect(Array.from(a.grad!.data)).toEqual([8, 10]);
    expect(Array.from(b.grad!.data)).toEqual([2, 4]);
  });

  it('labels show the op, the shape, then value and gradient for small tensors only', () => {
    const { L } = expression();
    L.backward();
    const g = tk.graph(L);
    expect(g.nodes[0]!.label).toEqual(['a (variable)', 'shape [2]', 'value [1, 2]', 'grad [8, 10]']);
    expect(g.nodes[2]!.label).toEqual(['mul', 'shape [2]', 'value [3, 8]']);
    expect(g.nodes[4]!.label).toEqual(['constant', 'shape []', 'value 2']);
    expect(g.nodes[6]!.label).toEqual(['sum', 'shape []', 'value 28']);
    const none = tk.graph(L, { maxValues: 0 });
    expect(none.nodes.every((n) => n.value === null && n.grad === null && n.label.length === 2)).toBe(true);
    const big = tk.variable(tk.ones([3, 4]), { name: 'big' });
    const gb = tk.graph(big.sum(1, true).mean());
    expect(gb.nodes[0]!.value).toBeNull(); // 12 elements > 8
    expect(gb.nodes[1]!.label[0]).toBe('sum axis=1 keepDims');
    expect(gb.nodes[1]!.value).toEqual([[4], [4], [4]]);
  });

  it('names of intermediate tensors, frozen variables and watched inputs are shown', () => {
    const w = tk.variable(tk.tensor([1, 2]), { name: 'w', trainable: false });
    const x = new tk.Tensor(new Float32Array([3, 4]), [2]);
    x.requiresGrad = true; // what tk.grad does to its arguments
    const h = x.mul(w);
    h.name = 'h';
    const g = tk.graph(h.sum());
    expect(g.nodes.map((n) => n.kind)).toEqual(['variable', 'input', 'op', 'op']);
    expect(g.nodes[0]!.label[0]).toBe('w (variable, frozen)');
    expect(g.nodes[0]!.trainable).toBe(false);
    expect(g.nodes[1]!.label[0]).toBe(`t${x.id} (input)`);
    expect(g.nodes[2]!.label[0]).toBe('h = mul');
  });

  it('a tensor used twice gets two edges; localIds number the nodes n0, n1, ...', () => {
    const a = tk.variable(tk.tensor(3), { name: 'a' });
    const y = a.add(a);
    const g = tk.graph(y, { localIds: true });
    expect(g.nodes.map((n) => n.id)).toEqual(['n0', 'n1']);
    expect(g.edges).toEqual([{ from: 'n0', to: 'n1', input: 0 }, { from: 'n0', to: 'n1', input: 1 }]);
    expect(g.mermaid.split('\n').filter((l) => l.includes('-->'))).toEqual(['  n0 --> n1', '  n0 --> n1']);
  });

  it('a result with no tape is one constant node; computeGrads on a non-scalar needs dy', () => {
    const c = tk.tensor([1, 2]).add(1);
    const g = tk.graph(c);
    expect(g.nodes).toHaveLength(1);
    expect(g.nodes[0]!.kind).toBe('constant');
    expect(g.edges).toEqual([]);
    const w = tk.variable(tk.tensor([1, 2]));
    const y = w.mul(3);
    expect(() => tk.graph(y, { computeGrads: true })).toThrow(/shape \[2\].*dy/);
    const withDy = tk.graph(y, { computeGrads: true, dy: [1, -1] });
    expect(withDy.nodes[0]!.grad).toEqual([3, -3]);
    expect(() => tk.graph(y, { computeGrads: true, dy: [1, 2, 3] })).toThrow(/dy has shape \[3\]/);
  });
});

describe('DOT text', () => {
  it('is a digraph with balanced braces, one statement per node and per edge', () => {
    const { L } = expression();
    const g = tk.graph(L, { direction: 'TB' });
    const dot = g.dot;
    const lines = dot.trimEnd().split('\n');
    expect(lines[0]).toBe('digraph tape {');
    expect(lines.at(-1)).toBe('}');
    expect(dot).toContain('rankdir=TB;');
    const bare = outsideDotStrings(dot);
    expect(bare.split('{').length).toBe(bare.split('}').length);
    const nodeLines = lines.filter((l) => /^ {2}[tn]\d+ \[label=/.test(l));
    expect(nodeLines).toHaveLength(g.nodes.length);
    const edgeLines = lines.filter((l) => l.includes('->'));
    expect(edgeLines).toEqual(g.edges.map((e) => `  ${e.from} -> ${e.to};`));
    for (const l of nodeLines) expect(l.endsWith('];')).toBe(true);
    expect(nodeLines.at(-1)).toContain('penwidth'); // the output
    expect(nodeLines[0]).toContain('fillcolor'); // a variable
    expect(nodeLines[4]).toContain('style=dashed'); // the constant
  });

  it('escapes quotes, backslashes and newlines in labels', () => {
    const w = tk.variable(tk.tensor([1]), { name: 'say "hi" \\ then\nmore' });
    const dot = tk.graph(w.mul(2).sum()).dot;
    const line = dot.split('\n').find((l) => l.includes('say'))!;
    expect(line).toContain('label="say \\"hi\\" \\\\ then\\nmore (variable)\\nshape [1]');
    // every quote inside the label is escaped: the line has exactly the two label delimiters
    // plus the attribute strings, and it parses as key="..." pairs
    const unescapedQuotes = line.replace(/\\\\/g, '').replace(/\\"/g, '').split('"').length - 1;
    expect(unescapedQuotes % 2).toBe(0);
    expect(outsideDotStrings(line)).toMatch(/^ {2}t\d+ \[label="", shape=box, style="", fillcolor="", color=""\];$/);
  });
});

describe('Mermaid text', () => {
  const NODE = /^ {2}([tn]\d+)(\(\[|\[\/|\[)"([^"]*)"(\]\)|\/\]|\])$/;

  it('is a flowchart with one line per node (shape by kind) and one line per edge', () => {
    const { L } = expression();
    const g = tk.graph(L);
    const lines = g.mermaid.trimEnd().split('\n');
    expect(lines[0]).toBe('flowchart LR');
    const nodeLines = lines.filter((l) => NODE.test(l));
    expect(nodeLines).toHaveLength(g.nodes.length);
    const shapes = nodeLines.map((l) => l.match(NODE)![2]);
    expect(shapes).toEqual(['([', '([', '[', '[', '[/', '[', '[']); // variables, ops, the constant
    const edgeLines = lines.filter((l) => l.includes('-->'));
    expect(edgeLines).toEqual(g.edges.map((e) => `  ${e.from} --> ${e.to}`));
    expect(lines).toContain(`  class ${g.nodes[0]!.id},${g.nodes[1]!.id} variable`);
    expect(lines).toContain(`  class ${g.nodes[4]!.id} constant`);
    expect(lines).toContain(`  class ${g.output} output`);
    // the lines are exactly: header, nodes, edges, 4 classDefs, class lines
    expect(lines.length).toBe(1 + g.nodes.length + g.edges.length + 4 + 3);
    // brackets balance on every node line
    for (const l of nodeLines) {
      const text = l.replace(/"[^"]*"/, '');
      expect(text.split('[').length).toBe(text.split(']').length);
      expect(text.split('(').length).toBe(text.split(')').length);
    }
    expect(nodeLines[0]).toBe(`  ${g.nodes[0]!.id}(["a (variable)<br/>shape [2]<br/>value [1, 2]"])`);
  });

  it('escapes quotes, #, <, >, &, backticks and newlines as entity codes', () => {
    const w = tk.variable(tk.tensor([1]), { name: 'say "hi" #1 <b> & `x`\nnext' });
    const m = tk.graph(w.mul(2).sum()).mermaid;
    const line = m.split('\n').find((l) => l.includes('say'))!;
    expect(line).toMatch(NODE);
    expect(line).toContain('say #quot;hi#quot; #35;1 #lt;b#gt; #amp; #96;x#96;<br/>next (variable)<br/>shape [1]');
  });
});
