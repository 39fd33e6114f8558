/**
 * Faults through the native binding under umockdev: a STALLed probe, a device that disappears
 * mid-stream, transfers that never complete, and a process that leaves mid-stream. Each ends in
 * a CameraError or a clean teardown — never a hang — and the camera opens and streams again.
 */
import { beforeAll, expect, it } from 'vitest';

import { CameraErrorCode } from '../../src/errors.js';
import type { Plan, Step } from './child/native-stream.js';
import type { UsbfsDevice } from './usbfs-device.js';
import type { RunResult } from './model-server.js';
import {
  CAMERAS,
  camera,
  childProgram,
  describeRun,
  describeUmockdev,
  emulated,
  messagesOf,
  requireNativeBuilt,
  runWithDevices,
  stallNextSetCur,
} from './setup.js';

/** libusb error numbers the causes carry (libusb.h). */
const LIBUSB_ERROR_PIPE = -9;
const LIBUSB_ERROR_NO_DEVICE = -4;

function run(device: UsbfsDevice, steps: Step[]): Promise<RunResult> {
  const plan: Plan = {
    busNumber: 1,
    deviceAddress: 2,
    interfaceNumber: 1,
    choice: { pixelFormat: 'YUYV', width: 640, height: 480 },
    steps,
  };
  return runWithDevices([device], {
    program: childProgram('native-stream.ts'),
    args: [JSON.stringify(plan)],
    timeoutMs: 30_000,
  });
}

function streamedFrames(result: RunResult): number {
  const [report] = messagesOf(result, 'streamed');
  return (report?.frames as number | undefined) ?? 0;
}

describeUmockdev('faults through the native binding under umockdev', () => {
  beforeAll(requireNativeBuilt);

  it('reports a STALLed probe as a CameraError, then opens and streams again', async () => {
    const device = emulated({ camera: camera(CAMERAS.c270) });
    stallNextSetCur(device);

    const result = await run(device, [
      { action: 'expectFailure' },
      { action: 'stream', frames: 3 },
    ]);

    expect(result.code, describeRun(result)).toBe(0);
    const [failure] = messagesOf(result, 'error');
    const error = failure?.error as Record<string, unknown>;
    expect(failure?.phase).toBe('open');
    expect(error.name).toBe('CameraError');
    expect(error.code).toBe(CameraErrorCode.OPERATION_NOT_ALLOWED);
    expect(error.causeErrno).toBe(LIBUSB_ERROR_PIPE);
    expect(String(error.message)).toMatch(/stall/);
    expect(device.events).toContain('control 2101000101001a00 -> stall');
    expect(streamedFrames(result)).toBeGreaterThanOrEqual(3);
  });

  it('ends the stream with CameraError 7400201 when the device disappears, and streams after replug', async () => {
    const device = emulated({ camera: camera(CAMERAS.c310) });
    device.faults = { unplugAfterDataUrbs: 20 };

    const result = await run(device, [
      { action: 'expectFailure', quietMs: 5_000 },
      { action: 'stream', frames: 3 },
    ]);

    expect(result.code, describeRun(result)).toBe(0);
    const [failure] = messagesOf(result, 'failed-as-expected');
    expect(failure?.outcome, describeRun(result)).toBe('failed');
    const error = failure?.error as Record<string, unknown>;
    expect(error.code).toBe(CameraErrorCode.SERVICE_FATAL_ERROR);
    expect(error.causeErrno).toBe(LIBUSB_ERROR_NO_DEVICE);
    expect(messagesOf(result, 'closed')).toHaveLength(1);
    expect(device.events).toContain('unplug');
    expect(streamedFrames(result)).toBeGreaterThanOrEqual(3);
  });

  it('returns from stop when transfers never complete, and streams again', async () => {
    const device = emulated({ camera: camera(CAMERAS.c270) });
    device.faults = { swallowDataUrbsAfter: 20 };

    const result = await run(device, [
      { action: 'expectFailure', quietMs: 800, transfers: 6 },
      { action: 'stream', frames: 3 },
    ]);

    expect(result.code, describeRun(result)).toBe(0);
    const [failure] = messagesOf(result, 'failed-as-expected');
    expect(failure?.outcome, describeRun(result)).toBe('quiet');
    expect(failure?.stuckTransfers).toBe(6);
    expect(device.stats.swallowed).toBe(6);
    expect(streamedFrames(result)).toBeGreaterThanOrEqual(3);
    await device.settled();
    expect(device.openConnections).toBe(0);
  });

  it('stops, releases and gives the kernel driver back when closed mid-stream', async () => {
    const device = emulated({ camera: camera(CAMERAS.c270), kernelDriver: 'uvcvideo' });

    const result = await run(device, [
      { action: 'closeMidStream' },
      { action: 'stream', frames: 3 },
    ]);

    expect(result.code, describeRun(result)).toBe(0);
    const [closed] = messagesOf(result, 'closed-mid-stream');
    expect(closed?.heldBytesBefore).toBe(32 * 3060);
    expect(closed?.heldBytesAfter).toBe(0);
    expect(closed?.iterationDone).toBe(true);
    await device.settled();
    const first = device.events.slice(0, device.events.indexOf('close #1') + 1);
    const teardown = first.slice(first.indexOf('#1 setinterface 1 11') + 1);
    expect(teardown).toEqual([
      '#1 setinterface 1 0',
      '#1 release 1',
      '#1 attach 1 uvcvideo',
      'close #1',
    ]);
    expect(streamedFrames(result)).toBeGreaterThanOrEqual(3);
    expect(device.claimedInterfaces).toEqual([]);
  });

  it('gives the interface and the kernel driver back when the process exits mid-stream', async () => {
    const device = emulated({ camera: camera(CAMERAS.c310), kernelDriver: 'uvcvideo' });

    const left = await run(device, [{ action: 'exit', how: 'exit' }]);

    expect(left.code, describeRun(left)).toBe(0);
    expect(messagesOf(left, 'leaving')).toHaveLength(1);
    await device.settled();
    const teardown = device.events.slice(device.events.indexOf('#1 setinterface 1 11') + 1);
    expect(teardown).toEqual([
      '#1 setinterface 1 0',
      '#1 release 1',
      '#1 attach 1 uvcvideo',
      'close #1',
    ]);
    expect(device.claimedInterfaces).toEqual([]);
    expect(device.drivers.get(1)).toBe('uvcvideo');

    const again = await run(device, [{ action: 'stream', frames: 3 }]);
    expect(again.code, describeRun(again)).toBe(0);
    expect(streamedFrames(again)).toBeGreaterThanOrEqual(3);
  });

  it('leaves no claim behind when the process is killed mid-stream', async () => {
    const device = emulated({ camera: camera(CAMERAS.c270) });

    const killed = await run(device, [{ action: 'exit', how: 'kill' }]);

    expect(killed.signal ?? killed.code, describeRun(killed)).not.toBe(0);
    expect(messagesOf(killed, 'leaving')).toHaveLength(1);
    await device.settled();
    expect(device.openConnections).toBe(0);
    expect(device.claimedInterfaces).toEqual([]);
    // The kernel puts a released interface back to alternate setting 0.
    expect(device.alternates.get(1)).toBe(0);
    expect(device.events.at(-2)).toBe('#1 close 1 (alternate reset to 0)');

    const again = await run(device, [{ action: 'stream', frames: 3 }]);
    expect(again.code, describeRun(again)).toBe(0);
    expect(streamedFrames(again)).toBeGreaterThanOrEqual(3);
  });
});
