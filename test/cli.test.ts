/**
 * The `webuvc` command as a user runs it: the built CLI in a child process (`npm test` builds
 * first), its files decoded with sharp, its JSON read back, its exit codes.
 */
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { fixturesDir, rawDescriptorsDir } from './fixtures.js';
import { webuvc as runWebuvc } from './cli-run.js';

/** `webuvc ...args`, the built command in a child process. */
const webuvc = (...args: string[]) => runWebuvc(args);

let work: string;
beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'webuvc-cli-'));
});
afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

describe('webuvc capture', () => {
  it('falls back to the virtual camera, says so, and writes PNGs a person can open', async () => {
    const out = join(work, 'virtual');
    const result = await webuvc('capture', '--frames', '4', '--out', out);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).toMatch(/virtual camera \(no webcam is attached\)/);
    const files = (await readdir(out)).sort();
    expect(files).toEqual(['frame-0001.png', 'frame-0002.png', 'frame-0003.png', 'frame-0004.png']);
    const first = await sharp(join(out, files[0]!)).raw().toBuffer({ resolveWithObject: true });
    expect([first.info.width, first.info.height]).toEqual([640, 480]);
    // The pattern moves: two frames differ.
    const last = await sharp(join(out, files[3]!)).raw().toBuffer();
    expect(Buffer.compare(first.data, last)).not.toBe(0);
  });

  it('writes MJPEG frames as JPEG files from an emulated isochronous camera (C270)', async () => {
    const out = join(work, 'c270');
    const result = await webuvc(
      'capture', '--emulate', join(rawDescriptorsDir, 'logitech_c270_046d-0825.config.bin'),
      '--format', 'mjpeg', '--size', '1280x720', '--fps', '30', '--frames', '3', '--out', out, '--json',
    );
    expect(result.code, result.stderr).toBe(0);
    const summary = JSON.parse(result.stdout);
    expect(summary).toMatchObject({ pixelFormat: 'MJPEG', width: 1280, height: 720, transferType: 'isochronous' });
    expect(summary.files).toHaveLength(3);
    for (const file of summary.files) {
      const meta = await sharp(file).metadata();
      expect([meta.format, meta.width, meta.height]).toEqual(['jpeg', 1280, 720]);
    }
  });

  it('streams a bulk camera (generic 349c:3307) from its UsbTreeView report', async () => {
    const out = join(work, 'bulk');
    const report = join(fixturesDir, 'descriptors', 'generic_hd_video_bulk_349c-3307.usbtreeview.txt');
    const result = await webuvc('capture', '--emulate', report, '--frames', '2', '--out', out, '--json');
    expect(result.code, result.stderr).toBe(0);
    const summary = JSON.parse(result.stdout);
    expect(summary.transferType).toBe('bulk');
    const meta = await sharp(summary.files[0]).metadata();
    expect(meta.format).toBe('jpeg');
  });

  it('writes frames no image format holds (raw Bayer from the Phytec camera) as they came', async () => {
    const out = join(work, 'bayer');
    const dump = join(fixturesDir, 'descriptors', 'phytec_cam004h_theimagingsource_199e-8302.lsusb.txt');
    const result = await webuvc('capture', '--emulate', dump, '--frames', '2', '--out', out, '--json');
    expect(result.code, result.stderr).toBe(0);
    const summary = JSON.parse(result.stdout);
    expect(summary.pixelFormat).toBe('GRBG');
    expect(summary.files.map((f: string) => f.split('/').pop())).toEqual(['frame-0001.grbg.raw', 'frame-0002.grbg.raw']);
  });

  it('exits 3 with the code and its name when the camera lacks the format', async () => {
    const result = await webuvc('capture', '--virtual', '--format', 'H264', '--out', join(work, 'none'));
    expect(result.code).toBe(3);
    expect(result.stderr).toMatch(/error 7400101 INVALID_ARGUMENT: .*expected H264; found/);
  });

  it('refuses a frame rate the camera does not list with 7400101 and the rates it has', async () => {
    const result = await webuvc('capture', '--virtual', '--fps', '7', '--out', join(work, 'fps'));
    expect(result.code).toBe(3);
    expect(result.stderr).toMatch(/7400101 INVALID_ARGUMENT: the camera has no such frame rate; expected 7 fps .*found 30 fps, 15 fps/);
  });

  it('says what went wrong with a file, without a stack trace, when --out is a file', async () => {
    const file = join(work, 'not-a-folder');
    await writeFile(file, 'x');
    const result = await webuvc('capture', '--virtual', '--frames', '1', '--out', file);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/cannot mkdir .*not-a-folder: EEXIST/);
    expect(result.stderr).not.toMatch(/\n\s+at /);
  });

  it('exits 2 when told two camera sources at once', async () => {
    const result = await webuvc('capture', '--virtual', '--emulate', join(rawDescriptorsDir, 'logitech_c270_046d-0825.config.bin'));
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/choose one camera source/);
  });

  it('exits 2 on a usage error', async () => {
    const result = await webuvc('capture', '--frames', 'many');
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/--frames wants a positive integer/);
  });
});

describe('webuvc info', () => {
  it('prints per format its frames with intervals in 100 ns units (C310 raw descriptors)', async () => {
    const result = await webuvc('info', '--json', '--descriptors', join(rawDescriptorsDir, 'logitech_c310_046d-081b.config.bin'));
    expect(result.code, result.stderr).toBe(0);
    const info = JSON.parse(result.stdout);
    expect(info.vendorId).toBe(0x046d);
    const vs = info.functions[0].streaming[0];
    expect(vs.transferType).toBe('isochronous');
    const yuyv = vs.formats.find((f: { pixelFormat: string }) => f.pixelFormat === 'YUYV');
    expect(yuyv.frames[0]).toMatchObject({ width: 640, height: 480, intervals: [333333, 400000, 500000, 666666, 1000000, 2000000] });
  });

  it('prints continuous intervals as min/max/step (Espressif report)', async () => {
    const report = join(fixturesDir, 'descriptors', 'espressif_tinyusb_dual_uvc_303a-8000.usbtreeview.txt');
    const result = await webuvc('info', '--json', '--descriptors', report);
    expect(result.code, result.stderr).toBe(0);
    const frame = JSON.parse(result.stdout).functions[0].streaming[0].formats[0].frames[0];
    expect(frame.intervals).toEqual({ min: expect.any(Number), max: expect.any(Number), step: expect.any(Number) });
  });

  it('describes an emulated camera for a person', async () => {
    const result = await webuvc('info', '--virtual');
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/format 1: YUYV/);
    expect(result.stdout).toMatch(/640x480 +30, 15 fps/);
    expect(result.stdout).toMatch(/isochronous/);
  });

  it('prints the notes of an lsusb rebuild: the bytes lsusb never showed', async () => {
    const dump = join(fixturesDir, 'descriptors', 'logitech_c920_046d-082d.lsusb.txt');
    const text = await webuvc('info', '--descriptors', dump);
    expect(text.stdout).toMatch(/^note: .*bmaControls/m);
    const json = JSON.parse((await webuvc('info', '--json', '--descriptors', dump)).stdout);
    expect(json.notes.length).toBeGreaterThan(0);
  });

  it('refuses a file that is not a descriptor with 7400101', async () => {
    const result = await webuvc('info', '--descriptors', join(fixturesDir, 'README.md'));
    expect(result.code).toBe(3);
    expect(result.stderr).toMatch(/7400101/);
  });
});
