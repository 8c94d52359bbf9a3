// Deflate (RFC 1951), the compressor: synchronous plain TypeScript, for writing zip members with
// method 8 without node:zlib or the asynchronous CompressionStream.
//
// 1. LZ77: a hash of the next 3 bytes finds earlier positions that start the same way (a chain
//    of up to MAX_CHAIN candidates within the 32 KiB window, fewer once a good match is found); the longest match of 3-258 bytes
//    becomes a (length, distance) pair, anything else a literal. Greedy, with one step of lazy
//    evaluation (if the next position has a longer match, emit a literal first), as zlib does.
// 2. Blocks of up to BLOCK_SYMBOLS symbols. For each, Huffman code lengths are computed from the
//    symbol counts (package-merge: optimal codes no longer than 15 bits, 7 for the code-length
//    code), and the block is written in whichever form is smallest: dynamic codes, the fixed
//    codes, or stored (raw bytes, for data that does not compress, such as float weights).
//
// The output is a raw DEFLATE stream (no zlib header), what zip's method 8 stores.

import { DEFLATE_TABLES } from './inflate.js';

const { LENGTH_BASE, LENGTH_EXTRA, DIST_BASE, DIST_EXTRA, CODE_LENGTH_ORDER } = DEFLATE_TABLES;
const WINDOW = 32768;
const MIN_MATCH = 3;
const MAX_MATCH = 258;
const MAX_CHAIN = 256;
const GOOD_MATCH = 32;
const HASH_BITS = 15;
const BLOCK_SYMBOLS = 16384;

/** Length symbol (257-285) of each match length 3..258, and distance symbol of each distance. */
const LENGTH_SYMBOL = new Uint16Array(MAX_MATCH + 1);
for (let s = 0; s < 29; s++) {
  const end = s === 28 ? 259 : LENGTH_BASE[s + 1];
  for (let len = LENGTH_BASE[s]; len < end && len <= MAX_MATCH; len++) LENGTH_SYMBOL[len] = 257 + s;
}
LENGTH_SYMBOL[258] = 285;
function distanceSymbol(d: number): number {
  let s = 0;
  while (s < 29 && DIST_BASE[s + 1] <= d) s++;
  return s;
}

/**
 * Compresses bytes as a raw DEFLATE stream (zip's method 8), synchronously.
 *
 * @param input The bytes to compress.
 * @returns The compressed stream; `inflateRaw` (or any inflater) gives `input` back.
 *
 * @example
 * ```ts
 * const text = new TextEncoder().encode('hello hello hello hello');
 * const packed = deflateRaw(text);
 * inflateRaw(packed).data;   // the same 23 bytes
 * ```
 */
export function deflateRaw(input: Uint8Array): Uint8Array {
  const out = new BitWriter(Math.max(64, Math.ceil(input.length * 1.01) + 64));
  const head = new Int32Array(1 << HASH_BITS).fill(-1);
  const prev = new Int32Array(WINDOW);
  const hash = (p: number): number => ((input[p] << 10) ^ (input[p + 1] << 5) ^ input[p + 2]) & ((1 << HASH_BITS) - 1);
  const insert = (p: number): void => {
    if (p + MIN_MATCH > input.length) return;
    const h = hash(p);
    prev[p & (WINDOW - 1)] = head[h];
    head[h] = p;
  };
  // The longest earlier match starting at p: [length, distance], length 0 when none.
  const match = (p: number): [number, number] => {
    if (p + MIN_MATCH > input.length) return [0, 0];
    const limit = Math.min(MAX_MATCH, input.length - p);
    let best = 0;
    let bestDistance = 0;
    let candidate = head[hash(p)];
    let chainLeft = MAX_CHAIN;
    while (chainLeft-- > 0 && candidate >= 0 && p - candidate <= WINDOW) {
      if (input[candidate + best] === input[p + best]) {
        let len = 0;
        while (len < limit && input[candidate + len] === input[p + len]) len++;
        if (len > best) {
          best = len;
          bestDistance = p - candidate;
          if (len === limit) break;
          // A good match is found: look only a little further (zlib's "good length" idea).
          if (best >= GOOD_MATCH) chainLeft = Math.min(chainLeft, MAX_CHAIN >> 4);
        }
      }
      const next = prev[candidate & (WINDOW - 1)];
      if (next >= candidate) break; // an overwritten slot of the window
      candidate = next;
    }
    return best >= MIN_MATCH ? [best, bestDistance] : [0, 0];
  };

  // Symbols of the current block: literal (< 256) or length symbol, with its extra bits and distance.
  const symbols = new Uint16Array(BLOCK_SYMBOLS);
  const lengths = new Uint16Array(BLOCK_SYMBOLS);
  const distances = new Uint16Array(BLOCK_SYMBOLS);
  let count = 0;
  let blockStart = 0;
  const flush = (end: number, last: boolean): void => {
    writeBlock(out, input.subarray(blockStart, end), symbols.subarray(0, count), lengths, distances, last);
    count = 0;
    blockStart = end;
  };

  let p = 0;
  let pending: [number, number] | undefined; // the match found at p, when known from the lazy step
  while (p < input.length) {
    const [len, dist] = pending ?? match(p);
    pending = undefined;
    if (len === 0) {
      symbols[count] = input[p];
      count++;
      insert(p);
      p++;
    } else {
      // Lazy evaluation: a longer match one byte later is worth a literal now.
      insert(p);
      const next = len < 32 ? match(p + 1) : ([0, 0] as [number, number]);
      if (next[0] > len) {
        symbols[count] = input[p];
        count++;
        p++;
        pending = next;
      } else {
        symbols[count] = LENGTH_SYMBOL[len];
        lengths[count] = len;
        distances[count] = dist;
        count++;
        for (let k = 1; k < len; k++) insert(p + k);
        p += len;
      }
    }
    if (count === BLOCK_SYMBOLS) flush(p, p >= input.length && pending === undefined);
  }
  if (count > 0 || blockStart === 0 || blockStart < input.length) flush(input.length, true);
  return out.finish();
}

/** Writes one block in the smallest of the three forms. */
function writeBlock(out: BitWriter, raw: Uint8Array, symbols: Uint16Array, lengths: Uint16Array, distances: Uint16Array, last: boolean): void {
  const litFreq = new Uint32Array(286);
  const distFreq = new Uint32Array(30);
  let extraBits = 0;
  for (let i = 0; i < symbols.length; i++) {
    const s = symbols[i];
    litFreq[s]++;
    if (s > 256) {
      const d = distanceSymbol(distances[i]);
      distFreq[d]++;
      extraBits += LENGTH_EXTRA[s - 257] + DIST_EXTRA[d];
    }
  }
  litFreq[256] = 1;
  const litLengths = huffmanLengths(litFreq, 15);
  const distLengths = huffmanLengths(distFreq, 15);
  const header = codeLengthHeader(litLengths, distLengths);
  const cost = (lit: ArrayLike<number>, dist: ArrayLike<number>): number => {
    let bits = extraBits;
    for (let s = 0; s < 286; s++) bits += litFreq[s] * lit[s];
    for (let s = 0; s < 30; s++) bits += distFreq[s] * dist[s];
    return bits;
  };
  const dynamicBits = 3 + header.bits + cost(litLengths, distLengths);
  const fixedBits = 3 + cost(FIXED_LIT, FIXED_DIST);
  const storedBits = 3 + 7 + Math.max(1, Math.ceil(raw.length / 65535)) * 32 + raw.length * 8 + Math.floor(raw.length / 65535) * 10;
  if (storedBits <= dynamicBits && storedBits <= fixedBits) {
    // Stored: in pieces of at most 65535 bytes, each its own block.
    let start = 0;
    do {
      const n = Math.min(65535, raw.length - start);
      const final = last && start + n === raw.length;
      out.bits(final ? 1 : 0, 1);
      out.bits(0, 2);
      out.alignToByte();
      out.bits(n, 16);
      out.bits(n ^ 0xffff, 16);
      out.bytes(raw.subarray(start, start + n));
      start += n;
    } while (start < raw.length);
    return;
  }
  out.bits(last ? 1 : 0, 1);
  let litCodes: Uint16Array;
  let distCodes: Uint16Array;
  let lit: ArrayLike<number>;
  let dist: ArrayLike<number>;
  if (fixedBits <= dynamicBits) {
    out.bits(1, 2);
    lit = FIXED_LIT;
    dist = FIXED_DIST;
    litCodes = FIXED_LIT_CODES;
    distCodes = FIXED_DIST_CODES;
  } else {
    out.bits(2, 2);
    header.write(out);
    lit = litLengths;
    dist = distLengths;
    litCodes = canonicalCodes(litLengths);
    distCodes = canonicalCodes(distLengths);
  }
  for (let i = 0; i < symbols.length; i++) {
    const s = symbols[i];
    out.bits(litCodes[s], lit[s]);
    if (s > 256) {
      out.bits(lengths[i] - LENGTH_BASE[s - 257], LENGTH_EXTRA[s - 257]);
      const d = distanceSymbol(distances[i]);
      out.bits(distCodes[d], dist[d]);
      out.bits(distances[i] - DIST_BASE[d], DIST_EXTRA[d]);
    }
  }
  out.bits(litCodes[256], lit[256]);
}

/** The dynamic block header: HLIT, HDIST, HCLEN, the code-length code, and the run-length-coded lengths. */
function codeLengthHeader(litLengths: Uint8Array, distLengths: Uint8Array): { bits: number; write(out: BitWriter): void } {
  let hlit = 286;
  while (hlit > 257 && litLengths[hlit - 1] === 0) hlit--;
  let hdist = 30;
  while (hdist > 1 && distLengths[hdist - 1] === 0) hdist--;
  const all = [...litLengths.subarray(0, hlit), ...distLengths.subarray(0, hdist)];
  // Run-length code: 16 = repeat the previous 3-6 times, 17 = 3-10 zeros, 18 = 11-138 zeros.
  const runs: [number, number][] = []; // [symbol, extra value]
  for (let i = 0; i < all.length;) {
    const v = all[i];
    let run = 1;
    while (i + run < all.length && all[i + run] === v) run++;
    if (v === 0 && run >= 3) {
      const n = Math.min(run, 138);
      runs.push(n >= 11 ? [18, n - 11] : [17, n - 3]);
      i += n;
    } else if (v !== 0 && run >= 4) {
      runs.push([v, 0]);
      const n = Math.min(run - 1, 6);
      runs.push([16, n - 3]);
      i += 1 + n;
    } else {
      runs.push([v, 0]);
      i++;
    }
  }
  const freq = new Uint32Array(19);
  for (const [s] of runs) freq[s]++;
  const clLengths = huffmanLengths(freq, 7);
  const clCodes = canonicalCodes(clLengths);
  let hclen = 19;
  while (hclen > 4 && clLengths[CODE_LENGTH_ORDER[hclen - 1]] === 0) hclen--;
  const EXTRA = [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2, 3, 7];
  let bits = 5 + 5 + 4 + 3 * hclen;
  for (const [s] of runs) bits += clLengths[s] + EXTRA[s];
  return {
    bits,
    write(out: BitWriter): void {
      out.bits(hlit - 257, 5);
      out.bits(hdist - 1, 5);
      out.bits(hclen - 4, 4);
      for (let i = 0; i < hclen; i++) out.bits(clLengths[CODE_LENGTH_ORDER[i]], 3);
      for (const [s, extra] of runs) {
        out.bits(clCodes[s], clLengths[s]);
        out.bits(extra, EXTRA[s]);
      }
    },
  };
}

/**
 * Optimal prefix-code lengths no longer than `limit` for these symbol counts (package-merge).
 * Unused symbols get 0; a code always has at least two symbols, so it is complete.
 */
export function huffmanLengths(freq: ArrayLike<number>, limit: number): Uint8Array {
  const n = freq.length;
  const out = new Uint8Array(n);
  const used: number[] = [];
  for (let s = 0; s < n; s++) if (freq[s] > 0) used.push(s);
  // One symbol (or none): pair it with another so both get a 1-bit code.
  if (used.length < 2) {
    const a = used.length === 1 ? used[0] : 0;
    out[a] = 1;
    out[a === 0 ? 1 : 0] = 1;
    return out;
  }
  used.sort((a, b) => freq[a] - freq[b] || a - b);
  interface Item { weight: number; symbol: number; left?: Item; right?: Item }
  const leaves: Item[] = used.map((s) => ({ weight: freq[s], symbol: s }));
  let list: Item[] = leaves;
  for (let level = 1; level < limit; level++) {
    // Package pairs of the previous list, then merge them with the leaves by weight.
    const packages: Item[] = [];
    for (let i = 0; i + 1 < list.length; i += 2) packages.push({ weight: list[i].weight + list[i + 1].weight, symbol: -1, left: list[i], right: list[i + 1] });
    const merged: Item[] = [];
    let a = 0;
    let b = 0;
    while (a < leaves.length || b < packages.length) {
      if (b >= packages.length || (a < leaves.length && leaves[a].weight <= packages[b].weight)) merged.push(leaves[a++]);
      else merged.push(packages[b++]);
    }
    list = merged;
  }
  // Each time a leaf appears in the first 2n-2 items (counting inside packages), its code grows by a bit.
  const stack: Item[] = list.slice(0, 2 * used.length - 2);
  while (stack.length > 0) {
    const item = stack.pop()!;
    if (item.symbol >= 0) out[item.symbol]++;
    else stack.push(item.left!, item.right!);
  }
  return out;
}

/** Canonical Huffman codes (RFC 1951 §3.2.2), bit-reversed for LSB-first output. */
function canonicalCodes(lengths: ArrayLike<number>): Uint16Array {
  const count = new Uint16Array(16);
  for (let i = 0; i < lengths.length; i++) count[lengths[i]]++;
  count[0] = 0;
  const next = new Uint16Array(16);
  let code = 0;
  for (let len = 1; len <= 15; len++) {
    code = (code + count[len - 1]) << 1;
    next[len] = code;
  }
  const codes = new Uint16Array(lengths.length);
  for (let s = 0; s < lengths.length; s++) {
    const len = lengths[s];
    if (len === 0) continue;
    const c = next[len]++;
    let reversed = 0;
    for (let b = 0; b < len; b++) reversed |= ((c >> b) & 1) << (len - 1 - b);
    codes[s] = reversed;
  }
  return codes;
}

const FIXED_LIT = new Uint8Array(288).fill(8, 0, 144).fill(9, 144, 256).fill(7, 256, 280).fill(8, 280, 288);
const FIXED_DIST = new Uint8Array(30).fill(5);
const FIXED_LIT_CODES = canonicalCodes(FIXED_LIT);
const FIXED_DIST_CODES = canonicalCodes(FIXED_DIST);

/** Accumulates bits least-significant first into a growing byte buffer. */
class BitWriter {
  private buffer: Uint8Array;
  private length = 0;
  private acc = 0;
  private count = 0;
  constructor(capacity: number) {
    this.buffer = new Uint8Array(capacity);
  }
  private reserve(n: number): void {
    if (this.length + n <= this.buffer.length) return;
    const bigger = new Uint8Array(Math.max(this.length + n, this.buffer.length * 2));
    bigger.set(this.buffer.subarray(0, this.length));
    this.buffer = bigger;
  }
  bits(value: number, n: number): void {
    this.acc |= value << this.count;
    this.count += n;
    while (this.count >= 8) {
      this.reserve(1);
      this.buffer[this.length++] = this.acc & 0xff;
      this.acc >>>= 8;
      this.count -= 8;
    }
  }
  alignToByte(): void {
    if (this.count > 0) this.bits(0, 8 - this.count);
  }
  bytes(b: Uint8Array): void {
    this.reserve(b.length);
    this.buffer.set(b, this.length);
    this.length += b.length;
  }
  finish(): Uint8Array {
    this.alignToByte();
    return this.buffer.slice(0, this.length);
  }
}
