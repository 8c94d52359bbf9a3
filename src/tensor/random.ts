// The one seeded random source: initializers, shuffling and dropout all draw from it, so
// `setSeed(42)` makes a whole training run reproducible. An explicit `seed` option builds a
// private generator instead, which gives the same numbers every time it is used.

/**
 * A small, fast, seedable generator (xoshiro128**, 128-bit state). `next()` returns a float in
 * [0, 1) with 32 random bits; `normal()` a standard normal draw.
 */
export class Random {
  private s0 = 0;
  private s1 = 0;
  private s2 = 0;
  private s3 = 0;
  /** A second normal from the last Box–Muller pair, or NaN when none is cached. */
  private spare = NaN;

  constructor(seed: number) {
    this.reseed(seed);
  }

  /** Restart the sequence from `seed` (any finite number; it is hashed into the state). */
  reseed(seed: number): void {
    if (!Number.isFinite(seed)) throw new Error(`setSeed: seed must be a finite number, got ${seed}`);
    // splitmix32 spreads a small integer seed over all four state words (xoshiro must not start at 0).
    let x = (Math.floor(seed) ^ Math.floor((seed - Math.floor(seed)) * 2 ** 32)) >>> 0;
    const mix = (): number => {
      x = (x + 0x9e3779b9) >>> 0;
      let z = x;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
      return (z ^ (z >>> 16)) >>> 0;
    };
    this.s0 = mix();
    this.s1 = mix();
    this.s2 = mix();
    this.s3 = mix();
    this.spare = NaN;
  }

  /** A uniform 32-bit unsigned integer. */
  nextUint32(): number {
    const result = Math.imul(rotl(Math.imul(this.s1, 5), 7), 9) >>> 0;
    const t = this.s1 << 9;
    this.s2 ^= this.s0;
    this.s3 ^= this.s1;
    this.s1 ^= this.s2;
    this.s0 ^= this.s3;
    this.s2 ^= t;
    this.s3 = rotl(this.s3, 11);
    return result;
  }

  /** Uniform in [0, 1). */
  next(): number {
    return this.nextUint32() / 4294967296;
  }

  /** Uniform integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }

  /** Standard normal by Box–Muller; the second value of each pair is kept for the next call. */
  normal(): number {
    if (!Number.isNaN(this.spare)) {
      const v = this.spare;
      this.spare = NaN;
      return v;
    }
    // NOTE: 1 - next() lies in (0, 1], so the log never sees 0.
    const u1 = 1 - this.next();
    const u2 = this.next();
    const r = Math.sqrt(-2 * Math.log(u1));
    this.spare = r * Math.sin(2 * Math.PI * u2);
    return r * Math.cos(2 * Math.PI * u2);
  }

  /** In-place Fisher–Yates shuffle. */
  shuffle<T>(items: T[] | Int32Array | Uint32Array): void {
    for (let i = items.length - 1; i > 0; i--) {
      const j = this.int(i + 1);
      const tmp = items[i]!;
      items[i] = items[j]!;
      items[j] = tmp;
    }
  }
}

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}

/** The global generator. Unseeded it starts from the clock, as Keras without a seed. */
const globalRandom = new Random(Date.now() ^ (Math.random() * 2 ** 31));

/**
 * Seeds the global generator: initializers, `randomNormal`/`randomUniform` without their own
 * seed, fit's shuffling and dropout become reproducible.
 *
 * @example
 * ```ts
 * tk.setSeed(42);
 * const a = tk.randomNormal([2, 2]);
 * tk.setSeed(42);
 * const b = tk.randomNormal([2, 2]);   // same values as a
 * ```
 */
export function setSeed(seed: number): void {
  globalRandom.reseed(seed);
}

/** The generator to draw from: a private one for an explicit seed, else the global one. */
export function randomSource(seed?: number | null): Random {
  return seed === undefined || seed === null ? globalRandom : new Random(seed);
}
