/**
 * A W3C `USBDevice` decorator for camera API tests: it forwards everything to an emulated
 * camera and adds what the emulator cannot do by itself —
 *
 * - faults of other programs on the same machine: another process holding the camera
 *   ({@link TestDevice.holdElsewhere}: claims fail with libusb BUSY), another process taking an
 *   open camera over ({@link TestDevice.takeOver}: pending and later transfers fail with BUSY),
 *   no permission ({@link TestDevice.denyAccess}: open fails with libusb ACCESS);
 * - a shared USB bus with limited periodic bandwidth ({@link SharedBus}): an alternate setting
 *   that does not fit is refused, as Chromium refuses it ("Unable to set device interface");
 * - transfer faults on the streaming endpoint ({@link TestDevice.failStreaming});
 * - observation: transfers in flight, a log of control requests, the claimed interfaces.
 *
 * The libusb errors carry `errno` as node-usb's do (LIBUSB_ERROR_BUSY -6, ACCESS -3).
 */
import { UVC_REQ } from '../../src/uvc/constants.js';
import type { CameraModel } from '../../src/uvc/model.js';

/** An error as node-usb raises it for a libusb failure. */
export function libusbError(name: 'LIBUSB_ERROR_BUSY' | 'LIBUSB_ERROR_ACCESS' | 'LIBUSB_ERROR_IO') {
  const errno = { LIBUSB_ERROR_BUSY: -6, LIBUSB_ERROR_ACCESS: -3, LIBUSB_ERROR_IO: -1 }[name];
  return Object.assign(new Error(name), { errno });
}

/**
 * GET_CUR of a class control of an interface, as the camera answers it (`index`: entity << 8 |
 * interface), bypassing the driver.
 */
export async function getCur(
  device: USBDevice,
  index: number,
  selector: number,
  length: number,
): Promise<Uint8Array> {
  const result = await device.controlTransferIn(
    {
      requestType: 'class',
      recipient: 'interface',
      request: UVC_REQ.GET_CUR,
      value: selector << 8,
      index,
    },
    length,
  );
  const view = result.data!;
  return new Uint8Array(view.buffer, view.byteOffset, view.byteLength);
}

/** One logged control request. */
export interface ControlRecord {
  direction: 'in' | 'out';
  requestType: USBRequestType;
  request: number;
  /** wValue >> 8: the control selector of class requests. */
  selector: number;
  /** wIndex: entity << 8 | interface. */
  index: number;
  /** 'ok', 'stall' or the name of the error thrown. */
  outcome: string;
  /** The data stage sent (OUT requests). */
  data?: Uint8Array;
}

/**
 * Periodic bandwidth of one USB 2.0 high-speed bus: 80 % of a 125 µs microframe may be
 * periodic (USB 2.0 §5.7.4), about 6000 bytes of isochronous payload per microframe.
 */
export class SharedBus {
  readonly budget: number;
  readonly #reserved = new Map<object, number>();

  constructor(bytesPerMicroframe = 6000) {
    this.budget = bytesPerMicroframe;
  }

  /** Bytes per microframe in use. */
  get used(): number {
    return [...this.#reserved.values()].reduce((sum, bytes) => sum + bytes, 0);
  }

  /** Reserve `bytes` for `owner` (replacing its reservation); false when they do not fit. */
  reserve(owner: object, bytes: number): boolean {
    const others = this.used - (this.#reserved.get(owner) ?? 0);
    if (bytes > 0 && others + bytes > this.budget) return false;
    if (bytes > 0) this.#reserved.set(owner, bytes);
    else this.#reserved.delete(owner);
    return true;
  }
}

/** Options of {@link TestDevice}. */
export interface TestDeviceOptions {
  /** The bus the device sits on, with `model` to know each alternate setting's bandwidth. */
  bus?: SharedBus;
  model?: CameraModel;
}

/** The emulated camera with the faults and observations of the module notes. */
export class TestDevice implements USBDevice {
  readonly inner: USBDevice;
  /** Control requests in order. */
  readonly log: ControlRecord[] = [];
  readonly #options: TestDeviceOptions;
  readonly #pending = new Set<{ streaming: boolean; reject(error: unknown): void }>();
  #heldElsewhere = false;
  #takenOver = false;
  #accessDenied = false;
  #streamingFault: Error | undefined;
  #maxPending = 0;

  constructor(inner: USBDevice, options: TestDeviceOptions = {}) {
    this.inner = inner;
    this.#options = options;
  }

  // Faults.

  /** Another process holds the camera: claiming an interface fails with LIBUSB_ERROR_BUSY. */
  holdElsewhere(held = true): void {
    this.#heldElsewhere = held;
  }

  /** Another process takes the camera over: transfers fail with LIBUSB_ERROR_BUSY from now. */
  takeOver(): void {
    this.#takenOver = true;
    this.#heldElsewhere = true;
    for (const transfer of [...this.#pending]) transfer.reject(libusbError('LIBUSB_ERROR_BUSY'));
  }

  /** The other process lets go of the camera: claims and transfers work again. */
  letGo(): void {
    this.#takenOver = false;
    this.#heldElsewhere = false;
  }

  /** The process has no permission: open fails with LIBUSB_ERROR_ACCESS. */
  denyAccess(denied = true): void {
    this.#accessDenied = denied;
  }

  /** Streaming transfers fail with `error` from now (pending ones too); undefined heals. */
  failStreaming(error: Error | undefined): void {
    this.#streamingFault = error;
    if (!error) return;
    for (const transfer of [...this.#pending]) if (transfer.streaming) transfer.reject(error);
  }

  // Observation.

  /** Data transfers in flight now. */
  get pendingTransfers(): number {
    return this.#pending.size;
  }

  /** The most data transfers in flight at once so far. */
  get maxPendingTransfers(): number {
    return this.#maxPending;
  }

  /** Interface numbers claimed now. */
  claimedInterfaces(): number[] {
    const interfaces = this.inner.configuration?.interfaces ?? [];
    return interfaces.filter((i) => i.claimed).map((i) => i.interfaceNumber);
  }

  // W3C USBDevice: state.

  get usbVersionMajor() { return this.inner.usbVersionMajor; }
  get usbVersionMinor() { return this.inner.usbVersionMinor; }
  get usbVersionSubminor() { return this.inner.usbVersionSubminor; }
  get deviceClass() { return this.inner.deviceClass; }
  get deviceSubclass() { return this.inner.deviceSubclass; }
  get deviceProtocol() { return this.inner.deviceProtocol; }
  get vendorId() { return this.inner.vendorId; }
  get productId() { return this.inner.productId; }
  get deviceVersionMajor() { return this.inner.deviceVersionMajor; }
  get deviceVersionMinor() { return this.inner.deviceVersionMinor; }
  get deviceVersionSubminor() { return this.inner.deviceVersionSubminor; }
  get manufacturerName() { return this.inner.manufacturerName; }
  get productName() { return this.inner.productName; }
  get serialNumber() { return this.inner.serialNumber; }
  get configuration() { return this.inner.configuration; }
  get configurations() { return this.inner.configurations; }
  get opened() { return this.inner.opened; }

  // W3C USBDevice: methods.

  async open(): Promise<void> {
    if (this.#accessDenied) throw libusbError('LIBUSB_ERROR_ACCESS');
    return this.inner.open();
  }

  async close(): Promise<void> {
    this.#options.bus?.reserve(this, 0);
    return this.inner.close();
  }

  async forget(): Promise<void> {
    return this.inner.forget();
  }

  async selectConfiguration(value: number): Promise<void> {
    return this.inner.selectConfiguration(value);
  }

  async claimInterface(interfaceNumber: number): Promise<void> {
    if (this.#heldElsewhere) throw libusbError('LIBUSB_ERROR_BUSY');
    return this.inner.claimInterface(interfaceNumber);
  }

  async releaseInterface(interfaceNumber: number): Promise<void> {
    this.#options.bus?.reserve(this, 0);
    return this.inner.releaseInterface(interfaceNumber);
  }

  async selectAlternateInterface(interfaceNumber: number, alternate: number): Promise<void> {
    this.#checkTakenOver();
    const bus = this.#options.bus;
    if (bus && !bus.reserve(this, this.#bandwidth(interfaceNumber, alternate))) {
      throw new DOMException('Unable to set device interface.', 'NetworkError');
    }
    return this.inner.selectAlternateInterface(interfaceNumber, alternate);
  }

  async controlTransferIn(setup: USBControlTransferParameters, length: number) {
    this.#checkTakenOver();
    return this.#logged('in', setup, this.inner.controlTransferIn(setup, length));
  }

  async controlTransferOut(setup: USBControlTransferParameters, data?: BufferSource) {
    this.#checkTakenOver();
    const bytes = data === undefined ? undefined : copyBytes(data);
    return this.#logged('out', setup, this.inner.controlTransferOut(setup, data), bytes);
  }

  async clearHalt(direction: USBDirection, endpointNumber: number): Promise<void> {
    return this.inner.clearHalt(direction, endpointNumber);
  }

  transferIn(endpointNumber: number, length: number): Promise<USBInTransferResult> {
    return this.#tracked(() => this.inner.transferIn(endpointNumber, length), false);
  }

  transferOut(endpointNumber: number, data: BufferSource): Promise<USBOutTransferResult> {
    return this.#tracked(() => this.inner.transferOut(endpointNumber, data), false);
  }

  isochronousTransferIn(endpointNumber: number, packetLengths: number[]) {
    return this.#tracked(
      () => this.inner.isochronousTransferIn(endpointNumber, packetLengths),
      true,
    );
  }

  isochronousTransferOut(endpointNumber: number, data: BufferSource, packetLengths: number[]) {
    return this.#tracked(
      () => this.inner.isochronousTransferOut(endpointNumber, data, packetLengths),
      false,
    );
  }

  async reset(): Promise<void> {
    return this.inner.reset();
  }

  // Internals.

  #checkTakenOver(): void {
    if (this.#takenOver) throw libusbError('LIBUSB_ERROR_BUSY');
  }

  #bandwidth(interfaceNumber: number, alternate: number): number {
    const streaming = this.#options.model?.functions.flatMap((fn) => fn.streaming) ?? [];
    const vs = streaming.find((s) => s.bInterfaceNumber === interfaceNumber);
    const setting = vs?.alternateSettings.find((a) => a.bAlternateSetting === alternate);
    const periodic = setting?.endpoints.filter((e) => e.transferType === 'isochronous') ?? [];
    return periodic.reduce((sum, endpoint) => sum + endpoint.bytesPerInterval, 0);
  }

  async #logged<T extends { status?: USBTransferStatus }>(
    direction: 'in' | 'out',
    setup: USBControlTransferParameters,
    transfer: Promise<T>,
    data?: Uint8Array,
  ): Promise<T> {
    const record: ControlRecord = {
      direction,
      requestType: setup.requestType,
      request: setup.request,
      selector: setup.value >> 8,
      index: setup.index,
      outcome: 'pending',
      ...(data ? { data } : {}),
    };
    this.log.push(record);
    try {
      const result = await transfer;
      record.outcome = result.status ?? 'ok';
      return result;
    } catch (error) {
      record.outcome = (error as Error).name;
      throw error;
    }
  }

  #tracked<T>(start: () => Promise<T>, streaming: boolean): Promise<T> {
    if (this.#takenOver) return Promise.reject(libusbError('LIBUSB_ERROR_BUSY'));
    if (streaming && this.#streamingFault) return Promise.reject(this.#streamingFault);
    return new Promise<T>((resolve, reject) => {
      const entry = {
        streaming,
        reject: (error: unknown) => {
          if (!this.#pending.delete(entry)) return;
          reject(error);
        },
      };
      this.#pending.add(entry);
      this.#maxPending = Math.max(this.#maxPending, this.#pending.size);
      start().then(
        (value) => {
          if (this.#pending.delete(entry)) resolve(value);
        },
        (error: unknown) => {
          if (this.#pending.delete(entry)) reject(error);
        },
      );
    });
  }
}

/** A copy of the bytes of a BufferSource. */
function copyBytes(data: BufferSource): Uint8Array {
  if (data instanceof ArrayBuffer) return new Uint8Array(data.slice(0));
  return new Uint8Array(data.buffer, data.byteOffset, data.byteLength).slice();
}
