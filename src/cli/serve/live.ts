/**
 * The stream behind `webuvc serve`: one camera stream, its frames as JPEG for every viewer,
 * its counters and measured frame rate, and a restart with another format.
 *
 * MJPEG frames go out as they came (Huffman tables added where missing); uncompressed frames
 * are encoded with sharp, one at a time, and only while someone watches: a frame that arrives
 * while the previous one is being encoded is released and counted as not shown. A viewer
 * whose connection is still busy with earlier frames skips frames (counted) rather than
 * queueing them.
 *
 * @packageDocumentation
 */
import { CameraError, CameraErrorCode } from '../../errors.js';
import type { ActiveStream, StreamCounters, UvcCamera } from '../../camera/uvc-camera.js';
import type { StreamRequest } from '../../camera/select.js';
import { isConvertible, toImage } from '../../stream/convert.js';
import type { Frame } from '../../stream/frame.js';
import { ensureHuffmanTables } from '../../stream/jpeg.js';
import type { PixelFormat } from '../../uvc/model.js';

/** A viewer takes a JPEG and says whether it sent it (false: it skipped it, still busy). */
export type Viewer = (jpeg: Uint8Array) => boolean;

/** What is streaming now. */
export interface LiveFormat {
  pixelFormat: PixelFormat;
  width: number;
  height: number;
  /** Committed frame interval, 100 ns units. */
  frameInterval: number;
  /** Frames per second the interval means. */
  fps: number;
  /** False when frames of this format cannot be shown as JPEG (H.264, Bayer, ...). */
  previewable: boolean;
}

/** Counters of the preview, besides the stream's own. */
export interface PreviewCounters {
  viewers: number;
  /** JPEGs handed to viewers (one per viewer per frame). */
  framesSent: number;
  /** Frames a viewer skipped because its connection was still busy. */
  framesSkipped: number;
  /** Frames not shown because the previous one was still being encoded. */
  framesNotShown: number;
}

/** What `GET /api/stats` answers. */
export interface LiveStats {
  running: boolean;
  format: LiveFormat | undefined;
  /** Frames per second delivered over the last {@link RATE_WINDOW_MS}. */
  measuredFps: number;
  counters: StreamCounters | undefined;
  preview: PreviewCounters;
  /** Streams started since launch (1 + format changes). */
  starts: number;
  /** Why the stream stopped, when it failed. */
  error: { code: number; name: string; message: string } | undefined;
}

/** The measured frame rate looks this far back (ms). */
export const RATE_WINDOW_MS = 2000;

/** A viewer with more than this many bytes still unsent skips frames. */
export const MAX_VIEWER_BACKLOG = 2 * 1024 * 1024;

const INTERVAL_UNITS_PER_SECOND = 1e7;
const MS_PER_SECOND = 1000;

/** The camera's stream, shared by every viewer. */
export class LiveStream {
  readonly #camera: UvcCamera;
  readonly #now: () => number;
  readonly #viewers = new Set<Viewer>();
  readonly #arrivals: number[] = [];
  readonly #preview: Omit<PreviewCounters, 'viewers'> = {
    framesSent: 0,
    framesSkipped: 0,
    framesNotShown: 0,
  };
  #stream: ActiveStream | undefined;
  #format: LiveFormat | undefined;
  #request: StreamRequest = {};
  #starts = 0;
  #encoding = false;
  #error: CameraError | undefined;
  #waiting: Array<(jpeg: Uint8Array) => void> = [];
  /** Restarts and stops run one after another. */
  #queue: Promise<unknown> = Promise.resolve();

  constructor(camera: UvcCamera, now: () => number = () => performance.now()) {
    this.#camera = camera;
    this.#now = now;
  }

  /** The format streaming now. */
  get format(): LiveFormat | undefined {
    return this.#format;
  }

  /** The request the running stream was started with. */
  get request(): StreamRequest {
    return { ...this.#request };
  }

  /**
   * Stream what `request` asks for, stopping the current stream first. When the new request
   * fails, the previous stream is started again and the failure is thrown.
   *
   * @throws CameraError from negotiation (7400101 when the camera lacks the format).
   */
  start(request: StreamRequest): Promise<LiveFormat> {
    const run = this.#queue.then(() => this.#restart(request));
    this.#queue = run.catch(() => undefined);
    return run;
  }

  /** Stop streaming; viewers stay connected and see no new frames. */
  stop(): Promise<void> {
    const run = this.#queue.then(() => this.#stopCurrent());
    this.#queue = run.catch(() => undefined);
    return run;
  }

  /** Add a viewer; returns the function that removes it. */
  subscribe(viewer: Viewer): () => void {
    this.#viewers.add(viewer);
    return () => {
      this.#viewers.delete(viewer);
    };
  }

  /** The next frame as JPEG (for snapshots). */
  nextJpeg(): Promise<Uint8Array> {
    return new Promise((resolve) => this.#waiting.push(resolve));
  }

  /** Counters, the format and the measured rate. */
  stats(): LiveStats {
    const error = this.#error;
    return {
      running: this.#stream !== undefined,
      format: this.#format,
      measuredFps: this.#measuredFps(),
      counters: this.#stream?.counters(),
      preview: { viewers: this.#viewers.size, ...this.#preview },
      starts: this.#starts,
      error: error ? { code: error.code, name: error.codeName, message: error.message } : undefined,
    };
  }

  async #restart(request: StreamRequest): Promise<LiveFormat> {
    const previous = this.#stream ? this.#request : undefined;
    await this.#stopCurrent();
    try {
      return await this.#startStream(request);
    } catch (error) {
      if (previous) await this.#startStream(previous).catch(() => undefined);
      throw error;
    }
  }

  async #startStream(request: StreamRequest): Promise<LiveFormat> {
    this.#error = undefined;
    const stream = await this.#camera.startStream(request, (frame) => this.#onFrame(frame), {
      onError: (error) => {
        this.#error = error;
        if (this.#stream === stream) this.#stream = undefined;
      },
    });
    const { format, frame } = stream.choice;
    const frameInterval =
      stream.negotiation.committed.dwFrameInterval || stream.choice.dwFrameInterval;
    this.#stream = stream;
    this.#request = { ...request };
    this.#starts++;
    this.#arrivals.length = 0;
    this.#format = {
      pixelFormat: format.pixelFormat,
      width: frame.wWidth,
      height: frame.wHeight,
      frameInterval,
      fps: Number((INTERVAL_UNITS_PER_SECOND / frameInterval).toFixed(2)),
      previewable: format.pixelFormat === 'MJPEG' || isConvertible(format.pixelFormat),
    };
    return this.#format;
  }

  async #stopCurrent(): Promise<void> {
    const stream = this.#stream;
    this.#stream = undefined;
    if (stream) await stream.stop();
  }

  #measuredFps(): number {
    const now = this.#now();
    this.#forgetOldArrivals(now);
    const count = this.#arrivals.length;
    if (count < 2) return 0;
    const span = this.#arrivals[count - 1]! - this.#arrivals[0]!;
    return span > 0 ? Number((((count - 1) * MS_PER_SECOND) / span).toFixed(2)) : 0;
  }

  #forgetOldArrivals(now: number): void {
    while (this.#arrivals.length > 0 && now - this.#arrivals[0]! > RATE_WINDOW_MS) {
      this.#arrivals.shift();
    }
  }

  #onFrame(frame: Frame): void {
    const now = this.#now();
    this.#arrivals.push(now);
    this.#forgetOldArrivals(now);

    const format = this.#format;
    const wanted = this.#viewers.size > 0 || this.#waiting.length > 0;
    if (!wanted || !format?.previewable) {
      frame.release();
      return;
    }
    if (format.pixelFormat === 'MJPEG') {
      let jpeg: Uint8Array | undefined;
      try {
        const repaired = ensureHuffmanTables(frame.data);
        jpeg = repaired === frame.data ? repaired.slice() : repaired;
      } catch {
        // Not a JPEG up to its first scan: nothing to show.
        this.#preview.framesNotShown++;
      } finally {
        frame.release();
      }
      if (jpeg) this.#deliver(jpeg);
      return;
    }
    if (this.#encoding) {
      this.#preview.framesNotShown++;
      frame.release();
      return;
    }
    this.#encoding = true;
    const layout = { pixelFormat: format.pixelFormat, width: format.width, height: format.height };
    toImage(frame.data, layout, 'jpeg')
      .then(
        (jpeg) => this.#deliver(jpeg),
        () => this.#preview.framesNotShown++,
      )
      .finally(() => {
        frame.release();
        this.#encoding = false;
      });
  }

  #deliver(jpeg: Uint8Array): void {
    const waiting = this.#waiting;
    this.#waiting = [];
    for (const resolve of waiting) resolve(jpeg);
    for (const viewer of this.#viewers) {
      if (viewer(jpeg)) this.#preview.framesSent++;
      else this.#preview.framesSkipped++;
    }
  }
}

/** A CameraError for a stream that is not running, for the API's answers. */
export function notStreaming(): CameraError {
  return new CameraError(CameraErrorCode.OPERATION_NOT_ALLOWED, 'the camera is not streaming', {
    expected: 'a running stream',
    found: 'none',
  });
}
