/**
 * What `webuvc doctor` looks at: the native binding, the USB devices node-usb sees, and for
 * each camera whether its device node is accessible, whether it opens, which kernel drivers
 * hold its interfaces, how it streams and whether its descriptors parse.
 *
 * Gathering opens each camera with libusb but claims no interface: a claim would detach
 * uvcvideo and cut off a program streaming from `/dev/video*` at that moment. The facts are
 * plain data, so the diagnosis (`doctor.ts`) can be tested with facts made up by hand.
 *
 * Note: this module imports node-usb directly (its legacy API: open without claiming,
 * `isKernelDriverActive`), which `usb/node-usb.ts` otherwise keeps to itself.
 *
 * @packageDocumentation
 */
import {
  accessSync,
  constants as fsConstants,
  existsSync,
  readFileSync,
  readdirSync,
  readlinkSync,
} from 'node:fs';
import { basename } from 'node:path';
import { promisify } from 'node:util';

import { usb, type Device } from 'usb';

import { CameraError, classifyUsbError, fromUsbError, type UsbFailure } from '../errors.js';
import { loadNativeBinding } from '../usb/native.js';
import { CC_VIDEO, SC, USB_DT, USB_REQ } from '../uvc/constants.js';
import { parseConfiguration } from '../uvc/descriptors.js';

/** The native streaming binding: built and loaded, or why not. */
export interface BindingFacts {
  available: boolean;
  libusbVersion?: string;
  reason?: string;
}

/** One interface of a device's active configuration (alternate setting 0). */
export interface InterfaceFacts {
  number: number;
  interfaceClass: number;
  interfaceSubClass: number;
}

/** Everything found about one USB device. */
export interface DeviceFacts {
  vendorId: number;
  productId: number;
  busNumber: number;
  deviceAddress: number;
  /** `1-2.3`. */
  portPath: string;
  /** `/dev/bus/usb/001/004`. */
  devnode: string;
  deviceClass: number;
  interfaces: InterfaceFacts[];
  /** It has a VideoControl interface: a UVC camera. */
  video: boolean;
  /** How its VideoStreaming interfaces move data (cameras only). */
  streaming?: 'isochronous' | 'bulk' | 'none';
  /** Read and write access to the device node, as this user. */
  access: 'ok' | 'denied' | 'missing' | 'unknown';
  /** Opening it with libusb (cameras only). */
  open?: { ok: true } | { ok: false; failure: UsbFailure; message: string };
  /** Interfaces a kernel driver is bound to, with the driver's name when sysfs tells it. */
  kernelDrivers?: Array<{ interface: number; driver: string | undefined }>;
  /** The V4L2 device nodes of its interfaces (`/dev/video0`), when sysfs tells them. */
  videoNodes?: string[];
  /** Reading and parsing its descriptors (cameras that opened). */
  descriptors?: { ok: true } | { ok: false; code: number; codeName: string; message: string };
}

/** Everything `webuvc doctor` diagnoses. */
export interface DoctorFacts {
  platform: string;
  arch: string;
  node: string;
  /** Whether the account is in the `video` group (Linux; undefined when unknown). */
  inVideoGroup?: boolean;
  /** Running as root (permissions do not apply). */
  root?: boolean;
  binding: BindingFacts;
  usb: { available: boolean; reason?: string };
  devices: DeviceFacts[];
  /** `--device VID:PID`. */
  wanted?: { vendorId: number; productId: number };
}

const SYSFS_USB_DEVICES = '/sys/bus/usb/devices';
const GROUP_FILE = '/etc/group';
const VIDEO_GROUP = 'video';
const DEVICE_DESCRIPTOR_LENGTH = 18;
const CONFIG_HEADER_LENGTH = 9;
/** bmRequestType of a standard device-to-host request to the device (USB 2.0 §9.3). */
const GET_DESCRIPTOR_REQUEST_TYPE = 0x80;
/** bmAttributes transfer type bits of an endpoint (USB 2.0 §9.6.6). */
const ENDPOINT_TRANSFER = { MASK: 0x03, ISOCHRONOUS: 1, BULK: 2 } as const;

function pad3(value: number): string {
  return String(value).padStart(3, '0');
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** The binding as `loadNativeBinding` finds it. */
export function bindingFacts(): BindingFacts {
  const loaded = loadNativeBinding();
  if ('binding' in loaded) return { available: true, libusbVersion: loaded.binding.libusbVersion };
  return { available: false, reason: loaded.unavailable };
}

/** Whether this account may use the device node. */
function accessOf(devnode: string): DeviceFacts['access'] {
  try {
    accessSync(devnode, fsConstants.R_OK | fsConstants.W_OK);
    return 'ok';
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EACCES' || code === 'EPERM') return 'denied';
    if (code === 'ENOENT') return 'missing';
    return 'unknown';
  }
}

/** Interfaces (alternate setting 0) and streaming type from node-usb's parsed configuration. */
function interfacesOf(device: Device): {
  interfaces: InterfaceFacts[];
  video: boolean;
  streaming: DeviceFacts['streaming'];
} {
  const configuration = device.configDescriptor;
  if (!configuration) return { interfaces: [], video: false, streaming: undefined };
  const interfaces: InterfaceFacts[] = [];
  let video = false;
  let isochronous = false;
  let bulk = false;
  for (const alternates of configuration.interfaces) {
    const first = alternates[0];
    if (first) {
      interfaces.push({
        number: first.bInterfaceNumber,
        interfaceClass: first.bInterfaceClass,
        interfaceSubClass: first.bInterfaceSubClass,
      });
    }
    for (const alt of alternates) {
      if (alt.bInterfaceClass !== CC_VIDEO) continue;
      if (alt.bInterfaceSubClass === SC.VIDEOCONTROL) video = true;
      if (alt.bInterfaceSubClass !== SC.VIDEOSTREAMING) continue;
      for (const endpoint of alt.endpoints) {
        const type = endpoint.bmAttributes & ENDPOINT_TRANSFER.MASK;
        if (type === ENDPOINT_TRANSFER.ISOCHRONOUS) isochronous = true;
        if (type === ENDPOINT_TRANSFER.BULK) bulk = true;
      }
    }
  }
  const streaming = video ? (isochronous ? 'isochronous' : bulk ? 'bulk' : 'none') : undefined;
  return { interfaces, video, streaming };
}

/** sysfs name of an interface: `1-2.3:1.0`. */
function sysfsInterface(portPath: string, configuration: number, interfaceNumber: number): string {
  return `${SYSFS_USB_DEVICES}/${portPath}:${configuration}.${interfaceNumber}`;
}

/** The driver sysfs names for an interface, if sysfs has the interface. */
function sysfsDriver(path: string): string | undefined {
  try {
    return basename(readlinkSync(`${path}/driver`));
  } catch {
    return undefined;
  }
}

/** `/dev/videoN` nodes sysfs lists under an interface. */
function sysfsVideoNodes(path: string): string[] {
  try {
    return readdirSync(`${path}/video4linux`).map((name) => `/dev/${name}`);
  } catch {
    return [];
  }
}

/** Standard GET_DESCRIPTOR through node-usb's legacy control transfer. */
async function getDescriptor(device: Device, type: number, length: number): Promise<Uint8Array> {
  const transfer = promisify(device.controlTransfer).bind(device) as (
    bmRequestType: number,
    bRequest: number,
    wValue: number,
    wIndex: number,
    length: number,
  ) => Promise<Buffer | number | undefined>;
  const wValue = type << 8;
  const request = USB_REQ.GET_DESCRIPTOR;
  const data = await transfer(GET_DESCRIPTOR_REQUEST_TYPE, request, wValue, 0, length);
  return data instanceof Uint8Array ? new Uint8Array(data) : new Uint8Array(0);
}

/** Read the descriptors from the device and parse them as webuvc would. */
async function descriptorsOf(device: Device): Promise<NonNullable<DeviceFacts['descriptors']>> {
  try {
    const deviceBytes = await getDescriptor(device, USB_DT.DEVICE, DEVICE_DESCRIPTOR_LENGTH);
    const head = await getDescriptor(device, USB_DT.CONFIGURATION, CONFIG_HEADER_LENGTH);
    const total = (head[2] ?? 0) | ((head[3] ?? 0) << 8);
    const length = Math.max(total, CONFIG_HEADER_LENGTH);
    const configuration = await getDescriptor(device, USB_DT.CONFIGURATION, length);
    parseConfiguration(configuration, deviceBytes);
    return { ok: true };
  } catch (error) {
    const failure =
      error instanceof CameraError ? error : fromUsbError(error, 'reading the descriptors');
    return { ok: false, code: failure.code, codeName: failure.codeName, message: failure.message };
  }
}

/** Open a camera (no claim), see its kernel drivers and descriptors, close it. */
async function probeCamera(device: Device, facts: DeviceFacts): Promise<void> {
  try {
    device.open();
  } catch (error) {
    facts.open = { ok: false, failure: classifyUsbError(error), message: messageOf(error) };
    return;
  }
  try {
    facts.open = { ok: true };
    const configuration = device.configDescriptor?.bConfigurationValue ?? 1;
    facts.kernelDrivers = [];
    facts.videoNodes = [];
    for (const iface of facts.interfaces) {
      let active = false;
      try {
        active = device.interface(iface.number).isKernelDriverActive();
      } catch {
        // Some platforms cannot tell; say nothing then.
      }
      const path = sysfsInterface(facts.portPath, configuration, iface.number);
      if (active) facts.kernelDrivers.push({ interface: iface.number, driver: sysfsDriver(path) });
      facts.videoNodes.push(...sysfsVideoNodes(path));
    }
    facts.descriptors = await descriptorsOf(device);
  } finally {
    try {
      device.close();
    } catch {
      // Closed already.
    }
  }
}

/** Whether the account belongs to the `video` group (undefined where that cannot be told). */
function videoGroupMembership(): boolean | undefined {
  if (typeof process.getgroups !== 'function' || !existsSync(GROUP_FILE)) return undefined;
  try {
    const line = readFileSync(GROUP_FILE, 'utf8')
      .split('\n')
      .find((entry) => entry.startsWith(`${VIDEO_GROUP}:`));
    if (!line) return false;
    const gid = Number(line.split(':')[2]);
    return process.getgroups().includes(gid);
  } catch {
    return undefined;
  }
}

/** Gather every fact `webuvc doctor` needs. */
export async function gatherFacts(wanted?: {
  vendorId: number;
  productId: number;
}): Promise<DoctorFacts> {
  const facts: DoctorFacts = {
    platform: process.platform,
    arch: process.arch,
    node: process.version,
    binding: bindingFacts(),
    usb: { available: true },
    devices: [],
    ...(wanted ? { wanted } : {}),
  };
  if (process.platform === 'linux') {
    const inVideoGroup = videoGroupMembership();
    if (inVideoGroup !== undefined) facts.inVideoGroup = inVideoGroup;
    if (typeof process.getuid === 'function') facts.root = process.getuid() === 0;
  }

  let devices: Device[];
  try {
    devices = usb.getDeviceList();
  } catch (error) {
    facts.usb = { available: false, reason: messageOf(error) };
    return facts;
  }
  if (devices.length === 0 && process.platform === 'linux' && !existsSync(SYSFS_USB_DEVICES)) {
    const reason = `${SYSFS_USB_DEVICES} does not exist: this system shows no USB bus`;
    facts.usb = { available: false, reason };
  }

  for (const device of devices) {
    const descriptor = device.deviceDescriptor;
    let shape: ReturnType<typeof interfacesOf>;
    try {
      shape = interfacesOf(device);
    } catch {
      shape = { interfaces: [], video: false, streaming: undefined };
    }
    const devnode = `/dev/bus/usb/${pad3(device.busNumber)}/${pad3(device.deviceAddress)}`;
    const entry: DeviceFacts = {
      vendorId: descriptor.idVendor,
      productId: descriptor.idProduct,
      busNumber: device.busNumber,
      deviceAddress: device.deviceAddress,
      portPath: sysfsPortPath(device),
      devnode,
      deviceClass: descriptor.bDeviceClass,
      interfaces: shape.interfaces,
      video: shape.video,
      ...(shape.streaming ? { streaming: shape.streaming } : {}),
      access: accessOf(devnode),
    };
    const isWanted =
      !wanted || (wanted.vendorId === entry.vendorId && wanted.productId === entry.productId);
    if (entry.video && isWanted) await probeCamera(device, entry);
    facts.devices.push(entry);
  }
  return facts;
}

/** The sysfs name of a device: `1-2` for port 2 of bus 1, `1-2.3` behind a hub. */
function sysfsPortPath(device: Device): string {
  const ports = device.portNumbers ?? [];
  return ports.length === 0 ? `usb${device.busNumber}` : `${device.busNumber}-${ports.join('.')}`;
}
