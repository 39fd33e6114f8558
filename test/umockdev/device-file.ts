/**
 * umockdev device descriptions for real cameras, generated from their descriptor bytes.
 *
 * A description is the text `umockdev-record` would write for a USB device: `P:` the sysfs path,
 * `N:` the device node and its content (a usbfs node reads as the descriptors), `E:` udev
 * properties, `A:` sysfs attributes, `H:` binary attributes in hex. umockdev wants upper-case
 * hex. libusb enumerates from these attributes and the `descriptors` file, exactly as on a
 * real system; everything it then does through ioctl() goes to the device model's socket.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import { USB_DT } from '../../src/uvc/constants.js';

/** Device descriptor offsets and length (USB 2.0 §9.6.1, Table 9-8). */
const DEVICE = {
  LENGTH: 18,
  bDescriptorType: 1,
  bcdUSB: 2,
  bDeviceClass: 4,
  bDeviceSubClass: 5,
  bDeviceProtocol: 6,
  bMaxPacketSize0: 7,
  idVendor: 8,
  idProduct: 10,
  bcdDevice: 12,
  bNumConfigurations: 17,
} as const;

/** Configuration descriptor offsets (USB 2.0 §9.6.3, Table 9-10). */
const CONFIG = {
  LENGTH: 9,
  bDescriptorType: 1,
  wTotalLength: 2,
  bNumInterfaces: 4,
  bConfigurationValue: 5,
  bmAttributes: 7,
  bMaxPower: 8,
} as const;

/** Linux's character-device major number for USB devices. */
const USB_DEVICE_MAJOR = 189;

/** Minor numbers per bus (drivers/usb/core/file.c: 128 devices per bus). */
const MINORS_PER_BUS = 128;

/** Bus speeds as the sysfs `speed` attribute writes them, in Mbit/s. */
export type SysfsSpeed = 1.5 | 12 | 480 | 5000 | 10000;

/** The raw descriptors of one camera. */
export interface RawCamera {
  /** Fixture name, e.g. `logitech_c270_046d-0825`. */
  name: string;
  device: Uint8Array;
  config: Uint8Array;
}

/** Where the emulated device sits on the bus. */
export interface BusPosition {
  busNumber: number;
  deviceAddress: number;
  /** Defaults to a guess from the endpoint sizes (see {@link guessSpeed}). */
  speed?: SysfsSpeed;
}

/** Read `<name>.device.bin` and `<name>.config.bin` from a raw descriptor folder. */
export function readRawCamera(rawDir: string, name: string): RawCamera {
  const device = new Uint8Array(readFileSync(join(rawDir, `${name}.device.bin`)));
  const config = new Uint8Array(readFileSync(join(rawDir, `${name}.config.bin`)));
  checkDescriptors(name, device, config);
  return { name, device, config };
}

function checkDescriptors(name: string, device: Uint8Array, config: Uint8Array): void {
  if (device.length !== DEVICE.LENGTH || device[DEVICE.bDescriptorType] !== USB_DT.DEVICE) {
    throw new Error(
      `${name}: expected an 18-byte device descriptor (type 1), found ${device.length} bytes of type ${device[1]}`,
    );
  }
  const totalLength = config.length >= CONFIG.LENGTH ? readU16(config, CONFIG.wTotalLength) : -1;
  if (config[CONFIG.bDescriptorType] !== USB_DT.CONFIGURATION || totalLength !== config.length) {
    throw new Error(
      `${name}: expected a configuration descriptor set whose wTotalLength is its length, found ${config.length} bytes with wTotalLength ${totalLength}`,
    );
  }
}

function readU16(bytes: Uint8Array, offset: number): number {
  return (bytes[offset] ?? 0) | ((bytes[offset + 1] ?? 0) << 8);
}

function hex(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('hex').toUpperCase();
}

function hex4(value: number): string {
  return value.toString(16).padStart(4, '0');
}

function pad3(value: number): string {
  return String(value).padStart(3, '0');
}

/** `/dev/bus/usb/BBB/DDD` of a device. */
export function devnodePath(busNumber: number, deviceAddress: number): string {
  return `/dev/bus/usb/${pad3(busNumber)}/${pad3(deviceAddress)}`;
}

/**
 * The bus speed the descriptors imply: SuperSpeed companions mean 5 Gbit/s; bulk endpoints of
 * 512 bytes, isochronous endpoints with extra transactions per microframe, or packets over
 * 1023 bytes mean high speed; otherwise bcdUSB 2.00 with 64-byte bulk endpoints is full speed.
 */
export function guessSpeed(device: Uint8Array, config: Uint8Array): SysfsSpeed {
  let highSpeedHint = false;
  let fullSpeedHint = false;

  for (let offset = 0; offset + 2 <= config.length; ) {
    const length = config[offset] ?? 0;
    const type = config[offset + 1];
    if (length < 2) break;
    if (type === USB_DT.SS_ENDPOINT_COMPANION) return 5000;
    if (type === USB_DT.ENDPOINT && length >= 7) {
      const transfer = (config[offset + 3] ?? 0) & 0x03;
      const wMaxPacketSize = readU16(config, offset + 4);
      const size = wMaxPacketSize & 0x7ff;
      if (transfer === 2 && size === 512) highSpeedHint = true;
      if (transfer === 2 && size <= 64) fullSpeedHint = true;
      if (transfer === 1 && (wMaxPacketSize >> 11 > 0 || size > 1023)) highSpeedHint = true;
    }
    offset += length;
  }

  if (highSpeedHint) return 480;
  if (fullSpeedHint || readU16(device, DEVICE.bcdUSB) < 0x0200) return 12;
  return 480;
}

/** The umockdev description of a camera at the given bus position. */
export function umockdevDeviceRecord(camera: RawCamera, position: BusPosition): string {
  const { device, config } = camera;
  checkDescriptors(camera.name, device, config);

  const { busNumber, deviceAddress } = position;
  const speed = position.speed ?? guessSpeed(device, config);
  const vendor = readU16(device, DEVICE.idVendor);
  const product = readU16(device, DEVICE.idProduct);
  const bcdDevice = readU16(device, DEVICE.bcdDevice);
  const bcdUSB = readU16(device, DEVICE.bcdUSB);
  const descriptors = new Uint8Array(device.length + config.length);
  descriptors.set(device, 0);
  descriptors.set(config, device.length);
  const devnode = devnodePath(busNumber, deviceAddress);
  const sysname = `${busNumber}-${deviceAddress}`;
  const classTriple = [DEVICE.bDeviceClass, DEVICE.bDeviceSubClass, DEVICE.bDeviceProtocol]
    .map((offset) => device[offset] ?? 0)
    .join('/');

  const lines = [
    `P: /devices/pci0000:00/0000:00:14.0/usb${busNumber}/${sysname}`,
    `N: ${devnode.slice('/dev/'.length)}=${hex(descriptors)}`,
    `E: DEVNAME=${devnode}`,
    'E: DEVTYPE=usb_device',
    'E: DRIVER=usb',
    `E: PRODUCT=${vendor.toString(16)}/${product.toString(16)}/${bcdDevice.toString(16)}`,
    `E: TYPE=${classTriple}`,
    `E: BUSNUM=${pad3(busNumber)}`,
    `E: DEVNUM=${pad3(deviceAddress)}`,
    `E: MAJOR=${USB_DEVICE_MAJOR}`,
    `E: MINOR=${(busNumber - 1) * MINORS_PER_BUS + (deviceAddress - 1)}`,
    'E: SUBSYSTEM=usb',
    `E: ID_VENDOR_ID=${hex4(vendor)}`,
    `E: ID_MODEL_ID=${hex4(product)}`,
    'E: ID_BUS=usb',
    `A: bConfigurationValue=${config[CONFIG.bConfigurationValue] ?? 1}`,
    `A: bDeviceClass=${(device[DEVICE.bDeviceClass] ?? 0).toString(16).padStart(2, '0')}`,
    `A: bDeviceProtocol=${(device[DEVICE.bDeviceProtocol] ?? 0).toString(16).padStart(2, '0')}`,
    `A: bDeviceSubClass=${(device[DEVICE.bDeviceSubClass] ?? 0).toString(16).padStart(2, '0')}`,
    `A: bMaxPacketSize0=${device[DEVICE.bMaxPacketSize0] ?? 64}`,
    `A: bMaxPower=${(config[CONFIG.bMaxPower] ?? 0) * 2}mA`,
    `A: bNumConfigurations=${device[DEVICE.bNumConfigurations] ?? 1}`,
    `A: bNumInterfaces=${String(config[CONFIG.bNumInterfaces] ?? 0).padStart(2, ' ')}`,
    `A: bcdDevice=${hex4(bcdDevice)}`,
    `A: bmAttributes=${(config[CONFIG.bmAttributes] ?? 0).toString(16)}`,
    `A: busnum=${busNumber}`,
    `A: devnum=${deviceAddress}`,
    `A: idProduct=${hex4(product)}`,
    `A: idVendor=${hex4(vendor)}`,
    `A: speed=${speed}`,
    `A: version=${((bcdUSB >> 8) & 0xff).toString(16)}.${(bcdUSB & 0xff).toString(16).padStart(2, '0')}`,
    `H: descriptors=${hex(descriptors)}`,
  ];
  return `${lines.join('\n')}\n\n`;
}
