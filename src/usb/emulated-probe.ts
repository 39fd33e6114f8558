/**
 * Probe and commit on an emulated VideoStreaming interface (UVC 1.5 §4.3.1.1): the device
 * side of the negotiation.
 *
 * The emulated device negotiates as real cameras do in the traces in fixtures/captures: it
 * keeps the host's format and frame indexes (STALLing with request error 4 when they name no
 * descriptor), moves dwFrameInterval to the nearest interval the frame supports, and fills
 * the fields the device owns: dwMaxVideoFrameSize from the frame descriptor, and
 * dwMaxPayloadTransferSize from the largest isochronous alternate setting (the C310 answers
 * 3060 = 3 × 1020 for 640×480 YUYV) or, on bulk interfaces, a fixed payload size. The
 * structure is 26, 34 or 48 bytes by bcdUVC; a SET_CUR shorter than that STALLs (Realtek
 * RTS5847 rejects 34 bytes at UVC 1.5), a longer one is read for its first bytes.
 *
 * Only the fields used here are read and written, at their offsets of UVC 1.5 Table 4-75.
 *
 * @packageDocumentation
 */

import { UVC_REQ, UVC_REQUEST_ERROR, VS_CONTROL } from '../uvc/constants.js';
import type {
  FormatDescriptor,
  FrameDescriptor,
  FrameIntervals,
  VideoStreamingInterface,
} from '../uvc/model.js';
import type { ControlOutcome } from './emulated-controls.js';

/** Offsets of the probe/commit fields the emulator reads or writes (UVC 1.5 Table 4-75). */
const PROBE = {
  bmHint: 0,
  bFormatIndex: 2,
  bFrameIndex: 3,
  dwFrameInterval: 4,
  wKeyFrameRate: 8,
  wPFrameRate: 10,
  wCompQuality: 12,
  wCompWindowSize: 14,
  wDelay: 16,
  dwMaxVideoFrameSize: 18,
  dwMaxPayloadTransferSize: 22,
  dwClockFrequency: 26,
  bmFramingInfo: 30,
  bBitDepthLuma: 35,
} as const;

/** Probe/commit length by bcdUVC (UVC 1.0, 1.1, 1.5). */
const LENGTHS = [
  { bcdUVC: 0x0150, length: 48 },
  { bcdUVC: 0x0110, length: 34 },
  { bcdUVC: 0, length: 26 },
] as const;

/** The probe/commit length of a camera of this UVC version. */
export function probeLengthOf(bcdUVC: number): number {
  return LENGTHS.find((entry) => bcdUVC >= entry.bcdUVC)?.length ?? 26;
}

/** bmHint D0: keep dwFrameInterval. */
const HINT_FRAME_INTERVAL = 0x0001;

/** wDelay the emulator reports, in ms: the Realtek 0bda:5602 trace shows 32. */
const DEVICE_DELAY_MS = 32;

/** Highest wCompQuality (UVC 1.5 §4.3.1.1). */
const MAX_COMP_QUALITY = 10_000;

/** bmFramingInfo: FID required, EOF may be present (UVC 1.1). */
const FRAMING_FID_EOF = 0x03;

/** bBitDepthLuma of 8-bit video (UVC 1.5: bit_depth_luma_minus8 + 8). */
const BIT_DEPTH_LUMA = 8;

/** GET_INFO of probe and commit: GET and SET supported. */
const INFO_GET_SET = 0x03;
/** GET_INFO of the read-only stream error code control. */
const INFO_GET = 0x01;

/** The 100 ns units per second of dwFrameInterval. */
const INTERVAL_UNITS_PER_SECOND = 10_000_000;

/** A stream the host committed. */
export interface CommittedStream {
  format: FormatDescriptor;
  frame: FrameDescriptor;
  dwFrameInterval: number;
  dwMaxVideoFrameSize: number;
  dwMaxPayloadTransferSize: number;
}

/** How the interface moves data, which sets dwMaxPayloadTransferSize. */
export type StreamingTransport =
  | { kind: 'isochronous'; maxBytesPerInterval: number }
  | { kind: 'bulk'; payloadSize: number };

const stall = (errorCode: number): ControlOutcome => ({ status: 'stall', errorCode });

function read32(bytes: Uint8Array, offset: number): number {
  const byte = (index: number): number => bytes[offset + index] ?? 0;
  return (byte(0) | (byte(1) << 8) | (byte(2) << 16)) + byte(3) * 0x1000000;
}

function write16(bytes: Uint8Array, offset: number, value: number): void {
  if (offset + 2 > bytes.length) return;
  bytes[offset] = value & 0xff;
  bytes[offset + 1] = (value >>> 8) & 0xff;
}

function write32(bytes: Uint8Array, offset: number, value: number): void {
  if (offset + 4 > bytes.length) return;
  write16(bytes, offset, value & 0xffff);
  write16(bytes, offset + 2, Math.floor(value / 0x10000) & 0xffff);
}

/** The supported interval nearest to `wanted` (the default interval when `wanted` is 0). */
export function nearestInterval(frame: FrameDescriptor, wanted: number): number {
  if (wanted <= 0) return frame.dwDefaultFrameInterval;
  const intervals: FrameIntervals = frame.intervals;
  if (intervals.kind === 'continuous') {
    if (wanted <= intervals.min) return intervals.min;
    if (wanted >= intervals.max) return intervals.max;
    const step = Math.max(1, intervals.step);
    const steps = Math.round((wanted - intervals.min) / step);
    return Math.min(intervals.max, intervals.min + steps * step);
  }
  let best = intervals.values[0] ?? frame.dwDefaultFrameInterval;
  for (const value of intervals.values) {
    if (Math.abs(value - wanted) < Math.abs(best - wanted)) best = value;
  }
  return best;
}

function intervalBounds(frame: FrameDescriptor): { shortest: number; longest: number } {
  const intervals = frame.intervals;
  if (intervals.kind === 'continuous') return { shortest: intervals.min, longest: intervals.max };
  const values = intervals.values.length > 0 ? intervals.values : [frame.dwDefaultFrameInterval];
  return { shortest: Math.min(...values), longest: Math.max(...values) };
}

/**
 * The largest frame the device sends: the frame buffer size of uncompressed and MJPEG frames
 * (width × height × bits per pixel / 8 for uncompressed ones), the bytes dwMaxBitRate allows
 * in one interval for frame-based ones.
 */
export function maxVideoFrameSize(
  format: FormatDescriptor,
  frame: FrameDescriptor,
  interval: number,
): number {
  if (format.kind === 'uncompressed' && format.bBitsPerPixel) {
    return Math.ceil((frame.wWidth * frame.wHeight * format.bBitsPerPixel) / 8);
  }
  if (frame.dwMaxVideoFrameBufferSize) return frame.dwMaxVideoFrameBufferSize;
  const byRate = Math.ceil((frame.dwMaxBitRate * interval) / 8 / INTERVAL_UNITS_PER_SECOND);
  return byRate > 0 ? byRate : frame.wWidth * frame.wHeight * 2;
}

/** Probe and commit state of one VideoStreaming interface. */
export class ProbeCommit {
  /** Bytes of the probe/commit structure. */
  readonly length: number;
  readonly #vs: VideoStreamingInterface;
  readonly #clockFrequency: number;
  readonly #transport: StreamingTransport;
  #probe: Uint8Array;
  #commit: Uint8Array | undefined;

  constructor(
    vs: VideoStreamingInterface,
    bcdUVC: number,
    clockFrequency: number,
    transport: StreamingTransport,
  ) {
    this.length = probeLengthOf(bcdUVC);
    this.#vs = vs;
    this.#clockFrequency = clockFrequency;
    this.#transport = transport;
    this.#probe = this.#defaults();
  }

  /** Forget the negotiation (after a reset). */
  reset(): void {
    this.#probe = this.#defaults();
    this.#commit = undefined;
  }

  /** The committed stream, once a SET_CUR(COMMIT) succeeded. */
  committed(): CommittedStream | undefined {
    if (!this.#commit) return undefined;
    const { format, frame } = this.#lookup(this.#commit);
    if (!format || !frame) return undefined;
    return {
      format,
      frame,
      dwFrameInterval: read32(this.#commit, PROBE.dwFrameInterval),
      dwMaxVideoFrameSize: read32(this.#commit, PROBE.dwMaxVideoFrameSize),
      dwMaxPayloadTransferSize: read32(this.#commit, PROBE.dwMaxPayloadTransferSize),
    };
  }

  /** Forget the commit (the stream stopped and must be committed again). */
  uncommit(): void {
    this.#commit = undefined;
  }

  /** Answer one VideoStreaming interface request. */
  handle(selector: number, request: number, data?: Uint8Array): ControlOutcome {
    if (selector === VS_CONTROL.STREAM_ERROR_CODE_CONTROL) {
      if (request === UVC_REQ.GET_INFO) return { status: 'ok', data: Uint8Array.of(INFO_GET) };
      if (request === UVC_REQ.GET_LEN) return { status: 'ok', data: Uint8Array.of(1, 0) };
      if (request === UVC_REQ.GET_CUR) return { status: 'ok', data: Uint8Array.of(0) };
      return stall(UVC_REQUEST_ERROR.INVALID_REQUEST);
    }
    // TODO: still-image probe/commit (bStillCaptureMethod 2 and 3) is not emulated.
    if (selector !== VS_CONTROL.PROBE_CONTROL && selector !== VS_CONTROL.COMMIT_CONTROL) {
      return stall(UVC_REQUEST_ERROR.INVALID_CONTROL);
    }
    const isProbe = selector === VS_CONTROL.PROBE_CONTROL;

    switch (request) {
      case UVC_REQ.GET_INFO:
        return { status: 'ok', data: Uint8Array.of(INFO_GET_SET) };
      case UVC_REQ.GET_LEN:
        return { status: 'ok', data: Uint8Array.of(this.length & 0xff, this.length >> 8) };
      case UVC_REQ.GET_CUR: {
        const current = isProbe ? this.#probe : (this.#commit ?? this.#defaults());
        return { status: 'ok', data: current.slice() };
      }
      case UVC_REQ.SET_CUR:

        return this.#set(isProbe, data);
      case UVC_REQ.GET_DEF:
      case UVC_REQ.GET_MIN:
      case UVC_REQ.GET_MAX:
      case UVC_REQ.GET_RES:
        // The commit control supports only GET_INFO, GET_LEN, GET_CUR and SET_CUR.
        if (!isProbe) return stall(UVC_REQUEST_ERROR.INVALID_REQUEST);
        return { status: 'ok', data: this.#bound(request) };
      default:
        return stall(UVC_REQUEST_ERROR.INVALID_REQUEST);
    }
  }

  #set(isProbe: boolean, data: Uint8Array | undefined): ControlOutcome {
    if (!data || data.length < this.length) return stall(UVC_REQUEST_ERROR.INVALID_REQUEST);
    const proposal = data.slice(0, this.length);
    const { format, frame } = this.#lookup(proposal);
    if (!format || !frame) return stall(UVC_REQUEST_ERROR.OUT_OF_RANGE);

    const wanted = read32(proposal, PROBE.dwFrameInterval);
    const negotiated = this.#negotiate(proposal, format, frame, wanted);
    if (isProbe) this.#probe = negotiated;
    else this.#commit = negotiated;
    return { status: 'ok' };
  }

  /** GET_DEF, GET_MIN, GET_MAX or GET_RES of the probe control. */
  #bound(request: number): Uint8Array {
    if (request === UVC_REQ.GET_DEF) return this.#defaults();

    const { format, frame } = this.#lookup(this.#probe);
    if (!format || !frame) return new Uint8Array(this.length);
    if (request === UVC_REQ.GET_RES) {
      const resolution = new Uint8Array(this.length);
      const step = frame.intervals.kind === 'continuous' ? frame.intervals.step : 0;
      write32(resolution, PROBE.dwFrameInterval, step);
      return resolution;
    }
    const { shortest, longest } = intervalBounds(frame);
    const interval = request === UVC_REQ.GET_MIN ? shortest : longest;
    return this.#negotiate(this.#probe.slice(), format, frame, interval);
  }

  /** The format and frame a probe structure names, when they exist. */
  #lookup(bytes: Uint8Array | undefined): { format?: FormatDescriptor; frame?: FrameDescriptor } {
    const format = this.#vs.formats.find((f) => f.bFormatIndex === bytes?.[PROBE.bFormatIndex]);
    const frame = format?.frames.find((f) => f.bFrameIndex === bytes?.[PROBE.bFrameIndex]);
    return { ...(format ? { format } : {}), ...(frame ? { frame } : {}) };
  }

  /** The default probe: format 1, its default frame, that frame's default interval. */
  #defaults(): Uint8Array {
    const bytes = new Uint8Array(this.length);
    const format = this.#vs.formats[0];
    const frame =
      format?.frames.find((f) => f.bFrameIndex === format.bDefaultFrameIndex) ?? format?.frames[0];
    if (!format || !frame) return bytes;
    write16(bytes, PROBE.bmHint, HINT_FRAME_INTERVAL);
    bytes[PROBE.bFormatIndex] = format.bFormatIndex;
    bytes[PROBE.bFrameIndex] = frame.bFrameIndex;
    return this.#negotiate(bytes, format, frame, frame.dwDefaultFrameInterval);
  }

  /** Fill in what the device decides, in place; returns `bytes`. */
  #negotiate(
    bytes: Uint8Array,
    format: FormatDescriptor,
    frame: FrameDescriptor,
    wantedInterval: number,
  ): Uint8Array {
    const interval = nearestInterval(frame, wantedInterval);
    write32(bytes, PROBE.dwFrameInterval, interval);

    // Key frame, P frame and window fields only mean something to frame-based encoders.
    if (format.kind !== 'frameBased') {
      write16(bytes, PROBE.wKeyFrameRate, 0);
      write16(bytes, PROBE.wPFrameRate, 0);
      write16(bytes, PROBE.wCompWindowSize, 0);
    }
    const quality = (bytes[PROBE.wCompQuality] ?? 0) | ((bytes[PROBE.wCompQuality + 1] ?? 0) << 8);
    write16(bytes, PROBE.wCompQuality, Math.min(MAX_COMP_QUALITY, quality));
    write16(bytes, PROBE.wDelay, DEVICE_DELAY_MS);
    write32(bytes, PROBE.dwMaxVideoFrameSize, maxVideoFrameSize(format, frame, interval));
    const payload =
      this.#transport.kind === 'isochronous'
        ? this.#transport.maxBytesPerInterval
        : this.#transport.payloadSize;

    write32(bytes, PROBE.dwMaxPayloadTransferSize, payload);

    // UVC 1.1 and 1.5 fields, present when the structure is long enough.
    write32(bytes, PROBE.dwClockFrequency, this.#clockFrequency);
    if (bytes.length > PROBE.bmFramingInfo) bytes[PROBE.bmFramingInfo] = FRAMING_FID_EOF;
    if (bytes.length > PROBE.bBitDepthLuma) bytes[PROBE.bBitDepthLuma] = BIT_DEPTH_LUMA;
    return bytes;
  }
}
