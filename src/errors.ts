/**
 * CameraError and the one table that maps causes to OpenHarmony camera error codes.
 *
 * Internal code throws CameraError with a cause it knows; the transport layer turns libusb
 * errors and WebUSB DOMExceptions into CameraError through {@link fromUsbError}.
 *
 * @packageDocumentation
 */
import { UVC_REQUEST_ERROR } from './uvc/constants.js';

/** The camera error codes of the OpenHarmony camera framework (`CameraErrorCode`). */
export const CameraErrorCode = {
  INVALID_ARGUMENT: 7400101,
  OPERATION_NOT_ALLOWED: 7400102,
  SESSION_NOT_CONFIG: 7400103,
  SESSION_NOT_RUNNING: 7400104,
  SESSION_CONFIG_LOCKED: 7400105,
  DEVICE_SETTING_LOCKED: 7400106,
  CONFLICT_CAMERA: 7400107,
  DEVICE_DISABLED: 7400108,
  DEVICE_PREEMPTED: 7400109,
  UNRESOLVED_CONFLICTS_WITH_CURRENT_CONFIGURATIONS: 7400110,
  SERVICE_FATAL_ERROR: 7400201,
} as const;

/** One of the codes in {@link CameraErrorCode}. */
export type CameraErrorCode = (typeof CameraErrorCode)[keyof typeof CameraErrorCode];

/** The name of a code, e.g. `CONFLICT_CAMERA` for 7400107. */
export function errorCodeName(code: number): string {
  for (const [name, value] of Object.entries(CameraErrorCode)) {
    if (value === code) return name;
  }
  return 'UNKNOWN';
}

/** Details a CameraError may carry so a caller can act without parsing the message. */
export interface CameraErrorDetails {
  /** What was expected, for a person. */
  expected?: unknown;
  /** What was found, for a person. */
  found?: unknown;
  /** The underlying error: a libusb error, a DOMException, a UVC request error code. */
  cause?: unknown;
}

/**
 * The only error webuvc throws across its public API.
 *
 * `code` is an OpenHarmony camera error code; the message says what was expected and
 * what was found; `cause` keeps the underlying error.
 */
export class CameraError extends Error {
  override readonly name = 'CameraError';
  readonly code: CameraErrorCode;
  readonly expected?: unknown;
  readonly found?: unknown;

  constructor(code: CameraErrorCode, message: string, details: CameraErrorDetails = {}) {
    super(composeMessage(message, details), details.cause === undefined ? undefined : { cause: details.cause });
    this.code = code;
    if ('expected' in details) this.expected = details.expected;
    if ('found' in details) this.found = details.found;
  }

  /** `CONFLICT_CAMERA` for 7400107. */
  get codeName(): string {
    return errorCodeName(this.code);
  }
}

function composeMessage(message: string, details: CameraErrorDetails): string {
  const parts = [message];
  if ('expected' in details) parts.push(`expected ${describe(details.expected)}`);
  if ('found' in details) parts.push(`found ${describe(details.found)}`);
  return parts.join('; ');
}

function describe(value: unknown): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'bigint' || typeof value === 'boolean') return String(value);
  try {
    return JSON.stringify(value);
  } catch {
    return String(value);
  }
}

/** True when `error` is a CameraError, optionally with the given code. */
export function isCameraError(error: unknown, code?: CameraErrorCode): error is CameraError {
  return error instanceof CameraError && (code === undefined || error.code === code);
}

/**
 * Why a USB request failed, independent of the transport that reported it.
 *
 * - `stall`: the device STALLed the request (libusb PIPE, WebUSB status "stall").
 * - `babble`: the device sent more than asked (libusb OVERFLOW, WebUSB status "babble").
 * - `protocol`: CRC, bit-stuffing or handshake failure (Linux EPROTO, libusb IO during a transfer).
 * - `disconnected`: the device is gone (libusb NO_DEVICE, WebUSB NotFoundError).
 * - `busy`: another handle owns the interface (libusb BUSY, WebUSB NetworkError on claim).
 * - `access`: no permission or a protected class (libusb ACCESS, WebUSB SecurityError).
 * - `timeout`: the transfer did not complete in time (libusb TIMEOUT).
 * - `noBandwidth`: the bus cannot reserve the bandwidth (Linux ENOSPC on SET_INTERFACE).
 * - `invalidState`: the handle is closed or not claimed (WebUSB InvalidStateError).
 * - `noMemory`: allocation failed (libusb NO_MEM).
 * - `notSupported`: the operation is not available here (libusb NOT_SUPPORTED).
 * - `other`: anything else.
 */
export type UsbFailure =
  | 'stall'
  | 'babble'
  | 'protocol'
  | 'disconnected'
  | 'busy'
  | 'access'
  | 'timeout'
  | 'noBandwidth'
  | 'invalidState'
  | 'noMemory'
  | 'notSupported'
  | 'other';

/** The one mapping from a USB failure to a camera error code, with a remedy for the README. */
export const USB_FAILURE_CODES: Record<UsbFailure, { code: CameraErrorCode; remedy: string }> = {
  stall: { code: CameraErrorCode.OPERATION_NOT_ALLOWED, remedy: 'the device refused the request; check the value and the camera state' },
  babble: { code: CameraErrorCode.SERVICE_FATAL_ERROR, remedy: 'the device sent more data than negotiated; reopen the camera' },
  protocol: { code: CameraErrorCode.SERVICE_FATAL_ERROR, remedy: 'a transfer failed on the wire; reset or replug the camera' },
  disconnected: { code: CameraErrorCode.SERVICE_FATAL_ERROR, remedy: 'the camera was unplugged; reconnect it and open it again' },
  busy: { code: CameraErrorCode.CONFLICT_CAMERA, remedy: 'another program or driver uses the camera; close it or detach the kernel driver' },
  access: { code: CameraErrorCode.DEVICE_DISABLED, remedy: 'no permission to open the device; install the udev rule from the README' },
  timeout: { code: CameraErrorCode.SERVICE_FATAL_ERROR, remedy: 'the camera did not answer in time; replug it' },
  noBandwidth: { code: CameraErrorCode.CONFLICT_CAMERA, remedy: 'the bus has no bandwidth left; use another USB port or a lower resolution' },
  invalidState: { code: CameraErrorCode.OPERATION_NOT_ALLOWED, remedy: 'the device is not open or the interface is not claimed' },
  noMemory: { code: CameraErrorCode.SERVICE_FATAL_ERROR, remedy: 'an allocation failed; free memory and retry' },
  notSupported: { code: CameraErrorCode.DEVICE_DISABLED, remedy: 'this platform cannot do the operation' },
  other: { code: CameraErrorCode.SERVICE_FATAL_ERROR, remedy: 'an unexpected USB failure; see the cause' },
};

/** libusb error numbers (libusb.h `enum libusb_error`) and the failure each one means. */
const LIBUSB_FAILURES: Record<number, UsbFailure> = {
  [-1]: 'protocol', // LIBUSB_ERROR_IO
  [-2]: 'other', // LIBUSB_ERROR_INVALID_PARAM
  [-3]: 'access', // LIBUSB_ERROR_ACCESS
  [-4]: 'disconnected', // LIBUSB_ERROR_NO_DEVICE
  [-5]: 'disconnected', // LIBUSB_ERROR_NOT_FOUND
  [-6]: 'busy', // LIBUSB_ERROR_BUSY
  [-7]: 'timeout', // LIBUSB_ERROR_TIMEOUT
  [-8]: 'babble', // LIBUSB_ERROR_OVERFLOW
  [-9]: 'stall', // LIBUSB_ERROR_PIPE
  [-10]: 'other', // LIBUSB_ERROR_INTERRUPTED
  [-11]: 'noMemory', // LIBUSB_ERROR_NO_MEM
  [-12]: 'notSupported', // LIBUSB_ERROR_NOT_SUPPORTED
};

/** DOMException names that WebUSB implementations raise, and the failure each one means. */
const DOM_EXCEPTION_FAILURES: Record<string, UsbFailure> = {
  NotFoundError: 'disconnected',
  SecurityError: 'access',
  NetworkError: 'busy',
  InvalidStateError: 'invalidState',
  InvalidAccessError: 'other',
  AbortError: 'other',
  NotSupportedError: 'notSupported',
  TimeoutError: 'timeout',
  DataError: 'other',
};

/** Classify any error a USB transport raised. */
export function classifyUsbError(error: unknown): UsbFailure {
  if (error instanceof CameraError) return 'other';
  const record = error as { errno?: unknown; name?: unknown; message?: unknown; code?: unknown } | null;
  if (record && typeof record.errno === 'number' && record.errno in LIBUSB_FAILURES) {
    return LIBUSB_FAILURES[record.errno] ?? 'other';
  }
  if (record && typeof record.name === 'string' && record.name in DOM_EXCEPTION_FAILURES) {
    return DOM_EXCEPTION_FAILURES[record.name] ?? 'other';
  }
  const message = typeof record?.message === 'string' ? record.message : String(error);
  if (/LIBUSB_ERROR_PIPE|stall/i.test(message)) return 'stall';
  if (/LIBUSB_ERROR_NO_DEVICE|disconnected|not found/i.test(message)) return 'disconnected';
  if (/LIBUSB_ERROR_BUSY|EBUSY/i.test(message)) return 'busy';
  if (/LIBUSB_ERROR_ACCESS|EACCES|permission/i.test(message)) return 'access';
  if (/LIBUSB_ERROR_TIMEOUT|timed out/i.test(message)) return 'timeout';
  if (/LIBUSB_ERROR_OVERFLOW|babble/i.test(message)) return 'babble';
  if (/ENOSPC|bandwidth/i.test(message)) return 'noBandwidth';
  if (/LIBUSB_ERROR_IO|EPROTO/i.test(message)) return 'protocol';
  return 'other';
}

/**
 * Wrap a transport error as a CameraError: `what` says what webuvc was doing
 * ("GET_CUR(VS_PROBE_CONTROL) on interface 1").
 */
export function fromUsbError(error: unknown, what: string): CameraError {
  if (error instanceof CameraError) return error;
  const failure = classifyUsbError(error);
  const { code } = USB_FAILURE_CODES[failure];
  const reason = error instanceof Error ? error.message : String(error);
  return new CameraError(code, `${what} failed (${failure}): ${reason}`, { cause: error });
}

// ------------------------------------------------------------------------------------------
// Camera API causes: UVC request error codes, lost cameras and state-machine violations.
//
// This section maps the causes the camera API (src/camera/) meets to the same codes as the
// USB failure table above. It adds to that table and changes none of it.

/**
 * The code for each value of VC_REQUEST_ERROR_CODE_CONTROL (UVC 1.5 §4.2.1.2), the reason a
 * camera gives for a STALLed control request, with a remedy for the README. A value the
 * camera refuses is the caller's to fix (7400101); a camera that cannot act now or does not
 * support the request refuses the operation (7400102). Linux maps the same codes to EBUSY,
 * EILSEQ, EREMOTE, ERANGE and EINVAL.
 */
export const UVC_REQUEST_ERROR_CODES: Readonly<
  Record<number, { name: string; code: CameraErrorCode; remedy: string }>
> = {
  0x00: {
    name: 'no error',
    code: CameraErrorCode.OPERATION_NOT_ALLOWED,
    remedy: 'the camera refused without a reason; check the camera state',
  },
  0x01: {
    name: 'not ready',
    code: CameraErrorCode.OPERATION_NOT_ALLOWED,
    remedy: 'the camera is busy with an earlier request; retry later',
  },
  0x02: {
    name: 'wrong state',
    code: CameraErrorCode.OPERATION_NOT_ALLOWED,
    remedy: 'switch the automatic mode that governs the control off first',
  },
  0x03: {
    name: 'power',
    code: CameraErrorCode.OPERATION_NOT_ALLOWED,
    remedy: 'the camera is in a power state that refuses the request; wake it up',
  },
  0x04: {
    name: 'out of range',
    code: CameraErrorCode.INVALID_ARGUMENT,
    remedy: 'use a value within the control range',
  },
  0x05: {
    name: 'invalid unit',
    code: CameraErrorCode.OPERATION_NOT_ALLOWED,
    remedy: 'the camera has no such unit or terminal',
  },
  0x06: {
    name: 'invalid control',
    code: CameraErrorCode.OPERATION_NOT_ALLOWED,
    remedy: 'the camera does not support the control, although it may advertise it',
  },
  0x07: {
    name: 'invalid request',
    code: CameraErrorCode.OPERATION_NOT_ALLOWED,
    remedy: 'the control does not support the request',
  },
  0x08: {
    name: 'invalid value within range',
    code: CameraErrorCode.INVALID_ARGUMENT,
    remedy: 'use a value the control accepts (a step of its resolution)',
  },
  0xff: {
    name: 'unknown',
    code: CameraErrorCode.OPERATION_NOT_ALLOWED,
    remedy: 'the camera refused for a reason it does not report',
  },
};

/** The table entry for a request error code; `undefined` and values outside it map like 0xFF. */
export function uvcRequestErrorEntry(
  requestErrorCode: number | undefined,
): { name: string; code: CameraErrorCode; remedy: string } {
  const unknown = UVC_REQUEST_ERROR_CODES[UVC_REQUEST_ERROR.UNKNOWN]!;
  if (requestErrorCode === undefined) return unknown;
  return UVC_REQUEST_ERROR_CODES[requestErrorCode] ?? unknown;
}

/**
 * A CameraError for a request the camera STALLed, from the request error code it reported
 * afterwards: the table's code, a message naming the request, the reason and its remedy.
 * `undefined` (not read, or not asked of cameras that lock up when asked) and values outside
 * the table map like 0xFF (unknown): 7400102.
 */
export function fromUvcRequestError(
  requestErrorCode: number | undefined,
  what: string,
  cause?: unknown,
): CameraError {
  const known = requestErrorCode !== undefined;
  const entry = uvcRequestErrorEntry(requestErrorCode);
  const reason = known ? `${entry.name} (${requestErrorCode})` : 'reason not read';
  const message = `${what} was refused by the camera (STALL, ${reason}); ${entry.remedy}`;
  return new CameraError(entry.code, message, {
    expected: 'the camera to accept the request',
    found: known ? `STALL with request error code ${requestErrorCode}` : 'STALL',
    ...(cause === undefined ? {} : { cause }),
  });
}

/**
 * A camera in use that stopped answering: 7400109 when another handle took its interface over
 * (a USB `busy` failure on an interface this process had claimed), otherwise the USB failure
 * table's code (7400201 for an unplugged camera). `error` may be a CameraError wrapping the
 * transport error, as stream readers report it.
 */
export function fromLostCamera(error: unknown, what: string): CameraError {
  let cause = error;
  while (cause instanceof CameraError && cause.cause !== undefined) cause = cause.cause;
  const failure = classifyUsbError(cause);
  const reason = cause instanceof Error ? cause.message : String(cause);
  if (failure === 'busy') {
    const message = `${what}: another user took the camera over`;
    return new CameraError(CameraErrorCode.DEVICE_PREEMPTED, message, {
      expected: 'the interfaces this process claimed',
      found: reason,
      cause: error,
    });
  }
  if (error instanceof CameraError) return error;
  const message = `${what} failed (${failure}): ${reason}`;
  return new CameraError(USB_FAILURE_CODES[failure].code, message, { cause: error });
}

/**
 * State-machine violations of the camera API (sessions, inputs, outputs, the device lock).
 *
 * - `notConfiguring`: a membership change or commit outside beginConfig…commitConfig.
 * - `configLocked`: beginConfig while the session's configuration is open.
 * - `notCommitted`: start, a setting or a frame rate before the configuration is committed.
 * - `notRunning`: capture while the session does not stream.
 * - `settingLocked`: a device setting while another holder locks the device configuration,
 *   or a wait for that lock that timed out.
 * - `inputClosed`: an input the application closed used in a session.
 * - `preempted`: another session of this process took the camera over.
 * - `rateConflict`: outputs whose formats, sizes or frame rates one stream cannot serve.
 * - `invalidTransition`: start twice, stop twice, a closed input reopened, an input closed
 *   twice, a configuration without input or outputs.
 * - `cancelled`: the caller aborted a wait for the device configuration.
 * - `notAllowed`: any other call the object's state does not allow (open twice, an output
 *   added twice, a released manager), where the conformance cases name no other code.
 */
export type StateViolation =
  | 'notConfiguring'
  | 'configLocked'
  | 'notCommitted'
  | 'notRunning'
  | 'settingLocked'
  | 'inputClosed'
  | 'preempted'
  | 'rateConflict'
  | 'invalidTransition'
  | 'cancelled'
  | 'notAllowed';

/** The one mapping from a state-machine violation to a camera error code, with a remedy. */
export const STATE_VIOLATION_CODES: Record<
  StateViolation,
  { code: CameraErrorCode; remedy: string }
> = {
  notConfiguring: { code: CameraErrorCode.OPERATION_NOT_ALLOWED, remedy: 'call beginConfig first' },
  configLocked: {
    code: CameraErrorCode.SESSION_CONFIG_LOCKED,
    remedy: 'commit or release the open configuration first',
  },
  notCommitted: { code: CameraErrorCode.SESSION_NOT_CONFIG, remedy: 'call commitConfig first' },
  notRunning: { code: CameraErrorCode.SESSION_NOT_RUNNING, remedy: 'start the session first' },
  settingLocked: {
    code: CameraErrorCode.DEVICE_SETTING_LOCKED,
    remedy: 'wait for the holder of the device configuration, then retry',
  },
  inputClosed: {
    code: CameraErrorCode.DEVICE_DISABLED,
    remedy: 'create and open a new CameraInput',
  },
  preempted: {
    code: CameraErrorCode.DEVICE_PREEMPTED,
    remedy: 'release the session; the camera belongs to the newer session',
  },
  rateConflict: {
    code: CameraErrorCode.UNRESOLVED_CONFLICTS_WITH_CURRENT_CONFIGURATIONS,
    remedy: 'pick outputs and frame rates one stream can serve',
  },
  invalidTransition: {
    code: CameraErrorCode.SERVICE_FATAL_ERROR,
    remedy: 'check the object state; create a new object where it is single-use',
  },
  cancelled: {
    code: CameraErrorCode.OPERATION_NOT_ALLOWED,
    remedy: 'the caller cancelled the operation',
  },
  notAllowed: {
    code: CameraErrorCode.OPERATION_NOT_ALLOWED,
    remedy: 'check the object state; the call is not allowed in it',
  },
};

/** A CameraError for a state-machine violation (see {@link StateViolation}). */
export function stateViolation(
  kind: StateViolation,
  message: string,
  details: CameraErrorDetails = {},
): CameraError {
  return new CameraError(STATE_VIOLATION_CODES[kind].code, message, details);
}
