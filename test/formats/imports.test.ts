// src/formats is bytes only and bundles for browsers: its files import nothing but each other
// (no Tensor, no node: modules, no packages), and use no Node globals (Buffer, process, require).

import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../src/formats/', import.meta.url));

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const full = path.join(dir, name);
    return statSync(full).isDirectory() ? sources(full) : name.endsWith('.ts') ? [full] : [];
  });
}

describe('src/formats', () => {
  const files = sources(root);

  it('has the three modules', () => {
    for (const m of ['hdf5/index.ts', 'zip/index.ts', 'deflate/index.ts']) expect(files).toContain(path.join(root, m));
  });

  it('imports only from inside src/formats', () => {
    const imports: string[] = [];
    for (const file of files) {
      const text = readFileSync(file, 'utf8');
      for (const m of text.matchAll(/(?:^|\n)\s*(?:import|export)\b[^'";]*?from\s*['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/g)) {
        const spec = m[1] ?? m[2];
        imports.push(spec);
        expect(spec.startsWith('.'), `${path.relative(root, file)} imports "${spec}"`).toBe(true);
        const target = path.resolve(path.dirname(file), spec);
        expect(target.startsWith(root), `${path.relative(root, file)} imports "${spec}", outside src/formats`).toBe(true);
      }
    }
    expect(imports.length).toBeGreaterThan(20);
  });

  it('uses no Node-only globals', () => {
    for (const file of files) {
      const code = readFileSync(file, 'utf8').replace(/\/\/.*$/gm, '');
      expect(code, path.relative(root, file)).not.toMatch(/(?<![A-Za-z])Buffer\b|\bprocess\.|\brequire\(/);
    }
  });
});
