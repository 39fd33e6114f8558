/**
 * `webuvc replay` as a user runs it: the built CLI in a child process (`npm test` builds
 * first), on the real captures and on the project's own recordings.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { capturesDir, fixturesDir, projectRoot, rawDescriptorsDir } from './fixtures.js';
import { webuvc as runWebuvc } from './cli-run.js';

/** `webuvc ...args`, the built command in a child process. */
const webuvc = (...args: string[]) => runWebuvc(args);

const REALTEK_TEXT = join(
  capturesDir,
  'dell_xps12_realtek_0bda-5602_bulk_usbmon-works-mjpg-320x240.txt',
);
const REALTEK_LSUSB = join(
  fixturesDir,
  'descriptors',
  'realtek_integrated_webcam_dell_xps12_bulk_0bda-5602.lsusb.txt',
);

let work: string;
beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'webuvc-replay-cli-'));
});
afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

describe('webuvc replay', () => {
  it('plays the Realtek usbmon text with its lsusb dump: 103 frames with PTS', async () => {
    const result = await webuvc('replay', REALTEK_TEXT, '--descriptors', REALTEK_LSUSB, '--json');
    expect(result.code, result.stderr).toBe(0);
    const summary = JSON.parse(result.stdout);
    expect(summary).toMatchObject({
      format: 'usbmon text',
      bus: 1,
      device: 4,
      transferType: 'bulk',
      pixelFormat: 'MJPEG',
      width: 320,
      height: 240,
    });
    expect(summary.frames).toHaveLength(103);
    expect(new Set(summary.frames.map((f: { pts: number }) => f.pts)).size).toBe(103);
    expect(summary.payloadsServed).toBe(summary.payloads);
    expect(summary.unseenRequests).toEqual([
      'GET_DEF(PROBE_CONTROL) on interface 1 ' +
        '(bmRequestType 0xa1 bRequest 0x87 wValue 0x0100 wIndex 0x0001)',
    ]);
  });

  it('stops after --frames N and writes them raw with --out (bodies were cut)', async () => {
    const out = join(work, 'realtek');
    const result = await webuvc(
      'replay',
      REALTEK_TEXT,
      '--descriptors',
      REALTEK_LSUSB,
      '--frames',
      '3',
      '--out',
      out,
    );
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/^replayed 3 frames of MJPEG 320x240 at 30 fps \(bulk\)/);
    expect(result.stdout).toContain(
      `3: 16800 bytes, PTS 3780495976 -> ${join(out, 'frame-0003.raw')}`,
    );
    expect(result.stderr).toContain('camera 0bda:5602');
  });

  it('plays a project recording and writes frames an image decoder opens', async () => {
    const file = join(projectRoot, 'hardware-fixtures', 'virtual-yuyv-320x240-iso-packed.pcapng');
    const out = join(work, 'yuyv');
    const result = await webuvc('replay', file, '--out', out, '--json');
    expect(result.code, result.stderr).toBe(0);
    const summary = JSON.parse(result.stdout);
    expect(summary).toMatchObject({
      format: 'usbmon pcapng',
      descriptorSource: 'capture',
      transferType: 'isochronous',
      pixelFormat: 'YUYV',
    });
    expect(summary.frames.length).toBeGreaterThanOrEqual(6);
    const meta = await sharp(summary.frames[0].file).metadata();
    expect([meta.format, meta.width, meta.height]).toEqual(['png', 320, 240]);
  });

  it('plays a USBPcap capture', async () => {
    const file = join(
      projectRoot,
      'hardware-fixtures',
      'emulated-realtek-0bda-5602-mjpeg-320x240-bulk.usbpcap.pcap',
    );
    const result = await webuvc('replay', file, '--json');
    expect(result.code, result.stderr).toBe(0);
    const summary = JSON.parse(result.stdout);
    expect(summary.format).toBe('USBPcap pcap');
    expect(summary.frames.length).toBeGreaterThanOrEqual(10);
  });

  it('exits 3 naming SET_CUR(COMMIT) for the C310 capture, which never streamed', async () => {
    const result = await webuvc('replay', join(capturesDir, 'logitech_C310_enum.pcapng'));
    expect(result.code).toBe(3);
    expect(result.stderr).toContain(
      'camera 046d:081b on bus 1 device 11, descriptors from the capture',
    );
    expect(result.stderr).toMatch(
      /error 7400102 OPERATION_NOT_ALLOWED: replay: the capture never saw SET_CUR\(COMMIT/,
    );
  });

  it('replays the Vaultmicro isochronous URB with --emulate-missing', async () => {
    const result = await webuvc(
      'replay',
      join(capturesDir, 'vaultmicro_uvc_frame_detector_tph_iso_0.derived.pcap'),
      '--descriptors',
      join(rawDescriptorsDir, 'logitech_c310_046d-081b.config.bin'),
      '--emulate-missing',
      '--json',
    );
    expect(result.code, result.stderr).toBe(0);
    const summary = JSON.parse(result.stdout);
    expect(summary).toMatchObject({
      transferType: 'isochronous',
      payloads: 32,
      payloadsServed: 32,
      frames: [],
    });
    expect(
      summary.unseenRequests.some((r: string) => r.startsWith('SET_CUR(COMMIT_CONTROL)')),
    ).toBe(true);
  });

  it('exits 2 without a file, with two files or a bad --pace, and shows its help', async () => {
    expect((await webuvc('replay')).code).toBe(2);
    // A file that is not there is bad input like any other unusable file: 7400101.
    const missing = await webuvc('replay', join(work, 'nothing.pcap'));
    expect(missing.code).toBe(3);
    expect(missing.stderr).toMatch(/7400101 INVALID_ARGUMENT: cannot use capture .*nothing\.pcap; expected a readable file; found ENOENT/);
    const directory = await webuvc('replay', work);
    expect(directory.stderr).toMatch(/expected a regular file; found a directory/);
    expect((await webuvc('replay', REALTEK_TEXT, REALTEK_TEXT)).code).toBe(2);
    expect((await webuvc('replay', REALTEK_TEXT, '--pace', 'slow')).code).toBe(2);
    const help = await webuvc('replay', '--help');
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('webuvc replay FILE');
  });

  it('exits 3 with 7400101 for a file that is no capture', async () => {
    const result = await webuvc('replay', REALTEK_LSUSB);
    expect(result.code).toBe(3);
    expect(result.stderr).toMatch(
      /error 7400101 INVALID_ARGUMENT: usbmon text line \d+: bad event type/,
    );
  });
});
