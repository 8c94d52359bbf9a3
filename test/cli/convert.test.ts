// The `tensorkit` command, run as a user runs it: from the source with tsx, and from the built
// file (compiled here with the package's own tsconfig.build.json into a temporary directory,
// with a package.json that maps '#platform' as the published one does). Conversions go through
// all three formats and the result predicts as the model that was saved.

import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as tk from '../../src/index.js';
import { expectBitEqual, randomizeWeights, sequentialCnn, tempDir } from '../saving/helpers.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const TSX = path.join(ROOT, 'node_modules/.bin/tsx');
const SOURCE = path.join(ROOT, 'src/cli/convert.ts');
let built = '';
let buildDir = '';

beforeAll(() => {
  buildDir = mkdtempSync(path.join(tmpdir(), 'tk-cli-'));
  const tsc = spawnSync(process.execPath, [path.join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', path.join(ROOT, 'tsconfig.build.json'), '--outDir', path.join(buildDir, 'dist'), '--declaration', 'false', '--declarationMap', 'false', '--sourceMap', 'false'], { encoding: 'utf8', timeout: 240_000 });
  if (tsc.status !== 0) throw new Error(`tsc failed: ${tsc.stdout}${tsc.stderr}`);
  // The published package's "type" and "imports" (the '#platform' map), beside the built files.
  const pkg = { name: 'tensorkit', type: 'module', imports: { '#platform': { node: './dist/platform/node.js', default: './dist/platform/browser.js' } } };
  writeFileSync(path.join(buildDir, 'package.json'), JSON.stringify(pkg));
  built = path.join(buildDir, 'dist/cli/convert.js');
}, 300_000);
afterAll(() => rmSync(buildDir, { recursive: true, force: true }));

const run = (how: 'source' | 'built', args: string[]): { status: number | null; stdout: string; stderr: string } => {
  const r = how === 'source'
    ? spawnSync(TSX, [SOURCE, ...args], { encoding: 'utf8', timeout: 120_000 })
    : spawnSync(process.execPath, [built, ...args], { encoding: 'utf8', timeout: 120_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
};

describe.each(['source', 'built'] as const)('tensorkit (%s)', (how) => {
  it('--help prints the usage and exits 0; a wrong command line exits 2 with the usage', () => {
    const help = run(how, ['--help']);
    expect(help.status).toBe(0);
    expect(help.stdout).toMatch(/^Usage: tensorkit convert INPUT OUTPUT/);
    const none = run(how, []);
    expect(none.status).toBe(2);
    expect(none.stderr).toMatch(/Usage:/);
    // The rest once (each tsx start costs seconds): the built file runs the same code.
    if (how === 'source') return;
    expect(run(how, ['convert', '--help']).status).toBe(0);
    const one = run(how, ['convert', 'only-one']);
    expect(one.status).toBe(2);
    expect(one.stderr).toMatch(/expected INPUT and OUTPUT, got 1 argument/);
    expect(run(how, ['explode', 'a', 'b']).stderr).toMatch(/unknown command 'explode'/);
    expect(run(how, ['convert', 'a', 'b', '--fast']).stderr).toMatch(/unknown option '--fast'/);
  });

  it('converts .h5 → .keras → a TF.js directory → .h5, and each predicts as the saved model', async () => {
    tk.clearSession();
    const dir = tempDir();
    const model = sequentialCnn();
    randomizeWeights(model, 6);
    model.compile({ optimizer: 'adam', loss: 'categorical_crossentropy' });
    await model.save(path.join(dir, 'a.h5'), { includeOptimizer: true });
    const steps: [string, string][] = [['a.h5', 'b.keras'], ['b.keras', 'web'], ['web', 'c.h5']];
    for (const [from, to] of steps) {
      const r = run(how, ['convert', path.join(dir, from), path.join(dir, to), '--include-optimizer']);
      expect(r.stderr, `${from} → ${to}`).toBe('');
      expect(r.status, `${from} → ${to}`).toBe(0);
      expect(r.stdout).toMatch(new RegExp(`converted .*${from.replace('.', '\\.')} .* to .*${to.replace('.', '\\.')} .*: model 'sequential', 6 layers, \\d+ parameters`));
    }
    const x = tk.randomNormal([3, 8, 8, 2], { seed: 2 });
    for (const f of ['b.keras', 'web', 'c.h5']) expectBitEqual(model.predict(x), (await tk.loadModel(path.join(dir, f))).predict(x), f);
    expect((await tk.loadModel(path.join(dir, 'b.keras'))).optimizer?.className).toBe('Adam');
  }, 120_000);

  it('a file that is no model, or missing, exits 1 with the reason', () => {
    const dir = tempDir();
    writeFileSync(path.join(dir, 'junk.keras'), 'PK not really');
    const junk = run(how, ['convert', path.join(dir, 'junk.keras'), path.join(dir, 'out.h5')]);
    expect(junk.status).toBe(1);
    expect(junk.stderr).toMatch(/^tensorkit convert: error: .*junk\.keras/);
    const missing = run(how, ['convert', path.join(dir, 'nothing.h5'), path.join(dir, 'out.keras')]);
    expect(missing.status).toBe(1);
    expect(missing.stderr).toMatch(/does not exist/);
    // A copy of the built tree runs from anywhere (no path into the repository).
    if (how === 'built') {
      const copy = path.join(dir, 'pkg');
      cpSync(buildDir, copy, { recursive: true });
      expect(spawnSync(process.execPath, [path.join(copy, 'dist/cli/convert.js'), '--version'], { encoding: 'utf8' }).stdout).toMatch(/^tensorkit \d+\.\d+\.\d+/);
    }
  });
});
