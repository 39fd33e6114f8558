/**
 * `webuvc list`: the UVC cameras attached to this machine.
 *
 * @packageDocumentation
 */
import { findAttachedCameras } from '../usb/node-usb.js';
import { parseArgs } from 'node:util';

import { CAMERA_OPTIONS, asUsage } from './args.js';

function hex4(value: number): string {
  return value.toString(16).padStart(4, '0');
}

/** Run `webuvc list`. */
export async function listCommand(argv: string[]): Promise<void> {
  const { values } = asUsage(() =>
    parseArgs({ args: argv, options: { json: CAMERA_OPTIONS.json }, strict: true }),
  );
  const cameras = await findAttachedCameras();
  const rows = cameras.map((camera) => ({
    vendorId: hex4(camera.vendorId),
    productId: hex4(camera.productId),
    bus: camera.busNumber,
    address: camera.deviceAddress,
    port: camera.portPath,
    product: camera.device.productName ?? '',
    manufacturer: camera.device.manufacturerName ?? '',
  }));

  if (values.json) {
    process.stdout.write(JSON.stringify(rows, null, 2) + '\n');
    return;
  }
  if (rows.length === 0) {
    process.stdout.write('no UVC camera is attached (webuvc capture uses the built-in virtual camera then)\n');
    return;
  }
  for (const row of rows) {
    process.stdout.write(
      `${row.vendorId}:${row.productId}  bus ${row.bus} address ${row.address}  ${row.manufacturer} ${row.product}\n`,
    );
  }
}
