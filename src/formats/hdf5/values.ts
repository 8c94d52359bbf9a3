// From stored bytes to values: numbers into typed arrays (byte-swapped when the file's order is
// not the host's, float16 widened to float32), fixed-length strings cut at their padding, and
// variable-length strings fetched from the global heap.
//
// A global heap collection ("GCOL": version, size) holds numbered objects, each with a 16-byte
// header (index u16, reference count u16, 4 reserved bytes, size) and its bytes padded to 8;
// object 0 is the collection's free space. A variable-length string element is 16 bytes: its
// length, then the address of a collection and the index of the object holding its characters.

import { cursorAt, decodeUtf8, type FileContext } from './bytes.js';
import { Hdf5FormatError } from './errors.js';
import { type Datatype } from './messages.js';
import { chargeMetadata, chargeValues, type ReadState } from './state.js';
import type { Hdf5Data, Hdf5Dtype } from './types.js';

export const HOST_LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** The number of elements of `shape` (1 for a scalar); an error past 2^53. */
export function elementCount(shape: readonly number[], what: string, at: number): number {
  let n = 1;
  for (const d of shape) {
    n *= d;
    if (!Number.isSafeInteger(n)) throw new Hdf5FormatError(`HDF5 ${what} at byte ${at}: shape [${shape.join(', ')}] has more than 2^53 elements`, at);
  }
  return n;
}

/** Decodes `count` elements of `type` from `raw` (exactly count·size bytes). */
export function decodeValues(state: ReadState, raw: Uint8Array, type: Datatype, count: number, what: string, at: number): Hdf5Data {
  const dtype = type.dtype;
  if (raw.length !== count * type.size) {
    throw new Hdf5FormatError(`HDF5 ${what} at byte ${at}: ${raw.length} bytes of values for ${count} elements of ${type.size} bytes`, at);
  }
  if (dtype.class === 'string') {
    const out: string[] = [];
    for (let i = 0; i < count; i++) {
      const element = raw.subarray(i * type.size, (i + 1) * type.size);
      out.push(type.variable ? variableString(state, element, what, at) : fixedString(state, element, dtype, what, at));
    }
    return out;
  }
  if (dtype.class === 'float' && dtype.bits === 16) {
    chargeValues(state, count * 4, what, at);
    return halfToFloat32(raw, count, dtype.order === 'little');
  }
  chargeValues(state, count * type.size, what, at);
  const out = newTypedArray(dtype, count);
  const bytes = new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
  bytes.set(raw);
  if ((dtype.order === 'little') !== HOST_LITTLE_ENDIAN) swapBytes(bytes, type.size);
  return out;
}

/** An array of `count` zeros of the class that holds `dtype`. */
export function newTypedArray(dtype: Hdf5Dtype, count: number): Exclude<Hdf5Data, string[]> {
  if (dtype.class === 'float') return dtype.bits === 64 ? new Float64Array(count) : new Float32Array(count);
  if (dtype.class === 'int') {
    switch (dtype.bits) {
      case 8: return dtype.signed ? new Int8Array(count) : new Uint8Array(count);
      case 16: return dtype.signed ? new Int16Array(count) : new Uint16Array(count);
      case 32: return dtype.signed ? new Int32Array(count) : new Uint32Array(count);
      case 64: return dtype.signed ? new BigInt64Array(count) : new BigUint64Array(count);
    }
  }
  throw new Error(`no typed array holds ${dtype.class} values`);
}

/** Reverses the bytes of each `size`-byte element in place. */
export function swapBytes(bytes: Uint8Array, size: number): void {
  if (size === 1) return;
  for (let i = 0; i + size <= bytes.length; i += size) {
    for (let a = i, b = i + size - 1; a < b; a++, b--) {
      const t = bytes[a];
      bytes[a] = bytes[b];
      bytes[b] = t;
    }
  }
}

/** Widens IEEE half-precision values to float32, exactly (every half is a float32). */
export function halfToFloat32(raw: Uint8Array, count: number, little: boolean): Float32Array {
  const out = new Float32Array(count);
  const bits = new Uint32Array(out.buffer);
  for (let i = 0; i < count; i++) {
    const h = little ? raw[2 * i] | (raw[2 * i + 1] << 8) : (raw[2 * i] << 8) | raw[2 * i + 1];
    const sign = (h & 0x8000) << 16;
    const exponent = (h >> 10) & 0x1f;
    let mantissa = h & 0x3ff;
    if (exponent === 0x1f) {
      bits[i] = sign | 0x7f800000 | (mantissa << 13); // infinity or NaN (payload kept)
    } else if (exponent !== 0) {
      bits[i] = sign | ((exponent + 112) << 23) | (mantissa << 13); // rebias 15 → 127
    } else if (mantissa === 0) {
      bits[i] = sign; // ±0
    } else {
      // Subnormal half: shift the mantissa up until its leading 1 is the implicit bit.
      let e = 113;
      while ((mantissa & 0x400) === 0) {
        mantissa <<= 1;
        e--;
      }
      bits[i] = sign | (e << 23) | ((mantissa & 0x3ff) << 13);
    }
  }
  return out;
}

function fixedString(state: ReadState, element: Uint8Array, dtype: Hdf5Dtype & { class: 'string' }, what: string, at: number): string {
  // A string ends at its first NUL whatever the padding (as C, h5py and libhdf5's conversions read
  // it; h5wasm pads even "space-padded" strings with NULs); space-padded ones also lose trailing spaces.
  let end = element.indexOf(0);
  if (end === -1) end = element.length;
  if (dtype.padding === 'space-padded') {
    while (end > 0 && element[end - 1] === 0x20) end--;
  }
  chargeValues(state, end, what, at);
  return decodeUtf8(element.subarray(0, end), what, at);
}

function variableString(state: ReadState, element: Uint8Array, what: string, at: number): string {
  const file = state.file;
  const view = new DataView(element.buffer, element.byteOffset, element.byteLength);
  const length = view.getUint32(0, true);
  if (length === 0) return '';
  let address = 0;
  let allSet = true;
  for (let i = 0; i < file.offsetSize; i++) {
    const b = element[4 + i];
    address += b * 2 ** (8 * i);
    if (b !== 0xff) allSet = false;
  }
  if (allSet || address === 0) throw new Hdf5FormatError(`HDF5 ${what} at byte ${at}: a variable-length string of ${length} bytes with no global heap address`, at);
  const index = view.getUint32(4 + file.offsetSize, true);
  const key = `${address}:${index}:${length}`;
  const known = state.strings.get(key);
  if (known !== undefined) return known;
  const object = globalHeapObject(state, address, index, what, at);
  if (length > object.size) {
    throw new Hdf5FormatError(`HDF5 ${what} at byte ${at}: a string of ${length} bytes in global heap object ${index} of only ${object.size} bytes`, at);
  }
  let bytes = file.bytes.subarray(object.start, object.start + length);
  // NOTE: cut at a NUL, as C reads it; never strip spaces: the padding type means nothing for a
  // string stored with its exact length (h5wasm marks its variable-length strings space-padded).
  const nul = bytes.indexOf(0);
  if (nul !== -1) bytes = bytes.subarray(0, nul);
  chargeValues(state, bytes.length, what, at);
  const text = decodeUtf8(bytes, `string in global heap object ${index} at byte ${object.start}`, object.start);
  state.strings.set(key, text);
  return text;
}

/** Object `index` of the global heap collection at `address` (parsed once per collection). */
function globalHeapObject(state: ReadState, address: number, index: number, what: string, at: number): { start: number; size: number } {
  let objects = state.globalHeaps.get(address);
  if (objects === undefined) {
    objects = readCollection(state, address);
    state.globalHeaps.set(address, objects);
  }
  const object = objects.get(index);
  if (object === undefined || index === 0) {
    throw new Hdf5FormatError(`HDF5 ${what} at byte ${at}: global heap collection at address ${address} has no object ${index}`, at);
  }
  return object;
}

function readCollection(state: ReadState, address: number): Map<number, { start: number; size: number }> {
  const file: FileContext = state.file;
  const head = cursorAt(file, address, 'global heap collection');
  const start = head.pos;
  head.signature('GCOL');
  const version = head.u8();
  if (version !== 1) head.fail(`global heap collection version ${version} is not supported`);
  head.skip(3);
  const size = head.length();
  const c = cursorAt(file, address, 'global heap collection', size);
  c.pos = head.pos;
  chargeMetadata(state, size, 'global heap collection', start);
  const objects = new Map<number, { start: number; size: number }>();
  const objectHeader = 8 + file.lengthSize;
  while (c.remaining() >= objectHeader) {
    const objectAt = c.pos;
    const index = c.u16();
    c.u16(); // reference count
    c.skip(4);
    const objectSize = c.length();
    if (index === 0) break; // the free space: the rest of the collection
    if (objects.has(index)) c.fail(`global heap object ${index} appears twice`, objectAt);
    c.need(objectSize);
    objects.set(index, { start: c.pos, size: objectSize });
    c.skip(Math.min(c.remaining(), Math.ceil(objectSize / 8) * 8));
  }
  return objects;
}
