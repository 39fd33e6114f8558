/**
 * USB GUIDs: wire bytes to string form, and format GUIDs to pixel formats.
 *
 * A GUID travels as 16 bytes in mixed-endian order: the first three fields (Data1 of 4 bytes,
 * Data2 and Data3 of 2 bytes) are little-endian, the last 8 bytes go as they are. Its string
 * form, lower-case and without braces, prints the fields as big-endian hex:
 * wire `59 55 59 32 00 00 10 00 80 00 00 aa 00 38 9b 71` is `32595559-0000-0010-8000-00aa00389b71`.
 *
 * Two families of format GUIDs occur on UVC cameras (UVC 1.5 payload specification
 * "Uncompressed Payload", Table 2-1, and the Linux uvcvideo format table):
 *
 * - FOURCC GUIDs `XXXXXXXX-0000-0010-8000-00aa00389b71`, whose first four wire bytes are the
 *   four characters of a FOURCC (`YUY2`, `NV12`, `H264`, ...);
 * - DirectShow media subtypes `e436eb7x-524f-11ce-9f53-0020af0ba770` (x = b, c, d, e for
 *   RGB565, RGB555, RGB24, RGB32), used by some thermal and USB 3 cameras. DirectShow's
 *   RGB24 and RGB32 store blue first, hence `BGR24` and `BGRA32`.
 *
 * Unknown GUIDs map to `'unknown'`; they never make parsing fail.
 *
 * @packageDocumentation
 */

import { CameraError, CameraErrorCode } from '../errors.js';
import type { PixelFormat } from './model.js';

/** Bytes in a GUID on the wire. */
export const GUID_LENGTH = 16;

/** String form of the last 12 bytes that every FOURCC-style format GUID shares. */
export const FOURCC_GUID_SUFFIX = '-0000-0010-8000-00aa00389b71';

/** String form of the last 12 bytes of the DirectShow RGB media subtypes (MEDIASUBTYPE_RGBxxx). */
export const DIRECTSHOW_GUID_SUFFIX = '-524f-11ce-9f53-0020af0ba770';

/** Lengths of the five groups of a GUID string, in hex digits. */
const GROUP_DIGITS = [8, 4, 4, 4, 12] as const;

/** Printable ASCII, the range a FOURCC character must fall in to be shown. */
const PRINTABLE_FIRST = 0x20;
const PRINTABLE_LAST = 0x7e;

/** FOURCC codes (as on the wire, space-padded to four characters) and their pixel formats. */
const FOURCC_FORMATS: ReadonlyArray<readonly [string, PixelFormat]> = [
  ['YUY2', 'YUYV'],
  ['UYVY', 'UYVY'],
  ['NV12', 'NV12'],
  ['I420', 'I420'],
  ['IYUV', 'I420'],
  ['YV12', 'YV12'],
  ['M420', 'M420'],
  ['Y800', 'GRAY8'],
  ['Y8  ', 'GRAY8'],
  ['GREY', 'GRAY8'],
  ['Y16 ', 'GRAY16'],
  ['BY8 ', 'BA81'],
  ['BA81', 'BA81'],
  ['GRBG', 'GRBG'],
  ['GBRG', 'GBRG'],
  ['RGGB', 'RGGB'],
  ['RGBP', 'RGB565'],
  ['H264', 'H264'],
  ['H265', 'H265'],
  ['HEVC', 'H265'],
  ['VP80', 'VP8'],
  ['MJPG', 'MJPEG'],
];

/** Data1 of the DirectShow RGB media subtypes and their pixel formats. */
const DIRECTSHOW_FORMATS: ReadonlyArray<readonly [number, PixelFormat]> = [
  [0xe436eb7b, 'RGB565'],
  [0xe436eb7c, 'RGB555'],
  [0xe436eb7d, 'BGR24'],
  [0xe436eb7e, 'BGRA32'],
];

/** Every known format GUID, by string form. */
const FORMATS_BY_GUID: ReadonlyMap<string, PixelFormat> = new Map<string, PixelFormat>([
  ...FOURCC_FORMATS.map(([fourcc, format]) => [fourccGuid(fourcc), format] as const),
  ...DIRECTSHOW_FORMATS.map(([data1, format]) => [directShowGuid(data1), format] as const),
]);

/**
 * The string form of the GUID whose 16 wire bytes start at `offset`.
 *
 * @throws CameraError INVALID_ARGUMENT when fewer than 16 bytes are available.
 */
export function guidToString(bytes: Uint8Array, offset = 0): string {
  if (!Number.isInteger(offset) || offset < 0 || offset + GUID_LENGTH > bytes.length) {
    throw new CameraError(CameraErrorCode.INVALID_ARGUMENT, 'a GUID needs 16 bytes', {
      expected: `16 bytes at offset ${offset}`,
      found: `${Math.max(0, bytes.length - Math.max(0, offset))} bytes`,
    });
  }

  const hex = (index: number): string => (bytes[offset + index] ?? 0).toString(16).padStart(2, '0');
  const data1 = hex(3) + hex(2) + hex(1) + hex(0);
  const data2 = hex(5) + hex(4);
  const data3 = hex(7) + hex(6);
  const data4 = hex(8) + hex(9);
  const data5 = [10, 11, 12, 13, 14, 15].map(hex).join('');
  return `${data1}-${data2}-${data3}-${data4}-${data5}`;
}

/**
 * The 16 wire bytes of a GUID given in string form (braces and upper case allowed).
 *
 * @throws CameraError INVALID_ARGUMENT when `text` is not a GUID.
 */
export function guidFromString(text: string): Uint8Array {
  const groups = normaliseGuid(text).split('-');
  const validGroup = (group: string, index: number): boolean =>
    group.length === GROUP_DIGITS[index] && /^[0-9a-f]+$/.test(group);
  const valid = groups.length === GROUP_DIGITS.length && groups.every(validGroup);
  if (!valid) {
    throw new CameraError(CameraErrorCode.INVALID_ARGUMENT, 'not a GUID', {
      expected: 'xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx in hex',
      found: text,
    });
  }

  const [data1 = '', data2 = '', data3 = '', data4 = '', data5 = ''] = groups;
  const bigEndian = (hex: string): number[] =>
    (hex.match(/../g) ?? []).map((pair) => parseInt(pair, 16));
  return Uint8Array.from([
    ...bigEndian(data1).reverse(),
    ...bigEndian(data2).reverse(),
    ...bigEndian(data3).reverse(),
    ...bigEndian(data4),
    ...bigEndian(data5),
  ]);
}

/**
 * The pixel format a format GUID names (wire bytes or string form); `'unknown'` when webuvc
 * does not know it.
 */
export function pixelFormatOfGuid(guid: Uint8Array | string): PixelFormat {
  const text = typeof guid === 'string' ? normaliseGuid(guid) : guidToStringOrEmpty(guid);
  return FORMATS_BY_GUID.get(text) ?? 'unknown';
}

/**
 * The FOURCC of a FOURCC-style format GUID, for display (`YUY2`, `H264`, `Y8`): the four
 * characters of its first wire bytes with trailing spaces removed. `undefined` for GUIDs of
 * other families (DirectShow subtypes, extension-unit GUIDs) or with unprintable characters.
 */
export function fourccOf(guid: Uint8Array | string): string | undefined {
  const text = typeof guid === 'string' ? normaliseGuid(guid) : guidToStringOrEmpty(guid);
  if (!text.endsWith(FOURCC_GUID_SUFFIX)) return undefined;

  const data1 = parseInt(text.slice(0, 8), 16);
  if (Number.isNaN(data1)) return undefined;

  const codes = [data1 & 0xff, (data1 >>> 8) & 0xff, (data1 >>> 16) & 0xff, (data1 >>> 24) & 0xff];
  if (codes.some((code) => code < PRINTABLE_FIRST || code > PRINTABLE_LAST)) return undefined;
  const fourcc = String.fromCharCode(...codes).trimEnd();
  return fourcc.length > 0 ? fourcc : undefined;
}

/** The string form of the FOURCC-style GUID of a four-character code (`'YUY2'`). */
export function fourccGuid(fourcc: string): string {
  const padded = fourcc.padEnd(4, ' ').slice(0, 4);
  let data1 = 0;
  for (let index = 3; index >= 0; index -= 1) {
    data1 = data1 * 256 + (padded.charCodeAt(index) & 0xff);
  }
  return `${data1.toString(16).padStart(8, '0')}${FOURCC_GUID_SUFFIX}`;
}

function directShowGuid(data1: number): string {
  return `${data1.toString(16).padStart(8, '0')}${DIRECTSHOW_GUID_SUFFIX}`;
}

function normaliseGuid(text: string): string {
  return text.trim().replace(/^\{/, '').replace(/\}$/, '').toLowerCase();
}

function guidToStringOrEmpty(bytes: Uint8Array): string {
  return bytes.length === GUID_LENGTH ? guidToString(bytes) : '';
}
