// Custom gradients (TF.js's `tf.customGrad`): an op whose backward you write yourself.
//
// `f(...inputs, save)` computes the forward value and returns it with `gradFunc(dy, saved)`, the
// vector-Jacobian product: one gradient per input, each shaped like its input. The result is
// recorded on the tape as ONE op named 'customGrad' (or your name), exactly like a primitive of
// src/ops: `backward()`, `tk.grad`, `tk.traceBackward` and `tk.graph` see it, and
// `tk.checkGradients` compares its backward with finite differences. Gradients go through
// gradFunc, never through the ops inside f.
//
// Second derivatives. gradFunc is a rule like any primitive's: when a gradient is to be
// differentiated again, the ops gradFunc calls are recorded, so a gradFunc written with tensor ops
// (dy.mul(x), ...) is differentiable to any order with no extra work. The ops inside f are
// recorded too (they are reachable only from the tensors f saves, never from the result), so a
// saved intermediate keeps its dependence on the inputs. A gradFunc that builds its result from
// raw numbers (tk.tensor(...) of values it computed) is cut from the tape: the recording backward
// pass sees that (its dy is on the tape, the gradient is not) and throws, naming the op.

import { Tensor, toTensor, type TensorLike } from '../tensor/tensor.js';
import { record } from './tape.js';

/** Keeps tensors from the forward pass for `gradFunc` (its second argument). */
export type GradSaveFunc = (tensors: readonly Tensor[]) => void;

/** What the function given to {@link customGrad} returns. */
export interface CustomGradResult {
  /** The forward result. */
  value: Tensor;
  /**
   * The backward: given `dy` (shaped like `value`) and the tensors passed to `save`, the gradient
   * for each input (a single Tensor when there is one input), each shaped like its input (or in
   * the broadcast shape, which the tape sums back, as for every op); null for an input that takes
   * no gradient.
   */
  gradFunc: (dy: Tensor, saved: Tensor[]) => Tensor | readonly (Tensor | null)[];
}

/** Options of {@link customGrad}, or just the op's name. */
export interface CustomGradOptions {
  /** The op's name on the tape, in graphs and traces (default `'customGrad'`). */
  name?: string;
  /** The derivative as text, shown by `tk.traceBackward` (default `'gradFunc (user-defined)'`). */
  derivative?: string;
}

/** The inputs of a {@link customGrad} function `f`: its parameter types without a trailing `save`. */
export type InputsOf<P extends readonly unknown[]> = P extends readonly [...infer I, GradSaveFunc] ? I : P;
/** One {@link TensorLike} per element of `P`: the arguments the op made by {@link customGrad} accepts. */
export type TensorLikes<P extends readonly unknown[]> = { [K in keyof P]: TensorLike };

/**
 * Defines an op with a hand-written backward, as TF.js's `tf.customGrad`. `f` receives the
 * inputs as Tensors (then a `save` function) and returns `{ value, gradFunc }`; the returned
 * function applies the op. Annotate `f`'s parameters (`(x: tk.Tensor, save: tk.GradSaveFunc)`).
 *
 * The gradients `gradFunc` returns are checked: one per input, each a Tensor whose shape is the
 * input's or reduces to it. Written with tensor ops, gradFunc is itself differentiated when a
 * gradient of the op is differentiated again (`tk.grad(tk.grad(...))`, `tk.hessian`); one that
 * computes its result from raw numbers makes that second pass throw, naming the op.
 * A wrong formula is not detected here; `tk.checkGradients` finds it (see
 * `tk.explainGradientCheck`).
 *
 * @example
 * ```ts
 * // x², with the backward written by hand: d/dx = 2·x·dy
 * const square = tk.customGrad((x: tk.Tensor, save: tk.GradSaveFunc) => {
 *   save([x]);
 *   return { value: x.mul(x), gradFunc: (dy, [x]) => dy.mul(x).mul(2) };
 * }, { name: 'mySquare', derivative: 'dx = 2·dy·x' });
 * tk.grad((x) => square(x).sum())(tk.tensor([1, 2, 3])).toArray();   // [2, 4, 6]
 * tk.checkGradients((x) => square(x).sum(), [tk.tensor([1, 2, 3])]) < 1e-3;   // true
 * ```
 */
export function customGrad<P extends (Tensor | GradSaveFunc)[]>(
  f: (...args: P) => CustomGradResult,
  options: CustomGradOptions | string = {},
): (...inputs: TensorLikes<InputsOf<P>>) => Tensor {
  const opts = typeof options === 'string' ? { name: options } : options;
  const op = opts.name ?? 'customGrad';
  const derivative = opts.derivative ?? 'gradFunc (user-defined)';
  if (typeof f !== 'function') throw new Error(`${op}: expected a function (...inputs, save) => { value, gradFunc }, got ${typeof f}`);
  return (...args: TensorLike[]): Tensor => {
    const inputs = args.map((a, i) => toTensor(a, `${op}: input ${i}`));
    let saved: Tensor[] = [];
    const save: GradSaveFunc = (tensors) => {
      if (!Array.isArray(tensors) || !tensors.every((t) => t instanceof Tensor)) throw new Error(`${op}: save expects an array of Tensors`);
      saved = tensors.slice();
    };
    // This op is one node, whose backward is gradFunc. f's own ops are recorded as any code is, so
    // that what it saves keeps its history for a second derivative; no walk reaches them from `out`.
    const result: unknown = Reflect.apply(f, undefined, [...inputs, save]);
    const { value, gradFunc } = checkResult(result, op);
    // A fresh tensor over the value's data: the node must not land on an input f returned as is.
    const out = new Tensor(value.data, value.shape);
    return record(op, inputs, out, (dy) => {
      const raw = gradFunc(dy, saved);
      const gs = raw instanceof Tensor ? [raw] : raw;
      if (!Array.isArray(gs) || gs.length !== inputs.length) {
        const got = Array.isArray(gs) ? `${gs.length} gradient${gs.length === 1 ? '' : 's'}` : String(gs);
        throw new Error(`${op}: gradFunc must return one gradient per input (${inputs.length}), got ${got}`);
      }
      return gs.map((g: unknown, i: number) => {
        if (g === null) return null;
        if (!(g instanceof Tensor)) throw new Error(`${op}: gradFunc returned ${String(g)} for input ${i}, expected a Tensor or null`);
        return g; // the tape checks its shape and sums a broadcast one back (sumToShape)
      });
    }, { derivative });
  };
}

function checkResult(result: unknown, op: string): CustomGradResult {
  if (result === null || typeof result !== 'object') {
    throw new Error(`${op}: f must return { value, gradFunc }, got ${String(result)}`);
  }
  const { value, gradFunc } = result as Partial<CustomGradResult>;
  if (!(value instanceof Tensor)) throw new Error(`${op}: f must return { value, gradFunc } with value a Tensor, got ${typeof value}`);
  if (typeof gradFunc !== 'function') throw new Error(`${op}: f must return { value, gradFunc } with gradFunc a function (dy, saved) => gradients, got ${typeof gradFunc}`);
  return { value, gradFunc };
}
