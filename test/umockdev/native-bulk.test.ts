/**
 * Bulk streaming from the generic 'HD video' camera (349c:3307, MJPEG over a bulk endpoint in
 * alternate setting 0) under umockdev: through the native binding, and through node-usb's
 * `InEndpoint.startPoll` as the fallback when the addon is not built. Payloads span bulk
 * transfers; frames must arrive whole and as the model sent them.
 */
import { expect, it } from 'vitest';

import type { RecordedFrame } from './frames.js';
import type { Plan } from './child/native-stream.js';
import type { UsbfsDevice } from './usbfs-device.js';
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
} from './setup.js';

const MJPEG_640x480 = { pixelFormat: 'MJPEG', width: 640, height: 480 };

function expectSentFrames(received: RecordedFrame[], device: UsbfsDevice, wanted: number): void {
  expect(received.length).toBeGreaterThanOrEqual(wanted);
  expect(device.sent.frames.length).toBeGreaterThanOrEqual(received.length);
  received.forEach((frame, index) => {
    expect(frame, `frame ${index}`).toEqual(device.sent.frames[index]);
    expect(frame.damaged).toBe(false);
    expect(frame.endedByEof).toBe(true);
  });
  // MJPEG frames differ in size, so payload boundaries and transfer boundaries do not line up.
  expect(new Set(received.map((frame) => frame.size)).size).toBeGreaterThan(1);
}

describeUmockdev('bulk streaming under umockdev', () => {
  it('streams MJPEG frames from the bulk camera through the native binding', async () => {
    requireNativeBuilt();
    const device = emulated({ camera: camera(CAMERAS.bulk) });
    const plan: Plan = {
      busNumber: 1,
      deviceAddress: 2,
      interfaceNumber: 1,
      choice: MJPEG_640x480,
      steps: [{ action: 'stream', frames: 10, transfers: 6 }],
    };

    const result = await runWithDevices([device], {
      program: childProgram('native-stream.ts'),
      args: [JSON.stringify(plan)],
    });

    expect(result.code, describeRun(result)).toBe(0);
    const [report] = messagesOf(result, 'streamed');
    expect(report?.alternate).toBe(0);
    expect((report?.info as Record<string, number>).speed).toBe(2);
    const probe = report?.probe as Record<string, number>;
    expect(probe.dwMaxVideoFrameSize).toBe(614400);
    expectSentFrames(report?.recorded as RecordedFrame[], device, 10);
    expect(report?.badHeaders).toBe(0);
    await device.settled();
    // A bulk camera streams in alternate setting 0: no SET_INTERFACE, and the claim is released.
    expect(device.events.some((event) => event.includes('setinterface'))).toBe(false);
    expect(device.events.slice(-2)).toEqual(['#1 release 1', 'close #1']);
  });

  it('streams the same camera through node-usb startPoll as the fallback', async () => {
    const device = emulated({ camera: camera(CAMERAS.bulk) });
    const plan = { busNumber: 1, deviceAddress: 2, choice: MJPEG_640x480, frames: 8, transfers: 4 };

    const result = await runWithDevices([device], {
      program: childProgram('node-usb-bulk.ts'),
      args: [JSON.stringify(plan)],
    });

    expect(result.code, describeRun(result)).toBe(0);
    const [report] = messagesOf(result, 'streamed');
    expectSentFrames(report?.recorded as RecordedFrame[], device, 8);
    expect(report?.badHeaders).toBe(0);
    await device.settled();
    expect(device.claimedInterfaces).toEqual([]);
  });
});
