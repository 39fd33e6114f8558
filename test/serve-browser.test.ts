/**
 * The live preview in a real browser: the built `webuvc serve --virtual` driven by
 * Playwright (playwright-core) in Debian's Chromium. The page must show frames (the image has
 * a size and the delivered counter grows), list the formats, switch format, and change the
 * camera's brightness when its slider moves, as read back through the server's JSON API.
 *
 * Chromium comes from Debian's `chromium` package (`/usr/bin/chromium`, or WEBUVC_CHROMIUM);
 * Playwright never downloads a browser here.
 */
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { startWebuvc } from './cli-run.js';

const CHROMIUM = process.env.WEBUVC_CHROMIUM ?? '/usr/bin/chromium';

/** Flags for a headless Chromium as root in a machine with no network but loopback. */
const CHROMIUM_FLAGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

let server: ReturnType<typeof startWebuvc>;
let serverLog = '';
let url: string;
let profile: string;
let context: BrowserContext;
let page: Page;
const pageErrors: string[] = [];

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`Chromium is not installed at ${CHROMIUM}: apt-get install -y chromium (or set WEBUVC_CHROMIUM)`);
  }
  server = startWebuvc(['serve', '--virtual', '--port', '0', '--json']);
  server.stderr.on('data', (chunk: Buffer) => {
    serverLog += chunk.toString('utf8');
  });
  const line = await new Promise<string>((resolve, reject) => {
    let stdout = '';
    server.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString('utf8');
      if (stdout.includes('\n')) resolve(stdout.split('\n')[0]!);
    });
    server.once('close', (code) => reject(new Error(`webuvc serve ended (${code}): ${serverLog}`)));
  });
  url = JSON.parse(line).url;

  profile = await mkdtemp(join(tmpdir(), 'webuvc-chromium-'));
  context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: CHROMIUM_FLAGS,
  });
  page = await context.newPage();
  page.on('pageerror', (error) => pageErrors.push(error.message));
  page.on('console', (message) => {
    if (message.type() === 'error') pageErrors.push(message.text());
  });
  await page.goto(url);
}, 60_000);

afterAll(async () => {
  await context?.close();
  if (server && server.exitCode === null) {
    server.kill('SIGTERM');
    await once(server, 'close');
  }
  if (profile) await rm(profile, { recursive: true, force: true });
});

/** A control as the server's JSON API reads it from the camera. */
async function serverControl(name: string): Promise<{ current: number; min: number; max: number; step: number }> {
  const answer = await fetch(`${url}api/controls/${name}`);
  expect(answer.status).toBe(200);
  return ((await answer.json()) as { control: { current: number; min: number; max: number; step: number } }).control;
}

/** Poll the server until `check` holds; the last value is returned either way. */
async function eventually<T>(read: () => Promise<T>, check: (value: T) => boolean): Promise<T> {
  let value = await read();
  for (let attempt = 0; attempt < 100 && !check(value); attempt++) {
    await new Promise((resolve) => setTimeout(resolve, 50));
    value = await read();
  }
  return value;
}

async function delivered(): Promise<number> {
  return Number(await page.locator('#frames-delivered').textContent());
}

describe('webuvc serve in Chromium', () => {
  it('shows the live picture and counts frames as they arrive', async () => {
    await page.waitForFunction(() => (document.getElementById('live') as HTMLImageElement).naturalWidth > 0);
    const size = await page.evaluate(() => {
      const image = document.getElementById('live') as HTMLImageElement;
      return [image.naturalWidth, image.naturalHeight];
    });
    expect(size).toEqual([640, 480]);

    await page.waitForFunction(() => Number(document.getElementById('frames-delivered')!.textContent) > 0);
    const first = await delivered();
    await page.waitForFunction(
      (before) => Number(document.getElementById('frames-delivered')!.textContent) > before,
      first,
    );
    expect(await delivered()).toBeGreaterThan(first);
    await page.waitForFunction(() => Number(document.getElementById('viewers')!.textContent) >= 1);
    expect(await page.locator('#stat-format').textContent()).toBe('MJPEG 640x480');
  });

  it('lists every format and frame size of the camera', async () => {
    const camera = (await (await fetch(`${url}api/camera`)).json()) as {
      info: { functions: Array<{ streaming: Array<{ formats: Array<{ frames: unknown[] }> }> }> };
    };
    const frames = camera.info.functions[0]!.streaming[0]!.formats.reduce((sum, f) => sum + f.frames.length, 0);
    await page.waitForFunction(() => document.querySelectorAll('#formats tbody tr').length > 0);
    expect(await page.locator('#formats tbody tr').count()).toBe(frames);
    expect(await page.locator('#source').textContent()).toMatch(/virtual camera \(emulated\)/);
  });

  it('changes brightness on the camera when its slider moves (keyboard)', async () => {
    const slider = page.locator('input[type=range][data-control="brightness"]');
    await slider.waitFor();
    const before = await serverControl('brightness');
    expect(Number(await slider.inputValue())).toBe(before.current);

    const presses = 5;
    const expected = Math.min(before.max, before.current + presses * before.step);
    await slider.focus();
    for (let i = 0; i < presses; i++) await page.keyboard.press('ArrowRight');
    expect(Number(await slider.inputValue())).toBe(expected);

    const after = await eventually(() => serverControl('brightness'), (c) => c.current === expected);
    expect(after.current).toBe(expected);
    await page.waitForFunction(
      (value) => document.querySelector('output[data-value-of="brightness"]')!.textContent === String(value),
      expected,
    );
  });

  it('changes brightness on the camera when its slider is clicked (mouse)', async () => {
    const slider = page.locator('input[type=range][data-control="brightness"]');
    const box = await slider.boundingBox();
    expect(box).not.toBeNull();
    const before = await serverControl('brightness');
    await page.mouse.click(box!.x + box!.width * 0.2, box!.y + box!.height / 2);
    const moved = Number(await slider.inputValue());
    expect(moved).not.toBe(before.current);
    const after = await eventually(() => serverControl('brightness'), (c) => c.current === moved);
    expect(after.current).toBe(moved);
  });

  it('switches to another format from the form', async () => {
    await page.selectOption('#format-select', 'YUYV');
    await page.selectOption('#size-select', '320x240');
    await page.click('#apply-stream');
    await page.waitForFunction(() => document.getElementById('stat-format')!.textContent === 'YUYV 320x240');
    await page.waitForFunction(() => (document.getElementById('live') as HTMLImageElement).naturalWidth === 320);
    const first = await delivered();
    await page.waitForFunction(
      (before) => Number(document.getElementById('frames-delivered')!.textContent) > before,
      first,
    );
    expect(await page.locator('#stream-message').textContent()).toBe('');
  });

  it('ran without script errors', () => {
    expect(pageErrors).toEqual([]);
  });
});
