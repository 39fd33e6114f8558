/**
 * The payloads of an emulated camera's video stream (UVC 1.5 §2.4.3): frames cut into
 * payloads, each with a 12-byte header, paced by a device clock.
 *
 * Each payload header carries HLE = 12 and bmHeaderInfo with EOH, PTS and SCR set, FID
 * toggling from frame to frame, and EOF on the last payload of a frame (`0c 8c`/`0c 8d` …
 * `0c 8e`/`0c 8f`, as the Realtek 0bda:5602 trace shows). PTS is the device clock
 * (dwClockFrequency) when the frame was captured; SCR is the clock when the payload leaves,
 * with the 11-bit USB frame number. Frames are captured every dwFrameInterval from the start
 * of the stream; when the link is too slow to carry a frame before the next is due, the
 * captures in between are dropped (the frame index jumps, as on a real sensor).
 *
 * Isochronous packets between frames carry a header only (12 bytes, FID of the next frame),
 * as in the Vaultmicro usbmon URB in fixtures/captures, or nothing (option `idlePackets`).
 *
 * No Node-only API is used.
 *
 * @packageDocumentation
 */

import { UVC_STREAM } from '../uvc/constants.js';
import type { CommittedStream } from './emulated-probe.js';
import type { PayloadSource } from './pattern.js';

/** The header every emulated payload carries: HLE, BFH, PTS (4), SCR (STC 4 + SOF 2). */
export const PAYLOAD_HEADER_LENGTH = 12;

/** Offsets inside the payload header (UVC 1.5 §2.4.3.3). */
const HEADER = { HLE: 0, BFH: 1, PTS: 2, SCR_STC: 6, SCR_SOF: 10 } as const;

/** The 11-bit USB frame number counts milliseconds (USB 2.0 §8.4.3.1). */
const SOF_MASK = 0x7ff;

/** dwFrameInterval units (100 ns) per millisecond. */
const INTERVAL_UNITS_PER_MS = 10_000;

/** Clock used when a camera reports dwClockFrequency 0. */
const FALLBACK_CLOCK_HZ = 1_000_000;

const TWO_POW_32 = 0x1_0000_0000;

/** What isochronous packets without video carry. */
export type IdlePackets = 'header' | 'empty';

/** What a {@link FrameStream} needs besides the committed stream. */
export interface FrameStreamOptions {
  source: PayloadSource;
  /** dwClockFrequency of the VideoControl header, in Hz. */
  clockFrequency: number;
  /** Device time at which streaming started (the first capture), in ms. */
  startMs: number;
  idle: IdlePackets;
}

/** One committed stream's frame and payload state. */

export class FrameStream {
  readonly committed: CommittedStream;
  readonly #source: PayloadSource;
  readonly #startMs: number;
  readonly #intervalMs: number;
  readonly #ticksPerMs: number;
  readonly #idle: IdlePackets;
  /** The next sensor frame to capture. */
  #nextCapture = 0;
  /** The frame being sent, its offset and its capture time. */
  #frame: Uint8Array | undefined;
  #offset = 0;
  #ptsMs = 0;
  #fid = 0;
  #framesSent = 0;
  #errorPayloads = 0;

  constructor(committed: CommittedStream, options: FrameStreamOptions) {
    this.committed = committed;
    this.#source = options.source;
    this.#startMs = options.startMs;
    this.#intervalMs = Math.max(1, committed.dwFrameInterval) / INTERVAL_UNITS_PER_MS;
    const hertz = options.clockFrequency > 0 ? options.clockFrequency : FALLBACK_CLOCK_HZ;
    this.#ticksPerMs = hertz / 1000;
    this.#idle = options.idle;
  }

  /** Frames completed so far (EOF sent). */
  get framesSent(): number {
    return this.#framesSent;
  }

  /** True while a frame is partly sent. */
  get inFrame(): boolean {
    return this.#frame !== undefined;
  }

  /** Device time at which the next frame is captured (the stream is idle until then). */
  nextCaptureMs(): number {
    return this.#startMs + this.#nextCapture * this.#intervalMs;
  }

  /** Set the ERR bit (UVC 1.5 §2.4.3.3, D6) in the headers of the next `count` payloads. */
  markErrors(count: number): void {
    this.#errorPayloads += Math.max(0, Math.floor(count));
  }

  /**
   * Write the payload sent at device time `nowMs` at the start of `target`, with at most
   * `target.length` bytes (header included). Returns the bytes written: a data payload, a
   * header-only idle payload, or 0 (no frame due and idle packets are empty, or no room).
   */
  writePayload(target: Uint8Array, nowMs: number): number {
    const capacity = target.length;
    const offset = 0;
    if (capacity < PAYLOAD_HEADER_LENGTH) return 0;
    if (!this.#frame && !this.#capture(nowMs)) {
      if (this.#idle === 'empty') return 0;
      this.#writeHeader(target, offset, nowMs, false);
      return PAYLOAD_HEADER_LENGTH;
    }

    const frame = this.#frame ?? new Uint8Array(0);
    const chunk = Math.min(capacity - PAYLOAD_HEADER_LENGTH, frame.length - this.#offset);
    const last = this.#offset + chunk >= frame.length;
    this.#writeHeader(target, offset, nowMs, last);
    target.set(frame.subarray(this.#offset, this.#offset + chunk), offset + PAYLOAD_HEADER_LENGTH);
    this.#offset += chunk;

    if (last) {
      this.#frame = undefined;
      this.#fid ^= 1;
      this.#framesSent += 1;
    }
    return PAYLOAD_HEADER_LENGTH + chunk;
  }

  /** Skip `bytes` of frame data that were lost on the wire (a failed isochronous packet). */
  lose(capacity: number, nowMs: number): void {
    if (!this.#frame && !this.#capture(nowMs)) return;
    const frame = this.#frame ?? new Uint8Array(0);
    const lost = Math.max(0, capacity - PAYLOAD_HEADER_LENGTH);
    this.#offset = Math.min(frame.length, this.#offset + lost);
    if (this.#offset >= frame.length) {
      this.#frame = undefined;
      this.#fid ^= 1;
    }
  }

  /** Start the frame due at `nowMs`, if any; false when the next capture lies in the future. */
  #capture(nowMs: number): boolean {
    const due = this.nextCaptureMs();
    if (due > nowMs) return false;

    // Frames whose capture time passed while the link was busy are dropped.
    const latest = Math.floor((nowMs - this.#startMs) / this.#intervalMs);
    const index = Math.max(this.#nextCapture, latest);
    const bytes = this.#source.frame(this.committed.format, this.committed.frame, index);
    this.#frame = bytes;
    this.#offset = 0;
    this.#ptsMs = this.#startMs + index * this.#intervalMs;
    this.#nextCapture = index + 1;
    return true;
  }

  #writeHeader(target: Uint8Array, offset: number, nowMs: number, endOfFrame: boolean): void {
    let bfh = UVC_STREAM.EOH | UVC_STREAM.PTS | UVC_STREAM.SCR | this.#fid;
    if (endOfFrame) bfh |= UVC_STREAM.EOF;
    if (this.#errorPayloads > 0 && this.#frame) {
      bfh |= UVC_STREAM.ERR;
      this.#errorPayloads -= 1;
    }
    target[offset + HEADER.HLE] = PAYLOAD_HEADER_LENGTH;
    target[offset + HEADER.BFH] = bfh;
    writeU32(target, offset + HEADER.PTS, this.#ticks(this.#ptsMs));
    writeU32(target, offset + HEADER.SCR_STC, this.#ticks(nowMs));
    const sof = Math.floor(nowMs) & SOF_MASK;
    target[offset + HEADER.SCR_SOF] = sof & 0xff;
    target[offset + HEADER.SCR_SOF + 1] = sof >> 8;
  }

  /** The device clock (32-bit, wrapping) at device time `ms`. */
  #ticks(ms: number): number {
    const ticks = Math.floor(Math.max(0, ms) * this.#ticksPerMs);
    return ticks % TWO_POW_32;
  }
}

function writeU32(target: Uint8Array, offset: number, value: number): void {
  target[offset] = value & 0xff;
  target[offset + 1] = (value >>> 8) & 0xff;
  target[offset + 2] = (value >>> 16) & 0xff;
  target[offset + 3] = Math.floor(value / 0x1000000) & 0xff;
}
