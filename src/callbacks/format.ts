// Number formatting exactly as Python prints it, for output that matches Keras character for
// character: `'%.4f' % v`, `'%.4e' % v`, `'%.0f' % v` and `repr(v)`.
//
// NOTE: JavaScript's toFixed/toExponential round an exact tie away from zero ((0.5).toFixed(0) is
// '1', (0.03125).toFixed(4) is '0.0313'), Python rounds the exact binary value half to even
// ('0', '0.0312'). So these helpers expand the double into its exact decimal value with BigInt
// (every double is m·2^e, i.e. a finite decimal) and round that.

/** |x| as an exact decimal: |x| = digits / 10^scale. */
function exactDecimal(x: number): { digits: bigint; scale: number } {
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, Math.abs(x));
  const hi = view.getUint32(0);
  const lo = view.getUint32(4);
  const biasedExponent = (hi >>> 20) & 0x7ff;
  let mantissa = (BigInt(hi & 0xfffff) << 32n) | BigInt(lo);
  let exponent: number;
  if (biasedExponent === 0) {
    exponent = -1074; // subnormal
  } else {
    mantissa |= 1n << 52n;
    exponent = biasedExponent - 1075;
  }
  if (exponent >= 0) return { digits: mantissa << BigInt(exponent), scale: 0 };
  // m / 2^k = m·5^k / 10^k
  return { digits: mantissa * 5n ** BigInt(-exponent), scale: -exponent };
}

/** n / 10^drop, rounded half to even. */
function roundHalfEven(n: bigint, drop: number): bigint {
  if (drop <= 0) return n * 10n ** BigInt(-drop);
  const divisor = 10n ** BigInt(drop);
  const q = n / divisor;
  const r = n % divisor;
  const twice = 2n * r;
  if (twice > divisor || (twice === divisor && q % 2n === 1n)) return q + 1n;
  return q;
}

function nonFinite(x: number): string | null {
  if (Number.isNaN(x)) return 'nan';
  if (x === Infinity) return 'inf';
  if (x === -Infinity) return '-inf';
  return null;
}

function isNegative(x: number): boolean {
  return x < 0 || Object.is(x, -0);
}

/**
 * Python's `'%.<d>f' % x`.
 *
 * @example
 * ```ts
 * formatFixed(0.03125, 4);   // '0.0312' (half to even on the exact value)
 * formatFixed(2.5, 0);       // '2'
 * ```
 */
export function formatFixed(x: number, decimals: number): string {
  const special = nonFinite(x);
  if (special !== null) return special;
  const { digits, scale } = exactDecimal(x);
  const q = roundHalfEven(digits, scale - decimals);
  const s = q.toString().padStart(decimals + 1, '0');
  const body = decimals === 0 ? s : `${s.slice(0, s.length - decimals)}.${s.slice(s.length - decimals)}`;
  return (isNegative(x) ? '-' : '') + body;
}

/**
 * Python's `'%.<d>e' % x`: a mantissa with `d` decimals and a signed exponent of at least two
 * digits.
 *
 * @example
 * ```ts
 * formatExponential(0.00038914, 4);   // '3.8914e-04'
 * ```
 */
export function formatExponential(x: number, decimals: number): string {
  const special = nonFinite(x);
  if (special !== null) return special;
  const sign = isNegative(x) ? '-' : '';
  if (x === 0) return `${sign}0${decimals > 0 ? '.' + '0'.repeat(decimals) : ''}e+00`;
  const { digits, scale } = exactDecimal(x);
  const n = digits.toString().length;
  let exponent = n - 1 - scale;
  const precision = decimals + 1;
  let q = roundHalfEven(digits, n - precision);
  if (q.toString().length > precision) {
    q /= 10n; // 9.99995 → 10.0000: exactly a power of ten, so nothing is lost
    exponent += 1;
  }
  const s = q.toString();
  const mantissa = decimals > 0 ? `${s[0]}.${s.slice(1)}` : s;
  return `${sign}${mantissa}e${exponent < 0 ? '-' : '+'}${String(Math.abs(exponent)).padStart(2, '0')}`;
}

/**
 * Python's `repr(float)`: the shortest digits that round-trip (as JavaScript's), laid out as
 * Python does: positional when the decimal exponent is in [-4, 16), with a `.0` on whole numbers;
 * scientific otherwise (`1e-05`, `1.5e+16`).
 *
 * @example
 * ```ts
 * pythonFloatRepr(0.1);     // '0.1'
 * pythonFloatRepr(1);       // '1.0'
 * pythonFloatRepr(1e-5);    // '1e-05'
 * ```
 */
export function pythonFloatRepr(x: number): string {
  const special = nonFinite(x);
  if (special !== null) return special;
  const sign = isNegative(x) ? '-' : '';
  if (x === 0) return `${sign}0.0`;
  const [m, e] = Math.abs(x).toExponential().split('e') as [string, string];
  const digits = m.replace('.', '');
  const exp10 = Number(e);
  const decpt = exp10 + 1; // value = 0.<digits> × 10^decpt
  if (decpt > -4 && decpt <= 16) {
    if (decpt <= 0) return `${sign}0.${'0'.repeat(-decpt)}${digits}`;
    if (decpt < digits.length) return `${sign}${digits.slice(0, decpt)}.${digits.slice(decpt)}`;
    return `${sign}${digits}${'0'.repeat(decpt - digits.length)}.0`;
  }
  const mantissa = digits.length > 1 ? `${digits[0]}.${digits.slice(1)}` : digits;
  return `${sign}${mantissa}e${exp10 < 0 ? '-' : '+'}${String(Math.abs(exp10)).padStart(2, '0')}`;
}

/**
 * A log value as Keras's progress bar prints it: `%.4f` when |v| > 1e-3, else `%.4e`.
 *
 * @example
 * ```ts
 * formatLogValue(0.44123);     // '0.4412'
 * formatLogValue(0.00038914);  // '3.8914e-04'
 * ```
 */
export function formatLogValue(v: number): string {
  return Math.abs(v) > 1e-3 ? formatFixed(v, 4) : formatExponential(v, 4);
}
