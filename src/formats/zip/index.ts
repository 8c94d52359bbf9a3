// Zip, the container of Keras's `.keras` files (metadata.json, config.json, model.weights.h5):
// a reader and a writer in plain TypeScript, synchronous, with no dependency.
//
// How a zip archive is built:
//
//   local header + data     for each member, in order: the signature PK\x03\x04, the method
//                           (0 stored, 8 deflate), the time, the CRC-32 of the uncompressed
//                           bytes, both sizes, the name; then the member's (compressed) bytes.
//   central directory       after the members: one entry per member (PK\x01\x02) repeating
//                           those fields, plus where its local header is. This is the index a
//                           reader trusts.
//   end of central dir.     the last 22 bytes (PK\x05\x06), plus an optional comment: how many
//                           entries the directory has, its size and its offset. A reader starts
//                           here, reading the archive backwards. (ZIP64 adds 64-bit versions of
//                           these records for archives past 4 GiB.)
//
// readZip reads stored and deflated members (inflated with ../deflate, CRC-32 checked), data
// descriptors and ZIP64 fields; it accepts Windows-made names with `\` (read as `/`), and refuses
// absolute paths, drive letters and `..` components, duplicate names, overlapping members,
// encryption, multi-disk archives and other methods, each with a ZipFormatError naming the member
// or the offset. writeZip writes what Keras writes: stored members, no extras; `deflate` on request.

export { ZipFormatError } from './errors.js';
export { isZip, readZip, type ZipEntry, type ZipReadOptions } from './read.js';
export { writeZip, type ZipEntrySpec } from './write.js';
