/**
 * Where a CameraManager finds cameras: a {@link CameraSource} lists W3C `USBDevice`s and may
 * report cameras that arrive or leave.
 *
 * - {@link CameraSourceList}: a list the application (or a test) fills, for emulated cameras,
 *   WebUSB devices from `navigator.usb`, or devices found some other way. Its `add` and
 *   `remove` raise the manager's camera status events.
 * - {@link attachedCameraSource}: attached UVC cameras through node-usb, with hotplug. node-usb
 *   is loaded only when this source is used, so the camera API still runs in a browser.
 *
 * @packageDocumentation
 */
import { usbId } from './camera-device.js';

/** A camera a source offers. */
export interface SourceCamera {
  /** Stable while the camera stays attached; becomes `CameraDevice.cameraId`. */
  id: string;
  /** The camera's W3C USBDevice. */
  device: USBDevice;
}

/** What a source tells a watcher. */
export interface CameraSourceEvents {
  /** A camera arrived. */
  attached(camera: SourceCamera): void;
  /** The camera with this id left. */
  removed(id: string): void;
}

/** A supplier of cameras. */
export interface CameraSource {
  /** The cameras present now. */
  list(): Promise<SourceCamera[]>;
  /** Report cameras that arrive or leave; returns the function that stops watching. */
  watch?(events: CameraSourceEvents): () => void;
}

/** An id for a device: `usb:VID:PID[:serial]`, made unique among `taken`. */
export function deviceCameraId(device: USBDevice, taken: ReadonlySet<string>): string {
  const serial = device.serialNumber ? `:${device.serialNumber}` : '';
  const base = `usb:${usbId(device.vendorId, device.productId)}${serial}`;
  let id = base;
  for (let n = 2; taken.has(id); n += 1) id = `${base}#${n}`;
  return id;
}

/** A camera source backed by a list of devices the application manages. */
export class CameraSourceList implements CameraSource {
  readonly #cameras = new Map<string, USBDevice>();
  readonly #watchers = new Set<CameraSourceEvents>();

  /** Start with `devices` (ids made from VID:PID and serial number). */
  constructor(devices: Iterable<USBDevice> = []) {
    for (const device of devices) this.add(device);
  }

  /** The cameras in the list. */
  async list(): Promise<SourceCamera[]> {
    return [...this.#cameras].map(([id, device]) => ({ id, device }));
  }

  /** Add a device (a camera arrives); returns its id. */
  add(device: USBDevice, id?: string): string {
    const taken = new Set(this.#cameras.keys());
    const cameraId = id ?? deviceCameraId(device, taken);
    this.#cameras.set(cameraId, device);
    for (const watcher of this.#watchers) watcher.attached({ id: cameraId, device });
    return cameraId;
  }

  /** Remove a device, by object or id (a camera leaves). Returns false when it was not there. */
  remove(deviceOrId: USBDevice | string): boolean {
    const id =
      typeof deviceOrId === 'string'
        ? deviceOrId
        : [...this.#cameras].find(([, device]) => device === deviceOrId)?.[0];
    if (id === undefined || !this.#cameras.delete(id)) return false;
    for (const watcher of this.#watchers) watcher.removed(id);
    return true;
  }

  /** Watch additions and removals. */
  watch(events: CameraSourceEvents): () => void {
    this.#watchers.add(events);
    return () => this.#watchers.delete(events);
  }
}

/**
 * Attached UVC cameras through node-usb (Node only), ids `usb:PORT-PATH`, with hotplug: an
 * arriving USB device is listed again, a leaving one is matched by bus and address.
 */
export function attachedCameraSource(): CameraSource {
  const known = new Map<string, { busNumber: number; deviceAddress: number }>();
  const load = () => import('../usb/node-usb.js');

  const list = async (): Promise<SourceCamera[]> => {
    const { findAttachedCameras } = await load();
    const cameras = await findAttachedCameras();
    return cameras.map((camera) => {
      const id = `usb:${camera.portPath}`;
      known.set(id, { busNumber: camera.busNumber, deviceAddress: camera.deviceAddress });
      return { id, device: camera.device };
    });
  };

  return {
    list,
    watch(events) {
      let stop: (() => void) | undefined;
      let stopped = false;
      void load().then(({ watchHotplug }) => {
        if (stopped) return;
        stop = watchHotplug({
          attach: () => {
            const before = new Set(known.keys());
            void list()
              .then((cameras) => {
                for (const camera of cameras) if (!before.has(camera.id)) events.attached(camera);
              })
              .catch(() => undefined);
          },
          detach: (gone) => {
            for (const [id, where] of known) {
              if (where.busNumber !== gone.busNumber) continue;
              if (where.deviceAddress !== gone.deviceAddress) continue;
              known.delete(id);
              events.removed(id);
            }
          },
        });
      });
      return () => {
        stopped = true;
        stop?.();
      };
    },
  };
}
