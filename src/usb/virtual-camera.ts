/**
 * webuvc's built-in virtual camera: an {@link EmulatedCamera} with descriptors of its own.
 *
 * It identifies as 1209:0001 — pid.codes' open-source vendor ID with its shared *test* product
 * ID, which no real product uses — with manufacturer "webuvc" and product "Virtual Camera".
 * It is a UVC 1.1 camera with YUYV and MJPEG formats at 640×480 (the default), 1280×720 and
 * 320×240, each at 30 and 15 fps; a camera terminal and a processing unit with common
 * controls; and either the eleven isochronous alternate settings of a Logitech C310 (up to
 * 3 × 1020 bytes per microframe) or one 512-byte bulk endpoint. It streams the moving test
 * pattern; MJPEG frames come from the built-in baseline JPEG encoder.
 *
 * Note: 1280×720 YUYV needs 55 MB/s at 30 fps and 28 MB/s at 15 fps, more than the 24.5 MB/s
 * of the largest high-speed isochronous setting; as on a real camera, frames then arrive at
 * the rate the link carries (about 13 fps) and the pattern's frame counter shows the drops.
 *
 * @packageDocumentation
 */

import { CONTROLS } from '../uvc/controls.js';
import {
  buildConfiguration,
  compositeDeviceDescriptor,
  frameIntervalOf,
  writeDeviceDescriptor,
  type CameraDescription,
  type FrameDescription,
} from '../uvc/descriptor-builder.js';
import { EmulatedCamera, type EmulatedCameraOptions } from './emulated.js';

/** VID:PID of the virtual camera: pid.codes' VID 0x1209 with its test PID 0x0001 (no product). */
export const VIRTUAL_CAMERA_ID = { idVendor: 0x1209, idProduct: 0x0001 } as const;

/** String descriptor indexes and texts of the virtual camera. */
export const VIRTUAL_CAMERA_STRINGS = {
  MANUFACTURER: { index: 1, text: 'webuvc' },
  PRODUCT: { index: 2, text: 'Virtual Camera' },
  SERIAL: { index: 3, text: 'WEBUVC-0001' },
} as const;

/** Frame sizes of both formats, default first. */
export const VIRTUAL_CAMERA_SIZES: ReadonlyArray<{ width: number; height: number }> = [
  { width: 640, height: 480 },
  { width: 1280, height: 720 },
  { width: 320, height: 240 },
];

/** Frame rates of every size, fastest (the default) first. */
export const VIRTUAL_CAMERA_RATES: readonly number[] = [30, 15];

/** wMaxPacketSize of the isochronous alternate settings 1–11, as on a Logitech C310. */
const ISOCHRONOUS_PACKET_SIZES = [
  0x00c0, 0x0180, 0x0200, 0x0280, 0x0320, 0x03b0, 0x0a80, 0x0b20, 0x0be0, 0x1380, 0x13fc,
];

/** wMaxPacketSize of the bulk endpoint of the bulk variant (high speed). */
const HIGH_SPEED_BULK_PACKET = 512;

/** Controls the virtual camera advertises, by the names of `uvc/controls.ts`. */

const CAMERA_CONTROLS = [
  'autoExposureMode',
  'autoExposurePriority',
  'exposureTimeAbsolute',
  'focusAbsolute',
  'focusAuto',
  'zoomAbsolute',
  'panTiltAbsolute',
];
const PROCESSING_CONTROLS = [
  'brightness',
  'contrast',
  'hue',
  'saturation',
  'sharpness',
  'gamma',
  'whiteBalanceTemperature',
  'whiteBalanceTemperatureAuto',
  'backlightCompensation',
  'gain',
  'powerLineFrequency',
];

/** The bmControls bitmap advertising the named controls of one entity kind. */
function controlBitmap(entity: 'camera' | 'processing', names: readonly string[]): number {
  const named = CONTROLS.filter((c) => c.entity === entity && names.includes(c.name));
  return named.reduce((bitmap, control) => bitmap + 2 ** control.bit, 0);
}

/** Options of {@link createVirtualCamera}. */
export interface VirtualCameraOptions
  extends Pick<
    EmulatedCameraOptions,
    | 'payloads'
    | 'controls'
    | 'clock'
    | 'pace'
    | 'idlePackets'
    | 'bulkPayloadSize'
    | 'protectVideoClass'
  > {

  /** `'isochronous'` (default, alternate settings 1–11) or `'bulk'` (alternate setting 0). */
  transfer?: 'isochronous' | 'bulk';
  /** The serial number string; `WEBUVC-0001` when absent. */
  serialNumber?: string;
}

/** The compact description the virtual camera's descriptors are built from. */
export function virtualCameraDescription(
  transfer: 'isochronous' | 'bulk' = 'isochronous',
): CameraDescription {
  const frames: FrameDescription[] = VIRTUAL_CAMERA_SIZES.map(({ width, height }) => ({
    width,
    height,
    intervals: VIRTUAL_CAMERA_RATES.map(frameIntervalOf),
  }));
  return {
    bcdUVC: 0x0110,
    cameraTerminal: { bmControls: controlBitmap('camera', CAMERA_CONTROLS) },
    processingUnit: { bmControls: controlBitmap('processing', PROCESSING_CONTROLS) },
    streaming: {
      transfer:
        transfer === 'bulk'
          ? { type: 'bulk', wMaxPacketSize: HIGH_SPEED_BULK_PACKET }
          : { type: 'isochronous', wMaxPacketSizes: ISOCHRONOUS_PACKET_SIZES },
      formats: [
        { kind: 'uncompressed', pixelFormat: 'YUYV', frames },
        { kind: 'mjpeg', frames },
      ],
    },
  };
}

/**
 * Create the built-in virtual camera, ready to open.
 *
 * Asynchronous so that a future version may prepare frames ahead; today it resolves at once.
 */
export async function createVirtualCamera(
  options: VirtualCameraOptions = {},
): Promise<EmulatedCamera> {
  const { transfer, serialNumber, ...emulation } = options;
  const { MANUFACTURER, PRODUCT, SERIAL } = VIRTUAL_CAMERA_STRINGS;
  const device = compositeDeviceDescriptor({
    ...VIRTUAL_CAMERA_ID,
    iManufacturer: MANUFACTURER.index,
    iProduct: PRODUCT.index,
    iSerialNumber: SERIAL.index,
  });

  return new EmulatedCamera({
    ...emulation,
    configuration: buildConfiguration(virtualCameraDescription(transfer)),
    device: writeDeviceDescriptor(device),
    strings: {
      [MANUFACTURER.index]: MANUFACTURER.text,
      [PRODUCT.index]: PRODUCT.text,
      [SERIAL.index]: serialNumber ?? SERIAL.text,
    },
  });
}
