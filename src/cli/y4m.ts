/**
 * YUV4MPEG2 (`.y4m`), the uncompressed stream format that ffmpeg, ffplay, mpv and x264 read
 * from a pipe: one text line of stream parameters, then per frame the line `FRAME` and the
 * frame's planes, Y first, then Cb, then Cr, each row after row with no padding.
 *
 * UVC's packed and semi-planar formats are rearranged into those planes without changing a
 * sample: YUYV and UYVY become planar 4:2:2 (`C422`), NV12, I420 and YV12 planar 4:2:0
 * (`C420jpeg`), GRAY8 `Cmono`. The samples keep UVC's BT.601 limited range, which the header
 * states (`XCOLORRANGE=LIMITED`). Chroma planes round odd sizes up, as UVC's do.
 *
 * @packageDocumentation
 */
import { CameraError, CameraErrorCode } from '../errors.js';
import type { PixelFormat } from '../uvc/model.js';

/** The YUV4MPEG2 colour spaces written here (the header's `C` parameter). */
export type Y4mColourSpace = '422' | '420jpeg' | 'mono';

/** The pixel formats {@link toY4mFrame} rearranges. */
export type Y4mSourceFormat = 'YUYV' | 'UYVY' | 'NV12' | 'I420' | 'YV12' | 'GRAY8';

/** The stream parameters of a YUV4MPEG2 header. */
export interface Y4mStream {
  width: number;
  height: number;
  /** Frame interval in 100 ns units (dwFrameInterval), from which the `F` rate is written. */
  frameInterval: number;
  colourSpace: Y4mColourSpace;
}

/**
 * What a frame of a UVC format becomes.
 *
 * TODO: M420 (two Y rows, then one interleaved CbCr row) and the RGB and Bayer formats are not
 * written; `webuvc stream` refuses them with 7400101.
 */
const COLOUR_SPACES: Record<Y4mSourceFormat, Y4mColourSpace> = {
  YUYV: '422',
  UYVY: '422',
  NV12: '420jpeg',
  I420: '420jpeg',
  YV12: '420jpeg',
  GRAY8: 'mono',
};

/** The line that starts every frame. */
export const Y4M_FRAME_HEADER = 'FRAME\n';

/** The header's first word. */
export const Y4M_SIGNATURE = 'YUV4MPEG2';

const INTERVAL_UNITS_PER_SECOND = 10_000_000;

/** Bytes per two pixels of a packed 4:2:2 row (Y, Cb, Y, Cr). */
const PACKED_422_GROUP = 4;

/** Byte positions inside a packed 4:2:2 group. */
const PACKED_422 = {
  YUYV: { y0: 0, u: 1, y1: 2, v: 3 },
  UYVY: { u: 0, y0: 1, v: 2, y1: 3 },
} as const;

/** True when {@link toY4mFrame} can rearrange the format. */
export function isY4mSource(pixelFormat: PixelFormat): pixelFormat is Y4mSourceFormat {
  return Object.hasOwn(COLOUR_SPACES, pixelFormat);
}

/** The colour space a UVC format is written in. */
export function y4mColourSpace(pixelFormat: Y4mSourceFormat): Y4mColourSpace {
  return COLOUR_SPACES[pixelFormat];
}

function greatestCommonDivisor(a: number, b: number): number {
  while (b !== 0) [a, b] = [b, a % b];
  return a;
}

/** The `F` parameter: frames per second as an exact ratio, reduced. */
export function y4mFrameRate(frameInterval: number): { numerator: number; denominator: number } {
  if (!Number.isInteger(frameInterval) || frameInterval <= 0) {
    const message = 'a YUV4MPEG2 stream needs a frame interval';
    throw new CameraError(CameraErrorCode.INVALID_ARGUMENT, message, {
      expected: 'a positive whole number of 100 ns units',
      found: frameInterval,
    });
  }
  const divisor = greatestCommonDivisor(INTERVAL_UNITS_PER_SECOND, frameInterval);
  return { numerator: INTERVAL_UNITS_PER_SECOND / divisor, denominator: frameInterval / divisor };
}

/** The stream header line, with its newline. */
export function y4mHeader(stream: Y4mStream): string {
  const { numerator, denominator } = y4mFrameRate(stream.frameInterval);
  return (
    `${Y4M_SIGNATURE} W${stream.width} H${stream.height} F${numerator}:${denominator} ` +
    `Ip A1:1 C${stream.colourSpace} XCOLORRANGE=LIMITED\n`
  );
}

/** Sizes of the three planes (Cb and Cr are empty for mono). */
export function y4mPlaneSizes(
  width: number,
  height: number,
  colourSpace: Y4mColourSpace,
): { luma: number; chroma: number } {
  const chromaWidth = Math.ceil(width / 2);
  switch (colourSpace) {
    case '422':
      return { luma: width * height, chroma: chromaWidth * height };
    case '420jpeg':
      return { luma: width * height, chroma: chromaWidth * Math.ceil(height / 2) };
    case 'mono':
      return { luma: width * height, chroma: 0 };
  }
}

/** Bytes of one frame's planes (without the `FRAME` line). */
export function y4mFrameLength(width: number, height: number, colourSpace: Y4mColourSpace): number {
  const { luma, chroma } = y4mPlaneSizes(width, height, colourSpace);
  return luma + 2 * chroma;
}

/** Bytes a tightly packed UVC frame of this format and size holds. */
function sourceLength(format: Y4mSourceFormat, width: number, height: number): number {
  const chromaWidth = Math.ceil(width / 2);
  switch (format) {
    case 'YUYV':
    case 'UYVY':
      return chromaWidth * PACKED_422_GROUP * height;
    case 'NV12':
    case 'I420':
    case 'YV12':
      return width * height + 2 * chromaWidth * Math.ceil(height / 2);
    case 'GRAY8':
      return width * height;
  }
}

/**
 * Rearrange one UVC frame into YUV4MPEG2 planes.
 *
 * @param out Optional output of at least {@link y4mFrameLength} bytes; filled and returned.
 * @throws CameraError 7400101 when the frame is shorter than its format and size need, or
 *   `out` is too small.
 */
export function toY4mFrame(
  frame: Uint8Array,
  layout: { pixelFormat: Y4mSourceFormat; width: number; height: number },
  out?: Uint8Array,
): Uint8Array {
  const { pixelFormat, width, height } = layout;
  const colourSpace = COLOUR_SPACES[pixelFormat];
  const needed = sourceLength(pixelFormat, width, height);
  const length = y4mFrameLength(width, height, colourSpace);
  if (frame.length < needed) {
    throw new CameraError(CameraErrorCode.INVALID_ARGUMENT, `a ${pixelFormat} frame is too short`, {
      expected: `${needed} bytes for ${width}x${height}`,
      found: `${frame.length} bytes`,
    });
  }
  if (out && out.length < length) {
    const message = 'the YUV4MPEG2 output buffer is too small';
    throw new CameraError(CameraErrorCode.INVALID_ARGUMENT, message, {
      expected: `${length} bytes`,
      found: `${out.length} bytes`,
    });
  }

  const planes = out ?? new Uint8Array(length);
  switch (pixelFormat) {
    case 'YUYV':
    case 'UYVY':
      unpack422(frame, planes, width, height, PACKED_422[pixelFormat]);
      break;
    case 'NV12':
      splitSemiPlanar(frame, planes, width, height);
      break;
    case 'I420':
    case 'GRAY8':
      planes.set(frame.subarray(0, length));
      break;
    case 'YV12':
      swapChromaPlanes(frame, planes, width, height);
      break;
  }
  return planes;
}

/**
 * Packed 4:2:2 (two pixels in four bytes) to planar 4:2:2; an odd width drops the last pair's
 * second Y.
 */
function unpack422(
  frame: Uint8Array,
  planes: Uint8Array,
  width: number,
  height: number,
  at: { y0: number; u: number; y1: number; v: number },
): void {
  const chromaWidth = Math.ceil(width / 2);
  const uPlane = width * height;
  const vPlane = uPlane + chromaWidth * height;
  const rowBytes = chromaWidth * PACKED_422_GROUP;

  for (let row = 0; row < height; row++) {
    const source = row * rowBytes;
    const luma = row * width;
    const chroma = row * chromaWidth;
    for (let pair = 0; pair < chromaWidth; pair++) {
      const group = source + pair * PACKED_422_GROUP;
      const x = pair * 2;
      planes[luma + x] = frame[group + at.y0]!;
      if (x + 1 < width) planes[luma + x + 1] = frame[group + at.y1]!;
      planes[uPlane + chroma + pair] = frame[group + at.u]!;
      planes[vPlane + chroma + pair] = frame[group + at.v]!;
    }
  }
}

/** NV12: the Y plane, then Cb and Cr interleaved; split the pairs into two planes. */
function splitSemiPlanar(
  frame: Uint8Array,
  planes: Uint8Array,
  width: number,
  height: number,
): void {
  const { luma, chroma } = y4mPlaneSizes(width, height, '420jpeg');
  planes.set(frame.subarray(0, luma));
  for (let i = 0; i < chroma; i++) {
    planes[luma + i] = frame[luma + 2 * i]!;
    planes[luma + chroma + i] = frame[luma + 2 * i + 1]!;
  }
}

/** YV12: the Y plane, then Cr, then Cb; YUV4MPEG2 wants Cb first. */
function swapChromaPlanes(
  frame: Uint8Array,
  planes: Uint8Array,
  width: number,
  height: number,
): void {
  const { luma, chroma } = y4mPlaneSizes(width, height, '420jpeg');
  planes.set(frame.subarray(0, luma));
  planes.set(frame.subarray(luma + chroma, luma + 2 * chroma), luma);
  planes.set(frame.subarray(luma, luma + chroma), luma + chroma);
}
