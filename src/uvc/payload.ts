/**
 * The UVC payload header (UVC 1.5 §2.4.3.3): validation and interpretation.
 *
 * Every payload of a video stream starts with a header: `bHeaderLength` (HLE), `bmHeaderInfo`
 * (BFH: FID, EOF, PTS, SCR, RES, STI, ERR, EOH), then a 4-byte PTS and a 6-byte SCR when their
 * bits say so. Real cameras bend the rules, so the checks here are the ones that separate a
 * header from image bytes without rejecting devices that work elsewhere:
 *
 * - HLE must be one of 2, 6, 8 or 12, must fit in the payload and must cover the fields the
 *   PTS/SCR bits announce (image data read as a header fails one of these almost always; the
 *   Realtek 0bda:5602 stale data `58 59 …` is HLE 88).
 * - EOH is not required: the Vaultmicro iso capture never sets it (bugs.md §13).
 * - RES (D4) is ignored: the same capture sets it on its header-only EOF packet (BFH 0x1e).
 *
 * @packageDocumentation
 */
import { UVC_STREAM } from './constants.js';
import { readU16LE, readU32LE } from './bytes.js';

/** Byte offsets and sizes of the payload header fields (UVC 1.5 §2.4.3.3, Table 2-5). */
export const PAYLOAD_HEADER = {
  /** bHeaderLength. */
  HLE_OFFSET: 0,
  /** bmHeaderInfo. */
  BFH_OFFSET: 1,
  /** The fixed part: HLE and BFH. */
  MIN_LENGTH: 2,
  /** dwPresentationTime follows the fixed part when PTS is set. */
  PTS_SIZE: 4,
  /** scrSourceClock: a 32-bit STC then a 16-bit field whose bits 10..0 are the SOF counter. */
  SCR_SIZE: 6,
  /** scrSourceClock bits 42..32: the 1 kHz SOF token counter. */
  SOF_MASK: 0x7ff,
} as const;

/** The header lengths real devices send: no fields, PTS, SCR, or both. */
const PLAUSIBLE_HEADER_LENGTHS: readonly number[] = [2, 6, 8, 12];

/** A source clock reference sample (UVC 1.5 §2.4.3.3, scrSourceClock). */
export interface SourceClockReference {
  /** Source Time Clock in device clock units (dwClockFrequency), 32 bits. */
  stc: number;
  /** The 11-bit USB SOF counter when the STC was sampled. */
  sof: number;
}

/** A validated payload header (UVC 1.5 §2.4.3.3). */
export interface PayloadHeader {
  /** HLE: header length in bytes, including this field. */
  bHeaderLength: number;
  /** BFH: the bit field, see {@link UVC_STREAM}. */
  bmHeaderInfo: number;
  /** Frame ID: toggles at each frame start (0 or 1). */
  fid: number;
  /** End of frame: this payload ends the frame. */
  eof: boolean;
  /** The device reports a streaming error in this payload. */
  err: boolean;
  /** Still image: this payload belongs to a still image. */
  sti: boolean;
  /** dwPresentationTime in device clock units, when PTS is set. */
  pts?: number;
  /** scrSourceClock, when SCR is set. */
  scr?: SourceClockReference;
}

/**
 * Why a run of bytes is not a payload header.
 *
 * - `shortPayload`: fewer than 2 bytes.
 * - `lengthTooSmall`: HLE below 2.
 * - `lengthBeyondPayload`: HLE larger than the payload.
 * - `lengthImplausible`: HLE not 2, 6, 8 or 12.
 * - `lengthBelowFields`: HLE shorter than the PTS/SCR fields the BFH announces.
 */
export type PayloadHeaderProblem =
  | 'shortPayload'
  | 'lengthTooSmall'
  | 'lengthBeyondPayload'
  | 'lengthImplausible'
  | 'lengthBelowFields';

/**
 * A reusable, mutable header for hot paths: {@link readPayloadHeader} fills it without
 * allocating. `hasPts`/`hasScr` say whether `pts` and `stc`/`sof` hold values.
 */
export class PayloadHeaderFields {
  /** HLE. */
  bHeaderLength = 0;
  /** BFH. */
  bmHeaderInfo = 0;
  /** Frame ID, 0 or 1. */
  fid = 0;
  /** End of frame. */
  eof = false;
  /** Error bit. */
  err = false;
  /** Still image bit. */
  sti = false;
  /** True when `pts` holds dwPresentationTime. */
  hasPts = false;
  /** dwPresentationTime (0 without PTS). */
  pts = 0;
  /** True when `stc` and `sof` hold scrSourceClock. */
  hasScr = false;
  /** SCR source time clock (0 without SCR). */
  stc = 0;
  /** SCR 11-bit SOF counter (0 without SCR). */
  sof = 0;
}

/** Header bytes the PTS and SCR bits of `bmHeaderInfo` require. */
export function requiredHeaderLength(bmHeaderInfo: number): number {
  let required = PAYLOAD_HEADER.MIN_LENGTH;
  if ((bmHeaderInfo & UVC_STREAM.PTS) !== 0) required += PAYLOAD_HEADER.PTS_SIZE;
  if ((bmHeaderInfo & UVC_STREAM.SCR) !== 0) required += PAYLOAD_HEADER.SCR_SIZE;
  return required;
}

/**
 * Why the payload of `length` bytes at `offset` does not start with a valid header, or
 * undefined when it does. `length` defaults to the bytes from `offset` to the end.
 */
export function payloadHeaderProblem(
  bytes: Uint8Array,
  offset = 0,
  length = bytes.length - offset,
): PayloadHeaderProblem | undefined {
  const available = Math.min(length, bytes.length - offset);
  if (offset < 0 || available < PAYLOAD_HEADER.MIN_LENGTH) return 'shortPayload';

  const hle = bytes[offset + PAYLOAD_HEADER.HLE_OFFSET] ?? 0;
  const bfh = bytes[offset + PAYLOAD_HEADER.BFH_OFFSET] ?? 0;
  if (hle < PAYLOAD_HEADER.MIN_LENGTH) return 'lengthTooSmall';
  if (hle > available) return 'lengthBeyondPayload';
  if (!PLAUSIBLE_HEADER_LENGTHS.includes(hle)) return 'lengthImplausible';
  if (hle < requiredHeaderLength(bfh)) return 'lengthBelowFields';
  return undefined;
}

/**
 * Validate and read the header of the payload of `length` bytes at `offset` into `out`
 * without allocating. Returns the problem when the bytes are not a header (`out` is then
 * left unspecified), undefined when `out` holds the header.
 */
export function readPayloadHeader(
  bytes: Uint8Array,
  offset: number,
  length: number,
  out: PayloadHeaderFields,
): PayloadHeaderProblem | undefined {
  const problem = payloadHeaderProblem(bytes, offset, length);
  if (problem !== undefined) return problem;

  const bfh = bytes[offset + PAYLOAD_HEADER.BFH_OFFSET] ?? 0;
  out.bHeaderLength = bytes[offset + PAYLOAD_HEADER.HLE_OFFSET] ?? 0;
  out.bmHeaderInfo = bfh;
  out.fid = bfh & UVC_STREAM.FID;
  out.eof = (bfh & UVC_STREAM.EOF) !== 0;
  out.err = (bfh & UVC_STREAM.ERR) !== 0;
  out.sti = (bfh & UVC_STREAM.STI) !== 0;

  // PTS comes first, SCR after it (or right after BFH when there is no PTS).
  let field = offset + PAYLOAD_HEADER.MIN_LENGTH;
  out.hasPts = (bfh & UVC_STREAM.PTS) !== 0;
  out.pts = out.hasPts ? readU32LE(bytes, field) : 0;
  if (out.hasPts) field += PAYLOAD_HEADER.PTS_SIZE;
  out.hasScr = (bfh & UVC_STREAM.SCR) !== 0;
  out.stc = out.hasScr ? readU32LE(bytes, field) : 0;
  out.sof = out.hasScr ? readU16LE(bytes, field + 4) & PAYLOAD_HEADER.SOF_MASK : 0;
  return undefined;
}

/**
 * Parse the payload header at `offset` of a payload of `length` bytes (default: to the end of
 * `bytes`). Returns undefined when the bytes are not a valid header; ask
 * {@link payloadHeaderProblem} for the reason.
 */
export function parsePayloadHeader(
  bytes: Uint8Array,
  offset = 0,
  length = bytes.length - offset,
): PayloadHeader | undefined {
  const fields = new PayloadHeaderFields();
  if (readPayloadHeader(bytes, offset, length, fields) !== undefined) return undefined;

  const header: PayloadHeader = {
    bHeaderLength: fields.bHeaderLength,
    bmHeaderInfo: fields.bmHeaderInfo,
    fid: fields.fid,
    eof: fields.eof,
    err: fields.err,
    sti: fields.sti,
  };
  if (fields.hasPts) header.pts = fields.pts;
  if (fields.hasScr) header.scr = { stc: fields.stc, sof: fields.sof };
  return header;
}
