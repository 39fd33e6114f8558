/**
 * umockdev device descriptions generated from the raw descriptor fixtures: the fields libusb
 * and udev read, the descriptor bytes in upper-case hex, and the bus speed the endpoints imply.
 * No umockdev needed.
 */
import { describe, expect, it } from 'vitest';

import { devnodePath, guessSpeed, umockdevDeviceRecord } from './device-file.js';
import { CAMERAS, camera } from './setup.js';

function field(record: string, prefix: string): string[] {
  return record
    .split('\n')
    .filter((line) => line.startsWith(prefix))
    .map((line) => line.slice(prefix.length));
}

describe('umockdev device descriptions', () => {
  it('describes the Logitech C270 with its exact descriptor bytes', () => {
    const raw = camera(CAMERAS.c270);
    const record = umockdevDeviceRecord(raw, { busNumber: 1, deviceAddress: 2 });
    const bytes = Buffer.concat([raw.device, raw.config]).toString('hex').toUpperCase();

    expect(field(record, 'P: ')).toEqual(['/devices/pci0000:00/0000:00:14.0/usb1/1-2']);
    expect(field(record, 'N: ')).toEqual([`bus/usb/001/002=${bytes}`]);
    expect(field(record, 'H: ')).toEqual([`descriptors=${bytes}`]);
    expect(field(record, 'E: ')).toEqual(
      expect.arrayContaining([
        'DEVNAME=/dev/bus/usb/001/002',
        'DEVTYPE=usb_device',
        'SUBSYSTEM=usb',
        'PRODUCT=46d/825/12',
      ]),
    );
    expect(field(record, 'A: ')).toEqual(
      expect.arrayContaining([
        'busnum=1',
        'devnum=2',
        'idVendor=046d',
        'idProduct=0825',
        'speed=480',
        'bConfigurationValue=1',
      ]),
    );
    expect(record.endsWith('\n\n')).toBe(true);
  });

  it('guesses the bus speed from the endpoints', () => {
    const c270 = camera(CAMERAS.c270);
    const bulk = camera(CAMERAS.bulk);
    // 3x1020-byte isochronous packets need high speed; 64-byte bulk packets mean full speed.
    expect(guessSpeed(c270.device, c270.config)).toBe(480);
    expect(guessSpeed(bulk.device, bulk.config)).toBe(12);
    expect(field(umockdevDeviceRecord(bulk, { busNumber: 3, deviceAddress: 17 }), 'A: ')).toContain(
      'speed=12',
    );
    expect(devnodePath(3, 17)).toBe('/dev/bus/usb/003/017');
  });

  it('refuses bytes that are not a device and configuration descriptor', () => {
    const raw = camera(CAMERAS.c310);
    expect(() =>
      umockdevDeviceRecord(
        { ...raw, device: raw.device.subarray(0, 8) },
        { busNumber: 1, deviceAddress: 2 },
      ),
    ).toThrow(/expected an 18-byte device descriptor.*found 8 bytes/);
    expect(() =>
      umockdevDeviceRecord(
        { ...raw, config: raw.config.subarray(0, 100) },
        { busNumber: 1, deviceAddress: 2 },
      ),
    ).toThrow(/wTotalLength is its length, found 100 bytes with wTotalLength 2469/);
  });
});
