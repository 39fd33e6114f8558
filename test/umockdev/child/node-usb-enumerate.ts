/**
 * Under umockdev-run: enumerate with node-usb (usb@2, libusb 1.0.30 inside), open the camera at
 * the bus/address given in argv, and read its descriptors — the cached ones libusb took from
 * sysfs and the ones the device answers to GET_DESCRIPTOR through a control transfer.
 * Prints one JSON line.
 */
import { linkModelSockets } from '../model-server.js';
import { emit, fail, hex, controlIn } from './report.js';

linkModelSockets();

const [busArg, addressArg] = process.argv.slice(2);
const busNumber = Number(busArg);
const deviceAddress = Number(addressArg);

const usb = await import('usb');
const list = usb.getDeviceList();
const device = list.find((d) => d.busNumber === busNumber && d.deviceAddress === deviceAddress);
if (device === undefined)
  fail(`no device at ${busNumber}/${deviceAddress}; found ${list.length} devices`);

device.open();
const descriptor = device.deviceDescriptor;
const configuration = device.configDescriptor;

/** GET_DESCRIPTOR (USB 2.0 §9.4.3): device (type 1), configuration (type 2), string (type 3). */
const GET_DESCRIPTOR = 0x06;
const STANDARD_DEVICE_IN = 0x80;
const deviceBytes = await controlIn(device, STANDARD_DEVICE_IN, GET_DESCRIPTOR, 0x0100, 0, 18);
const configHead = await controlIn(device, STANDARD_DEVICE_IN, GET_DESCRIPTOR, 0x0200, 0, 9);
const totalLength = (configHead[2] ?? 0) | ((configHead[3] ?? 0) << 8);
const configBytes = await controlIn(
  device,
  STANDARD_DEVICE_IN,
  GET_DESCRIPTOR,
  0x0200,
  0,
  totalLength,
);
const product = await new Promise<string | undefined>((resolve) =>
  device.getStringDescriptor(descriptor.iProduct || 2, (error, value) =>
    resolve(error ? undefined : value),
  ),
);

emit({
  event: 'enumerated',
  devices: list.length,
  idVendor: descriptor.idVendor,
  idProduct: descriptor.idProduct,
  bcdUSB: descriptor.bcdUSB,
  interfaces: configuration?.interfaces.length,
  wTotalLength: configuration?.wTotalLength,
  deviceHex: hex(deviceBytes),
  configHex: hex(configBytes),
  product,
});
device.close();
