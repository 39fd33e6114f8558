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
import { isConvertible, type ConvertibleFormat } from '../stream/convert.js';
import { BaselineJpegEncoder } from './baseline-jpeg.js';

/** The pixel formats the pattern can be rendered in: the ones webuvc converts to RGB. */
export type PatternPixelFormat = ConvertibleFormat;

/** True when the pattern can be rendered in `format`. */
export function isPatternPixelFormat(format: PixelFormat | string): format is PatternPixelFormat {
  return isConvertible(format as PixelFormat);
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
export function rgbToYCbCr(
  rgb: Rgb,
  range: YCbCrRange = 'limited',
): { y: number; cb: number; cr: number } {
  const r = rgb.r / 255;
  const g = rgb.g / 255;
  const b = rgb.b / 255;
  const luma = 0.299 * r + 0.587 * g + 0.114 * b;
  const blue = (b - luma) / 1.772;
  const red = (r - luma) / 1.402;
  const clamp = (value: number): number => Math.min(255, Math.max(0, Math.round(value)));
  // Full range spans 0–255; limited range puts Y' on 16–235 and Cb, Cr on 16–240 (BT.601).
  const [black, lumaSpan, chromaSpan] = range === 'full' ? [0, 255, 255] : [16, 219, 224];
  return {
    y: clamp(black + lumaSpan * luma),
    cb: clamp(128 + chromaSpan * blue),
    cr: clamp(128 + chromaSpan * red),
  };
}

function paint(rgb: Rgb, range: YCbCrRange): Paint {
  return { ...rgb, ...rgbToYCbCr(rgb, range) };
}

/** Bytes one frame of the pattern takes in `format`. */
export function patternFrameSize(
  format: PatternPixelFormat,
  width: number,
  height: number,
): number {
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

/** A half-open rectangle of pixels: [x0, x1) × [y0, y1). */
interface Rect {
  x0: number;
  y0: number;
  x1: number;
  y1: number;
}

/** A rectangle painter for one pixel format. */
type Painter = (rect: Rect, colour: Paint) => void;

/** Where the planes of a planar or semi-planar frame start. */
interface PlaneLayout {
  width: number;
  lumaSize: number;
  chromaWidth: number;
  chromaSize: number;
}

function planeLayout(width: number, height: number): PlaneLayout {
  const chromaWidth = Math.ceil(width / 2);
  const chromaSize = chromaWidth * Math.ceil(height / 2);
  return { width, lumaSize: width * height, chromaWidth, chromaSize };
}

/** The chroma rectangle (4:2:0) covering a luma rectangle. */
function chromaRect(rect: Rect): Rect {
  const half = (value: number): number => Math.ceil(value / 2);
  return { x0: rect.x0 >> 1, y0: rect.y0 >> 1, x1: half(rect.x1), y1: half(rect.y1) };
}

/** Where a plane starts in the frame and the bytes of one of its rows. */
interface Plane {
  origin: number;
  stride: number;
}

/** Copy the first row of `rect` (already painted) to its other rows; `bpp` bytes per pixel. */
function copyFirstRow(target: Uint8Array, rect: Rect, plane: Plane, bpp: number): void {
  const { origin, stride } = plane;
  const start = origin + rect.y0 * stride + rect.x0 * bpp;
  const end = origin + rect.y0 * stride + rect.x1 * bpp;
  for (let row = rect.y0 + 1; row < rect.y1; row += 1) {
    target.copyWithin(origin + row * stride + rect.x0 * bpp, start, end);
  }
}

/** Fill a rectangle of a one-byte-per-sample plane. */
function fillPlane(target: Uint8Array, rect: Rect, plane: Plane, value: number): void {
  for (let row = rect.y0; row < rect.y1; row += 1) {
    const rowStart = plane.origin + row * plane.stride;
    target.fill(value, rowStart + rect.x0, rowStart + rect.x1);
  }
}

function packedYuvPainter(target: Uint8Array, width: number, lumaFirst: boolean): Painter {
  const stride = width * 2;
  const luma = lumaFirst ? 0 : 1;
  const chroma = 1 - luma;
  return (rect, colour) => {
    const base = rect.y0 * stride;
    for (let x = rect.x0; x < rect.x1; x += 1) {
      target[base + x * 2 + luma] = colour.y;
      target[base + x * 2 + chroma] = x % 2 === 0 ? colour.cb : colour.cr;
    }
    copyFirstRow(target, rect, { origin: 0, stride }, 2);
  };
}

function rgbPainter(target: Uint8Array, width: number, redFirst: boolean): Painter {
  const stride = width * 3;
  return (rect, colour) => {
    const base = rect.y0 * stride;
    const [first, third] = redFirst ? [colour.r, colour.b] : [colour.b, colour.r];
    for (let x = rect.x0; x < rect.x1; x += 1) {
      target[base + x * 3] = first;
      target[base + x * 3 + 1] = colour.g;
      target[base + x * 3 + 2] = third;
    }
    copyFirstRow(target, rect, { origin: 0, stride }, 3);
  };
}

/** I420 (Cb plane first) or YV12 (Cr plane first). */
function planarPainter(target: Uint8Array, layout: PlaneLayout, cbFirst: boolean): Painter {
  const luma = { origin: 0, stride: layout.width };
  const first = { origin: layout.lumaSize, stride: layout.chromaWidth };
  const second = { origin: layout.lumaSize + layout.chromaSize, stride: layout.chromaWidth };
  return (rect, colour) => {
    fillPlane(target, rect, luma, colour.y);
    const chroma = chromaRect(rect);
    fillPlane(target, chroma, first, cbFirst ? colour.cb : colour.cr);
    fillPlane(target, chroma, second, cbFirst ? colour.cr : colour.cb);
  };
}

/** NV12: the Y plane, then Cb and Cr interleaved at half resolution. */
function semiPlanarPainter(target: Uint8Array, layout: PlaneLayout): Painter {
  const luma = { origin: 0, stride: layout.width };
  const stride = layout.chromaWidth * 2;
  return (rect, colour) => {
    fillPlane(target, rect, luma, colour.y);
    const chroma = chromaRect(rect);
    const base = layout.lumaSize + chroma.y0 * stride;
    for (let cx = chroma.x0; cx < chroma.x1; cx += 1) {
      target[base + cx * 2] = colour.cb;
      target[base + cx * 2 + 1] = colour.cr;
    }
    copyFirstRow(target, chroma, { origin: layout.lumaSize, stride }, 2);
  };
}

function painterFor(target: Uint8Array, frame: PatternFrame): Painter {
  const { width, height } = frame;
  const layout = planeLayout(width, height);
  const paintFormat = ((): Painter => {
    switch (frame.format) {
      case 'YUYV':
      case 'UYVY':
        return packedYuvPainter(target, width, frame.format === 'YUYV');
      case 'RGB24':
      case 'BGR24':
        return rgbPainter(target, width, frame.format === 'RGB24');
      case 'GRAY8':
        return (rect, colour) => fillPlane(target, rect, { origin: 0, stride: width }, colour.y);
      case 'I420':
      case 'YV12':
        return planarPainter(target, layout, frame.format === 'I420');
      case 'NV12':
        return semiPlanarPainter(target, layout);
    }
  })();

  // Clip to the frame, then paint.
  return (rect, colour) => {
    const x0 = Math.max(0, Math.min(width, rect.x0));
    const x1 = Math.max(x0, Math.min(width, rect.x1));
    const y0 = Math.max(0, Math.min(height, rect.y0));
    const y1 = Math.max(y0, Math.min(height, rect.y1));
    if (x0 < x1 && y0 < y1) paintFormat({ x0, y0, x1, y1 }, colour);
  };
}

/** A frame of the pattern: pixel format, size, and the Y'CbCr range of Y'CbCr formats. */
export interface PatternFrame {
  format: PatternPixelFormat;
  width: number;
  height: number;
  /** `'limited'` when absent (what UVC cameras send); JPEG (JFIF) wants `'full'`. */
  range?: YCbCrRange;
}

/** The colours of one range. */
interface Palette {
  bars: Paint[];
  white: Paint;
  black: Paint;
  strip: Paint;
}

const palettes = new Map<YCbCrRange, Palette>();

function paletteFor(range: YCbCrRange): Palette {
  let palette = palettes.get(range);
  if (!palette) {
    palette = {
      bars: PATTERN_BARS.map((bar) => paint(bar, range)),
      white: paint(WHITE, range),
      black: paint(BLACK, range),
      strip: paint(STRIP, range),
    };
    palettes.set(range, palette);
  }
  return palette;
}

/**
 * Render frame `index` of the pattern into `target` (at least {@link patternFrameSize} bytes).
 *
 * @throws CameraError INVALID_ARGUMENT when the size is not positive or `target` is too small.
 */
export function renderPattern(target: Uint8Array, frame: PatternFrame, index: number): void {
  const { format, width, height } = frame;
  const needed = patternFrameSize(format, width, height);
  if (!(width > 0 && height > 0) || target.length < needed) {
    const message = 'the pattern buffer does not fit the frame';
    throw new CameraError(CameraErrorCode.INVALID_ARGUMENT, message, {
      expected: `${needed} bytes for ${format} ${width}x${height}`,
      found: `${target.length} bytes`,
    });
  }

  const layout = layoutOf(width, height);
  const colours = paletteFor(frame.range ?? 'limited');
  const fill = painterFor(target, frame);
  const frameIndex = Math.max(0, Math.floor(index));

  // Bars, then the strip below them.
  colours.bars.forEach((colour, bar) => {
    const x0 = layout.barEdges[bar] ?? 0;
    const x1 = layout.barEdges[bar + 1] ?? width;
    fill({ x0, y0: 0, x1, y1: layout.barsBottom }, colour);
  });
  fill({ x0: 0, y0: layout.barsBottom, x1: width, y1: height }, colours.strip);

  // The box bounces diagonally over the bars.
  const size = layout.boxSize;
  const boxX = bounce(frameIndex, layout.grid, width - size);
  const boxY = bounce(frameIndex, layout.grid, layout.barsBottom - size);
  fill({ x0: boxX, y0: boxY, x1: boxX + size, y1: boxY + size }, colours.white);
  const core = Math.floor(size / 4 / layout.grid) * layout.grid || Math.floor(size / 4);
  const far = size - core;
  fill({ x0: boxX + core, y0: boxY + core, x1: boxX + far, y1: boxY + far }, colours.black);


  drawCounter(fill, layout, frameIndex, colours);
}

/** The frame counter: decimal digits in a block font, then binary blocks. */
function drawCounter(fill: Painter, layout: Layout, frameIndex: number, colours: Palette): void {
  const cell = layout.digitCell;
  const digits = String(frameIndex % COUNTER_MODULUS).padStart(COUNTER_DIGITS, '0');
  for (let position = 0; position < COUNTER_DIGITS; position += 1) {
    const glyph = DIGIT_FONT[Number(digits[position])] ?? [];
    const left = layout.digitsX + position * 4 * cell;
    glyph.forEach((bits, row) => {
      for (let column = 0; column < 3; column += 1) {
        if ((bits & (4 >> column)) === 0) continue;
        const x0 = left + column * cell;
        const y0 = layout.digitsY + row * cell;
        fill({ x0, y0, x1: x0 + cell, y1: y0 + cell }, colours.white);
      }
    });
  }

  const bitCell = layout.bitCell;
  for (let bit = 0; bit < COUNTER_BITS; bit += 1) {
    const on = ((frameIndex >> (COUNTER_BITS - 1 - bit)) & 1) === 1;
    const x0 = layout.bitsX + bit * 2 * bitCell;
    const rect = { x0, y0: layout.bitsY, x1: x0 + bitCell, y1: layout.bitsY + bitCell };
    fill(rect, on ? colours.white : colours.black);
  }
}

/** Luma (or green for RGB) of the pixel at (x, y) of a frame in `format`. */
function lumaAt(frame: Uint8Array, format: PatternPixelFormat, pixel: number): number {
  switch (format) {
    case 'YUYV':
      return frame[pixel * 2] ?? 0;
    case 'UYVY':
      return frame[pixel * 2 + 1] ?? 0;
    case 'RGB24':
    case 'BGR24':
      return frame[pixel * 3 + 1] ?? 0;
    default:
      return frame[pixel] ?? 0;
  }
}

/**
 * The frame index (modulo 65536) the binary blocks of a rendered pattern show, for checking
 * that no frame was lost or repeated. `undefined` when the frame is too small to hold it.
 */
export function readPatternIndex(
  frame: Uint8Array,
  format: PatternPixelFormat,
  width: number,
  height: number,
): number | undefined {
  if (frame.length < patternFrameSize(format, width, height)) return undefined;
  const layout = layoutOf(width, height);
  const cell = layout.bitCell;
  if (layout.bitsX < 0 || layout.bitsY + cell > height) return undefined;

  const threshold = 128;
  let value = 0;
  for (let bit = 0; bit < COUNTER_BITS; bit += 1) {
    const x = layout.bitsX + bit * 2 * cell + (cell >> 1);
    const y = layout.bitsY + (cell >> 1);
    value = value * 2 + (lumaAt(frame, format, y * width + x) > threshold ? 1 : 0);
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
      renderPattern(rgb, { format: 'RGB24', width, height }, index);
      return options.encodeJpeg(rgb, width, height);
    }

    const planes = buffer(`jpeg-i420:${width}x${height}`, patternFrameSize('I420', width, height));
    renderPattern(planes, { format: 'I420', width, height, range: 'full' }, index);
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
        const pixelFormat = format.pixelFormat;
        const fits =
          isPatternPixelFormat(pixelFormat) && patternFrameSize(pixelFormat, width, height) <= size;

        if (fits) {
          const bytes = buffer(key, size);
          renderPattern(bytes, { format: pixelFormat, width, height }, index);
          return bytes.subarray(0, size);
        }
        return filler(buffer(key, size).subarray(0, size), index);
      }

      const cap = frame.dwMaxVideoFrameBufferSize ?? Number.MAX_SAFE_INTEGER;
      const wanted = Math.ceil(width * height * FRAME_BASED_BYTES_PER_PIXEL);
      const size = Math.max(FRAME_BASED_PREFIX.length + 1, Math.min(cap, wanted));
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
  for (let offset = 0; offset < bytes.length; offset += 1) {
    bytes[offset] = 0x10 + ((offset * 7 + index * 13) % span);
  }
  return bytes;
}
