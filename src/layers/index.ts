// The public layers namespace (tk.layers): the Layer base class and every layer, one per file.
// Activations, initializers and regularizers are their own namespaces (tk.activations,
// tk.initializers, tk.regularizers), re-exported here as namespaces too.

export { Layer, formatSymbolicShape, type SymbolicShape, type LayerArgs, type CallArgs, type InputSpec, type LayerConfig, type AnyLayer, type Mask, type SymbolicOf, type LayerInputs } from './layer.js';
export { SymbolicTensor, LayerNode, isSymbolicTensor, type InputStructure } from './symbolic.js';
export { maskOf, setMask } from './mask.js';
export { Merge, Add, Subtract, Multiply, Average, Maximum, Minimum, Concatenate, Dot, type MergeOptions, type ConcatenateOptions, type DotOptions } from './merging.js';
export { Dense, type DenseOptions } from './dense.js';
export { Flatten, type FlattenOptions, type DataFormat } from './flatten.js';
export { Activation, type ActivationLayerOptions } from './activation_layer.js';
export { Reshape } from './reshape.js';
export { InputLayer, input, type InputLayerOptions, type InputOptions } from './input_layer.js';
export { Dropout, type DropoutOptions } from './dropout.js';
export { BatchNormalization, type BatchNormalizationOptions } from './batch_normalization.js';
export { Softmax, type SoftmaxOptions } from './softmax.js';
export { ReLU, type ReLUOptions } from './relu.js';
export { LeakyReLU, type LeakyReLUOptions } from './leaky_relu.js';
export { Conv2D, type Conv2DLayerOptions, type Conv2DLayerArgs } from './conv2d.js';
export { MaxPooling2D, AveragePooling2D, GlobalAveragePooling2D, GlobalMaxPooling2D, type Pooling2DOptions, type GlobalPooling2DOptions } from './pooling.js';
export { Conv2DTranspose, type Conv2DTransposeLayerOptions, type Conv2DTransposeLayerArgs } from './conv2d_transpose.js';
export { DepthwiseConv2D, type DepthwiseConv2DOptions, type DepthwiseConv2DArgs } from './depthwise_conv2d.js';
export { SeparableConv2D, type SeparableConv2DOptions, type SeparableConv2DArgs } from './separable_conv2d.js';
export { Conv3D, type Conv3DLayerOptions, type Conv3DLayerArgs } from './conv3d.js';
export { MaxPooling3D, AveragePooling3D, type Pooling3DOptions } from './pooling3d.js';
export { UpSampling2D, ZeroPadding2D, Cropping2D, type UpSampling2DOptions, type UpSamplingInterpolation, type ZeroPadding2DOptions, type Cropping2DOptions, type Border2D } from './reshaping.js';
export { SpatialDropout1D, SpatialDropout2D, type SpatialDropout1DOptions, type SpatialDropout2DOptions } from './spatial_dropout.js';
// Sequence layers (issue 13, part A).
export { Embedding, type EmbeddingOptions, type EmbeddingArgs } from './embedding.js';
export { Masking, type MaskingOptions } from './masking.js';
export { RepeatVector, Permute, type RepeatVectorOptions, type PermuteOptions } from './repeat_permute.js';
export { TimeDistributed, type TimeDistributedArgs } from './time_distributed.js';
export { Conv1D, type Conv1DLayerOptions, type Conv1DLayerArgs, type Padding1D } from './conv1d.js';
export { MaxPooling1D, AveragePooling1D, GlobalAveragePooling1D, GlobalMaxPooling1D, type Pooling1DOptions, type GlobalPooling1DOptions } from './pooling1d.js';
// Normalization, noise, activation and preprocessing layers (issue 14 part B1).
export { LayerNormalization, GroupNormalization, UnitNormalization, type LayerNormalizationOptions, type GroupNormalizationOptions, type UnitNormalizationOptions } from './normalization.js';
export { GaussianNoise, GaussianDropout, AlphaDropout, type NoiseOptions, type AlphaDropoutOptions } from './noise.js';
export { PReLU, ELU, ThresholdedReLU, Identity, type PReLUOptions, type ELUOptions, type ThresholdedReLUOptions } from './advanced_activations.js';
export {
  Rescaling, Resizing, CenterCrop, Normalization, CategoryEncoding, type RescalingOptions, type ResizingOptions, type ResizeInterpolation, type CenterCropOptions,
  type NormalizationOptions, type NumberTree, type AdaptData, type CategoryEncodingOptions, type CategoryOutputMode,
} from './preprocessing.js';
// Attention (issue 14, branch attn)
export { MultiHeadAttention, type MultiHeadAttentionOptions, type MultiHeadAttentionCallArgs } from './multi_head_attention.js';
export { Attention, AdditiveAttention, type AttentionOptions, type AdditiveAttentionOptions, type AttentionCallArgs } from './attention.js';

export * as activations from './activations.js';
export * as initializers from './initializers.js';
export * as regularizers from './regularizers.js';
// Recurrent layers (issue 13): cells, the RNN wrapper, SimpleRNN, LSTM, GRU.
export { RNNCell, type SequenceContext, type SequenceResult } from './rnn/cell.js';
export { RNN, type RNNOptions, type RNNCallArgs, type CellLike } from './rnn/rnn.js';
export { StackedRNNCells } from './rnn/stacked.js';
export { SimpleRNNCell, SimpleRNN, type SimpleRNNCellOptions, type SimpleRNNOptions } from './rnn/simple_rnn.js';
export { LSTMCell, LSTM, type LSTMCellOptions, type LSTMOptions } from './rnn/lstm.js';
export { GRUCell, GRU, type GRUCellOptions, type GRUOptions } from './rnn/gru.js';
export type { CellOptions, GatedCellOptions } from './rnn/options.js';
export { Bidirectional, type BidirectionalOptions, type MergeMode } from './rnn/bidirectional.js';
