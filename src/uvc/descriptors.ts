/**
 * The UVC descriptor parser: device and configuration descriptors to a {@link CameraModel}.
 *
 * The configuration is walked once, descriptor by descriptor, by `bLength`. Interface
 * descriptors open a block that collects the class-specific descriptors and endpoints after
 * them, whatever their order (the Realtek 0bda:5602 puts its VideoStreaming descriptors after
 * the endpoint). Descriptors of unknown type (Realtek's 40-byte 0xFF "BIST" block, HID, vendor
 * data) are skipped. Each VideoControl interface then becomes one video function, with the
 * VideoStreaming interfaces its header names in `baInterfaceNr`. Every class-specific
 * descriptor is parsed by subtype and `bLength`, never by `bcdUVC` (UVC 1.0 cameras use
 * UVC 1.1 structures and the other way round).
 *
 * Malformed input never crashes, hangs or allocates more than the input's size. Each case ends
 * one of two ways.
 *
 * Thrown (the input cannot describe a camera):
 * - a configuration shorter than 9 bytes, of another bDescriptorType, or with bLength < 9;
 * - a descriptor with bLength 0 or 1 (the walk cannot go on);
 * - an interface descriptor shorter than 9 bytes;
 * - no VideoControl interface, a VideoControl interface without VC_HEADER, a VC_HEADER
 *   shorter than 12 bytes;
 * - a VS_INPUT_HEADER shorter than 13 bytes, a VS_OUTPUT_HEADER shorter than 8.
 *
 * Repaired (one sentence each in {@link CameraModel.repairs}):
 * - wTotalLength larger than the buffer (a short read): the bytes present are parsed;
 * - wTotalLength smaller than the buffer: the buffer is trusted when its descriptors end
 *   exactly at its end and the extra bytes are not all zero, otherwise the walk stops at
 *   wTotalLength;
 * - a last descriptor that runs past the end: dropped;
 * - a list longer than bLength holds (baInterfaceNr, bmaControls, bmControls, frame
 *   intervals, still image sizes): the entries that fit are kept;
 * - a terminal, unit, format, frame, still image or colour descriptor shorter than its fixed
 *   part: dropped (a format with its frames);
 * - a frame left with no interval, or whose discrete intervals are all 0: dropped;
 * - bNumFrameDescriptors or bNumFormats disagreeing with the descriptors present: the
 *   descriptors present are kept;
 * - a continuous range with max < min: swapped; with step 0 and min < max: step 1;
 * - a streaming interface named by no header, or named but missing or not VideoStreaming, or
 *   without input or output header: ignored.
 *
 * A throw is a {@link CameraError} with code `DEVICE_DISABLED` (7400108) whose message names
 * the descriptor and its byte offset in the configuration, with what was expected and what was
 * found. A repair appends one sentence to {@link CameraModel.repairs}.
 *
 * Two real oddities parse without repair:
 * - The Espressif TinyUSB dual-UVC device (303a:8000) describes each frame with a continuous
 *   range whose minimum, maximum and step are equal (min + step > max): that is a single frame
 *   interval and stays `{ kind: 'continuous', min, max, step }` with `min === max`.
 * - The full-speed other-speed configurations of the ELP 32e4:9422, Canyon and Trust cameras
 *   are 64-byte stubs: a VideoControl interface whose header lists no streaming interface.
 *   They give one function with `streaming: []`: the camera cannot stream at that speed.
 *
 * @packageDocumentation
 */

import { CameraError, CameraErrorCode } from '../errors.js';
import { hexNumber, readU16LE, readU32LE, readU8 } from './bytes.js';
import { CC_VIDEO, CS, SC, TT, USB_DT, VC, VS } from './constants.js';
import { GUID_LENGTH, guidToString, pixelFormatOfGuid } from './guids.js';
import type {
  AlternateSetting,
  CameraModel,
  ColorMatching,
  DeviceDescriptor,
  EncodingUnit,
  EndpointInfo,
  Entity,
  ExtensionUnit,
  FormatDescriptor,
  FormatKind,
  FrameDescriptor,
  FrameIntervals,
  InputHeader,
  InputTerminal,
  OutputTerminal,
  PixelFormat,
  ProcessingUnit,
  SelectorUnit,
  StillImageFrame,
  SuperSpeedCompanion,
  TransferType,
  VideoControlInterface,
  VideoFunction,
  VideoStreamingInterface,
} from './model.js';

// ------------------------------------------------------------------------------------------
// Wire layouts: field offsets and fixed lengths.

/** Every descriptor: bLength, bDescriptorType, and for class-specific ones bDescriptorSubtype. */
const DESC = { bLength: 0, bDescriptorType: 1, bDescriptorSubtype: 2, MIN_LENGTH: 2 } as const;

/** Device descriptor (USB 2.0 §9.6.1, Table 9-8). */
const DEVICE = {
  LENGTH: 18,
  bcdUSB: 2,
  bDeviceClass: 4,
  bDeviceSubClass: 5,
  bDeviceProtocol: 6,
  bMaxPacketSize0: 7,
  idVendor: 8,
  idProduct: 10,
  bcdDevice: 12,
  iManufacturer: 14,
  iProduct: 15,
  iSerialNumber: 16,
  bNumConfigurations: 17,
} as const;

/** Configuration and other-speed configuration descriptors (USB 2.0 §9.6.3, §9.6.4). */
const CONFIG = {
  LENGTH: 9,
  wTotalLength: 2,
  bNumInterfaces: 4,
  bConfigurationValue: 5,
  iConfiguration: 6,
  bmAttributes: 7,
  bMaxPower: 8,
} as const;

/** Interface association descriptor (USB ECN "Interface Association Descriptor", Table 9-Z). */
const IAD = {
  LENGTH: 8,
  bFirstInterface: 2,
  bInterfaceCount: 3,
  bFunctionClass: 4,
  bFunctionSubClass: 5,
} as const;

/** Interface descriptor (USB 2.0 §9.6.5, Table 9-12). */
const INTERFACE = {
  LENGTH: 9,
  bInterfaceNumber: 2,
  bAlternateSetting: 3,
  bNumEndpoints: 4,
  bInterfaceClass: 5,
  bInterfaceSubClass: 6,
  bInterfaceProtocol: 7,
} as const;

/** Endpoint descriptor (USB 2.0 §9.6.6, Table 9-13). */
const ENDPOINT = {
  LENGTH: 7,
  bEndpointAddress: 2,
  bmAttributes: 3,
  wMaxPacketSize: 4,
  bInterval: 6,
  DIRECTION_IN: 0x80,
  TRANSFER_TYPE_MASK: 0x03,
  PACKET_SIZE_MASK: 0x7ff,
  EXTRA_TRANSACTIONS_SHIFT: 11,
  EXTRA_TRANSACTIONS_MASK: 0x03,
} as const;

/** SuperSpeed endpoint companion descriptor (USB 3.2 §9.6.7, Table 9-27). */
const SS_COMPANION = { LENGTH: 6, bMaxBurst: 2, bmAttributes: 3, wBytesPerInterval: 4 } as const;

/** Transfer types by bmAttributes bits 1..0 (USB 2.0 Table 9-13). */
const TRANSFER_TYPES: readonly TransferType[] = ['control', 'isochronous', 'bulk', 'interrupt'];

/** VC_HEADER (UVC 1.5 §3.7.2, Table 3-3). */
const VC_HEADER = {
  MIN_LENGTH: 12,
  bcdUVC: 3,
  wTotalLength: 5,
  dwClockFrequency: 7,
  bInCollection: 11,
  baInterfaceNr: 12,
} as const;

/** VC_INPUT_TERMINAL and the camera terminal that extends it (UVC 1.5 §3.7.2.1, §3.7.2.3). */
const INPUT_TERMINAL = {
  MIN_LENGTH: 8,
  bTerminalID: 3,
  wTerminalType: 4,
  bAssocTerminal: 6,
  iTerminal: 7,
  CAMERA_MIN_LENGTH: 15,
  wObjectiveFocalLengthMin: 8,
  wObjectiveFocalLengthMax: 10,
  wOcularFocalLength: 12,
  bControlSize: 14,
  bmControls: 15,
} as const;

/** VC_OUTPUT_TERMINAL (UVC 1.5 §3.7.2.2, Table 3-5). */
const OUTPUT_TERMINAL = {
  MIN_LENGTH: 9,
  bTerminalID: 3,
  wTerminalType: 4,
  bAssocTerminal: 6,
  bSourceID: 7,
  iTerminal: 8,
} as const;

/** VC_SELECTOR_UNIT (UVC 1.5 §3.7.2.4, Table 3-7): 6 + p bytes. */
const SELECTOR_UNIT = { MIN_LENGTH: 6, bUnitID: 3, bNrInPins: 4, baSourceID: 5 } as const;

/**
 * VC_PROCESSING_UNIT (UVC 1.5 §3.7.2.5, Table 3-8): 9 + n bytes in UVC 1.0 (11 with the usual
 * 2-byte bmControls), then bmVideoStandards from UVC 1.1 on (12 or 13 bytes).
 */
const PROCESSING_UNIT = {
  MIN_LENGTH: 8,
  bUnitID: 3,
  bSourceID: 4,
  wMaxMultiplier: 5,
  bControlSize: 7,
  bmControls: 8,
} as const;

/** VC_EXTENSION_UNIT (UVC 1.5 §3.7.2.7, Table 3-10): 24 + p + n bytes. */
const EXTENSION_UNIT = {
  MIN_LENGTH: 24,
  bUnitID: 3,
  guidExtensionCode: 4,
  bNumControls: 20,
  bNrInPins: 21,
  baSourceID: 22,
} as const;

/** VC_ENCODING_UNIT (UVC 1.5 §3.7.2.6, Table 3-9): 7 + 2n bytes (13 with n = 3). */
const ENCODING_UNIT = {
  MIN_LENGTH: 7,
  bUnitID: 3,
  bSourceID: 4,
  iEncoding: 5,
  bControlSize: 6,
  bmControls: 7,
} as const;

/** VS_INPUT_HEADER (UVC 1.5 §3.9.2.1, Table 3-14): 13 + p*n bytes. */
const VS_INPUT_HEADER = {
  MIN_LENGTH: 13,
  bNumFormats: 3,
  wTotalLength: 4,
  bEndpointAddress: 6,
  bmInfo: 7,
  bTerminalLink: 8,
  bStillCaptureMethod: 9,
  bTriggerSupport: 10,
  bTriggerUsage: 11,
  bControlSize: 12,
  bmaControls: 13,
} as const;

/** VS_OUTPUT_HEADER (UVC 1.5 §3.9.2.2, Table 3-15). */
const VS_OUTPUT_HEADER = {
  MIN_LENGTH: 8,
  bNumFormats: 3,
  wTotalLength: 4,
  bEndpointAddress: 6,
  bTerminalLink: 7,
} as const;

/** Fields every format descriptor starts with (UVC 1.5 payload specifications). */
const FORMAT = { MIN_LENGTH: 4, bFormatIndex: 3, bNumFrameDescriptors: 4 } as const;

/**
 * VS_FORMAT_UNCOMPRESSED (Uncompressed Payload §3.1.1, 27 bytes) and VS_FORMAT_FRAME_BASED
 * (Frame Based Payload §3.1.1, 28 bytes with bVariableSize).
 */
const FORMAT_GUID = {
  UNCOMPRESSED_LENGTH: 27,
  FRAME_BASED_LENGTH: 28,
  guidFormat: 5,
  bBitsPerPixel: 21,
  bDefaultFrameIndex: 22,
  bAspectRatioX: 23,
  bAspectRatioY: 24,
  bmInterlaceFlags: 25,
  bCopyProtect: 26,
  bVariableSize: 27,
} as const;

/** VS_FORMAT_MJPEG (MJPEG Payload §3.1.1, Table 3-1): 11 bytes. */
const FORMAT_MJPEG = {
  LENGTH: 11,
  bmFlags: 5,
  bDefaultFrameIndex: 6,
  bAspectRatioX: 7,
  bAspectRatioY: 8,
  bmInterlaceFlags: 9,
  bCopyProtect: 10,
} as const;

/** VS_FRAME_UNCOMPRESSED, VS_FRAME_MJPEG (Uncompressed, MJPEG Payload §3.1.2): 26 + intervals. */
const FRAME = {
  MIN_LENGTH: 26,
  bFrameIndex: 3,
  bmCapabilities: 4,
  wWidth: 5,
  wHeight: 7,
  dwMinBitRate: 9,
  dwMaxBitRate: 13,
  dwMaxVideoFrameBufferSize: 17,
  dwDefaultFrameInterval: 21,
  bFrameIntervalType: 25,
  dwFrameInterval: 26,
} as const;

/** VS_FRAME_FRAME_BASED (Frame Based Payload §3.1.2, Table 3-2): 26 + intervals. */
const FRAME_BASED = {
  MIN_LENGTH: 26,
  dwDefaultFrameInterval: 17,
  bFrameIntervalType: 21,
  dwBytesPerLine: 22,
  dwFrameInterval: 26,
} as const;

/** Frame intervals: bFrameIntervalType 0 means a continuous range of three dwords. */
const INTERVALS = { CONTINUOUS: 0, DWORD: 4, CONTINUOUS_BYTES: 12 } as const;

/** VS_STILL_IMAGE_FRAME (UVC 1.5 §3.9.2.5, Table 3-18): 6 + 4n + m bytes. */
const STILL_FRAME = {
  MIN_LENGTH: 5,
  bEndpointAddress: 3,
  bNumImageSizePatterns: 4,
  sizes: 5,
  SIZE_BYTES: 4,
  /** Within one size pattern. */
  wWidth: 0,
  wHeight: 2,
} as const;

/** VS_COLORFORMAT (UVC 1.5 §3.9.2.6, Table 3-19): 6 bytes. */
const COLOR_MATCHING = {
  LENGTH: 6,
  bColorPrimaries: 3,
  bTransferCharacteristics: 4,
  bMatrixCoefficients: 5,
} as const;

/** VS subtypes of format descriptors webuvc keeps as kind `'other'`, with their pixel format. */
const OTHER_FORMATS: ReadonlyMap<number, PixelFormat> = new Map<number, PixelFormat>([
  [VS.FORMAT_MPEG2TS, 'unknown'],
  [VS.FORMAT_DV, 'unknown'],
  [VS.FORMAT_STREAM_BASED, 'unknown'],
  [VS.FORMAT_H264, 'H264'],
  [VS.FORMAT_H264_SIMULCAST, 'H264'],
  [VS.FORMAT_VP8, 'VP8'],
  [VS.FORMAT_VP8_SIMULCAST, 'VP8'],
]);

/** The frame subtype that belongs to each parsed format subtype. */
const FRAME_SUBTYPE_OF: ReadonlyMap<number, number> = new Map<number, number>([
  [VS.FORMAT_UNCOMPRESSED, VS.FRAME_UNCOMPRESSED],
  [VS.FORMAT_MJPEG, VS.FRAME_MJPEG],
  [VS.FORMAT_FRAME_BASED, VS.FRAME_FRAME_BASED],
]);

/** Frame subtypes of the parsed formats. */
const FRAME_SUBTYPES: ReadonlySet<number> = new Set<number>(FRAME_SUBTYPE_OF.values());

// ------------------------------------------------------------------------------------------
// The walk.

/** One descriptor of the configuration, located by its byte offset. */
interface RawDescriptor {
  offset: number;
  bLength: number;
  bDescriptorType: number;
  /** The descriptor's bytes (a view into the configuration, bLength long). */
  bytes: Uint8Array;
}

/** An endpoint descriptor and the SuperSpeed companion that follows it, if any. */
interface EndpointBlock {
  descriptor: RawDescriptor;
  companion?: RawDescriptor;
}

/** One interface descriptor (one alternate setting) and the descriptors that follow it. */
interface InterfaceBlock {
  descriptor: RawDescriptor;
  bInterfaceNumber: number;
  bAlternateSetting: number;
  bInterfaceClass: number;
  bInterfaceSubClass: number;
  bInterfaceProtocol: number;
  /** Class-specific descriptors (CS_INTERFACE, CS_ENDPOINT) in order, before or after endpoints. */
  classSpecific: RawDescriptor[];
  endpoints: EndpointBlock[];
}

/** The configuration split into interfaces. */
interface ConfigurationLayout {
  interfaces: InterfaceBlock[];
  associations: RawDescriptor[];
}

/** Collects repair sentences while a configuration is parsed. */
class Repairs {
  readonly sentences: string[] = [];

  add(sentence: string): void {
    this.sentences.push(sentence);
  }
}

/**
 * Parse a USB device descriptor (USB 2.0 §9.6.1).
 *
 * @param bytes - the GET_DESCRIPTOR(DEVICE) answer, at least 18 bytes.
 * @throws CameraError DEVICE_DISABLED when the bytes are not a device descriptor.
 */
export function parseDeviceDescriptor(bytes: Uint8Array): DeviceDescriptor {
  if (bytes.length < DEVICE.LENGTH) {
    throw malformed('device descriptor', 0, `${DEVICE.LENGTH} bytes`, `${bytes.length} bytes`);
  }
  const bLength = readU8(bytes, DESC.bLength);
  const bDescriptorType = readU8(bytes, DESC.bDescriptorType);
  if (bDescriptorType !== USB_DT.DEVICE) {
    throw malformed(
      'device descriptor',
      0,
      `bDescriptorType ${hexNumber(USB_DT.DEVICE)}`,
      `bDescriptorType ${hexNumber(bDescriptorType)}`,
    );
  }
  if (bLength < DEVICE.LENGTH) {
    throw malformed('device descriptor', 0, `bLength ${DEVICE.LENGTH}`, `bLength ${bLength}`);
  }

  return {
    bcdUSB: readU16LE(bytes, DEVICE.bcdUSB),
    bDeviceClass: readU8(bytes, DEVICE.bDeviceClass),
    bDeviceSubClass: readU8(bytes, DEVICE.bDeviceSubClass),
    bDeviceProtocol: readU8(bytes, DEVICE.bDeviceProtocol),
    bMaxPacketSize0: readU8(bytes, DEVICE.bMaxPacketSize0),
    idVendor: readU16LE(bytes, DEVICE.idVendor),
    idProduct: readU16LE(bytes, DEVICE.idProduct),
    bcdDevice: readU16LE(bytes, DEVICE.bcdDevice),
    iManufacturer: readU8(bytes, DEVICE.iManufacturer),
    iProduct: readU8(bytes, DEVICE.iProduct),
    iSerialNumber: readU8(bytes, DEVICE.iSerialNumber),
    bNumConfigurations: readU8(bytes, DEVICE.bNumConfigurations),
  };
}

/**
 * Parse a configuration (or other-speed configuration) descriptor set into a camera model.
 *
 * @param config - the complete GET_DESCRIPTOR(CONFIGURATION) answer, wTotalLength bytes.
 * @param device - the device descriptor, as bytes or already parsed, when available.
 * @returns every video function of the configuration; `repairs` lists what was fixed up.
 * @throws CameraError DEVICE_DISABLED when the configuration cannot describe a camera (see the
 *   module documentation for the cases).
 */
export function parseConfiguration(
  config: Uint8Array,
  device?: Uint8Array | DeviceDescriptor,
): CameraModel {
  const repairs = new Repairs();
  const deviceDescriptor = device instanceof Uint8Array ? parseDeviceDescriptor(device) : device;

  const end = configurationEnd(config, repairs);
  const descriptors = walkDescriptors(config, end, repairs);
  const layout = groupInterfaces(descriptors, repairs);
  const functions = buildFunctions(layout, repairs);

  const model: CameraModel = {
    bConfigurationValue: readU8(config, CONFIG.bConfigurationValue),
    bmAttributes: readU8(config, CONFIG.bmAttributes),
    bMaxPower: readU8(config, CONFIG.bMaxPower),
    wTotalLength: readU16LE(config, CONFIG.wTotalLength),
    functions,
    repairs: repairs.sentences,
  };
  if (deviceDescriptor !== undefined) model.device = deviceDescriptor;
  return model;
}

/** Check the configuration header and decide how many bytes to walk. */
function configurationEnd(config: Uint8Array, repairs: Repairs): number {
  if (config.length < CONFIG.LENGTH) {
    const found = `${config.length} bytes`;
    throw malformed('configuration descriptor', 0, `at least ${CONFIG.LENGTH} bytes`, found);
  }
  const bLength = readU8(config, DESC.bLength);
  const bDescriptorType = readU8(config, DESC.bDescriptorType);
  const wTotalLength = readU16LE(config, CONFIG.wTotalLength);
  const configurationTypes: number[] = [USB_DT.CONFIGURATION, USB_DT.OTHER_SPEED_CONFIGURATION];
  if (!configurationTypes.includes(bDescriptorType)) {
    throw malformed(
      'configuration descriptor',
      0,
      `bDescriptorType ${hexNumber(USB_DT.CONFIGURATION)} or ` +
        `${hexNumber(USB_DT.OTHER_SPEED_CONFIGURATION)}`,
      `bDescriptorType ${hexNumber(bDescriptorType)}`,
    );
  }
  if (bLength < CONFIG.LENGTH) {
    const expected = `bLength >= ${CONFIG.LENGTH}`;
    throw malformed('configuration descriptor', 0, expected, `bLength ${bLength}`);
  }

  // A short read: parse what arrived.
  if (wTotalLength > config.length) {
    repairs.add(
      `The configuration holds ${config.length} bytes but wTotalLength says ${wTotalLength}; parsed the ${config.length} bytes present.`,
    );
    return config.length;
  }
  if (wTotalLength === config.length) return config.length;

  // More bytes than wTotalLength: trust the buffer only if its descriptors tile it exactly.
  if (wTotalLength < bLength || walksToEnd(config, wTotalLength)) {
    repairs.add(
      `wTotalLength says ${wTotalLength} bytes but the ${config.length}-byte buffer holds whole descriptors to its end; parsed the buffer.`,
    );
    return config.length;
  }
  repairs.add(
    `The buffer holds ${config.length - wTotalLength} bytes after wTotalLength ${wTotalLength} that are not whole descriptors; ignored them.`,
  );
  return wTotalLength;
}

/**
 * True when the descriptors from offset 0 end exactly at the end of `bytes` and the bytes past
 * `from` are not all zero.
 */
function walksToEnd(bytes: Uint8Array, from: number): boolean {
  let offset = 0;
  while (offset < bytes.length) {
    const bLength = readU8(bytes, offset);
    if (bLength < DESC.MIN_LENGTH) return false;
    offset += bLength;
  }
  return offset === bytes.length && bytes.subarray(from).some((byte) => byte !== 0);
}

/** Split the first `end` bytes of the configuration into descriptors, by bLength. */
function walkDescriptors(config: Uint8Array, end: number, repairs: Repairs): RawDescriptor[] {
  const descriptors: RawDescriptor[] = [];
  let offset = 0;
  while (offset < end) {
    const remaining = end - offset;
    if (remaining < DESC.MIN_LENGTH) {
      repairs.add(
        `The configuration ends with ${remaining} byte at offset ${offset}, too few for a descriptor; dropped it.`,
      );
      break;
    }
    const bLength = readU8(config, offset + DESC.bLength);
    const bDescriptorType = readU8(config, offset + DESC.bDescriptorType);
    if (bLength < DESC.MIN_LENGTH) {
      const expected = `bLength >= ${DESC.MIN_LENGTH}`;
      throw malformed(`descriptor at offset ${offset}`, offset, expected, `bLength ${bLength}`);
    }
    if (bLength > remaining) {
      repairs.add(
        `The descriptor of type ${hexNumber(bDescriptorType)} at offset ${offset} has bLength ${bLength} but only ${remaining} bytes remain; dropped it.`,
      );
      break;
    }

    descriptors.push({
      offset,
      bLength,
      bDescriptorType,
      bytes: config.subarray(offset, offset + bLength),
    });
    offset += bLength;
  }
  return descriptors;
}

/** Group descriptors under the interface descriptor they follow. */
function groupInterfaces(descriptors: RawDescriptor[], repairs: Repairs): ConfigurationLayout {
  const interfaces: InterfaceBlock[] = [];
  const associations: RawDescriptor[] = [];
  let current: InterfaceBlock | undefined;
  let lastEndpoint: EndpointBlock | undefined;

  // The first descriptor is the configuration header itself.
  for (const descriptor of descriptors.slice(1)) {
    switch (descriptor.bDescriptorType) {
      case USB_DT.INTERFACE:
        current = interfaceBlock(descriptor);
        interfaces.push(current);
        lastEndpoint = undefined;
        break;
      case USB_DT.ENDPOINT:
        lastEndpoint = attachEndpoint(descriptor, current, repairs);
        break;
      case USB_DT.SS_ENDPOINT_COMPANION:
        attachCompanion(descriptor, lastEndpoint, repairs);
        break;
      case USB_DT.INTERFACE_ASSOCIATION:
        if (descriptor.bLength < IAD.LENGTH) {
          const what = describe(descriptor, 'interface association');
          repairs.add(`${what} is shorter than ${IAD.LENGTH} bytes; ignored it.`);
        } else {
          associations.push(descriptor);
        }
        break;
      case CS.INTERFACE:
      case CS.ENDPOINT:
        // Class-specific descriptors belong to their interface even after an endpoint (Realtek).
        if (current === undefined) {
          const what = describe(descriptor, 'class-specific descriptor');
          repairs.add(`${what} comes before any interface; ignored it.`);
        } else {
          current.classSpecific.push(descriptor);
        }
        break;
      default:
        // Unknown and vendor descriptor types (Realtek's 0xFF "BIST", HID 0x21) are skipped.
        break;
    }
  }
  return { interfaces, associations };
}

function interfaceBlock(descriptor: RawDescriptor): InterfaceBlock {
  if (descriptor.bLength < INTERFACE.LENGTH) {
    const [expected, found] = [`bLength ${INTERFACE.LENGTH}`, `bLength ${descriptor.bLength}`];
    throw malformed('interface descriptor', descriptor.offset, expected, found);
  }
  const bytes = descriptor.bytes;
  return {
    descriptor,
    bInterfaceNumber: readU8(bytes, INTERFACE.bInterfaceNumber),
    bAlternateSetting: readU8(bytes, INTERFACE.bAlternateSetting),
    bInterfaceClass: readU8(bytes, INTERFACE.bInterfaceClass),
    bInterfaceSubClass: readU8(bytes, INTERFACE.bInterfaceSubClass),
    bInterfaceProtocol: readU8(bytes, INTERFACE.bInterfaceProtocol),
    classSpecific: [],
    endpoints: [],
  };
}

function attachEndpoint(
  descriptor: RawDescriptor,
  current: InterfaceBlock | undefined,
  repairs: Repairs,
): EndpointBlock | undefined {
  if (current === undefined) {
    const what = describe(descriptor, 'endpoint descriptor');
    repairs.add(`${what} comes before any interface; ignored it.`);
    return undefined;
  }
  if (descriptor.bLength < ENDPOINT.LENGTH) {
    const what = describe(descriptor, 'endpoint descriptor');
    const needed = ENDPOINT.LENGTH;
    repairs.add(`${what} has bLength ${descriptor.bLength}, fewer than ${needed}; ignored it.`);
    return undefined;
  }
  const block: EndpointBlock = { descriptor };
  current.endpoints.push(block);
  return block;
}

function attachCompanion(
  descriptor: RawDescriptor,
  endpoint: EndpointBlock | undefined,
  repairs: Repairs,
): void {
  const what = describe(descriptor, 'SuperSpeed endpoint companion');
  if (descriptor.bLength < SS_COMPANION.LENGTH) {
    const needed = SS_COMPANION.LENGTH;
    repairs.add(`${what} has bLength ${descriptor.bLength}, fewer than ${needed}; ignored it.`);
  } else if (endpoint === undefined) {
    repairs.add(`${what} follows no endpoint descriptor; ignored it.`);
  } else if (endpoint.companion !== undefined) {
    repairs.add(`${what} is a second companion of one endpoint; ignored it.`);
  } else {
    endpoint.companion = descriptor;
  }
}

// ------------------------------------------------------------------------------------------
// Video functions.

/** Make one video function per VideoControl interface. */
function buildFunctions(layout: ConfigurationLayout, repairs: Repairs): VideoFunction[] {
  const byNumber = new Map<number, InterfaceBlock[]>();
  for (const block of layout.interfaces) {
    const alternates = byNumber.get(block.bInterfaceNumber);
    if (alternates === undefined) byNumber.set(block.bInterfaceNumber, [block]);
    else alternates.push(block);
  }

  const controlNumbers = [...byNumber.entries()]
    .filter(([, blocks]) => isVideo(blocks[0], SC.VIDEOCONTROL))
    .map(([number]) => number);
  if (controlNumbers.length === 0) throw noVideoControl(layout);

  const claimed = new Set<number>();
  const functions = controlNumbers.map((number) =>
    buildFunction(byNumber.get(number) ?? [], byNumber, claimed, repairs),
  );

  for (const [number, blocks] of byNumber) {
    if (isVideo(blocks[0], SC.VIDEOSTREAMING) && !claimed.has(number)) {
      repairs.add(`VideoStreaming interface ${number} is named by no VC_HEADER; ignored it.`);
    }
  }
  return functions;
}

function buildFunction(
  controlBlocks: InterfaceBlock[],
  byNumber: Map<number, InterfaceBlock[]>,
  claimed: Set<number>,
  repairs: Repairs,
): VideoFunction {
  const [first] = controlBlocks;
  if (first === undefined) {
    const message = 'A VideoControl interface lost its descriptors';
    throw new CameraError(CameraErrorCode.SERVICE_FATAL_ERROR, message);
  }
  const videoControl = parseVideoControl(first, controlBlocks, repairs);
  const streaming: VideoStreamingInterface[] = [];

  for (const number of videoControl.baInterfaceNr) {
    const blocks = byNumber.get(number);
    const control = videoControl.bInterfaceNumber;
    const where = `VC_HEADER of interface ${control} names interface ${number}`;
    if (claimed.has(number)) {
      repairs.add(`${where}, already part of another function; ignored it there.`);
      continue;
    }
    if (blocks === undefined || !isVideo(blocks[0], SC.VIDEOSTREAMING)) {
      const problem = blocks === undefined ? 'missing' : 'not a VideoStreaming interface';
      repairs.add(`${where}, which is ${problem}; ignored it.`);
      continue;
    }
    claimed.add(number);
    const parsed = parseVideoStreaming(blocks, repairs);
    if (parsed !== undefined) streaming.push(parsed);
  }
  return { videoControl, streaming };
}

function isVideo(block: InterfaceBlock | undefined, subclass: number): boolean {
  if (block === undefined) return false;
  return block.bInterfaceClass === CC_VIDEO && block.bInterfaceSubClass === subclass;
}

function noVideoControl(layout: ConfigurationLayout): CameraError {
  const collection = layout.associations.find(
    (iad) =>
      readU8(iad.bytes, IAD.bFunctionClass) === CC_VIDEO &&
      readU8(iad.bytes, IAD.bFunctionSubClass) === SC.VIDEO_INTERFACE_COLLECTION,
  );
  const interfaces = `${layout.interfaces.length} interface descriptors, none of them VideoControl`;
  let found = interfaces;
  if (collection !== undefined) {
    const firstInterface = readU8(collection.bytes, IAD.bFirstInterface);
    const lastInterface = firstInterface + readU8(collection.bytes, IAD.bInterfaceCount) - 1;
    const range = `interfaces ${firstInterface}..${lastInterface}`;
    const iad = `a video interface collection IAD at offset ${collection.offset}`;
    found = `${iad} (${range}) but ${interfaces}`;
  }
  const videoControl = `class ${hexNumber(CC_VIDEO)} subclass ${hexNumber(SC.VIDEOCONTROL)}`;
  return new CameraError(
    CameraErrorCode.DEVICE_DISABLED,
    'The configuration describes no camera: no VideoControl interface with a VC_HEADER',
    { expected: `an interface descriptor of ${videoControl} followed by a VC_HEADER`, found },
  );
}

// ------------------------------------------------------------------------------------------
// VideoControl.

/** Class-specific CS_INTERFACE descriptors of every alternate setting, in order. */
function classSpecificInterfaceDescriptors(blocks: InterfaceBlock[]): RawDescriptor[] {
  return blocks
    .flatMap((block) => block.classSpecific)
    .filter((descriptor) => descriptor.bDescriptorType === CS.INTERFACE);
}

function parseVideoControl(
  first: InterfaceBlock,
  blocks: InterfaceBlock[],
  repairs: Repairs,
): VideoControlInterface {
  const classSpecific = classSpecificInterfaceDescriptors(blocks);
  const headerDescriptor = classSpecific.find((descriptor) => subtypeOf(descriptor) === VC.HEADER);
  if (headerDescriptor === undefined) {
    throw malformed(
      `VideoControl interface ${first.bInterfaceNumber}`,
      first.descriptor.offset,
      'a VC_HEADER class-specific descriptor after the interface descriptor',
      `${classSpecific.length} class-specific descriptors and no VC_HEADER`,
    );
  }
  const header = parseVcHeader(headerDescriptor, repairs);

  const entities: Entity[] = [];
  for (const descriptor of classSpecific) {
    if (descriptor === headerDescriptor) continue;
    if (subtypeOf(descriptor) === VC.HEADER) {
      const what = describe(descriptor, 'VC_HEADER');
      repairs.add(`${what} is a second header of interface ${first.bInterfaceNumber}; ignored it.`);
      continue;
    }
    const entity = parseEntity(descriptor, repairs);
    if (entity !== undefined) entities.push(entity);
  }

  const videoControl: VideoControlInterface = {
    bInterfaceNumber: first.bInterfaceNumber,
    bInterfaceProtocol: first.bInterfaceProtocol,
    bcdUVC: header.bcdUVC,
    dwClockFrequency: header.dwClockFrequency,
    baInterfaceNr: header.baInterfaceNr,
    entities,
  };
  const status = blocks
    .flatMap((block) => block.endpoints)
    .map(parseEndpoint)
    .find((endpoint) => endpoint.transferType === 'interrupt' && isIn(endpoint));
  if (status !== undefined) videoControl.statusEndpoint = status;
  return videoControl;
}

function isIn(endpoint: EndpointInfo): boolean {
  return (endpoint.bEndpointAddress & ENDPOINT.DIRECTION_IN) !== 0;
}

function parseVcHeader(
  descriptor: RawDescriptor,
  repairs: Repairs,
): { bcdUVC: number; dwClockFrequency: number; baInterfaceNr: number[] } {
  const bytes = descriptor.bytes;
  if (descriptor.bLength < VC_HEADER.MIN_LENGTH) {
    const expected = `bLength >= ${VC_HEADER.MIN_LENGTH}`;
    throw malformed('VC_HEADER', descriptor.offset, expected, `bLength ${descriptor.bLength}`);
  }

  const bInCollection = readU8(bytes, VC_HEADER.bInCollection);
  const list = { start: VC_HEADER.baInterfaceNr, declared: bInCollection, itemSize: 1 };
  const count = fitting(descriptor, list, 'VC_HEADER', 'bInCollection', repairs);
  return {
    bcdUVC: readU16LE(bytes, VC_HEADER.bcdUVC),
    dwClockFrequency: readU32LE(bytes, VC_HEADER.dwClockFrequency),
    baInterfaceNr: [...bytes.subarray(VC_HEADER.baInterfaceNr, VC_HEADER.baInterfaceNr + count)],
  };
}

/** Parse one terminal or unit; undefined (with a repair) when it is malformed or unknown. */
function parseEntity(descriptor: RawDescriptor, repairs: Repairs): Entity | undefined {
  switch (subtypeOf(descriptor)) {
    case VC.INPUT_TERMINAL:
      return parseInputTerminal(descriptor, repairs);
    case VC.OUTPUT_TERMINAL:
      return parseOutputTerminal(descriptor, repairs);
    case VC.SELECTOR_UNIT:
      return parseSelectorUnit(descriptor, repairs);
    case VC.PROCESSING_UNIT:
      return parseProcessingUnit(descriptor, repairs);
    case VC.EXTENSION_UNIT:
      return parseExtensionUnit(descriptor, repairs);
    case VC.ENCODING_UNIT:
      return parseEncodingUnit(descriptor, repairs);
    default:
      return undefined;
  }
}

function parseInputTerminal(
  descriptor: RawDescriptor,
  repairs: Repairs,
): InputTerminal | undefined {
  const bytes = descriptor.bytes;
  const name = 'VC_INPUT_TERMINAL';
  if (!longEnough(descriptor, INPUT_TERMINAL.MIN_LENGTH, name, repairs)) return undefined;

  const terminal: InputTerminal = {
    type: 'inputTerminal',
    bTerminalID: readU8(bytes, INPUT_TERMINAL.bTerminalID),
    wTerminalType: readU16LE(bytes, INPUT_TERMINAL.wTerminalType),
    bAssocTerminal: readU8(bytes, INPUT_TERMINAL.bAssocTerminal),
    iTerminal: readU8(bytes, INPUT_TERMINAL.iTerminal),
  };
  if (terminal.wTerminalType !== TT.ITT_CAMERA) return terminal;

  // A camera terminal too short for its own fields is kept as a plain input terminal.
  if (descriptor.bLength < INPUT_TERMINAL.CAMERA_MIN_LENGTH) {
    const what = describe(descriptor, 'camera terminal');
    const needed = INPUT_TERMINAL.CAMERA_MIN_LENGTH;
    repairs.add(
      `${what} has bLength ${descriptor.bLength}, fewer than ${needed}; kept it without camera fields.`,
    );
    return terminal;
  }
  const bControlSize = readU8(bytes, INPUT_TERMINAL.bControlSize);
  const list = { start: INPUT_TERMINAL.bmControls, declared: bControlSize, itemSize: 1 };
  const size = fitting(descriptor, list, 'camera terminal', 'bControlSize', repairs);
  terminal.camera = {
    wObjectiveFocalLengthMin: readU16LE(bytes, INPUT_TERMINAL.wObjectiveFocalLengthMin),
    wObjectiveFocalLengthMax: readU16LE(bytes, INPUT_TERMINAL.wObjectiveFocalLengthMax),
    wOcularFocalLength: readU16LE(bytes, INPUT_TERMINAL.wOcularFocalLength),
    bmControls: bytes.slice(INPUT_TERMINAL.bmControls, INPUT_TERMINAL.bmControls + size),
  };
  return terminal;
}

function parseOutputTerminal(
  descriptor: RawDescriptor,
  repairs: Repairs,
): OutputTerminal | undefined {
  const bytes = descriptor.bytes;
  if (!longEnough(descriptor, OUTPUT_TERMINAL.MIN_LENGTH, 'VC_OUTPUT_TERMINAL', repairs)) {
    return undefined;
  }

  return {
    type: 'outputTerminal',
    bTerminalID: readU8(bytes, OUTPUT_TERMINAL.bTerminalID),
    wTerminalType: readU16LE(bytes, OUTPUT_TERMINAL.wTerminalType),
    bAssocTerminal: readU8(bytes, OUTPUT_TERMINAL.bAssocTerminal),
    bSourceID: readU8(bytes, OUTPUT_TERMINAL.bSourceID),
    iTerminal: readU8(bytes, OUTPUT_TERMINAL.iTerminal),
  };
}

function parseSelectorUnit(descriptor: RawDescriptor, repairs: Repairs): SelectorUnit | undefined {
  const bytes = descriptor.bytes;
  const pins = readU8(bytes, SELECTOR_UNIT.bNrInPins);
  const needed = SELECTOR_UNIT.MIN_LENGTH + pins;
  if (!longEnough(descriptor, needed, 'VC_SELECTOR_UNIT', repairs)) return undefined;

  return {
    type: 'selectorUnit',
    bUnitID: readU8(bytes, SELECTOR_UNIT.bUnitID),
    baSourceID: [...bytes.subarray(SELECTOR_UNIT.baSourceID, SELECTOR_UNIT.baSourceID + pins)],
    iSelector: readU8(bytes, SELECTOR_UNIT.baSourceID + pins),
  };
}

function parseProcessingUnit(
  descriptor: RawDescriptor,
  repairs: Repairs,
): ProcessingUnit | undefined {
  const bytes = descriptor.bytes;
  const name = 'VC_PROCESSING_UNIT';
  if (!longEnough(descriptor, PROCESSING_UNIT.MIN_LENGTH, name, repairs)) return undefined;
  const bControlSize = readU8(bytes, PROCESSING_UNIT.bControlSize);
  const iProcessingAt = PROCESSING_UNIT.bmControls + bControlSize;
  if (!longEnough(descriptor, iProcessingAt + 1, name, repairs)) return undefined;

  // 11 bytes in UVC 1.0; bmVideoStandards follows iProcessing from UVC 1.1 on.
  const unit: ProcessingUnit = {
    type: 'processingUnit',
    bUnitID: readU8(bytes, PROCESSING_UNIT.bUnitID),
    bSourceID: readU8(bytes, PROCESSING_UNIT.bSourceID),
    wMaxMultiplier: readU16LE(bytes, PROCESSING_UNIT.wMaxMultiplier),
    bmControls: bytes.slice(PROCESSING_UNIT.bmControls, iProcessingAt),
    iProcessing: readU8(bytes, iProcessingAt),
  };
  const bmVideoStandardsAt = iProcessingAt + 1;
  if (descriptor.bLength > bmVideoStandardsAt) {
    unit.bmVideoStandards = readU8(bytes, bmVideoStandardsAt);
  }
  return unit;
}

function parseExtensionUnit(
  descriptor: RawDescriptor,
  repairs: Repairs,
): ExtensionUnit | undefined {
  const bytes = descriptor.bytes;
  const name = 'VC_EXTENSION_UNIT';
  if (!longEnough(descriptor, EXTENSION_UNIT.MIN_LENGTH, name, repairs)) return undefined;
  const pins = readU8(bytes, EXTENSION_UNIT.bNrInPins);
  const bControlSizeAt = EXTENSION_UNIT.baSourceID + pins;
  const bControlSize = readU8(bytes, bControlSizeAt);
  const iExtensionAt = bControlSizeAt + 1 + bControlSize;
  if (!longEnough(descriptor, iExtensionAt + 1, name, repairs)) return undefined;

  return {
    type: 'extensionUnit',
    bUnitID: readU8(bytes, EXTENSION_UNIT.bUnitID),
    guidExtensionCode: guidToString(bytes, EXTENSION_UNIT.guidExtensionCode),
    bNumControls: readU8(bytes, EXTENSION_UNIT.bNumControls),
    baSourceID: [...bytes.subarray(EXTENSION_UNIT.baSourceID, bControlSizeAt)],
    bmControls: bytes.slice(bControlSizeAt + 1, iExtensionAt),
    iExtension: readU8(bytes, iExtensionAt),
  };
}

function parseEncodingUnit(descriptor: RawDescriptor, repairs: Repairs): EncodingUnit | undefined {
  const bytes = descriptor.bytes;
  const name = 'VC_ENCODING_UNIT';
  if (!longEnough(descriptor, ENCODING_UNIT.MIN_LENGTH, name, repairs)) return undefined;
  const bControlSize = readU8(bytes, ENCODING_UNIT.bControlSize);
  const runtimeAt = ENCODING_UNIT.bmControls + bControlSize;
  if (!longEnough(descriptor, runtimeAt + bControlSize, name, repairs)) return undefined;

  return {
    type: 'encodingUnit',
    bUnitID: readU8(bytes, ENCODING_UNIT.bUnitID),
    bSourceID: readU8(bytes, ENCODING_UNIT.bSourceID),
    iEncoding: readU8(bytes, ENCODING_UNIT.iEncoding),
    bmControls: bytes.slice(ENCODING_UNIT.bmControls, runtimeAt),
    bmControlsRuntime: bytes.slice(runtimeAt, runtimeAt + bControlSize),
  };
}

// ------------------------------------------------------------------------------------------
// VideoStreaming.

/** What the VS descriptor loop is filling in. */
interface StreamingState {
  formats: FormatDescriptor[];
  stillFrames: StillImageFrame[];
  /** The format the next frames, still frames and colour descriptor belong to. */
  current?: { format: FormatDescriptor; descriptor: RawDescriptor; declaredFrames: number };
  /** True after a malformed format was dropped: its frames go with it. */
  skippingFrames: boolean;
}

/** Parse one VideoStreaming interface; undefined (with a repair) when it has no header. */
function parseVideoStreaming(
  blocks: InterfaceBlock[],
  repairs: Repairs,
): VideoStreamingInterface | undefined {
  const first = blocks[0];
  if (first === undefined) return undefined;
  const number = first.bInterfaceNumber;

  const result: VideoStreamingInterface = {
    bInterfaceNumber: number,
    formats: [],
    stillFrames: [],
    alternateSettings: blocks.map(alternateSetting),
  };
  const state: StreamingState = {
    formats: result.formats,
    stillFrames: result.stillFrames,
    skippingFrames: false,
  };

  for (const descriptor of classSpecificInterfaceDescriptors(blocks)) {
    if (descriptor.bLength <= DESC.bDescriptorSubtype) continue;
    const subtype = subtypeOf(descriptor);
    if (subtype === VS.INPUT_HEADER || subtype === VS.OUTPUT_HEADER) {
      addHeader(result, descriptor, repairs);
    } else {
      parseStreamingDescriptor(state, descriptor, subtype, repairs);
    }
  }
  finishFormat(state, repairs);

  if (result.inputHeader === undefined && result.outputHeader === undefined) {
    const what = `VideoStreaming interface ${number} (offset ${first.descriptor.offset})`;
    repairs.add(`${what} has no VS_INPUT_HEADER or VS_OUTPUT_HEADER; ignored it.`);
    return undefined;
  }
  const declared = result.inputHeader?.bNumFormats ?? result.outputHeader?.bNumFormats ?? 0;
  const present = result.formats.length;
  if (declared !== present) {
    repairs.add(
      `The header of VideoStreaming interface ${number} says bNumFormats ${declared} but ${present} format descriptors follow; kept the ${present} present.`,
    );
  }
  return result;
}

function addHeader(
  result: VideoStreamingInterface,
  descriptor: RawDescriptor,
  repairs: Repairs,
): void {
  if (result.inputHeader !== undefined || result.outputHeader !== undefined) {
    const what = describe(descriptor, 'VideoStreaming header');
    repairs.add(`${what} is a second header of interface ${result.bInterfaceNumber}; ignored it.`);
    return;
  }
  if (subtypeOf(descriptor) === VS.INPUT_HEADER) {
    result.inputHeader = parseInputHeader(descriptor, repairs);
  } else {
    result.outputHeader = parseOutputHeader(descriptor);
  }
}

function parseInputHeader(descriptor: RawDescriptor, repairs: Repairs): InputHeader {
  const bytes = descriptor.bytes;
  if (descriptor.bLength < VS_INPUT_HEADER.MIN_LENGTH) {
    const expected = `bLength >= ${VS_INPUT_HEADER.MIN_LENGTH}`;
    const found = `bLength ${descriptor.bLength}`;
    throw malformed('VS_INPUT_HEADER', descriptor.offset, expected, found);
  }

  // One bitmap of bControlSize bytes per format; a size of 0 gives empty bitmaps.
  const bNumFormats = readU8(bytes, VS_INPUT_HEADER.bNumFormats);
  const bControlSize = readU8(bytes, VS_INPUT_HEADER.bControlSize);
  const list = {
    start: VS_INPUT_HEADER.bmaControls,
    declared: bNumFormats,
    itemSize: bControlSize,
  };
  const count = fitting(descriptor, list, 'VS_INPUT_HEADER', 'bmaControls', repairs);
  const bmaControls: Uint8Array[] = [];
  for (let index = 0; index < count; index += 1) {
    const start = VS_INPUT_HEADER.bmaControls + index * bControlSize;
    bmaControls.push(bytes.slice(start, start + bControlSize));
  }

  return {
    bNumFormats,
    bEndpointAddress: readU8(bytes, VS_INPUT_HEADER.bEndpointAddress),
    bmInfo: readU8(bytes, VS_INPUT_HEADER.bmInfo),
    bTerminalLink: readU8(bytes, VS_INPUT_HEADER.bTerminalLink),
    bStillCaptureMethod: readU8(bytes, VS_INPUT_HEADER.bStillCaptureMethod),
    bTriggerSupport: readU8(bytes, VS_INPUT_HEADER.bTriggerSupport),
    bTriggerUsage: readU8(bytes, VS_INPUT_HEADER.bTriggerUsage),
    bmaControls,
  };
}

type OutputHeader = NonNullable<VideoStreamingInterface['outputHeader']>;

function parseOutputHeader(descriptor: RawDescriptor): OutputHeader {
  const bytes = descriptor.bytes;
  if (descriptor.bLength < VS_OUTPUT_HEADER.MIN_LENGTH) {
    const expected = `bLength >= ${VS_OUTPUT_HEADER.MIN_LENGTH}`;
    const found = `bLength ${descriptor.bLength}`;
    throw malformed('VS_OUTPUT_HEADER', descriptor.offset, expected, found);
  }
  return {
    bNumFormats: readU8(bytes, VS_OUTPUT_HEADER.bNumFormats),
    bEndpointAddress: readU8(bytes, VS_OUTPUT_HEADER.bEndpointAddress),
    bTerminalLink: readU8(bytes, VS_OUTPUT_HEADER.bTerminalLink),
  };
}

/** Route one VS descriptor other than a header: formats, frames, still frames, colour. */
function parseStreamingDescriptor(
  state: StreamingState,
  descriptor: RawDescriptor,
  subtype: number,
  repairs: Repairs,
): void {
  if (FRAME_SUBTYPE_OF.has(subtype) || OTHER_FORMATS.has(subtype)) {
    finishFormat(state, repairs);
    const format = parseFormat(descriptor, subtype, repairs);
    state.skippingFrames = format === undefined;
    if (format !== undefined) {
      state.formats.push(format);
      const declared = readU8(descriptor.bytes, FORMAT.bNumFrameDescriptors);
      const declaredFrames = format.kind === 'other' ? 0 : declared;
      state.current = { format, descriptor, declaredFrames };
    }
    return;
  }

  if (FRAME_SUBTYPES.has(subtype)) {
    addFrame(state, descriptor, subtype, repairs);
  } else if (subtype === VS.STILL_IMAGE_FRAME) {
    const still = parseStillImageFrame(descriptor, repairs);
    if (still !== undefined) (state.current?.format.stillFrames ?? state.stillFrames).push(still);
  } else if (subtype === VS.COLORFORMAT) {
    addColorMatching(state, descriptor, repairs);
  }
  // FRAME_H264, FRAME_VP8 and unknown subtypes: nothing to keep.
}

function addFrame(
  state: StreamingState,
  descriptor: RawDescriptor,
  subtype: number,
  repairs: Repairs,
): void {
  const name = describe(descriptor, subtypeName(VS, 'VS', subtype));
  const current = state.current;
  if (state.skippingFrames) return;
  if (current === undefined) {
    repairs.add(`${name} follows no format descriptor; dropped it.`);
    return;
  }
  const format = current.format;
  if (format.kind === 'other') return;
  if (FRAME_SUBTYPE_OF.get(format.bDescriptorSubtype) !== subtype) {
    const owner = `format ${format.bFormatIndex} (${format.kind})`;
    repairs.add(`${name} does not match ${owner}; dropped it.`);
    return;
  }
  const frame = parseFrame(descriptor, subtype, repairs);
  if (frame !== undefined) format.frames.push(frame);
}

function addColorMatching(
  state: StreamingState,
  descriptor: RawDescriptor,
  repairs: Repairs,
): void {
  const name = describe(descriptor, 'VS_COLORFORMAT');
  const format = state.current?.format;
  if (format === undefined) {
    repairs.add(`${name} follows no format descriptor; ignored it.`);
    return;
  }
  if (format.colorMatching !== undefined) {
    const index = format.bFormatIndex;
    repairs.add(`${name} is a second colour-matching descriptor of format ${index}; ignored it.`);
    return;
  }
  if (!longEnough(descriptor, COLOR_MATCHING.LENGTH, 'VS_COLORFORMAT', repairs)) return;

  const colorMatching: ColorMatching = {
    bColorPrimaries: readU8(descriptor.bytes, COLOR_MATCHING.bColorPrimaries),
    bTransferCharacteristics: readU8(descriptor.bytes, COLOR_MATCHING.bTransferCharacteristics),
    bMatrixCoefficients: readU8(descriptor.bytes, COLOR_MATCHING.bMatrixCoefficients),
  };
  format.colorMatching = colorMatching;
}

/** Close the current format: compare its frame count with bNumFrameDescriptors. */
function finishFormat(state: StreamingState, repairs: Repairs): void {
  const current = state.current;
  state.current = undefined;
  if (current === undefined || current.format.kind === 'other') return;

  const { format, descriptor, declaredFrames } = current;
  const present = format.frames.length;
  if (present !== declaredFrames) {
    const what = describe(descriptor, subtypeName(VS, 'VS', format.bDescriptorSubtype));
    repairs.add(
      `${what} (format ${format.bFormatIndex}) says bNumFrameDescriptors ${declaredFrames} but ${present} usable frame descriptors follow; kept the ${present} present.`,
    );
  }
}

function parseFormat(
  descriptor: RawDescriptor,
  subtype: number,
  repairs: Repairs,
): FormatDescriptor | undefined {
  const bytes = descriptor.bytes;
  const name = subtypeName(VS, 'VS', subtype);
  const withFrames = ' and its frames';
  if (!longEnough(descriptor, FORMAT.MIN_LENGTH, name, repairs, withFrames)) return undefined;
  const base = {
    bDescriptorSubtype: subtype,
    bFormatIndex: readU8(bytes, FORMAT.bFormatIndex),
    frames: [],
    stillFrames: [],
  };

  if (subtype === VS.FORMAT_MJPEG) {
    if (!longEnough(descriptor, FORMAT_MJPEG.LENGTH, name, repairs, withFrames)) return undefined;
    return {
      ...base,
      kind: 'mjpeg',
      pixelFormat: 'MJPEG',
      bmFlags: readU8(bytes, FORMAT_MJPEG.bmFlags),
      bDefaultFrameIndex: readU8(bytes, FORMAT_MJPEG.bDefaultFrameIndex),
      bAspectRatioX: readU8(bytes, FORMAT_MJPEG.bAspectRatioX),
      bAspectRatioY: readU8(bytes, FORMAT_MJPEG.bAspectRatioY),
      bmInterlaceFlags: readU8(bytes, FORMAT_MJPEG.bmInterlaceFlags),
      bCopyProtect: readU8(bytes, FORMAT_MJPEG.bCopyProtect),
    };
  }

  if (subtype === VS.FORMAT_UNCOMPRESSED || subtype === VS.FORMAT_FRAME_BASED) {
    const frameBased = subtype === VS.FORMAT_FRAME_BASED;
    const length = frameBased ? FORMAT_GUID.FRAME_BASED_LENGTH : FORMAT_GUID.UNCOMPRESSED_LENGTH;
    if (!longEnough(descriptor, length, name, repairs, withFrames)) return undefined;
    const kind: FormatKind = frameBased ? 'frameBased' : 'uncompressed';
    const guid = bytes.subarray(FORMAT_GUID.guidFormat, FORMAT_GUID.guidFormat + GUID_LENGTH);
    const format: FormatDescriptor = {
      ...base,
      kind,
      guidFormat: guidToString(guid),
      pixelFormat: pixelFormatOfGuid(guid),
      bBitsPerPixel: readU8(bytes, FORMAT_GUID.bBitsPerPixel),
      bDefaultFrameIndex: readU8(bytes, FORMAT_GUID.bDefaultFrameIndex),
      bAspectRatioX: readU8(bytes, FORMAT_GUID.bAspectRatioX),
      bAspectRatioY: readU8(bytes, FORMAT_GUID.bAspectRatioY),
      bmInterlaceFlags: readU8(bytes, FORMAT_GUID.bmInterlaceFlags),
      bCopyProtect: readU8(bytes, FORMAT_GUID.bCopyProtect),
    };
    if (frameBased) format.bVariableSize = readU8(bytes, FORMAT_GUID.bVariableSize);
    return format;
  }

  // MPEG-2 TS, DV, stream-based, H.264, VP8: kept by index only; their frames are not parsed.
  // TODO: parse FORMAT_H264 / FRAME_H264 (UVC 1.5 H.264 payload) when a real camera needs it.
  return {
    ...base,
    kind: 'other',
    pixelFormat: OTHER_FORMATS.get(subtype) ?? 'unknown',
    bDefaultFrameIndex: 0,
    bAspectRatioX: 0,
    bAspectRatioY: 0,
    bmInterlaceFlags: 0,
    bCopyProtect: 0,
  };
}

function parseFrame(
  descriptor: RawDescriptor,
  subtype: number,
  repairs: Repairs,
): FrameDescriptor | undefined {
  const bytes = descriptor.bytes;
  const name = subtypeName(VS, 'VS', subtype);
  if (!longEnough(descriptor, FRAME.MIN_LENGTH, name, repairs)) return undefined;
  const frameBased = subtype === VS.FRAME_FRAME_BASED;
  const layout = frameBased ? FRAME_BASED : FRAME;

  const bFrameIntervalType = readU8(bytes, layout.bFrameIntervalType);
  const intervals = parseIntervals(descriptor, bFrameIntervalType, name, repairs);
  if (intervals === undefined) return undefined;

  const frame: FrameDescriptor = {
    bDescriptorSubtype: subtype,
    bFrameIndex: readU8(bytes, FRAME.bFrameIndex),
    bmCapabilities: readU8(bytes, FRAME.bmCapabilities),
    wWidth: readU16LE(bytes, FRAME.wWidth),
    wHeight: readU16LE(bytes, FRAME.wHeight),
    dwMinBitRate: readU32LE(bytes, FRAME.dwMinBitRate),
    dwMaxBitRate: readU32LE(bytes, FRAME.dwMaxBitRate),
    dwDefaultFrameInterval: readU32LE(bytes, layout.dwDefaultFrameInterval),
    intervals,
  };
  if (frameBased) frame.dwBytesPerLine = readU32LE(bytes, FRAME_BASED.dwBytesPerLine);
  else frame.dwMaxVideoFrameBufferSize = readU32LE(bytes, FRAME.dwMaxVideoFrameBufferSize);
  return frame;
}

/** Read the intervals after a frame's fixed part, bounded by bLength. */
function parseIntervals(
  descriptor: RawDescriptor,
  bFrameIntervalType: number,
  name: string,
  repairs: Repairs,
): FrameIntervals | undefined {
  const bytes = descriptor.bytes;
  const first = FRAME.dwFrameInterval;
  const what = `${describe(descriptor, name)} (bFrameIndex ${readU8(bytes, FRAME.bFrameIndex)})`;

  if (bFrameIntervalType === INTERVALS.CONTINUOUS) {
    const needed = first + INTERVALS.CONTINUOUS_BYTES;
    if (descriptor.bLength < needed) {
      repairs.add(
        `${what} declares a continuous interval range, which needs bLength ${needed}, but bLength is ${descriptor.bLength}; dropped it.`,
      );
      return undefined;
    }
    const min = readU32LE(bytes, first);
    const max = readU32LE(bytes, first + INTERVALS.DWORD);
    const step = readU32LE(bytes, first + 2 * INTERVALS.DWORD);
    return continuousRange({ min, max, step }, what, repairs);
  }

  const list = { start: first, declared: bFrameIntervalType, itemSize: INTERVALS.DWORD };
  const count = fitting(descriptor, list, what, 'bFrameIntervalType', repairs);
  const read: number[] = [];
  for (let index = 0; index < count; index += 1) {
    read.push(readU32LE(bytes, first + index * INTERVALS.DWORD));
  }
  const values = read.filter((value) => value !== 0);
  if (values.length < read.length) {
    const zeros = read.length - values.length;
    repairs.add(`${what} lists ${zeros} frame intervals of 0; dropped those values.`);
  }
  if (values.length === 0) {
    repairs.add(`${what} keeps no usable discrete frame interval; dropped it.`);
    return undefined;
  }
  return { kind: 'discrete', values };
}

/**
 * A continuous range as the device gave it, unless max < min (swapped) or the step is 0 in a
 * non-empty range (step 1). min + step > max is left alone: the range holds min (and the
 * Espressif 303a:8000 gives min = max = step for a single frame interval).
 */
function continuousRange(
  range: { min: number; max: number; step: number },
  what: string,
  repairs: Repairs,
): FrameIntervals {
  let { min, max, step } = range;
  if (max < min) {
    repairs.add(
      `${what} has dwMaxFrameInterval ${max} below dwMinFrameInterval ${min}; swapped them.`,
    );
    [min, max] = [max, min];
  }
  if (step === 0 && min < max) {
    repairs.add(
      `${what} has dwFrameIntervalStep 0 in a range from ${min} to ${max}; used a step of 1 (100 ns).`,
    );
    step = 1;
  }
  return { kind: 'continuous', min, max, step };
}

function parseStillImageFrame(
  descriptor: RawDescriptor,
  repairs: Repairs,
): StillImageFrame | undefined {
  const bytes = descriptor.bytes;
  const name = 'VS_STILL_IMAGE_FRAME';
  if (!longEnough(descriptor, STILL_FRAME.MIN_LENGTH, name, repairs)) return undefined;

  const declaredSizes = readU8(bytes, STILL_FRAME.bNumImageSizePatterns);
  const sizeList = {
    start: STILL_FRAME.sizes,
    declared: declaredSizes,
    itemSize: STILL_FRAME.SIZE_BYTES,
  };
  const sizeCount = fitting(descriptor, sizeList, name, 'bNumImageSizePatterns', repairs);
  const sizes: StillImageFrame['sizes'] = [];
  for (let index = 0; index < sizeCount; index += 1) {
    const at = STILL_FRAME.sizes + index * STILL_FRAME.SIZE_BYTES;
    const wWidth = readU16LE(bytes, at + STILL_FRAME.wWidth);
    sizes.push({ wWidth, wHeight: readU16LE(bytes, at + STILL_FRAME.wHeight) });
  }

  // bNumCompressionPattern and bCompression follow the sizes when the sizes were complete.
  const compressionAt = STILL_FRAME.sizes + declaredSizes * STILL_FRAME.SIZE_BYTES;
  let bCompression: number[] = [];
  if (sizeCount === declaredSizes && descriptor.bLength > compressionAt) {
    const list = { start: compressionAt + 1, declared: readU8(bytes, compressionAt), itemSize: 1 };
    const count = fitting(descriptor, list, name, 'bNumCompressionPattern', repairs);
    bCompression = [...bytes.subarray(list.start, list.start + count)];
  }
  return { bEndpointAddress: readU8(bytes, STILL_FRAME.bEndpointAddress), sizes, bCompression };
}

// ------------------------------------------------------------------------------------------
// Endpoints.

function alternateSetting(block: InterfaceBlock): AlternateSetting {
  return {
    bAlternateSetting: block.bAlternateSetting,
    endpoints: block.endpoints.map(parseEndpoint),
  };
}

/**
 * Decode an endpoint and its bandwidth. Periodic endpoints with a SuperSpeed companion move
 * `wBytesPerInterval` per service interval; for bulk endpoints that field is reserved (USB 3.2
 * Table 9-27), so a bulk endpoint's figure is one burst, `maxPacketSize * (bMaxBurst + 1)`.
 */
function parseEndpoint(block: EndpointBlock): EndpointInfo {
  const bytes = block.descriptor.bytes;
  const bmAttributes = readU8(bytes, ENDPOINT.bmAttributes);
  const wMaxPacketSize = readU16LE(bytes, ENDPOINT.wMaxPacketSize);
  const transferType = TRANSFER_TYPES[bmAttributes & ENDPOINT.TRANSFER_TYPE_MASK] ?? 'control';
  const maxPacketSize = wMaxPacketSize & ENDPOINT.PACKET_SIZE_MASK;
  const extraTransactions =
    (wMaxPacketSize >> ENDPOINT.EXTRA_TRANSACTIONS_SHIFT) & ENDPOINT.EXTRA_TRANSACTIONS_MASK;
  const transactionsPerMicroframe = 1 + extraTransactions;

  const endpoint: EndpointInfo = {
    bEndpointAddress: readU8(bytes, ENDPOINT.bEndpointAddress),
    bmAttributes,
    wMaxPacketSize,
    bInterval: readU8(bytes, ENDPOINT.bInterval),
    transferType,
    maxPacketSize,
    transactionsPerMicroframe,
    bytesPerInterval: maxPacketSize * transactionsPerMicroframe,
  };
  if (block.companion === undefined) return endpoint;

  const companionBytes = block.companion.bytes;
  const superSpeed: SuperSpeedCompanion = {
    bMaxBurst: readU8(companionBytes, SS_COMPANION.bMaxBurst),
    bmAttributes: readU8(companionBytes, SS_COMPANION.bmAttributes),
    wBytesPerInterval: readU16LE(companionBytes, SS_COMPANION.wBytesPerInterval),
  };
  endpoint.superSpeed = superSpeed;
  const periodic = transferType === 'isochronous' || transferType === 'interrupt';
  endpoint.bytesPerInterval = periodic
    ? superSpeed.wBytesPerInterval
    : maxPacketSize * (superSpeed.bMaxBurst + 1);
  return endpoint;
}

// ------------------------------------------------------------------------------------------
// Helpers.

function subtypeOf(descriptor: RawDescriptor): number {
  return readU8(descriptor.bytes, DESC.bDescriptorSubtype);
}

/** `VS_FRAME_MJPEG` for VS subtype 0x07; `VS subtype 0x42` when unknown. */
function subtypeName(family: Record<string, number>, prefix: string, subtype: number): string {
  const entry = Object.entries(family).find(([, value]) => value === subtype);
  return entry === undefined ? `${prefix} subtype ${hexNumber(subtype)}` : `${prefix}_${entry[0]}`;
}

/** `"VS_FRAME_MJPEG at offset 120"`. */
function describe(descriptor: RawDescriptor, name: string): string {
  return `${name} at offset ${descriptor.offset}`;
}

/** True when the descriptor holds `needed` bytes; otherwise records that it was dropped. */
function longEnough(
  descriptor: RawDescriptor,
  needed: number,
  name: string,
  repairs: Repairs,
  alsoDropped = '',
): boolean {
  if (descriptor.bLength >= needed) return true;
  const what = describe(descriptor, name);
  repairs.add(
    `${what} has bLength ${descriptor.bLength}, fewer than the ${needed} bytes it needs; dropped it${alsoDropped}.`,
  );
  return false;
}

/** A list inside a descriptor: `declared` items of `itemSize` bytes from byte `start`. */
interface ListLayout {
  start: number;
  declared: number;
  itemSize: number;
}

/**
 * How many items of the list fit in the descriptor; records a repair when fewer fit than
 * declared. `name` is a descriptor name or an already located description.
 */
function fitting(
  descriptor: RawDescriptor,
  list: ListLayout,
  name: string,
  field: string,
  repairs: Repairs,
): number {
  // Items of 0 bytes (a bControlSize of 0) always fit.
  const room = Math.max(0, descriptor.bLength - list.start);
  const capacity = list.itemSize === 0 ? list.declared : Math.floor(room / list.itemSize);
  const fits = Math.min(list.declared, capacity);
  if (fits < list.declared) {
    const what = name.includes(' at offset ') ? name : describe(descriptor, name);
    const needed = list.start + list.declared * list.itemSize;
    repairs.add(
      `${what} declares ${field} ${list.declared}, which needs bLength ${needed}, but bLength is ${descriptor.bLength}; kept the ${fits} that fit.`,
    );
  }
  return fits;
}

/** A DEVICE_DISABLED error naming the descriptor, its offset, what was expected and found. */
function malformed(what: string, offset: number, expected: string, found: string): CameraError {
  const where = what.includes(' at offset ') ? what : `${what} at offset ${offset}`;
  const details = { expected, found };
  return new CameraError(CameraErrorCode.DEVICE_DISABLED, `Malformed ${where}`, details);
}
