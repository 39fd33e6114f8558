/**
 * MJPEG frames as standalone JPEG files.
 *
 * Many UVC MJPEG cameras (Logitech Orbit AF and C910 among them) send frames without a
 * Huffman table segment (DHT) and expect the decoder to know the standard tables of
 * ISO/IEC 10918-1 Annex K.3, as AVI MJPEG does. libjpeg-turbo (and so sharp) falls back to
 * them by itself; strict decoders (Go image/jpeg, Apple and Java ImageIO) refuse such files.
 * {@link ensureHuffmanTables} inserts the standard tables so every decoder reads the frame.
 *
 * @packageDocumentation
 */

import { CameraError, CameraErrorCode } from '../errors.js';

/** JPEG marker codes (ISO/IEC 10918-1 Table B.1), the byte after 0xFF. */
export const JPEG_MARKER = {
  PREFIX: 0xff,
  TEM: 0x01,
  SOF0: 0xc0,
  DHT: 0xc4,
  RST0: 0xd0,
  RST7: 0xd7,
  SOI: 0xd8,
  EOI: 0xd9,
  SOS: 0xda,
  DQT: 0xdb,
} as const;

/** One Huffman table specification as a DHT segment carries it (ISO/IEC 10918-1 §B.2.4.2). */
export interface HuffmanTable {
  /** Tc: 0 DC, 1 AC. */
  tableClass: 0 | 1;
  /** Th: destination identifier; the standard tables use 0 luminance, 1 chrominance. */
  tableId: number;
  /** BITS: number of codes of each length 1..16. */
  counts: readonly number[];
  /** HUFFVAL: the symbols in order of increasing code length. */
  values: readonly number[];
}

/** Code lengths a DHT counts (1..16 bits). */
const CODE_LENGTHS = 16;

/** Bytes of a marker, of a segment length field, and of a DHT table header (Tc/Th byte). */
const MARKER_BYTES = 2;
const LENGTH_BYTES = 2;
const TABLE_HEADER_BYTES = 1;

/** AC symbols are RRRRSSSS: run 0..15, size 1..10, plus EOB (0x00) and ZRL (0xF0) (§F.1.2.2). */
const AC_MAX_RUN = 15;
const AC_MAX_SIZE = 10;
const AC_EOB = 0x00;
const AC_ZRL = 0xf0;

/** DC symbols are the magnitude categories 0..11 (§F.1.2.1). */
const DC_CATEGORIES = 12;

/**
 * Annex K.3 tables. DC tables list their twelve categories in order. The AC tables spell out
 * the symbols with codes of up to 15 bits (Tables K.5 and K.6); the symbols of the 16-bit
 * codes are all the remaining AC symbols in ascending order, which {@link acValues} computes.
 */
const DC_LUMINANCE_COUNTS = [0, 1, 5, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0];
const DC_CHROMINANCE_COUNTS = [0, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0];
const AC_LUMINANCE_COUNTS = [0, 2, 1, 3, 3, 2, 4, 3, 5, 5, 4, 4, 0, 0, 1, 0x7d];
const AC_CHROMINANCE_COUNTS = [0, 2, 1, 2, 4, 4, 3, 4, 7, 5, 4, 4, 0, 1, 2, 0x77];

const AC_LUMINANCE_SHORT_CODES = [
  0x01, 0x02, 0x03, 0x00, 0x04, 0x11, 0x05, 0x12, 0x21, 0x31, 0x41, 0x06, 0x13,
  0x51, 0x61, 0x07, 0x22, 0x71, 0x14, 0x32, 0x81, 0x91, 0xa1, 0x08, 0x23, 0x42,
  0xb1, 0xc1, 0x15, 0x52, 0xd1, 0xf0, 0x24, 0x33, 0x62, 0x72, 0x82,
];
const AC_CHROMINANCE_SHORT_CODES = [
  0x00, 0x01, 0x02, 0x03, 0x11, 0x04, 0x05, 0x21, 0x31, 0x06, 0x12, 0x41, 0x51,
  0x07, 0x61, 0x71, 0x13, 0x22, 0x32, 0x81, 0x08, 0x14, 0x42, 0x91, 0xa1, 0xb1,
  0xc1, 0x09, 0x23, 0x33, 0x52, 0xf0, 0x15, 0x62, 0x72, 0xd1, 0x0a, 0x16, 0x24,
  0x34, 0xe1, 0x25, 0xf1,
];

/** The four standard tables of ISO/IEC 10918-1 Annex K.3, in the order they are inserted. */
export const STANDARD_HUFFMAN_TABLES: readonly HuffmanTable[] = [
  { tableClass: 0, tableId: 0, counts: DC_LUMINANCE_COUNTS, values: dcValues() },
  {
    tableClass: 1,
    tableId: 0,
    counts: AC_LUMINANCE_COUNTS,
    values: acValues(AC_LUMINANCE_SHORT_CODES),
  },
  { tableClass: 0, tableId: 1, counts: DC_CHROMINANCE_COUNTS, values: dcValues() },
  {
    tableClass: 1,
    tableId: 1,
    counts: AC_CHROMINANCE_COUNTS,
    values: acValues(AC_CHROMINANCE_SHORT_CODES),
  },
];

/** The DHT segment (marker included) holding {@link STANDARD_HUFFMAN_TABLES}. */
export const STANDARD_DHT_SEGMENT: Uint8Array = buildDhtSegment(STANDARD_HUFFMAN_TABLES);

/** Cheap completeness test: SOI (FF D8) at the start and EOI (FF D9) at the very end. */
export function isCompleteJpeg(bytes: Uint8Array): boolean {
  const n = bytes.length;
  if (n < 2 * MARKER_BYTES) return false;
  return (
    bytes[0] === JPEG_MARKER.PREFIX &&
    bytes[1] === JPEG_MARKER.SOI &&
    bytes[n - 2] === JPEG_MARKER.PREFIX &&
    bytes[n - 1] === JPEG_MARKER.EOI
  );
}

/**
 * Return a JPEG that carries Huffman tables: the input itself when a DHT segment precedes
 * the first SOS, otherwise a copy with {@link STANDARD_DHT_SEGMENT} inserted before the SOS.
 *
 * @throws CameraError 7400101 when the bytes are not a JPEG up to its first scan (no SOI,
 *   a segment running past the end, no SOS).
 */
export function ensureHuffmanTables(jpeg: Uint8Array): Uint8Array {
  const scan = findFirstScan(jpeg);
  if (scan.hasTables) return jpeg;

  const repaired = new Uint8Array(jpeg.length + STANDARD_DHT_SEGMENT.length);
  repaired.set(jpeg.subarray(0, scan.offset), 0);
  repaired.set(STANDARD_DHT_SEGMENT, scan.offset);
  repaired.set(jpeg.subarray(scan.offset), scan.offset + STANDARD_DHT_SEGMENT.length);
  return repaired;
}

/** Whether a DHT segment precedes the first SOS. */
export function hasHuffmanTables(jpeg: Uint8Array): boolean {
  return findFirstScan(jpeg).hasTables;
}

/**
 * Walk the marker segments from SOI to the first SOS (§B.1.1.2): the SOS marker's offset and
 * whether a DHT came before it.
 */
function findFirstScan(jpeg: Uint8Array): { offset: number; hasTables: boolean } {
  if (jpeg.length < MARKER_BYTES || jpeg[0] !== JPEG_MARKER.PREFIX || jpeg[1] !== JPEG_MARKER.SOI) {
    throw malformed('SOI (ff d8) at offset 0', describeStart(jpeg));
  }

  let position = MARKER_BYTES;
  while (position < jpeg.length) {
    const start = position;
    if (jpeg[position] !== JPEG_MARKER.PREFIX) {
      throw malformed(`a marker at offset ${position}`, `byte ${hex(jpeg[position] ?? 0)}`);
    }

    // Any number of 0xFF fill bytes may precede a marker (§B.1.1.2).
    while (jpeg[position] === JPEG_MARKER.PREFIX) position++;
    const marker = jpeg[position];
    if (marker === undefined) break;
    position++;

    if (marker === JPEG_MARKER.SOS) return { offset: start, hasTables: false };
    if (marker === JPEG_MARKER.DHT) return { offset: start, hasTables: true };
    if (marker === JPEG_MARKER.EOI) throw malformed('a scan (SOS) before EOI', 'EOI');
    if (isStandalone(marker)) continue;

    const length = readLength(jpeg, position);
    position += length;
  }
  throw malformed('a scan (SOS)', `the end of the data after ${jpeg.length} bytes`);
}

function readLength(jpeg: Uint8Array, position: number): number {
  const high = jpeg[position];
  const low = jpeg[position + 1];
  if (high === undefined || low === undefined) {
    throw malformed(`a segment length at offset ${position}`, 'the end of the data');
  }
  const length = (high << 8) | low;
  if (length < LENGTH_BYTES || position + length > jpeg.length) {
    throw malformed(
      `a segment of 2..${jpeg.length - position} bytes at offset ${position}`,
      `length ${length}`,
    );
  }
  return length;
}

function isStandalone(marker: number): boolean {
  return marker === JPEG_MARKER.TEM || (marker >= JPEG_MARKER.RST0 && marker <= JPEG_MARKER.RST7);
}

function dcValues(): number[] {
  return Array.from({ length: DC_CATEGORIES }, (_, category) => category);
}

/** The AC HUFFVAL list: the listed short-code symbols, then every other AC symbol ascending. */
function acValues(shortCodes: readonly number[]): number[] {
  const listed = new Set(shortCodes);
  const rest: number[] = [];
  for (const symbol of acAlphabet()) {
    if (!listed.has(symbol)) rest.push(symbol);
  }
  return [...shortCodes, ...rest];
}

function acAlphabet(): number[] {
  const symbols = [AC_EOB, AC_ZRL];
  for (let run = 0; run <= AC_MAX_RUN; run++) {
    for (let size = 1; size <= AC_MAX_SIZE; size++) symbols.push((run << 4) | size);
  }
  return symbols.sort((a, b) => a - b);
}

function buildDhtSegment(tables: readonly HuffmanTable[]): Uint8Array {
  let body = 0;
  for (const table of tables) {
    body += TABLE_HEADER_BYTES + CODE_LENGTHS + table.values.length;
  }
  const segment = new Uint8Array(MARKER_BYTES + LENGTH_BYTES + body);
  segment[0] = JPEG_MARKER.PREFIX;
  segment[1] = JPEG_MARKER.DHT;
  segment[2] = (LENGTH_BYTES + body) >> 8;
  segment[3] = (LENGTH_BYTES + body) & 0xff;

  let position = MARKER_BYTES + LENGTH_BYTES;
  for (const table of tables) {
    segment[position++] = (table.tableClass << 4) | table.tableId;
    segment.set(table.counts, position);
    position += CODE_LENGTHS;
    segment.set(table.values, position);
    position += table.values.length;
  }
  return segment;
}

function malformed(expected: string, found: string): CameraError {
  return new CameraError(CameraErrorCode.INVALID_ARGUMENT, 'Not a JPEG up to its first scan', {
    expected,
    found,
  });
}

function describeStart(jpeg: Uint8Array): string {
  if (jpeg.length === 0) return 'no bytes';
  return Array.from(jpeg.subarray(0, MARKER_BYTES), hex).join(' ');
}

function hex(byte: number): string {
  return byte.toString(16).padStart(2, '0');
}
