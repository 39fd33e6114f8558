/**
 * The VideoControl controls of an emulated camera: every Camera Terminal, Processing Unit,
 * Selector Unit and Extension Unit control its descriptors advertise, answering GET_INFO,
 * GET_LEN, GET_MIN, GET_MAX, GET_RES, GET_DEF, GET_CUR and SET_CUR (UVC 1.5 §4.1.2, §4.2.2).
 *
 * Layouts, menus and ranges come from the one control table, `uvc/controls.ts` (its `typical`
 * ranges are plausible, not measured; see there). Extension-unit controls are opaque
 * {@link XU_CONTROL_LENGTH}-byte arrays. A ControlHandler on the camera overrides any of it.
 *
 * Behaviour taken from real cameras (fixtures/bugs.md §9, §10): SET_CUR out of range STALLs
 * with request error 4 (out of range); a manual control whose automatic counterpart is on
 * (exposure time under auto exposure, focus under auto focus, white balance under auto white
 * balance) STALLs SET_CUR with error 2 (wrong state) and reports GET_INFO bit 2 ("disabled
 * due to automatic mode") and bit 3 (auto-update); requests a control does not support STALL
 * with error 7.
 *
 * With a status endpoint, the motorised controls the table marks `typicallyAsynchronous`
 * report GET_INFO bit 4 and complete through a control-change status packet, and switching an
 * automatic mode reports an info change of the manual controls it governs (UVC 1.5 §2.4.2.2;
 * option `reportInfoChanges`).
 *
 * Device behaviours from the quirk table (`uvc/quirks.ts`), emulated for the device's VID:PID:
 * `restoreControlsOnInit` forgets every value when streaming starts (Logitech C920);
 * `powerLineFrequencyUvc11` keeps power line frequency at 0..2 in a UVC 1.5 device (SunplusIT);
 * `controlThrottle` STALLs every request after {@link RAPID_REQUEST_LIMIT} requests less than
 * {@link RAPID_REQUEST_GAP_MS} apart until the host stays quiet for
 * {@link THROTTLE_RECOVERY_MS}, and a VC_REQUEST_ERROR_CODE_CONTROL query while it is
 * stalled locks it up until reset (Razer Kiyo Pro, bugs.md §8: "roughly 25").
 *
 * @packageDocumentation
 */

import {
  CONTROL_INFO,
  POWER_LINE_FREQUENCY,
  STATUS_ATTRIBUTE,
  TT,
  UVC_REQ,
  UVC_REQUEST_ERROR,
  VC_CONTROL,
} from '../uvc/constants.js';
import {
  advertisedControls,
  encodeFieldValues,
  extensionSelectors,
  readField,
  type ControlDefinition,
  type FieldRange,
} from '../uvc/controls.js';
import type { QuirkFlag } from '../uvc/quirks.js';
import { controlChangePacket } from '../uvc/status.js';
import type { Entity, VideoFunction } from '../uvc/model.js';


/** Bytes of every extension-unit control of an emulated camera (their layout is vendor data). */
export const XU_CONTROL_LENGTH = 4;

/** Razer Kiyo Pro model: requests closer than this count as back to back (ms). */
export const RAPID_REQUEST_GAP_MS = 2;
/** Razer Kiyo Pro model: back-to-back requests before the firmware stalls (bugs.md §8). */
export const RAPID_REQUEST_LIMIT = 25;
/** Razer Kiyo Pro model: quiet time after which a stalled firmware answers again (ms). */
export const THROTTLE_RECOVERY_MS = 500;

/** The answer to one control request. */
export type ControlOutcome =
  | { status: 'ok'; data?: Uint8Array }
  | { status: 'stall'; errorCode: number };

/** What an {@link EmulatedControls} needs besides the video function. */
export interface EmulatedControlsOptions {
  /** Behaviours of the device (its quirk flags); none when absent. */
  quirks?: ReadonlySet<QuirkFlag>;
  /** Queues a status interrupt packet; absent when the function has no status endpoint. */
  status?: (packet: Uint8Array) => void;
  /** Device time in ms (for the request-rate model); `performance.now()` when absent. */
  clock?: () => number;
  /** Report info changes of the manual controls an automatic mode governs; off when absent. */
  reportInfoChanges?: boolean;
}

/** A range per field, as the emulated camera answers it. */
interface EmulatedSpec {
  readonly definition: ControlDefinition;
  ranges: readonly FieldRange[];
  asynchronous: boolean;
  /** The automatic control that governs it is present: the camera may update it (GET_INFO D3). */
  autoUpdate?: boolean;
}

/** An emulated control and its current value. */
interface ControlState {
  name: string;
  spec: EmulatedSpec;
  size: number;
  current: Uint8Array;
}

/** Selector Unit SU_INPUT_SELECT_CONTROL (UVC 1.5 Appendix A.9.3). */
const SU_INPUT_SELECT_CONTROL = 0x01;

/** UVC 1.5, where power line frequency gained "auto" (§4.2.2.3.6). */
const BCD_UVC_15 = 0x0150;

/** wMultiplierStep 100 means ×1 (UVC 1.5 §4.2.2.3.13). */
const DIGITAL_MULTIPLIER_ONE = 100;

/** A full byte range, for extension-unit bytes and the selector unit's generic fields. */
const BYTE_RANGE: FieldRange = { min: 0, max: 0xff, res: 1, def: 0 };

const stall = (errorCode: number): ControlOutcome => ({ status: 'stall', errorCode });

function defaults(spec: EmulatedSpec): Uint8Array {
  return encodeFieldValues(spec.definition, spec.ranges.map((range) => range.def));
}

function values(spec: EmulatedSpec, bytes: Uint8Array): number[] {
  return spec.definition.fields.map((field) => readField(bytes, field));
}

/** The request-rate model of a `controlThrottle` device. */
interface RateModel {
  last: number;
  backToBack: number;
  stalledSince: number | undefined;
  lockedUp: boolean;
}

/** The controls of one video function's VideoControl interface. */
export class EmulatedControls {
  readonly #entities = new Map<number, Map<number, ControlState>>();
  readonly #quirks: ReadonlySet<QuirkFlag>;
  readonly #status: ((packet: Uint8Array) => void) | undefined;
  readonly #clock: () => number;
  readonly #reportInfoChanges: boolean;
  readonly #rate: RateModel = {
    last: -Infinity,
    backToBack: 0,
    stalledSince: undefined,
    lockedUp: false,
  };

  constructor(fn: VideoFunction, options: EmulatedControlsOptions = {}) {
    this.#quirks = options.quirks ?? new Set();
    this.#status = options.status;
    this.#clock = options.clock ?? (() => performance.now());
    this.#reportInfoChanges = options.reportInfoChanges ?? false;
    const bcdUVC = fn.videoControl.bcdUVC;
    for (const entity of fn.videoControl.entities) {
      this.#entities.set(entityId(entity), this.#controlsOf(entity, bcdUVC));
    }
  }

  /** Put every control back to its default value (and un-stall the request-rate model). */
  reset(): void {
    for (const controls of this.#entities.values()) {
      for (const control of controls.values()) control.current = defaults(control.spec);
    }
    Object.assign(this.#rate, { backToBack: 0, stalledSince: undefined, lockedUp: false });
  }

  /** Streaming started: a `restoreControlsOnInit` device forgets its control values. */
  streamStarted(): void {
    if (this.#quirks.has('restoreControlsOnInit')) {
      for (const controls of this.#entities.values()) {
        for (const control of controls.values()) control.current = defaults(control.spec);
      }
    }
  }

  /** True when `id` names a terminal or unit of this function. */
  hasEntity(id: number): boolean {
    return this.#entities.has(id);
  }

  /**
   * Admit or refuse any class request to the VideoControl interface before it is answered:
   * the request-rate model of a `controlThrottle` device. Returns a STALL to answer instead,
   * or undefined to go on.
   */
  gate(entity: number, selector: number, request: number): ControlOutcome | undefined {
    if (!this.#quirks.has('controlThrottle')) return undefined;
    const rate = this.#rate;
    const now = this.#clock();
    const gap = now - rate.last;
    rate.last = now;
    if (rate.lockedUp) return stall(UVC_REQUEST_ERROR.UNKNOWN);

    if (rate.stalledSince !== undefined) {
      const asksWhy =
        entity === 0 &&
        selector === VC_CONTROL.REQUEST_ERROR_CODE_CONTROL &&
        request === UVC_REQ.GET_CUR;
      if (asksWhy) rate.lockedUp = true;
      if (asksWhy || gap < THROTTLE_RECOVERY_MS) return stall(UVC_REQUEST_ERROR.UNKNOWN);
      rate.stalledSince = undefined;
      rate.backToBack = 0;
    }

    rate.backToBack = gap < RAPID_REQUEST_GAP_MS ? rate.backToBack + 1 : 1;
    if (rate.backToBack > RAPID_REQUEST_LIMIT) {
      rate.stalledSince = now;
      return stall(UVC_REQUEST_ERROR.UNKNOWN);
    }
    return undefined;
  }

  /** True once a `controlThrottle` device locked up (it needs a reset). */
  get lockedUp(): boolean {
    return this.#rate.lockedUp;
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
    const definition = spec.definition;
    const disabled = this.#disabled(controls, control);

    switch (request) {
      case UVC_REQ.GET_INFO:
        return { status: 'ok', data: Uint8Array.of(this.#info(control, disabled)) };
      case UVC_REQ.GET_LEN:
        return { status: 'ok', data: Uint8Array.of(control.size & 0xff, control.size >> 8) };
      case UVC_REQ.GET_CUR:
        return { status: 'ok', data: control.current.slice() };
      case UVC_REQ.GET_DEF:
        return { status: 'ok', data: defaults(spec) };
      case UVC_REQ.GET_RES:
        return { status: 'ok', data: this.#bound(spec, (range) => range.res) };
      case UVC_REQ.GET_MIN:
      case UVC_REQ.GET_MAX:
        // A mode bitmap has no range: GET_RES lists its modes (UVC 1.5 §4.2.2.1.2).
        if (definition.kind === 'bitmap') return stall(UVC_REQUEST_ERROR.INVALID_REQUEST);
        return {
          status: 'ok',
          data: this.#bound(spec, (range) => (request === UVC_REQ.GET_MIN ? range.min : range.max)),
        };
      case UVC_REQ.SET_CUR:
        return this.#set(id, selector, control, { disabled, data });
      default:
        return stall(UVC_REQUEST_ERROR.INVALID_REQUEST);
    }
  }

  #info(control: ControlState, disabled: boolean): number {
    const definition = control.spec.definition;
    let info = CONTROL_INFO.GET;
    if (!definition.readOnly) info |= CONTROL_INFO.SET;
    if (disabled) info |= CONTROL_INFO.DISABLED_BY_AUTO;
    if (control.spec.autoUpdate) info |= CONTROL_INFO.AUTOUPDATE;
    if (control.spec.asynchronous) info |= CONTROL_INFO.ASYNCHRONOUS;
    return info;
  }

  #bound(spec: EmulatedSpec, pick: (range: FieldRange) => number): Uint8Array {
    return encodeFieldValues(spec.definition, spec.ranges.map(pick));
  }

  #disabled(controls: Map<number, ControlState>, control: ControlState): boolean {
    const rule = control.spec.definition.inactiveWhen;
    if (!rule) return false;
    for (const other of controls.values()) {
      if (other.name !== rule.control) continue;
      return ((values(other.spec, other.current)[0] ?? 0) & rule.mask) !== 0;
    }
    return false;
  }

  #set(
    entity: number,
    selector: number,
    control: ControlState,
    request: { disabled: boolean; data: Uint8Array | undefined },
  ): ControlOutcome {
    const { disabled, data } = request;
    const spec = control.spec;
    if (spec.definition.readOnly) return stall(UVC_REQUEST_ERROR.INVALID_REQUEST);
    if (!data || data.length < control.size) return stall(UVC_REQUEST_ERROR.INVALID_REQUEST);
    if (disabled) return stall(UVC_REQUEST_ERROR.WRONG_STATE);
    if (!this.#valid(spec, values(spec, data))) return stall(UVC_REQUEST_ERROR.OUT_OF_RANGE);

    const controls = this.#entities.get(entity);
    const governed = controls && this.#reportInfoChanges ? this.#governedBy(controls, control) : [];
    const before = governed.map((other) => this.#info(other, this.#disabled(controls!, other)));
    control.current = data.slice(0, control.size);

    // Completion of an asynchronous control, and info changes of the controls it governs.
    if (this.#status && spec.asynchronous) {
      this.#status(controlChangePacket(entity, selector, STATUS_ATTRIBUTE.VALUE, control.current));
    }
    governed.forEach((other, index) => {
      const info = this.#info(other, this.#disabled(controls!, other));
      if (this.#status && info !== before[index]) {
        const otherSelector = other.spec.definition.selector;
        const value = Uint8Array.of(info);
        this.#status(controlChangePacket(entity, otherSelector, STATUS_ATTRIBUTE.INFO, value));
      }
    });
    return { status: 'ok' };
  }

  #valid(spec: EmulatedSpec, fieldValues: number[]): boolean {
    if (spec.definition.kind === 'bitmap') {
      // A mode bitmap: exactly one bit, and one the camera supports (GET_RES lists them).
      const mode = fieldValues[0] ?? 0;
      const supported = spec.ranges[0]?.res ?? 0;
      const single = mode !== 0 && (mode & (mode - 1)) === 0;
      return single && (mode & supported) !== 0;
    }
    return spec.ranges.every((range, index) => {
      const value = fieldValues[index] ?? 0;
      return value >= range.min && value <= range.max;
    });
  }

  /** The manual controls of the same entity whose inactive rule names `control`. */
  #governedBy(controls: Map<number, ControlState>, control: ControlState): ControlState[] {
    return [...controls.values()].filter(
      (other) => other.spec.definition.inactiveWhen?.control === control.name,
    );
  }

  #controlsOf(entity: Entity, bcdUVC: number): Map<number, ControlState> {
    const controls = new Map<number, ControlState>();

    const camera = entity.type === 'inputTerminal' && entity.wTerminalType === TT.ITT_CAMERA;
    if (camera || entity.type === 'processingUnit') {
      const multiplier = entity.type === 'processingUnit' ? entity.wMaxMultiplier : 0;
      for (const { definition } of advertisedControls(entity)) {
        const ranges = this.#ranges(definition, { bcdUVC, multiplier });
        const asynchronous =
          this.#status !== undefined && definition.typicallyAsynchronous === true;
        const spec = { definition, ranges, asynchronous };
        controls.set(definition.selector, state(definition.name, spec));
      }
      for (const control of controls.values()) {
        const rule = control.spec.definition.inactiveWhen;
        const governor = [...controls.values()].some((c) => c.name === rule?.control);
        control.spec.autoUpdate = rule !== undefined && governor;
      }
    } else if (entity.type === 'selectorUnit') {
      const inputs = Math.max(1, entity.baSourceID.length);
      const definition = opaqueDefinition('inputSelect', SU_INPUT_SELECT_CONTROL, 1);
      const ranges = [{ min: 1, max: inputs, res: 1, def: 1 }];
      const spec = { definition, ranges, asynchronous: false };
      controls.set(SU_INPUT_SELECT_CONTROL, state('inputSelect', spec));
    } else if (entity.type === 'extensionUnit') {
      for (const selector of extensionSelectors(entity.bmControls)) {
        const definition = opaqueDefinition(`extension${selector}`, selector, XU_CONTROL_LENGTH);
        const ranges = definition.fields.map(() => BYTE_RANGE);
        controls.set(selector, state(definition.name, { definition, ranges, asynchronous: false }));
      }
    }
    return controls;
  }

  /** The ranges the emulated camera answers with: the table's, adjusted to the device. */
  #ranges(
    definition: ControlDefinition,
    device: { bcdUVC: number; multiplier: number },
  ): FieldRange[] {
    const ranges = definition.fields.map((field) => ({ ...field.typical }));
    const [first] = ranges;
    if (!first) return ranges;

    if (definition.name === 'powerLineFrequency') {
      // UVC 1.5 added auto (3), except on devices that kept the UVC 1.1 values (bugs.md §9).
      const uvc15 = device.bcdUVC >= BCD_UVC_15 && !this.#quirks.has('powerLineFrequencyUvc11');
      const auto = POWER_LINE_FREQUENCY.AUTO;
      if (uvc15) Object.assign(first, { max: auto, def: auto });
    }
    if (device.multiplier > 0 && definition.name.startsWith('digitalMultiplier')) {
      const multiplier = definition.name === 'digitalMultiplier';
      const def = multiplier ? DIGITAL_MULTIPLIER_ONE : device.multiplier;
      Object.assign(first, { min: DIGITAL_MULTIPLIER_ONE, max: device.multiplier, def });
    }
    return ranges;
  }
}

function entityId(entity: Entity): number {
  const terminal = entity.type === 'inputTerminal' || entity.type === 'outputTerminal';
  return terminal ? entity.bTerminalID : entity.bUnitID;
}

function state(name: string, spec: EmulatedSpec): ControlState {
  return { name, spec, size: spec.definition.size, current: defaults(spec) };
}

/** A definition for controls outside the standard table: `size` opaque bytes. */
function opaqueDefinition(name: string, selector: number, size: number): ControlDefinition {
  const fields = Array.from({ length: size }, (_, offset) => ({
    name: `byte${offset}`,
    offset,
    size: 1 as const,
    signed: false,
    typical: BYTE_RANGE,
  }));
  return {
    name,
    wireName: name,
    entity: 'processing',
    selector,
    bit: selector - 1,
    size,
    signed: false,
    unit: 'bytes',
    since: 0x0100,
    kind: 'compound',
    fields,
    requests: [UVC_REQ.GET_MIN, UVC_REQ.GET_MAX, UVC_REQ.GET_RES, UVC_REQ.GET_DEF],
  };
}
