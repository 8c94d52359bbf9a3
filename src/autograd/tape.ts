// The tape: reverse-mode automatic differentiation.
//
// Recording. Every differentiable op computes its output, then calls `record(...)` with its
// inputs and a backward closure. If no input requires a gradient (inference, or inside
// `noGrad`), nothing is recorded: the output is a plain tensor. Otherwise the output gets a
// TapeNode numbered in creation order. The tape is that sequence of nodes; each node is reached
// from the tensor it produced, so a graph nobody holds is garbage-collected with its tensors
// (no global list to clear, no `tidy`).
//
// The backward walk. From the result, collect the nodes it depends on (an explicit stack, no
// recursion: a chain of 100,000 ops does not overflow), sort them by decreasing creation id
// (a valid reverse topological order, because an op's inputs always exist before it), and walk
// them once: each node turns the gradient of its output into gradients of its inputs, which are
// ADDED to whatever those inputs already received (a tensor used twice gets both
// contributions). Broadcasting is undone here, once, for every op: a gradient in the broadcast
// shape is summed down to the input's shape.

import { Tensor, toTensor, variableOwning, type TensorLike } from '../tensor/tensor.js';
import { formatShape, shapesEqual } from '../tensor/shape.js';
import { binary } from '../tensor/kernels/elementwise.js';
import { reduce } from '../tensor/kernels/reduce.js';
import type { BackwardFn, TapeNode } from './node.js';

let nextNodeId = 0;
let pauseDepth = 0;

/**
 * True unless inside `noGrad`: whether ops record themselves on the tape (when an input requires a gradient).
 *
 * @example
 * ```ts
 * tk.isRecording();                        // true
 * tk.noGrad(() => tk.isRecording());       // false
 * ```
 */
export function isRecording(): boolean {
  return pauseDepth === 0;
}

/**
 * Records `output = op(inputs)` on the tape when some input requires a gradient, and returns
 * `output`. `backward` maps dy (shaped like output) to one gradient per input. `readsInputs` is
 * false for an op whose backward never reads its inputs' values (add, reshape, sum, ...): an
 * input variable changed in place after the forward then leaves its gradient right, so no
 * version is kept for it.
 */
export function record(
  op: string,
  inputs: readonly Tensor[],
  output: Tensor,
  backward: BackwardFn,
  attrs?: Record<string, unknown>,
  readsInputs = true,
): Tensor {
  if (pauseDepth > 0) return output;
  let needed = false;
  for (const x of inputs) {
    if (x.requiresGrad) {
      needed = true;
      break;
    }
  }
  if (!needed) return output;
  // Remember the versions of the variables the inputs' values belong to (the variable itself, or
  // a view of it such as its reshape), so the backward can tell if one changed in place.
  let versions: number[] | undefined;
  for (let i = 0; readsInputs && i < inputs.length; i++) {
    const owner = variableOwning(inputs[i]!.data);
    if (owner !== undefined) (versions ??= new Array<number>(inputs.length).fill(-1))[i] = owner.version;
  }
  const node: { -readonly [K in keyof TapeNode]: TapeNode[K] } = { id: nextNodeId++, op, inputs, backward };
  if (attrs !== undefined) node.attrs = attrs;
  if (versions !== undefined) node.versions = versions;
  output.node = node;
  output.requiresGrad = true;
  return output;
}

/**
 * Runs `f` without recording anything on the tape: the result carries no gradient history.
 *
 * @example
 * ```ts
 * const y = tk.noGrad(() => model.apply(x));   // inference: no tape, no memory held
 * ```
 */
export function noGrad<T>(f: () => T): T {
  pauseDepth++;
  try {
    return f();
  } finally {
    pauseDepth--;
  }
}

/** The nodes `root` depends on, latest first: the part of the tape a backward pass walks. */
export function tapeOf(root: Tensor): Tensor[] {
  const outputs: Tensor[] = [];
  const seen = new Set<Tensor>();
  const stack: Tensor[] = [root];
  while (stack.length > 0) {
    const t = stack.pop()!;
    if (seen.has(t)) continue;
    seen.add(t);
    if (t.node === null) continue;
    outputs.push(t);
    for (const x of t.node.inputs) if (x.requiresGrad && !seen.has(x)) stack.push(x);
  }
  outputs.sort((a, b) => b.node!.id - a.node!.id);
  return outputs;
}

/** One step of a backward walk, reported to an observer (used by the teaching tools). */
export interface BackwardStep {
  /** The tensor whose node is being processed. */
  readonly output: Tensor;
  /** The gradient arriving at that output. */
  readonly dy: Tensor;
  /** The gradients sent to each input, already summed to the input's shape (null: none). */
  readonly inputGrads: readonly (Tensor | null)[];
}

/**
 * Walks the tape backwards from `root`, seeded with `seed` (shaped like `root`). Returns the
 * gradient of every leaf tensor that requires one (tensors with no node: Variables and watched
 * inputs), keyed by tensor. Intermediate gradients are dropped as soon as they are used.
 */
export function backprop(root: Tensor, seed: Tensor, observe?: (step: BackwardStep) => void): Map<Tensor, Tensor> {
  const grads = new Map<Tensor, Tensor>();
  if (!root.requiresGrad) return grads;
  grads.set(root, seed);
  const order = tapeOf(root);
  noGrad(() => {
    for (const out of order) {
      const dy = grads.get(out);
      if (dy === undefined) continue;
      grads.delete(out);
      const node = out.node!;
      if (node.versions !== undefined) checkVersions(node);
      const raw = node.backward(dy);
      const sent: (Tensor | null)[] = [];
      for (let i = 0; i < node.inputs.length; i++) {
        const x = node.inputs[i]!;
        const g = raw[i] ?? null;
        if (g === null || !x.requiresGrad) {
          sent.push(null);
          continue;
        }
        const reduced = sumToShape(g, x.shape, node.op, i);
        sent.push(reduced);
        const prev = grads.get(x);
        grads.set(x, prev === undefined ? reduced : addSameShape(prev, reduced));
      }
      observe?.({ output: out, dy, inputGrads: sent });
    }
  });
  return grads;
}

/**
 * Throws if a Variable input of `node` changed in place since the op ran (an optimizer step,
 * `assign`, `setWeights`): the op's backward would read the new values against an output made
 * from the old ones, and return a wrong gradient without a word.
 */
function checkVersions(node: TapeNode): void {
  const versions = node.versions!;
  for (let i = 0; i < versions.length; i++) {
    const recorded = versions[i]!;
    if (recorded < 0) continue;
    const v = variableOwning(node.inputs[i]!.data)!;
    if (v.version !== recorded) {
      throw new Error(
        `backward of '${node.op}': variable '${v.name ?? `input ${i}`}' changed in place (by an optimizer step, assign or ` +
        `setWeights) after '${node.op}' used it, so its gradient would mix the old and the new values. Compute the gradients ` +
        'before updating the variable, or run the forward pass again after.',
      );
    }
  }
}

/**
 * Sums a gradient in a broadcast shape down to `shape` (the inverse of broadcasting): leading
 * extra axes are summed away, and axes where `shape` has 1 are summed with keepDims.
 */
export function sumToShape(g: Tensor, shape: readonly number[], op: string, inputIndex: number): Tensor {
  if (shapesEqual(g.shape, shape)) return g;
  const lead = g.rank - shape.length;
  let compatible = lead >= 0;
  for (let i = 0; compatible && i < shape.length; i++) {
    const d = shape[i]!;
    if (d !== g.shape[lead + i] && d !== 1) compatible = false;
  }
  if (!compatible) {
    throw new Error(`backward of '${op}': gradient for input ${inputIndex} has shape ${formatShape(g.shape)}, which does not reduce to the input's shape ${formatShape(shape)}`);
  }
  // Reduce one run of axes at a time as [outer, reduced, inner]; runs of summed axes are merged.
  let data = g.data;
  let dims = g.shape.slice();
  const summed = dims.map((d, i) => i < lead || (shape[i - lead] === 1 && d !== 1));
  let axis = 0;
  while (axis < dims.length) {
    if (!summed[axis]) {
      axis++;
      continue;
    }
    let end = axis;
    while (end < dims.length && summed[end]) end++;
    const outer = dims.slice(0, axis).reduce((a, b) => a * b, 1);
    const red = dims.slice(axis, end).reduce((a, b) => a * b, 1);
    const inner = dims.slice(end).reduce((a, b) => a * b, 1);
    const next = new Float32Array(outer * inner);
    reduce('sum', data, outer, red, inner, next);
    data = next;
    dims = [...dims.slice(0, axis), 1, ...dims.slice(end)];
    summed.splice(axis, end - axis, false);
    axis++;
  }
  return new Tensor(data, shape);
}

function addSameShape(a: Tensor, b: Tensor): Tensor {
  const out = new Float32Array(a.size);
  binary('add', a.data, a.shape, b.data, b.shape, out, a.shape);
  return new Tensor(out, a.shape);
}

/** The seed of a backward pass: 1 for a scalar, else the given dy (checked against the shape). */
function seedFor(y: Tensor, dy: TensorLike | undefined, who: string): Tensor {
  if (dy === undefined) {
    if (y.size !== 1) {
      throw new Error(`${who}: the result has shape ${formatShape(y.shape)}; only a scalar (one element) can start a backward pass without a dy of the same shape`);
    }
    return new Tensor(new Float32Array([1]), y.shape);
  }
  const seed = toTensor(dy, who);
  if (!shapesEqual(seed.shape, y.shape)) {
    throw new Error(`${who}: dy has shape ${formatShape(seed.shape)} but the result has shape ${formatShape(y.shape)}`);
  }
  return seed;
}

/**
 * `y.backward(dy)`: adds dy·∂y/∂v to `v.grad` for every leaf v that requires a gradient.
 * Accumulates across calls, as PyTorch.
 */
export function backward(y: Tensor, dy?: TensorLike): void {
  if (!y.requiresGrad) {
    throw new Error('backward: this tensor does not depend on any tensor that requires a gradient (make the weights tk.variable(...), and do not compute it inside tk.noGrad)');
  }
  const grads = backprop(y, seedFor(y, dy, 'backward'));
  for (const [leaf, g] of grads) {
    leaf.grad = leaf.grad === null ? g : addSameShape(leaf.grad, g);
  }
}

/** A fresh leaf over the same values that requires a gradient: how `grad(f)` watches an argument. */
function watch(x: TensorLike): Tensor {
  const t = toTensor(x, 'grad');
  const w = new Tensor(t.data, t.shape);
  w.requiresGrad = true;
  return w;
}

/**
 * The value of `f(...args)` and its gradient with respect to each argument. `f` must return a
 * scalar (for a non-scalar result, differentiate `f(...).mul(dy).sum()`, or call
 * `y.backward(dy)`). Variables used inside `f` get no `.grad` from this: only the arguments are
 * differentiated.
 *
 * @example
 * ```ts
 * const f = (a: tk.Tensor, b: tk.Tensor) => a.mul(b).sum();
 * const { value, grads } = tk.valueAndGrad(f)(tk.tensor([1, 2]), tk.tensor([3, 4]));
 * value.item();          // 11
 * grads[0].toArray();    // [3, 4]
 * ```
 */
export function valueAndGrad(f: (...args: Tensor[]) => Tensor): (...args: TensorLike[]) => {
  /** `f(...args)`, detached from the tape. */
  value: Tensor;
  /** The gradient of the value with respect to each argument, in argument order, each shaped like it. */
  grads: Tensor[];
} {
  return (...args: TensorLike[]) => valueAndGradWithSeed(f, args);
}

/** `valueAndGrad` with an explicit output gradient `dy` for a non-scalar `f`. */
export function valueAndGradWithSeed(f: (...args: Tensor[]) => Tensor, args: readonly TensorLike[], dy?: TensorLike): { value: Tensor; grads: Tensor[] } {
  if (pauseDepth > 0) throw new Error('grad: cannot differentiate inside tk.noGrad');
  const watched = args.map(watch);
  const value = f(...watched);
  if (!(value instanceof Tensor)) throw new Error(`grad: f must return a Tensor, got ${typeof value}`);
  const map = backprop(value, seedFor(value, dy, 'grad'));
  const grads = watched.map((w) => map.get(w) ?? new Tensor(new Float32Array(w.size), w.shape));
  return { value: value.detach(), grads };
}

/**
 * The gradient of a scalar function with respect to its first argument.
 *
 * @example
 * ```ts
 * const df = tk.grad((x) => x.square().sum());
 * df(tk.tensor([1, 2, 3])).toArray();   // [2, 4, 6]
 * ```
 */
export function grad(f: (...args: Tensor[]) => Tensor): (...args: TensorLike[]) => Tensor {
  return (...args: TensorLike[]) => valueAndGradWithSeed(f, args).grads[0]!;
}

/**
 * The gradients of a scalar function with respect to each of its arguments.
 *
 * @example
 * ```ts
 * const [da, db] = tk.grads((a, b) => a.mul(b).sum())(tk.tensor([1, 2]), tk.tensor([3, 4]));
 * ```
 */
export function grads(f: (...args: Tensor[]) => Tensor): (...args: TensorLike[]) => Tensor[] {
  return (...args: TensorLike[]) => valueAndGradWithSeed(f, args).grads;
}

/**
 * The value of `f()` and its gradient with respect to each listed variable (TF.js's
 * `variableGrads`): the tool for custom training loops with `optimizer.applyGradients`.
 *
 * @example
 * ```ts
 * const { value, grads } = tk.variableGrads(() => loss(model.apply(x), y), model.trainableWeights);
 * optimizer.applyGradients(grads.map((g, i) => [g, model.trainableWeights[i]]));
 * ```
 */
export function variableGrads(f: () => Tensor, variables: readonly Tensor[]): {
  /** `f()`, detached from the tape. */
  value: Tensor;
  /** The gradient of the value with respect to each variable, in the order given (zeros for one `f` does not use). */
  grads: Tensor[];
} {
  if (pauseDepth > 0) throw new Error('variableGrads: cannot differentiate inside tk.noGrad');
  const value = f();
  const map = backprop(value, seedFor(value, undefined, 'variableGrads'));
  return { value: value.detach(), grads: variables.map((v) => map.get(v) ?? new Tensor(new Float32Array(v.size), v.shape)) };
}
