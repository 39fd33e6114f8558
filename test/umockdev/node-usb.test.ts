/**
 * node-usb (usb@2.18.0, its own libusb 1.0.30) against emulated cameras under umockdev: it must
 * enumerate them from sysfs, open them, and read the same descriptor bytes the real cameras
 * published, both from its cache and through GET_DESCRIPTOR control transfers.
 */
import { expect, it } from 'vitest';

import {
  CAMERAS,
  camera,
  childProgram,
  describeRun,
  describeUmockdev,
  emulated,
  messagesOf,
  runWithDevices,
} from './setup.js';

function hex(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('hex');
}

describeUmockdev('node-usb under umockdev', () => {
  for (const name of [CAMERAS.c270, CAMERAS.c310]) {
    it(`enumerates, opens and reads the descriptors of ${name}`, async () => {
      const raw = camera(name);
      const device = emulated({ camera: raw });

      const result = await runWithDevices([device], {
        program: childProgram('node-usb-enumerate.ts'),
        args: ['1', '2'],
      });

      expect(result.code, describeRun(result)).toBe(0);
      const [report] = messagesOf(result, 'enumerated');
      expect(report, describeRun(result)).toBeDefined();
      expect(report?.devices).toBe(1);
      expect(report?.idVendor).toBe(raw.device[8]! | (raw.device[9]! << 8));
      expect(report?.idProduct).toBe(raw.device[10]! | (raw.device[11]! << 8));
      expect(report?.wTotalLength).toBe(raw.config.length);
      expect(report?.interfaces).toBe(raw.config[4]);
      expect(report?.deviceHex).toBe(hex(raw.device));
      expect(report?.configHex).toBe(hex(raw.config));
      expect(report?.product).toBe('webuvc emulated camera');
      // The descriptors came through real control URBs answered by the model.
      expect(device.events.filter((event) => event.startsWith('control 8006'))).toHaveLength(4);
      expect(device.openConnections).toBe(0);
    });
  }
});
