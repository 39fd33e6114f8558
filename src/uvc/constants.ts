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
