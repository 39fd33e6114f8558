/**
 * Shared set-up of the umockdev tests: the cameras, the umockdev and addon checks, and a helper
 * that serves models and runs a program under umockdev-run against them.
 */
import { fileURLToPath } from 'node:url';
import { beforeEach, describe } from 'vitest';

import { rawDescriptorsDir } from '../fixtures.js';
import { readRawCamera, type RawCamera } from './device-file.js';
import {
  ModelServer,
  NO_UMOCKDEV_ENV,
  umockdevMissingReason,
  type RunOptions,
  type RunResult,
} from './model-server.js';
import { UsbfsDevice, type UsbfsDeviceOptions } from './usbfs-device.js';
import { loadNativeBinding } from '../../src/usb/native.js';
import { EmulatedCamera } from '../../src/usb/emulated.js';
import { UVC_REQ, UVC_REQUEST_ERROR } from '../../src/uvc/constants.js';
import { MinimalUvcCamera, type EmulatedUsbDevice } from './minimal-camera.js';

/** Fixture names of the cameras the tests emulate. */
export const CAMERAS = {
  c270: 'logitech_c270_046d-0825',
  c310: 'logitech_c310_046d-081b',
  bulk: 'generic_hd_video_bulk_349c-3307',
} as const;

/** The raw descriptors of a fixture camera. */
export function camera(name: string): RawCamera {
  return readRawCamera(rawDescriptorsDir, name);
}

/** Path of a program in test/umockdev/child/. */
export function childProgram(file: string): string {
  return fileURLToPath(new URL(`./child/${file}`, import.meta.url));
}

let missingReason: string | undefined;

/** True when the umockdev tests are switched off on purpose. */
export const umockdevDisabled = process.env[NO_UMOCKDEV_ENV] === '1';

/**
 * `describe` for tests that need umockdev-run: skipped only when WEBUVC_NO_UMOCKDEV=1, and
 * failing with a clear message when umockdev-run is missing.
 */
export function describeUmockdev(name: string, body: () => void): void {
  describe.skipIf(umockdevDisabled)(name, () => {
    // beforeEach, not beforeAll: each test then fails (a failed beforeAll marks them skipped).
    beforeEach(() => {
      missingReason ??= umockdevMissingReason() ?? '';
      if (missingReason !== '') throw new Error(missingReason);
    });
    body();
  });
}

/** Fail (not skip) when the native binding was not built. */
export function requireNativeBuilt(): void {
  const loaded = loadNativeBinding();
  if ('unavailable' in loaded) {
    throw new Error(`${loaded.unavailable} (the umockdev tests of the addon need it built)`);
  }
}

/** Serve `devices` for one program run, then stop serving. */
export async function runWithDevices(
  devices: UsbfsDevice[],
  options: RunOptions,
): Promise<RunResult> {
  const server = await ModelServer.start(devices);
  try {
    return await server.run(options);
  } finally {
    await server.close();
  }
}

/** String descriptors the emulated cameras answer. */
export const CAMERA_STRINGS: Record<number, string> = {
  1: 'webuvc',
  2: 'webuvc emulated camera',
  3: '0001',
};

/**
 * The camera behind a device model: the project's EmulatedCamera (paced as fast as the host
 * reads), or the test's own minimal camera with WEBUVC_UMOCKDEV_CAMERA=minimal.
 */
export function cameraDevice(raw: RawCamera): EmulatedUsbDevice {
  if (process.env.WEBUVC_UMOCKDEV_CAMERA === 'minimal') return new MinimalUvcCamera(raw);
  const strings = CAMERA_STRINGS;
  return new EmulatedCamera({
    configuration: raw.config,
    device: raw.device,
    strings,
    pace: 'asap',
  });
}

/** Make the camera STALL its next SET_CUR (the probe, when negotiation starts). */
export function stallNextSetCur(device: UsbfsDevice): void {
  const target = device.camera;
  if (target instanceof EmulatedCamera)
    target.stallNext(UVC_REQ.SET_CUR, { errorCode: UVC_REQUEST_ERROR.WRONG_STATE });
  else if (target instanceof MinimalUvcCamera) target.faults = { stallProbe: 1 };
  else throw new Error('this camera has no STALL injection');
}

/** A device model per test, created fresh with the given options. */
export function emulated(
  options: Omit<UsbfsDeviceOptions, 'busNumber' | 'deviceAddress'> & Partial<UsbfsDeviceOptions>,
): UsbfsDevice {
  const device = options.device ?? cameraDevice(options.camera);
  return new UsbfsDevice({ busNumber: 1, deviceAddress: 2, ...options, device });
}

/** The messages of a run with the given event. */
export function messagesOf(result: RunResult, event: string): Array<Record<string, unknown>> {
  return result.messages.filter((message) => message.event === event);
}

/** A readable summary for assertion messages. */
export function describeRun(result: RunResult): string {
  return `exit ${result.code} signal ${result.signal} timedOut ${result.timedOut}\nstdout: ${result.stdout.slice(-2000)}\nstderr: ${result.stderr.slice(-2000)}`;
}
