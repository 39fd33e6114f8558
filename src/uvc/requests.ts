/**
 * UVC class-specific requests (UVC 1.5 §4.1): pure builders of the setup packet, plus
 * a thin helper layer that performs one control transfer on a W3C WebUSB `USBDevice`
 * and turns its outcome into bytes or a typed error.
 *
 * The builders do no I/O. {@link getControl} and {@link setControl} do exactly one
 * transfer each and never retry: retrying, falling back and mapping to camera errors
 * belong to the caller, which knows what the request was for.
 *
 * @packageDocumentation
 */

import { CameraError, CameraErrorCode, classifyUsbError, fromUsbError } from '../errors.js';
import { UVC_REQ, VC_CONTROL, VS_CONTROL } from './constants.js';

/** A UVC request code from {@link UVC_REQ}. */
export type UvcRequestCode = (typeof UVC_REQ)[keyof typeof UVC_REQ];

/**
 * Setup parameters of a UVC class request addressed to an interface or to an entity on it
 * (UVC 1.5 §4.1.1 and §4.1.2).
 *
 * `control` names the control for messages ("VS_PROBE_CONTROL"); it is never sent.
 */
export interface UvcControlParameters extends USBControlTransferParameters {
  control?: string;
}

/** Limits of wLength and of one-byte setup fields (USB 2.0 §9.3). */
const SETUP_LIMITS = {
  MAX_LENGTH: 0xffff,
  MAX_BYTE: 0xff,
} as const;

/** Why a transfer that completed still did not give the caller what it needed. */
export type UvcRequestFailure = 'stall' | 'babble' | 'short';

/** What a {@link UvcRequestError} keeps besides the request. */
export interface RequestErrorDetails {
  sent?: Uint8Array;
  received?: Uint8Array;
  /** Bytes the caller needed, for short transfers. */
  expectedLength?: number;
  /** Bytes the device took, for short OUT transfers. */
  transferred?: number;
  cause?: unknown;
}

/**
 * A UVC request that the device refused (STALL), overran (babble) or answered with fewer
 * bytes than the caller can use.
 *
 * The message contains the request's description and the word that {@link classifyUsbError}
 * maps (`STALL`, `babble`), so `fromUsbError(error, what)` turns it into the right
 * CameraError code through the one mapping table.
 */
export class UvcRequestError extends Error {
  override readonly name = 'UvcRequestError';
  /** What the request was: "GET_CUR(VS_PROBE_CONTROL) on interface 1". */
  readonly description: string;
  /** The setup parameters as sent. */
  readonly setup: USBControlTransferParameters;
  readonly failure: UvcRequestFailure;
  /** The data stage the host sent (SET requests). */
  readonly sent?: Uint8Array;
  /** The bytes the device answered (short answers). */
  readonly received?: Uint8Array;

  constructor(
    description: string,
    setup: USBControlTransferParameters,
    failure: UvcRequestFailure,
    details: RequestErrorDetails = {},
  ) {
    super(composeRequestMessage(description, failure, details), optionsWithCause(details.cause));
    this.description = description;
    this.setup = setup;
    this.failure = failure;
    if (details.sent !== undefined) this.sent = details.sent;
    if (details.received !== undefined) this.received = details.received;
  }
}

/**
 * Setup parameters for a request to a VideoStreaming interface control (UVC 1.5 §4.1.1,
 * §4.3): wValue = selector << 8, wIndex = interface number.
 *
 * `request` defaults to GET_CUR; {@link getControl} and {@link setControl} set it per call.
 */
export function vsRequest(
  interfaceNumber: number,
  selector: number,
  request: UvcRequestCode = UVC_REQ.GET_CUR,
): UvcControlParameters {
  checkByte('interfaceNumber', interfaceNumber);
  checkByte('selector', selector);

  return {
    requestType: 'class',
    recipient: 'interface',
    request,
    value: selector << 8,
    index: interfaceNumber,
    control: controlName(VS_CONTROL, 'VS_', selector),
  };
}

/**
 * Setup parameters for a request to a VideoControl interface control (entity 0) or to a
 * control of a unit or terminal on it (UVC 1.5 §4.1.1, §4.2): wValue = selector << 8,
 * wIndex = entity ID << 8 | interface number.
 */
export function vcRequest(
  interfaceNumber: number,
  entityId: number,
  selector: number,
  request: UvcRequestCode = UVC_REQ.GET_CUR,
): UvcControlParameters {
  checkByte('interfaceNumber', interfaceNumber);
  checkByte('entityId', entityId);
  checkByte('selector', selector);

  const control =
    entityId === 0
      ? controlName(VC_CONTROL, 'VC_', selector)
      : `selector ${hexByte(selector)} of entity ${entityId}`;
  return {
    requestType: 'class',
    recipient: 'interface',
    request,
    value: selector << 8,
    index: (entityId << 8) | interfaceNumber,
    control,
  };
}

/**
 * "GET_CUR(VS_PROBE_CONTROL) on interface 1": the request named for messages and logs.
 * Parameters not built by {@link vsRequest}/{@link vcRequest} are named by their numbers.
 */
export function describeRequest(params: UvcControlParameters, request = params.request): string {
  const interfaceNumber = params.index & SETUP_LIMITS.MAX_BYTE;
  const control =
    params.control ??
    `selector ${hexByte(params.value >> 8)} of entity ${params.index >> 8}`;
  return `${requestName(request)}(${control}) on interface ${interfaceNumber}`;
}

/** Options of {@link getControl}. */
export interface GetControlOptions {
  /**
   * The fewest bytes the caller can use (default: `length`). Fewer bytes end in a
   * {@link UvcRequestError} with failure `short`; between this and `length` the answer is
   * returned as received, for the caller to zero-fill (some UVC probe answers are short).
   */
  minLength?: number;
}

/**
 * Perform a class GET request (GET_CUR, GET_MIN, GET_MAX, GET_RES, GET_LEN, GET_INFO, GET_DEF)
 * and return the answer's bytes (a view of the transport's buffer, `length` bytes at most).
 *
 * @throws UvcRequestError when the device STALLs (status "stall", or a transport error that
 *   means a stall), babbles, or answers fewer than `minLength` bytes.
 * @throws CameraError (through `fromUsbError`) for every other transport failure, e.g.
 *   7400201 when the device is gone.
 */
export async function getControl(
  device: USBDevice,
  params: UvcControlParameters,
  request: UvcRequestCode,
  length: number,
  options: GetControlOptions = {},
): Promise<Uint8Array> {
  const minLength = options.minLength ?? length;
  checkLength('length', length, 1);
  checkLength('minLength', minLength, 0);
  const setup = toSetup(params, request);
  const description = describeRequest(params, request);

  let result: USBInTransferResult;
  try {
    result = await device.controlTransferIn(setup, length);
  } catch (error) {
    throw transportFailure(error, description, setup, {});
  }

  // A completed transfer still carries the device's verdict in its status (WebUSB §7.3).
  if (result.status !== 'ok') {
    throw new UvcRequestError(description, setup, result.status === 'stall' ? 'stall' : 'babble');
  }
  const bytes = viewOf(result.data);
  if (bytes.length > length) {
    const details = { received: bytes, expectedLength: length };
    throw new UvcRequestError(description, setup, 'babble', details);
  }
  if (bytes.length < minLength) {
    const details = { received: bytes, expectedLength: minLength };
    throw new UvcRequestError(description, setup, 'short', details);
  }
  return bytes;
}

/**
 * Perform a class SET request with `data` as its data stage. The request is SET_CUR unless
 * `params.request` is SET_CUR_ALL (UVC 1.5 §4.1.1). `data` must not live in a
 * SharedArrayBuffer, which WebUSB refuses.
 *
 * @throws UvcRequestError when the device STALLs or accepts fewer bytes than sent.
 * @throws CameraError (through `fromUsbError`) for every other transport failure.
 */
export async function setControl(
  device: USBDevice,
  params: UvcControlParameters,
  data: Uint8Array<ArrayBuffer>,
): Promise<void> {
  checkLength('data.length', data.length, 0);
  const request = params.request === UVC_REQ.SET_CUR_ALL ? UVC_REQ.SET_CUR_ALL : UVC_REQ.SET_CUR;
  const setup = toSetup(params, request);
  const description = describeRequest(params, request);

  let result: USBOutTransferResult;
  try {
    result = await device.controlTransferOut(setup, data);
  } catch (error) {
    throw transportFailure(error, description, setup, { sent: data });
  }

  if (result.status !== 'ok') {
    const failure = result.status === 'stall' ? 'stall' : 'babble';
    throw new UvcRequestError(description, setup, failure, { sent: data });
  }
  if (result.bytesWritten < data.length) {
    throw new UvcRequestError(description, setup, 'short', {
      sent: data,
      expectedLength: data.length,
      transferred: result.bytesWritten,
    });
  }
}

/**
 * True when `error` means the device STALLed a request: a {@link UvcRequestError} with
 * failure `stall`, a CameraError caused by one, or a transport error classified as a stall.
 */
export function isStall(error: unknown): boolean {
  if (error instanceof UvcRequestError) return error.failure === 'stall';
  const cause = (error as { cause?: unknown } | null)?.cause;
  if (cause instanceof UvcRequestError) return cause.failure === 'stall';
  return error instanceof Error && classifyUsbError(error) === 'stall';
}

/** Bytes as spaced lower-case hex, as captures print them: `01 00 02 04`. */
export function formatBytes(bytes: Uint8Array): string {
  return Array.from(bytes, (byte) => byte.toString(16).padStart(2, '0')).join(' ');
}

function toSetup(params: UvcControlParameters, request: number): USBControlTransferParameters {
  // Only the five WebUSB members go to the transport; `control` is ours.
  return {
    requestType: params.requestType,
    recipient: params.recipient,
    request,
    value: params.value,
    index: params.index,
  };
}

function transportFailure(
  error: unknown,
  description: string,
  setup: USBControlTransferParameters,
  details: { sent?: Uint8Array },
): Error {
  // Some transports reject instead of reporting status "stall" (libusb PIPE); keep one type.
  if (classifyUsbError(error) === 'stall') {
    return new UvcRequestError(description, setup, 'stall', { ...details, cause: error });
  }
  return fromUsbError(error, description);
}

function viewOf(data: DataView | undefined): Uint8Array {
  if (data === undefined) return new Uint8Array(0);
  return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
}

function composeRequestMessage(
  description: string,
  failure: UvcRequestFailure,
  details: RequestErrorDetails,
): string {
  const parts = [description];
  if (failure === 'stall') parts.push('the device answered STALL');
  if (failure === 'babble') parts.push('the device sent more data than asked (babble)');
  if (failure === 'short') {
    const got = details.transferred ?? details.received?.length ?? 0;
    const needed = details.expectedLength ?? '?';
    parts.push(`the device transferred ${got} bytes where ${needed} were needed`);
  }
  if (details.sent !== undefined) parts.push(`sent ${formatBytes(details.sent)}`);
  if (details.received !== undefined && details.received.length > 0) {
    parts.push(`received ${formatBytes(details.received)}`);
  }
  return parts.join('; ');
}

function optionsWithCause(cause: unknown): ErrorOptions | undefined {
  return cause === undefined ? undefined : { cause };
}

function requestName(request: number): string {
  for (const [name, code] of Object.entries(UVC_REQ)) {
    if (code === request) return name;
  }
  return `request ${hexByte(request)}`;
}

function controlName(family: Record<string, number>, prefix: string, selector: number): string {
  for (const [name, code] of Object.entries(family)) {
    if (code === selector) return prefix + name;
  }
  return `${prefix}selector ${hexByte(selector)}`;
}

function hexByte(value: number): string {
  return `0x${value.toString(16).padStart(2, '0')}`;
}

function checkByte(name: string, value: number): void {
  if (!Number.isInteger(value) || value < 0 || value > SETUP_LIMITS.MAX_BYTE) {
    throw new CameraError(CameraErrorCode.INVALID_ARGUMENT, `UVC request ${name} out of range`, {
      expected: 'an integer in 0..255',
      found: value,
    });
  }
}

function checkLength(name: string, value: number, min: number): void {
  if (!Number.isInteger(value) || value < min || value > SETUP_LIMITS.MAX_LENGTH) {
    throw new CameraError(CameraErrorCode.INVALID_ARGUMENT, `UVC request ${name} out of range`, {
      expected: `an integer in ${min}..65535`,
      found: value,
    });
  }
}
