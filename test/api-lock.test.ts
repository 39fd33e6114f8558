/**
 * The device configuration lock: order of waiters, time-outs and cancellations that leave no
 * lock behind, settings that fail fast, and configurations that never interleave — on the lock
 * itself and through the camera API on an emulated camera.
 */
import { describe, expect, it } from 'vitest';

import { DeviceConfigLock } from '../src/camera/device-lock.js';
import { SceneMode } from '../src/camera/enums.js';
import { CameraError, CameraErrorCode } from '../src/errors.js';
import { UVC_REQ, VS_CONTROL } from '../src/uvc/constants.js';
import { managersReleasedAfterEach, virtualCamera } from './helpers/cameras.js';
import { openSession, readFrames } from './helpers/sessions.js';
import type { ControlRecord } from './helpers/test-device.js';

const manager = managersReleasedAfterEach();

async function codeOf(promise: Promise<unknown>): Promise<number | 'ok'> {
  try {
    await promise;
    return 'ok';
  } catch (error) {
    if (error instanceof CameraError) return error.code;
    throw error;
  }
}

/** Resolves after the microtasks and one macrotask queued before it. */
const tick = () => new Promise((resolve) => setTimeout(resolve, 0));

describe('DeviceConfigLock', () => {
  it('serves waiters in the order they called', async () => {
    const lock = new DeviceConfigLock('test');
    const first = await lock.acquire({}, 'first', 'configuration');
    const order: number[] = [];
    const waiters = Array.from({ length: 50 }, (_, index) =>
      lock.acquire({}, `waiter ${index}`, 'configuration').then(async (lease) => {
        order.push(index);
        await tick();
        lease.release();
      }),
    );
    expect(lock.state).toMatchObject({ locked: true, holder: 'first', waiting: 50 });
    first.release();
    await Promise.all(waiters);
    expect(order).toEqual(Array.from({ length: 50 }, (_, index) => index));
    expect(lock.state).toEqual({ locked: false, waiting: 0 });
  });

  it('a timed-out wait fails with 7400106 and leaves no lock behind', async () => {
    const lock = new DeviceConfigLock('test');
    const holder = await lock.acquire({}, 'holder', 'configuration');
    const late = lock.acquire({}, 'late', 'configuration', { timeoutMs: 5 });
    const error = await late.catch((e: unknown) => e);
    expect((error as CameraError).code).toBe(CameraErrorCode.DEVICE_SETTING_LOCKED);
    expect((error as CameraError).message).toContain('gave up waiting');
    expect(lock.state.waiting).toBe(0);

    holder.release();
    await expect.poll(() => lock.state.locked).toBe(false);
    const next = await lock.acquire({}, 'next', 'configuration', { timeoutMs: 0 });
    expect(lock.state.holder).toBe('next');
    next.release();
    expect(lock.state).toEqual({ locked: false, waiting: 0 });
  });

  it('a cancelled wait fails with 7400102, the reason as cause, leaving no lock', async () => {
    const lock = new DeviceConfigLock('test');
    const holder = await lock.acquire({}, 'holder', 'configuration');
    const controller = new AbortController();
    const waiting = lock.acquire({}, 'cancelled', 'configuration', { signal: controller.signal });
    const after = lock.acquire({}, 'after', 'configuration');
    controller.abort(new Error('user gave up'));
    const error = (await waiting.catch((e: unknown) => e)) as CameraError;
    expect(error.code).toBe(CameraErrorCode.OPERATION_NOT_ALLOWED);
    expect((error.cause as Error).message).toBe('user gave up');

    holder.release();
    const lease = await after;
    expect(lease.holder).toBe('after');
    lease.release();
    await expect.poll(() => lock.state).toEqual({ locked: false, waiting: 0 });
  });

  it('settings fail at once while another holder locks, and share their owner’s', async () => {
    const lock = new DeviceConfigLock('test');
    const session = {};
    const configuration = await lock.acquire({}, 'commitConfig', 'configuration');
    expect(() => lock.trySettings(session, 'setZoomRatio(2)')).toThrow(/locked/);
    configuration.release();

    const control = await lock.acquire(session, 'lockForControl', 'control');
    const setting = await lock.trySettings(session, 'setZoomRatio(2)');
    let thrown: unknown;
    try {
      lock.trySettings({}, 'another session');
    } catch (error) {
      thrown = error;
    }
    expect((thrown as CameraError).code).toBe(CameraErrorCode.DEVICE_SETTING_LOCKED);
    setting.release();
    expect(lock.state.locked).toBe(true);
    control.release();
    expect(lock.state).toEqual({ locked: false, waiting: 0 });
  });

  it('a waiter that gave up passes the lock on to a setting', async () => {
    const lock = new DeviceConfigLock('test');
    const holder = await lock.acquire({}, 'holder', 'configuration');
    const gaveUp = lock.acquire({}, 'gave up', 'configuration', { timeoutMs: 1 });
    await gaveUp.catch(() => undefined);
    holder.release();
    // The mutex now reaches the waiter that gave up, which hands it on within a microtask.
    const setting = await lock.trySettings({}, 'setting');
    expect(lock.state.holder).toBe('setting');
    setting.release();
    await expect.poll(() => lock.state).toEqual({ locked: false, waiting: 0 });
  });

  it('run() releases the lease when the work fails', async () => {
    const lock = new DeviceConfigLock('test');
    const failing = lock.run({}, 'failing', async () => {
      throw new Error('boom');
    });
    await expect(failing).rejects.toThrow('boom');
    expect(lock.state).toEqual({ locked: false, waiting: 0 });
  });
});

/** The VS probe/commit SET_CURs and VC control SET_CURs of the log, as letters. */
function configurationTrace(log: ControlRecord[], vsInterface: number): string {
  return log
    .filter((r) => r.requestType === 'class' && r.request === UVC_REQ.SET_CUR)
    .map((r) => {
      if ((r.index & 0xff) !== vsInterface) return 'S';
      if (r.selector === VS_CONTROL.PROBE_CONTROL) return 'P';
      return r.selector === VS_CONTROL.COMMIT_CONTROL ? 'C' : '?';
    })
    .join('');
}

describe('the camera API through the lock', () => {
  it('commits of several sessions wait in call order; the newest takes the camera', async () => {
    const { device } = await virtualCamera();
    const made = await manager([device]);
    const holder = await openSession(made, { start: false });
    await holder.session.lockForControl();

    const camera = holder.camera;
    const profile = holder.profile;
    const order: number[] = [];
    const sessions = Array.from({ length: 8 }, () => made.createSession(SceneMode.NORMAL_PHOTO));
    const commits = sessions.map((session, index) => {
      session.beginConfig();
      session.addInput(holder.input);
      session.addOutput(made.createPreviewOutput(profile));
      return session.commitConfig().then(() => order.push(index));
    });
    await tick();
    expect(order).toEqual([]);
    expect(holder.input.diagnostics().lock).toMatchObject({ holder: 'lockForControl', waiting: 8 });

    holder.session.unlockForControl();
    await Promise.all(commits);
    expect(order).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    expect(sessions.map((s) => s.state)).toEqual([...Array(7).fill('released'), 'committed']);
    expect(holder.session.state).toBe('released');
    await sessions[7]!.start();
    expect(made.getSupportedCameras()).toEqual([camera]);
  });

  it('a commit that times out or is cancelled leaves the camera free for the next', async () => {
    const { device } = await virtualCamera();
    const made = await manager([device]);
    const holder = await openSession(made, { start: false });
    await holder.session.lockForControl();
    const session = made.createSession(SceneMode.NORMAL_PHOTO);
    session.beginConfig();
    session.addInput(holder.input);
    session.addOutput(made.createPreviewOutput(holder.profile));

    const timedOut = await codeOf(session.commitConfig({ timeoutMs: 5 }));
    expect(timedOut).toBe(CameraErrorCode.DEVICE_SETTING_LOCKED);
    const controller = new AbortController();
    const cancelled = session.commitConfig({ signal: controller.signal });
    controller.abort();
    expect(await codeOf(cancelled)).toBe(CameraErrorCode.OPERATION_NOT_ALLOWED);
    expect(session.state).toBe('configuring');

    holder.session.unlockForControl();
    await expect.poll(() => holder.input.diagnostics().lock).toEqual({ locked: false, waiting: 0 });
    await session.commitConfig();
    await session.start();
    expect(session.state).toBe('started');
    expect(holder.session.state).toBe('released');
  });

  it('frame-rate changes and settings fired at once never enter a negotiation', async () => {
    const { device } = await virtualCamera();
    const made = await manager([device]);
    const { session, preview } = await openSession(made);
    const before = device.log.length;

    const calls: Array<Promise<unknown>> = [];
    for (let index = 0; index < 10; index += 1) {
      const rate = index % 2 === 0 ? 15 : 30;
      calls.push(preview.setFrameRate(rate, rate));
      try {
        calls.push(session.setZoomRatio(1 + index / 10));
      } catch (error) {
        expect((error as CameraError).code).toBe(CameraErrorCode.DEVICE_SETTING_LOCKED);
      }
    }
    const outcomes = await Promise.allSettled(calls);
    expect(outcomes.every((o) => o.status === 'fulfilled')).toBe(true);

    const trace = configurationTrace(device.log.slice(before), 1);
    expect(trace).toMatch(/^(PC|S)+$/);
    expect(trace.match(/PC/g)).toHaveLength(10);
    expect(preview.getActiveFrameRate()).toEqual({ min: 30, max: 30 });
    expect(await readFrames(preview.frames(), 2)).toHaveLength(2);
  });
});
