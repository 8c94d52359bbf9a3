// Structures that neither writeHdf5 nor h5wasm writes, but real HDF5 files may hold: compact
// layouts, defined fill values (old message, versions 2 and 3), dataspace version 2, layout
// version 4 for contiguous and compact data, attribute messages version 2. Each is crafted by
// rewriting the object header of a dataset writeHdf5 made (same space, the rest a NIL message),
// then read by libhdf5 through h5wasm first (so the crafted file is valid HDF5 and the expected
// values are libhdf5's), then by readHdf5.

import { describe, expect, it } from 'vitest';
import { readHdf5, writeHdf5, type Hdf5Dataset } from '../../../src/formats/hdf5/index.js';
import { openWithH5wasm } from './h5wasm.js';

type Message = [type: number, data: Uint8Array];

/** The messages of the version-1 object header at `address`. */
function messagesAt(bytes: Uint8Array, address: number): { messages: Message[]; size: number } {
  const v = new DataView(bytes.buffer, bytes.byteOffset);
  const size = v.getUint32(address + 8, true);
  const messages: Message[] = [];
  for (let p = address + 16; p < address + 16 + size;) {
    const type = v.getUint16(p, true);
    const length = v.getUint16(p + 2, true);
    messages.push([type, bytes.slice(p + 8, p + 8 + length)]);
    p += 8 + length;
  }
  return { messages, size };
}

/** Writes `messages` into the header's existing space, the unused rest as one NIL message. */
function rewriteHeader(bytes: Uint8Array, address: number, messages: Message[]): Uint8Array {
  const out = bytes.slice();
  const v = new DataView(out.buffer);
  const { size } = messagesAt(bytes, address);
  let p = address + 16;
  const end = address + 16 + size;
  out.fill(0, p, end);
  const pad = (n: number): number => Math.ceil(n / 8) * 8;
  for (const [type, data] of messages) {
    v.setUint16(p, type, true);
    v.setUint16(p + 2, pad(data.length), true);
    out.set(data, p + 8);
    p += 8 + pad(data.length);
  }
  let count = messages.length;
  if (p > end) throw new Error(`the crafted messages need ${p - end} more bytes than the header has`);
  if (p < end) {
    v.setUint16(p + 2, end - p - 8, true); // NIL (type 0) over the rest
    count++;
  }
  v.setUint16(address + 2, count, true);
  return out;
}

const u8 = (...b: number[]): Uint8Array => new Uint8Array(b);
const u32 = (n: number): number[] => [n & 255, (n >> 8) & 255, (n >> 16) & 255, n >>> 24];
const u64 = (n: number): number[] => [...u32(n % 2 ** 32), ...u32(Math.floor(n / 2 ** 32))];
const UNDEFINED = [255, 255, 255, 255, 255, 255, 255, 255];
const f32 = (...x: number[]): number[] => [...new Uint8Array(Float32Array.from(x).buffer)];

/** A file with one float32 dataset "d" of three elements, its header address and its messages. */
function base(): { bytes: Uint8Array; address: number; messages: Message[] } {
  const bytes = writeHdf5({ children: { d: { kind: 'dataset', shape: [3], data: Float32Array.of(1, 2, 3), attributes: { pad: { data: new Float64Array(6) } } } } });
  const address = (readHdf5(bytes).children.get('d') as Hdf5Dataset).address;
  return { bytes, address, messages: messagesAt(bytes, address).messages };
}

/** Reads dataset "d" with h5wasm and with readHdf5; both must agree and give `expected`. */
async function bothRead(bytes: Uint8Array, expected: number[]): Promise<Hdf5Dataset> {
  const { file } = await openWithH5wasm(bytes);
  const value = (file.get('d') as unknown as { value: Float32Array | number }).value;
  const theirs = typeof value === 'number' ? [value] : Array.from(value);
  const shape = (file.get('d') as unknown as { shape: number[] }).shape;
  file.close();
  expect(theirs).toEqual(expected);
  const d = readHdf5(bytes).children.get('d') as Hdf5Dataset;
  expect(Array.from(d.data as Float32Array)).toEqual(expected);
  expect([...d.shape]).toEqual(shape);
  return d;
}

const type = (m: Message[], t: number): Uint8Array => m.find(([k]) => k === t)![1];

describe('structures crafted into a real file: libhdf5 and readHdf5 agree', () => {
  it('the base file itself', async () => {
    const { bytes, messages } = base();
    expect(messages.map(([t]) => t)).toEqual([0x01, 0x03, 0x05, 0x08, 0x0c]);
    await bothRead(bytes, [1, 2, 3]);
  });

  it('compact layout (version 3): the values inside the layout message', async () => {
    const { bytes, address, messages } = base();
    const compact = u8(3, 0, ...[12, 0], ...f32(4, 5, 6));
    const crafted = rewriteHeader(bytes, address, messages.map(([t, d]) => [t, t === 0x08 ? compact : d]));
    expect((await bothRead(crafted, [4, 5, 6])).storage.layout).toBe('compact');
  });

  it('layout version 4, contiguous and compact', async () => {
    const { bytes, address, messages } = base();
    const layout3 = type(messages, 0x08);
    const contiguous4 = u8(4, ...layout3.subarray(1));
    await bothRead(rewriteHeader(bytes, address, messages.map(([t, d]) => [t, t === 0x08 ? contiguous4 : d])), [1, 2, 3]);
    const compact4 = u8(4, 0, 12, 0, ...f32(-1, -2, -3));
    await bothRead(rewriteHeader(bytes, address, messages.map(([t, d]) => [t, t === 0x08 ? compact4 : d])), [-1, -2, -3]);
  });

  it('fill values of every message version, used where no storage was allocated', async () => {
    const { bytes, address, messages } = base();
    const unallocated = u8(3, 1, ...UNDEFINED, ...u64(12));
    // Dataspace version 2 without maximum dimensions frees the 8 bytes a longer fill message needs.
    const space2 = u8(2, 1, 0, 1, ...u64(3));
    const fills: [string, Message[]][] = [
      ['version 2, defined', [[0x05, u8(2, 2, 2, 1, ...u32(4), ...f32(7.5))]]],
      ['version 1', [[0x05, u8(1, 2, 2, 1, ...u32(4), ...f32(-0.25))]]],
      ['version 3', [[0x05, u8(3, 0x20 | 2 | (2 << 2), ...u32(4), ...f32(42))]]],
      ['the old fill message alone', [[0x04, u8(...u32(4), ...f32(9))]]],
    ];
    const want: Record<string, number> = { 'version 2, defined': 7.5, 'version 1': -0.25, 'version 3': 42, 'the old fill message alone': 9 };
    for (const [what, fill] of fills) {
      const rewritten: Message[] = [[0x01, space2], [0x03, type(messages, 0x03)], ...fill, [0x08, unallocated]];
      const crafted = rewriteHeader(bytes, address, rewritten);
      const v = want[what];
      await bothRead(crafted, [v, v, v]);
    }
    // With no fill value message at all the values are undefined (libhdf5 leaves its buffer as it
    // was); readHdf5 gives zeros.
    const noFill = rewriteHeader(bytes, address, [[0x01, space2], [0x03, type(messages, 0x03)], [0x08, unallocated]]);
    expect(Array.from((readHdf5(noFill).children.get('d') as Hdf5Dataset).data as Float32Array)).toEqual([0, 0, 0]);
  });

  it('dataspace version 2: scalar and simple', async () => {
    const { bytes, address, messages } = base();
    const scalar = u8(2, 0, 0, 0);
    const compactOne = u8(3, 0, 4, 0, ...f32(8));
    const d = await bothRead(rewriteHeader(bytes, address, [[0x01, scalar], [0x03, type(messages, 0x03)], [0x08, compactOne]]), [8]);
    expect(d.shape).toEqual([]);
  });

  it('an attribute message version 2 (no padding) and 3 (with a character set)', async () => {
    const { bytes, address, messages } = base();
    const datatype = u8(0x10, 0x08, 0, 0, ...u32(2), 0, 0, 16, 0); // int16 signed little-endian
    const dataspace = u8(1, 1, 0, 0, 0, 0, 0, 0, ...u64(2));
    const name = [...new TextEncoder().encode('units'), 0];
    const v2 = u8(2, 0, name.length, 0, datatype.length, 0, dataspace.length, 0, ...name, ...datatype, ...dataspace, 1, 0, 0xff, 0xff);
    const utf8Name = [...new TextEncoder().encode('größe'), 0];
    const v3 = u8(3, 0, utf8Name.length, 0, datatype.length, 0, dataspace.length, 0, 1, ...utf8Name, ...datatype, ...dataspace, 5, 0, 6, 0);
    const crafted = rewriteHeader(bytes, address, [...messages.filter(([t]) => t !== 0x0c), [0x0c, v2], [0x0c, v3]]);
    const { file } = await openWithH5wasm(crafted);
    const attrs = (file.get('d') as unknown as { attrs: Record<string, { value: Int16Array }> }).attrs;
    expect(Array.from(attrs.units.value)).toEqual([1, -1]);
    expect(Array.from(attrs['größe'].value)).toEqual([5, 6]);
    file.close();
    const d = readHdf5(crafted).children.get('d') as Hdf5Dataset;
    expect(Array.from(d.attributes.get('units')!.data as Int16Array)).toEqual([1, -1]);
    expect(Array.from(d.attributes.get('größe')!.data as Int16Array)).toEqual([5, 6]);
  });
});
