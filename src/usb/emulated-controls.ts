/**
 * The VideoControl controls of an emulated camera: every Camera Terminal, Processing Unit,
 * Selector Unit and Extension Unit control its descriptors advertise, answering GET_INFO,
 * GET_LEN, GET_MIN, GET_MAX, GET_RES, GET_DEF, GET_CUR and SET_CUR (UVC 1.5 §4.1.2, §4.2.2).
 *
 * Ranges are plausible, not measured: where public `v4l2-ctl --list-ctrls` listings of
 * Logitech webcams give a range (exposure 3–2047, focus 0–250 step 5, zoom 100–500, pan and
 * tilt ±36000 step 3600, white balance 2000–6500 K, picture controls 0–255 around 128) those
 * are used; elsewhere the spec's units with a small range. Extension-unit controls are opaque
 * {@link XU_CONTROL_LENGTH}-byte arrays. A ControlHandler on the camera overrides any of it.
 *
 * Behaviour taken from real cameras (fixtures/bugs.md §9, §10): SET_CUR out of range STALLs
 * with request error 4 (out of range); a manual control whose automatic counterpart is on
 * (exposure time under auto exposure, focus under auto focus, white balance under auto white
 * balance) STALLs SET_CUR with error 2 (wrong state) and reports GET_INFO bit 2 ("disabled
 * due to automatic mode"); requests a control does not support STALL with error 7.
 *
 * @packageDocumentation
 */

import { TT, UVC_REQ, UVC_REQUEST_ERROR } from '../uvc/constants.js';
import { advertisedControls, hasBit } from '../uvc/controls.js';
import type { Entity, VideoFunction } from '../uvc/model.js';

/** GET_INFO bits (UVC 1.5 §4.1.2, Table 4-3). */
export const CONTROL_INFO = {
  GET: 0x01,
  SET: 0x02,
  DISABLED_BY_AUTO: 0x04,
  AUTOUPDATE: 0x08,
  ASYNCHRONOUS: 0x10,
} as const;

/** Bytes of every extension-unit control of an emulated camera (their layout is vendor data). */
export const XU_CONTROL_LENGTH = 4;

/** The answer to one control request. */
export type ControlOutcome =
  | { status: 'ok'; data?: Uint8Array }
  | { status: 'stall'; errorCode: number };

/** One integer field of a control value, little-endian. */
interface Field {
  size: 1 | 2 | 4;
  signed: boolean;
  min: number;
  max: number;
  res: number;
  def: number;
}

/** How an emulated control behaves. */
interface ControlSpec {
  fields: Field[];
  /** Read-only controls answer SET_CUR with a STALL (error 7). */
  readOnly?: boolean;
  /** Controls without GET_MIN/GET_MAX (the auto-exposure mode bitmap). */
  noMinMax?: boolean;
  /** The control is disabled while this control of the same entity holds an "automatic" value. */
  disabledBy?: { name: string; automatic: (value: number) => boolean };
}

/** A field of `size` bytes with range [min, max], default and resolution; signed when min < 0. */
function field(size: 1 | 2 | 4, range: readonly [number, number], def: number, res = 1): Field {
  const [min, max] = range;
  return { size, signed: min < 0, min, max, res, def };
}

/** A relative control: a signed direction (−1, 0, 1) and an unsigned speed. */
const DIRECTION = field(1, [-1, 1], 0);
const SPEED = field(1, [1, 1], 1);

/** Auto-exposure modes (UVC 1.5 §4.2.2.1.2). */
const AE_MODE = { MANUAL: 1, AUTO: 2, SHUTTER_PRIORITY: 4, APERTURE_PRIORITY: 8 } as const;

/** Modes the emulated cameras support: manual and aperture priority, as Logitech webcams do. */
const AE_MODES_SUPPORTED = AE_MODE.MANUAL | AE_MODE.APERTURE_PRIORITY;

const autoOn = (value: number): boolean => value !== 0;

/** Exposure time is automatic in auto and aperture priority; iris in auto and shutter priority. */
const exposureIsAutomatic = (mode: number): boolean =>
  (mode & (AE_MODE.AUTO | AE_MODE.APERTURE_PRIORITY)) !== 0;
const irisIsAutomatic = (mode: number): boolean =>
  (mode & (AE_MODE.AUTO | AE_MODE.SHUTTER_PRIORITY)) !== 0;

/** The rules that disable manual controls. */
const UNDER_AUTO_EXPOSURE = { name: 'autoExposureMode', automatic: exposureIsAutomatic };
const UNDER_AUTO_IRIS = { name: 'autoExposureMode', automatic: irisIsAutomatic };
const UNDER_AUTO_FOCUS = { name: 'focusAuto', automatic: autoOn };

/** 8-bit and 16-bit full ranges. */
const BYTE: readonly [number, number] = [0, 0xff];
const WORD: readonly [number, number] = [0, 0xffff];
const PICTURE: readonly [number, number] = [0, 255];
const BOOLEAN: readonly [number, number] = [0, 1];
/** Pan and tilt range in arc seconds (±10 degrees), as Logitech webcams report. */
const ARC_SECONDS: readonly [number, number] = [-36000, 36000];


/** Plausible behaviour of each standard control, by the name in `uvc/controls.ts`. */
const CONTROL_SPECS: Readonly<Record<string, ControlSpec>> = {
  scanningMode: { fields: [field(1, BOOLEAN, 0)] },
  autoExposureMode: {
    fields: [field(1, BYTE, AE_MODE.APERTURE_PRIORITY, AE_MODES_SUPPORTED)],
    noMinMax: true,
  },
  autoExposurePriority: { fields: [field(1, BOOLEAN, 0)] },
  exposureTimeAbsolute: { fields: [field(4, [3, 2047], 250)], disabledBy: UNDER_AUTO_EXPOSURE },
  exposureTimeRelative: { fields: [DIRECTION], disabledBy: UNDER_AUTO_EXPOSURE },
  focusAbsolute: { fields: [field(2, [0, 250], 0, 5)], disabledBy: UNDER_AUTO_FOCUS },
  focusRelative: { fields: [DIRECTION, SPEED], disabledBy: UNDER_AUTO_FOCUS },
  focusAuto: { fields: [field(1, BOOLEAN, 1)] },
  irisAbsolute: { fields: [field(2, [100, 1600], 200)], disabledBy: UNDER_AUTO_IRIS },
  irisRelative: { fields: [DIRECTION] },
  zoomAbsolute: { fields: [field(2, [100, 500], 100)] },
  zoomRelative: { fields: [DIRECTION, field(1, BOOLEAN, 0), SPEED] },
  panTiltAbsolute: { fields: [field(4, ARC_SECONDS, 0, 3600), field(4, ARC_SECONDS, 0, 3600)] },
  panTiltRelative: { fields: [DIRECTION, SPEED, DIRECTION, SPEED] },
  rollAbsolute: { fields: [field(2, [-180, 180], 0)] },
  rollRelative: { fields: [DIRECTION, SPEED] },
  privacy: { fields: [field(1, BOOLEAN, 0)] },
  focusSimple: { fields: [field(1, [0, 3], 0)] },
  window: { fields: Array.from({ length: 6 }, () => field(2, WORD, 0)) },
  regionOfInterest: { fields: Array.from({ length: 5 }, () => field(2, WORD, 0)) },

  brightness: { fields: [field(2, PICTURE, 128)] },
  contrast: {
    fields: [field(2, PICTURE, 128)],
    disabledBy: { name: 'contrastAuto', automatic: autoOn },
  },
  hue: { fields: [field(2, [-180, 180], 0)], disabledBy: { name: 'hueAuto', automatic: autoOn } },
  saturation: { fields: [field(2, PICTURE, 128)] },
  sharpness: { fields: [field(2, PICTURE, 128)] },
  gamma: { fields: [field(2, [72, 500], 100)] },
  whiteBalanceTemperature: {
    fields: [field(2, [2000, 6500], 4000)],
    disabledBy: { name: 'whiteBalanceTemperatureAuto', automatic: autoOn },
  },
  whiteBalanceComponent: {
    fields: [field(2, PICTURE, 128), field(2, PICTURE, 128)],
    disabledBy: { name: 'whiteBalanceComponentAuto', automatic: autoOn },
  },
  backlightCompensation: { fields: [field(2, BOOLEAN, 0)] },
  gain: { fields: [field(2, PICTURE, 0)] },
  powerLineFrequency: { fields: [field(1, [0, 2], 2)] },
  hueAuto: { fields: [field(1, BOOLEAN, 0)] },
  whiteBalanceTemperatureAuto: { fields: [field(1, BOOLEAN, 1)] },
  whiteBalanceComponentAuto: { fields: [field(1, BOOLEAN, 1)] },
  digitalMultiplier: { fields: [field(2, [100, 400], 100)] },
  digitalMultiplierLimit: { fields: [field(2, [100, 400], 400)] },
  analogVideoStandard: { fields: [field(1, BYTE, 0)], readOnly: true },
  analogLockStatus: { fields: [field(1, BOOLEAN, 0)], readOnly: true },
  contrastAuto: { fields: [field(1, BOOLEAN, 0)] },
};

/** Power line frequency gained "auto" (3) in UVC 1.5 (UVC 1.5 §4.2.2.3.6). */
const PLF_AUTO = 3;
const BCD_UVC_15 = 0x0150;

/** wMultiplierStep 100 means ×1 (UVC 1.5 §4.2.2.3.13). */
const DIGITAL_MULTIPLIER_ONE = 100;

/** Selector Unit SU_INPUT_SELECT_CONTROL (UVC 1.5 Appendix A.9.3). */

const SU_INPUT_SELECT_CONTROL = 0x01;

/** An emulated control and its current value. */
interface ControlState {
  name: string;
  spec: ControlSpec;
  size: number;
  current: Uint8Array;
}

function specSize(spec: ControlSpec): number {
  return spec.fields.reduce((sum, f) => sum + f.size, 0);
}

/** Encode one value per field, little-endian. */
function encodeFields(spec: ControlSpec, values: number[]): Uint8Array {
  const bytes = new Uint8Array(specSize(spec));
  let offset = 0;
  spec.fields.forEach((f, index) => {
    let value = values[index] ?? 0;
    if (value < 0) value += 2 ** (8 * f.size);
    for (let byte = 0; byte < f.size; byte += 1) {
      bytes[offset + byte] = Math.floor(value / 2 ** (8 * byte)) & 0xff;
    }
    offset += f.size;
  });
  return bytes;
}

/** Decode one value per field. */
function decodeFields(spec: ControlSpec, bytes: Uint8Array): number[] {
  const values: number[] = [];
  let offset = 0;
  for (const f of spec.fields) {
    let value = 0;
    for (let byte = f.size - 1; byte >= 0; byte -= 1) {
      value = value * 256 + (bytes[offset + byte] ?? 0);
    }
    if (f.signed && value >= 2 ** (8 * f.size - 1)) value -= 2 ** (8 * f.size);
    values.push(value);
    offset += f.size;
  }
  return values;
}

const stall = (errorCode: number): ControlOutcome => ({ status: 'stall', errorCode });

/** The controls of one video function's VideoControl interface. */
export class EmulatedControls {
  readonly #entities = new Map<number, Map<number, ControlState>>();

  constructor(fn: VideoFunction) {
    const bcdUVC = fn.videoControl.bcdUVC;
    for (const entity of fn.videoControl.entities) {
      this.#entities.set(entityId(entity), controlsOf(entity, bcdUVC));
    }
  }

  /** Put every control back to its default value. */
  reset(): void {
    for (const controls of this.#entities.values()) {
      for (const control of controls.values()) control.current = defaults(control.spec);
    }
  }

  /** True when `id` names a terminal or unit of this function. */
  hasEntity(id: number): boolean {
    return this.#entities.has(id);
  }

  /**
   * Answer one control request to entity `id`.
   *
   * @param data - the SET_CUR data (OUT requests).
   */
  handle(id: number, selector: number, request: number, data?: Uint8Array): ControlOutcome {
    const controls = this.#entities.get(id);
    if (!controls) return stall(UVC_REQUEST_ERROR.INVALID_UNIT);
    const control = controls.get(selector);
    if (!control) return stall(UVC_REQUEST_ERROR.INVALID_CONTROL);
    const spec = control.spec;
    const disabled = this.#disabled(controls, control);

    switch (request) {
      case UVC_REQ.GET_INFO: {
        const settable = spec.readOnly ? 0 : CONTROL_INFO.SET;
        const automatic = disabled ? CONTROL_INFO.DISABLED_BY_AUTO : 0;
        return { status: 'ok', data: Uint8Array.of(CONTROL_INFO.GET | settable | automatic) };
      }
      case UVC_REQ.GET_LEN:
        return { status: 'ok', data: Uint8Array.of(control.size & 0xff, control.size >> 8) };
      case UVC_REQ.GET_CUR:
        return { status: 'ok', data: control.current.slice() };
      case UVC_REQ.GET_DEF:
        return { status: 'ok', data: defaults(spec) };
      case UVC_REQ.GET_RES:
        return { status: 'ok', data: encodeFields(spec, spec.fields.map((f) => f.res)) };
      case UVC_REQ.GET_MIN:
      case UVC_REQ.GET_MAX:
        if (spec.noMinMax) return stall(UVC_REQUEST_ERROR.INVALID_REQUEST);
        return {
          status: 'ok',
          data: encodeFields(
            spec,
            spec.fields.map((f) => (request === UVC_REQ.GET_MIN ? f.min : f.max)),
          ),
        };
      case UVC_REQ.SET_CUR:
        return this.#set(control, disabled, data);
      default:
        return stall(UVC_REQUEST_ERROR.INVALID_REQUEST);
    }
  }

  #disabled(controls: Map<number, ControlState>, control: ControlState): boolean {
    const rule = control.spec.disabledBy;
    if (!rule) return false;
    for (const other of controls.values()) {
      if (other.name !== rule.name) continue;
      return rule.automatic(decodeFields(other.spec, other.current)[0] ?? 0);
    }
    return false;
  }

  #set(control: ControlState, disabled: boolean, data: Uint8Array | undefined): ControlOutcome {
    const spec = control.spec;
    if (spec.readOnly) return stall(UVC_REQUEST_ERROR.INVALID_REQUEST);
    if (!data || data.length < control.size) return stall(UVC_REQUEST_ERROR.INVALID_REQUEST);
    if (disabled) return stall(UVC_REQUEST_ERROR.WRONG_STATE);

    const values = decodeFields(spec, data);
    if (spec.noMinMax) {
      // A mode bitmap: exactly one bit, and one the camera supports (GET_RES lists them).
      const mode = values[0] ?? 0;
      const supported = spec.fields[0]?.res ?? 0;
      const single = mode !== 0 && (mode & (mode - 1)) === 0;
      if (!single || (mode & supported) === 0) return stall(UVC_REQUEST_ERROR.OUT_OF_RANGE);
    } else {
      const outside = spec.fields.some((f, index) => {
        const value = values[index] ?? 0;
        return value < f.min || value > f.max;
      });
      if (outside) return stall(UVC_REQUEST_ERROR.OUT_OF_RANGE);
    }

    control.current = data.slice(0, control.size);
    return { status: 'ok' };
  }
}

function entityId(entity: Entity): number {
  const terminal = entity.type === 'inputTerminal' || entity.type === 'outputTerminal';
  return terminal ? entity.bTerminalID : entity.bUnitID;
}

function defaults(spec: ControlSpec): Uint8Array {
  return encodeFields(spec, spec.fields.map((f) => f.def));
}

function state(name: string, spec: ControlSpec): ControlState {
  return { name, spec, size: specSize(spec), current: defaults(spec) };
}

function controlsOf(entity: Entity, bcdUVC: number): Map<number, ControlState> {
  const controls = new Map<number, ControlState>();

  const camera = entity.type === 'inputTerminal' && entity.wTerminalType === TT.ITT_CAMERA;
  if (camera || entity.type === 'processingUnit') {
    for (const { definition } of advertisedControls(entity)) {
      const name = definition.name;
      let spec = CONTROL_SPECS[name] ?? genericSpec(definition.size, definition.signed);
      if (name === 'powerLineFrequency' && bcdUVC >= BCD_UVC_15) {
        spec = { fields: [field(1, [0, PLF_AUTO], PLF_AUTO)] };
      }
      const multiplier = entity.type === 'processingUnit' ? entity.wMaxMultiplier : 0;
      if (multiplier > 0 && name.startsWith('digitalMultiplier')) {
        const def = name === 'digitalMultiplier' ? DIGITAL_MULTIPLIER_ONE : multiplier;
        spec = { fields: [field(2, [DIGITAL_MULTIPLIER_ONE, multiplier], def)] };
      }
      controls.set(definition.selector, state(name, spec));
    }
  } else if (entity.type === 'selectorUnit') {
    const inputs = Math.max(1, entity.baSourceID.length);
    const spec = { fields: [field(1, [1, inputs], 1)] };
    controls.set(SU_INPUT_SELECT_CONTROL, state('inputSelect', spec));
  } else if (entity.type === 'extensionUnit') {
    // Bit n of bmControls advertises the control with selector n + 1 (UVC 1.5 §3.7.2.7).
    for (let bit = 0; bit < entity.bmControls.length * 8; bit += 1) {
      if (!hasBit(entity.bmControls, bit)) continue;
      const fields = Array.from({ length: XU_CONTROL_LENGTH }, () => field(1, BYTE, 0));
      controls.set(bit + 1, state(`extension${bit + 1}`, { fields }));
    }
  }
  return controls;
}

function genericSpec(size: number, signed: boolean): ControlSpec {
  const fieldSize: 1 | 2 | 4 = size >= 4 ? 4 : size >= 2 ? 2 : 1;
  const count = Math.max(1, Math.ceil(size / fieldSize));
  const max = 2 ** (8 * fieldSize - (signed ? 1 : 0)) - 1;
  const range: [number, number] = [signed ? -max - 1 : 0, max];
  return { fields: Array.from({ length: count }, () => field(fieldSize, range, 0)) };
}
