/**
 * Helpers for programs run under umockdev-run: they report to the test as JSON lines on stdout.
 */
import type { Device } from 'usb';

/** Print one JSON message for the test. */
export function emit(message: Record<string, unknown>): void {
  process.stdout.write(`${JSON.stringify(message)}\n`);
}

/** Report a failure and exit non-zero. */
export function fail(reason: string): never {
  emit({ event: 'failed', reason });
  process.exit(1);
}

/** Lower-case hex of some bytes. */
export function hex(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex');
}

/** A control IN transfer through node-usb, as a promise. */
export function controlIn(
  device: Device,
  bmRequestType: number,
  bRequest: number,
  wValue: number,
  wIndex: number,
  length: number,
): Promise<Uint8Array> {
  return new Promise((resolve, reject) => {
    device.controlTransfer(bmRequestType, bRequest, wValue, wIndex, length, (error, data) => {
      if (error) reject(error);
      else resolve(new Uint8Array(data as Buffer));
    });
  });
}

/** A control OUT transfer through node-usb, as a promise. */
export function controlOut(
  device: Device,
  bmRequestType: number,
  bRequest: number,
  wValue: number,
  wIndex: number,
  data: Uint8Array,
): Promise<void> {
  return new Promise((resolve, reject) => {
    device.controlTransfer(bmRequestType, bRequest, wValue, wIndex, Buffer.from(data), (error) => {
      if (error) reject(error);
      else resolve();
    });
  });
}
