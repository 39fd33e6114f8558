/**
 * YUV4MPEG2 framing of `webuvc stream`: the planes webuvc writes for each UVC format are
 * compared byte for byte with what Debian's ffmpeg makes of the same frame (its rawvideo
 * conversion to the planar format is a lossless rearrangement), and the header's frame rate
 * is checked to be the exact, reduced ratio of the frame interval.
 */
import { describe, expect, it } from 'vitest';

import { isY4mSource, toY4mFrame, y4mFrameLength, y4mFrameRate, y4mHeader } from '../src/cli/y4m.js';
import { CameraError } from '../src/errors.js';
import { pipeThrough, requireTool } from './cli-run.js';

/** Deterministic bytes (xorshift32) standing in for camera samples. */
function samples(length: number, seed: number): Uint8Array {
  const bytes = new Uint8Array(length);
  let state = seed >>> 0 || 1;
  for (let i = 0; i < length; i++) {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    bytes[i] = state & 0xff;
  }
  return bytes;
}

/** ffmpeg's rearrangement of one raw frame into another pixel format. */
async function ffmpegConvert(frame: Uint8Array, from: string, to: string, width: number, height: number): Promise<Buffer> {
  const args = [
    '-v', 'error',
    '-f', 'rawvideo', '-pix_fmt', from, '-s', `${width}x${height}`, '-i', '-',
    '-f', 'rawvideo', '-pix_fmt', to, '-',
  ];
  const result = await pipeThrough('ffmpeg', args, frame);
  if (result.code !== 0) throw new Error(`ffmpeg failed: ${result.stderr}`);
  return result.stdout;
}

const CASES = [
  { format: 'YUYV', ffmpegIn: 'yuyv422', ffmpegOut: 'yuv422p', bytesPerPixel: 2 },
  { format: 'UYVY', ffmpegIn: 'uyvy422', ffmpegOut: 'yuv422p', bytesPerPixel: 2 },
  { format: 'NV12', ffmpegIn: 'nv12', ffmpegOut: 'yuv420p', bytesPerPixel: 1.5 },
  { format: 'I420', ffmpegIn: 'yuv420p', ffmpegOut: 'yuv420p', bytesPerPixel: 1.5 },
  { format: 'GRAY8', ffmpegIn: 'gray', ffmpegOut: 'gray', bytesPerPixel: 1 },
] as const;

describe('YUV4MPEG2 planes', () => {
  for (const { format, ffmpegIn, ffmpegOut, bytesPerPixel } of CASES) {
    for (const [width, height] of [[64, 48], [320, 240]] as const) {
      it(`${format} ${width}x${height} become the planes ffmpeg makes (${ffmpegIn} → ${ffmpegOut})`, async () => {
        requireTool('ffmpeg', 'ffmpeg');
        const frame = samples(width * height * bytesPerPixel, width * 31 + height);
        const ours = toY4mFrame(frame, { pixelFormat: format, width, height });
        const theirs = await ffmpegConvert(frame, ffmpegIn, ffmpegOut, width, height);
        expect(ours.length).toBe(theirs.length);
        expect(Buffer.compare(Buffer.from(ours), theirs)).toBe(0);
      });
    }
  }

  // Odd sizes: chroma planes round up, as UVC's do (packed 4:2:2 has no odd widths in rawvideo).
  for (const { format, ffmpegIn, ffmpegOut } of CASES.filter((c) => c.bytesPerPixel !== 2)) {
    it(`${format} 33x17 (odd) becomes the planes ffmpeg makes`, async () => {
      requireTool('ffmpeg', 'ffmpeg');
      const [width, height] = [33, 17];
      const chroma = format === 'GRAY8' ? 0 : 2 * Math.ceil(width / 2) * Math.ceil(height / 2);
      const frame = samples(width * height + chroma, 99);
      const ours = toY4mFrame(frame, { pixelFormat: format, width, height });
      const theirs = await ffmpegConvert(frame, ffmpegIn, ffmpegOut, width, height);
      expect(Buffer.compare(Buffer.from(ours), theirs)).toBe(0);
    });
  }

  it('YV12 swaps its chroma planes into Cb, Cr order (checked against ffmpeg reading it as I420 with the planes swapped)', async () => {
    requireTool('ffmpeg', 'ffmpeg');
    const [width, height] = [64, 48];
    const luma = width * height;
    const chroma = luma / 4;
    const i420 = samples(luma + 2 * chroma, 7);
    const yv12 = new Uint8Array(i420.length);
    yv12.set(i420.subarray(0, luma));
    yv12.set(i420.subarray(luma + chroma), luma);
    yv12.set(i420.subarray(luma, luma + chroma), luma + chroma);
    const ours = toY4mFrame(yv12, { pixelFormat: 'YV12', width, height });
    const theirs = await ffmpegConvert(i420, 'yuv420p', 'yuv420p', width, height);
    expect(Buffer.compare(Buffer.from(ours), theirs)).toBe(0);
  });

  it('fills a caller buffer and refuses short frames and small buffers with 7400101', () => {
    const layout = { pixelFormat: 'YUYV', width: 8, height: 2 } as const;
    const out = new Uint8Array(y4mFrameLength(8, 2, '422'));
    expect(toY4mFrame(samples(32, 3), layout, out)).toBe(out);
    expect(() => toY4mFrame(samples(31, 3), layout)).toThrow(CameraError);
    expect(() => toY4mFrame(samples(32, 3), layout, new Uint8Array(31))).toThrow(/7400101|too small/);
  });

  it('knows which UVC formats it can write', () => {
    expect(['YUYV', 'UYVY', 'NV12', 'I420', 'YV12', 'GRAY8'].every((f) => isY4mSource(f as never))).toBe(true);
    expect(['MJPEG', 'H264', 'RGB24', 'toString'].some((f) => isY4mSource(f as never))).toBe(false);
  });
});

describe('YUV4MPEG2 header', () => {
  function gcd(a: bigint, b: bigint): bigint {
    return b === 0n ? a : gcd(b, a % b);
  }

  it('states the frame rate as the exact reduced ratio of each interval', () => {
    for (const interval of [333333, 400000, 500000, 666666, 1000000, 2000000, 166666, 417083]) {
      const { numerator, denominator } = y4mFrameRate(interval);
      // numerator / denominator == 10^7 / interval, in lowest terms.
      expect(BigInt(numerator) * BigInt(interval)).toBe(10_000_000n * BigInt(denominator));
      expect(gcd(BigInt(numerator), BigInt(denominator))).toBe(1n);
    }
  });

  it('writes the parameters ffmpeg reads', () => {
    const header = y4mHeader({ width: 640, height: 480, frameInterval: 400000, colourSpace: '422' });
    expect(header).toBe('YUV4MPEG2 W640 H480 F25:1 Ip A1:1 C422 XCOLORRANGE=LIMITED\n');
    expect(() => y4mFrameRate(0)).toThrow(CameraError);
  });
});
