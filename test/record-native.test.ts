/**
 * `webuvc record` on an attached camera: under umockdev, real libusb and webuvc's native
 * binding stream from an emulated camera, so the recording goes through the streaming-backend
 * decorator (the binding's own handle sends probe/commit and reaps the transfers). The
 * recording must open in tshark and replay to the frames the command recorded.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';

import { hexOf, replayRun, tsharkFields } from './helpers/recording.js';
import { frameDigest } from '../src/cli/record.js';
import {
  CAMERAS,
  camera,
  childProgram,
  describeRun,
  describeUmockdev,
  emulated,
  requireNativeBuilt,
  runWithDevices,
} from './umockdev/setup.js';

let work: string;
beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'webuvc-record-native-'));
});
afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

describeUmockdev('webuvc record through node-usb and the native binding', () => {
  beforeAll(requireNativeBuilt);

  const cases = [
    {
      name: CAMERAS.c270,
      args: ['--format', 'MJPEG', '--size', '640x480'],
      transfer: 'isochronous',
    },
    { name: CAMERAS.bulk, args: [], transfer: 'bulk' },
  ];
  for (const { name, args, transfer } of cases) {
    it(`records ${name} (${transfer}) so that the recording replays to its frames`, async () => {
      const out = join(work, `${name}.pcapng`);
      const result = await runWithDevices([emulated({ camera: camera(name) })], {
        program: childProgram('cli.ts'),
        args: ['record', '--frames', '3', '--pack', '--out', out, '--json', ...args],
        timeoutMs: 60_000,
      });
      expect(result.code, describeRun(result)).toBe(0);
      const summary = JSON.parse(result.stdout);
      expect(summary.source).toMatch(/^USB camera/);
      expect(summary.transferType).toBe(transfer);

      // The binding's probe/commit were recorded: tshark dissects the commit.
      const commits = tsharkFields(
        out,
        'usbvideo.probe.maxVideoFrameSize && usbvideo.control.selector == 2',
        ['usbvideo.format.index'],
      );
      expect(commits).toHaveLength(1);

      const replayed = await replayRun(await readFile(out));
      const frames = replayed.frames.map((f) => ({
        bytes: f.data.length,
        ...(f.pts !== undefined ? { pts: f.pts } : {}),
        sha256: frameDigest(f.data),
      }));
      expect(summary.frames.length).toBeGreaterThanOrEqual(3);
      expect(frames.slice(0, summary.frames.length)).toEqual(summary.frames);
      // Both cameras stream MJPEG here: every frame starts with SOI.
      expect(replayed.frames.every((f) => hexOf(f.data.subarray(0, 2)) === 'ffd8')).toBe(true);
    });
  }
});
