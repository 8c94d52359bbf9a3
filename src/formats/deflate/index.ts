// DEFLATE (RFC 1951), shared by the zip and HDF5 modules: a synchronous inflater (raw, and in
// the zlib wrapper HDF5's deflate filter uses), a compressor, and the CRC-32 and Adler-32
// checksums. Plain TypeScript, so the library bundles for browsers without node:zlib.

export { adler32, crc32 } from './checksums.js';
export { deflateRaw } from './deflate.js';
export { DeflateFormatError, inflateRaw, type InflateOptions, type InflateResult } from './inflate.js';
export { inflateZlib } from './zlib.js';
