/**
 * A camera replayed from a USB capture: an {@link EmulatedCamera} whose class and vendor
 * request answers, and whose bulk or isochronous video payloads, are the ones a capture
 * recorded. Standard requests (descriptors, configuration and interface selection) are the
 * emulator's, built from the descriptors the capture (or a file beside it) holds.
 *
 * Control requests are matched against the recorded ones in order: a SET moves a cursor to the
 * recorded SET it matches (same setup, the same bytes preferred), and a GET is answered by the
 * next recorded GET with the same setup after that cursor, else by the last one before it. A
 * request the capture never saw is listed in {@link CaptureCamera.unseenRequests}; with
 * `unseen: 'error'` (the default) the optional ones a real camera may refuse (GET_DEF, GET_MIN,
 * GET_MAX, GET_RES, GET_LEN, GET_INFO, and reading VC_REQUEST_ERROR_CODE_CONTROL) are STALLed,
 * as such a camera would, and every other one ends in a CameraError naming it; with
 * `unseen: 'emulate'` the emulator answers them.
 *
 * Payloads are served once the stream is committed (and, for isochronous endpoints, an
 * alternate setting other than 0 is selected), in recorded order: bulk completions one per
 * transfer, isochronous packets one per requested packet whatever the recorded URB geometry.
 * usbmon's text format cuts bodies to 32 bytes (and a snap length may cut more); cut bodies are
 * filled up to their recorded length by {@link fillCutPayload} without JPEG markers, so sizes
 * and headers stay as recorded. With `pace: 'recorded'` transfers complete at the capture's
 * spacing; with `'asap'` (default) at once.
 *
 * TODO: replay: interrupt (status endpoint) completions are not replayed; the emulator's
 * status endpoint answers instead.
 *
 * @packageDocumentation
 */
import { CameraError, CameraErrorCode } from '../errors.js';
import { UVC_REQ, VC_CONTROL, VS_CONTROL } from '../uvc/constants.js';
import type { BulkInCompletion, ControlTransfer, IsochronousInCompletion } from './usbmon.js';
import { EmulatedCamera, type ControlAnswer, type EmulatedCameraOptions } from './emulated.js';

/** How a {@link CaptureCamera} is built. */
export interface CaptureCameraOptions extends Omit<EmulatedCameraOptions, 'controls' | 'pace'> {
  /** Control transfers of the capture, in order (see `extractControlTransfers`). */
  controls: readonly ControlTransfer[];
  /** Bulk IN completions of the video endpoint, in order (see `extractBulkInCompletions`). */
  completions?: readonly BulkInCompletion[];
  /** Isochronous IN completions of the video endpoint (see `extractIsochronousInCompletions`). */
  isochronous?: readonly IsochronousInCompletion[];
  /** The video endpoint address the payloads are served on (e.g. 0x81). */
  endpointAddress: number;
  /** `'recorded'` keeps the capture's spacing; `'asap'` (default) does not wait. */
  pace?: 'recorded' | 'asap';
  /** What answers a request the capture never saw: see the module notes (default `'error'`). */
  unseen?: 'error' | 'emulate';
}

/** A request the capture never answered, kept for the test or the user to inspect. */
export interface UnseenRequest {
  bmRequestType: number;
  bRequest: number;
  wValue: number;
  wIndex: number;
}

/** One recorded isochronous packet, ready to serve. */
interface RecordedPacket {
  status: number;
  bytes: Uint8Array;
  /** Completion time of the URB that carried it, µs. */
  timestampUs: number;
}

/** bmRequestType bits (USB 2.0 §9.3.1, Table 9-2). */
const REQUEST_TYPE_BITS: Record<USBRequestType, number> = {
  standard: 0x00,
  class: 0x20,
  vendor: 0x40,
};
const RECIPIENT_BITS: Record<USBRecipient, number> = {
  device: 0,
  interface: 1,
  endpoint: 2,
  other: 3,
};
const DIRECTION_IN = 0x80;

/** Linux statuses of URBs killed when a stream stops (ENOENT, ECONNRESET, ESHUTDOWN). */
const KILLED = new Set([-2, -104, -108]);
/** EPIPE: a STALL; EOVERFLOW: babble. */
const ERRNO_STALL = -32;

/** GET requests a camera may lack; a replay STALLs them when the capture never saw them. */
const OPTIONAL_REQUESTS = new Set<number>([
  UVC_REQ.GET_MIN,
  UVC_REQ.GET_MAX,
  UVC_REQ.GET_RES,
  UVC_REQ.GET_LEN,
  UVC_REQ.GET_INFO,
  UVC_REQ.GET_DEF,
]);

/** A JPEG marker starts with 0xFF; the filler stays below it. */
const FILLER_MODULUS = 0xfe;

function bmRequestTypeOf(setup: USBControlTransferParameters, direction: 'in' | 'out'): number {
  return (
    (direction === 'in' ? DIRECTION_IN : 0) |
    REQUEST_TYPE_BITS[setup.requestType] |
    RECIPIENT_BITS[setup.recipient]
  );
}

/** Filler for bytes a capture cut: deterministic, and never 0xFF. */
function fill(body: Uint8Array, from: number, seed: number): void {
  for (let offset = from; offset < body.length; offset += 1) {
    body[offset] = (offset * 13 + seed * 7) % FILLER_MODULUS;
  }
}

/**
 * Fill a body usbmon cut short: the captured bytes first, then filler that contains no 0xFF,
 * so no JPEG marker appears where the camera sent image data.
 */
export function fillCutPayload(completion: BulkInCompletion, index: number): Uint8Array {
  const body = new Uint8Array(completion.length);
  fill(body, completion.data.length, index);
  body.set(completion.data.subarray(0, Math.min(completion.data.length, body.length)));
  return body;
}

/** The packets of isochronous completions in order, cut bodies filled. */
function flattenPackets(completions: readonly IsochronousInCompletion[]): RecordedPacket[] {
  const packets: RecordedPacket[] = [];
  completions.forEach((completion, urb) => {
    if (KILLED.has(completion.status)) return;
    for (const packet of completion.packets) {
      const end = packet.offset + packet.length;
      let bytes = completion.data.subarray(packet.offset, Math.min(end, completion.data.length));
      if (bytes.length < packet.length) {
        const whole = new Uint8Array(packet.length);
        fill(whole, bytes.length, urb);
        whole.set(bytes);
        bytes = whole;
      }
      packets.push({ status: packet.status, bytes, timestampUs: completion.timestampUs });
    }
  });
  return packets;
}

function sameBytes(a: Uint8Array, b: DataView | undefined): boolean {
  if (!b || a.length !== b.byteLength) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b.getUint8(i)) return false;
  return true;
}

function hex(value: number, digits: number): string {
  return value.toString(16).padStart(digits, '0');
}

/**
 * `SET_CUR(COMMIT_CONTROL) on interface 1 (bmRequestType 0x21 …)`: a request named for
 * messages. `streamingInterfaces` tells VideoStreaming selectors from VideoControl ones.
 */
export function describeCapturedRequest(
  request: UnseenRequest,
  streamingInterfaces: ReadonlySet<number> = new Set(),
): string {
  const requestName = Object.entries(UVC_REQ).find(([, code]) => code === request.bRequest)?.[0];
  const selector = request.wValue >> 8;
  const entity = request.wIndex >> 8;
  const interfaceNumber = request.wIndex & 0xff;
  const family: Record<string, number> = streamingInterfaces.has(interfaceNumber)
    ? VS_CONTROL
    : VC_CONTROL;
  const named =
    entity === 0 ? Object.entries(family).find(([, code]) => code === selector)?.[0] : undefined;
  const control = named ?? `selector 0x${hex(selector, 2)} of entity ${entity}`;
  const setup =
    `bmRequestType 0x${hex(request.bmRequestType, 2)} bRequest 0x${hex(request.bRequest, 2)} ` +
    `wValue 0x${hex(request.wValue, 4)} wIndex 0x${hex(request.wIndex, 4)}`;
  const name = requestName ?? `request 0x${hex(request.bRequest, 2)}`;
  return `${name}(${control}) on interface ${interfaceNumber} (${setup})`;
}

/** An emulated camera that replays a capture's requests and video payloads. */
export class CaptureCamera extends EmulatedCamera {
  /** Requests the capture has no answer for, in the order they came. */
  readonly unseenRequests: UnseenRequest[] = [];
  readonly #recorded: readonly ControlTransfer[];
  readonly #bulk: readonly BulkInCompletion[];
  readonly #packets: readonly RecordedPacket[];
  readonly #endpointAddress: number;
  readonly #pace: 'recorded' | 'asap';
  readonly #unseen: 'error' | 'emulate';
  readonly #waiting = new Set<(error: DOMException) => void>();
  readonly #finished: Promise<void>;
  #finish!: () => void;
  /** Where in the recorded control transfers the replay stands. */
  #cursor = 0;
  #committed = false;
  #nextBulk = 0;
  #nextPacket = 0;
  /** Host time (µs) that corresponds to the first recorded payload's time. */
  #startedAt: number | undefined;
  /** The completion of the last payload handed out at recorded pace. */
  #inOrder: Promise<void> = Promise.resolve();

  constructor(options: CaptureCameraOptions) {
    const { controls, completions, isochronous, endpointAddress, pace, unseen, ...rest } = options;
    super({
      ...rest,
      pace: 'asap',
      controls: (setup, direction, data) => this.#answer(setup, direction, data),
    });
    this.#recorded = controls;
    this.#bulk = (completions ?? []).filter((c) => !KILLED.has(c.status));
    this.#packets = flattenPackets(isochronous ?? []);
    this.#endpointAddress = endpointAddress;
    this.#pace = pace ?? 'asap';
    this.#unseen = unseen ?? 'error';
    this.#finished = new Promise((resolve) => (this.#finish = resolve));
    if (this.#bulk.length === 0 && this.#packets.length === 0) this.#finish();
  }

  /** Bulk completions served so far. */
  get completionsServed(): number {
    return this.#nextBulk;
  }

  /** Isochronous packets served so far. */
  get packetsServed(): number {
    return this.#nextPacket;
  }

  /** Video payloads the capture holds: bulk completions plus isochronous packets. */
  get recordedPayloads(): number {
    return this.#bulk.length + this.#packets.length;
  }

  /**
   * Resolves once the last recorded payload has been handed to the host (at once when the
   * capture holds none); the host processes it right after.
   */
  get finished(): Promise<void> {
    return this.#finished;
  }

  /** Recorded answers for class and vendor requests; standard ones go to the emulator. */
  #answer(
    setup: USBControlTransferParameters,
    direction: 'in' | 'out',
    data?: DataView,
  ): ControlAnswer | undefined {
    if (setup.requestType === 'standard') return undefined;
    const bmRequestType = bmRequestTypeOf(setup, direction);
    const same = (t: ControlTransfer): boolean =>
      t.bmRequestType === bmRequestType &&
      t.bRequest === setup.request &&
      t.wValue === setup.value &&
      t.wIndex === setup.index;

    if (direction === 'out') {
      const at = this.#findSet(same, data);
      if (at < 0) return this.#unseenRequest(setup, bmRequestType);
      this.#cursor = at + 1;
      return this.#recorded[at]!.status === 0 ? { status: 'ok' } : { status: 'stall' };
    }

    const after = this.#recorded.findIndex((t, i) => i >= this.#cursor && same(t));
    const at =
      after >= 0 ? after : this.#recorded.findLastIndex((t, i) => i < this.#cursor && same(t));
    if (at < 0) return this.#unseenRequest(setup, bmRequestType);
    if (after >= 0) this.#cursor = at + 1;
    const answer = this.#recorded[at]!;
    if (answer.status !== 0) return { status: 'stall' };
    return { status: 'ok', data: answer.data.slice(0, answer.dataLength) };
  }

  /** The recorded SET a request matches: same bytes after the cursor, anywhere, then any bytes. */
  #findSet(same: (t: ControlTransfer) => boolean, data: DataView | undefined): number {
    const cursor = this.#cursor;
    const candidates: Array<(t: ControlTransfer, i: number) => boolean> = [
      (t, i) => i >= cursor && same(t) && sameBytes(t.data, data),
      (t) => same(t) && sameBytes(t.data, data),
      (t, i) => i >= cursor && same(t),
    ];
    for (const candidate of candidates) {
      const at = this.#recorded.findIndex(candidate);
      if (at >= 0) return at;
    }
    return this.#recorded.findLastIndex(same);
  }

  #unseenRequest(
    setup: USBControlTransferParameters,
    bmRequestType: number,
  ): ControlAnswer | undefined {
    const request = {
      bmRequestType,
      bRequest: setup.request,
      wValue: setup.value,
      wIndex: setup.index,
    };
    this.unseenRequests.push(request);
    if (this.#unseen === 'emulate') return undefined;

    const readsErrorCode =
      setup.request === UVC_REQ.GET_CUR &&
      setup.value >> 8 === VC_CONTROL.REQUEST_ERROR_CODE_CONTROL &&
      setup.index >> 8 === 0;
    const optional =
      (bmRequestType & DIRECTION_IN) !== 0 &&
      (OPTIONAL_REQUESTS.has(setup.request) || readsErrorCode);
    if (optional) return { status: 'stall' };

    // The replay cannot know what the camera would have answered: stop here, naming the request.
    const name = this.describe(request);
    throw new CameraError(
      CameraErrorCode.OPERATION_NOT_ALLOWED,
      `replay: the capture never saw ${name}`,
      {
        expected: 'a request the capture recorded (or unseen requests emulated)',
        found: `no such request among the capture's ${this.#recorded.length} control transfers`,
      },
    );
  }

  /** A request named for messages (see {@link describeCapturedRequest}). */
  describe(request: UnseenRequest): string {
    const streaming = this.model.functions.flatMap((fn) =>
      fn.streaming.map((vs) => vs.bInterfaceNumber),
    );
    return describeCapturedRequest(request, new Set(streaming));
  }

  override async controlTransferOut(
    setup: USBControlTransferParameters,
    data?: BufferSource,
  ): Promise<USBOutTransferResult> {
    const result = await super.controlTransferOut(setup, data);
    const commit =
      setup.requestType === 'class' &&
      setup.recipient === 'interface' &&
      setup.request === UVC_REQ.SET_CUR &&
      setup.value >> 8 === VS_CONTROL.COMMIT_CONTROL &&
      (setup.index & 0xff) === this.#videoInterface();
    if (commit && result.status === 'ok') this.#committed = true;
    return result;
  }

  /** The VideoStreaming interface whose endpoint the payloads belong to. */
  #videoInterface(): number | undefined {
    for (const fn of this.model.functions) {
      for (const vs of fn.streaming) {
        const address = vs.inputHeader?.bEndpointAddress;
        const inAlternates = vs.alternateSettings.some((s) =>
          s.endpoints.some((e) => e.bEndpointAddress === this.#endpointAddress),
        );
        if (address === this.#endpointAddress || inAlternates) return vs.bInterfaceNumber;
      }
    }
    return undefined;
  }

  /** True once the host may read payloads: committed, and (isochronous) off alternate setting 0. */
  #streaming(isochronous: boolean): boolean {
    if (!this.#committed) return false;
    if (!isochronous) return true;
    const number = this.#videoInterface();
    const current = this.configuration?.interfaces.find((i) => i.interfaceNumber === number);
    return (current?.alternate.alternateSetting ?? 0) !== 0;
  }

  /** A stream the capture holds no payloads for: an error, unless the emulator may stream. */
  #noPayloads(): CameraError | undefined {
    if (this.#unseen === 'emulate') return undefined;
    const endpoint = `0x${hex(this.#endpointAddress, 2)}`;
    return new CameraError(
      CameraErrorCode.OPERATION_NOT_ALLOWED,
      `replay: the capture holds no video payloads on endpoint ${endpoint}`,
      {
        expected: 'bulk or isochronous IN completions of the video endpoint in the capture',
        found: 'none (the capture ends before streaming)',
      },
    );
  }

  override async transferIn(endpointNumber: number, length: number): Promise<USBInTransferResult> {
    const ours =
      endpointNumber === (this.#endpointAddress & 0x0f) &&
      (this.#endpointAddress & DIRECTION_IN) !== 0;
    if (!ours || !this.opened || !this.#streaming(false))
      return super.transferIn(endpointNumber, length);
    if (this.#bulk.length === 0) {
      const error = this.#noPayloads();
      if (error) throw error;
      return super.transferIn(endpointNumber, length);
    }

    const completion = this.#bulk[this.#nextBulk];
    if (!completion) return this.#idle();
    const index = this.#nextBulk++;
    await this.#wait(completion.timestampUs, this.#bulk[0]!.timestampUs);
    if (index === this.#bulk.length - 1) this.#finish();

    if (completion.status === ERRNO_STALL) return { status: 'stall' };
    if (completion.status !== 0) return { status: 'babble' };
    const body = fillCutPayload(completion, index);
    const kept = body.subarray(0, Math.min(body.length, length));
    return {
      status: kept.length < body.length ? 'babble' : 'ok',
      data: new DataView(kept.slice().buffer),
    };
  }

  override async isochronousTransferIn(
    endpointNumber: number,
    packetLengths: number[],
  ): Promise<USBIsochronousInTransferResult> {
    const ours =
      endpointNumber === (this.#endpointAddress & 0x0f) &&
      (this.#endpointAddress & DIRECTION_IN) !== 0;
    if (!ours || !this.opened || !this.#streaming(true))
      return super.isochronousTransferIn(endpointNumber, packetLengths);
    if (this.#packets.length === 0) {
      const error = this.#noPayloads();
      if (error) throw error;
      return super.isochronousTransferIn(endpointNumber, packetLengths);
    }
    if (this.#nextPacket >= this.#packets.length) return this.#idle();

    const taken = this.#packets.slice(this.#nextPacket, this.#nextPacket + packetLengths.length);
    this.#nextPacket += taken.length;
    const last = this.#nextPacket === this.#packets.length;
    await this.#wait(taken[taken.length - 1]!.timestampUs, this.#packets[0]!.timestampUs);
    if (last) this.#finish();

    const total = packetLengths.reduce((sum, length) => sum + length, 0);
    const buffer = new Uint8Array(total);
    const packets: USBIsochronousInTransferPacket[] = [];
    let offset = 0;
    packetLengths.forEach((packetLength, index) => {
      packets.push(isoPacket(buffer, offset, packetLength, taken[index]));
      offset += packetLength;
    });
    return { data: new DataView(buffer.buffer), packets };
  }

  /**
   * Keep the capture's spacing, measured from the first payload served; transfers complete in
   * the order they were taken whatever their timers do, as on a real endpoint.
   */
  async #wait(timestampUs: number, firstUs: number): Promise<void> {
    if (this.#pace !== 'recorded') return;
    const nowUs = performance.now() * 1000;
    this.#startedAt ??= nowUs - (timestampUs - firstUs);
    const delayMs = (this.#startedAt + (timestampUs - firstUs) - nowUs) / 1000;
    const previous = this.#inOrder;
    const mine = (async () => {
      await previous;
      if (delayMs > 0) await new Promise((resolve) => setTimeout(resolve, delayMs));
    })();
    this.#inOrder = mine;
    await mine;
  }

  /** A camera with nothing more to send: the transfer waits until it is cancelled. */
  #idle<T>(): Promise<T> {
    return new Promise((_, reject) => {
      const cancel = (error: DOMException) => {
        this.#waiting.delete(cancel);
        reject(error);
      };
      this.#waiting.add(cancel);
    });
  }

  #cancelWaiting(): void {
    const error = new DOMException('capture camera: the transfer was cancelled', 'AbortError');
    for (const cancel of [...this.#waiting]) cancel(error);
  }

  override async clearHalt(direction: USBDirection, endpointNumber: number): Promise<void> {
    if (endpointNumber === (this.#endpointAddress & 0x0f)) this.#cancelWaiting();
    return super.clearHalt(direction, endpointNumber);
  }

  override async selectAlternateInterface(
    interfaceNumber: number,
    alternateSetting: number,
  ): Promise<void> {
    if (interfaceNumber === this.#videoInterface()) this.#cancelWaiting();
    return super.selectAlternateInterface(interfaceNumber, alternateSetting);
  }

  override async releaseInterface(interfaceNumber: number): Promise<void> {
    this.#cancelWaiting();
    return super.releaseInterface(interfaceNumber);
  }

  override async close(): Promise<void> {
    this.#cancelWaiting();
    return super.close();
  }

  override disconnect(): void {
    this.#cancelWaiting();
    super.disconnect();
  }
}

/**
 * One packet of a replayed isochronous transfer: the recorded packet in the host's slot, cut
 * to the slot (babble when it does not fit); a failed recorded packet carries no data.
 */
function isoPacket(
  buffer: Uint8Array,
  offset: number,
  packetLength: number,
  recorded: RecordedPacket | undefined,
): USBIsochronousInTransferPacket {
  if (!recorded) return { status: 'ok', data: new DataView(buffer.buffer, offset, 0) };
  if (recorded.status !== 0) {
    const status = recorded.status === ERRNO_STALL ? 'stall' : 'babble';
    return { status, data: new DataView(buffer.buffer, offset, 0) };
  }
  const kept = Math.min(recorded.bytes.length, packetLength);
  buffer.set(recorded.bytes.subarray(0, kept), offset);
  return {
    status: kept < recorded.bytes.length ? 'babble' : 'ok',
    data: new DataView(buffer.buffer, offset, kept),
  };
}
