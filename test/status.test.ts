/**
 * Status interrupt packets (UVC 1.5 §2.4.2.2): parsing, and events read from the status
 * endpoint of emulated twins of real cameras.
 */
import { join } from 'node:path';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

import { StatusEvents, type StatusEvent } from '../src/camera/status.js';
import { UvcCamera } from '../src/camera/uvc-camera.js';
import { CameraErrorCode, isCameraError } from '../src/errors.js';
import { EmulatedCamera } from '../src/usb/emulated.js';
import { loadEmulatedCamera } from '../src/usb/emulated-files.js';
import { compositeDeviceDescriptor, writeDeviceDescriptor } from '../src/uvc/descriptor-builder.js';
import { resolveQuirks } from '../src/uvc/quirks.js';
import { STATUS_ATTRIBUTE } from '../src/uvc/constants.js';
import { buttonPacket, controlChangePacket, parseStatusPacket } from '../src/uvc/status.js';
import { rawDescriptorsDir } from './fixtures.js';

const c270 = join(rawDescriptorsDir, 'logitech_c270_046d-0825.config.bin');

/** Wait until `events` holds `count` events (the loop delivers them asynchronously). */
async function waitFor(events: StatusEvent[], count: number): Promise<void> {
  while (events.length < count) await new Promise((resolve) => setTimeout(resolve, 1));
}

describe('status packets', () => {
  it('parses a control change: originator, selector, attribute and value (Table 2-2)', () => {
    const packet = Uint8Array.of(0x01, 0x02, 0x00, 0x0a, 0x00, 0xf8, 0x11);
    expect(parseStatusPacket(packet)).toEqual({
      type: 'controlChange',
      bOriginator: 2,
      bSelector: 0x0a,
      bAttribute: 0,
      attribute: 'value',
      bValue: Uint8Array.of(0xf8, 0x11),
    });
    const failure = parseStatusPacket(Uint8Array.of(0x01, 0x01, 0x00, 0x0d, 0x02, 0x04));
    expect(failure).toMatchObject({ type: 'controlChange', attribute: 'failure' });
    expect(failure.type === 'controlChange' && Array.from(failure.bValue)).toEqual([4]);
  });

  it('parses button presses and stream errors of a streaming interface (Table 2-3)', () => {
    const pressed = parseStatusPacket(Uint8Array.of(0x02, 0x01, 0x00, 0x01));
    expect(pressed).toEqual({ type: 'button', bOriginator: 1, pressed: true });
    const released = parseStatusPacket(Uint8Array.of(0x02, 0x01, 0x00, 0x00));
    expect(released).toMatchObject({ pressed: false });
    expect(parseStatusPacket(Uint8Array.of(0x02, 0x03, 0x05, 0x07))).toMatchObject({
      type: 'streamError',
      bOriginator: 3,
      bEvent: 5,
    });
  });

  it('keeps reserved types and short VideoControl packets as unknown; refuses < 3 bytes', () => {
    expect(parseStatusPacket(Uint8Array.of(0x05, 0x01, 0x00)).type).toBe('unknown');
    expect(parseStatusPacket(Uint8Array.of(0x01, 0x01, 0x00, 0x02)).type).toBe('unknown');
    let error: unknown;
    try {
      parseStatusPacket(Uint8Array.of(0x01, 0x01));
    } catch (e) {
      error = e;
    }
    expect(isCameraError(error, CameraErrorCode.INVALID_ARGUMENT)).toBe(true);
  });

  it('builds what it parses', () => {
    const built = controlChangePacket(2, 0x0b, STATUS_ATTRIBUTE.INFO, Uint8Array.of(0x03));
    const parsed = parseStatusPacket(built);
    expect(parsed).toMatchObject({ bOriginator: 2, bSelector: 0x0b, attribute: 'info' });
    const button = parseStatusPacket(buttonPacket(1, true));
    expect(button).toEqual({ type: 'button', bOriginator: 1, pressed: true });
  });
});

describe('events from the status endpoint', () => {
  it('C270 (status endpoint 0x87): control changes decoded, buttons reported', async () => {
    const device = await loadEmulatedCamera(c270, { pace: 'asap' });
    const camera = await UvcCamera.open(device);
    const events: StatusEvent[] = [];
    const stop = camera.events.on((event) => events.push(event));
    try {
      expect(camera.events.available).toBe(true);
      // White balance temperature 4600 K on the processing unit (`f8 11`, the value the
      // Realtek 0bda:5602 answers GET_CUR with in the fixtures' usbmon trace).
      const { VALUE, INFO } = STATUS_ATTRIBUTE;
      device.queueStatusPacket(controlChangePacket(2, 0x0a, VALUE, Uint8Array.of(0xf8, 0x11)));
      device.queueStatusPacket(controlChangePacket(2, 0x0a, INFO, Uint8Array.of(0x0f)));
      device.queueStatusPacket(buttonPacket(1, true));
      await waitFor(events, 3);
      expect(events[0]).toMatchObject({
        type: 'control',
        control: 'whiteBalanceTemperature',
        attribute: 'value',
        decoded: 4600,
      });
      expect(events[1]).toMatchObject({
        type: 'control',
        attribute: 'info',
        info: { disabledByAuto: true, autoUpdate: true },
      });
      expect(events[2]).toEqual({ type: 'button', interfaceNumber: 1, pressed: true });
      expect(camera.events.counters.packets).toBe(3);
    } finally {
      stop();
      await camera.close();
    }
  });

  it('a camera without a status endpoint has no events (the Espressif device)', async () => {
    const espressif = 'espressif_tinyusb_dual_uvc_303a-8000.config.bin';
    const device = await loadEmulatedCamera(join(rawDescriptorsDir, espressif));
    const camera = await UvcCamera.open(device);
    try {
      expect(camera.events.available).toBe(false);
      camera.events.start();
      expect(camera.events.running).toBe(false);
    } finally {
      await camera.close();
    }
  });

  it('ignores the proprietary packets of an Apple built-in iSight (builtinISight)', async () => {
    const configuration = new Uint8Array(readFileSync(c270));
    const iSight = compositeDeviceDescriptor({ idVendor: 0x05ac, idProduct: 0x8501 });
    const deviceDescriptor = writeDeviceDescriptor(iSight);
    const device = new EmulatedCamera({ configuration, device: deviceDescriptor, pace: 'asap' });
    const camera = await UvcCamera.open(device);
    const events: StatusEvent[] = [];
    try {
      expect(camera.quirks.flags.has('builtinISight')).toBe(true);
      camera.events.on((event) => events.push(event));
      device.queueStatusPacket(buttonPacket(1, true));
      while (camera.events.counters.packets < 1) {
        await new Promise((resolve) => setTimeout(resolve, 1));
      }
      expect(events).toEqual([]);
      expect(camera.events.counters.ignored).toBe(1);
    } finally {
      await camera.close();
    }
  });

  it('reports a lost device once through onError, not after stop', async () => {
    const device = await loadEmulatedCamera(c270, { pace: 'asap' });
    const camera = await UvcCamera.open(device);
    const errors: unknown[] = [];
    const events = new StatusEvents(device, camera.videoFunction, {
      quirks: resolveQuirks({ idVendor: 0x046d, idProduct: 0x0825 }),
      onError: (error) => errors.push(error),
    });
    events.start();
    device.disconnect();
    await events.finished;
    expect(errors).toHaveLength(1);
    expect(isCameraError(errors[0], CameraErrorCode.SERVICE_FATAL_ERROR)).toBe(true);
    expect(events.running).toBe(false);
  });
});
