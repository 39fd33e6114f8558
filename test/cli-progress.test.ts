/**
 * The progress bar: drawn on a terminal, redrawn at most every render interval, erased at
 * the end, never written where stdout or stderr is not a terminal or JSON is printed; and the
 * built CLI under a pseudo-terminal (`script` from util-linux) and with pipes.
 */
import { spawnSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { Progress, RENDER_INTERVAL_MS, progressWanted } from '../src/cli/progress.js';
import { cliPath, webuvc } from './cli-run.js';

const ERASE = '\r\x1b[2K';

/** A terminal stand-in that records what is written. */
function terminal(columns = 60, isTTY = true): { isTTY: boolean; columns: number; writes: string[]; write(text: string): boolean } {
  const writes: string[] = [];
  return {
    isTTY,
    columns,
    writes,
    write(text: string) {
      writes.push(text);
      return true;
    },
  };
}

let work: string;
beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'webuvc-progress-'));
});
afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

describe('Progress', () => {
  it('draws label, bar, percentage and counts within the terminal width', () => {
    const target = terminal(60);
    const progress = new Progress({ label: 'capture', total: 20, unit: 'frames', target, enabled: true, now: () => 0 });
    progress.update(5);
    expect(target.writes).toHaveLength(1);
    const line = target.writes[0]!;
    expect(line.startsWith(ERASE)).toBe(true);
    const text = line.slice(ERASE.length);
    expect(text.length).toBeLessThanOrEqual(59);
    const match = /^capture \[(#*)(-*)\]\s+(\d+)% 5\/20 frames$/.exec(text);
    expect(match, text).not.toBeNull();
    const [, done, todo, percent] = match!;
    expect(Number(percent)).toBe(25);
    expect(done!.length / (done!.length + todo!.length)).toBeCloseTo(0.25, 1);
  });

  it('redraws no more often than the render interval', () => {
    let now = 0;
    const target = terminal();
    const progress = new Progress({ label: 'x', total: 100, target, enabled: true, now: () => now });
    progress.update(1);
    now += RENDER_INTERVAL_MS / 2;
    progress.update(2);
    expect(target.writes).toHaveLength(1);
    now += RENDER_INTERVAL_MS;
    progress.update(3);
    expect(target.writes).toHaveLength(2);
    expect(target.writes[1]).toMatch(/ 3\/100$/);
  });

  it('erases itself at the end and draws nothing after', () => {
    let now = 0;
    const target = terminal();
    const progress = new Progress({ label: 'x', total: 10, target, enabled: true, now: () => (now += RENDER_INTERVAL_MS) });
    progress.update(4);
    progress.finish();
    progress.update(5);
    progress.finish();
    expect(target.writes).toEqual([expect.stringContaining('4/10'), ERASE]);
  });

  it('gets out of the way of other output and comes back', () => {
    const target = terminal();
    const progress = new Progress({ label: 'bench', unit: 's', target, enabled: true, now: () => 0 });
    progress.update(2.5);
    progress.interrupt(() => target.writes.push('table\n'));
    expect(target.writes).toEqual([`${ERASE}bench 2.5 s`, ERASE, 'table\n', `${ERASE}bench 2.5 s`]);
  });

  it('never writes to something that is not a terminal, even when asked to', () => {
    const target = terminal(80, false);
    const progress = new Progress({ label: 'x', total: 2, target, enabled: true });
    progress.update(1);
    progress.interrupt(() => undefined);
    progress.finish();
    expect(progress.enabled).toBe(false);
    expect(target.writes).toEqual([]);
  });

  it('is wanted only when stdout and stderr are terminals and no JSON is printed', () => {
    const tty = { isTTY: true };
    const pipe = { isTTY: false };
    expect(progressWanted(false, { stdout: tty, stderr: tty })).toBe(true);
    expect(progressWanted(true, { stdout: tty, stderr: tty })).toBe(false);
    expect(progressWanted(false, { stdout: pipe, stderr: tty })).toBe(false);
    expect(progressWanted(false, { stdout: tty, stderr: pipe })).toBe(false);
  });
});

describe('progress in the built CLI', () => {
  it('shows on a terminal while capturing and is erased before the summary', () => {
    const out = join(work, 'tty');
    const command = `${JSON.stringify(process.execPath)} ${JSON.stringify(cliPath)} capture --virtual --frames 12 --out ${JSON.stringify(out)}`;
    const result = spawnSync('script', ['-qec', command, '/dev/null'], { encoding: 'utf8', timeout: 60_000 });
    if (result.error) throw new Error(`script (util-linux) is needed: ${result.error.message}`);
    expect(result.status, result.stdout).toBe(0);
    expect(result.stdout).toContain(`${ERASE}webuvc capture [`);
    expect(result.stdout).toMatch(/\/12 frames/);
    // The last drawing is erased, then the summary follows.
    const lastBar = result.stdout.lastIndexOf('webuvc capture [');
    const summary = result.stdout.indexOf('captured 12 frames');
    expect(result.stdout.indexOf(ERASE, lastBar)).toBeLessThan(summary);
  });

  it('leaves piped output and JSON untouched', async () => {
    const plain = await webuvc(['capture', '--virtual', '--frames', '6', '--out', join(work, 'pipe')]);
    const json = await webuvc(['capture', '--virtual', '--frames', '6', '--out', join(work, 'json'), '--json']);
    for (const result of [plain, json]) {
      expect(result.code, result.stderr).toBe(0);
      expect(result.stdout + result.stderr).not.toMatch(/\r|\x1b/);
    }
    expect(JSON.parse(json.stdout).files).toHaveLength(6);
  });
});
