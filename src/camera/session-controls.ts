/**
 * The device settings of a capture session in OpenHarmony's shape — exposure mode, focus mode,
 * zoom ratio, white balance, metering and focus points — on top of the raw control API
 * ({@link CameraControls}). Every write goes through `CameraControls.set`, so the values are
 * checked against the camera's ranges, remembered for cameras that forget them at stream start
 * (Logitech C920), rate-limited for cameras that STALL under rapid requests (Razer Kiyo Pro),
 * and a refusal ends in the code of the reason the camera gives.
 *
 * OpenHarmony answers queries synchronously from its service's cache and checks arguments and
 * state before it acts. So does this module: at commitConfig the session takes a snapshot of
 * the controls it needs (GET_INFO, GET_CUR and the ranges, through `CameraControls.describe`),
 * kept current by its own writes and by the camera's control-change status events. Queries and
 * getters answer from it at once; setters check state, argument and support at once (throwing)
 * and return a promise of the write, which runs under the camera's configuration lock.
 *
 * Codes, as OpenHarmony raises them: before commitConfig 7400103; a value that is not of the
 * enumeration, or out of range, 7400101; a mode the camera does not offer 7400102; a setting
 * while another holder locks the device configuration 7400106 (thrown); the camera refusing
 * (manual white balance while automatic white balance is on) its reason's code (rejected).
 *
 * Mapping to UVC (UVC 1.5 §4.2.2.1, §4.2.2.3):
 *
 * - exposure: CONTINUOUS_AUTO is the auto or aperture-priority Auto-Exposure Mode (exposure
 *   time automatic); LOCKED is manual or shutter priority, holding the exposure time the camera
 *   had; UVC has no one-shot AUTO.
 * - focus: CONTINUOUS_AUTO is Focus, Auto on; MANUAL (it needs an absolute or relative focus
 *   control) and LOCKED are off, LOCKED holding the focus position; no one-shot AUTO. A
 *   fixed-focus camera offers no mode and is LOCKED.
 * - zoom: the ratio of the objective focal length to its minimum, through the camera
 *   terminal's focal lengths when it gives them (§4.2.2.1.11); cameras that give none count
 *   Zoom (Absolute) steps from the minimum, the minimum itself per 1× (Logitech webcams report
 *   100–500 for 1×–5×).
 * - white balance: AUTO is White Balance Temperature, Auto on; MANUAL and LOCKED are off,
 *   holding the temperature; the presets set their temperature within the camera's range.
 *
 * @packageDocumentation
 */
import { CameraError, CameraErrorCode, stateViolation } from '../errors.js';
import { AE_MODE } from '../uvc/constants.js';
import type { CameraControls, ControlDescription } from './controls.js';
import { ExposureMode, FocusMode, WhiteBalanceMode, isEnumValue } from './enums.js';
import type { StatusEvent } from './status.js';
import type { UvcCamera } from './uvc-camera.js';

/** What the settings use of a committed camera. */
export type SettingsCamera = Pick<UvcCamera, 'controls' | 'events' | 'videoFunction'>;

/** A point in normalised frame coordinates (0..1 from the top left). */
export interface Point {
  /** 0 at the left edge, 1 at the right. */
  x: number;
  /** 0 at the top, 1 at the bottom. */
  y: number;
}

/** Colour temperatures of the white balance presets, in K. */
export const WHITE_BALANCE_PRESETS: Readonly<Partial<Record<WhiteBalanceMode, number>>> = {
  [WhiteBalanceMode.CLOUDY]: 6500,
  [WhiteBalanceMode.DAYLIGHT]: 5500,
  [WhiteBalanceMode.FLUORESCENT]: 4000,
  [WhiteBalanceMode.INCANDESCENT]: 2800,
};

/** The controls the snapshot keeps, by wire name. */
const SNAPSHOT_CONTROLS = [
  'autoExposureMode',
  'exposureTimeAbsolute',
  'focusAuto',
  'focusAbsolute',
  'focusRelative',
  'zoomAbsolute',
  'whiteBalanceTemperatureAuto',
  'whiteBalanceTemperature',
] as const;

/** A control of the snapshot. */
type SnapshotControl = (typeof SNAPSHOT_CONTROLS)[number];

/** What the session knows of its camera's controls. */
type Snapshot = Map<SnapshotControl, ControlDescription>;

/** Exposure-time-automatic AE modes, preferred first. */
const AE_AUTOMATIC_MODES = [AE_MODE.AUTO, AE_MODE.APERTURE_PRIORITY] as const;
/** Exposure-time-manual AE modes, preferred first. */
const AE_MANUAL_MODES = [AE_MODE.MANUAL, AE_MODE.SHUTTER_PRIORITY] as const;
/** Bits of the AE mode that mean an automatic exposure time. */
const AE_AUTOMATIC = AE_MODE.AUTO | AE_MODE.APERTURE_PRIORITY;

/** Focus, Auto and White Balance Temperature, Auto values (UVC 1.5 §4.2.2.1.9, §4.2.2.3.10). */
const AUTO = { OFF: 0, ON: 1 } as const;

/**
 * Zoom (Absolute) steps per 1× when the camera gives no focal lengths and a minimum of 0.
 *
 * TODO: no fixture camera has a zoom minimum of 0; 100 per 1× follows the Logitech convention
 * and is unverified on such a camera.
 */
const ZOOM_STEPS_PER_RATIO = 100;
/** OpenHarmony keeps two decimals of a zoom ratio. */
const ZOOM_RATIO_PRECISION = 100;

/** A control's numeric range, from its snapshot. */
interface NumericRange {
  min: number;
  max: number;
  step: number;
}

/** Zoom ratios and Zoom (Absolute) steps, both ways. */
interface ZoomScale {
  ratios: [number, number];
  ratioOf(steps: number): number;
  stepsOf(ratio: number): number;
}

/** The 7400103 of a setting before commitConfig. */
export function notCommitted(what: string, found = 'no committed configuration'): CameraError {
  return stateViolation('notCommitted', `${what} before commitConfig`, {
    expected: 'a committed configuration with a camera input',
    found,
  });
}

/** The 7400101 of an argument of the wrong kind. */
export function invalidArgument(what: string, expected: string, found: unknown): CameraError {
  return new CameraError(CameraErrorCode.INVALID_ARGUMENT, `${what}: invalid argument`, {
    expected,
    found: found === undefined ? 'nothing' : typeof found === 'number' ? found : typeof found,
  });
}

/** The 7400101 of a number outside its range. */
function outOfRange(what: string, expected: string, found: unknown): CameraError {
  return new CameraError(CameraErrorCode.INVALID_ARGUMENT, `${what}: out of range`, {
    expected,
    found,
  });
}

/** The 7400102 of a setting the camera does not offer. */
function notOffered(what: string, expected: string): CameraError {
  const message = `${what}: not offered by the camera`;
  return new CameraError(CameraErrorCode.OPERATION_NOT_ALLOWED, message, { expected, found: what });
}

/**
 * The OpenHarmony settings of a session. A session class extends it and says which camera is
 * committed and how a setting takes the camera's configuration lock.
 */
export abstract class SessionControls {
  #camera: SettingsCamera | undefined;
  #snapshot: Snapshot | undefined;
  #stopFollowing: (() => void) | undefined;
  /** FOCUS_MODE_LOCKED and MANUAL look alike on the camera: remembered as OpenHarmony does. */
  #focusLocked = false;
  /** The white balance mode set last (the camera only knows auto or not). */
  #whiteBalanceMode: WhiteBalanceMode = WhiteBalanceMode.MANUAL;

  /**
   * The committed camera; undefined before commitConfig (the settings then throw 7400103). May
   * throw the session's own error (a closed or lost input).
   */
  protected abstract committedCamera(what: string): SettingsCamera | undefined;

  /**
   * Run a setting's write under the camera's configuration lock, one at a time with the other
   * work of its holder.
   *
   * @throws CameraError 7400106, synchronously, while another holder has the lock.
   */
  protected abstract runSetting<T>(what: string, work: () => Promise<T>): Promise<T>;

  /**
   * Take the snapshot the queries answer from (call at commitConfig, holding the lock) and
   * follow the camera's control-change events while its status endpoint is read.
   *
   * @throws CameraError for transport failures (the camera is gone).
   */
  protected async loadSettings(camera: SettingsCamera): Promise<void> {
    const snapshot: Snapshot = new Map();
    for (const name of SNAPSHOT_CONTROLS) {
      if (camera.controls.has(name)) snapshot.set(name, await camera.controls.describe(name));
    }
    this.unloadSettings();
    if (camera !== this.#camera) {
      this.#focusLocked = false;
      this.#whiteBalanceMode = WhiteBalanceMode.MANUAL;
    }
    this.#camera = camera;
    this.#snapshot = snapshot;
    if (camera.events.running) this.#stopFollowing = camera.events.on(this.#follow);
  }

  /** Forget the snapshot and stop following the camera's events. */
  protected unloadSettings(): void {
    this.#stopFollowing?.();
    this.#stopFollowing = undefined;
    this.#snapshot = undefined;
  }

  // ----------------------------------------------------------------------------------------
  // Exposure.

  /**
   * True when the camera offers the exposure mode.
   *
   * @throws CameraError 7400103 before commitConfig.
   */
  isExposureModeSupported(mode: ExposureMode): boolean {
    return aeModeFor(this.#loaded('isExposureModeSupported'), mode) !== undefined;
  }

  /**
   * The exposure mode the camera is in (CONTINUOUS_AUTO without an Auto-Exposure Mode control).
   *
   * @throws CameraError 7400103 before commitConfig.
   */
  getExposureMode(): ExposureMode {
    const current = currentOf(this.#loaded('getExposureMode'), 'autoExposureMode');
    const manual = current !== undefined && (current & AE_AUTOMATIC) === 0;
    return manual ? ExposureMode.EXPOSURE_MODE_LOCKED : ExposureMode.EXPOSURE_MODE_CONTINUOUS_AUTO;
  }

  /**
   * Set the exposure mode; LOCKED holds the exposure time the camera had. Checks happen now;
   * the promise settles once the camera took it.
   *
   * @throws CameraError 7400103 before commitConfig; 7400101 for a value that is no
   *   ExposureMode; 7400102 for a mode the camera does not offer; 7400106 while another holder
   *   locks the device configuration; the camera's refusal (rejected) when it STALLs.
   */
  setExposureMode(mode: ExposureMode): Promise<void> {
    const what = `setExposureMode(${String(mode)})`;
    const snapshot = this.#loaded(what);
    if (!isEnumValue(ExposureMode, mode)) throw invalidArgument(what, 'an ExposureMode', mode);
    const bit = aeModeFor(snapshot, mode);
    if (bit === undefined) throw notOffered(what, 'a mode isExposureModeSupported() accepts');
    const locked = mode === ExposureMode.EXPOSURE_MODE_LOCKED;
    const hold = locked && usable(snapshot, 'exposureTimeAbsolute');

    return this.#write(what, snapshot, async (set, controls) => {
      const held = hold ? await controls.get('exposureTimeAbsolute') : undefined;
      await set('autoExposureMode', bit);
      if (typeof held === 'number') await set('exposureTimeAbsolute', held);
    });
  }

  // ----------------------------------------------------------------------------------------
  // Focus.

  /**
   * True when the camera offers the focus mode.
   *
   * @throws CameraError 7400103 before commitConfig.
   */
  isFocusModeSupported(mode: FocusMode): boolean {
    return focusSupported(this.#loaded('isFocusModeSupported'), mode);
  }

  /**
   * The focus mode the camera is in (LOCKED for a fixed-focus camera).
   *
   * @throws CameraError 7400103 before commitConfig.
   */
  getFocusMode(): FocusMode {
    const snapshot = this.#loaded('getFocusMode');
    const auto = currentOf(snapshot, 'focusAuto');
    if (auto !== undefined && auto !== AUTO.OFF) return FocusMode.FOCUS_MODE_CONTINUOUS_AUTO;
    const manual = hasManualFocus(snapshot) && !this.#focusLocked;
    return manual ? FocusMode.FOCUS_MODE_MANUAL : FocusMode.FOCUS_MODE_LOCKED;
  }

  /**
   * Set the focus mode; LOCKED keeps the focus position the camera had. Checks happen now; the
   * promise settles once the camera took it.
   *
   * @throws CameraError 7400103 before commitConfig; 7400101 for a value that is no FocusMode;
   *   7400102 for a mode the camera does not offer; 7400106 while another holder locks the
   *   device configuration; the camera's refusal (rejected) when it STALLs.
   */
  setFocusMode(mode: FocusMode): Promise<void> {
    const what = `setFocusMode(${String(mode)})`;
    const snapshot = this.#loaded(what);
    if (!isEnumValue(FocusMode, mode)) throw invalidArgument(what, 'a FocusMode', mode);
    if (!focusSupported(snapshot, mode)) {
      throw notOffered(what, 'a mode isFocusModeSupported() accepts');
    }
    const auto = usable(snapshot, 'focusAuto');
    const locked = mode === FocusMode.FOCUS_MODE_LOCKED;
    const hold = locked && usable(snapshot, 'focusAbsolute');

    return this.#write(what, snapshot, async (set, controls) => {
      if (mode === FocusMode.FOCUS_MODE_CONTINUOUS_AUTO) {
        await set('focusAuto', AUTO.ON);
        this.#focusLocked = false;
        return;
      }
      const held = hold ? await controls.get('focusAbsolute') : undefined;
      if (auto) await set('focusAuto', AUTO.OFF);
      if (typeof held === 'number') await set('focusAbsolute', held);
      this.#focusLocked = locked;
    });
  }

  // ----------------------------------------------------------------------------------------
  // Zoom.

  /**
   * The zoom ratios the camera offers: `[1, 1]` without a zoom control.
   *
   * @throws CameraError 7400103 before commitConfig.
   */
  getZoomRatioRange(): [number, number] {
    return this.#zoomScale(this.#loaded('getZoomRatioRange'))?.ratios ?? [1, 1];
  }

  /**
   * The current zoom ratio.
   *
   * @throws CameraError 7400103 before commitConfig.
   */
  getZoomRatio(): number {
    const snapshot = this.#loaded('getZoomRatio');
    const scale = this.#zoomScale(snapshot);
    const steps = currentOf(snapshot, 'zoomAbsolute');
    return scale && steps !== undefined ? scale.ratioOf(steps) : 1;
  }

  /**
   * Set the zoom ratio (two decimals are kept, then the camera's nearest step). Checks happen
   * now; the promise settles once the camera took it.
   *
   * @throws CameraError 7400103 before commitConfig; 7400101 outside getZoomRatioRange();
   *   7400106 while another holder locks the device configuration; the camera's refusal
   *   (rejected) when it STALLs.
   */
  setZoomRatio(zoomRatio: number): Promise<void> {
    const what = `setZoomRatio(${String(zoomRatio)})`;
    const snapshot = this.#loaded(what);
    if (typeof zoomRatio !== 'number') throw invalidArgument(what, 'a number', zoomRatio);
    const scale = this.#zoomScale(snapshot);
    const [low, high] = scale?.ratios ?? [1, 1];
    const ratio = Math.round(zoomRatio * ZOOM_RATIO_PRECISION) / ZOOM_RATIO_PRECISION;
    if (!Number.isFinite(ratio) || ratio < low || ratio > high) {
      throw outOfRange(what, `a ratio from ${low} to ${high}`, zoomRatio);
    }

    return this.#write(what, snapshot, async (set) => {
      if (scale) await set('zoomAbsolute', scale.stepsOf(ratio));
    });
  }

  // ----------------------------------------------------------------------------------------
  // White balance.

  /**
   * True when the camera offers the white balance mode.
   *
   * @throws CameraError 7400103 before commitConfig.
   */
  isWhiteBalanceModeSupported(mode: WhiteBalanceMode): boolean {
    return whiteBalanceSupported(this.#loaded('isWhiteBalanceModeSupported'), mode);
  }

  /**
   * `[min, max]` colour temperature in K; empty for a camera without the control.
   *
   * @throws CameraError 7400103 before commitConfig.
   */
  getWhiteBalanceRange(): number[] {
    const range = numericRange(this.#loaded('getWhiteBalanceRange'), 'whiteBalanceTemperature');
    return range ? [range.min, range.max] : [];
  }

  /**
   * The white balance mode: AUTO while the camera balances automatically, else the mode set
   * last (MANUAL at first).
   *
   * @throws CameraError 7400103 before commitConfig.
   */
  getWhiteBalanceMode(): WhiteBalanceMode {
    const auto = currentOf(this.#loaded('getWhiteBalanceMode'), 'whiteBalanceTemperatureAuto');
    return auto !== undefined && auto !== AUTO.OFF ? WhiteBalanceMode.AUTO : this.#whiteBalanceMode;
  }

  /**
   * Set the white balance mode; presets set their temperature, MANUAL and LOCKED keep the
   * current one. Checks happen now; the promise settles once the camera took it.
   *
   * @throws CameraError 7400103 before commitConfig; 7400101 for a value that is no
   *   WhiteBalanceMode; 7400102 for a mode the camera does not offer; 7400106 while another
   *   holder locks the device configuration; the camera's refusal (rejected) when it STALLs.
   */
  setWhiteBalanceMode(mode: WhiteBalanceMode): Promise<void> {
    const what = `setWhiteBalanceMode(${String(mode)})`;
    const snapshot = this.#loaded(what);
    if (!isEnumValue(WhiteBalanceMode, mode)) {
      throw invalidArgument(what, 'a WhiteBalanceMode', mode);
    }
    if (!whiteBalanceSupported(snapshot, mode)) {
      throw notOffered(what, 'a mode isWhiteBalanceModeSupported() accepts');
    }
    const auto = usable(snapshot, 'whiteBalanceTemperatureAuto');
    const preset = WHITE_BALANCE_PRESETS[mode];

    return this.#write(what, snapshot, async (set, controls) => {
      if (mode === WhiteBalanceMode.AUTO) {
        await set('whiteBalanceTemperatureAuto', AUTO.ON);
        return;
      }
      const held = preset === undefined ? await controls.get('whiteBalanceTemperature') : preset;
      if (auto) await set('whiteBalanceTemperatureAuto', AUTO.OFF);
      if (typeof held === 'number') await set('whiteBalanceTemperature', held);
      this.#whiteBalanceMode = mode;
    });
  }

  /**
   * The colour temperature in K.
   *
   * @throws CameraError 7400103 before commitConfig; 7400102 for a camera without the control.
   */
  getWhiteBalance(): number {
    const what = 'getWhiteBalance';
    const current = currentOf(this.#loaded(what), 'whiteBalanceTemperature');
    if (current === undefined) throw notOffered(what, 'a white balance temperature control');
    return current;
  }

  /**
   * Set the colour temperature in K (the camera must be in a manual white balance mode).
   * Checks happen now; the promise settles once the camera took it.
   *
   * @throws CameraError 7400103 before commitConfig; 7400101 for something other than a number
   *   or outside getWhiteBalanceRange(); 7400102 for a camera without the control, and
   *   (rejected) while automatic white balance is on; 7400106 while another holder locks the
   *   device configuration.
   */
  setWhiteBalance(whiteBalance: number): Promise<void> {
    const what = `setWhiteBalance(${String(whiteBalance)})`;
    const snapshot = this.#loaded(what);
    if (typeof whiteBalance !== 'number' || !Number.isFinite(whiteBalance)) {
      throw invalidArgument(what, 'a colour temperature in K', whiteBalance);
    }
    const range = numericRange(snapshot, 'whiteBalanceTemperature');
    if (!range) throw notOffered(what, 'a white balance temperature control');
    const kelvin = Math.round(whiteBalance);
    if (kelvin < range.min || kelvin > range.max) {
      throw outOfRange(what, `${range.min}..${range.max} K`, whiteBalance);
    }

    return this.#write(what, snapshot, async (set) => {
      await set('whiteBalanceTemperature', kelvin);
      this.#whiteBalanceMode = WhiteBalanceMode.MANUAL;
    });
  }

  // ----------------------------------------------------------------------------------------
  // Points.

  /**
   * Set the metering point.
   *
   * TODO: UVC 1.5 cameras have a Region of Interest control that could carry it; webuvc does
   * not drive it yet, so every camera refuses with 7400102.
   *
   * @throws CameraError 7400103 before commitConfig; 7400101 for a point outside 0..1;
   *   7400102 because no camera offers it yet.
   */
  setMeteringPoint(point: Point): Promise<void> {
    return this.#setPoint('setMeteringPoint', point);
  }

  /**
   * Set the focus point.
   *
   * TODO: as {@link SessionControls.setMeteringPoint}: refused with 7400102 on every camera.
   *
   * @throws CameraError 7400103 before commitConfig; 7400101 for a point outside 0..1;
   *   7400102 because no camera offers it yet.
   */
  setFocusPoint(point: Point): Promise<void> {
    return this.#setPoint('setFocusPoint', point);
  }

  // ----------------------------------------------------------------------------------------
  // Internals.

  /** The snapshot of the committed camera. */
  #loaded(what: string): Snapshot {
    const camera = this.committedCamera(what);
    if (!camera || camera !== this.#camera || !this.#snapshot) throw notCommitted(what);
    return this.#snapshot;
  }

  /**
   * Run a setting's writes under the lock; `set` writes one control through CameraControls
   * and keeps the snapshot current.
   */
  #write(
    what: string,
    snapshot: Snapshot,
    work: (
      set: (name: SnapshotControl, value: number) => Promise<void>,
      controls: CameraControls,
    ) => Promise<void>,
  ): Promise<void> {
    const controls = this.#camera!.controls;
    const set = async (name: SnapshotControl, value: number): Promise<void> => {
      await controls.set(name, value);
      const described = snapshot.get(name);
      if (described) described.current = value;
    };
    return this.runSetting(what, () => work(set, controls));
  }

  /** A control-change status event keeps the snapshot's value current. */
  readonly #follow = (event: StatusEvent): void => {
    if (event.type !== 'control' || event.attribute !== 'value') return;
    if (event.control === undefined || event.decoded === undefined) return;
    const described = this.#snapshot?.get(event.control as SnapshotControl);
    if (described?.entityId === event.entityId) described.current = event.decoded;
  };

  /** Ratios and steps of the zoom control, when the camera has one with a range. */
  #zoomScale(snapshot: Snapshot): ZoomScale | undefined {
    const range = numericRange(snapshot, 'zoomAbsolute');
    if (!range || range.max <= range.min) return undefined;

    // The focal length grows linearly with the zoom value, from its minimum at GET_MIN to its
    // maximum at GET_MAX (UVC 1.5 §4.2.2.1.11); without focal lengths, a step is a unit.
    const focal = this.#focalLengths(snapshot.get('zoomAbsolute')!.entityId);
    const base = focal?.min ?? (range.min > 0 ? range.min : ZOOM_STEPS_PER_RATIO);
    const perStep = focal ? (focal.max - focal.min) / (range.max - range.min) : 1;
    const round = (ratio: number): number =>
      Math.round(ratio * ZOOM_RATIO_PRECISION) / ZOOM_RATIO_PRECISION;
    const ratioOf = (steps: number): number => round((base + (steps - range.min) * perStep) / base);
    const stepsOf = (ratio: number): number => {
      const steps = range.min + ((ratio - 1) * base) / perStep;
      const snapped = range.min + Math.round((steps - range.min) / range.step) * range.step;
      return Math.min(range.max, Math.max(range.min, snapped));
    };
    return { ratios: [1, ratioOf(range.max)], ratioOf, stepsOf };
  }

  /** The objective focal lengths of the camera terminal `terminalId`, when it gives them. */
  #focalLengths(terminalId: number): { min: number; max: number } | undefined {
    const entities = this.#camera?.videoFunction.videoControl.entities ?? [];
    const terminal = entities.find(
      (entity) => entity.type === 'inputTerminal' && entity.bTerminalID === terminalId,
    );
    const camera = terminal?.type === 'inputTerminal' ? terminal.camera : undefined;
    if (!camera) return undefined;
    const { wObjectiveFocalLengthMin: min, wObjectiveFocalLengthMax: max } = camera;
    return min > 0 && max > min ? { min, max } : undefined;
  }

  #setPoint(what: string, point: Point): Promise<void> {
    this.#loaded(what);
    const valid =
      typeof point === 'object' &&
      point !== null &&
      [point.x, point.y].every((v) => typeof v === 'number' && v >= 0 && v <= 1);
    if (!valid) throw invalidArgument(what, '{ x, y } with both in 0..1', point);
    throw notOffered(what, 'a camera with a region-of-interest control webuvc drives');
  }
}

/** True when the snapshot has the control and the camera answers it. */
function usable(snapshot: Snapshot, name: SnapshotControl): boolean {
  return snapshot.get(name)?.supported === true;
}

/** The control's current value, when it is usable and a number. */
function currentOf(snapshot: Snapshot, name: SnapshotControl): number | undefined {
  const current = usable(snapshot, name) ? snapshot.get(name)?.current : undefined;
  return typeof current === 'number' ? current : undefined;
}

/** The control's range, when it is usable and the camera gave one. */
function numericRange(snapshot: Snapshot, name: SnapshotControl): NumericRange | undefined {
  const described = usable(snapshot, name) ? snapshot.get(name) : undefined;
  const { min, max, step } = described ?? {};
  if (typeof min !== 'number' || typeof max !== 'number') return undefined;
  return { min, max, step: typeof step === 'number' && step > 0 ? step : 1 };
}

/** The AE mode bit for an exposure mode, or undefined when the camera offers none. */
function aeModeFor(snapshot: Snapshot, mode: ExposureMode): number | undefined {
  const described = usable(snapshot, 'autoExposureMode')
    ? snapshot.get('autoExposureMode')
    : undefined;
  // GET_RES of a mode bitmap lists the modes (UVC 1.5 §4.2.2.1.2); without it, the two every
  // camera must have.
  const step = described?.step;
  const modes = !described ? 0 : typeof step === 'number' ? step : AE_MODE.MANUAL | AE_MODE.AUTO;
  const pick = (bits: readonly number[]) => bits.find((bit) => (modes & bit) !== 0);
  if (mode === ExposureMode.EXPOSURE_MODE_LOCKED) return pick(AE_MANUAL_MODES);
  if (mode === ExposureMode.EXPOSURE_MODE_CONTINUOUS_AUTO) return pick(AE_AUTOMATIC_MODES);
  return undefined;
}

/** True when the camera has a focus control a person can drive. */
function hasManualFocus(snapshot: Snapshot): boolean {
  return usable(snapshot, 'focusAbsolute') || usable(snapshot, 'focusRelative');
}

function focusSupported(snapshot: Snapshot, mode: FocusMode): boolean {
  const auto = usable(snapshot, 'focusAuto');
  const manual = hasManualFocus(snapshot);
  if (mode === FocusMode.FOCUS_MODE_CONTINUOUS_AUTO) return auto;
  if (mode === FocusMode.FOCUS_MODE_MANUAL) return manual;
  if (mode === FocusMode.FOCUS_MODE_LOCKED) return auto || manual;
  return false;
}

function whiteBalanceSupported(snapshot: Snapshot, mode: WhiteBalanceMode): boolean {
  if (mode === WhiteBalanceMode.AUTO) return usable(snapshot, 'whiteBalanceTemperatureAuto');
  const range = numericRange(snapshot, 'whiteBalanceTemperature');
  if (!range || !isEnumValue(WhiteBalanceMode, mode)) return false;
  const preset = WHITE_BALANCE_PRESETS[mode];
  return preset === undefined || (preset >= range.min && preset <= range.max);
}
