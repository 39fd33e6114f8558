// Conversion frames/s against ffmpeg (libswscale / libavcodec) on the same frames, and
// conversion off the USB path: worker threads against sharp's own threadpool.
//
// Ours: toRgb / toRgba into a preallocated buffer, on one thread, CPU time per frame (best of
// three). ffmpeg: `ffmpeg -benchmark` CPU time (user + system) of converting N frames, less
// the CPU time of passing the same N frames through unconverted, per frame (best of two).
// MJPEG: decoding to RGB with sharp against ffmpeg's MJPEG decoder (-threads 1).
//
//   node bench/convert.mjs            (after npm run build; ffmpeg optional)
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { frameByteLength, toPixels, toRgb, toRgba } from '../dist/stream/convert.js';
import { ConvertPool } from '../dist/stream/convert-pool.js';
import { disableSimdForTesting } from '../dist/stream/simd-convert.js';
import { SIZES, cpuMicros, machine, mjpegFrame, printTable, writeResults, yuyvFrame } from './lib.mjs';

const FFMPEG_FORMATS = {
  YUYV: 'yuyv422',
  UYVY: 'uyvy422',
  NV12: 'nv12',
  I420: 'yuv420p',
  GRAY8: 'gray',
  BGR24: 'bgr24',
  RGB24: 'rgb24',
};
const hasFfmpeg = machine().ffmpeg !== null;
const scratch = mkdtempSync(join(tmpdir(), 'webuvc-bench-'));

/** Two frames of a format with the same kind of content (random-ish bytes). */
function frames(format, width, height) {
  const length = frameByteLength({ pixelFormat: format, width, height });
  return [1, 2].map((seed) => {
    if (format === 'YUYV') return yuyvFrame(width, height, seed);
    const frame = new Uint8Array(length);
    let state = seed * 2654435761;
    for (let i = 0; i < length; i++) {
      state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
      frame[i] = 16 + ((state >>> 24) % 220);
    }
    return frame;
  });
}

function oursCpuPerFrame(convert, inputs, layout, out, count) {
  for (let i = 0; i < 30; i++) convert(inputs[i & 1], layout, out);
  let best = Infinity;
  for (let run = 0; run < 3; run++) {
    const cpu = process.cpuUsage();
    for (let i = 0; i < count; i++) convert(inputs[i & 1], layout, out);
    best = Math.min(best, cpuMicros(cpu) / count);
  }
  return best;
}

function ffmpegCpuPerFrame(inputFile, inputArgs, outputArgs, passArgs, frames) {
  const cpuOf = (out) => {
    const result = execFileSync('sh', ['-c', `ffmpeg -hide_banner -benchmark -threads 1 ${inputArgs.join(' ')} -i ${inputFile} ${out.join(' ')} -y /dev/null 2>&1 | grep 'bench: utime'`], { encoding: 'utf8' });
    const user = Number(/utime=([\d.]+)s/.exec(result)?.[1]);
    const system = Number(/stime=([\d.]+)s/.exec(result)?.[1]);
    return (user + system) * 1e6;
  };
  let best = Infinity;
  for (let attempt = 0; attempt < 2; attempt++) {
    best = Math.min(best, (cpuOf(outputArgs) - cpuOf(passArgs)) / frames);
  }
  return best;
}

const rows = [];
const { width, height } = SIZES['720p'];
const LOOPS = 200;
for (const format of Object.keys(FFMPEG_FORMATS)) {
  const inputs = frames(format, width, height);
  const layout = { pixelFormat: format, width, height };
  const file = join(scratch, `${format}.raw`);
  writeFileSync(file, Buffer.concat(inputs.map((frame) => Buffer.from(frame))));
  for (const output of ['rgb', 'rgba']) {
    const out = new Uint8Array(width * height * (output === 'rgb' ? 3 : 4));
    const convert = output === 'rgb' ? toRgb : toRgba;
    const ours = oursCpuPerFrame(convert, inputs, layout, out, 300);
    disableSimdForTesting(true);
    const scalar = oursCpuPerFrame(convert, inputs, layout, out, 40);
    disableSimdForTesting(false);
    let ffmpeg = NaN;
    if (hasFfmpeg) {
      const pix = FFMPEG_FORMATS[format];
      const input = ['-stream_loop', String(LOOPS / 2 - 1), '-f', 'rawvideo', '-pix_fmt', pix, '-s', `${width}x${height}`];
      ffmpeg = ffmpegCpuPerFrame(file, input, ['-f', 'rawvideo', '-pix_fmt', output === 'rgb' ? 'rgb24' : 'rgba'], ['-f', 'rawvideo', '-pix_fmt', pix], LOOPS);
    }
    rows.push({
      conversion: `${format} → ${output.toUpperCase()}`,
      size: `${width}x${height}`,
      oursUs: ours,
      oursFps: 1e6 / ours,
      scalarJsUs: scalar,
      ffmpegUs: ffmpeg,
      ffmpegFps: 1e6 / ffmpeg,
      speedup: ffmpeg / ours,
    });
  }
}

// MJPEG → RGB: sharp against ffmpeg's decoder.
for (const [size, dims] of Object.entries(SIZES)) {
  if (size === '4K') continue;
  const jpegs = [await mjpegFrame(dims.width, dims.height, 1), await mjpegFrame(dims.width, dims.height, 2)];
  const layout = { pixelFormat: 'MJPEG', width: dims.width, height: dims.height };
  for (let i = 0; i < 5; i++) await toPixels(jpegs[i & 1], layout, 'rgb');
  const count = 60;
  let best = Infinity;
  for (let run = 0; run < 2; run++) {
    const cpu = process.cpuUsage();
    for (let i = 0; i < count; i++) await toPixels(jpegs[i & 1], layout, 'rgb');
    best = Math.min(best, cpuMicros(cpu) / count);
  }
  let ffmpeg = NaN;
  if (hasFfmpeg) {
    const file = join(scratch, `${size}.mjpeg`);
    writeFileSync(file, Buffer.concat(jpegs.map((jpeg) => Buffer.from(jpeg))));
    const input = ['-stream_loop', String(LOOPS / 2 - 1), '-f', 'mjpeg'];
    ffmpeg = ffmpegCpuPerFrame(file, input, ['-f', 'rawvideo', '-pix_fmt', 'rgb24'], ['-c', 'copy', '-f', 'mjpeg'], LOOPS);
  }
  rows.push({
    conversion: 'MJPEG → RGB (sharp)',
    size: `${dims.width}x${dims.height}`,
    oursUs: best,
    oursFps: 1e6 / best,
    scalarJsUs: NaN,
    ffmpegUs: ffmpeg,
    ffmpegFps: 1e6 / ffmpeg,
    speedup: ffmpeg / best,
  });
}
printTable('One thread, CPU µs per 720p frame (lower is better); speedup = ffmpeg / ours', rows);

// Off the USB path, frames queued: throughput of 2 workers against converting inline.
const queued = [];
const yuyv = frames('YUYV', width, height);
const sharedInputs = yuyv.map((frame) => {
  const shared = new Uint8Array(new SharedArrayBuffer(frame.length));
  shared.set(frame);
  return shared;
});
const jpeg720 = [await mjpegFrame(width, height, 1), await mjpegFrame(width, height, 2)];
const jobs = [
  ['YUYV → RGB', sharedInputs, { layout: { pixelFormat: 'YUYV', width, height }, output: 'rgb' }],
  ['YUYV → JPEG q85', sharedInputs, { layout: { pixelFormat: 'YUYV', width, height }, output: 'jpeg', quality: 85 }],
  ['MJPEG → RGB', jpeg720, { layout: { pixelFormat: 'MJPEG', width, height }, output: 'rgb' }],
];
for (const [name, inputs, request] of jobs) {
  for (const [mode, workers, inFlight] of [['inline', 1, 1], ['inline', 1, 2], ['workers', 1, 2], ['workers', 2, 4]]) {
    const pool = await ConvertPool.create({ mode, workers });
    const total = 120;
    const run = async () => {
      let next = 0;
      const lane = async () => {
        while (next < total) {
          const i = next++;
          await pool.convert(inputs[i & 1], request);
        }
      };
      await Promise.all(Array.from({ length: inFlight }, lane));
    };
    await run();
    const cpu = process.cpuUsage();
    const t0 = performance.now();
    await run();
    const seconds = (performance.now() - t0) / 1000;
    queued.push({
      conversion: name,
      mode: mode === 'inline' ? 'calling thread + sharp pool' : `${workers} worker thread${workers > 1 ? 's' : ''}`,
      inFlight,
      fps: total / seconds,
      processCpuPct: (cpuMicros(cpu) / 1e6 / seconds) * 100,
    });
    await pool.close();
  }
}
printTable('Conversion with frames queued (720p): frames/s and process CPU %', queued);
rmSync(scratch, { recursive: true, force: true });
writeResults('convert', { perFrame: rows, queued });
