/**
 * The Realtek 0bda:5602 usbmon trace replayed as a camera and driven by the real driver:
 * descriptors from the camera's lsusb dump, probe/commit answers, payload headers, sizes and
 * segmentation from the trace. The frames must be exactly the ones the trace holds.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

import { UvcCamera } from '../src/camera/uvc-camera.js';
import { CaptureCamera } from '../src/usb/capture-camera.js';
import { extractBulkInCompletions, extractControlTransfers, parseUsbmonText } from '../src/usb/usbmon.js';
import { parseLsusbReport } from '../src/uvc/lsusb.js';
import { capturesDir, fixturesDir } from './fixtures.js';
import { realtekTraceFrames } from './helpers/recording.js';

const TRACE = join(capturesDir, 'dell_xps12_realtek_0bda-5602_bulk_usbmon-works-mjpg-320x240.txt');
const LSUSB = join(fixturesDir, 'descriptors', 'realtek_integrated_webcam_dell_xps12_bulk_0bda-5602.lsusb.txt');
const CAMERA = { bus: 1, device: 4 };
const VIDEO_ENDPOINT = 0x81;

describe('the Realtek trace as a camera', () => {
  const events = parseUsbmonText(readFileSync(TRACE, 'utf8'));
  const controls = extractControlTransfers(events, CAMERA);
  const completions = extractBulkInCompletions(events, { ...CAMERA, endpoint: VIDEO_ENDPOINT });
  const expected = realtekTraceFrames(completions);

  it('holds 103 whole MJPEG frames (104 EOFs, the first ending a frame begun before the capture)', () => {
    expect(expected).toHaveLength(103);
  });

  it('yields exactly those frames, with their PTS and sizes, through the driver', async () => {
    const descriptors = parseLsusbReport(readFileSync(LSUSB, 'utf8'));
    const device = new CaptureCamera({
      configuration: descriptors.configuration,
      ...(descriptors.device ? { device: descriptors.device } : {}),
      controls,
      completions,
      endpointAddress: VIDEO_ENDPOINT,
    });
    const camera = await UvcCamera.open(device);
    const frames: Array<{ pts: number | undefined; bytes: number; soi: boolean; eoi: boolean }> = [];
    try {
      const stream = await camera.startStream({ pixelFormat: 'MJPEG', width: 320, height: 240, fps: 30 }, (frame) => {
        const d = frame.data;
        frames.push({
          pts: frame.pts,
          bytes: d.length,
          soi: d[0] === 0xff && d[1] === 0xd8,
          eoi: d[d.length - 2] === 0xff && d[d.length - 1] === 0xd9,
        });
        frame.release();
      });
      // The trace ends; wait until every recorded completion is served.
      for (let i = 0; i < 200 && device.completionsServed < completions.filter((c) => c.status === 0).length; i++) {
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
      await new Promise((resolve) => setTimeout(resolve, 20));
      const counters = stream.counters();
      await stream.stop();

      expect(device.unseenRequests.filter((r) => r.bRequest !== 0x87)).toEqual([]);
      expect(stream.negotiation.committed).toMatchObject({ bFormatIndex: 2, bFrameIndex: 4, dwFrameInterval: 333333 });
      expect(frames.map((f) => f.pts)).toEqual(expected.map((f) => f.pts));
      expect(frames.map((f) => f.bytes)).toEqual(expected.map((f) => f.bytes));
      expect(frames.every((f) => f.soi && f.eoi)).toBe(true);
      expect(counters.framesDelivered).toBe(103);
      expect(counters.framesIncomplete).toBe(1);
      expect(counters.staleBytes).toBeGreaterThan(0);
      expect(counters.framesError).toBe(0);
    } finally {
      await camera.close();
    }
  });
});
