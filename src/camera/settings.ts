/**
 * Device settings of the OpenHarmony session API (exposure mode, focus mode, zoom ratio) on
 * UVC Camera Terminal controls (UVC 1.5 §4.2.2.1):
 *
 * - exposure mode ↔ Auto-Exposure Mode (CT_AE_MODE_CONTROL, a one-bit-per-mode bitmap whose
 *   GET_RES lists the modes the camera supports);
 * - focus mode ↔ Focus, Auto (CT_FOCUS_AUTO_CONTROL) and the presence of a manual focus
 *   control;
 * - zoom ratio ↔ Zoom (Absolute) (CT_ZOOM_ABSOLUTE_CONTROL): the ratio is the focal length over
 *   the smallest focal length.
 *
 * What a camera supports is read once when it opens ({@link readControls}); controls that
 * STALL these reads are taken as absent (fixtures/bugs.md §10). A STALLed SET_CUR is explained
 * by the request error code the camera reports afterwards (VC_REQUEST_ERROR_CODE_CONTROL),
 * except on cameras with the `noErrorCodeQuery` quirk (fixtures/bugs.md §8), and mapped
 * through `fromUvcRequestError`.
 *
 * @packageDocumentation
 */
import { CameraError, CameraErrorCode, fromUsbError, fromUvcRequestError } from '../errors.js';
import { readU16LE } from '../uvc/bytes.js';
import { UVC_REQ, VC_CONTROL } from '../uvc/constants.js';
import { AE_MODE, advertisedControls, type ControlDefinition } from '../uvc/controls.js';
import type { VideoFunction } from '../uvc/model.js';
import type { DeviceQuirks } from '../uvc/quirks.js';
import {
  UvcRequestError,
  describeRequest,
  getControl,
  setControl,
  vcRequest,
  type UvcRequestCode,
} from '../uvc/requests.js';
import { ExposureMode, FocusMode } from './enums.js';

/** Focus, Auto values (UVC 1.5 §4.2.2.1.9). */
const FOCUS_AUTO = { OFF: 0, ON: 1 } as const;

/** One control the camera advertises: its definition and the unit or terminal it lives on. */
export interface ControlHandle {
  definition: ControlDefinition;
  entityId: number;
}

/** What the camera supports and the values last read or written. */
export interface ControlSet {
  /** The VideoControl interface number. */
  interfaceNumber: number;
  /** The camera's quirks (`noErrorCodeQuery`: never ask why a request STALLed). */
  quirks: DeviceQuirks;
  exposure?: ControlHandle & { supported: number; current: number };
  focusAuto?: ControlHandle & { current: number };
  /** True when Focus (Absolute) or Focus (Relative) is advertised. */
  manualFocus: boolean;
  zoom?: ControlHandle & { min: number; max: number; current: number };
  regionOfInterest?: ControlHandle;
}

function findControl(fn: VideoFunction, name: string): ControlHandle | undefined {
  for (const entity of fn.videoControl.entities) {
    const found = advertisedControls(entity).find((c) => c.definition.name === name);
    if (found) return found;
  }
  return undefined;
}

/** Read one value of an advertised control; `undefined` when the camera STALLs the request. */
async function readValue(
  device: USBDevice,
  interfaceNumber: number,
  control: ControlHandle,
  request: UvcRequestCode,
): Promise<number | undefined> {
  const { definition, entityId } = control;
  const params = vcRequest(interfaceNumber, entityId, definition.selector);
  try {
    const bytes = await getControl(device, params, request, definition.size);
    return definition.size >= 2 ? readU16LE(bytes, 0) : (bytes[0] ?? 0);
  } catch (error) {
    if (error instanceof UvcRequestError) return undefined;
    throw error;
  }
}

/**
 * Read which settings the camera supports (one control transfer per value).
 *
 * @throws CameraError from the USB failure table when a transfer fails other than by a STALL.
 */
export async function readControls(
  device: USBDevice,
  fn: VideoFunction,
  quirks: DeviceQuirks,
): Promise<ControlSet> {
  const interfaceNumber = fn.videoControl.bInterfaceNumber;
  const read = (control: ControlHandle, request: UvcRequestCode) =>
    readValue(device, interfaceNumber, control, request);
  const set: ControlSet = {
    interfaceNumber,
    quirks,
    manualFocus:
      findControl(fn, 'focusAbsolute') !== undefined ||
      findControl(fn, 'focusRelative') !== undefined,
  };

  const exposure = findControl(fn, 'autoExposureMode');
  if (exposure) {
    const supported = await read(exposure, UVC_REQ.GET_RES);
    const current = await read(exposure, UVC_REQ.GET_CUR);
    if (supported !== undefined && current !== undefined) {
      set.exposure = { ...exposure, supported, current };
    }
  }

  const focusAuto = findControl(fn, 'focusAuto');
  const focusCurrent = focusAuto ? await read(focusAuto, UVC_REQ.GET_CUR) : undefined;
  if (focusAuto && focusCurrent !== undefined) {
    set.focusAuto = { ...focusAuto, current: focusCurrent };
  }

  const zoom = findControl(fn, 'zoomAbsolute');
  if (zoom) {
    const min = await read(zoom, UVC_REQ.GET_MIN);
    const max = await read(zoom, UVC_REQ.GET_MAX);
    const current = await read(zoom, UVC_REQ.GET_CUR);
    if (min !== undefined && max !== undefined && current !== undefined && max >= min) {
      set.zoom = { ...zoom, min, max, current };
    }
  }

  const roi = findControl(fn, 'regionOfInterest');
  if (roi) set.regionOfInterest = roi;
  return set;
}

/** The UVC Auto-Exposure Mode bit for an exposure mode, or `undefined` when unsupported. */
export function aeModeFor(set: ControlSet, mode: ExposureMode): number | undefined {
  const supported = set.exposure?.supported ?? 0;
  const pick = (...bits: number[]) => bits.find((bit) => (supported & bit) !== 0);
  if (mode === ExposureMode.EXPOSURE_MODE_LOCKED) {
    return pick(AE_MODE.MANUAL, AE_MODE.SHUTTER_PRIORITY);
  }
  if (mode === ExposureMode.EXPOSURE_MODE_CONTINUOUS_AUTO) {
    return pick(AE_MODE.AUTO, AE_MODE.APERTURE_PRIORITY);
  }
  return undefined;
}

/** The exposure mode the camera is in. */
export function exposureModeOf(set: ControlSet): ExposureMode {
  const current = set.exposure?.current ?? AE_MODE.AUTO;
  const automatic = (current & (AE_MODE.AUTO | AE_MODE.APERTURE_PRIORITY)) !== 0;
  if (automatic) return ExposureMode.EXPOSURE_MODE_CONTINUOUS_AUTO;
  return ExposureMode.EXPOSURE_MODE_LOCKED;
}

/**
 * The Focus, Auto value for a focus mode: 0 or 1; `null` when the mode needs no request (a
 * camera without Focus, Auto is always manual); `undefined` when unsupported.
 */
export function focusAutoFor(set: ControlSet, mode: FocusMode): number | null | undefined {
  const hasAuto = set.focusAuto !== undefined;
  switch (mode) {
    case FocusMode.FOCUS_MODE_CONTINUOUS_AUTO:
      return hasAuto ? FOCUS_AUTO.ON : undefined;
    case FocusMode.FOCUS_MODE_LOCKED:
      return hasAuto ? FOCUS_AUTO.OFF : undefined;
    case FocusMode.FOCUS_MODE_MANUAL:
      if (!set.manualFocus) return undefined;
      return hasAuto ? FOCUS_AUTO.OFF : null;
    default:
      return undefined;
  }
}

/** The focus mode the camera is in (fixed-focus cameras are LOCKED). */
export function focusModeOf(set: ControlSet): FocusMode {
  if (set.focusAuto?.current === FOCUS_AUTO.ON) return FocusMode.FOCUS_MODE_CONTINUOUS_AUTO;
  return set.manualFocus ? FocusMode.FOCUS_MODE_MANUAL : FocusMode.FOCUS_MODE_LOCKED;
}

/** The zoom ratios the camera offers, `[1, 1]` without a zoom control. */
export function zoomRatioRange(set: ControlSet): [number, number] {
  const zoom = set.zoom;
  if (!zoom || zoom.min <= 0) return [1, 1];
  return [1, zoom.max / zoom.min];
}

/** The current zoom ratio. */
export function zoomRatioOf(set: ControlSet): number {
  const zoom = set.zoom;
  if (!zoom || zoom.min <= 0) return 1;
  return zoom.current / zoom.min;
}

/**
 * The Zoom (Absolute) value for a ratio.
 *
 * TODO: cameras whose smallest focal length is 0 have no defined ratio; webuvc offers only 1×
 * on them until one is seen.
 */
export function zoomValueFor(set: ControlSet, ratio: number): number | undefined {
  const zoom = set.zoom;
  const [low, high] = zoomRatioRange(set);
  if (!Number.isFinite(ratio) || ratio < low || ratio > high) return undefined;
  if (!zoom || zoom.min <= 0) return undefined;
  return Math.min(zoom.max, Math.max(zoom.min, Math.round(ratio * zoom.min)));
}

/** Little-endian bytes of `value` in the control's size. */
function encodeValue(definition: ControlDefinition, value: number): Uint8Array<ArrayBuffer> {
  const bytes = new Uint8Array(definition.size);
  let rest = value < 0 ? value + 2 ** (8 * definition.size) : value;
  for (let index = 0; index < definition.size; index += 1) {
    bytes[index] = rest & 0xff;
    rest = Math.floor(rest / 256);
  }
  return bytes;
}

/** Ask the camera why it STALLed the last request; `undefined` when it cannot say. */
async function readRequestErrorCode(
  device: USBDevice,
  set: ControlSet,
): Promise<number | undefined> {
  // Asking can lock some cameras up (the Razer Kiyo Pro, fixtures/bugs.md §8).
  if (set.quirks.flags.has('noErrorCodeQuery')) return undefined;
  const params = vcRequest(set.interfaceNumber, 0, VC_CONTROL.REQUEST_ERROR_CODE_CONTROL);
  try {
    const bytes = await getControl(device, params, UVC_REQ.GET_CUR, 1);
    return bytes[0];
  } catch {
    return undefined;
  }
}

/**
 * SET_CUR one control to `value`.
 *
 * @throws CameraError from `fromUvcRequestError` when the camera STALLs (7400101 out of range,
 *   7400102 wrong state, …); from the USB failure table for other transfer failures.
 */
export async function writeControl(
  device: USBDevice,
  set: ControlSet,
  control: ControlHandle,
  value: number,
): Promise<void> {
  const params = vcRequest(set.interfaceNumber, control.entityId, control.definition.selector);
  const request = describeRequest(params, UVC_REQ.SET_CUR);
  const what = `${request} (${control.definition.name} = ${value})`;
  try {
    await setControl(device, params, encodeValue(control.definition, value));
  } catch (error) {
    if (error instanceof UvcRequestError && error.failure === 'stall') {
      throw fromUvcRequestError(await readRequestErrorCode(device, set), what, error);
    }
    throw fromUsbError(error, what);
  }
}

/** The error for a setting the camera does not offer. */
export function unsupported(what: string, offered: string): CameraError {
  const message = `${what}: not supported by the camera`;
  return new CameraError(CameraErrorCode.OPERATION_NOT_ALLOWED, message, {
    expected: offered,
    found: what,
  });
}
