/**
 * `webuvc serve`: a local web page showing the camera live, its formats, its controls as
 * sliders, and its frame-rate and drop counters.
 *
 * It listens on 127.0.0.1 unless `--host` names another address; then it warns that anyone
 * who reaches that address sees the camera and can change its controls. Without `--format`
 * it streams MJPEG when the camera has it (no encoding needed), else the camera's default.
 * Ctrl-C (SIGINT) or SIGTERM stops it and closes the camera.
 *
 * @packageDocumentation
 */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { parseArgs } from 'node:util';

import { describeCamera } from '../../camera/describe.js';
import type { StreamRequest } from '../../camera/select.js';
import { UvcCamera } from '../../camera/uvc-camera.js';
import { CAMERA_OPTIONS, STREAM_OPTIONS, UsageError, asUsage, streamRequest } from '../args.js';
import { openSource, type SourceOptions } from '../source.js';
import { DEFAULT_HOST, isLoopbackHost } from './hosts.js';
import { LiveStream } from './live.js';
import { createServeServer } from './server.js';

/** The port `webuvc serve` listens on without `--port`. */
export const DEFAULT_PORT = 8080;

const MAX_PORT = 65535;

/** What `webuvc serve --json` prints once it listens (one line). */
export interface ServeAnnouncement {
  url: string;
  host: string;
  port: number;
  source: string;
  emulated: boolean;
  format: { pixelFormat: string; width: number; height: number; fps: number };
}

function portNumber(value: string | undefined): number {
  if (value === undefined) return DEFAULT_PORT;
  const port = Number(value);
  if (!/^\d+$/.test(value) || port > MAX_PORT) {
    const range = `a number from 0 (any free port) to ${MAX_PORT}`;
    throw new UsageError(`--port wants ${range}, not "${value}"`);
  }
  return port;
}

/** `http://host:port/`, with IPv6 addresses in brackets. */
function urlOf(host: string, port: number): string {
  return `http://${host.includes(':') ? `[${host}]` : host}:${port}/`;
}

/** The parsed command line. */
interface ServeArgs {
  host: string;
  hostGiven: boolean;
  port: number;
  json: boolean;
  request: StreamRequest;
  formatGiven: boolean;
  source: Pick<SourceOptions, 'emulate' | 'virtual' | 'device'>;
}

/** Parse and check `webuvc serve`'s arguments. */
export function parseServeArgs(argv: string[]): ServeArgs {
  const { values } = asUsage(() =>
    parseArgs({
      args: argv,
      strict: true,
      options: {
        ...CAMERA_OPTIONS,
        port: { type: 'string' },
        host: { type: 'string' },
        ...STREAM_OPTIONS,
      },
    }),
  );
  if (values.host !== undefined && values.host.trim() === '') {
    throw new UsageError('--host wants an address to listen on, such as 127.0.0.1');
  }
  return {
    host: values.host?.trim() ?? DEFAULT_HOST,
    hostGiven: values.host !== undefined,
    port: portNumber(values.port),
    json: values.json === true,
    request: streamRequest(values),
    formatGiven: values.format !== undefined,
    source: { emulate: values.emulate, virtual: values.virtual, device: values.device },
  };
}

/** Listen, turning the usual refusals into usage errors a person can act on. */
async function listen(server: Server, host: string, port: number): Promise<number> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  }).catch((error: NodeJS.ErrnoException) => {
    switch (error.code) {
      case 'EADDRINUSE':
        throw new UsageError(
          `port ${port} on ${host} is in use: choose another with --port (0 picks a free one)`,
        );
      case 'EADDRNOTAVAIL':
      case 'ENOTFOUND':
        throw new UsageError(`cannot listen on ${host}: this machine has no such address`);
      case 'EACCES':
        throw new UsageError(`port ${port} needs privileges: choose one above 1023 with --port`);
      default:
        throw error;
    }
  });
  return (server.address() as AddressInfo).port;
}

/** Wait for Ctrl-C or SIGTERM. */
function untilStopped(): Promise<void> {
  return new Promise((resolve) => {
    const stop = (): void => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      resolve();
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
}

/** Run `webuvc serve`. */
export async function serveCommand(argv: string[]): Promise<void> {
  const args = parseServeArgs(argv);
  const loopbackOnly = isLoopbackHost(args.host);
  if (!loopbackOnly) {
    process.stderr.write(
      `webuvc serve: warning: listening on ${args.host}, not on loopback: anyone who can reach this ` +
        'address sees the camera and can change its controls\n',
    );
  }

  const source = await openSource({ ...args.source, fallBackToVirtual: true });
  if (!args.json) process.stderr.write(`webuvc serve: using ${source.label}\n`);
  const options = source.streaming ? { streaming: source.streaming } : {};
  const camera = await UvcCamera.open(source.device, options);
  const live = new LiveStream(camera);
  const server = createServeServer({
    live,
    controls: camera.controls,
    camera: { source: source.label, emulated: source.emulated, info: describeCamera(camera.model) },
    loopbackOnly,
  });
  try {
    const hasMjpeg = camera.videoFunction.streaming.some((vs) =>
      vs.formats.some((f) => f.pixelFormat === 'MJPEG'),
    );
    const preferMjpeg = !args.formatGiven && hasMjpeg;
    const request = preferMjpeg ? { ...args.request, pixelFormat: 'MJPEG' } : args.request;
    const format = await live.start(request);
    const port = await listen(server, args.host, args.port);
    // Listen for the signals before saying so: a supervisor may stop us as soon as we are up.
    const stopped = untilStopped();
    const url = urlOf(args.host, port);
    const announcement: ServeAnnouncement = {
      url,
      host: args.host,
      port,
      source: source.label,
      emulated: source.emulated,
      format: {
        pixelFormat: format.pixelFormat,
        width: format.width,
        height: format.height,
        fps: format.fps,
      },
    };
    process.stdout.write(
      args.json
        ? JSON.stringify(announcement) + '\n'
        : `webuvc serve: ${url} shows ${format.pixelFormat} ${format.width}x${format.height} ` +
            `at ${format.fps} fps (Ctrl-C stops)\n`,
    );
    await stopped;
  } finally {
    server.close();
    server.closeAllConnections();
    await live.stop().catch(() => undefined);
    await camera.close();
  }
}
