// The DEFLATE module against an independent implementation: Node's zlib (the C library) both
// ways. zlib compresses (every level, the fixed-code and Huffman-only strategies, stored blocks)
// and inflateRaw must give the input back; deflateRaw compresses and zlib must give it back.
// Corrupt streams and limits are errors of one class; the checksums match published values.

import { randomBytes } from 'node:crypto';
import zlib from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { adler32, crc32, deflateRaw, DeflateFormatError, inflateRaw, inflateZlib } from '../../../src/formats/deflate/index.js';
import { huffmanLengths } from '../../../src/formats/deflate/deflate.js';

/** Seeded data of a few kinds: random, small alphabet, text-like, repetitive with noise, floats. */
function sample(kind: number, length: number, seed: number): Uint8Array {
  let s = seed >>> 0;
  const next = (): number => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s >>> 8;
  };
  const out = new Uint8Array(length);
  const words = ['dense', 'kernel', '"class_name": ', 'relu', '{"config": ', ', ', '0.0', 'true'];
  if (kind === 4) {
    const f = new Float32Array(out.buffer, 0, length >> 2);
    for (let i = 0; i < f.length; i++) f[i] = (next() / 2 ** 24 - 0.5) * 0.1;
    return out;
  }
  for (let i = 0; i < length;) {
    if (kind === 0) out[i++] = next() & 255;
    else if (kind === 1) out[i++] = 97 + (next() & 3);
    else if (kind === 2) for (const c of words[next() % words.length]) { if (i < length) out[i++] = c.charCodeAt(0); }
    else out[i++] = (i % 251) ^ (next() % 50 === 0 ? 1 : 0);
  }
  return out;
}

const equal = (a: Uint8Array, b: Uint8Array): boolean => Buffer.compare(Buffer.from(a.buffer, a.byteOffset, a.length), Buffer.from(b.buffer, b.byteOffset, b.length)) === 0;

describe('inflateRaw reads what zlib writes', () => {
  it('at every level and strategy, on data of every kind and size', () => {
    let cases = 0;
    for (let kind = 0; kind < 5; kind++) {
      for (const length of [0, 1, 2, 3, 100, 4096, 65535, 65536, 70001, 300000]) {
        for (const level of [0, 1, 6, 9]) {
          for (const strategy of [zlib.constants.Z_DEFAULT_STRATEGY, zlib.constants.Z_FIXED, zlib.constants.Z_HUFFMAN_ONLY]) {
            const data = sample(kind, length, kind * 1000 + length + level);
            const packed = zlib.deflateRawSync(data, { level, strategy });
            const { data: back, consumed } = inflateRaw(packed);
            expect(equal(back, data), `kind ${kind} length ${length} level ${level} strategy ${strategy}`).toBe(true);
            expect(consumed).toBe(packed.length);
            cases++;
          }
        }
      }
    }
    expect(cases).toBe(600);
  });

  it('reports where the stream ends when bytes follow it', () => {
    const data = sample(2, 5000, 1);
    const packed = zlib.deflateRawSync(data);
    const withTail = new Uint8Array([...packed, 1, 2, 3]);
    const { data: back, consumed } = inflateRaw(withTail);
    expect(equal(back, data)).toBe(true);
    expect(consumed).toBe(packed.length);
  });

  it('inflateZlib checks the zlib header and the Adler-32 checksum', () => {
    const data = sample(3, 20000, 2);
    const packed = new Uint8Array(zlib.deflateSync(data));
    expect(equal(inflateZlib(packed, { expectedBytes: data.length }), data)).toBe(true);
    const badSum = packed.slice();
    badSum[badSum.length - 1] ^= 1;
    expect(() => inflateZlib(badSum)).toThrow(/Adler-32 mismatch/);
    const badHeader = packed.slice();
    badHeader[1] ^= 1;
    expect(() => inflateZlib(badHeader)).toThrow(/check bits/);
    expect(() => inflateZlib(new Uint8Array([0x78, 0xbb, 0, 0, 0, 0, 0]))).toThrow(/preset dictionary/);
  });

  it('refuses truncated, malformed and oversized streams with DeflateFormatError', () => {
    const data = sample(2, 50000, 3);
    const packed = new Uint8Array(zlib.deflateRawSync(data));
    for (const cut of [0, 1, 5, packed.length >> 1, packed.length - 1]) {
      expect(() => inflateRaw(packed.subarray(0, cut)), `cut at ${cut}`).toThrow(DeflateFormatError);
    }
    expect(() => inflateRaw(new Uint8Array([0x07]))).toThrow(/invalid block type 3/);
    expect(() => inflateRaw(new Uint8Array([1, 2, 0, 0, 0, 0x68, 0x69]))).toThrow(/LEN and NLEN disagree/);
    // A fixed block whose first symbol is a match: nothing to copy from yet.
    expect(() => inflateRaw(new Uint8Array([0x03, 0x02]))).toThrow(DeflateFormatError);
    expect(() => inflateRaw(packed, { maxOutputBytes: 1000 })).toThrow(/exceeds the limit of 1000 bytes/);
    expect(() => inflateRaw(packed, { expectedBytes: 10 })).toThrow(/longer than the expected 10 bytes/);
    expect(() => inflateRaw(packed, { expectedBytes: data.length + 1 })).toThrow(/but 50001 were expected/);
  });

  it('stops a deflate bomb at the limit instead of allocating its output', () => {
    const bomb = zlib.deflateRawSync(new Uint8Array(50_000_000)); // 50 MB of zeros in ~50 KB
    expect(bomb.length).toBeLessThan(100_000);
    expect(() => inflateRaw(bomb, { maxOutputBytes: 1 << 20 })).toThrow(/exceeds the limit of 1048576 bytes/);
  });
});

describe('inflateRaw fuzzed', () => {
  it('5000 mutated streams: inflated or a DeflateFormatError, never another exception or a hang', () => {
    let seed = 77;
    const random = (n: number): number => {
      seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0;
      return Math.floor((seed / 2 ** 32) * n);
    };
    const streams = [0, 2, 3].map((kind) => new Uint8Array(zlib.deflateRawSync(sample(kind, 3000, kind), { level: 6 })));
    streams.push(new Uint8Array(zlib.deflateRawSync(sample(2, 3000, 5), { strategy: zlib.constants.Z_FIXED })));
    let rejected = 0;
    for (let i = 0; i < 5000; i++) {
      const bytes = streams[i % streams.length].slice();
      for (let k = 0, n = 1 + random(3); k < n; k++) bytes[random(bytes.length)] ^= 1 << random(8);
      const cut = random(4) === 0 ? bytes.subarray(0, random(bytes.length)) : bytes;
      try {
        inflateRaw(cut, { maxOutputBytes: 1 << 20 });
      } catch (e) {
        if (!(e instanceof DeflateFormatError)) throw e;
        rejected++;
      }
    }
    expect(rejected).toBeGreaterThan(1000);
  });
});

describe('deflateRaw writes what zlib reads', () => {
  it('on every kind and size, with a ratio close to zlib level 6', () => {
    let ours = 0;
    let theirs = 0;
    for (let kind = 0; kind < 5; kind++) {
      for (const length of [0, 1, 2, 3, 257, 4096, 65536, 100003, 250000]) {
        const data = sample(kind, length, kind + length);
        const packed = deflateRaw(data);
        expect(equal(new Uint8Array(zlib.inflateRawSync(packed)), data), `kind ${kind} length ${length}`).toBe(true);
        expect(equal(inflateRaw(packed).data, data)).toBe(true);
        ours += packed.length;
        theirs += zlib.deflateRawSync(data).length;
      }
    }
    // Measured: within 1% of zlib's default level overall.
    expect(ours / theirs).toBeLessThan(1.05);
  });

  it('never expands incompressible data by more than the stored-block overhead', () => {
    const data = new Uint8Array(randomBytes(200000));
    const packed = deflateRaw(data);
    // A block holds 16384 symbols of at least one byte each; a stored block costs 5 bytes of header.
    expect(packed.length).toBeLessThanOrEqual(data.length + 5 * Math.ceil(data.length / 16384) + 1);
    expect(equal(new Uint8Array(zlib.inflateRawSync(packed)), data)).toBe(true);
  });

  it('huffmanLengths: complete codes within the length limit, shorter codes for frequent symbols', () => {
    const check = (freq: number[], limit: number): void => {
      const lengths = huffmanLengths(freq, limit);
      let kraft = 0;
      for (let s = 0; s < freq.length; s++) {
        if (freq[s] > 0) expect(lengths[s]).toBeGreaterThan(0);
        expect(lengths[s]).toBeLessThanOrEqual(limit);
        if (lengths[s] > 0) kraft += 2 ** -lengths[s];
      }
      expect(kraft).toBe(1); // complete: zlib refuses incomplete literal/length codes
    };
    check([5, 0, 0, 0], 15); // one symbol: paired with another
    check([0, 0, 0, 0], 7);
    check([1, 1], 15);
    // Fibonacci counts give a degenerate tree of depth n-1 without a limit.
    const fib = [1, 1];
    while (fib.length < 30) fib.push(fib[fib.length - 1] + fib[fib.length - 2]);
    check(fib, 15);
    check(fib.slice(0, 19), 7);
    const lengths = huffmanLengths([1000, 10, 10, 10], 15);
    expect(lengths[0]).toBe(1);
  });
});

describe('checksums', () => {
  it('CRC-32 and Adler-32 of published check strings, and against zlib', () => {
    const text = new TextEncoder();
    expect(crc32(text.encode('123456789'))).toBe(0xcbf43926);
    expect(crc32(new Uint8Array(0))).toBe(0);
    expect(adler32(text.encode('Wikipedia'))).toBe(0x11e60398);
    const data = sample(0, 100000, 9);
    expect(crc32(data)).toBe(zlib.crc32(data)); // zlib.crc32: Node 20.15+
    // Every length 0..40 at every alignment (the 8-byte loop and its tail).
    for (let start = 0; start < 8; start++) for (let n = 0; n <= 40; n++) expect(crc32(data.subarray(start, start + n))).toBe(zlib.crc32(data.subarray(start, start + n)));
    expect(crc32(data.subarray(50000), crc32(data.subarray(0, 50000)))).toBe(crc32(data));
    // zlib's stream ends with the Adler-32 of the data, big-endian.
    const z = zlib.deflateSync(data);
    expect(adler32(data)).toBe(z.readUInt32BE(z.length - 4));
  });
});
