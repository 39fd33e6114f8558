/**
 * OpenHarmony-shaped camera settings on top of the raw control API: exposure mode, focus mode,
 * zoom ratio and white balance, as a capture session offers them
 * (`isExposureModeSupported`, `setFocusMode`, `getZoomRatioRange`, `setWhiteBalance`, …).
 *
 * OpenHarmony answers its queries synchronously from the service's cache; a USB camera is
 * asked over the wire. So the `is…Supported` and `get…Range` queries answer synchronously from
 * a snapshot taken by {@link SessionControls.load} once the configuration is committed, and
 * every getter and setter of a current value returns a Promise.
 *
 * Errors, as OpenHarmony raises them: before a committed configuration (no snapshot, no
 * camera) 7400103; a setter while the host says the device configuration is locked 7400106; a
 * mode or value the camera does not offer 7400101; the camera refusing (for instance manual
 * white balance while automatic white balance is on) its reason's code, usually 7400102.
 *
 * Mapping to UVC:
 *
 * - exposure: CONTINUOUS_AUTO is auto or aperture priority (exposure time automatic); LOCKED
 *   is manual or shutter priority, holding the exposure time the camera had; UVC has no
 *   one-shot AUTO.
 * - focus: CONTINUOUS_AUTO is CT_FOCUS_AUTO on; MANUAL and LOCKED are off (LOCKED keeps the
 *   focus position); no one-shot AUTO.
 * - zoom: the ratio of CT_ZOOM_ABSOLUTE to its minimum, through the camera terminal's
 *   objective focal lengths when it gives them (UVC 1.5 §4.2.2.1.11); cameras that give none
 *   count 100 steps per 1× (Logitech webcams report 100–500 for 1×–5×).
 * - white balance: AUTO is PU_WHITE_BALANCE_TEMPERATURE_AUTO on; MANUAL and LOCKED are off;
 *   the presets set a temperature in the camera's range (cloudy 6500 K, daylight 5500 K,
 *   fluorescent 4000 K, incandescent 2800 K).
 *
 * @packageDocumentation
 */
import { CameraError, CameraErrorCode } from '../errors.js';
import { AE_MODE } from '../uvc/controls.js';
import type { CameraControls, ControlDescription } from './controls.js';
import { ExposureMode, FocusMode } from './enums.js';

/** OpenHarmony `camera.WhiteBalanceMode` (TODO: session: move beside the others in `enums.ts`). */
export const WhiteBalanceMode = {
  AUTO: 0,
  CLOUDY: 1,
  INCANDESCENT: 2,
  FLUORESCENT: 3,
  DAYLIGHT: 4,
  MANUAL: 5,
  LOCKED: 6,
} as const;
/** One of {@link WhiteBalanceMode}. */
export type WhiteBalanceMode = (typeof WhiteBalanceMode)[keyof typeof WhiteBalanceMode];

/** Colour temperatures of the white balance presets, in K. */
export const WHITE_BALANCE_PRESETS: Readonly<Partial<Record<WhiteBalanceMode, number>>> = {
  [WhiteBalanceMode.CLOUDY]: 6500,
  [WhiteBalanceMode.DAYLIGHT]: 5500,
  [WhiteBalanceMode.FLUORESCENT]: 4000,
  [WhiteBalanceMode.INCANDESCENT]: 2800,
};

/** What a session gives {@link SessionControls}. */
export interface SessionControlsHost {
  /** The committed camera input's controls; undefined while the configuration is not committed. */
  cameraControls(): CameraControls | undefined;
  /** True while the device configuration is locked (setters then throw 7400106). */
  isDeviceConfigLocked?(): boolean;
  /** Runs `work` under the session's configuration lock (its async mutex). */
  runExclusive?<T>(work: () => Promise<T>): Promise<T>;
  /** The camera terminal's objective focal lengths (UVC 1.5 §3.7.2.3), for zoom ratios. */
  focalLengths?(): { min: number; max: number } | undefined;
}

/** Steps of CT_ZOOM_ABSOLUTE per 1× when the camera gives no focal lengths. */
const ZOOM_STEPS_PER_RATIO = 100;
/** OpenHarmony keeps two decimals of a zoom ratio. */
const ZOOM_RATIO_PRECISION = 100;

/** The controls the snapshot keeps, by wire name. */
const SNAPSHOT_CONTROLS = [
  'autoExposureMode',
  'exposureTimeAbsolute',
  'focusAuto',
  'focusAbsolute',
  'zoomAbsolute',
  'whiteBalanceTemperatureAuto',
  'whiteBalanceTemperature',
] as const;

/** Exposure-time-automatic AE modes. */
const AE_AUTOMATIC = AE_MODE.AUTO | AE_MODE.APERTURE_PRIORITY;
/** Exposure-time-manual AE modes, preferred first. */
const AE_MANUAL_MODES = [AE_MODE.MANUAL, AE_MODE.SHUTTER_PRIORITY] as const;
const AE_AUTOMATIC_MODES = [AE_MODE.APERTURE_PRIORITY, AE_MODE.AUTO] as const;

/** The four OpenHarmony setting groups over a session's camera controls. */
export class SessionControls {
  readonly #host: SessionControlsHost;
  #snapshot: Map<string, ControlDescription> | undefined;
  #controls: CameraControls | undefined;
  #focusLocked = false;
  #whiteBalanceMode: WhiteBalanceMode = WhiteBalanceMode.MANUAL;

  constructor(host: SessionControlsHost) {
    this.#host = host;
  }

  /**
   * Take the snapshot the synchronous queries answer from; call once the configuration is
   * committed (and again after it changes).
   *
   * @throws CameraError 7400103 when the host has no committed camera.
   */
  async load(): Promise<void> {
    const controls = this.#committed();
    const snapshot = new Map<string, ControlDescription>();
    for (const name of SNAPSHOT_CONTROLS) {
      if (controls.has(name)) snapshot.set(name, await controls.describe(name));
    }
    this.#snapshot = snapshot;
    this.#controls = controls;
  }

  /** Forget the snapshot (the configuration is being changed). */
  unload(): void {
    this.#snapshot = undefined;
    this.#controls = undefined;
  }

  // ----------------------------------------------------------------------------------------
  // Exposure.

  /** True when the camera can run in `mode`. */
  isExposureModeSupported(mode: ExposureMode): boolean {
    const modes = this.#aeModes();
    if (mode === ExposureMode.EXPOSURE_MODE_LOCKED) {
      return AE_MANUAL_MODES.some((m) => (modes & m) !== 0);
    }
    if (mode === ExposureMode.EXPOSURE_MODE_CONTINUOUS_AUTO) return (modes & AE_AUTOMATIC) !== 0;
    return false;
  }

  /** The current exposure mode. */
  async getExposureMode(): Promise<ExposureMode> {
    const controls = this.#loaded();
    this.#require('autoExposureMode');
    const mode = Number(await controls.get('autoExposureMode'));
    return (mode & AE_AUTOMATIC) !== 0
      ? ExposureMode.EXPOSURE_MODE_CONTINUOUS_AUTO
      : ExposureMode.EXPOSURE_MODE_LOCKED;
  }

  /** Set the exposure mode; LOCKED holds the exposure time the camera had. */
  async setExposureMode(mode: ExposureMode): Promise<void> {
    await this.#setting(async (controls) => {
      if (!this.isExposureModeSupported(mode)) {
        throw unsupported('exposure mode', mode, this.#supportedExposureModes());
      }
      const modes = this.#aeModes();
      if (mode === ExposureMode.EXPOSURE_MODE_CONTINUOUS_AUTO) {
        const auto = AE_AUTOMATIC_MODES.find((m) => (modes & m) !== 0)!;
        await controls.set('autoExposureMode', auto);
        return;
      }
      const hasTime = this.#snapshot?.has('exposureTimeAbsolute') ?? false;
      const held = hasTime ? await controls.get('exposureTimeAbsolute') : undefined;
      await controls.set('autoExposureMode', AE_MANUAL_MODES.find((m) => (modes & m) !== 0)!);
      if (held !== undefined) await controls.set('exposureTimeAbsolute', held as number);
    });
  }

  // ----------------------------------------------------------------------------------------
  // Focus.

  /** True when the camera can focus in `mode`. */
  isFocusModeSupported(mode: FocusMode): boolean {
    const snapshot = this.#loadedSnapshot();
    const auto = usable(snapshot.get('focusAuto'));
    const manual = usable(snapshot.get('focusAbsolute'));
    if (mode === FocusMode.FOCUS_MODE_CONTINUOUS_AUTO) return auto;
    if (mode === FocusMode.FOCUS_MODE_MANUAL) return manual || auto;
    if (mode === FocusMode.FOCUS_MODE_LOCKED) return auto || manual;
    return false;
  }

  /** The current focus mode. */
  async getFocusMode(): Promise<FocusMode> {
    const controls = this.#loaded();
    const auto = this.#snapshot?.has('focusAuto') ? Number(await controls.get('focusAuto')) : 0;
    if (auto !== 0) return FocusMode.FOCUS_MODE_CONTINUOUS_AUTO;
    return this.#focusLocked ? FocusMode.FOCUS_MODE_LOCKED : FocusMode.FOCUS_MODE_MANUAL;
  }

  /** Set the focus mode; LOCKED keeps the focus position the camera had. */
  async setFocusMode(mode: FocusMode): Promise<void> {
    await this.#setting(async (controls) => {
      if (!this.isFocusModeSupported(mode)) {
        throw unsupported('focus mode', mode, this.#supportedFocusModes());
      }
      const hasAuto = this.#snapshot?.has('focusAuto') ?? false;
      if (mode === FocusMode.FOCUS_MODE_CONTINUOUS_AUTO) {
        await controls.set('focusAuto', 1);
        this.#focusLocked = false;
        return;
      }
      const hasPosition = this.#snapshot?.has('focusAbsolute') ?? false;
      const held = hasPosition ? await controls.get('focusAbsolute') : undefined;
      if (hasAuto) await controls.set('focusAuto', 0);
      if (mode === FocusMode.FOCUS_MODE_LOCKED && held !== undefined) {
        await controls.set('focusAbsolute', held as number);
      }
      this.#focusLocked = mode === FocusMode.FOCUS_MODE_LOCKED;
    });
  }

  // ----------------------------------------------------------------------------------------
  // Zoom.

  /** `[min, max]` zoom ratios; `[1, 1]` for a camera without zoom. */
  getZoomRatioRange(): number[] {
    const zoom = this.#loadedSnapshot().get('zoomAbsolute');
    const range = zoomRange(zoom);
    if (!range) return [1, 1];
    return [this.#ratioOf(range.min, range), this.#ratioOf(range.max, range)];
  }

  /** The current zoom ratio. */
  async getZoomRatio(): Promise<number> {
    const controls = this.#loaded();
    const range = zoomRange(this.#snapshot?.get('zoomAbsolute'));
    if (!range) return 1;
    return this.#ratioOf(Number(await controls.get('zoomAbsolute')), range);
  }

  /**
   * Set the zoom ratio (two decimals are kept, then the camera's nearest step).
   *
   * @throws CameraError 7400101 outside {@link getZoomRatioRange} or without zoom.
   */
  async setZoomRatio(zoomRatio: number): Promise<void> {
    await this.#setting(async (controls) => {
      const range = zoomRange(this.#snapshot?.get('zoomAbsolute'));
      const [min, max] = this.getZoomRatioRange() as [number, number];
      const ratio = Math.round(zoomRatio * ZOOM_RATIO_PRECISION) / ZOOM_RATIO_PRECISION;
      if (!range || !Number.isFinite(ratio) || ratio < min || ratio > max) {
        throw new CameraError(CameraErrorCode.INVALID_ARGUMENT, 'zoom ratio out of range', {
          expected: range ? `${min}..${max}` : 'a camera with zoom',
          found: zoomRatio,
        });
      }
      await controls.set('zoomAbsolute', this.#stepOf(ratio, range));
    });
  }

  // ----------------------------------------------------------------------------------------
  // White balance.

  /** True when the camera can balance white in `mode`. */
  isWhiteBalanceModeSupported(mode: WhiteBalanceMode): boolean {
    const snapshot = this.#loadedSnapshot();
    const auto = usable(snapshot.get('whiteBalanceTemperatureAuto'));
    const temperature = snapshot.get('whiteBalanceTemperature');
    const manual = usable(temperature);
    if (mode === WhiteBalanceMode.AUTO) return auto;
    if (mode === WhiteBalanceMode.MANUAL || mode === WhiteBalanceMode.LOCKED) return manual;
    const preset = WHITE_BALANCE_PRESETS[mode];
    const range = numericRange(temperature);
    if (preset === undefined || range === undefined) return false;
    return preset >= range.min && preset <= range.max;
  }

  /** `[min, max]` colour temperature in K; empty for a camera without it. */
  getWhiteBalanceRange(): number[] {
    const range = numericRange(this.#loadedSnapshot().get('whiteBalanceTemperature'));
    return range ? [range.min, range.max] : [];
  }

  /** The current white balance mode. */
  async getWhiteBalanceMode(): Promise<WhiteBalanceMode> {
    const controls = this.#loaded();
    const auto = this.#snapshot?.has('whiteBalanceTemperatureAuto')
      ? Number(await controls.get('whiteBalanceTemperatureAuto'))
      : 0;
    return auto !== 0 ? WhiteBalanceMode.AUTO : this.#whiteBalanceMode;
  }

  /** Set the white balance mode; presets set their temperature, LOCKED keeps the current one. */
  async setWhiteBalanceMode(mode: WhiteBalanceMode): Promise<void> {
    await this.#setting(async (controls) => {
      if (!this.isWhiteBalanceModeSupported(mode)) {
        throw unsupported('white balance mode', mode, this.#supportedWhiteBalanceModes());
      }
      const hasAuto = this.#snapshot?.has('whiteBalanceTemperatureAuto') ?? false;
      if (mode === WhiteBalanceMode.AUTO) {
        await controls.set('whiteBalanceTemperatureAuto', 1);
        return;
      }
      const held = await controls.get('whiteBalanceTemperature');
      if (hasAuto) await controls.set('whiteBalanceTemperatureAuto', 0);
      const preset = WHITE_BALANCE_PRESETS[mode];
      await controls.set('whiteBalanceTemperature', preset ?? (held as number));
      this.#whiteBalanceMode = mode;
    });
  }

  /** The current colour temperature in K. */
  async getWhiteBalance(): Promise<number> {
    const controls = this.#loaded();
    this.#require('whiteBalanceTemperature');
    return Number(await controls.get('whiteBalanceTemperature'));
  }

  /**
   * Set the colour temperature in K (the camera must be in a manual white balance mode).
   *
   * @throws CameraError 7400101 outside {@link getWhiteBalanceRange}; 7400102 while automatic
   *   white balance is on.
   */
  async setWhiteBalance(whiteBalance: number): Promise<void> {
    await this.#setting(async (controls) => {
      this.#require('whiteBalanceTemperature');
      await controls.set('whiteBalanceTemperature', Math.round(whiteBalance));
      this.#whiteBalanceMode = WhiteBalanceMode.MANUAL;
    });
  }

  // ----------------------------------------------------------------------------------------

  #committed(): CameraControls {
    const controls = this.#host.cameraControls();
    if (!controls) throw notConfigured();
    return controls;
  }

  #loadedSnapshot(): Map<string, ControlDescription> {
    if (!this.#snapshot || !this.#host.cameraControls()) throw notConfigured();
    return this.#snapshot;
  }

  #loaded(): CameraControls {
    this.#loadedSnapshot();
    return this.#controls ?? this.#committed();
  }

  #require(name: (typeof SNAPSHOT_CONTROLS)[number]): void {
    if (!usable(this.#snapshot?.get(name))) {
      throw new CameraError(CameraErrorCode.INVALID_ARGUMENT, `the camera has no ${name}`, {
        expected: `a camera that supports ${name}`,
        found: 'none',
      });
    }
  }

  /** Run a setter: committed, not locked, under the session's lock. */
  async #setting(work: (controls: CameraControls) => Promise<void>): Promise<void> {
    const controls = this.#loaded();
    if (this.#host.isDeviceConfigLocked?.()) {
      const message = 'the device configuration is locked';
      throw new CameraError(CameraErrorCode.DEVICE_SETTING_LOCKED, message, {
        expected: 'an unlocked device configuration',
        found: 'locked',
      });
    }
    const run = this.#host.runExclusive?.bind(this.#host) ?? ((job: () => Promise<void>) => job());
    await run(() => work(controls));
  }

  #aeModes(): number {
    const ae = this.#loadedSnapshot().get('autoExposureMode');
    if (!usable(ae)) return 0;
    return typeof ae?.step === 'number' ? ae.step : AE_MODE.MANUAL | AE_MODE.AUTO;
  }

  #supportedExposureModes(): number[] {
    return Object.values(ExposureMode).filter((m) => this.isExposureModeSupported(m));
  }

  #supportedFocusModes(): number[] {
    return Object.values(FocusMode).filter((m) => this.isFocusModeSupported(m));
  }

  #supportedWhiteBalanceModes(): number[] {
    return Object.values(WhiteBalanceMode).filter((m) => this.isWhiteBalanceModeSupported(m));
  }

  /** Zoom steps per 1× and the focal length mapping. */
  #ratioOf(steps: number, range: NumericRange): number {
    const focal = this.#host.focalLengths?.();
    let ratio: number;
    if (focal && focal.min > 0 && focal.max > focal.min && range.max > range.min) {
      const perStep = (focal.max - focal.min) / (range.max - range.min);
      const length = focal.min + (steps - range.min) * perStep;
      ratio = length / focal.min;
    } else {
      ratio = 1 + (steps - range.min) / stepsPerRatio(range);
    }
    return Math.round(ratio * ZOOM_RATIO_PRECISION) / ZOOM_RATIO_PRECISION;
  }

  #stepOf(ratio: number, range: NumericRange): number {
    const focal = this.#host.focalLengths?.();
    let steps: number;
    if (focal && focal.min > 0 && focal.max > focal.min && range.max > range.min) {
      const length = ratio * focal.min;
      const perLength = (range.max - range.min) / (focal.max - focal.min);
      steps = range.min + (length - focal.min) * perLength;
    } else {
      steps = range.min + (ratio - 1) * stepsPerRatio(range);
    }
    const step = Math.max(1, range.step);
    const snapped = range.min + Math.round((steps - range.min) / step) * step;
    return Math.min(range.max, Math.max(range.min, snapped));
  }
}

/** A numeric control's range. */
interface NumericRange {
  min: number;
  max: number;
  step: number;
}

function numericRange(description: ControlDescription | undefined): NumericRange | undefined {
  if (!usable(description)) return undefined;
  const { min, max, step } = description as Pick<ControlDescription, 'min' | 'max' | 'step'>;
  if (typeof min !== 'number' || typeof max !== 'number') return undefined;
  return { min, max, step: typeof step === 'number' && step > 0 ? step : 1 };
}

function zoomRange(description: ControlDescription | undefined): NumericRange | undefined {
  const range = numericRange(description);
  return range && range.max > range.min ? range : undefined;
}

/** Steps per 1×: the minimum itself when it is positive (100 for 100–500), else 100. */
function stepsPerRatio(range: NumericRange): number {
  return range.min > 0 ? range.min : ZOOM_STEPS_PER_RATIO;
}

function usable(description: ControlDescription | undefined): boolean {
  return description !== undefined && description.supported;
}

function notConfigured(): CameraError {
  return new CameraError(CameraErrorCode.SESSION_NOT_CONFIG, 'the session is not configured', {
    expected: 'a committed configuration with a camera input',
    found: 'none',
  });
}

function unsupported(what: string, mode: number, supported: number[]): CameraError {
  const message = `the camera does not offer this ${what}`;
  return new CameraError(CameraErrorCode.INVALID_ARGUMENT, message, {
    expected: supported.length > 0 ? `one of ${supported.join(', ')}` : `a camera with ${what}s`,
    found: mode,
  });
}

/** A class constructor, for {@link withSessionControls} (the TypeScript mixin signature). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Constructor<T = object> = abstract new (...args: any[]) => T;

/** The settings object of each session instance that mixed them in. */
const settingsOf = new WeakMap<SessionControlsHost, SessionControls>();

function settings(host: SessionControlsHost): SessionControls {
  let found = settingsOf.get(host);
  if (!found) {
    found = new SessionControls(host);
    settingsOf.set(host, found);
  }
  return found;
}

/**
 * Mix the OpenHarmony setting methods into a session class that implements
 * {@link SessionControlsHost}: `class CaptureSession extends withSessionControls(Base)`. The
 * mixed-in `loadControls()` takes the snapshot (call it at the end of `commitConfig`).
 */
export function withSessionControls<TBase extends Constructor<SessionControlsHost>>(Base: TBase) {
  abstract class WithSessionControls extends Base {
    /** Take the settings snapshot (after commitConfig). */
    loadControls(): Promise<void> {
      return settings(this).load();
    }
    /** OpenHarmony `isExposureModeSupported`. */
    isExposureModeSupported(mode: ExposureMode): boolean {
      return settings(this).isExposureModeSupported(mode);
    }
    /** OpenHarmony `getExposureMode`, asynchronous. */
    getExposureMode(): Promise<ExposureMode> {
      return settings(this).getExposureMode();
    }
    /** OpenHarmony `setExposureMode`, asynchronous. */
    setExposureMode(mode: ExposureMode): Promise<void> {
      return settings(this).setExposureMode(mode);
    }
    /** OpenHarmony `isFocusModeSupported`. */
    isFocusModeSupported(mode: FocusMode): boolean {
      return settings(this).isFocusModeSupported(mode);
    }
    /** OpenHarmony `getFocusMode`, asynchronous. */
    getFocusMode(): Promise<FocusMode> {
      return settings(this).getFocusMode();
    }
    /** OpenHarmony `setFocusMode`, asynchronous. */
    setFocusMode(mode: FocusMode): Promise<void> {
      return settings(this).setFocusMode(mode);
    }
    /** OpenHarmony `getZoomRatioRange`. */
    getZoomRatioRange(): number[] {
      return settings(this).getZoomRatioRange();
    }
    /** OpenHarmony `getZoomRatio`, asynchronous. */
    getZoomRatio(): Promise<number> {
      return settings(this).getZoomRatio();
    }
    /** OpenHarmony `setZoomRatio`, asynchronous. */
    setZoomRatio(zoomRatio: number): Promise<void> {
      return settings(this).setZoomRatio(zoomRatio);
    }
    /** OpenHarmony `isWhiteBalanceModeSupported`. */
    isWhiteBalanceModeSupported(mode: WhiteBalanceMode): boolean {
      return settings(this).isWhiteBalanceModeSupported(mode);
    }
    /** OpenHarmony `getWhiteBalanceRange`. */
    getWhiteBalanceRange(): number[] {
      return settings(this).getWhiteBalanceRange();
    }
    /** OpenHarmony `getWhiteBalanceMode`, asynchronous. */
    getWhiteBalanceMode(): Promise<WhiteBalanceMode> {
      return settings(this).getWhiteBalanceMode();
    }
    /** OpenHarmony `setWhiteBalanceMode`, asynchronous. */
    setWhiteBalanceMode(mode: WhiteBalanceMode): Promise<void> {
      return settings(this).setWhiteBalanceMode(mode);
    }
    /** OpenHarmony `getWhiteBalance`, asynchronous. */
    getWhiteBalance(): Promise<number> {
      return settings(this).getWhiteBalance();
    }
    /** OpenHarmony `setWhiteBalance`, asynchronous. */
    setWhiteBalance(whiteBalance: number): Promise<void> {
      return settings(this).setWhiteBalance(whiteBalance);
    }
  }
  return WithSessionControls;
}
