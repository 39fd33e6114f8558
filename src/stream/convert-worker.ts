/**
 * The worker thread of `convert-pool.ts`: converts the frames it is sent and sends the result
 * back, transferring its buffer (no copy on the way back).
 *
 * A request names the frame's bytes as a (Shared)ArrayBuffer, offset and length; with a
 * SharedArrayBuffer-backed frame pool nothing is copied on the way in either.
 *
 * @packageDocumentation
 */
import { parentPort } from 'node:worker_threads';

import { convertRequest, type ConvertJob, type ConvertReply } from './convert-pool.js';

const port = parentPort;
if (port !== null) {
  port.on('message', (job: ConvertJob) => {
    const frame = new Uint8Array(job.buffer, job.offset, job.length);
    convertRequest(frame, job.request).then(
      (image) => {
        const { data } = image;
        const whole = data.byteOffset === 0 && data.byteLength === data.buffer.byteLength;
        const owned = whole && data.buffer instanceof ArrayBuffer ? data : data.slice();
        const reply: ConvertReply = { id: job.id, image: { ...image, data: owned } };
        port.postMessage(reply, [owned.buffer as ArrayBuffer]);
      },
      (error: unknown) => {
        const reply: ConvertReply = { id: job.id, error: describeError(error) };
        port.postMessage(reply);
      },
    );
  });
}

function describeError(error: unknown): { message: string; code?: number } {
  const record = error as { message?: unknown; code?: unknown } | null;
  const message = typeof record?.message === 'string' ? record.message : String(error);
  return typeof record?.code === 'number' ? { message, code: record.code } : { message };
}
