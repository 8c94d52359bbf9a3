// Python-exact number formatting: the table below is the output of
// test/callbacks/format_reference.py (Python's '%.4f', '%.4e', '%.0f' and repr), pasted unchanged.

import { describe, expect, it } from 'vitest';
import * as tk from '../../src/index.js';

const { formatFixed, formatExponential, pythonFloatRepr, formatLogValue } = tk.callbacks;

const PYTHON: [number, string, string, string, string][] = [
  // value, '%.4f', '%.4e', '%.0f', repr
  [0.03125, '0.0312', '3.1250e-02', '0', '0.03125'],
  [0.5, '0.5000', '5.0000e-01', '0', '0.5'],
  [1.5, '1.5000', '1.5000e+00', '2', '1.5'],
  [2.5, '2.5000', '2.5000e+00', '2', '2.5'],
  [-0.5, '-0.5000', '-5.0000e-01', '-0', '-0.5'],
  [0.00038914, '0.0004', '3.8914e-04', '0', '0.00038914'],
  [0.001, '0.0010', '1.0000e-03', '0', '0.001'],
  [0.0010001, '0.0010', '1.0001e-03', '0', '0.0010001'],
  [-0.0001, '-0.0001', '-1.0000e-04', '-0', '-0.0001'],
  [0.0, '0.0000', '0.0000e+00', '0', '0.0'],
  [-0, '-0.0000', '-0.0000e+00', '-0', '-0.0'],
  [123456.789, '123456.7890', '1.2346e+05', '123457', '123456.789'],
  [9.99995, '10.0000', '1.0000e+01', '10', '9.99995'],
  [0.99995, '1.0000', '9.9995e-01', '1', '0.99995'],
  [1e-05, '0.0000', '1.0000e-05', '0', '1e-05'],
  [1e+16, '10000000000000000.0000', '1.0000e+16', '10000000000000000', '1e+16'],
  [1000000000000000.0, '1000000000000000.0000', '1.0000e+15', '1000000000000000', '1000000000000000.0'],
  [0.1, '0.1000', '1.0000e-01', '0', '0.1'],
  [0.3333333333333333, '0.3333', '3.3333e-01', '0', '0.3333333333333333'],
  [NaN, 'nan', 'nan', 'nan', 'nan'],
  [Infinity, 'inf', 'inf', 'inf', 'inf'],
  [-Infinity, '-inf', '-inf', '-inf', '-inf'],
  [1e-300, '0.0000', '1.0000e-300', '0', '1e-300'],
  [5e-324, '0.0000', '4.9407e-324', '0', '5e-324'],
  [1.2345678901234567e+19, '12345678901234567168.0000', '1.2346e+19', '12345678901234567168', '1.2345678901234567e+19'],
  [0.0005, '0.0005', '5.0000e-04', '0', '0.0005'],
  [282.5, '282.5000', '2.8250e+02', '282', '282.5'],
  [0.44123, '0.4412', '4.4123e-01', '0', '0.44123'],
  [20443820.0, '20443820.0000', '2.0444e+07', '20443820', '20443820.0'],
  [1786.90364, '1786.9036', '1.7869e+03', '1787', '1786.90364'],
];

describe('number formatting as Python prints it', () => {
  for (const [v, fixed4, exp4, fixed0, repr] of PYTHON) {
    it(`${repr}`, () => {
      expect(formatFixed(v, 4)).toBe(fixed4);
      expect(formatExponential(v, 4)).toBe(exp4);
      expect(formatFixed(v, 0)).toBe(fixed0);
      expect(pythonFloatRepr(v)).toBe(repr);
    });
  }

  it('rounds exact ties half to even, unlike toFixed', () => {
    expect((0.03125).toFixed(4)).toBe('0.0313'); // JavaScript
    expect(formatFixed(0.03125, 4)).toBe('0.0312'); // Python
    expect((2.5).toFixed(0)).toBe('3');
    expect(formatFixed(2.5, 0)).toBe('2');
  });

  it('log values: %.4f when |v| > 1e-3, else %.4e (keras-facts §8.3)', () => {
    expect(formatLogValue(0.44123)).toBe('0.4412');
    expect(formatLogValue(0.00038914)).toBe('3.8914e-04');
    expect(formatLogValue(0.001)).toBe('1.0000e-03'); // not > 1e-3
    expect(formatLogValue(-0.5)).toBe('-0.5000');
    expect(formatLogValue(0)).toBe('0.0000e+00');
    expect(formatLogValue(NaN)).toBe('nan');
    expect(formatLogValue(20443820)).toBe('20443820.0000');
  });
});
