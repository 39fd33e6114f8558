/**
 * Streaming benchmark under umockdev: the native binding (through src/usb/native.ts, frames
 * counted in JavaScript) against plain libusb reaping (native-bindings/bench/plain_reap.c), the
 * same emulated Logitech C270, the same URB geometry, in the same run, alternating.
 *
 *   node native-bindings/build.mjs --strict
 *   taskset -c 0 node --import ./test/umockdev/ts-loader.mjs bench/native-umockdev.ts \
 *     [--frames 600] [--rounds 3] [--transfers 100] [--packets 32]
 *
 * Run it pinned to one CPU (taskset): the model, umockdev's preload and the program then share
 * that CPU, which is what DESIGN.md's comparison asks for. Figures through umockdev measure
 * umockdev too; compare the two rows with each other, not with hardware.
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

import { rawDescriptorsDir } from '../test/fixtures.js';
import { readRawCamera } from '../test/umockdev/device-file.js';
import { ModelServer, type RunResult } from '../test/umockdev/model-server.js';
import { UsbfsDevice } from '../test/umockdev/usbfs-device.js';
import { MinimalUvcCamera } from '../test/umockdev/minimal-camera.js';
import type { Plan } from '../test/umockdev/child/native-stream.js';
import { encodeProbe, decodeProbe } from '../src/uvc/probe.js';

const CAMERA = 'logitech_c270_046d-0825';
const VS_INTERFACE = 1;
const ALTERNATE_3x1020 = 11;
const ENDPOINT = 0x81;
const PACKET_SIZE = 3060;
const PROBE_LENGTH_UVC_1_0 = 26;
const INTERVAL_30_FPS = 333_333;
/** Frame contents the model cycles through, so generating them costs the model little. */
const DISTINCT_FRAMES = 4;

function option(name: string, fallback: number): number {
  const index = process.argv.indexOf(`--${name}`);
  const value = index >= 0 ? Number(process.argv[index + 1]) : fallback;
  return Number.isFinite(value) && value > 0 ? value : fallback;
}

const frames = option('frames', 600);
const rounds = option('rounds', 3);
const transfers = option('transfers', 100);
const packets = option('packets', 32);

const plainReap = fileURLToPath(
  new URL('../native-bindings/build/Release/plain_reap', import.meta.url),
);
const nativeChild = fileURLToPath(
  new URL('../test/umockdev/child/plain-reap-run.ts', import.meta.url),
);
const addonChild = fileURLToPath(
  new URL('../test/umockdev/child/native-stream.ts', import.meta.url),
);

interface Sample {
  frames: number;
  seconds: number;
  clientCpu: number;
  modelCpu: number;
}

function probeHex(): string {
  const probe = decodeProbe(new Uint8Array(PROBE_LENGTH_UVC_1_0));
  probe.bmHint = 1;
  probe.bFormatIndex = 1;
  probe.bFrameIndex = 1;
  probe.dwFrameInterval = INTERVAL_30_FPS;
  return Buffer.from(encodeProbe(probe, PROBE_LENGTH_UVC_1_0)).toString('hex');
}

async function measure(
  run: (server: ModelServer) => Promise<RunResult>,
  pick: (result: RunResult) => Omit<Sample, 'modelCpu'>,
): Promise<Sample> {
  const raw = readRawCamera(rawDescriptorsDir, CAMERA);
  const camera = new MinimalUvcCamera(raw, {}, { distinctFrames: DISTINCT_FRAMES });
  const device = new UsbfsDevice({
    camera: raw,
    device: camera,
    busNumber: 1,
    deviceAddress: 2,
    recordFrames: false,
  });
  const server = await ModelServer.start([device]);
  try {
    const before = process.cpuUsage();
    const result = await run(server);
    const model = process.cpuUsage(before);
    if (result.code !== 0)
      throw new Error(
        `run failed: ${result.code} ${result.signal}\n${result.stdout}\n${result.stderr}`,
      );
    return { ...pick(result), modelCpu: (model.user + model.system) / 1e6 };
  } finally {
    await server.close();
  }
}

function addonRun(server: ModelServer): Promise<RunResult> {
  const plan: Plan = {
    busNumber: 1,
    deviceAddress: 2,
    interfaceNumber: VS_INTERFACE,
    choice: { pixelFormat: 'YUYV', width: 640, height: 480 },
    steps: [{ action: 'stream', frames, transfers, packetsPerTransfer: packets, countOnly: true }],
  };
  return server.run({ program: addonChild, args: [JSON.stringify(plan)], timeoutMs: 600_000 });
}

function plainRun(server: ModelServer): Promise<RunResult> {
  const args = [
    plainReap,
    '1',
    '2',
    String(VS_INTERFACE),
    String(ALTERNATE_3x1020),
    String(ENDPOINT),
    'iso',
    String(transfers),
    String(packets),
    String(PACKET_SIZE),
    String(frames),
    probeHex(),
  ];
  return server.run({ program: nativeChild, args, timeoutMs: 600_000 });
}

function pickReport(result: RunResult): Omit<Sample, 'modelCpu'> {
  const report = result.messages.find(
    (message) => typeof message.frames === 'number' && typeof message.seconds === 'number',
  );
  if (report === undefined) throw new Error(`no report in\n${result.stdout}\n${result.stderr}`);
  return {
    frames: report.frames as number,
    seconds: report.seconds as number,
    clientCpu: (report.cpuUserSeconds as number) + (report.cpuSystemSeconds as number),
  };
}

function summary(name: string, samples: Sample[]): string {
  const total = samples.reduce(
    (sum, s) => ({
      frames: sum.frames + s.frames,
      seconds: sum.seconds + s.seconds,
      clientCpu: sum.clientCpu + s.clientCpu,
      modelCpu: sum.modelCpu + s.modelCpu,
    }),
    { frames: 0, seconds: 0, clientCpu: 0, modelCpu: 0 },
  );
  const fps = total.frames / total.seconds;
  const clientUs = (total.clientCpu / total.frames) * 1e6;
  const modelUs = (total.modelCpu / total.frames) * 1e6;
  return `| ${name} | ${total.frames} | ${fps.toFixed(0)} | ${clientUs.toFixed(0)} | ${modelUs.toFixed(0)} |`;
}

const affinity = spawnSync('taskset', ['-p', String(process.pid)], {
  encoding: 'utf8',
}).stdout.trim();
const addon: Sample[] = [];
const plain: Sample[] = [];
for (let round = 0; round < rounds; round++) {
  plain.push(await measure(plainRun, pickReport));
  addon.push(await measure(addonRun, pickReport));
}

process.stdout.write(
  [
    `C270 640x480 YUYV, ${transfers} URBs x ${packets} packets x ${PACKET_SIZE} B, ${frames} frames x ${rounds} rounds; ${affinity || 'affinity unknown'}`,
    '',
    '| program | frames | frames/s | client CPU µs/frame | model CPU µs/frame |',
    '|---|---|---|---|---|',
    summary('plain libusb reaping (plain_reap.c)', plain),
    summary('native binding + JS (src/usb/native.ts)', addon),
    '',
  ].join('\n'),
);
