/**
 * One camera as the API sees it: the {@link CameraDevice} description an application gets, and
 * the {@link CameraHandle} behind it that every input, session and output of that camera
 * shares — the open UVC camera, its configuration lock, the session that owns its stream, and
 * the watch that notices when the camera is lost.
 *
 * A camera is opened when its first input opens and closed when its last input closes. While it
 * is open, the camera's one status reader (`UvcCamera.events`) keeps a transfer pending on its
 * VideoControl status endpoint (as Linux uvcvideo keeps one), so an unplugged or taken-over
 * camera is noticed even when it does not stream; the same reader completes asynchronous
 * controls and keeps session settings current.
 *
 * @packageDocumentation
 */
import {
  CameraError,
  CameraErrorCode,
  classifyUsbError,
  fromLostCamera,
  type UsbFailure,
} from '../errors.js';
import type { CameraModel } from '../uvc/model.js';
import { DeviceConfigLock } from './device-lock.js';
import { CameraPosition, CameraType, ConnectionType } from './enums.js';
import { UvcCamera, type OpenCameraOptions } from './uvc-camera.js';

/** A camera (`camera.CameraDevice`), with what USB says about it. */
export interface CameraDevice {
  /** Stable for the life of the manager: the source's id. */
  readonly cameraId: string;
  /** USB cameras do not say where they face: CAMERA_POSITION_UNSPECIFIED. */
  readonly cameraPosition: CameraPosition;
  /** CAMERA_TYPE_DEFAULT. */
  readonly cameraType: CameraType;
  /** CAMERA_CONNECTION_USB_PLUGIN. */
  readonly connectionType: ConnectionType;
  /** Degrees the sensor is mounted at; USB cameras do not say (0). */
  readonly cameraOrientation: number;
  /** OpenHarmony's remote host name; empty for local cameras. */
  readonly hostDeviceName: string;
  /** idVendor of the device descriptor. */
  readonly vendorId: number;
  /** idProduct of the device descriptor. */
  readonly productId: number;
  /** The manufacturer string, when the camera has one. */
  readonly manufacturerName: string | null;
  /** The product string, when the camera has one. */
  readonly productName: string | null;
  /** The serial number string, when the camera has one. */
  readonly serialNumber: string | null;
}

/** Told when the camera is lost (unplugged, taken over) or its stream fails. */
export interface CameraListener {
  /** `lost` is true when the camera was closed as a consequence. */
  cameraFailed(error: CameraError, lost: boolean): void;
}

/** The session that owns the camera's stream. */
export interface StreamOwner extends CameraListener {
  /** Another session takes the camera: stop and release (the caller holds the lock). */
  preempt(error: CameraError): Promise<void>;
}

/** Options for every camera of a manager. */
export interface CameraHandleOptions {
  /** Wait limit for the configuration lock, in ms. */
  lockTimeoutMs?: number;
  /** Keep a transfer pending on the status endpoint while open (default true). */
  watchStatus?: boolean;
  /** Options for opening the UVC camera. */
  open?: OpenCameraOptions;
}

/** How long closing waits for the status endpoint's transfer to end, in ms. */
const WATCH_SETTLE_MS = 1000;

/** USB failures that mean the camera is gone from this process. */
const LOSS_FAILURES: ReadonlySet<UsbFailure> = new Set(['disconnected', 'busy']);

/** `VID:PID` in lower-case hex. */
export function usbId(vendorId: number, productId: number): string {
  const hex = (value: number) => value.toString(16).padStart(4, '0');
  return `${hex(vendorId)}:${hex(productId)}`;
}

/** The description of a USB camera. */
export function describeDevice(device: USBDevice, cameraId: string): CameraDevice {
  return Object.freeze({
    cameraId,
    cameraPosition: CameraPosition.CAMERA_POSITION_UNSPECIFIED,
    cameraType: CameraType.CAMERA_TYPE_DEFAULT,
    connectionType: ConnectionType.CAMERA_CONNECTION_USB_PLUGIN,
    cameraOrientation: 0,
    hostDeviceName: '',
    vendorId: device.vendorId,
    productId: device.productId,
    manufacturerName: device.manufacturerName ?? null,
    productName: device.productName ?? null,
    serialNumber: device.serialNumber ?? null,
  });
}

/** True when an error (or the error it wraps) means the camera is gone from this process. */
export function isLoss(error: unknown): boolean {
  let cause = error;
  while (cause instanceof CameraError && cause.cause !== undefined) cause = cause.cause;
  if (error instanceof CameraError && error.code === CameraErrorCode.DEVICE_PREEMPTED) return true;
  return LOSS_FAILURES.has(classifyUsbError(cause));
}

/** What every input, session and output of one camera shares. */
export class CameraHandle {
  /** The description applications get. */
  readonly camera: CameraDevice;
  /** The camera's W3C USBDevice. */
  readonly device: USBDevice;
  /** The descriptors, read when the camera was found; absent when they could not be read. */
  readonly model: CameraModel | undefined;
  /** Why the descriptors could not be read. */
  readonly problem: CameraError | undefined;
  /** Serialises configurations and settings. */
  readonly lock: DeviceConfigLock;
  /** The session that owns the stream. */
  owner: StreamOwner | undefined;
  /** True once the camera's source reported it removed. */
  removed = false;

  readonly #options: CameraHandleOptions;
  readonly #listeners = new Set<CameraListener>();
  #uvc: UvcCamera | undefined;
  #lost: CameraError | undefined;
  /** Stops listening for failures of the status reader. */
  #unwatch: (() => void) | undefined;
  #cleanup: Promise<void> = Promise.resolve();

  constructor(
    camera: CameraDevice,
    device: USBDevice,
    described: { model?: CameraModel; problem?: CameraError },
    options: CameraHandleOptions = {},
  ) {
    this.camera = camera;
    this.device = device;
    this.model = described.model;
    this.problem = described.problem;
    this.#options = options;
    this.lock = new DeviceConfigLock(`camera ${camera.cameraId}`, {
      ...(options.lockTimeoutMs === undefined ? {} : { timeoutMs: options.lockTimeoutMs }),
    });
  }

  /** The open UVC camera, while an input has it open. */
  get uvc(): UvcCamera | undefined {
    return this.#uvc;
  }

  /** Why the camera was lost, until it is opened again. */
  get lost(): CameraError | undefined {
    return this.#lost;
  }

  /** How many inputs have the camera open. */
  get openCount(): number {
    return this.#listeners.size;
  }

  /** Resolves when the clean-up after a loss has finished. */
  settled(): Promise<void> {
    return this.#cleanup;
  }

  /**
   * Open the camera for `listener` unless it is open already. Call holding a configuration
   * lease.
   *
   * @throws CameraError from `UvcCamera.open` (7400108 no permission or protected class,
   *   7400107 another program holds it, 7400201 gone) or 7400201 when its source removed it.
   */
  async attach(listener: CameraListener): Promise<void> {
    if (this.removed) {
      throw new CameraError(CameraErrorCode.SERVICE_FATAL_ERROR, 'the camera was removed', {
        expected: `camera ${this.camera.cameraId} attached`,
        found: 'removed',
      });
    }
    if (!this.#uvc) {
      const uvc = await UvcCamera.open(this.device, this.#options.open ?? {});
      this.#uvc = uvc;
      this.#lost = undefined;
      this.#startWatch(uvc);
    }
    this.#listeners.add(listener);
  }

  /** Close the camera when `listener` was the last to have it open. Call holding a lease. */
  async detach(listener: CameraListener): Promise<void> {
    this.#listeners.delete(listener);
    if (this.#listeners.size === 0) await this.#close();
  }

  /**
   * The stream or the camera failed. A loss (unplugged, taken over) is reported to everyone
   * once and the camera is closed; another stream failure goes to the owning session and the
   * inputs, and the camera stays open. `lost` overrides what the error's cause says.
   */
  fail(error: CameraError, lost = isLoss(error)): void {
    if (!this.#uvc || this.#lost) return;
    if (lost) this.#lost = error;
    const listeners = [...this.#listeners];
    if (lost) this.#listeners.clear();
    this.owner?.cameraFailed(error, lost);
    for (const listener of listeners) listener.cameraFailed(error, lost);
    if (!lost) return;

    this.owner = undefined;
    this.#cleanup = this.lock
      .run(this, 'closing the lost camera', () => this.#close(), { timeoutMs: Infinity })
      .catch(() => undefined);
  }

  async #close(): Promise<void> {
    const uvc = this.#uvc;
    this.#uvc = undefined;
    this.#unwatch?.();
    this.#unwatch = undefined;
    this.owner = undefined;
    if (!uvc) return;
    // Closing stops the status reader; its pending transfer ends when the device closes.
    await uvc.close();
    await settleWithin(uvc.events.finished, WATCH_SETTLE_MS);
  }

  /** Keep a transfer pending on the status endpoint; a failure that means a loss is one. */
  #startWatch(uvc: UvcCamera): void {
    if (this.#options.watchStatus === false) return;
    this.#unwatch = uvc.events.onError((error) => {
      if (this.#uvc !== uvc || !isLoss(error)) return;
      this.fail(fromLostCamera(error, 'the status endpoint'));
    });
    // TODO: stream errors and buttons are read but not offered through the session API (control
    // changes keep session settings current; `StillCapture.watchTrigger` takes the buttons).
    uvc.events.start();
  }
}

/** Wait for `promise` at most `ms` (it may never settle on a transport that cannot cancel). */
async function settleWithin(promise: Promise<unknown> | undefined, ms: number): Promise<void> {
  if (!promise) return;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const limit = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, ms);
  });
  await Promise.race([promise.catch(() => undefined), limit]);
  clearTimeout(timer);
}
