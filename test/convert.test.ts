/**
 * Pixel conversion and image encoding.
 *
 * References: the BT.601 colour bars (Y'CbCr of 100% white, black, red, green, blue), a
 * floating-point BT.601 limited-range conversion written from Kr = 0.299 and Kb = 0.114, real
 * YUYV bytes from a camera (the Vaultmicro isochronous URB in fixtures/captures), and the
 * Huffman tables libjpeg writes when it uses the standard tables.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { CameraError } from '../src/errors.js';
import {
  frameByteLength,
  toImage,
  toRgb,
  toRgba,
  type ConvertibleFormat,
  type FrameLayout,
} from '../src/stream/convert.js';
import {
  ensureHuffmanTables,
  hasHuffmanTables,
  isCompleteJpeg,
  STANDARD_DHT_SEGMENT,
  STANDARD_HUFFMAN_TABLES,
  type HuffmanTable,
} from '../src/stream/jpeg.js';
import { disableSimdForTesting, simdKernels } from '../src/stream/simd-convert.js';
import { capturesDir } from './fixtures.js';

// ---------------------------------------------------------------------------------------------
// References

type Rgb = [number, number, number];
type Yuv = [number, number, number];

const KR = 0.299;
const KB = 0.114;
const KG = 1 - KR - KB;

/** BT.601 limited range Y'CbCr to 8-bit RGB in floating point, rounded and clamped. */
function referenceRgb([y, cb, cr]: Yuv): Rgb {
  const luma = (y - 16) / 219;
  const pb = (cb - 128) / 224;
  const pr = (cr - 128) / 224;
  const r = luma + 2 * (1 - KR) * pr;
  const b = luma + 2 * (1 - KB) * pb;
  const g = (luma - KR * r - KB * b) / KG;
  return [r, g, b].map((v) => Math.min(255, Math.max(0, Math.round(v * 255)))) as Rgb;
}

/** 8-bit RGB to BT.601 limited range Y'CbCr in floating point, rounded. */
function referenceYuv([r, g, b]: Rgb): Yuv {
  const [rn, gn, bn] = [r / 255, g / 255, b / 255];
  const luma = KR * rn + KG * gn + KB * bn;
  const pb = (bn - luma) / (2 * (1 - KB));
  const pr = (rn - luma) / (2 * (1 - KR));
  return [Math.round(16 + 219 * luma), Math.round(128 + 224 * pb), Math.round(128 + 224 * pr)];
}

/** 100% colour bars in BT.601 limited range (ITU-R BT.601 / EBU bars at full amplitude). */
const BARS: Array<{ name: string; yuv: Yuv; rgb: Rgb }> = [
  { name: 'white', yuv: [235, 128, 128], rgb: [255, 255, 255] },
  { name: 'black', yuv: [16, 128, 128], rgb: [0, 0, 0] },
  { name: 'red', yuv: [81, 90, 240], rgb: [255, 0, 0] },
  { name: 'green', yuv: [145, 54, 34], rgb: [0, 255, 0] },
  { name: 'blue', yuv: [41, 240, 110], rgb: [0, 0, 255] },
];

/** A deterministic pseudo-random generator (LCG), so failures reproduce. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state >>> 24;
  };
}

function maxDifference(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let max = 0;
  for (let i = 0; i < a.length; i++) max = Math.max(max, Math.abs((a[i] ?? 0) - (b[i] ?? 0)));
  return max;
}

/** Real YUYV: the payload bytes of the Vaultmicro isochronous URB (headers removed). */
function realYuyv(): Uint8Array {
  const name = 'vaultmicro_uvc_frame_detector_tph_iso_0.derived.pcap';
  const file = readFileSync(join(capturesDir, name));
  // Classic pcap: 24-byte file header, 16-byte record header, then a usbmon mmapped record:
  // 64-byte header (ndesc u32 @60), ndesc × 16-byte iso descriptors (offset @4, length @8), data.
  const urb = file.subarray(24 + 16);
  const view = new DataView(urb.buffer, urb.byteOffset, urb.byteLength);
  const descriptors = view.getUint32(60, true);
  const data = 64 + 16 * descriptors;
  const parts: Uint8Array[] = [];
  for (let i = 0; i < descriptors; i++) {
    const offset = view.getUint32(64 + 16 * i + 4, true);
    const length = view.getUint32(64 + 16 * i + 8, true);
    const packet = urb.subarray(data + offset, data + offset + length);
    const headerLength = packet[0] ?? 0;
    if (packet.length > headerLength) parts.push(packet.subarray(headerLength));
  }
  const total = parts.reduce((sum, part) => sum + part.length, 0);
  const yuyv = new Uint8Array(total - (total % 4));
  let at = 0;
  for (const part of parts) {
    const take = Math.min(part.length, yuyv.length - at);
    yuyv.set(part.subarray(0, take), at);
    at += take;
  }
  return yuyv;
}

// ---------------------------------------------------------------------------------------------
// Frame builders (from per-pixel Y'CbCr); 4:2:0 builders take the top-left sample of each block.

function packed422(pixels: Yuv[][], order: 'YUYV' | 'UYVY'): Uint8Array {
  const width = pixels[0]?.length ?? 0;
  const pairs = Math.ceil(width / 2);
  const out = new Uint8Array(pixels.length * pairs * 4);
  pixels.forEach((row, y) => {
    for (let pair = 0; pair < pairs; pair++) {
      const first = row[2 * pair] ?? [0, 0, 0];
      const second = row[2 * pair + 1] ?? first;
      const bytes =
        order === 'YUYV'
          ? [first[0], first[1], second[0], first[2]]
          : [first[1], first[0], first[2], second[0]];
      out.set(bytes, (y * pairs + pair) * 4);
    }
  });
  return out;
}

function planes420(pixels: Yuv[][]): { y: Uint8Array; cb: Uint8Array; cr: Uint8Array; cw: number } {
  const height = pixels.length;
  const width = pixels[0]?.length ?? 0;
  const cw = Math.ceil(width / 2);
  const ch = Math.ceil(height / 2);
  const y = new Uint8Array(width * height);
  const cb = new Uint8Array(cw * ch);
  const cr = new Uint8Array(cw * ch);
  pixels.forEach((row, r) =>
    row.forEach((pixel, c) => {
      y[r * width + c] = pixel[0];
      if (r % 2 === 0 && c % 2 === 0) {
        cb[(r / 2) * cw + c / 2] = pixel[1];
        cr[(r / 2) * cw + c / 2] = pixel[2];
      }
    }),
  );
  return { y, cb, cr, cw };
}

function build(format: ConvertibleFormat, pixels: Yuv[][]): Uint8Array {
  if (format === 'YUYV' || format === 'UYVY') return packed422(pixels, format);
  const { y, cb, cr } = planes420(pixels);
  if (format === 'I420') return concat(y, cb, cr);
  if (format === 'YV12') return concat(y, cr, cb);
  if (format === 'NV12') {
    const uv = new Uint8Array(cb.length * 2);
    cb.forEach((value, i) => {
      uv[2 * i] = value;
      uv[2 * i + 1] = cr[i] ?? 0;
    });
    return concat(y, uv);
  }
  throw new Error(`no builder for ${format}`);
}

function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((sum, part) => sum + part.length, 0));
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}

/** An image whose chroma is constant in each 2×2 block, so 4:2:0 and 4:2:2 lose nothing. */
function blockImage(width: number, height: number, seed: number): Yuv[][] {
  const next = random(seed);
  const blocks: Yuv[][] = [];
  for (let by = 0; by < Math.ceil(height / 2); by++) {
    const chroma = (): Yuv => [0, 16 + (next() % 225), 16 + (next() % 225)];
    blocks.push(Array.from({ length: Math.ceil(width / 2) }, chroma));
  }
  return Array.from({ length: height }, (_, y) =>
    Array.from({ length: width }, (_, x) => {
      const block = blocks[y >> 1]?.[x >> 1] ?? [0, 128, 128];
      return [16 + (next() % 220), block[1], block[2]] as Yuv;
    }),
  );
}

function referenceFrame(pixels: Yuv[][]): number[] {
  return pixels.flatMap((row) => row.flatMap((pixel) => referenceRgb(pixel)));
}

const YUV_FORMATS: ConvertibleFormat[] = ['YUYV', 'UYVY', 'NV12', 'I420', 'YV12'];

// ---------------------------------------------------------------------------------------------

describe('YUV to RGB with the BT.601 colour bars', () => {
  const row: Yuv[] = BARS.flatMap((bar) => [bar.yuv, bar.yuv]);
  const pixels = [row, row];
  const expected = BARS.flatMap((bar) => [...bar.rgb, ...bar.rgb]);

  it.each(YUV_FORMATS)('%s bars come out within ±2', (format) => {
    const rgb = toRgb(build(format, pixels), { pixelFormat: format, width: row.length, height: 2 });
    expect(maxDifference(rgb.subarray(0, expected.length), expected)).toBeLessThanOrEqual(2);
    expect(maxDifference(rgb.subarray(expected.length), expected)).toBeLessThanOrEqual(2);
  });

  it('names the failing bar if one is off', () => {
    const rgb = toRgb(build('YUYV', pixels), { pixelFormat: 'YUYV', width: row.length, height: 2 });
    BARS.forEach((bar, i) => {
      const got = Array.from(rgb.subarray(i * 6, i * 6 + 3));
      expect(maxDifference(got, bar.rgb), bar.name).toBeLessThanOrEqual(2);
    });
  });
});

describe('YUV to RGB against a floating-point BT.601 reference', () => {
  it('every Y, Cb, Cr combination on a grid is within ±1', () => {
    const pixels: Yuv[][] = [];
    for (let y = 0; y <= 255; y += 15) {
      const row: Yuv[] = [];
      for (let cb = 0; cb <= 255; cb += 15) {
        for (let cr = 0; cr <= 255; cr += 15) row.push([y, cb, cr], [y, cb, cr]);
      }
      pixels.push(row);
    }
    const width = pixels[0]?.length ?? 0;
    const rgb = toRgb(build('YUYV', pixels), { pixelFormat: 'YUYV', width, height: pixels.length });
    expect(maxDifference(rgb, referenceFrame(pixels))).toBeLessThanOrEqual(1);
  });

  it('real YUYV bytes from a camera URB convert within ±1 of the reference', () => {
    const yuyv = realYuyv();
    const width = yuyv.length / 2;
    expect(width).toBeGreaterThan(10_000);
    const pixels: Yuv[] = [];
    for (let i = 0; i < yuyv.length; i += 4) {
      const [y0, u, y1, v] = [yuyv[i] ?? 0, yuyv[i + 1] ?? 0, yuyv[i + 2] ?? 0, yuyv[i + 3] ?? 0];
      pixels.push([y0, u, v], [y1, u, v]);
    }
    const rgb = toRgb(yuyv, { pixelFormat: 'YUYV', width, height: 1 });
    expect(maxDifference(rgb, referenceFrame([pixels]))).toBeLessThanOrEqual(1);
  });
});

describe('every input format', () => {
  const width = 6;
  const height = 4;
  const pixels = blockImage(width, height, 7);
  const reference = referenceFrame(pixels);

  it.each(YUV_FORMATS)('%s matches the reference within ±1', (format) => {
    const layout = { pixelFormat: format, width, height };
    const frame = build(format, pixels);
    expect(frame.length).toBe(frameByteLength(layout));
    expect(maxDifference(toRgb(frame, layout), reference)).toBeLessThanOrEqual(1);
  });

  it('4:2:0 and 4:2:2 layouts of the same samples give identical pixels', () => {
    const results = (['YUYV', 'UYVY', 'NV12', 'I420', 'YV12'] as const).map((format) =>
      Array.from(toRgb(build(format, pixels), { pixelFormat: format, width, height })),
    );
    for (const result of results) expect(result).toEqual(results[0]);
  });

  it('RGB round trip: RGB → Y′CbCr (float) → NV12 → RGB stays within ±2', () => {
    const rgbImage: Rgb[][] = Array.from({ length: 4 }, (_, y) =>
      Array.from({ length: 4 }, (_, x) => BARS[(x >> 1) + 2 * (y >> 1)]?.rgb ?? [128, 128, 128]),
    );
    const yuv = rgbImage.map((row) => row.map(referenceYuv));
    const rgb = toRgb(build('NV12', yuv), { pixelFormat: 'NV12', width: 4, height: 4 });
    expect(maxDifference(rgb, rgbImage.flat(2))).toBeLessThanOrEqual(2);
  });

  it('odd sizes: 5x3 YUYV and NV12 round chroma up and still match the reference', () => {
    const odd = blockImage(5, 3, 11);
    for (const format of ['YUYV', 'NV12', 'I420'] as const) {
      const layout = { pixelFormat: format, width: 5, height: 3 };
      const frame = build(format, odd);
      expect(frame.length, format).toBe(frameByteLength(layout));
      const difference = maxDifference(toRgb(frame, layout), referenceFrame(odd));
      expect(difference, format).toBeLessThanOrEqual(1);
    }
    expect(frameByteLength({ pixelFormat: 'YUYV', width: 5, height: 3 })).toBe(3 * 3 * 4);
    expect(frameByteLength({ pixelFormat: 'NV12', width: 5, height: 3 })).toBe(15 + 2 * 3 * 2);
  });

  it('GRAY8, RGB24 and BGR24 copy their samples', () => {
    const next = random(3);
    const gray = Uint8Array.from({ length: 12 }, next);
    expect(Array.from(toRgb(gray, { pixelFormat: 'GRAY8', width: 4, height: 3 }))).toEqual(
      Array.from(gray).flatMap((v) => [v, v, v]),
    );
    const rgb = Uint8Array.from({ length: 36 }, next);
    const asRgb = toRgb(rgb, { pixelFormat: 'RGB24', width: 4, height: 3 });
    expect(Array.from(asRgb)).toEqual(Array.from(rgb));
    const bgr = Uint8Array.from({ length: 36 }, (_, i) => rgb[i - (i % 3) + 2 - (i % 3)] ?? 0);
    const fromBgr = toRgb(bgr, { pixelFormat: 'BGR24', width: 4, height: 3 });
    expect(Array.from(fromBgr)).toEqual(Array.from(rgb));
  });

  it('RGBA output is the RGB output plus an opaque alpha', () => {
    const layout: FrameLayout = { pixelFormat: 'NV12', width, height };
    const frame = build('NV12', pixels);
    const rgb = toRgb(frame, layout);
    const rgba = toRgba(frame, layout);
    expect(rgba.length).toBe(width * height * 4);
    for (let i = 0; i < width * height; i++) {
      const colour = Array.from(rgba.subarray(i * 4, i * 4 + 3));
      expect(colour).toEqual(Array.from(rgb.subarray(i * 3, i * 3 + 3)));
      expect(rgba[i * 4 + 3]).toBe(255);
    }
  });
});

describe('buffers and bad input', () => {
  const layout: FrameLayout = { pixelFormat: 'YUYV', width: 4, height: 2 };
  const frame = packed422(blockImage(4, 2, 5), 'YUYV');

  it('fills and returns the output buffer it is given', () => {
    const out = new Uint8Array(4 * 2 * 3 + 5).fill(7);
    const result = toRgb(frame, layout, out);
    expect(result).toBe(out);
    expect(Array.from(out.subarray(0, 24))).toEqual(Array.from(toRgb(frame, layout)));
    expect(Array.from(out.subarray(24))).toEqual([7, 7, 7, 7, 7]);
  });

  it.each([
    ['a short frame', () => toRgb(frame.subarray(0, 10), layout), /16 bytes.*10 bytes/],
    ['a small output', () => toRgb(frame, layout, new Uint8Array(23)), /24 bytes.*23 bytes/],
    ['a compressed format', () => toRgb(frame, { ...layout, pixelFormat: 'H264' }), /YUYV.*H264/],
    ['a zero width', () => toRgb(frame, { ...layout, width: 0 }), /width/],
    ['a bad JPEG quality', () => toImage(frame, layout, 'jpeg', 0), /quality/],
  ])('rejects %s with 7400101', async (_name, call, message) => {
    let caught: unknown;
    try {
      await call();
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(CameraError);
    expect((caught as CameraError).code).toBe(7400101);
    expect((caught as CameraError).message).toMatch(message);
  });
});

describe('toImage', () => {
  const width = 34;
  const height = 22;
  const pixels = blockImage(width, height, 21);

  const formats: ConvertibleFormat[] = ['YUYV', 'NV12', 'I420'];
  it.each(formats)('%s to PNG decodes to the converted pixels', async (format) => {
    const layout = { pixelFormat: format, width, height };
    const frame = build(format, pixels);
    const png = await toImage(frame, layout, 'png');
    const decoded = await sharp(png).raw().toBuffer({ resolveWithObject: true });
    expect(decoded.info).toMatchObject({ format: 'raw', width, height, channels: 3 });
    expect(Array.from(decoded.data)).toEqual(Array.from(toRgb(frame, layout)));
  });

  it('GRAY8 becomes a one-channel image with the same samples', async () => {
    const gray = Uint8Array.from({ length: width * height }, random(9));
    const png = await toImage(gray, { pixelFormat: 'GRAY8', width, height }, 'png');
    expect(await sharp(png).metadata()).toMatchObject({ width, height, channels: 1 });
    const decoded = await sharp(png)
      .toColourspace('b-w')
      .raw()
      .toBuffer({ resolveWithObject: true });
    expect(decoded.info).toMatchObject({ width, height, channels: 1 });
    expect(Array.from(decoded.data)).toEqual(Array.from(gray));
  });

  it('RGB24 goes to sharp as it is', async () => {
    const rgb = Uint8Array.from({ length: width * height * 3 }, random(10));
    const png = await toImage(rgb, { pixelFormat: 'RGB24', width, height }, 'png');
    expect(Array.from(await sharp(png).raw().toBuffer())).toEqual(Array.from(rgb));
  });

  it('JPEG output has the right size and stays close to the pixels of a smooth frame', async () => {
    // Smooth content: a luma ramp with chroma varying slowly across the frame.
    const smooth: Yuv[][] = Array.from({ length: height }, (_, y) =>
      Array.from({ length: width }, (_, x) => [40 + 4 * x, 100 + 2 * y, 160 - 2 * y] as Yuv),
    );
    const layout: FrameLayout = { pixelFormat: 'UYVY', width, height };
    const frame = build('UYVY', smooth);
    const jpeg = await toImage(frame, layout, 'jpeg', 95);
    expect(isCompleteJpeg(jpeg)).toBe(true);
    expect(await sharp(jpeg).metadata()).toMatchObject({ format: 'jpeg', width, height });
    const decoded = await sharp(jpeg).raw().toBuffer();
    const rgb = toRgb(frame, layout);
    let total = 0;
    for (let i = 0; i < rgb.length; i++) total += Math.abs((decoded[i] ?? 0) - (rgb[i] ?? 0));
    expect(total / rgb.length).toBeLessThan(3);
    const lowQuality = await toImage(frame, layout, 'jpeg', 10);
    expect(lowQuality.length).toBeLessThan(jpeg.length);
  });
});

// ---------------------------------------------------------------------------------------------
// MJPEG

/** Split a JPEG into its segments before the scan, plus the rest (scan data and EOI). */
function segments(jpeg: Uint8Array): { marker: number; bytes: Uint8Array }[] {
  const list = [{ marker: 0xd8, bytes: jpeg.subarray(0, 2) }];
  let at = 2;
  while (at < jpeg.length) {
    const marker = jpeg[at + 1] ?? 0;
    const length = ((jpeg[at + 2] ?? 0) << 8) | (jpeg[at + 3] ?? 0);
    if (marker === 0xda) {
      list.push({ marker, bytes: jpeg.subarray(at) });
      break;
    }
    list.push({ marker, bytes: jpeg.subarray(at, at + 2 + length) });
    at += 2 + length;
  }
  return list;
}

function withoutDht(jpeg: Uint8Array): Uint8Array {
  return concat(...segments(jpeg).filter((s) => s.marker !== 0xc4).map((s) => s.bytes));
}

/** The Huffman tables in the DHT segments of a JPEG (ISO/IEC 10918-1 §B.2.4.2). */
function dhtTables(jpeg: Uint8Array): HuffmanTable[] {
  const tables: HuffmanTable[] = [];
  for (const { marker, bytes } of segments(jpeg)) {
    if (marker !== 0xc4) continue;
    let at = 4;
    while (at < bytes.length) {
      const counts = Array.from(bytes.subarray(at + 1, at + 17));
      const total = counts.reduce((sum, count) => sum + count, 0);
      tables.push({
        tableClass: ((bytes[at] ?? 0) >> 4) as 0 | 1,
        tableId: (bytes[at] ?? 0) & 0x0f,
        counts,
        values: Array.from(bytes.subarray(at + 17, at + 17 + total)),
      });
      at += 17 + total;
    }
  }
  return tables;
}

function normalise(tables: readonly HuffmanTable[]): string[] {
  return tables
    .map((t) => `${t.tableClass}/${t.tableId}: ${t.counts.join(',')} | ${t.values.join(',')}`)
    .sort();
}

async function sampleJpeg(optimiseCoding: boolean): Promise<Uint8Array> {
  const width = 48;
  const height = 32;
  const next = random(17);
  const raw = Buffer.alloc(width * height * 3);
  for (let i = 0; i < raw.length; i++) raw[i] = (((i / 3) % width) * 5 + next() / 4) & 0xff;
  const jpeg = await sharp(raw, { raw: { width, height, channels: 3 } })
    .jpeg({ quality: 80, optimiseCoding, chromaSubsampling: '4:2:0' })
    .toBuffer();
  return new Uint8Array(jpeg);
}

describe('standard Huffman tables (Annex K.3)', () => {
  it('each table has as many values as its counts announce, 12 DC and 162 AC symbols', () => {
    for (const table of STANDARD_HUFFMAN_TABLES) {
      expect(table.counts).toHaveLength(16);
      expect(table.values).toHaveLength(table.counts.reduce((sum, count) => sum + count, 0));
      expect(new Set(table.values).size).toBe(table.values.length);
      expect(table.values).toHaveLength(table.tableClass === 0 ? 12 : 162);
    }
  });

  it('equal the tables libjpeg writes when it does not optimise its coding', async () => {
    const libjpeg = dhtTables(await sampleJpeg(false));
    expect(libjpeg).toHaveLength(4);
    expect(normalise(STANDARD_HUFFMAN_TABLES)).toEqual(normalise(libjpeg));
    const segment = dhtTables(concat(Uint8Array.of(0xff, 0xd8), STANDARD_DHT_SEGMENT));
    expect(normalise(segment)).toEqual(normalise(libjpeg));
  });
});

describe('ensureHuffmanTables and isCompleteJpeg', () => {
  it('returns a JPEG that has tables untouched (the same object)', async () => {
    const jpeg = await sampleJpeg(false);
    expect(hasHuffmanTables(jpeg)).toBe(true);
    expect(ensureHuffmanTables(jpeg)).toBe(jpeg);
  });

  it('repairs a JPEG stripped of its DHT so it decodes to the original pixels', async () => {
    const original = await sampleJpeg(false);
    const stripped = withoutDht(original);
    expect(hasHuffmanTables(stripped)).toBe(false);

    const repaired = ensureHuffmanTables(stripped);
    expect(repaired.length).toBe(stripped.length + STANDARD_DHT_SEGMENT.length);
    const order = segments(repaired).map((s) => s.marker);
    expect(order.indexOf(0xc4)).toBe(order.indexOf(0xda) - 1);
    expect(isCompleteJpeg(repaired)).toBe(true);

    const want = await sharp(original).raw().toBuffer();
    const got = await sharp(repaired).raw().toBuffer();
    expect(got.equals(want)).toBe(true);
  });

  it('the decode uses the inserted tables: corrupting them changes or breaks it', async () => {
    const original = await sampleJpeg(false);
    const repaired = ensureHuffmanTables(withoutDht(original));
    // Swap two AC luminance symbols inside the inserted segment.
    const at = repaired.indexOf(0xc4, 2) + 3 + 17 + 12 + 17;
    const broken = repaired.slice();
    [broken[at], broken[at + 1]] = [repaired[at + 1] ?? 0, repaired[at] ?? 0];
    const want = await sharp(original).raw().toBuffer();
    const outcome = await sharp(broken)
      .raw()
      .toBuffer()
      .then((pixels) => (pixels.equals(want) ? 'same' : 'differs'))
      .catch(() => 'fails');
    expect(outcome).not.toBe('same');
  });

  it('a stripped JPEG with optimised tables decodes wrongly or not at all', async () => {
    // Measured: libjpeg-turbo substitutes the standard tables when DHT is missing, so a frame
    // coded with the standard tables decodes anyway; one coded with other tables does not.
    const optimised = await sampleJpeg(true);
    expect(normalise(dhtTables(optimised))).not.toEqual(normalise(STANDARD_HUFFMAN_TABLES));
    const want = await sharp(optimised).raw().toBuffer();
    const outcome = await sharp(withoutDht(optimised))
      .raw()
      .toBuffer()
      .then((pixels) => (pixels.equals(want) ? 'same' : 'differs'))
      .catch(() => 'fails');
    expect(outcome).not.toBe('same');
  });

  it('toImage repairs MJPEG frames and can re-encode them as PNG', async () => {
    const stripped = withoutDht(await sampleJpeg(false));
    const layout: FrameLayout = { pixelFormat: 'MJPEG', width: 48, height: 32 };
    const asJpeg = await toImage(stripped, layout, 'jpeg');
    expect(hasHuffmanTables(asJpeg)).toBe(true);
    const png = await toImage(stripped, layout, 'png');
    const decoded = await sharp(png).raw().toBuffer({ resolveWithObject: true });
    expect(decoded.info).toMatchObject({ width: 48, height: 32, channels: 3 });
    expect(decoded.data.equals(await sharp(asJpeg).raw().toBuffer())).toBe(true);
  });

  it('isCompleteJpeg wants SOI first and EOI last', async () => {
    const jpeg = await sampleJpeg(false);
    expect(isCompleteJpeg(jpeg)).toBe(true);
    expect(isCompleteJpeg(jpeg.subarray(0, jpeg.length - 1))).toBe(false);
    expect(isCompleteJpeg(jpeg.subarray(1))).toBe(false);
    expect(isCompleteJpeg(new Uint8Array([0xff, 0xd8, 0xff]))).toBe(false);
  });

  it.each([
    ['no SOI', Uint8Array.of(0x00, 0x01, 0x02), /SOI/],
    ['a segment past the end', Uint8Array.of(0xff, 0xd8, 0xff, 0xdb, 0, 0x43, 0), /length 67/],
    ['no scan', Uint8Array.of(0xff, 0xd8, 0xff, 0xd9), /SOS/],
    ['garbage between segments', Uint8Array.of(0xff, 0xd8, 0x12, 0x34), /marker at offset 2/],
  ])('rejects %s with 7400101', (_name, bytes, message) => {
    let caught: unknown;
    try {
      ensureHuffmanTables(bytes);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(CameraError);
    expect((caught as CameraError).code).toBe(7400101);
    expect((caught as CameraError).message).toMatch(message);
  });
});

describe('WebAssembly SIMD kernels against the scalar code', () => {
  const formats: ConvertibleFormat[] = ['YUYV', 'UYVY', 'NV12', 'I420', 'YV12', 'GRAY8', 'RGB24', 'BGR24'];
  // Sizes with whole SIMD groups, with leftover columns, odd heights, and a whole 720p frame.
  const sizes: Array<[number, number]> = [[64, 48], [70, 35], [17, 9], [33, 3], [1280, 720]];

  it('the kernels compile here (so the comparisons below exercise them)', () => {
    expect(simdKernels()).toBeDefined();
  });

  it.each(formats)('%s: every size, RGB and RGBA, byte for byte', (format) => {
    for (const [width, height] of sizes) {
      const layout = { pixelFormat: format, width, height };
      const next = random(width * 31 + height);
      const frame = Uint8Array.from({ length: frameByteLength(layout) }, next);
      for (const convert of [toRgb, toRgba]) {
        const simd = convert(frame, layout);
        disableSimdForTesting(true);
        const scalar = convert(frame, layout);
        disableSimdForTesting(false);
        const same = Buffer.from(simd).equals(Buffer.from(scalar));
        expect(same, `${format} ${width}x${height} ${convert.name}`).toBe(true);
      }
    }
  });

  it('scalar and SIMD agree with the floating-point reference within ±1 on every Y, Cb, Cr', () => {
    // 256 × 256 × 256 inputs as YUYV pairs sharing chroma: one row per (Cb, Cr) … in chunks.
    const width = 512;
    for (let cb = 0; cb < 256; cb += 17) {
      const rows: Yuv[][] = [];
      for (let cr = 0; cr < 256; cr += 5) {
        const row: Yuv[] = [];
        for (let y = 0; y < 256; y++) row.push([y, cb, cr], [y, cb, cr]);
        rows.push(row);
      }
      const frame = build('YUYV', rows);
      const rgb = toRgb(frame, { pixelFormat: 'YUYV', width, height: rows.length });
      expect(maxDifference(rgb, referenceFrame(rows))).toBeLessThanOrEqual(1);
    }
  });
});
