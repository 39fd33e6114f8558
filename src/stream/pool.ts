/**
 * Preallocated frame buffers: the assembler writes each frame into one, the consumer gives it
 * back with `release()`. Nothing is allocated while streaming: each buffer comes with one
 * {@link Frame} object that is filled in again at every loan. When every buffer is on loan the
 * pool first asks its reclaimer (the delivery queue, which may drop a frame nobody has seen
 * yet) and otherwise reports none, so the assembler drops the frame instead of allocating.
 *
 * A buffer on loan is held only by the consumer: the pool keeps no strong reference to it, its
 * frame object or any view of it. If the consumer forgets to release a frame and drops every
 * reference to its bytes, the garbage collector reclaims the buffer; a FinalizationRegistry
 * then counts the leak and puts a fresh buffer in its place. So the pool never hands out a
 * buffer something can still read: a buffer comes back either through `release()` (the
 * consumer's promise that it is done) or when nothing can reach it any more.
 *
 * @packageDocumentation
 */
import { CameraError, CameraErrorCode } from '../errors.js';
import type { SourceClockReference } from '../uvc/payload.js';
import { cleanFrameFlags, type Frame, type FrameFlags } from './frame.js';

/** Limits that keep a bad descriptor or probe answer from allocating without bound. */
export const FRAME_POOL_LIMITS = {
  /** Largest buffer: 8K (7680×4320) at 4 bytes per pixel fits with room to spare. */
  MAX_BUFFER_SIZE: 256 * 1024 * 1024,
  /** Most buffers in one pool. */
  MAX_COUNT: 64,
} as const;

/** Where a frame buffer size can come from, best first. */
export interface FrameSizeSources {
  /** dwMaxVideoFrameSize of the committed probe (UVC 1.5 §4.3.1.1); 0 means unspecified. */
  dwMaxVideoFrameSize?: number;
  /** dwMaxVideoFrameBufferSize of the frame descriptor (UVC 1.5 §3.9.2.2, deprecated in 1.5). */
  dwMaxVideoFrameBufferSize?: number;
  /** wWidth of the frame descriptor. */
  wWidth?: number;
  /** wHeight of the frame descriptor. */
  wHeight?: number;
  /** Bits per pixel (bBitsPerPixel of an uncompressed format). */
  bitsPerPixel?: number;
}

/**
 * Bytes an uncompressed frame holds: width × height × bits per pixel / 8, rounded up
 * (NV12 at 12 bits per pixel has 1.5 bytes per pixel).
 */
export function uncompressedFrameSize(width: number, height: number, bitsPerPixel: number): number {
  return Math.ceil((width * height * bitsPerPixel) / 8);
}

/**
 * The buffer size for frames of a stream: dwMaxVideoFrameSize when the device gave one, else the
 * frame descriptor's dwMaxVideoFrameBufferSize, else width × height × bits per pixel / 8 (bugs.md
 * §4: 0 means unspecified). Throws a CameraError (7400101) when no source gives a usable size or
 * the size is beyond {@link FRAME_POOL_LIMITS}.
 */
export function frameBufferSize(sources: FrameSizeSources): number {
  const { wWidth, wHeight, bitsPerPixel } = sources;
  const geometry =
    wWidth !== undefined && wHeight !== undefined && bitsPerPixel !== undefined
      ? uncompressedFrameSize(wWidth, wHeight, bitsPerPixel)
      : undefined;
  const candidates = [sources.dwMaxVideoFrameSize, sources.dwMaxVideoFrameBufferSize, geometry];
  const size = candidates.find((value) => value !== undefined && value > 0 && value < Infinity);
  if (size === undefined) {
    throw new CameraError(CameraErrorCode.INVALID_ARGUMENT, 'no usable frame buffer size', {
      expected: 'dwMaxVideoFrameSize, dwMaxVideoFrameBufferSize or width × height × bpp above 0',
      found: sources,
    });
  }
  checkBufferSize(size);
  return size;
}

/** How to build a pool. */
export interface FramePoolOptions {
  /** Number of buffers (1..64). Frames the consumer holds count against it. */
  count: number;
  /** Bytes per buffer, e.g. from {@link frameBufferSize}. */
  bufferSize: number;
  /**
   * Back the buffers with SharedArrayBuffers so worker threads read frames without a copy
   * (see `convert-pool.ts`). Ignored where SharedArrayBuffer is unavailable. Default false.
   */
  shared?: boolean;
}

/** What the assembler learned about a frame, handed to {@link FramePool.lend}. */
export interface FrameDetails {
  sequence: number;
  pts?: number;
  scr?: SourceClockReference;
  firstPayloadTime: number;
  lastPayloadTime: number;
  /** Host time of the frame (µs), monotonic; `firstPayloadTime` when absent. */
  timestamp?: number;
  /** True when `timestamp` comes from the device clock (PTS). */
  timestampFromDevice?: boolean;
  flags: FrameFlags;
}

/** Counters of a pool (live). */
export interface FramePoolCounters {
  /** Frames lent to consumers. */
  lent: number;
  /** Frames consumers released. */
  released: number;
  /** Frames never released whose buffers the garbage collector reclaimed (consumer bugs). */
  leaked: number;
  /** Times every buffer was on loan when one was needed. */
  exhausted: number;
  /** Buffers freed by the reclaimer (a queued frame dropped) when every buffer was on loan. */
  reclaimed: number;
}

/**
 * Asked for a buffer when every one is on loan; returns true when it released a frame (for
 * instance by dropping the oldest frame no consumer has seen yet).
 */
export type PoolReclaimer = () => boolean;

/**
 * One pooled buffer. `generation` changes at every acquire, so a late `release()` of an earlier
 * loan does nothing.
 */
export class PoolSlot {
  /** The preallocated bytes; empty while the buffer is lent (the pool then holds no reference). */
  buffer: Uint8Array;
  /** True while acquired or lent and not yet released. */
  inUse = false;
  /** True while lent to a consumer. */
  lent = false;
  /** Bumped at every acquire. */
  generation = 0;
  /** Bumped whenever the buffer is replaced after a leak. */
  epoch = 0;
  /** The frame object of the current buffer, while the pool holds it. */
  frame: PooledFrame | undefined;

  constructor(buffer: Uint8Array) {
    this.buffer = buffer;
  }
}

/** The view a lent slot shows in place of its buffer. */
const LENT = new Uint8Array(0);

/** What the finalization registry keeps for a buffer: its slot and the slot's epoch. */
interface BufferTicket {
  slot: PoolSlot;
  epoch: number;
}

/** A preallocated set of frame buffers; see the module comment. */
export class FramePool {
  readonly count: number;
  readonly bufferSize: number;
  readonly shared: boolean;
  readonly #slots: PoolSlot[];
  readonly #free: PoolSlot[];
  #freeCount: number;
  #reclaimer: PoolReclaimer | undefined;
  readonly #counters: FramePoolCounters = {
    lent: 0,
    released: 0,
    leaked: 0,
    exhausted: 0,
    reclaimed: 0,
  };
  readonly #registry: FinalizationRegistry<BufferTicket>;

  constructor(options: FramePoolOptions) {
    const { count, bufferSize } = options;
    if (!Number.isInteger(count) || count < 1 || count > FRAME_POOL_LIMITS.MAX_COUNT) {
      throw new CameraError(CameraErrorCode.INVALID_ARGUMENT, 'bad frame pool size', {
        expected: `an integer number of buffers from 1 to ${FRAME_POOL_LIMITS.MAX_COUNT}`,
        found: count,
      });
    }
    checkBufferSize(bufferSize);

    this.count = count;
    this.bufferSize = bufferSize;
    this.shared = (options.shared ?? false) && typeof SharedArrayBuffer === 'function';
    this.#registry = new FinalizationRegistry((ticket) => this.#recover(ticket));
    this.#slots = Array.from({ length: count }, () => this.#newSlot());
    this.#free = [...this.#slots];
    this.#freeCount = count;
  }

  /** Buffers not on loan. */
  get available(): number {
    return this.#freeCount;
  }

  /** The pool's counters (live). */
  get counters(): Readonly<FramePoolCounters> {
    return this.#counters;
  }

  /** Set (or clear) the function asked to free a buffer when every one is on loan. */
  setReclaimer(reclaimer: PoolReclaimer | undefined): void {
    this.#reclaimer = reclaimer;
  }

  /** Take a free buffer, or undefined when all are on loan and none could be reclaimed. */
  acquire(): PoolSlot | undefined {
    if (this.#freeCount === 0) {
      this.#counters.exhausted += 1;
      if (this.#reclaimer === undefined || !this.#reclaimer() || this.#freeCount === 0) {
        return undefined;
      }
      this.#counters.reclaimed += 1;
    }

    this.#freeCount -= 1;
    const slot = this.#free[this.#freeCount];
    if (slot === undefined) return undefined;
    slot.inUse = true;
    slot.generation += 1;
    return slot;
  }

  /** Return a buffer taken with {@link acquire} that never became a frame. */
  giveBack(slot: PoolSlot): void {
    if (!slot.inUse || slot.lent) return;
    this.#putBack(slot);
  }

  /**
   * Lend `bytesUsed` bytes of an acquired slot as its {@link Frame}, filled in from `details`
   * (copied: the caller may reuse `details`). The frame's `release()` returns the slot, once,
   * and only for this loan. Allocates nothing.
   */
  lend(slot: PoolSlot, bytesUsed: number, details: FrameDetails): Frame {
    const frame = slot.frame;
    if (!slot.inUse || slot.lent || frame === undefined) {
      throw new CameraError(CameraErrorCode.SERVICE_FATAL_ERROR, 'lending a pool slot twice', {
        expected: 'an acquired slot that is not on loan',
        found: slot.lent ? 'a lent slot' : 'a free slot',
      });
    }

    frame.fill(bytesUsed, details, slot.generation);
    // The consumer now holds the only references to the buffer and its frame.
    slot.lent = true;
    slot.buffer = LENT;
    slot.frame = undefined;
    this.#counters.lent += 1;
    return frame;
  }

  /** Called by a frame's `release()`. */
  releaseFrame(frame: PooledFrame, slot: PoolSlot, generation: number): void {
    if (!slot.lent || slot.generation !== generation) return;
    slot.lent = false;
    slot.buffer = frame.bytes;
    slot.frame = frame;
    this.#counters.released += 1;
    this.#putBack(slot);
  }

  #putBack(slot: PoolSlot): void {
    slot.inUse = false;
    this.#free[this.#freeCount] = slot;
    this.#freeCount += 1;
  }

  #newSlot(): PoolSlot {
    const slot = new PoolSlot(LENT);
    this.#attachBuffer(slot);
    return slot;
  }

  /** Give `slot` a fresh buffer and frame object, watched by the registry. */
  #attachBuffer(slot: PoolSlot): void {
    const size = this.bufferSize;
    const memory = this.shared ? new SharedArrayBuffer(size) : new ArrayBuffer(size);
    const bytes = new Uint8Array(memory);
    slot.buffer = bytes;
    slot.frame = new PooledFrame(this, slot, bytes);
    this.#registry.register(memory, { slot, epoch: slot.epoch });
  }

  /** A lent buffer became unreachable without `release()`: count it and replace it. */
  #recover(ticket: BufferTicket): void {
    const { slot, epoch } = ticket;
    if (slot.epoch !== epoch || !slot.lent) return;
    slot.epoch += 1;
    slot.lent = false;
    this.#attachBuffer(slot);
    this.#counters.leaked += 1;
    this.#putBack(slot);
  }
}

/** The {@link Frame} each pooled buffer carries, refilled at every loan. */
export class PooledFrame implements Frame {
  /** The whole buffer. */
  readonly bytes: Uint8Array;
  sequence = 0;
  pts: number | undefined = undefined;
  scr: SourceClockReference | undefined = undefined;
  firstPayloadTime = 0;
  lastPayloadTime = 0;
  timestamp = 0;
  timestampFromDevice = false;
  readonly flags: FrameFlags = cleanFrameFlags();
  readonly release: () => void;
  readonly #pool: FramePool;
  readonly #slot: PoolSlot;
  readonly #scr: SourceClockReference = { stc: 0, sof: 0 };
  #generation = 0;
  #length = 0;
  #view: Uint8Array;

  constructor(pool: FramePool, slot: PoolSlot, bytes: Uint8Array) {
    this.#pool = pool;
    this.#slot = slot;
    this.bytes = bytes;
    this.#view = bytes.subarray(0, 0);
    // Bound once per buffer, so that `const { release } = frame` works and loans allocate nothing.
    this.release = () => this.#pool.releaseFrame(this, this.#slot, this.#generation);
  }

  /** The frame's bytes: a view of the first `byteLength` bytes of the pooled buffer. */
  get data(): Uint8Array {
    // The view is cached: frames of one size (uncompressed streams) never allocate.
    if (this.#view.length !== this.#length) this.#view = this.bytes.subarray(0, this.#length);
    return this.#view;
  }

  /** Bytes in the frame. */
  get byteLength(): number {
    return this.#length;
  }

  /** Fill in a new loan (called by the pool). */
  fill(bytesUsed: number, details: FrameDetails, generation: number): void {
    this.#generation = generation;
    this.#length = Math.max(0, Math.min(bytesUsed, this.bytes.length));
    this.sequence = details.sequence;
    this.pts = details.pts;
    if (details.scr === undefined) {
      this.scr = undefined;
    } else {
      this.#scr.stc = details.scr.stc;
      this.#scr.sof = details.scr.sof;
      this.scr = this.#scr;
    }
    this.firstPayloadTime = details.firstPayloadTime;
    this.lastPayloadTime = details.lastPayloadTime;
    this.timestamp = details.timestamp ?? details.firstPayloadTime;
    this.timestampFromDevice = details.timestampFromDevice ?? false;
    const flags = this.flags;
    flags.error = details.flags.error;
    flags.incomplete = details.flags.incomplete;
    flags.overflow = details.flags.overflow;
    flags.wrongSize = details.flags.wrongSize;
    flags.droppedBefore = details.flags.droppedBefore;
  }
}

function checkBufferSize(size: number): void {
  if (!Number.isInteger(size) || size < 1 || size > FRAME_POOL_LIMITS.MAX_BUFFER_SIZE) {
    throw new CameraError(CameraErrorCode.INVALID_ARGUMENT, 'bad frame buffer size', {
      expected: `an integer number of bytes from 1 to ${FRAME_POOL_LIMITS.MAX_BUFFER_SIZE}`,
      found: size,
    });
  }
}
