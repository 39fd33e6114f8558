/**
 * Frame delivery: between the assembler and the consumer, so that a slow consumer never
 * stalls the USB path.
 *
 * A frame goes to the consumer at once, in the same turn as the payload that completed it,
 * when fewer than `maxInFlight` frames are with the consumer. A consumer is busy with a frame
 * from the call until the call returns, or, when it returns a promise, until the promise
 * settles (hold a frame past that by keeping it unreleased: it still counts against the pool,
 * not against delivery). Frames that arrive while the consumer is busy wait in a queue of
 * `queueDepth` frames, and when that is full the policy decides:
 *
 * - `dropOldest` (default): the oldest waiting frame is dropped; the consumer sees the newest
 *   `queueDepth` frames in order once it catches up.
 * - `keepLatest`: only one frame waits, always the newest (a mailbox); `queueDepth` is 1.
 * - `dropNewest`: the arriving frame is dropped; the consumer sees the oldest ones.
 *
 * When the assembler needs a buffer and every one is on loan, the delivery is asked to give one
 * back (see {@link FramePool.setReclaimer}): under `dropOldest` and `keepLatest` it drops its
 * oldest waiting frame. Every drop is counted, and the next frame the consumer gets has
 * `flags.droppedBefore` set. Nothing is allocated per frame (a consumer that returns promises
 * allocates its own).
 *
 * @packageDocumentation
 */
import { CameraError, CameraErrorCode } from '../errors.js';
import type { Frame, FrameFlags } from './frame.js';
import type { FramePool } from './pool.js';

/** What happens to frames a busy consumer cannot take; see the module comment. */
export type SlowConsumerPolicy = 'dropOldest' | 'keepLatest' | 'dropNewest';

/** A consumer: return nothing when done on return, or a promise that settles when done. */
export type FrameConsumer = (frame: Frame) => void | PromiseLike<unknown>;

/** Limits of the delivery queue. */
export const DELIVERY_LIMITS = {
  /** Largest queue and in-flight count (the pool has at most 64 buffers anyway). */
  MAX_DEPTH: 64,
  /** Default frames waiting while the consumer is busy. */
  DEFAULT_QUEUE_DEPTH: 2,
  /** Default frames with the consumer at once. */
  DEFAULT_IN_FLIGHT: 1,
} as const;

/** Options of {@link FrameDelivery}. */
export interface DeliveryOptions {
  /** Gets every frame and must release it. */
  onFrame: FrameConsumer;
  /** Default `dropOldest`. */
  policy?: SlowConsumerPolicy;
  /** Frames waiting while the consumer is busy (default 2; 1 under `keepLatest`). */
  queueDepth?: number;
  /** Frames with the consumer at once (default 1). */
  maxInFlight?: number;
  /**
   * Called when the consumer throws or its promise rejects. The frame stays the consumer's
   * (release it there; if it is lost, the pool reclaims it once unreachable).
   */
  onError?(error: unknown, frame: Frame): void;
}

/** Counters of a delivery (live). */
export interface DeliveryCounters {
  /** Frames handed to the consumer. */
  delivered: number;
  /** Frames that had to wait for the consumer. */
  queued: number;
  /** Waiting frames dropped for a newer one (`dropOldest`, `keepLatest`). */
  droppedOldest: number;
  /** Arriving frames dropped because the queue was full (`dropNewest`). */
  droppedNewest: number;
  /** Waiting frames dropped because the assembler needed their buffer. */
  droppedForBuffer: number;
  /** Frames released unseen when the delivery was closed. */
  droppedAtClose: number;
  /** Consumer calls that threw or rejected. */
  consumerErrors: number;
  /** Most frames waiting at once. */
  maxWaiting: number;
}

/** Hands frames to a consumer under a slow-consumer policy; see the module comment. */
export class FrameDelivery {
  readonly policy: SlowConsumerPolicy;
  readonly queueDepth: number;
  readonly maxInFlight: number;
  readonly #onFrame: FrameConsumer;
  readonly #onError: ((error: unknown, frame: Frame) => void) | undefined;
  readonly #queue: Array<Frame | undefined>;
  #head = 0;
  #waiting = 0;
  #inFlight = 0;
  #dropSinceDelivery = false;
  #closed = false;
  #draining = false;
  readonly #settled = (): void => this.#finishOne();
  readonly #counters: DeliveryCounters = {
    delivered: 0,
    queued: 0,
    droppedOldest: 0,
    droppedNewest: 0,
    droppedForBuffer: 0,
    droppedAtClose: 0,
    consumerErrors: 0,
    maxWaiting: 0,
  };

  constructor(options: DeliveryOptions) {
    const policy = options.policy ?? 'dropOldest';
    const queueDepth =
      policy === 'keepLatest' ? 1 : options.queueDepth ?? DELIVERY_LIMITS.DEFAULT_QUEUE_DEPTH;
    const maxInFlight = options.maxInFlight ?? DELIVERY_LIMITS.DEFAULT_IN_FLIGHT;
    checkCount('queueDepth', queueDepth, 0);
    checkCount('maxInFlight', maxInFlight, 1);
    if (!['dropOldest', 'keepLatest', 'dropNewest'].includes(policy)) {
      throw new CameraError(CameraErrorCode.INVALID_ARGUMENT, 'unknown slow-consumer policy', {
        expected: 'dropOldest, keepLatest or dropNewest',
        found: policy,
      });
    }

    this.policy = policy;
    this.queueDepth = queueDepth;
    this.maxInFlight = maxInFlight;
    this.#onFrame = options.onFrame;
    this.#onError = options.onError;
    this.#queue = new Array<Frame | undefined>(Math.max(1, queueDepth)).fill(undefined);
  }

  /** The delivery's counters (live). */
  get counters(): Readonly<DeliveryCounters> {
    return this.#counters;
  }

  /** Frames waiting for the consumer. */
  get waiting(): number {
    return this.#waiting;
  }

  /** Frames with the consumer now (calls not returned, promises not settled). */
  get inFlight(): number {
    return this.#inFlight;
  }

  /** Let `pool` take back waiting frames' buffers when it runs dry (not under `dropNewest`). */
  attach(pool: FramePool): void {
    pool.setReclaimer(this.policy === 'dropNewest' ? undefined : () => this.reclaim());
  }

  /** A frame from the assembler (use as its `onFrame`). */
  push(frame: Frame): void {
    if (this.#closed) {
      this.#counters.droppedAtClose += 1;
      frame.release();
      return;
    }
    if (this.#inFlight < this.maxInFlight && this.#waiting === 0) {
      this.#deliver(frame);
      return;
    }
    this.#enqueue(frame);
  }

  /** Drop the oldest waiting frame to free its buffer; true when one was dropped. */
  reclaim(): boolean {
    if (this.policy === 'dropNewest') return false;
    const frame = this.#take();
    if (frame === undefined) return false;
    this.#counters.droppedForBuffer += 1;
    this.#dropSinceDelivery = true;
    frame.release();
    return true;
  }

  /** Release every waiting frame and refuse new ones (the stream stopped). */
  close(): void {
    this.#closed = true;
    for (let frame = this.#take(); frame !== undefined; frame = this.#take()) {
      this.#counters.droppedAtClose += 1;
      frame.release();
    }
  }

  #enqueue(frame: Frame): void {
    const counters = this.#counters;
    counters.queued += 1;
    if (this.#waiting >= this.queueDepth) {
      if (this.policy === 'dropNewest' || this.queueDepth === 0) {
        counters.droppedNewest += 1;
        this.#dropSinceDelivery = true;
        frame.release();
        return;
      }
      const oldest = this.#take();
      counters.droppedOldest += 1;
      this.#dropSinceDelivery = true;
      oldest?.release();
    }

    const capacity = this.#queue.length;
    this.#queue[(this.#head + this.#waiting) % capacity] = frame;
    this.#waiting += 1;
    counters.maxWaiting = Math.max(counters.maxWaiting, this.#waiting);
  }

  #take(): Frame | undefined {
    if (this.#waiting === 0) return undefined;
    const frame = this.#queue[this.#head];
    this.#queue[this.#head] = undefined;
    this.#head = (this.#head + 1) % this.#queue.length;
    this.#waiting -= 1;
    return frame;
  }

  #deliver(frame: Frame): void {
    if (this.#dropSinceDelivery) {
      // Frames are the pool's own objects; their flags are mutable behind the Readonly type.
      (frame.flags as FrameFlags).droppedBefore = true;
      this.#dropSinceDelivery = false;
    }
    this.#counters.delivered += 1;
    this.#inFlight += 1;

    let result: void | PromiseLike<unknown>;
    try {
      result = this.#onFrame(frame);
    } catch (error) {
      this.#fail(error, frame);
      this.#finishOne();
      return;
    }
    if (result !== undefined && typeof result.then === 'function') {
      result.then(this.#settled, (error: unknown) => {
        this.#fail(error, frame);
        this.#finishOne();
      });
      return;
    }
    this.#finishOne();
  }

  #fail(error: unknown, frame: Frame): void {
    this.#counters.consumerErrors += 1;
    try {
      this.#onError?.(error, frame);
    } catch {
      // An error handler that throws must not break the stream either.
    }
  }

  /** The consumer finished a frame: hand over waiting ones while there is room. */
  #finishOne(): void {
    this.#inFlight -= 1;
    if (this.#draining) return;
    this.#draining = true;
    try {
      while (this.#inFlight < this.maxInFlight && this.#waiting > 0) {
        const next = this.#take();
        if (next !== undefined) this.#deliver(next);
      }
    } finally {
      this.#draining = false;
    }
  }
}

function checkCount(name: string, value: number, minimum: number): void {
  if (!Number.isInteger(value) || value < minimum || value > DELIVERY_LIMITS.MAX_DEPTH) {
    throw new CameraError(CameraErrorCode.INVALID_ARGUMENT, `bad delivery ${name}`, {
      expected: `an integer from ${minimum} to ${DELIVERY_LIMITS.MAX_DEPTH}`,
      found: value,
    });
  }
}
