// readHdf5 and writeHdf5 against libhdf5 itself, through h5wasm (HDF5 2.0.0 compiled to
// WebAssembly, a devDependency only).
//
// What h5wasm writes (found by writing files and reading their bytes; each fact is asserted below):
//   - By default its libver bounds are ['v108', 'v200']: superblock version 2, version-2 object
//     headers ("OHDR"), new-style groups: link messages in the header, and past 8 links a link
//     info message with dense storage (a fractal heap "FRHP" indexed by a v2 B-tree "BTHD");
//     more than 8 attributes go to dense attribute storage the same way. Chunked datasets still
//     use layout version 3 with a v1 B-tree index (layout 4 needs a low bound of 1.10).
//   - With libver ['earliest', 'v200'] it writes what h5py writes by default and what every real
//     Keras file has: superblock 0, version-1 object headers, old-style groups (symbol table,
//     v1 B-tree "TREE", local heap "HEAP", "SNOD" leaves). libver 'earliest' alone means
//     ['earliest', 'earliest'], which HDF5 2.0 rejects, and h5wasm then silently keeps its default.
//   - Strings: a JS string becomes a variable-length UTF-8 string marked space-padded; dtype
//     'S<n>' a fixed-length UTF-8 space-padded string whose unused bytes are NULs (not spaces);
//     'A<n>' a fixed-length ASCII null-terminated string. It cannot write big-endian data,
//     float16 values (nor read them: no Float16Array in Node 20), or a null-padded string.
//   - Filters: one per dataset (deflate/gzip, shuffle (id 2), fletcher32 (id 3), szip (id 4)).
//   - With a low bound of 'v110', chunked datasets get layout version 4: a single-chunk index when
//     one chunk covers the dataset (read here), a fixed array index for fixed-size datasets and an
//     extensible array for resizable ones (both refused by name: no Keras file has them).
// So files in Keras's own layout (superblock 0, fixed-length null-padded names, big-endian...) are
// also produced by writeHdf5 and checked by h5wasm in the first half of this file.

import { describe, expect, it } from 'vitest';
import { getNode, getStringAttribute, getStringListAttribute, Hdf5FormatError, readHdf5, writeHdf5, type Hdf5Dataset, type Hdf5Group, type Hdf5GroupSpec, type Hdf5NodeSpec } from '../../../src/formats/hdf5/index.js';
import { contains, expectSameDataset, expectSameTree, H5PY_LIBVER, h5wasmFile, openWithH5wasm, type H5File, type H5Group } from './h5wasm.js';
import { floats, KERAS3_LAYERS, keras3WeightsSpec, keras3WeightsWithH5wasm, LEGACY_LAYERS, legacyH5Spec, legacyH5WithH5wasm, MODEL_CONFIG } from './keras_layouts.js';

/** Writes a spec with writeHdf5, opens it in h5wasm, runs `check`, closes. */
async function inH5wasm(spec: Hdf5GroupSpec, check: (f: H5File) => void): Promise<Uint8Array> {
  const bytes = writeHdf5(spec);
  const { file } = await openWithH5wasm(bytes);
  try {
    check(file);
  } finally {
    file.close();
  }
  return bytes;
}

/** Groups and datasets in a spec, the root included. */
function countNodes(spec: Hdf5NodeSpec): number {
  if (spec.kind === 'dataset' || spec.kind === 'softLink' || spec.kind === 'externalLink') return 1;
  return 1 + Object.values(spec.children ?? {}).reduce((n: number, c) => n + countNodes(c as Hdf5NodeSpec), 0);
}

describe('files writeHdf5 produces open in libhdf5 (h5wasm)', () => {
  it('are laid out as Keras files are: superblock 0, version-1 headers, old-style groups', () => {
    const bytes = writeHdf5(keras3WeightsSpec());
    expect([...bytes.subarray(0, 8)]).toEqual([0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a]);
    expect(bytes[8]).toBe(0); // superblock version 0
    expect([bytes[13], bytes[14]]).toEqual([8, 8]); // sizes of offsets and lengths
    const view = new DataView(bytes.buffer, bytes.byteOffset);
    expect([view.getUint16(16, true), view.getUint16(18, true)]).toEqual([4, 16]); // group leaf and internal K
    expect(Number(view.getBigUint64(40, true))).toBe(bytes.length); // end-of-file address
    expect(view.getUint32(72, true)).toBe(1); // the root entry's cache type
    for (const sig of ['TREE', 'SNOD', 'HEAP', 'GCOL']) expect(contains(bytes, sig), sig).toBe(true);
    for (const sig of ['OHDR', 'FRHP', 'BTHD']) expect(contains(bytes, sig), sig).toBe(false);
  });

  it('a Keras 3 model.weights.h5: layers/<path>/vars/<i>, optimizer/vars/<i> past 8 entries, name attributes', async () => {
    const spec = keras3WeightsSpec();
    const bytes = await inH5wasm(spec, (f) => {
      expect(f.keys()).toEqual(['layers', 'optimizer', 'vars']);
      const layers = f.get('layers') as H5Group;
      expect(layers.keys()).toEqual(['batch_normalization', 'conv1d', 'conv2d', 'dense', 'dense_1', 'dense_2', 'dropout', 'flatten', 'lstm', 'max_pooling2d']);
      for (const [path, name, shapes] of KERAS3_LAYERS) {
        const vars = f.get(`${path}/vars`) as H5Group;
        expect(vars.attrs.name.value, path).toBe(name);
        expect(vars.attrs.name.metadata.vlen).toBe(true);
        expect(vars.keys().length, path).toBe(shapes.length);
        shapes.forEach((shape, i) => {
          const d = f.get(`${path}/vars/${i}`) as unknown as { shape: number[]; dtype: string; value: Float32Array };
          expect(d.shape, `${path}/${i}`).toEqual(shape);
          expect(d.dtype).toBe('<f');
        });
      }
      const opt = f.get('optimizer/vars') as H5Group;
      const count = 2 + 2 * KERAS3_LAYERS.flatMap(([, , s]) => s).length;
      expect(opt.keys().length).toBe(count);
      expect(opt.keys().slice(0, 4)).toEqual(['0', '1', '10', '11']); // bytewise order, as h5py lists it
      const iteration = f.get('optimizer/vars/0') as unknown as { shape: number[]; dtype: string; value: bigint };
      expect(iteration.shape).toEqual([]);
      expect(iteration.dtype).toBe('<q');
      expect(iteration.value).toBe(12n);
      expect(Array.from((f.get('layers/lstm/cell/vars/1') as unknown as { value: Float32Array }).value)).toEqual(Array.from(floats(8 * 32, 61)));
    });
    // And every value agrees with what readHdf5 reads from the same bytes.
    const { file } = await openWithH5wasm(bytes);
    const counted = expectSameTree(readHdf5(bytes), file);
    file.close();
    expect(counted.objects).toBe(countNodes(spec));
  });

  it('a legacy .h5: model_config, keras_version, backend, fixed-length layer_names and weight_names, empty float64 weight_names', async () => {
    await inH5wasm(legacyH5Spec(), (f) => {
      expect(f.attrs.keras_version.value).toBe('2.4.0');
      expect(f.attrs.backend.value).toBe('tensorflow');
      expect(f.attrs.model_config.value).toBe(MODEL_CONFIG);
      expect(f.attrs.model_config.metadata).toMatchObject({ vlen: true, cset: 0 });
      const mw = f.get('model_weights') as H5Group;
      expect(mw.attrs.layer_names.value).toEqual(LEGACY_LAYERS.map(([n]) => n));
      expect(mw.attrs.layer_names.metadata).toMatchObject({ vlen: false, size: 7, cset: 0, strpad: 1 }); // null-padded, as h5py writes numpy bytes
      for (const [layer, weights] of LEGACY_LAYERS) {
        const g = f.get(`model_weights/${layer}`) as H5Group;
        if (weights.length === 0) {
          expect(g.attrs.weight_names.metadata).toMatchObject({ type: 1, size: 8, shape: [0] });
          continue;
        }
        expect(g.attrs.weight_names.value).toEqual(weights.map(([n]) => n));
        for (const [name, shape] of weights) expect((f.get(`model_weights/${layer}/${name}`) as unknown as { shape: number[] }).shape).toEqual(shape);
      }
      expect((f.get('optimizer_weights/Adam/iter:0') as unknown as { value: bigint }).value).toBe(5n);
    });
  });

  it('every dtype, both byte orders, scalars, ranks 0 to 5, empty datasets, fixed and variable strings', async () => {
    const children: Record<string, Hdf5NodeSpec> = {};
    const orders = ['little', 'big'] as const;
    for (const order of orders) {
      children[`f32_${order}`] = { kind: 'dataset', shape: [2, 3], data: new Float32Array([1.5, -2, Infinity, -0, 3.4e38, 1e-45]), dtype: { class: 'float', bits: 32, order } };
      children[`f64_${order}`] = { kind: 'dataset', shape: [3], data: new Float64Array([Math.PI, -1e300, 5e-324]), dtype: { class: 'float', bits: 64, order } };
      children[`f16_${order}`] = { kind: 'dataset', shape: [2], data: new Float32Array([1, 0.5]), dtype: { class: 'float', bits: 16, order } };
      const ints: [string, Hdf5NodeSpec['kind'] extends never ? never : ArrayLike<unknown> & object, 8 | 16 | 32 | 64, boolean][] = [
        ['i8', Int8Array.of(-128, 127), 8, true], ['u8', Uint8Array.of(0, 255), 8, false], ['i16', Int16Array.of(-32768, 32767), 16, true],
        ['u16', Uint16Array.of(0, 65535), 16, false], ['i32', Int32Array.of(-(2 ** 31), 2 ** 31 - 1), 32, true], ['u32', Uint32Array.of(0, 2 ** 32 - 1), 32, false],
        ['i64', BigInt64Array.of(-(2n ** 63n), 2n ** 63n - 1n), 64, true], ['u64', BigUint64Array.of(0n, 2n ** 64n - 1n), 64, false],
      ];
      for (const [name, data, bits, signed] of ints) {
        children[`${name}_${order}`] = { kind: 'dataset', shape: [2], data: data as never, dtype: { class: 'int', bits, signed, order } };
      }
    }
    for (let rank = 0; rank <= 5; rank++) {
      const shape = Array.from({ length: rank }, (_, i) => i + 1);
      children[`rank${rank}`] = { kind: 'dataset', shape, data: floats(shape.reduce((a, b) => a * b, 1), rank) };
    }
    children.empty = { kind: 'dataset', shape: [0], data: new Float32Array(0) };
    children.empty2d = { kind: 'dataset', shape: [3, 0], data: new Int32Array(0) };
    children.fixed = { kind: 'dataset', shape: [2], data: ['ab', 'cdefg'], dtype: { class: 'string', size: 5, charset: 'ascii', padding: 'null-padded' } };
    children.fixedUtf8 = { kind: 'dataset', shape: [1], data: ['é!'], dtype: { class: 'string', size: 4, charset: 'utf-8', padding: 'null-terminated' } };
    children.spaced = { kind: 'dataset', shape: [1], data: ['xy'], dtype: { class: 'string', size: 6, charset: 'ascii', padding: 'space-padded' } };
    children.vlen = { kind: 'dataset', shape: [3], data: ['', 'naïve', 'x'.repeat(10000)] };
    const spec: Hdf5GroupSpec = { children };
    const bytes = await inH5wasm(spec, (f) => {
      expect((f.get('f32_big') as unknown as { dtype: string }).dtype).toBe('>f');
      expect((f.get('f16_big') as unknown as { dtype: string }).dtype).toBe('>e');
      expect((f.get('u64_big') as unknown as { dtype: string }).dtype).toBe('>Q');
      expect((f.get('rank0') as unknown as { shape: number[] }).shape).toEqual([]);
      expect((f.get('rank5') as unknown as { shape: number[] }).shape).toEqual([1, 2, 3, 4, 5]);
      expect((f.get('empty2d') as unknown as { shape: number[] }).shape).toEqual([3, 0]);
      expect((f.get('spaced') as unknown as { value: string[] }).value).toEqual(['xy    ']); // the padding, as stored
    });
    const { file } = await openWithH5wasm(bytes);
    const root = readHdf5(bytes);
    const counted = expectSameTree(root, file); // values of every dataset (float16: metadata only)
    file.close();
    expect(counted.objects).toBe(1 + Object.keys(children).length);
    // float16 values: h5wasm cannot read them, so check the bytes: 1.0 = 0x3c00, 0.5 = 0x3800.
    expect(Array.from((getNode(root, 'f16_big') as Hdf5Dataset).data as Float32Array)).toEqual([1, 0.5]);
    const f16 = bytes.indexOf(0x3c, (root.children.get('f16_big') as Hdf5Dataset).address); // big-endian: 3c 00 38 00
    expect([...bytes.subarray(f16, f16 + 4)]).toEqual([0x3c, 0x00, 0x38, 0x00]);
  });

  it('groups of 0, 1, 8, 9, 256, 257 and 600 members: listed in order and found by name (the B-tree keys are right)', async () => {
    const sizes = [0, 1, 8, 9, 256, 257, 600];
    const children: Record<string, Hdf5NodeSpec> = {};
    for (const n of sizes) {
      const members = new Map<string, Hdf5NodeSpec>();
      for (let i = n - 1; i >= 0; i--) members.set(`m${i}`, { kind: 'dataset', shape: [1], data: Int32Array.of(i) });
      children[`g${n}`] = { children: members };
    }
    await inH5wasm({ children }, (f) => {
      for (const n of sizes) {
        const g = f.get(`g${n}`) as H5Group;
        const names = Array.from({ length: n }, (_, i) => `m${i}`).sort();
        expect(g.keys(), `group of ${n}`).toEqual(names);
        // Lookup by name walks the B-tree by its keys: each member, including the first and last of every leaf.
        for (let i = 0; i < n; i += n > 20 ? 7 : 1) expect(Array.from((f.get(`g${n}/m${i}`) as unknown as { value: Int32Array }).value), `g${n}/m${i}`).toEqual([i]);
        if (n > 0) expect(Array.from((f.get(`g${n}/${names[n - 1]}`) as unknown as { value: Int32Array }).value)).toEqual([Number(names[n - 1].slice(1))]);
      }
    });
  });

  it('unicode names, "__proto__" and other prototype names, soft links, attributes on datasets', async () => {
    const children = new Map<string, Hdf5NodeSpec>([
      ['__proto__', { kind: 'group', attributes: new Map([['constructor', 'x'], ['__proto__', 'y']]) }],
      ['constructor', { kind: 'dataset', shape: [1], data: Float32Array.of(1) }],
      ['模型', { kind: 'dataset', shape: [], data: Float64Array.of(2), attributes: { 'ünits': { data: Int16Array.of(3, 4) } } }],
      ['alias', { kind: 'softLink', target: '/模型' }],
    ]);
    await inH5wasm({ children }, (f) => {
      expect(f.keys().sort()).toEqual(['__proto__', 'alias', 'constructor', '模型'].sort());
      expect(Object.keys((f.get('__proto__') as H5Group).attrs).sort()).toEqual(['__proto__', 'constructor']);
      expect((f.get('模型') as unknown as { value: number }).value).toBe(2);
      expect(Array.from((f.get('模型') as unknown as { attrs: Record<string, { value: Int16Array }> }).attrs['ünits'].value)).toEqual([3, 4]);
      expect(f.get_link('alias')).toBe('/模型');
      expect((f.get('alias') as unknown as { value: number }).value).toBe(2);
    });
  });

  it('libhdf5 can also append to a file writeHdf5 made, and readHdf5 reads the result', async () => {
    const { file, path } = await openWithH5wasm(writeHdf5(keras3WeightsSpec()), 'a');
    const vars = file.get('layers/dense/vars') as H5Group;
    vars.create_dataset({ name: '2', data: Float32Array.of(7, 8) });
    vars.create_attribute('extra', 'added by libhdf5');
    for (let i = 0; i < 40; i++) (file.get('layers') as H5Group).create_group(`added_${i}`);
    file.create_attribute('long', 'z'.repeat(20000));
    file.close();
    const { readFileSync } = await import('node:fs');
    const bytes = new Uint8Array(readFileSync(path));
    const root = readHdf5(bytes);
    expect(Array.from((getNode(root, 'layers/dense/vars/2') as Hdf5Dataset).data as Float32Array)).toEqual([7, 8]);
    expect(getStringAttribute(getNode(root, 'layers/dense/vars') as Hdf5Group, 'extra')).toBe('added by libhdf5');
    expect((getNode(root, 'layers') as Hdf5Group).children.size).toBe(10 + 40);
    expect(getStringAttribute(root, 'long')).toBe('z'.repeat(20000));
    const again = await openWithH5wasm(bytes);
    expectSameTree(root, again.file);
    again.file.close();
  });
});

describe('files h5wasm writes are read by readHdf5', () => {
  it('layout version 4 (libver v110): single-chunk indexes are read, fixed and extensible arrays named', async () => {
    const values = floats(100, 4);
    const bytes = await h5wasmFile((f) => {
      f.create_dataset({ name: 'single', data: values, shape: [10, 10], chunks: [10, 10] });
      f.create_dataset({ name: 'single_gzip', data: values, shape: [10, 10], chunks: [10, 10], compression: 'gzip' });
    }, ['v110', 'v200']);
    const root = readHdf5(bytes);
    const { file } = await openWithH5wasm(bytes);
    expectSameTree(root, file);
    file.close();
    expect((root.children.get('single_gzip') as Hdf5Dataset).storage.filters).toEqual(['deflate']);
    const fixed = await h5wasmFile((f) => f.create_dataset({ name: 'd', data: values, shape: [10, 10], chunks: [5, 5] }), ['v110', 'v200']);
    expect(() => readHdf5(fixed)).toThrow(/HDF5 data layout message at byte \d+: chunk index "fixed array" \(layout version 4, written by HDF5 1.10\+ with libver "latest"\) is not supported/);
    const growing = await h5wasmFile((f) => f.create_dataset({ name: 'd', data: values, shape: [100], maxshape: [null], chunks: [10] }), ['v110', 'v200']);
    expect(() => readHdf5(growing)).toThrow(/chunk index "extensible array"/);
  });

  for (const [label, libver] of [['h5py-like (libver earliest)', H5PY_LIBVER], ["h5wasm's default libver", undefined]] as const) {
    describe(label, () => {
      it('have the structures this header says', async () => {
        const bytes = await h5wasmFile((f) => {
          for (let i = 0; i < 12; i++) f.create_group(`g${i}`);
          for (let i = 0; i < 12; i++) f.create_attribute(`a${i}`, i);
        }, libver);
        if (libver === undefined) {
          expect(bytes[8]).toBe(2);
          for (const sig of ['OHDR', 'FRHP', 'BTHD']) expect(contains(bytes, sig), sig).toBe(true);
          expect(contains(bytes, 'SNOD')).toBe(false);
        } else {
          expect(bytes[8]).toBe(0);
          for (const sig of ['OHDR', 'FRHP', 'BTHD']) expect(contains(bytes, sig), sig).toBe(false);
          expect(contains(bytes, 'SNOD')).toBe(true);
        }
        const root = readHdf5(bytes);
        expect(root.children.size).toBe(12);
        expect([...root.attributes.keys()]).toEqual(Array.from({ length: 12 }, (_, i) => `a${i}`).sort());
      });

      it('a Keras 3 weights file and a legacy .h5, value for value', async () => {
        for (const build of [keras3WeightsWithH5wasm, legacyH5WithH5wasm]) {
          const bytes = await h5wasmFile(build, libver);
          const root = readHdf5(bytes);
          const { file } = await openWithH5wasm(bytes);
          const counted = expectSameTree(root, file);
          file.close();
          expect(counted.objects).toBeGreaterThan(10);
        }
        const legacy = readHdf5(await h5wasmFile(legacyH5WithH5wasm, libver));
        const mw = getNode(legacy, 'model_weights') as Hdf5Group;
        expect(getStringListAttribute(mw, 'layer_names')).toEqual(LEGACY_LAYERS.map(([n]) => n));
        expect(getStringListAttribute(getNode(mw, 'dropout') as Hdf5Group, 'weight_names')).toEqual([]);
        expect(getStringListAttribute(getNode(mw, 'lstm') as Hdf5Group, 'weight_names')).toEqual(LEGACY_LAYERS[2][1].map(([n]) => n));
        expect(getStringAttribute(legacy, 'model_config')).toBe(MODEL_CONFIG);
      });

      it('chunked datasets: deflate at several levels, shuffle, fletcher32, partial edge chunks, chunks never written', async () => {
        const values = floats(23 * 17, 5);
        const bytes = await h5wasmFile((f) => {
          for (const level of [1, 6, 9]) f.create_dataset({ name: `gzip${level}`, data: values, shape: [23, 17], chunks: [5, 4], compression: 'gzip', compression_opts: level });
          f.create_dataset({ name: 'shuffle', data: values, shape: [23, 17], chunks: [8, 8], compression: 2, compression_opts: [] });
          f.create_dataset({ name: 'fletcher32', data: values, shape: [23, 17], chunks: [23, 17], compression: 3, compression_opts: [] });
          f.create_dataset({ name: 'plain_chunks', data: new Int16Array(60).map((_, i) => i - 30), shape: [3, 4, 5], chunks: [2, 3, 2] });
          f.create_dataset({ name: 'one_d', data: new Float64Array(1000).map((_, i) => i / 7), shape: [1000], chunks: [64], compression: 'gzip' });
          const grown = f.create_dataset({ name: 'grown', data: Int32Array.of(1, 2, 3), shape: [3], maxshape: [null], chunks: [2] });
          grown.resize([9]); // elements 3..8 were never written: fill value 0
        }, libver);
        const root = readHdf5(bytes);
        const { file } = await openWithH5wasm(bytes);
        for (const name of ['gzip1', 'gzip6', 'gzip9', 'shuffle', 'fletcher32', 'plain_chunks', 'one_d', 'grown']) {
          const d = root.children.get(name) as Hdf5Dataset;
          expect(d.storage.layout, name).toBe('chunked');
          expectSameDataset(d, file.get(name) as never, name);
        }
        file.close();
        expect((root.children.get('gzip6') as Hdf5Dataset).storage).toEqual({ layout: 'chunked', chunks: [5, 4], filters: ['deflate'] });
        expect((root.children.get('shuffle') as Hdf5Dataset).storage.filters).toEqual(['shuffle']);
        expect(Array.from((root.children.get('grown') as Hdf5Dataset).data as Int32Array)).toEqual([1, 2, 3, 0, 0, 0, 0, 0, 0]);
        for (const name of ['gzip1', 'gzip6', 'gzip9', 'shuffle', 'fletcher32']) {
          expect(Array.from((root.children.get(name) as Hdf5Dataset).data as Float32Array), name).toEqual(Array.from(values));
        }
        expect(Array.from((root.children.get('plain_chunks') as Hdf5Dataset).data as Int16Array)).toEqual(Array.from({ length: 60 }, (_, i) => i - 30));
      });

      it('every dtype h5wasm writes, string datasets and attributes in each encoding, scalars and empty arrays', async () => {
        const bytes = await h5wasmFile((f) => {
          const typed = { i8: Int8Array.of(-5, 5), u8: Uint8Array.of(0, 200), i16: Int16Array.of(-300, 300), u16: Uint16Array.of(60000), i32: Int32Array.of(-70000), u32: Uint32Array.of(4e9), i64: BigInt64Array.of(-(2n ** 40n)), u64: BigUint64Array.of(2n ** 63n), f32: Float32Array.of(0.25, NaN), f64: Float64Array.of(-0, 1e-310) };
          for (const [name, data] of Object.entries(typed)) {
            f.create_dataset({ name, data });
            f.create_attribute(`attr_${name}`, data);
          }
          f.create_dataset({ name: 'scalar', data: 3.5, shape: [] });
          f.create_dataset({ name: 'empty', data: new Float32Array(0), shape: [0] });
          f.create_dataset({ name: 'vlen', data: ['a', 'éé', ''] });
          f.create_dataset({ name: 'fixed_utf8', data: ['ab', 'cde'], dtype: 'S5' });
          f.create_dataset({ name: 'fixed_ascii', data: ['ab', 'cde'], dtype: 'A5' });
          f.create_attribute('s_scalar', 'one');
          f.create_attribute('s_list', ['p', 'qq']);
          f.create_attribute('s_fixed', ['x', 'yy'], null, 'S3');
          f.create_attribute('s_ascii', 'x', null, 'A4');
          f.create_attribute('n_scalar', 2.5);
          f.create_attribute('n_int', 7);
          f.create_attribute('n_empty', new Float64Array(0), [0]);
          f.create_attribute('n_matrix', Float32Array.of(1, 2, 3, 4, 5, 6), [2, 3]);
        }, libver);
        const root = readHdf5(bytes);
        const { file } = await openWithH5wasm(bytes);
        const counted = expectSameTree(root, file);
        file.close();
        expect(counted.attributes).toBe(10 + 8);
        expect(root.attributes.get('n_matrix')?.shape).toEqual([2, 3]);
        expect(root.attributes.get('s_scalar')?.shape).toEqual([]);
        expect((root.children.get('fixed_utf8') as Hdf5Dataset).data).toEqual(['ab', 'cde']);
        expect((root.children.get('f32') as Hdf5Dataset).data[1]).toBeNaN();
      });

      it('soft and external links are reported, not followed', async () => {
        const bytes = await h5wasmFile((f) => {
          f.create_group('real').create_dataset({ name: 'x', data: Float32Array.of(1) });
          f.create_soft_link('/real/x', 'soft');
          f.create_soft_link('/nowhere', 'dangling');
          f.create_external_link('other.h5', '/weights', 'external');
          f.create_hard_link('/real', 'hard');
        }, libver);
        const root = readHdf5(bytes);
        expect(root.children.get('soft')).toEqual({ kind: 'softLink', target: '/real/x' });
        expect(root.children.get('dangling')).toEqual({ kind: 'softLink', target: '/nowhere' });
        expect(root.children.get('external')).toEqual({ kind: 'externalLink', file: 'other.h5', target: '/weights' });
        // A hard link to the same group is the same record.
        expect(root.children.get('hard')).toBe(root.children.get('real'));
      });

      it('features outside the reader are named with their offset: compound types, the szip filter', async () => {
        const compound = await h5wasmFile((f) => f.create_dataset({ name: 'c', data: new Map<string, Int32Array | Float64Array>([['a', Int32Array.of(1)], ['b', Float64Array.of(2.5)]]) }), libver);
        expect(() => readHdf5(compound)).toThrow(/compound datatype \(class 6\) is not supported/);
        // szip: nearest-neighbour coding, 16 pixels a block (libaec fails on some float data; ramps compress).
        const ramp = Float32Array.from({ length: 64 }, (_, i) => i);
        const szip = await h5wasmFile((f) => f.create_dataset({ name: 's', data: ramp, shape: [64], chunks: [32], compression: 4, compression_opts: [32, 16] }), libver);
        const check = await openWithH5wasm(szip);
        expect(Array.from((check.file.get('s') as unknown as { value: Float32Array }).value)).toEqual(Array.from(ramp)); // the file is valid
        check.file.close();
        let error: unknown;
        try {
          readHdf5(szip);
        } catch (e) {
          error = e;
        }
        expect(error).toBeInstanceOf(Hdf5FormatError);
        expect((error as Error).message).toMatch(/dataset "\/s" at byte \d+: the filter "szip" is not supported/);
        expect((error as Hdf5FormatError).offset).toBeGreaterThan(0);
      });
    });
  }
});
