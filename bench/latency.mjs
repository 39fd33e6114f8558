// Capture latency: from the arrival of the last payload of a frame (the host time the transfer
// carrying it reached the driver) to the consumer's callback, through the whole pipeline
// (isochronous driver → assembler → pooled frame → delivery → consumer), for 720p, 1080p and
// 4K frames in YUYV (SuperSpeed packet shape) and MJPEG (high-speed packet shape).
// Transfers are handed over one per event-loop turn, as completions arrive.
//
//   node bench/latency.mjs            (after npm run build)
import { setImmediate as nextTurn } from 'node:timers/promises';

import { FramePipeline } from '../dist/stream/pipeline.js';
import {
  LINKS,
  SIZES,
  isochronousTransfers,
  mjpegFrame,
  percentiles,
  printTable,
  writeResults,
  yuyvFrame,
} from './lib.mjs';

const FRAMES = { '720p': 600, '1080p': 400, '4K': 150 };
const WARM_UP = 20;

async function measure(name, format, linkName, transfers, frameBytes, frames, bufferSize) {
  const link = LINKS[linkName];
  const latencies = [];
  let seen = 0;
  const pipeline = new FramePipeline({
    transfer: 'isochronous',
    bufferSize,
    compressed: format === 'MJPEG',
    mjpeg: format === 'MJPEG',
    ...(format === 'YUYV' ? { expectedFrameSize: frameBytes } : {}),
    serviceIntervalUs: link.intervalUs,
    clockFrequency: 48_000_000,
    onFrame(frame) {
      const now = performance.now() * 1000;
      seen += 1;
      if (seen > WARM_UP) latencies.push(now - frame.lastPayloadTime);
      frame.release();
    },
  });

  for (let index = 0; seen < frames + WARM_UP; index = (index + 1) % transfers.length) {
    const { data, packets } = transfers[index];
    pipeline.isochronous(data, packets, performance.now() * 1000);
    await nextTurn();
  }
  const counters = pipeline.counters();
  const stats = percentiles(latencies);
  return {
    case: name,
    format,
    packets: `${linkName === 'high' ? 'HS' : 'SS'} ${link.packetsPerTransfer}×${link.packetSize}`,
    frameBytes,
    frames: stats.count,
    p50Us: stats.p50,
    p99Us: stats.p99,
    maxUs: stats.max,
    dropped: counters.assembler.framesDropped + counters.delivery.droppedOldest,
    bad: counters.assembler.framesIncomplete + counters.assembler.framesWrongSize,
  };
}

const rows = [];
for (const [size, { width, height }] of Object.entries(SIZES)) {
  const yuyv = [yuyvFrame(width, height, 1), yuyvFrame(width, height, 2)];
  for (const linkName of ['super', 'super8']) {
    const transfers = isochronousTransfers(yuyv, LINKS[linkName]);
    const bytes = yuyv[0].length;
    rows.push(await measure(size, 'YUYV', linkName, transfers, bytes, FRAMES[size], bytes));
  }

  const jpegs = [await mjpegFrame(width, height, 1), await mjpegFrame(width, height, 2)];
  const jpegTransfers = isochronousTransfers(jpegs, LINKS.high);
  const buffer = width * height * 2;
  rows.push(await measure(size, 'MJPEG', 'high', jpegTransfers, jpegs[0].length, FRAMES[size], buffer));
}

printTable('Capture latency: last payload arrival → consumer callback (µs)', rows);
const goal = 100;
for (const [label, selected] of [
  ['all cases', rows],
  ['8-packet SuperSpeed transfers and MJPEG', rows.filter((row) => !row.packets.startsWith('SS 32'))],
]) {
  const worst = Math.max(...selected.map((row) => row.p99Us));
  const verdict = worst < goal ? 'met' : 'NOT met';
  console.log(`goal p99 < ${goal} µs, ${label}: ${verdict} (worst p99 ${worst.toFixed(1)} µs)`);
}
writeResults('latency', { goalP99Us: goal, rows });
