/**
 * The frame assembler: turns UVC payloads into frames in pooled buffers.
 *
 * A payload driver (bulk or isochronous) calls three phases per payload. Their contract:
 *
 * - **header** ({@link FrameAssembler.payloadStart}): validate the header (UVC 1.5 §2.4.3.3).
 *   An invalid header before the first valid one is stale data from an earlier stream
 *   (bugs.md §2) and is dropped and counted; later, it loses the payload and marks the frame in
 *   progress incomplete. A valid header ends the frame in progress when its FID differs from
 *   the frame's, or (MJPEG) when its data starts with SOI `ff d8` while the frame holds data
 *   and saw no EOF (a lost EOF: that frame is incomplete). A payload that finds no frame in
 *   progress (stream start, or after an EOF) opens one, whatever its FID: this is what makes
 *   EOF-only framing work on devices whose FID never toggles (bugs.md §11). The header's PTS,
 *   SCR and ERR are recorded in the frame; the bytes after the header go to the data phase.
 * - **data** ({@link FrameAssembler.payloadData}, also called by the header phase): copy the
 *   bytes into the frame's pooled buffer. This is the only copy between the transport and the
 *   consumer. A frame's buffer is taken from the pool at its first byte; when the pool is
 *   empty the frame's bytes are skipped and the frame is counted as dropped. Bytes beyond the
 *   buffer are never written: the frame is flagged `overflow`.
 * - **end** ({@link FrameAssembler.payloadEnd}): apply the EOF bit of the payload's header
 *   (a bulk payload's header comes first but its EOF applies after its last transfer). EOF
 *   ends the frame even when the payload carried no data (bugs.md §3, §13).
 *
 * Ending a frame: a frame without bytes is forgotten. Otherwise it gets the next sequence
 * number and is judged: ERR seen → error; buffer overflow → overflow; data missing (start not
 * seen, lost packet, invalid header, MJPEG without SOI at its start) → incomplete; uncompressed
 * and not `expectedFrameSize` bytes → wrong size. Good frames go to `onFrame`; bad ones are
 * counted under the first of those reasons and go to `onFrame` only with `deliverBad`.
 * Frames are handed over after the phase that ended them has finished, so the assembler's
 * state is consistent even if `onFrame` throws (the first error is rethrown).
 *
 * Clock: every valid header with an SCR is handed to the optional {@link FrameClock}
 * (`frameClock`) with the payload's sample time, and a frame's `timestamp` comes from it (its
 * PTS in host time); without one, `timestamp` is the first payload's arrival.
 *
 * Nothing is allocated per payload or per frame, except one view of the transport's buffer per
 * copied range (JavaScript copies between buffers only through a view of the source range).
 *
 * @packageDocumentation
 */
import { CameraError, CameraErrorCode } from '../errors.js';
import { PayloadHeaderFields, readPayloadHeader } from '../uvc/payload.js';
import type { FrameClock } from './clock.js';
import { cleanFrameFlags, isGoodFrame, type Frame, type FrameFlags } from './frame.js';
import type { FrameDetails, FramePool, PoolSlot } from './pool.js';

/** JPEG markers (ISO/IEC 10918-1 Table B.1). */
export const JPEG_MARKER = {
  PREFIX: 0xff,
  SOI: 0xd8,
  EOI: 0xd9,
} as const;

/** How to assemble a stream. */
export interface AssemblerOptions {
  /** Where frame buffers come from. */
  pool: FramePool;
  /** True for MJPEG, H.264 and other formats whose frames vary in size. */
  compressed: boolean;
  /**
   * MJPEG only: a payload starting with SOI starts a frame (UVC_QUIRK_MJPEG_NO_EOF), and a
   * frame that does not start with SOI is incomplete. Default false.
   */
  mjpeg?: boolean;
  /** Uncompressed only: bytes per frame, width × height × bytes per pixel. */
  expectedFrameSize?: number;
  /** Hand bad frames to `onFrame` too, with their flags set. Default false. */
  deliverBad?: boolean;
  /** Called with every delivered frame; the consumer calls `frame.release()` when done. */
  onFrame(frame: Frame): void;
  /** Host clock in microseconds, used when a caller passes no time. Default `performance.now()`. */
  clock?: () => number;
  /** Device clock recovery: gets every SCR, gives frame timestamps (see `clock.ts`). */
  frameClock?: FrameClock;
}

/** Always-on counters; every ended frame lands in exactly one `frames*` counter. */
export interface AssemblerCounters {
  /** Payloads with a valid header. */
  payloads: number;
  /** Valid payloads with no bytes after the header (length == HLE). */
  headerOnlyPayloads: number;
  /** Good frames handed to `onFrame`. */
  framesDelivered: number;
  /** Frames dropped because every pool buffer was on loan. */
  framesDropped: number;
  /** Frames with the ERR bit in a payload. */
  framesError: number;
  /** Frames that outgrew their buffer. */
  framesOverflow: number;
  /** Frames with data missing. */
  framesIncomplete: number;
  /** Uncompressed frames of the wrong byte count. */
  framesWrongSize: number;
  /** Bad frames handed to `onFrame` because of `deliverBad` (also counted above). */
  badFramesDelivered: number;
  /** Bytes before the first valid header, dropped (bugs.md §2). */
  staleBytes: number;
  /** Payloads whose header was invalid after the stream was in sync. */
  invalidHeaders: number;
  /** Bytes of those payloads, dropped. */
  discardedBytes: number;
  /** Bytes copied into frame buffers. */
  bytesCopied: number;
  /** Packets or transfers the transport reported as failed. */
  lostPayloads: number;
  /** Payloads with data after an EOF that kept the FID: the device frames by EOF alone (§11). */
  fidStuckAfterEof: number;
}

/** What the payload being decoded turned out to be. */
type PayloadState = 'none' | 'valid' | 'stale' | 'invalid';

/** Default host clock: microseconds from `performance.now()`, available in browsers and Node. */
export function defaultClock(): number {
  return performance.now() * 1000;
}

function zeroCounters(): AssemblerCounters {
  return {
    payloads: 0,
    headerOnlyPayloads: 0,
    framesDelivered: 0,
    framesDropped: 0,
    framesError: 0,
    framesOverflow: 0,
    framesIncomplete: 0,
    framesWrongSize: 0,
    badFramesDelivered: 0,
    staleBytes: 0,
    invalidHeaders: 0,
    discardedBytes: 0,
    bytesCopied: 0,
    lostPayloads: 0,
    fidStuckAfterEof: 0,
  };
}

/** Assembles frames from payloads; see the module comment for the phases. */
export class FrameAssembler {
  readonly #pool: FramePool;
  readonly #compressed: boolean;
  readonly #mjpeg: boolean;
  readonly #expectedFrameSize: number | undefined;
  readonly #deliverBad: boolean;
  readonly #onFrame: (frame: Frame) => void;
  readonly #clock: () => number;
  readonly #frameClock: FrameClock | undefined;
  readonly #counters: AssemblerCounters = zeroCounters();
  readonly #flags: FrameFlags = cleanFrameFlags();
  readonly #scr = { stc: 0, sof: 0 };
  readonly #details: FrameDetails = {
    sequence: 0,
    firstPayloadTime: 0,
    lastPayloadTime: 0,
    timestamp: 0,
    timestampFromDevice: false,
    flags: this.#flags,
  };

  // Stream state.
  #synced = false;
  #afterEof = false;
  #eofFid = 0;
  #pendingLoss = false;
  #lossSinceDelivery = false;
  #sequence = 0;

  // The payload being decoded.
  readonly #header = new PayloadHeaderFields();
  #payloadState: PayloadState = 'none';

  // The frame in progress.
  #frameOpen = false;
  #frameFid = 0;
  #slot: PoolSlot | undefined = undefined;
  #bytesUsed = 0;
  #bytesSeen = 0;
  #dropping = false;
  #error = false;
  #incomplete = false;
  #overflow = false;
  #pts: number | undefined = undefined;
  /** True once PTS/SCR came from a payload with data. */
  #timesFromData = false;
  #stc = 0;
  #sof = 0;
  #hasScr = false;
  #firstPayloadTime = 0;
  #lastPayloadTime = 0;

  // Frames ended but not yet handed to onFrame (at most a few per payload).
  readonly #ready: Array<Frame | undefined> = [];
  #readyCount = 0;

  constructor(options: AssemblerOptions) {
    const { pool, expectedFrameSize } = options;
    if (!options.compressed && expectedFrameSize !== undefined) {
      const fits = Number.isInteger(expectedFrameSize) && expectedFrameSize >= 1;
      if (!fits || expectedFrameSize > pool.bufferSize) {
        const message = 'uncompressed frame size does not fit the pool';
        throw new CameraError(CameraErrorCode.INVALID_ARGUMENT, message, {
          expected: `an integer from 1 to the pool's buffer size ${pool.bufferSize}`,
          found: expectedFrameSize,
        });
      }
    }

    this.#pool = pool;
    this.#compressed = options.compressed;
    this.#mjpeg = options.mjpeg ?? false;
    this.#expectedFrameSize = options.compressed ? undefined : expectedFrameSize;
    this.#deliverBad = options.deliverBad ?? false;
    this.#onFrame = options.onFrame;
    this.#clock = options.clock ?? defaultClock;
    this.#frameClock = options.frameClock;
  }

  /** The always-on counters (live; read them at any time). */
  get counters(): Readonly<AssemblerCounters> {
    return this.#counters;
  }

  /** The host time in microseconds from the injected clock. */
  now(): number {
    return this.#clock();
  }

  /**
   * Header phase, then data phase for the rest of the bytes: the payload of `length` bytes at
   * `offset` begins here. Call {@link payloadEnd} after its last bytes.
   */
  payloadStart(
    bytes: Uint8Array,
    offset: number,
    length: number,
    hostTimeUs = this.#clock(),
  ): void {
    if (this.#payloadState !== 'none') this.#endPayload();
    this.#startPayload(bytes, offset, length, hostTimeUs, hostTimeUs);
    this.#dispatch();
  }

  /** Data phase: more bytes of the current payload (a bulk continuation transfer). */
  payloadData(bytes: Uint8Array, offset: number, length: number, hostTimeUs = this.#clock()): void {
    this.#continuePayload(bytes, offset, length, hostTimeUs);
  }

  /** End phase: the current payload is over; its EOF, if set, ends the frame. */
  payloadEnd(): void {
    this.#endPayload();
    this.#dispatch();
  }

  /**
   * All three phases for a payload that arrived whole (an isochronous packet). `sampleTimeUs`
   * is the best estimate of when the packet crossed the bus, for the clock (an isochronous
   * driver back-dates the packets of a transfer from its completion); default `hostTimeUs`.
   */
  pushPayload(
    bytes: Uint8Array,
    offset = 0,
    length = bytes.length - offset,
    hostTimeUs = this.#clock(),
    sampleTimeUs = hostTimeUs,
  ): void {
    if (this.#payloadState !== 'none') this.#endPayload();
    this.#startPayload(bytes, offset, length, hostTimeUs, sampleTimeUs);
    this.#endPayload();
    this.#dispatch();
  }

  /**
   * A packet or transfer that should have carried payload bytes failed: the frame in progress
   * (or, between frames, the next one) is incomplete.
   */
  payloadLost(): void {
    this.#counters.lostPayloads += 1;
    this.#markLoss();
  }

  /** The stream stopped: end the frame in progress (incomplete, it saw no end). */
  flush(): void {
    if (this.#payloadState !== 'none') this.#endPayload();
    if (this.#frameOpen) {
      this.#incomplete = true;
      this.#endFrame();
    }
    this.#dispatch();
  }

  /** Forget the stream (before a restart): drop the frame in progress and wait for a header. */
  reset(): void {
    if (this.#slot !== undefined) this.#pool.giveBack(this.#slot);
    this.#slot = undefined;
    this.#frameOpen = false;
    this.#payloadState = 'none';
    this.#synced = false;
    this.#afterEof = false;
    this.#pendingLoss = false;
  }

  #startPayload(
    bytes: Uint8Array,
    offset: number,
    length: number,
    hostTimeUs: number,
    sampleTimeUs: number,
  ): void {
    const header = this.#header;
    const problem = readPayloadHeader(bytes, offset, length, header);
    if (problem !== undefined) {
      this.#rejectPayload(length);
      return;
    }
    if (header.hasScr) this.#frameClock?.sample(header.stc, header.sof, sampleTimeUs);

    this.#synced = true;
    this.#payloadState = 'valid';
    this.#counters.payloads += 1;
    const dataOffset = offset + header.bHeaderLength;
    const dataLength = length - header.bHeaderLength;
    if (dataLength === 0) this.#counters.headerOnlyPayloads += 1;

    // Does this payload end the frame in progress?
    const startsWithSoi = this.#mjpeg && startsWithJpegSoi(bytes, dataOffset, dataLength);
    if (this.#frameOpen && header.fid !== this.#frameFid) {
      this.#endFrame();
    } else if (this.#frameOpen && startsWithSoi && this.#bytesSeen > 0) {
      this.#incomplete = true;
      this.#endFrame();
    }

    // Open a frame when none is in progress.
    if (!this.#frameOpen) {
      const fidStuck = this.#afterEof && header.fid === this.#eofFid && dataLength > 0;
      if (fidStuck) this.#counters.fidStuckAfterEof += 1;
      this.#openFrame(hostTimeUs, startsWithSoi);
    }

    this.#recordHeader(dataLength > 0);
    this.#copy(bytes, dataOffset, dataLength, hostTimeUs);
  }

  #rejectPayload(length: number): void {
    if (!this.#synced) {
      this.#payloadState = 'stale';
      this.#counters.staleBytes += Math.max(length, 0);
      this.#pendingLoss = true;
      this.#lossSinceDelivery = true;
      return;
    }
    this.#payloadState = 'invalid';
    this.#counters.invalidHeaders += 1;
    this.#counters.discardedBytes += Math.max(length, 0);
    this.#markLoss();
  }

  #continuePayload(bytes: Uint8Array, offset: number, length: number, hostTimeUs: number): void {
    switch (this.#payloadState) {
      case 'valid':
        this.#copy(bytes, offset, length, hostTimeUs);
        return;
      case 'stale':
        this.#counters.staleBytes += Math.max(length, 0);
        return;
      default:
        // Bytes of a payload whose header was invalid, or of no payload at all.
        this.#counters.discardedBytes += Math.max(length, 0);
    }
  }

  #endPayload(): void {
    const valid = this.#payloadState === 'valid';
    this.#payloadState = 'none';
    if (!valid || !this.#header.eof) return;

    this.#endFrame();
    this.#afterEof = true;
    this.#eofFid = this.#header.fid;
  }

  #openFrame(hostTimeUs: number, startsWithSoi: boolean): void {
    this.#frameOpen = true;
    this.#frameFid = this.#header.fid;
    this.#afterEof = false;
    this.#slot = undefined;
    this.#bytesUsed = 0;
    this.#bytesSeen = 0;
    this.#dropping = false;
    this.#error = false;
    // A loss just before this frame may have taken its start, unless SOI proves the start is here.
    this.#incomplete = this.#pendingLoss && !startsWithSoi;
    this.#pendingLoss = false;
    this.#overflow = false;
    this.#pts = undefined;
    this.#hasScr = false;
    this.#timesFromData = false;
    this.#firstPayloadTime = hostTimeUs;
    this.#lastPayloadTime = hostTimeUs;
  }

  /**
   * Keep the frame's PTS and SCR from its first payload that carries data. Header-only payloads
   * that open a frame (idle isochronous packets with the next frame's FID) still carry the
   * previous frame's PTS on real cameras (the Vaultmicro capture, bugs.md §13); they count only
   * when no data payload brings one.
   */
  #recordHeader(hasData: boolean): void {
    const header = this.#header;
    if (header.err) this.#error = true;
    const authoritative = hasData && !this.#timesFromData;
    if (header.hasPts && (authoritative || this.#pts === undefined)) this.#pts = header.pts;
    if (header.hasScr && (authoritative || !this.#hasScr)) {
      this.#hasScr = true;
      this.#stc = header.stc;
      this.#sof = header.sof;
    }
    if (authoritative) this.#timesFromData = true;
  }

  /** The data phase: the only copy, bounded by the pooled buffer. */
  #copy(bytes: Uint8Array, offset: number, length: number, hostTimeUs: number): void {
    this.#lastPayloadTime = hostTimeUs;
    const available = Math.min(length, bytes.length - offset);
    if (available <= 0) return;
    if (available < length) this.#incomplete = true;
    this.#bytesSeen += available;
    if (this.#dropping) return;

    if (this.#slot === undefined) {
      this.#slot = this.#pool.acquire();
      if (this.#slot === undefined) {
        this.#dropping = true;
        return;
      }
    }

    const buffer = this.#slot.buffer;
    const count = Math.min(available, buffer.length - this.#bytesUsed);
    if (count < available) this.#overflow = true;
    if (count <= 0) return;
    // TypedArray.set on a subarray view copies natively; measured ~30x faster than a byte loop.
    // A whole buffer (a bulk continuation transfer) needs no view.
    // TODO: the view is the one allocation per packet left (about 100 bytes); it goes away only
    // if the transport writes payload data into our buffers (the native binding could).
    const whole = offset === 0 && count === bytes.length;
    buffer.set(whole ? bytes : bytes.subarray(offset, offset + count), this.#bytesUsed);
    this.#bytesUsed += count;
    this.#counters.bytesCopied += count;
  }

  #markLoss(): void {
    if (this.#frameOpen) this.#incomplete = true;
    else this.#pendingLoss = true;
  }

  #endFrame(): void {
    if (!this.#frameOpen) return;
    this.#frameOpen = false;
    const slot = this.#slot;
    this.#slot = undefined;

    // A frame that never carried a byte (idle header-only payloads) is no frame.
    if (this.#bytesSeen === 0) {
      if (slot !== undefined) this.#pool.giveBack(slot);
      return;
    }

    const sequence = this.#sequence;
    this.#sequence += 1;
    if (this.#dropping || slot === undefined) {
      this.#counters.framesDropped += 1;
      this.#lossSinceDelivery = true;
      return;
    }

    const flags = this.#judge(slot);
    this.#count(flags);
    const good = isGoodFrame(flags);
    if (!good && !this.#deliverBad) {
      this.#pool.giveBack(slot);
      this.#lossSinceDelivery = true;
      return;
    }

    flags.droppedBefore = this.#lossSinceDelivery;
    this.#lossSinceDelivery = false;
    if (!good) this.#counters.badFramesDelivered += 1;

    const details = this.#details;
    details.sequence = sequence;
    details.firstPayloadTime = this.#firstPayloadTime;
    details.lastPayloadTime = this.#lastPayloadTime;
    details.pts = this.#pts;
    details.scr = undefined;
    if (this.#hasScr) {
      this.#scr.stc = this.#stc;
      this.#scr.sof = this.#sof;
      details.scr = this.#scr;
    }
    const clock = this.#frameClock;
    details.timestamp = this.#firstPayloadTime;
    details.timestampFromDevice = false;
    if (clock !== undefined) {
      details.timestamp = clock.frameTimestamp(
        this.#pts,
        this.#firstPayloadTime,
        this.#lastPayloadTime,
      );
      details.timestampFromDevice = clock.fromDevice;
    }
    this.#ready[this.#readyCount] = this.#pool.lend(slot, this.#bytesUsed, details);
    this.#readyCount += 1;
  }

  #judge(slot: PoolSlot): FrameFlags {
    const flags = this.#flags;
    flags.droppedBefore = false;
    flags.error = this.#error;
    flags.overflow = this.#overflow;
    flags.incomplete = this.#incomplete;
    if (this.#mjpeg && !startsWithJpegSoi(slot.buffer, 0, this.#bytesUsed)) flags.incomplete = true;
    const expected = this.#expectedFrameSize;
    flags.wrongSize = !this.#compressed && expected !== undefined && this.#bytesUsed !== expected;
    return flags;
  }

  #count(flags: FrameFlags): void {
    const counters = this.#counters;
    if (flags.error) counters.framesError += 1;
    else if (flags.overflow) counters.framesOverflow += 1;
    else if (flags.incomplete) counters.framesIncomplete += 1;
    else if (flags.wrongSize) counters.framesWrongSize += 1;
    else counters.framesDelivered += 1;
  }

  /** Hand ended frames to the consumer; every frame is handed over even if one call throws. */
  #dispatch(): void {
    if (this.#readyCount === 0) return;
    let failed = false;
    let failure: unknown;
    // onFrame may feed the assembler again (a test harness does): take each frame out first.
    for (let index = 0; index < this.#readyCount; index += 1) {
      const frame = this.#ready[index];
      if (frame === undefined) continue;
      this.#ready[index] = undefined;
      try {
        this.#onFrame(frame);
      } catch (error) {
        if (!failed) failure = error;
        failed = true;
      }
    }
    this.#readyCount = 0;
    if (failed) throw failure;
  }
}

/** True when the `length` bytes at `offset` begin with the JPEG SOI marker `ff d8`. */
export function startsWithJpegSoi(bytes: Uint8Array, offset: number, length: number): boolean {
  return (
    length >= 2 && bytes[offset] === JPEG_MARKER.PREFIX && bytes[offset + 1] === JPEG_MARKER.SOI
  );
}
