/**
 * Status interrupt packets of the VideoControl interrupt endpoint (UVC 1.5 §2.4.2.2): parsing
 * for the host, building for emulated cameras.
 *
 * Every packet starts with bStatusType (D3..0: 1 VideoControl, 2 VideoStreaming) and
 * bOriginator. VideoControl packets (Table 2-2) go on with bEvent (0: control change),
 * bSelector, bAttribute (0 value, 1 info, 2 failure, 3 min, 4 max changed) and bValue, whose
 * length depends on the attribute and the control. VideoStreaming packets (Table 2-3) go on
 * with bEvent (0: button press, 1–255: stream error) and bValue (button: 0 released, 1
 * pressed).
 *
 * Nothing here does I/O.
 *
 * @packageDocumentation
 */
import { CameraError, CameraErrorCode } from '../errors.js';
import {
  BUTTON,
  STATUS_ATTRIBUTE,
  STATUS_TYPE,
  VC_STATUS_EVENT,
  VS_STATUS_EVENT,
} from './constants.js';

/** bStatusType bits that carry the originator kind. */
const STATUS_TYPE_MASK = 0x0f;

/** What changed, by bAttribute. */
export type StatusAttribute = 'value' | 'info' | 'failure' | 'min' | 'max' | 'unknown';

const ATTRIBUTE_NAMES: Readonly<Record<number, StatusAttribute>> = {
  [STATUS_ATTRIBUTE.VALUE]: 'value',
  [STATUS_ATTRIBUTE.INFO]: 'info',
  [STATUS_ATTRIBUTE.FAILURE]: 'failure',
  [STATUS_ATTRIBUTE.MIN]: 'min',
  [STATUS_ATTRIBUTE.MAX]: 'max',
};

/** Fixed offsets of the packets (UVC 1.5 Tables 2-2 and 2-3). */
const PACKET = {
  bStatusType: 0,
  bOriginator: 1,
  bEvent: 2,
  /** VideoControl only. */
  bSelector: 3,
  bAttribute: 4,
  VC_VALUE: 5,
  /** VideoStreaming: bValue follows bEvent. */
  VS_VALUE: 3,
  /** The least a packet needs to say anything: type, originator, event. */
  MIN_LENGTH: 3,
  VC_HEADER: 5,
} as const;

/** A control of a terminal or unit changed (UVC 1.5 Table 2-2). */
export interface ControlChangeStatus {
  type: 'controlChange';
  /** bOriginator: the terminal or unit ID (0 for the interface itself). */
  bOriginator: number;
  bSelector: number;
  bAttribute: number;
  attribute: StatusAttribute;
  /** bValue: the new value, GET_INFO byte, request error code, min or max. */
  bValue: Uint8Array;
}

/** A button was pressed or released (UVC 1.5 Table 2-3, bEvent 0). */
export interface ButtonStatus {
  type: 'button';
  /** bOriginator: the VideoStreaming interface number. */
  bOriginator: number;
  pressed: boolean;
}

/** A streaming interface reported an error (UVC 1.5 Table 2-3, bEvent 1–255). */
export interface StreamErrorStatus {
  type: 'streamError';
  bOriginator: number;
  bEvent: number;
  bValue: Uint8Array;
}

/** A packet of another status type or event (reserved values, vendor data). */
export interface UnknownStatus {
  type: 'unknown';
  bytes: Uint8Array;
}

/** One status interrupt packet. */
export type StatusPacket = ControlChangeStatus | ButtonStatus | StreamErrorStatus | UnknownStatus;

/**
 * Parse one packet. Packets of reserved types or events, and VideoControl packets too short
 * for their fixed fields, come back as `unknown`: devices send vendor data on this endpoint
 * (the Apple iSight does, Linux UVC_QUIRK_BUILTIN_ISIGHT).
 *
 * @throws CameraError INVALID_ARGUMENT when the packet is shorter than 3 bytes.
 */
export function parseStatusPacket(bytes: Uint8Array): StatusPacket {
  if (bytes.length < PACKET.MIN_LENGTH) {
    throw new CameraError(CameraErrorCode.INVALID_ARGUMENT, 'status packet too short', {
      expected: `at least ${PACKET.MIN_LENGTH} bytes (bStatusType, bOriginator, bEvent)`,
      found: `${bytes.length} bytes`,
    });
  }

  const statusType = (bytes[PACKET.bStatusType] ?? 0) & STATUS_TYPE_MASK;
  const bOriginator = bytes[PACKET.bOriginator] ?? 0;
  const bEvent = bytes[PACKET.bEvent] ?? 0;

  if (statusType === STATUS_TYPE.VIDEO_CONTROL) {
    if (bEvent !== VC_STATUS_EVENT.CONTROL_CHANGE || bytes.length < PACKET.VC_HEADER) {
      return { type: 'unknown', bytes: bytes.slice() };
    }
    const bAttribute = bytes[PACKET.bAttribute] ?? 0;
    return {
      type: 'controlChange',
      bOriginator,
      bSelector: bytes[PACKET.bSelector] ?? 0,
      bAttribute,
      attribute: ATTRIBUTE_NAMES[bAttribute] ?? 'unknown',
      bValue: bytes.slice(PACKET.VC_VALUE),
    };
  }

  if (statusType === STATUS_TYPE.VIDEO_STREAMING) {
    const bValue = bytes.slice(PACKET.VS_VALUE);
    if (bEvent === VS_STATUS_EVENT.BUTTON_PRESS) {
      return { type: 'button', bOriginator, pressed: (bValue[0] ?? 0) === BUTTON.PRESSED };
    }
    return { type: 'streamError', bOriginator, bEvent, bValue };
  }

  return { type: 'unknown', bytes: bytes.slice() };
}

/** A control-change packet (what a camera sends; emulated cameras use it). */
export function controlChangePacket(
  bOriginator: number,
  bSelector: number,
  bAttribute: number,
  bValue: Uint8Array,
): Uint8Array {
  const bytes = new Uint8Array(PACKET.VC_HEADER + bValue.length);
  bytes[PACKET.bStatusType] = STATUS_TYPE.VIDEO_CONTROL;
  bytes[PACKET.bOriginator] = bOriginator;
  bytes[PACKET.bEvent] = VC_STATUS_EVENT.CONTROL_CHANGE;
  bytes[PACKET.bSelector] = bSelector;
  bytes[PACKET.bAttribute] = bAttribute;
  bytes.set(bValue, PACKET.VC_VALUE);
  return bytes;
}

/** A button-press packet of VideoStreaming interface `interfaceNumber`. */
export function buttonPacket(interfaceNumber: number, pressed: boolean): Uint8Array {
  return Uint8Array.of(
    STATUS_TYPE.VIDEO_STREAMING,
    interfaceNumber,
    VS_STATUS_EVENT.BUTTON_PRESS,
    pressed ? BUTTON.PRESSED : BUTTON.RELEASED,
  );
}
