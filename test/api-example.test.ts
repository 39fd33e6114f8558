/**
 * The README's camera API example program runs as written: the test takes the program from the
 * README's "The camera API" section, writes it beside the package (where `'webuvc'` resolves
 * to the package itself, as in a user's project) and runs it.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterEach, describe, expect, it, vi } from 'vitest';

import { projectRoot } from './fixtures.js';

afterEach(() => {
  vi.restoreAllMocks();
});

/** The first TypeScript block of the README section headed `heading`. */
function readmeProgram(heading: string): string {
  const readme = readFileSync(join(projectRoot, 'README.md'), 'utf8');
  const section = readme.slice(readme.indexOf(`## ${heading}`));
  const block = /```ts\n([\s\S]*?)```/.exec(section);
  if (!block?.[1]) throw new Error(`no ts block under "${heading}" in README.md`);
  return block[1];
}

describe('README example', () => {
  it('reads five frames, changes the frame rate and takes a photo', async () => {
    const program = readmeProgram('The camera API');
    expect(program).toMatch(/from 'webuvc';/);
    const folder = join(projectRoot, 'node_modules', '.cache', 'webuvc-readme');
    mkdirSync(folder, { recursive: true });
    const file = join(folder, 'camera-api-example.ts');
    writeFileSync(file, program);

    const lines: string[] = [];
    vi.spyOn(console, 'log').mockImplementation((line: string) => void lines.push(line));
    const errors = vi.spyOn(console, 'error').mockImplementation(() => undefined);

    await import(pathToFileURL(file).href);

    const frames = lines.filter((line) => line.startsWith('frame '));
    expect(frames).toHaveLength(5);
    expect(frames.every((line) => / \d+ bytes at [\d.]+ µs$/.test(line))).toBe(true);
    expect(lines.at(-1)).toMatch(/^photo: 640x480 MJPEG, \d+ bytes$/);
    expect(errors).not.toHaveBeenCalled();
  });
});
