/**
 * The README's camera API example program runs as written (test/helpers/api-example.ts holds
 * it, with the 'webuvc' imports pointing into src/).
 */
import { afterEach, describe, expect, it, vi } from 'vitest';

afterEach(() => {
  vi.restoreAllMocks();
});

describe('README example', () => {
  it('reads five frames, changes the frame rate and takes a photo', async () => {
    const lines: string[] = [];
    vi.spyOn(console, 'log').mockImplementation((line: string) => void lines.push(line));
    const errors = vi.spyOn(console, 'error').mockImplementation(() => undefined);

    await import('./helpers/api-example.js');

    const frames = lines.filter((line) => line.startsWith('frame '));
    expect(frames).toHaveLength(5);
    expect(frames.every((line) => / \d+ bytes at [\d.]+ µs$/.test(line))).toBe(true);
    expect(lines.at(-1)).toMatch(/^photo: 640x480 MJPEG, \d+ bytes$/);
    expect(errors).not.toHaveBeenCalled();
  });
});
