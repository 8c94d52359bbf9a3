// The layer graph: symbolic tensors and the nodes that connect them (Keras's KerasTensor and
// Node, keras/src/ops/node.py).
//
// `tk.input({ shape })` returns a SymbolicTensor: a shape with no values. Applying a layer to
// symbolic tensors computes no numbers; it builds the layer from the shapes, works out the output
// shapes, and records a LayerNode: "this layer was called on these tensors and made those". A
// functional model is the set of nodes between its inputs and its outputs. Nodes are numbered in
// creation order, and a node's inputs always exist before it, so sorting a model's nodes by id is
// already a valid order to run them in: one loop, no recursion (the tape's own trick).
//
// Ops never see a SymbolicTensor: `tk.add(sym, sym)` is an error that points to tk.layers.Add.
// That keeps src/ops about concrete numbers only.

import type { ArgTensorPath, Layer, SymbolicShape } from './layer.js';
import { SYMBOLIC_BRAND, type Tensor } from '../tensor/tensor.js';

let nextNodeId = 0;
let nextTensorNumber = 0;

/**
 * A placeholder for the tensors a model will compute: a shape (with `null` for sizes known only
 * when data comes, such as the batch) and the layer call that produces it. Made by `tk.input` and
 * by applying layers to symbolic tensors.
 *
 * @example
 * ```ts
 * const x = tk.input({ shape: [8] });
 * x.shape;                                   // [null, 8]
 * const y = new tk.layers.Dense(4).apply(x);
 * y.shape;                                   // [null, 4]
 * y.sourceLayer.name;                        // 'dense'
 * ```
 */
export class SymbolicTensor {
  /** The shape, batch axis first; `null` where the size is not known until data comes. */
  readonly shape: SymbolicShape;
  /** Always `'float32'`. */
  readonly dtype = 'float32' as const;
  /** `keras_tensor`, `keras_tensor_1`, ... (as Keras 3), or the name given to `tk.input`. */
  readonly name: string;
  /** The call that produced this tensor. */
  readonly node: LayerNode;
  /** Which of that call's outputs this is (0 for a layer with one output). */
  readonly tensorIndex: number;
  /** @internal Brand that `toTensor` recognises, so ops can refuse symbolic tensors clearly. */
  readonly [SYMBOLIC_BRAND] = true;

  /** @internal Made by `Layer.apply` on symbolic inputs and by `tk.input`; users do not construct one. */
  constructor(shape: SymbolicShape, node: LayerNode, tensorIndex: number, name?: string) {
    this.shape = Object.freeze(shape.slice());
    this.node = node;
    this.tensorIndex = tensorIndex;
    // keras_tensor, keras_tensor_1, keras_tensor_2, ... (Keras 3's automatic names).
    this.name = name ?? (nextTensorNumber === 0 ? 'keras_tensor' : `keras_tensor_${nextTensorNumber}`);
    if (name === undefined) nextTensorNumber++;
  }

  /** Number of axes, batch axis included. */
  get rank(): number {
    return this.shape.length;
  }

  /** The layer whose call produced this tensor. */
  get sourceLayer(): Layer<Tensor | Tensor[]> {
    return this.node.layer;
  }

  /** Which call of `sourceLayer` produced it (0 for its first call, 1 for the second, ...). */
  get nodeIndex(): number {
    return this.node.indexInLayer;
  }

  /** `SymbolicTensor keras_tensor_3 (None, 16) from dense_1`. */
  toString(): string {
    const dims = this.shape.map((d) => (d === null ? 'None' : String(d)));
    return `SymbolicTensor ${this.name} (${dims.join(', ')}${dims.length === 1 ? ',' : ''}) from ${this.node.layer.name}`;
  }
}

// Tensor methods called on a symbolic tensor (`x.add(y)` in a functional graph) get an error that
// says what to do instead of "is not a function".
for (const method of ['add', 'sub', 'mul', 'div', 'matmul', 'reshape', 'transpose', 'sum', 'mean', 'relu', 'exp', 'log', 'square', 'sqrt', 'neg', 'abs', 'concat', 'slice']) {
  Object.defineProperty(SymbolicTensor.prototype, method, {
    value(this: SymbolicTensor): never {
      throw new Error(`${this.name}.${method}(): a symbolic tensor (from tk.input or a layer applied to one) has a shape but no values, so it has no ops; in a functional model combine symbolic tensors with layers (tk.layers.Add, Multiply, Concatenate, Dense, Reshape, ...)`);
    },
    enumerable: false,
  });
}

/** The structure a layer was called with: one tensor, or a list of them (a merge layer's inputs). */
export type InputStructure = 'single' | 'list';

/**
 * One call of a layer on symbolic tensors: its inputs, its outputs, and the non-tensor call
 * arguments given explicitly (such as `{ training: true }`), which are replayed each time the
 * model runs.
 */
export class LayerNode {
  /** Creation order over every node: a node's inputs always come from nodes with smaller ids. */
  readonly id: number;
  /** The layer that was called. */
  readonly layer: Layer<Tensor | Tensor[]>;

  /** The main input tensors (without those from the call arguments). */
  get mainInputs(): readonly SymbolicTensor[] {
    return this.inputs.slice(0, this.inputs.length - this.argTensorPaths.length);
  }
  /**
   * The symbolic tensors it was called on (empty for an InputLayer): the main input(s) first, then
   * those found in the call arguments (such as an RNN's `initialState`), in `argTensorPaths` order.
   */
  readonly inputs: readonly SymbolicTensor[];
  /** @internal Where each trailing input sat in the call arguments. */
  readonly argTensorPaths: readonly ArgTensorPath[];
  /** Whether the call took one tensor or a list. */
  readonly inputStructure: InputStructure;
  /** What the call made: one tensor, or several for a layer with several outputs. */
  outputs: readonly SymbolicTensor[] = [];
  /** Whether the call returned a list (a layer with several outputs) or one tensor. */
  outputIsList = false;
  /** Explicit call arguments other than tensors (replayed when the model runs). */
  readonly callArgs: Readonly<Record<string, unknown>>;
  /** This node's position in `layer.inboundNodes` (Keras's node index). */
  readonly indexInLayer: number;

  /** @internal Made by `Layer.apply`. */
  constructor(layer: Layer<Tensor | Tensor[]>, inputs: readonly SymbolicTensor[], inputStructure: InputStructure, callArgs: Record<string, unknown>,
    indexInLayer: number, argTensorPaths: readonly ArgTensorPath[] = []) {
    this.id = nextNodeId++;
    this.layer = layer;
    this.inputs = inputs.slice();
    this.argTensorPaths = argTensorPaths.slice();
    this.inputStructure = inputStructure;
    this.callArgs = Object.freeze({ ...callArgs });
    this.indexInLayer = indexInLayer;
  }
}

/**
 * True for a SymbolicTensor (a value of `tk.input` or of a layer applied to one).
 *
 * @example
 * ```ts
 * tk.layers.isSymbolicTensor(tk.input({ shape: [2] }));   // true
 * tk.layers.isSymbolicTensor(tk.ones([2]));               // false
 * ```
 */
export function isSymbolicTensor(x: unknown): x is SymbolicTensor {
  return x instanceof SymbolicTensor;
}
