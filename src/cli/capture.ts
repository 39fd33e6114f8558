/**
 * `webuvc capture`: open a camera, negotiate, stream, and write frames as image files.
 *
 * MJPEG frames are written as `.jpg` as they came (the standard Huffman tables are inserted
 * only into frames that lack them, so every decoder opens them); uncompressed frames are
 * converted with sharp to PNG (default) or JPEG; frames no image format holds (raw Bayer,
 * H.264) are written untouched as `.grbg.raw`, `.h264` and the like.
 *
 * @packageDocumentation
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseArgs } from 'node:util';

import { CameraError, CameraErrorCode } from '../errors.js';
import { UvcCamera, type ActiveStream, type StreamCounters } from '../camera/uvc-camera.js';
import type { Frame } from '../stream/frame.js';
import { isConvertible, toImage, type ImageType } from '../stream/convert.js';
import type { PixelFormat } from '../uvc/model.js';
import {
  CAMERA_OPTIONS,
  STREAM_OPTIONS,
  UsageError,
  asUsage,
  positiveInteger,
  streamRequest,
} from './args.js';
import { Progress, RENDER_INTERVAL_MS, progressWanted } from './progress.js';
import { openSource } from './source.js';

const INTERVAL_UNITS_PER_SECOND = 1e7;
/** Time allowed beyond the frames' own duration: start-up, conversion, a slow camera. */
const CAPTURE_SLACK_MS = 10_000;
const MAX_CONVERSIONS_IN_FLIGHT = 2;

/** What `webuvc capture --json` prints. */
export interface CaptureSummary {
  source: string;
  emulated: boolean;
  pixelFormat: string;
  width: number;
  height: number;
  frameInterval: number;
  alternateSetting: number;
  transferType: string;
  files: string[];
  counters: StreamCounters;
  adjustments: string[];
}

/** Writes frames to files, at most a few conversions at a time; a frame waiting its turn holds its buffer. */
class FrameWriter {
  readonly files: string[] = [];
  #accepted = 0;
  #inFlight = 0;
  #done: Promise<void>;
  #finish!: () => void;
  #fail!: (error: unknown) => void;

  constructor(
    readonly wanted: number,
    readonly directory: string,
    readonly layout: { pixelFormat: string; width: number; height: number },
    readonly imageType: ImageType,
  ) {
    this.#done = new Promise((resolve, reject) => {
      this.#finish = resolve;
      this.#fail = reject;
    });
  }

  get done(): Promise<void> {
    return this.#done;
  }

  fail(error: unknown): void {
    this.#fail(error);
  }

  /** Take a frame, or release it at once when enough are taken or conversions are saturated. */
  offer(frame: Frame): void {
    if (this.#accepted >= this.wanted || this.#inFlight >= MAX_CONVERSIONS_IN_FLIGHT) {
      frame.release();
      return;
    }
    const number = ++this.#accepted;
    this.#inFlight++;
    this.#write(frame, number).then(
      () => {
        this.#inFlight--;
        if (this.files.length === this.wanted) this.#finish();
      },
      (error: unknown) => this.#fail(error),
    );
  }

  async #write(frame: Frame, number: number): Promise<void> {
    const { pixelFormat } = this.layout;
    const mjpeg = pixelFormat === 'MJPEG';
    const convertible = mjpeg || isConvertible(pixelFormat as PixelFormat);
    // Frames no image format holds (raw Bayer, H.264) are written as the camera sent them.
    const extension = !convertible
      ? rawExtension(pixelFormat)
      : mjpeg || this.imageType === 'jpeg'
        ? 'jpg'
        : 'png';
    const name = join(this.directory, `frame-${String(number).padStart(4, '0')}.${extension}`);
    try {
      const bytes = convertible
        ? await toImage(frame.data, this.layout as Parameters<typeof toImage>[1], mjpeg ? 'jpeg' : this.imageType)
        : frame.data;
      await writeFile(name, bytes);
    } finally {
      frame.release();
    }
    this.files[number - 1] = name;
  }
}

/** File extension of frames written as they came: elementary streams by codec, else `FORMAT.raw`. */
function rawExtension(pixelFormat: string): string {
  if (pixelFormat === 'H264') return 'h264';
  if (pixelFormat === 'H265') return 'h265';
  return `${pixelFormat.toLowerCase()}.raw`;
}

/** Run `webuvc capture`. */
export async function captureCommand(argv: string[]): Promise<void> {
  const { values } = asUsage(() =>
    parseArgs({
      args: argv,
      strict: true,
      options: {
        ...CAMERA_OPTIONS,
        frames: { type: 'string' },
        out: { type: 'string' },
        ...STREAM_OPTIONS,
        image: { type: 'string' },
      },
    }),
  );
  const frames = positiveInteger('frames', values.frames, 10);
  const directory = values.out ?? 'frames';
  const imageType = values.image ?? 'png';
  if (imageType !== 'png' && imageType !== 'jpeg') {
    throw new UsageError(`--image wants png or jpeg, not "${imageType}"`);
  }
  const request = streamRequest(values);

  const source = await openSource({ ...values, fallBackToVirtual: true });
  if (!values.json) process.stderr.write(`webuvc capture: using ${source.label}\n`);
  await mkdir(directory, { recursive: true });

  const camera = await UvcCamera.open(source.device, source.streaming ? { streaming: source.streaming } : {});
  let stream: ActiveStream | undefined;
  try {
    let writer: FrameWriter | undefined;
    stream = await camera.startStream(request, (frame) => writer ? writer.offer(frame) : frame.release(), {
      onError: (error) => writer?.fail(error),
    });
    const { format, frame } = stream.choice;
    writer = new FrameWriter(
      frames,
      directory,
      { pixelFormat: format.pixelFormat, width: frame.wWidth, height: frame.wHeight },
      imageType,
    );

    const interval = stream.negotiation.committed.dwFrameInterval || stream.choice.dwFrameInterval;
    // setTimeout takes at most 2^31 - 1 ms (about 24.8 days).
    const budgetMs = Math.min((frames * interval * 1000 * 3) / INTERVAL_UNITS_PER_SECOND + CAPTURE_SLACK_MS, 2 ** 31 - 1);
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        const counters = stream?.counters();
        reject(
          new CameraError(CameraErrorCode.SERVICE_FATAL_ERROR, 'the camera stopped delivering frames', {
            expected: `${frames} frames within ${Math.round(budgetMs)} ms`,
            found: `${writer?.files.filter(Boolean).length ?? 0} frames; counters ${JSON.stringify(counters)}`,
          }),
        );
      }, budgetMs);
    });
    const progress = new Progress({
      label: 'webuvc capture',
      total: frames,
      unit: 'frames',
      enabled: progressWanted(values.json),
    });
    const written = (): number => writer?.files.filter(Boolean).length ?? 0;
    progress.update(0);
    const ticker = setInterval(() => progress.update(written()), RENDER_INTERVAL_MS);
    try {
      await Promise.race([writer.done, timeout]);
    } finally {
      clearTimeout(timer);
      clearInterval(ticker);
      progress.finish();
    }

    await stream.stop();
    const summary: CaptureSummary = {
      source: source.label,
      emulated: source.emulated,
      pixelFormat: format.pixelFormat,
      width: frame.wWidth,
      height: frame.wHeight,
      frameInterval: stream.negotiation.committed.dwFrameInterval,
      alternateSetting: stream.setting.bAlternateSetting,
      transferType: stream.setting.endpoint.transferType,
      files: writer.files,
      counters: stream.counters(),
      adjustments: stream.negotiation.adjustments,
    };
    report(summary, values.json === true);
  } finally {
    await camera.close();
  }
}

function report(summary: CaptureSummary, json: boolean): void {
  if (json) {
    process.stdout.write(JSON.stringify(summary, null, 2) + '\n');
    return;
  }
  const fps = Number((INTERVAL_UNITS_PER_SECOND / summary.frameInterval).toFixed(2));
  const c = summary.counters;
  process.stdout.write(
    `captured ${summary.files.length} frames of ${summary.pixelFormat} ${summary.width}x${summary.height} ` +
      `at ${fps} fps (${summary.transferType}, alt ${summary.alternateSetting}) from ${summary.source}\n` +
      `frames delivered ${c.framesDelivered}, dropped ${c.framesDropped}, with errors ${c.framesError}, ` +
      `incomplete ${c.framesIncomplete}, wrong size ${c.framesWrongSize}\n` +
      summary.files.map((file) => `  ${file}\n`).join(''),
  );
  if (summary.emulated) {
    process.stdout.write('note: these frames came from an emulated camera, not from a webcam\n');
  }
}
