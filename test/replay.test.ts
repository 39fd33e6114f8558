/**
 * Replay: real captures (the Realtek bulk trace as text and as pcap, the C310 enumeration,
 * the Vaultmicro isochronous and bulk URBs) and the project's own recordings become cameras
 * the real driver streams from; recordings of the virtual camera replay to the same frames.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';

import { UvcCamera } from '../src/camera/uvc-camera.js';
import { CameraError, isCameraError } from '../src/errors.js';
import { readPatternIndex } from '../src/usb/pattern.js';
import { loadDescriptorFile, loadEmulatedCamera } from '../src/usb/emulated-files.js';
import { writePcapng } from '../src/usb/pcapng.js';
import { parseCaptureFile, replayCapture } from '../src/usb/replay.js';
import {
  extractBulkInCompletions,
  extractIsochronousInCompletions,
  parseUsbCapture,
} from '../src/usb/usbmon.js';
import { createVirtualCamera } from '../src/usb/virtual-camera.js';
import { UVC_REQ } from '../src/uvc/constants.js';
import { capturesDir, fixturesDir, projectRoot, rawDescriptorsDir } from './fixtures.js';
import {
  framesInEvents,
  hexOf,
  recordRun,
  realtekTraceFrames,
  replayRun,
  type KeptFrame,
} from './helpers/recording.js';

const REALTEK_TEXT = join(
  capturesDir,
  'dell_xps12_realtek_0bda-5602_bulk_usbmon-works-mjpg-320x240.txt',
);
const REALTEK_PCAP = join(
  capturesDir,
  'dell_xps12_realtek_0bda-5602_bulk_usbmon-works-mjpg-320x240.derived.pcap',
);
const REALTEK_LSUSB = join(
  fixturesDir,
  'descriptors',
  'realtek_integrated_webcam_dell_xps12_bulk_0bda-5602.lsusb.txt',
);
const C310 = join(capturesDir, 'logitech_C310_enum.pcapng');
const C310_CONFIG = join(rawDescriptorsDir, 'logitech_c310_046d-081b.config.bin');
const BULK_CONFIG = join(rawDescriptorsDir, 'generic_hd_video_bulk_349c-3307.config.bin');
const VAULTMICRO_ISO = join(capturesDir, 'vaultmicro_uvc_frame_detector_tph_iso_0.derived.pcap');
const VAULTMICRO_BULK = join(capturesDir, 'vaultmicro_uvc_frame_detector_tph_bulk_0.derived.pcap');
const HARDWARE_FIXTURES = join(projectRoot, 'hardware-fixtures');

/** Frames as comparable values: size, PTS and the bytes' hex. */
function comparable(frames: readonly KeptFrame[]) {
  return frames.map((f) => ({ bytes: f.data.length, pts: f.pts, data: hexOf(f.data) }));
}

/**
 * The Realtek trace's frames, read from its headers alone (see `realtekTraceFrames`):
 * the first EOF ends a frame begun before the capture; each later one ends a whole frame.
 */
function realtekFrames(): Array<{ pts: number; bytes: number }> {
  const events = parseUsbCapture(readFileSync(REALTEK_TEXT, 'utf8'));
  return realtekTraceFrames(extractBulkInCompletions(events, { bus: 1, device: 4, endpoint: 0x81 }));
}

describe('the Realtek 0bda:5602 trace replayed', async () => {
  const descriptors = await loadDescriptorFile(REALTEK_LSUSB);
  const expected = realtekFrames();

  it('from usbmon text yields the 103 frames of the trace, with their PTS and sizes', async () => {
    const run = await replayRun(readFileSync(REALTEK_TEXT), { descriptors });
    expect(run.replay).toMatchObject({
      format: 'usbmon text',
      bus: 1,
      device: 4,
      transferType: 'bulk',
    });
    expect(run.replay.descriptorSource).toBe('descriptors given');
    expect(expected).toHaveLength(103);
    expect(run.frames.map((f) => ({ pts: f.pts, bytes: f.data.length }))).toEqual(expected);
    expect(run.frames.every((f) => f.data[0] === 0xff && f.data[1] === 0xd8)).toBe(true);
    // The only request Linux never sent is GET_DEF(PROBE), which the replay STALLs.
    expect(run.replay.camera.unseenRequests.map((r) => r.bRequest)).toEqual([UVC_REQ.GET_DEF]);
  });

  it('from the pcap conversion yields the same frames, byte for byte', async () => {
    const text = await replayRun(readFileSync(REALTEK_TEXT), { descriptors });
    const pcap = await replayRun(readFileSync(REALTEK_PCAP), { descriptors });
    expect(pcap.replay.format).toBe('usbmon pcap');
    expect(comparable(pcap.frames)).toEqual(comparable(text.frames));
  });

  it('negotiates what Linux did: MJPEG 320x240 at 30 fps, from the recorded commit', async () => {
    const replay = replayCapture(parseCaptureFile(readFileSync(REALTEK_TEXT)), { descriptors });
    expect(replay.negotiation).toEqual({
      bFormatIndex: 2,
      bFrameIndex: 4,
      dwFrameInterval: 333333,
      committed: true,
    });
    expect(replay.request).toMatchObject({ pixelFormat: 'MJPEG', width: 320, height: 240 });
  });

  it('at recorded pace still yields every frame', async () => {
    // Only the frames' content is compared; the pace itself is the capture's (about 3.4 s).
    const short = readFileSync(REALTEK_TEXT, 'utf8').split('\n').slice(0, 200).join('\n');
    const asap = await replayRun(short, { descriptors });
    const paced = await replayRun(short, { descriptors, pace: 'recorded' });
    expect(asap.frames.length).toBeGreaterThan(5);
    expect(comparable(paced.frames)).toEqual(comparable(asap.frames));
  });

  it('needs descriptors, and says so, when the capture starts after enumeration', () => {
    let error: unknown;
    try {
      replayCapture(parseCaptureFile(readFileSync(REALTEK_TEXT)));
    } catch (caught) {
      error = caught;
    }
    expect(isCameraError(error, 7400101)).toBe(true);
    expect((error as CameraError).message).toMatch(
      /no configuration descriptor of device 1:4.*--descriptors FILE/,
    );
  });
});

describe('the C310 enumeration capture replayed (no video in it)', () => {
  const replay = () => replayCapture(parseCaptureFile(readFileSync(C310)));

  it('gives the descriptors the capture read: the C310 configuration, 2469 bytes', () => {
    const { camera, descriptorSource } = replay();
    expect(descriptorSource).toBe('capture');
    expect(hexOf(camera.configurationDescriptor)).toBe(hexOf(readFileSync(C310_CONFIG)));
    expect([camera.vendorId, camera.productId]).toEqual([0x046d, 0x081b]);
    expect(camera.serialNumber).toBe('XXXXXXXX');
  });

  it('answers GET_DEF and GET_CUR of the probe as the C310 did', async () => {
    const { camera } = replay();
    const uvc = await UvcCamera.open(camera);
    try {
      await camera.claimInterface(1);
      const probe = {
        requestType: 'class',
        recipient: 'interface',
        value: 0x0100,
        index: 0x0001,
      } as const;
      const def = await camera.controlTransferIn({ ...probe, request: UVC_REQ.GET_DEF }, 26);
      // The decoded GET_DEF reply of the fixtures' capture notes.
      expect(hexOf(new Uint8Array(def.data!.buffer))).toBe(
        'ebb20101151605' + '00feeb0b01d007efd1000000600900f40b0000',
      );
      const sent = new Uint8Array(def.data!.byteLength);
      sent.set(new Uint8Array(def.data!.buffer, def.data!.byteOffset, def.data!.byteLength));
      expect(
        (await camera.controlTransferOut({ ...probe, request: UVC_REQ.SET_CUR }, sent)).status,
      ).toBe('ok');
      const cur = await camera.controlTransferIn({ ...probe, request: UVC_REQ.GET_CUR }, 26);
      expect(hexOf(new Uint8Array(cur.data!.buffer))).toBe(hexOf(sent));
    } finally {
      await uvc.close();
    }
  });

  it('ends a stream at SET_CUR(COMMIT) with an error naming it: the capture has none', async () => {
    const { camera, request } = replay();
    expect(request).toMatchObject({ pixelFormat: 'YUYV', width: 640, height: 480 });
    const uvc = await UvcCamera.open(camera);
    let error: unknown;
    try {
      await uvc.startStream(request, (frame) => frame.release());
    } catch (caught) {
      error = caught;
    } finally {
      await uvc.close();
    }
    expect(isCameraError(error, 7400102)).toBe(true);
    expect((error as Error).message).toContain(
      'replay: the capture never saw SET_CUR(COMMIT_CONTROL) on interface 1',
    );
    expect((error as Error).message).toContain('wValue 0x0200 wIndex 0x0001');
  });

  it('STALLs optional requests the capture never saw, and names the others', async () => {
    const { camera } = replay();
    const uvc = await UvcCamera.open(camera);
    try {
      await camera.claimInterface(1);
      const processingUnit = {
        requestType: 'class',
        recipient: 'interface',
        value: 0x0200,
        index: 0x0300,
      } as const;
      expect(
        (await camera.controlTransferIn({ ...processingUnit, request: UVC_REQ.GET_INFO }, 1))
          .status,
      ).toBe('stall');
      await expect(
        camera.controlTransferIn({ ...processingUnit, request: UVC_REQ.GET_CUR }, 2),
      ).rejects.toThrow(/never saw GET_CUR\(selector 0x02 of entity 3\) on interface 0/);
    } finally {
      await uvc.close();
    }
  });
});

describe('the Vaultmicro single URBs replayed with descriptors given', () => {
  it('hands the driver the 32 recorded isochronous packets byte for byte', async () => {
    const bytes = readFileSync(VAULTMICRO_ISO);
    const descriptors = await loadDescriptorFile(C310_CONFIG);
    const run = await replayRun(
      bytes,
      { descriptors, unseen: 'emulate' },
      { pixelFormat: 'YUYV', width: 640, height: 480 },
    );
    const [urb] = extractIsochronousInCompletions(parseCaptureFile(bytes).events);
    const recorded = urb!.packets.map((p) =>
      hexOf(urb!.data.subarray(p.offset, p.offset + p.length)),
    );
    const seen = run.tapped.isochronous.flatMap(({ data, packets }) =>
      packets
        .filter((p) => p.length > 0)
        .map((p) => hexOf(data.subarray(p.offset, p.offset + p.length))),
    );
    expect(run.replay).toMatchObject({
      transferType: 'isochronous',
      payloads: 32,
      recordedEndpointAddress: 0x81,
    });
    expect(seen).toEqual(recorded);
    // The URB ends a frame begun before it: nothing whole to deliver.
    expect(run.frames).toEqual([]);
    expect(run.counters.payloads).toBe(32);
  });

  it('hands the driver the recorded bulk URB, header and MJPEG start included', async () => {
    const bytes = readFileSync(VAULTMICRO_BULK);
    const descriptors = await loadDescriptorFile(BULK_CONFIG);
    const run = await replayRun(bytes, { descriptors, unseen: 'emulate' });
    const [urb] = extractBulkInCompletions(parseCaptureFile(bytes).events);
    expect(run.tapped.bulk.map(hexOf)).toEqual([hexOf(urb!.data)]);
    expect(hexOf(run.tapped.bulk[0]!.subarray(0, 16))).toBe('0c8da49e68000ce7ab983601ffd8ffe9');
  });

  it('refuses to invent answers by default: the probe the capture never saw is named', async () => {
    const descriptors = await loadDescriptorFile(C310_CONFIG);
    const replay = replayCapture(parseCaptureFile(readFileSync(VAULTMICRO_ISO)), { descriptors });
    const uvc = await UvcCamera.open(replay.camera);
    try {
      await expect(uvc.startStream({ pixelFormat: 'YUYV' }, (f) => f.release())).rejects.toThrow(
        /never saw .*PROBE_CONTROL/,
      );
    } finally {
      await uvc.close();
    }
  });
});

describe('recordings of emulated cameras replay to the same frames', () => {
  const cases = [
    {
      name: 'virtual camera, isochronous YUYV 320x240',
      device: () => createVirtualCamera(),
      request: { pixelFormat: 'YUYV', width: 320, height: 240 },
      frames: 3,
    },
    {
      name: 'virtual camera, isochronous MJPEG 640x480',
      device: () => createVirtualCamera(),
      request: { pixelFormat: 'MJPEG', width: 640, height: 480 },
      frames: 4,
    },
    {
      name: 'virtual camera, bulk MJPEG 320x240',
      device: () => createVirtualCamera({ transfer: 'bulk' }),
      request: { pixelFormat: 'MJPEG', width: 320, height: 240 },
      frames: 4,
    },
    {
      name: 'emulated Realtek 0bda:5602, bulk MJPEG',
      device: () => loadEmulatedCamera(REALTEK_LSUSB),
      request: { pixelFormat: 'MJPEG', width: 320, height: 240 },
      frames: 3,
    },
  ];

  for (const { name, device, request, frames } of cases) {
    it(`${name}: every recorded frame, byte for byte, with its PTS`, async () => {
      const recorded = await recordRun(await device(), request, frames);
      for (const packIsochronous of [false, true]) {
        const replayed = await replayRun(writePcapng(recorded.events, { packIsochronous }));
        expect(replayed.replay.descriptorSource).toBe('capture');
        expect(replayed.replay.camera.unseenRequests).toEqual([]);
        expect(recorded.frames.length).toBeGreaterThanOrEqual(frames);
        // Transfers that completed after the recording stopped reading may add one frame.
        expect(replayed.frames.length - recorded.frames.length).toBeGreaterThanOrEqual(0);
        expect(replayed.frames.length - recorded.frames.length).toBeLessThanOrEqual(1);
        expect(comparable(replayed.frames.slice(0, recorded.frames.length))).toEqual(
          comparable(recorded.frames),
        );
      }
    });
  }
});

describe("the project's own recordings in hardware-fixtures/", () => {
  const files = readdirSync(HARDWARE_FIXTURES).filter(
    (f) => f.endsWith('.pcapng') || f.endsWith('.pcap'),
  );

  it('are there: pcapng recordings and USBPcap samples, each under 2 MB', () => {
    expect(files.filter((f) => f.endsWith('.pcapng')).length).toBeGreaterThanOrEqual(4);
    expect(files.filter((f) => f.endsWith('.usbpcap.pcap')).length).toBeGreaterThanOrEqual(1);
    for (const file of files)
      expect(readFileSync(join(HARDWARE_FIXTURES, file)).length).toBeLessThan(2 * 1024 * 1024);
  });

  for (const file of files) {
    it(`${file} replays to the frames its payload headers delimit`, async () => {
      const bytes = readFileSync(join(HARDWARE_FIXTURES, file));
      const run = await replayRun(bytes);
      const independent = framesInEvents(
        parseCaptureFile(bytes).events,
        run.replay.recordedEndpointAddress,
        true,
      );
      expect(run.frames.length).toBeGreaterThanOrEqual(6);
      expect(
        run.counters.framesError + run.counters.framesIncomplete + run.counters.framesWrongSize,
      ).toBe(0);
      expect(comparable(run.frames)).toEqual(comparable(independent.slice(0, run.frames.length)));

      const { format, frame } = run.stream.choice;
      if (format.pixelFormat === 'MJPEG') {
        for (const f of run.frames) {
          const meta = await sharp(f.data).metadata();
          expect([meta.format, meta.width, meta.height]).toEqual([
            'jpeg',
            frame.wWidth,
            frame.wHeight,
          ]);
        }
      } else {
        // The virtual camera's pattern numbers its frames: consecutive, none lost or repeated.
        const indexes = run.frames.map(
          (f) => readPatternIndex(f.data, 'YUYV', frame.wWidth, frame.wHeight)!,
        );
        expect(indexes.slice(1).map((value, i) => value - indexes[i]!)).toEqual(
          indexes.slice(1).map(() => 1),
        );
      }
    });
  }
});

describe('captures cut short while being written', () => {
  const cases = [
    join(capturesDir, 'dell_xps12_realtek_0bda-5602_bulk_usbmon-works-mjpg-320x240.derived.pcap'),
    join(projectRoot, 'hardware-fixtures', 'virtual-mjpeg-640x480-iso-packed.pcapng'),
    join(projectRoot, 'hardware-fixtures', 'virtual-mjpeg-640x480-iso-packed.usbpcap.pcap'),
  ];
  for (const path of cases) {
    it(`${path.split('/').pop()}: keeps every whole record when the last one is cut`, () => {
      const whole = readFileSync(path);
      const full = parseCaptureFile(new Uint8Array(whole)).events;
      for (const cut of [7, 1000]) {
        const events = parseCaptureFile(new Uint8Array(whole.subarray(0, whole.length - cut))).events;
        expect(events.length).toBeLessThan(full.length);
        expect(events.length).toBeGreaterThan(full.length / 2);
        expect(events.map((e) => e.id)).toEqual(full.slice(0, events.length).map((e) => e.id));
      }
    });
  }

  it('still refuses a block whose length field is not a block length', () => {
    const whole = new Uint8Array(readFileSync(cases[1]!));
    whole[4] = 0x03; // the section header's total length, now not a multiple of 4
    expect(() => parseCaptureFile(whole)).toThrow(CameraError);
  });
});
