/**
 * The OpenHarmony-shaped session settings (exposure mode, focus mode, zoom ratio, white
 * balance) over the emulated Logitech StreamCam and C310, through the mixin a session uses.
 */
import { join } from 'node:path';
import { Mutex } from 'async-mutex';
import { describe, expect, it } from 'vitest';

import type { CameraControls } from '../src/camera/controls.js';
import { ExposureMode, FocusMode } from '../src/camera/enums.js';
import {
  WhiteBalanceMode,
  withSessionControls,
  type SessionControlsHost,
} from '../src/camera/session-controls.js';
import { UvcCamera } from '../src/camera/uvc-camera.js';
import { CameraErrorCode, isCameraError } from '../src/errors.js';
import { loadEmulatedCamera } from '../src/usb/emulated-files.js';
import { rawDescriptorsDir } from './fixtures.js';

/** The smallest session: a committed camera or none, a lock flag, a configuration mutex. */
class BareSession implements SessionControlsHost {
  committed: CameraControls | undefined;
  locked = false;
  exclusiveRuns = 0;
  readonly #mutex = new Mutex();

  cameraControls(): CameraControls | undefined {
    return this.committed;
  }

  isDeviceConfigLocked(): boolean {
    return this.locked;
  }

  runExclusive<T>(work: () => Promise<T>): Promise<T> {
    this.exclusiveRuns += 1;
    return this.#mutex.runExclusive(work);
  }
}

class Session extends withSessionControls(BareSession) {}

async function committedSession(file: string): Promise<{ session: Session; camera: UvcCamera }> {
  const device = await loadEmulatedCamera(join(rawDescriptorsDir, file), { pace: 'asap' });
  const camera = await UvcCamera.open(device);
  const session = new Session();
  session.committed = camera.controls;
  await session.loadControls();
  return { session, camera };
}

async function codeOf(work: Promise<unknown> | (() => unknown)): Promise<number | undefined> {
  try {
    await (typeof work === 'function' ? work() : work);
  } catch (error) {
    return isCameraError(error) ? error.code : -1;
  }
  return undefined;
}

const STREAMCAM = 'logitech_streamcam_046d-0893.config.bin';

describe('session settings before a committed configuration', () => {
  it('answer 7400103', async () => {
    const session = new Session();
    const query = (): boolean => session.isExposureModeSupported(ExposureMode.EXPOSURE_MODE_LOCKED);
    expect(await codeOf(query)).toBe(CameraErrorCode.SESSION_NOT_CONFIG);
    expect(await codeOf(session.setZoomRatio(2))).toBe(CameraErrorCode.SESSION_NOT_CONFIG);
    expect(await codeOf(session.loadControls())).toBe(CameraErrorCode.SESSION_NOT_CONFIG);
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
      expect(await session.getExposureMode()).toBe(ExposureMode.EXPOSURE_MODE_CONTINUOUS_AUTO);

      await session.setExposureMode(ExposureMode.EXPOSURE_MODE_LOCKED);
      expect(await session.getExposureMode()).toBe(ExposureMode.EXPOSURE_MODE_LOCKED);
      expect(await camera.controls.get('exposureMode')).toBe(1);
      expect(await camera.controls.get('exposure')).toBe(250);
      expect(await codeOf(session.setExposureMode(ExposureMode.EXPOSURE_MODE_AUTO))).toBe(
        CameraErrorCode.INVALID_ARGUMENT,
      );
      await session.setExposureMode(ExposureMode.EXPOSURE_MODE_CONTINUOUS_AUTO);
      expect(await camera.controls.get('exposureMode')).toBe(8);
      expect(session.exclusiveRuns).toBe(3);
    } finally {
      await camera.close();
    }
  });

  it('focus: continuous auto, manual and locked', async () => {
    const { session, camera } = await committedSession(STREAMCAM);
    try {
      expect(session.isFocusModeSupported(FocusMode.FOCUS_MODE_CONTINUOUS_AUTO)).toBe(true);
      expect(session.isFocusModeSupported(FocusMode.FOCUS_MODE_AUTO)).toBe(false);
      expect(await session.getFocusMode()).toBe(FocusMode.FOCUS_MODE_CONTINUOUS_AUTO);
      await session.setFocusMode(FocusMode.FOCUS_MODE_LOCKED);
      expect(await session.getFocusMode()).toBe(FocusMode.FOCUS_MODE_LOCKED);
      expect(await camera.controls.get('focusMode')).toBe(0);
      await session.setFocusMode(FocusMode.FOCUS_MODE_MANUAL);
      expect(await session.getFocusMode()).toBe(FocusMode.FOCUS_MODE_MANUAL);
      await session.setFocusMode(FocusMode.FOCUS_MODE_CONTINUOUS_AUTO);
      expect(await camera.controls.get('focusMode')).toBe(1);
    } finally {
      await camera.close();
    }
  });

  it('zoom: steps 100–500 are 1×–5×; out of range 7400101; locked device 7400106', async () => {
    const { session, camera } = await committedSession(STREAMCAM);
    try {
      expect(session.getZoomRatioRange()).toEqual([1, 5]);
      await session.setZoomRatio(2.5);
      expect(await camera.controls.get('zoom')).toBe(250);
      expect(await session.getZoomRatio()).toBe(2.5);
      expect(await codeOf(session.setZoomRatio(5.5))).toBe(CameraErrorCode.INVALID_ARGUMENT);
      expect(await codeOf(session.setZoomRatio(0.9))).toBe(CameraErrorCode.INVALID_ARGUMENT);
      session.locked = true;
      expect(await codeOf(session.setZoomRatio(2))).toBe(CameraErrorCode.DEVICE_SETTING_LOCKED);
      expect(await session.getZoomRatio()).toBe(2.5);
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
      expect(await session.getWhiteBalanceMode()).toBe(WhiteBalanceMode.AUTO);
      // The camera refuses a manual temperature while automatic white balance is on.
      const refused = await codeOf(session.setWhiteBalance(5000));
      expect(refused).toBe(CameraErrorCode.OPERATION_NOT_ALLOWED);

      await session.setWhiteBalanceMode(WhiteBalanceMode.DAYLIGHT);
      expect(await session.getWhiteBalanceMode()).toBe(WhiteBalanceMode.DAYLIGHT);
      expect(await session.getWhiteBalance()).toBe(5500);
      await session.setWhiteBalance(3000);
      expect(await session.getWhiteBalanceMode()).toBe(WhiteBalanceMode.MANUAL);
      expect(await camera.controls.get('whiteBalanceTemperature')).toBe(3000);
      expect(await codeOf(session.setWhiteBalance(9000))).toBe(CameraErrorCode.INVALID_ARGUMENT);
      await session.setWhiteBalanceMode(WhiteBalanceMode.AUTO);
      expect(await camera.controls.get('whiteBalanceMode')).toBe(1);
    } finally {
      await camera.close();
    }
  });
});

describe('session settings on a camera without them (Logitech C310: no focus, no zoom)', () => {
  it('reports nothing supported and refuses with 7400101', async () => {
    const { session, camera } = await committedSession('logitech_c310_046d-081b.config.bin');
    try {
      expect(session.isFocusModeSupported(FocusMode.FOCUS_MODE_CONTINUOUS_AUTO)).toBe(false);
      expect(session.getZoomRatioRange()).toEqual([1, 1]);
      expect(await session.getZoomRatio()).toBe(1);
      expect(await codeOf(session.setZoomRatio(1.5))).toBe(CameraErrorCode.INVALID_ARGUMENT);
      expect(await codeOf(session.setFocusMode(FocusMode.FOCUS_MODE_CONTINUOUS_AUTO))).toBe(
        CameraErrorCode.INVALID_ARGUMENT,
      );
      expect(session.isExposureModeSupported(ExposureMode.EXPOSURE_MODE_LOCKED)).toBe(true);
    } finally {
      await camera.close();
    }
  });
});
