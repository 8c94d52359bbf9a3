// The code in the guides is real: every ```ts block of docs/backprop.md, docs/kernels.md and docs/rnn.md is
// either
//   - a runnable snippet (it starts with `import * as tk from 'tensorkit'`): it is run with tsx,
//     as a reader would run it, and when a block marked `<!-- output -->` follows it, what it
//     prints must be exactly that block; or
//   - an excerpt (marked `<!-- excerpt: path -->`): it must appear verbatim in that source file.
// So a guide cannot show code that does not run, output it does not print, or source that has
// changed.

import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../', import.meta.url));
const GUIDES = ['docs/backprop.md', 'docs/kernels.md', 'docs/rnn.md'];
const IMPORT = "import * as tk from 'tensorkit';";

interface Block {
  readonly lang: string;
  readonly code: string;
  /** 1-based line of the opening fence. */
  readonly line: number;
  /** The `<!-- ... -->` comment on the last non-blank line before the fence, if any. */
  readonly marker: string | null;
}

/** The fenced code blocks of a Markdown text (``` fences at most 3 spaces in, as CommonMark). */
function fencedBlocks(text: string): Block[] {
  const lines = text.split('\n');
  const blocks: Block[] = [];
  for (let i = 0; i < lines.length; i++) {
    const open = /^ {0,3}(`{3,})\s*([\w-]*)/.exec(lines[i]!);
    if (open === null) continue;
    const fence = open[1]!;
    let j = i + 1;
    while (j < lines.length && !new RegExp(`^ {0,3}${fence}\`*\\s*$`).test(lines[j]!)) j++;
    let k = i - 1;
    while (k >= 0 && lines[k]!.trim() === '') k--;
    const comment = k >= 0 ? /^<!--\s*(.*?)\s*-->$/.exec(lines[k]!.trim()) : null;
    blocks.push({ lang: open[2]!, code: lines.slice(i + 1, j).join('\n'), line: i + 1, marker: comment === null ? null : comment[1]! });
    i = j;
  }
  return blocks;
}

interface Snippet {
  readonly name: string;
  readonly code: string;
  expected: string | null;
}

interface Excerpt {
  readonly name: string;
  readonly file: string;
  readonly code: string;
}

/** Sorts a guide's blocks into runnable snippets (with their expected output) and excerpts. */
function parseGuide(path: string): { snippets: Snippet[]; excerpts: Excerpt[]; errors: string[] } {
  const snippets: Snippet[] = [];
  const excerpts: Excerpt[] = [];
  const errors: string[] = [];
  let last: Snippet | null = null;
  for (const b of fencedBlocks(readFileSync(join(root, path), 'utf8'))) {
    const where = `${path}:${b.line}`;
    const excerpt = b.marker === null ? null : /^excerpt:\s*(\S+)$/.exec(b.marker);
    if (b.marker === 'output') {
      if (last === null || last.expected !== null) errors.push(`${where}: an output block must follow a runnable snippet (one output each)`);
      else last.expected = b.code;
    } else if (excerpt !== null) {
      excerpts.push({ name: `${where} (excerpt of ${excerpt[1]})`, file: excerpt[1]!, code: b.code });
    } else if (b.lang === 'ts') {
      if (!b.code.startsWith(IMPORT)) {
        errors.push(`${where}: a ts block must start with "${IMPORT}" (a runnable snippet) or be marked <!-- excerpt: path -->`);
        continue;
      }
      last = { name: where, code: b.code, expected: null };
      snippets.push(last);
    }
  }
  return { snippets, excerpts, errors };
}

const scratch = mkdtempSync(join(tmpdir(), 'tensorkit-doc-snippets-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** Runs a snippet with tsx (importing the library from src/), resolving with its output. */
function run(name: string, code: string): Promise<{ code: number; stdout: string; stderr: string }> {
  const file = join(scratch, `${name.replace(/[^\w]+/g, '_')}.mts`);
  writeFileSync(file, code.replace(IMPORT, `import * as tk from ${JSON.stringify(join(root, 'src/index.ts'))};`));
  return new Promise((resolve) => {
    execFile(join(root, 'node_modules/.bin/tsx'), [file], { cwd: root, timeout: 120_000 }, (error, stdout, stderr) => {
      const status = error === null ? 0 : typeof error.code === 'number' ? error.code : 1;
      resolve({ code: status, stdout, stderr });
    });
  });
}

for (const guide of GUIDES) {
  const { snippets, excerpts, errors } = parseGuide(guide);

  describe(guide, () => {
    it('has only runnable snippets, their outputs, and excerpts', () => {
      expect(errors).toEqual([]);
      expect(snippets.length + excerpts.length).toBeGreaterThan(0);
    });

    for (const e of excerpts) {
      it(`${e.name} is copied verbatim from the source`, () => {
        const source = readFileSync(join(root, e.file), 'utf8');
        expect(source.includes(e.code), `${e.name} no longer matches ${e.file}: copy the current code into the guide`).toBe(true);
      });
    }

    for (const s of snippets) {
      it.concurrent(`${s.name} runs${s.expected === null ? '' : ' and prints its output block'}`, async () => {
        const r = await run(s.name, s.code);
        expect(r.code, `${s.name} failed:\n${r.stderr}`).toBe(0);
        if (s.expected !== null) expect(r.stdout.trimEnd()).toBe(s.expected.trimEnd());
      });
    }
  });
}
