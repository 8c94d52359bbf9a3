// readZip: the members of a zip archive, decompressed and checked.
//
// The archive is read from its end: the end-of-central-directory record (EOCD, the last 22 bytes
// plus a comment) says where the central directory is and how many entries it has (a ZIP64
// locator just before it says the same with 64-bit fields). Each central directory entry gives a
// member's name, method, CRC-32, sizes and the offset of its local header; the local header
// (which repeats the name and may have different extra fields) is followed by the member's data.
// The central directory is authoritative for sizes, so members written with a data descriptor
// (flag bit 3, sizes after the data) read the same way.

import { crc32 } from '../deflate/checksums.js';
import { DeflateFormatError, inflateRaw } from '../deflate/inflate.js';
import { ZipFormatError } from './errors.js';
import { checkMemberName, decodeName } from './names.js';

/**
 * A member of an archive, as {@link readZip} returns it.
 *
 * @example
 * ```ts
 * const [first]: ZipEntry[] = readZip(bytes);
 * console.log(first.name, first.method, first.data.length, first.modified.toISOString());
 * ```
 */
export interface ZipEntry {
  /** The member's path, with `/` separators (backslashes of Windows-made zips are turned into `/`). */
  readonly name: string;
  /**
   * The uncompressed bytes. For a stored member this is a view into the archive's bytes (no
   * copy): copy it before changing either.
   */
  readonly data: Uint8Array;
  /** How the member was stored. */
  readonly method: 'stored' | 'deflate';
  /** True for a directory entry (a name ending in `/`, no data). */
  readonly directory: boolean;
  /** The modification time recorded (zip stores local time, to 2 seconds). */
  readonly modified: Date;
}

/**
 * Limits of {@link readZip}.
 *
 * @example
 * ```ts
 * readZip(bytes, { maxUncompressedBytes: 512 * 2 ** 20 });
 * ```
 */
export interface ZipReadOptions {
  /**
   * The most bytes all members may inflate to together (a "zip bomb" stops there with an
   * error naming this option). Default: four times the archive's size, or 256 MiB if that is more.
   */
  readonly maxUncompressedBytes?: number;
}

const EOCD = 0x06054b50;
const EOCD64 = 0x06064b50;
const EOCD64_LOCATOR = 0x07064b50;
const CENTRAL = 0x02014b50;
const LOCAL = 0x04034b50;
const METHOD_NAMES: Record<number, string> = { 1: 'shrink', 6: 'implode', 9: 'deflate64', 12: 'bzip2', 14: 'lzma', 93: 'zstandard', 95: 'xz', 98: 'ppmd', 99: 'AES encryption' };

/**
 * True when `bytes` starts like a zip archive (a local file header, "PK\x03\x04", or the end
 * record of an empty archive): a cheap sniff, not a check that the archive is valid.
 *
 * @example
 * ```ts
 * isZip(bytes) ? readZip(bytes) : undefined;
 * ```
 */
export function isZip(bytes: Uint8Array): boolean {
  return bytes.length >= 4 && bytes[0] === 0x50 && bytes[1] === 0x4b && ((bytes[2] === 3 && bytes[3] === 4) || (bytes[2] === 5 && bytes[3] === 6));
}

/**
 * Reads every member of a zip archive, in central-directory order: stored and deflated members,
 * CRC-32 checked, names checked for path traversal.
 *
 * @param bytes The whole archive.
 * @param options `maxUncompressedBytes`, the bound on what members inflate to.
 * @returns The members.
 * @throws ZipFormatError naming the byte offset or the member when the archive is not a zip, is
 *   truncated or corrupt, uses an unsupported feature (encryption, multiple disks, a method other
 *   than stored/deflate), has an unsafe or duplicate name, or inflates past the limit.
 *
 * @example
 * ```ts
 * const members = readZip(new Uint8Array(readFileSync('model.keras')));
 * const config = members.find((m) => m.name === 'config.json');
 * JSON.parse(new TextDecoder().decode(config!.data));
 * ```
 */
export function readZip(bytes: Uint8Array, options: ZipReadOptions = {}): ZipEntry[] {
  if (!(bytes instanceof Uint8Array)) throw new ZipFormatError('readZip expects a Uint8Array');
  const limit = options.maxUncompressedBytes ?? Math.max(4 * bytes.length, 256 * 2 ** 20);
  const r = new Reader(bytes);
  const directory = findCentralDirectory(r);
  const entries: ZipEntry[] = [];
  const names = new Set<string>();
  const spans: { start: number; end: number; name: string }[] = [];
  let total = 0;
  let p = directory.offset;
  for (let i = 0; i < directory.count; i++) {
    const at = p;
    if (r.u32(p, 'central directory entry') !== CENTRAL) throw new ZipFormatError(`zip: central directory entry ${i} at byte ${at} has a wrong signature (the archive is corrupt)`, at);
    const flags = r.u16(p + 8, 'central directory entry');
    const method = r.u16(p + 10, 'central directory entry');
    const time = r.u16(p + 12, 'central directory entry');
    const date = r.u16(p + 14, 'central directory entry');
    const crc = r.u32(p + 16, 'central directory entry');
    let compressedSize = r.u32(p + 20, 'central directory entry');
    let size = r.u32(p + 24, 'central directory entry');
    const nameLength = r.u16(p + 28, 'central directory entry');
    const extraLength = r.u16(p + 30, 'central directory entry');
    const commentLength = r.u16(p + 32, 'central directory entry');
    const disk = r.u16(p + 34, 'central directory entry');
    let localOffset = r.u32(p + 42, 'central directory entry');
    const rawName = r.slice(p + 46, nameLength, 'member name');
    const name = checkMemberName(decodeName(rawName, (flags & 0x800) !== 0, at), at);
    const extra = r.slice(p + 46 + nameLength, extraLength, `extra fields of "${name}"`);
    p += 46 + nameLength + extraLength + commentLength;
    if (p > directory.offset + directory.size) throw new ZipFormatError(`zip: central directory entry "${name}" at byte ${at} runs past the directory's end`, at);
    // ZIP64: the fields that overflowed 32 bits are in extra field 0x0001, in this order.
    if (compressedSize === 0xffffffff || size === 0xffffffff || localOffset === 0xffffffff) {
      const zip64 = readZip64Extra(extra, at, name);
      if (size === 0xffffffff) size = zip64.next('uncompressed size');
      if (compressedSize === 0xffffffff) compressedSize = zip64.next('compressed size');
      if (localOffset === 0xffffffff) localOffset = zip64.next('local header offset');
    }
    const what = `member "${name}"`;
    if ((flags & 1) !== 0) throw new ZipFormatError(`zip: ${what} is encrypted, which is not supported`, at);
    if (disk !== 0 && disk !== 0xffff) throw new ZipFormatError(`zip: ${what} is on disk ${disk} of a multi-disk archive, which is not supported`, at);
    if (method !== 0 && method !== 8) {
      throw new ZipFormatError(`zip: ${what} uses compression method ${method}${METHOD_NAMES[method] ? ` (${METHOD_NAMES[method]})` : ''}; only stored (0) and deflate (8) are supported`, at);
    }
    if (names.has(name)) throw new ZipFormatError(`zip: two members are named "${name}" (the second entry at byte ${at})`, at);
    names.add(name);

    // The local header: its own name and extra lengths say where the data starts.
    if (r.u32(localOffset, `local header of ${what}`) !== LOCAL) {
      throw new ZipFormatError(`zip: the local header of ${what} at byte ${localOffset} has a wrong signature (the archive is corrupt)`, localOffset);
    }
    const localNameLength = r.u16(localOffset + 26, `local header of ${what}`);
    const localExtraLength = r.u16(localOffset + 28, `local header of ${what}`);
    const dataStart = localOffset + 30 + localNameLength + localExtraLength;
    if (dataStart + compressedSize > directory.offset) {
      throw new ZipFormatError(`zip: the ${compressedSize} bytes of ${what} at byte ${dataStart} run past the start of the central directory at byte ${directory.offset}`, dataStart);
    }
    spans.push({ start: localOffset, end: dataStart + compressedSize, name });
    const stored = bytes.subarray(dataStart, dataStart + compressedSize);
    if (size > limit - total) {
      throw new ZipFormatError(`zip: ${what} is ${size} bytes uncompressed, which with the members before it exceeds the limit of ${limit} bytes (raise maxUncompressedBytes)`, at);
    }
    total += size;
    let data: Uint8Array;
    if (method === 0) {
      if (compressedSize !== size) throw new ZipFormatError(`zip: stored ${what} has a compressed size ${compressedSize} and a size ${size}`, at);
      data = stored;
    } else {
      try {
        data = inflateRaw(stored, { expectedBytes: size, maxOutputBytes: size }).data;
      } catch (e) {
        if (e instanceof DeflateFormatError) throw new ZipFormatError(`zip: ${what} at byte ${dataStart}: ${e.message}`, dataStart);
        throw e;
      }
    }
    const actual = crc32(data);
    if (actual !== crc) throw new ZipFormatError(`zip: CRC-32 mismatch in ${what} (stored ${hex(crc)}, computed ${hex(actual)}): the member is corrupt`, at);
    const directoryEntry = name.endsWith('/');
    if (directoryEntry && data.length > 0) throw new ZipFormatError(`zip: directory entry "${name}" has ${data.length} bytes of data`, at);
    entries.push({ name, data, method: method === 0 ? 'stored' : 'deflate', directory: directoryEntry, modified: dosTime(date, time) });
  }
  // Members must not share bytes: overlapping members are how some zip bombs multiply themselves.
  spans.sort((a, b) => a.start - b.start);
  for (let i = 1; i < spans.length; i++) {
    if (spans[i].start < spans[i - 1].end) {
      throw new ZipFormatError(`zip: members "${spans[i - 1].name}" and "${spans[i].name}" overlap at byte ${spans[i].start} (a malformed or malicious archive)`, spans[i].start);
    }
  }
  return entries;
}

function hex(n: number): string {
  return `0x${n.toString(16).padStart(8, '0')}`;
}

/** A zip time (local time, 2-second resolution) as a Date. */
function dosTime(date: number, time: number): Date {
  const year = 1980 + (date >> 9);
  const month = Math.max(1, (date >> 5) & 15) - 1;
  const day = Math.max(1, date & 31);
  return new Date(year, month, day, time >> 11, (time >> 5) & 63, (time & 31) * 2);
}

/** Bounds-checked little-endian reads over the archive. */
class Reader {
  constructor(readonly bytes: Uint8Array) {}
  private need(at: number, n: number, what: string): void {
    if (at < 0 || at + n > this.bytes.length) {
      throw new ZipFormatError(`zip: ${what} at byte ${at} needs ${n} bytes, but the archive has ${this.bytes.length} (truncated or corrupt)`, at);
    }
  }
  u16(at: number, what: string): number {
    this.need(at, 2, what);
    return this.bytes[at] | (this.bytes[at + 1] << 8);
  }
  u32(at: number, what: string): number {
    this.need(at, 4, what);
    return (this.bytes[at] | (this.bytes[at + 1] << 8) | (this.bytes[at + 2] << 16) | (this.bytes[at + 3] << 24)) >>> 0;
  }
  u64(at: number, what: string): number {
    const low = this.u32(at, what);
    const high = this.u32(at + 4, what);
    if (high > 0x1fffff) throw new ZipFormatError(`zip: ${what} at byte ${at} is larger than 2^53`, at);
    return high * 2 ** 32 + low;
  }
  slice(at: number, n: number, what: string): Uint8Array {
    this.need(at, n, what);
    return this.bytes.subarray(at, at + n);
  }
}

/** Locates the central directory through the EOCD record (and the ZIP64 one when present). */
function findCentralDirectory(r: Reader): { offset: number; size: number; count: number } {
  const bytes = r.bytes;
  if (bytes.length < 22) throw new ZipFormatError(`not a zip archive: ${bytes.length} bytes is shorter than an end-of-central-directory record`, 0);
  // The EOCD is the last 22 bytes plus a comment of up to 65535 bytes; take the last signature
  // whose comment length reaches exactly the end of the file.
  let eocd = -1;
  for (let p = bytes.length - 22; p >= Math.max(0, bytes.length - 22 - 65535); p--) {
    if (r.u32(p, 'EOCD') === EOCD && p + 22 + r.u16(p + 20, 'EOCD') === bytes.length) {
      eocd = p;
      break;
    }
  }
  if (eocd === -1) {
    const from = Math.max(0, bytes.length - 22 - 65535);
    const looksZip = bytes[0] === 0x50 && bytes[1] === 0x4b;
    throw new ZipFormatError(
      looksZip
        ? `zip: no end-of-central-directory record between byte ${from} and the end at byte ${bytes.length} (the archive is truncated or corrupt)`
        : `not a zip archive: no end-of-central-directory record between byte ${from} and byte ${bytes.length} (a zip starts with "PK")`,
      bytes.length,
    );
  }
  const diskNumber = r.u16(eocd + 4, 'EOCD');
  const directoryDisk = r.u16(eocd + 6, 'EOCD');
  let count = r.u16(eocd + 10, 'EOCD');
  let size = r.u32(eocd + 12, 'EOCD');
  let offset = r.u32(eocd + 16, 'EOCD');
  if (count === 0xffff || size === 0xffffffff || offset === 0xffffffff) {
    const locator = eocd - 20;
    if (locator < 0 || r.u32(locator, 'ZIP64 locator') !== EOCD64_LOCATOR) throw new ZipFormatError(`zip: the EOCD at byte ${eocd} needs a ZIP64 record, which is missing`, eocd);
    const record = r.u64(locator + 8, 'ZIP64 locator');
    if (r.u32(record, 'ZIP64 EOCD record') !== EOCD64) throw new ZipFormatError(`zip: no ZIP64 end-of-central-directory record at byte ${record}`, record);
    count = r.u64(record + 32, 'ZIP64 EOCD record');
    size = r.u64(record + 40, 'ZIP64 EOCD record');
    offset = r.u64(record + 48, 'ZIP64 EOCD record');
  } else if (diskNumber !== 0 || directoryDisk !== 0) {
    throw new ZipFormatError(`zip: the end-of-central-directory record at byte ${eocd} is for disk ${diskNumber} of a multi-disk archive, which is not supported`, eocd);
  }
  if (offset + size > eocd) throw new ZipFormatError(`zip: the central directory (${size} bytes at byte ${offset}) runs past the EOCD at byte ${eocd}`, eocd);
  // An entry takes at least 46 bytes: a count the directory cannot hold is corrupt.
  if (count * 46 > size) throw new ZipFormatError(`zip: the end-of-central-directory record at byte ${eocd} says ${count} entries, more than a ${size}-byte central directory holds`, eocd);
  return { offset, size, count };
}

/** The ZIP64 extended information extra field (id 0x0001) of an entry. */
function readZip64Extra(extra: Uint8Array, at: number, name: string): { next(field: string): number } {
  for (let p = 0; p + 4 <= extra.length;) {
    const id = extra[p] | (extra[p + 1] << 8);
    const length = extra[p + 2] | (extra[p + 3] << 8);
    if (p + 4 + length > extra.length) break;
    if (id === 1) {
      let q = p + 4;
      const end = q + length;
      return {
        next(field: string): number {
          if (q + 8 > end) throw new ZipFormatError(`zip: member "${name}" at byte ${at}: its ZIP64 extra field lacks the ${field}`, at);
          const low = (extra[q] | (extra[q + 1] << 8) | (extra[q + 2] << 16) | (extra[q + 3] << 24)) >>> 0;
          const high = (extra[q + 4] | (extra[q + 5] << 8) | (extra[q + 6] << 16) | (extra[q + 7] << 24)) >>> 0;
          q += 8;
          if (high > 0x1fffff) throw new ZipFormatError(`zip: member "${name}" at byte ${at}: its ${field} is larger than 2^53`, at);
          return high * 2 ** 32 + low;
        },
      };
    }
    p += 4 + length;
  }
  throw new ZipFormatError(`zip: member "${name}" at byte ${at} has 32-bit fields set to 0xFFFFFFFF but no ZIP64 extra field`, at);
}
