// What one read of a file keeps while it walks: the file, two budgets, and the structures already
// visited. The budgets are what bound a hostile file: every byte of metadata parsed is charged to
// `metadata` (a correct file parses each structure once, so its total stays below the file size;
// structures that point back at each other or overlap run it out), and every byte of values
// allocated or decompressed is charged to `values` (the limit a caller sets).

import { type FileContext } from './bytes.js';
import { Hdf5FormatError } from './errors.js';

/** A running total and its limit. */
export interface Budget {
  used: number;
  readonly limit: number;
}

/** The state of one readHdf5 call. */
export interface ReadState {
  readonly file: FileContext;
  /** Bytes of metadata structures parsed. */
  readonly metadata: Budget;
  /** Bytes of values allocated (returned arrays, strings, decompressed chunks). */
  readonly values: Budget;
  /** Absolute offsets of the B-tree nodes, symbol table nodes and heap blocks already walked. */
  readonly visited: Set<number>;
  /** Global heap collections already parsed: address → object index → [start, size). */
  readonly globalHeaps: Map<number, Map<number, { start: number; size: number }>>;
  /** Variable-length strings already decoded, by "collection address:object index". */
  readonly strings: Map<string, string>;
  /** Deepest group nesting allowed. */
  readonly maxDepth: number;
}

/** Charges `n` bytes of metadata parsing; the error says the structures loop or overlap. */
export function chargeMetadata(state: ReadState, n: number, what: string, at: number): void {
  state.metadata.used += n;
  if (state.metadata.used > state.metadata.limit) {
    throw new Hdf5FormatError(
      `HDF5 ${what} at byte ${at}: the file's structures add up to more than ${state.metadata.limit} bytes of metadata, more than a ` +
        `${state.file.bytes.length}-byte file can hold: they loop or overlap (a corrupt file)`,
      at,
    );
  }
}

/** Charges `n` bytes of values; the error names the option that raises the limit. */
export function chargeValues(state: ReadState, n: number, what: string, at: number): void {
  if (n > state.values.limit - state.values.used) {
    throw new Hdf5FormatError(
      `HDF5 ${what} at byte ${at}: ${n} more bytes of values would exceed the limit of ${state.values.limit} bytes ` +
        `(${state.values.used} used so far; raise the maxValueBytes option to read a larger file)`,
      at,
    );
  }
  state.values.used += n;
}

/** Marks a structure as walked; a second visit means the file's pointers loop. */
export function visitOnce(state: ReadState, at: number, what: string): void {
  if (state.visited.has(at)) {
    throw new Hdf5FormatError(`HDF5 ${what} at byte ${at} is reached twice: the file's pointers form a loop or are shared (a corrupt file)`, at);
  }
  state.visited.add(at);
}
