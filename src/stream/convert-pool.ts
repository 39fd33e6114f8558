/**
 * Conversion off the USB path: frames go to worker threads (one per core by default) that
 * convert them (`toPixels`, `toImage`), so the thread that reads USB never waits for pixels.
 *
 * With a frame pool backed by SharedArrayBuffers (`FramePool` option `shared`) a worker reads
 * the frame where the assembler wrote it; otherwise the bytes are copied once into the message.
 * Results come back by transfer, without a copy. When frames queue up, each worker takes the
 * next as soon as it is free, so both cores of a two-core machine work. Mode `inline` converts
 * on the calling thread instead (raw formats block it; sharp's JPEG/PNG work still runs on
 * libuv's threadpool) — `bench/convert.mjs` measures both.
 *
 * This module and its worker use Node's `worker_threads`; the rest of the driver core does not.
 *
 * @packageDocumentation
 */
import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';

import { CameraError, CameraErrorCode, type CameraErrorCode as Code } from '../errors.js';
import {
  toImage,
  toPixels,
  type FrameLayout,
  type ImageType,
  type PixelLayout,
} from './convert.js';
import type { Frame } from './frame.js';

/** What to make of a frame. */
export interface ConvertRequest {
  layout: FrameLayout;
  /** Packed pixels (`rgb`, `rgba`) or an image file (`jpeg`, `png`). */
  output: PixelLayout | ImageType;
  /** JPEG quality 1..100. */
  quality?: number;
}

/** A converted frame. `channels` is 3 or 4 for pixels, 0 for image files. */
export interface ConvertedImage {
  data: Uint8Array;
  width: number;
  height: number;
  channels: 0 | 3 | 4;
  output: ConvertRequest['output'];
}

/** A message to a worker (internal). */
export interface ConvertJob {
  id: number;
  buffer: ArrayBufferLike;
  offset: number;
  length: number;
  request: ConvertRequest;
}

/** A worker's answer (internal). */
export type ConvertReply =
  | { id: number; image: ConvertedImage }
  | { id: number; error: { message: string; code?: number } };

/** Options of {@link ConvertPool.create}. */
export interface ConvertPoolOptions {
  /** Worker threads (default: the machine's available parallelism). */
  workers?: number;
  /** `workers` (default) or `inline` (convert on the calling thread). */
  mode?: 'workers' | 'inline';
}

/** Counters of a convert pool (live). */
export interface ConvertPoolCounters {
  /** Conversions requested. */
  jobs: number;
  /** Conversions finished (with a result or an error). */
  done: number;
  /** Frames whose bytes were copied into the message (not SharedArrayBuffer-backed). */
  copiedInputs: number;
  /** Most conversions in progress at once. */
  maxPending: number;
}

/** Most workers one pool starts. */
const MAX_WORKERS = 64;

/** Convert one frame as a request says (used by the workers and by inline mode). */
export async function convertRequest(
  frame: Uint8Array,
  request: ConvertRequest,
): Promise<ConvertedImage> {
  const { layout, output } = request;
  if (output === 'rgb' || output === 'rgba') {
    const pixels = await toPixels(frame, layout, output);
    return { ...pixels, output };
  }
  const data = await toImage(frame, layout, output, request.quality);
  return { data, width: layout.width, height: layout.height, channels: 0, output };
}

interface Pending {
  resolve(image: ConvertedImage): void;
  reject(error: CameraError): void;
  worker: WorkerSlot;
}

interface WorkerSlot {
  worker: Worker;
  pending: number;
}

/** The compiled worker script: next to this module, or in `dist/` when running from sources. */
function workerUrl(): URL {
  const candidates = [
    new URL('./convert-worker.js', import.meta.url),
    new URL('../../dist/stream/convert-worker.js', import.meta.url),
  ];
  const found = candidates.find((url) => existsSync(fileURLToPath(url)));
  if (found === undefined) {
    throw new CameraError(CameraErrorCode.SERVICE_FATAL_ERROR, 'conversion worker not built', {
      expected: 'convert-worker.js beside convert-pool.js or in dist/stream (npm run build)',
      found: candidates.map((url) => fileURLToPath(url)),
    });
  }
  return found;
}

/** Converts frames off the calling thread; see the module comment. */
export class ConvertPool {
  readonly mode: 'workers' | 'inline';
  readonly #workers: WorkerSlot[];
  readonly #pending = new Map<number, Pending>();
  #nextId = 0;
  #closed = false;
  readonly #counters: ConvertPoolCounters = { jobs: 0, done: 0, copiedInputs: 0, maxPending: 0 };

  private constructor(mode: 'workers' | 'inline', workers: WorkerSlot[]) {
    this.mode = mode;
    this.#workers = workers;
    for (const slot of workers) {
      slot.worker.on('message', (reply: ConvertReply) => this.#settle(reply));
      slot.worker.on('error', (error) => this.#failWorker(slot, error));
    }
  }

  /** Start the workers (none in `inline` mode) and wait until they are ready. */
  static async create(options: ConvertPoolOptions = {}): Promise<ConvertPool> {
    const mode = options.mode ?? 'workers';
    const count = options.workers ?? availableParallelism();
    if (!Number.isInteger(count) || count < 1 || count > MAX_WORKERS) {
      throw new CameraError(CameraErrorCode.INVALID_ARGUMENT, 'bad number of conversion workers', {
        expected: `an integer from 1 to ${MAX_WORKERS}`,
        found: count,
      });
    }
    if (mode === 'inline') return new ConvertPool(mode, []);

    const url = workerUrl();
    const workers = await Promise.all(
      Array.from({ length: count }, async () => {
        const worker = new Worker(url);
        await new Promise<void>((resolve, reject) => {
          worker.once('online', resolve);
          worker.once('error', reject);
        });
        return { worker, pending: 0 };
      }),
    );
    return new ConvertPool(mode, workers);
  }

  /** The counters (live). */
  get counters(): Readonly<ConvertPoolCounters> {
    return this.#counters;
  }

  /** Conversions in progress. */
  get pending(): number {
    return this.#pending.size;
  }

  /**
   * Convert `data` (left untouched; keep it valid until the promise settles). With workers, a
   * SharedArrayBuffer-backed view is read in place; any other is copied once.
   */
  convert(data: Uint8Array, request: ConvertRequest): Promise<ConvertedImage> {
    if (this.#closed) {
      return Promise.reject(
        new CameraError(CameraErrorCode.OPERATION_NOT_ALLOWED, 'the convert pool is closed', {
          expected: 'an open pool',
          found: 'closed',
        }),
      );
    }
    this.#counters.jobs += 1;
    if (this.mode === 'inline') return this.#inline(data, request);

    const slot = this.#leastBusy();
    const id = this.#nextId;
    this.#nextId += 1;
    const shared =
      typeof SharedArrayBuffer === 'function' && data.buffer instanceof SharedArrayBuffer;
    const bytes = shared ? data : data.slice();
    if (!shared) this.#counters.copiedInputs += 1;
    const job: ConvertJob = {
      id,
      buffer: bytes.buffer,
      offset: bytes.byteOffset,
      length: bytes.byteLength,
      request,
    };

    return new Promise<ConvertedImage>((resolve, reject) => {
      this.#pending.set(id, { resolve, reject, worker: slot });
      slot.pending += 1;
      this.#counters.maxPending = Math.max(this.#counters.maxPending, this.#pending.size);
      slot.worker.postMessage(job, shared ? [] : [bytes.buffer as ArrayBuffer]);
    });
  }

  /** Convert a frame and release it once its bytes have been read. */
  async convertFrame(frame: Frame, request: ConvertRequest): Promise<ConvertedImage> {
    try {
      return await this.convert(frame.data, request);
    } finally {
      frame.release();
    }
  }

  /** Stop the workers; conversions in progress fail with 7400201. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await Promise.all(this.#workers.map((slot) => slot.worker.terminate()));
    for (const [id, pending] of this.#pending) {
      this.#pending.delete(id);
      pending.reject(closedError());
    }
  }

  async #inline(data: Uint8Array, request: ConvertRequest): Promise<ConvertedImage> {
    try {
      return await convertRequest(data, request);
    } finally {
      this.#counters.done += 1;
    }
  }

  #leastBusy(): WorkerSlot {
    let best = this.#workers[0];
    for (const slot of this.#workers) {
      if (best === undefined || slot.pending < best.pending) best = slot;
    }
    if (best === undefined) throw closedError();
    return best;
  }

  #settle(reply: ConvertReply): void {
    const pending = this.#pending.get(reply.id);
    if (pending === undefined) return;
    this.#pending.delete(reply.id);
    pending.worker.pending -= 1;
    this.#counters.done += 1;
    if ('image' in reply) {
      pending.resolve(reply.image);
      return;
    }
    const code = (reply.error.code ?? CameraErrorCode.SERVICE_FATAL_ERROR) as Code;
    pending.reject(new CameraError(code, reply.error.message));
  }

  #failWorker(slot: WorkerSlot, error: unknown): void {
    for (const [id, pending] of this.#pending) {
      if (pending.worker !== slot) continue;
      this.#pending.delete(id);
      pending.reject(
        new CameraError(CameraErrorCode.SERVICE_FATAL_ERROR, 'a conversion worker failed', {
          cause: error,
        }),
      );
    }
  }
}

function closedError(): CameraError {
  return new CameraError(CameraErrorCode.SERVICE_FATAL_ERROR, 'the convert pool was closed', {
    expected: 'the conversion to finish',
    found: 'the pool closed first',
  });
}
