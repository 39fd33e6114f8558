/**
 * The camera API on emulated cameras: capabilities read off real cameras' descriptors, frames
 * through async iterators and ReadableStreams, frame-rate changes reaching the device, video
 * frames and decimation, photos, settings reaching the device, and camera status events.
 */
import { readdirSync } from 'node:fs';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';

import { describeCamera } from '../src/camera/describe.js';
import { ExposureMode, FocusMode, CameraStatus, SceneMode } from '../src/camera/enums.js';
import type { CameraStatusInfo } from '../src/camera/manager.js';
import { CameraSourceList } from '../src/camera/sources.js';
import { CameraError, CameraErrorCode } from '../src/errors.js';
import { readU16LE, readU32LE } from '../src/uvc/bytes.js';
import { CT, VS_CONTROL } from '../src/uvc/constants.js';
import { getCameraManager } from '../src/camera/manager.js';
import { fixtureCamera, managersReleasedAfterEach, virtualCamera } from './helpers/cameras.js';
import { openSession, readFrames } from './helpers/sessions.js';
import { getCur } from './helpers/test-device.js';
import { rawDescriptorsDir } from './fixtures.js';

const manager = managersReleasedAfterEach();

/** The camera terminal (entity 1) on interface 0 of the built cameras. */
const CAMERA_TERMINAL = (1 << 8) | 0;

const realCameras = readdirSync(rawDescriptorsDir)
  .filter((name) => name.endsWith('.config.bin'))
  .map((name) => name.slice(0, -'.config.bin'.length))
  .sort();

describe('output capability', () => {
  for (const name of realCameras) {
    it(`${name}: one preview profile per format and frame, rates from the intervals`, async () => {
      const { emulated, device } = await fixtureCamera(name);
      const made = await manager([device]);
      const [camera] = made.getSupportedCameras();
      expect(camera).toMatchObject({ vendorId: emulated.vendorId, productId: emulated.productId });
      const capability = made.getSupportedOutputCapability(camera!);

      // What describe.ts (the `webuvc info` view) says, turned into profiles independently.
      const info = describeCamera(emulated.model).functions[0]!;
      const expected = info.streaming
        .filter((vs) => vs.stillCaptureMethod !== undefined)
        .flatMap((vs) => vs.formats.filter((f) => f.pixelFormat !== 'unknown'))
        .flatMap((format) =>
          format.frames.map((frame) => {
            const intervals = Array.isArray(frame.intervals)
              ? frame.intervals
              : [frame.intervals.min, frame.intervals.max];
            const rates = intervals.map((i) => Math.round((1e7 / i) * 100) / 100);
            const range = `${Math.min(...rates)}-${Math.max(...rates)}`;
            return `${format.pixelFormat} ${frame.width}x${frame.height} ${range}`;
          }),
        )
        .sort();
      const listed = capability.previewProfiles
        .map((p) => {
          const range = `${p.frameRateRange.min}-${p.frameRateRange.max}`;
          return `${p.format} ${p.size.width}x${p.size.height} ${range}`;
        })
        .sort();
      expect(listed).toEqual(expected);
      expect(capability.photoProfiles).toEqual(capability.previewProfiles);
      for (const video of capability.videoProfiles) {
        const preview = capability.previewProfiles.find(
          (p) =>
            p.format === video.format &&
            p.size.width === video.size.width &&
            p.size.height === video.size.height,
        );
        expect(video.frameRateRange.min).toBeGreaterThanOrEqual(preview!.frameRateRange.min);
        expect(video.frameRateRange.max).toBeLessThanOrEqual(preview!.frameRateRange.max);
      }
    });
  }

  it('lists the default frame of the first format first', async () => {
    const { emulated, device } = await fixtureCamera('logitech_c270_046d-0825');
    const made = await manager([device]);
    const camera = made.getSupportedCameras()[0]!;
    const first = made.getSupportedOutputCapability(camera).previewProfiles[0]!;
    const format = emulated.model.functions[0]!.streaming.flatMap((vs) => vs.formats)[0]!;
    const frame = format.frames.find((f) => f.bFrameIndex === format.bDefaultFrameIndex)!;
    const size = { width: frame.wWidth, height: frame.wHeight };
    expect(first).toMatchObject({ format: format.pixelFormat, size });
  });
});

describe('streaming through the API', () => {
  it('preview frames: async iterator and ReadableStream, MJPEG at the profile size', async () => {
    const { device } = await virtualCamera();
    const made = await manager([device]);
    const { preview } = await openSession(made, {
      profile: (p) => p.format === 'MJPEG' && p.size.width === 320,
    });
    const reader = preview.stream().getReader();
    const sizes: Array<[number | undefined, number | undefined]> = [];
    let last = -1;
    for (let index = 0; index < 3; index += 1) {
      const { value } = await reader.read();
      const meta = await sharp(value!.data).metadata();
      sizes.push([meta.width, meta.height]);
      expect(value!.sequence).toBeGreaterThan(last);
      expect([value!.pixelFormat, value!.width, value!.height]).toEqual(['MJPEG', 320, 240]);
      last = value!.sequence;
      value!.release();
    }
    await reader.cancel();
    expect(sizes).toEqual([[320, 240], [320, 240], [320, 240]]);

    const frames = await readFrames(preview.frames(), 3);
    expect(frames.every((f, i) => i === 0 || f.timestamp >= frames[i - 1]!.timestamp)).toBe(true);
  });

  it('a frame-rate change reaches the device and the readers go on', async () => {
    const { device } = await virtualCamera();
    const made = await manager([device]);
    const { preview } = await openSession(made);
    expect(readU32LE(await getCur(device, 1, VS_CONTROL.COMMIT_CONTROL, 34), 4)).toBe(333333);

    const frames = preview.frames();
    const before = await frames.next();
    before.value?.release();
    await preview.setFrameRate(15, 15);
    expect(preview.getActiveFrameRate()).toEqual({ min: 15, max: 15 });
    expect(readU32LE(await getCur(device, 1, VS_CONTROL.COMMIT_CONTROL, 34), 4)).toBe(666666);
    const after = await frames.next();
    expect(after.done).toBe(false);
    after.value?.release();
    await frames.return();
  });

  it('video frames between start and stop: every second frame beside 30 fps', async () => {
    const { device } = await virtualCamera();
    const made = await manager([device]);
    const { preview, video } = await openSession(made, { videoFps: 15 });
    expect(readU32LE(await getCur(device, 1, VS_CONTROL.COMMIT_CONTROL, 34), 4)).toBe(666666);
    await preview.setFrameRate(30, 30);
    expect(readU32LE(await getCur(device, 1, VS_CONTROL.COMMIT_CONTROL, 34), 4)).toBe(333333);

    const events: string[] = [];
    video!.on('frameStart', () => events.push('start'));
    video!.on('frameEnd', () => events.push('end'));
    const frames = video!.frames({ queueLength: 8 });
    await video!.start();
    const got: Array<{ sequence: number; timestamp: number }> = [];
    for await (const frame of frames) {
      got.push({ sequence: frame.sequence, timestamp: frame.timestamp });
      frame.release();
      if (got.length === 4) await video!.stop();
    }
    expect(events).toEqual(['start', 'end']);
    expect(got.length).toBeGreaterThanOrEqual(4);
    for (let index = 1; index < got.length; index += 1) {
      expect((got[index]!.sequence - got[0]!.sequence) % 2).toBe(0);
      expect(got[index]!.timestamp).toBeGreaterThan(got[index - 1]!.timestamp);
    }
  });

  it('capture returns a standalone JPEG of the running MJPEG stream', async () => {
    const { device } = await virtualCamera();
    const made = await manager([device]);
    const { photo } = await openSession(made, {
      photo: true,
      profile: (p) => p.format === 'MJPEG' && p.size.width === 640,
    });
    const heard: number[] = [];
    photo!.on('photoAvailable', (p) => heard.push(p.sequence));
    const taken = await photo!.capture({ rotation: 90 });
    const meta = await sharp(taken.data).metadata();
    expect([meta.format, meta.width, meta.height]).toEqual(['jpeg', 640, 480]);
    expect(taken).toMatchObject({ format: 'MJPEG', rotation: 90, mirror: false });
    expect(heard).toEqual([taken.sequence]);
  });

  it('the emulated twin of a real bulk camera streams through the API', async () => {
    const { device } = await fixtureCamera('generic_hd_video_bulk_349c-3307');
    const made = await manager([device]);
    const { preview, profile } = await openSession(made);
    const frames = await readFrames(preview.frames(), 2);
    expect(profile.format).toBe('MJPEG');
    expect(frames).toHaveLength(2);
  });
});

describe('settings', () => {
  it('exposure, focus and zoom reach the camera terminal', async () => {
    const { device } = await virtualCamera();
    const made = await manager([device]);
    const { session } = await openSession(made);
    expect(session.isExposureModeSupported(ExposureMode.EXPOSURE_MODE_AUTO)).toBe(false);

    await session.setExposureMode(ExposureMode.EXPOSURE_MODE_LOCKED);
    expect((await getCur(device, CAMERA_TERMINAL, CT.AE_MODE, 1))[0]).toBe(0x01);
    await session.setFocusMode(FocusMode.FOCUS_MODE_LOCKED);
    expect((await getCur(device, CAMERA_TERMINAL, CT.FOCUS_AUTO, 1))[0]).toBe(0);
    // LOCKED and MANUAL both turn Focus, Auto off; the session answers with the one it set.
    expect(session.getFocusMode()).toBe(FocusMode.FOCUS_MODE_LOCKED);
    await session.setFocusMode(FocusMode.FOCUS_MODE_MANUAL);
    expect((await getCur(device, CAMERA_TERMINAL, CT.FOCUS_AUTO, 1))[0]).toBe(0);
    expect(session.getFocusMode()).toBe(FocusMode.FOCUS_MODE_MANUAL);
    await session.setFocusMode(FocusMode.FOCUS_MODE_CONTINUOUS_AUTO);
    expect((await getCur(device, CAMERA_TERMINAL, CT.FOCUS_AUTO, 1))[0]).toBe(1);

    const [low, high] = session.getZoomRatioRange();
    expect([low, high]).toEqual([1, 5]);
    await session.setZoomRatio(3);
    expect(readU16LE(await getCur(device, CAMERA_TERMINAL, CT.ZOOM_ABSOLUTE, 2), 0)).toBe(300);
    expect(session.getZoomRatio()).toBe(3);
  });

  it('lockForControl keeps other sessions’ configurations waiting until unlocked', async () => {
    const { device } = await virtualCamera();
    const made = await manager([device]);
    const { session, input, profile } = await openSession(made);
    await session.lockForControl();
    await session.setZoomRatio(2);

    const other = made.createSession(SceneMode.NORMAL_PHOTO);
    other.beginConfig();
    other.addInput(input);
    other.addOutput(made.createPreviewOutput(profile));
    let committed = false;
    const commit = other.commitConfig().then(() => (committed = true));
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(committed).toBe(false);
    session.unlockForControl();
    await commit;
    expect(session.state).toBe('released');
  });
});

describe('camera status', () => {
  it('reports cameras attached and removed; a removed open camera reports 7400201', async () => {
    const list = new CameraSourceList();
    const made = await manager([], { source: list });
    const statuses: CameraStatusInfo[] = [];
    made.on('cameraStatus', (error, info) => {
      expect(error).toBeUndefined();
      statuses.push(info);
    });
    expect(made.getSupportedCameras()).toEqual([]);

    const { device } = await virtualCamera();
    const id = list.add(device);
    await expect.poll(() => made.getSupportedCameras().length).toBe(1);
    const camera = made.getSupportedCameras()[0]!;
    expect(camera.cameraId).toBe(id);
    expect(statuses).toEqual([{ camera, status: CameraStatus.CAMERA_STATUS_APPEAR }]);

    const input = made.createCameraInput(camera);
    await input.open();
    const heard: CameraError[] = [];
    input.on('error', camera, (e) => heard.push(e));
    list.remove(device);
    expect(statuses[1]).toEqual({ camera, status: CameraStatus.CAMERA_STATUS_DISAPPEAR });
    expect(made.getSupportedCameras()).toEqual([]);
    expect(heard.map((e) => e.code)).toEqual([CameraErrorCode.SERVICE_FATAL_ERROR]);
    await expect.poll(() => device.claimedInterfaces()).toEqual([]);
    expect(() => made.createCameraInput(camera)).toThrow(/getSupportedCameras/);
  });
});

describe('the package entry', () => {
  it('exports the camera API, the control layer and the quirk table, one of each', async () => {
    const entry = await import('../src/index.js');
    expect(entry.getCameraManager).toBe(getCameraManager);
    expect(entry.ExposureMode).toBe(ExposureMode);
    const names = [
      ...['CameraManager', 'CameraInput', 'CaptureSession', 'PhotoSession', 'VideoSession'],
      ...['PreviewOutput', 'PhotoOutput', 'VideoOutput', 'CameraSourceList', 'SessionControls'],
      ...['CameraStatus', 'SceneMode', 'FocusMode', 'WhiteBalanceMode', 'ImageRotation'],
      ...['CameraControls', 'StatusEvents', 'StillCapture', 'ControlRequestError'],
      ...['resolveQuirks', 'QUIRK_TABLE', 'QUIRK_FLAGS'],
      ...['CameraError', 'CameraErrorCode', 'fromUvcRequestError', 'UvcCamera', 'EmulatedCamera'],
    ];
    for (const name of names) {
      expect(typeof entry[name as keyof typeof entry], name).not.toBe('undefined');
    }

    // The quirk table through the entry: the C920 forgets its controls at stream start.
    const c920 = entry.resolveQuirks({ idVendor: 0x046d, idProduct: 0x082d });
    expect(c920.flags.has('restoreControlsOnInit')).toBe(true);
    const listed = entry.QUIRK_TABLE.some((e) => e.idVendor === 0x046d && e.idProduct === 0x082d);
    expect(listed).toBe(true);
  });
});
