/**
 * Preallocated frame buffers: the assembler writes each frame into one, the consumer gives it
 * back with `release()`. Nothing is allocated while streaming; when every buffer is on loan the
 * assembler drops the frame (and counts it) instead of allocating.
 *
 * @packageDocumentation
 */
import { CameraError, CameraErrorCode } from '../errors.js';
import type { SourceClockReference } from '../uvc/payload.js';
import type { Frame, FrameFlags } from './frame.js';

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
}

/** What the assembler learned about a frame, handed to {@link FramePool.lend}. */
export interface FrameDetails {
  sequence: number;
  pts?: number;
  scr?: SourceClockReference;
  firstPayloadTime: number;
  lastPayloadTime: number;
  flags: FrameFlags;
}

/** One pooled buffer. `generation` changes at every loan, so a stale `release()` does nothing. */
export class PoolSlot {
  /** The preallocated bytes. */
  readonly buffer: Uint8Array;
  /** True while acquired and not yet released. */
  inUse = false;
  /** Bumped at every acquire. */
  generation = 0;

  constructor(size: number) {
    this.buffer = new Uint8Array(size);
  }
}

/** A preallocated set of frame buffers; see the module comment. */
export class FramePool {
  readonly count: number;
  readonly bufferSize: number;
  readonly #slots: PoolSlot[];
  readonly #free: PoolSlot[];

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
    this.#slots = Array.from({ length: count }, () => new PoolSlot(bufferSize));
    this.#free = [...this.#slots];
  }

  /** Buffers not on loan. */
  get available(): number {
    return this.#free.length;
  }

  /** Take a free buffer, or undefined when all are on loan. Never allocates. */
  acquire(): PoolSlot | undefined {
    const slot = this.#free.pop();
    if (slot === undefined) return undefined;
    slot.inUse = true;
    slot.generation += 1;
    return slot;
  }

  /** Return a buffer taken with {@link acquire} that never became a frame. */
  giveBack(slot: PoolSlot): void {
    this.#release(slot, slot.generation);
  }

  /**
   * Wrap `bytesUsed` bytes of an acquired slot as a {@link Frame} whose `release()` returns the
   * slot, once, and only for this loan.
   */
  lend(slot: PoolSlot, bytesUsed: number, details: FrameDetails): Frame {
    const generation = slot.generation;
    const data = slot.buffer.subarray(0, Math.min(bytesUsed, slot.buffer.length));
    return new PooledFrame(data, details, () => this.#release(slot, generation));
  }

  #release(slot: PoolSlot, generation: number): void {
    if (!slot.inUse || slot.generation !== generation) return;
    slot.inUse = false;
    this.#free.push(slot);
  }
}

/** The {@link Frame} the pool lends. */
class PooledFrame implements Frame {
  readonly data: Uint8Array;
  readonly sequence: number;
  readonly pts?: number;
  readonly scr?: SourceClockReference;
  readonly firstPayloadTime: number;
  readonly lastPayloadTime: number;
  readonly flags: Readonly<FrameFlags>;
  readonly release: () => void;

  constructor(data: Uint8Array, details: FrameDetails, release: () => void) {
    this.data = data;
    this.sequence = details.sequence;
    if (details.pts !== undefined) this.pts = details.pts;
    if (details.scr !== undefined) this.scr = details.scr;
    this.firstPayloadTime = details.firstPayloadTime;
    this.lastPayloadTime = details.lastPayloadTime;
    this.flags = details.flags;
    this.release = release;
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
