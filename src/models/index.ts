// The public models namespace (tk.models, tk.keras.models).

export { Model, type ModelArgs, type SymbolicStructure, type ModelConfig, type ModelLayerConfig } from './model.js';
export { Sequential, type SequentialArgs } from './sequential.js';
export { sequential, model } from './factory.js';
export type { CompileArgs, LossSpec, MetricsSpec } from '../trainers/compile.js';
export type { FitArgs, EvaluateArgs, PredictArgs, OnBatchArgs } from '../trainers/trainer.js';
export type { SummaryOptions } from './summary.js';
export type { DataLike, ModelData, Dataset } from '../trainers/data.js';
export { loadModel, type LoadOptions, type ModelArtifacts, type IOHandler, type SaveOptions, type SaveResult } from './io/index.js';
