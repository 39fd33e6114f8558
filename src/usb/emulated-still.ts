/**
 * Still images of an emulated camera (UVC 1.5 §2.4.2.4): the still probe, commit and trigger
 * controls (§4.3.1.2–§4.3.1.4) of a VideoStreaming interface whose input header declares
 * method 2 or 3, and the still image itself.
 *
 * - Method 2: after SET_CUR(STILL_IMAGE_TRIGGER) = 1 while the video stream runs, the next
 *   frame slot carries the still instead of a video frame, its payloads marked STI. The video
 *   stream's FID goes on toggling around it: the still takes the FID the next video frame
 *   would have had, and the video frames after it take the opposite one.
 * - Method 3: after SET_CUR(STILL_IMAGE_TRIGGER) = 2, the still goes out on the bulk
 *   still-image endpoint, in payloads of at most the committed dwMaxPayloadTransferSize, each
 *   ending with a short transfer (a zero-length one when it fills whole packets).
 *
 * Still payloads carry a 2-byte header (HLE 2, EOH and STI set, EOF on the last); frame
 * content comes from the camera's payload source at the still size. Once the still is sent
 * the trigger reads 0 (normal operation) again. Methods 0 and 1 have no still controls: their
 * requests STALL with error 6 (invalid control).
 *
 * No Node-only API is used.
 *
 * @packageDocumentation
 */

import {
  STILL_METHOD,
  STILL_TRIGGER,
  UVC_REQ,
  UVC_REQUEST_ERROR,
  UVC_STREAM,
  VS_CONTROL,
} from '../uvc/constants.js';
import type { FormatDescriptor, FrameDescriptor, VideoStreamingInterface } from '../uvc/model.js';
import {
  STILL_PROBE,
  decodeStillProbe,
  encodeStillProbe,
  stillEndpointAddress,
  stillSizes,
  uncompressedStillSize,
  type StillProbeControl,
} from '../uvc/still.js';
import type { ControlOutcome } from './emulated-controls.js';
import type { FrameStream } from './emulated-stream.js';
import type { PayloadSource } from './pattern.js';

/** The still payload header: HLE and BFH only. */
export const STILL_HEADER_LENGTH = 2;

/** GET_INFO of the still controls: GET and SET. */
const INFO_GET_SET = 0x03;

/** Bytes per pixel assumed for the buffer of a compressed still (as for MJPEG video frames). */
const COMPRESSED_BYTES_PER_PIXEL = 2;

/** How the interface's video pipe moves data (for method 2's payload size). */
export type StillPipe =
  | { kind: 'isochronous'; maxBytesPerInterval: number }
  | { kind: 'bulk'; payloadSize: number };

/** What an {@link EmulatedStill} needs. */
export interface EmulatedStillOptions {
  pipe: StillPipe;
  /** dwMaxPayloadTransferSize of method 3's bulk still endpoint. */
  stillPayloadSize: number;
  source: PayloadSource;
}

/** A still being sent. */
interface PendingStill {
  bytes: Uint8Array;
  offset: number;
  /** Method 3: the payload being handed out in transfers. */
  payload?: { bytes: Uint8Array; offset: number; zlp: boolean };
}

const stall = (errorCode: number): ControlOutcome => ({ status: 'stall', errorCode });

/** The still controls and still image of one VideoStreaming interface. */
export class EmulatedStill {
  /** bStillCaptureMethod of the input header. */
  readonly method: number;
  /** The bulk still-image endpoint (method 3), or 0. */
  readonly endpointAddress: number;
  readonly #vs: VideoStreamingInterface;
  readonly #options: EmulatedStillOptions;
  #probe: Uint8Array;
  #commit: StillProbeControl | undefined;
  #trigger: number = STILL_TRIGGER.NORMAL;
  #inPipe: PendingStill | undefined;
  #onBulk: PendingStill | undefined;
  #stills = 0;
  /** FID of the last video payload as written, whether it ended a frame, and the flip. */
  #lastFid = 0;
  #lastEof = false;
  #flip = 0;
  readonly #waiters: Array<() => void> = [];

  constructor(vs: VideoStreamingInterface, options: EmulatedStillOptions) {
    this.#vs = vs;
    this.#options = options;
    this.method = vs.inputHeader?.bStillCaptureMethod ?? STILL_METHOD.NONE;
    this.endpointAddress = this.method === STILL_METHOD.STILL_PIPE ? stillEndpointAddress(vs) : 0;
    this.#probe = this.#defaults();
  }

  /** True when a method 2 still waits for (or is in) the video pipe. */
  get pendingInPipe(): boolean {
    return this.#inPipe !== undefined;
  }

  /** Stills sent so far. */
  get stillsSent(): number {
    return this.#stills;
  }

  /** Forget negotiation and pending stills (device reset). */
  reset(): void {
    this.#probe = this.#defaults();
    this.#commit = undefined;
    this.#trigger = STILL_TRIGGER.NORMAL;
    this.#inPipe = undefined;
    this.#onBulk = undefined;
    this.#lastFid = 0;
    this.#lastEof = false;
    this.#flip = 0;
  }

  /** The video stream stopped: a still waiting for the video pipe is abandoned. */
  streamStopped(): void {
    if (this.#inPipe) this.#finish('pipe');
    this.#lastFid = 0;
    this.#lastEof = false;
    this.#flip = 0;
  }

  /**
   * Answer a still control request: VS_STILL_PROBE_CONTROL, VS_STILL_COMMIT_CONTROL or
   * VS_STILL_IMAGE_TRIGGER_CONTROL. `streaming` says whether the video stream runs.
   */
  handle(
    selector: number,
    request: number,
    data: Uint8Array | undefined,
    streaming: boolean,
  ): ControlOutcome {
    if (this.method < STILL_METHOD.VIDEO_PIPE) return stall(UVC_REQUEST_ERROR.INVALID_CONTROL);
    if (selector === VS_CONTROL.STILL_IMAGE_TRIGGER_CONTROL) {
      return this.#triggerRequest(request, data, streaming);
    }

    const isProbe = selector === VS_CONTROL.STILL_PROBE_CONTROL;
    switch (request) {
      case UVC_REQ.GET_INFO:
        return { status: 'ok', data: Uint8Array.of(INFO_GET_SET) };
      case UVC_REQ.GET_LEN:
        return { status: 'ok', data: Uint8Array.of(STILL_PROBE.LENGTH, 0) };
      case UVC_REQ.GET_CUR:
        if (isProbe) return { status: 'ok', data: this.#probe.slice() };
        return {
          status: 'ok',
          data: this.#commit ? encodeStillProbe(this.#commit) : this.#defaults(),
        };
      case UVC_REQ.GET_DEF:
      case UVC_REQ.GET_MIN:
        if (!isProbe) return stall(UVC_REQUEST_ERROR.INVALID_REQUEST);
        return { status: 'ok', data: this.#defaults() };
      case UVC_REQ.GET_MAX:
        if (!isProbe) return stall(UVC_REQUEST_ERROR.INVALID_REQUEST);
        return { status: 'ok', data: this.#largest() };
      case UVC_REQ.SET_CUR: {
        const negotiated = this.#negotiate(data);
        if (!negotiated) return stall(UVC_REQUEST_ERROR.OUT_OF_RANGE);
        if (isProbe) this.#probe = encodeStillProbe(negotiated);
        else this.#commit = negotiated;
        return { status: 'ok' };
      }
      default:
        return stall(UVC_REQUEST_ERROR.INVALID_REQUEST);
    }
  }

  #triggerRequest(
    request: number,
    data: Uint8Array | undefined,
    streaming: boolean,
  ): ControlOutcome {
    if (request === UVC_REQ.GET_INFO) return { status: 'ok', data: Uint8Array.of(INFO_GET_SET) };
    if (request === UVC_REQ.GET_LEN) return { status: 'ok', data: Uint8Array.of(1, 0) };
    if (request === UVC_REQ.GET_CUR) return { status: 'ok', data: Uint8Array.of(this.#trigger) };
    if (request !== UVC_REQ.SET_CUR) return stall(UVC_REQUEST_ERROR.INVALID_REQUEST);
    if (!data || data.length < 1) return stall(UVC_REQUEST_ERROR.INVALID_REQUEST);

    const value = data[0] ?? 0;
    switch (value) {
      case STILL_TRIGGER.NORMAL:
        return { status: 'ok' };
      case STILL_TRIGGER.ABORT:
        this.#inPipe = undefined;
        this.#onBulk = undefined;
        this.#trigger = STILL_TRIGGER.NORMAL;
        return { status: 'ok' };
      case STILL_TRIGGER.TRANSMIT:
        // Method 2 only, with a committed still, while the video pipe runs.
        if (this.method !== STILL_METHOD.VIDEO_PIPE) return stall(UVC_REQUEST_ERROR.OUT_OF_RANGE);
        if (!this.#commit || !streaming || this.#inPipe) {
          return stall(UVC_REQUEST_ERROR.WRONG_STATE);
        }
        this.#inPipe = this.#render(this.#commit);
        if (!this.#inPipe) return stall(UVC_REQUEST_ERROR.WRONG_STATE);
        this.#trigger = value;
        return { status: 'ok' };
      case STILL_TRIGGER.TRANSMIT_BULK:
        if (this.method !== STILL_METHOD.STILL_PIPE) return stall(UVC_REQUEST_ERROR.OUT_OF_RANGE);
        if (!this.#commit || this.#onBulk) return stall(UVC_REQUEST_ERROR.WRONG_STATE);
        this.#onBulk = this.#render(this.#commit);
        if (!this.#onBulk) return stall(UVC_REQUEST_ERROR.WRONG_STATE);
        this.#trigger = value;
        this.#waiters.splice(0).forEach((wake) => wake());
        return { status: 'ok' };
      default:
        return stall(UVC_REQUEST_ERROR.OUT_OF_RANGE);
    }
  }

  /**
   * Write the next payload of the video pipe into `target`: a piece of the pending still when
   * one is due and no video frame is in progress, else the video stream's payload, its FID
   * adjusted for the stills sent before.
   */
  writePayload(stream: FrameStream, target: Uint8Array, nowMs: number): number {
    const still = this.#inPipe;
    if (still && !stream.inFrame && target.length > STILL_HEADER_LENGTH) {
      const nextFid = (this.#lastEof ? this.#lastFid ^ 1 : this.#lastFid) ^ this.#flip;
      const room = target.length - STILL_HEADER_LENGTH;
      const chunk = Math.min(room, still.bytes.length - still.offset);
      const last = still.offset + chunk >= still.bytes.length;
      writeStillHeader(target, nextFid, last);
      target.set(still.bytes.subarray(still.offset, still.offset + chunk), STILL_HEADER_LENGTH);
      still.offset += chunk;
      if (last) {
        this.#flip ^= 1;
        this.#finish('pipe');
      }
      return STILL_HEADER_LENGTH + chunk;
    }

    const written = stream.writePayload(target, nowMs);
    if (written >= STILL_HEADER_LENGTH) {
      const bfh = target[1] ?? 0;
      this.#lastFid = bfh & UVC_STREAM.FID;
      this.#lastEof = (bfh & UVC_STREAM.EOF) !== 0;
      target[1] = bfh ^ this.#flip;
    }
    return written;
  }

  /**
   * A bulk IN transfer on the still-image endpoint (method 3): waits for a triggered still,
   * then hands it out payload by payload.
   */
  async bulkIn(length: number, packetSize: number, signal: AbortSignal): Promise<Uint8Array> {
    while (!this.#onBulk) await this.#wait(signal);
    const still = this.#onBulk;

    if (!still.payload) {
      const room = Math.max(1, this.#commitPayloadSize() - STILL_HEADER_LENGTH);
      const chunk = Math.min(room, still.bytes.length - still.offset);
      const last = still.offset + chunk >= still.bytes.length;
      const bytes = new Uint8Array(STILL_HEADER_LENGTH + chunk);
      writeStillHeader(bytes, this.#stills & 1, last);
      bytes.set(still.bytes.subarray(still.offset, still.offset + chunk), STILL_HEADER_LENGTH);
      still.offset += chunk;
      still.payload = { bytes, offset: 0, zlp: false };
    }

    // A payload ends with a short transfer; one that fills whole packets ends with a ZLP.
    const payload = still.payload;
    const give = payload.zlp ? 0 : Math.min(length, payload.bytes.length - payload.offset);
    const data = payload.bytes.slice(payload.offset, payload.offset + give);
    payload.offset += give;
    const ended = payload.zlp || payload.offset >= payload.bytes.length;
    const wholePackets = payload.bytes.length % Math.max(1, packetSize) === 0;
    if (ended && !payload.zlp && give === length && wholePackets) {
      payload.zlp = true;
    } else if (ended) {
      still.payload = undefined;
      if (still.offset >= still.bytes.length) this.#finish('bulk');
    }
    return data;
  }

  #commitPayloadSize(): number {
    return this.#commit?.dwMaxPayloadTransferSize ?? this.#options.stillPayloadSize;
  }

  #finish(where: 'pipe' | 'bulk'): void {
    if (where === 'pipe') this.#inPipe = undefined;
    else this.#onBulk = undefined;
    this.#trigger = STILL_TRIGGER.NORMAL;
    this.#stills += 1;
  }

  #wait(signal: AbortSignal): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      if (signal.aborted) {
        reject(signal.reason);
        return;
      }
      this.#waiters.push(resolve);
      signal.addEventListener('abort', () => reject(signal.reason), { once: true });
    });
  }

  /** The still's bytes from the payload source, copied (sources may reuse their buffers). */
  #render(commit: StillProbeControl): PendingStill | undefined {
    const found = this.#lookup(commit);
    if (!found) return undefined;
    const bytes = this.#options.source.frame(found.format, found.frame, this.#stills).slice();
    return { bytes, offset: 0 };
  }

  /** The format and a frame descriptor of the still size a probe names. */
  #lookup(
    probe: StillProbeControl,
  ): { format: FormatDescriptor; frame: FrameDescriptor } | undefined {
    const format = this.#vs.formats.find((f) => f.bFormatIndex === probe.bFormatIndex);
    const template = format?.frames[0];
    if (!format || !template) return undefined;
    const sizes = stillSizes(this.#vs, format);
    const size = sizes.find((s) => s.bFrameIndex === probe.bFrameIndex);
    if (!size) return undefined;
    const patterns = size.bCompression.length;
    const index = probe.bCompressionIndex;
    const compressionOk = patterns === 0 ? index <= 1 : index >= 1 && index <= patterns;
    if (!compressionOk) return undefined;

    const bufferSize = stillBufferSize(format, size);
    const frame: FrameDescriptor = {
      ...template,
      wWidth: size.wWidth,
      wHeight: size.wHeight,
      dwMaxVideoFrameBufferSize: bufferSize,
    };
    return { format, frame };
  }

  /** Fill in what the device decides; undefined when the probe names no still. */
  #negotiate(data: Uint8Array | undefined): StillProbeControl | undefined {
    if (!data || data.length < STILL_PROBE.LENGTH) return undefined;
    const probe = decodeStillProbe(data);
    const found = this.#lookup(probe);
    if (!found) return undefined;
    const pipe = this.#options.pipe;
    const payload =
      this.method === STILL_METHOD.STILL_PIPE
        ? this.#options.stillPayloadSize
        : pipe.kind === 'isochronous'
          ? pipe.maxBytesPerInterval
          : pipe.payloadSize;
    return {
      ...probe,
      dwMaxVideoFrameSize: found.frame.dwMaxVideoFrameBufferSize ?? 0,
      dwMaxPayloadTransferSize: payload,
    };
  }

  /** The default still probe: the first format with stills, its first size. */
  #defaults(): Uint8Array {
    return this.#probeFor(false);
  }

  /** The largest still of the first format with stills. */
  #largest(): Uint8Array {
    return this.#probeFor(true);
  }

  #probeFor(largest: boolean): Uint8Array {
    for (const format of this.#vs.formats) {
      const sizes = stillSizes(this.#vs, format);
      if (sizes.length === 0) continue;
      const area = (s: { wWidth: number; wHeight: number }): number => s.wWidth * s.wHeight;
      const size = largest ? sizes.reduce((a, b) => (area(b) > area(a) ? b : a)) : sizes[0]!;
      const negotiated = this.#negotiate(
        encodeStillProbe({
          bFormatIndex: format.bFormatIndex,
          bFrameIndex: size.bFrameIndex,
          bCompressionIndex: size.bCompression.length > 0 ? 1 : 0,
          dwMaxVideoFrameSize: 0,
          dwMaxPayloadTransferSize: 0,
        }),
      );
      if (negotiated) return encodeStillProbe(negotiated);
    }
    return new Uint8Array(STILL_PROBE.LENGTH);
  }
}

/** The buffer a still of this size needs: exact for uncompressed formats. */
function stillBufferSize(
  format: FormatDescriptor,
  size: { wWidth: number; wHeight: number },
): number {
  const compressed = size.wWidth * size.wHeight * COMPRESSED_BYTES_PER_PIXEL;
  return uncompressedStillSize(format, size) ?? compressed;
}

function writeStillHeader(target: Uint8Array, fid: number, last: boolean): void {
  let bfh = UVC_STREAM.EOH | UVC_STREAM.STI | (fid & UVC_STREAM.FID);
  if (last) bfh |= UVC_STREAM.EOF;
  target[0] = STILL_HEADER_LENGTH;
  target[1] = bfh;
}
