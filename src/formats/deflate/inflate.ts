// Inflate (RFC 1951): the decoder for DEFLATE data, synchronous and written out in plain
// TypeScript, so the HDF5 and zip readers need neither node:zlib nor the asynchronous
// DecompressionStream of the web.
//
// A DEFLATE stream is a sequence of blocks, each starting with 3 header bits: BFINAL (1 bit:
// this is the last block) and BTYPE (2 bits): 0 = stored (the bytes as they are, after a byte
// boundary and a length with its one's complement), 1 = compressed with the fixed Huffman codes
// of the RFC, 2 = compressed with Huffman codes that the block describes first (the "dynamic"
// codes, themselves sent as code lengths coded with a third small Huffman code). A compressed
// block is a run of symbols from the literal/length alphabet: 0-255 a literal byte, 256 the end
// of the block, 257-285 a match length (with extra bits) followed by a distance symbol (with extra
// bits): "copy `length` bytes from `distance` bytes back", which may overlap what it writes.
//
// Bits are read least-significant first; Huffman codes are packed most-significant bit first, so
// the decoding tables are indexed by the bit-reversed code. Each table has 2^maxLength entries
// (maxLength = the longest code in use, at most 15): entry = symbol << 4 | code length, so one
// look-up of the next maxLength bits decodes a symbol.
//
// Hostile input cannot make this loop forever or allocate without bound: every block consumes
// input, a match cannot reach before the start of the output, and the output never grows past
// `maxOutputBytes` (a "deflate bomb" stops there with an error).

/**
 * DEFLATE data is malformed or truncated, or inflates past the allowed size. The zip and HDF5
 * readers catch it and rethrow their own error naming the member or the offset.
 *
 * @example
 * ```ts
 * try { inflateRaw(new Uint8Array([7])); } catch (e) { console.log(e instanceof DeflateFormatError); }   // true
 * ```
 */
export class DeflateFormatError extends Error {
  /**
   * @param message What was wrong, and where (the byte offset in the compressed data).
   * @example
   * ```ts
   * try { inflateRaw(new Uint8Array([7])); } catch (e) { if (e instanceof DeflateFormatError) console.log(e.message); }
   * ```
   */
  constructor(message: string) {
    super(message);
    this.name = 'DeflateFormatError';
  }
}

/**
 * Options of {@link inflateRaw} and {@link inflateZlib}.
 *
 * @example
 * ```ts
 * inflateRaw(packed, { expectedBytes: 1024, maxOutputBytes: 1 << 20 });
 * ```
 */
export interface InflateOptions {
  /** Stop with an error once the output would exceed this many bytes. Default 2^30 (1 GiB). */
  readonly maxOutputBytes?: number;
  /**
   * The exact size the output must have, when the container records it (a zip member, an HDF5
   * chunk): the output is allocated once at this size, and any other size is an error.
   */
  readonly expectedBytes?: number;
}

/**
 * What {@link inflateRaw} returns: the bytes, and where the stream ended.
 *
 * @example
 * ```ts
 * const { data, consumed }: InflateResult = inflateRaw(packed);
 * ```
 */
export interface InflateResult {
  /** The decompressed bytes. */
  readonly data: Uint8Array;
  /** How many input bytes the DEFLATE stream used (up to and including its last partial byte). */
  readonly consumed: number;
}

// Length symbols 257..285: base length and extra bits. Distance symbols 0..29 likewise.
const LENGTH_BASE = [3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 15, 17, 19, 23, 27, 31, 35, 43, 51, 59, 67, 83, 99, 115, 131, 163, 195, 227, 258];
const LENGTH_EXTRA = [0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0];
const DIST_BASE = [1, 2, 3, 4, 5, 7, 9, 13, 17, 25, 33, 49, 65, 97, 129, 193, 257, 385, 513, 769, 1025, 1537, 2049, 3073, 4097, 6145, 8193, 12289, 16385, 24577];
const DIST_EXTRA = [0, 0, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13, 13];
// The order in which a dynamic block sends the code lengths of the code-length alphabet.
const CODE_LENGTH_ORDER = [16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15];

/**
 * The constants above, shared with the compressor in deflate.ts (one table, two users); not part
 * of the module's interface (index.ts does not export it).
 *
 * @example
 * ```ts
 * DEFLATE_TABLES.LENGTH_BASE[0];   // 3, the shortest match
 * ```
 */
export const DEFLATE_TABLES = { LENGTH_BASE, LENGTH_EXTRA, DIST_BASE, DIST_EXTRA, CODE_LENGTH_ORDER } as const;

/** A Huffman decoding table: `entries[reversed next bits] = symbol << 4 | length`; 0 = no code. */
interface DecodeTable {
  readonly entries: Int32Array;
  readonly bits: number;
}

/**
 * Builds the decoding table of a canonical Huffman code from its code lengths (0 = symbol
 * unused). Over-subscribed codes are an error; incomplete codes are allowed (RFC 1951 permits a
 * single distance code), and their unused bit patterns decode to 0, which the caller rejects.
 */
function buildTable(lengths: ArrayLike<number>, what: string): DecodeTable {
  let maxLength = 0;
  const count = new Int32Array(16);
  for (let i = 0; i < lengths.length; i++) {
    const len = lengths[i];
    count[len]++;
    if (len > maxLength) maxLength = len;
  }
  count[0] = 0;
  // Kraft inequality: more codes of a length than the shorter ones leave room for is impossible.
  let left = 1;
  for (let len = 1; len <= 15; len++) {
    left = left * 2 - count[len];
    if (left < 0) throw new DeflateFormatError(`invalid ${what} Huffman code: over-subscribed at length ${len}`);
  }
  const bits = Math.max(maxLength, 1);
  const entries = new Int32Array(1 << bits);
  // First canonical code of each length.
  const next = new Int32Array(16);
  let code = 0;
  for (let len = 1; len <= 15; len++) {
    code = (code + count[len - 1]) << 1;
    next[len] = code;
  }
  for (let symbol = 0; symbol < lengths.length; symbol++) {
    const len = lengths[symbol];
    if (len === 0) continue;
    const c = next[len]++;
    // Reverse the `len` bits of c: the stream sends the code's first bit in the lowest position.
    let reversed = 0;
    for (let b = 0; b < len; b++) reversed |= ((c >> b) & 1) << (len - 1 - b);
    // Every table index whose low `len` bits are `reversed` decodes to this symbol.
    for (let i = reversed; i < entries.length; i += 1 << len) entries[i] = (symbol << 4) | len;
  }
  return { entries, bits };
}

let fixedTables: { literals: DecodeTable; distances: DecodeTable } | undefined;

/** The fixed codes of BTYPE 1 (RFC 1951 §3.2.6), built once. */
function fixed(): { literals: DecodeTable; distances: DecodeTable } {
  if (fixedTables === undefined) {
    const lengths = new Uint8Array(288);
    lengths.fill(8, 0, 144);
    lengths.fill(9, 144, 256);
    lengths.fill(7, 256, 280);
    lengths.fill(8, 280, 288);
    fixedTables = { literals: buildTable(lengths, 'fixed literal/length'), distances: buildTable(new Uint8Array(30).fill(5), 'fixed distance') };
  }
  return fixedTables;
}

/**
 * Inflates raw DEFLATE data (no zlib or gzip header): the compression of zip members (method 8).
 *
 * @param input The compressed bytes. Bytes after the final block are ignored; `consumed` says
 *   where the stream ended.
 * @param options Size limits: `maxOutputBytes` (default 1 GiB) and `expectedBytes`.
 * @returns The decompressed bytes and the number of input bytes used.
 * @throws DeflateFormatError on malformed or truncated data, or output past the limit.
 *
 * @example
 * ```ts
 * // A stored block: BFINAL=1, BTYPE=0, LEN=2, NLEN=~2, then "hi".
 * const { data } = inflateRaw(new Uint8Array([1, 2, 0, 0xfd, 0xff, 0x68, 0x69]));
 * new TextDecoder().decode(data);   // 'hi'
 * ```
 */
export function inflateRaw(input: Uint8Array, options: InflateOptions = {}): InflateResult {
  const maxOutput = options.maxOutputBytes ?? 2 ** 30;
  const expected = options.expectedBytes;
  if (expected !== undefined && expected > maxOutput) {
    throw new DeflateFormatError(`the inflated size ${expected} is more than the limit of ${maxOutput} bytes`);
  }
  let out = new Uint8Array(expected ?? Math.min(maxOutput, Math.max(1024, input.length * 4)));
  let length = 0; // bytes written to `out`

  // Bit reader: `bitBuffer` holds `bitCount` unread bits, lowest first; `pos` is the next byte.
  let pos = 0;
  let bitBuffer = 0;
  let bitCount = 0;
  const need = (n: number): void => {
    while (bitCount < n) {
      if (pos >= input.length) throw new DeflateFormatError(`truncated DEFLATE data: the input ends at byte ${input.length} inside a block`);
      bitBuffer |= input[pos++] << bitCount;
      bitCount += 8;
    }
  };
  const bitsOf = (n: number): number => {
    if (n === 0) return 0;
    need(n);
    const v = bitBuffer & ((1 << n) - 1);
    bitBuffer >>>= n;
    bitCount -= n;
    return v;
  };
  // Decodes one symbol. Near the end of the input fewer than `table.bits` bits may remain, which
  // is fine as long as the code found is no longer than the bits that really exist.
  const decode = (table: DecodeTable, what: string): number => {
    while (bitCount < table.bits && pos < input.length) {
      bitBuffer |= input[pos++] << bitCount;
      bitCount += 8;
    }
    const entry = table.entries[bitBuffer & ((1 << table.bits) - 1)];
    const len = entry & 15;
    if (len === 0) throw new DeflateFormatError(`invalid ${what} code at byte ${pos} of the DEFLATE data`);
    if (len > bitCount) throw new DeflateFormatError(`truncated DEFLATE data: the input ends at byte ${input.length} inside a code`);
    bitBuffer >>>= len;
    bitCount -= len;
    return entry >> 4;
  };
  const grow = (extra: number): void => {
    const wanted = length + extra;
    if (wanted > maxOutput) throw new DeflateFormatError(`the inflated data exceeds the limit of ${maxOutput} bytes`);
    if (wanted <= out.length) return;
    if (expected !== undefined) throw new DeflateFormatError(`the inflated data is longer than the expected ${expected} bytes`);
    const bigger = new Uint8Array(Math.min(maxOutput, Math.max(wanted, out.length * 2)));
    bigger.set(out.subarray(0, length));
    out = bigger;
  };

  let last = false;
  while (!last) {
    last = bitsOf(1) === 1;
    const type = bitsOf(2);
    if (type === 0) {
      // Stored: skip to a byte boundary, then LEN and NLEN (little-endian), then LEN bytes.
      // Whole bytes the decoder read ahead go back to the input; the partial byte's bits are dropped.
      pos -= bitCount >> 3;
      bitBuffer = 0;
      bitCount = 0;
      if (pos + 4 > input.length) throw new DeflateFormatError(`truncated DEFLATE data: a stored block header at byte ${pos} is cut off`);
      const len = input[pos] | (input[pos + 1] << 8);
      const nlen = input[pos + 2] | (input[pos + 3] << 8);
      if ((len ^ 0xffff) !== nlen) throw new DeflateFormatError(`invalid stored block at byte ${pos} of the DEFLATE data: LEN and NLEN disagree`);
      pos += 4;
      if (pos + len > input.length) throw new DeflateFormatError(`truncated DEFLATE data: a stored block of ${len} bytes at byte ${pos} is cut off`);
      grow(len);
      out.set(input.subarray(pos, pos + len), length);
      length += len;
      pos += len;
      continue;
    }
    let literals: DecodeTable;
    let distances: DecodeTable;
    if (type === 1) {
      ({ literals, distances } = fixed());
    } else if (type === 2) {
      ({ literals, distances } = readDynamicTables(bitsOf, decode));
    } else {
      throw new DeflateFormatError(`invalid block type 3 near byte ${pos} of the DEFLATE data`);
    }
    for (;;) {
      const symbol = decode(literals, 'literal/length');
      if (symbol < 256) {
        if (length === out.length) grow(1);
        out[length++] = symbol;
      } else if (symbol === 256) {
        break;
      } else {
        const lengthIndex = symbol - 257;
        if (lengthIndex >= 29) throw new DeflateFormatError(`invalid length symbol ${symbol} near byte ${pos} of the DEFLATE data`);
        const matchLength = LENGTH_BASE[lengthIndex] + bitsOf(LENGTH_EXTRA[lengthIndex]);
        const distSymbol = decode(distances, 'distance');
        if (distSymbol >= 30) throw new DeflateFormatError(`invalid distance symbol ${distSymbol} near byte ${pos} of the DEFLATE data`);
        const distance = DIST_BASE[distSymbol] + bitsOf(DIST_EXTRA[distSymbol]);
        if (distance > length) {
          throw new DeflateFormatError(`invalid distance ${distance} near byte ${pos} of the DEFLATE data: only ${length} bytes are written so far`);
        }
        grow(matchLength);
        // NOTE: byte by byte on purpose: when distance < length the copy reads what it writes.
        let from = length - distance;
        for (let i = 0; i < matchLength; i++) out[length++] = out[from++];
      }
    }
  }
  if (expected !== undefined && length !== expected) {
    throw new DeflateFormatError(`the inflated data has ${length} bytes, but ${expected} were expected`);
  }
  // Unused whole bytes in the bit buffer were read ahead of the stream's end: give them back.
  const consumed = pos - (bitCount >> 3);
  return { data: length === out.length ? out : out.slice(0, length), consumed };
}

/** Reads the code-length code and then the literal/length and distance codes of a dynamic block. */
function readDynamicTables(bitsOf: (n: number) => number, decode: (t: DecodeTable, what: string) => number): { literals: DecodeTable; distances: DecodeTable } {
  const literalCount = bitsOf(5) + 257;
  const distanceCount = bitsOf(5) + 1;
  const codeLengthCount = bitsOf(4) + 4;
  if (literalCount > 286 || distanceCount > 30) {
    throw new DeflateFormatError(`invalid dynamic block: ${literalCount} literal/length and ${distanceCount} distance codes (at most 286 and 30)`);
  }
  const codeLengthLengths = new Uint8Array(19);
  for (let i = 0; i < codeLengthCount; i++) codeLengthLengths[CODE_LENGTH_ORDER[i]] = bitsOf(3);
  const codeLengthTable = buildTable(codeLengthLengths, 'code-length');
  const lengths = new Uint8Array(literalCount + distanceCount);
  for (let i = 0; i < lengths.length;) {
    const symbol = decode(codeLengthTable, 'code-length');
    if (symbol < 16) {
      lengths[i++] = symbol;
      continue;
    }
    let repeat: number;
    let value = 0;
    if (symbol === 16) {
      if (i === 0) throw new DeflateFormatError('invalid dynamic block: "repeat the previous length" with no previous length');
      value = lengths[i - 1];
      repeat = 3 + bitsOf(2);
    } else if (symbol === 17) {
      repeat = 3 + bitsOf(3);
    } else {
      repeat = 11 + bitsOf(7);
    }
    if (i + repeat > lengths.length) throw new DeflateFormatError('invalid dynamic block: the code lengths overrun their count');
    lengths.fill(value, i, i + repeat);
    i += repeat;
  }
  if (lengths[256] === 0) throw new DeflateFormatError('invalid dynamic block: no code for the end-of-block symbol');
  return {
    literals: buildTable(lengths.subarray(0, literalCount), 'literal/length'),
    distances: buildTable(lengths.subarray(literalCount), 'distance'),
  };
}
