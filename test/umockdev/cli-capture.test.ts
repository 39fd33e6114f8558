/**
 * The main job through real libusb: `webuvc capture` (the built CLI) finds an emulated camera
 * through node-usb under umockdev, negotiates through the native binding's handle, streams
 * isochronous or bulk transfers through the binding, and writes images a person can open.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, expect, it } from 'vitest';

import { CAMERAS, camera, childProgram, describeRun, describeUmockdev, emulated, requireNativeBuilt, runWithDevices } from './setup.js';

let work: string;

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'webuvc-umockdev-cli-'));
});
afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

describeUmockdev('webuvc capture through node-usb and the native binding', () => {
  beforeAll(requireNativeBuilt);

  const cases = [
    { name: CAMERAS.c270, args: ['--format', 'YUYV', '--size', '640x480'], transfer: 'isochronous', type: 'png' },
    { name: CAMERAS.c270, args: ['--format', 'MJPEG', '--size', '1280x720'], transfer: 'isochronous', type: 'jpeg' },
    { name: CAMERAS.bulk, args: [], transfer: 'bulk', type: 'jpeg' },
  ];
  for (const { name, args, transfer, type } of cases) {
    it(`captures ${args.join(' ') || 'the default format'} from ${name} (${transfer})`, async () => {
      const out = join(work, `${name}-${args.join('-')}`);
      const result = await runWithDevices([emulated({ camera: camera(name) })], {
        program: childProgram('cli.ts'),
        args: ['capture', '--frames', '3', '--out', out, '--json', ...args],
        timeoutMs: 60_000,
      });
      expect(result.code, describeRun(result)).toBe(0);
      const summary = JSON.parse(result.stdout);
      expect(summary.emulated).toBe(false);
      expect(summary.source).toMatch(/^USB camera/);
      expect(summary.transferType).toBe(transfer);
      expect(summary.counters.framesError + summary.counters.framesWrongSize).toBe(0);
      expect(summary.files).toHaveLength(3);
      for (const file of summary.files) {
        const meta = await sharp(file).metadata();
        expect([meta.format, meta.width, meta.height]).toEqual([type, summary.width, summary.height]);
      }
    });
  }

  it('lists the attached camera with webuvc list', async () => {
    const result = await runWithDevices([emulated({ camera: camera(CAMERAS.c310) })], {
      program: childProgram('cli.ts'),
      args: ['list', '--json'],
    });
    expect(result.code, describeRun(result)).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject([{ vendorId: '046d', productId: '081b' }]);
  });
});
