// The transpose kernel against an index-mapping reference on random shapes and permutations,
// with awkward sizes (1, 7, 33, 129, 257) hitting the tiled 2-D path, the batched 2-D path
// (after axis merging) and the general odometer path.

import { describe, expect, it } from 'vitest';
import { transpose, transpose2d } from '../../src/tensor/kernels/transpose.js';
import { randInt, randPerm, refTranspose, rng, sizeOf } from '../helpers/index.js';

const rand = rng(777);
const AWKWARD = [1, 7, 33, 129, 257];

function check(shape: number[], perm: number[]): void {
  const n = sizeOf(shape);
  const x = Float32Array.from({ length: n }, (_, i) => i); // distinct values reveal any misplacement
  const out = new Float32Array(n).fill(-1);
  transpose(x, shape, perm, out);
  const ref = refTranspose(x, shape, perm);
  for (let i = 0; i < n; i++) {
    if (out[i] !== ref.data[i]) expect.fail(`transpose ${JSON.stringify(shape)} by ${JSON.stringify(perm)}: index ${i} is ${out[i]}, expected ${ref.data[i]}`);
  }
}

describe('transpose kernel', () => {
  it('2-D with awkward sizes (tile edges)', () => {
    for (const r of AWKWARD) for (const c of AWKWARD) check([r, c], [1, 0]);
  });

  it('3-D and 4-D with awkward sizes, every permutation', () => {
    const perms3 = [[0, 1, 2], [0, 2, 1], [1, 0, 2], [1, 2, 0], [2, 0, 1], [2, 1, 0]];
    for (let t = 0; t < 6; t++) {
      const shape = [AWKWARD[randInt(rand, 0, 2)]!, AWKWARD[randInt(rand, 0, 4)]!, AWKWARD[randInt(rand, 0, 3)]!];
      for (const p of perms3) check(shape, p);
    }
    for (let t = 0; t < 30; t++) {
      const shape = Array.from({ length: 4 }, () => [1, 2, 7, 33][randInt(rand, 0, 3)]!);
      check(shape, randPerm(rand, 4));
    }
  });

  it('layouts that merge: NHWC <-> NCHW, size-1 axes anywhere, identity', () => {
    check([2, 7, 33, 3], [0, 3, 1, 2]);
    check([2, 3, 7, 33], [0, 2, 3, 1]);
    check([1, 33, 1, 7], [3, 2, 1, 0]);
    check([7, 1, 33], [2, 1, 0]);
    check([1, 1, 1], [2, 0, 1]);
    check([5, 6, 7], [0, 1, 2]);
    check([3, 4, 5, 6, 7], [4, 0, 3, 1, 2]);
  });

  it('random ranks 0-6', () => {
    for (let t = 0; t < 100; t++) {
      const rank = randInt(rand, 0, 6);
      check(Array.from({ length: rank }, () => randInt(rand, 1, 4)), randPerm(rand, rank));
    }
  });

  it('empty tensors write nothing', () => {
    const out = new Float32Array(0);
    transpose(new Float32Array(0), [0, 3], [1, 0], out);
    expect(out.length).toBe(0);
  });

  it('transpose2d honours its offsets (a batch of matrices in one array)', () => {
    const [rows, cols] = [33, 7];
    const x = Float32Array.from({ length: 5 + rows * cols }, (_, i) => i);
    const out = new Float32Array(3 + rows * cols).fill(-1);
    transpose2d(x, rows, cols, out, 5, 3);
    expect(Array.from(out.subarray(0, 3))).toEqual([-1, -1, -1]);
    for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) expect(out[3 + c * rows + r]).toBe(x[5 + r * cols + c]);
  });
});
