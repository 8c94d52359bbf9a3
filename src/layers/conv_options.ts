// What the convolution layers beyond Conv2D share (Conv2DTranspose, DepthwiseConv2D,
// SeparableConv2D, Conv3D): the positional-or-args-object forms of their constructors, tuples of
// 2 or 3 positive integers, the Keras rule on strides with dilations, and the serialisation of a
// data format. Keras: keras/src/layers/convolutional/base_*.py, utils/argument_validation.py.

import { describe } from './options.js';

/**
 * A positive integer or a list of `rank` of them (Keras `standardize_tuple`, zeros rejected), as
 * an array; errors name `who` and the argument.
 *
 * @example
 * ```ts
 * tuple('Conv3D', 'kernelSize', 3, 3);        // [3, 3, 3]
 * tuple('Conv3D', 'strides', [1, 2, 2], 3);   // [1, 2, 2]
 * ```
 */
export function tuple(who: string, what: string, value: unknown, rank: number): number[] {
  const v = typeof value === 'number' ? new Array<number>(rank).fill(value) : value;
  if (!Array.isArray(v) || v.length !== rank || !v.every((d) => typeof d === 'number' && Number.isInteger(d) && d >= 1)) {
    const list = rank === 2 ? 'a pair of them' : `a list of ${rank} of them`;
    throw new Error(`${who}: ${what} must be a positive integer or ${list}, got ${describe(value)}`);
  }
  return v.slice() as number[];
}

/** Keras rejects strides > 1 together with a dilation rate > 1 (base_conv.py). */
export function checkStridesWithDilation(who: string, strides: readonly number[], dilationRate: readonly number[]): void {
  if (Math.max(...strides) > 1 && Math.max(...dilationRate) > 1) {
    throw new Error(`${who}: strides > 1 and dilationRate > 1 cannot be combined (as Keras), got strides ${describe(strides)} and dilationRate ${describe(dilationRate)}`);
  }
}

/** The TF.js spelling of a data format in configs (as Conv2D writes it). */
export function dataFormatConfig(format: 'channels_last' | 'channels_first'): string {
  return format === 'channels_last' ? 'channelsLast' : 'channelsFirst';
}

/**
 * Splits the two constructor forms of a layer with a required leading argument: positional
 * `new X(first, options)` or the TF.js args object `new X({ [key]: first, ...options })`.
 * Returns the first argument (undefined if missing) and the remaining options.
 */
export function positionalOrArgs<O extends object>(who: (options: O) => string, key: string, first: unknown, options: O | undefined): { value: unknown; options: O } {
  if (first !== null && typeof first === 'object' && !Array.isArray(first)) {
    const { [key]: value, ...rest } = first as Record<string, unknown>;
    if (options !== undefined) throw new Error(`${who(rest as O)}: give the options once: in the args object, or after ${key}`);
    return { value, options: rest as O };
  }
  return { value: first, options: options ?? ({} as O) };
}
