// The public surface of tensorkit, and nothing else.

import './ops/index.js'; // binds the Tensor methods to the ops (see src/tensor/tensor.ts)
import './models/builtins.js'; // registers the built-in layer and model classes by name (saving, fromConfig)

export { Tensor, Variable, tensor, tensor as constant, variable, type TensorLike, type NestedArray } from './tensor/tensor.js';
export { zeros, ones, fill, zerosLike, onesLike, eye, range, linspace, randomUniform, randomNormal, truncatedNormal, type RandomOptions } from './tensor/creation.js';
export { setSeed } from './tensor/random.js';
export { setKernels, getKernels, setNumThreads, getNumThreads, type KernelKind } from './tensor/kernels/engine.js';
export type { Shape } from './tensor/shape.js';
export type { Padding } from './tensor/kernels/conv_geometry.js';

export {
  add, sub, mul, div, pow, maximum, minimum, squaredDifference, neg,
  equal, notEqual, greater, greaterEqual, less, lessEqual,
  abs, exp, log, log1p, expm1, sqrt, rsqrt, square, reciprocal, sigmoid, tanh, relu, relu6,
  softplus, softsign, elu, selu, erf, sin, cos, sign, floor, ceil, round, clip,
  sum, mean, max, min, prod, argmax, argmin, broadcastTo,
  matmul,
  reshape, transpose, expandDims, squeeze, slice, concat, stack, gather, oneHot, pad, where,
  softmax, logSoftmax,
  conv2d, maxPool2d, avgPool2d, globalAvgPool2d, globalMaxPool2d, type Conv2DOptions,
  primitives, type PrimitiveRule, type Axis,
} from './ops/index.js';

export { noGrad, grad, grads, valueAndGrad, variableGrads, isRecording } from './autograd/tape.js';
export { hessian, hvp, jacobian, type TensorFunction } from './autograd/functional.js';
export type { BackwardOptions } from './autograd/tape.js';
export { identity, sumTo, scatterAdd, conv2dBackpropInput, conv2dBackpropFilter } from './ops/index.js';
export { checkGradients, gradientCheckReport, type CheckGradientsOptions, type GradientCheckReport } from './autograd/check.js';
export { explainGradientCheck, type ExplainOptions, type GradientCheckInput } from './autograd/check.js';
export type { TapeNode, BackwardFn } from './autograd/node.js';
export { graph, ComputationGraph, type GraphOptions, type GraphNode, type GraphEdge, type GraphNodeKind } from './autograd/graph.js';
export { traceBackward, BackwardTrace, type TraceOptions, type BackwardTraceStep, type TracedTensor, type TracedInput, type TracedLeaf } from './autograd/trace.js';
export { customGrad, type CustomGradResult, type CustomGradOptions, type GradSaveFunc, type InputsOf, type TensorLikes } from './autograd/custom_grad.js';

export * as backend from './backend.js';

export {
  Model, Sequential, sequential, model, type ModelArgs, type SymbolicStructure, type ModelConfig, type ModelLayerConfig, type SequentialArgs, type CompileArgs, type LossSpec, type MetricsSpec,
  type FitArgs, type EvaluateArgs, type PredictArgs, type OnBatchArgs, type SummaryOptions, type ModelData, type Dataset, type DataLike,
} from './models/index.js';
export { input, SymbolicTensor, type InputOptions } from './layers/index.js';
export { registerClass, getRegisteredClass, deserializeLayer, type SerializableClass } from './layers/registry.js';
export type { TrainableModel } from './trainers/trainer.js';
export { type LoadOptions, type ModelArtifacts, type IOHandler, type SaveOptions, type SaveResult } from './models/io/index.js';
export { loadModel, type KerasModelSource } from './saving/index.js';
export * as saving from './saving/index.js';
export { softmaxCrossEntropyWithLogits, sigmoidCrossEntropyWithLogits } from './ops/index.js';
export { conv2dTranspose, depthwiseConv2d, separableConv2d, conv3d, maxPool3d, avgPool3d, resizeBilinear, upSampling2d, type Conv2DTransposeOptions, type Conv3DOptions } from './ops/index.js';
export { conv2dTransposeLength } from './ops/conv2d_transpose.js';
export { lstmSequence, lstmSequenceComposite, gruSequence, gruSequenceComposite, simpleRnnSequence, simpleRnnSequenceComposite, type LSTMSequenceOptions, type GRUSequenceOptions, type SimpleRNNSequenceOptions } from './ops/index.js';

// The Keras-style namespaces (tk.layers, tk.losses, ...) are the ones tk.keras groups.
export { models, layers, activations, initializers, regularizers, losses, metrics, optimizers, callbacks } from './keras.js';
export * as keras from './keras.js';
export * as io from './models/io/index.js';
export { clearSession } from './naming.js';
