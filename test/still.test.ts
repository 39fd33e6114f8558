/**
 * Still images by each method on emulated twins of cameras whose descriptors declare it:
 * method 1 (Logitech C270, C310, LifeCam HD-3000, MSI StarCam, Surface Pro 3, the USB 3
 * cameras), method 2 (Canyon CNE-CWC2, Trust, the generic bulk camera, QuickCam Pro 9000,
 * LifeCam Show, Chicony UX410, the Realtek bulk camera),
 * method 3 (no real camera in the fixtures declares it: the Canyon's descriptors changed to
 * method 3 with a bulk still endpoint), and the hardware trigger.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';

import { StillCapture, StillCollector, type StillImage } from '../src/camera/still.js';
import { UvcCamera } from '../src/camera/uvc-camera.js';
import { CameraErrorCode, isCameraError } from '../src/errors.js';
import { EmulatedCamera } from '../src/usb/emulated.js';
import { loadEmulatedCamera } from '../src/usb/emulated-files.js';
import { readPatternIndex } from '../src/usb/pattern.js';
import {
  STILL_METHOD,
  UVC_REQ,
  UVC_REQUEST_ERROR,
  VC_CONTROL,
  VS_CONTROL,
} from '../src/uvc/constants.js';
import { writeConfiguration } from '../src/uvc/descriptor-builder.js';
import { parseConfiguration } from '../src/uvc/descriptors.js';
import type { CameraModel, EndpointInfo, FormatDescriptor } from '../src/uvc/model.js';
import { buttonPacket } from '../src/uvc/status.js';
import {
  STILL_PROBE,
  decodeStillProbe,
  encodeStillProbe,
  stillSizes,
} from '../src/uvc/still.js';
import { fixturesDir, rawDescriptorsDir } from './fixtures.js';

const raw = (name: string): string => join(rawDescriptorsDir, `${name}.config.bin`);
const lsusb = (name: string): string => join(fixturesDir, 'descriptors', `${name}.lsusb.txt`);
const shortName = (path: string): string => path.slice(fixturesDir.length + 1);
const CANYON = 'canyon_cne_cwc2_sonix_0c45-6340';

/** Stream the format, take a still, stop; frames keep coming after the still. */
async function stillWhileStreaming(camera: UvcCamera, format: FormatDescriptor, request = {}) {
  let frames = 0;
  const stream = await camera.startStream({ pixelFormat: format.pixelFormat }, (frame) => {
    frames += 1;
    frame.release();
  });
  try {
    const still = await new StillCapture(camera).capture({ timeoutMs: 20_000, ...request });
    const atStill = frames;
    while (frames < atStill + 2) await new Promise((resolve) => setTimeout(resolve, 5));
    return still;
  } finally {
    await stream.stop();
  }
}

/** Check a still's bytes: exact size for YUYV, a decodable JPEG of the right size for MJPEG. */
async function expectImage(still: StillImage): Promise<void> {
  if (still.format.pixelFormat === 'YUYV') {
    expect(still.data.length).toBe(still.width * still.height * 2);
    // The emulated sensor draws its frame counter into every picture, stills included.
    const index = readPatternIndex(still.data, 'YUYV', still.width, still.height);
    expect(index).toBeGreaterThanOrEqual(0);
  } else if (still.format.kind === 'mjpeg') {
    const info = await sharp(still.data).metadata();
    expect([info.width, info.height]).toEqual([still.width, still.height]);
  } else {
    const bits = still.format.bBitsPerPixel ?? 0;
    expect(still.data.length).toBe((still.width * still.height * bits) / 8);
  }
}

/** The Canyon's model with still method 3 and a bulk still endpoint 0x82 in every alternate. */
function method3Camera(): EmulatedCamera {
  const configuration = new Uint8Array(readFileSync(raw(CANYON)));
  const device = new Uint8Array(readFileSync(join(rawDescriptorsDir, `${CANYON}.device.bin`)));
  const model: CameraModel = parseConfiguration(configuration, undefined);
  const vs = model.functions[0]!.streaming[0]!;
  const endpoint: EndpointInfo = {
    bEndpointAddress: 0x82,
    bmAttributes: 0x02,
    wMaxPacketSize: 512,
    bInterval: 0,
    transferType: 'bulk',
    maxPacketSize: 512,
    transactionsPerMicroframe: 1,
    bytesPerInterval: 512,
  };
  vs.inputHeader!.bStillCaptureMethod = STILL_METHOD.STILL_PIPE;
  for (const format of vs.formats) {
    for (const still of format.stillFrames) still.bEndpointAddress = 0x82;
  }
  for (const setting of vs.alternateSettings) setting.endpoints.push({ ...endpoint });
  return new EmulatedCamera({ configuration: writeConfiguration(model), device, pace: 'asap' });
}

describe('the still probe/commit structure (UVC 1.5 §4.3.1.2)', () => {
  it('encodes and decodes the 11 bytes', () => {
    const probe = {
      bFormatIndex: 2,
      bFrameIndex: 3,
      bCompressionIndex: 1,
      dwMaxVideoFrameSize: 3_840_000,
      dwMaxPayloadTransferSize: 3072,
    };
    const bytes = encodeStillProbe(probe);
    expect(bytes.length).toBe(STILL_PROBE.LENGTH);
    expect(Array.from(bytes)).toEqual([2, 3, 1, 0x00, 0x98, 0x3a, 0x00, 0x00, 0x0c, 0x00, 0x00]);
    expect(decodeStillProbe(bytes)).toEqual(probe);
    expect(() => decodeStillProbe(bytes.subarray(0, 10))).toThrow(/11 bytes/);
  });

  it('numbers the Canyon’s still sizes as its descriptors list them', async () => {
    const device = await loadEmulatedCamera(raw(CANYON));
    const vs = device.model.functions[0]!.streaming[0]!;
    expect(vs.inputHeader?.bStillCaptureMethod).toBe(2);
    const sizes = stillSizes(vs, vs.formats[0]!);
    const first = { bFrameIndex: 1, wWidth: 1600, wHeight: 1200, bEndpointAddress: 0 };
    expect(sizes[0]).toMatchObject(first);
    expect(sizes.map((s) => s.bFrameIndex)).toEqual(sizes.map((_, index) => index + 1));
  });
});

describe('method 1: a frame of the running stream', () => {
  const method1 = [
    raw('logitech_c270_046d-0825'),
    raw('logitech_c310_046d-081b'),
    lsusb('microsoft_lifecam_hd3000_045e-0810'),
    lsusb('msi_starcam_racer_microdia_0c45-62e0'),
    lsusb('usb3_bgr24_camera_2935-0001'),
  ];
  for (const path of method1) {
    it(`${shortName(path)} (bStillCaptureMethod 1): every format`, async () => {
      const camera = await UvcCamera.open(await loadEmulatedCamera(path, { pace: 'asap' }));
      try {
        expect(new StillCapture(camera).method).toBe(STILL_METHOD.VIDEO_FRAME);
        for (const format of camera.videoFunction.streaming[0]!.formats) {
          const still = await stillWhileStreaming(camera, format);
          expect(still.method).toBe(1);
          await expectImage(still);
        }
      } finally {
        await camera.close();
      }
    });
  }

  it('needs a running stream: 7400104', async () => {
    const device = await loadEmulatedCamera(raw('logitech_c270_046d-0825'), { pace: 'asap' });
    const camera = await UvcCamera.open(device);
    try {
      const error = await new StillCapture(camera).capture().catch((e: unknown) => e);
      expect(isCameraError(error, CameraErrorCode.SESSION_NOT_RUNNING)).toBe(true);
    } finally {
      await camera.close();
    }
  });
});

describe('method 2: a still in the video pipe', () => {
  const method2 = [
    raw(CANYON),
    raw('trust_webcam_sonix_0c45-6340'),
    raw('generic_hd_video_bulk_349c-3307'),
    lsusb('logitech_quickcam_pro9000_046d-0809'),
    lsusb('microsoft_lifecam_show_045e-0729'),
    lsusb('chicony_builtin_asus_ux410_04f2-b57a'),
    lsusb('realtek_integrated_webcam_dell_xps12_bulk_0bda-5602'),
  ];
  for (const path of method2) {
    it(`${shortName(path)} (method 2): largest and smallest still of every format`, async () => {
      const camera = await UvcCamera.open(await loadEmulatedCamera(path, { pace: 'asap' }));
      try {
        const vs = camera.videoFunction.streaming[0]!;
        expect(vs.inputHeader?.bStillCaptureMethod).toBe(STILL_METHOD.VIDEO_PIPE);
        for (const format of vs.formats.filter((f) => stillSizes(vs, f).length > 0)) {
          const sizes = stillSizes(vs, format);
          const area = (s: { wWidth: number; wHeight: number }): number => s.wWidth * s.wHeight;
          const smallest = sizes.reduce((a, b) => (area(b) < area(a) ? b : a));
          for (const request of [{}, { width: smallest.wWidth, height: smallest.wHeight }]) {
            const still = await stillWhileStreaming(camera, format, request);
            expect(still.method).toBe(2);
            expect(still.committed?.bFormatIndex).toBe(format.bFormatIndex);
            await expectImage(still);
          }
        }
      } finally {
        await camera.close();
      }
    });
  }

  it('refuses a size the format lacks (7400101) and needs the stream (7400104)', async () => {
    const camera = await UvcCamera.open(await loadEmulatedCamera(raw(CANYON), { pace: 'asap' }));
    try {
      const capture = new StillCapture(camera);
      const idle = await capture.capture().catch((e: unknown) => e);
      expect(isCameraError(idle, CameraErrorCode.SESSION_NOT_RUNNING)).toBe(true);
      const stream = await camera.startStream({ pixelFormat: 'YUYV' }, (frame) => frame.release());
      const odd = await capture.capture({ width: 1000, height: 1000 }).catch((e: unknown) => e);
      expect(isCameraError(odd, CameraErrorCode.INVALID_ARGUMENT)).toBe(true);
      await stream.stop();
    } finally {
      await camera.close();
    }
  });

  it('the camera refuses a trigger without a running stream: wrong state', async () => {
    const device = await loadEmulatedCamera(raw(CANYON), { pace: 'asap' });
    await device.open();
    await device.claimInterface(0);
    await device.claimInterface(1);
    const setup = (selector: number, request: number): USBControlTransferParameters => ({
      requestType: 'class',
      recipient: 'interface',
      request,
      value: selector << 8,
      index: 1,
    });
    const { STILL_PROBE_CONTROL, STILL_COMMIT_CONTROL, STILL_IMAGE_TRIGGER_CONTROL } = VS_CONTROL;
    const probe = await device.controlTransferIn(setup(STILL_PROBE_CONTROL, UVC_REQ.GET_DEF), 11);
    const bytes = new Uint8Array(probe.data!.buffer as ArrayBuffer);
    const commitSetup = setup(STILL_COMMIT_CONTROL, UVC_REQ.SET_CUR);
    const commit = await device.controlTransferOut(commitSetup, bytes);
    expect(commit.status).toBe('ok');
    const triggerSetup = setup(STILL_IMAGE_TRIGGER_CONTROL, UVC_REQ.SET_CUR);
    const trigger = await device.controlTransferOut(triggerSetup, Uint8Array.of(1));
    expect(trigger.status).toBe('stall');
    const why = await device.controlTransferIn(
      {
        requestType: 'class',
        recipient: 'interface',
        request: UVC_REQ.GET_CUR,
        value: VC_CONTROL.REQUEST_ERROR_CODE_CONTROL << 8,
        index: 0,
      },
      1,
    );
    expect(new Uint8Array(why.data!.buffer)[0]).toBe(UVC_REQUEST_ERROR.WRONG_STATE);
  });
});

describe('method 3: the bulk still endpoint', () => {
  it('takes stills of every format without a video stream', async () => {
    const camera = await UvcCamera.open(method3Camera());
    try {
      const capture = new StillCapture(camera);
      expect(capture.method).toBe(STILL_METHOD.STILL_PIPE);
      for (const format of camera.videoFunction.streaming[0]!.formats) {
        const sizes = capture.sizes(format);
        for (const size of [sizes[0]!, sizes[sizes.length - 1]!]) {
          const { wWidth: width, wHeight: height } = size;
          const request = { formatIndex: format.bFormatIndex, width, height };
          const still = await capture.capture(request);
          expect(still.method).toBe(3);
          expect([still.width, still.height]).toEqual([size.wWidth, size.wHeight]);
          await expectImage(still);
        }
      }
    } finally {
      await camera.close();
    }
  });
});

describe('the hardware trigger', () => {
  it('Canyon (bTriggerUsage 1, general-purpose button): presses reported, no still', async () => {
    const device = await loadEmulatedCamera(raw(CANYON), { pace: 'asap' });
    const camera = await UvcCamera.open(device);
    try {
      const capture = new StillCapture(camera);
      expect(capture.hasHardwareTrigger).toBe(true);
      const events: Array<{ pressed: boolean; still: boolean }> = [];
      const stop = capture.watchTrigger((event) => {
        events.push({ pressed: event.button.pressed, still: event.still !== undefined });
      });
      device.queueStatusPacket(buttonPacket(1, true));
      device.queueStatusPacket(buttonPacket(1, false));
      while (events.length < 2) await new Promise((resolve) => setTimeout(resolve, 1));
      stop();
      expect(events).toEqual([
        { pressed: true, still: false },
        { pressed: false, still: false },
      ]);
    } finally {
      await camera.close();
    }
  });

  it('generic bulk camera (bTriggerUsage 0, initiate still): a press takes a still', async () => {
    const generic = raw('generic_hd_video_bulk_349c-3307');
    const device = await loadEmulatedCamera(generic, { pace: 'asap' });
    const camera = await UvcCamera.open(device);
    const stream = await camera.startStream({ pixelFormat: 'MJPEG' }, (frame) => frame.release());
    try {
      const capture = new StillCapture(camera);
      const done = new Promise<StillImage>((resolve, reject) => {
        capture.watchTrigger((event) => {
          if (event.error) reject(event.error);
          if (event.still) resolve(event.still);
        });
      });
      device.queueStatusPacket(buttonPacket(1, true));
      const still = await done;
      await expectImage(still);
    } finally {
      await stream.stop();
      await camera.close();
    }
  });
});

describe('the still collector', () => {
  it('keeps only STI payloads and ends at their EOF; bulk payloads end on short transfers', () => {
    const collector = new StillCollector(100);
    const results: Uint8Array[] = [];
    collector.onDone = (data) => results.push(data);
    collector.payload(Uint8Array.of(0x02, 0x80, 9, 9)); // video payload: ignored
    collector.bulk(Uint8Array.of(0x02, 0xa0, 1, 2, 3, 4), 6); // still, full transfer
    collector.bulk(Uint8Array.of(5, 6), 6); // short: payload ends, no EOF yet
    collector.bulk(Uint8Array.of(0x02, 0xa2, 7), 6); // still + EOF, short
    expect(results.map((r) => Array.from(r))).toEqual([[1, 2, 3, 4, 5, 6, 7]]);

    const small = new StillCollector(2);
    let failed = false;
    small.onFail = () => (failed = true);
    small.payload(Uint8Array.of(0x02, 0xa2, 1, 2, 3));
    expect(failed).toBe(true);
  });
});
