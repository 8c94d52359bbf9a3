// A small typed emitter of the WebAssembly binary format: enough of it to write numeric kernels
// (i32 arithmetic, f32 and v128 loads and stores, f32x4 arithmetic, structured control flow, calls)
// from TypeScript at run time, with no toolchain and no prebuilt .wasm file.
//
// The binary format in one paragraph (https://webassembly.github.io/spec/core/binary/): a module
// is the magic `\0asm`, the version 1, then sections in a fixed order, each one byte of id, its
// byte length as unsigned LEB128, and its contents. We write the type section (function
// signatures), the import section (one memory, `env.memory`), the function section (the type of
// each function), the export section and the code section (each function's locals and body).
// A body is a sequence of instructions for a stack machine: `local.get 0; local.get 1; i32.add`
// pushes two values and replaces them with their sum. Structured control (`block`, `loop`, `if`)
// nests, and a branch names its target by how many enclosing blocks out it is (0 = innermost).
// Integers are LEB128-encoded (7 bits per byte, high bit = "more"); SIMD instructions are the
// prefix byte 0xFD followed by the opcode as unsigned LEB128.
//
// This file knows nothing of GEMM: see gemm_module.ts for the kernel built with it.

/** A value type: the four numbers and the 128-bit vector. */
export type ValType = 'i32' | 'i64' | 'f32' | 'f64' | 'v128';

const VALTYPE: Record<ValType, number> = { i32: 0x7f, i64: 0x7e, f32: 0x7d, f64: 0x7c, v128: 0x7b };

// ---- LEB128 ---------------------------------------------------------------------------------

/** Appends `value` (an integer 0 … 2³²−1) as unsigned LEB128. */
export function writeU32(out: number[], value: number): void {
  if (!Number.isInteger(value) || value < 0 || value > 0xffffffff) throw new Error(`wasm emitter: ${value} is not a u32`);
  let v = value;
  do {
    let byte = v % 128; // not `& 0x7f`: bitwise ops would truncate values ≥ 2³¹ to int32
    v = Math.floor(v / 128);
    if (v !== 0) byte |= 0x80;
    out.push(byte);
  } while (v !== 0);
}

/** Appends `value` (an integer −2³¹ … 2³¹−1) as signed LEB128, as i32.const takes it. */
export function writeI32(out: number[], value: number): void {
  if (!Number.isInteger(value) || value < -0x80000000 || value > 0x7fffffff) throw new Error(`wasm emitter: ${value} is not an i32`);
  let v = value | 0;
  for (;;) {
    const byte = v & 0x7f;
    v >>= 7; // arithmetic shift: the sign is kept
    // Done when the rest is all sign bits and the sign bit of this byte (0x40) agrees with it.
    if ((v === 0 && (byte & 0x40) === 0) || (v === -1 && (byte & 0x40) !== 0)) {
      out.push(byte);
      return;
    }
    out.push(byte | 0x80);
  }
}

function writeName(out: number[], name: string): void {
  const bytes = new TextEncoder().encode(name);
  writeU32(out, bytes.length);
  for (const b of bytes) out.push(b);
}

/** A section: id, byte length, contents. */
function writeSection(out: number[], id: number, contents: number[]): void {
  out.push(id);
  writeU32(out, contents.length);
  for (const b of contents) out.push(b);
}

// ---- Functions ------------------------------------------------------------------------------

/** A parameter or local of the function being built: its index and type. */
export interface Local {
  readonly index: number;
  readonly type: ValType;
}

/** Emits code that pushes one value. */
export type Expr = () => void;
/** A value for an i32 slot: a local, a constant or an expression. */
export type Operand = Local | number | Expr;

/** The target of a branch: an enclosing `block` (branch = exit it) or `loop` (branch = repeat it). */
export interface Label {
  readonly depth: number;
}

/**
 * The body of one function under construction. Each method appends one instruction (or, for
 * `block` / `loop` / `ifThen`, a structured instruction around a callback that emits its body)
 * and returns nothing: the code reads in stack-machine order, operands first.
 *
 * @example
 * // (a, b) => a + b
 * const f = module.func('add', ['i32', 'i32'], ['i32']);
 * f.get(f.params[0]!); f.get(f.params[1]!); f.op('i32.add');
 */
export class FunctionBuilder {
  readonly params: readonly Local[];
  /** Locals declared with `local()`, after the parameters. */
  private readonly locals: ValType[] = [];
  /** The instruction bytes (without the locals header and the final `end`). */
  readonly code: number[] = [];
  /** How many blocks / loops / ifs enclose the current instruction. */
  private depth = 0;

  constructor(readonly name: string, paramTypes: readonly ValType[], readonly results: readonly ValType[]) {
    this.params = paramTypes.map((type, index) => ({ index, type }));
  }

  /** Declares a new local of `type` (zero-initialised, as wasm does). */
  local(type: ValType): Local {
    this.locals.push(type);
    return { index: this.params.length + this.locals.length - 1, type };
  }

  // -- variables and constants

  get(x: Local): void { this.code.push(0x20); writeU32(this.code, x.index); }
  set(x: Local): void { this.code.push(0x21); writeU32(this.code, x.index); }
  tee(x: Local): void { this.code.push(0x22); writeU32(this.code, x.index); }
  i32(value: number): void { this.code.push(0x41); writeI32(this.code, value); }
  f32(value: number): void {
    this.code.push(0x43);
    for (const b of new Uint8Array(Float32Array.of(value).buffer)) this.code.push(b);
  }
  /** v128.const with four f32 lanes. */
  f32x4(l0: number, l1 = l0, l2 = l0, l3 = l0): void {
    this.simd(0x0c);
    const bytes = new Uint8Array(Float32Array.of(l0, l1, l2, l3).buffer);
    for (const b of bytes) this.code.push(b);
  }

  // -- plain instructions, by their text-format name

  op(name: PlainOp): void {
    const code = PLAIN[name];
    if (code >= 0x100) this.simd(code - 0x100);
    else this.code.push(code);
  }

  // -- memory: `offset` is a constant added to the address on the stack, `align` is log2 bytes

  load(name: MemoryOp, offset = 0): void {
    const [code, naturalAlign] = MEMORY[name];
    if (code >= 0x100) this.simd(code - 0x100);
    else this.code.push(code);
    writeU32(this.code, naturalAlign);
    writeU32(this.code, offset);
  }
  /** Same as load: the stack holds the address then the value. */
  store(name: MemoryOp, offset = 0): void { this.load(name, offset); }

  /** i8x16.shuffle: lane i of the result is byte `lanes[i]` of (a ++ b), 0…31. */
  shuffle(lanes: readonly number[]): void {
    if (lanes.length !== 16 || lanes.some((l) => !Number.isInteger(l) || l < 0 || l > 31)) throw new Error('wasm emitter: shuffle needs 16 lane indices 0…31');
    this.simd(0x0d);
    for (const l of lanes) this.code.push(l);
  }
  /** v128.const with four i32 lanes. */
  i32x4(l0: number, l1 = l0, l2 = l0, l3 = l0): void {
    this.simd(0x0c);
    const bytes = new Uint8Array(Int32Array.of(l0, l1, l2, l3).buffer);
    for (const b of bytes) this.code.push(b);
  }
  /** f32x4.extract_lane `lane`. */
  extractLane(lane: number): void { this.simd(0x1f); this.code.push(lane); }

  // -- control

  /** `block … end`: a branch to the label jumps past the end. */
  block(body: (exit: Label) => void): void { this.structured(0x02, body); }
  /** `loop … end`: a branch to the label jumps back to the start. Falling off the end leaves. */
  loop(body: (repeat: Label) => void): void { this.structured(0x03, body); }
  /** `if … end`, on the i32 on the stack (non-zero = true). */
  ifThen(then: () => void, otherwise?: () => void): void {
    this.code.push(0x04, 0x40); // 0x40: the block type "no result"
    this.depth++;
    then();
    if (otherwise) {
      this.code.push(0x05); // else
      otherwise();
    }
    this.depth--;
    this.code.push(0x0b);
  }
  br(label: Label): void { this.code.push(0x0c); writeU32(this.code, this.depth - label.depth); }
  /** Branch if the i32 on the stack is non-zero. */
  brIf(label: Label): void { this.code.push(0x0d); writeU32(this.code, this.depth - label.depth); }
  call(f: FunctionBuilder | number): void {
    this.code.push(0x10);
    writeU32(this.code, typeof f === 'number' ? f : this.indexOf(f));
  }

  // -- expressions: small closures that push one value, so address arithmetic reads as a formula

  /** Pushes an operand: a local's value, an i32 constant, or what an expression emits. */
  push(x: Operand): void {
    if (typeof x === 'number') this.i32(x);
    else if (typeof x === 'function') x();
    else this.get(x);
  }
  /** `x = value`. */
  assign(x: Local, value: Operand): void { this.push(value); this.set(x); }
  /** An i32 binary operation as an expression: `f.binary('i32.add', x, 4)` is x + 4. */
  binary(name: PlainOp, a: Operand, b: Operand): Expr { return () => { this.push(a); this.push(b); this.op(name); }; }
  add(a: Operand, b: Operand): Expr { return this.binary('i32.add', a, b); }
  sub(a: Operand, b: Operand): Expr { return this.binary('i32.sub', a, b); }
  mul(a: Operand, b: Operand): Expr { return this.binary('i32.mul', a, b); }
  /** min(a, b), signed: `a b (a < b) select`. Each operand is emitted twice: keep them cheap. */
  min(a: Operand, b: Operand): Expr {
    return () => { this.push(a); this.push(b); this.push(a); this.push(b); this.op('i32.lt_s'); this.op('select'); };
  }
  /** A load as an expression: `f.loadFrom('f32.load', address, offset)`. */
  loadFrom(name: MemoryOp, address: Operand, offset = 0): Expr { return () => { this.push(address); this.load(name, offset); }; }
  /** `store(address + offset, value)`. */
  storeTo(name: MemoryOp, address: Operand, value: Operand, offset = 0): void {
    this.push(address); this.push(value); this.store(name, offset);
  }

  /**
   * `for (i = start; i < end; i += step) body()`, signed comparison; `end` is evaluated on every
   * iteration, so make it a local or a constant.
   */
  forRange(i: Local, start: Operand, end: Operand, step: number, body: () => void): void {
    this.assign(i, start);
    this.block((exit) => {
      this.loop((repeat) => {
        this.push(this.binary('i32.ge_s', i, end)); this.brIf(exit);
        body();
        this.assign(i, this.add(i, step));
        this.br(repeat);
      });
    });
  }
  /** `if (condition) then() else otherwise()`, with the condition as an operand. */
  when(condition: Operand, then: () => void, otherwise?: () => void): void {
    this.push(condition);
    this.ifThen(then, otherwise);
  }

  /** The function's index in its module, set when it is added. */
  index = -1;
  /** Resolves another function's index (both must belong to the same module). */
  private indexOf(f: FunctionBuilder): number {
    if (f.index < 0) throw new Error(`wasm emitter: ${f.name} is not in a module`);
    return f.index;
  }

  private simd(code: number): void {
    this.code.push(0xfd);
    writeU32(this.code, code);
  }

  private structured(opcode: number, body: (label: Label) => void): void {
    this.code.push(opcode, 0x40);
    this.depth++;
    body({ depth: this.depth });
    this.depth--;
    this.code.push(0x0b);
  }

  /** The function's entry in the code section: size, locals (run-length encoded), body, end. */
  encode(): number[] {
    const body: number[] = [];
    const runs: [number, ValType][] = [];
    for (const t of this.locals) {
      const last = runs[runs.length - 1];
      if (last && last[1] === t) last[0]++;
      else runs.push([1, t]);
    }
    writeU32(body, runs.length);
    for (const [count, t] of runs) { writeU32(body, count); body.push(VALTYPE[t]); }
    for (const b of this.code) body.push(b);
    body.push(0x0b); // end
    if (this.depth !== 0) throw new Error(`wasm emitter: ${this.name} has an unclosed block`);
    const out: number[] = [];
    writeU32(out, body.length);
    for (const b of body) out.push(b);
    return out;
  }
}

// ---- Modules --------------------------------------------------------------------------------

/** Limits of an imported memory, in 64 KiB pages. */
export interface MemoryLimits {
  initial: number;
  maximum: number;
  shared: boolean;
}

/**
 * A module under construction: functions (all in one code section), an optional imported memory
 * `env.memory`, and exports.
 *
 * @example
 * const m = new ModuleBuilder();
 * const f = m.func('answer', [], ['i32']);
 * f.i32(42);
 * m.exportFunc(f);
 * const { answer } = new WebAssembly.Instance(new WebAssembly.Module(m.bytes())).exports;
 */
export class ModuleBuilder {
  private readonly funcs: FunctionBuilder[] = [];
  private readonly exports: { name: string; func: FunctionBuilder }[] = [];
  private memory: MemoryLimits | null = null;

  /** Imports the memory as `env.memory`. */
  importMemory(limits: MemoryLimits): void { this.memory = limits; }

  /** Adds a function; emit its body through the returned builder. */
  func(name: string, params: readonly ValType[], results: readonly ValType[] = []): FunctionBuilder {
    const f = new FunctionBuilder(name, params, results);
    f.index = this.funcs.length;
    this.funcs.push(f);
    return f;
  }

  exportFunc(func: FunctionBuilder, name = func.name): void { this.exports.push({ name, func }); }

  /** The binary module. */
  bytes(): Uint8Array<ArrayBuffer> {
    const out = [0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00]; // "\0asm", version 1

    // Types: one per distinct signature, 0x60 params results.
    const typeKeys: string[] = [];
    const typeOf = (f: FunctionBuilder) => {
      const key = `${f.params.map((p) => p.type).join(',')}:${f.results.join(',')}`;
      let i = typeKeys.indexOf(key);
      if (i < 0) { typeKeys.push(key); i = typeKeys.length - 1; }
      return i;
    };
    const funcTypes = this.funcs.map(typeOf);
    const types: number[] = [];
    writeU32(types, typeKeys.length);
    for (const key of typeKeys) {
      const [params, results] = key.split(':').map((s) => (s === '' ? [] : s.split(',') as ValType[])) as [ValType[], ValType[]];
      types.push(0x60);
      writeU32(types, params.length); for (const t of params) types.push(VALTYPE[t]);
      writeU32(types, results.length); for (const t of results) types.push(VALTYPE[t]);
    }
    writeSection(out, 1, types);

    if (this.memory) {
      const imports: number[] = [];
      writeU32(imports, 1);
      writeName(imports, 'env');
      writeName(imports, 'memory');
      imports.push(0x02); // import kind: memory
      imports.push(this.memory.shared ? 0x03 : 0x01); // limits flags: has maximum (+ shared)
      writeU32(imports, this.memory.initial);
      writeU32(imports, this.memory.maximum);
      writeSection(out, 2, imports);
    }

    const functions: number[] = [];
    writeU32(functions, this.funcs.length);
    for (const t of funcTypes) writeU32(functions, t);
    writeSection(out, 3, functions);

    const exports: number[] = [];
    writeU32(exports, this.exports.length);
    for (const e of this.exports) {
      writeName(exports, e.name);
      exports.push(0x00); // export kind: function
      writeU32(exports, e.func.index);
    }
    writeSection(out, 7, exports);

    const code: number[] = [];
    writeU32(code, this.funcs.length);
    for (const f of this.funcs) for (const b of f.encode()) code.push(b);
    writeSection(out, 10, code);

    return new Uint8Array(out);
  }
}

// ---- Opcode tables --------------------------------------------------------------------------
// Plain opcodes are one byte; SIMD opcodes are stored as 0x100 + their number after the 0xFD
// prefix (https://webassembly.github.io/spec/core/binary/instructions.html).

const PLAIN = {
  'unreachable': 0x00, 'nop': 0x01, 'return': 0x0f, 'drop': 0x1a, 'select': 0x1b,
  'i32.eqz': 0x45, 'i32.eq': 0x46, 'i32.ne': 0x47, 'i32.lt_s': 0x48, 'i32.lt_u': 0x49,
  'i32.gt_s': 0x4a, 'i32.gt_u': 0x4b, 'i32.le_s': 0x4c, 'i32.le_u': 0x4d, 'i32.ge_s': 0x4e, 'i32.ge_u': 0x4f,
  'i32.add': 0x6a, 'i32.sub': 0x6b, 'i32.mul': 0x6c, 'i32.div_s': 0x6d, 'i32.div_u': 0x6e, 'i32.rem_s': 0x6f, 'i32.rem_u': 0x70,
  'i32.and': 0x71, 'i32.or': 0x72, 'i32.xor': 0x73, 'i32.shl': 0x74, 'i32.shr_s': 0x75, 'i32.shr_u': 0x76,
  'f32.eq': 0x5b, 'f32.le': 0x5f, 'f32.gt': 0x5e, 'f32.add': 0x92, 'f32.sub': 0x93, 'f32.mul': 0x94, 'f32.max': 0x97,
  'f64.add': 0xa0, 'f32.convert_i32_u': 0xb3, 'f64.promote_f32': 0xbb,
  'f32x4.splat': 0x100 + 0x13, 'f32x4.gt': 0x100 + 0x44, 'v128.and': 0x100 + 0x4e,
  'i32x4.splat': 0x100 + 0x11, 'i32x4.add': 0x100 + 0xae, 'f32x4.eq': 0x100 + 0x41, 'f32x4.le': 0x100 + 0x45,
  'v128.andnot': 0x100 + 0x4f, 'v128.bitselect': 0x100 + 0x52,
  'f64x2.promote_low_f32x4': 0x100 + 0x5f, 'f64x2.add': 0x100 + 240,
  'f32x4.add': 0x100 + 228, 'f32x4.sub': 0x100 + 229, 'f32x4.mul': 0x100 + 230,
  'f32x4.min': 0x100 + 232, 'f32x4.max': 0x100 + 233,
} as const;

/** Opcode and natural alignment (log2 bytes) of each memory instruction. */
const MEMORY = {
  'i32.load': [0x28, 2], 'f32.load': [0x2a, 2], 'f64.load': [0x2b, 3],
  'i32.store': [0x36, 2], 'f32.store': [0x38, 2], 'f64.store': [0x39, 3],
  'v128.load': [0x100 + 0x00, 4], 'v128.load32_splat': [0x100 + 0x09, 2], 'v128.store': [0x100 + 0x0b, 4],
} as const;

export type PlainOp = keyof typeof PLAIN;
export type MemoryOp = keyof typeof MEMORY;
