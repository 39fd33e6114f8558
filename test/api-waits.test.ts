/**
 * No wait of the camera API outlives the state it waits in: frame readers outside a running
 * session, readers woken when the run ends; and the codes of calls the state does not allow.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

import { SceneMode } from '../src/camera/enums.js';
import { UvcCamera } from '../src/camera/uvc-camera.js';
import { CameraError, CameraErrorCode } from '../src/errors.js';
import { loadEmulatedCamera } from '../src/usb/emulated-files.js';
import { rawDescriptorsDir } from './fixtures.js';
import { managersReleasedAfterEach, virtualCamera } from './helpers/cameras.js';
import { openSession } from './helpers/sessions.js';

const manager = managersReleasedAfterEach();

/** Event-loop turns a settled read may take (it settles within microtasks when it does). */
const TURNS = 20;

/** How `promise` settled within {@link TURNS} turns of the event loop, or 'pending'. */
async function outcome(promise: Promise<unknown>): Promise<unknown> {
  let result: unknown = 'pending';
  promise.then(
    (value) => (result = value),
    (error: unknown) => (result = error),
  );
  for (let turn = 0; turn < TURNS && result === 'pending'; turn += 1) {
    await new Promise((resolve) => setImmediate(resolve));
  }
  return result;
}

/** The code of a CameraError, or what was found instead. */
function codeOf(value: unknown): unknown {
  return value instanceof CameraError ? value.code : value;
}

/** The CameraError a synchronous call throws. */
function thrown(call: () => unknown): unknown {
  try {
    call();
  } catch (error) {
    return error;
  }
  return 'no error';
}

async function running() {
  const { device } = await virtualCamera();
  const made = await manager([device]);
  return { made, ...(await openSession(made, { videoFps: 30 })) };
}

const NOT_RUNNING = CameraErrorCode.SESSION_NOT_RUNNING;

describe('frame readers outside a running session are refused, never left waiting', () => {
  it('before start: frames() rejects and stream() errors with 7400104', async () => {
    const { device } = await virtualCamera();
    const { preview, video } = await openSession(await manager([device]), {
      videoFps: 30,
      start: false,
    });
    expect(codeOf(await outcome(preview.frames().next()))).toBe(NOT_RUNNING);
    expect(codeOf(await outcome(preview.stream().getReader().read()))).toBe(NOT_RUNNING);
    expect(codeOf(await outcome(video!.frames().next()))).toBe(NOT_RUNNING);
  });

  it('after stop, after input.close and after session.release: 7400104', async () => {
    const { session, preview, input, video } = await running();
    await session.stop();
    expect(codeOf(await outcome(preview.frames().next()))).toBe(NOT_RUNNING);
    expect(codeOf(await outcome(video!.stream().getReader().read()))).toBe(NOT_RUNNING);

    await session.start();
    await input.close();
    expect(codeOf(await outcome(preview.frames().next()))).toBe(NOT_RUNNING);
    expect(codeOf(await outcome(preview.stream().getReader().read()))).toBe(NOT_RUNNING);

    await session.release();
    expect(codeOf(await outcome(preview.frames().next()))).toBe(NOT_RUNNING);
    expect(codeOf(await outcome(video!.frames().next()))).toBe(NOT_RUNNING);
  });

  it('a released output ends its readers at once', async () => {
    const { preview } = await running();
    await preview.release();
    expect(await outcome(preview.frames().next())).toEqual({ value: undefined, done: true });
    expect(await outcome(preview.stream().getReader().read())).toEqual({
      value: undefined,
      done: true,
    });
  });
});

describe('a read waiting when the run ends is woken', () => {
  /** A video reader waiting while the session runs but does not record. */
  async function waiting() {
    const opened = await running();
    const reader = opened.video!.frames();
    const read = reader.next();
    expect(await outcome(read)).toBe('pending');
    return { ...opened, read };
  }

  it('by session.stop', async () => {
    const { session, read } = await waiting();
    await session.stop();
    expect(await outcome(read)).toEqual({ value: undefined, done: true });
  });

  it('by input.close', async () => {
    const { input, read } = await waiting();
    await input.close();
    expect(await outcome(read)).toEqual({ value: undefined, done: true });
  });

  it('by session.release', async () => {
    const { session, read } = await waiting();
    await session.release();
    expect(await outcome(read)).toEqual({ value: undefined, done: true });
  });
});

describe('calls the state does not allow', () => {
  it('open twice: 7400102; the open input stays usable', async () => {
    const { device } = await virtualCamera();
    const made = await manager([device]);
    const input = made.createCameraInput(made.getSupportedCameras()[0]!);
    await input.open();
    const again = await input.open().catch((error: unknown) => error);
    expect(codeOf(again)).toBe(CameraErrorCode.OPERATION_NOT_ALLOWED);
    expect(input.state).toBe('open');
    await input.close();
  });

  it('the same output added twice: 7400102', async () => {
    const { device } = await virtualCamera();
    const made = await manager([device]);
    const camera = made.getSupportedCameras()[0]!;
    const input = made.createCameraInput(camera);
    await input.open();
    const session = made.createSession(SceneMode.NORMAL_PHOTO);
    const preview = made.createPreviewOutput(
      made.getSupportedOutputCapability(camera).previewProfiles[0]!,
    );
    session.beginConfig();
    session.addInput(input);
    session.addOutput(preview);
    expect(codeOf(thrown(() => session.addOutput(preview)))).toBe(
      CameraErrorCode.OPERATION_NOT_ALLOWED,
    );
    expect(session.outputs).toEqual([preview]);
  });

  it('start twice, stop before start, an input twice: 7400201 (SF-006/007/003)', async () => {
    const { device } = await virtualCamera();
    const made = await manager([device]);
    const { session, input } = await openSession(made, { start: false });
    const stop = await session.stop().catch((error: unknown) => error);
    expect(codeOf(stop)).toBe(CameraErrorCode.SERVICE_FATAL_ERROR);
    await session.start();
    const start = await session.start().catch((error: unknown) => error);
    expect(codeOf(start)).toBe(CameraErrorCode.SERVICE_FATAL_ERROR);
    await session.stop();
    session.beginConfig();
    expect(codeOf(thrown(() => session.addInput(input)))).toBe(
      CameraErrorCode.SERVICE_FATAL_ERROR,
    );
  });

  it('every manager call after release: 7400102', async () => {
    const { device } = await virtualCamera();
    const made = await manager([device]);
    const camera = made.getSupportedCameras()[0]!;
    const profile = made.getSupportedOutputCapability(camera).previewProfiles[0]!;
    await made.release();
    const calls: Array<[string, () => unknown]> = [
      ['getSupportedCameras', () => made.getSupportedCameras()],
      ['getSupportedOutputCapability', () => made.getSupportedOutputCapability(camera)],
      ['createCameraInput', () => made.createCameraInput(camera)],
      ['createPreviewOutput', () => made.createPreviewOutput(profile)],
      ['createPhotoOutput', () => made.createPhotoOutput(profile)],
      ['createVideoOutput', () => made.createVideoOutput(profile)],
      ['createSession', () => made.createSession(SceneMode.NORMAL_PHOTO)],
      ['createCaptureSession', () => made.createCaptureSession()],
      ['on', () => made.on('cameraStatus', () => undefined)],
    ];
    for (const [name, call] of calls) {
      expect([name, codeOf(thrown(call))]).toEqual([name, CameraErrorCode.OPERATION_NOT_ALLOWED]);
    }
    const refresh = await made.refresh().catch((error: unknown) => error);
    expect(codeOf(refresh)).toBe(CameraErrorCode.OPERATION_NOT_ALLOWED);
    await made.release();
  });

  it('controls of a closed camera: 7400102 "the camera is closed"', async () => {
    const c310 = join(rawDescriptorsDir, 'logitech_c310_046d-081b.config.bin');
    const camera = await UvcCamera.open(await loadEmulatedCamera(c310, { pace: 'asap' }));
    const controls = camera.controls;
    expect(await controls.get('brightness')).toBe(128);
    await camera.close();
    for (const call of [() => controls.set('brightness', 100), () => controls.get('contrast')]) {
      const error = await call().catch((e: unknown) => e);
      expect(codeOf(error)).toBe(CameraErrorCode.OPERATION_NOT_ALLOWED);
      expect((error as CameraError).message).toMatch(/^the camera is closed/);
    }
  });
});
