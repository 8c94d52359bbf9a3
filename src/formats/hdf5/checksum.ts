// Bob Jenkins's lookup3 hash ("hashlittle"), the checksum HDF5 puts at the end of its newer
// metadata structures (superblock v2/v3, OHDR/OCHK object headers, fractal heaps, v2 B-trees).
// The bytes are taken in 12-byte groups as three little-endian words and stirred by `mix`; the
// last 1-12 bytes are added, zero-padded, and stirred by `final`. All arithmetic is on uint32.

const rot = (x: number, k: number): number => (x << k) | (x >>> (32 - k));

/**
 * The lookup3 hash of `bytes[start, end)` with the given initial value (HDF5 uses 0).
 *
 * @example
 * ```ts
 * lookup3(new TextEncoder().encode('Four score and seven years ago')).toString(16);   // '17770551'
 * ```
 */
export function lookup3(bytes: Uint8Array, start = 0, end = bytes.length, initval = 0): number {
  let length = end - start;
  let a = (0xdeadbeef + length + initval) | 0;
  let b = a;
  let c = a;
  let k = start;
  const word = (i: number): number => bytes[i] | (bytes[i + 1] << 8) | (bytes[i + 2] << 16) | (bytes[i + 3] << 24);
  while (length > 12) {
    a = (a + word(k)) | 0;
    b = (b + word(k + 4)) | 0;
    c = (c + word(k + 8)) | 0;
    // mix(a, b, c)
    a = (a - c) | 0; a ^= rot(c, 4); c = (c + b) | 0;
    b = (b - a) | 0; b ^= rot(a, 6); a = (a + c) | 0;
    c = (c - b) | 0; c ^= rot(b, 8); b = (b + a) | 0;
    a = (a - c) | 0; a ^= rot(c, 16); c = (c + b) | 0;
    b = (b - a) | 0; b ^= rot(a, 19); a = (a + c) | 0;
    c = (c - b) | 0; c ^= rot(b, 4); b = (b + a) | 0;
    length -= 12;
    k += 12;
  }
  if (length === 0) return c >>> 0;
  // The last 1..12 bytes, zero-padded into the three words.
  const tail = [0, 0, 0];
  for (let i = 0; i < length; i++) tail[i >> 2] |= bytes[k + i] << ((i & 3) * 8);
  a = (a + tail[0]) | 0;
  b = (b + tail[1]) | 0;
  c = (c + tail[2]) | 0;
  // final(a, b, c)
  c ^= b; c = (c - rot(b, 14)) | 0;
  a ^= c; a = (a - rot(c, 11)) | 0;
  b ^= a; b = (b - rot(a, 25)) | 0;
  c ^= b; c = (c - rot(b, 16)) | 0;
  a ^= c; a = (a - rot(c, 4)) | 0;
  b ^= a; b = (b - rot(a, 14)) | 0;
  c ^= b; c = (c - rot(b, 24)) | 0;
  return c >>> 0;
}
