/**
 * Lifecycle: every way of ending leaves no claimed interface, no pending transfer and no held
 * lock, and the camera can be opened again at once.
 */
import { describe, expect, it } from 'vitest';

import type { CameraManager } from '../src/camera/manager.js';
import { CameraError, CameraErrorCode } from '../src/errors.js';
import { managersReleasedAfterEach, virtualCamera } from './helpers/cameras.js';
import { openSession, readFrames } from './helpers/sessions.js';
import type { TestDevice } from './helpers/test-device.js';

const newManager = managersReleasedAfterEach();

async function setUp() {
  const { emulated, device } = await virtualCamera();
  const manager = await newManager([device]);
  return { emulated, device, manager };
}

/** The VideoStreaming interface is free: not claimed, not streaming, no transfer on it. */
function expectStreamingIdle(device: TestDevice, emulated: { isStreaming(n: number): boolean }) {
  expect(device.claimedInterfaces()).not.toContain(1);
  expect(emulated.isStreaming(1)).toBe(false);
}

/** Nothing is left: no claimed interface, no pending transfer, a free lock. */
function expectNothingLeft(device: TestDevice, lock: { locked: boolean; waiting: number }) {
  expect(device.claimedInterfaces()).toEqual([]);
  expect(device.pendingTransfers).toBe(0);
  expect(lock).toEqual({ locked: false, waiting: 0 });
}

/** Open a new input and session on the camera and read two frames from it. */
async function openAgain(manager: CameraManager) {
  const again = await openSession(manager);
  expect(await readFrames(again.preview.frames(), 2)).toHaveLength(2);
  return again;
}

describe('lifecycle', () => {
  it('release is idempotent for sessions, outputs and inputs, even called at once', async () => {
    const { device, manager } = await setUp();
    const { session, preview, photo, input } = await openSession(manager, { photo: true });
    await Promise.all([session.release(), session.release(), preview.release(), photo!.release()]);
    await session.release();
    await preview.release();
    await Promise.all([input.release(), input.release()]);
    await input.release();
    expect(session.state).toBe('released');
    expect(input.state).toBe('closed');
    expectNothingLeft(device, input.diagnostics().lock);
    await openAgain(manager);
  });

  it('stop after stop: the second fails with 7400201 and the stream is fully down', async () => {
    const { emulated, device, manager } = await setUp();
    const { session, input } = await openSession(manager);
    await session.stop();
    const second = await session.stop().catch((error: unknown) => error);
    expect((second as CameraError).code).toBe(CameraErrorCode.SERVICE_FATAL_ERROR);
    expectStreamingIdle(device, emulated);
    expect(device.claimedInterfaces()).toEqual([0]);
    // Only the status endpoint's transfer is pending while the camera is open.
    expect(device.pendingTransfers).toBe(1);
    expect(input.diagnostics()).toMatchObject({
      streaming: false,
      lock: { locked: false, waiting: 0 },
    });

    await session.start();
    expect(emulated.isStreaming(1)).toBe(true);
    await session.release();
    await input.close();
    expectNothingLeft(device, input.diagnostics().lock);
  });

  it('close while streaming: readers end, the session stops, the camera closes', async () => {
    const { emulated, device, manager } = await setUp();
    const { session, preview, input } = await openSession(manager);
    const events: string[] = [];
    preview.on('frameStart', () => events.push('frameStart'));
    preview.on('frameEnd', () => events.push('frameEnd'));
    const frames = preview.frames();
    const first = await frames.next();
    first.value?.release();

    await input.close();
    for (;;) {
      const next = await frames.next();
      if (next.done) break;
      next.value.release();
    }
    expect(events).toEqual(['frameStart', 'frameEnd']);
    expect(session.state).toBe('committed');
    expectStreamingIdle(device, emulated);
    expectNothingLeft(device, input.diagnostics().lock);
    const restart = await session.start().catch((error: unknown) => error);
    expect((restart as CameraError).code).toBe(CameraErrorCode.DEVICE_DISABLED);
    await openAgain(manager);
  });

  it('release with outputs still attached stops the stream and frees the outputs', async () => {
    const { emulated, device, manager } = await setUp();
    const { session, preview, photo, input, camera } = await openSession(manager, { photo: true });
    await session.release();
    expectStreamingIdle(device, emulated);
    expect(input.diagnostics().lock).toEqual({ locked: false, waiting: 0 });

    // The outputs left with the session and can join another one on the same open input.
    const next = manager.createSession(1);
    next.beginConfig();
    next.addInput(input);
    next.addOutput(preview);
    next.addOutput(photo!);
    await next.commitConfig();
    await next.start();
    expect(await readFrames(preview.frames(), 1)).toHaveLength(1);
    expect((await photo!.capture()).width).toBe(640);

    await next.release();
    await input.close();
    expectNothingLeft(device, input.diagnostics().lock);
    expect(manager.getSupportedCameras()).toEqual([camera]);
    await openAgain(manager);
  });

  it('manager.release ends everything it made', async () => {
    const { emulated, device, manager } = await setUp();
    const { input } = await openSession(manager);
    await manager.release();
    expectStreamingIdle(device, emulated);
    expectNothingLeft(device, input.diagnostics().lock);
    await manager.release();
  });
});
