/**
 * `webuvc stream` into the tools people use: the built CLI's stdout piped into Debian's
 * ffprobe and ffmpeg, which must decode the right number of frames at the right size, rate
 * and pixel format; files written with `--to FILE`; the end by frames, seconds or a reader
 * that goes away; MJPEG frames that lack Huffman tables (bugs.md §14) written with them.
 */
import { spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { UvcCamera } from '../src/camera/uvc-camera.js';
import { streamFrames } from '../src/cli/stream.js';
import { createPatternSource, type PayloadSource } from '../src/usb/pattern.js';
import { createVirtualCamera } from '../src/usb/virtual-camera.js';
import { fixturesDir, rawDescriptorsDir } from './fixtures.js';
import { cliPath, pipeThrough, probeStream, requireTool, startWebuvc, webuvc } from './cli-run.js';

let work: string;
beforeAll(async () => {
  requireTool('ffprobe', 'ffmpeg');
  work = await mkdtemp(join(tmpdir(), 'webuvc-stream-'));
});
afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

/** `webuvc stream ...args` with its stdout piped straight into ffprobe. */
async function probeCli(args: string[], format?: string): Promise<{ probe: Record<string, string | number>; stderr: string; code: number | null }> {
  const child = startWebuvc(['stream', ...args]);
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk.toString('utf8');
  });
  const [probe, [code]] = await Promise.all([probeStream(child.stdout, format), once(child, 'close')]);
  return { probe, stderr, code: code as number | null };
}

/** The frame count ffmpeg reports after decoding everything (`frame=  N` in its last stats line). */
function ffmpegFrameCount(stderr: string): number {
  const counts = [...stderr.matchAll(/frame=\s*(\d+)/g)].map((m) => Number(m[1]));
  const last = counts.at(-1);
  if (last === undefined) throw new Error(`ffmpeg printed no frame count: ${stderr}`);
  return last;
}

describe('webuvc stream --to - | ffprobe / ffmpeg', () => {
  it('writes MJPEG that ffprobe decodes: 12 frames of 640x480 (virtual camera)', async () => {
    const { probe, stderr, code } = await probeCli(['--virtual', '--format', 'MJPEG', '--frames', '12'], 'mjpeg');
    expect(code, stderr).toBe(0);
    expect(probe).toMatchObject({ codec_name: 'mjpeg', width: 640, height: 480, nb_read_frames: '12' });
    expect(stderr).toMatch(/wrote 12 frames of MJPEG 640x480 .* as mjpeg to stdout/);
  });

  it('writes YUV4MPEG2 that ffprobe reads as planar 4:2:2, limited range, at the negotiated rate', async () => {
    const args = ['--virtual', '--format', 'YUYV', '--size', '320x240', '--fps', '15', '--frames', '9'];
    const { probe, stderr, code } = await probeCli(args);
    expect(code, stderr).toBe(0);
    expect(probe).toMatchObject({
      codec_name: 'rawvideo',
      width: 320,
      height: 240,
      pix_fmt: 'yuv422p',
      color_range: 'tv',
      nb_read_frames: '9',
    });
    // 15 fps is dwFrameInterval 666666: 10^7/666666 reduced.
    expect(probe.r_frame_rate).toBe('5000000/333333');
  });

  for (const format of ['MJPEG', 'YUYV']) {
    it(`is recognised by plain "ffmpeg -i -" (${format}), which decodes every frame`, async () => {
      requireTool('ffmpeg', 'ffmpeg');
      const child = startWebuvc(['stream', '--virtual', '--format', format, '--frames', '8']);
      const result = await pipeThrough('ffmpeg', ['-hide_banner', '-i', '-', '-f', 'null', '-'], child.stdout);
      expect(result.code, result.stderr).toBe(0);
      expect(ffmpegFrameCount(result.stderr)).toBe(8);
      expect(result.stderr).toMatch(format === 'MJPEG' ? /Video: mjpeg.*640x480/ : /Video: rawvideo.*yuv422p.*640x480/);
    });
  }

  it('streams an emulated isochronous camera (Logitech C270) as YUV4MPEG2', async () => {
    const args = ['--emulate', join(rawDescriptorsDir, 'logitech_c270_046d-0825.config.bin'), '--format', 'YUYV', '--size', '640x480', '--frames', '5'];
    const { probe, stderr, code } = await probeCli(args);
    expect(code, stderr).toBe(0);
    expect(probe).toMatchObject({ width: 640, height: 480, pix_fmt: 'yuv422p', nb_read_frames: '5' });
  });

  it('streams an emulated bulk camera (349c:3307 UsbTreeView report) as MJPEG', async () => {
    const report = join(fixturesDir, 'descriptors', 'generic_hd_video_bulk_349c-3307.usbtreeview.txt');
    const { probe, stderr, code } = await probeCli(['--emulate', report, '--format', 'MJPEG', '--frames', '4'], 'mjpeg');
    expect(code, stderr).toBe(0);
    expect(probe).toMatchObject({ codec_name: 'mjpeg', nb_read_frames: '4' });
  });

  it('stops cleanly (exit 0) when the reader closes the pipe', async () => {
    const child = startWebuvc(['stream', '--virtual', '--format', 'MJPEG']);
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString('utf8');
    });
    await once(child.stdout, 'data');
    child.stdout.destroy();
    const [code] = await once(child, 'close');
    expect(code, stderr).toBe(0);
    expect(stderr).toMatch(/ended by reader closed/);
  });
});

describe('webuvc stream --to FILE', () => {
  it('writes a .y4m file ffprobe reads, and a --json summary that matches it', async () => {
    const file = join(work, 'clip.y4m');
    const result = await webuvc(['stream', '--virtual', '--format', 'YUYV', '--size', '320x240', '--frames', '6', '--to', file, '--json']);
    expect(result.code, result.stderr).toBe(0);
    const summary = JSON.parse(result.stdout);
    expect(summary).toMatchObject({ container: 'yuv4mpeg2', framesWritten: 6, endedBy: 'frames', to: file });
    expect((await stat(file)).size).toBe(summary.bytesWritten);
    const probe = await probeStream(await readFile(file));
    expect(probe).toMatchObject({ width: 320, height: 240, nb_read_frames: '6' });
  });

  it('ends after --seconds with every frame it counted in the file', async () => {
    const file = join(work, 'timed.mjpeg');
    const result = await webuvc(['stream', '--virtual', '--format', 'MJPEG', '--size', '320x240', '--seconds', '1', '--to', file, '--json']);
    expect(result.code, result.stderr).toBe(0);
    const summary = JSON.parse(result.stdout);
    expect(summary.endedBy).toBe('seconds');
    expect(summary.framesWritten).toBeGreaterThan(0);
    const probe = await probeStream(await readFile(file), 'mjpeg');
    expect(Number(probe.nb_read_frames)).toBe(summary.framesWritten);
  });
});

describe('webuvc stream exit codes', () => {
  const usage: Array<[string, string[], RegExp]> = [
    ['a bad --frames', ['--frames', 'many'], /--frames wants a positive integer/],
    ['a bad --seconds', ['--seconds', '0'], /--seconds wants a positive number/],
    ['--frames with --seconds', ['--frames', '3', '--seconds', '1'], /not both/],
    ['--json with --to -', ['--json', '--to', '-'], /--json prints on stdout/],
    ['an unknown option', ['--colour'], /Unknown option/],
  ];
  for (const [what, args, message] of usage) {
    it(`exits 2 on ${what}`, async () => {
      const result = await webuvc(['stream', '--virtual', ...args]);
      expect(result.code).toBe(2);
      expect(result.stderr).toMatch(message);
      expect(result.stdout).toBe('');
    });
  }

  it('exits 2 when the file cannot be written', async () => {
    const result = await webuvc(['stream', '--virtual', '--frames', '2', '--to', join(work, 'no', 'such', 'dir.y4m')]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/--to .*dir\.y4m cannot be written: ENOENT/);
  });

  it('exits 2 rather than write video to a terminal', () => {
    const command = `${JSON.stringify(process.execPath)} ${JSON.stringify(cliPath)} stream --virtual --frames 1`;
    const result = spawnSync('script', ['-qec', command, '/dev/null'], { encoding: 'utf8', timeout: 60_000 });
    if (result.error) throw new Error(`script (util-linux) is needed: ${result.error.message}`);
    expect(result.status).toBe(2);
    expect(result.stdout).toMatch(/stdout is a terminal: pipe it into a program/);
  });

  it('exits 3 with 7400101 INVALID_ARGUMENT for a format the camera lacks', async () => {
    const result = await webuvc(['stream', '--virtual', '--format', 'H264', '--frames', '1']);
    expect(result.code).toBe(3);
    expect(result.stderr).toMatch(/error 7400101 INVALID_ARGUMENT: the camera has no such pixel format/);
  });

  it('exits 3 with 7400108 DEVICE_DISABLED when the camera asked for is not attached', async () => {
    const result = await webuvc(['stream', '--device', 'ffff:fffe', '--frames', '1']);
    expect(result.code).toBe(3);
    expect(result.stderr).toMatch(/error 7400108 DEVICE_DISABLED: no UVC camera is attached/);
  });
});

// ------------------------------------------------------------------------------------------
// MJPEG without Huffman tables (bugs.md §14): the stream carries them.

const JPEG = { PREFIX: 0xff, SOI: 0xd8, EOI: 0xd9, DHT: 0xc4, SOS: 0xda } as const;

/** Marker segments from SOI to the first SOS: [marker, offset, length including the marker]. */
function segments(jpeg: Uint8Array): Array<{ marker: number; offset: number; length: number }> {
  const found: Array<{ marker: number; offset: number; length: number }> = [];
  let at = 2;
  while (at + 4 <= jpeg.length && jpeg[at] === JPEG.PREFIX) {
    const marker = jpeg[at + 1]!;
    const length = 2 + ((jpeg[at + 2]! << 8) | jpeg[at + 3]!);
    found.push({ marker, offset: at, length });
    if (marker === JPEG.SOS) break;
    at += length;
  }
  return found;
}

/** The JPEG with its DHT segments removed, as many UVC cameras send it. */
function withoutDht(jpeg: Uint8Array): Uint8Array {
  const parts: Uint8Array[] = [];
  let from = 0;
  for (const segment of segments(jpeg).filter((s) => s.marker === JPEG.DHT)) {
    parts.push(jpeg.subarray(from, segment.offset));
    from = segment.offset + segment.length;
  }
  parts.push(jpeg.subarray(from));
  return Buffer.concat(parts);
}

/** Split concatenated JPEGs at their EOI markers (entropy-coded data never holds FF D9). */
function splitJpegs(stream: Uint8Array): Uint8Array[] {
  const jpegs: Uint8Array[] = [];
  let start = 0;
  for (let i = 0; i + 1 < stream.length; i++) {
    if (stream[i] === JPEG.PREFIX && stream[i + 1] === JPEG.EOI) {
      jpegs.push(stream.subarray(start, i + 2));
      start = i + 2;
      i++;
    }
  }
  return jpegs;
}

describe('MJPEG frames without Huffman tables', () => {
  it('are written with the standard tables, otherwise byte for byte as the camera encoded them', async () => {
    requireTool('ffmpeg', 'ffmpeg');
    const pattern = createPatternSource();
    const encoded: Uint8Array[] = [];
    const stripped: PayloadSource = {
      frame(format, frame, index) {
        const bytes = pattern.frame(format, frame, index);
        if (format.pixelFormat !== 'MJPEG') return bytes;
        encoded.push(bytes.slice());
        return withoutDht(bytes);
      },
    };
    const camera = await UvcCamera.open(await createVirtualCamera({ payloads: stripped, pace: 'asap' }));
    const chunks: Buffer[] = [];
    const out = new Writable({
      write(chunk: Buffer, _encoding, done) {
        chunks.push(chunk);
        done();
      },
    });
    try {
      const summary = await streamFrames(camera, {
        request: { pixelFormat: 'MJPEG', width: 320, height: 240 },
        frames: 5,
        to: 'memory',
        out,
        ownsOutput: true,
        source: { label: 'virtual camera without DHT', emulated: true },
      });
      expect(summary.framesWritten).toBe(5);
    } finally {
      await camera.close();
    }

    // The camera really sent frames without tables.
    expect(encoded.length).toBeGreaterThanOrEqual(5);
    expect(encoded.every((jpeg) => segments(withoutDht(jpeg)).every((s) => s.marker !== JPEG.DHT))).toBe(true);

    const stream = Buffer.concat(chunks);
    const written = splitJpegs(stream);
    expect(written).toHaveLength(5);
    for (const jpeg of written) {
      expect(segments(jpeg).some((s) => s.marker === JPEG.DHT)).toBe(true);
      // The encoder put the same Annex K tables just before SOS, where the repair inserts them.
      expect(encoded.some((original) => Buffer.compare(Buffer.from(original), Buffer.from(jpeg)) === 0)).toBe(true);
    }
    const decoded = await pipeThrough('ffmpeg', ['-v', 'error', '-f', 'mjpeg', '-i', '-', '-f', 'null', '-'], stream);
    expect(decoded.code, decoded.stderr).toBe(0);
    expect(decoded.stderr).toBe('');
  });
});
