/**
 * Emulated cameras and managers for the camera API tests.
 *
 * The virtual camera is webuvc's own (YUYV and MJPEG at 640×480, 1280×720, 320×240, 30 and
 * 15 fps); `fastCamera` is the same camera with 60 fps added, for the OpenHarmony case whose
 * precondition needs a 60 fps preview beside a 30 fps video. Real cameras come from the
 * fixtures' raw descriptors.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import { afterEach } from 'vitest';

import {
  getCameraManager,
  type CameraManager,
  type CameraManagerOptions,
} from '../../src/camera/manager.js';
import {
  buildConfiguration,
  compositeDeviceDescriptor,
  frameIntervalOf,
  writeDeviceDescriptor,
} from '../../src/uvc/descriptor-builder.js';
import { EmulatedCamera, type EmulatedCameraOptions } from '../../src/usb/emulated.js';
import { loadEmulatedCamera } from '../../src/usb/emulated-files.js';
import { createVirtualCamera, virtualCameraDescription } from '../../src/usb/virtual-camera.js';
import { rawDescriptorsDir } from '../fixtures.js';
import { SharedBus, TestDevice } from './test-device.js';

/** The virtual camera, streaming as fast as the host reads, behind a {@link TestDevice}. */
export async function virtualCamera(
  options: { serialNumber?: string; bus?: SharedBus; protectVideoClass?: boolean } = {},
): Promise<{ emulated: EmulatedCamera; device: TestDevice }> {
  const emulated = await createVirtualCamera({
    pace: 'asap',
    ...(options.serialNumber ? { serialNumber: options.serialNumber } : {}),
    ...(options.protectVideoClass ? { protectVideoClass: true } : {}),
  });
  const device = new TestDevice(emulated, {
    ...(options.bus ? { bus: options.bus } : {}),
    model: emulated.model,
  });
  return { emulated, device };
}

/** The virtual camera's design with 60, 30 and 15 fps at every size (VID:PID 1209:0002). */
export function fastCamera(): { emulated: EmulatedCamera; device: TestDevice } {
  const description = virtualCameraDescription();
  const rates = [60, 30, 15].map(frameIntervalOf);
  const formats = description.streaming.formats.map((format) => ({
    ...format,
    frames: format.frames.map((frame) => ({ ...frame, intervals: rates })),
  }));
  const emulated = new EmulatedCamera({
    pace: 'asap',
    configuration: buildConfiguration({
      ...description,
      streaming: { ...description.streaming, formats },
    }),
    device: writeDeviceDescriptor(
      compositeDeviceDescriptor({ idVendor: 0x1209, idProduct: 0x0002 }),
    ),
  });
  return { emulated, device: new TestDevice(emulated, { model: emulated.model }) };
}

/** A real camera's emulated twin from the fixtures (e.g. `logitech_c270_046d-0825`). */
export async function fixtureCamera(
  name: string,
  bus?: SharedBus,
): Promise<{ emulated: EmulatedCamera; device: TestDevice }> {
  const emulated = await loadEmulatedCamera(join(rawDescriptorsDir, `${name}.config.bin`), {
    pace: 'asap',
  });
  const device = new TestDevice(emulated, { ...(bus ? { bus } : {}), model: emulated.model });
  return { emulated, device };
}

/**
 * A real camera's configuration (a fixture path, or bytes) under another VID:PID, e.g. to meet
 * the quirks of the camera with that ID; the device descriptor is built.
 */
export function asDevice(
  configuration: string | Uint8Array,
  idVendor: number,
  idProduct: number,
  options: Partial<EmulatedCameraOptions> = {},
): EmulatedCamera {
  const bytes =
    typeof configuration === 'string' ? new Uint8Array(readFileSync(configuration)) : configuration;
  const device = writeDeviceDescriptor(compositeDeviceDescriptor({ idVendor, idProduct }));
  return new EmulatedCamera({ configuration: bytes, device, pace: 'asap', ...options });
}

/** A manager over `devices` with short waits suited to tests. */
export function managerFor(devices: USBDevice[], options: CameraManagerOptions = {}) {
  return getCameraManager({ devices, captureTimeoutMs: 5_000, lockTimeoutMs: 5_000, ...options });
}

/**
 * {@link managerFor}, with every manager it makes released after each test of the file that
 * calls this at its top level.
 */
export function managersReleasedAfterEach(): (
  devices: USBDevice[],
  options?: CameraManagerOptions,
) => Promise<CameraManager> {
  const made: CameraManager[] = [];
  afterEach(async () => {
    for (const manager of made.splice(0)) await manager.release();
  });
  return async (devices, options = {}) => {
    const manager = await managerFor(devices, options);
    made.push(manager);
    return manager;
  };
}
