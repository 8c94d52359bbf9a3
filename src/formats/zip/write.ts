// writeZip: members to the bytes of a zip archive, laid out as Keras writes `.keras` files
// (keras-file-format.md §1): for each member a local header and its data, then the central
// directory and the end-of-central-directory record. Version needed 2.0, host 0 (MS-DOS, as 6
// of the 11 real Keras zips), no data descriptors, no extra fields, no comment. Members are
// stored (method 0) unless asked to deflate (method 8, with the compressor in
// ../deflate/deflate.ts). Names that are not ASCII set the UTF-8 flag (bit 11), as Python's
// zipfile does. Archives needing ZIP64 (a member or the archive past 4 GiB, or 65535 members)
// are refused.

import { crc32 } from '../deflate/checksums.js';
import { deflateRaw } from '../deflate/deflate.js';
import { ZipFormatError } from './errors.js';
import { checkMemberName } from './names.js';

/**
 * A member for {@link writeZip}.
 *
 * @example
 * ```ts
 * const member: ZipEntrySpec = { name: 'config.json', data: new TextEncoder().encode('{}'), method: 'deflate', modified: new Date() };
 * ```
 */
export interface ZipEntrySpec {
  /** The member's path, with `/` separators (no leading `/`, no `.` or `..` components). */
  readonly name: string;
  /** The member's bytes. */
  readonly data: Uint8Array;
  /** `stored` (the default, as Keras writes) or `deflate`. */
  readonly method?: 'stored' | 'deflate';
  /** The modification time to record (local time, 2-second resolution). Default: 1980-01-01 00:00:00. */
  readonly modified?: Date;
}

const encoder = new TextEncoder();

/**
 * Writes a zip archive of the given members, in the given order.
 *
 * @param entries The members: name, data, and optionally method and time.
 * @returns The archive's bytes.
 * @throws ZipFormatError naming the member when a name is unsafe or repeated, a method is
 *   unknown, or the archive would need ZIP64.
 *
 * @example
 * ```ts
 * const text = (s: string) => new TextEncoder().encode(s);
 * const keras = writeZip([
 *   { name: 'metadata.json', data: text('{"keras_version": "3.6.0"}') },
 *   { name: 'config.json', data: text('{}') },
 *   { name: 'model.weights.h5', data: writeHdf5({}) },
 * ]);
 * readZip(keras).map((m) => m.name);   // ['metadata.json', 'config.json', 'model.weights.h5']
 * ```
 */
export function writeZip(entries: readonly ZipEntrySpec[]): Uint8Array {
  if (!Array.isArray(entries)) throw new ZipFormatError('writeZip expects an array of { name, data } members');
  if (entries.length >= 0xffff) throw new ZipFormatError(`zip: ${entries.length} members need ZIP64, which the writer does not produce`);
  const names = new Set<string>();
  const members = entries.map((e, i) => {
    if (e === null || typeof e !== 'object' || typeof e.name !== 'string') throw new ZipFormatError(`zip: member ${i} needs a string name`);
    if (e.name.includes('\\')) throw new ZipFormatError(`zip: member name ${JSON.stringify(e.name)} contains "\\"; write paths with "/"`);
    const name = checkMemberName(e.name, undefined);
    if (names.has(name)) throw new ZipFormatError(`zip: two members are named ${JSON.stringify(name)}`);
    names.add(name);
    if (!(e.data instanceof Uint8Array)) throw new ZipFormatError(`zip: member "${name}" needs its data as a Uint8Array`);
    const method = e.method ?? 'stored';
    if (method !== 'stored' && method !== 'deflate') throw new ZipFormatError(`zip: member "${name}": unknown method ${JSON.stringify(method)} ('stored' or 'deflate')`);
    if (name.endsWith('/') && e.data.length > 0) throw new ZipFormatError(`zip: directory member "${name}" cannot have data`);
    const stored = method === 'deflate' ? deflateRaw(e.data) : e.data;
    if (e.data.length >= 0xffffffff || stored.length >= 0xffffffff) throw new ZipFormatError(`zip: member "${name}" is 4 GiB or more, which needs ZIP64`);
    const nameBytes = encoder.encode(name);
    if (nameBytes.length > 0xffff) throw new ZipFormatError(`zip: member name "${name.slice(0, 40)}..." is longer than 65535 bytes`);
    const { time, date } = dosTime(e.modified ?? new Date(1980, 0, 1), name);
    return { nameBytes, data: e.data, stored, method: method === 'deflate' ? 8 : 0, crc: crc32(e.data), time, date, utf8: nameBytes.some((b) => b >= 0x80) };
  });

  let size = 22;
  for (const m of members) size += 30 + m.nameBytes.length + m.stored.length + 46 + m.nameBytes.length;
  if (size >= 0xffffffff) throw new ZipFormatError('zip: the archive would be 4 GiB or more, which needs ZIP64');
  const out = new Uint8Array(size);
  const view = new DataView(out.buffer);
  let p = 0;
  const u16 = (v: number): void => {
    view.setUint16(p, v, true);
    p += 2;
  };
  const u32 = (v: number): void => {
    view.setUint32(p, v, true);
    p += 4;
  };
  const common = (m: (typeof members)[number]): void => {
    u16(20); // version needed: 2.0
    u16(m.utf8 ? 0x800 : 0);
    u16(m.method);
    u16(m.time);
    u16(m.date);
    u32(m.crc);
    u32(m.stored.length);
    u32(m.data.length);
    u16(m.nameBytes.length);
    u16(0); // extra field length
  };
  const offsets: number[] = [];
  for (const m of members) {
    offsets.push(p);
    u32(0x04034b50);
    common(m);
    out.set(m.nameBytes, p);
    p += m.nameBytes.length;
    out.set(m.stored, p);
    p += m.stored.length;
  }
  const directory = p;
  members.forEach((m, i) => {
    u32(0x02014b50);
    u16(20); // version made by: 2.0, host 0 (MS-DOS)
    common(m);
    u16(0); // comment length
    u16(0); // disk number
    u16(0); // internal attributes
    u32(0); // external attributes
    u32(offsets[i]);
    out.set(m.nameBytes, p);
    p += m.nameBytes.length;
  });
  const directorySize = p - directory;
  u32(0x06054b50);
  u16(0);
  u16(0);
  u16(members.length);
  u16(members.length);
  u32(directorySize);
  u32(directory);
  u16(0); // comment length
  return out;
}

/** A Date as zip's MS-DOS time and date fields (local time). */
function dosTime(d: Date, name: string): { time: number; date: number } {
  if (!(d instanceof Date) || Number.isNaN(d.getTime())) throw new ZipFormatError(`zip: member "${name}": modified must be a valid Date`);
  const year = d.getFullYear();
  if (year < 1980 || year > 2107) throw new ZipFormatError(`zip: member "${name}": a zip can record years 1980 to 2107, not ${year}`);
  return {
    time: (d.getHours() << 11) | (d.getMinutes() << 5) | (d.getSeconds() >> 1),
    date: ((year - 1980) << 9) | ((d.getMonth() + 1) << 5) | d.getDate(),
  };
}
