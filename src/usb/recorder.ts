/**
 * Recording what crosses USB: a W3C `USBDevice` decorator, {@link RecordingDevice}, that hands
 * every control request with its answer, every bulk and interrupt transfer and every
 * isochronous transfer with its per-packet status to a {@link UsbEventSink} as usbmon events —
 * a submission ('S') when the call starts and a completion ('C') when it settles — and a
 * decorator of streaming backends for the transfers a backend makes on its own handle (the
 * native binding).
 *
 * The events have the shape the capture parsers produce (`usbmon.ts`), so a recording written
 * with `PcapngWriter` opens in Wireshark and replays through `replay.ts`. W3C calls that are
 * standard requests on the wire are recorded as those requests: `selectConfiguration` as
 * SET_CONFIGURATION, `selectAlternateInterface` as SET_INTERFACE, `clearHalt` as
 * CLEAR_FEATURE(ENDPOINT_HALT). Claiming, releasing, opening and closing put nothing on the
 * bus and are not recorded.
 *
 * No Node-only API: it runs wherever the device does.
 *
 * @packageDocumentation
 */
import { classifyUsbError } from '../errors.js';
import { USB_REQ } from '../uvc/constants.js';
import type { PacketResult, TransferSink } from '../stream/reader.js';
import type { UsbEventSink } from './pcapng.js';
import {
  WebUsbStreaming,
  type ControlPipe,
  type RunningTransfers,
  type StreamingBackend,
  type StreamingStart,
} from './streaming.js';
import type { UsbmonEvent, UsbmonIsoDescriptor, UsbmonTransferType } from './usbmon.js';

export type { UsbEventSink } from './pcapng.js';

/** Where a recording's events say they happened, and its clock. */
export interface RecordOptions {
  /** Bus number written into each event (default 1). */
  bus?: number;
  /** Device address written into each event (default 1). */
  device?: number;
  /** Microseconds since the epoch; the high-resolution wall clock when absent. */
  clock?: () => number;
}

/** What `recordTo` accepts: a sink, or a sink with {@link RecordOptions}. */
export type RecordTarget = UsbEventSink | ({ sink: UsbEventSink } & RecordOptions);

/** Linux errno values usbmon shows as URB and packet statuses. */
const ERRNO = {
  OK: 0,
  ENOENT: -2,
  EXDEV: -18,
  EPIPE: -32,
  EPROTO: -71,
  EOVERFLOW: -75,
  ESHUTDOWN: -108,
  ETIMEDOUT: -110,
  EINPROGRESS: -115,
} as const;

/** bmRequestType fields (USB 2.0 §9.3.1, Table 9-2). */
const REQUEST_TYPE: Record<USBRequestType, number> = { standard: 0x00, class: 0x20, vendor: 0x40 };
const RECIPIENT: Record<USBRecipient, number> = { device: 0, interface: 1, endpoint: 2, other: 3 };
const DIRECTION_IN = 0x80;

/** Feature selector ENDPOINT_HALT (USB 2.0 Table 9-6). */
const ENDPOINT_HALT = 0;

/** The polling interval written for isochronous URBs: W3C endpoints do not say theirs. */
const UNKNOWN_INTERVAL = 1;

/** A WebUSB status as a usbmon status. */
function statusErrno(status: USBTransferStatus | undefined): number {
  if (status === 'stall') return ERRNO.EPIPE;
  if (status === 'babble') return ERRNO.EOVERFLOW;
  return ERRNO.OK;
}

/** A transport error as the status a usbmon completion would carry. */
function errorErrno(error: unknown): number {
  if ((error as { name?: unknown } | null)?.name === 'AbortError') return ERRNO.ENOENT;
  switch (classifyUsbError(error)) {
    case 'stall':
      return ERRNO.EPIPE;
    case 'babble':
      return ERRNO.EOVERFLOW;
    case 'disconnected':
      return ERRNO.ESHUTDOWN;
    case 'timeout':
      return ERRNO.ETIMEDOUT;
    default:
      return ERRNO.EPROTO;
  }
}

/** The 8 bytes of a SETUP packet (USB 2.0 §9.3). */
export function encodeSetup(
  setup: USBControlTransferParameters,
  direction: USBDirection,
  wLength: number,
): Uint8Array {
  const bmRequestType =
    (direction === 'in' ? DIRECTION_IN : 0) |
    REQUEST_TYPE[setup.requestType] |
    RECIPIENT[setup.recipient];
  return Uint8Array.of(
    bmRequestType,
    setup.request & 0xff,
    setup.value & 0xff,
    (setup.value >> 8) & 0xff,
    setup.index & 0xff,
    (setup.index >> 8) & 0xff,
    wLength & 0xff,
    (wLength >> 8) & 0xff,
  );
}

function bytesOf(data: BufferSource | undefined): Uint8Array {
  if (data === undefined) return new Uint8Array(0);
  if (data instanceof ArrayBuffer) return new Uint8Array(data.slice(0));
  return new Uint8Array(data.buffer, data.byteOffset, data.byteLength).slice();
}

function viewBytes(view: DataView | undefined): Uint8Array {
  if (view === undefined) return new Uint8Array(0);
  return new Uint8Array(view.buffer, view.byteOffset, view.byteLength).slice();
}

/** Turns calls into usbmon events: URB tags, timestamps, the device's address. */
class TrafficLog {
  readonly #sink: UsbEventSink;
  readonly #bus: number;
  readonly #device: number;
  readonly #clock: () => number;
  #next = 0;

  constructor(sink: UsbEventSink, options: RecordOptions) {
    this.#sink = sink;
    this.#bus = options.bus ?? 1;
    this.#device = options.device ?? 1;
    this.#clock =
      options.clock ?? (() => Math.round((performance.timeOrigin + performance.now()) * 1000));
  }

  /** A fresh URB tag: unique within the recording, shared by a submission and its completion. */
  tag(): string {
    this.#next += 1;
    return 'ffff8880' + this.#next.toString(16).padStart(8, '0');
  }

  emit(
    id: string,
    type: 'S' | 'C',
    transferType: UsbmonTransferType,
    endpoint: number,
    fields: Partial<UsbmonEvent> & { length: number },
  ): void {
    const data = fields.data ?? new Uint8Array(0);
    this.#sink.write({
      id,
      timestampUs: Math.round(this.#clock()),
      type,
      transferType,
      bus: this.#bus,
      device: this.#device,
      endpoint,
      status: type === 'S' ? ERRNO.EINPROGRESS : ERRNO.OK,
      ...fields,
      data,
      dataLength: data.length,
    });
  }

  /** A control transfer device to host. */
  async controlIn(
    pipe: ControlPipe,
    setup: USBControlTransferParameters,
    length: number,
  ): Promise<USBInTransferResult> {
    const id = this.tag();
    const endpoint = DIRECTION_IN;
    this.emit(id, 'S', 'Ci', endpoint, { setup: encodeSetup(setup, 'in', length), length });
    let result: USBInTransferResult;
    try {
      result = await pipe.controlTransferIn(setup, length);
    } catch (error) {
      this.emit(id, 'C', 'Ci', endpoint, { status: errorErrno(error), length: 0 });
      throw error;
    }
    const data = viewBytes(result.data);
    this.emit(id, 'C', 'Ci', endpoint, {
      status: statusErrno(result.status),
      length: data.length,
      data,
    });
    return result;
  }

  /** A control transfer host to device. */
  async controlOut(
    pipe: ControlPipe,
    setup: USBControlTransferParameters,
    data?: BufferSource,
  ): Promise<USBOutTransferResult> {
    const bytes = bytesOf(data);
    const id = this.tag();
    const setupBytes = encodeSetup(setup, 'out', bytes.length);
    this.emit(id, 'S', 'Co', 0, { setup: setupBytes, length: bytes.length, data: bytes });
    let result: USBOutTransferResult;
    try {
      result = await pipe.controlTransferOut(setup, data);
    } catch (error) {
      this.emit(id, 'C', 'Co', 0, { status: errorErrno(error), length: 0 });
      throw error;
    }
    this.emit(id, 'C', 'Co', 0, {
      status: statusErrno(result.status),
      length: result.bytesWritten,
    });
    return result;
  }

  /** A standard request without data stage that a W3C method performs (SET_INTERFACE, …). */
  async standardOut<T>(setup: USBControlTransferParameters, perform: () => Promise<T>): Promise<T> {
    const id = this.tag();
    this.emit(id, 'S', 'Co', 0, { setup: encodeSetup(setup, 'out', 0), length: 0 });
    try {
      const result = await perform();
      this.emit(id, 'C', 'Co', 0, { length: 0 });
      return result;
    } catch (error) {
      this.emit(id, 'C', 'Co', 0, { status: errorErrno(error), length: 0 });
      throw error;
    }
  }

  /** A bulk or interrupt IN transfer. */
  async transferIn(
    letter: 'B' | 'I',
    endpoint: number,
    length: number,
    perform: () => Promise<USBInTransferResult>,
  ): Promise<USBInTransferResult> {
    const id = this.tag();
    const type = `${letter}i` as UsbmonTransferType;
    this.emit(id, 'S', type, endpoint, { length });
    let result: USBInTransferResult;
    try {
      result = await perform();
    } catch (error) {
      this.emit(id, 'C', type, endpoint, { status: errorErrno(error), length: 0 });
      throw error;
    }
    const data = viewBytes(result.data);
    this.emit(id, 'C', type, endpoint, {
      status: statusErrno(result.status),
      length: data.length,
      data,
    });
    return result;
  }

  /** A bulk or interrupt OUT transfer. */
  async transferOut(
    letter: 'B' | 'I',
    endpoint: number,
    data: BufferSource,
    perform: () => Promise<USBOutTransferResult>,
  ): Promise<USBOutTransferResult> {
    const bytes = bytesOf(data);
    const id = this.tag();
    const type = `${letter}o` as UsbmonTransferType;
    this.emit(id, 'S', type, endpoint, { length: bytes.length, data: bytes });
    let result: USBOutTransferResult;
    try {
      result = await perform();
    } catch (error) {
      this.emit(id, 'C', type, endpoint, { status: errorErrno(error), length: 0 });
      throw error;
    }
    this.emit(id, 'C', type, endpoint, {
      status: statusErrno(result.status),
      length: result.bytesWritten,
    });
    return result;
  }

  /** An isochronous IN submission: its packets' requested lengths at their offsets. */
  isochronousSubmit(endpoint: number, packetLengths: readonly number[]): string {
    const id = this.tag();
    let offset = 0;
    const descriptors: UsbmonIsoDescriptor[] = packetLengths.map((length) => {
      const descriptor = { status: ERRNO.EXDEV, offset, length };
      offset += length;
      return descriptor;
    });
    this.emit(id, 'S', 'Zi', endpoint, {
      length: offset,
      interval: UNKNOWN_INTERVAL,
      iso: { errorCount: 0, packetCount: descriptors.length, descriptors },
    });
    return id;
  }

  /**
   * An isochronous IN completion. `packets` give each packet's bytes (a view), length and
   * status; the bytes are laid out at the packets' requested offsets, as usbmon does.
   */
  isochronousComplete(
    id: string,
    endpoint: number,
    packetLengths: readonly number[],
    packets: ReadonlyArray<{ bytes: Uint8Array; status: number }>,
  ): void {
    let requested = 0;
    let end = 0;
    const descriptors: UsbmonIsoDescriptor[] = packets.map((packet, index) => {
      const descriptor = { status: packet.status, offset: requested, length: packet.bytes.length };
      if (packet.bytes.length > 0) end = requested + packet.bytes.length;
      requested += packetLengths[index] ?? packet.bytes.length;
      return descriptor;
    });
    const data = new Uint8Array(end);
    packets.forEach((packet, index) => {
      const at = descriptors[index]!.offset;
      if (at < end) data.set(packet.bytes.subarray(0, end - at), at);
    });
    this.emit(id, 'C', 'Zi', endpoint, {
      length: packets.reduce((sum, packet) => sum + packet.bytes.length, 0),
      interval: UNKNOWN_INTERVAL,
      iso: {
        errorCount: packets.filter((packet) => packet.status !== ERRNO.OK).length,
        packetCount: packets.length,
        descriptors,
      },
      data,
    });
  }

  /** An isochronous transfer that failed as a whole. */
  isochronousFailed(id: string, endpoint: number, error: unknown): void {
    this.emit(id, 'C', 'Zi', endpoint, {
      status: errorErrno(error),
      length: 0,
      interval: UNKNOWN_INTERVAL,
      iso: { errorCount: 0, packetCount: 0, descriptors: [] },
    });
  }
}

/** Each recording device's log, for the streaming-backend decorator of the same recording. */
const logs = new WeakMap<RecordingDevice, TrafficLog>();

/**
 * A `USBDevice` that records every transfer of the device it wraps (see the module notes).
 * Everything else it forwards unchanged.
 */
export class RecordingDevice implements USBDevice {
  /** The device being recorded. */
  readonly inner: USBDevice;
  readonly #log: TrafficLog;

  constructor(inner: USBDevice, sink: UsbEventSink, options: RecordOptions = {}) {
    this.inner = inner;
    this.#log = new TrafficLog(sink, options);
    logs.set(this, this.#log);
  }

  get usbVersionMajor(): number {
    return this.inner.usbVersionMajor;
  }
  get usbVersionMinor(): number {
    return this.inner.usbVersionMinor;
  }
  get usbVersionSubminor(): number {
    return this.inner.usbVersionSubminor;
  }
  get deviceClass(): number {
    return this.inner.deviceClass;
  }
  get deviceSubclass(): number {
    return this.inner.deviceSubclass;
  }
  get deviceProtocol(): number {
    return this.inner.deviceProtocol;
  }
  get vendorId(): number {
    return this.inner.vendorId;
  }
  get productId(): number {
    return this.inner.productId;
  }
  get deviceVersionMajor(): number {
    return this.inner.deviceVersionMajor;
  }
  get deviceVersionMinor(): number {
    return this.inner.deviceVersionMinor;
  }
  get deviceVersionSubminor(): number {
    return this.inner.deviceVersionSubminor;
  }
  get manufacturerName(): string | null {
    return this.inner.manufacturerName;
  }
  get productName(): string | null {
    return this.inner.productName;
  }
  get serialNumber(): string | null {
    return this.inner.serialNumber;
  }
  get configuration(): USBConfiguration | null {
    return this.inner.configuration;
  }
  get configurations(): USBConfiguration[] {
    return this.inner.configurations;
  }
  get opened(): boolean {
    return this.inner.opened;
  }

  open(): Promise<void> {
    return this.inner.open();
  }

  close(): Promise<void> {
    return this.inner.close();
  }

  forget(): Promise<void> {
    return this.inner.forget();
  }

  reset(): Promise<void> {
    return this.inner.reset();
  }

  claimInterface(interfaceNumber: number): Promise<void> {
    return this.inner.claimInterface(interfaceNumber);
  }

  releaseInterface(interfaceNumber: number): Promise<void> {
    return this.inner.releaseInterface(interfaceNumber);
  }

  selectConfiguration(configurationValue: number): Promise<void> {
    const setup = standardSetup('device', USB_REQ.SET_CONFIGURATION, configurationValue, 0);
    return this.#log.standardOut(setup, () => this.inner.selectConfiguration(configurationValue));
  }

  selectAlternateInterface(interfaceNumber: number, alternateSetting: number): Promise<void> {
    const setup = standardSetup(
      'interface',
      USB_REQ.SET_INTERFACE,
      alternateSetting,
      interfaceNumber,
    );
    return this.#log.standardOut(setup, () =>
      this.inner.selectAlternateInterface(interfaceNumber, alternateSetting),
    );
  }

  clearHalt(direction: USBDirection, endpointNumber: number): Promise<void> {
    const address = endpointNumber | (direction === 'in' ? DIRECTION_IN : 0);
    const setup = standardSetup('endpoint', USB_REQ.CLEAR_FEATURE, ENDPOINT_HALT, address);
    return this.#log.standardOut(setup, () => this.inner.clearHalt(direction, endpointNumber));
  }

  controlTransferIn(
    setup: USBControlTransferParameters,
    length: number,
  ): Promise<USBInTransferResult> {
    return this.#log.controlIn(this.inner, setup, length);
  }

  controlTransferOut(
    setup: USBControlTransferParameters,
    data?: BufferSource,
  ): Promise<USBOutTransferResult> {
    return this.#log.controlOut(this.inner, setup, data);
  }

  transferIn(endpointNumber: number, length: number): Promise<USBInTransferResult> {
    const letter = this.#endpointType(endpointNumber, 'in') === 'interrupt' ? 'I' : 'B';
    return this.#log.transferIn(letter, endpointNumber | DIRECTION_IN, length, () =>
      this.inner.transferIn(endpointNumber, length),
    );
  }

  transferOut(endpointNumber: number, data: BufferSource): Promise<USBOutTransferResult> {
    const letter = this.#endpointType(endpointNumber, 'out') === 'interrupt' ? 'I' : 'B';
    return this.#log.transferOut(letter, endpointNumber, data, () =>
      this.inner.transferOut(endpointNumber, data),
    );
  }

  async isochronousTransferIn(
    endpointNumber: number,
    packetLengths: number[],
  ): Promise<USBIsochronousInTransferResult> {
    const endpoint = endpointNumber | DIRECTION_IN;
    const id = this.#log.isochronousSubmit(endpoint, packetLengths);
    let result: USBIsochronousInTransferResult;
    try {
      result = await this.inner.isochronousTransferIn(endpointNumber, packetLengths);
    } catch (error) {
      this.#log.isochronousFailed(id, endpoint, error);
      throw error;
    }
    const packets = result.packets.map((packet) => ({
      bytes: packet.data
        ? new Uint8Array(packet.data.buffer, packet.data.byteOffset, packet.data.byteLength)
        : new Uint8Array(0),
      status: statusErrno(packet.status),
    }));
    this.#log.isochronousComplete(id, endpoint, packetLengths, packets);
    return result;
  }

  // TODO: record: isochronous OUT transfers (no UVC camera streams out) are forwarded unrecorded.
  isochronousTransferOut(
    endpointNumber: number,
    data: BufferSource,
    packetLengths: number[],
  ): Promise<USBIsochronousOutTransferResult> {
    return this.inner.isochronousTransferOut(endpointNumber, data, packetLengths);
  }

  /** The type of an endpoint of the current configuration, by number and direction. */
  #endpointType(endpointNumber: number, direction: USBDirection): USBEndpointType | undefined {
    for (const iface of this.inner.configuration?.interfaces ?? []) {
      for (const alternate of [iface.alternate, ...iface.alternates]) {
        const endpoint = alternate?.endpoints.find(
          (e) => e.endpointNumber === endpointNumber && e.direction === direction,
        );
        if (endpoint) return endpoint.type;
      }
    }
    return undefined;
  }
}

function standardSetup(
  recipient: USBRecipient,
  request: number,
  value: number,
  index: number,
): USBControlTransferParameters {
  return { requestType: 'standard', recipient, request, value, index };
}

/**
 * A control pipe whose requests are recorded. The pipe it wraps is asked for at each request:
 * a backend's pipe may exist only once the backend has claimed its interface.
 */
class RecordingControlPipe implements ControlPipe {
  constructor(
    readonly inner: () => ControlPipe,
    readonly log: TrafficLog,
  ) {}

  controlTransferIn(
    setup: USBControlTransferParameters,
    length: number,
  ): Promise<USBInTransferResult> {
    return this.log.controlIn(this.inner(), setup, length);
  }

  controlTransferOut(
    setup: USBControlTransferParameters,
    data?: BufferSource,
  ): Promise<USBOutTransferResult> {
    return this.log.controlOut(this.inner(), setup, data);
  }
}

/**
 * A streaming backend whose traffic is recorded: its control pipe, its alternate-setting
 * changes, and each completion it hands on. A backend that reads on its own handle (the
 * native binding) reports completions only, so each completion is recorded with a submission
 * at the same moment.
 */
class RecordingBackend implements StreamingBackend {
  readonly #inner: StreamingBackend;
  readonly #log: TrafficLog;
  readonly #interfaceNumber: number;
  readonly control: ControlPipe;

  constructor(inner: StreamingBackend, log: TrafficLog, interfaceNumber: number) {
    this.#inner = inner;
    this.#log = log;
    this.#interfaceNumber = interfaceNumber;
    this.control = new RecordingControlPipe(() => inner.control, log);
  }

  get limitation(): string {
    return this.#inner.limitation;
  }

  supports(endpoint: Parameters<StreamingBackend['supports']>[0]): boolean {
    return this.#inner.supports(endpoint);
  }

  claim(): Promise<void> {
    const setup = standardSetup('interface', USB_REQ.SET_INTERFACE, 0, this.#interfaceNumber);
    return this.#log.standardOut(setup, () => this.#inner.claim());
  }

  selectAlternate(alternateSetting: number): Promise<void> {
    const setup = standardSetup(
      'interface',
      USB_REQ.SET_INTERFACE,
      alternateSetting,
      this.#interfaceNumber,
    );
    return this.#log.standardOut(setup, () => this.#inner.selectAlternate(alternateSetting));
  }

  // TODO: record: a backend's completions carry no submission time; the submission is recorded
  // at the completion's moment.
  start(sink: TransferSink, options: StreamingStart): Promise<RunningTransfers> {
    const address = options.endpoint.bEndpointAddress;
    const recorded: TransferSink = {
      bulk: (data, requested, time) => {
        const id = this.#log.tag();
        this.#log.emit(id, 'S', 'Bi', address, { length: requested });
        this.#log.emit(id, 'C', 'Bi', address, { length: data.length, data: data.slice() });
        sink.bulk?.(data, requested, time);
      },
      isochronous: (data, packets, time) => {
        const lengths = packetLengthsOf(packets, data.length);
        const id = this.#log.isochronousSubmit(address, lengths);
        this.#log.isochronousComplete(id, address, lengths, packetBytes(data, packets));
        sink.isochronous?.(data, packets, time);
      },
    };
    return this.#inner.start(recorded, options);
  }

  async release(endpoint: Parameters<StreamingBackend['release']>[0]): Promise<void> {
    const setup =
      endpoint?.transferType === 'bulk'
        ? standardSetup('endpoint', USB_REQ.CLEAR_FEATURE, ENDPOINT_HALT, endpoint.bEndpointAddress)
        : standardSetup('interface', USB_REQ.SET_INTERFACE, 0, this.#interfaceNumber);
    await this.#log.standardOut(setup, () => this.#inner.release(endpoint));
  }

  close(): Promise<void> {
    return this.#inner.close();
  }
}

/** Requested packet lengths of a completed transfer: the distance between packet offsets. */
function packetLengthsOf(packets: readonly PacketResult[], total: number): number[] {
  return packets.map((packet, index) => {
    const next = packets[index + 1]?.offset ?? Math.max(total, packet.offset + packet.length);
    return Math.max(packet.length, next - packet.offset);
  });
}

function packetBytes(
  data: Uint8Array,
  packets: readonly PacketResult[],
): Array<{ bytes: Uint8Array; status: number }> {
  return packets.map((packet) => ({
    bytes: data.subarray(packet.offset, packet.offset + packet.length),
    status:
      packet.status === 'ok' ? ERRNO.OK : packet.status === 'stall' ? ERRNO.EPIPE : ERRNO.EOVERFLOW,
  }));
}

/** A streaming backend that answers `supports` for one device and transfers through another. */
class SupportOf implements StreamingBackend {
  constructor(
    readonly transfers: StreamingBackend,
    readonly judge: StreamingBackend,
  ) {}

  get control(): ControlPipe {
    return this.transfers.control;
  }
  get limitation(): string {
    return this.judge.limitation;
  }
  supports(endpoint: Parameters<StreamingBackend['supports']>[0]): boolean {
    return this.judge.supports(endpoint);
  }
  claim(): Promise<void> {
    return this.transfers.claim();
  }
  selectAlternate(alternateSetting: number): Promise<void> {
    return this.transfers.selectAlternate(alternateSetting);
  }
  start(sink: TransferSink, options: StreamingStart): Promise<RunningTransfers> {
    return this.transfers.start(sink, options);
  }
  release(endpoint: Parameters<StreamingBackend['release']>[0]): Promise<void> {
    return this.transfers.release(endpoint);
  }
  close(): Promise<void> {
    return this.transfers.close();
  }
}

/** What {@link recordCamera} returns: the device and streaming factory to open the camera with. */
export interface RecordedCamera {
  device: RecordingDevice;
  streaming: (interfaceNumber: number) => StreamingBackend;
}

/**
 * Record a camera: wrap `device`, and the streaming backends `streaming` makes (or the WebUSB
 * backend over the wrapped device when there is none), so that everything the camera does on
 * USB reaches `target`.
 */
export function recordCamera(
  device: USBDevice,
  target: RecordTarget,
  streaming?: (interfaceNumber: number) => StreamingBackend,
): RecordedCamera {
  const { sink, options } =
    'sink' in target ? { sink: target.sink, options: target } : { sink: target, options: {} };
  const recording = new RecordingDevice(device, sink, options);
  const log = logs.get(recording)!;
  return {
    device: recording,
    streaming: streaming
      ? (interfaceNumber) => new RecordingBackend(streaming(interfaceNumber), log, interfaceNumber)
      : (interfaceNumber) =>
          new SupportOf(
            new WebUsbStreaming(recording, interfaceNumber),
            new WebUsbStreaming(device, interfaceNumber),
          ),
  };
}
