// The two checksums that travel with DEFLATE data: CRC-32 (zip members, gzip) and Adler-32 (the
// zlib wrapper that HDF5's deflate filter uses).

let crcTables: Uint32Array | undefined;

/** Eight 256-entry tables: table k gives the CRC of a byte followed by k zero bytes ("slicing by 8"). */
function tables(): Uint32Array {
  if (crcTables === undefined) {
    const t = new Uint32Array(8 * 256);
    for (let n = 0; n < 256; n++) {
      let c = n;
      for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
      t[n] = c >>> 0;
    }
    for (let n = 0; n < 256; n++) {
      for (let k = 1; k < 8; k++) t[k * 256 + n] = (t[(k - 1) * 256 + n] >>> 8) ^ t[t[(k - 1) * 256 + n] & 0xff];
    }
    crcTables = t;
  }
  return crcTables;
}

/**
 * CRC-32 with the polynomial 0xEDB88320 (reflected), as zip and gzip use it. Pass the previous
 * result as `crc` to continue over several pieces. Eight bytes at a time (slicing by 8: about
 * four times faster than a byte at a time, which matters for members of hundreds of megabytes).
 *
 * @example
 * ```ts
 * crc32(new TextEncoder().encode('123456789')).toString(16);   // 'cbf43926'
 * ```
 */
export function crc32(bytes: Uint8Array, crc = 0): number {
  const t = tables();
  let c = ~crc >>> 0;
  let i = 0;
  const n = bytes.length;
  for (; i + 8 <= n; i += 8) {
    const lo = (c ^ (bytes[i] | (bytes[i + 1] << 8) | (bytes[i + 2] << 16) | (bytes[i + 3] << 24))) >>> 0;
    const hi = (bytes[i + 4] | (bytes[i + 5] << 8) | (bytes[i + 6] << 16) | (bytes[i + 7] << 24)) >>> 0;
    c = t[7 * 256 + (lo & 0xff)] ^ t[6 * 256 + ((lo >>> 8) & 0xff)] ^ t[5 * 256 + ((lo >>> 16) & 0xff)] ^ t[4 * 256 + (lo >>> 24)] ^
      t[3 * 256 + (hi & 0xff)] ^ t[2 * 256 + ((hi >>> 8) & 0xff)] ^ t[256 + ((hi >>> 16) & 0xff)] ^ t[hi >>> 24];
  }
  for (; i < n; i++) c = t[(c ^ bytes[i]) & 0xff] ^ (c >>> 8);
  return ~c >>> 0;
}

/**
 * Adler-32 (RFC 1950), the checksum at the end of a zlib stream: two running sums modulo 65521.
 *
 * @example
 * ```ts
 * adler32(new TextEncoder().encode('Wikipedia')).toString(16);   // '11e60398'
 * ```
 */
export function adler32(bytes: Uint8Array): number {
  let a = 1;
  let b = 0;
  // 5552 bytes is the most that can be summed before b can overflow 2^32 (zlib's NMAX).
  for (let start = 0; start < bytes.length; start += 5552) {
    const end = Math.min(bytes.length, start + 5552);
    for (let i = start; i < end; i++) {
      a += bytes[i];
      b += a;
    }
    a %= 65521;
    b %= 65521;
  }
  return ((b << 16) | a) >>> 0;
}
