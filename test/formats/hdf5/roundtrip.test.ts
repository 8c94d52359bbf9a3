// writeHdf5 → readHdf5 on awkward inputs: every dtype in both byte orders, ranks 0 to 5 with
// zero-sized dimensions, scalars, strings of every encoding, unicode names and the names of
// Object.prototype's properties, soft links, random trees (fast-check, seeded). Plus float16
// conversion checked exhaustively against a formula, the writer's refusals, and the helpers.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  fixedLengthStrings,
  getNode,
  getStringAttribute,
  getStringListAttribute,
  Hdf5FormatError,
  isHdf5,
  readHdf5,
  writeHdf5,
  type Hdf5Data,
  type Hdf5Dataset,
  type Hdf5Dtype,
  type Hdf5Group,
  type Hdf5GroupSpec,
  type Hdf5Node,
  type Hdf5NodeSpec,
} from '../../../src/formats/hdf5/index.js';
import { halfToFloat32 } from '../../../src/formats/hdf5/values.js';
import { float32BitsToHalf } from '../../../src/formats/hdf5/write.js';
import { keras3WeightsSpec, legacyH5Spec } from './keras_layouts.js';

/** Expects `node` to be a dataset and returns it. */
function dataset(node: Hdf5Node | undefined): Hdf5Dataset {
  expect(node?.kind).toBe('dataset');
  return node as Hdf5Dataset;
}

/** The same class of array, the same values (NaN and -0 compared by Object.is). */
function expectSameData(a: Hdf5Data, b: Hdf5Data, what: string): void {
  expect(Object.prototype.toString.call(b), `${what}: array class`).toBe(Object.prototype.toString.call(a));
  expect(b.length, `${what}: length`).toBe(a.length);
  for (let i = 0; i < a.length; i++) if (!Object.is(a[i], b[i])) expect(b[i], `${what}[${i}]`).toBe(a[i]);
}

/** Every spec node is read back with the same shape, dtype, values and attributes. */
function expectTreeEquals(spec: Hdf5NodeSpec, read: Hdf5Node, where: string): void {
  if (spec.kind === 'softLink' || spec.kind === 'externalLink') {
    expect(read, where).toEqual(spec);
    return;
  }
  const attributes = spec.attributes instanceof Map ? [...spec.attributes] : Object.entries(spec.attributes ?? {});
  const readNode = read as Hdf5Group | Hdf5Dataset;
  expect([...readNode.attributes.keys()].sort(), `${where}: attributes`).toEqual(attributes.map(([k]) => k).sort());
  for (const [name, a] of attributes) {
    const got = readNode.attributes.get(name)!;
    if (typeof a === 'string') {
      expect(got.data, `${where}@${name}`).toEqual([a]);
      expect(got.shape).toEqual([]);
    } else {
      expectSameData(a.data, got.data, `${where}@${name}`);
      expect(got.shape).toEqual(a.shape ?? [a.data.length]);
      if (a.dtype !== undefined) expect(got.dtype).toEqual(a.dtype);
    }
  }
  if (spec.kind === 'dataset') {
    const d = dataset(read);
    expect(d.shape, `${where}: shape`).toEqual(spec.shape);
    if (spec.dtype !== undefined) expect(d.dtype, `${where}: dtype`).toEqual(spec.dtype);
    expectSameData(spec.data, d.data, where);
    expect(d.storage).toEqual({ layout: 'contiguous', filters: [] });
    return;
  }
  expect(read.kind, where).toBe('group');
  const group = read as Hdf5Group;
  const children = spec.children instanceof Map ? [...spec.children] : Object.entries(spec.children ?? {});
  const bytewise = (x: string, y: string): number => Buffer.compare(Buffer.from(x), Buffer.from(y));
  expect([...group.children.keys()], `${where}: members in bytewise order`).toEqual(children.map(([k]) => k).sort(bytewise));
  for (const [name, child] of children) expectTreeEquals(child, group.children.get(name)!, `${where}/${name}`);
}

function roundTrip(spec: Hdf5GroupSpec): Hdf5Group {
  const bytes = writeHdf5(spec);
  expect(isHdf5(bytes)).toBe(true);
  const read = readHdf5(bytes);
  expectTreeEquals(spec, read, '');
  return read;
}

describe('writeHdf5 → readHdf5', () => {
  it('the two Keras layouts', () => {
    roundTrip(keras3WeightsSpec());
    const legacy = roundTrip(legacyH5Spec());
    expect(getStringListAttribute(getNode(legacy, 'model_weights') as Hdf5Group, 'layer_names')).toEqual(['dense', 'dropout', 'lstm', 'dense_1']);
  });

  it('every dtype in both byte orders, with extreme values', () => {
    const children = new Map<string, Hdf5NodeSpec>();
    for (const order of ['little', 'big'] as const) {
      const cases: [Hdf5Data, Hdf5Dtype][] = [
        [Float32Array.of(NaN, -0, Infinity, -Infinity, 1.401298464324817e-45, 3.4028234663852886e38), { class: 'float', bits: 32, order }],
        [Float64Array.of(NaN, -0, Number.MIN_VALUE, Number.MAX_VALUE, 1 / 3), { class: 'float', bits: 64, order }],
        // float16: exactly representable values survive; see the float16 tests for rounding.
        [Float32Array.of(0, -0, 65504, -65504, 2 ** -24, 2 ** -14, Infinity, NaN, 0.333251953125), { class: 'float', bits: 16, order }],
        [Int8Array.of(-128, 0, 127), { class: 'int', bits: 8, signed: true, order }],
        [Uint8Array.of(0, 255), { class: 'int', bits: 8, signed: false, order }],
        [Int16Array.of(-32768, 32767), { class: 'int', bits: 16, signed: true, order }],
        [Uint16Array.of(65535), { class: 'int', bits: 16, signed: false, order }],
        [Int32Array.of(-(2 ** 31), 2 ** 31 - 1), { class: 'int', bits: 32, signed: true, order }],
        [Uint32Array.of(2 ** 32 - 1), { class: 'int', bits: 32, signed: false, order }],
        [BigInt64Array.of(-(2n ** 63n), 2n ** 63n - 1n), { class: 'int', bits: 64, signed: true, order }],
        [BigUint64Array.of(2n ** 64n - 1n), { class: 'int', bits: 64, signed: false, order }],
      ];
      cases.forEach(([data, dtype], i) => children.set(`${order}_${i}`, { kind: 'dataset', shape: [data.length], data, dtype }));
    }
    roundTrip({ children });
  });

  it('ranks 0 to 5, zero-sized dimensions anywhere, scalars of every kind', () => {
    const children: Record<string, Hdf5NodeSpec> = {};
    const shapes = [[], [0], [1], [7], [0, 5], [5, 0], [2, 3], [2, 0, 4], [1, 1, 1, 1], [2, 3, 1, 2, 3], [3, 2, 0, 1, 2]];
    shapes.forEach((shape, i) => {
      const n = shape.reduce((a, b) => a * b, 1);
      children[`f${i}`] = { kind: 'dataset', shape, data: Float32Array.from({ length: n }, (_, k) => k - 1.5) };
      children[`s${i}`] = { kind: 'dataset', shape, data: Array.from({ length: n }, (_, k) => `s${k}`) };
    });
    children.scalarInt = { kind: 'dataset', shape: [], data: BigInt64Array.of(42n) };
    children.scalarString = { kind: 'dataset', shape: [], data: ['only'], dtype: { class: 'string', size: 4, charset: 'ascii', padding: 'null-padded' } };
    const read = roundTrip({ children, attributes: { scalar: { data: Float64Array.of(2.5), shape: [] }, matrix: { data: Int32Array.of(1, 2, 3, 4, 5, 6), shape: [3, 2] }, none: { data: new Float64Array(0) } } });
    expect(dataset(read.children.get('f0')).shape).toEqual([]);
    expect(read.attributes.get('matrix')?.shape).toEqual([3, 2]);
    expect(read.attributes.get('none')?.shape).toEqual([0]);
  });

  it('strings in every encoding: empty, unicode, long, fixed sizes that fit exactly', () => {
    const texts = ['', 'a', 'naïve — 模型 🚀', 'x'.repeat(70000)];
    const children: Record<string, Hdf5NodeSpec> = {
      vlenUtf8: { kind: 'dataset', shape: [texts.length], data: texts },
      vlenAscii: { kind: 'dataset', shape: [2], data: ['', 'plain'], dtype: { class: 'string', size: 'variable', charset: 'ascii', padding: 'null-terminated' } },
      nullPadded: { kind: 'dataset', shape: [3], data: ['', 'ab', 'abcde'], dtype: { class: 'string', size: 5, charset: 'ascii', padding: 'null-padded' } },
      nullTerminated: { kind: 'dataset', shape: [2], data: ['', 'abcd'], dtype: { class: 'string', size: 5, charset: 'utf-8', padding: 'null-terminated' } },
      spacePadded: { kind: 'dataset', shape: [2], data: ['', 'a b'], dtype: { class: 'string', size: 6, charset: 'ascii', padding: 'space-padded' } },
      utf8Fixed: { kind: 'dataset', shape: [1], data: ['é模'], dtype: { class: 'string', size: 5, charset: 'utf-8', padding: 'null-padded' } },
    };
    // Many strings: more than one global heap collection.
    children.many = { kind: 'dataset', shape: [3000], data: Array.from({ length: 3000 }, (_, i) => `string number ${i} `.repeat(i % 7)) };
    const bytes = writeHdf5({ children, attributes: { big: 'y'.repeat(100000), list: { data: texts } } });
    const read = readHdf5(bytes);
    expectTreeEquals({ children, attributes: { big: 'y'.repeat(100000), list: { data: texts } } }, read, '');
    expect(Buffer.from(bytes).toString('latin1').split('GCOL').length - 1).toBeGreaterThan(1);
  });

  it('names: unicode, spaces, dots, and the names of Object.prototype properties are plain members', () => {
    const names = ['__proto__', 'constructor', 'toString', 'hasOwnProperty', 'valueOf', '模型', 'ünï cödé', 'a.b', '..', ' ', 'kernel:0', '0', '10', '2', 'Z', 'a', '\u00ff', '\u0100'];
    const children = new Map<string, Hdf5NodeSpec>(names.map((n, i) => [n, { kind: 'dataset', shape: [1], data: Int32Array.of(i) }]));
    const attributes = new Map(names.map((n) => [n, n]));
    const before = Object.getOwnPropertyNames(Object.prototype).sort();
    const read = roundTrip({ children, attributes });
    expect(Object.getOwnPropertyNames(Object.prototype).sort()).toEqual(before);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(Array.from(dataset(read.children.get('__proto__')).data as Int32Array)).toEqual([0]);
    expect(getStringAttribute(read, 'constructor')).toBe('constructor');
    // Bytewise order: '0' < '10' < '2' < 'Z' < '__proto__' < 'a' < ... < U+00FF < U+0100 < 模型.
    const keys = [...read.children.keys()];
    expect(keys.indexOf('10')).toBeLessThan(keys.indexOf('2'));
    expect(keys.indexOf('\u00ff')).toBeLessThan(keys.indexOf('\u0100'));
    expect(keys[keys.length - 1]).toBe('模型');
    // Object.create(null) children work as well as a Map.
    const bare = Object.create(null) as Record<string, Hdf5NodeSpec>;
    bare['__proto__'] = { kind: 'group' };
    expect([...readHdf5(writeHdf5({ children: bare })).children.keys()]).toEqual(['__proto__']);
  });

  it('soft links, deep nesting and empty groups', () => {
    let deep: Hdf5GroupSpec = { attributes: { leaf: 'yes' } };
    for (let i = 0; i < 100; i++) deep = { children: { [`level${i}`]: deep } };
    const read = roundTrip({ children: { deep, empty: {}, link: { kind: 'softLink', target: '/deep/level99' } } });
    const path = Array.from({ length: 100 }, (_, i) => `level${99 - i}`).join('/');
    expect(getStringAttribute(getNode(read, `deep/${path}`) as Hdf5Group, 'leaf')).toBe('yes');
    expect(read.children.get('link')).toEqual({ kind: 'softLink', target: '/deep/level99' });
  });

  it('a file after a user block (the superblock at byte 512 or 1024) reads the same', () => {
    const bytes = writeHdf5(keras3WeightsSpec());
    for (const offset of [512, 1024]) {
      const shifted = new Uint8Array(offset + bytes.length);
      shifted.fill(0x20, 0, offset);
      shifted.set(bytes, offset);
      expectTreeEquals(keras3WeightsSpec(), readHdf5(shifted), `user block ${offset}`);
    }
  });

  it('a read tree written back gives the same bytes (the writer is deterministic and the reader loses nothing)', () => {
    for (const spec of [keras3WeightsSpec(), legacyH5Spec()]) {
      const bytes = writeHdf5(spec);
      const again = writeHdf5(readHdf5(bytes));
      expect(Buffer.compare(Buffer.from(again), Buffer.from(bytes))).toBe(0);
    }
  });

  it('random trees (fast-check, seeded)', () => {
    const name = fc.oneof(fc.string({ minLength: 1, maxLength: 12 }), fc.constantFrom('__proto__', 'constructor', '0', '1', '10'))
      .filter((s) => !s.includes('/') && !s.includes('\0') && s !== '.' && !/[\uD800-\uDFFF]/.test(s));
    const shape = fc.array(fc.integer({ min: 0, max: 3 }), { maxLength: 4 });
    const datasetArb = shape.chain((sh) => {
      const n = sh.reduce((a, b) => a * b, 1);
      return fc.oneof(
        fc.array(fc.float({ noDefaultInfinity: false }), { minLength: n, maxLength: n }).map((v) => ({ kind: 'dataset' as const, shape: sh, data: Float32Array.from(v) })),
        fc.array(fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }), { minLength: n, maxLength: n }).map((v) => ({ kind: 'dataset' as const, shape: sh, data: Int32Array.from(v), dtype: { class: 'int', bits: 32, signed: true, order: 'big' } as Hdf5Dtype })),
        fc.array(fc.string({ maxLength: 5 }).filter((s) => !s.includes('\0') && !/[\uD800-\uDFFF]/.test(s)), { minLength: n, maxLength: n }).map((v) => ({ kind: 'dataset' as const, shape: sh, data: v })),
      );
    });
    const tree = fc.letrec<{ group: Hdf5GroupSpec }>((tie) => ({
      group: fc.record({
        attributes: fc.dictionary(name, fc.string({ maxLength: 8 }).filter((s) => !s.includes('\0') && !/[\uD800-\uDFFF]/.test(s)), { maxKeys: 3 }),
        children: fc.dictionary(name, fc.oneof({ depthSize: 'small' }, datasetArb, tie('group')), { maxKeys: 12 }),
      }),
    })).group;
    fc.assert(fc.property(tree, (spec) => void roundTrip(spec)), { seed: 16, numRuns: 200 });
  });
});

describe('float16', () => {
  /** A half's value by the formula of IEEE 754: (-1)^s · 2^(e-15) · (1 + m/1024), subnormals 2^-14 · m/1024. */
  function halfValue(h: number): number {
    const s = h & 0x8000 ? -1 : 1;
    const e = (h >> 10) & 31;
    const m = h & 1023;
    if (e === 31) return m === 0 ? s * Infinity : NaN;
    return e === 0 ? s * 2 ** -14 * (m / 1024) : s * 2 ** (e - 15) * (1 + m / 1024);
  }

  it('widens all 65536 halves exactly, in both byte orders', () => {
    const le = new Uint8Array(2 * 65536);
    const be = new Uint8Array(2 * 65536);
    for (let h = 0; h < 65536; h++) {
      le[2 * h] = h & 255;
      le[2 * h + 1] = h >> 8;
      be[2 * h] = h >> 8;
      be[2 * h + 1] = h & 255;
    }
    const a = halfToFloat32(le, 65536, true);
    const b = halfToFloat32(be, 65536, false);
    for (let h = 0; h < 65536; h++) {
      const want = halfValue(h);
      if (!Object.is(a[h], want) && !(Number.isNaN(want) && Number.isNaN(a[h]))) expect(a[h], `half 0x${h.toString(16)}`).toBe(want);
      expect(Object.is(a[h], b[h]) || (Number.isNaN(a[h]) && Number.isNaN(b[h]))).toBe(true);
    }
  });

  it('narrows float32 to the nearest half, ties to even, overflow to infinity', () => {
    const bits = new Uint32Array(1);
    const f = new Float32Array(bits.buffer);
    const toHalf = (x: number): number => {
      f[0] = x;
      return float32BitsToHalf(bits[0]);
    };
    // Every half maps to itself.
    for (let h = 0; h < 65536; h++) {
      if (((h >> 10) & 31) === 31 && (h & 1023) !== 0) continue; // NaNs: checked below
      expect(toHalf(halfValue(h)), `0x${h.toString(16)}`).toBe(h);
    }
    expect(toHalf(NaN) & 0x7c00).toBe(0x7c00);
    expect(toHalf(NaN) & 0x3ff).not.toBe(0);
    // Midpoints between neighbouring positive halves round to the even one (exact in float32).
    for (let h = 0; h < 0x7bff; h++) {
      const mid = (halfValue(h) + halfValue(h + 1)) / 2;
      expect(toHalf(mid), `midpoint after 0x${h.toString(16)}`).toBe(h % 2 === 0 ? h : h + 1);
      expect(toHalf(-mid)).toBe((h % 2 === 0 ? h : h + 1) | 0x8000);
    }
    // Random float32 values: no half is nearer than the one chosen.
    let s = 1;
    for (let i = 0; i < 20000; i++) {
      s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
      bits[0] = s & 0x7fffffff;
      const x = f[0];
      if (!Number.isFinite(x) || x >= 65520) continue;
      const h = float32BitsToHalf(bits[0]);
      const err = Math.abs(halfValue(h) - x);
      if (h > 0) expect(err).toBeLessThanOrEqual(Math.abs(halfValue(h - 1) - x));
      if (h < 0x7bff) expect(err).toBeLessThanOrEqual(Math.abs(halfValue(h + 1) - x));
    }
    expect(toHalf(65520)).toBe(0x7c00); // the first value that rounds past 65504
    expect(toHalf(65519.99)).toBe(0x7bff);
    expect(toHalf(2 ** -25)).toBe(0); // half the smallest subnormal: a tie, to even (0)
    expect(toHalf(2 ** -25 * 1.0001)).toBe(1);
  });
});

describe('writeHdf5 refuses what it cannot write, naming the path', () => {
  const ds = (over: Partial<{ shape: number[]; data: Hdf5Data; dtype: Hdf5Dtype }>): Hdf5NodeSpec => ({ kind: 'dataset', shape: [1], data: Float32Array.of(1), ...over }) as Hdf5NodeSpec;
  const cases: [string, Hdf5GroupSpec, RegExp][] = [
    ['a name with /', { children: { 'a/b': {} } }, /"\/": member name "a\/b" contains "\/"/],
    ['an empty name', { children: { '': {} } }, /names must be non-empty/],
    ['the name "."', { children: { '.': {} } }, /"\." is reserved/],
    ['a NUL in a name', { children: { 'a\0': {} } }, /contains a NUL character/],
    ['a lone surrogate', { children: { 'a\uD800': {} } }, /not well-formed Unicode/],
    ['too few values', { children: { x: ds({ shape: [2, 3] }) } }, /"\/x": dataset: shape \[2, 3\] holds 6 elements, the data has 1/],
    ['the wrong array for the dtype', { children: { x: ds({ dtype: { class: 'int', bits: 32, signed: true, order: 'little' } }) } }, /needs its data in a Int32Array, got Float32Array/],
    ['a uint8 dtype given Int8Array', { children: { x: ds({ data: Int8Array.of(1), dtype: { class: 'int', bits: 8, signed: false, order: 'little' } }) } }, /needs its data in a Uint8Array/],
    ['a negative dimension', { children: { x: ds({ shape: [-1] }) } }, /must be a list of at most 32 non-negative integers/],
    ['a fractional dimension', { children: { x: ds({ shape: [1.5] }) } }, /non-negative integers/],
    ['rank 33', { children: { x: ds({ shape: new Array(33).fill(1) }) } }, /at most 32/],
    ['a number array', { children: { x: ds({ data: [1, 2] as unknown as Hdf5Data, shape: [2] }) } }, /expected a string, got number/],
    ['a plain array of numbers as data with no dtype', { attributes: { a: { data: {} as unknown as Hdf5Data } } }, /data must be a typed array or a string\[\]/],
    ['non-ASCII in an ASCII string', { attributes: { a: { data: ['é'], dtype: { class: 'string', size: 4, charset: 'ascii', padding: 'null-padded' } } } }, /"é" is not ASCII/],
    ['a fixed string too long', { attributes: { a: { data: ['abcdef'], dtype: { class: 'string', size: 5, charset: 'ascii', padding: 'null-padded' } } } }, /6 bytes do not fit a null-padded string of size 5/],
    ['a null-terminated string with no room for the NUL', { attributes: { a: { data: ['abcde'], dtype: { class: 'string', size: 5, charset: 'ascii', padding: 'null-terminated' } } } }, /do not fit a null-terminated string of size 5/],
    ['a NUL in a string', { attributes: { a: 'a\0b' } }, /a NUL character cannot be stored/],
    ['a trailing space in a space-padded string', { attributes: { a: { data: ['a '], dtype: { class: 'string', size: 4, charset: 'ascii', padding: 'space-padded' } } } }, /cannot end with a space/],
    ['an unknown dtype class', { attributes: { a: { data: Float32Array.of(1), dtype: { class: 'complex' } as unknown as Hdf5Dtype } } }, /unknown dtype class "complex"/],
    ['float of 24 bits', { attributes: { a: { data: Float32Array.of(1), dtype: { class: 'float', bits: 24, order: 'little' } as unknown as Hdf5Dtype } } }, /float dtype of 24 bits/],
    ['a bad byte order', { attributes: { a: { data: Float32Array.of(1), dtype: { class: 'float', bits: 32, order: 'middle' } as unknown as Hdf5Dtype } } }, /byte order "middle"/],
    ['an attribute over 64 KiB', { attributes: { layer_names: { data: Array.from({ length: 3000 }, (_, i) => `layer_${i}`), dtype: { class: 'string', size: 30, charset: 'ascii', padding: 'null-padded' } } } }, /does not fit a version-1 object header; split the attribute/],
    ['an external link', { children: { e: { kind: 'externalLink', file: 'x.h5', target: '/a' } } }, /external links need new-style groups/],
    ['an unknown kind', { children: { e: { kind: 'table' } as unknown as Hdf5NodeSpec } }, /unknown member kind "table"/],
    ['a dataset with no shape', { children: { e: { kind: 'dataset', data: Float32Array.of(1) } as unknown as Hdf5NodeSpec } }, /a dataset needs a shape/],
    ['a soft link to nothing', { children: { e: { kind: 'softLink', target: '' } } }, /a soft link needs a non-empty target/],
    ['a null child', { children: { e: null as unknown as Hdf5NodeSpec } }, /must be an object, got null/],
  ];
  for (const [what, spec, message] of cases) {
    it(what, () => {
      let error: unknown;
      try {
        writeHdf5(spec);
      } catch (e) {
        error = e;
      }
      expect(error, what).toBeInstanceOf(Hdf5FormatError);
      expect((error as Error).message).toMatch(message);
      expect((error as Error).message).toMatch(/^HDF5 writer: "\//);
    });
  }
});

describe('fixedLengthStrings', () => {
  it('sizes the strings by their longest UTF-8 encoding, ASCII when it can, [] as empty float64', () => {
    expect(fixedLengthStrings(['dense', 'dense_1'])).toEqual({ data: ['dense', 'dense_1'], shape: [2], dtype: { class: 'string', size: 7, charset: 'ascii', padding: 'null-padded' } });
    expect(fixedLengthStrings(['é'])).toEqual({ data: ['é'], shape: [1], dtype: { class: 'string', size: 2, charset: 'utf-8', padding: 'null-padded' } });
    expect(fixedLengthStrings([''])).toMatchObject({ dtype: { size: 1 } });
    const empty = fixedLengthStrings([]);
    expect(empty.data).toBeInstanceOf(Float64Array);
    expect(empty.shape).toEqual([0]);
    const read = readHdf5(writeHdf5({ attributes: { names: fixedLengthStrings(['a', 'bcd', 'é']) } }));
    expect(getStringListAttribute(read, 'names')).toEqual(['a', 'bcd', 'é']);
  });
});

describe('getNode, getStringAttribute, getStringListAttribute', () => {
  const root = readHdf5(writeHdf5({
    attributes: { v: '1.0', list: { data: ['a', 'b'] }, fixed: { data: ['x'], dtype: { class: 'string', size: 3, charset: 'ascii', padding: 'null-padded' } }, n: { data: Float32Array.of(1, 2) }, empty: { data: new Float64Array(0) } },
    children: { a: { children: { b: { kind: 'dataset', shape: [], data: Float32Array.of(1) } } }, link: { kind: 'softLink', target: '/a' } },
  }));

  it('finds nodes by path, ignoring leading and repeated slashes, and not through datasets or links', () => {
    expect(getNode(root, '')).toBe(root);
    expect(getNode(root, '/a/b')?.kind).toBe('dataset');
    expect(getNode(root, 'a//b')?.kind).toBe('dataset');
    expect(getNode(root, 'a/b/c')).toBeUndefined();
    expect(getNode(root, 'link/b')).toBeUndefined();
    expect(getNode(root, 'nope')).toBeUndefined();
    expect(getNode(root, '__proto__')).toBeUndefined();
    expect(getNode(root, 'constructor')).toBeUndefined();
  });

  it('reads string attributes of every encoding, an empty float64 array as []', () => {
    expect(getStringAttribute(root, 'v')).toBe('1.0');
    expect(getStringAttribute(root, 'fixed')).toBe('x');
    expect(getStringAttribute(root, 'missing')).toBeUndefined();
    expect(getStringListAttribute(root, 'list')).toEqual(['a', 'b']);
    expect(getStringListAttribute(root, 'v')).toEqual(['1.0']);
    expect(getStringListAttribute(root, 'empty')).toEqual([]);
    expect(() => getStringAttribute(root, 'list')).toThrow(/expected one string, found 2 strings of shape \[2\]/);
    expect(() => getStringAttribute(root, 'n')).toThrow(/expected one string, found 2 float32 values/);
    expect(() => getStringListAttribute(root, 'n')).toThrow(/expected a list of strings, found 2 float32 values/);
  });
});
