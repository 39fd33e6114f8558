/**
 * An emulated UVC camera: a W3C WebUSB `USBDevice` built from descriptor bytes.
 *
 * Give it the configuration descriptor of any camera (and its device descriptor and strings
 * when known) and it behaves like that camera on the bus: it answers the standard requests
 * (descriptors, status, configuration and interface selection), negotiates probe and commit
 * (`emulated-probe.ts`), answers every control its descriptors advertise
 * (`emulated-controls.ts`, with the control behaviours the quirk table gives its VID:PID) and
 * the still-image controls (`emulated-still.ts`), and streams frames of a {@link PayloadSource} in UVC payloads over
 * its isochronous or bulk endpoint (`emulated-stream.ts`), paced by a device clock. State
 * checks throw the DOMExceptions a browser throws (`emulated-webusb.ts`).
 *
 * Faults can be injected for tests: {@link EmulatedCamera.disconnect},
 * {@link EmulatedCamera.stallNext}, {@link EmulatedCamera.failNextPackets} and
 * {@link EmulatedCamera.markPayloadErrors}; a {@link ControlHandler} may answer any control
 * request instead of the emulator (for instance from a recorded trace).
 *
 * Timing: with `pace: 'realtime'` (the default) transfers complete when the bus would deliver
 * them, on the injected clock (`performance.now()` by default) with `setTimeout`; with
 * `pace: 'asap'` the device clock is virtual and advances by what each transfer covers, so
 * tests run as fast as the host reads (every 16th transfer yields to the event loop).
 *
 * No Node-only API is used, so the emulator also runs in a browser. Loading descriptor files
 * lives in `emulated-files.ts`.
 *
 * @packageDocumentation
 */

import {
  CC_VIDEO,
  USB_DT,
  USB_REQ,
  UVC_REQ,
  UVC_REQUEST_ERROR,
  VC_CONTROL,
  VS_CONTROL,
} from '../uvc/constants.js';
import { compositeDeviceDescriptor, writeDeviceDescriptor } from '../uvc/descriptor-builder.js';
import { parseConfiguration, parseDeviceDescriptor } from '../uvc/descriptors.js';
import type {
  CameraModel,
  DeviceDescriptor,
  EndpointInfo,
  VideoFunction,
  VideoStreamingInterface,
} from '../uvc/model.js';
import { resolveQuirks } from '../uvc/quirks.js';
import { EmulatedControls, type ControlOutcome } from './emulated-controls.js';
import { ProbeCommit } from './emulated-probe.js';
import { EmulatedStill } from './emulated-still.js';
import { FrameStream, PAYLOAD_HEADER_LENGTH, type IdlePackets } from './emulated-stream.js';
import {
  ENDPOINT_ADDRESS,
  copyToDataView,
  endpointType,
  walkConfiguration,
  webUsbConfiguration,
  webUsbError,
  type RawAlternate,
  type RawConfiguration,
  type RawEndpoint,
} from './emulated-webusb.js';
import { createPatternSource, type PayloadSource } from './pattern.js';

export type { PayloadSource } from './pattern.js';
export type { IdlePackets } from './emulated-stream.js';

/** The answer a {@link ControlHandler} gives instead of the emulator. */
export type ControlAnswer = { status: 'ok'; data?: Uint8Array } | { status: 'stall' };

/**
 * Answers control requests before the emulator does. Return `undefined` to leave a request to
 * the emulator. A handled request bypasses the emulator's state (a handled SET_CUR(COMMIT)
 * commits nothing).
 */
export type ControlHandler = (
  setup: USBControlTransferParameters,
  direction: 'in' | 'out',
  data?: DataView,
) => ControlAnswer | undefined;

/** Bus speed of the emulated device. */
export type EmulatedSpeed = 'full' | 'high' | 'super';

/** How the emulated device paces its transfers. */
export type EmulatedPace = 'realtime' | 'asap';

/** What an {@link EmulatedCamera} is built from. */
export interface EmulatedCameraOptions {
  /** The configuration descriptor set, wTotalLength bytes (GET_DESCRIPTOR(CONFIGURATION)). */
  configuration: Uint8Array;
  /** The device descriptor (18 bytes); a plausible one (VID:PID 1209:0002) when absent. */
  device?: Uint8Array;
  /** String descriptors by index (manufacturer, product, serial, interface names). */
  strings?: Record<number, string>;
  /** The answer to GET_DESCRIPTOR(OTHER_SPEED_CONFIGURATION); a STALL when absent. */
  otherSpeedConfiguration?: Uint8Array;
  /** Frame content; the moving test pattern ({@link createPatternSource}) when absent. */
  payloads?: PayloadSource;
  /** Answers control requests before the emulator. */
  controls?: ControlHandler;
  /** Milliseconds, monotonic; `performance.now()` when absent. */
  clock?: () => number;
  /** `'realtime'` (default) or `'asap'`. */
  pace?: EmulatedPace;
  /** Bus speed; guessed when absent (64-byte bulk packets: full; SS companions: super). */
  speed?: EmulatedSpeed;
  /** dwMaxPayloadTransferSize on bulk interfaces, header included; 32768 when absent. */
  bulkPayloadSize?: number;
  /** What isochronous packets carry between frames; `'header'` when absent. */
  idlePackets?: IdlePackets;
  /** Refuse claimInterface on video-class interfaces with a SecurityError, as browsers do. */
  protectVideoClass?: boolean;
  /**
   * Send control-change "info" status packets when an automatic mode makes manual controls
   * inactive or active again (UVC 1.5 §2.4.2.2); on when absent.
   */
  reportInfoChanges?: boolean;
}

/** VID:PID of a synthesised device descriptor: pid.codes' open-source VID with a test PID. */
export const SYNTHETIC_DEVICE_ID = { idVendor: 0x1209, idProduct: 0x0002 } as const;

/** Default dwMaxPayloadTransferSize of bulk streams (the Realtek 0bda:5602 uses 34816–43008). */
export const DEFAULT_BULK_PAYLOAD_SIZE = 32_768;

/** The largest transfer the emulator accepts (sum of isochronous packets, bulk length). */
const MAX_TRANSFER_BYTES = 64 * 1024 * 1024;

/** wLength is 16 bits (USB 2.0 §9.3.5). */
const MAX_CONTROL_LENGTH = 0xffff;

/** Approximate bulk throughput in bytes per ms at each speed (bus maximum less overhead). */
const BULK_BYTES_PER_MS: Record<EmulatedSpeed, number> = {
  full: 1_000,
  high: 40_000,
  super: 400_000,
};

/** Milliseconds per (micro)frame: 1 ms at full speed, 125 µs at high and SuperSpeed. */
const SERVICE_INTERVAL_MS: Record<EmulatedSpeed, number> = { full: 1, high: 0.125, super: 0.125 };

/** Full-speed bulk endpoints have 64-byte packets (USB 2.0 §5.8.3). */
const FULL_SPEED_BULK_PACKET = 64;

/** In asap mode, every this many transfers yield to the event loop. */
const ASAP_YIELD_EVERY = 16;

/** Device qualifier length (USB 2.0 §9.6.2); devices of bcdUSB 2.00 and later have one. */
const DEVICE_QUALIFIER_LENGTH = 10;
const BCD_USB_2 = 0x0200;

/** wMaxPacketSize bits 10..0: the packet size (USB 2.0 §9.6.6). */
const PACKET_SIZE_MASK = 0x7ff;

/** GET_STATUS bits (USB 2.0 §9.4.5): device self powered, endpoint halted. */
const STATUS = { SELF_POWERED: 0x01, HALTED: 0x01 } as const;
/** bmAttributes D6 of the configuration: self powered. */
const CONFIG_SELF_POWERED = 0x40;

/** Feature selector ENDPOINT_HALT (USB 2.0 Table 9-6). */
const ENDPOINT_HALT = 0x00;

/** String descriptor 0: the supported language IDs (US English). */
const LANGUAGE_ID_US_ENGLISH = 0x0409;
/** String descriptor 0 holds one language ID: 4 bytes. */
const LANGUAGE_DESCRIPTOR_LENGTH = 4;
/** A string descriptor holds at most 126 UTF-16 code units (bLength is one byte). */

const MAX_STRING_UNITS = 126;

/** Status packets the device holds for a host that does not read them; older ones are dropped. */
const MAX_QUEUED_STATUS_PACKETS = 64;

/** GET_INFO of the VideoControl interface's own controls. */
const INFO_GET = 0x01;
const INFO_GET_SET = 0x03;

/** Class-specific requests with bit 7 set read from the device (UVC 1.5 Appendix A.8). */
const GET_REQUEST_BIT = 0x80;

/** The state of one video function's VideoControl interface. */
interface FunctionState {
  fn: VideoFunction;
  controls: EmulatedControls;
  /** VC_REQUEST_ERROR_CODE_CONTROL: the outcome of the last class request to the function. */
  errorCode: number;
  powerMode: number;
}

/** The state of one VideoStreaming interface. */
interface StreamingState {
  vs: VideoStreamingInterface;
  owner: FunctionState;
  probe: ProbeCommit;
  /** Still probe, commit and trigger, and the still image (methods 2 and 3). */
  still: EmulatedStill;
  transport: 'isochronous' | 'bulk';
  endpointAddress: number;
  stream: FrameStream | undefined;
  /** Bus time of the next packet or transfer on the streaming endpoint. */
  cursorMs: number;
  /** A bulk payload partly handed out; `zlp` once only its zero-length packet is left. */
  bulk: { bytes: Uint8Array; length: number; offset: number; zlp: boolean } | undefined;
  scratch: Uint8Array;
  waiters: Array<() => void>;
}

/** A transfer or wait in progress, so that close, release and disconnect can end it. */
interface PendingOperation {
  controller: AbortController;
  interfaceNumber: number | undefined;
}

/** An isochronous packet fault queued by {@link EmulatedCamera.failNextPackets}. */
type PacketFault = 'babble' | 'stall';

/**
 * An emulated UVC camera implementing the W3C `USBDevice` interface.
 */
export class EmulatedCamera implements USBDevice {
  readonly usbVersionMajor: number;
  readonly usbVersionMinor: number;
  readonly usbVersionSubminor: number;
  readonly deviceClass: number;
  readonly deviceSubclass: number;
  readonly deviceProtocol: number;
  readonly vendorId: number;
  readonly productId: number;
  readonly deviceVersionMajor: number;
  readonly deviceVersionMinor: number;
  readonly deviceVersionSubminor: number;
  readonly manufacturerName: string | null;
  readonly productName: string | null;
  readonly serialNumber: string | null;
  readonly configurations: USBConfiguration[];

  /** What the descriptors say, as the parser read them. */
  readonly model: CameraModel;
  /** The device descriptor the camera answers with (given or synthesised). */
  readonly deviceDescriptor: Uint8Array;
  /** The configuration descriptor set the camera answers with. */
  readonly configurationDescriptor: Uint8Array;

  readonly #options: EmulatedCameraOptions;
  readonly #device: DeviceDescriptor;
  readonly #raw: RawConfiguration;
  readonly #strings: ReadonlyMap<number, string>;
  readonly #source: PayloadSource;
  readonly #clock: () => number;
  readonly #pace: EmulatedPace;
  readonly #speed: EmulatedSpeed;
  readonly #idle: IdlePackets;
  readonly #functions = new Map<number, FunctionState>();
  readonly #streaming = new Map<number, StreamingState>();
  readonly #streamingByEndpoint = new Map<number, StreamingState>();
  /** Streaming interfaces by their bulk still-image endpoint (method 3). */
  readonly #stillByEndpoint = new Map<number, StreamingState>();
  readonly #statusEndpoints = new Map<number, FunctionState>();
  readonly #claimed = new Set<number>();
  readonly #alternates = new Map<number, number>();
  readonly #halted = new Set<number>();
  readonly #pending = new Set<PendingOperation>();
  /** The completion of the last transfer submitted on each endpoint, by address. */
  readonly #completions = new Map<number, Promise<void>>();

  readonly #stalls: Array<{ request: number; errorCode: number }> = [];
  readonly #packetFaults: PacketFault[] = [];
  readonly #statusPackets: Uint8Array[] = [];
  readonly #statusWaiters: Array<() => void> = [];
  #pendingErrorPayloads = 0;
  #opened = false;
  #configured: boolean;
  #disconnected = false;
  #virtualMs: number;
  #transfers = 0;

  /**
   * Build the camera from its descriptors.
   *
   * @throws CameraError DEVICE_DISABLED when the descriptors do not describe a camera (see
   *   `parseConfiguration`).
   */
  constructor(options: EmulatedCameraOptions) {
    this.#options = options;
    this.#raw = walkConfiguration(options.configuration);
    this.#device = options.device
      ? parseDeviceDescriptor(options.device)
      : compositeDeviceDescriptor({ ...SYNTHETIC_DEVICE_ID });
    this.deviceDescriptor = options.device
      ? options.device.slice()
      : writeDeviceDescriptor(this.#device);
    this.configurationDescriptor = options.configuration.slice();
    this.model = parseConfiguration(options.configuration, this.#device);

    const strings = Object.entries(options.strings ?? {});
    this.#strings = new Map(strings.map(([index, text]) => [Number(index), text]));
    this.#source = options.payloads ?? createPatternSource();
    this.#clock = options.clock ?? (() => performance.now());
    this.#pace = options.pace ?? 'realtime';
    this.#speed = options.speed ?? guessSpeed(this.#device, this.model);
    this.#idle = options.idlePackets ?? 'header';
    this.#virtualMs = this.#clock();
    this.#configured = true;

    const bcd = splitBcd(this.#device.bcdUSB);
    [this.usbVersionMajor, this.usbVersionMinor, this.usbVersionSubminor] = bcd;
    const version = splitBcd(this.#device.bcdDevice);
    [this.deviceVersionMajor, this.deviceVersionMinor, this.deviceVersionSubminor] = version;
    this.deviceClass = this.#device.bDeviceClass;
    this.deviceSubclass = this.#device.bDeviceSubClass;
    this.deviceProtocol = this.#device.bDeviceProtocol;
    this.vendorId = this.#device.idVendor;
    this.productId = this.#device.idProduct;
    this.manufacturerName = this.#strings.get(this.#device.iManufacturer) ?? null;
    this.productName = this.#strings.get(this.#device.iProduct) ?? null;
    this.serialNumber = this.#strings.get(this.#device.iSerialNumber) ?? null;

    const view = {
      isClaimed: (number: number) => this.#claimed.has(number),
      currentAlternate: (number: number) => this.#alternates.get(number) ?? 0,
    };
    this.configurations = [webUsbConfiguration(this.#raw, this.#strings, view)];
    this.#buildFunctions(options.bulkPayloadSize ?? DEFAULT_BULK_PAYLOAD_SIZE);
  }

  #buildFunctions(bulkPayloadSize: number): void {
    // Control behaviours of the real device with this VID:PID (the quirk table).
    const quirks = resolveQuirks(this.#device).flags;
    for (const fn of this.model.functions) {
      const vc = fn.videoControl;
      const controls = new EmulatedControls(fn, {
        quirks,
        clock: () => this.#clock(),
        reportInfoChanges: this.#options.reportInfoChanges ?? true,
        ...(vc.statusEndpoint
          ? { status: (packet: Uint8Array) => this.queueStatusPacket(packet) }
          : {}),
      });
      const owner: FunctionState = { fn, controls, errorCode: 0, powerMode: 0 };
      this.#functions.set(vc.bInterfaceNumber, owner);
      if (vc.statusEndpoint) this.#statusEndpoints.set(vc.statusEndpoint.bEndpointAddress, owner);

      for (const vs of fn.streaming) {
        const address = vs.inputHeader?.bEndpointAddress ?? vs.outputHeader?.bEndpointAddress ?? 0;
        const endpoints = vs.alternateSettings.flatMap((setting) =>
          setting.endpoints.filter((e) => e.bEndpointAddress === address),
        );
        const bulk = endpoints.some((endpoint) => endpoint.transferType === 'bulk');
        const maxBytesPerInterval = Math.max(0, ...endpoints.map((e) => e.bytesPerInterval));
        const transport = bulk
          ? { kind: 'bulk' as const, payloadSize: bulkPayloadSize }
          : { kind: 'isochronous' as const, maxBytesPerInterval };
        const still = new EmulatedStill(vs, {
          pipe: transport,
          stillPayloadSize: bulkPayloadSize,
          source: this.#source,
        });
        const state: StreamingState = {
          vs,
          owner,
          probe: new ProbeCommit(vs, vc.bcdUVC, vc.dwClockFrequency, transport),
          still,
          transport: transport.kind,
          endpointAddress: address,
          stream: undefined,
          cursorMs: 0,
          bulk: undefined,
          scratch: new Uint8Array(
            Math.max(PAYLOAD_HEADER_LENGTH, bulk ? bulkPayloadSize : maxBytesPerInterval),
          ),
          waiters: [],
        };
        this.#streaming.set(vs.bInterfaceNumber, state);
        this.#streamingByEndpoint.set(address, state);
        if (still.endpointAddress !== 0) this.#stillByEndpoint.set(still.endpointAddress, state);
      }
    }
  }

  // ----------------------------------------------------------------------------------------
  // Device state.

  /** True between open() and close(). */
  get opened(): boolean {
    return this.#opened;
  }

  /** The selected configuration (the device starts configured, as the OS leaves it). */
  get configuration(): USBConfiguration | null {
    return this.#configured ? (this.configurations[0] ?? null) : null;
  }

  /** False after {@link disconnect}. */
  get connected(): boolean {
    return !this.#disconnected;
  }

  /** Open the device. */
  async open(): Promise<void> {
    this.#checkConnected();
    this.#opened = true;
  }

  /** Close the device: pending transfers end with an AbortError and claims are released. */
  async close(): Promise<void> {
    this.#checkConnected();
    if (!this.#opened) return;
    this.#abort(() => true, webUsbError('aborted'));
    for (const number of this.#claimed) this.#setAlternate(number, 0);
    this.#claimed.clear();
    this.#opened = false;
  }

  /** Forget the device (a browser revokes permission); closes it. */
  async forget(): Promise<void> {
    if (this.#opened && !this.#disconnected) await this.close();
  }

  /** Select the configuration with this bConfigurationValue. */
  async selectConfiguration(configurationValue: number): Promise<void> {
    this.#checkOpen();
    if (configurationValue !== this.#raw.bConfigurationValue) throw webUsbError('badConfiguration');
    this.#configured = true;
  }

  /** Claim an interface. */
  async claimInterface(interfaceNumber: number): Promise<void> {
    this.#checkConfigured();
    const alternates = this.#alternatesOf(interfaceNumber);
    if (this.#options.protectVideoClass && alternates[0]?.bInterfaceClass === CC_VIDEO) {
      throw webUsbError('protectedClass');
    }
    this.#claimed.add(interfaceNumber);
  }

  /** Release an interface: its transfers end with an AbortError and its stream stops. */
  async releaseInterface(interfaceNumber: number): Promise<void> {
    this.#checkConfigured();
    this.#alternatesOf(interfaceNumber);
    if (!this.#claimed.has(interfaceNumber)) return;
    this.#abort((op) => op.interfaceNumber === interfaceNumber, webUsbError('aborted'));
    this.#setAlternate(interfaceNumber, 0);
    this.#claimed.delete(interfaceNumber);
  }

  /** Select an alternate setting of a claimed interface (SET_INTERFACE). */
  async selectAlternateInterface(interfaceNumber: number, alternateSetting: number): Promise<void> {
    this.#checkConfigured();
    const alternates = this.#alternatesOf(interfaceNumber);
    if (!this.#claimed.has(interfaceNumber)) throw webUsbError('notClaimed');
    if (!alternates.some((alternate) => alternate.bAlternateSetting === alternateSetting)) {
      throw webUsbError('badAlternate');
    }
    this.#abort((op) => op.interfaceNumber === interfaceNumber, webUsbError('aborted'));
    this.#setAlternate(interfaceNumber, alternateSetting);
  }

  /** Reset the device: transfers end; alternates, negotiation and controls return to defaults. */
  async reset(): Promise<void> {
    this.#checkOpen();
    this.#abort(() => true, webUsbError('aborted'));
    for (const number of this.#raw.interfaces.keys()) this.#setAlternate(number, 0);
    for (const state of this.#streaming.values()) {
      state.probe.reset();
      state.still.reset();
    }
    for (const owner of this.#functions.values()) {
      owner.controls.reset();
      owner.errorCode = 0;
      owner.powerMode = 0;
    }
    this.#halted.clear();
  }

  /** CLEAR_FEATURE(ENDPOINT_HALT); on a bulk video endpoint this also stops the stream. */
  async clearHalt(direction: USBDirection, endpointNumber: number): Promise<void> {
    this.#checkOpen();
    const { endpoint } = this.#claimedEndpoint(endpointNumber, direction);
    this.#clearHalt(endpoint.bEndpointAddress);
  }

  #clearHalt(address: number): void {
    this.#halted.delete(address);
    // UVC 1.5 §2.4.3.4: a host ends a bulk stream with CLEAR_FEATURE(ENDPOINT_HALT).
    const state = this.#streamingByEndpoint.get(address);
    if (state?.transport === 'bulk') {
      this.#stopStream(state);
      state.probe.uncommit();
    }
  }

  // ----------------------------------------------------------------------------------------
  // Fault injection and test hooks.

  /**
   * Unplug the device: pending and later calls reject with a NotFoundError, as WebUSB does.
   */
  disconnect(): void {
    if (this.#disconnected) return;
    this.#disconnected = true;
    this.#opened = false;
    this.#abort(() => true, webUsbError('disconnected'));
    for (const state of this.#streaming.values()) this.#stopStream(state);
  }

  /**
   * STALL the next class-specific request (a UVC request such as `UVC_REQ.GET_DEF`) with this
   * bRequest, `count` times, and report `errorCode` through VC_REQUEST_ERROR_CODE_CONTROL.
   */
  stallNext(request: number, options: { count?: number; errorCode?: number } = {}): void {
    const count = Math.max(1, Math.floor(options.count ?? 1));
    for (let index = 0; index < count; index += 1) {
      const errorCode = options.errorCode ?? UVC_REQUEST_ERROR.INVALID_REQUEST;
      this.#stalls.push({ request, errorCode });
    }
  }

  /**
   * Fail the next `count` isochronous video packets with `status` (no data; the payload the
   * device was sending is lost, as with a CRC error on the wire).
   */
  failNextPackets(count: number, status: PacketFault = 'babble'): void {
    for (let index = 0; index < Math.floor(count); index += 1) this.#packetFaults.push(status);
  }

  /** Set the payload header ERR bit on the next `count` payloads of every stream. */
  markPayloadErrors(count: number): void {
    let applied = false;
    for (const state of this.#streaming.values()) {
      if (state.stream) {
        state.stream.markErrors(count);
        applied = true;
      }
    }
    if (!applied) this.#pendingErrorPayloads += count;
  }

  /** Queue a packet on the VideoControl status interrupt endpoint (UVC 1.5 §2.4.2.2). */
  queueStatusPacket(packet: Uint8Array): void {
    this.#statusPackets.push(packet.slice());
    if (this.#statusPackets.length > MAX_QUEUED_STATUS_PACKETS) this.#statusPackets.shift();
    this.#statusWaiters.splice(0).forEach((wake) => wake());
  }

  /** True while a VideoStreaming interface streams (committed; isochronous: alternate > 0). */
  isStreaming(interfaceNumber: number): boolean {
    return this.#streaming.get(interfaceNumber)?.stream !== undefined;
  }

  // ----------------------------------------------------------------------------------------
  // Control transfers.

  /** A control transfer from the device. */
  async controlTransferIn(
    setup: USBControlTransferParameters,
    length: number,
  ): Promise<USBInTransferResult> {
    this.#checkOpen();
    if (!Number.isInteger(length) || length < 0 || length > MAX_CONTROL_LENGTH) {
      throw new TypeError(`length must be an integer from 0 to ${MAX_CONTROL_LENGTH}`);
    }
    this.#checkRecipient(setup);

    const answer = this.#control(setup, 'in', undefined);
    if (answer.status === 'stall') return { status: 'stall' };
    const bytes = answer.data ?? new Uint8Array(0);
    return { status: 'ok', data: copyToDataView(bytes.subarray(0, length)) };
  }

  /** A control transfer to the device. */
  async controlTransferOut(
    setup: USBControlTransferParameters,
    data?: BufferSource,
  ): Promise<USBOutTransferResult> {
    this.#checkOpen();
    this.#checkRecipient(setup);
    const bytes = data ? toBytes(data) : new Uint8Array(0);
    if (bytes.length > MAX_CONTROL_LENGTH) {
      throw new TypeError(`data must be at most ${MAX_CONTROL_LENGTH} bytes`);
    }

    const answer = this.#control(setup, 'out', bytes);
    if (answer.status === 'stall') return { status: 'stall', bytesWritten: 0 };
    return { status: 'ok', bytesWritten: bytes.length };
  }

  #control(
    setup: USBControlTransferParameters,
    direction: 'in' | 'out',
    data: Uint8Array | undefined,
  ): ControlAnswer {
    const handled = this.#options.controls?.(
      setup,
      direction,
      data ? new DataView(data.buffer, data.byteOffset, data.byteLength) : undefined,
    );
    if (handled) return handled;

    if (setup.requestType === 'standard') return this.#standardRequest(setup, direction);
    if (setup.requestType === 'class') return this.#classRequest(setup, direction, data);
    return { status: 'stall' };
  }

  #standardRequest(setup: USBControlTransferParameters, direction: 'in' | 'out'): ControlAnswer {
    const ok = (bytes?: Uint8Array): ControlAnswer =>
      bytes ? { status: 'ok', data: bytes } : { status: 'ok' };
    if (direction === 'in') {
      switch (setup.request) {
        case USB_REQ.GET_DESCRIPTOR: {
          const bytes =
            setup.recipient === 'device'
              ? this.#descriptor(setup.value >> 8, setup.value & 0xff)
              : undefined;
          return bytes ? ok(bytes) : { status: 'stall' };
        }
        case USB_REQ.GET_STATUS:
          return ok(this.#status(setup));
        case USB_REQ.GET_CONFIGURATION:
          return ok(Uint8Array.of(this.#configured ? this.#raw.bConfigurationValue : 0));
        case USB_REQ.GET_INTERFACE:
          return ok(Uint8Array.of(this.#alternates.get(setup.index & 0xff) ?? 0));
        default:
          return { status: 'stall' };
      }
    }

    switch (setup.request) {
      case USB_REQ.SET_CONFIGURATION:
        if (setup.value !== 0 && setup.value !== this.#raw.bConfigurationValue) {
          return { status: 'stall' };
        }
        this.#configured = setup.value !== 0;
        return ok();
      case USB_REQ.SET_INTERFACE: {
        const number = setup.index & 0xff;
        const alternates = this.#raw.interfaces.get(number) ?? [];
        if (!alternates.some((alternate) => alternate.bAlternateSetting === setup.value)) {
          return { status: 'stall' };
        }
        this.#setAlternate(number, setup.value);
        return ok();
      }
      case USB_REQ.CLEAR_FEATURE:
        if (setup.recipient === 'endpoint' && setup.value === ENDPOINT_HALT) {
          this.#clearHalt(setup.index & 0xff);
          return ok();
        }
        return setup.recipient === 'device' ? ok() : { status: 'stall' };
      case USB_REQ.SET_FEATURE:
        if (setup.recipient === 'endpoint' && setup.value === ENDPOINT_HALT) {
          this.#halted.add(setup.index & 0xff);
          return ok();
        }
        return { status: 'stall' };
      default:
        return { status: 'stall' };
    }
  }

  #descriptor(type: number, index: number): Uint8Array | undefined {
    switch (type) {
      case USB_DT.DEVICE:
        return this.deviceDescriptor;
      case USB_DT.CONFIGURATION:
        return index === 0 ? this.configurationDescriptor : undefined;
      case USB_DT.OTHER_SPEED_CONFIGURATION:
        return index === 0 ? this.#options.otherSpeedConfiguration : undefined;
      case USB_DT.STRING:
        return this.#stringDescriptor(index);
      case USB_DT.DEVICE_QUALIFIER:
        return this.#device.bcdUSB >= BCD_USB_2 ? this.#deviceQualifier() : undefined;
      default:
        return undefined;
    }
  }

  #stringDescriptor(index: number): Uint8Array | undefined {
    if (index === 0) {
      const language = LANGUAGE_ID_US_ENGLISH;
      const length = LANGUAGE_DESCRIPTOR_LENGTH;
      return Uint8Array.of(length, USB_DT.STRING, language & 0xff, language >> 8);

    }
    const text = this.#strings.get(index);
    if (text === undefined) return undefined;
    const units = Math.min(text.length, MAX_STRING_UNITS);
    const bytes = new Uint8Array(2 + 2 * units);
    bytes[0] = bytes.length;
    bytes[1] = USB_DT.STRING;
    for (let unit = 0; unit < units; unit += 1) {
      const code = text.charCodeAt(unit);
      bytes[2 + 2 * unit] = code & 0xff;
      bytes[3 + 2 * unit] = code >> 8;
    }
    return bytes;
  }

  /** Device qualifier (USB 2.0 §9.6.2): what the device would be at the other speed. */
  #deviceQualifier(): Uint8Array {
    const d = this.#device;
    return Uint8Array.of(
      DEVICE_QUALIFIER_LENGTH,
      USB_DT.DEVICE_QUALIFIER,
      d.bcdUSB & 0xff,
      d.bcdUSB >> 8,
      d.bDeviceClass,
      d.bDeviceSubClass,
      d.bDeviceProtocol,
      d.bMaxPacketSize0,
      d.bNumConfigurations,
      0,
    );
  }

  #status(setup: USBControlTransferParameters): Uint8Array {
    if (setup.recipient === 'device') {
      const selfPowered = (this.#raw.bmAttributes & CONFIG_SELF_POWERED) !== 0;
      return Uint8Array.of(selfPowered ? STATUS.SELF_POWERED : 0, 0);
    }
    if (setup.recipient === 'endpoint') {
      return Uint8Array.of(this.#halted.has(setup.index & 0xff) ? STATUS.HALTED : 0, 0);
    }
    return Uint8Array.of(0, 0);
  }

  #classRequest(
    setup: USBControlTransferParameters,
    direction: 'in' | 'out',
    data: Uint8Array | undefined,
  ): ControlAnswer {
    if (setup.recipient !== 'interface') return { status: 'stall' };
    const number = setup.index & 0xff;
    const entity = setup.index >> 8;
    const selector = setup.value >> 8;
    const streaming = this.#streaming.get(number);
    const owner = this.#functions.get(number) ?? streaming?.owner;
    if (!owner) return { status: 'stall' };

    // VC_REQUEST_ERROR_CODE_CONTROL reports on the other requests and leaves the code as it is.
    const readsErrorCode =
      !streaming && entity === 0 && selector === VC_CONTROL.REQUEST_ERROR_CODE_CONTROL;

    let outcome: ControlOutcome;
    const injected = this.#stalls.findIndex((stall) => stall.request === setup.request);
    const isGet = (setup.request & GET_REQUEST_BIT) !== 0;
    const refused = streaming ? undefined : owner.controls.gate(entity, selector, setup.request);
    if (refused) {
      outcome = refused;
    } else if (injected >= 0) {
      const [stall] = this.#stalls.splice(injected, 1);
      outcome = { status: 'stall', errorCode: stall?.errorCode ?? UVC_REQUEST_ERROR.UNKNOWN };
    } else if (isGet !== (direction === 'in')) {
      outcome = { status: 'stall', errorCode: UVC_REQUEST_ERROR.INVALID_REQUEST };
    } else if (streaming && isStillSelector(selector)) {
      const running = streaming.stream !== undefined;
      outcome = streaming.still.handle(selector, setup.request, data, running);
    } else if (streaming) {
      outcome = streaming.probe.handle(selector, setup.request, data);
      const committed = setup.request === UVC_REQ.SET_CUR && selector === VS_CONTROL.COMMIT_CONTROL;
      if (outcome.status === 'ok' && committed) {
        this.#stopStream(streaming);
        this.#startIfReady(streaming);
      }
    } else if (entity === 0) {
      outcome = this.#interfaceControl(owner, selector, setup.request, data);
    } else {
      outcome = owner.controls.handle(entity, selector, setup.request, data);
    }

    if (!readsErrorCode) {
      owner.errorCode = outcome.status === 'ok' ? UVC_REQUEST_ERROR.NO_ERROR : outcome.errorCode;
    }
    if (outcome.status === 'stall') return { status: 'stall' };
    return outcome.data ? { status: 'ok', data: outcome.data } : { status: 'ok' };
  }

  /** Controls of the VideoControl interface itself (UVC 1.5 §4.2.1). */
  #interfaceControl(
    owner: FunctionState,
    selector: number,
    request: number,
    data: Uint8Array | undefined,
  ): ControlOutcome {
    if (selector === VC_CONTROL.REQUEST_ERROR_CODE_CONTROL) {
      if (request === UVC_REQ.GET_CUR) {
        return { status: 'ok', data: Uint8Array.of(owner.errorCode) };
      }
      if (request === UVC_REQ.GET_INFO) return { status: 'ok', data: Uint8Array.of(INFO_GET) };
      if (request === UVC_REQ.GET_LEN) return { status: 'ok', data: Uint8Array.of(1, 0) };
      return { status: 'stall', errorCode: UVC_REQUEST_ERROR.INVALID_REQUEST };
    }
    if (selector === VC_CONTROL.VIDEO_POWER_MODE_CONTROL) {
      if (request === UVC_REQ.GET_CUR) {
        return { status: 'ok', data: Uint8Array.of(owner.powerMode) };
      }

      if (request === UVC_REQ.GET_INFO) return { status: 'ok', data: Uint8Array.of(INFO_GET_SET) };
      if (request === UVC_REQ.GET_LEN) return { status: 'ok', data: Uint8Array.of(1, 0) };
      if (request === UVC_REQ.SET_CUR && data && data.length >= 1) {
        owner.powerMode = data[0] ?? 0;
        return { status: 'ok' };
      }
      return { status: 'stall', errorCode: UVC_REQUEST_ERROR.INVALID_REQUEST };
    }
    return { status: 'stall', errorCode: UVC_REQUEST_ERROR.INVALID_CONTROL };
  }

  // ----------------------------------------------------------------------------------------
  // Streams.

  #setAlternate(interfaceNumber: number, alternate: number): void {
    this.#alternates.set(interfaceNumber, alternate);
    const state = this.#streaming.get(interfaceNumber);
    if (!state) return;
    if (state.transport === 'isochronous') {
      this.#stopStream(state);
      this.#startIfReady(state);
    } else if (!this.#currentEndpoint(interfaceNumber, state.endpointAddress)) {
      this.#stopStream(state);
    }
  }

  #startIfReady(state: StreamingState): void {
    if (state.stream || this.#disconnected) return;
    const committed = state.probe.committed();
    if (!committed) return;
    if (!this.#currentEndpoint(state.vs.bInterfaceNumber, state.endpointAddress)) return;

    const now = this.#deviceNow();
    state.stream = new FrameStream(committed, {
      source: this.#source,
      clockFrequency: state.owner.fn.videoControl.dwClockFrequency,
      startMs: now,
      idle: this.#idle,
    });
    if (this.#pendingErrorPayloads > 0) {
      state.stream.markErrors(this.#pendingErrorPayloads);
      this.#pendingErrorPayloads = 0;
    }
    state.cursorMs = now;
    state.bulk = undefined;
    state.owner.controls.streamStarted();
    state.waiters.splice(0).forEach((wake) => wake());
  }

  #stopStream(state: StreamingState): void {
    state.stream = undefined;
    state.bulk = undefined;
    state.still.streamStopped();
  }

  /** The streaming endpoint in the current alternate setting of an interface, if it has it. */
  #currentEndpoint(interfaceNumber: number, address: number): EndpointInfo | undefined {
    const state = this.#streaming.get(interfaceNumber);
    const alternate = this.#alternates.get(interfaceNumber) ?? 0;
    const setting = state?.vs.alternateSettings.find((s) => s.bAlternateSetting === alternate);
    return setting?.endpoints.find((endpoint) => endpoint.bEndpointAddress === address);
  }

  #deviceNow(): number {
    return this.#pace === 'asap' ? this.#virtualMs : this.#clock();
  }

  // ----------------------------------------------------------------------------------------
  // Data transfers.

  /** A bulk or interrupt IN transfer. */
  async transferIn(endpointNumber: number, length: number): Promise<USBInTransferResult> {
    this.#checkOpen();
    const { endpoint, interfaceNumber } = this.#claimedEndpoint(endpointNumber, 'in');
    const type = endpointType(endpoint);
    if (type !== 'bulk' && type !== 'interrupt') throw webUsbError('wrongEndpointType');
    checkLength(length);

    const address = endpoint.bEndpointAddress;
    const streaming = this.#streamingByEndpoint.get(address);
    const status = this.#statusEndpoints.get(address);
    const still = this.#stillByEndpoint.get(address)?.still;
    return this.#track(interfaceNumber, async (signal) => {
      if (still) {
        const packet = endpoint.wMaxPacketSize & PACKET_SIZE_MASK;
        return { status: 'ok', data: copyToDataView(await still.bulkIn(length, packet, signal)) };
      }
      if (streaming?.transport === 'bulk') return this.#bulkIn(streaming, endpoint, length, signal);
      if (status) return this.#statusIn(length, signal);
      // Any other endpoint (vendor data, HID) never has data: the transfer stays pending.
      await new Promise<void>((_, reject) => {
        signal.addEventListener('abort', () => reject(signal.reason), { once: true });
      });
      return { status: 'ok' };
    });
  }

  async #bulkIn(
    state: StreamingState,
    endpoint: RawEndpoint,
    length: number,
    signal: AbortSignal,
  ): Promise<USBInTransferResult> {
    while (!state.stream) await this.#waitForStream(state, signal);
    const stream = state.stream;

    let at = Math.max(state.cursorMs, this.#deviceNow());
    if (!state.bulk) {
      if (!stream.inFrame && !state.still.pendingInPipe) at = Math.max(at, stream.nextCaptureMs());
      const payloadSize = stream.committed.dwMaxPayloadTransferSize;
      const capacity = Math.min(payloadSize, state.scratch.length);
      const written = state.still.writePayload(stream, state.scratch.subarray(0, capacity), at);
      state.bulk = { bytes: state.scratch, length: written, offset: 0, zlp: false };
    }

    // A payload ends with a short packet; one that fills whole packets ends with a ZLP.
    const payload = state.bulk;
    const give = payload.zlp ? 0 : Math.min(length, payload.length - payload.offset);
    const data = copyToDataView(payload.bytes.subarray(payload.offset, payload.offset + give));
    payload.offset += give;
    const packet = Math.max(1, endpoint.wMaxPacketSize & PACKET_SIZE_MASK);
    if (payload.zlp || payload.offset < payload.length) {
      if (payload.zlp) state.bulk = undefined;
    } else if (give === length && payload.length % packet === 0) {
      payload.zlp = true;
    } else {
      state.bulk = undefined;
    }

    const end = at + give / BULK_BYTES_PER_MS[this.#speed];
    state.cursorMs = end;
    await this.#advanceTo(end, signal, endpoint.bEndpointAddress);
    return { status: 'ok', data };
  }

  async #statusIn(length: number, signal: AbortSignal): Promise<USBInTransferResult> {
    while (this.#statusPackets.length === 0) {
      await new Promise<void>((resolve, reject) => {
        this.#statusWaiters.push(resolve);
        signal.addEventListener('abort', () => reject(signal.reason), { once: true });
      });
    }
    const packet = this.#statusPackets.shift() ?? new Uint8Array(0);
    const status = packet.length > length ? 'babble' : 'ok';
    return { status, data: copyToDataView(packet.subarray(0, length)) };
  }

  /** A bulk or interrupt OUT transfer (accepted and dropped). */
  async transferOut(endpointNumber: number, data: BufferSource): Promise<USBOutTransferResult> {
    this.#checkOpen();
    const { endpoint } = this.#claimedEndpoint(endpointNumber, 'out');
    const type = endpointType(endpoint);
    if (type !== 'bulk' && type !== 'interrupt') throw webUsbError('wrongEndpointType');
    return { status: 'ok', bytesWritten: toBytes(data).length };
  }

  /** An isochronous IN transfer of `packetLengths.length` packets, one per service interval. */
  async isochronousTransferIn(
    endpointNumber: number,
    packetLengths: number[],
  ): Promise<USBIsochronousInTransferResult> {
    this.#checkOpen();
    const { endpoint, interfaceNumber } = this.#claimedEndpoint(endpointNumber, 'in');
    if (endpointType(endpoint) !== 'isochronous') throw webUsbError('wrongEndpointType');
    const total = packetLengths.reduce((sum, packetLength) => {
      checkLength(packetLength);
      return sum + packetLength;
    }, 0);
    if (total > MAX_TRANSFER_BYTES) throw webUsbError('tooLarge');

    const state = this.#streamingByEndpoint.get(endpoint.bEndpointAddress);
    return this.#track(interfaceNumber, async (signal) => {
      const buffer = new Uint8Array(total);
      const interval = this.#isoIntervalMs(endpoint);
      const start = Math.max(state?.cursorMs ?? 0, this.#deviceNow());
      const current = state
        ? this.#currentEndpoint(interfaceNumber, state.endpointAddress)
        : undefined;
      const capacity = Math.min(
        current?.bytesPerInterval ?? 0,
        state?.stream?.committed.dwMaxPayloadTransferSize ?? 0,
        state?.scratch.length ?? 0,
      );

      const packets: USBIsochronousInTransferPacket[] = [];
      let offset = 0;
      packetLengths.forEach((packetLength, index) => {
        const slot = { offset, packetLength, at: start + index * interval };
        packets.push(this.#isoPacket(state, buffer, capacity, slot));
        offset += packetLength;
      });

      const end = start + packetLengths.length * interval;
      if (state) state.cursorMs = end;
      await this.#advanceTo(end, signal, endpoint.bEndpointAddress);
      return { data: new DataView(buffer.buffer), packets };
    });
  }

  /** The packet sent in one service interval (`slot`: where it goes, its length and bus time). */
  #isoPacket(
    state: StreamingState | undefined,
    buffer: Uint8Array,
    capacity: number,
    slot: { offset: number; packetLength: number; at: number },
  ): USBIsochronousInTransferPacket {
    const { offset, packetLength, at } = slot;
    const stream = state?.stream;
    if (!state || !stream || capacity <= 0) {
      return { status: 'ok', data: new DataView(buffer.buffer, offset, 0) };
    }

    const fault = this.#packetFaults.shift();
    if (fault) {
      stream.lose(capacity, at);
      return { status: fault, data: new DataView(buffer.buffer, offset, 0) };
    }

    const written = state.still.writePayload(stream, state.scratch.subarray(0, capacity), at);

    const kept = Math.min(written, packetLength);
    buffer.set(state.scratch.subarray(0, kept), offset);
    // More data than the host's packet buffer holds is babble (USB 2.0 §8.4.4).
    const status = written > packetLength ? 'babble' : 'ok';
    return { status, data: new DataView(buffer.buffer, offset, kept) };
  }

  /** An isochronous OUT transfer (accepted and dropped). */
  async isochronousTransferOut(
    endpointNumber: number,
    data: BufferSource,
    packetLengths: number[],
  ): Promise<USBIsochronousOutTransferResult> {
    this.#checkOpen();
    const { endpoint } = this.#claimedEndpoint(endpointNumber, 'out');
    if (endpointType(endpoint) !== 'isochronous') throw webUsbError('wrongEndpointType');
    const available = toBytes(data).length;
    let used = 0;
    const packets = packetLengths.map((packetLength) => {
      checkLength(packetLength);
      const written = Math.max(0, Math.min(packetLength, available - used));
      used += packetLength;
      return { status: 'ok' as const, bytesWritten: written };
    });
    return { packets };
  }

  #isoIntervalMs(endpoint: RawEndpoint): number {
    const exponent = Math.min(16, Math.max(1, endpoint.bInterval)) - 1;
    return SERVICE_INTERVAL_MS[this.#speed] * 2 ** exponent;
  }

  // ----------------------------------------------------------------------------------------
  // Waiting.

  /** Run a transfer so that close, release, reset and disconnect can end it. */
  async #track<T>(
    interfaceNumber: number | undefined,
    work: (signal: AbortSignal) => Promise<T>,
  ): Promise<T> {
    const operation: PendingOperation = { controller: new AbortController(), interfaceNumber };
    this.#pending.add(operation);
    try {
      return await work(operation.controller.signal);
    } finally {
      this.#pending.delete(operation);
    }
  }

  #abort(select: (operation: PendingOperation) => boolean, reason: DOMException): void {
    for (const operation of [...this.#pending]) {
      if (!select(operation)) continue;
      operation.controller.abort(reason);
      this.#pending.delete(operation);
    }
  }

  #waitForStream(state: StreamingState, signal: AbortSignal): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      if (signal.aborted) {
        reject(signal.reason);
        return;
      }
      state.waiters.push(resolve);
      signal.addEventListener('abort', () => reject(signal.reason), { once: true });
    });
  }

  /**
   * Let device time reach `endMs` (wait for it in real time, or move the virtual clock), after
   * the transfers submitted before on the same endpoint completed: transfers on one endpoint
   * complete in the order they were submitted, as on a real bus.
   */
  async #advanceTo(endMs: number, signal: AbortSignal, endpointAddress: number): Promise<void> {
    const previous = this.#completions.get(endpointAddress) ?? Promise.resolve();
    const done = (async (): Promise<void> => {
      await previous;
      if (this.#pace === 'asap') {
        this.#virtualMs = Math.max(this.#virtualMs, endMs);
        this.#transfers += 1;
        if (this.#transfers % ASAP_YIELD_EVERY === 0) await sleep(0, signal);
      } else {
        for (let now = this.#clock(); now < endMs; now = this.#clock()) {
          await sleep(endMs - now, signal);
        }
      }
    })();
    const settled = done.catch(() => undefined);
    this.#completions.set(endpointAddress, settled);
    try {
      await done;
    } finally {
      if (this.#completions.get(endpointAddress) === settled) {
        this.#completions.delete(endpointAddress);
      }

    }
    if (signal.aborted) throw signal.reason;
  }

  // ----------------------------------------------------------------------------------------
  // Checks.

  #checkConnected(): void {
    if (this.#disconnected) throw webUsbError('disconnected');
  }

  #checkOpen(): void {
    this.#checkConnected();
    if (!this.#opened) throw webUsbError('notOpen');
  }

  #checkConfigured(): void {
    this.#checkOpen();
    if (!this.#configured) throw webUsbError('noConfiguration');
  }

  #alternatesOf(interfaceNumber: number): RawAlternate[] {
    const alternates = this.#raw.interfaces.get(interfaceNumber);
    if (!alternates) throw webUsbError('badInterface');
    return alternates;
  }

  /** Browsers let interface and endpoint requests through only on claimed interfaces. */
  #checkRecipient(setup: USBControlTransferParameters): void {
    if (setup.recipient === 'interface') {
      this.#checkConfigured();
      this.#alternatesOf(setup.index & 0xff);
      if (!this.#claimed.has(setup.index & 0xff)) throw webUsbError('notClaimed');
    } else if (setup.recipient === 'endpoint') {
      const address = setup.index & 0xff;
      const direction = (address & ENDPOINT_ADDRESS.DIRECTION_IN) !== 0 ? 'in' : 'out';
      this.#claimedEndpoint(address & ENDPOINT_ADDRESS.NUMBER_MASK, direction);
    }
  }

  /** The endpoint with this number and direction in a claimed interface's current alternate. */
  #claimedEndpoint(
    endpointNumber: number,
    direction: USBDirection,
  ): { endpoint: RawEndpoint; interfaceNumber: number } {
    this.#checkConfigured();
    const inBit = direction === 'in' ? ENDPOINT_ADDRESS.DIRECTION_IN : 0;
    for (const number of this.#claimed) {
      const alternate = this.#alternates.get(number) ?? 0;
      const alternates = this.#raw.interfaces.get(number) ?? [];
      const setting = alternates.find((a) => a.bAlternateSetting === alternate);
      const endpoint = setting?.endpoints.find(
        (e) =>
          (e.bEndpointAddress & ENDPOINT_ADDRESS.NUMBER_MASK) === endpointNumber &&
          (e.bEndpointAddress & ENDPOINT_ADDRESS.DIRECTION_IN) === inBit,
      );
      if (endpoint) return { endpoint, interfaceNumber: number };
    }
    throw webUsbError('badEndpoint');
  }
}

/** The still-image selectors of a VideoStreaming interface (UVC 1.5 Appendix A.9.8). */
function isStillSelector(selector: number): boolean {
  return (
    selector === VS_CONTROL.STILL_PROBE_CONTROL ||
    selector === VS_CONTROL.STILL_COMMIT_CONTROL ||
    selector === VS_CONTROL.STILL_IMAGE_TRIGGER_CONTROL
  );
}

/** Resolve after `ms`, or reject with the signal's reason when it aborts first. */
function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    if (signal.aborted) {
      reject(signal.reason);
      return;
    }
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(signal.reason);
    };
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, Math.max(0, ms));
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

function checkLength(length: number): void {
  if (!Number.isInteger(length) || length < 0) {
    throw new TypeError('a transfer length must be a non-negative integer');
  }
  if (length > MAX_TRANSFER_BYTES) throw webUsbError('tooLarge');
}

function toBytes(data: BufferSource): Uint8Array {
  if (data instanceof ArrayBuffer) return new Uint8Array(data);
  return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
}

/** A binary-coded decimal version (0x0210) as W3C major, minor and subminor (2, 1, 0). */
function splitBcd(bcd: number): [number, number, number] {
  return [((bcd >> 12) & 0xf) * 10 + ((bcd >> 8) & 0xf), (bcd >> 4) & 0xf, bcd & 0xf];
}

function guessSpeed(device: DeviceDescriptor, model: CameraModel): EmulatedSpeed {
  const endpoints = model.functions.flatMap((fn) =>
    fn.streaming.flatMap((vs) => vs.alternateSettings.flatMap((s) => s.endpoints)),
  );
  if (endpoints.some((endpoint) => endpoint.superSpeed !== undefined)) return 'super';
  if (device.bcdUSB < BCD_USB_2) return 'full';
  const fullSpeedBulk = (endpoint: EndpointInfo): boolean =>
    endpoint.transferType === 'bulk' && endpoint.maxPacketSize <= FULL_SPEED_BULK_PACKET;
  if (endpoints.some(fullSpeedBulk)) return 'full';
  return 'high';
}

/** The VideoStreaming interface numbers of a model, for tests and tools. */
export function streamingInterfaces(model: CameraModel): number[] {
  return model.functions.flatMap((fn) =>
    fn.streaming.filter((vs) => vs.formats.length > 0).map((vs) => vs.bInterfaceNumber),
  );
}

/** True when `error` is the DOMException a WebUSB call raises for `name` (e.g. 'NotFoundError'). */
export function isDomException(error: unknown, name: string): boolean {
  return typeof error === 'object' && error !== null && (error as { name?: unknown }).name === name;
}


