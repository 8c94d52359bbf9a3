// The zlib wrapper (RFC 1950) around DEFLATE data: a 2-byte header (CMF: method 8 and window
// size; FLG: check bits making CMF·256 + FLG a multiple of 31, and the preset-dictionary bit),
// the DEFLATE stream, then the Adler-32 of the uncompressed data, big-endian. HDF5's deflate
// filter (filter 1, "gzip" in h5py) writes exactly this.

import { adler32 } from './checksums.js';
import { DeflateFormatError, inflateRaw, type InflateOptions } from './inflate.js';

/**
 * Inflates a zlib stream and checks its header and Adler-32 checksum.
 *
 * @param input The zlib-wrapped bytes.
 * @param options Size limits, as for {@link inflateRaw}.
 * @returns The decompressed bytes.
 * @throws DeflateFormatError when the header, the data or the checksum is wrong.
 *
 * @example
 * ```ts
 * // zlib.deflateSync(Buffer.from('hi')) in Node gives these 10 bytes.
 * const bytes = new Uint8Array([0x78, 0x9c, 0xcb, 0xc8, 0x04, 0x00, 0x01, 0x3b, 0x00, 0xd2]);
 * new TextDecoder().decode(inflateZlib(bytes));   // 'hi'
 * ```
 */
export function inflateZlib(input: Uint8Array, options: InflateOptions = {}): Uint8Array {
  if (input.length < 6) throw new DeflateFormatError(`a zlib stream needs at least 6 bytes, got ${input.length}`);
  const cmf = input[0];
  const flg = input[1];
  if ((cmf & 15) !== 8) throw new DeflateFormatError(`zlib header: compression method ${cmf & 15}, expected 8 (deflate)`);
  if (cmf >> 4 > 7) throw new DeflateFormatError(`zlib header: window size 2^${(cmf >> 4) + 8} is more than the 32 KiB DEFLATE allows`);
  if ((cmf * 256 + flg) % 31 !== 0) throw new DeflateFormatError('zlib header: the check bits are wrong (not a zlib stream)');
  if (flg & 0x20) throw new DeflateFormatError('zlib header: a preset dictionary is required, which HDF5 and zip never use');
  const { data, consumed } = inflateRaw(input.subarray(2), options);
  const end = 2 + consumed;
  if (end + 4 > input.length) throw new DeflateFormatError(`zlib stream: the Adler-32 checksum after byte ${end} is cut off`);
  const stored = ((input[end] << 24) | (input[end + 1] << 16) | (input[end + 2] << 8) | input[end + 3]) >>> 0;
  const actual = adler32(data);
  if (stored !== actual) {
    throw new DeflateFormatError(`zlib stream: Adler-32 mismatch (stored ${stored.toString(16)}, computed ${actual.toString(16)}): the data is corrupt`);
  }
  return data;
}
