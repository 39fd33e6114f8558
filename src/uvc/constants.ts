/**
 * Constants of the USB 2.0 and UVC 1.5 specifications, grouped by family.
 *
 * @packageDocumentation
 */

/** Standard descriptor types (USB 2.0 §9.4, Table 9-5; USB 3.2 §9.4). */
export const USB_DT = {
  DEVICE: 0x01,
  CONFIGURATION: 0x02,
  STRING: 0x03,
  INTERFACE: 0x04,
  ENDPOINT: 0x05,
  DEVICE_QUALIFIER: 0x06,
  OTHER_SPEED_CONFIGURATION: 0x07,
  INTERFACE_ASSOCIATION: 0x0b,
  SS_ENDPOINT_COMPANION: 0x30,
} as const;

/** Standard requests (USB 2.0 §9.4, Table 9-4). */
export const USB_REQ = {
  GET_STATUS: 0x00,
  CLEAR_FEATURE: 0x01,
  SET_FEATURE: 0x03,
  SET_ADDRESS: 0x05,
  GET_DESCRIPTOR: 0x06,
  SET_DESCRIPTOR: 0x07,
  GET_CONFIGURATION: 0x08,
  SET_CONFIGURATION: 0x09,
  GET_INTERFACE: 0x0a,
  SET_INTERFACE: 0x0b,
} as const;

/** Video interface class code and subclasses (UVC 1.5 Appendix A.1–A.3). */
export const CC_VIDEO = 0x0e;
export const SC = {
  UNDEFINED: 0x00,
  VIDEOCONTROL: 0x01,
  VIDEOSTREAMING: 0x02,
  VIDEO_INTERFACE_COLLECTION: 0x03,
} as const;

/** Class-specific descriptor types (UVC 1.5 Appendix A.4). */
export const CS = {
  UNDEFINED: 0x20,
  DEVICE: 0x21,
  CONFIGURATION: 0x22,
  STRING: 0x23,
  INTERFACE: 0x24,
  ENDPOINT: 0x25,
} as const;

/** VideoControl interface descriptor subtypes (UVC 1.5 Appendix A.5). */
export const VC = {
  DESCRIPTOR_UNDEFINED: 0x00,
  HEADER: 0x01,
  INPUT_TERMINAL: 0x02,
  OUTPUT_TERMINAL: 0x03,
  SELECTOR_UNIT: 0x04,
  PROCESSING_UNIT: 0x05,
  EXTENSION_UNIT: 0x06,
  ENCODING_UNIT: 0x07,
} as const;

/** VideoStreaming interface descriptor subtypes (UVC 1.5 Appendix A.6). */
export const VS = {
  UNDEFINED: 0x00,
  INPUT_HEADER: 0x01,
  OUTPUT_HEADER: 0x02,
  STILL_IMAGE_FRAME: 0x03,
  FORMAT_UNCOMPRESSED: 0x04,
  FRAME_UNCOMPRESSED: 0x05,
  FORMAT_MJPEG: 0x06,
  FRAME_MJPEG: 0x07,
  FORMAT_MPEG2TS: 0x0a,
  FORMAT_DV: 0x0c,
  COLORFORMAT: 0x0d,
  FORMAT_FRAME_BASED: 0x10,
  FRAME_FRAME_BASED: 0x11,
  FORMAT_STREAM_BASED: 0x12,
  FORMAT_H264: 0x13,
  FRAME_H264: 0x14,
  FORMAT_H264_SIMULCAST: 0x15,
  FORMAT_VP8: 0x16,
  FRAME_VP8: 0x17,
  FORMAT_VP8_SIMULCAST: 0x18,
} as const;

/** Class-specific endpoint descriptor subtypes (UVC 1.5 Appendix A.7). */
export const EP = {
  UNDEFINED: 0x00,
  GENERAL: 0x01,
  ENDPOINT: 0x02,
  INTERRUPT: 0x03,
} as const;

/** Class-specific request codes (UVC 1.5 Appendix A.8). */
export const UVC_REQ = {
  RC_UNDEFINED: 0x00,
  SET_CUR: 0x01,
  SET_CUR_ALL: 0x11,
  GET_CUR: 0x81,
  GET_MIN: 0x82,
  GET_MAX: 0x83,
  GET_RES: 0x84,
  GET_LEN: 0x85,
  GET_INFO: 0x86,
  GET_DEF: 0x87,
  GET_CUR_ALL: 0x91,
  GET_MIN_ALL: 0x92,
  GET_MAX_ALL: 0x93,
  GET_RES_ALL: 0x94,
  GET_DEF_ALL: 0x97,
} as const;

/** VideoControl interface control selectors (UVC 1.5 Appendix A.9.1). */
export const VC_CONTROL = {
  VIDEO_POWER_MODE_CONTROL: 0x01,
  REQUEST_ERROR_CODE_CONTROL: 0x02,
} as const;

/** VideoStreaming interface control selectors (UVC 1.5 Appendix A.9.8). */
export const VS_CONTROL = {
  PROBE_CONTROL: 0x01,
  COMMIT_CONTROL: 0x02,
  STILL_PROBE_CONTROL: 0x03,
  STILL_COMMIT_CONTROL: 0x04,
  STILL_IMAGE_TRIGGER_CONTROL: 0x05,
  STREAM_ERROR_CODE_CONTROL: 0x06,
  GENERATE_KEY_FRAME_CONTROL: 0x07,
  UPDATE_FRAME_SEGMENT_CONTROL: 0x08,
  SYNCH_DELAY_CONTROL: 0x09,
} as const;

/** Terminal types (UVC 1.5 Appendix B). */
export const TT = {
  VENDOR_SPECIFIC: 0x0100,
  STREAMING: 0x0101,
  ITT_VENDOR_SPECIFIC: 0x0200,
  ITT_CAMERA: 0x0201,
  ITT_MEDIA_TRANSPORT_INPUT: 0x0202,
  OTT_VENDOR_SPECIFIC: 0x0300,
  OTT_DISPLAY: 0x0301,
  OTT_MEDIA_TRANSPORT_OUTPUT: 0x0302,
} as const;

/** Payload header bmHeaderInfo bits (UVC 1.5 §2.4.3.3). */
export const UVC_STREAM = {
  FID: 0x01,
  EOF: 0x02,
  PTS: 0x04,
  SCR: 0x08,
  RES: 0x10,
  STI: 0x20,
  ERR: 0x40,
  EOH: 0x80,
} as const;

/** VC_REQUEST_ERROR_CODE_CONTROL values (UVC 1.5 §4.2.1.2). */
export const UVC_REQUEST_ERROR = {
  NO_ERROR: 0x00,
  NOT_READY: 0x01,
  WRONG_STATE: 0x02,
  POWER: 0x03,
  OUT_OF_RANGE: 0x04,
  INVALID_UNIT: 0x05,
  INVALID_CONTROL: 0x06,
  INVALID_REQUEST: 0x07,
  INVALID_VALUE_WITHIN_RANGE: 0x08,
  UNKNOWN: 0xff,
} as const;

/** Camera Terminal control selectors (UVC 1.5 Appendix A.9.4). */
export const CT = {
  SCANNING_MODE: 0x01,
  AE_MODE: 0x02,
  AE_PRIORITY: 0x03,
  EXPOSURE_TIME_ABSOLUTE: 0x04,
  EXPOSURE_TIME_RELATIVE: 0x05,
  FOCUS_ABSOLUTE: 0x06,
  FOCUS_RELATIVE: 0x07,
  FOCUS_AUTO: 0x08,
  IRIS_ABSOLUTE: 0x09,
  IRIS_RELATIVE: 0x0a,
  ZOOM_ABSOLUTE: 0x0b,
  ZOOM_RELATIVE: 0x0c,
  PANTILT_ABSOLUTE: 0x0d,
  PANTILT_RELATIVE: 0x0e,
  ROLL_ABSOLUTE: 0x0f,
  ROLL_RELATIVE: 0x10,
  PRIVACY: 0x11,
  FOCUS_SIMPLE: 0x12,
  DIGITAL_WINDOW: 0x13,
  REGION_OF_INTEREST: 0x14,
} as const;

/** Processing Unit control selectors (UVC 1.5 Appendix A.9.5). */
export const PU = {
  BACKLIGHT_COMPENSATION: 0x01,
  BRIGHTNESS: 0x02,
  CONTRAST: 0x03,
  GAIN: 0x04,
  POWER_LINE_FREQUENCY: 0x05,
  HUE: 0x06,
  SATURATION: 0x07,
  SHARPNESS: 0x08,
  GAMMA: 0x09,
  WHITE_BALANCE_TEMPERATURE: 0x0a,
  WHITE_BALANCE_TEMPERATURE_AUTO: 0x0b,
  WHITE_BALANCE_COMPONENT: 0x0c,
  WHITE_BALANCE_COMPONENT_AUTO: 0x0d,
  DIGITAL_MULTIPLIER: 0x0e,
  DIGITAL_MULTIPLIER_LIMIT: 0x0f,
  HUE_AUTO: 0x10,
  ANALOG_VIDEO_STANDARD: 0x11,
  ANALOG_LOCK_STATUS: 0x12,
  CONTRAST_AUTO: 0x13,
} as const;

/** Auto-Exposure Mode bits of CT_AE_MODE_CONTROL (UVC 1.5 §4.2.2.1.2). */
export const AE_MODE = {
  MANUAL: 0x01,
  AUTO: 0x02,
  SHUTTER_PRIORITY: 0x04,
  APERTURE_PRIORITY: 0x08,
} as const;

/** PU_POWER_LINE_FREQUENCY_CONTROL values (UVC 1.5 §4.2.2.3.6); 3 (auto) is new in UVC 1.5. */
export const POWER_LINE_FREQUENCY = { DISABLED: 0, HZ_50: 1, HZ_60: 2, AUTO: 3 } as const;

/** GET_INFO bits (UVC 1.5 §4.1.2, Table 4-3). */
export const CONTROL_INFO = {
  GET: 0x01,
  SET: 0x02,
  DISABLED_BY_AUTO: 0x04,
  AUTOUPDATE: 0x08,
  ASYNCHRONOUS: 0x10,
  /** UVC 1.5: disabled because it conflicts with the committed stream. */
  DISABLED_BY_COMMIT: 0x20,
} as const;

/** bStatusType of status interrupt packets, D3..0 (UVC 1.5 §2.4.2.2, Table 2-1). */
export const STATUS_TYPE = { VIDEO_CONTROL: 0x01, VIDEO_STREAMING: 0x02 } as const;

/** bEvent of VideoControl status packets (UVC 1.5 Table 2-2). */
export const VC_STATUS_EVENT = { CONTROL_CHANGE: 0x00 } as const;

/** bEvent of VideoStreaming status packets: 0 button press, 1–255 a stream error (Table 2-3). */
export const VS_STATUS_EVENT = { BUTTON_PRESS: 0x00 } as const;

/** bAttribute of control-change status packets (UVC 1.5 Table 2-2). */
export const STATUS_ATTRIBUTE = {
  VALUE: 0x00,
  INFO: 0x01,
  FAILURE: 0x02,
  MIN: 0x03,
  MAX: 0x04,
} as const;

/** bValue of a button-press status packet (UVC 1.5 Table 2-3). */
export const BUTTON = { RELEASED: 0x00, PRESSED: 0x01 } as const;

/** bStillCaptureMethod of the VideoStreaming input header (UVC 1.5 §3.9.2.1, §2.4.2.4). */
export const STILL_METHOD = {
  NONE: 0,
  /** A frame of the video stream. */
  VIDEO_FRAME: 1,
  /** A still sent in the video pipe. */
  VIDEO_PIPE: 2,
  /** A still sent on the bulk still-image endpoint. */
  STILL_PIPE: 3,
} as const;

/** bTrigger of VS_STILL_IMAGE_TRIGGER_CONTROL (UVC 1.5 §4.3.1.4). */
export const STILL_TRIGGER = {
  NORMAL: 0,
  TRANSMIT: 1,
  TRANSMIT_BULK: 2,
  ABORT: 3,
} as const;

/** bTriggerUsage of the VideoStreaming input header (UVC 1.5 §3.9.2.1). */
export const TRIGGER_USAGE = {
  /** The host starts a still capture on a button press. */
  INITIATE_STILL: 0,
  /** A general-purpose button: the host only reports it. */
  GENERAL_PURPOSE: 1,
} as const;
