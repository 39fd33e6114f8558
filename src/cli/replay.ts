/**
 * `webuvc replay FILE`: a USB capture as a camera. The capture's descriptors (or a descriptor
 * file given with `--descriptors`), its control answers and its video payloads drive the real
 * driver, which assembles frames as it would from the camera; they are counted, listed with
 * their PTS and digest, and written as images with `--out`.
 *
 * @packageDocumentation
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseArgs } from 'node:util';

import { CameraError, CameraErrorCode } from '../errors.js';
import { UvcCamera, type StreamCounters } from '../camera/uvc-camera.js';
import type { StreamRequest } from '../camera/select.js';
import { toImage, type ImageType } from '../stream/convert.js';
import { loadDescriptorFile } from '../usb/emulated-files.js';
import { readBoundedFile } from '../usb/files.js';
import { parseCaptureFile, replayCapture, type Replay } from '../usb/replay.js';
import { STREAM_OPTIONS, UsageError, asUsage, positiveInteger, streamRequest } from './args.js';
import { frameDigest, type RecordedFrame } from './record.js';

const INTERVAL_UNITS_PER_SECOND = 1e7;
/** The largest capture read (files are read whole). */
const MAX_CAPTURE_BYTES = 1 << 30;
/** After the last payload is handed out, the driver needs a moment to finish its frame. */
const SETTLE_MS = 50;

/** `webuvc replay --help`. */
export const REPLAY_HELP = `webuvc replay FILE [--descriptors FILE] [--pace recorded|asap]
              [--frames N] [--out DIR] [--format FMT] [--size WxH] [--fps N]
              [--bus N --address N] [--endpoint ADDR] [--emulate-missing]
              [--image png|jpeg] [--json]

Play a USB capture back as a camera through webuvc's driver and list the frames it yields.
FILE is a Linux usbmon capture (pcap or pcapng from Wireshark/tcpdump or 'webuvc record', or
usbmon text) or a Windows USBPcap capture. Descriptors come from the capture's GET_DESCRIPTOR
answers, or from --descriptors FILE (.config.bin, UsbTreeView report, lsusb -v) when the capture
starts later. The format streamed is the one the capture negotiated unless --format/--size/--fps
say otherwise. A request the capture never saw ends in error 7400102 naming it, unless
--emulate-missing lets the emulated camera answer it. --pace recorded keeps the capture's timing
(default asap). --frames stops after N frames; --out writes them as images.

Examples:
  webuvc replay virtual.pcapng --out frames
  webuvc replay trace.usbmon.txt --descriptors camera.lsusb.txt --json
  webuvc replay windows.pcap --pace recorded --frames 30

Exit codes: 0 success, 1 unexpected failure, 2 usage error, 3 camera error (7400xxx).`;

/** What `webuvc replay --json` prints. */
export interface ReplaySummary {
  file: string;
  format: string;
  bus: number;
  device: number;
  descriptorSource: string;
  transferType: string;
  endpointAddress: number;
  controlTransfers: number;
  payloads: number;
  payloadsServed: number;
  pixelFormat: string;
  width: number;
  height: number;
  frameInterval: number;
  frames: Array<RecordedFrame & { file?: string }>;
  counters: StreamCounters;
  /** Requests the capture had no answer for (STALLed or emulated). */
  unseenRequests: string[];
}

function readCapture(path: string): Promise<Uint8Array> {
  return readBoundedFile(path, MAX_CAPTURE_BYTES, 'capture');
}

function optionalInteger(name: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const number = Number(value);
  if (!Number.isInteger(number) || number < 0)
    throw new UsageError(`--${name} wants a number, not "${value}"`);
  return number;
}

/** Run `webuvc replay`. */
export async function replayCommand(argv: string[]): Promise<void> {
  const { values, positionals } = asUsage(() =>
    parseArgs({
      args: argv,
      strict: true,
      allowPositionals: true,
      options: {
        descriptors: { type: 'string' },
        pace: { type: 'string' },
        frames: { type: 'string' },
        out: { type: 'string', short: 'o' },
        ...STREAM_OPTIONS,
        bus: { type: 'string' },
        address: { type: 'string' },
        endpoint: { type: 'string' },
        'emulate-missing': { type: 'boolean' },
        image: { type: 'string' },
        json: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    }),
  );
  const [path, ...extra] = positionals;
  if (path === undefined || extra.length > 0) throw new UsageError('replay wants one capture FILE');
  const pace = values.pace ?? 'asap';
  if (pace !== 'recorded' && pace !== 'asap')
    throw new UsageError(`--pace wants recorded or asap, not "${pace}"`);
  const imageType = values.image ?? 'png';
  if (imageType !== 'png' && imageType !== 'jpeg')
    throw new UsageError(`--image wants png or jpeg, not "${imageType}"`);
  const wanted =
    values.frames === undefined ? undefined : positiveInteger('frames', values.frames, 1);
  const bus = optionalInteger('bus', values.bus);
  const address = optionalInteger('address', values.address);
  if ((bus === undefined) !== (address === undefined))
    throw new UsageError('--bus and --address go together');
  const endpoint = values.endpoint === undefined ? undefined : Number(values.endpoint);
  if (
    endpoint !== undefined &&
    !(Number.isInteger(endpoint) && endpoint >= 0 && endpoint <= 0xff)
  ) {
    throw new UsageError(
      `--endpoint wants an endpoint address such as 0x81, not "${values.endpoint}"`,
    );
  }
  const asked: StreamRequest = streamRequest(values);

  const capture = parseCaptureFile(await readCapture(path));
  const descriptors =
    values.descriptors === undefined ? undefined : await loadDescriptorFile(values.descriptors);
  const replay = replayCapture(capture, {
    ...(descriptors ? { descriptors } : {}),
    ...(bus !== undefined && address !== undefined ? { device: { bus, device: address } } : {}),
    ...(endpoint !== undefined ? { endpointAddress: endpoint } : {}),
    pace,
    unseen: values['emulate-missing'] ? 'emulate' : 'error',
  });
  if (!values.json)
    process.stderr.write(`webuvc replay: ${describeReplay(path, capture.events.length, replay)}\n`);

  const request = Object.keys(asked).length > 0 ? asked : replay.request;
  const summary = await play(replay, request, wanted);
  summary.file = path;
  if (values.out !== undefined) await writeFrames(summary, values.out, imageType);
  report(summary, values.json === true);
}

function describeReplay(path: string, events: number, replay: Replay): string {
  const camera = replay.camera;
  const id = `${hex(camera.vendorId, 4)}:${hex(camera.productId, 4)}`;
  const name = [camera.manufacturerName, camera.productName].filter(Boolean).join(' ');
  const kind = replay.transferType === 'bulk' ? 'bulk completions' : 'isochronous packets';
  const payloads =
    replay.transferType === 'none'
      ? 'no video payloads'
      : `${replay.payloads} ${kind} on 0x${hex(replay.recordedEndpointAddress, 2)}`;
  const from = replay.descriptorSource === 'capture' ? 'capture' : 'given file';
  return (
    `${path} (${replay.format}, ${events} events): camera ${id}${name ? ` "${name}"` : ''} ` +
    `on bus ${replay.bus} device ${replay.device}, descriptors from the ${from}, ` +
    `${replay.controlTransfers} control transfers, ${payloads}`
  );
}

function hex(value: number, digits: number): string {
  return value.toString(16).padStart(digits, '0');
}

/** Open the replayed camera, stream, and collect frames until N or the end of the capture. */
async function play(
  replay: Replay,
  request: StreamRequest,
  wanted: number | undefined,
): Promise<ReplaySummary> {
  const device = replay.camera;
  const camera = await UvcCamera.open(device);
  const frames: Array<RecordedFrame & { data: Uint8Array }> = [];
  try {
    let enough!: () => void;
    let fail!: (error: unknown) => void;
    const ended = new Promise<void>((resolve, reject) => {
      enough = resolve;
      fail = reject;
    });
    const stream = await camera.startStream(
      request,
      (frame) => {
        if (wanted === undefined || frames.length < wanted) {
          const data = frame.data.slice();
          frames.push({
            bytes: data.length,
            ...(frame.pts !== undefined ? { pts: frame.pts } : {}),
            sha256: frameDigest(data),
            data,
          });
        }
        frame.release();
        if (wanted !== undefined && frames.length >= wanted) enough();
      },
      { onError: (error) => fail(error) },
    );
    try {
      await Promise.race([
        ended,
        device.finished.then(() => new Promise((resolve) => setTimeout(resolve, SETTLE_MS))),
      ]);
    } finally {
      await stream.stop();
    }

    const { format, frame } = stream.choice;
    return {
      file: '',
      format: replay.format,
      bus: replay.bus,
      device: replay.device,
      descriptorSource: replay.descriptorSource,
      transferType: replay.transferType,
      endpointAddress: replay.endpointAddress,
      controlTransfers: replay.controlTransfers,
      payloads: replay.payloads,
      payloadsServed:
        replay.transferType === 'bulk' ? device.completionsServed : device.packetsServed,
      pixelFormat: format.pixelFormat,
      width: frame.wWidth,
      height: frame.wHeight,
      frameInterval: stream.negotiation.committed.dwFrameInterval,
      frames,
      counters: stream.counters(),
      unseenRequests: device.unseenRequests.map((request) => device.describe(request)),
    };
  } finally {
    await camera.close();
  }
}

/**
 * Write frames as images; a frame no image encoder can take (a capture that cut payload
 * bodies, as usbmon's text format does, leaves filler where image data was) is written as it
 * came, as `.raw`.
 */
async function writeFrames(
  summary: ReplaySummary,
  directory: string,
  imageType: ImageType,
): Promise<void> {
  await mkdir(directory, { recursive: true });
  const mjpeg = summary.pixelFormat === 'MJPEG';
  const extension = mjpeg || imageType === 'jpeg' ? 'jpg' : 'png';
  const layout = { pixelFormat: summary.pixelFormat, width: summary.width, height: summary.height };
  for (const [index, frame] of summary.frames.entries()) {
    const data = (frame as { data?: Uint8Array }).data ?? new Uint8Array(0);
    const stem = join(directory, `frame-${String(index + 1).padStart(4, '0')}`);
    let image: Uint8Array | undefined;
    try {
      image = await toImage(
        data,
        layout as Parameters<typeof toImage>[1],
        mjpeg ? 'jpeg' : imageType,
      );
    } catch (error) {
      if (!(error instanceof CameraError && error.code === CameraErrorCode.INVALID_ARGUMENT))
        throw error;
    }
    frame.file = image ? `${stem}.${extension}` : `${stem}.raw`;
    await writeFile(frame.file, image ?? data);
  }
}

function report(summary: ReplaySummary, json: boolean): void {
  const frames = summary.frames.map(({ bytes, pts, sha256, file }) => ({
    bytes,
    ...(pts !== undefined ? { pts } : {}),
    sha256,
    ...(file !== undefined ? { file } : {}),
  }));
  if (json) {
    process.stdout.write(JSON.stringify({ ...summary, frames }, null, 2) + '\n');
    return;
  }
  const fps = Number((INTERVAL_UNITS_PER_SECOND / summary.frameInterval).toFixed(2));
  const c = summary.counters;
  const line = (f: (typeof frames)[number], i: number): string => {
    const pts = f.pts !== undefined ? `, PTS ${f.pts}` : '';
    return `  ${i + 1}: ${f.bytes} bytes${pts}${f.file ? ` -> ${f.file}` : ''}\n`;
  };
  process.stdout.write(
    `replayed ${summary.frames.length} frames of ${summary.pixelFormat} ` +
      `${summary.width}x${summary.height} at ${fps} fps (${summary.transferType}) ` +
      `from ${summary.file}: ` +
      `${summary.payloadsServed} of ${summary.payloads} recorded payloads served\n` +
      `frames delivered ${c.framesDelivered}, dropped ${c.framesDropped}, ` +
      `with errors ${c.framesError}, incomplete ${c.framesIncomplete}, ` +
      `wrong size ${c.framesWrongSize}\n` +
      frames.map(line).join(''),
  );
  if (summary.unseenRequests.length > 0) {
    const unseen = summary.unseenRequests.join('; ');
    process.stdout.write(`requests the capture never saw (STALLed or emulated): ${unseen}\n`);
  }
}
