// src/saving sits above the models and sees them through small interfaces: it imports no model
// class at run time (types only), and nothing in the library imports the CLI (src/cli).

import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const src = fileURLToPath(new URL('../../src/', import.meta.url));

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const full = path.join(dir, name);
    return statSync(full).isDirectory() ? sources(full) : name.endsWith('.ts') ? [full] : [];
  });
}

/** The modules a file imports at run time (not `import type`), resolved to paths under src. */
function runtimeImports(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const out: string[] = [];
  for (const m of text.matchAll(/(?:^|\n)\s*(import|export)\s+(type\s+)?[^'";]*?from\s*['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/g)) {
    if (m[2] !== undefined) continue;
    const spec = m[3] ?? m[4]!;
    if (spec.startsWith('.')) out.push(path.relative(src, path.resolve(path.dirname(file), spec.replace(/\.js$/, '.ts'))));
  }
  return out;
}

describe('the saving layer', () => {
  it('imports no model class at run time', () => {
    const bad = sources(path.join(src, 'saving')).flatMap((f) => runtimeImports(f).filter((i) => /^models\/(model|sequential|functional)\.ts$/.test(i)).map((i) => `${path.relative(src, f)} → ${i}`));
    expect(bad).toEqual([]);
  });

  it('the CLI is imported by nothing in the library', () => {
    const users = sources(src).filter((f) => !f.includes(`${path.sep}cli${path.sep}`)).filter((f) => runtimeImports(f).some((i) => i.startsWith('cli/')));
    expect(users).toEqual([]);
  });
});
