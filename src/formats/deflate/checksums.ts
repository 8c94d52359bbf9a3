// The two checksums that travel with DEFLATE data: CRC-32 (zip members, gzip) and Adler-32 (the
// zlib wrapper that HDF5's deflate filter uses).

let crcTable: Uint32Array | undefined;

/**
 * CRC-32 with the polynomial 0xEDB88320 (reflected), as zip and gzip use it. Pass the previous
 * result as `crc` to continue over several pieces.
 *
 * @example
 * ```ts
 * crc32(new TextEncoder().encode('123456789')).toString(16);   // 'cbf43926'
 * ```
 */
export function crc32(bytes: Uint8Array, crc = 0): number {
  if (crcTable === undefined) {
    crcTable = new Uint32Array(256);
    for (let n = 0; n < 256; n++) {
      let c = n;
      for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
      crcTable[n] = c >>> 0;
    }
  }
  const table = crcTable;
  let c = ~crc >>> 0;
  for (let i = 0; i < bytes.length; i++) c = table[(c ^ bytes[i]) & 0xff] ^ (c >>> 8);
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
