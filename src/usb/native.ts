/**
 * The native streaming binding: libusb isochronous and bulk IN streaming for the
 * VideoStreaming interface of a camera, through the addon in `native-bindings/`.
 *
 * No Node package submits isochronous transfers, so this addon does: it opens the camera, owns
 * its VideoStreaming interface (detaching a kernel driver and re-attaching it on close), sends
 * the class requests (probe/commit) through the same handle — usbfs claims belong to one file
 * descriptor — and keeps N transfers in flight. A completed transfer reaches JavaScript as a
 * view over the transfer's own memory, with per-packet lengths and statuses; the buffer is
 * resubmitted only after {@link CompletedTransfer.release}, which also empties the view.
 *
 * Everything here is optional: {@link loadNativeBinding} says why the addon is unavailable
 * instead of throwing, and callers fall back to node-usb.
 *
 * @packageDocumentation
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

import { CameraError, CameraErrorCode, fromUsbError } from '../errors.js';

/** Where the built addon lives, relative to this module (the same from `src/` and `dist/`). */
const ADDON_URL = new URL(
  '../../native-bindings/build/Release/webuvc_native.node',
  import.meta.url,
);

/** Environment variable naming another addon file (for tests and packagers). */
export const NATIVE_BINDING_ENV = 'WEBUVC_NATIVE_BINDING';

/** How long stop() and close() wait for cancelled transfers before giving up on them. */
export const DEFAULT_STOP_TIMEOUT_MS = 1000;

/** Default control transfer timeout (USB 2.0 §9.2.6.4 allows 5 s; cameras answer fast). */
export const DEFAULT_CONTROL_TIMEOUT_MS = 1000;

/** libusb error numbers the wrapper produces itself (libusb.h `enum libusb_error`). */
const LIBUSB_ERROR = {
  IO: -1,
  NO_DEVICE: -4,
  TIMEOUT: -7,
  OVERFLOW: -8,
  PIPE: -9,
} as const;

/** Stream kinds as the addon numbers them. */
const STREAM_KIND = { isochronous: 0, bulk: 1 } as const;

/** bEndpointAddress direction bit (USB 2.0 §9.6.6). */
const ENDPOINT_DIRECTION_IN = 0x80;

/** bmRequestType direction bit (USB 2.0 §9.3.1). */
const REQUEST_DIRECTION_IN = 0x80;

/** Largest values the addon accepts; beyond them an argument is a mistake, not a big camera. */
const LIMITS = {
  transfers: 1024,
  packetsPerTransfer: 1024,
  packetSize: 48 * 1024,
  bulkTransferSize: 16 * 1024 * 1024,
  controlLength: 0xffff,
} as const;

/** `enum libusb_transfer_status`, by number, and -1 for a failed resubmission. */
const TRANSFER_STATUS: readonly NativeTransferStatus[] = [
  'completed',
  'error',
  'timedOut',
  'cancelled',
  'stall',
  'noDevice',
  'overflow',
];
const STATUS_SUBMIT_FAILED = -1;

/** Why a transfer or packet ended (libusb's `libusb_transfer_status`). */
export type NativeTransferStatus =
  | 'completed'
  | 'error'
  | 'timedOut'
  | 'cancelled'
  | 'stall'
  | 'noDevice'
  | 'overflow';

/** Which device to open: bus number and address, or the index-th device with a VID:PID. */
export type NativeTarget =
  | { busNumber: number; deviceAddress: number }
  | { vendorId: number; productId: number; index?: number };

/** Counters of a running stream. */
export interface NativeStreamStats {
  submitted: number;
  completed: number;
  delivered: number;
  released: number;
  submitErrors: number;
  packetErrors: number;
  inFlight: number;
}

/** The addon's stream object. */
export interface RawNativeStream {
  release(index: number): boolean;
  stop(timeoutMs: number): Promise<number>;
  stats(): NativeStreamStats;
}

/** Called by the addon for every completed transfer (or failed resubmission). */
export type RawTransferCallback = (
  index: number,
  buffer: ArrayBuffer | null,
  status: number,
  actualLength: number,
  packets: Int32Array | null,
  errno: number,
) => void;

/** The addon's device object. */
export interface RawNativeDevice {
  readonly busNumber: number;
  readonly deviceAddress: number;
  /** `enum libusb_speed`: 1 low, 2 full, 3 high, 4 super, 5 super+. */
  readonly speed: number;
  readonly interfaceNumber: number;
  readonly kernelDriverDetached: boolean;
  controlTransfer(
    bmRequestType: number,
    bRequest: number,
    wValue: number,
    wIndex: number,
    dataOrLength: Uint8Array | number,
    timeoutMs: number,
  ): Promise<ArrayBuffer | number>;
  setAltSetting(alternate: number): Promise<void>;
  claimInterface(): Promise<void>;
  endStreaming(): Promise<void>;
  startStream(
    options: {
      kind: number;
      endpoint: number;
      transfers: number;
      transferSize?: number;
      packets?: number;
      packetSize?: number;
    },
    onTransfer: RawTransferCallback,
  ): Promise<RawNativeStream>;
  close(): Promise<void>;
}

/** The addon's exports (native-bindings/src/addon.c). */
export interface NativeBinding {
  readonly libusbVersion: string;
  open(
    target: NativeTarget,
    interfaceNumber: number,
    detachKernelDriver: boolean,
  ): Promise<RawNativeDevice>;
}

/** The addon, or the reason it cannot be used here. */
export type NativeBindingResult = { binding: NativeBinding } | { unavailable: string };

let cached: NativeBindingResult | undefined;

/**
 * Load the addon once. Never throws: when the addon was not built (a platform without a
 * compiler, Node headers or libusb sources), the result says why.
 */
export function loadNativeBinding(): NativeBindingResult {
  if (cached !== undefined) return cached;

  const override = process.env[NATIVE_BINDING_ENV];
  const path = override !== undefined && override !== '' ? override : fileURLToPath(ADDON_URL);
  if (process.platform !== 'linux') {
    cached = {
      unavailable: `the native streaming binding supports Linux only; this is ${process.platform}`,
    };
  } else if (!existsSync(path)) {
    cached = {
      unavailable: `the native streaming binding was not built (no ${path}); run "node native-bindings/build.mjs"`,
    };
  } else {
    cached = loadFrom(path);
  }
  return cached;
}

function loadFrom(path: string): NativeBindingResult {
  try {
    const binding = createRequire(import.meta.url)(path) as Partial<NativeBinding>;
    if (typeof binding.open !== 'function' || typeof binding.libusbVersion !== 'string') {
      return {
        unavailable: `${path} is not the webuvc streaming binding (no open() or libusbVersion)`,
      };
    }
    return { binding: binding as NativeBinding };
  } catch (error) {
    return {
      unavailable: `the native streaming binding failed to load: ${messageOf(error)}`,
    };
  }
}

/** The addon, or a CameraError (DEVICE_DISABLED) saying why it is unavailable. */
export function requireNativeBinding(): NativeBinding {
  const result = loadNativeBinding();
  if ('binding' in result) return result.binding;
  throw new CameraError(CameraErrorCode.DEVICE_DISABLED, 'Native streaming is unavailable', {
    expected: 'the webuvc native binding',
    found: result.unavailable,
  });
}

/** Bytes per isochronous packet of an endpoint: what one service interval carries. */
export function isochronousPacketSize(endpoint: {
  wMaxPacketSize: number;
  superSpeed?: { wBytesPerInterval: number };
}): number {
  if (endpoint.superSpeed !== undefined && endpoint.superSpeed.wBytesPerInterval > 0) {
    return endpoint.superSpeed.wBytesPerInterval;
  }
  const size = endpoint.wMaxPacketSize & 0x7ff;
  const transactions = 1 + ((endpoint.wMaxPacketSize >> 11) & 0x03);
  return size * transactions;
}

/** A setup packet (USB 2.0 §9.3) without wLength, which comes from the data or length. */
export interface ControlSetup {
  bmRequestType: number;
  bRequest: number;
  wValue: number;
  wIndex: number;
}

/** Options of {@link NativeStreamingInterface.open}. */
export interface NativeOpenOptions {
  target: NativeTarget;
  /** bInterfaceNumber of the VideoStreaming interface. */
  interfaceNumber: number;
  /** Detach a kernel driver (uvcvideo) and re-attach it on close. Default true. */
  detachKernelDriver?: boolean;
  /** The binding to use; loaded with {@link requireNativeBinding} by default. */
  binding?: NativeBinding;
}

/** Options of {@link NativeStreamingInterface.startIsochronous}. */
export interface IsochronousStreamOptions {
  /** bEndpointAddress of the isochronous IN endpoint. */
  endpoint: number;
  /** Bytes per packet: see {@link isochronousPacketSize}. */
  packetSize: number;
  packetsPerTransfer: number;
  /** Transfers in flight. */
  transfers: number;
}

/** Options of {@link NativeStreamingInterface.startBulk}. */
export interface BulkStreamOptions {
  /** bEndpointAddress of the bulk IN endpoint. */
  endpoint: number;
  /** Bytes per transfer (usually dwMaxPayloadTransferSize). */
  transferSize: number;
  /** Transfers in flight. */
  transfers: number;
}

/** One isochronous packet of a completed transfer. */
export interface NativePacket {
  /** Where the packet's bytes start in {@link CompletedTransfer.data}. */
  offset: number;
  length: number;
  status: NativeTransferStatus;
}

/** A completed transfer, valid until {@link release}. */
export interface CompletedTransfer {
  readonly index: number;
  /**
   * The transfer's own memory. Isochronous: the whole buffer, packet `i` at `i * packetSize`.
   * Bulk: the bytes received. Empty after {@link release}.
   */
  readonly data: Uint8Array;
  readonly status: NativeTransferStatus;
  readonly actualLength: number;
  /** Isochronous transfers only. */
  readonly packets?: readonly NativePacket[];
  /** Hand the buffer back for resubmission; the view becomes empty. Idempotent. */
  release(): void;
}

/** What stop() found. */
export interface StopResult {
  /** Transfers that never came back after cancellation; their memory is freed on close. */
  stuckTransfers: number;
}

/** A running stream: completed transfers arrive through {@link onTransfer} or async iteration. */
export class NativeStream implements AsyncIterable<CompletedTransfer> {
  readonly kind: keyof typeof STREAM_KIND;
  readonly #packetSize: number;
  #raw: RawNativeStream | undefined;
  #callback: ((transfer: CompletedTransfer) => void) | undefined;
  #errorCallback: ((error: CameraError) => void) | undefined;
  readonly #queue: CompletedTransfer[] = [];
  #waiter:
    | {
        resolve: (result: IteratorResult<CompletedTransfer>) => void;
        reject: (error: unknown) => void;
      }
    | undefined;
  #error: CameraError | undefined;
  #ended = false;
  #stopping: Promise<StopResult> | undefined;
  readonly #earlyReleases: number[] = [];

  /** @internal Created by {@link NativeStreamingInterface}. */
  constructor(kind: keyof typeof STREAM_KIND, packetSize: number) {
    this.kind = kind;
    this.#packetSize = packetSize;
  }

  /** @internal */
  attach(raw: RawNativeStream): void {
    this.#raw = raw;
    // Transfers can complete (and be released) before the addon's start promise settles.
    for (const index of this.#earlyReleases.splice(0)) raw.release(index);
  }

  /** The error that ended the stream (a lost device, a failed resubmission), if any. */
  get error(): CameraError | undefined {
    return this.#error;
  }

  /** Counters from the addon. */
  stats(): NativeStreamStats {
    return (
      this.#raw?.stats() ?? {
        submitted: 0,
        completed: 0,
        delivered: 0,
        released: 0,
        submitErrors: 0,
        packetErrors: 0,
        inFlight: 0,
      }
    );
  }

  /**
   * Receive every completed transfer in `callback` (instead of iterating); `onError` hears the
   * error that ends the stream.
   */
  onTransfer(
    callback: (transfer: CompletedTransfer) => void,
    onError?: (error: CameraError) => void,
  ): void {
    this.#callback = callback;
    this.#errorCallback = onError;
    for (const transfer of this.#queue.splice(0)) callback(transfer);
    if (this.#error !== undefined) onError?.(this.#error);
  }

  /** @internal The addon's callback. */
  readonly handle: RawTransferCallback = (index, buffer, status, actualLength, packets, errno) => {
    if (status === STATUS_SUBMIT_FAILED) {
      this.#fail(fromUsbError(usbError(errno, 'resubmitting a transfer'), 'Streaming'));
      return;
    }
    const transfer = this.#makeTransfer(index, buffer, status, actualLength, packets);
    if (transfer.status === 'noDevice') {
      this.#fail(fromUsbError(usbError(LIBUSB_ERROR.NO_DEVICE, 'the device is gone'), 'Streaming'));
      return;
    }
    if (this.#callback !== undefined) this.#callback(transfer);
    else this.#push(transfer);
  };

  #makeTransfer(
    index: number,
    buffer: ArrayBuffer | null,
    status: number,
    actualLength: number,
    packets: Int32Array | null,
  ): CompletedTransfer {
    let released = false;
    const data = buffer === null ? new Uint8Array(0) : new Uint8Array(buffer);
    const result: {
      index: number;
      data: Uint8Array;
      status: NativeTransferStatus;
      actualLength: number;
      packets?: NativePacket[];
      release(): void;
    } = {
      index,
      data,
      status: TRANSFER_STATUS[status] ?? 'error',
      actualLength,
      release: () => {
        if (released) return;
        released = true;
        if (this.#raw !== undefined) this.#raw.release(index);
        else this.#earlyReleases.push(index);
      },
    };
    if (packets !== null) {
      const list: NativePacket[] = [];
      for (let i = 0; i + 1 < packets.length; i += 2) {
        list.push({
          offset: (i / 2) * this.#packetSize,
          length: packets[i] ?? 0,
          status: TRANSFER_STATUS[packets[i + 1] ?? 1] ?? 'error',
        });
      }
      result.packets = list;
    }
    return result;
  }

  #push(transfer: CompletedTransfer): void {
    const waiter = this.#waiter;
    if (waiter !== undefined) {
      this.#waiter = undefined;
      waiter.resolve({ value: transfer, done: false });
    } else {
      this.#queue.push(transfer);
    }
  }

  #fail(error: CameraError): void {
    if (this.#error !== undefined) return;
    this.#error = error;
    this.#errorCallback?.(error);
    const waiter = this.#waiter;
    if (waiter !== undefined && this.#queue.length === 0) {
      this.#waiter = undefined;
      waiter.reject(error);
    }
  }

  /** @internal Ends iteration after stop(). */
  end(): void {
    this.#ended = true;
    const waiter = this.#waiter;
    this.#waiter = undefined;
    waiter?.resolve({ value: undefined, done: true });
  }

  /**
   * Stop: cancel every transfer, wait up to `timeoutMs` for all of them, restore alternate
   * setting 0 and release the interface. Transfers not yet released become empty.
   */
  stop(timeoutMs = DEFAULT_STOP_TIMEOUT_MS): Promise<StopResult> {
    if (this.#stopping === undefined) {
      const raw = this.#raw;
      this.#earlyReleases.length = 0;
      this.#stopping = (async () => {
        try {
          const stuck = raw === undefined ? 0 : await raw.stop(timeoutMs);
          return { stuckTransfers: stuck };
        } finally {
          this.#queue.length = 0;
          this.end();
        }
      })();
    }
    return this.#stopping;
  }

  /** Completed transfers, in order; throws the error that ends the stream. */
  [Symbol.asyncIterator](): AsyncIterator<CompletedTransfer> {
    return {
      next: () => {
        const queued = this.#queue.shift();
        if (queued !== undefined) return Promise.resolve({ value: queued, done: false });
        if (this.#error !== undefined) return Promise.reject(this.#error);
        if (this.#ended) return Promise.resolve({ value: undefined, done: true });
        return new Promise((resolve, reject) => {
          this.#waiter = { resolve, reject };
        });
      },
      return: async () => {
        await this.stop();
        return { value: undefined, done: true };
      },
    };
  }
}

/** An Error carrying a libusb error number, the shape {@link fromUsbError} classifies. */
function usbError(errno: number, message: string): Error & { errno: number } {
  return Object.assign(new Error(message), { errno });
}

function checkInteger(name: string, value: number, min: number, max: number): void {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new CameraError(CameraErrorCode.INVALID_ARGUMENT, `Invalid ${name}`, {
      expected: `an integer from ${min} to ${max}`,
      found: value,
    });
  }
}

function checkInEndpoint(endpoint: number): void {
  checkInteger('endpoint address', endpoint, 0x81, 0x8f);
  if ((endpoint & ENDPOINT_DIRECTION_IN) === 0) {
    throw new CameraError(CameraErrorCode.INVALID_ARGUMENT, 'Invalid endpoint address', {
      expected: 'an IN endpoint (bit 7 set)',
      found: endpoint,
    });
  }
}

function checkSetup(setup: ControlSetup): void {
  checkInteger('bmRequestType', setup.bmRequestType, 0, 0xff);
  checkInteger('bRequest', setup.bRequest, 0, 0xff);
  checkInteger('wValue', setup.wValue, 0, 0xffff);
  checkInteger('wIndex', setup.wIndex, 0, 0xffff);
}

/**
 * The VideoStreaming interface of an opened camera, owned through the native binding.
 *
 * Open claims the interface (detaching a kernel driver if one is bound); class requests go
 * through {@link controlTransferIn}/{@link controlTransferOut} on the same handle;
 * {@link setAltSetting} selects the bandwidth; one stream at a time runs; {@link close} stops
 * it, releases the interface, re-attaches the kernel driver and closes the handle.
 */
export class NativeStreamingInterface {
  readonly #device: RawNativeDevice;
  #stream: NativeStream | undefined;
  #closed = false;

  private constructor(device: RawNativeDevice) {
    this.#device = device;
  }

  /** Open a camera and claim its VideoStreaming interface. */
  static async open(options: NativeOpenOptions): Promise<NativeStreamingInterface> {
    checkInteger('interface number', options.interfaceNumber, 0, 0xff);
    const target = options.target;
    if ('busNumber' in target) {
      checkInteger('bus number', target.busNumber, 0, 0xff);
      checkInteger('device address', target.deviceAddress, 0, 0xff);
    } else {
      checkInteger('vendor id', target.vendorId, 0, 0xffff);
      checkInteger('product id', target.productId, 0, 0xffff);
      checkInteger('device index', target.index ?? 0, 0, 0xff);
    }
    const binding = options.binding ?? requireNativeBinding();

    try {
      const device = await binding.open(
        target,
        options.interfaceNumber,
        options.detachKernelDriver ?? true,
      );
      return new NativeStreamingInterface(device);
    } catch (error) {
      throw fromUsbError(
        error,
        `Opening ${describeTarget(target)} and claiming interface ${options.interfaceNumber}`,
      );
    }
  }

  /** Bus number, device address, speed and interface of the opened camera. */
  get info(): {
    busNumber: number;
    deviceAddress: number;
    speed: number;
    interfaceNumber: number;
    kernelDriverDetached: boolean;
  } {
    const d = this.#device;
    return {
      busNumber: d.busNumber,
      deviceAddress: d.deviceAddress,
      speed: d.speed,
      interfaceNumber: d.interfaceNumber,
      kernelDriverDetached: d.kernelDriverDetached,
    };
  }

  /** The running stream, if any. */
  get stream(): NativeStream | undefined {
    return this.#stream;
  }

  /** A control IN request (GET_CUR(VS_PROBE_CONTROL) and friends); resolves with the answer. */
  async controlTransferIn(
    setup: ControlSetup,
    length: number,
    timeoutMs = DEFAULT_CONTROL_TIMEOUT_MS,
  ): Promise<Uint8Array> {
    checkSetup(setup);
    checkInteger('wLength', length, 0, LIMITS.controlLength);
    if ((setup.bmRequestType & REQUEST_DIRECTION_IN) === 0) {
      throw new CameraError(
        CameraErrorCode.INVALID_ARGUMENT,
        'Invalid bmRequestType for an IN request',
        {
          expected: 'bit 7 set (device to host)',
          found: setup.bmRequestType,
        },
      );
    }
    const result = await this.#control(setup, length, timeoutMs);
    return new Uint8Array(result as ArrayBuffer);
  }

  /** A control OUT request (SET_CUR(VS_COMMIT_CONTROL) …); resolves with the bytes sent. */
  async controlTransferOut(
    setup: ControlSetup,
    data: Uint8Array,
    timeoutMs = DEFAULT_CONTROL_TIMEOUT_MS,
  ): Promise<number> {
    checkSetup(setup);
    checkInteger('wLength', data.length, 0, LIMITS.controlLength);
    if ((setup.bmRequestType & REQUEST_DIRECTION_IN) !== 0) {
      throw new CameraError(
        CameraErrorCode.INVALID_ARGUMENT,
        'Invalid bmRequestType for an OUT request',
        {
          expected: 'bit 7 clear (host to device)',
          found: setup.bmRequestType,
        },
      );
    }
    return (await this.#control(setup, data, timeoutMs)) as number;
  }

  /** A control request in either direction: a length for IN, the data for OUT. */
  controlTransfer(
    setup: ControlSetup,
    dataOrLength: Uint8Array | number,
    timeoutMs = DEFAULT_CONTROL_TIMEOUT_MS,
  ): Promise<Uint8Array | number> {
    return typeof dataOrLength === 'number'
      ? this.controlTransferIn(setup, dataOrLength, timeoutMs)
      : this.controlTransferOut(setup, dataOrLength, timeoutMs);
  }

  async #control(
    setup: ControlSetup,
    dataOrLength: Uint8Array | number,
    timeoutMs: number,
  ): Promise<ArrayBuffer | number> {
    this.#checkOpen();
    try {
      return await this.#device.controlTransfer(
        setup.bmRequestType,
        setup.bRequest,
        setup.wValue,
        setup.wIndex,
        dataOrLength,
        timeoutMs,
      );
    } catch (error) {
      throw fromUsbError(error, `Control request ${describeSetup(setup)}`);
    }
  }

  /** Select an alternate setting of the interface (claiming it again if a stop released it). */
  async setAltSetting(alternate: number): Promise<void> {
    checkInteger('alternate setting', alternate, 0, 0xff);
    this.#checkOpen();
    try {
      await this.#device.setAltSetting(alternate);
    } catch (error) {
      throw fromUsbError(
        error,
        `Selecting alternate setting ${alternate} of interface ${this.#device.interfaceNumber}`,
      );
    }
  }

  /** Start isochronous IN streaming with `transfers` transfers in flight. */
  async startIsochronous(options: IsochronousStreamOptions): Promise<NativeStream> {
    checkInEndpoint(options.endpoint);
    checkInteger('packet size', options.packetSize, 1, LIMITS.packetSize);
    checkInteger('packets per transfer', options.packetsPerTransfer, 1, LIMITS.packetsPerTransfer);
    checkInteger('transfers', options.transfers, 1, LIMITS.transfers);
    const stream = new NativeStream('isochronous', options.packetSize);
    return this.#start(stream, {
      kind: STREAM_KIND.isochronous,
      endpoint: options.endpoint,
      transfers: options.transfers,
      packets: options.packetsPerTransfer,
      packetSize: options.packetSize,
    });
  }

  /** Start bulk IN streaming with `transfers` transfers in flight. */
  async startBulk(options: BulkStreamOptions): Promise<NativeStream> {
    checkInEndpoint(options.endpoint);
    checkInteger('transfer size', options.transferSize, 1, LIMITS.bulkTransferSize);
    checkInteger('transfers', options.transfers, 1, LIMITS.transfers);
    const stream = new NativeStream('bulk', 0);
    return this.#start(stream, {
      kind: STREAM_KIND.bulk,
      endpoint: options.endpoint,
      transfers: options.transfers,
      transferSize: options.transferSize,
    });
  }

  async #start(
    stream: NativeStream,
    options: Parameters<RawNativeDevice['startStream']>[0],
  ): Promise<NativeStream> {
    this.#checkOpen();
    if (this.#stream !== undefined) {
      throw new CameraError(
        CameraErrorCode.OPERATION_NOT_ALLOWED,
        'A stream is already running on this interface',
        {
          expected: 'stop() before starting again',
          found: `a running ${this.#stream.kind} stream`,
        },
      );
    }
    try {
      stream.attach(await this.#device.startStream(options, stream.handle));
    } catch (error) {
      throw fromUsbError(
        error,
        `Starting ${stream.kind} streaming from endpoint 0x${options.endpoint.toString(16)}`,
      );
    }
    this.#stream = stream;
    return stream;
  }

  /** Stop the running stream (see {@link NativeStream.stop}); resolves at once when none runs. */
  async stop(timeoutMs = DEFAULT_STOP_TIMEOUT_MS): Promise<StopResult> {
    const stream = this.#stream;
    if (stream === undefined) return { stuckTransfers: 0 };
    try {
      return await stream.stop(timeoutMs);
    } finally {
      if (this.#stream === stream) this.#stream = undefined;
    }
  }

  /** Stop streaming, release the interface, re-attach the kernel driver and close. Idempotent. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    const stream = this.#stream;
    this.#stream = undefined;
    try {
      await this.#device.close();
    } finally {
      stream?.end();
    }
  }

  #checkOpen(): void {
    if (this.#closed) {
      throw new CameraError(
        CameraErrorCode.OPERATION_NOT_ALLOWED,
        'The streaming interface is closed',
        {
          expected: 'an open interface',
          found: 'close() was called',
        },
      );
    }
  }
}

function describeTarget(target: NativeTarget): string {
  if ('busNumber' in target)
    return `the device at bus ${target.busNumber} address ${target.deviceAddress}`;
  const hex4 = (value: number): string => value.toString(16).padStart(4, '0');
  const index = target.index ? ` #${target.index}` : '';
  return `${hex4(target.vendorId)}:${hex4(target.productId)}${index}`;
}

function describeSetup(setup: ControlSetup): string {
  const hex = (value: number, digits: number): string => value.toString(16).padStart(digits, '0');
  const { bmRequestType, bRequest, wValue, wIndex } = setup;
  return `${hex(bmRequestType, 2)} ${hex(bRequest, 2)} ${hex(wValue, 4)} ${hex(wIndex, 4)}`;
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
