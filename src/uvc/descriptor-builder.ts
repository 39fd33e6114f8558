/**
 * The descriptor writer: a {@link CameraModel} (or a compact camera description) to the bytes
 * of a configuration descriptor set, mirroring the parser in `descriptors.ts`.
 *
 * Layouts follow USB 2.0 §9.6 (device, configuration, interface, endpoint), the Interface
 * Association ECN, USB 3.2 §9.6.7 (SuperSpeed endpoint companion) and UVC 1.5 §3.7–§3.9
 * (VideoControl and VideoStreaming class-specific descriptors) with the UVC 1.5 payload
 * specifications (uncompressed, MJPEG and frame-based formats and frames). The order of the
 * descriptors is the one the UVC specification shows and most cameras use: configuration,
 * then per video function an IAD, the VideoControl interface with its header, terminals and
 * units and status endpoint, then each VideoStreaming interface: alternate setting 0 with the
 * input header, formats, frames, still frames and colour matching, its endpoints (bulk
 * cameras stream on alternate setting 0), then the other alternate settings with their
 * isochronous endpoints.
 *
 * Nothing here does I/O.
 *
 * @packageDocumentation
 */

import { CameraError, CameraErrorCode } from '../errors.js';
import { CC_VIDEO, CS, EP, SC, TT, USB_DT, VC, VS } from './constants.js';
import { fourccGuid, guidFromString } from './guids.js';
import type {
  AlternateSetting,
  CameraModel,
  ColorMatching,
  DeviceDescriptor,
  EndpointInfo,
  Entity,
  FormatDescriptor,
  FrameDescriptor,
  FrameIntervals,
  InputHeader,
  PixelFormat,
  StillImageFrame,
  TransferType,
  VideoControlInterface,
  VideoFunction,
  VideoStreamingInterface,
} from './model.js';

// ------------------------------------------------------------------------------------------
// Fixed lengths of the descriptors written here.

/** Lengths of the fixed parts (USB 2.0 §9.6, UVC 1.5 §3.7–§3.9 and the payload specs). */
const LENGTH = {
  DEVICE: 18,
  CONFIGURATION: 9,
  IAD: 8,
  INTERFACE: 9,
  ENDPOINT: 7,
  SS_COMPANION: 6,
  CS_INTERRUPT_ENDPOINT: 5,
  VC_HEADER: 12,
  CAMERA_TERMINAL: 15,
  INPUT_TERMINAL: 8,
  OUTPUT_TERMINAL: 9,
  SELECTOR_UNIT: 6,
  PROCESSING_UNIT: 9,
  EXTENSION_UNIT: 24,
  ENCODING_UNIT: 13,
  INPUT_HEADER: 13,
  FORMAT_UNCOMPRESSED: 27,
  FORMAT_MJPEG: 11,
  FORMAT_FRAME_BASED: 28,
  FRAME: 26,
  STILL_FRAME: 6,
  COLORFORMAT: 6,
} as const;

/** Interface Association Descriptor type (IAD ECN). */
const IAD_FUNCTION_PROTOCOL_UNDEFINED = 0x00;

/** Endpoint bmAttributes transfer types (USB 2.0 §9.6.6, bits 1..0). */
const ENDPOINT_TYPE: Record<TransferType, number> = {
  control: 0x00,
  isochronous: 0x01,
  bulk: 0x02,
  interrupt: 0x03,
};

/** Isochronous endpoint synchronisation type "asynchronous" (bits 3..2 = 01), as webcams use. */
const ISO_ASYNCHRONOUS = 0x04;

/** wMaxPacketSize bits: 10..0 packet size, 12..11 additional transactions per microframe. */
const PACKET_SIZE_MASK = 0x7ff;
const EXTRA_TRANSACTIONS_SHIFT = 11;

/** Interface class for a device made of interface associations (USB IAD ECN, class 0xEF/2/1). */
const MISC_DEVICE = { bDeviceClass: 0xef, bDeviceSubClass: 0x02, bDeviceProtocol: 0x01 } as const;

/** UVC 1.5 cameras set bInterfaceProtocol to PC_PROTOCOL_15 (UVC 1.5 Appendix A.3). */
const PC_PROTOCOL_15 = 0x01;
const PC_PROTOCOL_UNDEFINED = 0x00;
const BCD_UVC_15 = 0x0150;
const BCD_UVC_11 = 0x0110;

/** The 100 ns units of dwFrameInterval in one second. */
const INTERVAL_UNITS_PER_SECOND = 10_000_000;

/** The biggest value of a descriptor's 16-bit length fields. */
const MAX_U16 = 0xffff;

// ------------------------------------------------------------------------------------------
// A little-endian byte writer.

class ByteWriter {
  readonly bytes: number[] = [];

  u8(value: number): this {
    this.bytes.push(value & 0xff);
    return this;
  }

  u16(value: number): this {
    return this.u8(value).u8(value >>> 8);
  }

  u32(value: number): this {
    return this.u16(value & 0xffff).u16(Math.floor(value / 0x10000) & 0xffff);
  }

  raw(values: ArrayLike<number>): this {
    for (let index = 0; index < values.length; index += 1) this.u8(values[index] ?? 0);
    return this;
  }

  get length(): number {
    return this.bytes.length;
  }

  /** Overwrite a 16-bit field already written at `offset`. */
  patch16(offset: number, value: number): void {
    this.bytes[offset] = value & 0xff;
    this.bytes[offset + 1] = (value >>> 8) & 0xff;
  }
}

/** Writes one descriptor: its bLength is filled in from what the body wrote. */
function descriptor(out: ByteWriter, type: number, body: (w: ByteWriter) => void): void {
  const start = out.length;
  out.u8(0).u8(type);
  body(out);
  const length = out.length - start;
  if (length > 0xff) {
    throw new CameraError(CameraErrorCode.INVALID_ARGUMENT, 'a descriptor is too long to write', {
      expected: 'at most 255 bytes',
      found: `${length} bytes (type 0x${type.toString(16)})`,
    });
  }
  out.bytes[start] = length;
}

/** Writes one class-specific interface descriptor (CS_INTERFACE with a subtype). */
function csInterface(out: ByteWriter, subtype: number, body: (w: ByteWriter) => void): void {
  descriptor(out, CS.INTERFACE, (w) => {
    w.u8(subtype);
    body(w);
  });
}

// ------------------------------------------------------------------------------------------
// Model to bytes.

/**
 * The 18 bytes of a device descriptor (USB 2.0 §9.6.1).
 */
export function writeDeviceDescriptor(device: DeviceDescriptor): Uint8Array {
  const out = new ByteWriter();
  descriptor(out, USB_DT.DEVICE, (w) => {
    w.u16(device.bcdUSB)
      .u8(device.bDeviceClass)
      .u8(device.bDeviceSubClass)
      .u8(device.bDeviceProtocol)
      .u8(device.bMaxPacketSize0)
      .u16(device.idVendor)
      .u16(device.idProduct)
      .u16(device.bcdDevice)
      .u8(device.iManufacturer)
      .u8(device.iProduct)
      .u8(device.iSerialNumber)
      .u8(device.bNumConfigurations);
  });
  return Uint8Array.from(out.bytes);
}

/** String indexes the writer puts into descriptors that carry one (0 = no string). */
export interface WriteConfigurationOptions {
  /** iConfiguration of the configuration descriptor. */
  iConfiguration?: number;
  /** iFunction of each video function's IAD and iInterface of its interfaces. */
  iFunction?: number;
}

/** The parts of a camera model the writer needs. */
export type WritableModel = Pick<
  CameraModel,
  'bConfigurationValue' | 'bmAttributes' | 'bMaxPower' | 'functions'
>;

/**
 * The bytes of a configuration descriptor set describing `model` — what a camera answers to
 * GET_DESCRIPTOR(CONFIGURATION) — such that `parseConfiguration` gives `model` back.
 *
 * Formats of kind `'other'` cannot be written (the model keeps no bytes of them) and are
 * rejected.
 *
 * @throws CameraError INVALID_ARGUMENT when the model cannot be written (an `'other'` format, a
 *   descriptor longer than 255 bytes, a configuration longer than 65535 bytes).
 */
export function writeConfiguration(
  model: WritableModel,
  options: WriteConfigurationOptions = {},
): Uint8Array {
  const out = new ByteWriter();
  const iFunction = options.iFunction ?? 0;
  let interfaces = 0;

  descriptor(out, USB_DT.CONFIGURATION, (w) => {
    w.u16(0) // wTotalLength, patched below
      .u8(0) // bNumInterfaces, patched below
      .u8(model.bConfigurationValue)
      .u8(options.iConfiguration ?? 0)
      .u8(model.bmAttributes)
      .u8(model.bMaxPower);
  });

  for (const fn of model.functions) {
    writeAssociation(out, fn, iFunction);
    writeVideoControl(out, fn.videoControl, iFunction);
    interfaces += 1;
    for (const vs of fn.streaming) {
      writeVideoStreaming(out, vs, fn.videoControl.bInterfaceProtocol);
      interfaces += 1;
    }
  }

  if (out.length > MAX_U16) {
    const message = 'the configuration is too long to write';
    throw new CameraError(CameraErrorCode.INVALID_ARGUMENT, message, {
      expected: `at most ${MAX_U16} bytes`,
      found: `${out.length} bytes`,
    });
  }
  out.patch16(2, out.length);
  out.bytes[4] = interfaces;
  return Uint8Array.from(out.bytes);
}

function writeAssociation(out: ByteWriter, fn: VideoFunction, iFunction: number): void {
  descriptor(out, USB_DT.INTERFACE_ASSOCIATION, (w) => {
    w.u8(fn.videoControl.bInterfaceNumber)
      .u8(1 + fn.streaming.length)
      .u8(CC_VIDEO)
      .u8(SC.VIDEO_INTERFACE_COLLECTION)
      .u8(IAD_FUNCTION_PROTOCOL_UNDEFINED)
      .u8(iFunction);
  });
}

/** The fields of a video interface descriptor that vary. */
interface InterfaceFields {
  number: number;
  alternate: number;
  endpoints: number;
  subclass: number;
  protocol: number;
  name: number;
}

function writeInterface(out: ByteWriter, fields: InterfaceFields): void {
  descriptor(out, USB_DT.INTERFACE, (w) => {
    w.u8(fields.number)
      .u8(fields.alternate)
      .u8(fields.endpoints)
      .u8(CC_VIDEO)
      .u8(fields.subclass)
      .u8(fields.protocol)
      .u8(fields.name);
  });
}

function writeVideoControl(out: ByteWriter, vc: VideoControlInterface, iInterface: number): void {
  writeInterface(out, {
    number: vc.bInterfaceNumber,
    alternate: 0,
    endpoints: vc.statusEndpoint ? 1 : 0,
    subclass: SC.VIDEOCONTROL,
    protocol: vc.bInterfaceProtocol,
    name: iInterface,
  });

  // VC_HEADER (UVC 1.5 §3.7.2): wTotalLength covers the header and every terminal and unit.
  const headerStart = out.length;
  csInterface(out, VC.HEADER, (w) => {
    w.u16(vc.bcdUVC).u16(0).u32(vc.dwClockFrequency);
    w.u8(vc.baInterfaceNr.length).raw(vc.baInterfaceNr);
  });
  for (const entity of vc.entities) writeEntity(out, entity);
  out.patch16(headerStart + 5, out.length - headerStart);

  if (vc.statusEndpoint) {
    writeEndpoint(out, vc.statusEndpoint);
    // Class-specific VC interrupt endpoint (UVC 1.5 §3.8.2.2): wMaxTransferSize.
    descriptor(out, CS.ENDPOINT, (w) => {
      w.u8(EP.INTERRUPT).u16(vc.statusEndpoint?.maxPacketSize ?? 0);
    });
  }
}

function writeEntity(out: ByteWriter, entity: Entity): void {
  switch (entity.type) {
    case 'inputTerminal':
      csInterface(out, VC.INPUT_TERMINAL, (w) => {
        w.u8(entity.bTerminalID).u16(entity.wTerminalType).u8(entity.bAssocTerminal);
        w.u8(entity.iTerminal);
        if (entity.camera) {
          w.u16(entity.camera.wObjectiveFocalLengthMin)
            .u16(entity.camera.wObjectiveFocalLengthMax)
            .u16(entity.camera.wOcularFocalLength)
            .u8(entity.camera.bmControls.length)
            .raw(entity.camera.bmControls);
        }
      });
      return;
    case 'outputTerminal':
      csInterface(out, VC.OUTPUT_TERMINAL, (w) => {
        w.u8(entity.bTerminalID).u16(entity.wTerminalType).u8(entity.bAssocTerminal);
        w.u8(entity.bSourceID).u8(entity.iTerminal);
      });
      return;
    case 'selectorUnit':
      csInterface(out, VC.SELECTOR_UNIT, (w) => {
        w.u8(entity.bUnitID).u8(entity.baSourceID.length).raw(entity.baSourceID);
        w.u8(entity.iSelector);
      });
      return;
    case 'processingUnit':
      csInterface(out, VC.PROCESSING_UNIT, (w) => {
        w.u8(entity.bUnitID).u8(entity.bSourceID).u16(entity.wMaxMultiplier);
        w.u8(entity.bmControls.length).raw(entity.bmControls).u8(entity.iProcessing);
        if (entity.bmVideoStandards !== undefined) w.u8(entity.bmVideoStandards);
      });
      return;
    case 'extensionUnit':
      csInterface(out, VC.EXTENSION_UNIT, (w) => {
        w.u8(entity.bUnitID).raw(guidFromString(entity.guidExtensionCode)).u8(entity.bNumControls);
        w.u8(entity.baSourceID.length).raw(entity.baSourceID);
        w.u8(entity.bmControls.length).raw(entity.bmControls).u8(entity.iExtension);
      });
      return;
    case 'encodingUnit':
      csInterface(out, VC.ENCODING_UNIT, (w) => {
        w.u8(entity.bUnitID).u8(entity.bSourceID).u8(entity.iEncoding);
        w.u8(entity.bmControls.length).raw(entity.bmControls).raw(entity.bmControlsRuntime);
      });
      return;
  }
}

function writeEndpoint(out: ByteWriter, endpoint: EndpointInfo): void {
  descriptor(out, USB_DT.ENDPOINT, (w) => {
    w.u8(endpoint.bEndpointAddress).u8(endpoint.bmAttributes);
    w.u16(endpoint.wMaxPacketSize).u8(endpoint.bInterval);
  });
  const companion = endpoint.superSpeed;
  if (companion) {
    descriptor(out, USB_DT.SS_ENDPOINT_COMPANION, (w) => {
      w.u8(companion.bMaxBurst).u8(companion.bmAttributes).u16(companion.wBytesPerInterval);
    });
  }
}

function writeVideoStreaming(out: ByteWriter, vs: VideoStreamingInterface, protocol: number): void {
  const settings = [...vs.alternateSettings].sort(
    (a, b) => a.bAlternateSetting - b.bAlternateSetting,
  );
  const first: AlternateSetting = settings[0] ?? { bAlternateSetting: 0, endpoints: [] };

  writeInterface(out, {
    number: vs.bInterfaceNumber,
    alternate: first.bAlternateSetting,
    endpoints: first.endpoints.length,
    subclass: SC.VIDEOSTREAMING,
    protocol,
    name: 0,
  });
  writeStreamingClassDescriptors(out, vs);
  for (const endpoint of first.endpoints) writeEndpoint(out, endpoint);

  for (const setting of settings.slice(1)) {
    writeInterface(out, {
      number: vs.bInterfaceNumber,
      alternate: setting.bAlternateSetting,
      endpoints: setting.endpoints.length,
      subclass: SC.VIDEOSTREAMING,
      protocol,
      name: 0,
    });
    for (const endpoint of setting.endpoints) writeEndpoint(out, endpoint);
  }
}

function writeStreamingClassDescriptors(out: ByteWriter, vs: VideoStreamingInterface): void {
  // VS_INPUT_HEADER / VS_OUTPUT_HEADER (UVC 1.5 §3.9.2.1, §3.9.2.2): wTotalLength covers the
  // header and every format, frame, still and colour descriptor that follows.
  const headerStart = out.length;
  if (vs.inputHeader) {
    writeInputHeader(out, vs.inputHeader);
  } else if (vs.outputHeader) {
    const header = vs.outputHeader;
    csInterface(out, VS.OUTPUT_HEADER, (w) => {
      w.u8(vs.formats.length).u16(0).u8(header.bEndpointAddress).u8(header.bTerminalLink).u8(0);
    });
  }

  for (const format of vs.formats) writeFormat(out, format);
  for (const still of vs.stillFrames) writeStillFrame(out, still);
  if (vs.inputHeader || vs.outputHeader) out.patch16(headerStart + 4, out.length - headerStart);
}

/** bNumFormats is written as the header gives it (the C270 and C310 claim 3 formats and have 2). */
function writeInputHeader(out: ByteWriter, header: InputHeader): void {
  const formats = header.bNumFormats;
  const controlSize = Math.max(1, ...header.bmaControls.map((controls) => controls.length));
  csInterface(out, VS.INPUT_HEADER, (w) => {
    w.u8(formats)
      .u16(0)
      .u8(header.bEndpointAddress)
      .u8(header.bmInfo)
      .u8(header.bTerminalLink)
      .u8(header.bStillCaptureMethod)
      .u8(header.bTriggerSupport)
      .u8(header.bTriggerUsage)
      .u8(controlSize);
    for (let index = 0; index < formats; index += 1) {
      const controls = header.bmaControls[index] ?? new Uint8Array(0);
      for (let byte = 0; byte < controlSize; byte += 1) w.u8(controls[byte] ?? 0);
    }
  });
}

function writeFormat(out: ByteWriter, format: FormatDescriptor): void {
  const frames = format.frames.length;
  switch (format.kind) {
    case 'uncompressed':
    case 'frameBased':
      csInterface(out, format.bDescriptorSubtype, (w) => {
        w.u8(format.bFormatIndex).u8(frames).raw(guidFromString(requireGuid(format)));
        w.u8(format.bBitsPerPixel ?? 0).u8(format.bDefaultFrameIndex);
        writeAspectAndFlags(w, format);
        if (format.kind === 'frameBased') w.u8(format.bVariableSize ?? 1);
      });
      break;
    case 'mjpeg':
      csInterface(out, VS.FORMAT_MJPEG, (w) => {
        w.u8(format.bFormatIndex).u8(frames).u8(format.bmFlags ?? 0).u8(format.bDefaultFrameIndex);
        writeAspectAndFlags(w, format);
      });
      break;
    case 'other':
      throw new CameraError(CameraErrorCode.INVALID_ARGUMENT, 'cannot write an unparsed format', {
        expected: 'an uncompressed, MJPEG or frame-based format',
        found: `format ${format.bFormatIndex} of subtype ${format.bDescriptorSubtype}`,
      });
  }

  for (const frame of format.frames) writeFrame(out, frame, format.kind === 'frameBased');
  for (const still of format.stillFrames) writeStillFrame(out, still);
  if (format.colorMatching) writeColorMatching(out, format.colorMatching);
}

function writeAspectAndFlags(w: ByteWriter, format: FormatDescriptor): void {
  w.u8(format.bAspectRatioX).u8(format.bAspectRatioY);
  w.u8(format.bmInterlaceFlags).u8(format.bCopyProtect);
}

function requireGuid(format: FormatDescriptor): string {
  if (format.guidFormat !== undefined) return format.guidFormat;
  throw new CameraError(CameraErrorCode.INVALID_ARGUMENT, 'a format needs its GUID to be written', {
    expected: 'guidFormat',
    found: `format ${format.bFormatIndex} without guidFormat`,
  });
}

function writeFrame(out: ByteWriter, frame: FrameDescriptor, frameBased: boolean): void {
  csInterface(out, frame.bDescriptorSubtype, (w) => {
    w.u8(frame.bFrameIndex).u8(frame.bmCapabilities).u16(frame.wWidth).u16(frame.wHeight);
    w.u32(frame.dwMinBitRate).u32(frame.dwMaxBitRate);
    if (!frameBased) w.u32(frame.dwMaxVideoFrameBufferSize ?? 0);
    w.u32(frame.dwDefaultFrameInterval);
    writeIntervalType(w, frame.intervals);
    if (frameBased) w.u32(frame.dwBytesPerLine ?? 0);
    writeIntervals(w, frame.intervals);
  });
}

function writeIntervalType(w: ByteWriter, intervals: FrameIntervals): void {
  w.u8(intervals.kind === 'continuous' ? 0 : intervals.values.length);
}

function writeIntervals(w: ByteWriter, intervals: FrameIntervals): void {
  if (intervals.kind === 'continuous') {
    w.u32(intervals.min).u32(intervals.max).u32(intervals.step);
    return;
  }
  for (const value of intervals.values) w.u32(value);
}

function writeStillFrame(out: ByteWriter, still: StillImageFrame): void {
  csInterface(out, VS.STILL_IMAGE_FRAME, (w) => {
    w.u8(still.bEndpointAddress).u8(still.sizes.length);
    for (const size of still.sizes) w.u16(size.wWidth).u16(size.wHeight);
    w.u8(still.bCompression.length).raw(still.bCompression);
  });
}

function writeColorMatching(out: ByteWriter, color: ColorMatching): void {
  csInterface(out, VS.COLORFORMAT, (w) => {
    w.u8(color.bColorPrimaries).u8(color.bTransferCharacteristics).u8(color.bMatrixCoefficients);
  });
}

// ------------------------------------------------------------------------------------------
// A compact description to a model.

/** The dwFrameInterval (100 ns units) of a frame rate: 30 → 333333, 15 → 666666. */
export function frameIntervalOf(framesPerSecond: number): number {
  return Math.floor(INTERVAL_UNITS_PER_SECOND / framesPerSecond);
}

/** One frame size with its discrete frame intervals. */
export interface FrameDescription {
  width: number;
  height: number;
  /** Discrete dwFrameInterval values (100 ns units), fastest first; see {@link frameIntervalOf}. */
  intervals: number[];
  /** dwDefaultFrameInterval; the first interval when absent. */
  defaultInterval?: number;
}

/** Uncompressed formats the builder knows the GUID and bits per pixel of. */
export type BuildablePixelFormat = 'YUYV' | 'UYVY' | 'NV12' | 'I420' | 'GRAY8' | 'BGR24';

/** An uncompressed or MJPEG format with its frames. */
export type FormatDescription =
  | {
      kind: 'uncompressed';
      /** A known format, or give `guidFormat` and `bitsPerPixel` for any other. */
      pixelFormat?: BuildablePixelFormat;
      guidFormat?: string;
      bitsPerPixel?: number;
      frames: FrameDescription[];
      /** 1-based index into `frames`; 1 when absent. */
      defaultFrameIndex?: number;
      colorMatching?: ColorMatching;
    }
  | {
      kind: 'mjpeg';
      frames: FrameDescription[];
      defaultFrameIndex?: number;
      colorMatching?: ColorMatching;
    };

/** How the VideoStreaming interface moves data. */
export type StreamingTransferDescription =
  | {
      type: 'isochronous';
      /** Raw wMaxPacketSize of alternate settings 1, 2, … (bits 12..11: extra transactions). */
      wMaxPacketSizes: number[];
      /** bInterval; 1 (every microframe) when absent. */
      bInterval?: number;
    }
  | {
      type: 'bulk';
      /** wMaxPacketSize of the bulk endpoint (alternate setting 0); 512 when absent. */
      wMaxPacketSize?: number;
    };

/** The VideoControl interrupt endpoint. */
export interface StatusEndpointDescription {
  bEndpointAddress?: number;
  wMaxPacketSize?: number;
  bInterval?: number;
}

/** A bitmap of controls: the value and its size in bytes (bControlSize). */
export interface ControlBitmapDescription {
  /** Bit n set advertises the control of bit n (UVC 1.5 Table 3-6 / 3-8). */
  bmControls: number;
  /** Bytes of bmControls; 3 when absent. */
  bControlSize?: number;
}

/** A vendor extension unit. */
export interface ExtensionUnitDescription extends ControlBitmapDescription {
  guidExtensionCode: string;
  bNumControls: number;
}

/**
 * A camera described compactly: one video function whose chain is camera terminal →
 * processing unit → extension units → output terminal, and one VideoStreaming interface.
 */
export interface CameraDescription {
  /** 0x0100, 0x0110 or 0x0150; 0x0100 when absent. */
  bcdUVC?: number;
  /** dwClockFrequency of the VC header in Hz; 48 MHz when absent. */
  dwClockFrequency?: number;
  bConfigurationValue?: number;
  /** 0x80 (bus powered) when absent. */
  bmAttributes?: number;
  /** In 2 mA units; 250 (500 mA) when absent. */
  bMaxPower?: number;
  /** First interface number of the function; 0 when absent. */
  firstInterface?: number;
  cameraTerminal?: ControlBitmapDescription;
  processingUnit?: ControlBitmapDescription & { wMaxMultiplier?: number };
  extensionUnits?: ExtensionUnitDescription[];
  /** The VC interrupt endpoint; `null` for none; 0x83, 16 bytes, bInterval 8 when absent. */
  statusEndpoint?: StatusEndpointDescription | null;
  streaming: {
    /** 0x81 when absent. */
    bEndpointAddress?: number;
    transfer: StreamingTransferDescription;
    formats: FormatDescription[];
  };
}

/** GUIDs and bits per pixel of the formats in {@link BuildablePixelFormat}. */
const BUILDABLE_FORMATS: Record<BuildablePixelFormat, { guid: string; bitsPerPixel: number }> = {
  YUYV: { guid: fourccGuid('YUY2'), bitsPerPixel: 16 },
  UYVY: { guid: fourccGuid('UYVY'), bitsPerPixel: 16 },
  NV12: { guid: fourccGuid('NV12'), bitsPerPixel: 12 },
  I420: { guid: fourccGuid('I420'), bitsPerPixel: 12 },
  GRAY8: { guid: fourccGuid('Y800'), bitsPerPixel: 8 },
  BGR24: { guid: 'e436eb7d-524f-11ce-9f53-0020af0ba770', bitsPerPixel: 24 },
};

/** Bits per pixel the builder assumes for MJPEG frame buffers (as YUYV, like real cameras). */
const MJPEG_BUFFER_BITS_PER_PIXEL = 16;

/** Default colour matching (UVC 1.5 §3.9.2.6): BT.709 primaries and transfer, SMPTE 170M. */
const DEFAULT_COLOR_MATCHING: ColorMatching = {
  bColorPrimaries: 1,
  bTransferCharacteristics: 1,
  bMatrixCoefficients: 4,
};

/** Entity IDs of the compact chain. */
const CHAIN = { CAMERA_TERMINAL: 1, PROCESSING_UNIT: 2, FIRST_EXTENSION_UNIT: 3 } as const;

/** Default status endpoint: interrupt IN 0x83, 16 bytes, bInterval 8. */
const DEFAULT_STATUS = { bEndpointAddress: 0x83, wMaxPacketSize: 16, bInterval: 8 } as const;

/** Default configuration fields: value 1, bus powered, 500 mA. */
const DEFAULT_CONFIG = { bConfigurationValue: 1, bmAttributes: 0x80, bMaxPower: 250 } as const;

/** The 48 MHz device clock most Logitech cameras report. */
const DEFAULT_CLOCK_FREQUENCY = 48_000_000;

/** A high-speed bulk endpoint's wMaxPacketSize. */
const HIGH_SPEED_BULK_PACKET = 512;

/**
 * Expand a compact description into the camera model it describes.
 *
 * @throws CameraError INVALID_ARGUMENT when a format has no frames, a frame no intervals, or an
 *   uncompressed format neither a known pixel format nor a GUID with bits per pixel.
 */
export function describeCamera(description: CameraDescription): CameraModel {
  const bcdUVC = description.bcdUVC ?? 0x0100;
  const vcNumber = description.firstInterface ?? 0;
  const vsNumber = vcNumber + 1;
  const entities = describeEntities(description, bcdUVC);
  const outputTerminal = entities[entities.length - 1];
  const terminalLink = outputTerminal?.type === 'outputTerminal' ? outputTerminal.bTerminalID : 0;

  const streaming = describeStreaming(description, vsNumber, terminalLink);
  const videoControl: VideoControlInterface = {
    bInterfaceNumber: vcNumber,
    bInterfaceProtocol: bcdUVC >= BCD_UVC_15 ? PC_PROTOCOL_15 : PC_PROTOCOL_UNDEFINED,
    bcdUVC,
    dwClockFrequency: description.dwClockFrequency ?? DEFAULT_CLOCK_FREQUENCY,
    baInterfaceNr: [vsNumber],
    entities,
  };
  if (description.statusEndpoint !== null) {
    const status = { ...DEFAULT_STATUS, ...(description.statusEndpoint ?? {}) };
    videoControl.statusEndpoint = endpointInfo(status.bEndpointAddress, 'interrupt', {
      wMaxPacketSize: status.wMaxPacketSize,
      bInterval: status.bInterval,
    });
  }

  const model: WritableModel = {
    bConfigurationValue: description.bConfigurationValue ?? DEFAULT_CONFIG.bConfigurationValue,
    bmAttributes: description.bmAttributes ?? DEFAULT_CONFIG.bmAttributes,
    bMaxPower: description.bMaxPower ?? DEFAULT_CONFIG.bMaxPower,
    functions: [{ videoControl, streaming: [streaming] }],
  };
  return { ...model, wTotalLength: writeConfiguration(model).length, repairs: [] };
}

/**
 * The configuration descriptor bytes of a compactly described camera:
 * `writeConfiguration(describeCamera(description))`.
 */
export function buildConfiguration(
  description: CameraDescription,
  options: WriteConfigurationOptions = {},
): Uint8Array {
  return writeConfiguration(describeCamera(description), options);
}

function bitmap(value: number, size: number): Uint8Array {
  const bytes = new Uint8Array(size);
  for (let index = 0; index < size; index += 1) {
    bytes[index] = Math.floor(value / 2 ** (8 * index)) & 0xff;
  }
  return bytes;
}

function describeEntities(description: CameraDescription, bcdUVC: number): Entity[] {
  const entities: Entity[] = [];
  const camera = description.cameraTerminal ?? { bmControls: 0 };
  entities.push({
    type: 'inputTerminal',
    bTerminalID: CHAIN.CAMERA_TERMINAL,
    wTerminalType: TT.ITT_CAMERA,
    bAssocTerminal: 0,
    iTerminal: 0,
    camera: {
      wObjectiveFocalLengthMin: 0,
      wObjectiveFocalLengthMax: 0,
      wOcularFocalLength: 0,
      bmControls: bitmap(camera.bmControls, camera.bControlSize ?? 3),
    },
  });
  let source: number = CHAIN.CAMERA_TERMINAL;

  if (description.processingUnit) {
    const pu = description.processingUnit;
    entities.push({
      type: 'processingUnit',
      bUnitID: CHAIN.PROCESSING_UNIT,
      bSourceID: source,
      wMaxMultiplier: pu.wMaxMultiplier ?? 0,
      bmControls: bitmap(pu.bmControls, pu.bControlSize ?? (bcdUVC >= BCD_UVC_15 ? 3 : 2)),
      iProcessing: 0,
      // bmVideoStandards exists from UVC 1.1 on (12- and 13-byte processing units).
      ...(bcdUVC >= BCD_UVC_11 ? { bmVideoStandards: 0 } : {}),
    });
    source = CHAIN.PROCESSING_UNIT;
  }

  let unitId: number = CHAIN.FIRST_EXTENSION_UNIT;
  for (const xu of description.extensionUnits ?? []) {
    entities.push({
      type: 'extensionUnit',
      bUnitID: unitId,
      guidExtensionCode: xu.guidExtensionCode.toLowerCase(),
      bNumControls: xu.bNumControls,
      baSourceID: [source],
      bmControls: bitmap(xu.bmControls, xu.bControlSize ?? 3),
      iExtension: 0,
    });
    source = unitId;
    unitId += 1;
  }

  entities.push({
    type: 'outputTerminal',
    bTerminalID: unitId,
    wTerminalType: TT.STREAMING,
    bAssocTerminal: 0,
    bSourceID: source,
    iTerminal: 0,
  });
  return entities;
}

function describeStreaming(
  description: CameraDescription,
  number: number,
  terminalLink: number,
): VideoStreamingInterface {
  const spec = description.streaming;
  const address = spec.bEndpointAddress ?? 0x81;
  const formats = spec.formats.map((format, index) => describeFormat(format, index + 1));

  const alternateSettings: AlternateSetting[] = [];
  if (spec.transfer.type === 'bulk') {
    const size = spec.transfer.wMaxPacketSize ?? HIGH_SPEED_BULK_PACKET;
    const endpoint = endpointInfo(address, 'bulk', { wMaxPacketSize: size, bInterval: 0 });
    alternateSettings.push({ bAlternateSetting: 0, endpoints: [endpoint] });
  } else {
    alternateSettings.push({ bAlternateSetting: 0, endpoints: [] });
    const interval = spec.transfer.bInterval ?? 1;
    spec.transfer.wMaxPacketSizes.forEach((size, index) => {
      const packet = { wMaxPacketSize: size, bInterval: interval };
      const endpoint = endpointInfo(address, 'isochronous', packet);
      alternateSettings.push({ bAlternateSetting: index + 1, endpoints: [endpoint] });
    });
  }

  return {
    bInterfaceNumber: number,
    inputHeader: {
      bNumFormats: formats.length,
      bEndpointAddress: address,
      bmInfo: 0,
      bTerminalLink: terminalLink,
      bStillCaptureMethod: 0,
      bTriggerSupport: 0,
      bTriggerUsage: 0,
      bmaControls: formats.map(() => new Uint8Array(1)),
    },
    formats,
    stillFrames: [],
    alternateSettings,
  };
}

function endpointInfo(
  address: number,
  type: TransferType,
  { wMaxPacketSize, bInterval }: { wMaxPacketSize: number; bInterval: number },
): EndpointInfo {
  const maxPacketSize = wMaxPacketSize & PACKET_SIZE_MASK;
  const transactionsPerMicroframe = 1 + ((wMaxPacketSize >> EXTRA_TRANSACTIONS_SHIFT) & 0x3);
  const sync = type === 'isochronous' ? ISO_ASYNCHRONOUS : 0;
  return {
    bEndpointAddress: address,
    bmAttributes: ENDPOINT_TYPE[type] | sync,
    wMaxPacketSize,
    bInterval,
    transferType: type,
    maxPacketSize,
    transactionsPerMicroframe,
    bytesPerInterval: maxPacketSize * transactionsPerMicroframe,
  };
}

function describeFormat(format: FormatDescription, index: number): FormatDescriptor {
  if (format.frames.length === 0) {
    throw new CameraError(CameraErrorCode.INVALID_ARGUMENT, 'a format needs at least one frame', {
      expected: 'one or more frames',
      found: `format ${index} with none`,
    });
  }

  let guid: string | undefined;
  let pixelFormat: PixelFormat = 'MJPEG';
  let bitsPerPixel = MJPEG_BUFFER_BITS_PER_PIXEL;
  if (format.kind === 'uncompressed') {
    const known = format.pixelFormat ? BUILDABLE_FORMATS[format.pixelFormat] : undefined;
    guid = format.guidFormat?.toLowerCase() ?? known?.guid;
    const bits = format.bitsPerPixel ?? known?.bitsPerPixel;
    if (guid === undefined || bits === undefined) {
      const known = Object.keys(BUILDABLE_FORMATS).join(', ');
      const message = 'an uncompressed format needs a GUID';
      throw new CameraError(CameraErrorCode.INVALID_ARGUMENT, message, {

        expected: `pixelFormat in ${known} or guidFormat with bitsPerPixel`,
        found: JSON.stringify({ pixelFormat: format.pixelFormat, guidFormat: format.guidFormat }),
      });
    }
    bitsPerPixel = bits;
    pixelFormat = format.pixelFormat ?? 'unknown';
  }

  const frameSubtype = format.kind === 'uncompressed' ? VS.FRAME_UNCOMPRESSED : VS.FRAME_MJPEG;
  const frames = format.frames.map((frame, frameIndex) =>
    describeFrame(frame, frameIndex + 1, frameSubtype, bitsPerPixel),
  );
  const base = {
    bFormatIndex: index,
    pixelFormat,
    bDefaultFrameIndex: format.defaultFrameIndex ?? 1,
    bAspectRatioX: 0,
    bAspectRatioY: 0,
    bmInterlaceFlags: 0,
    bCopyProtect: 0,
    frames,
    stillFrames: [],
    colorMatching: format.colorMatching ?? DEFAULT_COLOR_MATCHING,
  };
  if (format.kind === 'mjpeg') {
    return { ...base, kind: 'mjpeg', bDescriptorSubtype: VS.FORMAT_MJPEG, bmFlags: 0 };
  }
  return {
    ...base,
    kind: 'uncompressed',
    bDescriptorSubtype: VS.FORMAT_UNCOMPRESSED,
    guidFormat: guid,
    bBitsPerPixel: bitsPerPixel,
  };
}

function describeFrame(
  frame: FrameDescription,
  index: number,
  subtype: number,
  bitsPerPixel: number,
): FrameDescriptor {
  if (frame.intervals.length === 0) {
    const message = 'a frame needs at least one frame interval';
    throw new CameraError(CameraErrorCode.INVALID_ARGUMENT, message, {

      expected: 'one or more intervals',
      found: `frame ${index} (${frame.width}x${frame.height}) with none`,
    });
  }

  const bufferSize = Math.ceil((frame.width * frame.height * bitsPerPixel) / 8);
  const shortest = Math.min(...frame.intervals);
  const longest = Math.max(...frame.intervals);
  const bitsPerFrame = bufferSize * 8;
  return {
    bDescriptorSubtype: subtype,
    bFrameIndex: index,
    bmCapabilities: 0,
    wWidth: frame.width,
    wHeight: frame.height,
    dwMinBitRate: Math.round((bitsPerFrame * INTERVAL_UNITS_PER_SECOND) / longest),
    dwMaxBitRate: Math.round((bitsPerFrame * INTERVAL_UNITS_PER_SECOND) / shortest),
    dwMaxVideoFrameBufferSize: bufferSize,
    dwDefaultFrameInterval: frame.defaultInterval ?? frame.intervals[0] ?? shortest,
    intervals: { kind: 'discrete', values: [...frame.intervals] },
  };
}

/** The device descriptor fields of a composite (IAD) camera, for {@link writeDeviceDescriptor}. */
export function compositeDeviceDescriptor(
  fields: Pick<DeviceDescriptor, 'idVendor' | 'idProduct'> & Partial<DeviceDescriptor>,
): DeviceDescriptor {
  return {
    bcdUSB: 0x0200,
    ...MISC_DEVICE,
    bMaxPacketSize0: 64,
    bcdDevice: 0x0100,
    iManufacturer: 0,
    iProduct: 0,
    iSerialNumber: 0,
    bNumConfigurations: 1,
    ...fields,
  };
}
