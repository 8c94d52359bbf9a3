// The built-in classes, registered once under the names configs use (and Keras's aliases), so
// that `tk.loadModel`, `Model.fromConfig` and wrappers can rebuild any of them by name. Imported
// for its effect by src/index.ts and by the loader; custom classes join with `tk.registerClass`.

import {
  Activation, Add, Average, AveragePooling2D, BatchNormalization, Concatenate, Conv2D, Dense, Dot, Dropout, Flatten, GlobalAveragePooling2D,
  GlobalMaxPooling2D, InputLayer, LeakyReLU, MaxPooling2D, Maximum, Minimum, Multiply, ReLU, Reshape, Softmax, Subtract,
} from '../layers/index.js';
import {
  AveragePooling3D, Conv2DTranspose, Conv3D, Cropping2D, DepthwiseConv2D, MaxPooling3D, SeparableConv2D, SpatialDropout1D, SpatialDropout2D,
  UpSampling2D, ZeroPadding2D,
} from '../layers/index.js';
// Sequence layers (issue 13, part A).
import {
  AveragePooling1D, Conv1D, Embedding, GlobalAveragePooling1D, GlobalMaxPooling1D, Masking, MaxPooling1D, Permute, RepeatVector, TimeDistributed,
} from '../layers/index.js';
// Normalization, noise and activation layers (issue 14).
import {
  AlphaDropout, CategoryEncoding, CenterCrop, ELU, GaussianDropout, GaussianNoise, GroupNormalization, Identity, LayerNormalization, Normalization, PReLU,
  Rescaling, Resizing, ThresholdedReLU, UnitNormalization,
} from '../layers/index.js';
import { Bidirectional, GRU, GRUCell, LSTM, LSTMCell, RNN, SimpleRNN, SimpleRNNCell, StackedRNNCells } from '../layers/index.js';
// Attention (issue 14, branch attn)
import { AdditiveAttention, Attention, MultiHeadAttention } from '../layers/index.js';
import { registerBuiltin, type SerializableClass } from '../layers/registry.js';
import { Model } from './model.js';
import { Sequential } from './sequential.js';

/** Built-in classes with the other names Keras files use for them; the order is the one errors list. */
const BUILTINS: [SerializableClass, ...string[]][] = [
  [Dense], [Conv2D, 'Convolution2D'], [MaxPooling2D, 'MaxPool2D'], [AveragePooling2D, 'AvgPool2D'],
  [GlobalAveragePooling2D, 'GlobalAvgPool2D'], [GlobalMaxPooling2D, 'GlobalMaxPool2D'], [Flatten], [Dropout], [BatchNormalization],
  [Activation], [Reshape], [Softmax], [ReLU], [LeakyReLU], [InputLayer],
  [Add], [Subtract], [Multiply], [Average], [Maximum], [Minimum], [Concatenate], [Dot],
  [Sequential], [Model, 'Model'],
  [Conv2DTranspose, 'Convolution2DTranspose'], [DepthwiseConv2D], [SeparableConv2D, 'SeparableConvolution2D'], [Conv3D, 'Convolution3D'],
  [MaxPooling3D, 'MaxPool3D'], [AveragePooling3D, 'AvgPool3D'], [UpSampling2D], [ZeroPadding2D], [Cropping2D],
  [SpatialDropout1D], [SpatialDropout2D],
  // Sequence layers (issue 13, part A).
  [Embedding], [Masking], [RepeatVector], [Permute], [TimeDistributed],
  [SimpleRNN], [LSTM], [GRU], [RNN], [SimpleRNNCell], [LSTMCell], [GRUCell], [StackedRNNCells], [Bidirectional],
  [Conv1D, 'Convolution1D'], [MaxPooling1D, 'MaxPool1D'], [AveragePooling1D, 'AvgPool1D'],
  [GlobalAveragePooling1D, 'GlobalAvgPool1D'], [GlobalMaxPooling1D, 'GlobalMaxPool1D'],
  [LayerNormalization], [GroupNormalization], [UnitNormalization],
  [GaussianNoise], [GaussianDropout], [AlphaDropout], [PReLU], [ELU], [ThresholdedReLU], [Identity],
  [Rescaling], [Resizing], [CenterCrop], [Normalization], [CategoryEncoding],
  [MultiHeadAttention], [Attention], [AdditiveAttention],
];

for (const [cls, ...aliases] of BUILTINS) registerBuiltin(cls, ...aliases);

/** The layer and model classes model files may name (built-in ones, without aliases). */
export const LOADABLE_LAYERS: readonly string[] = BUILTINS.map(([cls]) => cls.className);
