/**
 * `webuvc record`: open a camera, stream N frames, and write everything that crossed USB —
 * enumeration reads, probe/commit, controls, every bulk or isochronous transfer with its
 * status and timing — to a pcapng file Wireshark opens (Linux usbmon link type 220).
 *
 * @packageDocumentation
 */
import { createHash } from 'node:crypto';
import { closeSync, openSync, writeSync } from 'node:fs';
import { parseArgs } from 'node:util';

import { CameraError, CameraErrorCode } from '../errors.js';
import { UvcCamera, type StreamCounters } from '../camera/uvc-camera.js';
import type { StreamRequest } from '../camera/select.js';
import { PcapngWriter } from '../usb/pcapng.js';
import {
  CAMERA_OPTIONS,
  STREAM_OPTIONS,
  UsageError,
  asUsage,
  positiveInteger,
  streamRequest,
} from './args.js';
import { Progress, progressWanted } from './progress.js';
import { openSource } from './source.js';

const INTERVAL_UNITS_PER_SECOND = 1e7;
/** Time allowed beyond the frames' own duration: start-up and a slow camera. */
const RECORD_SLACK_MS = 10_000;
/** Chunks are written to the file once this many bytes wait. */
const FLUSH_BYTES = 1 << 20;

/** `webuvc record --help`. */
export const RECORD_HELP = `webuvc record --out FILE.pcapng [--frames N] [--format FMT] [--size WxH]
              [--fps N] [--snaplen BYTES] [--pack] [--json] [camera]

Stream N frames (default 10) and record everything that crosses USB meanwhile: descriptor
reads, probe/commit, control requests with their answers, every bulk or isochronous transfer
with per-packet status and timing. FILE is pcapng with the Linux usbmon link type, so
Wireshark and tshark dissect it (UVC requests included), and 'webuvc replay FILE' plays it
back as a camera. --snaplen keeps at most BYTES of each transfer's data (as usbmon does);
--pack lays isochronous packets end to end instead of at their buffer offsets (much smaller
files for compressed streams). Falls back to the virtual camera when no webcam is attached.

Examples:
  webuvc record --virtual --format MJPEG --size 320x240 --frames 10 --out virtual.pcapng
  tshark -r virtual.pcapng -Y usbvideo.probe.maxVideoFrameSize -V
  webuvc replay virtual.pcapng --out frames

Camera: --virtual, --emulate FILE, --device VID:PID, or none (the first attached camera).
Exit codes: 0 success, 1 unexpected failure, 2 usage error, 3 camera error (7400xxx).`;

/** One frame the recording holds, as `--json` lists it (replay lists the same). */
export interface RecordedFrame {
  bytes: number;
  pts?: number;
  sha256: string;
}

/** What `webuvc record --json` prints. */
export interface RecordSummary {
  file: string;
  source: string;
  emulated: boolean;
  pixelFormat: string;
  width: number;
  height: number;
  frameInterval: number;
  transferType: string;
  alternateSetting: number;
  /** Every frame delivered while recording, in order. */
  frames: RecordedFrame[];
  /** USB events (submissions and completions) written. */
  events: number;
  bytes: number;
  counters: StreamCounters;
}

/** A file written in large chunks, synchronously, so that events stay in order. */
class ChunkedFile {
  readonly #fd: number;
  #pending: Uint8Array[] = [];
  #size = 0;

  constructor(path: string) {
    try {
      this.#fd = openSync(path, 'w');
    } catch (error) {
      throw new UsageError(`cannot write ${path}: ${(error as Error).message}`);
    }
  }

  write(chunk: Uint8Array): void {
    this.#pending.push(chunk);
    this.#size += chunk.length;
    if (this.#size >= FLUSH_BYTES) this.flush();
  }

  flush(): void {
    for (const chunk of this.#pending) writeSync(this.#fd, chunk);
    this.#pending = [];
    this.#size = 0;
  }

  close(): void {
    this.flush();
    closeSync(this.#fd);
  }
}

/** SHA-256 of a frame, for comparing frames across a recording and its replay. */
export function frameDigest(data: Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

/** Run `webuvc record`. */
export async function recordCommand(argv: string[]): Promise<void> {
  const { values } = asUsage(() =>
    parseArgs({
      args: argv,
      strict: true,
      options: {
        ...CAMERA_OPTIONS,
        out: { type: 'string', short: 'o' },
        frames: { type: 'string' },
        ...STREAM_OPTIONS,
        snaplen: { type: 'string' },
        pack: { type: 'boolean' },
      },
    }),
  );
  if (values.out === undefined) throw new UsageError('record needs --out FILE.pcapng');
  const wanted = positiveInteger('frames', values.frames, 10);
  const snapLength =
    values.snaplen === undefined ? undefined : positiveInteger('snaplen', values.snaplen, 0);
  const request = streamRequest(values);

  const source = await openSource({ ...values, fallBackToVirtual: true });
  if (!values.json) process.stderr.write(`webuvc record: using ${source.label}\n`);

  const file = new ChunkedFile(values.out);
  const writer = new PcapngWriter((chunk) => file.write(chunk), {
    ...(snapLength !== undefined ? { snapLength } : {}),
    packIsochronous: values.pack === true,
    application: 'webuvc record',
    comment: `webuvc record: ${source.label}`,
  });
  const progress = new Progress({
    label: 'recording',
    total: wanted,
    unit: 'frames',
    enabled: progressWanted(values.json),
  });

  try {
    const summary = await record(source, writer, { wanted, request, progress });
    // Closing the camera put its last requests on the bus: count the events after it.
    Object.assign(summary, { file: values.out, events: writer.events, bytes: writer.bytes });
    progress.finish();
    report(summary, values.json === true);
  } finally {
    progress.finish();
    file.close();
  }
}

/** Stream until `wanted` frames arrived, recording into `writer`. */
async function record(
  source: Awaited<ReturnType<typeof openSource>>,
  writer: PcapngWriter,
  options: { wanted: number; request: StreamRequest; progress: Progress },
): Promise<RecordSummary> {
  const { wanted, progress } = options;
  const camera = await UvcCamera.open(source.device, {
    ...(source.streaming ? { streaming: source.streaming } : {}),
    recordTo: writer,
  });
  try {
    const frames: RecordedFrame[] = [];
    let done!: () => void;
    let fail!: (error: unknown) => void;
    const finished = new Promise<void>((resolve, reject) => {
      done = resolve;
      fail = reject;
    });
    const stream = await camera.startStream(
      options.request,
      (frame) => {
        frames.push({
          bytes: frame.data.length,
          ...(frame.pts !== undefined ? { pts: frame.pts } : {}),
          sha256: frameDigest(frame.data),
        });
        frame.release();
        progress.update(Math.min(frames.length, wanted));
        if (frames.length >= wanted) done();
      },
      { onError: (error) => fail(error) },
    );

    const interval = stream.negotiation.committed.dwFrameInterval || stream.choice.dwFrameInterval;
    // setTimeout takes at most 2^31 - 1 ms (about 24.8 days).
    const budgetMs = Math.min((wanted * interval * 1000 * 3) / INTERVAL_UNITS_PER_SECOND + RECORD_SLACK_MS, 2 ** 31 - 1);
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        reject(
          new CameraError(
            CameraErrorCode.SERVICE_FATAL_ERROR,
            'the camera stopped delivering frames',
            {
              expected: `${wanted} frames within ${Math.round(budgetMs)} ms`,
              found: `${frames.length} frames; counters ${JSON.stringify(stream.counters())}`,
            },
          ),
        );
      }, budgetMs);
    });
    try {
      await Promise.race([finished, timeout]);
    } finally {
      clearTimeout(timer);
    }
    await stream.stop();

    const { format, frame } = stream.choice;
    return {
      file: '',
      source: source.label,
      emulated: source.emulated,
      pixelFormat: format.pixelFormat,
      width: frame.wWidth,
      height: frame.wHeight,
      frameInterval: stream.negotiation.committed.dwFrameInterval,
      transferType: stream.setting.endpoint.transferType,
      alternateSetting: stream.setting.bAlternateSetting,
      frames,
      events: 0,
      bytes: 0,
      counters: stream.counters(),
    };
  } finally {
    await camera.close();
  }
}

function report(summary: RecordSummary, json: boolean): void {
  if (json) {
    process.stdout.write(JSON.stringify(summary, null, 2) + '\n');
    return;
  }
  const fps = Number((INTERVAL_UNITS_PER_SECOND / summary.frameInterval).toFixed(2));
  process.stdout.write(
    `recorded ${summary.frames.length} frames of ${summary.pixelFormat} ` +
      `${summary.width}x${summary.height} at ${fps} fps ` +
      `(${summary.transferType}, alt ${summary.alternateSetting}) from ${summary.source}\n` +
      `${summary.events} USB events, ${summary.bytes} bytes written to ${summary.file}\n`,
  );
}
