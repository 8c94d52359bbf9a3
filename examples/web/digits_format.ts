// The page's digits as one small binary file, written at build time by the Vite plugin in
// digits_plugin.ts and read by the worker. No Node and no DOM here: both sides import it.
//
// Layout (little-endian):
//   bytes  0..3   'TKMN'
//   bytes  4..7   version (1)
//   bytes  8..11  number of training digits N
//   bytes 12..15  number of test digits M
//   then (N + M) × 784 pixel bytes (0..255, row-major 28×28, white digit on black as MNIST),
//   then N + M label bytes (0..9). Training digits first, then test digits.

/** The file name the page fetches, relative to index.html (served and emitted by digits_plugin.ts). */
export const DIGITS_FILE = 'mnist-subset.bin';
export const SIDE = 28;
export const PIXELS = SIDE * SIDE;
const MAGIC = 0x4e4d4b54; // 'TKMN' read as a little-endian uint32
const VERSION = 1;
const HEADER = 16;

/** Digits as the worker trains on them: pixels scaled to [0, 1]. */
export interface DigitSet {
  /** [n × 784] pixels in [0, 1]. */
  readonly pixels: Float32Array;
  /** [n] labels 0..9. */
  readonly labels: Uint8Array;
  readonly count: number;
}

export interface Digits {
  readonly train: DigitSet;
  readonly test: DigitSet;
}

/** Packs digits (pixels as bytes 0..255) into the file format above. */
export function encodeDigits(train: { pixels: Uint8Array; labels: Uint8Array }, test: { pixels: Uint8Array; labels: Uint8Array }): Uint8Array {
  const n = train.labels.length;
  const m = test.labels.length;
  if (train.pixels.length !== n * PIXELS || test.pixels.length !== m * PIXELS) throw new Error('encodeDigits: pixel and label counts differ');
  const out = new Uint8Array(HEADER + (n + m) * (PIXELS + 1));
  const view = new DataView(out.buffer);
  view.setUint32(0, MAGIC, true);
  view.setUint32(4, VERSION, true);
  view.setUint32(8, n, true);
  view.setUint32(12, m, true);
  out.set(train.pixels, HEADER);
  out.set(test.pixels, HEADER + n * PIXELS);
  out.set(train.labels, HEADER + (n + m) * PIXELS);
  out.set(test.labels, HEADER + (n + m) * PIXELS + n);
  return out;
}

/** Reads the file format above; throws a clear error on anything else. */
export function decodeDigits(buffer: ArrayBuffer): Digits {
  const bytes = new Uint8Array(buffer);
  if (bytes.length < HEADER) throw new Error(`digits file: ${bytes.length} bytes, shorter than its ${HEADER}-byte header`);
  const view = new DataView(buffer);
  if (view.getUint32(0, true) !== MAGIC) throw new Error('digits file: bad magic (expected TKMN); is the server returning an HTML page instead?');
  if (view.getUint32(4, true) !== VERSION) throw new Error(`digits file: version ${view.getUint32(4, true)}, expected ${VERSION}`);
  const n = view.getUint32(8, true);
  const m = view.getUint32(12, true);
  const expected = HEADER + (n + m) * (PIXELS + 1);
  if (bytes.length !== expected) throw new Error(`digits file: ${bytes.length} bytes, expected ${expected} for ${n} + ${m} digits`);
  const set = (first: number, count: number): DigitSet => {
    const raw = bytes.subarray(HEADER + first * PIXELS, HEADER + (first + count) * PIXELS);
    const pixels = new Float32Array(raw.length);
    for (let i = 0; i < raw.length; i++) pixels[i] = raw[i]! / 255;
    const labelStart = HEADER + (n + m) * PIXELS + first;
    return { pixels, labels: bytes.slice(labelStart, labelStart + count), count };
  };
  return { train: set(0, n), test: set(n, m) };
}
