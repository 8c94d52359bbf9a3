// The backward pass, step by step: what `backward()` does, written down for a learner.
//
// `traceBackward(loss)` runs the same walk as `loss.backward()` (tape.ts: `backprop`, with its
// observer) and records, for each op in the order the walk visits it (latest first): the op, its
// local derivative as listed in src/ops/index.ts, the gradient `dy` arriving at its output, and
// the gradient it sends to each input (already summed back to the input's shape). Small tensors
// keep their values; large ones their shape and L2 norm.

import { primitives } from '../ops/index.js';
import { Tensor, type NestedArray, type TensorLike } from '../tensor/tensor.js';
import { formatShape } from '../tensor/shape.js';
import { backprop } from './tape.js';
import { formatNested, formatNumber, kindOf, seedOf, tensorLabel, type GraphNodeKind } from './graph.js';

/** A tensor as a trace shows it. */
export interface TracedTensor {
  /** The tensor's shape. */
  readonly shape: readonly number[];
  /** The L2 norm √Σx². */
  readonly norm: number;
  /** The values (float32, as stored) when there are at most `maxValues`; else null. */
  readonly values: NestedArray | null;
}

/** One input of a traced op and the gradient sent to it. */
export interface TracedInput {
  /** Argument position (0 for `a`, 1 for `b`). */
  readonly index: number;
  /** The input's label: its `name`, else `t<id>`. */
  readonly tensor: string;
  /** The input's `Tensor.id` (the `t<id>` of graphs and error messages). */
  readonly tensorId: number;
  /** What the input is: an op's output, a variable, a watched input or a constant. */
  readonly kind: GraphNodeKind;
  /** The gradient sent to it; null when none is (a constant, a frozen weight, an integer index). */
  readonly grad: TracedTensor | null;
}

/** One step of the backward walk: one recorded op. */
export interface BackwardTraceStep {
  /** 1, 2, ... in the order the walk visits the ops (the reverse of creation order). */
  readonly step: number;
  /** The op's name on the tape (`'matmul'`, `'relu'`, a `customGrad`'s name, ...). */
  readonly op: string;
  /** The op's position on the tape (creation order). */
  readonly tapeId: number;
  /** The label of the op's output tensor (its `name`, else `t<id>`). */
  readonly output: string;
  /** The output tensor's `Tensor.id`. */
  readonly outputId: number;
  /** The local derivative, from `tk.primitives` (or given to `customGrad`). */
  readonly derivative: string;
  /** The gradient arriving at the op's output. */
  readonly dy: TracedTensor;
  /** Each input, with the gradient sent to it. */
  readonly inputs: readonly TracedInput[];
}

/** A leaf's total gradient at the end of the walk. */
export interface TracedLeaf {
  /** The leaf's label: its `name`, else `t<id>`. */
  readonly tensor: string;
  /** The leaf's `Tensor.id`. */
  readonly tensorId: number;
  /** `'variable'` for a Variable, `'input'` for an argument watched by `tk.grad`. */
  readonly kind: GraphNodeKind;
  /** The sum of every gradient the walk sent to this leaf. */
  readonly grad: TracedTensor;
}

/** Options of {@link traceBackward}. */
export interface TraceOptions {
  /** The gradient to start from when the result is not a scalar (shaped like it). */
  dy?: TensorLike;
  /** Keep the values of tensors with at most this many elements (default 8). */
  maxValues?: number;
  /** Significant digits of the values printed by `format()` (default 4). */
  precision?: number;
}

/**
 * The record of one backward walk: `steps` in order, the leaves' gradients, and a printout.
 * Made by {@link traceBackward}.
 *
 * @example
 * ```ts
 * const trace = tk.traceBackward(loss);
 * trace.steps[0].op;            // the last op recorded, visited first
 * console.log(trace.format());
 * ```
 */
export class BackwardTrace {
  /** The label of the tensor the walk started from. */
  readonly root: string;
  /** The gradient the walk started from. */
  readonly seed: TracedTensor;
  /** One entry per recorded op, in the order the walk visits them (latest op first). */
  readonly steps: readonly BackwardTraceStep[];
  /** Each leaf that requires a gradient (Variables, watched inputs), with its total gradient. */
  readonly leaves: readonly TracedLeaf[];
  /** The leaves' gradients as full tensors (what `backward()` would add to their `.grad`). */
  readonly grads: ReadonlyMap<Tensor, Tensor>;
  private readonly precision: number;

  constructor(root: string, seed: TracedTensor, steps: readonly BackwardTraceStep[], leaves: readonly TracedLeaf[], grads: ReadonlyMap<Tensor, Tensor>, precision = 4) {
    this.root = root;
    this.seed = seed;
    this.steps = steps;
    this.leaves = leaves;
    this.grads = grads;
    this.precision = precision;
  }

  /** The trace as text, one block per step, then the leaves' gradients. */
  format(): string {
    const show = (t: TracedTensor): string => showTensor(t, this.precision);
    const lines = [`backward pass from ${this.root}, seeded with dy = ${show(this.seed)}: ${this.steps.length} step${this.steps.length === 1 ? '' : 's'}, latest op first`];
    for (const s of this.steps) {
      lines.push('', `step ${s.step}  ${s.output} = ${s.op}(${s.inputs.map((x) => x.tensor).join(', ')})`);
      lines.push(`    rule     ${s.derivative}`);
      lines.push(`    dy       ${show(s.dy)}`);
      const width = Math.max(...s.inputs.map((x) => x.tensor.length));
      for (const x of s.inputs) {
        const sent = x.grad === null ? `nothing (${x.kind === 'constant' ? 'a constant' : 'no gradient needed'})` : show(x.grad);
        lines.push(`    → ${x.tensor.padEnd(width)}  ${sent}`);
      }
    }
    if (this.leaves.length > 0) {
      lines.push('', 'gradients of the leaves (what backward() adds to .grad):');
      const width = Math.max(...this.leaves.map((l) => l.tensor.length));
      for (const l of this.leaves) lines.push(`    ${l.tensor.padEnd(width)}  ${show(l.grad)}`);
    }
    return lines.join('\n');
  }

  /** Same as `format()`. */
  toString(): string {
    return this.format();
  }
}

function showTensor(t: TracedTensor, precision: number): string {
  if (t.values !== null) return formatNested(t.values, precision);
  return `shape ${formatShape(t.shape)}, norm ${formatNumber(t.norm, precision)}`;
}

let derivativeTable: Map<string, string> | null = null;

/** The local derivative of `op`: the customGrad's own text, else the primitives table's. */
function derivativeOf(op: string, attrs: Readonly<Record<string, unknown>> | undefined): string {
  if (typeof attrs?.derivative === 'string') return attrs.derivative;
  derivativeTable ??= new Map(primitives.map((p) => [p.op, p.derivative]));
  return derivativeTable.get(op) ?? '(not listed in src/ops/index.ts)';
}

/**
 * Runs the backward pass of `root` and records each step: the op, its local derivative (from
 * `tk.primitives`), the incoming `dy` and the gradient sent to each input. Returns the steps as
 * data, with `format()` / `toString()` for a printout. Nothing is written to any `.grad`: the
 * leaves' gradients are in `trace.leaves` and `trace.grads` (call `root.backward()` to store them).
 *
 * @example
 * ```ts
 * const a = tk.variable(tk.tensor([1, 2]), { name: 'a' });
 * const b = tk.variable(tk.tensor([3, 4]), { name: 'b' });
 * const c = a.mul(b).add(a).sum();
 * const trace = tk.traceBackward(c);
 * trace.steps.map((s) => s.op);          // ['sum', 'add', 'mul']
 * trace.steps[2].inputs[0].grad.values;  // [3, 4]   (dc/da through mul = dy·b)
 * console.log(trace.format());
 * ```
 */
export function traceBackward(root: Tensor, options: TraceOptions = {}): BackwardTrace {
  if (!(root instanceof Tensor)) throw new Error(`traceBackward: expected a Tensor, got ${typeof root}`);
  if (!root.requiresGrad) {
    throw new Error('traceBackward: this tensor does not depend on any tensor that requires a gradient (make the weights tk.variable(...), and do not compute it inside tk.noGrad)');
  }
  const maxValues = options.maxValues ?? 8;
  const precision = options.precision ?? 4;
  const traced = (t: Tensor): TracedTensor => ({
    shape: t.shape.slice(),
    norm: l2norm(t.data),
    values: t.size <= maxValues ? t.toArray() : null,
  });
  const seed = seedOf(root, options.dy, 'traceBackward');
  const steps: BackwardTraceStep[] = [];
  const grads = backprop(root, seed, (s) => {
    const node = s.output.node!;
    steps.push({
      step: steps.length + 1,
      op: node.op,
      tapeId: node.id,
      output: tensorLabel(s.output),
      outputId: s.output.id,
      derivative: derivativeOf(node.op, node.attrs),
      dy: traced(s.dy),
      inputs: node.inputs.map((x, index) => {
        const g = s.inputGrads[index] ?? null;
        return { index, tensor: tensorLabel(x), tensorId: x.id, kind: kindOf(x), grad: g === null ? null : traced(g) };
      }),
    });
  });
  const leaves = [...grads]
    .sort(([a], [b]) => a.id - b.id)
    .map(([t, g]) => ({ tensor: tensorLabel(t), tensorId: t.id, kind: kindOf(t), grad: traced(g) }));
  return new BackwardTrace(tensorLabel(root), traced(seed), steps, leaves, grads, precision);
}

function l2norm(x: Float32Array): number {
  let s = 0;
  for (let i = 0; i < x.length; i++) s += x[i]! * x[i]!;
  return Math.sqrt(s);
}
