// A failed save never destroys the previous one. A file system that fails at the k-th write or
// rename (for every k a save performs), that fills the disk halfway through a file, or that
// "crashes" (every later operation fails too, so nothing is cleaned up) always leaves the
// previous model.json and its weight files readable, bit for bit.

import { readdirSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import * as tk from '../../src/index.js';
import { cnn, cnnData, expectBitEqual, tempDir } from './helpers.js';

type Mode = 'fail' | 'crash' | 'disk-full';

/** Node's file system, failing at the k-th mutating operation (writeFile or rename). */
async function failingFs(k: number, mode: Mode): Promise<{ fs: tk.io.FileSystemLike; operations: () => number }> {
  const real = await tk.io.nodeFileSystem();
  let count = 0;
  let crashed = false;
  const guard = (): void => {
    if (crashed) throw new Error('the process is gone');
  };
  const step = (): boolean => {
    guard();
    count++;
    if (count !== k) return false;
    if (mode === 'crash') crashed = true;
    return true;
  };
  const fs: tk.io.FileSystemLike = {
    ...real,
    writeFile: async (p, data) => {
      if (step()) {
        if (mode === 'disk-full') {
          await real.writeFile(p, data.subarray(0, Math.floor(data.byteLength / 2)));
          throw new Error('ENOSPC: no space left on device');
        }
        throw new Error(`EIO: injected failure writing ${path.basename(p)}`);
      }
      return real.writeFile(p, data);
    },
    rename: async (from, to) => {
      if (step()) throw new Error(`EIO: injected failure renaming to ${path.basename(to)}`);
      return real.rename(from, to);
    },
    unlink: async (p) => {
      guard();
      return real.unlink(p);
    },
  };
  return { fs, operations: () => count };
}

async function expectStillA(dir: string, a: tk.Sequential, filesOfA: string[]): Promise<void> {
  const loaded = await tk.loadModel(dir);
  a.weights.forEach((w, i) => expectBitEqual(w, loaded.weights[i]!, w.name!));
  const x = cnnData(4, 3).x;
  expectBitEqual(a.predict(x), loaded.predict(x));
  for (const f of filesOfA) expect(readdirSync(dir)).toContain(f);
}

describe('atomic saves', () => {
  for (const mode of ['fail', 'disk-full', 'crash'] as const) {
    it(`a ${mode} at every step of a save leaves the previous save readable`, async () => {
      tk.setSeed(1);
      const a = cnn();
      tk.setSeed(2);
      const b = cnn();
      b.compile({ optimizer: 'adam', loss: 'categorical_crossentropy' });
      const dir = tempDir();
      await a.save(dir);
      const filesOfA = readdirSync(dir).sort();
      let k = 1;
      for (; k < 50; k++) {
        const { fs, operations } = await failingFs(k, mode);
        let failed = false;
        try {
          await b.save(tk.io.fileSystem(dir, { fs }), { includeOptimizer: true });
        } catch (e) {
          failed = true;
          expect(e).toBeInstanceOf(Error);
          if (mode !== 'crash') expect((e as Error).message).toMatch(/the previous save there, if any, is unchanged/);
        }
        if (!failed) {
          expect(operations()).toBeLessThan(k); // the save needed fewer steps: it is complete
          break;
        }
        await expectStillA(dir, a, filesOfA);
        // A failure that could clean up leaves nothing of its own behind.
        if (mode !== 'crash') expect(readdirSync(dir).sort()).toEqual(filesOfA);
      }
      expect(k).toBeGreaterThan(2); // shards, then model.json: at least two writes and two renames failed in turn
      // The save that finally went through replaced A with B and removed A's weight files.
      const loaded = await tk.loadModel(dir);
      b.weights.forEach((w, i) => expectBitEqual(w, loaded.weights[i]!));
      if (mode !== 'crash') expect(readdirSync(dir).filter((f) => filesOfA.includes(f))).toEqual(['model.json']);
    });
  }

  it('a model larger than one shard (4 MiB) is written in several files, all-or-nothing', async () => {
    tk.setSeed(3);
    const big = new tk.Sequential([new tk.layers.Dense(1100, { inputShape: [1000] })]); // 4.4 MB of weights
    const dir = tempDir();
    await big.save(dir);
    const shards = readdirSync(dir).filter((f) => f.endsWith('.bin'));
    expect(shards).toHaveLength(2);
    expect(shards.every((f) => /^group1-shard[12]of2-[0-9a-f]{16}\.bin$/.test(f))).toBe(true);
    const loaded = await tk.loadModel(dir);
    expectBitEqual(big.weights[0]!, loaded.weights[0]!);
  });

  it('saving into a path that is a file, or an unwritable place, fails cleanly', async () => {
    const model = cnn();
    const dir = tempDir();
    await model.save(dir);
    await expect(model.save(path.join(dir, readdirSync(dir).find((f) => f.endsWith('.bin'))!))).rejects.toThrow(/cannot create the directory/);
    await expect(tk.loadModel(dir)).resolves.toBeInstanceOf(tk.Sequential);
  });
});
