// Fuzzing readZip: 20,000 seeded variants of five archives (Python's stored, deflated, streamed
// and ZIP64 fixtures, and one from writeZip with deflated members), truncated, bit-flipped,
// overwritten, or with an 8-byte word copied elsewhere. Every variant must either be read or give
// a ZipFormatError naming an offset or a member: never another exception, never more than a
// second, never members adding up to more than `maxUncompressedBytes`, and Object.prototype
// untouched. The figures are printed on the console line of the test.

import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { readZip, writeZip, ZipFormatError } from '../../../src/formats/zip/index.js';

const CASES = 20000;
const PER_CASE_MS = 1000;
const fixtures = fileURLToPath(new URL('./fixtures/', import.meta.url));
const text = (s: string): Uint8Array => new TextEncoder().encode(s);

const bases = [
  ...['keras_stored.zip', 'deflated.zip', 'streamed.zip', 'zip64.zip'].map((f) => new Uint8Array(readFileSync(fixtures + f))),
  writeZip([
    { name: 'metadata.json', data: text('{"keras_version": "3.6.0"}') },
    { name: 'config.json', data: text(JSON.stringify({ layers: Array.from({ length: 30 }, (_, i) => ({ units: i })) })), method: 'deflate' },
    { name: 'model.weights.h5', data: new Uint8Array(300).map((_, i) => (i * 7) & 255), method: 'deflate' },
  ]),
];

describe('readZip fuzzed', () => {
  it(`${CASES} truncated, bit-flipped and rewired archives: read, or a ZipFormatError`, () => {
    const prototypeBefore = Object.getOwnPropertyNames(Object.prototype).sort().join();
    let seed = Number(process.env.FUZZ_SEED ?? 0x21b);
    const random = (n: number): number => {
      seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0;
      return Math.floor((seed / 2 ** 32) * n);
    };
    const outcomes = { parsed: 0, rejected: 0 };
    let slowest = 0;
    const started = performance.now();
    for (let i = 0; i < CASES; i++) {
      const base = bases[i % bases.length];
      let bytes = base.slice();
      const kind = random(100);
      if (kind < 20) {
        bytes = bytes.subarray(0, random(bytes.length));
      } else if (kind < 55) {
        for (let k = 0, n = 1 + random(4); k < n; k++) bytes[random(bytes.length)] ^= 1 << random(8);
      } else if (kind < 80) {
        const at = random(bytes.length);
        const fill = [0, 0xff, random(256)][random(3)];
        for (let k = 0, n = 1 + random(8); k < n && at + k < bytes.length; k++) bytes[at + k] = fill;
      } else {
        const from = random(bytes.length - 8);
        bytes.copyWithin(random(bytes.length - 8), from, from + 8);
      }
      const maxUncompressedBytes = 64 * base.length;
      const t0 = performance.now();
      try {
        const members = readZip(bytes, { maxUncompressedBytes });
        const total = members.reduce((n, m) => n + m.data.length, 0);
        expect(total, `case ${i}: bytes returned`).toBeLessThanOrEqual(maxUncompressedBytes);
        outcomes.parsed++;
      } catch (e) {
        if (!(e instanceof ZipFormatError)) throw new Error(`case ${i}: ${String(e)}\n${(e as Error).stack}`);
        expect(e.message, `case ${i}`).toMatch(/byte \d+|member "|not a zip archive/);
        outcomes.rejected++;
      }
      const ms = performance.now() - t0;
      slowest = Math.max(slowest, ms);
      expect(ms, `case ${i} took ${ms.toFixed(0)} ms`).toBeLessThan(PER_CASE_MS);
    }
    const seconds = (performance.now() - started) / 1000;
    console.log(`zip fuzz: ${CASES} cases: ${outcomes.parsed} read, ${outcomes.rejected} rejected with ZipFormatError, ${seconds.toFixed(1)} s, slowest case ${slowest.toFixed(1)} ms`);
    expect(outcomes.rejected).toBeGreaterThan(CASES / 2); // CRC-32 catches nearly every change to a member
    expect(Object.getOwnPropertyNames(Object.prototype).sort().join()).toBe(prototypeBefore);
  });
});
