/**
 * The Camera Terminal and Processing Unit controls of UVC 1.0, 1.1 and 1.5, as tables.
 *
 * {@link CONTROLS} is the one table of the wire controls: selector (UVC 1.5 Appendix A.9.4 for
 * CT, A.9.5 for PU), the bmControls bit that advertises the control (§3.7.2.3 Table 3-6,
 * §3.7.2.5 Table 3-8), wLength, the field layout of its value (§4.2.2.1 and §4.2.2.3), which
 * requests the specification gives it, a menu where the value is an enumeration, and the
 * automatic control that makes it inactive. {@link PUBLIC_CONTROLS} maps the names the public
 * API and the CLI use (`exposure`, `focusMode`, `pan`) onto those wire controls.
 *
 * Each field also carries a `typical` range: what a common webcam reports (public
 * `v4l2-ctl --list-ctrls` listings of Logitech webcams: exposure 3–2047, focus 0–250 step 5,
 * zoom 100–500, pan and tilt ±36000 arc seconds step 3600, white balance 2000–6500 K,
 * picture controls 0–255 around 128) or, where no listing exists, a small range in the
 * specification's units. The emulated cameras answer with it; the driver never uses it, it
 * asks the camera.
 *
 * Nothing here does I/O.
 *
 * @packageDocumentation
 */
import {
  AE_MODE,
  CONTROL_INFO,
  CT,
  POWER_LINE_FREQUENCY,
  PU,
  TT,
  UVC_REQ,
} from './constants.js';
import type { Entity } from './model.js';

/** Which entity type a control belongs to. */
export type ControlEntity = 'camera' | 'processing';

/**
 * How a control's value reads:
 *
 * - `integer`: a number in a range (GET_MIN/GET_MAX/GET_RES);
 * - `boolean`: 0 or 1 (the automatic modes, privacy);
 * - `menu`: one of the values in {@link ControlDefinition.menu};
 * - `bitmap`: one bit of a mode bitmap, GET_RES lists the supported bits (auto-exposure mode);
 * - `relative`: a movement: direction (−1, 0, 1) and speed;
 * - `compound`: several independent fields (pan and tilt, a rectangle).
 */
export type ControlKind = 'integer' | 'boolean' | 'menu' | 'bitmap' | 'relative' | 'compound';

/** A range as a camera reports it: GET_MIN, GET_MAX, GET_RES and GET_DEF of one field. */
export interface FieldRange {
  min: number;
  max: number;
  res: number;
  def: number;
}

/** One little-endian integer field of a control's value. */
export interface ControlField {
  /** camelCase name of the field (`value` for single-field controls). */
  name: string;
  /** Offset in the control's bytes. */
  offset: number;
  size: 1 | 2 | 4;
  signed: boolean;
  /** What a typical webcam reports; the emulator's answer (see the module notes). */
  typical: FieldRange;
}

/** The rule that makes a manual control inactive: `control`'s value has a bit of `mask` set. */
export interface InactiveRule {
  /** Name of the automatic control in {@link CONTROLS}. */
  control: string;
  /** Bits of the automatic control's value that mean "automatic" for this control. */
  mask: number;
}

/** One standard control: where it lives on the wire, its layout and its requests. */
export interface ControlDefinition {
  /** camelCase name used by the raw control API and the CLI. */
  name: string;
  /** The specification's name (`CT_EXPOSURE_TIME_ABSOLUTE_CONTROL`). */
  wireName: string;
  entity: ControlEntity;
  /** Control selector (CT_* / PU_*). */
  selector: number;
  /** Bit of the entity's bmControls that advertises the control. */
  bit: number;
  /** wLength of GET_CUR/SET_CUR. */
  size: number;
  /** True when the (first) field is a signed integer on the wire. */
  signed: boolean;
  /** Unit of the value, for people. */
  unit: string;
  /** The UVC version that introduced the control (0x0100, 0x0110 or 0x0150). */
  since: number;
  kind: ControlKind;
  /** The value's fields, in wire order; they cover `size` bytes. */
  fields: readonly ControlField[];
  /** Range requests the specification lists (besides GET_CUR, GET_INFO and GET_LEN). */
  requests: readonly number[];
  /** Named values of a `menu` control, or the bits of a `bitmap` control. */
  menu?: Readonly<Record<number, string>>;
  /** The automatic control that makes this one inactive. */
  inactiveWhen?: InactiveRule;
  /** The specification defines the control as read-only (SET_CUR is not supported). */
  readOnly?: boolean;
  /**
   * A motorised control that cameras commonly complete asynchronously (GET_INFO D4): the
   * emulated cameras do, when they have a status endpoint.
   */
  typicallyAsynchronous?: boolean;
}

/** UVC versions that introduced controls. */
const UVC_1_0 = 0x0100;
const UVC_1_1 = 0x0110;
const UVC_1_5 = 0x0150;

/** Request sets (UVC 1.5 §4.2.2: each control's table of supported requests). */
const RANGE = [UVC_REQ.GET_MIN, UVC_REQ.GET_MAX, UVC_REQ.GET_RES, UVC_REQ.GET_DEF] as const;
const DEFAULT_ONLY = [UVC_REQ.GET_DEF] as const;
const RES_DEFAULT = [UVC_REQ.GET_RES, UVC_REQ.GET_DEF] as const;
const NONE = [] as const;

/** Typical ranges (see the module notes). */
const BOOLEAN_OFF: FieldRange = { min: 0, max: 1, res: 1, def: 0 };
const BOOLEAN_ON: FieldRange = { min: 0, max: 1, res: 1, def: 1 };
const PICTURE: FieldRange = { min: 0, max: 255, res: 1, def: 128 };
const DIRECTION: FieldRange = { min: -1, max: 1, res: 1, def: 0 };
const SPEED: FieldRange = { min: 1, max: 1, res: 1, def: 1 };
const WORD: FieldRange = { min: 0, max: 0xffff, res: 1, def: 0 };
const ARC_SECONDS: FieldRange = { min: -36000, max: 36000, res: 3600, def: 0 };

/** A field spec before offsets are assigned. */
type FieldSpec = [name: string, size: 1 | 2 | 4, signed: boolean, typical: FieldRange];

/** Options of {@link define}. */
interface DefineOptions {
  unit?: string;
  since?: number;
  kind?: ControlKind;
  requests?: readonly number[];
  menu?: Readonly<Record<number, string>>;
  inactiveWhen?: InactiveRule;
  readOnly?: boolean;
  typicallyAsynchronous?: boolean;
}

function define(
  name: string,
  wireName: string,
  where: { entity: ControlEntity; selector: number; bit: number },
  fields: readonly FieldSpec[],
  options: DefineOptions = {},
): ControlDefinition {
  let offset = 0;
  const laidOut = fields.map(([fieldName, size, signed, typical]): ControlField => {
    const field = { name: fieldName, offset, size, signed, typical };
    offset += size;
    return field;
  });
  return {
    name,
    wireName,
    ...where,
    size: offset,
    signed: laidOut[0]?.signed ?? false,
    unit: options.unit ?? '',
    since: options.since ?? UVC_1_0,
    kind: options.kind ?? 'integer',
    fields: laidOut,
    requests: options.requests ?? RANGE,
    ...(options.menu ? { menu: options.menu } : {}),
    ...(options.inactiveWhen ? { inactiveWhen: options.inactiveWhen } : {}),
    ...(options.readOnly ? { readOnly: true } : {}),
    ...(options.typicallyAsynchronous ? { typicallyAsynchronous: true } : {}),
  };
}

const ct = (selector: number, bit: number) => ({ entity: 'camera' as const, selector, bit });
const pu = (selector: number, bit: number) => ({ entity: 'processing' as const, selector, bit });
const one = (size: 1 | 2 | 4, signed: boolean, typical: FieldRange): FieldSpec[] => [
  ['value', size, signed, typical],
];
/** A one-byte unsigned value: booleans, menus, mode bitmaps. */
const flag = (typical: FieldRange): FieldSpec[] => one(1, false, typical);

/** Relative (movement) controls: motorised, commonly asynchronous. */
const MOTION: DefineOptions = { kind: 'relative', typicallyAsynchronous: true };
/** The automatic-mode switches: GET_CUR, GET_DEF, SET_CUR (UVC 1.5 §4.2.2.1.8, §4.2.2.3.x). */
const AUTO_MODE: DefineOptions = { kind: 'boolean', requests: DEFAULT_ONLY };
/** Manual and aperture priority: what the emulated cameras offer (GET_RES of the AE mode). */
const AE_TYPICAL: FieldRange = {
  min: 0,
  max: 0,
  res: AE_MODE.MANUAL | AE_MODE.APERTURE_PRIORITY,
  def: AE_MODE.APERTURE_PRIORITY,
};

/** Exposure time is automatic in auto and aperture priority modes; iris in auto and shutter. */
const UNDER_AUTO_EXPOSURE: InactiveRule = {
  control: 'autoExposureMode',
  mask: AE_MODE.AUTO | AE_MODE.APERTURE_PRIORITY,
};
const UNDER_AUTO_IRIS: InactiveRule = {
  control: 'autoExposureMode',
  mask: AE_MODE.AUTO | AE_MODE.SHUTTER_PRIORITY,
};
const underAuto = (control: string): InactiveRule => ({ control, mask: 0x01 });

/** Every standard Camera Terminal and Processing Unit control. */
export const CONTROLS: readonly ControlDefinition[] = [
  define('scanningMode', 'CT_SCANNING_MODE_CONTROL', ct(CT.SCANNING_MODE, 0), flag(BOOLEAN_OFF), {
    kind: 'menu',
    requests: NONE,
    menu: { 0: 'interlaced', 1: 'progressive' },
  }),
  // GET_RES lists the supported modes; the emulated cameras offer manual and aperture
  // priority, as Logitech webcams do.
  define('autoExposureMode', 'CT_AE_MODE_CONTROL', ct(CT.AE_MODE, 1), flag(AE_TYPICAL), {
    kind: 'bitmap',
    unit: 'mode',
    requests: RES_DEFAULT,
    menu: {
      [AE_MODE.MANUAL]: 'manual',
      [AE_MODE.AUTO]: 'auto',
      [AE_MODE.SHUTTER_PRIORITY]: 'shutterPriority',
      [AE_MODE.APERTURE_PRIORITY]: 'aperturePriority',
    },
  }),
  define(
    'autoExposurePriority',
    'CT_AE_PRIORITY_CONTROL',
    ct(CT.AE_PRIORITY, 2),
    flag(BOOLEAN_OFF),
    { kind: 'menu', requests: NONE, menu: { 0: 'constantFrameRate', 1: 'variableFrameRate' } },
  ),
  define(
    'exposureTimeAbsolute',
    'CT_EXPOSURE_TIME_ABSOLUTE_CONTROL',
    ct(CT.EXPOSURE_TIME_ABSOLUTE, 3),
    one(4, false, { min: 3, max: 2047, res: 1, def: 250 }),
    { unit: '100 µs', inactiveWhen: UNDER_AUTO_EXPOSURE },
  ),
  define(
    'exposureTimeRelative',
    'CT_EXPOSURE_TIME_RELATIVE_CONTROL',
    ct(CT.EXPOSURE_TIME_RELATIVE, 4),
    one(1, true, DIRECTION),
    { kind: 'relative', unit: 'step', requests: NONE, inactiveWhen: UNDER_AUTO_EXPOSURE },
  ),
  define(
    'focusAbsolute',
    'CT_FOCUS_ABSOLUTE_CONTROL',
    ct(CT.FOCUS_ABSOLUTE, 5),
    one(2, false, { min: 0, max: 250, res: 5, def: 0 }),
    { unit: 'mm', inactiveWhen: underAuto('focusAuto') },
  ),
  define(
    'focusRelative',
    'CT_FOCUS_RELATIVE_CONTROL',
    ct(CT.FOCUS_RELATIVE, 6),
    [
      ['focus', 1, true, DIRECTION],
      ['speed', 1, false, SPEED],
    ],
    { ...MOTION, unit: 'direction, speed', inactiveWhen: underAuto('focusAuto') },
  ),
  define(
    'irisAbsolute',
    'CT_IRIS_ABSOLUTE_CONTROL',
    ct(CT.IRIS_ABSOLUTE, 7),
    one(2, false, { min: 100, max: 1600, res: 1, def: 200 }),
    { unit: 'fstop/100', inactiveWhen: UNDER_AUTO_IRIS },
  ),
  define(
    'irisRelative',
    'CT_IRIS_RELATIVE_CONTROL',
    ct(CT.IRIS_RELATIVE, 8),
    one(1, true, DIRECTION),
    { ...MOTION, unit: 'step', requests: NONE, inactiveWhen: UNDER_AUTO_IRIS },
  ),
  define(
    'zoomAbsolute',
    'CT_ZOOM_ABSOLUTE_CONTROL',
    ct(CT.ZOOM_ABSOLUTE, 9),
    one(2, false, { min: 100, max: 500, res: 1, def: 100 }),
    { unit: 'objective focal length' },
  ),
  define(
    'zoomRelative',
    'CT_ZOOM_RELATIVE_CONTROL',
    ct(CT.ZOOM_RELATIVE, 10),
    [
      ['zoom', 1, true, DIRECTION],
      ['digitalZoom', 1, false, BOOLEAN_OFF],
      ['speed', 1, false, SPEED],
    ],
    { ...MOTION, unit: 'direction, digital, speed' },
  ),
  define(
    'panTiltAbsolute',
    'CT_PANTILT_ABSOLUTE_CONTROL',
    ct(CT.PANTILT_ABSOLUTE, 11),
    [
      ['pan', 4, true, ARC_SECONDS],
      ['tilt', 4, true, ARC_SECONDS],
    ],
    { kind: 'compound', unit: 'arc second', typicallyAsynchronous: true },
  ),
  define(
    'panTiltRelative',
    'CT_PANTILT_RELATIVE_CONTROL',
    ct(CT.PANTILT_RELATIVE, 12),
    [
      ['pan', 1, true, DIRECTION],
      ['panSpeed', 1, false, SPEED],
      ['tilt', 1, true, DIRECTION],
      ['tiltSpeed', 1, false, SPEED],
    ],
    { ...MOTION, unit: 'direction, speed' },
  ),
  define(
    'rollAbsolute',
    'CT_ROLL_ABSOLUTE_CONTROL',
    ct(CT.ROLL_ABSOLUTE, 13),
    one(2, true, { min: -180, max: 180, res: 1, def: 0 }),
    { unit: 'degree' },
  ),
  define(
    'rollRelative',
    'CT_ROLL_RELATIVE_CONTROL',
    ct(CT.ROLL_RELATIVE, 14),
    [
      ['roll', 1, true, DIRECTION],
      ['speed', 1, false, SPEED],
    ],
    { ...MOTION, unit: 'direction, speed' },
  ),
  define('focusAuto', 'CT_FOCUS_AUTO_CONTROL', ct(CT.FOCUS_AUTO, 17), flag(BOOLEAN_ON), {
    kind: 'boolean',
    requests: DEFAULT_ONLY,
  }),
  define('privacy', 'CT_PRIVACY_CONTROL', ct(CT.PRIVACY, 18), flag(BOOLEAN_OFF), {
    kind: 'boolean',
    since: UVC_1_1,
    requests: NONE,
  }),
  define(
    'focusSimple',
    'CT_FOCUS_SIMPLE_CONTROL',
    ct(CT.FOCUS_SIMPLE, 19),
    flag({ min: 0, max: 3, res: 1, def: 0 }),
    {
      kind: 'menu',
      since: UVC_1_5,
      requests: DEFAULT_ONLY,
      menu: { 0: 'fullRange', 1: 'macro', 2: 'people', 3: 'scene' },
    },
  ),
  define(
    'digitalWindow',
    'CT_DIGITAL_WINDOW_CONTROL',
    ct(CT.DIGITAL_WINDOW, 20),
    [
      ['top', 2, false, WORD],
      ['left', 2, false, WORD],
      ['bottom', 2, false, WORD],
      ['right', 2, false, WORD],
      ['numSteps', 2, false, WORD],
      ['numStepsUnits', 2, false, WORD],
    ],
    { kind: 'compound', since: UVC_1_5, unit: 'pixel' },
  ),
  define(
    'regionOfInterest',
    'CT_REGION_OF_INTEREST_CONTROL',
    ct(CT.REGION_OF_INTEREST, 21),
    [
      ['top', 2, false, WORD],
      ['left', 2, false, WORD],
      ['bottom', 2, false, WORD],
      ['right', 2, false, WORD],
      ['autoControls', 2, false, WORD],
    ],
    { kind: 'compound', since: UVC_1_5, unit: 'pixel' },
  ),

  define('brightness', 'PU_BRIGHTNESS_CONTROL', pu(PU.BRIGHTNESS, 0), one(2, true, PICTURE)),
  define('contrast', 'PU_CONTRAST_CONTROL', pu(PU.CONTRAST, 1), one(2, false, PICTURE), {
    inactiveWhen: underAuto('contrastAuto'),
  }),
  define(
    'hue',
    'PU_HUE_CONTROL',
    pu(PU.HUE, 2),
    one(2, true, { min: -180, max: 180, res: 1, def: 0 }),
    { unit: 'degree/100', inactiveWhen: underAuto('hueAuto') },
  ),
  define('saturation', 'PU_SATURATION_CONTROL', pu(PU.SATURATION, 3), one(2, false, PICTURE)),
  define('sharpness', 'PU_SHARPNESS_CONTROL', pu(PU.SHARPNESS, 4), one(2, false, PICTURE)),
  define(
    'gamma',
    'PU_GAMMA_CONTROL',
    pu(PU.GAMMA, 5),
    one(2, false, { min: 72, max: 500, res: 1, def: 100 }),
    { unit: 'gamma×100' },
  ),
  define(
    'whiteBalanceTemperature',
    'PU_WHITE_BALANCE_TEMPERATURE_CONTROL',
    pu(PU.WHITE_BALANCE_TEMPERATURE, 6),
    one(2, false, { min: 2000, max: 6500, res: 1, def: 4000 }),
    { unit: 'K', inactiveWhen: underAuto('whiteBalanceTemperatureAuto') },
  ),
  define(
    'whiteBalanceComponent',
    'PU_WHITE_BALANCE_COMPONENT_CONTROL',
    pu(PU.WHITE_BALANCE_COMPONENT, 7),
    [
      ['blue', 2, false, PICTURE],
      ['red', 2, false, PICTURE],
    ],
    { kind: 'compound', unit: 'blue, red', inactiveWhen: underAuto('whiteBalanceComponentAuto') },
  ),
  define(
    'backlightCompensation',
    'PU_BACKLIGHT_COMPENSATION_CONTROL',
    pu(PU.BACKLIGHT_COMPENSATION, 8),
    one(2, false, BOOLEAN_OFF),
  ),
  define(
    'gain',
    'PU_GAIN_CONTROL',
    pu(PU.GAIN, 9),
    one(2, false, { min: 0, max: 255, res: 1, def: 0 }),
  ),
  define(
    'powerLineFrequency',
    'PU_POWER_LINE_FREQUENCY_CONTROL',
    pu(PU.POWER_LINE_FREQUENCY, 10),
    flag({ min: 0, max: 2, res: 1, def: POWER_LINE_FREQUENCY.HZ_60 }),
    {
      kind: 'menu',
      requests: DEFAULT_ONLY,
      menu: { 0: 'disabled', 1: '50Hz', 2: '60Hz', 3: 'auto' },
    },
  ),
  define('hueAuto', 'PU_HUE_AUTO_CONTROL', pu(PU.HUE_AUTO, 11), flag(BOOLEAN_OFF), AUTO_MODE),
  define(
    'whiteBalanceTemperatureAuto',
    'PU_WHITE_BALANCE_TEMPERATURE_AUTO_CONTROL',
    pu(PU.WHITE_BALANCE_TEMPERATURE_AUTO, 12),
    flag(BOOLEAN_ON),
    AUTO_MODE,
  ),
  define(
    'whiteBalanceComponentAuto',
    'PU_WHITE_BALANCE_COMPONENT_AUTO_CONTROL',
    pu(PU.WHITE_BALANCE_COMPONENT_AUTO, 13),
    flag(BOOLEAN_ON),
    AUTO_MODE,
  ),
  define(
    'digitalMultiplier',
    'PU_DIGITAL_MULTIPLIER_CONTROL',
    pu(PU.DIGITAL_MULTIPLIER, 14),
    one(2, false, { min: 100, max: 400, res: 1, def: 100 }),
    { since: UVC_1_1, unit: '×100' },
  ),
  define(
    'digitalMultiplierLimit',
    'PU_DIGITAL_MULTIPLIER_LIMIT_CONTROL',
    pu(PU.DIGITAL_MULTIPLIER_LIMIT, 15),
    one(2, false, { min: 100, max: 400, res: 1, def: 400 }),
    { since: UVC_1_1, unit: '×100' },
  ),
  define(
    'analogVideoStandard',
    'PU_ANALOG_VIDEO_STANDARD_CONTROL',
    pu(PU.ANALOG_VIDEO_STANDARD, 16),
    flag({ min: 0, max: 5, res: 1, def: 0 }),
    {
      kind: 'menu',
      since: UVC_1_1,
      requests: NONE,
      readOnly: true,
      menu: {
        0: 'none',
        1: 'NTSC-525/60',
        2: 'PAL-625/50',
        3: 'SECAM-625/50',
        4: 'NTSC-625/50',
        5: 'PAL-525/60',
      },
    },
  ),
  define(
    'analogLockStatus',
    'PU_ANALOG_LOCK_STATUS_CONTROL',
    pu(PU.ANALOG_LOCK_STATUS, 17),
    flag(BOOLEAN_OFF),
    {
      kind: 'menu',
      since: UVC_1_1,
      requests: NONE,
      readOnly: true,
      menu: { 0: 'locked', 1: 'notLocked' },
    },
  ),
  define('contrastAuto', 'PU_CONTRAST_AUTO_CONTROL', pu(PU.CONTRAST_AUTO, 18), flag(BOOLEAN_OFF), {
    ...AUTO_MODE,
    since: UVC_1_5,
  }),
];

/** The control named `name` in {@link CONTROLS}, if any. */
export function controlByName(name: string): ControlDefinition | undefined {
  return CONTROLS.find((control) => control.name === name);
}

/** The control of entity kind `entity` with selector `selector`, if any. */
export function controlBySelector(
  entity: ControlEntity,
  selector: number,
): ControlDefinition | undefined {
  return CONTROLS.find((control) => control.entity === entity && control.selector === selector);
}

// ------------------------------------------------------------------------------------------
// The public names.

/** A name of the public API and the CLI, and the wire control (and field) behind it. */
export interface PublicControl {
  /** camelCase name (`exposure`, `focusMode`, `pan`). */
  name: string;
  /** Other accepted names. */
  aliases: readonly string[];
  /** Name of the wire control in {@link CONTROLS}. */
  control: string;
  /** The field of a compound control this name addresses; the whole value when absent. */
  field?: string;
  /** What it is, for people. */
  description: string;
}

function publicControl(
  name: string,
  control: string,
  description: string,
  extra: { aliases?: string[]; field?: string } = {},
): PublicControl {
  const field = extra.field ? { field: extra.field } : {};
  return { name, aliases: extra.aliases ?? [], control, description, ...field };
}

/** The public API's control names and the wire controls they drive. */
export const PUBLIC_CONTROLS: readonly PublicControl[] = [
  publicControl('exposureMode', 'autoExposureMode', 'manual, auto, shutter or aperture priority'),
  publicControl('exposure', 'exposureTimeAbsolute', 'exposure time in 100 µs units', {
    aliases: ['exposureTime'],
  }),
  publicControl('exposureStep', 'exposureTimeRelative', 'one step longer (1) or shorter (-1)'),
  publicControl('exposurePriority', 'autoExposurePriority', 'may auto exposure slow the frames'),
  publicControl('focusMode', 'focusAuto', 'continuous auto focus (1) or manual (0)', {
    aliases: ['autoFocus'],
  }),
  publicControl('focus', 'focusAbsolute', 'focus distance in mm', { aliases: ['focusDistance'] }),
  publicControl('focusMove', 'focusRelative', 'move the focus near (1) or far (-1)'),
  publicControl('focusRange', 'focusSimple', 'full range, macro, people or scene'),
  publicControl('zoom', 'zoomAbsolute', 'objective focal length', { aliases: ['zoomAbsolute'] }),
  publicControl('zoomMove', 'zoomRelative', 'zoom in (1) or out (-1)', {
    aliases: ['zoomRelative'],
  }),
  publicControl('panTilt', 'panTiltAbsolute', 'pan and tilt in arc seconds'),
  publicControl('pan', 'panTiltAbsolute', 'pan in arc seconds', { field: 'pan' }),
  publicControl('tilt', 'panTiltAbsolute', 'tilt in arc seconds', { field: 'tilt' }),
  publicControl('panTiltMove', 'panTiltRelative', 'pan and tilt movement'),
  publicControl('roll', 'rollAbsolute', 'roll in degrees'),
  publicControl('rollMove', 'rollRelative', 'roll movement'),
  publicControl('iris', 'irisAbsolute', 'aperture in f-stop × 100'),
  publicControl('irisStep', 'irisRelative', 'open (1) or close (-1) the iris one step'),
  publicControl('whiteBalanceMode', 'whiteBalanceTemperatureAuto', 'auto (1) or manual (0)', {
    aliases: ['autoWhiteBalance'],
  }),
  publicControl('whiteBalance', 'whiteBalanceTemperature', 'white balance temperature in K', {
    aliases: ['whiteBalanceTemperature'],
  }),
  publicControl('whiteBalanceComponentMode', 'whiteBalanceComponentAuto', 'auto blue/red balance'),
  publicControl('whiteBalanceBlue', 'whiteBalanceComponent', 'blue component', { field: 'blue' }),
  publicControl('whiteBalanceRed', 'whiteBalanceComponent', 'red component', { field: 'red' }),
  publicControl('brightness', 'brightness', 'brightness'),
  publicControl('contrast', 'contrast', 'contrast'),
  publicControl('contrastMode', 'contrastAuto', 'automatic contrast'),
  publicControl('hue', 'hue', 'hue in degrees × 100'),
  publicControl('hueMode', 'hueAuto', 'automatic hue'),
  publicControl('saturation', 'saturation', 'saturation'),
  publicControl('sharpness', 'sharpness', 'sharpness'),
  publicControl('gamma', 'gamma', 'gamma × 100'),
  publicControl('gain', 'gain', 'gain'),
  publicControl('backlightCompensation', 'backlightCompensation', 'backlight compensation'),
  publicControl('powerLineFrequency', 'powerLineFrequency', 'disabled, 50Hz, 60Hz or auto', {
    aliases: ['antiFlicker'],
  }),
  publicControl('privacy', 'privacy', 'privacy shutter closed (1) or open (0)'),
  publicControl('regionOfInterest', 'regionOfInterest', 'region of interest rectangle'),
  publicControl('digitalWindow', 'digitalWindow', 'digital window rectangle'),
  publicControl('digitalZoom', 'digitalMultiplier', 'digital multiplier × 100'),
  publicControl('digitalZoomLimit', 'digitalMultiplierLimit', 'digital multiplier limit × 100'),
  publicControl('scanningMode', 'scanningMode', 'interlaced (0) or progressive (1)'),
  publicControl('analogVideoStandard', 'analogVideoStandard', 'analog video standard (read-only)'),
  publicControl('analogLockStatus', 'analogLockStatus', 'analog video lock (read-only)'),
];

/**
 * Resolve a name the user gave: a wire control name from {@link CONTROLS}, a public name or
 * one of its aliases. Returns the wire control and, for a field name (`pan`), the field.
 */
export function resolveControlName(
  name: string,
): { definition: ControlDefinition; field?: ControlField } | undefined {
  const wire = controlByName(name);
  if (wire) return { definition: wire };

  const entry = PUBLIC_CONTROLS.find((p) => p.name === name || p.aliases.includes(name));
  const definition = entry ? controlByName(entry.control) : undefined;
  if (!entry || !definition) return undefined;
  const field = entry.field ? definition.fields.find((f) => f.name === entry.field) : undefined;
  return field ? { definition, field } : { definition };
}

/** The public name of a wire control (its first whole-value entry), or the wire name. */
export function publicNameOf(control: string): string {
  return PUBLIC_CONTROLS.find((p) => p.control === control && !p.field)?.name ?? control;
}

// ------------------------------------------------------------------------------------------
// Values on the wire.

/** A control value: a number for single-field controls, one number per field otherwise. */
export type ControlValue = number | Record<string, number>;

/** Read one field from a control's bytes (missing bytes read as 0). */
export function readField(bytes: Uint8Array, field: ControlField): number {
  let value = 0;
  for (let byte = field.size - 1; byte >= 0; byte -= 1) {
    value = value * 256 + (bytes[field.offset + byte] ?? 0);
  }
  const span = 2 ** (8 * field.size);
  if (field.signed && value >= span / 2) value -= span;
  return value;
}

/** Write one field into a control's bytes (two's complement for negative values). */
export function writeField(bytes: Uint8Array, field: ControlField, value: number): void {
  const span = 2 ** (8 * field.size);
  let raw = Math.trunc(value) % span;
  if (raw < 0) raw += span;
  for (let byte = 0; byte < field.size; byte += 1) {
    bytes[field.offset + byte] = Math.floor(raw / 2 ** (8 * byte)) & 0xff;
  }
}

/** True when `value` fits the field's wire size and signedness. */
export function fitsField(field: ControlField, value: number): boolean {
  if (!Number.isInteger(value)) return false;
  const span = 2 ** (8 * field.size);
  return field.signed ? value >= -span / 2 && value < span / 2 : value >= 0 && value < span;
}

/** Decode a control's bytes: a number for one field, a record by field name otherwise. */
export function decodeControlValue(definition: ControlDefinition, bytes: Uint8Array): ControlValue {
  const [only] = definition.fields;
  if (definition.fields.length === 1 && only) return readField(bytes, only);
  const value: Record<string, number> = {};
  for (const field of definition.fields) value[field.name] = readField(bytes, field);
  return value;
}

/** The values of a decoded control, one per field in wire order. */
export function fieldValues(definition: ControlDefinition, value: ControlValue): number[] {
  if (typeof value === 'number') return [value];
  return definition.fields.map((field) => value[field.name] ?? 0);
}

/** Encode one value per field into the control's `size` bytes. */
export function encodeFieldValues(
  definition: ControlDefinition,
  values: readonly number[],
): Uint8Array<ArrayBuffer> {
  const bytes = new Uint8Array(definition.size);
  definition.fields.forEach((field, index) => writeField(bytes, field, values[index] ?? 0));
  return bytes;
}

// ------------------------------------------------------------------------------------------
// What an entity advertises.

/** True when bit `bit` is set in a little-endian bitmap. */
export function hasBit(bitmap: Uint8Array, bit: number): boolean {
  const byte = bitmap[bit >> 3];
  return byte !== undefined && (byte & (1 << (bit & 7))) !== 0;
}

/** A standard control an entity advertises. */
export interface AdvertisedControl {
  definition: ControlDefinition;
  /** bTerminalID or bUnitID. */
  entityId: number;
}

/** The standard controls an entity's bmControls advertises (none for other entity kinds). */
export function advertisedControls(entity: Entity): AdvertisedControl[] {
  let kind: ControlEntity;
  let bitmap: Uint8Array;
  let entityId: number;
  if (entity.type === 'inputTerminal' && entity.wTerminalType === TT.ITT_CAMERA && entity.camera) {
    kind = 'camera';
    bitmap = entity.camera.bmControls;
    entityId = entity.bTerminalID;
  } else if (entity.type === 'processingUnit') {
    kind = 'processing';
    bitmap = entity.bmControls;
    entityId = entity.bUnitID;
  } else {
    return [];
  }
  return CONTROLS.filter((c) => c.entity === kind && hasBit(bitmap, c.bit)).map((definition) => ({
    definition,
    entityId,
  }));
}

/** Extension-unit selectors bmControls advertises: bit n is selector n + 1 (UVC 1.5 §3.7.2.7). */
export function extensionSelectors(bmControls: Uint8Array): number[] {
  const selectors: number[] = [];
  for (let bit = 0; bit < bmControls.length * 8; bit += 1) {
    if (hasBit(bmControls, bit)) selectors.push(bit + 1);
  }
  return selectors;
}

/** A GET_INFO answer, spelled out. */
export interface ControlCapabilities {
  /** The raw GET_INFO byte. */
  bmCapabilities: number;
  get: boolean;
  set: boolean;
  /** GET only. */
  readOnly: boolean;
  /** Disabled because an automatic mode controls it. */
  disabledByAuto: boolean;
  /** The camera may change the value itself (auto modes); watch the status endpoint. */
  autoUpdate: boolean;
  /** SET_CUR completes later, through a control-change status event. */
  asynchronous: boolean;
  /** UVC 1.5: disabled because it conflicts with the committed stream. */
  disabledByCommit: boolean;
}

/** Spell out a GET_INFO byte. */
export function decodeControlInfo(bmCapabilities: number): ControlCapabilities {
  const has = (bit: number): boolean => (bmCapabilities & bit) !== 0;
  return {
    bmCapabilities,
    get: has(CONTROL_INFO.GET),
    set: has(CONTROL_INFO.SET),
    readOnly: has(CONTROL_INFO.GET) && !has(CONTROL_INFO.SET),
    disabledByAuto: has(CONTROL_INFO.DISABLED_BY_AUTO),
    autoUpdate: has(CONTROL_INFO.AUTOUPDATE),
    asynchronous: has(CONTROL_INFO.ASYNCHRONOUS),
    disabledByCommit: has(CONTROL_INFO.DISABLED_BY_COMMIT),
  };
}
