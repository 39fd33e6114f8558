/**
 * The raw control API of one video function: every standard control its Camera Terminal and
 * Processing Unit advertise, read and written through the tables of `uvc/controls.ts`, and
 * the extension units by GUID.
 *
 * What it does for each request:
 *
 * - goes through the device's {@link ControlGate}: one request at a time, rate-limited for
 *   cameras with the `controlThrottle` quirk (Razer Kiyo Pro, bugs.md §8);
 * - after a STALL, asks VC_REQUEST_ERROR_CODE_CONTROL why, unless the quirk table says asking
 *   makes things worse (`noErrorCodeQuery`: it backs off instead) or the camera STALLed that
 *   question before, and throws a CameraError whose code follows the reason
 *   (`UVC_REQUEST_ERROR_CODES` in `src/errors.ts`: out of range → 7400101, wrong state →
 *   7400102);
 * - probes a control with GET_INFO before first use and treats a STALL there as "not
 *   supported although advertised" (bugs.md §10), with a once-per-device notice;
 * - checks values against the camera's GET_MIN/GET_MAX/GET_RES before sending them: a value
 *   outside is 7400101 without a request;
 * - waits for the status event that completes an asynchronous control (GET_INFO D4), when a
 *   {@link StatusEvents} reader is given;
 * - remembers what was set, so {@link CameraControls.restore} can set it again on cameras
 *   that forget their controls when streaming starts (`restoreControlsOnInit`, Logitech C920).
 *
 * Menus and ranges come from the camera, not from bcdUVC: a UVC 1.5 camera that implements
 * power line frequency 0..2 only (bugs.md §9) gets a 0..2 menu.
 *
 * @packageDocumentation
 */
import { CameraError, CameraErrorCode, fromUsbError, fromUvcRequestError } from '../errors.js';
import { UVC_REQ, UVC_REQUEST_ERROR, VC_CONTROL } from '../uvc/constants.js';
import {
  advertisedControls,
  decodeControlInfo,
  decodeControlValue,
  encodeFieldValues,
  extensionSelectors,
  fieldValues,
  fitsField,
  publicNameOf,
  readField,
  resolveControlName,
  type AdvertisedControl,
  type ControlCapabilities,
  type ControlDefinition,
  type ControlField,
  type ControlValue,
} from '../uvc/controls.js';
import type { ExtensionUnit, VideoFunction } from '../uvc/model.js';
import { noticeOnce, type DeviceQuirks, type NoticeListener } from '../uvc/quirks.js';
import {
  describeRequest,
  getControl,
  isStall,
  setControl,
  vcRequest,
  type UvcRequestCode,
} from '../uvc/requests.js';
import { ControlRequestError } from './control-errors.js';
import type { ControlChangeEvent, StatusEvents } from './status.js';
import { controlGateFor, type ControlGate, type GateClock } from './throttle.js';

/** Options of {@link CameraControls}. */
export interface CameraControlsOptions {
  /** The device's quirks (`resolveQuirks`); none when absent. */
  quirks?: DeviceQuirks;
  /** Receives once-per-device notices when the camera breaks the specification. */
  onNotice?: NoticeListener;
  /** The status endpoint reader, for asynchronous controls. */
  events?: StatusEvents;
  /** How long to wait for an asynchronous control's completion (default 3000 ms). */
  asyncTimeoutMs?: number;
  /** Clock of the rate limit (tests use virtual time). */
  clock?: GateClock;
}

/** One entry of a control's menu. */
export interface MenuEntry {
  value: number;
  name: string;
}

/** A control as the camera describes it: what {@link CameraControls.list} returns. */
export interface ControlDescription {
  /** Wire control name (`exposureTimeAbsolute`). */
  name: string;
  /** Public name (`exposure`). */
  publicName: string;
  /** The specification's name. */
  wireName: string;
  entity: 'camera' | 'processing';
  entityId: number;
  selector: number;
  unit: string;
  kind: ControlDefinition['kind'];
  /** Field names of compound and relative controls. */
  fields: string[];
  /** False when the camera advertises the control but STALLs GET_INFO. */
  supported: boolean;
  /** GET_INFO, spelled out. */
  info?: ControlCapabilities;
  /** Disabled while an automatic mode runs (GET_INFO D2, or the table's rule). */
  inactive: boolean;
  /** The automatic control that governs this one, if any. */
  automaticControl?: string;
  min?: ControlValue;
  max?: ControlValue;
  /** GET_RES (the step); for mode bitmaps, the supported modes. */
  step?: ControlValue;
  default?: ControlValue;
  current?: ControlValue;
  /** Named values (menus, the modes of a bitmap), limited to what the camera offers. */
  menu?: MenuEntry[];
  /** What failed while describing it, for people. */
  problem?: string;
}

/** A value to set: a number, one number per field, or a menu entry's name. */
export type ControlInput = number | string | Record<string, number>;

/** What {@link CameraControls.set} did. */
export interface SetOutcome {
  /** The bytes sent. */
  sent: Uint8Array;
  /** The control completes asynchronously (GET_INFO D4). */
  asynchronous: boolean;
  /** False when an asynchronous control's completion did not arrive in time. */
  completed: boolean;
}

/** An extension unit of the camera. */
export interface ExtensionUnitInfo {
  unitId: number;
  /** guidExtensionCode in its string form. */
  guid: string;
  bNumControls: number;
  /** Selectors bmControls advertises. */
  selectors: number[];
}

/** GET_LEN and GET_INFO of an extension-unit control. */
export interface ExtensionControlInfo {
  unitId: number;
  selector: number;
  length: number;
  info: ControlCapabilities;
}

/** What {@link CameraControls.restore} did. */
export interface RestoreOutcome {
  restored: string[];
  failed: Array<{ control: string; error: CameraError }>;
}

/** The range requests and their names. */
const RANGE_REQUESTS = {
  min: UVC_REQ.GET_MIN,
  max: UVC_REQ.GET_MAX,
  step: UVC_REQ.GET_RES,
  default: UVC_REQ.GET_DEF,
} as const;

/** A name of {@link RANGE_REQUESTS}. */
type RangeKey = keyof typeof RANGE_REQUESTS;

/** GET_INFO and GET_LEN answer sizes (UVC 1.5 §4.1.2). */
const INFO_LENGTH = 1;
const LEN_LENGTH = 2;

const DEFAULT_ASYNC_TIMEOUT_MS = 3000;

/** UVC 1.5 added power line frequency "auto" (3). */
const BCD_UVC_15 = 0x0150;
const PLF_MAX_UVC_11 = 2;
const PLF_MAX_UVC_15 = 3;

/** A value set through the API, kept for {@link CameraControls.restore}. */
interface SetValue {
  entityId: number;
  selector: number;
  bytes: Uint8Array<ArrayBuffer>;
}

/** True for failures that end the operation (the camera is gone), not for a refusal. */
function isFatal(error: unknown): boolean {
  return !(error instanceof CameraError) || error.code === CameraErrorCode.SERVICE_FATAL_ERROR;
}

/** "pan, tilt". */
function fieldNames(definition: ControlDefinition): string {
  return definition.fields.map((field) => field.name).join(', ');
}

/** What the camera said about a control, cached after the first look. */
interface ControlState {
  advertised: AdvertisedControl;
  info?: ControlCapabilities;
  unsupported?: string;
  ranges?: Partial<Record<RangeKey, Uint8Array>>;
}

/** The standard controls and extension units of one video function. */
export class CameraControls {
  readonly #device: USBDevice;
  readonly #fn: VideoFunction;
  readonly #options: CameraControlsOptions;
  readonly #gate: ControlGate;
  readonly #controls = new Map<string, ControlState>();
  /** Values set through this object, in order, for {@link restore}. */
  readonly #setValues = new Map<string, SetValue>();
  readonly #xuLengths = new Map<string, number>();
  #errorCodeUnsupported = false;

  constructor(device: USBDevice, fn: VideoFunction, options: CameraControlsOptions = {}) {
    this.#device = device;
    this.#fn = fn;
    this.#options = options;
    this.#gate = controlGateFor(device, options.quirks?.throttle, options.clock);
    for (const entity of fn.videoControl.entities) {
      for (const advertised of advertisedControls(entity)) {
        if (!this.#controls.has(advertised.definition.name)) {
          this.#controls.set(advertised.definition.name, { advertised });
        }
      }
    }
  }

  /** The standard controls the descriptors advertise (no I/O). */
  get advertised(): AdvertisedControl[] {
    return [...this.#controls.values()].map((state) => state.advertised);
  }

  /** The device's request gate (its rate limit and wait counters). */
  get gate(): ControlGate {
    return this.#gate;
  }

  /** True when the camera forgets its controls at stream start ({@link restore} sets them). */
  get restoresOnStreamStart(): boolean {
    return this.#options.quirks?.flags.has('restoreControlsOnInit') ?? false;
  }

  /** True when the descriptors advertise `name` (a wire or public name). */
  has(name: string): boolean {
    const resolved = resolveControlName(name);
    return resolved !== undefined && this.#controls.has(resolved.definition.name);
  }

  /**
   * Describe every advertised control: GET_INFO, then GET_CUR and the range requests. A
   * control that STALLs GET_INFO is listed with `supported: false`.
   *
   * @throws CameraError for transport failures (the camera is gone).
   */
  async list(): Promise<ControlDescription[]> {
    const descriptions: ControlDescription[] = [];
    for (const state of this.#controls.values()) descriptions.push(await this.#describe(state));
    return descriptions;
  }

  /**
   * Describe one control (wire or public name).
   *
   * @throws CameraError 7400101 when the camera does not advertise it.
   */
  async describe(name: string): Promise<ControlDescription> {
    return this.#describe(this.#state(name).state);
  }

  /**
   * The current value of a control: a number, or one number per field. A field name (`pan`)
   * gives that field's number.
   *
   * @throws CameraError 7400101 when the camera does not advertise it; 7400102 when the camera
   *   does not support it or refuses (with the reason it gives), or is closed.
   */
  async get(name: string): Promise<ControlValue> {
    const { state, field } = this.#state(name);
    await this.#probe(state);
    this.#checkSupported(state);
    const definition = state.advertised.definition;
    const bytes = await this.#read(state, UVC_REQ.GET_CUR);
    return field ? readField(bytes, field) : decodeControlValue(definition, bytes);
  }

  /**
   * Set a control. The value is checked against the camera's range and step first; an
   * asynchronous control is waited for (when a status reader was given).
   *
   * @throws CameraError 7400101 for an unknown control, a value of the wrong shape, or one
   *   outside the camera's range or step; 7400102 for a read-only or unsupported control, or
   *   when the camera refuses (wrong state: its automatic mode is on; not ready) or is closed;
   *   the code of the camera's reason otherwise.
   */
  async set(name: string, input: ControlInput): Promise<SetOutcome> {
    const { state, field } = this.#state(name);
    await this.#probe(state);
    this.#checkSupported(state);
    const definition = state.advertised.definition;
    if (state.info && !state.info.set) {
      const message = `${definition.name} is read-only`;
      throw new CameraError(CameraErrorCode.OPERATION_NOT_ALLOWED, message, {
        expected: 'a settable control',
        found: `GET_INFO 0x${state.info.bmCapabilities.toString(16)}`,
      });
    }

    const values = await this.#valuesToSet(state, field, input);
    await this.#checkRange(state, values);
    const bytes = encodeFieldValues(definition, values);

    const asynchronous = state.info?.asynchronous ?? false;
    const events = this.#options.events;
    const waiter =
      asynchronous && events?.available ? this.#completion(state, events) : undefined;
    try {
      await this.#write(state, bytes);
    } catch (error) {
      waiter?.cancel();
      throw error;
    }
    this.#setValues.delete(definition.name);
    this.#setValues.set(definition.name, {
      entityId: state.advertised.entityId,
      selector: definition.selector,
      bytes,
    });

    if (!waiter) return { sent: bytes, asynchronous, completed: !asynchronous };
    const event = await waiter.promise;
    if (event?.attribute === 'failure') {
      const code = event.requestErrorCode;
      const description = `asynchronous SET_CUR(${definition.name})`;
      const cause = new ControlRequestError(description, code, event);
      throw fromUvcRequestError(code, description, cause);
    }
    return { sent: bytes, asynchronous, completed: event !== undefined };
  }

  /**
   * Set again every value set through this object, in the order they were set: for cameras
   * that forget them when streaming starts. Failures are returned, not thrown.
   */
  async restore(): Promise<RestoreOutcome> {
    const outcome: RestoreOutcome = { restored: [], failed: [] };
    for (const [name, value] of this.#setValues) {
      const state = this.#controls.get(name);
      if (!state) continue;
      try {
        await this.#write(state, value.bytes);
        outcome.restored.push(name);
      } catch (error) {
        const failure =
          error instanceof CameraError ? error : fromUsbError(error, `restoring ${name}`);
        outcome.failed.push({ control: name, error: failure });
      }
    }
    return outcome;
  }

  // ----------------------------------------------------------------------------------------
  // Extension units.

  /** The extension units of the function (no I/O). */
  extensionUnits(): ExtensionUnitInfo[] {
    return this.#extensionUnits().map((unit) => ({
      unitId: unit.bUnitID,
      guid: unit.guidExtensionCode,
      bNumControls: unit.bNumControls,
      selectors: extensionSelectors(unit.bmControls),
    }));
  }

  /**
   * GET_LEN and GET_INFO of an extension-unit control. `unit` is the unit's GUID (any case)
   * or its bUnitID.
   *
   * @throws CameraError 7400101 for an unknown unit or a selector it does not advertise; the
   *   camera's reason when it refuses.
   */
  async extensionControl(unit: string | number, selector: number): Promise<ExtensionControlInfo> {
    const xu = this.#extensionUnit(unit, selector);
    const length = await this.#xuLength(xu, selector);
    const info = await this.#xuRequest(xu, selector, UVC_REQ.GET_INFO, INFO_LENGTH);
    return { unitId: xu.bUnitID, selector, length, info: decodeControlInfo(info[0] ?? 0) };
  }

  /**
   * Read an extension-unit control's bytes: GET_CUR, or another GET request (`GET_MIN`,
   * `GET_MAX`, `GET_RES`, `GET_DEF`). The length comes from GET_LEN.
   */
  async getExtension(
    unit: string | number,
    selector: number,
    request: UvcRequestCode = UVC_REQ.GET_CUR,
  ): Promise<Uint8Array> {
    const xu = this.#extensionUnit(unit, selector);
    const length = await this.#xuLength(xu, selector);
    return (await this.#xuRequest(xu, selector, request, length)).slice();
  }

  /**
   * Write an extension-unit control's bytes (SET_CUR).
   *
   * @throws CameraError 7400101 when `bytes` is not GET_LEN bytes long.
   */
  async setExtension(unit: string | number, selector: number, bytes: Uint8Array): Promise<void> {
    const xu = this.#extensionUnit(unit, selector);
    const length = await this.#xuLength(xu, selector);
    if (bytes.length !== length) {
      const message = `extension control ${selector} of unit ${xu.bUnitID} has another length`;
      throw new CameraError(CameraErrorCode.INVALID_ARGUMENT, message, {
        expected: `${length} bytes (GET_LEN)`,
        found: `${bytes.length} bytes`,
      });
    }
    const params = vcRequest(this.#vcInterface, xu.bUnitID, selector);
    const copy = new Uint8Array(bytes);
    await this.transfer(`extension ${xu.guidExtensionCode} selector ${selector}`, () =>
      setControl(this.#device, params, copy),
    );
  }

  /**
   * Ask the camera why its last request failed (VC_REQUEST_ERROR_CODE_CONTROL). Undefined when
   * it STALLs that question too.
   */
  async requestErrorCode(): Promise<number | undefined> {
    return this.#gate.run(() => this.#askErrorCode());
  }

  // ----------------------------------------------------------------------------------------
  // Describing.

  async #describe(state: ControlState): Promise<ControlDescription> {
    const definition = state.advertised.definition;
    const rule = definition.inactiveWhen;
    const description: ControlDescription = {
      name: definition.name,
      publicName: publicNameOf(definition.name),
      wireName: definition.wireName,
      entity: definition.entity,
      entityId: state.advertised.entityId,
      selector: definition.selector,
      unit: definition.unit,
      kind: definition.kind,
      fields: definition.fields.length > 1 ? definition.fields.map((f) => f.name) : [],
      supported: true,
      inactive: false,
      ...(rule && this.#controls.has(rule.control) ? { automaticControl: rule.control } : {}),
    };

    const probed = state.info !== undefined;
    await this.#probe(state);
    if (state.unsupported !== undefined) {
      return { ...description, supported: false, problem: state.unsupported };
    }
    // GET_INFO changes with automatic modes (D2): read it afresh.
    if (probed) {
      const info = await this.#read(state, UVC_REQ.GET_INFO, INFO_LENGTH);
      state.info = decodeControlInfo(info[0] ?? 0);
    }
    if (state.info) description.info = state.info;

    const problems: string[] = [];
    const attempt = async <T>(what: string, work: () => Promise<T>): Promise<T | undefined> => {
      try {
        return await work();
      } catch (error) {
        if (isFatal(error)) throw error;
        problems.push(`${what}: ${(error as CameraError).message}`);
        return undefined;
      }
    };

    const current = await attempt('GET_CUR', () => this.#read(state, UVC_REQ.GET_CUR));
    if (current) description.current = decodeControlValue(definition, current);
    const ranges = await this.#ranges(state, attempt);
    for (const key of Object.keys(RANGE_REQUESTS) as RangeKey[]) {
      const bytes = ranges[key];
      if (bytes) description[key] = decodeControlValue(definition, bytes);
    }
    this.#synthesizeRange(description, definition);

    const menu = this.#menu(definition, description);
    if (menu) description.menu = menu;
    description.inactive = (state.info?.disabledByAuto ?? false) || (await this.#governed(state));
    if (problems.length > 0) description.problem = problems.join('; ');
    return description;
  }

  /** Ranges of booleans, menus and single steps when the camera gives none (the spec has none). */
  #synthesizeRange(description: ControlDescription, definition: ControlDefinition): void {
    if (definition.fields.length !== 1) return;
    if (definition.kind === 'relative') {
      // One step: 0 stop, 1 up, 0xFF (−1) down (UVC 1.5 §4.2.2.1.4, §4.2.2.1.7).
      description.min ??= -1;
      description.max ??= 1;
      description.step ??= 1;
    } else if (definition.kind === 'boolean') {
      description.min ??= 0;
      description.max ??= 1;
      description.step ??= 1;
    } else if (definition.kind === 'menu' && definition.menu) {
      const keys = Object.keys(definition.menu).map(Number);
      description.min ??= Math.min(...keys);
      description.max ??= this.#menuMax(definition, keys);
      description.step ??= 1;
    }
  }

  /** The highest menu value when the camera gives no GET_MAX: power line frequency by bcdUVC. */
  #menuMax(definition: ControlDefinition, keys: number[]): number {
    if (definition.name !== 'powerLineFrequency') return Math.max(...keys);
    const uvc15 = this.#fn.videoControl.bcdUVC >= BCD_UVC_15;
    const uvc11Semantics = this.#options.quirks?.flags.has('powerLineFrequencyUvc11') ?? false;
    return uvc15 && !uvc11Semantics ? PLF_MAX_UVC_15 : PLF_MAX_UVC_11;
  }

  /** Menu entries the camera offers: within [min, max], or the bits of a mode bitmap's GET_RES. */
  #menu(definition: ControlDefinition, description: ControlDescription): MenuEntry[] | undefined {
    if (!definition.menu) return undefined;
    const entries = Object.entries(definition.menu).map(([value, name]) => ({
      value: Number(value),
      name,
    }));
    if (definition.kind === 'bitmap') {
      const supported = typeof description.step === 'number' ? description.step : undefined;
      if (supported === undefined) return entries;
      return entries.filter((entry) => (supported & entry.value) !== 0);
    }
    const min = typeof description.min === 'number' ? description.min : -Infinity;
    const max = typeof description.max === 'number' ? description.max : Infinity;
    return entries.filter((entry) => entry.value >= min && entry.value <= max);
  }

  /** True when the control's automatic twin is on (read from the camera). */
  async #governed(state: ControlState): Promise<boolean> {
    const rule = state.advertised.definition.inactiveWhen;
    const twin = rule ? this.#controls.get(rule.control) : undefined;
    if (!rule || !twin) return false;
    try {
      await this.#probe(twin);
      if (twin.unsupported !== undefined) return false;
      const bytes = await this.#read(twin, UVC_REQ.GET_CUR);
      const [field] = twin.advertised.definition.fields;
      return field !== undefined && (readField(bytes, field) & rule.mask) !== 0;
    } catch (error) {
      if (!isFatal(error)) return false;
      throw error;
    }
  }

  /** The camera's GET_MIN/GET_MAX/GET_RES/GET_DEF, cached; the table says which to ask. */
  async #ranges(
    state: ControlState,
    attempt: <T>(what: string, work: () => Promise<T>) => Promise<T | undefined>,
  ): Promise<Partial<Record<RangeKey, Uint8Array>>> {
    if (state.ranges) return state.ranges;
    const definition = state.advertised.definition;
    const ranges: Partial<Record<RangeKey, Uint8Array>> = {};
    // Menus have no range requests in the specification, but their range is the camera's to
    // say (bugs.md §9): ask for it and accept a refusal silently.
    const optional = definition.kind === 'menu' && !definition.readOnly;
    const requests = Object.entries(RANGE_REQUESTS) as Array<[RangeKey, UvcRequestCode]>;
    for (const [key, request] of requests) {
      const listed = definition.requests.includes(request);
      if (!listed && !(optional && request !== UVC_REQ.GET_RES)) continue;
      const bytes = listed
        ? await attempt(key, () => this.#read(state, request))
        : await this.#read(state, request).catch((error: unknown) => {
            if (isFatal(error)) throw error;
            return undefined;
          });
      if (bytes) ranges[key] = bytes;
    }
    state.ranges = ranges;
    return ranges;
  }

  // ----------------------------------------------------------------------------------------
  // Setting.

  /** One number per field: from a number, a record, a menu name, or "a,b" text. */
  async #valuesToSet(
    state: ControlState,
    field: ControlField | undefined,
    input: ControlInput,
  ): Promise<number[]> {
    const definition = state.advertised.definition;
    const fields = definition.fields;
    const names = fieldNames(definition);
    const message = `not a value for ${field?.name ?? definition.name}`;
    const wrong = (expected: string): CameraError =>
      new CameraError(CameraErrorCode.INVALID_ARGUMENT, message, { expected, found: input });

    if (field) {
      const number = this.#number(definition, input);
      if (number === undefined) throw wrong('a number');
      const current = await this.#read(state, UVC_REQ.GET_CUR);
      return fields.map((f) => (f === field ? number : readField(current, f)));
    }

    if (typeof input === 'object') {
      const unknown = Object.keys(input).filter((key) => !fields.some((f) => f.name === key));
      const missing = fields.filter((f) => typeof input[f.name] !== 'number');
      if (unknown.length > 0 || missing.length > 0) throw wrong(`fields ${names}`);
      return fieldValues(definition, input);
    }

    if (typeof input === 'string' && input.includes(',')) {
      const parts = input.split(',').map((part) => Number(part.trim()));
      if (parts.length !== fields.length || parts.some((n) => !Number.isFinite(n))) {
        throw wrong(`${fields.length} comma-separated numbers (${names})`);
      }
      return parts;
    }

    const number = this.#number(definition, input);
    if (number === undefined || fields.length !== 1) {
      const menu = definition.menu ? ` or one of ${Object.values(definition.menu).join(', ')}` : '';
      throw wrong(fields.length === 1 ? `a number${menu}` : `fields ${names}`);
    }
    return [number];
  }

  /** A number from a number, numeric text or a menu name. */
  #number(definition: ControlDefinition, input: ControlInput): number | undefined {
    if (typeof input === 'number') return input;
    if (typeof input !== 'string') return undefined;
    const text = input.trim();
    const wanted = text.toLowerCase();
    const menu = Object.entries(definition.menu ?? {});
    const entry = menu.find(([, name]) => name.toLowerCase() === wanted);
    if (entry) return Number(entry[0]);
    if (text === '') return undefined;
    const number = Number(text);
    return Number.isFinite(number) ? number : undefined;
  }

  /** Refuse values outside the wire size, the camera's range or its step (7400101). */
  async #checkRange(state: ControlState, values: number[]): Promise<void> {
    const definition = state.advertised.definition;
    const fail = (found: string, expected: string): never => {
      const message = `${definition.name} out of range`;
      throw new CameraError(CameraErrorCode.INVALID_ARGUMENT, message, { expected, found });
    };
    definition.fields.forEach((field, index) => {
      const value = values[index] ?? 0;
      if (!fitsField(field, value)) {
        const signed = field.signed ? ', signed' : '';
        fail(`${field.name} ${value}`, `an integer of ${field.size} byte(s)${signed}`);
      }
    });

    const problems: string[] = [];
    const ranges = await this.#ranges(state, async (what, work) => {
      try {
        return await work();
      } catch (error) {
        if (error instanceof CameraError && error.code !== CameraErrorCode.SERVICE_FATAL_ERROR) {
          problems.push(what);
          return undefined;
        }
        throw error;
      }
    });

    if (definition.kind === 'bitmap') {
      const mode = values[0] ?? 0;
      const supported = ranges.step ? readField(ranges.step, definition.fields[0]!) : undefined;
      const single = mode !== 0 && (mode & (mode - 1)) === 0;
      if (!single || (supported !== undefined && (mode & supported) === 0)) {
        const names = Object.entries(definition.menu ?? {})
          .filter(([bit]) => supported === undefined || (Number(bit) & supported) !== 0)
          .map(([bit, name]) => `${name} (${bit})`);
        fail(String(mode), `one of ${names.join(', ')}`);
      }
      return;
    }

    const synthesized = this.#synthesizedBounds(definition);
    definition.fields.forEach((field, index) => {
      const value = values[index] ?? 0;
      const min = ranges.min ? readField(ranges.min, field) : synthesized?.min;
      const max = ranges.max ? readField(ranges.max, field) : synthesized?.max;
      if ((min !== undefined && value < min) || (max !== undefined && value > max)) {
        fail(`${field.name} ${value}`, `${field.name} in ${min ?? '…'}..${max ?? '…'}`);
      }
      const step = ranges.step ? readField(ranges.step, field) : 0;
      const base = min ?? 0;
      if (definition.kind !== 'relative' && step > 1 && (value - base) % step !== 0) {
        fail(`${field.name} ${value}`, `${field.name} in steps of ${step} from ${base}`);
      }
    });
  }

  /** Bounds of booleans and menus, which the specification gives no range requests. */
  #synthesizedBounds(definition: ControlDefinition): { min: number; max: number } | undefined {
    if (definition.kind === 'boolean') return { min: 0, max: 1 };
    const step = definition.kind === 'relative' && definition.fields.length === 1;
    if (step) return { min: -1, max: 1 };
    if (definition.kind === 'menu' && definition.menu) {
      const keys = Object.keys(definition.menu).map(Number);
      return { min: Math.min(...keys), max: this.#menuMax(definition, keys) };
    }
    return undefined;
  }

  /** Wait for the status event that completes an asynchronous SET_CUR. */
  #completion(state: ControlState, events: StatusEvents) {
    const entityId = state.advertised.entityId;
    const selector = state.advertised.definition.selector;
    const accept = (event: { type: string }): event is ControlChangeEvent => {
      const change = event as ControlChangeEvent;
      return (
        change.type === 'control' &&
        change.entityId === entityId &&
        change.selector === selector &&
        (change.attribute === 'value' || change.attribute === 'failure')
      );
    };
    return events.next(accept, this.#options.asyncTimeoutMs ?? DEFAULT_ASYNC_TIMEOUT_MS);
  }

  // ----------------------------------------------------------------------------------------
  // Requests.

  get #vcInterface(): number {
    return this.#fn.videoControl.bInterfaceNumber;
  }

  #state(name: string): { state: ControlState; field?: ControlField } {
    const resolved = resolveControlName(name);
    const state = resolved ? this.#controls.get(resolved.definition.name) : undefined;
    if (!resolved || !state) {
      const known = [...this.#controls.keys()];
      const message = `the camera has no control "${name}"`;
      throw new CameraError(CameraErrorCode.INVALID_ARGUMENT, message, {
        expected: known.length > 0 ? `one of ${known.join(', ')}` : 'a camera with controls',
        found: name,
      });
    }
    return resolved.field ? { state, field: resolved.field } : { state };
  }

  /** GET_INFO once per control; a STALL marks it unsupported (bugs.md §10). */
  async #probe(state: ControlState): Promise<void> {
    this.#checkOpen();
    if (state.info || state.unsupported !== undefined) return;
    try {
      const info = await this.#read(state, UVC_REQ.GET_INFO, INFO_LENGTH);
      state.info = decodeControlInfo(info[0] ?? 0);
    } catch (error) {
      // A camera closed meanwhile says nothing about the control.
      if (isFatal(error) || this.#device.opened === false) throw error;
      const name = state.advertised.definition.name;
      state.unsupported = `advertised, but GET_INFO failed: ${(error as CameraError).message}`;
      const device = this.#options.quirks?.id ?? 'camera';
      noticeOnce(
        this.#device,
        this.#options.onNotice,
        {
          device,
          kind: 'controlUnsupported',
          message: `${device} advertises ${name} but refuses GET_INFO on it; taken as unsupported`,
        },
        name,
      );
    }
  }

  /** Throw 7400102 once the camera is closed: its requests cannot tell anything. */
  #checkOpen(): void {
    if (this.#device.opened !== false) return;
    throw new CameraError(CameraErrorCode.OPERATION_NOT_ALLOWED, 'the camera is closed', {
      expected: 'an open camera',
      found: 'closed',
    });
  }

  #checkSupported(state: ControlState): void {
    if (state.unsupported === undefined) return;
    const name = state.advertised.definition.name;
    const message = `the camera does not support ${name}`;
    throw new CameraError(CameraErrorCode.OPERATION_NOT_ALLOWED, message, {
      expected: 'a control that answers GET_INFO',
      found: state.unsupported,
    });
  }

  async #read(state: ControlState, request: UvcRequestCode, length?: number): Promise<Uint8Array> {
    const definition = state.advertised.definition;
    const params = vcRequest(this.#vcInterface, state.advertised.entityId, definition.selector);
    const size = length ?? definition.size;
    return this.transfer(definition.name, () => getControl(this.#device, params, request, size));
  }

  async #write(state: ControlState, bytes: Uint8Array<ArrayBuffer>): Promise<void> {
    const definition = state.advertised.definition;
    const params = vcRequest(this.#vcInterface, state.advertised.entityId, definition.selector);
    try {
      await this.transfer(definition.name, () => setControl(this.#device, params, bytes));
    } catch (error) {
      throw this.#explainWrongState(state, error);
    }
  }

  /** Add which automatic mode is on to a wrong-state refusal. */
  #explainWrongState(state: ControlState, error: unknown): unknown {
    const cause = (error as { cause?: unknown }).cause;
    const rule = state.advertised.definition.inactiveWhen;
    const wrongState =
      cause instanceof ControlRequestError &&
      cause.requestErrorCode === UVC_REQUEST_ERROR.WRONG_STATE;
    const governed = rule !== undefined && this.#controls.has(rule.control);
    if (!(error instanceof CameraError) || !wrongState || !rule || !governed) return error;
    return new CameraError(error.code, `${error.message} (turn ${rule.control} to manual first)`, {
      expected: `${rule.control} in a manual mode`,
      found: 'an automatic mode',
      cause,
    });
  }

  /**
   * Run one class request of this video function (a control, a still probe) through the
   * device's gate: one at a time, rate-limited where the quirks say so. A STALL becomes the
   * CameraError of the reason the camera gives (asked unless asking is known to hurt); any
   * other failure, the USB failure table's error.
   *
   * @param what - the request, for messages ("SET_CUR(VS_STILL_PROBE_CONTROL)").
   */
  transfer<T>(what: string, work: () => Promise<T>): Promise<T> {
    return this.#gate.run(async () => {
      this.#checkOpen();
      try {
        return await work();
      } catch (error) {
        if (!isStall(error)) throw fromUsbError(error, what);
        const code = await this.#reasonForStall();
        const described = error instanceof Error && 'description' in error;
        const description = described ? String(error.description) : what;
        throw fromUvcRequestError(code, what, new ControlRequestError(description, code, error));
      }
    });
  }

  /** After a STALL: ask why, unless asking is known to hurt (then back off). */
  async #reasonForStall(): Promise<number | undefined> {
    const quirks = this.#options.quirks;
    if (quirks?.flags.has('noErrorCodeQuery')) {
      this.#gate.backOff();
      noticeOnce(this.#device, this.#options.onNotice, {
        device: quirks.id,
        kind: 'noErrorCodeQuery',
        message: `${quirks.id}: a control request STALLed; backing off without asking why`,
      });
      return undefined;
    }
    this.#gate.backOff();
    return this.#askErrorCode();
  }

  /** GET_CUR(VC_REQUEST_ERROR_CODE_CONTROL), inside the current gate turn. */
  async #askErrorCode(): Promise<number | undefined> {
    if (this.#errorCodeUnsupported) return undefined;
    const params = vcRequest(this.#vcInterface, 0, VC_CONTROL.REQUEST_ERROR_CODE_CONTROL);
    try {
      const answer = await getControl(this.#device, params, UVC_REQ.GET_CUR, 1);
      return answer[0] ?? UVC_REQUEST_ERROR.UNKNOWN;
    } catch (error) {
      if (!isStall(error)) throw fromUsbError(error, describeRequest(params, UVC_REQ.GET_CUR));
      this.#errorCodeUnsupported = true;
      const device = this.#options.quirks?.id ?? 'camera';
      noticeOnce(this.#device, this.#options.onNotice, {
        device,
        kind: 'errorCodeUnsupported',
        message: `${device} STALLs VC_REQUEST_ERROR_CODE_CONTROL; failures come without a reason`,
      });
      return undefined;
    }
  }

  #extensionUnits(): ExtensionUnit[] {
    const entities = this.#fn.videoControl.entities;
    return entities.filter((e): e is ExtensionUnit => e.type === 'extensionUnit');
  }

  #extensionUnit(unit: string | number, selector: number): ExtensionUnit {
    const units = this.#extensionUnits();
    const xu =
      typeof unit === 'number'
        ? units.find((u) => u.bUnitID === unit)
        : units.find((u) => u.guidExtensionCode.toLowerCase() === normaliseGuid(unit));
    if (!xu) {
      const message = `the camera has no extension unit ${unit}`;
      const known = units.map((u) => `${u.guidExtensionCode} (unit ${u.bUnitID})`);
      throw new CameraError(CameraErrorCode.INVALID_ARGUMENT, message, {
        expected: known.length > 0 ? known : 'none',
        found: unit,
      });
    }
    if (!extensionSelectors(xu.bmControls).includes(selector)) {
      const message = `extension unit ${xu.bUnitID} does not advertise selector ${selector}`;
      throw new CameraError(CameraErrorCode.INVALID_ARGUMENT, message, {
        expected: extensionSelectors(xu.bmControls),
        found: selector,
      });
    }
    return xu;
  }

  async #xuLength(xu: ExtensionUnit, selector: number): Promise<number> {
    const key = `${xu.bUnitID}:${selector}`;
    const known = this.#xuLengths.get(key);
    if (known !== undefined) return known;
    const answer = await this.#xuRequest(xu, selector, UVC_REQ.GET_LEN, LEN_LENGTH);
    const length = (answer[0] ?? 0) | ((answer[1] ?? 0) << 8);
    if (length === 0) {
      const message = `extension control ${selector} of unit ${xu.bUnitID} has no length`;
      throw new CameraError(CameraErrorCode.OPERATION_NOT_ALLOWED, message, {
        expected: 'GET_LEN of at least 1',
        found: 0,
      });
    }
    this.#xuLengths.set(key, length);
    return length;
  }

  async #xuRequest(
    xu: ExtensionUnit,
    selector: number,
    request: UvcRequestCode,
    length: number,
  ): Promise<Uint8Array> {
    const params = vcRequest(this.#vcInterface, xu.bUnitID, selector);
    const what = `extension ${xu.guidExtensionCode} selector ${selector}`;
    return this.transfer(what, () => getControl(this.#device, params, request, length));
  }
}

/** A GUID as users write it (braces, any case) in the parser's form. */
function normaliseGuid(text: string): string {
  return text.toLowerCase().replace(/[{}]/g, '');
}
