/**
 * Command-line parsing shared by every `webuvc` command.
 *
 * @packageDocumentation
 */
import type { ParseArgsConfig } from 'node:util';

import type { StreamRequest } from '../camera/select.js';

/** A mistake in how the command was called: exit code 2, and the usage is printed. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/** What to stream: `--format`, `--size WxH`, `--fps N` (see {@link streamRequest}). */
export const STREAM_OPTIONS = {
  format: { type: 'string' },
  size: { type: 'string' },
  fps: { type: 'string' },
} as const satisfies ParseArgsConfig['options'];

/** Options every camera command takes. */
export const CAMERA_OPTIONS = {
  emulate: { type: 'string' },
  virtual: { type: 'boolean' },
  device: { type: 'string' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const satisfies ParseArgsConfig['options'];

/** Run a parser, turning its errors into {@link UsageError}. */
export function asUsage<T>(parse: () => T): T {
  try {
    return parse();
  } catch (error) {
    throw new UsageError(error instanceof Error ? error.message : String(error));
  }
}

/** Parse a positive integer option (decimal digits only). */
export function positiveInteger(name: string, value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  const number = /^\d+$/.test(value) ? Number(value) : NaN;
  if (!Number.isSafeInteger(number) || number <= 0) {
    throw new UsageError(`--${name} wants a positive integer, not "${value}"`);
  }
  return number;
}

/** Parse a positive decimal number option such as a frame rate (`30`, `7.5`). */
export function positiveNumber(name: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const number = /^\d+(\.\d+)?$/.test(value) ? Number(value) : NaN;
  if (!Number.isFinite(number) || number <= 0) {
    throw new UsageError(`--${name} wants a positive number such as 30 or 7.5, not "${value}"`);
  }
  return number;
}

/** Parse `WIDTHxHEIGHT`. */
export function frameSize(value: string | undefined): { width?: number; height?: number } {
  if (value === undefined) return {};
  const match = /^(\d+)x(\d+)$/i.exec(value);
  if (!match) throw new UsageError(`--size wants WIDTHxHEIGHT such as 640x480, not "${value}"`);
  return { width: Number(match[1]), height: Number(match[2]) };
}

/** Parse `VID:PID` in hexadecimal. */
export function vidPid(value: string | undefined): { vendorId: number; productId: number } | undefined {
  if (value === undefined) return undefined;
  const match = /^([0-9a-f]{1,4}):([0-9a-f]{1,4})$/i.exec(value);
  if (!match) throw new UsageError(`--device wants VID:PID in hexadecimal such as 046d:0825, not "${value}"`);
  return { vendorId: parseInt(match[1]!, 16), productId: parseInt(match[2]!, 16) };
}

/** The stream request of `--format`, `--size` and `--fps`; absent options leave the camera's defaults. */
export function streamRequest(values: {
  format?: string | undefined;
  size?: string | undefined;
  fps?: string | undefined;
}): StreamRequest {
  const fps = positiveNumber('fps', values.fps);
  return {
    ...frameSize(values.size),
    ...(values.format !== undefined ? { pixelFormat: values.format } : {}),
    ...(fps !== undefined ? { fps } : {}),
  };
}
