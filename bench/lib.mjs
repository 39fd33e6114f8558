// Shared helpers of the benchmarks: synthetic frames, UVC payload streams cut like a camera
// cuts them, statistics, a table printer and the JSON writer. Run benchmarks from the
// repository root after `npm run build`; they import the compiled driver from dist/.
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import v8 from 'node:v8';
import vm from 'node:vm';

export const benchDir = dirname(fileURLToPath(import.meta.url));

/** Payload header of every generated payload: HLE 12, EOH | SCR | PTS, FID, EOF. */
export const HEADER_LENGTH = 12;
const BFH = { FID: 0x01, EOF: 0x02, PTS: 0x04, SCR: 0x08, EOH: 0x80 };

/** USB packet shapes: bytes per (micro)frame including the 12-byte header, and µs apart. */
export const LINKS = {
  // High speed, 3 × 1020 B per microframe (a Logitech C310's largest alternate setting).
  high: { packetSize: 3060, intervalUs: 125, packetsPerTransfer: 32 },
  // SuperSpeed isochronous at the line rate: 3 bursts × 16 × 1024 B per 125 µs = 393 MB/s,
  // 32 packets (4 ms, 1.5 MiB) per transfer as Linux uvcvideo and libuvc submit them ...
  super: { packetSize: 49152, intervalUs: 125, packetsPerTransfer: 32 },
  // ... or 8 packets (1 ms, 384 KiB) per transfer.
  super8: { packetSize: 49152, intervalUs: 125, packetsPerTransfer: 8 },
};

/** Frame sizes the issue names. */
export const SIZES = {
  '720p': { width: 1280, height: 720 },
  '1080p': { width: 1920, height: 1080 },
  '4K': { width: 3840, height: 2160 },
};

/** A deterministic YUYV frame (a gradient with some texture), `width × height × 2` bytes. */
export function yuyvFrame(width, height, seed = 1) {
  const frame = new Uint8Array(width * height * 2);
  for (let row = 0; row < height; row++) {
    for (let column = 0; column < width; column += 2) {
      const at = (row * width + column) * 2;
      const texture = ((row * 7 + column * 13 + seed * 31) & 15) - 8;
      frame[at] = 16 + ((column * 219) / width + texture) & 0xff;
      frame[at + 1] = 128 + ((row * 100) / height - 50) | 0;
      frame[at + 2] = 16 + (((column + 1) * 219) / width + texture) & 0xff;
      frame[at + 3] = 128 + ((column * 100) / width - 50) | 0;
    }
  }
  return frame;
}

/** An MJPEG frame of the same picture, encoded by sharp at quality 85 (no restart markers). */
export async function mjpegFrame(width, height, seed = 1) {
  const { default: sharp } = await import('sharp');
  const { toRgb } = await import('../dist/stream/convert.js');
  const rgb = toRgb(yuyvFrame(width, height, seed), { pixelFormat: 'YUYV', width, height });
  const jpeg = await sharp(rgb, { raw: { width, height, channels: 3 } }).jpeg({ quality: 85 }).toBuffer();
  return new Uint8Array(jpeg.buffer, jpeg.byteOffset, jpeg.byteLength);
}

/**
 * Cut frames into isochronous transfers as a camera does: each packet a 12-byte header (FID
 * toggling per frame, EOF on the last packet, PTS = capture time, SCR = send time at 48 MHz
 * with the SOF counter) and up to `packetSize − 12` data bytes; idle header-only packets fill
 * the rest of the last transfer of a frame. Returns transfers { data, packets }.
 */
export function isochronousTransfers(frames, link, options = {}) {
  const { packetSize, packetsPerTransfer, intervalUs } = link;
  const clockHz = 48_000_000;
  const frameIntervalUs = options.frameIntervalUs ?? 33_333;
  const transfers = [];
  let busUs = 0;
  let packets = [];
  let data = new Uint8Array(packetSize * packetsPerTransfer);
  const flush = () => {
    transfers.push({ data, packets });
    packets = [];
    data = new Uint8Array(packetSize * packetsPerTransfer);
  };
  frames.forEach((frame, index) => {
    const fid = index & 1;
    const ptsTicks = Math.floor(index * frameIntervalUs * (clockHz / 1e6)) >>> 0;
    for (let sent = 0; sent < frame.length || packets.length > 0; ) {
      const offset = packets.length * packetSize;
      const chunk = Math.min(packetSize - HEADER_LENGTH, frame.length - sent);
      const last = sent + chunk >= frame.length;
      if (chunk > 0) {
        writeHeader(data, offset, fid | (last ? BFH.EOF : 0), ptsTicks, busUs, clockHz);
        data.set(frame.subarray(sent, sent + chunk), offset + HEADER_LENGTH);
        sent += chunk;
        packets.push({ offset, length: HEADER_LENGTH + chunk, status: 'ok' });
      } else {
        writeHeader(data, offset, fid ^ 1, ptsTicks, busUs, clockHz);
        packets.push({ offset, length: HEADER_LENGTH, status: 'ok' });
      }
      busUs += intervalUs;
      if (packets.length === packetsPerTransfer) {
        flush();
        if (sent >= frame.length) break;
      }
    }
  });
  if (packets.length > 0) flush();
  return transfers;
}

function writeHeader(target, offset, bits, ptsTicks, busUs, clockHz) {
  target[offset] = HEADER_LENGTH;
  target[offset + 1] = BFH.EOH | BFH.PTS | BFH.SCR | bits;
  const view = new DataView(target.buffer, target.byteOffset + offset, HEADER_LENGTH);
  view.setUint32(2, ptsTicks, true);
  view.setUint32(6, Math.floor(busUs * (clockHz / 1e6)) >>> 0, true);
  view.setUint16(10, Math.floor(busUs / 1000) & 0x7ff, true);
}

/** Percentiles of a numeric array (sorted copy). */
export function percentiles(values) {
  const sorted = Float64Array.from(values).sort();
  const at = (p) => sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] ?? NaN;
  return { count: sorted.length, p50: at(0.5), p99: at(0.99), max: sorted[sorted.length - 1] ?? NaN };
}

/** Print rows (objects with the same keys) as an aligned table. */
export function printTable(title, rows) {
  console.log(`\n${title}`);
  if (rows.length === 0) return;
  const keys = Object.keys(rows[0]);
  const cells = rows.map((row) => keys.map((key) => format(row[key])));
  const widths = keys.map((key, i) => Math.max(key.length, ...cells.map((c) => c[i].length)));
  const line = (values) => values.map((v, i) => v.padStart(widths[i])).join('  ');
  console.log(line(keys));
  console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const c of cells) console.log(line(c));
}

function format(value) {
  if (typeof value === 'number') {
    if (Number.isInteger(value)) return String(value);
    return Math.abs(value) >= 100 ? value.toFixed(0) : Math.abs(value) >= 1 ? value.toFixed(2) : value.toFixed(3);
  }
  return String(value);
}

/** The machine a benchmark ran on. */
export function machine() {
  const cpu = cpus();
  let ffmpeg = null;
  try {
    ffmpeg = execFileSync('ffmpeg', ['-version'], { encoding: 'utf8' }).split('\n')[0];
  } catch {
    ffmpeg = null;
  }
  return { node: process.version, v8: process.versions.v8, cpus: cpu.length, cpu: cpu[0]?.model, ffmpeg };
}

/** Write `bench/results/<name>.json`. */
export function writeResults(name, results) {
  const dir = join(benchDir, 'results');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `${name}.json`);
  writeFileSync(file, JSON.stringify({ benchmark: name, date: new Date().toISOString(), machine: machine(), results }, null, 2));
  console.log(`\nwrote ${file}`);
}

/** A full garbage collection (exposes V8's gc without a command-line flag). */
export function collectGarbage() {
  v8.setFlagsFromString('--expose-gc');
  const gc = vm.runInNewContext('gc');
  gc();
  gc();
}

/** Bytes used in V8's young generation (new space). */
export function newSpaceUsed() {
  return v8.getHeapSpaceStatistics().find((space) => space.space_name === 'new_space')?.space_used_size ?? 0;
}

/** CPU time of this process in µs since `since` (a process.cpuUsage() value). */
export function cpuMicros(since) {
  const used = process.cpuUsage(since);
  return used.user + used.system;
}
