/**
 * Pixel conversion of uncompressed UVC frames to packed RGB24 or RGBA32, and encoding of
 * any frame to JPEG or PNG.
 *
 * YUV formats use ITU-R BT.601 limited range (Y 16..235, Cb/Cr 16..240), the colour space
 * UVC assumes when a format has no colour matching descriptor (UVC 1.5 §3.9.2.6), in 16-bit
 * fixed point (within ±1 of the exact formula for every input; see `simd-convert.ts`). GRAY8 is
 * taken as full range luma. Frames are tightly packed, as UVC sends them; chroma planes of
 * 4:2:0 formats round odd sizes up.
 *
 * Conversion runs in WebAssembly SIMD kernels (`simd-convert.ts`) where the engine has them and
 * in plain JavaScript otherwise (and for the last pixels of a row that do not fill a SIMD
 * group); both compute the same bytes. No Node-only API is used. Encoding and MJPEG decoding
 * need sharp, which is loaded on first use so the conversion works where sharp does not.
 *
 * @packageDocumentation
 */

import { CameraError, CameraErrorCode } from '../errors.js';
import type { PixelFormat } from '../uvc/model.js';
import { ensureHuffmanTables } from './jpeg.js';
import { SIMD_GROUP, simdKernels, YUV_Q13, type SimdExports } from './simd-convert.js';

/** The pixel formats {@link toRgb} and {@link toRgba} convert. */
export type ConvertibleFormat =
  | 'YUYV'
  | 'UYVY'
  | 'NV12'
  | 'I420'
  | 'YV12'
  | 'GRAY8'
  | 'RGB24'
  | 'BGR24';

/** Which pixels a frame holds. */
export interface FrameLayout {
  pixelFormat: PixelFormat;
  width: number;
  height: number;
}

/** Image file types {@link toImage} produces. */
export type ImageType = 'jpeg' | 'png';

/** Channels of packed RGB and RGBA output. */
export const RGB_CHANNELS = 3;
export const RGBA_CHANNELS = 4;

const CONVERTIBLE: readonly ConvertibleFormat[] = [
  'YUYV',
  'UYVY',
  'NV12',
  'I420',
  'YV12',
  'GRAY8',
  'RGB24',
  'BGR24',
];

/** The largest width or height accepted (UVC wWidth/wHeight are 16-bit). */
const MAX_DIMENSION = 0xffff;

/** JPEG quality range of sharp, and its default. */
const JPEG_QUALITY = { MIN: 1, MAX: 100, DEFAULT: 85 } as const;

/** WebAssembly memory page size. */
const WASM_PAGE = 65536;

/** Frames smaller than this many pixels are converted in JavaScript (no copy into WebAssembly). */
const SIMD_MIN_PIXELS = 64;

/** Bytes the kernels may read or write past the end of their input and output. */
const SIMD_SLACK = 64;

const OPAQUE = 255;
const MAX_COMPONENT = 255;

/** True when {@link toRgb} can convert the format. */
export function isConvertible(pixelFormat: PixelFormat): pixelFormat is ConvertibleFormat {
  return (CONVERTIBLE as readonly string[]).includes(pixelFormat);
}

/**
 * Bytes a tightly packed frame of this layout holds.
 *
 * @throws CameraError 7400101 for a format {@link toRgb} cannot convert or bad dimensions.
 */
export function frameByteLength(layout: FrameLayout): number {
  const format = checkLayout(layout);
  const { width, height } = layout;
  const chroma = chromaPlane(width, height);

  switch (format) {
    case 'YUYV':
    case 'UYVY':
      return chroma.width * 4 * height;
    case 'NV12':
    case 'I420':
    case 'YV12':
      return width * height + 2 * chroma.width * chroma.height;
    case 'GRAY8':
      return width * height;
    case 'RGB24':
    case 'BGR24':
      return width * height * RGB_CHANNELS;
  }
}

/**
 * Convert a frame to packed RGB24 (R, G, B per pixel, rows top to bottom).
 *
 * @param out Optional output of at least width × height × 3 bytes; filled and returned.
 * @throws CameraError 7400101 for an unsupported format, a frame shorter than
 *   {@link frameByteLength}, or an output buffer that is too small.
 */
export function toRgb(frame: Uint8Array, layout: FrameLayout, out?: Uint8Array): Uint8Array {
  return convert(frame, layout, RGB_CHANNELS, out);
}

/** Like {@link toRgb} with a fourth, opaque alpha byte per pixel (RGBA32). */
export function toRgba(frame: Uint8Array, layout: FrameLayout, out?: Uint8Array): Uint8Array {
  return convert(frame, layout, RGBA_CHANNELS, out);
}

/**
 * Encode a frame as a JPEG or PNG file with sharp. MJPEG frames get the standard Huffman
 * tables when they lack them; an MJPEG frame asked for as JPEG without a quality is returned
 * as it came (repaired), not re-encoded.
 *
 * @param quality JPEG quality 1..100 (default 85); ignored for PNG.
 * @throws CameraError 7400101 for an unsupported format, bad sizes or a bad quality;
 *   7400201 when sharp fails.
 */
export async function toImage(
  frame: Uint8Array,
  layout: FrameLayout,
  type: ImageType,
  quality?: number,
): Promise<Uint8Array> {
  checkQuality(quality);

  if (layout.pixelFormat === 'MJPEG') {
    const jpeg = ensureHuffmanTables(frame);
    if (type === 'jpeg' && quality === undefined) return jpeg;
    return encode(jpeg, undefined, type, quality);
  }

  const raw = rawInput(frame, layout);
  const { width, height } = layout;
  return encode(raw.pixels, { width, height, channels: raw.channels }, type, quality);
}

/** Packed pixel layouts {@link toPixels} produces. */
export type PixelLayout = 'rgb' | 'rgba';

/** Decoded pixels: `width × height × channels` bytes, rows top to bottom. */
export interface Pixels {
  data: Uint8Array;
  width: number;
  height: number;
  channels: 3 | 4;
}

/**
 * Any frame as packed RGB24 or RGBA32 pixels: MJPEG decoded by sharp (Huffman tables inserted
 * when the frame lacks them, bugs.md §14), uncompressed formats by {@link toRgb} /
 * {@link toRgba}.
 *
 * @throws CameraError 7400101 for an unsupported format or bad sizes; 7400201 when sharp
 *   cannot decode the frame.
 */
export async function toPixels(
  frame: Uint8Array,
  layout: FrameLayout,
  output: PixelLayout,
  out?: Uint8Array,
): Promise<Pixels> {
  const channels = output === 'rgba' ? RGBA_CHANNELS : RGB_CHANNELS;
  if (layout.pixelFormat === 'MJPEG') return decodeMjpeg(frame, channels);

  const data = channels === RGBA_CHANNELS ? toRgba(frame, layout, out) : toRgb(frame, layout, out);
  return { data, width: layout.width, height: layout.height, channels };
}

async function decodeMjpeg(frame: Uint8Array, channels: 3 | 4): Promise<Pixels> {
  const jpeg = ensureHuffmanTables(frame);
  try {
    const { default: sharp } = await import('sharp');
    const decoder = sharp(jpeg);
    const image = channels === RGBA_CHANNELS ? decoder.ensureAlpha() : decoder.removeAlpha();
    const { data, info } = await image.raw().toBuffer({ resolveWithObject: true });
    const pixels = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
    return { data: pixels, width: info.width, height: info.height, channels };
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    const message = `Decoding an MJPEG frame failed: ${reason}`;
    throw new CameraError(CameraErrorCode.SERVICE_FATAL_ERROR, message, { cause: error });
  }
}

/** Pixels sharp can take as they are (1 or 3 interleaved channels), converting the rest. */
function rawInput(frame: Uint8Array, layout: FrameLayout): { pixels: Uint8Array; channels: 1 | 3 } {
  const format = checkLayout(layout);
  const length = frameByteLength(layout);
  checkFrame(frame, length, format);

  if (format === 'GRAY8') return { pixels: frame.subarray(0, length), channels: 1 };
  if (format === 'RGB24') return { pixels: frame.subarray(0, length), channels: RGB_CHANNELS };
  return { pixels: toRgb(frame, layout), channels: RGB_CHANNELS };
}

async function encode(
  input: Uint8Array,
  raw: { width: number; height: number; channels: 1 | 3 } | undefined,
  type: ImageType,
  quality: number | undefined,
): Promise<Uint8Array> {
  try {
    const { default: sharp } = await import('sharp');
    let image = raw === undefined ? sharp(input) : sharp(input, { raw });
    // sharp widens one-channel input to sRGB unless told to keep it grey.
    if (raw?.channels === 1) image = image.toColourspace('b-w');
    const encoded =
      type === 'png' ? image.png() : image.jpeg({ quality: quality ?? JPEG_QUALITY.DEFAULT });
    return new Uint8Array(await encoded.toBuffer());
  } catch (error) {
    if (error instanceof CameraError) throw error;
    const reason = error instanceof Error ? error.message : String(error);
    const message = `Encoding a frame as ${type} failed: ${reason}`;
    throw new CameraError(CameraErrorCode.SERVICE_FATAL_ERROR, message, { cause: error });
  }
}

function convert(
  frame: Uint8Array,
  layout: FrameLayout,
  channels: 3 | 4,
  out?: Uint8Array,
): Uint8Array {
  const format = checkLayout(layout);
  checkFrame(frame, frameByteLength(layout), format);
  const needed = layout.width * layout.height * channels;
  if (out !== undefined && out.length < needed) {
    throw new CameraError(CameraErrorCode.INVALID_ARGUMENT, 'Output buffer too small', {
      expected: `at least ${needed} bytes`,
      found: `${out.length} bytes`,
    });
  }
  const target = out ?? new Uint8Array(needed);

  const kernels = layout.width * layout.height >= SIMD_MIN_PIXELS ? simdKernels() : undefined;
  if (kernels === undefined || !convertSimd(kernels, format, frame, layout, target, channels)) {
    convertScalar(format, frame, layout, target, channels);
  }
  return target;
}

/** Where a conversion's scalar part starts: pixel index (linear) or column (per row). */
interface ScalarStart {
  pixel: number;
  column: number;
}

const FROM_START: ScalarStart = { pixel: 0, column: 0 };

function convertScalar(
  format: ConvertibleFormat,
  frame: Uint8Array,
  layout: FrameLayout,
  out: Uint8Array,
  channels: 3 | 4,
  start: ScalarStart = FROM_START,
): void {
  switch (format) {
    case 'YUYV':
      packed422(frame, layout, out, channels, YUYV_OFFSETS, start.pixel);
      break;
    case 'UYVY':
      packed422(frame, layout, out, channels, UYVY_OFFSETS, start.pixel);
      break;
    case 'NV12':
      semiPlanar420(frame, layout, out, channels, start.column);
      break;
    case 'I420':
      planar420(frame, layout, out, channels, false, start.column);
      break;
    case 'YV12':
      planar420(frame, layout, out, channels, true, start.column);
      break;
    case 'GRAY8':
      gray(frame, layout, out, channels, start.pixel);
      break;
    case 'RGB24':
      rgb(frame, layout, out, channels, false, start.pixel);
      break;
    case 'BGR24':
      rgb(frame, layout, out, channels, true, start.pixel);
      break;
  }
}

/** The kernels' memory as bytes, refreshed when it grows. */
let simdBytes: Uint8Array | undefined;

/** A byte view of the kernels' memory with at least `size` bytes. */
function simdMemory(kernels: SimdExports, size: number): Uint8Array {
  const memory = kernels.memory;
  const missing = size - memory.buffer.byteLength;
  if (missing > 0) memory.grow(Math.ceil(missing / WASM_PAGE));
  if (simdBytes === undefined || simdBytes.buffer !== memory.buffer) {
    simdBytes = new Uint8Array(memory.buffer);
  }
  return simdBytes;
}

function align16(value: number): number {
  return Math.ceil(value / 16) * 16;
}

/**
 * Convert with the SIMD kernels, in strips of about {@link SIMD_STRIP_BYTES} of input: copy a
 * strip into their memory, run the kernel, copy the result out; the pixels no group covered are
 * converted in JavaScript at the end. Strips keep the data in the core's cache between the three
 * steps, so memory sees about one read of the frame and one write of the result, as with a
 * converter that works in place. False when the layout has no kernel (odd-width 4:2:2).
 */
function convertSimd(
  kernels: SimdExports,
  format: ConvertibleFormat,
  frame: Uint8Array,
  layout: FrameLayout,
  out: Uint8Array,
  channels: 3 | 4,
): boolean {
  const { width, height } = layout;
  if (format === 'RGB24' && channels === RGB_CHANNELS) {
    out.set(frame.subarray(0, width * height * RGB_CHANNELS), 0);
    return true;
  }
  if ((format === 'YUYV' || format === 'UYVY') && width % 2 !== 0) return false;

  const start =
    format === 'NV12' || format === 'I420' || format === 'YV12'
      ? planarStrips(kernels, format, frame, layout, out, channels)
      : linearStrips(kernels, format, frame, layout, out, channels);
  const pixels = width * height;
  const rest = start.column > 0 ? start.column < width : start.pixel < pixels;
  if (rest) convertScalar(format, frame, layout, out, channels, start);
  return true;
}

/** Input bytes per strip: a few strips of input and output stay within a core's L2 cache. */
const SIMD_STRIP_BYTES = 64 * 1024;

/** A linear kernel with its pixels per group and input bytes per pixel. */
interface LinearKernel {
  kernel: (src: number, dst: number, groups: number) => void;
  group: number;
  bytes: number;
}

/** The linear kernel of a format. */
function linearKernel(
  kernels: SimdExports,
  format: 'YUYV' | 'UYVY' | 'GRAY8' | 'RGB24' | 'BGR24',
  rgba: boolean,
): LinearKernel {
  const { YUV, GRAY, RGB_TO_RGB, RGB_TO_RGBA } = SIMD_GROUP;
  switch (format) {
    case 'YUYV':
      return { kernel: rgba ? kernels.yuyvRgba : kernels.yuyvRgb, group: YUV, bytes: 2 };
    case 'UYVY':
      return { kernel: rgba ? kernels.uyvyRgba : kernels.uyvyRgb, group: YUV, bytes: 2 };
    case 'GRAY8':
      return { kernel: rgba ? kernels.grayRgba : kernels.grayRgb, group: GRAY, bytes: 1 };
    case 'RGB24':
      return { kernel: kernels.rgbRgba, group: RGB_TO_RGBA, bytes: RGB_CHANNELS };
    case 'BGR24':
      return rgba
        ? { kernel: kernels.bgrRgba, group: RGB_TO_RGBA, bytes: RGB_CHANNELS }
        : { kernel: kernels.bgrRgb, group: RGB_TO_RGB, bytes: RGB_CHANNELS };
  }
}

/** Formats whose pixels follow each other in one run (4:2:2 of even width, GRAY8, RGB). */
function linearStrips(
  kernels: SimdExports,
  format: 'YUYV' | 'UYVY' | 'GRAY8' | 'RGB24' | 'BGR24',
  frame: Uint8Array,
  layout: FrameLayout,
  out: Uint8Array,
  channels: 3 | 4,
): ScalarStart {
  const { kernel, group, bytes } = linearKernel(kernels, format, channels === RGBA_CHANNELS);
  const totalGroups = Math.floor((layout.width * layout.height) / group);
  const stripGroups = Math.max(1, Math.floor(SIMD_STRIP_BYTES / (group * bytes)));
  const inBytes = stripGroups * group * bytes;
  const outAt = align16(inBytes + SIMD_SLACK);
  const memory = simdMemory(kernels, outAt + stripGroups * group * channels + SIMD_SLACK);

  for (let first = 0; first < totalGroups; first += stripGroups) {
    const count = Math.min(stripGroups, totalGroups - first);
    const from = first * group * bytes;
    memory.set(frame.subarray(from, from + count * group * bytes), 0);
    kernel(0, outAt, count);
    const produced = count * group * channels;
    out.set(memory.subarray(outAt, outAt + produced), first * group * channels);
  }
  return { pixel: totalGroups * group, column: 0 };
}

/** 4:2:0 formats, a strip of row pairs at a time (and a last odd row on its own). */
function planarStrips(
  kernels: SimdExports,
  format: 'NV12' | 'I420' | 'YV12',
  frame: Uint8Array,
  layout: FrameLayout,
  out: Uint8Array,
  channels: 3 | 4,
): ScalarStart {
  const { width, height } = layout;
  const chroma = chromaPlane(width, height);
  const rgba = channels === RGBA_CHANNELS;
  const nv12 = format === 'NV12';
  const rgbaKernel = nv12 ? kernels.nv12Rgba : kernels.i420Rgba;
  const kernel = rgba ? rgbaKernel : nv12 ? kernels.nv12Rgb : kernels.i420Rgb;
  const groups = Math.floor(width / SIMD_GROUP.YUV);
  if (groups === 0) return { pixel: 0, column: 0 };

  const lumaSize = width * height;
  const chromaSize = chroma.width * chroma.height;
  const cbPlane = format === 'YV12' ? lumaSize + chromaSize : lumaSize;
  const crPlane = format === 'YV12' ? lumaSize : lumaSize + chromaSize;
  const cStride = nv12 ? chroma.width * 2 : chroma.width;
  const dstStride = width * channels;
  const pairBytes = 2 * width + (nv12 ? cStride : 2 * cStride);
  const stripPairs = Math.max(1, Math.floor(SIMD_STRIP_BYTES / pairBytes));
  const cbAt = align16(2 * stripPairs * width + SIMD_SLACK);
  const crAt = align16(cbAt + stripPairs * cStride + SIMD_SLACK);
  const outAt = align16(crAt + stripPairs * cStride + SIMD_SLACK);
  const memory = simdMemory(kernels, outAt + 2 * stripPairs * dstStride + SIMD_SLACK);

  // `pairs` row pairs from row 2 × `firstPair`; `single` converts one (last) row instead.
  const strip = (firstPair: number, pairs: number, single: boolean): void => {
    const firstRow = 2 * firstPair;
    const rows = single ? 1 : 2 * pairs;
    memory.set(frame.subarray(firstRow * width, (firstRow + rows) * width), 0);
    const chromaFrom = firstPair * cStride;
    const chromaTo = chromaFrom + pairs * cStride;
    memory.set(frame.subarray(cbPlane + chromaFrom, cbPlane + chromaTo), cbAt);
    if (!nv12) memory.set(frame.subarray(crPlane + chromaFrom, crPlane + chromaTo), crAt);
    const second = single ? 0 : width;
    const dstSecond = single ? 0 : dstStride;
    kernel(0, cbAt, crAt, outAt, groups, pairs, width, cStride, dstStride, second, dstSecond);
    out.set(memory.subarray(outAt, outAt + rows * dstStride), firstRow * dstStride);
  };

  const pairs = height >> 1;
  for (let first = 0; first < pairs; first += stripPairs) {
    strip(first, Math.min(stripPairs, pairs - first), false);
  }
  if (height % 2 !== 0) strip(pairs, 1, true);
  return { pixel: 0, column: groups * SIMD_GROUP.YUV };
}

/** Byte offsets of Y0, Cb, Y1, Cr in a 4-byte 4:2:2 group. */
interface PackedOffsets {
  y0: number;
  u: number;
  y1: number;
  v: number;
}

const YUYV_OFFSETS: PackedOffsets = { y0: 0, u: 1, y1: 2, v: 3 };
const UYVY_OFFSETS: PackedOffsets = { y0: 1, u: 0, y1: 3, v: 2 };

/**
 * YUYV and UYVY: two pixels share one Cb and one Cr in 4 bytes. From pixel `first` (counted
 * across rows; only with an even width, where rows hold whole pairs and follow each other).
 */
function packed422(
  frame: Uint8Array,
  layout: FrameLayout,
  out: Uint8Array,
  channels: 3 | 4,
  offsets: PackedOffsets,
  first: number,
): void {
  const { width, height } = layout;
  const stride = chromaPlane(width, height).width * 4;
  const firstRow = Math.floor(first / width);

  for (let row = firstRow; row < height; row++) {
    const firstColumn = row === firstRow ? first - row * width : 0;
    let source = row * stride + (firstColumn >> 1) * 4;
    let target = (row * width + firstColumn) * channels;
    for (let column = firstColumn; column < width; column += 2, source += 4) {
      const u = frame[source + offsets.u] ?? 0;
      const v = frame[source + offsets.v] ?? 0;
      putYuv(out, target, frame[source + offsets.y0] ?? 0, u, v, channels);
      target += channels;
      if (column + 1 < width) {
        putYuv(out, target, frame[source + offsets.y1] ?? 0, u, v, channels);
        target += channels;
      }
    }
  }
}

/** NV12: a Y plane, then one plane of interleaved Cb, Cr for each 2×2 block; from `first`. */
function semiPlanar420(
  frame: Uint8Array,
  layout: FrameLayout,
  out: Uint8Array,
  channels: 3 | 4,
  first: number,
): void {
  const { width, height } = layout;
  const chromaStart = width * height;
  const chromaStride = chromaPlane(width, height).width * 2;

  for (let row = 0; row < height; row++) {
    const chromaRow = chromaStart + (row >> 1) * chromaStride;
    let target = (row * width + first) * channels;
    for (let column = first; column < width; column++, target += channels) {
      const chroma = chromaRow + (column >> 1) * 2;
      const u = frame[chroma] ?? 0;
      const v = frame[chroma + 1] ?? 0;
      putYuv(out, target, frame[row * width + column] ?? 0, u, v, channels);
    }
  }
}

/** I420 (Y, Cb, Cr planes) and YV12 (Y, Cr, Cb planes), one chroma sample per 2×2 block. */
function planar420(
  frame: Uint8Array,
  layout: FrameLayout,
  out: Uint8Array,
  channels: 3 | 4,
  crFirst: boolean,
  first: number,
): void {
  const { width, height } = layout;
  const chroma = chromaPlane(width, height);
  const firstPlane = width * height;
  const secondPlane = firstPlane + chroma.width * chroma.height;
  const cbPlane = crFirst ? secondPlane : firstPlane;
  const crPlane = crFirst ? firstPlane : secondPlane;

  for (let row = 0; row < height; row++) {
    const chromaRow = (row >> 1) * chroma.width;
    let target = (row * width + first) * channels;
    for (let column = first; column < width; column++, target += channels) {
      const sample = chromaRow + (column >> 1);
      const u = frame[cbPlane + sample] ?? 0;
      const v = frame[crPlane + sample] ?? 0;
      putYuv(out, target, frame[row * width + column] ?? 0, u, v, channels);
    }
  }
}

function gray(
  frame: Uint8Array,
  layout: FrameLayout,
  out: Uint8Array,
  channels: 3 | 4,
  first: number,
): void {
  const pixels = layout.width * layout.height;
  for (let pixel = first, target = first * channels; pixel < pixels; pixel++, target += channels) {
    const y = frame[pixel] ?? 0;
    out[target] = y;
    out[target + 1] = y;
    out[target + 2] = y;
    if (channels === RGBA_CHANNELS) out[target + 3] = OPAQUE;
  }
}

function rgb(
  frame: Uint8Array,
  layout: FrameLayout,
  out: Uint8Array,
  channels: 3 | 4,
  swap: boolean,
  first: number,
): void {
  const pixels = layout.width * layout.height;
  const red = swap ? 2 : 0;
  const blue = swap ? 0 : 2;
  let source = first * RGB_CHANNELS;
  let target = first * channels;
  for (let pixel = first; pixel < pixels; pixel++) {
    out[target] = frame[source + red] ?? 0;
    out[target + 1] = frame[source + 1] ?? 0;
    out[target + 2] = frame[source + blue] ?? 0;
    if (channels === RGBA_CHANNELS) out[target + 3] = OPAQUE;
    source += RGB_CHANNELS;
    target += channels;
  }
}

/** The Q15 rounding multiply of `i16x8.q15mulr_sat_s` (no saturation needed in range). */
function q15(sample: number, coefficient: number): number {
  return (sample * coefficient + 0x4000) >> 15;
}

/** One BT.601 limited-range pixel with the arithmetic of the SIMD kernels, clamped to 0..255. */
function putYuv(
  out: Uint8Array,
  target: number,
  y: number,
  u: number,
  v: number,
  channels: 3 | 4,
): void {
  const q = YUV_Q13;
  const luma = ((y * q.LUMA_MUL) >>> q.LUMA_SHIFT) + q.LUMA_BIAS;
  const cb = (u << q.SAMPLE_SHIFT) - q.CHROMA_OFFSET;
  const cr = (v << q.SAMPLE_SHIFT) - q.CHROMA_OFFSET;
  out[target] = clamp((luma + q15(cr, q.CRV)) >> q.RESULT_SHIFT);
  out[target + 1] = clamp((luma - (q15(cb, q.CGU) + q15(cr, q.CGV))) >> q.RESULT_SHIFT);
  out[target + 2] = clamp((luma + q15(cb, q.CBU)) >> q.RESULT_SHIFT);
  if (channels === RGBA_CHANNELS) out[target + 3] = OPAQUE;
}

function clamp(value: number): number {
  return value < 0 ? 0 : value > MAX_COMPONENT ? MAX_COMPONENT : value;
}

function chromaPlane(width: number, height: number): { width: number; height: number } {
  return { width: (width + 1) >> 1, height: (height + 1) >> 1 };
}

function checkLayout(layout: FrameLayout): ConvertibleFormat {
  const { pixelFormat, width, height } = layout;
  if (!isConvertible(pixelFormat)) {
    const message = 'Pixel format cannot be converted to RGB';
    throw new CameraError(CameraErrorCode.INVALID_ARGUMENT, message, {
      expected: CONVERTIBLE.join(', '),
      found: pixelFormat,
    });
  }
  for (const [name, value] of [['width', width], ['height', height]] as const) {
    if (!Number.isInteger(value) || value < 1 || value > MAX_DIMENSION) {
      throw new CameraError(CameraErrorCode.INVALID_ARGUMENT, `Frame ${name} out of range`, {
        expected: `an integer in 1..${MAX_DIMENSION}`,
        found: value,
      });
    }
  }
  return pixelFormat;
}

function checkFrame(frame: Uint8Array, length: number, format: ConvertibleFormat): void {
  if (frame.length < length) {
    throw new CameraError(CameraErrorCode.INVALID_ARGUMENT, `${format} frame too short`, {
      expected: `${length} bytes`,
      found: `${frame.length} bytes`,
    });
  }
}

function checkQuality(quality: number | undefined): void {
  if (quality === undefined) return;
  if (!Number.isInteger(quality) || quality < JPEG_QUALITY.MIN || quality > JPEG_QUALITY.MAX) {
    throw new CameraError(CameraErrorCode.INVALID_ARGUMENT, 'JPEG quality out of range', {
      expected: `an integer in ${JPEG_QUALITY.MIN}..${JPEG_QUALITY.MAX}`,
      found: quality,
    });
  }
}
