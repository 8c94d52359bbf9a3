// Saving a model: its artifacts (topology, weights, optional optimizer state) and the
// destinations they go to (a directory path, or any IOHandler).

import { fileWeightName } from '../../layers/file_names.js';
import type { Variable } from '../../tensor/tensor.js';
import { type IOHandler, type ModelArtifacts, type SaveOptions, type SaveResult } from './artifacts.js';
import { fileSystem } from './file_system.js';
import { TENSORKIT_VERSION, topologyToJson, type TopologyModel } from './topology.js';
import { optimizerWeightsToWrite, trainingConfigToJson, type TrainableModel } from './training.js';
import { encodeWeights, type WeightToWrite } from './weights.js';
import { show } from './validate.js';

/** What saving needs of a model. */
export interface SaveableModel extends TopologyModel, TrainableModel {
  readonly weights: Variable[];
}

/** The artifacts of `model` (see `Model.toArtifacts`). */
export function modelToArtifacts(model: SaveableModel, options: SaveOptions = {}): ModelArtifacts {
  checkSaveOptions(options, `${model.name}.save`);
  const topology = topologyToJson(model);
  const training = trainingConfigToJson(model);
  if (training !== null) topology.training_config = training;
  checkUniqueWeightNames(model.weights, `${model.name}.save`);
  const weights: WeightToWrite[] = model.weights.map((w) => ({ name: fileWeightName(w), shape: w.shape, values: w.data, dtype: 'float32' }));
  const optimizer = model.optimizer;
  if (options.includeOptimizer === true && optimizer !== null) weights.push(...optimizerWeightsToWrite(optimizer));
  const { specs, data } = encodeWeights(weights);
  return {
    modelTopology: topology,
    weightSpecs: specs,
    weightData: data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength) as ArrayBuffer,
    format: 'layers-model',
    generatedBy: `tensorkit v${TENSORKIT_VERSION}`,
    convertedBy: null,
  };
}

/** Weights alone: artifacts without a topology. */
export function weightsToArtifacts(model: { readonly name: string; readonly weights: Variable[] }): ModelArtifacts {
  checkUniqueWeightNames(model.weights, `${model.name}.saveWeights`);
  const { specs, data } = encodeWeights(model.weights.map((w) => ({ name: fileWeightName(w), shape: w.shape, values: w.data, dtype: 'float32' })));
  return { weightSpecs: specs, weightData: data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength) as ArrayBuffer, format: 'layers-model' };
}

/** Saves `model` to a directory path or an IOHandler (see `Model.save`). */
export async function saveModel(model: SaveableModel, destination: string | IOHandler, options: SaveOptions = {}): Promise<SaveResult> {
  const artifacts = modelToArtifacts(model, options);
  return toHandler(destination, `${model.name}.save`).save!(artifacts);
}

/** Saves the weights of `model` alone (see `Model.saveWeights`). */
export async function saveModelWeights(model: { readonly name: string; readonly weights: Variable[] }, destination: string | IOHandler): Promise<SaveResult> {
  return toHandler(destination, `${model.name}.saveWeights`).save!(weightsToArtifacts(model));
}

/**
 * Weights are saved and matched by name: two with one name (a layer of a nested model named like
 * one outside it) would load into each other's place, so such a model is refused, naming the pair.
 */
function checkUniqueWeightNames(weights: readonly Variable[], who: string): void {
  const seen = new Set<string>();
  for (const w of weights) {
    const name = w.name ?? 'weight';
    if (seen.has(name)) {
      throw new Error(`${who}: two weights are named '${name}' (layers with the same name, one inside a nested model); weights are saved by name, so give one of the layers another name`);
    }
    seen.add(name);
  }
}

function toHandler(destination: string | IOHandler, who: string): IOHandler {
  if (typeof destination === 'string') return fileSystem(destination);
  if (destination !== null && typeof destination === 'object' && typeof destination.save === 'function') return destination;
  throw new Error(`${who}: expected a directory path or an IOHandler with a save() method, got ${show(destination)}`);
}

function checkSaveOptions(options: SaveOptions, who: string): void {
  if (options === null || typeof options !== 'object') throw new Error(`${who}: expected an options object such as { includeOptimizer: true }, got ${show(options)}`);
  for (const key of Object.keys(options)) {
    if (key !== 'includeOptimizer') throw new Error(`${who}: unknown option '${key}' (valid: includeOptimizer)`);
  }
  if (options.includeOptimizer !== undefined && typeof options.includeOptimizer !== 'boolean') {
    throw new Error(`${who}: includeOptimizer must be true or false, got ${show(options.includeOptimizer)}`);
  }
}

