// readZip and writeZip against an independent implementation, Python's zipfile:
//   - fixtures/*.zip were written by fixtures/make_fixtures.py (stored and deflated members,
//     Windows backslash names, data descriptors from a non-seekable stream, ZIP64 records,
//     UTF-8 names, directory entries, a comment, bzip2, path-traversal names, a duplicate name),
//     with fixtures/expected.json holding each member's bytes;
//   - archives writeZip makes are read back by python3's zipfile (when python3 is on the machine)
//     and their members' bytes and CRCs checked there.

import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { readHdf5, writeHdf5 } from '../../../src/formats/hdf5/index.js';
import { isZip, readZip, writeZip, ZipFormatError, type ZipEntrySpec } from '../../../src/formats/zip/index.js';

const fixtures = fileURLToPath(new URL('./fixtures/', import.meta.url));
const fixture = (name: string): Uint8Array => new Uint8Array(readFileSync(fixtures + name));
const expected = JSON.parse(readFileSync(fixtures + 'expected.json', 'utf8')) as Record<string, { name: string; hex: string; method: string }[]>;
const hasPython = spawnSync('python3', ['-c', 'import zipfile'], { stdio: 'ignore' }).status === 0;

function zipError(read: () => unknown): ZipFormatError {
  try {
    read();
  } catch (e) {
    expect(e, String(e)).toBeInstanceOf(ZipFormatError);
    return e as ZipFormatError;
  }
  throw new Error('expected a ZipFormatError');
}

const hex = (b: Uint8Array): string => Buffer.from(b.buffer, b.byteOffset, b.length).toString('hex');
const text = (s: string): Uint8Array => new TextEncoder().encode(s);

describe('readZip reads what Python writes', () => {
  for (const file of ['keras_stored.zip', 'deflated.zip', 'streamed.zip', 'zip64.zip', 'zip64_local.zip', 'comment_utf8_dirs.zip']) {
    it(file, () => {
      const members = readZip(fixture(file));
      expect(members.map((m) => m.name)).toEqual(expected[file].map((m) => m.name));
      members.forEach((m, i) => {
        expect(hex(m.data), m.name).toBe(expected[file][i].hex);
        expect(m.method, m.name).toBe(expected[file][i].method);
        expect(m.directory).toBe(m.name.endsWith('/'));
        // 2024-05-17 13:45:30 local time, as the script set it.
        expect([m.modified.getFullYear(), m.modified.getMonth() + 1, m.modified.getDate(), m.modified.getHours(), m.modified.getMinutes(), m.modified.getSeconds()]).toEqual([2024, 5, 17, 13, 45, 30]);
      });
    });
  }

  it('isZip sniffs archives (and the empty archive), not HDF5 or JSON', () => {
    expect(isZip(fixture('keras_stored.zip'))).toBe(true);
    expect(isZip(writeZip([]))).toBe(true);
    expect(isZip(writeHdf5({}))).toBe(false);
    expect(isZip(text('{"a": 1}'))).toBe(false);
    expect(readZip(writeZip([]))).toEqual([]);
  });

  it('names written on Windows with backslashes come back with /', () => {
    expect(readZip(fixture('windows.zip')).map((m) => m.name)).toEqual(['layers/dense/vars/0.txt', 'metrics/mean/vars']);
  });

  it('stored members are views into the archive, deflated ones fresh arrays', () => {
    const bytes = fixture('keras_stored.zip');
    const [metadata] = readZip(bytes);
    expect(metadata.data.buffer).toBe(bytes.buffer);
    expect(readZip(fixture('deflated.zip'))[0].data.buffer).not.toBe(bytes.buffer);
  });

  it('refuses path traversal, duplicates and other methods, naming the member', () => {
    expect(zipError(() => readZip(fixture('slip_dotdot.zip'))).message).toBe('zip: member name "../evil.txt" at byte 42 has a ".." component (it would leave the extraction directory)');
    expect(zipError(() => readZip(fixture('slip_absolute.zip'))).message).toMatch(/member name "\/etc\/evil" at byte \d+ is an absolute path/);
    expect(zipError(() => readZip(fixture('slip_drive.zip'))).message).toMatch(/member name "C:\/evil" at byte \d+ starts with a drive letter/);
    expect(zipError(() => readZip(fixture('slip_backslash.zip'))).message).toMatch(/"assets\\\\..\\\\..\\\\evil" at byte \d+ has a ".." component/);
    expect(zipError(() => readZip(fixture('duplicate.zip'))).message).toMatch(/two members are named "config.json"/);
    expect(zipError(() => readZip(fixture('bzip2.zip'))).message).toMatch(/member "config.json" uses compression method 12 \(bzip2\); only stored \(0\) and deflate \(8\) are supported/);
  });
});

describe('readZip refuses broken archives with a ZipFormatError naming the offset or member', () => {
  const good = fixture('deflated.zip');

  it('not a zip, truncated, a corrupt CRC, a corrupt deflate stream', () => {
    expect(zipError(() => readZip(new Uint8Array(10))).message).toMatch(/not a zip archive: 10 bytes is shorter/);
    expect(zipError(() => readZip(text('x'.repeat(100)))).message).toMatch(/not a zip archive: no end-of-central-directory record/);
    expect(zipError(() => readZip(good.subarray(0, good.length - 1))).message).toMatch(/no end-of-central-directory record between byte \d+ and the end at byte \d+ \(the archive is truncated or corrupt\)/);
    expect(zipError(() => readZip(good.subarray(100))).offset).toBeTypeOf('number');
    const stored = fixture('keras_stored.zip');
    const flipped = stored.slice();
    flipped[60] ^= 1; // inside metadata.json's bytes
    expect(zipError(() => readZip(flipped)).message).toMatch(/CRC-32 mismatch in member "metadata.json" \(stored 0x[0-9a-f]{8}, computed 0x[0-9a-f]{8}\)/);
    const broken = good.slice();
    for (let k = 45; k < 60; k++) broken[k] ^= 0xa5;
    expect(zipError(() => readZip(broken)).message).toMatch(/member "config.json"|CRC-32/);
  });

  it('a deflate bomb: bounded by maxUncompressedBytes, before inflating', async () => {
    const zlib = await import('node:zlib');
    const zeros = new Uint8Array(20_000_000);
    // 20 MB of zeros deflate to ~20 KB.
    const packed = new Uint8Array(zlib.deflateRawSync(zeros));
    const crc = zlib.crc32(zeros);
    const archive = handMadeZip('zeros.bin', packed, zeros.length, crc);
    expect(archive.length).toBeLessThan(30_000);
    expect(zipError(() => readZip(archive, { maxUncompressedBytes: 10_000_000 })).message).toBe(
      'zip: member "zeros.bin" is 20000000 bytes uncompressed, which with the members before it exceeds the limit of 10000000 bytes (raise maxUncompressedBytes)',
    );
    // The default limit is four times the archive or 256 MiB: the 20 MB member is allowed then.
    expect(readZip(archive)[0].data.length).toBe(20_000_000);
  });

  it('a member lying about its size, and members that overlap', async () => {
    const zlib = await import('node:zlib');
    const data = text('hello hello hello');
    const packed = new Uint8Array(zlib.deflateRawSync(data));
    expect(zipError(() => readZip(handMadeZip('a.txt', packed, data.length + 1, zlib.crc32(data)))).message).toMatch(/member "a.txt" at byte \d+: the inflated data has 17 bytes, but 18 were expected/);
    // Two central directory entries for one local member (with its CRC): how some zip bombs multiply.
    const one = writeZip([{ name: 'a', data: text('x') }, { name: 'b', data: text('y') }]);
    const twice = one.slice();
    const view = new DataView(twice.buffer);
    const directory = view.getUint32(twice.length - 6, true);
    const second = directory + 46 + 1; // the second entry, after the name 'a'
    view.setUint32(second + 42, 0, true); // b's local header offset → a's
    view.setUint32(second + 16, view.getUint32(directory + 16, true), true); // and a's CRC
    expect(zipError(() => readZip(twice)).message).toBe('zip: members "a" and "b" overlap at byte 0 (a malformed or malicious archive)');
  });
});

/** A one-member deflate archive assembled field by field (to state sizes the writer would not). */
function handMadeZip(name: string, packed: Uint8Array, size: number, crc: number): Uint8Array {
  const n = text(name);
  const out = new Uint8Array(30 + n.length + packed.length + 46 + n.length + 22);
  const v = new DataView(out.buffer);
  v.setUint32(0, 0x04034b50, true);
  v.setUint16(4, 20, true);
  v.setUint16(8, 8, true);
  v.setUint32(14, crc, true);
  v.setUint32(18, packed.length, true);
  v.setUint32(22, size, true);
  v.setUint16(26, n.length, true);
  out.set(n, 30);
  out.set(packed, 30 + n.length);
  const c = 30 + n.length + packed.length;
  v.setUint32(c, 0x02014b50, true);
  v.setUint16(c + 4, 20, true);
  v.setUint16(c + 6, 20, true);
  v.setUint16(c + 10, 8, true);
  v.setUint32(c + 16, crc, true);
  v.setUint32(c + 20, packed.length, true);
  v.setUint32(c + 24, size, true);
  v.setUint16(c + 28, n.length, true);
  out.set(n, c + 46);
  const e = c + 46 + n.length;
  v.setUint32(e, 0x06054b50, true);
  v.setUint16(e + 8, 1, true);
  v.setUint16(e + 10, 1, true);
  v.setUint32(e + 12, 46 + n.length, true);
  v.setUint32(e + 16, c, true);
  return out;
}

describe('writeZip', () => {
  const members: ZipEntrySpec[] = [
    { name: 'metadata.json', data: text('{"keras_version": "3.6.0", "date_saved": "2024-05-17@13:45:30"}'), modified: new Date(2024, 4, 17, 13, 45, 30) },
    { name: 'config.json', data: text(JSON.stringify({ layers: Array.from({ length: 50 }, (_, i) => ({ class_name: 'Dense', units: i })) })), method: 'deflate' },
    { name: 'model.weights.h5', data: writeHdf5({ children: { layers: { children: { dense: { children: { vars: { children: { '0': { kind: 'dataset', shape: [2, 2], data: Float32Array.of(1, 2, 3, 4) } } } } } } } } }) },
    { name: 'assets/', data: new Uint8Array(0) },
    { name: 'assets/模型 ü.txt', data: text('naïve'), method: 'deflate' },
    { name: 'empty.bin', data: new Uint8Array(0), method: 'deflate' },
  ];

  it('writes what Keras writes: stored members in order, version 2.0, no extras, no descriptors', () => {
    const bytes = writeZip(members.slice(0, 3).map((m) => ({ ...m, method: 'stored' })));
    const v = new DataView(bytes.buffer);
    expect(v.getUint32(0, true)).toBe(0x04034b50);
    expect([v.getUint16(4, true), v.getUint16(6, true), v.getUint16(8, true), v.getUint16(28, true)]).toEqual([20, 0, 0, 0]); // version, flags, method, extra length
    const read = readZip(bytes);
    expect(read.map((m) => m.name)).toEqual(['metadata.json', 'config.json', 'model.weights.h5']);
    expect(read.every((m) => m.method === 'stored')).toBe(true);
    expect(readHdf5(read[2].data).children.has('layers')).toBe(true);
    expect(read[0].modified.getTime()).toBe(new Date(2024, 4, 17, 13, 45, 30).getTime());
    expect(read[1].modified.getTime()).toBe(new Date(1980, 0, 1).getTime());
  });

  it('round-trips through readZip, deflated members included', () => {
    const read = readZip(writeZip(members));
    expect(read.map((m) => [m.name, m.method, m.directory])).toEqual(members.map((m) => [m.name, m.method ?? 'stored', m.name.endsWith('/')]));
    read.forEach((m, i) => expect(hex(m.data), m.name).toBe(hex(members[i].data)));
  });

  it.skipIf(!hasPython)('round-trips through Python\'s zipfile (testzip checks every CRC)', () => {
    const bytes = writeZip(members);
    const script = [
      'import sys, zipfile, io, json',
      'z = zipfile.ZipFile(io.BytesIO(sys.stdin.buffer.read()))',
      'assert z.testzip() is None',
      'print(json.dumps([[i.filename, i.compress_type, z.read(i).hex(), i.flag_bits, list(i.date_time)] for i in z.infolist()]))',
    ].join('\n');
    const out = JSON.parse(execFileSync('python3', ['-c', script], { input: bytes }).toString()) as [string, number, string, number, number[]][];
    expect(out.map(([name]) => name)).toEqual(members.map((m) => m.name));
    out.forEach(([name, method, data, flags], i) => {
      expect(method, name).toBe(members[i].method === 'deflate' ? 8 : 0);
      expect(data, name).toBe(hex(members[i].data));
      expect(flags, name).toBe(/[^\x00-\x7f]/.test(name) ? 0x800 : 0);
    });
    expect(out[0][4]).toEqual([2024, 5, 17, 13, 45, 30]);
  });

  it('refuses unsafe or repeated names, bad methods and dates, naming the member', () => {
    const bad: [ZipEntrySpec[], RegExp][] = [
      [[{ name: '../x', data: new Uint8Array(0) }], /"\.\.\/x" has a "\.\." component/],
      [[{ name: '/x', data: new Uint8Array(0) }], /is an absolute path/],
      [[{ name: 'a\\b', data: new Uint8Array(0) }], /contains "\\"; write paths with "\/"/],
      [[{ name: 'a//b', data: new Uint8Array(0) }], /has an empty or "\." component/],
      [[{ name: '', data: new Uint8Array(0) }], /is empty/],
      [[{ name: 'x', data: new Uint8Array(0) }, { name: 'x', data: new Uint8Array(0) }], /two members are named "x"/],
      [[{ name: 'x', data: 'text' as unknown as Uint8Array }], /member "x" needs its data as a Uint8Array/],
      [[{ name: 'x', data: new Uint8Array(0), method: 'lzma' as 'stored' }], /unknown method "lzma"/],
      [[{ name: 'x', data: new Uint8Array(0), modified: new Date(1970, 0, 1) }], /years 1980 to 2107, not 1970/],
      [[{ name: 'd/', data: new Uint8Array(1) }], /directory member "d\/" cannot have data/],
    ];
    for (const [entries, message] of bad) expect(zipError(() => writeZip(entries)).message).toMatch(message);
  });
});
