/**
 * A video frame handed to a consumer: a view over a pooled buffer plus what the payload
 * headers and the host clock said about it.
 *
 * @packageDocumentation
 */
import type { SourceClockReference } from '../uvc/payload.js';

/** What went wrong with a frame; a frame is good when none of the first four is set. */
export interface FrameFlags {
  /** A payload of the frame had the ERR bit set (UVC 1.5 §2.4.3.3). */
  error: boolean;
  /**
   * Data is missing: the frame's start was not seen, a packet or transfer failed, a payload
   * had an invalid header, or (MJPEG) the EOF was lost and the next SOI ended the frame.
   */
  incomplete: boolean;
  /** The frame outgrew its pooled buffer; the bytes beyond it were not written. */
  overflow: boolean;
  /** Uncompressed only: the byte count differs from width × height × bytes per pixel. */
  wrongSize: boolean;
  /** A frame or stale payload was lost between the previous delivered frame and this one. */
  droppedBefore: boolean;
}

/** True when the flags describe a frame fit to show: no error, nothing missing, right size. */
export function isGoodFrame(flags: FrameFlags): boolean {
  return !flags.error && !flags.incomplete && !flags.overflow && !flags.wrongSize;
}

/**
 * A frame on loan from a {@link FramePool}. Call `release()` once done with `data`; the buffer
 * is reused afterwards, so `data` must not be read after releasing. The frame object itself
 * belongs to its buffer and is reused for a later frame, so keep no reference to it either.
 * A frame that is never released comes back to the pool only once nothing can reach its bytes
 * (the pool counts it as leaked).
 */
export interface Frame {
  /** The frame's bytes: a view of the bytes used over the pooled buffer. */
  readonly data: Uint8Array;
  /** `data.length`, without creating the view. */
  readonly byteLength: number;
  /** Counts every frame the assembler ended, delivered or not, from 0; gaps mean losses. */
  readonly sequence: number;
  /** dwPresentationTime of the first header of the frame that carried one. */
  readonly pts?: number;
  /** scrSourceClock of the first header of the frame that carried one. */
  readonly scr?: SourceClockReference;
  /** Host time (µs, from the injected clock) of the payload that started the frame. */
  readonly firstPayloadTime: number;
  /** Host time (µs) of the last payload of the frame. */
  readonly lastPayloadTime: number;
  /**
   * Host time (µs) of the frame, monotonic across the stream: its PTS converted to host time
   * when the stream has a device clock (see `clock.ts`), else `firstPayloadTime`.
   */
  readonly timestamp: number;
  /** True when `timestamp` comes from the device clock. */
  readonly timestampFromDevice: boolean;
  /** What went wrong, if anything. */
  readonly flags: Readonly<FrameFlags>;
  /** Give the buffer back to the pool. Calling it again is harmless. */
  release(): void;
}

/** Fresh flags with nothing set. */
export function cleanFrameFlags(): FrameFlags {
  return {
    error: false,
    incomplete: false,
    overflow: false,
    wrongSize: false,
    droppedBefore: false,
  };
}
