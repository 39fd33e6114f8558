// USB 3 isochronous line rate: a SuperSpeed camera streaming 4K YUYV, whose 3 × 16 × 1024-byte
// service intervals carry 393 MB/s, and the CPU the driver needs for it.
//
// Part 1 streams from an emulated SuperSpeed camera (EmulatedCamera, pace 'asap': the device
// clock is virtual, so the link is full in device time and transfers complete as fast as they
// are read) through the whole driver (UvcCamera: negotiation, transfer reader, isochronous
// driver, assembler, pool) and reports the wall-clock rate reached, the process CPU (emulator
// included) and the part spent in the driver's payload path (timed around every transfer).
// Part 2 replays transfers of the emulator's shape (32 packets of a 12-byte header and up to
// 49,140 bytes; two whole frames, FID toggling) paced at the line rate into the frame pipeline
// alone, and reports the CPU the driver needs at 393 MB/s.
//
//   node bench/linerate.mjs           (after npm run build)
import { UvcCamera } from '../dist/camera/uvc-camera.js';
import { IsochronousPayloadDriver } from '../dist/stream/isochronous.js';
import { FramePipeline } from '../dist/stream/pipeline.js';
import { EmulatedCamera } from '../dist/usb/emulated.js';
import { describeCamera, frameIntervalOf, writeConfiguration } from '../dist/uvc/descriptor-builder.js';
import { cpuMicros, isochronousTransfers, printTable, writeResults, yuyvFrame } from './lib.mjs';

const SECONDS = Number(process.env.LINERATE_SECONDS ?? 10);
const WIDTH = 3840;
const HEIGHT = 2160;
const FPS = 30;
/** SuperSpeed isochronous: 1024-byte packets, bursts of 16, 3 per service interval (USB 3.2 §9.6.7). */
const COMPANION = { bMaxBurst: 15, bmAttributes: 2, wBytesPerInterval: 3 * 16 * 1024 };
const LINE_RATE = (COMPANION.wBytesPerInterval * 8000) / 1e6;

/** A SuperSpeed camera: the compact description, then a companion on its isochronous endpoint. */
function superSpeedCamera(frame) {
  const model = describeCamera({
    bcdUVC: 0x0110,
    streaming: {
      transfer: { type: 'isochronous', wMaxPacketSizes: [1024] },
      formats: [
        {
          kind: 'uncompressed',
          pixelFormat: 'YUYV',
          frames: [{ width: WIDTH, height: HEIGHT, intervals: [frameIntervalOf(FPS)] }],
        },
      ],
    },
  });
  for (const vs of model.functions[0].streaming) {
    for (const setting of vs.alternateSettings) {
      for (const endpoint of setting.endpoints) {
        if (endpoint.transferType === 'isochronous') endpoint.superSpeed = COMPANION;
      }
    }
  }
  return new EmulatedCamera({
    configuration: writeConfiguration(model),
    speed: 'super',
    pace: 'asap',
    payloads: { frame: () => frame },
  });
}

// Time spent in the payload path, and the packet geometry the emulator uses.
let driverMicros = 0;
let packetsPerTransfer = 0;
const original = IsochronousPayloadDriver.prototype.pushTransfer;
IsochronousPayloadDriver.prototype.pushTransfer = function timed(data, packets, hostTimeUs) {
  packetsPerTransfer = Math.max(packetsPerTransfer, packets.length);
  const t0 = performance.now();
  original.call(this, data, packets, hostTimeUs);
  driverMicros += (performance.now() - t0) * 1000;
};

const frame = yuyvFrame(WIDTH, HEIGHT, 1);
const device = superSpeedCamera(frame);
const camera = await UvcCamera.open(device);
let frames = 0;
const stream = await camera.startStream(
  { pixelFormat: 'YUYV', width: WIDTH, height: HEIGHT, fps: FPS },
  (f) => {
    frames += 1;
    f.release();
  },
  { packetsPerTransfer: 32, transfers: 4 },
);
const settle = Date.now() + 1000;
while (Date.now() < settle) await new Promise((resolve) => setTimeout(resolve, 50));
frames = 0;
driverMicros = 0;
const cpu = process.cpuUsage();
const t0 = performance.now();
await new Promise((resolve) => setTimeout(resolve, SECONDS * 1000));
const seconds = (performance.now() - t0) / 1000;
const cpuTotal = cpuMicros(cpu);
const framesSeen = frames;
const driverShare = driverMicros;
const counters = stream.counters();
await stream.stop();
await camera.close();
IsochronousPayloadDriver.prototype.pushTransfer = original;

const emulated = {
  run: 'emulated SuperSpeed camera, asap',
  endpoint: `${stream.setting.endpoint.bytesPerInterval} B / 125 µs`,
  seconds,
  frames: framesSeen,
  MBps: (framesSeen * frame.length) / seconds / 1e6,
  lineRateMBps: LINE_RATE,
  processCpuPct: (cpuTotal / 1e6 / seconds) * 100,
  driverCpuPct: (driverShare / 1e6 / seconds) * 100,
  driverUsPerMB: driverShare / ((framesSeen * frame.length) / 1e6),
  framesBad: counters.framesIncomplete + counters.framesWrongSize + counters.framesError,
};

// Part 2: transfers of the same shape, paced at the line rate, into the pipeline alone.
const link = { packetSize: COMPANION.wBytesPerInterval, intervalUs: 125, packetsPerTransfer };
const replay = isochronousTransfers([frame, yuyvFrame(WIDTH, HEIGHT, 2)], link);
const bytesPerTransfer = packetsPerTransfer * COMPANION.wBytesPerInterval;
const transferUs = (bytesPerTransfer / (LINE_RATE * 1e6)) * 1e6;
let replayFrames = 0;
const pipeline = new FramePipeline({
  transfer: 'isochronous',
  bufferSize: frame.length,
  compressed: false,
  expectedFrameSize: frame.length,
  serviceIntervalUs: 125,
  clockFrequency: 48_000_000,
  onFrame(f) {
    replayFrames += 1;
    f.release();
  },
});
const replayCpu = process.cpuUsage();
const start = performance.now();
let sent = 0;
let payloadBytes = 0;
while (performance.now() - start < SECONDS * 1000) {
  const due = Math.floor(((performance.now() - start) * 1000) / transferUs);
  for (; sent < due; sent++) {
    const transfer = replay[sent % replay.length];
    pipeline.isochronous(transfer.data, transfer.packets, performance.now() * 1000);
    for (const packet of transfer.packets) payloadBytes += Math.max(0, packet.length - 12);
  }
  await new Promise((resolve) => setTimeout(resolve, 1));
}
const replaySeconds = (performance.now() - start) / 1000;
const replayCpuMicros = cpuMicros(replayCpu);
const paced = {
  run: 'same-shape transfers, paced at line rate',
  endpoint: `${COMPANION.wBytesPerInterval} B / 125 µs`,
  seconds: replaySeconds,
  frames: replayFrames,
  MBps: payloadBytes / replaySeconds / 1e6,
  lineRateMBps: LINE_RATE,
  processCpuPct: (replayCpuMicros / 1e6 / replaySeconds) * 100,
  driverCpuPct: (replayCpuMicros / 1e6 / replaySeconds) * 100,
  driverUsPerMB: replayCpuMicros / (payloadBytes / 1e6),
  framesBad: pipeline.counters().assembler.framesIncomplete + pipeline.counters().assembler.framesWrongSize,
};

printTable(`USB 3 isochronous line rate (${LINE_RATE.toFixed(0)} MB/s), 4K YUYV`, [emulated, paced]);
console.log(`\ngoal: line rate with most of a core left — paced driver CPU ${paced.driverCpuPct.toFixed(1)} % of one core`);
writeResults('linerate', { lineRateMBps: LINE_RATE, emulated, paced });
