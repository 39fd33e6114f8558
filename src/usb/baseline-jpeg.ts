/**
 * A small baseline JPEG encoder (ISO/IEC 10918-1, sequential DCT, Huffman, 8-bit) for the
 * emulated cameras' MJPEG streams.
 *
 * Input is a full-range (JFIF) Y'CbCr 4:2:0 image in three planes; output is a JFIF file with
 * the Annex K example quantisation tables scaled by a quality factor (the usual 1–100 scale)
 * and the Annex K.3 Huffman tables. Blocks whose 64 samples are all equal skip the DCT: their
 * only coefficient is DC = 8 × (sample − 128). The emulator's test pattern is made of flat
 * rectangles, so most of its blocks take that path and a 720p frame encodes in a few
 * milliseconds.
 *
 * No Node-only API is used, so the encoder also runs in a browser.
 *
 * @packageDocumentation
 */

import { CameraError, CameraErrorCode } from '../errors.js';
import { STANDARD_DHT_SEGMENT, STANDARD_HUFFMAN_TABLES, type HuffmanTable } from '../stream/jpeg.js';

/** JPEG markers (ISO/IEC 10918-1 Table B.1). */
const MARKER = {
  SOI: 0xd8,
  EOI: 0xd9,
  APP0: 0xe0,
  DQT: 0xdb,
  SOF0: 0xc0,
  SOS: 0xda,
} as const;

/** Annex K.1 Table K.1: luminance quantisation table, in natural (row-major) order. */
const LUMINANCE_QUANTISER = [
  16, 11, 10, 16, 24, 40, 51, 61,
  12, 12, 14, 19, 26, 58, 60, 55,
  14, 13, 16, 24, 40, 57, 69, 56,
  14, 17, 22, 29, 51, 87, 80, 62,
  18, 22, 37, 56, 68, 109, 103, 77,
  24, 35, 55, 64, 81, 104, 113, 92,
  49, 64, 78, 87, 103, 121, 120, 101,
  72, 92, 95, 98, 112, 100, 103, 99,
];

/** Annex K.1 Table K.2: chrominance quantisation table, in natural order. */
const CHROMINANCE_QUANTISER = [
  17, 18, 24, 47, 99, 99, 99, 99,
  18, 21, 26, 66, 99, 99, 99, 99,
  24, 26, 56, 99, 99, 99, 99, 99,
  47, 66, 99, 99, 99, 99, 99, 99,
  ...new Array<number>(32).fill(99),
];

/** The Annex K.3 tables from the one place they are written out, by their role here. */
function standardTable(tableClass: 0 | 1, tableId: number): HuffmanTable {
  const table = STANDARD_HUFFMAN_TABLES.find((t) => t.tableClass === tableClass && t.tableId === tableId);
  if (!table) throw new Error(`no standard Huffman table ${tableClass}/${tableId}`);
  return table;
}

const TABLES = {
  dcLuminance: standardTable(0, 0),
  acLuminance: standardTable(1, 0),
  dcChrominance: standardTable(0, 1),
  acChrominance: standardTable(1, 1),
} as const;

/** Huffman codes by symbol: code value and length (0 = symbol absent). */
interface HuffmanCodes {
  code: Uint16Array;
  length: Uint8Array;
}

/** Annex C: canonical codes from the counts per length. */
function huffmanCodes(spec: HuffmanTable): HuffmanCodes {
  const code = new Uint16Array(256);
  const length = new Uint8Array(256);
  let next = 0;
  let symbolIndex = 0;
  for (let bits = 1; bits <= 16; bits += 1) {
    const count = spec.counts[bits - 1] ?? 0;
    for (let index = 0; index < count; index += 1) {
      const symbol = spec.values[symbolIndex] ?? 0;
      code[symbol] = next;
      length[symbol] = bits;
      next += 1;
      symbolIndex += 1;
    }
    next <<= 1;
  }
  return { code, length };
}

const CODES = {
  dcLuminance: huffmanCodes(TABLES.dcLuminance),
  dcChrominance: huffmanCodes(TABLES.dcChrominance),
  acLuminance: huffmanCodes(TABLES.acLuminance),
  acChrominance: huffmanCodes(TABLES.acChrominance),
};

/** Zig-zag scan order: ZIGZAG[k] is the natural index of the k-th coefficient (Figure A.6). */
export const ZIGZAG: readonly number[] = (() => {
  const order: number[] = [];
  for (let sum = 0; sum < 15; sum += 1) {
    const cells: number[] = [];
    for (let row = 0; row < 8; row += 1) {
      const column = sum - row;
      if (column >= 0 && column < 8) cells.push(row * 8 + column);
    }
    // Even diagonals run up and right (row falling), odd ones down and left.
    order.push(...(sum % 2 === 0 ? cells.reverse() : cells));
  }
  return order;
})();

/** DCT basis: BASIS[u * 8 + x] = C(u)/2 · cos((2x + 1)uπ/16), C(0) = 1/√2, else 1 (§A.3.3). */
const BASIS = (() => {
  const basis = new Float64Array(64);
  for (let u = 0; u < 8; u += 1) {
    const scale = u === 0 ? Math.SQRT1_2 / 2 : 0.5;
    for (let x = 0; x < 8; x += 1) {
      basis[u * 8 + x] = scale * Math.cos(((2 * x + 1) * u * Math.PI) / 16);
    }
  }
  return basis;
})();

/** Quality 1..100 to the IJG scale factor in percent. */
function qualityScale(quality: number): number {
  const q = Math.min(100, Math.max(1, Math.round(quality)));
  return q < 50 ? Math.floor(5000 / q) : 200 - 2 * q;
}

function scaledQuantiser(base: readonly number[], quality: number): Uint8Array {
  const scale = qualityScale(quality);
  const table = new Uint8Array(64);
  for (let index = 0; index < 64; index += 1) {
    table[index] = Math.min(255, Math.max(1, Math.floor(((base[index] ?? 1) * scale + 50) / 100)));
  }
  return table;
}

/** A growable byte buffer with JPEG entropy-coded bit output (0xFF bytes stuffed with 0x00). */
class JpegWriter {
  #bytes: Uint8Array;
  #length = 0;
  #bitBuffer = 0;
  #bitCount = 0;

  constructor(capacity: number) {
    this.#bytes = new Uint8Array(Math.max(1024, capacity));
  }

  reset(): void {
    this.#length = 0;
    this.#bitBuffer = 0;
    this.#bitCount = 0;
  }

  #ensure(extra: number): void {
    if (this.#length + extra <= this.#bytes.length) return;
    const grown = new Uint8Array(Math.max(this.#bytes.length * 2, this.#length + extra));
    grown.set(this.#bytes.subarray(0, this.#length));
    this.#bytes = grown;
  }

  byte(value: number): void {
    this.#ensure(1);
    this.#bytes[this.#length] = value & 0xff;
    this.#length += 1;
  }

  u16(value: number): void {
    this.byte(value >>> 8);
    this.byte(value);
  }

  marker(code: number): void {
    this.byte(0xff);
    this.byte(code);
  }

  /** Append `count` (≤ 16) bits of `value`, most significant first. */
  bits(value: number, count: number): void {
    this.#bitBuffer = (this.#bitBuffer << count) | (value & ((1 << count) - 1));
    this.#bitCount += count;
    while (this.#bitCount >= 8) {
      const byte = (this.#bitBuffer >>> (this.#bitCount - 8)) & 0xff;
      this.byte(byte);
      if (byte === 0xff) this.byte(0x00);
      this.#bitCount -= 8;
      this.#bitBuffer &= (1 << this.#bitCount) - 1;
    }
  }

  /** Pad the last byte with 1 bits (§F.1.2.3). */
  flushBits(): void {
    if (this.#bitCount > 0) this.bits(0x7f, 8 - this.#bitCount);
  }

  result(): Uint8Array {
    return this.#bytes.subarray(0, this.#length);
  }
}

/** A full-range Y'CbCr 4:2:0 image: Y is width×height, Cb and Cr ⌈width/2⌉×⌈height/2⌉. */
export interface YCbCr420Image {
  width: number;
  height: number;
  y: Uint8Array;
  cb: Uint8Array;
  cr: Uint8Array;
}

/** One component of the scan: its plane, size, table choice and DC predictor. */
interface Component {
  samples: Uint8Array;
  width: number;
  height: number;
  luma: boolean;
  predictor: number;
}

/** Largest image side a baseline JPEG frame header can carry (16-bit field). */

const MAX_SIDE = 0xffff;

/**
 * A reusable baseline JPEG encoder. `encode` returns a view of an internal buffer that stays
 * valid until the next call.
 */
export class BaselineJpegEncoder {
  readonly quality: number;
  readonly #luminance: Uint8Array;
  readonly #chrominance: Uint8Array;
  readonly #writer = new JpegWriter(64 * 1024);
  readonly #block = new Float64Array(64);
  readonly #temp = new Float64Array(64);
  readonly #coefficients = new Int32Array(64);

  /** @param quality - 1 (smallest) … 100 (best); 85 when absent. */
  constructor(quality = 85) {
    this.quality = quality;
    this.#luminance = scaledQuantiser(LUMINANCE_QUANTISER, quality);
    this.#chrominance = scaledQuantiser(CHROMINANCE_QUANTISER, quality);
  }

  /**
   * Encode one image.
   *
   * @throws CameraError INVALID_ARGUMENT when the planes are smaller than the size says.
   */
  encode(image: YCbCr420Image): Uint8Array {
    const { width, height } = image;
    const chromaWidth = Math.ceil(width / 2);
    const chromaHeight = Math.ceil(height / 2);
    const sizeOk = width > 0 && height > 0 && width <= MAX_SIDE && height <= MAX_SIDE;
    const lumaShort = image.y.length < width * height;
    const chromaShort = Math.min(image.cb.length, image.cr.length) < chromaWidth * chromaHeight;
    if (!sizeOk || lumaShort || chromaShort) {
      const message = 'the image planes do not match the image size';
      throw new CameraError(CameraErrorCode.INVALID_ARGUMENT, message, {
        expected: `${width}x${height} luma, ${chromaWidth}x${chromaHeight} chroma, sides 1..${MAX_SIDE}`,
        found: `planes of ${image.y.length}, ${image.cb.length} and ${image.cr.length} bytes`,
      });
    }

    const w = this.#writer;
    w.reset();
    this.#writeHeaders(width, height);

    // Components in scan order, each with its DC predictor (§F.1.1.5.1).
    const luma: Component = { samples: image.y, width, height, luma: true, predictor: 0 };
    const chroma = { width: chromaWidth, height: chromaHeight, luma: false, predictor: 0 };
    const cb: Component = { ...chroma, samples: image.cb };
    const cr: Component = { ...chroma, samples: image.cr };
    const mcusAcross = Math.ceil(width / 16);
    const mcusDown = Math.ceil(height / 16);
    for (let mcuY = 0; mcuY < mcusDown; mcuY += 1) {
      for (let mcuX = 0; mcuX < mcusAcross; mcuX += 1) {
        const x = mcuX * 16;
        const y = mcuY * 16;
        this.#block8(luma, x, y);
        this.#block8(luma, x + 8, y);
        this.#block8(luma, x, y + 8);
        this.#block8(luma, x + 8, y + 8);
        this.#block8(cb, x / 2, y / 2);
        this.#block8(cr, x / 2, y / 2);
      }
    }

    w.flushBits();
    w.marker(MARKER.EOI);
    return w.result();
  }

  #writeHeaders(width: number, height: number): void {
    const w = this.#writer;
    w.marker(MARKER.SOI);

    // APP0 JFIF 1.01, no density, no thumbnail.
    w.marker(MARKER.APP0);
    w.u16(16);
    for (const char of 'JFIF\0') w.byte(char.charCodeAt(0));
    w.byte(1);
    w.byte(1);
    w.byte(0);
    w.u16(1);
    w.u16(1);
    w.byte(0);
    w.byte(0);

    // DQT: table 0 luminance, table 1 chrominance, 8-bit, zig-zag order.
    w.marker(MARKER.DQT);
    w.u16(2 + 2 * 65);
    for (const [id, table] of [[0, this.#luminance], [1, this.#chrominance]] as const) {
      w.byte(id);
      for (let k = 0; k < 64; k += 1) w.byte(table[ZIGZAG[k] ?? 0] ?? 1);
    }

    // SOF0: 8-bit, three components, Y sampled 2×2, Cb and Cr 1×1 (4:2:0).
    w.marker(MARKER.SOF0);
    w.u16(17);
    w.byte(8);
    w.u16(height);
    w.u16(width);
    w.byte(3);
    for (const [id, sampling, table] of [[1, 0x22, 0], [2, 0x11, 1], [3, 0x11, 1]] as const) {
      w.byte(id);
      w.byte(sampling);
      w.byte(table);
    }

    // DHT: the four Annex K.3 tables, as the MJPEG repair inserts them.
    for (const byte of STANDARD_DHT_SEGMENT) w.byte(byte);

    // SOS: all three components, Y with tables 0/0, chroma with 1/1, full spectral range.
    w.marker(MARKER.SOS);
    w.u16(12);
    w.byte(3);
    for (const [id, tables2] of [[1, 0x00], [2, 0x11], [3, 0x11]] as const) {
      w.byte(id);
      w.byte(tables2);
    }
    w.byte(0);
    w.byte(63);
    w.byte(0);
  }

  /** Encode the 8×8 block at (x, y) of a component, replicating edge samples. */
  #block8(component: Component, x: number, y: number): void {
    const { samples: plane, width, height, luma } = component;
    const block = this.#block;
    let uniform = true;
    const first = plane[Math.min(y, height - 1) * width + Math.min(x, width - 1)] ?? 0;
    for (let row = 0; row < 8; row += 1) {
      const rowStart = Math.min(y + row, height - 1) * width;
      for (let column = 0; column < 8; column += 1) {
        const sample = plane[rowStart + Math.min(x + column, width - 1)] ?? 0;
        block[row * 8 + column] = sample - 128;
        if (sample !== first) uniform = false;
      }
    }

    const quantiser = luma ? this.#luminance : this.#chrominance;
    const coefficients = this.#coefficients;
    if (uniform) {
      coefficients.fill(0);
      coefficients[0] = Math.round((8 * (first - 128)) / (quantiser[0] ?? 1));
    } else {
      this.#forwardDct();
      for (let k = 0; k < 64; k += 1) {
        const natural = ZIGZAG[k] ?? 0;
        coefficients[k] = Math.round((this.#block[natural] ?? 0) / (quantiser[natural] ?? 1));
      }
    }

    component.predictor = this.#writeBlock(coefficients, component.predictor, luma);
  }

  /** Separable forward DCT of #block in place: F = B · f · Bᵀ. */
  #forwardDct(): void {
    const block = this.#block;
    const temp = this.#temp;
    // Rows: temp[row][u] = Σx B[u][x] f[row][x].
    for (let row = 0; row < 8; row += 1) {
      for (let u = 0; u < 8; u += 1) {
        let sum = 0;
        for (let x = 0; x < 8; x += 1) sum += (BASIS[u * 8 + x] ?? 0) * (block[row * 8 + x] ?? 0);
        temp[row * 8 + u] = sum;
      }
    }
    // Columns: F[v][u] = Σy B[v][y] temp[y][u].
    for (let u = 0; u < 8; u += 1) {
      for (let v = 0; v < 8; v += 1) {
        let sum = 0;
        for (let y = 0; y < 8; y += 1) sum += (BASIS[v * 8 + y] ?? 0) * (temp[y * 8 + u] ?? 0);
        block[v * 8 + u] = sum;
      }
    }
  }

  #writeBlock(coefficients: Int32Array, predictor: number, luma: boolean): number {
    const w = this.#writer;
    const dc = luma ? CODES.dcLuminance : CODES.dcChrominance;
    const ac = luma ? CODES.acLuminance : CODES.acChrominance;

    const value = coefficients[0] ?? 0;
    const diff = value - predictor;
    const diffSize = magnitudeBits(diff);
    w.bits(dc.code[diffSize] ?? 0, dc.length[diffSize] ?? 0);
    if (diffSize > 0) w.bits(amplitude(diff, diffSize), diffSize);

    let run = 0;
    for (let k = 1; k < 64; k += 1) {
      const coefficient = coefficients[k] ?? 0;
      if (coefficient === 0) {
        run += 1;
        continue;
      }
      while (run > 15) {
        w.bits(ac.code[0xf0] ?? 0, ac.length[0xf0] ?? 0);
        run -= 16;
      }
      const size = magnitudeBits(coefficient);
      const symbol = (run << 4) | size;
      w.bits(ac.code[symbol] ?? 0, ac.length[symbol] ?? 0);
      w.bits(amplitude(coefficient, size), size);
      run = 0;
    }
    if (run > 0) w.bits(ac.code[0x00] ?? 0, ac.length[0x00] ?? 0);
    return value;
  }
}

/** SSSS: the number of bits of |value| (§F.1.2.1). */
function magnitudeBits(value: number): number {
  let magnitude = Math.abs(value);
  let bits = 0;
  while (magnitude > 0) {
    bits += 1;
    magnitude >>= 1;
  }
  return bits;
}

/** The additional bits of a value: itself when positive, else value − 1 in `size` bits. */
function amplitude(value: number, size: number): number {
  return value >= 0 ? value : value + (1 << size) - 1;
}
