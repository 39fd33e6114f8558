/**
 * The emulated cameras' moving test pattern, and the payload source that serves it.
 *
 * The picture: the upper two thirds hold eight 75% colour bars (white, yellow, cyan, green,
 * magenta, red, blue, black — the order of SMPTE EG 1 bars); a white box with a black core
 * bounces across them, one grid step per frame; the lower third is dark grey and shows the
 * frame index as six decimal digits drawn with blocks (a 3×5 font) on the left, and as 16
 * binary blocks (most significant bit first, white = 1) on the right, which
 * {@link readPatternIndex} reads back. Edges snap to a 16-pixel grid on frames of at least
 * 256×192 so that JPEG blocks stay flat.
 *
 * Y'CbCr formats use BT.601 coefficients in limited range (Y' 16–235, the range UVC cameras
 * send); RGB formats use full range. Rendering writes into a caller buffer and allocates
 * nothing.
 *
 * No Node-only API is used.
 *
 * @packageDocumentation
 */

import { CameraError, CameraErrorCode } from '../errors.js';
import type { FormatDescriptor, FrameDescriptor, PixelFormat } from '../uvc/model.js';
import { BaselineJpegEncoder } from './baseline-jpeg.js';

/** The pixel formats the pattern can be rendered in. */
export type PatternPixelFormat = 'YUYV' | 'UYVY' | 'NV12' | 'I420' | 'YV12' | 'GRAY8' | 'RGB24' | 'BGR24';

const PATTERN_FORMATS: ReadonlySet<string> = new Set<PatternPixelFormat>([
  'YUYV',
  'UYVY',
  'NV12',
  'I420',
  'YV12',
  'GRAY8',
  'RGB24',
  'BGR24',
]);

/** True when the pattern can be rendered in `format`. */
export function isPatternPixelFormat(format: PixelFormat | string): format is PatternPixelFormat {
  return PATTERN_FORMATS.has(format);
}

/** An 8-bit R'G'B' colour. */
export interface Rgb {
  r: number;
  g: number;
  b: number;
}

/** The eight 75% bars, left to right. */
export const PATTERN_BARS: readonly Rgb[] = [
  { r: 191, g: 191, b: 191 },
  { r: 191, g: 191, b: 0 },
  { r: 0, g: 191, b: 191 },
  { r: 0, g: 191, b: 0 },
  { r: 191, g: 0, b: 191 },
  { r: 191, g: 0, b: 0 },
  { r: 0, g: 0, b: 191 },
  { r: 0, g: 0, b: 0 },
];

const WHITE: Rgb = { r: 255, g: 255, b: 255 };
const BLACK: Rgb = { r: 0, g: 0, b: 0 };
const STRIP: Rgb = { r: 40, g: 40, b: 40 };

/** Y'CbCr range: limited (studio, 16–235/240) or full (JFIF, 0–255). */
export type YCbCrRange = 'limited' | 'full';

/** A colour in every representation the renderer writes. */
interface Paint {
  r: number;
  g: number;
  b: number;
  y: number;
  cb: number;
  cr: number;
}

/** BT.601 R'G'B' (0–255) to Y'CbCr in the given range (ITU-R BT.601 §2.5). */
export function rgbToYCbCr(rgb: Rgb, range: YCbCrRange = 'limited'): { y: number; cb: number; cr: number } {
  const r = rgb.r / 255;
  const g = rgb.g / 255;
  const b = rgb.b / 255;
  const luma = 0.299 * r + 0.587 * g + 0.114 * b;
  const blue = (b - luma) / 1.772;
  const red = (r - luma) / 1.402;
  const clamp = (value: number): number => Math.min(255, Math.max(0, Math.round(value)));
  if (range === 'full') return { y: clamp(255 * luma), cb: clamp(128 + 255 * blue), cr: clamp(128 + 255 * red) };
  return { y: clamp(16 + 219 * luma), cb: clamp(128 + 224 * blue), cr: clamp(128 + 224 * red) };
}

function paint(rgb: Rgb, range: YCbCrRange): Paint {
  return { ...rgb, ...rgbToYCbCr(rgb, range) };
}

/** Bytes one frame of the pattern takes in `format`. */
export function patternFrameSize(format: PatternPixelFormat, width: number, height: number): number {
  const chroma = Math.ceil(width / 2) * Math.ceil(height / 2);
  switch (format) {
    case 'YUYV':
    case 'UYVY':
      return width * height * 2;
    case 'NV12':
    case 'I420':
    case 'YV12':
      return width * height + 2 * chroma;
    case 'GRAY8':
      return width * height;
    case 'RGB24':
    case 'BGR24':
      return width * height * 3;
  }
}

// ------------------------------------------------------------------------------------------
// Geometry.

/** Digits 0–9 in a 3×5 block font, one row of three bits per entry (bit 2 = left). */
const DIGIT_FONT: readonly (readonly number[])[] = [
  [7, 5, 5, 5, 7],
  [2, 6, 2, 2, 7],
  [7, 1, 7, 4, 7],
  [7, 1, 7, 1, 7],
  [5, 5, 7, 1, 1],
  [7, 4, 7, 1, 7],
  [7, 4, 7, 5, 7],
  [7, 1, 1, 1, 1],
  [7, 5, 7, 5, 7],
  [7, 5, 7, 1, 7],
];

/** Decimal digits and binary blocks of the frame counter. */
const COUNTER_DIGITS = 6;
const COUNTER_BITS = 16;
const COUNTER_MODULUS = 10 ** COUNTER_DIGITS;

/** Frames at least this size snap their edges to {@link LARGE_GRID}. */
const LARGE_FRAME = { width: 256, height: 192 } as const;
const LARGE_GRID = 16;
const SMALL_GRID = 2;
const JPEG_BLOCK = 8;

interface Layout {
  grid: number;
  barsBottom: number;
  barEdges: number[];
  boxSize: number;
  digitCell: number;
  bitCell: number;
  digitsX: number;
  digitsY: number;
  bitsX: number;
  bitsY: number;
}

const layouts = new Map<string, Layout>();

/** Shares of the frame width the decimal digits and the binary blocks may take. */
const DIGITS_SHARE = 0.55;
const BITS_SHARE = 0.4;

/** A cell size: a multiple of a JPEG block when possible, else an even number of pixels. */
function cellSize(ideal: number): number {
  if (ideal >= JPEG_BLOCK) return Math.floor(ideal / JPEG_BLOCK) * JPEG_BLOCK;
  return Math.max(SMALL_GRID, Math.floor(ideal / SMALL_GRID) * SMALL_GRID);
}

function layoutOf(width: number, height: number): Layout {
  const key = `${width}x${height}`;
  const cached = layouts.get(key);
  if (cached) return cached;

  const grid = width >= LARGE_FRAME.width && height >= LARGE_FRAME.height ? LARGE_GRID : SMALL_GRID;
  const snap = (value: number): number => Math.round(value / grid) * grid;
  const barsBottom = Math.min(height, Math.max(grid, snap((height * 2) / 3)));
  const barEdges = Array.from({ length: PATTERN_BARS.length + 1 }, (_, index) =>
    Math.min(width, snap((index * width) / PATTERN_BARS.length)),
  );
  const boxSize = Math.max(grid, snap(Math.min(width, barsBottom) / 5));

  // Counter cells: a digit is 5 cells tall in a strip of 7; the digits take the left 55% of
  // the width (4 cells each), the bits the right 40% (2 cells each).
  const strip = height - barsBottom;
  const digitCell = cellSize(Math.min(strip / 7, (width * DIGITS_SHARE) / (COUNTER_DIGITS * 4)));
  const bitCell = cellSize(Math.min(strip / 7, (width * BITS_SHARE) / (COUNTER_BITS * 2)));
  const layout: Layout = {
    grid,
    barsBottom,
    barEdges,
    boxSize,
    digitCell,
    bitCell,
    digitsX: digitCell,
    digitsY: barsBottom + digitCell,
    bitsX: width - COUNTER_BITS * 2 * bitCell,
    bitsY: barsBottom + digitCell + 2 * digitCell + (digitCell >> 1) - (bitCell >> 1),
  };
  layouts.set(key, layout);
  return layout;
}

/** Position on a path that runs 0 → span → 0 → … one step per frame. */
function bounce(index: number, step: number, span: number): number {
  if (span <= 0) return 0;
  const steps = Math.max(1, Math.floor(span / step));
  const period = 2 * steps;
  const phase = index % period;
  return (phase <= steps ? phase : period - phase) * step;
}

// ------------------------------------------------------------------------------------------
// Rendering.

/** A rectangle painter for one pixel format. */
interface Painter {
  fill(x0: number, y0: number, x1: number, y1: number, colour: Paint): void;
}

function painterFor(target: Uint8Array, format: PatternPixelFormat, width: number, height: number): Painter {
  const lumaSize = width * height;
  const chromaWidth = Math.ceil(width / 2);
  const chromaSize = chromaWidth * Math.ceil(height / 2);

  // Fill the first row of the rectangle, then copy it to the other rows.
  const rows = (stride: number, offset: number, x0: number, x1: number, y0: number, y1: number, bpp: number) => {
    const start = offset + y0 * stride + x0 * bpp;
    const end = offset + y0 * stride + x1 * bpp;
    for (let row = y0 + 1; row < y1; row += 1) target.copyWithin(offset + row * stride + x0 * bpp, start, end);
  };

  const planar = (colour: Paint, x0: number, y0: number, x1: number, y1: number, first: number, second: number): void => {
    for (let row = y0; row < y1; row += 1) target.fill(colour.y, row * width + x0, row * width + x1);
    const cx0 = x0 >> 1;
    const cx1 = Math.ceil(x1 / 2);
    for (let row = y0 >> 1; row < Math.ceil(y1 / 2); row += 1) {
      target.fill(first, lumaSize + row * chromaWidth + cx0, lumaSize + row * chromaWidth + cx1);
      target.fill(second, lumaSize + chromaSize + row * chromaWidth + cx0, lumaSize + chromaSize + row * chromaWidth + cx1);
    }
  };

  return {
    fill(x0, y0, x1, y1, colour) {
      x0 = Math.max(0, Math.min(width, x0));
      x1 = Math.max(x0, Math.min(width, x1));
      y0 = Math.max(0, Math.min(height, y0));
      y1 = Math.max(y0, Math.min(height, y1));
      if (x0 === x1 || y0 === y1) return;

      switch (format) {
        case 'YUYV':
        case 'UYVY': {
          const stride = width * 2;
          const luma = format === 'YUYV' ? 0 : 1;
          const chroma = 1 - luma;
          const base = y0 * stride;
          for (let x = x0; x < x1; x += 1) {
            target[base + x * 2 + luma] = colour.y;
            target[base + x * 2 + chroma] = x % 2 === 0 ? colour.cb : colour.cr;
          }
          rows(stride, 0, x0, x1, y0, y1, 2);
          return;
        }
        case 'RGB24':
        case 'BGR24': {
          const stride = width * 3;
          const base = y0 * stride;
          const [c0, c2] = format === 'RGB24' ? [colour.r, colour.b] : [colour.b, colour.r];
          for (let x = x0; x < x1; x += 1) {
            target[base + x * 3] = c0;
            target[base + x * 3 + 1] = colour.g;
            target[base + x * 3 + 2] = c2;
          }
          rows(stride, 0, x0, x1, y0, y1, 3);
          return;
        }
        case 'GRAY8':
          for (let row = y0; row < y1; row += 1) target.fill(colour.y, row * width + x0, row * width + x1);
          return;
        case 'I420':
          planar(colour, x0, y0, x1, y1, colour.cb, colour.cr);
          return;
        case 'YV12':
          planar(colour, x0, y0, x1, y1, colour.cr, colour.cb);
          return;
        case 'NV12': {
          for (let row = y0; row < y1; row += 1) target.fill(colour.y, row * width + x0, row * width + x1);
          const cx0 = x0 >> 1;
          const cx1 = Math.ceil(x1 / 2);
          const cy0 = y0 >> 1;
          const cy1 = Math.ceil(y1 / 2);
          const stride = chromaWidth * 2;
          for (let cx = cx0; cx < cx1; cx += 1) {
            target[lumaSize + cy0 * stride + cx * 2] = colour.cb;
            target[lumaSize + cy0 * stride + cx * 2 + 1] = colour.cr;
          }
          rows(stride, lumaSize, cx0, cx1, cy0, cy1, 2);
          return;
        }
      }
    },
  };
}

/** Options of {@link renderPattern}. */
export interface RenderPatternOptions {
  /** Y'CbCr range of Y'CbCr formats; `'limited'` when absent (what UVC cameras send). */
  range?: YCbCrRange;
}

const paints = new Map<YCbCrRange, { bars: Paint[]; white: Paint; black: Paint; strip: Paint }>();

function paintsFor(range: YCbCrRange): { bars: Paint[]; white: Paint; black: Paint; strip: Paint } {
  let set = paints.get(range);
  if (!set) {
    set = {
      bars: PATTERN_BARS.map((bar) => paint(bar, range)),
      white: paint(WHITE, range),
      black: paint(BLACK, range),
      strip: paint(STRIP, range),
    };
    paints.set(range, set);
  }
  return set;
}

/**
 * Render frame `index` of the pattern into `target` (at least {@link patternFrameSize} bytes).
 *
 * @throws CameraError INVALID_ARGUMENT when the size is not positive or `target` is too small.
 */
export function renderPattern(
  target: Uint8Array,
  format: PatternPixelFormat,
  width: number,
  height: number,
  index: number,
  options: RenderPatternOptions = {},
): void {
  const needed = patternFrameSize(format, width, height);
  if (!(width > 0 && height > 0) || target.length < needed) {
    throw new CameraError(CameraErrorCode.INVALID_ARGUMENT, 'the pattern buffer does not fit the frame', {
      expected: `${needed} bytes for ${format} ${width}x${height}`,
      found: `${target.length} bytes`,
    });
  }

  const layout = layoutOf(width, height);
  const colours = paintsFor(options.range ?? 'limited');
  const painter = painterFor(target, format, width, height);
  const frame = Math.max(0, Math.floor(index));

  // Bars, then the strip below them.
  for (let bar = 0; bar < PATTERN_BARS.length; bar += 1) {
    const colour = colours.bars[bar];
    if (colour) painter.fill(layout.barEdges[bar] ?? 0, 0, layout.barEdges[bar + 1] ?? width, layout.barsBottom, colour);
  }
  painter.fill(0, layout.barsBottom, width, height, colours.strip);

  // The box bounces diagonally over the bars.
  const size = layout.boxSize;
  const boxX = bounce(frame, layout.grid, width - size);
  const boxY = bounce(frame, layout.grid, layout.barsBottom - size);
  painter.fill(boxX, boxY, boxX + size, boxY + size, colours.white);
  const core = Math.floor(size / 4 / layout.grid) * layout.grid || Math.floor(size / 4);
  painter.fill(boxX + core, boxY + core, boxX + size - core, boxY + size - core, colours.black);

  // The counter: decimal digits, then binary blocks.
  const cell = layout.digitCell;
  const digits = String(frame % COUNTER_MODULUS).padStart(COUNTER_DIGITS, '0');
  for (let position = 0; position < COUNTER_DIGITS; position += 1) {
    const glyph = DIGIT_FONT[Number(digits[position])] ?? [];
    const left = layout.digitsX + position * 4 * cell;
    glyph.forEach((bits, row) => {
      for (let column = 0; column < 3; column += 1) {
        if ((bits & (4 >> column)) === 0) continue;
        const x = left + column * cell;
        const y = layout.digitsY + row * cell;
        painter.fill(x, y, x + cell, y + cell, colours.white);
      }
    });
  }
  const bitCell = layout.bitCell;
  for (let bit = 0; bit < COUNTER_BITS; bit += 1) {
    const on = ((frame >> (COUNTER_BITS - 1 - bit)) & 1) === 1;
    const x = layout.bitsX + bit * 2 * bitCell;
    painter.fill(x, layout.bitsY, x + bitCell, layout.bitsY + bitCell, on ? colours.white : colours.black);
  }
}

/** Luma (or green for RGB) of the pixel at (x, y) of a frame in `format`. */
function lumaAt(frame: Uint8Array, format: PatternPixelFormat, width: number, x: number, y: number): number {
  switch (format) {
    case 'YUYV':
      return frame[(y * width + x) * 2] ?? 0;
    case 'UYVY':
      return frame[(y * width + x) * 2 + 1] ?? 0;
    case 'RGB24':
    case 'BGR24':
      return frame[(y * width + x) * 3 + 1] ?? 0;
    default:
      return frame[y * width + x] ?? 0;
  }
}

/**
 * The frame index (modulo 65536) the binary blocks of a rendered pattern show, for checking
 * that no frame was lost or repeated. `undefined` when the frame is too small to hold it.
 */
export function readPatternIndex(frame: Uint8Array, format: PatternPixelFormat, width: number, height: number): number | undefined {
  if (frame.length < patternFrameSize(format, width, height)) return undefined;
  const layout = layoutOf(width, height);
  const cell = layout.bitCell;
  if (layout.bitsX < 0 || layout.bitsY + cell > height) return undefined;

  const threshold = 128;
  let value = 0;
  for (let bit = 0; bit < COUNTER_BITS; bit += 1) {
    const x = layout.bitsX + bit * 2 * cell + (cell >> 1);
    const y = layout.bitsY + (cell >> 1);
    value = value * 2 + (lumaAt(frame, format, width, x, y) > threshold ? 1 : 0);
  }
  return value;
}

// ------------------------------------------------------------------------------------------
// The payload source.

/**
 * Where an emulated camera gets the bytes of each frame.
 *
 * `frame` returns the whole frame for the committed format and frame size; `index` counts
 * frames since streaming started. The emulator copies the bytes into payloads before asking
 * for the next frame, so a source may return the same buffer every time.
 */
export interface PayloadSource {
  frame(format: FormatDescriptor, frame: FrameDescriptor, index: number): Uint8Array;
}

/** A synchronous JPEG encoder of packed 8-bit R'G'B' (3 bytes per pixel). */
export type JpegEncodeFunction = (rgb: Uint8Array, width: number, height: number) => Uint8Array;

/** Options of {@link createPatternSource}. */
export interface PatternSourceOptions {
  /** Quality of the built-in JPEG encoder, 1–100; 85 when absent. */
  jpegQuality?: number;
  /** Encode MJPEG frames with this function instead of the built-in encoder. */
  encodeJpeg?: JpegEncodeFunction;
  /** Pre-encoded JPEG frames by size (`'640x480'`), served in turn instead of encoding. */
  mjpegFrames?: Readonly<Record<string, readonly Uint8Array[]>>;
}

/** Bytes per pixel of frame-based frames' stand-in content (an eighth of a byte). */
const FRAME_BASED_BYTES_PER_PIXEL = 1 / 8;

/** Annex B start code and an access unit delimiter NAL, which begin each frame-based frame. */
const FRAME_BASED_PREFIX = [0x00, 0x00, 0x00, 0x01, 0x09, 0xf0];

/**
 * The default payload source: the moving pattern in every uncompressed format it knows, JPEG
 * frames of it for MJPEG, and deterministic filler elsewhere.
 *
 * - Uncompressed formats the pattern does not know (Bayer, M420, 16-bit grey, RGB565, …) get
 *   a deterministic byte ramp of width × height × bBitsPerPixel / 8 bytes.
 * - Frame-based formats (H.264, H.265, VP8) get a deterministic byte pattern, NOT a decodable
 *   bitstream: an Annex B start code and access unit delimiter, then filler bytes without
 *   start-code emulation, about width × height / 8 bytes, capped at the frame's maximum size.
 *   It is enough for tests of framing, not for decoders.
 */
export function createPatternSource(options: PatternSourceOptions = {}): PayloadSource {
  const buffers = new Map<string, Uint8Array>();
  let encoder: BaselineJpegEncoder | undefined;

  const buffer = (key: string, size: number): Uint8Array => {
    let bytes = buffers.get(key);
    if (!bytes || bytes.length < size) {
      bytes = new Uint8Array(size);
      buffers.set(key, bytes);
    }
    return bytes;
  };

  const jpeg = (width: number, height: number, index: number): Uint8Array => {
    const frames = options.mjpegFrames?.[`${width}x${height}`];
    if (frames && frames.length > 0) return frames[index % frames.length] ?? new Uint8Array(0);

    if (options.encodeJpeg) {
      const rgb = buffer(`jpeg-rgb:${width}x${height}`, patternFrameSize('RGB24', width, height));
      renderPattern(rgb, 'RGB24', width, height, index);
      return options.encodeJpeg(rgb, width, height);
    }

    const planes = buffer(`jpeg-i420:${width}x${height}`, patternFrameSize('I420', width, height));
    renderPattern(planes, 'I420', width, height, index, { range: 'full' });
    const lumaSize = width * height;
    const chromaSize = Math.ceil(width / 2) * Math.ceil(height / 2);
    encoder ??= new BaselineJpegEncoder(options.jpegQuality ?? 85);
    return encoder.encode({
      width,
      height,
      y: planes.subarray(0, lumaSize),
      cb: planes.subarray(lumaSize, lumaSize + chromaSize),
      cr: planes.subarray(lumaSize + chromaSize, lumaSize + 2 * chromaSize),
    });
  };

  return {
    frame(format, frame, index) {
      const width = frame.wWidth;
      const height = frame.wHeight;
      if (format.kind === 'mjpeg') return jpeg(width, height, index);

      if (format.kind === 'uncompressed') {
        const size = Math.ceil((width * height * (format.bBitsPerPixel ?? 16)) / 8);
        const key = `${format.pixelFormat}:${width}x${height}`;
        if (isPatternPixelFormat(format.pixelFormat) && patternFrameSize(format.pixelFormat, width, height) <= size) {
          const bytes = buffer(key, size);
          renderPattern(bytes, format.pixelFormat, width, height, index);
          return bytes.subarray(0, size);
        }
        return filler(buffer(key, size).subarray(0, size), index);
      }

      const cap = frame.dwMaxVideoFrameBufferSize ?? Number.MAX_SAFE_INTEGER;
      const size = Math.max(FRAME_BASED_PREFIX.length + 1, Math.min(cap, Math.ceil(width * height * FRAME_BASED_BYTES_PER_PIXEL)));
      const bytes = buffer(`${format.kind}:${width}x${height}`, size).subarray(0, size);
      bytes.set(FRAME_BASED_PREFIX);
      filler(bytes.subarray(FRAME_BASED_PREFIX.length), index);
      return bytes;
    },
  };
}

/** Deterministic bytes 0x10–0xFF that depend on the frame index (no 00 00 0x sequences). */
function filler(bytes: Uint8Array, index: number): Uint8Array {
  const span = 0xf0;
  for (let offset = 0; offset < bytes.length; offset += 1) bytes[offset] = 0x10 + ((offset * 7 + index * 13) % span);
  return bytes;
}
