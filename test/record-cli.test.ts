/**
 * `webuvc record` as a user runs it: the built CLI in a child process (`npm test` builds
 * first). Its recording opens in tshark and replays with `webuvc replay` to the frames it
 * recorded.
 */
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { fixturesDir } from './fixtures.js';
import { webuvc as runWebuvc } from './cli-run.js';
import { tsharkFields } from './helpers/recording.js';


/** `webuvc ...args`, the built command in a child process. */
const webuvc = (...args: string[]) => runWebuvc(args);

interface Frame {
  bytes: number;
  pts?: number;
  sha256: string;
}

let work: string;
beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'webuvc-record-cli-'));
});
afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

describe('webuvc record', () => {
  it('records the virtual camera into a pcapng that replays to the same frames', async () => {
    const file = join(work, 'virtual.pcapng');
    const recorded = await webuvc(
      'record',
      '--virtual',
      '--format',
      'MJPEG',
      '--size',
      '320x240',
      '--frames',
      '4',
      '--out',
      file,
      '--json',
    );
    expect(recorded.code, recorded.stderr).toBe(0);
    const summary = JSON.parse(recorded.stdout) as {
      frames: Frame[];
      events: number;
      bytes: number;
      transferType: string;
    };
    expect(summary.frames.length).toBeGreaterThanOrEqual(4);
    expect(summary.transferType).toBe('isochronous');
    expect((await stat(file)).size).toBe(summary.bytes);

    // tshark sees every event the command says it wrote.
    expect(tsharkFields(file, 'usb', ['frame.number'])).toHaveLength(summary.events);

    const replayed = await webuvc('replay', file, '--json');
    expect(replayed.code, replayed.stderr).toBe(0);
    const frames = (JSON.parse(replayed.stdout) as { frames: Frame[] }).frames;
    expect(frames.slice(0, summary.frames.length)).toEqual(summary.frames);
  });

  it('records a bulk camera (emulated Realtek 0bda:5602); --pack and --snaplen work', async () => {
    const file = join(work, 'realtek.pcapng');
    const lsusb = join(
      fixturesDir,
      'descriptors',
      'realtek_integrated_webcam_dell_xps12_bulk_0bda-5602.lsusb.txt',
    );
    const recorded = await webuvc(
      'record',
      '--emulate',
      lsusb,
      '--frames',
      '3',
      '--pack',
      '--out',
      file,
      '--json',
    );
    expect(recorded.code, recorded.stderr).toBe(0);
    const summary = JSON.parse(recorded.stdout) as { frames: Frame[]; transferType: string };
    expect(summary.transferType).toBe('bulk');
    const replay = await webuvc('replay', file, '--json');
    expect(replay.code, replay.stderr).toBe(0);
    const replayed = JSON.parse(replay.stdout) as { frames: Frame[] };
    expect(replayed.frames.slice(0, summary.frames.length)).toEqual(summary.frames);

    const cut = join(work, 'cut.pcapng');
    expect(
      (await webuvc('record', '--virtual', '--frames', '1', '--snaplen', '64', '--out', cut)).code,
    ).toBe(0);
    const lengths = tsharkFields(cut, "usb.urb_type == 'C' && usb.transfer_type == 0x02", [
      'usb.data_len',
    ]);
    expect(Math.max(...lengths.map((row) => Number(row[0])))).toBeLessThanOrEqual(64);
  });

  it('says it used the virtual camera, and prints what it recorded', async () => {
    const file = join(work, 'plain.pcapng');
    const result = await webuvc('record', '--virtual', '--frames', '2', '--out', file);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).toContain("webuvc record: using webuvc's built-in virtual camera");
    expect(result.stdout).toMatch(
      /^recorded \d+ frames of YUYV 640x480 at 30 fps \(isochronous, alt \d+\)/,
    );
    expect(result.stdout).toMatch(/\d+ USB events, \d+ bytes written to /);
  });

  it('exits 2 without --out, or with a bad number, and shows its help', async () => {
    const missing = await webuvc('record', '--virtual');
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('record needs --out FILE.pcapng');
    expect((await webuvc('record', '--out', join(work, 'x.pcapng'), '--frames', 'many')).code).toBe(
      2,
    );
    const help = await webuvc('record', '--help');
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('webuvc record --out FILE.pcapng');
  });

  it('exits 3 with the code and its name when the camera lacks the format', async () => {
    const result = await webuvc(
      'record',
      '--virtual',
      '--format',
      'H264',
      '--out',
      join(work, 'none.pcapng'),
    );
    expect(result.code).toBe(3);
    expect(result.stderr).toMatch(/error 7400101 INVALID_ARGUMENT/);
  });
});
