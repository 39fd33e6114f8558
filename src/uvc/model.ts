/**
 * The camera model: what a UVC camera's descriptors say about it.
 *
 * Wire-level fields keep the names of the USB 2.0 and UVC 1.5 specifications
 * (`bcdUVC`, `wMaxPacketSize`, `dwFrameInterval`); the doc line of each type
 * names the section of the UVC 1.5 specification that defines it. Derived
 * values (a pixel format, a transfer type, a bandwidth) use plain camelCase.
 *
 * @packageDocumentation
 */

/** USB device descriptor (USB 2.0 §9.6.1). */
export interface DeviceDescriptor {
  bcdUSB: number;
  bDeviceClass: number;
  bDeviceSubClass: number;
  bDeviceProtocol: number;
  bMaxPacketSize0: number;
  idVendor: number;
  idProduct: number;
  bcdDevice: number;
  iManufacturer: number;
  iProduct: number;
  iSerialNumber: number;
  bNumConfigurations: number;
}

/** Pixel formats webuvc knows by GUID, plus the compressed ones by descriptor subtype. */
export type PixelFormat =
  | 'YUYV'
  | 'UYVY'
  | 'NV12'
  | 'I420'
  | 'YV12'
  | 'M420'
  | 'GRAY8'
  | 'GRAY16'
  | 'RGB24'
  | 'BGR24'
  | 'RGB565'
  | 'RGB555'
  | 'BGRA32'
  | 'BA81'
  | 'GBRG'
  | 'GRBG'
  | 'RGGB'
  | 'MJPEG'
  | 'H264'
  | 'H265'
  | 'VP8'
  | 'unknown';

/** Endpoint transfer types (USB 2.0 §9.6.6, bmAttributes bits 1..0). */
export type TransferType = 'control' | 'isochronous' | 'bulk' | 'interrupt';

/** SuperSpeed endpoint companion descriptor (USB 3.2 §9.6.7). */
export interface SuperSpeedCompanion {
  bMaxBurst: number;
  bmAttributes: number;
  wBytesPerInterval: number;
}

/** Endpoint descriptor (USB 2.0 §9.6.6) with the bandwidth it gives. */
export interface EndpointInfo {
  bEndpointAddress: number;
  bmAttributes: number;
  /** The raw field: bits 10..0 packet size, bits 12..11 additional transactions per microframe. */
  wMaxPacketSize: number;
  bInterval: number;
  transferType: TransferType;
  /** Bytes per transaction: `wMaxPacketSize & 0x7ff`. */
  maxPacketSize: number;
  /** Transactions per (micro)frame: 1 + bits 12..11 of wMaxPacketSize (high-bandwidth endpoints). */
  transactionsPerMicroframe: number;
  /**
   * Bytes the endpoint may move per service interval: `wBytesPerInterval` of the SuperSpeed
   * companion when present, otherwise `maxPacketSize * transactionsPerMicroframe`.
   */
  bytesPerInterval: number;
  superSpeed?: SuperSpeedCompanion;
}

/** One alternate setting of a VideoStreaming interface (USB 2.0 §9.6.5). */
export interface AlternateSetting {
  bAlternateSetting: number;
  endpoints: EndpointInfo[];
}

/** A frame interval set: discrete values or a continuous range, all in 100 ns units (UVC 1.5 §3.9.2.2). */
export type FrameIntervals =
  | { kind: 'discrete'; values: number[] }
  | { kind: 'continuous'; min: number; max: number; step: number };

/** VS_FRAME_UNCOMPRESSED / VS_FRAME_MJPEG / VS_FRAME_FRAME_BASED descriptor (UVC 1.5 §3.9.2.2 and payload specs). */
export interface FrameDescriptor {
  bDescriptorSubtype: number;
  bFrameIndex: number;
  bmCapabilities: number;
  wWidth: number;
  wHeight: number;
  dwMinBitRate: number;
  dwMaxBitRate: number;
  /** Absent in frame-based frames, which carry dwBytesPerLine instead. */
  dwMaxVideoFrameBufferSize?: number;
  dwDefaultFrameInterval: number;
  /** Frame-based frames only. */
  dwBytesPerLine?: number;
  intervals: FrameIntervals;
}

/** VS_COLORFORMAT descriptor (UVC 1.5 §3.9.2.6). */
export interface ColorMatching {
  bColorPrimaries: number;
  bTransferCharacteristics: number;
  bMatrixCoefficients: number;
}

/** VS_STILL_IMAGE_FRAME descriptor (UVC 1.5 §3.9.2.5). */
export interface StillImageFrame {
  bEndpointAddress: number;
  sizes: Array<{ wWidth: number; wHeight: number }>;
  bCompression: number[];
}

/** The kinds of format descriptor webuvc parses, by VS subtype. */
export type FormatKind = 'uncompressed' | 'mjpeg' | 'frameBased' | 'other';

/** A VS format descriptor with its frames (UVC 1.5 §3.9.2.3 and the payload specifications). */
export interface FormatDescriptor {
  kind: FormatKind;
  bDescriptorSubtype: number;
  bFormatIndex: number;
  /** GUID in its string form (`32595559-0000-0010-8000-00aa00389b71`); absent for MJPEG. */
  guidFormat?: string;
  pixelFormat: PixelFormat;
  /** Uncompressed and frame-based formats. */
  bBitsPerPixel?: number;
  /** MJPEG only: bit 0 fixed-size samples. */
  bmFlags?: number;
  /** Frame-based only. */
  bVariableSize?: number;
  bDefaultFrameIndex: number;
  bAspectRatioX: number;
  bAspectRatioY: number;
  bmInterlaceFlags: number;
  bCopyProtect: number;
  frames: FrameDescriptor[];
  stillFrames: StillImageFrame[];
  colorMatching?: ColorMatching;
}

/** VS_INPUT_HEADER descriptor (UVC 1.5 §3.9.2.1). */
export interface InputHeader {
  bNumFormats: number;
  bEndpointAddress: number;
  bmInfo: number;
  bTerminalLink: number;
  /** 0 none, 1 from the video stream, 2 dedicated still pipe in the video endpoint, 3 still-image endpoint. */
  bStillCaptureMethod: number;
  bTriggerSupport: number;
  bTriggerUsage: number;
  /** One control bitmap per format. */
  bmaControls: Uint8Array[];
}

/** A VideoStreaming interface with every alternate setting. */
export interface VideoStreamingInterface {
  bInterfaceNumber: number;
  inputHeader?: InputHeader;
  /** Output (host to device) streams carry an output header instead; webuvc only streams input. */
  outputHeader?: { bNumFormats: number; bEndpointAddress: number; bTerminalLink: number };
  formats: FormatDescriptor[];
  /** Still-image frame descriptors that follow no particular format (rare). */
  stillFrames: StillImageFrame[];
  alternateSettings: AlternateSetting[];
}

/** VC_INPUT_TERMINAL (UVC 1.5 §3.7.2.1, camera terminal §3.7.2.3). */
export interface InputTerminal {
  type: 'inputTerminal';
  bTerminalID: number;
  wTerminalType: number;
  bAssocTerminal: number;
  iTerminal: number;
  /** Camera terminals (wTerminalType 0x0201) only. */
  camera?: {
    wObjectiveFocalLengthMin: number;
    wObjectiveFocalLengthMax: number;
    wOcularFocalLength: number;
    bmControls: Uint8Array;
  };
}

/** VC_OUTPUT_TERMINAL (UVC 1.5 §3.7.2.2). */
export interface OutputTerminal {
  type: 'outputTerminal';
  bTerminalID: number;
  wTerminalType: number;
  bAssocTerminal: number;
  bSourceID: number;
  iTerminal: number;
}

/** VC_SELECTOR_UNIT (UVC 1.5 §3.7.2.4). */
export interface SelectorUnit {
  type: 'selectorUnit';
  bUnitID: number;
  baSourceID: number[];
  iSelector: number;
}

/** VC_PROCESSING_UNIT (UVC 1.5 §3.7.2.5); 11 bytes in UVC 1.0, 12 or 13 later. */
export interface ProcessingUnit {
  type: 'processingUnit';
  bUnitID: number;
  bSourceID: number;
  wMaxMultiplier: number;
  bmControls: Uint8Array;
  iProcessing: number;
  /** Present when the descriptor is long enough (UVC 1.1 and later). */
  bmVideoStandards?: number;
}

/** VC_EXTENSION_UNIT (UVC 1.5 §3.7.2.7). */
export interface ExtensionUnit {
  type: 'extensionUnit';
  bUnitID: number;
  guidExtensionCode: string;
  bNumControls: number;
  baSourceID: number[];
  bmControls: Uint8Array;
  iExtension: number;
}

/** VC_ENCODING_UNIT (UVC 1.5 §3.7.2.6). */
export interface EncodingUnit {
  type: 'encodingUnit';
  bUnitID: number;
  bSourceID: number;
  iEncoding: number;
  bmControls: Uint8Array;
  bmControlsRuntime: Uint8Array;
}

/** Any terminal or unit of the VideoControl interface. */
export type Entity =
  | InputTerminal
  | OutputTerminal
  | SelectorUnit
  | ProcessingUnit
  | ExtensionUnit
  | EncodingUnit;

/** The VideoControl interface: header, entities and status endpoint (UVC 1.5 §3.7). */
export interface VideoControlInterface {
  bInterfaceNumber: number;
  /** bInterfaceProtocol: 0 before UVC 1.5, 1 (PC_PROTOCOL_15) for UVC 1.5. */
  bInterfaceProtocol: number;
  /** Binary-coded decimal: 0x0100, 0x0110, 0x0150. */
  bcdUVC: number;
  dwClockFrequency: number;
  baInterfaceNr: number[];
  entities: Entity[];
  statusEndpoint?: EndpointInfo;
}

/** One video function: a VideoControl interface and the VideoStreaming interfaces it lists. */
export interface VideoFunction {
  videoControl: VideoControlInterface;
  streaming: VideoStreamingInterface[];
}

/** Everything a configuration descriptor says about the cameras in it. */
export interface CameraModel {
  /** Present when the device descriptor was available. */
  device?: DeviceDescriptor;
  bConfigurationValue: number;
  bmAttributes: number;
  bMaxPower: number;
  wTotalLength: number;
  /** Usually one; a device may expose several cameras. */
  functions: VideoFunction[];
  /** Repairs applied to malformed descriptors, one sentence each (see the README). */
  repairs: string[];
}
