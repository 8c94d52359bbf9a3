// Bounds-checked reading of the file's bytes. Every structure is read through a Cursor that knows
// where the structure ends and what it is called, so a short or corrupt file fails with an
// Hdf5FormatError naming the structure and the byte offset, never with a RangeError or a silent
// read past the end.

import { Hdf5FormatError } from './errors.js';

/** The file and the sizes its superblock declares. */
export interface FileContext {
  readonly bytes: Uint8Array;
  readonly view: DataView;
  /** "Size of offsets": bytes per address (2, 4 or 8). */
  readonly offsetSize: number;
  /** "Size of lengths": bytes per length field (2, 4 or 8). */
  readonly lengthSize: number;
  /** The base address: file addresses are relative to it (0 unless there is a user block). */
  readonly base: number;
}

/** A read position inside one structure: `pos` moves forward, `end` is where the structure stops. */
export class Cursor {
  /**
   * @param file The file.
   * @param pos The absolute byte offset to start at.
   * @param end The absolute offset just past the structure (at most the file's length).
   * @param what The structure's name, for errors ("object header", "symbol table node", ...).
   */
  constructor(
    readonly file: FileContext,
    public pos: number,
    readonly end: number,
    readonly what: string,
  ) {}

  /** Throws an Hdf5FormatError about this structure at the current (or given) offset. */
  fail(detail: string, at = this.pos): never {
    throw new Hdf5FormatError(`HDF5 ${this.what} at byte ${at}: ${detail}`, at);
  }

  /** Bytes left before the structure's end. */
  remaining(): number {
    return this.end - this.pos;
  }

  /** Checks that `n` more bytes exist in this structure. */
  need(n: number): void {
    if (n > this.end - this.pos) {
      const inFile = this.end === this.file.bytes.length ? ' (the file is truncated or an address is wrong)' : '';
      this.fail(`needs ${n} more bytes, only ${Math.max(0, this.end - this.pos)} remain${inFile}`);
    }
  }

  u8(): number {
    this.need(1);
    return this.file.bytes[this.pos++];
  }

  u16(): number {
    this.need(2);
    const v = this.file.view.getUint16(this.pos, true);
    this.pos += 2;
    return v;
  }

  u32(): number {
    this.need(4);
    const v = this.file.view.getUint32(this.pos, true);
    this.pos += 4;
    return v;
  }

  /** An unsigned little-endian integer of `size` bytes (1-8); an error above 2^53. */
  uint(size: number): number {
    this.need(size);
    const at = this.pos;
    let v = 0;
    let scale = 1;
    for (let i = 0; i < size; i++) {
      v += this.file.bytes[this.pos++] * scale;
      scale *= 256;
    }
    if (!Number.isSafeInteger(v)) this.fail(`a ${size}-byte value too large to handle (over 2^53)`, at);
    return v;
  }

  u64(): number {
    return this.uint(8);
  }

  /** A length field ("size of lengths" bytes). */
  length(): number {
    return this.uint(this.file.lengthSize);
  }

  /** An address field that may hold the undefined address (all bits set): `undefined` then. */
  optionalAddress(): number | undefined {
    const size = this.file.offsetSize;
    this.need(size);
    let allSet = true;
    for (let i = 0; i < size; i++) if (this.file.bytes[this.pos + i] !== 0xff) allSet = false;
    if (allSet) {
      this.pos += size;
      return undefined;
    }
    return this.uint(size);
  }

  /** An address field that must be defined. */
  address(field: string): number {
    const at = this.pos;
    const a = this.optionalAddress();
    if (a === undefined) this.fail(`the ${field} address is undefined`, at);
    return a;
  }

  /** The next `n` bytes, as a view into the file (not a copy). */
  bytes(n: number): Uint8Array {
    this.need(n);
    const out = this.file.bytes.subarray(this.pos, this.pos + n);
    this.pos += n;
    return out;
  }

  skip(n: number): void {
    this.need(n);
    this.pos += n;
  }

  /** Checks a 4-byte signature such as `TREE` or `SNOD`. */
  signature(expected: string): void {
    this.need(4);
    const b = this.file.bytes;
    const p = this.pos;
    const found = String.fromCharCode(b[p], b[p + 1], b[p + 2], b[p + 3]);
    if (found !== expected) this.fail(`expected the signature "${expected}", found ${JSON.stringify(found)} (a wrong address, or a corrupt file)`);
    this.pos += 4;
  }
}

/**
 * A cursor over the structure at file address `address` (relative to the base address), `size`
 * bytes long if known, else running to the end of the file.
 */
export function cursorAt(file: FileContext, address: number, what: string, size?: number): Cursor {
  const start = file.base + address;
  if (!Number.isSafeInteger(start) || start >= file.bytes.length) {
    const shown = Number.isSafeInteger(start) ? start : address;
    throw new Hdf5FormatError(`HDF5 ${what} at byte ${shown}: the address is past the end of the file (${file.bytes.length} bytes; the file is truncated or corrupt)`, shown);
  }
  if (size === undefined) return new Cursor(file, start, file.bytes.length, what);
  if (size > file.bytes.length - start) {
    throw new Hdf5FormatError(
      `HDF5 ${what} at byte ${start}: it is ${size} bytes long, but only ${file.bytes.length - start} remain in the file (the file is truncated or corrupt)`,
      start,
    );
  }
  return new Cursor(file, start, start + size, what);
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** Decodes UTF-8 bytes, with an Hdf5FormatError (not a TypeError) when they are not valid UTF-8. */
export function decodeUtf8(bytes: Uint8Array, what: string, at: number): string {
  try {
    return utf8.decode(bytes);
  } catch {
    throw new Hdf5FormatError(`HDF5 ${what} at byte ${at}: not valid UTF-8 text`, at);
  }
}

/** Reads a NUL-terminated name starting at `start`, looking no further than `end`. */
export function readNulTerminated(file: FileContext, start: number, end: number, what: string): string {
  const b = file.bytes;
  const stop = Math.min(end, b.length);
  let i = start;
  while (i < stop && b[i] !== 0) i++;
  if (i >= stop) throw new Hdf5FormatError(`HDF5 ${what} at byte ${start}: the name has no terminating NUL before byte ${stop}`, start);
  return decodeUtf8(b.subarray(start, i), what, start);
}
