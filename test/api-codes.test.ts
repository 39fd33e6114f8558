/**
 * Every camera error code of the camera API, each reached through a realistic cause on an
 * emulated camera (faults of other programs and of the bus through test/helpers/test-device).
 */
import { describe, expect, it } from 'vitest';

import { ExposureMode, FocusMode, SceneMode } from '../src/camera/enums.js';
import { CameraError, CameraErrorCode, isCameraError } from '../src/errors.js';
import { UVC_REQ, UVC_REQUEST_ERROR, VC_CONTROL } from '../src/uvc/constants.js';
import { managersReleasedAfterEach, virtualCamera } from './helpers/cameras.js';
import { openSession, readFrames } from './helpers/sessions.js';
import { SharedBus } from './helpers/test-device.js';

const manager = managersReleasedAfterEach();

/** The CameraError a synchronous call throws. */
function thrown(call: () => unknown): CameraError {
  try {
    call();
  } catch (error) {
    if (error instanceof CameraError) return error;
    throw error;
  }
  throw new Error('the call did not throw');
}

/** The CameraError a promise rejects with. */
async function rejected(promise: Promise<unknown>): Promise<CameraError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof CameraError) return error;
    throw error;
  }
  throw new Error('the promise resolved');
}

/** Read and release frames until the reader fails; its CameraError. */
async function readUntilError(
  frames: AsyncIterator<{ release(): void }>,
): Promise<CameraError> {
  for (;;) {
    let result: IteratorResult<{ release(): void }>;
    try {
      result = await frames.next();
    } catch (error) {
      if (error instanceof CameraError) return error;
      throw error;
    }
    if (result.done) throw new Error('the frames ended without an error');
    result.value.release();
  }
}

/** A ReadableStream reader as an iterator. */
function streamFrames(
  reader: ReadableStreamDefaultReader<{ release(): void }>,
): AsyncIterator<{ release(): void }> {
  return {
    next: async () => {
      const { done, value } = await reader.read();
      return done ? { done: true, value: undefined } : { done: false, value };
    },
  };
}

describe('camera error codes, each from a realistic cause', () => {
  it('7400101 INVALID_ARGUMENT: the camera STALLs a zoom value, out of range', async () => {
    const { emulated, device } = await virtualCamera();
    const { session } = await openSession(await manager([device]));
    const [, highest] = session.getZoomRatioRange();
    expect(highest).toBeGreaterThan(2);

    // Like the SunplusIT camera of bugs.md §9, the camera rejects a value its ranges allow.
    emulated.stallNext(UVC_REQ.SET_CUR, { errorCode: UVC_REQUEST_ERROR.OUT_OF_RANGE });
    const error = await rejected(session.setZoomRatio(2));
    expect(error.code).toBe(CameraErrorCode.INVALID_ARGUMENT);
    expect(error.message).toContain('out of range');

    // The reason came from VC_REQUEST_ERROR_CODE_CONTROL, asked right after the STALL.
    const stall = device.log.findIndex(
      (r) => r.request === UVC_REQ.SET_CUR && r.outcome === 'stall',
    );
    const asked = device.log[stall + 1];
    const errorCodeControl = VC_CONTROL.REQUEST_ERROR_CODE_CONTROL;
    expect(asked).toMatchObject({ request: UVC_REQ.GET_CUR, selector: errorCodeControl });
    expect(session.getZoomRatio()).toBe(1);
    const beyond = thrown(() => session.setZoomRatio(highest * 2));
    expect(beyond.code).toBe(CameraErrorCode.INVALID_ARGUMENT);
  });

  it('7400102 OPERATION_NOT_ALLOWED: commit without beginConfig; a mode refused', async () => {
    const { emulated, device } = await virtualCamera();
    const { session } = await openSession(await manager([device]));
    const commit = await rejected(session.commitConfig());
    expect(commit.code).toBe(CameraErrorCode.OPERATION_NOT_ALLOWED);

    emulated.stallNext(UVC_REQ.SET_CUR, { errorCode: UVC_REQUEST_ERROR.WRONG_STATE });
    const mode = ExposureMode.EXPOSURE_MODE_LOCKED;
    const error = await rejected(session.setExposureMode(mode));
    expect(error.code).toBe(CameraErrorCode.OPERATION_NOT_ALLOWED);
    expect(error.message).toContain('wrong state');
    expect(session.getExposureMode()).toBe(ExposureMode.EXPOSURE_MODE_CONTINUOUS_AUTO);

    await session.setExposureMode(mode);
    expect(session.getExposureMode()).toBe(mode);
  });

  it('7400103 SESSION_NOT_CONFIG: start and settings before commitConfig', async () => {
    const { device } = await virtualCamera();
    const { session } = await openSession(await manager([device]), { start: false });
    await session.stop().catch(() => undefined);
    session.beginConfig();
    expect((await rejected(session.start())).code).toBe(CameraErrorCode.SESSION_NOT_CONFIG);
    expect(thrown(() => session.setFocusMode(FocusMode.FOCUS_MODE_LOCKED)).code).toBe(
      CameraErrorCode.SESSION_NOT_CONFIG,
    );
    await session.commitConfig();
    await session.start();
  });

  it('7400104 SESSION_NOT_RUNNING: capture after the session stopped', async () => {
    const { device } = await virtualCamera();
    const { session, photo } = await openSession(await manager([device]), { photo: true });
    const photoTaken = await photo!.capture();
    expect(photoTaken.data.length).toBe(640 * 480 * 2);
    await session.stop();
    expect((await rejected(photo!.capture())).code).toBe(CameraErrorCode.SESSION_NOT_RUNNING);
  });

  it('7400105 SESSION_CONFIG_LOCKED: a second caller begins while one configures', async () => {
    const { device } = await virtualCamera();
    const made = await manager([device]);
    const camera = made.getSupportedCameras()[0]!;
    const input = made.createCameraInput(camera);
    await input.open();
    const session = made.createSession(SceneMode.NORMAL_PHOTO);
    const profile = made.getSupportedOutputCapability(camera).previewProfiles[0]!;

    const first = (async () => {
      session.beginConfig();
      session.addInput(input);
      await Promise.resolve();
      session.addOutput(made.createPreviewOutput(profile));
      await session.commitConfig();
    })();
    const second = (async () => {
      await Promise.resolve();
      session.beginConfig();
    })();
    const outcomes = await Promise.allSettled([first, second]);
    expect(outcomes[0].status).toBe('fulfilled');
    const late = outcomes[1];
    const reason = late.status === 'rejected' ? (late.reason as CameraError) : undefined;
    expect(reason?.code).toBe(CameraErrorCode.SESSION_CONFIG_LOCKED);
    expect(session.state).toBe('committed');
  });

  it('7400106 DEVICE_SETTING_LOCKED: a setting during a frame-rate change', async () => {
    const { device } = await virtualCamera();
    const { session, preview, input } = await openSession(await manager([device]));

    const change = preview.setFrameRate(15, 15);
    const error = thrown(() => session.setZoomRatio(2));
    expect(error.code).toBe(CameraErrorCode.DEVICE_SETTING_LOCKED);
    expect(error.message).toContain('locked');
    expect(String(error.found)).toContain('setFrameRate(15, 15)');
    await change;

    // Once the change is done the setting goes through, and nothing is left locked.
    await session.setZoomRatio(2);
    expect(session.getZoomRatio()).toBe(2);
    expect(input.diagnostics().lock).toEqual({ locked: false, waiting: 0 });
  });

  it('7400107 CONFLICT_CAMERA: no bandwidth left on the bus for a second HD camera', async () => {
    // Like the C310 (3060 bytes for 640×480 YUYV), the emulated cameras ask for the largest
    // isochronous setting; two of them do not fit the periodic bandwidth of one USB 2.0 bus.
    const bus = new SharedBus();
    const first = await virtualCamera({ bus, serialNumber: 'FIRST' });
    const second = await virtualCamera({ bus, serialNumber: 'SECOND' });
    const made = await manager([first.device, second.device]);
    const [cameraA, cameraB] = made.getSupportedCameras();
    const hd = (p: { format: string; size: { width: number } }) =>
      p.format === 'YUYV' && p.size.width === 1280;

    const a = await openSession(made, { camera: cameraA, profile: hd });
    expect(bus.used).toBeGreaterThan(bus.budget / 2);
    const b = await openSession(made, { camera: cameraB, profile: hd, start: false });
    const error = await rejected(b.session.start());
    expect(error.code).toBe(CameraErrorCode.CONFLICT_CAMERA);
    expect(error.message).toContain('refused every alternate setting');

    // Nothing of the failed start stays behind; with the bus free the second camera streams.
    expect(second.device.claimedInterfaces()).toEqual([0]);
    expect(b.session.state).toBe('committed');
    await a.session.stop();
    await b.session.start();
    expect(await readFrames(b.preview.frames(), 2)).toHaveLength(2);
  });

  it('7400108 DEVICE_DISABLED: the platform protects the video class (WebUSB)', async () => {
    const { device } = await virtualCamera({ protectVideoClass: true });
    const made = await manager([device]);
    const input = made.createCameraInput(made.getSupportedCameras()[0]!);
    const error = await rejected(input.open());
    expect(error.code).toBe(CameraErrorCode.DEVICE_DISABLED);
    expect((error.cause as DOMException).name).toBe('SecurityError');
    expect(device.opened).toBe(false);
  });

  it('7400109 DEVICE_PREEMPTED: another process takes the streaming camera over', async () => {
    const { device } = await virtualCamera();
    const made = await manager([device]);
    const { input, preview, photo, session } = await openSession(made, { photo: true });
    const heard: CameraError[] = [];
    input.on('error', (e) => heard.push(e));
    const frames = preview.frames();
    const first = await frames.next();
    expect(first.done).toBe(false);
    first.value?.release();

    const capture = photo!.capture();
    device.takeOver();
    const [readError, captureError] = await Promise.all([
      readUntilError(frames),
      rejected(capture),
    ]);

    expect(heard.map((e) => e.code)).toEqual([CameraErrorCode.DEVICE_PREEMPTED]);
    expect(readError.code).toBe(CameraErrorCode.DEVICE_PREEMPTED);
    expect(captureError.code).toBe(CameraErrorCode.DEVICE_PREEMPTED);
    expect((await rejected(input.close())).code).toBe(CameraErrorCode.SERVICE_FATAL_ERROR);
    expect(session.state).toBe('committed');

    // The camera was closed; once the other process lets go, a new input opens it at once.
    await expect.poll(() => device.claimedInterfaces()).toEqual([]);
    expect(input.diagnostics().lock.locked).toBe(false);
    device.letGo();
    const again = await openSession(made, { start: true });
    expect(await readFrames(again.preview.frames(), 1)).toHaveLength(1);
  });

  it('7400110 UNRESOLVED_CONFLICTS: a frame rate the video stream cannot serve', async () => {
    const { device } = await virtualCamera();
    const made = await manager([device]);
    const { preview, session, video } = await openSession(made, { videoFps: 30 });
    expect(video!.getActiveFrameRate()).toEqual({ min: 30, max: 30 });
    const error = thrown(() => preview.setFrameRate(20, 20));
    expect(error.code).toBe(CameraErrorCode.UNRESOLVED_CONFLICTS_WITH_CURRENT_CONFIGURATIONS);
    expect(preview.getActiveFrameRate()).toEqual({ min: 0, max: 0 });

    // A video output of another size cannot share the one stream either: refused at commit.
    await session.stop();
    session.beginConfig();
    session.removeOutput(video!);
    const capability = made.getSupportedOutputCapability(made.getSupportedCameras()[0]!);
    const other = capability.videoProfiles.find((p) => p.size.width === 1280)!;
    session.addOutput(made.createVideoOutput(other));
    const commit = await rejected(session.commitConfig());
    expect(commit.code).toBe(CameraErrorCode.UNRESOLVED_CONFLICTS_WITH_CURRENT_CONFIGURATIONS);
    expect(session.state).toBe('configuring');
  });

  it('7400201 SERVICE_FATAL_ERROR: the camera is unplugged mid-stream', async () => {
    const { emulated, device } = await virtualCamera();
    const made = await manager([device]);
    const { input, preview, photo, session } = await openSession(made, { photo: true });
    const heard: CameraError[] = [];
    input.on('error', (e) => heard.push(e));
    const reader = preview.stream().getReader();
    const first = await reader.read();
    first.value?.release();

    const capture = photo!.capture();
    emulated.disconnect();
    const [readError, captureError] = await Promise.all([
      readUntilError(streamFrames(reader)),
      rejected(capture),
    ]);

    expect(heard.map((e) => e.code)).toEqual([CameraErrorCode.SERVICE_FATAL_ERROR]);
    expect(readError.code).toBe(CameraErrorCode.SERVICE_FATAL_ERROR);
    expect(captureError.code).toBe(CameraErrorCode.SERVICE_FATAL_ERROR);
    expect((await rejected(session.stop())).code).toBe(CameraErrorCode.SERVICE_FATAL_ERROR);
    expect(isCameraError(heard[0], CameraErrorCode.SERVICE_FATAL_ERROR)).toBe(true);
    await expect.poll(() => device.pendingTransfers).toBe(0);
    await expect.poll(() => input.diagnostics().openInputs).toBe(0);
  });
});
