// Assembly throughput against a plain memory copy, bytes copied per frame byte, allocation per
// frame, and memory over a long replay.
//
// Each case replays pre-built transfers (the packet shapes real cameras send) through the
// whole pipeline (driver → assembler → pooled frame → delivery → a consumer that releases at
// once) as fast as it goes, and in the same run copies the same frame bytes with one
// TypedArray.set per frame (memcpy). Allocation is read from V8's young generation between
// two points with no collection in between. The long replay runs 720p YUYV for LONG_SECONDS
// and compares the heap after a full collection at the start and at the end.
//
//   node bench/assembly.mjs           (after npm run build)
import { PerformanceObserver } from 'node:perf_hooks';

import { FramePipeline } from '../dist/stream/pipeline.js';
import {
  HEADER_LENGTH,
  LINKS,
  SIZES,
  collectGarbage,
  cpuMicros,
  isochronousTransfers,
  mjpegFrame,
  newSpaceUsed,
  printTable,
  writeResults,
  yuyvFrame,
} from './lib.mjs';

const LONG_SECONDS = Number(process.env.LONG_SECONDS ?? 30);
const TARGET_BYTES = 1.5e9;

/** A bulk stream: one payload per frame (header first), 512 KiB transfers, a short last one. */
function bulkTransfers(frames, transferSize = 512 * 1024) {
  const transfers = [];
  frames.forEach((frame, index) => {
    const payload = new Uint8Array(HEADER_LENGTH + frame.length);
    payload[0] = HEADER_LENGTH;
    payload[1] = 0x80 | 0x02 | (index & 1);
    payload.set(frame, HEADER_LENGTH);
    for (let at = 0; at < payload.length; at += transferSize) {
      transfers.push({ data: payload.subarray(at, Math.min(payload.length, at + transferSize)), requested: transferSize });
    }
    if (payload.length % transferSize === 0) transfers.push({ data: new Uint8Array(0), requested: transferSize });
  });
  return transfers;
}

function pipelineFor(kind, format, frameBytes, bufferSize, onFrame) {
  return new FramePipeline({
    transfer: kind,
    bufferSize,
    compressed: format === 'MJPEG',
    mjpeg: format === 'MJPEG',
    ...(format === 'YUYV' ? { expectedFrameSize: frameBytes } : {}),
    clockFrequency: 48_000_000,
    onFrame,
  });
}

function feed(pipeline, kind, transfers, index) {
  const transfer = transfers[index];
  if (kind === 'bulk') pipeline.bulk(transfer.data, transfer.requested, 0);
  else pipeline.isochronous(transfer.data, transfer.packets, 0);
}

function runCase(name, kind, format, frames, transfers, bufferSize) {
  // MJPEG frames differ in size: use the mean (the replay alternates the two).
  const frameBytes = frames.reduce((sum, frame) => sum + frame.length, 0) / frames.length;
  let delivered = 0;
  const pipeline = pipelineFor(kind, format, frameBytes, bufferSize, (frame) => {
    delivered += 1;
    frame.release();
  });
  const count = Math.max(60, Math.min(3000, Math.round(TARGET_BYTES / frameBytes)));

  // Warm up, then time `count` frames, best of three runs (the machine is shared).
  for (let i = 0; delivered < 50; i = (i + 1) % transfers.length) feed(pipeline, kind, transfers, i);
  let index = 0;
  let seconds = Infinity;
  let cpuSeconds = Infinity;
  let copied = 0;
  for (let run = 0; run < 3; run++) {
    const start = delivered;
    const copiedBefore = pipeline.counters().assembler.bytesCopied;
    const cpu = process.cpuUsage();
    const t0 = performance.now();
    while (delivered - start < count) {
      feed(pipeline, kind, transfers, index);
      index = (index + 1) % transfers.length;
    }
    const elapsed = (performance.now() - t0) / 1000;
    if (elapsed < seconds) {
      seconds = elapsed;
      cpuSeconds = cpuMicros(cpu) / 1e6;
      copied = pipeline.counters().assembler.bytesCopied - copiedBefore;
    }
  }

  // Allocation: young-generation growth over chunks of frames without a collection, less what
  // reading the statistics allocates itself.
  const overhead = [];
  for (let i = 0; i < 5; i++) {
    const a = newSpaceUsed();
    overhead.push(newSpaceUsed() - a);
  }
  const readCost = Math.min(...overhead);
  const perFrame = [];
  const chunkFrames = 40;
  for (let chunk = 0; chunk < 15; chunk++) {
    const before = newSpaceUsed();
    const goal = delivered + chunkFrames;
    while (delivered < goal) {
      feed(pipeline, kind, transfers, index);
      index = (index + 1) % transfers.length;
    }
    const after = newSpaceUsed();
    if (after >= before) perFrame.push(Math.max(0, after - before - readCost) / chunkFrames);
  }
  perFrame.sort((a, b) => a - b);
  const packetsPerFrame = kind === 'bulk' ? 0 : transfers.reduce((n, t) => n + t.packets.filter((p) => p.length > HEADER_LENGTH).length, 0) / frames.length;

  // memcpy of the same bytes, same run.
  const source = new Uint8Array(Math.round(frameBytes));
  source.set(frames[0].subarray(0, source.length));
  const target = new Uint8Array(bufferSize);
  for (let i = 0; i < 20; i++) target.set(source);
  let memcpySeconds = Infinity;
  for (let run = 0; run < 3; run++) {
    const m0 = performance.now();
    for (let i = 0; i < count; i++) target.set(source);
    memcpySeconds = Math.min(memcpySeconds, (performance.now() - m0) / 1000);
  }

  const mbps = (frameBytes * count) / seconds / 1e6;
  const memcpyMbps = (frameBytes * count) / memcpySeconds / 1e6;
  return {
    case: name,
    transfer: kind === 'bulk' ? 'bulk 512K' : `${transfers[0].packets.length}×${Math.max(...transfers[0].packets.map((p) => p.length))}`,
    frameBytes: Math.round(frameBytes),
    frames: count,
    fps: count / seconds,
    MBps: mbps,
    memcpyMBps: memcpyMbps,
    ratio: mbps / memcpyMbps,
    cpuPerFrameUs: (cpuSeconds / count) * 1e6,
    copiedPerByte: copied / (frameBytes * count),
    allocBytesPerFrame: perFrame[perFrame.length >> 1] ?? NaN,
    dataPacketsPerFrame: Math.round(packetsPerFrame),
  };
}

const rows = [];
for (const [size, { width, height }] of Object.entries(SIZES)) {
  const yuyv = [yuyvFrame(width, height, 1), yuyvFrame(width, height, 2)];
  rows.push(runCase(`${size} YUYV`, 'isochronous', 'YUYV', yuyv, isochronousTransfers(yuyv, LINKS.super), yuyv[0].length));
  if (size === '720p') {
    rows.push(runCase(`${size} YUYV`, 'isochronous', 'YUYV', yuyv, isochronousTransfers(yuyv, LINKS.high), yuyv[0].length));
  }
  rows.push(runCase(`${size} YUYV`, 'bulk', 'YUYV', yuyv, bulkTransfers(yuyv), yuyv[0].length));
  const jpegs = [await mjpegFrame(width, height, 1), await mjpegFrame(width, height, 2)];
  rows.push(runCase(`${size} MJPEG`, 'isochronous', 'MJPEG', jpegs, isochronousTransfers(jpegs, LINKS.high), width * height * 2));
}
printTable('Assembly throughput vs memcpy of the same bytes (same run)', rows);

// Long replay: memory after a full collection, before and after; collections in between.
const gcs = [];
const observer = new PerformanceObserver((list) => {
  for (const entry of list.getEntries()) gcs.push(entry.duration);
});
observer.observe({ entryTypes: ['gc'] });
const { width, height } = SIZES['720p'];
const frames = [yuyvFrame(width, height, 1), yuyvFrame(width, height, 2)];
const transfers = isochronousTransfers(frames, LINKS.super);
let delivered = 0;
const pipeline = pipelineFor('isochronous', 'YUYV', frames[0].length, frames[0].length, (frame) => {
  delivered += 1;
  frame.release();
});
for (let i = 0; delivered < 200; i = (i + 1) % transfers.length) feed(pipeline, 'isochronous', transfers, i);
collectGarbage();
const before = process.memoryUsage();
gcs.length = 0;
const startFrames = delivered;
const endAt = performance.now() + LONG_SECONDS * 1000;
for (let i = 0; performance.now() < endAt; ) {
  for (let n = 0; n < 64; n++, i = (i + 1) % transfers.length) feed(pipeline, 'isochronous', transfers, i);
  if (i % 1024 === 0) await new Promise((resolve) => setImmediate(resolve));
}
await new Promise((resolve) => setImmediate(resolve));
const framesRun = delivered - startFrames;
const collections = gcs.length;
const maxPause = Math.max(0, ...gcs);
collectGarbage();
const after = process.memoryUsage();
observer.disconnect();
const long = {
  case: '720p YUYV SS 32×49152',
  seconds: LONG_SECONDS,
  frames: framesRun,
  heapUsedBeforeKB: before.heapUsed / 1024,
  heapUsedAfterKB: after.heapUsed / 1024,
  rssBeforeMB: before.rss / 1e6,
  rssAfterMB: after.rss / 1e6,
  externalBeforeMB: before.external / 1e6,
  externalAfterMB: after.external / 1e6,
  collections,
  framesPerCollection: collections === 0 ? framesRun : framesRun / collections,
  maxPauseMs: maxPause,
};
printTable('Long replay: memory after full GC before vs after', [long]);
writeResults('assembly', { rows, long });
