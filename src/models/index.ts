// The public models namespace (tk.models, tk.keras.models).

export { Sequential, type SequentialArgs, type CompileArgs, type FitArgs, type EvaluateArgs, type PredictArgs, type OnBatchArgs } from './sequential.js';
export { sequential } from './factory.js';
export type { SummaryOptions } from './summary.js';
export type { DataLike } from './data.js';
export { loadModel, type LoadOptions, type ModelArtifacts, type IOHandler, type SaveOptions, type SaveResult } from './io/index.js';
