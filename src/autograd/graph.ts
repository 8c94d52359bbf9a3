// Graph export for teaching: the part of the tape a result depends on, as data, as Graphviz DOT
// and as Mermaid flowchart text (micrograd's `draw_dot`, for a real engine).
//
// One node per tensor: the output of each recorded op (named by its op), the leaves that require
// a gradient (Variables, and inputs watched by `tk.grad`), and the constants the ops read. One
// edge per op input, from the input to the op's output. Node ids come from `Tensor.id` (`t12`),
// so the same tensor has the same id in a graph, a backward trace and an error message; pass
// `localIds: true` for ids numbered within the graph (`n0`, `n1`, ...), which do not depend on
// what the process computed before (for diagrams committed to a repository).

import { Tensor, Variable, toTensor, type NestedArray, type TensorLike } from '../tensor/tensor.js';
import { formatShape, shapesEqual } from '../tensor/shape.js';
import { backprop } from './tape.js';

/** What a graph node stands for. */
export type GraphNodeKind =
  /** The output of a recorded op. */
  | 'op'
  /** A Variable (trainable or frozen): a weight. */
  | 'variable'
  /** A leaf tensor that requires a gradient but is not a Variable (an argument watched by `tk.grad`). */
  | 'input'
  /** A tensor no gradient flows to: data, labels, numbers like the `2` of `x.mul(2)`. */
  | 'constant';

/** One node of a {@link ComputationGraph}: one tensor. */
export interface GraphNode {
  /** `t` + `Tensor.id` (or `n` + position with `localIds`): safe as a DOT and a Mermaid id. */
  readonly id: string;
  /** The tensor's `id`. */
  readonly tensorId: number;
  /** What the tensor is: an op's output, a variable, a watched input or a constant. */
  readonly kind: GraphNodeKind;
  /** The op that produced the tensor (`'matmul'`, ...); null for leaves and constants. */
  readonly op: string | null;
  /** The tensor's `name` (`'dense/kernel'`, or any label you set on a tensor), else null. */
  readonly name: string | null;
  /** The tensor's shape. */
  readonly shape: readonly number[];
  /** The op's small non-tensor arguments (axis, shape, ...), else null. */
  readonly attrs: Readonly<Record<string, unknown>> | null;
  /** The values (float32, as stored), when the tensor has at most `maxValues` elements; else null. */
  readonly value: NestedArray | null;
  /**
   * The gradient of the result with respect to this tensor, when known and small: a leaf's
   * `.grad` (after `backward()`), or any node's with `computeGrads: true`. Else null.
   */
  readonly grad: NestedArray | null;
  /** False only for a Variable that is frozen (`trainable = false`). */
  readonly trainable: boolean;
  /** True for the tensor the graph was drawn from. */
  readonly isOutput: boolean;
  /** The text shown in the box, one entry per line. */
  readonly label: readonly string[];
}

/** One edge: `from` is input number `input` of the op that produced `to`. */
export interface GraphEdge {
  /** The id ({@link GraphNode.id}) of the input tensor's node. */
  readonly from: string;
  /** The id of the node of the op's output. */
  readonly to: string;
  /** The argument position of `from` in that op (0 for `a`, 1 for `b` of `matmul(a, b)`). */
  readonly input: number;
}

/** Options of {@link graph}. */
export interface GraphOptions {
  /** Show values and gradients of tensors with at most this many elements (default 8; 0 for none). */
  maxValues?: number;
  /** Significant digits of the numbers in the labels (default 4). */
  precision?: number;
  /**
   * Run a backward pass to show the gradient at EVERY node (default false: only leaves show a
   * gradient, their `.grad`, which is set once `backward()` has run). The pass leaves `.grad`
   * untouched.
   */
  computeGrads?: boolean;
  /** The gradient to start that pass from when the result is not a scalar (shaped like it). */
  dy?: TensorLike;
  /** Layout: left to right (default) or top to bottom. */
  direction?: 'LR' | 'TB';
  /** Number the nodes n0, n1, ... in creation order instead of by Tensor.id (default false). */
  localIds?: boolean;
}

/**
 * The recorded computation behind a tensor, as data and as diagram text. Made by {@link graph}.
 *
 * @example
 * ```ts
 * const g = tk.graph(loss);
 * g.nodes.length;                          // one per tensor
 * writeFileSync('tape.dot', g.dot);        // then: dot -Tsvg tape.dot > tape.svg
 * ```
 */
export class ComputationGraph {
  /** Every tensor the result depends on, in creation order (so inputs come before their ops). */
  readonly nodes: readonly GraphNode[];
  /** One per op input, grouped by op in creation order, inputs in argument order. */
  readonly edges: readonly GraphEdge[];
  /** The id of the result's node. */
  readonly output: string;
  /** Layout direction of `dot` and `mermaid`. */
  readonly direction: 'LR' | 'TB';

  constructor(nodes: readonly GraphNode[], edges: readonly GraphEdge[], output: string, direction: 'LR' | 'TB' = 'LR') {
    this.nodes = nodes;
    this.edges = edges;
    this.output = output;
    this.direction = direction;
  }

  /** Graphviz DOT text: `dot -Tsvg graph.dot > graph.svg`. */
  get dot(): string {
    const lines = ['digraph tape {', `  rankdir=${this.direction};`, '  node [fontname="Helvetica", fontsize=10];'];
    for (const n of this.nodes) {
      const label = n.label.map(escapeDot).join('\\n');
      lines.push(`  ${n.id} [label="${label}", ${DOT_STYLE[n.kind]}${n.isOutput ? ', penwidth=2.5' : ''}];`);
    }
    for (const e of this.edges) lines.push(`  ${e.from} -> ${e.to};`);
    lines.push('}');
    return lines.join('\n') + '\n';
  }

  /** Mermaid flowchart text: paste into a ```mermaid block (GitHub renders it). */
  get mermaid(): string {
    const lines = [`flowchart ${this.direction}`];
    for (const n of this.nodes) {
      const [open, close] = MERMAID_SHAPE[n.kind];
      lines.push(`  ${n.id}${open}"${n.label.map(escapeMermaid).join('<br/>')}"${close}`);
    }
    for (const e of this.edges) lines.push(`  ${e.from} --> ${e.to}`);
    lines.push(
      '  classDef variable fill:#dbeafe,stroke:#1d4ed8',
      '  classDef input fill:#dcfce7,stroke:#15803d',
      '  classDef constant fill:#f3f4f6,stroke:#9ca3af,stroke-dasharray:4 3',
      '  classDef output stroke-width:3px',
    );
    for (const kind of ['variable', 'input', 'constant'] as const) {
      const ids = this.nodes.filter((n) => n.kind === kind).map((n) => n.id);
      if (ids.length > 0) lines.push(`  class ${ids.join(',')} ${kind}`);
    }
    lines.push(`  class ${this.output} output`);
    return lines.join('\n') + '\n';
  }

  /** The DOT text. */
  toString(): string {
    return this.dot;
  }
}

const DOT_STYLE: Record<GraphNodeKind, string> = {
  op: 'shape=box, style=rounded',
  variable: 'shape=box, style="rounded,filled", fillcolor="#dbeafe", color="#1d4ed8"',
  input: 'shape=box, style="rounded,filled", fillcolor="#dcfce7", color="#15803d"',
  constant: 'shape=box, style=dashed, color="#9ca3af"',
};

/** Mermaid node shapes: ops are rectangles, leaves stadiums, constants parallelograms. */
const MERMAID_SHAPE: Record<GraphNodeKind, readonly [string, string]> = {
  op: ['[', ']'],
  variable: ['([', '])'],
  input: ['([', '])'],
  constant: ['[/', '/]'],
};

/** Escapes text for a double-quoted DOT string (one line; the caller joins lines with `\n`). */
export function escapeDot(text: string): string {
  return text.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\r?\n/g, '\\n');
}

/**
 * Escapes text for a double-quoted Mermaid label: Mermaid has no backslash escapes, only entity
 * codes (`#quot;`), so `#` itself is escaped first, then the characters that would end the
 * string or start HTML or markdown.
 */
export function escapeMermaid(text: string): string {
  return text
    .replace(/#/g, '#35;')
    .replace(/"/g, '#quot;')
    .replace(/&/g, '#amp;')
    .replace(/</g, '#lt;')
    .replace(/>/g, '#gt;')
    .replace(/`/g, '#96;')
    .replace(/\r?\n/g, '<br/>');
}

/**
 * The recorded computation `root` depends on, as data (`nodes`, `edges`) and as diagram text
 * (`dot` for Graphviz, `mermaid` for Markdown). Small tensors show their values, and their
 * gradients once known: a leaf's `.grad` after `root.backward()`, or every node's with
 * `{ computeGrads: true }`.
 *
 * @example
 * ```ts
 * const w = tk.variable(tk.tensor([1, -2]), { name: 'w' });
 * const loss = w.mul(3).relu().sum();
 * loss.backward();
 * const g = tk.graph(loss);
 * g.nodes.map((n) => n.op ?? n.kind);   // ['variable', 'constant', 'mul', 'relu', 'sum']
 * console.log(g.mermaid);               // flowchart LR ... (paste into a ```mermaid block)
 * ```
 */
export function graph(root: Tensor, options: GraphOptions = {}): ComputationGraph {
  if (!(root instanceof Tensor)) throw new Error(`graph: expected a Tensor, got ${typeof root}`);
  const maxValues = options.maxValues ?? 8;
  const precision = options.precision ?? 4;
  const tensors = collect(root);
  const ids = new Map<Tensor, string>();
  tensors.forEach((t, i) => ids.set(t, options.localIds === true ? `n${i}` : `t${t.id}`));
  const grads = options.computeGrads === true ? allGradients(root, options.dy) : null;

  const nodes = tensors.map((t): GraphNode => {
    const kind = kindOf(t);
    const g = grads === null ? (kind === 'op' ? null : t.grad) : (grads.get(t) ?? null);
    const small = (x: Tensor | null): NestedArray | null => (x !== null && x.size <= maxValues ? x.toArray() : null);
    const node = {
      id: ids.get(t)!,
      tensorId: t.id,
      kind,
      op: t.node?.op ?? null,
      name: t.name ?? null,
      shape: t.shape.slice(),
      attrs: t.node?.attrs ?? null,
      value: small(t),
      grad: small(g),
      trainable: !(t instanceof Variable) || t.trainable,
      isOutput: t === root,
    };
    return { ...node, label: labelOf(node, precision) };
  });
  const edges: GraphEdge[] = [];
  for (const t of tensors) {
    if (t.node === null) continue;
    t.node.inputs.forEach((x, input) => edges.push({ from: ids.get(x)!, to: ids.get(t)!, input }));
  }
  return new ComputationGraph(nodes, edges, ids.get(root)!, options.direction ?? 'LR');
}

/** Every tensor reachable from `root` through op inputs, in creation order (explicit stack). */
function collect(root: Tensor): Tensor[] {
  const seen = new Set<Tensor>([root]);
  const stack = [root];
  while (stack.length > 0) {
    const t = stack.pop()!;
    for (const x of t.node?.inputs ?? []) {
      if (!seen.has(x)) {
        seen.add(x);
        stack.push(x);
      }
    }
  }
  // NOTE: an op's output is created after its inputs, so Tensor.id order is a topological order.
  return [...seen].sort((a, b) => a.id - b.id);
}

/** How a tensor enters the graph. */
export function kindOf(t: Tensor): GraphNodeKind {
  if (t.node !== null) return 'op';
  if (t instanceof Variable) return 'variable';
  return t.requiresGrad ? 'input' : 'constant';
}

/** The short name of a tensor in traces and reports: its `name`, else `t<id>`. */
export function tensorLabel(t: Tensor): string {
  return t.name ?? `t${t.id}`;
}

/** The gradient of `root` with respect to every tensor of its graph, from one backward pass. */
function allGradients(root: Tensor, dy: TensorLike | undefined): Map<Tensor, Tensor> {
  const out = new Map<Tensor, Tensor>();
  if (!root.requiresGrad) return out;
  const seed = seedOf(root, dy, 'graph');
  const leaves = backprop(root, seed, (step) => out.set(step.output, step.dy));
  for (const [leaf, g] of leaves) out.set(leaf, g);
  return out;
}

/** The seed of a teaching backward pass: 1 for a scalar, else `dy` checked against the shape. */
export function seedOf(root: Tensor, dy: TensorLike | undefined, who: string): Tensor {
  if (dy === undefined) {
    if (root.size !== 1) {
      throw new Error(`${who}: the result has shape ${formatShape(root.shape)}; pass { dy } (the gradient to start from, of that shape) or reduce it to a scalar first`);
    }
    return new Tensor(new Float32Array([1]), root.shape);
  }
  const seed = toTensor(dy, who);
  if (!shapesEqual(seed.shape, root.shape)) {
    throw new Error(`${who}: dy has shape ${formatShape(seed.shape)} but the result has shape ${formatShape(root.shape)}`);
  }
  return seed;
}

/** A number with `precision` significant digits, without trailing zeros: 0.1, 2, -3.142, 1.5e-7. */
export function formatNumber(v: number, precision = 4): string {
  if (!Number.isFinite(v)) return String(v);
  if (Number.isInteger(v) && Math.abs(v) < 1e6) return String(v);
  return String(Number(v.toPrecision(precision)));
}

/** Nested values as text: `2`, `[1, 2]`, `[[1, 2], [3, 4]]`. */
export function formatNested(v: NestedArray, precision = 4): string {
  return typeof v === 'number' ? formatNumber(v, precision) : `[${v.map((x) => formatNested(x, precision)).join(', ')}]`;
}

/** `axis=-1 keepDims` for the attrs worth a glance (short numbers, booleans, number lists). */
function formatAttrs(attrs: Readonly<Record<string, unknown>> | null): string {
  if (attrs === null) return '';
  const parts: string[] = [];
  for (const [key, v] of Object.entries(attrs)) {
    // NOTE: a customGrad's derivative text belongs to traces, not to the box.
    if (v === undefined || v === null || v === false || key === 'derivative') continue;
    if (v === true) parts.push(key);
    else if (typeof v === 'number' || typeof v === 'string') parts.push(`${key}=${v}`);
    else if (Array.isArray(v) && v.every((x) => typeof x === 'number')) parts.push(`${key}=[${v.join(',')}]`);
  }
  const text = parts.join(' ');
  return text.length > 0 && text.length <= 40 ? ` ${text}` : '';
}

function labelOf(n: Omit<GraphNode, 'label'>, precision: number): string[] {
  let title: string;
  if (n.kind === 'op') title = `${n.name === null ? '' : `${n.name} = `}${n.op}${formatAttrs(n.attrs)}`;
  else if (n.kind === 'variable') title = `${n.name ?? `t${n.tensorId}`} (variable${n.trainable ? '' : ', frozen'})`;
  else if (n.kind === 'input') title = `${n.name ?? `t${n.tensorId}`} (input)`;
  else title = n.name ?? 'constant';
  const lines = [title, `shape ${formatShape(n.shape)}`];
  if (n.value !== null) lines.push(`value ${formatNested(n.value, precision)}`);
  if (n.grad !== null) lines.push(`grad ${formatNested(n.grad, precision)}`);
  return lines;
}
