/**
 * `webuvc serve` without a browser: the HTTP server against the virtual camera in this
 * process (the live MJPEG parts decoded with sharp, the JSON API, control changes read back
 * with a raw GET_CUR to the processing unit), who may talk to it, and the built command's
 * start-up, warning, shutdown and exit codes.
 */
import { once } from 'node:events';
import { request, type IncomingMessage, type Server } from 'node:http';
import { createServer as createNetServer } from 'node:net';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { describeCamera } from '../src/camera/describe.js';
import { UvcCamera } from '../src/camera/uvc-camera.js';
import { changeAllowed, hostHeaderAllowed, hostOfHeader, isLoopbackHost } from '../src/cli/serve/hosts.js';
import { LiveStream } from '../src/cli/serve/live.js';
import { MJPEG_BOUNDARY, createServeServer } from '../src/cli/serve/server.js';
import { createVirtualCamera } from '../src/usb/virtual-camera.js';
import { UVC_REQ } from '../src/uvc/constants.js';
import { startWebuvc, webuvc } from './cli-run.js';
import { fixturesDir } from './fixtures.js';

let camera: UvcCamera;
let live: LiveStream;
let server: Server;
let port: number;

beforeAll(async () => {
  camera = await UvcCamera.open(await createVirtualCamera());
  live = new LiveStream(camera);
  await live.start({ pixelFormat: 'MJPEG' });
  server = createServeServer({
    live,
    controls: camera.controls,
    camera: { source: 'virtual camera (test)', emulated: true, info: describeCamera(camera.model) },
    loopbackOnly: true,
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  port = (server.address() as AddressInfo).port;
});

afterAll(async () => {
  server.closeAllConnections();
  server.close();
  await live.stop();
  await camera.close();
});

interface Answer {
  status: number;
  headers: IncomingMessage['headers'];
  body: Buffer;
}

/** One HTTP request with full control over the headers (fetch forbids setting Host). */
function http(method: string, path: string, options: { headers?: Record<string, string>; body?: string } = {}): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, method, path, headers: { Host: `127.0.0.1:${port}`, ...options.headers } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
    });
    req.on('error', reject);
    req.end(options.body);
  });
}

async function json(method: string, path: string, body?: unknown): Promise<{ status: number; data: any }> {
  const answer = await http(method, path, body === undefined ? {} : { headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
  return { status: answer.status, data: JSON.parse(answer.body.toString('utf8')) };
}

/** Read `count` JPEG parts of `/stream.mjpg`, then hang up. */
function mjpegParts(count: number): Promise<{ contentType: string; parts: Buffer[] }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path: '/stream.mjpg', headers: { Host: `localhost:${port}` } }, (res) => {
      let buffered = Buffer.alloc(0);
      const parts: Buffer[] = [];
      res.on('data', (chunk: Buffer) => {
        buffered = Buffer.concat([buffered, chunk]);
        for (;;) {
          const head = buffered.indexOf('\r\n\r\n');
          if (head < 0) return;
          const header = buffered.subarray(0, head).toString('latin1');
          expect(header.startsWith(`--${MJPEG_BOUNDARY}\r\n`)).toBe(true);
          const length = Number(/Content-Length: (\d+)/i.exec(header)?.[1]);
          expect(header).toMatch(/Content-Type: image\/jpeg/);
          if (buffered.length < head + 4 + length + 2) return;
          parts.push(Buffer.from(buffered.subarray(head + 4, head + 4 + length)));
          buffered = buffered.subarray(head + 4 + length + 2);
          if (parts.length === count) {
            req.destroy();
            resolve({ contentType: String(res.headers['content-type']), parts });
            return;
          }
        }
      });
    });
    req.on('error', (error) => {
      if ((error as NodeJS.ErrnoException).code !== 'ECONNRESET') reject(error);
    });
    req.end();
  });
}

/** Poll until `check` holds (bounded: the test fails with the last value, not on a timer assertion). */
async function eventually<T>(read: () => Promise<T>, check: (value: T) => boolean, attempts = 100): Promise<T> {
  let value = await read();
  for (let i = 0; i < attempts && !check(value); i++) {
    await new Promise((resolve) => setTimeout(resolve, 50));
    value = await read();
  }
  return value;
}

/** GET_CUR of a control straight from the device, past the control layer (UVC 1.5 §4.2.1). */
async function rawGetCur(entityId: number, selector: number, length: number): Promise<DataView> {
  const result = await camera.device.controlTransferIn(
    {
      requestType: 'class',
      recipient: 'interface',
      request: UVC_REQ.GET_CUR,
      value: selector << 8,
      index: (entityId << 8) | camera.videoFunction.videoControl.bInterfaceNumber,
    },
    length,
  );
  expect(result.status).toBe('ok');
  return result.data!;
}

describe('the page and the live picture', () => {
  it('serves the page, its script and style under a strict Content-Security-Policy', async () => {
    const page = await http('GET', '/');
    expect(page.status).toBe(200);
    expect(page.headers['content-type']).toMatch(/text\/html/);
    expect(page.headers['content-security-policy']).toMatch(/default-src 'self'/);
    const html = page.body.toString('utf8');
    expect(html).toMatch(/<img id="live" src="\/stream.mjpg"/);
    expect(html).toMatch(/<script src="\/app.js"><\/script>/);
    expect(html).not.toMatch(/<script>/);
    expect((await http('GET', '/app.js')).headers['content-type']).toMatch(/javascript/);
    expect((await http('GET', '/app.css')).headers['content-type']).toMatch(/text\/css/);
  });

  it('streams multipart JPEG parts that decode at the streamed size and change from frame to frame', async () => {
    const { contentType, parts } = await mjpegParts(3);
    expect(contentType).toBe(`multipart/x-mixed-replace; boundary=${MJPEG_BOUNDARY}`);
    for (const part of parts) {
      const meta = await sharp(part).metadata();
      expect([meta.format, meta.width, meta.height]).toEqual(['jpeg', 640, 480]);
    }
    expect(Buffer.compare(parts[0]!, parts[2]!)).not.toBe(0);
  });

  it('answers a snapshot as one JPEG', async () => {
    const answer = await http('GET', '/snapshot.jpg');
    expect(answer.status).toBe(200);
    expect(answer.headers['content-type']).toBe('image/jpeg');
    expect((await sharp(answer.body).metadata()).width).toBe(640);
  });
});

describe('the JSON API', () => {
  it('describes the camera: its source, formats and what streams now', async () => {
    const { status, data } = await json('GET', '/api/camera');
    expect(status).toBe(200);
    expect(data.source).toBe('virtual camera (test)');
    const formats = data.info.functions[0].streaming[0].formats.map((f: { pixelFormat: string }) => f.pixelFormat);
    expect(formats).toEqual(describeCamera(camera.model).functions[0]!.streaming[0]!.formats.map((f) => f.pixelFormat));
    expect(data.format).toMatchObject({ pixelFormat: 'MJPEG', width: 640, height: 480, previewable: true });
  });

  it('counts delivered frames as they arrive and measures the rate', async () => {
    const first = (await json('GET', '/api/stats')).data;
    const later = await eventually(
      async () => (await json('GET', '/api/stats')).data,
      (stats) => stats.counters.framesDelivered > first.counters.framesDelivered && stats.measuredFps > 0,
    );
    expect(later.running).toBe(true);
    expect(later.counters.framesDelivered).toBeGreaterThan(first.counters.framesDelivered);
    expect(later.measuredFps).toBeGreaterThan(0);
    expect(later.counters).toHaveProperty('framesDropped');
  });

  it('sets brightness with SET_CUR on the processing unit and reads it back with GET_CUR', async () => {
    const before = (await json('GET', '/api/controls/brightness')).data.control;
    expect(before).toMatchObject({ entity: 'processing', kind: 'integer', supported: true });
    const target = before.current === before.max ? before.min : before.current + before.step;

    const { status, data } = await json('PUT', '/api/controls/brightness', { value: target });
    expect(status, JSON.stringify(data)).toBe(200);
    expect(data.control.current).toBe(target);
    const raw = await rawGetCur(before.entityId, before.selector, 2);
    expect(raw.getInt16(0, true)).toBe(target);
    expect((await json('GET', '/api/controls')).data.find((c: { name: string }) => c.name === 'brightness').current).toBe(target);
  });

  it('takes menu entries by name', async () => {
    const { status, data } = await json('PUT', '/api/controls/powerLineFrequency', { value: '50Hz' });
    expect(status, JSON.stringify(data)).toBe(200);
    const entry = data.control.menu.find((m: { name: string }) => m.name === '50Hz');
    expect(data.control.current).toBe(entry.value);
  });

  it('answers camera refusals with their 7400xxx code', async () => {
    const brightness = (await json('GET', '/api/controls/brightness')).data.control;
    const outside = await json('PUT', '/api/controls/brightness', { value: brightness.max + 1 });
    expect(outside.status).toBe(400);
    expect(outside.data.error).toMatchObject({ code: 7400101, name: 'INVALID_ARGUMENT' });

    const unknown = await json('GET', '/api/controls/warpDrive');
    expect(unknown.status).toBe(400);
    expect(unknown.data.error.code).toBe(7400101);

    const badBody = await json('PUT', '/api/controls/brightness', { value: [1, 2] });
    expect(badBody.status).toBe(400);
  });

  it('switches format on request, converting uncompressed frames for the picture', async () => {
    const { status, data } = await json('PUT', '/api/stream', { pixelFormat: 'YUYV', width: 320, height: 240, fps: 15 });
    expect(status, JSON.stringify(data)).toBe(200);
    expect(data.format).toMatchObject({ pixelFormat: 'YUYV', width: 320, height: 240, fps: 15 });
    const { parts } = await mjpegParts(2);
    const meta = await sharp(parts[1]!).metadata();
    expect([meta.format, meta.width, meta.height]).toEqual(['jpeg', 320, 240]);

    const refused = await json('PUT', '/api/stream', { pixelFormat: 'H264' });
    expect(refused.status).toBe(400);
    expect(refused.data.error).toMatchObject({ code: 7400101, name: 'INVALID_ARGUMENT' });
    // The previous stream runs again.
    const stats = (await json('GET', '/api/stats')).data;
    expect(stats.running).toBe(true);
    expect(stats.format.pixelFormat).toBe('YUYV');

    expect((await json('PUT', '/api/stream', { pixelFormat: 'MJPEG' })).status).toBe(200);
  });

  it('answers unknown paths with 404 and wrong methods with 405', async () => {
    expect((await http('GET', '/nothing')).status).toBe(404);
    const wrong = await http('DELETE', '/api/stats', { headers: { 'Content-Type': 'application/json' } });
    expect(wrong.status).toBe(405);
    expect(wrong.headers.allow).toBe('GET');
    // Without a JSON body too: the method is wrong before anything is a change.
    const bare = await http('OPTIONS', '/api/controls/brightness');
    expect(bare.status).toBe(405);
    expect(bare.headers.allow).toBe('GET, PUT');
  });
});

describe('who may talk to the server', () => {
  it('refuses Host names that are not loopback (DNS rebinding)', async () => {
    expect((await http('GET', '/api/stats', { headers: { Host: 'attacker.example' } })).status).toBe(403);
    expect((await http('GET', '/api/stats', { headers: { Host: `attacker.example:${port}` } })).status).toBe(403);
    expect((await http('GET', '/api/stats', { headers: { Host: `localhost:${port}` } })).status).toBe(200);
    expect((await http('GET', '/api/stats', { headers: { Host: `[::1]:${port}` } })).status).toBe(200);
  });

  it('takes changes only as JSON and only from its own origin', async () => {
    const body = JSON.stringify({ value: 100 });
    const form = await http('PUT', '/api/controls/brightness', { headers: { 'Content-Type': 'application/x-www-form-urlencoded' }, body });
    expect(form.status).toBe(415);
    const foreign = await http('PUT', '/api/controls/brightness', {
      headers: { 'Content-Type': 'application/json', Origin: 'http://attacker.example' },
      body,
    });
    expect(foreign.status).toBe(403);
    const own = await http('PUT', '/api/controls/brightness', {
      headers: { 'Content-Type': 'application/json', Origin: `http://127.0.0.1:${port}` },
      body,
    });
    expect(own.status).toBe(200);
  });

  it('tells loopback names and addresses from others', () => {
    for (const host of ['127.0.0.1', '127.8.9.10', 'localhost', 'LOCALHOST', '::1', '[::1]', 'cam.localhost', '::ffff:127.0.0.1']) {
      expect(isLoopbackHost(host), host).toBe(true);
    }
    for (const host of ['0.0.0.0', '192.168.1.2', '::', 'example.com', 'localhost.example.com', '128.0.0.1']) {
      expect(isLoopbackHost(host), host).toBe(false);
    }
    expect(hostOfHeader('[::1]:8080')).toBe('[::1]');
    expect(hostOfHeader('localhost')).toBe('localhost');
    expect(hostHeaderAllowed(undefined, true)).toBe(false);
    expect(hostHeaderAllowed('anything.example', false)).toBe(true);
    expect(changeAllowed({ host: 'a:1', 'content-type': 'application/json; charset=utf-8' })).toEqual({ allowed: true });
    expect(changeAllowed({ host: 'a:1', origin: 'null', 'content-type': 'application/json' }).allowed).toBe(false);
  });
});

describe('webuvc serve (the built command)', () => {
  /** Start the command and wait for its first stdout line (or its end). */
  async function start(args: string[]): Promise<{ child: ReturnType<typeof startWebuvc>; line: string; stderr: () => string }> {
    const child = startWebuvc(['serve', ...args]);
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString('utf8');
    });
    let stdout = '';
    const line = await new Promise<string>((resolve) => {
      child.stdout.on('data', (chunk: Buffer) => {
        stdout += chunk.toString('utf8');
        if (stdout.includes('\n')) resolve(stdout.split('\n')[0]!);
      });
      child.once('close', () => resolve(stdout));
    });
    return { child, line, stderr: () => stderr };
  }

  it('announces its URL, serves, and stops with exit 0 on SIGTERM', async () => {
    const { child, line, stderr } = await start(['--virtual', '--port', '0', '--json']);
    const announced = JSON.parse(line);
    expect(announced).toMatchObject({ host: '127.0.0.1', emulated: true, format: { pixelFormat: 'MJPEG' } });
    const answer = await fetch(`${announced.url}api/stats`);
    expect(answer.status).toBe(200);
    child.kill('SIGTERM');
    const [code] = await once(child, 'close');
    expect(code, stderr()).toBe(0);
    // stderr is read to its end only now: its pipe need not keep pace with stdout's.
    expect(stderr()).not.toMatch(/warning/);
  });

  it('answers 409 at once for the live picture of a format that cannot be shown (raw Bayer)', async () => {
    const phytec = join(fixturesDir, 'descriptors', 'phytec_cam004h_theimagingsource_199e-8302.lsusb.txt');
    const { child, line } = await start(['--emulate', phytec, '--port', '0', '--json']);
    const announced = JSON.parse(line);
    expect(announced.format.pixelFormat).toBe('GRBG');
    const answer = await fetch(`${announced.url}stream.mjpg`, { signal: AbortSignal.timeout(5000) });
    expect(answer.status).toBe(409);
    expect(await answer.text()).toMatch(/GRBG frames cannot be shown as JPEG/);
    child.kill('SIGTERM');
    expect((await once(child, 'close'))[0]).toBe(0);
  });

  it('warns when told to listen beyond loopback', async () => {
    const { child, line, stderr } = await start(['--virtual', '--port', '0', '--host', '0.0.0.0', '--json']);
    expect(JSON.parse(line).host).toBe('0.0.0.0');
    child.kill('SIGTERM');
    expect((await once(child, 'close'))[0]).toBe(0);
    expect(stderr()).toMatch(/warning: listening on 0\.0\.0\.0, not on loopback: anyone who can reach this address sees the camera/);
  });

  it('exits 2 on usage errors, a port in use among them', async () => {
    const blocker = createNetServer();
    blocker.listen(0, '127.0.0.1');
    await once(blocker, 'listening');
    const taken = (blocker.address() as AddressInfo).port;
    try {
      const cases: Array<[string[], RegExp]> = [
        [['--port', 'http'], /--port wants a number from 0/],
        [['--port', '70000'], /--port wants a number from 0/],
        [['--host', ''], /--host wants an address/],
        [['--port', String(taken)], new RegExp(`port ${taken} on 127.0.0.1 is in use`)],
      ];
      for (const [args, message] of cases) {
        const result = await webuvc(['serve', '--virtual', ...args]);
        expect(result.code, result.stderr).toBe(2);
        expect(result.stderr).toMatch(message);
      }
    } finally {
      blocker.close();
    }
  });

  it('exits 3 with the code and its name on camera errors', async () => {
    const missing = await webuvc(['serve', '--device', 'ffff:fffe', '--port', '0']);
    expect(missing.code).toBe(3);
    expect(missing.stderr).toMatch(/error 7400108 DEVICE_DISABLED: no UVC camera is attached/);
    const format = await webuvc(['serve', '--virtual', '--format', 'H264', '--port', '0']);
    expect(format.code).toBe(3);
    expect(format.stderr).toMatch(/error 7400101 INVALID_ARGUMENT/);
  });
});
