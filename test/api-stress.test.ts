/**
 * Hundreds of concurrent callers on one emulated camera. Every call must settle, succeed or
 * fail with a code its operation can legitimately give, and afterwards the camera must be in
 * one consistent state: the lock free, the device's negotiated stream and control values
 * matching what the API reports, negotiations never interleaved with anything, and frames
 * flowing. Callers are drawn from a seeded generator, so a failure reproduces.
 */
import { describe, expect, it } from 'vitest';

import { ExposureMode, SceneMode } from '../src/camera/enums.js';
import { intervalForRate, locateProfile } from '../src/camera/profiles.js';
import type { PhotoOutput, PreviewOutput } from '../src/camera/outputs.js';
import type { CaptureSession } from '../src/camera/session.js';
import { CameraError, CameraErrorCode as C } from '../src/errors.js';
import { AE_MODE, CT, UVC_REQ, VS_CONTROL } from '../src/uvc/constants.js';
import { readU16LE, readU32LE } from '../src/uvc/bytes.js';
import { managersReleasedAfterEach, virtualCamera } from './helpers/cameras.js';
import { openSession, readFrames } from './helpers/sessions.js';
import { getCur, type TestDevice } from './helpers/test-device.js';

const newManager = managersReleasedAfterEach();

/** mulberry32: a small seeded generator. */
function generator(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  };
}

/** One turn of the event loop. */
const tick = () => new Promise((resolve) => setTimeout(resolve, 0));

/** Run a call that may throw or reject; its code, or 'ok'. */
async function outcome(call: () => unknown): Promise<number | 'ok'> {
  try {
    await call();
    return 'ok';
  } catch (error) {
    if (error instanceof CameraError) return error.code;
    throw error;
  }
}

/** SET_CURs of the log as letters: P probe, C commit (VS interface 1), S a VC setting. */
function trace(device: TestDevice): string {
  return device.log
    .filter((r) => r.requestType === 'class' && r.request === UVC_REQ.SET_CUR && r.outcome === 'ok')
    .map((r) => {
      if ((r.index & 0xff) !== 1) return 'S';
      return r.selector === VS_CONTROL.PROBE_CONTROL ? 'P' : 'C';
    })
    .join('');
}

/** What a caller may run on the one session, with the codes each may legitimately give. */
interface Operation {
  name: string;
  codes: ReadonlyArray<number | 'ok'>;
  run(random: () => number): unknown;
}

function operations(
  session: CaptureSession,
  preview: PreviewOutput,
  photo: PhotoOutput,
): Operation[] {
  const zoomRatios = [1, 1.5, 2, 3, 4, 5];
  return [
    {
      name: 'setFrameRate',
      codes: ['ok', C.INVALID_ARGUMENT, C.SESSION_NOT_CONFIG],
      run: (random) => {
        const rate = random() < 0.5 ? 15 : 30;
        return preview.setFrameRate(rate, rate);
      },
    },
    {
      name: 'setZoomRatio',
      codes: ['ok', C.DEVICE_SETTING_LOCKED, C.SESSION_NOT_CONFIG],
      run: (random) => session.setZoomRatio(zoomRatios[Math.floor(random() * zoomRatios.length)]!),
    },
    {
      name: 'setExposureMode',
      codes: ['ok', C.DEVICE_SETTING_LOCKED, C.SESSION_NOT_CONFIG],
      run: (random) =>
        session.setExposureMode(
          random() < 0.5
            ? ExposureMode.EXPOSURE_MODE_LOCKED
            : ExposureMode.EXPOSURE_MODE_CONTINUOUS_AUTO,
        ),
    },
    {
      name: 'start',
      codes: ['ok', C.SERVICE_FATAL_ERROR, C.SESSION_NOT_CONFIG],
      run: () => session.start(),
    },
    { name: 'stop', codes: ['ok', C.SERVICE_FATAL_ERROR], run: () => session.stop() },
    {
      name: 'reconfigure',
      codes: ['ok', C.SESSION_CONFIG_LOCKED, C.OPERATION_NOT_ALLOWED],
      run: async () => {
        session.beginConfig();
        await tick();
        await session.commitConfig();
      },
    },
    {
      name: 'lockForControl with a timeout',
      codes: ['ok', C.DEVICE_SETTING_LOCKED, C.SESSION_NOT_CONFIG],
      run: async (random) => {
        await session.lockForControl({ timeoutMs: Math.floor(random() * 20) });
        await session.setZoomRatio(2).catch(() => undefined);
        session.unlockForControl();
      },
    },
    {
      name: 'start, cancelled',
      codes: ['ok', C.OPERATION_NOT_ALLOWED, C.SERVICE_FATAL_ERROR, C.SESSION_NOT_CONFIG],
      run: async (random) => {
        const controller = new AbortController();
        setTimeout(() => controller.abort(), Math.floor(random() * 5));
        await session.start({ signal: controller.signal });
      },
    },
    {
      name: 'capture',
      codes: ['ok', C.SESSION_NOT_RUNNING],
      run: () => photo.capture(),
    },
    {
      name: 'frame rate, then a setting in the same turn',
      codes: ['ok', C.DEVICE_SETTING_LOCKED, C.INVALID_ARGUMENT, C.SESSION_NOT_CONFIG],
      run: async (random) => {
        const rate = random() < 0.5 ? 15 : 30;
        const change = preview.setFrameRate(rate, rate);
        try {
          await session.setZoomRatio(2);
        } finally {
          await change;
        }
      },
    },
  ];
}

describe('stress: hundreds of concurrent callers', () => {
  it('400 callers on one session leave the camera consistent', async () => {
    const { emulated, device } = await virtualCamera();
    const manager = await newManager([device]);
    const opened = await openSession(manager, { photo: true });
    const { session, preview, photo, input, camera, profile } = opened;
    const random = generator(0x5eed);
    const ops = operations(session, preview, photo!);

    // Callers arrive over a few dozen turns of the event loop, many in the same turn.
    const calls = Array.from({ length: 400 }, async () => {
      const op = ops[Math.floor(random() * ops.length)]!;
      const seed = random();
      for (let turns = Math.floor(random() * 8); turns > 0; turns -= 1) await tick();
      const code = await outcome(() => op.run(generator(Math.floor(seed * 2 ** 32))));
      return { op, code };
    });
    const results = await Promise.all(calls);

    // Every outcome is one the operation may legitimately give.
    for (const { op, code } of results) expect(op.codes, `${op.name} gave ${code}`).toContain(code);
    const succeeded = results.filter((r) => r.code === 'ok').map((r) => r.op.name);
    expect(new Set(succeeded).size).toBeGreaterThanOrEqual(6);
    // The callers did collide: configurations and settings were refused for holding the locks.
    const codes = new Set(results.map((r) => r.code));
    expect(codes).toContain(C.SESSION_CONFIG_LOCKED);
    expect(codes).toContain(C.DEVICE_SETTING_LOCKED);

    // Nothing holds or waits for the lock.
    session.unlockForControl();
    expect(input.diagnostics().lock).toEqual({ locked: false, waiting: 0 });

    // Bring the session to streaming and compare the device with what the API says.
    if (session.state === 'configuring') await session.commitConfig();
    if (session.state === 'committed') await session.start();
    expect(session.state).toBe('started');
    expect(device.claimedInterfaces()).toEqual([0, 1]);
    expect(emulated.isStreaming(1)).toBe(true);

    const location = locateProfile(emulated.model, profile)!;
    const rate = preview.getActiveFrameRate();
    const wanted =
      rate.max === 0
        ? location.frame.dwDefaultFrameInterval
        : intervalForRate(location.frame, rate.max);
    const commit = await getCur(device, 1, VS_CONTROL.COMMIT_CONTROL, 34);
    expect(readU32LE(commit, 4)).toBe(wanted);

    const zoom = await getCur(device, (1 << 8) | 0, CT.ZOOM_ABSOLUTE, 2);
    expect(readU16LE(zoom, 0)).toBe(Math.round(session.getZoomRatio() * 100));
    const ae = await getCur(device, (1 << 8) | 0, CT.AE_MODE, 1);
    const automatic = (ae[0]! & (AE_MODE.AUTO | AE_MODE.APERTURE_PRIORITY)) !== 0;
    expect(session.getExposureMode()).toBe(
      automatic ? ExposureMode.EXPOSURE_MODE_CONTINUOUS_AUTO : ExposureMode.EXPOSURE_MODE_LOCKED,
    );

    // Negotiations were never interleaved with another negotiation or a setting.
    expect(trace(device)).toMatch(/^(PC|S)+$/);

    const frames = await readFrames(preview.frames(), 3);
    expect(frames.map((f) => f.length)).toEqual([640 * 480 * 2, 640 * 480 * 2, 640 * 480 * 2]);
    expect(manager.getSupportedCameras()).toEqual([camera]);

    // And everything lets go.
    await session.release();
    await input.close();
    expect(device.claimedInterfaces()).toEqual([]);
    expect(device.pendingTransfers).toBe(0);
    expect(input.diagnostics().lock).toEqual({ locked: false, waiting: 0 });
  });

  it('200 sessions contending for one camera leave one owner, streaming or not', async () => {
    const { emulated, device } = await virtualCamera();
    const manager = await newManager([device]);
    const camera = manager.getSupportedCameras()[0]!;
    const profiles = manager.getSupportedOutputCapability(camera).previewProfiles;
    const input = manager.createCameraInput(camera);
    await input.open();
    const random = generator(0xc0ffee);

    const sessions: CaptureSession[] = [];
    const runs = Array.from({ length: 200 }, async () => {
      const session = manager.createSession(SceneMode.NORMAL_PHOTO);
      sessions.push(session);
      const profile = profiles[Math.floor(random() * profiles.length)]!;
      const plan = random();
      const codes: Array<number | 'ok'> = [];
      codes.push(
        await outcome(async () => {
          session.beginConfig();
          session.addInput(input);
          session.addOutput(manager.createPreviewOutput(profile));
          await session.commitConfig({ timeoutMs: plan < 0.2 ? 1 : 5_000 });
        }),
      );
      codes.push(await outcome(() => session.start()));
      if (plan > 0.7) codes.push(await outcome(() => session.stop()));
      if (plan > 0.9) codes.push(await outcome(() => session.release()));
      return codes;
    });
    const results = (await Promise.all(runs)).flat();
    const allowed = [
      'ok',
      C.DEVICE_SETTING_LOCKED,
      C.DEVICE_PREEMPTED,
      C.SERVICE_FATAL_ERROR,
      C.SESSION_NOT_CONFIG,
    ];
    for (const code of results) expect(allowed).toContain(code);

    const live = sessions.filter((s) => s.state !== 'released');
    expect(live.length).toBeLessThanOrEqual(1);
    const owner = live[0];
    const streaming = owner?.state === 'started';
    expect(emulated.isStreaming(1)).toBe(streaming);
    expect(device.claimedInterfaces()).toEqual(streaming ? [0, 1] : [0]);
    expect(input.diagnostics().lock).toEqual({ locked: false, waiting: 0 });
    expect(trace(device)).toMatch(/^(PC|S)*$/);

    for (const session of sessions) await session.release();
    await input.close();
    expect(device.claimedInterfaces()).toEqual([]);
    expect(device.pendingTransfers).toBe(0);
  });
});
