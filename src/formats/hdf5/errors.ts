// The one error of the HDF5 module. A file that is corrupt, truncated or uses a feature the reader
// does not implement gets an Hdf5FormatError whose message names the structure being read and
// its byte offset; a spec the writer cannot write gets one naming the path inside the file.

/**
 * An HDF5 file is malformed, truncated, too large for the reader's limits, or uses an HDF5
 * feature outside what the reader supports; or a spec given to the writer cannot be written.
 * `offset` is the byte offset in the file where the problem was found (`undefined` for writer
 * errors, which name the object's path instead).
 *
 * @example
 * ```ts
 * try { readHdf5(new Uint8Array(10)); } catch (e) { if (e instanceof Hdf5FormatError) console.log(e.offset, e.message); }
 * ```
 */
export class Hdf5FormatError extends Error {
  /** The byte offset in the file that the message refers to, when there is one. */
  readonly offset: number | undefined;

  /**
   * @param message What was wrong; it should already name the offset or the path.
   * @param offset The byte offset in the file, for reader errors.
   * @example
   * ```ts
   * throw new Hdf5FormatError('truncated superblock at byte 0', 0);
   * ```
   */
  constructor(message: string, offset?: number) {
    super(message);
    this.name = 'Hdf5FormatError';
    this.offset = offset;
  }
}
