/**
 * A small, independent frame recorder for the umockdev tests: it cuts UVC payloads into frames
 * by FID and EOF (UVC 1.5 §2.4.3.2) and fingerprints each frame. The device model feeds it the
 * payloads it sends; the program under test feeds it the payloads it receives; the two lists
 * must agree. It is deliberately not the project's assembler, so the tests of the transport do
 * not depend on the code they feed.
 */
import { createHash } from 'node:crypto';

/** Payload header bytes and bits (UVC 1.5 §2.4.3.3). */
const HEADER = { bHeaderLength: 0, bmHeaderInfo: 1, dwPresentationTime: 2, MIN_LENGTH: 2 } as const;
const BFH = { FID: 0x01, EOF: 0x02, PTS: 0x04, ERR: 0x40 } as const;
const PTS_LENGTH = 4;

/** One frame as recorded. */
export interface RecordedFrame {
  /** dwPresentationTime of the frame's payloads, or -1 when they carry none. */
  pts: number;
  fid: number;
  /** Image bytes (headers excluded). */
  size: number;
  /** SHA-256 of the image bytes, hex. */
  sha256: string;
  /** A payload of this frame was lost (error packet) or flagged ERR. */
  damaged: boolean;
  /** The frame ended with EOF (rather than by a FID toggle). */
  endedByEof: boolean;
}

/** Cuts payloads into frames. */
export class FrameRecorder {
  readonly frames: RecordedFrame[] = [];
  /** Payloads whose header was not a plausible UVC header. */
  badHeaders = 0;
  /** Payloads reported lost. */
  lostPayloads = 0;
  #hash = createHash('sha256');
  #size = 0;
  #fid = -1;
  #pts = -1;
  #damaged = false;
  #open = false;
  readonly #limit: number;

  /** Keep at most `limit` frames (older ones are dropped first). */
  constructor(limit = 100_000) {
    this.#limit = limit;
  }

  /**
   * Add one payload. `lost` marks a payload that did not arrive (an error packet): it damages
   * the frame being received, or the next one when it fell between frames.
   */
  feed(payload: Uint8Array, lost = false): void {
    if (lost) {
      this.lostPayloads++;
      if (this.#open) this.#damaged = true;
      else this.#lostBeforeStart = true;
      return;
    }
    if (payload.length === 0) return;
    const headerLength = payload[HEADER.bHeaderLength] ?? 0;
    if (headerLength < HEADER.MIN_LENGTH || headerLength > payload.length) {
      this.badHeaders++;
      return;
    }
    const info = payload[HEADER.bmHeaderInfo] ?? 0;
    const fid = info & BFH.FID;
    const pts =
      info & BFH.PTS && headerLength >= HEADER.dwPresentationTime + PTS_LENGTH
        ? new DataView(payload.buffer, payload.byteOffset).getUint32(
            HEADER.dwPresentationTime,
            true,
          )
        : -1;

    if (this.#open && fid !== this.#fid) this.#finish(false);
    if (!this.#open) this.#start(fid, pts);
    if (info & BFH.ERR) this.#damaged = true;
    const body = payload.subarray(headerLength);
    if (body.length > 0) {
      this.#hash.update(body);
      this.#size += body.length;
    }
    if (info & BFH.EOF) this.#finish(true);
  }

  /** A payload was lost between frames, so the next frame may miss its start. */
  #lostBeforeStart = false;

  #start(fid: number, pts: number): void {
    this.#open = true;
    this.#fid = fid;
    this.#pts = pts;
    this.#size = 0;
    this.#hash = createHash('sha256');
    this.#damaged = this.#lostBeforeStart;
    this.#lostBeforeStart = false;
  }

  #finish(endedByEof: boolean): void {
    this.#open = false;
    // Header-only payloads between frames (idle packets) are not frames.
    if (this.#size === 0 && !this.#damaged) return;
    this.frames.push({
      pts: this.#pts,
      fid: this.#fid,
      size: this.#size,
      sha256: this.#hash.digest('hex'),
      damaged: this.#damaged,
      endedByEof,
    });
    if (this.frames.length > this.#limit) this.frames.shift();
    this.#open = false;
    this.#damaged = false;
  }
}

/**
 * Reassembles bulk payloads from transfers: a payload starts with a transfer and continues
 * while transfers come back full; a short transfer (or a zero-length one) ends it, and so does
 * reaching the negotiated dwMaxPayloadTransferSize.
 */
export class BulkPayloadJoiner {
  #parts: Uint8Array[] = [];
  #length = 0;
  readonly #onPayload: (payload: Uint8Array) => void;
  readonly #maxPayload: number;

  constructor(onPayload: (payload: Uint8Array) => void, maxPayload = Number.POSITIVE_INFINITY) {
    this.#onPayload = onPayload;
    this.#maxPayload = maxPayload > 0 ? maxPayload : Number.POSITIVE_INFINITY;
  }

  /** One completed bulk transfer of `requested` bytes that returned `data`. */
  push(data: Uint8Array, requested: number): void {
    if (data.length > 0) {
      this.#parts.push(data.slice());
      this.#length += data.length;
    }
    if (data.length === requested && this.#length < this.#maxPayload) return;
    if (this.#length === 0) return;
    const payload = new Uint8Array(this.#length);
    let offset = 0;
    for (const part of this.#parts) {
      payload.set(part, offset);
      offset += part.length;
    }
    this.#parts = [];
    this.#length = 0;
    this.#onPayload(payload);
  }
}
