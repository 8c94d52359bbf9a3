// '#platform' (package.json "imports"): Node's variant under the `node` condition, the browser
// variant otherwise. Both must offer the same exports; the browser's refuses, and what users see
// is the message of the feature that needed files (the bundles in package.test.ts check those).

import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import * as browser from '../../src/platform/browser.js';
import * as node from '../../src/platform/node.js';

describe('#platform', () => {
  it('has the same exports in both variants', () => {
    expect(Object.keys(browser).sort()).toEqual(Object.keys(node).sort());
  });

  it("is Node's modules under Node, loaded once", async () => {
    const modules = await node.nodeModules();
    expect(typeof modules.fs.readFile).toBe('function');
    expect(modules.path.join('a', 'b')).toBe(`a${modules.path.sep}b`);
    expect(modules.crypto.createHash('sha256').update('abc').digest('hex').slice(0, 8)).toBe('ba7816bf'); // FIPS 180-2's "abc" example
    expect(await node.nodeModules()).toBe(modules);
  });

  it('has no file system in the browser variant', async () => {
    await expect(browser.nodeModules()).rejects.toThrow(/browser build .* has no file system/);
  });

  it('is resolved by condition in the package, node first', () => {
    const manifest = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { imports: Record<string, Record<string, string>> };
    expect(Object.entries(manifest.imports['#platform']!)).toEqual([['node', './dist/platform/node.js'], ['default', './dist/platform/browser.js']]);
  });
});
