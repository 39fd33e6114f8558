/**
 * Reading the files users hand webuvc (descriptor dumps, captures): bounded, regular files only,
 * every failure a CameraError that names the file (Node only).
 *
 * @packageDocumentation
 */
import { readFile, stat } from 'node:fs/promises';

import { CameraError, CameraErrorCode } from '../errors.js';

/**
 * The bytes of the regular file at `path`, at most `maxBytes` of them.
 *
 * @param what what the file should hold, for messages ("descriptor file", "capture").
 * @throws CameraError 7400101 when the file is missing, unreadable, not a regular file (a
 *   directory, a FIFO, a device such as /dev/zero) or larger than `maxBytes`.
 */
export async function readBoundedFile(path: string, maxBytes: number, what: string): Promise<Uint8Array> {
  const refuse = (expected: string, found: string, cause?: unknown) =>
    new CameraError(CameraErrorCode.INVALID_ARGUMENT, `cannot use ${what} ${path}`, {
      expected,
      found,
      ...(cause === undefined ? {} : { cause }),
    });

  let info: Awaited<ReturnType<typeof stat>>;
  try {
    info = await stat(path);
  } catch (error) {
    throw refuse('a readable file', (error as { code?: string }).code ?? String(error), error);
  }
  if (!info.isFile()) {
    throw refuse('a regular file', info.isDirectory() ? 'a directory' : 'a special file (device, FIFO or socket)');
  }
  if (info.size > maxBytes) throw refuse(`at most ${maxBytes} bytes`, `${info.size} bytes`);

  try {
    return new Uint8Array(await readFile(path));
  } catch (error) {
    throw refuse('a readable file', (error as { code?: string }).code ?? String(error), error);
  }
}
