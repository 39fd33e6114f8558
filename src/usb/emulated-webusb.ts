/**
 * The W3C WebUSB view of an emulated device: the standard interface and endpoint descriptors
 * of a configuration as `USBConfiguration` / `USBInterface` / `USBAlternateInterface` /
 * `USBEndpoint` objects, and the DOMExceptions a browser raises.
 *
 * This walk reads only the USB 2.0 standard descriptors (§9.6.3, §9.6.5, §9.6.6); everything
 * class-specific is the UVC parser's business. No Node-only API is used.
 *
 * @packageDocumentation
 */

import { CameraError, CameraErrorCode } from '../errors.js';
import { readU16LE } from '../uvc/bytes.js';
import { USB_DT } from '../uvc/constants.js';


/** Offsets of the standard descriptors read here (USB 2.0 Tables 9-10, 9-12 and 9-13). */
const CONFIG = { LENGTH: 9, bConfigurationValue: 5, iConfiguration: 6, bmAttributes: 7 } as const;
const INTERFACE = {
  LENGTH: 9,
  bInterfaceNumber: 2,
  bAlternateSetting: 3,
  bInterfaceClass: 5,
  bInterfaceSubClass: 6,
  bInterfaceProtocol: 7,
  iInterface: 8,
} as const;
const ENDPOINT = {
  LENGTH: 7,
  bEndpointAddress: 2,
  bmAttributes: 3,
  wMaxPacketSize: 4,
  bInterval: 6,
} as const;

/** bEndpointAddress bits (USB 2.0 §9.6.6). */
export const ENDPOINT_ADDRESS = { NUMBER_MASK: 0x0f, DIRECTION_IN: 0x80 } as const;

/** wMaxPacketSize bits 10..0 (the packet size). */
const PACKET_SIZE_MASK = 0x7ff;

/** bmAttributes bits 1..0 to W3C endpoint types (control endpoints never appear here). */
const ENDPOINT_TYPES: readonly USBEndpointType[] = ['bulk', 'isochronous', 'bulk', 'interrupt'];

/** One endpoint descriptor. */
export interface RawEndpoint {
  bEndpointAddress: number;
  bmAttributes: number;
  wMaxPacketSize: number;
  bInterval: number;
}

/** One interface descriptor (one alternate setting) with its endpoints. */
export interface RawAlternate {
  bInterfaceNumber: number;
  bAlternateSetting: number;
  bInterfaceClass: number;
  bInterfaceSubClass: number;
  bInterfaceProtocol: number;
  iInterface: number;
  endpoints: RawEndpoint[];
}

/** The standard descriptors of one configuration. */
export interface RawConfiguration {
  bConfigurationValue: number;
  iConfiguration: number;
  bmAttributes: number;
  /** Alternate settings by interface number, in descriptor order. */
  interfaces: Map<number, RawAlternate[]>;
}

/**
 * Walk the standard descriptors of a configuration.
 *
 * @throws CameraError DEVICE_DISABLED when the bytes are not a configuration descriptor set.
 */
export function walkConfiguration(config: Uint8Array): RawConfiguration {
  if (config.length < CONFIG.LENGTH || config[1] !== USB_DT.CONFIGURATION) {
    throw new CameraError(CameraErrorCode.DEVICE_DISABLED, 'not a configuration descriptor', {
      expected: `at least ${CONFIG.LENGTH} bytes starting with bDescriptorType 0x02`,
      found: `${config.length} bytes of type ${config[1] ?? 'none'}`,
    });
  }

  const result: RawConfiguration = {
    bConfigurationValue: config[CONFIG.bConfigurationValue] ?? 0,
    iConfiguration: config[CONFIG.iConfiguration] ?? 0,
    bmAttributes: config[CONFIG.bmAttributes] ?? 0,
    interfaces: new Map(),
  };

  let current: RawAlternate | undefined;
  let offset = 0;
  while (offset + 2 <= config.length) {
    const length = config[offset] ?? 0;
    const type = config[offset + 1] ?? 0;
    if (length < 2 || offset + length > config.length) break;

    if (type === USB_DT.INTERFACE && length >= INTERFACE.LENGTH) {
      current = readInterface(config, offset);
      const alternates = result.interfaces.get(current.bInterfaceNumber) ?? [];
      alternates.push(current);
      result.interfaces.set(current.bInterfaceNumber, alternates);
    } else if (type === USB_DT.ENDPOINT && length >= ENDPOINT.LENGTH && current) {
      current.endpoints.push({
        bEndpointAddress: config[offset + ENDPOINT.bEndpointAddress] ?? 0,
        bmAttributes: config[offset + ENDPOINT.bmAttributes] ?? 0,
        wMaxPacketSize: readU16LE(config, offset + ENDPOINT.wMaxPacketSize),
        bInterval: config[offset + ENDPOINT.bInterval] ?? 0,
      });
    }
    offset += length;
  }
  return result;
}

function readInterface(config: Uint8Array, offset: number): RawAlternate {
  return {
    bInterfaceNumber: config[offset + INTERFACE.bInterfaceNumber] ?? 0,
    bAlternateSetting: config[offset + INTERFACE.bAlternateSetting] ?? 0,
    bInterfaceClass: config[offset + INTERFACE.bInterfaceClass] ?? 0,
    bInterfaceSubClass: config[offset + INTERFACE.bInterfaceSubClass] ?? 0,
    bInterfaceProtocol: config[offset + INTERFACE.bInterfaceProtocol] ?? 0,
    iInterface: config[offset + INTERFACE.iInterface] ?? 0,
    endpoints: [],
  };
}

/** The W3C type of an endpoint. */
export function endpointType(endpoint: RawEndpoint): USBEndpointType {
  return ENDPOINT_TYPES[endpoint.bmAttributes & 0x03] ?? 'bulk';
}

/** What the interface objects ask the device about its state. */
export interface InterfaceStateView {
  isClaimed(interfaceNumber: number): boolean;
  currentAlternate(interfaceNumber: number): number;
}

class EmulatedEndpoint implements USBEndpoint {
  readonly endpointNumber: number;
  readonly direction: USBDirection;
  readonly type: USBEndpointType;
  readonly packetSize: number;

  constructor(endpoint: RawEndpoint) {
    this.endpointNumber = endpoint.bEndpointAddress & ENDPOINT_ADDRESS.NUMBER_MASK;
    const inward = (endpoint.bEndpointAddress & ENDPOINT_ADDRESS.DIRECTION_IN) !== 0;
    this.direction = inward ? 'in' : 'out';
    this.type = endpointType(endpoint);
    this.packetSize = endpoint.wMaxPacketSize & PACKET_SIZE_MASK;
  }
}

class EmulatedAlternateInterface implements USBAlternateInterface {
  readonly alternateSetting: number;
  readonly interfaceClass: number;
  readonly interfaceSubclass: number;
  readonly interfaceProtocol: number;
  readonly interfaceName: string | null;
  readonly endpoints: USBEndpoint[];

  constructor(alternate: RawAlternate, strings: ReadonlyMap<number, string>) {
    this.alternateSetting = alternate.bAlternateSetting;
    this.interfaceClass = alternate.bInterfaceClass;
    this.interfaceSubclass = alternate.bInterfaceSubClass;
    this.interfaceProtocol = alternate.bInterfaceProtocol;
    this.interfaceName = strings.get(alternate.iInterface) ?? null;
    this.endpoints = alternate.endpoints.map((endpoint) => new EmulatedEndpoint(endpoint));
  }
}

class EmulatedInterface implements USBInterface {
  readonly interfaceNumber: number;
  readonly alternates: USBAlternateInterface[];
  readonly #state: InterfaceStateView;

  constructor(
    interfaceNumber: number,
    alternates: RawAlternate[],
    strings: ReadonlyMap<number, string>,
    state: InterfaceStateView,
  ) {
    this.interfaceNumber = interfaceNumber;
    this.alternates = alternates.map((raw) => new EmulatedAlternateInterface(raw, strings));
    this.#state = state;
  }

  get alternate(): USBAlternateInterface {
    const wanted = this.#state.currentAlternate(this.interfaceNumber);
    const found = this.alternates.find((a) => a.alternateSetting === wanted) ?? this.alternates[0];

    if (!found) throw new DOMException('The interface has no alternate setting.', 'NotFoundError');
    return found;
  }

  get claimed(): boolean {
    return this.#state.isClaimed(this.interfaceNumber);
  }
}

class EmulatedConfiguration implements USBConfiguration {
  readonly configurationValue: number;
  readonly configurationName: string | null;
  readonly interfaces: USBInterface[];

  constructor(
    raw: RawConfiguration,
    strings: ReadonlyMap<number, string>,
    state: InterfaceStateView,
  ) {
    this.configurationValue = raw.bConfigurationValue;
    this.configurationName = strings.get(raw.iConfiguration) ?? null;
    this.interfaces = [...raw.interfaces.entries()]
      .sort(([a], [b]) => a - b)
      .map(([number, alternates]) => new EmulatedInterface(number, alternates, strings, state));
  }
}

/** The W3C configuration object of a walked configuration, reading claims and alternates live. */
export function webUsbConfiguration(
  raw: RawConfiguration,
  strings: ReadonlyMap<number, string>,
  state: InterfaceStateView,
): USBConfiguration {
  return new EmulatedConfiguration(raw, strings, state);
}

/** The DOMException name WebUSB specifies for each situation, with webuvc's own message. */
export const WEBUSB_ERRORS = {
  notOpen: ['InvalidStateError', 'emulated camera: open() it first'],
  noConfiguration: ['InvalidStateError', 'emulated camera: no configuration is selected'],
  notClaimed: ['InvalidStateError', 'emulated camera: claim the interface first'],
  badConfiguration: ['NotFoundError', 'emulated camera: no such configuration value'],
  badInterface: ['NotFoundError', 'emulated camera: no such interface in the active configuration'],
  badAlternate: ['NotFoundError', 'emulated camera: no such alternate setting'],
  badEndpoint: ['NotFoundError', 'emulated camera: the endpoint is not in a claimed interface\'s selected alternate setting'],
  wrongEndpointType: ['InvalidAccessError', 'emulated camera: wrong transfer type for this endpoint'],
  protectedClass: ['SecurityError', 'emulated camera: video-class interfaces are protected (as in browsers)'],
  disconnected: ['NotFoundError', 'emulated camera: the device is disconnected'],
  aborted: ['AbortError', 'emulated camera: the transfer was cancelled'],
  tooLarge: ['DataError', 'emulated camera: the transfer is larger than the emulator allows'],
} as const satisfies Record<string, readonly [string, string]>;

/** A DOMException for one of the {@link WEBUSB_ERRORS} situations. */
export function webUsbError(kind: keyof typeof WEBUSB_ERRORS): DOMException {
  const [name, message] = WEBUSB_ERRORS[kind];
  return new DOMException(message, name);
}

/** A DataView over a fresh copy of `bytes` (results must not alias emulator buffers). */
export function copyToDataView(bytes: Uint8Array): DataView {
  const copy = new Uint8Array(bytes.length);
  copy.set(bytes);
  return new DataView(copy.buffer);
}
