// The one error of the zip module: a corrupt, truncated, unsafe or unsupported archive (reader),
// or members that cannot be written (writer). The message names the byte offset or the member.

/**
 * A zip archive is malformed, truncated, unsafe (a member path that would leave the extraction
 * directory), uses a feature the reader does not implement, or exceeds a limit; or the writer
 * was given members it cannot write. `offset` is the byte offset in the archive, when known.
 *
 * @example
 * ```ts
 * try { readZip(new Uint8Array(4)); } catch (e) { if (e instanceof ZipFormatError) console.log(e.message); }
 * ```
 */
export class ZipFormatError extends Error {
  /** The byte offset in the archive that the message refers to, when there is one. */
  readonly offset: number | undefined;

  /**
   * @param message What was wrong, naming the offset or the member.
   * @param offset The byte offset in the archive, for reader errors.
   * @example
   * ```ts
   * throw new ZipFormatError('zip: the archive is truncated', 120);
   * ```
   */
  constructor(message: string, offset?: number) {
    super(message);
    this.name = 'ZipFormatError';
    this.offset = offset;
  }
}
