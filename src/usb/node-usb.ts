/**
 * Attached cameras through node-usb (the `usb` package, 2.18.x) and its W3C WebUSB facade.
 *
 * This is the only module that imports node-usb. Everything above it sees a W3C `USBDevice`.
 *
 * @packageDocumentation
 */
import { usb, WebUSBDevice, type Device } from 'usb';

import { CC_VIDEO, SC } from '../uvc/constants.js';
import { fromUsbError } from '../errors.js';

/** An attached USB device with a VideoControl interface. */
export interface AttachedCamera {
  /** The W3C WebUSB face of the device. */
  device: USBDevice;
  busNumber: number;
  deviceAddress: number;
  vendorId: number;
  productId: number;
  /** Port path, e.g. "1-2.3", stable across replugs on the same port. */
  portPath: string;
}

/** True when a node-usb device has a video-class VideoControl interface in its active configuration. */
function isVideoDevice(device: Device): boolean {
  const configuration = device.configDescriptor;
  if (!configuration) return false;
  return configuration.interfaces.some((alternates) =>
    alternates.some(
      (alt) => alt.bInterfaceClass === CC_VIDEO && alt.bInterfaceSubClass === SC.VIDEOCONTROL,
    ),
  );
}

/**
 * Every attached UVC camera, as W3C `USBDevice`s. Returns an empty list where the
 * machine has no USB (node-usb 2.x does not throw there).
 */
export async function findAttachedCameras(): Promise<AttachedCamera[]> {
  const cameras: AttachedCamera[] = [];

  for (const device of usb.getDeviceList()) {
    let video: boolean;
    try {
      video = isVideoDevice(device);
    } catch {
      // A device whose configuration cannot be read (no permission on some hosts) is not ours to judge here.
      video = false;
    }
    if (!video) continue;

    try {
      const web = await WebUSBDevice.createInstance(device);
      cameras.push({
        device: web,
        busNumber: device.busNumber,
        deviceAddress: device.deviceAddress,
        vendorId: device.deviceDescriptor.idVendor,
        productId: device.deviceDescriptor.idProduct,
        portPath: [device.busNumber, ...(device.portNumbers ?? [])].join('-'),
      });
    } catch (error) {
      throw fromUsbError(error, `opening USB device ${device.busNumber}:${device.deviceAddress}`);
    }
  }
  return cameras;
}

/** Events for cameras that are attached or removed after start-up. */
export interface HotplugHandlers {
  attach?(camera: { vendorId: number; productId: number; busNumber: number; deviceAddress: number }): void;
  detach?(camera: { vendorId: number; productId: number; busNumber: number; deviceAddress: number }): void;
}

/**
 * Watch for USB devices arriving and leaving. Returns a function that stops watching.
 *
 * TODO: hotplug: node-usb reports every USB device; filtering to video devices needs
 * the configuration, which a detached device no longer has.
 */
export function watchHotplug(handlers: HotplugHandlers): () => void {
  const describe = (device: Device) => ({
    vendorId: device.deviceDescriptor.idVendor,
    productId: device.deviceDescriptor.idProduct,
    busNumber: device.busNumber,
    deviceAddress: device.deviceAddress,
  });
  const onAttach = (device: Device) => handlers.attach?.(describe(device));
  const onDetach = (device: Device) => handlers.detach?.(describe(device));

  usb.on('attach', onAttach);
  usb.on('detach', onDetach);
  return () => {
    usb.off('attach', onAttach);
    usb.off('detach', onDetach);
  };
}
