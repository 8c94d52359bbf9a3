// HDF5, the container of Keras's `.h5` and `model.weights.h5` files: a reader and a writer in
// plain TypeScript. Bytes in, plain records out (groups, datasets, attributes); nothing here
// knows about tensors, and nothing is imported from outside src/formats.
//
// How an HDF5 file is built, in the form Keras files use (keras-file-format.md §2):
//
//   superblock        at byte 0: the signature \x89HDF\r\n\x1a\n, the sizes of addresses and
//                     lengths (8 and 8), the end of the file, and the root group's entry.
//   object header     one per group or dataset: a list of typed messages. A dataset's say its
//                     dataspace (shape), datatype (float32, int64, string...), fill value and
//                     data layout (where the values are); a group's hold a symbol table message.
//                     Attributes are messages too. A continuation message points at more
//                     messages elsewhere (libhdf5 appends attributes that way).
//   local heap        a group's member names, NUL-terminated ("HEAP").
//   v1 B-tree         a group's index of members by name ("TREE"); its leaves are
//   symbol table node ("SNOD") lists of up to 8 entries: a name's heap offset and the member's
//                     object header address. Names are kept in bytewise order, so a Keras
//                     `vars` group lists 0, 1, 10, 11, 2, ...
//   global heap       ("GCOL") the characters of variable-length strings, such as Keras's
//                     `model_config` JSON.
//   raw data          a dataset's values, contiguous (one block), chunked (tiles found through a
//                     B-tree of their own, maybe compressed) or compact (inside the header).
//
// Reading (readHdf5) covers what real Keras files use and what h5py and libhdf5 write around it:
//   - superblock versions 0, 1, 2, 3 (a user block before it is allowed);
//   - object header versions 1 and 2 (OHDR), with continuation blocks (OCHK), checksums checked;
//   - old-style groups (symbol table: v1 B-tree of any depth, SNODs, local heap), new-style
//     groups with links in the header (compact) or in a fractal heap indexed by a v2 B-tree
//     (dense); hard links, soft links and external links (links are reported, not followed);
//     attributes in the header or in dense storage;
//   - data layouts: contiguous, compact, chunked (layout v3 with a v1 B-tree index; layout v4
//     with a single-chunk or implicit index), with the deflate, shuffle and fletcher32 filters;
//     fill values (old message, and versions 1-3) for storage never written;
//   - datatypes: integers of 8/16/32/64 bits signed or not, IEEE float16 (widened to float32),
//     float32 and float64, little- or big-endian; fixed-length strings (null-terminated,
//     null-padded, space-padded) and variable-length strings, ASCII or UTF-8;
//   - dataspaces: scalar and simple, ranks 0 to 32, zero-sized dimensions.
// Members and attributes are listed sorted bytewise by name (as h5py lists them), whatever order
// the file stores them in.
//
// Anything else (compound, enum, array, reference, opaque, bitfield or time types; null
// dataspaces; committed datatypes and other shared messages; external storage; virtual
// datasets; layout-v4 chunk indexes of the fixed array, extensible array and v2 B-tree kinds;
// the szip, nbit, scaleoffset and third-party filters; huge fractal heap objects) is an
// Hdf5FormatError naming the feature and the byte offset, never a guess.
//
// Reading a hostile file cannot hang, crash or allocate without bound: every read is
// bounds-checked, every structure is visited once, metadata parsing is charged to a budget of
// about four times the file's size, and values to `maxValueBytes` (default four times the file,
// or 256 MiB). A file of 100 MB of float32 reads in about 0.1 s (Node 20).
//
// Writing (writeHdf5) produces what h5py writes for Keras files: superblock 0, version-1 object
// headers, old-style groups with their members sorted bytewise (several SNODs past 8 members, a
// deeper B-tree past 256), contiguous unfiltered datasets, attributes as fixed-length strings,
// variable-length strings (global heap) or numbers (`fixedLengthStrings` builds the fixed-length
// lists tf.keras writes). See write.ts for each choice. Attributes over 64 KiB do not fit a
// version-1 header and are refused: split them as Keras does (`layer_names0`, `layer_names1`, ...).

export { Hdf5FormatError } from './errors.js';
export { fixedLengthStrings, getNode, getStringAttribute, getStringListAttribute } from './paths.js';
export { isHdf5, readHdf5, type Hdf5ReadOptions } from './read.js';
export type {
  Hdf5Attribute,
  Hdf5AttributeSpec,
  Hdf5ByteOrder,
  Hdf5Data,
  Hdf5Dataset,
  Hdf5DatasetSpec,
  Hdf5Dtype,
  Hdf5Entries,
  Hdf5Group,
  Hdf5GroupSpec,
  Hdf5Link,
  Hdf5Node,
  Hdf5NodeSpec,
  Hdf5Storage,
  Hdf5ValueSpec,
} from './types.js';
export { writeHdf5 } from './write.js';
