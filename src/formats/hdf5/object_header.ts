// Object headers: every group and dataset is one. A header is a list of messages (type, size,
// flags, data), kept in one or more blocks: the first block follows the header's prefix, and a
// continuation message (0x10) points at the next block.
//
// Version 1 (every Keras file): a 16-byte prefix (version 1, a reserved byte, the message count,
// the reference count, the size of the first block, 4 bytes of alignment), then messages of
// 8-byte headers (type u16, size u16, flags u8, 3 reserved) whose data is padded to 8 bytes.
// Continuation blocks hold messages only.
//
// Version 2 (libhdf5 1.8+ with a newer "libver", h5wasm's default): the signature "OHDR", version
// 2, flags (which optional fields follow, and how many bytes hold the first block's size), the
// optional times and attribute-storage thresholds, the first block's size, messages with 4-byte
// headers (type u8, size u16, flags u8; plus a u16 creation order when the flags say so), and a
// lookup3 checksum. Continuation blocks start with "OCHK" and end with a checksum.

import { Cursor, cursorAt } from './bytes.js';
import { lookup3 } from './checksum.js';
import { MSG } from './messages.js';
import { chargeMetadata, visitOnce, type ReadState } from './state.js';

/** One message: its type, flags, and where its data is. */
export interface Message {
  readonly type: number;
  readonly flags: number;
  /** Absolute offset of the message's data. */
  readonly start: number;
  /** Size of the data in bytes. */
  readonly size: number;
}

/** Message flag bits (the same in both header versions). */
export const MESSAGE_FLAGS = { SHARED: 0x02, FAIL_IF_UNKNOWN_ALWAYS: 0x80 } as const;

/** The messages of the object header at file address `address`, from every block, in order. */
export function readObjectHeader(state: ReadState, address: number): Message[] {
  const file = state.file;
  const head = cursorAt(file, address, 'object header');
  const b = file.bytes;
  const p = head.pos;
  const isV2 = head.remaining() >= 4 && b[p] === 0x4f && b[p + 1] === 0x48 && b[p + 2] === 0x44 && b[p + 3] === 0x52; // "OHDR"
  const messages: Message[] = [];
  const blocks: { start: number; end: number }[] = [];
  let trackOrder = false;
  if (isV2) {
    head.skip(4);
    const version = head.u8();
    if (version !== 2) head.fail(`OHDR object header version ${version} is not supported`);
    const flags = head.u8();
    trackOrder = (flags & 0x04) !== 0;
    if ((flags & 0x20) !== 0) head.skip(16); // access, modification, change and birth times
    if ((flags & 0x10) !== 0) head.skip(4); // attribute storage phase-change thresholds
    const size = head.uint(1 << (flags & 3));
    head.need(size + 4);
    const end = head.pos + size;
    checkChecksum(head, p, end, 'object header');
    blocks.push({ start: head.pos, end });
  } else {
    const version = head.u8();
    if (version !== 1) head.fail(`not an object header: version byte ${version} (expected 1, or the signature "OHDR")`, p);
    head.skip(1);
    head.u16(); // message count: the blocks themselves say where messages are
    head.u32(); // reference count
    const size = head.u32();
    head.skip(4); // alignment of the first message to 8 bytes
    head.need(size);
    blocks.push({ start: head.pos, end: head.pos + size });
  }
  visitOnce(state, p, 'object header');
  // Blocks are read in the order they are found; a block reached twice is a loop.
  for (let i = 0; i < blocks.length; i++) {
    const block = blocks[i];
    chargeMetadata(state, block.end - block.start + 16, 'object header', block.start);
    const c = cursorAt(file, block.start - file.base, 'object header messages', block.end - block.start);
    readMessages(c, isV2, trackOrder, messages, (at, length) => {
      const start = file.base + at;
      visitOnce(state, start, 'object header continuation block');
      const block = cursorAt(file, at, 'object header continuation block', length);
      if (isV2) {
        block.signature('OCHK');
        if (length < 8) block.fail(`continuation block of ${length} bytes is too short`);
        checkChecksum(block, start, start + length - 4, 'object header continuation block');
        blocks.push({ start: start + 4, end: start + length - 4 });
      } else {
        blocks.push({ start, end: start + length });
      }
    });
  }
  return messages;
}

/** Reads the messages of one block; continuation messages are handed to `onContinuation`. */
function readMessages(c: Cursor, isV2: boolean, trackOrder: boolean, out: Message[], onContinuation: (address: number, length: number) => void): void {
  const headerSize = isV2 ? (trackOrder ? 6 : 4) : 8;
  while (c.remaining() >= headerSize) {
    const at = c.pos;
    const type = isV2 ? c.u8() : c.u16();
    const size = c.u16();
    const flags = c.u8();
    if (isV2) {
      if (trackOrder) c.skip(2);
    } else {
      c.skip(3);
    }
    c.need(size);
    const start = c.pos;
    c.pos += size;
    if ((flags & MESSAGE_FLAGS.FAIL_IF_UNKNOWN_ALWAYS) !== 0 && !KNOWN.has(type)) {
      c.fail(`message type ${type} is not understood, and its flags say a reader must fail`, at);
    }
    if (type === MSG.CONTINUATION) {
      const m = new Cursor(c.file, start, start + size, 'continuation message');
      const address = m.address('continuation block');
      const length = m.length();
      onContinuation(address, length);
      continue;
    }
    out.push({ type, flags, start, size });
  }
  // Version 2 blocks may end in a gap smaller than a message header; version 1 blocks are filled.
  if (!isV2 && c.remaining() !== 0) c.fail(`${c.remaining()} bytes at the end of the block are not a message`);
}

/** Message types the reader knows, for the "fail if unknown" flag. */
const KNOWN = new Set<number>([0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f, 0x10, 0x11, 0x12, 0x13, 0x14, 0x15, 0x16]);

/** Verifies the lookup3 checksum stored right after `[start, end)`. */
export function checkChecksum(c: Cursor, start: number, end: number, what: string): void {
  const b = c.file.bytes;
  if (end + 4 > b.length) c.fail(`the ${what}'s checksum at byte ${end} is past the end of the file`, end);
  const stored = (b[end] | (b[end + 1] << 8) | (b[end + 2] << 16) | (b[end + 3] << 24)) >>> 0;
  const actual = lookup3(b, start, end);
  if (stored !== actual) c.fail(`${what} checksum mismatch (stored ${hex(stored)}, computed ${hex(actual)}): the file is corrupt`, start);
}

function hex(n: number): string {
  return `0x${n.toString(16).padStart(8, '0')}`;
}
