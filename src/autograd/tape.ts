// The tape: reverse-mode automatic differentiation, to any order.
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
// shape is summed down to the input's shape. A walk that wants the gradients of some tensors
// only (`tk.grad`'s arguments) stops at them and skips the nodes no gradient reaches them through.
//
// Gradients of gradients. Every rule (an op's backward) is itself a call of ops. When nothing asks
// for a second derivative the walk runs inside `noGrad`: the rules' ops record nothing, and the
// walk un-broadcasts and accumulates with raw kernels, exactly as fast as a hand-written backward.
// When the walk records (`backward({ createGraph: true })`, or the walk of a `grad` whose function
// an enclosing `grad` is differentiating), the rules' ops land on the tape like any forward op,
// the walk un-broadcasts with the recorded `sumTo` and accumulates with the recorded `add`, and
// the gradients it returns can be differentiated again (reverse-over-reverse). A recording walk
// seeds with a tensor on the tape, so every gradient it passes along is on the tape too, and it
// checks that each rule keeps it there: a rule that computed a gradient outside the recorded
// ops would cut the graph and make the second derivative silently wrong, so that is an error.

import { Tensor, toTensor, tensorOps, variableOwning, type TensorLike } from '../tensor/tensor.js';
import { formatShape, shapesEqual } from '../tensor/shape.js';
import { binary } from '../tensor/kernels/elementwise.js';
import { reduce } from '../tensor/kernels/reduce.js';
import type { BackwardFn, TapeNode } from './node.js';

let nextNodeId = 0;
let pauseDepth = 0;
/** How many functional differentiations (`grad`, `variableGrads`, `hessian`, ...) are running their `f`. */
let gradDepth = 0;

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

// ---- exact zeros ------------------------------------------------------------------------------

const zeroGradients = new WeakSet<Tensor>();

/**
 * A gradient that is exactly zero whatever dy is (a step function's, `sign` or `round`): a
 * constant, and a correct one, so a recording walk does not take it for a rule that cut the graph.
 */
export function zeroGradient(shape: readonly number[]): Tensor {
  const z = new Tensor(new Float32Array(shape.reduce((n, d) => n * d, 1)), shape);
  zeroGradients.add(z);
  return z;
}

// ---- the walk ---------------------------------------------------------------------------------

/**
 * The nodes `root` depends on, latest first: the part of the tape a backward pass walks. The
 * nodes of tensors in `stops` are not walked (a walk ends at the tensors it differentiates for).
 */
export function tapeOf(root: Tensor, stops?: ReadonlySet<Tensor>): Tensor[] {
  const outputs: Tensor[] = [];
  const seen = new Set<Tensor>();
  const stack: Tensor[] = [root];
  while (stack.length > 0) {
    const t = stack.pop()!;
    if (seen.has(t)) continue;
    seen.add(t);
    if (t.node === null || stops?.has(t)) continue;
    outputs.push(t);
    for (const x of t.node.inputs) if (x.requiresGrad && !seen.has(x)) stack.push(x);
  }
  outputs.sort((a, b) => b.node!.id - a.node!.id);
  return outputs;
}

/**
 * The walk for gradients of `targets` only: the nodes of `order` through which a gradient
 * reaches a target, and the tensors that may receive one (the targets and those nodes' outputs).
 */
function prune(order: readonly Tensor[], targets: ReadonlySet<Tensor>): { order: Tensor[]; reaches: Set<Tensor> } {
  const reaches = new Set<Tensor>();
  for (const t of targets) if (t.requiresGrad) reaches.add(t); // a frozen variable takes no gradient
  // Earliest first: a node reaches a target when one of its inputs is a target or reaches one.
  for (let k = order.length - 1; k >= 0; k--) {
    const out = order[k]!;
    if (out.node!.inputs.some((x) => reaches.has(x))) reaches.add(out);
  }
  return { order: order.filter((t) => reaches.has(t)), reaches };
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

/** Options of {@link backprop}. */
export interface BackpropOptions {
  /**
   * The tensors whose gradients are wanted. The walk ends at them (their own nodes are not walked,
   * so an inner `grad` stops at its arguments and never enters an outer computation) and skips
   * every node no gradient reaches them through. Default: every leaf.
   */
  readonly targets?: readonly Tensor[];
  /** Record the walk on the tape, so its gradients can be differentiated again (default false). */
  readonly createGraph?: boolean;
}

/** The seed leaves of recording walks: on the tape, so that every gradient is, but nobody's gradient. */
const seeds = new WeakSet<Tensor>();

/**
 * Walks the tape backwards from `root`, seeded with `seed` (shaped like `root`). Returns the
 * gradient of every leaf tensor that requires one (tensors with no node: Variables and watched
 * inputs), or of each of `options.targets`, keyed by tensor. Intermediate gradients are dropped
 * as soon as they are used.
 */
export function backprop(
  root: Tensor,
  seed: Tensor,
  observe?: (step: BackwardStep) => void,
  options: BackpropOptions = {},
): Map<Tensor, Tensor> {
  const grads = new Map<Tensor, Tensor>();
  if (!root.requiresGrad) return grads;
  const createGraph = options.createGraph === true;
  if (createGraph && pauseDepth > 0) {
    throw new Error('backward: createGraph inside tk.noGrad would record nothing; compute the gradient outside noGrad');
  }
  const targets = options.targets === undefined ? null : new Set(options.targets);
  let order = tapeOf(root, targets ?? undefined);
  let reaches: Set<Tensor> | null = null;
  if (targets !== null) ({ order, reaches } = prune(order, targets));
  // Who takes a gradient: a tensor through which one reaches a target (with no targets, any but a seed).
  const wanted = (x: Tensor): boolean => x.requiresGrad && (reaches === null ? !seeds.has(x) : reaches.has(x));
  const accumulate = createGraph ? (a: Tensor, b: Tensor) => tensorOps().add(a, b) : addSameShape;
  grads.set(root, createGraph ? seedOnTape(seed) : seed);
  const walk = (): void => {
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
        if (g === null || !wanted(x)) {
          sent.push(null);
          continue;
        }
        if (createGraph && dy.requiresGrad && !g.requiresGrad && !zeroGradients.has(g)) throw cutGraph(node, i);
        const reduced = createGraph ? sumToRecorded(g, x.shape, node.op, i) : sumToShape(g, x.shape, node.op, i);
        sent.push(reduced);
        const prev = grads.get(x);
        grads.set(x, prev === undefined ? reduced : accumulate(prev, reduced));
      }
      observe?.({ output: out, dy, inputGrads: sent });
    }
  };
  if (createGraph) walk();
  else noGrad(walk);
  return grads;
}

/** A recording walk starts from a seed on the tape (a fresh leaf over its values unless it is already on it). */
function seedOnTape(seed: Tensor): Tensor {
  if (seed.requiresGrad) return seed;
  const s = new Tensor(seed.data, seed.shape);
  s.requiresGrad = true;
  s.name = 'seed';
  seeds.add(s);
  return s;
}

function cutGraph(node: TapeNode, input: number): Error {
  return new Error(
    `backward of '${node.op}': the gradient it returned for input ${input} is not on the tape although the gradient it ` +
    `received (dy) is, so a gradient of this gradient would be silently wrong. '${node.op}' computes its backward ` +
    'outside the recorded ops and cannot be differentiated again; write its backward with tensor ops (mul, add, ...) ' +
    'or as a gradient primitive with a rule of its own.',
  );
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

/** Whether a gradient of shape `from` sums down to `to` (the inverse of broadcasting `to` to `from`). */
function reducesTo(from: readonly number[], to: readonly number[]): boolean {
  const lead = from.length - to.length;
  if (lead < 0) return false;
  for (let i = 0; i < to.length; i++) {
    const d = to[i]!;
    if (d !== from[lead + i] && d !== 1) return false;
  }
  return true;
}

function notReducible(g: Tensor, shape: readonly number[], op: string, inputIndex: number): Error {
  return new Error(`backward of '${op}': gradient for input ${inputIndex} has shape ${formatShape(g.shape)}, which does not reduce to the input's shape ${formatShape(shape)}`);
}

/** {@link sumToShape} on the tape: the recorded `sumTo` op, whose own rule is `broadcastTo`. */
function sumToRecorded(g: Tensor, shape: readonly number[], op: string, inputIndex: number): Tensor {
  if (shapesEqual(g.shape, shape)) return g;
  if (!reducesTo(g.shape, shape)) throw notReducible(g, shape, op, inputIndex);
  return tensorOps().sumTo(g, shape);
}

/**
 * Sums a gradient in a broadcast shape down to `shape` (the inverse of broadcasting): leading
 * extra axes are summed away, and axes where `shape` has 1 are summed with keepDims.
 */
export function sumToShape(g: Tensor, shape: readonly number[], op: string, inputIndex: number): Tensor {
  if (shapesEqual(g.shape, shape)) return g;
  if (!reducesTo(g.shape, shape)) throw notReducible(g, shape, op, inputIndex);
  const lead = g.rank - shape.length;
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

/**
 * The seed of a backward pass: the given dy (checked against the shape), else 1 for a scalar; a
 * larger result is an error, or seeded with ones (differentiating its sum) when `sumNonScalar`.
 */
function seedFor(y: Tensor, dy: TensorLike | undefined, who: string, sumNonScalar = false): Tensor {
  if (dy === undefined) {
    if (y.size !== 1 && !sumNonScalar) {
      throw new Error(`${who}: the result has shape ${formatShape(y.shape)}; only a scalar (one element) can start a backward pass without a dy of the same shape`);
    }
    return new Tensor(new Float32Array(y.size).fill(1), y.shape);
  }
  const seed = toTensor(dy, who);
  if (!shapesEqual(seed.shape, y.shape)) {
    throw new Error(`${who}: dy has shape ${formatShape(seed.shape)} but the result has shape ${formatShape(y.shape)}`);
  }
  return seed;
}

// ---- y.backward() -----------------------------------------------------------------------------

/** Options of `y.backward(...)`: the seed and whether to record the pass. */
export interface BackwardOptions {
  /** The gradient to start from, shaped like the result (default: 1 for a one-element result). */
  dy?: TensorLike;
  /**
   * Record the backward pass on the tape, so that each `.grad` it leaves can be differentiated
   * again (default false; as PyTorch's `create_graph`).
   */
  createGraph?: boolean;
}

/** `dy`, or `{ dy, createGraph }`, as `backward` takes them. */
function backwardArgs(arg: TensorLike | BackwardOptions | undefined): { dy: TensorLike | undefined; createGraph: boolean } {
  const isOptions = typeof arg === 'object' && arg !== null && !(arg instanceof Tensor) && !Array.isArray(arg) && !ArrayBuffer.isView(arg);
  if (!isOptions) return { dy: arg as TensorLike | undefined, createGraph: false };
  const options = arg as BackwardOptions;
  const unknown = Object.keys(options).filter((k) => k !== 'dy' && k !== 'createGraph');
  if (unknown.length > 0) throw new Error(`backward: unknown option${unknown.length > 1 ? 's' : ''} ${unknown.map((k) => `'${k}'`).join(', ')}; expected { dy, createGraph }`);
  if (options.createGraph !== undefined && typeof options.createGraph !== 'boolean') {
    throw new Error(`backward: createGraph must be true or false, got ${JSON.stringify(options.createGraph)}`);
  }
  return { dy: options.dy, createGraph: options.createGraph === true };
}

/**
 * `y.backward(dy)` or `y.backward({ dy, createGraph })`: adds dy·∂y/∂v to `v.grad` for every leaf
 * v that requires a gradient. Accumulates across calls, as PyTorch. With `createGraph` (or inside
 * a function an enclosing `grad` differentiates) the pass is recorded, and so is each `.grad`.
 */
export function backward(y: Tensor, dyOrOptions?: TensorLike | BackwardOptions): void {
  const { dy, createGraph } = backwardArgs(dyOrOptions);
  if (!y.requiresGrad) {
    throw new Error('backward: this tensor does not depend on any tensor that requires a gradient (make the weights tk.variable(...), and do not compute it inside tk.noGrad)');
  }
  const recordIt = createGraph || enclosingGradRecords();
  const grads = backprop(y, seedFor(y, dy, 'backward'), undefined, { createGraph: recordIt });
  for (const [leaf, g] of grads) {
    leaf.grad = leaf.grad === null ? g : recordIt ? tensorOps().add(leaf.grad, g) : addSameShape(leaf.grad, g);
  }
}

// ---- functional gradients ---------------------------------------------------------------------

/** Whether a walk started now must record: an enclosing `grad` is differentiating through it. */
export function enclosingGradRecords(): boolean {
  return gradDepth > 0 && pauseDepth === 0;
}

/** Runs `f` as the function of a functional differentiation (so walks inside it record). */
export function differentiating<T>(f: () => T): T {
  gradDepth++;
  try {
    return f();
  } finally {
    gradDepth--;
  }
}

/** Throws inside `noGrad`, where `f` would record nothing to differentiate. */
export function checkCanDifferentiate(who: string): void {
  if (pauseDepth > 0) throw new Error(`${who}: cannot differentiate inside tk.noGrad`);
}

/**
 * The tensor `grad(f)` hands `f` for an argument: a fresh leaf over the same values that requires
 * a gradient; or, for an argument that already requires one (an outer `grad`'s argument, a
 * Variable), an `identity` of it, so that the argument stays connected to the outer tape.
 */
export function watch(x: TensorLike, who = 'grad'): Tensor {
  const t = toTensor(x, who);
  if (t.requiresGrad) return tensorOps().identity(t);
  const w = new Tensor(t.data, t.shape);
  w.requiresGrad = true;
  return w;
}

/**
 * The gradients of `root` with respect to `targets` (zeros for a target it does not depend on),
 * seeded with `seed` (ones when omitted), recorded when `createGraph`.
 */
export function gradientsOf(root: Tensor, targets: readonly Tensor[], seed: Tensor | undefined, createGraph: boolean, who: string): Tensor[] {
  const map = backprop(root, seedFor(root, seed, who, true), undefined, { targets, createGraph });
  return targets.map((w) => map.get(w) ?? new Tensor(new Float32Array(w.size), w.shape));
}

/**
 * The value of `f(...args)` and its gradient with respect to each argument. For a non-scalar
 * result this differentiates its sum (the seed is ones, as TF.js and JAX). Variables used inside
 * `f` get no `.grad` from this: only the arguments are differentiated.
 *
 * Gradients compose: called inside a function that an enclosing `grad` (or `variableGrads`,
 * `hessian`, ...) differentiates, the backward pass is recorded, and the gradients (and the value)
 * stay differentiable with respect to everything the outer one watches.
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
  /** `f(...args)`: detached from the tape, unless an enclosing `grad` differentiates through it. */
  value: Tensor;
  /** The gradient of the value with respect to each argument, in argument order, each shaped like it. */
  grads: Tensor[];
} {
  return (...args: TensorLike[]) => valueAndGradWithSeed(f, args);
}

/** `valueAndGrad` with an explicit output gradient `dy` for a non-scalar `f`. */
export function valueAndGradWithSeed(f: (...args: Tensor[]) => Tensor, args: readonly TensorLike[], dy?: TensorLike): { value: Tensor; grads: Tensor[] } {
  checkCanDifferentiate('grad');
  const nested = enclosingGradRecords();
  const watched = args.map((a) => watch(a));
  const value = differentiating(() => f(...watched));
  if (!(value instanceof Tensor)) throw new Error(`grad: f must return a Tensor, got ${typeof value}`);
  const seed = dy === undefined ? undefined : seedFor(value, dy, 'grad');
  const grads = gradientsOf(value, watched, seed, nested, 'grad');
  return { value: nested ? value : value.detach(), grads };
}

/**
 * The gradient of `f` with respect to its first argument (of the sum of `f`'s result when it is
 * not a scalar). Composes: `tk.grad(tk.grad(f))` is the second derivative.
 *
 * @example
 * ```ts
 * const df = tk.grad((x) => x.square().sum());
 * df(tk.tensor([1, 2, 3])).toArray();   // [2, 4, 6]
 * tk.grad(tk.grad((x) => x.pow(3).sum()))(tk.tensor([1, 2])).toArray();   // [6, 12]: d²/dx² x³ = 6x
 * ```
 */
export function grad(f: (...args: Tensor[]) => Tensor): (...args: TensorLike[]) => Tensor {
  return (...args: TensorLike[]) => valueAndGradWithSeed(f, args).grads[0]!;
}

/**
 * The gradients of `f` with respect to each of its arguments (of the sum of a non-scalar result).
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
 * `variableGrads`): the tool for custom training loops with `optimizer.applyGradients`. Inside a
 * function an enclosing `grad` differentiates, the gradients are recorded and stay differentiable.
 *
 * @example
 * ```ts
 * const { value, grads } = tk.variableGrads(() => loss(model.apply(x), y), model.trainableWeights);
 * optimizer.applyGradients(grads.map((g, i) => [g, model.trainableWeights[i]]));
 * ```
 */
export function variableGrads(f: () => Tensor, variables: readonly Tensor[]): {
  /** `f()`: detached from the tape, unless an enclosing `grad` differentiates through it. */
  value: Tensor;
  /** The gradient of the value with respect to each variable, in the order given (zeros for one `f` does not use). */
  grads: Tensor[];
} {
  checkCanDifferentiate('variableGrads');
  const nested = enclosingGradRecords();
  const value = differentiating(f);
  if (!(value instanceof Tensor)) throw new Error(`variableGrads: f must return a Tensor, got ${typeof value}`);
  seedFor(value, undefined, 'variableGrads'); // a scalar loss, as TF.js
  const grads = gradientsOf(value, variables, undefined, nested, 'variableGrads');
  return { value: nested ? value : value.detach(), grads };
}
