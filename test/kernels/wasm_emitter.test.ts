import { describe, expect, it } from 'vitest';
import { ModuleBuilder, writeI32, writeU32, type Local } from '../../src/tensor/kernels/wasm/emitter.js';
import { gemmModuleBytes } from '../../src/tensor/kernels/wasm/gemm_module.js';

const u32 = (v: number) => { const out: number[] = []; writeU32(out, v); return out; };
const i32 = (v: number) => { const out: number[] = []; writeI32(out, v); return out; };

/** Instantiates a module without imports and returns its exports. */
function instantiate(m: ModuleBuilder, memory?: WebAssembly.Memory): WebAssembly.Exports {
  const bytes = m.bytes();
  expect(WebAssembly.validate(bytes)).toBe(true);
  return new WebAssembly.Instance(new WebAssembly.Module(bytes), memory ? { env: { memory } } : {}).exports;
}

describe('wasm emitter: LEB128', () => {
  it('encodes unsigned integers (the spec\'s and Wikipedia\'s examples)', () => {
    expect(u32(0)).toEqual([0x00]);
    expect(u32(127)).toEqual([0x7f]);
    expect(u32(128)).toEqual([0x80, 0x01]);
    expect(u32(624485)).toEqual([0xe5, 0x8e, 0x26]);
    expect(u32(0xffffffff)).toEqual([0xff, 0xff, 0xff, 0xff, 0x0f]);
    expect(() => u32(-1)).toThrow(/not a u32/);
    expect(() => u32(2 ** 32)).toThrow(/not a u32/);
  });

  it('encodes signed integers, with the sign bit of the last byte', () => {
    expect(i32(0)).toEqual([0x00]);
    expect(i32(63)).toEqual([0x3f]);
    expect(i32(64)).toEqual([0xc0, 0x00]); // 0x40 alone would read as −64
    expect(i32(-1)).toEqual([0x7f]);
    expect(i32(-64)).toEqual([0x40]);
    expect(i32(-65)).toEqual([0xbf, 0x7f]);
    expect(i32(-123456)).toEqual([0xc0, 0xbb, 0x78]);
    expect(i32(2 ** 31 - 1)).toEqual([0xff, 0xff, 0xff, 0xff, 0x07]);
    expect(i32(-(2 ** 31))).toEqual([0x80, 0x80, 0x80, 0x80, 0x78]);
    expect(() => i32(2 ** 31)).toThrow(/not an i32/);
  });

  it('round-trips i32 constants through a real module', () => {
    for (const v of [0, 1, -1, 63, 64, -64, -65, 127, 128, 8191, 8192, -8193, 2 ** 31 - 1, -(2 ** 31), 123456789]) {
      const m = new ModuleBuilder();
      const f = m.func('k', [], ['i32']);
      f.i32(v);
      m.exportFunc(f);
      expect((instantiate(m).k as () => number)()).toBe(v);
    }
  });
});

describe('wasm emitter: functions', () => {
  it('builds integer arithmetic, locals, loops and calls', () => {
    const m = new ModuleBuilder();
    // square(x) = x·x; sumOfSquares(n) = Σ_{i<n} square(i), with forRange and a call.
    const square = m.func('square', ['i32'], ['i32']);
    square.push(square.mul(square.params[0]!, square.params[0]!));
    const sum = m.func('sumOfSquares', ['i32'], ['i32']);
    const [n] = sum.params as [Local];
    const i = sum.local('i32'), acc = sum.local('i32');
    sum.forRange(i, 0, n, 1, () => {
      sum.push(acc); sum.push(i); sum.call(square); sum.op('i32.add'); sum.set(acc);
    });
    sum.get(acc);
    m.exportFunc(sum);
    m.exportFunc(square);
    const e = instantiate(m);
    expect((e.square as (x: number) => number)(-7)).toBe(49);
    expect((e.sumOfSquares as (x: number) => number)(10)).toBe(285);
    expect((e.sumOfSquares as (x: number) => number)(0)).toBe(0);
  });

  it('branches out of nested blocks to the right depth', () => {
    // firstMultiple(x, d): the first i ≥ x with i mod d = 0, by a loop inside a block.
    const m = new ModuleBuilder();
    const f = m.func('firstMultiple', ['i32', 'i32'], ['i32']);
    const [x, d] = f.params as [Local, Local];
    f.block((found) => {
      f.loop((again) => {
        f.push(f.binary('i32.rem_u', x, d)); f.op('i32.eqz'); f.brIf(found);
        f.assign(x, f.add(x, 1));
        f.br(again);
      });
    });
    f.get(x);
    m.exportFunc(f);
    expect((instantiate(m).firstMultiple as (x: number, d: number) => number)(10, 7)).toBe(14);
  });

  it('runs f32x4 arithmetic, splats, shuffles and memory access on an imported memory', () => {
    const memory = new WebAssembly.Memory({ initial: 1, maximum: 2 });
    const m = new ModuleBuilder();
    m.importMemory({ initial: 1, maximum: 2, shared: false });
    // axpy4(x, y, a): [y..y+16) = splat(a at address a)·[x..x+16) + [y..y+16); then the
    // 4×4 transpose of the 16 floats at address 64 by shuffles, into address 128.
    const f = m.func('run', []);
    f.push(16);
    f.push(f.loadFrom('v128.load32_splat', 0, 48)); f.push(f.loadFrom('v128.load', 0)); f.op('f32x4.mul');
    f.push(f.loadFrom('v128.load', 16)); f.op('f32x4.add');
    f.store('v128.store');
    const lanes = (l: number[]) => l.flatMap((x) => [4 * x, 4 * x + 1, 4 * x + 2, 4 * x + 3]);
    const r = [0, 1, 2, 3].map(() => f.local('v128'));
    for (let q = 0; q < 4; q++) f.assign(r[q]!, f.loadFrom('v128.load', 64, 16 * q));
    const t0 = f.local('v128'), t1 = f.local('v128');
    f.get(r[0]!); f.get(r[1]!); f.shuffle(lanes([0, 4, 1, 5])); f.set(t0);
    f.get(r[2]!); f.get(r[3]!); f.shuffle(lanes([0, 4, 1, 5])); f.set(t1);
    f.push(128); f.get(t0); f.get(t1); f.shuffle(lanes([0, 1, 4, 5])); f.store('v128.store'); // column 0
    f.push(144); f.get(t0); f.get(t1); f.shuffle(lanes([2, 3, 6, 7])); f.store('v128.store'); // column 1
    f.push(160); f.f32x4(1.5, -2, 0.25, 8); f.store('v128.store');
    f.push(176); f.f32(-3.5); f.store('f32.store');
    m.exportFunc(f);
    const x = new Float32Array(memory.buffer);
    x.set([1, 2, 3, 4], 0); x.set([10, 20, 30, 40], 4); x[12] = 0.5;
    for (let i = 0; i < 16; i++) x[16 + i] = i; // rows 0..3 of a 4×4 matrix: 0 1 2 3 / 4 5 6 7 / ...
    (instantiate(m, memory).run as () => void)();
    expect(Array.from(x.subarray(4, 8))).toEqual([10.5, 21, 31.5, 42]);
    expect(Array.from(x.subarray(32, 40))).toEqual([0, 4, 8, 12, 1, 5, 9, 13]);
    expect(Array.from(x.subarray(40, 45))).toEqual([1.5, -2, 0.25, 8, -3.5]);
  });

  it('imports a shared memory when asked (limits flag 3)', () => {
    const memory = new WebAssembly.Memory({ initial: 1, maximum: 4, shared: true });
    const m = new ModuleBuilder();
    m.importMemory({ initial: 1, maximum: 4, shared: true });
    const f = m.func('get', [], ['i32']);
    f.push(f.loadFrom('i32.load', 0, 8));
    m.exportFunc(f);
    new Int32Array(memory.buffer)[2] = 42;
    expect((instantiate(m, memory).get as () => number)()).toBe(42);
    // The same module does not take an unshared memory: the flag is really in the bytes.
    expect(() => new WebAssembly.Instance(new WebAssembly.Module(m.bytes()), { env: { memory: new WebAssembly.Memory({ initial: 1, maximum: 4 }) } })).toThrow();
  });

  it('refuses an unclosed block and bad shuffle lanes', () => {
    const m = new ModuleBuilder();
    const f = m.func('bad', []);
    expect(() => f.shuffle([0, 1, 2])).toThrow(/16 lane indices/);
    f.code.push(0x02, 0x40); // a raw `block` with no `end`
    expect(() => m.bytes()).not.toThrow(); // raw bytes are the caller's business...
    expect(WebAssembly.validate(m.bytes())).toBe(false); // ...and the engine rejects them
  });

  it('emits a valid GEMM module, shared and unshared, of a few kilobytes', () => {
    for (const shared of [false, true]) {
      const bytes = gemmModuleBytes({ initial: 40, maximum: 100, shared });
      expect(WebAssembly.validate(bytes)).toBe(true);
      expect(bytes.length).toBeLessThan(16000);
      const exports = WebAssembly.Module.exports(new WebAssembly.Module(bytes)).map((e) => e.name);
      expect(exports).toEqual(['gemm', 'gemmChunk', 'epilogue', 'reluBackward', 'im2col', 'col2im', 'maxPool', 'depthwise', 'depthwiseInput', 'depthwiseFilter']);
    }
  });
});
