// Rebuilding a functional model from its config (Model.fromConfig): every layer from the class
// registry, then the recorded calls replayed, then the model from its input and output references.
// The model class is handed in (`make`), so this file needs only its types.

import type { AnyLayer } from '../layers/layer.js';
import { Merge } from '../layers/merging.js';
import { deserializeLayer } from '../layers/registry.js';
import type { SymbolicTensor } from '../layers/symbolic.js';
import { isPlainObject } from '../trainers/data.js';
import type { Model, ModelArgs, ModelConfig, SymbolicStructure } from './model.js';

/**
 * `Model.fromConfig` for a functional config: layers from the registry, then every recorded call
 * replayed once the tensors it takes exist (a shared layer's later calls may wait on layers listed
 * after it), then the model from its input and output references.
 */
export function functionalFromConfig(config: ModelConfig, make: (args: ModelArgs) => Model): Model {
  const who = `Model.fromConfig${typeof config.name === 'string' ? ` ('${config.name}')` : ''}`;
  if (!Array.isArray(config.layers)) throw new Error(`${who}: expected { name, layers, inputLayers, outputLayers }`);
  const layers = new Map<string, AnyLayer>();
  const queues: { layer: AnyLayer; calls: unknown[][][]; list: boolean }[] = [];
  config.layers.forEach((entry, i) => {
    const layer = deserializeLayer(entry, `${who}: layers[${i}]`);
    const name = entry.name ?? layer.name;
    if (layer.name !== name) throw new Error(`${who}: layers[${i}] is named '${name}' but its config says '${layer.name}'`);
    if (layers.has(name)) throw new Error(`${who}: two layers are named '${name}'`);
    layers.set(name, layer);
    // A merge layer always takes a list (TF.js's files do not say so for a list of one).
    queues.push({ layer, calls: (entry.inboundNodes ?? []).slice(), list: entry.inputIsList === true || layer instanceof Merge });
  });
  const tensorAt = (ref: unknown, at: string): SymbolicTensor | null => {
    if (!Array.isArray(ref) || ref.length < 3) throw new Error(`${who}: ${at}: expected [layer name, node index, tensor index], got ${JSON.stringify(ref)}`);
    const [name, nodeIndex, tensorIndex] = ref as [string, number, number];
    const producer = layers.get(name);
    if (producer === undefined) throw new Error(`${who}: ${at}: no layer named '${name}'`);
    const node = producer.inboundNodes[nodeIndex];
    if (node === undefined) return null; // not made yet
    const t = node.outputs[tensorIndex];
    if (t === undefined) throw new Error(`${who}: ${at}: '${name}' call ${nodeIndex} has no output ${tensorIndex}`);
    return t;
  };
  let pending = queues.reduce((n, q) => n + q.calls.length, 0);
  while (pending > 0) {
    let progressed = false;
    for (const q of queues) {
      while (q.calls.length > 0) {
        const call = q.calls[0]!;
        const at = `layer '${q.layer.name}' call ${q.layer.inboundNodes.length}`;
        const refs = call.map((r, k) => ({ t: tensorAt(r, `${at} input ${k}`), kwargs: ((r as unknown[])[3] ?? {}) as Record<string, unknown> }));
        if (refs.some((r) => r.t === null)) break;
        const main: SymbolicTensor[] = [];
        const args: Record<string, unknown> = {};
        for (const { t, kwargs } of refs) {
          const { callArg, callArgIndex, ...rest } = kwargs;
          if (typeof callArg === 'string') {
            // Keras files name the argument in snake_case (`attention_mask`); call arguments are camelCase.
            const key = callArg.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());
            if (typeof callArgIndex === 'number') ((args[key] as SymbolicTensor[] | undefined) ??= [])[callArgIndex] = t!;
            else args[key] = t!;
          } else {
            main.push(t!);
            Object.assign(args, rest);
          }
        }
        q.layer.apply(main.length === 1 && !q.list ? main[0]! : main, args);
        q.calls.shift();
        pending--;
        progressed = true;
      }
    }
    if (!progressed) {
      const stuck = queues.find((q) => q.calls.length > 0)!;
      throw new Error(`${who}: cannot connect the layers: '${stuck.layer.name}' waits for a tensor no layer makes (a call refers to a node that does not exist)`);
    }
  }
  const refsOf = (value: unknown, what: string): SymbolicStructure => {
    const get = (r: unknown, at: string): SymbolicTensor => {
      const t = tensorAt(r, at);
      if (t === null) throw new Error(`${who}: ${at}: that call does not exist`);
      return t;
    };
    if (isPlainObject(value)) return Object.fromEntries(Object.entries(value).map(([k, r]) => [k, get(r, `${what}.${k}`)]));
    if (!Array.isArray(value)) throw new Error(`${who}: ${what} must be a list of [layer name, node index, tensor index]`);
    return value.map((r, i) => get(r, `${what}[${i}]`));
  };
  const inputs = refsOf(config.inputLayers, 'inputLayers');
  const outputs = refsOf(config.outputLayers, 'outputLayers');
  return make({
    inputs,
    outputs,
    ...(typeof config.name === 'string' ? { name: config.name } : {}),
    ...(config.trainable === false ? { trainable: false } : {}),
  });
}
