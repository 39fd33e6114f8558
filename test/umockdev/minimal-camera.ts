/**
 * A minimal camera behind the W3C `USBDevice` calls the usbfs model drives
 * ({@link EmulatedUsbDevice}). The tests use the project's EmulatedCamera; this one serves the
 * benchmark (frames cost it little) and stands in when WEBUVC_UMOCKDEV_CAMERA=minimal.
 *
 * What comes from real data: every descriptor (the fixture bytes), the probe/commit layout and
 * length of the camera's UVC version, the 12-byte payload headers with PTS and SCR that Logitech
 * cameras send, and dwMaxPayloadTransferSize 3060 for an isochronous camera (the Logitech C310
 * capture answers 3060 at 640×480 YUYV; the model asks for its largest alternate setting at every
 * size). What is generated: the image bytes (pseudo-random, a function of the frame number) and
 * the MJPEG frame lengths. The bulk payload size (16 KiB) follows the 16 KiB transfers of the
 * Realtek bulk trace.
 */
import { parseConfiguration } from '../../src/uvc/descriptors.js';
import type {
  CameraModel,
  FormatDescriptor,
  FrameDescriptor,
  VideoStreamingInterface,
} from '../../src/uvc/model.js';
import { decodeProbe, encodeProbe, probeLength, type ProbeControl } from '../../src/uvc/probe.js';
import {
  UVC_REQ,
  UVC_REQUEST_ERROR,
  UVC_STREAM,
  USB_DT,
  USB_REQ,
  VC_CONTROL,
  VS_CONTROL,
} from '../../src/uvc/constants.js';
import type { RawCamera } from './device-file.js';

/** The part of the W3C `USBDevice` the usbfs model drives. */
export type EmulatedUsbDevice = Pick<
  USBDevice,
  | 'open'
  | 'selectConfiguration'
  | 'claimInterface'
  | 'releaseInterface'
  | 'selectAlternateInterface'
  | 'controlTransferIn'
  | 'controlTransferOut'
  | 'transferIn'
  | 'isochronousTransferIn'
>;

/** Options of the minimal camera. */
export interface MinimalCameraOptions {
  /**
   * Generate this many distinct frame contents and cycle through them (the headers still differ
   * per frame). Unset: every frame is new. Benchmarks set it so generating frames costs little.
   */
  distinctFrames?: number;
}

/** Faults the minimal camera can show. */
export interface MinimalCameraFaults {
  /** STALL this many SET_CUR(VS_PROBE_CONTROL) requests (VC_REQUEST_ERROR_CODE_CONTROL says WRONG_STATE). */
  stallProbe?: number;
}

/** Payload header layout the camera sends: HLE, BFH, PTS(4), SCR = STC(4) + SOF(2). */
const HEADER_LENGTH = 12;
const HEADER = { bHeaderLength: 0, bmHeaderInfo: 1, pts: 2, stc: 6, sof: 10 } as const;

/** Bulk payload size (see the module comment). */
const BULK_PAYLOAD_SIZE = 16 * 1024;

/** MJPEG frames are 1/8 to 1/4 of dwMaxVideoFrameSize; markers SOI and EOI (ITU T.81 B.1.1.3). */
const MJPEG_MIN_FRACTION = 8;
const MJPEG_MAX_FRACTION = 4;
const JPEG_SOI = [0xff, 0xd8];
const JPEG_EOI = [0xff, 0xd9];

/** Microframe length in the device clock's base (µs) and the SOF counter width (USB 2.0 §8.4.3). */
const MICROFRAME_US = 125;
const SOF_MASK = 0x7ff;

/** Descriptor string the camera answers for every string index. */
const STRING_TEXT = 'webuvc emulated camera';
const LANGID_EN_US = 0x0409;

/** Default frame interval (100 ns units) when a frame descriptor has none. */
const FALLBACK_INTERVAL = 333_333;

/** GET_INFO answer for probe/commit: supports GET and SET (UVC 1.5 §4.1.2, Table 4-3). */
const INFO_GET_SET = 0x03;

type ControlIn = USBControlTransferParameters;

function inResult(status: USBTransferStatus, bytes?: Uint8Array): USBInTransferResult {
  if (bytes === undefined) return { status } as USBInTransferResult;
  const copy = bytes.slice();
  return { status, data: new DataView(copy.buffer) } as USBInTransferResult;
}

function outResult(status: USBTransferStatus, bytesWritten: number): USBOutTransferResult {
  return { status, bytesWritten } as USBOutTransferResult;
}

/** xorshift32: fast deterministic bytes for frame content. */
function fillPseudoRandom(target: Uint8Array, seed: number): void {
  let state = (seed * 2654435761) >>> 0 || 0x9e3779b9;
  const words = new Uint32Array(target.buffer, target.byteOffset, target.length >> 2);
  for (let i = 0; i < words.length; i++) {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    words[i] = state >>> 0;
  }
  for (let i = words.length * 4; i < target.length; i++) target[i] = (state >>> (i & 3)) & 0xff;
}

/** The committed stream of one VideoStreaming interface. */
class PayloadSource {
  readonly #format: FormatDescriptor;
  readonly #probe: ProbeControl;
  readonly #clockHz: number;
  #frameNumber: number;
  #frame: Uint8Array = new Uint8Array(0);
  #offset = 0;
  #fid = 0;
  #microframes = 0;

  readonly #distinct: number | undefined;
  readonly #cache = new Map<number, Uint8Array>();

  constructor(
    format: FormatDescriptor,
    probe: ProbeControl,
    clockHz: number,
    firstFrame: number,
    distinct?: number,
  ) {
    this.#format = format;
    this.#probe = probe;
    this.#clockHz = clockHz;
    this.#distinct = distinct;
    this.#frameNumber = firstFrame - 1;
    this.#nextFrame();
  }

  get frameNumber(): number {
    return this.#frameNumber;
  }

  get maxPayload(): number {
    return this.#probe.dwMaxPayloadTransferSize;
  }

  /** One payload of at most `limit` bytes (header included). */
  nextPayload(limit: number): Uint8Array {
    const room = Math.min(limit, this.#probe.dwMaxPayloadTransferSize) - HEADER_LENGTH;
    if (room <= 0) return new Uint8Array(0);

    const chunk = Math.min(room, this.#frame.length - this.#offset);
    const payload = new Uint8Array(HEADER_LENGTH + chunk);
    const last = this.#offset + chunk === this.#frame.length;
    this.#writeHeader(payload, last);
    payload.set(this.#frame.subarray(this.#offset, this.#offset + chunk), HEADER_LENGTH);
    this.#offset += chunk;
    this.#microframes++;
    if (last) this.#nextFrame();
    return payload;
  }

  #writeHeader(payload: Uint8Array, last: boolean): void {
    const view = new DataView(payload.buffer);
    const ticksPerMicroframe = (this.#clockHz * MICROFRAME_US) / 1e6;
    const ticksPerFrame = (this.#probe.dwFrameInterval * this.#clockHz) / 1e7;
    const pts = Math.floor(this.#frameNumber * ticksPerFrame);

    payload[HEADER.bHeaderLength] = HEADER_LENGTH;
    payload[HEADER.bmHeaderInfo] =
      UVC_STREAM.EOH | UVC_STREAM.SCR | UVC_STREAM.PTS | this.#fid | (last ? UVC_STREAM.EOF : 0);
    view.setUint32(HEADER.pts, pts >>> 0, true);
    view.setUint32(HEADER.stc, Math.floor(this.#microframes * ticksPerMicroframe) >>> 0, true);
    view.setUint16(HEADER.sof, (this.#microframes >> 3) & SOF_MASK, true);
  }

  #nextFrame(): void {
    this.#frameNumber++;
    this.#fid = this.#frameNumber & UVC_STREAM.FID;
    this.#offset = 0;

    const key = this.#distinct === undefined ? undefined : this.#frameNumber % this.#distinct;
    const cached = key === undefined ? undefined : this.#cache.get(key);
    if (cached !== undefined) {
      this.#frame = cached;
      return;
    }
    this.#generate();
    if (key !== undefined) this.#cache.set(key, this.#frame);
  }

  #generate(): void {
    const maxSize = this.#probe.dwMaxVideoFrameSize;
    if (this.#format.kind !== 'mjpeg') {
      this.#frame = new Uint8Array(maxSize);
      fillPseudoRandom(this.#frame, this.#frameNumber);
      return;
    }
    const low = Math.floor(maxSize / MJPEG_MIN_FRACTION);
    const high = Math.floor(maxSize / MJPEG_MAX_FRACTION);
    const length = low + ((this.#frameNumber * 7919) % Math.max(1, high - low));
    this.#frame = new Uint8Array(length);
    fillPseudoRandom(this.#frame, this.#frameNumber);
    this.#frame.set(JPEG_SOI, 0);
    this.#frame.set(JPEG_EOI, length - JPEG_EOI.length);
  }
}

/** State of one VideoStreaming interface. */
interface StreamingState {
  vs: VideoStreamingInterface;
  probe: ProbeControl;
  commit: ProbeControl | undefined;
  alternate: number;
  source: PayloadSource | undefined;
}

/** A camera that answers from its descriptors and streams generated frames. */
export class MinimalUvcCamera implements EmulatedUsbDevice {
  readonly model: CameraModel;
  faults: MinimalCameraFaults;
  readonly #raw: RawCamera;
  readonly #probeLength: number;
  readonly #clockHz: number;
  readonly #vcInterface: number;
  readonly #streams = new Map<number, StreamingState>();
  #requestError: number = UVC_REQUEST_ERROR.NO_ERROR;
  readonly #bulkWaiters: Array<{ resolve: () => void; reject: (error: Error) => void }> = [];
  #framesStarted = 0;

  readonly #options: MinimalCameraOptions;

  constructor(
    raw: RawCamera,
    faults: MinimalCameraFaults = {},
    options: MinimalCameraOptions = {},
  ) {
    this.#raw = raw;
    this.faults = faults;
    this.#options = options;
    this.model = parseConfiguration(raw.config, raw.device);
    const fn = this.model.functions[0];
    if (fn === undefined) throw new Error(`${raw.name}: no video function in the configuration`);

    this.#probeLength = probeLength(fn.videoControl.bcdUVC);
    this.#clockHz = fn.videoControl.dwClockFrequency;
    this.#vcInterface = fn.videoControl.bInterfaceNumber;
    for (const vs of fn.streaming) {
      this.#streams.set(vs.bInterfaceNumber, {
        vs,
        probe: this.#defaultProbe(vs),
        commit: undefined,
        alternate: 0,
        source: undefined,
      });
    }
  }

  async open(): Promise<void> {}

  async selectConfiguration(): Promise<void> {}

  async claimInterface(): Promise<void> {}

  /** Pending bulk reads end (AbortError) when their interface is released. */
  async releaseInterface(): Promise<void> {
    for (const waiter of this.#bulkWaiters.splice(0)) waiter.reject(abortError());
  }

  async selectAlternateInterface(interfaceNumber: number, alternateSetting: number): Promise<void> {
    const state = this.#streams.get(interfaceNumber);
    if (state === undefined) return;
    state.alternate = alternateSetting;
    state.source = undefined;
  }

  async controlTransferIn(setup: ControlIn, length: number): Promise<USBInTransferResult> {
    if (setup.requestType === 'standard') return this.#standardIn(setup, length);
    if (setup.requestType === 'class' && setup.recipient === 'interface')
      return this.#classIn(setup, length);
    return inResult('stall');
  }

  async controlTransferOut(setup: ControlIn, data?: BufferSource): Promise<USBOutTransferResult> {
    const bytes = data === undefined ? new Uint8Array(0) : toBytes(data);
    if (setup.requestType === 'standard') return outResult('ok', bytes.length);
    if (setup.requestType !== 'class' || setup.recipient !== 'interface')
      return outResult('stall', 0);

    const state = this.#streams.get(setup.index & 0xff);
    const selector = setup.value >> 8;
    const isProbe = selector === VS_CONTROL.PROBE_CONTROL;
    if (
      state === undefined ||
      setup.request !== UVC_REQ.SET_CUR ||
      (!isProbe && selector !== VS_CONTROL.COMMIT_CONTROL)
    ) {
      return this.#stall(UVC_REQUEST_ERROR.INVALID_CONTROL);
    }
    if (isProbe && (this.faults.stallProbe ?? 0) > 0) {
      this.faults = { ...this.faults, stallProbe: (this.faults.stallProbe ?? 1) - 1 };
      return this.#stall(UVC_REQUEST_ERROR.WRONG_STATE);
    }
    if (bytes.length !== this.#probeLength) return this.#stall(UVC_REQUEST_ERROR.OUT_OF_RANGE);

    const negotiated = this.#negotiate(state.vs, decodeProbe(bytes));
    if (isProbe) {
      state.probe = negotiated;
    } else {
      state.commit = negotiated;
      state.source = undefined;
      for (const waiter of this.#bulkWaiters.splice(0)) waiter.resolve();
    }
    this.#requestError = UVC_REQUEST_ERROR.NO_ERROR;
    return outResult('ok', bytes.length);
  }

  /** A bulk read: the next payload; before commit the device has nothing and the read waits. */
  async transferIn(endpointNumber: number, length: number): Promise<USBInTransferResult> {
    let source = this.#sourceFor(endpointNumber);
    while (source === undefined) {
      await new Promise<void>((resolve, reject) => this.#bulkWaiters.push({ resolve, reject }));
      source = this.#sourceFor(endpointNumber);
    }
    return inResult('ok', source.nextPayload(Math.min(length, source.maxPayload)));
  }

  async isochronousTransferIn(
    endpointNumber: number,
    packetLengths: number[],
  ): Promise<USBIsochronousInTransferResult> {
    const source = this.#sourceFor(endpointNumber);
    const packets: USBIsochronousInTransferPacket[] = [];
    const parts: Uint8Array[] = [];
    for (const length of packetLengths) {
      const payload = source === undefined ? new Uint8Array(0) : source.nextPayload(length);
      parts.push(payload);
      packets.push({
        status: 'ok',
        data: new DataView(payload.buffer),
      } as USBIsochronousInTransferPacket);
    }
    const joined = new Uint8Array(parts.reduce((sum, part) => sum + part.length, 0));
    let offset = 0;
    for (const part of parts) {
      joined.set(part, offset);
      offset += part.length;
    }
    return { data: new DataView(joined.buffer), packets } as USBIsochronousInTransferResult;
  }

  #sourceFor(endpointNumber: number): PayloadSource | undefined {
    for (const state of this.#streams.values()) {
      if (((state.vs.inputHeader?.bEndpointAddress ?? 0) & 0x0f) !== endpointNumber) continue;
      const isBulk = state.vs.alternateSettings.some((alt) =>
        alt.endpoints.some((ep) => ep.transferType === 'bulk'),
      );
      if ((!isBulk && state.alternate === 0) || state.commit === undefined) return undefined;
      if (state.source === undefined) {
        const format = state.vs.formats.find((f) => f.bFormatIndex === state.commit?.bFormatIndex);
        if (format === undefined) return undefined;
        state.source = new PayloadSource(
          format,
          state.commit,
          this.#clockHz,
          this.#framesStarted,
          this.#options.distinctFrames,
        );
      }
      this.#framesStarted = state.source.frameNumber + 1;
      return state.source;
    }
    return undefined;
  }

  #standardIn(setup: ControlIn, length: number): USBInTransferResult {
    if (setup.request === USB_REQ.GET_STATUS)
      return inResult('ok', new Uint8Array([0, 0]).subarray(0, length));
    if (setup.request === USB_REQ.GET_CONFIGURATION)
      return inResult('ok', new Uint8Array([this.model.bConfigurationValue]));
    if (setup.request === USB_REQ.GET_INTERFACE) {
      return inResult('ok', new Uint8Array([this.#streams.get(setup.index)?.alternate ?? 0]));
    }
    if (setup.request !== USB_REQ.GET_DESCRIPTOR) return inResult('stall');

    const type = setup.value >> 8;
    const index = setup.value & 0xff;
    let answer: Uint8Array | undefined;
    if (type === USB_DT.DEVICE) answer = this.#raw.device;
    if (type === USB_DT.CONFIGURATION && index === 0) answer = this.#raw.config;
    if (type === USB_DT.STRING)
      answer = index === 0 ? stringDescriptorLangIds() : stringDescriptor(STRING_TEXT);
    if (answer === undefined) return inResult('stall');
    return inResult('ok', answer.subarray(0, length));
  }

  #classIn(setup: ControlIn, length: number): USBInTransferResult {
    const interfaceNumber = setup.index & 0xff;
    const entity = setup.index >> 8;
    const selector = setup.value >> 8;

    if (
      interfaceNumber === this.#vcInterface &&
      entity === 0 &&
      selector === VC_CONTROL.REQUEST_ERROR_CODE_CONTROL
    ) {
      return inResult('ok', new Uint8Array([this.#requestError]).subarray(0, length));
    }
    const state = this.#streams.get(interfaceNumber);
    if (state === undefined || entity !== 0) return this.#stallIn(UVC_REQUEST_ERROR.INVALID_UNIT);
    if (selector !== VS_CONTROL.PROBE_CONTROL && selector !== VS_CONTROL.COMMIT_CONTROL) {
      return this.#stallIn(UVC_REQUEST_ERROR.INVALID_CONTROL);
    }
    let answer: Uint8Array;
    switch (setup.request) {
      case UVC_REQ.GET_INFO:
        answer = new Uint8Array([INFO_GET_SET]);
        break;
      case UVC_REQ.GET_LEN:
        answer = new Uint8Array([this.#probeLength & 0xff, this.#probeLength >> 8]);
        break;
      case UVC_REQ.GET_CUR: {
        const current =
          selector === VS_CONTROL.PROBE_CONTROL ? state.probe : (state.commit ?? state.probe);
        answer = encodeProbe(current, this.#probeLength);
        break;
      }
      case UVC_REQ.GET_DEF:
      case UVC_REQ.GET_MIN:
      case UVC_REQ.GET_MAX:
        answer = encodeProbe(this.#defaultProbe(state.vs), this.#probeLength);
        break;
      default:
        return this.#stallIn(UVC_REQUEST_ERROR.INVALID_REQUEST);
    }
    this.#requestError = UVC_REQUEST_ERROR.NO_ERROR;
    return inResult('ok', answer.subarray(0, length));
  }

  #stall(code: number): USBOutTransferResult {
    this.#requestError = code;
    return outResult('stall', 0);
  }

  #stallIn(code: number): USBInTransferResult {
    this.#requestError = code;
    return inResult('stall');
  }

  #defaultProbe(vs: VideoStreamingInterface): ProbeControl {
    const format = vs.formats[0];
    const probe = decodeProbe(new Uint8Array(this.#probeLength));
    if (format === undefined) return probe;
    probe.bFormatIndex = format.bFormatIndex;
    probe.bFrameIndex = format.bDefaultFrameIndex;
    return this.#negotiate(vs, probe);
  }

  /** Fix a probe up the way a device does: valid indices, a supported interval, its sizes. */
  #negotiate(vs: VideoStreamingInterface, wanted: ProbeControl): ProbeControl {
    const format = vs.formats.find((f) => f.bFormatIndex === wanted.bFormatIndex) ?? vs.formats[0];
    if (format === undefined) return wanted;
    const frame =
      format.frames.find((f) => f.bFrameIndex === wanted.bFrameIndex) ??
      format.frames.find((f) => f.bFrameIndex === format.bDefaultFrameIndex) ??
      format.frames[0];
    if (frame === undefined) return wanted;

    const result: ProbeControl = { ...wanted, bmLayoutPerStream: wanted.bmLayoutPerStream.slice() };
    result.bFormatIndex = format.bFormatIndex;
    result.bFrameIndex = frame.bFrameIndex;
    result.dwFrameInterval = supportedInterval(frame, wanted.dwFrameInterval);
    result.dwMaxVideoFrameSize = frameSize(format, frame);
    result.dwMaxPayloadTransferSize = payloadSize(vs);
    result.dwClockFrequency = this.#clockHz;
    return result;
  }
}

function supportedInterval(frame: FrameDescriptor, wanted: number): number {
  const intervals = frame.intervals;
  if (intervals.kind === 'discrete') {
    if (intervals.values.includes(wanted)) return wanted;
  } else if (wanted >= intervals.min && wanted <= intervals.max) {
    return wanted;
  }
  return frame.dwDefaultFrameInterval || FALLBACK_INTERVAL;
}

function frameSize(format: FormatDescriptor, frame: FrameDescriptor): number {
  if (frame.dwMaxVideoFrameBufferSize !== undefined && frame.dwMaxVideoFrameBufferSize > 0) {
    return frame.dwMaxVideoFrameBufferSize;
  }
  return (frame.wWidth * frame.wHeight * (format.bBitsPerPixel ?? 16)) / 8;
}

function payloadSize(vs: VideoStreamingInterface): number {
  let largest = 0;
  let bulk = false;
  for (const alt of vs.alternateSettings) {
    for (const endpoint of alt.endpoints) {
      if (endpoint.transferType === 'bulk') bulk = true;
      if (endpoint.transferType === 'isochronous')
        largest = Math.max(largest, endpoint.bytesPerInterval);
    }
  }
  return bulk ? BULK_PAYLOAD_SIZE : largest;
}

function toBytes(data: BufferSource): Uint8Array {
  if (data instanceof ArrayBuffer) return new Uint8Array(data);
  return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
}

function stringDescriptor(text: string): Uint8Array {
  const bytes = new Uint8Array(2 + text.length * 2);
  bytes[0] = bytes.length;
  bytes[1] = USB_DT.STRING;
  for (let i = 0; i < text.length; i++) {
    bytes[2 + i * 2] = text.charCodeAt(i) & 0xff;
    bytes[3 + i * 2] = text.charCodeAt(i) >> 8;
  }
  return bytes;
}

function stringDescriptorLangIds(): Uint8Array {
  return new Uint8Array([4, USB_DT.STRING, LANGID_EN_US & 0xff, LANGID_EN_US >> 8]);
}

function abortError(): Error {
  const error = new Error('the transfer was aborted');
  error.name = 'AbortError';
  return error;
}
