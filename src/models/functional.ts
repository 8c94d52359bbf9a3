// The graph of a functional model: the layer calls (LayerNodes) between its inputs and its
// outputs, found once when the model is made, then run as one loop.
//
// Finding it (Keras's functional.py / ops/function.py, keras-facts-2 §13.3):
// - walk back from the outputs through each node's inputs; every path must end at one of the
//   model's inputs ("graph disconnected" otherwise), and every input must be reached;
// - the nodes found, sorted by id, are the order to run them in (a node's inputs always come from
//   nodes made before it: the tape's trick again, no depth map needed to run);
// - `layers` are listed as Keras lists them: by decreasing depth (the inputs first), and within
//   one depth by first visit of a depth-first walk from the outputs.
// Running it: a Map from each symbolic tensor to its concrete value, filled node by node.

import { InputLayer } from '../layers/input_layer.js';
import type { AnyLayer, CallArgs } from '../layers/layer.js';
import type { LayerNode, SymbolicTensor } from '../layers/symbolic.js';
import type { Tensor } from '../tensor/tensor.js';

/** The nodes and layers between a model's inputs and outputs. */
export class LayerGraph {
  /** The model's inputs, flattened. */
  readonly inputs: readonly SymbolicTensor[];
  /** The model's outputs, flattened. */
  readonly outputs: readonly SymbolicTensor[];
  /** Every node of the model, in the order they run (InputLayer nodes included). */
  readonly nodes: readonly LayerNode[];
  /** The layers, Keras's order (InputLayers included). */
  readonly layers: readonly AnyLayer[];
  private readonly nodeSet: ReadonlySet<LayerNode>;
  /** Each node's depth: 0 for those making outputs, more towards the inputs. */
  private readonly depths: ReadonlyMap<LayerNode, number>;

  constructor(inputs: readonly SymbolicTensor[], outputs: readonly SymbolicTensor[], who: string) {
    if (inputs.length === 0) throw new Error(`${who}: a model needs at least one input`);
    if (outputs.length === 0) throw new Error(`${who}: a model needs at least one output`);
    inputs.forEach((t, i) => {
      if (!(t.node.layer instanceof InputLayer)) {
        throw new Error(`${who}: input ${i} ('${t.name}') is the output of layer '${t.node.layer.name}', not of tk.input(...); a model's inputs must be tk.input tensors`);
      }
      if (inputs.indexOf(t) !== i) throw new Error(`${who}: input ${i} ('${t.sourceLayer.name}') is given twice`);
    });
    this.inputs = inputs.slice();
    this.outputs = outputs.slice();
    const inputSet = new Set(inputs);

    // Every node an output depends on, stopping at the model's inputs.
    const found = new Set<LayerNode>();
    const reached = new Set<SymbolicTensor>();
    outputs.forEach((out, i) => {
      const stack: SymbolicTensor[] = [out];
      while (stack.length > 0) {
        const t = stack.pop()!;
        if (inputSet.has(t)) {
          reached.add(t);
          found.add(t.node);
          continue;
        }
        if (found.has(t.node)) continue;
        if (t.node.inputs.length === 0) {
          throw new Error(`${who}: graph disconnected: output ${i} ('${out.sourceLayer.name}') depends on '${t.sourceLayer.name}' (tensor '${t.name}'), ` +
            `which is not among the model's inputs (${inputs.map((x) => `'${x.sourceLayer.name}'`).join(', ')})`);
        }
        found.add(t.node);
        for (const x of t.node.inputs) stack.push(x);
      }
    });
    inputs.forEach((t) => {
      if (!reached.has(t)) {
        throw new Error(`${who}: the input '${t.sourceLayer.name}' does not feed any output; remove it from inputs, or use it in the graph`);
      }
    });
    this.nodes = [...found].sort((a, b) => a.id - b.id);
    this.nodeSet = found;
    const { layers, depths } = orderLayers(this.nodes, outputs);
    this.layers = layers;
    this.depths = depths;
    const byName = new Map<string, AnyLayer>();
    for (const layer of this.layers) {
      const other = byName.get(layer.name);
      if (other !== undefined && other !== layer) {
        throw new Error(`${who}: two different layers are named '${layer.name}' (a ${other.getClassName()} and a ${layer.getClassName()}); layer names must be unique within a model`);
      }
      byName.set(layer.name, layer);
    }
  }

  /**
   * True for a plain chain (Keras's "sequential-like"): one node per depth, each with at most one
   * input, and no layer called twice. Its summary needs no 'Connected to' column.
   */
  isChain(): boolean {
    const perDepth = new Map<number, LayerNode[]>();
    for (const [node, d] of this.depths) {
      if (!perDepth.has(d)) perDepth.set(d, []);
      perDepth.get(d)!.push(node);
    }
    for (const nodes of perDepth.values()) if (nodes.length > 1 || nodes[0]!.inputs.length > 1) return false;
    return this.layers.every((l) => this.nodesOf(l).length <= 1);
  }

  /** Whether the node belongs to this model. */
  has(node: LayerNode): boolean {
    return this.nodeSet.has(node);
  }

  /**
   * The node's index among its layer's calls that belong to this model (Keras 3 leaves out calls
   * of a shared layer made for other models, and renumbers).
   */
  nodeIndex(node: LayerNode): number {
    let k = 0;
    for (const n of node.layer.inboundNodes) {
      if (n === node) return k;
      if (this.nodeSet.has(n)) k++;
    }
    throw new Error(`${node.layer.name}: this call is not part of the model`);
  }

  /** The nodes of `layer` in this model, in call order. */
  nodesOf(layer: AnyLayer): LayerNode[] {
    return layer.inboundNodes.filter((n) => this.nodeSet.has(n));
  }

  /**
   * Runs the graph on concrete inputs (one per model input, in order): each node's layer is
   * applied to the values of its inputs, with `args` and the call arguments the node recorded
   * (those win, as in Keras: a Dropout called with `training: true` stays on).
   */
  run(xs: readonly Tensor[], args: CallArgs): Tensor[] {
    const values = new Map<SymbolicTensor, Tensor>();
    this.inputs.forEach((t, i) => values.set(t, xs[i]!));
    for (const node of this.nodes) {
      if (node.inputs.length === 0) continue; // an InputLayer: its value is given
      const ins = node.inputs.map((t) => values.get(t)!);
      const mainCount = node.inputs.length - node.argTensorPaths.length;
      const callArgs: CallArgs = { ...args, ...node.callArgs };
      node.argTensorPaths.forEach((path, k) => {
        const value = ins[mainCount + k]!;
        if (path.index === null) callArgs[path.key] = value;
        else ((callArgs[path.key] as Tensor[] | undefined) ??= [])[path.index] = value;
      });
      const main = ins.slice(0, mainCount);
      const y = node.layer.apply(node.inputStructure === 'list' ? main : main[0]!, callArgs) as Tensor | Tensor[];
      const ys = Array.isArray(y) ? y : [y];
      if (ys.length !== node.outputs.length) {
        throw new Error(`${node.layer.name}: returned ${ys.length} tensors where its symbolic call made ${node.outputs.length}`);
      }
      node.outputs.forEach((t, i) => values.set(t, ys[i]!));
    }
    return this.outputs.map((t) => values.get(t)!);
  }
}

/**
 * Keras's order of a functional model's layers: each node gets a depth (0 for the nodes making
 * outputs, else one more than the deepest node it feeds; a shared layer takes its deepest call),
 * layers go by decreasing depth, and ties by the order a depth-first walk from the outputs
 * first visits them.
 */
function orderLayers(nodes: readonly LayerNode[], outputs: readonly SymbolicTensor[]): { layers: AnyLayer[]; depths: Map<LayerNode, number> } {
  const inModel = new Set(nodes);
  const firstVisit = new Map<AnyLayer, number>();
  const postOrder: LayerNode[] = [];
  const finished = new Set<LayerNode>();
  // An explicit stack instead of recursion (deep graphs must not overflow).
  for (const out of outputs) {
    const stack: { node: LayerNode; next: number }[] = [];
    const enter = (node: LayerNode): void => {
      if (finished.has(node) || !inModel.has(node)) return;
      if (!firstVisit.has(node.layer)) firstVisit.set(node.layer, firstVisit.size);
      stack.push({ node, next: 0 });
    };
    enter(out.node);
    while (stack.length > 0) {
      const top = stack[stack.length - 1]!;
      if (top.next < top.node.inputs.length) {
        const child = top.node.inputs[top.next++]!.node;
        if (!finished.has(child) && !stack.some((s) => s.node === child)) enter(child);
        continue;
      }
      stack.pop();
      if (!finished.has(top.node)) {
        finished.add(top.node);
        postOrder.push(top.node);
      }
    }
  }
  const nodeDepth = new Map<LayerNode, number>();
  const layerDepth = new Map<AnyLayer, number>();
  for (let i = postOrder.length - 1; i >= 0; i--) {
    const node = postOrder[i]!;
    const depth = Math.max(nodeDepth.get(node) ?? 0, layerDepth.get(node.layer) ?? 0);
    layerDepth.set(node.layer, depth);
    nodeDepth.set(node, depth);
    for (const t of node.inputs) {
      if (!inModel.has(t.node)) continue;
      nodeDepth.set(t.node, Math.max(depth + 1, nodeDepth.get(t.node) ?? 0));
    }
  }
  const layers = [...layerDepth.keys()].sort((a, b) => layerDepth.get(b)! - layerDepth.get(a)! || firstVisit.get(a)! - firstVisit.get(b)!);
  return { layers, depths: nodeDepth };
}
