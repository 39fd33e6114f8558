/**
 * The outputs of a session (`camera.PreviewOutput`, `PhotoOutput`, `VideoOutput`).
 *
 * A UVC camera sends one stream, so every output of a session shares it: the outputs must
 * agree on format and size (the session refuses other combinations at commit), and an output
 * with a slower fixed frame rate takes every n-th frame of the stream.
 *
 * - PreviewOutput delivers frames while its session runs, as an async iterator
 *   ({@link PreviewOutput.frames}) or a WHATWG ReadableStream ({@link PreviewOutput.stream}),
 *   with `frameStart` / `frameEnd` events around each run.
 * - VideoOutput delivers frames (with timestamps) between `start()` and `stop()`.
 * - PhotoOutput captures with still method 1: `capture()` resolves with a copy of the next frame
 *   of the running stream (MJPEG frames made standalone JPEGs).
 *
 * TODO: still methods 2 and 3 (still probe/commit, the still-image endpoint) and still sizes
 * other than the stream's; `camera/still.ts` implements them for UvcCamera.
 *
 * @packageDocumentation
 */
import { CameraError, CameraErrorCode, stateViolation } from '../errors.js';
import { ensureHuffmanTables } from '../stream/jpeg.js';
import type { PixelFormat } from '../uvc/model.js';
import type { CameraHandle } from './camera-device.js';
import { ImageRotation, isEnumValue, QualityLevel } from './enums.js';
import { Listeners } from './events.js';
import {
  FrameChannel,
  type FrameSubscription,
  type OutputFrame,
  type SharedFrame,
} from './frame-channel.js';
import {
  locateProfile,
  supportedFrameRates,
  type FrameRateRange,
  type Profile,
} from './profiles.js';

/** Which kind an output is. */
export type OutputKind = 'preview' | 'photo' | 'video';

/** What an output asks of the session it belongs to. */
export interface OutputSession {
  /** True once the session's configuration is committed (committed or started). */
  readonly committed: boolean;
  /** True while the session streams. */
  readonly running: boolean;
  /** The camera of the session's input, when it has one. */
  readonly cameraHandle: CameraHandle | undefined;
  /** Check a frame-rate request against the other outputs and the camera; throws. */
  checkFrameRate(output: CameraOutput, request: FrameRateRange, what: string): void;
  /** Apply the output's new active rate (restarting the stream when it runs). */
  applyFrameRate(output: CameraOutput, previous: FrameRateRange, what: string): Promise<void>;
  /** Take the output out of the session. */
  detachOutput(output: CameraOutput): void;
  /** How long a capture waits for a frame, in ms. */
  readonly captureTimeoutMs: number;
}

/** Options of `frames()` and `stream()`. */
export interface FrameReadOptions {
  /** Frames kept waiting for a slow reader before the oldest is dropped (default 2). */
  queueLength?: number;
}

const UNSET: FrameRateRange = Object.freeze({ min: 0, max: 0 });

/** The session-side view of an output (not part of the public API). */
export const outputInternals = Symbol('webuvc.outputInternals');

/** What the session uses of an output. */
export interface OutputInternals {
  readonly kind: OutputKind;
  session: OutputSession | undefined;
  released: boolean;
  /** The active frame-rate range; `{ 0, 0 }` when not set. */
  rate: FrameRateRange;
  /** Every how many stream frames the output takes one. */
  every: number;
  /** True when the output takes frames now. */
  wantsFrames(): boolean;
  deliver(frame: SharedFrame): void;
  /** The stream stopped. */
  endRun(): void;
  /** The camera failed. */
  fail(error: CameraError): void;
  attached(session: OutputSession): void;
  detached(): void;
}

function released(what: string): CameraError {
  return stateViolation('invalidTransition', `${what}: the output was released`, {
    expected: 'an output that is not released',
    found: 'released',
  });
}

/** What every output has. */
export abstract class CameraOutput {
  /** The profile the output was created with. */
  readonly profile: Profile;
  /** Session-side state; not for applications. */
  readonly [outputInternals]: OutputInternals;
  /** Frames of the current run go here. */
  protected readonly channel = new FrameChannel();

  protected constructor(kind: OutputKind, profile: Profile) {
    this.profile = profile;
    const output = this;
    this[outputInternals] = {
      kind,
      session: undefined,
      released: false,
      rate: UNSET,
      every: 1,
      wantsFrames: () => this.wantsFrames(),
      deliver: (frame) => this.deliver(frame),
      endRun: () => this.endRun(),
      fail: (error) => this.fail(error),
      attached(session) {
        this.session = session;
        output.attached();
      },
      detached() {
        this.session = undefined;
        output.endRun();
        output.detached();
      },
    };
  }

  /**
   * Release the output: it leaves its session and its readers end. Never fails and may be
   * called any number of times.
   */
  async release(): Promise<void> {
    const state = this[outputInternals];
    if (state.released) return;
    state.released = true;
    state.session?.detachOutput(this);
    this.channel.close();
  }

  /** True when the output takes frames now. */
  protected abstract wantsFrames(): boolean;

  /** One frame of the stream for this output. */
  protected deliver(frame: SharedFrame): void {
    this.channel.deliver(frame);
  }

  /** The stream stopped. */
  protected endRun(): void {
    this.channel.endRun();
  }

  /** The camera failed. */
  protected fail(error: CameraError): void {
    this.channel.fail(error);
  }

  /** The output joined a session. */
  protected attached(): void {}

  /** The output left its session. */
  protected detached(): void {}

  /** Throw 7400201 when the output was released. */
  protected checkNotReleased(what: string): void {
    if (this[outputInternals].released) throw released(what);
  }
}

/** Listeners of a streaming output. */
type StreamingEvents = {
  frameStart: [];
  frameEnd: [];
  error: [CameraError];
};

/** What preview and video outputs share: frames, events and frame rates. */
abstract class StreamingOutput extends CameraOutput {
  protected readonly events = new Listeners<StreamingEvents>();
  #running = false;

  /**
   * Frames of the current run, as an async iterator. Release every frame.
   *
   * Frames exist only while the output's session runs, as in OpenHarmony, where an output
   * delivers nothing outside a started session and calls that need a running session give
   * 7400104. So:
   * - asked for while the session does not run (not started yet, stopped, released, its input
   *   closed, or no session), the first read rejects with CameraError 7400104
   *   SESSION_NOT_RUNNING;
   * - a read waiting when the run ends (session stopped or released, input closed, recording
   *   stopped) is woken: the iterator is done once the frames already waiting are read;
   * - the camera lost: the read rejects with the loss's CameraError;
   * - the output released: the iterator is done (at once for a later call).
   *
   * A video output's frames flow between `start()` and `stop()` of a running session; they can
   * be asked for while the session runs, before `start()`.
   */
  frames(options: FrameReadOptions = {}): FrameSubscription {
    const state = this[outputInternals];
    if (state.released || state.session?.running) {
      return this.channel.subscribe(options.queueLength);
    }
    const what = `${state.kind}.frames`;
    const error = stateViolation('notRunning', `${what}: the session is not running`, {
      expected: 'an output of a started session',
      found: state.session ? 'a session that is not started' : 'an output of no session',
    });
    return this.channel.refuse(error, options.queueLength);
  }

  /**
   * The same frames as a WHATWG ReadableStream, with the same rules as {@link frames}: the
   * stream errors with CameraError 7400104 when asked for while the session does not run,
   * closes when the run ends or the output is released, and errors with the loss's
   * CameraError when the camera is lost. Release every frame.
   */
  stream(options: FrameReadOptions = {}): ReadableStream<OutputFrame> {
    return this.frames(options).toReadableStream();
  }

  /** Listen for `frameStart` (first frame of a run), `frameEnd` (run over) or `error`. */
  on(type: 'frameStart' | 'frameEnd', callback: () => void): void;
  on(type: 'error', callback: (error: CameraError) => void): void;
  on(type: keyof StreamingEvents, callback: (...args: never[]) => void): void {
    const known: string[] = ['frameStart', 'frameEnd', 'error'];
    if (!known.includes(type) || typeof callback !== 'function') {
      const message = 'on() needs an event and a listener';
      throw new CameraError(CameraErrorCode.INVALID_ARGUMENT, message, {
        expected: "'frameStart', 'frameEnd' or 'error' and a function",
        found: `${String(type)} and ${typeof callback}`,
      });
    }
    this.events.add(type, callback as (...args: unknown[]) => void);
  }

  /** Stop listening (every listener of `type` when none is given). */
  off(type: keyof StreamingEvents, callback?: (...args: never[]) => void): void {
    this.events.remove(type, callback as ((...args: unknown[]) => void) | undefined);
  }

  /**
   * Ask for a frame-rate range. Checks happen now, in OpenHarmony's order; the returned promise
   * settles once the rate is applied (a running stream restarts at the new rate).
   *
   * @throws CameraError 7400101 for arguments that are not a range, a range the camera does not
   *   offer, or the active range; 7400103 when the output is in no committed session; 7400110
   *   when another output's rate conflicts.
   */
  setFrameRate(minFps: number, maxFps: number): Promise<void> {
    const what = `${this[outputInternals].kind}.setFrameRate(${minFps}, ${maxFps})`;
    const numbers = [minFps, maxFps].every((n) => typeof n === 'number' && Number.isFinite(n));
    if (!numbers || minFps < 0 || maxFps < minFps) {
      throw new CameraError(CameraErrorCode.INVALID_ARGUMENT, `${what}: not a frame-rate range`, {
        expected: 'two numbers with 0 <= min <= max',
        found: `${String(minFps)}, ${String(maxFps)}`,
      });
    }
    this.checkNotReleased(what);
    const session = this[outputInternals].session;
    if (!session?.committed) {
      throw stateViolation('notCommitted', `${what}: the output is in no committed session`, {
        expected: 'an output of a committed session',
        found: session ? 'a session not committed' : 'no session',
      });
    }

    const request = { min: minFps, max: maxFps };
    session.checkFrameRate(this, request, what);
    const previous = this[outputInternals].rate;
    this[outputInternals].rate = Object.freeze(request);
    return session.applyFrameRate(this, previous, what);
  }

  /** The active frame-rate range; `{ 0, 0 }` until one is set (or, for video, joined). */
  getActiveFrameRate(): FrameRateRange {
    return { ...this[outputInternals].rate };
  }

  /** The ranges the session's camera offers for this output's format and size. */
  getSupportedFrameRates(): FrameRateRange[] {
    const handle = this[outputInternals].session?.cameraHandle;
    const location = locateProfile(handle?.model, this.profile);
    return location ? supportedFrameRates(location.frame) : [];
  }

  protected override deliver(frame: SharedFrame): void {
    if (!this.#running) {
      this.#running = true;
      this.events.emit('frameStart');
    }
    super.deliver(frame);
  }

  protected override endRun(): void {
    if (this.#running) {
      this.#running = false;
      this.events.emit('frameEnd');
    }
    super.endRun();
  }

  protected override fail(error: CameraError): void {
    this.#running = false;
    this.events.emit('error', error);
    super.fail(error);
  }
}

/** A preview output: frames while its session runs. */
export class PreviewOutput extends StreamingOutput {
  /** Use `CameraManager.createPreviewOutput`. */
  constructor(profile: Profile) {
    super('preview', profile);
  }

  protected wantsFrames(): boolean {
    return true;
  }

  protected override detached(): void {
    this[outputInternals].rate = UNSET;
  }
}

/** A video output: frames with timestamps between `start()` and `stop()`. */
export class VideoOutput extends StreamingOutput {
  #recording = false;

  /** Use `CameraManager.createVideoOutput`. */
  constructor(profile: Profile) {
    super('video', profile);
  }

  /** True between `start()` and `stop()`. */
  get recording(): boolean {
    return this.#recording;
  }

  /**
   * Start taking frames (they flow while the session runs).
   *
   * @throws CameraError 7400103 before the session is committed; 7400201 when recording
   *   already or released.
   */
  async start(): Promise<void> {
    this.checkNotReleased('video.start');
    if (!this[outputInternals].session?.committed) {
      throw stateViolation('notCommitted', 'video.start: the session is not committed', {
        expected: 'an output of a committed session',
        found: this[outputInternals].session ? 'a session not committed' : 'no session',
      });
    }
    if (this.#recording) {
      throw stateViolation('invalidTransition', 'video.start: recording already', {
        expected: 'a stopped video output',
        found: 'recording',
      });
    }
    this.#recording = true;
  }

  /**
   * Stop taking frames; readers end.
   *
   * @throws CameraError 7400201 when not recording.
   */
  async stop(): Promise<void> {
    if (!this.#recording) {
      throw stateViolation('invalidTransition', 'video.stop: not recording', {
        expected: 'a recording video output',
        found: 'stopped',
      });
    }
    this.#recording = false;
    this.endRun();
  }

  protected wantsFrames(): boolean {
    return this.#recording;
  }

  protected override attached(): void {
    this[outputInternals].rate = this.profile.frameRateRange;
  }

  protected override detached(): void {
    this.#recording = false;
    this[outputInternals].rate = UNSET;
  }
}

/** Settings of one capture (`camera.PhotoCaptureSetting`). */
export interface PhotoCaptureSetting {
  /** Recorded on the photo; the pixels are not rotated. */
  rotation?: ImageRotation;
  /** Recorded on the photo; MJPEG frames keep the camera's own quality. */
  quality?: QualityLevel;
  /** Recorded on the photo; the pixels are not mirrored. */
  mirror?: boolean;
}

/** A captured photo. */
export interface Photo {
  /** A standalone JPEG for MJPEG cameras, otherwise the frame's pixels in `format`. */
  readonly data: Uint8Array;
  /** The stream's pixel format (MJPEG photos are JPEG files). */
  readonly format: PixelFormat;
  /** Width in pixels. */
  readonly width: number;
  /** Height in pixels. */
  readonly height: number;
  /** Host time of the frame, in microseconds (see `Frame.timestamp`). */
  readonly timestamp: number;
  /** The frame's sequence number in its stream. */
  readonly sequence: number;
  /** The rotation asked for (the pixels are not rotated). */
  readonly rotation: ImageRotation;
  /** The quality asked for. */
  readonly quality: QualityLevel;
  /** The mirroring asked for (the pixels are not mirrored). */
  readonly mirror: boolean;
}

/** A capture waiting for a frame. */
interface PendingCapture {
  settings: Required<PhotoCaptureSetting>;
  resolve(photo: Photo): void;
  reject(error: CameraError): void;
  timer: ReturnType<typeof setTimeout>;
}

/** Listeners of a photo output. */
type PhotoEvents = {
  photoAvailable: [Photo];
  error: [CameraError];
};

/** A photo output: `capture()` takes the next frame of the running stream (still method 1). */
export class PhotoOutput extends CameraOutput {
  readonly #events = new Listeners<PhotoEvents>();
  readonly #pending: PendingCapture[] = [];

  /** Use `CameraManager.createPhotoOutput`. */
  constructor(profile: Profile) {
    super('photo', profile);
  }

  /**
   * Capture a photo. Argument errors throw now; the promise resolves with the photo.
   *
   * @throws CameraError 7400101 (thrown) for a rotation other than 0/90/180/270 or other bad
   *   settings; 7400104 (rejected) when the output's session does not stream; 7400201 (rejected)
   *   when no frame arrives in time or the camera fails meanwhile.
   */
  capture(settings: PhotoCaptureSetting = {}): Promise<Photo> {
    const checked = checkCaptureSettings(settings);
    return this.#capture(checked);
  }

  /** Listen for `photoAvailable` (each photo) or `error` (a capture failed). */
  on(type: 'photoAvailable', callback: (photo: Photo) => void): void;
  on(type: 'error', callback: (error: CameraError) => void): void;
  on(type: keyof PhotoEvents, callback: (...args: never[]) => void): void {
    const known: string[] = ['photoAvailable', 'error'];
    if (!known.includes(type) || typeof callback !== 'function') {
      const message = 'on() needs an event and a listener';
      throw new CameraError(CameraErrorCode.INVALID_ARGUMENT, message, {
        expected: "'photoAvailable' or 'error' and a function",
        found: `${String(type)} and ${typeof callback}`,
      });
    }
    this.#events.add(type, callback as (...args: unknown[]) => void);
  }

  /** Stop listening (every listener of `type` when none is given). */
  off(type: keyof PhotoEvents, callback?: (...args: never[]) => void): void {
    this.#events.remove(type, callback as ((...args: unknown[]) => void) | undefined);
  }

  async #capture(settings: Required<PhotoCaptureSetting>): Promise<Photo> {
    this.checkNotReleased('photo.capture');
    const session = this[outputInternals].session;
    if (!session?.running) {
      const found = !session ? 'no session' : session.committed ? 'not started' : 'not committed';
      throw stateViolation('notRunning', 'photo.capture: the session does not stream', {
        expected: 'an output of a running session',
        found,
      });
    }
    return new Promise<Photo>((resolve, reject) => {
      const pending: PendingCapture = {
        settings,
        resolve,
        reject,
        timer: setTimeout(() => {
          this.#settle(pending, undefined);
          const message = 'photo.capture timed out';
          const error = new CameraError(CameraErrorCode.SERVICE_FATAL_ERROR, message, {
            expected: `a frame within ${session.captureTimeoutMs} ms`,
            found: 'none',
          });
          this.#events.emit('error', error);
          reject(error);
        }, session.captureTimeoutMs),
      };
      this.#pending.push(pending);
    });
  }

  protected wantsFrames(): boolean {
    return this.#pending.length > 0;
  }

  protected override deliver(frame: SharedFrame): void {
    const pending = this.#pending.splice(0);
    if (pending.length === 0) return;
    const view = frame.view();
    let image: Uint8Array;
    try {
      const bytes = view.pixelFormat === 'MJPEG' ? ensureHuffmanTables(view.data) : view.data;
      image = bytes === view.data ? bytes.slice() : bytes;
    } finally {
      view.release();
    }

    pending.forEach((capture, index) => {
      clearTimeout(capture.timer);
      const photo: Photo = Object.freeze({
        data: index === 0 ? image : image.slice(),
        format: view.pixelFormat,
        width: view.width,
        height: view.height,
        timestamp: view.timestamp,
        sequence: view.sequence,
        ...capture.settings,
      });
      this.#events.emit('photoAvailable', photo);
      capture.resolve(photo);
    });
  }

  protected override endRun(): void {
    this.#rejectAll(
      stateViolation('notRunning', 'photo.capture: the session stopped streaming', {
        expected: 'a running session',
        found: 'stopped',
      }),
    );
    super.endRun();
  }

  protected override fail(error: CameraError): void {
    if (this.#pending.length > 0) this.#events.emit('error', error);
    this.#rejectAll(error);
    super.fail(error);
  }

  #rejectAll(error: CameraError): void {
    for (const pending of this.#pending.splice(0)) this.#settle(pending, error);
  }

  #settle(pending: PendingCapture, error: CameraError | undefined): void {
    clearTimeout(pending.timer);
    const index = this.#pending.indexOf(pending);
    if (index >= 0) this.#pending.splice(index, 1);
    if (error) pending.reject(error);
  }
}

/**
 * Check capture settings.
 *
 * @throws CameraError 7400101 for a rotation, quality or mirror flag of the wrong kind.
 */
function checkCaptureSettings(settings: unknown): Required<PhotoCaptureSetting> {
  const given = (settings ?? {}) as PhotoCaptureSetting;
  const rotation = given.rotation ?? ImageRotation.ROTATION_0;
  const quality = given.quality ?? QualityLevel.QUALITY_LEVEL_HIGH;
  const mirror = given.mirror ?? false;
  const problems: string[] = [];
  if (typeof settings !== 'object') problems.push(`settings ${typeof settings}`);
  if (!isEnumValue(ImageRotation, rotation)) problems.push(`rotation ${String(rotation)}`);
  if (!isEnumValue(QualityLevel, quality)) problems.push(`quality ${String(quality)}`);
  if (typeof mirror !== 'boolean') problems.push(`mirror ${String(mirror)}`);
  if (problems.length > 0) {
    throw new CameraError(CameraErrorCode.INVALID_ARGUMENT, 'photo.capture: invalid settings', {
      expected: 'rotation 0, 90, 180 or 270; quality 0, 1 or 2; mirror true or false',
      found: problems.join(', '),
    });
  }
  return { rotation, quality, mirror };
}
