/**
 * A minimal WebAssembly binary encoder: just enough of the WebAssembly 2.0 core format (§5,
 * "Binary Format") and its fixed-width SIMD instructions to build the pixel conversion kernels
 * of `simd-convert.ts` at run time, with no build tool and no Node-only API.
 *
 * A module here has one exported memory and functions whose bodies are byte arrays written
 * with {@link Code}. Only the instructions the kernels use are named.
 *
 * @packageDocumentation
 */

/** Value types (WebAssembly §5.3.1). */
export const VALUE_TYPE = { i32: 0x7f, v128: 0x7b } as const;

/** A value type by name. */
export type ValueTypeName = keyof typeof VALUE_TYPE;

/** Section ids (WebAssembly §5.5.2). */
const SECTION = { TYPE: 1, FUNCTION: 3, MEMORY: 5, EXPORT: 7, CODE: 10 } as const;

/** Export kinds (WebAssembly §5.5.10). */
const EXPORT_KIND = { FUNCTION: 0x00, MEMORY: 0x02 } as const;

/** Header: the magic `\0asm` and version 1 (WebAssembly §5.5.16). */
const MODULE_HEADER = [0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00];

/** The function type tag and the empty block type (WebAssembly §5.3.6, §5.4.1). */
const FUNC_TYPE = 0x60;
const EMPTY_BLOCK = 0x40;

/** Core opcodes used by the kernels (WebAssembly §5.4). */
const OP = {
  BLOCK: 0x02,
  LOOP: 0x03,
  BR: 0x0c,
  BR_IF: 0x0d,
  END: 0x0b,
  LOCAL_GET: 0x20,
  LOCAL_SET: 0x21,
  LOCAL_TEE: 0x22,
  I32_CONST: 0x41,
  I32_EQZ: 0x45,
  I32_NE: 0x47,
  I32_LT_U: 0x49,
  I32_ADD: 0x6a,
  I32_SUB: 0x6b,
  I32_MUL: 0x6c,
  I32_SHR_U: 0x76,
  SIMD_PREFIX: 0xfd,
} as const;

/** SIMD opcodes after the 0xFD prefix (WebAssembly §5.4.8), as unsigned LEB128 values. */
export const SIMD = {
  V128_LOAD: 0,
  V128_STORE: 11,
  V128_CONST: 12,
  I8X16_SHUFFLE: 13,
  I8X16_SWIZZLE: 14,
  V128_STORE32_LANE: 90,
  V128_STORE64_LANE: 91,
  V128_LOAD32_ZERO: 92,
  V128_LOAD64_ZERO: 93,
  V128_AND: 78,
  I8X16_NARROW_I16X8_U: 102,
  I32X4_EXTADD_PAIRWISE_I16X8_S: 126,
  I16X8_Q15MULR_SAT_S: 130,
  I16X8_EXTEND_LOW_I8X16_U: 137,
  I16X8_SHL: 139,
  I16X8_SHR_S: 140,
  I16X8_SHR_U: 141,
  I16X8_ADD: 142,
  I16X8_SUB: 145,
  I16X8_MUL: 149,
} as const;

/** Append the unsigned LEB128 encoding of `value` (WebAssembly §5.2.2). */
function unsignedLeb(out: number[], value: number): void {
  let rest = value >>> 0;
  do {
    const byte = rest & 0x7f;
    rest >>>= 7;
    out.push(rest === 0 ? byte : byte | 0x80);
  } while (rest !== 0);
}

/** Append the signed LEB128 encoding of a 32-bit `value`. */
function signedLeb(out: number[], value: number): void {
  let rest = value | 0;
  for (;;) {
    const byte = rest & 0x7f;
    rest >>= 7;
    const done = (rest === 0 && (byte & 0x40) === 0) || (rest === -1 && (byte & 0x40) !== 0);
    out.push(done ? byte : byte | 0x80);
    if (done) return;
  }
}

function name(out: number[], text: string): void {
  const bytes = Array.from(text, (character) => character.charCodeAt(0));
  unsignedLeb(out, bytes.length);
  out.push(...bytes);
}

function section(out: number[], id: number, body: number[]): void {
  out.push(id);
  unsignedLeb(out, body.length);
  out.push(...body);
}

/** A function body being written; every method appends one instruction and returns `this`. */
export class Code {
  readonly bytes: number[] = [];

  /** `local.get index`. */
  get(index: number): this {
    return this.#withIndex(OP.LOCAL_GET, index);
  }

  /** `local.set index`. */
  set(index: number): this {
    return this.#withIndex(OP.LOCAL_SET, index);
  }

  /** `local.tee index`. */
  tee(index: number): this {
    return this.#withIndex(OP.LOCAL_TEE, index);
  }

  /** `i32.const value`. */
  i32(value: number): this {
    this.bytes.push(OP.I32_CONST);
    signedLeb(this.bytes, value);
    return this;
  }

  /** A core instruction without immediates: `add`, `sub`, `mul`, `shrU`, `ltU`, `ne`, `eqz`. */
  op(kind: 'add' | 'sub' | 'mul' | 'shrU' | 'ltU' | 'ne' | 'eqz'): this {
    const codes = {
      add: OP.I32_ADD,
      sub: OP.I32_SUB,
      mul: OP.I32_MUL,
      shrU: OP.I32_SHR_U,
      ltU: OP.I32_LT_U,
      ne: OP.I32_NE,
      eqz: OP.I32_EQZ,
    };
    this.bytes.push(codes[kind]);
    return this;
  }

  /** `block` with no result. */
  block(): this {
    this.bytes.push(OP.BLOCK, EMPTY_BLOCK);
    return this;
  }

  /** `loop` with no result. */
  loop(): this {
    this.bytes.push(OP.LOOP, EMPTY_BLOCK);
    return this;
  }

  /** `br_if depth`. */
  brIf(depth: number): this {
    return this.#withIndex(OP.BR_IF, depth);
  }

  /** `br depth`. */
  br(depth: number): this {
    return this.#withIndex(OP.BR, depth);
  }

  /** `end`. */
  end(): this {
    this.bytes.push(OP.END);
    return this;
  }

  /** A SIMD instruction without immediates. */
  simd(opcode: number): this {
    this.bytes.push(OP.SIMD_PREFIX);
    unsignedLeb(this.bytes, opcode);
    return this;
  }

  /** A SIMD memory instruction with its memarg (alignment exponent 0, constant `offset`). */
  memory(opcode: number, offset = 0): this {
    this.simd(opcode);
    this.bytes.push(0);
    unsignedLeb(this.bytes, offset);
    return this;
  }

  /** `v128.store64_lane` of lane `lane` at the address on the stack plus `offset`. */
  store64Lane(lane: number, offset = 0): this {
    this.memory(SIMD.V128_STORE64_LANE, offset);
    this.bytes.push(lane);
    return this;
  }

  /** `v128.store32_lane` of lane `lane` at the address on the stack plus `offset`. */
  store32Lane(lane: number, offset = 0): this {
    this.memory(SIMD.V128_STORE32_LANE, offset);
    this.bytes.push(lane);
    return this;
  }

  /** `v128.const` with sixteen bytes. */
  v128(bytes: readonly number[]): this {
    this.simd(SIMD.V128_CONST);
    this.bytes.push(...sixteen(bytes));
    return this;
  }

  /** `v128.const` with eight 16-bit lanes of the same value. */
  i16x8(value: number): this {
    return this.i16x8Pairs(value, value);
  }

  /** `v128.const` with 16-bit lanes alternating `even`, `odd`. */
  i16x8Pairs(even: number, odd: number): this {
    const bytes: number[] = [];
    for (let lane = 0; lane < 8; lane += 1) {
      const value = lane % 2 === 0 ? even : odd;
      bytes.push(value & 0xff, (value >> 8) & 0xff);
    }
    return this.v128(bytes);
  }

  /** `i8x16.shuffle` with sixteen lane indexes (0–15 first operand, 16–31 second). */
  shuffle(lanes: readonly number[]): this {
    this.simd(SIMD.I8X16_SHUFFLE);
    this.bytes.push(...sixteen(lanes));
    return this;
  }

  #withIndex(opcode: number, index: number): this {
    this.bytes.push(opcode);
    unsignedLeb(this.bytes, index);
    return this;
  }
}

function sixteen(bytes: readonly number[]): number[] {
  if (bytes.length !== 16) throw new RangeError(`expected 16 bytes, found ${bytes.length}`);
  return bytes.map((byte) => byte & 0xff);
}

/** One function of a module: its signature, extra locals and body. */
export interface FunctionDefinition {
  /** The name it is exported under. */
  name: string;
  params: ValueTypeName[];
  /** Locals beyond the parameters, in order. */
  locals: ValueTypeName[];
  /** The body without the final `end`. */
  body: Code;
}

/** Encode a module with one memory (exported as `memory`, `pages` 64 KiB pages at first). */
export function encodeModule(
  functions: readonly FunctionDefinition[],
  pages: number,
): Uint8Array<ArrayBuffer> {
  const out = [...MODULE_HEADER];

  const types: number[] = [];
  unsignedLeb(types, functions.length);
  for (const fn of functions) {
    types.push(FUNC_TYPE);
    unsignedLeb(types, fn.params.length);
    for (const param of fn.params) types.push(VALUE_TYPE[param]);
    types.push(0);
  }
  section(out, SECTION.TYPE, types);

  const indexes: number[] = [];
  unsignedLeb(indexes, functions.length);
  functions.forEach((_, index) => unsignedLeb(indexes, index));
  section(out, SECTION.FUNCTION, indexes);

  const memory: number[] = [1, 0];
  unsignedLeb(memory, pages);
  section(out, SECTION.MEMORY, memory);

  const exports: number[] = [];
  unsignedLeb(exports, functions.length + 1);
  functions.forEach((fn, index) => {
    name(exports, fn.name);
    exports.push(EXPORT_KIND.FUNCTION);
    unsignedLeb(exports, index);
  });
  name(exports, 'memory');
  exports.push(EXPORT_KIND.MEMORY, 0);
  section(out, SECTION.EXPORT, exports);

  const code: number[] = [];
  unsignedLeb(code, functions.length);
  for (const fn of functions) {
    const body: number[] = [];
    unsignedLeb(body, fn.locals.length);
    for (const local of fn.locals) {
      body.push(1, VALUE_TYPE[local]);
    }
    body.push(...fn.body.bytes, OP.END);
    unsignedLeb(code, body.length);
    code.push(...body);
  }
  section(out, SECTION.CODE, code);

  return new Uint8Array(out);
}
