/**
 * Every `webuvc` command as the shell sees it: `--help` with examples, `--json` that parses,
 * and exit codes that tell usage errors (2) from camera errors (3, with the 7400xxx code and
 * its name on stderr). Streaming, serving and doctor have their own tests too
 * (cli-stream, serve, doctor); this file checks the shared conventions across all commands.
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

import { COMMAND_HELP } from '../src/cli/help.js';
import { webuvc } from './cli-run.js';
import { projectRoot } from './fixtures.js';

/** The commands the general usage lists (`webuvc NAME ...` lines). */
async function listedCommands(): Promise<string[]> {
  const usage = await webuvc(['--help']);
  expect(usage.code).toBe(0);
  return [...usage.stdout.matchAll(/^ {2}webuvc ([a-z]+) /gm)].map((m) => m[1]!).filter((name, i, all) => all.indexOf(name) === i);
}

describe('webuvc itself', () => {
  it('prints the usage and exits 2 without a command, 0 with --help', async () => {
    const bare = await webuvc([]);
    expect(bare.code).toBe(2);
    expect(bare.stdout).toMatch(/^webuvc: a userspace UVC camera driver/);
    const help = await webuvc(['--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/Exit codes: 0 success, 1 unexpected failure, 2 usage error, 3 camera error/);
  });

  it('exits 2 on an unknown command', async () => {
    const result = await webuvc(['photograph']);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/unknown command "photograph"/);
  });
});

describe('webuvc COMMAND --help', () => {
  it('every command the usage lists answers --help with exit 0', async () => {
    const commands = await listedCommands();
    expect(commands).toEqual(expect.arrayContaining(['list', 'info', 'capture', 'controls', 'stream', 'serve', 'doctor', 'bench']));
    for (const command of commands) {
      const result = await webuvc([command, '--help']);
      expect(result.code, command).toBe(0);
      expect(result.stdout, command).toMatch(new RegExp(`webuvc ${command}`));
    }
  });

  for (const [command, text] of Object.entries(COMMAND_HELP)) {
    it(`${command}: its own help, with examples that call it`, async () => {
      const result = await webuvc([command, '-h']);
      expect(result.code).toBe(0);
      expect(result.stdout).toBe(text + '\n');
      const examples = text.split('Examples:\n')[1];
      expect(examples, 'an Examples section').toBeDefined();
      expect(examples!).toMatch(new RegExp(`^ {2}webuvc ${command}`, 'm'));
      expect(text).toMatch(/Exit codes: 0 success/);
    });
  }

  it('points usage errors at the command\'s help', async () => {
    const result = await webuvc(['capture', '--frames', 'many']);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/\(see webuvc capture --help\)/);
  });
});

describe('exit codes and --json of each command', () => {
  it('list: 0 with JSON, 2 on a usage error', async () => {
    const ok = await webuvc(['list', '--json']);
    expect(ok.code, ok.stderr).toBe(0);
    expect(Array.isArray(JSON.parse(ok.stdout))).toBe(true);
    expect((await webuvc(['list', '--virtual'])).code).toBe(2);
  });

  it('info: 0 with JSON, 2 on a usage error, 3 with 7400108 for a camera that is not there', async () => {
    const ok = await webuvc(['info', '--virtual', '--json']);
    expect(ok.code, ok.stderr).toBe(0);
    expect(JSON.parse(ok.stdout).vendorId).toBe(0x1209);
    const usage = await webuvc(['info', '--device', 'logitech']);
    expect(usage.code).toBe(2);
    expect(usage.stderr).toMatch(/--device wants VID:PID/);
    const missing = await webuvc(['info', '--device', 'ffff:fffe']);
    expect(missing.code).toBe(3);
    expect(missing.stderr).toMatch(/error 7400108 DEVICE_DISABLED: no UVC camera is attached/);
  });

  it('capture: 2 on a bad --image or --size', async () => {
    for (const args of [['--image', 'gif'], ['--size', 'large']]) {
      const result = await webuvc(['capture', '--virtual', ...args]);
      expect(result.code, args.join(' ')).toBe(2);
    }
  });

  it('controls: 0 with JSON, 2 on a malformed --set, 3 with 7400101 for an unknown control or a value out of range', async () => {
    const ok = await webuvc(['controls', '--virtual', '--json']);
    expect(ok.code, ok.stderr).toBe(0);
    expect(JSON.parse(ok.stdout).some((c: { name: string }) => c.name === 'brightness')).toBe(true);
    expect((await webuvc(['controls', '--virtual', '--set', 'brightness'])).code).toBe(2);
    for (const set of ['warpDrive=1', 'brightness=100000']) {
      const result = await webuvc(['controls', '--virtual', '--set', set]);
      expect(result.code, set).toBe(3);
      expect(result.stderr).toMatch(/error 7400101 INVALID_ARGUMENT/);
    }
  });

  it('bench: lists the benchmarks of bench/ as JSON, 2 for one that does not exist', async () => {
    // Only listing: running a benchmark here would rewrite its committed results.
    const listed = await webuvc(['bench', '--list', '--json']);
    expect(listed.code, listed.stderr).toBe(0);
    const files = readdirSync(join(projectRoot, 'bench'))
      .filter((f) => f.endsWith('.mjs') && f !== 'lib.mjs')
      .map((f) => f.slice(0, -'.mjs'.length))
      .sort();
    expect(JSON.parse(listed.stdout)).toEqual(files);
    const unknown = await webuvc(['bench', 'warp-speed']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(new RegExp(`no benchmark named warp-speed; there are: ${files.join(', ')}`));
  });
});
