/**
 * `webuvc stream`: frames as a video stream on stdout (`--to -`) or in a file, for the tools
 * people already use: `webuvc stream --to - | ffplay -`, `... | ffmpeg -i - out.mp4`.
 *
 * MJPEG frames are written one after another as they came (MJPEG in a pipe is just that), the
 * standard Huffman tables inserted into frames that lack them so every decoder opens them.
 * Uncompressed frames are written as YUV4MPEG2 (see `y4m.ts`). It runs until `--frames N`
 * frames are written, `--seconds S` have passed, the reader closes the pipe, or Ctrl-C.
 *
 * Frames are never held back from the camera: each is copied or rearranged into a buffer of
 * its own and released at once. When the reader falls behind by more than
 * {@link MAX_BUFFERED_BYTES}, frames are skipped (and counted) instead of queued without end.
 *
 * @packageDocumentation
 */
import { createWriteStream } from 'node:fs';
import type { Writable } from 'node:stream';
import { parseArgs } from 'node:util';

import { CameraError, CameraErrorCode } from '../errors.js';
import type { StreamRequest } from '../camera/select.js';
import { UvcCamera, type ActiveStream, type StreamCounters } from '../camera/uvc-camera.js';
import type { Frame } from '../stream/frame.js';
import { ensureHuffmanTables } from '../stream/jpeg.js';
import type { PixelFormat } from '../uvc/model.js';
import {
  CAMERA_OPTIONS,
  STREAM_OPTIONS,
  UsageError,
  asUsage,
  positiveInteger,
  positiveNumber,
  streamRequest,
} from './args.js';
import { Progress, progressWanted } from './progress.js';
import { openSource, type SourceOptions } from './source.js';
import {
  Y4M_FRAME_HEADER,
  isY4mSource,
  toY4mFrame,
  y4mColourSpace,
  y4mFrameLength,
  y4mHeader,
} from './y4m.js';

/** Containers `webuvc stream` writes. */
export type StreamContainer = 'mjpeg' | 'yuv4mpeg2';

/** Why a stream ended. */
export type StreamEnd = 'frames' | 'seconds' | 'signal' | 'reader closed';

/** What `webuvc stream --json` prints (and, for people, a summary on stderr). */
export interface StreamSummary {
  source: string;
  emulated: boolean;
  container: StreamContainer;
  pixelFormat: string;
  width: number;
  height: number;
  frameInterval: number;
  to: string;
  framesWritten: number;
  /** Frames not written because the reader was more than {@link MAX_BUFFERED_BYTES} behind. */
  framesSkipped: number;
  /** MJPEG frames that were not a JPEG up to their first scan (not written). */
  framesUnreadable: number;
  bytesWritten: number;
  endedBy: StreamEnd;
  counters: StreamCounters;
  adjustments: string[];
}

/** A reader this far behind makes the next frames be skipped. */
export const MAX_BUFFERED_BYTES = 64 * 1024 * 1024;

const INTERVAL_UNITS_PER_SECOND = 1e7;
const MS_PER_SECOND = 1000;
/** A camera that sends no frame for this long (plus three frame intervals) has stopped. */
const FRAME_TIMEOUT_MS = 10_000;

/** Encodes frames of one negotiated stream into the bytes of a container. */
export interface FrameEncoder {
  readonly container: StreamContainer;
  /** Bytes that start the stream, if the container has any. */
  readonly header: Uint8Array | undefined;
  /** The bytes of one frame, in a buffer of their own (the frame may be released after). */
  encode(frame: Uint8Array): Uint8Array;
}

/**
 * The encoder for a negotiated format: MJPEG as JPEGs, the YUV formats as YUV4MPEG2.
 *
 * @throws CameraError 7400101 for formats that are neither.
 */
export function frameEncoder(layout: {
  pixelFormat: PixelFormat;
  width: number;
  height: number;
  frameInterval: number;
}): FrameEncoder {
  const { pixelFormat, width, height } = layout;
  if (pixelFormat === 'MJPEG') {
    return {
      container: 'mjpeg',
      header: undefined,
      // A copy either way: the repaired JPEG is new, the untouched one is the pool's buffer.
      encode: (frame) => {
        const repaired = ensureHuffmanTables(frame);
        return repaired === frame ? frame.slice() : repaired;
      },
    };
  }
  if (!isY4mSource(pixelFormat)) {
    const message = `cannot stream ${pixelFormat} to a pipe`;
    throw new CameraError(CameraErrorCode.INVALID_ARGUMENT, message, {
      expected: 'MJPEG, or YUYV, UYVY, NV12, I420, YV12 or GRAY8 (written as YUV4MPEG2)',
      found: pixelFormat,
    });
  }
  const colourSpace = y4mColourSpace(pixelFormat);
  const frameLine = new TextEncoder().encode(Y4M_FRAME_HEADER);
  const header = y4mHeader({ width, height, frameInterval: layout.frameInterval, colourSpace });
  return {
    container: 'yuv4mpeg2',
    header: new TextEncoder().encode(header),
    encode: (frame) => {
      const bytes = new Uint8Array(frameLine.length + y4mFrameLength(width, height, colourSpace));
      bytes.set(frameLine, 0);
      toY4mFrame(frame, { pixelFormat, width, height }, bytes.subarray(frameLine.length));
      return bytes;
    },
  };
}

/** Where the bytes go: stdout or a file; never queues more than {@link MAX_BUFFERED_BYTES}. */
class StreamSink {
  bytesWritten = 0;
  framesSkipped = 0;
  readonly #out: Writable;
  readonly #ownsOutput: boolean;
  readonly #closed: Promise<void>;
  #readerGone = false;
  #failure: NodeJS.ErrnoException | undefined;

  constructor(out: Writable, ownsOutput: boolean) {
    this.#out = out;
    this.#ownsOutput = ownsOutput;
    this.#closed = new Promise((resolve) => {
      // Stays attached: a reader that closes the pipe must never crash the command.
      out.on('error', (error: NodeJS.ErrnoException) => {
        const gone = error.code === 'EPIPE' || error.code === 'ERR_STREAM_DESTROYED';
        if (gone) this.#readerGone = true;
        else this.#failure ??= error;
        resolve();
      });
      out.once('close', () => resolve());
    });
  }

  /** Resolves when the reader goes away or the output fails. */
  get closed(): Promise<void> {
    return this.#closed;
  }

  get readerGone(): boolean {
    return this.#readerGone;
  }

  get failure(): NodeJS.ErrnoException | undefined {
    return this.#failure;
  }

  /** Queue `bytes`; false when they were skipped because the reader is too far behind. */
  write(bytes: Uint8Array, mustWrite = false): boolean {
    if (this.#readerGone || this.#failure) return false;
    if (!mustWrite && this.#out.writableLength > MAX_BUFFERED_BYTES) {
      this.framesSkipped++;
      return false;
    }
    this.#out.write(bytes);
    this.bytesWritten += bytes.length;
    return true;
  }

  /** Wait until everything queued is written (and close a file). */
  async end(): Promise<void> {
    if (this.#readerGone || this.#failure) return;
    await new Promise<void>((resolve) => {
      if (this.#ownsOutput) this.#out.end(() => resolve());
      else this.#out.write(new Uint8Array(0), () => resolve());
      void this.#closed.then(() => resolve());
    });
  }
}

/** The stream's options, parsed. */
interface StreamArgs {
  to: string;
  frames: number | undefined;
  seconds: number | undefined;
  json: boolean;
  request: StreamRequest;
  source: Pick<SourceOptions, 'emulate' | 'virtual' | 'device'>;
}

/** Parse and check the command line. */
export function parseStreamArgs(argv: string[], stdoutIsTerminal: boolean): StreamArgs {
  const { values } = asUsage(() =>
    parseArgs({
      args: argv,
      strict: true,
      options: {
        ...CAMERA_OPTIONS,
        to: { type: 'string' },
        ...STREAM_OPTIONS,
        frames: { type: 'string' },
        seconds: { type: 'string' },
      },
    }),
  );
  const to = values.to ?? '-';
  if (to === '') throw new UsageError('--to wants a file name, or - for stdout');
  if (values.frames !== undefined && values.seconds !== undefined) {
    throw new UsageError('give --frames or --seconds, not both');
  }
  if (to === '-' && values.json) {
    throw new UsageError(
      '--json prints on stdout, which --to - fills with video; use --to FILE with --json',
    );
  }
  if (to === '-' && stdoutIsTerminal) {
    throw new UsageError(
      'stdout is a terminal: pipe it into a program (| ffplay -) or give --to FILE',
    );
  }
  return {
    to,
    frames: values.frames === undefined ? undefined : positiveInteger('frames', values.frames, 1),
    seconds: positiveNumber('seconds', values.seconds),
    json: values.json === true,
    request: streamRequest(values),
    source: { emulate: values.emulate, virtual: values.virtual, device: values.device },
  };
}

/** Run `webuvc stream`. */
export async function streamCommand(argv: string[]): Promise<void> {
  const args = parseStreamArgs(argv, process.stdout.isTTY === true);

  const source = await openSource({ ...args.source, fallBackToVirtual: true });
  if (!args.json) process.stderr.write(`webuvc stream: using ${source.label}\n`);
  const options = source.streaming ? { streaming: source.streaming } : {};
  const camera = await UvcCamera.open(source.device, options);
  try {
    const toStdout = args.to === '-';
    const summary = await streamFrames(camera, {
      ...args,
      source,
      out: toStdout ? process.stdout : createWriteStream(args.to),
      ownsOutput: !toStdout,
      progress: !toStdout && progressWanted(args.json),
    });
    report(summary, args.json);
  } finally {
    await camera.close();
  }
}

/** What {@link streamFrames} streams, where to, and until when. */
export interface StreamFramesOptions {
  request: StreamRequest;
  /** Stop after this many frames are written. */
  frames?: number | undefined;
  /** Stop after this many seconds. */
  seconds?: number | undefined;
  /** Named in the summary (`-` for stdout). */
  to: string;
  out: Writable;
  /** End `out` when done (a file); stdout is only flushed. */
  ownsOutput: boolean;
  /** Draw a progress bar on stderr (when it is a terminal). */
  progress?: boolean;
  source: { label: string; emulated: boolean };
}

/**
 * Stream from an open camera into `out` until the frame count, the time, the reader closing
 * the output, or SIGINT/SIGTERM; return what happened. The camera stays open.
 *
 * @throws CameraError from negotiation; 7400201 when the camera stops sending frames.
 */
export async function streamFrames(
  camera: UvcCamera,
  args: StreamFramesOptions,
): Promise<StreamSummary> {
  const source = args.source;
  const sink = new StreamSink(args.out, args.ownsOutput);
  const progress = new Progress({
    label: 'webuvc stream',
    unit: args.seconds !== undefined ? 's' : 'frames',
    ...(args.frames !== undefined ? { total: args.frames } : {}),
    ...(args.seconds !== undefined ? { total: args.seconds } : {}),
    enabled: args.progress === true,
  });

  let encoder: FrameEncoder | undefined;
  let framesWritten = 0;
  let framesUnreadable = 0;
  let endWith!: (reason: StreamEnd) => void;
  let fail!: (error: unknown) => void;
  const ended = new Promise<StreamEnd>((resolve, reject) => {
    endWith = resolve;
    fail = reject;
  });
  let lastFrameAt = performance.now();
  const started = performance.now();

  const onFrame = (frame: Frame): void => {
    lastFrameAt = performance.now();
    if (!encoder || (args.frames !== undefined && framesWritten >= args.frames)) {
      frame.release();
      return;
    }
    let bytes: Uint8Array | undefined;
    try {
      bytes = encoder.encode(frame.data);
    } catch (error) {
      // A camera's broken JPEG is skipped and counted; anything else ends the stream.
      if (error instanceof CameraError && encoder.container === 'mjpeg') framesUnreadable++;
      else fail(error);
    } finally {
      frame.release();
    }
    if (!bytes || !sink.write(bytes)) return;
    framesWritten++;
    // With --seconds the timer below draws the progress, in seconds.
    if (args.seconds === undefined) progress.update(framesWritten);
    if (args.frames !== undefined && framesWritten >= args.frames) endWith('frames');
  };

  const stream: ActiveStream = await camera.startStream(args.request, onFrame, { onError: fail });
  const stopSignals = (): void => endWith('signal');
  process.once('SIGINT', stopSignals);
  process.once('SIGTERM', stopSignals);
  const timers: Array<ReturnType<typeof setInterval>> = [];
  try {
    const { format, frame } = stream.choice;
    const frameInterval =
      stream.negotiation.committed.dwFrameInterval || stream.choice.dwFrameInterval;
    encoder = frameEncoder({
      pixelFormat: format.pixelFormat,
      width: frame.wWidth,
      height: frame.wHeight,
      frameInterval,
    });
    if (encoder.header) sink.write(encoder.header, true);
    void sink.closed.then(() => {
      if (sink.failure) fail(outputFailure(args.to, sink.failure));
      else endWith('reader closed');
    });

    const intervalMs = (frameInterval * MS_PER_SECOND) / INTERVAL_UNITS_PER_SECOND;
    const stallMs = FRAME_TIMEOUT_MS + 3 * intervalMs;
    const checkEvery = Math.min(stallMs, MS_PER_SECOND);
    timers.push(
      setInterval(() => {
        const now = performance.now();
        if (args.seconds !== undefined) {
          const elapsed = (now - started) / MS_PER_SECOND;
          progress.update(Math.min(elapsed, args.seconds), `${framesWritten} frames`);
          if (elapsed >= args.seconds) endWith('seconds');
        }
        if (now - lastFrameAt > stallMs) {
          const silentMs = Math.round(now - lastFrameAt);
          const counters = JSON.stringify(stream.counters());
          const message = 'the camera stopped delivering frames';
          fail(
            new CameraError(CameraErrorCode.SERVICE_FATAL_ERROR, message, {
              expected: `a frame at least every ${Math.round(stallMs)} ms`,
              found: `none for ${silentMs} ms; counters ${counters}`,
            }),
          );
        }
      }, checkEvery),
    );

    const endedBy = await ended;
    await stream.stop();
    await sink.end();
    return {
      source: source.label,
      emulated: source.emulated,
      container: encoder.container,
      pixelFormat: format.pixelFormat,
      width: frame.wWidth,
      height: frame.wHeight,
      frameInterval,
      to: args.to,
      framesWritten,
      framesSkipped: sink.framesSkipped,
      framesUnreadable,
      bytesWritten: sink.bytesWritten,
      endedBy,
      counters: stream.counters(),
      adjustments: stream.negotiation.adjustments,
    };
  } finally {
    for (const timer of timers) clearInterval(timer);
    process.off('SIGINT', stopSignals);
    process.off('SIGTERM', stopSignals);
    progress.finish();
    await stream.stop();
  }
}

/** File errors a person fixes by naming another file. */
const PATH_ERRORS = new Set(['ENOENT', 'EACCES', 'EPERM', 'EISDIR', 'ENOTDIR', 'EROFS']);

/** An output that cannot be written: a usage error when the path is the problem. */
function outputFailure(to: string, error: NodeJS.ErrnoException): Error {
  if (error.code !== undefined && PATH_ERRORS.has(error.code)) {
    return new UsageError(`--to ${to} cannot be written: ${error.message}`);
  }
  return error;
}

function report(summary: StreamSummary, json: boolean): void {
  if (json) {
    process.stdout.write(JSON.stringify(summary, null, 2) + '\n');
    return;
  }
  const fps = Number((INTERVAL_UNITS_PER_SECOND / summary.frameInterval).toFixed(2));
  const c = summary.counters;
  const to = summary.to === '-' ? 'stdout' : summary.to;
  const skipped =
    summary.framesSkipped > 0 ? `, ${summary.framesSkipped} skipped (slow reader)` : '';
  const unreadable =
    summary.framesUnreadable > 0 ? `, ${summary.framesUnreadable} not JPEG` : '';
  process.stderr.write(
    `webuvc stream: wrote ${summary.framesWritten} frames of ${summary.pixelFormat} ` +
      `${summary.width}x${summary.height} at ${fps} fps as ${summary.container} to ${to} ` +
      `(${summary.bytesWritten} bytes${skipped}${unreadable}; ended by ${summary.endedBy})\n` +
      `webuvc stream: frames delivered ${c.framesDelivered}, dropped ${c.framesDropped}, ` +
      `with errors ${c.framesError}, incomplete ${c.framesIncomplete}, ` +
      `wrong size ${c.framesWrongSize}\n`,
  );
}
