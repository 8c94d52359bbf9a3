// The box-copy kernel against a per-element reference: random boxes in random source and
// destination shapes of rank 0-4, awkward run lengths, copy and accumulate.

import { describe, expect, it } from 'vitest';
import { copyBox } from '../../src/tensor/kernels/copy.js';
import { randArray, randInt, ravel, rng, sizeOf, unravel } from '../helpers/index.js';

const rand = rng(31337);

function refCopyBox(
  src: Float32Array, srcShape: number[], srcBegin: number[],
  dst: Float32Array, dstShape: number[], dstBegin: number[], box: number[], accumulate: boolean,
): void {
  for (let j = 0; j < sizeOf(box); j++) {
    const idx = unravel(j, box);
    const s = ravel(idx.map((v, i) => v + srcBegin[i]!), srcShape);
    const d = ravel(idx.map((v, i) => v + dstBegin[i]!), dstShape);
    dst[d] = accumulate ? Math.fround(dst[d]! + src[s]!) : src[s]!;
  }
}

describe('copyBox kernel', () => {
  for (const accumulate of [false, true]) {
    it(`random boxes, rank 0-4 (${accumulate ? 'accumulate' : 'copy'})`, () => {
      for (let t = 0; t < 200; t++) {
        const rank = randInt(rand, 0, 4);
        const dims = rank === 1 ? [1, 7, 33, 129, 257] : [1, 2, 3, 7];
        const box = Array.from({ length: rank }, () => dims[randInt(rand, 0, dims.length - 1)]!);
        const srcShape = box.map((b) => b + randInt(rand, 0, 3));
        const dstShape = box.map((b) => b + randInt(rand, 0, 3));
        const srcBegin = box.map((b, i) => randInt(rand, 0, srcShape[i]! - b));
        const dstBegin = box.map((b, i) => randInt(rand, 0, dstShape[i]! - b));
        const src = randArray(sizeOf(srcShape), rand);
        const init = randArray(sizeOf(dstShape), rand);
        const dst = init.slice();
        const ref = init.slice();
        copyBox(src, srcShape, srcBegin, dst, dstShape, dstBegin, box, accumulate);
        refCopyBox(src, srcShape, srcBegin, ref, dstShape, dstBegin, box, accumulate);
        expect(Array.from(dst)).toEqual(Array.from(ref));
      }
    });
  }

  it('a zero-sized box touches nothing', () => {
    const dst = new Float32Array([1, 2, 3, 4]);
    copyBox(new Float32Array(4), [2, 2], [0, 0], dst, [2, 2], [0, 0], [0, 2]);
    expect(Array.from(dst)).toEqual([1, 2, 3, 4]);
  });

  it('rank 0 copies or adds the one value', () => {
    const dst = new Float32Array([2]);
    copyBox(new Float32Array([5]), [], [], dst, [], [], []);
    expect(dst[0]).toBe(5);
    copyBox(new Float32Array([5]), [], [], dst, [], [], [], true);
    expect(dst[0]).toBe(10);
  });

  it('a whole-array copy equals the source', () => {
    const src = randArray(7 * 33 * 3, rand);
    const dst = new Float32Array(src.length);
    copyBox(src, [7, 33, 3], [0, 0, 0], dst, [7, 33, 3], [0, 0, 0], [7, 33, 3]);
    expect(Array.from(dst)).toEqual(Array.from(src));
  });
});
