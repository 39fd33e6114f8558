/**
 * Pixel conversion of uncompressed UVC frames to packed RGB24 or RGBA32, and encoding of
 * any frame to JPEG or PNG.
 *
 * YUV formats use ITU-R BT.601 limited range (Y 16..235, Cb/Cr 16..240), the colour space
 * UVC assumes when a format has no colour matching descriptor (UVC 1.5 §3.9.2.6), with 8.8
 * fixed-point integer coefficients. GRAY8 is taken as full range luma. Frames are tightly
 * packed, as UVC sends them; chroma planes of 4:2:0 formats round odd sizes up.
 *
 * Conversion is pure JavaScript (no Node-only API) and allocates nothing when the caller
 * passes an output buffer. Encoding needs sharp, which is loaded on first use so the
 * conversion works where sharp does not.
 *
 * @packageDocumentation
 */

import { CameraError, CameraErrorCode } from '../errors.js';
import type { PixelFormat } from '../uvc/model.js';
import { ensureHuffmanTables } from './jpeg.js';

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

/**
 * BT.601 limited range to RGB in 8.8 fixed point (ITU-R BT.601 coefficients scaled by
 * 255/219 for luma and 255/224 for chroma): R = 1.164 (Y-16) + 1.596 (Cr-128), and so on.
 */
const YUV = {
  LUMA_OFFSET: 16,
  CHROMA_OFFSET: 128,
  Y_GAIN: 298,
  CR_TO_R: 409,
  CB_TO_G: 100,
  CR_TO_G: 208,
  CB_TO_B: 516,
  ROUND: 128,
  SHIFT: 8,
} as const;

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

  switch (format) {
    case 'YUYV':
      packed422(frame, layout, target, channels, { y0: 0, u: 1, y1: 2, v: 3 });
      break;
    case 'UYVY':
      packed422(frame, layout, target, channels, { y0: 1, u: 0, y1: 3, v: 2 });
      break;
    case 'NV12':
      semiPlanar420(frame, layout, target, channels);
      break;
    case 'I420':
      planar420(frame, layout, target, channels, false);
      break;
    case 'YV12':
      planar420(frame, layout, target, channels, true);
      break;
    case 'GRAY8':
      gray(frame, layout, target, channels);
      break;
    case 'RGB24':
      rgb(frame, layout, target, channels, false);
      break;
    case 'BGR24':
      rgb(frame, layout, target, channels, true);
      break;
  }
  return target;
}

/** YUYV and UYVY: two pixels share one Cb and one Cr in 4 bytes (offsets given). */
function packed422(
  frame: Uint8Array,
  layout: FrameLayout,
  out: Uint8Array,
  channels: 3 | 4,
  offsets: { y0: number; u: number; y1: number; v: number },
): void {
  const { width, height } = layout;
  const stride = chromaPlane(width, height).width * 4;

  for (let row = 0; row < height; row++) {
    let source = row * stride;
    let target = row * width * channels;
    for (let column = 0; column < width; column += 2, source += 4) {
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

/** NV12: a Y plane, then one plane of interleaved Cb, Cr for each 2×2 block. */
function semiPlanar420(
  frame: Uint8Array,
  layout: FrameLayout,
  out: Uint8Array,
  channels: 3 | 4,
): void {
  const { width, height } = layout;
  const chromaStart = width * height;
  const chromaStride = chromaPlane(width, height).width * 2;

  for (let row = 0; row < height; row++) {
    const chromaRow = chromaStart + (row >> 1) * chromaStride;
    let target = row * width * channels;
    for (let column = 0; column < width; column++, target += channels) {
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
): void {
  const { width, height } = layout;
  const chroma = chromaPlane(width, height);
  const firstPlane = width * height;
  const secondPlane = firstPlane + chroma.width * chroma.height;
  const cbPlane = crFirst ? secondPlane : firstPlane;
  const crPlane = crFirst ? firstPlane : secondPlane;

  for (let row = 0; row < height; row++) {
    const chromaRow = (row >> 1) * chroma.width;
    let target = row * width * channels;
    for (let column = 0; column < width; column++, target += channels) {
      const sample = chromaRow + (column >> 1);
      const u = frame[cbPlane + sample] ?? 0;
      const v = frame[crPlane + sample] ?? 0;
      putYuv(out, target, frame[row * width + column] ?? 0, u, v, channels);
    }
  }
}

function gray(frame: Uint8Array, layout: FrameLayout, out: Uint8Array, channels: 3 | 4): void {
  const pixels = layout.width * layout.height;
  for (let pixel = 0, target = 0; pixel < pixels; pixel++, target += channels) {
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
): void {
  const pixels = layout.width * layout.height;
  const red = swap ? 2 : 0;
  const blue = swap ? 0 : 2;
  for (let pixel = 0, source = 0, target = 0; pixel < pixels; pixel++) {
    out[target] = frame[source + red] ?? 0;
    out[target + 1] = frame[source + 1] ?? 0;
    out[target + 2] = frame[source + blue] ?? 0;
    if (channels === RGBA_CHANNELS) out[target + 3] = OPAQUE;
    source += RGB_CHANNELS;
    target += channels;
  }
}

/** One BT.601 limited-range pixel, integer arithmetic, clamped to 0..255. */
function putYuv(
  out: Uint8Array,
  target: number,
  y: number,
  u: number,
  v: number,
  channels: 3 | 4,
): void {
  const luma = YUV.Y_GAIN * (y - YUV.LUMA_OFFSET) + YUV.ROUND;
  const cb = u - YUV.CHROMA_OFFSET;
  const cr = v - YUV.CHROMA_OFFSET;
  out[target] = clamp((luma + YUV.CR_TO_R * cr) >> YUV.SHIFT);
  out[target + 1] = clamp((luma - YUV.CB_TO_G * cb - YUV.CR_TO_G * cr) >> YUV.SHIFT);
  out[target + 2] = clamp((luma + YUV.CB_TO_B * cb) >> YUV.SHIFT);
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
