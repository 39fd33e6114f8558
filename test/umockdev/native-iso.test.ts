/**
 * The native binding streams isochronous video from emulated Logitech cameras through real
 * libusb under umockdev: probe/commit through the streaming handle, the alternate setting the
 * payload size needs, N transfers in flight, and frames that arrive whole and byte for byte
 * as the model sent them. Error packets are counted, and a kernel driver is detached and given
 * back.
 */
import { beforeAll, expect, it } from 'vitest';

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

const YUYV_640x480 = { pixelFormat: 'YUYV', width: 640, height: 480 };

function plan(steps: Plan['steps'], choice = YUYV_640x480): string {
  const value: Plan = { busNumber: 1, deviceAddress: 2, interfaceNumber: 1, choice, steps };
  return JSON.stringify(value);
}

/** Every frame the program received undamaged equals the frame the model sent at that position. */
function expectSameFrames(received: RecordedFrame[], device: UsbfsDevice): void {
  const sent = device.sent.frames;
  expect(received.length).toBeGreaterThan(0);
  expect(sent.length).toBeGreaterThanOrEqual(received.length);
  received.forEach((frame, index) => {
    const original = sent[index]!;
    if (original.damaged) {
      expect(
        frame.damaged || frame.sha256 !== original.sha256,
        `frame ${index} lost a payload`,
      ).toBe(true);
      return;
    }
    expect(frame, `frame ${index}`).toEqual(original);
  });
}

describeUmockdev('native isochronous streaming under umockdev', () => {
  beforeAll(requireNativeBuilt);

  for (const name of [CAMERAS.c270, CAMERAS.c310]) {
    it(`negotiates and streams whole 640x480 YUYV frames from ${name}`, async () => {
      const device = emulated({ camera: camera(name) });

      const result = await runWithDevices([device], {
        program: childProgram('native-stream.ts'),
        args: [plan([{ action: 'stream', frames: 12, transfers: 10, packetsPerTransfer: 32 }])],
      });

      expect(result.code, describeRun(result)).toBe(0);
      const [report] = messagesOf(result, 'streamed');
      const probe = report?.probe as Record<string, number>;
      expect(probe.bFormatIndex).toBe(1);
      expect(probe.bFrameIndex).toBe(1);
      expect(probe.dwMaxVideoFrameSize).toBe(640 * 480 * 2);
      expect(probe.dwMaxPayloadTransferSize).toBe(3060);
      // 3060 bytes per microframe is 3x1020, the last alternate setting of both cameras.
      expect(report?.alternate).toBe(11);

      const frames = report?.recorded as RecordedFrame[];
      expect(frames.length).toBeGreaterThanOrEqual(12);
      for (const frame of frames) {
        expect(frame.size).toBe(640 * 480 * 2);
        expect(frame.endedByEof).toBe(true);
        expect(frame.damaged).toBe(false);
      }
      expectSameFrames(frames, device);
      expect(new Set(frames.map((frame) => frame.sha256)).size).toBe(frames.length);
      expect(report?.badHeaders).toBe(0);
      expect(report?.lostPackets).toBe(0);

      // Probe and commit went through the streaming handle's own descriptor, in order.
      const controls = device.events.filter(
        (event) => event.startsWith('control 21') || event.startsWith('control a1'),
      );
      expect(controls).toEqual([
        'control 2101000101001a00 -> ok',
        'control a181000101001a00 -> ok 26 B',
        'control 2101000201001a00 -> ok',
      ]);
      await device.settled();
      expect(device.events).toContain('#1 setinterface 1 11');
      expect(device.events.slice(-3)).toEqual(['#1 setinterface 1 0', '#1 release 1', 'close #1']);
      expect(device.claimedInterfaces).toEqual([]);
      expect(device.alternates.get(1)).toBe(0);
    });
  }

  it('counts isochronous packets that arrive with an error status', async () => {
    const device = emulated({ camera: camera(CAMERAS.c270) });
    device.faults = { isoPacketErrors: { every: 150, limit: 6 } };

    const result = await runWithDevices([device], {
      program: childProgram('native-stream.ts'),
      args: [plan([{ action: 'stream', frames: 8, transfers: 8, packetsPerTransfer: 32 }])],
    });

    expect(result.code, describeRun(result)).toBe(0);
    const [report] = messagesOf(result, 'streamed');
    expect(device.stats.isoPacketErrors).toBe(6);
    expect(report?.lostPackets).toBe(6);
    expect((report?.stats as Record<string, number>).packetErrors).toBe(6);
    const frames = report?.recorded as RecordedFrame[];
    expectSameFrames(frames, device);
    const damagedSent = device.sent.frames
      .slice(0, frames.length)
      .filter((frame) => frame.damaged).length;
    expect(damagedSent).toBeGreaterThan(0);
    expect(frames.filter((frame) => frame.damaged)).toHaveLength(damagedSent);
  });

  it('detaches a bound kernel driver, and gives it back on close', async () => {
    const device = emulated({ camera: camera(CAMERAS.c310), kernelDriver: 'uvcvideo' });
    expect(device.drivers.get(1)).toBe('uvcvideo');

    const result = await runWithDevices([device], {
      program: childProgram('native-stream.ts'),
      args: [plan([{ action: 'stream', frames: 2 }])],
    });

    expect(result.code, describeRun(result)).toBe(0);
    const [report] = messagesOf(result, 'streamed');
    expect((report?.info as Record<string, unknown>).kernelDriverDetached).toBe(true);
    await device.settled();
    const lifecycle = device.events.filter((event) =>
      /detach|attach|claim|release|close/.test(event),
    );
    expect(lifecycle).toEqual([
      '#1 detach 1 uvcvideo',
      '#1 claim 1',
      '#1 release 1',
      '#1 attach 1 uvcvideo',
      'close #1',
    ]);
    expect(device.drivers.get(1)).toBe('uvcvideo');
  });
});
