// The plain records the HDF5 reader returns and the writer takes: groups, datasets, attributes,
// their element types and their values. No classes, no methods: data a caller can walk, compare
// and hand back to the writer as it is.

/**
 * Byte order of a numeric type in the file. Values in memory are always in the host's order.
 *
 * @example
 * ```ts
 * const order: Hdf5ByteOrder = 'big';   // what a file from a big-endian machine may declare
 * ```
 */
export type Hdf5ByteOrder = 'little' | 'big';

/**
 * The element type of a dataset or attribute, as the file declares it.
 *
 * - `float`: IEEE floating point of 16, 32 or 64 bits. float16 values are widened to float32 on
 *   reading (a `Float32Array`), and narrowed back (rounding to nearest even) on writing.
 * - `int`: two's-complement (signed) or unsigned integers of 8, 16, 32 or 64 bits.
 * - `string`: text, either `size` bytes per element (fixed-length, padded as `padding` says) or
 *   `size: 'variable'` (each element stored in the file's global heap, as h5py writes a Python
 *   `str`). `charset` is what the file declares; the bytes are decoded as UTF-8 either way (ASCII
 *   is a subset), and an `'ascii'` string must hold only ASCII characters when written.
 *
 * @example
 * ```ts
 * const kernel: Hdf5Dtype = { class: 'float', bits: 32, order: 'little' };
 * const layerNames: Hdf5Dtype = { class: 'string', size: 7, charset: 'ascii', padding: 'null-padded' };
 * const kerasVersion: Hdf5Dtype = { class: 'string', size: 'variable', charset: 'utf-8', padding: 'null-terminated' };
 * ```
 */
export type Hdf5Dtype =
  | { readonly class: 'float'; readonly bits: 16 | 32 | 64; readonly order: Hdf5ByteOrder }
  | { readonly class: 'int'; readonly bits: 8 | 16 | 32 | 64; readonly signed: boolean; readonly order: Hdf5ByteOrder }
  | {
      readonly class: 'string';
      readonly size: number | 'variable';
      readonly charset: 'ascii' | 'utf-8';
      readonly padding: 'null-terminated' | 'null-padded' | 'space-padded';
    };

/**
 * The values of a dataset or attribute, flattened in row-major (C) order: a typed array matching
 * the dtype (float16 and float32 → `Float32Array`, float64 → `Float64Array`, int8 → `Int8Array`, …,
 * int64 → `BigInt64Array`, uint64 → `BigUint64Array`), or a `string[]` for string types.
 *
 * @example
 * ```ts
 * const bias: Hdf5Data = new Float32Array([0.1, -0.2]);
 * const names: Hdf5Data = ['dense', 'dense_1'];
 * ```
 */
export type Hdf5Data =
  | Float32Array
  | Float64Array
  | Int8Array
  | Int16Array
  | Int32Array
  | BigInt64Array
  | Uint8Array
  | Uint16Array
  | Uint32Array
  | BigUint64Array
  | string[];

/**
 * An attribute: a small named value attached to a group or dataset. `shape` is `[]` for a scalar
 * (then `data` has one element), `[n]` for a list, and so on; `data.length` is always the product
 * of `shape`.
 *
 * @example
 * ```ts
 * const a: Hdf5Attribute = { dtype: { class: 'string', size: 'variable', charset: 'utf-8', padding: 'null-terminated' }, shape: [], data: ['3.6.0'] };
 * ```
 */
export interface Hdf5Attribute {
  /** The element type. */
  readonly dtype: Hdf5Dtype;
  /** The dimensions: `[]` for a scalar. */
  readonly shape: readonly number[];
  /** The values, row-major; one element for a scalar. */
  readonly data: Hdf5Data;
}

/**
 * How a dataset's values are stored in the file (informational: the reader has already read them).
 *
 * @example
 * ```ts
 * const storage: Hdf5Storage = { layout: 'chunked', chunks: [64, 64], filters: ['shuffle', 'deflate'] };
 * ```
 */
export interface Hdf5Storage {
  /** `contiguous` (one block), `chunked` (tiles indexed by a B-tree) or `compact` (inside the object header). */
  readonly layout: 'contiguous' | 'chunked' | 'compact';
  /** The chunk dimensions of a chunked dataset, else `undefined`. */
  readonly chunks?: readonly number[];
  /** The filter pipeline, in the order the filters were applied when writing: e.g. `['shuffle', 'deflate']`. */
  readonly filters: readonly string[];
}

/**
 * A dataset read from a file: an n-dimensional array of one dtype, with its attributes.
 *
 * @example
 * ```ts
 * const root = readHdf5(bytes);
 * const kernel = getNode(root, 'layers/dense/vars/0');
 * if (kernel?.kind === 'dataset') console.log(kernel.shape, kernel.data);
 * ```
 */
export interface Hdf5Dataset {
  /** Tells a dataset from a group or a link. */
  readonly kind: 'dataset';
  /** The dimensions: `[]` for a scalar, `[0]` (or any zero) for an empty dataset. */
  readonly shape: readonly number[];
  /** The element type as stored. */
  readonly dtype: Hdf5Dtype;
  /** The values, row-major, `shape`'s product long. */
  readonly data: Hdf5Data;
  /** The attributes by name, listed sorted bytewise by name (as h5py lists them). */
  readonly attributes: ReadonlyMap<string, Hdf5Attribute>;
  /** Layout and filters as found in the file. */
  readonly storage: Hdf5Storage;
  /** The byte address of the dataset's object header (for error messages and debugging). */
  readonly address: number;
}

/**
 * A group: attributes and named children. `children` is a `Map`, so a name such as `__proto__`
 * is an ordinary key, and its iteration order is the file's order: for old-style groups (all
 * Keras files) names sorted bytewise, so `'10'` comes before `'2'`. Look variables up by name,
 * never by position.
 *
 * @example
 * ```ts
 * const root = readHdf5(bytes);
 * for (const [name, child] of root.children) console.log(name, child.kind);
 * ```
 */
export interface Hdf5Group {
  /** Tells a group from a dataset or a link. */
  readonly kind: 'group';
  /** The attributes by name, listed sorted bytewise by name (as h5py lists them). */
  readonly attributes: ReadonlyMap<string, Hdf5Attribute>;
  /** The members by name, in the file's order. */
  readonly children: ReadonlyMap<string, Hdf5Node>;
  /** The byte address of the group's object header. The same address reached twice (a hard link) yields the same record. */
  readonly address: number;
}

/**
 * A soft link (a path inside the same file) or an external link (a path in another file). The
 * reader reports these rather than following them; Keras refuses files that contain them.
 *
 * @example
 * ```ts
 * const child = root.children.get('alias');
 * if (child?.kind === 'softLink') console.log('points to', child.target);
 * ```
 */
export type Hdf5Link =
  | { readonly kind: 'softLink'; readonly target: string }
  | { readonly kind: 'externalLink'; readonly file: string; readonly target: string };

/**
 * Anything a group can hold.
 *
 * @example
 * ```ts
 * function describe(node: Hdf5Node): string {
 *   return node.kind === 'dataset' ? `dataset ${node.shape.join('x')}` : node.kind;
 * }
 * ```
 */
export type Hdf5Node = Hdf5Group | Hdf5Dataset | Hdf5Link;

/**
 * A value to write: the data, its shape (default: 1-D, `[data.length]`) and its dtype (default:
 * from the array's class; `string[]` → variable-length UTF-8). A read {@link Hdf5Attribute} is a
 * valid spec as it is.
 *
 * @example
 * ```ts
 * const scalar: Hdf5ValueSpec = { data: new BigInt64Array([3n]), shape: [] };
 * const emptyList: Hdf5ValueSpec = { data: new Float64Array(0) };   // what h5py writes for []
 * ```
 */
export interface Hdf5ValueSpec {
  /** The values, row-major. */
  readonly data: Hdf5Data;
  /** The dimensions; `[]` for a scalar. Default `[data.length]`. */
  readonly shape?: readonly number[];
  /** The element type. Default: float32/float64/intN/uintN from the typed array, variable-length UTF-8 for strings. */
  readonly dtype?: Hdf5Dtype;
}

/**
 * An attribute to write. A plain `string` is a scalar variable-length UTF-8 string: what h5py
 * writes for a Python `str` (Keras's `keras_version`, `backend`, the `name` of a `vars` group).
 *
 * @example
 * ```ts
 * const attrs: Record<string, Hdf5AttributeSpec> = {
 *   backend: 'tensorflow',
 *   layer_names: { data: ['dense'], dtype: { class: 'string', size: 5, charset: 'ascii', padding: 'null-padded' } },
 * };
 * ```
 */
export type Hdf5AttributeSpec = string | Hdf5ValueSpec;

/**
 * Named entries for the writer: a plain object or a `Map` (use a `Map`, or an object built with
 * `Object.create(null)`, for a name such as `__proto__`, which an object literal cannot hold).
 *
 * @example
 * ```ts
 * const children: Hdf5Entries<Hdf5NodeSpec> = new Map([['__proto__', { kind: 'group' }]]);
 * ```
 */
export type Hdf5Entries<T> = ReadonlyMap<string, T> | { readonly [name: string]: T };

/**
 * A dataset to write (always stored contiguous, unfiltered: the layout of every Keras file).
 *
 * @example
 * ```ts
 * const kernel: Hdf5DatasetSpec = { kind: 'dataset', shape: [2, 3], data: new Float32Array(6) };
 * ```
 */
export interface Hdf5DatasetSpec extends Hdf5ValueSpec {
  /** Marks a dataset. */
  readonly kind: 'dataset';
  /** The dimensions (required for a dataset): `[]` for a scalar. */
  readonly shape: readonly number[];
  /** Attributes on the dataset (Keras writes none). */
  readonly attributes?: Hdf5Entries<Hdf5AttributeSpec>;
}

/**
 * A group to write. `kind` may be left out.
 *
 * @example
 * ```ts
 * const vars: Hdf5GroupSpec = { attributes: { name: 'dense' }, children: { '0': { kind: 'dataset', shape: [1], data: new Float32Array(1) } } };
 * ```
 */
export interface Hdf5GroupSpec {
  /** Marks a group (optional). */
  readonly kind?: 'group';
  /** The group's attributes. */
  readonly attributes?: Hdf5Entries<Hdf5AttributeSpec>;
  /** The group's members; they are written sorted bytewise by name, whatever order they come in. */
  readonly children?: Hdf5Entries<Hdf5NodeSpec>;
}

/**
 * A member of a group to write: a group, a dataset, or a soft link (stored in the symbol table
 * as old-style groups allow; an external link needs new-style groups and is refused).
 *
 * @example
 * ```ts
 * const node: Hdf5NodeSpec = { kind: 'group', children: {} };
 * const alias: Hdf5NodeSpec = { kind: 'softLink', target: '/layers/dense' };
 * ```
 */
export type Hdf5NodeSpec = Hdf5GroupSpec | Hdf5DatasetSpec | Hdf5Link;
