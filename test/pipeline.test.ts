/**
 * The whole frame pipeline (driver → assembler → pooled frame → delivery → consumer, with
 * clock recovery) on real captures and on the emulated camera through the WebUSB transfer
 * reader; a slow consumer that must not stall USB; memory over a long replay; conversion off
 * the USB path in worker threads.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import v8 from 'node:v8';
import vm from 'node:vm';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';

import { negotiate } from '../src/camera/negotiate.js';
import { selectStream } from '../src/camera/select.js';
import { UvcCamera } from '../src/camera/uvc-camera.js';
import { ConvertPool } from '../src/stream/convert-pool.js';
import { toRgb } from '../src/stream/convert.js';
import type { Frame } from '../src/stream/frame.js';
import { hasHuffmanTables } from '../src/stream/jpeg.js';
import { FramePipeline, type PipelineOptions } from '../src/stream/pipeline.js';
import { frameBufferSize } from '../src/stream/pool.js';
import { startReader } from '../src/stream/reader.js';
import { streamingSettings } from '../src/uvc/bandwidth.js';
import {
  extractBulkInCompletions,
  extractIsochronousInCompletions,
  parseUsbmonText,
  parseUsbPcap,
} from '../src/usb/usbmon.js';
import { createVirtualCamera } from '../src/usb/virtual-camera.js';
import { capturesDir, fixturesDir } from './fixtures.js';

interface Seen {
  data: Uint8Array;
  sequence: number;
  pts: number | undefined;
  timestamp: number;
  fromDevice: boolean;
  firstPayloadTime: number;
}

function collecting(options: Omit<PipelineOptions, 'onFrame'>) {
  const seen: Seen[] = [];
  const pipeline = new FramePipeline({
    ...options,
    onFrame(frame) {
      seen.push({
        data: frame.data.slice(),
        sequence: frame.sequence,
        pts: frame.pts,
        timestamp: frame.timestamp,
        fromDevice: frame.timestampFromDevice,
        firstPayloadTime: frame.firstPayloadTime,
      });
      frame.release();
    },
  });
  return { pipeline, seen };
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[sorted.length >> 1] ?? NaN;
}

function increasing(values: number[]): boolean {
  return values.every((value, index) => index === 0 || value > (values[index - 1] ?? -Infinity));
}

describe('real captures through the pipeline', () => {
  it('Realtek 0bda:5602 bulk trace (bugs.md §2): frames, and timestamps from its 15 MHz clock', () => {
    const base = 'dell_xps12_realtek_0bda-5602_bulk_usbmon-works-mjpg-320x240';
    const events = parseUsbmonText(readFileSync(join(capturesDir, `${base}.txt`), 'utf8'));
    const completions = extractBulkInCompletions(events, { bus: 1, device: 4, endpoint: 0x81 });
    const lsusb = readFileSync(
      join(fixturesDir, 'descriptors', 'realtek_integrated_webcam_dell_xps12_bulk_0bda-5602.lsusb.txt'),
      'utf8',
    );
    const megahertz = Number(/dwClockFrequency\s+([\d.]+)MHz/.exec(lsusb)?.[1]);
    expect(megahertz).toBe(15);

    const { pipeline, seen } = collecting({
      transfer: 'bulk',
      bufferSize: 320 * 240 * 2,
      compressed: true,
      mjpeg: true,
      clockFrequency: megahertz * 1e6,
    });
    for (const completion of completions) {
      if (completion.status !== 0) continue;
      // usbmon cut the bodies to 32 bytes: fill them to their real length (no 0xff bytes).
      const body = new Uint8Array(completion.length);
      for (let i = completion.data.length; i < body.length; i += 1) body[i] = (i * 13) % 0xfe;
      body.set(completion.data);
      pipeline.bulk(body, completion.requestedLength ?? 16384, completion.timestampUs);
    }
    pipeline.close();

    const counters = pipeline.counters();
    expect(counters.assembler.staleBytes).toBeGreaterThan(0);
    expect(seen.length).toBeGreaterThan(10);
    expect(counters.delivery.delivered).toBe(seen.length);
    expect(seen.every((frame) => frame.data[0] === 0xff && frame.data[1] === 0xd8)).toBe(true);
    expect(increasing(seen.map((frame) => frame.timestamp))).toBe(true);

    // Frame intervals from the device clock agree with the arrival intervals.
    const fromDevice = seen.filter((frame) => frame.fromDevice);
    expect(fromDevice.length).toBeGreaterThan(seen.length * 0.8);
    const deviceIntervals = fromDevice.slice(1).map((f, i) => f.timestamp - fromDevice[i]!.timestamp);
    const arrivalIntervals = seen.slice(1).map((f, i) => f.firstPayloadTime - seen[i]!.firstPayloadTime);
    const ratio = median(deviceIntervals) / median(arrivalIntervals);
    expect(ratio).toBeGreaterThan(0.95);
    expect(ratio).toBeLessThan(1.05);
    expect(counters.clock?.samples).toBeGreaterThan(0);
  });

  it('Vaultmicro iso URB (bugs.md §13): one frame, its PTS, SCR samples back-dated per packet', () => {
    const pcap = new Uint8Array(readFileSync(join(capturesDir, 'vaultmicro_uvc_frame_detector_tph_iso_0.derived.pcap')));
    const urb = extractIsochronousInCompletions(parseUsbPcap(pcap))[0]!;
    const { pipeline, seen } = collecting({
      transfer: 'isochronous',
      bufferSize: 64 * 1024,
      compressed: false,
      serviceIntervalUs: 125,
      clockFrequency: 48e6,
    });
    pipeline.isochronous(urb.data, urb.packets, 10_000_000);
    pipeline.close();
    expect(seen).toHaveLength(1);
    expect(seen[0]!.data.length).toBe(26 * 1268 + 424);
    const pts = new DataView(urb.data.buffer, urb.data.byteOffset).getUint32(2, true);
    expect(seen[0]!.pts).toBe(pts);
    expect(pipeline.counters().clock?.samples).toBeGreaterThanOrEqual(1);
  });
});

/** Negotiate on the virtual camera and stream into a pipeline through the WebUSB reader. */
async function streamVirtual(
  transfer: 'isochronous' | 'bulk',
  pixelFormat: 'YUYV' | 'MJPEG',
  options: Partial<PipelineOptions> & {
    frames: number;
    onFrame?: PipelineOptions['onFrame'];
    pace?: 'asap' | 'realtime';
  },
) {
  const { pace = 'realtime', ...pipelineOptions } = options;
  const device = await createVirtualCamera({ pace, transfer });
  const camera = await UvcCamera.open(device);
  const fn = camera.videoFunction;
  const choice = selectStream(fn, { pixelFormat, width: 320, height: 240 });
  const vs = choice.streaming.bInterfaceNumber;
  await device.claimInterface(vs);
  await device.selectAlternateInterface(vs, 0);
  const candidates = streamingSettings(choice.streaming, 0);
  const bulk = transfer === 'bulk';
  const negotiation = await negotiate(device, {
    interfaceNumber: vs,
    bcdUVC: fn.videoControl.bcdUVC,
    format: choice.format,
    frame: choice.frame,
    maxPayloadCapacity: bulk ? 16384 : Math.max(...candidates.map((s) => s.endpoint.bytesPerInterval)),
    transferType: transfer,
  });
  const committed = negotiation.committed;
  const compressed = pixelFormat === 'MJPEG';
  const setting = streamingSettings(choice.streaming, committed.dwMaxPayloadTransferSize, { compressed })[0]!;
  if (setting.bAlternateSetting !== 0) await device.selectAlternateInterface(vs, setting.bAlternateSetting);

  const frameBytes = 320 * 240 * 2;
  const seen: Seen[] = [];
  let done!: () => void;
  const finished = new Promise<void>((resolve) => (done = resolve));
  const pipeline = new FramePipeline({
    transfer,
    bufferSize: compressed ? frameBufferSize({ dwMaxVideoFrameSize: committed.dwMaxVideoFrameSize, wWidth: 320, wHeight: 240, bitsPerPixel: 16 }) : frameBytes,
    compressed,
    mjpeg: compressed,
    ...(compressed ? {} : { expectedFrameSize: frameBytes }),
    serviceIntervalUs: 125,
    clockFrequency: fn.videoControl.dwClockFrequency,
    ...pipelineOptions,
    onFrame:
      options.onFrame ??
      ((frame: Frame) => {
        seen.push({
          data: frame.data.slice(),
          sequence: frame.sequence,
          pts: frame.pts,
          timestamp: frame.timestamp,
          fromDevice: frame.timestampFromDevice,
          firstPayloadTime: frame.firstPayloadTime,
        });
        frame.release();
        if (seen.length === options.frames) done();
      }),
  });
  const reader = startReader(device, pipeline, {
    endpoint: setting.endpoint,
    transfers: 4,
    packetsPerTransfer: 32,
    bulkTransferSize: 16384,
  });
  const stop = async () => {
    await device.selectAlternateInterface(vs, 0).catch(() => undefined);
    await reader.stop();
    pipeline.close();
    await camera.close();
  };
  return { pipeline, seen, finished, reader, stop, done: () => done() };
}

describe('the emulated camera through the reader and the pipeline', () => {
  for (const [transfer, pixelFormat] of [
    ['isochronous', 'YUYV'],
    ['bulk', 'MJPEG'],
  ] as const) {
    it(`${transfer} ${pixelFormat}: good frames, device timestamps, nothing dropped`, async () => {
      // Real-time pace: the emulated device clock then runs with the host clock.
      const run = await streamVirtual(transfer, pixelFormat, { frames: 12 });
      await run.finished;
      await run.stop();
      const { seen, pipeline } = run;
      expect(seen.length).toBeGreaterThanOrEqual(12);
      if (pixelFormat === 'YUYV') expect(seen.every((f) => f.data.length === 320 * 240 * 2)).toBe(true);
      if (pixelFormat === 'MJPEG') {
        const meta = await sharp(seen[0]!.data).metadata();
        expect([meta.width, meta.height]).toEqual([320, 240]);
      }
      expect(increasing(seen.map((f) => f.timestamp))).toBe(true);
      // Most frames carry device timestamps (a loaded machine may delay an arrival enough for
      // the sanity check to fall back on one).
      const settled = seen.slice(3);
      expect(settled.filter((f) => f.fromDevice).length).toBeGreaterThanOrEqual(settled.length * 0.75);
      const counters = pipeline.counters();
      expect(counters.assembler.framesDropped).toBe(0);
      expect(counters.assembler.framesIncomplete + counters.assembler.framesWrongSize).toBeLessThanOrEqual(1);
      expect(counters.pool.leaked).toBe(0);
    });
  }

  it('a slow consumer does not stall USB: transfers go on, drops are counted and flagged', async () => {
    const got: Array<{ sequence: number; droppedBefore: boolean }> = [];
    let slowDone!: () => void;
    const slowFinished = new Promise<void>((resolve) => (slowDone = resolve));
    const run = await streamVirtual('isochronous', 'YUYV', {
      frames: 0,
      pace: 'asap',
      policy: 'dropOldest',
      queueDepth: 1,
      poolSize: 4,
      onFrame: async (frame: Frame) => {
        got.push({ sequence: frame.sequence, droppedBefore: frame.flags.droppedBefore });
        await new Promise((resolve) => setTimeout(resolve, 40));
        frame.release();
        if (got.length === 6) slowDone();
      },
    });
    await slowFinished;
    const completedWhileSlow = run.reader.completed;
    await run.stop();
    const counters = run.pipeline.counters();
    // At 40 ms per frame the consumer takes at most a frame in ten of what arrives (asap).
    expect(completedWhileSlow).toBeGreaterThan(100);
    expect(counters.delivery.droppedOldest + counters.delivery.droppedForBuffer).toBeGreaterThan(0);
    expect(counters.assembler.framesDropped).toBe(0);
    expect(got.slice(1).some((f) => f.droppedBefore)).toBe(true);
    expect(increasing(got.map((f) => f.sequence))).toBe(true);
  });
});

/** Bytes of a bulk stream: one payload per frame, header first, cut into 64 KiB transfers. */
function bulkStream(frames: Uint8Array[]): Array<{ data: Uint8Array; requested: number }> {
  const transfers: Array<{ data: Uint8Array; requested: number }> = [];
  frames.forEach((frame, index) => {
    const payload = new Uint8Array(12 + frame.length);
    payload.set([12, 0x80 | 0x02 | (index & 1)]);
    payload.set(frame, 12);
    for (let at = 0; at < payload.length; at += 65536) {
      transfers.push({ data: payload.subarray(at, Math.min(payload.length, at + 65536)), requested: 65536 });
    }
  });
  return transfers;
}

function newSpaceUsed(): number {
  return v8.getHeapSpaceStatistics().find((space) => space.space_name === 'new_space')?.space_used_size ?? 0;
}

describe('memory', () => {
  const frameBytes = 320 * 240 * 2;
  const frames = [1, 2].map((seed) => Uint8Array.from({ length: frameBytes }, (_, i) => (i * seed) & 0xff));
  const transfers = bulkStream(frames);

  it('allocates at most one transport view per copied range once streaming runs', () => {
    let delivered = 0;
    const pipeline = new FramePipeline({
      transfer: 'bulk',
      bufferSize: frameBytes,
      compressed: false,
      expectedFrameSize: frameBytes,
      clockFrequency: 48e6,
      onFrame(frame) {
        delivered += 1;
        frame.release();
      },
    });
    let index = 0;
    const run = (count: number) => {
      const goal = delivered + count;
      while (delivered < goal) {
        const transfer = transfers[index]!;
        pipeline.bulk(transfer.data, transfer.requested, index);
        index = (index + 1) % transfers.length;
      }
    };
    run(300);
    // Young-generation growth per frame over chunks without a collection (median of chunks).
    const perFrame: number[] = [];
    for (let chunk = 0; chunk < 15; chunk += 1) {
      const before = newSpaceUsed();
      run(100);
      const after = newSpaceUsed();
      if (after >= before) perFrame.push((after - before) / 100);
    }
    expect(perFrame.length).toBeGreaterThan(5);
    // One payload per frame needs one view of its first transfer (about 100 bytes); no buffer,
    // no frame object, no metadata object is allocated. The bound leaves room for the test
    // runner's own instrumentation (bench/assembly.mjs measures about 100 bytes outside it).
    expect(median(perFrame)).toBeLessThan(512);
  });

  it('stays flat over a long replay (heap after a full collection)', async () => {
    v8.setFlagsFromString('--expose-gc');
    const gc = vm.runInNewContext('gc') as () => void;
    let delivered = 0;
    const pipeline = new FramePipeline({
      transfer: 'bulk',
      bufferSize: frameBytes,
      compressed: false,
      expectedFrameSize: frameBytes,
      clockFrequency: 48e6,
      onFrame(frame) {
        delivered += 1;
        frame.release();
      },
    });
    let index = 0;
    const run = (count: number) => {
      const goal = delivered + count;
      while (delivered < goal) {
        const transfer = transfers[index]!;
        pipeline.bulk(transfer.data, transfer.requested, index * 100);
        index = (index + 1) % transfers.length;
      }
    };
    run(200);
    gc();
    const before = process.memoryUsage();
    run(5000);
    gc();
    const after = process.memoryUsage();
    expect(after.heapUsed - before.heapUsed).toBeLessThan(1024 * 1024);
    expect(after.arrayBuffers - before.arrayBuffers).toBeLessThan(1024 * 1024);
    expect(pipeline.counters().pool.lent).toBe(5200);
  });
});

describe('conversion off the USB path', () => {
  const width = 64;
  const height = 48;
  const yuyv = Uint8Array.from({ length: width * height * 2 }, (_, i) => 16 + ((i * 37) % 220));

  for (const mode of ['workers', 'inline'] as const) {
    it(`${mode}: YUYV from a shared frame converts to the same RGB; MJPEG without DHT decodes`, async () => {
      const pool = await ConvertPool.create({ mode, workers: 2 });
      try {
        const shared = new Uint8Array(new SharedArrayBuffer(yuyv.length));
        shared.set(yuyv);
        const layout = { pixelFormat: 'YUYV' as const, width, height };
        const results = await Promise.all([
          pool.convert(shared, { layout, output: 'rgb' }),
          pool.convert(yuyv, { layout, output: 'rgb' }),
        ]);
        const expected = toRgb(yuyv, layout);
        for (const result of results) {
          expect(result.channels).toBe(3);
          expect(Buffer.from(result.data).equals(Buffer.from(expected))).toBe(true);
        }
        if (mode === 'workers') expect(pool.counters.copiedInputs).toBe(1);

        // An MJPEG frame as many UVC cameras send it: the JPEG with its DHT segments removed.
        const jpeg = await sharp(Buffer.from(expected), { raw: { width, height, channels: 3 } })
          .jpeg({ quality: 90, optimiseCoding: false })
          .toBuffer();
        const stripped = stripHuffmanTables(new Uint8Array(jpeg));
        expect(hasHuffmanTables(stripped)).toBe(false);
        const decoded = await pool.convert(stripped, {
          layout: { pixelFormat: 'MJPEG', width, height },
          output: 'rgba',
        });
        expect([decoded.width, decoded.height, decoded.channels]).toEqual([width, height, 4]);
        const reference = await sharp(jpeg).raw().toBuffer();
        for (let pixel = 0; pixel < width * height; pixel += 97) {
          expect(decoded.data[pixel * 4]).toBe(reference[pixel * 3]);
          expect(decoded.data[pixel * 4 + 3]).toBe(255);
        }

        const png = await pool.convert(yuyv, { layout, output: 'png' });
        const meta = await sharp(png.data).metadata();
        expect([meta.format, meta.width, meta.height]).toEqual(['png', width, height]);
      } finally {
        await pool.close();
      }
    });
  }

  it('a frame handed to convertFrame is released once converted', async () => {
    const pool = await ConvertPool.create({ mode: 'workers', workers: 1 });
    try {
      let released = 0;
      const frame = { data: yuyv, release: () => (released += 1) } as unknown as Frame;
      await pool.convertFrame(frame, { layout: { pixelFormat: 'YUYV', width, height }, output: 'rgba' });
      expect(released).toBe(1);
    } finally {
      await pool.close();
    }
  });
});

/** A JPEG without its DHT segments (as UVC MJPEG cameras send frames, bugs.md §14). */
function stripHuffmanTables(jpeg: Uint8Array): Uint8Array {
  const parts: Uint8Array[] = [jpeg.subarray(0, 2)];
  let at = 2;
  while (at < jpeg.length) {
    const marker = jpeg[at + 1]!;
    if (marker === 0xda) {
      parts.push(jpeg.subarray(at));
      break;
    }
    const length = (jpeg[at + 2]! << 8) | jpeg[at + 3]!;
    if (marker !== 0xc4) parts.push(jpeg.subarray(at, at + 2 + length));
    at += 2 + length;
  }
  return Uint8Array.from(parts.flatMap((part) => Array.from(part)));
}
