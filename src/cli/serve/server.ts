/**
 * The HTTP server of `webuvc serve` (node:http): the page, the live picture as
 * `multipart/x-mixed-replace` JPEGs, and a small JSON API.
 *
 * | method and path | answer |
 * |---|---|
 * | `GET /` | the page (`/app.js`, `/app.css` beside it) |
 * | `GET /stream.mjpg` | the live picture, one JPEG part per frame, until the viewer leaves |
 * | `GET /snapshot.jpg` | the next frame as one JPEG |
 * | `GET /api/camera` | the source, the model (as `webuvc info --json`), the format streaming |
 * | `GET /api/stats` | the stream's counters, the measured frame rate, the preview's counters |
 * | `GET /api/controls` | every control (as `webuvc controls --json`) |
 * | `GET /api/controls/NAME` | `{ control }`: one control, its current value read from the camera |
 * | `PUT /api/controls/NAME` | body `{ "value": ... }`: set it, answer `{ control }` read back |
 * | `PUT /api/stream` | body `{ pixelFormat, width, height, fps }`: stream that instead |
 *
 * Failures answer `{ error: { code, name, message } }`: a CameraError keeps its 7400xxx code
 * (HTTP 400 for 7400101, 409 for a refusal or conflict, 500 otherwise).
 *
 * @packageDocumentation
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';

import type { CameraInfo } from '../../camera/describe.js';
import type { StreamRequest } from '../../camera/select.js';
import type { CameraControls, ControlInput } from '../../camera/controls.js';
import { CameraError, CameraErrorCode } from '../../errors.js';
import { controlJson } from '../controls.js';
import { changeAllowed, hostHeaderAllowed } from './hosts.js';
import { MAX_VIEWER_BACKLOG, type LiveStream } from './live.js';
import { PAGE_CSS, PAGE_HTML, PAGE_SCRIPT } from './page.js';

/** The part of the control layer the server uses. */
export type ControlsApi = Pick<CameraControls, 'list' | 'describe' | 'set'>;

/** What the server serves. */
export interface ServeContext {
  live: LiveStream;
  controls: ControlsApi;
  camera: { source: string; emulated: boolean; info: CameraInfo };
  /** Refuse requests whose Host header is not a loopback name (see `hosts.ts`). */
  loopbackOnly: boolean;
}

/** The multipart boundary of `/stream.mjpg`. */
export const MJPEG_BOUNDARY = 'webuvc-frame';

/** Largest request body read (bytes). */
const MAX_BODY_BYTES = 64 * 1024;

/** How long a snapshot waits for a frame (ms). */
const SNAPSHOT_TIMEOUT_MS = 5000;

const HTTP = {
  OK: 200,
  NO_CONTENT: 204,
  BAD_REQUEST: 400,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  METHOD_NOT_ALLOWED: 405,
  CONFLICT: 409,
  PAYLOAD_TOO_LARGE: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
  INTERNAL_ERROR: 500,
  UNAVAILABLE: 503,
} as const;

/** Headers on every answer. */
const COMMON_HEADERS = {
  'Cache-Control': 'no-store',
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'Content-Security-Policy': [
    "default-src 'self'",
    "img-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    "frame-ancestors 'none'",
    "form-action 'self'",
  ].join('; '),
} as const;

/** A request the API refuses, with its HTTP status. */
class RequestProblem extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/** The HTTP status a camera error answers with. */
export function httpStatusOf(error: CameraError): number {
  switch (error.code) {
    case CameraErrorCode.INVALID_ARGUMENT:
      return HTTP.BAD_REQUEST;
    case CameraErrorCode.OPERATION_NOT_ALLOWED:
    case CameraErrorCode.CONFLICT_CAMERA:
    case CameraErrorCode.UNRESOLVED_CONFLICTS_WITH_CURRENT_CONFIGURATIONS:
      return HTTP.CONFLICT;
    default:
      return HTTP.INTERNAL_ERROR;
  }
}

function send(res: ServerResponse, status: number, type: string, body: string | Uint8Array): void {
  res.writeHead(status, {
    ...COMMON_HEADERS,
    'Content-Type': type,
    'Content-Length': Buffer.byteLength(body),
  });
  res.end(body);
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  send(res, status, 'application/json; charset=utf-8', JSON.stringify(body));
}

function sendError(res: ServerResponse, error: unknown): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  if (error instanceof CameraError) {
    const details = { code: error.code, name: error.codeName, message: error.message };
    sendJson(res, httpStatusOf(error), { error: details });
  } else if (error instanceof RequestProblem) {
    sendJson(res, error.status, { error: { message: error.message } });
  } else {
    const message = error instanceof Error ? error.message : String(error);
    sendJson(res, HTTP.INTERNAL_ERROR, { error: { message } });
  }
}

async function readJson(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  let length = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    length += chunk.length;
    if (length > MAX_BODY_BYTES) {
      const message = `the body is larger than ${MAX_BODY_BYTES} bytes`;
      throw new RequestProblem(HTTP.PAYLOAD_TOO_LARGE, message);
    }
    chunks.push(chunk);
  }
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch {
    throw new RequestProblem(HTTP.BAD_REQUEST, 'the body is not JSON');
  }
}

/** `{ value }` of a control change: a number, a menu name, or numbers by field. */
function controlInput(body: unknown): ControlInput {
  const value = (body as { value?: unknown } | null)?.value;
  if (typeof value === 'number' && Number.isFinite(value)) return value;
  if (typeof value === 'string' && value !== '') return value;
  if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
    const fields = Object.entries(value);
    if (fields.length > 0 && fields.every(([, v]) => typeof v === 'number' && Number.isFinite(v))) {
      return Object.fromEntries(fields) as Record<string, number>;
    }
  }
  const wanted = 'the body wants { "value": a number, a menu name, or numbers by field }';
  throw new RequestProblem(HTTP.BAD_REQUEST, wanted);
}

/** `{ pixelFormat, width, height, fps }` of a stream change; each optional. */
function streamRequest(body: unknown): StreamRequest {
  const fields = (body ?? {}) as Record<string, unknown>;
  const request: StreamRequest = {};
  if (fields.pixelFormat !== undefined) {
    if (typeof fields.pixelFormat !== 'string') {
      throw new RequestProblem(HTTP.BAD_REQUEST, 'pixelFormat wants a string');
    }
    request.pixelFormat = fields.pixelFormat;
  }
  for (const key of ['width', 'height', 'fps'] as const) {
    const value = fields[key];
    if (value === undefined) continue;
    if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
      throw new RequestProblem(HTTP.BAD_REQUEST, `${key} wants a positive number`);
    }
    request[key] = value;
  }
  return request;
}

function serveMjpeg(req: IncomingMessage, res: ServerResponse, live: LiveStream): void {
  const format = live.format;
  if (format && !format.previewable) {
    // Nothing to show (raw Bayer, H.264): say so instead of holding the request open.
    const message = `${format.pixelFormat} frames cannot be shown as JPEG; choose another format`;
    sendJson(res, HTTP.CONFLICT, { error: { message } });
    return;
  }
  res.writeHead(HTTP.OK, {
    ...COMMON_HEADERS,
    'Content-Type': `multipart/x-mixed-replace; boundary=${MJPEG_BOUNDARY}`,
    Connection: 'close',
  });
  // Send the headers now: a viewer knows the stream is there before the first frame arrives.
  res.flushHeaders();
  req.socket.setNoDelay(true);
  const unsubscribe = live.subscribe((jpeg) => {
    if (res.destroyed || res.writableLength > MAX_VIEWER_BACKLOG) return false;
    const head = `--${MJPEG_BOUNDARY}\r\nContent-Type: image/jpeg\r\nContent-Length: ${jpeg.length}`;
    res.write(`${head}\r\n\r\n`);
    res.write(jpeg);
    res.write('\r\n');
    return true;
  });
  res.on('close', unsubscribe);
}

async function serveSnapshot(res: ServerResponse, live: LiveStream): Promise<void> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<undefined>((resolve) => {
    timer = setTimeout(() => resolve(undefined), SNAPSHOT_TIMEOUT_MS);
  });
  const jpeg = await Promise.race([live.nextJpeg(), timeout]);
  clearTimeout(timer);
  if (!jpeg) {
    const message = `no frame to show within ${SNAPSHOT_TIMEOUT_MS} ms`;
    sendJson(res, HTTP.UNAVAILABLE, { error: { message } });
    return;
  }
  send(res, HTTP.OK, 'image/jpeg', jpeg);
}

/** Answers one request; `name` is what a pattern path captured. */
type Handler = (req: IncomingMessage, res: ServerResponse, name: string) => Promise<void> | void;

/** One route of the server. */
interface Route {
  method: string;
  path: string | RegExp;
  handler: Handler;
}

/** A route answering fixed content. */
function fixed(path: string, type: string, body: string, status: number = HTTP.OK): Route {
  return { method: 'GET', path, handler: (_, res) => send(res, status, type, body) };
}

function routes(context: ServeContext): Route[] {
  const { live, controls, camera } = context;
  const describe = async (name: string) => ({
    control: controlJson(await controls.describe(name)),
  });
  return [
    fixed('/', 'text/html; charset=utf-8', PAGE_HTML),
    fixed('/app.js', 'text/javascript; charset=utf-8', PAGE_SCRIPT),
    fixed('/app.css', 'text/css; charset=utf-8', PAGE_CSS),
    fixed('/favicon.ico', 'image/x-icon', '', HTTP.NO_CONTENT),
    { method: 'GET', path: '/stream.mjpg', handler: (req, res) => serveMjpeg(req, res, live) },
    { method: 'GET', path: '/snapshot.jpg', handler: (_, res) => serveSnapshot(res, live) },
    {
      method: 'GET',
      path: '/api/camera',
      handler: (_, res) => sendJson(res, HTTP.OK, { ...camera, format: live.format ?? null }),
    },
    { method: 'GET', path: '/api/stats', handler: (_, res) => sendJson(res, HTTP.OK, live.stats()) },
    {
      method: 'GET',
      path: '/api/controls',
      handler: async (_, res) => sendJson(res, HTTP.OK, (await controls.list()).map(controlJson)),
    },
    {
      method: 'GET',
      path: /^\/api\/controls\/([^/]+)$/,
      handler: async (_, res, name) => sendJson(res, HTTP.OK, await describe(name)),
    },
    {
      method: 'PUT',
      path: /^\/api\/controls\/([^/]+)$/,
      handler: async (req, res, name) => {
        const value = controlInput(await readJson(req));
        await controls.set(name, value);
        sendJson(res, HTTP.OK, await describe(name));
      },
    },
    {
      method: 'PUT',
      path: '/api/stream',
      handler: async (req, res) => {
        const format = await live.start(streamRequest(await readJson(req)));
        sendJson(res, HTTP.OK, { format });
      },
    },
  ];
}

/** Find the handler of a request, or the status that refuses it. */
function route(
  table: Route[],
  method: string,
  path: string,
): { handler: Handler; name: string } | { status: number; allow?: string } {
  const matching = table.flatMap((entry) => {
    if (typeof entry.path === 'string') return entry.path === path ? [{ entry, name: '' }] : [];
    const match = entry.path.exec(path);
    return match ? [{ entry, name: decodeURIComponent(match[1]!) }] : [];
  });
  if (matching.length === 0) return { status: HTTP.NOT_FOUND };
  const wanted = method === 'HEAD' ? 'GET' : method;
  const hit = matching.find(({ entry }) => entry.method === wanted);
  if (!hit) {
    const allow = matching.map(({ entry }) => entry.method).join(', ');
    return { status: HTTP.METHOD_NOT_ALLOWED, allow };
  }
  return { handler: hit.entry.handler, name: hit.name };
}

/** The request handler of `webuvc serve`. */
export function createServeHandler(
  context: ServeContext,
): (req: IncomingMessage, res: ServerResponse) => void {
  const table = routes(context);
  return (req, res) => {
    const method = req.method ?? 'GET';
    if (!hostHeaderAllowed(req.headers.host, context.loopbackOnly)) {
      const message = `this server answers loopback names only, not "${req.headers.host ?? ''}"`;
      sendJson(res, HTTP.FORBIDDEN, { error: { message } });
      return;
    }
    let path: string;
    try {
      path = new URL(req.url ?? '/', 'http://localhost').pathname;
    } catch {
      sendJson(res, HTTP.BAD_REQUEST, { error: { message: 'unreadable request path' } });
      return;
    }
    let found: ReturnType<typeof route>;
    try {
      found = route(table, method, path);
    } catch {
      sendJson(res, HTTP.BAD_REQUEST, { error: { message: 'unreadable request path' } });
      return;
    }
    if ('status' in found) {
      if (found.allow !== undefined) res.setHeader('Allow', found.allow);
      sendJson(res, found.status, { error: { message: `no ${method} ${path} here` } });
      return;
    }
    // Only a request that reaches a handler is checked as a change: an unknown path or method
    // is 404 or 405 whatever it carries.
    if (method !== 'GET' && method !== 'HEAD') {
      const check = changeAllowed({
        host: req.headers.host,
        origin: req.headers.origin,
        'content-type': req.headers['content-type'],
      });
      if (!check.allowed) {
        sendJson(res, check.status, { error: { message: check.reason } });
        return;
      }
    }

    Promise.resolve()
      .then(() => found.handler(req, res, found.name))
      .catch((error: unknown) => sendError(res, error));
  };
}

/** An HTTP server for {@link createServeHandler}, not yet listening. */
export function createServeServer(context: ServeContext): Server {
  return createServer(createServeHandler(context));
}
