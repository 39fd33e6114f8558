/**
 * WebAssembly SIMD kernels for the pixel conversions of `convert.ts`.
 *
 * The kernels are written here as WebAssembly instructions ({@link Code}) and compiled once, on
 * first use, from bytes this module builds itself: no build step, no native code, and they run
 * wherever WebAssembly SIMD does (Node 16.4+, current browsers). Where it does not, or where
 * compiling fails, {@link simdKernels} returns undefined and `convert.ts` uses its scalar code,
 * which computes the very same values.
 *
 * Colour arithmetic (BT.601 limited range, shared with the scalar code in `convert.ts`): 16-bit
 * lanes with 5 fractional bits. Luma is scaled by 149 / 4 (255 / 219 · 32 = 37.26) with a plain
 * 16-bit multiply; chroma, scaled by 2^7, is multiplied with `i16x8.q15mulr_sat_s`
 * (q15(a, c) = (a c + 2^14) >> 15) by coefficients in units of 2^-13:
 *
 *     yy = ((Y · 149) >>> 2) - 579          (the black level, and 16 to round the last shift)
 *     R  = (yy + q15(((Cr - 128) << 7), CRV)) >> 5
 *     G  = (yy - (q15(((Cb - 128) << 7), CGU) + q15(((Cr - 128) << 7), CGV))) >> 5
 *     B  = (yy + q15(((Cb - 128) << 7), CBU)) >> 5
 *
 * then saturated to 0..255. Over all 2^24 inputs this is within ±1 of the exact BT.601
 * formula. One iteration converts 8 pixels (4:2:2, 4:2:0), 16 (GRAY8), 5 (BGR24 to RGB24) or
 * 4 (RGB24/BGR24 to RGBA).
 *
 * @packageDocumentation
 */
import { Code, encodeModule, SIMD, type FunctionDefinition } from './wasm-encoder.js';

/** Fixed-point BT.601 limited-range coefficients in units of 2^-13 (see the module comment). */
export const YUV_Q13 = {
  /** Luma gain 255 / 219 · 32 ≈ LUMA_MUL / 2^LUMA_SHIFT (an unsigned 16-bit product). */
  LUMA_MUL: 149,
  LUMA_SHIFT: 2,
  /** 2 (1 - Kr) · 255 / 224. */
  CRV: 13075,
  /** 2 (1 - Kb) Kb / Kg · 255 / 224. */
  CGU: 3209,
  /** 2 (1 - Kr) Kr / Kg · 255 / 224. */
  CGV: 6660,
  /** 2 (1 - Kb) · 255 / 224. */
  CBU: 16525,
  /** Samples are shifted left by this before the Q15 multiply. */
  SAMPLE_SHIFT: 7,
  /** Fractional bits of the results. */
  RESULT_SHIFT: 5,
  /** Chroma zero (128), shifted by SAMPLE_SHIFT. */
  CHROMA_OFFSET: 128 << 7,
  /**
   * Added to the scaled luma: the black level (16 · 37.26) less half of the last unit; -579
   * gives the fewest differences from the exact formula over all 2^24 inputs (all within ±1).
   */
  LUMA_BIAS: -579,
} as const;

/** Pixels per iteration of each kernel family. */
export const SIMD_GROUP = { YUV: 8, GRAY: 16, RGB_TO_RGB: 5, RGB_TO_RGBA: 4 } as const;

/** The exported kernels; addresses and counts are in bytes and iterations. */
export interface SimdExports {
  memory: WebAssembly.Memory;
  /** `(src, dst, groups)`: YUYV / UYVY to RGB24 or RGBA, 8 pixels per group. */
  yuyvRgb(src: number, dst: number, groups: number): void;
  yuyvRgba(src: number, dst: number, groups: number): void;
  uyvyRgb(src: number, dst: number, groups: number): void;
  uyvyRgba(src: number, dst: number, groups: number): void;
  /**
   * 4:2:0 frames, two rows (one chroma row) per step, 8 pixels per group; `cb` is the
   * interleaved CbCr plane for NV12 (then `cr` is unused). See {@link PlanarArgs}.
   */
  i420Rgb(...args: PlanarArgs): void;
  i420Rgba(...args: PlanarArgs): void;
  nv12Rgb(...args: PlanarArgs): void;
  nv12Rgba(...args: PlanarArgs): void;
  /** `(src, dst, groups)`: GRAY8 to RGB24 or RGBA, 16 pixels per group. */
  grayRgb(src: number, dst: number, groups: number): void;
  grayRgba(src: number, dst: number, groups: number): void;
  /** `(src, dst, groups)`: BGR24 to RGB24, 5 pixels per group (writes one byte beyond). */
  bgrRgb(src: number, dst: number, groups: number): void;
  /** `(src, dst, groups)`: RGB24 or BGR24 to RGBA, 4 pixels per group (reads 4 bytes beyond). */
  rgbRgba(src: number, dst: number, groups: number): void;
  bgrRgba(src: number, dst: number, groups: number): void;
}

/**
 * Arguments of the 4:2:0 kernels: plane addresses, groups per row, row pairs, strides, and the
 * distance from the first to the second row of a pair in the luma plane and in the output
 * (normally the strides; 0 converts a last, unpaired row twice in place).
 */
export type PlanarArgs = [
  y: number,
  cb: number,
  cr: number,
  dst: number,
  groups: number,
  rowPairs: number,
  yStride: number,
  cStride: number,
  dstStride: number,
  ySecond: number,
  dstSecond: number,
];

/** Shuffle masks (lane indexes 0–15 take the first operand, 16–31 the second). */
const MASK = {
  /** 16-bit lanes 1, 1, 3, 3, 5, 5, 7, 7 (odd lanes duplicated). */
  DUP_ODD: [2, 3, 2, 3, 6, 7, 6, 7, 10, 11, 10, 11, 14, 15, 14, 15],
  /** 16-bit lanes 0, 0, 2, 2, 4, 4, 6, 6 (even lanes duplicated). */
  DUP_EVEN: [0, 1, 0, 1, 4, 5, 4, 5, 8, 9, 8, 9, 12, 13, 12, 13],
  /**
   * Interleave the low or high halves of two vectors, bytewise or by 16-bit lanes. V8 and
   * other engines turn these patterns into single unpack instructions; any other two-vector
   * shuffle costs a dozen.
   */
  BYTES_LOW: [0, 16, 1, 17, 2, 18, 3, 19, 4, 20, 5, 21, 6, 22, 7, 23],
  BYTES_HIGH: [8, 24, 9, 25, 10, 26, 11, 27, 12, 28, 13, 29, 14, 30, 15, 31],
  WORDS_LOW: [0, 1, 16, 17, 2, 3, 18, 19, 4, 5, 20, 21, 6, 7, 22, 23],
  WORDS_HIGH: [8, 9, 24, 25, 10, 11, 26, 27, 12, 13, 28, 29, 14, 15, 30, 31],
  /** Four RGBA pixels to four RGB pixels (12 bytes) and four bytes to be overwritten. */
  RGBA_TO_RGB: [0, 1, 2, 4, 5, 6, 8, 9, 10, 12, 13, 14, 15, 15, 15, 15],
  GRAY_RGB: [
    [0, 0, 0, 1, 1, 1, 2, 2, 2, 3, 3, 3, 4, 4, 4, 5],
    [5, 5, 6, 6, 6, 7, 7, 7, 8, 8, 8, 9, 9, 9, 10, 10],
    [10, 11, 11, 11, 12, 12, 12, 13, 13, 13, 14, 14, 14, 15, 15, 15],
  ],
  /** With an all-0xff second operand: byte 16 is the alpha. */
  GRAY_RGBA: [0, 1, 2, 3].map((quarter) =>
    [0, 1, 2, 3].flatMap((pixel) => {
      const sample = quarter * 4 + pixel;
      return [sample, sample, sample, 16];
    }),
  ),
  BGR_RGB: [2, 1, 0, 5, 4, 3, 8, 7, 6, 11, 10, 9, 14, 13, 12, 15],
  RGB_RGBA: [0, 1, 2, 16, 3, 4, 5, 16, 6, 7, 8, 16, 9, 10, 11, 16],
  BGR_RGBA: [2, 1, 0, 16, 5, 4, 3, 16, 8, 7, 6, 16, 11, 10, 9, 16],
} as const;

/** Bytes written per group by each output layout. */
const OUT_BYTES = { rgb: 24, rgba: 32 } as const;

/** The low byte of each 16-bit lane. */
const LOW_BYTE = 0x00ff;

const VECTOR_NAMES = [
  'ones',
  'chromaOffset',
  'blueRed',
  'greenTerms',
  'lumaGain',
  'lumaBias',
  'lowBytes',
  'compact',
  'input',
  'other',
  'y',
  'chroma',
  'products',
  'greens',
  'luma',
  'rd',
  'gd',
  'bd',
  'red',
  'green',
  'blue',
  'packed',
  'tail',
] as const;

/** Vector locals of every kernel, by name. */
type VectorLocals = Record<(typeof VECTOR_NAMES)[number], number>;

function vectorLocals(first: number): VectorLocals {
  const locals = {} as VectorLocals;
  VECTOR_NAMES.forEach((name, index) => (locals[name] = first + index));
  return locals;
}

function localTypes(i32Count: number): Array<'i32' | 'v128'> {
  return [
    ...new Array<'i32'>(i32Count).fill('i32'),
    ...new Array<'v128'>(VECTOR_NAMES.length).fill('v128'),
  ];
}

/** Set the constant vectors once per call (V8 rebuilds a `v128.const` at every use). */
function initVectors(code: Code, v: VectorLocals): void {
  const q = YUV_Q13;
  code.v128(new Array(16).fill(0xff)).set(v.ones);
  code.i16x8(q.CHROMA_OFFSET).set(v.chromaOffset);
  code.i16x8Pairs(q.CBU, q.CRV).set(v.blueRed);
  code.i16x8Pairs(q.CGU, q.CGV).set(v.greenTerms);
  code.i16x8(q.LUMA_MUL).set(v.lumaGain);
  code.i16x8(q.LUMA_BIAS).set(v.lumaBias);
  code.i16x8(LOW_BYTE).set(v.lowBytes);
  code.v128(MASK.RGBA_TO_RGB).set(v.compact);
}

/**
 * Chroma terms from `v.chroma` (raw Cb, Cr pairs in 16-bit lanes, four pairs): the red, green
 * and blue contributions, each duplicated for the two pixels that share the pair.
 */
function emitChroma(code: Code, v: VectorLocals): void {
  const q = YUV_Q13;
  code
    .get(v.chroma).i32(q.SAMPLE_SHIFT).simd(SIMD.I16X8_SHL).get(v.chromaOffset)
    .simd(SIMD.I16X8_SUB).set(v.chroma);
  code.get(v.chroma).get(v.blueRed).simd(SIMD.I16X8_Q15MULR_SAT_S).set(v.products);
  code
    .get(v.chroma).get(v.greenTerms).simd(SIMD.I16X8_Q15MULR_SAT_S)
    .simd(SIMD.I32X4_EXTADD_PAIRWISE_I16X8_S).set(v.greens);
  code.get(v.products).get(v.products).shuffle(MASK.DUP_ODD).set(v.rd);
  code.get(v.greens).get(v.greens).shuffle(MASK.DUP_EVEN).set(v.gd);
  code.get(v.products).get(v.products).shuffle(MASK.DUP_EVEN).set(v.bd);
}

/** Luma `v.y` (raw, 16-bit lanes) plus the chroma terms: 8 pixels stored at local `dst`. */
function emitPixels(code: Code, v: VectorLocals, dst: number, output: 'rgb' | 'rgba'): void {
  const q = YUV_Q13;
  code
    .get(v.y).get(v.lumaGain).simd(SIMD.I16X8_MUL).i32(q.LUMA_SHIFT).simd(SIMD.I16X8_SHR_U)
    .get(v.lumaBias).simd(SIMD.I16X8_ADD).set(v.luma);
  code
    .get(v.luma).get(v.rd).simd(SIMD.I16X8_ADD).i32(q.RESULT_SHIFT).simd(SIMD.I16X8_SHR_S)
    .set(v.red);
  code
    .get(v.luma).get(v.gd).simd(SIMD.I16X8_SUB).i32(q.RESULT_SHIFT).simd(SIMD.I16X8_SHR_S)
    .set(v.green);
  code
    .get(v.luma).get(v.bd).simd(SIMD.I16X8_ADD).i32(q.RESULT_SHIFT).simd(SIMD.I16X8_SHR_S)
    .set(v.blue);

  // Saturate to bytes, [R0..R7 B0..B7] and [G0..G7 A0..A7], then interleave by unpacking:
  // bytes give [R G …] and [B A …], 16-bit lanes give RGBA pixels 0–3 and 4–7.
  code.get(v.red).get(v.blue).simd(SIMD.I8X16_NARROW_I16X8_U).set(v.packed);
  code.get(v.green).get(v.lowBytes).simd(SIMD.I8X16_NARROW_I16X8_U).set(v.tail);
  code.get(v.packed).get(v.tail).shuffle(MASK.BYTES_LOW).set(v.red);
  code.get(v.packed).get(v.tail).shuffle(MASK.BYTES_HIGH).set(v.blue);
  code.get(v.red).get(v.blue).shuffle(MASK.WORDS_LOW).set(v.packed);
  code.get(v.red).get(v.blue).shuffle(MASK.WORDS_HIGH).set(v.tail);
  if (output === 'rgba') {
    code.get(dst).get(v.packed).memory(SIMD.V128_STORE);
    code.get(dst).get(v.tail).memory(SIMD.V128_STORE, 16);
  } else {
    // 12 bytes from each half: 16 bytes (the last 4 overwritten next), then exactly 8 + 4, so
    // nothing is written beyond the 24 bytes of the group (the next row may be done already).
    code.get(dst).get(v.packed).get(v.compact).simd(SIMD.I8X16_SWIZZLE).memory(SIMD.V128_STORE);
    code.get(v.tail).get(v.compact).simd(SIMD.I8X16_SWIZZLE).set(v.tail);
    code.get(dst).get(v.tail).store64Lane(0, 12);
    code.get(dst).get(v.tail).store32Lane(2, 20);
  }
}

/** `local += step`. */
function advance(code: Code, local: number, step: number): void {
  code.get(local).i32(step).op('add').set(local);
}

/** A `(src, dst, groups)` loop: `body` converts one group; pointers advance by the steps. */
function linearKernel(
  name: string,
  steps: { src: number; dst: number },
  body: (code: Code, v: VectorLocals) => void,
): FunctionDefinition {
  const [src, dst, groups] = [0, 1, 2];
  const v = vectorLocals(3);
  const code = new Code();
  initVectors(code, v);
  code.block().get(groups).op('eqz').brIf(0).loop();
  body(code, v);
  advance(code, src, steps.src);
  advance(code, dst, steps.dst);
  code.get(groups).i32(1).op('sub').tee(groups).brIf(0);
  code.end().end();
  return { name, params: ['i32', 'i32', 'i32'], locals: localTypes(0), body: code };
}

function packedKernel(order: 'yuyv' | 'uyvy', output: 'rgb' | 'rgba'): FunctionDefinition {
  const name = `${order}${output === 'rgb' ? 'Rgb' : 'Rgba'}`;
  return linearKernel(name, { src: 16, dst: OUT_BYTES[output] }, (code, v) => {
    // As 16-bit lanes, YUYV is [Y0 | Cb0 << 8, Y1 | Cr0 << 8, …]; UYVY has the bytes swapped.
    code.get(0).memory(SIMD.V128_LOAD).set(v.input);
    const [lumaLocal, chromaLocal] = order === 'yuyv' ? [v.y, v.chroma] : [v.chroma, v.y];
    code.get(v.input).get(v.lowBytes).simd(SIMD.V128_AND).set(lumaLocal);
    code.get(v.input).i32(8).simd(SIMD.I16X8_SHR_U).set(chromaLocal);
    emitChroma(code, v);
    emitPixels(code, v, 1, output);
  });
}

/** Two-row 4:2:0 kernel; see {@link PlanarArgs}. */
function planarKernel(layout: 'i420' | 'nv12', output: 'rgb' | 'rgba'): FunctionDefinition {
  const [y, cb, cr, dst, groups, rowPairs, yStride, cStride, dstStride, ySecond, dstSecond] = [
    0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10,
  ];
  const [pair, yp, y2p, up, vp, dp, d2p, count] = [11, 12, 13, 14, 15, 16, 17, 18];
  const v = vectorLocals(19);
  const code = new Code();
  initVectors(code, v);

  code.block().get(rowPairs).op('eqz').brIf(0).get(groups).op('eqz').brIf(0);
  code.i32(0).set(pair).loop();
  code.get(y).get(pair).get(pair).op('add').get(yStride).op('mul').op('add').tee(yp);
  code.get(ySecond).op('add').set(y2p);
  code.get(cb).get(pair).get(cStride).op('mul').op('add').set(up);
  code.get(cr).get(pair).get(cStride).op('mul').op('add').set(vp);
  code.get(dst).get(pair).get(pair).op('add').get(dstStride).op('mul').op('add').tee(dp);
  code.get(dstSecond).op('add').set(d2p);
  code.get(groups).set(count).loop();

  if (layout === 'i420') {
    code.get(up).memory(SIMD.V128_LOAD32_ZERO).get(vp).memory(SIMD.V128_LOAD32_ZERO);
    code.shuffle(MASK.BYTES_LOW).simd(SIMD.I16X8_EXTEND_LOW_I8X16_U).set(v.chroma);
  } else {
    code.get(up).memory(SIMD.V128_LOAD64_ZERO).simd(SIMD.I16X8_EXTEND_LOW_I8X16_U).set(v.chroma);
  }
  emitChroma(code, v);
  code.get(yp).memory(SIMD.V128_LOAD64_ZERO).simd(SIMD.I16X8_EXTEND_LOW_I8X16_U).set(v.y);
  emitPixels(code, v, dp, output);
  code.get(y2p).memory(SIMD.V128_LOAD64_ZERO).simd(SIMD.I16X8_EXTEND_LOW_I8X16_U).set(v.y);
  emitPixels(code, v, d2p, output);

  advance(code, yp, SIMD_GROUP.YUV);
  advance(code, y2p, SIMD_GROUP.YUV);
  advance(code, up, layout === 'i420' ? SIMD_GROUP.YUV / 2 : SIMD_GROUP.YUV);
  advance(code, vp, SIMD_GROUP.YUV / 2);
  advance(code, dp, OUT_BYTES[output]);
  advance(code, d2p, OUT_BYTES[output]);
  code.get(count).i32(1).op('sub').tee(count).brIf(0).end();

  code.get(pair).i32(1).op('add').tee(pair).get(rowPairs).op('ltU').brIf(0).end().end();

  const name = `${layout}${output === 'rgb' ? 'Rgb' : 'Rgba'}`;
  return { name, params: new Array<'i32'>(11).fill('i32'), locals: localTypes(8), body: code };
}

function grayKernel(output: 'rgb' | 'rgba'): FunctionDefinition {
  const masks = output === 'rgb' ? MASK.GRAY_RGB : MASK.GRAY_RGBA;
  const name = output === 'rgb' ? 'grayRgb' : 'grayRgba';
  return linearKernel(name, { src: 16, dst: 16 * masks.length }, (code, v) => {
    code.get(0).memory(SIMD.V128_LOAD).set(v.input);
    masks.forEach((mask, index) => {
      const second = output === 'rgb' ? v.input : v.ones;
      code.get(1).get(v.input).get(second).shuffle(mask).memory(SIMD.V128_STORE, 16 * index);
    });
  });
}

function byteShuffleKernel(
  name: string,
  mask: readonly number[],
  steps: { src: number; dst: number },
): FunctionDefinition {
  return linearKernel(name, steps, (code, v) => {
    code.get(1).get(0).memory(SIMD.V128_LOAD).get(v.ones).shuffle(mask).memory(SIMD.V128_STORE);
  });
}

/** Every kernel, in export order. */
function kernelDefinitions(): FunctionDefinition[] {
  return [
    packedKernel('yuyv', 'rgb'),
    packedKernel('yuyv', 'rgba'),
    packedKernel('uyvy', 'rgb'),
    packedKernel('uyvy', 'rgba'),
    planarKernel('i420', 'rgb'),
    planarKernel('i420', 'rgba'),
    planarKernel('nv12', 'rgb'),
    planarKernel('nv12', 'rgba'),
    grayKernel('rgb'),
    grayKernel('rgba'),
    byteShuffleKernel('bgrRgb', MASK.BGR_RGB, { src: 15, dst: 15 }),
    byteShuffleKernel('rgbRgba', MASK.RGB_RGBA, { src: 12, dst: 16 }),
    byteShuffleKernel('bgrRgba', MASK.BGR_RGBA, { src: 12, dst: 16 }),
  ];
}

/** The module's bytes (exposed for tests and for compiling in a worker). */
export function simdModuleBytes(): Uint8Array<ArrayBuffer> {
  return encodeModule(kernelDefinitions(), 1);
}

let compiled: SimdExports | null | undefined;

/**
 * The compiled kernels, or undefined where WebAssembly SIMD is unavailable. Compiled
 * synchronously on the first call; each caller of the same realm shares one instance (and so
 * one memory: use it from one place at a time, as `convert.ts` does).
 */
export function simdKernels(): SimdExports | undefined {
  if (compiled !== undefined) return compiled ?? undefined;
  compiled = null;
  try {
    if (typeof WebAssembly !== 'object') return undefined;
    const module = new WebAssembly.Module(simdModuleBytes());
    const instance = new WebAssembly.Instance(module, {});
    compiled = instance.exports as unknown as SimdExports;
  } catch {
    // No SIMD support (or a browser refusing synchronous compilation): the scalar code runs.
    // TODO: browsers refuse synchronous compilation of modules over 4 KB on the main thread
    // (this one is about 6 KB); compile with WebAssembly.compile ahead of the first frame there.
    compiled = null;
  }
  return compiled ?? undefined;
}

/** Stop using the kernels (for tests that compare them with the scalar code). */
export function disableSimdForTesting(disabled: boolean): void {
  compiled = disabled ? null : undefined;
}
