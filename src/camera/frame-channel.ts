/**
 * Frames from one stream to many consumers without copying: a pooled frame is shared by
 * reference count, each consumer gets its own view and releases it, and the pool buffer goes
 * back when the last view is released.
 *
 * Each output has a {@link FrameChannel}; each `frames()` or `stream()` call subscribes to it.
 * A subscription keeps at most a few frames waiting; when a consumer falls behind, the oldest
 * waiting frame is released and counted as dropped, so a slow consumer never starves the pool.
 * A subscription lasts one streaming run: it ends (the iterator is done, the ReadableStream
 * closes) when the output stops streaming, and fails with the CameraError when the camera is
 * lost. An output refuses a subscription outside a run ({@link FrameChannel.refuse}), so no
 * read waits for a run that may never come.
 *
 * No Node-only API is used: `ReadableStream` is the WHATWG one.
 *
 * @packageDocumentation
 */
import { CameraError, CameraErrorCode } from '../errors.js';
import type { Frame } from '../stream/frame.js';
import type { PixelFormat } from '../uvc/model.js';

/**
 * A frame handed to an output's consumer, with its format and size. `timestamp` is the frame's
 * host time in microseconds (see {@link Frame}). Call `release()` once done with `data`.
 */
export interface OutputFrame extends Frame {
  /** The stream's pixel format. */
  readonly pixelFormat: PixelFormat;
  /** Width in pixels. */
  readonly width: number;
  /** Height in pixels. */
  readonly height: number;
}

/** Format and size of a stream's frames. */
export interface FrameLayout {
  pixelFormat: PixelFormat;
  width: number;
  height: number;
}

/** Frames a subscription keeps waiting before it drops the oldest (default). */
export const DEFAULT_QUEUE_LENGTH = 2;

/** A pooled frame shared by several views; the pool buffer returns with the last release. */
export class SharedFrame {
  readonly #frame: Frame;
  readonly #layout: FrameLayout;
  #refs = 1;

  /** Wrap `frame`; the caller holds the first reference and must {@link SharedFrame.drop} it. */
  constructor(frame: Frame, layout: FrameLayout) {
    this.#frame = frame;
    this.#layout = layout;
  }

  /** The frame's bytes (valid while a reference is held). */
  get data(): Uint8Array {
    return this.#frame.data;
  }

  /** The wrapped frame. */
  get frame(): Frame {
    return this.#frame;
  }

  /** A new view holding one reference. */
  view(): OutputFrame {
    this.#refs += 1;
    const frame = this.#frame;
    let released = false;
    return {
      data: frame.data,
      byteLength: frame.byteLength,
      sequence: frame.sequence,
      ...(frame.pts === undefined ? {} : { pts: frame.pts }),
      ...(frame.scr === undefined ? {} : { scr: frame.scr }),
      firstPayloadTime: frame.firstPayloadTime,
      lastPayloadTime: frame.lastPayloadTime,
      timestamp: frame.timestamp,
      timestampFromDevice: frame.timestampFromDevice,
      flags: frame.flags,
      ...this.#layout,
      release: () => {
        if (released) return;
        released = true;
        this.drop();
      },
    };
  }

  /** Drop one reference. */
  drop(): void {
    this.#refs -= 1;
    if (this.#refs === 0) this.#frame.release();
  }
}

/** One consumer's queue of frames, usable as an async iterator. */
export class FrameSubscription implements AsyncIterableIterator<OutputFrame> {
  /** Frames released unread because the consumer fell behind. */
  dropped = 0;
  readonly #queue: OutputFrame[] = [];
  readonly #limit: number;
  readonly #onClose: (subscription: FrameSubscription) => void;
  #waiter:
    | { resolve: (result: IteratorResult<OutputFrame>) => void; reject: (error: unknown) => void }
    | undefined;
  #ended = false;
  #error: CameraError | undefined;

  /** Use {@link FrameChannel.subscribe}. */
  constructor(limit: number, onClose: (subscription: FrameSubscription) => void) {
    this.#limit = Math.max(1, Math.floor(limit));
    this.#onClose = onClose;
  }

  /** True once the subscription has ended or failed. */
  get closed(): boolean {
    return this.#ended || this.#error !== undefined;
  }

  /** Offer a frame (the subscription owns the view from here). */
  push(frame: OutputFrame): void {
    if (this.closed) {
      frame.release();
      return;
    }
    const waiter = this.#waiter;
    if (waiter) {
      this.#waiter = undefined;
      waiter.resolve({ value: frame, done: false });
      return;
    }
    this.#queue.push(frame);
    if (this.#queue.length > this.#limit) {
      this.#queue.shift()?.release();
      this.dropped += 1;
    }
  }

  /** End after the waiting frames have been read. */
  end(): void {
    if (this.closed) return;
    this.#ended = true;
    this.#settleWaiter();
  }

  /** Fail: waiting frames are released and the next read throws `error`. */
  fail(error: CameraError): void {
    if (this.closed) return;
    this.#error = error;
    this.#releaseQueue();
    this.#settleWaiter();
  }

  /** The next frame, or done when the run has ended. */
  next(): Promise<IteratorResult<OutputFrame>> {
    const frame = this.#queue.shift();
    if (frame) return Promise.resolve({ value: frame, done: false });
    if (this.#error) return Promise.reject(this.#error);
    if (this.#ended) return Promise.resolve({ value: undefined, done: true });
    if (this.#waiter) {
      const message = 'frames: a read is already waiting';
      const error = new CameraError(CameraErrorCode.OPERATION_NOT_ALLOWED, message, {
        expected: 'one read at a time',
        found: 'a second read',
      });
      return Promise.reject(error);
    }
    return new Promise((resolve, reject) => {
      this.#waiter = { resolve, reject };
    });
  }

  /** Stop reading: waiting frames are released. */
  return(): Promise<IteratorResult<OutputFrame>> {
    this.#ended = true;
    this.#releaseQueue();
    this.#settleWaiter();
    this.#onClose(this);
    return Promise.resolve({ value: undefined, done: true });
  }

  [Symbol.asyncIterator](): AsyncIterableIterator<OutputFrame> {
    return this;
  }

  /** The subscription as a WHATWG ReadableStream (one frame is pulled per read). */
  toReadableStream(): ReadableStream<OutputFrame> {
    return new ReadableStream<OutputFrame>(
      {
        pull: async (controller) => {
          const result = await this.next();
          if (result.done) controller.close();
          else controller.enqueue(result.value);
        },
        cancel: async () => {
          await this.return();
        },
      },
      { highWaterMark: 0 },
    );
  }

  #settleWaiter(): void {
    const waiter = this.#waiter;
    if (!waiter) return;
    this.#waiter = undefined;
    if (this.#error) waiter.reject(this.#error);
    else waiter.resolve({ value: undefined, done: true });
    if (this.closed) this.#onClose(this);
  }

  #releaseQueue(): void {
    for (const frame of this.#queue.splice(0)) frame.release();
  }
}

/** An output's subscribers. */
export class FrameChannel {
  readonly #subscriptions = new Set<FrameSubscription>();
  #closed = false;

  /** Current subscribers. */
  get size(): number {
    return this.#subscriptions.size;
  }

  /** A new subscription (ended at once when the channel is closed). */
  subscribe(limit = DEFAULT_QUEUE_LENGTH): FrameSubscription {
    const subscription = new FrameSubscription(limit, (s) => this.#subscriptions.delete(s));
    if (this.#closed) subscription.end();
    else this.#subscriptions.add(subscription);
    return subscription;
  }

  /** A subscription that failed before it began: its first read rejects with `error`. */
  refuse(error: CameraError, limit = DEFAULT_QUEUE_LENGTH): FrameSubscription {
    const subscription = new FrameSubscription(limit, () => undefined);
    subscription.fail(error);
    return subscription;
  }

  /** Give every subscriber a view of `frame`. */
  deliver(frame: SharedFrame): void {
    for (const subscription of this.#subscriptions) subscription.push(frame.view());
  }

  /** The streaming run ended: current subscriptions end after their waiting frames. */
  endRun(): void {
    for (const subscription of [...this.#subscriptions]) subscription.end();
    this.#subscriptions.clear();
  }

  /** The camera was lost: current subscriptions fail with `error`. */
  fail(error: CameraError): void {
    for (const subscription of [...this.#subscriptions]) subscription.fail(error);
    this.#subscriptions.clear();
  }

  /** The output was released: subscriptions end and later ones end at once. */
  close(): void {
    this.#closed = true;
    this.endRun();
  }
}
