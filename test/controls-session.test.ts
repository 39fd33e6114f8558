/**
 * The OpenHarmony-shaped session settings (exposure mode, focus mode, zoom ratio, white
 * balance) over the emulated Logitech StreamCam and C310, through the class every session
 * extends. Settings take the camera's real configuration lock and write through the camera's
 * CameraControls, so they are remembered, restored and refreshed by status events as the raw
 * control API's values are.
 */
import { join } from 'node:path';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

import { DeviceConfigLock } from '../src/camera/device-lock.js';
import { ExposureMode, FocusMode, WhiteBalanceMode } from '../src/camera/enums.js';
import { SessionControls, type SettingsCamera } from '../src/camera/session-controls.js';
import { UvcCamera } from '../src/camera/uvc-camera.js';
import { CameraErrorCode, isCameraError } from '../src/errors.js';
import { EmulatedCamera } from '../src/usb/emulated.js';
import { loadEmulatedCamera } from '../src/usb/emulated-files.js';
import { AE_MODE, CT, STATUS_ATTRIBUTE } from '../src/uvc/constants.js';
import { readU16LE } from '../src/uvc/bytes.js';
import { writeConfiguration } from '../src/uvc/descriptor-builder.js';
import { parseConfiguration } from '../src/uvc/descriptors.js';
import type { QuirkOverride } from '../src/uvc/quirks.js';
import { controlChangePacket } from '../src/uvc/status.js';
import { rawDescriptorsDir } from './fixtures.js';
import { asDevice, managersReleasedAfterEach } from './helpers/cameras.js';
import { openSession } from './helpers/sessions.js';
import { getCur } from './helpers/test-device.js';

/** The smallest session: a committed camera or none, and the camera's configuration lock. */
class Session extends SessionControls {
  committed: SettingsCamera | undefined;
  /** Settings that took the lock. */
  exclusiveRuns = 0;
  readonly lock = new DeviceConfigLock('the test camera');

  protected override committedCamera(): SettingsCamera | undefined {
    return this.committed;
  }

  protected override runSetting<T>(what: string, work: () => Promise<T>): Promise<T> {
    const run = this.lock.runSetting(this, what, work);
    this.exclusiveRuns += 1;
    return run;
  }

  /** Take the snapshot, as commitConfig does. */
  load(camera: SettingsCamera): Promise<void> {
    return this.loadSettings(camera);
  }
}

const STREAMCAM = join(rawDescriptorsDir, 'logitech_streamcam_046d-0893.config.bin');
const C310 = join(rawDescriptorsDir, 'logitech_c310_046d-081b.config.bin');

async function committedSession(
  device: EmulatedCamera | string,
): Promise<{ session: Session; camera: UvcCamera }> {
  const usb =
    typeof device === 'string' ? await loadEmulatedCamera(device, { pace: 'asap' }) : device;
  const camera = await UvcCamera.open(usb);
  const session = new Session();
  session.committed = camera;
  await session.load(camera);
  return { session, camera };
}

/** The code of a synchronous throw; undefined when the call did not throw. */
function thrownCode(call: () => unknown): number | undefined {
  try {
    const value = call();
    if (value instanceof Promise) value.catch(() => undefined);
  } catch (error) {
    return isCameraError(error) ? error.code : -1;
  }
  return undefined;
}

/** The code a promise rejects with; undefined when it resolves. */
async function rejectedCode(work: Promise<unknown>): Promise<number | undefined> {
  try {
    await work;
  } catch (error) {
    return isCameraError(error) ? error.code : -1;
  }
  return undefined;
}

const newManager = managersReleasedAfterEach();

describe('session settings before a committed configuration', () => {
  it('answer 7400103, thrown', async () => {
    const session = new Session();
    const query = (): boolean => session.isExposureModeSupported(ExposureMode.EXPOSURE_MODE_LOCKED);
    expect(thrownCode(query)).toBe(CameraErrorCode.SESSION_NOT_CONFIG);
    expect(thrownCode(() => session.setZoomRatio(2))).toBe(CameraErrorCode.SESSION_NOT_CONFIG);
    const mode = (): number => session.getWhiteBalanceMode();
    expect(thrownCode(mode)).toBe(CameraErrorCode.SESSION_NOT_CONFIG);

    // A camera is not enough: the settings answer from the snapshot taken at commitConfig.
    const camera = await UvcCamera.open(await loadEmulatedCamera(STREAMCAM, { pace: 'asap' }));
    try {
      session.committed = camera;
      expect(thrownCode(query)).toBe(CameraErrorCode.SESSION_NOT_CONFIG);
      await session.load(camera);
      expect(query()).toBe(true);
      expect(session.exclusiveRuns).toBe(0);
    } finally {
      await camera.close();
    }
  });
});

describe('session settings on the emulated Logitech StreamCam', () => {
  it('exposure: continuous auto and locked; locking holds the exposure time', async () => {
    const { session, camera } = await committedSession(STREAMCAM);
    try {
      const { EXPOSURE_MODE_CONTINUOUS_AUTO: CONTINUOUS } = ExposureMode;
      expect(session.isExposureModeSupported(CONTINUOUS)).toBe(true);
      expect(session.isExposureModeSupported(ExposureMode.EXPOSURE_MODE_LOCKED)).toBe(true);
      expect(session.isExposureModeSupported(ExposureMode.EXPOSURE_MODE_AUTO)).toBe(false);
      expect(session.getExposureMode()).toBe(ExposureMode.EXPOSURE_MODE_CONTINUOUS_AUTO);

      await session.setExposureMode(ExposureMode.EXPOSURE_MODE_LOCKED);
      expect(session.getExposureMode()).toBe(ExposureMode.EXPOSURE_MODE_LOCKED);
      expect(await camera.controls.get('exposureMode')).toBe(1);
      expect(await camera.controls.get('exposure')).toBe(250);
      // A mode the camera does not offer: 7400102 at once (OpenHarmony NA-007); no mode: 7400101.
      expect(thrownCode(() => session.setExposureMode(ExposureMode.EXPOSURE_MODE_AUTO))).toBe(
        CameraErrorCode.OPERATION_NOT_ALLOWED,
      );
      expect(thrownCode(() => session.setExposureMode(7 as ExposureMode))).toBe(
        CameraErrorCode.INVALID_ARGUMENT,
      );
      await session.setExposureMode(ExposureMode.EXPOSURE_MODE_CONTINUOUS_AUTO);
      expect(await camera.controls.get('exposureMode')).toBe(8);
      expect(session.getExposureMode()).toBe(ExposureMode.EXPOSURE_MODE_CONTINUOUS_AUTO);
      // The two refusals never took the lock.
      expect(session.exclusiveRuns).toBe(2);
    } finally {
      await camera.close();
    }
  });

  it('focus: continuous auto, manual and locked', async () => {
    const { session, camera } = await committedSession(STREAMCAM);
    try {
      expect(session.isFocusModeSupported(FocusMode.FOCUS_MODE_CONTINUOUS_AUTO)).toBe(true);
      expect(session.isFocusModeSupported(FocusMode.FOCUS_MODE_AUTO)).toBe(false);
      expect(session.getFocusMode()).toBe(FocusMode.FOCUS_MODE_CONTINUOUS_AUTO);
      await session.setFocusMode(FocusMode.FOCUS_MODE_LOCKED);
      expect(session.getFocusMode()).toBe(FocusMode.FOCUS_MODE_LOCKED);
      expect(await camera.controls.get('focusMode')).toBe(0);
      await session.setFocusMode(FocusMode.FOCUS_MODE_MANUAL);
      expect(session.getFocusMode()).toBe(FocusMode.FOCUS_MODE_MANUAL);
      await session.setFocusMode(FocusMode.FOCUS_MODE_CONTINUOUS_AUTO);
      expect(await camera.controls.get('focusMode')).toBe(1);
    } finally {
      await camera.close();
    }
  });

  it('zoom: 100–500 is 1×–5×; out of range 7400101; locked device 7400106', async () => {
    const { session, camera } = await committedSession(STREAMCAM);
    try {
      expect(session.getZoomRatioRange()).toEqual([1, 5]);
      await session.setZoomRatio(2.5);
      expect(await camera.controls.get('zoom')).toBe(250);
      expect(session.getZoomRatio()).toBe(2.5);
      expect(thrownCode(() => session.setZoomRatio(5.5))).toBe(CameraErrorCode.INVALID_ARGUMENT);
      expect(thrownCode(() => session.setZoomRatio(0.9))).toBe(CameraErrorCode.INVALID_ARGUMENT);

      // Another holder (a configuration of another session) has the camera's lock.
      const lease = await session.lock.acquire({}, 'another session', 'configuration');
      expect(thrownCode(() => session.setZoomRatio(2))).toBe(CameraErrorCode.DEVICE_SETTING_LOCKED);
      lease.release();
      expect(session.getZoomRatio()).toBe(2.5);
      expect(await camera.controls.get('zoom')).toBe(250);
    } finally {
      await camera.close();
    }
  });

  it('white balance: auto, presets in the camera’s range, manual temperature', async () => {
    const { session, camera } = await committedSession(STREAMCAM);
    try {
      expect(session.getWhiteBalanceRange()).toEqual([2000, 6500]);
      for (const mode of Object.values(WhiteBalanceMode)) {
        expect(session.isWhiteBalanceModeSupported(mode)).toBe(true);
      }
      expect(session.getWhiteBalanceMode()).toBe(WhiteBalanceMode.AUTO);
      // The camera refuses a manual temperature while automatic white balance is on.
      const refused = await rejectedCode(session.setWhiteBalance(5000));
      expect(refused).toBe(CameraErrorCode.OPERATION_NOT_ALLOWED);

      await session.setWhiteBalanceMode(WhiteBalanceMode.DAYLIGHT);
      expect(session.getWhiteBalanceMode()).toBe(WhiteBalanceMode.DAYLIGHT);
      expect(session.getWhiteBalance()).toBe(5500);
      expect(await camera.controls.get('whiteBalanceTemperature')).toBe(5500);
      await session.setWhiteBalance(3000);
      expect(session.getWhiteBalanceMode()).toBe(WhiteBalanceMode.MANUAL);
      expect(await camera.controls.get('whiteBalanceTemperature')).toBe(3000);
      const tooHot = thrownCode(() => session.setWhiteBalance(9000));
      expect(tooHot).toBe(CameraErrorCode.INVALID_ARGUMENT);
      await session.setWhiteBalanceMode(WhiteBalanceMode.AUTO);
      expect(await camera.controls.get('whiteBalanceMode')).toBe(1);
    } finally {
      await camera.close();
    }
  });

  it('a value the camera changes itself reaches the getters by status events', async () => {
    const device = await loadEmulatedCamera(STREAMCAM, { pace: 'asap' });
    const camera = await UvcCamera.open(device);
    try {
      expect(camera.events.available).toBe(true);
      camera.events.start();
      const session = new Session();
      session.committed = camera;
      await session.load(camera);
      const before = session.getWhiteBalance();

      // Automatic white balance moved the temperature: the camera says so on its status endpoint.
      const { entityId, selector } = await camera.controls.describe('whiteBalanceTemperature');
      const kelvin = before === 4600 ? 4700 : 4600;
      const seen = camera.events.next(
        (event): event is typeof event => event.type === 'control' && event.selector === selector,
        5_000,
      );
      const value = Uint8Array.of(kelvin & 0xff, kelvin >> 8);
      const packet = controlChangePacket(entityId, selector, STATUS_ATTRIBUTE.VALUE, value);
      device.queueStatusPacket(packet);
      expect(await seen.promise).toBeDefined();
      expect(session.getWhiteBalance()).toBe(kelvin);
    } finally {
      await camera.close();
    }
  });

  it('zoom ratios follow the objective focal lengths when the camera gives them', async () => {
    // The StreamCam gives none; this twin says its lens runs from 10 to 30 (UVC 1.5 §3.7.2.3).
    const model = parseConfiguration(new Uint8Array(readFileSync(STREAMCAM)));
    const entities = model.functions[0]!.videoControl.entities;
    const terminal = entities.find((e) => e.type === 'inputTerminal' && e.camera);
    if (terminal?.type !== 'inputTerminal' || !terminal.camera) throw new Error('no camera');
    terminal.camera.wObjectiveFocalLengthMin = 10;
    terminal.camera.wObjectiveFocalLengthMax = 30;
    const twin = asDevice(writeConfiguration(model), 0x046d, 0x0893);

    const { session, camera } = await committedSession(twin);
    try {
      // Zoom 100–500 spans focal lengths 10–30: 1× to 3×, and 2× (focal length 20) is 300.
      expect(session.getZoomRatioRange()).toEqual([1, 3]);
      await session.setZoomRatio(2);
      expect(await camera.controls.get('zoom')).toBe(300);
      expect(session.getZoomRatio()).toBe(2);
    } finally {
      await camera.close();
    }
  });
});

describe('session settings on a camera without them (Logitech C310: no focus, no zoom)', () => {
  it('reports no focus mode nor zoom, and refuses them', async () => {
    const { session, camera } = await committedSession(C310);
    try {
      for (const mode of Object.values(FocusMode)) {
        expect(session.isFocusModeSupported(mode)).toBe(false);
      }
      expect(session.getFocusMode()).toBe(FocusMode.FOCUS_MODE_LOCKED);
      expect(session.getZoomRatioRange()).toEqual([1, 1]);
      expect(session.getZoomRatio()).toBe(1);
      expect(thrownCode(() => session.setZoomRatio(1.5))).toBe(CameraErrorCode.INVALID_ARGUMENT);
      expect(thrownCode(() => session.setFocusMode(FocusMode.FOCUS_MODE_CONTINUOUS_AUTO))).toBe(
        CameraErrorCode.OPERATION_NOT_ALLOWED,
      );
      expect(session.isExposureModeSupported(ExposureMode.EXPOSURE_MODE_LOCKED)).toBe(true);
    } finally {
      await camera.close();
    }
  });
});

describe('session settings go through the camera’s controls', () => {
  /** The StreamCam's camera terminal: GET_CUR's wIndex for its controls. */
  function cameraTerminalIndex(): number {
    const fn = parseConfiguration(new Uint8Array(readFileSync(STREAMCAM))).functions[0]!;
    const terminal = fn.videoControl.entities.find((e) => e.type === 'inputTerminal' && e.camera);
    if (terminal?.type !== 'inputTerminal') throw new Error('no camera terminal');
    return (terminal.bTerminalID << 8) | fn.videoControl.bInterfaceNumber;
  }

  /**
   * Zoom and AE mode as the camera has them before the settings, and after a session set them
   * and started streaming. The StreamCam's descriptors run under the Logitech C920's VID:PID
   * (046d:082d), whose quirk entry says it forgets control values when streaming starts; the
   * emulated twin does forget them.
   */
  async function settingsAcrossStart(quirkOverride?: QuirkOverride) {
    const device = asDevice(STREAMCAM, 0x046d, 0x082d);
    const manager = await newManager([device], quirkOverride ? { open: { quirkOverride } } : {});
    const index = cameraTerminalIndex();
    const read = async () => ({
      zoom: readU16LE(await getCur(device, index, CT.ZOOM_ABSOLUTE, 2), 0),
      aeMode: (await getCur(device, index, CT.AE_MODE, 1))[0],
    });
    const { session } = await openSession(manager, { start: false });
    const before = await read();
    await session.setZoomRatio(3);
    await session.setExposureMode(ExposureMode.EXPOSURE_MODE_LOCKED);
    const set = await read();
    await session.start();
    return { before, set, started: await read() };
  }

  it('a camera that forgets them at stream start (C920 quirk) gets them back', async () => {
    const { before, set, started } = await settingsAcrossStart();
    expect(set).toEqual({ zoom: 300, aeMode: AE_MODE.MANUAL });
    expect(before).not.toEqual(set);
    expect(started).toEqual(set);
  });

  it('without the quirk the emulated C920 really forgets them', async () => {
    const forgetting = { remove: ['restoreControlsOnInit' as const] };
    const { before, set, started } = await settingsAcrossStart(forgetting);
    expect(set).toEqual({ zoom: 300, aeMode: AE_MODE.MANUAL });
    expect(started).toEqual(before);
  });
});
