// docs/ops.md is generated from `primitives` in src/ops/index.ts and must stay exactly what the
// generator writes: this test regenerates the text in memory and compares.

import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import * as tk from '../../src/index.js';
import { OPS_TABLE_COMMAND, OPS_TABLE_PATH, opsTable } from '../../scripts/gen-ops-table.js';

const root = fileURLToPath(new URL('../../', import.meta.url));

describe('docs/ops.md, the derivative table', () => {
  it('is exactly what scripts/gen-ops-table.ts generates from src/ops/index.ts', () => {
    const committed = readFileSync(`${root}${OPS_TABLE_PATH}`, 'utf8');
    const fresh = opsTable();
    // Point at the first differing line so the message is useful without a diff tool.
    const a = committed.split('\n');
    const b = fresh.split('\n');
    const line = a.findIndex((l, i) => l !== b[i]);
    const where = line === -1 ? `the files differ in length (${a.length} vs ${b.length} lines)` : `line ${line + 1}: committed ${JSON.stringify(a[line])}, generated ${JSON.stringify(b[line])}`;
    expect(committed === fresh, `${OPS_TABLE_PATH} is out of date with src/ops/index.ts (${where}). Regenerate it: ${OPS_TABLE_COMMAND}`).toBe(true);
  });

  it('has one row per primitive, linking a file that exists', () => {
    const rows = opsTable().split('\n').filter((l) => l.startsWith('| `'));
    expect(rows).toHaveLength(tk.primitives.length);
    for (const p of tk.primitives) {
      expect(readFileSync(`${root}src/ops/${p.file}`, 'utf8'), p.op).toContain(`'${p.op}'`);
      for (const op of p.records) expect(tk.primitives.map((q) => q.op), `'${p.op}' records '${op}'`).toContain(op);
    }
  });

  it('has a row for every op the source records (the table checked the other way)', () => {
    // Every record('name', ...) with a literal name in src/; ops named by a variable (the step
    // functions, the crossentropies, customGrad's user names) are covered by the second-order
    // sweep, which records every row.
    const names = new Set<string>();
    const walk = (dir: string): void => {
      for (const entry of readdirSync(dir, { withFileTypes: true })) {
        const path = `${dir}/${entry.name}`;
        if (entry.isDirectory()) walk(path);
        else if (entry.name.endsWith('.ts')) for (const m of readFileSync(path, 'utf8').matchAll(/\brecord\(\s*'(\w+)'/g)) names.add(m[1]!);
      }
    };
    walk(`${root}src`);
    expect(names.size).toBeGreaterThan(50);
    const rows = new Set(tk.primitives.map((p) => p.op));
    expect([...names].filter((n) => !rows.has(n)), 'recorded ops missing from tk.primitives').toEqual([]);
  });

  it('escapes | inside a formula so it does not split the table cell', () => {
    const softsign = opsTable().split('\n').find((l) => l.startsWith('| `softsign`'))!;
    expect(softsign).toContain('(1+\\|x\\|)²');
    expect(softsign.split(/(?<!\\)\|/)).toHaveLength(6); // '', op, derivative, backward records, file, ''
  });
});
